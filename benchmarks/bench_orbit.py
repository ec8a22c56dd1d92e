"""Propagation speed of the SMILE orbit sources (epochs per second).

Run: ``.venv/bin/python benchmarks/bench_orbit.py [N]`` (default N = 1,000,000 epochs, one a minute).
Prints the machine (platform, CPU model from /proc/cpuinfo, cores) and, for each case, the best
of three runs.

Recorded figures (one run on Linux 6.18 x86_64 container, "Intel(R) Xeon(R) Processor",
2 logical cores, Python 3.11.7, numpy 2.4.6, N = 1e6; best of 3):

    case                                              epochs   best s   epochs/s
    kepler solve (Newton, 1e-12)                     1000000    0.196    5.1e+06
    Kepler+J2 position, gei                          1000000    0.324   3.09e+06
    Kepler+J2 position + velocity, gei               1000000    0.436   2.29e+06
    Kepler+J2 position, gse (smile_viewer.coords)    1000000    2.181   4.59e+05
    OEM Hermite (degree 7) position, gei             1000000    0.818   1.22e+06
    TLE (SGP4/SDP4 + TEME->GEI), gei                  100000    0.181   5.53e+05

Everything is single-threaded numpy; the GSE case is dominated by the frame rotation.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # imported rather than run as ``python benchmarks/<script>.py``
    sys.path.insert(0, _HERE)

from _machine import machine_summary


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def main(n: int = 1_000_000) -> None:
    from astropy.time import TimeDelta

    import smile_viewer  # noqa: F401  (offline astropy)
    from smile_viewer.mission.kepler import solve_kepler
    from smile_viewer.mission.oem import EphemerisOrbit
    from smile_viewer.mission.orbit import default_orbit
    from smile_viewer.mission.tle import TLEOrbit, format_tle

    print(machine_summary())
    orbit = default_orbit()
    times = orbit.epoch + TimeDelta(np.arange(n) * 60.0, format="sec")
    m = np.random.default_rng(0).uniform(-np.pi, np.pi, n)

    grid = orbit.epoch + TimeDelta(np.arange(0, 60 * n + 600, 600.0), format="sec")
    eph = EphemerisOrbit(grid, *orbit.state(grid, "gei"))
    l1, l2 = format_tle(
        epoch=orbit.epoch,
        inclination_deg=73.0,
        raan_deg=279.25,
        eccentricity=orbit.e,
        arg_perigee_deg=287.5,
        mean_anomaly_deg=0.0,
        mean_motion_rev_day=86400.0 / orbit.keplerian_period_s,
    )
    tle = TLEOrbit(l1, l2, name="SMILE-like TLE")
    n_tle = max(n // 10, 1)

    cases = [
        ("kepler solve (Newton, 1e-12)", n, lambda: solve_kepler(m, orbit.e)),
        ("Kepler+J2 position, gei", n, lambda: orbit.position(times, "gei")),
        ("Kepler+J2 position + velocity, gei", n, lambda: orbit.state(times, "gei")),
        ("Kepler+J2 position, gse (smile_viewer.coords)", n, lambda: orbit.position(times, "gse")),
        ("OEM Hermite (degree 7) position, gei", n, lambda: eph.position(times, "gei")),
        ("TLE (SGP4/SDP4 + TEME->GEI), gei", n_tle, lambda: tle.position(times[:n_tle], "gei")),
    ]
    print(f"{'case':48s} {'epochs':>9s} {'best s':>8s} {'epochs/s':>10s}")
    for label, count, fn in cases:
        try:
            dt = best_of(fn)
        except Exception as exc:  # e.g. coords not available
            print(f"{label:48s} {count:9d}   failed: {type(exc).__name__}: {exc}")
            continue
        print(f"{label:48s} {count:9d} {dt:8.3f} {count / dt:10.3g}")


if __name__ == "__main__":
    main(int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000)
