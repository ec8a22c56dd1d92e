"""Where SXI and UVI look: pointing laws, explicit aim points, attitude files, constraints.

Every law returns a :class:`Pointing`: a camera rotation (columns camera x, camera y,
boresight, in GSE unless said otherwise — as :class:`smile_viewer.mission.camera.Camera`), the
aim point when there is one, and the law's name; positions in R_E (GSE). The SXI team's limb
law (swharton1/Emissivity_Cubes ``smile_fov_limb.py``), the roll conventions and UVI's aim:
docs/reference.md#sxi-pointing-law; attitude files: docs/formats.md#attitude-quaternions.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from astropy.time import Time

from smile_viewer.constants import R_E_KM
from smile_viewer.coords import rotation_matrix, transform
from smile_viewer.coords.timeparse import parse_time
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.checked_file import parse_json, read_text
from smile_viewer.mission.instruments import load_instrument

__all__ = [
    "AttitudeHistory",
    "ObservationConstraints",
    "Pointing",
    "aim_pointing",
    "attitude_pointing",
    "camera_rotation",
    "default_pointing",
    "matrix_to_quaternion",
    "observation_constraints",
    "quaternion_to_matrix",
    "read_attitude",
    "sun_angle_deg",
    "sxi_aim_point",
    "sxi_boresight",
    "sxi_limb_angle_deg",
    "sxi_pointing",
    "uvi_pointing",
    "uvi_target",
]

_SUN_GSE = np.array([1.0, 0.0, 0.0])


@dataclass(frozen=True, eq=False)
class Pointing:
    """A camera attitude: ``rotation`` columns camera x, camera y, boresight in ``frame``.

    ``aim_re``: the aim point [R_E] in ``frame`` when the law has one (else None);
    ``law``: "sxi_limb", "aim", "uvi_oval", "uvi_pole", "attitude" or "rays";
    ``roll_deg``: roll about the boresight applied on top of the law's reference.
    """

    rotation: np.ndarray
    frame: str = "gse"
    aim_re: np.ndarray | None = None
    law: str = ""
    roll_deg: float = 0.0

    def __post_init__(self):
        rot = np.array(self.rotation, dtype=float).reshape(3, 3)
        rot.setflags(write=False)
        object.__setattr__(self, "rotation", rot)
        if self.aim_re is not None:
            aim = np.array(self.aim_re, dtype=float).reshape(3)
            aim.setflags(write=False)
            object.__setattr__(self, "aim_re", aim)

    @property
    def boresight(self) -> np.ndarray:
        """Unit boresight vector in ``frame``."""
        return self.rotation[:, 2]

    def aim_or_boresight_point(self, position_re, distance_re: float | None = None) -> np.ndarray:
        """The aim point, or (without one) the point ``distance_re`` (default |r|) along the boresight."""
        if self.aim_re is not None:
            return np.array(self.aim_re)
        p = np.asarray(position_re, dtype=float)
        d = float(np.linalg.norm(p)) if distance_re is None else float(distance_re)
        return p + d * self.boresight


# ---------------------------------------------------------------------------- helpers


def _vec3(v, name: str) -> np.ndarray:
    try:
        a = np.asarray(v, dtype=float).reshape(3)
    except (TypeError, ValueError):
        raise UserInputError(f"{name} must be 3 numbers (x, y, z), got {v!r}") from None
    if not np.all(np.isfinite(a)):
        raise UserInputError(f"{name} must be finite, got {v!r}")
    return a


#: Farthest spacecraft position accepted [R_E] (0.4 AU; the Moon is at 60 R_E): beyond it a
#: camera geometry overflows or means nothing.
MAX_POSITION_RE = 1e4


def _position(position_re) -> np.ndarray:
    p = _vec3(position_re, "position")
    if float(np.max(np.abs(p))) > MAX_POSITION_RE:
        raise UserInputError(
            f"position {','.join(f'{v:g}' for v in p)} R_E is farther than "
            f"{MAX_POSITION_RE:g} R_E from the Earth: out of range"
        )
    r = float(np.linalg.norm(p))
    if r <= 1.0:
        raise UserInputError(
            f"position {','.join(f'{v:g}' for v in p)} R_E (|r| = {r:.3g}) is inside the Earth"
        )
    return p


def camera_rotation(boresight, down, roll_deg: float = 0.0) -> np.ndarray:
    """Rotation (columns x, y, boresight) with camera y along ``down`` projected across the
    boresight, then turned by ``roll_deg`` about the boresight (right-handed).

    Equal to :func:`smile_viewer.mission.camera.look_rotation` with ``up_hint = -down``.
    """
    z = _vec3(boresight, "boresight")
    nz = np.linalg.norm(z)
    if nz == 0:
        raise UserInputError("boresight must be a non-zero vector")
    z = z / nz
    d = _vec3(down, "down reference")
    y = d - np.dot(d, z) * z
    ny = np.linalg.norm(y)
    if ny < 1e-9 * max(np.linalg.norm(d), 1e-300):
        raise UserInputError("the roll reference is parallel to the boresight; give another one")
    y = y / ny
    x = np.cross(y, z)
    roll = float(roll_deg)
    if roll:
        c, s = math.cos(math.radians(roll)), math.sin(math.radians(roll))
        x, y = c * x + s * y, -s * x + c * y
    return np.column_stack([x, y, z])


@lru_cache(maxsize=4)
def _pointing_config(name: str) -> dict:
    return load_instrument(name).pointing


def _cfg(name: str, key: str, value):
    return float(_pointing_config(name)[key]) if value is None else float(value)


# ---------------------------------------------------------------------------- SXI law


def sxi_limb_angle_deg(position_re, limb_deg: float | None = None):
    """limb_c = limb + asin(1 R_E / |r|) [deg]: the angle between the boresight and the
    direction to Earth's centre. Vectorised over positions (..., 3)."""
    p = np.asarray(position_re, dtype=float)
    r = np.linalg.norm(p, axis=-1)
    with np.errstate(invalid="ignore"):
        out = _cfg("sxi", "limb_angle_deg", limb_deg) + np.degrees(np.arcsin(np.clip(1.0 / r, -1.0, 1.0)))
    return out[()] if np.ndim(out) == 0 else out


