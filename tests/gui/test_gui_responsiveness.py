"""The GUI never freezes for more than 100 ms while heavy work runs (issue 5, item 4).

With the main window open, a heavy request — a 640 × 640 synthetic SXI image (≈ 400 k rays)
— runs in a worker while a 10 ms QTimer ticks on the GUI thread; the largest gap between
ticks must stay under 100 ms. On a shared, loaded machine another process can steal the CPU
for a moment, so a second measurement tells that apart from a real stall.
"""

from __future__ import annotations

import os
import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer

if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]


def _largest_gap(qtbot, win, grid) -> tuple[float, int, float]:
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    sch = win.image_schedulers["sxi"]
    try:
        qtbot.wait(100)
        t_start = time.perf_counter()
        with qtbot.waitSignal(sch.resultReady, timeout=60000):
            win.app_state.instruments.sxi.pixel_grid = grid
        t_end = time.perf_counter()
    finally:
        timer.stop()
    during = [t for t in ticks if t_start <= t <= t_end]
    gaps = np.diff([t_start, *during, t_end])
    return float(gaps.max()), len(during), t_end - t_start


@pytest.mark.gl
def test_main_window_stays_responsive_during_a_large_synthetic_image(qtbot, tmp_path, monkeypatch):
    import vispy.app
    from PySide6.QtCore import QSettings

    monkeypatch.delenv("SMILE_SYNC_WORKERS", raising=False)
    vispy.app.use_app("pyside6")
    from smile_viewer._qt.main_window import MainWindow

    win = MainWindow(settings=QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    try:
        # let start-up work (warm-up, first images, scene data) finish first
        qtbot.waitUntil(lambda: set(win.images_dock.results) == {"sxi", "uvi"}, timeout=30000)
        qtbot.waitUntil(lambda: not any(s.busy for s in win.data_schedulers.values()), timeout=30000)
        qtbot.wait(300)
        results = []
        for grid in ((640, 640), (648, 648)):
            gap, n, wall = _largest_gap(qtbot, win, grid)
            results.append(gap)
            print(
                f"largest GUI gap during a {grid[0]}x{grid[1]} SXI image: {gap * 1e3:.1f} ms "
                f"({n} ticks in {wall:.2f} s)"
            )
            assert wall > 0.15, "the request should be heavy enough to measure"
            if gap < 0.100:
                break
        assert min(results) < 0.100, f"GUI froze: largest gaps {[round(g * 1e3) for g in results]} ms"
        assert win.images_dock.panels["sxi"].image.shape[0] >= 640
    finally:
        win.close()
