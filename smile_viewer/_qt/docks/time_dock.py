"""Time dock: a slider over one orbit, the UTC time, play/pause, speed and "next apogee".

Everything in the window follows ``SceneState.time`` (spacecraft, pointing, dipole tilt, a
loaded OMNI solar wind, the synthetic images); this dock is only one way to set it.
"""

from __future__ import annotations

import math

from astropy.time import Time, TimeDelta
from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QSlider,
    QToolButton,
    QWidget,
)

from smile_viewer.state.scene import to_utc_time

#: Play speeds: (title, slider steps per frame multiplier).
SPEEDS: tuple[tuple[str, float], ...] = (
    ("¼×", 0.25),
    ("½×", 0.5),
    ("1×", 1.0),
    ("2×", 2.0),
    ("4×", 4.0),
    ("10×", 10.0),
)


def format_utc(t: Time) -> str:
    return t.utc.strftime("%Y-%m-%d %H:%M UTC")


class TimeControl(QWidget):
    """A slider over one orbit period (1-minute steps), the UTC time, play/pause and speed.

    Bound to ``state.time``: moving the slider sets it; a change from elsewhere moves the
    slider (re-anchoring the range when the time leaves it). At 1× one period plays in
    about 30 s.
    """

    STEP_S = 60.0
    timeChanged = Signal(str)

    def __init__(self, state, period_s: float, parent=None, *, orbit=None):
        super().__init__(parent)
        self.setObjectName("timeControl")
        self._state = state
        self.orbit = orbit
        self.period_s = float(period_s)
        self.start: Time = state.time
        self.speed = 1.0
        self._carry = 0.0

        self.play_button = QToolButton(self)
        self.play_button.setObjectName("playButton")
        self.play_button.setCheckable(True)
        self.play_button.setText("▶")
        self.play_button.setToolTip("Play / pause (Space): one orbit in about 30 seconds at 1×")
        self.play_button.toggled.connect(self._on_play_toggled)

        self.speed_combo = QComboBox(self)
        self.speed_combo.setObjectName("speedCombo")
        for title, factor in SPEEDS:
            self.speed_combo.addItem(title, factor)
        self.speed_combo.setCurrentIndex(2)
        self.speed_combo.setToolTip("Play speed")
        self.speed_combo.currentIndexChanged.connect(
            lambda i: setattr(self, "speed", float(self.speed_combo.itemData(i)))
        )

        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setObjectName("timeSlider")
        self.slider.setRange(0, max(1, math.ceil(self.period_s / self.STEP_S)))
        self.slider.setSingleStep(1)
        self.slider.setPageStep(60)
        self.slider.setToolTip("Scene time within one orbit period (1-minute steps)")
        self.slider.valueChanged.connect(self._on_slider)

        self.label = QLabel(self)
        self.label.setObjectName("timeLabel")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("0000-00-00 00:00 UTC") + 12)
        self.label.setToolTip("Scene time (UTC)")

        self.apogee_button = QToolButton(self)
        self.apogee_button.setObjectName("nextApogeeButton")
        self.apogee_button.setText("Next apogee")
        self.apogee_button.setToolTip("Jump to the next apogee of the orbit")
        self.apogee_button.clicked.connect(self.jump_to_next_apogee)
        self.apogee_button.setEnabled(orbit is not None)

        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 2, 6, 2)
        layout.addWidget(self.play_button)
        layout.addWidget(self.speed_combo)
        layout.addWidget(QLabel("Time", self))
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        layout.addWidget(self.apogee_button)

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
        value = round(s / self.STEP_S)
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
        self._carry += max(1.0, n / 750.0) * self.speed  # one period in ~750 frames (~30 s) at 1×
        step = int(self._carry)
        if step < 1:
            return
        self._carry -= step
        self.slider.setValue((self.slider.value() + step) % (n + 1))

    def stop(self) -> None:
        self.play_button.setChecked(False)

    # -- apogee --------------------------------------------------------------------------
    def next_apogee(self) -> Time | None:
        """The first apogee after the scene time (None without an orbit)."""
        if self.orbit is None:
            return None
        t0 = to_utc_time(self._state.time) + TimeDelta(60.0, format="sec")
        times = self.orbit.apogee_times(t0, t0 + TimeDelta(1.05 * self.period_s, format="sec"))
        if times.size == 0:
            return None
        return times.reshape(-1)[0]

    def jump_to_next_apogee(self) -> None:
        t = self.next_apogee()
        if t is not None:
            self._state.time = t

    def disconnect_state(self) -> None:
        self.stop()
        self._state.events.time.disconnect(self._on_state_time, missing_ok=True)


class TimeDock(QDockWidget):
    """The :class:`TimeControl` in a dock (objectName ``timeDock``)."""

    def __init__(self, state, period_s: float, parent=None, *, orbit=None):
        super().__init__("Time", parent)
        self.setObjectName("timeDock")
        self.control = TimeControl(state, period_s, self, orbit=orbit)
        self.setWidget(self.control)
        self.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetFloatable
        )
