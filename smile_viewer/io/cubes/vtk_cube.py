"""VTK files (MHD output) through pyvista → emissivity volumes on a uniform grid.

``.vti``, ``.vtr``, ``.vts``, ``.vtu`` and legacy ``.vtk``: an emissivity array, or plasma
moments turned into emissivity, resampled onto a uniform grid (used as it is where it already is
one). What is read and how it is resampled: docs/formats.md#vtk-cubes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.cubes import _common as c
from smile_viewer.io.guarded import guard
from smile_viewer.physics.volume import Volume

__all__ = ["VTK_SUFFIXES", "read_vtk_cube", "vtk_cube_info"]

VTK_SUFFIXES = (".vti", ".vtr", ".vts", ".vtu", ".vtk")
_XML_TYPES = {
    "ImageData": ".vti",
    "RectilinearGrid": ".vtr",
    "StructuredGrid": ".vts",
    "UnstructuredGrid": ".vtu",
}
_KIND = {
    ".vti": "image",
    ".vtr": "rectilinear",
    ".vts": "structured",
    ".vtu": "unstructured",
    ".vtk": "legacy",
}
# bytes per cell of connectivity held by an unstructured grid (8-node hexahedra, 64-bit ids).
_CELL_BYTES = 80


def _pv():
    try:
        import pyvista  # lazy: pyvista/VTK cost ~0.45 s; only VTK cubes and meshes need them
    except ImportError as exc:  # pragma: no cover - pyvista is a dependency
        raise UserInputError(f"reading VTK files needs pyvista (pip install pyvista): {exc}") from None
    return pyvista


@contextmanager
def _vtk_errors(path: Path, what: str) -> Iterator[None]:
    """Silence VTK's own error printing and turn the errors it reports (or raises) inside the
    block into one DataFileError that names the file."""
    pv = _pv()
    with pv.vtk_verbosity("off"), pv.VtkErrorCatcher(raise_errors=False, send_to_logging=False) as catcher:
        try:
            yield
        except DataFileError:
            raise
        except Exception as exc:  # noqa: BLE001 - VTK/pyvista readers raise many types
            raise DataFileError(
                path,
                f"{what} ({type(exc).__name__}: {str(exc).strip().splitlines()[-1] if str(exc).strip() else ''})",
            ) from None
    errors = [str(getattr(e, "alert", e)).strip() for e in catcher.error_events]
    if errors:
        last = errors[0].splitlines()[-1] if errors[0] else "error"
        raise DataFileError(path, f"{what} (VTK: {last})")


def _vtk_kind(path: Path) -> str:
    """image / rectilinear / structured / unstructured / legacy, from the file's own header
    (the XML ``VTKFile type=``) and, failing that, its extension."""
    head = c.read_magic(path, 2048)
    if head.lstrip().startswith(b"# vtk DataFile"):
        return "legacy"
    m = re.search(rb'<VTKFile[^>]*\stype="(\w+)"', head)
    if m:
        t = m.group(1).decode("ascii", "replace")
        if t not in _XML_TYPES:
            raise DataFileError(
                path, f"is a VTK XML file of type {t!r}: expected one of {', '.join(_XML_TYPES)}"
            )
        _check_xml_array_types(path)
        return _KIND[_XML_TYPES[t]]
    suffix = path.suffix.lower()
    if suffix in _KIND:
        if head.lstrip().startswith(b"<"):
            raise DataFileError(path, "is an XML file without a <VTKFile type=...> element: not a VTK file")
        raise DataFileError(path, f"is not a VTK file (its first bytes are {head[:16]!r})")
    raise DataFileError(path, f"is not a VTK file (extension {suffix!r}, first bytes {head[:16]!r})")


#: Numeric ``type=`` values of VTK XML DataArrays (VTK's file-format description); anything
#: else (e.g. ``String``, whose reader can crash on hostile bytes) is refused before VTK parses.
_XML_NUMERIC = {
    "Int8",
    "UInt8",
    "Int16",
    "UInt16",
    "Int32",
    "UInt32",
    "Int64",
    "UInt64",
    "Float32",
    "Float64",
}


def _check_xml_array_types(path: Path, limit: int = 1 << 24) -> None:
    """Refuse a VTK XML file whose DataArrays are not numeric, or whose header is not ASCII XML,
    from its first ``limit`` bytes up to ``<AppendedData`` (a cheap check before VTK parses)."""
    with open(path, "rb") as f:
        head = f.read(limit)
    stop = head.find(b"<AppendedData")
    head = head if stop < 0 else head[:stop]
    for m in re.finditer(rb"<DataArray\b([^>]*)>", head):
        attrs = m.group(1)
        t = re.search(rb'\stype="([^"]*)"', attrs)
        name = re.search(rb'\sName="([^"]*)"', attrs)
        label = name.group(1).decode("latin-1")[:40] if name else "?"
        if t is None:
            raise DataFileError(path, f"is a corrupt VTK XML file: DataArray {label!r} has no type")
        typ = t.group(1).decode("latin-1")
        if typ not in _XML_NUMERIC:
            raise DataFileError(
                path,
                f"DataArray {label!r} has type {typ[:20]!r}: only numeric arrays (Int8 … Float64) are read",
            )


# --------------------------------------------------------------------------------------
# metadata without reading the data
# --------------------------------------------------------------------------------------

_VTK_TYPE_BYTES = {2: 1, 3: 1, 4: 2, 5: 2, 6: 4, 7: 4, 8: 8, 9: 8, 10: 4, 11: 8, 12: 8, 15: 1, 16: 8, 17: 8}
_VTK_TYPE_NAMES = {2: "char", 3: "uint8", 4: "int16", 5: "uint16", 6: "int32", 7: "uint32", 8: "int64", 9: "uint64",
                   10: "float32", 11: "float64", 12: "int64", 15: "int8", 16: "int64", 17: "uint64"}  # fmt: skip


def _xml_meta(path: Path, kind: str) -> dict[str, Any]:
    """Whole extent, origin/spacing, point/cell counts and arrays of an XML VTK file, from the
    reader's information pass (and the <Piece> tags for unstructured grids)."""
    # lazy: VTK costs ~0.45 s; only VTK cubes need it
    from vtkmodules.vtkCommonDataModel import vtkDataObject
    from vtkmodules.vtkCommonExecutionModel import vtkStreamingDemandDrivenPipeline as sddp

    pv = _pv()
    with _vtk_errors(path, "is corrupt, truncated or not a VTK file"):
        reader = pv.get_reader(str(path))
        r = reader.reader
        r.SetFileName(str(path))
        r.UpdateInformation()
    info = r.GetOutputInformation(0)
    meta: dict[str, Any] = {"kind": kind, "arrays": []}
    if info.Has(sddp.WHOLE_EXTENT()):
        ext = info.Get(sddp.WHOLE_EXTENT())
        dims = (ext[1] - ext[0] + 1, ext[3] - ext[2] + 1, ext[5] - ext[4] + 1)
        meta["dims"] = dims
        meta["n_points"] = int(np.prod(dims))
        meta["n_cells"] = int(np.prod([max(d - 1, 1) for d in dims]))
        if kind == "image" and info.Has(vtkDataObject.ORIGIN()) and info.Has(vtkDataObject.SPACING()):
            o = info.Get(vtkDataObject.ORIGIN())
            s = info.Get(vtkDataObject.SPACING())
            meta["origin"] = tuple(float(v) + float(sv) * e for v, sv, e in zip(o, s, ext[::2]))
            meta["spacing"] = tuple(float(v) for v in s)
    else:
        n_pts, n_cells = _piece_counts(path)
        meta["n_points"], meta["n_cells"] = n_pts, n_cells
    if meta.get("n_points", 0) == 0:
        raise DataFileError(path, "holds no points (an empty VTK data set)")
    for assoc, key in (
        ("point", vtkDataObject.POINT_DATA_VECTOR()),
        ("cell", vtkDataObject.CELL_DATA_VECTOR()),
    ):
        vec = info.Get(key)
        if vec is None:
            continue
        for i in range(vec.GetNumberOfInformationObjects()):
            ii = vec.GetInformationObject(i)
            t = ii.Get(vtkDataObject.FIELD_ARRAY_TYPE())
            meta["arrays"].append({
                "name": ii.Get(vtkDataObject.FIELD_NAME()),
                "location": assoc,
                "components": int(ii.Get(vtkDataObject.FIELD_NUMBER_OF_COMPONENTS()) or 1),
                "itemsize": _VTK_TYPE_BYTES.get(t, 8),
                "dtype": _VTK_TYPE_NAMES.get(t, "?"),
            })  # fmt: skip
    return meta


