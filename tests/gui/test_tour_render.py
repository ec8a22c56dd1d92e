"""Tour frames off window: the camera lands where the keyframe says, a 4K frame keeps its caption
and legend inside, and bad input ends in one line with nothing half-written."""

from __future__ import annotations

import os

import numpy as np
import pytest

from smile_viewer.errors import UserInputError
from smile_viewer.state.app import AppState
from smile_viewer.state.tour import Keyframe, SolarWindKey, Tour, pose_from_turntable

if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

CAPTION = "The bow shock and the magnetopause seen from the dusk side"


def _app(n_keyframes: int = 2) -> AppState:
    app = AppState()
    t0 = app.scene.time.isot
    poses = [
        (150.0, 22.0, (-5.0, 0.0, 0.0), 110.0),
        (80.0, 15.0, (8.0, 0.0, 0.0), 50.0),
        (-120.0, 40.0, (-10, 0, 0), 80.0),
    ]
    app.tour = Tour(
        keyframes=[
            Keyframe(
                camera=pose_from_turntable(az, el, 0.0, c, d, 30.0),
                time=t0,
                caption=CAPTION if i == 0 else f"stop {i + 1}",
                solar_wind=SolarWindKey(n_cm3=5.0, v_km_s=400.0, bz_nt=2.0),
                hold_s=0.1,
                travel_s=0.2,
            )
            for i, (az, el, c, d) in enumerate(poses[:n_keyframes])
        ]
    )
    return app


@pytest.mark.gl
def test_renderer_puts_the_camera_at_the_keyframe_pose():
    from smile_viewer._vispy.tour_render import TourRenderer

    app = _app(3)
    r = TourRenderer(app, (320, 200))
    try:
        for kf in app.tour.keyframes:
            r.apply(app.tour.sample(app.tour.starts()[app.tour.keyframes.index(kf)]))
            tr = r.view.turntable.transform
            eye = np.asarray(tr.map([0.0, 0.0, 0.0])[:3])
            fwd = np.asarray(tr.map([0.0, 0.0, -1.0])[:3]) - eye
            up = np.asarray(tr.map([0.0, 1.0, 0.0])[:3]) - eye
            assert np.allclose(eye, kf.camera.position_re, atol=1e-6)
            m = kf.camera.matrix()
            assert np.allclose(fwd / np.linalg.norm(fwd), -m[:, 2], atol=1e-9)
            assert np.allclose(up / np.linalg.norm(up), m[:, 1], atol=1e-9)
        # the scene time and the solar wind of the keyframe are applied to the renderer's copy
        assert r.app_state.model.solar_wind.bz_nt == 2.0
        assert app.model.solar_wind.bz_nt != 2.0 or app.model.solar_wind is not r.app_state.model.solar_wind
    finally:
        r.close()


@pytest.mark.gl
@pytest.mark.slow
def test_4k_frame_keeps_caption_and_legend_inside():
    from smile_viewer._vispy.tour_render import TourRenderer

    app = _app(2)
    app.scene.layers.field_lines = False
    r = TourRenderer(app, (3840, 2160))
    try:
        sample = app.tour.sample(0.0)
        with_hud = r.render(sample)
        legend = r.view.legend_rect
        caption = r.caption_rect
        r.app_state.scene.layers.labels = False
        r.apply(sample)
        bare = r.render()
    finally:
        r.close()
    h, w = with_hud.shape[:2]
    assert (w, h) == (3840, 2160)
    diff = np.abs(with_hud.astype(int) - bare.astype(int)).sum(axis=2) > 40
    ys, xs = np.nonzero(diff)
    assert len(xs) > 1000, "the caption and legend should show"
    # everything the overlays draw lies inside the frame, clear of its edges
    margin = 8
    assert xs.min() >= margin and ys.min() >= margin and xs.max() < w - margin and ys.max() < h - margin
    # the caption band and the legend panel are inside and were drawn where they say
    for rect in (legend, caption):
        x, y, rw, rh = rect
        assert x >= 0 and y >= 0 and x + rw <= w and y + rh <= h
        sub = diff[int(y) : int(y + rh), int(x) : int(x + rw)]
        assert sub.mean() > 0.02, f"nothing drawn in {rect}"
    # laid out for 4K: the caption is readable from the back of a room (text ≥ 40 px tall)
    x, y, rw, rh = caption
    rows = np.nonzero(diff[int(y) : int(y + rh), int(x + 0.25 * rw) : int(x + 0.75 * rw)].any(axis=1))[0]
    assert rh >= 80 and rows.size >= 40


