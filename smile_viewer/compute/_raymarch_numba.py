"""The ``cpu`` backend: numba kernels, parallel over rays (``prange``), one thread per ray's loop.

This module defines the integration algorithm — boundary crossings by a coarse walk and false
position, Gauss–Legendre on each smooth piece, the closed-form r^-3 tail, Simpson on sampled
volumes, exact shell segments for the aurora; the numpy reference (:mod:`._raymarch_numpy`) and
the CUDA kernels (``raymarch.cu``) follow it step by step. Positions and path lengths in R_E;
the kernels return ∫ P ds with ds in R_E. The algorithm, its accuracy and cost:
docs/integration.md.
"""

from __future__ import annotations

import math
import threading

import numba
import numpy as np
from numba import prange

from smile_viewer.physics import emissivity_kernels as K
from smile_viewer.physics.aurora import kernels as AK
from smile_viewer.physics.volume import trilinear_at_index

__all__ = [
    "G_BIG",
    "MAX_CROSSINGS",
    "MIN_STEP_RE",
    "boundary_one",
    "boundary_pair",
    "find_crossings",
    "inv_cube_integral",
    "model_hints",
    "ray_adaptive",
    "ray_aurora",
    "ray_trapezium",
    "ray_volume",
    "refine_root",
    "render_analytic",
    "render_aurora",
    "render_trapezium",
    "render_volume",
    "run",
    "sheath_point",
    "smooth_width",
    "wind_amplitude",
]

_jit = numba.njit(cache=True, fastmath=False, error_model="numpy")
_pjit = numba.njit(parallel=True, cache=True, fastmath=False, error_model="numpy")

#: Boundary functions are clamped to ±G_BIG (log units): a point down the -X axis is "inside"
#: with a finite value, so that false position never meets an infinity.
G_BIG = 700.0
#: Shortest coarse step [R_E] (only met very close to the Earth's centre without occultation).
MIN_STEP_RE = 1.0e-3
#: Angular step in a CMEM cusp zone, as a fraction of the cusp's angular half-width.
CUSP_STEP = 0.35
#: Grazing probes: a sampled |g| below this (log units: 2 % of the radius) is always probed.
GRAZE_NEAR = 0.02
#: Crossings kept per ray (a line meets each boundary surface only a few times).
MAX_CROSSINGS = 32
#: Smooth models (CMEM2: logistic steps of width ~1/k instead of jumps; docs/integration.md):
#: panel growth per unit distance from a crossing, the shortest panel at a crossing in units of
#: 1/k, and the shortest panel of all [R_E] (progress for any k).
SMOOTH_GROWTH = 0.5
SMOOTH_WIDTH = 1.0
SMOOTH_MIN_PANEL = 1.0e-9
#: Smooth models: a close approach to a boundary within SMOOTH_NEAR × w (w = SMOOTH_WIDTH / k) of
#: it, found by the grazing probe without a crossing, is a breakpoint too (the logistic's flank
#: is e^-20 of its size 20 widths away).
SMOOTH_NEAR = 20.0

LN2 = math.log(2.0)
_JORG = K.MODEL_JORGENSEN
_CMEM = K.MODEL_CMEM
_EXO = K.MODEL_EXOSPHERE
_CMEM2 = K.MODEL_CMEM2


# --------------------------------------------------------------------------------------
# boundary functions
# --------------------------------------------------------------------------------------


@_jit
def _clamp_g(g):
    if math.isnan(g):  # treat as outside
        return G_BIG
    if g > G_BIG:
        return G_BIG
    if g < -G_BIG:
        return -G_BIG
    return g


@_jit
def _shue_q(x, y, z):
    """(r, q, y², z², rho²) of a point: q = 2/(1 + cos theta) as emissivity_kernels._shue_geom
    (2r/(r + x) for x >= 0, 2r(r - x)/rho² for x < 0, +inf on the -X axis, 1 at r = 0)."""
    y2 = y * y
    z2 = z * z
    rho2 = y2 + z2
    r = math.sqrt(x * x + rho2)
    if r == 0.0:
        return 0.0, 1.0, y2, z2, rho2
    if x >= 0.0:
        q = 2.0 * r / (r + x)
    elif rho2 == 0.0:
        q = np.inf
    else:
        q = 2.0 * r * (r - x) / rho2
    return r, q, y2, z2, rho2


@_jit
def _shue_ln_radius(q, lq, y2, z2, rho2, r0, ln_r0, ay, az):
    """ln of the 3-D Shue radius (Jorgensen et al. 2019) in the direction with q = 2/(1+cos theta),
    ln q and y², z², rho² (for cos²phi = y²/rho², sin²phi = z²/rho²; phi = 0 on the X axis)."""
    if q == np.inf:
        return np.inf
    if ay == az:
        return ln_r0 + ay * lq
    if rho2 > 0.0:
        c2 = y2 / rho2
        s2 = z2 / rho2
    else:
        c2 = 1.0
        s2 = 0.0
    return math.log(K.shue3d_radius(q, c2, s2, r0, ay, az))


