"""Time sequences of cubes: a folder, a glob or a JSON index of cube files with times.

:func:`open_sequence` finds the files (:func:`sequence_files`), the time of each (its header —
FITS ``DATE-OBS``, ``MJD-OBS`` or the community's ``TIME`` — else a date and time in its
name, else the index's ``time``), checks that every cube has the same grid and frame from
the headers alone, and returns a :class:`CubeSequence` whose :meth:`~CubeSequence.volume_at`
gives the cube at a time: the nearest one, or the linear blend of the two bracketing cubes.
At most two cubes are held in memory (a least-recently-used cache of two). Every problem is a
one-line DataFileError / UserInputError naming the file, raised before anything is kept.
Files are read with :func:`smile_viewer.io.cubes.read_cube`, so every cube format read there
works in a sequence. Index format and file-name pattern: docs/formats.md#cube-sequences.
"""

from __future__ import annotations

import glob
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.time import Time

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.checked_file import read_json
from smile_viewer.physics.volume import Volume

__all__ = [
    "INTERPOLATIONS",
    "CubeSequence",
    "CubeSpec",
    "SequenceEntry",
    "blend_volumes",
    "cube_time",
    "is_sequence_spec",
    "open_sequence",
    "sequence_files",
    "time_from_name",
]

#: How :meth:`CubeSequence.volume_at` chooses between cubes.
INTERPOLATIONS: tuple[str, ...] = ("linear", "nearest")
#: Relative tolerance on grids (origin and spacing, relative to the spacing) between the cubes.
GRID_RTOL = 1e-4
#: Times this close [s] to the first or last cube count as inside the sequence (a scene time
#: on one-minute steps may sit a fraction of a second off a cube's time).
EDGE_TOLERANCE_S = 1.0

_GLOB_CHARS = set("*?[")
# A date and a time in a file name: 2014-09-19T03:00:00, 20140919_030000, e20140919-030000-000
# (BATS-R-US), 2014-09-19_03-00; seconds optional; no digit right before or after.
_NAME_TIME = re.compile(
    r"(?<!\d)(?P<Y>(?:19|20)\d{2})(?P<s1>-?)(?P<m>\d{2})(?P=s1)(?P<d>\d{2})"
    r"[T_\-]?(?P<H>\d{2})(?P<s2>[:\-]?)(?P<M>\d{2})(?:(?P=s2)(?P<S>\d{2}(?:\.\d+)?))?(?!\d)"
)


# -- discovery -----------------------------------------------------------------------------------
def is_sequence_spec(spec: Any) -> bool:
    """True when ``spec`` names a sequence rather than one cube: an existing folder, a glob
    pattern (``*``, ``?`` or ``[`` in the name) or a ``.json`` index file."""
    text = os.fspath(spec) if isinstance(spec, os.PathLike) else str(spec)
    text = os.path.expanduser(text.strip())
    if not text:
        return False
    if os.path.isdir(text):
        return True
    if _GLOB_CHARS & set(os.path.basename(text)) and not os.path.exists(text):
        return True
    return text.lower().endswith(".json")


@dataclass(frozen=True)
class SequenceEntry:
    """One cube of a sequence: its file and time (UTC) and where the time came from."""

    path: Path
    time: Time
    time_source: str  # "header DATE-OBS", "file name", "index", …