def _sxi_geometry(p: np.ndarray, limb_deg):
    x = p[..., 0]
    rho = np.hypot(p[..., 1], p[..., 2])
    alpha = np.arctan2(x, rho)
    limb_c = np.radians(sxi_limb_angle_deg(p, limb_deg))
    return x, rho, alpha, limb_c - alpha


def sxi_boresight(position_re, limb_deg: float | None = None) -> np.ndarray:
    """Unit boresight(s) of the SXI law, (..., 3) GSE; NaN on the X axis (rho = 0).

    In the plane of the spacecraft and the X axis, with (X, rho-hat) coordinates:
    boresight = (sin beta, −cos beta) with beta = limb_c − alpha, i.e. the direction of the
    team's L = (rho tan beta, −y, −z) wherever cos beta > 0.
    """
    p = np.asarray(position_re, dtype=float)
    _, rho, _, beta = _sxi_geometry(p, limb_deg)
    with np.errstate(invalid="ignore", divide="ignore"):
        yz = p[..., 1:] / rho[..., None]
    yz = np.where(rho[..., None] > 0, yz, np.nan)
    return np.concatenate([np.sin(beta)[..., None], -np.cos(beta)[..., None] * yz], axis=-1)


def sxi_aim_point(position_re, limb_deg: float | None = None) -> np.ndarray:
    """Aim point(s) (x_aim, 0, 0) [R_E] of the SXI law, x_aim = x + rho tan(limb_c − alpha);
    NaN where the boresight does not meet the X axis ahead (limb_c − alpha ≥ 90°, or rho = 0)."""
    p = np.asarray(position_re, dtype=float)
    x, rho, _, beta = _sxi_geometry(p, limb_deg)
    ok = (rho > 0) & (np.cos(beta) > 1e-12)
    with np.errstate(invalid="ignore", over="ignore"):
        x_aim = np.where(ok, x + rho * np.tan(beta), np.nan)
    zeros = np.where(ok, 0.0, np.nan)
    return np.stack([x_aim, zeros, zeros], axis=-1)


