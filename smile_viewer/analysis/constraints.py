"""Observation constraints of SXI and UVI, and SXI target visibility, over many epochs at once.

A :class:`MissionProfile` (``assets/mission/profile_default.json``, every threshold with its
flag and provenance) names the constraints; :func:`evaluate_constraints` evaluates them on a
time grid into a :class:`ConstraintTable` (one boolean and one signed margin per constraint and
epoch, plus the SXI team's position quality flag and the visibility of the :data:`TARGETS`:
magnetopause nose and cusps in the SXI field), which :mod:`smile_viewer.analysis.windows`
turns into windows. Constraints, geometry and speed: docs/analysis.md#observation-constraints.
"""

from __future__ import annotations

import dataclasses
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import erfa
import numpy as np
from astropy.time import Time

from smile_viewer.constants import MU0_H_M, R_E_KM
from smile_viewer.coords import dipole_axis, rotation_matrix
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.jsonfile import documented_value, read_json_file
from smile_viewer.mission.orbit import default_orbit
from smile_viewer.mission.pointing import sxi_boresight
from smile_viewer.physics import models as registry
from smile_viewer.physics.boundaries.lin import LIN2010_COEFFICIENTS
from smile_viewer.physics.solar_wind import SolarWind, SolarWindSeries
from smile_viewer.resources import asset_path

__all__ = [
    "APPLIES_TO",
    "CONSTRAINTS",
    "MARGIN_FIELDS",
    "MARGIN_UNITS",
    "NODE_STEP_S",
    "TARGETS",
    "ConstraintTable",
    "MissionProfile",
    "circle_signed_distance_deg",
    "constraint_margins",
    "cusp_positions_gse",
    "default_profile_path",
    "evaluate_constraints",
    "load_profile",
    "quality_flag_position",
    "quality_flag_snr_bits",
    "rect_signed_distance_deg",
    "standoff_re",
    "sxi_camera_axes",
    "target_margins",
    "uvi_oval_margins_deg",
]

#: Constraint names in a fixed order (the order of the columns and of the timeline rows).
CONSTRAINTS: tuple[str, ...] = (
    "radiation_belt",
    "sxi_radius",
    "sxi_sun",
    "sxi_earth",
    "sxi_moon",
    "sxi_magnetopause",
    "uvi_oval",
    "uvi_moon",
)

#: Units of each constraint's margin.
MARGIN_UNITS: dict[str, str] = {
    "radiation_belt": "km",
    "sxi_radius": "R_E",
    "sxi_sun": "deg",
    "sxi_earth": "deg",
    "sxi_moon": "deg",
    "sxi_magnetopause": "deg",
    "uvi_oval": "deg",
    "uvi_moon": "deg",
}

#: SXI targets whose visibility (inside the SXI field) is reported beside the windows. They are
#: not constraints: SXI observes whether or not they are in the field (docs/analysis.md).
TARGETS: tuple[str, ...] = ("nose", "cusp_north", "cusp_south")

#: Which instruments' windows each constraint can belong to.
APPLIES_TO: dict[str, tuple[str, ...]] = {
    "radiation_belt": ("sxi", "uvi"),
    "sxi_radius": ("sxi",),
    "sxi_sun": ("sxi",),
    "sxi_earth": ("sxi",),
    "sxi_moon": ("sxi",),
    "sxi_magnetopause": ("sxi",),
    "uvi_oval": ("uvi",),
    "uvi_moon": ("uvi",),
}

#: The profile value that a constraint's margin sets (``--margin NAME=VALUE``):
#: (attribute of :class:`MissionProfile`, unit, lowest, highest allowed). Targets' margins
#: live in ``MissionProfile.target_margin_deg`` (deg, -90 .. 90).
MARGIN_FIELDS: dict[str, tuple[str, str, float, float]] = {
    "radiation_belt": ("min_altitude_km", "km", 0.0, 1.0e6),
    "sxi_radius": ("min_radius_re", "R_E", 0.0, 1.0e3),
    "sxi_sun": ("min_sun_angle_deg", "deg", 0.0, 180.0),
    "sxi_earth": ("earth_limb_margin_deg", "deg", -90.0, 90.0),
    "sxi_moon": ("sxi_moon_margin_deg", "deg", -90.0, 90.0),
    "sxi_magnetopause": ("magnetopause_edge_margin_deg", "deg", -90.0, 90.0),
    "uvi_oval": ("uvi_oval_edge_margin_deg", "deg", -90.0, 90.0),
    "uvi_moon": ("uvi_moon_margin_deg", "deg", -90.0, 90.0),
}

#: Spacing of the ephemeris nodes [s of TT], anchored at J2000.
NODE_STEP_S: float = 600.0
#: Epochs per chunk of the vectorised evaluation (bounds the memory to tens of MB).
CHUNK: int = 65536
#: Moon's mean radius [km] (IAU WGCCRE 2015).
R_MOON_KM: float = 1737.4
#: Astronomical unit [km] (IAU 2012, exact).
AU_KM: float = 149597870.7

_J2000_JD = 2451545.0


# ============================================================================ profile


def default_profile_path() -> Path:
    """``assets/mission/profile_default.json``."""
    return asset_path("mission", "profile_default.json")


def _number(value, what: str, path, *, lo: float | None = None, hi: float | None = None) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataFileError(path, f"{what} = {value!r} is not a number") from None
    if not math.isfinite(v) or (lo is not None and v < lo) or (hi is not None and v > hi):
        rng = f" (allowed {lo if lo is not None else '-inf'} .. {hi if hi is not None else 'inf'})"
        raise DataFileError(path, f"{what} = {value!r} is out of range{rng}")
    return v


