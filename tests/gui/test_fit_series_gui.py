"""A fit series in the GUI: r_mp(t) as a row of the timeline dock (error bars coloured by QF,
x-linked, cursor at the scene time), the frame under the slider in the Compare dock (observed,
fitted, residual σ), File ▸ Open fit series…. pyqtgraph and Qt widgets only; workers inline."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import Time
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QMainWindow, QScrollArea

from smile_viewer._qt.comparison import ComparisonView
from smile_viewer._qt.fit_series_view import FitSeriesLink, FitSeriesRow, frame_at, open_fit_series
from smile_viewer._qt.timeline_dock import TimelineDock
from smile_viewer.analysis.fit_series import QF_COLORS, FitSeries, read_series
from smile_viewer.state.scene import SceneState

FRAMES = [  # (start, end, r_mp, error, QF, reliable)
    ("2026-09-12T00:00:00.000", "2026-09-12T00:05:00.000", 10.2, 0.2, 0, True),
    ("2026-09-12T00:10:00.000", "2026-09-12T00:15:00.000", 9.8, 0.1, 2, False),
    ("2026-09-12T00:20:00.000", "2026-09-12T00:25:00.000", 9.5, 0.3, 4, True),
]


@pytest.fixture
def series_csv(tmp_path):
    """A series CSV and per-frame NPZ files written by hand (no fitting), read back."""
    frames = tmp_path / "s_frames"
    frames.mkdir()
    rng = np.random.default_rng(2)
    records, arrays = [], {}
    for k, (a, b, r, e, qf, ok) in enumerate(FRAMES):
        key = f"f{k}"
        fitted = rng.uniform(5, 20, size=(6, 4)).astype(np.float32)
        observed = rng.poisson(fitted).astype(np.float32)
        mask = np.ones((6, 4), bool)
        mask[0, 0] = False
        np.savez(frames / f"{key}.npz", observed=observed, fitted=fitted, mask=mask)
        (frames / f"{key}.json").write_text("{}")
        arrays[key] = (observed, fitted, mask)
        records.append(
            {
                "time": a,
                "time_end": b,
                "status": "ok",
                "key": key,
                "r_mp": r,
                "r_mp_err": e,
                "qf": qf,
                "qf2": 0,
                "reliable": ok,
                "model": "jorgensen",
            }
        )
    records.append({"status": "failed", "key": "bad", "source": "bad.fits", "message": "no CTSMAP"})
    path = FitSeries(records=records, frames_dir=frames).write_csv(tmp_path / "s.csv")
    return path, arrays


def _setup(qtbot, series_csv):
    path, arrays = series_csv
    state = SceneState(time=Time("2026-09-12T00:11:00", scale="utc"))
    view = ComparisonView()
    row = FitSeriesRow()
    qtbot.addWidget(view)
    qtbot.addWidget(row)
    link = FitSeriesLink(state, row, view)
    series = read_series(path)
    link.set_series(series)
    return state, view, row, link, series, arrays


def test_row_shows_r_mp_with_error_bars_coloured_by_qf(qtbot, series_csv):
    state, _view, row, link, _series, _ = _setup(qtbot, series_csv)
    x, y = row.points.getData()
    assert len(x) == 3  # the failed frame is not drawn
    np.testing.assert_allclose(y, [10.2, 9.8, 9.5])
    mid = Time(["2026-09-12T00:02:30", "2026-09-12T00:12:30", "2026-09-12T00:22:30"], scale="utc").unix
    np.testing.assert_allclose(x, mid)
    np.testing.assert_allclose(row.errors.opts["height"], [0.4, 0.2, 0.6])
    spots = row.points.points()
    assert [s.pen().color().name() for s in spots] == [QF_COLORS[0], QF_COLORS[2], QF_COLORS[4]]
    assert spots[1].brush().style() == Qt.BrushStyle.NoBrush  # flagged unreliable: hollow
    assert spots[0].brush().color().name() == QF_COLORS[0]
    assert row.cursor.value() == pytest.approx(state.time.unix)
    link.disconnect_state()


def test_the_frame_under_the_slider_is_in_the_compare_view(qtbot, series_csv):
    state, view, row, link, series, arrays = _setup(qtbot, series_csv)
    observed, fitted, mask = arrays["f1"]
    assert link.record["key"] == "f1"  # 00:11 lies in the second frame
    np.testing.assert_array_equal(view.observed[mask], observed[mask])
    assert np.isnan(view.observed[0, 0])  # a bin left out of the fit
    np.testing.assert_allclose(view.synthetic[mask], fitted[mask])
    res = view.derived_image("residual σ")
    np.testing.assert_allclose(res[mask], ((observed - fitted) / np.sqrt(fitted))[mask], rtol=1e-6)
    shown = []
    link.frame_shown.connect(shown.append)
    state.time = Time("2026-09-12T00:22:00", scale="utc")
    assert shown[-1]["key"] == "f2" and row.cursor.value() == pytest.approx(state.time.unix)
    np.testing.assert_array_equal(view.observed[mask], arrays["f2"][0][mask])
    state.time = Time("2026-09-12T00:07:00", scale="utc")  # between frames: nothing new shown
    assert shown[-1] is None and frame_at(series, state.time) is None
    # clicking a point moves the scene time to its frame
    row._on_click(row.points, [row.points.points()[0]])
    assert state.time.isot.startswith("2026-09-12T00:00:00") and link.record["key"] == "f0"
    link.disconnect_state()


def test_open_fit_series_puts_a_row_in_the_timeline(qtbot, series_csv, monkeypatch):
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    path, arrays = series_csv
    window = QMainWindow()
    qtbot.addWidget(window)
    window.state = SceneState(time=Time("2026-01-01T00:00:00", scale="utc"))
    window.timeline_dock = TimelineDock(window, state=window.state)
    window.comparison = ComparisonView()
    window.compare_dock = QDockWidget("Compare", window)
    scroll = QScrollArea(window.compare_dock)
    scroll.setWidget(window.comparison)
    window.compare_dock.setWidget(scroll)
    open_fit_series(window, str(path))
    link = window.fit_series_link
    layout = window.timeline_dock.widget().layout()
    assert layout.indexOf(link.row) == layout.indexOf(window.timeline_dock.plot) + 1
    assert link.row.getViewBox().linkedView(0) is window.timeline_dock.plot.getViewBox()
    assert window.state.time.isot.startswith("2026-09-12T00:00:00")  # the first frame
    observed, _fitted, mask = arrays["f0"]
    np.testing.assert_array_equal(window.comparison.observed[mask], observed[mask])
    open_fit_series(window, str(path))  # a second series reuses the row
    assert window.fit_series_link is link
    window.close()


def test_open_fit_series_refuses_a_file_that_is_not_a_series(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    warnings = []
    monkeypatch.setattr(
        "smile_viewer._qt.fit_series_view.QMessageBox.warning", lambda *a: warnings.append(a[2])
    )
    window = QMainWindow()
    qtbot.addWidget(window)
    window.state = SceneState(time=Time("2026-01-01T00:00:00", scale="utc"))
    window.timeline_dock = TimelineDock(window, state=window.state)
    (tmp_path / "x.csv").write_text("a,b\n1,2\n")
    open_fit_series(window, str(tmp_path / "x.csv"))
    assert len(warnings) == 1 and "not a fit-series CSV" in warnings[0]
    assert getattr(window, "fit_series_link", None) is None


@pytest.mark.gl
def test_main_window_file_menu_opens_a_fit_series(qtbot, series_csv, monkeypatch):
    import os

    if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        monkeypatch.delenv("QT_QPA_PLATFORM")  # as tests/gui/test_first_window.py: a display with OpenGL
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    import vispy.app

    vispy.app.use_app("pyside6")
    from smile_viewer._qt.main_window import MainWindow

    path, arrays = series_csv
    win = MainWindow()
    qtbot.addWidget(win)
    action = win.file_actions["open_fit_series"]
    file_menu = win.menuBar().actions()[0].menu()
    assert action in file_menu.actions() and action.objectName() == "action_open_fit_series"
    win.open_fit_series(str(path))
    link = win.fit_series_link
    assert link.row.parent() is win.timeline_dock.widget() and win.timeline_dock.isVisibleTo(win)
    assert win.state.time.isot.startswith("2026-09-12T00:00:00")
    observed, _fitted, mask = arrays["f0"]
    np.testing.assert_array_equal(win.comparison.observed[mask], observed[mask])
    win.close()
