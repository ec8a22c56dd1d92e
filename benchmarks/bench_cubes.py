"""Benchmark: reading and writing emissivity cubes (smile_viewer.io.cubes).

Times, on files written to a temporary directory:

- ``write_fits_cube`` and ``read_cube`` of an n^3 float32 FITS cube (community layout);
- ``read_cube`` of the same cube as netCDF-4 (h5netcdf) and as plasma moments (n, vx, vy,
  vz, T → P = alpha n_H n v_eff with the Shue 1997 magnetopause mask);
- ``read_cube`` of a VTK unstructured grid (tetrahedra, m^3 source points) resampled onto a
  uniform n^3 grid (vtkResampleWithDataSet);
- ``cube_info`` of each (metadata only);
- ``--native``: the modellers' own formats — parse speed of an SXI-team text cube (MB/s of
  text, ``--text-n``^3 values) and the peak memory of reading a ``--big-n``^3 float32
  BATS-R-US IDL binary cube, measured in a fresh child process (its peak resident set after
  the read minus its resident set before it, against the 4 n^3 bytes of the array: no second full-size copy).

Run::

    .venv/bin/python benchmarks/bench_cubes.py              # n = 128, m = 64
    .venv/bin/python benchmarks/bench_cubes.py --n 256 --m 96
    .venv/bin/python benchmarks/bench_cubes.py --native --text-n 256 --big-n 512

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

``--native`` (2026-12-07, same container, load average 7–9 from other sessions on the 2 cores):

    text cube 160^3: 53.3 MB read in 0.54 s = 100 MB/s wall, 193 MB/s of CPU time (best of 3)
    text cube 256^3: 218.1 MB read in 6.00 s = 36 MB/s wall, 131 MB/s of CPU time (best of 3)
    peak memory, text 256^3 (208 MiB file): +143 MiB for a 64 MiB array (2.23x)
    peak memory, IDL binary float32 512^3 (2048 MiB file): +640 MiB for a 512 MiB array (1.25x), 3.9 s
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
    ap.add_argument(
        "--native", action="store_true", help="only the native-format figures (text parse, peak memory)"
    )
    ap.add_argument("--text-n", type=int, default=128, help="nodes per axis of the text cube (default 128)")
    ap.add_argument(
        "--big-n", type=int, default=512, help="nodes per axis of the large IDL cube (default 512)"
    )
    args = ap.parse_args(argv)
    if args.native:
        return native(args.text_n, args.big_n, args.repeat)

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


_PEAK_CHILD = """
import resource, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
from smile_viewer.io.cubes import read_cube
import pandas, pyvista, h5py, cdflib, psutil  # the readers' libraries, loaded before the baseline
read_cube.__module__  # noqa: B018
before = psutil.Process().memory_info().rss  # resident now
t0 = time.perf_counter()
vol = read_cube(sys.argv[1])
dt = time.perf_counter() - t0
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # peak resident, ever
print(before, after, dt, vol.values.nbytes)
"""


def _write_text_cube(path: Path, n: int) -> None:
    a = np.linspace(-20.0, 20.0, n)
    rng = np.random.default_rng(1)
    with open(path, "w") as f:
        f.write(
            "PPMLR emissivity cube (benchmark)\n" + "".join(f"{v}\n" for v in (2e5, 5, -400, 0, 0, 0, 0, 5))
        )
        f.write(f"{n} {n} {n}\n")
        for _ in range(3):
            for i in range(0, n, 6):
                f.write("  ".join(f"{v:.5f}" for v in a[i : i + 6]) + "\n")
        for _k in range(n):  # one z-slab at a time, one value a line as the team's writer does
            f.write("\n".join(map("{:.6e}".format, rng.random(n * n) * 1e-5)) + "\n")


def _write_idl_cube(path: Path, n: int) -> None:
    import struct

    def rec(f, payload: bytes) -> None:
        f.write(struct.pack("<i", len(payload)) + payload + struct.pack("<i", len(payload)))

    a = np.linspace(-20.0, 20.0, n).astype("<f4")
    with open(path, "wb") as f:
        rec(f, b"R R R eV/cm^3/s".ljust(79))
        rec(f, struct.pack("<ifiii", 1, 0.0, 3, 0, 1))
        rec(f, struct.pack("<3i", n, n, n))
        rec(f, b"x y z emis")
        f.write(struct.pack("<i", 3 * n**3 * 4))
        for axis in range(3):  # x(n1,n2,n3,3): all x, then all y, then all z; one z-slab at a time
            for k in range(n):
                zz, yy, xx = np.meshgrid(a[k : k + 1], a, a, indexing="ij")
                f.write((xx, yy, zz)[axis].astype("<f4").tobytes())
        f.write(struct.pack("<i", 3 * n**3 * 4))
        f.write(struct.pack("<i", n**3 * 4))
        slab = np.full(n * n, 1e-5, "<f4").tobytes()
        for _k in range(n):
            f.write(slab)
        f.write(struct.pack("<i", n**3 * 4))


def native(text_n: int, big_n: int, repeat: int) -> int:
    """Text parse speed and the peak memory of a large native cube (see the module docstring)."""
    import subprocess

    from smile_viewer.io.cubes import read_cube

    print(machine_summary())
    with tempfile.TemporaryDirectory() as tmp, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        d = Path(tmp)
        text = d / "cube.dat"
        _write_text_cube(text, text_n)
        mb = text.stat().st_size / 1e6
        best = cpu = float("inf")
        for _ in range(repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            read_cube(text)
            best, cpu = min(best, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
        print(f"  text cube {text_n}^3: {mb:.1f} MB read in {best:.2f} s = {mb / best:.0f} MB/s wall, "
              f"{mb / cpu:.0f} MB/s of CPU time (best of {repeat})")  # fmt: skip
        for label, path, writer in (
            ("text", text, None),
            ("IDL binary float32", d / "big.out", _write_idl_cube),
        ):
            n = text_n if writer is None else big_n
            if writer is not None:
                writer(path, n)
            out = subprocess.run([sys.executable, "-c", _PEAK_CHILD, str(path)], capture_output=True, text=True,
                                 check=True).stdout.split()  # fmt: skip
            before, after, dt, nbytes = int(out[0]), int(out[1]), float(out[2]), int(out[3])
            print(f"  peak memory, {label} {n}^3 ({path.stat().st_size / 2**20:.0f} MiB file): "
                  f"+{(after - before) / 2**20:.0f} MiB for a {nbytes / 2**20:.0f} MiB array "
                  f"({(after - before) / nbytes:.2f}x), read in {dt:.1f} s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
