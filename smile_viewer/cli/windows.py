"""``smile-viewer windows``: pointing windows of SXI and UVI over a time range (CSV/JSON, timeline PNG).

The work is :func:`smile_viewer.analysis.windows.compute_windows`.
"""

from __future__ import annotations

import argparse

from smile_viewer.cli.common import parse_solar_wind
from smile_viewer.errors import UserInputError


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``windows`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "windows",
        help="pointing windows of SXI and UVI over a time range (CSV/JSON, timeline PNG)",
        description="Evaluate the observation constraints of a mission profile over a time range and list "
                    "the windows when they all hold.",
    )
    p.add_argument("--start", required=True, help="first epoch, ISO 8601 UTC")
    p.add_argument("--stop", required=True, help="last epoch, ISO 8601 UTC")
    p.add_argument("--step", default="1min", help="cadence, e.g. 30s, 1min, 10min (default 1min)")
    p.add_argument("--profile", metavar="FILE",
                   help="mission profile JSON (default: assets/mission/profile_default.json)")
    p.add_argument("--out", required=True, metavar="FILE.csv|FILE.json", help="windows file")
    p.add_argument("--plot", metavar="FILE.png", help="also write a timeline PNG")
    p.add_argument("--instrument", default="sxi,uvi", metavar="sxi,uvi",
                   help="whose windows: sxi, uvi or sxi,uvi (default)")
    p.add_argument("--solar-wind", dest="solar_wind", metavar="n=5,v=400,bz=-2,...",
                   help="constant solar wind for the magnetopause (default: the profile's)")
    p.add_argument("--omni", metavar="FILE", help="solar wind time series (OMNI ASCII or CDF) instead")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--tle", metavar="FILE", help="orbit from a two-line element set")
    src.add_argument("--oem", metavar="FILE", help="orbit from a CCSDS OEM ephemeris")
    return p


def run(args: argparse.Namespace) -> int:
    """Compute and write the windows; returns the exit status."""
    # Lazy: the planning library (astropy, the orbit, the constraints) is not needed to build
    # the parser (start-up time of the command line).
    from smile_viewer.analysis.constraints import load_profile
    from smile_viewer.analysis.windows import INSTRUMENTS, compute_windows
    from smile_viewer.coords.timeparse import parse_duration_s, parse_time
    from smile_viewer.io.atomic import check_output_path
    from smile_viewer.io.omni import read_solar_wind
    from smile_viewer.mission.orbit import orbit_from_oem, orbit_from_tle

    out = check_output_path(args.out)
    if out.suffix.lower() not in (".csv", ".json"):
        raise UserInputError(f"--out {args.out}: use a .csv or .json file name")
    plot = None
    if args.plot:
        plot = check_output_path(args.plot)
        if plot.suffix.lower() != ".png":
            raise UserInputError(f"--plot {args.plot}: use a .png file name")
    insts = tuple(s.strip().lower() for s in str(args.instrument).split(",") if s.strip())
    bad = [i for i in insts if i not in INSTRUMENTS]
    if not insts or bad:
        raise UserInputError(f"--instrument {args.instrument!r}: use sxi, uvi or sxi,uvi")
    if args.solar_wind and args.omni:
        raise UserInputError("give --solar-wind or --omni, not both")
    profile = load_profile(args.profile) if args.profile else load_profile()
    solar_wind = None
    if args.solar_wind:
        solar_wind = parse_solar_wind(args.solar_wind)
    elif args.omni:
        solar_wind = read_solar_wind(args.omni)
    orbit = None
    if args.tle:
        orbit = orbit_from_tle(args.tle)
    elif args.oem:
        orbit = orbit_from_oem(args.oem)
    start, stop, step_s = parse_time(args.start), parse_time(args.stop), parse_duration_s(args.step)
    ws = compute_windows(start, stop, step_s, profile, orbit=orbit, solar_wind=solar_wind, instruments=insts)
    path = ws.write(out)
    for line in ws.meta.get("notes", []):
        print(f"note: {line}")
    for line in ws.summary():
        print(line)
    print(f"wrote {path} ({ws.meta['n_epochs']:,} epochs in {ws.meta['compute_s']:.2f} s)")
    if plot is not None:
        print(f"wrote {ws.plot(plot)}")
    return 0
