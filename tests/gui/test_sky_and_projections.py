"""The real sky and the planetarium/VR projections, drawn off window.

- Sirius, Polaris and the Sun land at the pixels predicted from the catalogue with astropy and
  the camera's gnomonic projection (within 1 px, at 90″ a pixel); the Moon has its true size.
- Dome masters and equirectangular frames: the maths (pixel ↔ direction), the resampling of
  an ideal cube map, and real renders put markers at known directions at their predicted
  pixels within 1 px.
"""

from __future__ import annotations

import math
import os
import warnings

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import GCRS, SkyCoord
from astropy.time import Time

from smile_viewer.coords import rotation_matrix
from smile_viewer.errors import UserInputError
from smile_viewer.mission.camera import look_rotation

# See test_first_window.py: under Xvfb, tests/conftest.py may have left Qt on "offscreen".
if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

T = Time("2026-03-20T12:00:00", scale="utc")
SIRIUS, POLARIS = 32349, 11767


# -- helpers ------------------------------------------------------------------------------------
def centroid(img: np.ndarray, xy, r: int = 6) -> np.ndarray:
    """Intensity-weighted centre (x, y) in pixel-centre coordinates (a pixel's centre at +0.5)
    of the spot near ``xy``, the window's median background subtracted."""
    x, y = (int(round(v - 0.5)) for v in xy)
    win = img[y - r : y + r + 1, x - r : x + r + 1, :3].astype(float).sum(axis=2)
    win = np.clip(win - np.median(win), 0.0, None)
    assert win.sum() > 30, f"no spot near {xy}"
    yy, xx = np.mgrid[y - r : y + r + 1, x - r : x + r + 1]
    return np.array([(xx * win).sum() / win.sum() + 0.5, (yy * win).sum() / win.sum() + 0.5])


