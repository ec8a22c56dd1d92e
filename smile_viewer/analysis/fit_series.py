"""Fit series over an orbit: every stacked SXI frame fitted, one row per frame.

:func:`plan_series` turns files and directories into frames: stacked products (SCI-CXF) and other
observed images are one frame each; per-minute level-3 files (SCI-TOT/BKG/VCY) are stacked on the
fly, ``minutes`` at a time and binned (:mod:`smile_viewer.analysis.stacking`).
:func:`run_fit_series` fits the frames on dask (a local cluster on 127.0.0.1 by default, a
scheduler address, or in this process), keeps one small JSON + NPZ per frame in a cache folder
(written atomically; a rerun skips the frames done with the same options and inputs) and returns
a :class:`FitSeries` (:meth:`FitSeries.write_csv`, :func:`plot_series`, :func:`write_frame_pngs`).
Per frame: time, position, aim, r_mp and its error, the SXI team's QF and QF2 and cusp test
(swharton1/SXI_L4_V1 ``quality_flag.py``, ``bayane_cusp.py`` as ``read_fits_result.py`` applies
it), count rates, C-stat, the fit-quality flags and the fit time. A bad frame gets a one-line
reason and the others go on. Options and outputs: docs/cli.md#fit-series.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import os
import time as _time
import uuid
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from astropy.time import Time

from smile_viewer.analysis.stacking import (
    combined_to_observed,
    missing_minute_problems,
    plan_intervals,
    stack_minutes,
)
from smile_viewer.compute.cluster import dask_client
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.atomic import atomic_path, atomic_write_text, check_output_path, output_directory
from smile_viewer.io.checked_file import collect_files
from smile_viewer.io.level4 import write_level4
from smile_viewer.io.observed import load_observed
from smile_viewer.io.sxi_l3 import open_l3_file, scan_l3
from smile_viewer.physics.boundaries.shue import Shue1998Magnetopause
from smile_viewer.physics.models import LEVEL4_MODEL, fittable_models
from smile_viewer.physics.solar_wind import SolarWind

__all__ = [
    "COLUMNS",
    "FitSeries",
    "FitSeriesOptions",
    "FrameSpec",
    "SeriesPlan",
    "default_model",
    "fit_frame",
    "plan_series",
    "plot_series",
    "read_series",
    "run_fit_series",
    "shue_standoff",
    "team_cusp_test",
    "write_frame_pngs",
]

FRAME_SCHEMA = "smile-viewer fit-series frame 1"
#: CSV columns: (name, unit); the header writes ``name [unit]``.
COLUMNS = (
    ("time", "UTC"),
    ("time_end", "UTC"),
    ("status", ""),
    ("key", ""),
    ("pos_x", "R_E GSE"),
    ("pos_y", "R_E GSE"),
    ("pos_z", "R_E GSE"),
    ("aim_x", "R_E GSE"),
    ("aim_y", "R_E GSE"),
    ("aim_z", "R_E GSE"),
    ("model", ""),
    ("r_mp", "R_E"),
    ("r_mp_err", "R_E"),
    ("qf", ""),
    ("qf2", ""),
    ("cusp", ""),
    ("total_rate", "counts/s"),
    ("background_rate", "counts/s"),
    ("cnt_rate", "counts/s"),
    ("cstat", ""),
    ("dof", ""),
    ("cstat_per_dof", ""),
    ("fit_flags", ""),
    ("reliable", ""),
    ("fit_time", "s"),
    ("n_evals", ""),
    ("exposure", "s"),
    ("n_minutes", ""),
    ("frame_file", ""),
    ("source", ""),
    ("message", ""),
)
COLUMN_NAMES = tuple(c for c, _ in COLUMNS)
_NUMERIC = {
    "pos_x",
    "pos_y",
    "pos_z",
    "aim_x",
    "aim_y",
    "aim_z",
    "r_mp",
    "r_mp_err",
    "total_rate",
    "background_rate",
    "cnt_rate",
    "cstat",
    "cstat_per_dof",
    "fit_time",
    "exposure",
}
_INTEGER = {"qf", "qf2", "dof", "n_evals", "n_minutes"}
_BOOL = {"cusp", "reliable"}
_OBSERVED_SUFFIXES = (".fits", ".fit", ".fts", ".cdf")


def default_model() -> str:
    """The SXI team's level-4 model (CMEM2) when the registry offers it, else its first fittable model."""
    keys = list(fittable_models())
    return LEVEL4_MODEL if LEVEL4_MODEL in keys else keys[0]


