"""Matched geometry: the camera of an observed image, on its own pixel grid and at its own time.

:func:`camera_for_observation` / :func:`match_geometry` give a camera whose pixel (i, j) looks
where the observed pixel (i, j) looks (exact for our TAN layout, explicit rays otherwise);
:func:`pixel_directions` (from a celestial WCS or the SXI team's level-3 angles);
:func:`regrid_to_observation`. Method: docs/analysis.md#matched-geometry.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from smile_viewer.coords import rotation_matrix, transform
from smile_viewer.errors import UserInputError
from smile_viewer.mission.camera import Camera
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.orbit import default_orbit
from smile_viewer.mission.pointing import camera_rotation

__all__ = [
    "MatchedGeometry",
    "camera_for_observation",
    "match_geometry",
    "observation_position",
    "pixel_directions",
    "regrid_to_observation",
]


@dataclass(frozen=True, eq=False)
class MatchedGeometry:
    """The camera of an observation and how it was made.

    ``exact``: True for a gnomonic camera (rotation + field of view + shape), False for
    explicit rays. ``max_ray_error_rad``: largest angle between the camera's rays and the
    observation's pixel directions (0 for explicit rays). ``position_source``: "header",
    "cdf" or "orbit".
    """

    camera: Any
    time: Any
    exact: bool
    max_ray_error_rad: float
    position_source: str
    notes: tuple[str, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _radec_to_unit(ra_deg, dec_deg) -> np.ndarray:
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    cd = np.cos(dec)
    return np.stack([cd * np.cos(ra), cd * np.sin(ra), np.sin(dec)], axis=-1)


def _equatorial(wcs) -> bool:
    """RA/Dec in ICRS or FK5 (J2000) axes: taken as GEI/J2000 directly (FK5–ICRS: ~20 mas)."""
    ctype = [str(c).upper() for c in wcs.wcs.ctype]
    radesys = str(wcs.wcs.radesys or "").strip().upper()
    return ctype[0].startswith("RA") and ctype[1].startswith("DEC") and radesys in ("", "ICRS", "FK5")


def _pixel_grid(obs, x, y):
    ny, nx = obs.shape
    if x is None and y is None:
        yy, xx = np.mgrid[0:ny, 0:nx]
        return xx.astype(float), yy.astype(float)
    if x is None or y is None:
        raise UserInputError("give both x and y pixel coordinates, or neither")
    xx, yy = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    return xx, yy


def pixel_directions(obs, x=None, y=None, *, frame: str = "gse") -> np.ndarray:
    """Unit look directions (..., 3) in ``frame`` of pixel coordinates (x = column, y = row,
    0-based, fractional allowed; default: every pixel centre, shape (ny, nx, 3)), at DATE-OBS."""
    xx, yy = _pixel_grid(obs, x, y)
    t = obs.time_start
    if obs.wcs is not None:
        w = obs.wcs
        if _equatorial(w):
            ra, dec = w.pixel_to_world_values(xx, yy)
            v = _radec_to_unit(ra, dec)
        else:
            sky = w.pixel_to_world(xx, yy).icrs
            v = _radec_to_unit(sky.ra.deg, sky.dec.deg)
        if not np.all(np.isfinite(v)):
            raise UserInputError(
                f"{obs.path}: the WCS gives no direction for some pixels (outside the projection)"
            )
        rot = rotation_matrix(t, "gei", frame)
        return _unit(v @ rot.T)
    if obs.pixel_angles is None:
        raise UserInputError(f"{obs.path}: no geometry (neither a celestial WCS nor level-3 pixel angles)")
    phi = np.asarray(obs.pixel_angles["phi_deg"], dtype=float)
    theta = np.asarray(obs.pixel_angles["theta_deg"], dtype=float)
    # the angles are linear in the pixel index: evaluate at fractional positions exactly
    dphi = (phi[-1] - phi[0]) / (len(phi) - 1) if len(phi) > 1 else 0.0
    dth = (theta[-1] - theta[0]) / (len(theta) - 1) if len(theta) > 1 else 0.0
    if len(phi) == 1 or len(theta) == 1:
        raise UserInputError(f"{obs.path}: level-3 images need at least 2 pixels along each axis")
    ph = np.radians(phi[0] + xx * dphi)
    th = np.radians(theta[0] + yy * dth)
    L, xi, yi = _team_axes(obs)
    v = L + np.tan(ph)[..., None] * xi + np.tan(th)[..., None] * yi
    v = _unit(v)
    if frame != "gse":
        v = v @ rotation_matrix(t, "gse", frame).T
    return v


def _team_axes(obs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(L, x_i, y_i) in GSE for the SXI team's image layout."""
    pos = np.asarray(obs.position_re, dtype=float)
    aim = np.asarray(obs.aim_re, dtype=float)
    L = aim - pos
    if np.linalg.norm(L) == 0:
        raise UserInputError(f"{obs.path}: AIM equals POS")
    L = L / np.linalg.norm(L)
    b = pos - (pos @ L) * L
    nb = np.linalg.norm(b)
    if nb < 1e-9 * max(1.0, np.linalg.norm(pos)):
        raise UserInputError(
            f"{obs.path}: the look direction passes through Earth's centre: the level-3 image "
            "axes (toward/away from Earth) are undefined"
        )
    xi = b / nb
    yi = np.cross(b, L)
    yi = yi / np.linalg.norm(yi)
    return L, xi, yi