def _index_entries(path: Path) -> tuple[list[tuple[Path, Time | None, str]], str | None]:
    """Files (with times) of a JSON index: ``{"cubes": [{"file": …, "time": …}, …],
    "interpolation": "linear"}`` or a bare list of ``{"file", "time"}``."""
    data = read_json(path, "config", expect=(dict, list))
    interpolation = None
    if isinstance(data, dict):
        unknown = sorted(set(data) - {"cubes", "interpolation", "description"})
        if unknown:
            raise DataFileError(path, f"unknown key(s) {unknown} in a cube-sequence index (expected 'cubes')")
        if "cubes" not in data:
            raise DataFileError(path, 'a cube-sequence index needs a \'cubes\' list of {"file", "time"}')
        interpolation = data.get("interpolation")
        if interpolation is not None and interpolation not in INTERPOLATIONS:
            raise DataFileError(
                path, f"interpolation {interpolation!r}: expected one of {', '.join(INTERPOLATIONS)}"
            )
        items = data["cubes"]
    else:
        items = data
    if not isinstance(items, list) or not items:
        raise DataFileError(path, "the cube-sequence index lists no cubes")
    out: list[tuple[Path, Time | None, str]] = []
    for k, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("file"), str) or not item["file"].strip():
            raise DataFileError(path, f"cubes[{k}] must be an object with a 'file' name and a 'time'")
        extra = sorted(set(item) - {"file", "time"})
        if extra:
            raise DataFileError(path, f"cubes[{k}] has unknown key(s) {extra} (expected 'file' and 'time')")
        f = Path(os.path.expanduser(item["file"].strip()))
        f = f if f.is_absolute() else path.parent / f
        if not os.path.isfile(f):  # (Path.is_file raises on a too-long name; this says False)
            name = item["file"].strip()
            name = name if len(name) <= 80 else name[:60] + "…"
            raise DataFileError(path, f"cubes[{k}] names {name!r}: no such file")
        t = None
        if "time" in item:
            t = _parse_time_value(item["time"], path, f"cubes[{k}] time")
        out.append((f, t, "index"))
    return out, interpolation


def _is_sidecar(path: Path) -> bool:
    """A JSON file beside the cubes (OpenGGCM's run metadata, an index): never a cube."""
    return path.suffix.lower() == ".json"


def sequence_files(spec: Any) -> tuple[list[Path], Path | None]:
    """``(files, index)``: the cube files a sequence ``spec`` names, in name order (for a
    folder: every regular, non-hidden file in it; for a glob: the files it matches), and the
    index file when ``spec`` is one. ``.json`` files are skipped in folders and globs: no cube
    format is JSON, and an OpenGGCM run holds a metadata ``.json`` beside each ``.cdf``.
    UserInputError when nothing is found."""
    text = os.path.expanduser(str(os.fspath(spec)).strip())
    p = Path(text)
    if p.is_dir():
        files = sorted(
            q for q in p.iterdir() if not q.name.startswith(".") and not q.is_dir() and not _is_sidecar(q)
        )
        if not files:
            raise UserInputError(f"{p}: the folder holds no cube files (an empty cube sequence)")
        return files, None
    if text.lower().endswith(".json") and not (_GLOB_CHARS & set(p.name)):
        entries, _ = _index_entries(p)
        return [e[0] for e in entries], p
    matches = sorted(Path(m) for m in glob.glob(text) if not os.path.isdir(m) and not _is_sidecar(Path(m)))
    if not matches:
        raise UserInputError(f"{text}: the pattern matches no files (an empty cube sequence)")
    return matches, None


# -- times ---------------------------------------------------------------------------------------
def _parse_time_value(value: Any, path: Path, what: str) -> Time:
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise DataFileError(path, f"{what} {value!r} is not a time (use ISO 8601, UTC)")
    text = str(value).strip()
    fmt = None
    if re.fullmatch(r"\d{4}/\d{2}/\d{2} \d{2}:\d{2}(:\d{2}(\.\d*)?)?", text):  # the community's TIME card
        text = text.replace("/", "-")
    try:
        t = Time(text, scale="utc", format=fmt) if fmt else Time(text, scale="utc")
        if not t.isscalar or not np.isfinite(t.jd):
            raise ValueError
        if not (1900 <= t.utc.datetime.year <= 2200):
            raise ValueError
    except (ValueError, TypeError, OverflowError):
        raise DataFileError(path, f"{what} {value!r} is not a time (use ISO 8601, UTC)") from None
    return t


def time_from_name(name: str) -> Time | None:
    """The UTC time written in a file name (``…2014-09-19T03:00:00…``, ``…20140919_030000…``,
    BATS-R-US's ``…e20140919-030000-000…``), or None when there is none (or more than one
    different one)."""
    found = []
    for m in _NAME_TIME.finditer(name):
        sec = m.group("S") or "00"
        iso = f"{m['Y']}-{m['m']}-{m['d']}T{m['H']}:{m['M']}:{sec}"
        try:
            t = Time(iso, format="isot", scale="utc")
        except ValueError:
            continue
        found.append(t)
    if not found:
        return None
    first = found[0]
    if any(abs((t - first).sec) > 0 for t in found[1:]):
        return None
    return first


