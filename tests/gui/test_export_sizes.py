"""Screenshots and movies of the 3-D view at a chosen size: laid out for that size, overlays kept."""

from __future__ import annotations

import os

import numpy as np
import pytest
from PIL import Image

if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

pytestmark = pytest.mark.gl


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    import vispy.app
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    vispy.app.use_app("pyside6")
    from smile_viewer._qt.main_window import MainWindow

    win = MainWindow(
        settings=QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat), warm_up=False
    )
    qtbot.addWidget(win)
    win.resize(1280, 800)
    win.show()
    qtbot.waitExposed(win)
    win.scene_view.render(alpha=False)
    yield win
    win.close()


def _overlay_mask(win, path_on, path_off, size):
    on = np.asarray(Image.open(win.save_screenshot(path_on, size=size)).convert("RGB")).astype(int)
    win.state.layers.labels = False
    try:
        off = np.asarray(Image.open(win.save_screenshot(path_off, size=size)).convert("RGB")).astype(int)
    finally:
        win.state.layers.labels = True
    return on, np.abs(on - off).sum(axis=2) > 40


@pytest.mark.slow
def test_1080p_screenshot_of_a_squarer_view_keeps_caption_and_legend(window, tmp_path):
    from smile_viewer._vispy.scene import CameraSetup

    # a camera the user moved (no re-framing when the caption is switched off below)
    window.scene_view.set_camera(CameraSetup(azimuth=150.0, elevation=22.0, scale_factor=70.0))
    cw, ch = window.canvas.size
    assert abs(cw / ch - 16 / 9) > 0.1  # the window's view is not 16:9: a crop would cut overlays
    img, hud = _overlay_mask(window, tmp_path / "on.png", tmp_path / "off.png", (1920, 1080))
    assert img.shape == (1080, 1920, 3)
    ys, xs = np.nonzero(hud)
    assert len(xs) > 500
    m = 4
    assert xs.min() >= m and ys.min() >= m and xs.max() < 1920 - m and ys.max() < 1080 - m
    # the caption (top left), the credit line (bottom left) and the legend (top right) are all there
    assert hud[: 1080 // 8, : 1920 // 4].any()
    assert hud[-1080 // 10 :, : 1920 // 4].any()
    assert hud[: 1080 // 6, -1920 // 4 :].any()
    # the window itself was not changed
    assert tuple(window.canvas.size) == (cw, ch)


def test_screenshot_at_window_size_is_the_window(window, tmp_path):
    cw, ch = (int(v) for v in window.canvas.size)
    img = np.asarray(Image.open(window.save_screenshot(tmp_path / "w.png")))
    assert img.shape[:2] == (ch * round(window.canvas.pixel_scale), cw * round(window.canvas.pixel_scale))


def test_size_chooser_offers_1080p_4k_and_custom(qtbot):
    from smile_viewer._qt.export import SizeChooser

    w = SizeChooser(window_size=(1000, 700))
    qtbot.addWidget(w)
    assert w.size_px() is None  # the window's size
    w.choose("1080p")
    assert w.size_px() == (1920, 1080)
    w.choose("4k")
    assert w.size_px() == (3840, 2160)
    w.choose("custom")
    w.width_box.setValue(2048)
    w.height_box.setValue(1024)
    assert w.size_px() == (2048, 1024)
    texts = [w.combo.itemText(i) for i in range(w.combo.count())]
    assert any("1920 × 1080" in t for t in texts) and any("3840 × 2160" in t for t in texts)