def observation_position(obs, frame: str = "gse") -> tuple[np.ndarray, str]:
    """(position [R_E] in ``frame``, source): the file's position, else the default orbit's at DATE-OBS."""
    if obs.position_re is not None:
        p = np.asarray(obs.position_re, dtype=float)
        src = "cdf" if obs.format == "uvi-cdf" else "header"
    else:
        p = np.asarray(default_orbit().position(obs.time_start, "gse"), dtype=float).reshape(3)
        src = "orbit"
    if frame != "gse":
        p = transform(p, obs.time_start, "gse", frame)
    return p, src


def _exact_tan_camera(obs, rays, position, frame, inst, tolerance_rad):
    """An exact Camera from a standard-layout TAN WCS, or (None, reason)."""
    w = obs.wcs
    w.wcs.set()
    ctype = [str(c).upper() for c in w.wcs.ctype]
    if not (_equatorial(w) and ctype[0].endswith("-TAN") and ctype[1].endswith("-TAN")):
        return (
            None,
            f"projection {ctype} (RADESYS {w.wcs.radesys!r}) is not RA---TAN/DEC--TAN in ICRS/FK5 axes",
        )
    if any(getattr(w, a, None) is not None for a in ("sip", "cpdis1", "cpdis2", "det2im1", "det2im2")):
        return None, "the WCS has distortion terms"
    if w.wcs.lng != 0 or w.wcs.lat != 1:
        return None, "the celestial axes are swapped"
    ny, nx = obs.shape
    crpix = np.asarray(w.wcs.crpix, dtype=float)
    if abs(crpix[0] - (nx + 1) / 2) > 1e-6 or abs(crpix[1] - (ny + 1) / 2) > 1e-6:
        return None, f"CRPIX = {tuple(crpix)} is not the image centre ({(nx + 1) / 2}, {(ny + 1) / 2})"
    cd = np.asarray(w.wcs.get_cdelt(), dtype=float)[:, None] * np.asarray(w.wcs.get_pc(), dtype=float)
    ra0, dec0 = (float(v) for v in w.wcs.crval)
    b = _radec_to_unit(ra0, dec0)
    a, d = math.radians(ra0), math.radians(dec0)
    east = np.array([-math.sin(a), math.cos(a), 0.0])
    north = np.array([-math.sin(d) * math.cos(a), -math.sin(d) * math.sin(a), math.cos(d)])
    vx = np.radians(cd[0, 0] * east + cd[1, 0] * north)
    vy = np.radians(cd[0, 1] * east + cd[1, 1] * north)
    dx, dy = float(np.linalg.norm(vx)), float(np.linalg.norm(vy))
    if dx == 0 or dy == 0:
        return None, "a pixel size is 0"
    cx, cy = vx / dx, vy / dy
    if abs(cx @ cy) > 1e-9:
        return None, "the pixel axes are not perpendicular"
    if np.cross(cx, cy) @ b < 0:
        return None, "the picture is mirrored (left-handed axes)"
    rot = rotation_matrix(obs.time_start, "gei", frame) @ np.column_stack([cx, cy, b])
    fov = (math.degrees(2 * math.atan(nx * dx / 2)), math.degrees(2 * math.atan(ny * dy / 2)))
    circular = bool(inst is not None and inst.circular and nx == ny and abs(dx - dy) < 1e-12 * dx)
    try:
        cam = Camera(
            position_re=position,
            rotation=rot,
            fov_deg=fov,
            shape=(ny, nx),
            circular=circular,
            frame=frame,
            name=inst.name if inst is not None else obs.instrument,
        )
    except UserInputError as exc:
        return None, str(exc)
    err = _max_angle(cam.ray_directions(), rays)
    if err > tolerance_rad:
        return None, f"gnomonic camera rays differ from the WCS by {err:.2e} rad (> {tolerance_rad:g})"
    return (cam, err), ""


def _max_angle(a: np.ndarray, b: np.ndarray) -> float:
    c = np.linalg.norm(np.cross(a, b), axis=-1)
    d = np.sum(a * b, axis=-1)
    return float(np.max(np.arctan2(c, d)))


def _resolve_instrument(obs, instrument):
    if instrument is not None:
        return load_instrument(instrument)
    if not obs.instrument:
        return None
    try:
        return load_instrument(obs.instrument)
    except UserInputError:  # an instrument the project does not describe (IMAGE WIC): rays only
        return None


