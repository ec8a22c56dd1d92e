"""``synth --model cube:FOLDER --time T`` and ``batch`` over a cube time sequence.

Three uniform cubes written with astropy in the community's FITS layout (primary (z, y, x),
extensions x, y, z; swharton1/Emissivity_Cubes ``convert_to_fits``) at 03:00, 03:10 and
03:20 UTC. A uniform emissivity c [eV cm^-3 s^-1] gives LOS_FACTOR c L per pixel
(0.50699 keV cm^-2 s^-1 sr^-1 per R_E of path for c = 1e-5), so at a time between two cubes
the image is the analytic value for the linearly interpolated c.
"""

from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time, TimeDelta

from smile_viewer.cli import main

T0 = Time("2014-09-19T03:00:00", scale="utc")
VALUES = (1.0e-5, 3.0e-5, 7.0e-5)
POS = np.array([2.0, -5.0, 18.0])
PER_RE = 0.50699 / 1.0e-5  # intensity per R_E of path per unit emissivity


def write_sequence(folder, values=VALUES, n=21):
    folder.mkdir(exist_ok=True)
    axis = np.linspace(-20.0, 20.0, n)
    for k, c in enumerate(values):
        hdu = fits.PrimaryHDU(np.full((n, n, n), c, dtype=np.float32))
        hdu.header["DATE-OBS"] = (T0 + TimeDelta(600.0 * k, format="sec")).isot
        hdu.header["DENSITY"] = 5.0
        hdu.header["FRAME"] = (
            "GSE"  # (the community's cubes are GSM; GSE keeps the box of the analytic paths)
        )
        exts = [fits.ImageHDU(axis, name=a) for a in "xyz"]
        fits.HDUList([hdu, *exts]).writeto(folder / f"ppmlr_{k}.fits")
    return folder


def path_lengths(shape=(6, 9)):
    from smile_viewer.compute import ray_ends
    from smile_viewer.mission.instruments import load_instrument
    from smile_viewer.mission.pointing import sxi_pointing

    cam = load_instrument("sxi").camera(POS, sxi_pointing(POS).rotation, shape=shape)
    d = np.asarray(cam.ray_directions()).reshape(-1, 3)
    with np.errstate(divide="ignore"):
        exits = np.where(d > 0, (20.0 - POS) / d, np.where(d < 0, (-20.0 - POS) / d, np.inf)).min(axis=1)
    return np.minimum(exits, ray_ends(POS, d, 80.0, True)).reshape(shape)


def synth(capsys, spec, time, out):
    argv = ["synth", "--instrument", "sxi", "--time", time, "--position", "2,-5,18", "--backend", "numpy"]
    argv += ["--pixels", "9x6", "--model", f"cube:{spec}", "--out", str(out)]
    try:
        rc = main(argv)
    except SystemExit as exc:
        rc = exc.code
    return rc, capsys.readouterr()


@pytest.mark.parametrize(("minutes", "c"), [(0.0, 1.0e-5), (4.0, 1.8e-5), (15.0, 5.0e-5), (20.0, 7.0e-5)])
def test_synth_between_cubes_is_the_linear_blend(tmp_path, capsys, minutes, c):
    seq = write_sequence(tmp_path / "run")
    t = (T0 + TimeDelta(60.0 * minutes, format="sec")).isot
    out = tmp_path / "img.fits"
    rc, cap = synth(capsys, seq, t, out)
    assert rc == 0, cap.err
    with fits.open(out) as hdul:
        np.testing.assert_allclose(hdul[0].data, PER_RE * c * path_lengths(), rtol=2e-4)


def test_synth_over_a_glob(tmp_path, capsys):
    seq = write_sequence(tmp_path / "run")
    out = tmp_path / "img.fits"
    rc, cap = synth(capsys, f"{seq}/ppmlr_*.fits", (T0 + TimeDelta(300, format="sec")).isot, out)
    assert rc == 0, cap.err
    with fits.open(out) as hdul:
        np.testing.assert_allclose(hdul[0].data, PER_RE * 2.0e-5 * path_lengths(), rtol=2e-4)


@pytest.mark.parametrize("case", ["empty", "grids", "outside", "notcube", "badtime"])
def test_synth_sequence_mistakes_exit_2_with_one_line(tmp_path, capsys, case):
    seq = tmp_path / "run"
    time = (T0 + TimeDelta(300, format="sec")).isot
    if case == "empty":
        seq.mkdir()
        want = "empty cube sequence"
    else:
        write_sequence(seq)
    if case == "grids":
        write_sequence(tmp_path / "other", values=(1e-5,), n=11)
        (tmp_path / "other" / "ppmlr_0.fits").rename(seq / "ppmlr_9.fits")
        want = "ppmlr_9.fits"
    elif case == "outside":
        time = "2014-09-19T05:00:00"
        want = "outside the cube sequence"
    elif case == "notcube":
        (seq / "notes.txt").write_text("hello")
        want = "notes.txt"
    elif case == "badtime":
        with fits.open(seq / "ppmlr_1.fits", mode="update") as hdul:
            hdul[0].header["DATE-OBS"] = "tomorrow-ish"
        want = "ppmlr_1.fits"
    rc, cap = synth(capsys, seq, time, tmp_path / "img.fits")
    assert rc == 2
    err = cap.err.strip()
    assert len(err.splitlines()) == 1 and "Traceback" not in cap.err and want in err, err
    assert not (tmp_path / "img.fits").exists()


@pytest.mark.slow
def test_batch_over_a_sequence(tmp_path):
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client

    from smile_viewer.batch import local_cluster, run_batch

    seq = write_sequence(tmp_path / "run")
    const = write_sequence(tmp_path / "const", values=(1e-5, 1e-5, 1e-5))
    kw = {"shape": (6, 9), "backend": "numpy", "max_distance_re": 80.0, "seed": 3, "progress": False}
    stop = (T0 + TimeDelta(1200, format="sec")).isot
    with local_cluster(1, processes=False) as lc, Client(lc) as client:
        rep = run_batch(
            T0.isot, stop, "5min", "sxi", tmp_path / "out", client=client, model=f"cube:{seq}", **kw
        )
        assert rep.n_computed == 5 and not rep.failures
        # the spacecraft moves along the orbit: compare each frame with the same frame of a constant
        # sequence (1e-5): the ratio is the interpolated emissivity c(t) / 1e-5
        run_batch(T0.isot, stop, "5min", "sxi", tmp_path / "c", client=client, model=f"cube:{const}", **kw)
        with pytest.raises(Exception, match="outside the cube sequence"):  # refused before any frame
            run_batch(T0.isot, "2014-09-19T04:00:00", "10min", "sxi", tmp_path / "o2", client=client,
                      model=f"cube:{seq}", **kw)  # fmt: skip
        assert not list((tmp_path / "o2").glob("*.fits"))
    frames = sorted((tmp_path / "out").glob("sxi_*.fits"))
    ref = sorted((tmp_path / "c").glob("sxi_*.fits"))
    assert len(frames) == len(ref) == 5
    want = [1.0, 2.0, 3.0, 5.0, 7.0]  # c(t)/1e-5 at 0, 5, 10, 15, 20 min
    for f, r, k in zip(frames, ref, want):
        with fits.open(f) as a, fits.open(r) as b:
            np.testing.assert_allclose(a[0].data, k * b[0].data, rtol=1e-5)
