"""Timing of smile_viewer.coords.transform: 100,000 points at 100,000 distinct times.

Run: ``python benchmarks/bench_frames.py`` (prints the machine, then best-of-3 wall times).

Recorded figures (2 cores, "Intel(R) Xeon(R) Processor", Linux, Python 3.11.7, numpy 2.4.6,
pyerfa 2.0.1.5, astropy 8.0.2; best of 3; first figure on an idle machine, second while
other jobs kept about one core busy):

    cold first call (IERS tables load) ............ 0.36 s / 0.79 s
    100k times within 1 day    gsm->gse 0.08 s   gei->gsm 0.05 s   geo->sm 0.06 s
    100k times within 1 year   gsm->gse 0.14 s   gei->gsm 0.11 s   geo->sm 0.12 s
    100k times within 30 years gsm->gse 0.87 s   gei->gsm 0.83 s   geo->sm 0.84 s  (1.6 s loaded)
    100k points at one time    gsm->gse 3.6 ms
    one point at one time      gsm->gse 0.9 ms

The cost is about 1 µs per time plus about 65 µs per 12-hour node of the interpolation
grid that the times touch (nodes are spread over the cores when there are thousands), so
only times scattered over decades come near the 2 s budget.
"""

from __future__ import annotations

import os
import sys
import time
import warnings

import astropy
import astropy.units as u
import erfa
import numpy as np
from astropy.time import Time

from smile_viewer.coords import transform

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # imported rather than run as ``python benchmarks/<script>.py``
    sys.path.insert(0, _HERE)

from _machine import machine_summary

N = 100_000
PAIRS = [("gsm", "gse"), ("gei", "gsm"), ("geo", "sm")]


def _best_of(fn, *args, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn(*args)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    warnings.simplefilter("ignore")  # "dubious year" beyond the leap-second table
    print(machine_summary({"pyerfa": erfa.__version__, "astropy": astropy.__version__}))
    rng = np.random.default_rng(0)
    xyz = rng.normal(size=(N, 3)) * 10.0
    start = Time("2026-05-01", scale="utc")

    t0 = time.perf_counter()
    transform(xyz[:1], start, "gsm", "gse")
    print(f"cold first call (IERS tables load): {time.perf_counter() - t0:.3f} s")

    for label, span_d in [("1 day", 1.0), ("1 year", 365.25), ("30 years", 30 * 365.25)]:
        times = start + np.sort(rng.uniform(0.0, span_d, N)) * u.day
        figures = "  ".join(
            f"{src}->{dst} {_best_of(transform, xyz, times, src, dst):.3f} s" for src, dst in PAIRS
        )
        print(f"{N:,} points at {N:,} distinct times within {label:>8}: {figures}")

    one = _best_of(transform, xyz, start, "gsm", "gse", repeat=5)
    single = _best_of(transform, xyz[0], start, "gsm", "gse", repeat=20)
    print(f"{N:,} points at one time: gsm->gse {one * 1e3:.1f} ms; one point: {single * 1e3:.2f} ms")


if __name__ == "__main__":
    main()
