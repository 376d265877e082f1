"""``python -m logistic`` runs the command line."""

from .cli import main

main()
