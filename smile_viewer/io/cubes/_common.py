"""What the cube readers share: file checks, memory limits, NaN policy, axes, regridding.

Nothing here imports astropy.io.fits, pyvista or xarray: each format module imports its
library when a file is read, so ``import smile_viewer.io.cubes`` stays cheap.
"""

from __future__ import annotations

import math
import os
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import astropy.units as u
import numpy as np
from astropy.constants import m_p

import smile_viewer
from smile_viewer.constants import R_E_KM
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.atomic import atomic_path
from smile_viewer.io.checked_file import checked_path
from smile_viewer.io.guarded import allow_memory
from smile_viewer.physics.emissivity import masked_plasma_emissivity, temperature_from_pressure_k
from smile_viewer.physics.volume import FRAMES

__all__ = [
    "DEFAULT_FRAME",
    "DEFAULT_MAX_NAN_FRACTION",
    "DEFAULT_MAX_NODES",
    "EMISSIVITY_NAMES",
    "MOMENT_NAMES",
    "CubeInfo",
    "CubeWarning",
    "VariableInfo",
    "available_memory_bytes",
]

#: Largest fraction of NaN/infinite values a file may hold before reading it is refused
#: (below it, the count and fraction are reported as a :class:`CubeWarning`).
DEFAULT_MAX_NAN_FRACTION: float = 0.5
#: Default cap on the number of nodes of a grid chosen by the resampler (256^3).
DEFAULT_MAX_NODES: int = 256**3
#: Frame assumed when a file does not say: the SMILE modelling community's cubes are GSM
#: ("a FITS cube, which is by default in GSM coordinates", swharton1/Emissivity_Cubes,
#: ``convert_cube_to_gse.py``), and so is the usual output of magnetospheric MHD codes.
DEFAULT_FRAME: str = "gsm"
#: Uniform-spacing tolerance, relative to the step (float32 axes in files: ~1e-7).
UNIFORM_RTOL: float = 1e-4

#: Names searched, case-insensitively and in this order, for an emissivity variable/array.
EMISSIVITY_NAMES: tuple[str, ...] = (
    "emissivity", "eta", "eta_3d", "emis", "emiss", "sxr_emissivity", "xray_emissivity", "swcx_emissivity",
)  # fmt: skip
#: Names searched for plasma moments (case-insensitive). ``v`` is a 3-component vector
#: (VTK arrays); netCDF/HDF5 files give vx, vy, vz.
MOMENT_NAMES: dict[str, tuple[str, ...]] = {
    "n": ("n", "density", "np", "n_p", "rho", "dens", "number_density", "proton_density"),
    "vx": ("vx", "ux", "v_x", "u_x", "velx"),
    "vy": ("vy", "uy", "v_y", "u_y", "vely"),
    "vz": ("vz", "uz", "v_z", "u_z", "velz"),
    "v": ("v", "u", "velocity", "vel", "bulk_velocity"),
    "T": ("t", "temp", "temperature", "tp", "t_p"),
    "p": ("p", "pressure", "pth", "p_th", "thermal_pressure"),
}
#: Units assumed for each quantity when a file gives none (and the units converted to).
MOMENT_UNITS: dict[str, str] = {"n": "cm-3", "v": "km/s", "T": "K", "p": "nPa"}
EMISSIVITY_UNITS = "eV cm^-3 s^-1"

_BYTE_UNITS = ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB")


class CubeWarning(UserWarning):
    """A cube file was read but something about it deserves attention: NaN/infinite values
    (count and fraction), or emissivity units that could not be converted. Assumptions that
    every file of a kind needs (the frame of a cube that states none, units of a VTK file)
    are recorded in the volume's provenance instead."""


@dataclass(frozen=True)
class VariableInfo:
    """One variable (netCDF/HDF5), array (VTK) or data unit (FITS) of a cube file."""

    name: str
    shape: tuple[int, ...]
    dtype: str
    dims: tuple[str, ...] = ()
    units: str | None = None
    location: str = ""  # "point" / "cell" (VTK), "primary"/"extension" (FITS), "" (netCDF)
    components: int = 1

    def __str__(self) -> str:
        dims = f"({', '.join(self.dims)})" if self.dims else "×".join(map(str, self.shape))
        parts = [
            self.name,
            f"{self.location} data" if self.location in ("point", "cell") else self.location,
            dims,
            self.dtype,
        ]
        text = " ".join(q for q in parts if q)
        if self.components != 1:
            text += f", {self.components} components"
        return text + (f" [{self.units}]" if self.units else "")


