"""Reading (and writing) MHD and emissivity cubes → :class:`~smile_viewer.physics.volume.Volume`.

:func:`read_cube` dispatches on the file's content (then its extension) to
:func:`read_fits_cube` / :func:`write_fits_cube`, :func:`read_vtk_cube`,
:func:`read_netcdf_cube` and the native model formats (PPMLR/OpenGGCM/BATS-R-US text cubes,
OpenGGCM CDF, BATS-R-US IDL and Tecplot, GAMERA HDF5, LaTeP netCDF — one adapter each over
:mod:`smile_viewer.io.cubes._assemble`); :func:`cube_info` describes a file from its headers
only. Every problem raises :class:`~smile_viewer.errors.DataFileError` naming the file. Checks
and common options: docs/formats.md#emissivity-and-mhd-cubes and #native-model-formats.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from smile_viewer.errors import DataFileError
from smile_viewer.io.cubes import _common
from smile_viewer.io.cubes._assemble import ASSEMBLE_OPTIONS
from smile_viewer.io.cubes._common import (
    DEFAULT_FRAME,
    DEFAULT_MAX_NAN_FRACTION,
    DEFAULT_MAX_NODES,
    EMISSIVITY_NAMES,
    MOMENT_NAMES,
    CubeInfo,
    CubeWarning,
    VariableInfo,
    available_memory_bytes,
)
from smile_viewer.io.cubes.bats_idl import IDL_SUFFIXES, bats_idl_info, idl_kind, read_bats_idl
from smile_viewer.io.cubes.fits_cube import (
    fits_cube_info,
    read_fits_cube,
    solar_wind_from_header,
    write_fits_cube,
)
from smile_viewer.io.cubes.gamera_h5 import gamera_info, is_gamera, read_gamera
from smile_viewer.io.cubes.latep_nc import has_prod_variable, latep_info, read_latep
from smile_viewer.io.cubes.netcdf_cube import NETCDF_SUFFIXES, netcdf_cube_info, read_netcdf_cube
from smile_viewer.io.cubes.openggcm_cdf import CDF_MAGIC, openggcm_info, read_openggcm_cdf
from smile_viewer.io.cubes.ppmlr_text import is_ppmlr_text, ppmlr_text_info, read_ppmlr_text
from smile_viewer.io.cubes.tecplot_cube import TECPLOT_SUFFIXES, is_tecplot, read_tecplot_cube, tecplot_info
from smile_viewer.io.cubes.vtk_cube import VTK_SUFFIXES, read_vtk_cube, vtk_cube_info

__all__ = [
    "CUBE_SUFFIXES",
    "DEFAULT_FRAME",
    "DEFAULT_MAX_NAN_FRACTION",
    "DEFAULT_MAX_NODES",
    "EMISSIVITY_NAMES",
    "MOMENT_NAMES",
    "CubeInfo",
    "CubeWarning",
    "VariableInfo",
    "available_memory_bytes",
    "cube_format",
    "cube_info",
    "fits_cube_info",
    "netcdf_cube_info",
    "read_cube",
    "read_fits_cube",
    "read_bats_idl",
    "read_gamera",
    "read_latep",
    "read_netcdf_cube",
    "read_openggcm_cdf",
    "read_ppmlr_text",
    "read_tecplot_cube",
    "read_vtk_cube",
    "solar_wind_from_header",
    "vtk_cube_info",
    "write_fits_cube",
]

_FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz")
_TEXT_SUFFIXES = (".txt", ".asc", ".ascii")
#: File name endings :func:`read_cube` recognises (the file's first bytes decide first).
CUBE_SUFFIXES: tuple[str, ...] = (
    _FITS_SUFFIXES
    + VTK_SUFFIXES
    + NETCDF_SUFFIXES
    + IDL_SUFFIXES
    + TECPLOT_SUFFIXES
    + (".cdf",)
    + _TEXT_SUFFIXES
)


def cube_format(path: Any) -> str:
    """The format of a cube file from its first bytes (FITS ``SIMPLE``, gzip with a FITS name,
    HDF5 and netCDF-3 signatures — then GAMERA's ``X``/``Step#`` layout or LaTeP's ``Prod`` —,
    the NASA CDF magic (OpenGGCM), VTK XML and legacy headers, Tecplot, Fortran records or the
    ASCII header of BATS-R-US IDL files, the SXI team's text layout), else its extension:
    "fits", "vtk", "netcdf", "gamera", "latep", "openggcm", "tecplot", "idl" or "ppmlr".
    DataFileError for missing/empty files and formats not read here."""
    p = _common.check_readable(path)
    head = _common.read_magic(p, 512)
    name = p.name.lower()
    if head.startswith(b"SIMPLE  ="):
        return "fits"
    if head.startswith(b"\x1f\x8b"):
        if name.endswith(_FITS_SUFFIXES):
            return "fits"
        raise DataFileError(
            p,
            "is gzip-compressed; only gzipped FITS cubes (.fits.gz) are read directly — decompress it first",
        )
    if head.startswith(b"\x89HDF\r\n\x1a\n") or (
        head[:3] == b"CDF" and head[3:4] in (b"\x01", b"\x02", b"\x05")
    ):
        if head.startswith(b"\x89HDF") and is_gamera(p):
            return "gamera"
        if has_prod_variable(p):
            return "latep"
        return "netcdf"
    stripped = head.lstrip()
    if stripped.startswith(b"# vtk DataFile") or b"<VTKFile" in head:
        return "vtk"
    if head[:4] in CDF_MAGIC:
        return "openggcm"
    if is_tecplot(head):
        return "tecplot"
    if is_ppmlr_text(_common.read_magic(p, 1 << 14)):
        return "ppmlr"
    if idl_kind(p)[0]:
        return "idl"
    if name.endswith(_FITS_SUFFIXES):
        raise DataFileError(
            p, f"is not a FITS file: it does not start with 'SIMPLE  =' (first bytes {head[:16]!r})"
        )
    if name.endswith(VTK_SUFFIXES):
        raise DataFileError(p, f"is not a VTK file (first bytes {head[:16]!r})")
    if name.endswith(NETCDF_SUFFIXES):
        raise DataFileError(p, f"is not a netCDF/HDF5 file (first bytes {head[:16]!r})")
    raise DataFileError(
        p,
        "is not a cube format read here: expected FITS (.fits), VTK (.vti, .vtr, .vts, .vtu, .vtk), "
        "netCDF/HDF5 (.nc, .h5; also GAMERA and LaTeP), an OpenGGCM CDF run, BATS-R-US IDL (.out, .outs) "
        f"or Tecplot (.dat, .plt), or an SXI-team text cube; its first bytes are {head[:16]!r}",
    )


_READERS = {
    "fits": read_fits_cube, "vtk": read_vtk_cube, "netcdf": read_netcdf_cube, "ppmlr": read_ppmlr_text,
    "idl": read_bats_idl, "openggcm": read_openggcm_cdf, "tecplot": read_tecplot_cube, "gamera": read_gamera,
    "latep": read_latep,
}  # fmt: skip
_INFOS = {
    "fits": fits_cube_info, "vtk": vtk_cube_info, "netcdf": netcdf_cube_info, "ppmlr": ppmlr_text_info,
    "idl": bats_idl_info, "openggcm": openggcm_info, "tecplot": tecplot_info, "gamera": gamera_info,
    "latep": latep_info,
}  # fmt: skip


#: Options the native adapters pass on to the assembly step (mesh formats also resample).
_NATIVE_OPTIONS = {
    "ppmlr": ASSEMBLE_OPTIONS, "idl": ASSEMBLE_OPTIONS + _common.MASK_OPTIONS + ("max_nodes", "outside_value"),
    "openggcm": ASSEMBLE_OPTIONS + _common.MASK_OPTIONS, "latep": ASSEMBLE_OPTIONS,
    "tecplot": ASSEMBLE_OPTIONS + _common.MASK_OPTIONS + ("max_nodes", "outside_value"),
    "gamera": ASSEMBLE_OPTIONS + _common.MASK_OPTIONS + ("max_nodes", "outside_value"),
}  # fmt: skip


def _check_options(fmt: str, func, options: dict[str, Any]) -> None:
    params = inspect.signature(func).parameters
    named = {n for n, prm in params.items() if prm.kind is inspect.Parameter.KEYWORD_ONLY}
    takes_more = any(prm.kind is inspect.Parameter.VAR_KEYWORD for prm in params.values())
    extra = _NATIVE_OPTIONS.get(fmt, _common.MASK_OPTIONS)
    allowed = set(named) | (set(extra) if takes_more else set())
    _common.split_options(options, sorted(allowed), f"{fmt.upper()} cube")


def read_cube(path: Any, **options: Any):
    """Read any supported cube file → :class:`~smile_viewer.physics.volume.Volume`.

    The format is decided by :func:`cube_format`; ``options`` go to the reader of that format
    (:func:`read_fits_cube`, :func:`read_vtk_cube`, :func:`read_netcdf_cube`,
    :func:`read_ppmlr_text`, :func:`read_bats_idl`, :func:`read_tecplot_cube`,
    :func:`read_openggcm_cdf`, :func:`read_gamera`, :func:`read_latep`; an option it does not
    take raises :class:`~smile_viewer.errors.UserInputError` naming it and listing the ones it
    takes).
    """
    fmt = cube_format(path)
    func = _READERS[fmt]
    _check_options(fmt, func, options)
    return func(path, **options)


def cube_info(path: Any, **options: Any) -> CubeInfo:
    """Describe a cube file without loading its data (see :class:`CubeInfo`); for the
    application's file dialog. netCDF/HDF5 files take ``group=`` and ``engine=``."""
    fmt = cube_format(path)
    func = _INFOS[fmt]
    _check_options(fmt, func, options)
    return func(Path(path), **options)