def sxi_pointing(position_re, *, limb_deg: float | None = None, roll_deg: float = 0.0) -> Pointing:
    """The SXI team's pointing law from ``position_re`` (GSE, R_E), with the SXI roll
    convention (module docstring) and an optional extra ``roll_deg``."""
    p = _position(position_re)
    if math.hypot(p[1], p[2]) < 1e-9:
        raise UserInputError(
            f"the SXI pointing law is undefined on the GSE X axis (position {','.join(f'{v:g}' for v in p)}): "
            "give an aim point"
        )
    b = sxi_boresight(p, limb_deg)
    aim = sxi_aim_point(p, limb_deg)
    rot = camera_rotation(b, -p, roll_deg)
    return Pointing(rot, "gse", None if np.isnan(aim[0]) else aim, "sxi_limb", float(roll_deg))


def aim_pointing(position_re, aim_re, *, roll_deg: float = 0.0, reference: str = "earth") -> Pointing:
    """Boresight from ``position_re`` toward ``aim_re`` (both GSE, R_E).

    Roll reference: ``"earth"`` (SXI: camera y toward Earth's centre) or ``"sun"`` (UVI:
    camera up toward +X GSE). When the reference is parallel to the boresight (aiming at
    Earth's centre, or along X), GSE −Z serves as "down" instead.
    """
    p = _position(position_re)
    a = _vec3(aim_re, "aim point")
    los = a - p
    if np.linalg.norm(los) < 1e-9:
        raise UserInputError("the aim point coincides with the spacecraft position")
    down = {"earth": -p, "sun": -_SUN_GSE}.get(reference)
    if down is None:
        raise UserInputError(f"unknown roll reference {reference!r}; use 'earth' or 'sun'")
    try:
        rot = camera_rotation(los, down, roll_deg)
    except UserInputError:
        rot = camera_rotation(
            los,
            np.array([0.0, 0.0, -1.0])
            if abs(los[2]) < 0.999 * np.linalg.norm(los)
            else np.array([-1.0, 0.0, 0.0]),
            roll_deg,
        )
    return Pointing(rot, "gse", a, "aim", float(roll_deg))


# ---------------------------------------------------------------------------- UVI


def uvi_target(
    time, *, target: str | None = None, altitude_km: float | None = None, offset_deg: float | None = None
) -> np.ndarray:
    """UVI's default aim point [R_E, GSE] at ``time``: the auroral oval centre (``"oval"``)
    or the northern dipole pole (``"pole"``) at ``altitude_km`` (module docstring)."""
    cfg = _pointing_config("uvi")
    tgt = str(cfg.get("target", "oval") if target is None else target).lower()
    if tgt not in ("oval", "pole"):
        raise UserInputError(f"unknown UVI target {target!r}; use 'oval' or 'pole'")
    alt = _cfg("uvi", "altitude_km", altitude_km)
    off = math.radians(_cfg("uvi", "oval_offset_deg", offset_deg)) if tgt == "oval" else 0.0
    # SM: Z along the northern dipole, X toward the Sun's side; midnight is -X_SM.
    d_sm = np.array([-math.sin(off), 0.0, math.cos(off)])
    t = _as_time(time)
    return (1.0 + alt / R_E_KM) * transform(d_sm, t, "sm", "gse")


def uvi_pointing(
    position_re,
    time,
    *,
    target: str | None = None,
    altitude_km: float | None = None,
    offset_deg: float | None = None,
    roll_deg: float = 0.0,
) -> Pointing:
    """UVI toward the northern auroral oval at ``time`` (noon at the top of the picture)."""
    p = _position(position_re)
    aim = uvi_target(time, target=target, altitude_km=altitude_km, offset_deg=offset_deg)
    pt = aim_pointing(p, aim, roll_deg=roll_deg, reference="sun")
    tgt = str(_pointing_config("uvi").get("target", "oval") if target is None else target).lower()
    return Pointing(pt.rotation, "gse", aim, f"uvi_{tgt}", float(roll_deg))


