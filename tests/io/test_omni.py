"""Tests for smile_viewer.io.omni: OMNI HRO ASCII and CDAWeb CDF readers.

The files are written here, in tmp_path: ASCII records in the HRO layout of hroformat.txt
(the Fortran format quoted in the module), and CDF files with cdflib's writer carrying the
CDAWeb OMNI_HRO variable names and ISTP FILLVAL / VALIDMIN / VALIDMAX attributes.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import numpy as np
import pytest
from astropy.time import Time, TimeDelta

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.omni import (
    HRO_1MIN_FORMAT,
    HRO_5MIN_FORMAT,
    HRO_WORDS,
    read_omni_ascii,
    read_omni_cdf,
    read_solar_wind,
)
from smile_viewer.physics.solar_wind import SolarWindSeries

cdflib = pytest.importorskip("cdflib")
from cdflib.cdfwrite import CDF as CDFWriter  # noqa: E402

# ---------------------------------------------------------------------------------------
# HRO ASCII records
# ---------------------------------------------------------------------------------------

FILL_B = 9999.99
FILL_V = 99999.9
FILL_N = 999.99
FILL_T = 9999999.0


def _descriptors(fmt: str) -> list[tuple[str, int, int]]:
    out = []
    for tok in fmt.split(","):
        m = re.fullmatch(r"(\d*)([IF])(\d+)(?:\.(\d+))?", tok.strip())
        assert m, tok
        out += [(m.group(2), int(m.group(3)), int(m.group(4) or 0))] * int(m.group(1) or 1)
    return out


def hro_record(
    when: datetime,
    *,
    b_gsm=(1.0, -2.0, -3.0),
    v=(-400.0, 5.0, -3.0),
    speed=None,
    n=5.0,
    t=1.0e5,
    five_min=False,
    e_field=None,
) -> str:
    """One record in the HRO layout, formatted with the Fortran widths of hroformat.txt."""
    bx, by, bz = b_gsm
    vx, vy, vz = v
    if speed is None:
        speed = FILL_V if FILL_V in v else float(np.sqrt(vx * vx + vy * vy + vz * vz))
    b_ok = FILL_B not in b_gsm
    bmag = float(np.sqrt(bx * bx + by * by + bz * bz)) if b_ok else FILL_B
    pd = 2e-6 * n * speed**2 if (n != FILL_N and speed != FILL_V) else 99.99
    ef = e_field if e_field is not None else (-speed * bz * 1e-3 if b_ok and speed != FILL_V else 999.99)
    doy = when.timetuple().tm_yday
    words = [
        when.year,
        doy,
        when.hour,
        when.minute,
        71,
        71,
        15,
        12,
        0,
        2400,
        30,
        0.05,
        60,
        bmag,
        bx,
        by if b_ok else FILL_B,
        bz if b_ok else FILL_B,
        by,
        bz,
        0.5,
        0.8,
        speed,
        vx,
        vy,
        vz,
        n,
        t,
        min(pd, 99.99),
        ef,
        1.9,
        8.9,
        230.1,
        40.2,
        20.3,
        13.5,
        1.2,
        0.4,
        120,
        -80,
        40,
        3,
        -12,
        15,
        20,
        0.85,
        5.5,
    ]
    fmt = HRO_1MIN_FORMAT
    if five_min:
        words += [0.12, 0.05, 0.03]
        fmt = HRO_5MIN_FORMAT
    parts = []
    for (kind, width, dec), value in zip(_descriptors(fmt), words, strict=True):
        parts.append(f"{int(value):{width}d}" if kind == "I" else f"{float(value):{width}.{dec}f}")
    line = "".join(parts)
    assert len(line) == (326 if five_min else 299)
    return line


START = datetime(2015, 3, 17, 4, 0)


def write_ascii(path, records):
    path.write_text("\n".join(records) + "\n", encoding="ascii")
    return path


def linear_file(path, count=10, step_min=1, five_min=False):
    """Records whose n, vx, bz grow linearly with the record number."""
    recs = [
        hro_record(
            START + timedelta(minutes=step_min * k),
            b_gsm=(1.0, -2.0, -3.0 + 0.5 * k),
            v=(-400.0 - 10.0 * k, 5.0, -3.0),
            n=5.0 + 0.25 * k,
            t=1.0e5 + 1.0e3 * k,
            five_min=five_min,
        )
        for k in range(count)
    ]
    return write_ascii(path, recs)


def test_hro_format_has_46_and_49_words():
    assert len(_descriptors(HRO_1MIN_FORMAT)) == 46
    assert len(_descriptors(HRO_5MIN_FORMAT)) == 49
    assert len(HRO_WORDS) == 49
    assert HRO_WORDS[18] == "Bz GSM, nT" and HRO_WORDS[25] == "Proton density, n/cc"


def test_read_1min_ascii(tmp_path):
    path = linear_file(tmp_path / "omni_min2015.asc")
    s = read_omni_ascii(path)
    assert isinstance(s, SolarWindSeries)
    assert len(s) == 10
    t0, t1 = s.time_range
    assert t0.isot == "2015-03-17T04:00:00.000" and t1.isot == "2015-03-17T04:09:00.000"
    assert s.source == str(path)
    np.testing.assert_allclose(s.n_cm3, 5.0 + 0.25 * np.arange(10))
    np.testing.assert_allclose(s.v_gse_km_s[:, 0], -400.0 - 10.0 * np.arange(10))
    np.testing.assert_allclose(s.b_gsm_nt[:, 2], -3.0 + 0.5 * np.arange(10))
    np.testing.assert_allclose(s.b_gsm_nt[0], [1.0, -2.0, -3.0])
    np.testing.assert_allclose(s.t_k, 1e5 + 1e3 * np.arange(10))
    sw = s.at("2015-03-17T04:02:00")
    assert sw.n_cm3 == 5.5 and sw.bz_nt == -2.0 and sw.v_gse_km_s == (-420.0, 5.0, -3.0)
    # interpolation between records is exact for linear data
    sw = s.at("2015-03-17T04:02:45")
    assert sw.n_cm3 == pytest.approx(5.6875) and sw.bz_nt == pytest.approx(-1.625)
    assert sw.v_gse_km_s[0] == pytest.approx(-427.5)


def test_read_5min_ascii(tmp_path):
    path = linear_file(tmp_path / "omni_5min2015.asc", count=6, step_min=5, five_min=True)
    s = read_omni_ascii(path)
    assert len(s) == 6
    assert s.time_range[1].isot == "2015-03-17T04:25:00.000"
    assert s.at("2015-03-17T04:07:30").n_cm3 == pytest.approx(5.375)


def test_day_of_year_and_year_boundary(tmp_path):
    recs = [
        hro_record(datetime(2016, 12, 31, 23, 59)),  # leap year: day 366
        hro_record(datetime(2017, 1, 1, 0, 0)),
    ]
    assert recs[0].startswith("2016 366 23 59")
    s = read_omni_ascii(write_ascii(tmp_path / "x.asc", recs))
    assert [t.isot for t in s.times] == ["2016-12-31T23:59:00.000", "2017-01-01T00:00:00.000"]


def test_fill_values_become_nan_and_are_interpolated_or_reported(tmp_path):
    recs = []
    for k in range(10):
        when = START + timedelta(minutes=k)
        if k in (3, 4):
            recs.append(hro_record(when, n=FILL_N, t=FILL_T, b_gsm=(FILL_B, FILL_B, FILL_B), v=(FILL_V,) * 3))
        else:
            recs.append(hro_record(when, n=5.0 + k, b_gsm=(1.0, 2.0, float(k))))
    s = read_omni_ascii(write_ascii(tmp_path / "gap.asc", recs), max_gap_s=180)
    assert np.isnan(s.n_cm3[3:5]).all() and np.isnan(s.t_k[3:5]).all()
    assert np.isnan(s.b_gsm_nt[3:5]).all() and np.isnan(s.v_gse_km_s[3:5]).all()
    assert np.isfinite(s.n_cm3[[0, 1, 2, 5]]).all()
    sw = s.at("2015-03-17T04:03:30")  # within a 3-minute gap: bridged linearly
    assert sw.n_cm3 == pytest.approx(8.5) and sw.bz_nt == pytest.approx(3.5)
    for field in ("n_cm3", "t_k", "b_gsm_nt", "v_gse_km_s"):
        values = getattr(s, field)
        assert not np.any(np.isin(values, [FILL_N, FILL_T, FILL_B, FILL_V]))
    s_short = read_omni_ascii(tmp_path / "gap.asc", max_gap_s=120)
    with pytest.raises(UserInputError) as info:
        s_short.at("2015-03-17T04:03:30")
    msg = str(info.value)
    assert str(tmp_path / "gap.asc") in msg
    assert "2015-03-17T04:03:30" in msg and "04:02:00" in msg and "04:05:00" in msg and "3.0 min" in msg


def test_missing_velocity_components_fall_back_to_radial_flow(tmp_path):
    recs = [
        hro_record(START, v=(-400.0, 10.0, 0.0)),
        hro_record(START + timedelta(minutes=1), v=(FILL_V, FILL_V, FILL_V), speed=450.0),
    ]
    s = read_omni_ascii(write_ascii(tmp_path / "x.asc", recs))
    np.testing.assert_allclose(s.v_gse_km_s[1], [-450.0, 0.0, 0.0])
    assert s.at(Time("2015-03-17T04:01:00")).speed_km_s == pytest.approx(450.0)


def test_touching_fields_are_read_by_fixed_columns(tmp_path):
    # Flow pressure (F6.2) ' 99.99' followed by an electric field (F7.2) '-100.00': no space
    touching = hro_record(START, n=FILL_N, e_field=-100.0)
    assert "99.99-100.00" in touching
    recs = [touching, hro_record(START + timedelta(minutes=1), n=6.0)]
    s = read_omni_ascii(write_ascii(tmp_path / "x.asc", recs))
    assert np.isnan(s.n_cm3[0]) and s.n_cm3[1] == 6.0
    np.testing.assert_allclose(s.b_gsm_nt[0], [1.0, -2.0, -3.0])


def test_blank_lines_and_comments_are_skipped(tmp_path):
    path = tmp_path / "x.asc"
    recs = [hro_record(START + timedelta(minutes=k), n=5.0 + k) for k in range(3)]
    path.write_text("# OMNI HRO 1-min, written by a test\n\n" + "\n".join(recs) + "\n\n")
    assert len(read_omni_ascii(path)) == 3


def test_crlf_line_endings(tmp_path):
    path = tmp_path / "x.asc"
    recs = [hro_record(START + timedelta(minutes=k)) for k in range(3)]
    path.write_bytes(("\r\n".join(recs) + "\r\n").encode("ascii"))
    assert len(read_omni_ascii(path)) == 3


# --- ASCII errors ----------------------------------------------------------------------


def test_missing_file(tmp_path):
    path = tmp_path / "nope.asc"
    with pytest.raises(DataFileError) as info:
        read_omni_ascii(path)
    assert str(path) in str(info.value) and "not found" in str(info.value)
    assert info.value.path == str(path)
    with pytest.raises(DataFileError, match="not found"):
        read_solar_wind(path)
    with pytest.raises(DataFileError, match="not found"):
        read_omni_cdf(tmp_path / "nope.cdf")


def test_directory_is_not_a_file(tmp_path):
    with pytest.raises(DataFileError, match="directory"):
        read_omni_ascii(tmp_path)


def test_wrong_column_count_names_the_line(tmp_path):
    recs = [hro_record(START + timedelta(minutes=k)) for k in range(4)]
    recs[2] = " ".join(recs[2].split()[:30])
    path = write_ascii(tmp_path / "short.asc", recs)
    with pytest.raises(DataFileError) as info:
        read_omni_ascii(path)
    msg = str(info.value)
    assert msg.startswith(str(path)) and "line 3" in msg and "30 columns" in msg and "46" in msg


def test_mixed_1min_and_5min_records(tmp_path):
    recs = [hro_record(START), hro_record(START + timedelta(minutes=5), five_min=True)]
    with pytest.raises(DataFileError, match=r"line 2: 49 columns where the first record has 46"):
        read_omni_ascii(write_ascii(tmp_path / "x.asc", recs))


def test_unreadable_number_names_line_and_column(tmp_path):
    recs = [hro_record(START + timedelta(minutes=k)) for k in range(3)]
    tokens = recs[1].split()
    tokens[25] = "abc"
    recs[1] = " ".join(tokens)
    path = tmp_path / "x.asc"
    path.write_text("# header\n" + "\n".join(recs) + "\n")
    with pytest.raises(DataFileError) as info:
        read_omni_ascii(path)
    msg = str(info.value)
    assert "line 3" in msg and "column 26" in msg and "Proton density" in msg and "'abc'" in msg


@pytest.mark.parametrize(
    "edit, words",
    [
        ((1, "366"), ["line 2", "day of year out of range", "day 366"]),  # 2015 is not a leap year
        ((1, "0"), ["line 2", "day of year"]),
        ((2, "24"), ["line 2", "hour out of range"]),
        ((3, "60"), ["line 2", "minute out of range"]),
        ((0, "1850"), ["line 2", "year out of range"]),
        ((3, "1.5"), ["line 2", "minute is not a whole number"]),
    ],
)
def test_impossible_dates_name_the_line(tmp_path, edit, words):
    recs = [hro_record(START + timedelta(minutes=k)) for k in range(3)]
    tokens = recs[1].split()
    tokens[edit[0]] = edit[1]
    recs[1] = " ".join(tokens)
    with pytest.raises(DataFileError) as info:
        read_omni_ascii(write_ascii(tmp_path / "x.asc", recs))
    for w in words:
        assert w in str(info.value)


def test_duplicate_times_are_reported(tmp_path):
    recs = [
        hro_record(START),
        hro_record(START + timedelta(minutes=1)),
        hro_record(START + timedelta(minutes=1)),
    ]
    path = write_ascii(tmp_path / "dup.asc", recs)
    with pytest.raises(DataFileError) as info:
        read_omni_ascii(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}: ") and msg.count(str(path)) == 1
    assert "duplicate" in msg and "2015-03-17T04:01:00" in msg


def test_empty_and_binary_files(tmp_path):
    empty = tmp_path / "empty.asc"
    empty.write_text("\n# nothing\n")
    with pytest.raises(DataFileError, match="no data records"):
        read_omni_ascii(empty)
    binary = tmp_path / "image.asc"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(DataFileError, match="binary"):
        read_omni_ascii(binary)
    latin = tmp_path / "latin.asc"
    latin.write_bytes(hro_record(START).encode() + b"\n caf\xe9\n")
    with pytest.raises(DataFileError, match="line 2: non-ASCII"):
        read_omni_ascii(latin)


def test_other_text_file_is_refused(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("time,n,v\n2015-03-17T04:00,5,400\n")
    with pytest.raises(DataFileError, match=r"line 1: 1 columns.*OMNI HRO"):
        read_omni_ascii(path)


# ---------------------------------------------------------------------------------------
# CDAWeb CDF
# ---------------------------------------------------------------------------------------

_REAL4 = CDFWriter.CDF_REAL4
_DEFAULT_ATTRS = {
    "BX_GSE": {"FILLVAL": 9999.99, "VALIDMIN": -200.0, "VALIDMAX": 200.0, "UNITS": "nT"},
    "BY_GSM": {"FILLVAL": 9999.99, "VALIDMIN": -200.0, "VALIDMAX": 200.0, "UNITS": "nT"},
    "BZ_GSM": {"FILLVAL": 9999.99, "VALIDMIN": -200.0, "VALIDMAX": 200.0, "UNITS": "nT"},
    "flow_speed": {"FILLVAL": 99999.9, "VALIDMIN": 0.0, "VALIDMAX": 3000.0, "UNITS": "km/s"},
    "Vx": {"FILLVAL": 99999.9, "VALIDMIN": -3000.0, "VALIDMAX": 3000.0, "UNITS": "km/s"},
    "Vy": {"FILLVAL": 99999.9, "VALIDMIN": -3000.0, "VALIDMAX": 3000.0, "UNITS": "km/s"},
    "Vz": {"FILLVAL": 99999.9, "VALIDMIN": -3000.0, "VALIDMAX": 3000.0, "UNITS": "km/s"},
    "proton_density": {"FILLVAL": 999.99, "VALIDMIN": 0.0, "VALIDMAX": 900.0, "UNITS": "n/cc"},
    "T": {"FILLVAL": 9999999.0, "VALIDMIN": 0.0, "VALIDMAX": 9999990.0, "UNITS": "K"},
}


def _epochs(times: list[datetime], kind: str):
    if kind == "epoch":
        comps = [[t.year, t.month, t.day, t.hour, t.minute, t.second, 0] for t in times]
        return CDFWriter.CDF_EPOCH, np.asarray(cdflib.cdfepoch.compute_epoch(comps), dtype=np.float64)
    comps = [[t.year, t.month, t.day, t.hour, t.minute, t.second, 0, 0, 0] for t in times]
    return CDFWriter.CDF_TIME_TT2000, np.asarray(cdflib.cdfepoch.compute_tt2000(comps), dtype=np.int64)


def write_omni_cdf(
    path,
    times: list[datetime],
    data: dict[str, np.ndarray],
    *,
    epoch_kind="epoch",
    attrs=None,
    omit=(),
    epoch_override=None,
):
    """A CDF laid out like CDAWeb's OMNI_HRO_1MIN files (only the variables the reader needs)."""
    attrs = {k: dict(v) for k, v in _DEFAULT_ATTRS.items()} if attrs is None else attrs
    etype, epoch = _epochs(times, epoch_kind)
    if epoch_override is not None:
        epoch = epoch_override
    with CDFWriter(str(path), cdf_spec={"Compressed": False}, delete=True) as cdf:
        cdf.write_globalattrs(
            {"Logical_source": {0: "omni_hro_1min"}, "Project": {0: "ISTP>smile-viewer test"}}
        )
        efill = [-1.0e31, "CDF_EPOCH"] if epoch_kind == "epoch" else [-9223372036854775808, "CDF_TIME_TT2000"]
        cdf.write_var(
            {"Variable": "Epoch", "Data_Type": etype, "Num_Elements": 1, "Rec_Vary": True, "Dim_Sizes": []},
            var_attrs={"FILLVAL": efill, "UNITS": "ms"},
            var_data=epoch,
        )
        for name, values in data.items():
            if name in omit:
                continue
            var_attrs = {"DEPEND_0": "Epoch"}
            for key, value in attrs.get(name, {}).items():
                var_attrs[key] = value if isinstance(value, str) else [np.float32(value), "CDF_REAL4"]
            cdf.write_var(
                {"Variable": name, "Data_Type": _REAL4, "Num_Elements": 1, "Rec_Vary": True, "Dim_Sizes": []},
                var_attrs=var_attrs,
                var_data=np.asarray(values, dtype=np.float32),
            )
    return path


