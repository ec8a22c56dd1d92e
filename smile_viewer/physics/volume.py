"""Emissivity volumes: values on a uniform 3-D grid, trilinear sampling, model sampling.

:class:`Volume` stores float32 values of shape (nz, ny, nx) — the order of the community's FITS
cubes — while counts and bounds are given in x, y, z order; nodes sit on the bounds.
:meth:`Volume.sample` (trilinear, 0 outside by default), :func:`sample_model` (numba, parallel)
and :func:`plasma_volume`. Details: docs/formats.md#volume-array-order.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np

import smile_viewer
from smile_viewer.errors import UserInputError
from smile_viewer.physics import emissivity_kernels as _k
from smile_viewer.physics.emissivity import EMISSIVITY_UNITS, EmissivityModel, masked_plasma_emissivity

__all__ = ["Volume", "sample_model", "plasma_volume", "FRAMES", "DEFAULT_BOUNDS"]

#: Frames a volume may be in (lower case).
FRAMES = ("gse", "gsm")
#: Default region of :func:`sample_model` [R_E]: the SXI team's cubes span about this much.
DEFAULT_BOUNDS = ((-30.0, 30.0), (-30.0, 30.0), (-30.0, 30.0))

_pjit = numba.njit(parallel=True, cache=True, fastmath=False, error_model="numpy")
_jit = numba.njit(cache=True, fastmath=False, error_model="numpy")


@_jit
def trilinear_at_index(values, fx, fy, fz):
    """Trilinear interpolation of ``values`` (nz, ny, nx) at fractional node indices
    (fx, fy, fz), each within [0, n - 1] on its axis (numba; shared with the ray marcher)."""
    nz, ny, nx = values.shape
    i = min(int(fx), nx - 2)
    j = min(int(fy), ny - 2)
    k = min(int(fz), nz - 2)
    tx = fx - i
    ty = fy - j
    tz = fz - k
    c00 = values[k, j, i] * (1.0 - tx) + values[k, j, i + 1] * tx
    c01 = values[k, j + 1, i] * (1.0 - tx) + values[k, j + 1, i + 1] * tx
    c10 = values[k + 1, j, i] * (1.0 - tx) + values[k + 1, j, i + 1] * tx
    c11 = values[k + 1, j + 1, i] * (1.0 - tx) + values[k + 1, j + 1, i + 1] * tx
    c0 = c00 * (1.0 - ty) + c01 * ty
    c1 = c10 * (1.0 - ty) + c11 * ty
    return c0 * (1.0 - tz) + c1 * tz


# --------------------------------------------------------------------------------------
# kernels
# --------------------------------------------------------------------------------------


@_pjit
def _trilinear_kernel(values, x0, y0, z0, dx, dy, dz, pts, fill, out):
    nz, ny, nx = values.shape
    for n in numba.prange(pts.shape[0]):
        px = pts[n, 0]
        py = pts[n, 1]
        pz = pts[n, 2]
        if px != px or py != py or pz != pz:
            out[n] = np.nan
            continue
        fx = (px - x0) / dx
        fy = (py - y0) / dy
        fz = (pz - z0) / dz
        if not (fx >= 0.0 and fx <= nx - 1 and fy >= 0.0 and fy <= ny - 1 and fz >= 0.0 and fz <= nz - 1):
            out[n] = fill
            continue
        out[n] = trilinear_at_index(values, fx, fy, fz)


@_pjit
def _sample_model_kernel(model_id, p, x0, y0, z0, dx, dy, dz, out):
    nz, ny, nx = out.shape
    for kj in numba.prange(nz * ny):
        k = kj // ny
        j = kj - k * ny
        z = z0 + k * dz
        y = y0 + j * dy
        for i in range(nx):
            out[k, j, i] = _k.emissivity_point(model_id, x0 + i * dx, y, z, p)


# --------------------------------------------------------------------------------------
# the Volume type
# --------------------------------------------------------------------------------------


def _finite3(value: Any, name: str, positive: bool = False) -> tuple[float, float, float]:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise UserInputError(f"{name} = {value!r}: expected 3 numbers (x, y, z)") from None
    if arr.shape != (3,) or not np.all(np.isfinite(arr)):
        raise UserInputError(f"{name} = {value!r}: expected 3 finite numbers (x, y, z)")
    if positive and np.any(arr <= 0):
        raise UserInputError(f"{name} = {tuple(arr.tolist())}: every spacing must be > 0 R_E")
    return (float(arr[0]), float(arr[1]), float(arr[2]))


@dataclass(frozen=True, eq=False)
class Volume:
    """Values on a uniform 3-D grid (immutable).

    Parameters
    ----------
    values
        Array of shape (nz, ny, nx), stored as read-only C-contiguous float32 (copied only
        when the input is not already that). At least 2 nodes per axis.
    origin_re
        (x0, y0, z0): position of node ``values[0, 0, 0]`` [R_E].
    spacing_re
        (dx, dy, dz) > 0 [R_E].
    frame
        "gse" or "gsm" (X toward the Sun in both).
    units
        Units of the values (default "eV cm^-3 s^-1").
    provenance
        Free-form JSON-ready dict: where the values came from (model and parameters, file,
        solar wind, software version).
    """

    values: np.ndarray
    origin_re: tuple[float, float, float]
    spacing_re: tuple[float, float, float]
    frame: str = "gse"
    units: str = EMISSIVITY_UNITS
    provenance: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        try:
            v = np.ascontiguousarray(self.values, dtype=np.float32)
        except (TypeError, ValueError):
            raise UserInputError("volume values are not numeric") from None
        if v.ndim != 3:
            raise UserInputError(f"volume values have shape {v.shape}: expected 3 axes (nz, ny, nx)")
        if min(v.shape) < 2:
            raise UserInputError(f"volume values have shape {v.shape}: need at least 2 nodes along each axis")
        v = v.view()
        v.flags.writeable = False
        frame = str(self.frame).strip().lower()
        if frame not in FRAMES:
            raise UserInputError(f"volume frame = {self.frame!r}: expected one of {FRAMES}")
        if not isinstance(self.provenance, Mapping):
            raise UserInputError(f"volume provenance must be a mapping, got {type(self.provenance).__name__}")
        set_ = object.__setattr__
        set_(self, "values", v)
        set_(self, "origin_re", _finite3(self.origin_re, "origin_re"))
        set_(self, "spacing_re", _finite3(self.spacing_re, "spacing_re", positive=True))
        set_(self, "frame", frame)
        set_(self, "units", str(self.units))
        set_(self, "provenance", dict(self.provenance))

    # -- construction ------------------------------------------------------------------

    @classmethod
    def from_axes(
        cls,
        x_re: Any,
        y_re: Any,
        z_re: Any,
        values: Any,
        *,
        frame: str = "gse",
        units: str = EMISSIVITY_UNITS,
        provenance: Mapping[str, Any] | None = None,
        rtol: float = 1e-4,
    ) -> Volume:
        """A volume from its three axis vectors [R_E] and values (nz, ny, nx).

        The axes must be strictly increasing and uniform to ``rtol`` of the spacing (cube
        files store float32 axes); the spacing is taken from the end points.
        """
        axes = []
        for name, a in (("x", x_re), ("y", y_re), ("z", z_re)):
            arr = np.asarray(a, dtype=float)
            if arr.ndim != 1 or arr.size < 2:
                raise UserInputError(
                    f"{name} axis has shape {arr.shape}: expected a vector of at least 2 values"
                )
            if not np.all(np.isfinite(arr)):
                raise UserInputError(f"{name} axis holds non-finite values")
            d = np.diff(arr)
            if np.any(d <= 0):
                bad = int(np.argmax(d <= 0))
                raise UserInputError(f"{name} axis is not strictly increasing (step {bad})")
            step = (arr[-1] - arr[0]) / (arr.size - 1)
            if np.max(np.abs(d - step)) > rtol * step:
                raise UserInputError(
                    f"{name} axis is not uniform: steps from {d.min():.6g} to {d.max():.6g} R_E "
                    f"(a Volume needs a uniform grid; resample first)"
                )
            axes.append((float(arr[0]), step, arr.size))
        v = np.asarray(values)
        want = (axes[2][2], axes[1][2], axes[0][2])
        if v.shape != want:
            raise UserInputError(f"values have shape {v.shape}; the axes give (nz, ny, nx) = {want}")
        return cls(
            values=v,
            origin_re=(axes[0][0], axes[1][0], axes[2][0]),
            spacing_re=(axes[0][1], axes[1][1], axes[2][1]),
            frame=frame,
            units=units,
            provenance=dict(provenance or {}),
        )

    # -- geometry ----------------------------------------------------------------------

    @property
    def n_xyz(self) -> tuple[int, int, int]:
        """Nodes along (x, y, z): the reverse of ``values.shape``."""
        nz, ny, nx = self.values.shape
        return (nx, ny, nz)

    @property
    def x(self) -> np.ndarray:
        """x of the nodes [R_E]: x0 + i dx, i = 0 … nx-1 (float64)."""
        return self.origin_re[0] + np.arange(self.n_xyz[0]) * self.spacing_re[0]

    @property
    def y(self) -> np.ndarray:
        """y of the nodes [R_E] (float64)."""
        return self.origin_re[1] + np.arange(self.n_xyz[1]) * self.spacing_re[1]

    @property
    def z(self) -> np.ndarray:
        """z of the nodes [R_E] (float64)."""
        return self.origin_re[2] + np.arange(self.n_xyz[2]) * self.spacing_re[2]

    def axes(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(x, y, z) node coordinates [R_E]."""
        return self.x, self.y, self.z

    @property
    def bounds(self) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
        """((x0, x1), (y0, y1), (z0, z1)) of the first and last nodes [R_E]."""
        return tuple((o, o + (n - 1) * d) for o, n, d in zip(self.origin_re, self.n_xyz, self.spacing_re))  # type: ignore[return-value]

    def node_xyz(self) -> np.ndarray:
        """Positions of all nodes, shape (nz, ny, nx, 3) [R_E] (float64)."""
        zz, yy, xx = np.meshgrid(self.z, self.y, self.x, indexing="ij")
        return np.stack([xx, yy, zz], axis=-1)

    @property
    def nbytes(self) -> int:
        """Bytes held by the values array."""
        return int(self.values.nbytes)

    def __repr__(self) -> str:
        nx, ny, nz = self.n_xyz
        b = ", ".join(f"[{a:.4g}, {c:.4g}]" for a, c in self.bounds)
        mib = self.nbytes / 2**20
        return f"<Volume {nx}×{ny}×{nz} (x×y×z) {self.frame.upper()} {b} R_E, {self.units}, {mib:.1f} MiB>"

    # -- sampling ----------------------------------------------------------------------

    def sample(self, xyz_re: Any, fill_value: float = 0.0) -> np.ndarray:
        """Trilinear interpolation at points (..., 3) [R_E] → float64 array of shape (...).

        Points outside the grid (beyond the first/last nodes) get ``fill_value`` (0.0 by
        default; pass ``np.nan`` to mark them). Points exactly on the boundary are inside.
        """
        p = np.asarray(xyz_re, dtype=np.float64)
        if p.ndim == 0 or p.shape[-1] != 3:
            raise UserInputError(f"xyz_re has shape {p.shape}: expected (..., 3) positions in R_E")
        flat = np.ascontiguousarray(p.reshape(-1, 3))
        out = np.empty(flat.shape[0], dtype=np.float64)
        if flat.shape[0]:
            _trilinear_kernel(self.values, *self.origin_re, *self.spacing_re, flat, float(fill_value), out)
        out = out.reshape(p.shape[:-1])
        return float(out) if out.ndim == 0 else out

    def to_dict_header(self) -> dict[str, Any]:
        """Grid description for file headers: origin, spacing, n_xyz, frame, units."""
        return {
            "origin_re": list(self.origin_re),
            "spacing_re": list(self.spacing_re),
            "n_xyz": list(self.n_xyz),
            "frame": self.frame,
            "units": self.units,
        }


