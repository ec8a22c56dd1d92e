"""Scalar point functions of the analytic soft X-ray emissivity models, compiled with numba.

The CPU ray marcher (:mod:`smile_viewer.compute`) and the volume sampler
(:mod:`smile_viewer.physics.volume`) call them once per sample, with a position (x, y, z) in R_E
and the model's parameter vector ``p`` (``model.to_array()``); they return eV cm^-3 s^-1 and
agree with the numpy code of :mod:`smile_viewer.physics.emissivity` to 1e-12 relative.
``model_id``: 1 Jorgensen, 2 CMEM, 3 exosphere only, 4 CMEM2. Numerical forms and parameter
layouts: docs/reference.md#numerical-forms-of-the-analytic-models.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = [
    "MODEL_JORGENSEN",
    "MODEL_CMEM",
    "MODEL_EXOSPHERE",
    "MODEL_CMEM2",
    "KERNEL_NPARAM",
    "LN10",
    "JORGENSEN_NPARAM",
    "CMEM_NPARAM",
    "EXOSPHERE_NPARAM",
    "CMEM2_NPARAM",
    "logistic",
    "cmem2_point",
    "cmem2_bow_shock_r_xyz",
    "jorgensen_point",
    "cmem_point",
    "exosphere_point",
    "emissivity_point",
    "jorgensen_magnetopause_r",
    "jorgensen_bow_shock_r",
    "cmem_magnetopause_r",
    "cmem_bow_shock_r",
    "jorgensen_magnetopause_r_xyz",
    "jorgensen_bow_shock_r_xyz",
    "cmem_magnetopause_r_xyz",
    "cmem_bow_shock_r_xyz",
    "magnetopause_r_xyz",
    "bow_shock_r_xyz",
    "shue3d_radius",
    "shue_q",
]

#: ``model_id`` of the Jorgensen et al. (2019) model.
MODEL_JORGENSEN = 1
#: ``model_id`` of CMEM (Wharton et al. 2025).
MODEL_CMEM = 2
#: ``model_id`` of the exosphere-only model A (r/10)^-3 outside r_inner.
MODEL_EXOSPHERE = 3

#: ``model_id`` of CMEM2 (Wharton et al. 2025, swharton1/CMEM2): CMEM with logistic boundaries.
MODEL_CMEM2 = 4

JORGENSEN_NPARAM = 13
CMEM_NPARAM = 33
EXOSPHERE_NPARAM = 6
CMEM2_NPARAM = 36
#: Length of the parameter vector of each ``model_id``.
KERNEL_NPARAM = {
    MODEL_JORGENSEN: JORGENSEN_NPARAM,
    MODEL_CMEM: CMEM_NPARAM,
    MODEL_EXOSPHERE: EXOSPHERE_NPARAM,
    MODEL_CMEM2: CMEM2_NPARAM,
}

_jit = numba.njit(cache=True, fastmath=False, error_model="numpy")

#: ln 10, for (r/10)^e = exp(e (ln r - ln 10)).
LN10 = math.log(10.0)


# --------------------------------------------------------------------------------------
# geometry helpers
# --------------------------------------------------------------------------------------


@_jit
def shue_q(ct, st):
    """``2 / (1 + cos theta)`` from ``ct = cos theta``, ``st = sin theta`` (>= 0); +inf on -X."""
    if ct >= 0.0:
        return 2.0 / (1.0 + ct)
    s2 = st * st
    if s2 == 0.0:
        return np.inf
    return 2.0 * (1.0 - ct) / s2


@_jit
def shue3d_radius(q, cphi2, sphi2, r0, ay, az):
    """Jorgensen et al. (2019) 3-D Shue surface at ``q = 2/(1+cos theta)``.

    ``ry = r0 q^ay``, ``rz = r0 q^az``, ``r = 1 / sqrt(cos²phi/ry² + sin²phi/rz²)``
    (= ry rz / sqrt((rz cos phi)² + (ry sin phi)²)). ``cphi2``/``sphi2`` are cos²/sin² phi.
    Returns +inf where the surface is at infinity (``q`` infinite, or the radii overflow).
    With ``ay == az`` (an axisymmetric surface) the radius is ``ry`` itself.
    """
    if q == np.inf:
        return np.inf
    lq = math.log(q)
    ry = r0 * math.exp(ay * lq)
    if az == ay:
        return ry
    rz = r0 * math.exp(az * lq)
    w = cphi2 / (ry * ry) + sphi2 / (rz * rz)
    if w <= 0.0:
        return np.inf
    return 1.0 / math.sqrt(w)


@_jit
def _shue_inside(r, lr, q, lq, cphi2, sphi2, r0, log_r0, ay, az):
    """``r < r_surface(direction)`` for a 3-D Shue surface; ``lr = ln r``, ``lq = ln q``,
    ``log_r0 = ln r0``. Always true where the surface is at infinity (q = inf)."""
    if q == np.inf:
        return True
    if ay == az:
        return lr < log_r0 + ay * lq
    return r < shue3d_radius(q, cphi2, sphi2, r0, ay, az)


@_jit
def _lin_scaled_radius(theta, ct, st, cphi, sphi, p):
    """CMEM magnetopause: Lin et al. (2010) scaled by p0 (size), p1 (flaring), p2 (cusp depth),
    p3 (cusp width), as in swharton1/CMEM ``boundary_emissivity_functions.lin_scaled_func``:

    ``r = p0 r0 f^(p1 beta(phi)) + p2 c [exp(p3 d_n psi_n^a21) + exp(p3 d_s psi_s^a21)]``,
    ``f = cos(theta/2) + a5 sin(2 theta)(1 - exp(-theta))``,
    ``beta = beta0 + beta1 cos phi + beta2 sin phi + beta3 sin² phi``,
    ``cos psi_n = cos theta cos theta_n + sin theta sin theta_n sin phi`` (= cos(phi - pi/2)),
    ``cos psi_s = cos theta cos theta_s - sin theta sin theta_s sin phi`` (= cos(phi - 3pi/2)).
    """
    p0 = p[0]
    p1 = p[7]
    p2 = p[8]
    p3 = p[9]
    r0 = p[16]
    b0 = p[17]
    b1 = p[18]
    b2 = p[19]
    b3 = p[20]
    c = p[21]
    dn = p[22]
    ds = p[23]
    a5 = p[26]
    a21 = p[27]
    base = math.cos(0.5 * theta) + a5 * math.sin(2.0 * theta) * (1.0 - math.exp(-theta))
    expo = p1 * (b0 + b1 * cphi + b2 * sphi + b3 * sphi * sphi)
    if base > 0.0:
        f = math.exp(expo * math.log(base))
    elif expo < 0.0:
        f = np.inf
    elif expo == 0.0:
        f = 1.0
    else:
        f = 0.0
    cn = ct * p[28] + st * p[29] * sphi  # cos, sin of theta_n
    cs = ct * p[30] - st * p[31] * sphi  # cos, sin of theta_s
    # arccos of a cosine that rounding may push a hair outside [-1, 1]
    cn = min(1.0, max(-1.0, cn))
    cs = min(1.0, max(-1.0, cs))
    psi_n = math.acos(cn)
    psi_s = math.acos(cs)
    q = p2 * c * math.exp(p3 * dn * psi_n**a21) + p2 * c * math.exp(p3 * ds * psi_s**a21)
    return p0 * r0 * f + q


# --------------------------------------------------------------------------------------
# boundary radii: angle form (theta, phi) and direction form (x, y, z)
# --------------------------------------------------------------------------------------


@_jit
def _angles(theta, phi):
    ct = math.cos(theta)
    st = math.sin(theta)
    if st < 0.0:  # theta outside [0, pi]: keep the direction, fold the sign into phi
        st = -st
        return ct, st, -math.cos(phi), -math.sin(phi)
    return ct, st, math.cos(phi), math.sin(phi)


@_jit
def _direction(x, y, z):
    """(r, rho, ct, st, cphi, sphi) of a point; r = 0 gives theta = phi = 0."""
    rho2 = y * y + z * z
    r = math.sqrt(x * x + rho2)
    rho = math.sqrt(rho2)
    if r == 0.0:
        return 0.0, 0.0, 1.0, 0.0, 1.0, 0.0
    ct = x / r
    st = rho / r
    if rho == 0.0:
        return r, rho, ct, st, 1.0, 0.0
    return r, rho, ct, st, y / rho, z / rho


@_jit
def _shue_geom(x, y, z):
    """(r, rho2, q, cos²phi, sin²phi) of a point for the Shue surfaces, with few divisions.

    ``q = 2/(1 + cos theta)`` is ``2r/(r + x)`` for x >= 0 and ``2r(r - x)/rho²`` for x < 0
    (the same value without cancellation), +inf on the -X axis; r = 0 gives q = 1, phi = 0.
    """
    y2 = y * y
    z2 = z * z
    rho2 = y2 + z2
    r = math.sqrt(x * x + rho2)
    if r == 0.0:
        return 0.0, 0.0, 1.0, 1.0, 0.0
    if x >= 0.0:
        q = 2.0 * r / (r + x)
    elif rho2 == 0.0:
        q = np.inf
    else:
        q = 2.0 * r * (r - x) / rho2
    if rho2 > 0.0:
        # two divisions, not 1/rho2: that overflows when rho2 is subnormal
        return r, rho2, q, y2 / rho2, z2 / rho2
    return r, rho2, q, 1.0, 0.0


@_jit
def jorgensen_magnetopause_r(theta, phi, p):
    """Jorgensen magnetopause radius [R_E] at (theta, phi) [rad]."""
    ct, st, cp, sp = _angles(theta, phi)
    return shue3d_radius(shue_q(ct, st), cp * cp, sp * sp, p[0], p[7], p[8])


@_jit
def jorgensen_bow_shock_r(theta, phi, p):
    """Jorgensen bow shock radius [R_E] at (theta, phi) [rad]."""
    ct, st, cp, sp = _angles(theta, phi)
    return shue3d_radius(shue_q(ct, st), cp * cp, sp * sp, p[1], p[9], p[10])


@_jit
def jorgensen_magnetopause_r_xyz(x, y, z, p):
    """Jorgensen magnetopause radius [R_E] in the direction of the point (x, y, z)."""
    r, rho2, q, c2, s2 = _shue_geom(x, y, z)
    return shue3d_radius(q, c2, s2, p[0], p[7], p[8])


@_jit
def jorgensen_bow_shock_r_xyz(x, y, z, p):
    """Jorgensen bow shock radius [R_E] in the direction of the point (x, y, z)."""
    r, rho2, q, c2, s2 = _shue_geom(x, y, z)
    return shue3d_radius(q, c2, s2, p[1], p[9], p[10])


@_jit
def cmem_magnetopause_r(theta, phi, p):
    """CMEM magnetopause radius [R_E] at (theta, phi) [rad] (scaled Lin et al. 2010)."""
    ct, st, cp, sp = _angles(theta, phi)
    th = math.atan2(st, ct)
    return _lin_scaled_radius(th, ct, st, cp, sp, p)


@_jit
def cmem_bow_shock_r(theta, phi, p):
    """CMEM bow shock radius [R_E] at (theta, phi) [rad] (3-D Shue form)."""
    ct, st, cp, sp = _angles(theta, phi)
    return shue3d_radius(shue_q(ct, st), cp * cp, sp * sp, p[1], p[10], p[11])


@_jit
def cmem_magnetopause_r_xyz(x, y, z, p):
    """CMEM magnetopause radius [R_E] in the direction of the point (x, y, z)."""
    r, rho, ct, st, cp, sp = _direction(x, y, z)
    return _lin_scaled_radius(math.atan2(rho, x), ct, st, cp, sp, p)


@_jit
def cmem_bow_shock_r_xyz(x, y, z, p):
    """CMEM bow shock radius [R_E] in the direction of the point (x, y, z)."""
    r, rho2, q, c2, s2 = _shue_geom(x, y, z)
    return shue3d_radius(q, c2, s2, p[1], p[10], p[11])


# --------------------------------------------------------------------------------------
# emissivity point functions
# --------------------------------------------------------------------------------------


@_jit
def jorgensen_point(x, y, z, p):
    """Jorgensen et al. (2019) emissivity [eV cm^-3 s^-1] at (x, y, z) [R_E].

    0 for r < r_mp(theta, phi); (A1 + B sin^8 theta)(r/10)^(-alpha - beta sin² theta) for
    r_mp <= r < r_bs; A2 (r/10)^-3 for r >= r_bs (the region tests of swharton1/CMEM
    ``jorg_func``).
    """
    r, rho2, q, c2, s2 = _shue_geom(x, y, z)
    if r == 0.0:
        return 0.0
    lr = math.log(r)
    lq = math.log(q)
    if _shue_inside(r, lr, q, lq, c2, s2, p[0], p[11], p[7], p[8]):
        return 0.0
    if _shue_inside(r, lr, q, lq, c2, s2, p[1], p[12], p[9], p[10]):
        st2 = rho2 / (r * r)  # sin² theta
        s4 = st2 * st2
        return (p[2] + p[4] * (s4 * s4)) * math.exp((-p[5] - p[6] * st2) * (lr - LN10))
    u = 10.0 / r
    return p[3] * (u * u * u)


@_jit
def cmem_point(x, y, z, p):
    """CMEM (Wharton et al. 2025) emissivity [eV cm^-3 s^-1] at (x, y, z) [R_E].

    0 for r < r_mp (scaled Lin 2010); A1 exp(-B (theta/2)^4)(r/10)^(-alpha - beta sin² theta)
    for r_mp <= r < r_bs (3-D Shue bow shock); A2 (r/10)^-3 for r >= r_bs — as
    swharton1/CMEM ``cmem_func``.
    """
    r, rho, ct, st, cp, sp = _direction(x, y, z)
    if r == 0.0:
        return 0.0
    theta = math.atan2(rho, x)
    rmp = _lin_scaled_radius(theta, ct, st, cp, sp, p)
    if r < rmp:
        return 0.0
    r_, rho2, q, c2, s2 = _shue_geom(x, y, z)
    lr = math.log(r)
    if _shue_inside(r, lr, q, math.log(q), c2, s2, p[1], p[32], p[10], p[11]):
        h2 = 0.25 * theta * theta
        return p[2] * math.exp(-p[4] * (h2 * h2)) * math.exp((-p[5] - p[6] * (st * st)) * (lr - LN10))
    u = 10.0 / r
    return p[3] * (u * u * u)


@_jit
def logistic(t):
    """The logistic function 1 / (1 + exp(-t)), without overflow: e^t / (1 + e^t) for t < 0."""
    if t >= 0.0:
        return 1.0 / (1.0 + math.exp(-t))
    e = math.exp(t)
    return e / (1.0 + e)


@_jit
def cmem2_bow_shock_r_xyz(x, y, z, p):
    """CMEM2 bow shock radius [R_E] in the direction of (x, y, z): 3-D Shue with r0 = r_mp0 + dr."""
    r, rho2, q, c2, s2 = _shue_geom(x, y, z)
    return shue3d_radius(q, c2, s2, p[35], p[10], p[11])


@_jit
def cmem2_point(x, y, z, p):
    """CMEM2 emissivity [eV cm^-3 s^-1] at (x, y, z) [R_E] (swharton1/CMEM2, the sigmoid form).

    ``S(r_mp) S'(r_bs) A1 exp(-B (theta/2)^4) (r/10)^(-dbeta - beta cos² theta)
    + S(r_bs) A2 (r/10)^-3`` with the logistic steps ``S(r_b) = 1/(1 + exp(-k (r - r_b)))``,
    ``S'(r_b) = 1/(1 + exp(k (r - r_b)))``; r_mp the CMEM magnetopause (scaled Lin 2010) and
    r_bs the 3-D Shue bow shock with subsolar distance r_mp0 + dr. Smooth everywhere; 0 at r = 0.
    """
    r, rho, ct, st, cp, sp = _direction(x, y, z)
    if r == 0.0:
        return 0.0
    theta = math.atan2(rho, x)
    rmp = _lin_scaled_radius(theta, ct, st, cp, sp, p)
    r_, rho2, q, c2, s2 = _shue_geom(x, y, z)
    rbs = shue3d_radius(q, c2, s2, p[35], p[10], p[11])
    k = p[33]
    s_mp = logistic(k * (r - rmp))
    s_in = logistic(k * (rbs - r))
    s_out = logistic(k * (r - rbs))
    u = 10.0 / r
    out = p[3] * (u * u * u) * s_out
    w = s_mp * s_in
    if w > 0.0:
        h2 = 0.25 * theta * theta
        out += p[2] * math.exp(-p[4] * (h2 * h2) + (-p[5] - p[6] * (ct * ct)) * (math.log(r) - LN10)) * w
    return out


@_jit
def exosphere_point(x, y, z, p):
    """Exosphere-only emissivity A (r/10)^-3 [eV cm^-3 s^-1] for r >= r_inner, else 0."""
    r = math.sqrt(x * x + y * y + z * z)
    if r < p[1] or r == 0.0:
        return 0.0
    u = 10.0 / r
    return p[0] * (u * u * u)


@_jit
def emissivity_point(model_id, x, y, z, p):
    """Emissivity of model ``model_id`` (1 Jorgensen, 2 CMEM, 3 exosphere, 4 CMEM2) at (x, y, z).

    An unknown ``model_id`` gives NaN (kernels cannot raise usefully; the Python side checks).
    """
    if model_id == MODEL_JORGENSEN:
        return jorgensen_point(x, y, z, p)
    if model_id == MODEL_CMEM:
        return cmem_point(x, y, z, p)
    if model_id == MODEL_EXOSPHERE:
        return exosphere_point(x, y, z, p)
    if model_id == MODEL_CMEM2:
        return cmem2_point(x, y, z, p)
    return np.nan


@_jit
def magnetopause_r_xyz(model_id, x, y, z, p):
    """Magnetopause radius [R_E] in the direction of (x, y, z) for ``model_id``.

    The exosphere-only model's inner boundary is the sphere r = r_inner.
    """
    if model_id == MODEL_JORGENSEN:
        return jorgensen_magnetopause_r_xyz(x, y, z, p)
    if model_id == MODEL_CMEM or model_id == MODEL_CMEM2:
        return cmem_magnetopause_r_xyz(x, y, z, p)
    if model_id == MODEL_EXOSPHERE:
        return p[1]
    return np.nan


@_jit
def bow_shock_r_xyz(model_id, x, y, z, p):
    """Bow-shock radius [R_E] in the direction of (x, y, z) for ``model_id``.

    The exosphere-only model has no bow shock: its "bow shock" is r = r_inner as well, so that
    magnetopause <= r < bow shock is empty.
    """
    if model_id == MODEL_JORGENSEN:
        return jorgensen_bow_shock_r_xyz(x, y, z, p)
    if model_id == MODEL_CMEM:
        return cmem_bow_shock_r_xyz(x, y, z, p)
    if model_id == MODEL_CMEM2:
        return cmem2_bow_shock_r_xyz(x, y, z, p)
    if model_id == MODEL_EXOSPHERE:
        return p[1]
    return np.nan
