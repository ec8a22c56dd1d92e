"""The reproducers of the bad-input issue, one by one: each ends in one line naming the file
(or the option) and the problem — exit status 2 on the command line — never a traceback, a hang,
a crash or garbage (docs/robustness.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzzlib
import seeds

from smile_viewer.errors import DataFileError


def _one_line_error(func, *args, match: str, exc=DataFileError):
    with pytest.raises(exc) as info:
        func(*args)
    text = str(info.value)
    assert "\n" not in text and match in text, text
    return text


# ------------------------------------------------------------------------- FITS cubes
@pytest.mark.parametrize(
    ("card", "value", "fragment"),
    [
        ("NAXIS3", "                    0", "NAXIS3"),
        ("NAXIS2", "                 -12", "NAXIS2"),
        ("BITPIX", "                  17", "BITPIX"),
    ],
)
def test_damaged_fits_cube_headers(tmp_path, card, value, fragment):
    from smile_viewer.io.cubes import cube_info, read_cube

    (good, _) = seeds.fits_cube(tmp_path)
    raw = bytearray(good.read_bytes())
    i = raw.index(card.ljust(8).encode() + b"= ")
    raw[i + 10 : i + 30] = value.encode().rjust(20)
    bad = tmp_path / "bad.fits"
    bad.write_bytes(bytes(raw))
    # cube_info reads headers only: an unknown BITPIX is shown as dtype "?", and refused on reading
    for func in (read_cube,) if card == "BITPIX" else (read_cube, cube_info):
        text = _one_line_error(func, bad, match="bad.fits: ")
        assert fragment in text or "damaged" in text or "not a readable FITS" in text, text


def test_unparsable_fits_card(tmp_path):
    from smile_viewer.io.cubes import read_cube

    (good, _) = seeds.fits_cube(tmp_path)
    raw = bytearray(good.read_bytes())
    i = raw.index(b"CDELT1  = ")
    raw[i + 10 : i + 30] = b"   1.0.0.0garbage   "
    (tmp_path / "card.fits").write_bytes(bytes(raw))
    _one_line_error(read_cube, tmp_path / "card.fits", match="card.fits: is a damaged FITS file (VerifyError")


# ------------------------------------------------------------------------- attitude files
@pytest.mark.parametrize(
    ("name", "content", "fragment"),
    [
        ("a.json", b"42", "this one holds int"),
        ("b.json", b"null", "this one holds null"),
        ("c.json", b"[" * 100_000 + b"]" * 100_000, "JSON nested too deeply"),
        ("d.csv", b"time,q0,q1,q2,q3\n\xff\xfe,1,0,0,0\n", "line 2: byte b'\\xff' is not UTF-8 text"),
        ("e.csv", b"time,q0,q1,q2,q3\n2026-05-21T00:00:00," + b"1" * 140_000 + b",0,0,0\n", "attitude CSV"),
        ("f.csv", b"time,q0,q1,q2,q3\n2026-05-21T00:00:00,nan,0,0,0\n", "not finite or has zero length"),
    ],
)
def test_attitude_files(tmp_path, name, content, fragment):
    from smile_viewer.mission.pointing import read_attitude

    p = tmp_path / name
    p.write_bytes(content)
    _one_line_error(read_attitude, p, match=fragment)


# ------------------------------------------------------------------------- sessions
@pytest.mark.parametrize(
    ("edit", "fragment"),
    [
        (lambda s: "[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
        (lambda s: s.replace('"format_version": 2', '"format_version": ' + "9" * 5000), "(5000 digits)"),
        (
            lambda s: s.replace('"format_version": 2', '"format_version": 10000000000000000000'),
            "the integer 10000000000000000000 is out of range",
        ),
        (lambda s: s.replace("5.0", "-Infinity", 1), "-Infinity is not a finite number"),
    ],
)
def test_hostile_sessions_in_the_library_and_render(tmp_path, edit, fragment):
    from smile_viewer.state.app import AppState

    (p,) = seeds.session(tmp_path)
    p.write_text(edit(p.read_text()))
    _one_line_error(AppState.load, p, match=fragment)
    outcome, detail = fuzzlib.run_case(
        "cli", ["render", "--session", str(p), "--out", str(tmp_path / "r.png")]
    )
    assert outcome == "clean" and fragment in detail, detail


# ------------------------------------------------------------------------- hostile paths
@pytest.mark.parametrize("flag", ["--tle", "--oem"])
@pytest.mark.parametrize("name", ["symlink_loop", "fifo", "dev_zero", "directory"])
def test_hostile_paths_on_the_command_line(tmp_path, flag, name):
    p = dict(fuzzlib.hostile_paths(tmp_path / "h"))[name]
    outcome, detail = fuzzlib._cli(
        [
            "orbit",
            "--start",
            "2026-05-21T00:00",
            "--stop",
            "2026-05-21T01:00",
            "--out",
            str(tmp_path / "o.csv"),
            flag,
            str(p),
        ]
    )
    assert outcome == "clean" and str(p) in detail, detail
    assert not (tmp_path / "o.csv").exists()


def test_windows_profile_refuses_a_session_and_an_attitude_file(tmp_path):
    for p in (*seeds.session(tmp_path), *seeds.attitude(tmp_path)):
        outcome, detail = fuzzlib._cli(
            [
                "windows",
                "--start",
                "2026-05-21T00:00",
                "--stop",
                "2026-05-21T01:00",
                "--out",
                str(tmp_path / "w.csv"),
                "--profile",
                str(p),
            ]
        )
        assert outcome == "clean" and p.name in detail, detail


# ------------------------------------------------------------------------- garbage
@pytest.mark.parametrize("fill", [np.nan, np.inf])
def test_all_nan_or_inf_observed_image(tmp_path, fill):
    from astropy.io import fits

    from smile_viewer.io.observed import load_observed

    p = seeds.observed_fits(tmp_path)[0]
    with fits.open(p) as hdul:
        hdul[0].data = np.full_like(hdul[0].data, fill)
        hdul.writeto(tmp_path / "bad.fits")
    _one_line_error(load_observed, tmp_path / "bad.fits", match="holds no finite value")


@pytest.mark.parametrize(
    ("extra", "fragment"),
    [
        (["--step", "1e22"], "step = 1e+22 R_E must be > 0 and at most the ray length"),
        (["--exposure", "1e308"], "exposure = 1e+308 s is longer than"),
        (["--position", "1e308,0,0"], "position 1e+308,0,0 R_E is not finite or farther than 10000 R_E"),
    ],
)
def test_synth_garbage_is_one_line(tmp_path, extra, fragment, capfd):
    out = tmp_path / "s.fits"
    outcome, detail = fuzzlib._cli(
        [
            "synth",
            "--instrument",
            "sxi",
            "--time",
            "2026-05-21T00:00",
            "--pixels",
            "8x6",
            "--out",
            str(out),
            *extra,
        ]
    )
    assert outcome == "clean" and fragment in detail, detail
    assert not out.exists()
    assert "RuntimeWarning" not in capfd.readouterr().err


def test_a_mutated_tle_character_gives_no_nan_positions(tmp_path):
    """Every one-character change of the TLE (checksum fixed up) either reads with finite
    positions or is refused in one line."""
    from smile_viewer.mission.tle import tle_checksum

    name, l1, l2 = seeds.tle(tmp_path)[0].read_text().splitlines()
    rng = np.random.default_rng(13)
    for k in range(60):
        line = [l1, l2][k % 2]
        i = int(rng.integers(2, 68))
        s = line[:i] + str(rng.choice(list("0123456789.-+ EX"))) + line[i + 1 : 68]
        s += str(tle_checksum(s))
        lines = (s, l2) if k % 2 == 0 else (l1, s)
        p = tmp_path / f"t{k}.tle"
        p.write_text(f"{name}\n{lines[0]}\n{lines[1]}\n")
        outcome, detail = fuzzlib.run_case("tle", str(p))
        assert outcome in ("accepted", "clean"), (s, outcome, detail)


def test_nan_in_an_oem_is_refused(tmp_path):
    from smile_viewer.mission.orbit import read_oem

    (p,) = seeds.oem(tmp_path)
    text = p.read_text().splitlines()
    i = next(k for k, ln in enumerate(text) if ln[:4].isdigit())
    f = text[i].split()
    text[i] = " ".join([*f[:4], "NaN", *f[5:]])
    p.write_text("\n".join(text) + "\n")
    _one_line_error(read_oem, p, match=f"line {i + 1}: X_DOT = 'NaN' is not a finite state value")


def test_a_netcdf3_header_promising_more_data_than_the_file_holds(tmp_path):
    """One field (the record count) changed: the file would make the reader allocate 800 MiB
    of fill values; it is refused from its header."""
    import struct

    import xarray as xr

    x, y, z = seeds._axes()
    ds = xr.Dataset(
        {"eta": (("z", "y", "x"), np.ones((z.size, y.size, x.size), np.float32))},
        coords={"x": x, "y": y, "z": z},
    )
    ds.to_netcdf(tmp_path / "rec.nc", engine="scipy", format="NETCDF3_CLASSIC", unlimited_dims=["z"])
    from smile_viewer.io.cubes import read_cube

    assert read_cube(tmp_path / "rec.nc").values.shape == (5, 6, 7)
    b = bytearray((tmp_path / "rec.nc").read_bytes())
    assert struct.unpack(">i", b[4:8]) == (5,)  # numrecs, right after the CDF\x01 magic
    b[4:8] = struct.pack(">i", 5_000_000)
    (tmp_path / "big.nc").write_bytes(bytes(b))
    _one_line_error(
        read_cube,
        tmp_path / "big.nc",
        match="big.nc: is truncated or corrupt: its header describes 801.1 MiB of data but the file holds",
    )


@pytest.mark.slow
def test_command_line_on_a_hanging_cdf_and_a_crashing_vti(tmp_path):
    """`windows --omni` on an OMNI CDF that loops cdflib forever, and `synth --model cube:` on a
    .vti that crashes VTK (SIGSEGV): each ends with exit status 2 and one line on stderr (fd
    level: nothing from the parsers themselves), and no output file."""
    import os
    import subprocess

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gui"))
    from test_bad_input_gui import crashing_vti, hanging_cdf

    env = {**os.environ, "SMILE_VIEWER_PARSE_TIMEOUT_S": "3"}
    exe = [sys.executable, "-m", "smile_viewer"]
    hang = hanging_cdf(tmp_path)
    out = tmp_path / "w.csv"
    r = subprocess.run(
        [
            *exe,
            "windows",
            "--start",
            "2026-05-21T00:00",
            "--stop",
            "2026-05-21T01:00",
            "--out",
            str(out),
            "--omni",
            str(hang),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "hang.cdf: the CDF parser did not finish within 3 s" in r.stderr and not out.exists()
    crash = crashing_vti(tmp_path)
    out = tmp_path / "s.fits"
    r = subprocess.run(
        [
            *exe,
            "synth",
            "--instrument",
            "sxi",
            "--time",
            "2026-05-21T00:00",
            "--pixels",
            "8x6",
            "--out",
            str(out),
            "--model",
            f"cube:{crash}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
        check=False,
    )
    assert r.returncode == 2 and r.stderr.count("\n") == 1, r.stderr
    assert "crash.vti: the VTK parser crashed (SIGSEGV)" in r.stderr and not out.exists()


# ------------------------------------------------------------------------- native cubes (issue 14)
@pytest.mark.parametrize(
    ("text", "fragment"),
    [("[" * 100_000 + "]" * 100_000, "nest"), ('{"time": NaN}', "NaN"), (b"\xff\xfe{", "")],
)
def test_openggcm_metadata_json_damaged(tmp_path, text, fragment):
    """Found by the fuzz campaign (openggcm_meta): 100,000-deep nesting in the JSON beside an
    OpenGGCM CDF gave "OpenGGCM_sim.cdf: cannot be read … (RecursionError …)", naming the CDF;
    now the JSON is parsed with the checked parser and the error names it."""
    from smile_viewer.io.cubes import read_cube

    cdf = seeds.openggcm_meta(tmp_path)[0].with_suffix(".cdf")
    meta = cdf.with_suffix(".json")
    if isinstance(text, bytes):
        meta.write_bytes(text)
    else:
        meta.write_text(text)
    msg = _one_line_error(read_cube, cdf, match=str(meta))
    assert fragment.lower() in msg.lower() and "RecursionError" not in msg, msg