# --------------------------------------------------------------------------------------
# building volumes
# --------------------------------------------------------------------------------------


def _grid(shape: Any, bounds: Any):
    try:
        if isinstance(shape, (int, np.integer)):
            n = (int(shape),) * 3
        else:
            n = tuple(int(s) for s in shape)
            if any(int(s) != s for s in shape):
                raise ValueError
    except (TypeError, ValueError):
        raise UserInputError(f"shape = {shape!r}: expected (nx, ny, nz) integers") from None
    if len(n) != 3 or min(n) < 2:
        raise UserInputError(f"shape = {shape!r}: expected (nx, ny, nz), each at least 2")
    try:
        b = np.asarray(bounds, dtype=float)
    except (TypeError, ValueError):
        raise UserInputError(f"bounds = {bounds!r}: expected ((x0, x1), (y0, y1), (z0, z1)) in R_E") from None
    if b.shape != (3, 2) or not np.all(np.isfinite(b)) or np.any(b[:, 1] <= b[:, 0]):
        raise UserInputError(
            f"bounds = {bounds!r}: expected ((x0, x1), (y0, y1), (z0, z1)) with x0 < x1 etc. in R_E"
        )
    origin = (float(b[0, 0]), float(b[1, 0]), float(b[2, 0]))
    spacing = tuple(float((b[a, 1] - b[a, 0]) / (n[a] - 1)) for a in range(3))
    return n, origin, spacing


