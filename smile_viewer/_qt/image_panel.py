"""A 2-D image panel in physical units (pyqtgraph; no OpenGL needed).

:class:`ImagePanel` shows one image (a synthetic SXI/UVI frame, an observed image, a
difference) with:

- a colour scale — ``linear``, ``log``, ``sqrt`` or ``asinh``, the same as the PNG quicklooks'
  (:mod:`smile_viewer.io.stretch`) — and a colour map;
- a colour bar (pyqtgraph's HistogramLUT: histogram, draggable levels) whose ticks are
  physical values in the image's units whatever the scale (the bar is drawn in the
  stretched space, the labels are the values);
- the value under the cursor with its units and pixel index (and sky or angle coordinates
  when a coordinate function is given);
- a fixed aspect ratio; row 0 at the top (array order: ``image[row, col]``);
- ``pixel_clicked(row, col)`` on a left click (the application draws that line of sight),
  and :meth:`~ImagePanel.set_marker` to outline a pixel;
- NaN pixels (no data, e.g. behind the Earth or off the detector) drawn transparent.

The panel holds no application state: the app calls :meth:`~ImagePanel.set_image` with
each new result (``panel.set_image(result.image, result.units, "SXI 2026-03-20 12:00")``).
With "Auto levels" on (the default) each image gets levels from its own data; dragging the
levels on the colour bar switches that off so a sequence of images can be compared.

Levels are kept in physical units (:meth:`~ImagePanel.levels`, :meth:`~ImagePanel.set_levels`).
Log scale: values ≤ 0 are drawn in the lowest colour (not as missing data); the automatic
lower level is the smallest positive value, but not below 10⁻⁶ of the maximum. Asinh scale:
``asinh(x / a)`` with ``a = asinh_softening × max|x|`` (default 0.1): linear near zero,
logarithmic above ``a``; handles negative values (differences).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPen, QTextOption
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsRectItem,
    QHBoxLayout,
    QLabel,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from smile_viewer._qt.pyside_compat import apply_pyside_fixes
from smile_viewer.io.stretch import SCALES, Stretch, auto_levels
from smile_viewer.unit_text import SUPERSCRIPT, unit_text

apply_pyside_fixes()

__all__ = [
    "COLORMAPS",
    "DISPLAY_BINS",
    "SCALES",
    "ImagePanel",
    "Stretch",
    "block_mean_display",
    "coordinate_function_from_wcs",
    "format_value",
    "physical_ticks",
]

#: Colour maps offered: menu name -> pyqtgraph colour map name (those that exist are listed).
COLORMAPS: dict[str, str] = {
    "inferno": "inferno",
    "viridis": "viridis",
    "magma": "magma",
    "plasma": "plasma",
    "cividis": "cividis",
    "heat": "CET-L3",
    "gray": "CET-L1",
    "turbo": "turbo",
}


#: Display binning offered (label -> n): the image is shown as n×n block means (display only).
DISPLAY_BINS: dict[str, int] = {"1×1": 1, "2×2": 2, "4×4": 4, "8×8": 8}
#: Counts images with fewer counts than this per pixel (mean) are shown binned 4×4 at first.
SPARSE_COUNTS_PER_PIXEL = 2.0


def block_mean_display(image: np.ndarray, n: int) -> np.ndarray:
    """The image as n×n block means, repeated back to the original shape (display only).

    NaN pixels are left out of each mean and stay NaN; a block with no finite pixel is NaN.
    Edge blocks smaller than n×n average what they hold."""
    a = np.asarray(image, dtype=np.float64)
    if n <= 1:
        return a
    rows, cols = a.shape
    pr, pc = -rows % n, -cols % n
    padded = np.pad(a, ((0, pr), (0, pc)), constant_values=np.nan)
    finite = np.isfinite(padded)
    blocks = np.where(finite, padded, 0.0).reshape(padded.shape[0] // n, n, padded.shape[1] // n, n)
    counts = finite.reshape(blocks.shape).sum(axis=(1, 3))
    with np.errstate(invalid="ignore", divide="ignore"):
        means = blocks.sum(axis=(1, 3)) / counts
    out = np.repeat(np.repeat(means, n, axis=0), n, axis=1)[:rows, :cols]
    out[~np.isfinite(a)] = np.nan
    return out


# -- numbers ------------------------------------------------------------------------------------
def format_value(v: float, digits: int = 4) -> str:
    """A compact physical value: ``0``, ``0.0123``, ``4521``, ``2.5×10⁻⁵``."""
    if v is None or not np.isfinite(v):
        return "nan" if v is not None and np.isnan(v) else str(v)
    if v == 0:
        return "0"
    a = abs(v)
    if 1e-3 <= a < 1e5:
        return f"{v:.{digits}g}"
    exp = math.floor(math.log10(a))
    mant = v / 10.0**exp
    if abs(round(mant, digits - 1)) >= 10:  # 9.9996 -> 10.00
        mant /= 10
        exp += 1
    m = f"{mant:.{digits}g}"
    if m in ("1", "-1"):
        return ("-" if mant < 0 else "") + "10" + str(exp).translate(SUPERSCRIPT)
    return f"{m}×10" + str(exp).translate(SUPERSCRIPT)


def _nice_step(span: float, n: int) -> float:
    raw = span / max(n, 1)
    if raw <= 0 or not np.isfinite(raw):
        return 1.0
    mag = 10.0 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * mag * 1.0000001:
            return m * mag
    return 10 * mag


def _linear_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        return [lo]
    step = _nice_step(hi - lo, n)
    first = math.ceil(lo / step - 1e-9) * step
    ticks = []
    k = 0
    while True:
        v = first + k * step
        if v > hi * (1 + 1e-12) + 1e-300 and v > hi:
            break
        ticks.append(0.0 if abs(v) < step * 1e-9 else v)
        k += 1
        if k > 1000:
            break
    return ticks


def _decade_ticks(lo: float, hi: float, mults: Sequence[float] = (1.0,)) -> list[float]:
    out = []
    for sign in (1.0, -1.0):
        # the part of [lo, hi] with this sign, as magnitudes
        a, b = (max(lo, 0.0), hi) if sign > 0 else (max(-hi, 0.0), -lo)
        if b <= 0:
            continue
        top = math.floor(math.log10(b))
        bottom = math.floor(math.log10(a)) if a > 0 else top - 12
        for e in range(top, bottom - 1, -1):
            for m in mults:
                v = m * 10.0**e
                if a <= v <= b:
                    out.append(sign * v)
    return out


def physical_ticks(stretch: Stretch, d_lo: float, d_hi: float, n: int = 6) -> list[tuple[float, str]]:
    """Ticks for a colour bar drawn in stretched units ``[d_lo, d_hi]``, labelled with physical values.

    Returns ``[(position_in_stretched_units, label), …]``, spaced at least ``span / (n + 2)``
    apart; decades are preferred on log/asinh scales, round numbers on linear/sqrt.
    """
    if not (np.isfinite(d_lo) and np.isfinite(d_hi)):
        return []
    d_lo, d_hi = min(d_lo, d_hi), max(d_lo, d_hi)
    span = d_hi - d_lo
    p_lo, p_hi = (float(v) for v in stretch.inverse([d_lo, d_hi]))
    if span <= 0:
        return [(d_lo, format_value(p_lo))]
    nice = _linear_ticks(p_lo, p_hi, n - 1)
    scale = stretch.scale
    if scale == "linear":
        groups = [nice]
    elif scale == "log":
        groups = [
            _decade_ticks(p_lo, p_hi),
            _decade_ticks(p_lo, p_hi, (2.0, 5.0)),
            _decade_ticks(p_lo, p_hi, (2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0)),
            nice,
        ]
    elif scale == "sqrt":
        groups = [[0.0] if p_lo <= 0 <= p_hi else [], nice, _decade_ticks(p_lo, p_hi)]
    else:  # asinh
        groups = [
            [0.0] if p_lo <= 0 <= p_hi else [],
            _decade_ticks(p_lo, p_hi),
            _decade_ticks(p_lo, p_hi, (2.0, 5.0)),
            nice,
        ]
    min_sep = span / (n + 2)
    chosen: list[tuple[float, float]] = []
    for group in groups:
        for v in group:
            if scale == "log" and v <= 0:
                continue
            pos = float(stretch.forward(v))
            if not (d_lo - 1e-9 * span <= pos <= d_hi + 1e-9 * span):
                continue
            if all(abs(pos - q) >= min_sep for q, _ in chosen):
                chosen.append((pos, v))
    chosen.sort()
    return [(pos, format_value(v, 3)) for pos, v in chosen]


def coordinate_function_from_wcs(
    wcs, names: tuple[str, str] = ("RA", "Dec")
) -> Callable[[float, float], str]:
    """A cursor coordinate function from an astropy WCS of the image array.

    The WCS must describe the array as stored (``image[row, col]``, 0-based, pixel centres at
    integers): ``x = col``, ``y = row``. Returns ``f(row, col) -> "RA 123.456°, Dec -12.345°"``.
    """

    def coords(row: float, col: float) -> str:
        lon, lat = wcs.pixel_to_world_values(col, row)
        lon, lat = float(lon), float(lat)
        if not (np.isfinite(lon) and np.isfinite(lat)):
            return ""
        return f"{names[0]} {lon % 360.0:.3f}°, {names[1]} {lat:+.3f}°"

    return coords


class _AngleAxis(pg.AxisItem):
    """An axis of pixel positions labelled in degrees: ``deg = (v - centre) × scale``.

    Ticks are chosen at round angles (not round pixel numbers). With ``scale`` None it is a
    plain pixel axis."""

    def __init__(self, orientation, **kw):
        super().__init__(orientation, **kw)
        self.deg_per_px: float | None = None
        self.centre_px = 0.0

    def set_angle(self, deg_per_px: float | None, centre_px: float = 0.0) -> None:
        self.deg_per_px = None if deg_per_px is None or not deg_per_px > 0 else float(deg_per_px)
        self.centre_px = float(centre_px)
        self.picture = None
        self.update()

    def to_deg(self, v):
        return (np.asarray(v, float) - self.centre_px) * self.deg_per_px

    def tickValues(self, minVal, maxVal, size):
        if self.deg_per_px is None:
            return super().tickValues(minVal, maxVal, size)
        a, b = sorted((float(self.to_deg(minVal)), float(self.to_deg(maxVal))))
        out = []
        for spacing, vals in super().tickValues(a, b, size):
            out.append((spacing / self.deg_per_px, [v / self.deg_per_px + self.centre_px for v in vals]))
        return out

    def tickStrings(self, values, scale, spacing):
        if self.deg_per_px is None:
            return super().tickStrings(values, scale, spacing)
        step = spacing * self.deg_per_px
        places = max(0, -math.floor(math.log10(step) + 1e-9)) if step > 0 else 0
        return [f"{float(self.to_deg(v)):.{places}f}°".replace("-", "−") for v in values]


# -- the widget --------------------------------------------------------------------------------
class ImagePanel(QWidget):
    """A 2-D image with a colour scale, colour bar in physical units and cursor read-out.

    Parameters
    ----------
    parent : QWidget, optional
    scale : str
        Initial colour scale, one of :data:`SCALES`.
    colormap : str
        Initial colour map, a key of :data:`COLORMAPS`.
    coordinates : callable, optional
        ``f(row, col) -> str`` or ``-> (a, b)`` in degrees, for the cursor read-out (see
        :meth:`set_coordinate_function`).

    Signals
    -------
    pixel_clicked(int, int)
        Row and column of a left click on the image.
    pixel_hovered(int, int)
        Row and column under the cursor, ``(-1, -1)`` when it leaves the image.
    levels_changed(float, float)
        New levels in physical units (from auto levels, the colour bar or :meth:`set_levels`).
    """

    pixel_clicked = Signal(int, int)
    pixel_hovered = Signal(int, int)
    levels_changed = Signal(float, float)

    def __init__(
        self,
        parent: QWidget | None = None,
        *,
        scale: str = "linear",
        colormap: str = "inferno",
        coordinates: Callable | None = None,
        asinh_softening: float = 0.1,
    ):
        super().__init__(parent)
        self.setObjectName("imagePanel")
        if scale not in SCALES:
            raise ValueError(f"unknown colour scale {scale!r}; choose from {', '.join(SCALES)}")
        self._scale = scale
        self._colormap = colormap if colormap in COLORMAPS else "inferno"
        self._coords: Callable | None = None
        self._coord_names: tuple[str, str] = ("lon", "lat")
        self.asinh_softening = float(asinh_softening)
        self._data: np.ndarray | None = None
        self._units = ""
        self._title = ""
        self._levels: tuple[float, float] | None = None
        self._stretch = Stretch(scale)
        self._auto_levels = True
        self._updating = 0  # >0 while the panel itself moves the levels
        self._hover: tuple[int, int] | None = None
        self._marker_item: QGraphicsRectItem | None = None

        # title
        self.title_label = QLabel(self)
        self.title_label.setObjectName("imageTitle")
        self.title_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.title_label.setWordWrap(True)  # a long title must not set the dock's minimum width
        font = self.title_label.font()
        font.setBold(True)
        self.title_label.setFont(font)

        # the graphics: image plot + colour bar
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setObjectName("imageGraphics")
        self.graphics.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.plot: pg.PlotItem = self.graphics.addPlot(
            row=0, col=0, axisItems={"left": _AngleAxis("left"), "bottom": _AngleAxis("bottom")}
        )
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setLabel("left", "row")
        self.plot.setLabel("bottom", "column")
        self._deg_per_px: tuple[float, float] | None = None
        self._not_observing: str | None = None
        self._display_bin = 1
        self.refit_on_resize = True  # show the whole image again when the panel is resized
        self._user_zoomed = False
        self.view: pg.ViewBox = self.plot.getViewBox()
        self.view.setAspectLocked(True, ratio=1.0)
        self.view.invertY(True)  # row 0 at the top
        self.view.setBackgroundColor(QColor(40, 40, 40))
        self.image_item = pg.ImageItem(axisOrder="row-major")
        self.plot.addItem(self.image_item)
        self.view.sigRangeChangedManually.connect(self._on_user_zoom)
        self.view.sigResized.connect(self._on_view_resized)
        # "not observing (reason)": a shade over the image and a label
        self.shade_item = QGraphicsRectItem()
        self.shade_item.setBrush(QColor(20, 20, 20, 150))
        self.shade_item.setPen(QPen(Qt.PenStyle.NoPen))
        self.shade_item.setZValue(15)
        self.shade_item.setVisible(False)
        self.plot.addItem(self.shade_item)
        self.shade_text = pg.TextItem("", color=(255, 210, 120), anchor=(0.5, 0.5))
        self.shade_text.setZValue(16)
        self.shade_text.setVisible(False)
        self.plot.addItem(self.shade_text)
        self.colorbar = pg.HistogramLUTItem(image=self.image_item, gradientPosition="right")
        self.colorbar.axis.enableAutoSIPrefix(False)
        self.colorbar.sigLevelsChanged.connect(self._on_colorbar_levels)
        self.colorbar.vb.sigRangeChanged.connect(self._update_ticks)
        self.graphics.addItem(self.colorbar, row=0, col=1)

        # controls
        self.scale_combo = QComboBox(self)
        self.scale_combo.setObjectName("imageScale")
        self.scale_combo.addItems(SCALES)
        self.scale_combo.setCurrentText(scale)
        self.scale_combo.setToolTip("Colour scale: linear, log, sqrt or asinh")
        self.scale_combo.currentTextChanged.connect(self.set_scale)
        self.colormap_combo = QComboBox(self)
        self.colormap_combo.setObjectName("imageColormap")
        self.colormap_combo.addItems([n for n, pgname in COLORMAPS.items() if _colormap(pgname) is not None])
        self.colormap_combo.setCurrentText(self._colormap)
        self.colormap_combo.setToolTip("Colour map")
        self.colormap_combo.currentTextChanged.connect(self.set_colormap)
        self.auto_button = QToolButton(self)
        self.auto_button.setObjectName("imageAutoLevels")
        self.auto_button.setText("Auto levels")
        self.auto_button.setCheckable(True)
        self.auto_button.setChecked(True)
        self.auto_button.setToolTip(
            "Set the colour levels from each new image's data "
            "(switched off when you drag the levels on the colour bar)"
        )
        self.auto_button.toggled.connect(self.set_auto_levels)
        self.bin_combo = QComboBox(self)
        self.bin_combo.setObjectName("imageDisplayBin")
        for label, n in DISPLAY_BINS.items():
            self.bin_combo.addItem(label, n)
        self.bin_combo.setToolTip(
            "Display only: average n×n pixels (sparse counts read as an image); "
            "the data, the read-out and the statistics keep every pixel"
        )
        self.bin_combo.currentIndexChanged.connect(lambda i: self.set_display_bin(self.bin_combo.itemData(i)))
        self.fit_button = QToolButton(self)
        self.fit_button.setObjectName("imageFit")
        self.fit_button.setText("Fit")
        self.fit_button.setToolTip("Show the whole image")
        self.fit_button.clicked.connect(self.fit_view)

        controls = QHBoxLayout()
        controls.setContentsMargins(0, 0, 0, 0)
        controls.addWidget(self.scale_combo)  # (what each one is: in its tooltip)
        controls.addWidget(self.colormap_combo)
        controls.addWidget(self.bin_combo)
        controls.addWidget(self.auto_button)
        controls.addWidget(self.fit_button)
        controls.addStretch(1)

        self.cursor_label = QLabel(self)
        self.cursor_label.setObjectName("imageCursor")
        self.cursor_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cursor_label.setMinimumWidth(200)
        # a fixed height: the image must not jump when the read-out appears or disappears
        self.cursor_label.setFixedHeight(self.cursor_label.fontMetrics().height() + 4)
        self.cursor_label.setToolTip("Value under the cursor: pixel (row, column), value, coordinates")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.setSpacing(2)
        layout.addWidget(self.title_label)
        layout.addWidget(self.graphics, 1)
        layout.addLayout(controls)
        layout.addWidget(self.cursor_label)

        # The read-out follows the viewport's own mouse events: pyqtgraph's sigMouseMoved is
        # rate-limited and drops moves, which would leave a stale value when the mouse stops.
        self.graphics.viewport().setMouseTracking(True)
        self.graphics.viewport().installEventFilter(self)
        self.graphics.scene().sigMouseClicked.connect(self._on_mouse_clicked)
        self.set_colormap(self._colormap)
        if coordinates is not None:
            self.set_coordinate_function(coordinates)
        self._update_colorbar_label()

    # -- public API ------------------------------------------------------------------------------
    def repaint_now(self) -> None:
        """Paint the image at once instead of at a later turn of the event loop (the window
        does it for a new synthetic image, before the next job, whose compiled kernel may hold
        the GIL, starts)."""
        self.graphics.viewport().repaint()

    def set_image(self, image, units=None, title: str | None = None) -> None:
        """Show a 2-D image (``image[row, col]``, physical values; NaN = no data).

        ``image`` may be an astropy Quantity (its unit is used when ``units`` is None).
        ``units``: a string or astropy unit, shown on the colour bar and in the read-out.
        ``title``: shown above the image (None keeps the current title).
        """
        unit_from_q = None
        if hasattr(image, "unit") and hasattr(image, "value"):
            unit_from_q = image.unit
            image = image.value
        data = np.asarray(image, dtype=np.float64)
        if data.ndim != 2:
            raise ValueError(f"ImagePanel shows 2-D images, got shape {data.shape}")
        if data.size == 0:
            raise ValueError("ImagePanel cannot show an empty image")
        shape_changed = self._data is None or self._data.shape != data.shape
        self._data = data
        if units is None and unit_from_q is not None:
            units = unit_from_q
        if units is not None:
            self._units = unit_text(units)
        if title is not None:
            self._title = str(title)
            self.title_label.setText(self._title)
        self._update_colorbar_label()
        if shape_changed and self._units == "count":
            finite = data[np.isfinite(data)]
            # sparse counts: whole numbers (a model's expected counts are not) with a low mean
            sparse = (
                finite.size
                and float(finite.mean()) < SPARSE_COUNTS_PER_PIXEL
                and bool(np.all(finite == np.round(finite)))
            )
            self._set_bin_combo(4 if sparse else 1)
        self._make_stretch()
        if self._auto_levels or self._levels is None:
            self._levels = self.auto_levels_for(self.display_data(), self._scale)
        self._redraw()
        if shape_changed or (self.refit_on_resize and not self._user_zoomed):
            self.fit_view()
        if shape_changed:
            self._update_axes()
        self.set_not_observing(self._not_observing)
        if self._hover is not None:
            self._show_cursor(*self._hover)

    def display_data(self) -> np.ndarray | None:
        """What is drawn: the image, or its n×n block means (:meth:`set_display_bin`)."""
        if self._data is None:
            return None
        return block_mean_display(self._data, self._display_bin)

    @property
    def display_bin(self) -> int:
        return self._display_bin

    def _set_bin_combo(self, n: int) -> None:
        self._display_bin = int(n)
        i = self.bin_combo.findData(int(n))
        if i >= 0 and self.bin_combo.currentIndex() != i:
            self.bin_combo.blockSignals(True)
            self.bin_combo.setCurrentIndex(i)
            self.bin_combo.blockSignals(False)

    def set_display_bin(self, n: int) -> None:
        """Show n×n block means (1: every pixel). Display only: :attr:`image`, the read-out and
        anything computed from the data keep every pixel."""
        n = int(n)
        if n < 1:
            raise ValueError(f"display binning must be ≥ 1, got {n}")
        self._set_bin_combo(n)
        if self._data is not None:
            self._make_stretch()
            if self._auto_levels:
                self._levels = self.auto_levels_for(self.display_data(), self._scale)
            self._redraw()

    def set_angular_scale(
        self, deg_per_px: tuple[float, float] | None, names: tuple[str, str] = ("x", "y")
    ) -> None:
        """Label the axes in degrees from the image centre (``deg_per_px`` = (along columns,
        along rows)), e.g. a camera's :meth:`~smile_viewer.mission.camera.Camera.pixel_size_deg`;
        None: rows and columns."""
        self._deg_per_px = None if deg_per_px is None else (float(deg_per_px[0]), float(deg_per_px[1]))
        self._angle_names = names
        self._update_axes()

    def _update_axes(self) -> None:
        bottom, left = self.plot.getAxis("bottom"), self.plot.getAxis("left")
        if self._deg_per_px is None or self._data is None:
            bottom.set_angle(None)
            left.set_angle(None)
            self.plot.setLabel("bottom", "column")
            self.plot.setLabel("left", "row")
            return
        rows, cols = self._data.shape
        bottom.set_angle(self._deg_per_px[0], cols / 2.0)
        left.set_angle(self._deg_per_px[1], rows / 2.0)
        nx, ny = getattr(self, "_angle_names", ("x", "y"))
        self.plot.setLabel("bottom", f"{nx} [°]")
        self.plot.setLabel("left", f"{ny} [°]")

    def angle_at(self, row: float, col: float) -> tuple[float, float] | None:
        """Instrument angles (x, y) [deg] from the image centre of array position (row, col)
        (pixel centres at integers), or None without an angular scale."""
        if self._deg_per_px is None or self._data is None:
            return None
        rows, cols = self._data.shape
        return (
            (col + 0.5 - cols / 2.0) * self._deg_per_px[0],
            (row + 0.5 - rows / 2.0) * self._deg_per_px[1],
        )

    def set_not_observing(self, reason: str | None) -> None:
        """Shade the image and label it "not observing (reason)" — an image of a time the
        instrument does not observe; None removes the shade."""
        self._not_observing = reason
        on = reason is not None and self._data is not None
        self.shade_item.setVisible(on)
        self.shade_text.setVisible(on)
        if on:
            rows, cols = self._data.shape
            self.shade_item.setRect(QRectF(0, 0, cols, rows))
            self.shade_text.setText(f"not observing ({reason})")
            self.shade_text.setPos(cols / 2.0, rows / 2.0)
            self._wrap_shade_text()

    @property
    def not_observing(self) -> str | None:
        """The reason shown over the image, or None."""
        return self._not_observing

    def clear(self) -> None:
        """Remove the image."""
        self._data = None
        self.image_item.clear()
        self.cursor_label.setText("")
        self.set_marker(None)

    @property
    def image(self) -> np.ndarray | None:
        """The image shown (physical values), or None."""
        return self._data

    @property
    def units(self) -> str:
        return self._units

    @property
    def title(self) -> str:
        return self._title

    @property
    def scale(self) -> str:
        return self._scale

    @property
    def stretch(self) -> Stretch:
        return self._stretch

    @property
    def colormap(self) -> str:
        return self._colormap

    def set_scale(self, scale: str) -> None:
        """Switch the colour scale (``linear``, ``log``, ``sqrt``, ``asinh``)."""
        if scale not in SCALES:
            raise ValueError(f"unknown colour scale {scale!r}; choose from {', '.join(SCALES)}")
        if scale == self._scale:
            return
        self._scale = scale
        if self.scale_combo.currentText() != scale:
            self.scale_combo.blockSignals(True)
            self.scale_combo.setCurrentText(scale)
            self.scale_combo.blockSignals(False)
        if self._data is None:
            self._stretch = Stretch(scale)
            return
        self._make_stretch()
        if self._auto_levels or self._levels is None:
            self._levels = self.auto_levels_for(self.display_data(), scale)
        elif scale == "log" and self._levels[0] <= 0:
            self._levels = (self._stretch.floor, max(self._levels[1], self._stretch.floor * 10))
        self._redraw()

    def set_colormap(self, name: str) -> None:
        """Use a colour map from :data:`COLORMAPS`."""
        cmap = _colormap(COLORMAPS.get(name, name))
        if cmap is None:
            raise ValueError(f"unknown colour map {name!r}; choose from {', '.join(COLORMAPS)}")
        self._colormap = name
        if self.colormap_combo.currentText() != name and name in COLORMAPS:
            self.colormap_combo.blockSignals(True)
            self.colormap_combo.setCurrentText(name)
            self.colormap_combo.blockSignals(False)
        self.colorbar.gradient.setColorMap(cmap)

    def levels(self) -> tuple[float, float] | None:
        """The colour levels in physical units (low, high)."""
        return self._levels

    def display_levels(self) -> tuple[float, float] | None:
        """The levels as the image item uses them (in stretched units)."""
        if self._data is None:
            return None
        lo, hi = self.image_item.getLevels()
        return float(lo), float(hi)

    def set_levels(self, low: float, high: float) -> None:
        """Fix the colour levels (physical units); turns auto levels off."""
        low, high = float(low), float(high)
        if not (np.isfinite(low) and np.isfinite(high)) or high <= low:
            raise ValueError(f"levels must be finite with low < high, got ({low}, {high})")
        self.set_auto_levels(False)
        self._levels = (low, high)
        if self._data is not None:
            self._redraw()

    def set_auto_levels(self, on: bool) -> None:
        """Levels from each image's data (on) or kept as they are (off)."""
        on = bool(on)
        if self.auto_button.isChecked() != on:
            self.auto_button.blockSignals(True)
            self.auto_button.setChecked(on)
            self.auto_button.blockSignals(False)
        was = self._auto_levels
        self._auto_levels = on
        if on and not was and self._data is not None:
            self._levels = self.auto_levels_for(self.display_data(), self._scale)
            self._redraw()

    @property
    def auto_levels(self) -> bool:
        return self._auto_levels

    def set_coordinate_function(self, func: Callable | None, names: tuple[str, str] = ("lon", "lat")) -> None:
        """Coordinates for the cursor read-out: ``func(row, col)`` with float array indices
        (pixel centres at integers) returning a string, or ``(a, b)`` in degrees labelled
        with ``names``. None removes them. See :func:`coordinate_function_from_wcs`."""
        self._coords = func
        self._coord_names = names
        if self._hover is not None:
            self._show_cursor(*self._hover)

    def set_marker(self, pixel: tuple[int, int] | None) -> None:
        """Outline one pixel ``(row, col)`` (e.g. the line of sight shown in 3-D); None hides it."""
        if pixel is None:
            if self._marker_item is not None:
                self.plot.removeItem(self._marker_item)
                self._marker_item = None
            return
        row, col = (int(v) for v in pixel)
        if self._marker_item is None:
            self._marker_item = QGraphicsRectItem()
            pen = QPen(QColor(0, 255, 255))
            pen.setCosmetic(True)
            pen.setWidth(2)
            self._marker_item.setPen(pen)
            self._marker_item.setZValue(10)
            self.plot.addItem(self._marker_item)
        self._marker_item.setRect(QRectF(col, row, 1, 1))

    def fit_view(self) -> None:
        """Zoom to show the whole image (and re-fit on resize until the user zooms)."""
        self._user_zoomed = False
        if self._data is None:
            return
        rows, cols = self._data.shape
        self.view.setRange(QRectF(0, 0, cols, rows), padding=0.02)

    def _on_user_zoom(self, *_args) -> None:
        self._user_zoomed = True

    def _wrap_shade_text(self) -> None:
        """The "not observing" label wrapped to the image's width on screen (never cut)."""
        if self._data is None or not self.shade_text.isVisible():
            return
        width_px = self.view.width() or self.graphics.width()
        self.shade_text.setTextWidth(max(120.0, 0.9 * float(width_px)))
        doc = self.shade_text.textItem.document()
        doc.setDefaultTextOption(_centred_text_option())

    def _on_view_resized(self, *_args) -> None:
        self._wrap_shade_text()
        if self.refit_on_resize and not self._user_zoomed and self._data is not None:
            self.fit_view()

    def value_at(self, row: int, col: int) -> float:
        """The physical value of pixel ``(row, col)`` (IndexError outside the image)."""
        if self._data is None:
            raise IndexError("no image")
        rows, cols = self._data.shape
        if not (0 <= row < rows and 0 <= col < cols):
            raise IndexError(f"pixel ({row}, {col}) outside a {rows}×{cols} image")
        return float(self._data[row, col])

    def pixel_at_scene_pos(self, scene_pos) -> tuple[int, int, float, float] | None:
        """``(row, col, row_f, col_f)`` under a scene position, or None outside the image.

        ``row_f``/``col_f`` are sub-pixel array coordinates with pixel centres at integers.
        """
        if self._data is None:
            return None
        p = self.image_item.mapFromScene(QPointF(scene_pos))
        x, y = p.x(), p.y()
        rows, cols = self._data.shape
        if not (0 <= x < cols and 0 <= y < rows):
            return None
        return math.floor(y), math.floor(x), y - 0.5, x - 0.5

    def scene_pos_of_pixel(self, row: float, col: float) -> QPointF:
        """Scene position of the centre of pixel ``(row, col)`` (for tests and overlays)."""
        return self.image_item.mapToScene(QPointF(col + 0.5, row + 0.5))

    def widget_pos_of_pixel(self, row: float, col: float):
        """Position in ``self.graphics`` (viewport) coordinates of the centre of a pixel."""
        return self.graphics.mapFromScene(self.scene_pos_of_pixel(row, col))

    def cursor_text(self, row: int, col: int, row_f: float | None = None, col_f: float | None = None) -> str:
        """The read-out for pixel ``(row, col)``: ``"(r, c)  value units  coordinates"``."""
        value = self.value_at(row, col)
        text = f"pixel (row {row}, col {col})   "
        text += "no data" if np.isnan(value) else f"{format_value(value)} {self._units}".rstrip()
        if self._display_bin > 1 and not np.isnan(value):
            shown = self.display_data()[row, col]
            text += f" (shown {self._display_bin}×{self._display_bin}: {format_value(float(shown), 3)})"
        ang = self.angle_at(row if row_f is None else row_f, col if col_f is None else col_f)
        if ang is not None:
            nx, ny = getattr(self, "_angle_names", ("x", "y"))
            text += f"   {nx} {ang[0]:+.2f}°, {ny} {ang[1]:+.2f}°"
        if self._coords is not None:
            try:
                c = self._coords(row if row_f is None else row_f, col if col_f is None else col_f)
            except Exception as exc:  # noqa: BLE001 - a broken coordinate function must not break the read-out
                c = f"({type(exc).__name__})"
            if isinstance(c, (tuple, list)) and len(c) == 2:
                c = f"{self._coord_names[0]} {float(c[0]):.3f}°, {self._coord_names[1]} {float(c[1]):+.3f}°"
            if c:
                text += f"   {c}"
        return text

    @staticmethod
    def auto_levels_for(data: np.ndarray, scale: str) -> tuple[float, float]:
        """Levels (physical) chosen for ``data`` on ``scale``: min..max of the finite values;
        on log scale the smallest positive value (at least 10⁻⁶ of the maximum)..max."""
        return auto_levels(data, scale)

    # -- drawing ---------------------------------------------------------------------------------
    def _make_stretch(self) -> None:
        self._stretch = Stretch.for_data(
            self._scale, self.display_data(), asinh_softening=self.asinh_softening
        )

    def _display_levels(self) -> tuple[float, float]:
        lo, hi = self._levels
        if self._scale == "log":
            lo = max(lo, 1e-300)
            hi = max(hi, lo * 10)
        dlo, dhi = (float(v) for v in self._stretch.forward([lo, hi]))
        if not dhi > dlo:
            dhi = dlo + 1e-12 * max(1.0, abs(dlo))
        return dlo, dhi

    def _redraw(self) -> None:
        if self._data is None:
            return
        if self._scale == "log":
            # the stretch floor must lie under the lower level, or the levels would be clipped
            self._stretch.floor = min(self._stretch.floor, max(self._levels[0], 1e-300))
        display = self._stretch.forward(self.display_data()).astype(np.float32)
        dlo, dhi = self._display_levels()
        self._updating += 1
        try:
            with warnings.catch_warnings():  # pyqtgraph's histogram of an all-NaN image
                warnings.filterwarnings("ignore", "All-NaN slice", RuntimeWarning)
                self.image_item.setImage(display, autoLevels=False, levels=(dlo, dhi))
            self.colorbar.setLevels(dlo, dhi)
            finite = display[np.isfinite(display)]
            if finite.size:
                lo = min(float(finite.min()), dlo)
                hi = max(float(finite.max()), dhi)
                pad = 0.02 * (hi - lo) if hi > lo else 1.0
                self.colorbar.setHistogramRange(lo - pad, hi + pad, padding=0)
        finally:
            self._updating -= 1
        self._update_ticks()
        self.levels_changed.emit(*self._levels)

    def _update_ticks(self, *_args) -> None:
        if self._data is None:
            self.colorbar.axis.setTicks(None)
            return
        y0, y1 = self.colorbar.vb.viewRange()[1]
        ticks = physical_ticks(self._stretch, y0, y1, n=6)
        self.colorbar.axis.setTicks([ticks, []])

    def _update_colorbar_label(self) -> None:
        self.colorbar.axis.setLabel(self._units or "value")

    def _on_colorbar_levels(self, *_args) -> None:
        if self._updating or self._data is None:
            return
        dlo, dhi = self.colorbar.getLevels()
        lo, hi = (float(v) for v in self._stretch.inverse([dlo, dhi]))
        if hi < lo:
            lo, hi = hi, lo
        self._levels = (lo, hi)
        if self._auto_levels:
            self.set_auto_levels(False)  # the user chose levels: keep them for the next images
        self.levels_changed.emit(lo, hi)

    # -- mouse -------------------------------------------------------------------------------------
    def eventFilter(self, obj, event) -> bool:
        if obj is self.graphics.viewport():
            et = event.type()
            if et == QEvent.Type.MouseMove:
                self._on_mouse_moved(self.graphics.mapToScene(event.position().toPoint()))
            elif et == QEvent.Type.Leave:
                self._on_mouse_moved(None)
        return super().eventFilter(obj, event)

    def _on_mouse_moved(self, scene_pos) -> None:
        hit = None if scene_pos is None else self.pixel_at_scene_pos(scene_pos)
        if hit is None:
            if self._hover is not None:
                self._hover = None
                self.cursor_label.setText("")
                self.pixel_hovered.emit(-1, -1)
            return
        row, col, row_f, col_f = hit
        changed = self._hover is None or self._hover[:2] != (row, col)
        self._hover = (row, col, row_f, col_f)
        self._show_cursor(row, col, row_f, col_f)
        if changed:
            self.pixel_hovered.emit(row, col)

    def _show_cursor(
        self, row: int, col: int, row_f: float | None = None, col_f: float | None = None
    ) -> None:
        try:
            self.cursor_label.setText(self.cursor_text(row, col, row_f, col_f))
        except IndexError:  # a new, smaller image
            self.cursor_label.setText("")

    def _on_mouse_clicked(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        hit = self.pixel_at_scene_pos(event.scenePos())
        if hit is None:
            return
        row, col = hit[0], hit[1]
        self.set_marker((row, col))
        self.pixel_clicked.emit(row, col)


def _centred_text_option():

    opt = QTextOption()
    opt.setAlignment(Qt.AlignmentFlag.AlignHCenter)
    opt.setWrapMode(QTextOption.WrapMode.WordWrap)
    return opt


def _colormap(name: str):
    try:
        return pg.colormap.get(name)
    except Exception:  # noqa: BLE001 - missing from this pyqtgraph
        return None
