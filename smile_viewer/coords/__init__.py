"""Space-physics frames (GEI, GEO, GSE, GSM, SM), dipole tilt, Sun and dipole directions.

See :mod:`smile_viewer.coords.frames` for the definitions and conventions.
"""

from smile_viewer.coords.frames import (
    FRAMES,
    dipole_axis,
    dipole_tilt,
    rotation_matrix,
    sun_direction,
    transform,
)

__all__ = ["FRAMES", "dipole_axis", "dipole_tilt", "rotation_matrix", "sun_direction", "transform"]
