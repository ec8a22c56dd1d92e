"""Evented models of the imagers' settings: pointing, exposure, pixel grid (no Qt, no vispy).

- :class:`SXIPointing` — ``mode`` "team_law" (the SXI team's limb law,
  :func:`smile_viewer.mission.pointing.sxi_pointing`) or "aim_point" (``aim_re``, GSE R_E,
  :func:`~smile_viewer.mission.pointing.aim_pointing` with the Earth roll reference); ``roll_deg``
  turns the camera about the boresight from the law's reference (right-handed).
- :class:`UVIPointing` — ``mode`` "auroral_oval" (the northern oval centre, the default law),
  "pole" (the northern dipole pole) or "aim_point"; ``roll_deg`` as above (reference: noon
  at the top of the picture).
- :class:`InstrumentState` — one imager: its pointing, ``exposure_s`` and ``pixel_grid``
  (nx, ny); :class:`InstrumentsState` holds ``sxi`` and ``uvi``.

:func:`instrument_pointing` and :func:`instrument_camera` turn a state, a spacecraft position
and a time into a :class:`~smile_viewer.mission.pointing.Pointing` and a
:class:`~smile_viewer.mission.camera.Camera` — plain functions, safe in a worker.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from psygnal import EventedModel
from pydantic import ConfigDict, Field, field_validator

from smile_viewer.errors import UserInputError

__all__ = [
    "InstrumentState",
    "InstrumentsState",
    "SXIPointing",
    "UVIPointing",
    "instrument_camera",
    "instrument_pointing",
]

_STRICT = ConfigDict(validate_assignment=True, extra="forbid")


def _vec3(value, name: str) -> tuple[float, float, float]:
    try:
        a = [float(v) for v in value]
    except (TypeError, ValueError):
        raise ValueError(f"{name} = {value!r}: expected 3 numbers (x, y, z) in R_E") from None
    if len(a) != 3 or not all(math.isfinite(v) for v in a):
        raise ValueError(f"{name} = {value!r}: expected 3 finite numbers (x, y, z) in R_E")
    return (a[0], a[1], a[2])


class SXIPointing(EventedModel):
    """Where SXI looks: the team's law or an aim point (GSE, R_E), and a roll [deg]."""

    model_config = _STRICT

    mode: Literal["team_law", "aim_point"] = "team_law"
    aim_re: tuple[float, float, float] = (10.0, 0.0, 0.0)
    roll_deg: float = Field(0.0, ge=-180.0, le=180.0)

    @field_validator("aim_re", mode="before")
    @classmethod
    def _aim(cls, value):
        return _vec3(value, "aim_re")


class UVIPointing(EventedModel):
    """Where UVI looks: the northern auroral oval, the dipole pole or an aim point (GSE, R_E)."""

    model_config = _STRICT

    mode: Literal["auroral_oval", "pole", "aim_point"] = "auroral_oval"
    aim_re: tuple[float, float, float] = (0.0, 0.0, 1.0)
    roll_deg: float = Field(0.0, ge=-180.0, le=180.0)

    @field_validator("aim_re", mode="before")
    @classmethod
    def _aim(cls, value):
        return _vec3(value, "aim_re")


def _grid(value) -> tuple[int, int]:
    try:
        nx, ny = (int(v) for v in value)
        if any(float(v) != int(v) for v in value):
            raise ValueError
    except (TypeError, ValueError):
        raise ValueError(f"pixel_grid = {value!r}: expected two whole numbers (nx, ny)") from None
    if not (8 <= nx <= 4096 and 8 <= ny <= 4096):
        raise ValueError(f"pixel_grid = ({nx}, {ny}): each side must be 8..4096 pixels")
    return (nx, ny)


class InstrumentState(EventedModel):
    """One imager's settings: ``pointing``, ``exposure_s`` [s] and ``pixel_grid`` (nx, ny)."""

    model_config = _STRICT

    name: Literal["sxi", "uvi"]
    pointing: SXIPointing | UVIPointing
    exposure_s: float = Field(gt=0.0, le=86400.0)
    pixel_grid: tuple[int, int]

    @field_validator("pixel_grid", mode="before")
    @classmethod
    def _check_grid(cls, value):
        return _grid(value)

    @field_validator("pointing", mode="before")
    @classmethod
    def _pointing_kind(cls, value, info):
        name = info.data.get("name")
        if isinstance(value, dict):
            return (SXIPointing if name == "sxi" else UVIPointing).model_validate(value)
        if name == "sxi" and not isinstance(value, SXIPointing):
            raise ValueError("SXI's pointing must be an SXIPointing")
        if name == "uvi" and not isinstance(value, UVIPointing):
            raise ValueError("UVI's pointing must be a UVIPointing")
        return value

    @property
    def shape(self) -> tuple[int, int]:
        """The image shape (ny, nx)."""
        return (self.pixel_grid[1], self.pixel_grid[0])