def linear_data(count=10):
    k = np.arange(count, dtype=float)
    return {
        "BX_GSE": 1.0 + 0 * k,
        "BY_GSM": -2.0 + 0 * k,
        "BZ_GSM": -3.0 + 0.5 * k,
        "flow_speed": np.sqrt((400.0 + 10 * k) ** 2 + 25.0 + 9.0),
        "Vx": -400.0 - 10.0 * k,
        "Vy": 5.0 + 0 * k,
        "Vz": -3.0 + 0 * k,
        "proton_density": 5.0 + 0.25 * k,
        "T": 1.0e5 + 1.0e3 * k,
    }


def minutes(count, step=1):
    return [START + timedelta(minutes=step * k) for k in range(count)]


@pytest.mark.parametrize("epoch_kind", ["epoch", "tt2000"])
def test_read_cdf(tmp_path, epoch_kind):
    path = write_omni_cdf(
        tmp_path / "omni_hro_1min_20150301_v01.cdf", minutes(10), linear_data(), epoch_kind=epoch_kind
    )
    s = read_omni_cdf(path)
    assert len(s) == 10
    assert s.time_range[0].isot == "2015-03-17T04:00:00.000"
    assert s.time_range[1].isot == "2015-03-17T04:09:00.000"
    np.testing.assert_allclose(s.n_cm3, 5.0 + 0.25 * np.arange(10), rtol=1e-6)
    np.testing.assert_allclose(s.v_gse_km_s[:, 0], -400.0 - 10.0 * np.arange(10), rtol=1e-6)
    np.testing.assert_allclose(s.b_gsm_nt[:, 2], -3.0 + 0.5 * np.arange(10), rtol=1e-6, atol=1e-6)
    sw = s.at("2015-03-17T04:02:30")
    assert sw.n_cm3 == pytest.approx(5.625, rel=1e-6)
    assert sw.bz_nt == pytest.approx(-1.75, rel=1e-6)
    assert read_solar_wind(path).at("2015-03-17T04:02:30") == sw