@dataclass(frozen=True)
class MissionProfile:
    """The planning profile: constraint thresholds, pointing parameters, windows' constraints.

    Build with :func:`load_profile` (the values live in the profile file, with their
    provenance, not here); :meth:`replace` gives a modified copy (tests, studies). Angles in
    degrees, distances as named. ``enabled`` lists the constraints switched on;
    ``windows`` maps an instrument ("sxi", "uvi") to the constraints its windows need.
    """

    name: str
    sxi_fov_deg: tuple[float, float]
    uvi_fov_diameter_deg: float
    sxi_limb_angle_deg: float
    sxi_roll_deg: float
    uvi_target_altitude_km: float
    uvi_oval_offset_deg: float
    solar_wind: dict
    min_altitude_km: float
    min_radius_re: float
    min_sun_angle_deg: float
    earth_limb_margin_deg: float
    sxi_moon_margin_deg: float
    magnetopause_model: str
    magnetopause_edge_margin_deg: float
    uvi_oval_radius_deg: float
    uvi_oval_edge_margin_deg: float
    uvi_moon_margin_deg: float
    qf_lambda_deg: tuple[float, float]
    enabled: tuple[str, ...]
    windows: dict
    source: str = ""
    #: Targets whose visibility is evaluated (a subset of :data:`TARGETS`).
    targets: tuple[str, ...] = TARGETS
    #: Per target: how far [deg] inside the field edges its point must be to count as visible.
    target_margin_deg: dict = field(default_factory=lambda: dict.fromkeys(TARGETS, 0.0))

    def replace(self, **changes) -> MissionProfile:
        """A copy with some values changed (validated like a file)."""
        out = dataclasses.replace(self, **changes)
        out._validate(out.source or "profile")
        return out

    def _validate(self, path) -> None:
        unknown = set(self.enabled) - set(CONSTRAINTS)
        if unknown:
            raise DataFileError(
                path, f"unknown constraint(s) {sorted(unknown)}; known: {', '.join(CONSTRAINTS)}"
            )
        for inst, names in self.windows.items():
            if inst not in ("sxi", "uvi"):
                raise DataFileError(path, f"windows: unknown instrument {inst!r}; use sxi or uvi")
            bad = set(names) - set(CONSTRAINTS)
            if bad:
                raise DataFileError(path, f"windows.{inst}: unknown constraint(s) {sorted(bad)}")
        try:
            registry.boundary_model(self.magnetopause_model)
        except UserInputError as exc:
            raise DataFileError(path, f"sxi_magnetopause.model: {exc}") from None
        fx, fy = self.sxi_fov_deg
        if not (0 < fx < 180 and 0 < fy < 180):
            raise DataFileError(path, f"SXI field {self.sxi_fov_deg} must be two angles in (0, 180) deg")
        if not 0 < self.uvi_fov_diameter_deg < 180:
            raise DataFileError(path, f"UVI field {self.uvi_fov_diameter_deg} must be in (0, 180) deg")
        lo, hi = self.qf_lambda_deg
        if not lo <= hi:
            raise DataFileError(path, f"quality_flag thresholds {self.qf_lambda_deg} must be increasing")
        bad = set(self.targets) - set(TARGETS)
        if bad:
            raise DataFileError(path, f"unknown target(s) {sorted(bad)}; known: {', '.join(TARGETS)}")
        missing = set(TARGETS) - set(self.target_margin_deg)
        if missing:
            raise DataFileError(path, f"targets: no edge margin for {sorted(missing)}")

    def with_overrides(self, *, disable=(), margins=None, require=()) -> MissionProfile:
        """A copy with constraints or targets switched off (``disable``: names), margins
        changed (``margins``: name -> value in the unit of :data:`MARGIN_FIELDS`, degrees for
        targets) and constraints added to the windows they apply to (``require``: e.g.
        ``sxi_magnetopause`` restores nose-in-field SXI windows). Raises ``UserInputError``
        (one line) for an unknown name or a value out of range.
        """
        known = CONSTRAINTS + TARGETS
        disable = tuple(str(d) for d in disable)
        require = tuple(str(r) for r in require)
        for nm in disable:
            if nm not in known:
                raise UserInputError(
                    f"cannot disable {nm!r}: not a constraint or target; known: {', '.join(known)}"
                )
        for nm in require:
            if nm not in CONSTRAINTS:
                raise UserInputError(
                    f"cannot require {nm!r}: not a constraint; known: {', '.join(CONSTRAINTS)}"
                )
            if nm in disable:
                raise UserInputError(f"{nm} is both disabled and required")
        changes: dict = {}
        tmargin = dict(self.target_margin_deg)
        for nm, value in dict(margins or {}).items():
            nm = str(nm)
            if nm in TARGETS:
                attr, unit, lo, hi = None, "deg", -90.0, 90.0
            elif nm in MARGIN_FIELDS:
                attr, unit, lo, hi = MARGIN_FIELDS[nm]
            else:
                raise UserInputError(f"no margin called {nm!r}; known: {', '.join(known)}")
            try:
                v = float(value)
            except (TypeError, ValueError):
                raise UserInputError(f"margin {nm} = {value!r} is not a number") from None
            if not (math.isfinite(v) and lo <= v <= hi):
                raise UserInputError(
                    f"margin {nm} = {value!r} {unit} is out of range ({lo:g} .. {hi:g} {unit})"
                )
            if attr is None:
                tmargin[nm] = v
            else:
                changes[attr] = v
        enabled = [c for c in self.enabled if c not in disable]
        windows = {k: tuple(v) for k, v in self.windows.items()}
        for nm in require:
            if nm not in enabled:
                enabled.append(nm)
            for inst in APPLIES_TO[nm]:
                if inst in windows and nm not in windows[inst]:
                    windows[inst] = windows[inst] + (nm,)
        out = dataclasses.replace(
            self,
            enabled=tuple(c for c in CONSTRAINTS if c in enabled),
            windows=windows,
            targets=tuple(t for t in self.targets if t not in disable),
            target_margin_deg=tmargin,
            **changes,
        )
        out._validate(out.source or "profile")
        return out

    def margin_value(self, name: str) -> float:
        """The value that ``--margin name=...`` sets (unit: :data:`MARGIN_FIELDS`; deg for targets)."""
        if name in TARGETS:
            return float(self.target_margin_deg[name])
        if name not in MARGIN_FIELDS:
            raise UserInputError(f"no margin called {name!r}; known: {', '.join(CONSTRAINTS + TARGETS)}")
        return float(getattr(self, MARGIN_FIELDS[name][0]))

    def window_constraints(self, instrument: str) -> tuple[str, ...]:
        """The enabled constraints that ``instrument``'s windows need."""
        key = str(instrument).lower()
        if key not in self.windows:
            raise UserInputError(
                f"the profile defines no windows for {instrument!r}; it has {', '.join(self.windows)}"
            )
        return tuple(c for c in self.windows[key] if c in self.enabled)

    def solar_wind_object(self):
        """The profile's nominal solar wind as a :class:`~smile_viewer.physics.solar_wind.SolarWind`."""
        sw = self.solar_wind
        return SolarWind(
            n_cm3=sw["n_cm3"],
            v_gse_km_s=(-float(sw["v_km_s"]), 0.0, 0.0),
            t_k=sw["t_k"],
            b_gsm_nt=(sw.get("bx_nt", 0.0), sw.get("by_nt", 0.0), sw.get("bz_nt", 0.0)),
        )

    def to_dict(self) -> dict:
        """The values (not the provenance) as plain JSON types, for window files' metadata."""
        return {
            "name": self.name,
            "source": self.source,
            "sxi_fov_deg": list(self.sxi_fov_deg),
            "uvi_fov_diameter_deg": self.uvi_fov_diameter_deg,
            "sxi_limb_angle_deg": self.sxi_limb_angle_deg,
            "sxi_roll_deg": self.sxi_roll_deg,
            "uvi_target_altitude_km": self.uvi_target_altitude_km,
            "uvi_oval_offset_deg": self.uvi_oval_offset_deg,
            "solar_wind": dict(self.solar_wind),
            "min_altitude_km": self.min_altitude_km,
            "min_radius_re": self.min_radius_re,
            "min_sun_angle_deg": self.min_sun_angle_deg,
            "earth_limb_margin_deg": self.earth_limb_margin_deg,
            "sxi_moon_margin_deg": self.sxi_moon_margin_deg,
            "magnetopause_model": self.magnetopause_model,
            "magnetopause_edge_margin_deg": self.magnetopause_edge_margin_deg,
            "uvi_oval_radius_deg": self.uvi_oval_radius_deg,
            "uvi_oval_edge_margin_deg": self.uvi_oval_edge_margin_deg,
            "uvi_moon_margin_deg": self.uvi_moon_margin_deg,
            "qf_lambda_deg": list(self.qf_lambda_deg),
            "enabled": list(self.enabled),
            "windows": {k: list(v) for k, v in self.windows.items()},
            "targets": list(self.targets),
            "target_margin_deg": dict(self.target_margin_deg),
        }


