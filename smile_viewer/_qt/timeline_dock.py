"""A dock with the pointing-window timeline: one row per instrument, a list, a time cursor.

:class:`TimelineDock` shows a :class:`~smile_viewer.analysis.windows.WindowSet` (computed by
:func:`~smile_viewer.analysis.windows.compute_windows` or read from a file):

- a pyqtgraph plot (no OpenGL) with UTC dates along the bottom, an SXI row and a UVI row, each
  window a bar (hover a row of the list for details) — SXI coloured by the SXI team's quality flag (0 green, 1 amber, 2 orange), UVI
  blue — and a vertical line at the scene time;
- a list of the windows below (instrument, start, end, duration, quality flag, ended by).

Clicking a bar, or activating a row of the list (click, Enter), emits ``time_requested`` with
the window's start (a scalar UTC ``astropy.time.Time``) and ``window_selected`` with the
:class:`~smile_viewer.analysis.windows.Window`. Given a
:class:`~smile_viewer.state.scene.SceneState` (``state=``), the dock is linked to it: a
requested time is assigned to ``state.time`` (so the main window's time slider follows), and
``state.events.time`` moves the cursor. The dock holds no other application state; the main
window adds it with ``addDockWidget``.

Times on the axis are Unix seconds (UTC, leap seconds not counted, as ``Time.unix``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from astropy.time import Time
from PySide6.QtCore import QPointF, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QPen
from PySide6.QtWidgets import (
    QDockWidget,
    QHeaderView,
    QLabel,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from smile_viewer._qt.pyside_compat import apply_pyside_fixes

apply_pyside_fixes()

__all__ = ["ROWS", "TimelineDock"]

#: Plot rows (y value) of each instrument.
ROWS = {"sxi": 1.0, "uvi": 0.0}
_BAR_HALF_HEIGHT = 0.32
_QF_COLOURS = {0: "#2ca02c", 1: "#e6b800", 2: "#ff7f0e", None: "#1f77b4"}
#: A click within this many pixels of a bar selects it (windows of one epoch are thin).
_CLICK_SLOP_PX = 4.0


def _unix(t: Time) -> float:
    return float(t.utc.unix)


def _fmt(t: Time) -> str:
    return t.utc.isot[:16].replace("T", " ")


class TimelineDock(QDockWidget):
    """Pointing windows on a timeline (module docstring)."""

    time_requested = Signal(object)  # astropy Time: the start of the chosen window
    window_selected = Signal(object)  # the Window

    def __init__(self, parent=None, *, state=None, title: str = "Pointing windows"):
        super().__init__(title, parent)
        self.setObjectName("timelineDock")
        self._windows: list = []
        self._state = state

        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)

        self.plot = pg.PlotWidget(parent=body, axisItems={"bottom": pg.DateAxisItem(orientation="bottom",
                                                                                     utcOffset=0)})
        self.plot.setObjectName("timelinePlot")
        self.plot.setBackground("w")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.setMinimumHeight(110)
        left = self.plot.getAxis("left")
        left.setTicks([[(y, name.upper()) for name, y in ROWS.items()]])
        self.plot.setYRange(-0.6, 1.6, padding=0)
        self.plot.getAxis("bottom").setLabel("UTC")
        # All bars in one item, updated in place (adding and removing many small graphics items
        # from Python is fragile with PySide6 when widgets are torn down).
        self.bars = pg.BarGraphItem(x0=[0.0], y0=[0.0], width=[0.0], height=[0.0])
        self.bars.setVisible(False)
        self.plot.addItem(self.bars)
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d62728", width=1.5))
        self.cursor.setZValue(10)
        self.cursor.setVisible(False)
        self.plot.addItem(self.cursor)
        self.plot.scene().sigMouseClicked.connect(self._on_scene_click)

        self.summary = QLabel("No windows loaded", body)
        self.summary.setObjectName("timelineSummary")

        self.table = QTreeWidget(body)
        self.table.setObjectName("timelineTable")
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAlternatingRowColors(True)
        self.table.setHeaderLabels(["Instrument", "Start (UTC)", "End (UTC)", "Duration [h]", "QF", "Ended by"])
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemActivated.connect(self._on_item)
        self.table.itemClicked.connect(self._on_item)

        layout.addWidget(self.plot, 3)
        layout.addWidget(self.summary)
        layout.addWidget(self.table, 2)
        self.setWidget(body)

        if state is not None:
            self.time_requested.connect(self._set_state_time)
            state.events.time.connect(self.set_time)
            self.set_time(state.time)

    # -- content -------------------------------------------------------------------------

    @property
    def windows(self) -> list:
        return list(self._windows)

    def set_windows(self, windows) -> None:
        """Show a ``WindowSet`` or a list of ``Window`` (replacing what was shown)."""
        ws = list(getattr(windows, "windows", windows) or [])
        self._windows = sorted(ws, key=lambda w: (_unix(w.start), w.instrument))
        self.table.clear()
        x0, width, y0, brushes, pens = [], [], [], [], []
        for i, w in enumerate(self._windows):
            a, b = _unix(w.start), _unix(w.end)
            x0.append(a)
            width.append(max(b - a, 60.0))  # a window of one epoch still shows
            y0.append(ROWS.get(w.instrument, -1.0) - _BAR_HALF_HEIGHT)
            colour = QColor(_QF_COLOURS.get(w.quality_flag if w.instrument == "sxi" else None, "#7f7f7f"))
            brushes.append(QBrush(colour))
            pen = QPen(colour.darker(130))
            pen.setCosmetic(True)
            pens.append(pen)
            item = QTreeWidgetItem([
                w.instrument.upper(), _fmt(w.start), _fmt(w.end), f"{w.duration_s / 3600.0:.2f}",
                "" if w.quality_flag is None else str(w.quality_flag), w.ended_by,
            ])
            item.setData(0, Qt.ItemDataRole.UserRole, i)
            item.setToolTip(0, self._tooltip(w))
            self.table.addTopLevelItem(item)
        if x0:
            self.bars.setOpts(x0=np.array(x0), y0=np.array(y0), width=np.array(width),
                              height=np.full(len(x0), 2 * _BAR_HALF_HEIGHT), brushes=brushes, pens=pens)
        self.bars.setVisible(bool(x0))
        if self._windows:
            lo = min(_unix(w.start) for w in self._windows)
            hi = max(_unix(w.end) for w in self._windows)
            pad = max((hi - lo) * 0.02, 60.0)
            self.plot.setXRange(lo - pad, hi + pad, padding=0)
            counts = {k: sum(1 for w in self._windows if w.instrument == k) for k in ROWS}
            hours = {k: sum(w.duration_s for w in self._windows if w.instrument == k) / 3600.0 for k in ROWS}
            self.summary.setText("   ".join(f"{k.upper()}: {counts[k]} windows, {hours[k]:.1f} h"
                                            for k in ROWS if counts[k]))
        else:
            self.summary.setText("No windows")

    def load_file(self, path) -> None:
        """Read a windows file (.json or .csv) and show it."""
        from smile_viewer.analysis.windows import read_windows

        self.set_windows(read_windows(Path(path)))

    @staticmethod
    def _tooltip(w) -> str:
        qf = "" if w.quality_flag is None else f"\nquality flag {w.quality_flag} (best {w.quality_flag_best})"
        return (f"{w.instrument.upper()} {_fmt(w.start)} – {_fmt(w.end)} UTC\n"
                f"{w.duration_s / 3600.0:.2f} h, {w.n_epochs} epochs\nstarted by {w.started_by}, "
                f"ended by {w.ended_by}{qf}")

    # -- time ----------------------------------------------------------------------------

    def set_time(self, t) -> None:
        """Move the cursor to ``t`` (a Time or an ISO string)."""
        tt = t if isinstance(t, Time) else Time(t, scale="utc")
        self.cursor.setValue(_unix(tt))
        self.cursor.setVisible(True)

    def cursor_time(self) -> Time | None:
        if not self.cursor.isVisible():
            return None
        return Time(self.cursor.value(), format="unix", scale="utc")

    def _set_state_time(self, t: Time) -> None:
        if self._state is not None:
            self._state.time = t

    # -- picking -------------------------------------------------------------------------

    def window_at(self, x_unix: float, y: float, slop: float = 0.0):
        """The window drawn at plot coordinates (x [Unix s], y), within ``slop`` seconds."""
        best, best_d = None, np.inf
        for w in self._windows:
            row = ROWS.get(w.instrument)
            if row is None or abs(y - row) > 0.5:
                continue
            x0, x1 = _unix(w.start), _unix(w.end)
            d = 0.0 if x0 <= x_unix <= x1 else min(abs(x_unix - x0), abs(x_unix - x1))
            if d <= slop and d < best_d:
                best, best_d = w, d
        return best

    def choose(self, window) -> None:
        """Select ``window``: highlight its row, move the cursor, emit the signals."""
        if window in self._windows:
            item = self.table.topLevelItem(self._windows.index(window))
            if item is not None and self.table.currentItem() is not item:
                self.table.blockSignals(True)
                self.table.setCurrentItem(item)
                self.table.blockSignals(False)
        self.window_selected.emit(window)
        self.set_time(window.start)
        self.time_requested.emit(window.start)

    def _on_scene_click(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        vb = self.plot.getViewBox()
        pos = event.scenePos()
        if not vb.sceneBoundingRect().contains(pos):
            return
        p = vb.mapSceneToView(pos)
        px = vb.viewPixelSize()[0]
        w = self.window_at(p.x(), p.y(), slop=_CLICK_SLOP_PX * px)
        if w is not None:
            event.accept()
            self.choose(w)

    def _on_item(self, item, _column=0) -> None:
        i = item.data(0, Qt.ItemDataRole.UserRole)
        if i is not None and 0 <= int(i) < len(self._windows):
            self.choose(self._windows[int(i)])

    def bar_centre_in_viewport(self, window) -> QPointF:
        """Where ``window``'s bar is drawn, in the plot's viewport pixels (tests, tutorials)."""
        vb = self.plot.getViewBox()
        x = 0.5 * (_unix(window.start) + _unix(window.end))
        scene = vb.mapViewToScene(QPointF(x, ROWS[window.instrument]))
        return QPointF(self.plot.mapFromScene(scene))
