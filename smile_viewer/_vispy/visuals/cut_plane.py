"""A cut plane through the cube in the 3-D scene: the plane's values as colours, and its outline.

:class:`CutPlane` draws a :class:`~smile_viewer.physics.cut_plane.PlaneCut` (sampled off the
drawing code) as an image on the plane (one texel per sample, nearest, so the colours on screen
are the colour map's at the sampled values; transparent outside the cube) with a thin outline
of the cube's section; its node transform places it from the cube's frame into the scene's.
:func:`cut_colors` maps values to RGBA (log or linear between two limits).
"""

from __future__ import annotations

import numpy as np
from vispy import scene
from vispy.visuals.transforms import MatrixTransform

from smile_viewer._vispy.visuals.colormaps import colormap_rgba

__all__ = ["CutPlane", "cut_colors", "default_range"]


def default_range(values: np.ndarray, scale: str = "log") -> tuple[float, float] | None:
    """Colour limits from the finite values (log: the positive ones, widened to half a decade
    at least; linear: min and max). None when there is nothing to show."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if scale == "log":
        v = v[v > 0]
        if v.size == 0:
            return None
        lo, hi = float(v.min()), float(v.max())
        if hi / lo < 10**0.5:
            mid = (lo * hi) ** 0.5
            lo, hi = mid / 10**0.25, mid * 10**0.25
        return lo, hi
    if v.size == 0:
        return None
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        pad = abs(lo) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    return lo, hi


def cut_colors(values: np.ndarray, cmap: str, clim: tuple[float, float], scale: str = "log") -> np.ndarray:
    """(…, 4) uint8 RGBA of ``values``: the colour map ``cmap`` between ``clim`` (clipped),
    log10 or linear; NaN (outside the cube) transparent, values ≤ 0 on a log scale at the low end."""
    v = np.asarray(values, dtype=float)
    lo, hi = (float(c) for c in clim)
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "log":
            t = (np.log10(np.where(v > 0, v, lo)) - np.log10(lo)) / (np.log10(hi) - np.log10(lo))
        else:
            t = (v - lo) / (hi - lo)
    t = np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0)
    lut = np.round(colormap_rgba(cmap, 256) * 255.0).astype(np.uint8)
    rgba = lut[np.round(t * 255.0).astype(np.int64)]
    rgba[..., 3] = np.where(np.isfinite(v), 255, 0)
    return rgba


class CutPlane(scene.Node):
    """The cut plane's image and outline (hidden until :meth:`set_cut`)."""

    def __init__(self, parent=None):
        super().__init__(parent=parent, name="cut_plane")
        self.image = scene.visuals.Image(
            np.zeros((2, 2, 4), np.uint8), parent=self, interpolation="nearest", method="subdivide"
        )
        self.image.set_gl_state("translucent", depth_test=True, cull_face=False)
        self.outline = scene.visuals.Line(
            np.zeros((2, 3), np.float32), color=(0.88, 0.92, 1.0, 0.9), parent=self
        )
        self.outline.set_gl_state("translucent", depth_test=True)
        self.visible = False
        self.cut = None

    def set_cut(self, cut, rgba: np.ndarray) -> None:
        """Show ``cut`` (a PlaneCut) with its colours ``rgba`` ((nv, nu, 4) uint8)."""
        nv, nu = cut.values.shape
        du = float(cut.u_re[1] - cut.u_re[0]) if nu > 1 else 1.0
        dv = float(cut.v_re[1] - cut.v_re[0]) if nv > 1 else 1.0
        origin = (
            cut.offset_re * cut.normal
            + (cut.u_re[0] - 0.5 * du) * cut.u_axis
            + (cut.v_re[0] - 0.5 * dv) * cut.v_axis
        )
        m = np.eye(4)  # vispy maps row vectors: [x y z 1] @ m; image pixel (col, row) → the plane
        m[0, :3] = du * cut.u_axis
        m[1, :3] = dv * cut.v_axis
        m[2, :3] = cut.normal
        m[3, :3] = origin
        self.image.set_data(np.ascontiguousarray(rgba))
        self.image.transform = MatrixTransform(m)
        corners = cut.corners()
        self.outline.set_data(np.vstack([corners, corners[:1]]).astype(np.float32))
        self.cut = cut
        self.visible = True