def _header_time(path: Path) -> tuple[Time | None, str]:
    """The time stated in a cube's header, or (None, "") when it states none."""
    # lazy: the cube readers (and astropy.io.fits) are needed only when a sequence is opened
    from smile_viewer.io.cubes import cube_format, cube_info

    fmt = cube_format(path)  # DataFileError for a file that is not a cube
    if fmt == "fits":
        # lazy: astropy.io.fits only for FITS headers
        from astropy.io import fits

        try:
            h = fits.getheader(path, 0)
        except (OSError, ValueError, TypeError) as exc:
            raise DataFileError(path, f"its FITS header cannot be read ({exc})") from None
        for key in ("DATE-OBS", "DATE_OBS", "TIME", "MJD-OBS"):
            if key in h and str(h[key]).strip():
                value = h[key]
                if key == "MJD-OBS":
                    try:
                        return Time(float(value), format="mjd", scale="utc"), "header MJD-OBS"
                    except (TypeError, ValueError):
                        raise DataFileError(path, f"header MJD-OBS = {value!r} is not a time") from None
                return _parse_time_value(value, path, f"header {key} ="), f"header {key}"
        return None, ""
    info = cube_info(path)
    t = getattr(info, "time", None)
    if t is not None and str(t).strip():
        return _parse_time_value(str(t.isot) if isinstance(t, Time) else t, path, "header time"), "header"
    sw = getattr(info, "solar_wind", {}) or {}
    if sw.get("TIME"):
        return _parse_time_value(sw["TIME"], path, "header TIME ="), "header TIME"
    return None, ""


def cube_time(path: Any, index_time: Time | None = None) -> tuple[Time, str]:
    """``(time, source)`` of one cube of a sequence: its header's time, else the time in its
    file name, else ``index_time``; DataFileError naming the file when none gives one.
    A header and an index that disagree: the index wins (it is what the user wrote)."""
    p = Path(path)
    t, source = _header_time(p)
    if index_time is not None:
        return index_time, "index"
    if t is not None:
        return t, source
    t = time_from_name(p.name)
    if t is not None:
        return t, "file name"
    raise DataFileError(
        p,
        "no time for the cube sequence: its header has no DATE-OBS/TIME and its name no date and time "
        "(e.g. cube_20140919_030000.fits); list the files with their times in a JSON index",
    )


# -- the sequence --------------------------------------------------------------------------------
def _grid_of(info) -> tuple:
    return (tuple(info.shape) if info.shape is not None else None, info.bounds_re)


def _same_bounds(a, b, shape) -> bool:
    if a is None or b is None:
        return True  # checked again on the loaded volumes
    for (a0, a1), (b0, b1), n in zip(a, b, tuple(shape)[::-1] if shape else (2, 2, 2)):
        step = abs(a1 - a0) / max(int(n) - 1, 1) or 1.0
        if abs(a0 - b0) > GRID_RTOL * step or abs(a1 - b1) > GRID_RTOL * step:
            return False
    return True


def _grid_text(shape, bounds) -> str:
    s = "×".join(str(v) for v in shape[::-1]) if shape else "?"
    if bounds is None:
        return s
    return (
        s + " over " + ", ".join(f"{ax}=[{lo:.4g}, {hi:.4g}]" for ax, (lo, hi) in zip("xyz", bounds)) + " R_E"
    )


def blend_volumes(
    a: Volume, b: Volume, weight: float, *, provenance: Mapping[str, Any] | None = None
) -> Volume:
    """``(1 - weight) a + weight b`` on their common grid (float32), a new Volume."""
    w = float(weight)
    if not 0.0 <= w <= 1.0:
        raise UserInputError(f"blend weight {weight!r} must be within [0, 1]")
    if w == 0.0:
        values = a.values
    elif w == 1.0:
        values = b.values
    else:
        values = np.empty(a.values.shape, dtype=np.float32)
        np.multiply(a.values, np.float32(1.0 - w), out=values)
        values += np.float32(w) * b.values
    prov = dict(provenance or {})
    return Volume(values, a.origin_re, a.spacing_re, frame=a.frame, units=a.units, provenance=prov)


