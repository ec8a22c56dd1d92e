"""Stacking per-minute SXI level-3 files into the team's combined product (SCI-CXF).

The method is the SXI team's (swharton1/SXI_L3 ``rebin_file_spatially.py``, ``rebin_files.py``,
``rebin_funcs.py``, ``quality_flag.py``), followed step by step:

- spatial binning by whole blocks of native pixels: counts and backgrounds (CTSMAP, BKGMAP,
  XBMAP, PSMAP, PBMAP, CLMAP, SPMAP) are *summed* over a block (``rebin_sum``), the vignetting
  VIGMAP is *averaged* (``rebin_mean``); the field must hold a whole number of blocks;
- temporal stacking: counts and backgrounds add over the minutes (``rebin_temporally``);
- CXFOV = (CTSMAP − BKGMAP) / VIGMAP and ERRFOV = sqrt(CTSMAP) (the team's "for now" error:
  Poisson error of the counts), computed after stacking and binning;
- header: POS/AIM, RA/DEC, EMIN/EMAX from the first minute; DATE-OBS of the first minute,
  DATE-END of the last; EXPOS the total; CRVAL1/2 unchanged, CDELT1/2 × the block size;
- QF = ``calc_quality_flag``: λ = |atan((AIM_X − POS_X)/sqrt(POS_Y² + POS_Z²))| gives 0
  (λ ≤ 25°), 1 (≤ 50°) or 2, plus the count rate ΣCXFOV/EXPOS: 0 (≥ 150 /s), 1 (≥ 75 /s) or 2.

Where we differ, and why:

- VIGMAP over time: the team takes the first minute's map ("assumes that the vignetting map
  doesn't change"). We default to the exposure-weighted mean Σ tᵢ Vᵢ / Σ tᵢ, which is the same
  map when that assumption holds and otherwise the effective vignetting of the summed counts
  (E[ΣCᵢ] = F Σ tᵢ Vᵢ). ``vignetting="first"`` reproduces the team exactly.
- Pixels with VIGMAP ≤ 0 (or not finite) get CXFOV = NaN, not ±inf; ΣCXFOV in QF skips them.
- Minutes are checked before they are mixed: a minute lacking TOT, BKG or VCY, a minute whose
  pointing (POS or the AIM − POS direction) or pixel grid differs from the interval's
  reference, and a file whose data are bad are left out and reported (:class:`L3Problem`);
  the team's code assumes all minutes match.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from astropy.time import Time

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.observed import BACKGROUND_PARTS, ObservedImage, _team_pixel_angles
from smile_viewer.io.sxi_l3 import L3Minute, L3Problem, L3Series, scan_l3
from smile_viewer.io.sxi_l3_combined import CombinedL3, combined_filename, read_stack_size, write_combined_l3

__all__ = [
    "VIGNETTING_MODES",
    "StackInterval",
    "StackResult",
    "StackRun",
    "combined_to_observed",
    "interval_at",
    "missing_minute_problems",
    "plan_intervals",
    "quality_flag_l3",
    "rebin_mean",
    "rebin_sum",
    "stack_minutes",
    "stack_series",
    "write_stacks",
]

#: How the minutes' VIGMAPs are combined: exposure-weighted mean (default) or the first's (the team).
VIGNETTING_MODES = ("exposure-weighted", "first")
#: Maps summed over time and blocks.
SUMMED = ("CTSMAP", "BKGMAP", *BACKGROUND_PARTS)


def _check_blocks(shape, binning) -> tuple[int, int]:
    bx, by = (int(b) for b in binning)
    if bx < 1 or by < 1:
        raise UserInputError(f"binning {bx}x{by}: both factors must be whole numbers >= 1")
    ny, nx = shape
    if nx % bx or ny % by:
        raise UserInputError(
            f"binning {bx}x{by} does not divide the {nx}x{ny} pixel field (NAXIS1 x NAXIS2) into whole blocks"
        )
    return bx, by


def rebin_sum(a: np.ndarray, binning=(1, 1)) -> np.ndarray:
    """Sum over blocks of ``binning`` = (bx along axis 1 / columns, by along axis 2 / rows)."""
    bx, by = _check_blocks(a.shape, binning)
    ny, nx = a.shape
    return a.reshape(ny // by, by, nx // bx, bx).sum(axis=(1, 3))


def rebin_mean(a: np.ndarray, binning=(1, 1)) -> np.ndarray:
    """Mean over blocks of ``binning`` (as :func:`rebin_sum`)."""
    bx, by = _check_blocks(a.shape, binning)
    return rebin_sum(a, (bx, by)) / (bx * by)


def quality_flag_l3(aim_re, position_re, exposure_s: float, cxfov) -> int:
    """The SXI team's quality flag of a stacked image (SXI_L3 ``quality_flag.calc_quality_flag``,
    module docstring); ΣCXFOV over the finite pixels."""
    aim = np.asarray(aim_re, dtype=float)
    pos = np.asarray(position_re, dtype=float)
    rho = math.hypot(pos[1], pos[2])
    lam = 90.0 if rho == 0 else abs(math.degrees(math.atan((aim[0] - pos[0]) / rho)))
    ps = 0 if lam <= 25 else (1 if lam <= 50 else 2)
    rate = float(np.nansum(np.where(np.isfinite(cxfov), cxfov, np.nan))) / float(exposure_s)
    pc = 0 if rate >= 150 else (1 if rate >= 75 else 2)
    return ps + pc


# ---------------------------------------------------------------------------- intervals


@dataclass(frozen=True, eq=False)
class StackInterval:
    """Minutes [start, end) to stack: ``minutes`` those with files (complete or not),
    ``missing`` the starts of the minutes with no file at all."""

    start: datetime
    end: datetime
    minutes: tuple[L3Minute, ...]
    missing: tuple[datetime, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.start:%Y-%m-%dT%H:%M}–{self.end:%H:%M}"


def _floor_minute(t: datetime) -> datetime:
    return t.replace(second=0, microsecond=0)


def plan_intervals(series: L3Series, minutes: int, *, origin: datetime | None = None) -> list[StackInterval]:
    """Cut the series into intervals of ``minutes`` minutes.

    Intervals start at ``origin`` + k·minutes (default origin: 00:00 UTC of the first minute's
    day, so that 5-minute stacks start at :00, :05, …); only intervals holding at least one
    file are returned. A minute belongs to the interval its DATE-OBS falls in.
    """
    n = int(minutes)
    if n < 1:
        raise UserInputError(f"minutes = {minutes!r}: must be a whole number >= 1")
    if not len(series):
        return []
    step = timedelta(minutes=n)
    if origin is None:
        origin = series[0].start.replace(hour=0, minute=0, second=0, microsecond=0)
    buckets: dict[int, list[L3Minute]] = {}
    for m in series:
        k = math.floor((m.start - origin) / step)
        buckets.setdefault(k, []).append(m)
    out = []
    for k in sorted(buckets):
        a = origin + k * step
        have = {_floor_minute(m.start) for m in buckets[k]}
        missing = tuple(t for t in (a + timedelta(minutes=i) for i in range(n)) if t not in have)
        out.append(StackInterval(start=a, end=a + step, minutes=tuple(buckets[k]), missing=missing))
    return out


def missing_minute_problems(intervals: Sequence[StackInterval]) -> list[L3Problem]:
    """One problem per run of consecutive minutes with no file, inside the planned intervals."""
    times = sorted(t for iv in intervals for t in iv.missing)
    out: list[L3Problem] = []
    i = 0
    while i < len(times):
        j = i
        while j + 1 < len(times) and times[j + 1] - times[j] == timedelta(minutes=1):
            j += 1
        a, b = times[i], times[j] + timedelta(minutes=1)
        n = j - i + 1
        what = f"minute {a:%Y-%m-%dT%H:%M}" if n == 1 else f"minutes {a:%Y-%m-%dT%H:%M}–{b:%H:%M} ({n})"
        out.append(L3Problem(what, "no TOT/BKG/VCY files: missing from the stack"))
        i = j + 1
    return out


# ---------------------------------------------------------------------------- stacking


@dataclass(frozen=True, eq=False)
class StackResult:
    """The stack of one interval: ``product`` (None when no minute could be used), the minutes
    used and the problems met (one per file left out)."""

    interval: StackInterval | None
    product: CombinedL3 | None
    used: tuple[L3Minute, ...]
    problems: tuple[L3Problem, ...] = ()


def _angle_deg(u, v) -> float:
    """Angle between two unit 3-vectors (tuples) [deg], accurate for small angles."""
    cx = (u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
    return math.degrees(math.atan2(math.hypot(*cx), u[0] * v[0] + u[1] * v[1] + u[2] * v[2]))


def _close(a, b, atol: float, rtol: float = 0.0) -> bool:
    return all(abs(x - y) <= atol + rtol * abs(y) for x, y in zip(a, b))


def _mismatch(a: L3Minute, ref: L3Minute, tol_deg: float, tol_re: float) -> str:
    """'' when minute ``a`` may be stacked with ``ref`` (same grid and band, pointing within the
    tolerances), else what differs. Plain floats: called O(n²) times for n minutes."""
    fa, fr = a.reference, ref.reference
    if (
        fa.shape != fr.shape
        or not _close(fa.crval_deg, fr.crval_deg, 1e-9)
        or not _close(fa.cdelt_deg, fr.cdelt_deg, 0.0, 1e-9)
    ):
        return (
            f"pixel grid {fa.shape[1]}x{fa.shape[0]} CRVAL {fa.crval_deg} CDELT {fa.cdelt_deg} differs from "
            f"{fr.shape[1]}x{fr.shape[0]} CRVAL {fr.crval_deg} CDELT {fr.cdelt_deg}"
        )
    for k in ("EMIN", "EMAX"):
        if (
            k in fa.keys
            and k in fr.keys
            and not math.isclose(fa.keys[k], fr.keys[k], rel_tol=1e-9, abs_tol=1e-12)
        ):
            return f"{k} {fa.keys[k]:g} keV differs from {fr.keys[k]:g} keV"
    pa, pr = fa.position_re.tolist(), fr.position_re.tolist()
    dpos = math.dist(pa, pr)
    ang = _angle_deg(fa.look_direction.tolist(), fr.look_direction.tolist())
    if dpos > tol_re or ang > tol_deg:
        return (
            f"pointing differs: POS {dpos:.4g} R_E and look direction (AIM − POS) {ang:.4g}° from the "
            f"reference (tolerances {tol_re:g} R_E, {tol_deg:g}°)"
        )
    return ""


def _select(minutes: Sequence[L3Minute], tol_deg: float, tol_re: float):
    """(used, problems): the largest group of complete minutes matching one reference minute
    (ties: the earliest reference); the others reported."""
    complete = [m for m in minutes if m.complete]
    if not complete:
        return [], []
    why = {id(m): _mismatch(m, complete[0], tol_deg, tol_re) for m in complete[1:]}
    ref = complete[0]
    if any(why.values()):  # not all match the first minute: find the largest matching group
        best, best_n = 0, -1
        for i, r in enumerate(complete):
            n = sum(1 for m in complete if m is r or not _mismatch(m, r, tol_deg, tol_re))
            if n > best_n:
                best, best_n = i, n
        ref = complete[best]
        why = {id(m): _mismatch(m, ref, tol_deg, tol_re) for m in complete if m is not ref}
    used, problems = [], []
    for m in complete:
        reason = why.get(id(m), "")
        if reason:
            for f in m.files.values():
                problems.append(
                    L3Problem(
                        str(f.path),
                        f"{reason} (reference minute {ref.reference.date_obs}): left out of the stack",
                    )
                )
        else:
            used.append(m)
    return used, problems


def _minute_label(m: L3Minute) -> str:
    """The team's per-minute folder name ``L3_<start>-<end>`` (rebin_files.py), end rounded up."""
    end = _floor_minute(m.end)
    if end < m.end:
        end += timedelta(minutes=1)
    return f"L3_{m.start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}"


