"""``smile-viewer windows``: pointing windows of SXI and UVI over a time range (CSV/JSON, timeline PNG).

The work is :func:`smile_viewer.analysis.windows.compute_windows`.
"""

from __future__ import annotations

import argparse

from smile_viewer.cli.common import parse_solar_wind


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
    from smile_viewer.analysis.windows import run_windows_command

    return run_windows_command(args, solar_wind_parser=parse_solar_wind)
