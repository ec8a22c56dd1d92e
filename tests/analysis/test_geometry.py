"""Matched geometry: a synthetic image made for an observed header lands pixel for pixel on
the observed grid; explicit-ray cameras for other layouts; the SXI team's level-3 angles."""

from __future__ import annotations

import math

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time

from smile_viewer.analysis.geometry import (
    camera_for_observation,
    match_geometry,
    observation_position,
    pixel_directions,
    regrid_to_observation,
)
from smile_viewer.compute import AnalyticSource, RenderRequest, render
from smile_viewer.coords import rotation_matrix
from smile_viewer.errors import UserInputError
from smile_viewer.io.observed import load_observed
from smile_viewer.io.products import camera_wcs, write_synthetic_product
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import sxi_pointing, uvi_pointing
from smile_viewer.mission.response import compute_response
from smile_viewer.physics.emissivity import jorgensen_defaults
from smile_viewer.physics.solar_wind import SolarWind

T = Time("2026-05-21T01:00:00")
POS = np.array([6.0, -6.0, 18.0])
MODEL = jorgensen_defaults(SolarWind(n_cm3=7.0))


def _angle(a, b):
    return np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), np.sum(a * b, axis=-1))


def _render(cam):
    return render(RenderRequest(cam, AnalyticSource(MODEL), backend="cpu")).image


@pytest.mark.parametrize("shape,roll", [((155, 265), 0.0), ((31, 53), 23.0), ((20, 21), -140.0)])
def test_synthetic_image_lands_pixel_for_pixel(tmp_path, shape, roll):
    """Write a product, read it back as an observation, rebuild the camera, render again."""
    sxi = load_instrument("sxi")
    pt = sxi_pointing(POS, roll_deg=roll)
    cam = sxi.camera(POS, pt.rotation, shape=shape)
    image = _render(cam)
    resp = compute_response(image, cam, sxi, seed=4)
    path = write_synthetic_product(tmp_path / "obs.fits", image, cam, T, sxi, response=resp, aim_re=pt.aim_re)
    obs = load_observed(path)
    g = match_geometry(obs)
    new = g.camera
    assert g.exact and new.rays is None and g.position_source == "header"
    assert new.shape == cam.shape and new.name == "sxi" and not new.circular
    np.testing.assert_allclose(new.position_re, cam.position_re, atol=1e-12)
    np.testing.assert_allclose(new.rotation, cam.rotation, atol=1e-9)
    np.testing.assert_allclose(new.fov_deg, cam.fov_deg, rtol=1e-9)
    assert _angle(new.ray_directions(), cam.ray_directions()).max() < 1e-9
    assert g.max_ray_error_rad < 1e-9
    # the directions of the observed pixels are the original camera's
    assert _angle(pixel_directions(obs), cam.ray_directions()).max() < 1e-9
    again = _render(new)
    scale = np.nanmax(image)
    assert np.nanmax(np.abs(again - image)) / scale < 1e-6
    assert np.nanmax(np.abs(again - obs.image)) / scale < 1e-6


def test_gsm_frame_and_camera_for_observation(tmp_path):
    sxi = load_instrument("sxi")
    pt = sxi_pointing(POS)
    cam = sxi.camera(POS, pt.rotation, shape=(12, 20))
    path = write_synthetic_product(tmp_path / "o.fits", np.ones(cam.shape), cam, T, sxi, aim_re=pt.aim_re)
    obs = load_observed(path)
    gsm = camera_for_observation(obs, frame="gsm")
    m = rotation_matrix(T, "gse", "gsm")
    assert gsm.frame == "gsm"
    np.testing.assert_allclose(gsm.position_re, m @ POS, atol=1e-9)
    assert _angle(gsm.ray_directions(), cam.ray_directions() @ m.T).max() < 1e-9
    with pytest.raises(UserInputError, match="frame"):
        camera_for_observation(obs, frame="geo")


def test_uvi_product_gives_a_circular_exact_camera(tmp_path):
    uvi = load_instrument("uvi")
    pos = np.array([-2.0, 3.0, 19.0])
    pt = uvi_pointing(pos, T)
    cam = uvi.camera(pos, pt.rotation, shape=(40, 40))
    img = np.where(cam.inside_field(), 100.0, np.nan)
    path = write_synthetic_product(tmp_path / "u.fits", img, cam, T, uvi, aim_re=pt.aim_re)
    new = camera_for_observation(load_observed(path))
    assert new.rays is None and new.circular and new.name == "uvi"
    np.testing.assert_array_equal(new.inside_field(), cam.inside_field())
    assert _angle(new.ray_directions(), cam.ray_directions()).max() < 1e-9


