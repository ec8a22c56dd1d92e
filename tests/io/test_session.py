"""Session files: round trip, and a clear SessionError (changing nothing) for every bad file."""

from __future__ import annotations

import json
import os

import pytest
from pydantic import BaseModel, Field

import smile_viewer
from smile_viewer.errors import UserInputError
from smile_viewer.io import session as session_mod
from smile_viewer.io.session import (
    SESSION_FORMAT,
    SessionError,
    load_session,
    read_session_envelope,
    save_session,
)

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


class Wind(BaseModel):
    density_cm3: float = Field(5.0, gt=0)
    speed_kms: float = 400.0


class Demo(BaseModel):
    name: str = "demo"
    wind: Wind = Wind()
    layers: list[str] = ["earth", "orbit"]
    opacity: float = Field(1.0, ge=0, le=1)


def _write(path, obj) -> None:
    path.write_text(json.dumps(obj))


def _envelope(state, version=1, **extra):
    return {"format": SESSION_FORMAT, "schema_version": version, "app_version": "0.1.0",
            "state": state, **extra}


def test_round_trip(tmp_path):
    model = Demo(name="x", wind=Wind(density_cm3=12.5, speed_kms=650), layers=["orbit"], opacity=0.25)
    p = save_session(tmp_path / "s.smile.json", model, 2)
    data = json.loads(p.read_text())
    assert data["format"] == SESSION_FORMAT
    assert data["schema_version"] == 2
    assert data["app_version"] == smile_viewer.__version__
    assert data["saved_utc"].endswith("Z")
    again = load_session(p, Demo, current_version=2)
    assert again == model and again is not model
    assert read_session_envelope(p)["state"]["wind"]["speed_kms"] == 650


def test_round_trip_of_the_scene_state(tmp_path):
    from smile_viewer.state import SceneState

    state = SceneState(time="2026-03-20T12:00", camera_preset="north")
    state.layers.orbit = False
    p = save_session(tmp_path / "scene.json", state, 1)
    again = load_session(p, SceneState, 1)
    assert again.time == state.time
    assert again.camera_preset == "north" and again.layers.orbit is False


def test_missing_file(tmp_path):
    with pytest.raises(SessionError, match="no such file") as info:
        load_session(tmp_path / "nope.json", Demo, 1)
    assert isinstance(info.value, UserInputError)
    assert info.value.path.endswith("nope.json")


def test_directory_instead_of_a_file(tmp_path):
    with pytest.raises(SessionError, match="is a directory"):
        load_session(tmp_path, Demo, 1)


def test_corrupt_json_names_line_and_column(tmp_path):
    p = tmp_path / "bad.json"
    p.write_text('{\n  "format": "smile-viewer-session",\n  "schema_version": 1,\n  "state": {"name": \n')
    with pytest.raises(SessionError, match=r"not valid JSON \(line 5, column 1") as info:
        load_session(p, Demo, 1)
    assert str(info.value).startswith(str(p))
    assert "Traceback" not in str(info.value) and len(str(info.value).splitlines()) == 1


def test_truncated_file(tmp_path):
    p = tmp_path / "trunc.json"
    good = tmp_path / "good.json"
    save_session(good, Demo(), 1)
    p.write_bytes(good.read_bytes()[:40])
    with pytest.raises(SessionError, match="not valid JSON"):
        load_session(p, Demo, 1)


def test_empty_and_binary_files(tmp_path):
    empty = tmp_path / "empty.json"
    empty.write_text("")
    with pytest.raises(SessionError, match="empty"):
        load_session(empty, Demo, 1)
    binary = tmp_path / "image.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    with pytest.raises(SessionError, match="not a text"):
        load_session(binary, Demo, 1)


def test_wrong_top_level_type(tmp_path):
    p = tmp_path / "list.json"
    _write(p, [1, 2, 3])
    with pytest.raises(SessionError, match="holds a JSON array, expected an object"):
        load_session(p, Demo, 1)


def test_not_a_session(tmp_path):
    p = tmp_path / "other.json"
    _write(p, {"hello": "world"})
    with pytest.raises(SessionError, match="not a smile-viewer session"):
        load_session(p, Demo, 1)
    _write(p, {"format": "napari-session", "schema_version": 1, "state": {}})
    with pytest.raises(SessionError, match="format is 'napari-session'"):
        load_session(p, Demo, 1)


def test_bad_version_and_state_types(tmp_path):
    p = tmp_path / "v.json"
    _write(p, _envelope({}, version="2"))
    with pytest.raises(SessionError, match='"schema_version" must be an integer'):
        load_session(p, Demo, 3)
    _write(p, _envelope({}, version=True))
    with pytest.raises(SessionError, match='"schema_version" must be an integer'):
        load_session(p, Demo, 3)
    _write(p, _envelope([1], version=1))
    with pytest.raises(SessionError, match='"state" must be a JSON object, got array'):
        load_session(p, Demo, 3)


def test_wrong_field_type_names_the_field(tmp_path):
    p = tmp_path / "types.json"
    _write(p, _envelope({"name": "x", "wind": {"density_cm3": "lots"}}))
    with pytest.raises(SessionError) as info:
        load_session(p, Demo, 1)
    msg = str(info.value)
    assert "invalid session" in msg
    assert "field 'wind.density_cm3'" in msg and "'lots'" in msg
    assert len(msg.splitlines()) == 1


