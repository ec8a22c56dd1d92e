"""The bad-input contract (docs/robustness.md): every reader and the command line either succeed
or raise one DataFileError/UserInputError line naming the file — no other exception, no hang, no
crash, no memory blow-up, no garbage accepted.

A short seeded campaign runs in the normal suite; ``SMILE_VIEWER_FUZZ_CASES=3000`` (or
``make fuzz``) runs a long one. The units below pin the pieces the campaign relies on.
"""

from __future__ import annotations

import json
import os
import random
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzzlib
import seeds

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io import checked_file as cf
from smile_viewer.io import guarded


# ------------------------------------------------------------------------- checked files
@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    return dict(fuzzlib.hostile_paths(tmp_path_factory.mktemp("hostile")))


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        ("fifo", "is a named pipe (FIFO), not a regular file: refused"),
        ("dev_zero", "is a device, not a regular file: refused"),
        ("symlink_loop", "is a symbolic-link loop"),
        ("sparse_20GiB", "is 20.0 GiB, more than the 16.0 GiB limit for an emissivity/MHD cube"),
        ("directory", "is a directory, not an emissivity/MHD cube"),
        ("dangling_link", "no such file"),
    ],
)
def test_hostile_paths_are_refused_from_stat_alone(hostile, name, fragment):
    path = hostile[name]
    with pytest.raises(DataFileError) as info:
        cf.checked_path(path, "cube")
    assert str(info.value) == f"{path}: {info.value.problem}" and fragment in info.value.problem
    assert "\n" not in str(info.value)


def test_size_limits_follow_the_table(tmp_path, monkeypatch):
    p = tmp_path / "a.tle"
    p.write_bytes(b"x" * 1536)
    monkeypatch.setitem(cf.SIZE_LIMITS, "tle", (1000, "TLE file"))
    with pytest.raises(
        DataFileError, match=r"a\.tle: is 1\.5 KiB, more than the 1000 bytes limit for a TLE file"
    ):
        cf.read_bytes(p, "tle")
    monkeypatch.setitem(cf.SIZE_LIMITS, "tle", (1536, "TLE file"))
    assert cf.read_bytes(p, "tle") == b"x" * 1536
    with pytest.raises(ValueError, match="unknown file kind"):
        cf.checked_path(p, "nonsense")


def test_permission_denied_is_one_line(tmp_path):
    p = tmp_path / "secret.json"
    p.write_text("{}")
    p.chmod(0)
    try:
        if os.access(p, os.R_OK):  # root reads anything: nothing to check here
            assert cf.read_json(p, "config") == {}
        else:
            with pytest.raises(DataFileError, match=r"secret\.json: cannot read the file: permission denied"):
                cf.read_json(p, "config")
    finally:
        p.chmod(0o600)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('{"a": NaN}', "line 1: NaN is not a finite number"),
        ('{"a":\n -Infinity}', "line 2: -Infinity is not a finite number"),
        ('{"a": 10000000000000000000}', "the integer 10000000000000000000 is out of range (at most ±2**53)"),
        ('{"a": ' + "9" * 5000 + "}", "(5000 digits) is out of range"),
        ('{"a": 1e999}', "the number 1e999 overflows a double"),
        ("[" * 100_000 + "]" * 100_000, "JSON nested too deeply"),
        ("[" * 70 + "]" * 70, "JSON nested too deeply (more than 64 levels)"),
        ('{"a": 1', "not valid JSON (line 1, column 8"),
        ("", "is empty"),
    ],
)
def test_json_limits(text, fragment):
    with pytest.raises(DataFileError) as info:
        cf.parse_json(text, "f.json", "session")
    assert fragment in str(info.value) and str(info.value).startswith("f.json: ")
    assert "\n" not in str(info.value)


def test_json_within_limits_is_read_exactly():
    data = cf.parse_json('{"a": [1, 2.5, -3e-7, 9007199254740992], "b": {"c": null}}', "f.json")
    assert data == {"a": [1, 2.5, -3e-7, 2**53], "b": {"c": None}}