def _write_with_wcs(path, header_changes, data, shape, pos=True):
    sxi = load_instrument("sxi")
    cam = sxi.camera(POS, sxi_pointing(POS).rotation, shape=shape)
    h = camera_wcs(cam, T).to_header()
    h["DATE-OBS"] = T.isot
    h["BUNIT"] = "keV cm-2 s-1 sr-1"
    h["INSTRUME"] = "SXI"
    if pos:
        for c, v in zip("XYZ", POS):
            h[f"POS_{c}"] = float(v)
    for k, v in header_changes(h).items():
        h[k] = v
    fits.PrimaryHDU(data, header=h).writeto(path, overwrite=True)
    return cam


def test_mirrored_wcs_gives_explicit_rays_and_a_flipped_image(tmp_path):
    """A conventional sky image (RA increasing to the left) is a mirror of the camera:
    explicit rays, and the render is the original picture flipped left-right."""
    shape = (16, 26)
    _ny, _nx = shape

    def flip(h):
        # column i of the new image is column nx-1-i of the camera's
        return {"PC1_1": -h["PC1_1"], "PC2_1": -h["PC2_1"]}

    cam = _write_with_wcs(tmp_path / "m.fits", flip, np.zeros(shape), shape)
    obs = load_observed(tmp_path / "m.fits")
    g = match_geometry(obs)
    assert not g.exact and g.camera.rays is not None and "mirrored" in g.notes[-1]
    assert _angle(g.camera.ray_directions(), cam.ray_directions()[:, ::-1]).max() < 1e-9
    img = _render(g.camera)
    ref = _render(cam)[:, ::-1]
    assert np.nanmax(np.abs(img - ref)) / np.nanmax(ref) < 1e-6


def test_off_centre_crpix_gives_explicit_rays(tmp_path):
    shape = (10, 14)

    def shift(h):
        return {"CRPIX1": h["CRPIX1"] + 2.0}

    cam = _write_with_wcs(tmp_path / "s.fits", shift, np.zeros(shape), shape)
    obs = load_observed(tmp_path / "s.fits")
    g = match_geometry(obs)
    assert not g.exact and "CRPIX" in g.notes[-1]
    # pixel i now looks where the camera's pixel i - 2 looked
    assert _angle(g.camera.ray_directions()[:, 2:], cam.ray_directions()[:, :-2]).max() < 1e-9

    # a non-gnomonic projection is handled the same way
    def arc(h):
        return {"CTYPE1": "RA---ARC", "CTYPE2": "DEC--ARC"}

    _write_with_wcs(tmp_path / "a.fits", arc, np.zeros(shape), shape)
    g2 = match_geometry(load_observed(tmp_path / "a.fits"))
    assert not g2.exact and "TAN" in g2.notes[-1]
    assert np.isfinite(_render(g2.camera)).all()


def test_position_from_the_orbit_when_missing(tmp_path):
    shape = (6, 8)
    _write_with_wcs(tmp_path / "n.fits", lambda h: {}, np.zeros(shape), shape, pos=False)
    obs = load_observed(tmp_path / "n.fits")
    p, src = observation_position(obs)
    assert src == "orbit"
    from smile_viewer.mission.orbit import default_orbit

    np.testing.assert_allclose(p, default_orbit().position(T, "gse"), atol=1e-9)
    g = match_geometry(obs)
    assert g.position_source == "orbit" and any("orbit" in n for n in g.notes)


def _team_file(path, shape=(27, 17), fov=(17.0, 27.0)):
    ny, nx = shape
    pt = sxi_pointing(POS)
    h = fits.Header()
    for c, v in zip("XYZ", POS):
        h[f"POS_{c}"] = float(v)
    for c, v in zip("XYZ", pt.aim_re):
        h[f"AIM_{c}"] = float(v)
    h["CTYPE1"], h["CRVAL1"], h["CDELT1"] = "deg", -fov[0] / 2, fov[0] / nx
    h["CTYPE2"], h["CRVAL2"], h["CDELT2"] = "deg", -fov[1] / 2, fov[1] / ny
    h["EXPOS"], h["DATE-OBS"], h["DATE-END"] = (
        300.0,
        "2026-05-21T01:00:00.000000",
        "2026-05-21T01:05:00.000000",
    )
    fits.PrimaryHDU(np.zeros(shape), header=h).writeto(path)
    return pt


