"""Benchmark: reading and writing emissivity cubes (smile_viewer.io.cubes).

Times, on files written to a temporary directory:

- ``write_fits_cube`` and ``read_cube`` of an n^3 float32 FITS cube (community layout);
- ``read_cube`` of the same cube as netCDF-4 (h5netcdf) and as plasma moments (n, vx, vy,
  vz, T → P = alpha n_H n v_eff with the Shue 1997 magnetopause mask);
- ``read_cube`` of a VTK unstructured grid (tetrahedra, m^3 source points) resampled onto a
  uniform n^3 grid (vtkResampleWithDataSet);
- ``cube_info`` of each (metadata only).

Run::

    .venv/bin/python benchmarks/bench_cubes.py              # n = 128, m = 64
    .venv/bin/python benchmarks/bench_cubes.py --n 256 --m 96

Recorded figures
----------------
2026-11-25, development container: Linux x86_64, 2 logical cores shared with other sessions
(load average 1.0–1.5 during the run), Python 3.11.7, numpy 2.4.6, astropy 8.0.2,
xarray 2026.9.0, h5netcdf 1.8.2, pyvista 0.49.1 (VTK 9.7.2). VTK source: m = 64, 262 144
points, 1 500 282 tetrahedra (13.4 MB .vtu). Best of 3 (n = 128) / single run (n = 256):

    operation                                            n = 128     n = 256
    write_fits_cube                                        18 ms      420 ms
    read_cube FITS                                          9 ms       92 ms
    cube_info FITS                                        2.5 ms      3.2 ms
    read_cube netCDF emissivity                            19 ms      198 ms
    read_cube netCDF moments -> P, Shue 1997 mask         316 ms      7.6 s  (*)
    read_cube VTU -> uniform grid (vtkResampleWithDataSet) 1.9 s      6.6 s
    cube_info VTU (geometry only, for the bounds)         246 ms      253 ms

(*) about 70 % of it in physics.emissivity.masked_plasma_emissivity (numpy, incl. the
boundary's ``contains``): a compiled kernel there would be the way to speed it up.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:  # for the shared machine description
    sys.path.insert(0, _HERE)
from _machine import machine_summary  # noqa: E402


def timed(label: str, func, repeat: int = 3):
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = func()
        best = min(best, time.perf_counter() - t0)
    print(f"  {label:<58s} {best * 1e3:9.1f} ms")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=128, help="nodes per axis of the uniform cubes (default 128)")
    ap.add_argument("--m", type=int, default=64, help="points per axis of the VTK source mesh (default 64)")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)

    import pyvista as pv
    import xarray as xr

    from smile_viewer.io.cubes import cube_info, read_cube, write_fits_cube
    from smile_viewer.physics.boundaries import shue1997
    from smile_viewer.physics.emissivity import jorgensen_defaults
    from smile_viewer.physics.solar_wind import SolarWind
    from smile_viewer.physics.volume import sample_model

    n, m = args.n, args.m
    sw = SolarWind.from_speed(5.0, 400.0, 0.0)
    bounds = ((-20.0, 30.0), (-25.0, 25.0), (-25.0, 25.0))
    vol = sample_model(jorgensen_defaults(sw), (n, n, n), bounds, frame="gsm")
    x, y, z = vol.axes()
    print(machine_summary())
    print(f"n = {n} ({vol.nbytes / 1e6:.1f} MB float32), m = {m}, repeat {args.repeat} (best of)")
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = Path(tmp)
        fits_path = d / "cube.fits"
        timed(f"write_fits_cube {n}^3", lambda: write_fits_cube(fits_path, vol, sw), args.repeat)
        timed(f"read_cube FITS {n}^3", lambda: read_cube(fits_path), args.repeat)
        timed("cube_info FITS", lambda: cube_info(fits_path), args.repeat)

        nc_path = d / "cube.nc"
        xr.Dataset(
            {"eta": (("z", "y", "x"), vol.values, {"units": "eV cm-3 s-1"})}, coords={"x": x, "y": y, "z": z}
        ).to_netcdf(nc_path, engine="h5netcdf")
        timed(f"read_cube netCDF emissivity {n}^3", lambda: read_cube(nc_path), args.repeat)

        zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
        r = np.sqrt(xx**2 + yy**2 + zz**2)
        mom = d / "moments.nc"
        dims = ("z", "y", "x")
        xr.Dataset(
            {
                "n": (dims, (5.0 + 10.0 * np.exp(-((r - 12) ** 2))).astype(np.float32)),
                "vx": (dims, np.full(r.shape, -400.0, np.float32)),
                "vy": (dims, np.zeros(r.shape, np.float32)),
                "vz": (dims, np.zeros(r.shape, np.float32)),
                "T": (dims, np.full(r.shape, 1e5, np.float32)),
            },
            coords={"x": x, "y": y, "z": z},
        ).to_netcdf(mom, engine="h5netcdf")
        del zz, yy, xx, r
        mp = shue1997(sw.pd_npa, 0.0)
        timed(
            f"read_cube netCDF moments -> P, Shue mask {n}^3",
            lambda: read_cube(mom, mask="boundary", boundary=mp),
            args.repeat,
        )

        src = pv.ImageData(
            dimensions=(m, m, m),
            spacing=[(b[1] - b[0]) / (m - 1) for b in bounds],
            origin=[b[0] for b in bounds],
        )
        src.point_data["emissivity"] = vol.sample(np.asarray(src.points)).astype(np.float32)
        tet = src.cast_to_unstructured_grid().triangulate()
        vtu = d / "mesh.vtu"
        tet.save(vtu)
        print(
            f"  (VTK source: {tet.n_points} points, {tet.n_cells} tetrahedra, {vtu.stat().st_size / 1e6:.1f} MB)"
        )
        timed(
            f"read_cube VTU -> uniform {n}^3 (resample)",
            lambda: read_cube(vtu, shape=(n, n, n)),
            args.repeat,
        )
        timed("cube_info VTU", lambda: cube_info(vtu), args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
