"""Translucent boundary surfaces: the magnetopause and the bow shock.

``BoundarySurfaceVisual.set_data(vertices, faces, normals)`` takes the arrays of
``smile_viewer.state.scene_data.SurfaceMesh`` (built off the GUI thread); the node's transform
places them (the view rotates GSM meshes into the scene frame). The look: clear where the
surface faces the viewer and denser towards its silhouette, with thin rings at constant X,
blended without depth writes so Earth, field lines and the orbit stay visible through it.
GLSL: ``shaders/surface.vert`` and ``shaders/surface.frag``.
"""

from __future__ import annotations

import numpy as np
from vispy import gloo
from vispy.scene.visuals import create_visual_node
from vispy.visuals import Visual

from smile_viewer.resources import read_shader

__all__ = ["BoundarySurface", "BoundarySurfaceVisual"]


class BoundarySurfaceVisual(Visual):
    """A translucent, rim-lit triangle mesh (R_E).

    Parameters
    ----------
    color : (r, g, b) or (r, g, b, a) floats
        Colour; ``a`` (or ``opacity``) scales the whole surface's alpha.
    face_alpha : float
        Alpha where the surface faces the viewer (times the opacity).
    ring_spacing_re : float
        Distance between the rings at constant X (0: no rings).
    """

    def __init__(
        self,
        color=(0.3, 0.8, 0.95),
        opacity: float = 0.5,
        face_alpha: float = 0.05,
        rim_power: float = 2.6,
        ring_spacing_re: float = 5.0,
        ring_alpha: float = 0.25,
        back_factor: float = 0.45,
    ):
        Visual.__init__(self, vcode=read_shader("surface.vert"), fcode=read_shader("surface.frag"))
        self._pos_vbo = gloo.VertexBuffer(np.zeros((3, 3), np.float32))
        self._nrm_vbo = gloo.VertexBuffer(np.zeros((3, 3), np.float32))
        self.shared_program["a_position"] = self._pos_vbo
        self.shared_program["a_normal"] = self._nrm_vbo
        self._index_buffer = gloo.IndexBuffer(np.zeros((0, 3), np.uint32))
        self._draw_mode = "triangles"
        self._vertices = np.zeros((0, 3), np.float32)
        self._normals = np.zeros((0, 3), np.float32)
        self._near_side_only = False
        self._color = (0.3, 0.8, 0.95)
        self._opacity = float(opacity)
        self.shared_program["u_face_alpha"] = float(face_alpha)
        self.shared_program["u_rim_power"] = float(rim_power)
        self.shared_program["u_ring_spacing"] = float(ring_spacing_re)
        self.shared_program["u_ring_alpha"] = float(ring_alpha)
        self.shared_program["u_back_factor"] = float(back_factor)
        self.set_color(color)
        self.set_gl_state("translucent", depth_test=True, depth_mask=False, cull_face=False)
        self.freeze()

    @property
    def vertices(self) -> np.ndarray:
        return self._vertices

    def set_data(self, vertices, faces, normals) -> None:
        """Vertices (N, 3) and outward unit normals (N, 3) [R_E], faces (M, 3)."""
        v = np.ascontiguousarray(vertices, dtype=np.float32).reshape(-1, 3)
        n = np.ascontiguousarray(normals, dtype=np.float32).reshape(-1, 3)
        f = np.ascontiguousarray(faces, dtype=np.uint32).reshape(-1, 3)
        if len(n) != len(v):
            raise ValueError(f"{len(v)} vertices but {len(n)} normals")
        if len(f) and int(f.max()) >= len(v):
            raise ValueError("a face refers to a vertex that does not exist")
        self._vertices = v
        self._normals = n
        self._pos_vbo.set_data(v if len(v) else np.zeros((3, 3), np.float32))
        self._nrm_vbo.set_data(n if len(n) else np.zeros((3, 3), np.float32))
        self._index_buffer.set_data(f)
        self.update()

    @property
    def near_side_only(self) -> bool:
        """Draw only the faces turned towards the viewer (the outer side; about half the
        fragments: the view's interactive quality). The far, inner side is left out."""
        return self._near_side_only

    @near_side_only.setter
    def near_side_only(self, value: bool) -> None:
        value = bool(value)
        if value != self._near_side_only:
            self._near_side_only = value
            # the faces are wound outward: the near side of the shell is front-facing
            self.update_gl_state(cull_face="back" if value else False)
            self.update()

    def contains(self, point) -> bool:
        """True when ``point`` (R_E, the visual's frame) lies on the inner side of the surface:
        behind the outward normal of the nearest vertex (the meshes are smooth shells)."""
        if len(self._vertices) == 0:
            return False
        p = np.asarray(point, dtype=np.float32).reshape(3)
        i = int(np.argmin(((self._vertices - p) ** 2).sum(axis=1)))
        return float(np.dot(p - self._vertices[i], self._normals[i])) < 0.0

    def clear(self) -> None:
        self.set_data(np.zeros((0, 3)), np.zeros((0, 3), np.uint32), np.zeros((0, 3)))

    def set_color(self, color) -> None:
        c = tuple(float(v) for v in color)
        self._color = c[:3]
        if len(c) == 4:
            self._opacity = c[3]
        self._push_color()

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        self._opacity = float(value)
        self._push_color()

    def _push_color(self) -> None:
        self.shared_program["u_color"] = (*self._color, self._opacity)
        self.update()

    def _prepare_transforms(self, view):
        view.view_program.vert["transform"] = view.get_transform()
        view.view_program.vert["visual_to_doc"] = view.transforms.get_transform("visual", "document")
        view.view_program.vert["doc_to_visual"] = view.transforms.get_transform("document", "visual")

    def _prepare_draw(self, view):
        return len(self._vertices) > 0 and self._opacity > 0

    def _compute_bounds(self, axis, view):
        if len(self._vertices) == 0:
            return None
        return (float(self._vertices[:, axis].min()), float(self._vertices[:, axis].max()))


BoundarySurface = create_visual_node(BoundarySurfaceVisual)
