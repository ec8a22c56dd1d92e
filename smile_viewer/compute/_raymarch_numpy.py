"""The ``numpy`` backend: the reference, vectorised over rays, plain numpy (no kernels of its own).

It runs the algorithm defined in :mod:`._raymarch_numba` step for step, but evaluates
everything through the *models' own numpy code*, independent of the compute kernels:

- boundaries: ``model.magnetopause_r(theta, phi)`` / ``model.bow_shock_r(theta, phi)``;
- emissivity in the sheath: ``model.emissivity(xyz)``;
- outside the bow shock: :func:`smile_viewer.physics.exosphere.line_integral_inverse_cube`;
- crossings: bisection to ``min(root_tol, 1e-9)`` (the other backends use false position to
  ``root_tol``: the crossings agree to ``root_tol``);
- volumes: a numpy trilinear interpolation; the auroral shell: numpy sphere intersections
  and a numpy copy of the bilinear mlat × MLT look-up.

So it checks the fast backends' kernels as well as their bookkeeping. It is slow (seconds
for a full SXI image) and meant for tests and for checking a new machine.
"""

from __future__ import annotations

import math

import numpy as np

from smile_viewer.physics import emissivity_kernels as K
from smile_viewer.physics.exosphere import line_integral_inverse_cube

__all__ = ["run"]

#: Must equal the values in _raymarch_numba (tested).
MIN_STEP_RE = 1.0e-3
CUSP_STEP = 0.35
GRAZE_NEAR = 0.02
G_BIG = 700.0
SMOOTH_GROWTH = 0.5
SMOOTH_WIDTH = 1.0
SMOOTH_MIN_PANEL = 1.0e-9
SMOOTH_NEAR = 20.0
_CHUNK_POINTS = 2_000_000


# --------------------------------------------------------------------------------------
# boundaries through the models' numpy methods
# --------------------------------------------------------------------------------------


def _g(model, which: int, pts: np.ndarray) -> np.ndarray:
    """ln r - ln r_boundary(theta, phi), clamped to ±G_BIG, NaN → +G_BIG (as the kernels)."""
    x, y, z = pts[..., 0], pts[..., 1], pts[..., 2]
    rho = np.sqrt(y * y + z * z)
    r = np.sqrt(x * x + rho * rho)
    theta = np.arctan2(rho, x)
    phi = np.arctan2(z, y)
    rb = np.asarray(model.magnetopause_r(theta, phi) if which == 0 else model.bow_shock_r(theta, phi), float)
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.log(r) - np.log(np.where(rb > 0.0, rb, np.nan))
    g = np.where(rb > 0.0, g, G_BIG)
    g = np.where(np.isnan(g), G_BIG, g)
    g = np.where(r == 0.0, -G_BIG, g)
    return np.clip(g, -G_BIG, G_BIG)


def _model_hints(model_id: int, p: np.ndarray) -> tuple[float, float]:
    """As _raymarch_numba.model_hints."""
    if model_id not in (K.MODEL_CMEM, K.MODEL_CMEM2):
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


def _step(o, d, s, s_end, frac, max_step, p, cos_zone, ang_step):
    """Vectorised _raymarch_numba._step (same operations in the same order)."""
    x = o[0] + s * d[:, 0]
    y = o[1] + s * d[:, 1]
    z = o[2] + s * d[:, 2]
    r = np.sqrt(x * x + y * y + z * z)
    h = frac * r
    if cos_zone < 1.0:
        with np.errstate(divide="ignore", invalid="ignore"):
            rho = np.sqrt(y * y + z * z)
            ct = x / r
            st = rho / r
            sp = np.where(rho > 0.0, z / np.where(rho > 0.0, rho, 1.0), 0.0)
            zone = (ct * p[28] + st * p[29] * sp > cos_zone) | (ct * p[30] - st * p[31] * sp > cos_zone)
        h = np.where((r > 0.0) & (h > ang_step * r) & zone, ang_step * r, h)
    h = np.minimum(np.maximum(h, MIN_STEP_RE), max_step)
    return np.minimum(s + h, s_end)


