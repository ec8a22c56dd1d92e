"""Zhang & Paxton (2008): Kp-driven auroral electron energy flux and mean energy.

Zhang, Y., and L. J. Paxton (2008), An empirical Kp-dependent global auroral model based on
TIMED/GUVI FUV data, J. Atmos. Sol.-Terr. Phys., 70(8-9), 1231-1242,
doi:10.1016/j.jastp.2008.03.008 — the paper's Appendix A step by step, with the coefficients of
``assets/models/zhang_paxton_2008.json``. The steps, the misprint corrected, the behaviour below
Kp 0.75, units and checks: docs/reference.md#zhang--paxton-2008.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.physics.aurora.kp import kp_from_solar_wind
from smile_viewer.resources import asset_path

__all__ = [
    "KP_MAX",
    "ZhangPaxton2008",
    "ZhangPaxtonCoefficients",
    "energy_flux_erg_cm2_s",
    "epstein",
    "epstein_parameters",
    "flux_bin_weights",
    "hemispheric_power_gw",
    "load_coefficients",
    "mean_energy_kev",
    "zhang_paxton_2008",
]

#: Largest Kp accepted (the Kp scale runs from 0 to 9).
KP_MAX: float = 9.0
_N_HARMONICS = 6
_TERMS = ["Const"] + [f"Cos_{n}" for n in range(1, 7)] + [f"Sin_{n}" for n in range(1, 7)]
_PARAMETERS = ["A", "B", "C", "D"]
_REFERENCE = (
    "Zhang, Y., and L. J. Paxton (2008), J. Atmos. Sol.-Terr. Phys., 70(8-9), 1231-1242, "
    "doi:10.1016/j.jastp.2008.03.008"
)
BelowLowest = Literal["paper", "clamp"]


# ---------------------------------------------------------------------------- coefficients


@dataclass(frozen=True)
class ZhangPaxtonCoefficients:
    """The model's coefficients, read from its JSON file.

    ``energy_flux`` and ``mean_energy``: (6, 13, 4) arrays — Kp bin × term
    (Const, Cos_1..Cos_6, Sin_1..Sin_6) × Epstein parameter (A, B, C, D).
    ``kp_model``: the 6 bin centres. ``hp_low``/``hp_high``: (a, b, c) of
    HP = a exp(b Kp) + c for Kp <= 5 and Kp > 5 [GW].
    """

    energy_flux: np.ndarray
    mean_energy: np.ndarray
    kp_model: np.ndarray
    hp_low: tuple[float, float, float]
    hp_high: tuple[float, float, float]
    source: str
    provenance: tuple[str, ...] = field(default=())

    def table(self, quantity: str) -> np.ndarray:
        if quantity == "energy_flux":
            return self.energy_flux
        if quantity == "mean_energy":
            return self.mean_energy
        raise ValueError(f"unknown quantity {quantity!r}")


def _read_table(path: Path, blocks: Any, name: str, n_bins: int) -> np.ndarray:
    if not isinstance(blocks, list) or len(blocks) != n_bins:
        raise DataFileError(path, f"'{name}' must be a list of {n_bins} Kp-bin blocks")
    out = np.empty((n_bins, len(_TERMS), len(_PARAMETERS)))
    for i, block in enumerate(blocks):
        rows = block.get("rows") if isinstance(block, dict) else None
        if not isinstance(rows, dict):
            raise DataFileError(path, f"'{name}'[{i}] has no 'rows' mapping")
        for j, term in enumerate(_TERMS):
            values = rows.get(term)
            if not isinstance(values, list) or len(values) != 4:
                raise DataFileError(path, f"'{name}'[{i}] row {term!r} must hold 4 numbers (A, B, C, D)")
            out[i, j] = [float(v) for v in values]
    if not np.all(np.isfinite(out)):
        raise DataFileError(path, f"'{name}' holds non-finite coefficients")
    out.setflags(write=False)
    return out


@lru_cache(maxsize=4)
def load_coefficients(path: str | Path | None = None) -> ZhangPaxtonCoefficients:
    """Read the coefficient file (default: the shipped ``assets/models/zhang_paxton_2008.json``).

    A missing, unreadable or malformed file raises :class:`~smile_viewer.errors.DataFileError`
    naming the file and the problem.
    """
    p = Path(path) if path is not None else asset_path("models", "zhang_paxton_2008.json")
    try:
        doc = json.loads(p.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DataFileError(p, f"cannot read the Zhang & Paxton coefficients: {exc}") from None
    if not isinstance(doc, dict):
        raise DataFileError(p, "expected a JSON object")
    kp_model = np.asarray(doc.get("kp_model", []), dtype=float)
    if kp_model.shape != (6,) or np.any(np.diff(kp_model) <= 0):
        raise DataFileError(p, "'kp_model' must be 6 increasing Kp bin centres")
    kp_model.setflags(write=False)
    try:
        hp = doc["hemispheric_power_gw"]
        hp_low = tuple(float(hp["kp_le_5"][k]) for k in "abc")
        hp_high = tuple(float(hp["kp_gt_5"][k]) for k in "abc")
    except (KeyError, TypeError, ValueError):
        raise DataFileError(
            p, "'hemispheric_power_gw' must give a, b, c for 'kp_le_5' and 'kp_gt_5'"
        ) from None
    return ZhangPaxtonCoefficients(
        energy_flux=_read_table(p, doc.get("energy_flux"), "energy_flux", 6),
        mean_energy=_read_table(p, doc.get("mean_energy"), "mean_energy", 6),
        kp_model=kp_model,
        hp_low=hp_low,  # type: ignore[arg-type]
        hp_high=hp_high,  # type: ignore[arg-type]
        source=str(p),
        provenance=tuple(str(s) for s in doc.get("provenance", [])),
    )


# ---------------------------------------------------------------------------- validation


def _check_kp(kp) -> np.ndarray:
    try:
        k = np.asarray(kp, dtype=float)
    except (TypeError, ValueError):
        raise UserInputError(f"Kp = {kp!r} is not a number") from None
    bad = ~np.isfinite(k) | (k < 0.0) | (k > KP_MAX)
    if np.any(bad):
        first = k[bad].flat[0] if k.ndim else float(k)
        raise UserInputError(f"Kp = {first!r}: must be a finite number from 0 to {KP_MAX:g}")
    return k


def _check_mlat(mlat_deg) -> np.ndarray:
    m = np.asarray(mlat_deg, dtype=float)
    bad = np.abs(m) > 90.0  # NaN compares False: propagates
    if np.any(bad):
        raise UserInputError(f"magnetic latitude {m[bad].flat[0]!r} deg: must be within ±90")
    return m


def _check_below(below_lowest_bin: str) -> str:
    if below_lowest_bin not in ("paper", "clamp"):
        raise UserInputError(
            f"below_lowest_bin = {below_lowest_bin!r}: use 'paper' (extrapolate, Appendix A) or 'clamp'"
        )
    return below_lowest_bin


# ---------------------------------------------------------------------------- model pieces


def hemispheric_power_gw(kp, coefficients: ZhangPaxtonCoefficients | None = None):
    """Hemispheric power [GW] from Kp, Zhang & Paxton (2008) Eqs. (1)-(2).

    ``38.66 exp(0.1967 Kp) − 33.99`` for Kp <= 5, ``4.592 exp(0.4731 Kp) + 20.47`` above
    (continuous at 5 to 0.01 GW). Vectorised; no range check (used for bin centres too).
    """
    c = coefficients or load_coefficients()
    k = np.asarray(kp, dtype=float)
    (a1, b1, c1), (a2, b2, c2) = c.hp_low, c.hp_high
    out = np.where(k <= 5.0, a1 * np.exp(b1 * k) + c1, a2 * np.exp(b2 * k) + c2)
    return out[()] if out.ndim == 0 else out


def epstein_parameters(table: np.ndarray, mlt_h) -> np.ndarray:
    """Epstein parameters (A, B, C, D), shape mlt.shape + (4,), from one Kp bin's (13, 4) table."""
    angle = np.asarray(mlt_h, dtype=float) * (math.pi / 12.0)
    na = angle[..., None] * np.arange(1, _N_HARMONICS + 1)
    return table[0] + np.cos(na) @ table[1 : 1 + _N_HARMONICS] + np.sin(na) @ table[1 + _N_HARMONICS :]


