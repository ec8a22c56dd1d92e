"""Outlines to draw over an image, in the pixel coordinates of a camera (pure numpy, no Qt).

:func:`earth_limb`, :func:`fov_outline` and :func:`tangent_outline` (the silhouette of a
magnetopause or bow shock, where the integrated emission jumps) return ``(N, 2)`` arrays of
``(col, row)`` array coordinates (pixel centres at integers), NaN rows between pieces. Method
and accuracy: docs/analysis.md#overlays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from smile_viewer.analysis.observer_view import project_on_rays
from smile_viewer.constants import R_E_KM
from smile_viewer.errors import UserInputError

__all__ = [
    "earth_limb",
    "fov_outline",
    "limb_radius_re",
    "project_points",
    "radius_function",
    "tangent_outline",
    "tangent_points",
]


def _tan_params(camera) -> tuple[np.ndarray, np.ndarray, float, float, int, int]:
    ny, nx = camera.shape
    dx, dy = camera.pixel_scale_rad
    return (np.asarray(camera.position_re, float), np.asarray(camera.rotation, float), dx, dy, ny, nx)


def project_points(camera, points_re) -> np.ndarray:
    """Gnomonic projection of scene points (..., 3) [R_E] to ``(col, row)`` array coordinates.

    Points at or behind the camera plane (camera z ≤ 0) give NaN. A camera of explicit rays
    (IMAGE FUV) is followed ray by ray (:func:`~smile_viewer.analysis.observer_view.project_on_rays`).
    """
    if getattr(camera, "rays", None) is not None:
        return project_on_rays(camera, points_re)
    pos, rot, dx, dy, ny, nx = _tan_params(camera)
    p = np.asarray(points_re, dtype=float)
    v = (p - pos) @ rot  # camera coordinates (x, y, z): rot's columns are the camera axes
    z = v[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(z > 0, v[..., 0] / z, np.nan)
        y = np.where(z > 0, v[..., 1] / z, np.nan)
    col = x / dx + (nx - 1) / 2.0
    row = y / dy + (ny - 1) / 2.0
    return np.stack([col, row], axis=-1)


def _project_directions(camera, dirs) -> np.ndarray:
    """As :func:`project_points` for directions (unit vectors) from the camera."""
    return project_points(camera, np.asarray(camera.position_re, float) + np.asarray(dirs, float))


def earth_limb(camera, radius_re: float = 1.0, n: int = 361) -> np.ndarray:
    """Earth's limb (the sphere of ``radius_re``) in array coordinates; empty inside the sphere."""
    pos = np.asarray(camera.position_re, float)
    d = float(np.linalg.norm(pos))
    if d <= radius_re:
        return np.empty((0, 2))
    c = -pos / d  # direction of Earth's centre from the camera
    a = math.asin(radius_re / d)  # angular radius of the limb
    u = np.cross(c, [0.0, 0.0, 1.0])
    if np.linalg.norm(u) < 1e-9:
        u = np.cross(c, [0.0, 1.0, 0.0])
    u /= np.linalg.norm(u)
    w = np.cross(c, u)
    psi = np.linspace(0.0, 2.0 * np.pi, int(n))
    dirs = math.cos(a) * c[None, :] + math.sin(a) * (np.cos(psi)[:, None] * u + np.sin(psi)[:, None] * w)
    return _break_jumps(_project_directions(camera, dirs))


def limb_radius_re(obs) -> float:
    """Radius [R_E] of the limb seen in ``obs``: the emission shell (Earth + EMIS_HGT) of a
    far-UV image that states it (IMAGE FUV), else the solid Earth (1)."""
    header = getattr(obs, "header", None) or {}
    try:
        h = float(header.get("EMIS_HGT_km", 0.0))
    except (TypeError, ValueError):
        h = 0.0
    return 1.0 + h / R_E_KM if 0.0 < h < 1000.0 else 1.0


def fov_outline(camera, n: int = 241) -> np.ndarray:
    """The field's edge: the image rectangle (corners at −0.5 and n − 0.5), or a circle."""
    ny, nx = camera.shape
    if getattr(camera, "circular", False):
        dx, dy = camera.pixel_scale_rad
        t = math.tan(math.radians(camera.fov_deg[0]) / 2.0)
        psi = np.linspace(0.0, 2.0 * np.pi, int(n))
        return np.stack(
            [t * np.cos(psi) / dx + (nx - 1) / 2.0, t * np.sin(psi) / dy + (ny - 1) / 2.0], axis=-1
        )
    x0, x1, y0, y1 = -0.5, nx - 0.5, -0.5, ny - 0.5
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]], dtype=float)


