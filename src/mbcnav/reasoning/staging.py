"""Stage for the assessment: "IV" when the case lists any distant site, else unknown (None).

Why so little: mbcnav only handles metastatic disease, and the Case has no T/N/M fields, so the
only staging fact it can know is "a distant site is present" (AJCC 8th edition: any T, any N, M1).
``lymph_node`` counts as distant here because the Case's ``metastatic_sites`` lists *distant*
sites only: a node listed there is a distant (M1) node, such as a contralateral axillary node.
Ipsilateral regional nodes (axillary, internal mammary, ipsilateral supraclavicular) are N, not M,
and must not be entered in ``metastatic_sites``.
"""

from __future__ import annotations

from mbcnav.case import Case

#: the AJCC 8th edition source id behind the rule
SOURCES: tuple[str, ...] = ("ajcc-8",)


def stage(case: Case) -> str | None:
    """ "IV" when any distant site is listed; None when the case gives no site (stage not known)."""
    return "IV" if case.metastatic_sites else None