def stack_minutes(
    minutes: Sequence[L3Minute],
    *,
    binning=(1, 1),
    vignetting: str = "exposure-weighted",
    pointing_tolerance_deg: float = 0.05,
    position_tolerance_re: float = 0.05,
    interval: StackInterval | None = None,
) -> StackResult:
    """Stack ``minutes`` and bin ``binning`` = (bx, by) native pixels (axis 1, axis 2) into one
    combined product (module docstring).

    Incomplete minutes, minutes whose grid/band/pointing differs from the reference (by more
    than ``pointing_tolerance_deg`` between look directions or ``position_tolerance_re``
    between positions) and files whose data cannot be read or are invalid are left out and
    listed in ``problems``. A binning that does not divide the field raises UserInputError.
    """
    if vignetting not in VIGNETTING_MODES:
        raise UserInputError(f"vignetting = {vignetting!r}: expected one of {', '.join(VIGNETTING_MODES)}")
    tol_deg, tol_re = float(pointing_tolerance_deg), float(position_tolerance_re)
    if not (tol_deg >= 0 and tol_re >= 0):
        raise UserInputError("pointing and position tolerances must be >= 0")
    selected, problems = _select(minutes, tol_deg, tol_re)
    if selected:
        _check_blocks(selected[0].reference.shape, binning)
    sums: dict[str, np.ndarray] = {}
    vig = None
    used: list[L3Minute] = []
    vig_differs = False
    for m in selected:
        try:
            data = m.load()
        except DataFileError as exc:
            problems.append(
                L3Problem(exc.path, f"{exc.problem}: minute {m.reference.date_obs} left out of the stack")
            )
            continue
        t = m.exposure_s
        for k in SUMMED:
            sums[k] = data[k] if k not in sums else sums[k] + data[k]
        v = data["VIGMAP"]
        if vig is None:
            vig = v * t if vignetting == "exposure-weighted" else v
            first_vig = v
        else:
            vig_differs = vig_differs or not np.array_equal(v, first_vig, equal_nan=True)
            if vignetting == "exposure-weighted":
                vig = vig + v * t
        used.append(m)
    if not used:
        where = interval.label if interval is not None else "stack"
        if not problems:
            problems.append(L3Problem(where, "no complete minute (TOT + BKG + VCY) to stack"))
        return StackResult(interval=interval, product=None, used=(), problems=tuple(problems))
    first, last = used[0].reference, used[-1].reference
    total = float(sum(m.exposure_s for m in used))
    bx, by = _check_blocks(first.shape, binning)
    maps = {k: rebin_sum(sums[k], (bx, by)) for k in SUMMED}
    if vignetting == "exposure-weighted":
        vig = vig / total
    maps["VIGMAP"] = rebin_mean(vig, (bx, by))
    with np.errstate(divide="ignore", invalid="ignore"):
        ok = np.isfinite(maps["VIGMAP"]) & (maps["VIGMAP"] > 0)
        maps["CXFOV"] = np.where(
            ok, (maps["CTSMAP"] - maps["BKGMAP"]) / np.where(ok, maps["VIGMAP"], 1.0), np.nan
        )
        maps["ERRFOV"] = np.sqrt(maps["CTSMAP"])
    notes = []
    if vig_differs:
        notes.append(f"VIGMAP differs between the minutes: combined {vignetting}")
    product = CombinedL3(
        maps=maps,
        date_obs=first.date_obs,
        date_end=last.date_end,
        start=first.start,
        end=last.end,
        exposure_s=total,
        position_re=first.position_re.copy(),
        aim_re=first.aim_re.copy(),
        crval_deg=first.crval_deg,
        cdelt_deg=(first.cdelt_deg[0] * bx, first.cdelt_deg[1] * by),
        binning=(bx, by),
        quality_flag=quality_flag_l3(first.aim_re, first.position_re, total, maps["CXFOV"]),
        vignetting=vignetting,
        sources=tuple(_minute_label(m) for m in used),
        keys=dict(first.keys),
        notes=tuple(notes),
    )
    return StackResult(interval=interval, product=product, used=tuple(used), problems=tuple(problems))