def _software() -> dict[str, str]:
    return {"smile_viewer": smile_viewer.__version__, "numba": numba.__version__, "numpy": np.__version__}


def sample_model(
    model: Any,
    shape: Any = (256, 256, 256),
    bounds: Any = DEFAULT_BOUNDS,
    *,
    frame: str = "gse",
) -> Volume:
    """Evaluate an emissivity source at the nodes of a uniform grid → :class:`Volume`.

    ``shape`` = (nx, ny, nz) nodes (or one int for a cube), ``bounds`` =
    ((x0, x1), (y0, y1), (z0, z1)) [R_E], nodes on the bounds. ``model``:

    - a :class:`~smile_viewer.physics.emissivity.JorgensenModel`, ``CMEMModel`` or
      ``ExosphereModel`` — evaluated by a numba ``parallel=True`` kernel through the same
      point functions as the ray marcher (values identical to ``model.emissivity`` up to the
      float32 rounding of the volume);
    - any object with ``emissivity(xyz_re)``, or a callable ``f(xyz_re) -> values`` on
      (..., 3) points — evaluated with numpy one z-slab at a time.

    ``frame`` records the frame the positions are in (the models need X toward the Sun: GSE or
    GSM; CMEM with a dipole tilt is GSM). The result's provenance holds the model (name,
    reference, parameters), the grid, the sampler, the time taken and software versions.
    """
    n, origin, spacing = _grid(shape, bounds)
    nx, ny, nz = n
    out = np.empty((nz, ny, nx), dtype=np.float32)
    t0 = time.perf_counter()
    if isinstance(model, EmissivityModel):
        _sample_model_kernel(
            np.int64(model.model_id), np.ascontiguousarray(model.to_array()), *origin, *spacing, out
        )
        sampler = "numba parallel kernel (emissivity_kernels.emissivity_point)"
        model_prov: dict[str, Any] = model.provenance()
    else:
        if hasattr(model, "emissivity"):
            func = model.emissivity
        elif callable(model):
            func = model
        else:
            raise UserInputError(
                f"cannot sample {type(model).__name__}: give an emissivity model or a callable f(xyz)"
            )
        xs = origin[0] + np.arange(nx) * spacing[0]
        ys = origin[1] + np.arange(ny) * spacing[1]
        yy, xx = np.meshgrid(ys, xs, indexing="ij")
        for k in range(nz):
            z = origin[2] + k * spacing[2]
            pts = np.stack([xx, yy, np.full_like(xx, z)], axis=-1)
            vals = np.asarray(func(pts), dtype=np.float64)
            if vals.shape != (ny, nx):
                raise UserInputError(
                    f"the emissivity function returned shape {vals.shape} for points {pts.shape}"
                )
            out[k] = vals
        sampler = "numpy, one z-slab at a time"
        model_prov = (
            model.provenance() if hasattr(model, "provenance") and callable(model.provenance)
            else {"model": getattr(model, "__qualname__", type(model).__name__)}
        )  # fmt: skip
    elapsed = time.perf_counter() - t0
    provenance = {
        "source": "analytic model sampled on a grid",
        "model": model_prov,
        "grid": {"n_xyz": list(n), "bounds_re": [list(b) for b in np.asarray(bounds, dtype=float).tolist()]},
        "sampler": sampler,
        "elapsed_s": elapsed,
        "software": _software(),
    }
    return Volume(out, origin, spacing, frame=frame, units=EMISSIVITY_UNITS, provenance=provenance)


