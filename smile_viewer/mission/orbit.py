"""The SMILE orbit: one interface over several sources of ephemeris.

Every orbit is an :class:`Orbit`:

- ``position(times, frame="gse")`` → Earth radii, shape ``(3,)`` for a scalar time or
  ``times.shape + (3,)`` for a ``Time`` array;
- ``velocity(times, frame="gei")`` → km/s (in rotating frames it includes the frame's rotation:
  ``v_dst = R v_src + dR/dt r_src``, see :meth:`Orbit.state`);
- ``state(times, frame="gei")`` → ``(r_km, v_km_s)``;
- ``period_s`` (for ephemeris-based orbits an osculating two-body estimate);
- ``apogee_times(start, stop)`` / ``perigee_times(start, stop)``: extrema of ``|r|`` found by
  sampling the radial velocity ``r·v = ½ d|r|²/dt`` coarsely (100 samples per period) and refining
  each sign change by bisection to better than 1 ms;
- ``epoch``, ``name``, ``description`` and ``coverage`` (``None`` or the valid time span).

Sources (each factory imports its module on demand):

- :func:`default_orbit` — Keplerian elements with secular J2 drift (:mod:`.kepler`), elements from
  ``assets/orbits/smile_default.json`` with their provenance;
- :func:`orbit_from_tle` — SGP4/SDP4 with the ``sgp4`` package (:mod:`.tle`);
- :func:`orbit_from_oem` / :func:`read_oem` — a CCSDS OEM file (:mod:`.oem`);
- :func:`orbit_from_spice` — SPICE kernels through ``spiceypy`` (:mod:`.spice`).

Frames: ``"gei"`` (geocentric equatorial inertial, J2000 = GCRS to the 23 mas frame bias),
``"geo"``, ``"gse"``, ``"gsm"``, ``"sm"``; every conversion goes through ``smile_viewer.coords``.
Lengths are in km inside, Earth radii (``R_E_KM`` = 6371 km) for ``position``.
"""

from __future__ import annotations

import abc
import importlib
from pathlib import Path

import numpy as np
from astropy.time import Time, TimeDelta

from smile_viewer.constants import R_E_KM
from smile_viewer.coords import rotation_matrix, transform
from smile_viewer.errors import UserInputError

#: Frames an orbit can be asked for (those of ``smile_viewer.coords``).
FRAMES = ("gei", "geo", "gse", "gsm", "sm")

#: Half-step [s] of the central difference that gives the rotation rate dR/dt of a frame change.
#: Truncation error ω³h²/6 ≈ 7e-14 s⁻¹ for Earth rotation (8e-9 km/s at 20 R_E).
_RDOT_STEP_S = 1.0

#: Bisection of the radial-velocity sign change stops when the bracket is narrower than this [s].
_EXTREMUM_TOL_S = 1.0e-3

#: Coarse samples per orbital period when searching for apogees and perigees.
_EXTREMUM_SAMPLES_PER_PERIOD = 100


# ---------------------------------------------------------------------------------------------
# Helpers shared by the orbit modules
# ---------------------------------------------------------------------------------------------


def check_frame(frame: str) -> str:
    """Lower-case frame name, or ``UserInputError`` naming the accepted frames."""
    f = str(frame).lower()
    if f not in FRAMES:
        raise UserInputError(f"unknown frame {frame!r}; choose from {', '.join(FRAMES)}")
    return f


def as_time(times) -> Time:
    """A ``Time`` from a ``Time`` or anything astropy reads as UTC (``UserInputError`` otherwise)."""
    if isinstance(times, Time):
        return times
    try:
        return Time(times, scale="utc")
    except (ValueError, TypeError) as exc:
        raise UserInputError(f"cannot read time(s) {times!r}: {exc}") from None


def seconds_since(times: Time, ref: Time) -> np.ndarray:
    """Elapsed SI seconds from ``ref`` to ``times`` (TAI difference: leap seconds counted).

    Two-part Julian dates keep the result exact to ~1e-9 s over decades; 1e6 UTC times take
    about 0.1 s.
    """
    t = times.tai
    r = ref.tai
    return ((t.jd1 - r.jd1) + (t.jd2 - r.jd2)) * 86400.0


def time_from_seconds(ref: Time, seconds) -> Time:
    """``ref + seconds`` as a UTC ``Time``."""
    return (ref + TimeDelta(np.asarray(seconds, dtype=float), format="sec")).utc


def _rotation(times: Time, src: str, dst: str) -> np.ndarray:
    return np.asarray(rotation_matrix(times, src, dst), dtype=float)


