"""``smile-viewer orbit``: export an ephemeris of the SMILE orbit (CSV in R_E or CCSDS OEM in km).

The work is :func:`smile_viewer.mission.ephemeris_export.export_ephemeris`.
"""

from __future__ import annotations

import argparse

from smile_viewer.cli.common import FRAMES, frame_type


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``orbit`` on the command line's sub-parsers."""
    p = sub.add_parser("orbit", help="export an ephemeris of the SMILE orbit")
    p.add_argument("--start", required=True, help="first time, ISO 8601 UTC")
    p.add_argument("--stop", required=True, help="last time, ISO 8601 UTC")
    p.add_argument("--step", default="10min", help="time step, e.g. 60s, 10min, 1h (default 10min)")
    p.add_argument("--frame", type=frame_type, default="gse", help=f"output frame: {', '.join(FRAMES)}")
    p.add_argument("--out", required=True, help="output file: .csv (R_E) or .oem (CCSDS OEM, km)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--tle", metavar="FILE", help="propagate a two-line element set instead")
    src.add_argument("--oem", metavar="FILE", help="interpolate a CCSDS OEM ephemeris instead")
    return p


def run(args: argparse.Namespace) -> int:
    """Write the ephemeris; returns the exit status."""
    # Lazy: astropy times and the orbit models are not needed to build the parser (start-up time).
    from smile_viewer.coords.timeparse import parse_duration_s, parse_time, time_grid
    from smile_viewer.mission.ephemeris_export import export_ephemeris
    from smile_viewer.mission.orbit import default_orbit, orbit_from_oem, orbit_from_tle

    start, stop = parse_time(args.start), parse_time(args.stop)
    times = time_grid(start, stop, parse_duration_s(args.step))
    if args.tle:
        orbit = orbit_from_tle(args.tle)
    elif args.oem:
        orbit = orbit_from_oem(args.oem)
    else:
        orbit = default_orbit()
    path = export_ephemeris(orbit, times, args.frame, args.out)
    print(f"wrote {len(times)} epochs in {args.frame.upper()} to {path}")
    return 0
