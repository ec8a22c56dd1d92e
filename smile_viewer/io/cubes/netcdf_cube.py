"""netCDF and HDF5 cubes through xarray → emissivity volumes.

An emissivity variable, or plasma moments (n, v, T or p) turned into emissivity with the
magnetosphere masked, on 1-D axes x, y, z; units converted with astropy; engines h5netcdf,
netCDF4 or scipy. Names searched, dimension matching, units and frame:
docs/formats.md#netcdf-and-hdf5-cubes.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.cubes import _common as c
from smile_viewer.io.guarded import guard
from smile_viewer.physics.volume import Volume

__all__ = ["NETCDF_SUFFIXES", "netcdf_cube_info", "read_netcdf_cube"]

NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf", ".h5", ".hdf5", ".hdf", ".he5")
_AXIS_NAMES = {
    "x": ("x", "X", "x_re", "x_gse", "x_gsm", "xx"),
    "y": ("y", "Y", "y_re", "y_gse", "y_gsm", "yy"),
    "z": ("z", "Z", "z_re", "z_gse", "z_gsm", "zz"),
}
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"


def _xr():
    try:
        import xarray  # lazy: xarray+h5netcdf cost ~0.6 s; only netCDF cubes need them
    except ImportError as exc:  # pragma: no cover - xarray is a dependency
        raise UserInputError(
            f"reading netCDF/HDF5 files needs xarray (pip install xarray h5netcdf): {exc}"
        ) from None
    return xarray


def _have(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _engine(path: Path, engine: str | None) -> str:
    if engine is not None:
        return engine
    head = c.read_magic(path, 8)
    if head.startswith(_HDF5_MAGIC):
        if _have("h5netcdf"):
            return "h5netcdf"
        if _have("netCDF4"):
            return "netcdf4"
        raise DataFileError(
            path,
            "is an HDF5/netCDF-4 file, but neither h5netcdf nor netCDF4 is installed (pip install h5netcdf)",
        )
    if head[:3] == b"CDF" and head[3:4] in (b"\x01", b"\x02", b"\x05"):
        if _have("netCDF4"):
            return "netcdf4"
        return "scipy"
    raise DataFileError(path, f"is not a netCDF or HDF5 file (its first bytes are {head!r})")


def _open(path: Path, engine: str | None, group: str | None):
    xr = _xr()
    eng = _engine(path, engine)
    kwargs: dict[str, Any] = {"decode_times": False, "mask_and_scale": True, "cache": False}
    if eng == "h5netcdf":
        kwargs["phony_dims"] = "sort"
    if group is not None:
        kwargs["group"] = group
    try:
        return xr.open_dataset(path, engine=eng, **kwargs), eng
    except (OSError, ValueError, KeyError, RuntimeError, TypeError, IndexError) as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if group is not None and ("group" in text.lower() or isinstance(exc, (KeyError, OSError))):
            raise DataFileError(path, f"has no group {group!r} or it cannot be read ({text})") from None
        raise DataFileError(
            path, f"is not a readable netCDF/HDF5 file ({type(exc).__name__}: {text})"
        ) from None


def _listing(ds) -> str:
    parts = []
    for name, var in ds.variables.items():
        units = var.attrs.get("units")
        parts.append(f"{name} ({', '.join(var.dims)}) {var.dtype}" + (f" [{units}]" if units else ""))
    return "; ".join(parts) or "no variables"


def _frame_attr(ds) -> str | None:
    for key in ("frame", "coordinate_system", "coord_sys", "coordinate_frame", "coordinates_frame"):
        for k, v in ds.attrs.items():
            if k.lower() == key and isinstance(v, str) and v.strip().lower() in ("gse", "gsm"):
                return v.strip().lower()
    return None


def _axis_vars(path: Path, ds, variables: Mapping[str, str]) -> dict[str, Any]:
    names = list(ds.variables)
    out = {}
    for axis in ("x", "y", "z"):
        name = variables.get(axis) or c.find_name(_AXIS_NAMES[axis], names)
        if name is None or name not in ds.variables:
            given = (
                f" (given as {variables[axis]!r})"
                if axis in variables
                else f" (looked for {', '.join(map(repr, _AXIS_NAMES[axis]))})"
            )
            raise DataFileError(path, f"has no {axis} coordinate variable{given}; it has: {_listing(ds)}")
        var = ds.variables[name]
        if var.ndim != 1:
            raise DataFileError(
                path, f"the {axis} coordinate {name!r} has dimensions {var.dims}: expected a 1-D axis"
            )
        out[axis] = (name, var)
    return out


def _squeeze_extra(var, axes: dict[str, Any]):
    """Drop length-1 dimensions that are not axis dimensions (e.g. a single time step of MHD
    output stored as (time, z, y, x)). Returns (variable, dropped dim names)."""
    if var.ndim <= 3:
        return var, []
    axis_dims = {axes[a][1].dims[0] for a in ("x", "y", "z")}
    extra = [d for d, n in zip(var.dims, var.shape) if n == 1 and d not in axis_dims]
    if not extra:
        return var, []
    return var.isel({d: 0 for d in extra}), extra


def _match_dims(path: Path, var_name: str, var, axes: dict[str, Any], order: str) -> tuple[str, str, str]:
    """The data variable's dims for (z, y, x)."""
    if var.ndim != 3:
        raise DataFileError(
            path, f"variable {var_name!r} has {var.ndim} dimensions {var.dims}: expected 3 (z, y, x)"
        )
    dims = var.dims
    sizes = dict(zip(dims, var.shape))
    axis_dims = {a: axes[a][1].dims[0] for a in ("x", "y", "z")}
    lengths = {a: axes[a][1].shape[0] for a in ("x", "y", "z")}
    desc = (
        f"variable {var_name!r} has shape {var.shape} with dims {dims}; the axes have lengths "
        + ", ".join(f"{a} {lengths[a]}" for a in ("x", "y", "z"))
    )
    if len(set(axis_dims.values())) == 3 and set(axis_dims.values()) == set(dims):
        zyx = (axis_dims["z"], axis_dims["y"], axis_dims["x"])
        for a, d in zip("zyx", zyx):
            if sizes[d] != lengths[a]:
                raise DataFileError(path, f"{desc}: they do not match")
        return zyx  # type: ignore[return-value]
    if len(set(lengths.values())) == 3 and sorted(lengths.values()) == sorted(var.shape):
        by_len = {n: d for d, n in sizes.items()}
        return (by_len[lengths["z"]], by_len[lengths["y"]], by_len[lengths["x"]])
    if order not in ("zyx", "xyz"):
        raise UserInputError(f"order = {order!r}: expected 'zyx' or 'xyz'")
    zyx = dims if order == "zyx" else dims[::-1]
    want = (lengths["z"], lengths["y"], lengths["x"])
    if tuple(sizes[d] for d in zyx) != want:
        raise DataFileError(path, f"{desc}: they do not match (dimensions taken in {order} order)")
    return zyx  # type: ignore[return-value]