@dataclass(frozen=True)
class CubeInfo:
    """What a cube file holds, read from its headers and metadata without loading the data.

    ``shape`` is (nz, ny, nx) for gridded data (None for an unstructured grid, which has
    ``n_points``/``n_cells`` instead); ``bounds_re`` is ((x0, x1), (y0, y1), (z0, z1)) [R_E]
    where the metadata give it; ``estimated_bytes`` is the memory :func:`read_cube` would
    need with default options; ``frame`` is the frame the file states (None if it states
    none: readers then assume :data:`DEFAULT_FRAME`).
    """

    path: str
    format: str
    file_bytes: int
    shape: tuple[int, int, int] | None = None
    n_points: int | None = None
    n_cells: int | None = None
    bounds_re: tuple[tuple[float, float], tuple[float, float], tuple[float, float]] | None = None
    uniform: bool | None = None
    variables: tuple[VariableInfo, ...] = ()
    frame: str | None = None
    units: str | None = None
    solar_wind: dict[str, Any] = field(default_factory=dict)
    estimated_bytes: int | None = None
    notes: tuple[str, ...] = ()
    #: ISO 8601 UTC time of the snapshot when the file gives one (header, metadata or name)
    time: str | None = None

    @property
    def variable_names(self) -> tuple[str, ...]:
        return tuple(v.name for v in self.variables)

    def summary(self) -> str:
        """A few human-readable lines (for a file dialog or the command line)."""
        lines = [f"{self.path}: {self.format}, {format_bytes(self.file_bytes)}"]
        if self.shape is not None:
            nz, ny, nx = self.shape
            lines.append(
                f"  grid {nx}×{ny}×{nz} (x×y×z){'' if self.uniform is None else ', uniform' if self.uniform else ', non-uniform'}"
            )
        if self.n_points is not None:
            lines.append(f"  {self.n_points} points, {self.n_cells} cells")
        if self.bounds_re is not None:
            lines.append(
                "  bounds "
                + ", ".join(f"{a}=[{lo:.4g}, {hi:.4g}]" for a, (lo, hi) in zip("xyz", self.bounds_re))
                + " R_E"
            )
        if self.frame:
            lines.append(f"  frame {self.frame.upper()}")
        if self.units:
            lines.append(f"  units {self.units}")
        for v in self.variables:
            lines.append(f"  - {v}")
        if self.solar_wind:
            lines.append("  solar wind: " + ", ".join(f"{k}={v}" for k, v in self.solar_wind.items()))
        if self.time:
            lines.append(f"  time {self.time}")
        if self.estimated_bytes is not None:
            lines.append(f"  needs about {format_bytes(self.estimated_bytes)} of memory to read")
        lines.extend(f"  note: {n}" for n in self.notes)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


# --------------------------------------------------------------------------------------
# files
# --------------------------------------------------------------------------------------


def format_bytes(n: float) -> str:
    n = float(n)
    for unit in _BYTE_UNITS:
        if abs(n) < 1024 or unit == _BYTE_UNITS[-1]:
            return f"{int(n)} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} PiB"  # pragma: no cover


def check_readable(path: Any) -> Path:
    """The path as a Path, or DataFileError if it is missing, not a regular file (directory,
    pipe, device), empty, unreadable or over the cube size limit (io.checked_file)."""
    return checked_path(path, "cube")


def read_magic(path: Path, n: int = 1024) -> bytes:
    with open(path, "rb") as f:
        return f.read(n)


def file_mentions(path: Path, token: bytes, span: int = 1 << 20) -> bool:
    """True when ``token`` occurs in the first or last ``span`` bytes of the file: a cheap
    byte-level test before a format sniffer hands a file to a compiled library (HDF5 link names
    are stored as plain text)."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        if token in f.read(span):
            return True
        if size > span:
            f.seek(max(span - len(token), size - span))
            return token in f.read()
    return False


@contextmanager
def atomic_output(path: Any, overwrite: bool = True) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success it replaces ``path`` atomically
    (``os.replace``), on failure it is removed and ``path`` is untouched."""
    target = Path(os.fspath(path)).expanduser()
    if target.is_dir():
        raise DataFileError(target, "is a directory; give a file name to write")
    if target.exists() and not overwrite:
        raise DataFileError(target, "already exists (pass overwrite=True to replace it)")
    if not target.parent.is_dir():
        raise DataFileError(target, f"cannot be written: the directory {target.parent} does not exist")
    with atomic_path(target) as tmp_path:
        yield tmp_path


# --------------------------------------------------------------------------------------
# memory
# --------------------------------------------------------------------------------------


