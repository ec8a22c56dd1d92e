"""Benchmark: synthetic SXI images with compute.render on every backend, beside the community loop.

The image: the SXI field, 26.5° × 15.5° at 0.1° pixels (265 × 155 = 41,075 rays), from
(6, -6, 18) R_E (GSE) aimed by the SXI team's law (docs/reference.md#sxi-pointing-law; aim point on the X axis at
x ≈ 7.9 R_E), rays to 80 R_E, Earth occulted. Two sources:

1. the Jorgensen et al. (2019) model for n = 5 cm^-3, v = 400 km/s, Bz = 0 (analytic, evaluated
   in the kernels);
2. the same model sampled on a 256³ grid over [-30, 30]³ R_E (trilinear, 0.118 R_E steps).

For each backend (cuda when cupy sees a GPU, cpu = numba, numpy = the reference) it prints the
best and median milliseconds per image over ``--repeat`` runs (after one warm-up run whose time,
including any JIT compile or cache load, is printed too), the emissivity samples per second and
all evaluations (samples + boundary-function evaluations) per second. Beside them, in the same
process, the "community" approach: a per-pixel Python loop over the rays, each sampled every
0.5 R_E from 0 to 80 R_E (161 points) with the model's numpy ``emissivity`` (or, for the cube,
scipy's linear ``RegularGridInterpolator``) and integrated with ``numpy.trapezoid``.

Accuracy of the analytic image against a converged reference (adaptive integrator with
step_fraction 0.02, max_step 0.1 R_E, 6-point Gauss–Legendre, root_tol 1e-10 R_E): the
default settings and the community 0.5 R_E trapezium, median and worst pixel.

Targets (issue 4): cpu ≤ 50 ms per analytic image on the 2-core development machine and at
least 60× faster than the community loop; cuda ≤ 2 ms on an H100.

Run::

    .venv/bin/python benchmarks/bench_render.py                 # all backends found here
    .venv/bin/python benchmarks/bench_render.py --repeat 20 --backends cpu,cuda
    .venv/bin/python benchmarks/bench_render.py --cold          # fresh numba cache: real compile time
    .venv/bin/python benchmarks/bench_render.py --quick         # smaller volume, fewer repeats

Recorded figures: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import sys
import tempfile
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # imported rather than run as ``python benchmarks/<script>.py``
    sys.path.insert(0, _HERE)

from _machine import machine_summary


def sxi_camera(shape=(155, 265), position=(6.0, -6.0, 18.0)):
    import numpy as np

    from smile_viewer.compute import Camera, look_rotation

    pos = np.asarray(position, dtype=float)
    x, y, z = pos
    rho = math.hypot(y, z)
    limb_c = math.radians(20.3) + math.asin(1.0 / float(np.linalg.norm(pos)))
    x_aim = x + rho * math.tan(limb_c - math.atan2(x, rho))
    return Camera(pos, look_rotation(np.array([x_aim, 0.0, 0.0]) - pos), (26.5, 15.5), shape), x_aim


def community_loop(camera, emissivity, step=0.5, length=80.0):
    """The straightforward approach: per pixel, sample every ``step`` R_E, trapezium rule."""
    import numpy as np

    from smile_viewer.physics.emissivity import LOS_FACTOR

    s = np.arange(round(length / step) + 1) * step
    o = camera.position_re
    rays = camera.ray_directions()
    ny, nx = camera.shape
    img = np.empty((ny, nx))
    for j in range(ny):
        for i in range(nx):
            pts = o + s[:, None] * rays[j, i]
            img[j, i] = np.trapezoid(emissivity(pts), s) * LOS_FACTOR
    return img


def timed(fn, repeat):
    t0 = time.perf_counter()
    first = fn()
    t_first = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return first, t_first, times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=10, help="timed runs per fast backend (default 10)")
    ap.add_argument("--backends", default="cuda,cpu,numpy", help="comma-separated (default cuda,cpu,numpy)")
    ap.add_argument("--cold", action="store_true", help="use a fresh numba cache (real compile time)")
    ap.add_argument("--quick", action="store_true", help="128^3 volume, 3 repeats, no loop for the volume")
    ap.add_argument("--no-loop", action="store_true", help="skip the community loops")
    args = ap.parse_args(argv)
    if args.cold:
        os.environ["NUMBA_CACHE_DIR"] = tempfile.mkdtemp(prefix="smile-bench-numba-")
    repeat = 3 if args.quick else max(1, args.repeat)
    n_vol = 128 if args.quick else 256

    import numpy as np

    from smile_viewer.compute import AnalyticSource, RenderRequest, VolumeSource, available_backends, render
    from smile_viewer.physics import emissivity as E
    from smile_viewer.physics.solar_wind import SolarWind
    from smile_viewer.physics.volume import sample_model

    print("== bench_render: synthetic SXI images (compute.render)")
    print(f"date      {time.strftime('%Y-%m-%d %H:%M %Z')}")
    print(machine_summary())
    avail = available_backends()
    for name, (ok, detail) in avail.items():
        print(f"backend   {name:6s} {'available' if ok else 'NOT available'}: {detail}")

    sw = SolarWind.from_speed(n_cm3=5, v_km_s=400, bz_nt=0)
    model = E.jorgensen_defaults(sw)
    cam, x_aim = sxi_camera()
    ny, nx = cam.shape
    print(
        f"image     {nx} x {ny} = {nx * ny} rays, 0.1 deg pixels, from (6, -6, 18) R_E, aim x = {x_aim:.2f} R_E, "
        "to 80 R_E, Earth occulted"
    )
    wanted = [b.strip() for b in args.backends.split(",") if b.strip()]

    t = time.perf_counter()
    vol = sample_model(model, (n_vol,) * 3, ((-30.0, 30.0),) * 3)
    print(
        f"volume    {n_vol}^3 Jorgensen over [-30, 30]^3 R_E (spacing {vol.spacing_re[0]:.4f} R_E), "
        f"sampled in {time.perf_counter() - t:.2f} s"
    )

    results: dict[tuple[str, str], float] = {}
    for label, source in (("analytic", AnalyticSource(model)), ("volume", VolumeSource(vol))):
        print(
            f"\n-- {label}: {'Jorgensen model in the kernels' if label == 'analytic' else f'{n_vol}^3 cube, trilinear'}"
        )
        for name in wanted:
            if name == "cuda" and not avail["cuda"][0]:
                print(f"cuda      not measured (no GPU available: {avail['cuda'][1]})")
                continue
            reps = repeat if name != "numpy" else min(repeat, 3)
            req = RenderRequest(cam, source, backend=name)
            res, t_first, times = timed(lambda req=req: render(req), reps)
            if res.provenance["backend"] != name:
                print(
                    f"{name:9s} not measured (ran on {res.provenance['backend']}: {res.provenance['backend_reason']})"
                )
                continue
            best, med = min(times), statistics.median(times)
            ns = res.provenance["samples"]
            nb = res.provenance["boundary_evaluations"]
            results[(label, name)] = best
            print(
                f"{name:9s} best {best * 1e3:8.1f} ms  median {med * 1e3:8.1f} ms  (first call {t_first * 1e3:.0f} ms) "
                f"| {ns / nx / ny:5.1f} samples/ray, {ns / best / 1e6:7.1f} M samples/s, "
                f"{(ns + nb) / best / 1e6:7.1f} M evaluations/s | {res.provenance['device']}"
            )
        if args.no_loop or (args.quick and label == "volume"):
            continue
        if label == "analytic":
            emis = model.emissivity
        else:
            from scipy.interpolate import RegularGridInterpolator

            interp = RegularGridInterpolator(
                (vol.z, vol.y, vol.x), vol.values, method="linear", bounds_error=False, fill_value=0.0
            )

            def emis(pts, interp=interp):
                return interp(pts[:, ::-1])  # (x, y, z) points → the cube's (z, y, x) axes

        t = time.perf_counter()
        loop_img = community_loop(cam, emis)
        t_loop = time.perf_counter() - t
        results[(label, "loop")] = t_loop
        print(
            f"{'loop':9s} {t_loop * 1e3:8.0f} ms  (per-pixel Python loop, 161 samples every 0.5 R_E, trapezium; "
            f"{161 * nx * ny / t_loop / 1e6:.2f} M samples/s)"
        )
        for name in wanted:
            if (label, name) in results:
                print(f"          {name}: {t_loop / results[(label, name)]:7.1f} x faster than the loop")
        if label == "analytic":
            ref = render(
                RenderRequest(
                    cam,
                    source,
                    backend="cpu",
                    step_fraction=0.02,
                    max_step_re=0.1,
                    quadrature_order=6,
                    root_tol_re=1e-10,
                )
            ).image
            ours = render(RenderRequest(cam, source, backend="cpu")).image
            trap = render(RenderRequest(cam, source, backend="cpu", method="trapezium", step_re=0.5)).image
            for what, img in (
                ("default adaptive", ours),
                ("trapezium 0.5 R_E", trap),
                ("community loop", loop_img),
            ):
                err = np.abs(img / ref - 1.0)
                print(
                    f"accuracy  {what:18s} vs converged reference: median {np.median(err):.1e}, "
                    f"worst pixel {err.max():.1e}"
                )

    cpu = results.get(("analytic", "cpu"))
    loop = results.get(("analytic", "loop"))
    print("\n-- targets (analytic image)")
    if cpu is not None:
        print(f"cpu  <= 50 ms:            {cpu * 1e3:.1f} ms  {'met' if cpu <= 0.050 else 'NOT met'}")
        if loop is not None:
            print(f"cpu  >= 60x the loop:     {loop / cpu:.0f}x  {'met' if loop / cpu >= 60 else 'NOT met'}")
    gpu = results.get(("analytic", "cuda"))
    if gpu is not None:
        print(
            f"cuda <= 2 ms (H100):      {gpu * 1e3:.2f} ms on {render(RenderRequest(cam, AnalyticSource(model), backend='cuda')).provenance['device']}"
        )
    else:
        print("cuda <= 2 ms (H100):      not measured (no GPU available)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
