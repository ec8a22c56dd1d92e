"""The SMILE mission: orbit (Kepler+J2, TLE, CCSDS OEM, SPICE), ephemeris export, instruments.

Orbit API (imported on first use, so ``import smile_viewer.mission`` stays cheap):

- :func:`default_orbit`, :func:`orbit_from_tle`, :func:`orbit_from_oem` (= :func:`read_oem`),
  :func:`orbit_from_spice` → an :class:`Orbit` with ``position(times, frame="gse")`` [R_E],
  ``velocity(times, frame="gei")`` [km/s], ``state``, ``period_s``, ``apogee_times``,
  ``perigee_times``, ``epoch``, ``name``;
- :func:`write_oem`, :func:`export_ephemeris` (CSV or OEM by extension).
"""

from __future__ import annotations

import importlib

_LAZY = {
    "Orbit": "smile_viewer.mission.orbit",
    "default_orbit": "smile_viewer.mission.orbit",
    "orbit_from_tle": "smile_viewer.mission.orbit",
    "orbit_from_oem": "smile_viewer.mission.orbit",
    "orbit_from_spice": "smile_viewer.mission.orbit",
    "read_oem": "smile_viewer.mission.orbit",
    "KeplerJ2Orbit": "smile_viewer.mission.kepler",
    "TLEOrbit": "smile_viewer.mission.tle",
    "EphemerisOrbit": "smile_viewer.mission.oem",
    "write_oem": "smile_viewer.mission.oem",
    "SpiceOrbit": "smile_viewer.mission.spice",
    "export_ephemeris": "smile_viewer.mission.ephemeris_export",
}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + list(_LAZY))


__all__ = list(_LAZY)
