"""Analytic Keplerian orbit with secular J2 drift: the default SMILE orbit.

Model (Vallado, *Fundamentals of Astrodynamics and Applications*, 4th ed., §9.6, eq. 9-41):
the elements ``a, e, i`` are constant; the right ascension of the ascending node ``Ω``, the
argument of perigee ``ω`` and the mean anomaly ``M`` change linearly in time at the secular J2
rates

    n    = sqrt(mu / a³),   p = a (1 − e²),   k = J2 (R_eq / p)²
    dΩ/dt = −(3/2) n k cos i
    dω/dt =  (3/4) n k (4 − 5 sin² i)
    dM/dt =  n [1 + (3/4) k sqrt(1 − e²) (2 − 3 sin² i)]      (mean motion corrected)

The mean-motion correction is applied by default (``mean_motion_correction=True``); for the
SMILE orbit (sin² i > 2/3) it lengthens the anomalistic period by 3.1e-5 relative (5.6 s of
50.61 h). ``a`` is then the *mean* semi-major axis. Periodic J2 terms, the Moon, the Sun and
drag are ignored: this is a visualisation and planning orbit, not an operational ephemeris.

The frame is ``"gei"`` (mean equator and equinox of J2000, treated as GCRS): the J2 drift is
taken about the J2000 pole rather than the true pole of date (0.36° apart in 2026).

Kepler's equation is solved for all epochs at once by Newton's method from Danby's starter
``E0 = M + 0.85 e sign(sin M)``, iterated until every correction is below 1e-12 rad (6
iterations for the worst mean anomaly at e = 0.836). The velocity is the exact time derivative of the position model
(including dΩ/dt and dω/dt), so a Hermite interpolation of sampled states reproduces it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from astropy.time import Time

from smile_viewer.constants import J2, MU_EARTH_KM3_S2, R_E_KM, R_EQ_KM
from smile_viewer.errors import DataFileError
from smile_viewer.mission.orbit import Orbit, as_time, seconds_since
from smile_viewer.resources import asset_path

_TWO_PI = 2.0 * np.pi


def solve_kepler(mean_anomaly, e: float, tol: float = 1e-12, max_iter: int = 50) -> np.ndarray:
    """Eccentric anomaly ``E`` [rad] with ``E − e sin E = M`` for an array of ``M`` [rad].

    ``M`` is reduced to [−π, π); the result lies in the same interval plus the multiple of 2π
    removed from ``M`` (so ``E`` and ``M`` stay continuous together). Converges for 0 ≤ e < 1.
    """
    if not 0.0 <= e < 1.0:
        raise ValueError(f"eccentricity must be in [0, 1), got {e}")
    m = np.asarray(mean_anomaly, dtype=float)
    turns = np.floor((m + np.pi) / _TWO_PI)
    mr = m - turns * _TWO_PI  # [-π, π)
    E = mr + 0.85 * e * np.sign(np.sin(mr))
    for _ in range(max_iter):
        f = E - e * np.sin(E) - mr
        dE = f / (1.0 - e * np.cos(E))
        E = E - dE
        if np.all(np.abs(dE) < tol):
            break
    else:  # pragma: no cover - cannot happen for 0 <= e < 1
        raise RuntimeError(f"Kepler's equation did not converge in {max_iter} iterations (e = {e})")
    return E + turns * _TWO_PI


@dataclass(frozen=True)
class J2Rates:
    """Secular rates [rad/s] of the elements under J2."""

    raan: float
    argp: float
    mean_anomaly: float


class KeplerJ2Orbit(Orbit):
    """Keplerian ellipse with secular J2 drift of Ω, ω and M (see the module docstring).

    Angles in degrees at construction; ``epoch`` is the time at which ``raan_deg``,
    ``arg_perigee_deg`` and ``mean_anomaly_deg`` hold. ``j2=0`` gives a pure two-body orbit.
    """

    native_frame = "gei"

    def __init__(
        self,
        a_km: float,
        e: float,
        inclination_deg: float,
        raan_deg: float,
        arg_perigee_deg: float,
        mean_anomaly_deg: float,
        epoch,
        *,
        name: str = "Kepler+J2",
        description: str = "",
        mu_km3_s2: float = MU_EARTH_KM3_S2,
        j2: float = J2,
        r_eq_km: float = R_EQ_KM,
        mean_motion_correction: bool = True,
        provenance: dict | None = None,
    ):
        if not a_km > 0:
            raise ValueError(f"semi-major axis must be positive, got {a_km}")
        if not 0.0 <= e < 1.0:
            raise ValueError(f"eccentricity must be in [0, 1), got {e}")
        self.a_km = float(a_km)
        self.e = float(e)
        self.inclination_deg = float(inclination_deg)
        self.raan_deg = float(raan_deg)
        self.arg_perigee_deg = float(arg_perigee_deg)
        self.mean_anomaly_deg = float(mean_anomaly_deg)
        t = as_time(epoch)
        if not t.isscalar:
            raise ValueError("epoch must be a single time")
        self._epoch = t.utc
        self.name = name
        self.mu_km3_s2 = float(mu_km3_s2)
        self.j2 = float(j2)
        self.r_eq_km = float(r_eq_km)
        self.mean_motion_correction = bool(mean_motion_correction)
        self.provenance = dict(provenance or {})
        self.description = description or (
            f"Kepler+J2 elements a={self.a_km:.3f} km e={self.e:.6f} i={self.inclination_deg:g} deg "
            f"RAAN={self.raan_deg:g} deg argp={self.arg_perigee_deg:g} deg M0={self.mean_anomaly_deg:g} deg "
            f"at {self._epoch.isot} UTC (GEI J2000)"
        )
        self._i = np.radians(self.inclination_deg)
        self._raan0 = np.radians(self.raan_deg)
        self._argp0 = np.radians(self.arg_perigee_deg)
        self._m0 = np.radians(self.mean_anomaly_deg)
        self._sqrt1me2 = np.sqrt(1.0 - self.e**2)
        self.rates = self._j2_rates()

    # -- construction helpers -------------------------------------------------------------------

    @classmethod
    def from_altitudes(
        cls,
        perigee_altitude_km: float,
        apogee_altitude_km: float,
        inclination_deg: float,
        raan_deg: float,
        arg_perigee_deg: float,
        mean_anomaly_deg: float,
        epoch,
        *,
        r_e_km: float = R_E_KM,
        **kwargs,
    ) -> KeplerJ2Orbit:
        """From perigee and apogee *altitudes* above a sphere of radius ``r_e_km`` (6371 km)."""
        rp = r_e_km + float(perigee_altitude_km)
        ra = r_e_km + float(apogee_altitude_km)
        if not 0 < rp <= ra:
            raise ValueError(f"need 0 < perigee radius <= apogee radius, got {rp} km and {ra} km")
        a = 0.5 * (rp + ra)
        e = (ra - rp) / (ra + rp)
        return cls(a, e, inclination_deg, raan_deg, arg_perigee_deg, mean_anomaly_deg, epoch, **kwargs)

    # -- derived quantities ---------------------------------------------------------------------

    @property
    def epoch(self) -> Time:
        return self._epoch

    @property
    def mean_motion_rad_s(self) -> float:
        """Keplerian (unperturbed) mean motion sqrt(mu/a³) [rad/s]."""
        return float(np.sqrt(self.mu_km3_s2 / self.a_km**3))

    @property
    def keplerian_period_s(self) -> float:
        """Two-body period 2π sqrt(a³/mu) [s]."""
        return _TWO_PI / self.mean_motion_rad_s

    @property
    def period_s(self) -> float:
        """Anomalistic period 2π / (dM/dt) [s]: perigee to perigee."""
        return _TWO_PI / self.rates.mean_anomaly

    @property
    def perigee_radius_km(self) -> float:
        return self.a_km * (1.0 - self.e)

    @property
    def apogee_radius_km(self) -> float:
        return self.a_km * (1.0 + self.e)

    @property
    def semi_latus_rectum_km(self) -> float:
        return self.a_km * (1.0 - self.e**2)

    def _j2_rates(self) -> J2Rates:
        n = self.mean_motion_rad_s
        k = self.j2 * (self.r_eq_km / self.semi_latus_rectum_km) ** 2
        s2 = np.sin(self._i) ** 2
        raan_dot = -1.5 * n * k * np.cos(self._i)
        argp_dot = 0.75 * n * k * (4.0 - 5.0 * s2)
        m_dot = n
        if self.mean_motion_correction:
            m_dot = n * (1.0 + 0.75 * k * self._sqrt1me2 * (2.0 - 3.0 * s2))
        return J2Rates(float(raan_dot), float(argp_dot), float(m_dot))

    def elements_at(self, times) -> dict[str, np.ndarray]:
        """Ω, ω, M [rad] (unwrapped) at ``times``; ``a``, ``e``, ``i`` are constant."""
        dt = seconds_since(as_time(times), self._epoch)
        return {
            "raan": self._raan0 + self.rates.raan * dt,
            "arg_perigee": self._argp0 + self.rates.argp * dt,
            "mean_anomaly": self._m0 + self.rates.mean_anomaly * dt,
        }

    # -- propagation ----------------------------------------------------------------------------

    def _frame_vectors(self, dt):
        raan = self._raan0 + self.rates.raan * dt
        argp = self._argp0 + self.rates.argp * dt
        cO, sO = np.cos(raan), np.sin(raan)
        cw, sw = np.cos(argp), np.sin(argp)
        ci, si = np.cos(self._i), np.sin(self._i)
        P = np.stack([cO * cw - sO * sw * ci, sO * cw + cO * sw * ci, sw * si], axis=-1)
        Q = np.stack([-cO * sw - sO * cw * ci, -sO * sw + cO * cw * ci, cw * si], axis=-1)
        return P, Q

    def _perifocal(self, dt):
        M = self._m0 + self.rates.mean_anomaly * dt
        E = solve_kepler(M, self.e)
        cE, sE = np.cos(E), np.sin(E)
        x = self.a_km * (cE - self.e)
        y = self.a_km * self._sqrt1me2 * sE
        return E, cE, sE, x, y

    def _position_native(self, times: Time) -> np.ndarray:
        dt = seconds_since(times, self._epoch)
        _, _, _, x, y = self._perifocal(dt)
        P, Q = self._frame_vectors(dt)
        return x[:, None] * P + y[:, None] * Q

    def _state_native(self, times: Time) -> tuple[np.ndarray, np.ndarray]:
        dt = seconds_since(times, self._epoch)
        E, cE, sE, x, y = self._perifocal(dt)
        P, Q = self._frame_vectors(dt)
        Edot = self.rates.mean_anomaly / (1.0 - self.e * cE)
        xdot = -self.a_km * sE * Edot
        ydot = self.a_km * self._sqrt1me2 * cE * Edot
        # dP/dt = Ω' (z × P) + ω' Q,  dQ/dt = Ω' (z × Q) − ω' P
        zP = np.stack([-P[:, 1], P[:, 0], np.zeros_like(dt)], axis=-1)
        zQ = np.stack([-Q[:, 1], Q[:, 0], np.zeros_like(dt)], axis=-1)
        Pdot = self.rates.raan * zP + self.rates.argp * Q
        Qdot = self.rates.raan * zQ - self.rates.argp * P
        r = x[:, None] * P + y[:, None] * Q
        v = xdot[:, None] * P + ydot[:, None] * Q + x[:, None] * Pdot + y[:, None] * Qdot
        return r, v


# ---------------------------------------------------------------------------------------------
# The default orbit
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _default_orbit_spec() -> dict:
    path = asset_path("orbits", "smile_default.json")
    try:
        spec = json.loads(path.read_text(encoding="utf-8"))
        el = spec["elements"]
        values = {
            k: el[k]["value"]
            for k in (
                "perigee_altitude_km",
                "apogee_altitude_km",
                "inclination_deg",
                "arg_perigee_deg",
                "raan_deg",
                "mean_anomaly_deg",
                "epoch_utc",
            )
        }
        values["r_e_km"] = float(spec["altitude_reference_radius_km"]["value"])
        propagation = spec.get("propagation", {})
        values["mean_motion_correction"] = bool(propagation.get("mean_motion_correction", True))
        values["name"] = str(spec.get("name", "SMILE"))
    except (ValueError, KeyError, TypeError) as exc:
        raise DataFileError(path, f"not a valid orbit-elements file ({type(exc).__name__}: {exc})") from None
    values["path"] = str(path)
    values["provenance"] = {k: dict(v) for k, v in el.items()}
    return values


def default_orbit() -> KeplerJ2Orbit:
    """The default SMILE orbit (elements and provenance in ``assets/orbits/smile_default.json``)."""
    v = _default_orbit_spec()
    return KeplerJ2Orbit.from_altitudes(
        v["perigee_altitude_km"],
        v["apogee_altitude_km"],
        v["inclination_deg"],
        v["raan_deg"],
        v["arg_perigee_deg"],
        v["mean_anomaly_deg"],
        Time(v["epoch_utc"], scale="utc"),
        r_e_km=v["r_e_km"],
        name=v["name"],
        mean_motion_correction=v["mean_motion_correction"],
        provenance=v["provenance"],
        description=(
            "default SMILE orbit, Kepler+J2 elements from smile_default.json "
            f"(perigee alt {v['perigee_altitude_km']:g} km, apogee alt {v['apogee_altitude_km']:g} km, "
            f"i {v['inclination_deg']:g} deg, argp {v['arg_perigee_deg']:g} deg, "
            f"RAAN {v['raan_deg']:g} deg [A], "
            f"epoch {v['epoch_utc']} UTC [A])"
        ),
    )
