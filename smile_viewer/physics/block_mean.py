"""Block-averaged copies of large grids, for display (the 3-D view's GL texture).

:func:`block_factors` chooses one whole-number factor per axis so that a (nz, ny, nx) grid fits a
largest side and a byte budget; :func:`block_mean` averages non-overlapping blocks of that many
nodes, one output slab at a time (no full-size temporary: the extra memory is the result plus
one input slab). Computations (synthetic images) always use the full grid; only the picture of
the volume in the 3-D view is downsampled (docs/settings.md#emission-volume-texture).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["block_factors", "block_mean", "block_grid"]


def block_factors(
    shape_zyx: tuple[int, int, int], max_nodes: int, budget_bytes: float, itemsize: int = 4
) -> tuple[int, int, int]:
    """Factors (fz, fy, fx) ≥ 1: each axis of ``shape_zyx`` divided by its factor (rounded up)
    is at most ``max_nodes`` nodes, and the whole (``itemsize`` bytes a node) fits
    ``budget_bytes``; every axis keeps at least 2 nodes."""
    if max_nodes < 2:
        raise ValueError(f"max_nodes = {max_nodes}: need at least 2 nodes a side")
    shape = [int(n) for n in shape_zyx]
    f = [max(1, math.ceil(n / max_nodes)) for n in shape]

    def size(fs):
        return math.prod(math.ceil(n / k) for n, k in zip(shape, fs)) * itemsize

    while size(f) > budget_bytes:
        # grow the factor of the axis with the most nodes left, while it keeps 2 nodes
        left = [math.ceil(n / k) if math.ceil(n / (k + 1)) >= 2 else 0 for n, k in zip(shape, f)]
        a = int(np.argmax(left))
        if left[a] == 0:
            break
        f[a] += 1
    return (f[0], f[1], f[2])


def block_grid(origin_re, spacing_re, factors_zyx) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Origin and spacing [R_E] (x, y, z order) of the block means: each block's value sits at
    the centre of its first full block, ``origin + (f - 1)/2 × spacing``, ``f × spacing`` apart."""
    fx = (factors_zyx[2], factors_zyx[1], factors_zyx[0])
    o = tuple(float(o) + 0.5 * (f - 1) * float(d) for o, d, f in zip(origin_re, spacing_re, fx))
    d = tuple(float(d) * f for d, f in zip(spacing_re, fx))
    return o, d


def block_mean(values: np.ndarray, factors_zyx: tuple[int, int, int], nonfinite: float = 0.0) -> np.ndarray:
    """Means of non-overlapping (fz, fy, fx) blocks of ``values`` (nz, ny, nx) → float32
    (ceil(nz/fz), ceil(ny/fy), ceil(nx/fx)); a last block cut short by the edge averages the
    nodes it holds. Non-finite values count as ``nonfinite``. Sums in float64."""
    v = np.asarray(values)
    if v.ndim != 3:
        raise ValueError(f"expected a (nz, ny, nx) array, got shape {v.shape}")
    fz, fy, fx = (int(f) for f in factors_zyx)
    nz, ny, nx = v.shape
    iy = np.arange(0, ny, fy)
    ix = np.arange(0, nx, fx)
    cy = np.diff(np.append(iy, ny)).astype(np.float64)
    cx = np.diff(np.append(ix, nx)).astype(np.float64)
    out = np.empty((math.ceil(nz / fz), iy.size, ix.size), np.float32)
    for k in range(out.shape[0]):
        slab = v[k * fz : (k + 1) * fz]
        s = slab.sum(axis=0, dtype=np.float64)
        if not np.isfinite(s).all():  # only then: a clean copy of this slab
            s = np.where(np.isfinite(slab), slab, nonfinite).sum(axis=0, dtype=np.float64)
        s = np.add.reduceat(np.add.reduceat(s, iy, axis=0), ix, axis=1)
        out[k] = s / (slab.shape[0] * cy[:, None] * cx[None, :])
    return out
