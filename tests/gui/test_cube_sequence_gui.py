"""GUI: a time sequence of cubes (smile_viewer.io.cubes.sequence) in the Model dock, driven by the
time slider (the scene's volume, the synthetic SXI image, a movie), the Compare dock pairing each
observed frame with the cube at its time, and bad sequences refused with a dialog.

Three uniform cubes (emissivity 1, 3, 7 × 1e-5 eV cm^-3 s^-1 at 0, 10, 20 min) are written with
astropy in the community's FITS layout (swharton1/Emissivity_Cubes ``convert_to_fits``: primary
(z, y, x), extensions x, y, z). A uniform cube's image is c × (the image of a unit cube on the
same camera), so at a time between two cubes the image is exactly the linear blend.
"""

from __future__ import annotations

import os

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time, TimeDelta

from smile_viewer.compute import RenderRequest, render
from smile_viewer.compute.types import VolumeSource
from smile_viewer.physics.volume import Volume

T0 = Time("2026-06-02T06:00:00", scale="utc")  # away from the default scene time
VALUES = (1.0e-5, 3.0e-5, 7.0e-5)
N = 21
LO, HI = -25.0, 25.0


def write_sequence(folder, values=VALUES, n=N, t0=T0):
    folder.mkdir(exist_ok=True)
    axis = np.linspace(LO, HI, n)
    for k, c in enumerate(values):
        hdu = fits.PrimaryHDU(np.full((n, n, n), c, dtype=np.float32))
        hdu.header["DATE-OBS"] = (t0 + TimeDelta(600.0 * k, format="sec")).isot
        hdu.header["FRAME"] = "GSE"
        fits.HDUList([hdu, *(fits.ImageHDU(axis, name=a) for a in "xyz")]).writeto(folder / f"cube_{k}.fits")
    return folder


def c_at(minutes: float) -> float:
    return float(np.interp(minutes, [0.0, 10.0, 20.0], VALUES))


def unit_image(camera, time):
    """The image of a uniform 1e-5 cube on the sequence's grid (the blend's building block)."""
    unit = Volume(np.full((N, N, N), 1.0e-5, np.float32), (LO,) * 3, ((HI - LO) / (N - 1),) * 3, frame="gse")
    return render(RenderRequest(camera, VolumeSource(unit, time), backend="cpu")).image


# -- the Model dock ------------------------------------------------------------------------------
def test_model_dock_opens_a_sequence_and_refuses_bad_ones(qtbot, tmp_path, monkeypatch):
    from smile_viewer._qt.docks import model_dock as md
    from smile_viewer.state import ModelState

    m = ModelState()
    dock = md.ModelDock(m)
    qtbot.addWidget(dock)
    dialogs = []
    monkeypatch.setattr(md.QMessageBox, "warning", lambda *a: dialogs.append(a[2]))
    opened = []
    dock.cube_sequence_opened.connect(opened.append)

    seq_dir = write_sequence(tmp_path / "run")
    dock.cube_edit.setText(str(seq_dir))
    dock.load_cube_spec(dock.cube_edit.text(), synchronous=True)
    assert m.models.emissivity_model == "cube" and m.models.cube_path == str(seq_dir)
    assert len(opened) == 1 and len(opened[0]) == 3
    assert "3 cubes from 2026-06-02T06:00:00" in dock.sequence_label.text()
    assert not dock.sequence_label.isHidden() and dialogs == []

    empty = tmp_path / "empty"
    empty.mkdir()
    other = write_sequence(tmp_path / "other", values=(1e-5,), n=11)
    mixed = write_sequence(tmp_path / "mixed")
    (other / "cube_0.fits").rename(mixed / "cube_9.fits")
    junk = write_sequence(tmp_path / "junk")
    (junk / "notes.txt").write_text("run notes")
    for spec, fragment in ((empty, "empty cube sequence"), (mixed, "cube_9.fits"), (junk, "notes.txt")):
        dock.load_cube_spec(str(spec), synchronous=True)
        assert fragment in dialogs[-1] and "\n" not in dialogs[-1]
        assert fragment in dock.error_label.text()
        assert m.models.cube_path == str(seq_dir)  # nothing changed: never a half-loaded state
    assert len(dialogs) == 3 and len(opened) == 1

    # the Emissivity combo's file dialog goes through the same check
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    bad = tmp_path / "bad.fits"
    bad.write_text("not a cube")
    monkeypatch.setattr(md.QFileDialog, "getOpenFileName", lambda *a, **k: (str(bad), ""))
    dock._on_emissivity(dock.emissivity_combo.findData("cube"))
    assert "bad.fits" in dialogs[-1] and m.models.cube_path == str(seq_dir)
    single = mixed / "cube_1.fits"
    monkeypatch.setattr(md.QFileDialog, "getOpenFileName", lambda *a, **k: (str(single), ""))
    dock._on_emissivity(dock.emissivity_combo.findData("cube"))
    assert m.models.cube_path == str(single) and dock.sequence is None and dock.sequence_label.isHidden()