def transform_positions(r: np.ndarray, times: Time, src: str, dst: str) -> np.ndarray:
    """Rotate geocentric vectors ``r`` (N,3) (any length unit) from ``src`` to ``dst`` at ``times``."""
    if src == dst:
        return r
    # coords works in R_E; the frames are pure rotations of geocentric vectors, so scaling commutes.
    out = np.asarray(transform(r / R_E_KM, times, src, dst), dtype=float)
    return out.reshape(r.shape) * R_E_KM


def transform_state(
    r: np.ndarray, v: np.ndarray, times: Time, src: str, dst: str
) -> tuple[np.ndarray, np.ndarray]:
    """Positions and velocities (N,3) from ``src`` to ``dst``: ``r' = R r``, ``v' = R v + Ṙ r``.

    ``Ṙ`` (the frame's rotation rate) is a central difference of ``coords.rotation_matrix`` over
    ±1 s, evaluated in one call together with ``R``. This gives the velocity *seen in* the
    destination frame (for GEO: the Earth-fixed velocity, as an ITRF OEM holds), not the inertial
    velocity expressed in its axes.
    """
    if src == dst:
        return r, v
    n = len(times)
    offsets = np.repeat([-_RDOT_STEP_S, 0.0, _RDOT_STEP_S], n)
    stacked = times[np.tile(np.arange(n), 3)] + TimeDelta(offsets, format="sec")
    mats = _rotation(stacked, src, dst).reshape(3, n, 3, 3)
    rm, rot, rp = mats[0], mats[1], mats[2]
    rdot = (rp - rm) / (2.0 * _RDOT_STEP_S)
    r2 = np.einsum("nij,nj->ni", rot, r)
    v2 = np.einsum("nij,nj->ni", rot, v) + np.einsum("nij,nj->ni", rdot, r)
    return r2, v2


# ---------------------------------------------------------------------------------------------
# The common interface
# ---------------------------------------------------------------------------------------------


class Orbit(abc.ABC):
    """Common interface of every orbit source.

    Subclasses implement :meth:`_state_native` (and optionally :meth:`_position_native`) for a
    1-D ``Time`` array, returning km and km/s in :attr:`native_frame`; everything else (shapes,
    frames, extrema) is done here.
    """

    #: Frame in which the subclass computes states.
    native_frame: str = "gei"
    #: Short name (the OEM OBJECT_NAME, the TLE name line, ...).
    name: str = "orbit"
    #: One line saying where the orbit comes from (written into exported files).
    description: str = ""

    # -- to implement ---------------------------------------------------------------------------

    @property
    @abc.abstractmethod
    def epoch(self) -> Time:
        """Reference epoch (elements epoch, TLE epoch, or first ephemeris time)."""

    @property
    @abc.abstractmethod
    def period_s(self) -> float:
        """Orbital period [s] (anomalistic for Kepler+J2; an estimate for ephemerides)."""

    @abc.abstractmethod
    def _state_native(self, times: Time) -> tuple[np.ndarray, np.ndarray]:
        """(N,3) km and (N,3) km/s in ``native_frame`` for a 1-D ``Time`` array."""

    def _position_native(self, times: Time) -> np.ndarray:
        return self._state_native(times)[0]

    @property
    def coverage(self) -> tuple[Time, Time] | None:
        """``(first, last)`` valid time for ephemeris-based orbits, ``None`` when unbounded."""
        return None

    # -- public API -----------------------------------------------------------------------------

    def position_km(self, times, frame: str = "gei") -> np.ndarray:
        """Geocentric position [km] in ``frame``: (3,) for a scalar time, ``times.shape + (3,)``."""
        frame = check_frame(frame)
        t, shape = _flat(times)
        r = self._position_native(t)
        r = transform_positions(r, t, self.native_frame, frame)
        return r.reshape(shape + (3,))

    def position(self, times, frame: str = "gse") -> np.ndarray:
        """Geocentric position [R_E] in ``frame``: (3,) for a scalar time, ``times.shape + (3,)``."""
        return self.position_km(times, frame) / R_E_KM

    def state(self, times, frame: str = "gei") -> tuple[np.ndarray, np.ndarray]:
        """Position [km] and velocity [km/s] in ``frame`` (velocity relative to that frame)."""
        frame = check_frame(frame)
        t, shape = _flat(times)
        r, v = self._state_native(t)
        r, v = transform_state(r, v, t, self.native_frame, frame)
        return r.reshape(shape + (3,)), v.reshape(shape + (3,))

    def velocity(self, times, frame: str = "gei") -> np.ndarray:
        """Velocity [km/s] in ``frame`` (in rotating frames: relative to the rotating axes)."""
        return self.state(times, frame)[1]

    def apogee_times(self, start, stop) -> Time:
        """UTC times of the apogees between ``start`` and ``stop`` (accurate to < 1 ms)."""
        return self._radial_extrema(start, stop, apogee=True)

    def perigee_times(self, start, stop) -> Time:
        """UTC times of the perigees between ``start`` and ``stop`` (accurate to < 1 ms)."""
        return self._radial_extrema(start, stop, apogee=False)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name!r} epoch={self.epoch.utc.isot}>"

    # -- internals ------------------------------------------------------------------------------

    def _radial_rate(self, t: Time) -> np.ndarray:
        # r·v = ½ d|r|²/dt is the same in every geocentric frame, so the native frame will do.
        r, v = self._state_native(t)
        return np.einsum("ni,ni->n", r, v)

    def _radial_extrema(self, start, stop, apogee: bool) -> Time:
        start, stop = as_time(start).utc, as_time(stop).utc
        if not (start.isscalar and stop.isscalar):
            raise UserInputError("start and stop must be single times")
        cov = self.coverage
        if cov is not None:
            if start < cov[0]:
                start = cov[0].utc
            if stop > cov[1]:
                stop = cov[1].utc
        span = float(seconds_since(stop, start))
        if span <= 0:
            return Time([], format="jd", scale="utc")
        step = self.period_s / _EXTREMUM_SAMPLES_PER_PERIOD
        n = max(int(np.ceil(span / step)) + 1, 3)
        s = np.linspace(0.0, span, n)
        rdot = self._radial_rate(time_from_seconds(start, s))
        if apogee:  # r·v goes from + to −
            k = np.nonzero((rdot[:-1] > 0) & (rdot[1:] <= 0))[0]
        else:  # from − to +
            k = np.nonzero((rdot[:-1] < 0) & (rdot[1:] >= 0))[0]
        lo, hi = s[k], s[k + 1]
        sign_lo = np.sign(rdot[k])
        # Vectorised bisection on every bracket at once.
        while lo.size and np.max(hi - lo) > _EXTREMUM_TOL_S:
            mid = 0.5 * (lo + hi)
            f = self._radial_rate(time_from_seconds(start, mid))
            same = np.sign(f) == sign_lo
            lo = np.where(same, mid, lo)
            hi = np.where(same, hi, mid)
        return time_from_seconds(start, 0.5 * (lo + hi))