def match_geometry(
    obs, instrument=None, *, frame: str = "gse", tolerance_rad: float = 1e-9
) -> MatchedGeometry:
    """The matched camera of ``obs`` (module docstring) with how it was made."""
    frame = str(frame).lower()
    if frame not in ("gse", "gsm"):
        raise UserInputError(f"frame = {frame!r}: expected 'gse' or 'gsm'")
    inst = _resolve_instrument(obs, instrument)
    notes: list[str] = []
    position, src = observation_position(obs, frame)
    if src == "orbit":
        notes.append(f"no spacecraft position in the file: default orbit at {obs.time_start.utc.isot}")
    if np.linalg.norm(position) <= 1.0:
        raise UserInputError(f"{obs.path}: spacecraft position {tuple(position)} lies inside the Earth")
    rays = pixel_directions(obs, frame=frame)
    reason = ""
    if obs.wcs is not None:
        made, reason = _exact_tan_camera(obs, rays, position, frame, inst, tolerance_rad)
        if made is not None:
            cam, err = made
            return MatchedGeometry(
                cam, obs.time_start, True, err, src, tuple(notes), {"kind": "tan-exact", "frame": frame}
            )
    else:
        reason = "SXI level-3 pixel angles (tan-of-angle projection, not gnomonic)"
    notes.append(f"explicit rays: {reason}")
    ny, nx = obs.shape
    cxy = pixel_directions(obs, [(nx - 1) / 2.0], [(ny - 1) / 2.0], frame=frame)[0]
    left_right = pixel_directions(obs, [-0.5, nx - 0.5], [(ny - 1) / 2.0] * 2, frame=frame)
    top_bottom = pixel_directions(obs, [(nx - 1) / 2.0] * 2, [-0.5, ny - 0.5], frame=frame)
    fov = (
        math.degrees(_max_angle(left_right[:1], left_right[1:])),
        math.degrees(_max_angle(top_bottom[:1], top_bottom[1:])),
    )
    fov = tuple(min(max(f, 1e-6), 178.0) for f in fov)
    down = -position if (inst is None or not inst.circular) else -np.array([1.0, 0.0, 0.0])
    try:
        rot = camera_rotation(cxy, down)
    except UserInputError:
        rot = camera_rotation(
            cxy, np.array([0.0, 0.0, -1.0]) if abs(cxy[2]) < 0.99 else np.array([-1.0, 0, 0])
        )
    circular = bool(inst is not None and inst.circular and nx == ny)
    cam = Camera(
        position_re=position,
        rotation=rot,
        fov_deg=fov,
        shape=(ny, nx),
        circular=circular,
        rays=rays,
        frame=frame,
        name=inst.name if inst is not None else obs.instrument,
    )
    return MatchedGeometry(
        cam,
        obs.time_start,
        False,
        0.0,
        src,
        tuple(notes),
        {"kind": "explicit-rays", "frame": frame, "reason": reason},
    )


def camera_for_observation(obs, instrument=None, *, frame: str = "gse", tolerance_rad: float = 1e-9):
    """The :class:`~smile_viewer.mission.camera.Camera` on ``obs``'s own pixel grid at DATE-OBS.

    ``instrument``: "sxi"/"uvi" or an Instrument (default: the file's); it sets the name and,
    for UVI, the circular field. See :func:`match_geometry` for how the camera is made.
    """
    return match_geometry(obs, instrument, frame=frame, tolerance_rad=tolerance_rad).camera


def regrid_to_observation(image, image_wcs, obs, *, order: str = "bilinear") -> np.ndarray:
    """``image`` (with its celestial ``image_wcs``) resampled onto ``obs``'s pixel grid.

    Needs the optional package ``reproject`` (``reproject_interp``) and a celestial WCS on
    ``obs``. Both images must be seen from the same position: a regrid moves directions.
    Pixels of ``obs`` outside ``image`` are NaN.
    """
    if obs.wcs is None:
        raise UserInputError(
            f"{obs.path}: regridding needs a celestial WCS on the observed image; render the "
            "synthetic image on camera_for_observation(obs) instead"
        )
    try:
        from reproject import reproject_interp  # lazy: optional dependency (smile-viewer[reproject])
    except ImportError:
        raise UserInputError(
            "regridding needs the optional package 'reproject' (pip install reproject); "
            "or render on camera_for_observation(obs), which needs no regrid"
        ) from None
    arr = np.asarray(image, dtype=float)
    if arr.ndim != 2:
        raise UserInputError(f"image must be 2-D, got shape {arr.shape}")
    out = reproject_interp(
        (arr, image_wcs), obs.wcs, shape_out=obs.shape, order=order, return_footprint=False
    )
    return np.asarray(out, dtype=float)
