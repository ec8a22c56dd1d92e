"""The spacecraft's orbit track and its current-position marker (positions in R_E, scene frame)."""

from __future__ import annotations

import numpy as np
from vispy import scene

from smile_viewer._vispy.visuals.lines import ThickLine

TRACK_COLOR = (0.55, 0.90, 1.00)
SPACECRAFT_FACE = (1.0, 1.0, 1.0, 1.0)
SPACECRAFT_EDGE = (1.0, 0.55, 0.10, 1.0)


def track_colors(offsets_s: np.ndarray, period_s: float, rgb=TRACK_COLOR, alpha: float = 1.0) -> np.ndarray:
    """RGBA per track point: the part still to be flown bright, the part flown dimmer with age.

    Opaque colours (dimmed towards black) rather than transparency: overlapping joints of
    the line strip would otherwise show as bright dots.
    """
    f = np.asarray(offsets_s, float) / max(period_s, 1.0)
    brightness = np.where(f >= 0.0, 1.0, 1.0 - 1.1 * np.clip(-f, 0.0, 0.5))
    cols = np.ones((len(f), 4), np.float32)
    cols[:, :3] = np.asarray(rgb, np.float32)[None, :] * brightness[:, None]
    cols[:, 3] = alpha
    return cols


class OrbitTrack(scene.Node):
    """A polyline of spacecraft positions, coloured by time relative to the scene time."""

    def __init__(self, pixel_scale: float = 1.0, parent=None):
        super().__init__(parent=parent, name="orbit")
        self.line = ThickLine(
            pos=np.zeros((2, 3), np.float32),
            color=(*TRACK_COLOR, 1.0),
            width=2.5 * pixel_scale,
            parent=self,
        )
        # depth-tested against the Earth, but writes no depth so the marker on it stays whole
        self.line.set_gl_state("translucent", depth_test=True, depth_mask=False)
        self.positions = np.zeros((0, 3))
        self.times_s = np.zeros(0)  # seconds relative to ``reference``
        self.period_s = 1.0
        self.rgb = TRACK_COLOR
        self.alpha = 1.0

    def set_style(self, rgba) -> None:
        """Colour (r, g, b[, opacity]) of the track still to be flown."""
        self.rgb = tuple(float(v) for v in rgba[:3])
        self.alpha = float(rgba[3]) if len(rgba) > 3 else 1.0
        if len(self.positions):
            self.line.set_data(color=track_colors(self.times_s, self.period_s, self.rgb, self.alpha))

    def set_track(self, positions: np.ndarray, offsets_s: np.ndarray, period_s: float) -> None:
        self.positions = np.asarray(positions, float)
        self.times_s = np.asarray(offsets_s, float)
        self.period_s = float(period_s)
        self.line.set_data(
            pos=self.positions.astype(np.float32),
            color=track_colors(self.times_s, period_s, self.rgb, self.alpha),
        )

    def recolor(self, offsets_s: np.ndarray, period_s: float) -> None:
        self.times_s = np.asarray(offsets_s, float)
        self.period_s = float(period_s)
        self.line.set_data(color=track_colors(self.times_s, period_s, self.rgb, self.alpha))


class SpacecraftMarker(scene.Node):
    """A bright disc at the spacecraft's position with its name beside it."""

    def __init__(self, name: str = "SMILE", pixel_scale: float = 1.0, parent=None, font_manager=None):
        super().__init__(parent=parent, name="spacecraft")
        self.order = 10  # after the track it sits on
        self._pixel_scale = pixel_scale
        self.position = np.zeros(3)
        self.marker = scene.visuals.Markers(parent=self)
        self.marker.set_gl_state("translucent", depth_test=True)
        self.label = scene.visuals.Text(
            text="   " + name,
            color=(1.0, 0.80, 0.55, 1.0),
            font_size=12 * pixel_scale,
            bold=True,
            anchor_x="left",
            anchor_y="bottom",
            parent=self,
            font_manager=font_manager,
        )
        self.set_position(self.position)

    def set_position(self, xyz) -> None:
        self.position = np.asarray(xyz, float).reshape(3)
        p = self.position[None, :].astype(np.float32)
        self.marker.set_data(
            p,
            size=13 * self._pixel_scale,
            face_color=SPACECRAFT_FACE,
            edge_color=SPACECRAFT_EDGE,
            edge_width=3.0 * self._pixel_scale,
            symbol="disc",
        )
        self.label.pos = p
