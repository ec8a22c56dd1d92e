"""``smile-viewer tour``: render a session's camera tour to an MP4 or a folder of PNGs, off window.

The work is :func:`smile_viewer._vispy.tour_render.render_tour`.
"""

from __future__ import annotations

import argparse
import sys

from smile_viewer.errors import UserInputError

#: Size names accepted by ``--size`` besides WIDTHxHEIGHT.
SIZE_NAMES = {"720p": (1280, 720), "1080p": (1920, 1080), "1440p": (2560, 1440), "4k": (3840, 2160)}


def parse_size(text: str) -> tuple[int, int]:
    """``"3840x2160"`` or a name (720p, 1080p, 1440p, 4k) → (width, height) in pixels."""
    key = str(text).strip().lower()
    if key in SIZE_NAMES:
        return SIZE_NAMES[key]
    try:
        w, h = (int(v) for v in key.split("x"))
    except ValueError:
        raise UserInputError(f"--size must look like 3840x2160 (or 1080p, 4k), got {text!r}") from None
    if w < 16 or h < 16:
        raise UserInputError(f"--size {w}x{h} too small (16 pixels a side at least)")
    return w, h


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``tour`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "tour", help="render a session's camera tour to an MP4 (or PNG frames) without a window"
    )
    p.add_argument("session", metavar="SESSION", help="session file with a tour (File ▸ Save session…)")
    p.add_argument("--out", required=True, help="output movie (.mp4), or a new folder for PNG frames")
    p.add_argument("--size", default="1920x1080", help="frame size WxH or 720p/1080p/4k (default 1920x1080)")
    p.add_argument("--fps", default="30", help="frames per second (default 30)")
    p.add_argument(
        "--projection",
        default="perspective",
        choices=("perspective", "dome", "equirect"),
        help="perspective (default), dome (a square fisheye dome master) or equirect (a 2:1 360° frame)",
    )
    p.add_argument("--tilt", default="0", help="dome only: view direction this many degrees below the zenith")
    return p


def run(args: argparse.Namespace) -> int:
    """Render the tour; returns the exit status."""
    # lazy: the session reader and the renderer (vispy, GL) only when the command runs
    from smile_viewer._vispy.tour_render import render_tour
    from smile_viewer.cli.common import parse_number
    from smile_viewer.state.session import load_session

    size = parse_size(args.size)
    fps = parse_number(args.fps, "--fps")
    tilt = parse_number(args.tilt, "--tilt")
    app = load_session(args.session)
    if not app.tour.keyframes:
        raise UserInputError(
            f"{args.session}: the session's tour has no keyframes (add them in the Tour panel)"
        )
    n = len(app.tour.frame_times(fps))
    last = [-1]

    def progress(i: int, total: int) -> None:
        pct = 100 * i // total
        if pct != last[0] and sys.stderr.isatty():
            last[0] = pct
            print(f"\rframe {i}/{total} ({pct}%)", end="", file=sys.stderr, flush=True)

    out = render_tour(app, args.out, size, fps, projection=args.projection, tilt_deg=tilt, progress=progress)
    if sys.stderr.isatty():
        print(file=sys.stderr)
    print(f"wrote {out} ({n} frames, {size[0]}x{size[1]}, {fps:g} frames/s)")
    return 0
