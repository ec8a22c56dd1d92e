"""Evented model of the 3-D scene: what the user chose (no Qt, no vispy).

``SceneState`` holds the scene time, the frame the scene is drawn in, which layers are
visible (``layers``, one bool each), how each layer looks (``styles``: opacity and colour
per layer) and the camera preset. Views subscribe to its events and redraw themselves::

    state = SceneState(time="2026-03-20T12:00")
    state.events.time.connect(view.on_time)            # called with the new astropy Time
    state.layers.events.orbit.connect(view.on_orbit)   # called with the new bool
    state.styles.magnetopause.events.opacity.connect(view.on_opacity)
    state.time = "2026-03-20T18:00"                    # strings are parsed (UTC)

Assigning an equal value emits nothing. The model serialises to JSON (time as ISO 8601
UTC) for sessions: ``state.model_dump_json()`` / ``SceneState.model_validate_json(text)``.
"""

from __future__ import annotations

import datetime as _dt
import re
from typing import Literal

import numpy as np
from astropy.time import Time, TimeDelta
from psygnal import EventedModel
from pydantic import ConfigDict, Field, field_serializer, field_validator

#: Camera presets understood by the 3-D view (their geometry lives in ``smile_viewer._vispy``).
#: ``overview``: oblique view from the dusk side framing the whole orbit, Sun to the left;
#: ``noon_midnight``: the X–Z plane seen from dusk (+Y), Sun to the left;
#: ``north``: looking down from +Z; ``from_sun``: looking at the dayside from the Sun's side;
#: ``earth``: close to Earth; ``through_sxi``: the camera at the spacecraft, looking along
#: SXI's boresight with SXI's field of view and roll (it follows the spacecraft in time);
#: ``magnetosphere``: the bow-shock nose to 30 R_E down the tail, from dusk (presentation mode).
CAMERA_PRESETS: tuple[str, ...] = (
    "overview",
    "noon_midnight",
    "north",
    "from_sun",
    "earth",
    "through_sxi",
    "magnetosphere",
)

#: Frames the scene can be drawn in (both have the Sun along +X).
SCENE_FRAMES: tuple[str, ...] = ("gse", "gsm")

CameraPreset = Literal[
    "overview", "noon_midnight", "north", "from_sun", "earth", "through_sxi", "magnetosphere"
]
SceneFrame = Literal["gse", "gsm"]


def to_utc_time(value) -> Time:
    """A scalar UTC ``Time`` from a ``Time``, ISO 8601 string or ``datetime``; ``ValueError`` otherwise."""
    if isinstance(value, Time):
        t = value
    elif isinstance(value, _dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_dt.UTC).replace(tzinfo=None)
        t = Time(value, scale="utc")
    elif isinstance(value, str):
        # lazy: keeps coords/mission (~40 ms) out of the GUI's start-up import of state
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
    # lazy: keeps coords/mission (~40 ms) out of the GUI's start-up import of state
    from smile_viewer.mission.orbit import default_orbit

    orbit = default_orbit()
    start = to_utc_time(orbit.epoch)
    apogees = orbit.apogee_times(start, start + TimeDelta(orbit.period_s, format="sec"))
    return to_utc_time(apogees[0]) if len(apogees) else start


#: The layers of the 3-D scene, in the order a layer list shows them.
LAYER_NAMES: tuple[str, ...] = (
    "earth",
    "axes",
    "sun",
    "magnetopause",
    "bow_shock",
    "field_lines",
    "orbit",
    "spacecraft",
    "sxi_fov",
    "uvi_fov",
    "emission_volume",
    "labels",
    "stars",
    "sky_labels",
)


class LayerVisibility(EventedModel):
    """Which layers of the 3-D scene are shown. Each field has its own event.

    ``field_lines`` and ``emission_volume`` are off by default (they fill the view: switch
    them on for the magnetic topology or the soft X-ray glow), and so are the outreach layers
    ``stars`` (the real sky) and ``sky_labels``; everything else is on.
    """

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    earth: bool = True
    axes: bool = True
    sun: bool = True
    magnetopause: bool = True
    bow_shock: bool = True
    field_lines: bool = False
    orbit: bool = True
    spacecraft: bool = True
    sxi_fov: bool = True
    uvi_fov: bool = True
    emission_volume: bool = False
    labels: bool = True  # the on-canvas caption (frame, time, credits) and legends
    stars: bool = False  # the sky: Hipparcos stars, the Sun's glow and the Moon
    sky_labels: bool = False  # names on the scene: Sun, Moon, boundaries, cusps, SMILE, SXI, UVI

    def names(self) -> tuple[str, ...]:
        return tuple(type(self).model_fields)


_HEX = re.compile(r"^#[0-9a-fA-F]{6}$")


