"""The observed image's camera as a pinhole camera (the 3-D view through the instrument) and the
overlays of a camera of explicit rays, on the real IMAGE WIC file (tests/data/real/image-wic):
the Earth-limb overlay lies on the file's own disc edge, where GLAT turns to the fill value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.spatial import cKDTree

from smile_viewer.analysis import overlays as ov
from smile_viewer.analysis.geometry import camera_for_observation
from smile_viewer.analysis.observer_view import observer_view, pinhole_fit, project_on_rays
from smile_viewer.constants import R_E_KM
from smile_viewer.io.observed import load_observed
from smile_viewer.mission.camera import Camera, look_rotation

WIC = Path(__file__).resolve().parents[1] / "data" / "real" / "image-wic" / "wic20002410930.idl"


@pytest.fixture(scope="module")
def wic():
    obs = load_observed(WIC)
    return obs, camera_for_observation(obs)


def _disc_edge(mask: np.ndarray) -> np.ndarray:
    """(col, row) of pixels in ``mask`` with a 4-neighbour outside it, off the array's border."""
    inner, out = mask[1:-1, 1:-1], ~mask
    near = out[:-2, 1:-1] | out[2:, 1:-1] | out[1:-1, :-2] | out[1:-1, 2:]
    r, c = np.nonzero(inner & near)
    return np.column_stack([c + 1, r + 1]).astype(float)


def test_pinhole_fit_recovers_a_pinhole_camera_given_as_rays():
    rot = look_rotation([0.3, -1.0, 0.2], roll_deg=17.0)
    cam = Camera(position_re=[2.0, 8.0, 1.0], rotation=rot, fov_deg=(20.0, 12.0), shape=(60, 100))
    pin, rows_up, rms = pinhole_fit(cam.with_(rays=cam.ray_directions()))
    assert not rows_up and rms < 1e-6
    np.testing.assert_allclose(pin.rotation, rot, atol=1e-9)
    assert pin.fov_deg == pytest.approx((20.0, 12.0), abs=1e-6)
    # a mirror picture (rows reversed): the same camera with rows running up
    flipped = cam.ray_directions()[::-1]
    pin2, rows_up2, rms2 = pinhole_fit(cam.with_(rays=flipped))
    assert rows_up2 and rms2 < 1e-6
    np.testing.assert_allclose(pin2.boresight, cam.boresight, atol=1e-9)
    # scene points back to the pixels whose rays they lie on
    pts = cam.position_re + 5.0 * flipped[[0, 30, 59], [0, 50, 99]]
    np.testing.assert_allclose(
        project_on_rays(cam.with_(rays=flipped), pts), [[0, 0], [50, 30], [99, 59]], atol=1e-6
    )


def test_wic_pinhole_view_and_its_rays(wic):
    obs, cam = wic
    view = observer_view(obs, cam)
    # WIC: 17.2 deg square field (Mende et al. 2000), the picture a mirror image with row 0 at the top
    assert view.camera.fov_deg == pytest.approx((17.16, 17.16), abs=0.05)
    assert view.rows_up and view.rms_px < 0.5 and view.name == "WIC" and view.observer == "IMAGE"
    np.testing.assert_allclose(view.camera.position_re, obs.position_re)
    # every pixel's ray is found again (the fixed-point inversion of the distortion)
    rr, cc = np.mgrid[0:256:15, 0:256:15]
    pts = obs.position_re + 4.0 * obs.pixel_directions_gse[rr, cc]
    xy = ov.project_points(cam, pts)
    assert np.abs(xy[..., 0] - cc).max() < 1e-3 and np.abs(xy[..., 1] - rr).max() < 1e-3


def test_wic_limb_overlay_on_the_files_disc_edge(wic):
    obs, cam = wic
    h = obs.header["EMIS_HGT_km"]
    assert ov.limb_radius_re(obs) == pytest.approx(1.0 + h / R_E_KM)
    limb = ov.earth_limb(cam, ov.limb_radius_re(obs), n=3601)
    limb = limb[np.all(np.isfinite(limb), axis=1)]
    edge = _disc_edge(np.isfinite(obs.maps["GLAT"]))
    assert len(edge) > 300
    dist, _ = cKDTree(limb).query(edge)
    # the last geolocated pixel centres lie within a pixel of the limb (measured 0.28 median, 1.10 max)
    assert np.median(dist) < 0.6 and dist.max() < 2.0
    # the solid Earth's limb is 2.5 px inside: the shell's height matters at WIC's pixel size
    solid = ov.earth_limb(cam, 1.0, n=3601)
    d1, _ = cKDTree(solid[np.all(np.isfinite(solid), axis=1)]).query(edge)
    assert np.median(d1) > 1.5
    assert ov.limb_radius_re(type("O", (), {"header": {}})()) == 1.0
