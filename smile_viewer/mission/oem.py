"""CCSDS Orbit Ephemeris Messages (OEM, CCSDS 502.0-B-2/-3, KVN form) and ephemeris orbits.

Writing (:func:`write_oem`): version 2.0 (or 3.0), one segment, ``TIME_SYSTEM = UTC``, epochs to
the microsecond, positions [km] and velocities [km/s] with 17 significant digits
(``%.16e``: a double survives the round trip bit for bit). ``REF_FRAME``: ``EME2000`` for
``"gei"``, ``ITRF`` for ``"geo"``. GSE, GSM and SM have no CCSDS/SANA code: they are written as
the custom values ``GSE``, ``GSM``, ``SM`` with a ``COMMENT`` in the metadata defining them, and
read back as such (other software will not know them).

Reading (:func:`read_oem`): versions 1.0–3.0, KVN only (XML is not supported). Several segments
are merged when they share ``CENTER_NAME``, ``REF_FRAME`` and ``TIME_SYSTEM`` (an epoch repeated
at a segment boundary is kept once; interpolation windows may then straddle the boundary).
``CENTER_NAME`` must be ``EARTH``. ``REF_FRAME``: ``EME2000``/``J2000``/``GCRF``/``ICRF`` →
``"gei"`` (the 23 mas frame bias between EME2000 and GCRF, ≤ 15 m at 20 R_E, is ignored),
``ITRF*`` → ``"geo"``, and the custom ``GSE``/``GSM``/``SM``. ``TIME_SYSTEM``: UTC, TAI, TT,
TDB, TCB, TCG, GPS. Accelerations are accepted and ignored; covariance blocks are skipped.
Anything malformed raises :class:`~smile_viewer.errors.DataFileError` naming the file, the
line and the problem.

Interpolation (:class:`EphemerisOrbit`) follows the file's ``INTERPOLATION`` keyword:

- ``HERMITE`` (the default when absent, degree 7): position and velocity on ``m = (d + 1) // 2``
  nodes give a polynomial of degree ``2m − 1`` — the ``INTERPOLATION_DEGREE`` ``d`` is taken as
  the polynomial degree, as SPICE type-13 segments do; the velocity returned is the derivative
  of that polynomial.
- ``LAGRANGE``: ``d + 1`` nodes, positions and velocities interpolated separately.
- ``LINEAR``: ``LAGRANGE`` of degree 1.

Nodes are the ones nearest the requested time; at a node the stored state is returned exactly.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
from astropy.time import Time, TimeDelta

import smile_viewer
from smile_viewer.constants import MU_EARTH_KM3_S2
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.atomic import atomic_write_text
from smile_viewer.io.checked_file import read_bytes
from smile_viewer.mission.orbit import Orbit, as_time, check_frame, seconds_since, transform_state

#: REF_FRAME written for each smile-viewer frame.
FRAME_TO_OEM = {"gei": "EME2000", "geo": "ITRF", "gse": "GSE", "gsm": "GSM", "sm": "SM"}

_CUSTOM_FRAME_COMMENTS = {
    "GSE": "geocentric solar ecliptic: X toward the Sun, Z toward ecliptic north",
    "GSM": "geocentric solar magnetospheric: X toward the Sun, dipole axis in the XZ plane",
    "SM": "solar magnetic: Z along the dipole axis, Y = Y_GSM",
}

_TIME_SCALES = {
    "UTC": "utc",
    "TAI": "tai",
    "TT": "tt",
    "TDB": "tdb",
    "TCB": "tcb",
    "TCG": "tcg",
    "GPS": "tai",
}
_GPS_MINUS_TAI_S = -19.0
_VERSIONS = ("1.0", "2.0", "3.0")
_REQUIRED_META = ("CENTER_NAME", "REF_FRAME", "TIME_SYSTEM")
_DEFAULT_INTERPOLATION = ("HERMITE", 7)
_CHUNK = 200_000


def _frame_from_oem(code: str) -> str | None:
    c = code.strip().upper()
    if c in ("EME2000", "J2000", "GCRF", "ICRF"):
        return "gei"
    if c.startswith("ITRF") or c == "ITRS":
        return "geo"
    return {"GSE": "gse", "GSM": "gsm", "SM": "sm"}.get(c)


# ---------------------------------------------------------------------------------------------
# Interpolation
# ---------------------------------------------------------------------------------------------


def _windows(ts: np.ndarray, s: np.ndarray, m: int) -> np.ndarray:
    """(N, m) node indices: the m nodes nearest each query, nearest first."""
    n = ts.size
    i = np.clip(np.searchsorted(ts, s, side="right") - 1, 0, n - 1)
    start = np.clip(i - (m - 1) // 2, 0, n - m)
    idx = start[:, None] + np.arange(m)[None, :]
    order = np.argsort(np.abs(ts[idx] - s[:, None]), axis=1, kind="stable")
    return np.take_along_axis(idx, order, axis=1)


def _newton_eval(z: np.ndarray, c: np.ndarray):
    """Value and derivative at 0 of the Newton form with nodes z (K,N), coefficients c (K,N,3)."""
    k = z.shape[0]
    p = c[k - 1].copy()
    dp = np.zeros_like(p)
    for j in range(k - 2, -1, -1):
        x = -z[j][:, None]
        dp = dp * x + p
        p = p * x + c[j]
    return p, dp


def hermite_interpolate(ts, pos, vel, s, degree: int = 7):
    """Hermite interpolation of (ts, pos, vel) at ``s``: (value, derivative), each (N,3).

    ``degree`` (odd) is the polynomial degree: ``(degree + 1) // 2`` nodes, each with its value
    and derivative.
    """
    ts, pos, vel, s = (np.asarray(a, dtype=float) for a in (ts, pos, vel, s))
    m = max(1, min((int(degree) + 1) // 2, ts.size))
    out_p = np.empty((s.size, 3))
    out_v = np.empty((s.size, 3))
    for a in range(0, s.size, _CHUNK):
        sl = slice(a, a + _CHUNK)
        idx = _windows(ts, s[sl], m).T  # (m, N), nearest node first
        tau = ts[idx] - s[sl]  # node times relative to the query
        h = np.maximum(np.max(np.abs(tau), axis=0), 1e-300)
        z = np.repeat(tau / h, 2, axis=0)  # doubled nodes, scaled: (2m, N)
        c = np.repeat(pos[idx], 2, axis=0)  # (2m, N, 3): f[z_j]
        dv = vel[idx] * h[None, :, None]  # derivatives in scaled time, (m, N, 3)
        K = 2 * m
        # Divided differences in place; descending j keeps c[j - 1] at the previous order.
        for order in range(1, K):
            for j in range(K - 1, order - 1, -1):
                if order == 1 and j % 2 == 1:
                    c[j] = dv[j // 2]
                else:
                    c[j] = (c[j] - c[j - 1]) / (z[j] - z[j - order])[:, None]
        p, dp = _newton_eval(z, c)
        out_p[sl] = p
        out_v[sl] = dp / h[:, None]
    return out_p, out_v


def lagrange_interpolate(ts, values, s, degree: int = 7) -> np.ndarray:
    """Lagrange interpolation of ``values`` (n,3) on ``degree + 1`` nodes at ``s``: (N,3)."""
    ts, values, s = (np.asarray(a, dtype=float) for a in (ts, values, s))
    m = max(1, min(int(degree) + 1, ts.size))
    out = np.empty((s.size, 3))
    for a in range(0, s.size, _CHUNK):
        sl = slice(a, a + _CHUNK)
        idx = _windows(ts, s[sl], m).T
        tau = ts[idx] - s[sl]
        h = np.maximum(np.max(np.abs(tau), axis=0), 1e-300)
        z = tau / h
        c = values[idx]  # fancy indexing copies
        for order in range(1, m):
            for j in range(m - 1, order - 1, -1):
                c[j] = (c[j] - c[j - 1]) / (z[j] - z[j - order])[:, None]
        out[sl] = _newton_eval(z, c)[0]
    return out


# ---------------------------------------------------------------------------------------------
# The ephemeris orbit
# ---------------------------------------------------------------------------------------------


class EphemerisOrbit(Orbit):
    """An orbit interpolated from tabulated states (an OEM file, or arrays).

    ``times`` strictly increasing; ``pos_km`` and ``vel_km_s`` (n,3) in ``frame``. Requests
    outside the tabulated span (± 1 µs) raise :class:`UserInputError`.
    """

    def __init__(
        self,
        times,
        pos_km,
        vel_km_s,
        frame: str = "gei",
        *,
        name: str = "ephemeris",
        interpolation: str = "HERMITE",
        degree: int = 7,
        description: str = "",
        metadata: dict | None = None,
        comments: list[str] | None = None,
    ):
        t = as_time(times).reshape(-1)
        pos = np.asarray(pos_km, dtype=float)
        vel = np.asarray(vel_km_s, dtype=float)
        if pos.shape != (len(t), 3) or vel.shape != (len(t), 3):
            raise ValueError(
                f"need (n,3) positions and velocities for {len(t)} times, got {pos.shape}, {vel.shape}"
            )
        if len(t) < 2:
            raise UserInputError("an ephemeris needs at least two states")
        self.native_frame = check_frame(frame)
        self._t0 = t[0].utc
        self._ts = seconds_since(t, self._t0)
        if np.any(np.diff(self._ts) <= 0):
            raise UserInputError("ephemeris times must be strictly increasing")
        self.times = t.utc
        self.pos_km = pos
        self.vel_km_s = vel
        interp = str(interpolation).upper()
        if interp == "LINEAR":
            interp, degree = "LAGRANGE", 1
        if interp not in ("HERMITE", "LAGRANGE"):
            raise UserInputError(f"unknown interpolation {interpolation!r}; use HERMITE, LAGRANGE or LINEAR")
        if int(degree) < 1:
            raise UserInputError(f"interpolation degree must be at least 1, got {degree}")
        self.interpolation = interp
        self.degree = int(degree)
        self.name = name
        self.description = description or f"ephemeris of {len(t)} states in {frame.upper()}"
        self.metadata = dict(metadata or {})
        self.comments = list(comments or [])
        self._period_s: float | None = None

    @property
    def epoch(self) -> Time:
        return self._t0

    @property
    def coverage(self) -> tuple[Time, Time]:
        return self.times[0], self.times[-1]

    @property
    def period_s(self) -> float:
        """Two-body estimate from the inertial state at the middle sample (vis-viva)."""
        if self._period_s is None:
            k = len(self._ts) // 2
            t = self.times[k : k + 1]
            r, v = transform_state(
                self.pos_km[k : k + 1], self.vel_km_s[k : k + 1], t, self.native_frame, "gei"
            )
            rn, v2 = np.linalg.norm(r[0]), float(np.dot(v[0], v[0]))
            inv_a = 2.0 / rn - v2 / MU_EARTH_KM3_S2
            if inv_a <= 0:
                raise UserInputError(f"{self.name}: the ephemeris is not on a bound orbit")
            self._period_s = float(2 * np.pi * np.sqrt(inv_a**-3 / MU_EARTH_KM3_S2))
        return self._period_s

    def _seconds(self, times: Time) -> np.ndarray:
        s = seconds_since(times, self._t0)
        lo, hi = self._ts[0] - 1e-6, self._ts[-1] + 1e-6
        bad = (s < lo) | (s > hi) | ~np.isfinite(s)
        if np.any(bad):
            t = times[np.nonzero(bad)[0][0]].utc
            raise UserInputError(
                f"{t.isot} is outside the ephemeris {self.name!r} "
                f"({self.times[0].isot} to {self.times[-1].isot} UTC)"
            )
        return s

    def _state_native(self, times: Time) -> tuple[np.ndarray, np.ndarray]:
        s = self._seconds(times)
        if self.interpolation == "HERMITE":
            return hermite_interpolate(self._ts, self.pos_km, self.vel_km_s, s, self.degree)
        return (
            lagrange_interpolate(self._ts, self.pos_km, s, self.degree),
            lagrange_interpolate(self._ts, self.vel_km_s, s, self.degree),
        )


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------


def _fmt_time(t: Time) -> np.ndarray:
    t = t.copy()
    t.precision = 6
    return np.atleast_1d(t.isot)


def format_oem(
    times,
    pos_km,
    vel_km_s,
    *,
    frame: str = "gei",
    object_name: str = "SMILE",
    object_id: str | None = None,
    center_name: str = "EARTH",
    originator: str = "smile-viewer",
    interpolation: str = "HERMITE",
    interpolation_degree: int = 7,
    comments: tuple[str, ...] | list[str] = (),
    version: str = "2.0",
    time_system: str = "UTC",
) -> str:
    """The text of a one-segment KVN OEM (see :func:`write_oem`)."""
    frame = check_frame(frame)
    if version not in ("2.0", "3.0"):
        raise UserInputError(f"OEM version must be 2.0 or 3.0, got {version!r}")
    ts_name = time_system.upper()
    if ts_name not in ("UTC", "TAI", "TT", "TDB"):
        raise UserInputError(f"time system must be UTC, TAI, TT or TDB, got {time_system!r}")
    t = as_time(times).reshape(-1)
    pos = np.asarray(pos_km, dtype=float).reshape(-1, 3)
    vel = np.asarray(vel_km_s, dtype=float).reshape(-1, 3)
    if not (len(t) == len(pos) == len(vel)) or len(t) == 0:
        raise UserInputError(
            f"need as many positions and velocities as times ({len(t)}), got {len(pos)}, {len(vel)}"
        )
    if not (np.all(np.isfinite(pos)) and np.all(np.isfinite(vel))):
        raise UserInputError("positions and velocities must be finite numbers")
    t_sys = getattr(t, _TIME_SCALES[ts_name])
    stamps = _fmt_time(t_sys)
    ref = FRAME_TO_OEM[frame]
    now = Time.now().utc
    now.precision = 3
    lines = [f"CCSDS_OEM_VERS = {version}"]
    lines += [f"COMMENT {c}" for c in comments]
    lines += [
        f"CREATION_DATE = {now.isot}",
        f"ORIGINATOR = {originator}",
        "",
        "META_START",
    ]
    if ref in _CUSTOM_FRAME_COMMENTS:
        lines += [
            f"COMMENT REF_FRAME = {ref} is not a CCSDS/SANA reference frame: {_CUSTOM_FRAME_COMMENTS[ref]},",
            "COMMENT as defined by smile_viewer.coords (see docs/reference.md#frames-and-dipole-tilt)",
        ]
    lines += [
        f"OBJECT_NAME = {object_name}",
        f"OBJECT_ID = {object_id or object_name}",
        f"CENTER_NAME = {center_name}",
        f"REF_FRAME = {ref}",
        f"TIME_SYSTEM = {ts_name}",
        f"START_TIME = {stamps[0]}",
        f"STOP_TIME = {stamps[-1]}",
        f"INTERPOLATION = {interpolation.upper()}",
        f"INTERPOLATION_DEGREE = {int(interpolation_degree)}",
        "META_STOP",
        "",
        "COMMENT epoch, X Y Z [km], X_DOT Y_DOT Z_DOT [km/s]",
    ]
    body = [
        f"{s} {p[0]: .16e} {p[1]: .16e} {p[2]: .16e} {v[0]: .16e} {v[1]: .16e} {v[2]: .16e}"
        for s, p, v in zip(stamps, pos, vel)
    ]
    return "\n".join(lines + body) + "\n"


def write_oem(
    path,
    times,
    pos_km,
    vel_km_s,
    *,
    frame: str = "gei",
    object_name: str = "SMILE",
    object_id: str | None = None,
    center_name: str = "EARTH",
    originator: str | None = None,
    interpolation: str = "HERMITE",
    interpolation_degree: int = 7,
    comments: tuple[str, ...] | list[str] = (),
    version: str = "2.0",
    time_system: str = "UTC",
) -> Path:
    """Write a one-segment CCSDS OEM (KVN) file atomically; returns its path.

    ``times``: a ``Time`` array; ``pos_km`` (n,3) km and ``vel_km_s`` (n,3) km/s in ``frame``
    (``"gei"`` → EME2000, ``"geo"`` → ITRF, ``"gse"``/``"gsm"``/``"sm"`` → custom codes with a
    COMMENT). ``version`` ``"2.0"`` or ``"3.0"``.
    """
    text = format_oem(
        times,
        pos_km,
        vel_km_s,
        frame=frame,
        object_name=object_name,
        object_id=object_id,
        center_name=center_name,
        originator=originator or f"smile-viewer {smile_viewer.__version__}",
        interpolation=interpolation,
        interpolation_degree=interpolation_degree,
        comments=comments,
        version=version,
        time_system=time_system,
    )
    return atomic_write_text(path, text)


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------

_KV_RE = re.compile(r"^([A-Z0-9_]+)\s*=\s*(.*?)\s*$")
_DOY_RE = re.compile(r"^(\d{4})-(\d{3})T(.*)$")
_YDAY_RE = re.compile(r"^\d{4}:\d{3}:")


def _parse_epochs(strings: list[str], scale: str, path, line_numbers: list[int]) -> Time:
    clean = []
    yday = False
    for s in strings:
        s = s[:-1] if s.endswith("Z") else s
        m = _DOY_RE.match(s)
        if m:
            yday = True
            s = f"{m.group(1)}:{m.group(2)}:{m.group(3)}"
        clean.append(s)
    fmt = "yday" if yday else "isot"
    try:
        return Time(clean, format=fmt, scale=scale)
    except (ValueError, TypeError):
        pass
    for s, n in zip(clean, line_numbers):  # find the culprit
        try:
            Time(s, format="yday" if _YDAY_RE.match(s) else "isot", scale=scale)
        except (ValueError, TypeError):
            raise DataFileError(
                path, f"line {n}: cannot read epoch {s!r} (expected YYYY-MM-DDThh:mm:ss.sss)"
            ) from None
    raise DataFileError(path, f"lines {line_numbers[0]}-{line_numbers[-1]}: epochs mix formats")


#: Names of the six state numbers of an OEM data line, and the largest magnitude accepted [km, km/s].
_STATE_FIELDS = ("X", "Y", "Z", "X_DOT", "Y_DOT", "Z_DOT")
_MAX_STATE_VALUE = 1e12


class _Segment:
    def __init__(self, meta: dict, meta_line: int):
        self.meta = meta
        self.meta_line = meta_line
        self.epochs: list[str] = []
        self.numbers: list[list[float]] = []
        self.lines: list[int] = []


def read_oem(path) -> EphemerisOrbit:
    """Read a KVN CCSDS OEM file into an :class:`EphemerisOrbit` (see the module docstring)."""
    path = Path(path)
    raw = read_bytes(path, "oem", allow_empty=True)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DataFileError(path, "not a text file (an OEM must be KVN text)") from None
    if text.lstrip().startswith("<"):
        raise DataFileError(path, "XML OEM files are not supported; use the KVN form")

    header: dict[str, str] = {}
    comments: list[str] = []
    segments: list[_Segment] = []
    state = "start"  # start -> header -> meta -> data (-> cov) -> meta ...
    meta: dict[str, str] = {}
    meta_line = 0
    for num, line in enumerate(text.splitlines(), start=1):
        s = line.strip()
        if not s:
            continue
        if s.startswith("COMMENT"):
            comments.append(s[7:].strip())
            continue
        if state == "start":
            m = _KV_RE.match(s)
            if not m or m.group(1) != "CCSDS_OEM_VERS":
                raise DataFileError(
                    path, f"line {num}: an OEM starts with 'CCSDS_OEM_VERS = 2.0', got {s[:40]!r}"
                )
            if m.group(2) not in _VERSIONS:
                raise DataFileError(
                    path, f"line {num}: OEM version {m.group(2)!r} not supported (1.0, 2.0, 3.0)"
                )
            header["CCSDS_OEM_VERS"] = m.group(2)
            state = "header"
            continue
        if s == "META_START":
            if state == "meta":
                raise DataFileError(path, f"line {num}: META_START inside a metadata block")
            if state == "cov":
                raise DataFileError(path, f"line {num}: META_START inside a covariance block")
            state, meta, meta_line = "meta", {}, num
            continue
        if s == "META_STOP":
            if state != "meta":
                raise DataFileError(path, f"line {num}: META_STOP without META_START")
            for key in _REQUIRED_META:
                if key not in meta:
                    raise DataFileError(path, f"line {num}: metadata block (line {meta_line}) lacks {key}")
            segments.append(_Segment(meta, meta_line))
            state = "data"
            continue
        if s == "COVARIANCE_START":
            if state != "data":
                raise DataFileError(path, f"line {num}: COVARIANCE_START outside a data block")
            state = "cov"
            continue
        if s == "COVARIANCE_STOP":
            if state != "cov":
                raise DataFileError(path, f"line {num}: COVARIANCE_STOP without COVARIANCE_START")
            state = "data"
            continue
        if state == "cov":
            continue
        if state in ("header", "meta"):
            m = _KV_RE.match(s)
            if not m and state == "meta" and s[:1].isdigit():
                raise DataFileError(
                    path, f"line {num}: data line inside the metadata block (missing META_STOP?)"
                )
            if not m:
                where = "header" if state == "header" else "metadata"
                raise DataFileError(
                    path, f"line {num}: expected 'KEYWORD = value' in the {where}, got {s[:40]!r}"
                )
            (header if state == "header" else meta)[m.group(1)] = m.group(2)
            continue
        # data line
        fields = s.split()
        if len(fields) not in (7, 10):
            raise DataFileError(
                path, f"line {num}: a data line has an epoch and 6 (or 9) numbers, got {len(fields)} fields"
            )
        try:
            values = [float(x) for x in fields[1:7]]
            if len(fields) == 10:
                [float(x) for x in fields[7:]]
        except ValueError:
            bad = next(x for x in fields[1:] if not _is_float(x))
            raise DataFileError(path, f"line {num}: cannot read number {bad!r}") from None
        for name, x, v in zip(_STATE_FIELDS, fields[1:7], values):
            if not math.isfinite(v) or abs(v) > _MAX_STATE_VALUE:
                raise DataFileError(
                    path,
                    f"line {num}: {name} = {x!r} is not a finite state value "
                    f"(|value| at most {_MAX_STATE_VALUE:g} km, km/s)",
                )
        seg = segments[-1]
        seg.epochs.append(fields[0])
        seg.numbers.append(values)
        seg.lines.append(num)

    if state == "start":
        raise DataFileError(path, "empty file (no CCSDS_OEM_VERS line)")
    if state == "meta":
        raise DataFileError(path, f"metadata block at line {meta_line} has no META_STOP")
    if state == "cov":
        raise DataFileError(path, "covariance block has no COVARIANCE_STOP")
    if not segments:
        raise DataFileError(path, "no META_START ... META_STOP block")
    first = segments[0].meta
    for seg in segments:
        if not seg.epochs:
            raise DataFileError(path, f"line {seg.meta_line}: segment has no ephemeris data lines")
        for key in _REQUIRED_META:
            if seg.meta[key].upper() != first[key].upper():
                raise DataFileError(
                    path,
                    f"line {seg.meta_line}: segments differ in {key} ({first[key]} vs {seg.meta[key]}); "
                    "only segments sharing centre, frame and time system can be merged",
                )
    center = first["CENTER_NAME"].upper()
    if center != "EARTH":
        raise DataFileError(
            path, f"line {segments[0].meta_line}: CENTER_NAME {center} is not supported (need EARTH)"
        )
    frame = _frame_from_oem(first["REF_FRAME"])
    if frame is None:
        raise DataFileError(
            path,
            f"line {segments[0].meta_line}: REF_FRAME {first['REF_FRAME']} is not supported "
            "(EME2000, GCRF, ICRF, ITRF*, or the custom GSE, GSM, SM)",
        )
    ts_name = first["TIME_SYSTEM"].upper()
    if ts_name not in _TIME_SCALES:
        raise DataFileError(
            path,
            f"line {segments[0].meta_line}: TIME_SYSTEM {ts_name} is not supported "
            f"({', '.join(_TIME_SCALES)})",
        )
    interp = first.get("INTERPOLATION", _DEFAULT_INTERPOLATION[0]).upper()
    if interp not in ("HERMITE", "LAGRANGE", "LINEAR"):
        raise DataFileError(path, f"line {segments[0].meta_line}: INTERPOLATION {interp} is not supported")
    deg_text = first.get("INTERPOLATION_DEGREE", str(_DEFAULT_INTERPOLATION[1]))
    try:
        degree = int(deg_text)
        if degree < 1:
            raise ValueError
    except ValueError:
        raise DataFileError(
            path, f"line {segments[0].meta_line}: INTERPOLATION_DEGREE {deg_text!r} is not a positive integer"
        ) from None

    epochs = [e for seg in segments for e in seg.epochs]
    line_nums = [n for seg in segments for n in seg.lines]
    numbers = np.array([v for seg in segments for v in seg.numbers], dtype=float)
    times = _parse_epochs(epochs, _TIME_SCALES[ts_name], path, line_nums)
    if ts_name == "GPS":
        times = times - TimeDelta(_GPS_MINUS_TAI_S, format="sec")
    s = seconds_since(times, times[0])
    ds = np.diff(s)
    # An epoch repeated at a segment boundary (same state) is kept once.
    dup = np.nonzero(np.abs(ds) < 1e-9)[0]
    if dup.size:
        keep = np.ones(len(s), bool)
        keep[dup + 1] = False
        times, numbers, s = times[keep], numbers[keep], s[keep]
        line_nums = [n for n, k in zip(line_nums, keep) if k]
        ds = np.diff(s)
    bad = np.nonzero(ds <= 0)[0]
    if bad.size:
        raise DataFileError(path, f"line {line_nums[bad[0] + 1]}: epoch is not after the previous one")
    if len(times) < 2:
        raise DataFileError(path, "an ephemeris needs at least two data lines")
    name = first.get("OBJECT_NAME", path.stem)
    return EphemerisOrbit(
        times,
        numbers[:, :3],
        numbers[:, 3:6],
        frame,
        name=name,
        interpolation=interp,
        degree=degree,
        description=f"CCSDS OEM {path.name} ({first['REF_FRAME']}, {len(times)} states, {interp} {degree})",
        metadata={**header, **first, "segments": len(segments)},
        comments=comments,
    )


def _is_float(x: str) -> bool:
    try:
        float(x)
    except ValueError:
        return False
    return True
