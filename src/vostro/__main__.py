"""`python -m vostro` runs the command line."""

from vostro.cli import main

main()