def test_cdf_fill_values_from_fillval_attributes(tmp_path):
    data = linear_data()
    data["proton_density"][2] = 999.99
    data["BZ_GSM"][4] = 9999.99
    data["Vx"][5] = data["Vy"][5] = data["Vz"][5] = 99999.9
    data["T"][6] = 9999999.0
    path = write_omni_cdf(tmp_path / "f.cdf", minutes(10), data)
    s = read_omni_cdf(path)
    assert np.isnan(s.n_cm3[2]) and np.isnan(s.b_gsm_nt[4]).all() and np.isnan(s.t_k[6])
    # Vx, Vy, Vz missing but flow_speed present: radial flow at that speed
    np.testing.assert_allclose(s.v_gse_km_s[5], [-data["flow_speed"][5], 0, 0], rtol=1e-6)
    assert s.at("2015-03-17T04:02:00").n_cm3 == pytest.approx(5.5, rel=1e-6)  # interpolated over


def test_cdf_respects_a_nonstandard_fillval(tmp_path):
    data = linear_data()
    attrs = {k: dict(v) for k, v in _DEFAULT_ATTRS.items()}
    attrs["proton_density"]["FILLVAL"] = -1.0
    attrs["proton_density"].pop("VALIDMIN")
    attrs["T"]["FILLVAL"] = -1.0e31
    attrs["BZ_GSM"]["FILLVAL"] = 42.5
    attrs["BZ_GSM"].pop("VALIDMAX")
    data["proton_density"][3] = -1.0
    data["T"][4] = -1.0e31
    data["BZ_GSM"][5] = 42.5
    path = write_omni_cdf(tmp_path / "f.cdf", minutes(10), data, attrs=attrs)
    s = read_omni_cdf(path)
    assert np.isnan(s.n_cm3[3]) and np.isnan(s.t_k[4]) and np.isnan(s.b_gsm_nt[5]).all()
    assert np.isfinite(s.n_cm3[[0, 1, 2, 4]]).all()