def astropy_direction(hip: int, frame: str = "gse") -> np.ndarray:
    """Apparent geocentric direction of a star with astropy from the catalogue's RA/Dec and
    proper motion (ICRS, J1991.25 → GCRS at T), rotated into ``frame``."""
    from smile_viewer.coords.sky import star_catalogue

    cat = star_catalogue()
    i = cat.index_of(hip)
    c = SkyCoord(
        ra=cat.ra_rad[i] * u.rad,
        dec=cat.dec_rad[i] * u.rad,
        pm_ra_cosdec=float(cat.pmra_masyr[i]) * u.mas / u.yr,
        pm_dec=float(cat.pmdec_masyr[i]) * u.mas / u.yr,
        obstime=Time(cat.epoch_jyear, format="jyear", scale="tt"),
        frame="icrs",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        moved = c.apply_space_motion(new_obstime=T)
    g = SkyCoord(ra=moved.ra, dec=moved.dec, frame="icrs").transform_to(GCRS(obstime=T))
    v = g.represent_as("unitspherical").to_cartesian().xyz.value
    return rotation_matrix(T, "gei", frame) @ v


def gnomonic_pixel(d, rotation, fov_deg, size) -> np.ndarray:
    """Pixel (x, y) of direction ``d`` for a pinhole camera (columns x right, y down, boresight)
    whose full field ``fov_deg`` spans an image of ``size`` (w, h) edge to edge."""
    v = np.asarray(rotation).T @ np.asarray(d, float)
    tx, ty = (math.tan(math.radians(f) / 2) for f in fov_deg)
    w, h = size
    return np.array([(v[0] / v[2] / tx + 1) * w / 2, (v[1] / v[2] / ty + 1) * h / 2])


def offset_rotation(d, dx_deg: float, dy_deg: float) -> np.ndarray:
    """A camera rotation looking near ``d``: ``d`` lands dx right and dy down of the centre."""
    rot = look_rotation(d)
    ax, ay = math.radians(dx_deg), math.radians(dy_deg)
    boresight = rot @ np.array([-math.tan(ax), -math.tan(ay), 1.0])
    return look_rotation(boresight, up_hint=-rot[:, 1])


@pytest.fixture(scope="module")
def sky_view():
    """A SceneView showing only the sky (stars, Sun, Moon), at T, GSE."""

    from smile_viewer._vispy.headless import gl_app, offscreen_canvas
    from smile_viewer._vispy.scene import SceneView
    from smile_viewer.state import AppState

    state = AppState()
    state.scene.time = T
    lay = state.scene.layers
    for name in lay.names():
        setattr(lay, name, False)
    lay.stars = True
    app = gl_app((320, 240))
    canvas = offscreen_canvas((320, 240), app)
    sv = SceneView(state, canvas=canvas)
    yield sv
    sv.close()


def _through(sv, position, rotation, fov_deg):
    from smile_viewer._vispy.cameras import InstrumentCamera

    cam = InstrumentCamera(fov_deg=fov_deg, fit="exact")
    with sv.borrowed_camera(cam):
        cam.set_pose(position, rotation, fov_deg)
        return sv.render(alpha=False)


# -- the sky ------------------------------------------------------------------------------------
@pytest.mark.gl
@pytest.mark.parametrize("name", ["Sirius", "Polaris", "Sun"])
def test_bright_stars_and_the_sun_land_at_their_predicted_pixels(sky_view, name):
    """8° × 6° on 320 × 240: 90″ a pixel (aberration alone is 20″; proper motion since 1991
    moves Sirius by 46″). The eye is 30 R_E from the Earth: the sky must not care."""
    d = {"Sirius": lambda: astropy_direction(SIRIUS), "Polaris": lambda: astropy_direction(POLARIS)}.get(
        name,
        lambda: np.array([1.0, 0.0, 0.0]),  # the Sun: +X of GSE
    )()
    rot = offset_rotation(d, 1.3, -0.7)
    fov, size = (8.0, 6.0), (320, 240)
    img = _through(sky_view, np.array([3.0, -30.0, 5.0]), rot, fov)
    want = gnomonic_pixel(d, rot, fov, size)
    assert abs(want[0] - 160 - 1.3 * 40) < 2 and abs(want[1] - 120 + 0.7 * 40) < 2
    got = centroid(img, want, r=5 if name != "Sun" else 30)  # the Sun's disc is 10.6 px in radius
    assert np.hypot(*(got - want)) < 1.0, (name, got, want)


@pytest.mark.gl
def test_brighter_stars_are_bigger_and_brighter(sky_view):
    """Sirius (Hp −1.09) against Polaris (Hp 2.1): more light in a wider spot."""
    out = {}
    for hip in (SIRIUS, POLARIS):
        d = astropy_direction(hip)
        rot = look_rotation(d)
        img = _through(sky_view, np.zeros(3), rot, (8.0, 6.0)).astype(float).sum(axis=2)
        win = img[110:131, 150:171]
        win = win - np.median(img)
        out[hip] = (win.sum(), (win > 0.5 * win.max()).sum())
    assert out[SIRIUS][0] > 2.0 * out[POLARIS][0] and out[SIRIUS][1] > out[POLARIS][1]


@pytest.mark.gl
def test_the_moon_has_its_true_angular_size_close_by(sky_view):
    """From 3 R_E sunward of the Moon (a full Moon), its disc is asin(1737.4 km / 3 R_E) in radius."""
    moon = sky_view.sky.moon_position
    eye = moon + np.array([3.0, 0.0, 0.0])
    fov, size = (20.0, 15.0), (320, 240)
    img = _through(sky_view, eye, look_rotation(moon - eye), fov)
    radius_rad = math.asin(1737.4 / 6371.0 / 3.0)
    radius_px = math.tan(radius_rad) / math.tan(math.radians(fov[1] / 2)) * size[1] / 2
    lit = (img[..., 0].astype(int) >= 7).sum()  # background red 4; the darkest limb 7
    assert lit == pytest.approx(math.pi * radius_px**2, rel=0.06), (lit, radius_px)


@pytest.mark.gl
def test_sky_does_not_move_with_the_eye(sky_view):
    """Same rotation, eye moved by 40 R_E: the stars stay on the same pixels."""
    rot = look_rotation(astropy_direction(SIRIUS))
    a = _through(sky_view, np.zeros(3), rot, (8.0, 6.0)).astype(int)
    b = _through(sky_view, np.array([0.0, 40.0, -10.0]), rot, (8.0, 6.0)).astype(int)
    assert np.abs(a - b).max() <= 2 and a.max() > 100


def test_star_spots_grow_and_brighten_with_magnitude():
    from smile_viewer._vispy.visuals.sky import FLOOR, FULL_MAG, star_appearance

    sigma, peak = star_appearance([-1.09, 0.0, FULL_MAG, 4.0, 7.0])
    assert np.all(np.diff(sigma) <= 0) and np.all(np.diff(peak) <= 0)
    assert peak[0] == peak[2] == 1.0 and peak[-1] == pytest.approx(max(FLOOR, 10 ** (-0.2 * 5.0)))
    assert sigma[0] == pytest.approx(0.8 + 0.45 * (FULL_MAG + 1.09))


# -- projections: maths -------------------------------------------------------------------------
def test_dome_pixels_are_azimuthal_equidistant():
    from smile_viewer._vispy.projections import direction_to_pixel, pixel_directions

    d, inside = pixel_directions("dome", (64, 64))
    assert inside[32, 32] and not inside[0, 0] and inside.sum() == pytest.approx(math.pi * 32**2, rel=0.03)
    # the centre looks forward; a pixel's angle from forward is 90° × its distance / the radius
    yy, xx = np.mgrid[0:64, 0:64] + 0.5
    r = np.hypot(xx - 32, yy - 32) / 32
    np.testing.assert_allclose(
        np.degrees(np.arccos(np.clip(d[..., 2], -1, 1)))[inside], 90 * r[inside], atol=1e-9
    )
    # right of the centre is camera right (+x); below is camera down (+y)
    assert d[32, 60, 0] > 0.9 and d[60, 32, 1] > 0.9
    back = direction_to_pixel("dome", (64, 64), d[inside])
    np.testing.assert_allclose(back, np.stack([xx, yy], -1)[inside], atol=1e-9)
    assert np.isnan(direction_to_pixel("dome", (64, 64), [[0, 0, -1]])).all()  # behind: outside


def test_dome_tilt_puts_the_view_direction_below_the_centre():
    from smile_viewer._vispy.projections import direction_to_pixel

    px = direction_to_pixel("dome", (400, 400), [[0, 0, 1], [0, -1, 0]], tilt_deg=27.0)
    np.testing.assert_allclose(px[0], [200, 200 + 200 * 27 / 90], atol=1e-9)  # forward: 27° down
    np.testing.assert_allclose(px[1], [200, 200 - 200 * 63 / 90], atol=1e-9)  # camera up: 63° up


def test_equirect_pixels_are_longitude_and_latitude():
    from smile_viewer._vispy.projections import direction_to_pixel, pixel_directions

    px = direction_to_pixel(
        "equirect", (360, 180), [[0, 0, 1], [1, 0, 0], [0, 0, -1], [0, -1, 0], [-1, 0, 0]]
    )
    np.testing.assert_allclose(px[:2], [[180, 90], [270, 90]], atol=1e-9)  # forward, right
    assert px[2][0] in (0.0, 360.0) and px[3][1] == pytest.approx(0.0)  # behind: the edges; up: top
    np.testing.assert_allclose(px[4], [90, 90], atol=1e-9)
    d, inside = pixel_directions("equirect", (360, 180))
    assert inside.all()
    np.testing.assert_allclose(np.linalg.norm(d, axis=-1), 1.0)


@pytest.mark.parametrize(
    ("projection", "size", "message"),
    [("dome", (400, 300), "square"), ("equirect", (400, 300), "2:1"), ("fisheye", (64, 64), "unknown")],
)
def test_bad_projection_arguments_say_what_is_wrong(projection, size, message):
    from smile_viewer._vispy.projections import pixel_directions

    with pytest.raises(UserInputError, match=message):
        pixel_directions(projection, size)


def _ideal_faces(pmap, directions, sigma_rad):
    """The six padded faces of an ideal cube map: a Gaussian spot of ``sigma_rad`` around each
    direction (output camera frame), drawn from every face pixel's own gnomonic direction."""
    from smile_viewer._vispy.projections import FACE_PAD, face_rotations

    m, n = pmap.render_px, pmap.face_px
    c = (np.arange(m) + 0.5 - FACE_PAD) / n * 2 - 1  # tangent-plane coordinate of each pixel centre
    tx, ty = np.meshgrid(c, c)
    faces = np.zeros((6, m, m, 4), np.uint8)
    faces[..., 3] = 255
    for k, rot in enumerate(face_rotations()):
        v = np.stack([tx, ty, np.ones_like(tx)], -1) @ rot.T
        v /= np.linalg.norm(v, axis=-1, keepdims=True)
        val = np.zeros((m, m))
        for d in directions:
            ang = np.arccos(np.clip(v @ d, -1, 1))
            val += np.exp(-0.5 * (ang / sigma_rad) ** 2)
        faces[k, ..., :3] = np.clip(val * 255, 0, 255).astype(np.uint8)[..., None]
    return faces


def _unit(*v):
    v = np.asarray(v, float)
    return v / np.linalg.norm(v)


#: Directions in the output camera's frame (x right, y down, z forward), some on face seams.
MARKERS = [
    _unit(0.1, -0.05, 1),  # near forward
    _unit(1, 0.2, 1.0),  # on the front/right seam (45°)
    _unit(-1, -1, 0.8),  # near a cube corner
    _unit(0.3, -1, 0.2),  # up face
    _unit(1, 0.4, 0.3),  # right face
    _unit(-0.7, 0.5, 0.6),
]


@pytest.mark.parametrize(
    ("projection", "size", "tilt"),
    [("dome", (512, 512), 0.0), ("dome", (512, 512), 25.0), ("equirect", (1024, 512), 0.0)],
)
def test_resampling_an_ideal_cube_map_puts_markers_at_their_pixels(projection, size, tilt):
    from smile_viewer._vispy.projections import default_face_px, direction_to_pixel, projection_map, resample

    pmap = projection_map(projection, size, tilt, default_face_px(projection, size))
    markers = MARKERS + ([_unit(0.5, 0.1, -1)] if projection == "equirect" else [])  # behind
    out = resample(_ideal_faces(pmap, markers, math.radians(0.6)), pmap)
    assert out.shape == (size[1], size[0], 4)
    want = direction_to_pixel(projection, size, markers, tilt)
    for d, xy in zip(markers, want, strict=True):
        if not np.all(np.isfinite(xy)):
            continue  # outside the dome
        got = centroid(out, xy, r=8)
        assert np.hypot(*(got - xy)) < 0.5, (d, got, xy)
    if projection == "dome":
        assert out[0, 0].tolist() == [0, 0, 0, 255]  # outside the circle: opaque black


# -- projections: real renders ------------------------------------------------------------------
@pytest.mark.gl
@pytest.mark.parametrize(
    ("projection", "size", "tilt"), [("dome", (400, 400), 20.0), ("equirect", (720, 360), 0.0)]
)
def test_rendered_projection_puts_markers_at_their_pixels(sky_view, projection, size, tilt):
    """Bright spots at known directions (points at infinity, like the stars) drawn through the
    six cube faces and resampled land within 1 px of where the projection says."""
    from smile_viewer._vispy.projections import direction_to_pixel, render_projection
    from smile_viewer._vispy.visuals.sky import SkyPoints

    markers = [m for m in MARKERS if abs(m[0]) < 0.95 * np.max(np.abs(m))]  # off the side seams
    markers += [_unit(0.5, 0.1, -1)] if projection == "equirect" else []
    rot_out = look_rotation(_unit(0.3, 0.8, 0.2))  # the output camera in the scene frame
    spots = SkyPoints("stars", 1.0, parent=sky_view.view.scene)
    try:
        spots.set_data(
            [rot_out @ m for m in markers], [(1.0, 1.0, 1.0, 1.0)] * len(markers), [1.6] * len(markers)
        )
        sky_view.state.layers.stars = False  # only the markers
        img = render_projection(sky_view, projection, size, np.array([0.0, 0.0, 20.0]), rot_out, tilt)
    finally:
        spots.parent = None
        sky_view.state.layers.stars = True
    assert img.shape == (size[1], size[0], 4) and img.dtype == np.uint8
    assert tuple(sky_view.canvas.size) == (320, 240)  # the view's own size is back
    want = direction_to_pixel(projection, size, markers, tilt)
    for d, xy in zip(markers, want, strict=True):
        if not np.all(np.isfinite(xy)):
            continue
        # (near the poles an equirectangular frame stretches a spot 1/cos(latitude) times)
        got = centroid(img, xy, r=6 if projection == "dome" else 16)
        assert np.hypot(*(got - xy)) < 1.0, (d, got, xy)


# -- the command line ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--projection", "dome", "--size", "400x300"], "square"),
        (["--projection", "equirect", "--size", "400x300"], "2:1"),
        (["--tilt", "20"], "go with --projection"),
        (["--projection", "dome", "--size", "64x64", "--distance", "-3"], "positive"),
    ],
)
def test_cli_projection_mistakes_are_one_line_errors(tmp_path, capsys, args, message):
    from smile_viewer.cli import main

    out = tmp_path / "frame.png"
    assert main(["render", "--out", str(out), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()


@pytest.mark.gl
@pytest.mark.slow
def test_cli_renders_a_dome_master(tmp_path, capsys):
    """A small dome master of the default scene with its sky: round, black outside, stars in it."""
    from PIL import Image

    from smile_viewer.cli import main

    out = tmp_path / "dome.png"
    args = ["render", "--projection", "dome", "--size", "256x256", "--distance", "25", "--tilt", "20"]
    assert main([*args, "--time", "2026-03-20T12:00", "--out", str(out)]) == 0
    assert "wrote" in capsys.readouterr().out
    with Image.open(out) as im:
        assert im.size == (256, 256)
        img = np.asarray(im.convert("RGBA"))
    assert img[2, 2].tolist() == [0, 0, 0, 255] and img[-3, 128].tolist() != [0, 0, 0, 255]
    yy, xx = np.mgrid[0:256, 0:256] + 0.5
    inside = np.hypot(xx - 128, yy - 128) < 120
    assert img[..., :3][inside].max() > 200  # stars, boundaries, the Sun's arrow
    assert np.all(img[..., :3][np.hypot(xx - 128, yy - 128) > 129] == 0)


@pytest.mark.gl
def test_the_suns_glow_is_whole_across_a_cube_face_seam(sky_view):
    """The Sun 4° inside the right face of a dome master, beyond the front face's margin: its
    glow (a quad, not a point sprite clipped by its centre) still reaches across the seam into
    the front face, centred on its predicted pixel and as bright on both sides."""
    from scipy.spatial.transform import Rotation

    from smile_viewer._vispy.projections import direction_to_pixel, render_projection

    a = math.radians(49.0)  # the front/right seam is at 45°, 11 px of this dome to the Sun's left
    local = _unit(math.sin(a), 0.02, math.cos(a))
    rot, _ = Rotation.align_vectors([[1.0, 0.0, 0.0]], [local])  # the Sun (+X of GSE) there
    size = (480, 480)
    img = render_projection(sky_view, "dome", size, np.zeros(3), rot.as_matrix(), 0.0)
    want = direction_to_pixel("dome", size, [local])[0]
    got = centroid(img, want, r=14)
    assert np.hypot(*(got - want)) < 1.0, (got, want)
    x, y = (int(v) for v in want)
    lum = img[..., :3].astype(float).sum(axis=2)
    left, right = lum[y - 2 : y + 3, x - 18 : x - 13].mean(), lum[y - 2 : y + 3, x + 14 : x + 19].mean()
    assert left > 100 and abs(left - right) < 0.2 * max(left, right), (left, right)


# -- the Layers dock ----------------------------------------------------------------------------
def test_layers_dock_switches_the_sky_and_the_names(qtbot):
    """Two rows bound both ways to the state; the stars have no colour button to press (their
    colours are their B−V), the names do."""
    from smile_viewer._qt.docks.layers_dock import LayersDock
    from smile_viewer.state import SceneState

    st = SceneState()
    dock = LayersDock(st)
    qtbot.addWidget(dock)
    assert not st.layers.stars and not dock.checks["stars"].isChecked()
    dock.checks["stars"].setChecked(True)
    dock.checks["sky_labels"].setChecked(True)
    assert st.layers.stars and st.layers.sky_labels
    st.layers.stars = False
    assert not dock.checks["stars"].isChecked()
    assert not dock.color_buttons["stars"].isEnabled() and dock.color_buttons["sky_labels"].isEnabled()
    dock.sliders["stars"].setValue(40)
    assert st.styles.stars.opacity == pytest.approx(0.4)
