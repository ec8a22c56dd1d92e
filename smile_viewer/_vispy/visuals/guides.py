"""Reference guides in the scene frame: the X/Y/Z axes and the Sun-direction arrow.

Both are plain scene nodes grouping lines, cone arrowheads and labels; hide a guide with
``node.visible = False``. Lengths in R_E; line widths and font sizes are multiplied by
``pixel_scale`` (2 when rendering at twice the size for antialiasing).
"""

from __future__ import annotations

import numpy as np
from vispy import scene

from smile_viewer._vispy.visuals.lines import ThickLine

#: Colours chosen to read well on a dark background.
AXIS_COLORS = {
    "x": (1.00, 0.40, 0.40, 1.0),
    "y": (0.45, 0.92, 0.45, 1.0),
    "z": (0.45, 0.65, 1.00, 1.0),
}
SUN_COLOR = (1.00, 0.82, 0.20, 1.0)


def cone_mesh(
    tip: np.ndarray, direction: np.ndarray, length: float, radius: float, n: int = 24
) -> tuple[np.ndarray, np.ndarray]:
    """Vertices and faces of a cone with its apex at ``tip`` pointing along ``direction``."""
    d = np.asarray(direction, float)
    d = d / np.linalg.norm(d)
    helper = np.array([0.0, 0.0, 1.0]) if abs(d[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    e1 = np.cross(d, helper)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(d, e1)
    base_c = np.asarray(tip, float) - d * length
    ang = np.linspace(0.0, 2 * np.pi, n, endpoint=False)
    ring = base_c + radius * (np.outer(np.cos(ang), e1) + np.outer(np.sin(ang), e2))
    verts = np.vstack([ring, tip, base_c]).astype(np.float32)
    i = np.arange(n)
    j = (i + 1) % n
    side = np.stack([i, j, np.full(n, n)], axis=1)
    base = np.stack([j, i, np.full(n, n + 1)], axis=1)
    return verts, np.vstack([side, base]).astype(np.uint32)


class _ArrowSet(scene.Node):
    """Several straight arrows with labels, drawn as one line set + one cone mesh + texts."""

    def __init__(
        self,
        starts,
        ends,
        colors,
        labels,
        *,
        head_length,
        head_radius,
        width: float,
        font_size: float,
        label_offset: float,
        pixel_scale: float = 1.0,
        parent=None,
        name=None,
        font_manager=None,
    ):
        super().__init__(parent=parent, name=name)
        starts = np.asarray(starts, float)
        ends = np.asarray(ends, float)
        colors = np.asarray(colors, float)
        dirs = ends - starts
        dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
        # Shaft stops where the cone begins, so the line does not poke through its tip.
        shaft_end = ends - dirs * head_length * 0.9
        seg = np.empty((2 * len(starts), 3))
        seg[0::2] = starts
        seg[1::2] = shaft_end
        seg_col = np.repeat(colors, 2, axis=0)
        self.lines = ThickLine(
            pos=seg.astype(np.float32),
            color=seg_col,
            connect="segments",
            width=width * pixel_scale,
            parent=self,
        )
        verts, faces, vcols, shades = [], [], [], []
        offset = 0
        for end, d, c in zip(ends, dirs, colors):
            v, f = cone_mesh(end, d, head_length, head_radius)
            verts.append(v)
            faces.append(f + offset)
            # a little darker on the base ring so the cone reads as a solid
            shade = np.ones((len(v), 1))
            shade[-1] = 0.6
            vcols.append(np.hstack([c[:3] * shade, np.ones((len(v), 1))]))
            shades.append(shade)
            offset += len(v)
        self.heads = scene.visuals.Mesh(
            vertices=np.vstack(verts),
            faces=np.vstack(faces),
            vertex_colors=np.vstack(vcols),
            shading=None,
            parent=self,
        )
        self._colors = colors.copy()
        self._n_verts = [len(v) for v in verts]
        self._shades = shades
        self.labels = []
        for end, d, c, text in zip(ends, dirs, colors, labels):
            if not text:
                continue
            t = scene.visuals.Text(
                text=text,
                pos=end + d * label_offset,
                color=c,
                font_size=font_size * pixel_scale,
                bold=True,
                anchor_x="center",
                anchor_y="center",
                parent=self,
                font_manager=font_manager,
            )
            self.labels.append(t)

    def set_style(self, rgba=None, opacity: float | None = None) -> None:
        """One colour for every arrow (``rgba``; None keeps each arrow's own) and/or an opacity."""
        colors = self._colors.copy()
        if rgba is not None:
            colors[:, :3] = np.asarray(rgba[:3], float)
            if len(rgba) > 3 and opacity is None:
                opacity = float(rgba[3])
        alpha = 1.0 if opacity is None else float(opacity)
        colors[:, 3] = alpha
        self.lines.set_data(color=np.repeat(colors, 2, axis=0))
        vcols = [
            np.hstack([np.clip(c[:3] * shade, 0, 1), np.full((n, 1), alpha)])
            for c, n, shade in zip(colors, self._n_verts, self._shades)
        ]
        self.heads.set_data(
            vertices=self.heads.mesh_data.get_vertices(),
            faces=self.heads.mesh_data.get_faces(),
            vertex_colors=np.vstack(vcols),
        )
        for t, c in zip(self.labels, colors):
            t.color = tuple(c)

    def set_opacity(self, opacity: float) -> None:
        self.set_style(None, opacity)


class FrameAxes(_ArrowSet):
    """X, Y, Z axes of the scene frame from the origin, ``length`` R_E long, labelled."""

    def __init__(
        self,
        frame: str = "gse",
        length: float = 8.0,
        pixel_scale: float = 1.0,
        parent=None,
        font_manager=None,
    ):
        self.frame = frame.lower()
        self.length = float(length)
        eye = np.eye(3)
        super().__init__(
            starts=np.zeros((3, 3)),
            ends=eye * self.length,
            colors=[AXIS_COLORS["x"], AXIS_COLORS["y"], AXIS_COLORS["z"]],
            labels=self._labels(self.frame),
            head_length=0.09 * self.length,
            head_radius=0.028 * self.length,
            width=2.0,
            font_size=11.0,
            label_offset=0.1 * self.length,
            pixel_scale=pixel_scale,
            parent=parent,
            name="axes",
            font_manager=font_manager,
        )

    @staticmethod
    def _labels(frame: str) -> list[str]:
        f = frame.upper()
        return [f"X {f}", f"Y {f}", f"Z {f}"]

    def set_frame(self, frame: str) -> None:
        self.frame = frame.lower()
        for t, text in zip(self.labels, self._labels(self.frame)):
            t.text = text


class SunArrow(_ArrowSet):
    """An arrow along +X (towards the Sun in GSE and GSM) from ``start`` to ``end`` R_E."""

    def __init__(
        self, start: float = 11.0, end: float = 17.0, pixel_scale: float = 1.0, parent=None, font_manager=None
    ):
        self.start = float(start)
        self.end = float(end)
        super().__init__(
            starts=[[self.start, 0.0, 0.0]],
            ends=[[self.end, 0.0, 0.0]],
            colors=[SUN_COLOR],
            labels=["to Sun"],
            head_length=1.0,
            head_radius=0.36,
            width=4.0,
            font_size=12.0,
            label_offset=1.6,
            pixel_scale=pixel_scale,
            parent=parent,
            name="sun",
            font_manager=font_manager,
        )