@pytest.mark.parametrize(("content", "kind"), [(b"42", "number"), (b"null", "null"), (b"[1]", "array")])
def test_json_file_of_the_wrong_shape(tmp_path, content, kind):
    p = tmp_path / "c.json"
    p.write_bytes(content)
    with pytest.raises(DataFileError, match=rf"c\.json: holds a JSON {kind}, not a JSON object"):
        cf.read_json(p, "config")


def test_undecodable_text_names_the_line(tmp_path):
    p = tmp_path / "t.csv"
    p.write_bytes(b"time,q0\n2026,1\n\xff\xfe\n")
    with pytest.raises(DataFileError, match=r"t\.csv: line 3: byte b'\\xff' is not UTF-8 text"):
        cf.read_text(p, "attitude")


def test_finite_number_names_field_and_value():
    assert cf.finite_number("2.5", "f", "x", lo=0, hi=3) == 2.5
    with pytest.raises(DataFileError, match=r"f: x = 'nan' is not a finite number"):
        cf.finite_number("nan", "f", "x")
    with pytest.raises(DataFileError, match=r"f: x = 5 is out of range \[0, 3\]"):
        cf.finite_number(5, "f", "x", lo=0, hi=3)


# ------------------------------------------------------------------------- guarded parsing
def test_guarded_child_turns_a_crash_a_hang_and_a_blow_up_into_one_line(tmp_path):
    p = tmp_path / "x.vtk"
    p.write_bytes(b"# vtk DataFile")
    with pytest.raises(DataFileError, match=r"x\.vtk: the VTK parser crashed \(SIGSEGV\) on this file"):
        guarded.run_guarded(_crash, path=p, what="VTK")
    with pytest.raises(DataFileError, match=r"x\.vtk: the CDF parser did not finish within 1 s: stopped"):
        guarded.run_guarded(_hang, path=p, what="CDF", timeout_s=1)
    with pytest.raises(
        DataFileError, match=r"x\.vtk: the netCDF parser ran out of its memory budget \(0\.5 GiB\)"
    ):
        guarded.run_guarded(_allocate, (2**31,), path=p, what="netCDF", memory_bytes=2**29)
    # results, DataFileErrors and warnings come back as they were
    assert np.array_equal(guarded.run_guarded(np.arange, (4,), path=p, what="x"), np.arange(4))
    with pytest.raises(DataFileError, match=r"^elsewhere\.nc: damaged$"):
        guarded.run_guarded(_data_error, path=p, what="x")
    with pytest.warns(UserWarning, match="careful"):
        assert guarded.run_guarded(_warns, path=p, what="x") == 7


def test_a_readers_estimate_raises_the_childs_memory_budget(tmp_path):
    """A child limited to 0.5 GiB cannot reserve 3 GiB, unless a reader's checked estimate
    (io.cubes._common.check_memory → guarded.allow_memory) says the data need it."""
    p = tmp_path / "x.nc"
    p.write_bytes(b"CDF\x01")
    with pytest.raises(DataFileError, match="ran out of its memory budget"):
        guarded.run_guarded(_reserve, (3 * 2**30, False), path=p, what="netCDF", memory_bytes=2**29)
    assert (
        guarded.run_guarded(_reserve, (3 * 2**30, True), path=p, what="netCDF", memory_bytes=2**29)
        == 3 * 2**30
    )
    import resource

    before = resource.getrlimit(resource.RLIMIT_AS)
    guarded.allow_memory(2**40)  # outside a child: nothing happens
    assert resource.getrlimit(resource.RLIMIT_AS) == before


def _reserve(n, allow):
    if allow:
        guarded.allow_memory(n)
    return np.empty(n, np.uint8).nbytes  # address space only: no page is touched


def _crash():
    import ctypes

    ctypes.string_at(0)


def _hang():
    import time

    time.sleep(60)


def _allocate(n):
    return np.ones(n, np.uint8).sum()


def _data_error():
    raise DataFileError("elsewhere.nc", "damaged")


def _warns():
    import warnings

    warnings.warn("careful", UserWarning, stacklevel=1)
    return 7


