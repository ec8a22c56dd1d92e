"""An observed image's camera as a pinhole camera, for the 3-D view's "through the instrument"
view (pure numpy/scipy, no Qt).

An observation's matched camera (:func:`~smile_viewer.analysis.geometry.camera_for_observation`)
is either gnomonic already (a celestial TAN WCS: LEXI, SXI) or a set of explicit rays (IMAGE
FUV's camera model with its radial distortion). :func:`observer_view` returns the gnomonic camera
closest to those rays (a least-squares fit of the attitude and the two pixel scales), says how far
the rays are from it [pixels], and whether the picture's rows run upwards in the view (a file
whose pixel axes are a mirror image of the sky with row 0 at the top, as IMAGE FUV's: the FUV
team displays row 0 at the bottom). See docs/analysis.md#through-the-observing-instrument.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.ndimage import map_coordinates
from scipy.optimize import least_squares
from scipy.spatial.transform import Rotation

from smile_viewer.errors import UserInputError
from smile_viewer.mission.camera import Camera
from smile_viewer.mission.instruments import load_instrument

__all__ = ["ObserverView", "observer_view", "pinhole_fit", "project_on_rays"]

#: Who carries each instrument (for the view's caption).
OBSERVERS = {
    "wic": "IMAGE",
    "si12": "IMAGE",
    "si13": "IMAGE",
    "lexi": "the Moon",
    "sxi": "SMILE",
    "uvi": "SMILE",
}


@dataclass(frozen=True)
class ObserverView:
    """A pinhole ``camera`` (no explicit rays, in ``camera.frame``) for looking through the
    observing instrument; ``rows_up``: image row 0 is at the bottom of the view; ``rms_px``:
    rms distance of the observation's own rays from the pinhole camera [pixels]; ``name``:
    the instrument ("WIC"); ``observer``: its platform ("IMAGE"); ``time``: the observation's."""

    camera: Camera
    rows_up: bool
    rms_px: float
    name: str
    observer: str
    time: Any

    @property
    def title(self) -> str:
        """The view's caption: ``Through WIC (observed) from IMAGE · 17.2° × 17.2° field``."""
        fx, fy = self.camera.fov_deg
        return f"Through {self.name} (observed) from {self.observer}  ·  {fx:.3g}° × {fy:.3g}° field"


