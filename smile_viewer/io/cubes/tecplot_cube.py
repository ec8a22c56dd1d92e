"""BATS-R-US Tecplot output (ASCII ``.dat``, binary ``.plt``) through batread.

batread (PyPI, MIT; github.com/svaberg/batread) reads the one-zone FEBRICK files SWMF/BATS-R-US
writes: a ``VARIABLES`` list such as ``"X [R]", "Y [R]", "Z [R]", "Rho [amu/cm^3]", "U_x [km/s]"``,
``AUXDATA`` entries (``COORDSYSTEM``, ``TIMEEVENT``, ...), the point values and the 8-node
brick connectivity. The bricks become a VTK unstructured grid; the emissivity (from an
emissivity variable, or from Rho, U, P with the magnetosphere masked) is resampled onto a
uniform grid by VTK. docs/formats.md#bats-r-us-tecplot-dat-plt.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.errors import DataFileError
from smile_viewer.io.cubes import _common as c
from smile_viewer.io.cubes._assemble import assemble_mesh
from smile_viewer.io.guarded import guard

__all__ = ["TECPLOT_SUFFIXES", "is_tecplot", "read_tecplot_cube", "tecplot_info"]

TECPLOT_SUFFIXES = (".plt", ".dat")
_NAME_UNITS = re.compile(r"^\s*(.*?)\s*\[(.*)\]\s*$")


def is_tecplot(head: bytes) -> bool:
    """True for a Tecplot binary (``#!TDV``) or ASCII (``TITLE=``/``VARIABLES``) file."""
    s = head.lstrip()
    return head.startswith(b"#!TDV") or s.startswith(b"TITLE=") or s.startswith(b"VARIABLES")


def _read(path: Path):
    from batread.read_dat import read_dat  # lazy: batread, only for Tecplot files
    from batread.read_plt import read_plt  # lazy: as above

    binary = c.read_magic(path, 5) == b"#!TDV"
    try:
        points, corners, aux, title, variables, zone = (read_plt if binary else read_dat)(str(path))
    except (ValueError, IndexError, KeyError, UnicodeDecodeError, OSError) as exc:
        raise DataFileError(
            path, f"is not a readable BATS-R-US Tecplot file ({type(exc).__name__}: {exc})"
        ) from None
    if corners is None:
        raise DataFileError(
            path, "holds an ORDERED Tecplot zone: only the FEBRICK zones BATS-R-US writes are read"
        )
    points = np.atleast_2d(np.asarray(points))
    corners = np.atleast_2d(np.asarray(corners))
    if points.shape[1] != len(variables):
        raise DataFileError(path, f"has {points.shape[1]} columns for {len(variables)} variables")
    if corners.shape[1] != 8:
        raise DataFileError(
            path, f"has elements of {corners.shape[1]} corners: expected 8-node bricks (3-D output)"
        )
    if corners.size and (corners.min() < 0 or corners.max() >= points.shape[0]):
        raise DataFileError(path, f"its connectivity refers to nodes outside 1..{points.shape[0]}")
    return points, corners, aux, title, variables, binary


def _split(variables: list[str]) -> tuple[list[str], dict[str, str | None]]:
    names, units = [], {}
    for v in variables:
        m = _NAME_UNITS.match(v)
        name, unit = (m.group(1), m.group(2)) if m else (v.strip(), None)
        names.append(name)
        units[name] = {"R": None, "amu/cm^3": "amu/cm3", "Mp/cc": "cm-3"}.get(unit, unit) if unit else None
    return names, units


def _frame_time(aux: dict[str, str]) -> tuple[str | None, str | None]:
    frame = aux.get("COORDSYSTEM", "").strip().lower() or None
    t = aux.get("TIMEEVENT", "").strip()
    iso = None
    m = re.match(r"(\d{4})/(\d{2})/(\d{2})\s+(\d{2}):(\d{2}):(\d{2})", t)
    if m:
        y, mo, d, h, mi, s = m.groups()
        iso = f"{y}-{mo}-{d}T{h}:{mi}:{s}"
    return frame, iso


@guard("Tecplot", "cube")
def tecplot_info(path: Any) -> c.CubeInfo:
    p = c.check_readable(path)
    points, corners, aux, title, variables, binary = _read(p)
    names, units = _split(variables)
    frame, t = _frame_time(aux)
    xyz = [names.index(a) for a in ("X", "Y", "Z") if a in names]
    bounds = (
        tuple((float(points[:, i].min()), float(points[:, i].max())) for i in xyz) if len(xyz) == 3 else None
    )
    return c.CubeInfo(
        path=str(p), format=f"BATS-R-US Tecplot ({'binary .plt' if binary else 'ASCII .dat'})", file_bytes=p.stat().st_size,
        n_points=int(points.shape[0]), n_cells=int(corners.shape[0]), bounds_re=bounds,  # type: ignore[arg-type]
        variables=tuple(c.VariableInfo(n, (points.shape[0],), str(points.dtype), (), units[n], "point") for n in names),
        frame=frame or "gsm", units=c.EMISSIVITY_UNITS, notes=(f"title: {title}", *(f"{k} = {v}" for k, v in aux.items())),
        time=t,
    )  # fmt: skip


@guard("Tecplot", "cube")
def read_tecplot_cube(
    path: Any, *, variable: str | None = None, variables: dict[str, str] | None = None, **options: Any
):
    """Read a BATS-R-US Tecplot file → :class:`~smile_viewer.physics.volume.Volume`
    (module docstring). ``variable`` / ``variables`` as for
    :func:`~smile_viewer.io.cubes.read_netcdf_cube` (names without their ``[units]``);
    other options as :func:`smile_viewer.io.cubes._assemble.assemble_mesh`."""
    import pyvista as pv  # lazy: pyvista/VTK, only for mesh formats

    p = c.check_readable(path)
    points, corners, aux, title, variables_in_file, binary = _read(p)
    names, units = _split(variables_in_file)
    for a in ("X", "Y", "Z"):
        if a not in names:
            raise DataFileError(
                p, f"has no {a} coordinate column; its variables are: {', '.join(variables_in_file)}"
            )
    factor, _ = c.length_factor(p, units.get("X"), "the X coordinate")
    pool = [n for n in names if n not in ("X", "Y", "Z")]
    listing = ", ".join(variables_in_file)
    mode, chosen = c.choose_variables(p, pool, listing, variable, variables, vector_ok=False)
    xyz = (
        np.ascontiguousarray(points[:, [names.index(a) for a in ("X", "Y", "Z")]], dtype=np.float64) * factor
    )
    mesh = pv.UnstructuredGrid({pv.CellType.HEXAHEDRON: corners.astype(np.int64)}, xyz)
    arrays = {
        key: (np.asarray(points[:, names.index(name)], dtype=np.float64), "point")
        for key, name in chosen.items()
    }
    frame, t = _frame_time(aux)
    fmt = f"BATS-R-US Tecplot ({'binary .plt' if binary else 'ASCII .dat'}, read by batread)"
    return assemble_mesh(
        p, fmt, mesh, arrays, mode=mode, names=chosen, units={k: units.get(n) for k, n in chosen.items()},
        stated_frame=frame or "gsm",
        frame_note="AUXDATA COORDSYSTEM" if frame else "BATS-R-US GM output is GSM unless #COORDSYSTEM says otherwise",
        time=t, extra={"title": title, "auxdata": dict(aux)}, **options,
    )  # fmt: skip
