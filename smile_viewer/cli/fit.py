"""``smile-viewer fit``: fit an emissivity model (the subsolar magnetopause) to an observed SXI
counts image; JSON result and a level-4-style FITS.

The work is :func:`smile_viewer.analysis.fitting.fit_command`.
"""

from __future__ import annotations

import argparse

from smile_viewer.cli.common import BACKENDS, parse_params, parse_solar_wind
from smile_viewer.physics import models as registry

#: Models ``fit --model`` offers: the registry's fittable models.
MODEL_CHOICES = tuple(registry.fittable_models())
ERROR_CHOICES = ("hessian", "profile", "none")
BACKGROUND_CHOICES = ("auto", "file", "model")


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``fit`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "fit",
        help=f"fit {', '.join(MODEL_CHOICES)} (the subsolar magnetopause) to an observed SXI counts image",
        description="Fit an emissivity model to the counts of an observed SXI image (Cash statistic, "
                    "background from the file) and write the result as JSON and a level-4-style FITS.",
    )
    p.add_argument("observation", metavar="OBS", help="observed image: FITS (celestial WCS or SXI level 3) or CDF")
    p.add_argument("--model", choices=MODEL_CHOICES, default="jorgensen", help="model (default jorgensen)")
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
    p.add_argument("--errors", choices=ERROR_CHOICES, default="hessian", help="uncertainties (default hessian)")
    p.add_argument("--max-evals", metavar="N", default="400", dest="max_evals", help="most forward models (default 400)")
    p.add_argument("--background", choices=BACKGROUND_CHOICES, default="auto",
                   help="background: the file's BKGMAP (auto/file) or the instrument's model")
    p.add_argument("--record", metavar="N", default="0", help="image record of a CDF file (default 0)")
    p.add_argument("--backend", choices=("cpu", "numpy", "cuda", "auto"), default="cpu", help="render backend")
    return p


def run(args: argparse.Namespace) -> int:
    """Fit and write the results; returns the exit status."""
    from smile_viewer.analysis.fitting import fit_command

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
