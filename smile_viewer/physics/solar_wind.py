"""Solar wind input for the magnetosphere and emissivity models.

:class:`SolarWind` — one validated, immutable set of upstream conditions with the derived
quantities the models use (dynamic and magnetic pressure, Mach numbers, the effective speed of
the SWCX emissivity); :class:`SolarWindSeries` — a time series of them, fill values masked and
gaps interpolated. Units in the names (``n_cm3``, ``*_km_s``, ``t_k``, ``*_nt``, ``*_npa``).
Conventions (OMNI's Pd = 2e-6 n v², OMNI's Mach numbers):
docs/reference.md#solar-wind-and-dynamic-pressure.
"""

from __future__ import annotations

import dataclasses
import math
import sys
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from astropy.time import Time

from smile_viewer.constants import K_BOLTZMANN_J_K, M_PROTON_KG, MU0_H_M
from smile_viewer.coords.timeparse import parse_time
from smile_viewer.errors import UserInputError

__all__ = [
    "SolarWind",
    "SolarWindSeries",
    "SolarWindWarning",
    "is_omni_fill_value",
    "MAX_SPEED_KM_S",
    "DEFAULT_MAX_GAP_S",
]

#: Largest accepted bulk speed [km/s]; the fastest CME-driven winds observed are ~3,000 km/s.
MAX_SPEED_KM_S: float = 3000.0
#: Default longest gap between good samples that interpolation bridges [s].
DEFAULT_MAX_GAP_S: float = 3600.0

#: OMNI dynamic-pressure factor [nPa / (cm^-3 (km/s)^2)] (OMNI documentation, footnote G:
#: "Flow pressure = (2*10**-6)*Np*Vp**2 nPa").
_OMNI_PD_FACTOR = 2.0e-6
#: Protons-only dynamic-pressure factor m_p [kg] · 1e6 cm^-3→m^-3 · 1e6 (km/s)²→(m/s)² · 1e9 Pa→nPa.
_PROTON_PD_FACTOR = M_PROTON_KG * 1.0e21

# Above these, a value is possible but unusual: warn, do not refuse.
_WARN_N_CM3 = 200.0
_WARN_MIN_SPEED_KM_S = 150.0
_WARN_T_K = 5.0e6
_WARN_B_NT = 100.0
_WARN_HE_RATIO = 0.3

# OMNI marks missing data by filling a field's format with 9s (HRO_format.txt: 9999.99 for
# F8.2 fields such as B, 99999.9 for F8.1 speeds, 999.99 for the F7.2 density, 9999999. for
# the F9.0 temperature; the hourly OMNI2 set uses 999.9, 9999., 9999999.). An all-9 value is
# recognised as fill only from the smallest magnitude the field can never reach in the solar
# wind, so that a real density of 99.99 or a temperature of 999999 K is never thrown away.
_FILL_MIN_ABS = {
    "n_cm3": 999.0,
    "v_gse_km_s": 9999.0,
    "t_k": 9999999.0,
    "b_gsm_nt": 999.0,
    "he_ratio": 9.0,
}
#: ISTP/CDF generic fill (-1e31) and anything of that size.
_HUGE_FILL = 1.0e30

_LABELS = {
    "n_cm3": "proton density n_cm3",
    "v_gse_km_s": "bulk velocity v_gse_km_s",
    "t_k": "proton temperature t_k",
    "b_gsm_nt": "IMF b_gsm_nt",
    "he_ratio": "alpha/proton ratio he_ratio",
}


class SolarWindWarning(UserWarning):
    """A solar wind value that is possible but physically unusual (e.g. n > 200 cm^-3)."""


def _all_nines(a: np.ndarray) -> np.ndarray:
    """True where |a| is 9…9 or 9…9.9… (up to 3 decimals) or larger than 1e30."""
    a = np.abs(np.asarray(a, dtype=float))
    out = a >= _HUGE_FILL
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for decimals in (0, 1, 2, 3):
            eps = 10.0 ** (-decimals)
            k = np.round(np.log10(a + eps))
            candidate = 10.0**k - eps
            # rtol 1e-6 also matches fills stored as float32 (9999.99 -> 9999.990234).
            out |= (candidate > 0) & (np.abs(a - candidate) <= 1e-6 * candidate)
    return out