def epstein(x, params: np.ndarray):
    """Epstein function ``A exp((x−B)/C) / (1 + exp((x−B)/D))²`` (params (..., 4)).

    Evaluated as ``A exp(u/C − 2 log(1 + exp(u/D)))``, u = x − B, which cannot overflow.
    """
    a, b, c, d = np.moveaxis(np.asarray(params), -1, 0)
    u = np.asarray(x, dtype=float) - b
    with np.errstate(invalid="ignore"):  # NaN positions give NaN
        return a * np.exp(u / c - 2.0 * np.logaddexp(0.0, u / d))


def _bin_index(kp: np.ndarray, kp_model: np.ndarray) -> np.ndarray:
    """Index i of the lower of the two adjacent bin centres (0..4)."""
    return np.clip(np.searchsorted(kp_model, kp, side="left") - 1, 0, len(kp_model) - 2)


def flux_bin_weights(kp: float, below_lowest_bin: BelowLowest = "paper", coefficients=None):
    """``(i, f1, f2)``: the energy flux at scalar ``kp`` is ``f1 V_i + f2 V_{i+1}`` (then floored
    at 0), V_i the Epstein value of Kp bin i (what the compute kernels need)."""
    c = coefficients or load_coefficients()
    k = float(_check_kp(kp))
    i = int(_bin_index(np.asarray(k), c.kp_model))
    h1, h2 = hemispheric_power_gw(c.kp_model[i], c), hemispheric_power_gw(c.kp_model[i + 1], c)
    f2 = float((hemispheric_power_gw(k, c) - h1) / (h2 - h1))
    if _check_below(below_lowest_bin) == "clamp":
        f2 = max(f2, 0.0)
    return i, 1.0 - f2, f2