def _flat(times) -> tuple[Time, tuple[int, ...]]:
    t = as_time(times)
    shape = t.shape
    return t.reshape(-1), shape


# ---------------------------------------------------------------------------------------------
# Factories
# ---------------------------------------------------------------------------------------------


def default_orbit():
    """The default SMILE orbit: Kepler + secular J2 from ``assets/orbits/smile_default.json``."""
    # lazy: orbit sources load on demand (tle pulls astropy.coordinates, spice needs optional spiceypy)
    from smile_viewer.mission.kepler import default_orbit as _default

    return _default()


def orbit_from_tle(path_or_lines, *, name: str | None = None):
    """A :class:`~smile_viewer.mission.tle.TLEOrbit` from a TLE file path or its 2–3 lines."""
    # lazy: orbit sources load on demand (tle pulls astropy.coordinates, spice needs optional spiceypy)
    from smile_viewer.mission.tle import orbit_from_tle as _from_tle

    return _from_tle(path_or_lines, name=name)


def read_oem(path: str | Path):
    """An :class:`~smile_viewer.mission.oem.EphemerisOrbit` from a CCSDS OEM (KVN) file."""
    # lazy: orbit sources load on demand (tle pulls astropy.coordinates, spice needs optional spiceypy)
    from smile_viewer.mission.oem import read_oem as _read

    return _read(path)


#: The command line's name for :func:`read_oem`.
orbit_from_oem = read_oem


def orbit_from_spice(kernels, target: str = "SMILE", observer: str = "EARTH", *, name: str | None = None):
    """A :class:`~smile_viewer.mission.spice.SpiceOrbit` from SPICE kernels (needs ``spiceypy``)."""
    # lazy: orbit sources load on demand (tle pulls astropy.coordinates, spice needs optional spiceypy)
    from smile_viewer.mission.spice import orbit_from_spice as _from_spice

    return _from_spice(kernels, target=target, observer=observer, name=name)


_LAZY = {
    "KeplerJ2Orbit": "smile_viewer.mission.kepler",
    "solve_kepler": "smile_viewer.mission.kepler",
    "TLEOrbit": "smile_viewer.mission.tle",
    "EphemerisOrbit": "smile_viewer.mission.oem",
    "write_oem": "smile_viewer.mission.oem",
    "SpiceOrbit": "smile_viewer.mission.spice",
}


def __getattr__(name: str):
    # Re-export the classes without importing every source module (and sgp4, spiceypy) up front.
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "FRAMES",
    "Orbit",
    "default_orbit",
    "orbit_from_tle",
    "orbit_from_oem",
    "read_oem",
    "orbit_from_spice",
    *_LAZY,
]
