"""Reading (and writing) MHD and emissivity cubes → :class:`~smile_viewer.physics.volume.Volume`.

:func:`read_cube` dispatches on the file's first bytes (then its extension) to
:func:`read_fits_cube` / :func:`write_fits_cube`, :func:`read_vtk_cube` and
:func:`read_netcdf_cube`; :func:`cube_info` describes a file from its headers only. Every problem
raises :class:`~smile_viewer.errors.DataFileError` naming the file. Checks and common options:
docs/formats.md#emissivity-and-mhd-cubes.
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

from smile_viewer.errors import DataFileError
from smile_viewer.io.cubes import _common
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
from smile_viewer.io.cubes.fits_cube import (
    fits_cube_info,
    read_fits_cube,
    solar_wind_from_header,
    write_fits_cube,
)
from smile_viewer.io.cubes.netcdf_cube import NETCDF_SUFFIXES, netcdf_cube_info, read_netcdf_cube
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
    "read_netcdf_cube",
    "read_vtk_cube",
    "solar_wind_from_header",
    "vtk_cube_info",
    "write_fits_cube",
]

_FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz")
#: File name endings :func:`read_cube` recognises (the file's first bytes decide first).
CUBE_SUFFIXES: tuple[str, ...] = _FITS_SUFFIXES + VTK_SUFFIXES + NETCDF_SUFFIXES


def cube_format(path: Any) -> str:
    """ "fits", "vtk" or "netcdf" for a cube file, from its first bytes (FITS ``SIMPLE``, gzip
    with a FITS name, HDF5 and netCDF-3 signatures, VTK XML and legacy headers), else its
    extension. DataFileError for missing/empty files and formats not read here."""
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
        return "netcdf"
    stripped = head.lstrip()
    if stripped.startswith(b"# vtk DataFile") or b"<VTKFile" in head:
        return "vtk"
    if head[:4] in (b"\xcd\xf3\x00\x01", b"\xcd\xf2\x60\x02", b"\x00\x00\xff\xff"):
        raise DataFileError(
            p,
            "is a NASA CDF file (e.g. OpenGGCM output), not a cube format read here: convert it to FITS, "
            "netCDF or VTK (OMNI CDF files are read by smile_viewer.io.omni)",
        )
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
        "is not a cube format read here: expected FITS (.fits), VTK (.vti, .vtr, .vts, .vtu, .vtk) "
        f"or netCDF/HDF5 (.nc, .h5); its first bytes are {head[:16]!r}",
    )


_READERS = {"fits": read_fits_cube, "vtk": read_vtk_cube, "netcdf": read_netcdf_cube}
_INFOS = {"fits": fits_cube_info, "vtk": vtk_cube_info, "netcdf": netcdf_cube_info}


def _check_options(fmt: str, func, options: dict[str, Any]) -> None:
    params = inspect.signature(func).parameters
    named = {n for n, prm in params.items() if prm.kind is inspect.Parameter.KEYWORD_ONLY}
    takes_more = any(prm.kind is inspect.Parameter.VAR_KEYWORD for prm in params.values())
    allowed = set(named) | (set(_common.MASK_OPTIONS) if takes_more else set())
    _common.split_options(options, sorted(allowed), f"{fmt.upper()} cube")


def read_cube(path: Any, **options: Any):
    """Read any supported cube file → :class:`~smile_viewer.physics.volume.Volume`.

    The format is decided by :func:`cube_format`; ``options`` go to :func:`read_fits_cube`,
    :func:`read_vtk_cube` or :func:`read_netcdf_cube` (an option the chosen reader does not
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
