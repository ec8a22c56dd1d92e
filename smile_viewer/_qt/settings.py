"""Window and dock layout saved with QSettings, restored safely; remembered directories.

- :func:`save_window_layout` stores a main window's geometry and dock/toolbar state (docks
  and toolbars need an ``objectName``, Qt finds them by it).
- :func:`restore_window_layout` puts them back, then makes sure the window and every floating
  dock are on a screen that exists *now*: a layout saved with a second monitor (or a larger
  one, or a projector) that is gone would otherwise open the window off-screen. Corrupt or
  incompatible settings (another ``version`` of the dock layout) are ignored: the window
  keeps its default layout.
- :func:`clamp_rect_to_screens` is the pure rule behind it (tested without screens).
- :func:`last_directory` / :func:`remember_directory` for file dialogs.

Settings live where Qt puts them for organisation and application "smile-viewer"
(``~/.config/smile-viewer/smile-viewer.conf`` on Linux); tests pass their own
``QSettings(path, QSettings.Format.IniFormat)``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QByteArray, QRect, QSettings
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QMainWindow, QToolBar, QWidget

from smile_viewer._qt.pyside_compat import apply_pyside_fixes

apply_pyside_fixes()

log = logging.getLogger(__name__)

__all__ = [
    "LAYOUT_VERSION",
    "app_settings",
    "clamp_rect_to_screens",
    "ensure_on_screen",
    "last_directory",
    "remember_directory",
    "restore_window_layout",
    "save_window_layout",
]

ORGANIZATION = "smile-viewer"
APPLICATION = "smile-viewer"

#: Version of the dock layout; raise it when docks are renamed or removed so that old saved
#: layouts are ignored rather than half-applied.
LAYOUT_VERSION = 1


def app_settings() -> QSettings:
    """The application's QSettings (organisation and application "smile-viewer")."""
    return QSettings(ORGANIZATION, APPLICATION)


# -- geometry rules --------------------------------------------------------------------------------
def _contains_point(screens: Sequence[QRect], x: int, y: int) -> bool:
    return any(s.contains(x, y) for s in screens)


def clamp_rect_to_screens(rect: QRect, screens: Sequence[QRect]) -> QRect:
    """Where a window with frame ``rect`` should go, given the screens' available areas.

    ``screens``: available geometries, the primary screen first. A rect whose four corners
    all lie on screens (one screen, or neighbouring ones) is kept. Otherwise it goes onto the
    screen it overlaps most (the primary one when it overlaps none: its screen is gone),
    shrunk to fit that screen and moved inside it.
    """
    if not screens:
        return QRect(rect)
    r = QRect(rect)
    if r.width() <= 0 or r.height() <= 0:
        r.setSize(screens[0].size() * 0.75)
    corners = ((r.left(), r.top()), (r.right(), r.top()), (r.left(), r.bottom()), (r.right(), r.bottom()))
    if all(_contains_point(screens, x, y) for x, y in corners):
        return r

    def overlap(s: QRect) -> int:
        i = s.intersected(r)
        return i.width() * i.height() if not i.isEmpty() else 0

    best = max(screens, key=overlap)
    if overlap(best) == 0:
        best = screens[0]
    w = min(r.width(), best.width())
    h = min(r.height(), best.height())
    x = min(max(r.left(), best.left()), best.left() + best.width() - w)
    y = min(max(r.top(), best.top()), best.top() + best.height() - h)
    return QRect(x, y, w, h)


def _available_screens() -> list[QRect]:
    app = QGuiApplication.instance()
    if app is None:
        return []
    primary = QGuiApplication.primaryScreen()
    screens = [s for s in QGuiApplication.screens() if s is not None]
    if primary is not None and primary in screens:
        screens.remove(primary)
        screens.insert(0, primary)
    return [s.availableGeometry() for s in screens]


