"""PNG quicklook of a synthetic image: the picture, a colour bar in physical units, axes in degrees.

matplotlib is imported inside :func:`write_quicklook_png` only (``import smile_viewer.io``
does not load it), through its object-oriented API and the Agg canvas: no pyplot, no global
backend change, no display.

The picture is shown as the camera makes it: row 0 at the top. Axes: the angle from the
boresight along camera x (horizontal) and along camera −y (vertical, "up"), in degrees,
spanning ± fov/2 edge to edge. Pixels are drawn evenly spaced; a gnomonic grid is even in
tan(angle), so interior positions are off by at most about 0.1° for SXI's 26.5° (a
quicklook, not a measurement: use the FITS product's WCS for that). Circular fields
(UVI) get their outline drawn and the pixels outside left blank.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from smile_viewer.errors import UserInputError
from smile_viewer.io.stretch import ASINH_SOFTENING, LOG_DYNAMIC_RANGE, Stretch, auto_levels

__all__ = ["SCALES", "write_quicklook_png"]

#: Colour scales (those of :mod:`smile_viewer.io.stretch`, the default first).
SCALES = ("log", "linear", "sqrt", "asinh")

_UNIT_LABELS = {
    "keV cm^-2 s^-1 sr^-1": r"keV cm$^{-2}$ s$^{-1}$ sr$^{-1}$",
    "R": "R (Rayleigh)",
    "count": "counts per pixel",
    "counts": "counts per pixel",
}


def _norm(scale: str, data: np.ndarray, vmin, vmax, asinh_softening: float = ASINH_SOFTENING):
    """The matplotlib norm of ``scale`` for ``data``: the stretch and automatic levels of
    :mod:`smile_viewer.io.stretch`, as the application's image panels use them."""
    from matplotlib import colors  # lazy: matplotlib costs ~1.2 s; only exported plots need it

    lo, hi = auto_levels(data, scale)
    lo = float(vmin) if vmin is not None else lo
    hi = float(vmax) if vmax is not None else hi
    if scale == "log":
        if not hi > 0:
            hi = 1.0
        if not 0 < lo < hi:
            lo = hi * LOG_DYNAMIC_RANGE
        return colors.LogNorm(vmin=lo, vmax=hi, clip=True)  # log10, the same map as Stretch("log")
    if hi <= lo:
        hi = lo + 1.0
    if scale == "linear":
        return colors.Normalize(vmin=lo, vmax=hi, clip=True)
    stretch = Stretch.for_data(scale, data, asinh_softening=asinh_softening)
    return colors.FuncNorm((stretch.forward, stretch.inverse), vmin=lo, vmax=hi, clip=True)


def write_quicklook_png(
    path,
    image,
    camera,
    units: str,
    title: str = "",
    scale: str = "log",
    *,
    vmin: float | None = None,
    vmax: float | None = None,
    cmap: str = "inferno",
    dpi: int = 110,
) -> Path:
    """Write a PNG of ``image`` (ny, nx) seen by ``camera``; returns the path.

    ``units``: label of the colour bar (our unit names are typeset, others shown as given);
    ``scale``: "log" (default; zeros and negatives are blank), "linear", "sqrt" or "asinh",
    mapped to colours exactly as the application's image panels do (:mod:`smile_viewer.io.stretch`).
    """
    # lazy: matplotlib costs ~1.2 s; only exported plots need it
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Circle

    scale = str(scale).lower()
    if scale not in SCALES:
        raise UserInputError(f"unknown scale {scale!r}; use one of {', '.join(SCALES)}")
    data = np.array(image, dtype=float)
    if data.shape != tuple(camera.shape):
        raise UserInputError(f"image shape {data.shape} does not match the camera's {tuple(camera.shape)}")
    if getattr(camera, "circular", False):
        data = np.where(camera.inside_field(), data, np.nan)
    if scale == "log":
        data = np.where(data > 0, data, np.nan)
    fx, fy = camera.fov_deg
    half_x, half_y = fx / 2.0, fy / 2.0
    aspect = (fy / fx) if fx > 0 else 1.0
    width = 7.5
    fig = Figure(figsize=(width, max(3.0, width * aspect * 0.85 + 1.2)), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    mimg = ax.imshow(
        data,
        origin="upper",
        extent=(-half_x, half_x, -half_y, half_y),
        interpolation="nearest",
        cmap=cmap,
        norm=_norm(scale, data, vmin, vmax),
        aspect="equal",
    )
    if getattr(camera, "circular", False):
        ax.add_patch(Circle((0.0, 0.0), half_x, fill=False, color="0.6", lw=0.8))
    ax.set_xlabel("angle from boresight along camera x [deg]")
    ax.set_ylabel("angle along camera -y (up) [deg]")
    ax.set_facecolor("black")
    if title:
        ax.set_title(title, fontsize=10)
    cb = fig.colorbar(mimg, ax=ax, shrink=0.9, pad=0.02)
    cb.set_label(_UNIT_LABELS.get(units, units) + ("" if scale == "linear" else f"  ({scale} scale)"))
    fig.tight_layout()
    out = Path(path).expanduser()
    if not out.parent.is_dir():
        raise UserInputError(f"directory {out.parent} does not exist")
    fig.savefig(out, format="png")
    return out
