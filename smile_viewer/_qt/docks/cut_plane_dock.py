"""Cut plane dock: a plane through the cube in the 3-D view, coloured by a variable of the cube.

The plane (X–Z, X–Y, Y–Z or any normal), its offset along the normal (a slider over the offsets
that cross the cube; Ctrl + drag in the 3-D view does the same), the variable (the emission
volume, or another variable of a netCDF/VTK cube file or sequence — a sequence's follows the time
— read in a worker), the colour map and scale; Save PNG… / Save CSV… write the cut
(:func:`smile_viewer._qt.export.save_cut_plane`). The drawing is
:class:`~smile_viewer._vispy.cut_plane_layer.CutPlaneLayer`; the sampling
:func:`smile_viewer.physics.cut_plane.sample_plane`.
"""

from __future__ import annotations

import warnings

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from smile_viewer._qt.workers import run_in_thread
from smile_viewer._vispy.cut_plane_layer import CutPlaneLayer
from smile_viewer.physics import models as registry
from smile_viewer.state.cut_plane import CUT_PLANES, CutPlaneSettings
from smile_viewer.state.volume import VOLUME_COLORMAPS
from smile_viewer.unit_text import unit_text

__all__ = ["CutPlaneDock", "cube_variables"]

#: Steps of the offset slider across the cube.
SLIDER_STEPS = 1000


def cube_variables(path: str) -> list[tuple[str, str]]:
    """Worker: ``(name, units)`` of the 3-D scalar variables of a cube file (netCDF/HDF5
    variables, VTK arrays; of a cube sequence, its first file's); [] for a FITS cube."""
    # lazy: the cube readers, when a cube file is the source
    from smile_viewer.io.cubes import cube_info
    from smile_viewer.io.cubes.sequence import is_sequence_spec, shared_sequence

    if is_sequence_spec(path):
        path = shared_sequence(path).paths[0]
    info = cube_info(path)
    if info.format == "fits":
        return []
    out = []
    for v in info.variables:
        if (
            v.components == 1
            and len(v.shape) == 3
            and (info.shape is None or tuple(v.shape) == tuple(info.shape))
        ):
            out.append((v.name, v.units or ""))
    return out


def _read_variable(path: str, name: str, time=None, sequence=None):
    """Worker: ``(variable sequence or None, Volume)``: the variable ``name`` of the cube file, or
    of a cube sequence at ``time`` (its own sequence reader, ``sequence`` when given: at most two
    more cubes of that variable in memory)."""
    # lazy: the cube readers, when a variable is chosen
    from smile_viewer.io.cubes import read_cube
    from smile_viewer.io.cubes.sequence import is_sequence_spec, open_sequence

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "not an emissivity": expected, it is another variable
        if is_sequence_spec(path):
            seq = sequence or open_sequence(path, read_options={"variable": name})
            return seq, seq.volume_at(time)
        return None, read_cube(path, variable=name)