def _parse_profile(data: dict, path) -> MissionProfile:
    if not isinstance(data, dict) or data.get("schema") != "smile-viewer mission profile 1":
        raise DataFileError(
            path, "not a smile-viewer mission profile (schema 'smile-viewer mission profile 1')"
        )
    try:
        fov = data["fields_of_view"]
        pnt = data["pointing"]
        cons = data["constraints"]
    except KeyError as exc:
        raise DataFileError(path, f"missing section {exc.args[0]!r}") from None
    sxi_fov = documented_value(fov, "sxi_deg", path)
    try:
        fx, fy = (float(v) for v in sxi_fov)
    except (TypeError, ValueError):
        raise DataFileError(path, f"fields_of_view.sxi_deg must be two numbers, got {sxi_fov!r}") from None

    def con(name: str) -> dict:
        c = cons.get(name)
        if not isinstance(c, dict):
            raise DataFileError(path, f"constraints: missing {name!r}")
        return c

    unknown = set(cons) - set(CONSTRAINTS)
    if unknown:
        raise DataFileError(path, f"constraints: unknown {sorted(unknown)}; known: {', '.join(CONSTRAINTS)}")
    enabled = tuple(n for n in CONSTRAINTS if n in cons and bool(cons[n].get("enabled", True)))
    sw = documented_value(data, "solar_wind", path)
    if not isinstance(sw, dict):
        raise DataFileError(path, "solar_wind.value must be an object (n_cm3, v_km_s, bz_nt, ...)")
    sw = {k: _number(v, f"solar_wind.{k}", path) for k, v in sw.items()}
    missing = [k for k in ("n_cm3", "v_km_s", "t_k") if k not in sw]
    if missing:
        raise DataFileError(
            path, f"solar_wind.value needs {', '.join(missing)} (and optionally bx_nt, by_nt, bz_nt)"
        )
    qf = data.get("quality_flag", {})
    lam = (
        documented_value(qf, "lambda_thresholds_deg", path) if "lambda_thresholds_deg" in qf else (25.0, 50.0)
    )
    win = data.get("windows", {})
    windows = {k: tuple(str(c) for c in v) for k, v in win.items() if k in ("sxi", "uvi")}
    if not windows:
        raise DataFileError(path, "windows: give the constraints of 'sxi' and/or 'uvi' windows")
    tsec = data.get("targets", {})  # optional (profiles written before targets existed)
    if not isinstance(tsec, dict):
        raise DataFileError(path, "targets must be an object (nose, cusp_north, cusp_south)")
    unknown_t = set(tsec) - set(TARGETS) - {"description", "cusp_model"}
    if unknown_t:
        raise DataFileError(path, f"targets: unknown {sorted(unknown_t)}; known: {', '.join(TARGETS)}")
    t_margin = dict.fromkeys(TARGETS, 0.0)
    t_enabled = []
    for t in TARGETS:
        entry = tsec.get(t, {})
        if not isinstance(entry, dict):
            raise DataFileError(path, f"targets.{t} must be an object")
        if "edge_margin_deg" in entry:
            t_margin[t] = _number(
                documented_value(entry, "edge_margin_deg", path),
                f"targets.{t}.edge_margin_deg",
                path,
                lo=-90,
                hi=90,
            )
        if bool(entry.get("enabled", True)):
            t_enabled.append(t)
    prof = MissionProfile(
        name=str(data.get("name", Path(str(path)).stem)),
        sxi_fov_deg=(fx, fy),
        uvi_fov_diameter_deg=_number(
            documented_value(fov, "uvi_diameter_deg", path), "uvi_diameter_deg", path
        ),
        sxi_limb_angle_deg=_number(
            documented_value(pnt, "sxi_limb_angle_deg", path), "sxi_limb_angle_deg", path, lo=-90, hi=90
        ),
        sxi_roll_deg=_number(documented_value(pnt, "sxi_roll_deg", path), "sxi_roll_deg", path),
        uvi_target_altitude_km=_number(
            documented_value(pnt, "uvi_target_altitude_km", path), "uvi_target_altitude_km", path, lo=0
        ),
        uvi_oval_offset_deg=_number(
            documented_value(pnt, "uvi_oval_offset_deg", path), "uvi_oval_offset_deg", path, lo=-90, hi=90
        ),
        solar_wind=sw,
        min_altitude_km=_number(
            documented_value(con("radiation_belt"), "min_altitude_km", path), "min_altitude_km", path
        ),
        min_radius_re=_number(
            documented_value(con("sxi_radius"), "min_radius_re", path), "min_radius_re", path
        ),
        min_sun_angle_deg=_number(
            documented_value(con("sxi_sun"), "min_angle_deg", path),
            "sxi_sun.min_angle_deg",
            path,
            lo=0,
            hi=180,
        ),
        earth_limb_margin_deg=_number(
            documented_value(con("sxi_earth"), "limb_margin_deg", path), "limb_margin_deg", path
        ),
        sxi_moon_margin_deg=_number(
            documented_value(con("sxi_moon"), "margin_deg", path), "sxi_moon.margin_deg", path
        ),
        magnetopause_model=str(con("sxi_magnetopause").get("model", "shue1998"))
        .strip()
        .lower()
        .replace("-", "_"),
        magnetopause_edge_margin_deg=_number(
            documented_value(con("sxi_magnetopause"), "edge_margin_deg", path),
            "sxi_magnetopause.edge_margin_deg",
            path,
        ),
        uvi_oval_radius_deg=_number(
            documented_value(con("uvi_oval"), "oval_radius_deg", path), "oval_radius_deg", path, lo=0, hi=90
        ),
        uvi_oval_edge_margin_deg=_number(
            documented_value(con("uvi_oval"), "edge_margin_deg", path), "uvi_oval.edge_margin_deg", path
        ),
        uvi_moon_margin_deg=_number(
            documented_value(con("uvi_moon"), "margin_deg", path), "uvi_moon.margin_deg", path
        ),
        qf_lambda_deg=tuple(float(v) for v in lam),
        enabled=enabled,
        windows=windows,
        source=str(path),
        targets=tuple(t_enabled),
        target_margin_deg=t_margin,
    )
    prof._validate(path)
    return prof