def test_out_of_range_and_several_problems_are_summarised(tmp_path):
    p = tmp_path / "many.json"
    _write(p, _envelope({"wind": {"density_cm3": -1, "speed_kms": "fast"}, "opacity": 7,
                         "layers": [1, 2]}))
    with pytest.raises(SessionError) as info:
        load_session(p, Demo, 1)
    msg = str(info.value)
    assert "field 'wind.density_cm3': Input should be greater than 0 (got -1)" in msg
    assert "and 3 more problems" in msg
    assert len(msg) < 400


def test_missing_required_field(tmp_path):
    class Strict(BaseModel):
        required_value: int

    p = tmp_path / "missing.json"
    _write(p, _envelope({}))
    with pytest.raises(SessionError, match="field 'required_value' is missing"):
        load_session(p, Strict, 1)


def test_newer_version_is_refused_with_both_versions_named(tmp_path):
    p = tmp_path / "new.json"
    _write(p, _envelope({"name": "x"}, version=7, app_version="9.2.0"))
    with pytest.raises(SessionError) as info:
        load_session(p, Demo, current_version=3)
    msg = str(info.value)
    assert "written by a newer smile-viewer (9.2.0)" in msg
    assert f"this is smile-viewer {smile_viewer.__version__}" in msg
    assert "formats up to 3" in msg


def test_older_version_is_migrated(tmp_path):
    p = tmp_path / "old.json"
    _write(p, _envelope({"title": "renamed", "wind": {"n": 3.0}}, version=1))
    calls = []

    def v1_to_v2(state):
        calls.append(1)
        state["name"] = state.pop("title")
        return state

    def v2_to_v3(state):
        calls.append(2)
        state["wind"] = {"density_cm3": state["wind"].pop("n")}
        return state

    model = load_session(p, Demo, 3, migrations={1: v1_to_v2, 2: v2_to_v3})
    assert calls == [1, 2]
    assert model.name == "renamed" and model.wind.density_cm3 == 3.0


def test_failing_migration_is_a_session_error(tmp_path):
    p = tmp_path / "old.json"
    _write(p, _envelope({}, version=1))
    with pytest.raises(SessionError, match="cannot upgrade the session from format 1 to 2: KeyError"):
        load_session(p, Demo, 2, migrations={1: lambda s: s["absent"]})


def test_permission_denied_on_read(tmp_path, monkeypatch):
    p = tmp_path / "locked.json"
    save_session(p, Demo(), 1)

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(session_mod.Path, "read_bytes", denied)
    with pytest.raises(SessionError, match="cannot read the file: permission denied"):
        load_session(p, Demo, 1)


@pytest.mark.skipif(IS_ROOT, reason="root reads files whatever their permissions")
def test_permission_denied_on_a_real_file(tmp_path):
    p = tmp_path / "locked.json"
    save_session(p, Demo(), 1)
    os.chmod(p, 0)
    try:
        with pytest.raises(SessionError, match="permission denied"):
            load_session(p, Demo, 1)
    finally:
        os.chmod(p, 0o644)


def test_save_errors_are_session_errors(tmp_path):
    with pytest.raises(SessionError, match="does not exist"):
        save_session(tmp_path / "no" / "dir" / "s.json", Demo(), 1)
    with pytest.raises(SessionError, match="is a directory"):
        save_session(tmp_path, Demo(), 1)
    with pytest.raises(ValueError, match="schema_version"):
        save_session(tmp_path / "s.json", Demo(), 0)


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    p = tmp_path / "s.json"
    save_session(p, Demo(name="first"), 1)
    before = p.read_bytes()
    from smile_viewer.io import atomic

    def no_space(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", no_space)
    with pytest.raises(SessionError, match="No space left on device"):
        save_session(p, Demo(name="second"), 1)
    assert p.read_bytes() == before
    assert load_session(p, Demo, 1).name == "first"
    assert [q.name for q in tmp_path.iterdir()] == ["s.json"], "no temporary file is left behind"


def test_save_is_atomic_when_serialisation_fails_midway(tmp_path, monkeypatch):
    """A failure while the new file is being written (after it was opened) keeps the old one."""
    p = tmp_path / "s.json"
    save_session(p, Demo(name="first"), 1)
    before = p.read_bytes()
    real_open = open
    import builtins

    class ExplodingFile:
        def __init__(self, fh):
            self._fh = fh

        def write(self, text):
            self._fh.write(text[: len(text) // 2])
            raise OSError(5, "Input/output error")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._fh.close()

    def fake_open(file, mode="r", *args, **kwargs):
        fh = real_open(file, mode, *args, **kwargs)
        return ExplodingFile(fh) if ".tmp" in str(file) and "w" in mode else fh

    monkeypatch.setattr(builtins, "open", fake_open)
    with pytest.raises(SessionError, match="Input/output error"):
        save_session(p, Demo(name="second"), 1)
    monkeypatch.setattr(builtins, "open", real_open)
    assert p.read_bytes() == before
    assert sorted(q.name for q in tmp_path.iterdir()) == ["s.json"]


def test_model_that_cannot_serialise(tmp_path):
    class Weird(BaseModel):
        model_config = {"arbitrary_types_allowed": True}
        thing: object = None

    with pytest.raises(SessionError, match="cannot save the session"):
        save_session(tmp_path / "w.json", Weird(thing=object()), 1)
    assert not (tmp_path / "w.json").exists()
