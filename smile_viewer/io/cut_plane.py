"""Writing a cut plane (:class:`~smile_viewer.physics.cut_plane.PlaneCut`) as CSV.

One row per sample inside the volume: ``x, y, z`` [R_E] in the cube's frame and the value, with
the units in the column names and a few ``#`` comment lines first (the plane, the frame, the
variable, the source). Written atomically (:mod:`smile_viewer.io.atomic`). Format:
docs/formats.md#cut-planes.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

import smile_viewer
from smile_viewer.errors import UserInputError
from smile_viewer.io.atomic import atomic_write_text, check_output_path

__all__ = ["cut_csv_text", "write_cut_csv"]


def cut_csv_text(cut, source: str = "") -> str:
    """The CSV text of ``cut`` (see the module docstring)."""
    inside = np.isfinite(cut.values)
    pts = cut.points[inside]
    vals = cut.values[inside]
    n = ", ".join(f"{c:.6g}" for c in cut.normal)
    head = [
        f"# smile-viewer {smile_viewer.__version__} cut plane: {cut.describe()}",
        f"# normal ({n}), offset {cut.offset_re:.6g} R_E, frame {cut.frame.upper()}",
        f"# {cut.values.shape[1]} x {cut.values.shape[0]} samples (trilinear); {int(inside.sum())} inside the cube "
        "written, the rest left out",
    ]
    if source:
        head.append(f"# source: {' '.join(str(source).split())}")
    frame = cut.frame.upper()
    head.append(f"x_{frame} [R_E],y_{frame} [R_E],z_{frame} [R_E],{cut.variable} [{cut.units}]")
    buf = io.StringIO()
    buf.write("\n".join(head) + "\n")
    np.savetxt(buf, np.column_stack([pts, vals]), delimiter=",", fmt=("%.6f", "%.6f", "%.6f", "%.9g"))
    return buf.getvalue()


def write_cut_csv(path, cut, source: str = "") -> Path:
    """Write ``cut`` as CSV to ``path`` (ending in .csv), atomically; returns the path."""
    p = check_output_path(path)
    if p.suffix.lower() != ".csv":
        raise UserInputError(f"output file {p} must end in .csv")
    return atomic_write_text(p, cut_csv_text(cut, source))
