"""``smile-viewer cube-info``: grid, frame, units, value range and the three subsolar
magnetopause distances of a cube written in the community's FITS layout; bad files exit 2
with one line."""

from __future__ import annotations

import numpy as np
from astropy.io import fits

from smile_viewer.cli import main


def _community_cube(path, x, y, z, data):
    """The layout swharton1/Emissivity_Cubes reads (read_fits_cube.py): primary array (z, y, x),
    ImageHDUs x, y, z, solar wind keywords BX..BZ, VX..VZ, DENSITY, TEMP."""
    hdu = fits.PrimaryHDU(np.asarray(data, dtype=np.float64))
    for k, v in {
        "BX": 0.0,
        "BY": 0.0,
        "BZ": 5.0,
        "VX": -400.0,
        "VY": 0.0,
        "VZ": 0.0,
        "DENSITY": 5.0,
        "TEMP": 2e5,
    }.items():
        hdu.header[k] = v
    fits.HDUList(
        [hdu, fits.ImageHDU(x, name="x"), fits.ImageHDU(y, name="y"), fits.ImageHDU(z, name="z")]
    ).writeto(path)
    return path


def test_cube_info_prints_grid_range_and_magnetopause(tmp_path, capsys):
    x = np.arange(0.0, 16.0 + 1e-9, 0.5)
    y = z = np.arange(-2.0, 2.0 + 1e-9, 1.0)
    line = np.where(x < 9.0, 0.0, np.where(x < 11.0, 1e-6 * (x - 8.5), 4e-6 * (12.0 / np.maximum(x, 1)) ** 3))
    # the rise is steepest between 10.5 (2e-6) and 11.0 (4e-6 * (12/11)^3 = 5.19e-6): maxdIx = 10.5; the peak
    # is at 11.0 (beyond it the values fall as x^-3): maxIx = 11.0; f.25 = 10.5 + 0.25 * 0.5 = 10.625
    data = np.zeros((len(z), len(y), len(x)))
    data[2, 2, :] = line
    data[0, 0, :] = 1e-3  # off the line: bigger, and ignored
    path = _community_cube(tmp_path / "cube.fits", x, y, z, data)
    rc = main(["cube-info", str(path)])
    out = capsys.readouterr().out
    assert rc == 0
    from smile_viewer.io.cubes import DEFAULT_FRAME  # the community's cubes carry no frame

    assert (
        "33 x 5 x 5 nodes" in out and "step 0.5 R_E" in out and f"frame      {DEFAULT_FRAME.upper()}" in out
    )
    assert "0 .. 0.001" in out  # value range
    assert "maxIx    11.000 R_E" in out and "maxdIx   10.500 R_E" in out and "f.25     10.625 R_E" in out


def test_cube_info_bad_files_exit_2_with_one_line(tmp_path, capsys):
    (tmp_path / "junk.fits").write_text("not a cube\n")
    for path, fragment in (
        (tmp_path / "missing.fits", "missing.fits"),
        (tmp_path / "junk.fits", "junk.fits"),
    ):
        rc = main(["cube-info", str(path)])
        err = capsys.readouterr().err.strip()
        assert rc == 2 and len(err.splitlines()) == 1 and fragment in err and "Traceback" not in err


def test_cube_info_without_emissivity_on_the_line(tmp_path, capsys):
    x = np.arange(0.0, 4.0 + 1e-9, 1.0)
    y = z = np.array([-1.0, 0.0, 1.0])
    path = _community_cube(tmp_path / "zero.fits", x, y, z, np.zeros((3, 3, 5)))
    assert main(["cube-info", str(path)]) == 0
    assert "subsolar magnetopause: n/a (no positive emissivity" in capsys.readouterr().out


def test_cube_info_on_a_sequence_lists_each_cube_and_its_time(tmp_path, capsys):
    """A folder of three cubes (times in the file names) is listed in time order, then the first
    cube is described; an empty folder and a glob matching nothing exit 2 with one line."""
    x = np.arange(0.0, 16.0 + 1e-9, 0.5)
    y = z = np.arange(-2.0, 2.0 + 1e-9, 1.0)
    run = tmp_path / "run"
    run.mkdir()
    for k, stamp in enumerate(["20140919_032000", "20140919_030000", "20140919_031000"]):
        data = np.full((len(z), len(y), len(x)), 1e-6 * (k + 1))
        _community_cube(run / f"cube_{stamp}.fits", x, y, z, data)
    assert main(["cube-info", str(run)]) == 0
    out = capsys.readouterr().out
    assert "3 cubes from 2014-09-19T03:00:00 to 2014-09-19T03:20:00 UTC, linear in time" in out
    rows = [
        r
        for r in (line.split() for line in out.splitlines())
        if len(r) > 3 and r[0].isdigit() and r[2] == "UTC"
    ]
    assert [r[3] for r in rows] == [
        "cube_20140919_030000.fits",
        "cube_20140919_031000.fits",
        "cube_20140919_032000.fits",
    ]
    assert all("file name" in " ".join(r) for r in rows)
    assert "first cube (cube_20140919_030000.fits):" in out and "33 x 5 x 5 nodes" in out
    # the first cube in time holds 2e-6 everywhere (written second)
    assert "values     2e-06 .. 2e-06" in out

    empty = tmp_path / "empty"
    empty.mkdir()
    for spec in (str(empty), str(tmp_path / "nothing_*.fits")):
        assert main(["cube-info", spec]) == 2
        err = capsys.readouterr().err.strip()
        assert err and "\n" not in err and "Traceback" not in err