def _smooth_step(o, d, s, a, b, a_cross, b_cross, frac, max_step, p, w):
    """Vectorised _raymarch_numba._smooth_step (same operations in the same order)."""
    s1 = _step(o, d, s, b, frac, max_step, p, 2.0, 1.0)
    h = s1 - s
    h = np.where(a_cross, np.minimum(h, SMOOTH_GROWTH * (s - a) + w), h)
    h = np.where(b_cross, np.minimum(h, (SMOOTH_GROWTH * (b - s) + w) / (1.0 + SMOOTH_GROWTH)), h)
    h = np.maximum(h, SMOOTH_MIN_PANEL)
    return np.minimum(s + h, b)


def _smooth_width(model_id: int, p: np.ndarray) -> float:
    """As _raymarch_numba.smooth_width."""
    return SMOOTH_WIDTH / float(p[33]) if model_id == K.MODEL_CMEM2 else 0.0


def _points(o, d, s):
    return o[None, :] + s[:, None] * d


def _bisect(model, which, o, d, a, b, ga, tol):
    """Vectorised bisection of boundary ``which`` on brackets [a, b] (sign of g(a) = ga's)."""
    a = a.copy()
    b = b.copy()
    neg_a = ga < 0.0
    while a.size and np.max(b - a) > tol:
        c = 0.5 * (a + b)
        gc = _g(model, which, _points(o, d, c))
        same = (gc < 0.0) == neg_a
        a = np.where(same, c, a)
        b = np.where(same, b, c)
    return 0.5 * (a + b)


# --------------------------------------------------------------------------------------
# analytic models
# --------------------------------------------------------------------------------------


def _crossings(model, model_id, p, o, dirs, s_end, frac, max_step, tol):
    """All crossings: (ray index, s, which) arrays, and the flags (in_mp, in_bs) at s = 0."""
    n = dirs.shape[0]
    cos_zone, ang_step = _model_hints(model_id, p)
    near = SMOOTH_NEAR * _smooth_width(model_id, p)
    s = np.zeros(n)
    pts0 = _points(o, dirs, s)
    gm = _g(model, 0, pts0)
    gb = _g(model, 1, pts0)
    in_m0 = gm < 0.0
    in_b0 = gb < 0.0
    S, GM, GB = [s], [gm], [gb]
    while True:
        act = S[-1] < s_end
        if not act.any():
            break
        s_prev = S[-1]
        s1 = s_prev.copy()
        s1[act] = _step(o, dirs[act], s_prev[act], s_end[act], frac, max_step, p, cos_zone, ang_step)
        g1m = GM[-1].copy()
        g1b = GB[-1].copy()
        pts = _points(o, dirs[act], s1[act])
        g1m[act] = _g(model, 0, pts)
        g1b[act] = _g(model, 1, pts)
        S.append(s1)
        GM.append(g1m)
        GB.append(g1b)
    S = np.array(S)  # (K+1, n); finished rays repeat their last sample
    rays, spos, which = [], [], []
    tol_np = min(tol, 1e-9)
    valid = S[1:] > S[:-1]  # interval k exists for the ray
    for w, G in ((0, np.array(GM)), (1, np.array(GB))):
        cross = valid & ((G[1:] < 0.0) != (G[:-1] < 0.0))  # (K, n)
        k, i = np.nonzero(cross)
        if k.size:
            t = _bisect(model, w, o, dirs[i], S[k, i], S[k + 1, i], G[k, i], tol_np)
            rays.append(i)
            spos.append(t)
            which.append(np.full(i.size, w))
        # grazing probes at sample k (1 <= k), intervals k-1 and k present, no crossing in either
        if G.shape[0] >= 3:
            a0 = np.abs(G[:-2])
            a1 = np.abs(G[1:-1])
            a2 = np.abs(G[2:])
            cand = valid[1:] & valid[:-1] & ~cross[:-1] & ~cross[1:] & (a1 < a0) & (a1 < a2)
            kk, i = np.nonzero(cand)
            if kk.size:
                r_i, t_s, w_i = _probe(
                    model,
                    w,
                    o,
                    dirs,
                    i,
                    S[kk, i],
                    G[kk, i],
                    S[kk + 1, i],
                    G[kk + 1, i],
                    S[kk + 2, i],
                    G[kk + 2, i],
                    tol,
                    tol_np,
                    near,
                )
                if r_i.size:
                    rays.append(r_i)
                    spos.append(t_s)
                    which.append(w_i)
    if rays:
        return np.concatenate(rays), np.concatenate(spos), np.concatenate(which), in_m0, in_b0
    e = np.zeros(0)
    return e.astype(int), e, e.astype(int), in_m0, in_b0


