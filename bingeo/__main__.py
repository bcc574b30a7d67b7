"""``python -m bingeo``: the command-line interface."""

from bingeo.cli.main import main

main()