def _bin_weight(quantity: str, k, i: int, c: ZhangPaxtonCoefficients, below_lowest_bin: str):
    """Weight f2 of Kp bin i+1 (1 − f2 of bin i) at Kp ``k`` (scalar or array)."""
    k1, k2 = c.kp_model[i], c.kp_model[i + 1]
    if quantity == "energy_flux":
        h1, h2 = hemispheric_power_gw(k1, c), hemispheric_power_gw(k2, c)
        f2 = (hemispheric_power_gw(k, c) - h1) / (h2 - h1)
    else:
        f2 = (k - k1) / (k2 - k1)
    return np.maximum(f2, 0.0) if below_lowest_bin == "clamp" else f2


def _evaluate(quantity: str, mlat_deg, mlt_h, kp, below_lowest_bin: str, coeffs) -> np.ndarray:
    c = coeffs or load_coefficients()
    table = c.table(quantity)
    k = _check_kp(kp)
    x = 90.0 - np.abs(_check_mlat(mlat_deg))
    mlt = np.asarray(mlt_h, dtype=float)
    if k.ndim == 0:
        # One Kp: the Epstein parameters depend on MLT only, so they are computed on the MLT
        # array as given (e.g. a grid's 240 MLTs, not its 721 × 240 points) and broadcast.
        i = int(_bin_index(k, c.kp_model))
        f2 = _bin_weight(quantity, float(k), i, c, below_lowest_bin)
        v1 = epstein(x, epstein_parameters(table[i], mlt))
        v2 = epstein(x, epstein_parameters(table[i + 1], mlt))
        out = np.maximum((1.0 - f2) * v1 + f2 * v2, 0.0)
        out = np.broadcast_to(out, np.broadcast_shapes(x.shape, mlt.shape)).copy()
        return out[()] if out.ndim == 0 else out
    x, mlt, k = np.broadcast_arrays(x, mlt, k)
    out = np.empty(x.shape)
    idx = _bin_index(k, c.kp_model)
    for i in np.unique(idx):
        sel = idx == i
        xs, ms, ks = x[sel], mlt[sel], k[sel]
        v1 = epstein(xs, epstein_parameters(table[i], ms))
        v2 = epstein(xs, epstein_parameters(table[i + 1], ms))
        f2 = _bin_weight(quantity, ks, int(i), c, below_lowest_bin)
        v = (1.0 - f2) * v1 + f2 * v2
        out[sel] = np.maximum(v, 0.0)  # only the Kp < 0.75 extrapolation can go negative
    return out[()] if out.ndim == 0 else out


