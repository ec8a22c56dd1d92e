"""``smile-viewer gui``: start the desktop application (also what ``smile-viewer`` alone does)."""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``gui`` on the command line's sub-parsers."""
    return sub.add_parser("gui", help="start the desktop application (default)")


def run(args: argparse.Namespace) -> int:
    """Start the application; returns its exit status."""
    # Lazy: Qt is imported only when the window opens, so the other commands (and the
    # headless layering test, which imports every module of this package) never load it.
    from smile_viewer._qt.app import run_app

    return run_app()
