"""Benchmark: the cost of parsing cubes in a guarded child process (smile_viewer.io.guarded).

Reads an n^3 float32 cube as ``.vti`` (VTK XML) and as netCDF-4 (h5netcdf) with ``read_cube``,
guarded (the default: a fork-server child with memory and time limits) and in-process
(``SMILE_VIEWER_UNGUARDED=1``), alternating, after one warm-up read of each (the warm-up starts
the fork server). Prints the best and median of ``--repeat`` reads. docs/robustness.md quotes it.

Run::

    .venv/bin/python benchmarks/bench_guarded_read.py            # n = 128
    .venv/bin/python benchmarks/bench_guarded_read.py --n 256
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from _machine import machine_summary


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    import pyvista as pv
    import xarray as xr

    from smile_viewer.io.cubes import read_cube

    n = args.n
    print(machine_summary())
    with tempfile.TemporaryDirectory() as tmp:
        f = np.random.default_rng(0).random((n, n, n), dtype=np.float32)
        g = pv.ImageData(dimensions=(n, n, n), spacing=(0.5, 0.5, 0.5), origin=(-32, -32, -32))
        g.point_data["eta"] = f.ravel()
        vti = Path(tmp) / "cube.vti"
        g.save(vti)
        a = np.linspace(-32, 31.5, n)
        nc = Path(tmp) / "cube.nc"
        xr.Dataset({"eta": (("z", "y", "x"), f)}, coords={"x": a, "y": a, "z": a}).to_netcdf(
            nc, engine="h5netcdf"
        )
        for path in (vti, nc):
            times = {"guarded": [], "in-process": []}
            t0 = time.perf_counter()
            read_cube(path)
            first = time.perf_counter() - t0
            os.environ["SMILE_VIEWER_UNGUARDED"] = "1"
            read_cube(path)
            for _ in range(args.repeat):
                for mode in ("guarded", "in-process"):
                    os.environ["SMILE_VIEWER_UNGUARDED"] = "1" if mode == "in-process" else "0"
                    t = time.perf_counter()
                    read_cube(path)
                    times[mode].append(time.perf_counter() - t)
            os.environ.pop("SMILE_VIEWER_UNGUARDED", None)
            print(
                f"{path.name} ({n}^3 float32, {path.stat().st_size / 2**20:.1f} MiB): first guarded read "
                f"{first:.2f} s"
            )
            for mode, ts in times.items():
                print(
                    f"  {mode:10s} best {min(ts) * 1e3:7.0f} ms   median {statistics.median(ts) * 1e3:7.0f} ms"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
