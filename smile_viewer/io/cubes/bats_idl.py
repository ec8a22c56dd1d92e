"""BATS-R-US / SWMF IDL output (``.out``, ``.outs``; binary and ASCII) → emissivity volumes.

Format (the SWMF IDL plot files, as described in the BATS-R-US user manual and read by
spacepy.pybats ``IdlFile``; read here from that description): a binary file is a sequence of
Fortran unformatted records, each framed by its byte length as a 4-byte integer before and
after. One snapshot is:

1. headline (text; in most files the units of the coordinates and variables, e.g. ``R R R
   Mp/cc km/s km/s km/s nT nT nT nPa``);
2. ``it`` (int32), ``t`` (simulation time [s], float32 or float64 — the record length, 20 or
   24 bytes, tells the precision), ``ndim``, ``npar``, ``nvar`` (int32); ``ndim`` < 0 marks a
   non-Cartesian (generalized or unstructured) grid;
3. the grid size, ``|ndim|`` int32 (n1, n2, n3);
4. ``npar`` parameters (floats; only when npar > 0);
5. the names of the coordinates, variables and parameters, separated by blanks;
6. the coordinates, x(n1, n2, n3, ndim) in Fortran order (all x, then all y, then all z);
7. ``nvar`` records, one variable each, var(n1, n2, n3) in Fortran order — that is a C array
   (n3, n2, n1) = (nz, ny, nx), read straight into the volume's array.

An ``.outs`` file holds several snapshots one after another (``snapshot=`` picks one). ASCII
files hold the same five header lines as text, then one line per point with the coordinates and
the variables. The GM component writes GSM coordinates in R_E by default (``#COORDSYSTEM``);
the event time is taken from a file name's ``_eYYYYMMDD-HHMMSS`` part. Plasma moments (``Rho``
[Mp/cc], ``Ux Uy Uz`` [km/s], ``P`` [nPa]) become emissivity as for the other formats.
docs/formats.md#bats-r-us-idl-out-outs.
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.checked_file import damaged_file_errors
from smile_viewer.io.cubes import _common as c
from smile_viewer.io.cubes._assemble import RawCube, assemble, assemble_points

__all__ = ["IDL_SUFFIXES", "bats_idl_info", "idl_kind", "read_bats_idl"]

IDL_SUFFIXES = (".out", ".outs")
#: BATS-R-US units as written in headlines → units understood by the moment conversion.
_UNIT_ALIASES = {"mp/cc": "cm-3", "amu/cc": "cm-3", "mp/cm3": "cm-3", "/cc": "cm-3", "r": None, "re": None}
_EVENT_TIME = re.compile(r"_e(\d{8})-(\d{6})")


@dataclass
class _Snapshot:
    headline: str
    it: int
    t: float
    ndim: int  # signed, as in the file
    grid: tuple[int, ...]
    params: dict[str, float]
    names: list[str]  # coordinate and variable names (parameters removed)
    coord_offset: int  # byte offset of the coordinate values (binary) / first data row (ascii)
    var_offsets: list[int]  # byte offset of each variable's values (binary)
    end: int
    float_dtype: np.dtype

    @property
    def npts(self) -> int:
        return int(abs(np.prod(self.grid)))

    @property
    def gtype(self) -> str:
        if self.ndim > 0:
            return "regular"
        return "generalized" if any(g > 1 for g in self.grid[1:]) else "unstructured"

    @property
    def nd(self) -> int:
        return len(self.grid)

    @property
    def var_names(self) -> list[str]:
        return self.names[self.nd :]

    @property
    def units(self) -> list[str]:
        """Units per coordinate and variable from the headline, when it lists them."""
        parts = self.headline.split()
        n = len(self.names)
        # as pybats does: a headline with at least as many words as names lists the units,
        # the last ones belonging to the coordinates and variables
        return parts[len(parts) - n :] if len(parts) >= n else []


def idl_kind(path: Path) -> tuple[str, str | None]:
    """("binary", "<" or ">") or ("ascii", None) for an IDL file, from its first record;
    ("", None) when it is neither."""
    head = c.read_magic(path, 4096)
    size = path.stat().st_size
    for end in ("<", ">"):
        if len(head) < 8:
            break
        (n,) = struct.unpack(end + "i", head[:4])
        if 0 < n <= 4096 and 8 + n <= size:
            with open(path, "rb") as f:
                f.seek(4 + n)
                tail = f.read(4)
            if len(tail) == 4 and struct.unpack(end + "i", tail)[0] == n:
                return "binary", end
    lines = head.split(b"\n")
    if len(lines) >= 5:
        nums = lines[1].split()
        grid = lines[2].split()
        if (
            len(nums) == 5
            and all(_is_number(t) for t in nums)
            and grid
            and all(t.lstrip(b"-").isdigit() for t in grid)
        ):
            return "ascii", None
    return "", None


def _is_number(t: bytes) -> bool:
    try:
        float(t)
    except ValueError:
        return False
    return True


class _Records:
    def __init__(self, path: Path, f, end: str):
        self.path, self.f, self.end = path, f, end
        self.size = path.stat().st_size

    def length(self) -> int:
        b = self.f.read(4)
        if len(b) < 4:
            raise DataFileError(
                self.path, f"is truncated: a record marker is missing at byte {self.f.tell() - len(b)}"
            )
        (n,) = struct.unpack(self.end + "i", b)
        if n < 0 or self.f.tell() + n + 4 > self.size:
            raise DataFileError(
                self.path,
                f"is truncated or corrupt: a record of {n} bytes at byte {self.f.tell() - 4} runs past the end",
            )
        return n

    def close(self, n: int) -> None:
        b = self.f.read(4)
        if len(b) < 4 or struct.unpack(self.end + "i", b)[0] != n:
            raise DataFileError(
                self.path, f"is corrupt: a record's end marker does not match its length ({n} bytes)"
            )

    def read(self) -> bytes:
        n = self.length()
        data = self.f.read(n)
        self.close(n)
        return data

    def skip(self) -> tuple[int, int]:
        n = self.length()
        start = self.f.tell()
        self.f.seek(n, 1)
        self.close(n)
        return start, n


def _scan_binary(path: Path, end: str, want: int | None) -> list[_Snapshot]:
    """Headers of the snapshots (all, or up to index ``want``)."""
    snaps: list[_Snapshot] = []
    size = path.stat().st_size
    with open(path, "rb") as f:
        r = _Records(path, f, end)
        while f.tell() < size:
            headline = r.read().decode("ascii", "replace").strip()
            rec = r.read()
            if len(rec) == 20:
                fdt, (it, t, ndim, npar, nvar) = np.dtype(end + "f4"), struct.unpack(end + "ifiii", rec)
            elif len(rec) == 24:
                fdt, (it, t, ndim, npar, nvar) = np.dtype(end + "f8"), struct.unpack(end + "idiii", rec)
            else:
                raise DataFileError(
                    path,
                    f"is not a BATS-R-US IDL file: its second record has {len(rec)} bytes (expected 20 or 24)",
                )
            if not 1 <= abs(ndim) <= 3 or npar < 0 or nvar < 0:
                raise DataFileError(
                    path, f"has a header with ndim={ndim}, npar={npar}, nvar={nvar}: not a BATS-R-US IDL file"
                )
            grec = r.read()
            grid = struct.unpack(end + f"{abs(ndim)}i", grec) if len(grec) == 4 * abs(ndim) else None
            if grid is None or any(g <= 0 for g in grid):
                raise DataFileError(
                    path, f"has a grid-size record of {len(grec)} bytes that does not match ndim={ndim}"
                )
            pvals: tuple[float, ...] = ()
            if npar > 0:
                prec = r.read()
                if len(prec) != npar * fdt.itemsize:
                    raise DataFileError(
                        path, f"has a parameter record of {len(prec)} bytes for {npar} parameters"
                    )
                pvals = tuple(float(v) for v in np.frombuffer(prec, dtype=fdt))
            names = r.read().decode("ascii", "replace").split()
            nd = abs(ndim)
            if len(names) < nd + nvar:
                raise DataFileError(
                    path, f"names {len(names)} coordinates/variables, the header says {nd}+{nvar}"
                )
            params = dict(zip(names[nd + nvar :], pvals))
            npts = int(np.prod(grid))
            start, n = r.skip()
            if n != npts * nd * fdt.itemsize:
                raise DataFileError(
                    path,
                    f"the coordinate record has {n} bytes; the grid {grid} needs {npts * nd * fdt.itemsize}",
                )
            offsets = []
            for k in range(nvar):
                try:
                    s, n = r.skip()
                except DataFileError:
                    raise DataFileError(
                        path,
                        f"is truncated: variable {k + 1} of {nvar} ({names[nd + k]!r}) is missing or cut short",
                    ) from None
                if n != npts * fdt.itemsize:
                    raise DataFileError(
                        path,
                        f"variable {names[nd + k]!r} has {n // fdt.itemsize} values; the grid {grid} has {npts}",
                    )
                offsets.append(s)
            snaps.append(_Snapshot(headline, it, float(t), ndim, tuple(grid), params, names[: nd + nvar], start,
                                   offsets, f.tell(), fdt))  # fmt: skip
            if want is not None and want >= 0 and len(snaps) > want:
                break
    if not snaps:
        raise DataFileError(path, "holds no snapshot")
    return snaps


def _scan_ascii(path: Path) -> _Snapshot:
    with open(path, "rb") as f:
        lines = [f.readline() for _ in range(5)]
        headline = lines[0].decode("utf-8", "replace").strip()
        try:
            it, t, ndim, npar, nvar = lines[1].split()
            it, t, ndim, npar, nvar = int(float(it)), float(t), int(ndim), int(npar), int(nvar)
            grid = tuple(int(g) for g in lines[2].split())
        except ValueError:
            raise DataFileError(
                path,
                "is not a BATS-R-US ASCII IDL file: lines 2-3 are not 'it t ndim npar nvar' and the grid",
            ) from None
        if len(grid) != abs(ndim):
            raise DataFileError(path, f"has {len(grid)} grid sizes for ndim={ndim}")
        params: tuple[float, ...] = ()
        names_line = lines[4] if npar > 0 else lines[3]
        if npar > 0:
            params = tuple(float(v) for v in lines[3].split())
        else:
            f.seek(sum(len(ln) for ln in lines[:4]))
        names = names_line.decode("ascii", "replace").split()
        nd = abs(ndim)
        pos = f.tell()
    return _Snapshot(headline, it, t, ndim, grid, dict(zip(names[nd + nvar :], params)), names[: nd + nvar], pos, [],
                     path.stat().st_size, np.dtype("f8"))  # fmt: skip


def _units_for(path: Path, snap: _Snapshot) -> tuple[dict[str, str | None], str]:
    units = snap.units
    names = snap.names
    if not units:
        return {}, "the headline does not list units: BATS-R-US defaults assumed (R_E, Mp/cc, km/s, nPa)"
    out: dict[str, str | None] = {}
    for name, unit in zip(names, units):
        if unit.count("/") >= 2:  # eV/cm3/s → eV/(cm3 s), as astropy prefers
            first, *rest = unit.split("/")
            unit = f"{first}/({' '.join(rest)})"
        out[name] = _UNIT_ALIASES.get(unit.lower(), unit)
    return out, f"units from the headline: {' '.join(units)}"


def _event_time(path: Path) -> str | None:
    m = _EVENT_TIME.search(path.name)
    if not m:
        return None
    d, t = m.groups()
    return f"{d[:4]}-{d[4:6]}-{d[6:]}T{t[:2]}:{t[2:4]}:{t[4:]}"


def _pick(path: Path, snaps: list[_Snapshot], snapshot: int) -> _Snapshot:
    try:
        return snaps[int(snapshot)]
    except (IndexError, ValueError, TypeError):
        raise UserInputError(f"snapshot = {snapshot!r}: {path} holds {len(snaps)} snapshot(s)") from None


def _scan(path: Path, snapshot: int | None) -> tuple[str, str | None, list[_Snapshot]]:
    kind, end = idl_kind(path)
    if kind == "binary":
        want = None if snapshot is None or snapshot < 0 else snapshot
        return kind, end, _scan_binary(path, end, want)  # type: ignore[arg-type]
    if kind == "ascii":
        return kind, None, [_scan_ascii(path)]
    raise DataFileError(path, "is not a BATS-R-US IDL file (neither Fortran records nor the ASCII header)")


@damaged_file_errors("BATS-R-US IDL file")
def bats_idl_info(path: Any) -> c.CubeInfo:
    """Grid, variables, units, parameters and time of an IDL file from its headers."""
    p = c.check_readable(path)
    kind, _, snaps = _scan(p, None)
    s = snaps[0]
    units, unote = _units_for(p, s)
    shape = tuple(reversed(s.grid)) if s.nd == 3 and s.gtype == "regular" else None
    variables = tuple(c.VariableInfo(n, (s.npts,) if shape is None else shape, s.float_dtype.name, (), units.get(n))
                      for n in s.var_names)  # fmt: skip
    notes = [f"{kind} IDL, {s.gtype} grid {s.grid}, iteration {s.it}, simulation time {s.t:g} s", unote]
    if len(snaps) > 1:
        notes.append(f"{len(snaps)} snapshots (simulation times {snaps[0].t:g} .. {snaps[-1].t:g} s)")
    if s.params:
        notes.append("parameters: " + ", ".join(f"{k}={v:g}" for k, v in s.params.items()))
    return c.CubeInfo(
        path=str(p), format="BATS-R-US IDL output (.out)", file_bytes=p.stat().st_size,
        shape=shape, n_points=s.npts if shape is None else None,  # type: ignore[arg-type]
        variables=variables, frame="gsm", units=c.EMISSIVITY_UNITS,
        estimated_bytes=s.npts * 8 * 8, notes=tuple(notes), time=_event_time(p),
    )  # fmt: skip


def _read_binary_var(path: Path, snap: _Snapshot, k: int, dtype) -> np.ndarray:
    out = np.empty(snap.npts, dtype=dtype)
    fdt = snap.float_dtype
    with open(path, "rb") as f:
        f.seek(snap.var_offsets[k])
        if fdt == np.dtype(dtype):
            if f.readinto(memoryview(out).cast("B")) != out.nbytes:
                raise DataFileError(path, f"is truncated inside variable {snap.var_names[k]!r}")
        else:
            step = 1 << 22
            for i in range(0, snap.npts, step):
                m = min(step, snap.npts - i)
                chunk = np.fromfile(f, dtype=fdt, count=m)
                if chunk.size != m:
                    raise DataFileError(path, f"is truncated inside variable {snap.var_names[k]!r}")
                out[i : i + m] = chunk
    return out


def _axes_binary(path: Path, snap: _Snapshot) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n1, n2, n3 = snap.grid
    mm = np.memmap(path, dtype=snap.float_dtype, mode="r", offset=snap.coord_offset, shape=(3, n3, n2, n1))
    x = np.array(mm[0, 0, 0, :], dtype=np.float64)
    y = np.array(mm[1, 0, :, 0], dtype=np.float64)
    z = np.array(mm[2, :, 0, 0], dtype=np.float64)
    # a regular grid: every line of nodes has the same coordinates (checked on the far edges)
    ok = (np.allclose(mm[0, -1, -1, :], x, rtol=1e-6, atol=1e-6) and np.allclose(mm[1, -1, :, -1], y, rtol=1e-6, atol=1e-6)
          and np.allclose(mm[2, :, -1, -1], z, rtol=1e-6, atol=1e-6))  # fmt: skip
    del mm
    if not ok:
        raise DataFileError(
            path, "declares a regular grid but its coordinates are not a tensor product of x, y, z"
        )
    return x, y, z


@damaged_file_errors("BATS-R-US IDL file")
def read_bats_idl(
    path: Any,
    *,
    variable: str | None = None,
    variables: dict[str, str] | None = None,
    snapshot: int = 0,
    **options: Any,
):
    """Read a BATS-R-US IDL file → :class:`~smile_viewer.physics.volume.Volume` (module
    docstring). ``variable`` names an emissivity variable; ``variables`` maps moment keys to
    names (default: ``Rho``, ``Ux``/``Uy``/``Uz``, ``P`` found by name); ``snapshot`` picks a
    snapshot of an ``.outs`` file (0 first, -1 last). Other options as
    :func:`smile_viewer.io.cubes._assemble.assemble`."""
    p = c.check_readable(path)
    kind, _, snaps = _scan(p, int(snapshot) if isinstance(snapshot, (int, np.integer)) else None)
    s = _pick(p, snaps, snapshot)
    if s.nd != 3:
        raise DataFileError(p, f"is a {s.nd}-D BATS-R-US output (grid {s.grid}): a cube needs 3-D output")
    if s.gtype == "generalized":
        raise DataFileError(
            p,
            f"holds a generalized (curvilinear) grid {s.grid}: only regular boxes and unstructured (AMR) output are "
            "read from IDL files; write the run's 3-D output as a box or as Tecplot (.plt/.dat)",
        )
    units, unote = _units_for(p, s)
    listing = ", ".join(f"{n} [{units.get(n) or '?'}]" for n in s.var_names)
    mode, chosen = c.choose_variables(p, s.var_names, listing, variable, variables, vector_ok=False)
    n1, n2, n3 = s.grid
    per = 4 if mode == "emissivity" else 8 * (len(chosen) + 14)
    c.check_memory(
        p, s.npts * per, options.get("max_bytes"), f"{len(chosen)} variable(s) of {n1}×{n2}×{n3} values"
    )
    fx, _ = c.length_factor(p, units.get(s.names[0]), f"the x coordinate {s.names[0]!r}")
    common = {"iteration": s.it, "simulation_time_s": s.t, "headline": s.headline, "units": unote,
              "snapshot": int(snapshot), "parameters": s.params}  # fmt: skip
    if s.gtype == "unstructured":
        xyz, pfields = _read_points(p, s, kind, chosen, mode)
        return assemble_points(
            p, f"BATS-R-US IDL output ({kind}, unstructured AMR cells)", xyz * fx, pfields, mode=mode, names=chosen,
            units={key: units.get(name) for key, name in chosen.items()}, stated_frame="gsm",
            frame_note="BATS-R-US GM output is GSM unless #COORDSYSTEM says otherwise", time=_event_time(p),
            extra=common, **options,
        )  # fmt: skip
    if kind == "binary":
        x, y, z = _axes_binary(p, s)
        fields = {key: _read_binary_var(p, s, s.var_names.index(name), np.float32 if mode == "emissivity" else np.float64)
                  .reshape(n3, n2, n1) for key, name in chosen.items()}  # fmt: skip
    else:
        x, y, z, fields = _read_ascii(p, s, chosen)
    if fx != 1.0:
        x, y, z = x * fx, y * fx, z * fx
    var_units = {key: units.get(name) for key, name in chosen.items()}
    raw = RawCube(
        path=p, format=f"BATS-R-US IDL output ({kind})", x=x, y=y, z=z, fields=fields, mode=mode, names=chosen,
        units=var_units, frame="gsm", frame_note="BATS-R-US GM output is GSM unless #COORDSYSTEM says otherwise",
        time=_event_time(p),
        extra=common,
    )  # fmt: skip
    return assemble(raw, **options)


def _read_points(path: Path, s: _Snapshot, kind: str, chosen: dict[str, str], mode: str):
    """(points (N, 3), {key: values (N,)}) of an unstructured (AMR) snapshot."""
    dtype = np.float32 if mode == "emissivity" else np.float64
    if kind == "binary":
        mm = np.memmap(path, dtype=s.float_dtype, mode="r", offset=s.coord_offset, shape=(3, s.npts))
        xyz = np.array(mm.T, dtype=np.float64)
        del mm
        return xyz, {
            key: _read_binary_var(path, s, s.var_names.index(name), dtype) for key, name in chosen.items()
        }
    table = _ascii_table(path, s)
    return np.ascontiguousarray(table[:, :3]), {
        key: table[:, s.names.index(name)].astype(dtype) for key, name in chosen.items()
    }


def _read_ascii(path: Path, s: _Snapshot, chosen: dict[str, str]):
    table = _ascii_table(path, s)
    ncol = len(s.names)
    n1, n2, n3 = s.grid
    cube = table.reshape(n3, n2, n1, ncol)
    x, y, z = cube[0, 0, :, 0].copy(), cube[0, :, 0, 1].copy(), cube[:, 0, 0, 2].copy()
    fields = {key: np.ascontiguousarray(cube[..., s.names.index(name)]) for key, name in chosen.items()}
    return x, y, z, fields


def _ascii_table(path: Path, s: _Snapshot) -> np.ndarray:
    import pandas as pd  # lazy: pandas' C parser, only for ASCII files

    ncol = len(s.names)
    with open(path, "rb") as f:
        f.seek(s.coord_offset)
        text = f.read()
    try:
        table = pd.read_csv(
            io.BytesIO(text), header=None, sep=r"\s+", dtype=np.float64, engine="c"
        ).to_numpy()
    except (ValueError, pd.errors.ParserError) as exc:
        raise DataFileError(
            path, f"its data rows cannot be read as numbers ({str(exc).splitlines()[0][:120]})"
        ) from None
    if table.shape[1] != ncol or table.shape[0] != s.npts:
        raise DataFileError(path, f"holds {table.shape[0]} rows of {table.shape[1]} values; the header says {s.npts} "
                                  f"rows of {ncol} ({' '.join(s.names)})")  # fmt: skip
    return table
