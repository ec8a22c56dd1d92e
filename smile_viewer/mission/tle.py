"""Two-line element sets: reading, checking, writing, and SGP4/SDP4 propagation.

Propagation is the ``sgp4`` package (Vallado's C++ SGP4, WGS-72 constants as the TLE theory
requires; deep-space SDP4 is selected automatically for periods over 225 min, as SMILE's). SGP4
works in TEME (true equator, mean equinox of date); :class:`TLEOrbit` rotates its states into
``"gei"`` (GCRS) with **astropy's** TEME → GCRS transformation (TEME → ITRS with GMST-82, then
ITRS → CIRS → GCRS, IAU 2006/2000A). Polar motion cancels in that chain and UT1 nearly does
(only GMST − ERA remains, which drifts at the precession rate: a UT1 error of δ seconds turns
the result by ~7e-12·δ rad), so missing IERS predictions do not matter here.

To keep long ephemerides fast the TEME → GCRS matrix is computed by astropy on a 4-hour grid of
TT and interpolated with a cubic (4-node Lagrange) polynomial: the error is about 1e-12 rad
(sub-millimetre at 20 R_E), far below SGP4's own km-level accuracy; short requests get exact
matrices. Velocities are rotated without the TEME → GCRS rotation rate (precession and
nutation, ≤ 1e-11 rad/s: ≤ 1.5e-6 km/s at 20 R_E).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from pathlib import Path

import astropy.units as u
import numpy as np
from astropy.coordinates import GCRS, TEME, CartesianRepresentation
from astropy.time import Time, TimeDelta
from astropy.utils import iers
from sgp4.api import SGP4_ERRORS, WGS72, Satrec

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.checked_file import read_bytes
from smile_viewer.mission.orbit import Orbit, seconds_since

_TLE_LEN = 69
_GRID_STEP_S = 4 * 3600.0
_J2000_TT = Time(2451545.0, format="jd", scale="tt")


# ---------------------------------------------------------------------------------------------
# Checksums and formatting
# ---------------------------------------------------------------------------------------------


def tle_checksum(line: str) -> int:
    """The TLE checksum of a line: digits summed, each ``-`` counts 1, modulo 10 (columns 1–68)."""
    return sum(int(c) if c.isdigit() else (1 if c == "-" else 0) for c in line[:68]) % 10


def _exp_field(x: float) -> str:
    """TLE 'assumed decimal point' field: sign, 5 mantissa digits, signed exponent (8 chars)."""
    if x == 0:
        return " 00000-0"
    sign = "-" if x < 0 else " "
    m = abs(x)
    p = int(np.floor(np.log10(m))) + 1  # m = 0.ddddd × 10^p
    digits = int(round(m / 10.0**p * 1e5))
    if digits >= 100000:
        digits //= 10
        p += 1
    if not -9 <= p <= 9:
        raise ValueError(f"value {x} does not fit a TLE exponent field")
    return f"{sign}{digits:05d}{'-' if p < 0 else '+'}{abs(p)}"


def format_tle(
    *,
    epoch,
    inclination_deg: float,
    raan_deg: float,
    eccentricity: float,
    arg_perigee_deg: float,
    mean_anomaly_deg: float,
    mean_motion_rev_day: float,
    catalog_number: int = 99999,
    classification: str = "U",
    intl_designator: str = "26001A",
    ndot_rev_day2: float = 0.0,
    nddot_rev_day3: float = 0.0,
    bstar: float = 0.0,
    element_set: int = 999,
    rev_number: int = 0,
) -> tuple[str, str]:
    """Two 69-column TLE lines (with checksums) from mean elements.

    ``ndot_rev_day2`` is the first derivative of the mean motion divided by two and
    ``nddot_rev_day3`` the second divided by six, as the TLE format defines them.
    """
    t = Time(epoch).utc
    t.precision = 6
    year_s, day_s, hh, mm, ss = t.yday.split(":")  # 'YYYY:DDD:hh:mm:ss.ssssss' (UTC day fractions)
    year = int(year_s)
    doy = int(day_s) + (int(hh) * 3600 + int(mm) * 60 + float(ss)) / 86400.0
    if not 0 < eccentricity < 1:
        raise ValueError(f"eccentricity must be in (0, 1), got {eccentricity}")
    if not 0 <= catalog_number <= 99999:
        raise ValueError("catalog number must have at most 5 digits")
    if abs(ndot_rev_day2) >= 1:
        raise ValueError("|ndot/2| must be below 1 rev/day²")
    ndot = f"{ndot_rev_day2:+.8f}".replace("0.", ".", 1).replace("+", " ")
    ecc = f"{eccentricity:.7f}"[2:]
    l1 = (
        f"1 {catalog_number:05d}{classification[:1]:1s} {intl_designator:<8.8s} "
        f"{year % 100:02d}{doy:012.8f} {ndot} {_exp_field(nddot_rev_day3)} {_exp_field(bstar)} "
        f"0 {element_set % 10000:4d}"
    )
    l2 = (
        f"2 {catalog_number:05d} {inclination_deg % 360:8.4f} {raan_deg % 360:8.4f} {ecc} "
        f"{arg_perigee_deg % 360:8.4f} {mean_anomaly_deg % 360:8.4f} {mean_motion_rev_day:11.8f}"
        f"{rev_number % 100000:5d}"
    )
    assert len(l1) == 68 and len(l2) == 68, (l1, l2)
    return l1 + str(tle_checksum(l1)), l2 + str(tle_checksum(l2))


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------


def _source_lines(path_or_lines) -> tuple[str, list[tuple[int, str]]]:
    """(source name, [(line number, text)]) of the non-blank lines."""
    is_text = isinstance(path_or_lines, str) and "\n" in path_or_lines
    if isinstance(path_or_lines, (str, Path)) and not is_text:
        path = Path(path_or_lines)
        raw = read_bytes(path, "tle", allow_empty=True)
        try:
            text = raw.decode("ascii")
        except UnicodeDecodeError:
            raise DataFileError(path, "not a text TLE file (non-ASCII bytes)") from None
        source, lines = str(path), text.splitlines()
    elif isinstance(path_or_lines, str):
        source, lines = "<TLE text>", path_or_lines.splitlines()
    elif isinstance(path_or_lines, Sequence):
        source, lines = "<TLE lines>", [str(s) for s in path_or_lines]
    else:
        raise UserInputError(f"expected a TLE file path or its lines, got {type(path_or_lines).__name__}")
    return source, [(i + 1, s.rstrip()) for i, s in enumerate(lines) if s.strip()]


def read_tle(path_or_lines) -> tuple[str | None, str, str, str]:
    """``(name or None, line1, line2, source)`` of the first element set, checked.

    Accepts a file path or the text / list of its lines: two lines, or three with a name line
    first (``0 NAME`` or ``NAME``). Wrong lengths, line numbers, catalogue numbers or checksums
    raise :class:`DataFileError` naming the source and the line.
    """
    source, lines = _source_lines(path_or_lines)
    if len(lines) < 2:
        raise DataFileError(source, "a TLE needs two element lines (starting '1 ' and '2 ')")
    name = None
    first = lines[0][1]
    if not first.startswith("1 ") and not (first.startswith("2 ") and len(first) == _TLE_LEN):
        num, text = lines.pop(0)
        name = text[2:].strip() if text.startswith("0 ") else text.strip()
        if len(lines) < 2:
            raise DataFileError(
                source, f"line {num}: name line {text!r} is not followed by two element lines"
            )
    (n1, l1), (n2, l2) = lines[0], lines[1]
    for num, text, first in ((n1, l1, "1"), (n2, l2, "2")):
        if not text.startswith(first + " "):
            raise DataFileError(
                source, f"line {num}: a TLE line {first} must start with '{first} ', got {text[:20]!r}"
            )
        if len(text) != _TLE_LEN:
            raise DataFileError(
                source, f"line {num}: a TLE line has {_TLE_LEN} columns, this one {len(text)}"
            )
        if not text[68].isdigit() or int(text[68]) != tle_checksum(text):
            raise DataFileError(
                source, f"line {num}: checksum is {text[68]!r}, the line's digits give {tle_checksum(text)}"
            )
    if l1[2:7] != l2[2:7]:
        raise DataFileError(
            source, f"line {n2}: catalogue number {l2[2:7]!r} differs from line 1's {l1[2:7]!r}"
        )
    return name, l1, l2, source


# ---------------------------------------------------------------------------------------------
# TEME → GEI
# ---------------------------------------------------------------------------------------------


def _teme_to_gcrs_exact(times: Time) -> np.ndarray:
    """(N,3,3) TEME → GCRS rotation from astropy, one transform per basis vector and time."""
    n = len(times)
    idx = np.tile(np.arange(n), 3)
    basis = np.repeat(np.eye(3), n, axis=0)  # rows: e_x (n times), e_y, e_z
    tt = times[idx]
    with warnings.catch_warnings():
        # UT1 and polar motion cancel in TEME -> ITRS -> GCRS (see module docstring).
        warnings.simplefilter("ignore", iers.IERSDegradedAccuracyWarning)
        warnings.filterwarnings("ignore", message=".*dubious year.*")
        c = TEME(CartesianRepresentation(basis.T * u.km), obstime=tt).transform_to(GCRS(obstime=tt))
    cols = c.cartesian.xyz.to_value(u.km).T.reshape(3, n, 3)  # cols[j, k] = R_k e_j
    return np.transpose(cols, (1, 2, 0))


def teme_to_gei_matrix(times: Time) -> np.ndarray:
    """(N,3,3) rotation taking TEME vectors to GEI (GCRS) at ``times`` (1-D)."""
    n = len(times)
    s = seconds_since(times, _J2000_TT) / _GRID_STEP_S
    k = np.floor(s).astype(np.int64)
    nodes = np.unique(np.concatenate([k - 1, k, k + 1, k + 2]))
    if nodes.size >= n:
        return _teme_to_gcrs_exact(times)
    node_times = _J2000_TT + TimeDelta(nodes * _GRID_STEP_S, format="sec")
    mats = _teme_to_gcrs_exact(node_times)
    pos = np.searchsorted(nodes, k)
    u = s - k
    w = np.stack(
        [
            -u * (u - 1) * (u - 2) / 6,
            (u + 1) * (u - 1) * (u - 2) / 2,
            -(u + 1) * u * (u - 2) / 2,
            (u + 1) * u * (u - 1) / 6,
        ],
        axis=-1,
    )
    out = np.zeros((n, 3, 3))
    for j in range(4):
        out += w[:, j, None, None] * mats[pos - 1 + j]
    return out


# ---------------------------------------------------------------------------------------------
# The orbit
# ---------------------------------------------------------------------------------------------


class TLEOrbit(Orbit):
    """SGP4/SDP4 propagation of a TLE (``sgp4`` package), states rotated TEME → GEI."""

    native_frame = "gei"

    def __init__(self, line1: str, line2: str, *, name: str | None = None, source: str = "<TLE>"):
        try:
            self.satrec = Satrec.twoline2rv(line1, line2, WGS72)
        except (ValueError, IndexError) as exc:
            raise DataFileError(source, f"cannot read the TLE fields: {exc}") from None
        self.line1, self.line2, self.source = line1, line2, source
        self.name = name or f"TLE {line1[2:7].strip()}"
        self.description = f"TLE {source} (SGP4, TEME -> GEI via astropy): {line1} / {line2}"
        self._epoch = Time(self.satrec.jdsatepoch, self.satrec.jdsatepochF, format="jd", scale="utc")
        if not self.satrec.no_kozai > 0:
            raise DataFileError(source, "mean motion must be positive")
        self._check_elements()

    def _check_elements(self) -> None:
        """Non-finite or impossible elements (a damaged line that still has a valid checksum), or
        an element set SGP4 cannot propagate at its own epoch, are refused in one line."""
        s = self.satrec
        fields = {
            "eccentricity": s.ecco,
            "inclination [rad]": s.inclo,
            "RAAN [rad]": s.nodeo,
            "argument of perigee [rad]": s.argpo,
            "mean anomaly [rad]": s.mo,
            "mean motion [rad/min]": s.no_kozai,
            "BSTAR": s.bstar,
        }
        for field, value in fields.items():
            if not math.isfinite(value):
                raise DataFileError(self.source, f"TLE {field} = {value!r} is not a finite number")
        if not 0.0 <= s.ecco < 1.0:
            raise DataFileError(self.source, f"TLE eccentricity = {s.ecco!r} is out of range [0, 1)")
        err, r, _ = s.sgp4(s.jdsatepoch, s.jdsatepochF)
        if err or not all(math.isfinite(x) for x in r):
            why = SGP4_ERRORS.get(int(err), "non-finite position") if err else "non-finite position"
            raise DataFileError(self.source, f"SGP4 cannot propagate this TLE at its epoch ({why})")

    @property
    def epoch(self) -> Time:
        return self._epoch

    @property
    def period_s(self) -> float:
        """Period from the TLE mean motion (Kozai) [s]."""
        return float(2 * np.pi / self.satrec.no_kozai * 60.0)

    def teme_state(self, times) -> tuple[np.ndarray, np.ndarray]:
        """SGP4 position [km] and velocity [km/s] in TEME, (N,3) for a 1-D ``Time`` array."""
        t = Time(times).utc.reshape(-1)
        err, r, v = self.satrec.sgp4_array(np.ascontiguousarray(t.jd1), np.ascontiguousarray(t.jd2))
        bad = np.nonzero(err)[0]
        if bad.size:
            i = bad[0]
            raise UserInputError(
                f"SGP4 cannot propagate {self.name} to {t[i].isot}: "
                f"{SGP4_ERRORS.get(int(err[i]), 'error ' + str(err[i]))}"
            )
        r, v = np.asarray(r), np.asarray(v)
        if not (np.isfinite(r).all() and np.isfinite(v).all()):
            i = int(np.nonzero(~np.isfinite(r).all(axis=-1) | ~np.isfinite(v).all(axis=-1))[0][0])
            raise UserInputError(f"SGP4 gives a non-finite position for {self.name} at {t[i].isot}")
        return r, v

    def _state_native(self, times: Time) -> tuple[np.ndarray, np.ndarray]:
        r, v = self.teme_state(times)
        m = teme_to_gei_matrix(times)
        return np.einsum("nij,nj->ni", m, r), np.einsum("nij,nj->ni", m, v)


def orbit_from_tle(path_or_lines, *, name: str | None = None) -> TLEOrbit:
    """A :class:`TLEOrbit` from a TLE file path, its text, or its 2–3 lines (first set used)."""
    tle_name, l1, l2, source = read_tle(path_or_lines)
    return TLEOrbit(l1, l2, name=name or tle_name, source=source)
