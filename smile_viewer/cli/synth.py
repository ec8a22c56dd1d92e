"""``smile-viewer synth``: a synthetic SXI or UVI image product (FITS, optional PNG).

Options, models and outputs are described in :mod:`smile_viewer.synth`, which does the work.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from smile_viewer.cli.common import (
    BACKENDS,
    SOLAR_WIND_KEYS,
    check_output,
    parse_int,
    parse_number,
    parse_params,
    parse_pixels,
    parse_positive,
    parse_solar_wind,
    parse_triple,
)
from smile_viewer.errors import UserInputError


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``synth`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "synth",
        help="synthetic SXI/UVI image: render, instrument response, FITS product (+ PNG)",
        description="Render a synthetic SXI or UVI image from the SMILE orbit and write a FITS product.",
    )
    p.add_argument(
        "--instrument",
        default=None,
        metavar="sxi|uvi|lexi",
        help="instrument: sxi, uvi, lexi, or an instrument JSON file (required unless --like)",
    )
    p.add_argument(
        "--like",
        metavar="OBSERVED",
        help="imitate an observed image: its observer, pointing, pixel grid, time and exposure "
        "(SXI FITS, LEXI photon CDF files or folder, UVI/WIC image)",
    )
    p.add_argument(
        "--omni", metavar="FILE", help="solar wind from an OMNI file (ASCII or CDF) at the observation time"
    )
    p.add_argument("--out", required=True, metavar="FILE.fits", help="output FITS product")
    p.add_argument("--png", metavar="FILE.png", help="also write a PNG quicklook")
    p.add_argument(
        "--time", metavar="T", help="observation time, ISO 8601 UTC (position from the default orbit)"
    )
    p.add_argument("--position", metavar="X,Y,Z", help="spacecraft position, GSE, R_E (overrides the orbit)")
    point = p.add_mutually_exclusive_group()
    point.add_argument("--aim", metavar="X,Y,Z", help="aim point, GSE, R_E")
    point.add_argument("--attitude", metavar="FILE", help="attitude quaternions (J2000), JSON or CSV")
    point.add_argument(
        "--rays", metavar="FILE.npy", help="explicit ray directions: H x W x 3 GSE unit vectors"
    )
    p.add_argument("--roll", metavar="DEG", default="0", help="extra roll about the boresight [deg]")
    p.add_argument(
        "--model",
        metavar="NAME",
        default=None,
        help="a registered model ('smile-viewer models' lists them), KEY:PATH for a file source "
        "(cube:PATH, plasma:PATH); default jorgensen (SXI), aurora (UVI)",
    )
    p.add_argument(
        "--param",
        metavar="NAME=VALUE",
        action="append",
        default=[],
        help="model parameter (repeatable); 'smile-viewer models NAME' lists them",
    )
    p.add_argument(
        "--solar-wind",
        metavar="n=5,v=400,bz=5,...",
        dest="solar_wind",
        default=None,
        help=f"solar wind, keys {','.join(SOLAR_WIND_KEYS)}",
    )
    p.add_argument("--pixels", metavar="WxH", help="pixel grid (default: the instrument's)")
    p.add_argument("--step", metavar="R_E", help="fixed trapezium step instead of the adaptive integrator")
    p.add_argument(
        "--max-distance",
        metavar="R_E",
        dest="max_distance",
        default="80",
        help="ray length [R_E] (default 80)",
    )
    p.add_argument("--backend", default="auto", choices=BACKENDS, help="render backend")
    p.add_argument("--exposure", metavar="S", help="exposure [s] (default: the instrument's)")
    p.add_argument("--seed", metavar="N", help="seed of the Poisson noise")
    return p


def _load_rays(path: str):
    """``--rays FILE.npy``: an H x W x 3 array of finite, non-zero GSE directions, normalised."""
    import numpy as np  # lazy with the rest of run(): start-up time of the command line

    p = Path(path).expanduser()
    if not p.is_file():
        raise UserInputError(f"--rays {path}: no such file")
    try:
        rays = np.load(p, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise UserInputError(f"--rays {path}: not a readable .npy array ({exc})") from None
    if rays.ndim != 3 or rays.shape[-1] != 3 or min(rays.shape[:2]) < 2:
        raise UserInputError(f"--rays {path}: need an H x W x 3 array (H, W >= 2), got shape {rays.shape}")
    if not np.issubdtype(rays.dtype, np.number) or not np.all(np.isfinite(rays)):
        raise UserInputError(f"--rays {path}: values must be finite numbers")
    norms = np.linalg.norm(rays, axis=-1)
    if np.any(norms == 0):
        raise UserInputError(f"--rays {path}: zero-length ray vectors")
    rays = rays / norms[..., None]
    if np.linalg.norm(rays.reshape(-1, 3).mean(axis=0)) < 1e-6:
        raise UserInputError(f"--rays {path}: the rays have no mean direction")
    return rays


def _options_like(args: argparse.Namespace):
    """``synth --like``: the options of :func:`smile_viewer.synth.options_like`."""
    from smile_viewer.synth import options_like  # lazy: start-up time (see options_from_args)

    given = [
        name
        for name, value in (
            ("--time", args.time),
            ("--position", args.position),
            ("--aim", args.aim),
            ("--attitude", args.attitude),
            ("--rays", args.rays),
            ("--pixels", args.pixels),
        )
        if value is not None
    ]
    if given:
        raise UserInputError(f"--like sets the observer, pointing, grid and time: drop {', '.join(given)}")
    if args.omni and args.solar_wind:
        raise UserInputError("give --omni or --solar-wind, not both")
    out = check_output(args.out, "--out")
    png = check_output(args.png, "--png") if args.png else None
    opts, _obs = options_like(
        args.like,
        out,
        png=png,
        model=args.model,
        params=parse_params(args.param),
        solar_wind=parse_solar_wind(args.solar_wind) if args.solar_wind else None,
        omni=args.omni,
        instrument=args.instrument,
        backend=args.backend,
        exposure_s=parse_positive(args.exposure, "--exposure") if args.exposure is not None else None,
        seed=parse_int(args.seed, "--seed", 0) if args.seed is not None else None,
        step_re=parse_positive(args.step, "--step") if args.step is not None else None,
        max_distance_re=parse_positive(args.max_distance, "--max-distance"),
    )
    return opts


def options_from_args(args: argparse.Namespace):
    """The typed :class:`~smile_viewer.synth.SynthOptions` of parsed ``synth`` options (numbers
    first: a typo fails before any work)."""
    # Lazy: the library (numpy, astropy, the render engine) is not needed to build the parser.
    from smile_viewer.coords.timeparse import parse_time
    from smile_viewer.synth import TYPICAL_SOLAR_WIND, SynthOptions

    if args.like is not None:
        return _options_like(args)
    if args.instrument is None:
        raise UserInputError("give --instrument (sxi, uvi, lexi or a JSON file), or --like OBSERVED")
    solar_wind_source = None
    if args.omni:
        if args.solar_wind:
            raise UserInputError("give --omni or --solar-wind, not both")
        if args.time is None:
            raise UserInputError("--omni needs --time (the solar wind is taken at that time)")

    out = check_output(args.out, "--out")
    png = check_output(args.png, "--png") if args.png else None
    roll = parse_number(args.roll, "--roll")
    max_distance = parse_positive(args.max_distance, "--max-distance")
    step = parse_positive(args.step, "--step") if args.step is not None else None
    exposure = parse_positive(args.exposure, "--exposure") if args.exposure is not None else None
    seed = parse_int(args.seed, "--seed", 0) if args.seed is not None else None
    shape = parse_pixels(args.pixels) if args.pixels else None
    params = parse_params(args.param)
    sw = parse_solar_wind(args.solar_wind)
    if args.omni:
        from smile_viewer.io.omni import read_solar_wind  # lazy: start-up time (see above)

        sw = read_solar_wind(args.omni).at(parse_time(args.time))
        solar_wind_source = f"OMNI file {Path(args.omni).name} at {args.time}"
    elif args.solar_wind:
        solar_wind_source = f"given: {args.solar_wind}"
    else:
        solar_wind_source = TYPICAL_SOLAR_WIND
    if args.time is None and args.position is None:
        raise UserInputError("give --time (position from the default orbit) or --position X,Y,Z")
    time = parse_time(args.time) if args.time is not None else None
    position = parse_triple(args.position, "--position") if args.position is not None else None
    aim = parse_triple(args.aim, "--aim") if args.aim is not None else None
    attitude = None
    if args.attitude is not None:
        attitude = Path(args.attitude).expanduser()
        if not attitude.is_file():
            raise UserInputError(f"--attitude {args.attitude}: no such file")
    rays = None
    if args.rays is not None:
        if shape is not None:
            raise UserInputError("--pixels cannot be combined with --rays (the rays set the grid)")
        rays = _load_rays(args.rays)
    return SynthOptions(
        instrument=args.instrument,
        out=out,
        png=png,
        time=time,
        position_re=position,
        aim_re=aim,
        attitude=attitude,
        rays=rays,
        roll_deg=roll,
        model=args.model,
        params=params,
        solar_wind=sw,
        shape=shape,
        step_re=step,
        max_distance_re=max_distance,
        backend=args.backend,
        exposure_s=exposure,
        seed=seed,
        solar_wind_source=solar_wind_source,
    )


def run(args: argparse.Namespace) -> int:
    """Make the product; returns the exit status."""
    from smile_viewer.synth import make_synthetic  # lazy: start-up time (see options_from_args)

    product = make_synthetic(options_from_args(args))
    for note in product.notes:
        print(note)
    print(product.summary_line())
    if product.png is not None:
        print(f"wrote {product.png}")
    return 0