class CutPlaneDock(QDockWidget):
    """The cut plane's controls (objectName ``cutPlaneDock``); ``layer`` draws it in ``scene_view``."""

    def __init__(self, scene_view, parent=None):
        super().__init__("Cut plane", parent)
        self.setObjectName("cutPlaneDock")
        self.scene_view = scene_view
        self.settings = CutPlaneSettings()
        self.layer = CutPlaneLayer(scene_view, self.settings)
        self._models = scene_view.app_state.model.models
        self._var_job = None
        self._var_path: str | None = None
        self._var_sequence = None  # the chosen variable's own reader of a cube sequence
        self._var_sequence_key: tuple | None = None

        body = QWidget(self)
        outer = QVBoxLayout(body)
        outer.setContentsMargins(6, 4, 6, 4)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.show_check = QCheckBox("Show a cut through the cube", body)
        self.show_check.setObjectName("cutPlaneShow")
        self.show_check.toggled.connect(lambda on: setattr(self.settings, "visible", bool(on)))
        form.addRow(self.show_check)

        self.plane_combo = QComboBox(body)
        self.plane_combo.setObjectName("cutPlaneOrientation")
        for key, title in CUT_PLANES.items():
            self.plane_combo.addItem(title, key)
        self.plane_combo.currentIndexChanged.connect(self._on_plane)
        form.addRow("Plane", self.plane_combo)

        normal_row = QHBoxLayout()
        self.normal_spins = []
        for axis, value in zip("xyz", self.settings.normal):
            spin = QDoubleSpinBox(body)
            spin.setObjectName(f"cutPlaneNormal{axis.upper()}")
            spin.setRange(-1.0, 1.0)
            spin.setDecimals(2)
            spin.setSingleStep(0.1)
            spin.setValue(value)
            spin.setPrefix(f"{axis} ")
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._on_normal)
            normal_row.addWidget(spin)
            self.normal_spins.append(spin)
        self.normal_label = QLabel("Normal", body)
        form.addRow(self.normal_label, normal_row)

        offset_row = QHBoxLayout()
        self.offset_slider = QSlider(Qt.Orientation.Horizontal, body)
        self.offset_slider.setObjectName("cutPlaneOffset")
        self.offset_slider.setRange(0, SLIDER_STEPS)
        self.offset_slider.setToolTip(
            "Move the plane along its normal, across the cube (or Ctrl + drag the plane in the 3-D view)"
        )
        self.offset_slider.valueChanged.connect(self._on_slider)
        self.offset_label = QLabel(body)
        self.offset_label.setObjectName("cutPlaneOffsetLabel")
        self.offset_label.setMinimumWidth(self.offset_label.fontMetrics().horizontalAdvance("y = -000.0 R_E"))
        offset_row.addWidget(self.offset_slider, 1)
        offset_row.addWidget(self.offset_label)
        form.addRow("Offset", offset_row)

        self.variable_combo = QComboBox(body)
        self.variable_combo.setObjectName("cutPlaneVariable")
        self.variable_combo.activated.connect(self._on_variable)
        form.addRow("Colour by", self.variable_combo)

        style_row = QHBoxLayout()
        self.cmap_combo = QComboBox(body)
        self.cmap_combo.setObjectName("cutPlaneColormap")
        self.cmap_combo.addItems(VOLUME_COLORMAPS)
        self.cmap_combo.setCurrentText(self.settings.colormap)
        self.cmap_combo.currentTextChanged.connect(lambda name: setattr(self.settings, "colormap", name))
        self.scale_combo = QComboBox(body)
        self.scale_combo.setObjectName("cutPlaneScale")
        self.scale_combo.addItems(["log", "linear"])
        self.scale_combo.currentTextChanged.connect(lambda name: setattr(self.settings, "scale", name))
        style_row.addWidget(self.cmap_combo, 1)
        style_row.addWidget(self.scale_combo)
        form.addRow("Colours", style_row)

        save_row = QHBoxLayout()
        self.png_button = QPushButton("Save PNG…", body)
        self.png_button.setObjectName("cutPlanePng")
        self.png_button.clicked.connect(lambda: self.save(None, ".png"))
        self.csv_button = QPushButton("Save CSV…", body)
        self.csv_button.setObjectName("cutPlaneCsv")
        self.csv_button.clicked.connect(lambda: self.save(None, ".csv"))
        save_row.addWidget(self.png_button)
        save_row.addWidget(self.csv_button)
        form.addRow("Export", save_row)
        outer.addLayout(form)

        self.info_label = QLabel(body)
        self.info_label.setObjectName("cutPlaneInfo")
        self.info_label.setWordWrap(True)
        outer.addWidget(self.info_label)
        outer.addStretch(1)
        self.setWidget(body)

        self.settings.events.connect(self._show)
        scene_view.data_applied.connect(lambda _kind: self._show())
        self._models.events.connect(self._on_models)
        scene_view.state.events.time.connect(self._on_time)
        self._on_models()
        self._show()

    # -- widgets → settings ------------------------------------------------------------------
    def _on_plane(self, index: int) -> None:
        key = self.plane_combo.itemData(index)
        self.settings.plane = key
        self._center_offset()

    def _on_normal(self, *_args) -> None:
        values = tuple(s.value() for s in self.normal_spins)
        try:
            self.settings.normal = values
        except ValueError as exc:
            errors = getattr(exc, "errors", None)  # pydantic: the validator's own message
            msg = errors()[0]["msg"].removeprefix("Value error, ") if callable(errors) else str(exc)
            self.info_label.setText(f"<span style='color:#e05050'>{msg}</span>")
            return
        self._center_offset()

    def _center_offset(self) -> None:
        lim = self.layer.offset_limits()
        if lim is not None:
            lo, hi = lim
            if not lo <= self.settings.offset_re <= hi:
                self.settings.offset_re = 0.5 * (lo + hi)

    def _on_slider(self, value: int) -> None:
        lim = self.layer.offset_limits()
        if lim is None:
            return
        lo, hi = lim
        self.settings.offset_re = lo + (hi - lo) * value / SLIDER_STEPS

    def set_offset(self, offset_re: float) -> None:
        """Move the plane to ``offset_re`` along its normal [R_E] (clamped to the cube)."""
        self.settings.offset_re = float(offset_re)

    def _on_variable(self, index: int) -> None:
        name = self.variable_combo.itemData(index) or ""
        self.choose_variable(name)

    def choose_variable(self, name: str, synchronous: bool | None = None, *, dialog: bool = True):
        """Colour by ``name`` (a variable of the cube file or sequence; "" = the emission volume)."""
        if not name:
            self.settings.variable = ""
            self.layer.set_variable_volume(None)
            return None
        path = self._var_path
        seq = self._var_sequence if self._var_sequence_key == (path, name) else None
        time = self.scene_view.state.time

        def done(result):
            self._var_sequence, vol = result
            self._var_sequence_key = (path, name) if self._var_sequence is not None else None
            self.settings.variable = name
            self.layer.set_variable_volume(vol)

        def failed(err):
            if dialog:
                QMessageBox.warning(self, "Cut plane", err.message)
            self.info_label.setText(f"<span style='color:#e05050'>{err.message}</span>")
            self.variable_combo.setCurrentIndex(0)
            self.settings.variable = ""
            self.layer.set_variable_volume(None)

        self.info_label.setText(f"reading {name} …")
        self._var_job = run_in_thread(
            _read_variable, path, name, time, seq, on_result=done, on_error=failed, synchronous=synchronous
        )
        return self._var_job

    def _on_time(self, *_args) -> None:
        """A cube sequence's variable follows the time (read in a worker)."""
        if self.settings.variable and self._var_sequence is not None:
            self.choose_variable(self.settings.variable, dialog=False)

    def _on_models(self, *_args) -> None:
        """A new source: list its variables (in a worker); back to the emission volume."""
        m = self._models
        path = m.cube_path if registry.emissivity_model(m.emissivity_model).kind == "file" else None
        self.variable_combo.blockSignals(True)
        self.variable_combo.clear()
        self.variable_combo.addItem("Emissivity (the scene's volume)", "")
        self.variable_combo.blockSignals(False)
        if self.settings.variable:
            self.settings.variable = ""
            self.layer.set_variable_volume(None)
        self._var_path = path
        self._var_sequence = self._var_sequence_key = None
        if path:

            def listed(names, p=path):
                if p != self._var_path:
                    return
                for name, units in names:
                    self.variable_combo.addItem(f"{name} [{unit_text(units)}]" if units else name, name)

            run_in_thread(cube_variables, path, on_result=listed, on_error=lambda _err: None)

    # -- settings → widgets ------------------------------------------------------------------
    def _show(self, *_args) -> None:
        s = self.settings
        for w, value in ((self.show_check, s.visible),):
            w.blockSignals(True)
            w.setChecked(value)
            w.blockSignals(False)
        self.plane_combo.blockSignals(True)
        self.plane_combo.setCurrentIndex(max(0, self.plane_combo.findData(s.plane)))
        self.plane_combo.blockSignals(False)
        custom = s.plane == "custom"
        for spin in self.normal_spins:
            spin.setVisible(custom)
        self.normal_label.setVisible(custom)
        lim = self.layer.offset_limits()
        cut = self.layer.cut if s.visible else None
        if lim is not None:
            lo, hi = lim
            value = round((min(max(s.offset_re, lo), hi) - lo) / (hi - lo) * SLIDER_STEPS) if hi > lo else 0
            self.offset_slider.blockSignals(True)
            self.offset_slider.setValue(value)
            self.offset_slider.blockSignals(False)
            shown = cut.offset_re if cut is not None else min(max(s.offset_re, lo), hi)
            axis = {"xz": "y", "xy": "z", "yz": "x"}.get(s.plane, "n·r")
            self.offset_label.setText(f"{axis} = {shown:.1f} R_E")
        self.offset_slider.setEnabled(lim is not None)
        for b in (self.png_button, self.csv_button):
            b.setEnabled(cut is not None)
        if self.layer.error:
            self.info_label.setText(f"<span style='color:#e05050'>{self.layer.error}</span>")
        elif cut is not None:
            n_in = int(cut.inside.sum())
            self.info_label.setText(
                f"<small>{cut.describe()}: {cut.values.shape[1]}×{cut.values.shape[0]} samples, {n_in} inside the "
                f"cube ({cut.variable} [{unit_text(cut.units)}], {cut.frame.upper()})</small>"
            )
        elif s.visible:
            self.info_label.setText(
                "<small>No cube to cut: choose an emissivity model or a cube file</small>"
            )
        else:
            self.info_label.setText("")

    # -- export ----------------------------------------------------------------------------------
    def save(self, path=None, suffix: str = ".png"):
        """Write the cut as PNG (its colours) or CSV (x, y, z, value with units); returns the path."""
        # lazy: File > Save/Export; not loaded by the first window
        from smile_viewer._qt.export import save_cut_plane

        cut = self.layer.cut
        if cut is None:
            return None
        if path is None:
            what = "PNG image (*.png)" if suffix == ".png" else "CSV table (*.csv)"
            path, _ = QFileDialog.getSaveFileName(self, "Save the cut plane", f"smile-cut{suffix}", what)
            if not path:
                return None
        try:
            out = save_cut_plane(path, cut, self.layer.rgba, source=self._models.cube_path or "")
        except Exception as exc:  # noqa: BLE001 - shown to the user
            QMessageBox.warning(self, "Save the cut plane", f"Could not save {path}:\n{exc}")
            return None
        self.info_label.setText(f"<small>Saved {out}</small>")
        return out

    def close_layer(self) -> None:
        self.settings.events.disconnect(self._show)
        self._models.events.disconnect(self._on_models)
        self.scene_view.state.events.time.disconnect(self._on_time)
        self.layer.close()