def load_profile(path=None) -> MissionProfile:
    """Read a mission profile (default: ``assets/mission/profile_default.json``)."""
    p = default_profile_path() if path is None else Path(path).expanduser()
    data = read_json_file(p, "mission profile file")
    return _parse_profile(data, p)


# ============================================================================ geometry


def _dot(a, b):
    return np.einsum("...i,...i->...", a, b)


def _unit(v):
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return v / n


def _angle(a, b):
    """Angle [rad] between vectors (..., 3), accurate at all angles (atan2 of |a×b| and a·b)."""
    return np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), _dot(a, b))


def _rect_geometry(tan_x: float, tan_y: float):
    """Unit corners (4, 3) of the field and, per edge, (normal n, n × a, b × n) for corners a → b."""
    corners = np.array(
        [[tan_x, -tan_y, 1.0], [tan_x, tan_y, 1.0], [-tan_x, tan_y, 1.0], [-tan_x, -tan_y, 1.0]]
    )
    corners /= np.linalg.norm(corners, axis=1, keepdims=True)
    edges = []
    for k in range(4):
        a, b = corners[k], corners[(k + 1) % 4]
        n = np.cross(a, b)
        n /= np.linalg.norm(n)
        edges.append((n, np.cross(n, a), np.cross(b, n)))
    return corners, edges


