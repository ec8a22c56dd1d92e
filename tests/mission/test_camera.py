"""Camera geometry: gnomonic rays, field edges, solid angles."""

from __future__ import annotations

import numpy as np
import pytest

from smile_viewer.errors import UserInputError
from smile_viewer.mission.camera import Camera, look_rotation


def _cam(**kw):
    base = dict(
        position_re=(0.0, -20.0, 0.0), rotation=look_rotation((0, 1, 0)), fov_deg=(26.5, 15.5), shape=(31, 53)
    )
    base.update(kw)
    return Camera(**base)


def test_look_rotation_is_proper_and_aims_boresight():
    r = look_rotation((1.0, 2.0, 3.0), roll_deg=17.0)
    np.testing.assert_allclose(r.T @ r, np.eye(3), atol=1e-14)
    assert np.linalg.det(r) == pytest.approx(1.0)
    np.testing.assert_allclose(r[:, 2], np.array([1, 2, 3]) / np.sqrt(14), atol=1e-14)


def test_picture_up_is_up_hint():
    r = look_rotation((1.0, 0.0, 0.0), up_hint=(0, 0, 1))
    np.testing.assert_allclose(-r[:, 1], (0, 0, 1), atol=1e-14)  # image row 0 is at the top


def test_field_edges_are_half_fov_from_boresight():
    cam = _cam(shape=(1000, 1000))
    x, y = cam.tangent_plane_coords()
    dx, dy = cam.pixel_scale_rad
    edge_x = np.degrees(np.arctan(x[-1] + dx / 2))
    edge_y = np.degrees(np.arctan(y[-1] + dy / 2))
    assert edge_x == pytest.approx(26.5 / 2, rel=1e-12)
    assert edge_y == pytest.approx(15.5 / 2, rel=1e-12)


def test_centre_pixel_looks_along_boresight_and_rays_are_unit():
    cam = _cam(shape=(31, 53))
    rays = cam.ray_directions()
    assert rays.shape == (31, 53, 3)
    np.testing.assert_allclose(np.linalg.norm(rays, axis=-1), 1.0, atol=1e-14)
    np.testing.assert_allclose(rays[15, 26], cam.boresight, atol=1e-14)
    # increasing column index moves along camera x
    assert np.dot(rays[15, 52] - rays[15, 0], cam.rotation[:, 0]) > 0


def test_solid_angles_sum_to_the_field_solid_angle():
    """A rectangular gnomonic field of half-angles a, b subtends 4 asin(sin a sin b)."""
    cam = _cam(shape=(400, 600))
    a, b = np.radians(26.5 / 2), np.radians(15.5 / 2)
    exact = 4 * np.arcsin(np.sin(a) * np.sin(b))
    assert cam.pixel_solid_angle_sr().sum() == pytest.approx(exact, rel=1e-5)


def test_circular_field_mask():
    cam = _cam(fov_deg=(10.0, 10.0), shape=(101, 101), circular=True)
    inside = cam.inside_field()
    assert inside[50, 50] and not inside[0, 0]
    assert inside.mean() == pytest.approx(np.pi / 4, rel=0.03)


def test_explicit_rays_are_normalised_and_checked():
    rays = np.zeros((2, 3, 3))
    rays[..., 0] = 2.0
    cam = _cam(shape=(2, 3), rays=rays)
    np.testing.assert_allclose(cam.ray_directions()[..., 0], 1.0)
    with pytest.raises(UserInputError, match="shape"):
        _cam(shape=(2, 2), rays=rays)
    with pytest.raises(UserInputError, match="non-zero"):
        _cam(shape=(2, 3), rays=np.zeros((2, 3, 3)))


@pytest.mark.parametrize(
    "bad",
    [
        dict(fov_deg=(0.0, 10.0)),
        dict(shape=(0, 10)),
        dict(position_re=(np.nan, 0, 0)),
        dict(rotation=np.diag([1.0, 1.0, -1.0])),
    ],
)
def test_bad_cameras_are_refused(bad):
    with pytest.raises(UserInputError):
        _cam(**bad)