def _piece_counts(path: Path) -> tuple[int, int]:
    """Sum of NumberOfPoints / NumberOfCells over the <Piece> tags, scanning the XML part of
    the file in chunks (stops at the appended binary data)."""
    pts = cells = 0
    tail = b""
    with open(path, "rb") as f:
        while True:
            chunk = f.read(1 << 22)
            if not chunk:
                break
            buf = tail + chunk
            stop = buf.find(b"<AppendedData")
            scan = buf if stop < 0 else buf[:stop]
            last = 0
            for m in re.finditer(rb"<Piece\b([^>]*)>", scan):
                attrs = m.group(1)
                p = re.search(rb'NumberOfPoints="(\d+)"', attrs)
                q = re.search(rb'NumberOfCells="(\d+)"', attrs)
                pts += int(p.group(1)) if p else 0
                cells += int(q.group(1)) if q else 0
                last = m.end()
            if stop >= 0:
                break
            tail = buf[max(last, len(buf) - 4096) :]
    return pts, cells


def _legacy_meta(path: Path) -> dict[str, Any]:
    """Data set type and dimensions (structured) or point count of a legacy .vtk file, from
    its header lines. Array names and sizes are not in the header: ``arrays`` is filled
    only once the file is read (:func:`_legacy_arrays`)."""
    meta: dict[str, Any] = {"kind": "legacy", "arrays": []}
    with open(path, "rb") as f:
        lines = [f.readline(256) for _ in range(12)]
    text = [ln.decode("latin-1").strip() for ln in lines]
    if not text[0].startswith("# vtk DataFile"):
        raise DataFileError(path, "is not a legacy VTK file (no '# vtk DataFile' first line)")
    if len(text) < 4 or text[2].upper() not in ("ASCII", "BINARY"):
        raise DataFileError(path, "is a corrupt legacy VTK file: its third line must say ASCII or BINARY")
    dataset = None
    for ln in text[3:]:
        parts = ln.split()
        if len(parts) >= 2 and parts[0].upper() == "DATASET":
            dataset = parts[1].upper()
            meta["dataset"] = dataset
        elif parts and parts[0].upper() == "DIMENSIONS" and len(parts) == 4:
            dims = tuple(int(v) for v in parts[1:])
            meta["dims"] = dims
            meta["n_points"] = int(np.prod(dims))
            meta["n_cells"] = int(np.prod([max(d - 1, 1) for d in dims]))
        elif parts and parts[0].upper() == "POINTS" and len(parts) >= 2 and "n_points" not in meta:
            meta["n_points"] = int(parts[1])
        elif parts and parts[0].upper() in ("ORIGIN", "SPACING") and len(parts) == 4:
            meta[parts[0].lower()] = tuple(float(v) for v in parts[1:])
    if dataset is None:
        raise DataFileError(path, "is a corrupt legacy VTK file: no DATASET line in its header")
    return meta


