"""Magnetopause and bow-shock models: Shue et al. 1997/1998, Lin et al. 2010, Jelínek et al. 2012.

Each factory returns an immutable :class:`BoundarySurface` with ``r0``, ``standoff_re``,
``r(theta, phi)``, ``contains(xyz_re)`` and ``mesh(...)``::

    >>> from smile_viewer.physics.boundaries import shue1998
    >>> mp = shue1998(pd_npa=2.0, bz_nt=-5.0)
    >>> round(mp.r0, 4), round(mp.alpha, 4)
    (9.8062, 0.6252)

Formulas, coefficients, conventions and check values: docs/reference.md#boundary-models.
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
    # lazy: import cycle (physics.models imports this package for its builders)
    from smile_viewer.physics import models

    try:
        entry = models.boundary_model(model_name, "magnetopause")
    except UserInputError:
        try:
            entry = models.boundary_model(model_name, "bow_shock")
        except UserInputError:
            names = [*models.magnetopause_models(), *(f"{k}_bow_shock" for k in models.bow_shock_models())]
            raise UserInputError(
                f"unknown boundary model {model_name!r}: choose one of {', '.join(names)}"
            ) from None
    return entry.surface(sw, tilt_rad)
