"""Camera tours: keyframes and the smooth path between them (no Qt, no vispy).

A :class:`Tour` is a list of :class:`Keyframe` — each holds a camera (:class:`CameraPose`: eye
position, orientation quaternion, field of view, focus distance), a scene time, the layers shown,
the solar wind (n, v, Bz), a caption, how long the camera rests there (``hold_s``) and how long
it takes to fly to the next keyframe (``travel_s``). :meth:`Tour.sample` gives the state at any
moment of the tour; :meth:`Tour.frame_times` the moments of a movie's frames (every keyframe
lands on a frame, so a movie shows each keyframe exactly).

Motion (docs/tours.md):

- positions: a centripetal Catmull-Rom spline through the eye positions (Barry & Goldman 1988,
  "A recursive evaluation algorithm for a class of Catmull-Rom splines", SIGGRAPH; the
  centripetal parametrisation of Yuksel, Schaefer & Keyser 2011, CAD 43:747, never loops or
  overshoots into a cusp between close keyframes);
- orientation: spherical quadrangle interpolation of unit quaternions (squad; Shoemake 1987,
  "Quaternion calculus and fast animation", SIGGRAPH course notes), consecutive quaternions put
  in the same hemisphere so the camera always turns the short way;
- ease in/out: each leg's parameter runs through the quintic "smootherstep" (zero speed and
  acceleration at both ends), so the camera settles at every keyframe — a tour stop;
- time, field of view, focus distance and the solar wind: linear in the eased parameter; layers
  and caption switch half-way along a leg.

Cameras are stored as a pose, not as the 3-D view's turntable angles; :func:`pose_from_turntable`
and :func:`turntable_from_pose` convert (vispy's TurntableCamera, ``up="+z"``: the view
direction is ``Ry(roll) Rz(azimuth) Rx(-elevation) ŷ``, the eye ``distance`` behind the centre).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from psygnal import EventedModel
from pydantic import BaseModel, ConfigDict, Field, field_validator

from smile_viewer.errors import UserInputError
from smile_viewer.state.scene import LayerVisibility, to_utc_time

__all__ = [
    "CameraPose",
    "Keyframe",
    "SolarWindKey",
    "Tour",
    "TourSample",
    "ease",
    "pose_from_turntable",
    "quat_from_matrix",
    "quat_to_matrix",
    "slerp",
    "squad",
    "turntable_from_pose",
]


# -- quaternions (w, x, y, z), unit, rotating camera coordinates into the scene ---------------------
def quat_from_matrix(m) -> np.ndarray:
    """Unit quaternion (w, x, y, z) of a 3×3 rotation matrix (Shepperd's method, stable)."""
    m = np.asarray(m, dtype=float).reshape(3, 3)
    tr = np.trace(m)
    if tr > 0:
        s = 2.0 * math.sqrt(tr + 1.0)
        q = [0.25 * s, (m[2, 1] - m[1, 2]) / s, (m[0, 2] - m[2, 0]) / s, (m[1, 0] - m[0, 1]) / s]
    elif m[0, 0] > m[1, 1] and m[0, 0] > m[2, 2]:
        s = 2.0 * math.sqrt(1.0 + m[0, 0] - m[1, 1] - m[2, 2])
        q = [(m[2, 1] - m[1, 2]) / s, 0.25 * s, (m[0, 1] + m[1, 0]) / s, (m[0, 2] + m[2, 0]) / s]
    elif m[1, 1] > m[2, 2]:
        s = 2.0 * math.sqrt(1.0 + m[1, 1] - m[0, 0] - m[2, 2])
        q = [(m[0, 2] - m[2, 0]) / s, (m[0, 1] + m[1, 0]) / s, 0.25 * s, (m[1, 2] + m[2, 1]) / s]
    else:
        s = 2.0 * math.sqrt(1.0 + m[2, 2] - m[0, 0] - m[1, 1])
        q = [(m[1, 0] - m[0, 1]) / s, (m[0, 2] + m[2, 0]) / s, (m[1, 2] + m[2, 1]) / s, 0.25 * s]
    q = np.asarray(q)
    q /= np.linalg.norm(q)
    return q if q[0] >= 0 else -q


def quat_to_matrix(q) -> np.ndarray:
    """3×3 rotation matrix of a quaternion (w, x, y, z) (normalised first)."""
    w, x, y, z = np.asarray(q, dtype=float) / np.linalg.norm(q)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
            [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
            [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)],
        ]
    )