def _legacy_arrays(mesh) -> list[dict[str, Any]]:
    out = []
    for loc, data in (("point", mesh.point_data), ("cell", mesh.cell_data)):
        for name in data:
            arr = np.asarray(data[name])
            out.append({"name": name, "location": loc, "components": 1 if arr.ndim == 1 else int(arr.shape[-1]),
                        "itemsize": arr.dtype.itemsize, "dtype": str(arr.dtype)})  # fmt: skip
    return out


#: Legacy files up to this size are read in full by vtk_cube_info to list their arrays.
LEGACY_INFO_MAX_BYTES = 64 * 2**20


def _meta(path: Path) -> dict[str, Any]:
    kind = _vtk_kind(path)
    return _legacy_meta(path) if kind == "legacy" else _xml_meta(path, kind)


@guard("VTK", "cube")
def vtk_cube_info(path: Any) -> c.CubeInfo:
    """Grid type, size, bounds (where the metadata give them) and arrays of a VTK file,
    without reading its arrays."""
    p = c.check_readable(path)
    meta = _meta(p)
    legacy_mesh = None
    if meta["kind"] == "legacy" and p.stat().st_size <= LEGACY_INFO_MAX_BYTES:
        legacy_mesh = _read_mesh(p, "legacy", [])
        meta["arrays"] = _legacy_arrays(legacy_mesh)
        meta["n_points"], meta["n_cells"] = int(legacy_mesh.n_points), int(legacy_mesh.n_cells)
    variables = tuple(
        c.VariableInfo(a["name"], (), a["dtype"], (), None, a["location"], a["components"])
        for a in meta["arrays"]
    )
    dims = meta.get("dims")
    bounds = None
    notes = []
    if "origin" in meta and "spacing" in meta and dims:
        bounds = tuple((o, o + s * (n - 1)) for o, s, n in zip(meta["origin"], meta["spacing"], dims))
    elif meta["kind"] == "rectilinear" or (
        meta["kind"] in ("structured", "unstructured")
        and _estimate({**meta, "arrays": []}, [], p) <= GEOMETRY_INFO_MAX_BYTES
    ):
        bounds = _geometry_bounds(p)
        if bounds is None:
            notes.append("the points could not be read to give the bounds")
    elif legacy_mesh is not None:
        b = legacy_mesh.bounds
        bounds = ((b[0], b[1]), (b[2], b[3]), (b[4], b[5]))
    else:
        notes.append("bounds need the points: read the file to get them")
    if meta["kind"] == "legacy" and legacy_mesh is None:
        notes.append(f"legacy VTK {meta.get('dataset', '?')} larger than {LEGACY_INFO_MAX_BYTES // 2**20} MiB: "
                     "its arrays are listed only when it is read")  # fmt: skip
    return c.CubeInfo(
        path=str(p),
        format=f"vtk-{meta['kind']}"
        + (f" ({meta.get('dataset', '').lower()})" if meta["kind"] == "legacy" else ""),
        file_bytes=p.stat().st_size,
        shape=tuple(dims[::-1]) if dims else None,  # type: ignore[arg-type]
        n_points=meta.get("n_points"),
        n_cells=meta.get("n_cells"),
        bounds_re=bounds,  # type: ignore[arg-type]
        uniform=True if meta["kind"] == "image" else None,
        variables=variables,
        estimated_bytes=_estimate(meta, None, p),
        notes=tuple(notes),
    )


