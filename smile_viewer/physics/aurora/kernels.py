"""Scalar point functions of the auroral emission shell, compiled with numba, for the ray marchers.

:func:`auroral_shell_point` (a gridded brightness map), :func:`zp_shell_point` (Zhang & Paxton
2008 evaluated at each sample) and :func:`shell_segments` (the at most two pieces of a ray
inside the shell, which is too thin for a fixed step). Volume emission in Rayleigh per R_E.
They are what :class:`~smile_viewer.physics.aurora.AuroralShell` evaluates, so numpy and numba
agree to rounding. Parameter layouts: docs/reference.md#shell-kernel-parameters.
"""

from __future__ import annotations

import math

import numba
import numpy as np

__all__ = [
    "PROFILE_GAUSSIAN",
    "PROFILE_SLAB",
    "SHELL_NPARAM",
    "ZP_SHELL_NPARAM",
    "auroral_shell_point",
    "grid_lookup",
    "shell_segments",
    "shell_segments_many",
    "shell_weight",
    "zp_energy_flux",
    "zp_shell_point",
]

SHELL_NPARAM = 21
ZP_SHELL_NPARAM = 122
PROFILE_SLAB = 0
PROFILE_GAUSSIAN = 1

_jit = numba.njit(cache=True, fastmath=False, error_model="numpy")


@_jit
def grid_lookup(mlat, mlt, p, grid):
    """Bilinear brightness [R] at (mlat [deg], mlt [h]) from ``grid`` described by ``p[15:21]``."""
    mlat0, dmlat, nlat = p[15], p[16], int(p[17])
    mlt0, dmlt, nmlt = p[18], p[19], int(p[20])
    fi = (mlat - mlat0) / dmlat
    if fi <= 0.0:
        i0, t = 0, 0.0
    elif fi >= nlat - 1:
        i0, t = nlat - 2, 1.0
    else:
        i0 = math.floor(fi)
        i0 = min(i0, nlat - 2)
        t = fi - i0
    fj = (mlt - mlt0) / dmlt
    fj = fj - nmlt * math.floor(fj / nmlt)
    j0 = math.floor(fj)
    u = fj - j0
    if j0 >= nmlt:  # rounding at the wrap
        j0, u = 0, 0.0
    j1 = j0 + 1
    if j1 >= nmlt:
        j1 = 0
    i1 = i0 + 1
    return (1.0 - t) * ((1.0 - u) * grid[i0, j0] + u * grid[i0, j1]) + t * (
        (1.0 - u) * grid[i1, j0] + u * grid[i1, j1]
    )


@_jit
def shell_weight(r, p):
    """Radial profile [1/R_E] at radius ``r`` [R_E]: integrates to 1 over [r_in, r_out]."""
    if r < p[9] or r > p[10]:
        return 0.0
    if p[11] == PROFILE_SLAB:
        return p[14]
    q = (r - p[12]) / p[13]
    return p[14] * math.exp(-0.5 * q * q)


@_jit
def auroral_shell_point(x, y, z, p, grid):
    """Volume emission [R/R_E] of the auroral shell at (x, y, z) [R_E] in the scene frame."""
    xs = p[0] * x + p[1] * y + p[2] * z
    ys = p[3] * x + p[4] * y + p[5] * z
    zs = p[6] * x + p[7] * y + p[8] * z
    rho = math.sqrt(xs * xs + ys * ys)
    r = math.sqrt(rho * rho + zs * zs)
    w = shell_weight(r, p)
    if w == 0.0:
        return 0.0
    mlat = math.degrees(math.atan2(zs, rho))
    mlt = 12.0 + math.atan2(ys, xs) * (12.0 / math.pi)
    if mlt >= 24.0:
        mlt -= 24.0
    return w * grid_lookup(mlat, mlt, p, grid)


@_jit
def _epstein_bin(x, ct, st, p, off):
    """Epstein value of the table at p[off:off+52] at co-latitude x [deg], MLT angle (cos, sin)."""
    # Fourier series: cos(n a), sin(n a) by the angle-addition recurrence
    a0 = p[off]
    a1 = p[off + 1]
    a2 = p[off + 2]
    a3 = p[off + 3]
    cn, sn = ct, st
    for n in range(1, 7):
        kc = off + 4 * n
        ks = off + 4 * (n + 6)
        a0 += p[kc] * cn + p[ks] * sn
        a1 += p[kc + 1] * cn + p[ks + 1] * sn
        a2 += p[kc + 2] * cn + p[ks + 2] * sn
        a3 += p[kc + 3] * cn + p[ks + 3] * sn
        cn, sn = cn * ct - sn * st, sn * ct + cn * st
    u = x - a1
    t = u / a3
    if t > 0.0:
        lae = t + math.log1p(math.exp(-t))
    else:
        lae = math.log1p(math.exp(t))
    return a0 * math.exp(u / a2 - 2.0 * lae)


