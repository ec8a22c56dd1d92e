"""The main window: the 3-D scene in the centre, docks around it, menus and a status bar.

The window holds no scene logic. It owns an :class:`~smile_viewer.state.app.AppState`
(``window.app_state``; ``window.state`` is its :class:`~smile_viewer.state.SceneState`), hands
it to :class:`~smile_viewer._vispy.scene.SceneView` (which draws it) and binds the docks to its
parts:

- Layers (:mod:`.docks.layers_dock`), Solar wind & model (:mod:`.docks.model_dock`), Instruments
  (:mod:`.docks.instruments_dock`), Time (:mod:`.docks.time_dock`), Synthetic images
  (:mod:`.docks.images_dock`), Line of sight (:mod:`.los_plot`), Pointing windows
  (:mod:`.timeline_dock`) and Compare (:mod:`.comparison`).

Work off the GUI thread (docs/architecture.md#threads-and-workers): the scene view runs in
``"async"`` mode — its ``data_requested(kind, request, generation)`` goes to one
:class:`~._qt.workers.RenderScheduler` per kind (boundaries, field lines, volume) whose results
come back through ``apply_data``;
the synthetic images have a scheduler each (debounced, latest wins), fed by the state's
events; numba is warmed up by a tiny render in a worker at start; the pointing-window
timeline and observed images load in workers. ``SMILE_SYNC_WORKERS=1`` runs it all inline.

The dock layout is saved on close and restored on open (:mod:`.settings`); under the test
suite (``SMILE_TEST_SESSION``) only when a ``settings`` object is given.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time as _time
from pathlib import Path

import numba
import numpy as np
import vispy.app
from astropy.time import TimeDelta
from PySide6.QtCore import QElapsedTimer, Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabBar,
)
from vispy import scene

import smile_viewer
from smile_viewer._qt.comparison import ComparisonView
from smile_viewer._qt.docks.cut_plane_dock import CutPlaneDock
from smile_viewer._qt.docks.images_dock import ImagesDock, compute_image, image_request, warm_up
from smile_viewer._qt.docks.instruments_dock import InstrumentsDock
from smile_viewer._qt.docks.layers_dock import LayersDock
from smile_viewer._qt.docks.model_dock import ModelDock
from smile_viewer._qt.docks.time_dock import TimeControl, TimeDock, format_utc  # noqa: F401 - re-exported
from smile_viewer._qt.docks.tour_dock import TourDock
from smile_viewer._qt.gl_info import window_samples
from smile_viewer._qt.help_dialog import install_help_action
from smile_viewer._qt.los_plot import LosDock, los_profile
from smile_viewer._qt.observed_camera import ObservedCameraAction
from smile_viewer._qt.presentation import Presentation
from smile_viewer._qt.pyside_compat import apply_pyside_fixes
from smile_viewer._qt.settings import restore_window_layout, save_window_layout
from smile_viewer._qt.timeline_dock import TimelineDock
from smile_viewer._qt.workers import RenderScheduler, run_in_thread
from smile_viewer._vispy.scene import DATA_KINDS, SceneView, _rotation
from smile_viewer.errors import UserInputError
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.orbit import default_orbit
from smile_viewer.physics import models as registry
from smile_viewer.state import CAMERA_PRESETS, AppState, SceneState
from smile_viewer.state.scene_data import build, field_line_request, spacecraft_position_gse

apply_pyside_fixes()

log = logging.getLogger(__name__)

_PRESET_TITLES = {
    "overview": "Overview",
    "from_sun": "From the Sun",
    "north": "From the north (ecliptic pole)",
    "through_sxi": "Through SXI (from the spacecraft)",
    "noon_midnight": "Noon–midnight plane (from dusk)",
    "earth": "Close to Earth",
    "magnetosphere": "Whole magnetosphere (bow shock to 30 R_E tail)",
}
_PRESET_ORDER = ("overview", "from_sun", "north", "through_sxi", "noon_midnight", "earth")
_LAYER_TITLES = {
    "earth": "Earth",
    "axes": "Axes",
    "sun": "Sun direction",
    "orbit": "Orbit track",
    "spacecraft": "Spacecraft",
    "magnetopause": "Magnetopause",
    "bow_shock": "Bow shock",
    "field_lines": "Field lines",
    "sxi_fov": "SXI field of view",
    "uvi_fov": "UVI field of view",
    "emission_volume": "Emission volume",
    "labels": "Caption and legend",
    "stars": "Stars, Sun and Moon",
    "sky_labels": "Names on the scene",
}
LOS_COLOR = (1.0, 0.85, 0.25, 1.0)


#: Field lines already traced, by request (the two newest): the start-up warm-up traces the
#: current request in the background, so turning the layer on shows them at once.
_FIELD_LINE_CACHE: dict = {}
_FIELD_LINE_LOCK = threading.Lock()


def _build_scene_data(item, ctx=None):
    """Worker: ``(kind, request, generation)`` → ``(kind, generation, data)``."""
    kind, request, gen = item
    if kind != "field_lines":
        return kind, gen, build(request)
    with _FIELD_LINE_LOCK:
        data = _FIELD_LINE_CACHE.get(request)
    if data is None:
        data = build(request)
        with _FIELD_LINE_LOCK:
            _FIELD_LINE_CACHE[request] = data
            while len(_FIELD_LINE_CACHE) > 2:
                _FIELD_LINE_CACHE.pop(next(iter(_FIELD_LINE_CACHE)))
    return kind, gen, data


class MovieDialog(QDialog):
    """Time range of a movie: duration from the scene time, frames, frame rate."""

    def __init__(self, parent=None, period_h: float = 51.0, window_size: tuple[int, int] | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export movie")
        form = QFormLayout(self)
        self.hours = QDoubleSpinBox(self)
        self.hours.setRange(0.1, 24 * 30)
        self.hours.setValue(round(period_h, 1))
        self.hours.setSuffix(" h from the scene time")
        self.frames = QSpinBox(self)
        self.frames.setRange(2, 5000)
        self.frames.setValue(250)
        self.fps = QSpinBox(self)
        self.fps.setRange(1, 60)
        self.fps.setValue(25)
        self.fps.setSuffix(" frames/s")
        # lazy: the export module loads with the first export (see save_screenshot)
        from smile_viewer._qt.export import SizeChooser

        self.size_chooser = SizeChooser(self, window_size)
        form.addRow("Duration", self.hours)
        form.addRow("Frames", self.frames)
        form.addRow("Frame rate", self.fps)
        form.addRow("Size", self.size_chooser)
        bb = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        bb.accepted.connect(self.accept)
        bb.rejected.connect(self.reject)
        form.addRow(bb)


class MainWindow(QMainWindow):
    """The smile-viewer main window (objectName ``smileMainWindow``).

    Parameters
    ----------
    state : AppState or SceneState, optional
        The application state (default: a new AppState — first apogee, default models). A
        SceneState is wrapped in an AppState with the other parts at their defaults.
    orbit : optional
        The orbit (default: ``smile_viewer.mission.orbit.default_orbit()``).
    settings : QSettings, optional
        Where the window layout is saved and restored (default: the application's settings;
        under the test suite nothing is saved or restored unless this is given).
    warm_up : bool
        Warm up the compute backend (a tiny render in a worker) at start.
    """

    def __init__(
        self,
        state: AppState | SceneState | None = None,
        orbit=None,
        parent=None,
        *,
        settings=None,
        warm_up: bool = True,
    ):
        super().__init__(parent)
        self.setObjectName("smileMainWindow")
        self.setWindowTitle("smile-viewer")
        self.resize(1560, 960)
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )

        if orbit is None:
            orbit = default_orbit()
        self.orbit = orbit
        if state is None:
            state = AppState()
        elif isinstance(state, SceneState):
            state = AppState(scene=state)
        self.app_state: AppState = state
        self.state: SceneState = state.scene
        self._settings = settings
        self._persist_layout = settings is not None or not os.environ.get("SMILE_TEST_SESSION")
        self._closed = False

        self.scene_view = SceneView(
            self.app_state,
            orbit=orbit,
            app=vispy.app.use_app("pyside6"),
            parent=self,
            size=(1000, 700),
            update_policy="async",
            samples=window_samples(),  # none on llvmpipe: multisampling doubles its frame cost
        )
        self.canvas = self.scene_view.canvas
        self.canvas.native.setObjectName("sceneCanvas")
        self.canvas.native.setMinimumSize(320, 240)
        self.setCentralWidget(self.canvas.native)

        # scene data (boundaries, field lines, volume) in workers, one scheduler per kind
        self.data_schedulers: dict[str, RenderScheduler] = {}
        for kind in DATA_KINDS:
            sch = RenderScheduler(_build_scene_data, debounce_ms=0, parent=self)
            sch.resultReady.connect(self._on_scene_data)
            sch.errorOccurred.connect(lambda err, k=kind: self._on_scene_data_error(k, err))
            sch.busyChanged.connect(self._update_busy)
            self.data_schedulers[kind] = sch
        self.scene_view.data_requested.connect(self._on_data_requested)

        self._build_docks()
        self._build_status_bar()
        self._build_menus()

        # synthetic images in workers, following the state
        self.image_schedulers: dict[str, RenderScheduler] = {}

        # SXI first (it is what the solar wind changes most): on two cores two jobs at once
        # would each take twice as long, so the UVI image and the 3-D data wait while the SXI
        # scheduler is busy (at most 800 ms). No debounce of their own: the docks merge bursts
        # and a 0-ms timer merges the events of one change.
        for name, debounce in (("sxi", 0), ("uvi", 0)):
            sch = RenderScheduler(
                compute_image,
                request_factory=lambda n=name: self.image_request(n),
                debounce_ms=debounce,
                max_delay_ms=400,
                parent=self,
            )
            sch.resultReady.connect(self._on_image)
            sch.errorOccurred.connect(lambda err, n=name: self._on_image_error(n, err))
            sch.busyChanged.connect(self._update_busy)
            self.image_schedulers[name] = sch
        # (only for the SXI work of the same change: turning a layer on does not wait)
        for sch in (self.image_schedulers["uvi"], *self.data_schedulers.values()):
            sch.yield_to(self.image_schedulers["sxi"], max_hold_ms=800)
        self._bind_image_inputs()

        self.los_line = None
        self.los_selection: tuple[str, int, int] | None = None

        self.state.events.time.connect(self._update_status)
        self.state.events.frame.connect(self._update_status)
        self._update_status()

        # frames per second of the 3-D view
        self._frames = 0
        self._fps_clock = QElapsedTimer()
        self._fps_clock.start()
        self.canvas.events.draw.connect(self._count_frame)
        self._fps_timer = QTimer(self)
        self._fps_timer.setInterval(1000)
        self._fps_timer.timeout.connect(self._update_fps)
        self._fps_timer.start()

        restored = False
        if self._persist_layout:
            restored = restore_window_layout(self, self._settings)
        self._needs_default_sizes = not restored

        self._warm_job = None
        if warm_up:
            self._start_warm_up()
        for sch in self.image_schedulers.values():
            sch.schedule()

    # -- docks -----------------------------------------------------------------------------
    def _build_docks(self) -> None:

        left, right, bottom = (
            Qt.DockWidgetArea.LeftDockWidgetArea,
            Qt.DockWidgetArea.RightDockWidgetArea,
            Qt.DockWidgetArea.BottomDockWidgetArea,
        )
        self.layers_dock = LayersDock(self.state, self)
        self.model_dock = ModelDock(self.app_state.model, self)
        self.instruments_dock = InstrumentsDock(self.app_state.instruments, self)
        self.time_dock = TimeDock(self.state, self.scene_view.period_s, self, orbit=self.orbit)
        self.time_control = self.time_dock.control
        self.images_dock = ImagesDock(self)
        self.los_dock = LosDock(self)
        self.los_plot = self.los_dock.plot
        self.timeline_dock = TimelineDock(self, state=self.state)
        self._add_timeline_button()

        self.addDockWidget(left, self.layers_dock)
        self.addDockWidget(left, self.model_dock)
        self.tabifyDockWidget(self.model_dock, self.instruments_dock)
        self.model_dock.raise_()
        self.addDockWidget(right, self.images_dock)
        self.addDockWidget(right, self.los_dock)
        # the Pointing windows dock over the time strip, both full width: side by side, the
        # table was squeezed into a corner and the strip grew an empty band to its height
        self.addDockWidget(bottom, self.timeline_dock)
        self.splitDockWidget(self.timeline_dock, self.time_dock, Qt.Orientation.Vertical)
        self.timeline_dock.hide()
        # tall forms scroll rather than set the window's minimum height (at 1280 × 800 with the
        # Pointing windows dock open the window grew past the screen)

        for dock in (self.model_dock, self.instruments_dock):
            body = dock.widget()
            scroll = QScrollArea(dock)
            scroll.setFrameShape(QFrame.Shape.NoFrame)
            scroll.setWidgetResizable(True)
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            scroll.setWidget(body)
            scroll.setMinimumWidth(body.minimumSizeHint().width())
            dock.setWidget(scroll)
        self.time_dock.setTitleBarWidget(QLabel("", self.time_dock))

        self.comparison = ComparisonView()
        self.compare_dock = QDockWidget("Compare", self)
        self.compare_dock.setObjectName("compareDock")

        scroll = QScrollArea(self.compare_dock)  # the view is wide: scroll rather than squeeze the 3-D view
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.comparison)
        self.compare_dock.setWidget(scroll)
        self.addDockWidget(right, self.compare_dock)
        self.tabifyDockWidget(self.images_dock, self.compare_dock)
        self.tour_dock = TourDock(self, self)  # camera tours (File ▸ Save session keeps them)
        self.addDockWidget(right, self.tour_dock)
        self.tour_dock.hide()  # View ▸ Panels ▸ Tour (the first window's layout stays as it was)
        self.images_dock.raise_()

        for name, panel in self.images_dock.panels.items():
            panel.pixel_clicked.connect(lambda r, c, n=name: self.show_line_of_sight(n, r, c))
        # cube time sequences: the slider steps through them; each observed frame gets its cube
        self.model_dock.cube_sequence_opened.connect(self._on_cube_sequence)
        self.comparison.observed_changed.connect(
            lambda: QTimer.singleShot(0, self._pair_observation_with_cube)
        )
        self.comparison.observed_changed.connect(self._show_observation_fov)
        self.cut_plane_dock = CutPlaneDock(self.scene_view, self)  # a cut through the cube, coloured
        self.addDockWidget(left, self.cut_plane_dock)
        self.tabifyDockWidget(self.instruments_dock, self.cut_plane_dock)
        self.model_dock.raise_()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._needs_default_sizes:
            self._needs_default_sizes = False
            QTimer.singleShot(0, self._default_dock_sizes)
        QTimer.singleShot(0, self.hide_orphan_tab_bars)

    def hide_orphan_tab_bars(self) -> list:
        """Hide the stray copy of a dock tab bar that Qt 6.11 leaves when a second group of
        docks is tabified (it is drawn over the dock below and never moves); returns those hidden.

        Of the visible tab bars showing the same tabs, the one kept is nearest to the dock its
        current tab names."""
        if self._closed:
            return []
        groups: dict[tuple, list] = {}
        for bar in self.findChildren(QTabBar):
            if bar.parent() is self and bar.isVisible() and bar.count():
                groups.setdefault(tuple(bar.tabText(i) for i in range(bar.count())), []).append(bar)
        hidden = []
        for bars in groups.values():
            if len(bars) < 2:
                continue

            def gap(bar):
                title = bar.tabText(bar.currentIndex()).replace("&&", "&")
                docks = [d for d in self.docks() if d.windowTitle() == title and d.isVisible()]
                if not docks:
                    return float("inf")
                g, b = docks[0].geometry(), bar.geometry()
                return abs(b.left() - g.left()) + min(abs(b.top() - g.bottom()), abs(b.bottom() - g.top()))

            bars.sort(key=gap)
            for bar in bars[1:]:
                bar.hide()
                hidden.append(bar)
        return hidden

    def _default_dock_sizes(self) -> None:
        """The default split: a wide 3-D view, the images on the right (first start only)."""
        if self._closed:
            return
        w = self.width()
        self.resizeDocks([self.layers_dock], [290], Qt.Orientation.Horizontal)
        # narrow windows (1280 px): the docks take less, the 3-D view keeps ~40 % of the width
        self.resizeDocks(
            [self.images_dock], [max(400 if w < 1500 else 440, int(w * 0.33))], Qt.Orientation.Horizontal
        )
        self.resizeDocks([self.images_dock, self.los_dock], [640, 250], Qt.Orientation.Vertical)
        self.resizeDocks([self.layers_dock, self.model_dock], [300, 420], Qt.Orientation.Vertical)

    def docks(self) -> list[QDockWidget]:
        return [
            d
            for d in (
                self.layers_dock,
                self.model_dock,
                self.instruments_dock,
                self.time_dock,
                self.images_dock,
                self.los_dock,
                self.timeline_dock,
                self.compare_dock,
                getattr(self, "tour_dock", None),
                getattr(self, "cut_plane_dock", None),
            )
            if d
        ]

    def _add_timeline_button(self) -> None:
        self.timeline_button = QPushButton("Compute SXI/UVI windows for this orbit", self.timeline_dock)
        self.timeline_button.setObjectName("computeWindowsButton")
        self.timeline_button.setToolTip(
            "Evaluate the pointing constraints over one orbit from the scene time (in a worker)"
        )
        self.timeline_button.clicked.connect(self.compute_windows)
        self.timeline_dock.recompute_requested.connect(self.compute_windows)
        self.timeline_dock.widget().layout().insertWidget(0, self.timeline_button)
        self._windows_job = None

    def show_timeline_dock(self) -> None:
        """Show the Pointing windows dock across the bottom, the time strip at its own height."""
        was_hidden = self.timeline_dock.isHidden()
        self.timeline_dock.show()
        if was_hidden and self.dockWidgetArea(self.timeline_dock) == Qt.DockWidgetArea.BottomDockWidgetArea:
            strip = self.time_dock.minimumSizeHint().height()
            want = max(220, min(300, int(self.height() * 0.27)))
            self.resizeDocks([self.timeline_dock, self.time_dock], [want, strip], Qt.Orientation.Vertical)

    def compute_windows(self) -> None:
        """Pointing windows over one orbit period from the scene time, in a worker."""
        # lazy: pointing windows are computed on request; not loaded by the first window
        from smile_viewer.analysis.windows import compute_windows

        start = self.state.time
        stop = start + TimeDelta(self.scene_view.period_s, format="sec")

        try:
            profile = self.timeline_dock.profile()  # the dock's constraint switches and margins
        except UserInputError as exc:
            QMessageBox.warning(self, "Pointing windows", str(exc))
            return
        self.timeline_button.setEnabled(False)
        self.timeline_button.setText("Computing windows…")
        self.show_timeline_dock()

        def done(ws):
            self.timeline_dock.set_windows(ws)
            self.statusBar().showMessage(f"{len(self.timeline_dock.windows)} pointing windows", 5000)

        def failed(err):
            QMessageBox.warning(self, "Pointing windows", err.message)

        def finished():
            self.timeline_button.setEnabled(True)
            self.timeline_button.setText("Compute SXI/UVI windows for this orbit")

        self._windows_job = run_in_thread(
            compute_windows,
            start,
            stop,
            "5min",
            profile,
            orbit=self.orbit,
            on_result=done,
            on_error=failed,
            on_finished=finished,
        )

    # -- status bar ------------------------------------------------------------------------
    def _build_status_bar(self) -> None:
        sb = self.statusBar()
        self.busy_label = QLabel("", self)
        self.busy_label.setObjectName("busyLabel")
        self.backend_label = QLabel("Compute: starting…", self)
        self.backend_label.setObjectName("backendLabel")
        self.render_label = QLabel("Last render: —", self)
        self.render_label.setObjectName("renderTimeLabel")
        self.fps_label = QLabel("3-D: — fps", self)
        self.fps_label.setObjectName("fpsLabel")
        self.position_label = QLabel(self)
        self.position_label.setObjectName("positionLabel")
        for w in (
            self.busy_label,
            self.position_label,
            self.backend_label,
            self.render_label,
            self.fps_label,
        ):
            sb.addPermanentWidget(w)
        sb.showMessage(
            "Drag to rotate, scroll to zoom, Shift+drag to pan; click an image pixel for its line of sight",
            15000,
        )

    def _start_warm_up(self) -> None:

        t0 = _time.perf_counter()

        def done(choice):
            name, reason = choice
            self.backend_label.setText(self.backend_text(name, reason))
            self.backend_label.setToolTip(f"{reason}\n(warm-up {(_time.perf_counter() - t0) * 1000:.0f} ms)")
            self._warm_up_field_lines()

        def failed(err):
            self.backend_label.setText("Compute: unavailable")
            self.backend_label.setToolTip(err.message)

        self._warm_job = run_in_thread(warm_up, on_result=done, on_error=failed)

    def _warm_up_field_lines(self) -> None:
        """Trace the current field lines in the background (loads or compiles numba's tracing
        kernels and the Earth-orientation tables): turning the layer on then takes no time.
        Without this the first toggle waited for all of it — about 20 s with an empty numba cache."""
        if self._closed:
            return
        try:
            req = field_line_request(self.app_state)
        except Exception:  # noqa: BLE001 - a warm-up only
            return
        self._fl_warm_job = run_in_thread(_build_scene_data, ("field_lines", req, 0))

    @staticmethod
    def backend_text(name: str, reason: str = "") -> str:
        """Status-bar text: the GPU's name, or "CPU (numba, N threads)"."""
        if name == "cuda":
            device = reason.split(" (")[0].replace("auto: ", "")
            return f"Compute: GPU {device}"
        if name == "cpu":
            try:
                n = numba.get_num_threads()
            except Exception:  # noqa: BLE001
                n = os.cpu_count() or 1
            return f"Compute: CPU (numba, {n} threads)"
        return "Compute: numpy (reference)"

    def _update_status(self, *_args) -> None:
        p = self.scene_view.spacecraft_position
        r = float((p @ p) ** 0.5)
        frame = self.state.frame.upper()
        self.position_label.setText(
            f"SMILE  r = {r:5.2f} R_E   {frame} ({p[0]:+6.2f}, {p[1]:+6.2f}, {p[2]:+6.2f}) R_E"
        )

    def _update_busy(self, *_args) -> None:
        n = sum(
            s.busy for s in (*self.data_schedulers.values(), *getattr(self, "image_schedulers", {}).values())
        )
        self.busy_label.setText("⏳ computing…" if n else "")

    def _count_frame(self, _event=None) -> None:
        self._frames += 1

    def _update_fps(self) -> None:
        ms = self._fps_clock.restart()
        fps = self._frames * 1000.0 / ms if ms > 0 else 0.0
        frames, self._frames = self._frames, 0
        self.fps_label.setText(f"3-D: {fps:4.1f} fps" if frames else "3-D: idle")

    # -- scene data in workers -------------------------------------------------------------
    def _on_data_requested(self, kind: str, request, generation: int) -> None:
        if self._closed:
            return
        self.data_schedulers[kind].submit_now((kind, request, generation))

    def _on_scene_data(self, result) -> None:
        kind, gen, data = result
        if not self._closed:
            self.scene_view.apply_data(kind, gen, data)

    def _on_scene_data_error(self, kind: str, err) -> None:
        self.statusBar().showMessage(f"{kind.replace('_', ' ')}: {err.message}", 8000)
        self.scene_view._report(kind, RuntimeError(err.message))

    # -- synthetic images ------------------------------------------------------------------
    def image_request(self, name: str):

        pos = spacecraft_position_gse(self.orbit, self.state.time)
        return image_request(self.app_state, name, pos, orbit=self.orbit)

    def _bind_image_inputs(self) -> None:
        a = self.app_state
        both = lambda *_a: self.schedule_images()
        self._image_bindings = [(self.state.events.time, both)]
        for model in (a.model.solar_wind, a.model.models):
            self._image_bindings.append((model.events, both))
        for name in ("sxi", "uvi"):
            inst = getattr(a.instruments, name)
            cb = lambda *_a, n=name: self.schedule_images(n)
            self._image_bindings += [(inst.events, cb), (inst.pointing.events, cb)]
        for sig, cb in self._image_bindings:
            sig.connect(cb)

    def schedule_images(self, *names: str) -> None:
        """Recompute the synthetic images (debounced, in workers)."""
        if self._closed:
            return
        for name in names or ("sxi", "uvi"):
            self.image_schedulers[name].schedule()

    def _on_image(self, result) -> None:
        if self._closed:
            return
        self.images_dock.show_result(result)
        panel = self.images_dock.panels.get(result.instrument)
        if panel is not None:
            # painted right after this signal, before the jobs that waited for this image
            # start (their 0-ms timers come after this queued call, and a widget's own
            # repaint after both)
            QTimer.singleShot(0, panel, panel.repaint_now)
        self.render_label.setText(
            f"Last render: {result.instrument.upper()} {result.elapsed_s * 1000:.0f} ms"
        )
        sel = self.los_selection
        if sel is not None and sel[0] == result.instrument:
            _n, r, c = sel
            ny, nx = result.image.shape
            if r < ny and c < nx:
                self.show_line_of_sight(*sel)

    def _on_image_error(self, name: str, err) -> None:
        self.images_dock.show_error(name, err.message)
        self.statusBar().showMessage(f"{name.upper()}: {err.message}", 8000)

    # -- line of sight ---------------------------------------------------------------------
    def show_line_of_sight(self, name: str, row: int, col: int) -> None:
        """Draw pixel (row, col) of imager ``name``'s line of sight in 3-D and plot η along it."""
        result = self.images_dock.results.get(name)
        if result is None:
            return
        try:
            prof = los_profile(result, row, col)
        except (IndexError, ValueError) as exc:
            self.statusBar().showMessage(f"Line of sight: {exc}", 6000)
            return
        self.los_selection = (name, int(row), int(col))
        self.los_profile = prof
        self.los_plot.set_profile(prof, name)
        self.los_dock.show()
        self.los_dock.raise_()
        for n, panel in self.images_dock.panels.items():
            panel.set_marker((row, col) if n == name else None)
        r = _rotation("gse", self.state.frame, self.state.time)
        pts = (prof.points_gse @ r.T).astype(np.float32)
        pts = pts[np.linspace(0, len(pts) - 1, min(len(pts), 200)).astype(int)]
        if self.los_line is None:
            self.los_line = scene.visuals.Line(
                pos=pts, color=LOS_COLOR, width=3.0, method="gl", parent=self.scene_view.view.scene
            )
            self.los_line.order = 8
            self.los_line.set_gl_state("translucent", depth_test=True)
        else:
            self.los_line.set_data(pos=pts)
            self.los_line.visible = True
        self.canvas.update()

    def clear_line_of_sight(self) -> None:
        self.los_selection = None
        if self.los_line is not None:
            self.los_line.visible = False
            self.canvas.update()
        for panel in self.images_dock.panels.values():
            panel.set_marker(None)

    # -- menus -----------------------------------------------------------------------------
    def _action(self, text, slot, shortcut=None, name=None, tip=None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        if name:
            act.setObjectName(name)
        if tip:
            act.setStatusTip(tip)
        act.triggered.connect(lambda _checked=False: slot())
        return act

    def _build_menus(self) -> None:
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        self.file_actions = {
            "open_session": self._action(
                "&Open session…", self.open_session, QKeySequence.StandardKey.Open, "action_open_session"
            ),
            "save_session": self._action(
                "&Save session…", self.save_session, QKeySequence.StandardKey.Save, "action_save_session"
            ),
            "open_observed": self._action(
                "Open &observed image…", self.open_observed, "Ctrl+Shift+O", "action_open_observed"
            ),
            "open_l3": self._action("Open SXI &level-3 folder…", self.open_l3_folder, None, "action_open_l3"),
            "open_lexi": self._action(
                "Open LE&XI photon folder…", self.open_lexi_folder, None, "action_open_lexi"
            ),
            "open_fit_series": self._action(
                "Open f&it series…", self.open_fit_series, None, "action_open_fit_series"
            ),
            "fit": self._action(
                "&Fit the model to the observed image…", self.open_fit_dialog, "Ctrl+Shift+F", "action_fit"
            ),
            "screenshot": self._action(
                "Save 3-D &screenshot…", self.save_screenshot, "Ctrl+Shift+S", "action_screenshot"
            ),
            "save_panel": self._action(
                "Save image &panel…", self.save_image_panel, "Ctrl+Shift+P", "action_save_panel"
            ),
            "movie": self._action("Export &movie…", self.export_movie, "Ctrl+Shift+M", "action_movie"),
            "quit": self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, "action_quit"),
        }
        fa = self.file_actions
        for key in (
            "open_session",
            "save_session",
            None,
            "open_observed",
            "open_l3",
            "open_lexi",
            "open_fit_series",
            "fit",
            None,
            "screenshot",
            "save_panel",
            "movie",
            None,
            "quit",
        ):
            if key is None:
                file_menu.addSeparator()
            elif key in ("open_observed", "open_l3", "open_lexi", "fit") and self.comparison is None:
                continue
            else:
                file_menu.addAction(fa[key])

        view_menu = mb.addMenu("&View")
        group = QActionGroup(self)
        group.setExclusive(True)
        self.camera_actions: dict[str, QAction] = {}
        names = [n for n in _PRESET_ORDER if n in CAMERA_PRESETS] + [
            n for n in CAMERA_PRESETS if n not in _PRESET_ORDER
        ]
        for i, name in enumerate(names):
            act = QAction(_PRESET_TITLES.get(name, name), self)
            act.setObjectName(f"camera_{name}")
            act.setCheckable(True)
            act.setChecked(name == self.state.camera_preset)
            act.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _checked=False, n=name: self.set_camera_preset(n))
            group.addAction(act)
            view_menu.addAction(act)
            self.camera_actions[name] = act
        # "Through <instrument> (observed)": the observer of the Compare dock's image
        self.observed_camera = ObservedCameraAction(self, view_menu, group)
        self.state.events.camera_preset.connect(self._on_camera_preset)
        view_menu.addSeparator()
        layer_menu = view_menu.addMenu("&Layers")
        self.layer_actions: dict[str, QAction] = {}
        layers = self.state.layers
        for name in layers.names():
            act = QAction(_LAYER_TITLES.get(name, name.title()), self)
            act.setObjectName(f"layer_{name}")
            act.setCheckable(True)
            act.setChecked(getattr(layers, name))
            act.toggled.connect(lambda on, n=name: setattr(self.state.layers, n, on))
            layer_menu.addAction(act)
            self.layer_actions[name] = act
        self._layers_model = self.state.layers
        self._layers_model.events.connect(self._on_layer_event)
        self.state.events.layers.connect(self._on_layers_replaced)
        self.day_night_action = QAction("Day/night shading", self)
        self.day_night_action.setCheckable(True)
        self.day_night_action.setChecked(self.state.day_night)
        self.day_night_action.toggled.connect(lambda on: setattr(self.state, "day_night", on))
        view_menu.addAction(self.day_night_action)
        self.clear_los_action = self._action(
            "Clear line of sight", self.clear_line_of_sight, "Esc", "action_clear_los"
        )
        view_menu.addAction(self.clear_los_action)
        self.play_action = self._action(
            "Play / pause", self.time_control.play_button.toggle, "Space", "action_play"
        )
        self.apogee_action = self._action(
            "Jump to next apogee", self.time_control.jump_to_next_apogee, "Ctrl+A", "action_next_apogee"
        )
        view_menu.addAction(self.play_action)
        view_menu.addAction(self.apogee_action)
        view_menu.addSeparator()
        self.presentation = Presentation(self)  # View ▸ Present, F11 (full screen for a talk)
        view_menu.addAction(self.presentation.action)
        dock_menu = view_menu.addMenu("&Panels")
        for dock in self.docks():
            dock_menu.addAction(dock.toggleViewAction())

        help_menu = mb.addMenu("&Help")
        about = QAction("&About smile-viewer", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

        self.help_action = install_help_action(self, help_menu)

    def _on_layer_event(self, info) -> None:
        name = info.signal.name
        act = self.layer_actions.get(name)
        if act is not None and act.isChecked() != bool(info.args[0]):
            act.blockSignals(True)
            act.setChecked(bool(info.args[0]))
            act.blockSignals(False)

    def _on_layers_replaced(self, layers) -> None:
        self._layers_model.events.disconnect(self._on_layer_event, missing_ok=True)
        self._layers_model = layers
        layers.events.connect(self._on_layer_event)
        for name, act in self.layer_actions.items():
            act.blockSignals(True)
            act.setChecked(bool(getattr(layers, name)))
            act.blockSignals(False)

    def set_camera_preset(self, name: str) -> None:
        """Choose a camera preset; choosing the current one again resets the camera to it."""
        if self.state.camera_preset == name:
            self.scene_view.apply_camera_preset(name)
        else:
            self.state.camera_preset = name

    def _on_camera_preset(self, name: str) -> None:
        act = self.camera_actions.get(name)
        if act is not None:
            act.setChecked(True)

    # -- sessions --------------------------------------------------------------------------
    def open_session(self, path=None) -> bool:
        """File ▸ Open session…: load, validate, apply in place; a bad or newer file shows a
        dialog and changes nothing. Returns True when a session was applied."""
        # lazy: File menu dialogs; not loaded by the first window
        from smile_viewer._qt.session_dialogs import ask_open_session

        got = ask_open_session(self, path=path)
        if got is None:
            return False
        new, p = got
        try:
            self.app_state.update_from(new)
        except (ValueError, TypeError) as exc:  # validated already; be safe
            QMessageBox.warning(self, "Open session", f"The session could not be applied:\n{exc}")
            return False
        self.statusBar().showMessage(f"Opened session {p}", 6000)
        self.setWindowTitle(f"smile-viewer — {Path(p).name}")
        return True

    def save_session(self, path=None):
        """File ▸ Save session…: the whole state as a session file (atomic; the format
        ``smile-viewer render --session`` reads). Returns the path or None."""
        # lazy: File menu dialogs; not loaded by the first window
        from smile_viewer._qt.session_dialogs import ask_save_session

        saved = ask_save_session(self, self.app_state, path=path)
        if saved is not None:
            self.statusBar().showMessage(f"Saved session {saved}", 6000)
            self.setWindowTitle(f"smile-viewer — {Path(saved).name}")
        return saved

    # -- export ----------------------------------------------------------------------------
    def _ask_path(self, title: str, name: str, filt: str, suffix: str) -> str | None:
        path, _ = QFileDialog.getSaveFileName(self, title, name, filt)
        if not path:
            return None
        if not path.lower().endswith(suffix):
            path += suffix
        return path

    def save_screenshot(self, path=None, size=None):
        """File ▸ Save 3-D screenshot…: the 3-D view as PNG (re-rendered at ``size`` if given)."""
        # lazy: File > Save/Export; not loaded by the first window (5 ms, imageio)
        from smile_viewer._qt.export import ask_image_size, save_canvas_png

        if path is None and size is None:  # from the menu: the size first (window, 1080p, 4K, custom)
            cw, ch = (int(v) for v in self.canvas.size)
            ok, size = ask_image_size(self, "Save 3-D screenshot", (cw, ch))
            if not ok:
                return None
        path = path or self._ask_path("Save 3-D screenshot", "smile-scene.png", "PNG image (*.png)", ".png")
        if not path:
            return None
        try:
            out = save_canvas_png(self.scene_view, path, size)
        except Exception as exc:  # noqa: BLE001 - shown to the user
            QMessageBox.warning(self, "Save 3-D screenshot", f"Could not save {path}:\n{exc}")
            return None
        self.statusBar().showMessage(f"Saved {out}", 5000)
        return out

    def save_image(self, path) -> None:
        """Save the current 3-D view (window size) as PNG (kept for scripts)."""
        self.save_screenshot(path)

    _save_image_dialog = save_screenshot

    def save_image_panel(self, path=None, name: str = "sxi"):
        """File ▸ Save image panel…: a synthetic-image panel (with its colour bar) as PNG."""
        # lazy: File > Save/Export; not loaded by the first window (5 ms, imageio)
        from smile_viewer._qt.export import save_widget_png

        path = path or self._ask_path("Save image panel", f"smile-{name}.png", "PNG image (*.png)", ".png")
        if not path:
            return None
        try:
            out = save_widget_png(self.images_dock.panels[name], path)
        except Exception as exc:  # noqa: BLE001
            QMessageBox.warning(self, "Save image panel", f"Could not save {path}:\n{exc}")
            return None
        self.statusBar().showMessage(f"Saved {out}", 5000)
        return out

    def export_movie(
        self,
        path=None,
        hours: float | None = None,
        n_frames: int | None = None,
        fps: int | None = None,
        size=None,
    ):
        """File ▸ Export movie…: the 3-D view over a time range from the scene time, as MP4."""
        # lazy: File > Save/Export; not loaded by the first window (5 ms, imageio)
        from smile_viewer._qt.export import canvas_frames, export_movie_with_progress, offscreen_view

        if hours is None or n_frames is None:
            cw, ch = (int(v) for v in self.canvas.size)
            dlg = MovieDialog(self, self.scene_view.period_s / 3600.0, (cw, ch))
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return None
            hours, n_frames, fps = dlg.hours.value(), dlg.frames.value(), dlg.fps.value()
            size = dlg.size_chooser.size_px()
        fps = fps or 25
        path = path or self._ask_path("Export movie", "smile-orbit.mp4", "MP4 movie (*.mp4)", ".mp4")
        if not path:
            return None
        t0 = self.state.time
        times = [
            t0 + TimeDelta(hours * 3600.0 * i / max(1, n_frames - 1), format="sec") for i in range(n_frames)
        ]
        self.time_control.stop()

        def set_time(t):
            self.state.time = t

        policy = self.scene_view.update_policy
        self.scene_view.update_policy = "sync"  # each frame shows its time's data (a cube sequence's volume)
        try:
            with contextlib.ExitStack() as stack:
                view = self.scene_view
                if size is not None and tuple(size) != tuple(int(v) for v in self.canvas.size):
                    view = stack.enter_context(offscreen_view(self.scene_view, size))  # laid out for the size
                frames = canvas_frames(view, times, set_time)
                out = export_movie_with_progress(self, frames, path, float(fps), n_frames)
        finally:
            self.scene_view.update_policy = policy
            self.state.time = t0
        if out is not None:
            self.statusBar().showMessage(f"Saved {out}", 6000)
        return out

    # -- cube time sequences -----------------------------------------------------------------
    def _on_cube_sequence(self, seq) -> None:
        """A cube sequence was chosen: move the scene time to its first cube when the time is
        outside it, so that the slider steps through the cubes."""
        t = self.state.time
        if not (seq.start <= t <= seq.stop):
            self.state.time = seq.start
        self.statusBar().showMessage(f"Cube sequence: {seq.describe()}", 8000)

    def _show_observation_fov(self):
        """The observed image's field of view in the 3-D scene (LEXI from the Moon, IMAGE from its
        orbit): its matched camera, drawn from its observer; hidden without one."""
        obs = self.comparison.obs if self.comparison is not None else None
        cam = self.comparison.camera if obs is not None else None
        if cam is None or getattr(obs, "position_re", None) is None:
            self.scene_view.set_observation_fov(None)
            return
        name = (obs.instrument or "observed").upper()
        try:  # the instrument's own field (LEXI's 9.1 deg square; its roll is not in the files)
            inst = load_instrument(obs.instrument) if obs.instrument else None
        except UserInputError:
            inst = None
        if inst is not None:
            cam = cam.with_(fov_deg=inst.fov_deg, circular=inst.circular, rays=None)
        elif cam.rays is not None:  # explicit rays (IMAGE FUV): the pinhole camera nearest them
            # lazy: analysis modules for an opened observation, not loaded by the first window
            from smile_viewer.analysis.observer_view import pinhole_fit

            cam = pinhole_fit(cam)[0]
        self.scene_view.set_observation_fov(
            cam, time=obs.time_start, label=f"{name} {obs.time_start.isot[:16]}"
        )

    def _pair_observation_with_cube(self):
        """With a cube (or cube sequence) as the emissivity source, the Compare dock's observed
        frame gets the synthetic image of the cube at the frame's time."""
        models = self.app_state.model.models
        cmp = self.comparison
        if cmp is None or cmp.obs is None or cmp.level4 is not None or not models.cube_path:
            return None
        if registry.emissivity_model(models.emissivity_model).kind != "file":
            return None
        # lazy: the cube sequence module (and the cube readers) only with a cube source
        from smile_viewer.io.cubes.sequence import CubeSpec

        return cmp.compute_synthetic(CubeSpec(models.cube_path))

    # -- observed images -------------------------------------------------------------------
    def open_observed(self, path=None):
        """File ▸ Open observed image…: load in a worker, show it in the Compare dock with the
        synthetic image of the current model (a level-4 fit file: its observed and fitted images)."""
        if self.comparison is None:
            return None
        # lazy: the Level-4/observation reader, loaded when the user opens a file; not loaded by the first window (80 ms)
        from smile_viewer.io.level4 import Level4File, load_observation_or_level4

        if path is None:
            path, _ = QFileDialog.getOpenFileName(
                self,
                "Open observed image",
                "",
                "FITS images (*.fits *.fit *.fits.gz);;CDF files: UVI images, LEXI photons (*.cdf);;"
                "IMAGE FUV level-1 (*.idl *.sav);;All files (*)",
            )
            if not path:
                return None

        def done(obs):
            if isinstance(obs, Level4File):
                self.comparison.set_level4(obs)
            else:
                self.comparison.set_observed(obs)
            self.compare_dock.show()
            self.compare_dock.raise_()
            if getattr(obs, "format", "") == "image-fuv":  # IMAGE FUV: fitted dayglow + aurora, oval edges
                # lazy: the IMAGE FUV view, loaded when such a file is opened
                from smile_viewer._qt.oval_view import open_fuv_dock

                open_fuv_dock(self, obs)
                return
            sxi = None if isinstance(obs, Level4File) else self.images_dock.results.get("sxi")
            if sxi is not None and hasattr(sxi.model, "emissivity"):
                try:
                    self.comparison.compute_synthetic(sxi.model)
                except Exception as exc:  # noqa: BLE001
                    self.statusBar().showMessage(f"Synthetic image for the observation: {exc}", 8000)

        def failed(err):
            QMessageBox.warning(self, "Open observed image", f"Could not open {path}:\n{err.message}")

        return run_in_thread(load_observation_or_level4, path, on_result=done, on_error=failed)

    def open_lexi_folder(self, path=None):
        """File ▸ Open LEXI photon folder…: the LEXI level-1c CDF files of a folder, stacked into
        one counts image in the Compare dock (:mod:`smile_viewer.io.lexi`; what was masked is
        said above the images)."""
        if self.comparison is None:
            return None
        if path is None:
            path = QFileDialog.getExistingDirectory(self, "Open LEXI photon folder")
            if not path:
                return None
        return self.open_observed(path)

    def open_l3_folder(self, path=None):
        """File ▸ Open SXI level-3 folder…: per-minute files as a series the time slider steps
        through, stacked and binned in the Compare dock (:mod:`smile_viewer._qt.l3_series`)."""
        # lazy: File > Open L3 folder; not loaded by the first window (0.14 s, the L3 reader)
        from smile_viewer._qt.l3_series import open_l3_folder

        return open_l3_folder(self, path)

    def open_fit_series(self, path=None):
        """File ▸ Open fit series…: the CSV of ``smile-viewer fit-series`` as r_mp(t) in the timeline
        dock, the frame under the time slider in the Compare dock (:mod:`smile_viewer._qt.fit_series_view`)."""
        # lazy: File > Open fit series; not loaded by the first window (0.1 s)
        from smile_viewer._qt.fit_series_view import open_fit_series

        return open_fit_series(self, path)

    def open_fit_dialog(self, model: str | None = None):
        """File ▸ Fit the model to the observed image…: fit in a worker with progress and cancel;
        "Apply model" shows the fitted model's synthetic image in the Compare dock."""
        if self.comparison is None:
            return None
        if self.comparison.obs is None:
            QMessageBox.information(
                self, "Fit", "Open an observed image first (File ▸ Open observed image…)."
            )
            return None

        if model is None:
            chosen = self.app_state.model.models.emissivity_model
            model = chosen if chosen in registry.fittable_models() else registry.DEFAULT_EMISSIVITY
        # lazy: File menu dialogs; not loaded by the first window
        from smile_viewer._qt.fit_dialog import FitDialog

        dialog = FitDialog(self.comparison.obs, model, parent=self)
        dialog.model_applied.connect(self.comparison.compute_synthetic)
        dialog.show()  # the user picks the free parameters, then presses Start
        self.fit_dialog = dialog
        return dialog

    def _about(self) -> None:

        QMessageBox.about(
            self,
            "About smile-viewer",
            f"smile-viewer {smile_viewer.__version__}\n\n"
            "The SMILE mission's orbit, Earth's magnetosphere in 3-D and live synthetic\n"
            "SXI (soft X-ray) and UVI (ultraviolet) images.\n"
            "Earth image: NASA Blue Marble Next Generation (public domain).",
        )

    # -- closing ---------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        if not self._closed and self._persist_layout:
            try:
                save_window_layout(self, self._settings)
            except Exception:
                log.warning("could not save the window layout", exc_info=True)
        self._shutdown()
        super().closeEvent(event)

    def _shutdown(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._fps_timer.stop()
        self.time_control.disconnect_state()
        for sch in (*self.data_schedulers.values(), *self.image_schedulers.values()):
            sch.shutdown(2.0)
        for job in (self._warm_job, self._windows_job, getattr(self, "_fl_warm_job", None)):
            if job is not None:
                job.cancel()
                job.wait(5.0)
        for sig, cb in self._image_bindings:
            sig.disconnect(cb, missing_ok=True)
        self.scene_view.data_requested.disconnect(self._on_data_requested)
        self.scene_view.disconnect()
        for dock in (self.layers_dock, self.model_dock, self.instruments_dock, self.tour_dock):
            dock.disconnect_state()
        if self.presentation.active:
            self.presentation.leave()
        self.state.events.time.disconnect(self._update_status, missing_ok=True)
        self.state.events.frame.disconnect(self._update_status, missing_ok=True)
        self.state.events.camera_preset.disconnect(self._on_camera_preset, missing_ok=True)
        self._layers_model.events.disconnect(self._on_layer_event, missing_ok=True)
        self.state.events.layers.disconnect(self._on_layers_replaced, missing_ok=True)
        if self.timeline_dock._state is not None:
            self.state.events.time.disconnect(self.timeline_dock.set_time, missing_ok=True)
