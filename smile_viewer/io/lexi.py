"""LEXI level-1c photon events (CDF) binned into counts images on a celestial tangent plane.

A level-1c file (github.com/Lexi-BU/lexi_data_analysis, data/level_1c) holds one row per photon:
``Epoch`` (CDF TT2000), ``Epoch_unix`` (integer UTC seconds), ``ra_J2000_deg``,
``dec_J2000_deg`` (the photon's sky direction seen from the Moon). :func:`read_lexi_events`
reads one file and masks (and counts) photons with no valid time or position;
:func:`bin_lexi` stacks files (or a time range of them) on a gnomonic grid at the pointing
and returns an :class:`~smile_viewer.io.observed.ObservedImage` (format "lexi-l1c",
instrument "lexi") with the observer at the LEXI site on the Moon
(:mod:`smile_viewer.mission.moon`). Layout, exposure and masking rules:
docs/formats.md#lexi-level-1c-photon-events.
"""

from __future__ import annotations

import glob as _glob
import hashlib
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.table import Table
from astropy.time import Time
from astropy.wcs import WCS

from smile_viewer.coords import transform
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.checked_file import checked_path
from smile_viewer.io.lexi_cdf import REQUIRED, is_cdf, read_raw_files, variable_names
from smile_viewer.io.observed import ObservedImage
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.moon import BLUE_GHOST_1_SITE, moon_position_re, site_position_re

__all__ = [
    "FORMAT",
    "LexiEvents",
    "bin_lexi",
    "events_table",
    "group_files",
    "is_lexi_cdf",
    "lexi_files",
    "lexi_wcs",
    "load_lexi",
    "pointing_from_events",
    "read_lexi_events",
    "read_lexi_files",
]

FORMAT = "lexi-l1c"
#: A silence longer than this many mean photon spacings inside a file is a gap (not exposure):
#: for a Poisson stream the chance of one is e^-15 ≈ 3e-7 per photon.
GAP_SPACINGS = 15.0
#: ... and never shorter than this [s].
MIN_GAP_S = 10.0
#: Epoch and Epoch_unix of one photon may differ by this much [s] (Epoch_unix is truncated to
#: whole seconds); beyond it the photon's time is inconsistent and it is masked.
MAX_EPOCH_MISMATCH_S = 2.0
#: Diameter [deg] of the field kept by default (VIGMAP = 1 inside): the part of the 9.1° square
#: field where the exposure is flat. In the 2025-03-03 files the photon rate per square degree
#: is flat (±8 %) within 3.5° of the pointing and falls to half at 4.2° (the square's edges and
#: corners are blurred by the optics and the pointing), so the central 7° are kept.
FLAT_FIELD_DEG = 7.0
#: Default pixel size [deg] and grid size [deg] of :func:`bin_lexi`.
DEFAULT_PIXEL_DEG = 0.25
DEFAULT_SIZE_DEG = 12.0
_TT2000_ZERO = Time(2451545.0, format="jd", scale="tt")  # 2000-01-01T12:00:00 TT
_TT2000_FILL = -9223372036854775807
_UNIX_FILL = -2147483647
_NAME_STAMP = re.compile(r"lexi_payload_(\d{9,11})_")


# ---------------------------------------------------------------------------- one file


@dataclass(frozen=True, eq=False)
class LexiEvents:
    """The photons of one level-1c file.

    ``time_unix`` [s, UTC Unix time from ``Epoch``], ``ra_deg``, ``dec_deg`` (float64; NaN
    where masked), ``valid`` (bool), ``masked`` {reason: count}, ``interval`` (start, end)
    [Unix s]: first to last valid photon, ``gaps`` [(start, end), ...] silences inside it
    (not exposure), ``attrs`` the global attributes.
    """

    path: Path
    time_unix: np.ndarray
    ra_deg: np.ndarray
    dec_deg: np.ndarray
    valid: np.ndarray
    masked: dict[str, int]
    interval: tuple[float, float] | None
    gaps: tuple[tuple[float, float], ...] = ()
    attrs: dict = field(default_factory=dict)

    @property
    def n_events(self) -> int:
        """Rows in the file."""
        return int(self.valid.size)

    @property
    def n_valid(self) -> int:
        """Photons with a valid time and position."""
        return int(self.valid.sum())

    @property
    def exposure_s(self) -> float:
        """Length of the interval less its gaps [s]."""
        if self.interval is None:
            return 0.0
        return float(self.interval[1] - self.interval[0] - sum(b - a for a, b in self.gaps))


