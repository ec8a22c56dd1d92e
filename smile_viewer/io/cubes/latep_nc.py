"""LaTeP (LAtmos TEst Particle model; Xu et al. 2024, "Modeling soft X-ray emissions at the
dayside magnetopause", JGR Space Physics) X-ray production cubes in netCDF.

Layout (learnt from notanobis/SMILE-TFA ``ReadCube.py`` and its ``LatepCube`` chapter): a
netCDF variable ``Prod`` ordered [Z, Y, X], the photon production rate [cm^-3 s^-1], in the
GSO frame (X to the Sun, Z normal to the orbital plane: GSE for the Earth). The volume
emissivity is Prod × E_line × abundance, with the O VII line energy 568.49 eV and the O7+ /
proton abundance 1.1236e-4 of ``ReadCube.py`` (``line_energy_ev``, ``abundance`` override
them; ``production="rate"`` keeps the rate). Axes come from coordinate variables x, y, z when
the file has them, else from the grid SMILE-TFA uses: origin (-0.05, -10.05, -10.0) R_E, step
0.05 R_E (``origin_re``, ``step_re``). docs/formats.md#latep-netcdf.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.cubes import _common as c
from smile_viewer.io.cubes._assemble import RawCube, assemble
from smile_viewer.io.guarded import guard, run_guarded

__all__ = ["LATEP_ABUNDANCE", "LATEP_LINE_EV", "has_prod_variable", "latep_info", "read_latep"]

LATEP_LINE_EV = 568.49  # O VII line energy used by SMILE-TFA ReadCube.py [eV]
LATEP_ABUNDANCE = 1.1236e-4  # O7+ relative to solar-wind protons (ReadCube.py)
LATEP_ORIGIN_RE = (-0.05, -10.05, -10.0)
LATEP_STEP_RE = 0.05
_AXIS_NAMES = {
    "x": ("x", "X", "x_gso", "X_GSO"),
    "y": ("y", "Y", "y_gso", "Y_GSO"),
    "z": ("z", "Z", "z_gso", "Z_GSO"),
}


def has_prod_variable(path: Path) -> bool:
    """True when a netCDF/HDF5 file has a 3-D variable named ``Prod`` (read from its header, in
    a guarded child: h5py can loop for ever on a damaged file, which is then one DataFileError
    line naming it)."""
    if not c.file_mentions(path, b"Prod"):
        return False
    return bool(run_guarded(_prod_variable, (path,), path=path, what="netCDF/HDF5"))


def _prod_variable(path: Path) -> bool:
    head = c.read_magic(path, 8)
    try:
        if head.startswith(b"\x89HDF"):
            import h5py  # lazy: HDF5 headers, only when sniffing a netCDF-4 file

            with h5py.File(path, "r") as f:
                return "Prod" in f and getattr(f["Prod"], "ndim", 0) == 3
        if head[:3] == b"CDF":
            from scipy.io import netcdf_file  # lazy: netCDF-3 headers, only when sniffing

            with netcdf_file(path, "r", mmap=False) as f:
                v = f.variables.get("Prod")
                return v is not None and len(v.shape) == 3
    except Exception:  # noqa: BLE001 - sniffing only: h5py/scipy raise many types on a damaged file; the reader says what
        return False
    return False


def _open(path: Path):
    from smile_viewer.io.cubes.netcdf_cube import _open as nc_open  # lazy: xarray

    return nc_open(path, None, None)


def _axes(path: Path, ds, shape, origin_re, step_re):
    names = list(ds.variables)
    found = {a: c.find_name(_AXIS_NAMES[a], names) for a in "xyz"}
    nz, ny, nx = shape
    if all(found.values()):
        axes = []
        for a in "xyz":
            var = ds.variables[found[a]]
            f, _ = c.length_factor(path, var.attrs.get("units"), f"the {a} coordinate")
            axes.append(np.asarray(var.values, dtype=np.float64) * f)
        return (*axes, "coordinate variables " + ", ".join(found.values()))  # type: ignore[arg-type]
    o = np.broadcast_to(
        np.asarray(origin_re if origin_re is not None else LATEP_ORIGIN_RE, dtype=float), (3,)
    )
    d = np.broadcast_to(np.asarray(step_re if step_re is not None else LATEP_STEP_RE, dtype=float), (3,))
    if np.any(d <= 0) or not np.all(np.isfinite(o)):
        raise UserInputError(
            f"origin_re = {origin_re!r}, step_re = {step_re!r}: expected finite numbers, steps > 0"
        )
    x, y, z = (o[i] + d[i] * np.arange(n) for i, n in enumerate((nx, ny, nz)))
    how = ("no coordinate variables: " + ("origin_re/step_re given" if origin_re is not None or step_re is not None
           else f"the SMILE-TFA grid, origin {LATEP_ORIGIN_RE} R_E, step {LATEP_STEP_RE} R_E"))  # fmt: skip
    return x, y, z, how


@guard("LaTeP netCDF", "cube")
def latep_info(path: Any) -> c.CubeInfo:
    p = c.check_readable(path)
    ds, _ = _open(p)
    try:
        if "Prod" not in ds.variables:
            raise DataFileError(p, "has no 'Prod' variable (a LaTeP production cube)")
        prod = ds.variables["Prod"]
        shape = tuple(int(s) for s in prod.shape)
        x, y, z, how = _axes(p, ds, shape, None, None)
        variables = tuple(c.VariableInfo(str(n), tuple(int(s) for s in v.shape), str(v.dtype), tuple(map(str, v.dims)),
                                         v.attrs.get("units")) for n, v in ds.variables.items())  # fmt: skip
        t = ds.attrs.get("time") or ds.attrs.get("date")
    finally:
        ds.close()
    return c.CubeInfo(
        path=str(p), format="LaTeP X-ray production cube (netCDF)", file_bytes=p.stat().st_size,
        shape=shape,  # type: ignore[arg-type]
        bounds_re=((x[0], x[-1]), (y[0], y[-1]), (z[0], z[-1])), uniform=True, variables=variables, frame="gso",
        units=f"Prod × {LATEP_LINE_EV} eV × {LATEP_ABUNDANCE} → {c.EMISSIVITY_UNITS}", estimated_bytes=int(np.prod(shape)) * 8,
        notes=(f"axes: {how}", "frame GSO, taken as GSE"), time=str(t) if t else None,
    )  # fmt: skip


@guard("LaTeP netCDF", "cube")
def read_latep(
    path: Any,
    *,
    production: str = "emissivity",
    line_energy_ev: float = LATEP_LINE_EV,
    abundance: float = LATEP_ABUNDANCE,
    origin_re: Any = None,
    step_re: Any = None,
    **options: Any,
):
    """Read a LaTeP ``Prod`` cube → :class:`~smile_viewer.physics.volume.Volume` (module
    docstring). ``production``: "emissivity" (default, × ``line_energy_ev`` × ``abundance``)
    or "rate" (the production rate as it is, units cm^-3 s^-1)."""
    p = c.check_readable(path)
    if production not in ("emissivity", "rate"):
        raise UserInputError(f"production = {production!r}: expected 'emissivity' or 'rate'")
    try:
        factor = float(line_energy_ev) * float(abundance)
    except (TypeError, ValueError):
        raise UserInputError(
            f"line_energy_ev, abundance = {line_energy_ev!r}, {abundance!r}: expected numbers"
        ) from None
    ds, eng = _open(p)
    try:
        if "Prod" not in ds.variables:
            raise DataFileError(p, f"has no 'Prod' variable; it has: {', '.join(map(str, ds.variables))}")
        var = ds.variables["Prod"]
        if var.ndim != 3:
            raise DataFileError(
                p, f"variable 'Prod' has {var.ndim} dimensions {var.dims}: expected 3 (Z, Y, X)"
            )
        shape = tuple(int(s) for s in var.shape)
        c.check_memory(p, int(np.prod(shape)) * 12, options.get("max_bytes"), f"the Prod array {shape}")
        x, y, z, how = _axes(p, ds, shape, origin_re, step_re)
        try:
            prod = np.require(var.values, np.float32, ["C", "W"])  # a copy only when not float32 already
        except (OSError, ValueError, RuntimeError) as exc:
            raise DataFileError(
                p, f"variable 'Prod' cannot be read: the file is corrupt or truncated ({exc})"
            ) from None
        units = var.attrs.get("units") or "cm^-3 s^-1"
        t = ds.attrs.get("time") or ds.attrs.get("date")
        frame_attr = next(
            (str(v) for k, v in ds.attrs.items() if k.lower() in ("frame", "coordinate_system")), None
        )
    finally:
        ds.close()
    raw = RawCube(
        path=p, format=f"LaTeP X-ray production cube (netCDF, {eng})", x=x, y=y, z=z, fields={"production": prod},
        mode="production", names={"production": "Prod"}, units={"production": str(units)},
        frame=(frame_attr or "gso").strip().lower(), frame_note="LaTeP cubes are in GSO (SMILE-TFA ReadCube.py)",
        time=str(t) if t else None,
        production_factor=factor if production == "emissivity" else None,
        production_note=(f"Prod [{units}] × {line_energy_ev} eV × abundance {abundance} (SMILE-TFA ReadCube.py) "
                         f"= {c.EMISSIVITY_UNITS}"),
        extra={"axes": how},
    )  # fmt: skip
    return assemble(raw, **options)