#: vtk_cube_info reads the points of structured/unstructured grids (no arrays) for their
#: bounds when they need at most this much memory.
GEOMETRY_INFO_MAX_BYTES = 256 * 2**20


def _geometry_bounds(path: Path):
    """Bounds of an XML VTK file from its geometry only (all data arrays switched off)."""
    pv = _pv()
    try:
        with _vtk_errors(path, "cannot be read"):
            reader = pv.get_reader(str(path))
            reader.disable_all_point_arrays()
            reader.disable_all_cell_arrays()
            mesh = reader.read()
    except DataFileError:
        return None
    b = mesh.bounds
    return ((b[0], b[1]), (b[2], b[3]), (b[4], b[5]))


def _estimate(meta: dict[str, Any], names: list[str] | None, path: Path, grid_nodes: int = 0) -> int:
    """Bytes needed to read the file (selected arrays only when ``names`` is given) and
    resample it onto ``grid_nodes`` nodes."""
    n_pts = int(meta.get("n_points") or 0)
    n_cells = int(meta.get("n_cells") or 0)
    if meta["kind"] == "legacy":
        total = 2 * path.stat().st_size  # no array sizes before reading: twice the file
    else:
        total = 0
        for a in meta["arrays"]:
            if names is not None and a["name"] not in names:
                continue
            n = n_pts if a["location"] == "point" else n_cells
            total += n * a["components"] * (a["itemsize"] + 8)  # the array and a float64 copy
        if meta["kind"] in ("structured", "unstructured"):
            total += n_pts * 3 * 8
        if meta["kind"] == "unstructured":
            total += n_cells * _CELL_BYTES
    return int(total + grid_nodes * 40)


