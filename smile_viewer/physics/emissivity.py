"""Soft X-ray (solar wind charge exchange) emissivity: analytic models and plasma moments.

:class:`JorgensenModel` (Jorgensen et al. 2019), :class:`CMEMModel` (Wharton et al. 2025, as
swharton1/CMEM implements it but with the full azimuth of Lin et al. 2010) and
:class:`ExosphereModel` (the unshocked solar wind with the Cravens et al. 2001 hydrogen);
:func:`plasma_emissivity` and :func:`masked_plasma_emissivity` from MHD moments. Units
eV cm^-3 s^-1, positions in R_E with X toward the Sun (GSM when CMEM's tilt is not 0). Formulas,
defaults and conventions: docs/reference.md#jorgensen-2019, docs/reference.md#cmem and
docs/reference.md#swcx-emissivity-and-line-of-sight-intensity.
"""

from __future__ import annotations

import dataclasses
import json
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, ClassVar

import numpy as np

from smile_viewer.constants import K_BOLTZMANN_J_K, M_PROTON_KG, R_E_CM
from smile_viewer.errors import UserInputError
from smile_viewer.physics import emissivity_kernels as _k
from smile_viewer.physics.boundaries import LIN2010_COEFFICIENTS, lin2010, shue1997
from smile_viewer.resources import asset_path

__all__ = [
    "JorgensenModel",
    "CMEMModel",
    "ExosphereModel",
    "EmissivityModel",
    "NegativeEmissivityWarning",
    "JORGENSEN_PARAMS",
    "CMEM_PARAMS",
    "EMISSIVITY_UNITS",
    "jorgensen_defaults",
    "cmem_defaults",
    "exosphere_model",
    "model_from_name",
    "emissivity_defaults",
    "check_positive",
    "plasma_emissivity",
    "thermal_speed_km_s",
    "effective_speed_km_s",
    "temperature_from_pressure_k",
    "masked_plasma_emissivity",
    "los_intensity_from_emissivity_integral",
    "LOS_FACTOR",
    "to_cartesian_re",
]

#: Units of every emissivity in this module.
EMISSIVITY_UNITS = "eV cm^-3 s^-1"

#: Jorgensen et al. (2019) parameter names, in the order of ``to_array()``.
JORGENSEN_PARAMS: tuple[str, ...] = (
    "r_mp", "r_bs", "A1", "A2", "B", "alpha", "beta", "ay_mp", "az_mp", "ay_bs", "az_bs",
)  # fmt: skip
#: CMEM parameter names, in the order of ``to_array()`` (its first 12 entries).
CMEM_PARAMS: tuple[str, ...] = (
    "p0", "r_bs", "A1", "A2", "B", "alpha", "beta", "p1", "p2", "p3", "ay_bs", "az_bs",
)  # fmt: skip

#: keV cm^-2 s^-1 sr^-1 per (eV cm^-3 s^-1 · R_E): R_E in cm × 1e-3 (eV → keV) / (4 pi).
LOS_FACTOR: float = R_E_CM * 1.0e-3 / (4.0 * math.pi)


class NegativeEmissivityWarning(UserWarning):
    """The model's parameters make the emissivity negative somewhere in the checked region."""


# --------------------------------------------------------------------------------------
# configuration: typical values [A]
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _load_defaults() -> dict[str, Any]:
    path = asset_path("models", "emissivity_defaults.json")
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    for section, keys in (
        ("jorgensen", ("A1", "A2", "B", "alpha", "beta", "r_bs_minus_r_mp_re",
                       "bow_shock_flaring_increment")),
        ("cmem", ("p0", "A1", "A2", "B", "alpha", "beta", "p1", "p2", "p3", "r_bs_minus_r0_lin_re",
                  "bow_shock_flaring_increment")),
        ("plasma", ("alpha_ev_cm2", "exosphere_n0_cm3", "mask_density_fraction", "mask_r_min_re")),
    ):  # fmt: skip
        values = data.get(section, {}).get("values", {})
        missing = [k for k in keys if k not in values]
        if missing:
            raise RuntimeError(f"{path}: section {section!r} lacks {missing} (broken installation)")
    return data


def emissivity_defaults() -> dict[str, Any]:
    """The typical values [A] of ``assets/models/emissivity_defaults.json`` with provenance (a copy)."""
    return json.loads(json.dumps(_load_defaults()))


def _typical(section: str) -> dict[str, float]:
    return {k: float(v) for k, v in _load_defaults()[section]["values"].items()}


# --------------------------------------------------------------------------------------
# numpy mirrors of the kernel geometry (same operations, see emissivity_kernels)
# --------------------------------------------------------------------------------------


def _points(xyz_re: Any) -> np.ndarray:
    p = np.asarray(xyz_re, dtype=np.float64)
    if p.ndim == 0 or p.shape[-1] != 3:
        raise UserInputError(f"xyz_re has shape {p.shape}: expected (..., 3) positions in R_E")
    return p


def _direction(p: np.ndarray):
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    rho2 = y * y + z * z
    r = np.sqrt(x * x + rho2)
    rho = np.sqrt(rho2)
    with np.errstate(divide="ignore", invalid="ignore"):
        ct = np.where(r > 0.0, x / r, 1.0)
        st = np.where(r > 0.0, rho / r, 0.0)
        cp = np.where(rho > 0.0, y / rho, 1.0)
        sp = np.where(rho > 0.0, z / rho, 0.0)
    return x, r, rho, ct, st, cp, sp


def _shue_geom(p: np.ndarray):
    """(r, rho2, q, cos²phi, sin²phi) as emissivity_kernels._shue_geom."""
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    y2 = y * y
    z2 = z * z
    rho2 = y2 + z2
    r = np.sqrt(x * x + rho2)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q_pos = 2.0 * r / (r + x)
        q_neg = np.where(rho2 == 0.0, np.inf, 2.0 * r * (r - x) / rho2)
        q = np.where(r == 0.0, 1.0, np.where(x >= 0.0, q_pos, q_neg))
        c2 = np.where(rho2 > 0.0, y2 / rho2, 1.0)
        s2 = np.where(rho2 > 0.0, z2 / rho2, 0.0)
    return r, rho2, q, c2, s2


