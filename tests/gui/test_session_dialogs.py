"""Open/Save session dialogs: a bad file shows one clear dialog and changes nothing."""

from __future__ import annotations

import json

import pytest
from pydantic import BaseModel
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QMessageBox

from smile_viewer._qt import session_dialogs
from smile_viewer._qt.session_dialogs import ask_open_session, ask_save_session
from smile_viewer.io.session import SESSION_FORMAT


class State(BaseModel):
    density_cm3: float = 5.0
    title: str = "default"


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
    saved = ask_save_session(None, State(density_cm3=12.0, title="storm"), 3, settings=ini)
    assert saved == tmp_path / "my-run.smile.json" and saved.exists()
    assert json.loads(saved.read_text())["schema_version"] == 3

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(saved), ""))
    model, path = ask_open_session(None, State, 3, settings=ini)
    assert model == State(density_cm3=12.0, title="storm") and path == saved
    assert dialogs == []
    assert session_dialogs.last_directory("sessions", ini) == str(tmp_path)


def test_cancelled_dialogs_return_none(qtbot, ini, monkeypatch, dialogs):
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: ("", ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: ("", ""))
    assert ask_open_session(None, State, 1, settings=ini) is None
    assert ask_save_session(None, State(), 1, settings=ini) is None
    assert dialogs == []


def test_bad_and_newer_files_show_one_dialog_and_return_none(qtbot, tmp_path, ini, dialogs):
    bad = tmp_path / "bad.smile.json"
    bad.write_text("{not json")
    assert ask_open_session(None, State, 1, settings=ini, path=bad) is None
    newer = tmp_path / "newer.smile.json"
    newer.write_text(json.dumps({"format": SESSION_FORMAT, "schema_version": 9, "app_version": "7.0",
                                 "state": {}}))
    assert ask_open_session(None, State, 2, settings=ini, path=newer) is None
    wrong = tmp_path / "wrong.smile.json"
    wrong.write_text(json.dumps({"format": SESSION_FORMAT, "schema_version": 1,
                                 "state": {"density_cm3": "dense"}}))
    assert ask_open_session(None, State, 1, settings=ini, path=wrong) is None

    assert len(dialogs) == 3
    (t1, _, info1, det1), (_, _, info2, _), (_, _, info3, _) = dialogs
    assert t1 == "Open session" and "Not valid JSON" in info1 and "Nothing was changed." in info1
    assert str(bad) in det1
    assert "Written by a newer smile-viewer (7.0)" in info2
    assert "field 'density_cm3'" in info3


def test_save_failure_shows_a_dialog(qtbot, tmp_path, ini, dialogs):
    missing_dir = tmp_path / "no" / "dir" / "x.smile.json"
    assert ask_save_session(None, State(), 1, settings=ini, path=missing_dir) is None
    assert len(dialogs) == 1 and dialogs[0][0] == "Save session"
    assert "does not exist" in dialogs[0][2] and "left as it was" in dialogs[0][2]
