"""LEXI level-1c photon events: reading, masking, exposure, binning, the observer on the Moon.

The real fixtures are the 36 five-minute files of 2025-03-03 08:00-11:00 UTC in
tests/data/real/lexi (provenance in its README.md). Expected values are counted here with
cdflib and astropy directly, not with the reader under test.
"""

from __future__ import annotations

import math
from pathlib import Path

import cdflib
import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.time import Time

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.lexi import (
    bin_lexi,
    events_table,
    group_files,
    is_lexi_cdf,
    lexi_files,
    load_lexi,
    pointing_from_events,
    read_lexi_events,
)
from smile_viewer.io.observed import load_observed
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.moon import (
    BLUE_GHOST_1_SITE,
    moon_body_to_gei,
    moon_position_gei_km,
    moon_position_re,
    site_position_re,
)

DATA = Path(__file__).resolve().parents[1] / "data" / "real" / "lexi"
FILES = sorted(DATA.glob("*.cdf"))
N_EVENTS = 114_238  # the README's count of the 36 files


def _raw(paths):
    """(epoch TT2000 ns, ra, dec) of files, read with cdflib only."""
    ep, ra, dec = [], [], []
    for f in paths:
        c = cdflib.CDF(str(f))
        ep.append(np.asarray(c.varget("Epoch")))
        ra.append(np.asarray(c.varget("ra_J2000_deg"), dtype=float))
        dec.append(np.asarray(c.varget("dec_J2000_deg"), dtype=float))
    return np.concatenate(ep), np.concatenate(ra), np.concatenate(dec)


def _write_lexi(
    path, epoch_ns, ra, dec, unix=None, *, names=("Epoch", "Epoch_unix", "ra_J2000_deg", "dec_J2000_deg")
):
    """A LEXI-like level-1c CDF written with cdflib from the layout of the real files."""
    from cdflib.cdfwrite import CDF

    c = CDF(str(path), cdf_spec={"Majority": "row_major"})
    c.write_globalattrs(
        {"title": {0: "test"}, "source_description": {0: "X-ray data from the LEXI spacecraft"}}
    )
    n = len(epoch_ns)
    if unix is None:
        unix = np.floor(_tt2000_unix(np.asarray(epoch_ns))).astype(np.int32)
    specs = {
        "Epoch": (33, np.asarray(epoch_ns, dtype=np.int64)),
        "Epoch_unix": (4, np.asarray(unix, dtype=np.int32)),
        "ra_J2000_deg": (44, np.asarray(ra, dtype=np.float32)),
        "dec_J2000_deg": (44, np.asarray(dec, dtype=np.float32)),
    }
    for name in names:
        dtype, data = specs[name]
        c.write_var(
            {"Variable": name, "Data_Type": dtype, "Num_Elements": 1, "Rec_Vary": True, "Dim_Sizes": []},
            var_attrs={},
            var_data=data if n else None,
        )
    c.close()
    return Path(path)


def _tt2000_unix(ns):
    t = Time(2451545.0, format="jd", scale="tt") + (np.asarray(ns, dtype=float) / 1e9) * u.s
    return t.utc.unix


def _tt2000(iso: str, seconds) -> np.ndarray:
    t = Time(iso, scale="utc") + np.asarray(seconds, dtype=float) * u.s
    return np.round((t.tt - Time(2451545.0, format="jd", scale="tt")).to_value(u.s) * 1e9).astype(np.int64)


# ---------------------------------------------------------------------------- the real files


def test_fixture_holds_the_36_files_and_their_events():
    assert len(FILES) == 36
    ep, ra, dec = _raw(FILES)
    assert ep.size == N_EVENTS


