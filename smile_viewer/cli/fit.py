"""``smile-viewer fit``: fit an emissivity model (the subsolar magnetopause) to an observed SXI
counts image; JSON result and a level-4-style FITS.

The work is :func:`smile_viewer.analysis.fitting.fit_command`.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from smile_viewer.cli.common import (
    LazyChoices,
    parse_int_in_range,
    parse_params,
    parse_positive,
    parse_solar_wind,
)
from smile_viewer.errors import UserInputError


def _fittable_models():
    # Lazy: the registry imports the emissivity kernels (numba, about 0.5 s), which building the
    # parser at every start (``smile-viewer --version``) must not pay for.
    from smile_viewer.physics import models as registry

    return registry.fittable_models()


#: Models ``fit --model`` offers: the registry's fittable models (looked up on first use).
MODEL_CHOICES = LazyChoices(_fittable_models)
ERROR_CHOICES = ("hessian", "profile", "none")
BACKGROUND_CHOICES = ("auto", "file", "model")


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``fit`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "fit",
        help="fit an emissivity model (the subsolar magnetopause) to an observed SXI counts image",
        description="Fit an emissivity model to the counts of an observed SXI image (Cash statistic, "
        "background from the file) and write the result as JSON and a level-4-style FITS.",
    )
    p.add_argument(
        "observation",
        metavar="OBS",
        help="observed image: FITS (celestial WCS or SXI level 3), CDF, or LEXI photon files (file, folder, glob)",
    )
    # A metavar, so that argparse does not list (and load) the choices while building the parser.
    p.add_argument(
        "--model",
        choices=MODEL_CHOICES,
        metavar="MODEL",
        default="jorgensen",
        help="model: %(choices)s (default %(default)s)",
    )
    p.add_argument("--out", required=True, metavar="RESULT.json", help="fit result (JSON)")
    p.add_argument(
        "--fits", metavar="L4.fits", help="also write a level-4-style FITS (fitted image, parameters)"
    )
    p.add_argument(
        "--free",
        metavar="NAMES",
        help="free parameters, comma-separated "
        "(default r_mp,norm; cmem p0,norm, or pd_npa,norm; 'norm' scales all amplitudes together)",
    )
    p.add_argument(
        "--param", metavar="NAME=VALUE", action="append", default=[], help="start value (repeatable)"
    )
    p.add_argument(
        "--solar-wind",
        metavar="n=5,v=400,...",
        dest="solar_wind",
        default=None,
        help="solar wind of the start model (default n=5,v=400)",
    )
    p.add_argument(
        "--instrument", choices=("sxi", "uvi", "lexi"), default=None, help="override the file's instrument"
    )
    p.add_argument(
        "--bin",
        metavar="N|auto",
        default="auto",
        dest="bin_factor",
        help="pixels per bin along each axis (default auto: about 0.5 deg)",
    )
    p.add_argument(
        "--oversample",
        metavar="N|auto",
        default="auto",
        help="rays per bin along each axis (default auto: 2 for jorgensen, 1 for cmem)",
    )
    p.add_argument(
        "--errors", choices=ERROR_CHOICES, default="hessian", help="uncertainties (default hessian)"
    )
    p.add_argument(
        "--max-evals", metavar="N", default="400", dest="max_evals", help="most forward models (default 400)"
    )
    p.add_argument(
        "--background",
        choices=BACKGROUND_CHOICES,
        default="auto",
        help="background: the file's BKGMAP (auto/file) or the instrument's model",
    )
    p.add_argument("--record", metavar="N", default="0", help="image record of a CDF file (default 0)")
    p.add_argument(
        "--omni", metavar="FILE", help="solar wind of the start model from an OMNI file (ASCII or CDF)"
    )
    p.add_argument("--start", metavar="T", help="LEXI: first photon time to stack (ISO 8601 UTC)")
    p.add_argument("--end", metavar="T", help="LEXI: last photon time to stack (ISO 8601 UTC)")
    p.add_argument("--pixel", metavar="DEG", help="LEXI: pixel size of the sky grid [deg] (default 0.25)")
    p.add_argument(
        "--backend", choices=("cpu", "numpy", "cuda", "auto"), default="cpu", help="render backend"
    )
    return p


def _int_or_auto(text: str, what: str, lo: int, hi: int) -> int | str:
    if str(text).strip().lower() == "auto":
        return "auto"
    return parse_int_in_range(text, what, lo, hi)


def _is_lexi(text: str) -> bool:
    """A LEXI photon file, a folder of them or a glob (read as LEXI by load_observed)."""
    from smile_viewer.io.lexi import is_lexi_cdf  # lazy: cdflib, only to look at the input

    p = Path(text).expanduser()
    if p.is_dir():
        return any(q.suffix.lower() == ".cdf" for q in p.iterdir())
    if any(c in text for c in "*?[") and not p.exists():
        return True
    return is_lexi_cdf(p)


def _solar_wind(args, time):
    """(SolarWind or None, where it came from) of --omni / --solar-wind."""
    if args.omni and args.solar_wind:
        raise UserInputError("give --omni or --solar-wind, not both")
    if args.omni:
        from smile_viewer.io.omni import read_solar_wind  # lazy: only with --omni

        return read_solar_wind(args.omni).at(
            time
        ), f"OMNI file {Path(args.omni).name} at {time.utc.isot[:19]}"
    if args.solar_wind:
        return parse_solar_wind(args.solar_wind), f"given: {args.solar_wind}"
    return None, "typical values (n 5 cm^-3, v 400 km/s, B 0; no OMNI file given)"


def _run_lexi(args: argparse.Namespace, bin_factor, oversample) -> int:
    """``fit`` on LEXI photon files: magnetopause r0 with a fitted constant background."""
    from smile_viewer.analysis.lexi_fit import fit_lexi  # lazy: see run()
    from smile_viewer.io.atomic import check_output_path  # lazy: see run()
    from smile_viewer.io.observed import load_observed  # lazy: see run()

    for option, value in (("--fits", args.fits), ("--free", args.free)):
        if value:
            raise UserInputError(
                f"{option} is for SXI fits; a LEXI fit frees r0, the normalisation and the background"
            )
    out = check_output_path(args.out)
    if args.start or args.end or args.pixel:
        from smile_viewer.io.lexi import DEFAULT_PIXEL_DEG, load_lexi  # lazy: see run()

        pixel = parse_positive(args.pixel, "--pixel") if args.pixel else DEFAULT_PIXEL_DEG
        obs = load_lexi(args.observation, start=args.start, end=args.end, pixel_deg=pixel)
    else:
        obs = load_observed(args.observation)
    mid = obs.time_start + (obs.time_end - obs.time_start) / 2 if obs.time_end is not None else obs.time_start
    sw, source = _solar_wind(args, mid)
    result = fit_lexi(
        obs,
        args.model,
        solar_wind=sw,
        solar_wind_source=source,
        bin_factor=bin_factor,
        oversample=2 if oversample == "auto" else oversample,
        backend=args.backend,
    )
    for note in obs.notes:
        print(note)
    print(f"solar wind: {source}")
    print(result.summary_line())
    print(f"wrote {result.to_json(out)}")
    return 0


def _is_image_fuv(path: str) -> bool:
    """True for an IDL save file (IMAGE FUV level-1; io.image_fuv)."""
    try:
        with open(Path(path).expanduser(), "rb") as fh:
            return fh.read(4) == b"SR\x00\x04"
    except OSError:
        return False


def _run_image_fuv(args: argparse.Namespace) -> int:
    """An IMAGE FUV image: the far-UV fit (dayglow + background + the Zhang & Paxton aurora, Kp
    fitted) and its oval edges, as ``smile-viewer oval FILE --json OUT`` does."""
    from smile_viewer.cli import oval  # lazy: the aurora fit, only for a far-UV image

    options = {"start": "--start", "end": "--end", "pixel": "--pixel", "omni": "--omni", "free": "--free"}
    options |= {"solar_wind": "--solar-wind", "fits": "--fits", "param": "--param"}
    xray_only = [flag for key, flag in options.items() if getattr(args, key, None)]
    if xray_only:
        raise UserInputError(
            f"{', '.join(xray_only)}: not for an IMAGE FUV image (see 'smile-viewer oval --help')"
        )
    print(
        f"{args.observation}: an IMAGE FUV image: fitting dayglow + background + the Zhang & Paxton (2008) aurora "
        "(as 'smile-viewer oval')"
    )
    return oval.run(
        argparse.Namespace(
            observation=args.observation, kp=None, sector="1", fraction="0.3", json=args.out, png=None
        )
    )


def run(args: argparse.Namespace) -> int:
    """Fit and write the results; returns the exit status."""
    # Lazy: the fitting library (scipy, the render engine) is not needed to build the parser.
    from smile_viewer.analysis.fitting import fit_command

    params = parse_params(args.param)
    bin_factor = _int_or_auto(args.bin_factor, "--bin", 1, 1000)
    oversample = _int_or_auto(args.oversample, "--oversample", 1, 8)
    if _is_lexi(args.observation):
        return _run_lexi(args, bin_factor, oversample)
    if _is_image_fuv(args.observation):
        return _run_image_fuv(args)
    if args.start or args.end or args.pixel:
        raise UserInputError("--start, --end and --pixel are for LEXI photon files")
    sw = parse_solar_wind(args.solar_wind) if args.solar_wind else None
    if args.omni:
        from smile_viewer.io.observed import load_observed  # lazy: the time for the OMNI value

        sw, _source = _solar_wind(args, load_observed(args.observation).time_start)
    max_evals = parse_int_in_range(args.max_evals, "--max-evals", 5, 100000)
    record = parse_int_in_range(args.record, "--record", 0, 10**9)
    free = None if args.free is None else tuple(s.strip() for s in args.free.split(",") if s.strip())
    result, written = fit_command(
        Path(args.observation),
        model=args.model,
        out=Path(args.out),
        fits=args.fits and Path(args.fits),
        free=free,
        params=params,
        solar_wind=sw,
        instrument=args.instrument,
        bin_factor=bin_factor,
        oversample=oversample,
        errors=args.errors,
        max_evals=max_evals,
        background=args.background,
        record=record,
        backend=args.backend,
    )
    print(result.summary_line())
    print("wrote " + ", ".join(str(p) for p in written))
    return 0
