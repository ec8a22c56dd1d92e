"""``smile-viewer render``: render the 3-D scene to a PNG without a window.

The work is :func:`smile_viewer._vispy.headless.render_scene_png`.
"""

from __future__ import annotations

import argparse

from smile_viewer.cli.common import size_type

#: Camera presets of ``--view``.
VIEWS = ("overview", "sun", "north", "sxi")


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``render`` on the command line's sub-parsers."""
    p = sub.add_parser("render", help="render the 3-D scene to a PNG without a window")
    p.add_argument("--out", required=True, help="output PNG file")
    p.add_argument(
        "--time", default=None, help="scene time, ISO 8601 UTC (default: first apogee of the default orbit)"
    )
    p.add_argument("--size", type=size_type, default=(1280, 800), help="image size WxH (default 1280x800)")
    p.add_argument(
        "--view",
        choices=VIEWS,
        default=None,
        help="camera: overview, from the Sun, from the north, or through SXI from the "
        "spacecraft, with the emission volume on the default scene (default: the "
        "session's, else overview)",
    )
    p.add_argument(
        "--session",
        metavar="FILE",
        default=None,
        help="render this saved session (JSON) instead of the default scene",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Render and write the PNG; returns the exit status."""
    # Lazy: vispy (and its GL context) is imported only when this command runs, so the rest of
    # the command line and the headless layering test never load it.
    from smile_viewer._vispy.headless import render_scene_png
    from smile_viewer.coords.timeparse import parse_time

    time = parse_time(args.time) if args.time else None
    path = render_scene_png(args.out, size=args.size, time=time, view=args.view, session=args.session)
    print(f"wrote {path}")
    return 0
