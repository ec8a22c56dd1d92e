"""The ``smile-viewer`` command line.

``smile-viewer`` with no sub-command starts the desktop application. Sub-commands:

- ``gui``     start the desktop application (the default)
- ``orbit``   export an ephemeris of the SMILE orbit (CSV or CCSDS OEM)
- ``render``  render the 3-D scene to a PNG without a window
- ``synth``   synthetic SXI/UVI image product (FITS, optional PNG); see :mod:`smile_viewer.synth`
- ``fit``     fit an emissivity model (the subsolar magnetopause) to an observed SXI counts
  image: JSON result and a level-4-style FITS; see :mod:`smile_viewer.analysis.fitting`
- ``windows`` pointing windows over a time range (CSV/JSON, timeline PNG); see
  :mod:`smile_viewer.analysis.windows`
- ``batch``   a series of synthetic images on a dask cluster (FITS + PNG, movie); see
  :mod:`smile_viewer.batch`

A user's mistake (bad time string, unknown frame, unreadable file) ends with exit status 2
and a one-line message on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import smile_viewer
from smile_viewer.errors import UserInputError

EXIT_USAGE = 2

#: Frames accepted by ``--frame`` (see ``smile_viewer.coords``).
FRAMES = ("gei", "geo", "gse", "gsm", "sm")


class _ArgumentParser(argparse.ArgumentParser):
    """argparse with the one-line error style of the rest of the command line."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, got {text!r}") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"size {w}x{h} out of range (16..8192 pixels a side)")
    return w, h


