"""Magnetic field lines coloured by topology (closed, open north, open south, IMF).

``FieldLines.set_data(points, offsets, topology)`` takes the arrays of
``smile_viewer.state.scene_data.FieldLineData`` (traced off the GUI thread): line i is
``points[offsets[i]:offsets[i+1]]``, ``topology[i]`` a code of
``scene_data.TOPOLOGY_NAMES``. Drawn as constant-width lines (``ThickLine``), depth-tested
against the Earth.
"""

from __future__ import annotations

import numpy as np
from vispy import scene

from smile_viewer._vispy.visuals.lines import ThickLine

__all__ = ["TOPOLOGY_COLORS", "TOPOLOGY_LABELS", "FieldLines", "segments_from_lines"]

#: Colour of each topology class (index = code), readable on the dark background and apart
#: from the axes (red/green/blue), the Sun (yellow) and the orbit (light cyan).
TOPOLOGY_COLORS = np.array(
    [
        (0.98, 0.93, 0.80),  # closed: warm white
        (1.00, 0.42, 0.70),  # open, northern footpoint: pink
        (0.58, 0.55, 1.00),  # open, southern footpoint: periwinkle
        (0.50, 0.56, 0.66),  # IMF: grey-blue
        (0.45, 0.45, 0.45),  # other (incomplete)
    ],
    dtype=np.float32,
)
TOPOLOGY_LABELS = ("closed", "open (north)", "open (south)", "IMF", "other")


def segments_from_lines(points: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segment end points (2m, 3) of ragged polylines and the line index of each segment (m,)."""
    pts = np.asarray(points, dtype=np.float32).reshape(-1, 3)
    off = np.asarray(offsets, dtype=np.int64)
    n = len(off) - 1
    if n <= 0 or len(pts) < 2:
        return np.zeros((0, 3), np.float32), np.zeros(0, np.int64)
    starts = np.arange(len(pts) - 1)
    line_of = np.searchsorted(off, starts, side="right") - 1
    keep = starts + 1 < off[line_of + 1]  # not the last point of its line
    i0 = starts[keep]
    seg = np.empty((2 * len(i0), 3), np.float32)
    seg[0::2] = pts[i0]
    seg[1::2] = pts[i0 + 1]
    return seg, line_of[keep]


class FieldLines(scene.Node):
    """Field lines as one set of segments coloured by each line's topology."""

    def __init__(self, width: float = 1.6, pixel_scale: float = 1.0, parent=None):
        super().__init__(parent=parent, name="field_lines")
        self.line = ThickLine(
            pos=np.zeros((0, 3), np.float32), width=width * pixel_scale, connect="segments", parent=self
        )
        self.line.set_gl_state("translucent", depth_test=True, depth_mask=False)
        self.points = np.zeros((0, 3), np.float32)
        self.offsets = np.zeros(1, np.int64)
        self.topology = np.zeros(0, np.int8)
        self._opacity = 1.0
        self.colors = TOPOLOGY_COLORS.copy()

    def set_data(self, points, offsets, topology) -> None:
        self.points = np.asarray(points, dtype=np.float32).reshape(-1, 3)
        self.offsets = np.asarray(offsets, dtype=np.int64)
        self.topology = np.asarray(topology, dtype=np.int8)
        self._upload()

    def clear(self) -> None:
        self.set_data(np.zeros((0, 3)), np.zeros(1, np.int64), np.zeros(0, np.int8))

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        self._opacity = float(value)
        self._upload()

    def _upload(self) -> None:
        seg, line_of = segments_from_lines(self.points, self.offsets)
        codes = np.clip(self.topology[line_of], 0, len(self.colors) - 1) if len(line_of) else np.zeros(0, int)
        rgba = np.ones((len(seg), 4), np.float32)
        if len(seg):
            rgba[0::2, :3] = self.colors[codes]
            rgba[1::2, :3] = self.colors[codes]
        rgba[:, 3] = self._opacity
        self.line.set_data(pos=seg, color=rgba)

    def counts(self) -> dict[str, int]:
        return {TOPOLOGY_LABELS[k]: int(np.sum(self.topology == k)) for k in range(len(TOPOLOGY_LABELS))}
