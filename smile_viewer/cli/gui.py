"""``smile-viewer gui``: start the desktop application (also what ``smile-viewer`` alone does)."""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``gui`` on the command line's sub-parsers."""
    p = sub.add_parser("gui", help="start the desktop application (default)")
    p.add_argument("session", nargs="?", metavar="SESSION", default=None, help="open this session file")
    p.add_argument(
        "--present",
        action="store_true",
        help="start in presentation mode: full screen, docks hidden, keys (space, arrows, 1-9, Esc)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Start the application; returns its exit status."""
    # Lazy: Qt is imported only when the window opens, so the other commands (and the
    # headless layering test, which imports every module of this package) never load it.
    from smile_viewer._qt.app import run_app

    state = None
    if getattr(args, "session", None):
        # lazy: the session reader only when a session is given (a bad file: one line, exit 2)
        from smile_viewer.state.session import load_session

        state = load_session(args.session)
    return run_app(state=state, present=bool(getattr(args, "present", False)))