def test_cdf_without_fillval_uses_the_omni_fill(tmp_path):
    data = linear_data()
    data["proton_density"][3] = 999.99
    attrs = {k: {"UNITS": "x"} for k in _DEFAULT_ATTRS}  # no FILLVAL/VALIDMIN/VALIDMAX at all
    s = read_omni_cdf(write_omni_cdf(tmp_path / "f.cdf", minutes(10), data, attrs=attrs))
    assert np.isnan(s.n_cm3[3]) and s.masked_counts["n_cm3"] == 0  # masked by the reader


def test_cdf_validmin_validmax(tmp_path):
    data = linear_data()
    data["BZ_GSM"][2] = -250.0  # below VALIDMIN -200
    data["proton_density"][7] = 950.0  # above VALIDMAX 900
    data["BZ_GSM"][8] = -200.0  # exactly VALIDMIN: kept
    s = read_omni_cdf(write_omni_cdf(tmp_path / "f.cdf", minutes(10), data))
    assert np.isnan(s.b_gsm_nt[2]).all() and np.isnan(s.n_cm3[7])
    assert s.b_gsm_nt[8, 2] == -200.0


def test_cdf_epoch_fill_records_are_dropped(tmp_path):
    _, epoch = _epochs(minutes(5), "epoch")
    epoch = epoch.copy()
    epoch[2] = -1.0e31
    path = write_omni_cdf(tmp_path / "f.cdf", minutes(5), linear_data(5), epoch_override=epoch)
    s = read_omni_cdf(path)
    assert len(s) == 4
    assert "2015-03-17T04:02:00.000" not in [t.isot for t in s.times]


