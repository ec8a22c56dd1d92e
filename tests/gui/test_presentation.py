"""Presentation mode: full screen without docks, keys that do what they say, and the exact
layout back on leaving; the calm ↔ storm control; the Tour dock."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

pytestmark = pytest.mark.gl


@pytest.fixture(scope="module")
def _window(qapp, tmp_path_factory):
    import vispy.app
    from PySide6.QtCore import QSettings

    old = os.environ.get("SMILE_SYNC_WORKERS")
    os.environ["SMILE_SYNC_WORKERS"] = "1"
    vispy.app.use_app("pyside6")
    from smile_viewer._qt.main_window import MainWindow

    ini = tmp_path_factory.mktemp("present") / "layout.ini"
    win = MainWindow(settings=QSettings(str(ini), QSettings.Format.IniFormat), warm_up=False)
    win.resize(1280, 800)
    win.show()
    for _ in range(20):
        qapp.processEvents()
    yield win
    win.close()
    if old is None:
        os.environ.pop("SMILE_SYNC_WORKERS", None)
    else:
        os.environ["SMILE_SYNC_WORKERS"] = old


@pytest.fixture
def window(_window, qtbot):
    """One window for the module (a window costs seconds); each test leaves presentation mode."""
    qtbot.waitExposed(_window)
    yield _window
    if _window.presentation.active:
        _window.presentation.leave()
    _window.tour_dock.stop()


def _dock_layout(win):
    from PySide6.QtWidgets import QDockWidget

    return {
        d.objectName(): (d.isVisible(), d.isFloating(), win.dockWidgetArea(d), d.geometry().getRect())
        for d in win.findChildren(QDockWidget)
    }


def test_present_hides_docks_and_restores_the_exact_layout(window, qtbot):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget

    win = window
    # a layout the user made: the Tour dock floated, the Line of sight dock closed
    win.tour_dock.show()
    win.los_dock.hide()
    qtbot.wait(50)
    before = _dock_layout(win)
    state_before = bytes(win.saveState())
    geom_before = win.geometry().getRect()
    preset_before = win.state.camera_preset
    hud_before = win.scene_view.hud_scale

    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow, timeout=3000)  # (window shortcuts need the active window)
    qtbot.keyClick(win.canvas.native, Qt.Key.Key_F11)
    assert win.presentation.active
    qtbot.waitUntil(lambda: bool(win.windowState() & Qt.WindowState.WindowFullScreen), timeout=3000)
    assert not any(d.isVisible() for d in win.findChildren(QDockWidget))
    assert not win.menuBar().isVisible() and not win.statusBar().isVisible()
    assert win.presentation.storm.isVisible()
    assert win.state.camera_preset == "magnetosphere"
    assert win.scene_view.hud_scale == pytest.approx(win.presentation.HUD_SCALE)
    assert win.presentation.action.isChecked()

    qtbot.keyClick(win.canvas.native, Qt.Key.Key_Escape)
    assert not win.presentation.active
    qtbot.waitUntil(lambda: not (win.windowState() & Qt.WindowState.WindowFullScreen), timeout=3000)
    qtbot.wait(100)
    assert _dock_layout(win) == before
    assert bytes(win.saveState()) == state_before
    assert win.geometry().getRect() == geom_before
    assert win.menuBar().isVisible() and win.statusBar().isVisible()
    assert win.state.camera_preset == preset_before
    assert win.scene_view.hud_scale == hud_before
    assert not win.presentation.storm.isVisible()
    assert win.play_action.isEnabled() and win.clear_los_action.isEnabled()


def test_keys_play_step_and_jump_to_tour_stops(window, qtbot):
    from PySide6.QtCore import Qt

    from smile_viewer.state.tour import Keyframe, SolarWindKey, Tour, pose_from_turntable

    win = window
    t0 = win.state.time
    stops = [
        Keyframe(
            camera=pose_from_turntable(40.0 * i, 10.0 * i, 0.0, (-i, 0.0, 0.0), 60.0 + 10 * i, 30.0),
            time=(t0 + i * 3600 * __import__("astropy.units", fromlist=["s"]).s).isot,
            caption=f"stop {i + 1}",
            solar_wind=SolarWindKey(n_cm3=5.0 + i, v_km_s=400.0 + 50 * i, bz_nt=-2.0 * i),
        )
        for i in range(3)
    ]
    win.app_state.tour = Tour(keyframes=stops)
    win.presentation.enter()
    target = win.canvas.native

    # space: play, space again: pause
    qtbot.keyClick(target, Qt.Key.Key_Space)
    assert win.time_control.play_button.isChecked()
    qtbot.keyClick(target, Qt.Key.Key_Space)
    assert not win.time_control.play_button.isChecked()
    # arrows: 15 minutes either way (an hour with Shift)
    t = win.state.time
    qtbot.keyClick(target, Qt.Key.Key_Right)
    assert (win.state.time - t).to_value("s") == pytest.approx(900.0, abs=1e-3)
    qtbot.keyClick(target, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert (win.state.time - t).to_value("s") == pytest.approx(900.0 - 3600.0, abs=1e-3)
    # 3: the third stop — its time, solar wind, caption and camera
    qtbot.keyClick(target, Qt.Key.Key_3)
    kf = stops[2]
    assert win.presentation.stop_index == 2
    assert win.state.time.isot == kf.time
    sw = win.app_state.model.solar_wind
    assert (sw.n_cm3, sw.v_km_s, sw.bz_nt) == (7.0, 500.0, -4.0)
    assert win.presentation.caption.text() == "stop 3" and win.presentation.caption.isVisible()
    tr = win.scene_view.turntable.transform
    eye = np.asarray(tr.map([0.0, 0.0, 0.0])[:3])
    assert np.allclose(eye, kf.camera.position_re, atol=1e-6)
    # 9: no such stop: nothing moves
    qtbot.keyClick(target, Qt.Key.Key_9)
    assert win.presentation.stop_index == 2 and win.state.time.isot == kf.time
    qtbot.keyClick(target, Qt.Key.Key_Escape)
    assert not win.presentation.active


def test_storm_control_sets_n_v_bz_together(window, qtbot):
    from smile_viewer._qt.presentation import STORM_PRESETS, solar_wind_at

    # the presets at the ends and the middle; in between, density geometric
    assert solar_wind_at(0.0) == pytest.approx((5.0, 400.0, 2.0))
    assert solar_wind_at(0.5) == pytest.approx((10.0, 500.0, -5.0))
    assert solar_wind_at(1.0) == pytest.approx((20.0, 750.0, -20.0))
    assert solar_wind_at(0.25)[0] == pytest.approx(math.sqrt(50.0))
    assert [p.name for p in STORM_PRESETS] == ["Quiet", "Moderate", "CME storm"]
    win = window
    win.presentation.enter()
    storm = win.presentation.storm
    storm.set_position(1.0)
    sw = win.app_state.model.solar_wind
    assert (sw.n_cm3, sw.v_km_s, sw.bz_nt) == (20.0, 750.0, -20.0)
    assert "750 km/s" in storm.values.text() and "-20.0 nT" in storm.values.text()
    storm.set_position(0.0)
    assert (sw.n_cm3, sw.v_km_s, sw.bz_nt) == (5.0, 400.0, 2.0)
    win.presentation.leave()


def test_tour_dock_adds_reorders_and_goes_to_keyframes(window, qtbot):
    from smile_viewer.state.tour import Tour

    win = window
    win.app_state.tour = Tour()  # (the window is shared by the module's tests)
    dock = win.tour_dock
    assert dock.list.count() == 0
    win.state.camera_preset = "from_sun"
    k1 = dock.add_current("first")
    win.state.camera_preset = "north"
    win.state.shift_time(3600)
    k2 = dock.add_current("second")
    assert [k.caption for k in win.app_state.tour.keyframes] == ["first", "second"]
    assert dock.list.count() == 2
    dock.list.setCurrentRow(1)
    dock.move_selected(-1)
    assert [k.caption for k in win.app_state.tour.keyframes] == ["second", "first"]
    dock.travel.setValue(3.5)
    assert win.app_state.tour.keyframes[0].travel_s == 3.5
    # go to "first": the camera is where it was when it was added
    dock.list.setCurrentRow(1)
    dock.go_to_selected()
    tr = win.scene_view.turntable.transform
    eye = np.asarray(tr.map([0.0, 0.0, 0.0])[:3])
    assert np.allclose(eye, k1.camera.position_re, atol=1e-5)
    assert win.state.time.isot == k1.time != k2.time
    dock.remove_selected()
    assert [k.caption for k in win.app_state.tour.keyframes] == ["second"]


def test_tour_dock_exports_a_movie_and_cancel_leaves_nothing(window, qtbot, tmp_path, monkeypatch):
    import imageio_ffmpeg
    from PySide6.QtWidgets import QProgressDialog

    from smile_viewer.state.tour import Keyframe, Tour, pose_from_turntable

    win = window
    t = win.state.time.isot
    win.app_state.tour = Tour(
        keyframes=[
            Keyframe(
                camera=pose_from_turntable(a, 15.0, 0.0, (0, 0, 0), 70.0, 30.0),
                time=t,
                hold_s=0.1,
                travel_s=0.3,
            )
            for a in (150.0, 100.0)
        ]
    )
    n = len(win.app_state.tour.frame_times(10.0))
    out = win.tour_dock.export_movie(tmp_path / "tour.mp4", (96, 64), 10.0)
    assert out is not None
    reader = imageio_ffmpeg.read_frames(str(out))
    assert tuple(next(reader)["size"]) == (96, 64) and sum(1 for _ in reader) == n
    # Cancel in the progress dialog after two frames: no movie, no temporary file
    calls = []

    def cancelled(self):
        calls.append(1)
        return len(calls) > 2

    monkeypatch.setattr(QProgressDialog, "wasCanceled", cancelled)
    assert win.tour_dock.export_movie(tmp_path / "cancelled.mp4", (96, 64), 10.0) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tour.mp4"]
    assert len(calls) == 3  # stopped at the next frame


def test_closing_while_presenting_saves_the_users_layout(qtbot, tmp_path, monkeypatch):
    import vispy.app
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    vispy.app.use_app("pyside6")
    from smile_viewer._qt.main_window import MainWindow

    ini = str(tmp_path / "layout.ini")
    win = MainWindow(settings=QSettings(ini, QSettings.Format.IniFormat), warm_up=False)
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.presentation.enter()
    win.close()
    again = MainWindow(settings=QSettings(ini, QSettings.Format.IniFormat), warm_up=False)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitExposed(again)
    try:
        assert again.layers_dock.isVisible() and again.images_dock.isVisible()
        assert again.menuBar().isVisible() and not again.isFullScreen()
    finally:
        again.close()
