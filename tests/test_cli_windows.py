"""``smile-viewer windows`` and ``smile-viewer batch``: mistakes end with exit status 2 and one
line; small successful runs write what they say."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from smile_viewer.cli import main

START, STOP = "2026-09-10T00:00", "2026-09-12T00:00"


def _in_process(capsys, argv):
    try:
        rc = main(argv)
    except SystemExit as exc:  # argparse's own errors
        rc = exc.code
    return rc, capsys.readouterr()


def _assert_one_line_error(rc, cap, *fragments):
    assert rc == 2, (rc, cap.out, cap.err)
    err = cap.err.strip()
    assert "Traceback" not in cap.err
    assert len(err.splitlines()) == 1, err
    assert err.startswith("smile-viewer")
    for f in fragments:
        assert f in err, (f, err)


WINDOWS_ERRORS = [
    (["--stop", STOP, "--out", "{d}/w.csv"], ["--start"]),
    (["--start", "soon", "--stop", STOP, "--out", "{d}/w.csv"], ["cannot read time"]),
    (["--start", STOP, "--stop", START, "--out", "{d}/w.csv"], ["before start"]),
    (["--start", START, "--stop", STOP, "--step", "1 fortnight-ish", "--out", "{d}/w.csv"], ["duration"]),
    (["--start", START, "--stop", STOP, "--out", "{d}/w.txt"], [".csv or .json"]),
    (["--start", START, "--stop", STOP, "--out", "{d}/nodir/w.csv"], ["does not exist"]),
    (["--start", START, "--stop", STOP, "--out", "{d}/w.csv", "--plot", "{d}/t.jpg"], [".png"]),
    (["--start", START, "--stop", STOP, "--out", "{d}/w.csv", "--profile", "{d}/none.json"], ["no such"]),
    (
        ["--start", START, "--stop", STOP, "--out", "{d}/w.csv", "--profile", "{d}/bad.json"],
        ["not valid JSON"],
    ),
    (["--start", START, "--stop", STOP, "--out", "{d}/w.csv", "--instrument", "hxi"], ["--instrument"]),
    (
        [
            "--start",
            START,
            "--stop",
            STOP,
            "--out",
            "{d}/w.csv",
            "--solar-wind",
            "n=5",
            "--omni",
            "{d}/o.txt",
        ],
        ["not both"],
    ),
    (["--start", START, "--stop", STOP, "--out", "{d}/w.csv", "--solar-wind", "n=-1"], ["n_cm3"]),
    (["--start", START, "--stop", STOP, "--out", "{d}/w.csv", "--oem", "{d}/none.oem"], []),
    (["--start", START, "--stop", START, "--out", "{d}/w.csv"], ["fewer than 2 epochs"]),
]


@pytest.mark.parametrize("argv, fragments", WINDOWS_ERRORS)
def test_windows_mistakes(tmp_path, capsys, argv, fragments):
    (tmp_path / "bad.json").write_text("{not json")
    rc, cap = _in_process(capsys, ["windows"] + [a.format(d=tmp_path) for a in argv])
    _assert_one_line_error(rc, cap, *fragments)
    assert not list(tmp_path.glob("w.*"))


def test_windows_error_in_a_real_process(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "smile_viewer",
            "windows",
            "--start",
            START,
            "--stop",
            STOP,
            "--out",
            str(tmp_path / "w.xlsx"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and ".csv or .json" in proc.stderr


def test_windows_csv_and_plot(tmp_path, capsys):
    rc, cap = _in_process(
        capsys,
        [
            "windows",
            "--start",
            START,
            "--stop",
            STOP,
            "--step",
            "5min",
            "--out",
            str(tmp_path / "w.csv"),
            "--plot",
            str(tmp_path / "t.png"),
        ],
    )
    assert rc == 0, cap.err
    assert "SXI:" in cap.out and "UVI:" in cap.out and "wrote" in cap.out
    text = (tmp_path / "w.csv").read_text().splitlines()
    assert text[0] == "# smile-viewer windows 1" and len(text) > 3
    assert (tmp_path / "t.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_windows_json_options(tmp_path, capsys):
    from smile_viewer.analysis.constraints import default_profile_path

    prof = json.loads(default_profile_path().read_text())
    prof["constraints"]["sxi_magnetopause"]["edge_margin_deg"]["value"] = 0.0
    prof["constraints"]["uvi_moon"]["enabled"] = False
    (tmp_path / "p.json").write_text(json.dumps(prof))
    rc, cap = _in_process(
        capsys,
        [
            "windows",
            "--start",
            START,
            "--stop",
            STOP,
            "--step",
            "10min",
            "--instrument",
            "sxi",
            "--solar-wind",
            "n=10,v=500,bz=-5",
            "--profile",
            str(tmp_path / "p.json"),
            "--out",
            str(tmp_path / "w.json"),
        ],
    )
    assert rc == 0, cap.err
    data = json.loads((tmp_path / "w.json").read_text())
    assert data["schema"] == "smile-viewer windows 1"
    assert data["meta"]["instruments"] == ["sxi"] and data["meta"]["step_s"] == 600.0
    assert data["meta"]["solar_wind"]["n_cm3"] == 10.0
    assert data["meta"]["profile"]["magnetopause_edge_margin_deg"] == 0.0
    assert "uvi_moon" not in data["meta"]["fraction_ok"]
    assert all(w["instrument"] == "sxi" for w in data["windows"])


BATCH_ERRORS = [
    (["--cadence", "5 parsecs"], ["cannot read duration"]),
    (["--model", "mhd"], ["unknown --model"]),
    (["--param", "rmp=10"], ["unknown parameter"]),
    (["--movie", "{d}/m.gif"], ["movie"]),
    (["--workers", "0"], ["--workers"]),
    (["--seed", "-3"], ["--seed"]),
    (["--fps", "0"], ["--fps"]),
    (["--pixels", "12"], ["--pixels"]),
    (["--windows", "{d}/none.json"], ["no such windows file"]),
    (["--solar-wind", "q=1"], ["unknown key"]),
]


@pytest.mark.parametrize("extra, fragments", BATCH_ERRORS)
def test_batch_mistakes(tmp_path, capsys, extra, fragments):
    argv = [
        "batch",
        "--start",
        START,
        "--stop",
        "2026-09-10T00:20",
        "--cadence",
        "10min",
        "--instrument",
        "sxi",
        "--out",
        str(tmp_path / "out"),
        "--no-progress",
    ] + [a.format(d=tmp_path) for a in extra]
    rc, cap = _in_process(capsys, argv)
    _assert_one_line_error(rc, cap, *fragments)
    assert not list(tmp_path.glob("out/*.fits"))


def test_batch_unknown_instrument_is_an_argparse_error(tmp_path, capsys):
    rc, cap = _in_process(
        capsys, ["batch", "--start", START, "--stop", STOP, "--instrument", "hxi", "--out", str(tmp_path)]
    )
    _assert_one_line_error(rc, cap, "--instrument")


def test_batch_with_windows_and_movie(tmp_path, capsys):
    rc, cap = _in_process(
        capsys,
        [
            "windows",
            "--start",
            "2026-09-11T00:00",
            "--stop",
            "2026-09-13T00:00",
            "--step",
            "10min",
            "--instrument",
            "sxi",
            "--out",
            str(tmp_path / "w.json"),
        ],
    )
    assert rc == 0, cap.err
    from smile_viewer.analysis.windows import read_windows

    first = read_windows(tmp_path / "w.json").for_instrument("sxi")[0]
    start = first.start.isot
    stop = (first.start + 25 * 60 * __import__("astropy.units").units.s).isot  # 3 epochs at 10 min if inside
    argv = [
        "batch",
        "--start",
        start,
        "--stop",
        stop,
        "--cadence",
        "10min",
        "--instrument",
        "sxi",
        "--windows",
        str(tmp_path / "w.json"),
        "--out",
        str(tmp_path / "out"),
        "--movie",
        str(tmp_path / "m.mp4"),
        "--threads",
        "--workers",
        "2",
        "--pixels",
        "12x8",
        "--backend",
        "numpy",
        "--step",
        "1",
        "--max-distance",
        "40",
        "--seed",
        "1",
        "--no-progress",
    ]
    rc, cap = _in_process(capsys, argv)
    assert rc == 0, cap.err
    n = len(list((tmp_path / "out").glob("*.fits")))
    assert 1 <= n <= 3 and f"{n} frames: {n} computed, 0 already done" in cap.out
    assert (tmp_path / "m.mp4").stat().st_size > 0
    rc, cap = _in_process(capsys, argv)  # again: nothing to do
    assert rc == 0 and f"0 computed, {n} already done" in cap.out