def _qmul(a, b) -> np.ndarray:
    w1, x1, y1, z1 = a
    w2, x2, y2, z2 = b
    return np.array(
        [
            w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
            w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
            w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
        ]
    )


def _qconj(q) -> np.ndarray:
    return np.array([q[0], -q[1], -q[2], -q[3]])


def _qlog(q) -> np.ndarray:
    """Logarithm of a unit quaternion: (0, θ/2 · axis)."""
    v = np.asarray(q[1:], float)
    nv = np.linalg.norm(v)
    if nv < 1e-12:
        return np.zeros(4)
    ang = math.atan2(nv, float(np.clip(q[0], -1.0, 1.0)))
    return np.concatenate([[0.0], v / nv * ang])


def _qexp(q) -> np.ndarray:
    v = np.asarray(q[1:], float)
    a = np.linalg.norm(v)
    if a < 1e-12:
        return np.array([1.0, 0.0, 0.0, 0.0])
    return np.concatenate([[math.cos(a)], v / a * math.sin(a)])


def slerp(q0, q1, t: float, *, shortest: bool = True) -> np.ndarray:
    """Spherical linear interpolation between unit quaternions (the short way round; with
    ``shortest=False`` along the arc between the two as given, as squad's inner steps need)."""
    q0 = np.asarray(q0, float)
    q1 = np.asarray(q1, float)
    d = float(np.dot(q0, q1))
    if d < 0.0 and shortest:
        q1, d = -q1, -d
    if d > 0.9999995:
        q = q0 + t * (q1 - q0)
        return q / np.linalg.norm(q)
    th = math.acos(min(d, 1.0))
    s = math.sin(th)
    return (math.sin((1 - t) * th) * q0 + math.sin(t * th) * q1) / s


def _squad_control(q_prev, q, q_next) -> np.ndarray:
    """Shoemake's inner control point s_i = q_i exp(-(log(q_i⁻¹q_{i+1}) + log(q_i⁻¹q_{i-1}))/4)."""
    qi = _qconj(q)
    return _qmul(q, _qexp(-(_qlog(_qmul(qi, q_next)) + _qlog(_qmul(qi, q_prev))) / 4.0))


def squad(q0, q1, s0, s1, t: float) -> np.ndarray:
    """Squad between q0 and q1 with inner control points s0, s1 (C1 through the keyframes).

    q1 is taken in q0's hemisphere and each control point in its keyframe's, then the inner
    interpolations follow the arcs as given (a shortest-path flip half-way would be a jump)."""
    q0 = np.asarray(q0, float)
    q1 = np.asarray(q1, float)
    if np.dot(q0, q1) < 0:
        q1 = -q1
    s0 = np.asarray(s0, float) * (1.0 if np.dot(s0, q0) >= 0 else -1.0)
    s1 = np.asarray(s1, float) * (1.0 if np.dot(s1, q1) >= 0 else -1.0)
    a = slerp(q0, q1, t, shortest=False)
    b = slerp(s0, s1, t, shortest=False)
    q = slerp(a, b, 2.0 * t * (1.0 - t), shortest=False)
    return q / np.linalg.norm(q)


def ease(u: float) -> float:
    """Quintic smootherstep: 0 → 0, 1 → 1, zero first and second derivatives at both ends."""
    u = min(max(float(u), 0.0), 1.0)
    return u * u * u * (u * (6.0 * u - 15.0) + 10.0)


