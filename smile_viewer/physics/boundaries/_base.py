"""Common machinery of the boundary surfaces: validation, the base class, inside test, mesh,
aberration.

Geometry conventions (all models)
---------------------------------
- Lengths in Earth radii (R_E = 6371 km, :mod:`smile_viewer.constants`).
- ``theta`` [rad] is the angle from the +X axis (0 at the nose, pi straight down the tail).
- ``phi`` [rad] is the azimuth about X, measured from +Y toward +Z, so that a point is
  ``(r cos theta, r sin theta cos phi, r sin theta sin phi)``. ``phi = 0`` is dusk (+Y),
  ``pi/2`` north (+Z), ``pi`` dawn, ``3 pi/2`` south.
- Every surface is a radial function ``r(theta, phi)``: the region it bounds is star-shaped
  about Earth's centre, and a point ``p`` is inside iff ``|p| < r(theta_p, phi_p)``.
- Frame: Lin et al. 2010 depends on the dipole tilt and is not axisymmetric: its points are
  in GSM. Shue and Jelínek surfaces are axisymmetric about X, so they are the same in GSE and
  GSM (which share the X axis). The models were fitted with an aberrated X axis; aberration
  (optional, off by default) is described in :func:`aberration_rotation`.
"""

from __future__ import annotations

import dataclasses
import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from smile_viewer.errors import UserInputError

__all__ = [
    "BoundarySurface",
    "aberration_rotation",
    "aberration_angle_rad",
    "EARTH_ORBITAL_VELOCITY_GSE_KM_S",
    "NOMINAL_SOLAR_WIND_VELOCITY_GSE_KM_S",
]

#: Earth's heliocentric orbital velocity expressed in GSE [km/s]: mean orbital speed
#: 29.78 km/s (2 pi · 1 au / sidereal year), directed along -Y_GSE (the GSE Y axis points
#: opposite to Earth's orbital motion). GEOPACK's RECALC_08 notes add the same 29.78 km/s
#: to the solar wind Vy (GSE) to get the flow seen from Earth.
EARTH_ORBITAL_VELOCITY_GSE_KM_S: tuple[float, float, float] = (0.0, -29.78, 0.0)

#: Solar wind velocity used for aberration when a surface knows none [km/s, GSE]: radial
#: flow at 400 km/s, a typical slow wind [A]. The aberration angle is then
#: atan(29.78 / 400) = 4.26°.
NOMINAL_SOLAR_WIND_VELOCITY_GSE_KM_S: tuple[float, float, float] = (-400.0, 0.0, 0.0)


# --------------------------------------------------------------------------------------
# input validation
# --------------------------------------------------------------------------------------


