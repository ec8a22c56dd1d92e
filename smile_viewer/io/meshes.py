"""Export of triangle meshes (magnetopause, bow shock) to files other tools read.

Formats by extension, written through pyvista/VTK: ``.vtp`` and ``.vtk`` (VTK PolyData,
ParaView, VisIt), ``.stl`` (3-D printing, CAD), ``.ply`` and ``.obj``. Coordinates are written
as they are given (R_E in the surface's frame); the frame and units go into the VTK file's
field data (``frame``, ``units``, ``description``) where the format can hold them.

    from smile_viewer.physics.boundaries import shue1998
    from smile_viewer.io.meshes import write_mesh
    write_mesh("magnetopause.vtp", *shue1998(2.0, -1.0).mesh(x_tail_re=-40), frame="gsm")
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from smile_viewer.errors import UserInputError
from smile_viewer.io.atomic import atomic_path, check_output_path

MESH_FORMATS = (".vtp", ".vtk", ".stl", ".ply", ".obj")
_WITH_FIELD_DATA = (".vtp", ".vtk")


def write_mesh(
    path, vertices, triangles, *, frame: str = "gse", units: str = "R_E", description: str = ""
) -> Path:
    """Write a triangle mesh (vertices (N, 3) [R_E], triangles (M, 3) int) atomically; returns the path."""
    target = check_output_path(path)
    suffix = target.suffix.lower()
    if suffix not in MESH_FORMATS:
        raise UserInputError(
            f"{target}: unknown mesh format {suffix or '(none)'!r}; use one of {', '.join(MESH_FORMATS)}"
        )
    v = np.asarray(vertices, dtype=float)
    t = np.asarray(triangles)
    if v.ndim != 2 or v.shape[1] != 3 or not np.all(np.isfinite(v)):
        raise UserInputError(f"mesh vertices must be a finite (N, 3) array, got shape {v.shape}")
    if t.ndim != 2 or t.shape[1] != 3 or t.size == 0 or t.min() < 0 or t.max() >= len(v):
        raise UserInputError(f"mesh triangles must be (M, 3) indices into {len(v)} vertices")

    import pyvista as pv  # lazy: pyvista/VTK cost ~0.45 s; only VTK cubes and meshes need them

    faces = np.hstack([np.full((len(t), 1), 3, dtype=np.int64), t.astype(np.int64)]).ravel()
    poly = pv.PolyData(v, faces)
    if suffix in _WITH_FIELD_DATA:
        poly.field_data["frame"] = [frame]
        poly.field_data["units"] = [units]
        if description:
            poly.field_data["description"] = [description]
    with atomic_path(target) as tmp:
        if suffix == ".obj":  # OBJ is a text format only
            poly.save(str(tmp))
        else:
            poly.save(str(tmp), binary=True)
    return target