@_jit
def boundary_pair(model_id, x, y, z, p):
    """(g_mp, g_bs) = (ln r - ln r_mp, ln r - ln r_bs) in the direction of (x, y, z), clamped to
    ±G_BIG; negative inside. The exosphere model's two boundaries are both the sphere r_inner."""
    if model_id == _EXO:
        r = math.sqrt(x * x + y * y + z * z)
        if r == 0.0:
            return -G_BIG, -G_BIG
        g = _clamp_g(math.log(r) - math.log(p[1]))
        return g, g
    r, q, y2, z2, rho2 = _shue_q(x, y, z)
    if r == 0.0:
        return -G_BIG, -G_BIG
    lr = math.log(r)
    if x >= 0.0:  # ln q = ln 2 + ln r - ln(r + x): two independent logarithms, no division
        lq = LN2 + lr - math.log(r + x)
    else:
        lq = math.log(q)  # +inf on the -X axis, where _shue_ln_radius is +inf
    if model_id == _JORG:
        gm = lr - _shue_ln_radius(q, lq, y2, z2, rho2, p[0], p[11], p[7], p[8])
        gb = lr - _shue_ln_radius(q, lq, y2, z2, rho2, p[1], p[12], p[9], p[10])
        return _clamp_g(gm), _clamp_g(gb)
    if model_id == _CMEM or model_id == _CMEM2:
        rmp = K.cmem_magnetopause_r_xyz(x, y, z, p)
        gm = lr - math.log(rmp) if rmp > 0.0 else G_BIG
        r_bs = p[1] if model_id == _CMEM else p[35]
        gb = lr - _shue_ln_radius(q, lq, y2, z2, rho2, r_bs, p[32], p[10], p[11])
        return _clamp_g(gm), _clamp_g(gb)
    return np.nan, np.nan


@_jit
def boundary_one(model_id, which, x, y, z, p):
    """One boundary function: ``which`` 0 = magnetopause, 1 = bow shock (see :func:`boundary_pair`)."""
    if model_id == _CMEM or model_id == _CMEM2:
        r, q, y2, z2, rho2 = _shue_q(x, y, z)
        if r == 0.0:
            return -G_BIG
        lr = math.log(r)
        if which == 0:
            rmp = K.cmem_magnetopause_r_xyz(x, y, z, p)
            return _clamp_g(lr - math.log(rmp)) if rmp > 0.0 else G_BIG
        r_bs = p[1] if model_id == _CMEM else p[35]
        return _clamp_g(lr - _shue_ln_radius(q, math.log(q), y2, z2, rho2, r_bs, p[32], p[10], p[11]))
    gm, gb = boundary_pair(model_id, x, y, z, p)
    return gm if which == 0 else gb


@_jit
def wind_amplitude(model_id, p):
    """A of the A (r/10)^-3 term outside the bow shock [eV cm^-3 s^-1]."""
    if model_id == _EXO:
        return p[0]
    return p[3]


@_jit
def _region(in_mp, in_bs):
    """0 inside the magnetopause, 1 sheath, 2 outside the bow shock."""
    if in_mp:
        return 0
    if in_bs:
        return 1
    return 2


# --------------------------------------------------------------------------------------
# closed form of ∫ ds / r³ along a line
# --------------------------------------------------------------------------------------


@_jit
def _same_side(u0, u1, r0, r1):
    """∫_{u0}^{u1} du / (u² + h²)^{3/2} for 0 <= u0 <= u1, r = sqrt(u² + h²) (no cancellation)."""
    if u1 <= u0:
        return 0.0
    return (u1 - u0) * (u1 + u0) / (r0 * r1 * (u1 * r0 + u0 * r1))


@_jit
def inv_cube_integral(b, h, s0, s1):
    """∫_{s0}^{s1} ds / r³ along o + s d with b = o·d and h the closest-approach distance."""
    if s1 <= s0:
        return 0.0
    u0 = s0 + b
    u1 = s1 + b
    total = 0.0
    if u1 > 0.0:
        a = max(u0, 0.0)
        total += _same_side(a, u1, math.sqrt(a * a + h * h), math.sqrt(u1 * u1 + h * h))
    if u0 < 0.0:
        a = max(-u1, 0.0)
        total += _same_side(a, -u0, math.sqrt(a * a + h * h), math.sqrt(u0 * u0 + h * h))
    return total


# --------------------------------------------------------------------------------------
# one ray
# --------------------------------------------------------------------------------------