def test_vti_with_a_string_array_is_refused_before_vtk_parses(tmp_path):
    from smile_viewer.io.cubes import read_cube

    (p,) = [q for q in seeds.vti(tmp_path) if "ascii" in q.name]
    bad = tmp_path / "string.vti"
    bad.write_text(p.read_text().replace('type="Float32"', 'type="String"'))
    with pytest.raises(DataFileError, match=r"string\.vti: DataArray 'eta' has type 'String'"):
        read_cube(bad)


# ------------------------------------------------------------------------- garbage refused
def test_nan_in_an_oem_and_a_damaged_tle_are_refused(tmp_path):
    from smile_viewer.mission.orbit import orbit_from_tle, read_oem

    (oem,) = seeds.oem(tmp_path)
    lines = oem.read_text().splitlines()
    i = next(k for k, ln in enumerate(lines) if ln[:4].isdigit())
    fields = lines[i].split()
    lines[i] = " ".join([fields[0], "NaN", *fields[2:]])
    oem.write_text("\n".join(lines) + "\n")
    with pytest.raises(
        DataFileError, match=rf"smile\.oem: line {i + 1}: X = 'NaN' is not a finite state value"
    ):
        read_oem(oem)
    tle = seeds.tle(tmp_path)[0]
    name, l1, l2 = tle.read_text().splitlines()
    from smile_viewer.mission.tle import tle_checksum

    l2 = l2[:26] + "9999999" + l2[33:68]  # eccentricity 0.9999999: SGP4 cannot propagate
    l2 += str(tle_checksum(l2))
    tle.write_text(f"{name}\n{l1}\n{l2}\n")
    with pytest.raises(DataFileError, match=r"smile\.tle: SGP4 cannot propagate this TLE at its epoch"):
        orbit_from_tle(tle)


def test_an_all_nan_observed_image_is_refused(tmp_path):
    from astropy.io import fits

    from smile_viewer.io.observed import load_observed

    p = seeds.observed_fits(tmp_path)[1]
    with fits.open(p) as hdul:
        hdul[0].data[:] = np.nan
        hdul.writeto(tmp_path / "nan.fits")
    with pytest.raises(
        DataFileError, match=r"nan\.fits: the image \(9×8\) holds no finite value \(72 NaN, 0 infinite\)"
    ):
        load_observed(tmp_path / "nan.fits")


# ------------------------------------------------------------------------- the campaign
def test_every_seed_is_accepted(tmp_path):
    """The seeds are valid files: a fuzz case that fails is the mutation's doing."""
    cases = fuzzlib.build_cases(tmp_path, 0, 1, kinds=list(seeds.KINDS))
    out = {target: fuzzlib.run_case(loader, target) for _, loader, target in cases}
    assert all(o == ("accepted", "") for o in out.values()), out


def test_mutator_is_seeded_and_changes_the_bytes():
    data = b'{"a": [1, 2.5, "x"], "b": 3}\n' * 4
    a = [fuzzlib.mutate(data, random.Random(5), True) for _ in range(3)]
    b = [fuzzlib.mutate(data, random.Random(5), True) for _ in range(3)]
    assert a == b
    assert sum(m != data for m in (fuzzlib.mutate(data, random.Random(s), True) for s in range(50))) >= 45


def test_runner_reports_hangs_and_crashes(tmp_path):
    """The harness itself: a hang and a crash in a worker are counted (and the worker replaced)."""
    w = fuzzlib.Worker(cwd=tmp_path)
    try:
        assert w.run("selftest", "crash", 120) == ("crash", "SIGSEGV")
        assert w.run("selftest", "hang", 2) == ("hang", "no answer within 2 s")
        assert w.run("cli", ["--version"], 120) == ("accepted", "")
        outcome, detail = w.run("cli", ["orbit", "--start", "x", "--stop", "y", "--out", "z.csv"], 120)
        assert outcome == "clean" and detail.startswith("smile-viewer: error:"), detail
    finally:
        w.close()


SHORT_CASES = int(os.environ.get("SMILE_VIEWER_FUZZ_CASES", "0")) or 6


