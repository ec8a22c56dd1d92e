"""``smile-viewer fit``: a successful run (JSON + level-4 FITS) and the error paths
(exit status 2, one line on stderr, no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time

from smile_viewer.cli import main
from smile_viewer.compute import AnalyticSource, RenderRequest, render
from smile_viewer.io.products import write_synthetic_product
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import sxi_pointing, uvi_pointing
from smile_viewer.mission.response import compute_response
from smile_viewer.physics.emissivity import jorgensen_defaults
from smile_viewer.physics.solar_wind import SolarWind

T = Time("2026-05-21T01:00:00")
POS = np.array([6.0, -6.0, 18.0])


@pytest.fixture(scope="module")
def product(tmp_path_factory):
    """A small simulated SXI product (0.25 deg pixels) of r_mp = 9.8 R_E with Poisson noise."""
    d = tmp_path_factory.mktemp("fit")
    sxi = load_instrument("sxi")
    pt = sxi_pointing(POS)
    cam = sxi.camera(POS, pt.rotation, shape=(62, 106))
    start = jorgensen_defaults(SolarWind())
    truth = start.replace(r_mp=9.8, r_bs=12.8, A1=start.A1 * 1.5, A2=start.A2 * 1.5, B=start.B * 1.5)
    res = render(RenderRequest(cam, AnalyticSource(truth), backend="cpu"))
    resp = compute_response(res.image, cam, sxi, seed=3)
    return write_synthetic_product(d / "obs.fits", res, cam, T, sxi, response=resp, aim_re=pt.aim_re)


def _in_process(capsys, *argv):
    try:
        rc = main(["fit", *map(str, argv)])
    except SystemExit as exc:  # argparse's own errors
        rc = exc.code
    return rc, capsys.readouterr()


def _assert_user_error(rc, captured, *fragments):
    assert rc == 2, (rc, captured.out, captured.err)
    err = captured.err.strip()
    assert "Traceback" not in captured.err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("smile-viewer")
    for f in fragments:
        assert f in err, (f, err)


def test_fit_writes_json_and_level4(product, tmp_path, capsys):
    out, l4 = tmp_path / "fit.json", tmp_path / "l4.fits"
    rc, cap = _in_process(
        capsys,
        product,
        "--model",
        "jorgensen",
        "--out",
        out,
        "--fits",
        l4,
        "--free",
        "r_mp,norm",
        "--solar-wind",
        "n=6,v=400",
    )
    assert rc == 0, cap.err
    assert "r_mp = " in cap.out and "wrote" in cap.out
    data = json.loads(out.read_text())
    assert data["model"] == "jorgensen" and data["free"] == ["r_mp", "norm"]
    assert abs(data["subsolar_magnetopause_re"] - 9.8) < 0.5
    assert data["start_parameters"]["r_mp"] == pytest.approx(jorgensen_defaults(SolarWind(n_cm3=6)).r_mp)
    with fits.open(l4) as hdul:
        assert hdul[0].header["RCMEM"] == pytest.approx(data["subsolar_magnetopause_re"])
        assert "PARAMETERS" in hdul


def test_fit_cmem_subprocess(product, tmp_path):
    """The installed entry point: CMEM, a fixed bin, the level-4 FITS skipped."""
    out = tmp_path / "cmem.json"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "smile_viewer",
            "fit",
            str(product),
            "--model",
            "cmem",
            "--out",
            str(out),
            "--bin",
            "2",
            "--oversample",
            "1",
            "--errors",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["model"] == "cmem" and data["free"] == ["p0", "norm"] and data["binning"]["bin_factor"] == 2
    assert 8.5 < data["subsolar_magnetopause_re"] < 11.5


def test_fit_error_paths(product, tmp_path, capsys):
    d = tmp_path
    cases = [
        ((d / "none.fits", "--out", d / "a.json"), ("none.fits", "no such file")),
        ((product, "--out", d / "nodir" / "a.json"), ("does not exist",)),
        ((product, "--out", d), ("directory",)),
        ((product, "--out", d / "a.json", "--fits", d / "a.json"), ("same file",)),
        ((product, "--out", d / "a.json", "--free", "r_mp,rmp"), ("unknown free parameter", "rmp")),
        ((product, "--out", d / "a.json", "--model", "cmem", "--free", "p0,A1,norm"), ("norm",)),
        ((product, "--out", d / "a.json", "--bin", "x"), ("--bin",)),
        ((product, "--out", d / "a.json", "--oversample", "0"), ("--oversample",)),
        ((product, "--out", d / "a.json", "--max-evals", "3"), ("--max-evals",)),
        ((product, "--out", d / "a.json", "--param", "r_mp"), ("NAME=VALUE",)),
        ((product, "--out", d / "a.json", "--param", "rmp=10"), ("unknown parameter",)),
        ((product, "--out", d / "a.json", "--solar-wind", "n=-5"), ("n_cm3",)),
        ((product, "--out", d / "a.json", "--record", "-1"), ("--record",)),
        ((product, "--out", d / "a.json", "--model", "shue"), ("invalid choice",)),
        ((product, "--out", d / "a.json", "--errors", "bootstrap"), ("invalid choice",)),
        ((product,), ("--out",)),
    ]
    for argv, fragments in cases:
        rc, cap = _in_process(capsys, *argv)
        _assert_user_error(rc, cap, *fragments)
    assert not (d / "a.json").exists()


def test_fit_refuses_files_it_cannot_fit(tmp_path, capsys):
    junk = tmp_path / "junk.fits"
    junk.write_bytes(b"not a fits file at all" * 20)
    rc, cap = _in_process(capsys, junk, "--out", tmp_path / "a.json")
    _assert_user_error(rc, cap, "junk.fits", "FITS")
    # an intensity image without counts
    sxi = load_instrument("sxi")
    cam = sxi.camera(POS, sxi_pointing(POS).rotation, shape=(10, 16))
    path = write_synthetic_product(tmp_path / "nocounts.fits", np.ones(cam.shape), cam, T, sxi)
    rc, cap = _in_process(capsys, path, "--out", tmp_path / "a.json")
    _assert_user_error(rc, cap, "nocounts.fits", "CTSMAP")
    # a UVI image
    uvi = load_instrument("uvi")
    pos = np.array([-2.0, 3.0, 19.0])
    ucam = uvi.camera(pos, uvi_pointing(pos, T).rotation, shape=(16, 16))
    img = np.full(ucam.shape, 100.0)
    resp = compute_response(img, ucam, uvi, seed=1)
    upath = write_synthetic_product(tmp_path / "uvi.fits", img, ucam, T, uvi, response=resp)
    rc, cap = _in_process(capsys, upath, "--out", tmp_path / "a.json")
    _assert_user_error(rc, cap, "aurora")
    # a truncated product
    raw = path.read_bytes()
    bad = tmp_path / "cut.fits"
    bad.write_bytes(raw[: len(raw) - 500])
    rc, cap = _in_process(capsys, bad, "--out", tmp_path / "a.json")
    _assert_user_error(rc, cap, "cut.fits", "truncated")
    assert not (tmp_path / "a.json").exists()
