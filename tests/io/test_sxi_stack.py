"""Stacking per-minute SXI level-3 files into the team's combined product, and ``smile-viewer stack``.

Inputs are written with astropy in the SXI team's per-minute layout (l3_team_files.py); the
numbers are checked against hand computations and against the team's rebinning
(swharton1/SXI_L3 rebin_file_spatially.py + rebin_files.py), re-implemented here from its
description: per minute, block sums of counts/backgrounds and block means of VIGMAP; then sums
over the minutes, the first minute's VIGMAP, CXFOV = (CTS − BKG)/VIG, ERRFOV = sqrt(CTS).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from astropy.io import fits
from l3_team_files import PARTS, random_minute, team_name, write_minute

from smile_viewer.analysis.stacking import (
    combined_to_observed,
    interval_at,
    plan_intervals,
    quality_flag_l3,
    rebin_mean,
    rebin_sum,
    stack_minutes,
    stack_series,
    write_stacks,
)
from smile_viewer.cli import main
from smile_viewer.errors import UserInputError
from smile_viewer.io.observed import load_observed
from smile_viewer.io.sxi_l3 import scan_l3

T0 = dt.datetime(2026, 3, 17, 2, 40)
SHAPE = (6, 4)  # (NAXIS2, NAXIS1): 4 pixels along the short axis 1
GRID = {"fov": (1.0, 1.5), "pixel": (0.25, 0.25)}
BKG_PARTS = {"XBMAP": 0.1, "PSMAP": 0.2, "PBMAP": 0.05, "CLMAP": 0.0, "SPMAP": 0.15}  # 0.5 per pixel


def hand_minutes(folder):
    """Two minutes with numbers simple enough to stack by hand:
    A (60 s): counts r*4 + c (0..23), VIGMAP 0.8 but 0.5 at (0, 0);
    B (30 s): counts 1 everywhere, VIGMAP 0.6; both: background parts BKG_PARTS per pixel."""
    parts = {k: np.full(SHAPE, v) for k, v in BKG_PARTS.items()}
    vig_a = np.full(SHAPE, 0.8)
    vig_a[0, 0] = 0.5
    write_minute(folder, T0, np.arange(24, dtype=np.int32).reshape(SHAPE), parts, vig_a, **GRID)
    write_minute(
        folder,
        T0 + dt.timedelta(minutes=1),
        np.ones(SHAPE, dtype=np.int32),
        parts,
        np.full(SHAPE, 0.6),
        expos=30.0,
        **GRID,
    )


def test_rebin_blocks_along_the_right_axes():
    a = np.arange(24.0).reshape(SHAPE)
    s = rebin_sum(a, (2, 3))  # 2 pixels along axis 1 (columns), 3 along axis 2 (rows)
    assert s.shape == (2, 2)
    assert s[0, 0] == 0 + 1 + 4 + 5 + 8 + 9
    assert s[1, 1] == 14 + 15 + 18 + 19 + 22 + 23
    assert rebin_mean(a, (2, 3))[0, 1] == (2 + 3 + 6 + 7 + 10 + 11) / 6
    with pytest.raises(UserInputError, match="does not divide the 4x6 pixel field"):
        rebin_sum(a, (3, 1))


def test_stack_by_hand(tmp_path):
    hand_minutes(tmp_path)
    series = scan_l3(tmp_path)
    res = stack_minutes(series.minutes, binning=(2, 3))
    assert res.problems == ()
    p = res.product
    assert p.shape == (2, 2)
    m = p.maps
    # counts: block (rows 0-2, cols 0-1) of A = 0+1+4+5+8+9 = 27, of B = 6
    assert m["CTSMAP"][0, 0] == 33
    assert m["CTSMAP"][1, 1] == (14 + 15 + 18 + 19 + 22 + 23) + 6
    # background: 0.5 per pixel per minute, 6 pixels, 2 minutes (the team adds per minute, whatever EXPOS)
    np.testing.assert_allclose(m["BKGMAP"], 6.0, rtol=1e-14)
    np.testing.assert_allclose(m["XBMAP"], 1.2, rtol=1e-14)
    np.testing.assert_allclose(m["SPMAP"], 1.8, rtol=1e-14)
    np.testing.assert_array_equal(m["CLMAP"], 0.0)
    # vignetting, exposure-weighted: block (0,0) A mean (0.5 + 5*0.8)/6 = 0.75, B 0.6 → (60*0.75 + 30*0.6)/90
    assert m["VIGMAP"][0, 0] == pytest.approx(0.7, rel=1e-14)
    assert m["VIGMAP"][1, 1] == pytest.approx((60 * 0.8 + 30 * 0.6) / 90, rel=1e-14)
    assert m["CXFOV"][0, 0] == pytest.approx((33 - 6.0) / 0.7, rel=1e-13)
    assert m["CXFOV"][1, 1] == pytest.approx((117 - 6.0) * 90 / 66, rel=1e-13)
    assert m["ERRFOV"][0, 0] == pytest.approx(math.sqrt(33), rel=1e-15)
    assert p.exposure_s == 90.0
    assert p.date_obs == "2026-03-17T02:40:00.000000"
    assert p.date_end == "2026-03-17T02:41:30.000000"  # B's DATE-END (30 s exposure)
    assert p.cdelt_deg == (0.5, 0.75) and p.crval_deg == (-0.5, -0.75) and p.binning == (2, 3)
    assert "VIGMAP differs between the minutes" in p.notes[0]
    # the team's choice: the first minute's VIGMAP
    first = stack_minutes(series.minutes, binning=(2, 3), vignetting="first").product
    assert first.maps["VIGMAP"][0, 0] == pytest.approx(0.75, rel=1e-14)
    assert first.maps["CXFOV"][0, 0] == pytest.approx(27 / 0.75, rel=1e-13)


def team_rebin(minutes_data, by, bx):
    """The team's rebinning (rebin_file_spatially + rebin_files), from its description."""

    def block_sum(a):
        ny, nx = a.shape
        return a.reshape(ny // by, by, nx // bx, bx).sum(-1).sum(1)

    def block_mean(a):
        ny, nx = a.shape
        return a.reshape(ny // by, by, nx // bx, bx).mean(-1).mean(1)

    per_minute = [
        {**{k: block_sum(d[k]) for k in ("CTSMAP", "BKGMAP", *PARTS)}, "VIGMAP": block_mean(d["VIGMAP"])}
        for d in minutes_data
    ]
    final = {k: np.zeros(per_minute[0][k].shape) for k in ("CTSMAP", "BKGMAP", *PARTS)}
    for d in per_minute:
        for k in final:
            final[k] += d[k]
    final["VIGMAP"] = per_minute[0]["VIGMAP"]
    final["CXFOV"] = (final["CTSMAP"] - final["BKGMAP"]) / final["VIGMAP"]
    final["ERRFOV"] = np.sqrt(final["CTSMAP"])
    return final


def test_same_numbers_as_the_team_rebinning(tmp_path):
    rng = np.random.default_rng(7)
    shape = (12, 8)
    data = []
    for i in range(5):
        cts, parts, vig = random_minute(rng, shape)
        write_minute(tmp_path, T0 + dt.timedelta(minutes=i), cts, parts, vig, fov=(2.0, 3.0))
        data.append(
            {"CTSMAP": cts.astype(float), "BKGMAP": sum(parts[k] for k in PARTS), **parts, "VIGMAP": vig}
        )
    ref = team_rebin(data, by=3, bx=2)
    res = stack_minutes(scan_l3(tmp_path).minutes, binning=(2, 3), vignetting="first")
    for k, v in ref.items():
        np.testing.assert_allclose(res.product.maps[k], v, rtol=1e-12, atol=0, err_msg=k)
    # the same vignetting in every minute: exposure-weighted = the team's first-minute map
    same = tmp_path / "same"
    same.mkdir()
    for i in range(3):
        cts, parts, vig = random_minute(rng, shape)
        write_minute(same, T0 + dt.timedelta(minutes=i), cts, parts, data[0]["VIGMAP"], fov=(2.0, 3.0))
    ew = stack_minutes(scan_l3(same).minutes, binning=(2, 3)).product
    fm = stack_minutes(scan_l3(same).minutes, binning=(2, 3), vignetting="first").product
    np.testing.assert_allclose(ew.maps["VIGMAP"], fm.maps["VIGMAP"], rtol=1e-14)
    assert ew.notes == ()


def test_quality_flag_by_hand():
    # λ = |atan((AIM_X − POS_X)/ρ)|: ρ = 10, AIM_X − POS_X = 10·tan(30°) → 30° → 1 point
    pos = (0.0, 6.0, 8.0)
    aim = (10 * math.tan(math.radians(30)), 0.0, 0.0)
    # rate ΣCXFOV/EXPOS = 100 /s → 1 point; a NaN pixel is skipped
    cx = np.array([[30000.0, np.nan], [0.0, 0.0]])
    assert quality_flag_l3(aim, pos, 300.0, cx) == 2
    assert quality_flag_l3((1.0, 0, 0), pos, 100.0, cx) == 0 + 0  # λ ≈ 5.7°, 300 /s
    assert quality_flag_l3((20.0, 0, 0), pos, 1000.0, cx) == 2 + 2  # λ ≈ 63°, 30 /s


def test_missing_minutes_mismatched_pointing_and_other_products(tmp_path):
    rng = np.random.default_rng(9)
    written = {}
    for i in (0, 1, 3, 4):  # 02:42 missing
        cts, parts, vig = random_minute(rng, SHAPE)
        aim = (9.5, 0.0, 0.0) if i == 4 else (7.87, 0.0, 0.0)  # 02:44 points elsewhere
        written[i] = (
            write_minute(tmp_path, T0 + dt.timedelta(minutes=i), cts, parts, vig, aim=aim, **GRID),
            cts,
        )
    # a stacked product among the inputs (written with astropy in the team's combined layout)
    h = fits.Header({"POS_X": 6.0, "POS_Y": -6.0, "POS_Z": 18.0, "AIM_X": 7.87, "AIM_Y": 0.0, "AIM_Z": 0.0})
    cxf = tmp_path / "SMILE_SXI_L3_SCIM60x60-SCI-CXF_20260317T0240-20260317T0245_V01.fits"
    fits.HDUList(
        [
            fits.PrimaryHDU(np.zeros(SHAPE), header=h),
            fits.ImageHDU(np.zeros(SHAPE), name="CTSMAP"),
            fits.ImageHDU(np.zeros(SHAPE), name="CXFOV"),
        ]
    ).writeto(cxf)
    series = scan_l3(tmp_path)
    assert any(str(cxf) in str(p) and "stacked SCI-CXF product" in str(p) for p in series.problems)
    [iv] = plan_intervals(series, 5)
    assert iv.start == T0 and iv.missing == (T0 + dt.timedelta(minutes=2),)
    [res] = list(stack_series(series, minutes=5))
    assert [m.start.minute for m in res.used] == [40, 41, 43]
    msgs = [str(p) for p in res.problems]
    assert len(msgs) == 3 and all("pointing differs" in m and "left out of the stack" in m for m in msgs)
    assert {m.split(": ")[0] for m in msgs} == {str(p) for p in written[4][0].values()}
    np.testing.assert_array_equal(res.product.maps["CTSMAP"], written[0][1] + written[1][1] + written[3][1])
    assert res.product.exposure_s == 180.0
    # complete intervals only: nothing stacked, one line saying why
    [strict] = list(stack_series(series, minutes=5, require_complete=True))
    assert strict.product is None and "1 of 5 minutes missing" in str(strict.problems[0])
    # a wider tolerance accepts 02:44 (its look direction is ~4.6° off)
    [loose] = list(stack_series(series, minutes=5, pointing_tolerance_deg=10.0))
    assert len(loose.used) == 4 and loose.problems == ()


def test_a_file_that_breaks_after_scanning_is_reported_and_the_rest_stacked(tmp_path):
    rng = np.random.default_rng(11)
    cts_sum = 0
    for i in range(3):
        cts, parts, vig = random_minute(rng, SHAPE)
        paths = write_minute(tmp_path, T0 + dt.timedelta(minutes=i), cts, parts, vig, **GRID)
        if i != 1:
            cts_sum = cts_sum + cts
        else:
            broken = paths["VCY"]
    series = scan_l3(tmp_path)
    broken.write_bytes(broken.read_bytes()[:2900])  # cut after the headers were read
    res = stack_minutes(series.minutes)
    assert len(res.used) == 2
    [problem] = res.problems
    assert str(problem).startswith(str(broken)) and "truncated" in str(problem) and "\n" not in str(problem)
    np.testing.assert_array_equal(res.product.maps["CTSMAP"], cts_sum)


def test_written_stack_opens_with_the_observed_image_reader(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    hand_minutes(src)
    run = write_stacks(src, out, minutes=5, binning=(2, 3))
    [path] = run.written
    assert path.name == "SMILE_SXI_L3_SCIM30x45-SCI-CXF_20260317T0240-20260317T0245_V01.fits"
    obs = load_observed(path)
    assert obs.format == "sxi-l3" and obs.shape == (2, 2) and obs.exposure_s == 90.0
    assert obs.map("CTSMAP")[0, 0] == 33
    np.testing.assert_allclose(obs.image, obs.map("CXFOV"))
    assert obs.image[0, 0] == pytest.approx((33 - 6.0) / 0.7, rel=1e-13)
    np.testing.assert_allclose(obs.background, 6.0, rtol=1e-14)
    # pixel centres of the binned grid: CRVAL + (k + 0.5)·CDELT
    np.testing.assert_allclose(obs.pixel_angles["phi_deg"], [-0.25, 0.25])
    np.testing.assert_allclose(obs.pixel_angles["theta_deg"], [-0.375, 0.375])
    with fits.open(path) as hl:
        hl.verify("exception")  # a valid FITS file by astropy's checks
        assert [h.name for h in hl] == [
            "PRIMARY",
            "CTSMAP",
            "BKGMAP",
            "XBMAP",
            "PSMAP",
            "PBMAP",
            "CLMAP",
            "SPMAP",
            "VIGMAP",
            "CXFOV",
            "ERRFOV",
        ]
        h = hl[0].header
        assert h["NMINUTES"] == 2 and h["QF"] in range(5) and h["EMIN"] == 0.2 and h["RA"] == 123.4
        assert hl["VIGMAP"].header["DATE-OBS"] == h["DATE-OBS"]  # every extension carries the keys
        # what the team's read_rebinned_file.py reads (swharton1/SXI_L3): these keys, these extensions
        for key in (
            "POS_X",
            "POS_Y",
            "POS_Z",
            "AIM_X",
            "AIM_Y",
            "AIM_Z",
            "EMIN",
            "EMAX",
            "RA",
            "DEC",
            "NAXIS1",
            "NAXIS2",
            "CDELT1",
            "CDELT2",
            "CRVAL1",
            "CRVAL2",
            "CTYPE1",
            "CTYPE2",
            "EXPOS",
        ):
            assert key in h, key
        for key in ("DATE-OBS", "DATE-END"):
            dt.datetime.strptime(h[key], "%Y-%m-%dT%H:%M:%S.%f")
        assert (h["NAXIS1"], h["NAXIS2"], h["CDELT1"], h["CDELT2"]) == (2, 2, 0.5, 0.75)
        assert [c for c in h["COMMENT"] if c.startswith("Derived from")] == [
            "Derived from L3_20260317T0240-20260317T0241",
            "Derived from L3_20260317T0241-20260317T0242",
        ]


def test_cli_stack_end_to_end_and_resume(tmp_path, capsys):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    rng = np.random.default_rng(5)
    for i in range(7):
        if i == 6:
            continue
        cts, parts, vig = random_minute(rng, SHAPE)
        write_minute(src, T0 + dt.timedelta(minutes=i), cts, parts, vig, **GRID)
    (src / team_name("VCY", T0 + dt.timedelta(minutes=9))).write_bytes(b"")  # empty file
    assert main(["stack", str(src), "--minutes", "5", "--bin", "2x2", "--out", str(out)]) == 0
    cap = capsys.readouterr()
    files = sorted(out.iterdir())
    assert [f.name for f in files] == [
        "SMILE_SXI_L3_SCIM30x30-SCI-CXF_20260317T0240-20260317T0245_V01.fits",
        "SMILE_SXI_L3_SCIM30x30-SCI-CXF_20260317T0245-20260317T0250_V01.fits",
    ]
    err = cap.err.strip().splitlines()
    assert any("is empty" in line for line in err)
    assert any("minutes 2026-03-17T02:46–02:50 (4)" in line for line in err)
    assert "2 written, 0 already complete" in cap.out
    assert fits.getheader(files[0])["NMINUTES"] == 5
    mtimes = [f.stat().st_mtime_ns for f in files]
    assert main(["stack", str(src), "--minutes", "5", "--bin", "2x2", "--out", str(out)]) == 0
    assert "0 written, 2 already complete (skipped)" in capsys.readouterr().out
    assert [f.stat().st_mtime_ns for f in files] == mtimes
    # a damaged output is rewritten
    files[1].write_bytes(files[1].read_bytes()[:5000])
    assert main(["stack", str(src), "--minutes", "5", "--bin", "2x2", "--out", str(out)]) == 0
    assert "1 written, 1 already complete" in capsys.readouterr().out
    assert load_observed(files[1]).exposure_s == 60.0


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["--bin", "3x2"], "does not divide the 4x6 pixel field"),
        (["--bin", "2y2"], "--bin must look like 2x2"),
        (["--minutes", "0"], "--minutes must be >= 1"),
        (["--out", "NOWHERE"], "no such directory"),
    ],
)
def test_cli_user_mistakes_exit_2_with_one_line(tmp_path, capsys, argv, expected):
    src = tmp_path / "in"
    src.mkdir()
    hand_minutes(src)
    args = ["stack", str(src), "--out", str(tmp_path)] + argv
    if "NOWHERE" in argv:
        args[args.index("NOWHERE")] = str(tmp_path / "nowhere")
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and expected in err