def _catmull_rom(p0, p1, p2, p3, t: float, alpha: float = 0.5) -> np.ndarray:
    """Centripetal Catmull-Rom point between p1 (t=0) and p2 (t=1) (Barry–Goldman pyramid)."""

    def knot(ti, a, b):
        return ti + max(float(np.linalg.norm(b - a)) ** alpha, 1e-9)

    t0 = 0.0
    t1 = knot(t0, p0, p1)
    t2 = knot(t1, p1, p2)
    t3 = knot(t2, p2, p3)
    tt = t1 + (t2 - t1) * t

    def lerp(a, b, ta, tb):
        return (tb - tt) / (tb - ta) * a + (tt - ta) / (tb - ta) * b

    a1 = lerp(p0, p1, t0, t1)
    a2 = lerp(p1, p2, t1, t2)
    a3 = lerp(p2, p3, t2, t3)
    b1 = lerp(a1, a2, t0, t2)
    b2 = lerp(a2, a3, t1, t3)
    return lerp(b1, b2, t1, t2)


# -- turntable <-> pose ------------------------------------------------------------------------------
def _rx(deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _ry(deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rz(deg):
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _wrap180(deg: float) -> float:
    return (deg + 180.0) % 360.0 - 180.0


def pose_from_turntable(
    azimuth: float, elevation: float, roll: float, center, distance: float, fov_deg: float
) -> CameraPose:
    """The pose of vispy's TurntableCamera (``up="+z"``) with these settings (angles in degrees,
    ``center`` and ``distance`` in R_E)."""
    b = _ry(roll) @ _rz(azimuth) @ _rx(-elevation)  # columns: right, view direction, up
    right, view, up = b[:, 0], b[:, 1], b[:, 2]
    eye = np.asarray(center, float).reshape(3) - float(distance) * view
    rot = np.column_stack([right, up, -view])
    return CameraPose(
        position_re=tuple(float(v) for v in eye),
        orientation=tuple(float(v) for v in quat_from_matrix(rot)),
        fov_deg=float(fov_deg),
        focus_re=float(distance),
    )


def turntable_from_pose(pose: CameraPose) -> dict:
    """TurntableCamera settings (``azimuth``, ``elevation``, ``roll`` in degrees, ``center`` and
    ``distance`` in R_E, ``fov``) that put the camera at ``pose``; elevation in [-90, 90]."""
    rot = pose.matrix()
    right, up, view = rot[:, 0], rot[:, 1], -rot[:, 2]
    b = np.column_stack([right, view, up])  # = Ry(c) Rz(a) Rx(-el)
    a = math.degrees(math.asin(float(np.clip(b[1, 0], -1.0, 1.0))))
    x = math.degrees(math.atan2(-b[1, 2], b[1, 1]))  # = -elevation when cos(a) > 0
    c = math.degrees(math.atan2(-b[2, 0], b[0, 0]))
    if abs(math.cos(math.radians(a))) < 1e-9:  # gimbal lock (right vector along ±y): no unique split
        c = 0.0
        m = _rz(-a) @ b  # = Rx(x) when roll is 0
        x = math.degrees(math.atan2(m[2, 1], m[1, 1]))
    if abs(x) > 90.0:  # the other solution: elevation within the turntable's [-90, 90]
        a, x, c = 180.0 - a, x - 180.0 if x > 0 else x + 180.0, c + 180.0
    center = np.asarray(pose.position_re, float) + pose.focus_re * view
    return {
        "azimuth": _wrap180(a),
        "elevation": float(np.clip(-x, -90.0, 90.0)),
        "roll": _wrap180(c),
        "center": tuple(float(v) for v in center),
        "distance": float(pose.focus_re),
        "fov": float(pose.fov_deg),
    }


# -- the model -----------------------------------------------------------------------------------------
class CameraPose(BaseModel):
    """Where the camera is and where it looks (scene frame, R_E).

    ``orientation``: unit quaternion (w, x, y, z) rotating camera coordinates (x right, y up, z
    backwards: the camera looks along -z) into the scene frame; ``fov_deg``: vertical field of
    view [deg]; ``focus_re``: distance to the point the camera turns about (the 3-D view's centre).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    position_re: tuple[float, float, float]
    orientation: tuple[float, float, float, float] = (1.0, 0.0, 0.0, 0.0)
    fov_deg: float = Field(30.0, gt=1.0, lt=170.0)
    focus_re: float = Field(50.0, gt=0.0)

    @field_validator("position_re", "orientation")
    @classmethod
    def _finite(cls, value):
        if not all(math.isfinite(v) for v in value):
            raise ValueError(f"must be finite numbers, got {value!r}")
        return value

    @field_validator("orientation")
    @classmethod
    def _unit(cls, value):
        n = math.sqrt(sum(v * v for v in value))
        if n < 1e-6:
            raise ValueError("orientation quaternion must not be zero")
        if abs(n - 1.0) < 1e-12:  # already unit: keep the numbers (a saved session reloads equal)
            return tuple(float(v) for v in value)
        return tuple(v / n for v in value)

    def matrix(self) -> np.ndarray:
        """3×3 rotation: columns camera right, up, backwards in the scene frame."""
        return quat_to_matrix(self.orientation)

    @property
    def view_direction(self) -> np.ndarray:
        return -self.matrix()[:, 2]


class SolarWindKey(BaseModel):
    """The solar wind of a keyframe: density [cm^-3], speed [km/s], IMF Bz [nT] (GSM)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_cm3: float = Field(gt=0.0)
    v_km_s: float = Field(gt=0.0)
    bz_nt: float


class Keyframe(EventedModel):
    """One stop of a tour (see the module docstring)."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    camera: CameraPose
    time: str  # ISO 8601 UTC
    layers: LayerVisibility | None = None  # None: leave the layers as they are
    solar_wind: SolarWindKey | None = None  # None: leave the solar wind as it is
    caption: str = ""
    hold_s: float = Field(2.0, ge=0.0, le=3600.0)
    travel_s: float = Field(6.0, gt=0.0, le=3600.0)

    @field_validator("time", mode="before")
    @classmethod
    def _iso(cls, value):
        return to_utc_time(value).isot


@dataclasses.dataclass(frozen=True)
class TourSample:
    """The tour's state at one moment: camera, scene time (ISO UTC), layers, solar wind, caption;
    ``leg``: the keyframe it leaves (or rests at), ``u``: eased progress along the leg (0..1)."""

    camera: CameraPose
    time: str
    layers: LayerVisibility | None
    solar_wind: SolarWindKey | None
    caption: str
    leg: int
    u: float


class Tour(EventedModel):
    """An ordered list of keyframes (sessions save it with the rest of the state)."""

    model_config = ConfigDict(validate_assignment=True, extra="forbid")

    keyframes: list[Keyframe] = Field(default_factory=list)

    # -- timing --------------------------------------------------------------------------------
    def _require(self) -> None:
        if not self.keyframes:
            raise UserInputError("the tour has no keyframes: add one in the Tour panel (Add keyframe)")

    def starts(self) -> list[float]:
        """Seconds from the tour's start at which each keyframe is reached."""
        out, t = [], 0.0
        for kf in self.keyframes:
            out.append(t)
            t += kf.hold_s + kf.travel_s
        return out

    @property
    def duration_s(self) -> float:
        """Length of the tour [s]: every hold and every leg (the last keyframe's hold ends it)."""
        if not self.keyframes:
            return 0.0
        return self.starts()[-1] + self.keyframes[-1].hold_s

    def frame_times(self, fps: float) -> np.ndarray:
        """Moments [s] of a movie's frames at ``fps``: each hold and leg gets a whole number of
        frames, so every keyframe falls exactly on a frame; the last frame is the last keyframe."""
        self._require()
        fps = float(fps)
        times: list[float] = []
        starts = self.starts()
        for i, kf in enumerate(self.keyframes):
            last = i == len(self.keyframes) - 1
            span = kf.hold_s + (0.0 if last else kf.travel_s)
            n = max(int(round(span * fps)), 0 if last else 1)
            times.extend(starts[i] + span * k / n for k in range(n))
        times.append(self.duration_s)
        return np.asarray(times)

    # -- sampling -------------------------------------------------------------------------------
    def sample(self, t_s: float) -> TourSample:
        """The tour at ``t_s`` seconds from its start (clamped to the tour)."""
        self._require()
        kfs = self.keyframes
        starts = self.starts()
        t_s = min(max(float(t_s), 0.0), self.duration_s)
        i = int(np.searchsorted(starts, t_s, side="right") - 1)
        i = min(max(i, 0), len(kfs) - 1)
        local = t_s - starts[i]
        if i == len(kfs) - 1 or local <= kfs[i].hold_s:
            k = kfs[i]
            return TourSample(k.camera, k.time, k.layers, k.solar_wind, k.caption, i, 0.0)
        u = ease((local - kfs[i].hold_s) / kfs[i].travel_s)
        return self._between(i, u)

    def _between(self, i: int, u: float) -> TourSample:
        kfs = self.keyframes
        a, b = kfs[i], kfs[i + 1]
        if u <= 0.0:
            return TourSample(a.camera, a.time, a.layers, a.solar_wind, a.caption, i, 0.0)
        if u >= 1.0:
            return TourSample(b.camera, b.time, b.layers, b.solar_wind, b.caption, i + 1, 0.0)
        pos = [np.asarray(k.camera.position_re, float) for k in kfs]
        quats = self._quaternions()
        p0 = pos[i - 1] if i > 0 else 2 * pos[i] - pos[i + 1]
        p3 = pos[i + 2] if i + 2 < len(kfs) else 2 * pos[i + 1] - pos[i]
        eye = _catmull_rom(p0, pos[i], pos[i + 1], p3, u)
        q_prev = quats[i - 1] if i > 0 else quats[i]
        q_next2 = quats[i + 2] if i + 2 < len(kfs) else quats[i + 1]
        s0 = _squad_control(q_prev, quats[i], quats[i + 1])
        s1 = _squad_control(quats[i], quats[i + 1], q_next2)
        q = squad(quats[i], quats[i + 1], s0, s1, u)
        cam = CameraPose(
            position_re=tuple(float(v) for v in eye),
            orientation=tuple(float(v) for v in q),
            fov_deg=a.camera.fov_deg + u * (b.camera.fov_deg - a.camera.fov_deg),
            focus_re=a.camera.focus_re + u * (b.camera.focus_re - a.camera.focus_re),
        )
        ta, tb = to_utc_time(a.time), to_utc_time(b.time)
        t = (ta + (tb - ta) * u).utc.isot
        sw = a.solar_wind
        if a.solar_wind is not None and b.solar_wind is not None:
            sa, sb = a.solar_wind, b.solar_wind
            sw = SolarWindKey(
                n_cm3=sa.n_cm3 + u * (sb.n_cm3 - sa.n_cm3),
                v_km_s=sa.v_km_s + u * (sb.v_km_s - sa.v_km_s),
                bz_nt=sa.bz_nt + u * (sb.bz_nt - sa.bz_nt),
            )
        elif u >= 0.5:
            sw = b.solar_wind
        near = a if u < 0.5 else b
        return TourSample(cam, t, near.layers, sw, near.caption, i, u)

    def _quaternions(self) -> list[np.ndarray]:
        """Keyframe quaternions, each in the hemisphere of the one before (short-way turns)."""
        out: list[np.ndarray] = []
        for k in self.keyframes:
            q = np.asarray(k.camera.orientation, float)
            if out and float(np.dot(out[-1], q)) < 0.0:
                q = -q
            out.append(q)
        return out
