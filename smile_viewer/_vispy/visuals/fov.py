"""Imager fields of view from the spacecraft: SXI's rectangular pyramid, UVI's cone.

``FieldOfView.set_geometry(apex, rim, faces, edges)`` takes the arrays of
``smile_viewer.state.scene_data.FovGeometry`` (true to the field's angles and the roll:
the far outline lies on the tangent plane at the aim distance): translucent sides and
brighter edges.
"""

from __future__ import annotations

import numpy as np
from vispy import scene

from smile_viewer._vispy.visuals.lines import ThickLine

__all__ = ["FieldOfView"]


class FieldOfView(scene.Node):
    """A field-of-view solid: translucent sides plus edge lines, one colour."""

    def __init__(
        self, name: str, color=(0.72, 0.95, 0.35), opacity: float = 0.3, pixel_scale: float = 1.0, parent=None
    ):
        super().__init__(parent=parent, name=name)
        self._color = tuple(float(v) for v in color[:3])
        self._opacity = float(opacity)
        self.sides = scene.visuals.Mesh(
            vertices=np.zeros((3, 3), np.float32),
            faces=np.zeros((1, 3), np.uint32),
            color=(*self._color, 0.0),
            shading=None,
            parent=self,
        )
        self.sides.set_gl_state("translucent", depth_test=True, depth_mask=False, cull_face=False)
        self.edges = ThickLine(
            pos=np.zeros((0, 3), np.float32), width=1.4 * pixel_scale, connect="segments", parent=self
        )
        self.edges.set_gl_state("translucent", depth_test=True, depth_mask=False)
        self.apex = np.zeros(3)
        self.rim = np.zeros((0, 3))
        self._faces = np.zeros((0, 3), np.uint32)
        self._edge_pts = np.zeros((0, 3), np.float32)

    def set_geometry(self, apex, rim, faces, edges) -> None:
        self.apex = np.asarray(apex, dtype=float).reshape(3)
        self.rim = np.asarray(rim, dtype=float).reshape(-1, 3)
        self._faces = np.asarray(faces, dtype=np.uint32).reshape(-1, 3)
        self._edge_pts = np.asarray(edges, dtype=np.float32).reshape(-1, 3)
        self._upload()

    def set_color(self, color) -> None:
        self._color = tuple(float(v) for v in color[:3])
        self._upload()

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        self._opacity = float(value)
        self._upload()

    def _upload(self) -> None:
        verts = np.vstack([self.apex[None, :], self.rim]).astype(np.float32)
        if len(self._faces):
            self.sides.set_data(vertices=verts, faces=self._faces, color=(*self._color, 0.25 * self._opacity))
        edge_alpha = min(1.0, 3.3 * self._opacity)  # opaque edges at the default 0.3; none at 0
        self.edges.set_data(pos=self._edge_pts, color=(*self._color, edge_alpha))
