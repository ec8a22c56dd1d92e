"""Observed versus synthetic: the comparison view (a dock's widget or a window).

:class:`ComparisonView` shows an observed image beside the synthetic one for the same geometry:
linked panels and cursor, blink, difference, ratio and residual modes, a shared colour scale,
line profiles, statistics of the visible pixels and overlays; the synthetic image comes from
:meth:`~ComparisonView.set_synthetic` or :meth:`~ComparisonView.compute_synthetic` (in a
worker). What each does: docs/analysis.md#comparison-view.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPen
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from smile_viewer._qt.image_panel import ImagePanel, coordinate_function_from_wcs, format_value
from smile_viewer._qt.pyside_compat import apply_pyside_fixes
from smile_viewer._qt.workers import run_in_thread
from smile_viewer.analysis import statistics as st
from smile_viewer.compute import AnalyticSource, RenderRequest, render
from smile_viewer.compute.types import VolumeSource
from smile_viewer.physics.volume import Volume

apply_pyside_fixes()

__all__ = ["MODES", "OVERLAYS", "ComparisonView", "sample_line"]

#: Display modes, in menu order.
MODES: tuple[str, ...] = ("side by side", "blink", "difference", "ratio", "residual σ")
#: Overlay names -> (label, colour).
OVERLAYS: dict[str, tuple[str, tuple[int, int, int]]] = {
    "limb": ("Earth limb", (80, 200, 255)),
    "fov": ("FOV outline", (230, 230, 230)),
    "magnetopause": ("Magnetopause", (60, 255, 120)),
    "bow_shock": ("Bow shock", (255, 120, 200)),
}


def sample_line(image: np.ndarray, p0, p1) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Nearest-pixel samples of ``image`` along the segment ``p0 → p1`` (``(row, col)`` array
    coordinates, pixel centres at integers).

    Returns ``(distance, values, rows, cols)``: ``ceil(length) + 1`` equally spaced points
    (distance in pixels from ``p0``), each with the value of the pixel it falls in (NaN
    outside the image).
    """
    img = np.asarray(image, dtype=float)
    r0, c0 = (float(v) for v in p0)
    r1, c1 = (float(v) for v in p1)
    length = math.hypot(r1 - r0, c1 - c0)
    n = max(math.ceil(length - 1e-9) + 1, 2)
    t = np.linspace(0.0, 1.0, n)
    rows = np.floor(r0 + t * (r1 - r0) + 0.5).astype(int)
    cols = np.floor(c0 + t * (c1 - c0) + 0.5).astype(int)
    inside = (rows >= 0) & (rows < img.shape[0]) & (cols >= 0) & (cols < img.shape[1])
    values = np.full(n, np.nan)
    values[inside] = img[rows[inside], cols[inside]]
    return t * length, values, rows, cols


def _pen(rgb, width=2, style=Qt.PenStyle.SolidLine) -> QPen:
    pen = QPen(QColor(*rgb))
    pen.setCosmetic(True)
    pen.setWidthF(width)
    pen.setStyle(style)
    return pen


