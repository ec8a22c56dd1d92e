"""GAMERA / MAGE magnetosphere output (HDF5) read with h5py from its documented layout.

kaipy, the MAGE team's own reader, pins a full analysis stack (PyQt5, Cartopy, jupyterlab,
spacepy, ...) that cannot be installed beside this application, so the layout is read here as
kaipy's ``kaiH5.py`` / ``gamera/gampp.py`` / ``gamera/magsphere.py`` describe it: root datasets
``X``, ``Y``, ``Z`` — the cell corners [R_E], shape (Nk+1, Nj+1, Ni+1) — and one group
``Step#N`` per output with cell-centred datasets ``D`` (density [#/cc]), ``Vx``, ``Vy``, ``Vz``
and ``P``, and attributes ``time`` and ``MJD``. The root attribute ``UnitsID`` = "CODE" means
code units (velocity × 100 km/s, pressure × 1.67e-2 nPa, as in magsphere.py); other values mean
km/s and nPa already. The grid is GAMERA's stretched spherical-like mesh in SM coordinates: its
corners are rotated to GSM at the step's time (the dipole tilt from the IGRF of
smile_viewer.coords.frames) and the emissivity, computed in the cells from D, V, P with the
magnetosphere masked, is resampled onto a uniform grid by VTK. Output split over MPI ranks
(several files) is not joined: one file is read. docs/formats.md#gamera--mage-hdf5.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.cubes import _common as c
from smile_viewer.io.cubes._assemble import assemble_mesh
from smile_viewer.io.guarded import guard, run_guarded

__all__ = ["gamera_info", "is_gamera", "read_gamera"]

_CODE_SCALES = {"vx": 1.0e2, "vy": 1.0e2, "vz": 1.0e2, "p": 1.67e-2, "n": 1.0}
_NAMES = {"n": "D", "vx": "Vx", "vy": "Vy", "vz": "Vz", "p": "P"}


def _h5(path: Path):
    import h5py  # lazy: HDF5, only for GAMERA files

    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise DataFileError(path, f"is not a readable HDF5 file ({exc})") from None


def _gamera_layout(path: Path) -> bool:
    try:
        with _h5(path) as f:
            return all(k in f for k in ("X", "Y", "Z")) and any(k.startswith("Step#") for k in f)
    except Exception:  # noqa: BLE001 - sniffing only: h5py raises many types on a damaged file; the reader says what
        return False


def is_gamera(path: Path) -> bool:
    """True for an HDF5 file with root datasets X, Y, Z and a Step#N group (checked with h5py
    only when the bytes mention ``Step#``, in a guarded child: h5py can loop for ever on a
    damaged file, which is then one DataFileError line naming it)."""
    if not c.file_mentions(path, b"Step#"):
        return False
    return bool(run_guarded(_gamera_layout, (path,), path=path, what="HDF5"))


def _steps(f) -> list[int]:
    out = []
    for k in f:
        if k.startswith("Step#"):
            try:
                out.append(int(k[5:]))
            except ValueError:
                pass
    return sorted(out)


def _mjd_iso(mjd: float | None) -> str | None:
    if mjd is None or not np.isfinite(mjd) or mjd <= 0:
        return None
    from astropy.time import Time  # lazy: astropy.time, only to name the step's time

    return Time(float(mjd), format="mjd", scale="utc").isot


def _attr(g, name):
    v = g.attrs.get(name)
    if v is None:
        return None
    v = np.asarray(v).ravel()
    return v[0].decode() if isinstance(v[0], bytes) else v[0]


@guard("GAMERA HDF5", "cube")
def gamera_info(path: Any) -> c.CubeInfo:
    p = c.check_readable(path)
    with _h5(p) as f:
        steps = _steps(f)
        shape = tuple(int(s) for s in f["X"].shape)
        g = f[f"Step#{steps[0]}"] if steps else None
        variables = tuple(c.VariableInfo(k, tuple(int(s) for s in g[k].shape), str(g[k].dtype), (), None, "cell")
                          for k in g if hasattr(g[k], "shape")) if g is not None else ()  # fmt: skip
        mjd = _attr(g, "MJD") if g is not None else None
        units_id = _attr(f, "UnitsID") or "CODE"
    return c.CubeInfo(
        path=str(p), format="GAMERA/MAGE HDF5", file_bytes=p.stat().st_size, n_points=int(np.prod(shape)),
        n_cells=int(np.prod([s - 1 for s in shape])), variables=variables, frame="gsm", units=c.EMISSIVITY_UNITS,
        notes=(f"{len(steps)} step(s) {steps[:1]}..{steps[-1:]}", f"UnitsID {units_id}",
               "SM grid rotated to GSM; emissivity from D, V, P (exosphere, masked), resampled"),
        time=_mjd_iso(mjd),
    )  # fmt: skip


@guard("GAMERA HDF5", "cube")
def read_gamera(path: Any, *, step: int | None = None, variable: str | None = None, **options: Any):
    """Read one step of a GAMERA/MAGE file → :class:`~smile_viewer.physics.volume.Volume`
    (module docstring). ``step``: the N of ``Step#N`` (default the first); ``variable``: a
    cell dataset of the step holding an emissivity [eV cm^-3 s^-1] (e.g. one added by
    post-processing) to read instead of the moments. Options as
    :func:`smile_viewer.io.cubes._assemble.assemble_mesh`."""
    import pyvista as pv  # lazy: pyvista/VTK, only for mesh formats

    from smile_viewer.coords.frames import transform  # lazy: frames (IGRF), only for SM grids

    p = c.check_readable(path)
    with _h5(p) as f:
        for k in ("X", "Y", "Z"):
            if k not in f:
                raise DataFileError(
                    p, f"has no root dataset {k!r} (GAMERA grid corners); it has: {', '.join(f)}"
                )
        steps = _steps(f)
        if not steps:
            raise DataFileError(p, "has no Step#N group")
        s = steps[0] if step is None else int(step)
        if s not in steps:
            raise UserInputError(f"step = {step!r}: {p} has steps {steps[0]}..{steps[-1]}")
        g = f[f"Step#{s}"]
        X, Y, Z = (np.asarray(f[k], dtype=np.float64) for k in ("X", "Y", "Z"))
        if X.ndim != 3 or X.shape != Y.shape or X.shape != Z.shape:
            raise DataFileError(
                p,
                f"has grid corners of shapes {X.shape}, {Y.shape}, {Z.shape}: expected three equal 3-D arrays",
            )
        cells = tuple(n - 1 for n in X.shape)
        units_id = str(_attr(f, "UnitsID") or "CODE")
        arrays = {}
        wanted = {"emissivity": variable} if variable is not None else _NAMES
        for key, name in wanted.items():
            if name not in g:
                raise DataFileError(p, f"Step#{s} has no {name!r} dataset; it has: {', '.join(g)}")
            a = np.asarray(g[name], dtype=np.float64)
            if a.shape != cells:
                raise DataFileError(p, f"Step#{s}/{name} has shape {a.shape}; the corners give {cells} cells")
            if units_id.upper() == "CODE" and key in _CODE_SCALES:
                a *= _CODE_SCALES[key]
            arrays[key] = (a.ravel(), "cell")
        mjd = _attr(g, "MJD")
        sim_t = _attr(g, "time")
    iso = _mjd_iso(mjd)
    pts = np.column_stack([X.ravel(), Y.ravel(), Z.ravel()])
    if iso is not None:
        pts = np.asarray(transform(pts, iso, "sm", "gsm"), dtype=np.float64)
        frame_note = f"GAMERA's SM grid rotated to GSM at {iso} (dipole tilt from the IGRF)"
    else:
        frame_note = (
            "GAMERA's SM grid taken as GSM: the step has no MJD, so the dipole tilt is unknown (0 assumed)"
        )
    mesh = pv.StructuredGrid()
    mesh.points = pts
    mesh.dimensions = X.shape[::-1]
    return assemble_mesh(
        p, "GAMERA/MAGE HDF5", mesh, arrays, mode="moments" if variable is None else "emissivity", names=dict(wanted),
        units={"n": "cm-3", "vx": "km/s", "vy": "km/s", "vz": "km/s", "p": "nPa", "emissivity": c.EMISSIVITY_UNITS},
        stated_frame="gsm", frame_note=frame_note,
        time=iso, extra={"step": s, "simulation_time": None if sim_t is None else float(sim_t), "UnitsID": units_id},
        **options,
    )  # fmt: skip