@_jit
def refine_root(model_id, which, p, ox, oy, oz, dx, dy, dz, a, b, ga, gb, tol):
    """Crossing of boundary ``which`` in [a, b] (g(a), g(b) of opposite signs): false position
    with the Anderson–Björck modification. Returns (s, evaluations).

    Each step: c = (a g(b) - b g(a)) / (g(b) - g(a)) (the middle if that is not strictly
    inside the bracket); it stops, returning c, when c moved less than ``tol`` from the
    previous estimate (the first "previous estimate" is the end with the smaller |g|) or the
    bracket is narrower than ``tol``. Otherwise g(c) is evaluated (exactly 0: return c) and
    c replaces the end whose g has its sign; when the same end is replaced twice in a row,
    the other end's g is multiplied by m = 1 - g(c)/g(replaced end) (0.5 when m <= 0).
    Superlinear: ~3.4 evaluations per crossing from a bracket of a few R_E to 1e-6 R_E, with
    errors ~1e-9 R_E."""
    n = 0
    side = 0
    c_prev = a if abs(ga) < abs(gb) else b
    for _ in range(200):
        c = (a * gb - b * ga) / (gb - ga)
        if not (c > a and c < b):  # also NaN
            c = 0.5 * (a + b)
        if abs(c - c_prev) < tol or b - a <= tol:
            return c, n
        gc = boundary_one(model_id, which, ox + c * dx, oy + c * dy, oz + c * dz, p)
        n += 1
        if gc == 0.0:
            return c, n
        if (gc < 0.0) == (ga < 0.0):
            if side == -1:
                m = 1.0 - gc / ga
                gb *= m if m > 0.0 else 0.5
            a = c
            ga = gc
            side = -1
        else:
            if side == 1:
                m = 1.0 - gc / gb
                ga *= m if m > 0.0 else 0.5
            b = c
            gb = gc
            side = 1
        c_prev = c
    return 0.5 * (a + b), n


@_jit
def _gl_piece(model_id, p, ox, oy, oz, dx, dy, dz, a, b, glx, glw):
    half = 0.5 * (b - a)
    mid = 0.5 * (a + b)
    acc = 0.0
    for k in range(glx.shape[0]):
        s = mid + half * glx[k]
        acc += glw[k] * K.emissivity_point(model_id, ox + s * dx, oy + s * dy, oz + s * dz, p)
    return acc * half


@_jit
def model_hints(model_id, p):
    """(cos_zone, angular_step) of the model's narrow features, for the coarse walk.

    CMEM's magnetopause has cusp funnels: Q = p2 c exp(p3 d psi^a21) about the cusp centres,
    of angular half-width (ln 2 / |p3 d|)^(1/a21) (~9° at the typical start). Where the
    direction of a point is within the zone (e^-7 of the depth) of a cusp centre
    (cos psi > cos_zone), the coarse step is at most ``angular_step × r``. Other models have
    no such feature: cos_zone = 2 (never). CMEM2 has CMEM's magnetopause (same entries)."""
    if model_id != _CMEM and model_id != _CMEM2:
        return 2.0, 1.0
    k = min(abs(p[9] * p[22]), abs(p[9] * p[23]))
    if p[8] * p[21] == 0.0 or not (k > 0.0) or not (p[27] > 0.0):
        return 2.0, 1.0
    inv = 1.0 / p[27]
    width = (math.log(2.0) / k) ** inv
    zone = (7.0 / k) ** inv
    if zone >= math.pi:
        return -2.0, CUSP_STEP * width
    return math.cos(zone), CUSP_STEP * width


@_jit
def _step(ox, oy, oz, dx, dy, dz, s, s_end, frac, max_step, p, cos_zone, ang_step):
    """Next coarse sample after s: s + clamp(frac · r(s), MIN_STEP_RE, max_step) (shorter in a
    CMEM cusp zone, see :func:`model_hints`), at most s_end."""
    x = ox + s * dx
    y = oy + s * dy
    z = oz + s * dz
    r = math.sqrt(x * x + y * y + z * z)
    h = frac * r
    if cos_zone < 1.0 and r > 0.0 and h > ang_step * r:
        rho = math.sqrt(y * y + z * z)
        ct = x / r
        st = rho / r
        sp = z / rho if rho > 0.0 else 0.0
        if ct * p[28] + st * p[29] * sp > cos_zone or ct * p[30] - st * p[31] * sp > cos_zone:
            h = ang_step * r
    h = max(h, MIN_STEP_RE)
    h = min(h, max_step)
    s1 = s + h
    s1 = min(s_end, s1)
    return s1