def test_cdf_missing_variable_is_named(tmp_path):
    path = write_omni_cdf(tmp_path / "f.cdf", minutes(5), linear_data(5), omit=("proton_density",))
    with pytest.raises(DataFileError) as info:
        read_omni_cdf(path)
    msg = str(info.value)
    assert str(path) in msg and "proton_density" in msg and "OMNI_HRO_1MIN" in msg and "BZ_GSM" in msg


def test_cdf_without_flow_speed_is_fine(tmp_path):
    path = write_omni_cdf(tmp_path / "f.cdf", minutes(5), linear_data(5), omit=("flow_speed",))
    assert len(read_omni_cdf(path)) == 5


def test_cdf_records_of_different_lengths(tmp_path):
    data = linear_data(5)
    data["T"] = data["T"][:4]
    path = write_omni_cdf(tmp_path / "f.cdf", minutes(5), data)
    with pytest.raises(DataFileError, match=r"variable T has 4 records but Epoch has 5"):
        read_omni_cdf(path)


def test_not_a_cdf_and_corrupt_cdf(tmp_path):
    text = tmp_path / "fake.cdf"
    text.write_text("this is not a CDF\n")
    with pytest.raises(DataFileError) as info:
        read_omni_cdf(text)
    assert str(text) in str(info.value) and "not a CDF" in str(info.value)
    with pytest.raises(DataFileError, match="not a CDF"):
        read_solar_wind(text)  # dispatched by the .cdf extension
    good = write_omni_cdf(tmp_path / "good.cdf", minutes(5), linear_data(5))
    truncated = tmp_path / "truncated.cdf"
    truncated.write_bytes(good.read_bytes()[:200])
    with pytest.raises(DataFileError) as info:
        read_omni_cdf(truncated)
    assert str(truncated) in str(info.value) and "corrupt" in str(info.value)


