"""Switches and margins of the pointing-window constraints and targets, for the timeline dock.

One row per constraint of the profile's windows (on/off, its threshold or margin in its unit),
the optional ``sxi_magnetopause`` (off: not required; on: nose-in-field SXI windows) and the
SXI targets (nose, cusps: shown or not, edge margin). :meth:`ConstraintsPanel.profile` gives
the modified :class:`~smile_viewer.analysis.constraints.MissionProfile` (through
``MissionProfile.with_overrides``, the same validation as ``smile-viewer windows --disable
--margin --require``); "Apply" emits ``apply_requested``. Definitions: docs/analysis.md.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from smile_viewer.analysis.constraints import (
    CONSTRAINTS,
    MARGIN_FIELDS,
    TARGETS,
    MissionProfile,
    load_profile,
)
from smile_viewer.errors import UserInputError

__all__ = ["ConstraintsPanel"]

_OPTIONAL = ("sxi_magnetopause",)  # evaluated, not in the default windows: its box means "require"
_DECIMALS = {"km": 0, "R_E": 2, "deg": 1}


class ConstraintsPanel(QWidget):
    """Check boxes and margins of the constraints and targets (module docstring)."""

    changed = Signal()
    apply_requested = Signal()

    def __init__(self, parent=None, profile: MissionProfile | None = None):
        super().__init__(parent)
        self.setObjectName("constraintsPanel")
        self._base = load_profile() if profile is None else profile
        self.boxes: dict[str, QCheckBox] = {}
        self.spins: dict[str, QDoubleSpinBox] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(1)
        in_windows = {c for names in self._base.windows.values() for c in names}
        names = [c for c in CONSTRAINTS if c in in_windows or c in _OPTIONAL] + list(TARGETS)
        per_col = (len(names) + 1) // 2
        for k, name in enumerate(names):
            row, col = k % per_col, 3 * (k // per_col)
            if name in TARGETS:
                label, unit, lo, hi, on = f"{name} in field", "deg", -90.0, 90.0, name in self._base.targets
                tip = f"Report when the {name.replace('_', ' ')} is inside the SXI field, this far inside the edges"
            elif name in _OPTIONAL:
                _attr, unit, lo, hi = MARGIN_FIELDS[name]
                label, on = f"require {name}", name in self._base.window_constraints("sxi")
                tip = "Add the subsolar magnetopause in the field to the SXI windows (the old, strict definition)"
            else:
                _attr, unit, lo, hi = MARGIN_FIELDS[name]
                label, on = name, name in self._base.enabled
                tip = f"Switch {name} off to see what the windows would be without it"
            box = QCheckBox(label, self)
            box.setObjectName(f"constraint_{name}")
            box.setChecked(on)
            box.setToolTip(tip)
            spin = QDoubleSpinBox(self)
            spin.setObjectName(f"margin_{name}")
            spin.setDecimals(_DECIMALS[unit])
            spin.setRange(lo, hi)
            spin.setSuffix(f" {unit}")
            spin.setValue(self._base.margin_value(name))
            spin.setToolTip(f"{name}: threshold or margin [{unit}], {lo:g} .. {hi:g}")
            spin.setKeyboardTracking(False)
            box.toggled.connect(self._on_change)
            spin.valueChanged.connect(self._on_change)
            self.boxes[name], self.spins[name] = box, spin
            grid.addWidget(box, row, col)
            grid.addWidget(spin, row, col + 1)
        grid.setColumnMinimumWidth(2, 24)  # between the two groups
        grid.setColumnStretch(5, 1)
        self.error = QLabel("", self)
        self.error.setObjectName("constraintsError")
        self.error.setStyleSheet("color: #b00020")
        self.apply_button = QPushButton("Apply", self)
        self.apply_button.setObjectName("applyConstraintsButton")
        self.apply_button.setToolTip("Recompute the windows with these constraints")
        self.apply_button.clicked.connect(self._on_apply)
        self.reset_button = QPushButton("Defaults", self)
        self.reset_button.clicked.connect(self.reset)
        buttons = QHBoxLayout()
        buttons.addWidget(self.error, 1)
        buttons.addWidget(self.reset_button)
        buttons.addWidget(self.apply_button)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addLayout(grid)
        outer.addLayout(buttons)

    def profile(self) -> MissionProfile:
        """The base profile with the panel's switches and margins (``UserInputError`` if invalid)."""
        disable = [n for n, b in self.boxes.items() if n not in _OPTIONAL and not b.isChecked()]
        require = [n for n in _OPTIONAL if n in self.boxes and self.boxes[n].isChecked()]
        margins = {n: s.value() for n, s in self.spins.items() if s.value() != self._base.margin_value(n)}
        return self._base.with_overrides(disable=disable, margins=margins, require=require)

    def reset(self) -> None:
        """Back to the base profile's values."""
        for name, box in self.boxes.items():
            box.blockSignals(True)
            self.spins[name].blockSignals(True)
            if name in TARGETS:
                box.setChecked(name in self._base.targets)
            elif name in _OPTIONAL:
                box.setChecked(name in self._base.window_constraints("sxi"))
            else:
                box.setChecked(name in self._base.enabled)
            self.spins[name].setValue(self._base.margin_value(name))
            box.blockSignals(False)
            self.spins[name].blockSignals(False)
        self._on_change()

    def _on_change(self, *_args) -> None:
        for name, box in self.boxes.items():
            self.spins[name].setEnabled(box.isChecked())
        try:
            self.profile()
        except UserInputError as exc:
            self.error.setText(str(exc))
            self.apply_button.setEnabled(False)
        else:
            self.error.setText("")
            self.apply_button.setEnabled(True)
        self.changed.emit()

    def _on_apply(self) -> None:
        try:
            self.profile()
        except UserInputError as exc:
            self.error.setText(str(exc))
            return
        self.apply_requested.emit()
