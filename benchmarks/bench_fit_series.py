"""Throughput of ``fit-series`` (issue 11): frames fitted per minute, in this process and on a
two-worker dask LocalCluster.

Run: ``python benchmarks/bench_fit_series.py [n_frames] [pixel_deg]`` (default 10 frames, 0.25°).
First writes, untimed, ``n_frames`` five-minute groups of per-minute SCI-TOT/BKG/VCY files in the
SXI team's layout (tests/analysis/fit_series_sim.py: a Jorgensen model for n = 6–14 cm⁻³ seen
from apogee, r = 19 R_E, through the SXI response, Poisson counts, 16° × 27° field). Then times
:func:`smile_viewer.analysis.fit_series.run_fit_series` end to end (planning, stacking each
frame on the fly, the Jorgensen fit with its default start scan, Hessian errors and quality
flags, the level-4 quantities QF/QF2/cusp, the per-frame cache), each run into a fresh cache:

  in process     ``in_process=True``: one frame after the other;
  2 workers      a new LocalCluster of two single-threaded worker processes (start-up included);
  resume         the same call again: every frame from the cache.

Recorded figures (2026-12-07, dev container: "AMD EPYC", 2 cores shared with other engineers'
jobs, load average 7–9 during the run; ``python benchmarks/bench_fit_series.py``):

    10 frames of 5 per-minute files at 0.25° written in 5.1 s (untimed)
    in process      50.8 s    11.8 frames/min  (fit 4.62 s mean per frame; RMS 0.067 R_E; 0 failed)
    2 workers       83.2 s     7.2 frames/min  (fit 11.48 s mean per frame; RMS 0.067 R_E; 0 failed)
    resume           0.2 s  (10 from the cache, 0 fitted)

Two worker processes with one numba thread each lost to one process with two threads on two
busy shared cores; the cluster pays off where it has cores of its own (``--scheduler``).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)
sys.path.insert(0, os.path.join(_HERE, os.pardir, "tests", "analysis"))

from _machine import machine_summary
from fit_series_sim import apogee_frames, write_frame_minutes


def main(n_frames: int = 10, pixel_deg: float = 0.25) -> None:
    import numpy as np

    from smile_viewer.analysis.fit_series import FitSeriesOptions, run_fit_series

    print(machine_summary())
    frames = apogee_frames(n_frames)
    with tempfile.TemporaryDirectory(prefix="bench-fit-series-") as tmp:
        data = Path(tmp) / "l3"
        data.mkdir()
        t0 = time.perf_counter()
        for k, fr in enumerate(frames):
            write_frame_minutes(data, fr, minutes=5, pixel_deg=pixel_deg, seed=k)
        print(
            f"{n_frames} frames of 5 per-minute files at {pixel_deg}° written in "
            f"{time.perf_counter() - t0:.1f} s (untimed)"
        )
        opts = FitSeriesOptions(model="jorgensen")
        truth = np.array([f.r_mp_true for f in frames])
        runs = (("in process", {"in_process": True}), ("2 workers", {"n_workers": 2}))
        for i, (name, kw) in enumerate(runs):
            t0 = time.perf_counter()
            s = run_fit_series(data, Path(tmp) / f"frames{i}", options=opts, **kw)
            dt = time.perf_counter() - t0
            rms = float(np.sqrt(np.mean((s.column("r_mp") - truth) ** 2)))
            fit = np.array([r["fit_time"] for r in s.ok])
            print(
                f"{name:12s} {dt:7.1f} s  {60 * len(s.ok) / dt:6.1f} frames/min  "
                f"(fit {fit.mean():.2f} s mean per frame; RMS {rms:.3f} R_E; {len(s.failures)} failed)"
            )
        t0 = time.perf_counter()
        s = run_fit_series(data, Path(tmp) / "frames0", options=opts, in_process=True)
        print(
            f"{'resume':12s} {time.perf_counter() - t0:7.1f} s  ({s.n_cached} from the cache, "
            f"{s.n_fitted} fitted)"
        )


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 10, float(args[1]) if len(args) > 1 else 0.25)