def test_dispatch_by_content(tmp_path):
    cdf_path = write_omni_cdf(tmp_path / "f.cdf", minutes(5), linear_data(5))
    renamed = cdf_path.rename(tmp_path / "omni_download.bin")
    assert len(read_solar_wind(renamed)) == 5
    asc = linear_file(tmp_path / "omni_min2015.dat", count=4)
    assert len(read_solar_wind(asc)) == 4
    assert read_solar_wind(asc).at("2015-03-17T04:01:00").n_cm3 == 5.25


def test_ascii_and_cdf_agree(tmp_path):
    asc = read_omni_ascii(linear_file(tmp_path / "a.asc"))
    cdf = read_omni_cdf(write_omni_cdf(tmp_path / "c.cdf", minutes(10), linear_data()))
    q = Time("2015-03-17T04:00:00") + TimeDelta(np.linspace(0, 540, 7), format="sec")
    a, c = asc.interpolate(q), cdf.interpolate(q)
    for key in ("n_cm3", "v_gse_km_s", "t_k", "b_gsm_nt"):
        np.testing.assert_allclose(a[key], c[key], rtol=1e-5, atol=1e-5)


def test_slow_path_reads_touching_fields_by_fixed_columns(tmp_path):
    # a comment line takes the reader off the fixed-layout fast path: same result
    touching = hro_record(START, n=FILL_N, e_field=-100.0)
    recs = [touching, hro_record(START + timedelta(minutes=1), n=6.0)]
    fast = read_omni_ascii(write_ascii(tmp_path / "fast.asc", recs))
    slow_path = tmp_path / "slow.asc"
    slow_path.write_text("# comment\n" + "\n".join(recs) + "\n")
    slow = read_omni_ascii(slow_path)
    for key in ("n_cm3", "v_gse_km_s", "t_k", "b_gsm_nt"):
        np.testing.assert_array_equal(getattr(fast, key), getattr(slow, key))
    assert np.isnan(slow.n_cm3[0]) and slow.n_cm3[1] == 6.0


