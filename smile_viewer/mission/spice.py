"""SMILE's orbit from SPICE kernels (``spiceypy``, the optional ``spice`` extra).

:func:`orbit_from_spice` loads the given kernels (SPK, and usually an LSK, a meta-kernel, a
text kernel naming the spacecraft) into SPICE's kernel pool and returns a :class:`SpiceOrbit`
that asks SPICE for geometric states (``spkezr``, no aberration correction) of ``target``
relative to ``observer`` in ``J2000`` — smile-viewer's ``"gei"``. SPICE's kernel pool is global:
:meth:`SpiceOrbit.close` (or ``with``) unloads what this orbit loaded.

Times: SPICE's ephemeris time ET is TDB seconds past J2000. With a leapseconds kernel loaded,
UTC → ET uses SPICE's own ``DELTET`` model (TT = TAI + 32.184 s; TDB − TT = K sin E,
E = M + EB sin M, M = M0 + M1·t) on astropy's TAI — it agrees with ``str2et`` to ~1e-9 s;
without one it uses astropy's TDB, which differs from SPICE's by up to ~30 µs (1 m at 10 km/s).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from astropy.time import Time

from smile_viewer.constants import MU_EARTH_KM3_S2
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.checked_file import checked_path
from smile_viewer.mission.orbit import Orbit

_J2000_JD = 2451545.0


def _spiceypy():
    try:
        import spiceypy  # lazy: optional dependency (smile-viewer[spice])
    except ImportError:
        raise UserInputError(
            "reading SPICE kernels needs spiceypy: pip install 'smile-viewer[spice]'"
        ) from None
    return spiceypy


def _deltet(sp):
    """(K, EB, M0, M1) from the loaded leapseconds kernel, or None without one."""
    if not (sp.expool("DELTET/K") and sp.expool("DELTET/EB") and sp.expool("DELTET/M")):
        return None
    k = float(sp.gdpool("DELTET/K", 0, 1)[0])
    eb = float(sp.gdpool("DELTET/EB", 0, 1)[0])
    m0, m1 = (float(x) for x in sp.gdpool("DELTET/M", 0, 2))
    return k, eb, m0, m1


def et_from_time(times: Time) -> np.ndarray:
    """SPICE ephemeris time [s past J2000 TDB] of ``times`` (see the module docstring)."""
    sp = _spiceypy()
    t = Time(times)
    deltet = _deltet(sp)
    if deltet is None:
        tdb = t.tdb
        return (tdb.jd1 - _J2000_JD) * 86400.0 + tdb.jd2 * 86400.0
    k, eb, m0, m1 = deltet
    tt = t.tt
    tt_s = (tt.jd1 - _J2000_JD) * 86400.0 + tt.jd2 * 86400.0
    m = m0 + m1 * tt_s
    return tt_s + k * np.sin(m + eb * np.sin(m))


def time_from_et(et) -> Time:
    """Inverse of :func:`et_from_time` (UTC ``Time``)."""
    sp = _spiceypy()
    et = np.asarray(et, dtype=float)
    deltet = _deltet(sp)
    if deltet is None:
        return Time(_J2000_JD, et / 86400.0, format="jd", scale="tdb").utc
    k, eb, m0, m1 = deltet
    tt_s = et.copy()
    for _ in range(3):
        m = m0 + m1 * tt_s
        tt_s = et - k * np.sin(m + eb * np.sin(m))
    return Time(_J2000_JD, tt_s / 86400.0, format="jd", scale="tt").utc


def _body_id(sp, name: str, what: str) -> int:
    try:
        return int(str(name).strip())
    except ValueError:
        pass
    try:
        code = sp.bodn2c(str(name))
    except Exception:  # spiceypy raises NotFoundError (or returns found=False in old modes)
        code = None
    if isinstance(code, tuple):
        code = code[0] if code[1] else None
    if code is None:
        raise UserInputError(
            f"SPICE does not know the {what} {name!r}: load a kernel that defines its NAIF ID "
            "(NAIF_BODY_NAME/NAIF_BODY_CODE) or give the numeric NAIF ID"
        )
    return int(code)


class SpiceOrbit(Orbit):
    """States of ``target`` relative to ``observer`` from loaded SPICE kernels, in ``"gei"``."""

    native_frame = "gei"

    def __init__(self, kernels, target: str = "SMILE", observer: str = "EARTH", *, name: str | None = None):
        sp = _spiceypy()
        if isinstance(kernels, (str, Path)):
            kernels = [kernels]
        paths = [Path(k) for k in kernels]
        self._loaded: list[str] = []
        for p in paths:
            try:  # a regular file within the kernel size limit (io.checked_file)
                checked_path(p, "spice")
            except DataFileError as exc:
                self.close()
                if exc.problem == "no such file":
                    raise DataFileError(p, "no such SPICE kernel file") from None
                raise
            try:
                sp.furnsh(str(p))
            except Exception as exc:  # SpiceyError
                self.close()
                raise DataFileError(p, f"SPICE cannot load this kernel: {_short(exc)}") from None
            self._loaded.append(str(p))
        try:
            self.target_id = _body_id(sp, target, "target")
            self.observer_id = _body_id(sp, observer, "observer")
            self._et_cov = self._coverage_et(sp)
        except BaseException:
            self.close()
            raise
        self.target, self.observer = str(target), str(observer)
        self.kernels = [str(p) for p in paths]
        self.name = name or str(target)
        self.description = (
            f"SPICE {self.target} ({self.target_id}) relative to {self.observer} in J2000, kernels "
            + ", ".join(p.name for p in paths)
        )
        self._period: float | None = None

    def _coverage_et(self, sp) -> tuple[float, float]:
        cover = sp.cell_double(20000)
        for i in range(sp.ktotal("SPK")):
            info = sp.kdata(i, "SPK")
            sp.spkcov(info[0], self.target_id, cover)
        n = sp.wncard(cover)
        if n == 0:
            raise UserInputError(f"the loaded SPK files hold no data for NAIF ID {self.target_id}")
        first = sp.wnfetd(cover, 0)[0]
        last = sp.wnfetd(cover, n - 1)[1]
        return float(first), float(last)

    def close(self) -> None:
        """Unload the kernels this orbit loaded (idempotent)."""
        if not self._loaded:
            return
        sp = _spiceypy()
        for k in self._loaded:
            try:
                sp.unload(k)
            except Exception:  # pragma: no cover - unloading a kernel SPICE no longer holds
                pass
        self._loaded = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    @property
    def epoch(self) -> Time:
        return time_from_et(self._et_cov[0])

    @property
    def coverage(self) -> tuple[Time, Time]:
        return time_from_et(self._et_cov[0]), time_from_et(self._et_cov[1])

    @property
    def period_s(self) -> float:
        """Two-body estimate (vis-viva) from the state at the middle of the coverage."""
        if self._period is None:
            sp = _spiceypy()
            et = 0.5 * (self._et_cov[0] + self._et_cov[1])
            state = np.asarray(sp.spkezr(str(self.target_id), et, "J2000", "NONE", str(self.observer_id))[0])
            r, v = np.linalg.norm(state[:3]), np.linalg.norm(state[3:])
            inv_a = 2.0 / r - v * v / MU_EARTH_KM3_S2
            if inv_a <= 0:
                raise UserInputError(f"{self.name}: the SPICE state is not on a bound orbit")
            self._period = float(2 * np.pi * np.sqrt(inv_a**-3 / MU_EARTH_KM3_S2))
        return self._period

    def _state_native(self, times: Time) -> tuple[np.ndarray, np.ndarray]:
        sp = _spiceypy()
        if not self._loaded:
            raise UserInputError(f"the SPICE orbit {self.name!r} has been closed")
        et = et_from_time(times)
        lo, hi = self._et_cov
        tol = 1e-6
        bad = (et < lo - tol) | (et > hi + tol)
        if np.any(bad):
            t = Time(times[np.nonzero(bad)[0][0]]).utc
            c0, c1 = self.coverage
            raise UserInputError(
                f"{t.isot} is outside the SPICE coverage of {self.name} ({c0.isot} to {c1.isot} UTC)"
            )
        et = np.clip(et, lo, hi)
        try:
            states, _ = sp.spkezr(str(self.target_id), et, "J2000", "NONE", str(self.observer_id))
        except Exception as exc:  # SpiceyError: a gap in coverage, a missing frame, ...
            raise UserInputError(f"SPICE cannot give the state of {self.name}: {_short(exc)}") from None
        states = np.asarray(states, dtype=float).reshape(-1, 6)
        return states[:, :3], states[:, 3:]


def _short(exc: Exception) -> str:
    """The first informative line of a SpiceyError."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip() and not ln.strip().startswith("=")]
    for ln in lines:
        if ln.startswith("SPICE(") or "SPICE(" in ln:
            return " ".join(lines[lines.index(ln) : lines.index(ln) + 3])[:300]
    return (lines[0] if lines else type(exc).__name__)[:300]


def orbit_from_spice(
    kernels: str | Path | Iterable[str | Path],
    target: str = "SMILE",
    observer: str = "EARTH",
    *,
    name: str | None = None,
) -> SpiceOrbit:
    """Load ``kernels`` and return the orbit of ``target`` about ``observer`` (frame J2000 → gei)."""
    return SpiceOrbit(kernels, target=target, observer=observer, name=name)
