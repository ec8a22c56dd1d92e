"""Readers for OMNI solar wind files: high-resolution ASCII and CDAWeb CDF.

Both return a :class:`~smile_viewer.physics.solar_wind.SolarWindSeries` with every OMNI fill
value turned into NaN; problems raise :class:`~smile_viewer.errors.DataFileError` naming the
file (and the line for ASCII files). Layouts, the words read and the fill values:
docs/formats.md#omni-solar-wind.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import erfa
import numpy as np
from astropy.time import Time

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.checked_file import checked_path, read_bytes
from smile_viewer.io.guarded import guard
from smile_viewer.physics.solar_wind import DEFAULT_MAX_GAP_S, SolarWindSeries

__all__ = [
    "read_omni_ascii",
    "read_omni_cdf",
    "read_solar_wind",
    "HRO_1MIN_FORMAT",
    "HRO_5MIN_FORMAT",
    "HRO_WORDS",
]

#: Fortran record format of the 1-min HRO ASCII files (hroformat.txt).
HRO_1MIN_FORMAT = "2I4,4I3,3I4,2I7,F6.2,I7,8F8.2,4F8.1,F7.2,F9.0,F6.2,2F7.2,F6.1,6F8.2,7I6,F7.2,F5.1"
#: Fortran record format of the 5-min HRO ASCII files: the 1-min words plus three proton fluxes.
HRO_5MIN_FORMAT = HRO_1MIN_FORMAT + ",3F9.2"

#: The 46 words of an HRO 1-min record (hroformat.txt); 5-min records add the last three.
HRO_WORDS = (
    "Year",
    "Day",
    "Hour",
    "Minute",
    "ID for IMF spacecraft",
    "ID for SW plasma spacecraft",
    "# of points in IMF averages",
    "# of points in plasma averages",
    "Percent interp",
    "Timeshift, s",
    "RMS, timeshift",
    "RMS, phase front normal",
    "Time btwn observations, s",
    "Field magnitude average, nT",
    "Bx GSE/GSM, nT",
    "By GSE, nT",
    "Bz GSE, nT",
    "By GSM, nT",
    "Bz GSM, nT",
    "RMS SD B scalar, nT",
    "RMS SD field vector, nT",
    "Flow speed, km/s",
    "Vx GSE, km/s",
    "Vy GSE, km/s",
    "Vz GSE, km/s",
    "Proton density, n/cc",
    "Temperature, K",
    "Flow pressure, nPa",
    "Electric field, mV/m",
    "Plasma beta",
    "Alfven mach number",
    "X(s/c) GSE, Re",
    "Y(s/c) GSE, Re",
    "Z(s/c) GSE, Re",
    "BSN location Xgse, Re",
    "BSN location Ygse, Re",
    "BSN location Zgse, Re",
    "AE-index, nT",
    "AL-index, nT",
    "AU-index, nT",
    "SYM/D index, nT",
    "SYM/H index, nT",
    "ASY/D index, nT",
    "ASY/H index, nT",
    "PC(N) index",
    "Magnetosonic mach number",
    "Proton flux >10 MeV",
    "Proton flux >30 MeV",
    "Proton flux >60 MeV",
)
_N_WORDS_1MIN = 46
_N_WORDS_5MIN = 49

# 0-based word indices and HRO fill values of the words read.
_COL = {
    "year": 0,
    "day": 1,
    "hour": 2,
    "minute": 3,
    "bx": 14,
    "by_gsm": 17,
    "bz_gsm": 18,
    "speed": 21,
    "vx": 22,
    "vy": 23,
    "vz": 24,
    "n": 25,
    "t": 26,
}
_ASCII_FILL = {
    "bx": 9999.99,
    "by_gsm": 9999.99,
    "bz_gsm": 9999.99,
    "speed": 99999.9,
    "vx": 99999.9,
    "vy": 99999.9,
    "vz": 99999.9,
    "n": 999.99,
    "t": 9999999.0,
}

# CDAWeb variable names, and the HRO fill value used when a variable has no FILLVAL.
_CDF_VARS = {
    "bx": ("BX_GSE", 9999.99),
    "by_gsm": ("BY_GSM", 9999.99),
    "bz_gsm": ("BZ_GSM", 9999.99),
    "vx": ("Vx", 99999.9),
    "vy": ("Vy", 99999.9),
    "vz": ("Vz", 99999.9),
    "n": ("proton_density", 999.99),
    "t": ("T", 9999999.0),
}
_CDF_OPTIONAL = {"speed": ("flow_speed", 99999.9)}

_CDF_MAGIC = (b"\xcd\xf3\x00\x01", b"\xcd\xf2\x60\x02", b"\x00\x00\xff\xff")


# ---------------------------------------------------------------------------------------
# helpers
# ---------------------------------------------------------------------------------------


def _check_path(path: str | Path, kind: str = "omni_ascii") -> Path:
    """A regular, readable file within the size limit of ``kind`` (io.checked_file)."""
    try:
        return checked_path(path, kind)
    except DataFileError as exc:
        if exc.problem == "no such file":
            raise DataFileError(exc.path, "file not found") from None
        raise


def _fortran_widths(fmt: str) -> list[int]:
    """Field widths of a simple Fortran format such as ``2I4,F6.2,3F8.1``."""
    widths: list[int] = []
    for tok in fmt.replace(" ", "").split(","):
        m = re.fullmatch(r"(\d*)([IFEA])(\d+)(?:\.\d+)?", tok)
        if not m:
            raise ValueError(f"unsupported Fortran edit descriptor {tok!r}")
        widths += [int(m.group(3))] * int(m.group(1) or 1)
    return widths


def _fixed_spans(fmt: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for w in _fortran_widths(fmt):
        spans.append((pos, pos + w))
        pos += w
    return spans


_SPANS = {_N_WORDS_1MIN: _fixed_spans(HRO_1MIN_FORMAT), _N_WORDS_5MIN: _fixed_spans(HRO_5MIN_FORMAT)}
_RECORD_LENGTH = {spans[-1][1]: n for n, spans in _SPANS.items()}  # 299 -> 46, 326 -> 49


def _mask_fill(values: np.ndarray, fill: float) -> np.ndarray:
    """NaN where ``values`` equals ``fill`` (to float32 precision) or is a huge ISTP fill."""
    a = np.array(values, dtype=float, copy=True)
    with np.errstate(invalid="ignore"):
        bad = np.isclose(a, fill, rtol=1e-6, atol=0.0) | (np.abs(a) >= 1e30)
    a[bad] = np.nan
    return a


def _build_series(path: Path, times: Time, cols: dict[str, np.ndarray], max_gap_s: float) -> SolarWindSeries:
    """Assemble a SolarWindSeries from fill-masked columns (NaN = missing)."""
    v = np.column_stack([cols["vx"], cols["vy"], cols["vz"]])
    speed = cols.get("speed")
    if speed is not None:
        radial = ~np.all(np.isfinite(v), axis=1) & np.isfinite(speed)
        v[radial] = np.column_stack([-speed[radial], np.zeros(radial.sum()), np.zeros(radial.sum())])
    b = np.column_stack([cols["bx"], cols["by_gsm"], cols["bz_gsm"]])
    try:
        return SolarWindSeries(times, cols["n"], v, cols["t"], b, max_gap_s=max_gap_s, source=str(path))
    except UserInputError as exc:
        if isinstance(exc, DataFileError):
            raise
        msg = str(exc)
        prefix = f"{path}: "
        raise DataFileError(path, msg[len(prefix) :] if msg.startswith(prefix) else msg) from None


# ---------------------------------------------------------------------------------------
# ASCII
# ---------------------------------------------------------------------------------------


def _read_ascii_bytes(path: Path) -> bytes:
    """The file's bytes, refusing binary and non-ASCII content."""
    raw = read_bytes(path, "omni_ascii")
    if b"\x00" in raw[:65536]:
        raise DataFileError(path, "is a binary file, not an OMNI ASCII text file")
    try:
        raw.decode("ascii")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataFileError(path, f"line {line}: non-ASCII bytes; not an OMNI ASCII text file") from None
    return raw


