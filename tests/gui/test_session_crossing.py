"""One session format across the entry points: saved in the desktop application, rendered by
``smile-viewer render --session`` (the CLI's ``main()``); written from Python, opened in the
application; bad files refused by both with one line, changing nothing.

GL tests (Xvfb + llvmpipe); workers run inline (``SMILE_SYNC_WORKERS=1``).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from PIL import Image

if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

pytestmark = pytest.mark.gl

SIZE = (240, 160)
T_SET = "2026-03-20T12:00:00"

#: the bare layout the former ``AppState.save`` (``render --session``) wrote, typed by hand
BARE_V1 = """{
  "schema_version": 1,
  "scene": {"time": "2026-04-02T03:04:05.000", "layers": {"orbit": false, "labels": false}},
  "model": {"solar_wind": {"n_cm3": 9.5, "bz_nt": 4.0}},
  "instruments": {"sxi": {"name": "sxi", "pointing": {"mode": "team_law", "aim_re": [10.0, 0.0, 0.0],
                                                      "roll_deg": 15.0},
                          "exposure_s": 300.0, "pixel_grid": [265, 155]}}
}
"""


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    import vispy.app
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    vispy.app.use_app("pyside6")
    from smile_viewer._qt.main_window import MainWindow

    win = MainWindow(settings=QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


def _spy_on_the_renderer(monkeypatch):
    """Record the AppState each SceneView the headless renderer builds is given."""
    import smile_viewer._vispy.scene as scene_mod

    real, seen = scene_mod.SceneView, []

    def spy(app_state, *args, **kwargs):
        seen.append(app_state)
        return real(app_state, *args, **kwargs)

    monkeypatch.setattr(scene_mod, "SceneView", spy)
    return seen


@pytest.mark.slow  # a window and three small renders: ~15 s on llvmpipe
def test_a_session_saved_in_the_application_renders_from_the_command_line(
    window, qtbot, tmp_path, monkeypatch, capsys
):
    from smile_viewer._vispy.headless import render_scene_image
    from smile_viewer.cli import main
    from smile_viewer.state import AppState

    # the user changes the solar wind and hides the bow shock in the docks, and moves the time
    window.model_dock.spins["bz_nt"].setValue(-8.0)
    window.model_dock.spins["n_cm3"].setValue(20.0)
    window.layers_dock.checks["bow_shock"].setChecked(False)
    window.state.time = T_SET
    qtbot.waitUntil(
        lambda: (
            window.app_state.model.solar_wind.bz_nt == -8.0
            and window.app_state.model.solar_wind.n_cm3 == 20.0
        ),
        timeout=5000,
    )
    assert window.state.layers.bow_shock is False
    session = window.save_session(tmp_path / "gui.smile.json")
    assert session == tmp_path / "gui.smile.json"

    seen = _spy_on_the_renderer(monkeypatch)
    out = tmp_path / "gui-session.png"
    rc = main(["render", "--out", str(out), "--size", f"{SIZE[0]}x{SIZE[1]}", "--session", str(session)])
    assert rc == 0, capsys.readouterr().err
    assert f"wrote {out}" in capsys.readouterr().out
    # the renderer got the application's settings, not the defaults
    assert len(seen) == 1
    rendered = seen[0]
    assert rendered is not window.app_state
    assert rendered.model.solar_wind.bz_nt == -8.0 and rendered.model.solar_wind.n_cm3 == 20.0
    assert rendered.scene.layers.bow_shock is False
    assert rendered.scene.time.isot == "2026-03-20T12:00:00.000"
    assert rendered.to_json() == window.app_state.to_json()
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size == SIZE
        picture = np.asarray(im.convert("RGB")).astype(int)
    # the picture is the application's scene: the same as rendering its state directly, and the
    # hidden bow shock is hidden in it (showing it changes the picture)
    monkeypatch.undo()
    same = render_scene_image(SIZE, state=AppState.from_json(window.app_state.to_json())).astype(int)
    assert np.abs(picture - same).max() <= 2
    shown = AppState.from_json(window.app_state.to_json())
    shown.scene.layers.bow_shock = True
    with_bow_shock = render_scene_image(SIZE, state=shown).astype(int)
    assert (np.abs(with_bow_shock - picture).max(axis=2) > 20).sum() > 50


@pytest.mark.slow  # opening a session recomputes the scene and both images inline: ~5 s
def test_a_session_written_from_python_opens_in_the_application(window, tmp_path):
    from smile_viewer.state import AppState

    app = AppState()
    app.model.solar_wind.bz_nt = 6.5
    app.scene.layers.magnetopause = False
    app.scene.layers.sxi_fov = False
    app.scene.time = "2026-06-01T00:00:00"
    app.instruments.sxi.pointing.roll_deg = -30.0
    path = app.save(tmp_path / "python.smile.json")

    model_state, layers = window.app_state.model.solar_wind, window.state.layers
    assert window.open_session(path) is True
    assert window.app_state.to_json() == app.to_json()
    assert window.app_state.model.solar_wind is model_state, "applied in place"
    assert window.state.layers is layers, "applied in place"
    assert window.model_dock.spins["bz_nt"].value() == pytest.approx(6.5)
    assert not window.layers_dock.checks["magnetopause"].isChecked()
    checks = window.layers_dock.checks
    assert not checks["sxi_fov"].isChecked() and checks["orbit"].isChecked()
    assert window.instruments_dock.groups["sxi"].roll.value() == pytest.approx(-30.0)
    assert window.state.time.isot.startswith("2026-06-01T00:00:00")
    assert window.windowTitle().endswith("python.smile.json")

    # and the bare layout the former AppState.save wrote for render --session (format 1)
    path = tmp_path / "old.json"
    path.write_text(BARE_V1, encoding="utf-8")
    assert window.open_session(path) is True
    assert window.state.time.isot == "2026-04-02T03:04:05.000"
    assert not checks["orbit"].isChecked() and not checks["labels"].isChecked()
    assert window.layers_dock.checks["sxi_fov"].isChecked(), "absent from the old file: back to the default"
    assert window.model_dock.spins["n_cm3"].value() == pytest.approx(9.5)
    assert window.model_dock.spins["bz_nt"].value() == pytest.approx(4.0)
    assert window.instruments_dock.groups["sxi"].roll.value() == pytest.approx(15.0)


BAD_SESSIONS = [
    (
        '{"format": "smile-viewer-session", "format_version": 3, "app_version": "0.9", "state": {}}',
        "written by a newer smile-viewer (0.9) in session format 3",
    ),
    ("\x00garbage", "not valid JSON"),
    (
        '{"format": "smile-viewer-session", "format_version": 2, '
        '"state": {"scene": {"layers": {"earth": [1]}}}}',
        "field 'scene.layers.earth'",
    ),
]


def test_a_bad_session_is_refused_by_both_with_one_line(window, tmp_path, monkeypatch, capsys):
    from PySide6.QtWidgets import QMessageBox

    from smile_viewer.cli import main

    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.informativeText()) or 0)
    window.app_state.model.solar_wind.n_cm3 = 7.0
    before = json.loads(window.app_state.to_json())
    for i, (content, message) in enumerate(BAD_SESSIONS):
        path = tmp_path / f"bad{i}.smile.json"
        path.write_text(content)
        # the command line: exit 2, one line naming the file, no picture
        out = tmp_path / "x.png"
        assert main(["render", "--out", str(out), "--session", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and str(path) in err and message in err and "Traceback" not in err
        assert not out.exists()
        # the application: one dialog with the same problem, nothing changed
        assert window.open_session(path) is False
        assert json.loads(window.app_state.to_json()) == before
        assert len(shown) == i + 1 and message.lower() in shown[i].lower()
        assert "Nothing was changed" in shown[i]
