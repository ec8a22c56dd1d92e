"""``synth --like``: the synthetic image of an observed one (observer, pointing, grid, time).

LEXI (real photon files, tests/data/real/lexi), an SXI FITS product, and an image given by
per-pixel GSE directions (IMAGE WIC's camera model) are imitated; the Earth seen from the Moon
lies where an independent ephemeris (astropy's built-in one) puts it.
"""

from __future__ import annotations

import importlib.util
import math
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import SkyCoord, get_body
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS

from smile_viewer.cli import main
from smile_viewer.coords import rotation_matrix
from smile_viewer.errors import UserInputError
from smile_viewer.io.lexi import load_lexi
from smile_viewer.io.observed import load_observed
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import uvi_pointing
from smile_viewer.physics.solar_wind import SolarWind
from smile_viewer.synth import TYPICAL_SOLAR_WIND, SynthOptions, make_synthetic, options_like

LEXI = Path(__file__).resolve().parent / "data" / "real" / "lexi"
FIRST = sorted(LEXI.glob("*.cdf"))[:2]


def _earth_pixels(camera):
    """(x, y) centroid [0-based pixel] of the pixels whose ray meets the Earth (r = 1 R_E)."""
    d = camera.ray_directions()
    p = camera.position_re
    b = d @ p
    hit = (b * b - (p @ p - 1.0) >= 0) & (b < 0)
    yy, xx = np.nonzero(hit)
    return float(xx.mean()), float(yy.mean()), int(hit.sum())


def _radec(v):
    return math.degrees(math.atan2(v[1], v[0])) % 360.0, math.degrees(math.asin(v[2] / np.linalg.norm(v)))


@pytest.mark.parametrize("observer", ["moon", "site"])
def test_the_earth_seen_from_the_moon_is_where_the_ephemeris_puts_it(observer, tmp_path):
    obs = load_lexi(FIRST, size_deg=26.0, pixel_deg=0.1, observer=observer)
    opts, _ = options_like(obs, tmp_path / "x.fits")
    cam = opts.camera
    assert cam.shape == obs.shape
    # the Earth's centre by an independent ephemeris: astropy's built-in Moon (no download)
    t = Time(obs.provenance["time_mid"], scale="utc")
    moon = get_body("moon", t).cartesian.xyz.to_value(u.km) / 6371.0
    earth_from = -moon
    if observer == "site":  # plus the site's offset from the Moon's centre (ours: 1737.4 km)
        site_gei = rotation_matrix(t, "gse", "gei") @ obs.position_re
        earth_from = -site_gei
        assert np.linalg.norm(site_gei - moon) * 6371.0 == pytest.approx(1737.4, abs=30.0)
    ra, dec = _radec(earth_from)
    x_wcs, y_wcs = obs.wcs.world_to_pixel_values(ra, dec)
    x_hit, y_hit, n_hit = _earth_pixels(cam)
    # the disc: asin(1/57) ≈ 1 deg in radius, about 330 pixels of 0.1 deg
    assert 250 < n_hit < 420
    # within 0.2 pixel (0.02 deg), the digitised disc's centroid error
    assert abs(x_hit - float(x_wcs)) < 0.2 and abs(y_hit - float(y_wcs)) < 0.2
    # the Earth is 9-10 deg from LEXI's pointing, toward lower RA (west): right of centre
    centre = SkyCoord(*obs.wcs.wcs.crval, unit="deg")
    assert 8.0 < centre.separation(SkyCoord(ra, dec, unit="deg")).deg < 11.5
    assert x_hit > (obs.shape[1] - 1) / 2 + 60


def test_lexi_like_writes_a_product_on_the_observed_grid(tmp_path):
    obs = load_lexi(FIRST, size_deg=24.0, pixel_deg=0.5)
    opts, _ = options_like(obs, tmp_path / "lexi.fits", seed=3)
    assert opts.max_distance_re >= np.linalg.norm(obs.position_re) + 40
    assert opts.exposure_s == pytest.approx(obs.exposure_s)
    prod = make_synthetic(opts)
    assert prod.instrument == "lexi" and prod.shape == obs.shape
    with fits.open(tmp_path / "lexi.fits") as h:
        hdr = h[0].header
        assert hdr["SWSOURCE"] == TYPICAL_SOLAR_WIND[:66]
        assert hdr["INSTRUME"] == "LEXI"
        assert h[0].data.shape == obs.shape
        w = WCS(hdr, naxis=2)
    # the product's WCS maps every pixel where the observed WCS does
    yy, xx = np.mgrid[0 : obs.shape[0] : 5, 0 : obs.shape[1] : 5]
    a = np.array(obs.wcs.pixel_to_world_values(xx, yy))
    b = np.array(w.pixel_to_world_values(xx, yy))
    dra = (a[0] - b[0] + 180) % 360 - 180
    assert np.max(np.abs(dra)) < 1e-6 and np.max(np.abs(a[1] - b[1])) < 1e-6


def test_sxi_product_imitated_gives_the_same_camera_and_image(tmp_path):
    t = Time("2026-05-01T06:00:00", scale="utc")
    first = tmp_path / "first.fits"
    make_synthetic(SynthOptions(instrument="sxi", out=first, time=t, shape=(16, 27), seed=1))
    obs = load_observed(first)
    opts, _ = options_like(first, tmp_path / "again.fits", seed=1)
    assert opts.time == obs.time_start
    assert np.allclose(opts.camera.position_re, obs.position_re)
    again = make_synthetic(opts)
    assert again.shape == (16, 27)
    a = fits.getdata(first)
    b = fits.getdata(tmp_path / "again.fits")
    assert np.allclose(a, b, rtol=1e-6, atol=1e-9)


