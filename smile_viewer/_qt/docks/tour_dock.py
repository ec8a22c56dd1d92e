"""Tour dock: the keyframes of a camera tour — add, update, reorder, time and preview them.

Bound to ``AppState.tour`` (:mod:`smile_viewer.state.tour`; saved in sessions). "Add" and
"Update" take the 3-D view as it is: its camera, the scene time, the layers, the solar wind.
"Preview" flies the tour in the window (the timing of the movie; the emission volume drawn
coarser while the camera moves); "Export tour movie…" renders it off screen at 1080p, 4K or any
size under a progress dialog with Cancel, as ``smile-viewer tour SESSION --out tour.mp4`` does.
"""

from __future__ import annotations

from PySide6.QtCore import QElapsedTimer, QTimer
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from smile_viewer._qt.presentation import apply_pose
from smile_viewer.errors import UserInputError
from smile_viewer.state.tour import Keyframe, SolarWindKey, pose_from_turntable

__all__ = ["TourDock", "keyframe_from_view"]


def keyframe_from_view(window, caption: str = "", hold_s: float = 2.0, travel_s: float = 6.0) -> Keyframe:
    """A keyframe of the window's 3-D view as it is now (camera, time, layers, solar wind)."""
    sv = window.scene_view
    cam = sv.turntable
    distance = cam.distance if cam.distance is not None else getattr(cam, "_actual_distance", 0.0)
    if not distance or distance <= 0:
        distance = 50.0
    pose = pose_from_turntable(cam.azimuth, cam.elevation, cam.roll, cam.center, distance, cam.fov or 30.0)
    sw = window.app_state.model.solar_wind
    return Keyframe(
        camera=pose,
        time=window.state.time.isot,
        layers=window.state.layers.model_copy(),
        solar_wind=SolarWindKey(n_cm3=sw.n_cm3, v_km_s=sw.v_km_s, bz_nt=sw.bz_nt),
        caption=caption,
        hold_s=hold_s,
        travel_s=travel_s,
    )


