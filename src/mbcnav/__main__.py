"""`python -m mbcnav`: the same command as the installed `mbcnav` script (handy in a checkout)."""

from mbcnav.cli import main

main()