@_jit
def _probe_graze(
    model_id, w, p, ox, oy, oz, dx, dy, dz, s0, g0, s1, g1, s2, g2, tol, cross_s, cross_w, nc, near
):
    """Look for a pair of crossings of boundary ``w`` hidden between coarse samples.

    (s0, s1, s2) are consecutive samples with g of one sign and |g(s1)| smallest: the ray comes
    closest to the surface near s1. Successive parabolic interpolation (at most 4 probes)
    follows the extremum while the parabola predicts that |g| falls below half its smallest
    sampled value, or that value is below GRAZE_NEAR; a probe of the other sign gives two brackets, refined and recorded.
    Smooth models (``near`` = SMOOTH_NEAR · w > 0): when no crossing is found but the best point
    s1 is within ``near`` R_E of the surface (r(s1) |g(s1)| < near), s1 is recorded as a
    breakpoint (``cross_w`` 2), so that the panels are graded about the close approach too.
    Returns (number of crossings recorded, evaluations)."""
    sign = 1.0 if g1 >= 0.0 else -1.0
    n_ev = 0
    for _ in range(4):
        d1 = (g1 - g0) / (s1 - s0)
        d2 = (g2 - g1) / (s2 - s1)
        c = (d2 - d1) / (s2 - s0)
        if not (c * sign > 0.0):
            break
        sv = 0.5 * (s0 + s1) - d1 / (2.0 * c)
        gv = g0 + d1 * (sv - s0) + c * (sv - s0) * (sv - s1)
        if not (gv * sign < 0.5 * abs(g1) or abs(g1) < GRAZE_NEAR):
            break
        margin = 0.5 * tol
        sv = max(s0 + margin, sv)
        sv = min(s2 - margin, sv)
        if sv == s1 or not (s2 - s0 > 4.0 * tol):
            break
        gp = boundary_one(model_id, w, ox + sv * dx, oy + sv * dy, oz + sv * dz, p)
        n_ev += 1
        if (gp < 0.0) != (sign < 0.0):
            t0, k0 = refine_root(model_id, w, p, ox, oy, oz, dx, dy, dz, s0, sv, g0, gp, tol)
            t1, k1 = refine_root(model_id, w, p, ox, oy, oz, dx, dy, dz, sv, s2, gp, g2, tol)
            n_ev += k0 + k1
            added = 0
            if nc < cross_s.shape[0]:
                cross_s[nc] = t0
                cross_w[nc] = w
                nc += 1
                added += 1
            if nc < cross_s.shape[0]:
                cross_s[nc] = t1
                cross_w[nc] = w
                nc += 1
                added += 1
            return added, n_ev
        # keep the three points around the smallest |g|
        if sv < s1:
            if abs(gp) < abs(g1):
                s2, g2 = s1, g1
                s1, g1 = sv, gp
            else:
                s0, g0 = sv, gp
        else:
            if abs(gp) < abs(g1):
                s0, g0 = s1, g1
                s1, g1 = sv, gp
            else:
                s2, g2 = sv, gp
    if near > 0.0 and nc < cross_s.shape[0]:
        x = ox + s1 * dx
        y = oy + s1 * dy
        z = oz + s1 * dz
        if math.sqrt(x * x + y * y + z * z) * abs(g1) < near:
            cross_s[nc] = s1
            cross_w[nc] = 2
            return 1, n_ev
    return 0, n_ev


