"""A folder of per-minute SXI level-3 files in the Compare dock, following the scene time.

File ▸ Open SXI level-3 folder… (:func:`open_l3_folder`) scans the folder in a worker
(:func:`smile_viewer.io.sxi_l3.scan_l3`), moves the scene time to the first minute and puts an
:class:`L3SeriesPanel` above the comparison view. The panel stacks the interval holding the
scene time (:func:`smile_viewer.analysis.stacking.stack_minutes`: N minutes, n×m pixel bins)
in a worker and shows it as the observed image, so the time slider steps through the series.
Problems (files left out, missing minutes) are counted in the panel; its tooltip lists them.
"""

from __future__ import annotations

from astropy.time import Time
from PySide6.QtCore import QEvent, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from smile_viewer._qt.workers import RenderScheduler, run_in_thread
from smile_viewer.analysis.stacking import (
    combined_to_observed,
    interval_at,
    missing_minute_problems,
    plan_intervals,
    stack_minutes,
)
from smile_viewer.io.sxi_l3 import scan_l3
from smile_viewer.state.scene import to_utc_time

#: Bin factors offered (n×n native pixels), kept to those dividing the field.
BIN_CHOICES = (1, 2, 3, 4, 5, 6, 8)
#: Problems listed in the tooltip (the count covers all).
TOOLTIP_LINES = 25


def _stack_job(request):
    """Worker: stack one interval and turn it into an observed image (headless)."""
    interval, binning, name = request
    result = stack_minutes(interval.minutes, binning=binning, interval=interval)
    obs = None if result.product is None else combined_to_observed(result.product, name=name)
    return result, obs


class L3SeriesPanel(QWidget):
    """Stack length, binning, previous/next stack and what is shown (objectName ``l3SeriesPanel``).

    ``state``: the :class:`~smile_viewer.state.scene.SceneState` whose time it follows;
    ``comparison``: the :class:`~smile_viewer._qt.comparison.ComparisonView` it feeds.
    Signal ``stacked(object)``: the :class:`~smile_viewer.analysis.stacking.StackResult` shown.
    """

    stacked = Signal(object)

    def __init__(self, state, comparison, parent=None, *, synchronous: bool | None = None):
        super().__init__(parent)

        self.setObjectName("l3SeriesPanel")
        self._state = state
        self.comparison = comparison
        self.series = None
        self.name = ""
        self.result = None
        self._shown_key = None
        self._intervals: list = []

        self.minutes_spin = QSpinBox(self)
        self.minutes_spin.setObjectName("l3MinutesSpin")
        self.minutes_spin.setRange(1, 240)
        self.minutes_spin.setValue(5)
        self.minutes_spin.setSuffix(" min")
        self.minutes_spin.setToolTip("Minutes per stack (counts and backgrounds add; SXI_L3 rebin_files.py)")
        self.bin_combo = QComboBox(self)
        self.bin_combo.setObjectName("l3BinCombo")
        self.bin_combo.setToolTip("Native pixels per shown pixel (counts summed, vignetting averaged)")
        self.prev_button = QToolButton(self)
        self.prev_button.setObjectName("l3PrevButton")
        self.prev_button.setText("◀")
        self.prev_button.setToolTip("Previous stack with data")
        self.next_button = QToolButton(self)
        self.next_button.setObjectName("l3NextButton")
        self.next_button.setText("▶")
        self.next_button.setToolTip("Next stack with data")
        self.info = QLabel("No level-3 series", self)
        self.info.setObjectName("l3Info")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(QLabel("SXI L3 stack", self))
        layout.addWidget(self.minutes_spin)
        layout.addWidget(QLabel("bin", self))
        layout.addWidget(self.bin_combo)
        layout.addWidget(self.prev_button)
        layout.addWidget(self.next_button)
        layout.addWidget(self.info, 1)

        self.scheduler = RenderScheduler(_stack_job, debounce_ms=120, synchronous=synchronous, parent=self)
        self.scheduler.resultReady.connect(self._on_result)
        self.scheduler.errorOccurred.connect(lambda err: self.info.setText(f"Stack failed: {err.message}"))
        self.minutes_spin.valueChanged.connect(self._on_settings)
        self.bin_combo.currentIndexChanged.connect(self._on_settings)
        self.prev_button.clicked.connect(lambda: self.step(-1))
        self.next_button.clicked.connect(lambda: self.step(+1))
        state.events.time.connect(self._on_time)

    # -- series --------------------------------------------------------------------------
    def set_series(self, series, name: str = "") -> None:
        """Show ``series`` (an :class:`~smile_viewer.io.sxi_l3.L3Series`); the bin choices are
        those that divide its pixel field."""
        self.series = series
        self.name = name
        self._shown_key = None
        complete = series.complete_minutes
        ny, nx = complete[0].reference.shape if complete else (0, 0)
        self.bin_combo.blockSignals(True)
        self.bin_combo.clear()
        for b in BIN_CHOICES:
            if nx and nx % b == 0 and ny % b == 0:
                self.bin_combo.addItem(f"{b}×{b}", b)
        self.bin_combo.blockSignals(False)
        self._on_settings()

    @property
    def minutes(self) -> int:
        return int(self.minutes_spin.value())

    @property
    def binning(self) -> tuple[int, int]:
        b = self.bin_combo.currentData()
        return (int(b), int(b)) if b else (1, 1)

    def _on_settings(self, *_args) -> None:
        self._intervals = plan_intervals(self.series, self.minutes) if self.series is not None else []
        self._shown_key = None
        self._on_time(self._state.time)

    def _scene_datetime(self, t=None):
        return to_utc_time(self._state.time if t is None else t).to_datetime()

    def current_interval(self):
        """The stack interval holding the scene time (None outside the series)."""
        if self.series is None:
            return None
        return interval_at(self.series, self.minutes, self._scene_datetime())

    def _on_time(self, t) -> None:
        if self.series is None:
            return
        iv = interval_at(self.series, self.minutes, self._scene_datetime(t))
        if iv is None:
            self.info.setText(
                f"No level-3 data at {self._scene_datetime(t):%Y-%m-%d %H:%M} "
                f"({len(self.series)} minutes from {self.series[0].start:%Y-%m-%d %H:%M})"
            )
            return
        key = (iv.start, self.minutes, self.binning)
        if key == self._shown_key:
            return
        self._shown_key = key
        self.info.setText(f"Stacking {iv.label} …")
        self.scheduler.submit((iv, self.binning, f"{self.name} {iv.label}".strip()))

    def _on_result(self, payload) -> None:
        result, obs = payload
        self.result = result
        iv = result.interval
        problems = list(result.problems) + missing_minute_problems([iv])
        if obs is not None:
            self.comparison.set_observed(obs)
            text = (
                f"{iv.label}: {len(result.used)} of {self.minutes} min, "
                f"{self.binning[0]}×{self.binning[1]}, QF {result.product.quality_flag}"
            )
        else:
            text = f"{iv.label}: nothing to stack"
        if problems:
            text += f" — {len(problems)} problem{'s' if len(problems) > 1 else ''}"
        self.info.setText(text)
        lines = [str(p) for p in problems] + [str(p) for p in self.series.problems]
        shown = lines[:TOOLTIP_LINES] + (
            [f"… and {len(lines) - TOOLTIP_LINES} more"] if len(lines) > TOOLTIP_LINES else []
        )
        self.info.setToolTip("\n".join(shown) if shown else "No problems")
        self.stacked.emit(result)

    def step(self, direction: int) -> None:
        """Move the scene time to the previous (−1) or next (+1) stack holding data."""
        if not self._intervals:
            return
        now = self._scene_datetime()
        starts = [iv.start for iv in self._intervals]
        if direction > 0:
            nxt = [s for s in starts if s > now]
        else:
            cur = interval_at(self.series, self.minutes, now)
            edge = cur.start if cur is not None else now
            nxt = [s for s in starts if s < edge][-1:]
        if nxt:
            self._state.time = Time(nxt[0], scale="utc")

    def disconnect_state(self) -> None:
        """Stop following the scene time and stop the worker (the window is closing)."""
        self._state.events.time.disconnect(self._on_time, missing_ok=True)
        self.scheduler.shutdown(2.0)

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Close and obj is getattr(self, "owner", None):
            self.disconnect_state()
        return False


