"""A folder of per-minute SXI level-3 files in the Compare dock: the scene time picks the stack,
the stack length and binning are controls, previous/next step through the series.
pyqtgraph and Qt widgets only (no OpenGL); workers run inline."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea

from smile_viewer._qt.comparison import ComparisonView
from smile_viewer._qt.l3_series import L3SeriesPanel, open_l3_folder
from smile_viewer.io.sxi_l3 import scan_l3
from smile_viewer.state.scene import SceneState

T0 = dt.datetime(2026, 3, 17, 2, 40)
SHAPE = (12, 8)  # NAXIS2, NAXIS1
PARTS = ("XBMAP", "PSMAP", "PBMAP", "CLMAP", "SPMAP")


def write_series(folder, minutes):
    """Per-minute TOT/BKG/VCY files in the SXI team's layout (swharton1/SXI_L3 read_*_file.py),
    written with astropy; returns the counts of each minute."""
    rng = np.random.default_rng(0)
    counts = {}
    for i in minutes:
        t0 = T0 + dt.timedelta(minutes=i)
        t1 = t0 + dt.timedelta(minutes=1)
        h = fits.Header()
        for c, v in zip("XYZ", (6.0, -6.0, 18.0)):
            h[f"POS_{c}"] = v
        for c, v in zip("XYZ", (7.87, 0.0, 0.0)):
            h[f"AIM_{c}"] = v
        h["DATE-OBS"], h["DATE-END"] = (
            t0.strftime("%Y-%m-%dT%H:%M:%S.%f"),
            t1.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        )
        h["EMIN"], h["EMAX"], h["RA"], h["DEC"], h["EXPOS"] = 0.2, 2.5, 10.0, 20.0, 60.0
        h["CTYPE1"], h["CRVAL1"], h["CDELT1"] = "deg", -1.0, 0.25
        h["CTYPE2"], h["CRVAL2"], h["CDELT2"] = "deg", -1.5, 0.25
        name = f"{t0:%Y%m%dT%H%M}-{t1:%Y%m%dT%H%M}_V01.fits"
        cts = rng.poisson(4.0, size=SHAPE).astype(np.int32)
        counts[i] = cts
        fits.PrimaryHDU(cts, header=h).writeto(folder / f"SMILE_SXI_L3_SCIM15-SCI-TOT_{name}")
        parts = [np.full(SHAPE, 0.1) for _ in PARTS]
        fits.HDUList(
            [fits.PrimaryHDU(sum(parts), header=h)] + [fits.ImageHDU(a, name=k) for k, a in zip(PARTS, parts)]
        ).writeto(folder / f"SMILE_SXI_L3_SCIM15-SCI-BKG_{name}")
        fits.PrimaryHDU(np.full(SHAPE, 0.8), header=h).writeto(folder / f"SMILE_SXI_L3_SCIM15-SCI-VCY_{name}")
    return counts


@pytest.fixture
def panel(qtbot, tmp_path):
    counts = write_series(tmp_path, range(7))  # 02:40 … 02:46
    state = SceneState(time=Time(T0 + dt.timedelta(minutes=1), scale="utc"))
    view = ComparisonView()
    qtbot.addWidget(view)
    p = L3SeriesPanel(state, view, synchronous=True)
    qtbot.addWidget(p)
    p.set_series(scan_l3(tmp_path), name="test")
    yield p, state, view, counts
    p.disconnect_state()


def test_the_scene_time_picks_the_stack(panel):
    p, state, view, counts = panel
    assert [p.bin_combo.itemText(i) for i in range(p.bin_combo.count())] == ["1×1", "2×2", "4×4"]
    assert view.obs is not None and view.obs.format == "sxi-l3"
    np.testing.assert_array_equal(view.observed, sum(counts[i] for i in range(5)))  # 02:40–02:45 stacked
    assert view.obs.exposure_s == 300.0 and "5 of 5 min" in p.info.text()
    # binning 2×2: counts summed over blocks
    p.bin_combo.setCurrentIndex(1)
    total = sum(counts[i] for i in range(5))
    assert view.observed.shape == (6, 4)
    assert view.observed[0, 0] == total[0:2, 0:2].sum()
    # the next interval holds two minutes: shown, three missing minutes reported
    state.time = Time(T0 + dt.timedelta(minutes=6), scale="utc")
    np.testing.assert_array_equal(view.obs.maps["CTSMAP"][0, 0], (counts[5] + counts[6])[0:2, 0:2].sum())
    assert "2 of 5 min" in p.info.text() and "1 problem" in p.info.text()
    assert "missing" in p.info.toolTip()
    # outside the series: the last stack stays, the label says so
    shown = view.obs
    state.time = Time(T0 + dt.timedelta(hours=2), scale="utc")
    assert view.obs is shown and p.info.text().startswith("No level-3 data at 2026-03-17 04:40")


def test_stack_length_and_stepping(panel):
    p, state, view, counts = panel
    p.minutes_spin.setValue(1)
    np.testing.assert_array_equal(view.observed, counts[1])  # the minute holding the scene time
    p.minutes_spin.setValue(5)
    p.step(+1)
    assert state.time.isot.startswith("2026-03-17T02:45:00")
    p.step(+1)  # no later stack: stays
    assert state.time.isot.startswith("2026-03-17T02:45:00")
    p.step(-1)
    assert state.time.isot.startswith("2026-03-17T02:40:00")
    np.testing.assert_array_equal(view.observed, sum(counts[i] for i in range(5)))


def test_open_folder_adds_the_panel_to_the_compare_dock(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    counts = write_series(tmp_path, range(3))
    window = QMainWindow()
    qtbot.addWidget(window)
    window.state = SceneState(time=Time("2026-01-01T00:00:00", scale="utc"))
    window.comparison = ComparisonView()
    window.compare_dock = QDockWidget("Compare", window)
    scroll = QScrollArea(window.compare_dock)
    scroll.setWidget(window.comparison)
    window.compare_dock.setWidget(scroll)
    open_l3_folder(window, str(tmp_path))
    panel = window.l3_panel
    assert panel.parent() is window.compare_dock.widget() and scroll.parent() is window.compare_dock.widget()
    assert window.state.time.isot.startswith("2026-03-17T02:40:00")  # the series' first minute
    np.testing.assert_array_equal(window.comparison.observed, counts[0] + counts[1] + counts[2])
    # a second folder reuses the panel; closing the window stops following the time
    open_l3_folder(window, str(tmp_path))
    assert window.l3_panel is panel
    window.close()
    shown = window.comparison.obs
    window.state.time = Time(T0 + dt.timedelta(minutes=5), scale="utc")
    assert window.comparison.obs is shown