def is_omni_fill_value(value: Any, field_name: str) -> np.ndarray | bool:
    """Whether ``value`` is an OMNI/ISTP fill value for the solar wind field ``field_name``.

    ``field_name`` is one of ``n_cm3``, ``v_gse_km_s``, ``t_k``, ``b_gsm_nt``, ``he_ratio``.
    Works elementwise on arrays; NaN is not a fill value (it is already "missing").
    """
    if field_name not in _FILL_MIN_ABS:
        raise ValueError(f"unknown solar wind field {field_name!r}; expected one of {sorted(_FILL_MIN_ABS)}")
    a = np.asarray(value, dtype=float)
    with np.errstate(invalid="ignore"):
        out = np.abs(a) >= _FILL_MIN_ABS[field_name] * (1 - 1e-9)
    if out.ndim == 0:
        return bool(out and _all_nines(a))
    out[out] = _all_nines(a[out])  # only the few large values need the all-9s test
    return out


def _fmt(value: float) -> str:
    return f"{value:.10g}"


def _as_float(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise UserInputError(f"solar wind {name} = {value!r} is not a number")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UserInputError(f"solar wind {name} = {value!r} is not a number") from None
    return x


def _check_scalar(value: Any, name: str, field_name: str) -> float:
    """A finite, non-fill float, or UserInputError naming the field and the value."""
    x = _as_float(value, name)
    if not math.isfinite(x):
        raise UserInputError(f"solar wind {name} = {_fmt(x)} is not a finite number")
    if is_omni_fill_value(x, field_name):
        raise UserInputError(
            f"solar wind {name} = {x:.7g} is an OMNI fill value (missing data), not a measurement"
        )
    return x


def _check_vector(value: Any, name: str, field_name: str) -> tuple[float, float, float]:
    """Three finite, non-fill floats, or UserInputError naming the field and the value."""
    if isinstance(value, (str, bytes, Mapping)):
        raise UserInputError(f"solar wind {name} = {value!r} must be 3 numbers (x, y, z)")
    try:
        items = list(value)
    except TypeError:
        raise UserInputError(f"solar wind {name} = {value!r} must be 3 numbers (x, y, z)") from None
    if len(items) != 3:
        raise UserInputError(f"solar wind {name} = {value!r} must be 3 numbers (x, y, z), got {len(items)}")
    x, y, z = (_check_scalar(v, f"{name}[{i}]", field_name) for i, v in enumerate(items))
    return (x, y, z)


def _fmt_vec(v: Sequence[float]) -> str:
    return "(" + ", ".join(_fmt(c) for c in v) + ")"


def _warn(message: str) -> None:
    """Warn, attributing the warning to the first caller outside this module."""
    frame = sys._getframe(1)  # the caller of _warn, which is stacklevel 2
    level = 2
    skip = {__file__, dataclasses.__file__}
    while frame is not None and (
        frame.f_code.co_filename in skip
        or (frame.f_code.co_filename == "<string>" and frame.f_code.co_name == "__init__")
    ):
        frame = frame.f_back
        level += 1
    warnings.warn(message, SolarWindWarning, stacklevel=level)


@dataclass(frozen=True, slots=True)
class SolarWind:
    """Upstream solar wind conditions (at the bow-shock nose), validated and immutable.

    Parameters
    ----------
    n_cm3
        Proton number density [cm^-3]; must be > 0.
    v_gse_km_s
        Bulk velocity (vx, vy, vz) in GSE [km/s]; typically (-400, 0, 0) (flow away from the
        Sun). Its magnitude must be > 0 and at most 3,000 km/s.
    t_k
        Proton temperature [K]; must be >= 0.
    b_gsm_nt
        Interplanetary magnetic field (bx, by, bz) in GSM [nT]. The boundary models use Bz GSM.
    he_ratio
        Alpha/proton number density ratio n_alpha/n_p (0–1), or None when unknown. Only the
        exact Alfvén speed uses it.

    Invalid values (NaN, infinities, OMNI fill values, n <= 0, speed above 3,000 km/s or zero,
    negative temperature) raise :class:`~smile_viewer.errors.UserInputError` naming the field
    and the value. Possible but unusual values (n > 200 cm^-3, speed < 150 km/s, sunward flow,
    T > 5e6 K, |B| > 100 nT, he_ratio > 0.3) emit a :class:`SolarWindWarning`.

    See the module docstring for the conventions of the derived quantities.
    """

    n_cm3: float = 5.0
    v_gse_km_s: tuple[float, float, float] = (-400.0, 0.0, 0.0)
    t_k: float = 1.0e5
    b_gsm_nt: tuple[float, float, float] = (0.0, 0.0, 0.0)
    he_ratio: float | None = None

    def __post_init__(self) -> None:
        n = _check_scalar(self.n_cm3, "density n_cm3", "n_cm3")
        if n <= 0:
            raise UserInputError(f"solar wind density n_cm3 = {_fmt(n)}: must be positive (protons per cm^3)")
        v = _check_vector(self.v_gse_km_s, "velocity v_gse_km_s", "v_gse_km_s")
        speed = math.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2)
        if speed > MAX_SPEED_KM_S:
            raise UserInputError(
                f"solar wind velocity v_gse_km_s = {_fmt_vec(v)}: speed {speed:.1f} km/s "
                f"is above the {MAX_SPEED_KM_S:.0f} km/s limit"
            )
        if speed == 0:
            raise UserInputError("solar wind velocity v_gse_km_s = (0, 0, 0): the speed must be positive")
        t = _check_scalar(self.t_k, "temperature t_k", "t_k")
        if t < 0:
            raise UserInputError(f"solar wind temperature t_k = {_fmt(t)}: must not be negative (kelvin)")
        b = _check_vector(self.b_gsm_nt, "IMF b_gsm_nt", "b_gsm_nt")
        he = self.he_ratio
        if he is not None:
            he = _check_scalar(he, "alpha/proton ratio he_ratio", "he_ratio")
            if not 0 <= he <= 1:
                raise UserInputError(
                    f"solar wind alpha/proton ratio he_ratio = {_fmt(he)}: must be between 0 and 1"
                )
        object.__setattr__(self, "n_cm3", n)
        object.__setattr__(self, "v_gse_km_s", v)
        object.__setattr__(self, "t_k", t)
        object.__setattr__(self, "b_gsm_nt", b)
        object.__setattr__(self, "he_ratio", he)

        if n > _WARN_N_CM3:
            _warn(f"solar wind density n_cm3 = {_fmt(n)} is unusually high (> {_WARN_N_CM3:.0f} cm^-3)")
        if speed < _WARN_MIN_SPEED_KM_S:
            _warn(f"solar wind speed {speed:.1f} km/s is unusually low (< {_WARN_MIN_SPEED_KM_S:.0f} km/s)")
        if v[0] > 0:
            _warn(f"solar wind velocity v_gse_km_s has vx = {_fmt(v[0])} > 0: the flow is toward the Sun")
        if t > _WARN_T_K:
            _warn(f"solar wind temperature t_k = {_fmt(t)} is unusually high (> {_WARN_T_K:.0e} K)")
        bmag = math.sqrt(b[0] ** 2 + b[1] ** 2 + b[2] ** 2)
        if bmag > _WARN_B_NT:
            _warn(f"IMF b_gsm_nt magnitude {bmag:.1f} nT is unusually strong (> {_WARN_B_NT:.0f} nT)")
        if he is not None and he > _WARN_HE_RATIO:
            _warn(f"solar wind alpha/proton ratio he_ratio = {_fmt(he)} is unusually high")

    # -- construction ------------------------------------------------------------------

    @classmethod
    def from_speed(
        cls,
        n_cm3: float = 5.0,
        v_km_s: float = 400.0,
        bz_nt: float = 0.0,
        by_nt: float = 0.0,
        bx_nt: float = 0.0,
        t_k: float = 1.0e5,
        he_ratio: float | None = None,
    ) -> SolarWind:
        """Solar wind flowing radially away from the Sun, v = (-v_km_s, 0, 0) GSE."""
        v = _as_float(v_km_s, "speed v_km_s")
        if math.isfinite(v) and v < 0:
            raise UserInputError(
                f"solar wind speed v_km_s = {_fmt(v)}: give the speed as a positive number "
                "(the flow is along -X)"
            )
        if is_omni_fill_value(v, "v_gse_km_s"):
            raise UserInputError(
                f"solar wind speed v_km_s = {_fmt(v)} is an OMNI fill value (missing data), not a measurement"
            )
        return cls(
            n_cm3=n_cm3,
            v_gse_km_s=(-v, 0.0, 0.0),
            t_k=t_k,
            b_gsm_nt=(bx_nt, by_nt, bz_nt),
            he_ratio=he_ratio,
        )

    def replace(self, **changes: Any) -> SolarWind:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    # -- serialisation -----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict: ``n_cm3``, ``v_gse_km_s`` (list), ``t_k``, ``b_gsm_nt`` (list),
        and ``he_ratio`` when set. :meth:`from_dict` restores the same object."""
        d: dict[str, Any] = {
            "n_cm3": self.n_cm3,
            "v_gse_km_s": list(self.v_gse_km_s),
            "t_k": self.t_k,
            "b_gsm_nt": list(self.b_gsm_nt),
        }
        if self.he_ratio is not None:
            d["he_ratio"] = self.he_ratio
        return d

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SolarWind:
        """Inverse of :meth:`to_dict`. ``n_cm3``, ``v_gse_km_s`` and ``b_gsm_nt`` are required;
        ``t_k`` and ``he_ratio`` are optional; any other key is an error."""
        if not isinstance(data, Mapping):
            raise UserInputError(
                f"solar wind must be given as a mapping of fields, got {type(data).__name__}"
            )
        known = {"n_cm3", "v_gse_km_s", "t_k", "b_gsm_nt", "he_ratio"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise UserInputError(f"solar wind: unknown field(s) {unknown}; expected {sorted(known)}")
        missing = [k for k in ("n_cm3", "v_gse_km_s", "b_gsm_nt") if k not in data]
        if missing:
            raise UserInputError(f"solar wind: missing field(s) {missing}")
        return cls(**dict(data))

    #: FITS keywords written by :meth:`fits_cards` and read by :meth:`from_fits_header`.
    FITS_KEYS = ("SW_N", "SW_VX", "SW_VY", "SW_VZ", "SW_T", "SW_BX", "SW_BY", "SW_BZ", "SW_HE")

    def fits_cards(self) -> list[tuple[str, float, str]]:
        """(keyword, value, comment) triples for a FITS header: the fields plus SW_PD (OMNI Pd),
        all keywords at most 8 characters."""
        vx, vy, vz = self.v_gse_km_s
        bx, by, bz = self.b_gsm_nt
        cards = [
            ("SW_N", self.n_cm3, "[cm-3] solar wind proton density"),
            ("SW_VX", vx, "[km/s] solar wind velocity X GSE"),
            ("SW_VY", vy, "[km/s] solar wind velocity Y GSE"),
            ("SW_VZ", vz, "[km/s] solar wind velocity Z GSE"),
            ("SW_T", self.t_k, "[K] solar wind proton temperature"),
            ("SW_BX", bx, "[nT] IMF X GSM"),
            ("SW_BY", by, "[nT] IMF Y GSM"),
            ("SW_BZ", bz, "[nT] IMF Z GSM"),
        ]
        if self.he_ratio is not None:
            cards.append(("SW_HE", self.he_ratio, "solar wind alpha/proton density ratio"))
        cards.append(("SW_PD", self.pd_npa, "[nPa] dynamic pressure, OMNI 2e-6 n v^2"))
        return cards

    @classmethod
    def from_fits_header(cls, header: Mapping[str, Any]) -> SolarWind:
        """Rebuild from a header (or any mapping) holding the keywords of :meth:`fits_cards`."""
        missing = [
            k for k in ("SW_N", "SW_VX", "SW_VY", "SW_VZ", "SW_BX", "SW_BY", "SW_BZ") if k not in header
        ]
        if missing:
            raise UserInputError(f"FITS header has no solar wind keyword(s) {missing}")
        return cls(
            n_cm3=header["SW_N"],
            v_gse_km_s=(header["SW_VX"], header["SW_VY"], header["SW_VZ"]),
            t_k=header["SW_T"] if "SW_T" in header else 1.0e5,
            b_gsm_nt=(header["SW_BX"], header["SW_BY"], header["SW_BZ"]),
            he_ratio=header["SW_HE"] if "SW_HE" in header else None,
        )

    # -- derived quantities ------------------------------------------------------------

    @property
    def speed_km_s(self) -> float:
        """Bulk speed |v| [km/s]."""
        vx, vy, vz = self.v_gse_km_s
        return math.sqrt(vx * vx + vy * vy + vz * vz)

    @property
    def bx_nt(self) -> float:
        """IMF Bx (GSM = GSE) [nT]."""
        return self.b_gsm_nt[0]

    @property
    def by_nt(self) -> float:
        """IMF By GSM [nT]."""
        return self.b_gsm_nt[1]

    @property
    def bz_nt(self) -> float:
        """IMF Bz GSM [nT] — the boundary models' IMF input."""
        return self.b_gsm_nt[2]

    @property
    def b_nt(self) -> float:
        """IMF magnitude |B| [nT]."""
        bx, by, bz = self.b_gsm_nt
        return math.sqrt(bx * bx + by * by + bz * bz)

    @property
    def clock_angle_deg(self) -> float:
        """IMF clock angle atan2(By, Bz) GSM [deg]: 0 northward, ±180 southward, 90 duskward."""
        return math.degrees(math.atan2(self.by_nt, self.bz_nt))

    @property
    def pd_npa(self) -> float:
        """Dynamic pressure, OMNI convention 2e-6 · n · v² [nPa] (protons + ~4 % helium)."""
        return _OMNI_PD_FACTOR * self.n_cm3 * self.speed_km_s**2

    @property
    def pd_protons_npa(self) -> float:
        """Dynamic pressure of the protons alone, m_p · n · v² [nPa] (1.6726e-6 · n · v²)."""
        return _PROTON_PD_FACTOR * self.n_cm3 * self.speed_km_s**2

    @property
    def pm_npa(self) -> float:
        """IMF magnetic pressure B² / (2 mu0) [nPa]."""
        b_t = self.b_nt * 1.0e-9
        return b_t * b_t / (2.0 * MU0_H_M) * 1.0e9

    @property
    def e_field_mv_m(self) -> float:
        """Solar wind electric field, OMNI convention -V · Bz(GSM) · 1e-3 [mV/m] (dawn–dusk Ey)."""
        return -self.speed_km_s * self.bz_nt * 1.0e-3

    @property
    def plasma_beta(self) -> float:
        """Plasma beta, OMNI convention [(T · 4.16e-5) + 5.34] · n / B² (inf when B = 0)."""
        b2 = self.b_nt**2
        num = (self.t_k * 4.16e-5 + 5.34) * self.n_cm3
        return math.inf if b2 == 0 else num / b2

    @property
    def v_alfven_km_s(self) -> float:
        """Exact Alfvén speed B / sqrt(mu0 m_p n (1 + 4 he_ratio)) [km/s] (protons only when
        ``he_ratio`` is None): 48.77 km/s for n = 5 cm^-3, |B| = 5 nT."""
        rho = M_PROTON_KG * self.n_cm3 * 1.0e6 * (1.0 + 4.0 * (self.he_ratio or 0.0))
        return self.b_nt * 1.0e-9 / math.sqrt(MU0_H_M * rho) / 1.0e3

    @property
    def v_alfven_omni_km_s(self) -> float:
        """OMNI's Alfvén speed 20 · B / sqrt(n) [km/s] (44.72 km/s for n = 5, B = 5 nT)."""
        return 20.0 * self.b_nt / math.sqrt(self.n_cm3)

    @property
    def v_sound_km_s(self) -> float:
        """Sound speed, OMNI's 0.12 · sqrt(T + 1.28e5) [km/s] (gamma 5/3, 5 % alphas at 4 T_p,
        T_e = 1.4e5 K; see the module docstring)."""
        return 0.12 * math.sqrt(self.t_k + 1.28e5)

    @property
    def v_magnetosonic_km_s(self) -> float:
        """Magnetosonic speed, OMNI's sqrt(V_A,omni² + V_s²) [km/s]."""
        return math.hypot(self.v_alfven_omni_km_s, self.v_sound_km_s)

    @property
    def alfven_mach(self) -> float:
        """Alfvén Mach number, OMNI definition V · sqrt(n) / (20 B) (inf when B = 0)."""
        va = self.v_alfven_omni_km_s
        return math.inf if va == 0 else self.speed_km_s / va

    @property
    def magnetosonic_mach(self) -> float:
        """Magnetosonic Mach number, OMNI definition V / sqrt(V_A,omni² + V_s²)."""
        return self.speed_km_s / self.v_magnetosonic_km_s

    @property
    def v_thermal_km_s(self) -> float:
        """Proton thermal speed sqrt(3 k T / m_p) [km/s] (docs/reference.md, SWCX emissivity)."""
        return math.sqrt(3.0 * K_BOLTZMANN_J_K * self.t_k / M_PROTON_KG) / 1.0e3

    @property
    def v_eff_km_s(self) -> float:
        """Effective collision speed sqrt(v² + v_th²) [km/s] used in the SWCX emissivity."""
        return math.hypot(self.speed_km_s, self.v_thermal_km_s)