# -- the Compare dock ----------------------------------------------------------------------------
def _observation(time, *, counts=False, shape=(12, 18)):
    from smile_viewer.io.observed import observed_from_arrays
    from smile_viewer.io.products import camera_wcs
    from smile_viewer.mission.instruments import load_instrument
    from smile_viewer.mission.pointing import sxi_pointing
    from smile_viewer.mission.response import compute_response

    pos = np.array([6.0, -6.0, 18.0])
    sxi = load_instrument("sxi")
    pt = sxi_pointing(pos)
    cam = sxi.camera(pos, pt.rotation, shape=shape)
    image = np.ones(shape)
    kw = {}
    if counts:
        resp = compute_response(image, cam, sxi, seed=3)
        kw["maps"] = {"CTSMAP": resp.counts, "BKGMAP": resp.background, "VIGMAP": resp.vignetting}
        kw["exposure_s"] = resp.exposure_s
    obs = observed_from_arrays(
        image, wcs=camera_wcs(cam, time), time_start=time, position_re=pos, aim_re=pt.aim_re,
        instrument="sxi", units="keV cm^-2 s^-1 sr^-1", **kw,
    )  # fmt: skip
    return obs


@pytest.mark.slow
def test_compare_pairs_each_observed_frame_with_the_cube_at_its_time(qtbot, tmp_path):
    from smile_viewer._qt.comparison import ComparisonView
    from smile_viewer.analysis.geometry import camera_for_observation
    from smile_viewer.io.cubes.sequence import CubeSpec

    spec = CubeSpec(str(write_sequence(tmp_path / "run")))
    v = ComparisonView()
    qtbot.addWidget(v)
    for minutes in (5.0, 15.0):
        t = T0 + TimeDelta(60.0 * minutes, format="sec")
        obs = _observation(t)
        v.set_observed(obs)
        assert v.compute_synthetic(spec, synchronous=True).outcome == "result"
        want = c_at(minutes) / 1.0e-5 * unit_image(camera_for_observation(obs), t)
        np.testing.assert_allclose(v.synthetic, want, rtol=1e-5)
    # an observation in counts: expected counts = the cube's signal + the background
    t = T0 + TimeDelta(600.0, format="sec")
    obs = _observation(t, counts=True)
    v.set_observed(obs)
    assert v.counts
    assert v.compute_synthetic(spec, synchronous=True).outcome == "result"
    first = v.synthetic.copy()
    v.compute_synthetic(
        CubeSpec(str(write_sequence(tmp_path / "flat", values=(1e-5,) * 3))), synchronous=True
    )
    from smile_viewer.analysis.fitting import ForwardModel

    b = ForwardModel(obs, bin_factor=1, oversample=1, backend="cpu").fine_background
    unit = v.synthetic - b
    assert unit.max() > 0
    np.testing.assert_allclose(first - b, 3.0 * unit, rtol=1e-6, atol=1e-9)  # c = 3e-5 at 10 min


# -- the main window: the slider drives the scene, the image and a movie -------------------------
@pytest.mark.gl
@pytest.mark.slow
def test_time_slider_drives_a_cube_sequence(qtbot, tmp_path, monkeypatch):
    if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        monkeypatch.delenv("QT_QPA_PLATFORM")
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    from tests.gui.test_main_window import _make_window

    win = _make_window(qtbot, tmp_path)
    try:
        app = win.app_state
        lay = app.scene.layers
        lay.magnetopause = lay.bow_shock = lay.field_lines = False
        lay.emission_volume = True
        app.volume.render_mode = "mip"  # uniform cubes: every ray through the box shows c
        app.volume.log_range = (-5.5, -3.5)
        app.instruments.sxi.pixel_grid = (27, 16)  # small images: the test is about time, not pixels
        app.instruments.uvi.pixel_grid = (16, 16)
        seq_dir = write_sequence(tmp_path / "run")
        win.model_dock.load_cube_spec(str(seq_dir), synchronous=True)
        assert abs((win.state.time - T0).sec) < 1e-3  # moved to the first cube
        slider = win.time_control.slider
        base = slider.value()
        for minutes in (5, 15):
            slider.setValue(base + minutes)
            t = win.state.time
            assert abs((t - T0).sec - 60 * minutes) < 1e-3
            win.scene_view.render(alpha=False)
            vol = win.scene_view.data["volume"]
            np.testing.assert_allclose(vol.values, c_at(minutes), rtol=1e-6)
            qtbot.waitUntil(
                lambda t=t: (
                    "sxi" in win.images_dock.results
                    and abs((win.images_dock.results["sxi"].request.time - t).sec) < 1e-3
                ),
                timeout=30000,
            )
            res = win.images_dock.results["sxi"]
            want = c_at(minutes) / 1.0e-5 * unit_image(res.camera, t)
            np.testing.assert_allclose(res.image, want, rtol=1e-4, equal_nan=True)

        # a movie over the sequence: 0, 10, 20 min; the volume's colour brightens with c
        slider.setValue(base)

        def shows_first_cube():
            win.scene_view.render(alpha=False)
            return float(win.scene_view.data["volume"].values.max()) == pytest.approx(VALUES[0])

        qtbot.waitUntil(shows_first_cube, timeout=30000)
        import imageio_ffmpeg

        out = win.export_movie(str(tmp_path / "seq.mp4"), hours=20 / 60, n_frames=3, fps=2, size=(320, 200))
        assert out is not None and out.is_file()
        reader = imageio_ffmpeg.read_frames(str(out))
        meta = next(reader)
        w, h = meta["size"]
        frames = [np.frombuffer(f, np.uint8).reshape(h, w, 3).astype(float) for f in reader]
        assert len(frames) == 3
        # pixels that change from frame to frame are the volume's; they brighten 1 → 3 → 7
        diff = np.abs(frames[2] - frames[0]).sum(axis=2)
        region = diff > 30
        assert region.sum() > 0.05 * region.size
        levels = [f[region].sum(axis=1).mean() for f in frames]
        assert levels[0] < levels[1] < levels[2], levels
        assert abs((win.state.time - T0).sec) < 1e-3  # the export puts the time back
    finally:
        win.close()