def is_lexi_cdf(path) -> bool:
    """True when ``path`` is a CDF file holding LEXI level-1c photon variables (by content)."""
    p = Path(path)
    if not p.is_file() or not is_cdf(p):
        return False
    try:
        names = variable_names(p)
    except UserInputError:  # unreadable, too big, or the parser failed: not a LEXI file to us
        return False
    return all(v in names for v in REQUIRED)


def _tt2000_to_unix(ns: np.ndarray) -> np.ndarray:
    """CDF TT2000 nanoseconds → UTC Unix seconds (astropy handles the leap seconds)."""
    ns = np.asarray(ns, dtype=np.int64)
    if ns.size == 0:
        return np.zeros(0)
    base = int(ns.min())
    t0 = _TT2000_ZERO + (base // 1_000_000_000) * u.s
    rel = (ns - base).astype(np.float64) / 1e9 + (base % 1_000_000_000) / 1e9
    return t0.utc.unix + rel  # within one file the leap-second count does not change


def read_lexi_events(path) -> LexiEvents:
    """Read one LEXI level-1c file (module docstring); DataFileError names the file and problem."""
    return read_lexi_files([path])[0]


def read_lexi_files(paths) -> list[LexiEvents]:
    """Read LEXI level-1c files (in one guarded child process: :mod:`smile_viewer.io.lexi_cdf`)."""
    checked = [checked_path(q, "observed") for q in paths]
    if not checked:
        return []
    return [_events(r) for r in read_raw_files(checked[0], checked)]


def _events(raw: dict) -> LexiEvents:
    """The photons of one file's raw variables: masks, times, interval and gaps."""
    p = Path(raw["path"])
    attrs, epoch, ra, dec, unix_int, kind = (raw[k] for k in ("attrs", "epoch", "ra", "dec", "unix", "kind"))
    if epoch.dtype.kind not in "iu" or "TT2000" not in str(kind):
        raise DataFileError(p, f"Epoch is {kind}, not CDF_TIME_TT2000 as in LEXI level-1c files")
    n = epoch.size
    if ra.size != n or dec.size != n or (unix_int is not None and unix_int.size != n):
        sizes = f"Epoch {n}, ra {ra.size}, dec {dec.size}" + (
            f", Epoch_unix {unix_int.size}" if unix_int is not None else ""
        )
        raise DataFileError(p, f"the photon variables have different lengths ({sizes})")

    masked: dict[str, int] = {}
    time_ok = (epoch != _TT2000_FILL) & (epoch > -(2**62))
    t = np.full(n, np.nan)
    if time_ok.any():
        t[time_ok] = _tt2000_to_unix(epoch[time_ok])
    year_ok = np.zeros(n, dtype=bool)
    with np.errstate(invalid="ignore"):
        year_ok[time_ok] = (t[time_ok] > 946684800.0) & (t[time_ok] < 4102444800.0)  # 2000..2100
    bad_time = ~year_ok
    if bad_time.any():
        masked["no valid time (fill value)"] = int(bad_time.sum())
    if unix_int is not None:
        with np.errstate(invalid="ignore"):
            mismatch = year_ok & ((unix_int == _UNIX_FILL) | (np.abs(t - unix_int) > MAX_EPOCH_MISMATCH_S))
        if mismatch.any():
            masked["Epoch and Epoch_unix disagree"] = int(mismatch.sum())
        year_ok &= ~mismatch
    with np.errstate(invalid="ignore"):
        pos_ok = np.isfinite(ra) & np.isfinite(dec) & (ra >= 0) & (ra <= 360) & (np.abs(dec) <= 90)
    bad_pos = year_ok & ~pos_ok
    if bad_pos.any():
        masked["no valid position (fill value or out of range)"] = int(bad_pos.sum())
    valid = year_ok & pos_ok
    ra = np.where(valid, ra, np.nan)
    dec = np.where(valid, dec, np.nan)

    interval = None
    gaps: list[tuple[float, float]] = []
    if valid.any():
        tv = np.sort(t[valid])
        interval = (float(tv[0]), float(tv[-1]))
        if tv.size > 2:
            spacing = (tv[-1] - tv[0]) / (tv.size - 1)
            limit = max(MIN_GAP_S, GAP_SPACINGS * spacing)
            d = np.diff(tv)
            for k in np.flatnonzero(d > limit):
                gaps.append((float(tv[k]), float(tv[k + 1])))
    return LexiEvents(
        path=p,
        time_unix=t,
        ra_deg=ra,
        dec_deg=dec,
        valid=valid,
        masked=masked,
        interval=interval,
        gaps=tuple(gaps),
        attrs=attrs,
    )


def events_table(events: LexiEvents | Sequence[LexiEvents]) -> Table:
    """The photons as an astropy Table: time (UTC), time_unix, ra_deg, dec_deg, valid, file."""
    evs = [events] if isinstance(events, LexiEvents) else list(events)
    tt = np.concatenate([e.time_unix for e in evs]) if evs else np.zeros(0)
    tab = Table()
    ok = np.isfinite(tt)
    times = np.full(tt.shape, "", dtype=object)
    if ok.any():
        times[ok] = Time(tt[ok], format="unix", scale="utc").isot
    tab["time"] = times.astype(str)
    tab["time_unix"] = tt
    tab["ra_deg"] = np.concatenate([e.ra_deg for e in evs]) if evs else np.zeros(0)
    tab["dec_deg"] = np.concatenate([e.dec_deg for e in evs]) if evs else np.zeros(0)
    tab["valid"] = np.concatenate([e.valid for e in evs]) if evs else np.zeros(0, bool)
    tab["file"] = np.concatenate([np.full(e.n_events, e.path.name) for e in evs]) if evs else []
    return tab


# ---------------------------------------------------------------------------- sets of files


def lexi_files(spec) -> list[Path]:
    """The LEXI files named by ``spec``: a file, a folder (its ``*.cdf``), a glob pattern, or a
    list of these; in time order (the Unix stamp in the name, else the name). An empty
    selection is a one-line UserInputError."""
    items = [spec] if isinstance(spec, (str, Path)) else list(spec)
    out: dict[Path, None] = {}
    for item in items:
        s = str(item)
        p = Path(s).expanduser()
        if p.is_dir():
            found = sorted(q for q in p.iterdir() if q.is_file() and q.suffix.lower() == ".cdf")
            if not found:
                raise UserInputError(f"{p}: the folder holds no .cdf file")
            out.update(dict.fromkeys(found))
        elif any(c in s for c in "*?["):
            found = sorted(Path(q) for q in _glob.glob(str(Path(s).expanduser())))
            if not found:
                raise UserInputError(f"{s}: the pattern matches no file")
            out.update(dict.fromkeys(found))
        elif p.exists():
            out[p] = None
        else:
            raise UserInputError(f"{p}: no such file or directory")

    def key(q: Path):
        m = _NAME_STAMP.search(q.name)
        return (int(m.group(1)) if m else 0, q.name)

    return sorted(out, key=key)


def group_files(events: Sequence[LexiEvents], minutes: float) -> list[list[LexiEvents]]:
    """Consecutive files grouped into stacks of ``minutes`` (by the start of each file's interval,
    counted from the first file's start), like the SXI level-3 stacking intervals."""
    if not minutes > 0:
        raise UserInputError(f"stack length {minutes} min must be > 0")
    evs = [e for e in events if e.interval is not None]
    if not evs:
        return []
    t0 = min(e.interval[0] for e in evs)
    groups: dict[int, list[LexiEvents]] = {}
    for e in sorted(evs, key=lambda e: e.interval[0]):
        groups.setdefault(int((e.interval[0] - t0) // (60.0 * minutes)), []).append(e)
    return [groups[k] for k in sorted(groups)]


# ---------------------------------------------------------------------------- geometry


def _unit(ra_deg, dec_deg) -> np.ndarray:
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def _radec(v) -> tuple[float, float]:
    v = np.asarray(v, dtype=float) / np.linalg.norm(v)
    return float(np.degrees(np.arctan2(v[1], v[0])) % 360.0), float(
        np.degrees(np.arcsin(np.clip(v[2], -1, 1)))
    )


def pointing_from_events(
    ra_deg, dec_deg, *, field_deg: float = 9.1, iterations: int = 5
) -> tuple[float, float]:
    """The pointing (RA, Dec) [deg]: the median direction of the photons, refined on those within
    the field's half-diagonal of it (so photons scattered far outside the field do not pull it)."""
    ra = np.asarray(ra_deg, dtype=float)
    dec = np.asarray(dec_deg, dtype=float)
    ok = np.isfinite(ra) & np.isfinite(dec)
    if not ok.any():
        raise UserInputError("no photon with a valid position: the pointing is undefined")
    v = _unit(ra[ok], dec[ok])
    centre = np.median(v, axis=0)
    if np.linalg.norm(centre) < 1e-9:
        centre = v.mean(axis=0)
    centre = centre / np.linalg.norm(centre)
    radius = math.radians(field_deg / 2.0 * math.sqrt(2.0))
    for _ in range(int(iterations)):
        near = v[v @ centre >= math.cos(radius)]
        if near.shape[0] == 0:
            break
        c = np.median(near, axis=0)
        if np.linalg.norm(c) < 1e-9:
            break
        centre = c / np.linalg.norm(c)
    return _radec(centre)


def lexi_wcs(ra0_deg: float, dec0_deg: float, pixel_deg: float, shape: tuple[int, int], time=None) -> WCS:
    """A celestial TAN WCS centred on (RA, Dec) [deg], square pixels of ``pixel_deg`` on the
    tangent plane, ``shape`` (ny, nx), CRPIX the centre. Row 0 is the northern edge and
    column 0 the eastern one: with row 0 at the top, as smile-viewer stores pictures
    (:mod:`smile_viewer.mission.camera`), north is up and east left, the sky as seen, and the
    axes are right-handed about the boresight (CDELT1 = CDELT2 = -pixel_deg)."""
    ny, nx = (int(v) for v in shape)
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.crpix = [(nx + 1) / 2.0, (ny + 1) / 2.0]
    w.wcs.crval = [float(ra0_deg) % 360.0, float(dec0_deg)]
    w.wcs.cdelt = [-float(pixel_deg), -float(pixel_deg)]
    w.wcs.radesys = "ICRS"
    if time is not None:
        w.wcs.dateobs = time.utc.isot
    w.wcs.set()
    return w


def _merge(intervals: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(intervals):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _exposure_intervals(events: Sequence[LexiEvents], t0: float | None, t1: float | None):
    """The exposure as merged [start, end) intervals [Unix s]: each file's interval less its gaps,
    clipped to [t0, t1]; the time between files is not exposure."""
    pieces = []
    for e in events:
        if e.interval is None:
            continue
        a, b = e.interval
        cuts = sorted(e.gaps)
        cur = a
        for g0, g1 in cuts:
            pieces.append((cur, g0))
            cur = g1
        pieces.append((cur, b))
    lo = -math.inf if t0 is None else t0
    hi = math.inf if t1 is None else t1
    clipped = [(max(a, lo), min(b, hi)) for a, b in pieces if min(b, hi) > max(a, lo)]
    return _merge(clipped)


# ---------------------------------------------------------------------------- binning


def _as_unix(t, what: str) -> float | None:
    if t is None:
        return None
    if isinstance(t, Time):
        return float(t.utc.unix)
    from smile_viewer.coords.timeparse import parse_time  # lazy: only when a time is given as text

    return float(parse_time(t).utc.unix)


def bin_lexi(
    sources,
    *,
    pixel_deg: float = DEFAULT_PIXEL_DEG,
    size_deg: float | tuple[float, float] = DEFAULT_SIZE_DEG,
    pointing: tuple[float, float] | None = None,
    start=None,
    end=None,
    observer: str = "site",
    field_deg: float | None = None,
    name: str | None = None,
) -> ObservedImage:
    """Stack LEXI photon files into one counts image (module docstring).

    ``sources``: LexiEvents, paths, a folder or a glob (see :func:`lexi_files`);
    ``pixel_deg``: pixel size on the tangent plane [deg]; ``size_deg``: the grid's extent
    (one number or (x, y)) [deg]; ``pointing``: (RA, Dec) [deg] of the grid centre (None: the
    photons' median direction, :func:`pointing_from_events`); ``start`` / ``end``: a time
    range (astropy Time or ISO text; photons and exposure outside are left out);
    ``observer``: "site" (the Blue Ghost 1 site, :data:`~smile_viewer.mission.moon.BLUE_GHOST_1_SITE`)
    or "moon" (the Moon's centre); ``field_deg``: diameter of the field kept in VIGMAP
    (default :data:`FLAT_FIELD_DEG`, the flat central part of the 9.1° square field; a circle,
    because the detector's roll is not in the files).

    Photons with no valid time or position, and those outside the grid, are masked and
    counted (``provenance["masked"]``, and a note); the image's total equals the photons kept.
    """
    try:
        pixel_deg = float(pixel_deg)
        sx, sy = (float(v) for v in np.broadcast_to(np.asarray(size_deg, dtype=float), (2,)))
    except (TypeError, ValueError):
        raise UserInputError(f"pixel size {pixel_deg!r} / grid size {size_deg!r}: numbers expected") from None
    if not (0.0 < pixel_deg <= 10.0) or not (0.0 < sx < 170.0 and 0.0 < sy < 170.0):
        raise UserInputError(
            f"pixel size {pixel_deg:g} deg (0..10) or grid size {sx:g} x {sy:g} deg (0..170): out of range"
        )
    observer = str(observer).strip().lower()
    if observer not in ("site", "moon"):
        raise UserInputError(f"observer = {observer!r}: expected 'site' or 'moon'")
    inst = load_instrument("lexi")
    field = float(field_deg) if field_deg is not None else FLAT_FIELD_DEG
    if not 0.0 < field <= 2.0 * float(max(inst.fov_deg)):
        raise UserInputError(f"field diameter {field:g} deg: out of range")

    if isinstance(sources, LexiEvents):
        events = [sources]
    elif isinstance(sources, (list, tuple)) and sources and all(isinstance(s, LexiEvents) for s in sources):
        events = list(sources)
    else:
        events = read_lexi_files(lexi_files(sources))
    if not events:
        raise UserInputError("no LEXI file to bin")
    t0, t1 = _as_unix(start, "start"), _as_unix(end, "end")
    if t0 is not None and t1 is not None and t1 <= t0:
        raise UserInputError("the end of the time range must come after its start")

    masked: dict[str, int] = {}
    for e in events:
        for k, v in e.masked.items():
            masked[k] = masked.get(k, 0) + v
    n_rows = sum(e.n_events for e in events)
    tt = np.concatenate([e.time_unix for e in events])
    ra = np.concatenate([e.ra_deg for e in events])
    dec = np.concatenate([e.dec_deg for e in events])
    valid = np.concatenate([e.valid for e in events])
    in_range = valid.copy()
    if t0 is not None:
        in_range &= tt >= t0
    if t1 is not None:
        in_range &= tt <= t1
    n_out_of_range = int(valid.sum() - in_range.sum())
    if not in_range.any():
        raise UserInputError(
            f"no valid photon in the {len(events)} file(s) within the time range"
            if (t0 is not None or t1 is not None)
            else f"no valid photon in the {len(events)} file(s): nothing to bin"
        )
    intervals = _exposure_intervals(events, t0, t1)
    exposure = float(sum(b - a for a, b in intervals))
    if exposure <= 0:
        raise UserInputError("the selected photons span no exposure time")

    if pointing is None:
        ra0, dec0 = pointing_from_events(ra[in_range], dec[in_range], field_deg=field)
        pointing_source = "median direction of the photons"
    else:
        try:
            ra0, dec0 = (float(v) for v in pointing)
        except (TypeError, ValueError):
            raise UserInputError(f"pointing {pointing!r}: (RA, Dec) in degrees expected") from None
        if not (abs(dec0) <= 90 and math.isfinite(ra0)):
            raise UserInputError(f"pointing RA {ra0}, Dec {dec0}: out of range")
        pointing_source = "given"
    nx = max(1, int(round(sx / pixel_deg)))
    ny = max(1, int(round(sy / pixel_deg)))
    t_start = Time(intervals[0][0], format="unix", scale="utc")
    t_end = Time(intervals[-1][1], format="unix", scale="utc")
    wcs = lexi_wcs(ra0, dec0, pixel_deg, (ny, nx), t_start)

    # photons → pixels (those more than 80° from the pointing do not project sensibly)
    sel = np.flatnonzero(in_range)
    v = _unit(ra[sel], dec[sel])
    near = v @ _unit(ra0, dec0) > math.cos(math.radians(80.0))
    x, y = wcs.wcs_world2pix(ra[sel], dec[sel], 0)
    ix = np.floor(np.asarray(x) + 0.5).astype(np.int64)
    iy = np.floor(np.asarray(y) + 0.5).astype(np.int64)
    inside = near & (ix >= 0) & (ix < nx) & (iy >= 0) & (iy < ny)
    n_outside = int((~inside).sum())
    if n_outside:
        masked["outside the sky grid"] = n_outside
    counts = np.bincount(iy[inside] * nx + ix[inside], minlength=nx * ny).reshape(ny, nx).astype(np.float64)

    # field: the circle inscribed in the square field (roll unknown)
    yy, xx = np.mgrid[0:ny, 0:nx]
    ra_p, dec_p = wcs.wcs_pix2world(xx, yy, 0)
    sep = np.degrees(np.arccos(np.clip(_unit(ra_p, dec_p) @ _unit(ra0, dec0), -1.0, 1.0)))
    vig = (sep <= field / 2.0).astype(np.float64)
    n_in_field = int(counts[vig > 0].sum())

    # the observer: the LEXI site (or the Moon's centre) at the middle of the exposure
    mids = [(a + b) / 2.0 for a, b in intervals]
    weights = [b - a for a, b in intervals]
    t_mid = Time(float(np.average(mids, weights=weights)), format="unix", scale="utc")
    if observer == "site":
        pos = site_position_re(t_mid, *BLUE_GHOST_1_SITE, frame="gse")
        where = f"Blue Ghost 1 site ({BLUE_GHOST_1_SITE[0]} N, {BLUE_GHOST_1_SITE[1]} E, Walsh et al. 2024)"
    else:
        pos = moon_position_re(t_mid, "gse")
        where = "the Moon's centre"
    aim = transform(_unit(ra0, dec0) * float(np.linalg.norm(pos)), t_mid, "gei", "gse") + pos

    kept = int(counts.sum())
    notes = [
        f"{len(events)} LEXI file(s), {n_rows} photons: {kept} binned, "
        + (", ".join(f"{v} {k}" for k, v in masked.items()) or "none masked")
        + (f"; {n_out_of_range} outside the time range" if n_out_of_range else ""),
        f"exposure {exposure:.1f} s in {len(intervals)} interval(s) (each file: first to last photon, "
        "less silences; the time between files is not exposure)",
        f"pointing RA {ra0:.3f}, Dec {dec0:.3f} deg ({pointing_source}); "
        f"{nx}x{ny} pixels of {pixel_deg:g} deg; field kept: the central {field:g} deg circle "
        f"(flat exposure; the 9.1 deg square's edges are blurred and its roll unknown), "
        f"{n_in_field} photons inside it",
        f"observer: {where} at the middle of the exposure {t_mid.isot[:19]} "
        "(erfa moon98 + IAU lunar rotation model; no download)",
    ]
    gaps = [g for e in events for g in e.gaps]
    if gaps:
        notes.append(f"{len(gaps)} silence(s) inside files left out of the exposure")
    paths = [e.path for e in events]
    h = hashlib.sha256()
    for e in events:
        h.update(str(e.path.name).encode())
        h.update(str(e.n_events).encode())
    prov = {
        "format": FORMAT,
        "files": [str(q) for q in paths],
        "n_files": len(paths),
        "n_events": n_rows,
        "n_valid": int(valid.sum()),
        "n_binned": kept,
        "n_in_field": n_in_field,
        "masked": masked,
        "outside_time_range": n_out_of_range,
        "intervals_unix": [list(x) for x in intervals],
        "exposure_s": exposure,
        "time_mid": t_mid.isot,
        "pointing_deg": [ra0, dec0],
        "pointing_source": pointing_source,
        "pixel_deg": pixel_deg,
        "field_deg": field,
        "observer": observer,
        "observer_site_deg": list(BLUE_GHOST_1_SITE) if observer == "site" else None,
        "selection_digest": h.hexdigest()[:16],
        "source": "github.com/Lexi-BU/lexi_data_analysis data/level_1c (NASA LEXI, Boston University)",
        "notes": notes,
    }
    label = name or (str(paths[0]) if len(paths) == 1 else str(paths[0].parent))
    return ObservedImage(
        path=Path(label),
        image=counts,
        units="count",
        wcs=wcs,
        time_start=t_start,
        time_end=t_end,
        exposure_s=exposure,
        position_re=np.asarray(pos, dtype=float).reshape(3),
        aim_re=np.asarray(aim, dtype=float).reshape(3),
        instrument="lexi",
        band_kev=tuple(inst.band_kev),
        maps={"CTSMAP": counts, "VIGMAP": vig, "EXPMAP": vig * exposure},
        header={"INSTRUME": "LEXI", "ORIGIN": "NASA LEXI / Boston University", "FILES": len(paths)},
        format=FORMAT,
        notes=tuple(notes),
        provenance=prov,
    )


def load_lexi(spec, **kwargs) -> ObservedImage:
    """:func:`bin_lexi` of a file, a folder, a glob or a list of them (``kwargs`` as bin_lexi)."""
    return bin_lexi(lexi_files(spec), **kwargs)