@_jit
def find_crossings(
    model_id, p, ox, oy, oz, dx, dy, dz, s_end, frac, max_step, tol, cos_zone, ang_step, cross_s, cross_w
):
    """Pass 1 of the adaptive integrator: the boundary crossings along the ray, sorted by s.

    Fills ``cross_s`` (positions) and ``cross_w`` (0 magnetopause, 1 bow shock, 2 a close
    approach of a smooth model's boundary, see :func:`_probe_graze`) and returns
    (count, region flags at s = 0 as in_mp, in_bs, boundary evaluations). At most
    ``cross_s.shape[0]`` crossings are kept."""
    cap = cross_s.shape[0]
    near = SMOOTH_NEAR * smooth_width(model_id, p)
    gm, gb = boundary_pair(model_id, ox, oy, oz, p)
    in_m0 = gm < 0.0
    in_b0 = gb < 0.0
    nb = 1
    nc = 0
    # the two previous samples (for grazing probes); k counts samples after s = 0
    sp = 0.0
    gmp = 0.0
    gbp = 0.0
    cm_prev = True  # "a crossing in the previous interval" (none exists before s = 0)
    cb_prev = True
    s = 0.0
    while s < s_end:
        s1 = _step(ox, oy, oz, dx, dy, dz, s, s_end, frac, max_step, p, cos_zone, ang_step)
        gm1, gb1 = boundary_pair(model_id, ox + s1 * dx, oy + s1 * dy, oz + s1 * dz, p)
        nb += 1
        cm = (gm1 < 0.0) != (gm < 0.0)
        cb = (gb1 < 0.0) != (gb < 0.0)
        if cm:
            t, k = refine_root(model_id, 0, p, ox, oy, oz, dx, dy, dz, s, s1, gm, gm1, tol)
            nb += k
            if nc < cap:
                cross_s[nc] = t
                cross_w[nc] = 0
                nc += 1
        elif not cm_prev and abs(gm) < abs(gmp) and abs(gm) < abs(gm1):
            added, k = _probe_graze(
                model_id,
                0,
                p,
                ox,
                oy,
                oz,
                dx,
                dy,
                dz,
                sp,
                gmp,
                s,
                gm,
                s1,
                gm1,
                tol,
                cross_s,
                cross_w,
                nc,
                near,
            )
            nc += added
            nb += k
        if cb:
            t, k = refine_root(model_id, 1, p, ox, oy, oz, dx, dy, dz, s, s1, gb, gb1, tol)
            nb += k
            if nc < cap:
                cross_s[nc] = t
                cross_w[nc] = 1
                nc += 1
        elif not cb_prev and abs(gb) < abs(gbp) and abs(gb) < abs(gb1):
            added, k = _probe_graze(
                model_id,
                1,
                p,
                ox,
                oy,
                oz,
                dx,
                dy,
                dz,
                sp,
                gbp,
                s,
                gb,
                s1,
                gb1,
                tol,
                cross_s,
                cross_w,
                nc,
                near,
            )
            nc += added
            nb += k
        cm_prev = cm
        cb_prev = cb
        sp = s
        gmp = gm
        gbp = gb
        s = s1
        gm = gm1
        gb = gb1
    # insertion sort by position (a few entries)
    for i in range(1, nc):
        t = cross_s[i]
        w = cross_w[i]
        j = i - 1
        while j >= 0 and cross_s[j] > t:
            cross_s[j + 1] = cross_s[j]
            cross_w[j + 1] = cross_w[j]
            j -= 1
        cross_s[j + 1] = t
        cross_w[j + 1] = w
    return nc, in_m0, in_b0, nb


@_jit
def sheath_point(model_id, x, y, z, p):
    """The model's sheath emissivity [eV cm^-3 s^-1] at (x, y, z), without region tests (the
    caller knows the point is in the sheath). Jorgensen: (A1 + B sin^8 theta)
    (r/10)^(-alpha - beta sin² theta); CMEM: A1 exp(-B (theta/2)^4) (r/10)^(-alpha - beta sin² theta);
    the same formulas as emissivity_kernels.jorgensen_point / cmem_point (to rounding)."""
    rho2 = y * y + z * z
    r2 = x * x + rho2
    if r2 == 0.0:
        return 0.0
    st2 = rho2 / r2
    lr = 0.5 * math.log(r2)
    if model_id == _JORG:
        s4 = st2 * st2
        return (p[2] + p[4] * (s4 * s4)) * math.exp((-p[5] - p[6] * st2) * (lr - K.LN10))
    if model_id == _CMEM:
        theta = math.atan2(math.sqrt(rho2), x)
        h2 = 0.25 * theta * theta
        return p[2] * math.exp(-p[4] * (h2 * h2) + (-p[5] - p[6] * st2) * (lr - K.LN10))
    return 0.0


@_jit
def _sheath_integral(model_id, p, ox, oy, oz, dx, dy, dz, a, b, max_step, frac, glx, glw):
    """∫_a^b of the sheath emissivity: panels s_{j+1} = min(s_j + clamp(frac r(s_j), MIN_STEP_RE,
    max_step), b), each with Gauss–Legendre. Returns (integral, evaluations)."""
    ng = glx.shape[0]
    total = 0.0
    cnt = 0
    s = a
    while s < b:
        s1 = _step(ox, oy, oz, dx, dy, dz, s, b, frac, max_step, p, 2.0, 1.0)
        half = 0.5 * (s1 - s)
        mid = 0.5 * (s1 + s)
        acc = 0.0
        for k in range(ng):
            u = mid + half * glx[k]
            acc += glw[k] * sheath_point(model_id, ox + u * dx, oy + u * dy, oz + u * dz, p)
        total += acc * half
        cnt += ng
        s = s1
    return total, cnt


@_jit
def _smooth_step(ox, oy, oz, dx, dy, dz, s, a, b, a_cross, b_cross, frac, max_step, p, w):
    """Next panel end after s in the piece [a, b] of a smooth model: the ordinary panel
    (:func:`_step`), at most SMOOTH_GROWTH (s - a) + w long after a crossing at a and at most
    (SMOOTH_GROWTH (b - s) + w) / (1 + SMOOTH_GROWTH) before a crossing at b (the remaining
    distance then shrinks geometrically to w), at least SMOOTH_MIN_PANEL; at most b."""
    s1 = _step(ox, oy, oz, dx, dy, dz, s, b, frac, max_step, p, 2.0, 1.0)
    h = s1 - s
    if a_cross:
        h = min(h, SMOOTH_GROWTH * (s - a) + w)
    if b_cross:
        h = min(h, (SMOOTH_GROWTH * (b - s) + w) / (1.0 + SMOOTH_GROWTH))
    h = max(h, SMOOTH_MIN_PANEL)
    return min(s + h, b)


