"""Per-minute SXI level-3 files: reading, product recognition, grouping and problems.

The files are written with astropy in the layout the SXI team's readers expect
(swharton1/SXI_L3 read_tot_file.py, read_bkg_file.py, read_vcy_file.py): see l3_team_files.py.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from astropy.io import fits
from l3_team_files import PARTS, random_minute, team_header, team_name, write_minute

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.sxi_l3 import hdu_layout, open_l3_file, scan_l3

T0 = dt.datetime(2026, 3, 17, 2, 40)
SHAPE = (6, 4)  # (NAXIS2, NAXIS1)
GRID = {"fov": (1.0, 1.5), "pixel": (0.25, 0.25)}


def minute(folder, i, rng, **kw):
    cts, parts, vig = random_minute(rng, SHAPE)
    return write_minute(folder, T0 + dt.timedelta(minutes=i), cts, parts, vig, **{**GRID, **kw})


def test_team_files_are_read_with_their_header_and_data_on_demand(tmp_path):
    rng = np.random.default_rng(0)
    cts, parts, vig = random_minute(rng, SHAPE)
    paths = write_minute(tmp_path, T0, cts, parts, vig, **GRID)
    tot = open_l3_file(paths["TOT"])
    assert tot.product == "TOT"
    assert tot.shape == SHAPE and tot.crval_deg == (-0.5, -0.75) and tot.cdelt_deg == (0.25, 0.25)
    assert tot.date_obs == "2026-03-17T02:40:00.000000" and tot.start == T0
    assert tot.end == T0 + dt.timedelta(minutes=1) and tot.exposure_s == 60.0
    np.testing.assert_array_equal(tot.position_re, [6.0, -6.0, 18.0])
    np.testing.assert_array_equal(tot.aim_re, [7.87, 0.0, 0.0])
    assert tot.keys == {"CTYPE1": "deg", "CTYPE2": "deg", "EMIN": 0.2, "EMAX": 2.5, "RA": 123.4, "DEC": -12.5}
    np.testing.assert_array_equal(tot.maps()["CTSMAP"], cts)  # int32 on disk, float64 here
    bkg = open_l3_file(paths["BKG"])
    assert bkg.product == "BKG"
    got = bkg.maps()
    assert set(got) == {"BKGMAP", *PARTS}
    np.testing.assert_allclose(got["BKGMAP"], sum(parts[k] for k in PARTS), rtol=1e-15)
    np.testing.assert_array_equal(got["SPMAP"], parts["SPMAP"])
    vcy = open_l3_file(paths["VCY"])
    assert vcy.product == "VCY"
    np.testing.assert_array_equal(vcy.maps()["VIGMAP"], vig)


def test_product_comes_from_the_content_not_only_the_name(tmp_path):
    rng = np.random.default_rng(1)
    cts, parts, vig = random_minute(rng, SHAPE)
    h = team_header(T0, **GRID)
    # a background file under a name that says nothing: recognised by its five extensions
    anon = tmp_path / "minute_0240_b.fits"
    fits.HDUList(
        [fits.PrimaryHDU(sum(parts.values()), header=h)] + [fits.ImageHDU(parts[k], name=k) for k in PARTS]
    ).writeto(anon)
    assert open_l3_file(anon).product == "BKG"
    # a single image whose header says what it is
    hv = h.copy()
    hv["OBJECT"] = "Relative exposure map (vignetting)"
    fits.PrimaryHDU(vig, header=hv).writeto(tmp_path / "v.fits")
    assert open_l3_file(tmp_path / "v.fits").product == "VCY"
    # the name contradicts the content: a BKG file named TOT
    liar = tmp_path / team_name("TOT", T0)
    anon.rename(liar)
    with pytest.raises(DataFileError, match="named a TOT file but its content is a BKG product"):
        open_l3_file(liar)
    # one image, no word in the header, no product in the name
    fits.PrimaryHDU(cts, header=h).writeto(tmp_path / "x.fits")
    with pytest.raises(DataFileError, match="cannot tell its product"):
        open_l3_file(tmp_path / "x.fits")
    # a stacked product (CTSMAP and CXFOV extensions) is recognised and refused
    fits.HDUList(
        [fits.PrimaryHDU(vig, header=h), fits.ImageHDU(cts, name="CTSMAP"), fits.ImageHDU(vig, name="CXFOV")]
    ).writeto(tmp_path / "stack.fits")
    with pytest.raises(DataFileError, match="is a stacked SCI-CXF product"):
        open_l3_file(tmp_path / "stack.fits")


@pytest.mark.parametrize("damage", ["empty", "truncated", "garbage", "no_pos"])
def test_bad_file_gives_one_line_error_naming_it(tmp_path, damage):
    rng = np.random.default_rng(2)
    p = minute(tmp_path, 0, rng)["BKG"]
    raw = p.read_bytes()
    if damage == "empty":
        p.write_bytes(b"")
    elif damage == "truncated":
        p.write_bytes(raw[: len(raw) - 3000])  # the last extension's data cut short
    elif damage == "garbage":
        p.write_bytes(b"\x00\x17not a fits file" * 400)
    else:
        with fits.open(p, mode="update") as hl:
            del hl[0].header["POS_Y"]
    with pytest.raises(DataFileError) as exc:
        open_l3_file(p)
    msg = str(exc.value)
    assert "\n" not in msg and msg.startswith(str(p))
    expected = {
        "empty": "is empty",
        "truncated": "truncated",
        "garbage": "does not start like a FITS file",
        "no_pos": "header has no POS_Y",
    }[damage]
    assert expected in msg


def test_series_groups_by_time_and_reports_each_bad_file(tmp_path):
    rng = np.random.default_rng(3)
    for i in (2, 0, 1, 4):  # written out of order; minute 3 missing entirely
        minute(tmp_path, i, rng)
    # minute 5: no VCY file
    minute(tmp_path, 5, rng, products=("TOT", "BKG"))
    # minute 6: its BKG disagrees with its TOT (another aim point)
    m6 = minute(tmp_path, 6, rng, products=("TOT", "VCY"))
    cts, parts, vig = random_minute(rng, SHAPE)
    write_minute(
        tmp_path,
        T0 + dt.timedelta(minutes=6),
        cts,
        parts,
        vig,
        products=("BKG",),
        aim=(9.0, 0.0, 0.0),
        **GRID,
    )
    # a truncated file in the middle of the series, and a file that is not FITS
    bad = minute(tmp_path, 7, rng)["TOT"]
    bad.write_bytes(bad.read_bytes()[:2900])  # header whole, data cut short
    (tmp_path / "notes.fits").write_text("not FITS")
    (tmp_path / "readme.txt").write_text("ignored: not a FITS suffix")

    series = scan_l3(tmp_path)
    assert [m.start.minute for m in series] == [40, 41, 42, 44, 45, 46, 47]
    assert [m.complete for m in series] == [True, True, True, True, False, False, False]
    assert len(series.complete_minutes) == 4
    msgs = [str(p) for p in series.problems]
    assert all("\n" not in m for m in msgs)
    assert any(str(bad) in m and "truncated" in m for m in msgs)
    assert any("notes.fits" in m and "does not start like a FITS file" in m for m in msgs)
    assert any(
        team_name("BKG", T0 + dt.timedelta(minutes=6)) in m and "disagrees with" in m and "POS/AIM" in m
        for m in msgs
    )
    assert any(str(m6["TOT"]) in m and "has no BKG file" in m for m in msgs)
    assert sum("has no VCY file" in m for m in msgs) == 2  # both files of minute 5
    assert not any("readme" in m for m in msgs)


def test_scan_user_mistakes(tmp_path):
    with pytest.raises(UserInputError, match="no such file or directory"):
        scan_l3(tmp_path / "nowhere")
    with pytest.raises(UserInputError, match="no FITS files"):
        scan_l3(tmp_path)


def test_data_read_on_demand_checks_values(tmp_path):
    rng = np.random.default_rng(4)
    cts, parts, vig = random_minute(rng, SHAPE)
    vig[0, 0] = 1.7
    paths = write_minute(tmp_path, T0, cts, parts, vig, **GRID)
    f = open_l3_file(paths["VCY"])  # the header is fine
    with pytest.raises(DataFileError, match="VIGMAP holds values outside 0–1"):
        f.maps()
    cts[1, 1] = -3
    p = tmp_path / "neg" / team_name("TOT", T0)
    p.parent.mkdir()
    fits.PrimaryHDU(cts, header=team_header(T0, **GRID)).writeto(p)
    with pytest.raises(DataFileError, match="CTSMAP holds negative values"):
        open_l3_file(p).maps()


def test_scaled_integer_data_and_blank(tmp_path):
    """BSCALE/BZERO and BLANK are applied on reading (FITS standard 4.0 §5.3)."""
    h = team_header(T0, **GRID)
    raw = np.arange(24, dtype=np.int16).reshape(SHAPE)
    hdu = fits.PrimaryHDU(raw, header=h)
    hdu.header["BSCALE"] = 0.5
    hdu.header["BZERO"] = 10.0
    hdu.header["BLANK"] = 7
    p = tmp_path / team_name("TOT", T0)
    hdu.writeto(p)
    got = open_l3_file(p).read()
    expect = raw * 0.5 + 10.0
    expect[raw == 7] = np.nan
    np.testing.assert_array_equal(got, expect)


def test_header_cards_parsed_as_astropy_reads_them(tmp_path):
    """hdu_layout's card parser (used for speed) gives astropy's values for the team's keys and
    for the value forms of the FITS standard (quotes, '' inside strings, logicals, exponents)."""
    h = team_header(T0, **GRID)
    h["OBJECT"] = "O'Brien  "
    h["FLAG"] = True
    h["SMALL"] = -1.25e-12
    h["BIG"] = 6.02e23
    h["COUNT"] = -42
    h["EMPTY"] = ""
    h.add_comment("a comment = not a value")
    h.add_history("history")
    p = tmp_path / team_name("TOT", T0)
    fits.PrimaryHDU(np.zeros(SHAPE, dtype=np.int32), header=h).writeto(p)
    raw = p.read_bytes().replace(
        b"EXPOS   =                 60.0", b"EXPOS   =               0.6D+2"
    )  # a Fortran-style exponent
    assert b"0.6D+2" in raw
    p.write_bytes(raw)
    ours, hdus = hdu_layout(p)
    theirs = fits.getheader(p)
    for key in theirs:
        if key in ("COMMENT", "HISTORY"):
            continue
        assert ours[key] == theirs[key] and type(ours[key]) is type(theirs[key]), key
    assert ours["EXPOS"] == 60.0 and ours["OBJECT"] == "O'Brien"
    assert "COMMENT" not in ours and hdus[0].shape == SHAPE and hdus[0].offset == 2880
