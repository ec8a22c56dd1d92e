"""A real IMAGE WIC image in the Compare view: the fitted dayglow + aurora model is its synthetic
image, blink/residuals/profiles work on it, and the oval-edge panel plots the library's edges and
says what was masked (tests/data/real/image-wic/README.md)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smile_viewer._qt.comparison import ComparisonView
from smile_viewer._qt.oval_view import OvalEdgesPanel, show_fuv_model
from smile_viewer.io.observed import load_observed

WIC = Path(__file__).resolve().parents[1] / "data" / "real" / "image-wic" / "wic20002410930.idl"


@pytest.fixture(scope="module")
def wic():
    return load_observed(WIC)


def test_wic_in_the_compare_view(qtbot, wic):
    v = ComparisonView()
    panel = OvalEdgesPanel()
    qtbot.addWidget(v)
    qtbot.addWidget(panel)
    v.set_observed(wic)
    np.testing.assert_array_equal(v.observed[np.isfinite(v.observed)], wic.image[np.isfinite(wic.image)])
    show_fuv_model(v, panel, wic, kp=3.0, synchronous=True)
    cmp = panel.comparison
    assert cmp is not None and cmp.fit.kp == 3.0
    # the synthetic image is the fitted model on the observed grid
    np.testing.assert_array_equal(v.synthetic, cmp.fit.model_image)
    for mode in ("blink", "difference", "residual σ"):
        v.set_mode(mode)
        d = v.derived_image()
        assert d is None or d.shape == wic.shape
    v.set_mode("difference")
    diff = v.derived_image()
    ok = np.isfinite(diff)
    np.testing.assert_allclose(diff[ok], (wic.image - cmp.fit.model_image)[ok])
    prof = v.profile()
    r, c = prof["rows"], prof["cols"]
    np.testing.assert_array_equal(prof["synthetic"], cmp.fit.model_image[r, c])
    assert np.isfinite(prof["synthetic"]).sum() > 50
    # the plot shows the library's edges (night sector in the middle: MLT 0.5 -> x = 0.5)
    x, y = panel.curves[("image", "equatorward")].getData()
    s0 = cmp.image.sector(0.0)
    assert y[np.argmin(np.abs(x - 0.5))] == pytest.approx(s0.equatorward_deg)
    # the GUI says what was masked and left out
    text = panel.masked.text()
    n_off = int((~np.isfinite(wic.maps["GLAT"])).sum())
    assert "768 no-data pixels" in text and f"{n_off} off the Earth" in text
    assert f"Fit on {int(cmp.fit.mask.sum())} pixels" in text
    assert "768 image pixels masked" in panel.masked.toolTip()
    assert "Kp 3 (given)" in panel.summary.text() and "D = " in panel.summary.toolTip()