# --------------------------------------------------------------------------------------
# read
# --------------------------------------------------------------------------------------


def _read_mesh(path: Path, kind: str, names: list[str]):
    pv = _pv()
    with _vtk_errors(path, "is corrupt or truncated: the VTK reader failed"):
        reader = pv.get_reader(str(path))
        if kind != "legacy":
            reader.disable_all_point_arrays()
            reader.disable_all_cell_arrays()
            for a in names:
                if a in reader.point_array_names:
                    reader.enable_point_array(a)
                if a in reader.cell_array_names:
                    reader.enable_cell_array(a)
        mesh = reader.read()
    if mesh is None or mesh.n_points == 0:
        raise DataFileError(path, "is corrupt or truncated: the VTK reader returned no points")
    if isinstance(mesh, pv.MultiBlock):
        raise DataFileError(path, "holds a multi-block data set: give one block as its own file")
    for a in names:
        if a not in mesh.point_data and a not in mesh.cell_data:
            raise DataFileError(
                path, f"is corrupt or truncated: array {a!r} is announced in its header but could not be read"
            )
    return mesh


def _scale_points(mesh, factor: float):
    if factor != 1.0:
        mesh = mesh.copy()
        if hasattr(mesh, "points") and not _is_image(mesh) and not _is_rectilinear(mesh):
            mesh.points = mesh.points * factor
        elif _is_image(mesh):
            mesh.origin = tuple(np.asarray(mesh.origin) * factor)
            mesh.spacing = tuple(np.asarray(mesh.spacing) * factor)
        else:
            mesh.x, mesh.y, mesh.z = mesh.x * factor, mesh.y * factor, mesh.z * factor
    return mesh


def _is_image(mesh) -> bool:
    return type(mesh).__name__ == "ImageData"


def _is_rectilinear(mesh) -> bool:
    return type(mesh).__name__ == "RectilinearGrid"