def stack_series(
    series: L3Series,
    *,
    minutes: int,
    binning=(1, 1),
    require_complete: bool = False,
    origin: datetime | None = None,
    **options,
) -> Iterator[StackResult]:
    """Stack every interval of ``minutes`` minutes of the series (:func:`plan_intervals`), one
    :class:`StackResult` each, in time order. With ``require_complete`` an interval with a
    missing, incomplete or left-out minute gives no product (reported). ``options`` go to
    :func:`stack_minutes`."""
    for iv in plan_intervals(series, minutes, origin=origin):
        if require_complete:
            bad = len(iv.missing) + sum(1 for m in iv.minutes if not m.complete)
            if bad:
                yield StackResult(
                    iv,
                    None,
                    (),
                    (
                        L3Problem(
                            iv.label,
                            f"{bad} of {minutes} minutes missing or "
                            "incomplete: not stacked (complete intervals only)",
                        ),
                    ),
                )
                continue
        res = stack_minutes(iv.minutes, binning=binning, interval=iv, **options)
        if require_complete and res.product is not None and len(res.used) < minutes:
            yield StackResult(
                iv,
                None,
                (),
                res.problems
                + (
                    L3Problem(
                        iv.label,
                        f"{minutes - len(res.used)} minutes left out: not stacked (complete intervals only)",
                    ),
                ),
            )
            continue
        yield res