def plasma_volume(
    x_re: Any,
    y_re: Any,
    z_re: Any,
    n_cm3: Any,
    v_km_s: Any,
    t_k: Any,
    *,
    frame: str = "gse",
    provenance: Mapping[str, Any] | None = None,
    **mask_options: Any,
) -> Volume:
    """Emissivity volume from plasma moments on a uniform grid (MHD output).

    Axes ``x_re``, ``y_re``, ``z_re`` (uniform, increasing) [R_E]; ``n_cm3`` (nz, ny, nx)
    proton density; ``v_km_s`` (nz, ny, nx, 3) velocity or (nz, ny, nx) speed [km/s];
    ``t_k`` (nz, ny, nx) temperature [K]. ``mask_options`` go to
    :func:`~smile_viewer.physics.emissivity.masked_plasma_emissivity` (``mask``,
    ``boundary``, ``alpha_ev_cm2``, ``n0_cm3``, ``n_h_cm3``, ``density_fraction``,
    ``density_min_cm3``, ``r_min_re``).
    """
    x = np.asarray(x_re, dtype=float)
    y = np.asarray(y_re, dtype=float)
    z = np.asarray(z_re, dtype=float)
    if x.ndim != 1 or y.ndim != 1 or z.ndim != 1:
        raise UserInputError("plasma_volume needs 1-D x, y and z axes")
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    xyz = np.stack([xx, yy, zz], axis=-1)
    eta = masked_plasma_emissivity(xyz, n_cm3, v_km_s, t_k, **mask_options)
    prov: dict[str, Any] = {
        "source": "plasma moments: P = alpha n_H n v_eff",
        "mask": {k: repr(v) for k, v in mask_options.items()},
    }
    prov["software"] = _software()
    prov.update(dict(provenance or {}))
    return Volume.from_axes(x, y, z, eta, frame=frame, units=EMISSIVITY_UNITS, provenance=prov)
