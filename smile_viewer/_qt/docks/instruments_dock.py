"""Instruments dock: SXI and UVI pointing (law or aim point, roll), exposure and pixel grid.

Each group edits one :class:`~smile_viewer.state.instruments.InstrumentState`; edits are
debounced and applied in one step (a value the state refuses is shown and changes nothing).
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

POINTING_MODES = {
    "sxi": (("team_law", "SXI team law (limb)"), ("aim_point", "Aim point (GSE)")),
    "uvi": (
        ("auroral_oval", "Northern auroral oval"),
        ("pole", "Dipole pole"),
        ("aim_point", "Aim point (GSE)"),
    ),
}


def _dspin(parent, lo, hi, dec, suffix, name) -> QDoubleSpinBox:
    s = QDoubleSpinBox(parent)
    s.setRange(lo, hi)
    s.setDecimals(dec)
    s.setSuffix(suffix)
    s.setObjectName(name)
    s.setKeyboardTracking(False)
    return s


class InstrumentGroup(QGroupBox):
    """The controls of one imager."""

    def __init__(self, settings, parent=None, *, on_edit=None):
        name = settings.name
        super().__init__(name.upper(), parent)
        self.setObjectName(f"{name}Group")
        self.name = name
        self.settings = settings
        form = QFormLayout(self)
        form.setContentsMargins(6, 4, 6, 4)
        self.mode = QComboBox(self)
        self.mode.setObjectName(f"{name}PointingMode")
        for key, title in POINTING_MODES[name]:
            self.mode.addItem(title, key)
        form.addRow("Pointing", self.mode)
        aim_row = QWidget(self)
        h = QHBoxLayout(aim_row)
        h.setContentsMargins(0, 0, 0, 0)
        self.aim = [_dspin(aim_row, -100, 100, 1, "", f"{name}Aim{c}") for c in "XYZ"]
        for s in self.aim:
            h.addWidget(s)
        form.addRow("Aim [R_E]", aim_row)
        self.roll = _dspin(self, -180, 180, 1, "°", f"{name}Roll")
        form.addRow("Roll", self.roll)
        self.exposure = _dspin(self, 0.1, 86400, 1, " s", f"{name}Exposure")
        form.addRow("Exposure", self.exposure)
        grid_row = QWidget(self)
        g = QHBoxLayout(grid_row)
        g.setContentsMargins(0, 0, 0, 0)
        self.nx, self.ny = QSpinBox(grid_row), QSpinBox(grid_row)
        for s, c in ((self.nx, "Nx"), (self.ny, "Ny")):
            s.setRange(8, 4096)
            s.setObjectName(f"{name}Grid{c}")
            s.setKeyboardTracking(False)
            g.addWidget(s)
        g.insertWidget(1, QLabel("×", grid_row))
        form.addRow("Pixel grid", grid_row)
        self.show_settings()
        for w in (self.mode,):
            w.currentIndexChanged.connect(on_edit)
        for w in (*self.aim, self.roll, self.exposure, self.nx, self.ny):
            w.valueChanged.connect(on_edit)

    def _widgets(self):
        return (self.mode, *self.aim, self.roll, self.exposure, self.nx, self.ny)

    def show_settings(self) -> None:
        st = self.settings
        for w in self._widgets():
            w.blockSignals(True)
        try:
            self.mode.setCurrentIndex(max(0, self.mode.findData(st.pointing.mode)))
            for s, v in zip(self.aim, st.pointing.aim_re, strict=True):
                s.setValue(float(v))
            self.roll.setValue(float(st.pointing.roll_deg))
            self.exposure.setValue(float(st.exposure_s))
            self.nx.setValue(int(st.pixel_grid[0]))
            self.ny.setValue(int(st.pixel_grid[1]))
        finally:
            for w in self._widgets():
                w.blockSignals(False)
        aim = self.mode.currentData() == "aim_point"
        for s in self.aim:
            s.setEnabled(aim)

    def apply(self) -> None:
        """Write the widgets into the state (ValueError, and nothing changed, if refused)."""
        st = self.settings
        pointing = {
            "mode": self.mode.currentData(),
            "aim_re": tuple(s.value() for s in self.aim),
            "roll_deg": self.roll.value(),
        }
        grid = (self.nx.value(), self.ny.value())
        type(st.pointing).model_validate(pointing)
        type(st).model_validate(
            {**st.model_dump(), "pointing": pointing, "exposure_s": self.exposure.value(), "pixel_grid": grid}
        )
        for k, v in pointing.items():
            if getattr(st.pointing, k) != v:
                setattr(st.pointing, k, v)
        if st.exposure_s != self.exposure.value():
            st.exposure_s = self.exposure.value()
        if tuple(st.pixel_grid) != grid:
            st.pixel_grid = grid


class InstrumentsDock(QDockWidget):
    """SXI and UVI settings of ``instruments_state`` (objectName ``instrumentsDock``)."""

    DEBOUNCE_MS = 250

    def __init__(self, instruments_state, parent=None):
        super().__init__("Instruments", parent)
        self.setObjectName("instrumentsDock")
        self._state = instruments_state
        body = QWidget(self)
        v = QVBoxLayout(body)
        v.setContentsMargins(4, 4, 4, 4)
        self.groups = {
            name: InstrumentGroup(getattr(instruments_state, name), body, on_edit=self._schedule)
            for name in ("sxi", "uvi")
        }
        for grp in self.groups.values():
            v.addWidget(grp)
        self.error_label = QLabel(body)
        self.error_label.setObjectName("instrumentsError")
        self.error_label.setStyleSheet("color: #e05050;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        v.addWidget(self.error_label)
        v.addStretch(1)
        self.setWidget(body)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DEBOUNCE_MS)
        self._timer.timeout.connect(self.apply)
        self._bound = []
        for grp in self.groups.values():
            for model in (grp.settings, grp.settings.pointing):
                cb = lambda *_a, g=grp: g.show_settings()
                model.events.connect(cb)
                self._bound.append((model, cb))

    def _schedule(self, *_args) -> None:
        self._timer.start()

    def apply(self) -> bool:
        self._timer.stop()
        try:
            for grp in self.groups.values():
                grp.apply()
        except ValueError as exc:
            self.error_label.setText(str(exc).splitlines()[-1])
            self.error_label.show()
            return False
        self.error_label.hide()
        for grp in self.groups.values():
            grp.show_settings()
        return True

    def disconnect_state(self) -> None:
        self._timer.stop()
        for model, cb in self._bound:
            model.events.disconnect(cb, missing_ok=True)
