"""Solar wind and model dock: n, v, Bz, By, T (with units), the magnetopause model and the
emissivity source, both listed from the model registry (:mod:`smile_viewer.physics.models`).

Edits are debounced (:attr:`ModelDock.DEBOUNCE_MS`) and applied to the state in one step; a
value the state refuses (a speed above 3,000 km/s, …) is shown in red below the fields and
changes nothing. State changes (a loaded session) move the widgets.
"""

from __future__ import annotations

import html

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from smile_viewer._qt.workers import run_in_thread
from smile_viewer.physics import models as registry

#: (field, label, suffix, minimum, maximum, decimals, step)
SOLAR_WIND_FIELDS: tuple[tuple[str, str, str, float, float, int, float], ...] = (
    ("n_cm3", "Density n", " cm⁻³", 0.01, 200.0, 2, 0.5),
    ("v_km_s", "Speed v", " km/s", 100.0, 3000.0, 0, 10.0),
    ("bz_nt", "IMF Bz (GSM)", " nT", -100.0, 100.0, 1, 0.5),
    ("by_nt", "IMF By (GSM)", " nT", -100.0, 100.0, 1, 0.5),
    ("t_k", "Temperature T", " K", 1.0e3, 1.0e7, 0, 1.0e4),
)
#: Combo titles from the model registry (a file source opens a file dialog: "…").
BOUNDARY_TITLES = {key: m.title for key, m in registry.magnetopause_models().items()}
EMISSIVITY_TITLES = {
    key: m.title + ("…" if m.kind == "file" else "")
    for key, m in registry.emissivity_models(band="sxi").items()
}


def _is_file_source(key: str) -> bool:
    return registry.emissivity_model(key).kind == "file"


def _cube_magnetopause(path: str):
    """Worker: read the cube and find its subsolar magnetopause (the SXI team's definitions);
    of a cube sequence, its first cube."""
    # lazy: MHD cube reader, loaded in the worker when a cube is opened; not loaded by the first window (13 ms)
    from smile_viewer.io.cubes import read_cube
    from smile_viewer.io.cubes.sequence import is_sequence_spec, shared_sequence
    from smile_viewer.physics.cube_magnetopause import subsolar_magnetopause

    if is_sequence_spec(path):
        vol = shared_sequence(path).volume_index(0)
        return subsolar_magnetopause(vol), _cube_tooltip(vol, None)
    vol = read_cube(path)
    return subsolar_magnetopause(vol), _cube_tooltip(vol, path)


def _cube_tooltip(vol, path: str | None) -> str:
    """The cube-info lines (format, grid, frame, units, variables, solar wind, time) as a tooltip."""
    # lazy: the cube readers, in the worker that reads the cube
    from smile_viewer.errors import UserInputError
    from smile_viewer.io.cubes import cube_info
    from smile_viewer.io.cubes.describe import describe_cube

    try:
        info = cube_info(path) if path else None
    except UserInputError:
        info = None
    # <pre>: monospaced, so the columns line up as on the command line
    return "<pre>" + html.escape("\n".join(describe_cube(vol, info))) + "</pre>"


def check_cube_spec(spec: str):
    """Worker: check a cube file or a cube sequence (folder, glob, JSON index) from its headers
    → ``(spec, CubeSequence or None, one-line description)``; DataFileError/UserInputError naming
    the file otherwise (nothing is kept)."""
    # lazy: MHD cube readers, loaded in the worker when a cube is opened; not loaded by the first window
    from smile_viewer.io.cubes import cube_info
    from smile_viewer.io.cubes.sequence import is_sequence_spec, shared_sequence

    spec = str(spec).strip()
    if not spec:
        raise ValueError("type a cube file, a folder, a glob pattern or a JSON index")
    if is_sequence_spec(spec):
        seq = shared_sequence(spec)
        return spec, seq, seq.describe()
    info = cube_info(spec)
    return spec, None, info.summary().splitlines()[0]


