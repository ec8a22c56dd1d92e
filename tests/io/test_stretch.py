"""Colour stretches (smile_viewer.io.stretch) and the PNG quicklook's use of them, against hand values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from smile_viewer.io.stretch import LOG_DYNAMIC_RANGE, SCALES, Stretch, auto_levels


def test_forward_inverse_by_hand():
    assert Stretch("sqrt").forward([-9.0, 0.0, 16.0]).tolist() == [-3.0, 0.0, 4.0]
    assert Stretch("log", floor=1e-3).forward([1e-5, 100.0]).tolist() == [-3.0, 2.0]
    assert Stretch("asinh", a=2.0).forward(2.0) == pytest.approx(math.asinh(1.0), rel=1e-15)
    x = np.array([-5.0, -0.1, 0.0, 0.3, 7.0])
    for scale in ("linear", "sqrt", "asinh"):
        s = Stretch(scale, a=0.7)
        np.testing.assert_allclose(s.inverse(s.forward(x)), x, rtol=1e-13, atol=1e-15)
    assert np.isnan(Stretch("log").forward(np.nan))


def test_normalize_by_hand():
    """(f(x) - f(lo)) / (f(hi) - f(lo)), clipped to [0, 1]."""
    sq = Stretch("sqrt")
    np.testing.assert_allclose(sq.normalize([0.0, 4.0, 16.0, 25.0], 0.0, 16.0), [0.0, 0.5, 1.0, 1.0])
    # with lo > 0 the stretch is applied to lo too: (sqrt 9 - sqrt 4) / (sqrt 16 - sqrt 4) = 0.5
    assert sq.normalize(9.0, 4.0, 16.0) == pytest.approx(0.5, rel=1e-15)
    # asinh with a = 0.1 x max|x| = 1 for data reaching 10
    st = Stretch.for_data("asinh", np.array([-2.0, 0.0, 10.0]))
    assert st.a == pytest.approx(1.0)
    want = (0.0 - math.asinh(-2.0)) / (math.asinh(10.0) - math.asinh(-2.0))
    assert st.normalize(0.0, -2.0, 10.0) == pytest.approx(want, rel=1e-14)
    lg = Stretch("log", floor=1e-9)
    assert lg.normalize(10.0, 1.0, 100.0) == pytest.approx(0.5, rel=1e-15)


def test_for_data_and_auto_levels():
    data = np.array([[0.0, 2e-3, 0.5], [np.nan, -1.0, 4.0]])
    st = Stretch.for_data("log", data)
    assert st.floor == 2e-3 and Stretch.for_data("asinh", data).a == pytest.approx(0.4)
    assert auto_levels(data, "linear") == (-1.0, 4.0)
    assert auto_levels(data, "log") == (2e-3, 4.0)
    tiny = np.array([1e-12, 1.0])
    assert auto_levels(tiny, "log") == (LOG_DYNAMIC_RANGE, 1.0)
    assert auto_levels(np.full(3, np.nan), "sqrt") == (0.0, 1.0)
    with pytest.raises(ValueError, match="unknown colour scale"):
        Stretch("gamma")


@pytest.mark.parametrize("scale", SCALES)
def test_quicklook_norm_is_the_shared_stretch(scale):
    """The PNG's matplotlib norm maps values exactly as Stretch.normalize, auto or given levels."""
    pytest.importorskip("matplotlib")
    from smile_viewer.io.quicklook import _norm

    rng = np.random.default_rng(3)
    data = rng.uniform(-0.5, 30.0, (12, 17))
    if scale == "log":
        data = np.where(data > 0, data, np.nan)  # as write_quicklook_png blanks them
    ok = np.isfinite(data)
    st = Stretch.for_data(scale, data)
    for vmin, vmax in ((None, None), (2.0, 20.0)):
        norm = _norm(scale, data, vmin, vmax)
        lo, hi = auto_levels(data, scale) if vmin is None else (vmin, vmax)
        got = np.asarray(norm(data), dtype=float)
        np.testing.assert_allclose(got[ok], st.normalize(data, lo, hi)[ok], rtol=0, atol=1e-12)
