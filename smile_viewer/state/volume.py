"""Evented settings of the 3-D emission volume (no Qt, no vispy).

:class:`EmissionVolumeSettings`:

- ``shape`` (nx, ny, nz) nodes and ``bounds_re`` ((x0, x1), (y0, y1), (z0, z1)) [R_E] of the grid
  an analytic model is sampled on (a file keeps its own grid); ``frame`` the frame it is
  sampled in ("gse" or "gsm"; CMEM's dipole tilt is a GSM quantity);
- ``render_mode``: "emission" (the line-of-sight integral of the emissivity along each view
  ray, in keV cm^-2 s^-1 sr^-1, like a synthetic image), "mip" (maximum emissivity along the
  ray) or "iso" (an isosurface at ``iso_fraction`` of the largest emissivity);
- ``colormap`` (:data:`VOLUME_COLORMAPS`) and ``log_range`` (log10 of the lowest and highest
  values shown: intensity for "emission", emissivity for "mip"; ``None`` = from the data);
- ``step_voxels``: ray-marching step in voxels (smaller is finer and slower);
- ``texture_max_nodes`` and ``texture_budget_mib``: the largest GL 3-D texture the view uploads
  (nodes a side, MiB); a larger grid is shown as block means, the synthetic images still
  integrate the full grid (docs/settings.md#emission-volume-texture).
"""

from __future__ import annotations

import math
from typing import Literal

from psygnal import EventedModel
from pydantic import ConfigDict, Field, field_validator

__all__ = ["RENDER_MODES", "VOLUME_COLORMAPS", "EmissionVolumeSettings", "volume_colormap"]

#: Render modes of the emission volume.
RENDER_MODES: tuple[str, ...] = ("emission", "mip", "iso")
#: Colour maps the emission volume offers (perceptually ordered, dark at the low end).
VOLUME_COLORMAPS: tuple[str, ...] = ("inferno", "magma", "viridis", "hot", "fire", "cubehelix", "grays")


def volume_colormap(value) -> str:
    """The colour map name ``value`` (any case, spaces trimmed), one of :data:`VOLUME_COLORMAPS`;
    ValueError otherwise (the settings' validators: the emission volume and the cut plane)."""
    name = str(value).strip().lower()
    if name not in VOLUME_COLORMAPS:
        raise ValueError(f"colormap {value!r}: choose one of {', '.join(VOLUME_COLORMAPS)}")
    return name


class EmissionVolumeSettings(EventedModel):
    """How the emission volume is sampled and drawn (see the module docstring)."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    shape: tuple[int, int, int] = (128, 128, 128)
    bounds_re: tuple[tuple[float, float], tuple[float, float], tuple[float, float]] = (
        (-30.0, 30.0),
        (-30.0, 30.0),
        (-30.0, 30.0),
    )
    frame: Literal["gse", "gsm"] = "gse"
    render_mode: Literal["emission", "mip", "iso"] = "emission"
    colormap: str = "inferno"
    log_range: tuple[float, float] | None = None
    iso_fraction: float = Field(0.3, gt=0.0, lt=1.0)
    step_voxels: float = Field(1.0, ge=0.1, le=4.0)
    texture_max_nodes: int = Field(256, ge=16, le=2048)
    texture_budget_mib: float = Field(256.0, ge=1.0, le=16384.0)

    @field_validator("shape", mode="before")
    @classmethod
    def _shape(cls, value):
        if isinstance(value, int):
            value = (value, value, value)
        try:
            vals = [int(v) for v in value]
            if any(float(v) != int(v) for v in value):
                raise ValueError
        except (TypeError, ValueError):
            raise ValueError(f"shape = {value!r}: expected 3 whole numbers (nx, ny, nz)") from None
        if len(vals) != 3 or not all(8 <= v <= 512 for v in vals):
            raise ValueError(f"shape = {value!r}: 3 sizes of 8..512 nodes (nx, ny, nz)")
        return tuple(vals)

    @field_validator("bounds_re", mode="before")
    @classmethod
    def _bounds(cls, value):
        try:
            pairs = [(float(a), float(b)) for a, b in value]
        except (TypeError, ValueError):
            raise ValueError(
                f"bounds_re = {value!r}: expected ((x0, x1), (y0, y1), (z0, z1)) in R_E"
            ) from None
        if len(pairs) != 3:
            raise ValueError(f"bounds_re = {value!r}: expected 3 (min, max) pairs")
        for axis, (a, b) in zip("xyz", pairs):
            if not (math.isfinite(a) and math.isfinite(b) and a < b):
                raise ValueError(f"bounds_re {axis} = ({a}, {b}): need finite numbers with min < max")
            if max(abs(a), abs(b)) > 500:
                raise ValueError(f"bounds_re {axis} = ({a}, {b}): beyond ±500 R_E")
        return tuple(pairs)

    @field_validator("colormap", mode="before")
    @classmethod
    def _cmap(cls, value):
        return volume_colormap(value)

    @field_validator("log_range", mode="before")
    @classmethod
    def _log_range(cls, value):
        if value is None:
            return None
        try:
            lo, hi = (float(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(f"log_range = {value!r}: expected (log10 min, log10 max) or None") from None
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi and hi - lo <= 30):
            raise ValueError(f"log_range = {value!r}: need finite log10 values with min < max (≤ 30 decades)")
        return (lo, hi)