def _angles(theta: Any, phi: Any):
    th, ph = np.broadcast_arrays(np.asarray(theta, dtype=np.float64), np.asarray(phi, dtype=np.float64))
    ct, st = np.cos(th), np.sin(th)
    cp, sp = np.cos(ph), np.sin(ph)
    neg = st < 0.0
    st = np.where(neg, -st, st)
    cp = np.where(neg, -cp, cp)
    sp = np.where(neg, -sp, sp)
    return ct, st, cp, sp


def _shue_q(ct: np.ndarray, st: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        s2 = st * st
        q_neg = np.where(s2 == 0.0, np.inf, 2.0 * (1.0 - ct) / s2)
        return np.where(ct >= 0.0, 2.0 / (1.0 + ct), q_neg)


def _shue3d(q, cp2, sp2, r0: float, ay: float, az: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        lq = np.log(q)
        ry = r0 * np.exp(ay * lq)
        if az == ay:
            r = ry
        else:
            rz = r0 * np.exp(az * lq)
            w = cp2 / (ry * ry) + sp2 / (rz * rz)
            r = np.where(w > 0.0, 1.0 / np.sqrt(w), np.inf)
    return np.where(q == np.inf, np.inf, r)


def _shue_inside(r, lr, q, lq, cp2, sp2, r0: float, log_r0: float, ay: float, az: float) -> np.ndarray:
    """As emissivity_kernels._shue_inside."""
    with np.errstate(invalid="ignore"):
        if ay == az:
            inside = lr < log_r0 + ay * lq
        else:
            inside = r < _shue3d(q, cp2, sp2, r0, ay, az)
    return np.where(q == np.inf, True, inside)


def _lin_scaled(theta, ct, st, cp, sp, p: np.ndarray) -> np.ndarray:
    p0, p1, p2, p3 = p[0], p[7], p[8], p[9]
    r0, b0, b1, b2, b3, c, dn, ds, _tn, _ts, a5, a21, cos_tn, sin_tn, cos_ts, sin_ts = p[16:32]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        base = np.cos(0.5 * theta) + a5 * np.sin(2.0 * theta) * (1.0 - np.exp(-theta))
        expo = p1 * (b0 + b1 * cp + b2 * sp + b3 * sp * sp)
        f_pos = np.exp(expo * np.log(np.where(base > 0.0, base, 1.0)))
        f_non = np.where(expo < 0.0, np.inf, np.where(expo == 0.0, 1.0, 0.0))
        f = np.where(base > 0.0, f_pos, f_non)
        cn = ct * cos_tn + st * sin_tn * sp
        cs = ct * cos_ts - st * sin_ts * sp
        cn = np.minimum(1.0, np.maximum(-1.0, cn))
        cs = np.minimum(1.0, np.maximum(-1.0, cs))
        psi_n = np.arccos(cn)
        psi_s = np.arccos(cs)
        q = p2 * c * np.exp(p3 * dn * psi_n**a21) + p2 * c * np.exp(p3 * ds * psi_s**a21)
        return p0 * r0 * f + q


def lin_kernel_entries(lin_coefficients: Mapping[str, float]) -> list[float]:
    """Entries 16–31 of the CMEM and CMEM2 kernel vectors (read by :func:`_lin_scaled` and
    ``emissivity_kernels._lin_scaled_radius``) from :attr:`CMEMModel.lin_coefficients`-style
    values: r0, beta0..beta3, c, d_n, d_s, theta_n, theta_s, a5, a21, then cos/sin theta_n and
    cos/sin theta_s."""
    lc = lin_coefficients
    vals = [float(lc[n]) for n in ("r0", "beta0", "beta1", "beta2", "beta3", "c", "d_n", "d_s",
                                   "theta_n", "theta_s", "a5", "a21")]  # fmt: skip
    tn, ts = vals[8], vals[9]
    return vals + [math.cos(tn), math.sin(tn), math.cos(ts), math.sin(ts)]


def _scalar_or_array(a: np.ndarray):
    a = np.asarray(a)
    return float(a) if a.ndim == 0 else a


def to_cartesian_re(r, theta, phi=0.0) -> np.ndarray:
    """Points (..., 3) [R_E] from (r [R_E], theta, phi [rad]) in this module's convention."""
    r, th, ph = np.broadcast_arrays(
        np.asarray(r, dtype=float), np.asarray(theta, dtype=float), np.asarray(phi, dtype=float)
    )
    st = np.sin(th)
    return np.stack([r * np.cos(th), r * st * np.cos(ph), r * st * np.sin(ph)], axis=-1)


# --------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------


def _finite(value: Any, name: str) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise UserInputError(f"emissivity parameter {name} = {value!r} is not a number")
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise UserInputError(f"emissivity parameter {name} = {value!r} is not a number") from None
    if not math.isfinite(x):
        raise UserInputError(f"emissivity parameter {name} = {x!r} is not a finite number")
    return x


def _positive(value: Any, name: str, unit: str = "") -> float:
    x = _finite(value, name)
    if x <= 0:
        suffix = f" {unit}" if unit else ""
        raise UserInputError(f"emissivity parameter {name} = {x!r}: must be > 0{suffix}")
    return x


# --------------------------------------------------------------------------------------
# models
# --------------------------------------------------------------------------------------


class EmissivityModel:
    """Common behaviour of the analytic models (frozen dataclasses below).

    ``model_id`` (int) and ``to_array()`` (float64 vector) are what the compute kernels take;
    ``params`` is the published parameter set as a dict; ``emissivity(xyz_re)`` evaluates the
    model with numpy.
    """

    #: Small integer identifying the model in the kernels (:mod:`emissivity_kernels`).
    model_id: ClassVar[int] = 0
    #: Short name used on the command line and in provenance.
    name: ClassVar[str] = ""
    #: Bibliographic reference.
    reference: ClassVar[str] = ""
    #: Parameter names in the order of the first entries of ``to_array()``.
    param_names: ClassVar[tuple[str, ...]] = ()
    units: ClassVar[str] = EMISSIVITY_UNITS

    @property
    def params(self) -> dict[str, float]:
        """The model's parameters by published name, in published order (a new dict)."""
        return {n: float(getattr(self, n)) for n in self.param_names}

    def to_array(self) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def replace(self, **changes: Any):
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def provenance(self) -> dict[str, Any]:
        """Model name, reference, units and every field (for FITS headers and results)."""
        out: dict[str, Any] = {"model": self.name, "reference": self.reference, "units": self.units}
        for f in dataclasses.fields(self):
            out[f.name] = getattr(self, f.name)
        return out

    def emissivity(self, xyz_re: Any) -> np.ndarray:  # pragma: no cover - overridden
        raise NotImplementedError

    def point_function(self):
        """The numba point function ``f(x, y, z, p)`` of this model."""
        return {
            _k.MODEL_JORGENSEN: _k.jorgensen_point,
            _k.MODEL_CMEM: _k.cmem_point,
            _k.MODEL_EXOSPHERE: _k.exosphere_point,
            _k.MODEL_CMEM2: _k.cmem2_point,
        }[self.model_id]

    def emissivity_numba(self, xyz_re: Any) -> np.ndarray:
        """The same as :meth:`emissivity`, through the numba point function (a loop; for tests)."""
        p = _points(xyz_re)
        flat = p.reshape(-1, 3)
        arr = self.to_array()
        f = self.point_function()
        out = np.array([f(float(a), float(b), float(c), arr) for a, b, c in flat], dtype=np.float64)
        return _scalar_or_array(out.reshape(p.shape[:-1]))


@dataclass(frozen=True)
class JorgensenModel(EmissivityModel):
    """Jorgensen et al. (2019) emissivity model (see the module docstring for the formula).

    Parameters (names as published): ``r_mp``, ``r_bs`` subsolar magnetopause and bow-shock
    distances [R_E] (> 0); ``A1``, ``A2`` [eV cm^-3 s^-1], ``B`` [eV cm^-3 s^-1] sheath and
    solar-wind amplitudes; ``alpha``, ``beta`` sheath radial exponents; ``ay_mp``, ``az_mp``,
    ``ay_bs``, ``az_bs`` flaring exponents in the XY and XZ planes. ``to_array()`` returns
    them in this order (:data:`JORGENSEN_PARAMS`). Use :func:`jorgensen_defaults` for a set
    derived from the solar wind.
    """

    model_id: ClassVar[int] = _k.MODEL_JORGENSEN
    name: ClassVar[str] = "jorgensen"
    reference: ClassVar[str] = (
        "Jorgensen et al. (2019), J. Geophys. Res. Space Physics 124; formulas as in "
        "swharton1/CMEM boundary_emissivity_functions.py (shue_func, jorg_func)"
    )
    param_names: ClassVar[tuple[str, ...]] = JORGENSEN_PARAMS

    r_mp: float
    r_bs: float
    A1: float
    A2: float
    B: float
    alpha: float
    beta: float
    ay_mp: float
    az_mp: float
    ay_bs: float
    az_bs: float

    def __post_init__(self) -> None:
        for n in JORGENSEN_PARAMS:
            value = getattr(self, n)
            v = _positive(value, n, "R_E") if n in ("r_mp", "r_bs") else _finite(value, n)
            object.__setattr__(self, n, v)

    def to_array(self) -> np.ndarray:
        """float64 [r_mp, r_bs, A1, A2, B, alpha, beta, ay_mp, az_mp, ay_bs, az_bs, ln r_mp, ln r_bs]."""
        vals = [getattr(self, n) for n in JORGENSEN_PARAMS] + [math.log(self.r_mp), math.log(self.r_bs)]
        return np.array(vals, dtype=np.float64)

    def magnetopause_r(self, theta, phi=0.0):
        """Magnetopause radius [R_E] at (theta, phi) [rad], vectorised (+inf down the -X axis)."""
        ct, st, cp, sp = _angles(theta, phi)
        return _scalar_or_array(_shue3d(_shue_q(ct, st), cp * cp, sp * sp, self.r_mp, self.ay_mp, self.az_mp))

    def bow_shock_r(self, theta, phi=0.0):
        """Bow-shock radius [R_E] at (theta, phi) [rad], vectorised (+inf down the -X axis)."""
        ct, st, cp, sp = _angles(theta, phi)
        return _scalar_or_array(_shue3d(_shue_q(ct, st), cp * cp, sp * sp, self.r_bs, self.ay_bs, self.az_bs))

    def emissivity(self, xyz_re: Any):
        """Emissivity [eV cm^-3 s^-1] at points (..., 3) [R_E]; returns shape (...)."""
        p = _points(xyz_re)
        r, rho2, q, c2, s2 = _shue_geom(p)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            lr = np.log(r)
            lq = np.log(q)
            in_mp = _shue_inside(r, lr, q, lq, c2, s2, self.r_mp, math.log(self.r_mp), self.ay_mp, self.az_mp)
            in_bs = _shue_inside(r, lr, q, lq, c2, s2, self.r_bs, math.log(self.r_bs), self.ay_bs, self.az_bs)
            st2 = rho2 / (r * r)  # sin² theta
            s4 = st2 * st2
            radial = np.exp((-self.alpha - self.beta * st2) * (lr - _k.LN10))
            sheath = (self.A1 + self.B * (s4 * s4)) * radial
            u = 10.0 / r
            wind = self.A2 * (u * u * u)
        eta = np.where(in_mp, 0.0, np.where(in_bs, sheath, wind))
        eta = np.where(r == 0.0, 0.0, eta)
        return _scalar_or_array(eta)


@dataclass(frozen=True)
class CMEMModel(EmissivityModel):
    """CMEM, the Cusp-Magnetosheath Emissivity Model (Wharton et al. 2025, JGR).

    Parameters (names as published): ``p0`` magnetopause size scale, ``r_bs`` subsolar bow
    shock [R_E], ``A1``, ``A2`` [eV cm^-3 s^-1], ``B`` (dimensionless: the sheath factor is
    exp(-B (theta/2)^4)), ``alpha``, ``beta`` sheath radial exponents, ``p1`` flaring scale,
    ``p2`` cusp-depth scale, ``p3`` cusp-width scale, ``ay_bs``, ``az_bs`` bow-shock flaring.

    Lin et al. (2010) inputs that fix the unscaled magnetopause (not fitted): ``pd_npa``
    dynamic pressure [nPa], ``pm_npa`` IMF magnetic pressure [nPa], ``bz_nt`` IMF Bz GSM [nT],
    ``tilt_rad`` dipole tilt [rad] (default 0; the only asymmetry about X, GSM).

    ``to_array()`` layout: see :mod:`smile_viewer.physics.emissivity_kernels` (33 entries:
    the 12 parameters in :data:`CMEM_PARAMS` order, the 4 Lin inputs, the Lin coefficients
    r0, beta0..beta3, c, d_n, d_s, theta_n, theta_s, a5, a21, then cos/sin of theta_n and
    theta_s, and ln r_bs).
    """

    model_id: ClassVar[int] = _k.MODEL_CMEM
    name: ClassVar[str] = "cmem"
    reference: ClassVar[str] = (
        "Wharton et al. (2025), J. Geophys. Res. Space Physics (CMEM); formulas as in swharton1/CMEM "
        "boundary_emissivity_functions.py (lin_scaled_func, get_lin_coeffs, cmem_func); magnetopause "
        "of Lin et al. (2010), J. Geophys. Res. 115, A04207"
    )
    param_names: ClassVar[tuple[str, ...]] = CMEM_PARAMS

    p0: float
    r_bs: float
    A1: float
    A2: float
    B: float
    alpha: float
    beta: float
    p1: float
    p2: float
    p3: float
    ay_bs: float
    az_bs: float
    pd_npa: float = 1.6
    pm_npa: float = 0.0
    bz_nt: float = 0.0
    tilt_rad: float = 0.0

    def __post_init__(self) -> None:
        for n in CMEM_PARAMS:
            v = _positive(getattr(self, n), n, "R_E") if n == "r_bs" else _finite(getattr(self, n), n)
            object.__setattr__(self, n, v)
        # Validates the Lin inputs (raises UserInputError naming the bad one).
        lin = self.lin2010()
        for n in ("pd_npa", "pm_npa", "bz_nt", "tilt_rad"):
            object.__setattr__(self, n, float(getattr(lin, n)))

    def lin2010(self):
        """The unscaled Lin et al. (2010) magnetopause for this model's solar wind and tilt."""
        return lin2010(self.pd_npa, self.pm_npa, self.bz_nt, self.tilt_rad)

    @property
    def lin_coefficients(self) -> dict[str, float]:
        """r0, beta0..beta3, c, d_n, d_s, theta_n, theta_s (Lin et al. 2010) and a5, a21."""
        lin = self.lin2010()
        out = {
            n: float(getattr(lin, n))
            for n in ("r0", "beta0", "beta1", "beta2", "beta3", "c", "d_n", "d_s", "theta_n", "theta_s")
        }
        out["a5"] = float(LIN2010_COEFFICIENTS[5])
        out["a21"] = float(LIN2010_COEFFICIENTS[21])
        return out

    def to_array(self) -> np.ndarray:
        """float64 vector of length 33 (layout in :mod:`emissivity_kernels`); a new array."""
        return self._array.copy()

    @cached_property
    def _array(self) -> np.ndarray:
        lc = self.lin_coefficients
        vals = [getattr(self, n) for n in CMEM_PARAMS]
        vals += [self.pd_npa, self.pm_npa, self.bz_nt, self.tilt_rad]
        vals += lin_kernel_entries(lc)
        vals += [math.log(self.r_bs)]
        return np.array(vals, dtype=np.float64)

    def magnetopause_r(self, theta, phi=0.0):
        """Magnetopause radius [R_E] at (theta, phi) [rad] (scaled Lin 2010), vectorised."""
        ct, st, cp, sp = _angles(theta, phi)
        th = np.arctan2(st, ct)
        return _scalar_or_array(_lin_scaled(th, ct, st, cp, sp, self._array))

    def bow_shock_r(self, theta, phi=0.0):
        """Bow-shock radius [R_E] at (theta, phi) [rad] (3-D Shue), vectorised."""
        ct, st, cp, sp = _angles(theta, phi)
        return _scalar_or_array(_shue3d(_shue_q(ct, st), cp * cp, sp * sp, self.r_bs, self.ay_bs, self.az_bs))

    @property
    def magnetopause_standoff_re(self) -> float:
        """Subsolar magnetopause distance r_mp(theta = 0) [R_E] = p0 r0 + p2 Q0 (the CMEM
        code's ``get_rmp0``)."""
        return float(self.magnetopause_r(0.0, 0.0))

    def emissivity(self, xyz_re: Any):
        """Emissivity [eV cm^-3 s^-1] at points (..., 3) [R_E]; returns shape (...)."""
        p = _points(xyz_re)
        x, r, rho, ct, st, cp, sp = _direction(p)
        theta = np.arctan2(rho, x)
        rmp = _lin_scaled(theta, ct, st, cp, sp, self._array)
        _, _, q, c2, s2 = _shue_geom(p)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            lr = np.log(r)
            lbs = math.log(self.r_bs)
            in_bs = _shue_inside(r, lr, q, np.log(q), c2, s2, self.r_bs, lbs, self.ay_bs, self.az_bs)
            h2 = 0.25 * theta * theta
            radial = np.exp((-self.alpha - self.beta * (st * st)) * (lr - _k.LN10))
            sheath = self.A1 * np.exp(-self.B * (h2 * h2)) * radial
            u = 10.0 / r
            wind = self.A2 * (u * u * u)
        eta = np.where(r < rmp, 0.0, np.where(in_bs, sheath, wind))
        eta = np.where(r == 0.0, 0.0, eta)
        return _scalar_or_array(eta)


@dataclass(frozen=True)
class ExosphereModel(EmissivityModel):
    """Exosphere-only emissivity: the unshocked solar wind charge-exchanging everywhere.

    P = alpha n_H(r) n_sw v_eff with n_H = n0 (10/r)^3 (Cravens et al. 2001), i.e.
    ``A (r/10)^-3`` with ``A = alpha n0 n_sw v_eff`` (v_eff in cm/s), for r >= ``r_inner_re``
    and 0 inside (default 1 R_E: the Earth). No magnetosphere, no sheath: an upper bound and
    a check of the integrators (its radial line integral is closed-form).
    """

    model_id: ClassVar[int] = _k.MODEL_EXOSPHERE
    name: ClassVar[str] = "exosphere"
    reference: ClassVar[str] = (
        "P = alpha n_H n_sw v_eff (docs/reference.md); n_H = n0 (10 R_E / r)^3, Cravens et al. (2001)"
    )
    param_names: ClassVar[tuple[str, ...]] = (
        "n_sw_cm3", "v_eff_km_s", "n0_cm3", "alpha_ev_cm2", "r_inner_re",
    )  # fmt: skip

    n_sw_cm3: float
    v_eff_km_s: float
    n0_cm3: float = 25.0
    alpha_ev_cm2: float = 1.0e-15
    r_inner_re: float = 1.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "n_sw_cm3", _positive(self.n_sw_cm3, "n_sw_cm3", "cm^-3"))
        object.__setattr__(self, "v_eff_km_s", _positive(self.v_eff_km_s, "v_eff_km_s", "km/s"))
        object.__setattr__(self, "n0_cm3", _positive(self.n0_cm3, "n0_cm3", "cm^-3"))
        object.__setattr__(self, "alpha_ev_cm2", _positive(self.alpha_ev_cm2, "alpha_ev_cm2", "eV cm^2"))
        object.__setattr__(self, "r_inner_re", _positive(self.r_inner_re, "r_inner_re", "R_E"))

    @property
    def amplitude(self) -> float:
        """A = alpha n0 n_sw v_eff: the emissivity at 10 R_E [eV cm^-3 s^-1]."""
        return self.alpha_ev_cm2 * self.n0_cm3 * self.n_sw_cm3 * self.v_eff_km_s * 1.0e5

    def to_array(self) -> np.ndarray:
        """float64 [A, r_inner_re, n0_cm3, n_sw_cm3, v_eff_km_s, alpha_ev_cm2]."""
        return np.array(
            [self.amplitude, self.r_inner_re, self.n0_cm3, self.n_sw_cm3, self.v_eff_km_s, self.alpha_ev_cm2],
            dtype=np.float64,
        )

    def magnetopause_r(self, theta, phi=0.0):
        """The inner sphere r_inner_re (broadcast)."""
        th, ph = np.broadcast_arrays(np.asarray(theta, dtype=float), np.asarray(phi, dtype=float))
        return _scalar_or_array(np.full(th.shape, self.r_inner_re))

    bow_shock_r = magnetopause_r

    def emissivity(self, xyz_re: Any):
        """Emissivity [eV cm^-3 s^-1] at points (..., 3) [R_E]; returns shape (...)."""
        p = _points(xyz_re)
        x, y, z = p[..., 0], p[..., 1], p[..., 2]
        r = np.sqrt(x * x + y * y + z * z)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            u = 10.0 / r
            eta = self.amplitude * (u * u * u)
        eta = np.where((r < self.r_inner_re) | (r == 0.0), 0.0, eta)
        return _scalar_or_array(eta)


# --------------------------------------------------------------------------------------
# defaults from the solar wind
# --------------------------------------------------------------------------------------


def _check_sw(sw: Any):
    # lazy: solar_wind pulls in smile_viewer.coords: kept out of the GUI's start-up import of state
    from smile_viewer.physics.solar_wind import SolarWind

    if not isinstance(sw, SolarWind):
        raise UserInputError(f"expected a SolarWind, got {type(sw).__name__}")
    return sw


def _check_overrides(overrides: Mapping[str, Any], allowed: tuple[str, ...], model: str) -> None:
    unknown = sorted(set(overrides) - set(allowed))
    if unknown:
        raise UserInputError(f"{model}: unknown parameter(s) {unknown}; expected some of {list(allowed)}")


def jorgensen_defaults(sw: Any, **overrides: float) -> JorgensenModel:
    """Jorgensen model with the typical start of swharton1/CMEM (``set_initial_params``, method 1).

    - ``r_mp`` = Shue et al. (1997) r0 from the solar wind's OMNI dynamic pressure ``sw.pd_npa``
      and ``sw.bz_nt``; ``r_bs`` = r_mp + 3 R_E;
    - ``ay_mp`` = ``az_mp`` = Shue (1997) alpha; ``ay_bs`` = ``az_bs`` = alpha + 0.2;
    - ``A1`` 3.2e-5, ``A2`` 1.3e-5, ``B`` -1.8e-5, ``alpha`` 2.5, ``beta`` -1.6 [A] from
      ``assets/models/emissivity_defaults.json`` ("rounded values from a model run in
      Jorgensen et al.", per the CMEM code).

    ``overrides`` replace any of these by name (e.g. ``A1=4e-5``).
    Note: the CMEM code computes the dynamic pressure from its MHD run's header; here it is
    the OMNI convention 2e-6 n v² (docs/reference.md#solar-wind-and-dynamic-pressure).
    """
    sw = _check_sw(sw)
    _check_overrides(overrides, JORGENSEN_PARAMS, "jorgensen")
    t = _typical("jorgensen")
    mp = shue1997(sw.pd_npa, sw.bz_nt)
    a97 = float(mp.alpha)
    values = {
        "r_mp": float(mp.r0),
        "r_bs": float(mp.r0) + t["r_bs_minus_r_mp_re"],
        "A1": t["A1"],
        "A2": t["A2"],
        "B": t["B"],
        "alpha": t["alpha"],
        "beta": t["beta"],
        "ay_mp": a97,
        "az_mp": a97,
        "ay_bs": a97 + t["bow_shock_flaring_increment"],
        "az_bs": a97 + t["bow_shock_flaring_increment"],
    }
    values.update({k: float(v) for k, v in overrides.items()})
    return JorgensenModel(**values)


def cmem_defaults(sw: Any, tilt_rad: float = 0.0, **overrides: float) -> CMEMModel:
    """CMEM with the typical start of swharton1/CMEM (``set_initial_params``, method 1).

    (p0, r_bs, A1, A2, B, alpha, beta, p1, p2, p3, ay_bs, az_bs) =
    (1, r0_lin + 3, 1.5e-5, 1.3e-5, 2, 2.5, -1.6, 1, 3, 4, alpha97 + 0.2, alpha97 + 0.2), with
    r0_lin the Lin et al. (2010) r0 (without the cusp term) for ``sw.pd_npa``, ``sw.pm_npa``,
    ``sw.bz_nt`` and ``tilt_rad``, and alpha97 the Shue et al. (1997) flaring. Typical values
    [A] from ``assets/models/emissivity_defaults.json``. ``overrides`` replace any by name.
    """
    sw = _check_sw(sw)
    _check_overrides(overrides, CMEM_PARAMS, "cmem")
    t = _typical("cmem")
    tilt = _finite(tilt_rad, "tilt_rad")
    lin = lin2010(sw.pd_npa, sw.pm_npa, sw.bz_nt, tilt)
    a97 = float(shue1997(sw.pd_npa, sw.bz_nt).alpha)
    values = {
        "p0": t["p0"],
        "r_bs": float(lin.r0) + t["r_bs_minus_r0_lin_re"],
        "A1": t["A1"],
        "A2": t["A2"],
        "B": t["B"],
        "alpha": t["alpha"],
        "beta": t["beta"],
        "p1": t["p1"],
        "p2": t["p2"],
        "p3": t["p3"],
        "ay_bs": a97 + t["bow_shock_flaring_increment"],
        "az_bs": a97 + t["bow_shock_flaring_increment"],
    }
    values.update({k: float(v) for k, v in overrides.items()})
    return CMEMModel(**values, pd_npa=sw.pd_npa, pm_npa=sw.pm_npa, bz_nt=sw.bz_nt, tilt_rad=tilt)


def exosphere_model(sw: Any, n0_cm3: float | None = None, alpha_ev_cm2: float | None = None,
                    r_inner_re: float = 1.0) -> ExosphereModel:  # fmt: skip
    """Exosphere-only model for the solar wind ``sw`` (its density and v_eff).

    ``n0_cm3`` (H density at 10 R_E) and ``alpha_ev_cm2`` default to the configured values
    [A] (25 cm^-3, Cravens et al. 2001; 1e-15 eV cm^2, the SXI team's default).
    """
    sw = _check_sw(sw)
    t = _typical("plasma")
    return ExosphereModel(
        n_sw_cm3=sw.n_cm3,
        v_eff_km_s=sw.v_eff_km_s,
        n0_cm3=t["exosphere_n0_cm3"] if n0_cm3 is None else n0_cm3,
        alpha_ev_cm2=t["alpha_ev_cm2"] if alpha_ev_cm2 is None else alpha_ev_cm2,
        r_inner_re=r_inner_re,
    )


def model_from_name(name: str, sw: Any, *, tilt_rad: float = 0.0, **overrides: float) -> EmissivityModel:
    """The analytic model ``name`` (a key of :mod:`smile_viewer.physics.models`) from the solar
    wind, with parameter overrides."""
    # lazy: import cycle (physics.models imports this module for its builders)
    from smile_viewer.physics.models import build_emissivity

    return build_emissivity(name, sw, tilt_rad=tilt_rad, **overrides)


# --------------------------------------------------------------------------------------
# negative emissivity check
# --------------------------------------------------------------------------------------


def _grid_points(bounds, shape) -> np.ndarray:
    try:
        (x0, x1), (y0, y1), (z0, z1) = bounds
    except (TypeError, ValueError):
        raise UserInputError(f"bounds = {bounds!r}: expected ((x0, x1), (y0, y1), (z0, z1)) in R_E") from None
    nx, ny, nz = (int(n) for n in shape)
    pairs = ((x0, x1), (y0, y1), (z0, z1))
    axes = [np.linspace(float(a), float(b), n) for (a, b), n in zip(pairs, (nx, ny, nz))]
    zz, yy, xx = np.meshgrid(axes[2], axes[1], axes[0], indexing="ij")
    return np.stack([xx, yy, zz], axis=-1)


def check_positive(
    model: EmissivityModel,
    bounds=((-30.0, 30.0), (-30.0, 30.0), (-30.0, 30.0)),
    *,
    shape=(48, 48, 48),
    points: Any = None,
    warn: bool = True,
) -> float:
    """Smallest emissivity of ``model`` over a region; warns if it is negative.

    The region is a uniform grid of ``shape`` (nx, ny, nz) nodes spanning ``bounds``
    ((x0, x1), (y0, y1), (z0, z1)) [R_E], plus ``points`` (..., 3) [R_E] when given (for
    example the samples of a line of sight). Returns the minimum found [eV cm^-3 s^-1]; when
    it is negative and ``warn`` is true, emits a :class:`NegativeEmissivityWarning` naming
    the value, where it occurs and the term responsible. The models are never clipped.
    """
    pts = [_grid_points(bounds, shape).reshape(-1, 3)]
    if points is not None:
        pts.append(_points(points).reshape(-1, 3))
    pts_all = np.concatenate(pts, axis=0)
    eta = np.asarray(model.emissivity(pts_all), dtype=float).ravel()
    finite = np.isfinite(eta)
    if not finite.any():
        return math.nan
    i = int(np.argmin(np.where(finite, eta, np.inf)))
    vmin = float(eta[i])
    if vmin < 0.0 and warn:
        x, y, z = pts_all[i]
        term = "the solar-wind term A2"
        rbs = float(model.bow_shock_r(*_theta_phi(pts_all[i])))
        if math.sqrt(x * x + y * y + z * z) < rbs:
            if isinstance(model, JorgensenModel):
                term = "the sheath factor A1 + B sin^8(theta)"
            elif isinstance(model, CMEMModel):
                term = "the sheath amplitude A1"
        n_neg = int(np.count_nonzero(eta < 0.0))
        warnings.warn(
            f"{model.name} emissivity is negative: {vmin:.4g} {EMISSIVITY_UNITS} at "
            f"({x:.3g}, {y:.3g}, {z:.3g}) R_E ({n_neg} of {eta.size} checked points), from {term}; "
            f"parameters {model.params}",
            NegativeEmissivityWarning,
            stacklevel=2,
        )
    return vmin


def _theta_phi(p: np.ndarray) -> tuple[float, float]:
    x, y, z = (float(v) for v in p)
    return math.atan2(math.hypot(y, z), x), math.atan2(z, y)


# --------------------------------------------------------------------------------------
# physical emissivity from plasma moments
# --------------------------------------------------------------------------------------


def plasma_emissivity(n_sw_cm3, v_eff_km_s, n_h_cm3, alpha_ev_cm2: float = 1.0e-15):
    """P = alpha · n_H · n_sw · v_eff [eV cm^-3 s^-1] (docs/reference.md), vectorised.

    ``n_sw_cm3`` solar wind (or sheath) proton density [cm^-3], ``v_eff_km_s`` effective
    collision speed sqrt(v² + v_th²) [km/s] (converted to cm/s here), ``n_h_cm3`` exospheric
    hydrogen density [cm^-3], ``alpha_ev_cm2`` the charge-exchange efficiency factor
    [eV cm^2] — 1e-15 is the SXI team's default (6e-16 used by other groups) [A]; the same
    value is recorded in ``assets/models/emissivity_defaults.json``. Arrays broadcast; a
    scalar result is a float.
    """
    alpha = _finite(alpha_ev_cm2, "alpha_ev_cm2")
    n = np.asarray(n_sw_cm3, dtype=float)
    v = np.asarray(v_eff_km_s, dtype=float)
    nh = np.asarray(n_h_cm3, dtype=float)
    return _scalar_or_array(alpha * nh * n * (v * 1.0e5))


def thermal_speed_km_s(t_k):
    """Proton thermal speed sqrt(3 k T / m_p) [km/s], vectorised (docs/reference.md)."""
    t = np.asarray(t_k, dtype=float)
    return _scalar_or_array(np.sqrt(3.0 * K_BOLTZMANN_J_K * t / M_PROTON_KG) / 1.0e3)


def effective_speed_km_s(speed_km_s, t_k):
    """v_eff = sqrt(v² + 3 k T / m_p) [km/s] from the bulk speed [km/s] and temperature [K]."""
    v = np.asarray(speed_km_s, dtype=float)
    vth = np.asarray(thermal_speed_km_s(t_k), dtype=float)
    return _scalar_or_array(np.sqrt(v * v + vth * vth))


def temperature_from_pressure_k(p_npa, n_cm3):
    """Proton temperature T = p / (n k) [K] from a thermal pressure [nPa] and density [cm^-3]
    (for MHD output that gives p instead of T; all the pressure is assigned to the protons)."""
    p = np.asarray(p_npa, dtype=float) * 1.0e-9
    n = np.asarray(n_cm3, dtype=float) * 1.0e6
    with np.errstate(divide="ignore", invalid="ignore"):
        return _scalar_or_array(p / (n * K_BOLTZMANN_J_K))


def _boundary_inside(boundary: Any, p: np.ndarray) -> np.ndarray:
    """True where points are inside the boundary (a BoundarySurface or an emissivity model)."""
    if hasattr(boundary, "contains"):
        return np.asarray(boundary.contains(p), dtype=bool)
    if hasattr(boundary, "magnetopause_r"):
        radius = boundary.magnetopause_r
    elif hasattr(boundary, "r"):
        radius = boundary.r
    else:
        raise UserInputError(
            f"boundary {boundary!r} has neither contains(), magnetopause_r() nor r(): "
            "give a smile_viewer.physics.boundaries surface or an emissivity model"
        )
    x, r, rho, ct, st, cp, sp = _direction(p)
    theta = np.arctan2(rho, x)
    phi = np.arctan2(p[..., 2], p[..., 1])
    return r < np.asarray(radius(theta, phi))


def masked_plasma_emissivity(
    xyz_re: Any,
    n_cm3: Any,
    v_km_s: Any,
    t_k: Any,
    *,
    mask: str = "plasma",
    boundary: Any = None,
    alpha_ev_cm2: float | None = None,
    n_h_cm3: Any = None,
    n0_cm3: float | None = None,
    density_fraction: float | None = None,
    density_min_cm3: float | None = None,
    r_min_re: float | None = None,
) -> np.ndarray:
    """SWCX emissivity [eV cm^-3 s^-1] from plasma moments with the magnetosphere removed.

    Inputs on any common grid of shape S: ``xyz_re`` positions (S + (3,)) [R_E], ``n_cm3``
    proton density (S), ``v_km_s`` bulk velocity (S + (3,)) [km/s] or its magnitude (S),
    ``t_k`` proton temperature (S) [K] (use :func:`temperature_from_pressure_k` for a pressure).
    ``n_h_cm3`` (S) overrides the exosphere n_H = n0 (10/r)^3
    (:func:`smile_viewer.physics.exosphere.hydrogen_density_cm3`, ``n0_cm3`` default 25).
    P = alpha n_H n v_eff, v_eff = sqrt(v² + 3kT/m_p) (:func:`plasma_emissivity`).

    ``mask`` chooses how the magnetosphere (where there are no solar wind ions to
    charge-exchange) is set to 0:

    - ``"boundary"``: points strictly inside ``boundary`` are 0. ``boundary`` is a surface of
      :mod:`smile_viewer.physics.boundaries` (its ``contains``), or an emissivity model (its
      magnetopause), or anything with ``r(theta, phi)``.
    - ``"plasma"`` (default): the "simple" criterion of the SXI team's public code
      (swharton1/Emissivity_Cubes, ``calc_emissivity``): keep points where the density
      exceeds a threshold *and* r > ``r_min_re``. The threshold is ``density_min_cm3`` when
      given, else ``density_fraction`` × the largest finite density of the grid. Defaults
      (configured, [A]): fraction 0.2, r_min 5 R_E — the magnetosphere's plasma is far
      thinner than the shocked sheath, and the radius cut removes the dense plasmasphere.
    - ``"none"``: no mask.

    NaN inputs give NaN (never silently 0) where the point is not masked out.
    """
    t = _typical("plasma")
    alpha = t["alpha_ev_cm2"] if alpha_ev_cm2 is None else _finite(alpha_ev_cm2, "alpha_ev_cm2")
    p = _points(xyz_re)
    shape = p.shape[:-1]
    n = np.asarray(n_cm3, dtype=float)
    if n.shape != shape:
        raise UserInputError(f"n_cm3 has shape {n.shape}; positions give {shape}")
    v = np.asarray(v_km_s, dtype=float)
    if v.shape == shape + (3,):
        speed = np.sqrt(np.sum(v * v, axis=-1))
    elif v.shape == shape:
        speed = np.abs(v)
    else:
        raise UserInputError(
            f"v_km_s has shape {v.shape}; expected {shape + (3,)} (vectors) or {shape} (speeds)"
        )
    temp = np.asarray(t_k, dtype=float)
    if temp.shape != shape:
        raise UserInputError(f"t_k has shape {temp.shape}; positions give {shape}")
    if n_h_cm3 is None:
        # lazy: MHD-cube path only; keeps ~5 ms off the GUI's start-up import of state
        from smile_viewer.physics.exosphere import hydrogen_density_cm3

        r = np.sqrt(np.sum(p * p, axis=-1))
        n0 = t["exosphere_n0_cm3"] if n0_cm3 is None else _positive(n0_cm3, "n0_cm3", "cm^-3")
        with np.errstate(divide="ignore"):
            nh = np.asarray(hydrogen_density_cm3(r, n0_cm3=n0), dtype=float)
    else:
        nh = np.asarray(n_h_cm3, dtype=float)
        if nh.shape != shape:
            raise UserInputError(f"n_h_cm3 has shape {nh.shape}; positions give {shape}")
    veff = np.asarray(effective_speed_km_s(speed, temp), dtype=float)
    with np.errstate(invalid="ignore", over="ignore"):
        eta = np.asarray(plasma_emissivity(n, veff, nh, alpha), dtype=float)

    mode = str(mask).lower()
    if mode == "none":
        keep = np.ones(shape, dtype=bool)
    elif mode == "boundary":
        if boundary is None:
            raise UserInputError("mask='boundary' needs a boundary model (boundary=...)")
        keep = ~_boundary_inside(boundary, p)
    elif mode == "plasma":
        if density_min_cm3 is not None:
            thresh = _finite(density_min_cm3, "density_min_cm3")
        else:
            frac = (
                t["mask_density_fraction"]
                if density_fraction is None
                else _finite(density_fraction, "density_fraction")
            )
            finite_n = n[np.isfinite(n)]
            thresh = frac * float(finite_n.max()) if finite_n.size else math.inf
        rmin = t["mask_r_min_re"] if r_min_re is None else _finite(r_min_re, "r_min_re")
        r = np.sqrt(np.sum(p * p, axis=-1))
        nan_n = np.isnan(n)
        keep = ((n > thresh) | nan_n) & (r > rmin)
    else:
        raise UserInputError(f"mask = {mask!r}: expected 'plasma', 'boundary' or 'none'")
    return np.where(keep, eta, 0.0)


# --------------------------------------------------------------------------------------
# line of sight
# --------------------------------------------------------------------------------------


def los_intensity_from_emissivity_integral(integral_ev_cm3_s_re):
    """Line-of-sight intensity [keV cm^-2 s^-1 sr^-1] from ∫ P dl with P in eV cm^-3 s^-1 and
    dl in R_E: I = integral × 6.371e5 / (4 pi) (R_E = 6371 km = 6.371e8 cm, × 1e-3 eV → keV;
    docs/reference.md). A uniform P = 1e-5 over 1 R_E gives 0.50699. Vectorised."""
    a = np.asarray(integral_ev_cm3_s_re, dtype=float)
    return _scalar_or_array(a * LOS_FACTOR)
