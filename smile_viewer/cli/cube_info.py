"""``smile-viewer cube-info CUBE``: an emissivity cube's format, grid, extent, frame, units,
variables, solar wind, time, value range and its subsolar magnetopause by the SXI team's three
definitions (maxIx, maxdIx, f.25). For a cube sequence (a folder, a quoted glob or a JSON
index) it lists every cube with its time and where the time came from, then describes the
first cube.

The work is :func:`smile_viewer.io.cubes.read_cube`, :func:`smile_viewer.io.cubes.cube_info`,
:func:`smile_viewer.io.cubes.describe.describe_cube` (the same lines as the GUI's tooltip) and
:func:`smile_viewer.physics.cube_magnetopause.subsolar_magnetopause`.
"""

from __future__ import annotations

import argparse


def add_parser(sub) -> argparse.ArgumentParser:
    """Register ``cube-info`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "cube-info",
        help="describe an emissivity cube and its subsolar magnetopause (maxIx, maxdIx, f.25)",
        description="Read an emissivity or MHD cube (FITS, VTK, netCDF/HDF5, the SXI team's text cubes, "
        "BATS-R-US IDL/Tecplot, OpenGGCM CDF, GAMERA HDF5, LaTeP netCDF) and print its format, grid, frame, "
        "units, variables, solar wind, time, value range and the subsolar magnetopause along the Sun-Earth "
        "line by the SXI team's three definitions (swharton1/Emissivity_Cubes read_fits_cube.py).",
    )
    p.add_argument(
        "cube", metavar="CUBE", help="cube file, or a cube sequence (folder, quoted glob, JSON index)"
    )
    return p


def _print_sequence(spec: str):
    """List a sequence's cubes (headers only); returns the first cube's path."""
    # lazy: the sequence reader, only for a folder, glob or index
    from smile_viewer.io.cubes.sequence import open_sequence

    seq = open_sequence(spec)
    print(f"sequence   {spec}")
    print(f"           {seq.describe()}")
    for i, e in enumerate(seq.entries):
        print(f"  {i + 1:>4}  {e.time.utc.isot[:19]} UTC  {e.path.name}  (time from {e.time_source})")
    print(f"first cube ({seq.entries[0].path.name}):")
    return seq.entries[0].path


def run(args: argparse.Namespace) -> int:
    """Print the description; returns the exit status (a bad file raises DataFileError: exit 2)."""
    from pathlib import Path

    import numpy as np

    from smile_viewer.errors import UserInputError
    from smile_viewer.io.cubes import cube_info, read_cube
    from smile_viewer.io.cubes.describe import describe_cube
    from smile_viewer.io.cubes.sequence import is_sequence_spec
    from smile_viewer.physics.cube_magnetopause import subsolar_magnetopause

    path = Path(args.cube).expanduser()
    if is_sequence_spec(args.cube):
        path = _print_sequence(args.cube)
    vol = read_cube(path)
    values = np.asarray(vol.values)
    finite = np.isfinite(values)
    print(f"file       {path}")
    for line in describe_cube(vol, cube_info(path)):
        print(line)
    if finite.any():
        v = values[finite]
        nan = f", {int((~finite).sum())} NaN nodes" if not finite.all() else ""
        print(f"values     {float(v.min()):.4g} .. {float(v.max()):.4g}{nan}")
    else:
        print("values     none finite")
    try:
        mp = subsolar_magnetopause(vol)
    except UserInputError as exc:
        print(f"subsolar magnetopause: n/a ({exc})")
        return 0
    print(
        f"subsolar magnetopause along the Sun-Earth line (y = {mp.line_y_re:.4g}, z = {mp.line_z_re:.4g} R_E):"
    )
    print(f"  maxIx    {mp.max_ix_re:.3f} R_E  (largest emissivity, {mp.max_emissivity:.4g} {vol.units})")
    print(f"  maxdIx   {mp.max_dix_re:.3f} R_E  (largest increase to the next sample sunward)")
    print(f"  f.25     {mp.f25_re:.3f} R_E  (maxdIx + 0.25 (maxIx - maxdIx))")
    return 0
