"""Tests of the CCSDS OEM reader/writer, ephemeris interpolation and ephemeris export."""

from __future__ import annotations

import os

import numpy as np
import pytest
from astropy.time import TimeDelta

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.mission.ephemeris_export import export_ephemeris
from smile_viewer.mission.oem import (
    EphemerisOrbit,
    hermite_interpolate,
    lagrange_interpolate,
    read_oem,
    write_oem,
)
from smile_viewer.mission.orbit import default_orbit, orbit_from_oem

DAY = 86400.0


def _dt(seconds):
    return TimeDelta(np.asarray(seconds, dtype=float), format="sec")


@pytest.fixture(scope="module")
def orbit():
    return default_orbit()


@pytest.fixture(scope="module")
def grid(orbit):
    return orbit.epoch + _dt(np.arange(0, 3 * DAY + 1, 600.0))


# --------------------------------------------------------------------------- interpolation


def test_hermite_is_exact_for_polynomials_of_its_degree():
    rng = np.random.default_rng(3)
    ts = np.cumsum(rng.uniform(50, 150, 30))
    for degree in (1, 3, 5, 7, 9):
        coef = rng.normal(size=(degree + 1, 3))
        f = lambda t, coef=coef: np.stack([np.polyval(coef[:, k], t / 1000) for k in range(3)], -1)
        dcoef = [np.polyder(coef[:, k]) for k in range(3)]
        df = lambda t, dcoef=dcoef: np.stack([np.polyval(dcoef[k], t / 1000) / 1000 for k in range(3)], -1)
        s = np.linspace(ts[0], ts[-1], 777)
        p, v = hermite_interpolate(ts, f(ts), df(ts), s, degree)
        np.testing.assert_allclose(p, f(s), atol=1e-9 * np.abs(f(s)).max())
        np.testing.assert_allclose(v, df(s), atol=1e-8 * np.abs(df(s)).max())


def test_lagrange_is_exact_for_polynomials_of_its_degree():
    rng = np.random.default_rng(4)
    ts = np.cumsum(rng.uniform(50, 150, 30))
    for degree in (1, 2, 5, 8):
        coef = rng.normal(size=(degree + 1, 3))
        f = lambda t, coef=coef: np.stack([np.polyval(coef[:, k], t / 1000) for k in range(3)], -1)
        s = np.linspace(ts[0], ts[-1], 501)
        got = lagrange_interpolate(ts, f(ts), s, degree)
        np.testing.assert_allclose(got, f(s), atol=1e-9 * np.abs(f(s)).max())


def test_ephemeris_orbit_interpolates_kepler(orbit, grid):
    r, v = orbit.state(grid, "gei")
    eph = EphemerisOrbit(grid, r, v, "gei", name="SMILE")
    np.testing.assert_allclose(eph.position_km(grid, "gei"), r, atol=1e-9, rtol=0)
    mid = grid[:-1] + _dt(300.0)
    rm, vm = orbit.state(mid, "gei")
    re, ve = eph.state(mid, "gei")
    assert np.abs(re - rm).max() < 0.05  # km, worst at perigee with 10-min sampling
    assert np.abs(ve - vm).max() < 1e-4
    assert eph.period_s == pytest.approx(orbit.keplerian_period_s, rel=1e-3)
    apo_e = eph.apogee_times(grid[0], grid[-1])
    apo_k = orbit.apogee_times(grid[0], grid[-1])
    assert len(apo_e) == len(apo_k) == 1 and abs((apo_e - apo_k).sec[0]) < 1.0
    with pytest.raises(UserInputError, match="outside the ephemeris"):
        eph.position(grid[-1] + _dt(1.0), "gei")
    with pytest.raises(UserInputError, match="strictly increasing"):
        EphemerisOrbit(grid[::-1], r, v)


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize("frame", ["gei", "geo", "gse", "gsm", "sm"])
def test_oem_round_trip_exact(tmp_path, orbit, grid, frame):
    r, v = orbit.state(grid, frame)
    path = write_oem(tmp_path / f"smile_{frame}.oem", grid, r, v, frame=frame, object_name="SMILE")
    text = path.read_text()
    ref = {"gei": "EME2000", "geo": "ITRF", "gse": "GSE", "gsm": "GSM", "sm": "SM"}[frame]
    assert f"REF_FRAME = {ref}\n" in text
    if frame in ("gse", "gsm", "sm"):
        assert f"COMMENT REF_FRAME = {ref} is not a CCSDS/SANA reference frame" in text
    eph = read_oem(path)
    assert eph.native_frame == frame and eph.name == "SMILE"
    assert eph.interpolation == "HERMITE" and eph.degree == 7
    assert len(eph.times) == len(grid)
    assert np.abs((eph.times - grid).sec).max() < 1e-6
    np.testing.assert_array_equal(eph.pos_km, r)  # 17 significant digits: bit for bit
    np.testing.assert_array_equal(eph.vel_km_s, v)
    r2, v2 = eph.state(grid, frame)
    np.testing.assert_allclose(r2, r, atol=1e-9, rtol=0)
    np.testing.assert_allclose(v2, v, atol=1e-9, rtol=0)


