"""Physical constants used throughout smile-viewer, each with its source.

One Earth radius is used everywhere: ``R_E_KM`` = 6371 km (the mean radius used by the
SMILE mission documents; GEOPACK uses 6371.2 km — the difference is 3e-5 relative).
"""

from __future__ import annotations

#: Earth radius used as the length unit everywhere [km].
R_E_KM: float = 6371.0
#: Earth radius [cm], for converting line-of-sight integrals in R_E to cm.
R_E_CM: float = R_E_KM * 1.0e5
#: Earth's gravitational parameter GM [km^3 s^-2] (IERS Conventions 2010 / WGS 84 EGM96).
MU_EARTH_KM3_S2: float = 398600.4418
#: Earth's equatorial radius [km], the reference radius of J2 (WGS 84).
R_EQ_KM: float = 6378.137
#: Second zonal harmonic of Earth's gravity field, dimensionless (EGM96, unnormalised).
J2: float = 1.08262668e-3
#: Proton mass [kg] (CODATA 2018).
M_PROTON_KG: float = 1.67262192369e-27
#: Boltzmann constant [J K^-1] (exact, SI 2019).
K_BOLTZMANN_J_K: float = 1.380649e-23
#: Vacuum permeability [H m^-1] (CODATA 2018).
MU0_H_M: float = 1.25663706212e-6
#: Elementary charge [C] (exact, SI 2019).
E_CHARGE_C: float = 1.602176634e-19
