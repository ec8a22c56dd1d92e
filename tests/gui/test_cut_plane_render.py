"""Cut planes in the 3-D scene, checked by the pixel colours of a headless render
(smile_viewer._vispy.headless.render_scene_image).

The cube (written with astropy in the community's FITS layout) holds a field linear in x,
η = 1e-5 (1 + (x + 20)/4) eV cm^-3 s^-1 over [-20, 20]³ R_E. Seen from the north the X–Y cut at
z = 0 must show, at the pixel where a point (x, y, 0) projects, the colour map's colour of η(x)
(linear scale between known limits); where the plane is not (beyond the cube) the background.
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits

from smile_viewer._vispy.visuals.cut_plane import cut_colors, default_range
from smile_viewer.state import AppState
from smile_viewer.state.cut_plane import CutPlaneSettings

pytestmark = pytest.mark.gl
N = 41


def eta(x):
    return 1e-5 * (1.0 + (np.asarray(x) + 20.0) / 4.0)


def write_cube(path):
    axis = np.linspace(-20.0, 20.0, N)
    zz, yy, xx = np.meshgrid(axis, axis, axis, indexing="ij")
    hdu = fits.PrimaryHDU(eta(xx).astype(np.float32))
    hdu.header["FRAME"] = "GSE"
    fits.HDUList([hdu, *(fits.ImageHDU(axis, name=a) for a in "xyz")]).writeto(path)
    return path


def quiet_state(cube) -> AppState:
    app = AppState()
    app.model.models.choose_file(str(cube), "cube")
    lay = app.scene.layers
    for name in type(lay).model_fields:
        setattr(lay, name, name == "earth")
    app.scene.camera_preset = "north"
    return app


def test_default_range_and_colours():
    v = np.array([[1.0, 10.0], [np.nan, 100.0]])
    assert default_range(v, "log") == (1.0, 100.0)
    assert default_range(v, "linear") == (1.0, 100.0)
    rgba = cut_colors(v, "grays", (1.0, 100.0), "log")
    assert rgba[1, 0, 3] == 0 and rgba[0, 0, 3] == 255  # NaN (outside the cube) is transparent
    assert (
        rgba[0, 0, 0] == 0 and rgba[1, 1, 0] == 255 and abs(int(rgba[0, 1, 0]) - 128) <= 1
    )  # log: 10 in the middle


def test_xy_cut_plane_colours_in_a_render(tmp_path):
    from smile_viewer._vispy.headless import render_scene_image

    app = quiet_state(write_cube(tmp_path / "lin.fits"))
    clim = (1e-5, 1.1e-4)
    settings = CutPlaneSettings(visible=True, plane="xy", offset_re=0.0, scale="linear", value_range=clim)
    img, info = render_scene_image((640, 480), state=app, cut_plane=settings, return_view_info=True)
    cp = info["cut_plane"]
    assert cp["error"] == "" and cp["cut"] is not None and cp["clim"] == clim
    project = info["project"]
    lut = cut_colors(np.array([]), "viridis", clim, "linear")  # (the function works on any shape)
    assert lut.shape == (0, 4)
    checked = 0
    for x in (-16.0, -9.0, -4.0, 5.0, 11.0, 17.0):
        for y in (-14.0, -6.0, 7.0, 15.0):
            col, row = project(np.array([[x, y, 0.0]]))[0]
            r, c = int(round(row)), int(round(col))
            assert 3 <= r < img.shape[0] - 3 and 3 <= c < img.shape[1] - 3, (x, y, r, c)
            want = cut_colors(eta(np.array([x])), "viridis", clim, "linear")[0, :3].astype(float)
            got = img[r - 1 : r + 2, c - 1 : c + 2].reshape(-1, 3).astype(float).mean(axis=0)
            assert np.abs(got - want).max() < 14, (x, y, got, want)
            checked += 1
    assert checked == 24
    # beyond the cube's edge (x = 26 R_E): no plane, the dark background
    col, row = project(np.array([[26.0, 0.0, 0.0]]))[0]
    if 0 <= row < img.shape[0] and 0 <= col < img.shape[1]:
        assert img[int(row), int(col)].max() < 40


def test_xz_plane_moves_along_its_normal(tmp_path):
    """X–Z at y = 10 from the north is a line: the plane is seen edge-on where y = 10 projects."""
    from smile_viewer._vispy.headless import render_scene_image

    app = quiet_state(write_cube(tmp_path / "lin.fits"))
    app.scene.camera_preset = "noon_midnight"  # looking along Y: the X–Z plane faces the camera
    settings = CutPlaneSettings(
        visible=True, plane="xz", offset_re=10.0, scale="linear", value_range=(1e-5, 1.1e-4)
    )
    img, info = render_scene_image((480, 360), state=app, cut_plane=settings, return_view_info=True)
    cut = info["cut_plane"]["cut"]
    assert np.allclose(cut.points[..., 1], 10.0)
    col, row = info["project"](np.array([[12.0, 10.0, 6.0]]))[0]
    want = cut_colors(eta(np.array([12.0])), "viridis", (1e-5, 1.1e-4), "linear")[0, :3].astype(float)
    got = img[int(round(row)) - 1 : int(round(row)) + 2, int(round(col)) - 1 : int(round(col)) + 2].reshape(
        -1, 3
    )
    assert np.abs(got.astype(float).mean(axis=0) - want).max() < 14
    settings.offset_re = 99.0  # beyond the cube: the layer keeps the plane on the cube's face
    img2, info2 = render_scene_image((480, 360), state=app, cut_plane=settings, return_view_info=True)
    assert np.allclose(info2["cut_plane"]["cut"].points[..., 1], 20.0)
