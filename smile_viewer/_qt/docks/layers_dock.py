"""Layers dock: per 3-D layer a visibility check box, an opacity slider and a colour button.

Bound both ways to ``SceneState.layers`` and ``SceneState.styles``: a widget sets the state;
a state change (a loaded session, the View menu) moves the widget without echoing back.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QDockWidget,
    QGridLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QWidget,
)

#: Layers listed in the dock, in order, with their titles.
LAYER_ROWS: tuple[tuple[str, str], ...] = (
    ("earth", "Earth"),
    ("axes", "Axes (GSE/GSM)"),
    ("sun", "Sun direction"),
    ("magnetopause", "Magnetopause"),
    ("bow_shock", "Bow shock"),
    ("field_lines", "Field lines"),
    ("orbit", "Orbit"),
    ("spacecraft", "Spacecraft"),
    ("sxi_fov", "SXI field of view"),
    ("uvi_fov", "UVI field of view"),
    ("emission_volume", "Emission volume"),
    ("labels", "Caption and legend"),
    ("stars", "Stars, Sun and Moon"),
    ("sky_labels", "Names on the scene"),
)
#: Layers whose colours are their own (no colour button): the stars' come from their B−V index.
NO_COLOR = frozenset({"stars"})


class LayersDock(QDockWidget):
    """Visibility, opacity and colour of each layer of ``scene_state`` (objectName ``layersDock``)."""

    def __init__(self, scene_state, parent=None):
        super().__init__("Layers", parent)
        self.setObjectName("layersDock")
        self._state = scene_state
        self.checks: dict[str, QCheckBox] = {}
        self.sliders: dict[str, QSlider] = {}
        self.color_buttons: dict[str, QPushButton] = {}

        body = QWidget(self)
        grid = QGridLayout(body)
        grid.setContentsMargins(6, 4, 6, 4)
        grid.setHorizontalSpacing(8)
        grid.setVerticalSpacing(2)
        head = QLabel("<b>Layer</b>")
        grid.addWidget(head, 0, 0)
        grid.addWidget(QLabel("<b>Opacity</b>"), 0, 1)
        grid.addWidget(QLabel("<b>Colour</b>"), 0, 2)
        for row, (name, title) in enumerate(LAYER_ROWS, start=1):
            check = QCheckBox(title, body)
            check.setObjectName(f"layerCheck_{name}")
            check.toggled.connect(lambda on, n=name: setattr(self._state.layers, n, bool(on)))
            slider = QSlider(Qt.Orientation.Horizontal, body)
            slider.setObjectName(f"layerOpacity_{name}")
            slider.setRange(0, 100)
            slider.setMinimumWidth(70)
            slider.setToolTip(f"Opacity of the {title.lower()}")
            slider.valueChanged.connect(lambda v, n=name: self._set_opacity(n, v))
            button = QPushButton(body)
            button.setObjectName(f"layerColor_{name}")
            button.setFixedSize(36, 18)
            button.setToolTip(f"Colour of the {title.lower()} (right-click: the layer's own palette)")
            button.clicked.connect(lambda _c=False, n=name: self.choose_color(n))
            button.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
            button.customContextMenuRequested.connect(lambda _p, n=name: self.set_color(n, None))
            if name in NO_COLOR:
                button.setEnabled(False)
                button.setToolTip(f"The {title.lower()} have their own colours")
            grid.addWidget(check, row, 0)
            grid.addWidget(slider, row, 1)
            grid.addWidget(button, row, 2)
            self.checks[name], self.sliders[name], self.color_buttons[name] = check, slider, button
        grid.setRowStretch(len(LAYER_ROWS) + 1, 1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.setWidget(scroll)

        self._layers = None
        self._styles: dict[str, object] = {}
        scene_state.events.layers.connect(self._bind_layers)
        scene_state.events.styles.connect(self._bind_styles)
        self._bind_layers(scene_state.layers)
        self._bind_styles(scene_state.styles)

    # -- state → widgets -------------------------------------------------------------------
    def _bind_layers(self, layers) -> None:
        if self._layers is not None:
            self._layers.events.disconnect(self._on_layer_event, missing_ok=True)
        self._layers = layers
        layers.events.connect(self._on_layer_event)
        for name, check in self.checks.items():
            self._quiet(check, check.setChecked, bool(getattr(layers, name)))

    def _on_layer_event(self, info) -> None:
        check = self.checks.get(info.signal.name)
        if check is not None:
            self._quiet(check, check.setChecked, bool(info.args[0]))

    def _bind_styles(self, styles) -> None:
        for model, cb in self._styles.values():
            model.events.disconnect(cb, missing_ok=True)
        self._styles = {}
        for name in self.checks:
            style = getattr(styles, name)
            cb = lambda _info, n=name: self._show_style(n)
            style.events.connect(cb)
            self._styles[name] = (style, cb)
            self._show_style(name)

    def _show_style(self, name: str) -> None:
        style = getattr(self._state.styles, name)
        slider = self.sliders[name]
        self._quiet(slider, slider.setValue, round(style.opacity * 100))
        button = self.color_buttons[name]
        if style.color is None:
            button.setText("auto")
            button.setStyleSheet("font-size: 9px;")
        else:
            button.setText("")
            button.setStyleSheet(f"background-color: {style.color}; border: 1px solid #777;")

    @staticmethod
    def _quiet(widget, setter, value) -> None:
        widget.blockSignals(True)
        try:
            setter(value)
        finally:
            widget.blockSignals(False)

    # -- widgets → state -------------------------------------------------------------------
    def _set_opacity(self, name: str, value: int) -> None:
        getattr(self._state.styles, name).opacity = max(0.0, min(1.0, value / 100.0))

    def set_color(self, name: str, color: str | None) -> None:
        getattr(self._state.styles, name).color = color

    def choose_color(self, name: str) -> None:
        current = getattr(self._state.styles, name).color
        chosen = QColorDialog.getColor(
            QColor(current or "#ffffff"), self, f"Colour: {name.replace('_', ' ')}"
        )
        if chosen.isValid():
            self.set_color(name, chosen.name())

    def disconnect_state(self) -> None:
        self._state.events.layers.disconnect(self._bind_layers, missing_ok=True)
        self._state.events.styles.disconnect(self._bind_styles, missing_ok=True)
        if self._layers is not None:
            self._layers.events.disconnect(self._on_layer_event, missing_ok=True)
        for model, cb in self._styles.values():
            model.events.disconnect(cb, missing_ok=True)
