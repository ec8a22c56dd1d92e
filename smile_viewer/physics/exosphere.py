"""Exospheric neutral hydrogen: the Cravens et al. (2001) profile and its closed-form line integrals.

Profile [E] (docs/reference.md#exosphere):

    n_H(r) = n0 (10 R_E / r)^3  cm^-3,

Cravens, T. E., I. P. Robertson and S. L. Snowden (2001), Temporal variations of geocoronal
and heliospheric X-ray emission associated with the solar wind interaction with neutrals,
J. Geophys. Res., 106(A11), 24883-24892 — a fit to the Hodges (1994) exosphere with
n0 = 25 cm^-3 (:data:`CRAVENS2001_N0_CM3`, the default). The dayside value at 10 R_E from
TWINS/LAICA Lyman-alpha is 35 cm^-3 (Zoennchen et al. 2022; :data:`TWINS_DAYSIDE_N0_CM3`).
Checks: 25 cm^-3 at 10 R_E, 200 at 5, 3.125 at 20.

Closed forms for any ``A (r / r_ref)^-3`` profile (used for the analytic tails of line-of-sight
integrals; lengths in R_E, so the results are in [A]·R_E — multiply by
:data:`smile_viewer.constants.R_E_CM` for a column in cm^-2):

- radially outward from r1 to infinity: ``A r_ref^3 / (2 r1^2)`` (= A · 1000 / (2 r1²) for
  r_ref = 10): :func:`radial_tail_integral`;
- along any straight line: :func:`line_integral_inverse_cube`.

Radius conventions: r must be >= 0. At r = 0 the density is +inf (the limit of the power
law; the profile is meant for r >~ 3 R_E, and callers mask the Earth anyway); negative r
raises :class:`~smile_viewer.errors.UserInputError`; NaN propagates as NaN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from smile_viewer.constants import R_E_CM
from smile_viewer.errors import UserInputError

__all__ = [
    "CRAVENS2001_N0_CM3",
    "TWINS_DAYSIDE_N0_CM3",
    "R_REF_RE",
    "hydrogen_density_cm3",
    "radial_tail_integral",
    "line_integral_inverse_cube",
    "CravensExosphere",
]

#: n0 of Cravens et al. (2001): H density at 10 R_E [cm^-3].
CRAVENS2001_N0_CM3: float = 25.0
#: Dayside H density at 10 R_E from TWINS/LAICA (Zoennchen et al. 2022) [cm^-3].
TWINS_DAYSIDE_N0_CM3: float = 35.0
#: Reference radius of the profile [R_E].
R_REF_RE: float = 10.0


def _check_n0(n0_cm3) -> float:
    try:
        n0 = float(n0_cm3)
    except (TypeError, ValueError):
        raise UserInputError(f"n0_cm3 = {n0_cm3!r} is not a number") from None
    if not math.isfinite(n0) or n0 < 0:
        raise UserInputError(f"n0_cm3 = {n0!r}: must be a finite number >= 0 (cm^-3)")
    return n0


def _check_r_ref(r_ref_re) -> float:
    r_ref = float(r_ref_re)
    if not math.isfinite(r_ref) or r_ref <= 0:
        raise UserInputError(f"r_ref_re = {r_ref_re!r}: must be a finite number > 0 (R_E)")
    return r_ref


def _radii(r_re, name: str) -> np.ndarray:
    r = np.asarray(r_re, dtype=float)
    bad = r < 0  # NaN compares False: propagates
    if np.any(bad):
        first = float(r[bad].flat[0])
        raise UserInputError(
            f"{name} = {first!r} R_E ({int(np.count_nonzero(bad))} negative value(s)): a radius must be >= 0"
        )
    return r


def hydrogen_density_cm3(r_re, n0_cm3: float = CRAVENS2001_N0_CM3):
    """Exospheric H density n0 (10 / r)^3 [cm^-3] at geocentric distance ``r_re`` [R_E].

    Vectorised (any array shape; a scalar gives a numpy float). r = 0 gives +inf, r < 0 raises
    :class:`~smile_viewer.errors.UserInputError`, NaN gives NaN.
    """
    n0 = _check_n0(n0_cm3)
    r = _radii(r_re, "r_re")
    with np.errstate(divide="ignore"):
        out = n0 * (R_REF_RE / r) ** 3
    if n0 == 0.0:
        out = np.where(np.isnan(r), np.nan, 0.0)
    return out[()] if out.ndim == 0 else out


def radial_tail_integral(r1_re, amplitude: float = 1.0, r_ref_re: float = R_REF_RE):
    """∫_{r1}^∞ A (r / r_ref)^-3 dr = A r_ref³ / (2 r1²)  [A · R_E], for ``r1_re`` > 0 [R_E].

    With r_ref = 10: A · 1000 / (2 r1²) (docs/reference.md#exosphere). Vectorised over ``r1_re``; r1 = 0 gives
    +inf, r1 < 0 raises :class:`~smile_viewer.errors.UserInputError`.
    """
    r_ref = _check_r_ref(r_ref_re)
    r1 = _radii(r1_re, "r1_re")
    with np.errstate(divide="ignore"):
        out = float(amplitude) * r_ref**3 / (2.0 * r1 * r1)
    return out[()] if out.ndim == 0 else out


def _segment_same_side(u0, u1, r0, r1):
    """∫_{u0}^{u1} du / (u² + h²)^{3/2} for 0 <= u0 <= u1 (u1 may be inf), r = sqrt(u² + h²).

    G(u) = u / (h² r) has the difference (u1 - u0)(u1 + u0) / (r0 r1 (u1 r0 + u0 r1)), free of
    cancellation for small h; its limit u1 → inf is 1 / (r0 (r0 + u0)).
    """
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        finite = (u1 - u0) * (u1 + u0) / (r0 * r1 * (u1 * r0 + u0 * r1))
        to_inf = 1.0 / (r0 * (r0 + u0))
    return np.where(np.isinf(u1), to_inf, finite)


def line_integral_inverse_cube(
    origin_re,
    direction,
    s0_re=0.0,
    s1_re=np.inf,
    amplitude: float = 1.0,
    r_ref_re: float = R_REF_RE,
):
    """∫_{s0}^{s1} A (|o + s d̂| / r_ref)^-3 ds along a straight line, in closed form [A · R_E].

    ``origin_re`` (..., 3) [R_E], ``direction`` (..., 3) (normalised here; ``s`` is distance
    along it in R_E), ``s0_re <= s1_re`` (``s1_re`` may be inf), all broadcast together.
    With u = s + o·d̂ and h the distance of closest approach to Earth's centre,
    ∫ ds / r³ = [u / (h² r)]; it is evaluated in a form without cancellation, also for rays
    through or near the radial direction (radial outward from r1: A r_ref³ / (2 r1²)). A
    segment that passes through r = 0 gives +inf.
    """
    r_ref = _check_r_ref(r_ref_re)
    o = np.asarray(origin_re, dtype=float)
    d = np.asarray(direction, dtype=float)
    if o.shape[-1:] != (3,) or d.shape[-1:] != (3,):
        raise UserInputError(
            f"origin_re {o.shape} and direction {d.shape} must have 3 components in the last axis"
        )
    norm = np.linalg.norm(d, axis=-1, keepdims=True)
    if np.any(norm == 0) or not np.all(np.isfinite(norm)):
        raise UserInputError("direction must be a finite non-zero vector")
    d = d / norm
    s0 = np.asarray(s0_re, dtype=float)
    s1 = np.asarray(s1_re, dtype=float)
    if np.any(s1 < s0):
        raise UserInputError("s1_re must be >= s0_re")
    b = np.einsum("...i,...i->...", o, d)  # u = s + b
    perp = o - b[..., None] * d
    h = np.linalg.norm(perp, axis=-1)
    b, h, s0, s1 = np.broadcast_arrays(b, h, s0, s1)
    u0, u1 = s0 + b, s1 + b
    with np.errstate(invalid="ignore", over="ignore"):
        r0 = np.hypot(u0, h)
        r1 = np.where(np.isinf(u1), np.inf, np.hypot(u1, h))
    # three cases: both u >= 0; both u <= 0 (mirror); u0 < 0 < u1 (split at closest approach)
    pos = _segment_same_side(np.maximum(u0, 0.0), u1, np.where(u0 >= 0, r0, h), r1)  # [max(u0,0), u1]
    neg = _segment_same_side(np.maximum(-u1, 0.0), -u0, np.where(u1 <= 0, r1, h), r0)  # [u0, min(u1,0)]
    with np.errstate(invalid="ignore"):
        val = np.where(u1 <= 0.0, 0.0, pos) + np.where(u0 >= 0.0, 0.0, neg)
    val = np.where(u1 == u0, 0.0, val)
    out = float(amplitude) * r_ref**3 * val
    return out[()] if out.ndim == 0 else out


@dataclass(frozen=True)
class CravensExosphere:
    """The Cravens et al. (2001) exosphere n_H = n0 (10 R_E / r)^3 with its n0 [cm^-3].

    ``CravensExosphere()`` uses 25 cm^-3; ``CravensExosphere(TWINS_DAYSIDE_N0_CM3)`` the
    dayside TWINS value 35 cm^-3.
    """

    n0_cm3: float = CRAVENS2001_N0_CM3

    def __post_init__(self) -> None:
        object.__setattr__(self, "n0_cm3", _check_n0(self.n0_cm3))

    def density_cm3(self, r_re):
        """n_H [cm^-3] at ``r_re`` [R_E] (see :func:`hydrogen_density_cm3`)."""
        return hydrogen_density_cm3(r_re, self.n0_cm3)

    def radial_column_cm2(self, r1_re):
        """H column density [cm^-2] radially outward from ``r1_re`` [R_E] to infinity."""
        return radial_tail_integral(r1_re, self.n0_cm3) * R_E_CM

    def column_cm2(self, origin_re, direction, s0_re=0.0, s1_re=np.inf):
        """H column density [cm^-2] along a straight line (see :func:`line_integral_inverse_cube`)."""
        return line_integral_inverse_cube(origin_re, direction, s0_re, s1_re, self.n0_cm3) * R_E_CM

    @property
    def parameters(self) -> dict:
        """Provenance of the model."""
        return {
            "model": "Cravens et al. (2001) exospheric hydrogen",
            "formula": "n_H = n0 (10 R_E / r)^3 cm^-3",
            "n0_cm3": self.n0_cm3,
            "reference": (
                "Cravens, T. E., I. P. Robertson, and S. L. Snowden (2001), J. Geophys. Res., "
                "106(A11), 24883-24892 (a fit to Hodges 1994)"
            ),
        }
