"""Survival analytics on public datasets and cohort-scale runs of the reasoning core."""