def attach_panel(window) -> L3SeriesPanel | None:
    """The window's :class:`L3SeriesPanel`, put above its comparison view on first use (None
    without a Compare dock)."""
    panel = getattr(window, "l3_panel", None)
    if panel is not None or getattr(window, "compare_dock", None) is None:
        return panel
    dock = window.compare_dock
    inner = dock.widget()
    box = QWidget(dock)
    v = QVBoxLayout(box)
    v.setContentsMargins(0, 0, 0, 0)
    v.setSpacing(0)
    panel = L3SeriesPanel(window.state, window.comparison, box)
    v.addWidget(panel)
    v.addWidget(inner, 1)
    dock.setWidget(box)
    panel.owner = window
    window.installEventFilter(panel)  # closing the window disconnects the panel from the state
    window.l3_panel = panel
    return panel


def open_l3_folder(window, path=None):
    """File ▸ Open SXI level-3 folder…: scan in a worker, then show the series in the Compare
    dock at its first minute (the scene time moves there)."""
    if getattr(window, "comparison", None) is None:
        return None
    if path is None:
        path = QFileDialog.getExistingDirectory(window, "Open a folder of SXI level-3 files (TOT, BKG, VCY)")
        if not path:
            return None

    def done(series):
        if not len(series):
            lines = "\n".join(str(p) for p in series.problems[:TOOLTIP_LINES])
            QMessageBox.warning(
                window, "Open SXI level-3 folder", f"No usable per-minute file in {path}.\n{lines}"
            )
            return
        panel = attach_panel(window)
        panel.set_series(series, name=str(path))
        window.compare_dock.show()
        window.compare_dock.raise_()
        window.state.time = Time(series[0].start, scale="utc")
        window.statusBar().showMessage(
            f"{len(series)} minutes of SXI level 3 from {series[0].start:%Y-%m-%d %H:%M}"
            f" ({len(series.problems)} problems)",
            8000,
        )

    def failed(err):
        QMessageBox.warning(window, "Open SXI level-3 folder", f"Could not open {path}:\n{err.message}")

    return run_in_thread(scan_l3, path, on_result=done, on_error=failed)