def _instrument_defaults(name: str) -> dict:
    # lazy: keeps coords/mission (~40 ms) out of the GUI's start-up import of state
    from smile_viewer.mission.instruments import load_instrument

    inst = load_instrument(name)
    ny, nx = inst.default_shape
    return {"exposure_s": float(inst.default_exposure_s), "pixel_grid": (int(nx), int(ny))}


def _default_sxi() -> InstrumentState:
    return InstrumentState(name="sxi", pointing=SXIPointing(), **_instrument_defaults("sxi"))


def _default_uvi() -> InstrumentState:
    return InstrumentState(name="uvi", pointing=UVIPointing(), **_instrument_defaults("uvi"))


class InstrumentsState(EventedModel):
    """SXI and UVI settings (nested, evented)."""

    model_config = _STRICT

    sxi: InstrumentState = Field(default_factory=_default_sxi)
    uvi: InstrumentState = Field(default_factory=_default_uvi)

    @field_validator("sxi", "uvi")
    @classmethod
    def _right_name(cls, value: InstrumentState, info):
        if value.name != info.field_name:
            raise ValueError(f"{info.field_name}: got the settings of {value.name!r}")
        return value


# -- pure functions (worker-safe) ----------------------------------------------------------------
def instrument_pointing(settings: InstrumentState, position_gse_re, time=None):
    """The :class:`~smile_viewer.mission.pointing.Pointing` (GSE) of ``settings`` for a spacecraft
    at ``position_gse_re`` [R_E] at ``time`` (UVI's laws need it). Raises
    :class:`~smile_viewer.errors.UserInputError` where a law is undefined (SXI's law on the
    X axis, an aim point at the spacecraft)."""
    # lazy: keeps coords/mission (~40 ms) out of the GUI's start-up import of state
    from smile_viewer.mission import pointing as law

    p = np.asarray(position_gse_re, dtype=float).reshape(3)
    pt = settings.pointing
    if settings.name == "sxi":
        if pt.mode == "team_law":
            return law.sxi_pointing(p, roll_deg=pt.roll_deg)
        return law.aim_pointing(p, pt.aim_re, roll_deg=pt.roll_deg, reference="earth")
    if pt.mode == "aim_point":
        return law.aim_pointing(p, pt.aim_re, roll_deg=pt.roll_deg, reference="sun")
    if time is None:
        raise UserInputError("UVI's pointing law needs the time (the dipole pole moves)")
    target = "oval" if pt.mode == "auroral_oval" else "pole"
    return law.uvi_pointing(p, time, target=target, roll_deg=pt.roll_deg)


def instrument_camera(
    settings: InstrumentState,
    position_gse_re,
    time=None,
    *,
    frame: str = "gse",
    shape: tuple[int, int] | None = None,
):
    """The :class:`~smile_viewer.mission.camera.Camera` of ``settings`` at ``position_gse_re``
    (GSE, R_E) and ``time``, in ``frame`` ("gse" or "gsm"; GSM needs the time), with the
    state's pixel grid unless ``shape`` (ny, nx) is given."""
    # lazy: keeps coords/mission (~40 ms) out of the GUI's start-up import of state
    from smile_viewer.mission.instruments import load_instrument

    pointing = instrument_pointing(settings, position_gse_re, time)
    position = np.asarray(position_gse_re, dtype=float).reshape(3)
    rotation = np.asarray(pointing.rotation, dtype=float)
    frame = frame.lower()
    if frame != "gse":
        if time is None:
            raise UserInputError(f"a camera in {frame.upper()} needs the time")
        # lazy: keeps coords/mission (~40 ms) out of the GUI's start-up import of state
        from smile_viewer.coords import rotation_matrix

        r = np.asarray(rotation_matrix(time, "gse", frame), dtype=float).reshape(3, 3)
        position, rotation = r @ position, r @ rotation
    return load_instrument(settings.name).camera(
        position,
        rotation,
        shape=settings.shape if shape is None else shape,
        frame=frame,
    )
