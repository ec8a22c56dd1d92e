"""The emission volume (vispy Volume subclass with a line-of-sight emission method).

- emission mode: bright in the magnetosheath, dark inside the magnetopause;
- placement: voxel (i, j, k) lands at origin + (i dx, j dy, k dz), rotated into the scene frame;
- "through SXI": the 3-D camera at the spacecraft with SXI's field of view draws the same
  picture as the computed synthetic image (``smile_viewer.compute.render``) of the same
  Camera and Volume — correlation above 0.9 (it is ~0.999).
"""

from __future__ import annotations

import os

import numpy as np
import pytest

if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

pytestmark = pytest.mark.gl

T0 = "2026-03-20T12:00:00"
BACKGROUND = np.array([4, 5, 11])  # the canvas background, 8-bit


def _only_volume(app):
    for name in app.scene.layers.names():
        setattr(app.scene.layers, name, False)
    app.scene.layers.emission_volume = True


def _patch(img, xy, r=2):
    x, y = (int(round(v)) for v in xy)
    return img[max(y - r, 0) : y + r + 1, max(x - r, 0) : x + r + 1].reshape(-1, 3).astype(float)


@pytest.fixture(scope="module")
def slab_pictures():
    """A thin equatorial slab (|z| <= 1 R_E) of the Jorgensen model seen from the north, in
    the three render modes: line-of-sight ≈ emissivity × 2 R_E, so the regions read directly."""
    from smile_viewer._vispy.headless import render_scene_image
    from smile_viewer._vispy.scene import CameraSetup
    from smile_viewer.state import AppState
    from smile_viewer.state.scene_data import build_emission_volume

    app = AppState()
    app.scene.time = T0
    _only_volume(app)
    app.volume.shape = (96, 96, 8)
    app.volume.bounds_re = ((-24.0, 24.0), (-24.0, 24.0), (-1.0, 1.0))
    vol = build_emission_volume(app)
    camera = CameraSetup(azimuth=180.0, elevation=90.0, scale_factor=40.0)  # from +Z, Sun to the left
    out = {}
    for mode in ("emission", "mip", "iso"):
        app.volume.render_mode = mode
        out[mode] = render_scene_image((480, 480), state=app, camera=camera, return_view_info=True)
    return out, vol


def _jorgensen_radii():
    from smile_viewer.physics.emissivity import jorgensen_defaults
    from smile_viewer.state import AppState

    m = jorgensen_defaults(AppState().model.solar_wind.to_solar_wind())
    return m.r_mp, m.r_bs


def test_emission_mode_bright_in_the_sheath_dark_inside_the_magnetopause(slab_pictures):
    pictures, _ = slab_pictures
    img, info = pictures["emission"]
    proj = info["project"]
    r_mp, r_bs = _jorgensen_radii()
    sheath = _patch(img, proj([[0.5 * (r_mp + r_bs), 0, 0]])[0]).mean(0)
    inside = _patch(img, proj([[0.6 * r_mp, 0, 0]])[0]).mean(0)
    upstream = _patch(img, proj([[r_bs + 6.0, 0, 0]])[0]).mean(0)
    flank = _patch(img, proj([[0.0, r_mp * 1.45 + 1.0, 0]])[0]).mean(0)
    assert sheath.sum() > 300, f"sheath {sheath} should glow"
    assert np.abs(inside - BACKGROUND).max() < 6, f"inside the magnetopause {inside} should be dark"
    assert sheath.sum() > upstream.sum() + 100, (sheath, upstream)  # the sheath outshines the wind
    assert flank.sum() > inside.sum() + 60, (flank, inside)  # the sheath wraps round
    # the Sun is on the left: the bright nose is left of the Earth, dark on the night side
    earth_px = proj([[0, 0, 0]])[0]
    assert proj([[r_mp, 0, 0]])[0][0] < earth_px[0]


def test_mip_and_iso_modes(slab_pictures):
    pictures, _ = slab_pictures
    r_mp, r_bs = _jorgensen_radii()
    img, info = pictures["mip"]
    proj = info["project"]
    sheath = _patch(img, proj([[0.5 * (r_mp + r_bs), 0, 0]])[0]).mean(0)
    inside = _patch(img, proj([[0.6 * r_mp, 0, 0]])[0]).mean(0)
    assert sheath.sum() > 300 and np.abs(inside - BACKGROUND).max() < 6
    img, info = pictures["iso"]
    proj = info["project"]
    # the isosurface (30 % of the largest emissivity) hugs the dayside sheath, not the interior
    near_nose = _patch(img, proj([[r_mp + 0.6, 0, 0]])[0], r=3)
    assert np.abs(near_nose - BACKGROUND).max(1).max() > 40
    assert np.abs(_patch(img, proj([[0.6 * r_mp, 0, 0]])[0]) - BACKGROUND).max() < 6