def default_pointing(instrument, position_re, time=None, *, roll_deg: float = 0.0) -> Pointing:
    """The default law of ``instrument`` (an Instrument or its name): SXI limb law, UVI oval."""
    name = getattr(instrument, "name", str(instrument)).lower()
    law = getattr(instrument, "pointing", {}).get("law") if hasattr(instrument, "pointing") else None
    law = law or {"sxi": "sxi_limb", "uvi": "uvi_auroral"}.get(name)
    if law == "sxi_limb":
        return sxi_pointing(position_re, roll_deg=roll_deg)
    if law == "uvi_auroral":
        if time is None:
            raise UserInputError("UVI's default pointing needs a time (the dipole pole moves)")
        return uvi_pointing(position_re, time, roll_deg=roll_deg)
    raise UserInputError(f"instrument {name!r} has no default pointing law; give an aim point or an attitude")


# ---------------------------------------------------------------------------- attitude


def _as_time(time) -> Time:
    if isinstance(time, Time):
        return time
    return parse_time(time)


def quaternion_to_matrix(q, scalar_first: bool = True) -> np.ndarray:
    """Rotation matrix of a quaternion (normalised here): for q = (w, x, y, z) the matrix
    that rotates vectors actively by q (v' = q v q*)."""
    q = np.asarray(q, dtype=float).reshape(4)
    w, x, y, z = q if scalar_first else (q[3], q[0], q[1], q[2])
    n = math.sqrt(w * w + x * x + y * y + z * z)
    if not math.isfinite(n) or n < 1e-12:
        raise UserInputError(f"quaternion {','.join(f'{v:g}' for v in q)} has zero or non-finite norm")
    w, x, y, z = w / n, x / n, y / n, z / n
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def matrix_to_quaternion(m, scalar_first: bool = True) -> np.ndarray:
    """Unit quaternion (w ≥ 0) of a rotation matrix, inverse of :func:`quaternion_to_matrix`."""
    from scipy.spatial.transform import Rotation  # lazy: ~0.2 s, quaternion paths only

    q = Rotation.from_matrix(np.asarray(m, dtype=float)).as_quat(scalar_first=True)
    q = q if q[0] >= 0 else -q
    return q if scalar_first else np.roll(q, -1)


@dataclass(frozen=True, eq=False)
class AttitudeHistory:
    """Attitude quaternions (scalar first, instrument→J2000) at increasing times."""

    times: Time
    quaternions: np.ndarray
    source: str = ""

    def __post_init__(self):
        q = np.asarray(self.quaternions, dtype=float)
        if q.ndim != 2 or q.shape[1] != 4 or q.shape[0] < 1:
            raise UserInputError(f"attitude: quaternions must be (n, 4), got {q.shape}")
        if len(self.times) != q.shape[0]:
            raise UserInputError("attitude: as many times as quaternions are needed")
        n = np.linalg.norm(q, axis=1)
        if not np.all(np.isfinite(n)) or np.any(n < 1e-12):
            raise UserInputError("attitude: every quaternion needs a finite, non-zero norm")
        s = (self.times - self.times[0]).to_value("s") if len(self.times) > 1 else np.zeros(1)
        if np.any(np.diff(s) <= 0):
            raise UserInputError("attitude: times must be strictly increasing")
        object.__setattr__(self, "quaternions", q / n[:, None])

    def quaternion_at(self, time) -> np.ndarray:
        """Unit quaternion (scalar first) at ``time`` by slerp; no extrapolation."""
        from scipy.spatial.transform import Rotation, Slerp  # lazy: ~0.2 s, quaternion paths only

        t = _as_time(time)
        if not t.isscalar:
            raise UserInputError("attitude: one time at a time")
        s = (t - self.times[0]).to_value("s")
        span = (self.times[-1] - self.times[0]).to_value("s") if len(self.times) > 1 else 0.0
        tol = 1e-6
        if s < -tol or s > span + tol:
            raise UserInputError(
                f"time {t.isot} is outside the attitude file's span "
                f"{self.times[0].isot} .. {self.times[-1].isot}{' (' + self.source + ')' if self.source else ''}"
            )
        if len(self.times) == 1:
            return self.quaternions[0].copy()
        rel = (self.times - self.times[0]).to_value("s")
        rot = Rotation.from_quat(self.quaternions, scalar_first=True)
        q = Slerp(rel, rot)(min(max(s, 0.0), span)).as_quat(scalar_first=True)
        return q if q[0] >= 0 else -q

    def rotation(self, time, frame: str = "gse") -> np.ndarray:
        """Instrument axes (columns x, y, boresight) in ``frame`` at ``time``."""
        t = _as_time(time)
        r_j2000 = quaternion_to_matrix(self.quaternion_at(t))
        return rotation_matrix(t, "gei", frame) @ r_j2000