def test_oem_in_rotating_frame_gives_same_inertial_orbit(tmp_path, orbit, grid):
    r, v = orbit.state(grid, "gse")
    eph = read_oem(write_oem(tmp_path / "gse.oem", grid, r, v, frame="gse"))
    mid = grid[:-1] + _dt(300.0)
    np.testing.assert_allclose(eph.position_km(mid, "gei"), orbit.position_km(mid, "gei"), atol=0.05)
    np.testing.assert_allclose(eph.velocity(mid, "gei"), orbit.velocity(mid, "gei"), atol=1e-4)


def test_oem_version_3_and_lagrange_keyword(tmp_path, orbit, grid):
    r, v = orbit.state(grid, "gei")
    path = write_oem(
        tmp_path / "v3.oem", grid, r, v, version="3.0", interpolation="LAGRANGE", interpolation_degree=9
    )
    assert path.read_text().startswith("CCSDS_OEM_VERS = 3.0\n")
    eph = orbit_from_oem(path)
    assert eph.interpolation == "LAGRANGE" and eph.degree == 9
    mid = grid[:-1] + _dt(300.0)
    p_lag = eph.position_km(mid, "gei")
    np.testing.assert_allclose(p_lag, lagrange_interpolate(eph._ts, r, eph._seconds(mid), 9))
    assert np.abs(p_lag - orbit.position_km(mid, "gei")).max() < 5.0


SAMPLE = """CCSDS_OEM_VERS = 2.0
COMMENT hand-written sample in the style of CCSDS 502.0-B-2 annex examples
CREATION_DATE = 2026-140T00:00:00
ORIGINATOR = TEST

META_START
OBJECT_NAME = SMILE
OBJECT_ID = 2026-001A
CENTER_NAME = EARTH
REF_FRAME = EME2000
TIME_SYSTEM = UTC
START_TIME = 2026-140T00:00:00.000
STOP_TIME = 2026-140T00:20:00.000
INTERPOLATION = HERMITE
INTERPOLATION_DEGREE = 3
META_STOP

COMMENT positions km, velocities km/s, accelerations km/s**2
{rows0}

COVARIANCE_START
EPOCH = 2026-140T00:00:00.000
COV_REF_FRAME = RTN
 3.3313494e-04
COVARIANCE_STOP

META_START
OBJECT_NAME = SMILE
OBJECT_ID = 2026-001A
CENTER_NAME = EARTH
REF_FRAME = EME2000
TIME_SYSTEM = UTC
START_TIME = 2026-140T00:20:00.000
STOP_TIME = 2026-140T00:40:00.000
META_STOP
{rows1}
"""


def test_read_multi_segment_sample_with_covariance_and_accelerations(tmp_path, orbit):
    t = orbit.epoch + _dt(np.arange(0, 2401, 300.0))
    r, v = orbit.state(t, "gei")
    doy = [f"2026-140T00:{int(s // 60):02d}:{int(s % 60):02d}.000Z" for s in np.arange(0, 2401, 300.0)]
    rows = [f"{d} {' '.join(f'{x:.12f}' for x in (*ri, *vi))} 0.0 0.0 0.0" for d, ri, vi in zip(doy, r, v)]
    # The second segment repeats the boundary epoch (00:20), as segments often do.
    text = SAMPLE.format(rows0="\n".join(rows[:5]), rows1="\n".join(rows[4:]))
    path = tmp_path / "sample.oem"
    path.write_text(text)
    eph = read_oem(path)
    assert len(eph.times) == 9
    assert eph.metadata["segments"] == 2 and eph.metadata["OBJECT_ID"] == "2026-001A"
    assert eph.degree == 3
    assert any("CCSDS 502.0-B-2" in c for c in eph.comments)
    np.testing.assert_allclose(eph.position_km(t, "gei"), r, atol=1e-9)


