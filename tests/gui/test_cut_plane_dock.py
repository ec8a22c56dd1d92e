"""The Cut plane dock on a 3-D view: plane, offset slider, variable, colour bar, PNG and CSV export.

Cubes are written with astropy (community FITS layout) or xarray (netCDF with named variables) from
analytic fields: a linear field on the plane must come back as the analytic values, in the view and
in the exported CSV.
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from PIL import Image

pytestmark = pytest.mark.gl

N = 21


def eta(x, y, z):
    return 1e-5 * (3.0 + 0.1 * x + 0.05 * y - 0.02 * z)


def write_cube(path):
    axis = np.linspace(-20.0, 20.0, N)
    zz, yy, xx = np.meshgrid(axis, axis, axis, indexing="ij")
    hdu = fits.PrimaryHDU(eta(xx, yy, zz).astype(np.float32))
    hdu.header["FRAME"] = "GSE"
    fits.HDUList([hdu, *(fits.ImageHDU(axis, name=a) for a in "xyz")]).writeto(path)
    return path


@pytest.fixture
def dock(qtbot, tmp_path):
    import vispy.app

    from smile_viewer._qt.docks.cut_plane_dock import CutPlaneDock
    from smile_viewer._vispy.scene import SceneView
    from smile_viewer.state import AppState

    vispy.app.use_app("pyside6")
    app = AppState()
    app.model.models.choose_file(str(write_cube(tmp_path / "lin.fits")), "cube")
    from smile_viewer._vispy.headless import offscreen_canvas

    canvas = offscreen_canvas((480, 320))
    sv = SceneView(app, canvas=canvas, samples=0)
    d = CutPlaneDock(sv)
    qtbot.addWidget(d)
    yield d
    d.close_layer()
    sv.close()


def test_dock_draws_moves_and_exports_a_cut(dock, qtbot, tmp_path):
    assert dock.layer.cut is None and not dock.png_button.isEnabled()
    dock.show_check.setChecked(True)
    cut = dock.layer.cut
    assert cut is not None and cut.describe() == "X–Z plane at y = 0.00 R_E"
    np.testing.assert_allclose(cut.values, eta(cut.points[..., 0], 0.0, cut.points[..., 2]), rtol=1e-5)
    assert (
        dock.layer.colorbar.visible
        and "eV/(cm³ s)" in dock.layer.colorbar.title.text
        and "^" not in dock.layer.colorbar.title.text
    )
    # the slider moves the plane along its normal, across the cube (y from -20 to 20 R_E)
    dock.offset_slider.setValue(750)
    cut = dock.layer.cut
    assert cut.offset_re == pytest.approx(10.0)
    assert np.allclose(cut.points[..., 1], 10.0) and dock.offset_label.text() == "y = 10.0 R_E"
    # Ctrl + drag: the plane follows the cursor along its normal's direction on screen
    from types import SimpleNamespace

    from vispy.util import keys

    d = dock.layer.drag_direction()  # pixels per R_E along +Y
    assert d is not None and np.hypot(*d) > 1.0

    def mouse(pos, mods=(keys.CONTROL,)):
        return SimpleNamespace(pos=np.asarray(pos, float), button=1, modifiers=mods, handled=False)

    p0 = np.array([200.0, 150.0])
    dock.layer._on_press(mouse(p0))
    dock.layer._on_move(mouse(p0 - 4.0 * d))
    dock.layer._on_release(mouse(p0 - 4.0 * d))
    assert dock.layer.cut.offset_re == pytest.approx(6.0)
    dock.layer._on_press(mouse(p0, mods=()))  # without Ctrl the camera keeps the drag
    dock.layer._on_move(mouse(p0 + 4.0 * d, mods=()))
    assert dock.layer.cut.offset_re == pytest.approx(6.0)
    # X–Y: the slider's range follows the new normal
    dock.plane_combo.setCurrentIndex(dock.plane_combo.findData("xy"))
    dock.set_offset(-5.0)
    cut = dock.layer.cut
    assert np.allclose(cut.points[..., 2], -5.0)
    np.testing.assert_allclose(cut.values, eta(cut.points[..., 0], cut.points[..., 1], -5.0), rtol=1e-5)
    # any plane
    dock.plane_combo.setCurrentIndex(dock.plane_combo.findData("custom"))
    assert dock.normal_spins[0].isVisible() or not dock.isVisible()
    dock.normal_spins[2].setValue(1.0)  # (1, 1, 1)
    cut = dock.layer.cut
    assert np.allclose(cut.normal, np.ones(3) / np.sqrt(3))
    inside = cut.inside
    p = cut.points
    np.testing.assert_allclose(cut.values[inside], eta(p[..., 0], p[..., 1], p[..., 2])[inside], rtol=1e-5)

    for spin in dock.normal_spins:  # (0, 1, 1), (0, 0, 1), then (0, 0, 0): refused, the plane stays
        spin.setValue(0.0)
    assert dock.settings.normal == (0.0, 0.0, 1.0) and "non-zero" in dock.info_label.text()
    assert np.allclose(dock.layer.cut.normal, (0.0, 0.0, 1.0))
    for spin in dock.normal_spins:
        spin.setValue(1.0)
    assert np.allclose(dock.layer.cut.normal, cut.normal)

    png = dock.save(tmp_path / "cut.png")
    csv = dock.save(tmp_path / "cut.csv")
    assert png.is_file() and csv.is_file()
    with Image.open(png) as im:
        assert max(im.size) >= 600 and im.mode == "RGBA"
    text = csv.read_text()
    assert "x_GSE [R_E],y_GSE [R_E],z_GSE [R_E],emissivity [eV cm^-3 s^-1]" in text
    data = np.loadtxt(csv, delimiter=",", comments="#", skiprows=text.count("\n") - int(inside.sum()))
    np.testing.assert_allclose(data[:, 3], eta(data[:, 0], data[:, 1], data[:, 2]), rtol=1e-4)
    assert np.allclose(data[:, :3].sum(axis=1), cut.offset_re * np.sqrt(3), atol=1e-4)


@pytest.mark.slow
def test_dock_colours_by_another_variable(dock, qtbot, tmp_path):
    xr = pytest.importorskip("xarray")
    x = np.linspace(-10.0, 10.0, 11)
    zz, yy, xx = np.meshgrid(x, x, x, indexing="ij")
    ds = xr.Dataset(
        {
            "emissivity": (("z", "y", "x"), eta(xx, yy, zz), {"units": "eV cm^-3 s^-1"}),
            "n": (("z", "y", "x"), 5.0 + 0.5 * xx, {"units": "cm^-3"}),
        },
        coords={"x": x, "y": x, "z": x},
    )
    path = tmp_path / "moments.nc"
    ds.to_netcdf(path)
    dock.scene_view.app_state.model.models.choose_file(str(path), "cube")
    qtbot.waitUntil(lambda: dock.variable_combo.count() >= 2, timeout=20000)
    assert dock.variable_combo.findData("n") > 0
    dock.show_check.setChecked(True)
    dock.scale_combo.setCurrentText("linear")
    dock.choose_variable("n", synchronous=True)
    cut = dock.layer.cut
    assert cut.variable == "n" and cut.units == "cm^-3"
    np.testing.assert_allclose(cut.values, 5.0 + 0.5 * cut.points[..., 0], rtol=1e-6)
    assert dock.layer.colorbar.title.text.startswith("n [1/cm³]")
    dock.choose_variable("")
    assert dock.layer.cut.variable == "emissivity"


@pytest.mark.slow
def test_a_sequence_variable_follows_the_time(dock, qtbot, tmp_path, monkeypatch):
    """n of a netCDF cube sequence (4 then 8 cm^-3, 10 min apart): the cut is the linear blend at
    the scene time and follows the time."""
    xr = pytest.importorskip("xarray")
    from astropy.time import Time, TimeDelta

    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    x = np.linspace(-10.0, 10.0, 6)
    folder = tmp_path / "run"
    folder.mkdir()
    for name, n in (("mhd_20260601_120000.nc", 4.0), ("mhd_20260601_121000.nc", 8.0)):
        ds = xr.Dataset(
            {
                "emissivity": (("z", "y", "x"), np.full((6, 6, 6), 1e-5), {"units": "eV cm^-3 s^-1"}),
                "n": (("z", "y", "x"), np.full((6, 6, 6), n), {"units": "cm^-3"}),
            },
            coords={"x": x, "y": x, "z": x},
        )
        ds.to_netcdf(folder / name)
    t0 = Time("2026-06-01T12:00:00", scale="utc")
    state = dock.scene_view.app_state
    state.scene.time = t0 + TimeDelta(150.0, format="sec")
    state.model.models.choose_file(str(folder), "cube")
    qtbot.waitUntil(lambda: dock.variable_combo.findData("n") > 0, timeout=20000)
    dock.show_check.setChecked(True)
    dock.choose_variable("n", synchronous=True)
    np.testing.assert_allclose(dock.layer.cut.values, 5.0)  # a quarter of the way from 4 to 8
    state.scene.time = t0 + TimeDelta(600.0, format="sec")
    qtbot.waitUntil(lambda: np.allclose(dock.layer.cut.values, 8.0), timeout=20000)
    assert len(dock._var_sequence.cached_indices) <= 2 and dock.layer.cut.units == "cm^-3"


def test_dock_without_a_cube_says_so(qtbot, dock):
    dock.scene_view.app_state.model.models.emissivity_model = "jorgensen"
    dock.show_check.setChecked(True)
    assert dock.layer.cut is not None  # the analytic model's sampled volume is cut too
    assert dock.layer.cut.units == "eV cm^-3 s^-1"