def _check_model(model: str | None) -> str:
    if model is None:
        return default_model()
    key = str(model).strip().lower()
    keys = list(fittable_models())
    if key not in keys:
        raise UserInputError(f"model {model!r} cannot be fitted; choose from {', '.join(keys)}")
    return key


@dataclass(frozen=True)
class FitSeriesOptions:
    """How each frame is made and fitted. ``minutes`` and ``binning`` (native pixels along axis 1,
    axis 2) stack per-minute files; the rest go to :func:`~smile_viewer.analysis.fitting.fit_observation`."""

    model: str = ""
    free: tuple[str, ...] | None = None
    minutes: int = 5
    binning: tuple[int, int] = (1, 1)
    vignetting: str = "exposure-weighted"
    bin_factor: int | str = "auto"
    oversample: int | str = "auto"
    errors: str = "hessian"
    max_evals: int = 400
    backend: str = "cpu"

    def checked(self) -> FitSeriesOptions:
        """A copy with the model resolved (:func:`default_model` when empty) and values checked."""
        if int(self.minutes) < 1:
            raise UserInputError(f"minutes = {self.minutes}: at least 1")
        if len(self.binning) != 2 or min(int(b) for b in self.binning) < 1:
            raise UserInputError(f"binning {self.binning}: two whole numbers >= 1")
        if self.errors not in ("hessian", "profile", "none"):
            raise UserInputError(f"errors = {self.errors!r}: expected hessian, profile or none")
        return FitSeriesOptions(
            **{
                **asdict(self),
                "model": _check_model(self.model or None),
                "free": None if self.free is None else tuple(self.free),
                "binning": tuple(int(b) for b in self.binning),
            }
        )

    def fingerprint(self) -> dict:
        d = asdict(self)
        d["free"] = list(self.free) if self.free is not None else None
        d["binning"] = list(self.binning)
        return d


@dataclass(frozen=True)
class FrameSpec:
    """One frame to fit (small, picklable): ``kind`` "file" (one observed/stacked file) or
    "minutes" (per-minute files stacked by the worker); ``inputs``: (path, size, mtime_ns) of
    each input, so that a changed input is refitted."""

    index: int
    key: str
    kind: str
    paths: tuple[str, ...]
    label: str
    inputs: tuple = ()


@dataclass
class SeriesPlan:
    frames: list[FrameSpec] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _stat(p: Path) -> tuple:
    st = p.stat()
    return (str(p.resolve()), int(st.st_size), int(st.st_mtime_ns))


