"""Session files (smile_viewer.state.session): one format, migrations from both 0.1 layouts, and a
one-line SessionError that changes nothing for every bad file."""

from __future__ import annotations

import json

import pytest

import smile_viewer
from smile_viewer.errors import DataFileError
from smile_viewer.state import AppState
from smile_viewer.state import session as session_mod
from smile_viewer.state.session import (
    FORMAT_VERSION,
    MAX_SESSION_BYTES,
    SESSION_FORMAT,
    SessionError,
    SessionVersionError,
    load_session,
    parse_session,
    save_session,
)

# -- the two layouts smile-viewer 0.1 wrote, by hand (not by our writer) ------------------------------
#: the former ``AppState.save``: bare state, version at the top (used by ``render --session``)
BARE_V1 = """{
  "schema_version": 1,
  "scene": {"time": "2026-03-20T12:00:00.000", "frame": "gsm",
            "layers": {"bow_shock": false, "field_lines": true}, "camera_preset": "north"},
  "model": {"solar_wind": {"n_cm3": 12.5, "v_km_s": 650.0, "bz_nt": -7.5}},
  "instruments": {"sxi": {"name": "sxi", "pointing": {"roll_deg": -20.0}, "exposure_s": 120.0,
                          "pixel_grid": [265, 155]}},
  "volume": {"shape": [96, 80, 64], "render_mode": "mip"}
}
"""

#: the former ``smile_viewer.io.session`` envelope (used by the GUI), the state carrying its own version
ENVELOPE_V1 = """{
  "format": "smile-viewer-session",
  "schema_version": 1,
  "app_version": "0.1.0",
  "saved_utc": "2026-03-21T08:15:00Z",
  "state": {
    "schema_version": 1,
    "scene": {"time": "2026-04-01T06:30:00.000", "layers": {"magnetopause": false},
              "styles": {"orbit": {"opacity": 0.25, "color": "#ff0000"}}},
    "model": {"solar_wind": {"n_cm3": 20.0, "by_nt": 3.0}},
    "instruments": {"uvi": {"name": "uvi", "pointing": {"mode": "auroral_oval", "aim_re": [0.0, 0.0, 1.0],
                                                        "roll_deg": 5.0},
                            "exposure_s": 30.0, "pixel_grid": [128, 128]}}
  }
}
"""


def _changed() -> AppState:
    app = AppState()
    app.scene.time = "2026-03-20T12:00:00"
    app.scene.layers.bow_shock = False
    app.model.solar_wind.n_cm3 = 12.5
    app.instruments.sxi.pointing.roll_deg = -20.0
    app.volume.render_mode = "mip"
    return app


# -- the format -----------------------------------------------------------------------------------------
def test_save_writes_one_envelope_and_load_gives_the_same_state(tmp_path):
    app = _changed()
    path = save_session(tmp_path / "s.smile.json", app)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert list(data) == ["format", "format_version", "app_version", "state"]
    assert data["format"] == SESSION_FORMAT == "smile-viewer-session"
    assert data["format_version"] == FORMAT_VERSION == 2
    assert data["app_version"] == smile_viewer.__version__
    assert set(data["state"]) == {"scene", "model", "instruments", "volume", "tour"}  # no version inside
    assert data["state"]["model"]["solar_wind"]["n_cm3"] == 12.5
    assert data["state"]["scene"]["layers"]["bow_shock"] is False
    back = load_session(path)
    assert back is not app and back.to_json() == app.to_json()
    assert back.scene.time.isot.startswith("2026-03-20T12:00:00")
    assert not list(tmp_path.glob(".*")), "no temporary file left behind"


def test_appstate_methods_are_the_session_module(tmp_path):
    app = _changed()
    assert app.to_json() == session_mod.session_text(app)
    assert app.save(tmp_path / "a.json").read_text(encoding="utf-8") == app.to_json()
    assert AppState.load(tmp_path / "a.json").to_json() == app.to_json()
    assert AppState.from_json(app.to_json()).to_json() == app.to_json()