def _hex_color(value) -> str | None:
    """``None`` or a colour as ``"#rrggbb"`` (also accepts 3/4 floats in 0..1 or 0..255 ints)."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        if _HEX.match(text):
            return text.lower()
        raise ValueError(f"colour {value!r}: give it as '#rrggbb'")
    try:
        comps = [float(v) for v in value]
    except (TypeError, ValueError):
        raise ValueError(f"colour {value!r}: give it as '#rrggbb' or 3 numbers") from None
    if len(comps) not in (3, 4) or not all(np.isfinite(comps)):
        raise ValueError(f"colour {value!r}: give it as '#rrggbb' or 3 numbers")
    rgb = comps[:3]
    scale = 255.0 if max(rgb) > 1.0 else 1.0
    if min(rgb) < 0 or max(rgb) / scale > 1.0:
        raise ValueError(f"colour {value!r}: components must be in 0..1 (or 0..255)")
    return "#" + "".join(f"{int(round(c / scale * 255)):02x}" for c in rgb)


class LayerStyle(EventedModel):
    """How one layer looks: ``opacity`` (0..1) and ``color`` (``"#rrggbb"``, or ``None`` for
    the layer's own palette: the Earth's texture, the axes' red/green/blue, field lines
    coloured by topology, the emission volume's colour map). Each field has its own event."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    opacity: float = Field(1.0, ge=0.0, le=1.0)
    color: str | None = None

    @field_validator("color", mode="before")
    @classmethod
    def _validate_color(cls, value):
        return _hex_color(value)

    def __setattr__(self, name: str, value) -> None:
        if name == "color":  # subscribers receive the normalised "#rrggbb"
            try:
                value = _hex_color(value)
            except ValueError:
                pass  # pydantic refuses it below, with a ValidationError
        super().__setattr__(name, value)

    def rgba(self, default=(1.0, 1.0, 1.0)) -> tuple[float, float, float, float]:
        """(r, g, b, opacity) floats; ``default`` stands in for a ``None`` colour."""
        if self.color is None:
            r, g, b = (float(v) for v in default[:3])
        else:
            r, g, b = (int(self.color[i : i + 2], 16) / 255.0 for i in (1, 3, 5))
        return (r, g, b, float(self.opacity))


def _style(opacity: float, color: str | None = None):
    return Field(default_factory=lambda: LayerStyle(opacity=opacity, color=color))


class LayerStyles(EventedModel):
    """Opacity and colour of every layer (fields as :data:`LAYER_NAMES`)."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    earth: LayerStyle = _style(1.0)
    axes: LayerStyle = _style(1.0)
    sun: LayerStyle = _style(1.0, "#ffd133")
    magnetopause: LayerStyle = _style(0.5, "#4cc9f0")
    bow_shock: LayerStyle = _style(0.4, "#ff9a3c")
    field_lines: LayerStyle = _style(0.8)
    orbit: LayerStyle = _style(1.0, "#8ce6ff")
    spacecraft: LayerStyle = _style(1.0)
    sxi_fov: LayerStyle = _style(0.30, "#b8f35a")
    uvi_fov: LayerStyle = _style(0.30, "#d69bff")
    emission_volume: LayerStyle = _style(1.0)
    labels: LayerStyle = _style(1.0)
    stars: LayerStyle = _style(1.0)
    sky_labels: LayerStyle = _style(1.0)

    def names(self) -> tuple[str, ...]:
        return tuple(type(self).model_fields)


class SceneState(EventedModel):
    """What the user chose for the 3-D scene.

    Fields (each emits ``state.events.<field>`` with the new value when it changes):

    - ``time``: scene time, scalar astropy ``Time`` in UTC (accepts ISO strings / datetimes)
    - ``frame``: ``"gse"`` or ``"gsm"`` — the frame of the scene's axes (R_E units)
    - ``layers``: a :class:`LayerVisibility` (its fields have their own events)
    - ``styles``: a :class:`LayerStyles`: opacity and colour per layer (nested events)
    - ``camera_preset``: one of :data:`CAMERA_PRESETS`; the view moves its camera when it changes
    - ``day_night``: shade Earth's night side darker
    """

    model_config = ConfigDict(
        arbitrary_types_allowed=True, validate_assignment=True, validate_default=True, extra="forbid"
    )

    time: Time = Field(default_factory=_default_time)
    frame: SceneFrame = "gse"
    layers: LayerVisibility = Field(default_factory=LayerVisibility)
    styles: LayerStyles = Field(default_factory=LayerStyles)
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
    "LAYER_NAMES",
    "SCENE_FRAMES",
    "LayerStyle",
    "LayerStyles",
    "LayerVisibility",
    "SceneState",
    "to_utc_time",
]
