"""FITS products: the celestial WCS of a camera, the product's keys and extensions, quicklook."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS

from smile_viewer.coords import rotation_matrix
from smile_viewer.io.products import (
    RESPONSE_EXTENSIONS,
    camera_wcs,
    read_synthetic_product,
    write_synthetic_product,
)
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import sxi_pointing, uvi_pointing
from smile_viewer.mission.response import compute_response
from smile_viewer.physics.emissivity import jorgensen_defaults
from smile_viewer.physics.solar_wind import SolarWind

T = Time("2026-05-21T01:00:00")
POS = np.array([2.0, -5.0, 18.0])


def _directions(w, ii, jj):
    sky = w.pixel_to_world(ii, jj)
    ra, dec = sky.ra.rad, sky.dec.rad
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def _angle(a, b):
    return np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), np.sum(a * b, axis=-1))


@pytest.mark.parametrize(
    "roll,shape,frame", [(0.0, (31, 53), "gse"), (37.0, (155, 265), "gse"), (-120.0, (20, 20), "gsm")]
)
def test_wcs_matches_camera_rays(roll, shape, frame):
    sxi = load_instrument("sxi")
    rot = sxi_pointing(POS, roll_deg=roll).rotation
    if frame == "gsm":
        m = rotation_matrix(T, "gse", "gsm")
        cam = sxi.camera(m @ POS, m @ rot, shape=shape, frame="gsm")
    else:
        cam = sxi.camera(POS, rot, shape=shape)
    w = camera_wcs(cam, T)
    ny, nx = shape
    jj, ii = np.mgrid[0:ny, 0:nx]
    got = _directions(w, ii, jj)
    rays_gei = cam.ray_directions() @ rotation_matrix(T, cam.frame, "gei").T
    assert _angle(got, rays_gei).max() < 1e-9
    # world -> pixel round trip
    x, y = w.world_to_pixel(w.pixel_to_world(ii, jj))
    assert np.abs(x - ii).max() < 1e-7 and np.abs(y - jj).max() < 1e-7
    # The header describes the same WCS; CDELT are the pixel sizes; the boresight at CRPIX.
    w2 = WCS(w.to_header())
    np.testing.assert_allclose(w2.pixel_to_world_values(ii, jj), w.pixel_to_world_values(ii, jj), atol=1e-10)
    np.testing.assert_allclose(w.wcs.cdelt, np.degrees(cam.pixel_scale_rad), rtol=1e-12)
    np.testing.assert_allclose(w.wcs.crpix, [(nx + 1) / 2, (ny + 1) / 2])
    b_gei = rotation_matrix(T, cam.frame, "gei") @ cam.boresight
    centre = _directions(w, np.array([(nx - 1) / 2]), np.array([(ny - 1) / 2]))[0]
    assert _angle(centre, b_gei) < 1e-12


def test_wcs_at_celestial_pole():
    sxi = load_instrument("sxi")
    m = rotation_matrix(T, "gei", "gse")
    rot_gei = np.column_stack([[1.0, 0, 0], [0, -1.0, 0], [0, 0, -1.0]])  # boresight to the south pole
    cam = sxi.camera((0, 0, 12), m @ rot_gei, shape=(9, 15))
    w = camera_wcs(cam, T)
    jj, ii = np.mgrid[0:9, 0:15]
    assert _angle(_directions(w, ii, jj), cam.ray_directions() @ m).max() < 1e-9


@pytest.fixture(scope="module")
def sxi_product(tmp_path_factory):
    sxi = load_instrument("sxi")
    point = sxi_pointing(POS)
    cam = sxi.camera(POS, point.rotation, shape=(24, 40))
    sw = SolarWind.from_speed(n_cm3=7.0, v_km_s=450.0, bz_nt=-3.0)
    model = jorgensen_defaults(sw)
    image = np.random.default_rng(0).uniform(1.0, 30.0, cam.shape)
    resp = compute_response(image, cam, sxi, exposure_s=120.0, seed=5)

    class Result:  # what render() gives, minimally
        units = "keV cm^-2 s^-1 sr^-1"

    result = Result()
    result.image = image
    result.provenance = {
        "backend": "cpu",
        "settings": {"method": "adaptive", "max_distance_re": 80.0, "occult_earth": True},
    }
    path = tmp_path_factory.mktemp("prod") / "sxi.fits"
    write_synthetic_product(
        path, result, cam, T, sxi, response=resp, solar_wind=sw, model=model, aim_re=point.aim_re
    )
    return path, cam, image, resp, sw, model, point


def test_product_keys_and_extensions(sxi_product):
    path, cam, image, resp, sw, model, point = sxi_product
    with fits.open(path, checksum=True) as hdul:
        h = hdul[0].header
        np.testing.assert_allclose(hdul[0].data, image)
        assert h["BUNIT"] == "keV cm-2 s-1 sr-1"
        for k, v in zip(("POS_X", "POS_Y", "POS_Z"), POS):
            assert h[k] == pytest.approx(v)
        for k, v in zip(("AIM_X", "AIM_Y", "AIM_Z"), point.aim_re):
            assert h[k] == pytest.approx(v)
        assert h["DATE-OBS"].startswith("2026-05-21T01:00:00")
        assert (Time(h["DATE-END"]) - Time(h["DATE-OBS"])).to_value("s") == pytest.approx(120.0, abs=1e-3)
        assert h["EXPOS"] == 120.0 and h["EMIN"] == 0.2 and h["EMAX"] == 2.5
        np.testing.assert_allclose([h["CDELT1"], h["CDELT2"]], np.degrees(cam.pixel_scale_rad))
        assert h["CTYPE1"] == "RA---TAN" and h["CTYPE2"] == "DEC--TAN"
        assert h["MODEL"] == "jorgensen"
        for name, value in model.params.items():
            assert h[f"HIERARCH MODEL {name}"] == pytest.approx(value)
        for k, v, _ in sw.fits_cards():
            assert h[k] == pytest.approx(v)
        assert h["BACKEND"] == "cpu" and h["METHOD"] == "adaptive" and h["MAXDIST"] == 80.0
        assert h["VERSION"] and h["PROGRAM"] == "smile-viewer" and h["INSTRUME"] == "SXI"
        assert h["SEED"] == 5
        names = [hdu.name for hdu in hdul]
        for ext in RESPONSE_EXTENSIONS + ("PROVENANCE",):
            assert ext in names
        np.testing.assert_array_equal(hdul["CTSMAP"].data, resp.counts)
        np.testing.assert_allclose(hdul["EXPMAP"].data, resp.expected, rtol=1e-6)
        np.testing.assert_allclose(hdul["BKGMAP"].data, resp.background, rtol=1e-6)
        np.testing.assert_allclose(hdul["VIGMAP"].data, resp.vignetting, rtol=1e-6)
        cx = (resp.counts - resp.background) / resp.vignetting
        np.testing.assert_allclose(hdul["CXFOV"].data, cx, rtol=1e-5)
        assert WCS(hdul["CTSMAP"].header).wcs.ctype[0] == "RA---TAN"
    # astropy's own verification of the file (standard keywords, checksums).
    with fits.open(path) as hdul:
        hdul.verify("exception")


def test_product_round_trip(sxi_product):
    path, cam, image, resp, _sw, model, point = sxi_product
    prod = read_synthetic_product(path)
    np.testing.assert_allclose(prod.image, image)
    assert prod.units == "keV cm^-2 s^-1 sr^-1" and prod.instrument == "sxi"
    np.testing.assert_allclose(prod.position_re, POS)
    np.testing.assert_allclose(prod.aim_re, point.aim_re)
    assert abs((prod.time - T).to_value("s")) < 1e-3 and prod.exposure_s == 120.0
    assert prod.model == "jorgensen" and prod.model_params == pytest.approx(model.params)
    assert prod.solar_wind.n_cm3 == pytest.approx(7.0) and prod.solar_wind.bz_nt == pytest.approx(-3.0)
    assert prod.provenance["render"]["backend"] == "cpu"
    np.testing.assert_array_equal(prod.maps["CTSMAP"], resp.counts)
    ny, nx = cam.shape
    jj, ii = np.mgrid[0:ny, 0:nx]
    rays_gei = cam.ray_directions() @ rotation_matrix(T, "gse", "gei").T
    assert _angle(_directions(prod.wcs, ii, jj), rays_gei).max() < 1e-9


def test_uvi_product_without_response_and_atomic(tmp_path):
    uvi = load_instrument("uvi")
    point = uvi_pointing(POS, T)
    cam = uvi.camera(POS, point.rotation, shape=(16, 16))
    img = np.where(cam.inside_field(), 500.0, np.nan)
    path = tmp_path / "uvi.fits"
    write_synthetic_product(path, img, cam, T, uvi, model={"model": "aurora", "parameters": {"kp": 3.0}})
    with fits.open(path) as hdul:
        h = hdul[0].header
        assert h["BUNIT"] == "R" and h["EXPOS"] == 60.0 and h["HIERARCH MODEL kp"] == 3.0
        assert h["WAVEMIN"] == 160.0 and "CTSMAP" not in [x.name for x in hdul]
        assert "AIMDEF" in h  # no aim point given: the header says what AIM_* is
    assert [p.name for p in tmp_path.iterdir()] == ["uvi.fits"]  # no temporary file left


def test_quicklook_png(tmp_path, sxi_product):
    pytest.importorskip("matplotlib")
    from PIL import Image

    from smile_viewer.io.quicklook import write_quicklook_png

    _, cam, image, *_ = sxi_product
    for scale in ("log", "linear", "sqrt", "asinh"):
        out = write_quicklook_png(
            tmp_path / f"q_{scale}.png", image, cam, "keV cm^-2 s^-1 sr^-1", title="test", scale=scale
        )
        with Image.open(out) as im:
            assert im.format == "PNG" and im.size[0] > 300
    uvi = load_instrument("uvi")
    ucam = uvi.camera(POS, uvi_pointing(POS, T).rotation, shape=(16, 16))
    write_quicklook_png(tmp_path / "u.png", np.full((16, 16), 100.0), ucam, "R", "uvi")


def test_io_import_does_not_load_matplotlib():
    code = (
        "import sys, smile_viewer.io, smile_viewer.io.products, smile_viewer.io.quicklook; "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
