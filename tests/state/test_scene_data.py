"""Pure builders of the 3-D scene's data (state.scene_data): worker-safe, no GL."""

from __future__ import annotations

import dataclasses
import math
import threading

import numpy as np
import pytest

from smile_viewer.errors import UserInputError
from smile_viewer.state import AppState
from smile_viewer.state import scene_data as sd

T0 = "2026-03-20T12:00:00"


@pytest.fixture
def app():
    a = AppState()
    a.scene.time = T0
    return a


def test_requests_are_frozen_and_equal_when_nothing_changed(app):
    for make in (sd.boundary_request, sd.field_line_request, sd.volume_request):
        r1, r2 = make(app), make(app)
        assert r1 == r2 and hash(r1) == hash(r2)
        with pytest.raises(dataclasses.FrozenInstanceError):
            r1.model = "x"
    before = sd.boundary_request(app)
    app.model.solar_wind.n_cm3 = 20.0
    assert sd.boundary_request(app) != before
    # Shue/Jelínek do not depend on the time; Lin 2010 does (dipole tilt)
    app.scene.time = "2026-06-21T00:00"
    assert sd.boundary_request(app).tilt_rad == 0.0
    app.model.models.boundary_model = "lin2010"
    assert abs(sd.boundary_request(app).tilt_rad) > 0.1


def test_boundary_meshes(app):
    meshes = sd.build_boundary_meshes(app)
    mp, bs = meshes.magnetopause, meshes.bow_shock
    for m in (mp, bs):
        assert m.vertices.dtype == np.float32 and m.faces.dtype == np.uint32
        assert m.normals.shape == m.vertices.shape
        assert np.allclose(np.linalg.norm(m.normals, axis=1), 1.0, atol=1e-5)
        assert m.vertices[:, 0].min() == pytest.approx(-30.0, abs=1e-3)  # cut at the tail, no cap
    # the nose on +X, normals outward there
    nose = np.argmax(mp.vertices[:, 0])
    assert mp.vertices[nose, 0] == pytest.approx(mp.standoff_re, rel=1e-6)
    assert mp.normals[nose, 0] > 0.99
    assert bs.standoff_re > mp.standoff_re + 1.0
    assert mp.frame == "any" and "Shue" in mp.name
    # Lin 2010: GSM
    app.model.models.boundary_model = "lin2010"
    assert sd.build_boundary_meshes(app).magnetopause.frame == "gsm"
    # built whatever the layers (switching one on needs no rebuild); a request can skip one
    app.scene.layers.bow_shock = False
    assert sd.build_boundary_meshes(app).bow_shock is not None
    req = sd.replace_request(sd.boundary_request(app), bow_shock=False)
    assert sd.build_boundary_meshes(req).bow_shock is None


def test_field_line_seeds_are_on_the_chosen_meridians():
    tilt = 0.3
    seeds = sd.field_line_seeds([60.0, -70.0], [0.0, 12.0], 1.05, tilt)
    assert seeds.shape == (4, 3)
    assert np.allclose(np.linalg.norm(seeds, axis=1), 1.05)
    # back to SM: latitude and MLT as asked
    c, s = math.cos(tilt), math.sin(tilt)
    x_sm = seeds[:, 0] * c - seeds[:, 2] * s
    z_sm = seeds[:, 0] * s + seeds[:, 2] * c
    lat = np.degrees(np.arcsin(z_sm / 1.05))
    mlt = np.mod(12 + np.degrees(np.arctan2(seeds[:, 1], x_sm)) / 15, 24)
    assert np.allclose(sorted(lat), [-70, -70, 60, 60])
    assert np.allclose(np.sort(np.round(mlt) % 24), [0, 0, 12, 12])


def test_field_lines_classified_by_topology(app):
    fl = sd.build_field_lines(app)
    assert fl.frame == "gsm" and fl.points.dtype == np.float32
    assert len(fl.offsets) == len(fl) + 1 and fl.offsets[-1] == len(fl.points)
    assert fl.counts["closed"] >= 8 and fl.counts["open_north"] >= 2 and fl.counts["open_south"] >= 2
    assert fl.counts["imf"] >= 1  # straight IMF lines upstream (Bz = -2 nT)
    closed = [fl.line(i) for i in range(len(fl)) if fl.topology[i] == sd.CLOSED]
    for line in closed:  # both ends on the Earth
        assert np.linalg.norm(line[0]) == pytest.approx(1.0, abs=1e-3)
        assert np.linalg.norm(line[-1]) == pytest.approx(1.0, abs=1e-3)
    assert "T89" in fl.description and 0 <= fl.kp <= 9
    app.model.field_lines.kp = 6.0
    assert sd.field_line_request(app).kp == 6.0 and sd.field_line_request(app).kp_source == "set"
    app.model.solar_wind.bz_nt = 0.0
    app.model.field_lines.imf_lines = True
    assert sd.field_line_request(app).imf_b_gsm_nt is None  # no IMF: no IMF lines