def test_the_36_files_bin_to_images_whose_total_is_the_valid_events():
    """The issue's criterion: counts images whose total equals the number of valid events."""
    ep, ra, dec = _raw(FILES)
    valid = np.isfinite(ra) & np.isfinite(dec) & (np.abs(dec) <= 90) & (ep > -(2**62))
    n_valid = int(valid.sum())
    # a grid holding the whole sky region of the photons: every valid photon is binned
    whole = load_lexi(DATA, size_deg=80.0, pixel_deg=0.5)
    assert whole.image.sum() == n_valid == whole.provenance["n_valid"]
    # the default 12 deg grid: the photons scattered beyond it are masked and counted
    obs = load_observed(DATA)
    assert obs.format == "lexi-l1c" and obs.instrument == "lexi" and obs.units == "count"
    w = obs.wcs
    x, y = w.wcs_world2pix(ra[valid], dec[valid], 0)
    ny, nx = obs.shape
    inside = (
        (np.floor(x + 0.5) >= 0)
        & (np.floor(x + 0.5) < nx)
        & (np.floor(y + 0.5) >= 0)
        & (np.floor(y + 0.5) < ny)
    )
    assert obs.image.sum() == int(inside.sum())
    assert obs.provenance["masked"]["outside the sky grid"] == n_valid - int(inside.sum())
    assert obs.image.sum() + sum(obs.provenance["masked"].values()) == N_EVENTS
    assert any("outside the sky grid" in n for n in obs.notes)


def test_exposure_is_the_file_spans_without_the_gaps_between_files():
    one = read_lexi_events(FILES[0])
    ep, _, _ = _raw(FILES[:1])
    t = _tt2000_unix(ep)
    assert one.exposure_s == pytest.approx(t.max() - t.min(), abs=1e-3)
    assert 299.0 < one.exposure_s < 301.0
    # two files three hours apart: the exposure is the sum of their spans, not the time between
    two = bin_lexi([FILES[0], FILES[-1]])
    spans = [read_lexi_events(f).exposure_s for f in (FILES[0], FILES[-1])]
    assert two.exposure_s == pytest.approx(sum(spans), abs=1e-3)
    assert len(two.provenance["intervals_unix"]) == 2
    allf = load_lexi(DATA)
    assert 36 * 299.0 < allf.exposure_s < 36 * 300.5
    assert allf.exposure_s < (allf.time_end - allf.time_start).to_value(u.s)


def test_a_stacked_hour_is_twelve_files_and_a_time_range_selects_it():
    events = [read_lexi_events(f) for f in FILES]
    groups = group_files(events, 60)
    assert [len(g) for g in groups] == [12, 12, 12]
    hour = bin_lexi(groups[0])
    assert hour.exposure_s == pytest.approx(sum(e.exposure_s for e in groups[0]), rel=1e-9)
    same = bin_lexi(events, start=hour.time_start, end=hour.time_end)
    assert same.exposure_s == pytest.approx(hour.exposure_s, abs=1e-3)
    assert same.image.sum() == hour.image.sum()
    # the files run 08:00:35 to 09:00:36: a range ending at 09:00:00 clips the last file
    clipped = bin_lexi(events, start="2025-03-03T08:00:00", end="2025-03-03T09:00:00")
    cut = hour.time_end.unix - Time("2025-03-03T09:00:00", scale="utc").unix
    assert clipped.exposure_s == pytest.approx(hour.exposure_s - cut, abs=1e-3)
    assert clipped.image.sum() < hour.image.sum()


def test_pointing_grid_and_wcs_put_photons_where_their_directions_are():
    obs = load_lexi(FILES[:3], pixel_deg=0.5, size_deg=10)
    ra0, dec0 = obs.provenance["pointing_deg"]
    # the median direction lies in the dense core of the photons (RA ~215, Dec ~-18)
    assert 212 < ra0 < 218 and -21 < dec0 < -15
    w = obs.wcs
    assert obs.shape == (20, 20)
    cx, cy = w.wcs_world2pix([ra0], [dec0], 0)
    assert cx[0] == pytest.approx(9.5) and cy[0] == pytest.approx(9.5)
    # row 0 at the top is north: 1 deg north is 2 rows toward row 0; east (RA up) is to the left
    _, yn = w.wcs_world2pix([ra0], [dec0 + 1.0], 0)
    assert yn[0] - cy[0] == pytest.approx(-2.0, abs=1e-3)
    xe, _ = w.wcs_world2pix([ra0 + 1.0 / math.cos(math.radians(dec0))], [dec0], 0)
    assert xe[0] < cx[0]
    # the field map: 1 inside the central 7 deg circle, 0 outside
    vig = obs.maps["VIGMAP"]
    yy, xx = np.mgrid[0:20, 0:20]
    ra_p, dec_p = w.wcs_pix2world(xx, yy, 0)
    sep = SkyCoord(ra_p * u.deg, dec_p * u.deg).separation(SkyCoord(ra0 * u.deg, dec0 * u.deg)).deg
    assert np.array_equal(vig > 0, sep <= 3.5)
    assert obs.valid_mask().sum() == (sep <= 3.5).sum()
    wide = load_lexi(FILES[:3], pixel_deg=0.5, size_deg=10, field_deg=9.1)
    assert np.array_equal(wide.maps["VIGMAP"] > 0, sep <= 4.55)