def interval_at(
    series: L3Series, minutes: int, time: datetime, *, origin: datetime | None = None
) -> StackInterval | None:
    """The interval of :func:`plan_intervals` (same ``minutes`` and ``origin``) holding
    ``time`` (naive UTC), or None when no file of the series falls in it."""
    n = int(minutes)
    if n < 1:
        raise UserInputError(f"minutes = {minutes!r}: must be a whole number >= 1")
    if not len(series):
        return None
    step = timedelta(minutes=n)
    if origin is None:
        origin = series[0].start.replace(hour=0, minute=0, second=0, microsecond=0)
    a = origin + math.floor((time - origin) / step) * step
    times = series.times
    lo, hi = bisect.bisect_left(times, a), bisect.bisect_left(times, a + step)
    if lo == hi:
        return None
    inside = series.minutes[lo:hi]
    have = {_floor_minute(m.start) for m in inside}
    missing = tuple(t for t in (a + timedelta(minutes=i) for i in range(n)) if t not in have)
    return StackInterval(start=a, end=a + step, minutes=tuple(inside), missing=missing)


def combined_to_observed(product: CombinedL3, *, name: str = "<stack>"):
    """The stacked product as an :class:`~smile_viewer.io.observed.ObservedImage` (format
    "sxi-l3", as :func:`~smile_viewer.io.observed.load_observed` gives for the written file):
    image = CXFOV, every combined map, the team's pixel angles, no file needed (the GUI)."""
    path = Path(name)
    header = {
        "CRVAL1": product.crval_deg[0],
        "CRVAL2": product.crval_deg[1],
        "CDELT1": product.cdelt_deg[0],
        "CDELT2": product.cdelt_deg[1],
        "EXPOS": product.exposure_s,
        "DATE-OBS": product.date_obs,
        "DATE-END": product.date_end,
        "QF": product.quality_flag,
        "NMINUTES": product.n_minutes,
        **product.keys,
    }
    band = (product.keys["EMIN"], product.keys["EMAX"]) if {"EMIN", "EMAX"} <= set(product.keys) else None
    return ObservedImage(
        path=path,
        image=np.asarray(product.maps["CXFOV"], dtype=float),
        units="count",
        wcs=None,
        time_start=Time(product.start, scale="utc"),
        time_end=Time(product.end, scale="utc"),
        exposure_s=product.exposure_s,
        position_re=np.asarray(product.position_re, float),
        aim_re=np.asarray(product.aim_re, float),
        instrument="sxi",
        band_kev=band,
        maps={k: np.asarray(v, dtype=float) for k, v in product.maps.items()},
        header=header,
        format="sxi-l3",
        pixel_angles=_team_pixel_angles(header, product.shape, path),
        notes=product.notes,
        provenance={
            "path": name,
            "format": "sxi-l3 stack",
            "minutes": list(product.sources),
            "binning": list(product.binning),
            "vignetting": product.vignetting,
        },
    )