class CubeSequence:
    """Cubes on one grid at increasing times (made by :func:`open_sequence`).

    ``entries``: the :class:`SequenceEntry` list sorted by time; ``interpolation``: "linear"
    (default) or "nearest"; ``read_options`` go to ``read_cube``. :meth:`volume_at` reads
    cubes on demand and keeps at most two (``max_cached``); ``loads`` counts the reads.
    Thread-safe (the scene and the image workers share one sequence).
    """

    max_cached = 2

    def __init__(
        self,
        entries: Sequence[SequenceEntry],
        *,
        spec: str = "",
        interpolation: str = "linear",
        read_options: Mapping[str, Any] | None = None,
        grid: tuple | None = None,
        frame: str | None = None,
        units: str | None = None,
    ):
        if not entries:
            raise UserInputError(f"{spec or 'cube sequence'}: no cubes")
        if interpolation not in INTERPOLATIONS:
            raise UserInputError(
                f"interpolation {interpolation!r}: expected one of {', '.join(INTERPOLATIONS)}"
            )
        self.entries: tuple[SequenceEntry, ...] = tuple(entries)
        self.spec = spec
        self.interpolation = interpolation
        self.read_options = dict(read_options or {})
        self.grid = grid
        self.frame = frame
        self.units = units
        t0 = self.entries[0].time
        self._seconds = np.array([(e.time - t0).sec for e in self.entries], dtype=float)
        self._cache: OrderedDict[int, Volume] = OrderedDict()
        self._lock = threading.RLock()
        self._reference: tuple | None = None  # grid of the first cube read (checks the others)
        self.loads = 0

    # -- description -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.entries)

    @property
    def times(self) -> Time:
        """The cubes' times (UTC), increasing."""
        return Time([e.time for e in self.entries])

    @property
    def start(self) -> Time:
        return self.entries[0].time

    @property
    def stop(self) -> Time:
        return self.entries[-1].time

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(e.path for e in self.entries)

    @property
    def cached_indices(self) -> tuple[int, ...]:
        """Indices of the cubes held in memory now (oldest use first)."""
        with self._lock:
            return tuple(self._cache)

    def describe(self) -> str:
        """One line: how many cubes, from when to when, the grid."""
        shape, bounds = self.grid if self.grid else (None, None)
        return (
            f"{len(self)} cubes from {self.start.utc.isot[:19]} to {self.stop.utc.isot[:19]} UTC, "
            f"{self.interpolation} in time, grid {_grid_text(shape, bounds)}"
        )

    def __repr__(self) -> str:
        return f"<CubeSequence {self.spec!r}: {self.describe()}>"

    # -- time → cubes --------------------------------------------------------------------------
    def _offset_s(self, time: Any) -> float:
        t = time if isinstance(time, Time) else _parse_time_value(time, Path(self.spec or "sequence"), "time")
        return float((t - self.entries[0].time).sec)

    def bracket(self, time: Any) -> tuple[int, int, float]:
        """``(i, j, w)``: the cube at ``time`` is ``(1 - w) cube[i] + w cube[j]`` (linear; for
        "nearest", ``i == j`` and ``w == 0``). UserInputError outside the sequence's span
        (beyond :data:`EDGE_TOLERANCE_S`)."""
        s = self._offset_s(time)
        secs = self._seconds
        if s < secs[0] - EDGE_TOLERANCE_S or s > secs[-1] + EDGE_TOLERANCE_S:
            t = time if isinstance(time, Time) else Time(time, scale="utc")
            raise UserInputError(
                f"time {t.utc.isot[:19]} is outside the cube sequence {self.spec} "
                f"({self.start.utc.isot[:19]} to {self.stop.utc.isot[:19]} UTC)"
            )
        s = min(max(s, secs[0]), secs[-1])
        j = int(np.searchsorted(secs, s, side="left"))
        if j < len(secs) and secs[j] == s:
            return j, j, 0.0
        i = j - 1
        w = (s - secs[i]) / (secs[j] - secs[i])
        if self.interpolation == "nearest":
            k = i if w <= 0.5 else j
            return k, k, 0.0
        return i, j, float(w)

    def volume_index(self, i: int, keep: tuple[int, ...] = ()) -> Volume:
        """Cube ``i`` (read on first use; the least recently used of more than two is dropped,
        sparing the indices in ``keep``: the other cube a blend needs)."""
        with self._lock:
            vol = self._cache.get(i)
            if vol is not None:
                self._cache.move_to_end(i)
                return vol
            # lazy: the cube readers are needed only when a cube is read
            from smile_viewer.io.cubes import read_cube

            entry = self.entries[i]
            while len(self._cache) >= self.max_cached:  # drop before reading: never three in memory
                spare = [k for k in self._cache if k not in keep]
                self._cache.pop(spare[0] if spare else next(iter(self._cache)))
            vol = read_cube(entry.path, **self.read_options)
            self._check_loaded(entry.path, vol)
            self.loads += 1
            self._cache[i] = vol
            return vol

    def _check_loaded(self, path: Path, vol: Volume) -> None:
        ref = self._reference
        if ref is None:
            self._reference = (vol.values.shape, vol.origin_re, vol.spacing_re, vol.frame, vol.units)
            return
        shape, origin, spacing, frame, units = ref
        step = np.asarray(spacing)
        same = (
            vol.values.shape == shape
            and vol.frame == frame
            and bool(np.all(np.abs(np.subtract(vol.origin_re, origin)) <= GRID_RTOL * step))
            and bool(np.all(np.abs(np.subtract(vol.spacing_re, spacing)) <= GRID_RTOL * step))
        )
        if not same:
            nx, ny, nz = vol.n_xyz
            raise DataFileError(
                path,
                f"its grid ({nx}×{ny}×{nz} {vol.frame.upper()}, origin {tuple(round(v, 4) for v in vol.origin_re)} "
                f"R_E) differs from the other cubes of the sequence {self.spec}: every cube of a sequence must be "
                "on the same grid",
            )
        if vol.units != units:
            raise DataFileError(
                path,
                f"its units {vol.units!r} differ from the other cubes' {units!r} in the sequence {self.spec}",
            )

    def volume_at(self, time: Any) -> Volume:
        """The cube at ``time`` (astropy Time or ISO text): nearest, or the linear blend of
        the two bracketing cubes; its provenance names the files and the weight."""
        i, j, w = self.bracket(time)
        t = time if isinstance(time, Time) else Time(time, scale="utc")
        with self._lock:
            a = self.volume_index(i, keep=(i, j))
            if i == j or w == 0.0:
                b, w = a, 0.0
            else:
                b = self.volume_index(j, keep=(i, j))
                if b.values.shape != a.values.shape:  # pragma: no cover - _check_loaded refuses it first
                    raise DataFileError(self.entries[j].path, "differs in grid from the other cubes")
        prov = {
            "source": "cube sequence",
            "sequence": self.spec,
            "time": t.utc.isot,
            "interpolation": self.interpolation,
            "cubes": [
                {"file": str(self.entries[i].path), "time": self.entries[i].time.utc.isot, "weight": 1.0 - w}
            ]
            + (
                [{"file": str(self.entries[j].path), "time": self.entries[j].time.utc.isot, "weight": w}]
                if w > 0.0
                else []
            ),
            "cube_provenance": a.provenance,
        }
        return blend_volumes(a, b, w, provenance=prov)