# ---------------------------------------------------------------------------------------
# Time series
# ---------------------------------------------------------------------------------------

_SERIES_FIELDS = ("n_cm3", "v_gse_km_s", "t_k", "b_gsm_nt", "he_ratio")


def _fmt_duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    if seconds < 3 * 86400:
        return f"{seconds / 3600:.2f} h"
    return f"{seconds / 86400:.2f} d"


def _as_time(value: Any, what: str) -> Time:
    if isinstance(value, Time):
        return value
    if isinstance(value, str):
        return parse_time(value)
    try:
        items = list(value)
    except TypeError:
        raise UserInputError(
            f"cannot read {what} {value!r}: give an astropy Time or ISO 8601 strings"
        ) from None
    return (
        Time([parse_time(v) if isinstance(v, str) else v for v in items]) if items else Time([], format="jd")
    )


def _mask_invalid(name: str, arr: np.ndarray) -> tuple[np.ndarray, int]:
    """NaN where a value is a fill value or out of the valid range; return (array, count masked)."""
    a = np.array(arr, dtype=float, copy=True)
    was_finite = np.isfinite(a) if a.ndim == 1 else np.all(np.isfinite(a), axis=1)
    bad = ~np.isfinite(a) | is_omni_fill_value(a, name)
    if a.ndim == 2:
        bad = np.any(bad, axis=1)
    with np.errstate(invalid="ignore"):
        if name == "n_cm3":
            bad |= ~(a > 0)
        elif name == "t_k":
            bad |= ~(a >= 0)
        elif name == "he_ratio":
            bad |= ~((a >= 0) & (a <= 1))
        elif name == "v_gse_km_s":
            speed = np.sqrt(np.sum(a * a, axis=1))
            bad |= ~((speed > 0) & (speed <= MAX_SPEED_KM_S))
    a[bad] = np.nan
    return a, int(np.count_nonzero(bad & was_finite))


