"""Line of sight of one synthetic-image pixel: the emissivity η(s) along its ray.

:func:`los_profile` (pure, no Qt) samples the model of an
:class:`~smile_viewer._qt.docks.images_dock.ImageResult` along the ray of pixel (row, col)
from the spacecraft out to ``max_distance_re`` (80 R_E; it stops at the Earth), and finds
where the ray crosses the model's magnetopause and bow shock. :class:`LosPlot` plots it
(pyqtgraph), with the crossings marked by vertical lines.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QDockWidget, QLabel, QVBoxLayout, QWidget

from smile_viewer.coords import rotation_matrix
from smile_viewer.unit_text import unit_text


@dataclasses.dataclass(frozen=True)
class LosProfile:
    row: int
    col: int
    s_re: np.ndarray  # distance from the spacecraft [R_E]
    points_gse: np.ndarray  # (n, 3) sample points, GSE [R_E]
    eta: np.ndarray | None  # emissivity at each point (None: the model has no point values)
    units: str
    crossings: tuple[tuple[float, str], ...]  # (s [R_E], "magnetopause" | "bow shock")
    pixel_value: float
    pixel_units: str
    hits_earth: bool


def _sign_changes(s: np.ndarray, f: np.ndarray) -> list[float]:
    out = []
    ok = np.isfinite(f)
    f = np.where(ok, f, np.inf)
    sg = np.sign(f)
    idx = np.nonzero(sg[:-1] * sg[1:] < 0)[0]
    for i in idx:
        f0, f1 = f[i], f[i + 1]
        if not (np.isfinite(f0) and np.isfinite(f1)):
            out.append(float(s[i]))
            continue
        w = f0 / (f0 - f1)
        out.append(float(s[i] + w * (s[i + 1] - s[i])))
    return out


def los_profile(
    result, row: int, col: int, *, max_distance_re: float | None = None, n: int = 1600
) -> LosProfile:
    """η along the line of sight of pixel (row, col) of an image result (see the module doc)."""
    cam = result.camera
    dirs = np.asarray(cam.ray_directions(), dtype=float)
    ny, nx = dirs.shape[:2]
    if not (0 <= row < ny and 0 <= col < nx):
        raise IndexError(f"pixel ({row}, {col}) is outside the {ny}×{nx} image")
    d = dirs[row, col] / np.linalg.norm(dirs[row, col])
    origin = np.asarray(cam.position_re, dtype=float).reshape(3)
    frame = str(getattr(cam, "frame", "gse")).lower()
    req = result.request
    s_max = float(max_distance_re or req.max_distance_re)
    # stop at the Earth (|origin + s d| = 1)
    b = float(origin @ d)
    c = float(origin @ origin) - 1.0
    disc = b * b - c
    hits = disc >= 0 and (-b - np.sqrt(max(disc, 0.0))) > 0
    if hits:
        s_max = min(s_max, float(-b - np.sqrt(disc)))
    s = np.linspace(0.0, s_max, n)
    pts = origin[None, :] + s[:, None] * d[None, :]
    pts_gse = pts
    if frame != "gse":
        r = np.asarray(rotation_matrix(req.time, frame, "gse"), float).reshape(3, 3)
        pts_gse = pts @ r.T

    model = result.model
    src_frame = str(getattr(result.source, "frame", None) or getattr(model, "frame", None) or "gse").lower()
    pts_m = pts_gse
    if src_frame not in ("gse", "none"):
        r = np.asarray(rotation_matrix(req.time, "gse", src_frame), float).reshape(3, 3)
        pts_m = pts_gse @ r.T
    eta = None
    units = str(getattr(model, "units", ""))
    if hasattr(model, "emissivity"):
        eta = np.asarray(model.emissivity(pts_m), dtype=float)
    elif hasattr(model, "sample"):
        eta = np.asarray(model.sample(pts_m), dtype=float)
    crossings: list[tuple[float, str]] = []
    if hasattr(model, "magnetopause_r"):
        x, y, z = pts_m[:, 0], pts_m[:, 1], pts_m[:, 2]
        rr = np.sqrt(x * x + y * y + z * z)
        theta = np.arccos(np.clip(x / np.maximum(rr, 1e-12), -1.0, 1.0))
        phi = np.arctan2(z, y)
        for fn, label in (("magnetopause_r", "magnetopause"), ("bow_shock_r", "bow shock")):
            if hasattr(model, fn):
                with np.errstate(invalid="ignore", over="ignore"):
                    f = rr - np.asarray(getattr(model, fn)(theta, phi), dtype=float)
                crossings += [(v, label) for v in _sign_changes(s, f)]
    crossings.sort()
    image = result.image
    return LosProfile(
        int(row),
        int(col),
        s,
        pts_gse,
        eta,
        units,
        tuple(crossings),
        float(image[row, col]),
        result.units,
        bool(hits),
    )


_SHORT = {"magnetopause": "MP", "bow shock": "BS"}
_CROSSING_PENS = {"magnetopause": "#4cc9f0", "bow shock": "#ff9a3c"}


class LosPlot(QWidget):
    """η(s) along a pixel's line of sight (objectName ``losPlot``)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("losPlot")
        v = QVBoxLayout(self)
        v.setContentsMargins(2, 2, 2, 2)
        self.plot = pg.PlotWidget(self)
        self.plot.setObjectName("losPlotWidget")
        self.plot.setBackground("#10131c")
        self.plot.showGrid(x=True, y=True, alpha=0.25)
        self.plot.setLabel("bottom", "distance from SMILE s [R<sub>E</sub>]")
        self.plot.setLabel("left", "emissivity η")
        self.plot.getAxis("left").setWidth(62)  # room for the label beside the tick values
        self.plot.setMenuEnabled(False)
        self.curve = self.plot.plot([], [], pen=pg.mkPen("#ffd166", width=2))
        self.lines: list[pg.InfiniteLine] = []
        self.caption = QLabel("Click a pixel of a synthetic image to see its line of sight.", self)
        self.caption.setObjectName("losCaption")
        self.caption.setWordWrap(True)
        v.addWidget(self.plot, 1)
        v.addWidget(self.caption)
        self.profile: LosProfile | None = None

    def set_y_label(self, text: str) -> None:
        """The y label, in a smaller font when the axis is too short for it (never clipped)."""
        axis = self.plot.getAxis("left")
        height = max(axis.size().height(), self.plot.height() - 60, 40)
        for pt in (9, 8, 7, 6):
            axis.setLabel(text, **{"font-size": f"{pt}pt"})
            if axis.label.boundingRect().width() <= height:
                break
        self._y_label = text

    def y_label_fits(self) -> bool:
        """Whether the y label's text is no longer than the axis (for tests)."""
        axis = self.plot.getAxis("left")
        return axis.label.boundingRect().width() <= axis.size().height() + 1

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if getattr(self, "_y_label", None):
            self.set_y_label(self._y_label)

    def set_profile(self, prof: LosProfile, instrument: str = "") -> None:
        self.profile = prof
        for line in self.lines:
            self.plot.removeItem(line)
        self.lines = []
        if prof.eta is not None:
            self.curve.setData(prof.s_re, np.nan_to_num(prof.eta, nan=0.0))
            self.set_y_label(f"η [{unit_text(prof.units)}]" if prof.units else "η")
        else:
            self.curve.setData([], [])
            self.set_y_label("η (no point values for this model)")
        for s, label in prof.crossings:
            line = pg.InfiniteLine(
                pos=s,
                angle=90,
                movable=False,
                pen=pg.mkPen(
                    _CROSSING_PENS.get(label, "#ccc"), width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine
                ),
                label=_SHORT.get(label, label),
                labelOpts={
                    "position": 0.92,
                    "color": _CROSSING_PENS.get(label),
                    "anchors": [(0, 0.5), (0, 0.5)],
                    "movable": False,
                },
            )
            self.plot.addItem(line)
            self.lines.append(line)
        self.plot.enableAutoRange()
        end = "the Earth" if prof.hits_earth else f"{prof.s_re[-1]:.0f} R_E"
        self.caption.setText(
            f"{instrument.upper()} pixel (row {prof.row}, col {prof.col}): {prof.pixel_value:.4g} "
            f"{unit_text(prof.pixel_units)} — ray from SMILE to {end}; MP magnetopause, BS bow shock ({len(prof.crossings)} crossings)"
        )


class LosDock(QDockWidget):
    """The LOS plot in a dock (objectName ``losDock``)."""

    def __init__(self, parent=None):
        super().__init__("Line of sight", parent)
        self.setObjectName("losDock")
        self.plot = LosPlot(self)
        self.setWidget(self.plot)
