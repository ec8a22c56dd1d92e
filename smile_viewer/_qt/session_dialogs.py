"""File ▸ Open session… / Save session as…: file dialogs around :mod:`smile_viewer.state.session`
(the one session reader and writer, shared with ``smile-viewer render --session`` and Python).

- :func:`ask_open_session` asks for a file, loads and validates it completely and returns
  the new :class:`~smile_viewer.state.app.AppState`; a bad file (corrupt, not a session,
  fields that do not validate, written by a newer smile-viewer) shows one warning dialog
  naming the file and the problem, and returns None: **nothing is changed**. The caller applies the returned state in one step.
- :func:`ask_save_session` asks for a file name (``.smile.json`` added when there is no
  extension) and writes atomically; a failure shows a dialog and returns None.
- :func:`show_session_error` is the dialog itself (for sessions opened from the command
  line or by drag and drop).

The folder last used is remembered (:func:`smile_viewer._qt.settings.last_directory`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from smile_viewer._qt.pyside_compat import apply_pyside_fixes
from smile_viewer._qt.settings import last_directory, remember_directory
from smile_viewer.state.app import AppState
from smile_viewer.state.session import SESSION_SUFFIX, SessionError, load_session, save_session

apply_pyside_fixes()

__all__ = ["SESSION_FILTER", "ask_open_session", "ask_save_session", "show_session_error"]

#: File dialog filter for sessions.
SESSION_FILTER = f"smile-viewer sessions (*{SESSION_SUFFIX} *.json);;All files (*)"
_DIR_KEY = "sessions"


def show_session_error(parent: QWidget | None, error: SessionError, *, action: str = "open") -> None:
    """A warning dialog: which file, what is wrong, and that nothing was changed."""
    title = "Open session" if action == "open" else "Save session"
    box = QMessageBox(
        QMessageBox.Icon.Warning,
        title,
        f"The session could not be {'opened' if action == 'open' else 'saved'}.",
        parent=parent,
    )
    box.setObjectName("sessionErrorDialog")
    consequence = "Nothing was changed." if action == "open" else "Any existing file was left as it was."
    problem = error.problem[:1].upper() + error.problem[1:]
    box.setInformativeText(f"{problem}\n\n{consequence}")
    box.setDetailedText(f"File: {error.path}")
    box.exec()


def ask_open_session(
    parent: QWidget | None, *, settings: QSettings | None = None, path=None
) -> tuple[AppState, Path] | None:
    """Ask for a session file and load it; returns ``(state, path)`` or None (cancelled or bad).

    ``path``: skip the file dialog and load this file (errors still shown as a dialog).
    """
    if path is None:
        chosen, _ = QFileDialog.getOpenFileName(
            parent, "Open session", last_directory(_DIR_KEY, settings), SESSION_FILTER
        )
        if not chosen:
            return None
        path = chosen
    p = Path(path).expanduser()
    try:
        state = load_session(p)
    except SessionError as exc:
        show_session_error(parent, exc, action="open")
        return None
    remember_directory(p, _DIR_KEY, settings)
    return state, p


def ask_save_session(
    parent: QWidget | None,
    state: AppState,
    *,
    settings: QSettings | None = None,
    path=None,
    suggested_name: str = "session",
) -> Path | None:
    """Ask for a file name and save ``state``; returns the path, or None (cancelled or failed)."""
    if path is None:
        start = str(Path(last_directory(_DIR_KEY, settings)) / f"{suggested_name}{SESSION_SUFFIX}")
        chosen, _ = QFileDialog.getSaveFileName(parent, "Save session", start, SESSION_FILTER)
        if not chosen:
            return None
        path = chosen
    p = Path(path).expanduser()
    if not p.suffix:
        p = p.with_name(p.name + SESSION_SUFFIX)
    try:
        saved = save_session(p, state)
    except SessionError as exc:
        show_session_error(parent, exc, action="save")
        return None
    remember_directory(saved, _DIR_KEY, settings)
    return saved