def _probe(model, w, o, dirs, i, s0, g0, s1, g1, s2, g2, tol, tol_np, near=0.0):
    """Vectorised _raymarch_numba._probe_graze: returns (ray indices, crossing positions, which:
    ``w`` for crossings, 2 for the close approaches of a smooth model, ``near`` > 0)."""
    sign = np.where(g1 >= 0.0, 1.0, -1.0)
    active = np.ones(i.size, dtype=bool)
    hit_all = []
    out_r, out_s = [], []
    s0, g0, s1, g1, s2, g2 = (np.array(v, dtype=float) for v in (s0, g0, s1, g1, s2, g2))
    with np.errstate(divide="ignore", invalid="ignore"):
        for _ in range(4):
            d1 = (g1 - g0) / (s1 - s0)
            d2 = (g2 - g1) / (s2 - s1)
            c = (d2 - d1) / (s2 - s0)
            active &= c * sign > 0.0
            sv = 0.5 * (s0 + s1) - d1 / (2.0 * c)
            gv = g0 + d1 * (sv - s0) + c * (sv - s0) * (sv - s1)
            active &= (gv * sign < 0.5 * np.abs(g1)) | (np.abs(g1) < GRAZE_NEAR)
            margin = 0.5 * tol
            sv = np.where(sv <= s0 + margin, s0 + margin, sv)
            sv = np.where(sv >= s2 - margin, s2 - margin, sv)
            active &= (sv != s1) & (s2 - s0 > 4.0 * tol)
            if not active.any():
                break
            gp = np.zeros(i.size)
            gp[active] = _g(model, w, _points(o, dirs[i[active]], sv[active]))
            hit = active & ((gp < 0.0) != (sign < 0.0))
            hit_all.append(hit)
            if hit.any():
                ih = i[hit]
                t0 = _bisect(model, w, o, dirs[ih], s0[hit], sv[hit], g0[hit], tol_np)
                t1 = _bisect(model, w, o, dirs[ih], sv[hit], s2[hit], gp[hit], tol_np)
                out_r += [ih, ih]
                out_s += [t0, t1]
            active &= ~hit
            left = sv < s1
            better = np.abs(gp) < np.abs(g1)
            # left & better: (s0, s1, s2) <- (s0, sv, s1); left & ~better: s0 <- sv
            # right & better: (s0, s1, s2) <- (s1, sv, s2); right & ~better: s2 <- sv
            u = active
            n_s0 = np.where(u & left & ~better, sv, np.where(u & ~left & better, s1, s0))
            n_g0 = np.where(u & left & ~better, gp, np.where(u & ~left & better, g1, g0))
            n_s2 = np.where(u & left & better, s1, np.where(u & ~left & ~better, sv, s2))
            n_g2 = np.where(u & left & better, g1, np.where(u & ~left & ~better, gp, g2))
            n_s1 = np.where(u & better, sv, s1)
            n_g1 = np.where(u & better, gp, g1)
            s0, g0, s1, g1, s2, g2 = n_s0, n_g0, n_s1, n_g1, n_s2, n_g2
    out_w = [np.full(a.size, w) for a in out_r]
    if near > 0.0:
        missed = np.ones(i.size, dtype=bool)
        for a in hit_all:
            missed &= ~a
        pt = _points(o, dirs[i], s1)
        close = missed & (np.sqrt((pt * pt).sum(axis=1)) * np.abs(g1) < near)
        if close.any():
            out_r.append(i[close])
            out_s.append(s1[close])
            out_w.append(np.full(int(close.sum()), 2))
    if out_r:
        return np.concatenate(out_r), np.concatenate(out_s), np.concatenate(out_w)
    return np.zeros(0, dtype=int), np.zeros(0), np.zeros(0, dtype=int)


def _wind_amplitude(model_id: int, p: np.ndarray) -> float:
    return float(p[0] if model_id == K.MODEL_EXOSPHERE else p[3])