@pytest.mark.slow
def test_short_campaign_keeps_the_contract(tmp_path):
    """A seeded campaign over every kind, the hostile paths and the command line: no failure.
    Its table goes to the test output (``-s``); ``SMILE_VIEWER_FUZZ_CASES`` makes it longer."""
    per_kind = SHORT_CASES
    cases = fuzzlib.build_cases(tmp_path, per_kind, 20260521)
    cases += fuzzlib.cli_cases(tmp_path, max(8, per_kind * 2), 20260521)
    (tmp_path / "cwd").mkdir()
    table, failures = fuzzlib.run_campaign(cases, timeout=60, workers=2, cwd=tmp_path / "cwd")
    print("\n" + fuzzlib.format_table(table))
    assert sum(c["cases"] for c in table.values()) == len(cases)
    assert not failures, json.dumps(failures[:10], indent=1, default=str)
    for kind in seeds.KINDS:
        assert table[kind]["accepted"] >= 1, kind  # its seeds at least
    assert table["hostile"]["clean"] == table["hostile"]["cases"]


# ------------------------------------------------------------------------- CLI parsers
HOSTILE_VALUES = [
    "",
    " ",
    "-",
    "--",
    "nan",
    "-inf",
    "1e308",
    "1e999",
    "-0",
    "1e-320",
    "10000000000000000000",
    "9" * 5000,
    "1,2",
    "1,2,3,4",
    "1,,3",
    "x" * 10_000,
    "é",
    "\x00",
    "0x10",
    "1_000",
    "٣",
    "NaN,0,0",
    "1e308,1e308,1e308",
    "8x",
    "x8",
    "100000x100000",
    "-5x5",
    "n=",
    "=5",
    "n=5,n=6",
    "bz=nan",
    "v=-400",
    "kp=1e400",
    "2026-13-45",
    "99999-01-01T00:00",
    "1h",
    "-1min",
    "0s",
]


def test_cli_parsers_give_a_value_or_one_line():
    """Every sub-command's parser, fed mutated command lines (its own options with hostile
    values): parsed, or exit status 2 with one line on stderr; nothing else escapes."""
    import argparse
    import contextlib
    import io

    from smile_viewer.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    rng = random.Random(13)
    parsed = refused = 0
    for name, p in sub.choices.items():
        opts = [s for a in p._actions for s in a.option_strings if s not in ("-h", "--help")] or ["--nothing"]
        for _ in range(40):
            argv = [name]
            for _ in range(rng.randint(0, 6)):
                argv += [rng.choice(opts)] + ([rng.choice(HOSTILE_VALUES)] if rng.random() < 0.8 else [])
            err = io.StringIO()
            with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                try:
                    parser.parse_args(argv)
                    parsed += 1
                except SystemExit as exc:
                    assert exc.code == 2, (argv, exc.code)
                    lines = err.getvalue().strip().splitlines()
                    assert len(lines) == 1 and lines[0].startswith("smile-viewer"), (argv, lines)
                    refused += 1
    assert parsed > 0 and refused > 0


@pytest.mark.parametrize(
    "func",
    [
        "parse_number",
        "parse_positive",
        "parse_int",
        "parse_int_in_range",
        "parse_triple",
        "parse_pixels",
        "parse_params",
        "parse_solar_wind",
        "size_type",
        "frame_type",
    ],
)
def test_option_value_parsers_give_a_value_or_one_line(func):
    import argparse

    from smile_viewer.cli import common

    f = getattr(common, func)
    call = {
        "parse_number": lambda v: f(v, "--x"),
        "parse_positive": lambda v: f(v, "--x"),
        "parse_int": lambda v: f(v, "--x", 0),
        "parse_int_in_range": lambda v: f(v, "--x", 0, 10),
        "parse_triple": lambda v: f(v, "--x"),
        "parse_pixels": f,
        "parse_params": lambda v: f([v]),
        "parse_solar_wind": f,
        "size_type": f,
        "frame_type": f,
    }[func]
    for v in HOSTILE_VALUES:
        try:
            out = call(v)
        except (UserInputError, argparse.ArgumentTypeError) as exc:
            assert "\n" not in str(exc) and str(exc), (v, exc)
            continue
        values = np.atleast_1d(
            np.asarray(out if not isinstance(out, dict) else list(out.values()), dtype=object)
        )
        for x in values.ravel():
            if isinstance(x, float):
                assert np.isfinite(x), (func, v, out)