def _parse_quaternions(rows, scalar_first: bool, convention: str, path) -> np.ndarray:
    q = np.asarray(rows, dtype=float)
    bad = ~np.isfinite(q).all(axis=1) | ~(np.linalg.norm(np.where(np.isfinite(q), q, 0.0), axis=1) > 1e-12)
    if bad.any():
        i = int(np.nonzero(bad)[0][0])
        raise DataFileError(
            path, f"record {i + 1}: quaternion {q[i].tolist()} is not finite or has zero length"
        )
    if not scalar_first:
        q = np.roll(q, 1, axis=1)
    if convention == "j2000_to_inst":
        q = q * np.array([1.0, -1.0, -1.0, -1.0])  # the conjugate: the inverse rotation
    elif convention != "inst_to_j2000":
        raise DataFileError(path, f"unknown convention {convention!r}; use inst_to_j2000 or j2000_to_inst")
    return q


def read_attitude(path) -> AttitudeHistory:
    """Read an attitude file (JSON or CSV, see the module docstring)."""
    p = Path(path)
    try:
        text = read_text(p, "attitude")
    except DataFileError as exc:
        if exc.problem == "no such file":
            raise DataFileError(p, "no such attitude file") from None
        raise
    try:
        if p.suffix.lower() == ".json" or text.lstrip().startswith("{"):
            return _read_attitude_json(text, p)
        return _read_attitude_csv(text, p)
    except DataFileError:
        raise
    except UserInputError as exc:
        raise DataFileError(p, str(exc)) from None
    except csv.Error as exc:
        raise DataFileError(p, f"not a readable attitude CSV file ({exc})") from None
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        text = " ".join(str(exc).split())
        raise DataFileError(p, f"cannot read attitude: {type(exc).__name__}: {text[:200]}") from None


def _check_frame_name(frame, path):
    if str(frame).strip().upper() not in ("J2000", "EME2000", "GEI", "ICRF", "GCRS"):
        raise DataFileError(path, f"attitude frame {frame!r} is not supported; use J2000")


def _read_attitude_json(text: str, path: Path) -> AttitudeHistory:
    data = parse_json(text, path, "attitude JSON file")
    if not isinstance(data, dict):
        raise DataFileError(
            path,
            "an attitude JSON file holds an object with 'records'; "
            f"this one holds {type(data).__name__ if data is not None else 'null'}",
        )
    _check_frame_name(data.get("frame", "J2000"), path)
    recs = data.get("records")
    if not isinstance(recs, list) or not recs:
        raise DataFileError(path, "needs a non-empty 'records' list of {time, q}")
    times = Time([str(r["time"]) for r in recs], scale="utc")
    rows = [[float(v) for v in r["q"]] for r in recs]
    if any(len(r) != 4 for r in rows):
        raise DataFileError(path, "every 'q' needs 4 numbers")
    q = _parse_quaternions(
        rows, bool(data.get("scalar_first", True)), str(data.get("convention", "inst_to_j2000")), path
    )
    return AttitudeHistory(times, q, str(path))


