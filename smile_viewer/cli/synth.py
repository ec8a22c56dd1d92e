"""``smile-viewer synth``: a synthetic SXI or UVI image product (FITS, optional PNG).

Options, models and outputs are described in :mod:`smile_viewer.synth`, which does the work.
"""

from __future__ import annotations

import argparse

from smile_viewer.cli.common import BACKENDS, SOLAR_WIND_KEYS


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``synth`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "synth",
        help="synthetic SXI/UVI image: render, instrument response, FITS product (+ PNG)",
        description="Render a synthetic SXI or UVI image from the SMILE orbit and write a FITS product.",
    )
    p.add_argument("--instrument", required=True, metavar="sxi|uvi",
                   help="instrument: sxi, uvi, or an instrument JSON file")
    p.add_argument("--out", required=True, metavar="FILE.fits", help="output FITS product")
    p.add_argument("--png", metavar="FILE.png", help="also write a PNG quicklook")
    p.add_argument("--time", metavar="T", help="observation time, ISO 8601 UTC (position from the default orbit)")
    p.add_argument("--position", metavar="X,Y,Z", help="spacecraft position, GSE, R_E (overrides the orbit)")
    point = p.add_mutually_exclusive_group()
    point.add_argument("--aim", metavar="X,Y,Z", help="aim point, GSE, R_E")
    point.add_argument("--attitude", metavar="FILE", help="attitude quaternions (J2000), JSON or CSV")
    point.add_argument("--rays", metavar="FILE.npy", help="explicit ray directions: H x W x 3 GSE unit vectors")
    p.add_argument("--roll", metavar="DEG", default="0", help="extra roll about the boresight [deg]")
    p.add_argument("--model", metavar="NAME", default=None,
                   help="jorgensen (SXI default), cmem, plasma (exosphere only), cube:PATH, aurora (UVI default)")
    p.add_argument("--param", metavar="NAME=VALUE", action="append", default=[],
                   help="model parameter (repeatable), names as in smile_viewer.physics.emissivity")
    p.add_argument("--solar-wind", metavar="n=5,v=400,bz=5,...", dest="solar_wind", default=None,
                   help=f"solar wind, keys {','.join(SOLAR_WIND_KEYS)}")
    p.add_argument("--pixels", metavar="WxH", help="pixel grid (default: the instrument's)")
    p.add_argument("--step", metavar="R_E", help="fixed trapezium step instead of the adaptive integrator")
    p.add_argument("--max-distance", metavar="R_E", dest="max_distance", default="80",
                   help="ray length [R_E] (default 80)")
    p.add_argument("--backend", default="auto", choices=BACKENDS, help="render backend")
    p.add_argument("--exposure", metavar="S", help="exposure [s] (default: the instrument's)")
    p.add_argument("--seed", metavar="N", help="seed of the Poisson noise")
    return p


def run(args: argparse.Namespace) -> int:
    """Make the product; returns the exit status."""
    from smile_viewer.synth import run_synth

    return run_synth(args)
