"""Tests of smile_viewer.mission.orbit: Kepler+J2 default orbit, TLE (sgp4), SPICE, extrema.

Regression values are the [D] figures of docs/reference.md#smile-orbit: a = 69,462 km, e = 0.83630,
period 50.61 h, apogee 20.02 R_E geocentric, perigee altitude 5,000 km (R_E = 6371 km,
mu = 398600.4418 km^3 s^-2).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from astropy.time import Time, TimeDelta

from smile_viewer.constants import J2, MU_EARTH_KM3_S2, R_E_KM, R_EQ_KM
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.mission.kepler import KeplerJ2Orbit, solve_kepler
from smile_viewer.mission.orbit import FRAMES, Orbit, default_orbit, orbit_from_tle

DAY = 86400.0


def _dt(seconds):
    return TimeDelta(np.asarray(seconds, dtype=float), format="sec")


@pytest.fixture(scope="module")
def orbit() -> KeplerJ2Orbit:
    return default_orbit()


# --------------------------------------------------------------------------- default orbit


def test_default_orbit_elements_match_reference(orbit):
    assert isinstance(orbit, Orbit)
    assert orbit.a_km == pytest.approx(69462.0, abs=0.5)
    assert orbit.e == pytest.approx(0.83630, abs=5e-6)
    assert orbit.inclination_deg == 73.0
    assert orbit.arg_perigee_deg == 287.5
    assert orbit.keplerian_period_s / 3600 == pytest.approx(50.61, abs=0.05)
    assert orbit.period_s / 3600 == pytest.approx(50.61, abs=0.05)
    assert orbit.perigee_radius_km - R_E_KM == pytest.approx(5000.0, abs=1e-6)
    assert orbit.apogee_radius_km - R_E_KM == pytest.approx(121182.0, abs=1e-6)
    assert orbit.epoch.isot == "2026-05-20T00:00:00.000"
    assert orbit.name == "SMILE"


def test_default_orbit_asset_has_provenance():
    from smile_viewer.resources import asset_path

    spec = json.loads(asset_path("orbits", "smile_default.json").read_text())
    el = spec["elements"]
    for key in (
        "perigee_altitude_km",
        "apogee_altitude_km",
        "inclination_deg",
        "arg_perigee_deg",
        "raan_deg",
        "mean_anomaly_deg",
        "epoch_utc",
    ):
        assert el[key]["flag"] in ("E", "A", "D") and el[key]["source"], key
    assert el["raan_deg"]["flag"] == "A" and el["epoch_utc"]["flag"] == "A"
    orbit = default_orbit()
    assert orbit.raan_deg == el["raan_deg"]["value"]
    assert orbit.provenance["raan_deg"]["flag"] == "A"


def test_apogee_and_perigee_from_extrema(orbit):
    start = orbit.epoch - _dt(1.0)
    stop = orbit.epoch + _dt(10 * DAY)
    apo = orbit.apogee_times(start, stop)
    peri = orbit.perigee_times(start, stop)
    assert len(apo) == 5 and len(peri) == 5
    r_apo = np.linalg.norm(orbit.position(apo, "gei"), axis=1)
    r_peri = np.linalg.norm(orbit.position(peri, "gei"), axis=1)
    np.testing.assert_allclose(r_apo, 20.02, atol=0.01)
    np.testing.assert_allclose(r_apo * R_E_KM, orbit.apogee_radius_km, rtol=1e-12)
    np.testing.assert_allclose(r_peri * R_E_KM - R_E_KM, 5000.0, atol=1e-6)
    # The epoch is a perigee; perigees one anomalistic period apart; apogees half-way (< 1 s).
    assert abs((peri[0] - orbit.epoch).sec) < 1e-2
    np.testing.assert_allclose(np.diff((peri - peri[0]).sec), orbit.period_s, atol=0.01)
    np.testing.assert_allclose((apo - peri).sec, orbit.period_s / 2, atol=0.01)
    # Refined: |r| at the found time is larger than 1 s either side.
    for dt in (-1.0, 1.0):
        assert np.all(np.linalg.norm(orbit.position(apo + _dt(dt), "gei"), axis=1) < r_apo)


def test_apogee_over_northern_hemisphere(orbit):
    apo = orbit.apogee_times(orbit.epoch, orbit.epoch + _dt(3 * DAY))
    r = orbit.position(apo, "gei")
    assert np.all(r[:, 2] > 0)
    lat = np.degrees(np.arcsin(r[:, 2] / np.linalg.norm(r, axis=1)))
    # argument of latitude at apogee u = 287.5 + 180 = 107.5 deg; sin(lat) = sin(u) sin(i)
    expected = np.degrees(np.arcsin(np.sin(np.radians(107.5)) * np.sin(np.radians(73.0))))
    np.testing.assert_allclose(lat, expected, atol=0.01)


def test_raan_choice_puts_first_apogee_on_the_dayside(orbit):
    apo = orbit.apogee_times(orbit.epoch, orbit.epoch + _dt(3 * DAY))[0]
    r = orbit.position(apo, "gse")
    assert r[0] > 0.6 * np.linalg.norm(r)  # sunward, high above the ecliptic
    assert r[2] > 0


def test_frames_preserve_radius_and_shapes(orbit):
    t = orbit.epoch + _dt(np.linspace(0, 3 * DAY, 50))
    r_gei = orbit.position(t, "gei")
    assert r_gei.shape == (50, 3)
    for frame in FRAMES:
        r = orbit.position(t, frame)
        np.testing.assert_allclose(np.linalg.norm(r, axis=1), np.linalg.norm(r_gei, axis=1), rtol=1e-12)
    assert orbit.position(orbit.epoch).shape == (3,)
    assert orbit.velocity(orbit.epoch).shape == (3,)
    t2 = t[:6].reshape(2, 3)
    assert orbit.position(t2, "gse").shape == (2, 3, 3)
    np.testing.assert_allclose(orbit.position(t2, "gse").reshape(6, 3), orbit.position(t[:6], "gse"))
    # default frame of position is GSE
    np.testing.assert_array_equal(orbit.position(t), orbit.position(t, "gse"))
    with pytest.raises(UserInputError, match="unknown frame"):
        orbit.position(t, "hee")


# --------------------------------------------------------------------------- Kepler and J2


@pytest.mark.parametrize("e", [0.0, 0.1, 0.5, 0.8362989836, 0.95, 0.99])
def test_solve_kepler_converges(e):
    m = np.linspace(-20.0, 20.0, 20001)
    E = solve_kepler(m, e)
    np.testing.assert_allclose(E - e * np.sin(E), m, atol=2e-12, rtol=0)


def test_solve_kepler_rejects_hyperbolic():
    with pytest.raises(ValueError):
        solve_kepler(1.0, 1.0)


def test_two_body_energy_and_momentum_conserved(orbit):
    kep = KeplerJ2Orbit(orbit.a_km, orbit.e, 73.0, 279.25, 287.5, 0.0, orbit.epoch, j2=0.0)
    t = orbit.epoch + _dt(np.linspace(0, 4 * kep.period_s, 4001))
    r, v = kep.state(t, "gei")
    rn = np.linalg.norm(r, axis=1)
    energy = 0.5 * np.sum(v * v, axis=1) - MU_EARTH_KM3_S2 / rn
    np.testing.assert_allclose(energy, -MU_EARTH_KM3_S2 / (2 * kep.a_km), rtol=1e-12)
    h = np.cross(r, v)
    np.testing.assert_allclose(h, np.broadcast_to(h[0], h.shape), rtol=0, atol=1e-12 * np.linalg.norm(h[0]))
    assert kep.period_s == pytest.approx(kep.keplerian_period_s, rel=1e-15)


def test_velocity_is_derivative_of_position(orbit):
    t = orbit.epoch + _dt(np.linspace(0, 2.2 * DAY, 200))
    v = orbit.velocity(t, "gei")
    h = 0.05
    fd = (orbit.position_km(t + _dt(h), "gei") - orbit.position_km(t - _dt(h), "gei")) / (2 * h)
    np.testing.assert_allclose(v, fd, atol=2e-7)


def _vallado_rates(a, e, inc_deg):
    n = np.sqrt(MU_EARTH_KM3_S2 / a**3)
    p = a * (1 - e**2)
    k = J2 * (R_EQ_KM / p) ** 2
    i = np.radians(inc_deg)
    return (
        -1.5 * n * k * np.cos(i),
        0.75 * n * k * (4 - 5 * np.sin(i) ** 2),
        n * (1 + 0.75 * k * np.sqrt(1 - e**2) * (2 - 3 * np.sin(i) ** 2)),
    )


def test_j2_rates_match_vallado(orbit):
    raan_dot, argp_dot, m_dot = _vallado_rates(orbit.a_km, orbit.e, 73.0)
    assert orbit.rates.raan == pytest.approx(raan_dot, rel=1e-14)
    assert orbit.rates.argp == pytest.approx(argp_dot, rel=1e-14)
    assert orbit.rates.mean_anomaly == pytest.approx(m_dot, rel=1e-14)
    # Magnitudes: for i = 73 deg both the node and the perigee regress, by about 2.7 deg/yr.
    assert np.degrees(raan_dot) * 365.25 * DAY == pytest.approx(-2.76, abs=0.01)
    assert np.degrees(argp_dot) * 365.25 * DAY == pytest.approx(-2.70, abs=0.01)
    assert orbit.period_s == pytest.approx(2 * np.pi / m_dot, rel=1e-14)
    uncorrected = KeplerJ2Orbit(orbit.a_km, orbit.e, 73, 0, 0, 0, orbit.epoch, mean_motion_correction=False)
    assert uncorrected.period_s == pytest.approx(uncorrected.keplerian_period_s, rel=1e-15)


def _node_and_perigee(orbit, t_peri):
    """RAAN and argument of perigee [rad] measured from positions at and 60 s after perigee."""
    r0 = orbit.position_km(t_peri, "gei")
    r1 = orbit.position_km(t_peri + _dt(60.0), "gei")
    w = np.cross(r0, r1)
    w /= np.linalg.norm(w)
    raan = np.arctan2(w[0], -w[1])
    node = np.array([np.cos(raan), np.sin(raan), 0.0])
    p = r0 / np.linalg.norm(r0)
    argp = np.arctan2(np.dot(np.cross(node, p), w), np.dot(node, p))
    return raan, argp, np.degrees(np.arccos(w[2]))


def test_j2_drift_seen_in_positions(orbit):
    peri = orbit.perigee_times(orbit.epoch - _dt(1.0), orbit.epoch + _dt(200 * DAY))
    t0, t1 = peri[0], peri[-1]
    raan0, argp0, inc0 = _node_and_perigee(orbit, t0)
    raan1, argp1, inc1 = _node_and_perigee(orbit, t1)
    assert np.degrees(raan0) % 360 == pytest.approx(279.25, abs=1e-4)
    assert np.degrees(argp0) % 360 == pytest.approx(287.5, abs=1e-4)
    assert inc0 == pytest.approx(73.0, abs=1e-4) and inc1 == pytest.approx(73.0, abs=1e-4)
    dt = (t1 - t0).sec
    raan_dot, argp_dot, _ = _vallado_rates(orbit.a_km, orbit.e, 73.0)
    assert (raan1 - raan0) / dt == pytest.approx(raan_dot, rel=1e-3)
    assert (argp1 - argp0) / dt == pytest.approx(argp_dot, rel=1e-3)


def test_many_epochs_vectorised(orbit):
    t = orbit.epoch + _dt(np.arange(200_000) * 60.0)
    r = orbit.position(t, "gei")
    rn = np.linalg.norm(r, axis=1)
    assert np.all(np.isfinite(r))
    assert rn.min() * R_E_KM == pytest.approx(orbit.perigee_radius_km, rel=1e-4)
    assert rn.max() * R_E_KM == pytest.approx(orbit.apogee_radius_km, rel=1e-6)


def test_velocity_in_rotating_frames_matches_finite_difference(orbit):
    t = orbit.epoch + _dt(np.linspace(0, 2 * DAY, 40))
    for frame in ("geo", "gse", "gsm", "sm"):
        v = orbit.velocity(t, frame)
        h = 0.5
        fd = (orbit.position_km(t + _dt(h), frame) - orbit.position_km(t - _dt(h), frame)) / (2 * h)
        np.testing.assert_allclose(v, fd, atol=5e-7, err_msg=frame)
    # GEO velocity differs from the inertial one by omega x r (about 9 km/s at 20 R_E).
    r_geo, v_geo = orbit.state(t, "geo")
    from smile_viewer.coords import rotation_matrix

    v_inertial_in_geo = np.einsum("nij,nj->ni", rotation_matrix(t, "gei", "geo"), orbit.velocity(t, "gei"))
    omega = np.array([0, 0, 7.2921150e-5])
    np.testing.assert_allclose(v_geo, v_inertial_in_geo - np.cross(omega, r_geo), atol=2e-4)


# --------------------------------------------------------------------------- TLE

ISS_L1 = "1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991"
ISS_L2 = "2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482"

#: A SMILE-like TLE (elements of the default orbit at its epoch; catalogue number 99999 is
#: a placeholder), typed out with its checksums (7 and 8, last column).
SMILE_TLE = (
    "SMILE (test)",
    "1 99999U 26001A   26140.00000000  .00000000  00000-0  00000-0 0  9997",
    "2 99999  73.0000 279.2500 8362990 287.5000   0.0000  0.47422215    08",
)


def test_tle_checksum_helper():
    from sgp4.io import compute_checksum

    from smile_viewer.mission.tle import tle_checksum

    assert tle_checksum(ISS_L1) == 1 and tle_checksum(ISS_L2) == 2
    assert tle_checksum(SMILE_TLE[1]) == int(SMILE_TLE[1][-1])
    assert tle_checksum(SMILE_TLE[2]) == int(SMILE_TLE[2][-1])
    rng = np.random.default_rng(1)
    alphabet = np.array(list("0123456789 .-+ABCU"))
    for _ in range(200):
        line = "".join(rng.choice(alphabet, 68))
        assert tle_checksum(line) == compute_checksum(line)


def test_format_tle_round_trips_through_sgp4(orbit):
    from sgp4.api import WGS72, Satrec
    from sgp4.exporter import export_tle

    from smile_viewer.mission.tle import format_tle

    l1, l2 = format_tle(
        epoch=orbit.epoch,
        inclination_deg=73.0,
        raan_deg=279.25,
        eccentricity=orbit.e,
        arg_perigee_deg=287.5,
        mean_anomaly_deg=0.0,
        mean_motion_rev_day=DAY / orbit.keplerian_period_s,
        bstar=1.2345e-5,
        ndot_rev_day2=-1.2e-7,
        nddot_rev_day3=-3.1e-9,
        rev_number=1,
    )
    assert len(l1) == len(l2) == 69
    sat = Satrec.twoline2rv(l1, l2, WGS72)
    assert export_tle(sat) == (l1, l2)
    assert np.degrees(sat.inclo) == pytest.approx(73.0)
    assert sat.ecco == pytest.approx(orbit.e, abs=1e-7)
    assert sat.bstar == pytest.approx(1.2345e-5)
    assert l2 == SMILE_TLE[2][:63] + l2[63:]  # same elements as the literal test TLE
    assert Time(sat.jdsatepoch, sat.jdsatepochF, format="jd").utc.isot == orbit.epoch.isot


@pytest.fixture()
def smile_tle_file(tmp_path):
    path = tmp_path / "smile.tle"
    path.write_text("\n".join(SMILE_TLE) + "\n")
    return path


def test_tle_positions_agree_with_sgp4(smile_tle_file):
    from sgp4.api import WGS72, Satrec

    tle = orbit_from_tle(smile_tle_file)
    assert tle.name == "SMILE (test)"
    assert tle.epoch.isot == "2026-05-20T00:00:00.000"
    assert tle.period_s / 3600 == pytest.approx(50.61, abs=0.05)
    sat = Satrec.twoline2rv(SMILE_TLE[1], SMILE_TLE[2], WGS72)
    t = tle.epoch + _dt(np.linspace(0, 5 * DAY, 37))
    r, v = tle.teme_state(t)
    for k in range(len(t)):
        err, rk, vk = sat.sgp4(t.utc.jd1[k], t.utc.jd2[k])
        assert err == 0
        np.testing.assert_allclose(r[k], rk, atol=1e-9, rtol=0)
        np.testing.assert_allclose(v[k], vk, atol=1e-12, rtol=0)
    # Same TLE given as lines (no name line) gives the same orbit.
    tle2 = orbit_from_tle(list(SMILE_TLE[1:]))
    np.testing.assert_array_equal(tle2.position(t, "gei"), tle.position(t, "gei"))
    # SDP4 (lunisolar terms) stays near the Kepler+J2 orbit over a few days (a few hundred km,
    # mostly the 0.37 deg of precession between TEME-of-date and J2000 elements).
    kep = default_orbit()
    d = np.linalg.norm(tle.position_km(t, "gei") - kep.position_km(t, "gei"), axis=1)
    assert d.max() < 2000.0


def test_tle_teme_to_gei_is_sane(smile_tle_file):
    import erfa

    from smile_viewer.mission.tle import _teme_to_gcrs_exact, teme_to_gei_matrix

    tle = orbit_from_tle(smile_tle_file)
    t = tle.epoch + _dt(np.linspace(0, 30 * DAY, 400))
    r_teme, v_teme = tle.teme_state(t)
    r_gei, v_gei = tle.state(t, "gei")
    # A rotation: lengths kept.
    np.testing.assert_allclose(np.linalg.norm(r_gei, axis=1), np.linalg.norm(r_teme, axis=1), rtol=1e-13)
    np.testing.assert_allclose(np.linalg.norm(v_gei, axis=1), np.linalg.norm(v_teme, axis=1), rtol=1e-13)
    # by the precession accumulated since J2000 (50.3"/yr × 26.4 yr = 0.369 deg) plus nutation.
    m = teme_to_gei_matrix(t)
    angle = np.degrees(np.arccos((np.trace(m, axis1=1, axis2=2) - 1) / 2))
    assert np.all((angle > 0.36) & (angle < 0.38))
    # Interpolated matrices agree with astropy's exact transformation (sub-mm at 20 R_E).
    sub = t[::40]
    np.testing.assert_allclose(m[::40], _teme_to_gcrs_exact(sub), atol=1e-11, rtol=0)
    # Independent chain (Vallado: TEME -> TOD by the equation of the equinoxes, then IAU 1976/1980
    # precession-nutation back to J2000): agrees to 0.1" (GMST-82 vs IAU 2006 and the frame
    # bias account for the ~50 mas difference).
    tt = sub.tt
    npb = erfa.pnm80(tt.jd1, tt.jd2)
    eqeq = erfa.eqeq94(tt.jd1, tt.jd2)
    r3 = np.array([erfa.rz(-e, np.eye(3)) for e in eqeq])
    vallado = np.swapaxes(npb, -1, -2) @ r3
    assert np.abs(vallado - m[::40]).max() < 5e-7


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([SMILE_TLE[1][:-1] + "0", SMILE_TLE[2]], "line 1: checksum"),
        ([SMILE_TLE[1], SMILE_TLE[2][:-1] + "7"], "line 2: checksum"),
        ([SMILE_TLE[1][:60], SMILE_TLE[2]], "69 columns"),
        ([SMILE_TLE[2], SMILE_TLE[1]], "must start with '1 '"),
        ([SMILE_TLE[1]], "two element lines"),
        ([SMILE_TLE[1], "2 99998" + SMILE_TLE[2][7:-1]], "catalogue number"),
    ],
)
def test_bad_tle_raises_data_file_error(tmp_path, lines, message):
    from smile_viewer.mission.tle import tle_checksum

    if len(lines) == 2 and len(lines[1]) == 68:  # complete the line with its right checksum
        lines = [lines[0], lines[1] + str(tle_checksum(lines[1]))]
    path = tmp_path / "bad.tle"
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(DataFileError, match=message) as info:
        orbit_from_tle(path)
    assert str(path) in str(info.value)


def test_tle_missing_file():
    with pytest.raises(DataFileError, match=r"smile\.tle: no such file"):
        orbit_from_tle("/nonexistent/smile.tle")


# --------------------------------------------------------------------------- SPICE


def _write_lsk(path):
    """A minimal leapseconds kernel (naif0012.tls content) from erfa's leap-second table.

    No LSK ships with spiceypy and the tests have no network, so the test writes one: the DELTET
    constants are NAIF's; the DELTA_AT list is erfa's table from 1972 on.
    """
    import erfa

    months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
    rows = [r for r in erfa.leap_seconds.get() if r["year"] >= 1972]
    pad = " " * 27
    entries = "\n".join(f"{pad}{int(r['tai_utc'])},   @{r['year']}-{months[r['month'] - 1]}-1" for r in rows)
    path.write_text(
        "KPL/LSK\n\nMinimal leapseconds kernel written by smile-viewer's tests from erfa's table.\n\n"
        "\\begindata\n\n"
        "DELTET/DELTA_T_A       =   32.184\n"
        "DELTET/K               =    1.657D-3\n"
        "DELTET/EB              =    1.671D-2\n"
        "DELTET/M               = (  6.239996D0   1.99096871D-7 )\n\n"
        f"DELTET/DELTA_AT        = (\n{entries}\n                         )\n\n\\begintext\n"
    )
    return path


@pytest.fixture()
def spice_kernels(tmp_path, orbit):
    sp = pytest.importorskip("spiceypy")
    from smile_viewer.mission.spice import et_from_time

    sp.kclear()
    lsk = _write_lsk(tmp_path / "test.tls")
    names = tmp_path / "smile_names.tk"
    names.write_text(
        "KPL/FK\n\\begindata\nNAIF_BODY_NAME += ( 'SMILE' )\nNAIF_BODY_CODE += ( -999 )\n\\begintext\n"
    )
    sp.furnsh(str(lsk))
    t = orbit.epoch + _dt(np.arange(0, 3 * DAY + 1, 600.0))
    et = et_from_time(t)
    r, v = orbit.state(t, "gei")
    spk = tmp_path / "smile_kepler.bsp"
    handle = sp.spkopn(str(spk), "smile-viewer test", 0)
    sp.spkw13(handle, -999, 399, "J2000", et[0], et[-1], "SMILE KEPLER J2", 7, len(et), np.hstack([r, v]), et)
    sp.spkcls(handle)
    sp.kclear()
    yield {"lsk": lsk, "names": names, "spk": spk, "times": t, "r": r, "v": v}
    sp.kclear()


def test_lsk_from_erfa_matches_spice_time_conversion(spice_kernels):
    import spiceypy as sp

    from smile_viewer.mission.spice import et_from_time

    sp.furnsh(str(spice_kernels["lsk"]))
    for s in ("2026-05-20T00:00:00", "2017-01-01T00:00:00", "2000-01-01T12:00:00", "1999-06-30T18:00:00"):
        assert et_from_time(Time(s, scale="utc")) == pytest.approx(sp.str2et(s), abs=1e-8)


def test_orbit_from_spice_reproduces_kepler(spice_kernels, orbit):
    import spiceypy as sp

    from smile_viewer.mission.orbit import orbit_from_spice

    k = spice_kernels
    with orbit_from_spice([k["lsk"], k["names"], k["spk"]], target="SMILE", observer="EARTH") as so:
        assert so.target_id == -999 and so.name == "SMILE"
        c0, c1 = so.coverage
        assert abs((c0 - k["times"][0]).sec) < 1e-6 and abs((c1 - k["times"][-1]).sec) < 1e-6
        r, v = so.state(k["times"], "gei")
        np.testing.assert_allclose(r, k["r"], atol=1e-6, rtol=0)
        np.testing.assert_allclose(v, k["v"], atol=1e-9, rtol=0)
        mid = k["times"][:-1] + _dt(300.0)
        np.testing.assert_allclose(so.position_km(mid, "gei"), orbit.position_km(mid, "gei"), atol=0.05)
        assert so.period_s == pytest.approx(orbit.keplerian_period_s, rel=1e-3)
        apo = so.apogee_times(c0, c1)
        assert len(apo) == 1
        assert abs((apo[0] - orbit.apogee_times(c0, c1)[0]).sec) < 1.0
        with pytest.raises(UserInputError, match="outside the SPICE coverage"):
            so.position(c1 + _dt(60.0), "gei")
    assert sp.ktotal("ALL") == 0  # close() unloaded what it loaded
    # Numeric NAIF ID without the name kernel.
    with orbit_from_spice([k["lsk"], k["spk"]], target="-999") as so2:
        np.testing.assert_allclose(so2.position_km(k["times"][:5], "gei"), k["r"][:5], atol=1e-6)


def test_orbit_from_spice_errors(spice_kernels, tmp_path):
    from smile_viewer.mission.orbit import orbit_from_spice

    k = spice_kernels
    with pytest.raises(UserInputError, match="SPICE does not know"):
        orbit_from_spice([k["lsk"], k["spk"]], target="SMILE")
    with pytest.raises(DataFileError, match="no such SPICE kernel"):
        orbit_from_spice([tmp_path / "missing.bsp"])
    with pytest.raises(UserInputError, match="no data for NAIF ID -998"):
        orbit_from_spice([k["lsk"], k["spk"]], target="-998")
