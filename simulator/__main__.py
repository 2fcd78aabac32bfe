"""``python -m simulator`` runs the same command line as ``advocacy-sim``."""

from simulator.cli import main

main()
