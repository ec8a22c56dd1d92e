"""Evented model of the 3-D scene: what the user chose (no Qt, no vispy).

``SceneState`` holds the scene time, the frame the scene is drawn in, which layers are
visible and the camera preset. Views subscribe to its events and redraw themselves::

    state = SceneState(time="2026-03-20T12:00")
    state.events.time.connect(view.on_time)            # called with the new astropy Time
    state.layers.events.orbit.connect(view.on_orbit)   # called with the new bool
    state.time = "2026-03-20T18:00"                    # strings are parsed (UTC)

Assigning an equal value emits nothing. The model serialises to JSON (time as ISO 8601
UTC) for sessions: ``state.model_dump_json()`` / ``SceneState.model_validate_json(text)``.
"""

from __future__ import annotations

import datetime as _dt
from typing import Literal

import numpy as np
from astropy.time import Time, TimeDelta
from psygnal import EventedModel
from pydantic import ConfigDict, Field, field_serializer, field_validator

#: Camera presets understood by the 3-D view (their geometry lives in ``smile_viewer._vispy``).
#: ``overview``: oblique view from the dusk side framing the whole orbit, Sun to the left;
#: ``noon_midnight``: the X–Z plane seen from dusk (+Y), Sun to the left;
#: ``north``: looking down from +Z; ``from_sun``: looking at the dayside from the Sun's side;
#: ``earth``: close to Earth.
CAMERA_PRESETS: tuple[str, ...] = ("overview", "noon_midnight", "north", "from_sun", "earth")

#: Frames the scene can be drawn in (both have the Sun along +X).
SCENE_FRAMES: tuple[str, ...] = ("gse", "gsm")

CameraPreset = Literal["overview", "noon_midnight", "north", "from_sun", "earth"]
SceneFrame = Literal["gse", "gsm"]


def to_utc_time(value) -> Time:
    """A scalar UTC ``Time`` from a ``Time``, ISO 8601 string or ``datetime``; ``ValueError`` otherwise."""
    if isinstance(value, Time):
        t = value
    elif isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.timezone.utc).replace(tzinfo=None)
        t = Time(value, scale="utc")
    elif isinstance(value, str):
        from smile_viewer.coords.timeparse import parse_time

        t = parse_time(value)  # raises UserInputError (a ValueError) naming the text
    else:
        raise ValueError(f"scene time must be an astropy Time, ISO 8601 string or datetime, got {value!r}")
    if not t.isscalar:
        raise ValueError(f"scene time must be a single time, got an array of shape {t.shape}")
    t = t.utc
    t.format = "isot"
    return t


def _default_time() -> Time:
    """The first apogee of the default SMILE orbit after its epoch (the scene starts there:
    SMILE's imaging vantage point, about 20 R_E out)."""
    from astropy.time import TimeDelta

    from smile_viewer.mission.orbit import default_orbit

    orbit = default_orbit()
    start = to_utc_time(orbit.epoch)
    apogees = orbit.apogee_times(start, start + TimeDelta(orbit.period_s, format="sec"))
    return to_utc_time(apogees[0]) if len(apogees) else start


class LayerVisibility(EventedModel):
    """Which layers of the 3-D scene are shown. Each field has its own event."""

    earth: bool = True
    axes: bool = True
    sun: bool = True
    orbit: bool = True
    spacecraft: bool = True
    labels: bool = True  # the on-canvas caption (frame, time, credits)

    def names(self) -> tuple[str, ...]:
        return tuple(type(self).model_fields)


class SceneState(EventedModel):
    """What the user chose for the 3-D scene.

    Fields (each emits ``state.events.<field>`` with the new value when it changes):

    - ``time``: scene time, scalar astropy ``Time`` in UTC (accepts ISO strings / datetimes)
    - ``frame``: ``"gse"`` or ``"gsm"`` — the frame of the scene's axes (R_E units)
    - ``layers``: a :class:`LayerVisibility` (its fields have their own events)
    - ``camera_preset``: one of :data:`CAMERA_PRESETS`; the view moves its camera when it changes
    - ``day_night``: shade Earth's night side darker
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, validate_assignment=True, validate_default=True)

    time: Time = Field(default_factory=_default_time)
    frame: SceneFrame = "gse"
    layers: LayerVisibility = Field(default_factory=LayerVisibility)
    camera_preset: CameraPreset = "overview"
    day_night: bool = True

    @field_validator("time", mode="before")
    @classmethod
    def _validate_time(cls, value):
        return to_utc_time(value)

    @field_validator("frame", mode="before")
    @classmethod
    def _lower_frame(cls, value):
        return value.lower() if isinstance(value, str) else value

    @field_serializer("time")
    def _serialise_time(self, t: Time) -> str:
        return t.utc.isot

    def __setattr__(self, name: str, value) -> None:
        # psygnal emits the value as assigned, before pydantic validates it: normalise
        # first so that subscribers always receive a UTC ``Time`` (and a lower-case frame).
        if name == "time":
            value = to_utc_time(value)
        elif name == "frame" and isinstance(value, str):
            value = value.lower()
        super().__setattr__(name, value)

    # -- convenience ---------------------------------------------------------------------
    def shift_time(self, seconds: float) -> None:
        """Move the scene time by ``seconds`` (may be negative)."""
        self.time = self.time + TimeDelta(float(seconds), format="sec")

    def seconds_since(self, reference: Time) -> float:
        """Seconds from ``reference`` to the scene time."""
        return float((self.time - reference).to_value("s"))

    def set_time_from_offset(self, reference: Time, seconds: float) -> None:
        """Set the scene time to ``reference + seconds`` (what a time slider does)."""
        if not np.isfinite(seconds):
            raise ValueError(f"time offset must be finite, got {seconds!r}")
        self.time = to_utc_time(reference) + TimeDelta(float(seconds), format="sec")


__all__ = [
    "CAMERA_PRESETS",
    "SCENE_FRAMES",
    "LayerVisibility",
    "SceneState",
    "to_utc_time",
]
