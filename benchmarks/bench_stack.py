"""Timing of stacking a day of per-minute SXI level-3 files (issue 11).

Run: ``python benchmarks/bench_stack.py [minutes_per_stack] [pixel_deg]`` (default 5 minutes and
0.25° pixels). First writes, untimed, 1,440 minutes of SCI-TOT + SCI-BKG (five background
parts) + SCI-VCY files (4,320 FITS files) with astropy in the SXI team's per-minute layout
(swharton1/SXI_L3 read_tot_file.py / read_bkg_file.py / read_vcy_file.py) into a temporary
directory: a 16° × 27° field (the team's simulation field, NAXIS1 the short axis) at the
per-minute pixel size — 0.25° (64 × 108 pixels) by default, our reading of the team's
"SCIM15" (15-arcmin) product label; the team's rebinned example at that size is named
SCIM15.0x15.0 (binned_examples/). The spacecraft drifts 0.0005 R_E per minute (within the default 0.05 R_E tolerance over an hour).

Then times, best of 2 where it is cheap:
  scan          :func:`smile_viewer.io.sxi_l3.scan_l3` (headers of the 4,320 files);
  stack 1x1/2x2 :func:`smile_viewer.analysis.stacking.stack_series` over the day, in memory;
  write         :func:`~smile_viewer.analysis.stacking.write_stacks` end to end (scan, stack,
                one combined FITS per interval written atomically);
  resume        the same call again (every output complete: skipped).
Target of the issue: the day stacked in under 30 s.

Recorded figures (2026-12-07, dev container: "AMD EPYC", 2 cores shared with other engineers'
jobs, load average 7–8 during the run; Python 3.11.7, numpy 2.4.6, astropy 8.0.2;
``python benchmarks/bench_stack.py``):

    1,440 minutes at 0.25° (64 x 108 pixels): 4,320 files, 635 MB, written in 58.9 s (untimed)
    scan (headers)              3.76 s   1440 minutes, 0 problems
    stack 1x1 in memory         2.08 s   288 stacks of 5 min
    stack 2x2 in memory         1.87 s   288 stacks of 5 min
    write_stacks 2x2 (all)      7.63 s   288 files written   (target 30 s)
    write_stacks again          5.37 s   288 complete outputs skipped
    stack 60 min 1x1            2.85 s   24 stacks
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:  # imported rather than run as ``python benchmarks/<script>.py``
    sys.path.insert(0, _HERE)

from _machine import machine_summary

PARTS = ("XBMAP", "PSMAP", "PBMAP", "CLMAP", "SPMAP")


def write_day(folder: Path, pixel_deg: float, start: dt.datetime, n_minutes: int = 1440) -> tuple[int, int]:
    """The day's per-minute files in the team's layout (astropy); returns (NAXIS1, NAXIS2)."""
    from astropy.io import fits

    nx, ny = round(16.0 / pixel_deg), round(27.0 / pixel_deg)
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:ny, 0:nx]
    vig = 1.0 - 0.4 * (((xx - (nx - 1) / 2) / nx) ** 2 + ((yy - (ny - 1) / 2) / ny) ** 2) * 4
    parts = {k: rng.uniform(0.0, 0.02, size=(ny, nx)) for k in PARTS}
    total = sum(parts.values())
    for i in range(n_minutes):
        t0 = start + dt.timedelta(minutes=i)
        t1 = t0 + dt.timedelta(minutes=1)
        h = fits.Header()
        pos = (6.0 + 0.0005 * i, -6.0, 18.0)
        for c, v in zip("XYZ", pos):
            h[f"POS_{c}"] = v
        for c, v in zip("XYZ", (pos[0] + 1.87, 0.0, 0.0)):
            h[f"AIM_{c}"] = v
        h["DATE-OBS"] = t0.strftime("%Y-%m-%dT%H:%M:%S.%f")
        h["DATE-END"] = t1.strftime("%Y-%m-%dT%H:%M:%S.%f")
        h["EMIN"], h["EMAX"], h["RA"], h["DEC"] = 0.2, 2.5, 123.4, -12.5
        h["CTYPE1"], h["CRVAL1"], h["CDELT1"] = "deg", -8.0, pixel_deg
        h["CTYPE2"], h["CRVAL2"], h["CDELT2"] = "deg", -13.5, pixel_deg
        h["EXPOS"] = 60.0
        name = f"{t0:%Y%m%dT%H%M}-{t1:%Y%m%dT%H%M}_V01.fits"
        cts = rng.poisson(0.3, size=(ny, nx)).astype(np.int16)
        fits.PrimaryHDU(cts, header=h).writeto(folder / f"SMILE_SXI_L3_SCIM15-SCI-TOT_{name}")
        fits.HDUList(
            [fits.PrimaryHDU(total, header=h)] + [fits.ImageHDU(parts[k], name=k) for k in PARTS]
        ).writeto(folder / f"SMILE_SXI_L3_SCIM15-SCI-BKG_{name}")
        fits.PrimaryHDU(vig, header=h).writeto(folder / f"SMILE_SXI_L3_SCIM15-SCI-VCY_{name}")
    return nx, ny


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def main(minutes: int = 5, pixel_deg: float = 0.25) -> None:
    import astropy

    from smile_viewer.analysis.stacking import stack_series, write_stacks
    from smile_viewer.io.sxi_l3 import scan_l3

    print(machine_summary({"astropy": astropy.__version__}))
    start = dt.datetime(2026, 3, 17)
    with tempfile.TemporaryDirectory(prefix="bench_stack_") as tmp:
        src, out = Path(tmp) / "minutes", Path(tmp) / "stacks"
        src.mkdir()
        out.mkdir()
        t_gen, (nx, ny) = timed(lambda: write_day(src, pixel_deg, start))
        size = sum(p.stat().st_size for p in src.iterdir()) / 1e6
        print(
            f"1,440 minutes of TOT + BKG + VCY at {pixel_deg:g}° ({nx} x {ny} pixels, NAXIS1 x NAXIS2): "
            f"4,320 files, {size:.0f} MB, written in {t_gen:.1f} s (not timed below)"
        )
        t_scan = min(timed(lambda: scan_l3(src))[0] for _ in range(2))
        series = scan_l3(src)
        print(
            f"  scan (headers)            {t_scan:6.2f} s   {len(series)} minutes, {len(series.problems)} problems"
        )
        for binning in ((1, 1), (2, 2)):
            t, results = timed(lambda b=binning: list(stack_series(series, minutes=minutes, binning=b)))
            n_ok = sum(r.product is not None for r in results)
            n_prob = sum(len(r.problems) for r in results)
            print(
                f"  stack {binning[0]}x{binning[1]} in memory      {t:6.2f} s   {n_ok} stacks of {minutes} min, "
                f"{n_prob} problems"
            )
        t_write, run = timed(lambda: write_stacks(src, out, minutes=minutes, binning=(2, 2)))
        verdict = "OK" if t_write < 30 else "SLOWER THAN"
        print(
            f"  write_stacks 2x2 (all)    {t_write:6.2f} s   {len(run.written)} files written, "
            f"{len(run.problems)} problems   {verdict} (target 30 s)"
        )
        t_resume, again = timed(lambda: write_stacks(src, out, minutes=minutes, binning=(2, 2)))
        print(
            f"  write_stacks again        {t_resume:6.2f} s   {len(again.skipped)} complete outputs skipped, "
            f"{len(again.written)} written"
        )
        t_hour, hour = timed(lambda: list(stack_series(series, minutes=60, binning=(1, 1))))
        print(
            f"  stack 60 min 1x1          {t_hour:6.2f} s   {sum(r.product is not None for r in hour)} stacks"
        )
        if run.problems or len(run.written) != 1440 // minutes:
            sys.exit(1)


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 5, float(args[1]) if len(args) > 1 else 0.25)
