"""``smile-viewer batch``: a series of synthetic SXI or UVI images on a dask cluster.

Options, files, resuming and the cluster are described in :mod:`smile_viewer.batch`, which does
the work (:func:`~smile_viewer.batch.run_batch`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from smile_viewer.cli.common import (
    BACKENDS,
    SOLAR_WIND_KEYS,
    parse_int,
    parse_params,
    parse_pixels,
    parse_positive,
    parse_solar_wind,
)


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``batch`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "batch",
        help="series of synthetic SXI/UVI images on a dask cluster (FITS + PNG per epoch, movie)",
        description="Compute synthetic images for every epoch of a time range on a dask cluster.",
    )
    p.add_argument("--start", required=True, help="first epoch, ISO 8601 UTC")
    p.add_argument("--stop", required=True, help="last epoch, ISO 8601 UTC")
    p.add_argument("--cadence", default="5min", help="time between frames, e.g. 60s, 5min (default 5min)")
    p.add_argument("--instrument", required=True, choices=("sxi", "uvi"), help="sxi or uvi")
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (created if missing)")
    p.add_argument("--windows", metavar="FILE", help="only epochs inside this windows file (.json or .csv)")
    p.add_argument("--movie", metavar="FILE.mp4", help="also assemble the PNGs into a movie")
    p.add_argument("--fps", default="10", help="movie frames per second (default 10)")
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="an existing dask scheduler, e.g. tcp://host:8786"
    )
    where.add_argument("--workers", metavar="N", help="workers of the local cluster (default: one per core)")
    p.add_argument("--threads", action="store_true", help="local cluster of threads in this process")
    p.add_argument("--model", default=None, metavar="NAME", help="as for synth (default: jorgensen / aurora)")
    p.add_argument(
        "--param", metavar="NAME=VALUE", action="append", default=[], help="model parameter (repeatable)"
    )
    p.add_argument(
        "--solar-wind",
        dest="solar_wind",
        metavar="n=5,v=400,...",
        help=f"solar wind, keys {','.join(SOLAR_WIND_KEYS)}",
    )
    p.add_argument("--pixels", metavar="WxH", help="pixel grid (default: the instrument's)")
    p.add_argument("--step", metavar="R_E", help="fixed trapezium step instead of the adaptive integrator")
    p.add_argument("--max-distance", dest="max_distance", default="80", metavar="R_E", help="ray length (80)")
    p.add_argument("--backend", default="auto", choices=BACKENDS, help="render backend")
    p.add_argument("--exposure", metavar="S", help="exposure [s] (default: the instrument's)")
    p.add_argument("--seed", metavar="N", help="seed of the Poisson noise (frame i uses N + i)")
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress bar")
    return p


def run(args: argparse.Namespace) -> int:
    """Run the series; returns the exit status (1 when frames failed)."""
    # Lazy: the batch library (dask, the render engine) is not needed to build the parser.
    from smile_viewer.batch import run_batch
    from smile_viewer.coords.timeparse import parse_duration_s, parse_time

    fps = parse_positive(args.fps, "--fps")
    workers = parse_int(args.workers, "--workers", 1) if args.workers is not None else None
    seed = parse_int(args.seed, "--seed", 0) if args.seed is not None else None
    start, stop, cadence_s = parse_time(args.start), parse_time(args.stop), parse_duration_s(args.cadence)
    report = run_batch(
        start,
        stop,
        cadence_s,
        args.instrument,
        Path(args.out),
        windows=args.windows and Path(args.windows),
        movie=args.movie and Path(args.movie),
        fps=fps,
        scheduler=args.scheduler,
        n_workers=workers,
        processes=not args.threads,
        progress=args.progress,
        model=args.model,
        params=parse_params(args.param),
        solar_wind=parse_solar_wind(args.solar_wind),
        shape=parse_pixels(args.pixels) if args.pixels else None,
        step_re=parse_positive(args.step, "--step") if args.step is not None else None,
        max_distance_re=parse_positive(args.max_distance, "--max-distance"),
        backend=args.backend,
        exposure_s=parse_positive(args.exposure, "--exposure") if args.exposure is not None else None,
        seed=seed,
    )
    if report.removed_temp:
        print(f"removed {len(report.removed_temp)} temporary file(s) left by an interrupted run")
    print(
        f"{report.n_frames} frames: {report.n_computed} computed, {report.n_skipped} already done, "
        f"{len(report.failures)} failed ({report.seconds:.1f} s); index {report.index_path}"
    )
    if report.movie_path is not None:
        print(f"wrote {report.movie_path}")
    if report.failures:
        t, msg = report.failures[0]
        print(f"smile-viewer: {len(report.failures)} frame(s) failed; first at {t}: {msg}", file=sys.stderr)
        return 1
    return 0
