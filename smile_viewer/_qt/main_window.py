"""The main window: the 3-D scene in the centre, a time bar, menus and a status bar.

The window holds no scene logic: it owns a :class:`~smile_viewer.state.SceneState`, hands
it to :class:`~smile_viewer._vispy.scene.SceneView` (which draws it) and binds widgets to
it (time slider, layer and camera actions). Later docks (layers, solar wind, instruments)
add their widgets the same way.
"""

from __future__ import annotations

import math

from astropy.time import Time
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSlider,
    QToolBar,
    QToolButton,
    QWidget,
)

from smile_viewer.state import CAMERA_PRESETS, SceneState
from smile_viewer.state.scene import to_utc_time

_PRESET_TITLES = {
    "overview": "Overview",
    "noon_midnight": "Noon–midnight plane (from dusk)",
    "north": "From the north (ecliptic pole)",
    "from_sun": "From the Sun",
    "earth": "Close to Earth",
    "through_sxi": "Through SXI (from the spacecraft)",
}
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
}


def format_utc(t: Time) -> str:
    return t.utc.strftime("%Y-%m-%d %H:%M UTC")


class TimeControl(QWidget):
    """A slider over one orbit period (1-minute steps), the UTC time, and play/pause.

    Bound to ``state.time``: moving the slider sets it; a change from elsewhere moves the
    slider (re-anchoring the range when the time leaves it).
    """

    STEP_S = 60.0
    timeChanged = Signal(str)

    def __init__(self, state: SceneState, period_s: float, parent=None):
        super().__init__(parent)
        self.setObjectName("timeControl")
        self._state = state
        self.period_s = float(period_s)
        self.start: Time = state.time

        self.play_button = QToolButton(self)
        self.play_button.setObjectName("playButton")
        self.play_button.setCheckable(True)
        self.play_button.setText("▶")
        self.play_button.setToolTip("Play / pause: one orbit in about 30 seconds")
        self.play_button.toggled.connect(self._on_play_toggled)

        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("timeSlider")
        self.slider.setRange(0, max(1, int(math.ceil(self.period_s / self.STEP_S))))
        self.slider.setSingleStep(1)
        self.slider.setPageStep(60)
        self.slider.setToolTip("Scene time within one orbit period")
        self.slider.valueChanged.connect(self._on_slider)

        self.label = QLabel(self)
        self.label.setObjectName("timeLabel")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("0000-00-00 00:00 UTC") + 12)
        self.label.setToolTip("Scene time (UTC)")

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.play_button)
        layout.addWidget(QLabel("Time", self))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)

        self._timer = QTimer(self)
        self._timer.setInterval(40)
        self._timer.timeout.connect(self._advance)

        state.events.time.connect(self._on_state_time)
        self._on_state_time(state.time)

    def _seconds(self, t: Time) -> float:
        return float((t - self.start).to_value("s"))

    def _on_slider(self, value: int) -> None:
        self._state.set_time_from_offset(self.start, value * self.STEP_S)

    def _on_state_time(self, t: Time) -> None:
        t = to_utc_time(t)
        s = self._seconds(t)
        if s < 0 or s > self.slider.maximum() * self.STEP_S:
            self.start = t  # re-anchor the period on the new time
            s = 0.0
        value = int(round(s / self.STEP_S))
        if value != self.slider.value():
            self.slider.blockSignals(True)
            self.slider.setValue(value)
            self.slider.blockSignals(False)
        text = format_utc(t)
        self.label.setText(text)
        self.timeChanged.emit(text)

    # -- play ----------------------------------------------------------------------------
    def _on_play_toggled(self, on: bool) -> None:
        self.play_button.setText("❚❚" if on else "▶")
        if on:
            self._timer.start()
        else:
            self._timer.stop()

    def _advance(self) -> None:
        n = self.slider.maximum()
        step = max(1, n // 750)  # one period in ~750 frames (~30 s)
        self.slider.setValue((self.slider.value() + step) % (n + 1))

    def stop(self) -> None:
        self.play_button.setChecked(False)


class MainWindow(QMainWindow):
    """The smile-viewer main window (objectName ``smileMainWindow``).

    Parameters
    ----------
    state : SceneState, optional
        The scene model (default: at the first apogee after the orbit epoch).
    orbit : optional
        The orbit to show (default: ``smile_viewer.mission.orbit.default_orbit()``).
    """

    def __init__(self, state: SceneState | None = None, orbit=None, parent=None):
        super().__init__(parent)
        self.setObjectName("smileMainWindow")
        self.setWindowTitle("smile-viewer")
        self.resize(1280, 860)

        import vispy.app

        from smile_viewer._vispy.scene import SceneView

        if orbit is None:
            from smile_viewer.mission.orbit import default_orbit

            orbit = default_orbit()
        self.state = state if state is not None else SceneState()
        self.scene_view = SceneView(
            self.state, orbit=orbit, app=vispy.app.use_app("pyside6"), parent=self, size=(1280, 760),
        )
        self.canvas = self.scene_view.canvas
        self.canvas.native.setObjectName("sceneCanvas")
        self.canvas.native.setMinimumSize(320, 240)
        self.setCentralWidget(self.canvas.native)

        # time bar
        self.time_control = TimeControl(self.state, self.scene_view.period_s, self)
        self.time_toolbar = QToolBar("Time", self)
        self.time_toolbar.setObjectName("timeToolBar")
        self.time_toolbar.setMovable(False)
        self.time_toolbar.addWidget(self.time_control)
        self.addToolBar(Qt.ToolBarArea.BottomToolBarArea, self.time_toolbar)

        # status bar
        self.position_label = QLabel(self)
        self.position_label.setObjectName("positionLabel")
        self.statusBar().addPermanentWidget(self.position_label)
        self.statusBar().showMessage("Drag to rotate, scroll to zoom, Shift+drag to pan", 10000)

        self._build_menus()
        self.state.events.time.connect(self._update_status)
        self.state.events.frame.connect(self._update_status)
        self._update_status()

    # -- menus -----------------------------------------------------------------------------
    def _build_menus(self) -> None:
        mb = self.menuBar()
        file_menu = mb.addMenu("&File")
        save = QAction("Save &image…", self)
        save.setShortcut(QKeySequence.StandardKey.Save)
        save.triggered.connect(self._save_image_dialog)
        file_menu.addAction(save)
        file_menu.addSeparator()
        quit_action = QAction("&Quit", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)

        view_menu = mb.addMenu("&View")
        self.layer_actions: dict[str, QAction] = {}
        layers = self.state.layers
        for name in layers.names():
            act = QAction(_LAYER_TITLES.get(name, name.title()), self)
            act.setObjectName(f"layer_{name}")
            act.setCheckable(True)
            act.setChecked(getattr(layers, name))
            act.toggled.connect(lambda on, n=name: setattr(self.state.layers, n, on))
            view_menu.addAction(act)
            self.layer_actions[name] = act
        self._layers_model = self.state.layers
        self._layers_model.events.connect(self._on_layer_event)
        self.state.events.layers.connect(self._on_layers_replaced)
        self.day_night_action = QAction("Day/night shading", self)
        self.day_night_action.setCheckable(True)
        self.day_night_action.setChecked(self.state.day_night)
        self.day_night_action.toggled.connect(lambda on: setattr(self.state, "day_night", on))
        view_menu.addSeparator()
        view_menu.addAction(self.day_night_action)

        cam_menu = mb.addMenu("&Camera")
        group = QActionGroup(self)
        group.setExclusive(True)
        self.camera_actions: dict[str, QAction] = {}
        for i, name in enumerate(CAMERA_PRESETS):
            act = QAction(_PRESET_TITLES.get(name, name), self)
            act.setObjectName(f"camera_{name}")
            act.setCheckable(True)
            act.setChecked(name == self.state.camera_preset)
            act.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _checked=False, n=name: self.set_camera_preset(n))
            group.addAction(act)
            cam_menu.addAction(act)
            self.camera_actions[name] = act
        self.state.events.camera_preset.connect(self._on_camera_preset)

        help_menu = mb.addMenu("&Help")
        about = QAction("&About smile-viewer", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)

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

    # -- status ----------------------------------------------------------------------------
    def _update_status(self, *_args) -> None:
        p = self.scene_view.spacecraft_position
        r = float((p @ p) ** 0.5)
        frame = self.state.frame.upper()
        self.position_label.setText(
            f"SMILE  r = {r:5.2f} R_E   {frame} ({p[0]:+6.2f}, {p[1]:+6.2f}, {p[2]:+6.2f}) R_E"
        )

    # -- actions ---------------------------------------------------------------------------
    def save_image(self, path) -> None:
        """Save the current view (window size) as PNG."""
        from smile_viewer._vispy.headless import write_png_atomic

        img = self.scene_view.render(alpha=False)
        write_png_atomic(img[..., :3], path)

    def _save_image_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Save image", "smile-scene.png", "PNG image (*.png)")
        if not path:
            return
        if not path.lower().endswith(".png"):
            path += ".png"
        try:
            self.save_image(path)
        except (OSError, ValueError) as exc:
            QMessageBox.warning(self, "Save image", f"Could not save {path}:\n{exc}")
            return
        self.statusBar().showMessage(f"Saved {path}", 5000)

    def _about(self) -> None:
        import smile_viewer

        QMessageBox.about(
            self, "About smile-viewer",
            f"smile-viewer {smile_viewer.__version__}\n\n"
            "The SMILE mission's orbit and Earth's magnetosphere in 3-D.\n"
            "Earth image: NASA Blue Marble Next Generation (public domain).",
        )

    def closeEvent(self, event) -> None:  # noqa: N802 - Qt API
        self.time_control.stop()
        self.scene_view.disconnect()
        self.state.events.time.disconnect(self._update_status, missing_ok=True)
        self.state.events.frame.disconnect(self._update_status, missing_ok=True)
        self.state.events.camera_preset.disconnect(self._on_camera_preset, missing_ok=True)
        self._layers_model.events.disconnect(self._on_layer_event, missing_ok=True)
        self.state.events.layers.disconnect(self._on_layers_replaced, missing_ok=True)
        self.state.events.time.disconnect(self.time_control._on_state_time, missing_ok=True)
        super().closeEvent(event)
