"""The pointing-window timeline dock under pytest-qt (pyqtgraph, no OpenGL needed): bars and
list from a window set, a click on a bar or a row emits the window's start, and the dock is
linked to the scene state's time."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import Time
from PySide6.QtCore import Qt

from smile_viewer._qt.timeline_dock import ROWS, TimelineDock
from smile_viewer.analysis.windows import Window, WindowSet


def _w(inst, start, end, qf=None):
    a, b = Time(start, scale="utc"), Time(end, scale="utc")
    return Window(
        inst,
        a,
        b,
        float((b - a).to_value("s")),
        int((b - a).to_value("s") // 60) + 1,
        "radiation_belt",
        "sxi_sun" if inst == "sxi" else "uvi_oval",
        qf,
        qf,
        None if qf is None else 10.0,
        None if qf is None else 30.0,
    )


@pytest.fixture
def windows():
    return WindowSet(
        [
            _w("sxi", "2026-09-10T02:00", "2026-09-10T10:00", 1),
            _w("uvi", "2026-09-10T01:00", "2026-09-10T20:00"),
            _w("sxi", "2026-09-11T04:00", "2026-09-11T09:30", 0),
            _w("uvi", "2026-09-11T02:00", "2026-09-11T22:00"),
        ],
        {"instruments": ["sxi", "uvi"]},
    )


@pytest.fixture
def dock(qtbot):
    d = TimelineDock()
    qtbot.addWidget(d)
    d.resize(900, 420)
    d.show()
    qtbot.waitExposed(d)
    return d


def test_bars_and_list(dock, windows):
    dock.set_windows(windows)
    assert dock.table.topLevelItemCount() == 4
    first = dock.table.topLevelItem(0)
    assert [first.text(i) for i in range(6)] == [
        "UVI",
        "2026-09-10 01:00",
        "2026-09-10 20:00",
        "19.00",
        "",
        "uvi_oval",
    ]
    opts = dock.bars.opts
    assert len(opts["x0"]) == 4 and dock.bars.isVisible()
    assert "SXI: 2 windows" in dock.summary.text()
    # The SXI bars carry the quality-flag colours, UVI blue.
    colours = {
        (w.instrument, w.quality_flag): opts["brushes"][i].color().name() for i, w in enumerate(dock.windows)
    }
    assert colours == {("sxi", 1): "#e6b800", ("sxi", 0): "#2ca02c", ("uvi", None): "#1f77b4"}
    np.testing.assert_allclose(opts["y0"] + opts["height"] / 2, [ROWS[w.instrument] for w in dock.windows])
    dock.set_windows([])
    assert dock.table.topLevelItemCount() == 0 and not dock.bars.isVisible()


def test_clicking_a_bar_emits_its_start(dock, windows, qtbot):
    dock.set_windows(windows)
    qtbot.wait(50)
    target = windows.for_instrument("sxi")[1]
    pos = dock.bar_centre_in_viewport(target).toPoint()
    with (
        qtbot.waitSignal(dock.time_requested, timeout=2000) as blocker,
        qtbot.waitSignal(dock.window_selected, timeout=2000) as sel,
    ):
        qtbot.mouseClick(dock.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert blocker.args[0].isot == target.start.isot
    assert sel.args[0] is target
    assert dock.cursor_time().isot[:16] == "2026-09-11T04:00"
    assert dock.table.currentItem().text(1) == "2026-09-11 04:00"


def test_clicking_empty_space_emits_nothing(dock, windows, qtbot):
    dock.set_windows(windows)
    qtbot.wait(50)
    vb = dock.plot.getViewBox()
    from PySide6.QtCore import QPointF

    x = Time("2026-09-10T23:00", scale="utc").unix  # between windows in both rows
    pos = dock.plot.mapFromScene(vb.mapViewToScene(QPointF(x, ROWS["sxi"])))
    got = []
    dock.time_requested.connect(got.append)
    qtbot.mouseClick(dock.plot.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    qtbot.wait(50)
    assert got == []


def test_activating_a_row_emits(dock, windows, qtbot):
    dock.set_windows(windows)
    item = dock.table.topLevelItem(2)  # rows are sorted by start
    w = dock.windows[2]
    with qtbot.waitSignal(dock.time_requested, timeout=2000) as blocker:
        dock.table.itemActivated.emit(item, 0)
    assert blocker.args[0].isot == w.start.isot


def test_window_at(dock):
    w = _w("sxi", "2026-09-10T02:00", "2026-09-10T02:00", 2)  # one epoch: zero width
    dock.set_windows([w])
    x = Time("2026-09-10T02:00", scale="utc").unix
    assert dock.window_at(x + 30, ROWS["sxi"]) is None
    assert dock.window_at(x + 30, ROWS["sxi"], slop=60) is w
    assert dock.window_at(x, ROWS["uvi"], slop=60) is None


def test_linked_to_the_scene_state(qtbot, windows):
    from smile_viewer.state.scene import SceneState

    state = SceneState(time="2026-09-09T00:00")
    d = TimelineDock(state=state)
    qtbot.addWidget(d)
    assert d.cursor_time().isot[:16] == "2026-09-09T00:00"
    d.set_windows(windows)
    d.choose(windows.for_instrument("uvi")[1])
    assert state.time.isot[:16] == "2026-09-11T02:00"  # the time slider follows the state
    state.time = "2026-09-12T06:30"
    assert d.cursor_time().isot[:16] == "2026-09-12T06:30"
    assert np.isclose(d.cursor.value(), Time("2026-09-12T06:30", scale="utc").unix)


def test_load_file(dock, windows, tmp_path):
    windows.meta.update(start="2026-09-10T00:00:00.000", stop="2026-09-12T00:00:00.000", step_s=60.0)
    path = windows.write(tmp_path / "w.csv")
    dock.load_file(path)
    assert [w.to_dict() for w in dock.windows] == [
        w.to_dict() for w in sorted(windows, key=lambda w: w.start.unix)
    ]
