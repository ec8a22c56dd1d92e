"""``smile-viewer orbit``: ephemeris export from the command line, run in a subprocess."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from smile_viewer.mission.oem import read_oem
from smile_viewer.mission.orbit import default_orbit

START, STOP = "2026-05-20T00:00:00", "2026-05-21T00:00:00"


def _run(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "smile_viewer", "orbit", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


def _assert_user_error(proc, *fragments):
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    err = proc.stderr.strip()
    assert "Traceback" not in proc.stderr
    assert len(err.splitlines()) == 1, err
    assert err.startswith("smile-viewer")
    for f in fragments:
        assert f in err, (f, err)


def test_orbit_csv_default_orbit(tmp_path):
    out = tmp_path / "smile.csv"
    proc = _run("--start", START, "--stop", STOP, "--step", "1h", "--frame", "gse", "--out", out)
    assert proc.returncode == 0, proc.stderr
    assert "wrote 25 epochs in GSE" in proc.stdout
    lines = out.read_text().splitlines()
    body = [ln for ln in lines if not ln.startswith("#")]
    assert body[0] == "time_utc,x_re,y_re,z_re" and len(body) == 1 + 25
    assert body[-1].startswith("2026-05-21T00:00:00.000,")
    xyz = np.array([[float(v) for v in ln.split(",")[1:]] for ln in body[1:]])
    from astropy.time import Time, TimeDelta

    expected = default_orbit().position(Time(START) + TimeDelta(np.arange(25) * 3600.0, format="sec"), "gse")
    np.testing.assert_allclose(xyz, expected, atol=2e-9)


def test_orbit_oem_and_reading_it_back(tmp_path):
    oem = tmp_path / "smile.oem"
    proc = _run("--start", START, "--stop", STOP, "--step", "10min", "--frame", "gei", "--out", oem)
    assert proc.returncode == 0, proc.stderr
    eph = read_oem(oem)
    assert len(eph.times) == 145 and eph.native_frame == "gei"
    assert "REF_FRAME = EME2000" in oem.read_text()
    # --oem: interpolate the file just written, inside its span.
    csv = tmp_path / "from_oem.csv"
    proc = _run(
        "--start",
        "2026-05-20T01:00",
        "--stop",
        "2026-05-20T12:00",
        "--step",
        "30min",
        "--frame",
        "gei",
        "--oem",
        oem,
        "--out",
        csv,
    )
    assert proc.returncode == 0, proc.stderr
    assert "wrote 23 epochs" in proc.stdout
    # Outside its span: a user error, not a traceback.
    proc = _run(
        "--start",
        START,
        "--stop",
        "2026-05-22",
        "--step",
        "1h",
        "--frame",
        "gei",
        "--oem",
        oem,
        "--out",
        tmp_path / "x.csv",
    )
    _assert_user_error(proc, "outside the ephemeris")


def test_orbit_from_tle(tmp_path):
    tle = tmp_path / "smile.tle"
    tle.write_text(
        "SMILE (test)\n"
        "1 99999U 26001A   26140.00000000  .00000000  00000-0  00000-0 0  9997\n"
        "2 99999  73.0000 279.2500 8362990 287.5000   0.0000  0.47422215    08\n"
    )
    out = tmp_path / "tle.oem"
    proc = _run(
        "--start", START, "--stop", STOP, "--step", "2h", "--frame", "gsm", "--tle", tle, "--out", out
    )
    assert proc.returncode == 0, proc.stderr
    eph = read_oem(out)
    assert len(eph.times) == 13 and eph.native_frame == "gsm" and eph.name == "SMILE (test)"


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--start", "2026-13-45", "--stop", STOP], ["cannot read time '2026-13-45'"]),
        (["--start", STOP, "--stop", START], ["before start time"]),
        (["--start", START, "--stop", STOP, "--step", "ten minutes"], ["cannot read duration"]),
        (["--start", START, "--stop", STOP, "--frame", "hci"], ["unknown frame 'hci'"]),
        (["--start", START, "--stop", STOP, "--oem", "missing.oem"], ["missing.oem: no such file"]),
        (["--start", START, "--stop", STOP, "--oem", "garbage.oem"], ["garbage.oem: line 1"]),
        (["--start", START, "--stop", STOP, "--tle", "garbage.oem"], ["garbage.oem"]),
        (["--start", START, "--stop", STOP, "--out", "smile.txt"], ["smile.txt", ".csv", ".oem"]),
        (["--start", START, "--stop", STOP, "--out", "no/such/dir/smile.csv"], ["does not exist"]),
    ],
)
def test_orbit_user_mistakes_exit_2(tmp_path, args, fragments):
    (tmp_path / "garbage.oem").write_text("this is not an ephemeris\n")
    if "--out" not in args:
        args = [*args, "--out", "smile.csv"]
    proc = _run(*args, cwd=tmp_path)
    _assert_user_error(proc, *fragments)
    assert not (tmp_path / "smile.csv").exists() and not (tmp_path / "smile.txt").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["garbage.oem"]
