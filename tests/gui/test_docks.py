"""The main window's docks bound to the state (no OpenGL needed) and the line-of-sight profile."""

from __future__ import annotations

import numpy as np
import pytest


def test_layers_dock_binds_visibility_opacity_and_colour(qtbot):
    from smile_viewer._qt.docks.layers_dock import LAYER_ROWS, LayersDock
    from smile_viewer.state import SceneState

    st = SceneState()
    dock = LayersDock(st)
    qtbot.addWidget(dock)
    assert dock.objectName() == "layersDock"
    assert {n for n, _ in LAYER_ROWS} >= {
        "earth",
        "axes",
        "sun",
        "magnetopause",
        "bow_shock",
        "field_lines",
        "orbit",
        "spacecraft",
        "sxi_fov",
        "uvi_fov",
        "emission_volume",
    }
    dock.checks["orbit"].setChecked(False)
    assert st.layers.orbit is False
    st.layers.field_lines = True
    assert dock.checks["field_lines"].isChecked()
    dock.sliders["magnetopause"].setValue(20)
    assert st.styles.magnetopause.opacity == pytest.approx(0.2)
    st.styles.bow_shock.opacity = 0.9
    assert dock.sliders["bow_shock"].value() == 90
    dock.set_color("orbit", "#ff0000")
    assert st.styles.orbit.color == "#ff0000"
    assert "#ff0000" in dock.color_buttons["orbit"].styleSheet()
    dock.disconnect_state()


def test_model_dock_applies_debounced_and_refuses_bad_values(qtbot):
    from smile_viewer._qt.docks.model_dock import ModelDock
    from smile_viewer.state import ModelState

    m = ModelState()
    dock = ModelDock(m)
    qtbot.addWidget(dock)
    dock.spins["v_km_s"].setValue(650.0)
    assert m.solar_wind.v_km_s == 400.0  # debounced
    qtbot.waitUntil(lambda: m.solar_wind.v_km_s == 650.0, timeout=2000)
    assert dock.spins["n_cm3"].suffix().strip() == "cm⁻³"
    m.solar_wind.bz_nt = -9.0
    assert dock.spins["bz_nt"].value() == pytest.approx(-9.0)
    dock.boundary_combo.setCurrentIndex(dock.boundary_combo.findData("lin2010"))
    assert m.models.boundary_model == "lin2010"
    dock.set_emissivity_model("cmem")
    assert m.models.emissivity_model == "cmem"
    dock.set_emissivity_model("cube")  # needs a file: refused, shown, nothing changed
    assert m.models.emissivity_model == "cmem"
    assert dock.error_label.text()
    dock.disconnect_state()


def test_instruments_dock_sets_pointing_exposure_and_grid(qtbot):
    from smile_viewer._qt.docks.instruments_dock import InstrumentsDock
    from smile_viewer.state import InstrumentsState

    ins = InstrumentsState()
    dock = InstrumentsDock(ins)
    qtbot.addWidget(dock)
    g = dock.groups["sxi"]
    g.mode.setCurrentIndex(g.mode.findData("aim_point"))
    g.aim[0].setValue(9.0)
    g.roll.setValue(15.0)
    g.nx.setValue(64)
    g.ny.setValue(32)
    assert dock.apply()
    assert ins.sxi.pointing.mode == "aim_point"
    assert ins.sxi.pointing.aim_re[0] == pytest.approx(9.0)
    assert ins.sxi.pointing.roll_deg == pytest.approx(15.0)
    assert ins.sxi.pixel_grid == (64, 32)
    ins.uvi.exposure_s = 30.0
    assert dock.groups["uvi"].exposure.value() == pytest.approx(30.0)
    dock.disconnect_state()