def available_memory_bytes() -> int | None:
    """Memory available to a new allocation [bytes]: psutil when installed, else
    ``MemAvailable`` of /proc/meminfo, else None (unknown: no limit is applied)."""
    try:
        import psutil  # lazy: optional (not a dependency; a fallback is used without it)
    except ImportError:
        psutil = None
    if psutil is not None:
        try:
            return int(psutil.virtual_memory().available)
        except (OSError, AttributeError, RuntimeError):
            pass
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def check_memory(path: Path, needed: int, max_bytes: int | None, what: str) -> None:
    """Refuse (DataFileError) before loading when ``needed`` bytes exceed ``max_bytes`` or,
    when that is None, the memory available now. ``what`` says where the estimate comes from."""
    if max_bytes is not None:
        try:
            limit = int(max_bytes)
        except (TypeError, ValueError):
            raise UserInputError(f"max_bytes = {max_bytes!r}: expected a number of bytes") from None
        if limit <= 0:
            raise UserInputError(f"max_bytes = {max_bytes!r}: expected a positive number of bytes")
        source = f"the limit max_bytes = {limit} ({format_bytes(limit)})"
    else:
        avail = available_memory_bytes()
        if avail is None:
            return
        limit = avail
        source = f"the memory available now ({format_bytes(avail)})"
    if needed > limit:
        raise DataFileError(
            path,
            f"too large to load: reading it needs about {format_bytes(needed)} ({what}), more than "
            f"{source}; refused before loading. Crop or downsample the cube, read a coarser grid "
            "(spacing_re/bounds), or use a machine with more memory",
        )
    allow_memory(needed)  # a guarded child may now use what the data need (io.guarded)


# --------------------------------------------------------------------------------------
# NaN policy
# --------------------------------------------------------------------------------------