def test_cli_nothing_to_stack_lists_the_problems_then_exits_2(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    rng = np.random.default_rng(6)
    cts, parts, vig = random_minute(rng, SHAPE)
    write_minute(src, T0, cts, parts, vig, products=("TOT", "BKG"), **GRID)  # no VCY
    (src / team_name("TOT", T0 + dt.timedelta(minutes=1))).write_bytes(b"SIMPLE  =   T" + b" " * 100)
    assert main(["stack", str(src), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert sum("has no VCY file" in line for line in err) == 2
    assert any("truncated" in line for line in err)
    assert err[-1].startswith("smile-viewer: error: nothing stacked from") and "no complete minute" in err[-1]
    assert list(tmp_path.glob("*.fits")) == []


def test_interval_at_a_time_and_the_stack_as_an_observed_image(tmp_path):
    src, out = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    out.mkdir()
    hand_minutes(src)
    series = scan_l3(src)
    iv = interval_at(series, 5, T0 + dt.timedelta(minutes=3, seconds=20))
    assert iv.start == T0 and iv.end == T0 + dt.timedelta(minutes=5) and len(iv.minutes) == 2
    assert len(iv.missing) == 3
    assert interval_at(series, 5, T0 + dt.timedelta(minutes=5)) is None
    assert interval_at(series, 1, T0 + dt.timedelta(minutes=1, seconds=59)).minutes == (series[1],)
    product = stack_minutes(iv.minutes, binning=(2, 3)).product
    mem = combined_to_observed(product, name="stack 02:40")
    [path] = write_stacks(src, out, minutes=5, binning=(2, 3)).written
    disk = load_observed(path)
    assert mem.format == disk.format == "sxi-l3" and mem.geometry_kind == disk.geometry_kind == "sxi_angles"
    np.testing.assert_array_equal(mem.image, disk.image)
    for k in disk.maps:
        np.testing.assert_array_equal(mem.maps[k], disk.maps[k])
    np.testing.assert_array_equal(mem.counts, disk.counts)
    for k in ("phi_deg", "theta_deg"):
        np.testing.assert_allclose(mem.pixel_angles[k], disk.pixel_angles[k], rtol=1e-15)
    assert mem.exposure_s == disk.exposure_s and mem.time_start.isot == disk.time_start.isot
    np.testing.assert_array_equal(mem.aim_re, disk.aim_re)
    assert mem.band_kev == disk.band_kev == (0.2, 2.5)
