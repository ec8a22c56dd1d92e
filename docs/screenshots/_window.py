"""Shared by the screenshot scripts: the Qt application, one main window at a size with its own
layout file (so no saved layout of the user's is read or changed), and letting it settle."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def qt_app():
    """The QApplication, vispy on PySide6, workers inline (each result is in before the grab)."""
    os.environ.setdefault("SMILE_SYNC_WORKERS", "1")
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv[:1])
    import vispy.app

    vispy.app.use_app("pyside6")
    return app


def open_window(app, size: tuple[int, int], layout_dir: Path, **kwargs):
    """A shown MainWindow of ``size`` (w, h) px with a fresh layout file in ``layout_dir``."""
    from PySide6.QtCore import QSettings

    from smile_viewer._qt.main_window import MainWindow

    w, h = size
    ini = Path(layout_dir) / f"layout_{w}x{h}.ini"
    win = MainWindow(settings=QSettings(str(ini), QSettings.Format.IniFormat), **kwargs)
    win.resize(w, h)
    win.show()
    for _ in range(20):
        app.processEvents()
    return win


def settle(app, win, before: int = 40, after: int = 40) -> None:
    """Let queued work and paints finish, draw the 3-D view once, then let the panels paint."""
    for _ in range(before):
        app.processEvents()
    win.scene_view.render(alpha=False)
    for _ in range(after):
        app.processEvents()


def save_grab(win, out: Path) -> Path:
    """Grab the whole window into ``out`` (PNG) and say so."""
    win.grab().save(str(out))
    print(f"wrote {out}")
    return out