def ensure_on_screen(widget: QWidget, screens: Sequence[QRect] | None = None) -> bool:
    """Move/resize a top-level widget (window, floating dock) onto existing screens.

    Returns True when it had to be moved.
    """
    screens = list(screens) if screens is not None else _available_screens()
    if not screens:
        return False
    frame = widget.frameGeometry()
    target = clamp_rect_to_screens(frame, screens)
    if target == frame:
        return False
    # frame (with window decorations) vs. client geometry
    geo = widget.geometry()
    dw, dh = frame.width() - geo.width(), frame.height() - geo.height()
    widget.resize(max(1, target.width() - dw), max(1, target.height() - dh))
    widget.move(target.left(), target.top())  # move() places the frame's top left corner
    log.info(
        "moved %s onto a screen: %s -> %s",
        widget.objectName() or type(widget).__name__,
        frame.getRect(),
        target.getRect(),
    )
    return True


# -- save and restore ------------------------------------------------------------------------------
def _check_object_names(window: QMainWindow) -> None:
    for w in window.findChildren(QDockWidget) + window.findChildren(QToolBar):
        if not w.objectName():
            log.warning(
                "%s %r has no objectName: its place cannot be saved", type(w).__name__, w.windowTitle()
            )


def save_window_layout(
    window: QMainWindow,
    settings: QSettings | None = None,
    *,
    group: str = "mainWindow",
    version: int = LAYOUT_VERSION,
) -> None:
    """Store the window's geometry and dock/toolbar layout under ``group``."""
    s = settings if settings is not None else app_settings()
    _check_object_names(window)
    s.beginGroup(group)
    try:
        s.setValue("geometry", window.saveGeometry())
        s.setValue("state", window.saveState(version))
        s.setValue("layoutVersion", int(version))
        s.setValue("maximized", bool(window.isMaximized()))
    finally:
        s.endGroup()
    s.sync()


def _bytes(value) -> QByteArray | None:
    if isinstance(value, QByteArray):
        return value if not value.isEmpty() else None
    if isinstance(value, (bytes, bytearray)) and value:
        return QByteArray(bytes(value))
    return None


def restore_window_layout(
    window: QMainWindow,
    settings: QSettings | None = None,
    *,
    group: str = "mainWindow",
    version: int = LAYOUT_VERSION,
    screens: Sequence[QRect] | None = None,
) -> bool:
    """Restore what :func:`save_window_layout` stored; returns True when a layout was applied.

    Call it after the docks exist and before ``show()``. Missing, corrupt or other-version
    settings leave the window as it is (False). Afterwards the window and its floating docks
    are moved onto the screens that exist (``screens``: available geometries to use instead
    of the real ones, for tests).
    """
    s = settings if settings is not None else app_settings()
    s.beginGroup(group)
    try:
        geometry = _bytes(s.value("geometry"))
        state = _bytes(s.value("state"))
        try:
            saved_version = int(s.value("layoutVersion", -1))
        except (TypeError, ValueError):
            saved_version = -1
    finally:
        s.endGroup()
    applied = False
    if geometry is not None:
        try:
            applied = bool(window.restoreGeometry(geometry)) or applied
        except Exception:  # corrupt bytes: Qt returns False, but be safe
            log.warning("ignored an unreadable saved window geometry", exc_info=True)
    if state is not None and saved_version == int(version):
        try:
            applied = bool(window.restoreState(state, int(version))) or applied
        except Exception:
            log.warning("ignored an unreadable saved dock layout", exc_info=True)
    elif state is not None:
        log.info(
            "saved dock layout is version %s, this is %s: using the default layout", saved_version, version
        )
    ensure_on_screen(window, screens)
    for dock in window.findChildren(QDockWidget):
        if dock.isFloating():
            ensure_on_screen(dock, screens)
    return applied


# -- directories for file dialogs ------------------------------------------------------------------
def last_directory(key: str = "default", settings: QSettings | None = None) -> str:
    """The directory last used by a file dialog of kind ``key`` (home when unknown or gone)."""
    s = settings if settings is not None else app_settings()
    value = s.value(f"directories/{key}")
    if isinstance(value, str) and value and Path(value).is_dir():
        return value
    return str(Path.home())


def remember_directory(path, key: str = "default", settings: QSettings | None = None) -> None:
    """Remember the directory of ``path`` (a file or a directory) for file dialogs of kind ``key``."""
    p = Path(path).expanduser()
    directory = p if p.is_dir() else p.parent
    s = settings if settings is not None else app_settings()
    s.setValue(f"directories/{key}", str(directory))