class TourDock(QDockWidget):
    """The tour's keyframes (objectName ``tourDock``)."""

    def __init__(self, window, parent=None):
        super().__init__("Tour", parent)
        self.setObjectName("tourDock")
        self.window_ = window
        body = QWidget(self)
        lay = QVBoxLayout(body)
        lay.setContentsMargins(6, 4, 6, 4)
        self.list = QListWidget(body)
        self.list.setObjectName("tourKeyframes")
        self.list.setToolTip("Keyframes in order; double-click to go to one")
        lay.addWidget(self.list, 1)
        grid = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        for i, (key, text, tip, slot) in enumerate(
            (
                ("add", "Add", "Add the 3-D view as it is now after the selected keyframe", self.add_current),
                (
                    "update",
                    "Update",
                    "Replace the selected keyframe by the view as it is now",
                    self.update_selected,
                ),
                ("remove", "Remove", "Remove the selected keyframe", self.remove_selected),
                ("up", "Up", "Move the selected keyframe earlier", lambda: self.move_selected(-1)),
                ("down", "Down", "Move the selected keyframe later", lambda: self.move_selected(+1)),
                ("go", "Go to", "Show the selected keyframe in the 3-D view", self.go_to_selected),
            )
        ):
            b = QPushButton(text, body)
            b.setObjectName(f"tour_{key}")
            b.setToolTip(tip)
            b.clicked.connect(lambda _c=False, s=slot: s())
            grid.addWidget(b, i // 3, i % 3)
            self.buttons[key] = b
        lay.addLayout(grid)
        form = QFormLayout()
        self.caption = QLineEdit(body)
        self.caption.setPlaceholderText("caption shown at this stop")
        self.hold = QDoubleSpinBox(body)
        self.hold.setRange(0.0, 3600.0)
        self.hold.setSuffix(" s")
        self.hold.setToolTip("How long the camera rests at this keyframe")
        self.travel = QDoubleSpinBox(body)
        self.travel.setRange(0.1, 3600.0)
        self.travel.setSuffix(" s")
        self.travel.setToolTip("How long the flight to the next keyframe takes")
        form.addRow("Caption", self.caption)
        form.addRow("Rest", self.hold)
        form.addRow("Flight to next", self.travel)
        lay.addLayout(form)
        self.preview_button = QPushButton("▶ Preview tour", body)
        self.preview_button.setObjectName("tour_preview")
        self.preview_button.setCheckable(True)
        self.preview_button.toggled.connect(self._on_preview)
        lay.addWidget(self.preview_button)
        self.movie_button = QPushButton("Export tour movie…", body)
        self.movie_button.setObjectName("tour_movie")
        self.movie_button.setToolTip("Render the tour off screen at 1080p, 4K or any size, as an MP4")
        self.movie_button.clicked.connect(lambda _c=False: self.export_movie())
        lay.addWidget(self.movie_button)
        self.setWidget(body)

        self.caption.editingFinished.connect(self._edit_caption)
        self.hold.valueChanged.connect(lambda v: self._edit("hold_s", v))
        self.travel.valueChanged.connect(lambda v: self._edit("travel_s", v))
        self.list.currentRowChanged.connect(self._show_selected)
        self.list.itemDoubleClicked.connect(lambda _i: self.go_to_selected())
        self._timer = QTimer(self)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._preview_step)
        self._clock = QElapsedTimer()
        self._tour_model = window.app_state.tour
        window.app_state.events.tour.connect(self._on_tour_replaced)
        self._tour_model.events.keyframes.connect(self._refresh)
        self._refresh()

    # -- the model --------------------------------------------------------------------------
    @property
    def tour(self):
        return self.window_.app_state.tour

    def _on_tour_replaced(self, tour) -> None:
        self._tour_model.events.keyframes.disconnect(self._refresh, missing_ok=True)
        self._tour_model = tour
        tour.events.keyframes.connect(self._refresh)
        self._refresh()

    def _set_keyframes(self, kfs, select: int | None = None) -> None:
        self.tour.keyframes = list(kfs)
        if select is not None and self.list.count():
            self.list.setCurrentRow(max(0, min(select, self.list.count() - 1)))

    def _refresh(self, *_args) -> None:
        row = self.list.currentRow()
        self.list.blockSignals(True)
        self.list.clear()
        starts = self.tour.starts() if self.tour.keyframes else []
        for i, kf in enumerate(self.tour.keyframes):
            text = f"{i + 1}.  {kf.caption or '(no caption)'}\n     {kf.time[:16].replace('T', ' ')} UTC · at {starts[i]:.1f} s"
            item = QListWidgetItem(text)
            item.setToolTip(f"rest {kf.hold_s:g} s, flight to the next {kf.travel_s:g} s")
            self.list.addItem(item)
        self.list.blockSignals(False)
        if self.list.count():
            self.list.setCurrentRow(min(max(row, 0), self.list.count() - 1))
        self._show_selected(self.list.currentRow())
        total = self.tour.duration_s
        self.preview_button.setEnabled(bool(self.tour.keyframes))
        self.movie_button.setEnabled(bool(self.tour.keyframes))
        self.setWindowTitle(
            f"Tour — {len(self.tour.keyframes)} keyframes, {total:.0f} s" if total else "Tour"
        )

    def _show_selected(self, row: int) -> None:
        ok = 0 <= row < len(self.tour.keyframes)
        for key in ("update", "remove", "up", "down", "go"):
            self.buttons[key].setEnabled(ok)
        for w in (self.caption, self.hold, self.travel):
            w.setEnabled(ok)
            w.blockSignals(True)
        if ok:
            kf = self.tour.keyframes[row]
            self.caption.setText(kf.caption)
            self.hold.setValue(kf.hold_s)
            self.travel.setValue(kf.travel_s)
        for w in (self.caption, self.hold, self.travel):
            w.blockSignals(False)

    def _edit(self, field: str, value) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.tour.keyframes):
            kfs = list(self.tour.keyframes)
            kfs[row] = kfs[row].model_copy(update={field: value})
            self._set_keyframes(kfs, row)

    def _edit_caption(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.tour.keyframes) and self.tour.keyframes[row].caption != self.caption.text():
            self._edit("caption", self.caption.text())

    # -- buttons -----------------------------------------------------------------------------
    def add_current(self, caption: str = "") -> Keyframe:
        """Insert the view as it is now after the selected keyframe (or at the end)."""
        kf = keyframe_from_view(self.window_, caption)
        kfs = list(self.tour.keyframes)
        row = self.list.currentRow()
        at = row + 1 if 0 <= row < len(kfs) else len(kfs)
        kfs.insert(at, kf)
        self._set_keyframes(kfs, at)
        return kf

    def update_selected(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.tour.keyframes):
            old = self.tour.keyframes[row]
            kfs = list(self.tour.keyframes)
            kfs[row] = keyframe_from_view(self.window_, old.caption, old.hold_s, old.travel_s)
            self._set_keyframes(kfs, row)

    def remove_selected(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.tour.keyframes):
            kfs = list(self.tour.keyframes)
            del kfs[row]
            self._set_keyframes(kfs, row)

    def move_selected(self, step: int) -> None:
        row = self.list.currentRow()
        new = row + step
        kfs = list(self.tour.keyframes)
        if 0 <= row < len(kfs) and 0 <= new < len(kfs):
            kfs[row], kfs[new] = kfs[new], kfs[row]
            self._set_keyframes(kfs, new)

    def go_to_selected(self) -> None:
        row = self.list.currentRow()
        if 0 <= row < len(self.tour.keyframes):
            self.apply_sample(self.tour.sample(self.tour.starts()[row]))

    # -- preview -----------------------------------------------------------------------------
    def apply_sample(self, sample) -> None:
        """Show a tour sample in the window: time, layers, solar wind, camera."""
        w = self.window_
        w.time_control.stop()
        if w.state.time.isot != sample.time:
            w.state.time = sample.time
        if sample.layers is not None and sample.layers != w.state.layers:
            w.state.layers = sample.layers.model_copy()
        if sample.solar_wind is not None:
            sw, new = w.app_state.model.solar_wind, sample.solar_wind
            close = (
                abs(sw.n_cm3 / new.n_cm3 - 1) < 0.02
                and abs(sw.v_km_s / new.v_km_s - 1) < 0.02
                and abs(sw.bz_nt - new.bz_nt) < 0.25
            )
            if not close:  # (a rebuild of the boundaries per change: not every frame)
                try:
                    sw.update({"n_cm3": new.n_cm3, "v_km_s": new.v_km_s, "bz_nt": new.bz_nt})
                except ValueError:
                    pass  # an OMNI file drives the solar wind
        apply_pose(w.scene_view, sample.camera)

    def _on_preview(self, on: bool) -> None:
        if on and self.tour.keyframes:
            self.preview_button.setText("■ Stop preview")
            self._clock.start()
            self._timer.start()
        else:
            self._timer.stop()
            self.preview_button.setText("▶ Preview tour")
            if self.preview_button.isChecked():
                self.preview_button.setChecked(False)

    def _preview_step(self) -> None:
        t = self._clock.elapsed() / 1000.0
        if not self.tour.keyframes:
            self.preview_button.setChecked(False)
            return
        self.apply_sample(self.tour.sample(t))
        if t >= self.tour.duration_s:
            self.preview_button.setChecked(False)

    def stop(self) -> None:
        self.preview_button.setChecked(False)

    # -- movie -------------------------------------------------------------------------------
    def export_movie(self, path=None, size=None, fps: float | None = None):
        """Render the tour to an MP4 off screen (like ``smile-viewer tour``) under a progress
        dialog with Cancel (no file is left when cancelled); returns the path or None."""
        # lazy: File > Save/Export modules load with the first export, not with the first window
        from smile_viewer._qt.export import SizeChooser, export_movie_with_progress

        # lazy: the off-window tour renderer (headless GL path) only when a movie is made
        from smile_viewer._vispy.tour_render import TourRenderer

        w = self.window_
        if not self.tour.keyframes:
            QMessageBox.information(w, "Export tour movie", "The tour has no keyframes: Add one first.")
            return None
        if size is None or fps is None:
            dlg = QDialog(w)
            dlg.setWindowTitle("Export tour movie")
            form = QFormLayout(dlg)
            chooser = SizeChooser(dlg, tuple(int(v) for v in w.canvas.size))
            chooser.choose("1080p")
            rate = QDoubleSpinBox(dlg)
            rate.setRange(1.0, 120.0)
            rate.setValue(30.0)
            rate.setSuffix(" frames/s")
            form.addRow("Size", chooser)
            form.addRow("Frame rate", rate)
            bb = QDialogButtonBox(
                QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dlg
            )
            bb.accepted.connect(dlg.accept)
            bb.rejected.connect(dlg.reject)
            form.addRow(bb)
            if dlg.exec() != QDialog.DialogCode.Accepted:
                return None
            size = chooser.size_px() or tuple(int(v) for v in w.canvas.size)
            fps = rate.value()
        if path is None:
            path, _ = QFileDialog.getSaveFileName(
                w, "Export tour movie", "smile-tour.mp4", "MP4 movie (*.mp4)"
            )
            if not path:
                return None
            if not path.lower().endswith(".mp4"):
                path += ".mp4"
        self.stop()
        times = self.tour.frame_times(float(fps))
        try:
            renderer = TourRenderer(w.app_state, size)  # its own copy of the state: the window stays
        except UserInputError as exc:
            QMessageBox.warning(w, "Export tour movie", f"The movie was not written.\n\n{exc}")
            return None
        tour = renderer.app_state.tour
        try:
            out = export_movie_with_progress(
                w,
                lambda i: renderer.render(tour.sample(times[i])),
                path,
                float(fps),
                len(times),
                title="Export tour movie",
            )
        finally:
            renderer.close()
        if out is not None:
            w.statusBar().showMessage(f"Saved {out}", 6000)
        return out

    def disconnect_state(self) -> None:
        self.stop()
        self.window_.app_state.events.tour.disconnect(self._on_tour_replaced, missing_ok=True)
        self._tour_model.events.keyframes.disconnect(self._refresh, missing_ok=True)
