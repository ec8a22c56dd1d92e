"""A horizontal colour bar for the HUD (canvas pixels): the colour map, the values at its
ends in physical units, and a title. vispy's own ColorBar rotates and overlaps its labels;
this one keeps to plain text the default font has."""

from __future__ import annotations

import numpy as np
from vispy import scene
from vispy.visuals.transforms import STTransform

from smile_viewer._vispy.visuals.colormaps import colormap_rgba

__all__ = ["HudColorBar", "format_value"]


def format_value(value: float) -> str:
    """A short label for a physical value (3 significant digits, plain exponent when needed)."""
    v = float(value)
    if v == 0 or not np.isfinite(v):
        return f"{v:g}"
    if 0.01 <= abs(v) < 1e4:
        return f"{v:.3g}"
    mant, exp = f"{v:.2e}".split("e")
    return f"{float(mant):.3g}e{int(exp)}"


class HudColorBar(scene.Node):
    """Colour bar ``size`` = (width, height) px with its left end at ``pos`` (x, y) (top edge)."""

    def __init__(
        self,
        cmap_name: str = "inferno",
        size=(250, 12),
        font_size: float = 8.5,
        color=(0.85, 0.88, 0.95, 1),
        parent=None,
        font_manager=None,
    ):
        super().__init__(parent=parent, name="colorbar")
        self._size = (float(size[0]), float(size[1]))
        self.image = scene.visuals.Image(
            colormap_rgba(cmap_name)[None, :, :], parent=self, interpolation="linear"
        )
        self.frame = scene.visuals.Rectangle(
            center=(0, 0),
            width=1,
            height=1,
            color=(0, 0, 0, 0),
            border_color=(0.55, 0.6, 0.7, 1.0),
            parent=self,
        )

        # (canvas pixels grow downwards: a "top" anchor puts the text above its position)
        def label(anchor_x: str, anchor_y: str):
            return scene.visuals.Text(
                "",
                color=color,
                font_size=font_size,
                anchor_x=anchor_x,
                anchor_y=anchor_y,
                parent=self,
                font_manager=font_manager,
            )

        self.title = label("left", "top")
        self.low = label("left", "bottom")
        self.high = label("right", "bottom")
        self.pos = (0.0, 0.0)

    def set_cmap(self, name: str) -> None:
        self.image.set_data(colormap_rgba(name)[None, :, :])

    def set_labels(self, title: str, low: str, high: str) -> None:
        self.title.text = title
        self.low.text = low
        self.high.text = high

    def place(self, x: float, y: float, scale: float = 1.0) -> None:
        """Left end at ``x``, top edge at ``y`` (canvas pixels); ``scale`` = the pixel scale."""
        w, h = self._size[0] * scale, self._size[1] * scale
        self.pos = (x, y)
        self.image.transform = STTransform(scale=(w / 256.0, h), translate=(x, y))
        self.frame.center = (x + w / 2, y + h / 2)
        self.frame.width = w
        self.frame.height = h
        self.title.pos = (x, y - 4 * scale)
        self.low.pos = (x, y + h + 3 * scale)
        self.high.pos = (x + w, y + h + 3 * scale)