def rect_signed_distance_deg(d_cam, fov_deg) -> np.ndarray:
    """Signed angular distance [deg] of directions ``d_cam`` (..., 3; camera frame, any length)
    to a rectangular gnomonic field ``fov_deg`` = (full width along x, along y): the distance
    to the nearest edge or corner, negative inside the field, positive outside.

    Each edge is the great-circle arc between two corners (a → b, normal n = a × b): the foot
    of the perpendicular from u lies on the arc when u·(n × a) ≥ 0 and u·(b × n) ≥ 0, and
    the distance is then asin|u·n|; otherwise the nearest point of that edge is a corner
    (angle 2 asin(|u − c|/2), exact at small angles).
    """
    d = np.asarray(d_cam, dtype=float)
    tx, ty = (math.tan(math.radians(float(v)) / 2.0) for v in fov_deg)
    corners, edges = _rect_geometry(tx, ty)
    nd = np.sqrt(d[..., 0] ** 2 + d[..., 1] ** 2 + d[..., 2] ** 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        x, y, z = d[..., 0] / nd, d[..., 1] / nd, d[..., 2] / nd
    chord2 = None
    for c in corners:
        q = (x - c[0]) ** 2 + (y - c[1]) ** 2 + (z - c[2]) ** 2
        chord2 = q if chord2 is None else np.minimum(chord2, q)
    best = 2.0 * np.arcsin(np.minimum(np.sqrt(chord2) * 0.5, 1.0))
    for n, na, bn in edges:
        s = np.abs(x * n[0] + y * n[1] + z * n[2])
        on_arc = (
            (x * na[0] + y * na[1] + z * na[2] >= 0.0)
            & (x * bn[0] + y * bn[1] + z * bn[2] >= 0.0)
            & (s < 1.0)
        )
        best = np.where(on_arc, np.minimum(best, np.arcsin(np.minimum(s, 1.0))), best)
    inside = (z > 0) & (np.abs(x) <= tx * z) & (np.abs(y) <= ty * z)
    out = np.degrees(np.where(inside, -best, best))
    return np.where(np.isfinite(nd) & (nd > 0), out, np.nan)


def circle_signed_distance_deg(d, boresight, diameter_deg: float) -> np.ndarray:
    """Signed angular distance [deg] of directions ``d`` to a circular field of
    ``diameter_deg`` about ``boresight`` (both (..., 3), same frame): negative inside."""
    return np.degrees(_angle(np.asarray(d, float), np.asarray(boresight, float))) - 0.5 * float(diameter_deg)


def sxi_camera_axes(position_re, limb_deg: float, roll_deg: float = 0.0):
    """(x, y, boresight) unit vectors (..., 3) GSE of the SXI camera under the SXI law, with
    camera y toward Earth's centre projected across the boresight, turned by ``roll_deg``
    (right-handed about the boresight) — :func:`~smile_viewer.mission.pointing.camera_rotation`
    vectorised. NaN on the X axis, where the law is undefined."""
    p = np.asarray(position_re, dtype=float)
    b = sxi_boresight(p, limb_deg)
    down = -p
    y = _unit(down - _dot(down, b)[..., None] * b)
    x = np.cross(y, b)
    if roll_deg:
        c, s = math.cos(math.radians(roll_deg)), math.sin(math.radians(roll_deg))
        x, y = c * x + s * y, -s * x + c * y
    return x, y, b


def _to_cam(v, axes):
    x, y, b = axes
    return np.stack([_dot(v, x), _dot(v, y), _dot(v, b)], axis=-1)


def quality_flag_position(position_re, limb_deg: float, thresholds_deg=(25.0, 50.0)):
    """(λ [deg], flag) of the SXI team's quality flag, position bits only (module docstring):
    λ = |atan((aim_x − x)/ρ)| = |atan(tan(limb_c − alpha))|; flag 1 when lo < λ ≤ hi, 2 when
    λ > hi, else 0 (-1 where undefined: on the X axis)."""
    p = np.asarray(position_re, dtype=float)
    r = np.linalg.norm(p, axis=-1)
    rho = np.hypot(p[..., 1], p[..., 2])
    alpha = np.arctan2(p[..., 0], rho)
    with np.errstate(invalid="ignore"):
        limb_c = np.radians(limb_deg) + np.arcsin(np.clip(1.0 / r, -1.0, 1.0))
        lam = np.abs(np.degrees(np.arctan(np.tan(limb_c - alpha))))
    lo, hi = thresholds_deg
    flag = np.where(lam > hi, 2, np.where(lam > lo, 1, 0)).astype(np.int8)
    flag = np.where((rho > 0) & np.isfinite(lam), flag, -1).astype(np.int8)
    return lam, flag


def quality_flag_snr_bits(cxfov_counts, background_counts) -> int:
    """Signal-to-noise bits of the SXI team's flag (swharton1/SXI_L4_V1 calc_quality_flag_2):
    S = ΣCXFOV, B = ΣBKGMAP, SNR = S/sqrt(S² + B²); 4 when 0.33 < SNR ≤ 0.67, 8 when SNR < 0.33
    (SNR = 0.33 exactly gets neither, as in that code)."""
    s = float(np.nansum(cxfov_counts))
    b = float(np.nansum(background_counts))
    den = math.sqrt(s * s + b * b)
    snr = s / den if den > 0 else 0.0
    return (4 if 0.33 < snr <= 0.67 else 0) + (8 if snr < 0.33 else 0)


def standoff_re(model: str, pd_npa, bz_nt, pm_npa=0.0, tilt_rad=0.0) -> np.ndarray:
    """Subsolar magnetopause distance [R_E] of the registered magnetopause ``model``,
    vectorised over its inputs (NaN where an input is NaN or out of the model's domain)."""
    return registry.boundary_model(model).standoff_re(pd_npa, bz_nt, pm_npa, tilt_rad)


def cusp_positions_gse(pd_npa, bz_nt, pm_npa, dipole_gse) -> tuple[np.ndarray, np.ndarray]:
    """(north, south) cusp centres (n, 3) GSE [R_E] on the Lin et al. (2010) magnetopause.

    Lin et al. 2010 (JGR 115, A04207) centre their cusp indentations at theta_n = a19 + a20 psi
    (phi = pi/2, GSM north) and theta_s = a19 - a20 psi (phi = 3 pi/2, south), theta from +X,
    psi the dipole tilt [rad]; the point is on their surface at that direction (indentation Q
    included): r = r0 [cos(theta/2) + a5 sin(2 theta)(1 - e^-theta)]^beta(phi) + Q. Inputs are
    arrays (n,) of Pd, IMF Bz, IMF magnetic pressure Pm [nPa, nT, nPa] and the northern dipole
    axis (n, 3) in GSE (tilt psi = asin(axis_x); GSM +Z = the axis without its X part).
    Aberration is ignored, as for the subsolar point. NaN where Pd is not positive.
    """
    a = LIN2010_COEFFICIENTS
    dip = _unit(np.atleast_2d(np.asarray(dipole_gse, dtype=float)))
    n = len(dip)
    pd = np.broadcast_to(np.asarray(pd_npa, dtype=float), (n,))
    bz = np.broadcast_to(np.asarray(bz_nt, dtype=float), (n,))
    pm = np.broadcast_to(np.asarray(pm_npa, dtype=float), (n,))
    psi = np.arcsin(np.clip(dip[:, 0], -1.0, 1.0))
    z_gsm = _unit(np.stack([np.zeros(n), dip[:, 1], dip[:, 2]], axis=1))
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        p = np.where(pd > 0, pd + pm, np.nan)
        r0 = a[0] * p ** a[1] * (1.0 + a[2] * np.expm1(a[3] * bz) / (np.exp(a[4] * bz) + 1.0))
        beta0 = a[6] + a[7] * np.expm1(a[8] * bz) / (np.exp(a[9] * bz) + 1.0)
        c = a[14] * p ** a[15]
        out = []
        for sign in (1.0, -1.0):  # north (phi = pi/2, sin phi = 1), south (3 pi/2, sin phi = -1)
            theta = a[19] + sign * a[20] * psi
            other = a[19] - sign * a[20] * psi
            d_self = a[16] + sign * a[17] * psi + a[18] * psi**2
            d_other = a[16] - sign * a[17] * psi + a[18] * psi**2
            # beta0 + beta1 cos(phi) + beta2 sin(phi) + beta3 sin^2(phi) with cos(phi) = 0.
            beta = beta0 + sign * (a[11] + a[12] * psi) + a[13]
            # Q: distance 0 to this cusp's centre (term c), theta + other (<= pi) to the other.
            psi_other = np.minimum(theta + other, 2.0 * np.pi - (theta + other))
            del d_self  # exp(d_self * 0) = 1
            q = c + c * np.exp(d_other * psi_other ** a[21])
            base = np.cos(0.5 * theta) + a[5] * np.sin(2.0 * theta) * (-np.expm1(-theta))
            r = r0 * base**beta + q
            out.append(
                r[:, None]
                * (np.cos(theta)[:, None] * np.array([1.0, 0.0, 0.0]) + sign * np.sin(theta)[:, None] * z_gsm)
            )
    return out[0], out[1]


def target_margins(
    position_re,
    profile: MissionProfile,
    *,
    standoff_re=None,
    cusp_north_re=None,
    cusp_south_re=None,
    axes=None,
) -> tuple[dict, dict]:
    """Visibility of the profile's targets in the SXI field: ``(visible, margin)`` dicts of
    (n,) arrays; margin [deg] = how far inside the field edges the target point is, less the
    target's edge margin (>= 0: visible). ``standoff_re`` (n,) places the nose on +X GSE;
    ``cusp_*_re`` (n, 3) the cusp centres (:func:`cusp_positions_gse`)."""
    p = np.atleast_2d(np.asarray(position_re, dtype=float))
    n = len(p)
    if axes is None:
        axes = sxi_camera_axes(p, profile.sxi_limb_angle_deg, profile.sxi_roll_deg)
    visible: dict[str, np.ndarray] = {}
    margin: dict[str, np.ndarray] = {}
    for t in (t for t in TARGETS if t in profile.targets):
        if t == "nose":
            if standoff_re is None:
                raise UserInputError("target nose needs standoff_re")
            target = np.zeros_like(p)
            target[:, 0] = np.broadcast_to(np.asarray(standoff_re, dtype=float), (n,))
        else:
            value = cusp_north_re if t == "cusp_north" else cusp_south_re
            if value is None:
                raise UserInputError(f"target {t} needs {t}_re")
            target = np.broadcast_to(np.asarray(value, dtype=float), (n, 3))
        m = -rect_signed_distance_deg(_to_cam(target - p, axes), profile.sxi_fov_deg) - float(
            profile.target_margin_deg[t]
        )
        margin[t] = m
        with np.errstate(invalid="ignore"):
            visible[t] = m >= 0
    return visible, margin


def uvi_oval_margins_deg(
    position_re, centre_dir, shell_radius_re: float, ring_radius_deg: float, fov_diameter_deg: float
):
    """(horizon margin, field margin) [deg] of the auroral-oval ring (module docstring).

    ``position_re`` S (..., 3); ``centre_dir`` c (..., 3) unit vector of the oval centre; the
    ring lies on the sphere of radius ``shell_radius_re`` at angular radius ``ring_radius_deg``
    about c; UVI points at R_a c. Horizon margin = acos(R_a/|S|) − (angle(S, c) + γ) (> 0: the
    whole ring is above the spacecraft's horizon); field margin = fov/2 − the ring's largest
    angle from the boresight (≥ 0: the whole ring is in the field).
    """
    s_vec = np.asarray(position_re, dtype=float)
    c = np.asarray(centre_dir, dtype=float)
    ra = float(shell_radius_re)
    g = math.radians(float(ring_radius_deg))
    cg, sg = math.cos(g), math.sin(g)
    s = np.linalg.norm(s_vec, axis=-1)
    sc = _dot(s_vec, c)
    s_perp = s_vec - sc[..., None] * c
    sp = np.linalg.norm(s_perp, axis=-1)
    # e1: unit vector across c in the plane of S and c (any perpendicular when S is along c).
    alt = np.cross(c, np.where(np.abs(c[..., :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]))
    with np.errstate(invalid="ignore", divide="ignore"):
        e1 = np.where((sp > 1e-12 * s)[..., None], s_perp / sp[..., None], _unit(alt))
        phi = np.arctan2(sp, sc)
        horizon = np.arccos(np.clip(ra / s, -1.0, 1.0))
        horizon_margin = np.where(s > ra, np.degrees(horizon - (phi + g)), np.nan)
        look = ra * c - s_vec
        b = _unit(look)
        cb, e1b, sb = _dot(c, b), _dot(e1, b), _dot(s_vec, b)
        a_ = ra * cg * cb - sb
        b_ = ra * sg * e1b
        d_ = ra * ra + s * s - 2.0 * ra * cg * sc
        e_ = 2.0 * ra * sg * sp

        def f(x):
            return (a_ + b_ * x) / np.sqrt(np.maximum(d_ - e_ * x, 1e-300))

        fmin = np.minimum(f(-1.0), f(1.0))
        xs = 2.0 * d_ / e_ + a_ / b_
        inner = np.isfinite(xs) & (xs > -1.0) & (xs < 1.0)
        fmin = np.where(inner, np.minimum(fmin, f(np.where(inner, xs, 0.0))), fmin)
        max_angle = np.degrees(np.arccos(np.clip(fmin, -1.0, 1.0)))
    field_margin = 0.5 * float(fov_diameter_deg) - max_angle
    return horizon_margin, field_margin


# ============================================================================ ephemerides


class _Nodes:
    """GEI→GSE rotation, Moon (GSE, R_E) and dipole axis (GSE) at TT nodes every
    :data:`NODE_STEP_S` anchored at J2000, and their cubic Lagrange interpolation."""

    def __init__(self, tt_s: np.ndarray, step_s: float = NODE_STEP_S):
        self.step = float(step_s)
        f = tt_s / self.step
        k = np.floor(f).astype(np.int64)
        lo, hi = int(k.min()) - 1, int(k.max()) + 2
        self.k0 = lo
        nodes = np.arange(lo, hi + 1)
        jd2 = nodes * (self.step / 86400.0)
        t = Time(np.full(nodes.shape, _J2000_JD), jd2, format="jd", scale="tt")
        rot = np.asarray(rotation_matrix(t, "gei", "gse"), dtype=float).reshape(-1, 3, 3)
        moon_gcrs = erfa.moon98(np.full(nodes.shape, _J2000_JD), jd2)["p"] * (AU_KM / R_E_KM)
        moon = np.einsum("nij,nj->ni", rot, moon_gcrs)
        dip = np.asarray(dipole_axis(t, "gse"), dtype=float).reshape(-1, 3)
        self.values = np.concatenate([rot.reshape(-1, 9), moon, dip], axis=1)  # (m, 15)

    def at(self, tt_s: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        f = tt_s / self.step
        k = np.floor(f).astype(np.int64)
        u = (f - k)[:, None]
        w = (
            -u * (u - 1) * (u - 2) / 6,
            (u + 1) * (u - 1) * (u - 2) / 2,
            -(u + 1) * u * (u - 2) / 2,
            (u + 1) * u * (u - 1) / 6,
        )
        i = k - self.k0
        v = self.values
        out = w[0] * v[i - 1] + w[1] * v[i] + w[2] * v[i + 1] + w[3] * v[i + 2]
        return out[:, :9].reshape(-1, 3, 3), out[:, 9:12], _unit(out[:, 12:15])


def _tt_seconds(times: Time) -> np.ndarray:
    tt = times.tt
    return ((np.asarray(tt.jd1, float) - _J2000_JD) + np.asarray(tt.jd2, float)) * 86400.0


# ============================================================================ evaluation


@dataclass(eq=False)
class ConstraintTable:
    """Constraints at every epoch of a grid.

    ``times`` (n,) UTC; ``seconds`` (n,) from the first epoch; ``ok[name]`` bool (n,);
    ``margin[name]`` float (n,) in :data:`MARGIN_UNITS` (≥ 0 where it holds; NaN where it
    cannot be evaluated, e.g. no solar wind); ``lambda_deg`` and ``quality_flag`` (SXI
    position bits); ``radius_re``; ``standoff_re``; ``profile``; ``notes`` (lines for the
    user, e.g. epochs without solar wind); ``visible[target]`` and ``target_margin[target]``
    [deg] for the profile's :data:`TARGETS` (geometry only, whether or not SXI observes).
    """

    times: Time
    seconds: np.ndarray
    ok: dict[str, np.ndarray]
    margin: dict[str, np.ndarray]
    lambda_deg: np.ndarray
    quality_flag: np.ndarray
    radius_re: np.ndarray
    standoff_re: np.ndarray
    profile: MissionProfile
    notes: list[str] = field(default_factory=list)
    #: Per target (:data:`TARGETS`): bool (n,) inside the SXI field, and the margin [deg].
    visible: dict[str, np.ndarray] = field(default_factory=dict)
    target_margin: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.ok)

    def all_ok(self, names) -> np.ndarray:
        """Epochs where every constraint in ``names`` holds."""
        out = np.ones(len(self.seconds), dtype=bool)
        for n in names:
            out &= self.ok[n]
        return out

    def __len__(self) -> int:
        return len(self.seconds)


def _solar_wind_arrays(solar_wind, times: Time):
    """(pd [nPa], bz [nT], pm [nPa]) arrays over ``times`` (NaN without data)."""
    n = len(times)
    if isinstance(solar_wind, SolarWind):
        return (np.full(n, solar_wind.pd_npa), np.full(n, solar_wind.bz_nt), np.full(n, solar_wind.pm_npa))
    if isinstance(solar_wind, SolarWindSeries):
        v = solar_wind.interpolate(times, on_gap="nan")
        b = v["b_gsm_nt"]
        bt = np.linalg.norm(b, axis=1) * 1.0e-9
        return v["pd_npa"], b[:, 2], bt * bt / (2.0 * MU0_H_M) * 1.0e9
    raise UserInputError(
        f"solar wind must be a SolarWind or a SolarWindSeries, got {type(solar_wind).__name__}"
    )


def constraint_margins(
    position_re, profile: MissionProfile, *, moon_re=None, dipole_gse=None, standoff_re=None
):
    """The enabled constraints from GSE geometry: ``(ok, margin, lambda_deg, quality_flag)``.

    ``position_re`` (n, 3) spacecraft GSE [R_E]; ``moon_re`` (n, 3) the Moon's geocentric GSE
    position [R_E] (for ``sxi_moon``/``uvi_moon``); ``dipole_gse`` (n, 3) the northern dipole
    axis (for ``uvi_*``); ``standoff_re`` (n,) the subsolar magnetopause distance (for
    ``sxi_magnetopause``). :func:`evaluate_constraints` supplies them from the ephemerides;
    tests give hand-made geometry.
    """
    p = np.atleast_2d(np.asarray(position_re, dtype=float))
    n = len(p)
    enabled = set(profile.enabled)

    def need(value, what, name):
        if value is None:
            raise UserInputError(f"constraint {name} needs {what}")
        return np.broadcast_to(np.asarray(value, dtype=float), (n, 3) if what != "standoff_re" else (n,))

    r = np.linalg.norm(p, axis=1)
    ok: dict[str, np.ndarray] = {}
    margin: dict[str, np.ndarray] = {}

    def put(name, m, strict=False):
        m = np.asarray(m, dtype=float)
        margin[name] = m
        with np.errstate(invalid="ignore"):
            ok[name] = (m > 0) if strict else (m >= 0)

    if "radiation_belt" in enabled:
        put("radiation_belt", (r - 1.0) * R_E_KM - profile.min_altitude_km)
    if "sxi_radius" in enabled:
        put("sxi_radius", r - profile.min_radius_re, strict=True)
    lam, qf = quality_flag_position(p, profile.sxi_limb_angle_deg, profile.qf_lambda_deg)
    if {"sxi_sun", "sxi_earth", "sxi_moon", "sxi_magnetopause"} & enabled:
        axes = sxi_camera_axes(p, profile.sxi_limb_angle_deg, profile.sxi_roll_deg)
        b = axes[2]
        if "sxi_sun" in enabled:
            sun = np.degrees(np.arctan2(np.hypot(b[:, 1], b[:, 2]), b[:, 0]))
            put("sxi_sun", sun - profile.min_sun_angle_deg)
        if "sxi_earth" in enabled:
            with np.errstate(invalid="ignore"):
                rho_e = np.degrees(np.arcsin(np.clip(1.0 / r, -1.0, 1.0)))
            dist = rect_signed_distance_deg(_to_cam(-p, axes), profile.sxi_fov_deg)
            put("sxi_earth", dist - rho_e - profile.earth_limb_margin_deg)
        if "sxi_moon" in enabled:
            dm = need(moon_re, "moon_re", "sxi_moon") - p
            rho_m = np.degrees(np.arcsin(np.clip(R_MOON_KM / R_E_KM / np.linalg.norm(dm, axis=1), -1.0, 1.0)))
            dist = rect_signed_distance_deg(_to_cam(dm, axes), profile.sxi_fov_deg)
            put("sxi_moon", dist - rho_m - profile.sxi_moon_margin_deg)
        if "sxi_magnetopause" in enabled:
            target = np.zeros_like(p)
            target[:, 0] = need(standoff_re, "standoff_re", "sxi_magnetopause")
            dist = rect_signed_distance_deg(_to_cam(target - p, axes), profile.sxi_fov_deg)
            put("sxi_magnetopause", -dist - profile.magnetopause_edge_margin_deg)
    if {"uvi_oval", "uvi_moon"} & enabled:
        dip = _unit(need(dipole_gse, "dipole_gse", "uvi_oval/uvi_moon"))
        # SM axes in GSE (Sun = +X GSE): Z = dipole, Y = Z × X̂ normalised, X = Y × Z.
        y_sm = _unit(np.stack([np.zeros(n), dip[:, 2], -dip[:, 1]], axis=1))
        x_sm = np.cross(y_sm, dip)
        off = math.radians(profile.uvi_oval_offset_deg)
        c = math.cos(off) * dip - math.sin(off) * x_sm
        ra = 1.0 + profile.uvi_target_altitude_km / R_E_KM
        if "uvi_oval" in enabled:
            hor, fld = uvi_oval_margins_deg(
                p, c, ra, profile.uvi_oval_radius_deg, profile.uvi_fov_diameter_deg
            )
            fld = fld - profile.uvi_oval_edge_margin_deg
            # Both must hold (the horizon strictly): the margin is the smaller of the two.
            margin["uvi_oval"] = np.minimum(hor, fld)
            with np.errstate(invalid="ignore"):
                ok["uvi_oval"] = (hor > 0) & (fld >= 0)
        if "uvi_moon" in enabled:
            dm = need(moon_re, "moon_re", "uvi_moon") - p
            rho_m = np.degrees(np.arcsin(np.clip(R_MOON_KM / R_E_KM / np.linalg.norm(dm, axis=1), -1.0, 1.0)))
            dist = circle_signed_distance_deg(dm, ra * c - p, profile.uvi_fov_diameter_deg)
            put("uvi_moon", dist - rho_m - profile.uvi_moon_margin_deg)
    return ok, margin, lam, qf


def _evaluate_chunk(times: Time, profile: MissionProfile, orbit, solar_wind, nodes: _Nodes, tt_s: np.ndarray):
    p_gei = np.asarray(orbit.position(times, "gei"), dtype=float).reshape(-1, 3)
    rot, moon, dip = nodes.at(tt_s)
    p = np.einsum("nij,nj->ni", rot, p_gei)
    standoff = np.full(len(p), np.nan)
    visible, tmargin = {}, {}
    if "sxi_magnetopause" in profile.enabled or profile.targets:
        pd, bz, pm = _solar_wind_arrays(solar_wind, times)
        needs_tilt = registry.boundary_model(profile.magnetopause_model).needs_tilt
        tilt = np.arcsin(np.clip(dip[:, 0], -1.0, 1.0)) if needs_tilt else 0.0
        standoff = standoff_re(profile.magnetopause_model, pd, bz, pm, tilt)
        if profile.targets:
            north, south = cusp_positions_gse(pd, bz, pm, dip)
            visible, tmargin = target_margins(
                p, profile, standoff_re=standoff, cusp_north_re=north, cusp_south_re=south
            )
    ok, margin, lam, qf = constraint_margins(p, profile, moon_re=moon, dipole_gse=dip, standoff_re=standoff)
    return ok, margin, lam, qf, np.linalg.norm(p, axis=1), standoff, visible, tmargin


def evaluate_constraints(
    times,
    profile: MissionProfile | None = None,
    *,
    orbit=None,
    solar_wind=None,
    chunk: int = CHUNK,
    workers: int | None = None,
) -> ConstraintTable:
    """Every enabled constraint of ``profile`` at every epoch of ``times`` (a 1-D UTC ``Time``).

    ``orbit``: any :class:`~smile_viewer.mission.orbit.Orbit` (default: the default SMILE
    orbit); ``solar_wind``: a ``SolarWind`` or ``SolarWindSeries`` (default: the profile's);
    ``workers``: threads over chunks (default: up to 2 when there are several chunks; numpy
    releases the GIL in the heavy array operations).
    """
    prof = load_profile() if profile is None else profile
    t = times if isinstance(times, Time) else Time(times, scale="utc")
    t = t.utc.reshape(-1)
    n = len(t)
    if n == 0:
        raise UserInputError("no epochs to evaluate")
    orb = default_orbit() if orbit is None else orbit
    cov = getattr(orb, "coverage", None)
    if cov is not None and (t[0] < cov[0] or t[-1] > cov[1]):
        raise UserInputError(
            f"the orbit covers {cov[0].utc.isot} .. {cov[1].utc.isot} only; "
            f"the request spans {t[0].isot} .. {t[-1].isot}"
        )
    sw = prof.solar_wind_object() if solar_wind is None else solar_wind
    tt_s = _tt_seconds(t)
    nodes = _Nodes(tt_s)
    bounds = [(i, min(i + chunk, n)) for i in range(0, n, chunk)]

    def run(b):
        i, j = b
        return _evaluate_chunk(t[i:j], prof, orb, sw, nodes, tt_s[i:j])

    if workers is None:
        workers = min(2, len(bounds), os.cpu_count() or 1)
    if workers > 1:
        with ThreadPoolExecutor(workers) as pool:
            parts = list(pool.map(run, bounds))
    else:
        parts = [run(b) for b in bounds]
    names = [c for c in CONSTRAINTS if c in parts[0][0]]
    ok = {k: np.concatenate([pp[0][k] for pp in parts]) for k in names}
    margin = {k: np.concatenate([pp[1][k] for pp in parts]) for k in names}
    lam = np.concatenate([pp[2] for pp in parts])
    qf = np.concatenate([pp[3] for pp in parts])
    r = np.concatenate([pp[4] for pp in parts])
    standoff = np.concatenate([pp[5] for pp in parts])
    targets = [t for t in TARGETS if t in parts[0][6]]
    visible = {t: np.concatenate([pp[6][t] for pp in parts]) for t in targets}
    tmargin = {t: np.concatenate([pp[7][t] for pp in parts]) for t in targets}
    notes = []
    if "sxi_magnetopause" in margin or targets:
        missing = int(np.count_nonzero(~np.isfinite(standoff)))
        if missing:
            what = " and ".join(
                x
                for x in (
                    "sxi_magnetopause fails" if "sxi_magnetopause" in margin else "",
                    "no target is visible" if targets else "",
                )
                if x
            )
            notes.append(f"no solar wind at {missing} of {n} epochs: {what} there")
    seconds = tt_s - tt_s[0]  # elapsed SI seconds (TT is uniform; leap seconds counted)
    return ConstraintTable(t, seconds, ok, margin, lam, qf, r, standoff, prof, notes, visible, tmargin)
