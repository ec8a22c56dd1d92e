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
TRACK_POINTS = 1201


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


# vispy's TurntableCamera looks from -Y at azimuth 0 (X to the right), from +X (the Sun) at
# 90° and from +Y at 180° (X, the Sun, to the left); elevation lifts the eye towards +Z.
# ``fit=True``: centre and scale are chosen to frame the orbit, the Sun arrow and the axes.
CAMERA_PRESETS: dict[str, CameraSetup] = {
    "overview": CameraSetup(azimuth=150.0, elevation=22.0, scale_factor=50.0, fit=True),
    "noon_midnight": CameraSetup(azimuth=180.0, elevation=0.0, scale_factor=50.0, fit=True),
    "north": CameraSetup(azimuth=180.0, elevation=90.0, scale_factor=50.0, fit=True),
    "from_sun": CameraSetup(azimuth=70.0, elevation=12.0, scale_factor=50.0, fit=True),
    "earth": CameraSetup(azimuth=125.0, elevation=18.0, scale_factor=4.2),
}


def camera_axes(azimuth: float, elevation: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unit vectors (right, up, forward) of a TurntableCamera in scene coordinates."""
    az, el = np.radians(azimuth), np.radians(elevation)
    right = np.array([np.cos(az), np.sin(az), 0.0])
    fwd_h = np.array([-np.sin(az), np.cos(az), 0.0])
    up = np.cos(el) * np.array([0.0, 0.0, 1.0]) + np.sin(el) * fwd_h
    forward = np.cross(up, right)
    return right, up, forward


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
            "", color=HUD_COLOR, font_size=13 * ps, bold=True, anchor_x="left", anchor_y="bottom",
            parent=self.hud,
        )
        self.hud_time = scene.visuals.Text(
            "", color=HUD_COLOR, font_size=11 * ps, anchor_x="left", anchor_y="bottom", parent=self.hud,
        )
        self.hud_credit = scene.visuals.Text(
            EARTH_CREDIT, color=HUD_DIM, font_size=8 * ps, anchor_x="left", anchor_y="bottom",
            parent=self.hud,
        )
        canvas.events.resize.connect(self._on_resize)
        # The orbit track writes no depth (so the spacecraft marker on it is drawn whole);
        # glClear honours the depth mask, so switch it back on before every frame's clear.
        canvas.events.draw.connect(self._restore_depth_mask, position="first")

        self.geo_to_scene = np.eye(3)
        self.spacecraft_position = np.zeros(3)

        self._camera_setup: CameraSetup | None = None
        self._camera_signature: tuple = ()
        self._connect(state)
        self._apply_layers()
        self._update_all()
        self.apply_camera_preset(state.camera_preset)
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
            choices = ", ".join(CAMERA_PRESETS)
            raise ValueError(f"unknown camera preset {name!r}; choose from {choices}") from None
        self.set_camera(setup)

    def set_camera(self, setup: CameraSetup) -> None:
        """Place the camera; with ``setup.fit`` frame the orbit, axes and Sun arrow."""
        cam = self.view.camera
        cam.fov = setup.fov
        cam.azimuth = setup.azimuth
        cam.elevation = setup.elevation
        cam.roll = setup.roll
        cam.distance = None
        if setup.fit:
            center, scale = self._fit(setup)
        else:
            center, scale = np.asarray(setup.center, float), float(setup.scale_factor)
        cam.scale_factor = scale
        cam.center = tuple(float(v) for v in center)
        self._camera_setup = setup
        self._camera_signature = self._camera_state()
        self.canvas.update()

    def _camera_state(self) -> tuple:
        cam = self.view.camera
        return (round(cam.azimuth, 6), round(cam.elevation, 6), round(cam.scale_factor, 6),
                tuple(round(float(v), 6) for v in cam.center), round(cam.fov, 6))

    def _content_points(self) -> np.ndarray:
        """Points the framing presets keep in view (R_E, scene frame)."""
        pts = [np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], float)]
        if self.orbit_track.positions.size:
            pts.append(self.orbit_track.positions)
        pts.append(np.eye(3) * self.axes.length * 1.15)
        pts.append(np.array([[self.sun.end + 2.5, 0.0, 0.0]]))
        return np.vstack(pts)

    def _fit(self, setup: CameraSetup, margin: float = 1.08) -> tuple[np.ndarray, float]:
        """Centre and scale factor that frame the content for this camera direction.

        The content goes into the canvas less a band at the top for the caption.
        """
        w, h = (max(int(v), 1) for v in self.canvas.size)
        ps = self._pixel_scale
        top = (72 * ps) if self._state.layers.labels else 12 * ps
        bottom = 24 * ps
        box_w, box_h = max(w - 24 * ps, 1), max(h - top - bottom, 1)
        box_cx, box_cy = w / 2, top + box_h / 2
        right, up, _forward = camera_axes(setup.azimuth, setup.elevation)
        pts = self._content_points()
        a, b = pts @ right, pts @ up
        center = 0.5 * (a.min() + a.max()) * right + 0.5 * (b.min() + b.max()) * up
        scale = max(b.max() - b.min(), (a.max() - a.min()) * h / w) * margin
        # Refine with the real (perspective) projection: near points look bigger.
        cam = self.view.camera
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
        # Keep a framing preset framed while the user has not moved the camera.
        setup = getattr(self, "_camera_setup", None)
        if setup is not None and setup.fit and self._camera_state() == self._camera_signature:
            self.set_camera(setup)

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
        # One period centred on the scene time (a few ms for the default orbit).
        p = self.period_s
        offsets = np.linspace(-0.5 * p, 0.5 * p, TRACK_POINTS)
        times = t + TimeDelta(offsets, format="sec")
        pos = np.asarray(self.orbit.position(times, frame=frame), dtype=float)
        self.orbit_track.set_track(pos, offsets, p)
        sc = np.asarray(self.orbit.position(t, frame=frame), dtype=float).reshape(3)
        self.spacecraft_position = sc
        self.spacecraft.set_position(sc)

    def _update_hud_text(self, t: Time, frame: str) -> None:
        r = float(np.linalg.norm(self.spacecraft_position))
        self.hud_title.text = f"SMILE orbit  ·  {frame.upper()} frame, 1 unit = 1 Earth radius"
        self.hud_time.text = f"{t.utc.strftime('%Y-%m-%d %H:%M')} UTC    SMILE at {r:.1f} R_E"

    def _layout_hud(self, event=None) -> None:
        w, h = self.canvas.size
        ps = self._pixel_scale
        self.hud_title.pos = (14 * ps, 34 * ps)
        self.hud_time.pos = (14 * ps, 58 * ps)
        self.hud_credit.pos = (14 * ps, h - 10 * ps)

    # -- queries (tests, overlays) ---------------------------------------------------------
    def project(self, xyz) -> np.ndarray:
        """Canvas pixel coordinates (x right, y down; logical pixels) of scene points (N, 3)."""
        pts = np.atleast_2d(np.asarray(xyz, dtype=float))
        tr = self.view.scene.node_transform(self.canvas.scene)
        m = tr.map(pts)
        return m[:, :2] / m[:, 3:4]

    def render(self, **kwargs) -> np.ndarray:
        """Render the canvas to an (H, W, 4) uint8 array (see ``SceneCanvas.render``)."""
        self._restore_depth_mask()
        return self.canvas.render(**kwargs)

    def _restore_depth_mask(self, event=None) -> None:
        self.canvas.context.set_depth_mask(True)

    def close(self) -> None:
        self.disconnect()
        self.canvas.events.draw.disconnect(self._restore_depth_mask)
        self.canvas.events.resize.disconnect(self._on_resize)
        self.canvas.close()
