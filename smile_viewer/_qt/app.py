"""Start the desktop application: ``run_app() -> int`` (exit status).

Without a display (Linux with neither ``DISPLAY`` nor ``WAYLAND_DISPLAY``, an X server
that does not answer, or Qt's ``offscreen`` platform, which has no OpenGL) it prints what
to do instead on stderr and returns 1: Qt would otherwise abort the process.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from smile_viewer._vispy.headless import x_display_reachable

EXIT_NO_DISPLAY = 1

_NO_GL_PLATFORMS = ("offscreen", "minimal")


def no_display_reason(environ=None) -> str | None:
    """Why the window cannot be shown here, or None when a display looks usable."""
    env = os.environ if environ is None else environ
    platform = env.get("QT_QPA_PLATFORM", "").split(":")[0].strip().lower()
    if platform in _NO_GL_PLATFORMS:
        return f"QT_QPA_PLATFORM={platform} draws no OpenGL, so the 3-D window cannot be shown"
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None  # macOS and Windows always have their window system
    if platform and platform not in ("xcb", "wayland", "wayland-egl"):
        return None  # eglfs, linuxfb, vnc, …: the user chose it, let Qt try
    display, wayland = env.get("DISPLAY"), env.get("WAYLAND_DISPLAY")
    if not display and not wayland:
        return "no display found (DISPLAY and WAYLAND_DISPLAY are not set)"
    if display and not wayland and platform != "wayland":
        if not x_display_reachable(display):
            return f"no X server answers on DISPLAY={display}"
    return None


def no_display_message(reason: str) -> str:
    return (
        f"smile-viewer: cannot open the desktop window: {reason}.\n"
        "  - On a desktop, start smile-viewer from a terminal inside your graphical session.\n"
        "  - On a machine without a screen, run it under a virtual X server:\n"
        "        xvfb-run -a make run          (or: xvfb-run -a .venv/bin/smile-viewer)\n"
        "  - To render the 3-D scene to an image with no window at all:\n"
        "        .venv/bin/smile-viewer render --out scene.png\n"
    )


def run_app(argv: Sequence[str] | None = None, *, state=None, present: bool = False) -> int:
    """Create the QApplication and the main window, show it and run the event loop.

    ``state``: an AppState to open (a loaded session); ``present``: start in presentation mode
    (full screen, docks hidden: :mod:`smile_viewer._qt.presentation`)."""
    reason = no_display_reason()
    if reason is not None:
        print(no_display_message(reason), file=sys.stderr, end="")
        return EXIT_NO_DISPLAY

    # lazy: no display: the message comes before Qt and vispy load (tests/gui/test_first_window.py)
    from PySide6.QtWidgets import QApplication

    # lazy: no display: the message comes before Qt and vispy load (tests/gui/test_first_window.py)
    from smile_viewer._qt.pyside_compat import apply_pyside_fixes

    apply_pyside_fixes()
    app = QApplication.instance()
    if app is None:
        app = QApplication(list(argv) if argv is not None else sys.argv[:1])
    app.setApplicationName("smile-viewer")
    app.setOrganizationName("smile-viewer")
    app.setApplicationDisplayName("smile-viewer")

    # lazy: no display: the message comes before Qt and vispy load (tests/gui/test_first_window.py)
    from smile_viewer._qt.gui_gc import GuiThreadCollector

    # Garbage cycles that hold widgets or GL canvases are freed on the GUI thread only (never
    # in a render worker, where Qt may crash): smile_viewer/_qt/gui_gc.py
    GuiThreadCollector(parent=app).start()

    # lazy: no display: the message comes before Qt and vispy load (tests/gui/test_first_window.py)
    import vispy.app

    vispy.app.use_app("pyside6")

    # lazy: no display: the message comes before Qt and vispy load (tests/gui/test_first_window.py)
    from smile_viewer._qt.main_window import MainWindow

    window = MainWindow(state)
    window.show()
    if present:
        window.presentation.enter()
    return int(app.exec())


__all__ = ["EXIT_NO_DISPLAY", "no_display_message", "no_display_reason", "run_app"]