def _itemsize(var) -> int:
    dt = np.dtype(var.dtype)
    return max(dt.itemsize, 4 if dt.kind == "f" else 8)


@guard("netCDF/HDF5", "cube")
def netcdf_cube_info(path: Any, *, group: str | None = None, engine: str | None = None) -> c.CubeInfo:
    """Variables (names, dims, shapes, dtypes, units), axis ranges and frame of a netCDF/HDF5
    file, without reading its data variables (only the 1-D axes)."""
    p = c.check_readable(path)
    ds, eng = _open(p, engine, group)
    try:
        variables = tuple(
            c.VariableInfo(
                str(n),
                tuple(int(s) for s in v.shape),
                str(v.dtype),
                tuple(map(str, v.dims)),
                v.attrs.get("units"),
            )
            for n, v in ds.variables.items()
        )
        notes = []
        bounds = None
        shape = None
        uniform = None
        try:
            axes = _axis_vars(p, ds, {})
            bnds = []
            uniform = True
            for a in ("x", "y", "z"):
                name, var = axes[a]
                f, _ = c.length_factor(p, var.attrs.get("units"), f"the {a} coordinate {name!r}")
                vals, _ = c.check_axis(p, a, np.asarray(var.values) * f)
                bnds.append((float(vals[0]), float(vals[-1])))
                uniform = uniform and c.is_uniform(vals)
            bounds = tuple(bnds)
            shape = (axes["z"][1].shape[0], axes["y"][1].shape[0], axes["x"][1].shape[0])
        except DataFileError as exc:
            notes.append(exc.problem)
        three_d = [v for v in ds.data_vars.values() if v.ndim == 3]
        est = sum(int(np.prod(v.shape)) * (_itemsize(v) + 4) for v in three_d[:5]) if three_d else None
        return c.CubeInfo(
            path=str(p),
            format=f"netcdf/hdf5 ({eng})",
            file_bytes=p.stat().st_size,
            shape=shape,  # type: ignore[arg-type]
            bounds_re=bounds,  # type: ignore[arg-type]
            uniform=uniform,
            variables=variables,
            frame=_frame_attr(ds),
            estimated_bytes=est,
            notes=tuple(notes),
        )
    finally:
        ds.close()