@guard("VTK", "cube")
def read_vtk_cube(
    path: Any,
    *,
    variable: str | None = None,
    variables: Mapping[str, str] | None = None,
    frame: str | None = None,
    spacing_re: Any = None,
    shape: Any = None,
    bounds: Any = None,
    max_nodes: int = c.DEFAULT_MAX_NODES,
    cell_data: str = "point",
    outside_value: float = 0.0,
    length_unit: str = "R_E",
    units: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    max_nan_fraction: float = c.DEFAULT_MAX_NAN_FRACTION,
    nan_fill: float | None = None,
    **mask_options: Any,
):
    """Read a VTK file → :class:`~smile_viewer.physics.volume.Volume` on a uniform grid.

    See the module docstring for what is read and how it is put on a uniform grid.
    Plasma moments are turned into emissivity at the file's own points (or cells) first and
    the emissivity is then resampled. ``mask_options`` (moments only) go to
    :func:`~smile_viewer.physics.emissivity.masked_plasma_emissivity`: ``mask`` ("plasma",
    "boundary" or "none"), ``boundary``, ``alpha_ev_cm2``, ``n0_cm3``, ``density_fraction``,
    ``density_min_cm3``, ``r_min_re``. ``max_bytes``, ``max_nan_fraction`` and ``nan_fill``
    as for :func:`~smile_viewer.io.cubes.read_fits_cube` (NaN counts are of the arrays as
    read from the file).
    """
    p = c.check_readable(path)
    if cell_data not in ("point", "nearest"):
        raise UserInputError(
            f"cell_data = {cell_data!r}: expected 'point' (average to the points) or 'nearest'"
        )
    bad = sorted(set(mask_options) - set(c.MASK_OPTIONS))
    if bad:
        raise UserInputError(f"read_vtk_cube: unknown option(s) {bad}")
    factor, length_note = c.length_factor(
        p, length_unit if length_unit not in (None, "") else "R_E", "length_unit"
    )
    meta = _meta(p)
    legacy_mesh = None
    if meta["kind"] == "legacy":
        # a legacy file is read whole (no array selection): check it fits, then list its arrays
        c.check_memory(
            p, _estimate(meta, None, p), max_bytes, "a legacy VTK file is read whole (about twice its size)"
        )
        legacy_mesh = _read_mesh(p, "legacy", [])
        meta["arrays"] = _legacy_arrays(legacy_mesh)
        meta["n_points"], meta["n_cells"] = int(legacy_mesh.n_points), int(legacy_mesh.n_cells)
    names_in_file = [a["name"] for a in meta["arrays"]]
    listing = (
        ", ".join(f"{a['name']} ({a['location']} data, {a['components']} comp.)" for a in meta["arrays"])
        or "no arrays"
    )
    mode, chosen = c.choose_variables(p, names_in_file, listing, variable, variables, vector_ok=True)
    if mode == "emissivity" and mask_options:
        raise UserInputError(
            f"options {sorted(mask_options)} apply to plasma moments, but {p} is read as an emissivity array"
        )
    names = list(chosen.values())

    # memory, before reading: the selected arrays and the uniform grid (when it is known
    # now; otherwise checked again once the points are read, before resampling)
    n_src = int(meta.get("n_points") or 0)
    source_bytes = _estimate(meta, names, p) + (n_src * 8 * 24 if mode == "moments" else 0)
    per_node = 40
    if shape is not None:
        grid_nodes = int(np.prod(np.broadcast_to(np.asarray(shape, dtype=np.int64), (3,))))
    elif spacing_re is not None:
        grid_nodes = c.target_grid(bounds, spacing_re=spacing_re).n_nodes if bounds is not None else 0
    else:
        grid_nodes = min(n_src, int(max_nodes))
    what = f"{n_src} points with arrays {names}, and the uniform grid"
    c.check_memory(p, source_bytes + grid_nodes * per_node, max_bytes, what)

    def check_grid(grid: c.TargetGrid) -> None:
        c.check_memory(p, source_bytes + grid.n_nodes * per_node, max_bytes,
                       f"{what} of {grid.n_xyz[0]}×{grid.n_xyz[1]}×{grid.n_xyz[2]} nodes")  # fmt: skip

    mesh = _scale_points(
        legacy_mesh if legacy_mesh is not None else _read_mesh(p, meta["kind"], names), factor
    )
    b = mesh.bounds
    extents = (b[1] - b[0], b[3] - b[2], b[5] - b[4])
    if min(extents) <= 0:
        flat = ", ".join(f"{a} [{b[2 * i]:.6g}, {b[2 * i + 1]:.6g}]" for i, a in enumerate("xyz"))
        raise DataFileError(
            p, f"is not 3-D: its points span {flat} (a cube needs an extent along x, y and z)"
        )
    fr, frame_how = c.resolve_frame(p, frame, None)
    file_prov: dict[str, Any] = {"path": str(p.resolve()), "format": f"VTK {type(mesh).__name__} ({p.suffix})",
                                 "arrays": chosen, "coordinates": length_note, "frame": frame_how}  # fmt: skip
    provenance: dict[str, Any] = {
        "file": file_prov,
        "software": {**c.software(), "pyvista": _pv().__version__},
    }
    nan_stats = []
    loaded: dict[str, tuple[np.ndarray, str]] = {}
    for key, name in chosen.items():
        loc = "point" if name in mesh.point_data else "cell"
        arr = np.asarray(mesh.point_data[name] if loc == "point" else mesh.cell_data[name])
        want = 3 if key == "v" else 1
        got = 1 if arr.ndim == 1 else arr.shape[-1]
        if got != want:
            raise DataFileError(p, f"array {name!r} (for {key}) has {got} component(s): expected {want}")
        arr, st = c.check_finite(
            p, f"array {name!r}", arr, max_nan_fraction=max_nan_fraction, nan_fill=nan_fill
        )
        if st:
            nan_stats.append(st)
        loaded[key] = (arr, loc)
    if nan_stats:
        file_prov["nonfinite"] = nan_stats

    if mode == "emissivity":
        arr, loc = loaded["emissivity"]
        vals, vol_units, note = c.emissivity_units(
            p, chosen["emissivity"], arr, (units or {}).get("emissivity")
        )
        provenance["source"] = "emissivity from a VTK file"
        provenance["units"] = note
        field = (vals, loc)
    else:
        locs = {loc for _, loc in loaded.values()}
        if locs == {"cell"}:
            xyz = np.asarray(mesh.cell_centers().points, dtype=np.float64)
            loc = "cell"
        else:
            if "cell" in locs:  # mixed: average the cell arrays to the points
                tmp = mesh.copy(deep=False)
                tmp.clear_data()
                for key, (arr, l) in loaded.items():
                    if l == "cell":
                        tmp.cell_data[key] = arr
                tmp = tmp.cell_data_to_point_data()
                loaded = {
                    k: ((np.asarray(tmp.point_data[k]), "point") if l == "cell" else (a, l))
                    for k, (a, l) in loaded.items()
                }
            xyz = np.asarray(mesh.points, dtype=np.float64)
            loc = "point"
        eta, mom_prov = c.emissivity_from_moments(
            p, xyz, {k: a for k, (a, _) in loaded.items()}, chosen, dict(units or {}), mask_options
        )
        provenance["source"] = (
            "plasma moments from a VTK file: P = alpha n_H n v_eff at the file's points, then resampled"
        )
        provenance["moments"] = mom_prov
        vol_units = c.EMISSIVITY_UNITS
        field = (eta, loc)

    sampled, grid_desc = _to_uniform(p, mesh, {"emissivity": field}, spacing_re=spacing_re, shape=shape, bounds=bounds,
                                     max_nodes=max_nodes, cell_data=cell_data, outside_value=outside_value,
                                     check_grid=check_grid)  # fmt: skip
    provenance["grid"] = grid_desc
    vals = sampled["emissivity"]
    return c.wrap_volume_errors(
        p,
        lambda: Volume(
            vals,
            tuple(grid_desc["origin_re"]),
            tuple(grid_desc["spacing_re"]),
            frame=fr,
            units=vol_units,
            provenance=provenance,
        ),
    )


