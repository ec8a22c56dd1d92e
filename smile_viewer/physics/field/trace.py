"""Field-line tracing for many seeds at once: Dormand–Prince 5(4) with error control, numba, parallel.

Each seed is traced both ways along B/|B| until the inner sphere, the magnetopause (a Shue
surface), a box or the point limit; lines are classed CLOSED, OPEN_NORTH, OPEN_SOUTH, IMF,
INCOMPLETE or INVALID, with footpoints in GSM and as centred-dipole MLAT/MLT. Stopping rules,
classes and tolerances: docs/reference.md#field-line-tracing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba as nb
import numpy as np

from smile_viewer.errors import UserInputError
from smile_viewer.physics.field.model import FieldModel, b_total_kernel

# end reasons of a half line
END_INNER, END_MAGNETOPAUSE, END_BOX, END_MAX_POINTS, END_NULL, END_NONE = range(6)
END_NAMES = ("inner", "magnetopause", "box", "max_points", "null", "none")
# line classification
CLOSED, OPEN_NORTH, OPEN_SOUTH, IMF, INCOMPLETE, INVALID = range(6)
STATUS_NAMES = ("closed", "open_north", "open_south", "imf", "incomplete", "invalid")

# Dormand–Prince 5(4) tableau
_A21 = 1.0 / 5.0
_A31, _A32 = 3.0 / 40.0, 9.0 / 40.0
_A41, _A42, _A43 = 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0
_A51, _A52, _A53, _A54 = 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0
_A61, _A62, _A63, _A64, _A65 = (
    9017.0 / 3168.0,
    -355.0 / 33.0,
    46732.0 / 5247.0,
    49.0 / 176.0,
    -5103.0 / 18656.0,
)
_B1, _B3, _B4, _B5, _B6 = 35.0 / 384.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0
_E1, _E3, _E4, _E5, _E6, _E7 = (
    71.0 / 57600.0,
    -71.0 / 16695.0,
    71.0 / 1920.0,
    -17253.0 / 339200.0,
    22.0 / 525.0,
    -1.0 / 40.0,
)

# integer / float settings packed for the kernel
_S_RINNER, _S_USE_MP, _S_MP_R0, _S_MP_ALPHA, _S_USE_BOX = range(5)
_S_BOX = 5  # 6 values
_S_RTOL, _S_ATOL, _S_HMAX = 11, 12, 13
_S_SIZE = 14


@nb.njit(cache=True)
def _direction(x, y, z, sgn, p, a89, gg, hh, rec, m):
    bx, by, bz = b_total_kernel(x, y, z, p, a89, gg, hh, rec, m)
    b = np.sqrt(bx * bx + by * by + bz * bz)
    if not b > 0.0:  # zero or NaN
        return 0.0, 0.0, 0.0, False
    f = sgn / b
    return bx * f, by * f, bz * f, True


@nb.njit(cache=True)
def _outside(x, y, z, s):
    """Signed 'outside' function: > 0 beyond any stopping surface, < 0 inside the tracing region."""
    r = np.sqrt(x * x + y * y + z * z)
    g = s[_S_RINNER] - r
    if s[_S_USE_MP] != 0.0:
        c = 1.0 + x / r if r > 0.0 else 2.0
        if c > 1e-12:
            gm = r - s[_S_MP_R0] * (2.0 / c) ** s[_S_MP_ALPHA]
            g = max(g, gm)
    if s[_S_USE_BOX] != 0.0:
        b = s[_S_BOX : _S_BOX + 6]
        gb = max(b[0] - x, x - b[1], b[2] - y, y - b[3], b[4] - z, z - b[5])
        g = max(g, gb)
    return g


@nb.njit(cache=True)
def _which(x, y, z, s):
    """Which surface is the nearest-to-violated one at a point on the boundary of the region."""
    r = np.sqrt(x * x + y * y + z * z)
    best = s[_S_RINNER] - r
    kind = END_INNER
    if s[_S_USE_MP] != 0.0:
        c = 1.0 + x / r if r > 0.0 else 2.0
        if c > 1e-12:
            gm = r - s[_S_MP_R0] * (2.0 / c) ** s[_S_MP_ALPHA]
            if gm > best:
                best = gm
                kind = END_MAGNETOPAUSE
    if s[_S_USE_BOX] != 0.0:
        b = s[_S_BOX : _S_BOX + 6]
        gb = max(b[0] - x, x - b[1], b[2] - y, y - b[3], b[4] - z, z - b[5])
        if gb > best:
            kind = END_BOX
    return kind


@nb.njit(cache=True)
def _dp_step(x, y, z, h, k1x, k1y, k1z, sgn, p, a89, gg, hh, rec, m):
    """One Dormand–Prince step of length h from (x, y, z) with k1 = f(x, y, z).

    Returns (xn, yn, zn, ex, ey, ez, k7x, k7y, k7z, ok): the 5th-order point, the error estimate, f at
    the new point (FSAL) and whether all field evaluations were valid.
    """
    k2x, k2y, k2z, ok2 = _direction(
        x + h * _A21 * k1x, y + h * _A21 * k1y, z + h * _A21 * k1z, sgn, p, a89, gg, hh, rec, m
    )
    k3x, k3y, k3z, ok3 = _direction(
        x + h * (_A31 * k1x + _A32 * k2x),
        y + h * (_A31 * k1y + _A32 * k2y),
        z + h * (_A31 * k1z + _A32 * k2z),
        sgn,
        p,
        a89,
        gg,
        hh,
        rec,
        m,
    )
    k4x, k4y, k4z, ok4 = _direction(
        x + h * (_A41 * k1x + _A42 * k2x + _A43 * k3x),
        y + h * (_A41 * k1y + _A42 * k2y + _A43 * k3y),
        z + h * (_A41 * k1z + _A42 * k2z + _A43 * k3z),
        sgn,
        p,
        a89,
        gg,
        hh,
        rec,
        m,
    )
    k5x, k5y, k5z, ok5 = _direction(
        x + h * (_A51 * k1x + _A52 * k2x + _A53 * k3x + _A54 * k4x),
        y + h * (_A51 * k1y + _A52 * k2y + _A53 * k3y + _A54 * k4y),
        z + h * (_A51 * k1z + _A52 * k2z + _A53 * k3z + _A54 * k4z),
        sgn,
        p,
        a89,
        gg,
        hh,
        rec,
        m,
    )
    k6x, k6y, k6z, ok6 = _direction(
        x + h * (_A61 * k1x + _A62 * k2x + _A63 * k3x + _A64 * k4x + _A65 * k5x),
        y + h * (_A61 * k1y + _A62 * k2y + _A63 * k3y + _A64 * k4y + _A65 * k5y),
        z + h * (_A61 * k1z + _A62 * k2z + _A63 * k3z + _A64 * k4z + _A65 * k5z),
        sgn,
        p,
        a89,
        gg,
        hh,
        rec,
        m,
    )
    xn = x + h * (_B1 * k1x + _B3 * k3x + _B4 * k4x + _B5 * k5x + _B6 * k6x)
    yn = y + h * (_B1 * k1y + _B3 * k3y + _B4 * k4y + _B5 * k5y + _B6 * k6y)
    zn = z + h * (_B1 * k1z + _B3 * k3z + _B4 * k4z + _B5 * k5z + _B6 * k6z)
    k7x, k7y, k7z, ok7 = _direction(xn, yn, zn, sgn, p, a89, gg, hh, rec, m)
    ex = h * (_E1 * k1x + _E3 * k3x + _E4 * k4x + _E5 * k5x + _E6 * k6x + _E7 * k7x)
    ey = h * (_E1 * k1y + _E3 * k3y + _E4 * k4y + _E5 * k5y + _E6 * k6y + _E7 * k7y)
    ez = h * (_E1 * k1z + _E3 * k3z + _E4 * k4z + _E5 * k5z + _E6 * k6z + _E7 * k7z)
    ok = ok2 and ok3 and ok4 and ok5 and ok6 and ok7
    return xn, yn, zn, ex, ey, ez, k7x, k7y, k7z, ok


@nb.njit(cache=True)
def _trace_half(x0, y0, z0, sgn, s, max_points, buf, p, a89, gg, hh, rec, m):
    """Trace one half line from (x0, y0, z0); fills buf[0:n] (buf[0] = seed). Returns (n, end, length)."""
    buf[0, 0] = x0
    buf[0, 1] = y0
    buf[0, 2] = z0
    n = 1
    length = 0.0
    rtol = s[_S_RTOL]
    atol = s[_S_ATOL]
    hmax = s[_S_HMAX]
    x = x0
    y = y0
    z = z0
    k1x, k1y, k1z, ok = _direction(x, y, z, sgn, p, a89, gg, hh, rec, m)
    if not ok:
        return n, END_NULL, length
    r = np.sqrt(x * x + y * y + z * z)
    h = min(0.05 * r, hmax)
    while True:
        if n >= max_points:
            return n, END_MAX_POINTS, length
        r = np.sqrt(x * x + y * y + z * z)
        hcap = min(hmax, 0.25 * r)
        h = min(h, hcap)
        # one accepted step
        while True:
            xn, yn, zn, ex, ey, ez, k7x, k7y, k7z, ok = _dp_step(
                x, y, z, h, k1x, k1y, k1z, sgn, p, a89, gg, hh, rec, m
            )
            rn = np.sqrt(xn * xn + yn * yn + zn * zn)
            sc = atol + rtol * max(r, rn)
            err = max(abs(ex), abs(ey), abs(ez)) / sc
            if ok and err <= 1.0:
                break
            if not ok:
                h *= 0.25
            else:
                h *= max(0.2, 0.9 * err**-0.2)
            if h < 1e-10:
                return n, END_NULL, length
        gn = _outside(xn, yn, zn, s)
        if gn >= 0.0:
            # locate the crossing on this step: Illinois false position on the step length
            g0 = _outside(x, y, z, s)
            ha = 0.0
            ga = g0
            hb = h
            gb = gn
            xc = xn
            yc = yn
            zc = zn
            side = 0
            hc = h
            for _ in range(60):
                hc = (ha * gb - hb * ga) / (gb - ga)
                xc, yc, zc, ex, ey, ez, k7x, k7y, k7z, ok = _dp_step(
                    x, y, z, hc, k1x, k1y, k1z, sgn, p, a89, gg, hh, rec, m
                )
                gc = _outside(xc, yc, zc, s)
                if abs(gc) < 1e-10 or (hb - ha) < 1e-12:
                    break
                if gc > 0.0:
                    hb = hc
                    gb = gc
                    if side == 1:
                        ga *= 0.5
                    side = 1
                else:
                    ha = hc
                    ga = gc
                    if side == -1:
                        gb *= 0.5
                    side = -1
            buf[n, 0] = xc
            buf[n, 1] = yc
            buf[n, 2] = zc
            n += 1
            length += hc
            return n, _which(xc, yc, zc, s), length
        buf[n, 0] = xn
        buf[n, 1] = yn
        buf[n, 2] = zn
        n += 1
        length += h
        x = xn
        y = yn
        z = zn
        k1x = k7x
        k1y = k7y
        k1z = k7z
        # next step size
        if err < 1e-10:
            fac = 5.0
        else:
            fac = min(5.0, 0.9 * err**-0.2)
        h *= fac


@nb.njit(cache=True, parallel=True)
def _trace_chunk(seeds, s, max_points, buf, counts, ends, lengths, p, a89, gg, hh, rec, m):
    nseed = seeds.shape[0]
    for i in nb.prange(nseed):
        x0 = seeds[i, 0]
        y0 = seeds[i, 1]
        z0 = seeds[i, 2]
        for k in range(2):
            buf[i, k, 0, 0] = x0
            buf[i, k, 0, 1] = y0
            buf[i, k, 0, 2] = z0
            counts[i, k] = 1
            ends[i, k] = END_NONE
            lengths[i, k] = 0.0
        r0 = np.sqrt(x0 * x0 + y0 * y0 + z0 * z0)
        if not (r0 > s[_S_RINNER]) or not np.isfinite(r0):
            continue  # invalid seed
        if _outside(x0, y0, z0, s) >= 0.0:
            k0 = _which(x0, y0, z0, s)
            ends[i, 0] = k0
            ends[i, 1] = k0
            continue
        for k in range(2):
            sgn = 1.0 if k == 0 else -1.0
            n, e, ln = _trace_half(x0, y0, z0, sgn, s, max_points, buf[i, k], p, a89, gg, hh, rec, m)
            counts[i, k] = n
            ends[i, k] = e
            lengths[i, k] = ln


@nb.njit(cache=True)
def _assemble(buf, counts, points, start):
    """Copy chunk half-lines into the flat array: minus half reversed (ending at the seed), then plus half."""
    pos = start
    nseed = buf.shape[0]
    seed_index = np.empty(nseed, dtype=np.int64)
    for i in range(nseed):
        nm = counts[i, 1]
        np_ = counts[i, 0]
        for j in range(nm - 1, -1, -1):
            points[pos, 0] = buf[i, 1, j, 0]
            points[pos, 1] = buf[i, 1, j, 1]
            points[pos, 2] = buf[i, 1, j, 2]
            pos += 1
        seed_index[i] = pos - 1
        for j in range(1, np_):
            points[pos, 0] = buf[i, 0, j, 0]
            points[pos, 1] = buf[i, 0, j, 1]
            points[pos, 2] = buf[i, 0, j, 2]
            pos += 1
    return pos, seed_index


@dataclass(frozen=True, eq=False)
class FieldLines:
    """Traced field lines, ragged: line i is ``points[offsets[i]:offsets[i+1]]``, ordered from the
    minus (−B, southern) end through the seed to the plus (+B, northern) end.

    Attributes (n = number of seeds)
    ----------
    points: (M, 3) GSM [R_E]. offsets: (n+1,) int64. seed_index: (n,) index into ``points`` of each seed.
    status: (n,) int8, codes ``CLOSED`` … ``INVALID`` (``STATUS_NAMES``).
    end_north, end_south: (n,) int8 end reasons of the plus / minus halves (``END_NAMES``).
    foot_north, foot_south: (n, 3) GSM [R_E] footpoints on the inner sphere (NaN where that end is not on it).
    mlat_north_deg, mlt_north_h, mlat_south_deg, mlt_south_h: (n,) centred-dipole (SM) magnetic latitude
    [deg] and magnetic local time [h] of the footpoints (NaN where none).
    length_re: (n,) arc length of each line [R_E].
    tilt_rad, r_inner_re: the dipole tilt used for SM and the inner radius.
    """

    points: np.ndarray
    offsets: np.ndarray
    seed_index: np.ndarray
    status: np.ndarray
    end_north: np.ndarray
    end_south: np.ndarray
    foot_north: np.ndarray
    foot_south: np.ndarray
    mlat_north_deg: np.ndarray
    mlt_north_h: np.ndarray
    mlat_south_deg: np.ndarray
    mlt_south_h: np.ndarray
    length_re: np.ndarray
    tilt_rad: float
    r_inner_re: float

    def __len__(self) -> int:
        return len(self.status)

    def line(self, i: int) -> np.ndarray:
        """Points (k, 3) of line ``i``, from the southern (−B) end to the northern (+B) end."""
        return self.points[self.offsets[i] : self.offsets[i + 1]]

    @property
    def status_names(self) -> list[str]:
        return [STATUS_NAMES[k] for k in self.status]

    def counts(self) -> dict[str, int]:
        """Number of lines of each class."""
        return {name: int(np.sum(self.status == k)) for k, name in enumerate(STATUS_NAMES)}


def _mlat_mlt(foot: np.ndarray, tilt: float) -> tuple[np.ndarray, np.ndarray]:
    sps, cps = np.sin(tilt), np.cos(tilt)
    x, y, z = foot[:, 0], foot[:, 1], foot[:, 2]
    xsm = x * cps - z * sps
    zsm = x * sps + z * cps
    r = np.sqrt(x * x + y * y + z * z)
    with np.errstate(invalid="ignore"):
        mlat = np.degrees(np.arcsin(np.clip(zsm / r, -1.0, 1.0)))
        mlt = np.mod(12.0 + np.degrees(np.arctan2(y, xsm)) / 15.0, 24.0)
    return mlat, mlt


def _classify(end_n: np.ndarray, end_s: np.ndarray, invalid: np.ndarray) -> np.ndarray:
    leave = (END_MAGNETOPAUSE, END_BOX)
    n_in = end_n == END_INNER
    s_in = end_s == END_INNER
    n_out = np.isin(end_n, leave)
    s_out = np.isin(end_s, leave)
    status = np.full(end_n.shape, INCOMPLETE, dtype=np.int8)
    status[n_in & s_in] = CLOSED
    status[n_in & s_out] = OPEN_NORTH
    status[s_in & n_out] = OPEN_SOUTH
    status[n_out & s_out] = IMF
    status[invalid] = INVALID
    return status


def trace_field_lines(
    seeds_gsm_re,
    field_model: FieldModel,
    *,
    r_inner_re: float = 1.0,
    magnetopause: tuple[float, float] | None = None,
    box: tuple[float, float, float, float, float, float] | None = (-60.0, 30.0, -40.0, 40.0, -40.0, 40.0),
    rtol: float = 1e-8,
    atol_re: float = 1e-8,
    max_step_re: float = 1.0,
    max_points: int = 4000,
    chunk_size: int = 256,
) -> FieldLines:
    """Trace field lines through ``seeds_gsm_re`` (n, 3) [R_E, GSM] in ``field_model``.

    ``magnetopause``: (r0 [R_E], alpha) of a Shue-form surface, or None. ``box``: (xmin, xmax, ymin,
    ymax, zmin, zmax) [R_E] or None (the default box, −60…30 × ±40 × ±40, keeps lines of T89, which
    has no magnetopause, from running to the model's limits). See the module docstring for the stopping
    rules and the classification.
    """
    seeds = np.ascontiguousarray(np.asarray(seeds_gsm_re, dtype=np.float64).reshape(-1, 3))
    if not isinstance(field_model, FieldModel):
        raise UserInputError(f"field_model must be a FieldModel, got {type(field_model).__name__}")
    if not r_inner_re > 0:
        raise UserInputError(f"r_inner_re must be positive, got {r_inner_re}")
    if not (rtol > 0 and atol_re > 0 and max_step_re > 0):
        raise UserInputError("rtol, atol_re and max_step_re must be positive")
    if int(max_points) < 2:
        raise UserInputError(f"max_points must be at least 2, got {max_points}")
    s = np.zeros(_S_SIZE)
    s[_S_RINNER] = r_inner_re
    if magnetopause is not None:
        r0, alpha = (float(v) for v in magnetopause)
        if not (r0 > r_inner_re and alpha > 0):
            raise UserInputError(
                f"magnetopause (r0, alpha) must have r0 > r_inner and alpha > 0, got {magnetopause}"
            )
        s[_S_USE_MP], s[_S_MP_R0], s[_S_MP_ALPHA] = 1.0, r0, alpha
    if box is not None:
        b = np.asarray(box, dtype=np.float64)
        if b.shape != (6,) or not (b[0] < b[1] and b[2] < b[3] and b[4] < b[5]):
            raise UserInputError(
                f"box must be (xmin, xmax, ymin, ymax, zmin, zmax) with min < max, got {box}"
            )
        s[_S_USE_BOX] = 1.0
        s[_S_BOX : _S_BOX + 6] = b
    s[_S_RTOL], s[_S_ATOL], s[_S_HMAX] = rtol, atol_re, max_step_re
    args = field_model.kernel_args()
    max_points = int(max_points)

    n = len(seeds)
    ends = np.full((n, 2), END_NONE, dtype=np.int64)
    counts = np.ones((n, 2), dtype=np.int64)
    lengths = np.zeros((n, 2))
    pieces = []
    seed_index = np.empty(n, dtype=np.int64)
    total = 0
    chunk = max(1, int(chunk_size))
    buf = np.empty((min(chunk, max(n, 1)), 2, max_points, 3))
    for start in range(0, n, chunk):
        stop = min(n, start + chunk)
        c = stop - start
        _trace_chunk(
            seeds[start:stop],
            s,
            max_points,
            buf[:c],
            counts[start:stop],
            ends[start:stop],
            lengths[start:stop],
            *args,
        )
        npts = int(np.sum(counts[start:stop, 0] + counts[start:stop, 1] - 1))
        pts = np.empty((npts, 3))
        _, si = _assemble(buf[:c], counts[start:stop], pts, 0)
        seed_index[start:stop] = si + total
        total += npts
        pieces.append(pts)
    points = np.concatenate(pieces) if pieces else np.empty((0, 3))
    sizes = counts[:, 0] + counts[:, 1] - 1
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])

    r_seed = np.linalg.norm(seeds, axis=1)
    invalid = ~np.isfinite(r_seed) | ~(r_seed > r_inner_re)
    end_n = ends[:, 0].astype(np.int8)
    end_s = ends[:, 1].astype(np.int8)
    status = _classify(end_n, end_s, invalid)
    foot_n = np.full((n, 3), np.nan)
    foot_s = np.full((n, 3), np.nan)
    has_n = end_n == END_INNER
    has_s = end_s == END_INNER
    foot_n[has_n] = points[offsets[1:][has_n] - 1]
    foot_s[has_s] = points[offsets[:-1][has_s]]
    mlat_n, mlt_n = _mlat_mlt(foot_n, field_model.tilt_rad)
    mlat_s, mlt_s = _mlat_mlt(foot_s, field_model.tilt_rad)
    return FieldLines(
        points=points,
        offsets=offsets,
        seed_index=seed_index,
        status=status,
        end_north=end_n,
        end_south=end_s,
        foot_north=foot_n,
        foot_south=foot_s,
        mlat_north_deg=mlat_n,
        mlt_north_h=mlt_n,
        mlat_south_deg=mlat_s,
        mlt_south_h=mlt_s,
        length_re=lengths.sum(axis=1),
        tilt_rad=float(field_model.tilt_rad),
        r_inner_re=float(r_inner_re),
    )
