"""The integrated main window: docks, layers, time, live synthetic images, sessions, line of sight.

GL tests (Xvfb + llvmpipe). Workers run inline (``SMILE_SYNC_WORKERS=1``) for determinism,
except where the asynchronous path itself is tested.
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest

if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

pytestmark = pytest.mark.gl

DOCKS = ("layersDock", "modelDock", "instrumentsDock", "timeDock", "imagesDock", "losDock", "timelineDock")


def _make_window(qtbot, tmp_path):
    import vispy.app
    from PySide6.QtCore import QSettings

    vispy.app.use_app("pyside6")
    from smile_viewer._qt.main_window import MainWindow

    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    win = MainWindow(settings=settings)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    return win


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    win = _make_window(qtbot, tmp_path)
    win.scene_view.render(alpha=False)  # first draw: requests (and, inline, builds) the scene data
    yield win
    win.close()


def _render(win):
    return win.scene_view.render(alpha=False)[..., :3].astype(int)


def test_window_opens_async_with_default_scene_and_all_docks(qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QDockWidget

    monkeypatch.delenv("SMILE_SYNC_WORKERS", raising=False)
    win = _make_window(qtbot, tmp_path)
    try:
        names = {d.objectName() for d in win.findChildren(QDockWidget)}
        assert set(DOCKS) <= names
        assert all(d.objectName() for d in win.findChildren(QDockWidget))
        assert win.centralWidget() is win.canvas.native
        assert win.scene_view.update_policy == "async"
        win.canvas.update()
        qtbot.waitUntil(lambda: "boundaries" in win.scene_view.data, timeout=20000)
        qtbot.waitUntil(lambda: set(win.images_dock.results) == {"sxi", "uvi"}, timeout=30000)
        qtbot.waitUntil(
            lambda: "CPU" in win.backend_label.text() or "GPU" in win.backend_label.text(), timeout=20000
        )
        assert win.scene_view.data["boundaries"].magnetopause is not None
        assert "ms" in win.render_label.text()
        for name in ("sxi", "uvi"):
            img = win.images_dock.panels[name].image
            assert img is not None and np.nanmax(img) > 0
    finally:
        win.close()


def test_layout_saved_on_close_and_restored(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    win = _make_window(qtbot, tmp_path)
    win.los_dock.hide()
    win.close()
    win2 = _make_window(qtbot, tmp_path)
    try:
        assert not win2.los_dock.isVisible()
        assert win2.layers_dock.isVisible()
    finally:
        win2.close()


def test_layer_checkbox_changes_pixels_where_layer_is_drawn(window):
    from PySide6.QtWidgets import QCheckBox

    view = window.scene_view
    check = window.layers_dock.findChild(QCheckBox, "layerCheck_magnetopause")
    assert check.isChecked()
    before = _render(window)
    check.setChecked(False)
    assert window.state.layers.magnetopause is False
    assert window.layer_actions["magnetopause"].isChecked() is False
    after = _render(window)
    changed = np.abs(after - before).sum(axis=-1) > 24
    assert changed.sum() > 500, "hiding the magnetopause should change many pixels"
    # the changed pixels lie where the magnetopause mesh projects
    mesh = view.data["boundaries"].magnetopause
    px = view.project(mesh.vertices)
    ps = before.shape[0] / view.canvas.size[1]
    xs, ys = px[:, 0] * ps, px[:, 1] * ps
    rows, cols = np.nonzero(changed)
    inside = (cols >= xs.min() - 3) & (cols <= xs.max() + 3) & (rows >= ys.min() - 3) & (rows <= ys.max() + 3)
    assert inside.mean() > 0.95
    check.setChecked(True)
    assert window.state.layers.magnetopause is True
    # the state moves the check box too
    window.state.layers.bow_shock = False
    assert not window.layers_dock.checks["bow_shock"].isChecked()


def test_time_slider_moves_spacecraft_marker_in_picture(window):
    view = window.scene_view
    p0 = view.spacecraft_position.copy()
    px0 = view.project(p0)[0]
    window.time_control.slider.setValue(window.time_control.slider.value() + 480)  # 8 h later
    p1 = view.spacecraft_position
    assert np.linalg.norm(p1 - p0) > 1.0
    img = _render(window)
    ps = img.shape[0] / view.canvas.size[1]
    x, y = (view.project(p1)[0] * ps).round().astype(int)
    patch = img[max(y - 4, 0) : y + 5, max(x - 4, 0) : x + 5]
    assert patch.max() > 200, "the spacecraft marker is drawn at its new position"
    assert np.linalg.norm(view.project(p1)[0] - px0) > 10, "the marker moved on screen"


def test_synthetic_sxi_image_in_physical_units_after_model_change(window):
    panel = window.images_dock.panels["sxi"]
    first = panel.image.copy()
    assert "keV" in panel.units
    window.model_dock.spins["n_cm3"].setValue(20.0)
    assert window.model_dock.apply()
    assert window.app_state.model.solar_wind.n_cm3 == 20.0
    window.image_schedulers["sxi"].wait_idle()
    img = panel.image
    assert img is not None and np.isfinite(img).any() and np.nanmax(img) > 0
    assert panel.units in ("keV cm^-2 s^-1 sr^-1", "keV cm⁻² s⁻¹ sr⁻¹")
    assert np.nanmax(img) > 1.2 * np.nanmax(first), "a denser solar wind gives a brighter image"
    assert not np.allclose(img, first, equal_nan=True)
    assert "nPa" in window.model_dock.pressure_label.text()


def test_session_round_trip_through_file_menu_slots(window, tmp_path):
    path = tmp_path / "s.smile.json"
    window.app_state.model.solar_wind.bz_nt = -7.5
    window.state.layers.field_lines = True
    assert window.save_session(path) == path
    saved = window.app_state.to_json()
    window.app_state.model.solar_wind.bz_nt = 3.0
    window.state.layers.field_lines = False
    window.app_state.instruments.sxi.pointing.roll_deg = 20.0
    assert window.open_session(path) is True
    assert window.app_state.to_json() == saved
    assert window.model_dock.spins["bz_nt"].value() == pytest.approx(-7.5)
    assert window.layers_dock.checks["field_lines"].isChecked()
    assert window.instruments_dock.groups["sxi"].roll.value() == pytest.approx(0.0)


@pytest.mark.parametrize("content", ["{not json", "newer"])
def test_bad_session_file_shows_dialog_and_changes_nothing(window, tmp_path, monkeypatch, content):
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda self: shown.append(self.informativeText()) or 0)
    path = tmp_path / "bad.smile.json"
    if content == "newer":
        window.save_session(path)
        data = json.loads(path.read_text())
        data["format_version"] = 99
        data["state"]["model"]["solar_wind"]["n_cm3"] = 50.0
        content = json.dumps(data)
    path.write_text(content)
    before = window.app_state.to_json()
    assert window.open_session(path) is False
    assert window.app_state.to_json() == before
    assert shown and "Nothing was changed" in shown[0]


def test_click_on_synthetic_pixel_draws_los_and_fills_plot(window):
    res = window.images_dock.results["sxi"]
    ny, nx = res.image.shape
    before = _render(window)
    window.images_dock.panels["sxi"].pixel_clicked.emit(ny // 2, nx // 2)
    assert window.los_line is not None and window.los_line.visible
    prof = window.los_profile
    assert prof.eta is not None and np.nanmax(prof.eta) > 0
    labels = {label for _s, label in prof.crossings}
    assert "magnetopause" in labels
    x, y = window.los_plot.curve.getData()
    assert len(x) > 100 and np.nanmax(y) > 0
    assert len(window.los_plot.lines) == len(prof.crossings)
    after = _render(window)
    assert (np.abs(after - before).sum(axis=-1) > 24).sum() > 20, "the line of sight is drawn in 3-D"
    # the LOS follows a new image of the same instrument
    window.clear_line_of_sight()
    assert not window.los_line.visible


def test_export_screenshot_panel_and_help(window, tmp_path):
    out = window.save_screenshot(tmp_path / "scene.png")
    assert out is not None and out.stat().st_size > 1000
    out2 = window.save_image_panel(tmp_path / "sxi.png")
    assert out2 is not None and out2.stat().st_size > 1000
    assert window.help_action.objectName() == "action_help_shortcuts"
    assert {"overview", "from_sun", "north", "through_sxi"} <= set(window.camera_actions)
    window.camera_actions["through_sxi"].trigger()
    assert window.state.camera_preset == "through_sxi"


def test_next_apogee_button_moves_time_to_an_apogee(window):
    t0 = window.state.time
    window.time_control.jump_to_next_apogee()
    t1 = window.state.time
    assert (t1 - t0).to_value("s") > 60
    r = np.linalg.norm(window.orbit.position(t1, frame="gse"))
    assert r > 15.0


@pytest.mark.gl
def test_fit_menu_opens_a_fit_on_the_observed_image(window, qtbot, monkeypatch):
    """File ▸ Fit: refused (with a message) before an observation is open; afterwards a fit
    dialog on that observation whose "Apply model" recomputes the Compare dock's synthetic image."""
    from PySide6.QtWidgets import QMessageBox

    from tests.gui.test_comparison import _observation

    shown = []
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: shown.append(a[2]))
    assert window.open_fit_dialog() is None and "observed image first" in shown[0]

    obs, model, truth = _observation()
    window.comparison.set_observed(obs)
    applied = []
    monkeypatch.setattr(window.comparison, "compute_synthetic", lambda m: applied.append(m))
    dialog = window.open_fit_dialog()
    qtbot.addWidget(dialog)
    assert dialog.obs is obs
    dialog.model_applied.emit(truth)  # what "Apply model" sends after a fit
    assert applied == [truth]