def test_emission_volume(app):
    app.volume.shape = (24, 20, 16)
    vol = sd.build_emission_volume(app)
    assert vol.values.shape == (16, 20, 24) and vol.frame == "gse"
    assert vol.units == "eV cm^-3 s^-1" and float(vol.values.max()) > 0
    # CMEM has the dipole tilt: sampled in GSM
    app.model.models.emissivity_model = "cmem"
    req = sd.volume_request(app)
    assert req.frame == "gsm" and req.tilt_rad != 0.0
    # a file that is not there: a clear error from the builder (the view reports it)
    app.model.models.choose_file("/nonexistent/cube.fits")
    with pytest.raises((UserInputError, OSError)):
        sd.build_emission_volume(app)


def test_builders_run_in_threads(app):
    """Requests are made on one thread and built on others, concurrently."""
    app.volume.shape = (16, 16, 16)
    requests = [sd.boundary_request(app), sd.field_line_request(app), sd.volume_request(app)]
    results = [None] * 3

    def work(i):
        results[i] = sd.build(requests[i])

    threads = [threading.Thread(target=work, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert isinstance(results[0], sd.BoundaryMeshes)
    assert isinstance(results[1], sd.FieldLineData)
    assert results[2].values.shape == (16, 16, 16)


def test_effective_solar_wind_follows_an_omni_file(app, monkeypatch, tmp_path):
    from astropy.time import Time

    from smile_viewer.physics.solar_wind import SolarWindSeries

    times = Time(["2026-03-20T11:40", "2026-03-20T12:20"])
    series = SolarWindSeries(
        times, [4.0, 12.0], [[-400, 0, 0], [-600, 0, 0]], [1e5, 1e5], [[0, 0, -1], [0, 0, -9]]
    )
    path = tmp_path / "omni.asc"
    path.write_text("x")
    monkeypatch.setattr(sd, "_read_omni", lambda p: series)
    sw, note = sd.effective_solar_wind(app)
    assert note == "" and sw.n_cm3 == 5.0
    app.model.solar_wind.omni_path = str(path)
    sw, note = sd.effective_solar_wind(app)
    assert sw.n_cm3 == pytest.approx(8.0) and sw.bz_nt == pytest.approx(-5.0) and "OMNI" in note
    app.scene.time = "2026-03-21T00:00"  # outside the file: the manual inputs, said so
    sw, note = sd.effective_solar_wind(app)
    assert sw.n_cm3 == 5.0 and "not used" in note


def _angle(a, b):
    return math.degrees(math.acos(np.clip(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b), -1, 1)))


def test_fov_geometry_is_true_to_the_field_and_roll(app):
    pos = np.array([4.0, 9.0, 15.0])
    cam, length = sd.instrument_view(app, "sxi", pos)
    g = sd.fov_geometry(cam, length)
    assert g.rim.shape == (4, 3) and g.faces.shape == (4, 3)
    rays = g.rim - g.apex
    # opposite edges: the full field, long axis along camera x (26.5°), short along y (15.5°)

    def mid(i, j):
        return 0.5 * (rays[i] + rays[j])

    assert _angle(mid(0, 3), mid(1, 2)) == pytest.approx(26.5, abs=1e-6)
    assert _angle(mid(0, 1), mid(3, 2)) == pytest.approx(15.5, abs=1e-6)
    # the far face is the tangent plane at the aim point's distance (the SXI law's aim point)
    assert np.allclose(rays @ g.boresight, length)
    from smile_viewer.mission.pointing import sxi_aim_point

    aim = sxi_aim_point(pos)
    assert length == pytest.approx(float(np.dot(aim - pos, g.boresight)), rel=1e-9)
    # roll turns the pyramid about the boresight
    app.instruments.sxi.pointing.roll_deg = 90.0
    cam90, _ = sd.instrument_view(app, "sxi", pos)
    assert np.allclose(cam90.boresight, cam.boresight)
    assert abs(np.dot(cam90.rotation[:, 0], cam.rotation[:, 0])) < 1e-9
    # UVI: a cone of half-angle fov/2 towards the auroral target
    ucam, ulen = sd.instrument_view(app, "uvi", pos)
    ug = sd.fov_geometry(ucam, ulen)
    angles = [_angle(r, ug.boresight) for r in ug.rim - ug.apex]
    assert np.allclose(angles, 9.97 / 2, atol=1e-6) and len(angles) >= 32
    assert 15 < ulen < 20  # from ~18 R_E to about 1 R_E above the pole


def test_instrument_view_in_gsm_is_the_gse_one_rotated(app):
    from smile_viewer.coords import rotation_matrix

    pos = np.array([4.0, 9.0, 15.0])
    gse, _ = sd.instrument_view(app, "sxi", pos, frame="gse")
    gsm, _ = sd.instrument_view(app, "sxi", pos, frame="gsm")
    r = np.asarray(rotation_matrix(app.scene.time, "gse", "gsm"))
    assert np.allclose(gsm.position_re, r @ pos) and np.allclose(gsm.rotation, r @ gse.rotation)
