"""Hostile files through the GUI's own file paths (docs/robustness.md): a VTK cube that crashes
VTK (Model dock ▸ Emissivity ▸ cube file) and an OMNI CDF that sends cdflib into an endless loop
(Model dock ▸ OMNI file). The window stays responsive — a 10 ms timer keeps ticking — and shows
the one-line error; the application's state is unchanged by the bad OMNI file.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer

if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "fuzz"))
import seeds

pytestmark = [pytest.mark.gl, pytest.mark.slow]

#: Largest pause of the GUI thread accepted while a hostile file is read [s] (a loaded, shared
#: 2-core machine included; a frozen GUI would stall for the whole parse or forever).
MAX_GAP_S = 1.0


def crashing_vti(d: Path) -> Path:
    """A .vti whose DataArray has type="String" (VTK dereferences it as numeric data: SIGSEGV),
    placed after a 17 MiB XML comment, beyond the cheap type check's 16 MiB window: only the
    guarded child process stands between this file and the application."""
    (src,) = [p for p in seeds.vti(d) if "ascii" in p.name]
    text = src.read_text().replace('type="Float32"', 'type="String"')
    head, sep, rest = text.partition("<ImageData")
    p = d / "crash.vti"
    p.write_text(head + "<!-- " + "x" * (17 * 2**20) + " -->\n" + sep + rest)
    return p


def hanging_cdf(d: Path) -> Path:
    """The OMNI CDF seed with one byte of its variable descriptor changed (found by the fuzz
    campaign): cdflib loops forever reading it."""
    (p,) = seeds.omni_cdf(d)
    b = bytearray(p.read_bytes())
    assert b[364] == 0
    b[364] = 39
    out = d / "hang.cdf"
    out.write_bytes(bytes(b))
    return out


class Ticker:
    """A 10 ms QTimer on the GUI thread; ``largest_gap`` is its longest pause."""

    def __init__(self):
        self.ticks: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def __enter__(self):
        self.t0 = time.perf_counter()
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.stop()
        self.t1 = time.perf_counter()

    @property
    def largest_gap(self) -> float:
        return float(np.diff([self.t0, *self.ticks, self.t1]).max())

    def where(self) -> str:
        t = np.array([self.t0, *self.ticks, self.t1])
        i = int(np.argmax(np.diff(t)))
        return f"{t[i + 1] - t[i]:.2f} s pause starting {t[i] - self.t0:.2f} s after the start of {self.t1 - self.t0:.2f} s"


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    import vispy.app
    from PySide6.QtCore import QSettings

    monkeypatch.delenv("SMILE_SYNC_WORKERS", raising=False)
    vispy.app.use_app("pyside6")
    from smile_viewer._qt.main_window import MainWindow

    win = MainWindow(settings=QSettings(str(tmp_path / "l.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    qtbot.waitUntil(lambda: set(win.images_dock.results) == {"sxi", "uvi"}, timeout=60000)
    yield win
    win.close()


def test_a_crashing_vtk_cube_and_a_hanging_omni_cdf_leave_the_window_responsive(
    window, qtbot, tmp_path, monkeypatch
):
    win = window
    crash = crashing_vti(tmp_path)
    model0 = win.app_state.model.models.emissivity_model

    def crash_shown() -> bool:
        texts = [
            win.statusBar().currentMessage(),
            win.images_dock.panels["sxi"].title_label.text(),
            win.model_dock.cube_mp_label.text(),
        ]
        return any("VTK parser crashed" in t for t in texts)

    with Ticker() as t1:
        win.model_dock.choose_file(str(crash), "cube")
        qtbot.waitUntil(crash_shown, timeout=120000)
    assert win.isVisible() and win.app_state.model.models.cube_path == str(crash)
    assert t1.largest_gap < MAX_GAP_S, f"GUI paused while VTK crashed: {t1.where()}"
    shown = [
        t
        for t in (
            win.statusBar().currentMessage(),
            win.images_dock.panels["sxi"].title_label.text(),
            win.model_dock.cube_mp_label.text(),
        )
        if "crashed" in t
    ]
    assert "crash.vti" in shown[0] and "SIGSEGV" in shown[0]

    # back to a model: the window recovers (new images), then the OMNI file
    win.model_dock.set_emissivity_model(model0)
    qtbot.waitUntil(lambda: "crashed" not in win.images_dock.panels["sxi"].title_label.text(), timeout=120000)
    qtbot.waitUntil(
        lambda: not any(s.busy for s in (*win.data_schedulers.values(), *win.image_schedulers.values())),
        timeout=120000,
    )
    qtbot.wait(500)
    monkeypatch.setenv("SMILE_VIEWER_PARSE_TIMEOUT_S", "3")
    hang = hanging_cdf(tmp_path)
    before = win.app_state.model.solar_wind.omni_path
    with Ticker() as t2:
        win.model_dock.load_omni(str(hang))
        qtbot.waitUntil(
            lambda: "did not finish within 3 s" in win.model_dock.error_label.text(), timeout=120000
        )
    assert t2.t1 - t2.t0 >= 3.0  # the parse really ran until the guard stopped it
    assert t2.largest_gap < MAX_GAP_S, f"GUI paused while cdflib looped: {t2.where()}"
    assert "hang.cdf" in win.model_dock.error_label.text() and win.model_dock.error_label.isVisible()
    assert win.app_state.model.solar_wind.omni_path == before
    # still usable: a valid OMNI file is followed afterwards
    (tmp_path / "good").mkdir()
    good = seeds.omni_cdf(tmp_path / "good")[0]
    win.model_dock.load_omni(str(good))
    qtbot.waitUntil(lambda: win.app_state.model.solar_wind.omni_path == str(good), timeout=120000)
