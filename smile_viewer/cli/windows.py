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
    p.add_argument(
        "--profile",
        metavar="FILE",
        help="mission profile JSON (default: assets/mission/profile_default.json)",
    )
    p.add_argument("--out", required=True, metavar="FILE.csv|FILE.json", help="windows file")
    p.add_argument("--plot", metavar="FILE.png", help="also write a timeline PNG")
    p.add_argument(
        "--instrument",
        default="sxi,uvi",
        metavar="sxi,uvi",
        help="whose windows: sxi, uvi or sxi,uvi (default)",
    )
    p.add_argument(
        "--solar-wind",
        dest="solar_wind",
        metavar="n=5,v=400,bz=-2,...",
        help="constant solar wind for the magnetopause (default: the profile's)",
    )
    p.add_argument("--omni", metavar="FILE", help="solar wind time series (OMNI ASCII or CDF) instead")
    p.add_argument(
        "--disable",
        action="append",
        default=[],
        metavar="NAME[,NAME]",
        help="switch off constraints or targets, e.g. sxi_moon or nose (repeatable)",
    )
    p.add_argument(
        "--margin",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="change a constraint's threshold or margin (its unit: km, R_E or deg), e.g. sxi_sun=45, "
        "radiation_belt=25000, cusp_north=2 (repeatable)",
    )
    p.add_argument(
        "--require",
        action="append",
        default=[],
        metavar="NAME",
        help="add a constraint to the windows it applies to, e.g. sxi_magnetopause for nose-in-field "
        "SXI windows (repeatable)",
    )
    p.add_argument(
        "--monthly",
        action="store_true",
        help="also print SXI observing hours and targets' hours in the field per orbit, by month",
    )
    src = p.add_mutually_exclusive_group()
    src.add_argument("--tle", metavar="FILE", help="orbit from a two-line element set")
    src.add_argument("--oem", metavar="FILE", help="orbit from a CCSDS OEM ephemeris")
    return p


def _names(values) -> tuple[str, ...]:
    """``--disable a,b --disable c`` -> ("a", "b", "c")."""
    return tuple(n.strip() for v in values for n in str(v).split(",") if n.strip())


def _margins(values) -> dict[str, float]:
    """``--margin sxi_sun=45`` -> {"sxi_sun": 45.0}, with one-line errors."""
    out: dict[str, float] = {}
    for v in values:
        name, sep, value = str(v).partition("=")
        if not sep or not name.strip():
            raise UserInputError(f"--margin {v!r}: write NAME=VALUE, e.g. sxi_sun=45")
        try:
            out[name.strip()] = float(value)
        except ValueError:
            raise UserInputError(f"--margin {v!r}: {value.strip()!r} is not a number") from None
    return out


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
    profile = profile.with_overrides(
        disable=_names(args.disable), margins=_margins(args.margin), require=_names(args.require)
    )
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
    if args.monthly:
        from smile_viewer.analysis.windows import monthly_summary

        for inst in insts:
            rows = monthly_summary(ws, inst)
            keys = [k for k in rows[0] if k.endswith("_h_per_orbit")] if rows else []
            print(
                f"{inst.upper()} hours per {ws.meta['orbit_period_s'] / 3600.0:.1f} h orbit, by month: "
                + ", ".join(k[: -len("_h_per_orbit")] for k in keys)
            )
            for r in rows:
                print(f"  {r['month']}  " + "  ".join(f"{r[k]:5.1f}" for k in keys))
    if plot is not None:
        print(f"wrote {ws.plot(plot)}")
    return 0
