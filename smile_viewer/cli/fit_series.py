"""``smile-viewer fit-series``: fit every stacked SXI frame of a folder and plot r_mp(t).

The work is :func:`smile_viewer.analysis.fit_series.run_fit_series` (dask: a local cluster by
default, ``--scheduler`` an existing one, ``--workers 0`` this process); per-frame results are
kept in ``<out stem>_frames/`` beside the CSV, so an interrupted run is resumed by running it
again. Bad frames are printed one line each on stderr and the others are fitted (exit status 1
when a frame failed, 2 for a mistake in the command).
"""

from __future__ import annotations

import argparse

from smile_viewer.cli.common import LazyChoices, parse_int, parse_int_in_range
from smile_viewer.errors import UserInputError


def _fittable_models():
    from smile_viewer.physics import models as registry

    return registry.fittable_models()


MODEL_CHOICES = LazyChoices(_fittable_models)


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``fit-series`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "fit-series",
        help="fit every stacked SXI frame (or per-minute files stacked on the fly); CSV and r_mp(t) plot",
        description="Fit an emissivity model to every frame of a folder of stacked SXI products (SCI-CXF) or "
        "per-minute level-3 files (stacked --minutes at a time, binned --bin), on dask; write one "
        "CSV row per frame and plot the subsolar magnetopause against Shue et al. (1998).",
    )
    p.add_argument(
        "inputs", nargs="+", metavar="FILES_OR_DIR", help="stacked or per-minute FITS files, or folders"
    )
    p.add_argument(
        "--model",
        choices=MODEL_CHOICES,
        metavar="MODEL",
        default=None,
        help="model to fit: %(choices)s (default cmem2 when available, else the first)",
    )
    p.add_argument(
        "--out", required=True, metavar="SERIES.csv", help="one row per frame (units in the header)"
    )
    p.add_argument(
        "--plot", metavar="SERIES.png", help="r_mp(t) with error bars coloured by QF, and Shue 1998"
    )
    p.add_argument("--movie", metavar="FITS.mp4", help="observed, fitted and residual per frame")
    p.add_argument("--fps", default="4", help="movie frames per second (default 4)")
    p.add_argument(
        "--omni", metavar="FILE", help="OMNI solar-wind file (ASCII or CDF) for the Shue 1998 curve"
    )
    p.add_argument("--l4-dir", dest="l4_dir", metavar="DIR", help="also write a level-4 FITS file per frame")
    p.add_argument(
        "--frames-dir",
        dest="frames_dir",
        metavar="DIR",
        help="per-frame results (default: <SERIES>_frames beside the CSV)",
    )
    where = p.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler", metavar="ADDRESS", help="an existing dask scheduler, e.g. tcp://host:8786"
    )
    where.add_argument(
        "--workers",
        metavar="N",
        help="workers of the local cluster (default: one per core; 0: fit in this process)",
    )
    p.add_argument(
        "--minutes", default="5", metavar="N", help="minutes per stack of per-minute files (default 5)"
    )
    p.add_argument(
        "--bin",
        default="1x1",
        dest="binning",
        metavar="AxB",
        help="native pixels per stacked pixel, per-minute files (default 1x1)",
    )
    p.add_argument(
        "--errors",
        choices=("hessian", "profile", "none"),
        default="hessian",
        help="uncertainties (default hessian)",
    )
    p.add_argument(
        "--max-evals", dest="max_evals", default="400", metavar="N", help="most forward models per fit"
    )
    p.add_argument("--no-progress", dest="progress", action="store_false", help="no progress line")
    return p


def run(args: argparse.Namespace) -> int:
    """Fit the series and write the outputs; returns the exit status."""
    import sys
    import tempfile
    from pathlib import Path

    from smile_viewer.analysis.fit_series import (
        FitSeriesOptions,
        frames_dir_for,
        plot_series,
        run_fit_series,
        write_frame_pngs,
    )
    from smile_viewer.cli.common import check_output
    from smile_viewer.cli.stack import parse_binning

    minutes = parse_int(args.minutes, "--minutes", 1)
    binning = parse_binning(args.binning)
    max_evals = parse_int_in_range(args.max_evals, "--max-evals", 5, 100000)
    fps = parse_int_in_range(args.fps, "--fps", 1, 120)
    workers = parse_int(args.workers, "--workers", 0) if args.workers is not None else None
    out = check_output(args.out, "--out")
    if out.suffix.lower() != ".csv":
        raise UserInputError(f"--out {args.out}: give a .csv file")
    plot = check_output(args.plot, "--plot") if args.plot else None
    if plot is not None and plot.suffix.lower() != ".png":
        raise UserInputError(f"--plot {args.plot}: give a .png file")
    movie = check_output(args.movie, "--movie") if args.movie else None
    if movie is not None:
        from smile_viewer.batch import MOVIE_SUFFIXES

        if movie.suffix.lower() not in MOVIE_SUFFIXES:
            raise UserInputError(f"--movie {args.movie}: use one of {', '.join(MOVIE_SUFFIXES)}")
    l4_dir = Path(args.l4_dir).expanduser() if args.l4_dir else None
    if l4_dir is not None and not l4_dir.is_dir():
        raise UserInputError(f"--l4-dir {args.l4_dir}: no such directory")
    solar_wind = None
    if args.omni:
        from smile_viewer.io.omni import read_solar_wind

        solar_wind = read_solar_wind(args.omni)  # read first: a bad file stops before hours of fitting
    options = FitSeriesOptions(
        model=args.model or "", minutes=minutes, binning=binning, errors=args.errors, max_evals=max_evals
    ).checked()
    frames_dir = Path(args.frames_dir).expanduser() if args.frames_dir else frames_dir_for(out)

    def progress(done: int, total: int) -> None:
        if args.progress:
            print(f"\r{done}/{total} frames", end="\n" if done == total else "", file=sys.stderr, flush=True)

    series = run_fit_series(
        args.inputs,
        frames_dir,
        options=options,
        l4_dir=l4_dir,
        scheduler=args.scheduler,
        n_workers=workers or None,
        in_process=workers == 0,
        progress=progress,
    )
    for line in series.problems:
        print(f"smile-viewer fit-series: {line}", file=sys.stderr)
    for frame, reason in series.failures:
        print(f"smile-viewer fit-series: frame {frame} not fitted: {reason}", file=sys.stderr)
    written = [series.write_csv(out)]
    if plot is not None and series.ok:
        written.append(plot_series(series, plot, solar_wind=solar_wind))
    if movie is not None and series.ok:
        from smile_viewer.batch import make_movie

        with tempfile.TemporaryDirectory(prefix="smile-fit-movie-") as tmp:
            written.append(make_movie(write_frame_pngs(series, tmp), movie, fps=fps))
    print(
        f"model {options.model}: {len(series.ok)} frames fitted ({series.n_fitted} now, "
        f"{series.n_cached} from {frames_dir}), {len(series.failures)} failed, "
        f"{len(series.problems)} problems, {series.seconds:.1f} s"
    )
    print("wrote " + ", ".join(str(p) for p in written))
    return 1 if series.failures else 0