@guard("netCDF/HDF5", "cube")
def read_netcdf_cube(
    path: Any,
    *,
    variable: str | None = None,
    variables: Mapping[str, str] | None = None,
    group: str | None = None,
    engine: str | None = None,
    order: str = "zyx",
    frame: str | None = None,
    nonuniform: str = "error",
    spacing_re: Any = None,
    shape: Any = None,
    bounds: Any = None,
    units: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    max_nan_fraction: float = c.DEFAULT_MAX_NAN_FRACTION,
    nan_fill: float | None = None,
    **mask_options: Any,
):
    """Read a netCDF/HDF5 cube → :class:`~smile_viewer.physics.volume.Volume` (module docstring).

    ``units`` overrides or supplies units per key (``{"n": "m-3", "x": "km"}``).
    ``mask_options`` (moments only): ``mask`` ("plasma" default, "boundary", "none"),
    ``boundary``, ``alpha_ev_cm2`` (default 1e-15 eV cm^2), ``n0_cm3``, ``density_fraction``,
    ``density_min_cm3``, ``r_min_re``. ``nonuniform``, ``spacing_re``, ``shape``, ``bounds``,
    ``max_bytes``, ``max_nan_fraction`` and ``nan_fill`` as for
    :func:`~smile_viewer.io.cubes.read_fits_cube`.
    """
    p = c.check_readable(path)
    if nonuniform not in ("error", "resample"):
        raise UserInputError(f"nonuniform = {nonuniform!r}: expected 'error' or 'resample'")
    bad = sorted(set(mask_options) - set(c.MASK_OPTIONS))
    if bad:
        raise UserInputError(f"read_netcdf_cube: unknown option(s) {bad}")
    variables = dict(variables or {})
    u_over = dict(units or {})
    ds, eng = _open(p, engine, group)
    try:
        listing = _listing(ds)
        mode, chosen = c.choose_variables(p, list(ds.variables), listing, variable, variables, vector_ok=False,
                                          extra_keys=("x", "y", "z"),
                                          searchable=[n for n, v in ds.variables.items() if v.ndim == 3])  # fmt: skip
        if mode == "emissivity" and mask_options:
            raise UserInputError(
                f"options {sorted(mask_options)} apply to plasma moments, but {p} is read as an emissivity variable"
            )
        axes = _axis_vars(p, ds, variables)
        dims: dict[str, tuple[str, str, str]] = {}
        squeezed: dict[str, list[str]] = {}
        for key, name in chosen.items():
            var, dropped = _squeeze_extra(ds.variables[name], axes)
            if dropped:
                squeezed[key] = dropped
            dims[key] = _match_dims(p, name, var, axes, order)
        nz, ny, nx = (axes[a][1].shape[0] for a in ("z", "y", "x"))
        n_nodes = nx * ny * nz
        resample = any(v is not None for v in (spacing_re, shape, bounds))
        per_node = sum(_itemsize(ds.variables[n]) + 8 for n in chosen.values()) + (
            4 if mode == "emissivity" else 8 * 14
        )
        grid_extra = 0
        if shape is not None:
            grid_extra = int(np.prod(np.broadcast_to(np.asarray(shape, dtype=np.int64), (3,)))) * 24
        elif resample:
            grid_extra = n_nodes * 24
        raw = sum(n_nodes * _itemsize(ds.variables[n]) for n in chosen.values())
        if c.read_magic(p, 3) == b"CDF" and raw > p.stat().st_size:  # netCDF-3 is not compressed
            raise DataFileError(
                p,
                f"is truncated or corrupt: its header describes {c.format_bytes(raw)} of data "
                f"but the file holds {c.format_bytes(p.stat().st_size)}",
            )
        c.check_memory(p, n_nodes * per_node + grid_extra, max_bytes,
                       f"{len(chosen)} variable(s) {list(chosen.values())} of {nx}×{ny}×{nz} values and their working copies")  # fmt: skip

        desc = f"(variable {next(iter(chosen.values()))!r}, (nz, ny, nx) = ({nz}, {ny}, {nx}))"
        ax_vals, flips, ax_notes = {}, {}, {}
        for a, n in (("x", nx), ("y", ny), ("z", nz)):
            name, var = axes[a]
            f, note = c.length_factor(
                p, u_over.get(a, var.attrs.get("units")), f"the {a} coordinate {name!r}"
            )
            vals, flipped = c.check_axis(p, a, np.asarray(var.values) * f, n, desc)
            ax_vals[a], flips[a], ax_notes[a] = vals, flipped, f"{name}: {note}"
        x, y, z = ax_vals["x"], ax_vals["y"], ax_vals["z"]
        uniform = all(c.is_uniform(a) for a in (x, y, z))
        if not uniform and nonuniform == "error" and not resample:
            bad_axis = next(a for a in "xyz" if not c.is_uniform(ax_vals[a]))
            raise DataFileError(
                p,
                c.nonuniform_message(bad_axis, ax_vals[bad_axis])
                + ": a volume needs a uniform grid; pass nonuniform='resample' to interpolate it onto one",
            )
        data: dict[str, np.ndarray] = {}
        nan_stats = []
        for key, name in chosen.items():
            var, _ = _squeeze_extra(ds.variables[name], axes)
            try:
                arr = np.asarray(var.transpose(*dims[key]).values)
            except (OSError, ValueError, RuntimeError, KeyError) as exc:
                raise DataFileError(
                    p, f"variable {name!r} cannot be read: the file is corrupt or truncated ({exc})"
                ) from None
            if arr.dtype.kind not in "iuf":
                raise DataFileError(p, f"variable {name!r} has data type {arr.dtype}: expected numbers")
            arr = arr.astype(np.float32 if mode == "emissivity" else np.float64, copy=False)
            if flips["x"]:
                arr = arr[:, :, ::-1]
            if flips["y"]:
                arr = arr[:, ::-1, :]
            if flips["z"]:
                arr = arr[::-1, :, :]
            arr, st = c.check_finite(
                p, f"variable {name!r}", arr, max_nan_fraction=max_nan_fraction, nan_fill=nan_fill
            )
            if st:
                nan_stats.append(st)
            data[key] = arr
        var_units = {k: u_over.get(k, ds.variables[n].attrs.get("units")) for k, n in chosen.items()}
        file_frame = _frame_attr(ds)
        global_attrs = {
            k: (v if isinstance(v, (str, int, float)) else str(v)) for k, v in list(ds.attrs.items())[:40]
        }
    finally:
        ds.close()

    fr, frame_how = c.resolve_frame(p, frame, file_frame)
    file_prov: dict[str, Any] = {
        "path": str(p.resolve()),
        "format": f"netCDF/HDF5 via xarray ({eng})" + (f", group {group!r}" if group else ""),
        "variables": chosen,
        "coordinates": ax_notes,
        "frame": frame_how,
    }
    if any(flips.values()):
        file_prov["reversed_axes"] = [a for a in "xyz" if flips[a]]
    if squeezed:
        file_prov["dropped_length1_dims"] = squeezed
    if nan_stats:
        file_prov["nonfinite"] = nan_stats
    if global_attrs:
        file_prov["attributes"] = global_attrs
    provenance: dict[str, Any] = {
        "file": file_prov,
        "software": {**c.software(), "xarray": _xr().__version__},
    }

    if mode == "emissivity":
        vals, vol_units, note = c.emissivity_units(
            p, chosen["emissivity"], data["emissivity"], var_units["emissivity"]
        )
        provenance["source"] = "emissivity from a netCDF/HDF5 file"
        provenance["units"] = note
    else:
        xyz = c.grid_points(x, y, z)
        vals, mom_prov = c.emissivity_from_moments(p, xyz, data, chosen, var_units, mask_options)
        del xyz
        vol_units = c.EMISSIVITY_UNITS
        provenance["source"] = "plasma moments from a netCDF/HDF5 file: P = alpha n_H n v_eff"
        provenance["moments"] = mom_prov

    def build():
        if uniform and not resample:
            origin = (float(x[0]), float(y[0]), float(z[0]))
            spacing = tuple(float((a[-1] - a[0]) / (a.size - 1)) for a in (x, y, z))
            return Volume(vals, origin, spacing, frame=fr, units=vol_units, provenance=provenance)
        grid = c.target_grid(((x[0], x[-1]), (y[0], y[-1]), (z[0], z[-1])), spacing_re=spacing_re, shape=shape,
                             bounds=bounds, n_source=n_nodes)  # fmt: skip
        c.check_memory(p, grid.n_nodes * 24 + n_nodes * 8, max_bytes, f"resampling onto {grid.n_xyz} nodes")
        res, n_out = c.regrid_rectilinear(vals, x, y, z, grid)
        provenance["resampled"] = {
            **grid.describe(),
            "method": "trilinear (tensor-product linear)",
            "nodes_outside_data": n_out,
        }
        return Volume(res, grid.origin, grid.spacing, frame=fr, units=vol_units, provenance=provenance)

    return c.wrap_volume_errors(p, build)