def _adaptive(prep, request):
    model = prep.leaf.model
    p = prep.params
    o = prep.origin
    dirs = prep.dirs
    s_end = prep.s_end
    n = dirs.shape[0]
    frac = request.step_fraction
    max_step = request.max_step_re
    live = s_end > 0.0
    total = np.zeros(n)
    idx_live = np.nonzero(live)[0]
    if idx_live.size == 0:
        return total, 0, 0
    cr, cs, cw, in_m0, in_b0 = _crossings(
        model, prep.model_id, p, o, dirs[live], s_end[live], frac, max_step, request.root_tol_re
    )
    m = idx_live.size
    se = s_end[live]
    # pieces: per ray, breakpoints 0 < crossings (sorted) < s_end
    order = np.lexsort((cs, cr))
    cr, cs, cw = cr[order], np.minimum(cs[order], se[cr[order]]), cw[order]
    counts = np.bincount(cr, minlength=m)
    # region flags just after each crossing: parity of the crossings of each kind so far
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    pos_in_ray = np.arange(cr.size) - first[cr]
    cum_m = np.cumsum(cw == 0) - np.concatenate([[0], np.cumsum(cw == 0)])[first[cr]]
    cum_b = np.cumsum(cw == 1) - np.concatenate([[0], np.cumsum(cw == 1)])[first[cr]]
    in_m_after = in_m0[cr] ^ (cum_m % 2 == 1)
    in_b_after = in_b0[cr] ^ (cum_b % 2 == 1)
    # piece list: (ray, a, b, in_m, in_b)
    p_ray = np.concatenate([np.arange(m), cr])
    p_a = np.concatenate([np.zeros(m), cs])
    p_im = np.concatenate([in_m0, in_m_after])
    p_ib = np.concatenate([in_b0, in_b_after])
    p_key = np.concatenate([np.full(m, -1), pos_in_ray])
    o2 = np.lexsort((p_key, p_ray))
    p_ray, p_a, p_im, p_ib = p_ray[o2], p_a[o2], p_im[o2], p_ib[o2]
    nxt_same = np.concatenate([p_ray[1:] == p_ray[:-1], [False]])
    p_b = np.where(nxt_same, np.roll(p_a, -1), se[p_ray])
    keep = p_b > p_a
    p_ray, p_a, p_b, p_im, p_ib = p_ray[keep], p_a[keep], p_b[keep], p_im[keep], p_ib[keep]
    w_smooth = _smooth_width(prep.model_id, p)
    if w_smooth > 0.0:  # smooth model: every piece with the point function, graded panels
        p_ac = p_key[o2][keep] != -1
        p_bc = nxt_same[keep]
        vals, n_pt = _panels(
            model,
            o,
            dirs[live],
            p_ray,
            p_a,
            p_b,
            m,
            request,
            lambda d, cur, a, b, ac, bc: _smooth_step(o, d, cur, a, b, ac, bc, frac, max_step, p, w_smooth),
            p_ac,
            p_bc,
        )
        total[live] = vals
        return total, n_pt, 0
    region = np.where(p_im, 0, np.where(p_ib, 1, 2))
    # outside the bow shock: closed form
    wmask = region == 2
    if wmask.any():
        wr = p_ray[wmask]
        val = line_integral_inverse_cube(
            o, dirs[live][wr], p_a[wmask], p_b[wmask], _wind_amplitude(prep.model_id, p), 10.0
        )
        total_live = np.bincount(wr, weights=val, minlength=m)
    else:
        total_live = np.zeros(m)
    # sheath: Gauss–Legendre panels
    smask = region == 1
    n_pt = 0
    if smask.any():
        nf = np.zeros(int(smask.sum()), dtype=bool)
        vals, n_pt = _panels(
            model,
            o,
            dirs[live],
            p_ray[smask],
            p_a[smask],
            p_b[smask],
            m,
            request,
            lambda d, cur, a, b, ac, bc: _step(o, d, cur, b, frac, max_step, p, 2.0, 1.0),
            nf,
            nf,
        )
        total_live += vals
    total[live] = total_live
    return total, n_pt, 0


