"""``smile-viewer render``: render the 3-D scene to a PNG without a window.

The work is :func:`smile_viewer._vispy.headless.render_scene_png`, and with ``--projection``
(a dome master or a 360° frame) :func:`smile_viewer._vispy.projections.render_projection_image`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from smile_viewer.cli.common import size_type
from smile_viewer.errors import UserInputError

#: Camera presets of ``--view``.
VIEWS = ("overview", "sun", "north", "sxi")


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``render`` on the command line's sub-parsers."""
    p = sub.add_parser("render", help="render the 3-D scene to a PNG without a window")
    p.add_argument("--out", required=True, help="output PNG file")
    p.add_argument(
        "--time", default=None, help="scene time, ISO 8601 UTC (default: first apogee of the default orbit)"
    )
    p.add_argument(
        "--size",
        type=size_type,
        default=None,
        help="image size WxH (default 1280x800; a dome master 2048x2048, an equirectangular frame 4096x2048)",
    )
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
    p.add_argument(
        "--projection",
        choices=("dome", "equirect"),
        default=None,
        help="a planetarium dome master (180° fisheye, square) or a 360° equirectangular frame (2:1), "
        "made from a six-face cube map of the scene (docs/projections.md)",
    )
    p.add_argument(
        "--tilt",
        type=float,
        default=0.0,
        metavar="DEG",
        help="dome master: the view direction this far below the dome's zenith (default 0)",
    )
    p.add_argument(
        "--distance",
        type=float,
        default=None,
        metavar="R_E",
        help="with --projection: the eye this far from the Earth along the view's line of sight, "
        "looking at the Earth (default: where the view's camera is; through SXI: at SMILE)",
    )
    p.add_argument(
        "--sky",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="show the stars, Sun, Moon and names on the scene (default: on for a projection of "
        "the default scene, else as the session has it)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Render and write the PNG; returns the exit status."""
    # Lazy: vispy (and its GL context) is imported only when this command runs, so the rest of
    # the command line and the headless layering test never load it.
    from smile_viewer._vispy.headless import render_scene_png
    from smile_viewer.coords.timeparse import parse_time

    time = parse_time(args.time) if args.time else None
    if args.projection is not None:
        return _run_projection(args, time)
    if args.tilt or args.distance is not None:
        raise UserInputError("--tilt and --distance go with --projection dome|equirect")
    state = None
    if args.sky is not None:
        state = _sky_state(args.session, args.sky)
    path = render_scene_png(
        args.out,
        size=args.size or (1280, 800),
        time=time,
        view=args.view,
        session=None if state is not None else args.session,
        state=state,
    )
    print(f"wrote {path}")
    return 0


def _sky_state(session, on: bool):
    """The default state or the session's, with the sky layers switched ``on``."""
    # lazy: state (with the physics it loads) only when this command runs
    from smile_viewer.state.app import AppState
    from smile_viewer.state.session import load_session

    state = load_session(session) if session is not None else AppState()
    state.scene.layers.stars = state.scene.layers.sky_labels = bool(on)
    return state


def _run_projection(args: argparse.Namespace, time) -> int:
    """``render --projection``: a dome master or an equirectangular frame, written atomically."""
    # lazy: vispy (and its GL context) only when this command runs
    from smile_viewer._vispy.headless import camera_preset_for_view, write_png_atomic
    from smile_viewer._vispy.projections import render_projection_image

    size = args.size or ((2048, 2048) if args.projection == "dome" else (4096, 2048))
    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".png":
        raise UserInputError(f"output file {out} must end in .png")
    if not out.resolve().parent.is_dir():
        raise UserInputError(f"directory {out.resolve().parent} does not exist")
    if args.view is not None:
        camera_preset_for_view(args.view)  # a bad name fails before any GL work
    if args.distance is not None and not args.distance > 0:
        raise UserInputError(f"--distance must be a positive number of Earth radii, got {args.distance}")
    image = render_projection_image(
        args.projection,
        size,
        time,
        session=args.session,
        view=args.view,
        distance_re=args.distance,
        tilt_deg=args.tilt,
        sky=args.sky,
    )
    path = write_png_atomic(image, out)
    print(f"wrote {path}")
    return 0
