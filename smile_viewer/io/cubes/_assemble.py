"""The one volume-assembly step behind the native-format cube adapters.

An adapter (ppmlr_text, bats_idl, openggcm_cdf, latep_nc, tecplot_cube, gamera_h5) reads
its file into a :class:`RawCube` — node axes and fields on a rectilinear grid, or a pyvista
mesh with point/cell data — and :func:`assemble` /
:func:`assemble_mesh` do the rest the same way for every format: reversed axes (OpenGGCM's
x and y), axis checks, NaN policy, units, plasma moments → emissivity with the
magnetosphere masked, the frame, resampling and the provenance (with ``time`` when the file
has one). Formats and their sources: docs/formats.md#native-model-formats.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.cubes import _common as c
from smile_viewer.physics.volume import Volume

__all__ = ["FRAME_NAMES", "RawCube", "assemble", "assemble_mesh", "flip_inplace", "resolve_frame"]

#: Frames a native file may state (or a caller pass): GSO is taken as GSE (below).
FRAME_NAMES: tuple[str, ...] = ("gse", "gsm", "gso")
#: Options every native adapter takes (passed on to :func:`assemble`).
ASSEMBLE_OPTIONS: tuple[str, ...] = (
    "frame", "nonuniform", "spacing_re", "shape", "bounds", "max_nan_fraction", "nan_fill", "max_bytes",
)  # fmt: skip


@dataclass
class RawCube:
    """What an adapter read: node axes [R_E] as stored (possibly decreasing), fields of shape
    (nz, ny, nx) keyed "emissivity" / "production" or moment keys ("n", "vx", "vy", "vz",
    "T" or "p"), the names and units in the file, and what the file says about itself."""

    path: Path
    format: str  # one line: what the file is (said in the provenance and by cube-info)
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    fields: dict[str, np.ndarray]
    mode: str  # "emissivity", "production" or "moments"
    names: dict[str, str] = field(default_factory=dict)
    units: dict[str, str | None] = field(default_factory=dict)
    frame: str | None = None  # frame the format/file states ("gse", "gsm", "gso"); None: default
    frame_note: str = ""  # where that frame comes from
    reversed_xy: bool = False  # x and y of the file point the other way (OpenGGCM)
    solar_wind: dict[str, Any] = field(default_factory=dict)
    time: str | None = None  # ISO 8601 UTC of the snapshot, when the file says
    production_factor: float | None = None  # "production" mode: eV per event (× abundance)
    production_note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def resolve_frame(path: Path, option: str | None, stated: str | None) -> tuple[str, str]:
    """(volume frame "gse"/"gsm", how it was decided). GSO (geocentric solar orbital: X to
    the Sun, Z normal to the orbital plane) is GSE for a cube around the Earth: the Earth's
    orbital plane is the ecliptic."""
    how_extra = ""
    if option is not None:
        f = str(option).strip().lower()
        if f not in FRAME_NAMES:
            raise UserInputError(f"frame = {option!r}: expected one of {FRAME_NAMES}")
        how = "given by the caller"
    elif stated is not None:
        f = str(stated).strip().lower()
        if f not in FRAME_NAMES:
            raise DataFileError(
                path, f"states the frame {stated!r}: expected one of {tuple(x.upper() for x in FRAME_NAMES)}"
            )
        how = "stated by the file / its format"
    else:
        f = c.DEFAULT_FRAME
        how = f"assumed {c.DEFAULT_FRAME.upper()} (the file does not state a frame; pass frame= to override)"
    if f == "gso":
        f = "gse"
        how_extra = "; GSO taken as GSE (the Earth's orbital plane is the ecliptic)"
    return f, how + how_extra


def flip_inplace(arr: np.ndarray, axis: int) -> None:
    """Reverse a (nz, ny, nx) array along ``axis`` in place, one slab at a time (no second
    full-size copy)."""
    n0 = arr.shape[0]
    if axis == 0:
        for k in range(n0 // 2):
            tmp = arr[k].copy()
            arr[k] = arr[n0 - 1 - k]
            arr[n0 - 1 - k] = tmp
    elif axis == 1:
        for k in range(n0):
            arr[k] = arr[k, ::-1, :].copy()
    else:
        for k in range(n0):
            arr[k] = arr[k, :, ::-1].copy()


def _options(opts: Mapping[str, Any]) -> dict[str, Any]:
    bad = sorted(set(opts) - set(ASSEMBLE_OPTIONS) - set(c.MASK_OPTIONS))
    if bad:
        raise UserInputError(f"unknown option(s) {bad}; the cube options are {', '.join(ASSEMBLE_OPTIONS)}")
    nonuniform = opts.get("nonuniform", "error")
    if nonuniform not in ("error", "resample"):
        raise UserInputError(f"nonuniform = {nonuniform!r}: expected 'error' or 'resample'")
    return dict(opts)


def _file_prov(raw: RawCube, frame_how: str) -> dict[str, Any]:
    prov: dict[str, Any] = {"path": str(raw.path.resolve()), "format": raw.format, "frame": frame_how}
    if raw.frame_note:
        prov["frame_source"] = raw.frame_note
    if raw.names:
        prov["variables"] = dict(raw.names)
    if raw.reversed_xy:
        prov["reversed_xy"] = (
            "the file's x and y point the other way: x -> -x, y -> -y (and vector x, y components)"
        )
    if raw.solar_wind:
        prov["solar_wind"] = dict(raw.solar_wind)
    if raw.time:
        prov["time"] = raw.time
    prov.update(raw.extra)
    return prov


def _values(raw: RawCube, data: dict[str, np.ndarray], xyz_fn, mask_options) -> tuple[np.ndarray, str, dict]:
    """(emissivity values, units, provenance part) from the checked fields."""
    p = raw.path
    if raw.mode == "emissivity":
        vals, units, note = c.emissivity_units(p, raw.names.get("emissivity", "emissivity"), data["emissivity"],
                                               raw.units.get("emissivity"))  # fmt: skip
        return vals, units, {"source": f"emissivity from {raw.format}", "units": note}
    if raw.mode == "production":
        f = raw.production_factor
        vals = data["production"]
        if f is None:
            units = raw.units.get("production") or "cm^-3 s^-1"
            return vals, units, {"source": f"production rate from {raw.format}", "units": f"{units} (kept)"}
        vals *= np.float32(f)
        return (
            vals,
            c.EMISSIVITY_UNITS,
            {
                "source": f"production rate from {raw.format}, turned into emissivity",
                "units": raw.production_note,
            },
        )
    if raw.mode != "moments":  # pragma: no cover - adapters set it
        raise ValueError(raw.mode)
    eta, mom_prov = c.emissivity_from_moments(p, xyz_fn(), data, raw.names, raw.units, mask_options)
    return (
        eta.astype(np.float32),
        c.EMISSIVITY_UNITS,
        {
            "source": f"plasma moments from {raw.format}: P = alpha n_H n v_eff",
            "moments": mom_prov,
        },
    )


def assemble(raw: RawCube, **options: Any) -> Volume:
    """RawCube on rectilinear axes → :class:`Volume` (module docstring). ``options``:
    ``frame`` ("gse", "gsm", "gso" overrides the file's), ``nonuniform``, ``spacing_re``,
    ``shape``, ``bounds``, ``max_nan_fraction``, ``nan_fill`` (as for
    :func:`~smile_viewer.io.cubes.read_fits_cube`) and, for plasma moments, the mask options
    of :func:`~smile_viewer.physics.emissivity.masked_plasma_emissivity`."""
    opts = _options(options)
    p = raw.path
    mask_options = {k: v for k, v in opts.items() if k in c.MASK_OPTIONS}
    if mask_options and raw.mode != "moments":
        raise UserInputError(
            f"options {sorted(mask_options)} apply to plasma moments, but {p} holds {raw.mode}"
        )
    fr, frame_how = resolve_frame(p, opts.get("frame"), raw.frame)
    nz, ny, nx = next(iter(raw.fields.values())).shape
    for key, arr in raw.fields.items():
        if arr.shape != (nz, ny, nx):
            raise DataFileError(
                p, f"variable {raw.names.get(key, key)!r} has shape {arr.shape}, expected {(nz, ny, nx)}"
            )
    sign = -1.0 if raw.reversed_xy else 1.0
    desc = f"(data (nz, ny, nx) = ({nz}, {ny}, {nx}))"
    x, fx = c.check_axis(p, "x", sign * np.asarray(raw.x, dtype=np.float64), nx, desc)
    y, fy = c.check_axis(p, "y", sign * np.asarray(raw.y, dtype=np.float64), ny, desc)
    z, fz = c.check_axis(p, "z", np.asarray(raw.z, dtype=np.float64), nz, desc)
    data: dict[str, np.ndarray] = {}
    nan_stats = []
    for key, arr in raw.fields.items():
        if raw.reversed_xy and key in ("vx", "vy"):
            np.negative(arr, out=arr)
        for flipped, axis in ((fx, 2), (fy, 1), (fz, 0)):
            if flipped:
                flip_inplace(arr, axis)
        arr, st = c.check_finite(p, f"variable {raw.names.get(key, key)!r}", arr,
                                 max_nan_fraction=opts.get("max_nan_fraction", c.DEFAULT_MAX_NAN_FRACTION),
                                 nan_fill=opts.get("nan_fill"), stacklevel=5)  # fmt: skip
        if st:
            nan_stats.append(st)
        data[key] = arr
    file_prov = _file_prov(raw, frame_how)
    if any((fx, fy, fz)):
        file_prov["reversed_axes"] = [a for a, f in zip("xyz", (fx, fy, fz)) if f]
    if nan_stats:
        file_prov["nonfinite"] = nan_stats
    vals, units, part = _values(raw, data, lambda: c.grid_points(x, y, z), mask_options)
    data.clear()
    provenance: dict[str, Any] = {**part, "file": file_prov, "software": c.software()}
    if raw.time:
        provenance["time"] = raw.time
    resample = any(opts.get(k) is not None for k in ("spacing_re", "shape", "bounds"))
    uniform = all(c.is_uniform(a) for a in (x, y, z))
    if not uniform and opts.get("nonuniform", "error") == "error" and not resample:
        bad = next(n for n, a in zip("xyz", (x, y, z)) if not c.is_uniform(a))
        raise DataFileError(p, c.nonuniform_message(bad, {"x": x, "y": y, "z": z}[bad])
                            + ": a volume needs a uniform grid; pass nonuniform='resample' to interpolate it onto one")  # fmt: skip

    def build():
        if uniform and not resample:
            origin = (float(x[0]), float(y[0]), float(z[0]))
            spacing = tuple(float((a[-1] - a[0]) / (a.size - 1)) for a in (x, y, z))
            return Volume(vals, origin, spacing, frame=fr, units=units, provenance=provenance)
        grid = c.target_grid(((x[0], x[-1]), (y[0], y[-1]), (z[0], z[-1])), spacing_re=opts.get("spacing_re"),
                             shape=opts.get("shape"), bounds=opts.get("bounds"), n_source=nx * ny * nz)  # fmt: skip
        c.check_memory(p, grid.n_nodes * 24 + nx * ny * nz * 8, opts.get("max_bytes"),
                       f"resampling onto {grid.n_xyz} nodes")  # fmt: skip
        res, n_out = c.regrid_rectilinear(vals, x, y, z, grid)
        provenance["resampled"] = {**grid.describe(), "method": "trilinear (tensor-product linear)",
                                   "nodes_outside_data": n_out}  # fmt: skip
        return Volume(res, grid.origin, grid.spacing, frame=fr, units=units, provenance=provenance)

    return c.wrap_volume_errors(p, build)


def assemble_mesh(
    path: Path,
    fmt: str,
    mesh: Any,
    arrays: dict[str, tuple[np.ndarray, str]],
    *,
    mode: str,
    names: dict[str, str],
    units: dict[str, str | None],
    stated_frame: str | None,
    frame_note: str = "",
    solar_wind: Mapping[str, Any] | None = None,
    time: str | None = None,
    extra: Mapping[str, Any] | None = None,
    **options: Any,
) -> Volume:
    """A pyvista mesh (unstructured or curvilinear) with arrays key → (values, "point"/"cell")
    → :class:`Volume`: emissivity (or moments → emissivity at the source points), then VTK
    resampling onto a uniform grid (:func:`smile_viewer.io.cubes.vtk_cube._to_uniform`).
    Options as :func:`assemble` plus ``max_nodes`` / ``outside_value``."""
    from smile_viewer.io.cubes import vtk_cube  # lazy: pyvista, only for mesh formats

    max_nodes = int(options.pop("max_nodes", c.DEFAULT_MAX_NODES))
    outside_value = float(options.pop("outside_value", 0.0))
    opts = _options(options)
    mask_options = {k: v for k, v in opts.items() if k in c.MASK_OPTIONS}
    if mask_options and mode != "moments":
        raise UserInputError(
            f"options {sorted(mask_options)} apply to plasma moments, but {path} holds {mode}"
        )
    fr, frame_how = resolve_frame(path, opts.get("frame"), stated_frame)
    raw = RawCube(path, fmt, np.zeros(2), np.zeros(2), np.zeros(2), {}, mode, dict(names), dict(units), stated_frame,
                  frame_note, False, dict(solar_wind or {}), time, extra=dict(extra or {}))  # fmt: skip
    nan_stats = []
    data: dict[str, np.ndarray] = {}
    locs = {loc for _, loc in arrays.values()}
    if len(locs) != 1:  # pragma: no cover - adapters give one location
        raise DataFileError(path, "mixes point and cell data")
    loc = locs.pop()
    for key, (arr, _) in arrays.items():
        arr, st = c.check_finite(path, f"variable {names.get(key, key)!r}", np.asarray(arr),
                                 max_nan_fraction=opts.get("max_nan_fraction", c.DEFAULT_MAX_NAN_FRACTION),
                                 nan_fill=opts.get("nan_fill"), stacklevel=5)  # fmt: skip
        if st:
            nan_stats.append(st)
        data[key] = arr

    def xyz():
        pts = mesh.cell_centers().points if loc == "cell" else mesh.points
        return np.asarray(pts, dtype=np.float64)

    vals, vol_units, part = _values(raw, data, xyz, mask_options)
    file_prov = _file_prov(raw, frame_how)
    if nan_stats:
        file_prov["nonfinite"] = nan_stats
    provenance: dict[str, Any] = {**part, "file": file_prov, "software": c.software()}
    if time:
        provenance["time"] = time

    def check_grid(grid: c.TargetGrid) -> None:
        c.check_memory(
            path, grid.n_nodes * 40, opts.get("max_bytes"), f"a uniform grid of {grid.n_xyz} nodes"
        )

    sampled, grid_desc = vtk_cube._to_uniform(path, mesh, {"emissivity": (np.asarray(vals, dtype=np.float64), loc)},
                                              spacing_re=opts.get("spacing_re"), shape=opts.get("shape"),
                                              bounds=opts.get("bounds"), max_nodes=max_nodes, cell_data="point",
                                              outside_value=outside_value, check_grid=check_grid)  # fmt: skip
    provenance["grid"] = grid_desc
    out = sampled["emissivity"]
    return c.wrap_volume_errors(path, lambda: Volume(out, tuple(grid_desc["origin_re"]), tuple(grid_desc["spacing_re"]),
                                                     frame=fr, units=vol_units, provenance=provenance))  # fmt: skip


def assemble_points(
    path: Path,
    fmt: str,
    xyz: np.ndarray,
    arrays: dict[str, np.ndarray],
    *,
    mode: str,
    names: dict[str, str],
    units: dict[str, str | None],
    stated_frame: str | None,
    frame_note: str = "",
    time: str | None = None,
    extra: Mapping[str, Any] | None = None,
    **options: Any,
) -> Volume:
    """Cell-centred values at scattered points (BATS-R-US unstructured output: the centres of
    its Cartesian AMR cells, no connectivity) → :class:`Volume`. Each node of the uniform grid
    takes the value of the nearest cell centre — on a patch of equal cells, the cell holding
    the node (the values are cell averages) — unless that centre is farther than 1.5 × the
    half-diagonal of its cell (cell size h: the distance to the centre's nearest neighbour),
    i.e. the node is outside the simulated region (inside the inner boundary): then
    ``outside_value`` (0). Options as :func:`assemble_mesh`."""
    from scipy.spatial import cKDTree  # lazy: scipy.spatial, only for scattered points

    max_nodes = int(options.pop("max_nodes", c.DEFAULT_MAX_NODES))
    outside_value = float(options.pop("outside_value", 0.0))
    opts = _options(options)
    mask_options = {k: v for k, v in opts.items() if k in c.MASK_OPTIONS}
    if mask_options and mode != "moments":
        raise UserInputError(
            f"options {sorted(mask_options)} apply to plasma moments, but {path} holds {mode}"
        )
    fr, frame_how = resolve_frame(path, opts.get("frame"), stated_frame)
    if xyz.shape[0] < 2 or not np.all(np.isfinite(xyz)):
        raise DataFileError(path, "its point coordinates are fewer than 2 or not finite")
    raw = RawCube(path, fmt, np.zeros(2), np.zeros(2), np.zeros(2), {}, mode, dict(names), dict(units), stated_frame,
                  frame_note, False, {}, time, extra=dict(extra or {}))  # fmt: skip
    data, nan_stats = {}, []
    for key, arr in arrays.items():
        arr, st = c.check_finite(path, f"variable {names.get(key, key)!r}", np.asarray(arr),
                                 max_nan_fraction=opts.get("max_nan_fraction", c.DEFAULT_MAX_NAN_FRACTION),
                                 nan_fill=opts.get("nan_fill"), stacklevel=5)  # fmt: skip
        if st:
            nan_stats.append(st)
        data[key] = arr
    vals, vol_units, part = _values(raw, data, lambda: xyz, mask_options)
    vals = np.asarray(vals, dtype=np.float32).ravel()
    lo, hi = xyz.min(axis=0), xyz.max(axis=0)
    if np.any(hi <= lo):
        raise DataFileError(path, "is not 3-D: its points have no extent along one of x, y, z")
    grid = c.target_grid(tuple(zip(lo, hi)), spacing_re=opts.get("spacing_re"), shape=opts.get("shape"),
                         bounds=opts.get("bounds"), n_source=xyz.shape[0], max_nodes=max_nodes)  # fmt: skip
    c.check_memory(path, grid.n_nodes * 16 + xyz.shape[0] * 64, opts.get("max_bytes"),
                   f"a uniform grid of {grid.n_xyz} nodes and a k-d tree of {xyz.shape[0]} points")  # fmt: skip
    tree = cKDTree(xyz)
    h = tree.query(xyz, k=2)[0][:, 1]  # cell size: the distance to the nearest other centre
    # centre to corner of a cell is sqrt(3)/2 h; 1.5 × that also covers a coarse cell next to a
    # finer one (whose nearest neighbour, a fine centre, is only 3/4 of its size away)
    reach = 1.5 * 0.5 * np.sqrt(3.0) * h
    gx, gy, gz = (grid.axis(i) for i in range(3))
    nx, ny, nz = grid.n_xyz
    out = np.empty((nz, ny, nx), dtype=np.float32)
    n_out = 0
    yy, xx = np.meshgrid(gy, gx, indexing="ij")
    for k in range(nz):  # one z-slab of nodes at a time
        pts = np.column_stack([xx.ravel(), yy.ravel(), np.full(xx.size, gz[k])])
        d, idx = tree.query(pts)
        inside = d <= reach[idx]
        out[k] = np.where(inside, vals[idx], np.float32(outside_value)).reshape(ny, nx)
        n_out += int(inside.size - np.count_nonzero(inside))
    file_prov = _file_prov(raw, frame_how)
    if nan_stats:
        file_prov["nonfinite"] = nan_stats
    provenance: dict[str, Any] = {**part, "file": file_prov, "software": c.software()}
    if time:
        provenance["time"] = time
    provenance["grid"] = {**grid.describe(), "method": "value of the nearest cell centre (the cell holding the node "
                          "on a patch of equal cells)", "nodes_outside_data": n_out,
                          "outside_value": outside_value}  # fmt: skip
    return c.wrap_volume_errors(path, lambda: Volume(out, grid.origin, grid.spacing, frame=fr, units=vol_units,
                                                     provenance=provenance))  # fmt: skip
