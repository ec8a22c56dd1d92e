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
    "MODEL_NAMES",
    "aberration_rotation",
    "aberration_angle_rad",
    "mesh_volume",
    "LIN2010_COEFFICIENTS",
    "EARTH_ORBITAL_VELOCITY_GSE_KM_S",
    "NOMINAL_SOLAR_WIND_VELOCITY_GSE_KM_S",
]

#: Model keys accepted by :func:`from_solar_wind`, with the kind of surface each gives.
MODEL_NAMES: dict[str, str] = {
    "shue1997": "magnetopause",
    "shue1998": "magnetopause",
    "lin2010": "magnetopause",
    "jelinek2012_magnetopause": "magnetopause",
    "jelinek2012_bow_shock": "bow_shock",
}


def _solar_wind_velocity(sw: Any):
    """The solar wind velocity (GSE, km/s) of a SolarWind-like object, or None if it has none."""
    v = getattr(sw, "v_gse_km_s", None)
    if v is None:
        return None
    return tuple(float(c) for c in v)


def from_solar_wind(model_name: str, sw: Any, tilt_rad: float | None = None) -> BoundarySurface:
    """Build the boundary ``model_name`` from a SolarWind-like object.

    ``model_name``: one of :data:`MODEL_NAMES` (case and surrounding blanks ignored; ``-``
    may stand for ``_``). ``sw``: any object with attributes ``pd_npa`` (dynamic pressure,
    nPa), ``pm_npa`` (IMF magnetic pressure, nPa) and ``bz_nt`` (IMF Bz GSM, nT), such as
    :class:`smile_viewer.physics.solar_wind.SolarWind`; if it also has ``v_gse_km_s`` (the
    solar wind velocity, GSE, km/s) the surface keeps it for ``aberrate=True``.
    ``tilt_rad``: dipole tilt [rad], required by ``lin2010`` and ignored by the
    tilt-independent models.
    """
    if not isinstance(model_name, str):
        raise UserInputError(f"model_name = {model_name!r} must be one of {', '.join(MODEL_NAMES)}")
    key = model_name.strip().lower().replace("-", "_")
    if key not in MODEL_NAMES:
        raise UserInputError(f"unknown boundary model {model_name!r}: choose one of {', '.join(MODEL_NAMES)}")
    try:
        pd = sw.pd_npa
    except AttributeError:
        raise UserInputError(f"solar wind {sw!r} has no pd_npa (dynamic pressure, nPa)") from None
    kw = {"v_sw_km_s": _solar_wind_velocity(sw)}
    if key in ("shue1997", "shue1998"):
        fn = shue1997 if key == "shue1997" else shue1998
        return fn(pd, _attr(sw, "bz_nt", "IMF Bz GSM, nT"), **kw)
    if key == "lin2010":
        if tilt_rad is None:
            raise UserInputError("model lin2010 needs the dipole tilt: pass tilt_rad (radians)")
        pm = _attr(sw, "pm_npa", "IMF magnetic pressure, nPa")
        return lin2010(pd, pm, _attr(sw, "bz_nt", "IMF Bz GSM, nT"), tilt_rad, **kw)
    if key == "jelinek2012_magnetopause":
        return jelinek2012_magnetopause(pd, **kw)
    return jelinek2012_bow_shock(pd, **kw)


def _attr(sw: Any, name: str, what: str) -> Any:
    try:
        return getattr(sw, name)
    except AttributeError:
        raise UserInputError(f"solar wind {sw!r} has no {name} ({what})") from None
