"""The evented application state: models, validation, events, versioned JSON sessions (no GL)."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from smile_viewer.state import (
    LAYER_NAMES,
    AppState,
    EmissionVolumeSettings,
    InstrumentsState,
    LayerStyle,
    ModelSettings,
    SceneState,
    SessionError,
    SessionVersionError,
    SolarWindInputs,
)
from smile_viewer.state.session import FORMAT_VERSION

T0 = "2026-03-20T12:00:00"


@pytest.fixture
def app():
    a = AppState()
    a.scene.time = T0
    return a


# -- layers and styles ---------------------------------------------------------------------
def test_every_layer_has_visibility_and_a_style_with_events():
    s = SceneState(time=T0)
    assert tuple(s.layers.names()) == LAYER_NAMES == tuple(s.styles.names())
    for name in ("magnetopause", "bow_shock", "field_lines", "sxi_fov", "uvi_fov", "emission_volume"):
        assert name in LAYER_NAMES
    seen = []
    s.layers.events.magnetopause.connect(seen.append)
    s.styles.bow_shock.events.opacity.connect(seen.append)
    s.styles.bow_shock.events.color.connect(seen.append)
    s.layers.magnetopause = False
    s.styles.bow_shock.opacity = 0.25
    s.styles.bow_shock.color = (1.0, 0.0, 0.5)  # normalised before subscribers see it
    assert seen == [False, 0.25, "#ff0080"]
    assert s.styles.bow_shock.rgba() == pytest.approx((1.0, 0.0, 128 / 255, 0.25))
    assert s.layers.emission_volume is False and s.layers.field_lines is False  # busy: off by default


def test_bad_style_values_are_refused_and_change_nothing():
    st = LayerStyle(opacity=0.5, color="#102030")
    for bad in ({"opacity": 1.5}, {"opacity": -0.1}, {"color": "red"}, {"color": (2.0, 0, 0, 0, 0)}):
        ((name, value),) = bad.items()
        with pytest.raises(ValidationError):
            setattr(st, name, value)
    assert (st.opacity, st.color) == (0.5, "#102030")


def test_through_sxi_is_a_camera_preset_and_old_presets_stay():
    from smile_viewer.state import CAMERA_PRESETS

    assert {"overview", "noon_midnight", "north", "from_sun", "earth", "through_sxi"} <= set(CAMERA_PRESETS)
    s = SceneState(time=T0)
    s.camera_preset = "through_sxi"
    with pytest.raises(ValueError):
        s.camera_preset = "nowhere"


# -- solar wind and models -------------------------------------------------------------------
def test_solar_wind_inputs_are_validated_as_a_solar_wind():
    sw = SolarWindInputs()
    assert sw.UNITS["n_cm3"] == "cm^-3" and sw.UNITS["v_km_s"] == "km/s" and sw.UNITS["bz_nt"] == "nT"
    seen = []
    sw.events.n_cm3.connect(seen.append)
    for field, bad in (
        ("n_cm3", -1.0),
        ("v_km_s", 5000.0),
        ("t_k", -5.0),
        ("bz_nt", float("nan")),
        ("n_cm3", "many"),
    ):
        with pytest.raises(ValidationError) as err:
            setattr(sw, field, bad)
        assert field.split("_")[0] in str(err.value)
    assert sw.n_cm3 == 5.0 and seen == []  # refused: unchanged, no event
    sw.n_cm3 = 8
    assert seen == [8.0] and isinstance(seen[0], float)
    phys = sw.to_solar_wind()
    assert phys.n_cm3 == 8.0 and phys.v_gse_km_s == (-400.0, 0.0, 0.0) and phys.bz_nt == sw.bz_nt
    assert sw.pd_npa == pytest.approx(2e-6 * 8 * 400**2)


def test_model_settings_params_per_model_and_files():
    m = ModelSettings()
    assert m.boundary_model == "shue1998" and m.emissivity_model == "jorgensen"
    m.set_param("A1", 4e-5)
    m.emissivity_model = "cmem"
    m.set_param("p0", 1.1)
    assert m.params_for("jorgensen") == {"A1": 4e-5} and m.params_for() == {"p0": 1.1}
    with pytest.raises(ValidationError, match="unknown parameter"):
        m.set_param("r_mp", 9.0)  # a Jorgensen parameter, not CMEM's
    with pytest.raises(ValidationError, match="needs a file"):
        m.emissivity_model = "cube"
    assert m.emissivity_model == "cmem"
    m.choose_file("/data/run1.fits", "cube")
    assert (m.emissivity_model, m.cube_path) == ("cube", "/data/run1.fits")
    m.boundary_model = "LIN2010"
    assert m.boundary_model == "lin2010"
    with pytest.raises(ValidationError):
        m.boundary_model = "chapman_ferraro"


def test_instrument_settings():
    inst = InstrumentsState()
    assert inst.sxi.pixel_grid == (265, 155) and inst.sxi.shape == (155, 265)
    assert inst.sxi.exposure_s == 300.0 and inst.uvi.pointing.mode == "auroral_oval"
    seen = []
    inst.sxi.pointing.events.roll_deg.connect(seen.append)
    inst.sxi.pointing.roll_deg = 15.0
    inst.sxi.pointing.mode = "aim_point"
    inst.sxi.pointing.aim_re = [11, 0, 1]
    assert seen == [15.0] and inst.sxi.pointing.aim_re == (11.0, 0.0, 1.0)
    for name, value in (("exposure_s", 0.0), ("pixel_grid", (4, 4)), ("pixel_grid", (100.5, 20))):
        with pytest.raises(ValidationError):
            setattr(inst.sxi, name, value)
    with pytest.raises(ValidationError):
        inst.sxi.pointing.mode = "auroral_oval"  # UVI's law, not SXI's


def test_volume_settings():
    v = EmissionVolumeSettings()
    assert v.shape == (128, 128, 128) and v.render_mode == "emission" and v.colormap == "inferno"
    v.shape = 64
    assert v.shape == (64, 64, 64)
    for name, value in (
        ("shape", (4, 64, 64)),
        ("bounds_re", ((1, 0), (0, 1), (0, 1))),
        ("render_mode", "translucent"),
        ("colormap", "jet"),
        ("log_range", (2, 1)),
    ):
        with pytest.raises(ValidationError):
            setattr(v, name, value)
    v.log_range = (-1, 1.5)
    assert v.log_range == (-1.0, 1.5)


# -- sessions --------------------------------------------------------------------------------
def _change_everything(a: AppState) -> None:
    a.scene.time = "2026-04-01T06:30:00"
    a.scene.frame = "gsm"
    a.scene.camera_preset = "through_sxi"
    a.scene.layers.bow_shock = False
    a.scene.layers.emission_volume = True
    a.scene.styles.magnetopause.opacity = 0.3
    a.scene.styles.field_lines.color = "#aabbcc"
    a.model.solar_wind.n_cm3 = 12.0
    a.model.solar_wind.bz_nt = -6.0
    a.model.models.boundary_model = "lin2010"
    a.model.models.set_param("A1", 5e-5)
    a.model.field_lines.kp = 4.0
    a.instruments.sxi.pointing.roll_deg = -20.0
    a.instruments.uvi.exposure_s = 30.0
    a.volume.shape = (96, 80, 64)
    a.volume.render_mode = "mip"
    a.volume.log_range = (-6.0, -3.5)


def test_json_round_trip(app, tmp_path):
    _change_everything(app)
    text = app.to_json()
    data = json.loads(text)
    assert data["format"] == "smile-viewer-session" and data["format_version"] == FORMAT_VERSION
    assert data["state"]["volume"]["render_mode"] == "mip"
    again = AppState.from_json(text)
    assert again.to_json() == text
    path = app.save(tmp_path / "session.json")
    assert not list(tmp_path.glob(".*.tmp")), "temporary file left behind"
    loaded = AppState.load(path)
    assert loaded.to_json() == text
    assert loaded.scene.time.isot.startswith("2026-04-01T06:30")
    assert loaded.instruments.sxi.pointing.roll_deg == -20.0 and loaded.volume.shape == (96, 80, 64)


def test_update_from_applies_in_place_and_keeps_bindings(app):
    other = AppState()
    _change_everything(other)
    sw_model, layers, pointing = app.model.solar_wind, app.scene.layers, app.instruments.sxi.pointing
    seen = []
    sw_model.events.n_cm3.connect(seen.append)
    layers.events.bow_shock.connect(seen.append)
    pointing.events.roll_deg.connect(seen.append)
    app.update_from(other)
    assert app.model.solar_wind is sw_model and app.scene.layers is layers
    assert app.instruments.sxi.pointing is pointing
    assert sorted(map(repr, seen)) == sorted(map(repr, [12.0, False, -20.0]))
    assert app.to_json() == other.to_json()


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "expected an object"),
        ('{"scene": {}}', "not a smile-viewer session"),
        ('{"schema_version": "1"}', "whole number"),
        ('{"schema_version": 1, "scene": {"frame": "heliocentric"}}', "scene.frame"),
        ('{"schema_version": 1, "model": {"solar_wind": {"n_cm3": -3}}}', "density"),
        ('{"schema_version": 1, "volume": {"colormap": "jet"}}', "volume.colormap"),
        ('{"schema_version": 1, "surprise": true}', "surprise"),
    ],
)
def test_bad_session_text_gives_a_clear_error(text, message):
    with pytest.raises(SessionError, match=message) as err:
        AppState.from_json(text, source="my.json")
    assert "my.json" in str(err.value)


def test_newer_session_is_refused_and_a_bad_file_changes_nothing(app, tmp_path):
    before = app.to_json()
    newer = json.loads(before)
    newer["format_version"] = FORMAT_VERSION + 1
    path = tmp_path / "newer.json"
    path.write_text(json.dumps(newer))
    with pytest.raises(SessionVersionError, match="newer smile-viewer"):
        AppState.load(path)
    bad = tmp_path / "bad.json"
    bad.write_text(before.replace('"n_cm3": 5.0', '"n_cm3": 0.0'))
    seen = []
    app.model.solar_wind.events.connect(seen.append)
    for p in (path, bad, tmp_path / "missing.json", tmp_path):
        with pytest.raises(SessionError):
            app.update_from(AppState.load(p))  # load fails first: update_from never runs
    assert app.to_json() == before and seen == []
