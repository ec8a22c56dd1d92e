"""The cut plane of a :class:`~smile_viewer._vispy.scene.SceneView`: follows its settings and data.

:class:`CutPlaneLayer` adds a :class:`~smile_viewer._vispy.visuals.cut_plane.CutPlane` and a
colour bar (values and units, bottom left) to a scene view, and redraws them when the
:class:`~smile_viewer.state.cut_plane.CutPlaneSettings` change, when new data reach the view
(a cube sequence's cube at a new time) and when the scene's time or frame turns the cube. The
source is the emission volume on screen, or another variable of the cube file
(:meth:`CutPlaneLayer.set_variable_volume`). Ctrl + left drag moves the plane along its normal
(the plane follows the cursor along the normal's direction on screen).
"""

from __future__ import annotations

import logging

import numpy as np
from vispy.util import keys

from smile_viewer._vispy.visuals.colorbar import HudColorBar, format_value
from smile_viewer._vispy.visuals.cut_plane import CutPlane, cut_colors, default_range
from smile_viewer._vispy.visuals.earth import geo_to_scene_transform
from smile_viewer.coords import rotation_matrix
from smile_viewer.errors import UserInputError
from smile_viewer.physics.cut_plane import offset_range, sample_plane
from smile_viewer.state import scene_data as sd
from smile_viewer.unit_text import unit_text_slashed

log = logging.getLogger(__name__)

__all__ = ["CutPlaneLayer"]