class SolarWindSeries:
    """A time series of solar wind conditions, evaluated at any time by interpolation.

    Parameters
    ----------
    times
        Sample times (astropy ``Time``, or ISO strings), N of them. They are sorted if needed;
        duplicates are an error. For OMNI they are the file's time stamps, i.e. the start of
        each averaging interval.
    n_cm3, t_k
        Arrays of N proton densities [cm^-3] and temperatures [K].
    v_gse_km_s, b_gsm_nt
        Arrays (N, 3): bulk velocity GSE [km/s] and IMF GSM [nT].
    he_ratio
        Optional array of N alpha/proton ratios.
    max_gap_s
        Longest gap between two good samples that :meth:`at` and :meth:`interpolate` bridge by
        linear interpolation (default 1 h). Longer gaps raise an error naming the time and gap.
    source
        Where the data came from (a file name), quoted in error messages.

    NaN marks missing data. OMNI fill values (9999.99, 99999.9, 999.99, 9999999., -1e31, …)
    and values a :class:`SolarWind` would refuse (n <= 0, speed 0 or above 3,000 km/s,
    T < 0) are turned into NaN here, so they never reach a model; :attr:`masked_counts` says
    how many were masked per field. Each field is interpolated on its own good samples; a
    vector field is good only where all three components are.
    """

    def __init__(
        self,
        times: Time | Sequence[str],
        n_cm3: Any,
        v_gse_km_s: Any,
        t_k: Any,
        b_gsm_nt: Any,
        *,
        he_ratio: Any = None,
        max_gap_s: float = DEFAULT_MAX_GAP_S,
        source: str | None = None,
    ) -> None:
        self._constant: SolarWind | None = None
        self.source = source
        self.max_gap_s = self._check_gap(max_gap_s)
        t = _as_time(times, "solar wind times")
        if t.isscalar:
            t = t.reshape((1,))
        n = t.shape[0]
        if n == 0:
            raise UserInputError(self._where() + "solar wind series has no samples")
        raw = {"n_cm3": n_cm3, "v_gse_km_s": v_gse_km_s, "t_k": t_k, "b_gsm_nt": b_gsm_nt}
        if he_ratio is not None:
            raw["he_ratio"] = he_ratio
        arrays: dict[str, np.ndarray] = {}
        masked: dict[str, int] = {}
        for name, value in raw.items():
            try:
                a = np.asarray(value, dtype=float)
            except (TypeError, ValueError):
                raise UserInputError(self._where() + f"solar wind {name} is not numeric") from None
            want = (n, 3) if name in ("v_gse_km_s", "b_gsm_nt") else (n,)
            if a.shape != want:
                raise UserInputError(
                    self._where() + f"solar wind {name} has shape {a.shape}, expected {want} for {n} times"
                )
            arrays[name], masked[name] = _mask_invalid(name, a)

        t_s = (t - t[0]).to_value("s")
        t_s = np.asarray(t_s, dtype=float)
        if np.any(np.diff(t_s) <= 0):
            order = np.argsort(t_s, kind="stable")
            t = t[order]
            t_s = t_s[order]
            arrays = {k: v[order] for k, v in arrays.items()}
            dup = np.flatnonzero(np.diff(t_s) == 0)
            if dup.size:
                raise UserInputError(
                    self._where() + f"solar wind series has {dup.size} duplicate time(s), "
                    f"the first at {t[dup[0]].isot}"
                )
            t_s = t_s - t_s[0]
        for a in arrays.values():
            a.setflags(write=False)
        t_s.setflags(write=False)
        self._times: Time | None = t
        self._t_s = t_s
        self._arrays = arrays
        self._good_cache: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.masked_counts: dict[str, int] = masked

    # -- construction ------------------------------------------------------------------

    @classmethod
    def constant(cls, sw: SolarWind) -> SolarWindSeries:
        """A series that gives ``sw`` at every time (no time range, no gaps)."""
        if not isinstance(sw, SolarWind):
            raise UserInputError(f"SolarWindSeries.constant needs a SolarWind, got {type(sw).__name__}")
        self = cls.__new__(cls)
        self._constant = sw
        self.source = "constant"
        self.max_gap_s = math.inf
        arrays = {
            "n_cm3": np.array([sw.n_cm3]),
            "v_gse_km_s": np.array([sw.v_gse_km_s]),
            "t_k": np.array([sw.t_k]),
            "b_gsm_nt": np.array([sw.b_gsm_nt]),
        }
        if sw.he_ratio is not None:
            arrays["he_ratio"] = np.array([sw.he_ratio])
        for a in arrays.values():
            a.setflags(write=False)
        self._times = None
        self._t_s = np.zeros(1)
        self._arrays = arrays
        self._good_cache = {}
        self.masked_counts = {k: 0 for k in arrays}
        return self

    @staticmethod
    def _check_gap(max_gap_s: Any) -> float:
        g = _as_float(max_gap_s, "max_gap_s")
        if math.isnan(g) or g < 0:
            raise UserInputError(f"max_gap_s = {max_gap_s!r}: must be a non-negative number of seconds")
        return g

    def _where(self) -> str:
        return f"{self.source}: " if self.source else ""

    # -- inspection --------------------------------------------------------------------

    @property
    def is_constant(self) -> bool:
        """True for a series made by :meth:`constant`."""
        return self._constant is not None

    @property
    def times(self) -> Time | None:
        """Sample times (None for a constant series)."""
        return self._times

    @property
    def time_range(self) -> tuple[Time, Time] | None:
        """(first, last) sample time, or None for a constant series."""
        if self._constant is not None:
            return None
        t = self._times
        return t[0], t[-1]

    @property
    def n_cm3(self) -> np.ndarray:
        """Proton density per sample [cm^-3], NaN where missing (read-only)."""
        return self._arrays["n_cm3"]

    @property
    def v_gse_km_s(self) -> np.ndarray:
        """Velocity per sample (N, 3) GSE [km/s], NaN where missing (read-only)."""
        return self._arrays["v_gse_km_s"]

    @property
    def t_k(self) -> np.ndarray:
        """Proton temperature per sample [K], NaN where missing (read-only)."""
        return self._arrays["t_k"]

    @property
    def b_gsm_nt(self) -> np.ndarray:
        """IMF per sample (N, 3) GSM [nT], NaN where missing (read-only)."""
        return self._arrays["b_gsm_nt"]

    @property
    def he_ratio(self) -> np.ndarray | None:
        """Alpha/proton ratio per sample, or None when the series has none."""
        return self._arrays.get("he_ratio")

    def coverage(self) -> dict[str, float]:
        """Fraction (0–1) of samples with good data, per field."""
        out = {}
        for name, a in self._arrays.items():
            good = np.isfinite(a) if a.ndim == 1 else np.all(np.isfinite(a), axis=1)
            out[name] = float(np.mean(good))
        return out

    def __len__(self) -> int:
        return int(self._t_s.shape[0])

    def __repr__(self) -> str:
        if self._constant is not None:
            return f"SolarWindSeries.constant({self._constant!r})"
        t0, t1 = self.time_range  # type: ignore[misc]
        src = f", source={self.source!r}" if self.source else ""
        return f"<SolarWindSeries {len(self)} samples {t0.isot} – {t1.isot}{src}>"

    # -- evaluation --------------------------------------------------------------------

    def at(self, time: Time | str, *, max_gap_s: float | None = None) -> SolarWind:
        """The solar wind at ``time`` (astropy Time or ISO string), linearly interpolated.

        Raises :class:`~smile_viewer.errors.UserInputError` naming the time when it lies outside
        the data or in a gap longer than ``max_gap_s`` (default: the series' own).
        """
        t = _as_time(time, "time")
        if not t.isscalar:
            if t.size != 1:
                raise UserInputError(f"at() takes one time, got {t.size}; use interpolate() for several")
            t = t.ravel()[0]
        if self._constant is not None:
            return self._constant
        values = self.interpolate(t, max_gap_s=max_gap_s, on_gap="raise")
        he = values.get("he_ratio")
        he_val = None if he is None or not np.isfinite(he[0]) else float(he[0])
        return SolarWind(
            n_cm3=float(values["n_cm3"][0]),
            v_gse_km_s=tuple(float(c) for c in values["v_gse_km_s"][0]),  # type: ignore[arg-type]
            t_k=float(values["t_k"][0]),
            b_gsm_nt=tuple(float(c) for c in values["b_gsm_nt"][0]),  # type: ignore[arg-type]
            he_ratio=he_val,
        )

    def interpolate(
        self,
        times: Time | str | Sequence[str],
        *,
        max_gap_s: float | None = None,
        on_gap: str = "raise",
    ) -> dict[str, np.ndarray]:
        """Values at many times at once.

        Returns a dict of arrays over the M requested times: ``n_cm3`` (M,), ``v_gse_km_s``
        (M, 3), ``t_k`` (M,), ``b_gsm_nt`` (M, 3), ``he_ratio`` (M,) when the series has it,
        the derived ``speed_km_s`` and ``pd_npa`` (OMNI 2e-6 n v²), and ``valid`` (M,) bool.

        ``on_gap="raise"`` (default) raises for the first time that lies outside the data or in
        a gap longer than ``max_gap_s``; ``on_gap="nan"`` puts NaN there (``valid`` False).
        The optional ``he_ratio`` never raises: it is NaN where it cannot be interpolated.
        """
        if on_gap not in ("raise", "nan"):
            raise UserInputError(f"on_gap = {on_gap!r}: expected 'raise' or 'nan'")
        gap = self.max_gap_s if max_gap_s is None else self._check_gap(max_gap_s)
        t = _as_time(times, "times")
        scalar = t.isscalar
        t = t.reshape((1,)) if scalar else t.ravel()
        m = t.shape[0]
        out: dict[str, np.ndarray] = {}
        valid = np.ones(m, dtype=bool)
        if self._constant is not None:
            for name, a in self._arrays.items():
                out[name] = np.repeat(a, m, axis=0)
        else:
            tq = np.atleast_1d(np.asarray((t - self._times[0]).to_value("s"), dtype=float))
            for name in _SERIES_FIELDS:
                if name not in self._arrays:
                    continue
                vals, ok, why = self._interp_field(name, tq, gap)
                if name != "he_ratio":
                    if on_gap == "raise" and not ok.all():
                        k = int(np.flatnonzero(~ok)[0])
                        more = (
                            f" ({np.count_nonzero(~ok)} of the {m} requested times are affected)"
                            if m > 1
                            else ""
                        )
                        raise UserInputError(self._where() + why(k, t[k]) + more)
                    valid &= ok
                vals[~ok] = np.nan
                out[name] = vals
        v = out["v_gse_km_s"]
        speed = np.sqrt(np.sum(v * v, axis=1))
        out["speed_km_s"] = speed
        out["pd_npa"] = _OMNI_PD_FACTOR * out["n_cm3"] * speed**2
        out["valid"] = valid
        return out

    def _interp_field(self, name: str, tq: np.ndarray, max_gap_s: float):
        """Linear interpolation of one field on its good samples.

        Returns (values, ok, why) where ``why(k, time)`` explains why request k failed.
        """
        y = self._arrays[name]
        if name not in self._good_cache:  # the good samples of each field, found once
            good = np.isfinite(y) if y.ndim == 1 else np.all(np.isfinite(y), axis=1)
            self._good_cache[name] = (self._t_s[good], y[good], np.flatnonzero(good))
        tg, yg, gidx = self._good_cache[name]
        label = _LABELS[name]
        times = self._times
        shape = (tq.shape[0],) + y.shape[1:]
        if tg.size == 0:

            def why_none(k, tk):
                return f"the solar wind series has no valid {label} at all (needed at {tk.isot})"

            return np.full(shape, np.nan), np.zeros(tq.shape[0], dtype=bool), why_none

        i = np.searchsorted(tg, tq, side="right")
        left = np.clip(i - 1, 0, tg.size - 1)
        right = np.clip(i, 0, tg.size - 1)
        tl, tr = tg[left], tg[right]
        exact = tl == tq
        inside = (tq >= tg[0]) & (tq <= tg[-1])
        span = tr - tl
        # 1 µs of slack: sample times are float seconds, and a gap of exactly max_gap_s bridges
        ok = exact | (inside & (span <= max_gap_s + 1e-6))
        with np.errstate(invalid="ignore", divide="ignore"):
            w = np.where(span > 0, (tq - tl) / np.where(span > 0, span, 1.0), 0.0)
        if y.ndim == 2:
            w = w[:, None]
        vals = yg[left] + w * (yg[right] - yg[left])
        vals = np.where(exact[:, None] if y.ndim == 2 else exact, yg[left], vals)

        def why(k: int, tk: Time) -> str:
            when = tk.isot
            if tq[k] < tg[0]:
                first = times[gidx[0]].isot
                return f"no solar wind {label} at {when}: it is before the first good sample ({first})"
            if tq[k] > tg[-1]:
                last = times[gidx[-1]].isot
                return f"no solar wind {label} at {when}: it is after the last good sample ({last})"
            a = times[gidx[left[k]]].isot
            b = times[gidx[right[k]]].isot
            return (
                f"no solar wind {label} at {when}: it falls in a data gap from {a} to {b} "
                f"({_fmt_duration(span[k])}), longer than the {_fmt_duration(max_gap_s)} that "
                "interpolation bridges (max_gap_s)"
            )

        return vals, ok, why