def check_finite(
    path: Path,
    name: str,
    arr: np.ndarray,
    *,
    max_nan_fraction: float = DEFAULT_MAX_NAN_FRACTION,
    nan_fill: float | None = None,
    stacklevel: int = 4,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Count NaN and infinite values of ``arr``.

    None: returns (arr, {}). Some, at most ``max_nan_fraction`` of the values: a
    :class:`CubeWarning` with the counts and fraction; the values stay as they are unless
    ``nan_fill`` is given, which replaces them (said in the warning and the returned stats).
    More: DataFileError. Never silently zeroed.
    """
    frac_limit = _fraction(max_nan_fraction)
    if arr.dtype.kind not in "fc":
        return arr, {}
    finite = np.isfinite(arr)
    n_bad = int(arr.size - np.count_nonzero(finite))
    if n_bad == 0:
        return arr, {}
    n_nan = int(np.count_nonzero(np.isnan(arr)))
    n_inf = n_bad - n_nan
    frac = n_bad / arr.size
    parts = []
    if n_nan:
        parts.append(f"{n_nan} NaN value{'s' if n_nan != 1 else ''}")
    if n_inf:
        parts.append(f"{n_inf} infinite value{'s' if n_inf != 1 else ''}")
    counted = f"{name} holds {' and '.join(parts)} out of {arr.size} ({_pct(frac)})"
    stats = {"variable": name, "nan": n_nan, "inf": n_inf, "size": int(arr.size), "fraction": frac}
    if frac > frac_limit:
        raise DataFileError(
            path,
            f"{counted}, more than max_nan_fraction = {frac_limit:g}: the file looks broken or "
            "mostly masked (raise max_nan_fraction to read it anyway)",
        )
    if nan_fill is not None:
        fill = float(nan_fill)
        arr = np.where(finite, arr, np.asarray(fill, dtype=arr.dtype))
        stats["replaced_by"] = fill
        msg = f"{counted}; replaced by nan_fill = {fill:g} as requested"
    else:
        msg = (
            f"{counted}; left in place (trilinear samples touching them are NaN; "
            "pass nan_fill=0.0 to replace them)"
        )
    warnings.warn(CubeWarning(f"{path}: {msg}"), stacklevel=stacklevel)
    return arr, stats


def _fraction(value: Any) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise UserInputError(f"max_nan_fraction = {value!r}: expected a number between 0 and 1") from None
    if not 0.0 <= f <= 1.0:
        raise UserInputError(f"max_nan_fraction = {value!r}: expected a number between 0 and 1")
    return f


def _pct(frac: float) -> str:
    if frac == 0:
        return "0 %"
    if frac < 1e-4:
        return f"{frac * 100:.2g} %"
    return f"{frac * 100:.2f} %"


# --------------------------------------------------------------------------------------
# axes
# --------------------------------------------------------------------------------------


def check_axis(
    path: Path, name: str, values: Any, n_data: int | None = None, data_desc: str = ""
) -> tuple[np.ndarray, bool]:
    """Validate a coordinate axis: 1-D, finite, >= 2 values, length ``n_data``, strictly
    monotonic. Returns (increasing float64 axis, flipped) — a strictly decreasing axis is
    reversed and ``flipped`` is True (the caller reverses the data along that axis)."""
    a = np.asarray(values)
    if a.ndim != 1:
        squeezed = np.squeeze(a)
        if squeezed.ndim != 1:
            raise DataFileError(
                path, f"the {name} axis has shape {a.shape}: expected a 1-D vector of coordinates"
            )
        a = squeezed
    if a.dtype.kind not in "iuf":
        raise DataFileError(path, f"the {name} axis has data type {a.dtype}: expected numbers")
    a = a.astype(np.float64)
    if a.size < 2:
        raise DataFileError(path, f"the {name} axis has {a.size} value(s): need at least 2")
    if n_data is not None and a.size != n_data:
        raise DataFileError(
            path,
            f"the {name} axis has {a.size} values but the data has {n_data} along {name}"
            f"{' ' + data_desc if data_desc else ''}: axes and data do not match",
        )
    bad = ~np.isfinite(a)
    if bad.any():
        raise DataFileError(
            path,
            f"the {name} axis holds {int(bad.sum())} non-finite value(s) (first at index {int(np.argmax(bad))})",
        )
    d = np.diff(a)
    if np.all(d > 0):
        return a, False
    if np.all(d < 0):
        return a[::-1].copy(), True
    zero = np.flatnonzero(d == 0)
    if zero.size:
        i = int(zero[0])
        raise DataFileError(
            path,
            f"the {name} axis is not strictly monotonic: it repeats the value {a[i]:.6g} at indices {i} and {i + 1}",
        )
    s = np.sign(d)
    i = int(np.flatnonzero(s != s[0])[0])
    raise DataFileError(
        path,
        f"the {name} axis is not monotonic: it {'increases' if s[0] > 0 else 'decreases'} up to index {i} "
        f"and then {'decreases' if s[0] > 0 else 'increases'} ({a[i]:.6g}, {a[i + 1]:.6g}, ...)",
    )


def is_uniform(a: np.ndarray, rtol: float = UNIFORM_RTOL) -> bool:
    step = (a[-1] - a[0]) / (a.size - 1)
    return bool(np.max(np.abs(np.diff(a) - step)) <= rtol * abs(step))


def nonuniform_message(name: str, a: np.ndarray) -> str:
    d = np.diff(a)
    return f"the {name} axis is not uniform (steps from {d.min():.6g} to {d.max():.6g} R_E)"


def length_factor(path: Path, units: str | None, what: str) -> tuple[float, str]:
    """Factor converting coordinates in ``units`` to R_E, and a note. None/empty → R_E assumed."""
    if units is None or str(units).strip() == "":
        return 1.0, "R_E (assumed: no units given)"
    u = str(units).strip()
    key = u.lower().replace(" ", "").replace("_", "").replace("-", "")
    if key in {"re", "rearth", "earthradii", "earthradius", "earthrad", "rsube"}:
        return 1.0, f"R_E (units {u!r})"
    km = {"km": 1.0, "kilometer": 1.0, "kilometers": 1.0, "kilometre": 1.0, "kilometres": 1.0,
          "m": 1.0e-3, "meter": 1.0e-3, "meters": 1.0e-3, "metre": 1.0e-3, "metres": 1.0e-3,
          "cm": 1.0e-5}.get(key)  # fmt: skip
    if km is None:
        raise DataFileError(path, f"{what} has units {u!r}: expected R_E (Earth radii), km or m")
    return km / R_E_KM, f"{u} converted to R_E (1 R_E = {R_E_KM} km)"


# --------------------------------------------------------------------------------------
# grids and regridding
# --------------------------------------------------------------------------------------


def _triple(value: Any, name: str) -> tuple[float, float, float]:
    try:
        arr = np.broadcast_to(np.asarray(value, dtype=float), (3,))
    except (TypeError, ValueError):
        raise UserInputError(f"{name} = {value!r}: expected one number or three (x, y, z)") from None
    if not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise UserInputError(f"{name} = {value!r}: expected positive finite numbers")
    return (float(arr[0]), float(arr[1]), float(arr[2]))


def parse_bounds(bounds: Any) -> tuple[tuple[float, float], tuple[float, float], tuple[float, float]]:
    try:
        b = np.asarray(bounds, dtype=float)
    except (TypeError, ValueError):
        raise UserInputError(f"bounds = {bounds!r}: expected ((x0, x1), (y0, y1), (z0, z1)) in R_E") from None
    if b.shape == (6,):
        b = b.reshape(3, 2)
    if b.shape != (3, 2) or not np.all(np.isfinite(b)) or np.any(b[:, 1] <= b[:, 0]):
        raise UserInputError(
            f"bounds = {bounds!r}: expected ((x0, x1), (y0, y1), (z0, z1)) with x0 < x1 etc. in R_E"
        )
    return tuple((float(lo), float(hi)) for lo, hi in b)  # type: ignore[return-value]


@dataclass(frozen=True)
class TargetGrid:
    """A uniform grid chosen for resampling: origin, spacing, n_xyz (nodes on the bounds)."""

    origin: tuple[float, float, float]
    spacing: tuple[float, float, float]
    n_xyz: tuple[int, int, int]
    how: str

    @property
    def n_nodes(self) -> int:
        return int(np.prod(self.n_xyz))

    def axis(self, i: int) -> np.ndarray:
        return self.origin[i] + np.arange(self.n_xyz[i]) * self.spacing[i]

    def describe(self) -> dict[str, Any]:
        return {
            "origin_re": list(self.origin),
            "spacing_re": list(self.spacing),
            "n_xyz": list(self.n_xyz),
            "chosen_by": self.how,
        }


def target_grid(
    data_bounds: Sequence[Sequence[float]],
    *,
    spacing_re: Any = None,
    shape: Any = None,
    bounds: Any = None,
    n_source: int | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> TargetGrid:
    """The uniform grid to resample onto.

    ``bounds`` (default: the data's bounds); then either ``shape`` = (nx, ny, nz) nodes on
    the bounds, or ``spacing_re`` (one number or three) — nodes from the lower bound at that
    exact step up to the upper bound — or neither: cubic cells sized so that the grid has about
    as many nodes as the source has points (``n_source``), at most ``max_nodes``.
    """
    b = parse_bounds(data_bounds if bounds is None else bounds)
    lo = np.array([v[0] for v in b])
    length = np.array([v[1] - v[0] for v in b])
    if shape is not None and spacing_re is not None:
        raise UserInputError("give either shape or spacing_re for the resampling grid, not both")
    if shape is not None:
        try:
            n = tuple(int(s) for s in np.broadcast_to(np.asarray(shape), (3,)))
        except (TypeError, ValueError):
            raise UserInputError(f"shape = {shape!r}: expected (nx, ny, nz) integers") from None
        if min(n) < 2:
            raise UserInputError(f"shape = {shape!r}: need at least 2 nodes along each axis")
        spacing = tuple(float(length[i] / (n[i] - 1)) for i in range(3))
        how = "shape"
    elif spacing_re is not None:
        d = np.array(_triple(spacing_re, "spacing_re"))
        n = tuple(max(2, math.floor(length[i] / d[i] + 1e-9) + 1) for i in range(3))
        spacing = tuple(float(d[i]) for i in range(3))
        how = "spacing_re (nodes from the lower bounds at that step)"
    else:
        target = max(8, min(int(n_source or max_nodes), int(max_nodes)))
        d0 = float(np.cbrt(np.prod(length) / target))
        n = tuple(max(2, round(length[i] / d0) + 1) for i in range(3))
        spacing = tuple(float(length[i] / (n[i] - 1)) for i in range(3))
        how = (f"default: nearly cubic cells of about {d0:.4g} R_E, about {target} nodes "
               f"(the source's point count, at most {max_nodes}), nodes on the bounds")  # fmt: skip
    return TargetGrid(tuple(float(v) for v in lo), spacing, n, how)  # type: ignore[arg-type]


def _axis_weights(src: np.ndarray, dst: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Index i, weight t (value = v[i] (1 - t) + v[i+1] t) and an inside mask for linear
    interpolation of an increasing axis ``src`` at ``dst``."""
    n = src.size
    i = np.clip(np.searchsorted(src, dst, side="right") - 1, 0, n - 2)
    t = (dst - src[i]) / (src[i + 1] - src[i])
    span = src[-1] - src[0]
    eps = 1e-9 * span
    inside = (dst >= src[0] - eps) & (dst <= src[-1] + eps)
    t = np.clip(t, 0.0, 1.0)
    return i, t, inside


def regrid_rectilinear(
    values: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    z: np.ndarray,
    grid: TargetGrid,
    outside_value: float = 0.0,
) -> tuple[np.ndarray, int]:
    """Trilinear (tensor-product linear) interpolation of ``values`` (nz, ny, nx) on the
    increasing axes x, y, z onto the uniform ``grid``; exact for fields linear in x, y, z.
    Nodes outside the data get ``outside_value``. Returns (float32 array, number outside)."""
    out = np.asarray(values, dtype=np.float64)
    inside_all = None
    for axis, src, k in ((2, x, 0), (1, y, 1), (0, z, 2)):
        dst = grid.axis(k)
        i, t, inside = _axis_weights(src, dst)
        shape = [1, 1, 1]
        shape[axis] = dst.size
        t = t.reshape(shape)
        out = np.take(out, i, axis=axis) * (1.0 - t) + np.take(out, i + 1, axis=axis) * t
        m = inside.reshape(shape)
        inside_all = m if inside_all is None else inside_all & m
    assert inside_all is not None
    n_out = 0
    if not inside_all.all():
        mask = np.broadcast_to(inside_all, out.shape)
        n_out = int(mask.size - np.count_nonzero(mask))
        out = np.where(mask, out, outside_value)
    return out.astype(np.float32), n_out


# --------------------------------------------------------------------------------------
# variables, units, options
# --------------------------------------------------------------------------------------


def find_name(candidates: Sequence[str], available: Sequence[str]) -> str | None:
    """First of ``candidates`` present in ``available`` (exact first, then case-insensitive)."""
    for c in candidates:
        if c in available:
            return c
    lower = {a.lower(): a for a in available}
    for c in candidates:
        if c.lower() in lower:
            return lower[c.lower()]
    return None


def convert_units(
    path: Path, name: str, values: np.ndarray, units: str | None, quantity: str
) -> tuple[np.ndarray, str]:
    """Convert a moment to the units of :data:`MOMENT_UNITS` with astropy. Returns
    (values, note). No units → assumed to be the target units (said in the note). A mass
    density given for ``n`` (e.g. ``amu/cm^3``) is divided by the proton mass (all the mass
    taken as protons, said in the note); a temperature in eV/keV is converted to K."""
    target = MOMENT_UNITS[quantity]
    if units is None or str(units).strip() == "":
        return values, f"{name}: no units given, assumed {target}"
    text = str(units).strip()
    aliases = {"/cc": "cm-3", "#/cc": "cm-3", "1/cc": "cm-3", "cc-1": "cm-3", "cc^-1": "cm-3", "kelvin": "K"}
    spec = aliases.get(text.lower(), text).replace("^", "").replace("amu", "u").replace("/cc", "/cm3")
    try:
        unit = u.Unit(spec, parse_strict="raise")
    except (ValueError, TypeError):
        raise DataFileError(
            path, f"variable {name!r} has units {text!r} that cannot be read; expected units of {target}"
        ) from None
    extra = ""
    try:
        if quantity == "n" and unit.is_equivalent(u.kg / u.m**3):
            factor = float((unit / m_p).to(u.Unit(target)))
            extra = " (a mass density: divided by the proton mass, all the mass taken as protons)"
        else:
            factor = float(unit.to(u.Unit(target), equivalencies=u.temperature_energy()))
    except u.UnitConversionError:
        raise DataFileError(
            path, f"variable {name!r} has units {text!r}, which cannot be converted to {target}"
        ) from None
    note = f"{name}: {text}" + ("" if factor == 1.0 else f" converted to {target} (× {factor:.6g})") + extra
    return (values if factor == 1.0 else values * factor), note


def emissivity_units(
    path: Path, name: str, values: np.ndarray, units: str | None
) -> tuple[np.ndarray, str, str]:
    """Convert emissivity values to eV cm^-3 s^-1 when their units say so. Returns (values,
    units string for the Volume, note). Unknown or other units are kept as they are (with a
    CubeWarning): the volume's ``units`` then says what the values are."""
    if units is None or str(units).strip() == "":
        return values, EMISSIVITY_UNITS, f"{name}: no units given, assumed {EMISSIVITY_UNITS}"
    text = str(units).strip()
    try:
        unit = u.Unit(text.replace("^", ""), parse_strict="raise")
        factor = unit.to(u.eV / u.cm**3 / u.s)
    except (ValueError, TypeError, u.UnitConversionError):
        warnings.warn(
            CubeWarning(
                f"{path}: {name} has units {text!r}, not an emissivity in {EMISSIVITY_UNITS}; values kept as they are"
            ),
            stacklevel=4,
        )
        return values, text, f"{name}: units {text!r} kept (not convertible to {EMISSIVITY_UNITS})"
    if factor == 1.0:
        return values, EMISSIVITY_UNITS, f"{name}: {text}"
    return (
        values * factor,
        EMISSIVITY_UNITS,
        f"{name}: {text} converted to {EMISSIVITY_UNITS} (× {factor:.6g})",
    )


def resolve_frame(path: Path, option: str | None, from_file: str | None) -> tuple[str, str]:
    """(frame, how it was decided): the ``frame`` option, else the file's, else the default."""
    if option is not None:
        f = str(option).strip().lower()
        if f not in FRAMES:
            raise UserInputError(f"frame = {option!r}: expected one of {FRAMES}")
        return f, "given by the caller"
    if from_file is not None:
        f = str(from_file).strip().lower()
        if f not in FRAMES:
            raise DataFileError(
                path, f"states the frame {from_file!r}: expected one of {tuple(x.upper() for x in FRAMES)}"
            )
        return f, "stated in the file"
    return (
        DEFAULT_FRAME,
        f"assumed {DEFAULT_FRAME.upper()} (the file does not state a frame; pass frame= to override)",
    )


def split_options(options: Mapping[str, Any], allowed: Sequence[str], reader: str) -> None:
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise UserInputError(
            f"option(s) {unknown} are not understood by the {reader} reader; it takes: {', '.join(sorted(allowed))}"
        )


def software() -> dict[str, str]:
    return {"smile_viewer": smile_viewer.__version__, "numpy": np.__version__}


def wrap_volume_errors(path: Path, build: Callable[[], Any]) -> Any:
    """Run ``build`` and turn a UserInputError from the Volume into a DataFileError naming the file."""
    try:
        return build()
    except DataFileError:
        raise
    except UserInputError as exc:
        raise DataFileError(path, str(exc)) from None


# --------------------------------------------------------------------------------------
# choosing variables; plasma moments → emissivity
# --------------------------------------------------------------------------------------

#: Keys of the ``variables`` mapping that name plasma moments.
MOMENT_KEYS: tuple[str, ...] = ("n", "v", "vx", "vy", "vz", "T", "p")
#: Options passed through to :func:`smile_viewer.physics.emissivity.masked_plasma_emissivity`.
MASK_OPTIONS: tuple[str, ...] = (
    "mask", "boundary", "alpha_ev_cm2", "n0_cm3", "density_fraction", "density_min_cm3", "r_min_re",
)  # fmt: skip


def choose_variables(
    path: Path,
    available: Sequence[str],
    listing: str,
    variable: str | None,
    variables: Mapping[str, str] | None,
    *,
    vector_ok: bool,
    extra_keys: Sequence[str] = (),
    searchable: Sequence[str] | None = None,
) -> tuple[str, dict[str, str]]:
    """Decide what to read: ("emissivity", {"emissivity": name}) or ("moments", {"n": ...,
    "v" or "vx"/"vy"/"vz": ..., "T" or "p": ...}).

    ``variable`` / ``variables["emissivity"]`` name the emissivity; other keys of
    ``variables`` name moments (``extra_keys``, e.g. "x", "y", "z", are passed over here). With
    no names given, the first of :data:`EMISSIVITY_NAMES` found is read, else a complete set
    of moments from :data:`MOMENT_NAMES`; moments are searched among ``searchable`` only
    (default: all of ``available``; netCDF passes its 3-D variables so that a time axis ``t``
    is never taken for a temperature). Missing names raise DataFileError with ``listing``.
    """
    pool = list(available if searchable is None else searchable)
    if variables is not None and not isinstance(variables, Mapping):
        raise UserInputError(
            f"variables = {variables!r}: expected a mapping such as {{'n': 'rho', 'vx': 'ux', ...}}"
        )
    given = {k: v for k, v in dict(variables or {}).items() if k not in extra_keys}
    keys = MOMENT_KEYS if vector_ok else tuple(k for k in MOMENT_KEYS if k != "v")
    unknown = sorted(set(given) - set(keys) - {"emissivity"})
    if unknown:
        raise UserInputError(f"variables: unknown key(s) {unknown}; expected 'emissivity', {', '.join(map(repr, keys))}"
                             + (f" or {', '.join(map(repr, extra_keys))}" if extra_keys else ""))  # fmt: skip
    if variable is not None:
        given["emissivity"] = variable
    if "emissivity" in given:
        name = given["emissivity"]
        if name not in available:
            raise DataFileError(path, f"has no variable {name!r}; it has: {listing}")
        return "emissivity", {"emissivity": name}
    for key, name in given.items():
        if name not in available:
            raise DataFileError(path, f"has no variable {name!r} (given for {key}); it has: {listing}")
    chosen = dict(given)
    searched = not given
    if searched:
        found = find_name(EMISSIVITY_NAMES, available)
        if found is not None:
            return "emissivity", {"emissivity": found}
    for key in keys:
        if key not in chosen:
            found = find_name(MOMENT_NAMES[key], pool)
            if found is not None and found not in chosen.values():
                chosen[key] = found
    has_v = ("v" in chosen and vector_ok) or all(k in chosen for k in ("vx", "vy", "vz"))
    missing = []
    if "n" not in chosen:
        missing.append("n (density)")
    if not has_v:
        missing.append(("v (velocity vector) or " if vector_ok else "") + "vx, vy, vz")
    if "T" not in chosen and "p" not in chosen:
        missing.append("T (temperature) or p (pressure)")
    if missing:
        lead = (
            "has no emissivity variable (looked for " + ", ".join(map(repr, EMISSIVITY_NAMES)) + ") and "
            if searched
            else "has "
        )
        raise DataFileError(
            path,
            f"{lead}no complete set of plasma moments (missing {'; '.join(missing)}); it has: {listing}. "
            "Pass variable='<emissivity>' or variables={'n': ..., 'vx': ..., 'vy': ..., 'vz': ..., 'T': ...}",
        )
    if all(k in chosen for k in ("vx", "vy", "vz")) and ("v" not in given):
        chosen.pop("v", None)
    else:
        for k in ("vx", "vy", "vz"):
            chosen.pop(k, None)
    if "T" in chosen and "p" not in given:
        chosen.pop("p", None)
    elif "p" in chosen and "T" not in given:
        chosen.pop("T", None)
    return "moments", chosen


def grid_points(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Positions (nz, ny, nx, 3) [R_E] of the nodes of the axes x, y, z (no meshgrid copies)."""
    xyz = np.empty((z.size, y.size, x.size, 3))
    xyz[..., 0] = x
    xyz[..., 1] = y[:, None]
    xyz[..., 2] = z[:, None, None]
    return xyz


def emissivity_from_moments(
    path: Path,
    xyz_re: np.ndarray,
    arrays: Mapping[str, np.ndarray],
    names: Mapping[str, str],
    units: Mapping[str, str | None],
    mask_options: Mapping[str, Any],
) -> tuple[np.ndarray, dict[str, Any]]:
    """P = alpha n_H n v_eff [eV cm^-3 s^-1] at positions ``xyz_re`` (S + (3,)) from moments
    (each of shape S; "v" of shape S + (3,)), converted to cm^-3, km/s, K / nPa first.
    The magnetosphere is masked as ``mask_options`` say
    (:func:`smile_viewer.physics.emissivity.masked_plasma_emissivity`). Returns (P,
    provenance)."""
    bad = sorted(set(mask_options) - set(MASK_OPTIONS))
    if bad:
        raise UserInputError(
            f"unknown option(s) {bad}; the plasma-moment options are {', '.join(MASK_OPTIONS)}"
        )
    notes = []

    def get(key: str, quantity: str) -> np.ndarray:
        vals, note = convert_units(
            path,
            names[key],
            np.asarray(arrays[key], dtype=np.float64),
            units.get(key, units.get(quantity)),
            quantity,
        )
        notes.append(note)
        return vals

    n = get("n", "n")
    if "v" in arrays:
        vel = get("v", "v")
    else:  # the speed is all the emissivity needs: no (..., 3) stack
        vel = np.square(get("vx", "v"))
        vel += np.square(get("vy", "v"))
        vel += np.square(get("vz", "v"))
        np.sqrt(vel, out=vel)
    if "T" in arrays:
        t_k = get("T", "T")
        t_note = "T read from the file"
    else:
        p_npa = get("p", "p")
        with np.errstate(divide="ignore", invalid="ignore"):
            t_k = np.asarray(temperature_from_pressure_k(p_npa, n), dtype=np.float64)
        t_note = "T = p / (n k): all the thermal pressure assigned to the protons (electrons ignored)"
    try:
        eta = masked_plasma_emissivity(xyz_re, n, vel, t_k, **dict(mask_options))
    except DataFileError:
        raise
    except UserInputError as exc:
        raise DataFileError(path, str(exc)) from None
    prov = {
        "formula": "P = alpha n_H n v_eff, v_eff = sqrt(v^2 + 3 k T / m_p) (smile_viewer.physics.emissivity)",
        "moments": dict(names),
        "units": notes,
        "temperature": t_note,
        "mask": {k: (v if isinstance(v, (int, float, str)) else repr(v)) for k, v in mask_options.items()}
        or "default (plasma criterion)",
    }
    return np.asarray(eta, dtype=np.float64), prov
