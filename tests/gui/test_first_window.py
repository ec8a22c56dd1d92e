"""The first window: main window, scene canvas, time slider bound to the scene state;
``run_app`` without a display."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from astropy.time import TimeDelta

# tests/conftest.py decides on QT_QPA_PLATFORM=offscreen in a pytest_configure that runs
# before pytest-xvfb's (which sets DISPLAY), so under Xvfb it can still be "offscreen", a
# platform without OpenGL. Undo that when a display exists (a no-op once conftest is fixed).
if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]


# -- the window (needs OpenGL: runs under Xvfb) ---------------------------------------------
@pytest.fixture
def window(qtbot):
    import vispy.app

    vispy.app.use_app("pyside6")
    from smile_viewer._qt.main_window import MainWindow

    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.close()


@pytest.mark.gl
def test_main_window_has_canvas_slider_and_status(window):
    from PySide6.QtWidgets import QLabel, QSlider

    assert window.objectName() == "smileMainWindow"
    assert window.windowTitle() == "smile-viewer"
    assert window.centralWidget() is window.scene_view.canvas.native
    assert window.centralWidget().objectName() == "sceneCanvas"
    slider = window.findChild(QSlider, "timeSlider")
    assert slider is not None and slider.maximum() * 60 >= window.scene_view.period_s
    label = window.findChild(QLabel, "timeLabel")
    assert label.text() == window.state.time.utc.strftime("%Y-%m-%d %H:%M UTC")
    assert window.statusBar().isVisible()
    assert "R_E" in window.position_label.text()


@pytest.mark.gl
def test_slider_changes_state_time_and_moves_spacecraft(window, qtbot):
    from PySide6.QtWidgets import QLabel

    state, view = window.state, window.scene_view
    t0 = state.time
    start = window.time_control.start
    p0 = view.spacecraft_position.copy()
    marker0 = view.spacecraft.position.copy()
    earth0 = view.geo_to_scene.copy()

    window.time_control.slider.setValue(600)  # 600 one-minute steps: 10 h later

    expected = start + TimeDelta(600 * 60.0, format="sec")
    assert abs((state.time - expected).to_value("s")) < 1e-3
    assert state.time != t0
    p1 = view.spacecraft_position
    assert np.linalg.norm(p1 - p0) > 1.0, "spacecraft should move by more than 1 R_E in 10 h"
    np.testing.assert_allclose(view.spacecraft.position, p1)
    assert np.linalg.norm(view.spacecraft.position - marker0) > 1.0
    # the spacecraft is where the orbit says it is
    np.testing.assert_allclose(p1, view.orbit.position(state.time, frame="gse"), atol=1e-9)
    # Earth turned: 10 h is 150 degrees of rotation
    cos_angle = (np.trace(earth0.T @ view.geo_to_scene) - 1) / 2
    assert np.degrees(np.arccos(np.clip(cos_angle, -1, 1))) > 100
    assert window.findChild(QLabel, "timeLabel").text() == expected.strftime("%Y-%m-%d %H:%M UTC")


@pytest.mark.gl
def test_state_time_moves_slider_and_marker_redraws(window, qtbot):
    state, view = window.state, window.scene_view
    state.time = window.time_control.start + TimeDelta(3 * 3600.0, format="sec")
    assert window.time_control.slider.value() == 180

    # the picture changes where the spacecraft is drawn
    px = view.project(view.spacecraft_position)[0]
    img = view.render(alpha=False)
    ps = img.shape[0] / view.canvas.size[1]
    x, y = (px * ps).round().astype(int)
    patch = img[max(y - 4, 0) : y + 5, max(x - 4, 0) : x + 5].astype(int)
    assert patch.max() > 200, "the spacecraft marker should be drawn at its projected position"


@pytest.mark.gl
def test_play_advances_time(window):
    tc = window.time_control
    v0, t0 = tc.slider.value(), window.state.time
    tc._advance()
    assert tc.slider.value() > v0 and window.state.time > t0
    tc.play_button.setChecked(True)
    assert tc._timer.isActive()
    tc.play_button.setChecked(False)
    assert not tc._timer.isActive()


@pytest.mark.gl
def test_layer_action_and_camera_preset_update_scene(window):
    view = window.scene_view
    window.layer_actions["orbit"].trigger()
    assert window.state.layers.orbit is False
    assert view.orbit_track.visible is False
    window.state.layers.orbit = True
    assert window.layer_actions["orbit"].isChecked()
    assert view.orbit_track.visible is True

    window.camera_actions["north"].trigger()
    assert window.state.camera_preset == "north"
    assert view.view.camera.elevation == pytest.approx(90.0)


# -- no display: a message, exit status 1 (no GL needed) ------------------------------------
def _env_without_display(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(extra)
    return env


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY matters on Linux only")
def test_run_app_without_display_prints_help_and_returns_1():
    code = (
        "import sys\n"
        "from smile_viewer._qt.app import run_app\n"
        "rc = run_app()\n"
        "assert 'PySide6.QtWidgets' not in sys.modules, 'no QApplication should be attempted'\n"
        "sys.exit(rc)\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], env=_env_without_display(), capture_output=True, text=True, timeout=120
    )
    assert res.returncode == 1, res.stderr
    err = res.stderr
    assert "no display found" in err
    assert "xvfb-run -a make run" in err
    assert "smile-viewer render --out scene.png" in err
    assert "Traceback" not in err


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="DISPLAY matters on Linux only")
def test_cli_gui_with_offscreen_platform_returns_1():
    res = subprocess.run(
        [sys.executable, "-m", "smile_viewer", "gui"],
        env=_env_without_display(QT_QPA_PLATFORM="offscreen"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 1, res.stderr
    assert "offscreen" in res.stderr and "Traceback" not in res.stderr


def test_no_display_reason_rules():
    from smile_viewer._qt.app import no_display_reason

    if sys.platform.startswith("linux"):
        assert "no display" in no_display_reason({})
    assert "OpenGL" in no_display_reason({"QT_QPA_PLATFORM": "offscreen", "DISPLAY": ":0"})
    assert no_display_reason({"WAYLAND_DISPLAY": "wayland-0"}) is None


def test_camera_presets_agree_between_state_and_scene():
    from smile_viewer._vispy.scene import CAMERA_PRESETS as SCENE_PRESETS
    from smile_viewer.state import CAMERA_PRESETS

    assert set(CAMERA_PRESETS) == set(SCENE_PRESETS)


def test_scene_state_events_carry_utc_times_and_round_trip():
    from astropy.time import Time

    from smile_viewer.state import SceneState

    state = SceneState(time="2026-03-20T12:00")
    seen = []
    state.events.time.connect(seen.append)
    state.time = "2026-03-20T18:00:00"
    state.time = Time("2026-03-20T18:00:00", scale="utc")  # equal: no event
    assert len(seen) == 1 and isinstance(seen[0], Time) and seen[0].isot.startswith("2026-03-20T18:00")
    state.layers.orbit = False
    again = SceneState.model_validate_json(state.model_dump_json())
    assert again.time == state.time and again.layers.orbit is False
    with pytest.raises(ValueError):
        state.time = "not a time"
    with pytest.raises(ValueError):
        state.camera_preset = "nowhere"
