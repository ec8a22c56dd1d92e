"""Benchmark: tracing 1,000 field lines in T89 + IGRF (target: under 5 s on the 2-core development machine).

Run:  python benchmarks/bench_field_lines.py            (runs itself twice: cold and warm numba cache)
      python benchmarks/bench_field_lines.py --child    (one measurement in this process)

Seeds: 50 magnetic local times × 20 distances 2.5–12 R_E on the SM equator (1,000 lines), T89 iopt 3
(Kp 2) + IGRF-14 to degree 13 at 2025-03-20T12:00 UTC, default tolerances (rtol = atol = 1e-8), default box
(−60…30 × ±40 × ±40 R_E), no magnetopause. Also timed: the same seeds in T96 + IGRF and in a pure dipole,
and the field evaluation alone. "Compile" is the first call with an empty numba cache (JIT compilation of
all kernels); "cache load" the first call when the on-disk cache (numba ``cache=True``) is already there.

Recorded figures (2 vCPU "Intel(R) Xeon(R) Processor", Linux x86_64, Python 3.11.7, numba 0.68.1 with 2
threads, machine shared with other jobs; best of 3; run of this script during the field-model task):

    JIT compile: first call with an empty cache (compile + trace)   21.1 s
    first call with the on-disk cache (load + trace)                  0.9 s
    1000 lines T89 + IGRF                                             0.29 s  (62,216 points; 967 closed)
    1000 lines T96 + IGRF                                             1.6 s
    1000 lines dipole                                                 0.04 s
    B evaluation T89 + IGRF (degree 13)                               1.6-2.5 M points/s

Rerun this script to refresh the figures.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # imported rather than run as ``python benchmarks/<script>.py``
    sys.path.insert(0, _HERE)

from _machine import machine_summary


def seeds_sm_equator(tilt: float):
    import numpy as np

    mlt = np.linspace(0.0, 24.0, 50, endpoint=False)
    dist = np.linspace(2.5, 12.0, 20)
    d, m = np.meshgrid(dist, mlt, indexing="ij")
    ph = np.radians(m * 15.0 - 180.0)
    x_sm, y_sm = (d * np.cos(ph)).ravel(), (d * np.sin(ph)).ravel()
    c, s = np.cos(tilt), np.sin(tilt)
    return np.c_[x_sm * c, y_sm, -x_sm * s]


def best_of(fn, repeat=3):
    times = []
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return min(times), out


def child() -> None:
    import numpy as np

    t0 = time.perf_counter()
    from smile_viewer.physics.field import FieldModel, trace_field_lines

    t_import = time.perf_counter() - t0
    when = "2025-03-20T12:00:00"
    fm = FieldModel.at_time(when, internal="igrf", external="t89", iopt=3)
    seeds = seeds_sm_equator(fm.tilt_rad)

    t0 = time.perf_counter()
    fl = trace_field_lines(seeds, fm)
    t_first = time.perf_counter() - t0
    t_t89, fl = best_of(lambda: trace_field_lines(seeds, fm))

    fm96 = FieldModel.at_time(
        when, internal="igrf", external="t96", pdyn_npa=2.0, dst_nt=-20.0, by_nt=2.0, bz_nt=-3.0
    )
    trace_field_lines(seeds[:2], fm96)
    t_t96, fl96 = best_of(lambda: trace_field_lines(seeds, fm96))
    fmd = FieldModel(internal="dipole", tilt_rad=fm.tilt_rad)
    trace_field_lines(seeds[:2], fmd)
    t_dip, fld = best_of(lambda: trace_field_lines(seeds, fmd))

    pts = np.random.default_rng(0).uniform(-15, 15, (200_000, 3))
    pts = pts[np.linalg.norm(pts, axis=1) > 1.5]
    fm.b_gsm(pts[:10])
    t_eval, _ = best_of(lambda: fm.b_gsm(pts))

    print(machine_summary({"numba cache": os.environ.get("NUMBA_CACHE_DIR", "(default, __pycache__)")}))
    print(f"import smile_viewer.physics.field: {t_import:.2f} s")
    print(f"first trace call (compile or cache load + run): {t_first:.2f} s")
    print(f"1000 lines T89+IGRF: {t_t89:.3f} s, {len(fl.points)} points, {fl.counts()}")
    print(f"1000 lines T96+IGRF: {t_t96:.3f} s, {len(fl96.points)} points, {fl96.counts()}")
    print(f"1000 lines dipole:   {t_dip:.3f} s, {len(fld.points)} points")
    print(f"B evaluation T89+IGRF: {len(pts) / t_eval / 1e6:.2f} M points/s")
    ok = t_t89 < 5.0
    print(f"target 1000 T89+IGRF lines < 5 s: {'met' if ok else 'NOT met'}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--child", action="store_true", help="measure in this process only")
    args = ap.parse_args()
    if args.child:
        child()
        return 0
    here = os.path.dirname(os.path.abspath(__file__))
    with tempfile.TemporaryDirectory(prefix="numba-cold-") as cold:
        for label, env in (
            ("cold numba cache (JIT compile)", {"NUMBA_CACHE_DIR": cold}),
            ("warm numba cache", {"NUMBA_CACHE_DIR": cold}),
        ):
            print(f"--- {label}")
            sys.stdout.flush()
            subprocess.run(
                [sys.executable, os.path.join(here, "bench_field_lines.py"), "--child"],
                env={**os.environ, **env},
                check=True,
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
