"""The fit dialog: fit a model to an observation in a worker, with progress, cancel and the result.

:class:`FitDialog` runs :func:`smile_viewer.analysis.fitting.fit_observation` in Qt's thread
pool (:func:`~smile_viewer._qt.workers.run_in_thread`). While it runs it shows the number of
forward models, the current Cash statistic (and the best so far) and the current subsolar
magnetopause distance; **Cancel** sets the job's cancel flag, which the fit checks before
every forward model (it stops within one forward model, some tens of ms). The result table
lists every parameter with its error (free ones), the summary line and the fit's quality flags
(:mod:`smile_viewer.analysis.fit_quality`; red when unreliable); **Apply model** emits
``model_applied(model)`` with the fitted emissivity model (the application re-renders with
it) and :attr:`result` keeps the :class:`~smile_viewer.analysis.fitting.FitResult`.
"""

from __future__ import annotations

import math
from typing import Any

from PySide6.QtCore import QCoreApplication, QElapsedTimer, Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from smile_viewer._qt.pyside_compat import apply_pyside_fixes
from smile_viewer._qt.workers import run_in_thread
from smile_viewer.physics import models as registry

apply_pyside_fixes()

__all__ = ["FitDialog"]


class FitDialog(QDialog):
    """Fit ``obs`` with progress and cancel (see the module doc).

    Parameters: ``obs`` an :class:`~smile_viewer.io.observed.ObservedImage` with counts;
    ``model`` a fittable model key (:func:`smile_viewer.physics.models.fittable_models`); ``fit_kwargs``: more keyword arguments of
    :func:`~smile_viewer.analysis.fitting.fit_observation` (``start``, ``bin_factor``,
    ``errors``, …); ``synchronous``: run inline (tests).

    Signals: ``fit_finished(object)`` (the FitResult), ``fit_cancelled()``,
    ``fit_failed(str)``, ``model_applied(object)``.
    """

    fit_finished = Signal(object)
    fit_cancelled = Signal()
    fit_failed = Signal(str)
    model_applied = Signal(object)

    def __init__(
        self,
        obs,
        model: str = registry.DEFAULT_EMISSIVITY,
        *,
        parent: QWidget | None = None,
        synchronous: bool | None = None,
        **fit_kwargs: Any,
    ):
        super().__init__(parent)
        self.setObjectName("fitDialog")
        self.setWindowTitle("Fit the model to the observation")
        self.obs = obs
        self.fit_kwargs = dict(fit_kwargs)
        self.synchronous = synchronous
        self.job = None
        self.result = None
        self.last_progress = None  # the latest FitProgress (written by the worker, read on the GUI thread)
        self.state = "idle"  # idle, running, done, cancelled, failed

        self.model_combo = QComboBox(self)
        self.model_combo.setObjectName("fitModel")
        self.model_combo.addItems(list(registry.fittable_models()))
        self.model_combo.setCurrentText(model)
        self.free_edit = QLineEdit(self)
        self.free_edit.setObjectName("fitFree")
        self.free_edit.setPlaceholderText("default: r_mp (p0 for CMEM) and norm")
        free = self.fit_kwargs.pop("free", None)
        if free:
            self.free_edit.setText(free if isinstance(free, str) else ",".join(free))
        self.max_evals_spin = QSpinBox(self)
        self.max_evals_spin.setObjectName("fitMaxEvals")
        self.max_evals_spin.setRange(5, 5000)
        self.max_evals_spin.setValue(int(self.fit_kwargs.pop("max_evals", 400)))
        self.errors_combo = QComboBox(self)
        self.errors_combo.setObjectName("fitErrors")
        self.errors_combo.addItems(["hessian", "profile", "none"])
        self.errors_combo.setCurrentText(str(self.fit_kwargs.pop("errors", "hessian")))

        form = QFormLayout()
        form.addRow("Model", self.model_combo)
        form.addRow("Free parameters", self.free_edit)
        form.addRow("Max. forward models", self.max_evals_spin)
        form.addRow("Uncertainties", self.errors_combo)

        self.progress_bar = QProgressBar(self)
        self.progress_bar.setObjectName("fitProgress")
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.status_label = QLabel("Press Fit to start.", self)
        self.status_label.setObjectName("fitStatus")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.table = QTableWidget(0, 4, self)
        self.table.setObjectName("fitResultTable")
        self.table.setHorizontalHeaderLabels(["parameter", "start", "fitted", "± error"])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.summary_label = QLabel("", self)
        self.summary_label.setObjectName("fitSummary")
        self.summary_label.setWordWrap(True)
        self.summary_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.quality_label = QLabel("", self)  # flags of a poor or degenerate fit (analysis.fit_quality)
        self.quality_label.setObjectName("fitQuality")
        self.quality_label.setWordWrap(True)
        self.quality_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.fit_button = QPushButton("Fit", self)
        self.fit_button.setObjectName("fitStart")
        self.fit_button.setDefault(True)
        self.fit_button.clicked.connect(self.start)
        self.cancel_button = QPushButton("Cancel fit", self)
        self.cancel_button.setObjectName("fitCancel")
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        self.apply_button = QPushButton("Apply model", self)
        self.apply_button.setObjectName("fitApply")
        self.apply_button.setEnabled(False)
        self.apply_button.setToolTip(
            "Use the fitted model in the application (re-renders the synthetic image)"
        )
        self.apply_button.clicked.connect(self.apply)
        buttons = QHBoxLayout()
        buttons.addWidget(self.fit_button)
        buttons.addWidget(self.cancel_button)
        buttons.addStretch(1)
        buttons.addWidget(self.apply_button)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        close.rejected.connect(self.reject)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress_bar)
        layout.addWidget(self.status_label)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.quality_label)
        layout.addLayout(buttons)
        self.resize(520, 460)

    # -- running -------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.state == "running"

    def start(self) -> None:
        """Start the fit in a worker thread (nothing happens while one runs)."""
        if self.running:
            return
        # lazy: analysis.fitting (scipy.optimize, 0.4 s) loads when a fit starts, not when the dialog opens
        from smile_viewer.analysis.fitting import fit_observation

        obs = self.obs
        model = self.model_combo.currentText()
        free = self.free_edit.text().strip() or None
        max_evals = self.max_evals_spin.value()
        kwargs = dict(self.fit_kwargs, errors=self.errors_combo.currentText(), max_evals=max_evals)
        if free:
            kwargs["free"] = free

        def work(ctx):
            def progress(p):
                self.last_progress = p
                # the start scan counts its coarse forward models apart: the bar starts with the fit
                fraction = 0.0 if p.phase == "scan" else min(p.n_evals / max_evals, 0.99)
                ctx.progress(fraction, self._progress_text(p))

            return fit_observation(obs, model, progress=progress, cancel=lambda: ctx.cancelled, **kwargs)

        self.result = None
        self.last_progress = None
        self.state = "running"
        self.apply_button.setEnabled(False)
        self.fit_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setValue(0)
        self.status_label.setText(f"Fitting {model}…")
        self.table.setRowCount(0)
        self.summary_label.setText("")
        self.quality_label.setText("")
        self.quality_label.setStyleSheet("")
        self.job = run_in_thread(
            work,
            on_result=self._on_result,
            on_error=self._on_error,
            on_progress=self._on_progress,
            on_finished=self._on_finished,
            synchronous=self.synchronous,
        )
        self.job.cancelled.connect(self._on_cancelled)

    def cancel(self) -> None:
        """Stop the running fit (it stops before its next forward model)."""
        if self.job is not None and self.running:
            self.status_label.setText("Cancelling…")
            self.job.cancel()

    def wait(self, timeout_s: float = 60.0) -> bool:
        """Wait for the fit's thread to return and deliver its outcome (tests, scripts)."""
        if self.job is None:
            return True
        clock = QElapsedTimer()
        clock.start()
        while self.running and clock.elapsed() < timeout_s * 1000:
            self.job.wait(0.02)
            QCoreApplication.processEvents()
        return not self.running

    @staticmethod
    def _progress_text(p) -> str:
        name, value = next(
            ((k, v) for k, v in p.params.items() if k in ("r_mp", "p0", "pd_npa")), (None, None)
        )
        text = f"forward model {p.n_evals} ({p.phase}) · C = {p.cost:.2f} (best {p.best_cost:.2f})"
        if name is not None:
            text += f" · {name} = {value:.3f}" + (" R_E" if name == "r_mp" else "")
        return text

    def _on_progress(self, fraction: float, message: str) -> None:
        self.progress_bar.setValue(int(1000 * fraction))
        self.status_label.setText(message)

    def _on_result(self, result) -> None:
        self.result = result
        self.state = "done"
        self.progress_bar.setValue(1000)
        self.status_label.setText(
            f"Done: {result.n_evals} forward models in {result.time_s:.2f} s"
            + ("" if result.success else f" (optimizer: {result.message})")
        )
        self._show_result(result)
        self.apply_button.setEnabled(result.model is not None)
        self.fit_finished.emit(result)

    def _on_error(self, err) -> None:
        self.state = "failed"
        msg = str(getattr(err, "message", err))
        self.status_label.setText(f"Fit failed: {msg}")
        self.fit_failed.emit(msg)

    def _on_cancelled(self) -> None:
        self.state = "cancelled"
        n = self.last_progress.n_evals if self.last_progress is not None else 0
        self.status_label.setText(f"Cancelled after {n} forward models.")
        self.fit_cancelled.emit()

    def _on_finished(self) -> None:
        self.fit_button.setEnabled(True)
        self.cancel_button.setEnabled(False)

    def _show_result(self, res) -> None:
        names = list(res.free) + [n for n in res.parameters if n not in res.free]
        self.table.setRowCount(len(names))
        for i, n in enumerate(names):
            err = res.errors.get(n, math.nan) if n in res.free else math.nan
            start = res.start_parameters.get(n, math.nan)
            cells = [
                n + (" (free)" if n in res.free else ""),
                f"{start:.5g}",
                f"{res.parameters[n]:.5g}",
                f"{err:.3g}" if math.isfinite(err) else ("–" if n not in res.free else "n/a"),
            ]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j and n in res.free:
                    f = item.font()
                    f.setBold(True)
                    item.setFont(f)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.summary_label.setText(res.summary_line())
        self._show_quality(res)

    def _show_quality(self, res) -> None:
        """The fit's flags, one per line (red when the value should not be used as it is)."""
        q = getattr(res, "quality", None)
        if q is None:
            self.quality_label.setText("")
            return
        if not q.flags:
            c = q.cstat
            text = "No quality flags."
            if c is not None and math.isfinite(c.z):
                text += f" C-stat {c.value:.1f} against {c.expected:.1f} ± {c.sigma:.1f} expected (z = {c.z:.1f})."
            self.quality_label.setText(text)
            self.quality_label.setStyleSheet("")
            return
        head = (
            "UNRELIABLE — do not use the value without looking at the image:"
            if not q.reliable
            else "Flagged:"
        )
        lines = [head] + [f"• {f.code}: {f.message}" for f in q.flags]
        if q.widening:
            lines.append("Error widened: " + "; ".join(q.widening))
        self.quality_label.setText("\n".join(lines))
        self.quality_label.setStyleSheet("color: #c62828;" if not q.reliable else "color: #a65e00;")

    def apply(self) -> None:
        """Emit ``model_applied`` with the fitted model."""
        if self.result is not None and self.result.model is not None:
            self.model_applied.emit(self.result.model)

    def reject(self) -> None:  # closing the dialog stops a running fit
        self.cancel()
        super().reject()