def energy_flux_erg_cm2_s(mlat_deg, mlt_h, kp, *, below_lowest_bin: BelowLowest = "paper", coefficients=None):
    """Electron energy flux [erg cm^-2 s^-1 = mW m^-2] at magnetic latitude/MLT for Kp.

    Vectorised: ``mlat_deg``, ``mlt_h`` and ``kp`` broadcast together. |mlat| > 90 or Kp
    outside 0–9 raise :class:`~smile_viewer.errors.UserInputError`; NaN positions give NaN.
    """
    return _evaluate("energy_flux", mlat_deg, mlt_h, kp, _check_below(below_lowest_bin), coefficients)


def mean_energy_kev(mlat_deg, mlt_h, kp, *, below_lowest_bin: BelowLowest = "paper", coefficients=None):
    """Electron mean energy [keV] at magnetic latitude/MLT for Kp (see :func:`energy_flux_erg_cm2_s`)."""
    return _evaluate("mean_energy", mlat_deg, mlt_h, kp, _check_below(below_lowest_bin), coefficients)


def zhang_paxton_2008(mlat_deg, mlt_h, kp, *, below_lowest_bin: BelowLowest = "paper", coefficients=None):
    """``(energy flux [erg cm^-2 s^-1], mean energy [keV])`` of Zhang & Paxton (2008)."""
    return (
        energy_flux_erg_cm2_s(
            mlat_deg, mlt_h, kp, below_lowest_bin=below_lowest_bin, coefficients=coefficients
        ),
        mean_energy_kev(mlat_deg, mlt_h, kp, below_lowest_bin=below_lowest_bin, coefficients=coefficients),
    )


# ---------------------------------------------------------------------------- model object


@dataclass(frozen=True)
class ZhangPaxton2008:
    """The Zhang & Paxton (2008) precipitation model at one Kp.

    ``ZhangPaxton2008(kp=3.0).energy_flux(mlat_deg, mlt_h)`` — see the module docstring.
    ``ZhangPaxton2008.from_solar_wind(sw)`` takes Kp from Newell et al. (2008)
    (:func:`smile_viewer.physics.aurora.kp.kp_from_solar_wind`).
    """

    kp: float
    below_lowest_bin: BelowLowest = "paper"

    def __post_init__(self) -> None:
        object.__setattr__(self, "kp", float(_check_kp(self.kp)))
        _check_below(self.below_lowest_bin)

    @classmethod
    def from_solar_wind(cls, solar_wind, **kwargs) -> ZhangPaxton2008:
        return cls(kp=kp_from_solar_wind(solar_wind), **kwargs)

    def energy_flux(self, mlat_deg, mlt_h):
        """Electron energy flux [erg cm^-2 s^-1]."""
        return energy_flux_erg_cm2_s(mlat_deg, mlt_h, self.kp, below_lowest_bin=self.below_lowest_bin)

    def mean_energy(self, mlat_deg, mlt_h):
        """Electron mean energy [keV]."""
        return mean_energy_kev(mlat_deg, mlt_h, self.kp, below_lowest_bin=self.below_lowest_bin)

    @property
    def hemispheric_power_gw(self) -> float:
        """The paper's hemispheric power for this Kp, Eqs. (1)-(2) [GW]."""
        return float(hemispheric_power_gw(self.kp))

    @property
    def parameters(self) -> dict:
        return {
            "model": "Zhang & Paxton (2008) auroral electron precipitation",
            "kp": self.kp,
            "below_lowest_bin": self.below_lowest_bin,
            "coefficients": "assets/models/zhang_paxton_2008.json (Appendix A, Tables 1-2)",
            "reference": _REFERENCE,
        }
