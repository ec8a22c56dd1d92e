"""The image panel and the PNG quicklook show the same values in the same colours (one stretch)."""

from __future__ import annotations

import numpy as np
import pytest

from smile_viewer._qt.image_panel import SCALES, ImagePanel


def _camera(shape):
    from smile_viewer.mission.instruments import load_instrument
    from smile_viewer.mission.pointing import sxi_pointing

    pos = np.array([2.0, -5.0, 18.0])
    return load_instrument("sxi").camera(pos, sxi_pointing(pos).rotation, shape=shape)


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("levels", [None, (2.0, 20.0)])
def test_panel_and_quicklook_map_values_identically(qtbot, tmp_path, monkeypatch, scale, levels):
    pytest.importorskip("matplotlib")
    import smile_viewer.io.quicklook as ql

    rng = np.random.default_rng(7)
    data = rng.uniform(-1.0, 30.0, (14, 24))
    data[3, 4] = np.nan

    panel = ImagePanel(scale=scale)
    qtbot.addWidget(panel)
    panel.set_image(data, "R", "test")
    if levels is not None:
        panel.set_levels(*levels)
    lo, hi = panel.levels()
    disp = np.asarray(panel.image_item.image, dtype=float)
    dlo, dhi = panel.display_levels()
    panel_pos = np.clip((disp - dlo) / (dhi - dlo), 0.0, 1.0)

    used = []
    real_norm = ql._norm

    def spy(*args, **kwargs):
        norm = real_norm(*args, **kwargs)
        used.append(norm)
        return norm

    monkeypatch.setattr(ql, "_norm", spy)
    vmin, vmax = (None, None) if levels is None else levels
    ql.write_quicklook_png(
        tmp_path / "q.png", data, _camera(data.shape), "R", scale=scale, vmin=vmin, vmax=vmax
    )
    (norm,) = used
    assert (float(norm.vmin), float(norm.vmax)) == pytest.approx((lo, hi), rel=1e-12)
    png_pos = np.asarray(norm(data), dtype=float)
    shown = np.isfinite(data) & ((data > 0) if scale == "log" else True)  # the PNG blanks log <= 0
    assert shown.sum() > 250
    np.testing.assert_allclose(png_pos[shown], panel_pos[shown], rtol=0, atol=2e-6)
