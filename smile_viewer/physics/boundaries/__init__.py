"""Magnetopause and bow-shock models: Shue et al. 1997/1998, Lin et al. 2010, Jelínek et al. 2012.

Each factory returns an immutable :class:`BoundarySurface`::

    >>> from smile_viewer.physics.boundaries import shue1998, lin2010
    >>> mp = shue1998(pd_npa=2.0, bz_nt=-5.0)
    >>> round(mp.r0, 4), round(mp.alpha, 4)
    (9.8062, 0.6252)
    >>> lin = lin2010(pd_npa=2.0, pm_npa=0.0, bz_nt=0.0, tilt_rad=0.0)
    >>> round(lin.r0, 4), round(lin.standoff_re, 4)     # paper's r0, nose with the cusp term Q
    (10.9657, 10.681)

Every surface offers

- ``.r0`` — standoff distance [R_E] (for Lin 2010 the paper's r0 parameter, without the cusp
  term; the actual nose distance is ``.standoff_re`` for every model);
- ``.r(theta, phi=0.0)`` — radial distance [R_E], numpy-broadcast over theta (from +X) and
  phi (about X from +Y toward +Z) [rad];
- ``.contains(xyz_re)`` — inside test for points (..., 3) [R_E] (GSM for Lin 2010; Shue and
  Jelínek are axisymmetric about X, so GSE or GSM);
- ``.mesh(x_tail_re=-60, n_theta=96, n_phi=128)`` — closed, outward-wound triangle mesh
  ``(vertices (N, 3) float, triangles (M, 3) int)``, cut and capped at X = x_tail_re;
- ``.name``, ``.kind`` ("magnetopause" / "bow_shock"), ``.frame``, ``.reference`` and a
  ``.parameters`` dict for provenance;
- optional aberration of the X axis (``aberrate=True`` in ``contains`` and ``mesh``; see
  :func:`aberration_rotation`), off by default.

Inputs are validated: a dynamic pressure that is not a finite number > 0 (and other bad
inputs) raises :class:`smile_viewer.errors.UserInputError` naming the argument and the value.
Formulas, coefficients and reference values: ``REFERENCE.md`` ("Boundary models").
"""

from __future__ import annotations

from typing import Any

from smile_viewer.errors import UserInputError

from ._base import (
    EARTH_ORBITAL_VELOCITY_GSE_KM_S,
    NOMINAL_SOLAR_WIND_VELOCITY_GSE_KM_S,
    BoundarySurface,
    aberration_angle_rad,
    aberration_rotation,
    mesh_volume,
)
from .jelinek import (
    Jelinek2012BowShock,
    Jelinek2012Magnetopause,
    Jelinek2012Surface,
    jelinek2012_bow_shock,
    jelinek2012_magnetopause,
)
from .lin import LIN2010_COEFFICIENTS, Lin2010Magnetopause, lin2010
from .shue import Shue1997Magnetopause, Shue1998Magnetopause, ShueMagnetopause, shue1997, shue1998

__all__ = [
    "BoundarySurface",
    "ShueMagnetopause",
    "Shue1997Magnetopause",
    "Shue1998Magnetopause",
    "Lin2010Magnetopause",
    "Jelinek2012Surface",
    "Jelinek2012Magnetopause",
    "Jelinek2012BowShock",
    "shue1997",
    "shue1998",
    "lin2010",
    "jelinek2012_magnetopause",
    "jelinek2012_bow_shock",
    "from_solar_wind",
    "aberration_rotation",
    "aberration_angle_rad",
    "mesh_volume",
    "LIN2010_COEFFICIENTS",
    "EARTH_ORBITAL_VELOCITY_GSE_KM_S",
    "NOMINAL_SOLAR_WIND_VELOCITY_GSE_KM_S",
]


def from_solar_wind(model_name: str, sw: Any, tilt_rad: float | None = None) -> BoundarySurface:
    """Build the magnetopause or bow shock ``model_name`` from a SolarWind-like object.

    ``model_name``: a key or alias of :mod:`smile_viewer.physics.models` (magnetopause models
    first, then bow shocks: ``"jelinek2012_bow_shock"``). ``sw``: an object with ``pd_npa``,
    ``pm_npa`` and ``bz_nt`` (nPa, nPa, nT GSM); with ``v_gse_km_s`` the surface keeps it for
    ``aberrate=True``. ``tilt_rad``: dipole tilt [rad], required by the tilt-dependent models.
    """
    # The registry imports this package for its builders: imported here to avoid the cycle.
    from smile_viewer.physics import models

    try:
        entry = models.boundary_model(model_name, "magnetopause")
    except UserInputError:
        try:
            entry = models.boundary_model(model_name, "bow_shock")
        except UserInputError:
            names = [*models.magnetopause_models(), *(f"{k}_bow_shock" for k in models.bow_shock_models())]
            raise UserInputError(f"unknown boundary model {model_name!r}: choose one of {', '.join(names)}") from None
    return entry.surface(sw, tilt_rad)