@_jit
def _smooth_integral(
    model_id, p, ox, oy, oz, dx, dy, dz, a, b, a_cross, b_cross, max_step, frac, w, glx, glw
):
    """∫_a^b of the full point function of a smooth model in the panels of :func:`_smooth_step`,
    each with Gauss–Legendre. Returns (integral, evaluations)."""
    ng = glx.shape[0]
    total = 0.0
    cnt = 0
    s = a
    while s < b:
        s1 = _smooth_step(ox, oy, oz, dx, dy, dz, s, a, b, a_cross, b_cross, frac, max_step, p, w)
        half = 0.5 * (s1 - s)
        mid = 0.5 * (s1 + s)
        acc = 0.0
        for k in range(ng):
            u = mid + half * glx[k]
            acc += glw[k] * K.emissivity_point(model_id, ox + u * dx, oy + u * dy, oz + u * dz, p)
        total += acc * half
        cnt += ng
        s = s1
    return total, cnt


@_jit
def smooth_width(model_id, p):
    """w [R_E]: the shortest panel at a crossing of a smooth model (SMOOTH_WIDTH / k, CMEM2);
    0 for the models whose boundaries are jumps."""
    if model_id == _CMEM2:
        return SMOOTH_WIDTH / p[33]
    return 0.0


@_jit
def ray_adaptive(
    model_id,
    p,
    ox,
    oy,
    oz,
    dx,
    dy,
    dz,
    s_end,
    frac,
    max_step,
    tol,
    cos_zone,
    ang_step,
    glx,
    glw,
    cross_s,
    cross_w,
):
    """∫_0^{s_end} P ds [eV cm^-3 s^-1 R_E] along one ray (see the module docstring).

    ``cross_s`` (float64) and ``cross_w`` (int64) are scratch arrays of equal length (the
    most crossings kept). Returns (integral, emissivity evaluations, boundary evaluations).
    """
    if not (s_end > 0.0):
        return 0.0, 0, 0
    nc, in_m, in_b, nb = find_crossings(
        model_id, p, ox, oy, oz, dx, dy, dz, s_end, frac, max_step, tol, cos_zone, ang_step, cross_s, cross_w
    )
    w = smooth_width(model_id, p)
    if w > 0.0:  # smooth model: every piece with the point function, panels graded at crossings
        total = 0.0
        npt = 0
        a = 0.0
        for ic in range(nc + 1):
            t = cross_s[ic] if ic < nc else s_end
            t = min(t, s_end)
            if t > a:
                v, k = _smooth_integral(
                    model_id, p, ox, oy, oz, dx, dy, dz, a, t, ic > 0, ic < nc, max_step, frac, w, glx, glw
                )
                total += v
                npt += k
                a = t
        return total, npt, nb
    bdot = ox * dx + oy * dy + oz * dz
    px = ox - bdot * dx
    py = oy - bdot * dy
    pz = oz - bdot * dz
    h = math.sqrt(px * px + py * py + pz * pz)
    reg = _region(in_m, in_b)
    npt = 0
    total = 0.0
    wind = 0.0
    a = 0.0
    for ic in range(nc + 1):
        t = cross_s[ic] if ic < nc else s_end
        t = min(t, s_end)
        if t > a:
            if reg == 1:
                v, k = _sheath_integral(model_id, p, ox, oy, oz, dx, dy, dz, a, t, max_step, frac, glx, glw)
                total += v
                npt += k
            elif reg == 2:
                wind += inv_cube_integral(bdot, h, a, t)
            a = t
        if ic < nc:
            if cross_w[ic] == 0:
                in_m = not in_m
            else:
                in_b = not in_b
            reg = _region(in_m, in_b)
    total += wind_amplitude(model_id, p) * 1000.0 * wind
    return total, npt, nb


@_jit
def ray_trapezium(model_id, p, ox, oy, oz, dx, dy, dz, s_end, step):
    """Trapezium rule with a fixed step from 0 to s_end (last step shortened). (integral, samples)."""
    if not (s_end > 0.0):
        return 0.0, 0
    n = int(s_end / step)
    f0 = K.emissivity_point(model_id, ox, oy, oz, p)
    acc = 0.0
    for k in range(1, n + 1):
        s = k * step
        f1 = K.emissivity_point(model_id, ox + s * dx, oy + s * dy, oz + s * dz, p)
        acc += 0.5 * step * (f0 + f1)
        f0 = f1
    cnt = n + 1
    rem = s_end - n * step
    if rem > 1e-9 * step:
        f1 = K.emissivity_point(model_id, ox + s_end * dx, oy + s_end * dy, oz + s_end * dz, p)
        acc += 0.5 * rem * (f0 + f1)
        cnt += 1
    return acc, cnt