def _to_uniform(
    path, mesh, arrays, *, spacing_re, shape, bounds, max_nodes, cell_data, outside_value, check_grid
):
    """Put each array (key → (values, "point"/"cell")) on one uniform grid. Returns
    ({key: array (nz, ny, nx[, comps])}, grid description)."""
    pv = _pv()
    grid_opts = any(v is not None for v in (spacing_re, shape, bounds))
    out: dict[str, np.ndarray] = {}

    def comps_shape(arr: np.ndarray, n: tuple[int, int, int]) -> np.ndarray:
        nx, ny, nz = n
        if arr.ndim == 1:
            return arr.reshape(nz, ny, nx)
        return arr.reshape(nz, ny, nx, arr.shape[-1])

    image_direct = _is_image(mesh) and np.allclose(np.asarray(mesh.direction_matrix), np.eye(3))
    if image_direct and not grid_opts:
        dims = tuple(int(d) for d in mesh.dimensions)
        origin = tuple(float(v) for v in mesh.origin)
        spacing = tuple(float(v) for v in mesh.spacing)
        locs = {loc for _, loc in arrays.values()}
        if locs == {"point"} or (locs == {"cell"} and min(dims) > 2):
            if locs == {"cell"}:
                n = tuple(d - 1 for d in dims)
                origin = tuple(o + s / 2 for o, s in zip(origin, spacing))
                how = "the image's cell centres (no interpolation)"
            else:
                n = dims
                how = "the image's own grid (no interpolation)"
            for key, (arr, _) in arrays.items():
                out[key] = comps_shape(arr, n)
            return out, {
                "origin_re": list(origin),
                "spacing_re": list(spacing),
                "n_xyz": list(n),
                "chosen_by": how,
            }

    if _is_rectilinear(mesh) or (image_direct and grid_opts):
        axes = [
            np.asarray(a, dtype=np.float64)
            for a in ((mesh.x, mesh.y, mesh.z) if _is_rectilinear(mesh) else _image_axes(mesh))
        ]
        for name, a in zip("xyz", axes):
            c.check_axis(path, name, a)
        uniform = all(c.is_uniform(a) for a in axes)
        locs = {loc for _, loc in arrays.values()}
        if uniform and not grid_opts and locs == {"point"}:
            n = tuple(a.size for a in axes)
            spacing = tuple(float((a[-1] - a[0]) / (a.size - 1)) for a in axes)
            for key, (arr, _) in arrays.items():
                out[key] = comps_shape(arr, n)
            return out, {"origin_re": [float(a[0]) for a in axes], "spacing_re": list(spacing), "n_xyz": list(n),
                         "chosen_by": "the rectilinear grid's own uniform axes (no interpolation)"}  # fmt: skip
        data_bounds = [(a[0], a[-1]) for a in axes]
        grid = c.target_grid(
            data_bounds,
            spacing_re=spacing_re,
            shape=shape,
            bounds=bounds,
            n_source=mesh.n_points,
            max_nodes=max_nodes,
        )
        check_grid(grid)
        n_out_total = 0
        for key, (arr, loc) in arrays.items():
            src_axes = axes if loc == "point" else [0.5 * (a[1:] + a[:-1]) for a in axes]
            n_src = tuple(a.size for a in src_axes)
            v = comps_shape(arr, n_src)  # type: ignore[arg-type]
            if v.ndim == 3:
                res, n_out = c.regrid_rectilinear(v, *src_axes, grid, outside_value)
            else:
                parts = [
                    c.regrid_rectilinear(v[..., k], *src_axes, grid, outside_value)
                    for k in range(v.shape[-1])
                ]
                res, n_out = np.stack([q[0] for q in parts], axis=-1), parts[0][1]
            out[key] = res
            n_out_total = max(n_out_total, n_out)
        return out, {**grid.describe(), "method": "trilinear from the rectilinear axes (cell data from the cell centres)",
                     "nodes_outside_data": n_out_total, "outside_value": outside_value}  # fmt: skip

    # structured / unstructured (or an oriented image): VTK resampling
    b = mesh.bounds
    grid = c.target_grid(((b[0], b[1]), (b[2], b[3]), (b[4], b[5])), spacing_re=spacing_re, shape=shape, bounds=bounds,
                         n_source=mesh.n_points, max_nodes=max_nodes)  # fmt: skip
    check_grid(grid)
    src = mesh.copy(deep=False)
    src.clear_data()
    for key, (arr, loc) in arrays.items():
        (src.point_data if loc == "point" else src.cell_data)[key] = arr
    method = "VTK vtkResampleWithDataSet (cell shape functions)"
    if any(loc == "cell" for _, loc in arrays.values()):
        if cell_data == "point":
            src = src.cell_data_to_point_data(pass_cell_data=False)
            method += "; cell data averaged to the points first"
        else:
            method += "; cell data: the value of the cell holding each node (cell_data='nearest')"
    target = pv.ImageData(dimensions=grid.n_xyz, spacing=grid.spacing, origin=grid.origin)
    with _vtk_errors(path, "could not be resampled onto a uniform grid"):
        res = target.sample(src)
    valid = np.asarray(res.point_data["vtkValidPointMask"]).astype(bool)
    n_out = int(valid.size - np.count_nonzero(valid))
    for key in arrays:
        arr = np.asarray(
            res.point_data[key] if key in res.point_data else res.cell_data[key], dtype=np.float64
        )
        if n_out:
            m = valid if arr.ndim == 1 else valid[:, None]
            arr = np.where(m, arr, outside_value)
        out[key] = comps_shape(arr.astype(np.float32) if arr.ndim == 1 else arr, grid.n_xyz)
    return out, {
        **grid.describe(),
        "method": method,
        "nodes_outside_data": n_out,
        "outside_value": outside_value,
    }


def _image_axes(mesh):
    o, s, d = mesh.origin, mesh.spacing, mesh.dimensions
    return [o[i] + np.arange(d[i]) * s[i] for i in range(3)]
