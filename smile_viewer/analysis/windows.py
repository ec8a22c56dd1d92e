"""Pointing windows: when SXI and UVI observe under SMILE's operational constraints, what
SXI sees (magnetopause nose, cusps) and what limits each gap.

::

    from smile_viewer.analysis.windows import compute_windows
    ws = compute_windows("2026-06-01", "2026-06-08", step="1min")
    ws.write("windows.json"); ws.write("windows.csv"); ws.plot("timeline.png")

A window is a maximal run of epochs where every constraint of an instrument holds
(:mod:`smile_viewer.analysis.constraints`); a visibility row (``ws.visibility``) a run inside
an SXI window where a target is in the field; a gap (``ws.gaps``) a run between windows, with
the constraint that limits it. :func:`read_windows` reads the files back;
:func:`monthly_summary` gives observing hours per orbit by month.
Definitions and file layouts: docs/analysis.md#pointing-windows.
"""

from __future__ import annotations

import csv
import io
import json
import time as _time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy.time import Time

from smile_viewer import __version__
from smile_viewer.analysis.constraints import (
    CONSTRAINTS,
    TARGETS,
    ConstraintTable,
    MissionProfile,
    evaluate_constraints,
    load_profile,
)
from smile_viewer.coords.timeparse import parse_duration_s, parse_time, time_grid
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.atomic import atomic_path, atomic_write_text, check_output_path
from smile_viewer.io.checked_file import parse_json, read_text
from smile_viewer.mission.orbit import default_orbit

__all__ = [
    "CSV_COLUMNS",
    "SCHEMA",
    "Window",
    "WindowSet",
    "compute_windows",
    "find_gaps",
    "find_visibility",
    "find_windows",
    "monthly_summary",
    "plot_timeline",
    "read_windows",
]

SCHEMA = "smile-viewer windows 1"
INSTRUMENTS = ("sxi", "uvi")
#: Columns of the CSV file. ``kind``: "window", "visible" (a target in the SXI field during an
#: SXI window; ``target`` names it) or "gap" (``limited_by`` names the limiting constraint).
CSV_COLUMNS = (
    "instrument",
    "start",
    "end",
    "duration_s",
    "n_epochs",
    "started_by",
    "ended_by",
    "kind",
    "target",
    "limited_by",
    "quality_flag",
    "quality_flag_best",
    "lambda_min_deg",
    "lambda_max_deg",
)
#: The columns of files written before visibility rows and gaps (read as windows).
_CSV_COLUMNS_V0 = (
    "instrument",
    "start",
    "end",
    "duration_s",
    "n_epochs",
    "started_by",
    "ended_by",
    "quality_flag",
    "quality_flag_best",
    "lambda_min_deg",
    "lambda_max_deg",
)
KINDS = ("window", "visible", "gap")
START_OF_RANGE = "start_of_range"
END_OF_RANGE = "end_of_range"


def _iso(t: Time) -> str:
    return t.utc.isot  # millisecond precision