@_jit
def _trilinear_in(values, x0, y0, z0, sx, sy, sz, x, y, z):
    """Trilinear value at a point known to be inside the grid (indices clamped into it)."""
    nz, ny, nx = values.shape
    fx = (x - x0) / sx
    fy = (y - y0) / sy
    fz = (z - z0) / sz
    fx = min(max(fx, 0.0), nx - 1.0)
    fy = min(max(fy, 0.0), ny - 1.0)
    fz = min(max(fz, 0.0), nz - 1.0)
    return trilinear_at_index(values, fx, fy, fz)


@_jit
def _slab(o, d, lo, hi, t0, t1):
    """Clip [t0, t1] to lo <= o + t d <= hi (one axis)."""
    if d == 0.0:
        if o < lo or o > hi:
            return 1.0, 0.0
        return t0, t1
    ta = (lo - o) / d
    tb = (hi - o) / d
    if ta > tb:
        ta, tb = tb, ta
    return max(t0, ta), min(t1, tb)


@_jit
def ray_volume(values, x0, y0, z0, sx, sy, sz, ox, oy, oz, dx, dy, dz, s_end, hmax):
    """Composite Simpson of the trilinear interpolant over the ray's part inside the grid.
    Returns (integral, samples)."""
    nz, ny, nx = values.shape
    t0 = 0.0
    t1 = s_end
    t0, t1 = _slab(ox, dx, x0, x0 + (nx - 1) * sx, t0, t1)
    t0, t1 = _slab(oy, dy, y0, y0 + (ny - 1) * sy, t0, t1)
    t0, t1 = _slab(oz, dz, z0, z0 + (nz - 1) * sz, t0, t1)
    if not (t1 > t0):
        return 0.0, 0
    length = t1 - t0
    m = 2 * math.ceil(length / (2.0 * hmax))
    m = max(m, 2)
    hh = length / m
    acc = 0.0
    for k in range(m + 1):
        s = t0 + k * hh
        if k == m:
            s = t1
        v = _trilinear_in(values, x0, y0, z0, sx, sy, sz, ox + s * dx, oy + s * dy, oz + s * dz)
        if k == 0 or k == m:
            acc += v
        elif k % 2 == 1:
            acc += 4.0 * v
        else:
            acc += 2.0 * v
    return acc * hh / 3.0, m + 1


@_jit
def ray_aurora(p, grid, ox, oy, oz, dx, dy, dz, s_end, max_step, glx, glw):
    """∫ shell emission ds [R] along one ray (Gauss–Legendre in sub-pieces of the shell pieces).
    Returns (integral, samples)."""
    if not (s_end > 0.0):
        return 0.0, 0
    n, a0, b0, a1, b1 = AK.shell_segments(ox, oy, oz, dx, dy, dz, p[9], p[10], 0.0)
    ng = glx.shape[0]
    acc = 0.0
    cnt = 0
    for piece in range(n):
        lo = a0 if piece == 0 else a1
        hi = b0 if piece == 0 else b1
        hi = min(hi, s_end)
        if not (hi > lo):
            continue
        m = math.ceil((hi - lo) / max_step)
        m = max(m, 1)
        sub = (hi - lo) / m
        for j in range(m):
            start = lo + j * sub
            part = 0.0
            for k in range(ng):
                s = start + sub * (0.5 * (glx[k] + 1.0))
                part += glw[k] * AK.auroral_shell_point(ox + s * dx, oy + s * dy, oz + s * dz, p, grid)
            acc += part * (0.5 * sub)
            cnt += ng
    return acc, cnt


# --------------------------------------------------------------------------------------
# parallel drivers: one image's rays
# --------------------------------------------------------------------------------------


@_pjit
def render_analytic(
    model_id, p, origin, dirs, s_end, frac, max_step, tol, glx, glw, n_chunks, out, n_pt, n_bd
):
    n = dirs.shape[0]
    cos_zone, ang_step = model_hints(model_id, p)
    # chunk c takes rays c, c + n_chunks, …: every chunk samples the whole image (load balance)
    for c in prange(n_chunks):
        cross_s = np.empty(MAX_CROSSINGS)
        cross_w = np.empty(MAX_CROSSINGS, dtype=np.int64)
        for i in range(c, n, n_chunks):
            v, a, b = ray_adaptive(
                model_id,
                p,
                origin[0],
                origin[1],
                origin[2],
                dirs[i, 0],
                dirs[i, 1],
                dirs[i, 2],
                s_end[i],
                frac,
                max_step,
                tol,
                cos_zone,
                ang_step,
                glx,
                glw,
                cross_s,
                cross_w,
            )
            out[i] = v
            n_pt[i] = a
            n_bd[i] = b


