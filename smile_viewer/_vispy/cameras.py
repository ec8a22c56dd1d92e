"""A vispy camera that is an imager: placed at the spacecraft, looking along the boresight,
with the instrument's field of view and roll.

``InstrumentCamera.set_camera(camera)`` takes a :class:`smile_viewer.mission.camera.Camera`
(position, rotation with columns camera x, camera y, boresight in the scene frame, full field
of view along x and y) and sets the view and a gnomonic perspective projection to match:

- ``fit="exact"``: the canvas shows exactly the field, fov_x across and fov_y down (the
  picture matches the camera's pixel grid when the canvas has its shape, or its aspect);
- ``fit="contain"`` (default): the whole field is shown without distortion; when the canvas
  is wider (or taller) than the field, more sky shows on the sides (or above and below).

Image orientation follows the Camera convention: pixel columns along camera x (to the
right), rows along camera y (downwards), so the picture reads like the synthetic image.
"""

from __future__ import annotations

import math

import numpy as np
from vispy.scene.cameras.perspective import PerspectiveCamera

__all__ = ["InstrumentCamera"]


class InstrumentCamera(PerspectiveCamera):
    """A fixed perspective camera at an imager's position and attitude (not interactive)."""

    def __init__(
        self,
        fov_deg=(26.5, 15.5),
        fit: str = "contain",
        near_re: float = 0.01,
        far_re: float = 2000.0,
        **kwargs,
    ):
        self._fov_xy = (float(fov_deg[0]), float(fov_deg[1]))
        self._fit = fit
        self._near = float(near_re)
        self._far = float(far_re)
        self._position = np.zeros(3)
        self._rotation = np.eye(3)
        super().__init__(fov=self._fov_xy[1], scale_factor=1.0, interactive=False, **kwargs)

    # -- pose ----------------------------------------------------------------------------------
    @property
    def position(self) -> np.ndarray:
        return self._position.copy()

    @property
    def rotation(self) -> np.ndarray:
        """Columns: camera x (right), camera y (down), boresight, in the scene frame."""
        return self._rotation.copy()

    @property
    def fov_xy(self) -> tuple[float, float]:
        return self._fov_xy

    @property
    def fit(self) -> str:
        return self._fit

    @fit.setter
    def fit(self, value: str) -> None:
        if value not in ("contain", "exact"):
            raise ValueError(f"fit must be 'contain' or 'exact', got {value!r}")
        self._fit = value
        self.view_changed()

    def set_camera(self, camera) -> None:
        """Match a ``mission.camera.Camera`` (its position, rotation and field of view)."""
        self.set_pose(camera.position_re, camera.rotation, camera.fov_deg)

    def set_pose(self, position_re, rotation, fov_deg=None) -> None:
        """Place the camera at ``position_re`` with ``rotation`` (columns camera x, camera y,
        boresight, scene frame) and, optionally, a new field of view (x, y) [deg]."""
        self._position = np.asarray(position_re, dtype=float).reshape(3)
        self._rotation = np.asarray(rotation, dtype=float).reshape(3, 3)
        if fov_deg is not None:
            self._fov_xy = (float(fov_deg[0]), float(fov_deg[1]))
            self._fov = self._fov_xy[1]
        x, y, z = self._rotation.T
        # vispy's camera looks along its -z with +y up: camera-local (right, up, back)
        # = (camera x, -camera y, -boresight). Row-vector matrix: p_scene = p_local @ M.
        m = np.eye(4)
        m[:3, :3] = np.stack([x, -y, -z])
        m[3, :3] = self._position
        self.transform.matrix = m
        self.view_changed()

    # -- projection ----------------------------------------------------------------------------
    def half_extent(self) -> tuple[float, float]:
        """Half width and half height of the view on the tangent plane (tan of the half angles)."""
        tx = math.tan(math.radians(self._fov_xy[0]) / 2.0)
        ty = math.tan(math.radians(self._fov_xy[1]) / 2.0)
        if self._fit == "exact" or self._viewbox is None:
            return tx, ty
        w, h = (float(v) for v in self._viewbox.size)
        if w <= 0 or h <= 0:
            return tx, ty
        aspect = w / h
        if aspect >= tx / ty:
            return ty * aspect, ty
        return tx, tx / aspect

    def _update_projection_transform(self, fx, fy):
        hx, hy = self.half_extent()
        n, f = self._near, self._far
        self._projection.set_frustum(-hx * n, hx * n, -hy * n, hy * n, n, f)

    def _set_range(self, init):
        pass  # the pose comes from the instrument, not from the scene's extent

    def viewbox_mouse_event(self, event):
        pass  # fixed to the spacecraft's attitude