@dataclass(frozen=True)
class Window:
    """One window, visibility row or gap (``kind``; module docstring). ``start``/``end`` are
    scalar UTC ``Time``s (first and last epoch of the run). For a gap ``started_by`` and
    ``ended_by`` are the constraints failing at its first and last epoch and ``limited_by`` the
    one that limits it (:func:`find_gaps`)."""

    instrument: str
    start: Time
    end: Time
    duration_s: float
    n_epochs: int
    started_by: str
    ended_by: str
    quality_flag: int | None = None
    quality_flag_best: int | None = None
    lambda_min_deg: float | None = None
    lambda_max_deg: float | None = None
    kind: str = "window"
    target: str | None = None
    limited_by: str | None = None

    def contains(self, t) -> bool:
        """Whether ``t`` lies within [start, end]."""
        tt = t if isinstance(t, Time) else Time(t, scale="utc")
        return bool(self.start <= tt <= self.end)

    def to_dict(self) -> dict[str, Any]:
        return {
            "instrument": self.instrument,
            "start": _iso(self.start),
            "end": _iso(self.end),
            "duration_s": round(float(self.duration_s), 3),
            "n_epochs": int(self.n_epochs),
            "started_by": self.started_by,
            "ended_by": self.ended_by,
            "kind": self.kind,
            "target": self.target,
            "limited_by": self.limited_by,
            "quality_flag": self.quality_flag,
            "quality_flag_best": self.quality_flag_best,
            "lambda_min_deg": None if self.lambda_min_deg is None else round(float(self.lambda_min_deg), 4),
            "lambda_max_deg": None if self.lambda_max_deg is None else round(float(self.lambda_max_deg), 4),
        }

    @classmethod
    def from_dict(cls, d: dict, where="") -> Window:
        try:

            def opt_int(v):
                return None if v in (None, "") else int(v)

            def opt_float(v):
                return None if v in (None, "") else float(v)

            inst = str(d["instrument"]).strip().lower()
            if inst not in INSTRUMENTS:
                raise ValueError(f"unknown instrument {inst!r}")
            kind = str(d.get("kind") or "window").strip().lower()
            if kind not in KINDS:
                raise ValueError(f"unknown kind {kind!r}; use {', '.join(KINDS)}")
            target = d.get("target") or None
            if kind == "visible" and target not in TARGETS:
                raise ValueError(f"unknown target {target!r}; use {', '.join(TARGETS)}")
            return cls(
                instrument=inst,
                start=Time(str(d["start"]), scale="utc"),
                end=Time(str(d["end"]), scale="utc"),
                duration_s=float(d["duration_s"]),
                n_epochs=int(d["n_epochs"]),
                started_by=str(d.get("started_by", "")),
                ended_by=str(d.get("ended_by", "")),
                quality_flag=opt_int(d.get("quality_flag")),
                quality_flag_best=opt_int(d.get("quality_flag_best")),
                lambda_min_deg=opt_float(d.get("lambda_min_deg")),
                lambda_max_deg=opt_float(d.get("lambda_max_deg")),
                kind=kind,
                target=None if target is None else str(target),
                limited_by=d.get("limited_by") or None,
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise DataFileError(where or "windows", f"bad window record {d!r}: {exc}") from None


def _runs(ok: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and last index of each run of True."""
    d = np.diff(np.concatenate([[0], ok.astype(np.int8), [0]]))
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1) - 1


def _failing(table: ConstraintTable, names, i: int) -> str:
    bad = [nm for nm in names if not table.ok[nm][i]]
    return "+".join(bad)


def _sxi_quality(table: ConstraintTable, i0: int, i1: int) -> dict:
    """The SXI team's position quality flag over epochs i0..i1: worst, best, λ range."""
    q = table.quality_flag[i0 : i1 + 1]
    lam = table.lambda_deg[i0 : i1 + 1]
    return {
        "quality_flag": int(q.max()),
        "quality_flag_best": int(q.min()),
        "lambda_min_deg": float(np.nanmin(lam)),
        "lambda_max_deg": float(np.nanmax(lam)),
    }


def find_visibility(table: ConstraintTable) -> list[Window]:
    """Visibility rows: runs inside SXI windows where a target of the profile is in the SXI
    field (``kind`` "visible", ``target`` its name), with the quality flag over the run;
    ``started_by``/``ended_by`` name what failed next to it (a window constraint or the target)."""
    if "sxi" not in table.profile.windows:
        return []
    names = table.profile.window_constraints("sxi")
    observing = table.all_ok(names)
    n = len(table)
    out: list[Window] = []
    for tgt in (t for t in TARGETS if t in table.visible):
        vis = table.visible[tgt]

        def why(i, tgt=tgt, vis=vis):
            bad = [nm for nm in names if not table.ok[nm][i]]
            return "+".join(bad + ([] if vis[i] else [tgt]))

        starts, ends = _runs(observing & vis)
        for i0, i1 in zip(starts.tolist(), ends.tolist()):
            out.append(
                Window(
                    instrument="sxi",
                    start=table.times[i0],
                    end=table.times[i1],
                    duration_s=float(table.seconds[i1] - table.seconds[i0]),
                    n_epochs=i1 - i0 + 1,
                    started_by=START_OF_RANGE if i0 == 0 else why(i0 - 1),
                    ended_by=END_OF_RANGE if i1 == n - 1 else why(i1 + 1),
                    kind="visible",
                    target=tgt,
                    **_sxi_quality(table, i0, i1),
                )
            )
    out.sort(key=lambda w: (float(w.start.jd1 - 2451545.0 + w.start.jd2), TARGETS.index(w.target)))
    return out


def find_gaps(table: ConstraintTable, instruments=INSTRUMENTS) -> list[Window]:
    """Gaps: maximal runs where an instrument's window constraints do not all hold (``kind``
    "gap"). ``limited_by`` is the first failing constraint: the one failing at the gap's first
    epoch (the one that closed the window before it); when several fail there, the one that
    fails at the most epochs of the gap (then the profile's order). ``started_by``/``ended_by``:
    every constraint failing at the gap's first/last epoch."""
    out: list[Window] = []
    for inst in instruments:
        names = table.profile.window_constraints(inst)
        if not names:
            continue
        bad = {nm: ~np.asarray(table.ok[nm], bool) for nm in names}
        starts, ends = _runs(~table.all_ok(names))
        for i0, i1 in zip(starts.tolist(), ends.tolist()):
            first = [nm for nm in names if bad[nm][i0]]
            counts = {nm: int(np.count_nonzero(bad[nm][i0 : i1 + 1])) for nm in first}
            limited = max(first, key=lambda nm: (counts[nm], -names.index(nm)))
            out.append(
                Window(
                    instrument=inst,
                    start=table.times[i0],
                    end=table.times[i1],
                    duration_s=float(table.seconds[i1] - table.seconds[i0]),
                    n_epochs=i1 - i0 + 1,
                    started_by="+".join(first),
                    ended_by=_failing(table, names, i1),
                    kind="gap",
                    limited_by=limited,
                )
            )
    out.sort(key=lambda w: (float(w.start.jd1 - 2451545.0 + w.start.jd2), w.instrument))
    return out


def find_windows(table: ConstraintTable, instruments=INSTRUMENTS) -> list[Window]:
    """The windows of each of ``instruments`` in a :class:`ConstraintTable`, in time order."""
    out: list[Window] = []
    n = len(table)
    for inst in instruments:
        names = table.profile.window_constraints(inst)
        missing = [nm for nm in names if nm not in table.ok]
        if missing:
            raise UserInputError(f"{inst} windows need constraint(s) {missing}, which were not evaluated")
        ok = table.all_ok(names)
        starts, ends = _runs(ok)
        for i0, i1 in zip(starts.tolist(), ends.tolist()):
            quality = _sxi_quality(table, i0, i1) if inst == "sxi" else {}
            out.append(
                Window(
                    instrument=inst,
                    start=table.times[i0],
                    end=table.times[i1],
                    duration_s=float(table.seconds[i1] - table.seconds[i0]),
                    n_epochs=i1 - i0 + 1,
                    started_by=START_OF_RANGE if i0 == 0 else _failing(table, names, i0 - 1),
                    ended_by=END_OF_RANGE if i1 == n - 1 else _failing(table, names, i1 + 1),
                    **quality,
                )
            )
    out.sort(key=lambda w: (float(w.start.jd1 - 2451545.0 + w.start.jd2), w.instrument))
    return out


@dataclass(eq=False)
class WindowSet:
    """Windows with the request that made them (``meta``), the targets' ``visibility`` rows and
    the ``gaps`` (both lists of :class:`Window`, by ``kind``) and, when just computed, the
    :class:`ConstraintTable` (``table``; not written to files)."""

    windows: list[Window]
    meta: dict = field(default_factory=dict)
    table: ConstraintTable | None = None
    visibility: list[Window] = field(default_factory=list)
    gaps: list[Window] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.windows)

    def __iter__(self):
        return iter(self.windows)

    def for_instrument(self, instrument: str) -> list[Window]:
        key = str(instrument).lower()
        return [w for w in self.windows if w.instrument == key]

    def window_at(self, t, instrument: str | None = None) -> Window | None:
        """The window holding time ``t`` (of ``instrument`` if given), or None."""
        for w in self.windows:
            if (instrument is None or w.instrument == instrument) and w.contains(t):
                return w
        return None

    def summary(self) -> list[str]:
        """One line per instrument: number of windows, total time, fraction of the range."""
        span = float(self.meta.get("span_s", 0.0)) or None
        lines = []
        for inst in self.meta.get("instruments", INSTRUMENTS):
            ws = self.for_instrument(inst)
            tot = sum(w.duration_s for w in ws)
            frac = f", {100.0 * tot / span:.1f} % of the range" if span else ""
            lines.append(f"{inst.upper()}: {len(ws)} windows, {tot / 3600.0:.1f} h in total{frac}")
        if self.visibility:
            parts = []
            for tgt in TARGETS:
                tot = sum(w.duration_s for w in self.visibility if w.target == tgt)
                parts.append(f"{tgt} {tot / 3600.0:.1f} h")
            lines.append("SXI targets in the field: " + ", ".join(parts))
        return lines

    # -- files -------------------------------------------------------------------------

    def to_json_text(self) -> str:
        return (
            json.dumps(
                {
                    "schema": SCHEMA,
                    "meta": self.meta,
                    "windows": [w.to_dict() for w in self.windows],
                    "visibility": [w.to_dict() for w in self.visibility],
                    "gaps": [w.to_dict() for w in self.gaps],
                },
                indent=1,
            )
            + "\n"
        )

    def to_csv_text(self) -> str:
        buf = io.StringIO()
        buf.write(f"# {SCHEMA}\n")
        buf.write("# meta: " + json.dumps(self.meta, separators=(",", ":")) + "\n")
        wr = csv.writer(buf, lineterminator="\n")
        wr.writerow(CSV_COLUMNS)
        for w in sorted(
            self.windows + self.visibility + self.gaps,
            key=lambda w: (float(w.start.jd1 - 2451545.0 + w.start.jd2), KINDS.index(w.kind)),
        ):
            d = w.to_dict()
            wr.writerow(["" if d[c] is None else d[c] for c in CSV_COLUMNS])
        return buf.getvalue()

    def write(self, path) -> Path:
        """Write ``.json`` or ``.csv`` (by the extension), atomically; returns the path."""
        p = Path(path).expanduser()
        suffix = p.suffix.lower()
        if suffix == ".json":
            text = self.to_json_text()
        elif suffix == ".csv":
            text = self.to_csv_text()
        else:
            raise UserInputError(f"windows output {path}: use a .csv or .json file name")
        return atomic_write_text(p, text)

    def plot(self, path, *, title: str | None = None, dpi: int = 110) -> Path:
        """Timeline PNG (module docstring), written atomically; returns the path."""
        return plot_timeline(self, path, title=title, dpi=dpi)


# ============================================================================ compute


def _as_profile(profile) -> MissionProfile:
    if profile is None:
        return load_profile()
    if isinstance(profile, MissionProfile):
        return profile
    return load_profile(profile)


def _orbit_description(orbit) -> str:
    if orbit is None:
        return "default SMILE orbit (Kepler + J2, assets/orbits/smile_default.json)"
    return f"{type(orbit).__name__} {getattr(orbit, 'name', '')}: {getattr(orbit, 'description', '')}".strip()


def _solar_wind_description(sw, profile: MissionProfile) -> Any:
    if sw is None:
        return {"source": "profile", **profile.solar_wind}
    to_dict = getattr(sw, "to_dict", None)
    if callable(to_dict):
        return {"source": "constant", **to_dict()}
    return {"source": "series", "description": repr(sw)}


def compute_windows(
    start,
    stop,
    step="1min",
    profile=None,
    *,
    orbit=None,
    solar_wind=None,
    instruments=INSTRUMENTS,
    workers: int | None = None,
) -> WindowSet:
    """Windows between ``start`` and ``stop`` (inclusive, when on the grid) every ``step``.

    ``start``/``stop``: ``Time`` or ISO strings (UTC); ``step``: seconds or a duration string
    ("1min", "30s"); ``profile``: a :class:`MissionProfile`, a path, or None (the default);
    ``orbit``: an :class:`~smile_viewer.mission.orbit.Orbit` (default SMILE orbit);
    ``solar_wind``: ``SolarWind`` / ``SolarWindSeries`` (default: the profile's);
    ``instruments``: which windows to find ("sxi", "uvi").
    """
    t_start = _time.perf_counter()
    prof = _as_profile(profile)
    insts = tuple(str(i).lower() for i in instruments)
    for i in insts:
        if i not in INSTRUMENTS:
            raise UserInputError(f"unknown instrument {i!r}; use {' or '.join(INSTRUMENTS)}")
        prof.window_constraints(i)
    t0, t1 = parse_time(start), parse_time(stop)
    step_s = parse_duration_s(step)
    times = time_grid(t0, t1, step_s)
    if len(times) < 2:
        raise UserInputError(f"the range {t0.isot} .. {t1.isot} holds fewer than 2 epochs at {step_s:g} s")
    table = evaluate_constraints(times, prof, orbit=orbit, solar_wind=solar_wind, workers=workers)
    windows = find_windows(table, insts)
    visibility = find_visibility(table) if "sxi" in insts else []
    gaps = find_gaps(table, insts)
    period_s = float(getattr(orbit if orbit is not None else default_orbit(), "period_s", float("nan")))
    meta = {
        "start": _iso(times[0]),
        "stop": _iso(times[-1]),
        "step_s": step_s,
        "n_epochs": len(times),
        "span_s": float(table.seconds[-1]),
        "instruments": list(insts),
        "constraints": {i: list(prof.window_constraints(i)) for i in insts},
        "targets": list(prof.targets) if "sxi" in insts else [],
        "orbit_period_s": round(period_s, 3),
        "fraction_ok": {nm: round(float(np.mean(table.ok[nm])), 6) for nm in table.ok},
        "fraction_visible": {t: round(float(np.mean(table.visible[t])), 6) for t in table.visible},
        "profile": prof.to_dict(),
        "orbit": _orbit_description(orbit),
        "solar_wind": _solar_wind_description(solar_wind, prof),
        "notes": list(table.notes),
        "software": f"smile-viewer {__version__}",
        "created": Time.now().utc.isot[:19],
        "compute_s": round(_time.perf_counter() - t_start, 3),
    }
    return WindowSet(windows, meta, table, visibility, gaps)


def monthly_summary(ws: WindowSet, instrument: str = "sxi") -> list[dict]:
    """Per UTC calendar month of a just-computed ``ws`` (it needs ``ws.table``): the month
    ("YYYY-MM"), the epochs in it, the observing time per orbit [h] (fraction of the month's
    epochs inside ``instrument``'s windows × the orbit period ``meta["orbit_period_s"]``) and,
    for SXI, each target's time in the field while observing, per orbit [h] (``<target>_h``).
    The grid is uniform, so fractions of epochs are fractions of time."""
    table = ws.table
    if table is None:
        raise UserInputError(
            "a monthly summary needs the constraint table: compute the windows, do not read them"
        )
    period_h = float(ws.meta.get("orbit_period_s", float("nan"))) / 3600.0
    observing = table.all_ok(table.profile.window_constraints(instrument))
    months = np.array([s[:7] for s in table.times.utc.isot])
    rows = []
    for m in dict.fromkeys(months.tolist()):
        sel = months == m
        row = {
            "month": m,
            "n_epochs": int(np.count_nonzero(sel)),
            "observing_h_per_orbit": float(np.mean(observing[sel])) * period_h,
        }
        if instrument == "sxi":
            for tgt in (t for t in TARGETS if t in table.visible):
                row[f"{tgt}_h_per_orbit"] = float(np.mean((observing & table.visible[tgt])[sel])) * period_h
        rows.append(row)
    return rows


# ============================================================================ read


def read_windows(path) -> WindowSet:
    """Read a windows file (``.json`` or ``.csv``, as :meth:`WindowSet.write` makes them)."""
    p = Path(path).expanduser()
    try:  # a regular file within the windows size limit, UTF-8 (io.checked_file)
        text = read_text(p, "windows", allow_empty=True)
    except DataFileError as exc:
        if exc.problem == "no such file":
            raise DataFileError(p, "no such windows file") from None
        raise
    if text.lstrip().startswith("{"):
        data = parse_json(text, p, "windows file")
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise DataFileError(p, f"not a windows file (schema {SCHEMA!r})")
        recs = data.get("windows")
        if not isinstance(recs, list):
            raise DataFileError(p, "no 'windows' list")
        extra = {k: data.get(k, []) for k in ("visibility", "gaps")}
        if not all(isinstance(v, list) for v in extra.values()):
            raise DataFileError(p, "'visibility' and 'gaps' must be lists")
        return WindowSet(
            [Window.from_dict(r, p) for r in recs],
            dict(data.get("meta", {})),
            visibility=[Window.from_dict(r, p) for r in extra["visibility"]],
            gaps=[Window.from_dict(r, p) for r in extra["gaps"]],
        )
    lines = text.splitlines()
    if not lines or lines[0].strip() != f"# {SCHEMA}":
        raise DataFileError(p, f"not a windows file (first line '# {SCHEMA}')")
    meta: dict = {}
    body = []
    for line in lines[1:]:
        if line.startswith("# meta:"):
            meta = parse_json(line[len("# meta:") :], p, "windows file (its '# meta:' line)")
        elif line.startswith("#") or not line.strip():
            continue
        else:
            body.append(line)
    rows = list(csv.DictReader(body))
    if body and tuple(next(csv.reader(body[:1]))) not in (CSV_COLUMNS, _CSV_COLUMNS_V0):
        raise DataFileError(p, f"header must be {','.join(CSV_COLUMNS)}")
    recs = [Window.from_dict(r, p) for r in rows]
    return WindowSet(
        [w for w in recs if w.kind == "window"],
        meta,
        visibility=[w for w in recs if w.kind == "visible"],
        gaps=[w for w in recs if w.kind == "gap"],
    )


# ============================================================================ plot


def _mpl_dates(t: Time) -> np.ndarray:
    """Matplotlib date numbers (days since 1970-01-01 UTC) of ``t``."""
    return (np.asarray(t.utc.jd1, float) - 2440587.5) + np.asarray(t.utc.jd2, float)


_QF_COLOURS = {0: "#2ca02c", 1: "#e6b800", 2: "#ff7f0e", None: "#1f77b4"}
#: Colour of the target-visibility rows.
TARGET_COLOUR = "#17becf"
#: Row labels of the targets.
TARGET_LABELS = {
    "nose": "nose in field",
    "cusp_north": "north cusp in field",
    "cusp_south": "south cusp in field",
}
#: Colour of a gap by the constraint that limits it (the timeline PNG and the dock).
GAP_COLOURS = {
    "radiation_belt": "#8c564b",
    "sxi_radius": "#555555",
    "sxi_sun": "#d62728",
    "sxi_earth": "#2f4b7c",
    "sxi_moon": "#9467bd",
    "sxi_magnetopause": "#bcbd22",
    "uvi_oval": "#e377c2",
    "uvi_moon": "#7b4173",
}


def plot_timeline(ws: WindowSet, path, *, title: str | None = None, dpi: int = 110) -> Path:
    """Write the timeline PNG of ``ws``: per instrument its windows (SXI by quality flag), for SXI
    the targets' visibility rows, the gaps coloured by their limiting constraint (labelled where
    wide enough) and, when ``ws.table`` is set, one row per window constraint."""
    # lazy: matplotlib costs ~1.2 s to import and only the plot needs it
    from matplotlib import dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    out = check_output_path(path)
    if out.suffix.lower() != ".png":
        raise UserInputError(f"timeline plot {path}: use a .png file name")
    insts = list(ws.meta.get("instruments", INSTRUMENTS))
    rows: list[tuple] = []  # (label, [(x0, width) days], colours[, gap constraint names])
    step_days = float(ws.meta.get("step_s", 60.0)) / 86400.0
    for inst in insts:
        segs, cols = [], []
        for w in ws.for_instrument(inst):
            x0 = float(_mpl_dates(w.start))
            segs.append((x0, max(float(w.duration_s) / 86400.0, step_days)))
            cols.append(_QF_COLOURS.get(w.quality_flag, _QF_COLOURS[None]))
        rows.append((f"{inst.upper()} windows", segs, cols))
        if inst == "sxi":
            for tgt in ws.meta.get("targets", sorted({v.target for v in ws.visibility}, key=TARGETS.index)):
                segs = [
                    (float(_mpl_dates(v.start)), max(float(v.duration_s) / 86400.0, step_days))
                    for v in ws.visibility
                    if v.target == tgt
                ]
                rows.append((TARGET_LABELS.get(tgt, tgt), segs, [TARGET_COLOUR] * len(segs)))
        gaps = [g for g in ws.gaps if g.instrument == inst]
        if gaps or ws.table is not None:
            segs = [(float(_mpl_dates(g.start)), max(float(g.duration_s) / 86400.0, step_days)) for g in gaps]
            rows.append(
                (
                    f"{inst.upper()} gaps: limited by",
                    segs,
                    [GAP_COLOURS.get(g.limited_by or "", "0.3") for g in gaps],
                    [g.limited_by for g in gaps],
                )
            )
        table = ws.table
        if table is not None:
            x = _mpl_dates(table.times)
            for nm in table.profile.window_constraints(inst):
                if any(r[0] == nm for r in rows):
                    continue
                starts, ends = _runs(table.ok[nm])
                segs = [(float(x[a]), float(x[b] - x[a]) + step_days) for a, b in zip(starts, ends)]
                rows.append((nm, segs, ["0.6"] * len(segs)))
    fig = Figure(figsize=(11.0, 1.0 + 0.42 * max(len(rows), 1)), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    if "start" in ws.meta and "stop" in ws.meta:
        span = float(
            _mpl_dates(Time(ws.meta["stop"], scale="utc")) - _mpl_dates(Time(ws.meta["start"], scale="utc"))
        )
    else:
        span = 0.0
    used_gaps: list[str] = []
    for k, (_label, segs, cols, *names) in enumerate(rows):
        y = len(rows) - 1 - k
        if segs:
            ax.broken_barh(segs, (y - 0.35, 0.7), facecolors=cols, edgecolors="none")
        for (x0, wd), nm in zip(segs, names[0] if names else ()):
            if nm and nm not in used_gaps:
                used_gaps.append(nm)
            if nm and span > 0 and wd > 0.06 * span:  # name the constraint on gaps wide enough
                ax.text(
                    x0 + 0.5 * wd, y, nm, ha="center", va="center", fontsize=6.5, color="white", clip_on=True
                )
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([r[0] for r in reversed(rows)], fontsize=8)
    ax.set_ylim(-0.6, len(rows) - 0.4)
    if "start" in ws.meta and "stop" in ws.meta:
        ax.set_xlim(
            float(_mpl_dates(Time(ws.meta["start"], scale="utc"))),
            float(_mpl_dates(Time(ws.meta["stop"], scale="utc"))),
        )
    loc = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
    ax.set_xlabel("UTC")
    ax.grid(axis="x", color="0.85", lw=0.6)
    handles = [Patch(color=_QF_COLOURS[q], label=f"SXI window, quality flag {q}") for q in (0, 1, 2)]
    handles += [
        Patch(color=_QF_COLOURS[None], label="UVI window"),
        Patch(color=TARGET_COLOUR, label="target in SXI field"),
        Patch(color="0.6", label="constraint holds"),
    ]
    handles += [
        Patch(color=GAP_COLOURS.get(nm, "0.3"), label=f"gap: {nm}") for nm in CONSTRAINTS if nm in used_gaps
    ]
    ax.legend(
        handles=handles,
        fontsize=7,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12 if len(rows) > 8 else -0.25),
        ncol=6,
        frameon=False,
    )
    ax.set_title(
        title or f"Pointing windows {ws.meta.get('start', '')[:16]} – {ws.meta.get('stop', '')[:16]} UTC",
        fontsize=10,
    )
    fig.tight_layout()
    with atomic_path(out) as tmp:
        fig.savefig(tmp, format="png")
    return out