@_pjit
def render_trapezium(model_id, p, origin, dirs, s_end, step, n_chunks, out, n_pt):
    n = dirs.shape[0]
    for c in prange(n_chunks):
        for i in range(c, n, n_chunks):
            v, a = ray_trapezium(
                model_id,
                p,
                origin[0],
                origin[1],
                origin[2],
                dirs[i, 0],
                dirs[i, 1],
                dirs[i, 2],
                s_end[i],
                step,
            )
            out[i] = v
            n_pt[i] = a


@_pjit
def render_volume(values, x0, y0, z0, sx, sy, sz, origin, dirs, s_end, hmax, n_chunks, out, n_pt):
    n = dirs.shape[0]
    size = (n + n_chunks - 1) // n_chunks
    # contiguous blocks of rays: neighbouring rays read neighbouring voxels (cache locality)
    for c in prange(n_chunks):
        for i in range(c * size, min(n, (c + 1) * size)):
            v, a = ray_volume(
                values,
                x0,
                y0,
                z0,
                sx,
                sy,
                sz,
                origin[0],
                origin[1],
                origin[2],
                dirs[i, 0],
                dirs[i, 1],
                dirs[i, 2],
                s_end[i],
                hmax,
            )
            out[i] = v
            n_pt[i] = a


@_pjit
def render_aurora(p, grid, origin, dirs, s_end, max_step, glx, glw, n_chunks, out, n_pt):
    n = dirs.shape[0]
    for c in prange(n_chunks):
        for i in range(c, n, n_chunks):
            v, a = ray_aurora(
                p,
                grid,
                origin[0],
                origin[1],
                origin[2],
                dirs[i, 0],
                dirs[i, 1],
                dirs[i, 2],
                s_end[i],
                max_step,
                glx,
                glw,
            )
            out[i] = v
            n_pt[i] = a


# --------------------------------------------------------------------------------------
# backend entry point
# --------------------------------------------------------------------------------------


#: numba's "workqueue" threading layer (the fallback where neither TBB nor OpenMP is found)
#: must not be entered from two threads at once; renders from worker threads take turns.
_KERNEL_LOCK = threading.Lock()


def _n_chunks(n: int) -> int:
    """Interleaved chunks: 16 per thread (at least 1 ray each)."""
    return max(1, min(n, 16 * numba.get_num_threads()))


def run(prep, request):
    """Integrate one prepared source (:class:`smile_viewer.compute.backends.Prepared`) along its
    rays → (∫ values ds per ray [source units × R_E], samples, boundary evaluations)."""
    n = prep.dirs.shape[0]
    out = np.zeros(n)
    n_pt = np.zeros(n, dtype=np.int64)
    n_bd = np.zeros(n, dtype=np.int64)
    if n == 0:
        return out, 0, 0
    chunks = _n_chunks(n)
    dirs = np.ascontiguousarray(prep.dirs, dtype=np.float64)
    origin = np.ascontiguousarray(prep.origin, dtype=np.float64)
    s_end = np.ascontiguousarray(prep.s_end, dtype=np.float64)
    glx, glw = np.polynomial.legendre.leggauss(request.quadrature_order)
    with _KERNEL_LOCK:
        if prep.kind == "analytic":
            if request.method == "trapezium":
                render_trapezium(
                    np.int64(prep.model_id),
                    prep.params,
                    origin,
                    dirs,
                    s_end,
                    float(request.step_re),
                    chunks,
                    out,
                    n_pt,
                )
            else:
                render_analytic(
                    np.int64(prep.model_id),
                    prep.params,
                    origin,
                    dirs,
                    s_end,
                    float(request.step_fraction),
                    float(request.max_step_re),
                    float(request.root_tol_re),
                    glx,
                    glw,
                    chunks,
                    out,
                    n_pt,
                    n_bd,
                )
        elif prep.kind == "volume":
            render_volume(
                prep.values,
                *prep.grid_origin,
                *prep.grid_spacing,
                origin,
                dirs,
                s_end,
                float(prep.volume_step_re),
                chunks,
                out,
                n_pt,
            )
        elif prep.kind == "aurora":
            render_aurora(
                prep.params,
                prep.shell_grid,
                origin,
                dirs,
                s_end,
                float(prep.shell_step_re),
                glx,
                glw,
                chunks,
                out,
                n_pt,
            )
        else:  # pragma: no cover - the types module admits no other kind
            raise ValueError(f"unknown source kind {prep.kind!r}")
    return out, int(n_pt.sum()), int(n_bd.sum())
