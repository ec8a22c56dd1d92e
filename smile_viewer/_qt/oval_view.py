"""IMAGE FUV in the Compare view: the fitted dayglow + aurora model as its synthetic image, and the
auroral oval's edges per MLT sector, image against model, in a small plot.

:func:`show_fuv_model` fits (:func:`smile_viewer.analysis.oval_edges.compare_oval_edges`) in a
worker, gives the fitted model image to the :class:`~smile_viewer._qt.comparison.ComparisonView`
(blink, residuals, profiles, statistics then work as for SXI) and the edges to an
:class:`OvalEdgesPanel`, which also says what the reader masked and what the fit left out.
:func:`open_fuv_dock` adds the panel to the main window as the "Oval edges" dock
(``window.oval_dock``, its panel ``window.oval_panel``).
Method: docs/analysis.md#oval-edges.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QLabel, QScrollArea, QVBoxLayout, QWidget

from smile_viewer._qt.workers import run_in_thread
from smile_viewer.analysis.oval_edges import compare_oval_edges

__all__ = ["OvalEdgesPanel", "open_fuv_dock", "show_fuv_model"]

#: (label, colour, symbol) of the four edge series.
_SERIES = {
    ("image", "poleward"): ("image poleward", (255, 210, 60), "o"),
    ("image", "equatorward"): ("image equatorward", (255, 120, 40), "o"),
    ("model", "poleward"): ("model poleward", (90, 200, 255), "t"),
    ("model", "equatorward"): ("model equatorward", (60, 120, 255), "t"),
}


def _centred_mlt(mlt_h: np.ndarray) -> np.ndarray:
    """MLT as hours from midnight, −12..12 (the night side in the middle of the plot)."""
    return (np.asarray(mlt_h, float) + 12.0) % 24.0 - 12.0


class OvalEdgesPanel(QWidget):
    """Oval edges [deg |MLAT|] against MLT for the image (dots) and the fitted model (triangles),
    a line of fit figures and the reader's and the fit's masking notes."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.comparison = None
        self.plot = pg.PlotWidget(self)
        self.plot.setMinimumHeight(140)
        pi = self.plot.getPlotItem()
        pi.setLabel("bottom", "MLT [h]")
        pi.setLabel("left", "|MLAT| [deg]")
        pi.showGrid(x=True, y=True, alpha=0.25)
        legend = pi.addLegend(offset=(-5, 2), labelTextSize="7pt", verSpacing=-6)
        legend.setColumnCount(2)
        ticks = [(float(v), f"{v % 24:g}") for v in range(-12, 13, 3)]
        pi.getAxis("bottom").setTicks([ticks])
        pi.setXRange(-12, 12, padding=0.02)
        pi.setYRange(55, 90, padding=0.02)
        night = pg.LinearRegionItem((-3, 3), movable=False, brush=pg.mkBrush(120, 120, 160, 40))
        night.setZValue(-10)
        pi.addItem(night)
        self.curves = {}
        for key, (label, rgb, symbol) in _SERIES.items():
            pen = pg.mkPen(rgb, width=2) if key[0] == "model" else None
            self.curves[key] = pi.plot(
                [],
                [],
                pen=pen,
                symbol=symbol,
                symbolSize=7,
                symbolBrush=pg.mkBrush(*rgb),
                symbolPen=None,
                name=label,
            )
        self.summary = QLabel("Open an IMAGE FUV file (File ▸ Open observed image…).", self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.masked = QLabel("", self)
        self.masked.setObjectName("fuvMaskedNotes")
        self.masked.setWordWrap(True)
        self.masked.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.summary)
        lay.addWidget(self.masked)
        # plot + up to five wrapped lines of text: in a short dock the scroll area scrolls
        self.setMinimumHeight(140 + 5 * self.fontMetrics().lineSpacing() + 16)

    def set_busy(self, text: str) -> None:
        self.summary.setText(text)

    def set_comparison(self, cmp, obs=None) -> None:
        """Show an :class:`~smile_viewer.analysis.oval_edges.EdgeComparison` (and ``obs``'s notes)."""
        self.comparison = cmp
        for (source, side), curve in self.curves.items():
            edges = cmp.image if source == "image" else cmp.model
            x = np.array([0.5 * (s.mlt_start_h + s.mlt_end_h) for s in edges.sectors])
            y = np.array([getattr(s, f"{side}_deg") for s in edges.sectors])
            xc = _centred_mlt(x)
            order = np.argsort(xc)
            curve.setData(xc[order], y[order], connect="finite")
        fit = cmp.fit
        night = cmp.night_differences()
        parts = []
        for side in ("poleward", "equatorward"):
            d = night[side][np.isfinite(night[side])]
            parts.append(f"{side} {np.median(d):.1f}° (≤ {d.max():.1f}°)" if d.size else f"{side} —")
        self.summary.setText(
            f"Kp {fit.kp:.3g} ({'fitted' if fit.kp_fitted else 'given'}), aurora × {fit.aurora_scale:.3g}. "
            "Night (21–03 MLT) |model − image|: " + ", ".join(parts)
        )
        self.summary.setToolTip(
            f"Fit of background + D f + Q f² + A × Zhang & Paxton (2008) aurora, f = cos SZA / cos DZA: "
            f"D = {fit.dayglow.scale:.4g}, Q = {fit.dayglow.quadratic:.4g}, background {fit.dayglow.background:.4g} "
            f"{fit.units}, A = {fit.aurora_scale:.3g}, noise {fit.noise:.3g} {fit.units}.\n"
            f"Edges: {cmp.image.method}. Dots: image after dayglow removal; triangles: the fitted model."
        )
        self.masked.setText(_masked_text(obs, fit))
        self.masked.setToolTip("\n".join([*(getattr(obs, "notes", ()) or ()), *fit.notes]))