def test_fast_and_slow_paths_agree(tmp_path):
    fast = read_omni_ascii(linear_file(tmp_path / "a.asc"))
    text = (tmp_path / "a.asc").read_text()
    (tmp_path / "b.asc").write_text("\n" + text)  # a leading blank line: line-by-line reader
    slow = read_omni_ascii(tmp_path / "b.asc")
    assert all(fast.times == slow.times)
    for key in ("n_cm3", "v_gse_km_s", "t_k", "b_gsm_nt"):
        np.testing.assert_array_equal(getattr(fast, key), getattr(slow, key))


def test_last_line_without_newline(tmp_path):
    for name, sep in (("lf.asc", "\n"), ("crlf.asc", "\r\n")):
        path = tmp_path / name
        path.write_bytes(sep.join(hro_record(START + timedelta(minutes=k)) for k in range(3)).encode())
        assert len(read_omni_ascii(path)) == 3


def test_leap_second_in_cdf_tt2000(tmp_path):
    times = [datetime(2016, 12, 31, 23, 59), datetime(2017, 1, 1, 0, 0)]
    s = read_omni_cdf(write_omni_cdf(tmp_path / "leap.cdf", times, linear_data(2), epoch_kind="tt2000"))
    assert [t.isot for t in s.times] == ["2016-12-31T23:59:00.000", "2017-01-01T00:00:00.000"]
    assert (s.times[1] - s.times[0]).to_value("s") == pytest.approx(61.0)  # the leap second
