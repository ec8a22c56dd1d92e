"""``smile-viewer stack``: stack per-minute SXI level-3 files (SCI-TOT/BKG/VCY) into the team's
combined SCI-CXF products, one file per interval.

The work is :func:`smile_viewer.analysis.stacking.write_stacks` (the SXI team's rebinning,
swharton1/SXI_L3 ``rebin_files.py``). Outputs are written atomically; an interval whose output
already exists complete is skipped, so an interrupted run can be restarted. Problems with
single files (unreadable, another product, missing partner, mismatched pointing, missing
minutes) are printed one line each on stderr and do not stop the run.
"""

from __future__ import annotations

import argparse

from smile_viewer.cli.common import parse_int, parse_positive
from smile_viewer.errors import UserInputError

VIGNETTING_CHOICES = ("exposure-weighted", "first")


def parse_binning(text: str) -> tuple[int, int]:
    """``--bin`` ``'AxB'`` (or ``'N'``) → (A native pixels along axis 1, B along axis 2)."""
    s = str(text).strip().lower()
    parts = s.split("x") if "x" in s else [s, s]
    try:
        a, b = (int(v) for v in parts)
    except ValueError:
        raise UserInputError(f"--bin must look like 2x2 or 4 (whole pixels per bin), got {text!r}") from None
    if len(parts) != 2 or a < 1 or b < 1:
        raise UserInputError(f"--bin {text}: both factors must be whole numbers >= 1")
    return a, b


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``stack`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "stack",
        help="stack per-minute SXI level-3 files (TOT/BKG/VCY) into combined SCI-CXF products",
        description="Group per-minute SXI level-3 files by time, stack N minutes and bin pixels as the SXI "
        "team's rebin_files.py does, and write one combined FITS file per interval.",
    )
    p.add_argument("inputs", nargs="+", metavar="FILES_OR_DIR", help="per-minute FITS files or directories")
    p.add_argument(
        "--minutes",
        default="5",
        metavar="N",
        help="minutes per stack (default 5); stacks start at 00:00 UTC of the first minute's day "
        "+ k·N minutes",
    )
    p.add_argument(
        "--bin",
        default="1x1",
        dest="binning",
        metavar="AxB",
        help="native pixels per output pixel along axis 1 x axis 2 (default 1x1)",
    )
    p.add_argument("--out", required=True, metavar="DIR", help="output directory (must exist)")
    p.add_argument(
        "--vignetting",
        choices=VIGNETTING_CHOICES,
        default="exposure-weighted",
        help="VIGMAP over the minutes: exposure-weighted mean (default) or the first minute's "
        "(the team's rebin_files.py)",
    )
    p.add_argument(
        "--complete-only",
        action="store_true",
        help="write only intervals where every minute is present and usable",
    )
    p.add_argument(
        "--pointing-tolerance",
        default="0.05",
        metavar="DEG",
        help="largest change of the look direction (AIM - POS) within a stack (default 0.05 deg)",
    )
    p.add_argument(
        "--position-tolerance",
        default="0.05",
        metavar="R_E",
        help="largest change of the spacecraft position within a stack (default 0.05 R_E)",
    )
    return p


def run(args: argparse.Namespace) -> int:
    """Stack and write; returns the exit status (0 when it ran, problems or not)."""
    import sys
    from pathlib import Path

    from smile_viewer.analysis.stacking import write_stacks

    minutes = parse_int(args.minutes, "--minutes", 1)
    binning = parse_binning(args.binning)
    tol_deg = parse_positive(args.pointing_tolerance, "--pointing-tolerance")
    tol_re = parse_positive(args.position_tolerance, "--position-tolerance")
    out = Path(args.out).expanduser()
    if not out.is_dir():
        raise UserInputError(f"--out {out}: no such directory")
    result = write_stacks(
        args.inputs,
        out,
        minutes=minutes,
        binning=binning,
        require_complete=args.complete_only,
        vignetting=args.vignetting,
        pointing_tolerance_deg=tol_deg,
        position_tolerance_re=tol_re,
    )
    for problem in result.problems:
        print(f"smile-viewer stack: {problem}", file=sys.stderr)
    if not result.written and not result.skipped:
        what = (
            "no usable per-minute SXI level-3 file"
            if not result.intervals
            else "no complete minute (TOT + BKG + VCY with matching headers and valid data)"
        )
        raise UserInputError(f"nothing stacked from {', '.join(args.inputs)}: {what} (problems above)")
    for path in result.written:
        print(f"wrote {path}")
    print(
        f"{len(result.written)} written, {len(result.skipped)} already complete (skipped), "
        f"{len(result.problems)} problems, {result.intervals} intervals"
    )
    return 0
