"""The 3-D scene: Earth, frame axes, Sun direction, SMILE's orbit and the spacecraft.

``SceneView`` draws a :class:`smile_viewer.state.SceneState` into a vispy ``SceneCanvas``
(its own, or one it is given) and follows the state's events: a new time rotates the
Earth and moves the spacecraft, layer switches show/hide nodes, a camera preset moves the
camera. It has no widgets; the Qt window puts ``view.canvas.native`` in its layout.

Coordinates: the scene frame is GSE (or GSM, ``state.frame``), unit 1 R_E, +X towards the
Sun. The Earth texture is mapped in GEO and rotated GEO → scene frame at the scene time
with ``smile_viewer.coords.rotation_matrix`` (``v_scene = R @ v_geo``).
"""

from __future__ import annotations

import dataclasses
import logging

import numpy as np
from astropy.time import Time, TimeDelta
from vispy import scene

from smile_viewer._vispy.visuals.earth import Earth, geo_to_scene_transform
from smile_viewer._vispy.visuals.guides import FrameAxes, SunArrow
from smile_viewer._vispy.visuals.orbit import OrbitTrack, SpacecraftMarker

log = logging.getLogger(__name__)

#: Canvas background (deep space blue-black; the Earth's night side stays distinguishable).
BACKGROUND = (0.015, 0.020, 0.045, 1.0)
HUD_COLOR = (0.85, 0.88, 0.95, 1.0)
HUD_DIM = (0.55, 0.60, 0.70, 1.0)
EARTH_CREDIT = "Earth: NASA Blue Marble Next Generation"

#: Points along the orbit track (one period).
TRACK_POINTS = 721


@dataclasses.dataclass(frozen=True)
class CameraSetup:
    """A TurntableCamera placement: angles in degrees, ``scale_factor`` = R_E across the view."""

    azimuth: float
    elevation: float
    scale_factor: float
    center: tuple[float, float, float] = (0.0, 0.0, 0.0)
    fov: float = 30.0
    roll: float = 0.0


# vispy's TurntableCamera looks from -Y at azimuth 0 (X to the right) and from +Y at 180°
# (X, the Sun, to the left); elevation lifts the eye towards +Z.
CAMERA_PRESETS: dict[str, CameraSetup] = {
    "overview": CameraSetup(azimuth=150.0, elevation=22.0, scale_factor=52.0, center=(0.0, 0.0, 3.0)),
    "noon_midnight": CameraSetup(azimuth=180.0, elevation=0.0, scale_factor=50.0, center=(0.0, 0.0, 3.0)),
    "north": CameraSetup(azimuth=180.0, elevation=90.0, scale_factor=50.0),
    "from_sun": CameraSetup(azimuth=90.0, elevation=0.0, scale_factor=50.0, center=(0.0, 0.0, 3.0)),
    "earth": CameraSetup(azimuth=125.0, elevation=18.0, scale_factor=5.0),
}


def _rotation_geo_to(frame: str, time: Time) -> np.ndarray:
    from smile_viewer.coords import rotation_matrix

    r = np.asarray(rotation_matrix(time, "geo", frame), dtype=float)
    if r.shape != (3, 3):
        raise ValueError(f"rotation_matrix returned shape {r.shape} for a scalar time; expected (3, 3)")
    return r


