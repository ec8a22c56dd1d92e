"""File ▸ Open observed image… with a real IMAGE WIC file: the Compare dock shows it with the
fitted model as the synthetic image and the "Oval edges" dock opens (GL: Xvfb + llvmpipe)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

pytestmark = [pytest.mark.gl, pytest.mark.slow]

WIC = Path(__file__).resolve().parents[1] / "data" / "real" / "image-wic" / "wic20002410930.idl"


def test_open_wic_in_the_main_window(qtbot, tmp_path, monkeypatch):
    import vispy.app
    from PySide6.QtCore import QSettings

    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    vispy.app.use_app("pyside6")
    from smile_viewer._qt.main_window import MainWindow

    win = MainWindow(settings=QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        win.open_observed(str(WIC))
        qtbot.waitUntil(
            lambda: getattr(win, "oval_panel", None) is not None and win.oval_panel.comparison is not None,
            timeout=60_000,
        )
        obs = win.comparison.obs
        assert obs.format == "image-fuv" and win.compare_dock.isVisible() and win.oval_dock.isVisible()
        cmp = win.oval_panel.comparison
        np.testing.assert_array_equal(win.comparison.synthetic, cmp.fit.model_image)
        assert "no-data pixels" in win.oval_panel.masked.text()
    finally:
        win.close()
