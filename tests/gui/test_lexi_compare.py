"""A LEXI stack in the Compare view: the masked photons are said, the synthetic counts carry the
fitted background, and the statistics are those of the counts (Cash)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from smile_viewer._qt.comparison import ComparisonView
from smile_viewer.analysis import statistics as st
from smile_viewer.analysis.fitting import start_model
from smile_viewer.analysis.lexi_fit import lexi_expected
from smile_viewer.io.lexi import load_lexi

LEXI = Path(__file__).resolve().parents[1] / "data" / "real" / "lexi"


@pytest.fixture(scope="module")
def stack():
    return load_lexi(sorted(LEXI.glob("*.cdf"))[:3], pixel_deg=0.5, size_deg=12.0)


@pytest.mark.slow
def test_lexi_stack_in_the_compare_view(qtbot, stack):
    v = ComparisonView()
    qtbot.addWidget(v)
    v.resize(1100, 750)
    v.set_observed(stack)
    # the counts are compared (Cash), and the reader's notes say what was masked and the exposure
    assert v.counts and v.observed.sum() == stack.image.sum()
    masked = stack.provenance["masked"]["outside the sky grid"]
    assert f"{masked} outside the sky grid" in v.notes_text
    assert "exposure" in v.notes_text and not v.notes_label.isHidden()
    model = start_model("jorgensen", stack)
    v.compute_synthetic(model, synchronous=True)
    assert v.synthetic is not None and v.synthetic.shape == stack.shape
    assert "fitted constant background" in v.notes_text
    # the synthetic counts are the library's (model × k + fitted background) on the kept field
    expected, fitted, _ = lexi_expected(stack, model)
    np.testing.assert_allclose(v.synthetic, expected, rtol=1e-9)
    field = stack.valid_mask()
    # the fitted background and normalisation conserve the counts in the field (Poisson ML)
    assert expected[field].sum() == pytest.approx(stack.image[field].sum(), rel=1e-3)
    assert fitted["background"] > 0
    stats = v.update_statistics()
    ref = st.compare(stack.image, expected, counts=True, mask=field)
    assert stats.n == ref.n and stats.cstat == pytest.approx(ref.cstat, rel=1e-9)
    v.set_mode("residual σ")
    assert v.derived_image().shape == stack.shape


@pytest.mark.gl
@pytest.mark.slow
def test_file_menu_opens_a_lexi_folder(qtbot, tmp_path, monkeypatch):
    import os

    if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    from tests.gui.test_main_window import _make_window

    win = _make_window(qtbot, tmp_path)
    try:
        assert win.file_actions["open_lexi"].text().startswith("Open LE&XI")
        monkeypatch.setattr(win.comparison, "compute_synthetic", lambda m: None)
        folder = tmp_path / "lexi"
        folder.mkdir()
        for f in sorted(LEXI.glob("*.cdf"))[:2]:
            (folder / f.name).write_bytes(f.read_bytes())
        win.open_lexi_folder(str(folder))
        qtbot.waitUntil(lambda: win.comparison.obs is not None, timeout=20000)
        obs = win.comparison.obs
        assert obs.format == "lexi-l1c" and obs.provenance["n_files"] == 2
        assert "outside the sky grid" in win.comparison.notes_label.text()
        assert win.comparison.observed.sum() == obs.image.sum()
        # the 3-D scene draws LEXI's field of view from the Moon, in the scene's frame
        fov = win.scene_view.observation_fov
        assert fov.visible and win.scene_view.observation_fov_label.startswith("LEXI 2025-03-03")
        from smile_viewer.coords import rotation_matrix

        m = rotation_matrix(obs.time_start, "gse", win.scene_view._state.frame)
        np.testing.assert_allclose(fov.apex, m @ obs.position_re, atol=1e-9)
        assert 55 < np.linalg.norm(fov.apex) < 60  # the Moon
        rim_dir = fov.rim.mean(axis=0) - fov.apex
        boresight = m @ win.comparison.camera.boresight
        assert np.linalg.norm(np.cross(rim_dir / np.linalg.norm(rim_dir), boresight)) < 1e-9
        # LEXI's 9.1 deg x 9.1 deg square: corners atan(tan(4.55 deg) sqrt(2)) = 6.42 deg off axis
        corner = fov.rim[0] - fov.apex
        off_axis = np.degrees(np.arccos(corner @ boresight / np.linalg.norm(corner)))
        assert off_axis == pytest.approx(
            np.degrees(np.arctan(np.tan(np.radians(4.55)) * np.sqrt(2))), abs=1e-6
        )
    finally:
        win.close()
