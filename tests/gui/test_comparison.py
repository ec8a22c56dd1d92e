"""ComparisonView: blink, difference/ratio/residual, profiles, linked zoom, statistics, overlays.
pyqtgraph draws with QPainter: no OpenGL needed."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from PySide6.QtCore import QRectF, Qt

from smile_viewer._qt.comparison import ComparisonView, sample_line
from smile_viewer.analysis import statistics as st


def _arrays(rows=40, cols=60, seed=1):
    rng = np.random.default_rng(seed)
    r, c = np.mgrid[0:rows, 0:cols]
    syn = 5.0 + 20.0 * np.exp(-((r - 20) ** 2 + (c - 25) ** 2) / 150.0)
    obs = rng.poisson(syn).astype(float)
    return obs, syn


@pytest.fixture
def view(qtbot):
    v = ComparisonView()
    qtbot.addWidget(v)
    v.resize(1100, 750)
    obs, syn = _arrays()
    v.set_arrays(obs, syn, units="count", counts=True)
    v.show()
    qtbot.waitExposed(v)
    return v


def test_blink_toggles_the_shown_image(qtbot, view):
    obs, syn = view.observed, view.synthetic
    np.testing.assert_array_equal(view.shown_image(), obs)
    view.blink_toggle()
    assert view.mode == "blink" and not view.right.isVisible()
    np.testing.assert_array_equal(view.shown_image(), syn)
    view.blink_toggle()
    np.testing.assert_array_equal(view.shown_image(), obs)
    # the key B toggles too
    view.activateWindow()
    qtbot.waitActive(view)
    view.left.graphics.setFocus()
    qtbot.keyClick(view.left.graphics, Qt.Key.Key_B)
    np.testing.assert_array_equal(view.shown_image(), syn)
    # shared levels: blinking keeps the same colour levels
    lv = view.left.levels()
    view.blink_toggle()
    assert view.left.levels() == lv
    # the timer blinks
    view.blink_spin.setValue(100)
    view.set_blink_running(True)
    first = view.blink_showing
    qtbot.waitUntil(lambda: view.blink_showing != first, timeout=2000)
    view.set_blink_running(False)
    view.set_mode("side by side")
    np.testing.assert_array_equal(view.shown_image(), obs)
    np.testing.assert_array_equal(view.right.image, syn)


def test_difference_ratio_and_residual_modes(view):
    obs, syn = view.observed, view.synthetic
    view.set_mode("difference")
    np.testing.assert_allclose(view.right.image, obs - syn)
    view.set_mode("ratio")
    np.testing.assert_allclose(view.right.image, obs / syn)
    view.set_mode("residual σ")
    np.testing.assert_allclose(view.right.image, (obs - syn) / np.sqrt(syn))
    assert view.right.units == "σ"


def test_profile_values_equal_pixel_values(view):
    obs, syn = view.observed, view.synthetic
    view.set_profile_line((12, 3), (12, 50))
    prof = view.profile()
    np.testing.assert_array_equal(prof["cols"], np.arange(3, 51))
    np.testing.assert_array_equal(prof["rows"], 12)
    np.testing.assert_array_equal(prof["observed"], obs[12, 3:51])
    np.testing.assert_array_equal(prof["synthetic"], syn[12, 3:51])
    # what the plot shows
    _x, y = view.profile_obs.getData()
    np.testing.assert_array_equal(y, obs[12, 3:51])
    # dragging the ROI (moving it by whole pixels) updates the profile
    view.roi.setPos(view.roi.pos() + view.roi.pos().__class__(0, 5))
    np.testing.assert_array_equal(view.profile()["observed"], obs[17, 3:51])
    # the presets cut through the aim point (the centre here)
    view.profile_through_aim("vertical")
    prof = view.profile()
    col = round((obs.shape[1] - 1) / 2)
    np.testing.assert_array_equal(prof["observed"], obs[:, col])
    view.profile_through_aim("horizontal")
    np.testing.assert_array_equal(view.profile()["synthetic"], syn[round((obs.shape[0] - 1) / 2), :])


def test_sample_line_diagonal_nearest():
    img = np.arange(100.0).reshape(10, 10)
    d, v, r, c = sample_line(img, (0, 0), (9, 9))
    assert len(d) == math.ceil(9 * math.sqrt(2)) + 1
    np.testing.assert_array_equal(v, img[r, c])
    assert d[-1] == pytest.approx(9 * math.sqrt(2))


def test_linked_zoom(qtbot, view):
    view.left.view.setRange(QRectF(10, 5, 20, 12), padding=0)
    qtbot.wait(20)
    (lx, ly), (rx, ry) = view.left.view.viewRange(), view.right.view.viewRange()
    np.testing.assert_allclose(rx, lx, atol=1e-6)
    np.testing.assert_allclose(ry, ly, atol=1e-6)
    view.right.view.setRange(QRectF(0, 0, 30, 20), padding=0)
    qtbot.wait(20)
    np.testing.assert_allclose(view.left.view.viewRange()[0], view.right.view.viewRange()[0], atol=1e-6)


def test_linked_cursor(qtbot, view):
    from PySide6.QtCore import QPoint

    pos = view.right.widget_pos_of_pixel(20, 25)
    qtbot.mouseMove(view.right.graphics.viewport(), QPoint(round(pos.x()), round(pos.y())))
    qtbot.waitUntil(lambda: "row 20, col 25" in view.cursor_label.text(), timeout=2000)
    text = view.cursor_label.text()
    assert "observed" in text and "synthetic" in text and "σ" in text
    assert view.left._marker_item is not None


def test_statistics_equal_compare(qtbot, view):
    obs, syn = view.observed, view.synthetic
    view.left.fit_view()
    stats = view.update_statistics()
    ref = st.compare(obs, syn, counts=True)
    assert stats.n == obs.size
    for key in ("chi2", "cash", "cstat", "pearson_r", "mean_residual"):
        assert getattr(stats, key) == pytest.approx(getattr(ref, key), rel=1e-12)
    assert view.stat_labels["pearson_r"].text() == f"{ref.pearson_r:.4f}"
    # zoomed: only the visible pixels count
    view.left.view.setRange(QRectF(10, 10, 20, 10), padding=0)
    stats = view.update_statistics()
    mask = view.visible_mask()
    assert 0 < stats.n < obs.size
    ref = st.compare(obs, syn, counts=True, mask=mask)
    assert stats.chi2 == pytest.approx(ref.chi2) and stats.n == ref.n


def test_shared_levels_and_scale(view):
    assert view.left.levels() == view.right.levels()
    view.left.set_scale("log")
    assert view.right.scale == "log" and view.left.levels() == view.right.levels()
    view.set_shared_levels(False)
    assert view.left.auto_levels and view.right.auto_levels


def _observation(shape=(31, 53)):
    from astropy.time import Time

    from smile_viewer.compute import AnalyticSource, RenderRequest, render
    from smile_viewer.io.observed import observed_from_arrays
    from smile_viewer.io.products import camera_wcs
    from smile_viewer.mission.instruments import load_instrument
    from smile_viewer.mission.pointing import sxi_pointing
    from smile_viewer.mission.response import compute_response
    from smile_viewer.physics.emissivity import jorgensen_defaults
    from smile_viewer.physics.solar_wind import SolarWind

    t = Time("2026-05-21T01:00:00")
    pos = np.array([6.0, -6.0, 18.0])
    sxi = load_instrument("sxi")
    model = jorgensen_defaults(SolarWind())
    truth = model.replace(r_mp=9.6, r_bs=model.r_bs - (model.r_mp - 9.6))
    pt = sxi_pointing(pos)
    cam = sxi.camera(pos, pt.rotation, shape=shape)
    image = render(RenderRequest(cam, AnalyticSource(truth), backend="cpu")).image
    resp = compute_response(image, cam, sxi, seed=3)
    obs = observed_from_arrays(
        image,
        wcs=camera_wcs(cam, t),
        time_start=t,
        exposure_s=resp.exposure_s,
        position_re=pos,
        aim_re=pt.aim_re,
        instrument="sxi",
        units="keV cm^-2 s^-1 sr^-1",
        maps={"CTSMAP": resp.counts, "BKGMAP": resp.background, "VIGMAP": resp.vignetting},
    )
    return obs, model, truth


def test_observation_synthetic_overlays_and_png(qtbot, tmp_path):
    obs, model, truth = _observation()
    v = ComparisonView()
    qtbot.addWidget(v)
    v.resize(1200, 800)
    v.set_observed(obs)
    assert v.counts and v.camera is not None
    job = v.compute_synthetic(model, synchronous=True)
    assert job.outcome == "result"
    assert v.synthetic.shape == obs.shape and np.all(np.isfinite(v.synthetic))
    # the synthetic expected counts are close to the counts in total
    assert v.synthetic.sum() == pytest.approx(np.nansum(obs.counts), rel=0.2)
    v.set_overlays(model=truth)
    for name in ("limb", "fov", "magnetopause", "bow_shock"):
        assert v.overlay_data(name) is not None
    mp = v.overlay_data("magnetopause")
    assert np.isfinite(mp).any()
    v.set_overlay_visible("bow_shock", False)
    assert not v._overlay_items["bow_shock"][0].isVisible()
    v.set_overlay_visible("bow_shock", True)
    # the aim point projects inside the image
    r, c = v.aim_pixel
    assert 0 <= r < obs.shape[0] and 0 <= c < obs.shape[1]
    v.profile_through_aim("horizontal")
    v.show()
    qtbot.waitExposed(v)
    qtbot.wait(50)
    out = os.environ.get("SMILE_COMPARISON_PNG") or str(tmp_path / "comparison.png")
    assert v.grab().save(out)