# -- migrations from both 0.1 layouts -------------------------------------------------------------------
def test_bare_appstate_layout_of_format_1_is_read(tmp_path):
    p = tmp_path / "old_render.json"
    p.write_text(BARE_V1, encoding="utf-8")
    app = load_session(p)
    assert app.scene.time.isot == "2026-03-20T12:00:00.000" and app.scene.frame == "gsm"
    assert app.scene.layers.bow_shock is False and app.scene.layers.field_lines is True
    assert app.scene.layers.magnetopause is True, "fields absent from the file take their defaults"
    assert app.scene.camera_preset == "north"
    sw = app.model.solar_wind
    assert (sw.n_cm3, sw.v_km_s, sw.bz_nt) == (12.5, 650.0, -7.5)
    assert app.instruments.sxi.pointing.roll_deg == -20.0 and app.instruments.sxi.exposure_s == 120.0
    assert app.volume.shape == (96, 80, 64) and app.volume.render_mode == "mip"
    # saved again, it is in the current format
    again = json.loads(save_session(tmp_path / "new.json", app).read_text())
    assert again["format_version"] == FORMAT_VERSION and "schema_version" not in again["state"]


def test_gui_envelope_of_format_1_is_read(tmp_path):
    p = tmp_path / "old_gui.smile.json"
    p.write_text(ENVELOPE_V1, encoding="utf-8")
    app = load_session(p)
    assert app.scene.time.isot == "2026-04-01T06:30:00.000"
    assert app.scene.layers.magnetopause is False
    assert app.scene.styles.orbit.opacity == 0.25 and app.scene.styles.orbit.color == "#ff0000"
    assert app.model.solar_wind.n_cm3 == 20.0 and app.model.solar_wind.by_nt == 3.0
    assert app.model.solar_wind.bz_nt == AppState().model.solar_wind.bz_nt
    assert app.instruments.uvi.exposure_s == 30.0 and app.instruments.uvi.pixel_grid == (128, 128)
    assert app.instruments.uvi.pointing.roll_deg == 5.0


def test_a_utf8_bom_is_accepted(tmp_path):
    p = tmp_path / "bom.json"
    p.write_bytes(b"\xef\xbb\xbf" + BARE_V1.encode())
    assert load_session(p).model.solar_wind.n_cm3 == 12.5


# -- bad sessions: one line naming the file, state unchanged ------------------------------------------
NEWER_ENVELOPE = (
    '{"format": "smile-viewer-session", "format_version": 3, "app_version": "0.9.0", "state": {}}'
)
NEWER_OLD_ENVELOPE = '{"format": "smile-viewer-session", "schema_version": 2, "state": {"scene": {}}}'
NEWER_BARE = '{"schema_version": 7, "scene": {}}'