def test_the_kept_field_is_where_the_exposure_is_flat():
    """FLAT_FIELD_DEG: the photon rate per square degree is flat inside 3.5 deg, half at ~4.2 deg."""
    obs = load_lexi(DATA, pixel_deg=0.1, size_deg=14)
    ny, nx = obs.shape
    yy, xx = np.mgrid[0:ny, 0:nx]
    r = np.hypot(xx - (nx - 1) / 2, yy - (ny - 1) / 2) * 0.1
    rate = [obs.image[(r >= a) & (r < a + 0.5)].mean() for a in np.arange(0.5, 6.0, 0.5)]
    inner = np.array(rate[:6])  # 0.5-3.5 deg
    assert inner.std() / inner.mean() < 0.08
    assert rate[7] < 0.75 * inner.mean()  # 4.0-4.5 deg
    assert rate[9] < 0.25 * inner.mean()  # 5.0-5.5 deg


def test_pointing_ignores_a_scattered_halo():
    rng = np.random.default_rng(1)
    c = SkyCoord(120.0 * u.deg, 30.0 * u.deg)
    core = c.directional_offset_by(
        rng.uniform(0, 360, 4000) * u.deg, 4.0 * np.sqrt(rng.uniform(0, 1, 4000)) * u.deg
    )
    halo = c.directional_offset_by(rng.uniform(200, 250, 1500) * u.deg, rng.uniform(6, 25, 1500) * u.deg)
    ra = np.concatenate([core.ra.deg, halo.ra.deg])
    dec = np.concatenate([core.dec.deg, halo.dec.deg])
    ra0, dec0 = pointing_from_events(ra, dec)
    assert SkyCoord(ra0 * u.deg, dec0 * u.deg).separation(c).deg < 0.15
    naive = SkyCoord(np.median(ra) * u.deg, np.median(dec) * u.deg).separation(c).deg
    assert naive > 0.5  # the halo does pull a plain median


# ---------------------------------------------------------------------------- messy files


def test_fill_values_and_bad_positions_are_masked_and_counted(tmp_path):
    n = 200
    sec = np.linspace(0.5, 299.5, n)
    ep = _tt2000("2025-03-03T08:00:00", sec)
    ra = np.full(n, 214.0)
    dec = np.full(n, -18.0)
    ra[:5] = np.nan  # no position
    dec[5:9] = -1e31  # a CDF fill value
    ep[9:12] = -9223372036854775807  # the TT2000 fill value
    unix = np.full(n, -2147483647, dtype=np.int64)  # the Epoch_unix fill value where Epoch is filled
    good = np.ones(n, dtype=bool)
    good[9:12] = False
    unix[good] = np.floor(_tt2000_unix(ep[good])).astype(np.int64)
    unix[12:14] += 3600  # Epoch_unix an hour off
    f = _write_lexi(tmp_path / "lexi_payload_1740988800_1_level_1c_1.0.0.cdf", ep, ra, dec, unix)
    ev = read_lexi_events(f)
    assert ev.masked == {
        "no valid time (fill value)": 3,
        "Epoch and Epoch_unix disagree": 2,
        "no valid position (fill value or out of range)": 9,
    }
    assert ev.n_valid == n - 14
    obs = bin_lexi(ev, size_deg=4.0, pixel_deg=1.0)
    assert obs.image.sum() == n - 14
    assert "no valid time" in obs.notes[0] and "no valid position" in obs.notes[0]
    tab = events_table(ev)
    assert len(tab) == n and int(np.sum(tab["valid"])) == n - 14


def test_a_silence_inside_a_file_is_not_exposure(tmp_path):
    sec = np.concatenate([np.linspace(0, 100, 1000), np.linspace(160, 300, 1400)])
    ep = _tt2000("2025-03-03T08:00:00", sec)
    f = _write_lexi(tmp_path / "a.cdf", ep, np.full(sec.size, 10.0), np.full(sec.size, 5.0))
    ev = read_lexi_events(f)
    assert len(ev.gaps) == 1
    assert ev.exposure_s == pytest.approx(300.0 - 60.0, abs=0.01)