def _axes(rays: np.ndarray) -> tuple[np.ndarray, np.ndarray, bool]:
    """Starting attitude (columns x, y, boresight; proper) and whether rows run against y."""
    ny, nx = rays.shape[:2]
    b = rays[ny // 2, nx // 2] + rays[(ny - 1) // 2, (nx - 1) // 2]
    b /= np.linalg.norm(b)
    ex = rays[ny // 2, -1] - rays[ny // 2, 0]
    ex -= (ex @ b) * b
    ex /= np.linalg.norm(ex)
    ey = np.cross(b, ex)
    e_row = rays[-1, nx // 2] - rays[0, nx // 2]
    rows_up = bool(e_row @ ey < 0)
    return np.column_stack([ex, ey, b]), ey, rows_up


def pinhole_fit(camera: Camera, step: int | None = None) -> tuple[Camera, bool, float]:
    """``(pinhole camera, rows_up, rms_px)`` closest to ``camera``'s explicit rays (a camera
    without rays is returned as it is). ``step``: fit every ``step``-th pixel (default ~48 a side)."""
    if camera.rays is None:
        return camera, False, 0.0
    rays = np.asarray(camera.rays, dtype=float)
    ny, nx = rays.shape[:2]
    if min(ny, nx) < 2:
        raise UserInputError(f"a camera of {ny} x {nx} rays has no field to look through")
    rot0, _ey, rows_up = _axes(rays)
    k = step if step is not None else max(1, min(ny, nx) // 48)
    rr, cc = np.mgrid[0:ny:k, 0:nx:k]
    d = rays[rr, cc].reshape(-1, 3)
    u = (cc.ravel() - (nx - 1) / 2.0).astype(float)
    v = (rr.ravel() - (ny - 1) / 2.0).astype(float) * (-1.0 if rows_up else 1.0)
    sx0 = math.radians(camera.pixel_size_deg()[0])
    sy0 = math.radians(camera.pixel_size_deg()[1])

    def model(p):
        rot = Rotation.from_rotvec(p[:3]).as_matrix() @ rot0
        c = d @ rot  # camera coordinates of the observed rays
        return rot, c[:, 0] / c[:, 2] - p[3] * u, c[:, 1] / c[:, 2] - p[4] * v

    def resid(p):
        _rot, ex, ey = model(p)
        return np.concatenate([ex / sx0, ey / sy0])

    res = least_squares(resid, np.array([0.0, 0.0, 0.0, sx0, sy0]), method="lm")
    rot, ex, ey = model(res.x)
    sx, sy = float(res.x[3]), float(res.x[4])
    rms = float(np.sqrt(np.mean((ex / sx) ** 2 + (ey / sy) ** 2)))
    fov = (math.degrees(2 * math.atan(nx * sx / 2)), math.degrees(2 * math.atan(ny * sy / 2)))
    pin = Camera(
        position_re=camera.position_re,
        rotation=rot,
        fov_deg=fov,
        shape=(ny, nx),
        circular=camera.circular,
        frame=camera.frame,
        name=camera.name,
    )
    return pin, rows_up, rms


def observer_view(obs, camera: Camera) -> ObserverView:
    """The through-the-instrument view of ``obs`` from its matched ``camera``: the pinhole
    camera of its rays, with the instrument's own field (LEXI's 9.1° square) when the project
    describes the instrument, else the image's field."""
    pin, rows_up, rms = pinhole_fit(camera)
    key = str(getattr(obs, "instrument", "") or "").lower()
    try:
        inst = load_instrument(key) if key else None
    except UserInputError:  # an instrument the project does not describe (IMAGE WIC)
        inst = None
    if inst is not None and camera.rays is None:
        pin = pin.with_(fov_deg=inst.fov_deg, circular=inst.circular)
    return ObserverView(
        camera=pin,
        rows_up=rows_up,
        rms_px=rms,
        name=(key or "observed").upper(),
        observer=OBSERVERS.get(key, "its observer"),
        time=obs.time_start,
    )


def _pinhole_pixels(pin: Camera, rows_up: bool, points_re) -> np.ndarray:
    """(col, row) of scene points through the pinhole camera (NaN behind it)."""
    ny, nx = pin.shape
    dx, dy = pin.pixel_scale_rad
    v = (np.asarray(points_re, float) - pin.position_re) @ pin.rotation
    z = v[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(z > 0, v[..., 0] / z, np.nan)
        y = np.where(z > 0, v[..., 1] / z, np.nan)
    row = (ny - 1) / 2.0 + (-y if rows_up else y) / dy
    return np.stack([x / dx + (nx - 1) / 2.0, row], axis=-1)


def project_on_rays(camera: Camera, points_re, iterations: int = 4) -> np.ndarray:
    """``(col, row)`` array coordinates (pixel centres at integers) of scene points (..., 3)
    [R_E] seen by a camera of explicit rays (IMAGE FUV's camera model with its distortion).

    The pinhole camera nearest the rays (:func:`pinhole_fit`) gives a first position; the
    rays' departure from it, tabulated per pixel, is then removed by fixed-point iteration,
    p = p_pinhole + delta(p) (bilinear in the table; constant beyond the image's edge). Points
    behind the camera give NaN.
    """
    cache = camera._cache
    if "project_on_rays" not in cache:
        pin, rows_up, _rms = pinhole_fit(camera)
        rays = np.asarray(camera.rays, float)
        ny, nx = rays.shape[:2]
        seen = _pinhole_pixels(pin, rows_up, pin.position_re + rays)
        rr, cc = np.mgrid[0:ny, 0:nx].astype(float)
        cache["project_on_rays"] = (pin, rows_up, cc - seen[..., 0], rr - seen[..., 1])
    pin, rows_up, dc, dr = cache["project_on_rays"]
    p0 = _pinhole_pixels(pin, rows_up, points_re)
    flat = p0.reshape(-1, 2)
    ok = np.all(np.isfinite(flat), axis=1)
    p = flat[ok].copy()
    for _ in range(int(iterations)):
        at = [p[:, 1], p[:, 0]]
        p[:, 0] = flat[ok, 0] + map_coordinates(dc, at, order=1, mode="nearest")
        p[:, 1] = flat[ok, 1] + map_coordinates(dr, at, order=1, mode="nearest")
    out = np.full_like(flat, np.nan)
    out[ok] = p
    return out.reshape(p0.shape)