def plan_series(inputs, *, minutes: int = 5) -> SeriesPlan:
    """The frames of ``inputs`` (files or directories), in time order for per-minute files.

    Per-minute TOT/BKG/VCY files (recognised as :func:`~smile_viewer.io.sxi_l3.open_l3_file`
    does, with no CTSMAP extension) are grouped into intervals of ``minutes`` minutes
    (:func:`~smile_viewer.analysis.stacking.plan_intervals`); any other FITS or CDF file is one
    frame. Files that are neither, intervals with no complete minute and missing minutes are
    listed in ``problems`` (one line each). Raises UserInputError when nothing can be fitted.
    """
    paths = sorted(collect_files(inputs, _OBSERVED_SUFFIXES))
    if not paths:
        shown = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
        raise UserInputError(f"no FITS or CDF files in {', '.join(map(str, shown))}")
    plan = SeriesPlan()
    minute_paths: list[Path] = []
    observed: list[Path] = []
    for p in paths:
        if p.suffix.lower() == ".cdf":
            observed.append(p)
            continue
        try:
            f = open_l3_file(p)
        except DataFileError as exc:
            text = str(exc.problem)
            if "stacked SCI-CXF" in text or "cannot tell its product" in text:
                observed.append(p)
            else:
                plan.problems.append(f"{p}: {text}")
            continue
        if any(h.name == "CTSMAP" for h in f.hdus[1:]):
            observed.append(p)
        else:
            minute_paths.append(p)
    keys: set[str] = set()
    for p in observed:
        key = p.stem
        while key in keys:
            key += "_"
        keys.add(key)
        plan.frames.append(
            FrameSpec(index=0, key=key, kind="file", paths=(str(p),), label=p.name, inputs=(_stat(p),))
        )
    if minute_paths:
        series = scan_l3(minute_paths)
        plan.problems.extend(str(q) for q in series.problems)
        intervals = plan_intervals(series, int(minutes))
        plan.problems.extend(str(q) for q in missing_minute_problems(intervals))
        for iv in intervals:
            if not any(m.complete for m in iv.minutes):
                plan.problems.append(f"{iv.label}: no complete minute (TOT + BKG + VCY): no frame")
                continue
            files = tuple(p for m in iv.minutes for p in m.paths)
            key = f"stack_{iv.start:%Y%m%dT%H%M}-{iv.end:%Y%m%dT%H%M}"
            plan.frames.append(
                FrameSpec(
                    index=0,
                    key=key,
                    kind="minutes",
                    paths=tuple(str(p) for p in files),
                    label=iv.label,
                    inputs=tuple(_stat(p) for p in files),
                )
            )
    plan.frames = [
        FrameSpec(index=i, key=s.key, kind=s.kind, paths=s.paths, label=s.label, inputs=s.inputs)
        for i, s in enumerate(plan.frames)
    ]
    if not plan.frames:
        raise UserInputError(
            "nothing to fit: "
            + (
                "; ".join(plan.problems[:3])
                if plan.problems
                else "no observed image or per-minute level-3 file"
            )
        )
    return plan


# ---------------------------------------------------------------------------- one frame