def _frame(text: str) -> str:
    f = text.lower()
    if f not in FRAMES:
        raise argparse.ArgumentTypeError(f"unknown frame {text!r}; choose from {', '.join(FRAMES)}")
    return f


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``smile-viewer`` (exposed for tests and docs)."""
    parser = _ArgumentParser(
        prog="smile-viewer",
        description="SMILE magnetosphere viewer and synthetic SXI/UVI imager.",
    )
    parser.add_argument("--version", action="version", version=f"smile-viewer {smile_viewer.__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_ArgumentParser)

    sub.add_parser("gui", help="start the desktop application (default)")

    p_orbit = sub.add_parser("orbit", help="export an ephemeris of the SMILE orbit")
    p_orbit.add_argument("--start", required=True, help="first time, ISO 8601 UTC")
    p_orbit.add_argument("--stop", required=True, help="last time, ISO 8601 UTC")
    p_orbit.add_argument("--step", default="10min", help="time step, e.g. 60s, 10min, 1h (default 10min)")
    p_orbit.add_argument("--frame", type=_frame, default="gse", help=f"output frame: {', '.join(FRAMES)}")
    p_orbit.add_argument("--out", required=True, help="output file: .csv (R_E) or .oem (CCSDS OEM, km)")
    src = p_orbit.add_mutually_exclusive_group()
    src.add_argument("--tle", metavar="FILE", help="propagate a two-line element set instead")
    src.add_argument("--oem", metavar="FILE", help="interpolate a CCSDS OEM ephemeris instead")

    p_render = sub.add_parser("render", help="render the 3-D scene to a PNG without a window")
    p_render.add_argument("--out", required=True, help="output PNG file")
    p_render.add_argument("--time", default=None, help="scene time, ISO 8601 UTC (default: first apogee of the default orbit)")
    p_render.add_argument("--size", type=_size, default=(1280, 800), help="image size WxH (default 1280x800)")
    p_render.add_argument("--view", choices=("overview", "sun", "north", "sxi"), default=None,
                          help="camera: overview, from the Sun, from the north, or through SXI from the "
                               "spacecraft, with the emission volume on the default scene (default: the "
                               "session's, else overview)")
    p_render.add_argument("--session", metavar="FILE", default=None,
                          help="render this saved session (JSON) instead of the default scene")

    from smile_viewer.synth import add_synth_parser

    add_synth_parser(sub)
    _add_fit_parser(sub)

    from smile_viewer.analysis.windows import add_windows_parser
    from smile_viewer.batch import add_batch_parser

    add_windows_parser(sub)
    add_batch_parser(sub)
    return parser


def _add_fit_parser(sub) -> None:
    """``smile-viewer fit`` (logic in :func:`smile_viewer.analysis.fitting.fit_command`)."""
    p = sub.add_parser(
        "fit",
        help="fit Jorgensen or CMEM (the subsolar magnetopause) to an observed SXI counts image",
        description="Fit an emissivity model to the counts of an observed SXI image (Cash statistic, "
                    "background from the file) and write the result as JSON and a level-4-style FITS.",
    )
    p.add_argument("observation", metavar="OBS", help="observed image: FITS (celestial WCS or SXI level 3) or CDF")
    p.add_argument("--model", choices=("jorgensen", "cmem"), default="jorgensen", help="model (default jorgensen)")
    p.add_argument("--out", required=True, metavar="RESULT.json", help="fit result (JSON)")
    p.add_argument("--fits", metavar="L4.fits", help="also write a level-4-style FITS (fitted image, parameters)")
    p.add_argument("--free", metavar="NAMES", help="free parameters, comma-separated "
                   "(default r_mp,norm; cmem p0,norm, or pd_npa,norm; 'norm' scales all amplitudes together)")
    p.add_argument("--param", metavar="NAME=VALUE", action="append", default=[], help="start value (repeatable)")
    p.add_argument("--solar-wind", metavar="n=5,v=400,...", dest="solar_wind", default=None,
                   help="solar wind of the start model (default n=5,v=400)")
    p.add_argument("--instrument", choices=("sxi", "uvi"), default=None, help="override the file's instrument")
    p.add_argument("--bin", metavar="N|auto", default="auto", dest="bin_factor",
                   help="pixels per bin along each axis (default auto: about 0.5 deg)")
    p.add_argument("--oversample", metavar="N|auto", default="auto",
                   help="rays per bin along each axis (default auto: 2 for jorgensen, 1 for cmem)")
    p.add_argument("--errors", choices=("hessian", "profile", "none"), default="hessian",
                   help="uncertainties (default hessian)")
    p.add_argument("--max-evals", metavar="N", default="400", dest="max_evals", help="most forward models (default 400)")
    p.add_argument("--background", choices=("auto", "file", "model"), default="auto",
                   help="background: the file's BKGMAP (auto/file) or the instrument's model")
    p.add_argument("--record", metavar="N", default="0", help="image record of a CDF file (default 0)")
    p.add_argument("--backend", choices=("cpu", "numpy", "cuda", "auto"), default="cpu", help="render backend")


def _cmd_gui(args: argparse.Namespace) -> int:
    from smile_viewer._qt.app import run_app

    return run_app()


def _cmd_orbit(args: argparse.Namespace) -> int:
    from smile_viewer.coords.timeparse import parse_duration_s, parse_time, time_grid
    from smile_viewer.mission.ephemeris_export import export_ephemeris
    from smile_viewer.mission.orbit import default_orbit, orbit_from_oem, orbit_from_tle

    start, stop = parse_time(args.start), parse_time(args.stop)
    times = time_grid(start, stop, parse_duration_s(args.step))
    if args.tle:
        orbit = orbit_from_tle(args.tle)
    elif args.oem:
        orbit = orbit_from_oem(args.oem)
    else:
        orbit = default_orbit()
    path = export_ephemeris(orbit, times, args.frame, args.out)
    print(f"wrote {len(times)} epochs in {args.frame.upper()} to {path}")
    return 0


def _cmd_render(args: argparse.Namespace) -> int:
    from smile_viewer._vispy.headless import render_scene_png
    from smile_viewer.coords.timeparse import parse_time

    time = parse_time(args.time) if args.time else None
    path = render_scene_png(args.out, size=args.size, time=time, view=args.view, session=args.session)
    print(f"wrote {path}")
    return 0


def _cmd_synth(args: argparse.Namespace) -> int:
    from smile_viewer.synth import run_synth

    return run_synth(args)


def _cmd_fit(args: argparse.Namespace) -> int:
    from smile_viewer.analysis.fitting import fit_command
    from smile_viewer.synth import parse_params, parse_solar_wind

    params = parse_params(args.param)
    sw = parse_solar_wind(args.solar_wind) if args.solar_wind else None
    result, written = fit_command(
        args.observation, model=args.model, out=args.out, fits=args.fits, free=args.free, params=params,
        solar_wind=sw, instrument=args.instrument, bin_factor=args.bin_factor, oversample=args.oversample,
        errors=args.errors, max_evals=args.max_evals, background=args.background, record=args.record,
        backend=args.backend)
    print(result.summary_line())
    print("wrote " + ", ".join(str(p) for p in written))
    return 0


def _cmd_windows(args: argparse.Namespace) -> int:
    from smile_viewer.analysis.windows import run_windows_command
    from smile_viewer.synth import parse_solar_wind

    return run_windows_command(args, solar_wind_parser=parse_solar_wind)


def _cmd_batch(args: argparse.Namespace) -> int:
    from smile_viewer.batch import run_batch_command

    return run_batch_command(args)


_COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: _cmd_gui,
    "gui": _cmd_gui,
    "orbit": _cmd_orbit,
    "render": _cmd_render,
    "synth": _cmd_synth,
    "fit": _cmd_fit,
    "windows": _cmd_windows,
    "batch": _cmd_batch,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return _COMMANDS[args.command](args)
    except UserInputError as exc:
        print(f"smile-viewer: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        name = exc.filename or ""
        print(f"smile-viewer: error: {name}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("smile-viewer: interrupted", file=sys.stderr)
        return 130


def gui_main() -> int:
    """Entry point of the ``smile-viewer-gui`` launcher (desktop files, app bundles)."""
    return main(["gui"])


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
