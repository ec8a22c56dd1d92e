"""Evented settings of the 3-D scene's cut plane through the cube (no Qt, no vispy).

:class:`CutPlaneSettings`: ``visible``; ``plane`` "xz", "xy", "yz" or "custom" (then
``normal``); ``offset_re`` along the normal [R_E] (n·r = offset in the cube's frame);
``variable`` ("" = the emission volume on screen, else a variable of the cube file);
``colormap``, ``scale`` ("log" or "linear") and ``value_range`` (None = from the values).
The sampling is :func:`smile_viewer.physics.cut_plane.sample_plane`.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from psygnal import EventedModel
from pydantic import ConfigDict, field_validator

from smile_viewer.physics.cut_plane import NAMED_PLANES, plane_normal
from smile_viewer.state.volume import volume_colormap

__all__ = ["CUT_PLANES", "CutPlaneSettings"]

#: Planes the control offers: key → title.
CUT_PLANES: dict[str, str] = {
    "xz": "X–Z (noon–midnight)",
    "xy": "X–Y (equatorial)",
    "yz": "Y–Z",
    "custom": "Any (normal)",
}


class CutPlaneSettings(EventedModel):
    """Where the cut plane is and how it is coloured (see the module docstring)."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    visible: bool = False
    plane: Literal["xz", "xy", "yz", "custom"] = "xz"
    normal: tuple[float, float, float] = (1.0, 1.0, 0.0)
    offset_re: float = 0.0
    variable: str = ""
    colormap: str = "viridis"
    scale: Literal["log", "linear"] = "log"
    value_range: tuple[float, float] | None = None

    @field_validator("normal", mode="before")
    @classmethod
    def _normal(cls, value):
        try:
            plane_normal(value)
        except ValueError as exc:
            raise ValueError(str(exc)) from None
        return tuple(float(v) for v in value)

    @field_validator("offset_re", mode="before")
    @classmethod
    def _offset(cls, value):
        x = float(value)
        if not math.isfinite(x) or abs(x) > 1000:
            raise ValueError(f"offset_re = {value!r}: a finite distance within ±1000 R_E")
        return x

    @field_validator("colormap", mode="before")
    @classmethod
    def _cmap(cls, value):
        return volume_colormap(value)

    @field_validator("value_range", mode="before")
    @classmethod
    def _range(cls, value):
        if value is None:
            return None
        lo, hi = (float(v) for v in value)
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"value_range = {value!r}: need finite values with min < max")
        return (lo, hi)

    def normal_vector(self) -> np.ndarray:
        """The plane's unit normal (the named plane's, or ``normal`` for "custom")."""
        if self.plane == "custom":
            return plane_normal(self.normal)
        return np.array(NAMED_PLANES[self.plane][0])
