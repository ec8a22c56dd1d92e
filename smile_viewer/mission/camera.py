"""Imaging cameras: where a camera is, where it looks, and the direction of every pixel's ray.

A :class:`Camera` is frozen and complete. Frame: the scene frame named in ``frame`` (GSE by
default), positions in Earth radii.

Orientation: ``rotation`` is a 3×3 matrix whose *columns* are the camera axes expressed in
the scene frame: column 0 = camera x (the direction of increasing pixel column index ``i``),
column 1 = camera y (increasing row index ``j``), column 2 = the boresight. It must be a
proper rotation (orthonormal, det +1). A vector in camera coordinates ``v_cam`` is
``rotation @ v_cam`` in the scene frame.

Projection: gnomonic (FITS "TAN"). A pixel at intermediate coordinates (x, y) [radians on
the tangent plane] looks along ``(x, y, 1)/|(x, y, 1)|`` in camera coordinates. The pixel
grid is centred on the boresight; pixel centres of an ``nx``-wide image sit at
``x = (i - (nx - 1)/2) * dx`` with ``dx = 2 tan(fov_x/2) / nx``, so the outer *edges* of the
image are exactly ``±fov_x/2`` from the boresight along the x axis (likewise y). In FITS
terms: ``CRPIX = (n + 1)/2``, ``CDELT = degrees(dx)`` in the intermediate-world-coordinate
sense of the TAN projection.

Circular fields (UVI) use the same square grid with ``fov_deg = (d, d)``; pixels outside the
circle are masked by :meth:`Camera.inside_field` (the images keep them, as NaN or 0, as the
caller decides).

Explicit rays: an instrument whose optics follow no standard projection gives ``rays``, an
(ny, nx, 3) array of unit vectors in the scene frame; then ``rotation`` and ``fov_deg``
describe only the nominal pointing (for headers and drawing).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from smile_viewer.errors import UserInputError

__all__ = ["Camera", "look_rotation"]


def look_rotation(boresight, up_hint=(0.0, 0.0, 1.0), roll_deg: float = 0.0) -> np.ndarray:
    """A camera rotation (columns x, y, boresight) looking along ``boresight``.

    Camera y is the projection of ``-up_hint`` perpendicular to the boresight (images are
    stored top row first, so "up" in the picture is -y), then rotated by ``roll_deg`` about
    the boresight (right-handed). Falls back to another hint when ``up_hint`` is parallel to
    the boresight.
    """
    z = np.asarray(boresight, dtype=float)
    nz = np.linalg.norm(z)
    if not np.isfinite(nz) or nz == 0.0:
        raise UserInputError(f"boresight must be a non-zero finite vector, got {boresight!r}")
    z = z / nz
    up = np.asarray(up_hint, dtype=float)
    for hint in (up, np.array([0.0, 1.0, 0.0]), np.array([1.0, 0.0, 0.0])):
        y = -(hint - np.dot(hint, z) * z)
        ny = np.linalg.norm(y)
        if ny > 1e-9:
            break
    y = y / ny
    x = np.cross(y, z)
    if roll_deg:
        c, s = np.cos(np.radians(roll_deg)), np.sin(np.radians(roll_deg))
        x, y = c * x + s * y, -s * x + c * y
    return np.column_stack([x, y, z])


@dataclass(frozen=True, eq=False)
class Camera:
    """A pinhole (gnomonic) camera or an explicit set of rays, in the scene frame.

    Attributes
    ----------
    position_re : (3,) float
        Camera position [R_E] in ``frame``.
    rotation : (3, 3) float
        Columns: camera x, camera y, boresight, in ``frame``.
    fov_deg : (float, float)
        Full field of view along camera x and y [degrees], edge to edge.
    shape : (int, int)
        Image shape (ny, nx): rows along camera y, columns along camera x.
    circular : bool
        True for a circular field of diameter ``fov_deg[0]`` (UVI).
    rays : (ny, nx, 3) float or None
        Explicit unit ray directions in ``frame``; overrides the projection.
    frame : str
        Scene frame of position, rotation and rays ("gse" or "gsm").
    """

    position_re: np.ndarray
    rotation: np.ndarray
    fov_deg: tuple[float, float]
    shape: tuple[int, int]
    circular: bool = False
    rays: np.ndarray | None = None
    frame: str = "gse"
    name: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self):
        pos = np.asarray(self.position_re, dtype=float).reshape(3)
        if not np.all(np.isfinite(pos)):
            raise UserInputError(f"camera position must be finite, got {self.position_re!r}")
        rot = np.asarray(self.rotation, dtype=float).reshape(3, 3)
        if not np.allclose(rot.T @ rot, np.eye(3), atol=1e-9) or np.linalg.det(rot) < 0:
            raise UserInputError("camera rotation must be a proper rotation matrix (orthonormal, det +1)")
        fov = tuple(float(v) for v in np.broadcast_to(np.asarray(self.fov_deg, dtype=float), (2,)))
        if not all(0.0 < v < 179.0 for v in fov):
            raise UserInputError(f"field of view must be between 0 and 179 degrees, got {fov}")
        shape = tuple(int(v) for v in self.shape)
        if len(shape) != 2 or min(shape) < 1 or shape[0] * shape[1] > 64_000_000:
            raise UserInputError(
                f"image shape must be (ny, nx) with 1..64 million pixels, got {self.shape!r}"
            )
        object.__setattr__(self, "position_re", pos)
        object.__setattr__(self, "rotation", rot)
        object.__setattr__(self, "fov_deg", fov)
        object.__setattr__(self, "shape", shape)
        if self.rays is not None:
            rays = np.asarray(self.rays, dtype=float)
            if rays.shape != shape + (3,):
                raise UserInputError(
                    f"explicit rays must have shape {shape + (3,)} (ny, nx, 3), got {rays.shape}"
                )
            norms = np.linalg.norm(rays, axis=-1)
            if not np.all(np.isfinite(norms)) or np.any(norms == 0.0):
                raise UserInputError("explicit rays must be finite, non-zero vectors")
            rays = rays / norms[..., None]
            rays.setflags(write=False)
            object.__setattr__(self, "rays", rays)
        for arr in (pos, rot):
            arr.setflags(write=False)

    @property
    def boresight(self) -> np.ndarray:
        """Unit boresight vector in ``frame``."""
        return self.rotation[:, 2]

    @property
    def pixel_scale_rad(self) -> tuple[float, float]:
        """Tangent-plane pixel size (dx, dy) [radians] at the boresight."""
        ny, nx = self.shape
        fx, fy = np.radians(self.fov_deg)
        return 2.0 * np.tan(fx / 2.0) / nx, 2.0 * np.tan(fy / 2.0) / ny

    def pixel_size_deg(self) -> tuple[float, float]:
        """Angular size of a pixel (along x, along y) [deg] near the image centre.

        Gnomonic cameras: the tangent-plane pixel size at the boresight. Explicit rays: the
        median angle between neighbouring rays along each axis.
        """
        if self.rays is None:
            dx, dy = self.pixel_scale_rad
            return float(np.degrees(dx)), float(np.degrees(dy))
        d = self.rays
        ax = np.arccos(np.clip(np.sum(d[:, 1:] * d[:, :-1], axis=-1), -1.0, 1.0))
        ay = np.arccos(np.clip(np.sum(d[1:] * d[:-1], axis=-1), -1.0, 1.0))
        return float(np.degrees(np.median(ax))), float(np.degrees(np.median(ay)))

    def tangent_plane_coords(self) -> tuple[np.ndarray, np.ndarray]:
        """Intermediate coordinates (x[i], y[j]) of pixel centres on the tangent plane [rad]."""
        ny, nx = self.shape
        dx, dy = self.pixel_scale_rad
        return (np.arange(nx) - (nx - 1) / 2.0) * dx, (np.arange(ny) - (ny - 1) / 2.0) * dy

    def ray_directions(self) -> np.ndarray:
        """Unit ray direction of every pixel, (ny, nx, 3) float64 in ``frame`` (read-only)."""
        if self.rays is not None:
            return self.rays
        if "rays" not in self._cache:
            x, y = self.tangent_plane_coords()
            xx, yy = np.meshgrid(x, y)
            cam = np.stack([xx, yy, np.ones_like(xx)], axis=-1)
            cam /= np.linalg.norm(cam, axis=-1, keepdims=True)
            rays = cam @ self.rotation.T
            rays.setflags(write=False)
            self._cache["rays"] = rays
        return self._cache["rays"]

    def off_axis_angle_rad(self) -> np.ndarray:
        """Angle of each pixel's ray from the boresight, (ny, nx) [rad]."""
        cosang = np.clip(self.ray_directions() @ self.boresight, -1.0, 1.0)
        return np.arccos(cosang)

    def inside_field(self) -> np.ndarray:
        """Boolean (ny, nx): pixels inside the field (all, unless the field is circular)."""
        if not self.circular:
            return np.ones(self.shape, dtype=bool)
        return self.off_axis_angle_rad() <= np.radians(self.fov_deg[0]) / 2.0

    def pixel_solid_angle_sr(self) -> np.ndarray:
        """Solid angle of each pixel, (ny, nx) [sr] (midpoint rule: second-order accurate).

        For a tangent-plane pixel of size dx × dy at (x, y): dΩ ≈ dx dy / (1 + x² + y²)^(3/2).
        """
        x, y = self.tangent_plane_coords()
        xx, yy = np.meshgrid(x, y)
        dx, dy = self.pixel_scale_rad
        return dx * dy / (1.0 + xx**2 + yy**2) ** 1.5

    def with_(self, **changes) -> Camera:
        """A copy with some attributes changed."""
        values = {
            k: getattr(self, k)
            for k in ("position_re", "rotation", "fov_deg", "shape", "circular", "rays", "frame", "name")
        }
        values.update(changes)
        return Camera(**values)
