"""The help dialog lists the window's real shortcuts (never stale) and the mouse controls."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow

from smile_viewer._qt.help_dialog import (
    MOUSE_CONTROLS_3D,
    HelpDialog,
    collect_shortcuts,
    install_help_action,
    show_help_dialog,
)


def _native(seq: str) -> str:
    return QKeySequence(seq).toString(QKeySequence.SequenceFormat.NativeText)


@pytest.fixture
def window(qtbot):
    win = QMainWindow()
    qtbot.addWidget(win)
    file_menu = win.menuBar().addMenu("&File")
    save = QAction("Save &image…", win)
    save.setShortcut(QKeySequence("Ctrl+S"))
    file_menu.addAction(save)
    file_menu.addSeparator()
    file_menu.addAction(QAction("No shortcut", win))
    view = win.menuBar().addMenu("&View")
    cams = view.addMenu("&Camera")
    north = QAction("From the &north", win)
    north.setShortcut(QKeySequence("Ctrl+3"))
    cams.addAction(north)
    hidden = QAction("Hidden", win)
    hidden.setShortcut(QKeySequence("Ctrl+H"))
    hidden.setVisible(False)
    view.addAction(hidden)
    amp = QAction("Sun && Earth", win)
    amp.setShortcut(QKeySequence("Ctrl+E"))
    view.addAction(amp)
    win.menuBar().addMenu("&Help")
    return win


def test_collect_shortcuts_walks_menus(window):
    rows = collect_shortcuts(window)
    got = {(r.group, r.text, r.keys) for r in rows}
    assert ("File", "Save image…", _native("Ctrl+S")) in got
    assert ("View ▸ Camera", "From the north", _native("Ctrl+3")) in got
    assert ("View", "Sun & Earth", _native("Ctrl+E")) in got
    assert all(r.text not in ("No shortcut", "Hidden") for r in rows)


def test_dialog_lists_shortcuts_and_mouse_and_stays_current(qtbot, window):
    help_action = install_help_action(window)
    assert help_action.objectName() == "action_help_shortcuts"
    assert not help_action.shortcut().isEmpty()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.menu() and a.menu().title() == "&Help")
    assert help_action in help_menu.actions()

    help_action.trigger()
    dialog = window.findChild(HelpDialog, "helpDialog")
    assert dialog is not None and dialog.isVisible()
    rows = dialog.rows()
    assert ("Save image…", _native("Ctrl+S")) in rows
    keys = [k for a, k in rows if a == "Keyboard and mouse…"]
    assert keys and _native("F1") in keys[0].split(", ")
    for how, what in MOUSE_CONTROLS_3D:
        assert (what, how) in rows

    # a new action (or a changed shortcut) shows up the next time: the list is never stale
    new = QAction("Next apogee", window)
    new.setShortcut(QKeySequence("Ctrl+Right"))
    window.addAction(new)
    dialog.hide()
    assert show_help_dialog(window) is dialog, "the dialog is reused"
    assert ("Next apogee", _native("Ctrl+Right")) in dialog.rows()

    dialog.search.setText("apogee")
    assert dialog.rows() == [("Next apogee", _native("Ctrl+Right"))]
    dialog.search.setText("zoom")
    assert all("zoom" in (a + b).lower() for a, b in dialog.rows()) and dialog.rows()
    dialog.search.clear()
    dialog.close()
