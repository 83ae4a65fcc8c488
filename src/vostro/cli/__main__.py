"""`python -m vostro.cli` runs the command line."""

from vostro.cli import main

main()
