"""Window layout: saved and restored with QSettings; never restored onto a screen that is gone."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QSettings, Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow

from smile_viewer._qt.settings import (
    clamp_rect_to_screens,
    ensure_on_screen,
    last_directory,
    remember_directory,
    restore_window_layout,
    save_window_layout,
)

PRIMARY = QRect(0, 0, 1920, 1050)
SECOND = QRect(1920, 0, 2560, 1410)


def test_clamp_keeps_a_window_that_is_on_screen():
    r = QRect(100, 100, 800, 600)
    assert clamp_rect_to_screens(r, [PRIMARY]) == r
    spanning = QRect(1500, 100, 1000, 600)  # across two neighbouring screens
    assert clamp_rect_to_screens(spanning, [PRIMARY, SECOND]) == spanning


def test_clamp_brings_back_a_window_from_a_screen_that_is_gone():
    on_second = QRect(2500, 300, 1600, 900)
    assert clamp_rect_to_screens(on_second, [PRIMARY, SECOND]) == on_second
    moved = clamp_rect_to_screens(on_second, [PRIMARY])
    assert PRIMARY.contains(moved)
    assert moved.size() == on_second.size()


def test_clamp_shrinks_a_window_larger_than_the_screen_and_pulls_in_a_partial_one():
    huge = QRect(-50, -40, 3000, 2000)
    fitted = clamp_rect_to_screens(huge, [PRIMARY])
    assert fitted == PRIMARY
    partial = QRect(1700, 900, 800, 600)  # hangs over the right and bottom edges
    pulled = clamp_rect_to_screens(partial, [PRIMARY])
    assert PRIMARY.contains(pulled) and pulled.size() == partial.size()
    assert clamp_rect_to_screens(partial, []) == partial


def _window(qtbot):
    win = QMainWindow()
    win.setObjectName("smileMainWindow")
    win.setCentralWidget(QLabel("3-D view"))
    docks = {}
    for name, area in (
        ("layersDock", Qt.DockWidgetArea.LeftDockWidgetArea),
        ("imagesDock", Qt.DockWidgetArea.RightDockWidgetArea),
    ):
        dock = QDockWidget(name, win)
        dock.setObjectName(name)
        dock.setWidget(QLabel(name))
        win.addDockWidget(area, dock)
        docks[name] = dock
    qtbot.addWidget(win)
    return win, docks


@pytest.fixture
def ini(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def test_layout_round_trip(qtbot, ini):
    win, docks = _window(qtbot)
    win.resize(700, 500)
    win.show()
    qtbot.waitExposed(win)
    win.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, docks["layersDock"])
    docks["imagesDock"].hide()
    qtbot.wait(20)
    save_window_layout(win, ini)
    win.close()

    again, docks2 = _window(qtbot)
    assert again.dockWidgetArea(docks2["layersDock"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    assert restore_window_layout(again, ini) is True
    again.show()
    qtbot.waitExposed(again)
    assert again.dockWidgetArea(docks2["layersDock"]) == Qt.DockWidgetArea.BottomDockWidgetArea
    assert docks2["imagesDock"].isHidden()
    assert again.size().toTuple() == (700, 500)


def test_restore_onto_a_screen_that_is_gone(qtbot, ini):
    win, _ = _window(qtbot)
    win.setGeometry(4000, 300, 900, 700)  # where the second monitor used to be
    save_window_layout(win, ini)
    again, _ = _window(qtbot)
    restore_window_layout(again, ini, screens=[QRect(0, 0, 1280, 1024)])
    frame = again.frameGeometry()
    assert QRect(0, 0, 1280, 1024).contains(frame), frame
    # and with the real screens of this session
    again2, _ = _window(qtbot)
    restore_window_layout(again2, ini)
    from PySide6.QtGui import QGuiApplication

    avail = [s.availableGeometry() for s in QGuiApplication.screens()]
    assert any(a.contains(again2.frameGeometry().topLeft()) for a in avail)


def test_floating_dock_is_brought_back(qtbot):
    _win, docks = _window(qtbot)
    dock = docks["imagesDock"]
    dock.setFloating(True)
    dock.setGeometry(5000, 5000, 300, 200)
    assert ensure_on_screen(dock, [QRect(0, 0, 1280, 1024)]) is True
    assert QRect(0, 0, 1280, 1024).contains(dock.frameGeometry())
    assert ensure_on_screen(dock, [QRect(0, 0, 1280, 1024)]) is False


def test_corrupt_or_other_version_settings_change_nothing(qtbot, ini):
    win, docks = _window(qtbot)
    ini.setValue("mainWindow/geometry", "not bytes")
    ini.setValue("mainWindow/state", b"\x00garbage")
    ini.setValue("mainWindow/layoutVersion", "x")
    assert restore_window_layout(win, ini) is False
    assert win.dockWidgetArea(docks["layersDock"]) == Qt.DockWidgetArea.LeftDockWidgetArea

    win.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, docks["layersDock"])
    save_window_layout(win, ini, version=1)
    again, docks2 = _window(qtbot)
    restore_window_layout(again, ini, version=2)  # docks changed since: ignore the old layout
    assert again.dockWidgetArea(docks2["layersDock"]) == Qt.DockWidgetArea.LeftDockWidgetArea
    empty = QSettings(str(ini.fileName()) + ".empty.ini", QSettings.Format.IniFormat)
    assert restore_window_layout(again, empty) is False


def test_remembered_directories(tmp_path, ini):
    assert last_directory("sessions", ini)  # home when nothing is known
    remember_directory(tmp_path / "a.smile.json", "sessions", ini)
    assert last_directory("sessions", ini) == str(tmp_path)
    remember_directory(tmp_path / "gone", "movies", ini)
    assert last_directory("movies", ini) == str(tmp_path)
    ini.setValue("directories/old", str(tmp_path / "deleted"))
    assert last_directory("old", ini) != str(tmp_path / "deleted")
