"""View ▸ Through <instrument> (observed): the 3-D camera at the observer of the Compare dock's
image. For a real IMAGE WIC image the Earth drawn by the view lies where the file's own
geolocation puts it; for a real LEXI stack the camera is at the Blue Ghost 1 site on the Moon and
looks along LEXI's pointing (GL: Xvfb + llvmpipe; tests/data/real/*/README.md)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from scipy.ndimage import binary_fill_holes

if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

pytestmark = [pytest.mark.gl, pytest.mark.slow]

DATA = Path(__file__).resolve().parents[1] / "data" / "real"
WIC = DATA / "image-wic" / "wic20002410930.idl"


def _circle(xy: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares circle (Kasa) through points (N, 2): centre, radius."""
    x, y = xy[:, 0], xy[:, 1]
    a = np.column_stack([2 * x, 2 * y, np.ones_like(x)])
    (cx, cy, c), *_ = np.linalg.lstsq(a, x * x + y * y, rcond=None)
    return np.array([cx, cy]), float(np.sqrt(c + cx * cx + cy * cy))


def _edge(mask: np.ndarray) -> np.ndarray:
    """Pixels of ``mask`` with a 4-neighbour outside it (not on the array's border)."""
    inner = mask[1:-1, 1:-1]
    out = ~mask
    near = out[:-2, 1:-1] | out[2:, 1:-1] | out[1:-1, :-2] | out[1:-1, 2:]
    r, c = np.nonzero(inner & near)
    return np.column_stack([c + 1, r + 1]).astype(float)


@pytest.fixture
def window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    from tests.gui.test_main_window import _make_window

    win = _make_window(qtbot, tmp_path)
    monkeypatch.setattr(win.comparison, "compute_synthetic", lambda *a, **k: None)
    yield win
    win.close()


def test_through_wic_the_earth_is_where_the_file_puts_it(window):
    from smile_viewer._vispy.observed_view import ObservedViewSetup
    from smile_viewer.coords import rotation_matrix
    from smile_viewer.io.observed import load_observed

    win, sv = window, window.scene_view
    act = win.observed_camera.action
    assert not act.isEnabled() and act.objectName() == "camera_through_observed"
    obs = load_observed(WIC)
    win.comparison.set_observed(obs)
    assert act.isEnabled() and act.text() == "Through WIC (observed, from IMAGE)"
    act.trigger()
    assert act.isChecked() and isinstance(sv._camera_setup, ObservedViewSetup)
    assert sv.view.camera is sv.instrument_camera
    assert abs((win.state.time - obs.time_start).sec) < 1e-3  # the scene is at the image's time
    assert sv.hud_title.text.startswith("Through WIC (observed) from IMAGE")
    d = np.linalg.norm(obs.position_re)
    assert sv.hud_time.text.endswith(f"IMAGE at {d:.1f} R_E") and "SMILE" not in sv.hud_time.text
    view = win.observed_camera.view
    assert view.rows_up and view.rms_px < 0.5  # the file's rays: a mirror picture, 1.6 px distortion
    m = rotation_matrix(obs.time_start, "gse", sv._state.frame)
    np.testing.assert_allclose(sv.instrument_camera.position, m @ obs.position_re, atol=1e-9)

    # only the Earth, lit all round, so that its disc is the bright part of the picture
    for name in win.state.layers.names():
        setattr(win.state.layers, name, name == "earth")
    win.state.day_night = False
    img = sv.render(alpha=False)[..., :3].astype(int)
    x0, y0, fw, fh = sv.instrument_frame_rect()
    ny, nx = obs.shape
    # the field without its outline; dark lakes inside the disc are Earth too
    i0, j0, i1, j1 = (int(round(v)) for v in (y0 + 3, x0 + 3, y0 + fh - 3, x0 + fw - 3))
    earth = binary_fill_holes(img[i0:i1, j0:j1].max(axis=-1) > 30)
    # the drawn limb (inside the field, away from its edges) in the file's pixel coordinates
    pts = _edge(earth) + [j0, i0]
    col = (pts[:, 0] + 0.5 - x0) / fw * nx - 0.5
    row = ny - 0.5 - (pts[:, 1] + 0.5 - y0) / fh * ny  # row 0 at the bottom (rows_up)
    keep = (col > 3) & (col < nx - 4) & (row > 3) & (row < ny - 4)
    assert keep.sum() > 100
    drawn_c, drawn_r = _circle(np.column_stack([col[keep], row[keep]]))
    # the file's own disc: where GLAT (at EMIS_HGT) turns to the fill value
    file_c, file_r = _circle(_edge(np.isfinite(obs.maps["GLAT"])))
    assert np.linalg.norm(drawn_c - file_c) < 3.0, (drawn_c, file_c)
    # the file's disc is the shell at 130 km; the drawn Earth is the solid Earth, R_E
    d = np.linalg.norm(obs.position_re)
    shell = 1.0 + obs.header["EMIS_HGT_km"] / 6371.2
    expected = file_r * np.tan(np.arcsin(1.0 / d)) / np.tan(np.arcsin(shell / d))
    assert drawn_r == pytest.approx(expected, abs=2.0)


def test_through_lexi_from_the_moon(window):
    from smile_viewer.coords import rotation_matrix
    from smile_viewer.io.lexi import load_lexi

    win, sv = window, window.scene_view
    stack = load_lexi(sorted((DATA / "lexi").glob("*.cdf"))[:3], pixel_deg=0.5, size_deg=12.0)
    win.comparison.set_observed(stack)
    act = win.observed_camera.action
    assert act.isEnabled() and act.text() == "Through LEXI (observed, from the Moon)"
    act.trigger()
    m = rotation_matrix(stack.time_start, "gse", sv._state.frame)
    # at the lander site on the Moon (57-60 R_E away), looking along LEXI's pointing
    pos = sv.instrument_camera.position
    np.testing.assert_allclose(pos, m @ stack.position_re, atol=1e-9)
    assert 55 < np.linalg.norm(pos) < 64
    boresight = sv.instrument_camera.rotation[:, 2]
    np.testing.assert_allclose(boresight, m @ win.comparison.camera.boresight, atol=1e-9)
    assert sv.instrument_camera.fov_xy == pytest.approx((9.1, 9.1))
    assert sv.hud_title.text.startswith("Through LEXI (observed) from the Moon")
    assert "the Moon at " in sv.hud_time.text
    # the scene is seen: with the sky on, the Moon under the eye is not drawn (its sphere round
    # the eye hid everything), nor LEXI's own field drawn from the eye; the magnetopause fills
    # part of the field, the stars show where it does not
    for name in win.state.layers.names():
        setattr(win.state.layers, name, name in ("stars", "magnetopause"))
    img = sv.render(alpha=False)[..., :3].astype(float)
    assert not sv.sky.moon.visible and not sv.observation_fov.visible
    x0, y0, fw, fh = sv.instrument_frame_rect()
    field = img[int(y0) + 3 : int(y0 + fh) - 3, int(x0) + 3 : int(x0 + fw) - 3].max(axis=-1)
    assert (field > 40).mean() > 0.2, (field > 40).mean()  # the translucent magnetopause
    assert (field < 15).mean() > 0.1  # and dark sky beside it
    # another preset leaves the view; clearing the observation disables the action
    win.set_camera_preset("north")
    assert not act.isChecked() and sv.view.camera is sv.turntable
    assert "SMILE at " in sv.hud_time.text