def test_a_file_from_another_instrument_is_one_line(tmp_path):
    ep = _tt2000("2025-03-03T08:00:00", [1.0, 2.0])
    f = _write_lexi(tmp_path / "other.cdf", ep, [1.0, 2.0], [3.0, 4.0], names=("Epoch", "Epoch_unix"))
    assert not is_lexi_cdf(f)
    with pytest.raises(DataFileError, match="not a LEXI level-1c photon file: no variable ra_J2000_deg") as e:
        read_lexi_events(f)
    assert "\n" not in str(e.value)
    txt = tmp_path / "notes.cdf"
    txt.write_text("hello")
    with pytest.raises(DataFileError, match="is not a CDF file"):
        read_lexi_events(txt)
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(UserInputError, match="holds no .cdf file"):
        lexi_files(tmp_path / "empty_dir")
    with pytest.raises(UserInputError, match="matches no file"):
        lexi_files(str(tmp_path / "nothing*.cdf"))


def test_load_observed_recognises_lexi_by_content(tmp_path):
    renamed = tmp_path / "photons.bin"
    renamed.write_bytes(FILES[0].read_bytes())
    obs = load_observed(renamed)
    assert obs.format == "lexi-l1c" and obs.provenance["n_files"] == 1
    globbed = load_observed(str(DATA / "lexi_payload_17409888*.cdf"))
    assert globbed.provenance["n_files"] == 1


# ---------------------------------------------------------------------------- the Moon


T = Time("2025-03-03T09:30:00", scale="utc")


def test_moon_position_agrees_with_astropy_builtin_ephemeris():
    from astropy.coordinates import get_body

    p = moon_position_gei_km(T)
    g = get_body("moon", T).cartesian.xyz.to_value(u.km)  # astropy's built-in ephemeris (no download)
    ang = math.degrees(math.acos(p @ g / np.linalg.norm(p) / np.linalg.norm(g))) * 3600
    assert ang < 20.0  # arcsec
    assert abs(np.linalg.norm(p) - np.linalg.norm(g)) < 30.0  # km
    assert 56.0 < np.linalg.norm(moon_position_re(T)) < 64.0


def test_lunar_orientation_shows_the_near_side_and_the_site_sees_the_earth():
    rot = moon_body_to_gei(T)
    assert np.allclose(rot.T @ rot, np.eye(3), atol=1e-12) and np.linalg.det(rot) > 0
    to_earth = -moon_position_gei_km(T)
    e = rot.T @ (to_earth / np.linalg.norm(to_earth))
    # the sub-Earth point stays within the optical librations (±8° in longitude, ±7° in latitude)
    assert abs(math.degrees(math.atan2(e[1], e[0]))) < 8.5
    assert abs(math.degrees(math.asin(e[2]))) < 7.0
    site = site_position_re(T, frame="gei")
    centre = moon_position_re(T, "gei")
    assert np.linalg.norm(site - centre) * 6371.0 == pytest.approx(1737.4, rel=1e-9)
    up = (site - centre) / np.linalg.norm(site - centre)
    elevation = 90 - math.degrees(math.acos(up @ (-site / np.linalg.norm(site))))
    # 61.8° E, 18.6° N on the near side: the Earth stands about 90 - 64 = 26° above the horizon
    assert 15.0 < elevation < 40.0
    assert BLUE_GHOST_1_SITE == (18.5604, 61.8071)


def test_lexi_observer_is_the_site_at_mid_exposure():
    obs = load_lexi(FILES[:2])
    tmid = Time(obs.provenance["time_mid"], scale="utc")
    assert np.allclose(obs.position_re, site_position_re(tmid), atol=1e-9)
    moon = load_lexi(FILES[:2], observer="moon")
    assert np.linalg.norm(moon.position_re - obs.position_re) == pytest.approx(1737.4 / 6371.0, rel=1e-6)
    inst = load_instrument("lexi")
    assert inst.fov_deg == (9.1, 9.1) and inst.band_kev == (0.1, 2.0)
    assert "effective_area_cm2" in inst.approximate_values()