class ComparisonView(QWidget):
    """Observed and synthetic images compared (see the module doc).

    Signals: ``mode_changed(str)``, ``statistics_changed(object)`` (a
    :class:`~smile_viewer.analysis.statistics.ComparisonStats`), ``synthetic_ready()``,
    ``synthetic_failed(str)``.
    """

    mode_changed = Signal(str)
    statistics_changed = Signal(object)
    synthetic_ready = Signal()
    synthetic_failed = Signal(str)
    #: A new observation is shown (:meth:`set_observed`): e.g. pair it with the cube at its time.
    observed_changed = Signal()

    def __init__(self, parent: QWidget | None = None, *, blink_interval_ms: int = 700):
        super().__init__(parent)
        self.setObjectName("comparisonView")
        self.setWindowTitle("Compare observed and synthetic")
        self.obs = None
        self.level4 = None  # the level-4 fit file shown (set_level4), else None
        self._observed: np.ndarray | None = None
        self._synthetic: np.ndarray | None = None
        self._units = ""
        self._syn_units = ""
        self._counts = False
        self._valid: np.ndarray | None = None
        self._mode = MODES[0]
        self._blink_showing = "observed"
        self._camera = None
        self._aim_pixel: tuple[float, float] | None = None
        self._overlay_data: dict[str, np.ndarray] = {}
        self._overlay_items: dict[str, list[pg.PlotDataItem]] = {k: [] for k in OVERLAYS}
        self._stats: st.ComparisonStats | None = None
        self._job = None
        self._syncing = False

        # panels
        self.left = ImagePanel(self)
        self.left.setObjectName("comparisonObserved")
        self.right = ImagePanel(self)
        self.right.setObjectName("comparisonSynthetic")
        self.right.view.setXLink(self.left.view)
        self.right.view.setYLink(self.left.view)
        self._zoom_hold = None  # a region kept while a mode change resizes the panels
        for p in (self.left, self.right):
            # re-fitted on resize until the user zooms either panel (they are linked)
            p.view.sigRangeChangedManually.connect(self._on_user_zoom)
            p.view.sigResized.connect(self._restore_zoom)
            p.pixel_hovered.connect(self._on_hover)
            p.scale_combo.currentTextChanged.connect(lambda s, src=p: self._on_scale_changed(src, s))
            p.levels_changed.connect(lambda lo, hi, src=p: self._on_levels_changed(src, lo, hi))
            for name, (label, rgb) in OVERLAYS.items():
                item = pg.PlotDataItem(
                    pen=_pen(rgb, 1.6, Qt.PenStyle.DashLine if name == "fov" else Qt.PenStyle.SolidLine),
                    connect="finite",
                    name=label,
                )
                item.setZValue(20)
                p.plot.addItem(item)
                self._overlay_items[name].append(item)

        # the profile line: an ROI on the observed panel, mirrored on the other
        self.roi = pg.LineSegmentROI([[0, 0], [10, 0]], pen=_pen((0, 255, 255), 2))
        self.roi.setZValue(30)
        self.left.plot.addItem(self.roi)
        self.roi.sigRegionChanged.connect(self._update_profile)
        self._roi_mirror = pg.PlotDataItem(pen=_pen((0, 255, 255), 2))
        self._roi_mirror.setZValue(30)
        self.right.plot.addItem(self._roi_mirror)

        self.profile_plot = pg.PlotWidget(self)
        self.profile_plot.setObjectName("comparisonProfile")
        self.profile_plot.setBackground(QColor(30, 30, 30))
        self.profile_plot.setLabel("bottom", "distance along the line", units="pixel")
        self.profile_plot.addLegend(offset=(-10, 10))
        self.profile_plot.showGrid(x=True, y=True, alpha=0.25)
        self.profile_plot.setMinimumHeight(150)
        self.profile_obs = self.profile_plot.plot(pen=_pen((255, 170, 60), 2), name="observed")
        self.profile_syn = self.profile_plot.plot(pen=_pen((90, 200, 255), 2), name="synthetic")

        # controls
        self.mode_combo = QComboBox(self)
        self.mode_combo.setObjectName("comparisonMode")
        self.mode_combo.addItems(MODES)
        self.mode_combo.setToolTip(
            "Side by side, blink (key B), difference obs − syn, ratio obs / syn, "
            "residual in σ = sqrt(synthetic)"
        )
        self.mode_combo.currentTextChanged.connect(self.set_mode)
        self.shared_check = QCheckBox("Shared colours", self)
        self.shared_check.setObjectName("comparisonShared")
        self.shared_check.setChecked(True)
        self.shared_check.setToolTip(
            "One colour scale and the levels of both images (equal colour = equal value)"
        )
        self.shared_check.toggled.connect(self.set_shared_levels)
        self.blink_button = QPushButton("Blink", self)
        self.blink_button.setObjectName("comparisonBlinkRun")
        self.blink_button.setCheckable(True)
        self.blink_button.setToolTip("Alternate observed and synthetic at the interval (key B: one step)")
        self.blink_button.toggled.connect(self.set_blink_running)
        self.blink_spin = QSpinBox(self)
        self.blink_spin.setObjectName("comparisonBlinkInterval")
        self.blink_spin.setRange(100, 5000)
        self.blink_spin.setSingleStep(100)
        self.blink_spin.setSuffix(" ms")
        self.blink_spin.setValue(int(blink_interval_ms))
        self.blink_spin.valueChanged.connect(lambda v: self.blink_timer.setInterval(int(v)))
        self.blink_timer = QTimer(self)
        self.blink_timer.setInterval(int(blink_interval_ms))
        self.blink_timer.timeout.connect(self.blink_toggle)
        self.profile_combo = QComboBox(self)
        self.profile_combo.setObjectName("comparisonProfilePreset")
        self.profile_combo.addItems(["free line", "horizontal through aim", "vertical through aim"])
        self.profile_combo.setToolTip(
            "Drag the line's ends on the observed image, or cut through the aim point"
        )
        self.profile_combo.textActivated.connect(self._on_profile_preset)

        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(QLabel("Mode", self))
        top.addWidget(self.mode_combo)
        top.addWidget(self.shared_check)
        top.addWidget(self.blink_button)
        top.addWidget(self.blink_spin)
        overlays_row = QHBoxLayout()  # a row of its own: the dock is narrow in the default layout
        overlays_row.setContentsMargins(0, 0, 0, 0)
        overlays_row.addWidget(QLabel("Overlays", self))
        self.overlay_checks: dict[str, QCheckBox] = {}
        for name, (label, rgb) in OVERLAYS.items():
            cb = QCheckBox(label, self)
            cb.setObjectName(f"comparisonOverlay_{name}")
            cb.setChecked(True)
            cb.setStyleSheet(
                f"QCheckBox {{ color: rgb({rgb[0]},{rgb[1]},{rgb[2]}); }}" if name != "fov" else ""
            )
            cb.toggled.connect(lambda on, n=name: self.set_overlay_visible(n, on))
            self.overlay_checks[name] = cb
            overlays_row.addWidget(cb)
        top.addStretch(1)
        overlays_row.addStretch(1)
        profile_row = QHBoxLayout()
        profile_row.setContentsMargins(0, 0, 0, 0)
        profile_row.addWidget(QLabel("Profile", self))
        profile_row.addWidget(self.profile_combo)
        profile_row.addStretch(1)

        self.cursor_label = QLabel(self)
        self.cursor_label.setObjectName("comparisonCursor")
        self.cursor_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.cursor_label.setFixedHeight(self.cursor_label.fontMetrics().height() + 4)

        # statistics
        self.stats_box = QGroupBox("Statistics (valid pixels in view)", self)
        form = QFormLayout(self.stats_box)
        self.stat_labels: dict[str, QLabel] = {}
        for key, label in (
            ("n", "pixels"),
            ("chi2", "χ²"),
            ("chi2_reduced", "χ²/dof"),
            ("cash", "Cash C"),
            ("cstat", "C-stat"),
            ("pearson_r", "Pearson r"),
            ("mean_residual", "mean residual"),
        ):
            lab = QLabel("–", self.stats_box)
            lab.setObjectName(f"comparisonStat_{key}")
            lab.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            form.addRow(label, lab)
            self.stat_labels[key] = lab
        self.sigma_label = QLabel("", self.stats_box)
        self.sigma_label.setWordWrap(True)
        form.addRow(self.sigma_label)
        self.progress = QProgressBar(self)
        self.progress.setObjectName("comparisonProgress")
        self.progress.setRange(0, 1000)
        self.progress.setVisible(False)
        self.progress_label = QLabel("", self)
        self.progress_label.setVisible(False)
        # what the reader masked or assumed (LEXI: photons masked, exposure, field, observer)
        self.notes_label = QLabel("", self)
        self.notes_label.setStyleSheet("QLabel { color: rgb(255, 200, 120); }")
        self.notes_label.setObjectName("comparisonNotes")
        self.notes_label.setWordWrap(True)
        self.notes_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes_label.setVisible(False)

        # stacked until the view is wide (resizeEvent): its minimum width then fits a narrow dock
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.addWidget(self.left)
        self.splitter.addWidget(self.right)
        lower = QSplitter(Qt.Orientation.Vertical, self)
        self._lower_splitter = lower
        lower.addWidget(self.profile_plot)
        side = QWidget(self)
        sl = QVBoxLayout(side)
        sl.setContentsMargins(0, 0, 0, 0)
        sl.addWidget(self.stats_box)
        sl.addWidget(self.progress_label)
        sl.addWidget(self.progress)
        sl.addStretch(1)
        lower.addWidget(side)
        lower.setStretchFactor(0, 3)
        lower.setStretchFactor(1, 1)
        vsplit = QSplitter(Qt.Orientation.Vertical, self)
        vsplit.addWidget(self.splitter)
        vsplit.addWidget(lower)
        vsplit.setStretchFactor(0, 3)
        vsplit.setStretchFactor(1, 1)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(top)
        layout.addLayout(overlays_row)
        layout.addLayout(profile_row)
        layout.addWidget(self.notes_label)
        layout.addWidget(vsplit, 1)
        layout.addWidget(self.cursor_label)

        # key B: the image views see the key first (pyqtgraph's scene would swallow a shortcut's
        # override), so they are filtered; elsewhere in the view keyPressEvent takes it
        for p in (self.left, self.right):
            p.graphics.installEventFilter(self)

        self._stats_timer = QTimer(self)
        self._stats_timer.setSingleShot(True)
        self._stats_timer.setInterval(120)
        self._stats_timer.timeout.connect(self.update_statistics)
        self.left.view.sigRangeChanged.connect(lambda *_: self._stats_timer.start())

    # -- data ----------------------------------------------------------------------------------
    def set_observed(self, obs, *, use: str = "auto") -> None:
        """Show an :class:`~smile_viewer.io.observed.ObservedImage`.

        ``use``: "counts" (its counts map: CTSMAP), "image" (its primary image) or "auto"
        (counts when the file has them, else the image). With counts the comparison is of
        counts (Cash statistic, residual σ = sqrt(model)).
        """
        counts = getattr(obs, "counts", None)
        if use not in ("auto", "counts", "image"):
            raise ValueError(f"use = {use!r}: expected 'auto', 'counts' or 'image'")
        if use == "counts" and counts is None:
            raise ValueError(f"{obs.path}: no counts map (CTSMAP) to compare")
        self.obs = obs
        self.level4 = None
        if counts is not None and use != "image":
            self._observed = np.asarray(counts, dtype=float)
            self._units = "count"
            self._counts = True
        else:
            self._observed = np.asarray(obs.image, dtype=float)
            self._units = obs.units
            self._counts = obs.units == "count"
        self._valid = np.asarray(obs.valid_mask(), dtype=bool)
        self._show_notes(list(getattr(obs, "notes", ()) or ()))
        if self._synthetic is not None and self._synthetic.shape != self._observed.shape:
            self._synthetic = None
        self._camera = None
        self._aim_pixel = None
        try:
            # lazy: analysis modules for an opened observation, not loaded by the first window
            from smile_viewer.analysis.geometry import camera_for_observation

            if obs.position_re is not None:
                self._camera = camera_for_observation(obs)
        except Exception:  # noqa: BLE001 - no geometry: no overlays, aim = centre
            self._camera = None
        if self._camera is not None and obs.aim_re is not None:
            # lazy: analysis modules for an opened observation, not loaded by the first window
            from smile_viewer.analysis.overlays import project_points

            col, row = project_points(self._camera, np.asarray(obs.aim_re, float))
            if np.isfinite(row) and np.isfinite(col):
                self._aim_pixel = (float(row), float(col))
        try:  # the Earth's limb and the field's edge on the observation's own camera
            self.set_overlays()
        except Exception:  # noqa: BLE001 - an outline that cannot be drawn is left out
            self._overlay_data = {}
        self._set_sky_axes(obs)
        rows, cols = self._observed.shape
        self.set_profile_line((rows / 2 - 0.5, cols * 0.15), (rows / 2 - 0.5, cols * 0.85))
        self._refresh()
        self.left.fit_view()
        self.observed_changed.emit()

    def _show_notes(self, notes: list[str], extra: str = "") -> None:
        """The reader's first note (what was masked) and ``extra`` (what was fitted) above the
        images; all the notes in the tooltip."""
        notes = [str(n) for n in notes]
        shown = [n for n in (notes[:1] + ([extra] if extra else [])) if n]
        self.notes_label.setText("\n".join(shown))
        self.notes_label.setToolTip("\n".join(notes + ([extra] if extra else [])))
        self.notes_label.setVisible(bool(shown))

    @property
    def notes_text(self) -> str:
        """All the notes of the observation shown (the label and its tooltip; "" when none)."""
        return self.notes_label.toolTip()

    def _set_sky_axes(self, obs) -> None:
        """Axes in instrument degrees (the camera's pixel size), RA/Dec in the read-out (WCS)."""
        scale = None
        if self._camera is not None and self._camera.rays is None:
            scale = self._camera.pixel_size_deg()
        wcs = getattr(obs, "wcs", None) if obs is not None else None
        for p in (self.left, self.right):
            p.set_angular_scale(scale)
            p.set_coordinate_function(coordinate_function_from_wcs(wcs) if wcs is not None else None)

    def set_arrays(
        self, observed, synthetic=None, *, units: str = "", counts: bool = False, valid=None
    ) -> None:
        """Compare plain arrays (no observation file): for scripts and tests."""
        self.obs = None
        self.level4 = None
        self._observed = np.asarray(observed, dtype=float)
        self._units = units
        self._counts = bool(counts)
        self._valid = np.isfinite(self._observed) if valid is None else np.asarray(valid, bool)
        self._camera = None
        self._aim_pixel = None
        self._synthetic = None
        if synthetic is not None:
            self._synthetic = self._check_synthetic(synthetic)
            self._syn_units = units
        self._set_sky_axes(None)
        rows, cols = self._observed.shape
        self.set_profile_line((rows / 2 - 0.5, cols * 0.15), (rows / 2 - 0.5, cols * 0.85))
        self._refresh()
        self.left.fit_view()

    def set_level4(self, l4) -> None:
        """Show a level-4 fit file (:class:`~smile_viewer.io.level4.Level4File`, ours or the SXI
        team's): observed = its CTSMAP (ours) or CXFOV (the team's), synthetic = the fitted
        counts (PRIMARY)."""
        self.set_observed(l4.to_observed(), use="image")
        self.set_synthetic(l4.fitted, units="count")
        self.level4 = l4

    def _check_synthetic(self, image) -> np.ndarray:
        if hasattr(image, "unit") and hasattr(image, "value"):
            image = image.value
        a = np.asarray(image, dtype=float)
        if self._observed is not None and a.shape != self._observed.shape:
            raise ValueError(
                f"the synthetic image is {a.shape} but the observed one is {self._observed.shape}: "
                "compute it on the observed grid"
            )
        return a

    def set_synthetic(self, image, units: str | None = None) -> None:
        """The synthetic image on the observed grid (same shape), in the observed units."""
        self._synthetic = self._check_synthetic(image)
        self._syn_units = self._units if units is None else str(units)
        self._refresh()
        self.synthetic_ready.emit()

    @property
    def observed(self) -> np.ndarray | None:
        return self._observed

    @property
    def synthetic(self) -> np.ndarray | None:
        return self._synthetic

    @property
    def counts(self) -> bool:
        """True when the comparison is of counts (Cash statistic, Poisson σ)."""
        return self._counts

    @property
    def camera(self):
        """The observation's matched camera (None without geometry)."""
        return self._camera

    def compute_synthetic(self, model, *, backend: str = "cpu", synchronous: bool | None = None):
        """Compute the synthetic image of ``model`` for the observation in a worker thread.

        ``model``: an analytic emissivity model, a Volume, or anything with ``volume_at(time)``
        (a cube sequence, :class:`~smile_viewer.io.cubes.sequence.CubeSpec`): the cube at the
        observation's time (DATE-OBS). Counts: expected counts (source + background) of the
        full-resolution forward model; otherwise the intensity rendered on the matched camera.
        Returns the job (its result is also applied with :meth:`set_synthetic`).
        """
        if self.obs is None:
            raise ValueError("set an observation first (set_observed)")
        obs, counts = self.obs, self._counts

        def work(ctx):
            nonlocal model
            if hasattr(model, "volume_at"):
                ctx.progress(0.02, "the cube at the observation's time")
                model = model.volume_at(obs.time)  # each observed frame with the cube at its time
            ctx.progress(0.05, "matching the geometry")
            if counts and getattr(obs, "instrument", "") == "lexi":
                # lazy: analysis.lexi_fit (scipy.optimize) loads in the worker, for a LEXI observation
                from smile_viewer.analysis.lexi_fit import lexi_expected

                ctx.progress(0.2, "rendering the model on the LEXI grid, fitting its background")
                expected, _fitted, note = lexi_expected(obs, model, backend=backend)
                return expected, "count", note
            if counts:
                # lazy: analysis.fitting (scipy.optimize, 0.4 s) loads in the worker, when a synthetic image of counts is asked for
                from smile_viewer.analysis.fitting import ForwardModel

                fwd = ForwardModel(obs, bin_factor=1, oversample=1, backend=backend)
                ctx.check()
                ctx.progress(0.2, "rendering the model on the observed grid")
                _intensity, expected = fwd.full_resolution(model)
                return expected, "count"
            # lazy: analysis modules for an opened observation, not loaded by the first window
            from smile_viewer.analysis.geometry import camera_for_observation

            cam = camera_for_observation(obs)
            ctx.check()
            ctx.progress(0.2, "rendering the model on the observed grid")
            src = VolumeSource(model, obs.time) if isinstance(model, Volume) else AnalyticSource(model)
            res = render(RenderRequest(cam, src, backend=backend))
            return res.image, getattr(res, "units", obs.units)

        def done(result):
            image, units = result[:2]
            if len(result) > 2:  # what was fitted to make it (LEXI: normalisation and background)
                self._show_notes(list(getattr(obs, "notes", ()) or ()), result[2])
            self.set_synthetic(image, units if not self._counts else "count")

        def failed(err):
            self.synthetic_failed.emit(str(getattr(err, "message", err)))
            self.progress_label.setText(f"failed: {getattr(err, 'message', err)}")

        def progress(f, msg):
            self.progress.setValue(int(1000 * f))
            self.progress_label.setText(msg)

        def finished():
            self.progress.setVisible(False)
            if self._synthetic is not None and self.progress_label.text().startswith("failed") is False:
                self.progress_label.setVisible(False)
            self._job = None

        if self._job is not None:
            self._job.cancel()
        self.progress.setVisible(True)
        self.progress_label.setVisible(True)
        self.progress_label.setText("synthetic image…")
        self._job = run_in_thread(
            work,
            on_result=done,
            on_error=failed,
            on_progress=progress,
            on_finished=finished,
            synchronous=synchronous,
        )
        return self._job

    # -- modes ---------------------------------------------------------------------------------
    @property
    def mode(self) -> str:
        return self._mode

    def set_mode(self, mode: str) -> None:
        """One of :data:`MODES`."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r}; choose from {', '.join(MODES)}")
        if self.mode_combo.currentText() != mode:
            self.mode_combo.blockSignals(True)
            self.mode_combo.setCurrentText(mode)
            self.mode_combo.blockSignals(False)
        changed = mode != self._mode
        self._mode = mode
        if mode != "blink":
            self.set_blink_running(False)
            self._blink_showing = "observed"
        self._refresh()
        if changed:
            self.mode_changed.emit(mode)

    def derived_image(self, mode: str | None = None) -> np.ndarray | None:
        """The right panel's image in a derived mode (difference, ratio, residual σ)."""
        mode = self._mode if mode is None else mode
        o, s = self._observed, self._synthetic
        if o is None or s is None:
            return None
        with np.errstate(divide="ignore", invalid="ignore"):
            if mode == "difference":
                return o - s
            if mode == "ratio":
                return np.where(s > 0, o / s, np.nan)
            if mode == "residual σ":
                return st.residual_sigma(o, s, mask=self._valid)
        return None

    def blink_toggle(self) -> None:
        """Switch the blinking panel between observed and synthetic (enters blink mode)."""
        if self._mode != "blink":
            self.set_mode("blink")
        self._blink_showing = "synthetic" if self._blink_showing == "observed" else "observed"
        self._show_left()

    @property
    def blink_showing(self) -> str:
        """ "observed" or "synthetic": what the left panel shows."""
        return self._blink_showing

    def set_blink_running(self, on: bool) -> None:
        """Start or stop the blink timer (interval from the spin box)."""
        on = bool(on)
        if self.blink_button.isChecked() != on:
            self.blink_button.blockSignals(True)
            self.blink_button.setChecked(on)
            self.blink_button.blockSignals(False)
        if on:
            if self._mode != "blink":
                self.set_mode("blink")
            self.blink_timer.start(self.blink_spin.value())
        else:
            self.blink_timer.stop()

    def shown_image(self) -> np.ndarray | None:
        """The data of the left (observed / blinking) panel."""
        return self.left.image

    # -- drawing ---------------------------------------------------------------------------------
    def _show_left(self) -> None:
        if self._observed is None:
            return
        if self._mode == "blink" and self._blink_showing == "synthetic" and self._synthetic is not None:
            self.left.set_image(self._synthetic, self._syn_units or self._units, "Synthetic  (blink: B)")
        else:
            title = "Observed" + ("  (blink: B)" if self._mode == "blink" else "")
            if self.obs is not None and getattr(self.obs, "instrument", ""):
                title = f"{self.obs.instrument.upper()} " + title.lower()
            self.left.set_image(self._observed, self._units, title)

    def _refresh(self) -> None:
        if self._observed is None:
            return
        zoom = self._zoom_intent() if self.left.image is not None else None
        self._show_left()
        mode = self._mode
        self._set_right_shown(mode != "blink")
        if zoom is not None and self.left.image is not None:
            # the same region in every mode, again while the layout resizes the panels
            self._zoom_hold = zoom
            self._restore_zoom()
            QTimer.singleShot(300, self._release_zoom)
        if mode == "side by side":
            if self._synthetic is not None:
                self.right.set_image(self._synthetic, self._syn_units or self._units, "Synthetic")
            else:
                self.right.clear()
                self.right.title_label.setText("Synthetic (none yet)")
        elif mode in ("difference", "ratio", "residual σ"):
            img = self.derived_image(mode)
            if img is None:
                self.right.clear()
                self.right.title_label.setText(f"{mode}: no synthetic image")
            else:
                units = {"difference": self._units, "ratio": "", "residual σ": "σ"}[mode]
                title = {
                    "difference": "Observed − synthetic",
                    "ratio": "Observed / synthetic",
                    "residual σ": "(obs − syn) / sqrt(syn)",
                }[mode]
                # derived images keep their own levels and an asinh-friendly linear scale
                self.right.set_auto_levels(True)
                if mode != "ratio" and self.right.scale == "log":
                    self.right.set_scale("linear")
                self.right.set_image(img, units, title)
        self._apply_shared_levels()
        self._update_overlays()
        self._update_profile()
        self.update_statistics()

    def _zoom_intent(self):
        """The region to keep across a mode change: the one asked for last time when the view is
        still that region widened by the locked aspect (the panels changed shape), else the view."""
        rect = self.left.view.viewRect()
        last = getattr(self, "_last_zoom", None)
        if last is not None:
            tol = 1e-3 * max(last.width(), last.height())
            inside = rect.adjusted(-tol, -tol, tol, tol).contains(last)
            tight = abs(rect.width() - last.width()) <= tol or abs(rect.height() - last.height()) <= tol
            if inside and tight:
                return last
        self._last_zoom = rect
        return rect

    def _on_user_zoom(self, *_args) -> None:
        for p in (self.left, self.right):
            p._user_zoomed = True

    def _restore_zoom(self, *_args) -> None:
        zoom = getattr(self, "_zoom_hold", None)
        if zoom is not None:
            self.left.view.setRange(zoom, padding=0)

    def _release_zoom(self) -> None:
        self._zoom_hold = None

    #: Narrower than this [px], the panels stack (observed over synthetic) and the statistics go
    #: under the profile: side by side they would not fit the dock of the default layout.
    STACK_BELOW_PX = 900

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        orient = Qt.Orientation.Vertical if self.width() < self.STACK_BELOW_PX else Qt.Orientation.Horizontal
        for split in (self.splitter, self._lower_splitter):
            if split.orientation() != orient:
                split.setOrientation(orient)
        stacked = orient == Qt.Orientation.Vertical
        for p in (self.left, self.right):  # stacked, each panel keeps a readable height
            p.setMinimumHeight(230 if stacked else 0)

    def _set_right_shown(self, on: bool) -> None:
        """Show or hide the right panel. Hidden, it is unlinked from the left one: a hidden view
        box has no size, and a linked one would zoom both out to thousands of pixels."""
        if on == (self.right.view.linkedView(0) is not None) and on == self.right.isVisibleTo(self):
            return
        if not on:
            self.right.view.setXLink(None)
            self.right.view.setYLink(None)
        self.right.setVisible(on)
        if on:
            self.right.view.setXLink(self.left.view)
            self.right.view.setYLink(self.left.view)

    def set_shared_levels(self, on: bool) -> None:
        """Share the colour scale and levels of observed and synthetic (on by default)."""
        on = bool(on)
        if self.shared_check.isChecked() != on:
            self.shared_check.blockSignals(True)
            self.shared_check.setChecked(on)
            self.shared_check.blockSignals(False)
        if not on:
            self.left.set_auto_levels(True)
            self.right.set_auto_levels(True)
        self._apply_shared_levels()

    @property
    def shared_levels(self) -> bool:
        return self.shared_check.isChecked()

    def _apply_shared_levels(self) -> None:
        if not self.shared_levels or self._observed is None or self._synthetic is None:
            return
        both = np.concatenate(
            [self._observed[np.isfinite(self._observed)], self._synthetic[np.isfinite(self._synthetic)]]
        )
        if both.size == 0:
            return
        lo, hi = ImagePanel.auto_levels_for(both, self.left.scale)
        self._syncing = True
        try:
            self.left.set_levels(lo, hi)
            if self._mode == "side by side":
                if self.right.scale != self.left.scale:
                    self.right.set_scale(self.left.scale)
                self.right.set_levels(lo, hi)
        finally:
            self._syncing = False

    def _on_scale_changed(self, src: ImagePanel, scale: str) -> None:
        if self._syncing or not self.shared_levels or self._mode != "side by side":
            if src is self.left:
                self._apply_shared_levels()
            return
        other = self.right if src is self.left else self.left
        self._syncing = True
        try:
            other.set_scale(scale)
        finally:
            self._syncing = False
        self._apply_shared_levels()

    def _on_levels_changed(self, src: ImagePanel, lo: float, hi: float) -> None:
        """Levels dragged on one colour bar follow on the other when shared (side by side);
        a scale chosen on one panel (menu or set_scale) goes to the other."""
        if self._syncing or not self.shared_levels or self._mode != "side by side":
            return
        other = self.right if src is self.left else self.left
        if other.image is not None and other.scale != src.scale:
            self._syncing = True
            try:
                other.set_scale(src.scale)
            finally:
                self._syncing = False
            self._apply_shared_levels()
            return
        if src.auto_levels:
            return
        if other.image is None or other.levels() == (lo, hi):
            return
        self._syncing = True
        try:
            other.set_levels(lo, hi)
        finally:
            self._syncing = False

    # -- cursor ----------------------------------------------------------------------------------
    def _on_hover(self, row: int, col: int) -> None:
        if row < 0 or self._observed is None:
            self.cursor_label.setText("")
            self.left.set_marker(None)
            self.right.set_marker(None)
            return
        self.left.set_marker((row, col))
        if self.right.isVisible():
            self.right.set_marker((row, col))
        self.cursor_label.setText(self.cursor_text(row, col))

    def cursor_text(self, row: int, col: int) -> str:
        """The linked read-out: observed, synthetic and the residual (in σ for counts) at a pixel."""
        o = float(self._observed[row, col])
        text = f"pixel (row {row}, col {col})   observed {format_value(o)} {self._units}".rstrip()
        if self._synthetic is not None:
            s = float(self._synthetic[row, col])
            text += f"   synthetic {format_value(s)}   obs − syn {format_value(o - s)}"
            if s > 0 and np.isfinite(o):
                text += f"   residual {(o - s) / math.sqrt(s):+.2f} σ"
        return text

    # -- profiles --------------------------------------------------------------------------------
    def set_profile_line(self, p0, p1) -> None:
        """Put the profile line from ``p0`` to ``p1`` (``(row, col)``, pixel centres at integers)."""
        (r0, c0), (r1, c1) = p0, p1
        self.roi.blockSignals(True)
        try:
            h = self.roi.getHandles()
            self.roi.movePoint(h[0], QPointF(c0 + 0.5, r0 + 0.5), finish=False)
            self.roi.movePoint(h[1], QPointF(c1 + 0.5, r1 + 0.5), finish=False)
        finally:
            self.roi.blockSignals(False)
        self._update_profile()

    def profile_line(self) -> tuple[tuple[float, float], tuple[float, float]]:
        """The profile line's end points ``((row0, col0), (row1, col1))`` in array coordinates."""
        pts = [self.roi.mapToParent(h.pos()) for h in self.roi.getHandles()]
        return tuple((p.y() - 0.5, p.x() - 0.5) for p in pts)  # type: ignore[return-value]

    @property
    def aim_pixel(self) -> tuple[float, float]:
        """``(row, col)`` of the aim point (projected AIM_*), else the image centre."""
        if self._aim_pixel is not None:
            return self._aim_pixel
        rows, cols = self._observed.shape
        return ((rows - 1) / 2.0, (cols - 1) / 2.0)

    def profile_through_aim(self, direction: str = "horizontal") -> None:
        """A cut along the whole row (``horizontal``) or column (``vertical``) of the aim point."""
        if self._observed is None:
            return
        rows, cols = self._observed.shape
        r, c = self.aim_pixel
        r, c = float(np.clip(round(r), 0, rows - 1)), float(np.clip(round(c), 0, cols - 1))
        self.profile_combo.blockSignals(True)
        self.profile_combo.setCurrentIndex(1 if direction == "horizontal" else 2)
        self.profile_combo.blockSignals(False)
        if direction == "horizontal":
            self.set_profile_line((r, 0.0), (r, cols - 1.0))
        elif direction == "vertical":
            self.set_profile_line((0.0, c), (rows - 1.0, c))
        else:
            raise ValueError(f"direction = {direction!r}: 'horizontal' or 'vertical'")

    def _on_profile_preset(self, text: str) -> None:
        if text.startswith("horizontal"):
            self.profile_through_aim("horizontal")
        elif text.startswith("vertical"):
            self.profile_through_aim("vertical")

    def profile(self) -> dict[str, np.ndarray] | None:
        """Samples along the profile line: ``distance``, ``rows``, ``cols``, ``observed``,
        ``synthetic`` (NaN when there is none) — nearest pixel, see :func:`sample_line`."""
        if self._observed is None:
            return None
        p0, p1 = self.profile_line()
        dist, obs_v, rows, cols = sample_line(self._observed, p0, p1)
        syn_v = (
            sample_line(self._synthetic, p0, p1)[1]
            if self._synthetic is not None
            else np.full(dist.shape, np.nan)
        )
        return {"distance": dist, "rows": rows, "cols": cols, "observed": obs_v, "synthetic": syn_v}

    def _update_profile(self, *_args) -> None:
        prof = self.profile()
        (r0, c0), (r1, c1) = self.profile_line()
        self._roi_mirror.setData([c0 + 0.5, c1 + 0.5], [r0 + 0.5, r1 + 0.5])
        if prof is None:
            return
        self.profile_obs.setData(prof["distance"], prof["observed"], connect="finite")
        self.profile_syn.setData(prof["distance"], prof["synthetic"], connect="finite")
        self.profile_plot.setLabel("left", self._units or "value")

    # -- statistics ------------------------------------------------------------------------------
    def visible_mask(self) -> np.ndarray | None:
        """Pixels whose centres lie in the panels' visible range."""
        if self._observed is None:
            return None
        (x0, x1), (y0, y1) = self.left.view.viewRange()
        rows, cols = self._observed.shape
        r = np.arange(rows) + 0.5
        c = np.arange(cols) + 0.5
        return ((r >= min(y0, y1)) & (r <= max(y0, y1)))[:, None] & ((c >= min(x0, x1)) & (c <= max(x0, x1)))[
            None, :
        ]

    def statistics_mask(self) -> np.ndarray | None:
        """Valid pixels (the observation's valid mask) in view."""
        vis = self.visible_mask()
        if vis is None:
            return None
        return vis & self._valid if self._valid is not None else vis

    def update_statistics(self) -> st.ComparisonStats | None:
        """Recompute the statistics on the valid pixels in view; returns them."""
        if self._observed is None or self._synthetic is None:
            self._stats = None
            for lab in self.stat_labels.values():
                lab.setText("–")
            return None
        stats = st.compare(self._observed, self._synthetic, counts=self._counts, mask=self.statistics_mask())
        self._stats = stats
        values = stats.to_dict()
        for key, lab in self.stat_labels.items():
            v = values.get(key)
            if v is None:
                lab.setText("–" if key in ("cash", "cstat") and not self._counts else "nan")
            elif key in ("n",):
                lab.setText(str(v))
            elif key == "pearson_r":
                lab.setText(f"{v:.4f}")
            else:
                lab.setText(format_value(float(v), 5))
        self.sigma_label.setText(f"σ: {stats.sigma}" + ("" if self._counts else "; Cash needs counts"))
        self.statistics_changed.emit(stats)
        return stats

    @property
    def stats(self) -> st.ComparisonStats | None:
        return self._stats

    # -- overlays --------------------------------------------------------------------------------
    def set_overlays(
        self,
        *,
        camera=None,
        model=None,
        magnetopause=None,
        bow_shock=None,
        to_camera_frame=None,
        limb: bool = True,
        fov: bool = True,
    ) -> None:
        """Compute and draw the overlays for ``camera`` (default: the observation's camera).

        ``model``: an emissivity model (its magnetopause and bow shock are used);
        ``magnetopause`` / ``bow_shock``: boundary surfaces (override the model's).
        ``to_camera_frame``: 3 × 3 matrix from the surfaces' frame to the camera's.
        """
        # lazy: analysis modules for an opened observation, not loaded by the first window
        from smile_viewer.analysis import overlays as ov

        cam = camera if camera is not None else self._camera
        self._overlay_data = {}
        if cam is not None:
            if limb:  # a far-UV image's limb is its emission shell's (IMAGE FUV: EMIS_HGT)
                radius = ov.limb_radius_re(self.obs) if self.obs is not None else 1.0
                self._overlay_data["limb"] = ov.earth_limb(cam, radius)
            if fov:
                self._overlay_data["fov"] = ov.fov_outline(cam)
            mp = magnetopause if magnetopause is not None else model
            bs = bow_shock if bow_shock is not None else model
            if mp is not None:
                self._overlay_data["magnetopause"] = ov.tangent_outline(
                    cam, mp, kind="magnetopause", to_camera_frame=to_camera_frame
                )
            if bs is not None:
                self._overlay_data["bow_shock"] = ov.tangent_outline(
                    cam, bs, kind="bow_shock", to_camera_frame=to_camera_frame
                )
        self._update_overlays()

    def overlay_data(self, name: str) -> np.ndarray | None:
        """``(N, 2)`` (col, row) array coordinates of an overlay (NaN between pieces), or None."""
        return self._overlay_data.get(name)

    def set_overlay_visible(self, name: str, on: bool) -> None:
        if name not in OVERLAYS:
            raise ValueError(f"unknown overlay {name!r}; choose from {', '.join(OVERLAYS)}")
        cb = self.overlay_checks[name]
        if cb.isChecked() != bool(on):
            cb.blockSignals(True)
            cb.setChecked(bool(on))
            cb.blockSignals(False)
        for item in self._overlay_items[name]:
            item.setVisible(bool(on))

    def _update_overlays(self) -> None:
        for name, items in self._overlay_items.items():
            xy = self._overlay_data.get(name)
            for item in items:
                if xy is None or len(xy) == 0:
                    item.setData([], [])
                else:
                    item.setData(xy[:, 0] + 0.5, xy[:, 1] + 0.5, connect="finite")
                item.setVisible(self.overlay_checks[name].isChecked())

    # -- keys ------------------------------------------------------------------------------------
    @staticmethod
    def _is_blink_key(event) -> bool:
        return (
            event.key() == Qt.Key.Key_B
            and not event.isAutoRepeat()
            and not (event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier)
        )

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.KeyPress and self._is_blink_key(event):
            self.blink_toggle()
            return True
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event) -> None:
        if self._is_blink_key(event):
            self.blink_toggle()
            event.accept()
            return
        super().keyPressEvent(event)

    # -- lifetime --------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:
        self.blink_timer.stop()
        if self._job is not None:
            self._job.cancel()
        super().closeEvent(event)