# --------------------------------------------------------------------------- malformed files

GOOD = """CCSDS_OEM_VERS = 2.0
CREATION_DATE = 2026-05-20T00:00:00
ORIGINATOR = TEST
META_START
OBJECT_NAME = SMILE
OBJECT_ID = SMILE
CENTER_NAME = EARTH
REF_FRAME = EME2000
TIME_SYSTEM = UTC
START_TIME = 2026-05-20T00:00:00
STOP_TIME = 2026-05-20T00:20:00
META_STOP
2026-05-20T00:00:00 1.0 2.0 3.0 0.1 0.2 0.3
2026-05-20T00:10:00 1.1 2.1 3.1 0.1 0.2 0.3
2026-05-20T00:20:00 1.2 2.2 3.2 0.1 0.2 0.3
"""


def _sub(old, new):
    return lambda s: s.replace(old, new)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (_sub("CCSDS_OEM_VERS = 2.0", "CCSDS_OPM_VERS = 2.0"), "line 1: an OEM starts with"),
        (_sub("= 2.0", "= 9.9"), "line 1: OEM version '9.9' not supported"),
        (_sub("1.1 2.1", "1.1 x2.1"), "line 14: cannot read number 'x2.1'"),
        (_sub(" 0.3\n2026-05-20T00:20", "\n2026-05-20T00:20"), "line 14: a data line has an epoch and 6"),
        (_sub("META_STOP\n", ""), "line 12: data line inside the metadata block .missing META_STOP"),
        (lambda s: s.split("META_STOP")[0], "has no META_STOP"),
        (_sub("REF_FRAME = EME2000\n", ""), "lacks REF_FRAME"),
        (_sub("EME2000", "TOD"), "REF_FRAME TOD is not supported"),
        (_sub("CENTER_NAME = EARTH", "CENTER_NAME = MOON"), "CENTER_NAME MOON is not supported"),
        (_sub("TIME_SYSTEM = UTC", "TIME_SYSTEM = MET"), "TIME_SYSTEM MET is not supported"),
        (_sub("2026-05-20T00:20:00 1.2", "2026-05-20T00:05:00 1.2"), "line 15: epoch is not after"),
        (_sub("2026-05-20T00:10:00 1.1", "2026-05-20T0O:10:00 1.1"), "line 14: cannot read epoch"),
        (lambda s: s.split("META_START")[0], "no META_START"),
        (lambda s: s.split("2026-05-20T00:00:00 1.0")[0], "segment has no ephemeris data"),
        (_sub("ORIGINATOR = TEST", "ORIGINATOR TEST"), "line 3: expected 'KEYWORD = value'"),
        (lambda s: "", "empty file"),
        (_sub("META_STOP", "INTERPOLATION_DEGREE = seven\nMETA_STOP"), "INTERPOLATION_DEGREE 'seven'"),
    ],
)
def test_malformed_oem_raises_data_file_error(tmp_path, edit, message):
    path = tmp_path / "bad.oem"
    path.write_text(edit(GOOD))
    with pytest.raises(DataFileError, match=message) as info:
        read_oem(path)
    assert str(info.value).startswith(str(path) + ": ")
    assert "\n" not in str(info.value)


def test_good_sample_reads(tmp_path):
    path = tmp_path / "good.oem"
    path.write_text(GOOD)
    eph = read_oem(path)
    assert len(eph.times) == 3 and eph.native_frame == "gei"
    assert eph.interpolation == "HERMITE" and eph.degree == 7  # defaults when absent


def test_binary_and_xml_and_missing_files(tmp_path):
    binary = tmp_path / "bin.oem"
    binary.write_bytes(bytes(range(256)))
    with pytest.raises(DataFileError, match="not a text file"):
        read_oem(binary)
    xml = tmp_path / "x.oem"
    xml.write_text('<?xml version="1.0"?><oem></oem>')
    with pytest.raises(DataFileError, match="XML OEM"):
        read_oem(xml)
    with pytest.raises(DataFileError, match=r"missing\.oem: no such file"):
        read_oem(tmp_path / "missing.oem")
    with pytest.raises(DataFileError, match="is a directory"):
        read_oem(tmp_path)


