"""CMEM2: the Cusp-Magnetosheath Emissivity Model with smooth (logistic) boundaries.

Wharton et al. (2025), JGR Space Physics, doi:10.1029/2025JA034829; public code swharton1/CMEM2
(``boundary_emissivity_functions.py``: ``lin_scaled_func``, ``get_rmp0``, ``shue_adapted_func``,
``cmem2_func``; ``sigmoid.py``), with the form of swharton1/SXI_L4_V1's ``cmem2b_func``.
Units: emissivity eV cm^-3 s^-1, lengths R_E; frame as CMEM (GSM when the tilt is not 0)::

    eta = S(k (r - r_mp)) S(k (r_bs - r)) A1 exp(-B (theta/2)^4) (r/10)^(-dbeta - beta cos² theta)
        + S(k (r - r_bs)) A2 (r/10)^-3,          S(t) = 1 / (1 + exp(-t))

- r_mp: CMEM's magnetopause (Lin et al. 2010 scaled by p0..p3), shared code with
  :class:`~smile_viewer.physics.emissivity.CMEMModel`;
- r_bs: the 3-D Shue surface with subsolar distance r_mp0 + dr (r_mp0 the subsolar
  magnetopause, dr a parameter) and flaring ay_bs, az_bs;
- k [1/R_E]: steepness of the transitions (fixed, not fitted; default 50).

Where the public codes disagree, and what is followed here, see docs/reference.md#cmem2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

import numpy as np

from smile_viewer.errors import UserInputError
from smile_viewer.physics import emissivity as _em
from smile_viewer.physics import emissivity_kernels as _k
from smile_viewer.physics.boundaries import shue1997

__all__ = [
    "CMEM2_PARAMETER_INFO",
    "CMEM2_PARAMS",
    "CMEM2_TITLE",
    "CMEM2Model",
    "cmem2_defaults",
]

#: CMEM2 parameter names, in the published order (the first 12 entries of ``to_array()``).
CMEM2_PARAMS: tuple[str, ...] = (
    "p0", "dr", "A1", "A2", "B", "dbeta", "beta", "p1", "p2", "p3", "ay_bs", "az_bs",
)  # fmt: skip

#: Short title for lists.
CMEM2_TITLE = "CMEM2 (Wharton et al. 2025)"

_INF = math.inf
#: What a model registry needs per parameter: (name, unit, description, fit bounds, search step,
#: amplitude). Bounds keep the model physical: dr > 0 keeps the bow shock outside the
#: magnetopause's nose; the amplitudes are >= 0.
CMEM2_PARAMETER_INFO: tuple[tuple[str, str, str, tuple[float, float], float | None, bool], ...] = (
    ("p0", "", "magnetopause size scale (of Lin et al. 2010)", (0.3, 3.0), 0.05, False),
    ("dr", "R_E", "bow shock minus magnetopause on the Sun-Earth line", (0.1, 20.0), 0.25, False),
    ("A1", "eV cm^-3 s^-1", "sheath emissivity amplitude at 10 R_E", (0.0, _INF), None, True),
    ("A2", "eV cm^-3 s^-1", "solar-wind emissivity at 10 R_E", (0.0, _INF), None, True),
    ("B", "", "sheath fall-off: factor exp(-B (theta/2)^4)", (0.0, 50.0), 0.5, False),
    ("dbeta", "", "sheath radial exponent at theta = 90 deg", (-5.0, 10.0), 0.2, False),
    ("beta", "", "sheath radial exponent change with cos^2 theta", (-10.0, 10.0), 0.2, False),
    ("p1", "", "magnetopause flaring scale", (0.2, 5.0), 0.1, False),
    ("p2", "", "cusp depth scale", (0.0, 20.0), 0.5, False),
    ("p3", "", "cusp width scale", (0.0, 30.0), 0.5, False),
    ("ay_bs", "", "bow-shock y flaring exponent", (0.1, 1.5), 0.05, False),
    ("az_bs", "", "bow-shock z flaring exponent", (0.1, 1.5), 0.05, False),
)


@dataclass(frozen=True)
class CMEM2Model(_em.EmissivityModel):
    """CMEM2 (Wharton et al. 2025): CMEM with logistic transitions instead of jumps.

    Parameters (names as in swharton1/CMEM2): ``p0`` magnetopause size scale, ``dr``
    bow shock minus magnetopause on the Sun–Earth line [R_E] (> 0), ``A1``, ``A2``
    [eV cm^-3 s^-1], ``B`` (dimensionless), ``dbeta``, ``beta`` sheath radial exponents,
    ``p1`` flaring, ``p2`` cusp-depth, ``p3`` cusp-width scales, ``ay_bs``, ``az_bs`` bow-shock
    flaring. Fixed inputs (not fitted): ``pd_npa``, ``pm_npa``, ``bz_nt``, ``tilt_rad`` of the
    Lin et al. (2010) magnetopause (as :class:`~smile_viewer.physics.emissivity.CMEMModel`)
    and ``k`` [1/R_E] (> 0), the steepness of the logistic steps (10 %–90 % over 4.39/k R_E).

    ``to_array()``: 36 entries, layout in :mod:`smile_viewer.physics.emissivity_kernels`.
    """

    model_id: ClassVar[int] = _k.MODEL_CMEM2
    name: ClassVar[str] = "cmem2"
    title: ClassVar[str] = CMEM2_TITLE
    reference: ClassVar[str] = (
        "Wharton et al. (2025), J. Geophys. Res. Space Physics, doi:10.1029/2025JA034829 (CMEM2); "
        "formulas as in swharton1/CMEM2 boundary_emissivity_functions.py (lin_scaled_func, get_rmp0, "
        "shue_adapted_func, cmem2_func) and sigmoid.py, in the form of swharton1/SXI_L4_V1 cmem2b_func; "
        "magnetopause of Lin et al. (2010), J. Geophys. Res. 115, A04207"
    )
    param_names: ClassVar[tuple[str, ...]] = CMEM2_PARAMS

    p0: float
    dr: float
    A1: float
    A2: float
    B: float
    dbeta: float
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
    k: float = 50.0

    def __post_init__(self) -> None:
        for n in CMEM2_PARAMS:
            v = _em._positive(getattr(self, n), n, "R_E") if n == "dr" else _em._finite(getattr(self, n), n)
            object.__setattr__(self, n, v)
        object.__setattr__(self, "k", _em._positive(self.k, "k", "per R_E"))
        lin = self.lin2010()  # validates the Lin inputs (UserInputError naming the bad one)
        for n in ("pd_npa", "pm_npa", "bz_nt", "tilt_rad"):
            object.__setattr__(self, n, float(getattr(lin, n)))
        if not self.magnetopause_standoff_re > 0.0:
            raise UserInputError(
                f"cmem2: the subsolar magnetopause p0 r0 + p2 Q(0) = {self.magnetopause_standoff_re:.4g} R_E "
                f"is not positive (p0 = {self.p0}, p2 = {self.p2}, p3 = {self.p3})"
            )

    # the magnetopause is CMEM's (same inputs, same kernel entries)
    lin2010 = _em.CMEMModel.lin2010
    lin_coefficients = _em.CMEMModel.lin_coefficients

    @cached_property
    def _lin_entries(self) -> list[float]:
        return _em.lin_kernel_entries(self.lin_coefficients)

    @property
    def magnetopause_standoff_re(self) -> float:
        """Subsolar magnetopause r_mp0 = r_mp(theta = 0) = p0 r0 + p2 c [exp(p3 d_n theta_n^a21)
        + exp(p3 d_s theta_s^a21)] [R_E] (swharton1/SXI_L4_V1 ``get_rmp0``; see docs)."""
        e = self._lin_entries
        r0, c, dn, ds, tn, ts, a21 = e[0], e[5], e[6], e[7], e[8], e[9], e[11]
        q0 = c * (math.exp(self.p3 * dn * tn**a21) + math.exp(self.p3 * ds * ts**a21))
        return self.p0 * r0 + self.p2 * q0

    @property
    def bow_shock_standoff_re(self) -> float:
        """Subsolar bow shock r_mp0 + dr [R_E]."""
        return self.magnetopause_standoff_re + self.dr

    def to_array(self) -> np.ndarray:
        """float64 vector of length 36 (layout in :mod:`emissivity_kernels`); a new array."""
        return self._array.copy()

    @cached_property
    def _array(self) -> np.ndarray:
        rbs0 = self.bow_shock_standoff_re
        if not rbs0 > 0.0:
            raise UserInputError(f"cmem2: the subsolar bow shock r_mp0 + dr = {rbs0:.4g} R_E is not positive")
        vals = [getattr(self, n) for n in CMEM2_PARAMS]
        vals += [self.pd_npa, self.pm_npa, self.bz_nt, self.tilt_rad]
        vals += self._lin_entries
        vals += [math.log(rbs0), self.k, self.magnetopause_standoff_re, rbs0]
        return np.array(vals, dtype=np.float64)

    def magnetopause_r(self, theta, phi=0.0):
        """Magnetopause radius [R_E] at (theta, phi) [rad] (CMEM's scaled Lin 2010), vectorised:
        the centre of the inner logistic step."""
        ct, st, cp, sp = _em._angles(theta, phi)
        return _em._scalar_or_array(_em._lin_scaled(np.arctan2(st, ct), ct, st, cp, sp, self._array))

    def bow_shock_r(self, theta, phi=0.0):
        """Bow-shock radius [R_E] at (theta, phi) [rad] (3-D Shue from r_mp0 + dr), vectorised:
        the centre of the outer logistic step."""
        ct, st, cp, sp = _em._angles(theta, phi)
        q = _em._shue_q(ct, st)
        return _em._scalar_or_array(
            _em._shue3d(q, cp * cp, sp * sp, self.bow_shock_standoff_re, self.ay_bs, self.az_bs)
        )

    def emissivity(self, xyz_re: Any):
        """Emissivity [eV cm^-3 s^-1] at points (..., 3) [R_E]; returns shape (...)."""
        p = _em._points(xyz_re)
        arr = self._array
        x, r, rho, ct, st, cp, sp = _em._direction(p)
        theta = np.arctan2(rho, x)
        rmp = _em._lin_scaled(theta, ct, st, cp, sp, arr)
        _, _, q, c2, s2 = _em._shue_geom(p)
        rbs = _em._shue3d(q, c2, s2, arr[35], self.ay_bs, self.az_bs)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            s_mp = _logistic(self.k * (r - rmp))
            s_in = _logistic(self.k * (rbs - r))
            s_out = _logistic(self.k * (r - rbs))
            u = 10.0 / r
            out = self.A2 * (u * u * u) * s_out
            w = s_mp * s_in
            h2 = 0.25 * theta * theta
            expo = (-self.dbeta - self.beta * (ct * ct)) * (np.log(r) - _k.LN10)
            sheath = self.A1 * np.exp(-self.B * (h2 * h2) + expo)
            out = np.where(w > 0.0, out + sheath * w, out)
        out = np.where(r == 0.0, 0.0, out)
        return _em._scalar_or_array(out)


def _logistic(t: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-t)) as emissivity_kernels.logistic (no overflow)."""
    t = np.asarray(t, dtype=float)
    with np.errstate(over="ignore"):
        e = np.exp(np.where(t < 0.0, t, -t))
    return np.where(t >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def cmem2_defaults(sw: Any, tilt_rad: float = 0.0, **overrides: float) -> CMEM2Model:
    """CMEM2 with the typical start of the SXI team's code (swharton1/SXI_Core
    ``set_initial_params.get_init_params('cmem2b', init_method=1)``):

    (p0, dr, A1, A2, B, dbeta, beta, p1, p2, p3, ay_bs, az_bs) =
    (1, 3, 1.5e-5, 1.3e-5, 2, 0.9, 1.6, 1, 3, 4, alpha97 + 0.2, alpha97 + 0.2), alpha97 the
    Shue et al. (1997) flaring for ``sw.pd_npa`` and ``sw.bz_nt``; the magnetopause is Lin et al.
    (2010) for ``sw.pd_npa``, ``sw.pm_npa``, ``sw.bz_nt`` and ``tilt_rad`` [rad]; ``k`` = 50 per R_E
    (swharton1/SXI_L4_V1 ``cmem2b_func``). Values [A] from ``assets/models/emissivity_defaults.json``.
    ``overrides`` replace any parameter, or ``k``, by name.
    """
    sw = _em._check_sw(sw)
    _em._check_overrides(overrides, CMEM2_PARAMS + ("k",), "cmem2")
    t = _em._typical("cmem2")
    tilt = _em._finite(tilt_rad, "tilt_rad")
    a97 = float(shue1997(sw.pd_npa, sw.bz_nt).alpha)
    values = {n: t[n] for n in ("p0", "dr", "A1", "A2", "B", "dbeta", "beta", "p1", "p2", "p3")}
    values["ay_bs"] = a97 + t["bow_shock_flaring_increment"]
    values["az_bs"] = a97 + t["bow_shock_flaring_increment"]
    values["k"] = t["k_per_re"]
    values.update({n: float(v) for n, v in overrides.items()})
    return CMEM2Model(**values, pd_npa=sw.pd_npa, pm_npa=sw.pm_npa, bz_nt=sw.bz_nt, tilt_rad=tilt)