class ModelDock(QDockWidget):
    """Solar wind inputs and model choice of ``model_state`` (objectName ``modelDock``)."""

    DEBOUNCE_MS = 30  # spin boxes apply on Enter or a step (no keyboard tracking): only merge a burst
    #: A cube sequence was chosen (its :class:`~smile_viewer.io.cubes.sequence.CubeSequence`).
    cube_sequence_opened = Signal(object)

    def __init__(self, model_state, parent=None):
        super().__init__("Solar wind && model", parent)
        self.setObjectName("modelDock")
        self._model = model_state
        body = QWidget(self)
        outer = QVBoxLayout(body)
        outer.setContentsMargins(6, 4, 6, 4)
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        self.spins: dict[str, QDoubleSpinBox] = {}
        for key, label, suffix, lo, hi, dec, step in SOLAR_WIND_FIELDS:
            spin = QDoubleSpinBox(body)
            spin.setObjectName(f"sw_{key}")
            spin.setRange(lo, hi)
            spin.setDecimals(dec)
            spin.setSingleStep(step)
            spin.setSuffix(suffix)
            spin.setKeyboardTracking(False)
            spin.valueChanged.connect(self._schedule)
            form.addRow(label, spin)
            self.spins[key] = spin
        omni_row = QHBoxLayout()
        self.omni_button = QPushButton("OMNI file…", body)
        self.omni_button.setObjectName("omniLoad")
        self.omni_button.setToolTip(
            "Take the solar wind from an OMNI file (HRO ASCII or CDF): it then follows the time"
        )
        self.omni_button.clicked.connect(self._on_omni_button)
        self.omni_clear = QPushButton("Manual", body)
        self.omni_clear.setObjectName("omniClear")
        self.omni_clear.setToolTip("Use the values typed above instead of the OMNI file")
        self.omni_clear.clicked.connect(lambda: self.set_omni_path(None))
        omni_row.addWidget(self.omni_button)
        omni_row.addWidget(self.omni_clear)
        form.addRow("Solar wind from", omni_row)
        self.omni_label = QLabel(body)
        self.omni_label.setObjectName("omniFile")
        self.omni_label.setWordWrap(True)
        form.addRow("", self.omni_label)
        self._omni_job = None
        self.pressure_label = QLabel(body)
        self.pressure_label.setObjectName("pressureLabel")
        form.addRow("Dynamic pressure", self.pressure_label)

        self.boundary_combo = QComboBox(body)
        self.boundary_combo.setObjectName("boundaryModel")
        for key, title in BOUNDARY_TITLES.items():
            self.boundary_combo.addItem(title, key)
        self.boundary_combo.currentIndexChanged.connect(self._on_boundary)
        form.addRow("Magnetopause", self.boundary_combo)

        self.emissivity_combo = QComboBox(body)
        self.emissivity_combo.setObjectName("emissivityModel")
        for key, title in EMISSIVITY_TITLES.items():
            self.emissivity_combo.addItem(title, key)
        self.emissivity_combo.activated.connect(self._on_emissivity)
        form.addRow("Emissivity", self.emissivity_combo)
        for combo in (self.boundary_combo, self.emissivity_combo):  # long titles must not widen the dock
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(14)
        self.file_label = QLabel(body)
        self.file_label.setObjectName("emissivityFile")
        self.file_label.setWordWrap(True)
        form.addRow("", self.file_label)
        cube_row = QHBoxLayout()  # a cube file, or a time sequence: a folder, glob or JSON index
        self.cube_edit = QLineEdit(body)
        self.cube_edit.setObjectName("cubeField")
        self.cube_edit.setPlaceholderText("cube file, folder, glob or index.json")
        self.cube_edit.setToolTip(
            "An emissivity cube, or a time sequence of cubes (a folder, a glob such as run/*.fits, or a "
            "JSON index): the time slider then steps through it. Enter to open."
        )
        self.cube_edit.returnPressed.connect(lambda: self.load_cube_spec(self.cube_edit.text()))
        self.cube_folder_button = QPushButton("Folder…", body)
        self.cube_folder_button.setObjectName("cubeFolder")
        self.cube_folder_button.setToolTip("Open a folder of cubes as a time sequence")
        self.cube_folder_button.clicked.connect(self._on_cube_folder)
        cube_row.addWidget(self.cube_edit, 1)
        cube_row.addWidget(self.cube_folder_button)
        form.addRow("Cube", cube_row)
        self.sequence_label = QLabel(body)
        self.sequence_label.setObjectName("cubeSequenceInfo")
        self.sequence_label.setWordWrap(True)
        self.sequence_label.hide()
        form.addRow("", self.sequence_label)
        self._cube_job = None
        self.sequence = None  # the CubeSequence chosen (None: a single cube or a model)
        self._sequence_spec: str | None = None
        self.cube_mp_label = QLabel(body)  # the cube's subsolar magnetopause (SXI team's definitions)
        self.cube_mp_label.setObjectName("cubeMagnetopause")
        self.cube_mp_label.setWordWrap(True)
        self.cube_mp_label.hide()
        self._cube_mp_path: str | None = None
        self._cube_mp_job = None
        form.addRow("", self.cube_mp_label)
        outer.addLayout(form)

        self.error_label = QLabel(body)
        self.error_label.setObjectName("modelError")
        self.error_label.setStyleSheet("color: #e05050;")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        outer.addWidget(self.error_label)
        outer.addStretch(1)
        self.setWidget(body)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.DEBOUNCE_MS)
        self._timer.timeout.connect(self.apply)

        self._sw = model_state.solar_wind
        self._models = model_state.models
        self._sw.events.connect(self._show_solar_wind)
        self._models.events.connect(self._show_models)
        self._show_solar_wind()
        self._show_models()

    # -- state → widgets -------------------------------------------------------------------
    def _show_solar_wind(self, *_args) -> None:
        sw = self._sw
        for key, spin in self.spins.items():
            spin.blockSignals(True)
            spin.setValue(float(getattr(sw, key)))
            spin.blockSignals(False)
        try:
            self.pressure_label.setText(f"{sw.pd_npa:.2f} nPa")
        except ValueError:
            self.pressure_label.setText("—")
        following = bool(sw.omni_path)
        self.omni_label.setText(
            f"<small>{sw.omni_path} (follows the time; the values above are the fallback)</small>"
            if following
            else "<small>the values typed above</small>"
        )
        self.omni_clear.setEnabled(following)

    def _show_models(self, *_args) -> None:
        m = self._models
        for combo, value in (
            (self.boundary_combo, m.boundary_model),
            (self.emissivity_combo, m.emissivity_model),
        ):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)
        self.file_label.setText(f"<small>{m.cube_path}</small>" if m.cube_path else "")
        self.file_label.setVisible(bool(m.cube_path) and _is_file_source(m.emissivity_model))
        if not self.cube_edit.hasFocus():
            self.cube_edit.setText(m.cube_path or "")
        if not (m.cube_path and _is_file_source(m.emissivity_model)) or (
            self.sequence is not None and m.cube_path != self._sequence_spec
        ):
            self.sequence = None
            self.sequence_label.hide()
        self.show_cube_magnetopause(m.cube_path if _is_file_source(m.emissivity_model) else None)

    def show_cube_magnetopause(self, path: str | None, synchronous: bool | None = None) -> None:
        """Show the subsolar magnetopause of the cube at ``path`` (maxIx, maxdIx, f.25; read in a
        worker; :mod:`smile_viewer.physics.cube_magnetopause`), or hide it (None)."""
        if path == self._cube_mp_path:
            return
        self._cube_mp_path = path
        if not path:
            self.cube_mp_label.hide()
            return

        def done(result, p=path):
            mp, tip = result
            if p == self._cube_mp_path:
                for w in (getattr(self, "cube_edit", None), self.file_label, self.cube_mp_label):
                    if w is not None:  # the cube field, its file label and the magnetopause line
                        w.setToolTip(tip)
                self.cube_mp_label.setText(
                    f"<small>Subsolar magnetopause of the cube: maxIx {mp.max_ix_re:.2f}, "
                    f"maxdIx {mp.max_dix_re:.2f}, f.25 {mp.f25_re:.2f} R<sub>E</sub></small>"
                )

        def failed(err, p=path):
            if p == self._cube_mp_path:
                self.cube_mp_label.setText(
                    f"<small>Subsolar magnetopause of the cube: n/a ({err.message})</small>"
                )

        self.cube_mp_label.setText("<small>Subsolar magnetopause of the cube: reading …</small>")
        self.cube_mp_label.show()
        self._cube_mp_job = run_in_thread(
            _cube_magnetopause, path, on_result=done, on_error=failed, synchronous=synchronous
        )

    # -- widgets → state -------------------------------------------------------------------
    def _schedule(self, *_args) -> None:
        self._timer.start()

    def values(self) -> dict[str, float]:
        return {key: float(spin.value()) for key, spin in self.spins.items()}

    def apply(self) -> bool:
        """Apply the edited solar wind now (the debounce timer calls this); False if refused."""
        self._timer.stop()
        values = self.values()
        sw = self._sw
        changed = {k: v for k, v in values.items() if float(getattr(sw, k)) != v}
        if not changed:
            return True
        try:
            type(sw).model_validate({**sw.model_dump(), **changed})
        except ValueError as exc:
            self._show_error(str(exc).splitlines()[-1] if str(exc) else "refused")
            return False
        for k, v in changed.items():
            setattr(sw, k, v)
        self._show_error(None)
        self._show_solar_wind()
        return True

    def _show_error(self, text: str | None) -> None:
        self.error_label.setText(text or "")
        self.error_label.setVisible(bool(text))

    def _on_boundary(self, index: int) -> None:
        key = self.boundary_combo.itemData(index)
        if key and key != self._models.boundary_model:
            self._models.boundary_model = key

    def _on_emissivity(self, index: int) -> None:
        key = self.emissivity_combo.itemData(index)
        if _is_file_source(key):
            title = "Open " + registry.emissivity_model(key).title
            path, _ = QFileDialog.getOpenFileName(
                self,
                title,
                "",
                "Cubes (*.fits *.fit *.nc *.vtk *.vti *.vtr *.vts *.vtu *.h5 *.out *.outs *.dat *.plt *.cdf *.txt);;"
                "Cube sequence index (*.json);;All files (*)",
            )
            if not path:
                self._show_models()
                return
            self.load_cube_spec(path, kind=key)  # checked first: a bad file gets a dialog, changes nothing
            return
        self.set_emissivity_model(key)

    def set_emissivity_model(self, key: str) -> None:
        try:
            self._models.emissivity_model = key
            self._show_error(None)
        except ValueError as exc:
            self._show_error(str(exc).splitlines()[-1])
        self._show_models()

    def choose_file(self, path: str, kind: str = "cube") -> None:
        try:
            self._models.choose_file(path, kind)
            self._show_error(None)
        except ValueError as exc:
            self._show_error(str(exc).splitlines()[-1])
        self._show_models()

    def _on_cube_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Open a folder of cubes (a time sequence)")
        if path:
            self.load_cube_spec(path)

    def load_cube_spec(
        self, spec: str, synchronous: bool | None = None, *, dialog: bool = True, kind: str | None = None
    ):
        """Check a cube file or sequence (folder, glob, JSON index) in a worker, then use it as
        the emissivity source; a bad one shows its one-line error (in a dialog unless ``dialog``
        is False) and changes nothing."""
        if kind is None:
            kind = self._models.emissivity_model if _is_file_source(self._models.emissivity_model) else "cube"

        def done(result):
            text, seq, desc = result
            self.choose_file(text, kind)
            if self._models.cube_path != text:
                return  # refused by the state: the error label says why
            self.sequence, self._sequence_spec = seq, text
            if seq is not None:
                self.sequence_label.setText(f"<small>Time sequence: {desc}</small>")
                self.sequence_label.show()
                self.cube_sequence_opened.emit(seq)
            else:
                self.sequence_label.hide()

        def failed(err):
            message = getattr(err, "message", str(err))
            self._show_error(message)
            self._show_models()  # the combo back on the source in use
            if dialog:
                QMessageBox.warning(self, "Open cube", message)

        self._cube_job = run_in_thread(
            check_cube_spec, spec, on_result=done, on_error=failed, synchronous=synchronous
        )
        return self._cube_job

    def _on_omni_button(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "Open OMNI solar-wind file", "", "OMNI files (*.asc *.txt *.dat *.cdf);;All files (*)"
        )
        if path:
            self.load_omni(path)

    def load_omni(self, path: str, synchronous: bool | None = None) -> None:
        """Read the OMNI file in a worker; on success the solar wind follows it, else an error shows."""
        # lazy: OMNI reader, loaded when the user opens a solar-wind file; not loaded by the first window
        from smile_viewer.io.omni import read_solar_wind

        self.omni_label.setText(f"<small>reading {path} …</small>")
        self._omni_job = run_in_thread(
            read_solar_wind,
            path,
            synchronous=synchronous,
            on_result=lambda _series: self.set_omni_path(path),
            on_error=lambda err: (self._show_error(err.message), self._show_solar_wind()),
        )

    def set_omni_path(self, path: str | None) -> None:
        """Follow the OMNI file at ``path`` (already checked readable), or the manual values (None)."""
        self._sw.omni_path = path
        self._show_error(None)
        self._show_solar_wind()

    def disconnect_state(self) -> None:
        self._timer.stop()
        self._sw.events.disconnect(self._show_solar_wind, missing_ok=True)
        self._models.events.disconnect(self._show_models, missing_ok=True)