def test_time_control_speed_and_next_apogee(qtbot):
    from smile_viewer._qt.docks.time_dock import TimeDock
    from smile_viewer.mission.orbit import default_orbit
    from smile_viewer.state import SceneState

    orbit = default_orbit()
    st = SceneState()
    dock = TimeDock(st, orbit.period_s, orbit=orbit)
    qtbot.addWidget(dock)
    tc = dock.control
    v0 = tc.slider.value()
    tc.speed_combo.setCurrentIndex(tc.speed_combo.count() - 1)  # fastest
    tc._advance()
    fast = tc.slider.value() - v0
    tc.speed_combo.setCurrentIndex(2)  # 1x
    v1 = tc.slider.value()
    tc._advance()
    assert fast > tc.slider.value() - v1 >= 1
    t0 = st.time
    tc.jump_to_next_apogee()
    assert (st.time - t0).to_value("s") > 0
    r = np.linalg.norm(orbit.position(st.time, frame="gse"))
    from astropy.time import TimeDelta

    r_before = np.linalg.norm(orbit.position(st.time - TimeDelta(7200.0, format="sec"), frame="gse"))
    assert r >= r_before
    tc.disconnect_state()


def test_los_profile_crosses_boundaries_and_matches_pixel():
    from smile_viewer._qt.docks.images_dock import compute_image, image_request
    from smile_viewer._qt.los_plot import los_profile
    from smile_viewer.mission.orbit import default_orbit
    from smile_viewer.state import AppState
    from smile_viewer.state.scene_data import spacecraft_position_gse

    app = AppState()
    app.instruments.sxi.pixel_grid = (40, 24)
    pos = spacecraft_position_gse(default_orbit(), app.scene.time)
    res = compute_image(image_request(app, "sxi", pos))
    assert res.image.shape == (24, 40) and np.nanmax(res.image) > 0
    prof = los_profile(res, 12, 20)
    assert prof.eta is not None and prof.eta.shape == prof.s_re.shape
    np.testing.assert_allclose(prof.points_gse[0], pos, atol=1e-9)
    labels = [label for _s, label in prof.crossings]
    assert "magnetopause" in labels and "bow shock" in labels
    # η is zero inside the magnetopause (Jorgensen): between the two magnetopause crossings
    mp = [s for s, label in prof.crossings if label == "magnetopause"]
    if len(mp) >= 2:
        inside = (prof.s_re > mp[0] + 0.2) & (prof.s_re < mp[1] - 0.2)
        assert np.all(prof.eta[inside] == 0)
    # the pixel value is the line integral of η: a crude check of the order of magnitude
    from smile_viewer.physics.emissivity import LOS_FACTOR

    integral = np.trapezoid(np.nan_to_num(prof.eta), prof.s_re) * LOS_FACTOR
    assert integral == pytest.approx(prof.pixel_value, rel=0.05)


def test_model_dock_follows_an_omni_file_and_refuses_a_bad_one(qtbot, tmp_path):
    """A readable OMNI file makes the solar wind follow it; a bad one shows an error, changes nothing."""
    from astropy.time import Time, TimeDelta

    from smile_viewer._qt.docks.model_dock import ModelDock
    from smile_viewer.state.app import AppState
    from smile_viewer.state.scene_data import effective_solar_wind

    app = AppState()
    dock = ModelDock(app.model)
    qtbot.addWidget(dock)

    bad = tmp_path / "bad.asc"
    bad.write_text("this is not an OMNI file\n")
    dock.load_omni(str(bad), synchronous=True)
    assert app.model.solar_wind.omni_path is None
    assert dock.error_label.text() and "bad.asc" in dock.error_label.text()

    # one day of 5-min OMNI HRO records (49 words) with n rising linearly
    lines = []
    t0 = Time("2026-05-21T00:00:00", scale="utc")
    for k in range(288):
        minute = 5 * k
        fields = [2026, 141, minute // 60, minute % 60] + [0] * 45
        values = {
            13: 5.0,
            14: 1.0,
            15: 0.0,
            16: -1.0,
            17: 0.0,
            18: -1.0,
            21: 400.0,
            22: -400.0,
            23: 0.0,
            24: 0.0,
            25: 4.0 + k / 100.0,
            26: 1.0e5,
        }
        for i, v in values.items():
            fields[i] = v
        lines.append(" ".join(str(f) for f in fields))
    good = tmp_path / "omni_5min.asc"
    good.write_text("\n".join(lines) + "\n")
    dock.load_omni(str(good), synchronous=True)
    assert app.model.solar_wind.omni_path == str(good)
    sw, note = effective_solar_wind(app, time=t0 + TimeDelta(50 * 300.0, format="sec"))
    assert "OMNI" in note and abs(sw.n_cm3 - 4.5) < 1e-6
    dock.set_omni_path(None)
    assert app.model.solar_wind.omni_path is None