class SceneView:
    """The 3-D scene of one :class:`~smile_viewer.state.SceneState`.

    Parameters
    ----------
    state : SceneState
        The model to draw and follow.
    canvas : vispy.scene.SceneCanvas, optional
        Draw into this canvas (a new view box is added to its central widget). By default a
        canvas of ``size`` is created with ``app`` (a vispy Application or backend name).
    orbit : object with ``position(times, frame)`` and ``period_s``, optional
        The orbit to draw (default: ``smile_viewer.mission.orbit.default_orbit()``).
    pixel_scale : float
        Multiplies line widths, marker and font sizes (2 when rendering at twice the size
        and downsampling for antialiasing).
    """

    def __init__(self, state, canvas: scene.SceneCanvas | None = None, *, orbit=None,
                 pixel_scale: float = 1.0, size: tuple[int, int] = (1280, 800), app=None,
                 samples: int = 4, show: bool = False, parent=None):
        self._state = state
        self._pixel_scale = float(pixel_scale)
        if orbit is None:
            from smile_viewer.mission.orbit import default_orbit

            orbit = default_orbit()
        self.orbit = orbit
        self.period_s = float(orbit.period_s)
        if canvas is None:
            canvas = scene.SceneCanvas(
                size=size, bgcolor=BACKGROUND, show=show, app=app, keys=None, parent=parent,
                config={"samples": samples} if samples else None, title="smile-viewer",
            )
        else:
            canvas.bgcolor = BACKGROUND
        self.canvas = canvas
        self.view = canvas.central_widget.add_view()
        self.view.camera = scene.cameras.TurntableCamera(fov=30.0, up="+z")

        ps = self._pixel_scale
        self.earth = Earth(day_night=state.day_night, parent=self.view.scene)
        self.earth.order = -10  # opaque first
        self.axes = FrameAxes(state.frame, length=8.0, pixel_scale=ps, parent=self.view.scene)
        self.sun = SunArrow(start=11.0, end=17.0, pixel_scale=ps, parent=self.view.scene)
        self.orbit_track = OrbitTrack(pixel_scale=ps, parent=self.view.scene)
        self.spacecraft = SpacecraftMarker("SMILE", pixel_scale=ps, parent=self.view.scene)

        # Caption in canvas pixels (not part of the 3-D scene).
        self.hud = scene.Node(parent=canvas.scene, name="hud")
        self.hud_title = scene.visuals.Text(
            "", color=HUD_COLOR, font_size=13 * ps, bold=True, anchor_x="left", anchor_y="top",
            parent=self.hud,
        )
        self.hud_time = scene.visuals.Text(
            "", color=HUD_COLOR, font_size=11 * ps, anchor_x="left", anchor_y="top", parent=self.hud,
        )
        self.hud_credit = scene.visuals.Text(
            EARTH_CREDIT, color=HUD_DIM, font_size=8 * ps, anchor_x="left", anchor_y="bottom",
            parent=self.hud,
        )
        canvas.events.resize.connect(self._layout_hud)

        self._track_center: Time | None = None
        self._track_frame: str | None = None
        self.geo_to_scene = np.eye(3)
        self.spacecraft_position = np.zeros(3)

        self._connect(state)
        self.apply_camera_preset(state.camera_preset)
        self._apply_layers()
        self._update_all()
        self._layout_hud()

    # -- model binding ---------------------------------------------------------------------
    @property
    def state(self):
        return self._state

    def _connect(self, state) -> None:
        state.events.time.connect(self._on_time)
        state.events.frame.connect(self._on_frame)
        state.events.camera_preset.connect(self.apply_camera_preset)
        state.events.day_night.connect(self._on_day_night)
        state.events.layers.connect(self._on_layers_replaced)
        state.layers.events.connect(self._on_layer_event)
        self._layers_model = state.layers

    def disconnect(self) -> None:
        """Stop following the state (call before dropping the view)."""
        s = self._state
        for sig, cb in ((s.events.time, self._on_time), (s.events.frame, self._on_frame),
                        (s.events.camera_preset, self.apply_camera_preset),
                        (s.events.day_night, self._on_day_night),
                        (s.events.layers, self._on_layers_replaced)):
            sig.disconnect(cb, missing_ok=True)
        self._layers_model.events.disconnect(self._on_layer_event, missing_ok=True)

    def _on_time(self, _time=None) -> None:
        self._update_all()

    def _on_frame(self, frame: str) -> None:
        self.axes.set_frame(frame)
        self._track_center = None
        self._update_all()

    def _on_day_night(self, value: bool) -> None:
        self.earth.day_night = value
        self.canvas.update()

    def _on_layers_replaced(self, layers) -> None:
        self._layers_model.events.disconnect(self._on_layer_event, missing_ok=True)
        self._layers_model = layers
        layers.events.connect(self._on_layer_event)
        self._apply_layers()

    def _on_layer_event(self, _info=None) -> None:
        self._apply_layers()

    def _apply_layers(self) -> None:
        lay = self._state.layers
        self.earth.visible = lay.earth
        self.axes.visible = lay.axes
        self.sun.visible = lay.sun
        self.orbit_track.visible = lay.orbit
        self.spacecraft.visible = lay.spacecraft
        self.hud.visible = lay.labels
        self.canvas.update()

    # -- camera ----------------------------------------------------------------------------
    def apply_camera_preset(self, name: str) -> None:
        """Move the camera to a named preset (see ``CAMERA_PRESETS``)."""
        try:
            setup = CAMERA_PRESETS[name]
        except KeyError:
            raise ValueError(f"unknown camera preset {name!r}; choose from {', '.join(CAMERA_PRESETS)}") from None
        self.set_camera(setup)

    def set_camera(self, setup: CameraSetup) -> None:
        cam = self.view.camera
        cam.fov = setup.fov
        cam.azimuth = setup.azimuth
        cam.elevation = setup.elevation
        cam.roll = setup.roll
        cam.distance = None
        cam.scale_factor = setup.scale_factor
        cam.center = tuple(float(v) for v in setup.center)
        self.canvas.update()

    # -- updates ---------------------------------------------------------------------------
    def _update_all(self) -> None:
        t = self._state.time
        frame = self._state.frame
        self._update_earth(t, frame)
        self._update_orbit(t, frame)
        self._update_hud_text(t, frame)
        self.canvas.update()

    def _update_earth(self, t: Time, frame: str) -> None:
        r = _rotation_geo_to(frame, t)
        self.geo_to_scene = r
        self.earth.transform = geo_to_scene_transform(r)
        # The Sun is along +X of GSE and GSM: in GEO it is R^T x̂.
        self.earth.set_sun_direction_geo(r.T @ np.array([1.0, 0.0, 0.0]))

    def _update_orbit(self, t: Time, frame: str) -> None:
        p = self.period_s
        stale = (
            self._track_center is None
            or self._track_frame != frame
            or abs((t - self._track_center).to_value("s")) > p / 8.0
        )
        if stale:
            offsets = np.linspace(-0.5 * p, 0.5 * p, TRACK_POINTS)
            times = t + TimeDelta(offsets, format="sec")
            pos = np.asarray(self.orbit.position(times, frame=frame), dtype=float)
            self._track_center = t
            self._track_frame = frame
            self.orbit_track.set_track(pos, offsets, p)
        else:
            offsets = np.linspace(-0.5 * p, 0.5 * p, TRACK_POINTS) - (t - self._track_center).to_value("s")
            self.orbit_track.recolor(offsets, p)
        sc = np.asarray(self.orbit.position(t, frame=frame), dtype=float).reshape(3)
        self.spacecraft_position = sc
        self.spacecraft.set_position(sc)

    def _update_hud_text(self, t: Time, frame: str) -> None:
        r = float(np.linalg.norm(self.spacecraft_position))
        self.hud_title.text = f"SMILE orbit  ·  {frame.upper()} frame, 1 unit = 1 Earth radius"
        self.hud_time.text = f"{t.utc.strftime('%Y-%m-%d %H:%M')} UTC    SMILE at {r:.1f} R_E"

    def _layout_hud(self, event=None) -> None:
        w, h = self.canvas.size
        m = 14 * self._pixel_scale
        self.hud_title.pos = (m, m)
        self.hud_time.pos = (m, m + 22 * self._pixel_scale)
        self.hud_credit.pos = (m, h - m * 0.7)

    # -- queries (tests, overlays) ---------------------------------------------------------
    def project(self, xyz) -> np.ndarray:
        """Canvas pixel coordinates (x right, y down; logical pixels) of scene points (N, 3)."""
        pts = np.atleast_2d(np.asarray(xyz, dtype=float))
        tr = self.view.scene.node_transform(self.canvas.scene)
        m = tr.map(pts)
        return m[:, :2] / m[:, 3:4]

    def render(self, **kwargs) -> np.ndarray:
        """Render the canvas to an (H, W, 4) uint8 array (see ``SceneCanvas.render``)."""
        return self.canvas.render(**kwargs)

    def close(self) -> None:
        self.disconnect()
        self.canvas.close()
