"""Benchmark: a large cube (default 512^3 float32) loaded once, drawn in the 3-D view, imaged.

In a fresh child process (so its memory figures are its own): ``shared_cube`` reads a FITS
cube in the community layout (written here with astropy); a headless ``SceneView`` shows it
as the emission volume — the GL texture limited to 256^3 by default, so the grid goes up as
2 x 2 x 2 block means — and draws its first frame; then a synthetic SXI image (120 x 70 pixels)
is computed from the same Volume at full resolution. Printed: the time of each step, the peak
resident set above the start (``ru_maxrss``; it counts the FITS file's memory-mapped pages
while they are converted) and the peak of numpy's own allocations (``tracemalloc``), against
the n^3 × 4 bytes of the array.

Run::

    .venv/bin/python benchmarks/bench_large_cube.py            # n = 512
    .venv/bin/python benchmarks/bench_large_cube.py --n 256 --texture 128

Figures: benchmarks/README.md (bench_large_cube.py).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _machine import machine_summary  # noqa: E402


def write_cube(path: Path, n: int) -> None:
    from astropy.io import fits

    axis = np.linspace(-30.0, 30.0, n)
    data = np.empty((n, n, n), np.float32)
    x = axis[None, :]
    for k, z in enumerate(axis):  # a smooth sheath-like shell, written slab by slab
        r = np.sqrt(x**2 + axis[:, None] ** 2 + z**2)
        data[k] = 1e-5 * np.exp(-(((r - 11.0) / 2.5) ** 2))
    hdu = fits.PrimaryHDU(data)
    hdu.header["FRAME"] = "GSE"
    fits.HDUList([hdu, *(fits.ImageHDU(axis, name=a) for a in "xyz")]).writeto(path)


def child(path: str, texture: int, warm: str) -> dict:
    import resource
    import time
    import tracemalloc

    import numpy as np
    from astropy.time import Time
    from vispy import scene

    from smile_viewer._vispy.headless import gl_app
    from smile_viewer._vispy.scene import SceneView
    from smile_viewer.compute import RenderRequest, render
    from smile_viewer.compute.sources import emission_source
    from smile_viewer.io.cubes.shared import clear_shared_cube, shared_cube
    from smile_viewer.mission.instruments import load_instrument
    from smile_viewer.mission.pointing import sxi_pointing
    from smile_viewer.state import AppState

    def rss_mib():
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0

    app = AppState()
    app.model.models.choose_file(warm, "cube")  # a 16^3 cube: shader compile and frame set-up
    lay = app.scene.layers
    for name in type(lay).model_fields:
        setattr(lay, name, name in ("labels", "earth", "emission_volume"))
    app.volume.texture_max_nodes = texture
    size = (1280, 800)
    canvas = scene.SceneCanvas(size=size, show=False, app=gl_app(size), keys=None)
    sv = SceneView(app, canvas=canvas)
    sv.apply_camera_preset("overview")
    sv.flush()
    canvas.render()  # the window's own start and the volume's shaders, not the large cube's
    clear_shared_cube()
    out = {"rss_start_mib": rss_mib()}
    tracemalloc.start()
    t0 = time.perf_counter()
    vol = shared_cube(path)
    out["load_s"] = time.perf_counter() - t0
    out["rss_after_load_mib"] = rss_mib()
    t1 = time.perf_counter()
    app.model.models.choose_file(path, "cube")
    sv.flush()
    canvas.render()
    out["first_frame_s"] = time.perf_counter() - t1
    out["texture"] = list(sv.emission_volume.texture_shape)
    out["note"] = sv.emission_volume.texture_note
    out["same_volume"] = sv.data["volume"] is vol
    out["rss_after_frame_mib"] = rss_mib()
    pos = np.array([6.0, -6.0, 18.0])
    cam = load_instrument("sxi").camera(pos, np.asarray(sxi_pointing(pos).rotation), shape=(70, 120))
    t2 = time.perf_counter()
    src, model = emission_source("cube", None, Time("2026-05-21T01:00:00"), cube_path=path)
    img = render(RenderRequest(cam, src, backend="cpu")).image
    out["image_s"] = time.perf_counter() - t2
    out["image_same_volume"] = model is vol and bool(np.isfinite(img).any())
    out["rss_peak_mib"] = rss_mib()
    out["numpy_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
    out["array_mib"] = vol.values.nbytes / 2**20
    sv.close()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=512, help="nodes a side (default 512)")
    ap.add_argument("--texture", type=int, default=256, help="texture_max_nodes (default 256)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--warm", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.texture, args.warm)))
        return 0
    print(machine_summary())
    with tempfile.TemporaryDirectory(prefix="smile-bench-cube-") as tmp:
        path = Path(tmp) / f"cube{args.n}.fits"
        write_cube(path, args.n)
        warm = Path(tmp) / "warm16.fits"
        write_cube(warm, 16)
        print(f"cube: {args.n}^3 float32, {path.stat().st_size / 2**20:.0f} MiB FITS file")
        env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
        res = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(path),
                "--warm",
                str(warm),
                "--texture",
                str(args.texture),
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if res.returncode != 0:
            print(res.stderr[-3000:])
            return 1
        r = json.loads(res.stdout.strip().splitlines()[-1])
    a = r["array_mib"]
    print(
        f"load (shared_cube, FITS)          {r['load_s']:.2f} s   peak RSS +{r['rss_after_load_mib'] - r['rss_start_mib']:.0f} MiB"
    )
    print(
        f"first 3-D frame (block means, GL) {r['first_frame_s']:.2f} s   texture {r['texture'][::-1]}: {r['note']!r}"
    )
    print(f"SXI image 120x70, full grid       {r['image_s']:.2f} s   same Volume: {r['image_same_volume']}")
    print(
        f"peak RSS +{r['rss_peak_mib'] - r['rss_start_mib']:.0f} MiB, numpy's peak allocations "
        f"{r['numpy_peak_mib']:.0f} MiB, for a {a:.0f} MiB array ({r['numpy_peak_mib'] / a:.2f}x)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
