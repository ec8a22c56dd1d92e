"""Image panels (issue 12): re-fitted after a resize, axes in instrument degrees with the angles
in the read-out, sparse counts shown binned (display only), and images of times the instrument
does not observe shaded and labelled. pyqtgraph, no OpenGL needed."""

from __future__ import annotations

import numpy as np
import pytest

from smile_viewer._qt.image_panel import ImagePanel, block_mean_display


def _x_range(panel):
    return panel.view.viewRange()[0]


def test_refit_after_resize(qtbot):
    panel = ImagePanel()
    qtbot.addWidget(panel)
    panel.resize(500, 400)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_image(np.arange(155 * 265, dtype=float).reshape(155, 265))
    qtbot.wait(30)
    panel.resize(900, 300)  # a wide, short dock: the old range would leave the image in a corner
    qtbot.wait(60)
    (x0, x1), (y0, y1) = panel.view.viewRange()
    # the whole image in view, and one side of the view fits it (within the 2 % padding)
    assert x0 <= 0 and x1 >= 265 and y0 <= 0 and y1 >= 155
    assert min((x1 - x0) / 265, (y1 - y0) / 155) < 1.06
    # a zoom by the user is kept through a resize
    panel.view.scaleBy((0.5, 0.5))
    panel.view.sigRangeChangedManually.emit(panel.view.state["mouseEnabled"])
    zoomed = panel.view.viewRange()
    panel.resize(700, 350)
    qtbot.wait(60)
    assert panel.view.viewRange()[0][1] - panel.view.viewRange()[0][0] < 0.8 * (x1 - x0)
    assert zoomed is not None


def test_axes_in_degrees_and_angles_in_readout(qtbot):
    panel = ImagePanel()
    qtbot.addWidget(panel)
    panel.resize(600, 420)
    panel.show()
    panel.set_image(np.ones((155, 265)), "count")
    panel.set_angular_scale((0.1, 0.1))  # SXI: 26.5° × 15.5° over 265 × 155 pixels
    assert panel.plot.getAxis("bottom").labelText.endswith("[°]")
    # pixel centre (77, 132) is the image centre: 0°, 0°; the corner pixel is at -13.2°, -7.7°
    assert panel.angle_at(77, 132) == pytest.approx((0.0, 0.0), abs=1e-12)
    assert panel.angle_at(0, 0) == pytest.approx((-13.2, -7.7), abs=1e-9)
    assert "x +0.00°, y +0.00°" in panel.cursor_text(77, 132)
    axis = panel.plot.getAxis("bottom")
    ticks = axis.tickValues(0.0, 265.0, 500)
    strings = axis.tickStrings(ticks[0][1], 1.0, ticks[0][0])
    # round angles, placed where those angles are
    assert "0°" in strings and all(s.endswith("°") for s in strings)
    for v, s in zip(ticks[0][1], strings):
        assert float(s[:-1].replace("−", "-")) == pytest.approx((v - 132.5) * 0.1, abs=1e-6)


def test_block_mean_display_hand_values():
    img = np.array([[0.0, 1.0, 2.0], [3.0, np.nan, 5.0]])
    out = block_mean_display(img, 2)
    # block (0:2, 0:2) has 0, 1, 3 (NaN left out): mean 4/3; block (0:2, 2:3) has 2, 5: 3.5
    np.testing.assert_allclose(out[0, :2], [4 / 3, 4 / 3])
    np.testing.assert_allclose(out[:, 2], [3.5, 3.5])
    assert np.isnan(out[1, 1])


def test_sparse_counts_are_shown_binned_data_unchanged(qtbot):
    rng = np.random.default_rng(7)
    counts = rng.poisson(0.3, size=(155, 265)).astype(float)
    panel = ImagePanel()
    qtbot.addWidget(panel)
    panel.set_image(counts, "count")
    assert panel.display_bin == 4
    np.testing.assert_array_equal(panel.image, counts)  # the data is unchanged
    shown = panel.display_data()
    # the block means of 0.3-count pixels vary far less than the pixels do
    assert np.nanstd(shown) < 0.5 * np.nanstd(counts)
    assert shown[0, 0] == pytest.approx(counts[:4, :4].mean())
    assert "shown 4×4" in panel.cursor_text(0, 0)
    panel.set_display_bin(1)
    np.testing.assert_array_equal(panel.display_data(), counts)
    # a bright counts image stays at full resolution
    panel2 = ImagePanel()
    qtbot.addWidget(panel2)
    panel2.set_image(rng.poisson(50.0, size=(40, 40)).astype(float), "count")
    assert panel2.display_bin == 1
    # a model's expected counts (not whole numbers) are smooth already: not binned
    panel3 = ImagePanel()
    qtbot.addWidget(panel3)
    panel3.set_image(np.full((40, 40), 0.3), "count")
    assert panel3.display_bin == 1


def test_not_observing_shade_and_label(qtbot):
    panel = ImagePanel()
    qtbot.addWidget(panel)
    panel.set_image(np.ones((20, 30)))
    assert not panel.shade_item.isVisible()
    panel.set_not_observing("inside the radiation belts")
    assert panel.shade_item.isVisible() and panel.shade_text.isVisible()
    assert panel.shade_text.textItem.toPlainText() == "not observing (inside the radiation belts)"
    assert panel.shade_item.rect().width() == 30 and panel.shade_item.rect().height() == 20
    # a long reason is wrapped to the panel's width, not cut
    panel.resize(300, 260)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_not_observing(
        "inside the radiation belts, too close to the Earth, Sun too close to the boresight"
    )
    qtbot.wait(30)
    assert panel.shade_text.textItem.boundingRect().width() <= panel.graphics.width()
    panel.set_image(np.ones((20, 30)) * 2)  # kept for the next image until told otherwise
    assert panel.shade_item.isVisible()
    panel.set_not_observing(None)
    assert not panel.shade_item.isVisible()


def test_not_observing_reason_at_perigee_and_apogee():
    """At perigee (r ≈ 1.8 R_E) neither imager observes (radiation belts); at apogee SXI does."""
    from astropy.time import TimeDelta

    from smile_viewer._qt.docks.images_dock import not_observing_reason
    from smile_viewer.mission.orbit import default_orbit
    from smile_viewer.state import SceneState

    orbit = default_orbit()
    t0 = SceneState().time  # the scene's default start
    times = t0 + TimeDelta(np.arange(0, 52 * 3600, 600.0), format="sec")
    r = np.linalg.norm(np.asarray(orbit.position(times, "gei"), float).reshape(-1, 3), axis=1)
    perigee, apogee = times[int(np.argmin(r))], times[int(np.argmax(r))]
    assert r.min() < 2.5 and r.max() > 18
    reason = not_observing_reason("sxi", perigee, orbit)
    assert reason is not None and "radiation belts" in reason
    assert "radiation belts" in not_observing_reason("uvi", perigee, orbit)
    assert not_observing_reason("sxi", apogee, orbit) is None