def open_sequence(
    spec: Any, *, interpolation: str | None = None, read_options: Mapping[str, Any] | None = None
) -> CubeSequence:
    """Open the cube sequence ``spec`` (a folder, a glob pattern or a JSON index; see the
    module docstring). Reads headers only; every file is checked (a cube, a time, the same
    grid and frame as the first) before the sequence is returned, so a bad file gives one
    error and nothing is half-loaded. ``interpolation``: "linear" or "nearest" (default: the
    index's ``interpolation``, else "linear")."""
    # lazy: the cube readers are needed only when a sequence is opened
    from smile_viewer.io.cubes import cube_info

    text = os.path.expanduser(str(os.fspath(spec)).strip())
    if not text:
        raise UserInputError("an empty name is not a cube sequence")
    index_times: dict[Path, Time | None] = {}
    index_interp = None
    index_path = None
    if (
        text.lower().endswith(".json")
        and not (_GLOB_CHARS & set(Path(text).name))
        and not os.path.isdir(text)
    ):
        index_path = Path(text)
        listed, index_interp = _index_entries(index_path)
        files = []
        for f, t, _src in listed:
            if f in index_times:
                raise DataFileError(index_path, f"lists {f} twice")
            index_times[f] = t
            files.append(f)
    else:
        files, _ = sequence_files(text)
    interp = interpolation or index_interp or "linear"
    if interp not in INTERPOLATIONS:
        raise UserInputError(f"interpolation {interp!r}: expected one of {', '.join(INTERPOLATIONS)}")
    entries: list[SequenceEntry] = []
    grid = None
    first = None
    frame = units = None
    for f in files:
        info = cube_info(f)  # DataFileError naming a file that is not a cube (or is damaged)
        t, source = cube_time(f, index_times.get(f))
        g = _grid_of(info)
        fr = (info.frame or "").lower() or None
        if grid is None:
            grid, first, frame, units = g, f, fr, info.units
        else:
            if g[0] != grid[0] or not _same_bounds(g[1], grid[1], grid[0]):
                raise DataFileError(
                    f,
                    f"its grid {_grid_text(*g)} differs from {first.name}'s {_grid_text(*grid)}: every cube of "
                    "a sequence must be on the same grid",
                )
            if fr != frame:
                raise DataFileError(
                    f,
                    f"its frame {(fr or 'unstated').upper()} differs from {first.name}'s {(frame or 'unstated').upper()}",
                )
        entries.append(SequenceEntry(f, t, source))
    order = sorted(range(len(entries)), key=lambda k: entries[k].time.jd1 + entries[k].time.jd2)
    entries = [entries[k] for k in order]
    for a, b in zip(entries, entries[1:]):
        if abs((b.time - a.time).sec) < 1e-3:
            raise DataFileError(
                b.path,
                f"has the same time ({b.time.utc.isot[:19]}) as {a.path.name}: a sequence needs distinct times",
            )
    return CubeSequence(
        entries,
        spec=str(index_path or text),
        interpolation=interp,
        read_options=read_options,
        grid=grid,
        frame=frame,
        units=units,
    )


