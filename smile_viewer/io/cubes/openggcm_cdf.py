"""OpenGGCM runs as the CCMC delivers them: a CDF file with the MHD fields, and a JSON file of
the same name with the run's metadata.

Layout (learnt from swharton1/Emissivity_Cubes ``read_openggcm_mhd.py`` and
``calc_emissivity.py``): CDF variables ``x``, ``y``, ``z`` (node axes [R_E]), ``rho`` (number
density [cm^-3]), ``p`` (thermal pressure [nPa]), ``ux``, ``uy``, ``uz`` [km/s], ``bx``..``bz``,
``jx``..``jz`` and ``eta`` (the resistivity, not an emissivity); each holds one record whose
values, flattened, are ordered (z, y, x). OpenGGCM's x and y point the other way to GSM (x
anti-sunward): the team multiplies x, y and the vectors' x, y components by -1 to get GSM, and
so does this reader. The JSON's ``inputParameters`` hold the upstream solar wind (``N``,
``Vx``..``Vz``, ``Bx``..``Bz``, ``T``) and ``dipole_tilt``. The emissivity is computed from
rho, u, p with the exosphere model and the magnetosphere masked (the team's "simple" mask by
default). docs/formats.md#openggcm-ccmc-cdf--json.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.errors import DataFileError
from smile_viewer.io.checked_file import read_json
from smile_viewer.io.cubes import _common as c
from smile_viewer.io.cubes._assemble import RawCube, assemble
from smile_viewer.io.guarded import guard

__all__ = ["CDF_MAGIC", "openggcm_info", "read_openggcm_cdf"]

CDF_MAGIC = (b"\xcd\xf3\x00\x01", b"\xcd\xf2\x60\x02", b"\x00\x00\xff\xff")
_DEFAULT_MOMENTS = {"n": "rho", "vx": "ux", "vy": "uy", "vz": "uz", "p": "p"}
_DEFAULT_UNITS = {"n": "cm-3", "vx": "km/s", "vy": "km/s", "vz": "km/s", "p": "nPa", "T": "K"}
_SW_KEYS = {"N": "DENSITY", "Vx": "VX", "Vy": "VY", "Vz": "VZ", "Bx": "BX", "By": "BY", "Bz": "BZ", "T": "TEMP",
            "dipole_tilt": "DIPOLE"}  # fmt: skip
_TIME_KEYS = ("time", "Time", "start_time", "startTime", "run_start", "simulation_time", "date")


def _cdf(path: Path):
    import cdflib  # lazy: CDF reader, only for OpenGGCM runs

    try:
        return cdflib.CDF(str(path))
    except Exception as exc:  # noqa: BLE001 - cdflib raises many types for damaged files
        raise DataFileError(path, f"is not a readable CDF file ({type(exc).__name__}: {exc})") from None


def _names(cdf) -> list[str]:
    info = cdf.cdf_info()
    return list(info.zVariables) + list(info.rVariables)


def _metadata(path: Path) -> tuple[dict[str, Any], str | None, str]:
    meta_path = path.with_suffix(".json")
    if not meta_path.is_file():
        return {}, None, f"no metadata file {meta_path.name} next to it (solar wind unknown)"
    # the checked parser: bad bytes, NaN, 100,000-deep nesting → one line naming the JSON file
    meta = read_json(meta_path, "config", expect=None)
    params = meta.get("inputParameters", {}) if isinstance(meta, dict) else {}
    sw = {}
    for k, key in _SW_KEYS.items():
        if k in params:
            try:
                sw[key] = float(params[k])
            except (TypeError, ValueError):
                sw[key] = str(params[k])
    t = None
    for src in (meta if isinstance(meta, dict) else {}, params):
        for k in _TIME_KEYS:
            if k in src and src[k]:
                t = str(src[k])
                break
        if t:
            break
    return sw, t, f"metadata from {meta_path.name}"


def _first_record(path: Path, cdf, name: str) -> np.ndarray:
    try:
        arr = np.asarray(cdf.varget(name, startrec=0, endrec=0))
    except Exception as exc:  # noqa: BLE001 - cdflib raises many types for damaged files
        raise DataFileError(path, f"variable {name!r} cannot be read ({type(exc).__name__}: {exc})") from None
    if arr.dtype.kind not in "iuf":
        raise DataFileError(path, f"variable {name!r} has data type {arr.dtype}: expected numbers")
    if arr.ndim >= 1 and arr.shape[0] == 1:
        arr = arr[0]
    return arr


@guard("OpenGGCM CDF", "cube")
def openggcm_info(path: Any) -> c.CubeInfo:
    p = c.check_readable(path)
    cdf = _cdf(p)
    names = _names(cdf)
    variables = []
    for n in names:
        try:
            inq = cdf.varinq(n)
            units = cdf.varattsget(n).get("units")
            variables.append(c.VariableInfo(n, tuple(int(d) for d in inq.Dim_Sizes) or (inq.Last_Rec + 1,),
                                            str(inq.Data_Type_Description), (), units if isinstance(units, str) else None))  # fmt: skip
        except Exception:  # noqa: BLE001 - info is best effort per variable
            variables.append(c.VariableInfo(n, (), "?"))
    shape = bounds = None
    notes = []
    if all(a in names for a in "xyz"):
        ax = [
            -_first_record(p, cdf, "x").ravel(),
            -_first_record(p, cdf, "y").ravel(),
            _first_record(p, cdf, "z").ravel(),
        ]
        shape = (ax[2].size, ax[1].size, ax[0].size)
        bounds = tuple((float(a.min()), float(a.max())) for a in ax)
    else:
        notes.append("no x, y, z axis variables")
    sw, t, mnote = _metadata(p)
    notes += [
        mnote,
        "OpenGGCM x and y reversed to GSM (x -> -x, y -> -y)",
        "emissivity from rho, u, p (exosphere, masked)",
    ]
    return c.CubeInfo(
        path=str(p), format="OpenGGCM run (CCMC CDF)", file_bytes=p.stat().st_size, shape=shape,  # type: ignore[arg-type]
        bounds_re=bounds, variables=tuple(variables), frame="gsm", units=c.EMISSIVITY_UNITS,  # type: ignore[arg-type]
        solar_wind=sw, estimated_bytes=int(np.prod(shape)) * 8 * 20 if shape else None, notes=tuple(notes), time=t,
    )  # fmt: skip


@guard("OpenGGCM CDF", "cube")
def read_openggcm_cdf(path: Any, *, variables: dict[str, str] | None = None, **options: Any):
    """Read an OpenGGCM CDF run → :class:`~smile_viewer.physics.volume.Volume` (module
    docstring). ``variables`` overrides the moment names (default rho, ux, uy, uz, p; an
    emissivity variable can be named with ``{"emissivity": NAME}``); the mask options of
    :func:`~smile_viewer.physics.emissivity.masked_plasma_emissivity` and the options of
    :func:`smile_viewer.io.cubes._assemble.assemble` apply."""
    p = c.check_readable(path)
    cdf = _cdf(p)
    names = _names(cdf)
    listing = ", ".join(names)
    for a in "xyz":
        if a not in names:
            raise DataFileError(p, f"has no {a!r} axis variable; it has: {listing}")
    x, y, z = (_first_record(p, cdf, a).astype(np.float64).ravel() for a in "xyz")
    given = dict(variables or {})
    if "emissivity" in given:
        chosen = {"emissivity": given["emissivity"]}
        mode = "emissivity"
    else:
        chosen = {**_DEFAULT_MOMENTS, **given}
        if "T" in given:
            chosen.pop("p", None)
        mode = "moments"
    for key, name in chosen.items():
        if name not in names:
            raise DataFileError(p, f"has no variable {name!r} (for {key}); it has: {listing}")
    n = x.size * y.size * z.size
    c.check_memory(
        p, n * 8 * (len(chosen) + 14), options.get("max_bytes"), f"{len(chosen)} variables of {n} values"
    )
    fields = {}
    for key, name in chosen.items():
        arr = _first_record(p, cdf, name)
        if arr.size != n:
            raise DataFileError(
                p,
                f"variable {name!r} has {arr.size} values; the axes give nx×ny×nz = {x.size}×{y.size}×{z.size} = {n}",
            )
        fields[key] = np.require(arr, np.float32 if mode == "emissivity" else np.float64, ["C", "W"]).reshape(
            z.size, y.size, x.size
        )
    units = {}
    for key, name in chosen.items():
        u = cdf.varattsget(name).get("units") if mode == "moments" else None
        units[key] = u if isinstance(u, str) and u.strip() else _DEFAULT_UNITS.get(key)
    sw, t, mnote = _metadata(p)
    raw = RawCube(
        path=p, format="OpenGGCM run (CCMC CDF)", x=x, y=y, z=z, fields=fields, mode=mode, names=chosen, units=units,
        frame="gsm", frame_note="OpenGGCM's frame with x and y reversed; GSM after the reversal (swharton1/Emissivity_Cubes "
        "read_openggcm_mhd.py)", reversed_xy=True, solar_wind=sw, time=t, extra={"metadata": mnote},
    )  # fmt: skip
    return assemble(raw, **options)