def _panels(model, o, d_live, sr, sa, sb, m, request, next_end, a_cross, b_cross):
    """Gauss–Legendre panels over pieces [sa, sb] of rays sr (``next_end(d, cur, a, b, a_cross,
    b_cross)`` gives each panel's end) of the model's numpy emissivity → (per-ray sums (m,),
    evaluations)."""
    glx, glw = np.polynomial.legendre.leggauss(request.quadrature_order)
    pan_r, pan_a, pan_b = [], [], []
    cur = sa.copy()
    act = cur < sb
    while act.any():
        ia = np.nonzero(act)[0]
        nxt = next_end(d_live[sr[ia]], cur[ia], sa[ia], sb[ia], a_cross[ia], b_cross[ia])
        pan_r.append(sr[ia])
        pan_a.append(cur[ia])
        pan_b.append(nxt)
        cur[ia] = nxt
        act = cur < sb
    out = np.zeros(m)
    if not pan_r:
        return out, 0
    pan_r = np.concatenate(pan_r)
    pan_a = np.concatenate(pan_a)
    pan_b = np.concatenate(pan_b)
    half = 0.5 * (pan_b - pan_a)
    mid = 0.5 * (pan_b + pan_a)
    per = max(1, _CHUNK_POINTS // glx.size)
    for start in range(0, pan_r.size, per):
        sl = slice(start, start + per)
        u = mid[sl, None] + half[sl, None] * glx[None, :]
        pts = o[None, None, :] + u[..., None] * d_live[pan_r[sl]][:, None, :]
        eta = np.asarray(model.emissivity(pts), dtype=float)
        vals = (eta * glw[None, :]).sum(axis=1) * half[sl]
        out += np.bincount(pan_r[sl], weights=vals, minlength=m)
    return out, pan_r.size * glx.size


def _trapezium(prep, request):
    model = prep.leaf.model
    o, dirs, s_end = prep.origin, prep.dirs, prep.s_end
    step = request.step_re
    n = dirs.shape[0]
    total = np.zeros(n)
    nfull = np.floor(s_end / step).astype(np.int64)
    kmax = int(nfull.max()) if n else 0
    per = max(1, _CHUNK_POINTS // (kmax + 2))
    samples = 0
    for start in range(0, n, per):
        sl = slice(start, start + per)
        k = np.arange(kmax + 1)
        s = k[None, :] * step
        nf = nfull[sl]
        valid = (k[None, :] <= nf[:, None]) & (s_end[sl, None] > 0.0)
        pts = o[None, None, :] + s[..., None] * dirs[sl][:, None, :]
        f = np.where(valid, np.asarray(model.emissivity(pts), dtype=float), 0.0)
        pair = valid[:, 1:] & valid[:, :-1]
        acc = (0.5 * step * (f[:, 1:] + f[:, :-1]) * pair).sum(axis=1)
        rem = s_end[sl] - nf * step
        last = np.take_along_axis(f, np.minimum(nf, kmax)[:, None], axis=1)[:, 0]
        extra = (rem > 1e-9 * step) & (s_end[sl] > 0.0)
        pend = o[None, :] + s_end[sl][:, None] * dirs[sl]
        fend = np.asarray(model.emissivity(pend), dtype=float)
        acc += np.where(extra, 0.5 * rem * (last + fend), 0.0)
        total[sl] = acc
        samples += int(valid.sum() + extra.sum())
    return total, samples, 0


# --------------------------------------------------------------------------------------
# sampled volumes
# --------------------------------------------------------------------------------------


def _trilinear(values, origin, spacing, pts):
    nz, ny, nx = values.shape
    f = [(pts[:, a] - origin[a]) / spacing[a] for a in range(3)]
    f = [np.clip(fa, 0.0, na - 1.0) for fa, na in zip(f, (nx, ny, nz))]
    i = np.minimum(f[0].astype(np.int64), nx - 2)
    j = np.minimum(f[1].astype(np.int64), ny - 2)
    k = np.minimum(f[2].astype(np.int64), nz - 2)
    tx, ty, tz = f[0] - i, f[1] - j, f[2] - k
    v = values  # float32 nodes, float64 weights: no float64 copy of the whole grid
    c00 = v[k, j, i] * (1 - tx) + v[k, j, i + 1] * tx
    c01 = v[k, j + 1, i] * (1 - tx) + v[k, j + 1, i + 1] * tx
    c10 = v[k + 1, j, i] * (1 - tx) + v[k + 1, j, i + 1] * tx
    c11 = v[k + 1, j + 1, i] * (1 - tx) + v[k + 1, j + 1, i + 1] * tx
    return (c00 * (1 - ty) + c01 * ty) * (1 - tz) + (c10 * (1 - ty) + c11 * ty) * tz


def _volume(prep, request):
    o, dirs, s_end = prep.origin, prep.dirs, prep.s_end
    values = prep.values
    nz, ny, nx = values.shape
    n = dirs.shape[0]
    t0 = np.zeros(n)
    t1 = s_end.copy()
    for a, cnt in zip(range(3), (nx, ny, nz)):
        lo = prep.grid_origin[a]
        hi = lo + (cnt - 1) * prep.grid_spacing[a]
        d = dirs[:, a]
        with np.errstate(divide="ignore", invalid="ignore"):
            ta = (lo - o[a]) / d
            tb = (hi - o[a]) / d
        tmin = np.minimum(ta, tb)
        tmax = np.maximum(ta, tb)
        par = d == 0.0
        outside = par & ((o[a] < lo) | (o[a] > hi))
        t0 = np.where(par, np.where(outside, 1.0, t0), np.maximum(t0, tmin))
        t1 = np.where(par, np.where(outside, 0.0, t1), np.minimum(t1, tmax))
    hit = t1 > t0
    length = np.where(hit, t1 - t0, 0.0)
    m = np.maximum(2, 2 * np.ceil(length / (2.0 * prep.volume_step_re)).astype(np.int64))
    total = np.zeros(n)
    idx = np.nonzero(hit)[0]
    samples = int((m[idx] + 1).sum())
    cum = np.cumsum(m[idx] + 1)
    start = 0
    while start < idx.size:  # chunks of about _CHUNK_POINTS samples
        before = cum[start - 1] if start else 0
        stop = max(int(np.searchsorted(cum, before + _CHUNK_POINTS, side="right")), start + 1)
        ii = idx[start:stop]
        mm = m[ii]
        ray = np.repeat(np.arange(ii.size), mm + 1)
        kk = np.arange(ray.size) - np.repeat(np.cumsum(mm + 1) - (mm + 1), mm + 1)
        hh = length[ii] / mm
        s = t0[ii][ray] + kk * hh[ray]
        s = np.where(kk == mm[ray], t1[ii][ray], s)
        pts = o[None, :] + s[:, None] * dirs[ii][ray]
        val = _trilinear(values, prep.grid_origin, prep.grid_spacing, pts)
        w = np.where((kk == 0) | (kk == mm[ray]), 1.0, np.where(kk % 2 == 1, 4.0, 2.0))
        total[ii] = np.bincount(ray, weights=val * w, minlength=ii.size) * hh / 3.0
        start = stop
    return total, samples, 0


# --------------------------------------------------------------------------------------
# auroral shell
# --------------------------------------------------------------------------------------


def _grid_lookup(mlat, mlt, p, grid):
    """numpy copy of smile_viewer.physics.aurora.kernels.grid_lookup."""
    mlat0, dmlat, nlat = p[15], p[16], int(p[17])
    mlt0, dmlt, nmlt = p[18], p[19], int(p[20])
    fi = (mlat - mlat0) / dmlat
    low = fi <= 0.0
    high = fi >= nlat - 1
    i0 = np.minimum(np.floor(np.where(low | high, 0.0, fi)).astype(np.int64), nlat - 2)
    t = fi - i0
    i0 = np.where(low, 0, np.where(high, nlat - 2, i0))
    t = np.where(low, 0.0, np.where(high, 1.0, t))
    fj = (mlt - mlt0) / dmlt
    fj = fj - nmlt * np.floor(fj / nmlt)
    j0 = np.floor(fj).astype(np.int64)
    u = fj - j0
    wrap = j0 >= nmlt
    j0 = np.where(wrap, 0, j0)
    u = np.where(wrap, 0.0, u)
    j1 = np.where(j0 + 1 >= nmlt, 0, j0 + 1)
    i1 = i0 + 1
    return ((1.0 - t) * ((1.0 - u) * grid[i0, j0] + u * grid[i0, j1])
            + t * ((1.0 - u) * grid[i1, j0] + u * grid[i1, j1]))  # fmt: skip


def _shell_emission(pts, p, grid):
    m = p[:9].reshape(3, 3)
    sm = pts @ m.T
    xs, ys, zs = sm[:, 0], sm[:, 1], sm[:, 2]
    rho = np.sqrt(xs * xs + ys * ys)
    r = np.sqrt(rho * rho + zs * zs)
    inside = (r >= p[9]) & (r <= p[10])
    if p[11] == 0:
        w = np.where(inside, p[14], 0.0)
    else:
        q = (r - p[12]) / p[13]
        w = np.where(inside, p[14] * np.exp(-0.5 * q * q), 0.0)
    mlat = np.degrees(np.arctan2(zs, rho))
    mlt = 12.0 + np.arctan2(ys, xs) * (12.0 / math.pi)
    mlt = np.where(mlt >= 24.0, mlt - 24.0, mlt)
    return np.where(w > 0.0, w * _grid_lookup(mlat, mlt, p, grid), 0.0)


def _chord(b, p2, radius):
    h2 = radius * radius - p2
    ok = h2 > 0.0
    h = np.sqrt(np.where(ok, h2, 0.0))
    return np.where(ok, -b - h, np.inf), np.where(ok, -b + h, -np.inf)


def _aurora(prep, request):
    o, dirs, s_end = prep.origin, prep.dirs, prep.s_end
    p, grid = prep.params, prep.shell_grid
    n = dirs.shape[0]
    b = dirs @ o
    p2 = np.maximum(float(o @ o) - b * b, 0.0)
    oe, ox = _chord(b, p2, p[10])
    ie, ix = _chord(b, p2, p[9])
    two = ie < ix
    lo = [np.where(two, oe, oe), np.where(two, ix, np.inf)]
    hi = [np.where(two, ie, ox), np.where(two, ox, -np.inf)]
    glx, glw = np.polynomial.legendre.leggauss(request.quadrature_order)
    total = np.zeros(n)
    samples = 0
    for a, c in zip(lo, hi):
        a = np.maximum(a, 0.0)
        c = np.minimum(c, s_end)
        ok = (oe < ox) & (a < c) & (s_end > 0.0)
        idx = np.nonzero(ok)[0]
        if idx.size == 0:
            continue
        aa, cc = a[idx], c[idx]
        msub = np.maximum(1, np.ceil((cc - aa) / prep.shell_step_re)).astype(np.int64)
        ray = np.repeat(idx, msub)
        sub = np.repeat((cc - aa) / msub, msub)
        j = np.arange(ray.size) - np.repeat(np.cumsum(msub) - msub, msub)
        start = np.repeat(aa, msub) + j * sub
        per = max(1, _CHUNK_POINTS // glx.size)
        for st in range(0, ray.size, per):
            sl = slice(st, st + per)
            s = start[sl, None] + sub[sl, None] * (0.5 * (glx[None, :] + 1.0))
            pts = o[None, None, :] + s[..., None] * dirs[ray[sl]][:, None, :]
            eps = _shell_emission(pts.reshape(-1, 3), p, grid).reshape(s.shape)
            vals = (eps * glw[None, :]).sum(axis=1) * (0.5 * sub[sl])
            total += np.bincount(ray[sl], weights=vals, minlength=n)
        samples += ray.size * glx.size
    return total, samples, 0


# --------------------------------------------------------------------------------------
# backend entry point
# --------------------------------------------------------------------------------------


def run(prep, request):
    """Integrate one prepared source along its rays → (∫ values ds per ray, samples, boundary evals)."""
    if prep.dirs.shape[0] == 0:
        return np.zeros(0), 0, 0
    if prep.kind == "analytic":
        if request.method == "trapezium":
            return _trapezium(prep, request)
        return _adaptive(prep, request)
    if prep.kind == "volume":
        return _volume(prep, request)
    if prep.kind == "aurora":
        return _aurora(prep, request)
    raise ValueError(f"unknown source kind {prep.kind!r}")  # pragma: no cover