@pytest.mark.parametrize(
    "text, message",
    [
        (
            NEWER_ENVELOPE,
            r"written by a newer smile-viewer \(0\.9\.0\) in session format 3; .* reads formats up to 2",
        ),
        (NEWER_OLD_ENVELOPE, r"written by a newer smile-viewer in session format 2"),
        (NEWER_BARE, r"written by a newer smile-viewer in session format 7"),
    ],
)
def test_newer_formats_are_refused(tmp_path, text, message):
    p = tmp_path / "newer.json"
    p.write_text(text)
    with pytest.raises(SessionVersionError, match=message) as info:
        load_session(p)
    assert str(info.value).startswith(f"{p}: ") and "Update smile-viewer" in str(info.value)


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "the file is empty"),
        ('{\n  "format": "smile-viewer-session",\n  "state": {\n', r"not valid JSON \(line 4, column 1"),
        ("garbage, not JSON at all", r"not valid JSON \(line 1, column 1"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe", "not a text .UTF-8. file"),
        ("[1, 2, 3]", "holds a JSON array, expected an object"),
        ('{"hello": "world"}', "not a smile-viewer session"),
        ('{"format": "napari-session", "format_version": 1, "state": {}}', "format is 'napari-session'"),
        ('{"format": "smile-viewer-session", "state": {}}', 'no "format_version"'),
        ('{"format": "smile-viewer-session", "format_version": 2}', 'invalid session: no "state"'),
        (
            '{"format": "smile-viewer-session", "format_version": "2", "state": {}}',
            '"format_version" must be a whole number',
        ),
        ('{"format": "smile-viewer-session", "format_version": true, "state": {}}', "must be a whole number"),
        ('{"format": "smile-viewer-session", "format_version": 0, "state": {}}', "must be 1 or more"),
        (
            '{"format": "smile-viewer-session", "format_version": 2, "state": [1]}',
            '"state" must be a JSON object, got array',
        ),
        ('{"schema_version": "1"}', '"schema_version" must be a whole number'),
        # wrong types and values inside the state: the field is named
        (
            '{"format": "smile-viewer-session", "format_version": 2, '
            '"state": {"model": {"solar_wind": {"n_cm3": "dense"}}}}',
            "field 'model.solar_wind.n_cm3'",
        ),
        (
            '{"format": "smile-viewer-session", "format_version": 2, '
            '"state": {"scene": {"frame": "heliocentric"}}}',
            "field 'scene.frame'",
        ),
        (
            '{"format": "smile-viewer-session", "format_version": 2, "state": {"volume": {"shape": "big"}}}',
            "field 'volume.shape'",
        ),
        (
            '{"format": "smile-viewer-session", "format_version": 2, "state": {"surprise": true}}',
            "field 'surprise'",
        ),
        # format 2 holds no version inside the state
        (
            '{"format": "smile-viewer-session", "format_version": 2, "state": {"schema_version": 1}}',
            "field 'schema_version'",
        ),
        ('{"schema_version": 1, "scene": {"layers": {"earth": "perhaps"}}}', "field 'scene.layers.earth'"),
    ],
)
def test_bad_sessions_are_one_line_and_change_nothing(tmp_path, content, message):
    p = tmp_path / "bad.json"
    p.write_bytes(content if isinstance(content, bytes) else content.encode())
    app = _changed()
    before = app.to_json()
    seen = []
    app.events.connect(seen.append)
    app.model.solar_wind.events.connect(seen.append)
    with pytest.raises(SessionError, match=message) as info:
        app.update_from(load_session(p))  # the load fails first: nothing is applied
    msg = str(info.value)
    assert isinstance(info.value, DataFileError) and info.value.path == str(p)
    assert msg.startswith(f"{p}: ") and len(msg.splitlines()) == 1 and len(msg) < 400
    assert "Traceback" not in msg
    assert app.to_json() == before and seen == []


def test_missing_directory_and_oversized_files(tmp_path):
    with pytest.raises(SessionError, match="no such file"):
        load_session(tmp_path / "nope.json")
    with pytest.raises(SessionError, match="is a directory"):
        load_session(tmp_path)
    big = tmp_path / "big.json"
    big.write_text(" " * (MAX_SESSION_BYTES + 1) + BARE_V1)  # valid JSON, but no session is 1 MiB
    with pytest.raises(SessionError, match=r"too large for a session file \(at most 1 MiB\)"):
        load_session(big)


def test_parse_session_names_its_source():
    with pytest.raises(SessionError, match=r"^my\.json: not valid JSON"):
        AppState.from_json("{not json", source="my.json")
    assert parse_session(BARE_V1.encode()).model.solar_wind.n_cm3 == 12.5


def test_unreadable_file(tmp_path, monkeypatch):
    p = save_session(tmp_path / "locked.json", AppState())

    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(session_mod.Path, "read_bytes", denied)  # (root could read a chmod 0 file)
    with pytest.raises(SessionError, match="cannot read the file: permission denied"):
        load_session(p)


# -- saving -------------------------------------------------------------------------------------------
def test_save_errors_name_the_file(tmp_path):
    with pytest.raises(SessionError, match=r"output directory .* does not exist"):
        save_session(tmp_path / "no" / "dir" / "s.json", AppState())
    with pytest.raises(SessionError, match="is a directory; give a file name") as info:
        save_session(tmp_path, AppState())
    assert str(info.value).count(str(tmp_path)) == 1
    with pytest.raises(TypeError, match="AppState"):
        save_session(tmp_path / "x.json", {"scene": {}})


def test_a_failed_save_keeps_the_old_file(tmp_path, monkeypatch):
    p = save_session(tmp_path / "s.json", _changed())
    before = p.read_bytes()
    from smile_viewer.io import atomic

    def no_space(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", no_space)
    with pytest.raises(SessionError, match="cannot write the file: .*No space left on device") as info:
        save_session(p, AppState())
    assert str(info.value).startswith(f"{p}: ") and str(info.value).count(str(p)) == 1
    monkeypatch.undo()
    assert p.read_bytes() == before and load_session(p).model.solar_wind.n_cm3 == 12.5
    assert [q.name for q in tmp_path.iterdir()] == ["s.json"], "no temporary file is left behind"