def _record_lines(raw: bytes) -> list[tuple[int, str]]:
    """(line number, text) of each data record: blank lines and ``#`` comments skipped."""
    out = []
    for number, line in enumerate(raw.decode("ascii").splitlines(), start=1):
        s = line.strip()
        if s and not s.startswith("#"):
            out.append((number, line.rstrip("\r\n")))
    return out


def _parse_fixed_fast(raw: bytes) -> np.ndarray | None:
    """Fast path for files exactly in the HRO fixed layout (the files SPDF distributes).

    Every line must be a 299-character (1-min) or 326-character (5-min) record; the needed
    columns are then converted straight from their fixed byte spans. Returns None (use the
    line-by-line reader, which gives precise errors) for anything else.
    """
    first_nl = raw.find(b"\n")
    if first_nl <= 0:
        return None
    length = first_nl - (1 if raw[first_nl - 1 : first_nl] == b"\r" else 0)
    n_words = _RECORD_LENGTH.get(length)
    if n_words is None:
        return None
    rec = first_nl + 1
    if len(raw) % rec == rec - (first_nl - length) - 1 and not raw.endswith(b"\n"):
        raw = raw + raw[length:first_nl] + b"\n"  # last line without its line end
    if len(raw) % rec:
        return None
    table = np.frombuffer(raw, dtype=np.uint8).reshape(-1, rec)
    if not np.all(table[:, first_nl] == 10) or (first_nl > length and not np.all(table[:, length] == 13)):
        return None
    spans = _SPANS[n_words]
    wanted = sorted(_COL.values())
    out = np.empty((table.shape[0], len(wanted)))
    try:
        for j, col in enumerate(wanted):
            a, b = spans[col]
            field_bytes = np.ascontiguousarray(table[:, a:b]).view(f"S{b - a}").ravel()
            out[:, j] = field_bytes.astype(float)
    except ValueError:
        return None
    return out