def team_cusp_test(cxfov) -> bool:
    """The SXI team's cusp test on a CXFOV image in their layout (rows θ, columns φ):
    swharton1/SXI_L4_V1 ``bayane_cusp.test2_is_cusp`` (from B. Mdw's dynamic time integration
    method), as ``read_fits_result.py`` applies it to the level-4 CXFOV: the peak-to-peak of the
    row means (mean over columns) ≥ that of the column means (mean over rows). Non-finite pixels
    are left out of the means (the team's numpy means would give NaN and hence False)."""
    a = np.asarray(cxfov, dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN row or column: its mean is NaN
        rows = np.nanmean(a, axis=1)
        cols = np.nanmean(a, axis=0)
    theta_pic = float(np.nanmax(rows) - np.nanmin(rows)) if np.isfinite(rows).any() else math.nan
    phi_pic = float(np.nanmax(cols) - np.nanmin(cols)) if np.isfinite(cols).any() else math.nan
    return bool(theta_pic >= phi_pic)


def load_frame(spec: FrameSpec, options: FitSeriesOptions):
    """(ObservedImage, notes) of a frame: the file read, or its minutes stacked."""
    if spec.kind == "file":
        return load_observed(spec.paths[0]), []
    series = scan_l3(list(spec.paths))
    res = stack_minutes(series.minutes, binning=options.binning, vignetting=options.vignetting)
    notes = [str(q) for q in (*series.problems, *res.problems)]
    if res.product is None:
        raise DataFileError(spec.label, notes[0] if notes else "no minute could be stacked")
    return combined_to_observed(res.product, name=spec.key), notes


def _n_minutes(obs) -> int | None:
    try:
        return int(obs.header["NMINUTES"])
    except (TypeError, KeyError, ValueError):
        return None


def _iso(t) -> str:
    return t.utc.isot if t is not None else ""


@dataclass
class FrameOutcome:
    """What a worker returns: ``record`` (a CSV row), ``result`` (the fit's JSON dict),
    ``arrays`` (binned observed and fitted counts, mask), ``level4`` (a Level4File) or ``error``."""

    spec: FrameSpec
    record: dict
    result: dict | None = None
    arrays: dict | None = None
    level4: Any = None
    error: str = ""


def _failed(spec: FrameSpec, message: str) -> FrameOutcome:
    rec = {"status": "failed", "key": spec.key, "source": spec.label, "message": message}
    return FrameOutcome(spec=spec, record=rec, error=message)


def fit_frame(spec: FrameSpec, options: FitSeriesOptions, *, level4: bool = False) -> FrameOutcome:
    """Load (or stack) one frame and fit it; never raises for bad data or a failed fit: the
    outcome's ``error`` holds one line. ``level4``: also return the level-4 product."""
    # lazy: the fitter (scipy.optimize, ~0.5 s) loads at the first fit; the GUI's series view
    # imports this module for its colours and times
    from smile_viewer.analysis.fit_level4 import level4_from_fit
    from smile_viewer.analysis.fitting import fit_observation

    try:
        obs, notes = load_frame(spec, options)
        res = fit_observation(
            obs,
            options.model,
            free=options.free,
            bin_factor=options.bin_factor,
            oversample=options.oversample,
            errors=options.errors,
            max_evals=int(options.max_evals),
            backend=options.backend,
        )
        l4 = level4_from_fit(res)
    except (UserInputError, DataFileError) as exc:
        return _failed(spec, " ".join(str(exc).split()))
    except Exception as exc:  # noqa: BLE001 - one bad frame must not stop the series
        return _failed(spec, f"{type(exc).__name__}: {' '.join(str(exc).split())}")
    fwd = res.forward
    valid = np.asarray(fwd.fine_valid, dtype=bool)
    t = float(fwd.exposure_s)
    q = res.quality
    per_dof = (
        q.cstat.per_dof
        if (q is not None and q.cstat is not None)
        else (res.cstat / res.dof if res.dof > 0 else math.nan)
    )
    rec = {
        "time": _iso(obs.time_start),
        "time_end": _iso(obs.time_end),
        "status": "ok",
        "key": spec.key,
        **{f"pos_{c}": float(v) for c, v in zip("xyz", l4.position_re)},
        **{f"aim_{c}": float(v) for c, v in zip("xyz", l4.aim_re)},
        "model": res.model_name,
        "r_mp": float(res.subsolar_re),
        "r_mp_err": float(res.subsolar_err_re),
        "qf": int(l4.qf),
        "qf2": int(l4.qf2),
        "cusp": team_cusp_test(l4.cxfov),
        "total_rate": float(np.sum(np.asarray(fwd.fine_counts)[valid])) / t,
        "background_rate": float(np.sum(np.asarray(fwd.fine_background)[valid])) / t,
        "cnt_rate": float(l4.count_rate),
        "cstat": float(res.cstat),
        "dof": int(res.dof),
        "cstat_per_dof": float(per_dof),
        "fit_flags": ";".join(f.code for f in res.flags),
        "reliable": bool(res.reliable),
        "fit_time": float(res.time_s),
        "n_evals": int(res.n_evals),
        "exposure": t,
        "n_minutes": _n_minutes(obs),
        "source": spec.label,
        "message": "; ".join(notes)[:300],
    }
    arrays = {
        "observed": np.asarray(fwd.data, dtype=np.float32),
        "fitted": np.asarray(res.expected, dtype=np.float32),
        "mask": np.asarray(fwd.mask, dtype=bool),
    }
    return FrameOutcome(
        spec=spec, record=rec, result=res.to_dict(), arrays=arrays, level4=l4 if level4 else None
    )


# ---------------------------------------------------------------------------- the frame cache


def _fingerprint(spec: FrameSpec, options: FitSeriesOptions) -> dict:
    return {"options": options.fingerprint(), "inputs": [list(i) for i in spec.inputs], "kind": spec.kind}


def _cached(frames_dir: Path, spec: FrameSpec, options: FitSeriesOptions) -> dict | None:
    """The cached record of a frame done with the same options and inputs, else None."""
    jpath, npath = frames_dir / f"{spec.key}.json", frames_dir / f"{spec.key}.npz"
    if not (jpath.is_file() and npath.is_file()):
        return None
    try:
        data = json.loads(jpath.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("schema") != FRAME_SCHEMA:
        return None
    if data.get("fingerprint") != json.loads(json.dumps(_fingerprint(spec, options))):
        return None
    rec = data.get("record")
    return rec if isinstance(rec, dict) else None


def _write_cache(frames_dir: Path, out: FrameOutcome, options: FitSeriesOptions) -> None:
    with atomic_path(frames_dir / f"{out.spec.key}.npz") as tmp, open(tmp, "wb") as fh:
        np.savez_compressed(fh, **out.arrays)
    doc = {
        "schema": FRAME_SCHEMA,
        "fingerprint": _fingerprint(out.spec, options),
        "record": out.record,
        "fit": out.result,
    }
    atomic_write_text(frames_dir / f"{out.spec.key}.json", json.dumps(_clean(doc), indent=1) + "\n")


def _clean(v):
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, (np.floating, float)):
        return float(v) if math.isfinite(float(v)) else None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v


# ---------------------------------------------------------------------------- the series


@dataclass
class FitSeries:
    """Rows of a fit series (dicts keyed by :data:`COLUMN_NAMES`, numbers as numbers), in time
    order (failed frames after the others), and the folder of the per-frame results."""

    records: list[dict]
    frames_dir: Path | None = None
    problems: list[str] = field(default_factory=list)
    n_fitted: int = 0
    n_cached: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> list[dict]:
        return [r for r in self.records if r.get("status") == "ok"]

    @property
    def failures(self) -> list[tuple[str, str]]:
        """(frame, one-line reason) of every frame that could not be fitted."""
        return [
            (r.get("source") or r.get("key", ""), r.get("message", ""))
            for r in self.records
            if r.get("status") != "ok"
        ]

    def times(self):
        """DATE-OBS of the fitted frames (astropy Time; None when there are none)."""
        t = [r["time"] for r in self.ok]
        return Time(t, scale="utc") if t else None

    def column(self, name: str) -> np.ndarray:
        """One numeric column over the fitted frames (NaN where empty)."""
        return np.array([_as_float(r.get(name)) for r in self.ok], dtype=float)

    def frame_arrays(self, record: dict) -> dict[str, np.ndarray] | None:
        """Observed and fitted counts per bin and the residual (data − model)/sqrt(model) of a
        frame, NaN outside the fitted bins; None when its NPZ is missing or unreadable."""
        if self.frames_dir is None or record.get("status") != "ok":
            return None
        path = self.frames_dir / f"{record['key']}.npz"
        try:
            with np.load(path) as z:
                obs, fit, mask = (np.asarray(z[k]) for k in ("observed", "fitted", "mask"))
        except (OSError, KeyError, ValueError):
            return None
        obs = np.where(mask, obs.astype(float), np.nan)
        fit = np.where(mask, fit.astype(float), np.nan)
        with np.errstate(invalid="ignore", divide="ignore"):
            res = np.where(mask & (fit > 0), (obs - fit) / np.sqrt(fit), np.nan)
        return {"observed": obs, "fitted": fit, "residual": res}

    def write_csv(self, path) -> Path:
        """The rows as CSV (``name [unit]`` header), written atomically."""
        target = check_output_path(path)
        base = target.resolve().parent
        buf = io.StringIO()
        wr = csv.writer(buf, lineterminator="\n")
        wr.writerow([f"{n} [{u}]" if u else n for n, u in COLUMNS])
        for r in self.records:
            row = dict(r)
            if self.frames_dir is not None and r.get("status") == "ok":
                row["frame_file"] = os.path.relpath(self.frames_dir.resolve() / f"{r['key']}.json", base)
            wr.writerow([_cell(row.get(n)) for n in COLUMN_NAMES])
        return atomic_write_text(target, buf.getvalue())


def _as_float(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return math.nan


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, float):
        return "" if not math.isfinite(v) else f"{v:.6g}"
    return str(v)


def _sort(records: list[dict]) -> list[dict]:
    return sorted(records, key=lambda r: (r.get("status") != "ok", r.get("time") or "", r.get("key", "")))


def read_series(path, *, frames_dir=None) -> FitSeries:
    """A fit-series CSV (as :meth:`FitSeries.write_csv` writes it) with its per-frame results:
    ``frames_dir`` (default: the folder named by the rows' ``frame_file``). One-line
    DataFileError for a file that is not such a CSV."""
    p = Path(path).expanduser()
    if not p.is_file():
        raise UserInputError(f"{p}: no such file")
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataFileError(p, f"cannot be read as text ({exc})") from None
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        raise DataFileError(p, "is empty: not a fit-series CSV")
    names = [h.split(" [")[0].strip() for h in rows[0]]
    missing = [n for n in ("time", "status", "key", "r_mp", "r_mp_err", "qf") if n not in names]
    if missing:
        raise DataFileError(p, f"is not a fit-series CSV (no {', '.join(missing)} column)")
    records = []
    for i, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(names):
            raise DataFileError(p, f"line {i} has {len(row)} fields, the header {len(names)}")
        rec: dict[str, Any] = {}
        for n, v in zip(names, row):
            if n in _NUMERIC:
                rec[n] = _as_float(v) if v != "" else math.nan
            elif n in _INTEGER:
                rec[n] = int(float(v)) if v not in ("",) else None
            elif n in _BOOL:
                rec[n] = v == "1" if v != "" else None
            else:
                rec[n] = v
        records.append(rec)
    fdir = Path(frames_dir).expanduser() if frames_dir is not None else None
    if fdir is None:
        ff = next((r.get("frame_file") for r in records if r.get("frame_file")), None)
        if ff:
            fdir = (p.resolve().parent / ff).parent
    return FitSeries(records=_sort(records), frames_dir=fdir)


# ---------------------------------------------------------------------------- running


def run_fit_series(
    inputs,
    frames_dir,
    *,
    options: FitSeriesOptions | None = None,
    l4_dir=None,
    scheduler: str | None = None,
    n_workers: int | None = None,
    processes: bool = True,
    client=None,
    in_process: bool = False,
    progress: Callable[[int, int], Any] | None = None,
) -> FitSeries:
    """Fit every frame of ``inputs`` (:func:`plan_series`) and return the :class:`FitSeries`.

    ``frames_dir``: the per-frame cache (created if missing; its parent must exist): a frame
    whose JSON + NPZ exist there for the same options and unchanged inputs is not refitted.
    ``l4_dir``: also write ``<frame>_L4.fits`` per frame (the SXI team's level-4 layout).
    Where the fits run: ``client`` (a dask Client), else ``scheduler`` (an address), else a new
    LocalCluster of ``n_workers`` single-threaded workers (default: one per core), or with
    ``in_process`` this process, one frame after the other. ``progress(done, total)`` after each
    frame. Bad frames are records with status "failed" and a one-line message.
    """
    t0 = _time.perf_counter()
    opts = (options or FitSeriesOptions()).checked()
    fdir = output_directory(frames_dir, "frames folder")
    l4 = Path(l4_dir).expanduser() if l4_dir is not None else None
    if l4 is not None and not l4.is_dir():
        raise UserInputError(f"level-4 folder {l4} does not exist")
    plan = plan_series(inputs, minutes=opts.minutes)
    series = FitSeries(records=[], frames_dir=fdir, problems=list(plan.problems))
    todo: list[FrameSpec] = []
    for spec in plan.frames:
        rec = _cached(fdir, spec, opts)
        if rec is not None and (l4 is None or (l4 / f"{spec.key}_L4.fits").is_file()):
            series.records.append(rec)
            series.n_cached += 1
        else:
            todo.append(spec)
    total, done = len(plan.frames), series.n_cached
    if progress is not None and done:
        progress(done, total)

    def accept(out: FrameOutcome) -> None:
        nonlocal done
        if not out.error and l4 is not None and out.level4 is not None:
            try:
                write_level4(out.level4, l4 / f"{out.spec.key}_L4.fits")
            except (UserInputError, ValueError, OSError) as exc:
                out = _failed(out.spec, f"level-4 file not written: {' '.join(str(exc).split())}")
        if not out.error:
            _write_cache(fdir, out, opts)
            series.n_fitted += 1
        series.records.append(out.record)
        done += 1
        if progress is not None:
            progress(done, total)

    want_l4 = l4 is not None
    if todo and in_process:
        for spec in todo:
            accept(fit_frame(spec, opts, level4=want_l4))
    elif todo:
        ctx = (
            contextlib.nullcontext(client)
            if client is not None
            else dask_client(scheduler, n_workers, processes, len(todo), what="fit series on dask")
        )
        with ctx as cl:
            # lazy: dask.distributed costs ~0.7 s; only multi-process runs need it
            from dask.distributed import as_completed

            token = uuid.uuid4().hex[:8]
            futures = [
                cl.submit(fit_frame, s, opts, level4=want_l4, key=f"smile-fit-{s.key}-{token}", pure=False)
                for s in todo
            ]
            by_key = {f.key: s for f, s in zip(futures, todo)}
            try:
                for fut in as_completed(futures):
                    spec = by_key[fut.key]
                    try:
                        out = fut.result()
                    except Exception as exc:  # noqa: BLE001 - a worker died: record it, go on
                        out = _failed(spec, f"{type(exc).__name__}: {' '.join(str(exc).split())}")
                    accept(out)
                    fut.release()
            except BaseException:
                cl.cancel(futures)
                raise
    series.records = _sort(series.records)
    series.seconds = _time.perf_counter() - t0
    return series


# ---------------------------------------------------------------------------- plots


def shue_standoff(times, solar_wind=None) -> tuple[np.ndarray, str]:
    """Shue et al. (1998) subsolar magnetopause [R_E] at ``times`` (astropy Time, array) from
    ``solar_wind`` (a SolarWindSeries, e.g. :func:`smile_viewer.io.omni.read_solar_wind`; NaN
    where it has a gap; None: the default solar wind) and a label saying which."""
    n = len(times) if times is not None else 0
    if solar_wind is None:
        sw = SolarWind()
        r0 = float(Shue1998Magnetopause.standoff_array(sw.pd_npa, sw.bz_nt))
        return np.full(n, r0), (
            f"Shue 1998, default solar wind (n {sw.n_cm3:g} cm$^{{-3}}$, "
            f"v {sw.speed_km_s:g} km/s, Bz {sw.bz_nt:g} nT)"
        )
    pd, bz = np.full(n, np.nan), np.full(n, np.nan)
    for i in range(n):
        try:
            sw = solar_wind.at(times[i])
        except UserInputError:
            continue
        pd[i], bz[i] = sw.pd_npa, sw.bz_nt
    name = getattr(solar_wind, "source", None) or "solar-wind file"
    return Shue1998Magnetopause.standoff_array(pd, bz), f"Shue 1998 from {Path(str(name)).name}"


QF_COLORS = ("#1a9850", "#91cf60", "#fdae61", "#f46d43", "#d73027")


def plot_series(
    series: FitSeries, path, *, solar_wind=None, size_px: tuple[int, int] = (1200, 600), dpi: int = 100
) -> Path:
    """r_mp(t) with error bars coloured by the team's QF (0 best … 4), unreliable fits hollow,
    beside the Shue et al. (1998) standoff (:func:`shue_standoff`); PNG written atomically."""
    import matplotlib  # lazy: matplotlib costs ~1.2 s; only exported plots need it

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    target = check_output_path(path)
    ok = series.ok
    if not ok:
        raise UserInputError("no fitted frame to plot")
    times = series.times()
    dt = times.to_datetime()
    r, err = series.column("r_mp"), series.column("r_mp_err")
    fig = Figure(figsize=(size_px[0] / dpi, size_px[1] / dpi), dpi=dpi)
    ax = fig.add_subplot(1, 1, 1)
    handles = []
    for q in sorted({int(rec["qf"]) for rec in ok if rec.get("qf") is not None}):
        color = QF_COLORS[min(max(q, 0), len(QF_COLORS) - 1)]
        for reliable in (True, False):
            idx = [
                i
                for i, rec in enumerate(ok)
                if rec.get("qf") == q and bool(rec.get("reliable", True)) == reliable
            ]
            if not idx:
                continue
            e = np.where(np.isfinite(err[idx]), err[idx], 0.0)
            ax.errorbar(
                [dt[i] for i in idx],
                r[idx],
                yerr=e,
                fmt="o",
                color=color,
                ecolor=color,
                capsize=3,
                markerfacecolor=color if reliable else "none",
                markersize=5,
                linestyle="none",
            )
        handles.append(Line2D([], [], marker="o", color=color, linestyle="none", label=f"fit, QF {q}"))
    if any(not rec.get("reliable", True) for rec in ok):
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                color="grey",
                markerfacecolor="none",
                linestyle="none",
                label="flagged unreliable",
            )
        )
    shue, label = shue_standoff(times, solar_wind)
    (line,) = ax.plot(dt, shue, "-", color="black", lw=1.2, label=label)
    handles.append(line)
    ax.set_xlabel("time (UTC)")
    ax.set_ylabel("subsolar magnetopause r$_{mp}$ (R$_E$)")
    model = ok[0].get("model", "")
    ax.set_title(f"Fitted subsolar magnetopause ({model}, {len(ok)} frames)")
    ax.grid(True, alpha=0.3)
    ax.legend(handles=handles, loc="best", fontsize=8)
    fig.autofmt_xdate()
    fig.tight_layout()
    with atomic_path(target) as tmp:
        fig.savefig(tmp, format="png", dpi=dpi)
    return target