# -- one open sequence shared by the GUI's workers, the CLI and batch --------------------------
_open_lock = threading.Lock()
_open_cache: dict[tuple, CubeSequence] = {}


def _stamp(spec: str) -> tuple:
    files, index = sequence_files(spec)
    out = []
    for f in [*files, *([index] if index else [])]:
        try:
            st = os.stat(f)
            out.append((str(f), st.st_mtime_ns, st.st_size))
        except OSError:
            out.append((str(f), "missing"))
    return tuple(out)


def shared_sequence(spec: Any, *, interpolation: str | None = None) -> CubeSequence:
    """The sequence ``spec``, opened once and kept while its files do not change (the last one
    opened only, so at most two cubes are in memory for the whole application)."""
    text = os.path.abspath(os.path.expanduser(str(os.fspath(spec)).strip()))
    key = (text, interpolation, _stamp(text))
    with _open_lock:
        seq = _open_cache.get(key)
        if seq is None:
            seq = open_sequence(text, interpolation=interpolation)
            _open_cache.clear()
            _open_cache[key] = seq
        return seq


@dataclass(frozen=True)
class CubeSpec:
    """A cube file or a cube sequence as the user named it, read when a time is given (in a
    worker): :meth:`volume_at` gives the cube at that time (a single file: the file's cube)."""

    spec: str

    @property
    def is_sequence(self) -> bool:
        return is_sequence_spec(self.spec)

    def volume_at(self, time: Any) -> Volume:
        if self.is_sequence:
            return shared_sequence(self.spec).volume_at(time)
        # lazy: the cube readers are needed only when a cube is read
        from smile_viewer.io.cubes import read_cube

        return read_cube(os.path.expanduser(self.spec))
