"""Instrument response: units, linearity, PSF, backgrounds, Poisson noise."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from smile_viewer.errors import UserInputError
from smile_viewer.mission.instruments import PHOTONS_PER_RAYLEIGH, load_instrument
from smile_viewer.mission.pointing import sxi_pointing, uvi_pointing
from smile_viewer.mission.response import compute_response, pixel_solid_angle_sr

POS = np.array([2.0, -5.0, 18.0])


@pytest.fixture(scope="module")
def sxi():
    return load_instrument("sxi")


@pytest.fixture(scope="module")
def cam(sxi):
    return sxi.camera(POS, sxi_pointing(POS).rotation, shape=(31, 53))


def test_counts_formula_without_psf(sxi, cam):
    img = np.full(cam.shape, 8.0)
    r = compute_response(img, cam, sxi, exposure_s=100.0, psf=False, background=False, seed=0)
    omega = cam.pixel_solid_angle_sr()
    vig = sxi.vignetting(cam.off_axis_angle_rad())
    expect = 8.0 / 0.6 * sxi.effective_area_cm2 * omega * vig * 100.0
    np.testing.assert_allclose(r.signal, expect, rtol=1e-12)
    np.testing.assert_allclose(r.expected, expect, rtol=1e-12)
    assert np.all(r.background == 0) and r.vignetting[15, 26] == pytest.approx(1.0, abs=1e-3)
    corner = cam.off_axis_angle_rad().max()
    assert 14.5 < math.degrees(corner) < 15.2
    assert (
        r.vignetting.min() == pytest.approx(float(sxi.vignetting(corner)), rel=1e-12)
        and r.vignetting.min() < 0.65
    )


def test_linear_in_exposure_and_area(sxi, cam):
    img = np.random.default_rng(1).uniform(0, 20, cam.shape)
    a = compute_response(img, cam, sxi, exposure_s=60.0, seed=1)
    b = compute_response(img, cam, sxi, exposure_s=180.0, seed=1)
    np.testing.assert_allclose(b.expected, 3 * a.expected, rtol=1e-12)
    np.testing.assert_allclose(b.background, 3 * a.background, rtol=1e-12)
    big = dataclasses.replace(sxi, effective_area_cm2=2.5 * sxi.effective_area_cm2)
    c = compute_response(img, cam, big, exposure_s=60.0, seed=1)
    np.testing.assert_allclose(c.signal, 2.5 * a.signal, rtol=1e-12)
    np.testing.assert_allclose(c.sky_background, 2.5 * a.sky_background, rtol=1e-12)
    np.testing.assert_allclose(
        c.particle_background, a.particle_background, rtol=1e-12
    )  # not through the optics
    # Linear in the intensity too.
    d = compute_response(2 * img, cam, sxi, exposure_s=60.0, seed=1)
    np.testing.assert_allclose(d.signal, 2 * a.signal, rtol=1e-12)


def test_psf_conserves_counts_and_spreads(sxi, cam):
    sxi = dataclasses.replace(sxi, psf_fwhm_deg=2.0)  # about 4 pixels of this coarse grid
    img = np.zeros(cam.shape)
    img[15, 26] = 1.0e4
    img[3, 2] = 5.0e3  # near an edge too: the reflecting boundary keeps it
    off = compute_response(img, cam, sxi, psf=False, background=False, seed=0)
    on = compute_response(img, cam, sxi, psf=True, background=False, seed=0)
    assert on.signal.sum() == pytest.approx(off.signal.sum(), rel=1e-12)
    assert on.signal[15, 26] < off.signal[15, 26] and on.signal[15, 27] > 0
    # Gaussian width: second moment along x of the central source = sigma^2 (pixels).
    sig_x = sxi.psf_fwhm_deg / (2 * math.sqrt(2 * math.log(2))) / math.degrees(cam.pixel_scale_rad[0])
    row = on.signal[5:26, 10:43].sum(axis=0)
    xs = np.arange(10, 43) - 26
    assert math.sqrt((row * xs**2).sum() / row.sum()) == pytest.approx(sig_x, rel=0.05)


def test_poisson_seed_and_mean(sxi, cam):
    img = np.full(cam.shape, 40.0)
    a = compute_response(img, cam, sxi, exposure_s=2000.0, seed=42)
    b = compute_response(img, cam, sxi, exposure_s=2000.0, seed=42)
    c = compute_response(img, cam, sxi, exposure_s=2000.0, seed=43)
    np.testing.assert_array_equal(a.counts, b.counts)
    assert not np.array_equal(a.counts, c.counts)
    assert a.counts.dtype == np.int64 and a.seed == 42
    total = a.expected.sum()
    assert abs(a.counts.sum() - total) < 5 * math.sqrt(total)
    # Many draws of one pixel: mean and variance equal the expectation.
    rng = np.random.default_rng(7)
    draws = np.array(
        [
            compute_response(img[:2, :2], cam.with_(shape=(2, 2)), sxi, exposure_s=2000.0, rng=rng).counts[
                0, 0
            ]
            for _ in range(400)
        ]
    )
    lam = compute_response(img[:2, :2], cam.with_(shape=(2, 2)), sxi, exposure_s=2000.0, seed=0).expected[
        0, 0
    ]
    assert abs(draws.mean() - lam) < 5 * math.sqrt(lam / 400)


def test_backgrounds(sxi, cam):
    r = compute_response(np.zeros(cam.shape), cam, sxi, exposure_s=300.0, seed=0)
    omega = cam.pixel_solid_angle_sr()
    np.testing.assert_allclose(r.particle_background, sxi.particle_background_counts_s_sr * omega * 300.0)
    np.testing.assert_allclose(r.sky_background, sxi.sky_background * r.counts_per_unit)
    np.testing.assert_allclose(r.background, r.sky_background + r.particle_background)
    np.testing.assert_allclose(r.expected, r.background)


def test_nan_and_negative_pixels(sxi, cam):
    img = np.full(cam.shape, 5.0)
    img[0, 0] = np.nan
    img[1, 1] = -3.0
    r = compute_response(img, cam, sxi, psf=False, background=False, seed=0)
    assert r.signal[0, 0] == 0 and r.signal[1, 1] == 0 and r.settings["clipped_negative_pixels"] == 1
    with pytest.raises(UserInputError):
        compute_response(np.zeros((3, 3)), cam, sxi)
    with pytest.raises(UserInputError):
        compute_response(img, cam, sxi, exposure_s=-1)


def test_uvi_rayleigh_to_counts_and_circle():
    uvi = load_instrument("uvi")
    cam = uvi.camera(POS, uvi_pointing(POS, "2026-05-21T01:00:00").rotation, shape=(64, 64))
    r = compute_response(
        np.full(cam.shape, 1000.0), cam, uvi, exposure_s=60.0, psf=False, background=False, seed=0
    )
    omega = cam.pixel_solid_angle_sr()
    inside = cam.inside_field()
    expect = (
        1000.0
        * PHOTONS_PER_RAYLEIGH
        * uvi.effective_area_cm2
        * omega
        * uvi.vignetting(cam.off_axis_angle_rad())
        * 60.0
    )
    np.testing.assert_allclose(r.signal[inside], expect[inside], rtol=1e-12)
    assert np.all(r.signal[~inside] == 0) and np.all(r.counts[~inside] == 0)
    # On-axis sensitivity per default pixel is the configured one (scaled to this grid's pixel).
    sens = uvi.provenance["sensitivity_counts_per_rayleigh_pixel_s"]["value"]
    default_pixel = (2 * math.tan(math.radians(9.97 / 2)) / 256) ** 2
    assert r.signal[32, 32] / (1000 * 60) == pytest.approx(
        sens * omega[32, 32] / default_pixel * uvi.vignetting(cam.off_axis_angle_rad()[32, 32]), rel=1e-9
    )


def test_pixel_solid_angle_for_explicit_rays(sxi, cam):
    rays_cam = cam.with_(rays=np.array(cam.ray_directions()))
    np.testing.assert_allclose(pixel_solid_angle_sr(rays_cam), cam.pixel_solid_angle_sr(), rtol=5e-3)