def radius_function(
    surface: Any, kind: str = "magnetopause"
) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``r(theta, phi)`` [R_E] of a boundary surface, an emissivity model (``kind``:
    "magnetopause" or "bow_shock") or a callable."""
    kind = str(kind).strip().lower().replace("-", "_").replace(" ", "_")
    if kind in ("mp",):
        kind = "magnetopause"
    if kind in ("bs", "bowshock"):
        kind = "bow_shock"
    if kind not in ("magnetopause", "bow_shock"):
        raise UserInputError(f"kind = {kind!r}: expected 'magnetopause' or 'bow_shock'")
    attr = f"{kind}_r"
    if hasattr(surface, attr):
        fn = getattr(surface, attr)
    elif hasattr(surface, "r") and callable(surface.r):
        fn = surface.r
    elif callable(surface):
        fn = surface
    else:
        raise UserInputError(f"{type(surface).__name__} is not a boundary surface: it has no r(theta, phi)")
    return lambda th, ph: np.asarray(fn(th, ph), dtype=float)


def _xyz(rfun, th, ph) -> np.ndarray:
    r = rfun(th, ph)
    st = np.sin(th)
    return np.stack([r * np.cos(th), r * st * np.cos(ph), r * st * np.sin(ph)], axis=-1)


def _theta_max(rfun, x_tail_re: float, n_phi: int) -> float:
    """The largest θ (over meridians) still sunward of the cut x = x_tail_re (bisection)."""
    ph = 2.0 * np.pi * np.arange(n_phi) / n_phi
    lo = np.full(ph.shape, 0.5 * np.pi)
    hi = np.full(ph.shape, np.pi - 1e-6)
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        with np.errstate(over="ignore", invalid="ignore"):
            xm = rfun(mid, ph) * np.cos(mid)
        above = ~(xm <= x_tail_re)  # NaN/inf counts as beyond the cut
        above &= np.isfinite(xm)
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    return float(np.min(lo))


def tangent_points(
    camera_position_re,
    surface: Any,
    *,
    kind: str = "magnetopause",
    x_tail_re: float = -40.0,
    n_theta: int = 241,
    n_phi: int = 361,
    to_camera_frame=None,
) -> np.ndarray:
    """Points [R_E] (camera frame) of a surface where the line of sight from the camera is tangent.

    Returns ``(M, 2, 3)`` segments (pairs of points on the limb curve; consecutive segments
    share end points) — see the module doc for the method.
    """
    rfun = radius_function(surface, kind)
    rot = None if to_camera_frame is None else np.asarray(to_camera_frame, float).reshape(3, 3)
    c = np.asarray(camera_position_re, float).reshape(3)
    c_model = c if rot is None else rot.T @ c  # camera position in the surface's frame
    th_max = _theta_max(rfun, float(x_tail_re), 64)
    th = np.linspace(1e-3, th_max, int(n_theta))
    ph = 2.0 * np.pi * np.arange(int(n_phi) + 1) / int(n_phi)  # last column = first (periodic)
    tt, pp = np.meshgrid(th, ph, indexing="ij")
    h = 1e-5
    with np.errstate(over="ignore", invalid="ignore"):
        p = _xyz(rfun, tt, pp)
        dth = (_xyz(rfun, tt + h, pp) - _xyz(rfun, tt - h, pp)) / (2 * h)
        dph = (_xyz(rfun, tt, pp + h) - _xyz(rfun, tt, pp - h)) / (2 * h)
        nrm = np.cross(dth, dph)
        nrm /= np.linalg.norm(nrm, axis=-1, keepdims=True)
        v = p - c_model
        v /= np.linalg.norm(v, axis=-1, keepdims=True)
        g = np.sum(nrm * v, axis=-1)
    segs = _marching_squares_zero(g, th, ph)
    if segs.size == 0:
        return np.empty((0, 2, 3))
    pts = _xyz(rfun, segs[..., 0], segs[..., 1])
    if rot is not None:
        pts = pts @ rot.T
    ok = np.all(np.isfinite(pts), axis=(1, 2))
    return pts[ok]


def tangent_outline(
    camera,
    surface: Any,
    *,
    kind: str = "magnetopause",
    x_tail_re: float = -40.0,
    n_theta: int = 241,
    n_phi: int = 361,
    to_camera_frame=None,
) -> np.ndarray:
    """The limb of ``surface`` seen by ``camera`` in array coordinates, as segments separated by NaN.

    Returns ``(3 M, 2)``: for each segment its two end points and a NaN row (ready for a
    pyqtgraph curve with ``connect="finite"``). Segments behind the camera are dropped.
    """
    segs = tangent_points(
        camera.position_re,
        surface,
        kind=kind,
        x_tail_re=x_tail_re,
        n_theta=n_theta,
        n_phi=n_phi,
        to_camera_frame=to_camera_frame,
    )
    if segs.size == 0:
        return np.empty((0, 2))
    xy = project_points(camera, segs)  # (M, 2, 2)
    ok = np.all(np.isfinite(xy), axis=(1, 2))
    xy = xy[ok]
    out = np.full((xy.shape[0], 3, 2), np.nan)
    out[:, :2] = xy
    return out.reshape(-1, 2)


def _break_jumps(xy: np.ndarray, factor: float = 50.0) -> np.ndarray:
    """Insert NaN where a projected polyline jumps (it passed behind the camera plane)."""
    if xy.shape[0] < 3:
        return xy
    step = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    finite = step[np.isfinite(step)]
    if finite.size == 0:
        return xy
    limit = factor * max(float(np.median(finite)), 1e-9)
    bad = ~(step <= limit)
    if not bad.any():
        return xy
    out = []
    for i in range(xy.shape[0]):
        out.append(xy[i])
        if i < len(bad) and bad[i]:
            out.append([np.nan, np.nan])
    return np.asarray(out, dtype=float)


def _marching_squares_zero(g: np.ndarray, ax0: np.ndarray, ax1: np.ndarray) -> np.ndarray:
    """Zero contour of g on the grid (ax0[i], ax1[j]) as (M, 2, 2) segments of (a0, a1) pairs.

    Each cell whose corners change sign contributes one segment (two for a saddle, joined by
    the sign of the centre). Crossings are linear interpolations along the cell edges.
    """
    g = np.asarray(g, float)
    g00, g10, g11, g01 = g[:-1, :-1], g[1:, :-1], g[1:, 1:], g[:-1, 1:]
    a0 = ax0[:, None] * np.ones((1, ax1.size))
    a1 = np.ones((ax0.size, 1)) * ax1[None, :]

    def cross(ga, gb, pa, pb):
        with np.errstate(divide="ignore", invalid="ignore"):
            t = ga / (ga - gb)
        return pa + t * (pb - pa)

    # edges: bottom (00-10), right (10-11), top (01-11), left (00-01): crossing positions
    i0, i1 = slice(None, -1), slice(1, None)
    j0, j1 = slice(None, -1), slice(1, None)
    e_pts = {
        "b": (cross(g00, g10, a0[i0, j0], a0[i1, j0]), a1[i0, j0]),
        "r": (a0[i1, j0], cross(g10, g11, a1[i1, j0], a1[i1, j1])),
        "t": (cross(g01, g11, a0[i0, j1], a0[i1, j1]), a1[i0, j1]),
        "l": (a0[i0, j0], cross(g00, g01, a1[i0, j0], a1[i0, j1])),
    }
    s00, s10, s11, s01 = g00 > 0, g10 > 0, g11 > 0, g01 > 0
    finite = np.isfinite(g00) & np.isfinite(g10) & np.isfinite(g11) & np.isfinite(g01)
    has = {
        "b": (s00 != s10),
        "r": (s10 != s11),
        "t": (s01 != s11),
        "l": (s00 != s01),
    }
    n_cross = sum(h.astype(int) for h in has.values())
    segs = []
    two = finite & (n_cross == 2)
    order = ["b", "r", "t", "l"]
    # two crossings: join them (the first two edges found in the order b, r, t, l)
    idx = np.nonzero(two)
    if idx[0].size:
        flags = np.stack([has[e][idx] for e in order], axis=-1)  # (K, 4)
        first = np.argmax(flags, axis=1)
        flags2 = flags.copy()
        flags2[np.arange(flags.shape[0]), first] = False
        second = np.argmax(flags2, axis=1)
        pts = np.stack([np.stack([e_pts[e][0][idx], e_pts[e][1][idx]], axis=-1) for e in order], axis=1)
        k = np.arange(flags.shape[0])
        segs.append(np.stack([pts[k, first], pts[k, second]], axis=1))
    # saddles (four crossings): split by the sign of the centre value
    four = finite & (n_cross == 4)
    idx = np.nonzero(four)
    if idx[0].size:
        centre_pos = ((g00 + g10 + g11 + g01) / 4.0)[idx] > 0
        pts = {e: np.stack([e_pts[e][0][idx], e_pts[e][1][idx]], axis=-1) for e in order}
        same = centre_pos == s00[idx]  # centre like corner 00: 00 joins the centre, cut 10 and 01 off
        a = np.where(same[:, None], pts["b"], pts["b"])
        b = np.where(same[:, None], pts["r"], pts["l"])
        c = np.where(same[:, None], pts["t"], pts["t"])
        d = np.where(same[:, None], pts["l"], pts["r"])
        segs.append(np.stack([a, b], axis=1))
        segs.append(np.stack([c, d], axis=1))
    if not segs:
        return np.empty((0, 2, 2))
    return np.concatenate(segs, axis=0)
