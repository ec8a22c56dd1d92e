"""A dock with the pointing-window timeline: one row per instrument, a list, a time cursor.

:class:`TimelineDock` shows a :class:`~smile_viewer.analysis.windows.WindowSet` (computed by
:func:`~smile_viewer.analysis.windows.compute_windows` or read from a file):

- a pyqtgraph plot (no OpenGL) with UTC dates along the bottom, an SXI row and a UVI row, each
  window a bar (hover a row of the list for details) — SXI coloured by the SXI team's quality flag (0 green, 1 amber, 2 orange), UVI
  blue — and a vertical line at the scene time;
- a list of the windows below (instrument, start, end, duration, quality flag, ended by);
- rows for the SXI targets in the field (nose, north and south cusp, while SXI observes), and
  the gaps between windows drawn on each instrument's row in the colour of the constraint that
  limits them (key beside the summary; hover a bar for details);
- "Constraints…" opens a :class:`~smile_viewer._qt.constraints_panel.ConstraintsPanel`:
  switch constraints off, change margins; "Apply" emits ``recompute_requested`` (the main
  window recomputes with :meth:`TimelineDock.profile`).

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
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from smile_viewer._qt.pyside_compat import apply_pyside_fixes

apply_pyside_fixes()

__all__ = ["ROWS", "TimelineDock"]

#: Plot rows (y value) of each instrument and of the SXI targets' visibility.
ROWS = {"sxi": 4.0, "nose": 3.0, "cusp_north": 2.0, "cusp_south": 1.0, "uvi": 0.0}
_ROW_LABELS = {"sxi": "SXI", "nose": "nose", "cusp_north": "N cusp", "cusp_south": "S cusp", "uvi": "UVI"}
#: Gaps are drawn on their instrument's row, thinner than windows.
_GAP_HALF_HEIGHT = 0.16
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
    recompute_requested = Signal()  # "Apply" in the constraints panel

    def __init__(self, parent=None, *, state=None, title: str = "Pointing windows"):
        super().__init__(title, parent)
        self.setObjectName("timelineDock")
        self._windows: list = []
        self._extras: list = []  # visibility rows and gaps (drawn, not in the list)
        self._state = state

        body = QWidget(self)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)

        self.plot = pg.PlotWidget(
            parent=body, axisItems={"bottom": pg.DateAxisItem(orientation="bottom", utcOffset=0)}
        )
        self.plot.setObjectName("timelinePlot")
        self.plot.setBackground("w")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=True, y=False)
        self.plot.setMinimumHeight(110)
        left = self.plot.getAxis("left")
        left.setTicks([[(y, _ROW_LABELS.get(name, name)) for name, y in ROWS.items()]])
        left.setWidth(52)  # room for "N cusp" from the first paint
        self.plot.setYRange(min(ROWS.values()) - 0.6, max(ROWS.values()) + 0.6, padding=0)
        self.plot.getAxis("bottom").setLabel("UTC")
        # All bars in one item, updated in place (adding and removing many small graphics items
        # from Python is fragile with PySide6 when widgets are torn down).
        self.bars = pg.BarGraphItem(x0=[0.0], y0=[0.0], width=[0.0], height=[0.0])
        self.bars.setVisible(False)
        self.plot.addItem(self.bars)
        self.extra_bars = pg.BarGraphItem(x0=[0.0], y0=[0.0], width=[0.0], height=[0.0])
        self.extra_bars.setVisible(False)
        self.plot.addItem(self.extra_bars)
        self.plot.scene().sigMouseMoved.connect(self._on_hover)
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#d62728", width=1.5))
        self.cursor.setZValue(10)
        self.cursor.setVisible(False)
        self.plot.addItem(self.cursor)
        self.plot.scene().sigMouseClicked.connect(self._on_scene_click)

        self.summary = QLabel("No windows loaded", body)
        self.summary.setObjectName("timelineSummary")
        self.gap_key = QLabel("", body)
        self.gap_key.setObjectName("timelineGapKey")
        self.gap_key.setToolTip("Gaps between windows, coloured by the constraint that limits them")
        self.constraints_button = QToolButton(body)
        self.constraints_button.setObjectName("constraintsButton")
        self.constraints_button.setText("Constraints…")
        self.constraints_button.setCheckable(True)
        self.constraints_button.setToolTip("Switch constraints off or change their margins, then Apply")
        self._panel = None
        self.constraints_button.toggled.connect(self._toggle_panel)
        summary_row = QHBoxLayout()
        summary_row.setContentsMargins(0, 0, 0, 0)
        summary_row.addWidget(self.summary, 1)
        summary_row.addWidget(self.gap_key)
        summary_row.addWidget(self.constraints_button)

        self.table = QTreeWidget(body)
        self.table.setObjectName("timelineTable")
        self.table.setRootIsDecorated(False)
        self.table.setUniformRowHeights(True)
        self.table.setAlternatingRowColors(True)
        self.table.setHeaderLabels(
            ["Instrument", "Start (UTC)", "End (UTC)", "Duration [h]", "QF", "Ended by"]
        )
        self.table.header().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.itemActivated.connect(self._on_item)
        self.table.itemClicked.connect(self._on_item)

        layout.addWidget(self.plot, 3)
        layout.addLayout(summary_row)
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
            item = QTreeWidgetItem(
                [
                    w.instrument.upper(),
                    _fmt(w.start),
                    _fmt(w.end),
                    f"{w.duration_s / 3600.0:.2f}",
                    "" if w.quality_flag is None else str(w.quality_flag),
                    w.ended_by,
                ]
            )
            item.setData(0, Qt.ItemDataRole.UserRole, i)
            item.setToolTip(0, self._tooltip(w))
            self.table.addTopLevelItem(item)
        if x0:
            self.bars.setOpts(
                x0=np.array(x0),
                y0=np.array(y0),
                width=np.array(width),
                height=np.full(len(x0), 2 * _BAR_HALF_HEIGHT),
                brushes=brushes,
                pens=pens,
            )
        self.bars.setVisible(bool(x0))
        if self._windows:
            lo = min(_unix(w.start) for w in self._windows)
            hi = max(_unix(w.end) for w in self._windows)
            pad = max((hi - lo) * 0.02, 60.0)
            self.plot.setXRange(lo - pad, hi + pad, padding=0)
            counts = {k: sum(1 for w in self._windows if w.instrument == k) for k in ROWS}
            hours = {k: sum(w.duration_s for w in self._windows if w.instrument == k) / 3600.0 for k in ROWS}
            self.summary.setText(
                "   ".join(f"{k.upper()}: {counts[k]} windows, {hours[k]:.1f} h" for k in ROWS if counts[k])
            )
        else:
            self.summary.setText("No windows")
        self._set_extras(getattr(windows, "visibility", []) or [], getattr(windows, "gaps", []) or [])

    def _set_extras(self, visibility, gaps) -> None:
        """Draw the targets' visibility rows and the gaps (coloured by their limiting constraint)."""
        # lazy: pointing-window analysis, loaded when windows are computed or opened; not loaded by the first window
        from smile_viewer.analysis.windows import GAP_COLOURS, TARGET_COLOUR

        self._extras = [v for v in visibility if v.target in ROWS] + [g for g in gaps if g.instrument in ROWS]
        x0, width, y0, height, brushes = [], [], [], [], []
        for w in self._extras:
            a, b = _unix(w.start), _unix(w.end)
            half = _GAP_HALF_HEIGHT if w.kind == "gap" else _BAR_HALF_HEIGHT
            x0.append(a)
            width.append(max(b - a, 60.0))
            y0.append(ROWS[w.target if w.kind == "visible" else w.instrument] - half)
            height.append(2 * half)
            colour = GAP_COLOURS.get(w.limited_by or "", "#555555") if w.kind == "gap" else TARGET_COLOUR
            brushes.append(QBrush(QColor(colour)))
        if x0:
            pen = QPen(Qt.PenStyle.NoPen)
            self.extra_bars.setOpts(
                x0=np.array(x0),
                y0=np.array(y0),
                width=np.array(width),
                height=np.array(height),
                brushes=brushes,
                pens=[pen] * len(x0),
            )
        self.extra_bars.setVisible(bool(x0))
        hours = {
            t: sum(v.duration_s for v in visibility if v.target == t) / 3600.0
            for t in ROWS
            if t not in ("sxi", "uvi")
        }
        if visibility:
            self.summary.setText(
                self.summary.text()
                + "   in the SXI field: "
                + ", ".join(f"{_ROW_LABELS[t]} {h:.1f} h" for t, h in hours.items())
            )
        used = [g.limited_by for g in self._extras if g.kind == "gap"]
        names = sorted(set(used), key=used.index)
        self.gap_key.setText(
            "gaps: "
            + " ".join(
                f'<span style="color:{GAP_COLOURS.get(n, "#555555")}">&#9632;</span>&nbsp;{n}' for n in names
            )
            if names
            else ""
        )
        if self._extras and not self._windows:
            lo = min(_unix(w.start) for w in self._extras)
            hi = max(_unix(w.end) for w in self._extras)
            self.plot.setXRange(lo, hi, padding=0.02)

    def describe_at(self, x_unix: float, y: float, slop: float = 0.0) -> str:
        """Text about what is drawn at plot coordinates (x [Unix s], y): a window, a target's
        visibility or a gap and its limiting constraint; "" where nothing is."""
        w = self.window_at(x_unix, y, slop)
        if w is not None:
            return self._tooltip(w)
        for e in self._extras:
            row = ROWS[e.target if e.kind == "visible" else e.instrument]
            x0, x1 = _unix(e.start), _unix(e.end)
            if abs(y - row) <= 0.5 and x0 - slop <= x_unix <= x1 + slop:
                span = f"{_fmt(e.start)} – {_fmt(e.end)} UTC, {e.duration_s / 3600.0:.2f} h"
                if e.kind == "gap":
                    return (
                        f"{e.instrument.upper()} gap {span}\nlimited by {e.limited_by}"
                        f"\nfailing at its start: {e.started_by}; at its end: {e.ended_by}"
                    )
                return f"{e.target.replace('_', ' ')} in the SXI field {span}\nquality flag {e.quality_flag}"
        return ""

    def _on_hover(self, pos) -> None:
        vb = self.plot.getViewBox()
        if not vb.sceneBoundingRect().contains(pos):
            return
        p = vb.mapSceneToView(pos)
        self.plot.setToolTip(self.describe_at(p.x(), p.y(), _CLICK_SLOP_PX * vb.viewPixelSize()[0]))

    # -- constraints ---------------------------------------------------------------------

    @property
    def constraints_panel(self):
        """The constraints panel (made on first use)."""
        if self._panel is None:
            # lazy: the constraints panel is built when the user opens it; not loaded by the first window
            from smile_viewer._qt.constraints_panel import ConstraintsPanel

            self._panel = ConstraintsPanel(self.widget())
            self._panel.setVisible(False)
            self._panel.apply_requested.connect(self.recompute_requested)
            lay = self.widget().layout()
            lay.insertWidget(lay.indexOf(self.table), self._panel)
        return self._panel

    def _toggle_panel(self, on: bool) -> None:
        self.constraints_panel.setVisible(bool(on))

    def profile(self):
        """The mission profile with the panel's switches and margins (the default profile when
        the panel was never opened)."""
        if self._panel is None:
            # lazy: pointing-window analysis, loaded when windows are computed or opened; not loaded by the first window
            from smile_viewer.analysis.constraints import load_profile

            return load_profile()
        return self._panel.profile()

    def load_file(self, path) -> None:
        """Read a windows file (.json or .csv) and show it."""
        # lazy: pointing-window analysis, loaded when windows are computed or opened; not loaded by the first window
        from smile_viewer.analysis.windows import read_windows

        self.set_windows(read_windows(Path(path)))

    @staticmethod
    def _tooltip(w) -> str:
        qf = "" if w.quality_flag is None else f"\nquality flag {w.quality_flag} (best {w.quality_flag_best})"
        return (
            f"{w.instrument.upper()} {_fmt(w.start)} – {_fmt(w.end)} UTC\n"
            f"{w.duration_s / 3600.0:.2f} h, {w.n_epochs} epochs\nstarted by {w.started_by}, "
            f"ended by {w.ended_by}{qf}"
        )

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
