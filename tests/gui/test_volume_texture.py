"""A cube larger than the 3-D view's texture limit (app.volume.texture_max_nodes) is shown as
block means, said in the view's key, while the scene holds the one full-resolution Volume the
synthetic images integrate (tests/io/test_shared_cube.py checks the image itself)."""

from __future__ import annotations

import os

import numpy as np
import pytest

if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

pytestmark = pytest.mark.gl
SIZE = (800, 500)


@pytest.fixture
def view(tmp_path):
    from smile_viewer._vispy.headless import offscreen_canvas
    from smile_viewer._vispy.scene import SceneView
    from smile_viewer.io.cubes.shared import clear_shared_cube
    from smile_viewer.state import AppState
    from tests.io.test_shared_cube import striped_cube

    clear_shared_cube()
    path = striped_cube(tmp_path / "striped.fits")
    app = AppState()
    app.model.models.choose_file(str(path), "cube")
    lay = app.scene.layers
    for name in type(lay).model_fields:
        setattr(lay, name, name in ("emission_volume", "labels"))  # labels: the key and captions
    app.volume.texture_max_nodes = 32
    canvas = offscreen_canvas(SIZE)
    v = SceneView(app, canvas=canvas)
    v.apply_camera_preset("north")
    v.flush()
    yield v, app, path
    v.close()
    clear_shared_cube()


def test_a_64_cube_capped_at_32_is_shown_as_block_means_and_says_so(view):
    from smile_viewer.io.cubes.shared import shared_cube

    sv, app, path = view
    ev = sv.emission_volume
    vol = sv.data["volume"]
    assert vol is shared_cube(path) and vol.values.shape == (64, 64, 64)  # the full grid, once
    assert ev.texture_shape == (32, 32, 32)
    # block means by hand: the mean of each 2 × 2 × 2 block of the file's values
    ref = vol.values.astype(np.float64).reshape(32, 2, 32, 2, 32, 2).mean(axis=(1, 3, 5))
    np.testing.assert_allclose(ev.values, ref, rtol=1e-6)
    assert np.allclose(ev.values, 1e-5)  # stripes 2e-5 / 0 average to 1e-5
    # placed at the blocks' centres, twice the spacing
    assert np.allclose(ev._origin, np.asarray(vol.origin_re) + 0.5) and np.allclose(ev._spacing, 2.0)
    note = "volume shown at 32×32×32 of 64×64×64 nodes (block means)"
    assert ev.texture_note == note
    sv._update_legend()
    items = [t for t in sv.legend_items if t.visible]
    assert [t.text for t in items if "volume shown" in t.text] == [note]
    # the key is drawn: light grey-blue text pixels in its rectangle, over the dark sky there
    img = sv.canvas.render()[..., :3].astype(int)
    x, y, w, h = (int(round(c)) for c in sv.legend_rect)
    key = img[y : y + h, x : x + w]
    text = (key[..., 2] > 120) & (key[..., 2] >= key[..., 0])
    assert text.sum() > 200, f"the note is not drawn ({text.sum()} text pixels)"
    outside = img[y + h + 20 : y + h + 60, x : x + w]
    assert ((outside[..., 2] > 120) & (outside[..., 2] >= outside[..., 0])).sum() == 0
    # raising the limit shows the full grid and the note goes
    app.volume.texture_max_nodes = 64
    assert ev.texture_shape == (64, 64, 64) and ev.texture_note == ""
    assert not any("volume shown" in t.text for t in sv.legend_items if t.visible)
    assert np.shares_memory(ev._source[0], vol.values)  # kept by reference, not copied
