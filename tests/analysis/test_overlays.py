"""Overlay geometry: Earth limb, field outline and boundary-surface limbs (tangent lines)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from smile_viewer.analysis.overlays import (
    earth_limb,
    fov_outline,
    project_points,
    tangent_outline,
    tangent_points,
)
from smile_viewer.mission.camera import Camera, look_rotation
from smile_viewer.physics.boundaries import shue1998
from smile_viewer.physics.emissivity import jorgensen_defaults
from smile_viewer.physics.solar_wind import SolarWind


def _camera(pos, shape=(201, 201), fov=(40.0, 40.0), circular=False):
    pos = np.asarray(pos, float)
    return Camera(pos, look_rotation(-pos), fov, shape, circular=circular)


def _angles_from_centre(cam, xy):
    """Angle [rad] from the boresight of projected (col, row) points (square pixels)."""
    ny, nx = cam.shape
    dx, dy = cam.pixel_scale_rad
    x = (xy[:, 0] - (nx - 1) / 2) * dx
    y = (xy[:, 1] - (ny - 1) / 2) * dy
    return np.arctan(np.hypot(x, y))


@pytest.mark.parametrize("d", [3.0, 8.0, 19.0, 60.0])
def test_earth_limb_has_angular_radius_asin_1_over_r(d):
    pos = d * np.array([0.3, -0.5, 0.81])
    pos = pos / np.linalg.norm(pos) * d
    cam = _camera(pos, fov=(150.0, 150.0) if d < 4 else (40.0, 40.0))
    xy = earth_limb(cam)
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    assert xy.shape[0] > 300
    np.testing.assert_allclose(_angles_from_centre(cam, xy), math.asin(1.0 / d), rtol=1e-9)


def test_earth_limb_off_axis_and_inside():
    # boresight 5 deg away from Earth: the limb is still at asin(1/d) from Earth's direction
    pos = np.array([0.0, 0.0, 10.0])
    rot = look_rotation([0.0, math.sin(math.radians(5)), -math.cos(math.radians(5))])
    cam = Camera(pos, rot, (30.0, 30.0), (301, 301))
    xy = earth_limb(cam)
    centre = project_points(cam, np.zeros(3))
    dx = cam.pixel_scale_rad[0]
    # angle between the limb directions and Earth's centre, from the projected points
    ny, nx = cam.shape

    def direction(p):
        v = np.array([(p[0] - (nx - 1) / 2) * dx, (p[1] - (ny - 1) / 2) * dx, 1.0])
        return rot @ (v / np.linalg.norm(v))

    c = direction(centre)
    ang = [math.acos(np.clip(direction(p) @ c, -1, 1)) for p in xy]
    np.testing.assert_allclose(ang, math.asin(0.1), rtol=1e-9)
    assert earth_limb(_camera([0.5, 0, 0])).shape == (0, 2)


def test_fov_outline_rectangle_and_circle():
    cam = _camera([0, 0, 20], shape=(31, 53), fov=(27.0, 15.8))
    xy = fov_outline(cam)
    assert xy.min(axis=0).tolist() == [-0.5, -0.5] and xy.max(axis=0).tolist() == [52.5, 30.5]
    uvi = _camera([0, 0, 20], shape=(101, 101), fov=(10.0, 10.0), circular=True)
    c = fov_outline(uvi)
    # the circle touches the image edges (edge-to-edge field)
    np.testing.assert_allclose(np.hypot(c[:, 0] - 50, c[:, 1] - 50), 50.5, rtol=1e-12)


def _silhouette_angle_on_axis(surface, d, x_tail=-40.0):
    """Largest angle atan(rho / (d - x)) over the meridian: the limb seen from (d, 0, 0)."""
    th = np.linspace(1e-4, math.pi - 1e-4, 400001)
    r = surface.r(th, 0.0)
    x, rho = r * np.cos(th), r * np.sin(th)
    keep = x >= x_tail
    return float(np.max(np.arctan2(rho[keep], d - x[keep])))


def test_magnetopause_limb_from_the_x_axis_is_a_circle():
    mp = shue1998(2.0, 0.0)
    d = 60.0
    cam = _camera([d, 0.0, 0.0], shape=(401, 401), fov=(60.0, 60.0))
    xy = tangent_outline(cam, mp)
    xy = xy[np.all(np.isfinite(xy), axis=1)]
    assert xy.shape[0] > 500
    ang = _angles_from_centre(cam, xy)
    expected = _silhouette_angle_on_axis(mp, d)
    # a circle about the boresight (the surface is axisymmetric) of the silhouette's radius
    np.testing.assert_allclose(ang, expected, rtol=2e-3)
    # it is larger than the terminator (x = 0) ring's angle atan(r(90 deg)/d): the flanks flare
    terminator = math.atan(float(mp.r(math.pi / 2, 0.0)) / d)
    assert expected > terminator
    # the tangency condition holds at every point (n . (P - C) = 0)
    segs = tangent_points(cam.position_re, mp)
    p = segs.reshape(-1, 3)
    r = np.linalg.norm(p, axis=1)
    th = np.arccos(p[:, 0] / r)
    np.testing.assert_allclose(r, mp.r(th, np.arctan2(p[:, 2], p[:, 1])), rtol=1e-9)


def test_limb_of_a_closed_surface_from_far_away_is_its_terminator():
    """A sphere of radius R about Earth: the limb from distance d is the circle asin(R/d); for
    d >> R that is the terminator's angle R/d (what a far camera on the X axis sees)."""
    R = 10.0
    for d in (30.0, 400.0):
        cam = _camera([d, 0, 0], shape=(301, 301), fov=(60.0, 60.0) if d < 100 else (4.0, 4.0))
        xy = tangent_outline(cam, lambda th, ph: np.full(np.broadcast(th, ph).shape, R), x_tail_re=-11.0)
        xy = xy[np.all(np.isfinite(xy), axis=1)]
        ang = _angles_from_centre(cam, xy)
        np.testing.assert_allclose(ang, math.asin(R / d), rtol=1e-4)
        if d > 100:
            np.testing.assert_allclose(ang, math.atan(R / d), rtol=1e-3)


def test_emissivity_model_boundaries_and_a_smile_like_view():
    model = jorgensen_defaults(SolarWind())
    pos = np.array([6.0, -6.0, 18.0])
    cam = _camera(pos, shape=(155, 265), fov=(15.8, 27.0))
    mp = tangent_outline(cam, model, kind="magnetopause")
    bs = tangent_outline(cam, model, kind="bow_shock")
    assert np.isfinite(mp).any() and np.isfinite(bs).any()
    # the tangency condition on the model's own magnetopause
    segs = tangent_points(pos, model, kind="magnetopause").reshape(-1, 3)
    r = np.linalg.norm(segs, axis=1)
    th = np.arccos(segs[:, 0] / r)
    np.testing.assert_allclose(r, model.magnetopause_r(th, np.arctan2(segs[:, 2], segs[:, 1])), rtol=1e-9)