def _parse_record(path: Path, number: int, line: str) -> list[str]:
    tokens = line.split()
    if len(tokens) in (_N_WORDS_1MIN, _N_WORDS_5MIN):
        return tokens
    n_words = _RECORD_LENGTH.get(len(line.rstrip()))
    if n_words is None and len(line) in _RECORD_LENGTH:
        n_words = _RECORD_LENGTH[len(line)]
    if n_words is not None:  # fields touching each other: use the fixed column widths
        return [line[a:b].strip() for a, b in _SPANS[n_words]]
    raise DataFileError(
        path,
        f"line {number}: {len(tokens)} columns, but an OMNI high-resolution record has "
        f"{_N_WORDS_1MIN} (1-min) or {_N_WORDS_5MIN} (5-min) — is this an OMNI HRO file "
        "(omni_min*.asc / omni_5min*.asc)?",
    )


def _parse_records(path: Path, records: list[tuple[int, str]]) -> np.ndarray:
    """The needed words of every record as floats, with line-numbered errors."""
    wanted = sorted(_COL.values())
    out = np.empty((len(records), len(wanted)))
    n_words_first = None
    for row, (number, line) in enumerate(records):
        tokens = _parse_record(path, number, line)
        if n_words_first is None:
            n_words_first = len(tokens)
        elif len(tokens) != n_words_first:
            raise DataFileError(
                path,
                f"line {number}: {len(tokens)} columns where the first record has {n_words_first}",
            )
        for j, col in enumerate(wanted):
            tok = tokens[col]
            try:
                out[row, j] = float(tok)
            except ValueError:
                raise DataFileError(
                    path,
                    f"line {number}, column {col + 1} ({HRO_WORDS[col]}): cannot read {tok!r} as a number",
                ) from None
    return out


