"""The 3-D view's interactive quality (issue 12, speed): coarser while the camera moves, full at
rest; the window asks for new 3-D data without redrawing the old picture first; no
multisampling on a software rasterizer."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

pytestmark = [pytest.mark.gl, pytest.mark.slow]  # the scene fixture: a few seconds on llvmpipe

SIZE = (360, 300)


@pytest.fixture(scope="module")
def sv():
    from smile_viewer._vispy.headless import offscreen_canvas
    from smile_viewer._vispy.scene import SceneView
    from smile_viewer.state import AppState

    app = AppState()
    app.volume.shape = (32, 32, 32)
    app.scene.layers.emission_volume = True
    canvas = offscreen_canvas(SIZE)
    view = SceneView(app, canvas=canvas)
    view.flush()
    view.canvas.render(alpha=False)  # the first frame places the labels
    yield view
    view.close()


def _frame(view) -> np.ndarray:
    # canvas.render, not view.render: the latter always draws at full quality
    return view.canvas.render(alpha=False)[..., :3].astype(np.int16)


def test_interactive_quality_is_coarser_and_full_quality_comes_back(sv):
    from smile_viewer._vispy.scene import INTERACTIVE_STEP_FACTOR, INTERACTIVE_VOLUME_RESOLUTION

    assert not sv.interactive
    rest_res, rest_step = sv.volume_compositor.scale, sv.emission_volume.step_voxels
    assert rest_res == pytest.approx(sv.volume_resolution) and rest_res > INTERACTIVE_VOLUME_RESOLUTION
    full = _frame(sv)
    assert not sv.magnetopause.near_side_only and not sv.bow_shock.near_side_only
    seen = []
    sv.interactive_changed.connect(seen.append)
    try:
        sv.set_interactive(True)
        assert sv.interactive and seen == [True]
        assert sv.volume_compositor.scale == pytest.approx(INTERACTIVE_VOLUME_RESOLUTION)
        assert sv.emission_volume.step_voxels == pytest.approx(rest_step * INTERACTIVE_STEP_FACTOR)
        assert sv.volume_resolution == pytest.approx(rest_res)  # the chosen one is kept
        fast = _frame(sv)
        # the overview's eye is outside both boundaries: their far sides are left out
        assert sv.magnetopause.near_side_only and sv.bow_shock.near_side_only
        changed = np.abs(fast - full).max(axis=-1) > 8
        assert changed.mean() > 0.02, changed.mean()  # a visibly different (coarser) picture
        sv.set_interactive(False)
        assert not sv.interactive and seen == [True, False]
        assert sv.volume_compositor.scale == pytest.approx(rest_res)
        assert sv.emission_volume.step_voxels == pytest.approx(rest_step)
        assert not sv.magnetopause.near_side_only
        again = _frame(sv)
        assert np.abs(again - full).max() <= 2  # full quality is back, pixel for pixel
    finally:
        sv.interactive_changed.disconnect(seen.append)
        sv.set_interactive(False)


def test_a_chosen_resolution_survives_the_interactive_spell(sv):
    sv.set_interactive(True)
    sv.volume_resolution = 0.6  # chosen while moving: kept for the rest
    assert sv.volume_compositor.scale == pytest.approx(0.2)
    sv.set_interactive(False)
    assert sv.volume_compositor.scale == pytest.approx(0.6)
    sv.volume_resolution = 0.4
    assert sv.volume_compositor.scale == pytest.approx(0.4)


def test_both_sides_are_drawn_while_the_eye_is_inside_a_boundary(sv):
    sv.apply_camera_preset("earth")  # the eye a few R_E from the Earth: inside the magnetopause
    try:
        sv.set_interactive(True)
        _frame(sv)
        assert not sv.magnetopause.near_side_only
        assert sv.bow_shock.contains(np.zeros(3)) and not sv.bow_shock.contains([60.0, 0.0, 0.0])
    finally:
        sv.set_interactive(False)
        sv.apply_camera_preset("overview")


def test_render_draws_at_full_quality(sv):
    full = sv.render(alpha=False)
    sv.set_interactive(True)
    still = sv.render(alpha=False)
    assert not sv.interactive
    assert np.abs(still.astype(int) - full.astype(int)).max() <= 2


def test_mouse_wheel_goes_interactive_and_rest_returns_full_quality(sv):
    from smile_viewer._vispy.scene import REST_DELAY_S

    canvas = sv.canvas
    scale = sv.turntable.scale_factor
    canvas.events.mouse_move(pos=(200, 200), button=None, buttons=[])  # hovering: no change
    assert not sv.interactive
    t0 = time.perf_counter()
    canvas.events.mouse_wheel(pos=(200, 200), delta=(0.0, 1.0), buttons=[])
    assert sv.interactive and sv.turntable.scale_factor != scale  # the camera zoomed
    while sv.interactive and time.perf_counter() - t0 < 5.0:
        canvas.app.process_events()
        time.sleep(0.01)
    assert not sv.interactive
    assert time.perf_counter() - t0 >= REST_DELAY_S * 0.9
    press = canvas.events.mouse_press(pos=(200, 200), button=1, buttons=[1])
    canvas.events.mouse_move(pos=(230, 210), button=1, buttons=[1], press_event=press)  # a drag
    assert sv.interactive
    sv.set_interactive(False)
    sv.apply_camera_preset("overview")


def test_async_view_requests_new_data_without_a_redraw():
    # The window's view (async): a solar-wind change asks for the new boundaries at once;
    # the old picture is not drawn again first (on llvmpipe that frame held the GUI thread
    # for a few hundred ms before the SXI image's job could start).

    from smile_viewer._vispy.headless import offscreen_canvas
    from smile_viewer._vispy.scene import SceneView
    from smile_viewer.state import AppState

    app = AppState()
    canvas = offscreen_canvas((320, 240))
    view = SceneView(app, canvas=canvas, update_policy="async")
    requests, draws = [], []
    view.data_requested.connect(lambda kind, req, gen: requests.append(kind))
    canvas.events.draw.connect(lambda _e: draws.append(1))
    try:
        for _ in range(5):
            canvas.app.process_events()
        requests.clear()
        draws.clear()  # (the canvas has a context of its own: its first frame is drawn above)
        app.model.solar_wind.n_cm3 = app.model.solar_wind.n_cm3 * 2.0
        app.model.solar_wind.v_km_s = app.model.solar_wind.v_km_s + 50.0  # one burst
        for _ in range(5):
            canvas.app.process_events()
        assert requests == ["boundaries"]  # one request for the burst (only shown layers)
        assert draws == []
    finally:
        view.close()


def test_software_renderers_get_no_multisampling(monkeypatch):
    from smile_viewer._qt import gl_info

    assert gl_info.is_software_renderer("llvmpipe (LLVM 15.0.6, 256 bits)")
    assert gl_info.is_software_renderer("Microsoft Basic Render Driver")
    assert not gl_info.is_software_renderer("NVIDIA H100 80GB HBM3/PCIe/SSE2")
    monkeypatch.delenv("SMILE_GL_SAMPLES", raising=False)
    monkeypatch.setattr(gl_info, "gl_renderer", lambda: "llvmpipe (LLVM 15.0.6, 256 bits)")
    assert gl_info.window_samples() == 0
    monkeypatch.setattr(gl_info, "gl_renderer", lambda: "NVIDIA H100 80GB HBM3/PCIe/SSE2")
    assert gl_info.window_samples() == 4
    monkeypatch.setenv("SMILE_GL_SAMPLES", "2")
    assert gl_info.window_samples() == 2
    monkeypatch.setenv("SMILE_GL_SAMPLES", "many")
    assert gl_info.window_samples() == 4  # not a number: ignored
