"""`python -m mbcnav`: the same command as the installed `mbcnav` script (handy in a checkout)."""

from mbcnav._entry import main

main()
