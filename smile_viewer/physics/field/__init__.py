"""Magnetic field models of the magnetosphere and field-line tracing (GSM, R_E = 6371 km, nT).

- :func:`dipole_gsm` — centred dipole with tilt (GEOPACK DIP).
- :func:`igrf_geo`, :func:`igrf_gsm` — IGRF-14 to degree 13 (coefficients shipped in ``assets/models``).
- :func:`t89` — Tsyganenko 1989c external field (iopt 1..7 ≙ Kp bins, :func:`kp_to_iopt`).
- :func:`t96` — Tsyganenko 1996 external field (Pdyn, Dst, By, Bz).
- :class:`FieldModel` — internal ("dipole"/"igrf") + external (None/"t89"/"t96"); ``.b_gsm(xyz_re)``;
  ``FieldModel.at_time(time, ...)`` takes the GSM frame and tilt from :mod:`smile_viewer.coords`.
- :func:`trace_field_lines` → :class:`FieldLines` — many seeds at once (numba, parallel), Dormand–Prince
  5(4), stops at the inner sphere, a Shue magnetopause or a box; lines classified closed / open-north /
  open-south / IMF, with footpoints and their magnetic latitude and MLT.

The T89/T96/IGRF/dipole kernels are ports of the ``geopack`` Python package (S. Tian, MIT licence), which
translates N. A. Tsyganenko's Fortran GEOPACK and models; the tests check them against geopack 1.0.11.
"""

from smile_viewer.physics.field.dipole import B0_2025_NT, dipole_gsm
from smile_viewer.physics.field.igrf import (
    IGRF_REF_RADIUS_KM,
    dipole_moment_nt,
    igrf_coefficients,
    igrf_geo,
    igrf_gsm,
    load_shc,
)
from smile_viewer.physics.field.model import FieldModel, decimal_year
from smile_viewer.physics.field.t89 import kp_to_iopt, t89
from smile_viewer.physics.field.t96 import t96
from smile_viewer.physics.field.trace import (
    CLOSED,
    END_NAMES,
    IMF,
    INCOMPLETE,
    INVALID,
    OPEN_NORTH,
    OPEN_SOUTH,
    STATUS_NAMES,
    FieldLines,
    trace_field_lines,
)

__all__ = [
    "B0_2025_NT",
    "CLOSED",
    "END_NAMES",
    "IGRF_REF_RADIUS_KM",
    "IMF",
    "INCOMPLETE",
    "INVALID",
    "OPEN_NORTH",
    "OPEN_SOUTH",
    "STATUS_NAMES",
    "FieldLines",
    "FieldModel",
    "decimal_year",
    "dipole_gsm",
    "dipole_moment_nt",
    "igrf_coefficients",
    "igrf_geo",
    "igrf_gsm",
    "kp_to_iopt",
    "load_shc",
    "t89",
    "t96",
    "trace_field_lines",
]
