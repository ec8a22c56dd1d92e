"""Open/Save session dialogs: a bad file shows one clear dialog and changes nothing."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox

from smile_viewer._qt import session_dialogs
from smile_viewer._qt.session_dialogs import ask_open_session, ask_save_session
from smile_viewer.state import AppState
from smile_viewer.state.session import FORMAT_VERSION, SESSION_FORMAT


def _state(n_cm3=12.0, bow_shock=False) -> AppState:
    app = AppState()
    app.model.solar_wind.n_cm3 = n_cm3
    app.scene.layers.bow_shock = bow_shock
    return app


@pytest.fixture
def ini(tmp_path):
    return QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def dialogs(monkeypatch):
    """Record warning dialogs instead of showing them."""
    shown = []

    def fake_exec(box):
        shown.append((box.windowTitle(), box.text(), box.informativeText(), box.detailedText()))
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return shown


def test_save_then_open_through_the_dialogs(qtbot, tmp_path, ini, dialogs, monkeypatch):
    target = tmp_path / "my-run"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    saved = ask_save_session(None, _state(), settings=ini)
    assert saved == tmp_path / "my-run.smile.json" and saved.exists()
    assert json.loads(saved.read_text())["format_version"] == FORMAT_VERSION

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(saved), ""))
    state, path = ask_open_session(None, settings=ini)
    assert state.to_json() == _state().to_json() and path == saved
    assert state.model.solar_wind.n_cm3 == 12.0 and state.scene.layers.bow_shock is False
    assert dialogs == []
    assert session_dialogs.last_directory("sessions", ini) == str(tmp_path)


def test_cancelled_dialogs_return_none(qtbot, ini, monkeypatch, dialogs):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert ask_open_session(None, settings=ini) is None
    assert ask_save_session(None, AppState(), settings=ini) is None
    assert dialogs == []


def test_bad_and_newer_files_show_one_dialog_and_return_none(qtbot, tmp_path, ini, dialogs):
    bad = tmp_path / "bad.smile.json"
    bad.write_text("{not json")
    assert ask_open_session(None, settings=ini, path=bad) is None
    newer = tmp_path / "newer.smile.json"
    newer.write_text(
        json.dumps({"format": SESSION_FORMAT, "format_version": 9, "app_version": "7.0", "state": {}})
    )
    assert ask_open_session(None, settings=ini, path=newer) is None
    wrong = tmp_path / "wrong.smile.json"
    wrong.write_text(
        json.dumps(
            {
                "format": SESSION_FORMAT,
                "format_version": FORMAT_VERSION,
                "state": {"model": {"solar_wind": {"n_cm3": "dense"}}},
            }
        )
    )
    assert ask_open_session(None, settings=ini, path=wrong) is None

    assert len(dialogs) == 3
    (t1, _, info1, det1), (_, _, info2, _), (_, _, info3, _) = dialogs
    assert t1 == "Open session" and "Not valid JSON" in info1 and "Nothing was changed." in info1
    assert str(bad) in det1
    assert "Written by a newer smile-viewer (7.0)" in info2
    assert "field 'model.solar_wind.n_cm3'" in info3


def test_save_failure_shows_a_dialog(qtbot, tmp_path, ini, dialogs):
    missing_dir = tmp_path / "no" / "dir" / "x.smile.json"
    assert ask_save_session(None, AppState(), settings=ini, path=missing_dir) is None
    assert len(dialogs) == 1 and dialogs[0][0] == "Save session"
    assert "does not exist" in dialogs[0][2] and "left as it was" in dialogs[0][2]