class CutPlaneLayer:
    """A cut plane drawn in ``scene_view`` as ``settings`` say (see the module docstring)."""

    def __init__(self, scene_view, settings):
        self.view = scene_view
        self.settings = settings
        self.node = CutPlane(parent=scene_view.view.scene)
        self.node.order = 3  # opaque-ish: before the translucent surfaces and the volume
        ps = getattr(scene_view, "_pixel_scale", 1.0)
        self.colorbar = HudColorBar(
            settings.colormap,
            parent=scene_view.canvas.scene,
            font_manager=getattr(scene_view, "fonts", None),
            font_size=8.5 * ps,
        )
        self.colorbar.visible = False
        self.cut = None
        self.rgba: np.ndarray | None = None
        self.clim: tuple[float, float] | None = None
        self.error = ""
        self._variable_volume = None
        self._own: tuple | None = None  # (request, volume) built here when the volume layer is off
        settings.events.connect(self._on_settings)
        scene_view.data_applied.connect(self._on_data)
        scene_view.state.events.time.connect(self._on_place)
        scene_view.state.events.frame.connect(self._on_place)
        scene_view.app_state.model.events.connect(self._on_model)
        scene_view.canvas.events.resize.connect(self._layout)
        self._drag: tuple | None = None  # (press position, offset then, R_E per pixel along the drag)
        ev = scene_view.canvas.events
        ev.mouse_press.connect(self._on_press, position="first")
        ev.mouse_move.connect(self._on_move, position="first")
        ev.mouse_release.connect(self._on_release, position="first")
        self._layout()
        self.update()

    # -- sources ---------------------------------------------------------------------------
    def set_variable_volume(self, volume) -> None:
        """Colour the plane by ``volume`` (another variable of the cube), or by the emission
        volume on screen again (None)."""
        self._variable_volume = volume
        self.update()

    def source_volume(self):
        """The volume cut: the chosen variable's, else the emission volume on screen, else the
        emission volume built here from the state (the volume layer is off); None when it cannot
        be built (``error`` says why)."""
        if self._variable_volume is not None:
            return self._variable_volume
        if self.view.state.layers.emission_volume and self.view.data.get("volume") is not None:
            return self.view.data["volume"]
        try:
            req = sd.volume_request(self.view.app_state)
            if self._own is None or self._own[0] != req:
                self._own = (req, sd.build_emission_volume(req))
        except (UserInputError, OSError) as exc:
            self.error = str(exc)
            return None
        return self._own[1]

    def offset_limits(self) -> tuple[float, float] | None:
        """The offsets at which the plane crosses the cube (None without a cube)."""
        vol = self.source_volume()
        if vol is None:
            return None
        return offset_range(vol, self.settings.normal_vector())

    # -- events ----------------------------------------------------------------------------
    def _on_settings(self, *_args) -> None:
        self.update()

    def _on_data(self, kind: str) -> None:
        if kind == "volume" and self._variable_volume is None:
            self.update()

    def _on_place(self, *_args) -> None:
        if self.settings.visible and not self.view.state.layers.emission_volume:
            self.update()  # a cube sequence's volume follows the time
            return
        self._place()
        self.view.canvas.update()

    def _on_model(self, *_args) -> None:
        if self.settings.visible and not self.view.state.layers.emission_volume:
            self.update()

    def _layout(self, event=None) -> None:
        w, h = self.view.canvas.size
        ps = getattr(self.view, "_pixel_scale", 1.0)
        self.colorbar.place(14 * ps, h - 66 * ps, ps)

    # -- dragging along the normal (Ctrl + left button) ------------------------------------------
    def drag_direction(self) -> np.ndarray | None:
        """Canvas pixels (2,) the cursor moves for 1 R_E of the plane along its normal (at the
        plane's centre), or None without a plane."""
        cut = self.cut
        if cut is None or not self.node.visible:
            return None
        st = self.view.state
        r = np.asarray(rotation_matrix(st.time, cut.frame, st.frame), dtype=float).reshape(3, 3)
        centre = r @ cut.points[cut.points.shape[0] // 2, cut.points.shape[1] // 2]
        a, b = self.view.project(np.array([centre, centre + r @ cut.normal]))
        d = np.asarray(b - a, dtype=float)
        return d if np.all(np.isfinite(d)) else None

    def _on_press(self, event) -> None:
        if not (self.settings.visible and event.button == 1 and keys.CONTROL in (event.modifiers or ())):
            return
        d = self.drag_direction()
        if d is None:
            return
        lim = self.offset_limits()
        if np.hypot(*d) < 2.0 and lim is not None:  # the normal points at the eye: drag up = +normal
            d = np.array([0.0, -self.view.canvas.size[1] / max(lim[1] - lim[0], 1e-9)])
        self._drag = (np.asarray(event.pos[:2], dtype=float), float(self.cut.offset_re), d / float(d @ d))
        event.handled = True

    def _on_move(self, event) -> None:
        if self._drag is None:
            return
        if event.button != 1 and not getattr(event, "is_dragging", True):
            self._drag = None
            return
        start, offset0, per_px = self._drag
        lim = self.offset_limits()
        new = offset0 + float((np.asarray(event.pos[:2], dtype=float) - start) @ per_px)
        if lim is not None:
            new = min(max(new, lim[0]), lim[1])
        self.settings.offset_re = new
        event.handled = True

    def _on_release(self, event) -> None:
        if self._drag is not None:
            self._drag = None
            event.handled = True

    # -- drawing -----------------------------------------------------------------------------
    def _place(self) -> None:
        vol = self.source_volume()
        if vol is None:
            return
        st = self.view.state
        r = np.asarray(rotation_matrix(st.time, vol.frame, st.frame), dtype=float).reshape(3, 3)
        self.node.transform = geo_to_scene_transform(r)

    def update(self) -> None:
        """Sample the plane and draw it (or hide it when off or without a cube)."""
        s = self.settings
        self.error = ""
        vol = self.source_volume() if s.visible else None
        if vol is None:
            self.node.visible = False
            self.colorbar.visible = False
            self.view.canvas.update()
            return
        n = s.normal_vector()
        lo, hi = offset_range(vol, n)
        offset = min(max(s.offset_re, lo), hi)  # a new cube may be smaller: keep the plane in it
        try:
            cut = sample_plane(vol, n, offset, variable=s.variable or _variable_name(vol))
        except UserInputError as exc:
            self.error = str(exc)
            log.warning("cut plane: %s", exc)
            self.node.visible = False
            self.colorbar.visible = False
            return
        clim = s.value_range or default_range(cut.values, s.scale)
        if clim is None:
            self.error = "nothing to colour: the plane holds no finite (positive, for a log scale) values"
            clim = (1e-30, 1.0) if s.scale == "log" else (0.0, 1.0)
        if s.scale == "log" and clim[0] <= 0:
            clim = default_range(cut.values, "log") or (1e-30, 1.0)
        self.rgba = cut_colors(cut.values, s.colormap, clim, s.scale)
        self.cut, self.clim = cut, (float(clim[0]), float(clim[1]))
        self.node.set_cut(cut, self.rgba)
        self._place()
        self.colorbar.set_cmap(s.colormap)
        title = (
            f"{cut.variable} [{unit_text_slashed(cut.units)}]"
            + (" (log)" if s.scale == "log" else "")
            + f" · {cut.describe()}"
        )
        self.colorbar.set_labels(title, format_value(clim[0]), format_value(clim[1]))
        self.colorbar.visible = True
        self.view.canvas.update()

    def close(self) -> None:
        s = self.settings
        s.events.disconnect(self._on_settings)
        self.view.data_applied.disconnect(self._on_data)
        self.view.state.events.time.disconnect(self._on_place)
        self.view.state.events.frame.disconnect(self._on_place)
        self.view.app_state.model.events.disconnect(self._on_model)
        self.view.canvas.events.resize.disconnect(self._layout)
        ev = self.view.canvas.events
        ev.mouse_press.disconnect(self._on_press)
        ev.mouse_move.disconnect(self._on_move)
        ev.mouse_release.disconnect(self._on_release)
        self.node.parent = None
        self.colorbar.parent = None


def _variable_name(volume) -> str:
    prov = volume.provenance or {}
    name = prov.get("variable") if isinstance(prov, dict) else None
    return str(name) if name else "emissivity"