def test_an_image_given_by_pixel_directions_is_imitated(tmp_path):
    """IMAGE WIC: no plain TAN geometry but the file's per-pixel GSE lines of sight."""
    t = Time("2026-05-01T06:00:00", scale="utc")
    pos = np.array([2.0, 3.0, 7.5])
    uvi = load_instrument("uvi")
    cam = uvi.camera(pos, uvi_pointing(pos, t).rotation, shape=(24, 24))
    rays = np.array(cam.ray_directions())
    wic = SimpleNamespace(
        path=Path("wic.sav"),
        image=np.ones((24, 24)),
        units="R",
        wcs=None,
        pixel_angles=None,
        pixel_directions_gse=rays,
        position_re=pos,
        time_start=t,
        time_end=t + 10 * u.s,
        exposure_s=10.0,
        instrument="wic",  # no instrument file by that name: UVI's (an imager in R) stands in
        shape=(24, 24),
    )
    opts, _ = options_like(wic, tmp_path / "wic.fits")
    assert np.allclose(opts.camera.ray_directions(), rays, atol=1e-12)
    assert opts.instrument.name == "uvi" and "UVI's response stands in" in opts.notes[0]
    counts_wic = SimpleNamespace(**{**vars(wic), "units": "count"})  # the WIC files hold counts
    assert options_like(counts_wic, tmp_path / "c.fits")[0].instrument.name == "uvi"
    direct = make_synthetic(
        SynthOptions(instrument="uvi", out=tmp_path / "d.fits", time=t, position_re=pos, rays=rays)
    )
    like = make_synthetic(opts)
    assert like.shape == direct.shape == (24, 24)
    a, b = fits.getdata(tmp_path / "d.fits"), fits.getdata(tmp_path / "wic.fits")
    ok = np.isfinite(a) & np.isfinite(b)
    assert ok.sum() > 300 and np.allclose(a[ok], b[ok], rtol=1e-6)
    bad = SimpleNamespace(**{**vars(wic), "pixel_directions_gse": np.zeros((24, 24, 3))})
    with pytest.raises(UserInputError, match="missing or zero"):
        options_like(bad, tmp_path / "bad.fits")


def _omni_helpers():
    spec = importlib.util.spec_from_file_location("omni_tests", Path(__file__).parent / "io" / "test_omni.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_cli_like_with_an_omni_file_states_the_solar_wind(tmp_path, capsys):
    h = _omni_helpers()
    start = Time("2025-03-03T07:00:00", scale="utc").datetime
    recs = [h.hro_record(start + timedelta(minutes=k), n=7.0, v=(-450.0, 0.0, 0.0)) for k in range(300)]
    omni = h.write_ascii(tmp_path / "omni_min2025.asc", recs)
    out = tmp_path / "like.fits"
    code = main(["synth", "--like", str(FIRST[0]), "--omni", str(omni), "--out", str(out), "--seed", "1"])
    text = capsys.readouterr().out
    assert code == 0
    assert "solar wind: OMNI file omni_min2025.asc at 2025-03-03T08:03" in text
    hdr = fits.getheader(out)
    assert hdr["SWSOURCE"].startswith("OMNI file omni_min2025.asc")
    assert hdr["SW_N"] == pytest.approx(7.0) and hdr["SW_VX"] == pytest.approx(-450.0)
    # --like sets the geometry: a position as well is a one-line mistake
    code = main(["synth", "--like", str(FIRST[0]), "--position", "10,0,0", "--out", str(out)])
    assert code == 2 and "--like sets the observer" in capsys.readouterr().err
    code = main(["synth", "--out", str(out), "--time", "2025-03-03T08:00:00"])
    assert code == 2 and "--instrument" in capsys.readouterr().err


def test_typical_solar_wind_is_stated_when_none_is_given(tmp_path):
    t = Time("2026-05-01T06:00:00", scale="utc")
    out = tmp_path / "s.fits"
    make_synthetic(SynthOptions(instrument="sxi", out=out, time=t, shape=(8, 12)))
    assert fits.getheader(out)["SWSOURCE"] == TYPICAL_SOLAR_WIND[:66]
    make_synthetic(
        SynthOptions(instrument="sxi", out=out, time=t, shape=(8, 12), solar_wind=SolarWind(n_cm3=9.0))
    )
    assert fits.getheader(out)["SWSOURCE"] == "given"


def test_real_image_wic_file_is_imitated(tmp_path):
    """The IMAGE WIC fixture: the file's camera model (per-pixel GSE lines of sight) and position."""
    path = Path(__file__).resolve().parent / "data" / "real" / "image-wic" / "wic20002410930.idl"
    obs = load_observed(path)
    opts, _ = options_like(path, tmp_path / "wic.fits")
    assert opts.camera.shape == obs.shape == (256, 256)
    np.testing.assert_allclose(opts.camera.ray_directions(), obs.pixel_directions_gse, atol=1e-9)
    np.testing.assert_allclose(opts.camera.position_re, obs.position_re)
    assert opts.time == obs.time_start and opts.instrument.name == "uvi"
    prod = make_synthetic(opts)
    data = fits.getdata(tmp_path / "wic.fits")
    assert prod.model == "aurora" and data.shape == (256, 256)
    # the oval is on the picture: its brightest pixels are inside the field, not on the border
    iy, ix = np.unravel_index(np.nanargmax(data), data.shape)
    assert 10 < iy < 246 and 10 < ix < 246
