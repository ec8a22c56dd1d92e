"""Off-window renders of the 3-D scene: size, what is where, and that time changes it."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from smile_viewer.errors import UserInputError

# See test_first_window.py: under Xvfb, tests/conftest.py may have left Qt on "offscreen".
if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

EQUINOX_NOON = "2026-03-20T12:00:00"


def _geo(lon_deg, lat_deg):
    lon, lat = np.radians(lon_deg), np.radians(lat_deg)
    return np.array([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)])


def _patch(img, xy, r=2):
    x, y = np.round(np.asarray(xy, float)).astype(int)
    return img[max(y - r, 0) : y + r + 1, max(x - r, 0) : x + r + 1].reshape(-1, 3).astype(int)


@pytest.fixture(scope="module")
def equinox_from_sun():
    """At 12:00 UT near the March equinox, seen from the Sun, close to Earth."""
    from smile_viewer._vispy.headless import render_scene_image
    from smile_viewer._vispy.scene import CameraSetup

    return render_scene_image(
        (400, 300),
        EQUINOX_NOON,
        camera=CameraSetup(azimuth=90.0, elevation=0.0, scale_factor=3.0),
        return_view_info=True,
    )


@pytest.mark.gl
def test_earth_texture_orientation_at_equinox_noon(equinox_from_sun):
    img, info = equinox_from_sun
    r = info["geo_to_scene"]
    # GEO longitude 0 faces the Sun (+X GSE) at 12:00 UT (to within the equation of time)
    sub_solar = r.T @ np.array([1.0, 0.0, 0.0])
    assert abs(np.degrees(np.arctan2(sub_solar[1], sub_solar[0]))) < 3.0
    assert abs(np.degrees(np.arcsin(sub_solar[2]))) < 1.0
    h, w, _ = img.shape
    # the disk centre (Gulf of Guinea, lon 0 lat 0) is lit ocean: coloured, blue above red
    c = _patch(img, (w / 2, h / 2)).mean(0)
    assert c[2] > 35 and c[2] > c[0] + 15, f"centre pixel {c} should be lit ocean (background is ~(4, 5, 11))"
    # Arabia's desert (lon 47E, lat 21N) is sand: red above blue (mirrored, it would be the Atlantic)
    arabia = _patch(img, info["project"](r @ _geo(47.0, 21.0))[0]).mean(0)
    assert arabia[0] > arabia[2] + 30 and arabia[0] > 100, f"Arabia pixel {arabia}"
    # the Atlantic off Brazil (lon 25W, lat 5S) is ocean
    ocean = _patch(img, info["project"](r @ _geo(-25.0, -5.0))[0]).mean(0)
    assert ocean[2] > ocean[0] + 15, f"Atlantic pixel {ocean}"
    # bottom-right corner: dark background
    assert _patch(img, (w - 3, h - 3)).max() < 40


@pytest.mark.gl
def test_night_side_is_darker():
    """Seen from dusk (+Y) the Sun is to the left: shading darkens the right (night) half only."""
    from smile_viewer._vispy.headless import render_scene_image
    from smile_viewer._vispy.scene import CameraSetup
    from smile_viewer.state import SceneState

    state = SceneState(time=EQUINOX_NOON)
    state.layers.axes = state.layers.sun = state.layers.orbit = state.layers.spacecraft = False
    camera = CameraSetup(azimuth=180.0, elevation=0.0, scale_factor=3.0)
    shaded, info = render_scene_image((240, 240), camera=camera, state=state, return_view_info=True)
    state.day_night = False
    flat = render_scene_image((240, 240), camera=camera, state=state)
    (cx, cy), (ex, _) = info["project"]([[0, 0, 0], [1.0, 0, 0]])
    radius_px = abs(ex - cx)
    assert ex < cx and radius_px > 40, "the Sun (+X) should be to the left"

    def band(img, f0, f1):
        x0, x1 = sorted((int(cx + f0 * radius_px), int(cx + f1 * radius_px)))
        return img[int(cy) - 8 : int(cy) + 8, x0:x1].astype(float).mean()

    day_ratio = band(shaded, -0.7, -0.4) / band(flat, -0.7, -0.4)
    night_ratio = band(shaded, 0.4, 0.7) / band(flat, 0.4, 0.7)
    assert day_ratio > 0.8, day_ratio
    assert night_ratio < 0.4, night_ratio


@pytest.mark.gl
def test_render_scene_png_default_scene(tmp_path):
    from smile_viewer._vispy.headless import render_scene_image, render_scene_png
    from smile_viewer._vispy.visuals.guides import AXIS_COLORS, SUN_COLOR

    out = render_scene_png(tmp_path / "scene.png", size=(640, 400), time=EQUINOX_NOON)
    assert out == tmp_path / "scene.png"
    assert not list(tmp_path.glob(".*.tmp")), "temporary file left behind"
    with Image.open(out) as im:
        assert im.format == "PNG" and im.size == (640, 400) and im.mode == "RGB"
        img = np.asarray(im)

    _, info = render_scene_image((640, 400), EQUINOX_NOON, return_view_info=True)
    proj = info["project"]
    # Earth: coloured pixels at the origin
    earth = _patch(img, proj([[0, 0, 0]])[0], r=1).mean(0)
    assert earth.max() > 50, f"Earth pixel {earth}"
    # the Sun arrow (yellow) along +X beyond the axes, and the red X axis
    sun = _patch(img, proj([[14.0, 0, 0]])[0], r=2)
    sun_rgb = np.array(SUN_COLOR[:3]) * 255
    assert np.min(np.abs(sun - sun_rgb).max(1)) < 60, "no Sun-arrow colour at the projected arrow"
    x_axis = _patch(img, proj([[4.0, 0, 0]])[0], r=2)
    x_rgb = np.array(AXIS_COLORS["x"][:3]) * 255
    assert np.min(np.abs(x_axis - x_rgb).max(1)) < 70, "no X-axis colour at the projected axis"
    # the spacecraft marker (white disc, orange rim) at its projected position
    assert _patch(img, proj(info["spacecraft"])[0], r=3).max() > 220
    # background corner (bottom right: no caption there)
    assert _patch(img, (636, 396)).max() < 40
    # the whole orbit (apogee ~20 R_E) is in the picture
    from smile_viewer.mission.orbit import default_orbit

    orbit = default_orbit()
    from astropy.time import Time, TimeDelta

    t = Time(EQUINOX_NOON) + TimeDelta(np.linspace(-0.5, 0.5, 50) * orbit.period_s, format="sec")
    px = proj(orbit.position(t, frame="gse"))
    assert np.all((px[:, 0] > 0) & (px[:, 0] < 640) & (px[:, 1] > 0) & (px[:, 1] < 400))


@pytest.mark.gl
def test_time_change_moves_spacecraft_in_picture():
    from smile_viewer._vispy.headless import render_scene_image

    img0, info0 = render_scene_image((480, 320), EQUINOX_NOON, return_view_info=True)
    img1, info1 = render_scene_image((480, 320), "2026-03-20T20:00:00", return_view_info=True)
    p0 = info0["project"](info0["spacecraft"])[0]
    p1 = info1["project"](info1["spacecraft"])[0]
    assert np.linalg.norm(p1 - p0) > 20, "the spacecraft should move across the picture in 8 h"
    assert _patch(img1, p1, r=3).max() > 220
    # where the marker was, the new picture is not the marker any more
    assert np.abs(_patch(img0, p0, r=1) - _patch(img1, p0, r=1)).max() > 60
    assert np.mean(np.abs(img0.astype(int) - img1.astype(int))) > 0.2


# -- without a display (EGL surfaceless, else a private Xvfb) ---------------------------------
_HAS_OFFSCREEN_GL = ctypes.util.find_library("EGL") is not None or shutil.which("Xvfb") is not None


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not _HAS_OFFSCREEN_GL, reason="needs Mesa's libEGL or Xvfb"
)
def test_cli_render_without_display(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    out = tmp_path / "cli.png"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "smile_viewer",
            "render",
            "--out",
            str(out),
            "--size",
            "320x200",
            "--time",
            EQUINOX_NOON,
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert res.returncode == 0, res.stderr
    with Image.open(out) as im:
        assert im.size == (320, 200)
        img = np.asarray(im.convert("RGB"))
    assert img.max() > 200 and img[-3:, -3:].max() < 40


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Xvfb fallback is Linux-only")
def test_cli_render_says_what_to_install_when_no_gl_can_be_had(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(SMILE_GL_BACKEND="xvfb", PATH=str(tmp_path))  # force the Xvfb path, with no Xvfb
    res = subprocess.run(
        [sys.executable, "-m", "smile_viewer", "render", "--out", str(tmp_path / "x.png")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2
    assert "cannot create an OpenGL context" in res.stderr and "apt-get install" in res.stderr
    assert "Traceback" not in res.stderr and not (tmp_path / "x.png").exists()


def test_render_scene_png_rejects_bad_paths(tmp_path):
    from smile_viewer._vispy.headless import render_scene_png

    with pytest.raises(UserInputError, match=r"\.png"):
        render_scene_png(tmp_path / "scene.jpg")
    with pytest.raises(UserInputError, match="does not exist"):
        render_scene_png(tmp_path / "missing" / "scene.png")
    with pytest.raises(UserInputError, match="size"):
        render_scene_png(tmp_path / "scene.png", size=(4, 4))