@pytest.mark.gl
def test_tour_command_writes_an_mp4_and_a_png_folder(tmp_path):
    import imageio_ffmpeg

    from smile_viewer.cli import main

    session = tmp_path / "talk.smile.json"
    _app(2).save(session)
    out = tmp_path / "tour.mp4"
    assert main(["tour", str(session), "--out", str(out), "--size", "96x64", "--fps", "10"]) == 0
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    n = sum(1 for _ in reader)
    assert tuple(meta["size"]) == (96, 64) and n == len(_app(2).tour.frame_times(10))
    folder = tmp_path / "frames"
    assert main(["tour", str(session), "--out", str(folder), "--size", "64x48", "--fps", "10"]) == 0
    files = sorted(folder.iterdir())
    assert len(files) == n and files[0].name == "frame_00000.png"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


@pytest.mark.gl
def test_tour_command_bad_input_one_line_exit_2(tmp_path, capsys):
    from smile_viewer.cli import main

    empty = tmp_path / "empty.smile.json"
    AppState().save(empty)
    good = tmp_path / "good.smile.json"
    _app(2).save(good)
    cases = [
        ([str(empty), "--out", str(tmp_path / "a.mp4")], "no keyframes"),
        ([str(tmp_path / "missing.smile.json"), "--out", str(tmp_path / "b.mp4")], "no such file"),
        ([str(good), "--out", str(tmp_path / "c.mp4"), "--size", "40000x40000"], "at most"),
        ([str(good), "--out", str(tmp_path / "nodir" / "d.mp4")], "does not exist"),
        ([str(good), "--out", str(tmp_path / "e.mp4"), "--size", "big"], "--size"),
        (
            [str(good), "--out", str(tmp_path / "f.mp4"), "--projection", "dome", "--size", "640x480"],
            "square",
        ),
    ]
    for argv, needle in cases:
        assert main(["tour", *argv]) == 2, argv
        err = capsys.readouterr().err.strip()
        assert needle in err and "\n" not in err and "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty.smile.json", "good.smile.json"]


@pytest.mark.gl
def test_cancel_stops_and_leaves_nothing(tmp_path):
    from smile_viewer._vispy.tour_render import TourCancelled, render_tour

    app = _app(3)
    seen = []

    def progress(i, n):
        seen.append(i)

    with pytest.raises(TourCancelled):
        render_tour(app, tmp_path / "x.mp4", (64, 48), 10.0, progress=progress, cancel=lambda: len(seen) >= 2)
    assert len(seen) == 2  # stopped at the next frame
    with pytest.raises(TourCancelled):
        render_tour(app, tmp_path / "frames", (64, 48), 10.0, progress=progress, cancel=lambda: True)
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UserInputError, match="no keyframes"):
        render_tour(AppState(), tmp_path / "y.mp4", (64, 48), 10.0)


@pytest.mark.gl
@pytest.mark.parametrize("size", [(1600, 1000), (1024, 768)])
def test_magnetosphere_preset_frames_nose_to_tail_with_a_visible_earth(size):
    from smile_viewer._vispy import headless
    from smile_viewer._vispy.scene import SceneView

    app = AppState()
    app.scene.camera_preset = "magnetosphere"
    gl = headless.gl_app(size)
    canvas = headless.offscreen_canvas(size, gl)
    sv = SceneView(app, canvas=canvas)
    try:
        sv.flush()
        nose = sv.data["boundaries"].bow_shock.standoff_re
        assert 10.0 < nose < 20.0
        w, h = size
        # the bow-shock nose (sunward, +X) and 30 R_E down the tail, both in the frame
        px = sv.project(np.array([[nose, 0.0, 0.0], [-30.0, 0.0, 0.0], [sv.sun.end + 2.0, 0.0, 0.0]]))
        assert np.all(px[:, 0] > 0.02 * w) and np.all(px[:, 0] < 0.98 * w), px
        assert np.all(px[:, 1] > 0.05 * h) and np.all(px[:, 1] < 0.95 * h), px
        # the Earth: a globe at least 4 % of the frame's height across
        earth = sv.project(np.array([[0.0, 0.0, 1.0], [0.0, 0.0, -1.0]]))
        assert abs(earth[0, 1] - earth[1, 1]) > 0.04 * h
    finally:
        sv.close()