def _masked_text(obs, fit) -> str:
    """One line: what the reader masked and what the fit left out, counted."""
    parts = []
    if obs is not None:
        img = np.asarray(obs.image, float)
        parts.append(f"{int((~np.isfinite(img)).sum())} no-data pixels")
        glat = (getattr(obs, "maps", {}) or {}).get("GLAT")
        if glat is not None:
            parts.append(f"{int((~np.isfinite(glat)).sum())} off the Earth (geolocation fill)")
    n_fit = int(fit.mask.sum())
    left = int(np.isfinite(np.asarray(obs.image, float)).sum()) - n_fit if obs is not None else 0
    return (
        "Masked: "
        + ", ".join(parts)
        + f". Fit on {n_fit} pixels ({left} left out: DZA > 80°, |MLAT| < 40°, boom rows)."
    )


def show_fuv_model(comparison, panel: OvalEdgesPanel, obs, *, kp: float | None = None, synchronous=None):
    """Fit ``obs`` in a worker; the model image goes to ``comparison`` as its synthetic image,
    the edges to ``panel``. Returns the job."""
    panel.set_busy("Fitting dayglow + aurora and finding the oval edges…")

    def done(cmp):
        comparison.set_synthetic(cmp.fit.model_image, units=obs.units)
        panel.set_comparison(cmp, obs)

    def failed(err):
        panel.set_busy(f"Oval edges: {getattr(err, 'message', err)}")

    return run_in_thread(
        compare_oval_edges, obs, kp=kp, on_result=done, on_error=failed, synchronous=synchronous
    )


def open_fuv_dock(window, obs, *, synchronous=None):
    """The main window's "Oval edges" dock (made on first use, a tab beside the line-of-sight plot
    under the Compare dock) for an
    IMAGE FUV observation already shown in ``window.comparison``; starts the fit."""
    dock = getattr(window, "oval_dock", None)
    if dock is None:
        dock = QDockWidget("Oval edges", window)
        dock.setObjectName("ovalDock")
        scroll = QScrollArea(dock)  # a short dock scrolls rather than overlapping plot and text
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        window.oval_panel = OvalEdgesPanel(scroll)
        scroll.setWidget(window.oval_panel)
        dock.setWidget(scroll)
        los = getattr(window, "los_dock", None)
        if los is not None:  # under the Compare dock, a tab beside the line-of-sight plot
            window.addDockWidget(window.dockWidgetArea(los), dock)
            window.tabifyDockWidget(los, dock)
        else:
            window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.oval_dock = dock
    dock.show()
    dock.raise_()
    return show_fuv_model(window.comparison, window.oval_panel, obs, synchronous=synchronous)