def test_team_level3_angles(tmp_path):
    """Directions follow swharton1/Emissivity_Cubes smile_fov_limb.py: L + tan(phi) x_i + tan(theta) y_i."""
    pt = _team_file(tmp_path / "l3.fits")
    obs = load_observed(tmp_path / "l3.fits")
    d = pixel_directions(obs)
    ny, nx = obs.shape
    L = (pt.aim_re - POS) / np.linalg.norm(pt.aim_re - POS)
    # the centre pixel (odd sizes) looks along L, i.e. along the SXI law's boresight
    assert _angle(d[ny // 2, nx // 2], L) < 1e-12
    assert _angle(d[ny // 2, nx // 2], pt.boresight) < 1e-9
    # the team's b and image axes, computed as in the team's code
    smag = np.linalg.norm(POS)
    limb_c = math.acos(np.dot(-POS, L) / smag)
    b = POS + smag * math.cos(limb_c) * L
    xi = b / np.linalg.norm(b)
    yi = np.cross(b, L)
    yi /= np.linalg.norm(yi)
    j, i = 3, 12
    phi = math.radians(-8.5 + (i + 0.5) * 1.0)
    theta = math.radians(-13.5 + (j + 0.5) * 1.0)
    v = L + math.tan(phi) * xi + math.tan(theta) * yi
    assert _angle(d[j, i], v / np.linalg.norm(v)) < 1e-12
    # columns run away from Earth: increasing column index moves the look away from Earth's centre
    assert np.dot(d[ny // 2, -1] - d[ny // 2, 0], -POS) < 0
    g = match_geometry(obs)
    assert not g.exact and g.camera.rays is not None and g.camera.name == "sxi"
    assert g.camera.fov_deg[0] == pytest.approx(17.0, rel=1e-9) and g.camera.fov_deg[1] == pytest.approx(
        27.0, rel=1e-9
    )
    img = _render(g.camera)
    assert np.isfinite(img).all() and img.max() > 1.0
    # fractional pixel coordinates are exact too (angles linear in the index)
    half = pixel_directions(obs, [i + 0.5], [j])[0]
    phi2 = math.radians(-8.5 + (i + 1.0) * 1.0)
    v2 = L + math.tan(phi2) * xi + math.tan(theta) * yi
    assert _angle(half, v2 / np.linalg.norm(v2)) < 1e-12


def test_team_layout_looking_at_earth_is_refused(tmp_path):
    _team_file(tmp_path / "e.fits")
    with fits.open(tmp_path / "e.fits", mode="update") as hdul:
        h = hdul[0].header
        h["AIM_X"], h["AIM_Y"], h["AIM_Z"] = 0.0, 0.0, 0.0
    obs = load_observed(tmp_path / "e.fits")
    with pytest.raises(UserInputError, match="Earth's centre"):
        camera_for_observation(obs)


def test_regrid_with_reproject(tmp_path):
    pytest.importorskip("reproject")
    sxi = load_instrument("sxi")
    pt = sxi_pointing(POS)
    cam = sxi.camera(POS, pt.rotation, shape=(31, 53))
    image = _render(cam)
    path = write_synthetic_product(tmp_path / "o.fits", image, cam, T, sxi, aim_re=pt.aim_re)
    obs = load_observed(path)
    # the same picture at twice the resolution, regridded onto the observed grid
    fine = sxi.camera(POS, pt.rotation, shape=(62, 106))
    out = regrid_to_observation(_render(fine), camera_wcs(fine, T), obs)
    assert out.shape == obs.shape
    inner = (slice(2, -2), slice(2, -2))
    rel = np.abs(out[inner] - image[inner]) / np.nanmax(image)
    assert np.nanmedian(rel) < 0.02


def test_regrid_needs_a_celestial_wcs(tmp_path):
    _team_file(tmp_path / "l3.fits")
    obs = load_observed(tmp_path / "l3.fits")
    with pytest.raises(UserInputError, match="celestial WCS"):
        regrid_to_observation(np.zeros((3, 3)), None, obs)
