"""The subsolar magnetopause of an emissivity cube by the SXI team's three definitions.

After swharton1/Emissivity_Cubes ``read_fits_cube.py`` (``get_subsolar_magnetopauses``),
along the Sun–Earth line of the grid — the row of nodes whose y and z are nearest 0 (the
first such node when two are equally near), no interpolation:

- ``maxIx``: x of the largest emissivity (the first node when it repeats);
- ``maxdIx``: x of the largest increase between neighbouring samples,
  dI_k = I(x_{k+1}) − I(x_k) with x ascending (sunward); maxdIx = x_k, the **earthward**
  sample of the steepest pair (the team's convention for x-ascending cubes — PPMLR, BATSRUS;
  their OpenGGCM branch negates the difference of an x-descending axis and so returns the
  sunward sample, one spacing further out);
- ``f.25`` = maxdIx + 0.25 (maxIx − maxdIx).

NaN samples are skipped (the team's code would fail on them). See
docs/reference.md#subsolar-magnetopause-of-a-cube.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from smile_viewer.errors import UserInputError

__all__ = ["CubeMagnetopause", "subsolar_magnetopause"]


@dataclass(frozen=True)
class CubeMagnetopause:
    """Subsolar magnetopause distances of a cube [R_E] (module docstring) and where they were
    taken: the line's y and z [R_E], the x spacing [R_E] and the largest emissivity and step."""

    max_ix_re: float
    max_dix_re: float
    f25_re: float
    line_y_re: float
    line_z_re: float
    dx_re: float
    max_emissivity: float
    max_increase: float
    units: str = ""

    def summary(self) -> str:
        return f"maxIx {self.max_ix_re:.3f} R_E, maxdIx {self.max_dix_re:.3f} R_E, f.25 {self.f25_re:.3f} R_E"


def subsolar_magnetopause(volume, *, x_range_re: tuple[float, float] | None = None) -> CubeMagnetopause:
    """The three subsolar magnetopause distances of ``volume`` (a
    :class:`~smile_viewer.physics.volume.Volume`; module docstring).

    ``x_range_re``: (lo, hi) to search only there (default: the whole line, as the team).
    Raises UserInputError when the grid does not reach the Sun–Earth line (its nearest node
    more than one spacing away) or the line holds no positive emissivity."""
    x = np.asarray(volume.x, dtype=float)
    y = np.asarray(volume.y, dtype=float)
    z = np.asarray(volume.z, dtype=float)
    iy = int(np.argmin(np.abs(y)))
    iz = int(np.argmin(np.abs(z)))
    dx, dy, dz = (float(v) for v in volume.spacing_re)
    if abs(y[iy]) > dy or abs(z[iz]) > dz:
        raise UserInputError(
            f"the grid does not reach the Sun-Earth line: its nearest node is at y = {y[iy]:.3g}, "
            f"z = {z[iz]:.3g} R_E"
        )
    eta = np.asarray(volume.values[iz, iy, :], dtype=float)
    keep = np.isfinite(eta)
    if x_range_re is not None:
        lo, hi = (float(v) for v in x_range_re)
        if not lo < hi:
            raise UserInputError(f"x_range_re = {x_range_re!r}: expected (lo, hi) with lo < hi")
        keep &= (x >= lo) & (x <= hi)
    xs, es = x[keep], eta[keep]
    if xs.size < 2 or not np.any(es > 0):
        raise UserInputError("no positive emissivity along the Sun-Earth line: no magnetopause to find")
    i_max = int(np.argmax(es))
    d = np.diff(es)
    contiguous = np.isclose(np.diff(xs), dx, rtol=1e-6, atol=0.0)  # a step across skipped samples is no step
    d = np.where(contiguous, d, -np.inf)
    if not np.any(np.isfinite(d)):
        raise UserInputError("the Sun-Earth line has no two neighbouring samples with data")
    k = int(np.argmax(d))
    max_ix, max_dix = float(xs[i_max]), float(xs[k])
    return CubeMagnetopause(
        max_ix_re=max_ix,
        max_dix_re=max_dix,
        f25_re=max_dix + 0.25 * (max_ix - max_dix),
        line_y_re=float(y[iy]),
        line_z_re=float(z[iz]),
        dx_re=dx,
        max_emissivity=float(es[i_max]),
        max_increase=float(d[k]) if math.isfinite(d[k]) else math.nan,
        units=str(getattr(volume, "units", "")),
    )
