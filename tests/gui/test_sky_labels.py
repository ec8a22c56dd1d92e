"""The names layer: from far away the names of the boundaries, cusps and fields of view fall
within a few pixels of each other; a name whose text would overlap an earlier (more important)
one is hidden, and close up every name shows (GL: Xvfb + llvmpipe or EGL)."""

from __future__ import annotations

import itertools

import pytest

from smile_viewer._vispy.screen_rects import rects_overlap
from smile_viewer._vispy.visuals.sky import SkyLabels


def _shown(labels):
    return [n for n, t in labels.texts.items() if t.visible]


def test_crowded_names_give_way_to_the_earlier_ones():
    labels = SkyLabels()
    items = [
        ("magnetopause", (100, 100)),
        ("bow shock", (104, 102)),
        ("north cusp", (102, 99)),
        ("SXI", (300, 200)),
    ]
    labels.place(items, (640, 480))
    # the second name takes the left of its point; the third finds both sides taken
    assert _shown(labels) == ["magnetopause", "bow shock", "SXI"] and labels.crowded == {"north cusp"}
    assert labels.sides == {"magnetopause": "right", "bow shock": "left", "SXI": "right"}
    assert labels.texts["bow shock"].anchors[0] == "right" and labels.texts["bow shock"].pos[0, 0] < 104
    # moved apart, both show again; off the canvas and behind the eye are hidden but not "crowded"
    labels.place([("magnetopause", (100, 100)), ("bow shock", (100, 160)), ("SXI", (-5, 10))], (640, 480))
    assert _shown(labels) == ["magnetopause", "bow shock"] and labels.crowded == set()
    # a name given again with another point (a boundary's flank) is shown there when its first
    # point is crowded, and only once
    items = [
        ("magnetopause", (100, 100)),
        ("bow shock", (100, 100)),
        ("bow shock", (400, 300)),
        ("bow shock", (500, 50)),
    ]
    items.insert(1, ("north cusp", (100, 100)))
    items.insert(1, ("south cusp", (100, 100)))
    labels.place(items, (640, 480))
    assert labels.positions["bow shock"] == (400.0, 300.0) and labels.sides["bow shock"] == "right"
    assert "bow shock" not in labels.crowded and _shown(labels).count("bow shock") == 1
    # the box grows with the name: a short name beside a long one still collides with its tail
    a = labels.text_box("magnetopause", (0, 100))  # (x, y, w, h)
    right_end = a[0] + a[2]
    assert rects_overlap(a, labels.text_box("UVI", (right_end - 10, 100)))
    assert not rects_overlap(a, labels.text_box("UVI", (right_end + 10, 100)))


@pytest.fixture(scope="module")
def names_view():
    """The default window's 3-D canvas size (643 x 913 at 1600 x 1000) with the names on."""

    from smile_viewer._vispy.headless import gl_app, offscreen_canvas
    from smile_viewer._vispy.scene import SceneView
    from smile_viewer.state import AppState

    state = AppState()
    state.scene.layers.sky_labels = True
    app = gl_app((643, 913))
    canvas = offscreen_canvas((643, 913), app)
    sv = SceneView(state, canvas=canvas)
    yield sv
    sv.close()


def _check_apart(sv):
    """Shown names overlap neither each other nor the caption, SMILE label and axis labels."""
    labels = sv.sky_labels
    shown = _shown(labels)
    boxes = {n: labels.text_box(n, labels.positions[n], labels.sides[n]) for n in shown}
    for a, b in itertools.combinations(shown, 2):
        assert not rects_overlap(boxes[a], boxes[b]), (a, b)
    for name in shown:
        for r in sv.label_rects():
            assert not rects_overlap(boxes[name], r), (name, r)
    return shown


@pytest.mark.gl
@pytest.mark.parametrize("preset", ["magnetosphere", "north", "from_sun"])
def test_overview_presets_show_every_name_apart(names_view, preset):
    sv = names_view
    sv.apply_camera_preset(preset)
    sv.render(alpha=False)
    shown = _check_apart(sv)
    # the boundaries' names fall back to their flanks when the nose is crowded by "X GSE"
    assert {"magnetopause", "bow shock", "north cusp", "SXI", "UVI"} <= set(shown), shown
    assert not sv.sky_labels.crowded


@pytest.mark.gl
def test_far_view_names_give_way_and_do_not_overlap(names_view):
    from smile_viewer._vispy.scene import CameraSetup

    sv = names_view
    sv.set_camera(CameraSetup(azimuth=250.0, elevation=18.0, scale_factor=600.0, center=(0, 0, 0), fov=60.0))
    sv.render(alpha=False)
    _check_apart(sv)
    assert sv.sky_labels.crowded  # the scene is a few dozen pixels across: some names give way
