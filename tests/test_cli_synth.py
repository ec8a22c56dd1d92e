"""``smile-viewer synth``: error paths (exit 2, one line, no traceback) and small successful runs."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from smile_viewer.cli import main

TIME = "2026-05-21T01:00:00"


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "smile_viewer", "synth", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _assert_user_error(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr
    assert len(err.splitlines()) == 1, err
    assert err.startswith("smile-viewer")
    for f in fragments:
        assert f in err, (f, err)


def _in_process(capsys, argv):
    try:
        rc = main(["synth", *argv])
    except SystemExit as exc:  # argparse's own errors
        rc = exc.code
    return rc, capsys.readouterr()


ERRORS = [
    (["--instrument", "sxi", "--out", "{d}/a.fits"], ["--time", "--position"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--position", "0.5,0.2,0"], ["inside the Earth"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--position", "1,2"], ["X,Y,Z"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--position", "1,2,z"], ["not a number"]),
    (["--instrument", "hxi", "--out", "{d}/a.fits", "--time", TIME], ["unknown instrument"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--time", "yesterday-ish"], ["cannot read time"]),
    (
        ["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--param", "rmp=10"],
        ["unknown parameter", "r_mp", "A1"],
    ),
    (
        [
            "--instrument",
            "sxi",
            "--out",
            "{d}/a.fits",
            "--time",
            TIME,
            "--model",
            "cmem",
            "--param",
            "r_mp=10",
        ],
        ["unknown parameter", "p0"],
    ),
    (
        [
            "--instrument",
            "sxi",
            "--out",
            "{d}/a.fits",
            "--time",
            TIME,
            "--model",
            "exosphere",
            "--param",
            "A1=1",
        ],
        ["n0_cm3"],
    ),
    # "plasma" is an MHD plasma file (as in the GUI); the exosphere-only model has its own name
    (
        ["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--model", "plasma"],
        ["plasma:PATH", "exosphere"],
    ),
    (
        ["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--model", "cmem:{d}/x.fits"],
        ["takes no file"],
    ),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--param", "A1=lots"], ["not a number"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--param", "A1"], ["NAME=VALUE"]),
    (
        ["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--solar-wind", "n=5,w=3"],
        ["unknown key", "bz"],
    ),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--solar-wind", "n=-5"], ["n_cm3"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--model", "mhd"], ["unknown --model"]),
    (
        ["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--model", "cube:{d}/nope.fits"],
        ["no such file"],
    ),
    (
        ["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--attitude", "{d}/nope.json"],
        ["no such file"],
    ),
    (
        ["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--rays", "{d}/nope.npy"],
        ["no such file"],
    ),
    (["--instrument", "sxi", "--out", "{d}/no/dir/a.fits", "--time", TIME], ["does not exist"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--pixels", "12"], ["W x H", "265x155"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--pixels", "1x99999"], ["out of range"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--exposure", "0"], ["--exposure"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--seed", "1.5"], ["--seed"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--step", "-1"], ["--step"]),
    (
        ["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--max-distance", "far"],
        ["--max-distance"],
    ),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--backend", "gpu"], ["invalid choice"]),
    (
        [
            "--instrument",
            "sxi",
            "--out",
            "{d}/a.fits",
            "--time",
            TIME,
            "--aim",
            "1,0,0",
            "--attitude",
            "x.json",
        ],
        ["not allowed"],
    ),
    (["--instrument", "uvi", "--out", "{d}/a.fits", "--time", TIME, "--model", "jorgensen"], ["aurora"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--time", TIME, "--model", "aurora"], ["UVI"]),
    (["--instrument", "sxi", "--out", "{d}/a.fits", "--position", "12,0,0"], ["X axis"]),
]


@pytest.mark.parametrize("argv,fragments", ERRORS, ids=[" ".join(a[4:]) or "no-where" for a, _ in ERRORS])
def test_user_errors_in_process(tmp_path, capsys, argv, fragments):
    rc, cap = _in_process(capsys, [a.format(d=tmp_path) for a in argv])
    assert rc == 2, cap
    err = cap.err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("smile-viewer"), err
    for f in fragments:
        assert f in err, (f, err)
    assert not (tmp_path / "a.fits").exists()


def test_user_errors_in_a_subprocess(tmp_path):
    _assert_user_error(
        _run("--instrument", "sxi", "--out", tmp_path / "a.fits", "--time", TIME, "--param", "bogus=1"),
        "unknown parameter",
        "r_mp",
    )
    bad = tmp_path / "rays.npy"
    np.save(bad, np.zeros((4, 5)))
    _assert_user_error(
        _run("--instrument", "sxi", "--out", tmp_path / "a.fits", "--time", TIME, "--rays", bad), "H x W x 3"
    )
    _assert_user_error(
        _run("--instrument", "sxi", "--out", tmp_path / "a.fits", "--position", "0,0,0.9"), "inside the Earth"
    )


def _render_available() -> bool:
    try:
        from smile_viewer.compute import render  # noqa: F401
    except ImportError:
        return False
    return True


needs_render = pytest.mark.skipif(
    not _render_available(), reason="smile_viewer.compute.render not available yet"
)


@needs_render
def test_synth_sxi_small(tmp_path):
    from astropy.io import fits

    out, png = tmp_path / "sxi.fits", tmp_path / "sxi.png"
    proc = _run(
        "--instrument",
        "sxi",
        "--out",
        out,
        "--png",
        png,
        "--time",
        TIME,
        "--pixels",
        "27x16",
        "--param",
        "A1=4e-5",
        "--solar-wind",
        "n=8,v=450,bz=-2",
        "--exposure",
        "600",
        "--seed",
        "3",
        "--backend",
        "numpy",
    )
    assert proc.returncode == 0, proc.stderr
    assert "wrote" in proc.stdout and png.exists()
    with fits.open(out) as hdul:
        h = hdul[0].header
        img = hdul[0].data
        assert img.shape == (16, 27) and np.all(np.isfinite(img)) and img.max() > 0.1
        assert h["HIERARCH MODEL A1"] == pytest.approx(4e-5) and h["SW_N"] == pytest.approx(8.0)
        assert h["EXPOS"] == 600.0 and h["SEED"] == 3 and h["BACKEND"] == "numpy"
        assert h["AIM_Y"] == 0 and h["AIM_Z"] == 0  # the SXI law aims on the X axis
        assert hdul["CTSMAP"].data.shape == (16, 27)
    # Same seed, same counts.
    out2 = tmp_path / "sxi2.fits"
    proc = _run(
        "--instrument",
        "sxi",
        "--out",
        out2,
        "--time",
        TIME,
        "--pixels",
        "27x16",
        "--param",
        "A1=4e-5",
        "--solar-wind",
        "n=8,v=450,bz=-2",
        "--exposure",
        "600",
        "--seed",
        "3",
        "--backend",
        "numpy",
    )
    assert proc.returncode == 0, proc.stderr
    with fits.open(out) as a, fits.open(out2) as b:
        np.testing.assert_array_equal(a["CTSMAP"].data, b["CTSMAP"].data)


@needs_render
def test_synth_in_process_variants(tmp_path, capsys):
    """Explicit aim, attitude file, explicit rays and UVI, each on a tiny grid (numpy backend)."""
    from astropy.io import fits
    from astropy.time import Time

    from smile_viewer.coords import rotation_matrix
    from smile_viewer.mission.pointing import matrix_to_quaternion, sxi_pointing

    pos = "2,-5,18"
    base = ["--instrument", "sxi", "--time", TIME, "--position", pos, "--backend", "numpy", "--seed", "1"]
    rc, cap = _in_process(
        capsys,
        [
            *base,
            "--out",
            str(tmp_path / "aim.fits"),
            "--aim",
            "10,0,0",
            "--pixels",
            "9x6",
            "--model",
            "exosphere",
        ],
    )
    assert rc == 0, cap.err
    with fits.open(tmp_path / "aim.fits") as hdul:
        assert hdul[0].header["AIM_X"] == 10.0 and hdul[0].header["MODEL"] == "exosphere"

    rot = sxi_pointing([2.0, -5.0, 18.0]).rotation
    q = matrix_to_quaternion(rotation_matrix(Time(TIME), "gse", "gei") @ rot)
    att = tmp_path / "att.json"
    att.write_text(
        json.dumps(
            {
                "records": [
                    {"time": "2026-05-21T00:00:00", "q": list(q)},
                    {"time": "2026-05-21T02:00:00", "q": list(q)},
                ]
            }
        )
    )
    rc, cap = _in_process(
        capsys,
        [
            *base,
            "--out",
            str(tmp_path / "att.fits"),
            "--attitude",
            str(att),
            "--pixels",
            "9x6",
            "--model",
            "cmem",
        ],
    )
    assert rc == 0, cap.err
    rc, cap = _in_process(
        capsys, [*base, "--out", str(tmp_path / "law.fits"), "--pixels", "9x6", "--model", "cmem"]
    )
    assert rc == 0, cap.err
    with fits.open(tmp_path / "att.fits") as a, fits.open(tmp_path / "law.fits") as b:
        np.testing.assert_allclose(a[0].data, b[0].data, rtol=1e-6)  # same attitude, same picture

    from smile_viewer.mission.instruments import load_instrument

    cam = load_instrument("sxi").camera([2.0, -5.0, 18.0], rot, shape=(6, 9))
    rays = tmp_path / "rays.npy"
    np.save(rays, np.asarray(cam.ray_directions()))
    rc, cap = _in_process(capsys, [*base, "--out", str(tmp_path / "rays.fits"), "--rays", str(rays)])
    assert rc == 0, cap.err
    rc, cap = _in_process(capsys, [*base, "--out", str(tmp_path / "law2.fits"), "--pixels", "9x6"])
    assert rc == 0, cap.err
    with fits.open(tmp_path / "rays.fits") as a, fits.open(tmp_path / "law2.fits") as b:
        np.testing.assert_allclose(a[0].data, b[0].data, rtol=1e-6)

    rc, cap = _in_process(
        capsys,
        [
            "--instrument",
            "uvi",
            "--time",
            TIME,
            "--position",
            pos,
            "--backend",
            "numpy",
            "--out",
            str(tmp_path / "uvi.fits"),
            "--pixels",
            "12x12",
            "--param",
            "kp=4",
        ],
    )
    assert rc == 0, cap.err
    with fits.open(tmp_path / "uvi.fits") as hdul:
        h = hdul[0].header
        assert h["BUNIT"] == "R" and h["HIERARCH MODEL kp"] == 4.0 and h["INSTRUME"] == "UVI"


@needs_render
def test_synth_cube_uniform_slab(tmp_path, capsys):
    """cube:PATH through read_cube: a uniform 1e-5 eV cm^-3 s^-1 cube gives 0.50699 per R_E of path."""
    from astropy.io import fits

    from smile_viewer.compute import ray_ends
    from smile_viewer.io.cubes import write_fits_cube
    from smile_viewer.mission.instruments import load_instrument
    from smile_viewer.mission.pointing import sxi_pointing
    from smile_viewer.physics.volume import Volume

    vol = Volume(np.full((21, 21, 21), 1.0e-5), (-20.0, -20.0, -20.0), (2.0, 2.0, 2.0), frame="gse")
    cube = tmp_path / "uniform.fits"
    write_fits_cube(cube, vol)
    pos = np.array([2.0, -5.0, 18.0])
    out = tmp_path / "cube.fits"
    rc, cap = _in_process(
        capsys,
        [
            "--instrument",
            "sxi",
            "--time",
            TIME,
            "--position",
            "2,-5,18",
            "--backend",
            "numpy",
            "--pixels",
            "9x6",
            "--model",
            f"cube:{cube}",
            "--out",
            str(out),
        ],
    )
    assert rc == 0, cap.err
    cam = load_instrument("sxi").camera(pos, sxi_pointing(pos).rotation, shape=(6, 9))
    d = np.asarray(cam.ray_directions()).reshape(-1, 3)
    with np.errstate(divide="ignore"):
        exits = np.where(d > 0, (20.0 - pos) / d, np.where(d < 0, (-20.0 - pos) / d, np.inf)).min(axis=1)
    path = np.minimum(exits, ray_ends(pos, d, 80.0, True)).reshape(6, 9)
    with fits.open(out) as hdul:
        np.testing.assert_allclose(hdul[0].data, 0.50699 * path, rtol=2e-4)
        assert hdul[0].header["MODEL"] == "cube"
