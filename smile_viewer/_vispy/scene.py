"""The 3-D scene: Earth, axes, Sun, magnetopause, bow shock, field lines, orbit, spacecraft,
SXI/UVI fields of view and the emission volume.

``SceneView`` draws an :class:`smile_viewer.state.app.AppState` (or just its
:class:`~smile_viewer.state.scene.SceneState`; the rest then takes its defaults) into a vispy
``SceneCanvas`` (its own, or one it is given) and follows the state's events: a new time
rotates the Earth, moves the spacecraft and its fields of view and re-traces the field lines;
layer switches show/hide nodes; styles change colours and opacities; a camera preset moves the
camera. It has no widgets; the Qt window puts ``view.canvas.native`` in its layout.

Coordinates: the scene frame is GSE (or GSM, ``state.frame``), unit 1 R_E, +X towards the
Sun. The Earth texture is mapped in GEO and rotated GEO → scene frame at the scene time
with ``smile_viewer.coords.rotation_matrix`` (``v_scene = R @ v_geo``). Boundary meshes and
field lines come in GSM and the emission volume in its own frame: each node's transform is
the rotation into the scene frame at the scene time.

Heavy data (boundary meshes, field lines, the emission volume) is built by the pure functions
of :mod:`smile_viewer.state.scene_data`. A change marks it stale; it is rebuilt at the next
draw (or :meth:`SceneView.flush`), so a burst of changes costs one rebuild:

- ``update_policy="sync"`` (default): built right there, on the calling thread (tests, the
  headless render, scripts);
- ``update_policy="async"``: the view emits ``data_requested(kind, request, generation)``
  with a frozen request instead; the application builds it in a worker
  (``scene_data.build(request)``) and hands the result back with
  ``view.apply_data(kind, generation, data)``; results of an older generation are dropped.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import math
from typing import ClassVar

import numpy as np
from astropy.time import Time, TimeDelta
from psygnal import EventedModel, Signal
from vispy import app as vispy_app
from vispy import scene
from vispy.visuals.text.text import FontManager

from smile_viewer._vispy.cameras import InstrumentCamera
from smile_viewer._vispy.screen_rects import rects_overlap
from smile_viewer._vispy.visuals.colorbar import HudColorBar, format_value
from smile_viewer._vispy.visuals.earth import Earth, geo_to_scene_transform
from smile_viewer._vispy.visuals.field_lines import TOPOLOGY_COLORS, TOPOLOGY_LABELS, FieldLines
from smile_viewer._vispy.visuals.fov import FieldOfView
from smile_viewer._vispy.visuals.guides import FrameAxes, SunArrow
from smile_viewer._vispy.visuals.orbit import OrbitTrack, SpacecraftMarker
from smile_viewer._vispy.visuals.sky import Sky, SkyLabels, cusp_label_points, meridian_point
from smile_viewer._vispy.visuals.surfaces import BoundarySurface
from smile_viewer._vispy.visuals.volume import EmissionVolume, GLStateReset, VolumeCompositor
from smile_viewer.coords import rotation_matrix
from smile_viewer.mission.camera import Camera
from smile_viewer.mission.orbit import default_orbit
from smile_viewer.physics import models as registry
from smile_viewer.state import scene_data as sd
from smile_viewer.state.app import AppState
from smile_viewer.state.scene import SceneState
from smile_viewer.state.scene_data import build, fov_geometry, instrument_view, log_range_for_camera

#: Colour of the observed image's field of view (set_observation_fov).
OBSERVATION_FOV_COLOR = (1.0, 0.55, 0.2)

log = logging.getLogger(__name__)

#: Canvas background (deep space blue-black; the Earth's night side stays distinguishable).
BACKGROUND = (0.015, 0.020, 0.045, 1.0)
HUD_COLOR = (0.85, 0.88, 0.95, 1.0)
HUD_DIM = (0.55, 0.60, 0.70, 1.0)
#: Through an imager: the outline of its field and the dimming of the sky outside it.
FIELD_OUTLINE_COLOR = (0.72, 0.95, 0.35, 1.0)
FIELD_MASK_COLOR = (0.0, 0.0, 0.0, 0.62)
#: Interactive quality (:meth:`SceneView.set_interactive`, while the camera moves): the emission
#: volume is ray-cast at most at this fraction of the framebuffer's resolution ...
INTERACTIVE_VOLUME_RESOLUTION = 0.2
#: ... with ray-marching steps this many times longer ...
INTERACTIVE_STEP_FACTOR = 2.5
#: ... and full quality comes back this long after the last camera event [s].
REST_DELAY_S = 0.3
#: Height of the caption band at the top of the canvas [logical pixels × pixel scale].
CAPTION_BAND = 84
EARTH_CREDIT = "Earth: NASA Blue Marble Next Generation"

#: Points along the orbit track (one period).
TRACK_POINTS = 1201

#: Kinds of data built off the GUI thread (``data_requested`` / ``apply_data``).
DATA_KINDS = ("boundaries", "field_lines", "volume")


@dataclasses.dataclass(frozen=True)
class CameraSetup:
    """A TurntableCamera placement: angles in degrees; ``scale_factor``: R_E spanned by the
    shorter side of the view (at the centre's distance); ``center`` in R_E, scene frame."""

    azimuth: float
    elevation: float
    scale_factor: float
    center: tuple[float, float, float] = (0.0, 0.0, 0.0)
    fov: float = 30.0
    roll: float = 0.0
    fit: bool = False  # centre/scale framing the scene content instead of center/scale_factor
    #: with ``fit``: frame these points (R_E, scene frame) instead of the scene's content
    frame_points: tuple[tuple[float, float, float], ...] | None = None


@dataclasses.dataclass(frozen=True)
class InstrumentViewSetup:
    """The camera at the spacecraft looking through an imager (``instrument``: "sxi" or "uvi")."""

    instrument: str = "sxi"
    fit: str = "contain"

    #: False: the camera follows SMILE's imager; True: fixed at an observed image's observer
    #: (``_vispy/observed_view.ObservedViewSetup`` overrides the three members below).
    observed: ClassVar[bool] = False

    @property
    def title(self) -> str:
        """The caption's first line ("" : the scene writes the imager's own)."""
        return ""

    @property
    def observer_at(self) -> str:
        """The caption's second line after the time ("" : SMILE and its distance)."""
        return ""

    def scene_camera(self, frame: str):
        """A fixed camera in the scene's ``frame``; None: the imager's camera at the spacecraft."""
        return None


# vispy's TurntableCamera looks from -Y at azimuth 0 (X to the right), from +X (the Sun) at
# 90° and from +Y at 180° (X, the Sun, to the left); elevation lifts the eye towards +Z.
# ``fit=True``: centre and scale are chosen to frame the orbit, the Sun arrow and the axes.
CAMERA_PRESETS: dict[str, CameraSetup | InstrumentViewSetup] = {
    "overview": CameraSetup(azimuth=150.0, elevation=22.0, scale_factor=50.0, fit=True),
    "noon_midnight": CameraSetup(azimuth=180.0, elevation=0.0, scale_factor=50.0, fit=True),
    "north": CameraSetup(azimuth=180.0, elevation=90.0, scale_factor=50.0, fit=True),
    "from_sun": CameraSetup(azimuth=70.0, elevation=12.0, scale_factor=50.0, fit=True),
    "earth": CameraSetup(azimuth=125.0, elevation=18.0, scale_factor=4.2),
    "through_sxi": InstrumentViewSetup("sxi"),
    # the whole magnetosphere, from dusk and a little above: the Sun arrow and the bow-shock nose
    # (~14 R_E) to 30 R_E down the tail, framed for any screen's aspect (the presentation view's
    # first picture; the Earth a clear globe, >= 4 % of the height on 4:3 to 16:9 screens)
    "magnetosphere": CameraSetup(
        azimuth=165.0,
        elevation=18.0,
        scale_factor=38.0,
        fit=True,
        frame_points=((20.0, 0.0, 0.0), (-30.0, 0.0, 0.0), (0.0, 0.0, 12.0), (0.0, 0.0, -12.0)),
    ),
}


def _compact_legend_text(text: str) -> str:
    """A legend entry for the compact key: the model names and descriptions left out."""
    head = text.split(",")[0].rstrip()
    return head if len(head) <= 34 else head[:33] + "…"


def camera_axes(azimuth: float, elevation: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors (right, up, forward) of a TurntableCamera in scene coordinates."""
    az, el = np.radians(azimuth), np.radians(elevation)
    right = np.array([np.cos(az), np.sin(az), 0.0])
    fwd_h = np.array([-np.sin(az), np.cos(az), 0.0])
    up = np.cos(el) * np.array([0.0, 0.0, 1.0]) + np.sin(el) * fwd_h
    forward = np.cross(up, right)
    return right, up, forward


def _rotation(src: str, dst: str, time: Time) -> np.ndarray:
    if src == dst or src == "any":
        return np.eye(3)

    r = np.asarray(rotation_matrix(time, src, dst), dtype=float)
    if r.shape != (3, 3):
        raise ValueError(f"rotation_matrix returned shape {r.shape} for a scalar time; expected (3, 3)")
    return r


def _rotation_geo_to(frame: str, time: Time) -> np.ndarray:
    return _rotation("geo", frame, time)


#: Instrument settings that the 3-D scene does not draw (a redraw costs ~100 ms on llvmpipe).
_IMAGE_ONLY_FIELDS = frozenset({"exposure_s", "pixel_grid"})


def _event_name(info) -> str | None:
    """Name of the field whose change psygnal relays in ``info`` (an EmissionInfo), if any."""
    signal = getattr(info, "signal", None)
    return getattr(signal, "name", None)


def _replaced_a_model(info) -> bool:

    args = getattr(info, "args", ())
    return bool(args) and isinstance(args[0], EventedModel)


def _as_app_state(state):
    """(AppState, SceneState) for a state that is either."""
    if isinstance(state, AppState):
        return state, state.scene
    if isinstance(state, SceneState):
        return AppState(scene=state), state
    raise TypeError(f"SceneView draws an AppState or a SceneState, got {type(state).__name__}")


class SceneView:
    """The 3-D scene of one :class:`~smile_viewer.state.app.AppState` (or SceneState).

    Parameters
    ----------
    state : AppState or SceneState
        The model to draw and follow (``view.state`` is its SceneState, ``view.app_state``
        the whole AppState).
    canvas : vispy.scene.SceneCanvas, optional
        Draw into this canvas (a new view box is added to its central widget). By default a
        canvas of ``size`` is created with ``app`` (a vispy Application or backend name).
    orbit : object with ``position(times, frame)`` and ``period_s``, optional
        The orbit to draw (default: ``smile_viewer.mission.orbit.default_orbit()``).
    pixel_scale : float
        Multiplies line widths, marker and font sizes (2 when rendering at twice the size
        and downsampling for antialiasing).
    update_policy : "sync" or "async"
        How stale data is rebuilt (see the module docstring).
    volume_resolution : float
        Fraction of the framebuffer's resolution the emission volume is ray-cast at (its
        emission and maximum-intensity modes are smooth; 0.4 keeps software OpenGL
        interactive). 1 for stills (the headless render uses 1).

    Interactive quality: while the camera moves the view draws faster and coarser
    (:meth:`set_interactive`; automatic for mouse drags and the wheel).
    """

    #: ``(kind, request, generation)``: build ``request`` (``scene_data.build``) off the GUI
    #: thread, then call ``apply_data(kind, generation, result)`` (async policy only).
    data_requested = Signal(str, object, int)
    #: ``(kind, message)``: building or placing a layer failed (the layer is left empty).
    layer_error = Signal(str, str)
    #: ``(kind,)``: new data for a layer is on screen.
    data_applied = Signal(str)
    #: ``(interactive,)``: the drawing quality changed (:meth:`set_interactive`).
    interactive_changed = Signal(bool)

    def __init__(
        self,
        state,
        canvas: scene.SceneCanvas | None = None,
        *,
        orbit=None,
        pixel_scale: float = 1.0,
        size: tuple[int, int] = (1280, 800),
        app=None,
        samples: int = 4,
        show: bool = False,
        parent=None,
        update_policy: str = "sync",
        volume_resolution: float = 0.4,
    ):
        self._app_state, self._state = _as_app_state(state)
        self._pixel_scale = float(pixel_scale)
        if update_policy not in ("sync", "async"):
            raise ValueError(f"update_policy must be 'sync' or 'async', got {update_policy!r}")
        self.update_policy = update_policy
        if orbit is None:
            orbit = default_orbit()
        self.orbit = orbit
        self.period_s = float(orbit.period_s)
        if canvas is None:
            canvas = scene.SceneCanvas(
                size=size,
                bgcolor=BACKGROUND,
                show=show,
                app=app,
                keys=None,
                parent=parent,
                config={"samples": samples} if samples else None,
                title="smile-viewer",
            )
        else:
            canvas.bgcolor = BACKGROUND
        self.canvas = canvas
        self.view = canvas.central_widget.add_view(border_width=0)
        self.turntable = scene.cameras.TurntableCamera(fov=30.0, up="+z")
        self.instrument_camera = InstrumentCamera()
        self.view.camera = self.turntable

        ps = self._pixel_scale
        root = self.view.scene
        # one font cache for every text of the view (vispy gives each text its own otherwise,
        # and renders every glyph again: over a second of the first frame on a CPU)

        self.fonts = FontManager(method="cpu")
        self.earth = Earth(day_night=self._state.day_night, parent=root)
        self.earth.order = -10  # opaque first
        # the sky (stars, Sun, Moon; drawn behind everything) and names on the scene
        self.sky = Sky(pixel_scale=ps, parent=root)
        self.sky_labels = SkyLabels(pixel_scale=ps, font_manager=self.fonts, parent=canvas.scene)
        self.sky_labels.order = 940
        self.axes = FrameAxes(
            self._state.frame, length=8.0, pixel_scale=ps, parent=root, font_manager=self.fonts
        )
        self.sun = SunArrow(start=11.0, end=17.0, pixel_scale=ps, parent=root, font_manager=self.fonts)
        self.field_lines = FieldLines(pixel_scale=ps, parent=root)
        self.orbit_track = OrbitTrack(pixel_scale=ps, parent=root)
        self.spacecraft = SpacecraftMarker("SMILE", pixel_scale=ps, parent=root, font_manager=self.fonts)
        self.emission_volume = EmissionVolume(parent=root)
        self.emission_volume.order = 4
        # draws the (additive) volume at a fraction of the resolution: llvmpipe frame rates
        self.volume_compositor = VolumeCompositor(
            self.emission_volume, canvas, scale=volume_resolution, parent=root
        )
        self.volume_compositor.order = 4
        self.bow_shock = BoundarySurface(color=(1.0, 0.6, 0.24), opacity=0.45, parent=root)
        self.bow_shock.order = 5
        self.magnetopause = BoundarySurface(color=(0.3, 0.79, 0.94), opacity=0.55, parent=root)
        self.magnetopause.order = 6
        self.sxi_fov = FieldOfView("sxi_fov", pixel_scale=ps, parent=root)
        self.sxi_fov.order = 7
        self.uvi_fov = FieldOfView("uvi_fov", color=(0.84, 0.61, 1.0), pixel_scale=ps, parent=root)
        self.uvi_fov.order = 7
        # the field of view of the observed image in the Compare dock (LEXI from the Moon, IMAGE)
        self.observation_fov = FieldOfView(
            "observation_fov", color=OBSERVATION_FOV_COLOR, pixel_scale=ps, parent=root
        )
        self.observation_fov.order = 7
        self.observation_fov.visible = False
        self.observation_fov_label = ""

        self._build_hud()
        # last in every frame: depth writes back on for the next frame's clear
        self._gl_reset = GLStateReset(parent=canvas.scene)
        self._gl_reset.order = 1_000_000
        canvas.events.resize.connect(self._on_resize)
        # Interactive quality while the camera moves (set_interactive): a mouse drag or wheel
        # switches it on, a timer REST_DELAY_S after the last one back to full quality.
        self._volume_resolution = float(volume_resolution)
        self._interactive = False
        self._rest_timer = None
        self._flush_timer = None  # async policy: stale data requested without a redraw
        canvas.events.mouse_move.connect(self._on_camera_input)
        canvas.events.mouse_wheel.connect(self._on_camera_input)
        # The orbit track writes no depth (so the spacecraft marker on it is drawn whole);
        # glClear honours the depth mask, so switch it back on before every frame's clear.
        canvas.events.draw.connect(self._restore_depth_mask, position="first")
        canvas.events.draw.connect(self._on_draw_flush, position="first")
        canvas.events.draw.connect(self._after_draw, position="last")

        self.geo_to_scene = np.eye(3)
        self.spacecraft_position = np.zeros(3)
        self.spacecraft_position_gse = np.zeros(3)
        self.cameras: dict[str, object] = {}  # instrument cameras at the scene time
        self.errors: dict[str, str] = {}
        self.notes: dict[str, str] = {}
        self.data: dict[str, object] = {}  # the data on screen, per kind
        self._data_frames: dict[str, str] = {}
        self._dirty: set[str] = set(DATA_KINDS)
        self._last_request: dict[str, object] = {}
        self._generation: dict[str, int] = {k: 0 for k in DATA_KINDS}
        self._flushing = False

        self._camera_setup: CameraSetup | InstrumentViewSetup | None = None
        self._camera_signature: tuple = ()
        self._connect()
        self._apply_layers()
        self._apply_styles()
        self._apply_volume_appearance()
        self._update_all()
        self.apply_camera_preset(self._state.camera_preset)
        self._layout_hud()

    # -- model binding ---------------------------------------------------------------------
    @property
    def state(self):
        """The SceneState drawn (time, frame, layers, styles, camera preset)."""
        return self._state

    @property
    def app_state(self):
        """The whole AppState drawn."""
        return self._app_state

    def _connect(self) -> None:
        s, a = self._state, self._app_state
        self._bindings = [
            (s.events.time, self._on_time),
            (s.events.frame, self._on_frame),
            (s.events.camera_preset, self.apply_camera_preset),
            (s.events.day_night, self._on_day_night),
            (s.events.layers, self._on_layers_replaced),
            (s.events.styles, self._on_styles_replaced),
            (a.model.events, self._on_model_event),
            (a.instruments.events, self._on_instruments_event),
            (a.volume.events, self._on_volume_event),
        ]
        for sig, cb in self._bindings:
            sig.connect(cb)
        # nested models: connect to every leaf group (psygnal relays only direct fields)
        self._nested: list[tuple[object, object]] = []
        self._bind_nested(s.layers, self._on_layer_event)
        self._bind_styles(s.styles)
        for sub in (a.model.solar_wind, a.model.models, a.model.field_lines):
            self._bind_nested(sub, self._on_model_event)
        for inst in (a.instruments.sxi, a.instruments.uvi):
            self._bind_nested(inst, self._on_instruments_event)
            self._bind_nested(inst.pointing, self._on_instruments_event)
        self._layers_model = s.layers

    def _bind_nested(self, model, callback) -> None:
        model.events.connect(callback)
        self._nested.append((model, callback))

    def _bind_styles(self, styles) -> None:
        self._styles_model = styles
        for name in styles.names():
            self._bind_nested(getattr(styles, name), self._on_style_event)

    def _unbind_nested(self, models=None) -> None:
        keep = []
        for model, cb in self._nested:
            if models is None or model in models:
                model.events.disconnect(cb, missing_ok=True)
            else:
                keep.append((model, cb))
        self._nested = keep

    def disconnect(self) -> None:
        """Stop following the state (call before dropping the view)."""
        for sig, cb in self._bindings:
            sig.disconnect(cb, missing_ok=True)
        self._unbind_nested()

    # -- events ----------------------------------------------------------------------------
    def _on_time(self, _time=None) -> None:
        self._update_all()

    def _on_frame(self, frame: str) -> None:
        self.axes.set_frame(frame)
        self._update_all()

    def _on_day_night(self, value: bool) -> None:
        self.earth.day_night = value
        self.canvas.update()

    def _on_layers_replaced(self, layers) -> None:
        self._unbind_nested([self._layers_model])
        self._layers_model = layers
        self._bind_nested(layers, self._on_layer_event)
        self._apply_layers()

    def _on_styles_replaced(self, styles) -> None:
        old = [getattr(self._styles_model, n) for n in self._styles_model.names()]
        self._unbind_nested(old)
        self._bind_styles(styles)
        self._apply_styles()

    def _on_layer_event(self, _info=None) -> None:
        self._apply_layers()
        self.canvas.update()  # a layer switched on builds its stale data at the next draw

    def _on_style_event(self, _info=None) -> None:
        self._apply_styles()

    def _on_model_event(self, info=None) -> None:
        if _replaced_a_model(info):
            self._rebind()
        self._mark_dirty(*DATA_KINDS)

    def _on_instruments_event(self, info=None) -> None:
        if _event_name(info) in _IMAGE_ONLY_FIELDS:
            return  # exposure and pixel grid change the images, not the 3-D scene: no redraw
        if _replaced_a_model(info):
            self._rebind()
        self._update_instruments()
        self._update_hud_text(self._state.time, self._state.frame)
        self.canvas.update()

    def _rebind(self) -> None:
        """Follow nested models that were replaced (not just changed)."""
        self.disconnect()
        self._connect()

    def _on_volume_event(self, info=None) -> None:
        name = getattr(getattr(info, "signal", None), "name", None)
        if name in ("shape", "bounds_re", "frame", None):
            self._mark_dirty("volume")
        self._apply_volume_appearance()

    def _mark_dirty(self, *kinds: str) -> None:
        self._dirty.update(kinds)
        if self.update_policy == "async":
            # Request the new data at once (one burst of changes merges into one request)
            # instead of redrawing the old picture first: on software OpenGL that frame
            # would hold the GUI thread for a few hundred ms before the images' jobs start.
            # The frame comes when the data do (apply_data).
            if self._flush_timer is None:
                self._flush_timer = vispy_app.Timer(
                    interval=0.0, iterations=1, start=False, app=self.canvas.app, connect=self._flush_soon
                )
            if not self._flush_timer.running:
                self._flush_timer.start(iterations=1)
        else:
            self.canvas.update()

    def _flush_soon(self, _event=None) -> None:
        if self._dirty:
            self.flush()

    # -- layers and styles -----------------------------------------------------------------
    def _apply_layers(self) -> None:
        lay = self._state.layers
        through = isinstance(self._camera_setup, InstrumentViewSetup)
        self.earth.visible = lay.earth
        self.axes.visible = lay.axes and not through  # (SXI's law puts the X axis mid-field)
        self.sun.visible = lay.sun
        self.orbit_track.visible = lay.orbit
        self.spacecraft.visible = lay.spacecraft and not through
        self.magnetopause.visible = lay.magnetopause
        self.bow_shock.visible = lay.bow_shock
        self.field_lines.visible = lay.field_lines
        self.sxi_fov.visible = lay.sxi_fov and not through
        self.observation_fov.visible = self._observation_fov_shown()
        self.uvi_fov.visible = lay.uvi_fov
        self.sky.visible = lay.stars
        self.sky_labels.visible = lay.sky_labels
        if lay.stars and hasattr(self, "cameras"):
            self._update_sky()
        self._route_volume()
        self.hud.visible = lay.labels
        if hasattr(self, "cameras"):
            self._update_volume_view()
        self._update_legend()
        self.canvas.update()

    @property
    def volume_resolution(self) -> float:
        """Fraction of the framebuffer's resolution the emission volume is ray-cast at at full
        quality (1: full; while interactive it is at most :data:`INTERACTIVE_VOLUME_RESOLUTION`)."""
        return self._volume_resolution

    @volume_resolution.setter
    def volume_resolution(self, value: float) -> None:
        self._volume_resolution = float(value)
        self._apply_quality()

    # -- interactive quality ---------------------------------------------------------------
    @property
    def interactive(self) -> bool:
        """True while the view draws at interactive quality (:meth:`set_interactive`)."""
        return self._interactive

    def set_interactive(self, on: bool, *, rest_after_s: float | None = None) -> None:
        """Draw at interactive quality (``on``) or at full quality.

        Interactive quality keeps software OpenGL fluid while the camera moves: the emission
        volume is ray-cast at most at :data:`INTERACTIVE_VOLUME_RESOLUTION` of the
        framebuffer's resolution with steps :data:`INTERACTIVE_STEP_FACTOR` times longer, and
        the translucent boundaries draw their near side only (both sides while the eye is
        inside one). Mouse drags and the wheel on the canvas switch it on by themselves and
        back to full quality :data:`REST_DELAY_S` after the last one. Code that moves the
        camera itself (a tour, a presentation) calls ``set_interactive(True)`` when the motion
        starts and ``set_interactive(False)`` when it stops, or
        ``set_interactive(True, rest_after_s=REST_DELAY_S)`` at every step: full quality then
        comes back that long after the last step. :meth:`render` (stills, movie frames)
        always draws at full quality. ``interactive_changed`` is emitted on a change.
        """
        on = bool(on)
        if on and rest_after_s is not None:
            self._rest_later(rest_after_s)
        elif not on and self._rest_timer is not None:
            self._rest_timer.stop()
        if on == self._interactive:
            return
        self._interactive = on
        self._apply_quality()
        self._choose_surface_sides()
        self.interactive_changed.emit(on)

    def _apply_quality(self) -> None:
        """Volume resolution, ray step and surface sides for the current quality."""
        on = self._interactive
        res = self._volume_resolution
        self.volume_compositor.scale = min(res, INTERACTIVE_VOLUME_RESOLUTION) if on else res
        step = float(self._app_state.volume.step_voxels)
        self.emission_volume.step_voxels = step * INTERACTIVE_STEP_FACTOR if on else step
        if not on:
            for surface in (self.magnetopause, self.bow_shock):
                surface.near_side_only = False
        self._route_volume()
        self.canvas.update()

    def _choose_surface_sides(self) -> None:
        """While interactive, each boundary draws its near side only unless the eye is inside it."""
        if not self._interactive or not isinstance(self.view.camera, scene.cameras.TurntableCamera):
            return
        eye = np.asarray(self.view.camera.transform.map([0.0, 0.0, 0.0, 1.0]), dtype=float)
        eye = eye[:3] / eye[3]
        for surface in (self.magnetopause, self.bow_shock):
            if surface.visible:
                local = np.asarray(surface.transform.imap(eye), dtype=float)
                surface.near_side_only = not surface.contains(local[:3] / local[3])

    def _on_camera_input(self, event=None) -> None:
        """A mouse drag or wheel on the canvas (the camera moves): interactive quality."""
        if event is not None and event.type == "mouse_move" and not getattr(event, "is_dragging", False):
            return
        self.set_interactive(True, rest_after_s=REST_DELAY_S)

    def _rest_later(self, delay_s: float = REST_DELAY_S) -> None:
        if self._rest_timer is None:
            self._rest_timer = vispy_app.Timer(
                interval=delay_s,
                iterations=1,
                start=False,
                app=self.canvas.app,
                connect=lambda _e: self.set_interactive(False),
            )
        self._rest_timer.stop()
        self._rest_timer.interval = float(delay_s)
        self._rest_timer.start(iterations=1)

    def _route_volume(self) -> None:
        """The volume draws itself (full resolution, isosurface) or through the compositor."""
        on = bool(self._state.layers.emission_volume)
        via = self.volume_compositor.active
        self.volume_compositor.visible = on and via
        self.emission_volume.visible = on and not via

    def _apply_styles(self) -> None:
        st = self._state.styles
        self.magnetopause.set_color(st.magnetopause.rgba(default=(0.3, 0.79, 0.94)))
        self.bow_shock.set_color(st.bow_shock.rgba(default=(1.0, 0.6, 0.24)))
        self.field_lines.opacity = st.field_lines.opacity
        if st.field_lines.color is not None:
            self.field_lines.colors = np.repeat(np.array([st.field_lines.rgba()[:3]], np.float32), 5, axis=0)
        else:
            self.field_lines.colors = TOPOLOGY_COLORS.copy()
        self.field_lines.opacity = st.field_lines.opacity  # re-upload with the colours
        self.sxi_fov.set_color(st.sxi_fov.rgba(default=(0.72, 0.95, 0.35)))
        self.sxi_fov.opacity = st.sxi_fov.opacity
        self.uvi_fov.set_color(st.uvi_fov.rgba(default=(0.84, 0.61, 1.0)))
        self.uvi_fov.opacity = st.uvi_fov.opacity
        self.emission_volume.opacity = st.emission_volume.opacity
        self.orbit_track.set_style(st.orbit.rgba(default=(0.55, 0.90, 1.00)))
        self.sun.set_style(st.sun.rgba(default=(1.0, 0.82, 0.20)))
        self.axes.set_opacity(st.axes.opacity)
        self.sky.set_brightness(st.stars.opacity)
        self.sky_labels.set_style(st.sky_labels.rgba(default=(0.92, 0.94, 1.0)))
        self._update_legend()
        self.canvas.update()

    def _apply_volume_appearance(self) -> None:
        vs = self._app_state.volume
        ev = self.emission_volume
        if ev.mode != vs.render_mode:
            ev.set_mode(vs.render_mode)
            self._route_volume()
        if ev.cmap_name != vs.colormap:
            ev.set_cmap(vs.colormap)
        ev.step_voxels = vs.step_voxels * (INTERACTIVE_STEP_FACTOR if self._interactive else 1.0)
        ev.iso_fraction = vs.iso_fraction
        if ev.set_texture_limits(vs.texture_max_nodes, vs.texture_budget_mib):
            self._update_legend()
        ev.log_range = vs.log_range
        self._update_colorbar()
        self.canvas.update()

    # -- data (built by state.scene_data, off the GUI thread when async) -------------------
    def _wanted(self, kind: str) -> bool:
        lay = self._state.layers
        if kind == "boundaries":
            return lay.magnetopause or lay.bow_shock
        if kind == "field_lines":
            return lay.field_lines
        return lay.emission_volume

    def _request(self, kind: str):

        if kind == "boundaries":
            return sd.boundary_request(self._app_state)
        if kind == "field_lines":
            return sd.field_line_request(self._app_state)
        return sd.volume_request(self._app_state)

    def flush(self) -> None:
        """Rebuild (sync) or request (async) every stale layer that is shown."""
        if self._flushing:
            return
        self._flushing = True
        try:
            for kind in DATA_KINDS:
                if kind not in self._dirty or not self._wanted(kind):
                    continue
                self._dirty.discard(kind)
                try:
                    request = self._request(kind)
                except Exception as exc:  # a bad input: say so, keep the old picture
                    self._report(kind, exc)
                    continue
                if self._last_request.get(kind) == request:
                    continue
                self._last_request[kind] = request
                self._generation[kind] += 1
                gen = self._generation[kind]
                if self.update_policy == "async":
                    self.data_requested.emit(kind, request, gen)
                    continue

                try:
                    data = build(request)
                except Exception as exc:
                    self._report(kind, exc)
                    continue
                self.apply_data(kind, gen, data)
        finally:
            self._flushing = False

    def _report(self, kind: str, exc: Exception) -> None:
        msg = f"{type(exc).__name__}: {exc}" if not isinstance(exc, ValueError) else str(exc)
        log.warning("scene layer %s: %s", kind, msg)
        self.errors[kind] = msg
        self._last_request.pop(kind, None)
        self.layer_error.emit(kind, msg)
        self._update_legend()

    def generation(self, kind: str) -> int:
        """The generation of the latest request of ``kind``."""
        return self._generation[kind]

    def apply_data(self, kind: str, generation: int, data) -> bool:
        """Show data built for ``kind``; False (and nothing changes) when ``generation`` is
        older than the latest request's (a stale result)."""
        if kind not in DATA_KINDS:
            raise ValueError(f"unknown data kind {kind!r}; expected one of {DATA_KINDS}")
        if generation != self._generation[kind]:
            return False
        self.errors.pop(kind, None)
        self.data[kind] = data
        if kind == "boundaries":
            self._show_boundaries(data)
        elif kind == "field_lines":
            fl = data
            self.field_lines.set_data(fl.points, fl.offsets, fl.topology)
            self._data_frames["field_lines"] = fl.frame
        else:
            vol = data
            vs = self._app_state.volume  # a grid beyond these limits is shown as block means
            self.emission_volume.set_texture_limits(vs.texture_max_nodes, vs.texture_budget_mib, upload=False)
            self.emission_volume.set_volume(vol.values, vol.origin_re, vol.spacing_re)
            self._data_frames["volume"] = vol.frame
        self._place_data()
        if kind == "volume":
            self._route_volume()
            self._update_volume_view()
            self._apply_volume_appearance()
        self._update_legend()
        self.canvas.update()
        self.data_applied.emit(kind)
        return True

    def _show_boundaries(self, meshes) -> None:
        for node, mesh, key in (
            (self.magnetopause, meshes.magnetopause, "magnetopause"),
            (self.bow_shock, meshes.bow_shock, "bow_shock"),
        ):
            if mesh is None:
                node.clear()
                continue
            node.set_data(mesh.vertices, mesh.faces, mesh.normals)
            self._data_frames[key] = mesh.frame
        self.notes["solar_wind"] = meshes.note

    def _place_data(self) -> None:
        """Rotate the data nodes from their frames into the scene frame at the scene time."""
        t, frame = self._state.time, self._state.frame
        for key, node in (
            ("magnetopause", self.magnetopause),
            ("bow_shock", self.bow_shock),
            ("field_lines", self.field_lines),
        ):
            src = self._data_frames.get(key, "any")
            node.transform = geo_to_scene_transform(_rotation(src, frame, t))
        src = self._data_frames.get("volume", frame)
        self.emission_volume.set_frame_rotation(_rotation(src, frame, t))

    # -- camera ----------------------------------------------------------------------------
    def apply_camera_preset(self, name: str) -> None:
        """Move the camera to a named preset (see ``CAMERA_PRESETS``)."""
        try:
            setup = CAMERA_PRESETS[name]
        except KeyError:
            choices = ", ".join(CAMERA_PRESETS)
            raise ValueError(f"unknown camera preset {name!r}; choose from {choices}") from None
        if isinstance(setup, InstrumentViewSetup):
            self.set_instrument_view(setup)
        else:
            self.set_camera(setup)

    def set_camera(self, setup: CameraSetup) -> None:
        """Place the turntable camera; with ``setup.fit`` frame the orbit, axes and Sun arrow."""
        cam = self.turntable
        if self.view.camera is not cam:
            self.view.camera = cam
        cam.fov = setup.fov
        cam.azimuth = setup.azimuth
        cam.elevation = setup.elevation
        cam.roll = setup.roll
        cam.distance = None
        was_through = isinstance(self._camera_setup, InstrumentViewSetup)
        self._camera_setup = setup
        if setup.fit:
            if "boundaries" in self._dirty and self.update_policy == "sync":
                self.flush()  # the magnetopause is part of the framing
            center, scale = self._fit(setup)
        else:
            center, scale = np.asarray(setup.center, float), float(setup.scale_factor)
        cam.scale_factor = scale
        cam.center = tuple(float(v) for v in center)
        self._camera_signature = self._camera_state()
        if was_through:
            self._apply_layers()
            self._update_hud_text(self._state.time, self._state.frame)
        self._update_volume_view()
        self.canvas.update()

    def set_instrument_view(self, setup: InstrumentViewSetup | str = "sxi") -> None:
        """Look through an imager from the spacecraft (follows the spacecraft in time)."""
        if isinstance(setup, str):
            setup = InstrumentViewSetup(setup)
        if setup.instrument not in ("sxi", "uvi") and not setup.observed:
            raise ValueError(f"unknown instrument {setup.instrument!r}; use 'sxi' or 'uvi'")
        self._camera_setup = setup
        cam = self.instrument_camera
        cam.fit = setup.fit
        if self.view.camera is not cam:
            self.view.camera = cam
        self._update_instrument_camera()
        self._apply_layers()
        self._update_hud_text(self._state.time, self._state.frame)
        self.canvas.update()

    def _update_instrument_camera(self) -> None:
        setup = self._camera_setup
        if isinstance(setup, InstrumentViewSetup):
            fixed = setup.scene_camera(self._state.frame)  # at an observation (observed_view.py)
            if fixed is not None:
                self.cameras[setup.instrument] = fixed
            cam = self.cameras.get(setup.instrument)
            if cam is not None:
                self.instrument_camera.set_camera(cam)
        self._update_volume_view()

    def _update_volume_view(self) -> None:
        """Through an imager the emission volume is the synthetic image (plain colour map);
        from outside it is a glow (faint gas fades out). Either way its automatic colour range
        comes from a few hundred rays of the current camera (the imager's, or the preset's)."""
        ev = self.emission_volume
        setup = self._camera_setup
        through = isinstance(setup, InstrumentViewSetup)
        ev.glow_power = 0.0 if through else 1.5
        hint = None
        vol = self.data.get("volume")
        if (
            vol is not None
            and self._state.layers.emission_volume
            and ev.mode == "emission"
            and self._app_state.volume.log_range is None
        ):
            try:
                cam = self.cameras.get(setup.instrument) if through else self._turntable_as_camera()
                if cam is not None:
                    r = _rotation(vol.frame, self._state.frame, self._state.time)  # volume → scene
                    cam_v = cam.with_(
                        position_re=r.T @ cam.position_re, rotation=r.T @ cam.rotation, frame=vol.frame
                    )
                    hint = log_range_for_camera(vol, cam_v, low_percentile=1.0 if through else 10.0)
            except Exception as exc:  # an estimate only: fall back to the data's own range
                log.debug("no colour range from the camera's rays: %s", exc)
        ev.set_auto_range_hint(hint)
        self._update_colorbar()

    def _turntable_as_camera(self, rows: int = 24):
        """The turntable's current view as a coarse ``mission.camera.Camera`` (scene frame)."""
        cam = self.turntable
        if not cam.fov:
            return None
        tr = cam.transform
        eye = tr.map([0.0, 0.0, 0.0])[:3]
        right = tr.map([1.0, 0.0, 0.0])[:3] - eye
        up = tr.map([0.0, 1.0, 0.0])[:3] - eye
        fwd = tr.map([0.0, 0.0, -1.0])[:3] - eye
        rot = np.column_stack(
            [right / np.linalg.norm(right), -up / np.linalg.norm(up), fwd / np.linalg.norm(fwd)]
        )
        w, h = (max(float(v), 1.0) for v in self.canvas.size)
        fy = float(cam.fov)
        fx = float(np.degrees(2.0 * np.arctan(np.tan(np.radians(fy) / 2.0) * w / h)))
        if not (0 < fx < 179):
            return None
        cols = max(4, int(round(rows * w / h)))
        return Camera(
            position_re=eye, rotation=rot, fov_deg=(fx, fy), shape=(rows, cols), frame=self._state.frame
        )

    def _camera_state(self) -> tuple:
        cam = self.turntable
        return (
            round(cam.azimuth, 6),
            round(cam.elevation, 6),
            round(cam.scale_factor, 6),
            tuple(round(float(v), 6) for v in cam.center),
            round(cam.fov, 6),
        )

    def _content_points(self) -> np.ndarray:
        """Points the framing presets keep in view (R_E, scene frame): the Earth, and of the
        shown layers the orbit, the axes and the Sun arrow; without the orbit, the
        magnetopause's dayside instead (the boundaries themselves are larger than any view)."""
        lay = self._state.layers
        pts = [np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)]
        if lay.orbit and self.orbit_track.positions.size:
            pts.append(self.orbit_track.positions)
        if lay.axes:
            pts.append(np.eye(3) * self.axes.length * 1.15)
        if lay.sun:
            pts.append(np.array([[self.sun.end + 2.5, 0.0, 0.0]]))
        meshes = self.data.get("boundaries")
        if not lay.orbit and lay.magnetopause and meshes is not None and meshes.magnetopause is not None:
            r0 = meshes.magnetopause.standoff_re
            pts.append(np.array([[r0, 0, 0], [0, r0, 0], [0, -r0, 0], [0, 0, r0], [0, 0, -r0]], float))
        if len(pts) == 1:  # nothing but the Earth: the near magnetosphere
            pts.append(np.array([[x, y, z] for x in (-12, 12) for y in (-12, 12) for z in (-12, 12)], float))
        return np.vstack(pts)

    def _fit(self, setup: CameraSetup, margin: float = 1.08) -> tuple[np.ndarray, float]:
        """Centre and scale factor that frame the content for this camera direction.

        The content goes into the canvas less a band at the top for the caption.
        """
        w, h = (max(int(v), 1) for v in self.canvas.size)
        ps = self._pixel_scale
        top = (CAPTION_BAND * ps) if self._state.layers.labels else 12 * ps
        bottom = 24 * ps
        box_w, box_h = max(w - 24 * ps, 1), max(h - top - bottom, 1)
        box_cx, box_cy = w / 2, top + box_h / 2
        right, up, _forward = camera_axes(setup.azimuth, setup.elevation)
        pts = np.asarray(setup.frame_points, float) if setup.frame_points else self._content_points()
        a, b = pts @ right, pts @ up
        center = 0.5 * (a.min() + a.max()) * right + 0.5 * (b.min() + b.max()) * up
        scale = max(b.max() - b.min(), (a.max() - a.min()) * h / w) * margin
        # Refine with the real (perspective) projection: near points look bigger.
        cam = self.turntable
        for _ in range(3):
            cam.scale_factor = scale
            cam.center = tuple(center)
            px = self.project(pts)
            if not np.all(np.isfinite(px)):
                break
            (x0, y0), (x1, y1) = px.min(0), px.max(0)
            ratio = max((x1 - x0) / box_w, (y1 - y0) / box_h) * margin
            dx, dy = 0.5 * (x0 + x1) - box_cx, 0.5 * (y0 + y1) - box_cy
            center = center + (scale / h) * (dx * right - dy * up)
            scale = scale * min(max(ratio, 0.2), 5.0)
        return center, scale

    def _on_resize(self, event=None) -> None:
        self._layout_hud()
        # Keep a framing preset framed while the user has not moved the camera; again at the
        # next draw, when the view box has its new size (during the canvas's resize event it may
        # not, and the fit then left the orbit under the caption).
        setup = getattr(self, "_camera_setup", None)
        if isinstance(setup, CameraSetup) and setup.fit and self._camera_state() == self._camera_signature:
            self.set_camera(setup)
            self._refit_at_draw = True

    # -- updates ---------------------------------------------------------------------------
    def _update_all(self) -> None:
        t = self._state.time
        frame = self._state.frame
        self._update_earth(t, frame)
        self._update_orbit(t, frame)
        self._update_instruments()
        self._update_sky()
        try:
            self._place_data()
        except Exception as exc:  # pragma: no cover - a frame rotation failing
            self._report("frames", exc)
        self._mark_dirty(*DATA_KINDS)  # field lines follow the tilt; OMNI follows time
        self._update_hud_text(t, frame)
        self.canvas.update()

    def _update_earth(self, t: Time, frame: str) -> None:
        r = _rotation_geo_to(frame, t)
        self.geo_to_scene = r
        self.earth.transform = geo_to_scene_transform(r)
        # The Sun is along +X of GSE and GSM: in GEO it is R^T x̂.
        self.earth.set_sun_direction_geo(r.T @ np.array([1.0, 0.0, 0.0]))

    def _update_orbit(self, t: Time, frame: str) -> None:
        # One period centred on the scene time (a few ms for the default orbit).
        p = self.period_s
        offsets = np.linspace(-0.5 * p, 0.5 * p, TRACK_POINTS)
        times = t + TimeDelta(offsets, format="sec")
        pos = np.asarray(self.orbit.position(times, frame=frame), dtype=float)
        self.orbit_track.set_track(pos, offsets, p)
        sc = np.asarray(self.orbit.position(t, frame=frame), dtype=float).reshape(3)
        self.spacecraft_position = sc
        self.spacecraft_position_gse = (
            sc if frame == "gse" else np.asarray(self.orbit.position(t, frame="gse"), dtype=float).reshape(3)
        )
        self.spacecraft.set_position(sc)

    def _observation_fov_shown(self) -> bool:
        """An observed image's field is drawn while one is set, but not while looking from its
        observer (the eye at the field's apex: its faces would cover the whole view)."""
        setup = self._camera_setup
        return bool(self.observation_fov_label) and not (
            isinstance(setup, InstrumentViewSetup) and setup.observed
        )

    def set_observation_fov(self, camera, *, time=None, label: str = "") -> None:
        """Draw the field of view of an observed image's camera (``camera``: a mission Camera, in
        its own frame, e.g. LEXI's from the Blue Ghost 1 site) from the observer out to the
        Earth's distance, in the scene's frame at ``time`` (the observation's); None hides it."""
        if camera is None:
            self.observation_fov.visible = False
            self.observation_fov_label = ""
            self._update_legend()
            self.canvas.update()
            return
        frame = self._state.frame
        pos = np.asarray(camera.position_re, dtype=float)
        rot = np.asarray(camera.rotation, dtype=float)
        if camera.frame != frame:
            m = np.asarray(
                rotation_matrix(time if time is not None else self._state.time, camera.frame, frame)
            )
            pos, rot = m @ pos, m @ rot
        cam = camera.with_(position_re=pos, rotation=rot, rays=None, frame=frame)
        g = fov_geometry(cam, max(float(np.linalg.norm(pos)), 1.0))
        self.observation_fov.set_geometry(g.apex, g.rim, g.faces, g.edges)
        self.observation_fov_label = str(label) or "observed field"
        self.observation_fov.visible = self._observation_fov_shown()
        self._update_legend()
        self.canvas.update()

    def _update_instruments(self) -> None:
        """The SXI and UVI cameras and field-of-view solids at the scene time."""
        for name, node in (("sxi", self.sxi_fov), ("uvi", self.uvi_fov)):
            try:
                cam, length = instrument_view(self._app_state, name, self.spacecraft_position_gse)
            except Exception as exc:
                self.cameras.pop(name, None)
                node.set_geometry(np.zeros(3), np.zeros((0, 3)), np.zeros((0, 3)), np.zeros((0, 3)))
                self._report(f"{name}_fov", exc)
                continue
            self.errors.pop(f"{name}_fov", None)
            self.cameras[name] = cam
            g = fov_geometry(cam, length)
            node.set_geometry(g.apex, g.rim, g.faces, g.edges)
        self._update_instrument_camera()

    def _update_hud_text(self, t: Time, frame: str) -> None:
        r = float(np.linalg.norm(self.spacecraft_position))
        setup = self._camera_setup
        if isinstance(setup, InstrumentViewSetup) and setup.title:
            self.hud_title.text = setup.title  # through an observed image's instrument
        elif isinstance(setup, InstrumentViewSetup):
            cam = self.cameras.get(setup.instrument)
            fov = f"{cam.fov_deg[0]:g}° × {cam.fov_deg[1]:g}°" if cam is not None else ""
            roll = getattr(self._app_state.instruments, setup.instrument).pointing.roll_deg
            self.hud_title.text = (
                f"Through {setup.instrument.upper()} from SMILE  ·  {fov} field, roll {roll:+.0f}°"
            )
        else:
            self.hud_title.text = f"SMILE orbit  ·  {frame.upper()} frame, 1 unit = 1 Earth radius"
        where = setup.observer_at if isinstance(setup, InstrumentViewSetup) else ""
        where = where or f"SMILE at {r:.1f} R_E"
        self.hud_time.text = f"{t.utc.strftime('%Y-%m-%d %H:%M')} UTC    {where}"

    # -- HUD: caption, legend, colour bar --------------------------------------------------
    @property
    def hud_scale(self) -> float:
        """Size of the caption, legend and colour bar relative to the view's pixel scale."""
        return getattr(self, "_hud_scale", 1.0)

    def set_hud_scale(self, scale: float) -> None:
        """Grow (or shrink) the caption, legend and colour bar type and margins by ``scale``
        (presentation mode: readable from the back of a room); 1 is the normal size."""
        scale = float(scale)
        if not 0.25 <= scale <= 8.0:
            raise ValueError(f"HUD scale must be in 0.25..8, got {scale:g}")
        base = getattr(self, "_base_pixel_scale", self._pixel_scale)
        self._base_pixel_scale = base
        self._hud_scale = scale
        ps = self._pixel_scale = base * scale
        for text, size in ((self.hud_title, 13), (self.hud_time, 11), (self.hud_credit, 8)):
            text.font_size = size * ps
        for label in (self.colorbar.title, self.colorbar.low, self.colorbar.high):
            label.font_size = 8.5 * ps
        self._update_legend()  # lays the HUD out again with the new size
        if isinstance(self._camera_setup, CameraSetup) and self._camera_setup.fit:
            self.set_camera(self._camera_setup)  # the caption band changed: frame again
        self.canvas.update()

    def _build_hud(self) -> None:
        ps = self._pixel_scale
        canvas = self.canvas
        # Caption in canvas pixels (not part of the 3-D scene).
        self.hud = scene.Node(parent=canvas.scene, name="hud")
        self.hud.order = 950  # over the through-imager frame and its dimmed surroundings
        self.hud_title = scene.visuals.Text(
            "",
            color=HUD_COLOR,
            font_size=13 * ps,
            bold=True,
            anchor_x="left",
            anchor_y="bottom",
            parent=self.hud,
            font_manager=self.fonts,
        )
        self.hud_time = scene.visuals.Text(
            "",
            color=HUD_COLOR,
            font_size=11 * ps,
            anchor_x="left",
            anchor_y="bottom",
            parent=self.hud,
            font_manager=self.fonts,
        )
        self.hud_credit = scene.visuals.Text(
            EARTH_CREDIT,
            color=HUD_DIM,
            font_size=8 * ps,
            anchor_x="left",
            anchor_y="bottom",
            parent=self.hud,
            font_manager=self.fonts,
        )
        self.legend = scene.Node(parent=self.hud, name="legend")
        self.legend_panel = scene.visuals.Rectangle(
            center=(0, 0), width=10, height=10, color=(0.0, 0.0, 0.02, 0.55), parent=self.legend
        )
        self.legend_panel.order = -1
        self.legend_items: list = []
        self._legend_full: dict[int, str] = {}  # each item's full text (the compact key shortens it)
        self.colorbar = HudColorBar(
            self.emission_volume.cmap_name,
            font_size=8.5 * ps,
            color=HUD_COLOR,
            parent=self.hud,
            font_manager=self.fonts,
        )
        self.colorbar.visible = False
        # Through an imager: the field outlined, the sky outside it dimmed (the view then has the
        # field's aspect, like the image panel). Canvas pixels, drawn whether or not labels are on.
        self.field_frame = scene.Node(parent=canvas.scene, name="field_frame")
        self.field_frame.order = 900
        self.field_mask = [
            scene.visuals.Rectangle(
                center=(0, 0), width=10, height=10, color=FIELD_MASK_COLOR, parent=self.field_frame
            )
            for _ in range(2)
        ]
        self.field_outline = scene.visuals.Line(
            pos=np.zeros((5, 2), np.float32),
            color=FIELD_OUTLINE_COLOR,
            width=2.0 * ps,
            method="gl",
            parent=self.field_frame,
        )
        self.field_frame.visible = False

    def _legend_entries(self) -> list[tuple[str, tuple]]:
        lay = self._state.layers
        st = self._state.styles
        entries: list[tuple[str, tuple]] = []
        if lay.magnetopause:
            name = registry.boundary_model(self._app_state.model.models.boundary_model).title
            entries.append((f"——  magnetopause, {name}", st.magnetopause.rgba((0.3, 0.79, 0.94))[:3]))
        if lay.bow_shock:
            name = registry.boundary_model(registry.BOW_SHOCK_MODEL, "bow_shock").title
            entries.append((f"——  bow shock, {name}", st.bow_shock.rgba((1.0, 0.6, 0.24))[:3]))
        if lay.field_lines:
            fl = self.data.get("field_lines")
            what = f", {fl.description}" if fl is not None else ""
            entries.append((f"field lines{what}", HUD_COLOR[:3]))
            counts = fl.counts if fl is not None else {}
            for code, label in enumerate(TOPOLOGY_LABELS[:4]):
                key = ("closed", "open_north", "open_south", "imf")[code]
                if fl is not None and counts.get(key, 0) == 0:
                    continue
                color = self.field_lines.colors[code]
                entries.append((f"   ——  {label}", tuple(float(c) for c in color)))
        if lay.sxi_fov and not isinstance(self._camera_setup, InstrumentViewSetup):
            entries.append(("——  SXI field of view", st.sxi_fov.rgba((0.72, 0.95, 0.35))[:3]))
        if lay.uvi_fov:
            entries.append(("——  UVI field of view", st.uvi_fov.rgba((0.84, 0.61, 1.0))[:3]))
        if self.observation_fov.visible:
            label = self.observation_fov_label or "observed image"
            entries.append((f"——  {label} field of view", OBSERVATION_FOV_COLOR))
        for kind, msg in self.errors.items():
            entries.append((f"{kind}: {msg[:90]}", (1.0, 0.45, 0.4)))
        if lay.emission_volume and self.emission_volume.has_data and self.emission_volume.texture_note:
            entries.append((self.emission_volume.texture_note, HUD_DIM[:3]))
        note = self.notes.get("solar_wind")
        if note:
            entries.append((note[:100], HUD_DIM[:3]))
        return entries

    def _update_legend(self) -> None:
        if not hasattr(self, "legend"):
            return
        entries = self._legend_entries()
        ps = self._pixel_scale
        while len(self.legend_items) < len(entries):
            self.legend_items.append(
                scene.visuals.Text(
                    "",
                    color=HUD_COLOR,
                    font_size=9.5 * ps,
                    anchor_x="right",
                    anchor_y="bottom",
                    parent=self.legend,
                    font_manager=self.fonts,
                )
            )
        for i, item in enumerate(self.legend_items):
            if i < len(entries):
                text, color = entries[i]
                self._legend_full[id(item)] = text
                item.text = text
                item.color = (*color[:3], 1.0)
                item.visible = True
            else:
                item.visible = False
        self._layout_hud()

    def _update_colorbar(self) -> None:
        if not hasattr(self, "colorbar"):
            return
        ev = self.emission_volume
        show = self._state.layers.emission_volume and ev.has_data and ev.mode != "iso"
        self.colorbar.visible = bool(show)
        if show:
            lo, hi = ev.log_range
            self.colorbar.set_cmap(ev.cmap_name)
            if ev.mode == "emission":
                title = "soft X-ray intensity, keV/(cm² s sr), log scale"
            else:
                title = "largest emissivity on the ray, eV/(cm³ s), log scale"
            self.colorbar.set_labels(title, format_value(10.0**lo), format_value(10.0**hi))
        self._layout_hud()

    def _layout_hud(self, event=None) -> None:
        if not hasattr(self, "hud_title"):
            return
        w, h = self.canvas.size
        ps = self._pixel_scale
        self.hud_title.pos = (14 * ps, 34 * ps)
        self.hud_time.pos = (14 * ps, 58 * ps)
        self.hud_credit.pos = (14 * ps, h - 22 * ps)  # (a "bottom" anchor hangs the text below)
        # The key is always shown. On a roomy canvas: full entries at the top right; on a
        # narrow one (the default layout): a compact key (short names, smaller type) at the
        # bottom right, where it hides the least of the scene and none of the caption.
        roomy = w >= 760 * ps and h >= 420 * ps
        self.legend_compact = not roomy
        self.legend.visible = True
        step, size, char = (17, 9.5, 5.9) if roomy else (13, 7.5, 4.7)
        shown = [item for item in self.legend_items if item.visible]
        for item in shown:
            full = self._legend_full.get(id(item), item.text)
            text = full if roomy else _compact_legend_text(full)
            if item.text != text:
                item.text = text
            if item.font_size != size * ps:
                item.font_size = size * ps
        n = len(shown)
        longest = max((len(item.text) for item in shown), default=0)
        width = (longest * char + 26) * ps
        height = (n * step + 10) * ps
        if roomy:
            top = 5 * ps
        else:
            bar = 58 if getattr(self, "colorbar", None) is not None and self.colorbar.visible else 0
            top = h - (bar + 26) * ps - height  # above the colour bar and the credit line's height
            top = max(top, CAPTION_BAND * ps)
        for i, item in enumerate(shown):
            item.pos = (w - 14 * ps, top + 5 * ps + i * step * ps)
        if hasattr(self, "legend_panel"):
            self.legend_panel.visible = n > 0
            if n:
                self.legend_panel.width = width
                self.legend_panel.height = height
                self.legend_panel.center = (w - 4 * ps - width / 2, top + height / 2)
        self.legend_rect = (w - 4 * ps - width, top, width, height) if n else None
        if hasattr(self, "colorbar"):
            self.colorbar.place(w - 266 * ps, h - 46 * ps, ps)
        self._layout_field_frame()
        self._place_spacecraft_label()

    # -- through an imager: the field's frame ------------------------------------------------
    def instrument_frame_rect(self) -> tuple[float, float, float, float] | None:
        """``(x, y, width, height)`` in canvas pixels of the imager's field in the through-imager
        view (x right, y down), or None in the other views."""
        setup = getattr(self, "_camera_setup", None)
        if not isinstance(setup, InstrumentViewSetup):
            return None
        cam = self.instrument_camera
        w, h = (float(v) for v in self.canvas.size)
        hx, hy = cam.half_extent()
        tx = np.tan(np.radians(cam.fov_xy[0]) / 2.0)
        ty = np.tan(np.radians(cam.fov_xy[1]) / 2.0)
        fw, fh = w * tx / hx, h * ty / hy
        return (w - fw) / 2.0, (h - fh) / 2.0, fw, fh

    def _layout_field_frame(self) -> None:
        if not hasattr(self, "field_frame"):
            return
        rect = self.instrument_frame_rect()
        self.field_frame.visible = rect is not None
        if rect is None:
            return
        x, y, fw, fh = rect
        w, h = (float(v) for v in self.canvas.size)
        self.field_outline.set_data(
            pos=np.array([[x, y], [x + fw, y], [x + fw, y + fh], [x, y + fh], [x, y]], np.float32)
        )
        # the sky outside the field: two bands (above/below, or left/right)
        bands = (
            [(w / 2, y / 2, w, y), (w / 2, (y + fh + h) / 2, w, h - y - fh)]
            if fh < h - 1
            else [(x / 2, h / 2, x, h), ((x + fw + w) / 2, h / 2, w - x - fw, h)]
        )
        for rect_vis, (cx, cy, bw, bh) in zip(self.field_mask, bands):
            rect_vis.visible = bw >= 1 and bh >= 1
            if rect_vis.visible:
                rect_vis.center = (cx, cy)
                rect_vis.width = bw
                rect_vis.height = bh

    # -- the spacecraft's name, clear of the caption -----------------------------------------
    def caption_rect(self) -> tuple[float, float, float, float] | None:
        """``(x, y, width, height)`` in canvas pixels of the caption (title and time lines), or
        None with labels off. Width from the text length (an upper bound of the glyphs)."""
        if not self._state.layers.labels or not hasattr(self, "hud_title"):
            return None
        ps = self._pixel_scale
        width = max(len(self.hud_title.text) * 13 * 0.62, len(self.hud_time.text) * 11 * 0.6) * ps
        return 14 * ps, 34 * ps - 4 * ps, width, (58 + 22 - 30) * ps

    def spacecraft_label_rect(self, above: bool | None = None) -> tuple[float, float, float, float] | None:
        """``(x, y, width, height)`` in canvas pixels of the "SMILE" label beside the marker
        (``above``: where it would be above or below the marker; None: where it is)."""
        if not hasattr(self, "spacecraft") or not self.spacecraft.visible:
            return None
        if above is None and not self.spacecraft.label.visible:
            return None
        with np.errstate(invalid="ignore", divide="ignore"):
            px = self.project(self.spacecraft.position)[0]
        if not np.all(np.isfinite(px)):
            return None
        ps = self._pixel_scale
        lw, lh = len(self.spacecraft.label.text) * 12 * 0.68 * ps, 12 * 1.5 * ps
        if above is None:
            above = self.spacecraft.label.anchors[1] == "bottom"
        return float(px[0]), float(px[1] - lh if above else px[1]), lw, lh

    def _place_spacecraft_label(self) -> None:
        """Put "SMILE" below its marker when above it would touch the caption."""
        if not hasattr(self, "spacecraft"):
            return
        label = self.spacecraft.label
        cap = self.caption_rect()
        want, show = "bottom", True
        if cap is not None:
            pad = 4 * self._pixel_scale
            r = self.spacecraft_label_rect(above=True)
            if r is not None and rects_overlap(r, cap, pad=pad):
                want = "top"
                below = self.spacecraft_label_rect(above=False)
                show = below is None or not rects_overlap(below, cap, pad=pad)  # else the caption names SMILE
        if tuple(label.anchors) != ("left", want):  # (setting it redraws: only on a change)
            label.anchors = ("left", want)
        if label.visible != show:
            label.visible = show

    # -- the sky and the names on the scene -----------------------------------------------
    def _update_sky(self) -> None:
        """Stars, Sun and Moon at the scene time (only while the layer is on)."""
        if not self._state.layers.stars:
            return
        try:
            self.sky.set_time(self._state.time, self._state.frame)
            self.errors.pop("stars", None)
        except Exception as exc:  # a broken star table: say so, keep the rest of the scene
            self._report("stars", exc)

    def px_per_rad(self) -> float:
        """Framebuffer pixels per radian at the centre of the current camera's view."""
        cam = self.view.camera
        w, h = (float(v) for v in self.canvas.size)
        scale = float(getattr(self.canvas, "pixel_scale", 1.0) or 1.0)
        if hasattr(cam, "half_extent"):  # an InstrumentCamera (imager views, cube-map faces)
            return 0.5 * h * scale / cam.half_extent()[1]
        fov = float(getattr(cam, "fov", 0.0) or 0.0)
        if fov <= 0.0:
            return 1.0e4
        return 0.5 * min(w, h) * scale / math.tan(math.radians(fov) / 2.0)

    def project_homogeneous(self, xyzw) -> np.ndarray:
        """Canvas pixels (N, 2) of homogeneous scene points (N, 4): w = 1 a point, w = 0 a
        direction (at infinity); NaN for what is behind the eye."""
        pts = np.atleast_2d(np.asarray(xyzw, dtype=float))
        m = self.view.scene.node_transform(self.canvas.scene).map(pts)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = m[:, :2] / m[:, 3:4]
        out[m[:, 3] <= 0.0] = np.nan
        return out

    def sky_label_anchors(self) -> list[tuple[str, np.ndarray]]:
        """(name, homogeneous scene point) of each name the labels layer shows now."""
        lay = self._state.layers
        t, frame = self._state.time, self._state.frame
        out: list[tuple[str, np.ndarray]] = []
        if lay.sun or lay.stars:
            out.append(("Sun", np.array([1.0, 0.0, 0.0, 0.0])))
        if lay.stars:
            out.append(("Moon", np.append(self.sky.moon_position, 1.0)))
        meshes = self.data.get("boundaries")
        fallbacks = []  # the boundaries' names on their flanks, when the nose is crowded
        for key, name, on, flank_deg in (
            ("magnetopause", "magnetopause", lay.magnetopause, 100.0),
            ("bow_shock", "bow shock", lay.bow_shock, 115.0),
        ):
            mesh = getattr(meshes, key, None) if meshes is not None else None
            if on and mesh is not None:
                r = _rotation(mesh.frame, frame, t)
                out.append((name, np.append(r @ np.array([mesh.standoff_re, 0.0, 0.0]), 1.0)))
                for angle in (flank_deg, -flank_deg):
                    point = meridian_point(mesh, angle)
                    if point is not None:
                        fallbacks.append((name, np.append(r @ point, 1.0)))
                if key == "magnetopause":
                    for cusp, point in cusp_label_points(mesh).items():
                        out.append((cusp, np.append(r @ point, 1.0)))
        if lay.spacecraft and not self.spacecraft.label.visible:
            out.append(("SMILE", np.append(self.spacecraft_position, 1.0)))
        for name, on in (("sxi", lay.sxi_fov), ("uvi", lay.uvi_fov)):
            cam = self.cameras.get(name)
            if on and cam is not None:
                reach = 0.55 * float(np.linalg.norm(cam.position_re))
                out.append((name.upper(), np.append(cam.position_re + reach * cam.boresight, 1.0)))
        return out + fallbacks

    def _update_sky_view(self) -> None:
        """Per frame: the Sun's disc for the camera's scale; names next to their points."""
        lay = self._state.layers
        if lay.stars:
            tr = self.view.camera.transform
            eye = np.asarray(tr.map([0.0, 0.0, 0.0, 1.0]), float)
            fwd = np.asarray(tr.map([0.0, 0.0, -1.0, 0.0]), float)[:3]  # cameras look along their −z
            self.sky.set_view(self.px_per_rad(), eye[:3] / eye[3], fwd / np.linalg.norm(fwd))
        if lay.sky_labels:
            anchors = self.sky_label_anchors()
            xy = self.project_homogeneous(np.array([a for _n, a in anchors])) if anchors else []
            self.sky_labels.place(
                [(n, p) for (n, _a), p in zip(anchors, xy, strict=True)],
                tuple(self.canvas.size),
                reserved=self.label_rects(),
            )

    def label_rects(self) -> list[tuple[float, float, float, float]]:
        """``(x, y, w, h)`` canvas rectangles of the caption, the SMILE label and the axis and
        Sun-arrow labels now shown (estimated from their font sizes), which names keep clear of."""
        rects = [r for r in (self.caption_rect(), self.spacecraft_label_rect()) if r is not None]
        for arrows in (self.axes, self.sun):
            if not arrows.visible:
                continue
            for text in arrows.labels:
                if not text.visible or not text.text:
                    continue
                m = np.asarray(
                    text.parent.node_transform(self.canvas.scene).map(np.asarray(text.pos)[0]), float
                )
                if not (np.all(np.isfinite(m)) and m[3] > 0):
                    continue
                em = float(text.font_size) * 96.0 / 72.0
                w, h = 0.68 * em * len(text.text), 1.4 * em
                rects.append((m[0] / m[3] - w / 2, m[1] / m[3] - h / 2, w, h))
        return rects

    # -- queries (tests, overlays) ---------------------------------------------------------
    def project(self, xyz) -> np.ndarray:
        """Canvas pixel coordinates (x right, y down; logical pixels) of scene points (N, 3)."""
        pts = np.atleast_2d(np.asarray(xyz, dtype=float))
        tr = self.view.scene.node_transform(self.canvas.scene)
        m = tr.map(pts)
        return m[:, :2] / m[:, 3:4]

    def render(self, **kwargs) -> np.ndarray:
        """Render the canvas to an (H, W, 4) uint8 array (see ``SceneCanvas.render``), always at
        full quality (an interactive view goes back to it first)."""
        self.flush()
        self.set_interactive(False)
        self._restore_depth_mask()
        self._update_sky_view()
        return self.canvas.render(**kwargs)

    @contextlib.contextmanager
    def borrowed_camera(self, camera, size: tuple[int, int] | None = None):
        """Draw through another vispy ``camera`` (at canvas ``size`` when given) inside a
        ``with`` block: caption, legend and imager frame hidden, presets not re-applied;
        camera, size and overlays restored afterwards (cube-map faces: _vispy.projections)."""
        setup, old_camera, old_size = self._camera_setup, self.view.camera, tuple(self.canvas.size)
        self._camera_setup = None  # no preset refit while the canvas has the borrowed size
        self._refit_at_draw = False
        try:
            if size is not None and tuple(size) != old_size:
                self._resize_canvas(tuple(int(v) for v in size))
            self._apply_layers()
            self.hud.visible = False
            self.field_frame.visible = False
            self.view.camera = camera
            yield self
        finally:
            self.view.camera = old_camera
            if tuple(self.canvas.size) != old_size:
                self._resize_canvas(old_size)
            self._camera_setup = setup
            self._refit_at_draw = False
            self._apply_layers()
            self._layout_hud()

    def _resize_canvas(self, size: tuple[int, int]) -> None:
        """Resize the canvas. A hidden Qt canvas gets no resize events (and keeps its old
        framebuffer size, which would stretch the picture): both are sent here."""
        old, old_phys = self.canvas.size, self.canvas.physical_size
        self.canvas.size = size
        new = tuple(self.canvas.size)
        backend = self.canvas._backend
        if tuple(self.canvas.physical_size) == tuple(old_phys) and new != tuple(old):
            ratio = old_phys[0] / max(old[0], 1)
            if hasattr(backend, "_vispy_set_physical_size"):
                backend._vispy_set_physical_size(int(round(new[0] * ratio)), int(round(new[1] * ratio)))
        if tuple(self.canvas.central_widget.size) != tuple(float(v) for v in new):
            self.canvas.events.resize(size=new, physical_size=self.canvas.physical_size)

    def _on_draw_flush(self, event=None) -> None:
        if self._dirty:
            self.flush()
        if getattr(self, "_refit_at_draw", False):
            self._refit_at_draw = False
            setup = self._camera_setup
            if (
                isinstance(setup, CameraSetup)
                and setup.fit
                and self._camera_state() == self._camera_signature
            ):
                self.set_camera(setup)
        self._place_spacecraft_label()  # the camera or the spacecraft may have moved
        self._choose_surface_sides()
        self._update_sky_view()

    def _after_draw(self, event=None) -> None:
        # the rest delay counts from the end of the last interactive frame: with frames slower
        # than the delay, full quality would otherwise come back between two drag steps
        timer = self._rest_timer
        if self._interactive and timer is not None and timer.running:
            timer.stop()
            timer.start(iterations=1)

    def _restore_depth_mask(self, event=None) -> None:
        self.canvas.context.set_depth_mask(True)

    def close(self) -> None:
        for timer in (self._rest_timer, self._flush_timer):
            if timer is not None:
                timer.stop()
        for ev in (self.canvas.events.mouse_move, self.canvas.events.mouse_wheel):
            ev.disconnect(self._on_camera_input)
        self.disconnect()
        self.canvas.events.draw.disconnect(self._restore_depth_mask)
        self.canvas.events.draw.disconnect(self._on_draw_flush)
        self.canvas.events.draw.disconnect(self._after_draw)
        self.canvas.events.resize.disconnect(self._on_resize)
        self.canvas.close()
