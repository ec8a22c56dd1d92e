"""Parsing times and durations typed by users (command line, dialogs, files).

Times are astropy ``Time`` objects in UTC. Accepted time strings: ISO 8601
(``2026-05-01``, ``2026-05-01T12:00``, ``2026-05-01 12:00:00.5``), ``now``, and anything
astropy's ``Time`` parses unambiguously. Durations: a number with a unit, ``90s``,
``5min``, ``2h``, ``1.5d``, ``1 week``, or a bare number of seconds.
"""

from __future__ import annotations

import re

import numpy as np
from astropy.time import Time, TimeDelta

from smile_viewer.errors import UserInputError

_DURATION_UNITS_S = {
    "s": 1.0,
    "sec": 1.0,
    "secs": 1.0,
    "second": 1.0,
    "seconds": 1.0,
    "m": 60.0,
    "min": 60.0,
    "mins": 60.0,
    "minute": 60.0,
    "minutes": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hrs": 3600.0,
    "hour": 3600.0,
    "hours": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
    "days": 86400.0,
    "w": 604800.0,
    "week": 604800.0,
    "weeks": 604800.0,
}
_DURATION_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([a-zA-Z]*)\s*$")


def parse_time(text: str | Time) -> Time:
    """A UTC ``Time`` from a user's string; raises ``UserInputError`` naming the text."""
    if isinstance(text, Time):
        return text
    s = str(text).strip()
    if s.lower() == "now":
        return Time.now()
    s_iso = s.replace("Z", "") if s.endswith("Z") else s
    for fmt in ("isot", "iso", None):
        try:
            t = Time(s_iso, scale="utc", format=fmt) if fmt else Time(s_iso, scale="utc")
            if t.isscalar:
                return t
        except (ValueError, TypeError):
            continue
    raise UserInputError(f"cannot read time {s!r}: use ISO 8601, e.g. 2026-05-01T12:00:00 (UTC)")


def parse_duration_s(text: str | float | int) -> float:
    """A duration in seconds from ``"5min"``, ``"2h"``, ``"30"`` (seconds), …; must be > 0."""
    if isinstance(text, (int, float, np.floating, np.integer)):
        value = float(text)
    else:
        m = _DURATION_RE.match(str(text))
        unit = m.group(2).lower() if m else None
        if not m or unit not in _DURATION_UNITS_S and unit != "":
            raise UserInputError(
                f"cannot read duration {text!r}: use a number and a unit, e.g. 60s, 5min, 2h, 1d"
            )
        value = float(m.group(1)) * (_DURATION_UNITS_S[unit] if unit else 1.0)
    if not np.isfinite(value) or value <= 0:
        raise UserInputError(f"duration must be positive, got {text!r}")
    return value


def time_grid(start: Time, stop: Time, step_s: float, max_points: int = 50_000_000) -> Time:
    """Times from ``start`` to ``stop`` inclusive (when it falls on the grid) every ``step_s`` s."""
    span_s = (stop - start).to_value("s")
    if span_s < 0:
        raise UserInputError(f"stop time {stop.isot} is before start time {start.isot}")
    n = int(np.floor(span_s / step_s + 1e-9)) + 1
    if n > max_points:
        raise UserInputError(
            f"{n:,} time steps requested (limit {max_points:,}): use a longer step or a shorter range"
        )
    return start + TimeDelta(np.arange(n) * step_s, format="sec")