def _read_attitude_csv(text: str, path: Path) -> AttitudeHistory:
    convention = "inst_to_j2000"
    body = []
    for line in text.splitlines():
        s = line.strip()
        if not s:
            continue
        if s.startswith("#"):
            low = s[1:].strip().lower().replace("=", ":")
            if low.startswith("convention:"):
                convention = low.split(":", 1)[1].strip()
            elif low.startswith("frame:"):
                _check_frame_name(low.split(":", 1)[1].strip(), path)
            continue
        body.append(s)
    if len(body) < 2:
        raise DataFileError(path, "needs a header line (time,q0,q1,q2,q3) and at least one row")
    rows = list(csv.reader(body))
    header = [h.strip().lower() for h in rows[0]]
    orders = {
        ("time", "q0", "q1", "q2", "q3"): True,
        ("time", "qw", "qx", "qy", "qz"): True,
        ("time", "qx", "qy", "qz", "qw"): False,
    }
    if tuple(header) not in orders:
        raise DataFileError(
            path,
            f"header must be time,q0,q1,q2,q3 (scalar first), time,qw,qx,qy,qz "
            f"or time,qx,qy,qz,qw; got {','.join(header)}",
        )
    data = rows[1:]
    if any(len(r) != 5 for r in data):
        raise DataFileError(path, "every row needs 5 fields: time and 4 quaternion components")
    times = Time([r[0].strip() for r in data], scale="utc")
    q = _parse_quaternions([[float(v) for v in r[1:]] for r in data], orders[tuple(header)], convention, path)
    return AttitudeHistory(times, q, str(path))


def attitude_pointing(attitude, time, *, frame: str = "gse", roll_deg: float = 0.0) -> Pointing:
    """Pointing from an attitude history (or a file path) at ``time``, in ``frame``."""
    hist = attitude if isinstance(attitude, AttitudeHistory) else read_attitude(attitude)
    rot = hist.rotation(time, frame)
    if roll_deg:
        c, s = math.cos(math.radians(roll_deg)), math.sin(math.radians(roll_deg))
        x, y = rot[:, 0], rot[:, 1]
        rot = np.column_stack([c * x + s * y, -s * x + c * y, rot[:, 2]])
    return Pointing(rot, frame, None, "attitude", float(roll_deg))


# ---------------------------------------------------------------------------- constraints


@dataclass(frozen=True)
class ObservationConstraints:
    """Whether an observation is allowed (arrays when given many positions)."""

    radius_re: np.ndarray | float
    sun_angle_deg: np.ndarray | float
    radial_ok: np.ndarray | bool
    sun_ok: np.ndarray | bool

    @property
    def ok(self):
        return np.logical_and(self.radial_ok, self.sun_ok)[()]


def sun_angle_deg(boresight, sun_direction=_SUN_GSE):
    """Angle(s) between boresight(s) (..., 3) and the Sun direction [deg]."""
    b = np.asarray(boresight, dtype=float)
    s = np.asarray(sun_direction, dtype=float)
    c = np.sum(b * s, axis=-1) / (np.linalg.norm(b, axis=-1) * np.linalg.norm(s, axis=-1))
    out = np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))
    return out[()] if np.ndim(out) == 0 else out


def observation_constraints(
    position_re,
    boresight,
    *,
    sun_direction=_SUN_GSE,
    min_radius_re: float | None = None,
    sun_avoidance_deg: float | None = None,
) -> ObservationConstraints:
    """SXI's constraints (defaults from ``sxi.json``): |r| > ``min_radius_re`` and the Sun at
    least ``sun_avoidance_deg`` from the boresight. Vectorised over (..., 3)."""
    r_min = _cfg("sxi", "min_radius_re", min_radius_re)
    sun_min = _cfg("sxi", "sun_avoidance_deg", sun_avoidance_deg)
    r = np.linalg.norm(np.asarray(position_re, dtype=float), axis=-1)
    ang = sun_angle_deg(boresight, sun_direction)
    with np.errstate(invalid="ignore"):
        radial_ok = r > r_min
        sun_ok = np.asarray(ang) >= sun_min
    return ObservationConstraints(
        r[()] if np.ndim(r) == 0 else r,
        ang,
        radial_ok[()] if np.ndim(radial_ok) == 0 else radial_ok,
        sun_ok[()] if np.ndim(sun_ok) == 0 else sun_ok,
    )