def test_volume_placement_in_the_scene_frame():
    """Voxel (i, j, k) of a (nz, ny, nx) array lands at origin + (i dx, j dy, k dz), rotated
    from the volume's frame into the scene's (no GL context needed to check the transform)."""
    from smile_viewer._vispy.visuals.volume import EmissionVolumeVisual
    from smile_viewer.coords import rotation_matrix

    values = np.zeros((4, 5, 6), np.float32)  # nz=4, ny=5, nx=6
    values[1, 2, 3] = 1.0
    vis = EmissionVolumeVisual(values, origin_re=(-3.0, -2.0, -1.0), spacing_re=(0.5, 1.0, 2.0))
    m = vis.volume_matrix()
    p = np.array([3.0, 2.0, 1.0, 1.0]) @ m  # visual coords (x=i, y=j, z=k)
    assert np.allclose(p[:3], [-3.0 + 3 * 0.5, -2.0 + 2 * 1.0, -1.0 + 1 * 2.0])
    r = np.asarray(rotation_matrix(T0, "gsm", "gse"))
    vis.set_frame_rotation(r)
    p = np.array([3.0, 2.0, 1.0, 1.0]) @ vis.volume_matrix()
    assert np.allclose(p[:3], r @ np.array([-1.5, 0.0, 1.0]))
    assert vis.values[1, 2, 3] == 1.0 and vis.vmax == 1.0


def _reference_image(camera, volume) -> np.ndarray:
    """The computed synthetic image (compute.render, VolumeSource); a numpy line-of-sight
    integral along Camera.ray_directions() where the render engine is not available."""
    try:
        from smile_viewer.compute import RenderRequest, VolumeSource, render
    except ImportError:
        render = None
    if render is not None:
        return render(RenderRequest(camera, VolumeSource(volume), backend="cpu")).image
    from smile_viewer.physics.emissivity import LOS_FACTOR

    rays = camera.ray_directions()
    pos = camera.position_re
    h = 0.25 * min(volume.spacing_re)
    s = np.arange(0.5 * h, 80.0, h)
    total = np.zeros(rays.shape[:2])
    alive = np.ones(rays.shape[:2], bool)
    for k in range(0, len(s), 64):
        ss = s[k : k + 64]
        pts = pos + rays[..., None, :] * ss[None, None, :, None]
        hit = np.linalg.norm(pts, axis=-1) <= 1.0
        ok = alive[..., None] & (np.cumsum(hit, axis=-1) == 0)
        vals = volume.sample(pts.reshape(-1, 3)).reshape(ok.shape)
        total += (vals * ok).sum(-1) * h
        alive &= ok[..., -1]
    return total * LOS_FACTOR


def test_through_sxi_view_matches_the_synthetic_image():
    from smile_viewer._vispy.headless import render_scene_image
    from smile_viewer.state import AppState
    from smile_viewer.state.scene_data import build_emission_volume

    app = AppState()
    app.scene.time = T0
    _only_volume(app)
    app.volume.shape = (64, 64, 64)
    app.volume.colormap = "grays"
    app.volume.step_voxels = 0.4
    app.instruments.sxi.pointing.roll_deg = 25.0  # roll must carry over too
    volume = build_emission_volume(app)

    ny, nx = 100, 173  # SXI's 26.5° × 15.5° aspect (1.730)
    _, info = render_scene_image((nx, ny), state=app, view="sxi", return_view_info=True, supersample=1)
    camera = info["cameras"]["sxi"].with_(shape=(ny, nx))
    reference = _reference_image(camera, volume)
    assert np.all(np.isfinite(reference)) and reference.max() > 0
    lo, hi = np.log10(np.percentile(reference, [1, 99.5]))
    app.volume.log_range = (float(lo), float(hi))
    img = render_scene_image((nx, ny), state=app, view="sxi", supersample=2)

    level = img[..., 0].astype(float) / 255.0  # grays: the colour-map level
    expected = np.clip((np.log10(reference) - lo) / (hi - lo), 0.0, 1.0)
    inner = (slice(1, -1), slice(1, -1))
    corr = np.corrcoef(level[inner].ravel(), expected[inner].ravel())[0, 1]
    assert corr > 0.9, f"through-SXI picture vs computed image: correlation {corr:.3f}"
    # the intensities themselves, decoded from the picture, agree with the computed ones
    decoded = 10.0 ** (lo + level * (hi - lo))
    ok = (level > 0.03) & (level < 0.97)
    ratio = decoded[ok] / reference[ok]
    assert np.median(np.abs(ratio - 1.0)) < 0.05, np.median(np.abs(ratio - 1.0))
    # and the picture is not flat: a real image with structure
    assert expected.std() > 0.1 and level.std() > 0.1
