"""Constant-width 3-D lines drawn as screen-space quads (GLSL in ``shaders/thick_line.*``).

vispy's ``gl`` lines rely on the driver's wide lines: Mesa leaves gaps between short
segments (the orbit near apogee) and core profiles allow only 1 px. This visual expands
every segment into a quad in the vertex shader: same width everywhere, square caps that
overlap the next segment (no gaps), a one-pixel soft edge, depth-tested like any 3-D object.
"""

from __future__ import annotations

import numpy as np
from vispy import gloo
from vispy.color import ColorArray
from vispy.scene.visuals import create_visual_node
from vispy.visuals import Visual

from smile_viewer.resources import read_shader


def _colors(color, n: int) -> np.ndarray:
    c = np.asarray(color, dtype=np.float32) if not isinstance(color, str) else None
    if c is not None and c.ndim == 2 and c.shape[0] == n and c.shape[1] in (3, 4):
        if c.shape[1] == 3:
            c = np.hstack([c, np.ones((n, 1), np.float32)])
        return c
    rgba = ColorArray(color).rgba.astype(np.float32)
    return np.repeat(rgba[:1], n, axis=0)


class ThickLineVisual(Visual):
    """Lines ``width`` framebuffer pixels wide.

    Parameters
    ----------
    pos : (N, 3) array
        Vertices (visual coordinates).
    color : colour or (N, 4) array
        One colour, or one per vertex (a segment takes its start vertex's colour).
    width : float
        Width in framebuffer pixels.
    connect : "strip" or "segments"
        A polyline through all points, or independent segments (pairs of points).
    """

    def __init__(self, pos=None, color=(1.0, 1.0, 1.0, 1.0), width: float = 2.0, connect: str = "strip"):
        Visual.__init__(self, vcode=read_shader("thick_line.vert"), fcode=read_shader("thick_line.frag"))
        self._vbo = {
            name: gloo.VertexBuffer(np.zeros((4, k), np.float32))
            for name, k in (("a_start", 3), ("a_end", 3), ("a_t", 1), ("a_side", 1), ("a_color", 4))
        }
        for name, vbo in self._vbo.items():
            self.shared_program[name] = vbo
        self._index_buffer = gloo.IndexBuffer(np.zeros((0, 3), np.uint32))
        self._draw_mode = "triangles"
        self._width = float(width)
        self._connect = connect
        self._pos = np.zeros((0, 3), np.float32)
        self._color = np.zeros((0, 4), np.float32)
        self.shared_program["u_width"] = self._width
        self.shared_program["u_px_per_ndc"] = (1.0, 1.0)
        self.set_gl_state("translucent", depth_test=True)
        self.set_data(pos if pos is not None else np.zeros((0, 3)), color)

    @property
    def width(self) -> float:
        return self._width

    @width.setter
    def width(self, value: float) -> None:
        self._width = float(value)
        self.shared_program["u_width"] = self._width
        self.update()

    @property
    def pos(self) -> np.ndarray:
        return self._pos

    def set_data(self, pos=None, color=None, connect: str | None = None) -> None:
        if pos is not None:
            self._pos = np.asarray(pos, dtype=np.float32).reshape(-1, 3)
        if connect is not None:
            self._connect = connect
        n = len(self._pos)
        if color is not None or len(self._color) != n:
            self._color = _colors(color if color is not None else (1.0, 1.0, 1.0, 1.0), n)
        if self._connect == "segments":
            i0 = np.arange(0, n - 1, 2)
        else:
            i0 = np.arange(0, max(n - 1, 0))
        i1 = i0 + 1
        m = len(i0)
        # 4 vertices per segment: (t, side) = (0,-1), (0,+1), (1,-1), (1,+1)
        t = np.tile(np.array([0, 0, 1, 1], np.float32), m)
        side = np.tile(np.array([-1, 1, -1, 1], np.float32), m)
        start = np.repeat(self._pos[i0], 4, axis=0)
        end = np.repeat(self._pos[i1], 4, axis=0)
        col = np.repeat(self._color[i0], 4, axis=0)
        base = (np.arange(m, dtype=np.uint32) * 4)[:, None]
        faces = np.hstack([base + [0, 1, 2], base + [2, 1, 3]]).reshape(-1, 3).astype(np.uint32)
        if m == 0:  # keep valid (empty) buffers
            start = end = np.zeros((4, 3), np.float32)
            t = side = np.zeros(4, np.float32)
            col = np.zeros((4, 4), np.float32)
        self._vbo["a_start"].set_data(start)
        self._vbo["a_end"].set_data(end)
        self._vbo["a_t"].set_data(t.reshape(-1, 1))
        self._vbo["a_side"].set_data(side.reshape(-1, 1))
        self._vbo["a_color"].set_data(col)
        self._index_buffer.set_data(faces)
        self._n_segments = m
        self.update()

    def _prepare_transforms(self, view):
        view.view_program.vert["transform"] = view.get_transform()

    def _prepare_draw(self, view):
        if self._n_segments == 0:
            return False
        tr = view.transforms.get_transform("render", "framebuffer")
        a, b = tr.map(np.array([[0.0, 0.0], [1.0, 1.0]]))[:, :2]
        px = np.abs(b - a)
        self.shared_program["u_px_per_ndc"] = (float(max(px[0], 1e-6)), float(max(px[1], 1e-6)))
        return True

    def _compute_bounds(self, axis, view):
        if len(self._pos) == 0:
            return None
        return (float(self._pos[:, axis].min()), float(self._pos[:, axis].max()))


ThickLine = create_visual_node(ThickLineVisual)
