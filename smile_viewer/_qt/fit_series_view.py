"""A fit series in the GUI: r_mp(t) as a row of the timeline dock, the frame under the time slider
in the Compare dock.

File ▸ Open fit series… (:func:`open_fit_series`) reads the CSV of ``smile-viewer fit-series``
with its per-frame results (:func:`smile_viewer.analysis.fit_series.read_series`) in a worker,
puts a :class:`FitSeriesRow` (pyqtgraph: error bars coloured by the SXI team's QF, hollow where
the fit is flagged unreliable, a cursor at the scene time, x-linked to the windows plot) into the
timeline dock and a :class:`FitSeriesLink` that shows the frame holding the scene time in the
Compare dock: observed and fitted counts per fit bin (the residual is its "residual σ" mode).
Clicking a point moves the scene time to that frame.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from astropy.time import Time
from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from smile_viewer._qt.workers import run_in_thread
from smile_viewer.analysis.fit_series import QF_COLORS, frame_time, read_series
from smile_viewer.state.scene import to_utc_time

__all__ = ["FitSeriesLink", "FitSeriesRow", "frame_at", "open_fit_series"]


def _unix(text: str) -> float:
    return float(Time(text, scale="utc").unix)


def frame_at(series, t) -> dict | None:
    """The fitted frame whose [DATE-OBS, DATE-END) holds ``t`` (a Time; None when none does)."""
    x = float(to_utc_time(t).unix)
    for rec in series.ok:
        a = _unix(rec["time"])
        b = _unix(rec["time_end"]) if rec.get("time_end") else a + 60.0
        if a <= x < b:
            return rec
    return None


class FitSeriesRow(pg.PlotWidget):
    """r_mp(t) with error bars coloured by QF (objectName ``fitSeriesRow``); ``time_requested``
    (astropy Time) when a point is clicked."""

    time_requested = Signal(object)

    def __init__(self, parent=None):
        super().__init__(
            parent=parent, axisItems={"bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0)}
        )
        self.setObjectName("fitSeriesRow")
        self.setBackground("w")
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setMinimumHeight(120)
        self.getAxis("left").setLabel("r_mp [R_E]")
        self.series = None
        self.errors = pg.ErrorBarItem(x=np.zeros(0), y=np.zeros(0), height=np.zeros(0))
        self.points = pg.ScatterPlotItem(size=8, pxMode=True)
        self.points.sigClicked.connect(self._on_click)
        self.addItem(self.errors)
        self.addItem(self.points)
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d62728", width=1.5))
        self.cursor.setVisible(False)
        self.addItem(self.cursor)

    def set_series(self, series) -> None:
        """Show the fitted frames of a :class:`~smile_viewer.analysis.fit_series.FitSeries`."""
        self.series = series
        ok = series.ok
        x = np.array(
            [
                0.5 * (_unix(r["time"]) + (_unix(r["time_end"]) if r.get("time_end") else _unix(r["time"])))
                for r in ok
            ],
            dtype=float,
        )
        y = np.array([r["r_mp"] for r in ok], dtype=float)
        e = np.array(
            [
                r["r_mp_err"] if r["r_mp_err"] is not None and math.isfinite(r["r_mp_err"]) else 0.0
                for r in ok
            ],
            dtype=float,
        )
        colours = [
            QF_COLORS[min(max(int(r["qf"] if r["qf"] is not None else 4), 0), len(QF_COLORS) - 1)] for r in ok
        ]
        self.errors.setData(x=x, y=y, height=2 * e, pens=[pg.mkPen(c) for c in colours])
        self.points.setData(
            x=x,
            y=y,
            data=list(range(len(ok))),
            brush=[
                pg.mkBrush(c) if r.get("reliable", True) else pg.mkBrush(None) for c, r in zip(colours, ok)
            ],
            pen=[pg.mkPen(c, width=1.5) for c in colours],
        )
        if len(x):
            pad = max(float(x.max() - x.min()) * 0.03, 300.0)
            self.setXRange(float(x.min()) - pad, float(x.max()) + pad, padding=0)
            good = np.isfinite(y)
            if good.any():
                lo, hi = float(np.min((y - e)[good])), float(np.max((y + e)[good]))
                self.setYRange(lo - 0.3, hi + 0.3, padding=0)

    def set_time(self, t) -> None:
        self.cursor.setValue(float(to_utc_time(t).unix))
        self.cursor.setVisible(True)

    def _on_click(self, _item, points, *_args) -> None:
        if self.series is None or not len(points):
            return
        rec = self.series.ok[int(points[0].data())]
        t = frame_time(rec)
        if t is not None:
            self.time_requested.emit(Time(t, scale="utc"))


class FitSeriesLink(QObject):
    """Follows the scene time: the row's cursor, and the frame holding the time in the Compare
    dock (``comparison``, may be None). ``frame_shown(dict | None)`` after each change."""

    frame_shown = Signal(object)

    def __init__(self, state, row: FitSeriesRow, comparison=None, parent=None):
        super().__init__(parent)
        self.state, self.row, self.comparison = state, row, comparison
        self.series = None
        self.record = None
        row.time_requested.connect(self._request)
        state.events.time.connect(self._on_time)

    def set_series(self, series) -> None:
        self.series = series
        self.record = None
        self.row.set_series(series)
        self._on_time(self.state.time)

    def _request(self, t) -> None:
        self.state.time = t

    def _on_time(self, t) -> None:
        self.row.set_time(t)
        if self.series is None:
            return
        rec = frame_at(self.series, t)
        if rec is self.record:
            return
        self.record = rec
        if rec is not None and self.comparison is not None:
            arrays = self.series.frame_arrays(rec)
            if arrays is not None:
                self.comparison.set_arrays(
                    arrays["observed"],
                    arrays["fitted"],
                    units="counts per fit bin",
                    counts=True,
                    valid=np.isfinite(arrays["observed"]),
                )
        self.frame_shown.emit(rec)

    def disconnect_state(self) -> None:
        self.state.events.time.disconnect(self._on_time, missing_ok=True)


def attach(window) -> FitSeriesLink:
    """The window's :class:`FitSeriesLink`, its row put into the timeline dock under the windows
    plot (x-linked to it) on first use."""
    link = getattr(window, "fit_series_link", None)
    if link is not None:
        return link
    dock = window.timeline_dock
    row = FitSeriesRow(dock.widget())
    layout = dock.widget().layout()
    layout.insertWidget(layout.indexOf(dock.plot) + 1, row, 2)
    row.setXLink(dock.plot)
    link = FitSeriesLink(window.state, row, getattr(window, "comparison", None), parent=window)
    window.fit_series_link = link
    window.destroyed.connect(link.disconnect_state)
    return link


def open_fit_series(window, path=None):
    """File ▸ Open fit series…: read the CSV (and its frame results) in a worker, show r_mp(t) in
    the timeline dock and move the scene time to the first frame."""
    if path is None:
        path, _ = QFileDialog.getOpenFileName(
            window, "Open a fit series (smile-viewer fit-series CSV)", "", "Fit series (*.csv);;All files (*)"
        )
        if not path:
            return None

    def done(series):
        if not series.ok:
            QMessageBox.warning(window, "Open fit series", f"{path}: no fitted frame in this series")
            return
        link = attach(window)
        link.set_series(series)
        window.timeline_dock.show()
        window.timeline_dock.raise_()
        if getattr(window, "compare_dock", None) is not None:
            window.compare_dock.show()
        first = frame_time(series.ok[0])
        if first is not None:
            window.state.time = Time(first, scale="utc")
        fdir = series.frames_dir
        missing = sum(1 for r in series.ok if fdir is None or not (fdir / f"{r['key']}.npz").is_file())
        note = f", {missing} without frame results" if missing else ""
        window.statusBar().showMessage(
            f"Fit series: {len(series.ok)} frames, {len(series.failures)} failed{note}", 8000
        )

    def failed(err):
        QMessageBox.warning(window, "Open fit series", f"Could not open {path}:\n{err.message}")

    return run_in_thread(read_series, path, on_result=done, on_error=failed)