def _as_float(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise UserInputError(f"{name} = {value!r} is not a number")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UserInputError(f"{name} = {value!r} is not a number") from None
    return x


def check_finite(value: Any, name: str) -> float:
    """``value`` as a finite float, or :class:`UserInputError` naming ``name`` and the value."""
    x = _as_float(value, name)
    if not math.isfinite(x):
        raise UserInputError(f"{name} = {x!r} is not a finite number")
    return x


def check_positive(value: Any, name: str, unit: str = "") -> float:
    """A finite float > 0, or :class:`UserInputError` naming ``name`` and the value."""
    x = check_finite(value, name)
    if x <= 0:
        raise UserInputError(f"{name} = {x!r}: must be > 0{(' ' + unit) if unit else ''}")
    return x


def check_non_negative(value: Any, name: str, unit: str = "") -> float:
    """A finite float >= 0, or :class:`UserInputError` naming ``name`` and the value."""
    x = check_finite(value, name)
    if x < 0:
        raise UserInputError(f"{name} = {x!r}: must be >= 0{(' ' + unit) if unit else ''}")
    return x


def _check_vector3(value: Any, name: str) -> tuple[float, float, float]:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise UserInputError(f"{name} = {value!r} must be 3 numbers (x, y, z)") from None
    if arr.shape != (3,):
        raise UserInputError(f"{name} = {value!r} must be 3 numbers (x, y, z)")
    if not np.all(np.isfinite(arr)):
        raise UserInputError(f"{name} = {value!r} must be finite")
    return (float(arr[0]), float(arr[1]), float(arr[2]))


def _check_int(value: Any, name: str, minimum: int) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise UserInputError(f"{name} = {value!r} must be an integer >= {minimum}")
    if value < minimum:
        raise UserInputError(f"{name} = {value!r} must be an integer >= {minimum}")
    return int(value)


# --------------------------------------------------------------------------------------
# aberration
# --------------------------------------------------------------------------------------


def aberration_rotation(
    v_sw_km_s: Sequence[float] = NOMINAL_SOLAR_WIND_VELOCITY_GSE_KM_S,
    v_earth_km_s: Sequence[float] = EARTH_ORBITAL_VELOCITY_GSE_KM_S,
) -> np.ndarray:
    """Rotation matrix ``R`` (3×3) from the aberrated frame to the frame of the velocities.

    Seen from Earth, the solar wind flows along ``v_rel = v_sw - v_earth``: with a radial
    400 km/s wind and Earth moving at 29.78 km/s along -Y_GSE, it arrives about 4.3° from
    the dawn side of the Sun (``v_rel = (-400, +29.78, 0)``), and the magnetosphere's axis
    of symmetry turns with it. The aberrated X axis is ``x' = -v_rel / |v_rel|``;
    ``R`` is the smallest rotation that takes +X to ``x'`` (about the axis X × x'), so
    ``R[:, 0] == x'``.

    Use: a point given in the aberrated (model) frame is ``R @ p``; a point given in the
    frame of the velocities is ``R.T @ p`` in the aberrated frame (for rows of points,
    ``points @ R`` and ``points @ R.T`` respectively).

    Frames: both velocities must be in the same frame, which is the frame the rotation acts
    in. :data:`EARTH_ORBITAL_VELOCITY_GSE_KM_S` is in GSE. GSE and GSM share their X axis,
    so applying a GSE-built rotation to a GSM model keeps the 4° magnitude but places the
    deflection in the GSE XY plane rather than the GSM one (a rotation about X by the
    GSE–GSM angle, up to ~35°); for exact work transform both velocities to GSM first
    (:mod:`smile_viewer.coords.frames`) and pass them here.
    """
    v_sw = np.array(_check_vector3(v_sw_km_s, "solar wind velocity v_sw_km_s"))
    v_e = np.array(_check_vector3(v_earth_km_s, "Earth's velocity v_earth_km_s"))
    v_rel = v_sw - v_e
    speed = float(np.linalg.norm(v_rel))
    if speed == 0.0 or v_rel[0] >= 0.0:
        raise UserInputError(
            f"solar wind velocity v_sw_km_s = {tuple(v_sw.tolist())} relative to Earth "
            f"{tuple(v_rel.tolist())}: must flow away from the Sun (vx < 0) to define an aberrated X axis"
        )
    u = -v_rel / speed  # aberrated X axis, in the velocities' frame
    ex = np.array([1.0, 0.0, 0.0])
    axis = np.cross(ex, u)
    s = float(np.linalg.norm(axis))
    c = float(u[0])
    if s < 1e-15:
        return np.eye(3)
    k = axis / s
    kx = np.array([[0.0, -k[2], k[1]], [k[2], 0.0, -k[0]], [-k[1], k[0], 0.0]])
    # Rodrigues: R = I + sin(a) K + (1 - cos(a)) K²
    return np.eye(3) + s * kx + (1.0 - c) * (kx @ kx)


def aberration_angle_rad(
    v_sw_km_s: Sequence[float] = NOMINAL_SOLAR_WIND_VELOCITY_GSE_KM_S,
    v_earth_km_s: Sequence[float] = EARTH_ORBITAL_VELOCITY_GSE_KM_S,
) -> float:
    """Angle between +X and the aberrated X axis [rad] (0.0743 rad = 4.26° for the defaults)."""
    r = aberration_rotation(v_sw_km_s, v_earth_km_s)
    return float(np.arccos(np.clip(r[0, 0], -1.0, 1.0)))


# --------------------------------------------------------------------------------------
# the base class
# --------------------------------------------------------------------------------------


def _float_or_array(a: np.ndarray):
    """A 0-d array becomes a numpy float; anything else stays an array."""
    return a[()] if a.ndim == 0 else a


@dataclass(frozen=True, kw_only=True)
class BoundarySurface(ABC):
    """A magnetopause or bow-shock surface ``r(theta, phi)`` (immutable).

    Subclasses set the class attributes :attr:`name`, :attr:`kind`, :attr:`frame`,
    :attr:`reference`, hold their inputs and derived values as dataclass fields (``r0``
    among them), and implement :meth:`_r`. See the module docstring of
    :mod:`smile_viewer.physics.boundaries` for the angle conventions.

    Aberration: ``v_sw_km_s`` (solar wind velocity, GSE, km/s, or None) and ``v_earth_km_s``
    (Earth's orbital velocity in the same frame) are only used when a method is called with
    ``aberrate=True``; with ``v_sw_km_s`` None the nominal radial 400 km/s wind is assumed.
    They do not change ``r(theta, phi)``, which is always in the model's own (aberrated)
    frame.
    """

    #: Human-readable model name, e.g. "Shue et al. (1998)".
    name: ClassVar[str] = ""
    #: "magnetopause" or "bow_shock".
    kind: ClassVar[str] = ""
    #: The frame of X, Y, Z for this model ("GSM", or "GSE or GSM" for axisymmetric ones).
    frame: ClassVar[str] = "GSM"
    #: Bibliographic reference.
    reference: ClassVar[str] = ""
    #: Short key used by :func:`~smile_viewer.physics.boundaries.from_solar_wind`.
    key: ClassVar[str] = ""

    v_sw_km_s: tuple[float, float, float] | None = None
    v_earth_km_s: tuple[float, float, float] = EARTH_ORBITAL_VELOCITY_GSE_KM_S

    def __post_init__(self) -> None:
        if self.v_sw_km_s is not None:
            object.__setattr__(
                self, "v_sw_km_s", _check_vector3(self.v_sw_km_s, "solar wind velocity v_sw_km_s")
            )
        object.__setattr__(
            self, "v_earth_km_s", _check_vector3(self.v_earth_km_s, "Earth's velocity v_earth_km_s")
        )

    # -- the model ---------------------------------------------------------------------

    @abstractmethod
    def _r(self, theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
        """r [R_E] for broadcast float arrays theta in [0, pi] and any phi."""

    def r(self, theta, phi=0.0):
        """Radial distance of the surface [R_E] in direction (``theta``, ``phi``) [rad].

        Vectorised with numpy broadcasting; a scalar in gives a numpy float out. ``theta``
        outside [0, pi] gives NaN; ``theta = pi`` gives a very large value or inf (the
        surfaces are open toward the tail).
        """
        th = np.asarray(theta, dtype=float)
        ph = np.asarray(phi, dtype=float)
        th, ph = np.broadcast_arrays(th, ph)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            out = np.asarray(self._r(th, ph), dtype=float)
            out = np.where((th >= 0.0) & (th <= np.pi), out, np.nan)
        return _float_or_array(out)

    @property
    def standoff_re(self) -> float:
        """Distance of the nose, r(theta = 0) [R_E] (the same for every phi)."""
        return float(self.r(0.0, 0.0))

    @property
    def parameters(self) -> dict[str, Any]:
        """Provenance: model name, kind, frame, reference, inputs and derived values (a new dict)."""
        out: dict[str, Any] = {
            "model": self.name,
            "key": self.key,
            "kind": self.kind,
            "frame": self.frame,
            "reference": self.reference,
        }
        for f in dataclasses.fields(self):
            out[f.name] = getattr(self, f.name)
        out["standoff_re"] = self.standoff_re
        return out

    # -- geometry ----------------------------------------------------------------------

    def xyz(self, theta, phi=0.0) -> np.ndarray:
        """Points on the surface (..., 3) [R_E] in the model's frame for broadcast (theta, phi)."""
        th, ph = np.broadcast_arrays(np.asarray(theta, dtype=float), np.asarray(phi, dtype=float))
        r = np.asarray(self.r(th, ph))
        st = np.sin(th)
        return np.stack([r * np.cos(th), r * st * np.cos(ph), r * st * np.sin(ph)], axis=-1)

    def aberration_matrix(self) -> np.ndarray:
        """:func:`aberration_rotation` for this surface's velocities (model frame → given frame)."""
        v_sw = self.v_sw_km_s if self.v_sw_km_s is not None else NOMINAL_SOLAR_WIND_VELOCITY_GSE_KM_S
        return aberration_rotation(v_sw, self.v_earth_km_s)

    def with_solar_wind_velocity(self, v_sw_km_s: Sequence[float] | None) -> BoundarySurface:
        """A copy of this surface that aberrates with the given solar wind velocity [km/s]."""
        return dataclasses.replace(self, v_sw_km_s=v_sw_km_s)

    def contains(self, xyz_re, *, aberrate: bool = False, x_min_re: float | None = None) -> np.ndarray:
        """Inside test: True where ``|p| < r(theta_p, phi_p)`` (strictly inside).

        ``xyz_re``: points (..., 3) [R_E] in the model's frame (GSM; with ``aberrate=True``, in
        the frame of the velocities, GSE by default — see :func:`aberration_rotation`). Returns
        a bool array of shape (...). Earth's centre is inside; NaN points are outside. With
        ``x_min_re``, points at x <= x_min_re (in the model's frame) are outside too, as for
        the closed :meth:`mesh`.
        """
        p = np.asarray(xyz_re, dtype=float)
        if p.ndim == 0 or p.shape[-1] != 3:
            raise UserInputError(f"xyz_re has shape {p.shape}: expected (..., 3) points in R_E")
        if aberrate:
            p = p @ self.aberration_matrix()
        x, y, z = p[..., 0], p[..., 1], p[..., 2]
        rp = np.sqrt(x * x + y * y + z * z)
        with np.errstate(divide="ignore", invalid="ignore"):
            cos_t = np.where(rp > 0.0, x / rp, 1.0)
        theta = np.arccos(np.clip(cos_t, -1.0, 1.0))
        phi = np.arctan2(z, y)
        rs = np.asarray(self.r(theta, phi))
        inside = rp < rs
        if x_min_re is not None:
            inside &= x > check_finite(x_min_re, "x_min_re")
        return inside

    def theta_at_x(self, x_re: float, phi) -> np.ndarray:
        """theta [rad] where the surface meets the plane X = ``x_re`` (< 0) on meridian ``phi``.

        Found by bisection on [pi/2, pi] (64 halvings, to machine precision), which assumes
        that X decreases monotonically along each meridian on the nightside — true for all the
        models here over their published parameter ranges (checked in the tests).
        """
        x_re = check_finite(x_re, "x_re")
        if x_re >= 0.0:
            raise UserInputError(f"x_re = {x_re!r}: the tail cut must be at X < 0")
        ph = np.asarray(phi, dtype=float)
        lo = np.full(ph.shape, 0.5 * np.pi)
        hi = np.full(ph.shape, np.pi)
        for _ in range(64):
            mid = 0.5 * (lo + hi)
            with np.errstate(over="ignore", invalid="ignore"):
                xm = np.asarray(self.r(mid, ph)) * np.cos(mid)
            above = xm > x_re  # still sunward of the cut: go further down the tail
            lo = np.where(above, mid, lo)
            hi = np.where(above, hi, mid)
        return 0.5 * (lo + hi)

    def mesh(
        self,
        x_tail_re: float = -60.0,
        n_theta: int = 96,
        n_phi: int = 128,
        *,
        aberrate: bool = False,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Closed triangle mesh of the surface cut by the plane X = ``x_tail_re`` and capped there.

        Returns ``(vertices, triangles)``: float64 (N, 3) [R_E] in the model's frame (with
        ``aberrate=True`` rotated into the velocities' frame, see :func:`aberration_rotation`;
        the cap then lies in the aberrated plane x' = x_tail_re) and int64 (M, 3) vertex
        indices. The mesh is watertight (every edge belongs to exactly two triangles) and
        every triangle is wound counter-clockwise seen from outside (right-hand normal points
        outward), so its signed volume sum(v0 · (v1 × v2)) / 6 is the enclosed volume.

        Layout: vertex 0 is the nose (theta = 0); then ``n_theta`` rings of ``n_phi``
        vertices each (ring k at index ``1 + k * n_phi``), on meridians phi_j = 2 pi j / n_phi,
        the last ring lying exactly in the cut plane; the last vertex is the centre of the
        tail cap (x_tail_re, 0, 0). Along each meridian the rings are spaced evenly in a blend
        of arc length and theta (so both the nose and the long flanks are resolved).
        N = n_theta · n_phi + 2, M = 2 · n_theta · n_phi.
        """
        x_tail = check_finite(x_tail_re, "x_tail_re")
        if not x_tail < 0.0:
            raise UserInputError(f"x_tail_re = {x_tail!r}: the tail cut must be at X < 0 (R_E)")
        n_theta = _check_int(n_theta, "n_theta", 2)
        n_phi = _check_int(n_phi, "n_phi", 3)

        phi = 2.0 * np.pi * np.arange(n_phi) / n_phi
        theta_max = self.theta_at_x(x_tail, phi)  # (n_phi,)

        # Fine sampling of each meridian to place the rings.
        m = max(1024, 16 * n_theta)
        frac = np.linspace(0.0, 1.0, m)
        th_f = theta_max[:, None] * frac[None, :]  # (n_phi, m)
        r_f = np.asarray(self.r(th_f, phi[:, None]))
        xm, rho = r_f * np.cos(th_f), r_f * np.sin(th_f)
        seg = np.hypot(np.diff(xm, axis=1), np.diff(rho, axis=1))
        arc = np.concatenate([np.zeros((n_phi, 1)), np.cumsum(seg, axis=1)], axis=1)
        w = 0.5 * arc / arc[:, -1:] + 0.5 * frac[None, :]  # strictly increasing from 0 to 1
        targets = np.arange(1, n_theta + 1) / n_theta
        th_rings = np.empty((n_phi, n_theta))
        for j in range(n_phi):
            th_rings[j] = np.interp(targets, w[j], th_f[j])
        th_rings[:, -1] = theta_max
        r_rings = np.asarray(self.r(th_rings, phi[:, None]))  # (n_phi, n_theta)
        rho_rings = r_rings * np.sin(th_rings)
        x_rings = r_rings * np.cos(th_rings)
        x_rings[:, -1] = x_tail  # exactly planar cap

        ring_xyz = np.stack(
            [x_rings, rho_rings * np.cos(phi)[:, None], rho_rings * np.sin(phi)[:, None]], axis=-1
        )  # (n_phi, n_theta, 3)
        ring_xyz = ring_xyz.transpose(1, 0, 2).reshape(-1, 3)  # ring-major
        nose = np.array([[self.standoff_re, 0.0, 0.0]])
        centre = np.array([[x_tail, 0.0, 0.0]])
        vertices = np.concatenate([nose, ring_xyz, centre], axis=0)

        j = np.arange(n_phi)
        jn = (j + 1) % n_phi

        def ring(k: int, jj: np.ndarray) -> np.ndarray:
            return 1 + k * n_phi + jj

        tris = [np.stack([np.zeros(n_phi, dtype=np.int64), ring(0, j), ring(0, jn)], axis=1)]
        for k in range(n_theta - 1):
            a, b = ring(k, j), ring(k, jn)
            c, d = ring(k + 1, j), ring(k + 1, jn)
            tris.append(np.stack([a, c, b], axis=1))
            tris.append(np.stack([b, c, d], axis=1))
        c_idx = np.full(n_phi, vertices.shape[0] - 1, dtype=np.int64)
        tris.append(np.stack([c_idx, ring(n_theta - 1, jn), ring(n_theta - 1, j)], axis=1))
        triangles = np.concatenate(tris, axis=0).astype(np.int64)

        if aberrate:
            vertices = vertices @ self.aberration_matrix().T
        return vertices, triangles


def mesh_volume(vertices: np.ndarray, triangles: np.ndarray) -> float:
    """Signed volume enclosed by a closed, outward-wound triangle mesh (divergence theorem)."""
    v = np.asarray(vertices, dtype=float)[np.asarray(triangles)]
    return float(np.einsum("ij,ij->i", v[:, 0], np.cross(v[:, 1], v[:, 2])).sum() / 6.0)