# ---------------------------------------------------------------------------- files


@dataclass
class StackRun:
    """What :func:`write_stacks` did: files written and skipped (complete already), problems."""

    written: list[Path] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)
    problems: list[L3Problem] = field(default_factory=list)
    intervals: int = 0


def write_stacks(
    inputs,
    out_dir,
    *,
    minutes: int,
    binning=(1, 1),
    require_complete: bool = False,
    origin: datetime | None = None,
    progress=None,
    **options,
) -> StackRun:
    """Scan ``inputs`` (files/directories of per-minute files), stack every interval and write
    one combined file per interval into ``out_dir`` (atomically, named as the team names them:
    :func:`~smile_viewer.io.sxi_l3_combined.combined_filename` of the interval's bounds).

    Resumable: an interval whose output already exists complete (every extension present and
    on disk) with at least as many minutes as can be stacked now is skipped without reading its
    inputs. ``progress(done, total)`` is called after each interval. Problems (per file, per
    missing minute run) are collected in the result, never raised; with no complete minute at
    all nothing is written. Raises UserInputError for a missing ``out_dir`` or input path and
    a binning that does not divide the field.
    """
    out = Path(out_dir).expanduser()
    if not out.is_dir():
        raise UserInputError(f"output directory {out} does not exist")
    series = scan_l3(inputs)
    run = StackRun(problems=list(series.problems))
    intervals = plan_intervals(series, minutes, origin=origin)
    run.intervals = len(intervals)
    run.problems.extend(missing_minute_problems(intervals))
    if not series.complete_minutes:
        return run  # nothing to stack: the problems say why
    _check_blocks(series.complete_minutes[0].reference.shape, binning)
    tol = (
        float(options.get("pointing_tolerance_deg", 0.05)),
        float(options.get("position_tolerance_re", 0.05)),
    )
    for i, iv in enumerate(intervals):
        ref = next((m.reference for m in iv.minutes if m.complete), None)
        if ref is not None:
            target = out / combined_filename(
                iv.start, iv.end, (ref.cdelt_deg[0] * binning[0], ref.cdelt_deg[1] * binning[1])
            )
            planned = len(_select(iv.minutes, *tol)[0])
            have = read_stack_size(target)
            if have is not None and have >= planned and not (require_complete and have < minutes):
                run.skipped.append(target)
                if progress is not None:
                    progress(i + 1, len(intervals))
                continue
        res = next(
            stack_series(
                L3Series(iv.minutes),
                minutes=minutes,
                binning=binning,
                require_complete=require_complete,
                origin=iv.start,
                **options,
            )
        )
        run.problems.extend(res.problems)
        if res.product is not None:
            run.written.append(write_combined_l3(target, res.product))
        if progress is not None:
            progress(i + 1, len(intervals))
    return run
