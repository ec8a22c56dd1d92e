"""Cut planes through a volume: the values of a cube on a plane, sampled trilinearly.

A plane is a unit ``normal`` and an ``offset_re`` (the plane is n·r = offset, in the volume's
frame [R_E]); the named planes are X–Z (normal +Y), X–Y (normal +Z) and Y–Z (normal +X).
:func:`sample_plane` grids the part of the plane inside the volume's box at about the volume's
spacing and interpolates there (:meth:`~smile_viewer.physics.volume.Volume.sample`, trilinear,
exact for fields linear in x, y and z); :func:`offset_range` gives the offsets at which the plane
still crosses the box (a slider's range).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from smile_viewer.errors import UserInputError

__all__ = ["NAMED_PLANES", "PlaneCut", "offset_range", "plane_axes", "plane_normal", "sample_plane"]

_X, _Y, _Z = (1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)
#: Named planes: their unit normal and the (u, v) axes of their pictures (u right, v up).
NAMED_PLANES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "xz": (_Y, _X, _Z),  # normal +Y (the offset is y); u = +X, v = +Z
    "xy": (_Z, _X, _Y),  # normal +Z; u = +X, v = +Y
    "yz": (_X, _Y, _Z),  # normal +X; u = +Y, v = +Z
}
#: Largest number of samples along one side of a cut.
MAX_SIDE = 1024


def plane_normal(normal: Any) -> np.ndarray:
    """A unit normal from a plane name ("xz", "xy", "yz") or 3 numbers (UserInputError if zero)."""
    if isinstance(normal, str):
        key = normal.strip().lower().replace("-", "").replace("–", "")
        if key not in NAMED_PLANES:
            raise UserInputError(f"plane {normal!r}: expected one of X-Z, X-Y, Y-Z or a normal (nx, ny, nz)")
        return np.array(NAMED_PLANES[key][0])
    try:
        n = np.asarray(normal, dtype=float).reshape(3)
    except (TypeError, ValueError):
        raise UserInputError(f"plane normal {normal!r}: expected 3 numbers (nx, ny, nz)") from None
    length = float(np.linalg.norm(n))
    if not (math.isfinite(length) and length > 0):
        raise UserInputError(f"plane normal {tuple(np.asarray(n).tolist())}: needs a finite, non-zero vector")
    return n / length


def plane_axes(normal: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(n, u, v)``: the unit normal and two in-plane unit axes. Named planes use the axes of
    :data:`NAMED_PLANES`; another plane takes u along X projected on it (Y when the normal is
    along X) and v = n × u."""
    n = plane_normal(normal)
    for nn, uu, vv in NAMED_PLANES.values():
        if np.allclose(n, nn, atol=1e-12):
            return n, np.array(uu), np.array(vv)
    ref = np.array([1.0, 0.0, 0.0]) if abs(n[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    u = ref - np.dot(ref, n) * n
    u /= np.linalg.norm(u)
    v = np.cross(n, u)
    return n, u, v / np.linalg.norm(v)


def _corners(volume) -> np.ndarray:
    return np.array(list(itertools.product(*volume.bounds)), dtype=float)


def offset_range(volume, normal: Any) -> tuple[float, float]:
    """``(lo, hi)`` [R_E]: the offsets n·r for which the plane crosses the volume's box."""
    n = plane_normal(normal)
    d = _corners(volume) @ n
    return float(d.min()), float(d.max())


@dataclass(frozen=True, eq=False)
class PlaneCut:
    """Values of a volume on a plane (see :func:`sample_plane`).

    ``values`` (nv, nu) float64, NaN outside the volume; ``points`` (nv, nu, 3) their positions
    [R_E] in the volume's ``frame``; ``u_re`` (nu,) and ``v_re`` (nv,) the in-plane coordinates
    along the axes ``u_axis`` and ``v_axis`` from the plane's point nearest the origin
    (``offset_re`` × ``normal``); ``variable`` and ``units`` of the values.
    """

    values: np.ndarray
    points: np.ndarray
    u_re: np.ndarray
    v_re: np.ndarray
    normal: np.ndarray
    u_axis: np.ndarray
    v_axis: np.ndarray
    offset_re: float
    frame: str
    units: str
    variable: str = "emissivity"

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.values.shape)  # type: ignore[return-value]

    @property
    def inside(self) -> np.ndarray:
        """(nv, nu) True where the plane is inside the volume."""
        return np.isfinite(self.values)

    def corners(self) -> np.ndarray:
        """The 4 corners (u0 v0, u1 v0, u1 v1, u0 v1) of the sampled rectangle [R_E], (4, 3)."""
        p = self.points
        return np.array([p[0, 0], p[0, -1], p[-1, -1], p[-1, 0]])

    def describe(self) -> str:
        """``X–Z plane at y = 2.00 R_E`` (named planes) or ``plane n = (…) at 2.00 R_E``."""
        for key, (nn, _uu, _vv) in NAMED_PLANES.items():
            if np.allclose(self.normal, nn, atol=1e-12):
                axis = "xyz"[int(np.argmax(np.abs(nn)))]
                return f"{key[0].upper()}–{key[1].upper()} plane at {axis} = {self.offset_re:.2f} R_E"
        n = ", ".join(f"{c:.3f}" for c in self.normal)
        return f"plane n = ({n}) at {self.offset_re:.2f} R_E"


def sample_plane(
    volume,
    normal: Any = "xz",
    offset_re: float = 0.0,
    *,
    step_re: float | None = None,
    max_side: int = MAX_SIDE,
    variable: str = "emissivity",
) -> PlaneCut:
    """Sample ``volume`` on the plane n·r = ``offset_re`` (trilinear; NaN outside the box).

    ``normal``: "xz", "xy", "yz" or 3 numbers (any length); ``step_re``: spacing of the samples
    (default: the volume's smallest spacing), widened so that no side has more than
    ``max_side`` samples. The grid covers the plane's intersection with the box. A plane that
    misses the box raises UserInputError (with the range of offsets that cross it).
    """
    n, u, v = plane_axes(normal)
    off = float(offset_re)
    if not math.isfinite(off):
        raise UserInputError(f"plane offset {offset_re!r} is not a finite number of R_E")
    lo, hi = offset_range(volume, n)
    tol = 1e-9 * max(1.0, abs(lo), abs(hi))
    if off < lo - tol or off > hi + tol:
        raise UserInputError(
            f"the plane at {off:.3g} R_E misses the cube: offsets along this normal run {lo:.3g} to {hi:.3g} R_E"
        )
    off = min(max(off, lo), hi)
    # where the plane crosses the 12 edges of the box: the polygon to cover
    c = _corners(volume)
    d = c @ n - off
    pts = []
    for i, j in itertools.combinations(range(8), 2):
        if np.count_nonzero(c[i] != c[j]) != 1:
            continue  # not an edge
        if d[i] == 0.0:
            pts.append(c[i])
        if d[i] * d[j] < 0.0:
            t = d[i] / (d[i] - d[j])
            pts.append(c[i] + t * (c[j] - c[i]))
        if d[j] == 0.0:
            pts.append(c[j])
    poly = np.array(pts)
    origin = off * n
    pu, pv = (poly - origin) @ u, (poly - origin) @ v
    step = float(step_re) if step_re is not None else float(min(volume.spacing_re))
    if not (math.isfinite(step) and step > 0):
        raise UserInputError(f"step {step_re!r}: expected a spacing > 0 R_E")
    spans = (float(pu.max() - pu.min()), float(pv.max() - pv.min()))
    step = max(step, max(spans) / max(1, int(max_side) - 1))
    nu = max(2, int(math.floor(spans[0] / step + 1e-9)) + 1)
    nv = max(2, int(math.floor(spans[1] / step + 1e-9)) + 1)
    # centre the samples on the polygon's extent
    u0 = float(pu.min()) + 0.5 * (spans[0] - (nu - 1) * step)
    v0 = float(pv.min()) + 0.5 * (spans[1] - (nv - 1) * step)
    u_re = u0 + step * np.arange(nu)
    v_re = v0 + step * np.arange(nv)
    points = origin + u_re[None, :, None] * u + v_re[:, None, None] * v
    # snap what rounding puts a hair outside the box back onto it (a plane on a face)
    b = np.asarray(volume.bounds, dtype=float)
    eps = 1e-9 * max(1.0, float(np.abs(b).max()))
    points = np.where((points < b[:, 0]) & (points > b[:, 0] - eps), b[:, 0], points)
    points = np.where((points > b[:, 1]) & (points < b[:, 1] + eps), b[:, 1], points)
    values = volume.sample(points.reshape(-1, 3), fill_value=np.nan).reshape(nv, nu)
    return PlaneCut(
        values=values,
        points=points,
        u_re=u_re,
        v_re=v_re,
        normal=n,
        u_axis=u,
        v_axis=v,
        offset_re=off,
        frame=volume.frame,
        units=volume.units,
        variable=variable,
    )