def _hro_times(path: Path, year, day, hour, minute, numbers) -> Time:
    """Times from HRO Year, Day-of-year, Hour, Minute columns, with line-numbered checks."""

    def fail(mask: np.ndarray, what: str) -> None:
        k = int(np.flatnonzero(mask)[0])
        raise DataFileError(
            path,
            f"line {numbers[k]}: {what} (year {year[k]:g}, day {day[k]:g}, hour {hour[k]:g}, minute {minute[k]:g})",
        )

    for name, col in (("year", year), ("day", day), ("hour", hour), ("minute", minute)):
        bad = ~np.isfinite(col) | (col != np.round(col))
        if bad.any():
            fail(bad, f"the {name} is not a whole number")
    yi, di, hi, mi = (np.asarray(c, dtype=np.int64) for c in (year, day, hour, minute))
    leap = ((yi % 4 == 0) & (yi % 100 != 0)) | (yi % 400 == 0)
    checks = (
        ((yi < 1900) | (yi > 2200), "year out of range"),
        ((di < 1) | (di > np.where(leap, 366, 365)), "day of year out of range"),
        ((hi < 0) | (hi > 23), "hour out of range 0-23"),
        ((mi < 0) | (mi > 59), "minute out of range 0-59"),
    )
    for bad, what in checks:
        if bad.any():
            fail(bad, what)
    date = (yi - 1970).astype("datetime64[Y]").astype("datetime64[D]") + (di - 1).astype("timedelta64[D]")
    month_start = date.astype("datetime64[M]")
    month = month_start.astype(np.int64) % 12 + 1
    mday = (date - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    return _utc_time(path, yi, month, mday, hi, mi, np.zeros(len(yi)))


def _utc_time(path: Path, year, month, day, hour, minute, second) -> Time:
    """UTC Time from calendar fields, vectorised (erfa.dtf2d; leap seconds as in UTC)."""
    try:
        jd1, jd2 = erfa.dtf2d(
            b"UTC",
            np.asarray(year, dtype=np.int32),
            np.asarray(month, dtype=np.int32),
            np.asarray(day, dtype=np.int32),
            np.asarray(hour, dtype=np.int32),
            np.asarray(minute, dtype=np.int32),
            np.asarray(second, dtype=float),
        )
    except (ValueError, erfa.ErfaError) as exc:
        raise DataFileError(path, f"impossible date or time ({exc})") from None
    return Time(jd1, jd2, format="jd", scale="utc")


def read_omni_ascii(path: str | Path, *, max_gap_s: float = DEFAULT_MAX_GAP_S) -> SolarWindSeries:
    """Read an OMNI high-resolution (HRO) ASCII file, 1-min or 5-min, into a SolarWindSeries.

    The layout is that of ``hroformat.txt`` at
    https://spdf.gsfc.nasa.gov/pub/data/omni/high_res_omni/ (see this module's docstring):
    46 words per record for 1-min files (``omni_min*.asc``), 49 for 5-min files
    (``omni_5min*.asc``). Blank lines and lines starting with ``#`` are skipped.

    Fill values (9999.99 nT, 99999.9 km/s, 999.99 cm^-3, 9999999. K) become NaN.
    ``max_gap_s`` is the longest gap the series interpolates across (default 1 h).

    Raises :class:`~smile_viewer.errors.DataFileError` naming the file and the problem (with
    the line number): missing or unreadable file, wrong number of columns, a word that is not
    a number, an impossible date, duplicate times, no records.
    """
    p = _check_path(path)
    raw = _read_ascii_bytes(p)
    data = _parse_fixed_fast(raw)
    if data is not None:
        numbers = np.arange(1, data.shape[0] + 1)
    else:
        records = _record_lines(raw)
        if not records:
            raise DataFileError(p, "holds no data records")
        data = _parse_records(p, records)
        numbers = np.array([n for n, _ in records])
    wanted = sorted(_COL.values())
    col = {name: data[:, wanted.index(idx)] for name, idx in _COL.items()}
    times = _hro_times(p, col["year"], col["day"], col["hour"], col["minute"], numbers)
    cols = {name: _mask_fill(col[name], fill) for name, fill in _ASCII_FILL.items()}
    return _build_series(p, times, cols, max_gap_s)


# ---------------------------------------------------------------------------------------
# CDF
# ---------------------------------------------------------------------------------------


def _attr_number(atts: dict, name: str) -> float | None:
    value = atts.get(name)
    if value is None or isinstance(value, str):
        return None
    try:
        arr = np.asarray(value, dtype=float).ravel()
    except (TypeError, ValueError):
        return None
    return float(arr[0]) if arr.size else None


def _cdf_times(path: Path, epoch: np.ndarray, cdfepoch: Any) -> tuple[Time, np.ndarray]:
    """UTC times from CDF_EPOCH / EPOCH16 / TT2000 values; returns (times, good-record mask)."""
    epoch = np.asarray(epoch)
    if epoch.dtype.kind not in "fic":
        raise DataFileError(path, f"Epoch has data type {epoch.dtype}, not a CDF time type")
    if epoch.dtype.kind == "i":
        epoch = epoch.astype(np.int64)
        bad = epoch <= np.iinfo(np.int64).min + 1  # TT2000 fill and pad values
    elif epoch.dtype.kind == "f":
        epoch = epoch.astype(np.float64)
        bad = ~np.isfinite(epoch) | (epoch <= 0) | (epoch >= 3.15569e14)  # fill -1e31, pad 0
    else:
        epoch = epoch.astype(np.complex128)
        bad = ~np.isfinite(epoch.real) | (epoch.real <= 0) | (epoch.real >= 3.15569e11)
    good = ~bad
    if not good.any():
        raise DataFileError(path, "every Epoch value is a fill value")
    parts = np.atleast_2d(np.asarray(cdfepoch.breakdown(epoch[good]), dtype=float))
    sec = parts[:, 5].copy()
    for k, scale in zip(range(6, parts.shape[1]), (1e-3, 1e-6, 1e-9, 1e-12)):
        sec += parts[:, k] * scale
    times = _utc_time(path, *(parts[:, k].astype(np.int64) for k in range(5)), sec)
    return times, good


@guard("CDF", "omni_cdf", check=lambda path: _check_path(path, "omni_cdf"))
def read_omni_cdf(path: str | Path, *, max_gap_s: float = DEFAULT_MAX_GAP_S) -> SolarWindSeries:
    """Read a CDAWeb OMNI_HRO_1MIN or OMNI_HRO_5MIN CDF file into a SolarWindSeries.

    Uses cdflib. Needs the variables ``BX_GSE``, ``BY_GSM``, ``BZ_GSM``, ``Vx``, ``Vy``,
    ``Vz``, ``proton_density``, ``T`` and their time variable (the ``DEPEND_0`` of ``BZ_GSM``,
    normally ``Epoch``); ``flow_speed`` is used where present. Values equal to a variable's
    ``FILLVAL`` or outside its ``VALIDMIN``–``VALIDMAX`` become NaN; records whose Epoch is a
    fill value are dropped.

    Raises :class:`~smile_viewer.errors.DataFileError` naming the file and the problem:
    missing file, not a CDF or corrupt, a missing variable, variables of different lengths.
    """
    import cdflib  # lazy: only CDF inputs need cdflib

    p = _check_path(path, "omni_cdf")
    try:
        with open(p, "rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise DataFileError(p, f"cannot read the file ({exc.strerror or exc})") from None
    if magic not in _CDF_MAGIC:
        raise DataFileError(p, "is not a CDF file (wrong magic number)")
    try:
        cdf = cdflib.CDF(str(p))
        info = cdf.cdf_info()
    except Exception as exc:  # cdflib raises many kinds on damaged files
        raise DataFileError(
            p, f"cannot read the CDF file, it may be corrupt ({type(exc).__name__}: {exc})"
        ) from None

    try:
        names = list(info.zVariables) + list(info.rVariables)
        lower = {n.lower(): n for n in names}

        def find(var: str) -> str | None:
            return var if var in names else lower.get(var.lower())

        missing = [v for v, _ in _CDF_VARS.values() if find(v) is None]
        if missing:
            shown = ", ".join(names[:30]) + (" …" if len(names) > 30 else "")
            raise DataFileError(
                p,
                f"variable(s) {', '.join(missing)} not found — is this a CDAWeb OMNI_HRO_1MIN or "
                f"OMNI_HRO_5MIN file? It has: {shown or 'no variables'}",
            )

        def read_var(var: str, default_fill: float) -> np.ndarray:
            name = find(var)
            try:
                values = cdf.varget(name)
                atts = cdf.varattsget(name)
            except Exception as exc:
                raise DataFileError(
                    p, f"cannot read variable {var}, the file may be corrupt ({type(exc).__name__}: {exc})"
                ) from None
            if values is None:
                return np.empty(0)
            a = np.asarray(values)
            if a.dtype.kind not in "fiu":
                raise DataFileError(p, f"variable {var} is not numeric (type {a.dtype})")
            a = np.ravel(a).astype(float)
            fill = _attr_number(atts, "FILLVAL")
            a = _mask_fill(a, default_fill if fill is None else fill)
            vmin, vmax = _attr_number(atts, "VALIDMIN"), _attr_number(atts, "VALIDMAX")
            with np.errstate(invalid="ignore"):  # float32 limits: allow 1e-6 relative slack
                if vmin is not None and math.isfinite(vmin):
                    a[a < vmin - 1e-6 * abs(vmin)] = np.nan
                if vmax is not None and math.isfinite(vmax):
                    a[a > vmax + 1e-6 * abs(vmax)] = np.nan
            return a

        # the time variable: BZ_GSM's DEPEND_0 (ISTP), else Epoch
        try:
            dep = cdf.varattsget(find("BZ_GSM")).get("DEPEND_0")
        except Exception:  # unreadable attributes: read_var reports the damage below
            dep = None
        epoch_name = find(dep.strip()) if isinstance(dep, str) else None
        epoch_name = epoch_name or find("Epoch")
        if epoch_name is None:
            raise DataFileError(p, "no time variable: neither Epoch nor a DEPEND_0 of BZ_GSM is in the file")
        try:
            epoch = cdf.varget(epoch_name)
        except Exception as exc:
            raise DataFileError(
                p, f"cannot read variable {epoch_name} ({type(exc).__name__}: {exc})"
            ) from None
        if epoch is None or np.size(epoch) == 0:
            raise DataFileError(p, f"variable {epoch_name} holds no records")
        epoch = np.ravel(np.asarray(epoch))

        cols = {key: read_var(var, fill) for key, (var, fill) in _CDF_VARS.items()}
        for key, (var, fill) in _CDF_OPTIONAL.items():
            if find(var) is not None:
                cols[key] = read_var(var, fill)
        for key, a in cols.items():
            if a.shape[0] != epoch.shape[0]:
                var = (_CDF_VARS.get(key) or _CDF_OPTIONAL[key])[0]
                raise DataFileError(
                    p, f"variable {var} has {a.shape[0]} records but {epoch_name} has {epoch.shape[0]}"
                )
        times, good = _cdf_times(p, epoch, cdflib.cdfepoch)
    finally:
        cdf = None  # drop cdflib's reader (it holds the file open) before building the series
    cols = {k: a[good] for k, a in cols.items()}
    return _build_series(p, times, cols, max_gap_s)


# ---------------------------------------------------------------------------------------
# dispatch
# ---------------------------------------------------------------------------------------


def read_solar_wind(path: str | Path, *, max_gap_s: float = DEFAULT_MAX_GAP_S) -> SolarWindSeries:
    """Read a solar wind file, choosing the reader from its content (then its extension).

    A file that starts with a CDF magic number, or is named ``*.cdf``, is read by
    :func:`read_omni_cdf`; anything else as OMNI high-resolution ASCII by
    :func:`read_omni_ascii`.
    """
    p = _check_path(path)
    try:
        with open(p, "rb") as fh:
            head = fh.read(4)
    except OSError as exc:
        raise DataFileError(p, f"cannot read the file ({exc.strerror or exc})") from None
    if head in _CDF_MAGIC or p.suffix.lower() == ".cdf":
        return read_omni_cdf(p, max_gap_s=max_gap_s)
    return read_omni_ascii(p, max_gap_s=max_gap_s)
