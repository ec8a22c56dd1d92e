"""The timeline dock shows the SXI targets' visibility rows and the gaps coloured by their
limiting constraint; its constraints panel switches constraints off and changes margins
(validated like the command line), and "Apply" asks for a recomputation."""

from __future__ import annotations

import astropy.units as u
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox

from smile_viewer._qt.timeline_dock import ROWS, TimelineDock
from smile_viewer.analysis.windows import GAP_COLOURS, TARGET_COLOUR, compute_windows


@pytest.fixture(scope="module")
def november():
    # Three days of November 2026: Sun avoidance limits most SXI gaps; the nose is seen.
    return compute_windows("2026-11-01T00:00", "2026-11-04T00:00", "10min")


@pytest.fixture
def dock(qtbot):
    d = TimelineDock()
    qtbot.addWidget(d)
    d.resize(1000, 460)
    d.show()
    qtbot.waitExposed(d)
    return d


def test_target_rows_and_gaps_are_drawn(dock, november):
    dock.set_windows(november)
    opts = dock.extra_bars.opts
    n_vis, n_gap = len(november.visibility), len(november.gaps)
    assert n_vis > 0 and n_gap > 0 and len(opts["x0"]) == n_vis + n_gap and dock.extra_bars.isVisible()
    centres = sorted({round(float(y + h / 2), 6) for y, h in zip(opts["y0"], opts["height"])})
    expect = {ROWS[v.target] for v in november.visibility} | {ROWS[g.instrument] for g in november.gaps}
    assert centres == sorted(expect)
    colours = {b.color().name() for b in opts["brushes"]}
    assert TARGET_COLOUR in colours and GAP_COLOURS["sxi_sun"] in colours
    assert "sxi_sun" in dock.gap_key.text()
    # Hovering a gap names its limiting constraint.
    gap = next(g for g in november.gaps if g.instrument == "sxi" and g.limited_by == "sxi_sun")
    x = 0.5 * (gap.start.unix + gap.end.unix)
    text = dock.describe_at(x, ROWS["sxi"])
    assert "SXI gap" in text and "limited by sxi_sun" in text
    nose = next(v for v in november.visibility if v.target == "nose")
    assert "nose in the SXI field" in dock.describe_at(0.5 * (nose.start.unix + nose.end.unix), ROWS["nose"])
    # The window list holds windows only.
    assert dock.table.topLevelItemCount() == len(november.windows)


def test_constraints_panel_switches_and_margins(dock, qtbot):
    assert dock.profile().window_constraints("sxi") == (
        "radiation_belt",
        "sxi_radius",
        "sxi_sun",
        "sxi_earth",
        "sxi_moon",
    )
    qtbot.mouseClick(dock.constraints_button, Qt.MouseButton.LeftButton)
    panel = dock.constraints_panel
    assert panel.isVisible()
    panel.boxes["sxi_moon"].setChecked(False)
    assert not panel.spins["sxi_moon"].isEnabled()
    panel.spins["sxi_sun"].setValue(45.0)
    panel.spins["cusp_north"].setValue(2.0)
    panel.boxes["sxi_magnetopause"].setChecked(True)
    prof = dock.profile()
    assert "sxi_moon" not in prof.window_constraints("sxi")
    assert prof.window_constraints("sxi")[-1] == "sxi_magnetopause"
    assert prof.min_sun_angle_deg == 45.0 and prof.target_margin_deg["cusp_north"] == 2.0
    # Margins are bounded as on the command line (sxi_sun 0 .. 180 deg).
    panel.spins["sxi_sun"].setValue(500.0)
    assert dock.profile().min_sun_angle_deg == 180.0
    with qtbot.waitSignal(dock.recompute_requested, timeout=2000):
        panel.apply_button.click()
    panel.reset()
    assert dock.profile().to_dict() == panel._base.to_dict()
    labels = {b.text() for b in panel.findChildren(QCheckBox)}
    assert {"sxi_sun", "radiation_belt", "uvi_oval", "nose in field", "require sxi_magnetopause"} <= labels
    qtbot.mouseClick(dock.constraints_button, Qt.MouseButton.LeftButton)
    assert not panel.isVisible()


def test_recomputed_windows_follow_the_panel(dock):
    panel = dock.constraints_panel
    panel.boxes["sxi_sun"].setChecked(False)
    ws = compute_windows(
        "2026-11-01T00:00", "2026-11-03T00:00", "10min", dock.profile(), instruments=("sxi",)
    )
    base = compute_windows("2026-11-01T00:00", "2026-11-03T00:00", "10min", instruments=("sxi",))
    assert sum(w.duration_s for w in ws.windows) > sum(w.duration_s for w in base.windows) + 3600 * 20
    dock.set_windows(ws)
    assert "sxi_sun" not in dock.gap_key.text()


@pytest.mark.gl
@pytest.mark.slow  # a main window: about 8 s on 2 cores
def test_main_window_recomputes_with_the_panel(qtbot, tmp_path, monkeypatch):
    import os

    import vispy.app
    from PySide6.QtCore import QSettings

    import smile_viewer.analysis.windows as windows_mod

    if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    vispy.app.use_app("pyside6")
    from smile_viewer._qt.main_window import MainWindow

    calls = []
    real = windows_mod.compute_windows

    def spy(start, stop, step, profile=None, **kw):
        calls.append(profile)
        return real(start, start + 6 * 3600 * u.s, "30min", profile, **kw)

    monkeypatch.setattr(windows_mod, "compute_windows", spy)
    win = MainWindow(settings=QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    panel = win.timeline_dock.constraints_panel
    panel.boxes["sxi_sun"].setChecked(False)
    panel.spins["sxi_moon"].setValue(9.0)
    panel.apply_button.click()
    qtbot.waitUntil(lambda: len(calls) == 1 and win.timeline_button.isEnabled(), timeout=60000)
    prof = calls[0]
    assert "sxi_sun" not in prof.window_constraints("sxi") and prof.sxi_moon_margin_deg == 9.0
    assert win.timeline_dock.windows  # the dock shows what was computed
    win.close()
