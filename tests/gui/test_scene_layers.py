"""The 3-D scene's layers: each one changes the pixels where it is drawn, styles and time act.

One SceneView on one off-window canvas (Xvfb + Mesa llvmpipe) is shared by the module; each
test switches layers on the shared state and renders.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

# See test_first_window.py: under Xvfb, tests/conftest.py may have left Qt on "offscreen".
if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

pytestmark = pytest.mark.gl

T0 = "2026-03-20T12:00:00"
SIZE = (800, 500)
NEW_LAYERS = ("magnetopause", "bow_shock", "field_lines", "sxi_fov", "uvi_fov", "emission_volume")


@pytest.fixture(scope="module")
def scene_view():
    from smile_viewer._vispy.headless import offscreen_canvas
    from smile_viewer._vispy.scene import SceneView
    from smile_viewer.state import AppState

    app = AppState()
    app.scene.time = T0
    app.volume.shape = (64, 64, 64)
    canvas = offscreen_canvas(SIZE)
    view = SceneView(app, canvas=canvas)
    yield view
    view.close()


@pytest.fixture
def sv(scene_view):
    """The shared view with only the classic layers on, camera from dusk (noon–midnight)."""
    st = scene_view.state
    for name in NEW_LAYERS:
        setattr(st.layers, name, False)
    st.layers.labels = False
    st.camera_preset = "noon_midnight"
    scene_view.apply_camera_preset("noon_midnight")
    return scene_view


def _render(view) -> np.ndarray:
    return view.render(alpha=False)[..., :3].astype(int)


def _diff_at(a, b, xy, r=2) -> float:
    x, y = (int(round(v)) for v in xy)
    pa = a[max(y - r, 0) : y + r + 1, max(x - r, 0) : x + r + 1]
    pb = b[max(y - r, 0) : y + r + 1, max(x - r, 0) : x + r + 1]
    return float(np.abs(pa - pb).max())


def _toggle(view, name):
    """Pictures with the layer off and on."""
    setattr(view.state.layers, name, False)
    off = _render(view)
    setattr(view.state.layers, name, True)
    on = _render(view)
    return off, on


def _inside(view, px):
    w, h = view.canvas.size
    return 3 <= px[0] < w - 3 and 3 <= px[1] < h - 3


@pytest.mark.parametrize("name", ["magnetopause", "bow_shock"])
def test_boundary_toggles_change_pixels_at_the_dayside_nose(sv, name):
    off, on = _toggle(sv, name)
    mesh = getattr(sv.data["boundaries"], name)
    assert mesh is not None
    nose = np.array([mesh.standoff_re, 0.0, 0.0])  # on the silhouette seen from dusk
    px = sv.project(nose)[0]
    assert _inside(sv, px)
    assert _diff_at(off, on, px) > 25, f"{name} not drawn at its nose {px}"
    # translucent: the Earth inside stays visible (its centre pixel barely changes)
    earth_px = sv.project([[0, 0, 0]])[0]
    assert _diff_at(off, on, earth_px, r=1) < 40
    # far upstream of the boundary nothing changes
    far = sv.project([[mesh.standoff_re + 6.0, 0.0, 9.0]])[0]
    if _inside(sv, far):
        assert _diff_at(off, on, far, r=1) < 6


def test_boundary_model_choice_moves_the_magnetopause(sv):
    sv.state.layers.magnetopause = True
    _render(sv)
    shue = sv.data["boundaries"].magnetopause.standoff_re
    sv.app_state.model.models.boundary_model = "jelinek2012"
    try:
        _render(sv)
        jel = sv.data["boundaries"].magnetopause.standoff_re
        assert "Jel" in sv.data["boundaries"].magnetopause.name and abs(jel - shue) > 0.1
        sv.app_state.model.solar_wind.n_cm3 = 25.0  # higher pressure: the nose moves in
        _render(sv)
        assert sv.data["boundaries"].magnetopause.standoff_re < jel - 1.0
    finally:
        sv.app_state.model.models.boundary_model = "shue1998"
        sv.app_state.model.solar_wind.n_cm3 = 5.0


def test_field_lines_toggle_changes_pixels_along_the_lines(sv):
    from smile_viewer.coords import rotation_matrix

    off, on = _toggle(sv, "field_lines")
    fl = sv.data["field_lines"]
    r = np.asarray(rotation_matrix(sv.state.time, "gsm", "gse"))
    hits, tried = 0, 0
    for i in np.flatnonzero(fl.topology == 0)[:6]:  # closed lines
        line = fl.line(i) @ r.T
        for p in line[len(line) // 4 : 3 * len(line) // 4 : max(1, len(line) // 12)]:
            if np.linalg.norm(p) < 2.0:
                continue  # near the Earth lines crowd
            px = sv.project(p)[0]
            if _inside(sv, px):
                tried += 1
                hits += _diff_at(off, on, px, r=1) > 30
    assert tried >= 10 and hits / tried > 0.7, (hits, tried)
    # the legend names the topologies (labels on)
    sv.state.layers.labels = True
    texts = [t.text for t in sv.legend_items if t.visible]
    assert any("closed" in t for t in texts) and any("open (north)" in t for t in texts)


@pytest.mark.parametrize("name", ["sxi_fov", "uvi_fov"])
def test_fov_toggles_change_pixels_along_the_edges(sv, name):
    sv.state.camera_preset = "overview"
    off, on = _toggle(sv, name)
    node = getattr(sv, name)
    apex, rim = node.apex, node.rim
    hits, tried = 0, 0
    for corner in rim[:: max(1, len(rim) // 4)]:
        for f in (0.35, 0.55, 0.75):  # along the apex–corner edges
            px = sv.project(apex + f * (corner - apex))[0]
            if _inside(sv, px):
                tried += 1
                hits += _diff_at(off, on, px, r=1) > 25
    assert tried >= 6 and hits / tried > 0.7, (hits, tried)


def test_emission_volume_toggle_changes_pixels_at_the_sheath(sv):
    off, on = _toggle(sv, "emission_volume")
    mp = sv.data["boundaries"].magnetopause if "boundaries" in sv.data else None
    r_sheath = (mp.standoff_re if mp else 10.5) + 1.5
    px = sv.project([[r_sheath, 0.0, 0.0]])[0]
    assert _diff_at(off, on, px) > 40


def test_styles_change_colour_and_opacity(sv):
    sv.state.layers.sxi_fov = True
    sv.state.camera_preset = "overview"
    base = _render(sv)
    apex, corner = sv.sxi_fov.apex, sv.sxi_fov.rim[0]
    px = sv.project(apex + 0.5 * (corner - apex))[0]
    style = sv.state.styles.sxi_fov
    try:
        style.color = "#ff0000"
        red = _render(sv)
        patch = red[int(px[1]) - 1 : int(px[1]) + 2, int(px[0]) - 1 : int(px[0]) + 2].reshape(-1, 3)
        assert patch[:, 0].max() > 150 and patch[np.argmax(patch[:, 0]), 1] < 120
        style.opacity = 0.0
        sv.state.layers.sxi_fov = False
        hidden = _render(sv)
        sv.state.layers.sxi_fov = True
        clear = _render(sv)
        assert _diff_at(hidden, clear, px, r=1) < 3  # nothing drawn at zero opacity
        assert _diff_at(base, clear, px, r=1) > 25
    finally:
        style.color = "#b8f35a"
        style.opacity = 0.3


def test_time_moves_the_fields_of_view_and_gsm_rotates_the_field_lines(sv):
    sv.state.layers.sxi_fov = True
    apex0 = sv.sxi_fov.apex.copy()
    try:
        sv.state.shift_time(4 * 3600)
        assert np.linalg.norm(sv.sxi_fov.apex - apex0) > 2.0
        assert np.allclose(sv.sxi_fov.apex, sv.spacecraft_position)
        sv.state.layers.field_lines = True
        sv.state.frame = "gsm"
        _render(sv)
        m = sv.field_lines.transform.matrix[:3, :3]
        assert np.allclose(m, np.eye(3), atol=1e-9)  # GSM lines in a GSM scene: no rotation
        sv.state.frame = "gse"
        _render(sv)
        assert not np.allclose(sv.field_lines.transform.matrix[:3, :3], np.eye(3), atol=1e-3)
    finally:
        sv.state.time = T0
        sv.state.frame = "gse"


def test_async_policy_requests_and_drops_stale_results(scene_view):
    """The async switch: requests go out with generations; only the latest is applied."""
    from smile_viewer.state.scene_data import build

    view = scene_view
    requests = []
    view.data_requested.connect(lambda kind, req, gen: requests.append((kind, req, gen)))
    view.update_policy = "async"
    try:
        view.state.layers.magnetopause = True
        view.app_state.model.solar_wind.n_cm3 = 9.0
        view.flush()
        view.app_state.model.solar_wind.n_cm3 = 15.0
        view.flush()
        mine = [(r, g) for k, r, g in requests if k == "boundaries"]
        assert len(mine) == 2 and mine[1][1] > mine[0][1]
        old, new = mine
        assert view.apply_data("boundaries", old[1], build(old[0])) is False  # stale: dropped
        assert view.apply_data("boundaries", new[1], build(new[0])) is True
        assert view.data["boundaries"].magnetopause.standoff_re == pytest.approx(
            build(new[0]).magnetopause.standoff_re
        )
    finally:
        view.update_policy = "sync"
        view.data_requested.disconnect()
        view.app_state.model.solar_wind.n_cm3 = 5.0


def test_half_resolution_volume_matches_full_resolution_and_keeps_the_scene(sv):
    """The interactive compositor (volume ray-cast at half resolution, upsampled, added) gives
    the full-resolution picture, and the rest of the scene survives it frame after frame."""
    sv.state.layers.emission_volume = True
    sv.state.camera_preset = "overview"
    try:
        sv.volume_resolution = 1.0
        full = _render(sv)
        sv.volume_resolution = 0.5
        assert sv.volume_compositor.visible and not sv.emission_volume.visible
        half = [_render(sv) for _ in range(3)]
        for img in half:
            assert np.abs(img - full).mean() < 4.0
            assert np.corrcoef(img.ravel(), full.ravel())[0, 1] > 0.98
        earth = sv.project([[0, 0, 0]])[0]
        assert _diff_at(half[0], half[2], earth) == 0  # the Earth still drawn (depth ok)
        assert _diff_at(full, half[2], earth, r=1) < 20
        sv.app_state.volume.render_mode = "iso"  # depth-tested: drawn in the scene
        _render(sv)
        assert sv.emission_volume.visible and not sv.volume_compositor.visible
    finally:
        sv.app_state.volume.render_mode = "emission"
        sv.volume_resolution = 0.4


# -- the command line ------------------------------------------------------------------------
def test_cli_render_view_and_session(tmp_path):
    import subprocess
    import sys

    from PIL import Image

    from smile_viewer.state import AppState

    app = AppState()
    app.scene.time = T0
    app.scene.layers.emission_volume = True
    app.scene.layers.labels = False
    app.volume.shape = (48, 48, 48)
    session = app.save(tmp_path / "s.json")
    out = tmp_path / "sxi.png"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "smile_viewer",
            "render",
            "--out",
            str(out),
            "--size",
            "346x200",
            "--view",
            "sxi",
            "--session",
            str(session),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert res.returncode == 0, res.stderr
    with Image.open(out) as im:
        img = np.asarray(im.convert("RGB")).astype(int)
    assert im.size == (346, 200)
    # through SXI the emission fills the field: bright, structured, no background left
    assert img.mean() > 60 and img.std() > 10 and (np.abs(img - [4, 5, 11]).max(axis=2) > 20).mean() > 0.9
    # a bad or newer session: exit status 2, a one-line message, no picture
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": 99}')
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "smile_viewer",
            "render",
            "--out",
            str(tmp_path / "x.png"),
            "--session",
            str(bad),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 2 and "newer smile-viewer" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "x.png").exists()


def test_a_loaded_session_is_followed_in_place(sv):
    """AppState.update_from (opening a session) changes the view through the same bindings."""
    from smile_viewer.state import AppState

    other = AppState.from_json(sv.app_state.to_json())
    other.scene.layers.bow_shock = False
    other.scene.layers.magnetopause = True
    other.scene.styles.magnetopause.opacity = 0.2
    other.model.models.boundary_model = "jelinek2012"
    other.instruments.sxi.pointing.roll_deg = 45.0
    before_rot = sv.cameras["sxi"].rotation.copy()
    saved = sv.app_state.to_json()
    try:
        sv.app_state.update_from(other)
        _render(sv)
        assert sv.bow_shock.visible is False and sv.magnetopause.opacity == pytest.approx(0.2)
        assert "Jel" in sv.data["boundaries"].magnetopause.name
        assert not np.allclose(sv.cameras["sxi"].rotation, before_rot)
    finally:
        sv.app_state.update_from(AppState.from_json(saved))


def test_only_pointing_changes_redraw_the_scene(sv, monkeypatch):
    """Exposure and pixel grid change the images, not the 3-D scene: no redraw (a frame costs
    ~100 ms on llvmpipe); a roll change redraws."""
    updates = []
    monkeypatch.setattr(sv.canvas, "update", lambda *a, **k: updates.append(1))
    sxi = sv.app_state.instruments.sxi
    sxi.pixel_grid = (100, 60)
    sxi.exposure_s = 120.0
    assert updates == []
    sxi.pointing.roll_deg = 15.0
    assert updates
    sxi.pointing.roll_deg = 0.0
