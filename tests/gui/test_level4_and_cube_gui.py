"""GUI: a level-4 fit file in the Compare dock (observed = CTSMAP or CXFOV, model = the fitted
counts), through File ▸ Open observed image…; the Model dock shows a cube's subsolar
magnetopause (maxIx, maxdIx, f.25)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from smile_viewer._qt.comparison import ComparisonView
from smile_viewer.io.level4 import Level4File, ParameterTable, is_level4, read_level4, write_level4
from tests.analysis.test_fit_level4 import _team_layout_file


def _our_file(path):
    """A small level-4 file of ours (written by write_level4 from a hand-made product)."""
    ny, nx = 20, 12
    r, c = np.mgrid[0:ny, 0:nx]
    fitted = 3.0 + 10.0 * np.exp(-((r - 8) ** 2 + (c - 5) ** 2) / 20.0)
    counts = np.round(fitted + np.where((r + c) % 2 == 0, 1.0, -1.0))
    l4 = Level4File(
        fitted=fitted,
        parameters=ParameterTable(("r_mp", "norm"), [10.0, 1.0], [9.5, 1.2], [0.1, 0.05]),
        rcmem_re=9.5,
        rcmem_err_re=0.1,
        counts=counts,
        background=np.full((ny, nx), 3.0),
        cxfov=counts - 3.0,
        error=np.sqrt(counts),
        exposure_s=300.0,
        filename="obs.fits",
        position_re=np.array([6.0, -6.0, 18.0]),
        aim_re=np.array([7.87, 0.0, 0.0]),
        crval_deg=(-6.0, -10.0),
        cdelt_deg=(1.0, 1.0),
        dipole_deg=0.0,
        model="jorgensen",
        fit="nelder-mead",
        min_cost=1.0,
        iterations=10,
        opt_time_s=0.5,
        date_obs="2026-05-21T01:00:00.000",
        p_space_re=0.0,
        p0_method=0,
        count_rate=1.0,
        qf=2,
        qf2=1,
    )
    return write_level4(l4, path), fitted, counts


def test_compare_view_shows_a_team_level4_file(qtbot, tmp_path):
    fitted = _team_layout_file(tmp_path / "team.fits")
    v = ComparisonView()
    qtbot.addWidget(v)
    v.set_level4(read_level4(tmp_path / "team.fits"))
    np.testing.assert_array_equal(v.observed, fitted * 0.9)  # CXFOV
    np.testing.assert_array_equal(v.synthetic, fitted)
    assert v.level4 is not None and v.camera is not None  # the team's angles and POS/AIM give the geometry
    assert v.stats is not None or v.update_statistics() is not None
    obs = v.level4.to_observed()
    v.set_observed(obs)
    assert v.level4 is None  # an ordinary observation clears it
    v.set_level4(read_level4(tmp_path / "team.fits"))
    v.set_arrays(fitted, fitted)
    assert v.level4 is None  # and so do plain arrays


def test_compare_view_shows_our_level4_file(qtbot, tmp_path):
    path, fitted, counts = _our_file(tmp_path / "ours.fits")
    assert is_level4(path) and not is_level4(tmp_path / "none.fits")
    v = ComparisonView()
    qtbot.addWidget(v)
    v.set_level4(read_level4(path))
    np.testing.assert_array_equal(v.observed, counts)  # CTSMAP: the fitted counts include the background
    np.testing.assert_array_equal(v.synthetic, fitted)
    assert v.counts
    st = v.update_statistics()
    assert st is not None and st.n == counts.size


def test_model_dock_shows_the_cube_magnetopause(qtbot):
    from smile_viewer._qt.docks.model_dock import ModelDock
    from smile_viewer.io.cubes import read_cube
    from smile_viewer.physics.cube_magnetopause import subsolar_magnetopause
    from smile_viewer.resources import asset_path
    from smile_viewer.state import ModelState

    path = str(asset_path("cubes", "cmem_sample_61.fits.gz"))
    m = ModelState()
    dock = ModelDock(m)
    qtbot.addWidget(dock)
    assert dock.cube_mp_label.isHidden()
    dock.choose_file(path, "cube")
    mp = subsolar_magnetopause(read_cube(path))
    want = f"maxIx {mp.max_ix_re:.2f}, maxdIx {mp.max_dix_re:.2f}, f.25 {mp.f25_re:.2f}"
    qtbot.waitUntil(lambda: want in dock.cube_mp_label.text(), timeout=20000)
    assert not dock.cube_mp_label.isHidden()
    dock.set_emissivity_model(next(k for k in ("jorgensen", "cmem") if k != m.models.emissivity_model))
    assert dock.cube_mp_label.isHidden()


def test_model_dock_cube_error_is_shown(qtbot, tmp_path):
    from smile_viewer._qt.docks.model_dock import ModelDock
    from smile_viewer.state import ModelState

    dock = ModelDock(ModelState())
    qtbot.addWidget(dock)
    bad = tmp_path / "bad.fits"
    bad.write_text("not a cube")
    dock.show_cube_magnetopause(str(bad), synchronous=True)
    assert "n/a" in dock.cube_mp_label.text() and "bad.fits" in dock.cube_mp_label.text()


@pytest.mark.gl
@pytest.mark.slow
def test_open_observed_accepts_a_level4_file(qtbot, tmp_path, monkeypatch):
    if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    from tests.gui.test_main_window import _make_window

    win = _make_window(qtbot, tmp_path)
    try:
        computed = []
        monkeypatch.setattr(win.comparison, "compute_synthetic", lambda m: computed.append(m))
        path, fitted, counts = _our_file(tmp_path / "ours.fits")
        win.open_observed(str(path))
        qtbot.waitUntil(lambda: win.comparison.level4 is not None, timeout=20000)
        np.testing.assert_array_equal(win.comparison.synthetic, fitted)
        np.testing.assert_array_equal(win.comparison.observed, counts)
        assert computed == []  # the fitted image is shown, not the current model's
    finally:
        win.close()