def test_time_systems(tmp_path, orbit, grid):
    r, v = orbit.state(grid[:10], "gei")
    for system in ("TAI", "TT", "TDB"):
        eph = read_oem(write_oem(tmp_path / f"{system}.oem", grid[:10], r, v, time_system=system))
        assert np.abs((eph.times - grid[:10]).sec).max() < 2e-6, system
    gps = (tmp_path / "TAI.oem").read_text().replace("TIME_SYSTEM = TAI", "TIME_SYSTEM = GPS")
    (tmp_path / "gps.oem").write_text(gps)
    eph = read_oem(tmp_path / "gps.oem")  # same labels read as GPS are 19 s later
    np.testing.assert_allclose((eph.times - grid[:10]).sec, 19.0, atol=2e-6)


# --------------------------------------------------------------------------- export


def test_export_csv(tmp_path, orbit, grid):
    path = export_ephemeris(orbit, grid[:25], "gse", tmp_path / "smile.csv")
    lines = path.read_text().splitlines()
    header = [ln for ln in lines if ln.startswith("#")]
    assert any("frame: GSE" in ln for ln in header)
    assert any("units: R_E (1 R_E = 6371 km)" in ln for ln in header)
    assert any("source: SMILE" in ln and "smile_default.json" in ln for ln in header)
    body = [ln for ln in lines if not ln.startswith("#")]
    assert body[0] == "time_utc,x_re,y_re,z_re"
    assert len(body) == 26
    data = np.loadtxt(path, delimiter=",", comments="#", skiprows=len(header) + 1, usecols=(1, 2, 3))
    np.testing.assert_allclose(data, orbit.position(grid[:25], "gse"), atol=1e-9)
    assert body[1].startswith("2026-05-20T00:00:00.000,")


def test_export_oem_velocities_in_target_frame(tmp_path, orbit, grid):
    path = export_ephemeris(orbit, grid[:50], "gsm", tmp_path / "smile.OEM")
    text = path.read_text()
    assert "REF_FRAME = GSM" in text and "velocities are relative to the rotating GSM axes" in text
    eph = read_oem(path)
    assert eph.native_frame == "gsm"
    # velocity in the file = derivative of the positions in the same (rotating) frame
    t = grid[1:49]
    h = 0.5
    fd = (orbit.position_km(t + _dt(h), "gsm") - orbit.position_km(t - _dt(h), "gsm")) / (2 * h)
    np.testing.assert_allclose(eph.vel_km_s[1:49], fd, atol=5e-7)


def test_export_bad_extension_writes_nothing(tmp_path, orbit, grid):
    with pytest.raises(UserInputError, match=r"\.csv .* or \.oem"):
        export_ephemeris(orbit, grid[:3], "gse", tmp_path / "smile.txt")
    with pytest.raises(UserInputError, match="unknown frame"):
        export_ephemeris(orbit, grid[:3], "hci", tmp_path / "smile.csv")
    with pytest.raises(UserInputError, match="does not exist"):
        export_ephemeris(orbit, grid[:3], "gse", tmp_path / "nodir" / "smile.csv")
    assert list(tmp_path.iterdir()) == []


def test_export_is_atomic(tmp_path, orbit, grid, monkeypatch):
    target = tmp_path / "smile.oem"
    target.write_text("previous content\n")
    eph = EphemerisOrbit(grid[:5], *orbit.state(grid[:5], "gei"))
    # Failure while computing (times outside the ephemeris): nothing written, old file kept.
    with pytest.raises(UserInputError, match="outside the ephemeris"):
        export_ephemeris(eph, grid[:10], "gei", target)
    assert target.read_text() == "previous content\n"
    # Failure at the rename: the temporary file is removed.
    import smile_viewer.io.atomic as atomic

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(UserInputError, match="No space left"):
        export_ephemeris(orbit, grid[:10], "gei", target)
    monkeypatch.undo()
    assert target.read_text() == "previous content\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["smile.oem"]
    # Success replaces it, with ordinary permissions.
    export_ephemeris(orbit, grid[:10], "gei", target)
    assert read_oem(target).times.shape == (10,)
    umask = os.umask(0)
    os.umask(umask)
    assert (target.stat().st_mode & 0o777) == (0o666 & ~umask)