@_jit
def zp_energy_flux(mlat, ct, st, p):
    """Zhang & Paxton (2008) energy flux [erg cm^-2 s^-1] at magnetic latitude ``mlat`` [deg] and
    MLT angle (cos, sin of MLT·π/12), with the Kp weights and tables of ``p`` (layout above)."""
    x = 90.0 - abs(mlat)
    q = p[15] * _epstein_bin(x, ct, st, p, 18) + p[16] * _epstein_bin(x, ct, st, p, 70)
    return max(q, 0.0)


@_jit
def zp_shell_point(x, y, z, p):
    """Volume emission [R/R_E] of the Zhang & Paxton LBH-long shell at (x, y, z) [R_E], no grid."""
    xs = p[0] * x + p[1] * y + p[2] * z
    ys = p[3] * x + p[4] * y + p[5] * z
    zs = p[6] * x + p[7] * y + p[8] * z
    rho = math.sqrt(xs * xs + ys * ys)
    r = math.sqrt(rho * rho + zs * zs)
    w = shell_weight(r, p)
    if w == 0.0:
        return 0.0
    mlat = math.degrees(math.atan2(zs, rho))
    if rho > 0.0:  # MLT angle = atan2(y, x) + pi
        ct, st = -xs / rho, -ys / rho
    else:
        ct, st = -1.0, 0.0
    return w * p[17] * zp_energy_flux(mlat, ct, st, p)


@_jit
def _sphere_chord(b, p2, radius):
    """(s_enter, s_exit) of a unit-direction ray with ``b = o·d`` and squared impact parameter
    ``p2`` through a sphere of ``radius``; (inf, -inf) when it misses."""
    h2 = radius * radius - p2
    if h2 <= 0.0:
        return np.inf, -np.inf
    h = math.sqrt(h2)
    return -b - h, -b + h


@_jit
def shell_segments(ox, oy, oz, dx, dy, dz, r_in, r_out, r_stop):
    """Pieces of the ray o + s d (|d| = 1, s >= 0) inside r_in <= r <= r_out, before it hits the
    sphere r_stop (the Earth, r_stop < r_in; 0 to disable).

    Returns ``(n, a0, b0, a1, b1)``: n = 0, 1 or 2 pieces [a0, b0], [a1, b1] (a < b, ordered
    along the ray). A ray starting inside the r_stop sphere gives 0 pieces.
    """
    b = ox * dx + oy * dy + oz * dz
    o2 = ox * ox + oy * oy + oz * oz
    p2 = o2 - b * b
    p2 = max(p2, 0.0)
    s_max = np.inf
    if r_stop > 0.0:
        if o2 < r_stop * r_stop:
            return 0, 0.0, 0.0, 0.0, 0.0
        e0, _ = _sphere_chord(b, p2, r_stop)
        if e0 >= 0.0:
            s_max = e0
    o_enter, o_exit = _sphere_chord(b, p2, r_out)
    if not o_enter < o_exit:
        return 0, 0.0, 0.0, 0.0, 0.0
    i_enter, i_exit = _sphere_chord(b, p2, r_in)
    n = 0
    a0 = b0 = a1 = b1 = 0.0
    if i_enter < i_exit:
        pieces = ((o_enter, i_enter), (i_exit, o_exit))
    else:
        pieces = ((o_enter, o_exit), (np.inf, -np.inf))
    for k in range(2):
        lo = max(pieces[k][0], 0.0)
        hi = min(pieces[k][1], s_max)
        if lo < hi:
            if n == 0:
                a0, b0 = lo, hi
            else:
                a1, b1 = lo, hi
            n += 1
    return n, a0, b0, a1, b1


@_jit
def shell_segments_many(origins, directions, r_in, r_out, r_stop):
    """:func:`shell_segments` for N rays: (N, 5) float64 rows (n, a0, b0, a1, b1)."""
    n_rays = origins.shape[0]
    out = np.zeros((n_rays, 5))
    for k in range(n_rays):
        n, a0, b0, a1, b1 = shell_segments(
            origins[k, 0],
            origins[k, 1],
            origins[k, 2],
            directions[k, 0],
            directions[k, 1],
            directions[k, 2],
            r_in,
            r_out,
            r_stop,
        )
        out[k, 0] = n
        out[k, 1] = a0
        out[k, 2] = b0
        out[k, 3] = a1
        out[k, 4] = b1
    return out
