"""Timing of the boundary models: r(theta, phi), the inside test and the mesh.

Run: ``python benchmarks/bench_boundaries.py [n_points]`` (default 1,000,000 points).

Recorded figures (numpy 2.4.6, Python 3.11, 2 shared CPU cores of the development machine,
1e6 points, best of 3; the mesh at its default 96 × 128 resolution to x = -60 R_E):

    model                                r(θ,φ)   contains   mesh
    Shue et al. (1998)                   0.014 s  0.041 s    0.009 s
    Lin et al. (2010)                    0.148 s  0.185 s    0.048 s
    Jelinek et al. (2012) magnetopause   0.063 s  0.071 s    0.015 s
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

from smile_viewer.physics.boundaries import jelinek2012_magnetopause, lin2010, shue1998

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:  # for the shared machine description
    sys.path.insert(0, _HERE)
from _machine import machine_summary  # noqa: E402


def best_of(fn, repeat: int = 3) -> float:
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main(n: int = 1_000_000) -> None:
    rng = np.random.default_rng(0)
    theta = np.arccos(rng.uniform(-0.99, 1.0, n))
    phi = rng.uniform(0.0, 2 * np.pi, n)
    pts = rng.uniform(-40.0, 20.0, (n, 3))
    models = [shue1998(2.0, -3.0), lin2010(2.0, 0.01, -3.0, 0.3), jelinek2012_magnetopause(2.0)]
    print(machine_summary())
    print(f"{'model':36s} {'r(θ,φ)':>9s} {'contains':>9s} {'mesh':>9s}   ({n:,} points, best of 3)")
    for m in models:
        t_r = best_of(lambda m=m: m.r(theta, phi))
        t_in = best_of(lambda m=m: m.contains(pts))
        t_mesh = best_of(lambda m=m: m.mesh(-60.0))
        print(f"{m.name:36s} {t_r:8.3f}s {t_in:8.3f}s {t_mesh:8.3f}s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