def write_frame_pngs(
    series: FitSeries, out_dir, *, size_px: tuple[int, int] = (960, 400), dpi: int = 100
) -> list[Path]:
    """One PNG per fitted frame (observed, fitted, residual; equal sizes, time order) in
    ``out_dir``, for a movie (:func:`smile_viewer.batch.make_movie`)."""
    import matplotlib  # lazy: matplotlib costs ~1.2 s; only exported plots need it

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    out = Path(out_dir)
    paths = []
    for k, rec in enumerate(series.ok):
        arrays = series.frame_arrays(rec)
        if arrays is None:
            continue
        fig = Figure(figsize=(size_px[0] / dpi, size_px[1] / dpi), dpi=dpi)
        vmax = float(np.nanmax(arrays["observed"])) if np.isfinite(arrays["observed"]).any() else 1.0
        panels = (
            ("observed", "magma", (0, vmax)),
            ("fitted", "magma", (0, vmax)),
            ("residual", "coolwarm", (-4, 4)),
        )
        for i, (name, cmap, lim) in enumerate(panels):
            ax = fig.add_subplot(1, 3, i + 1)
            im = ax.imshow(arrays[name], origin="upper", cmap=cmap, vmin=lim[0], vmax=lim[1])
            ax.set_title(name + (" (σ)" if name == "residual" else " (counts/bin)"), fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
            fig.colorbar(im, ax=ax, shrink=0.8)
        err = rec.get("r_mp_err")
        fig.suptitle(
            f"{rec.get('time', '')[:19]}  r_mp = {rec.get('r_mp', math.nan):.2f} ± "
            f"{err if err is not None else math.nan:.2f} R_E  QF {rec.get('qf')}",
            fontsize=10,
        )
        target = out / f"frame_{k:05d}.png"
        with atomic_path(target) as tmp:
            fig.savefig(tmp, format="png", dpi=dpi)
        paths.append(target)
    return paths


def frame_time(record: dict) -> datetime | None:
    """DATE-OBS of a record as a naive UTC datetime (None when it has none)."""
    text = record.get("time") or ""
    try:
        return datetime.fromisoformat(text[:26])
    except ValueError:
        return None


def frames_dir_for(csv_path) -> Path:
    """The default per-frame folder of a series CSV: ``<csv stem>_frames`` beside it."""
    p = Path(csv_path).expanduser()
    return p.with_name(p.stem + "_frames")
