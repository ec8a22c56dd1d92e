"""Export an orbit's ephemeris to a file: CSV (Earth radii) or CCSDS OEM (km, km/s).

The format follows the extension of the output path:

- ``.csv``: comment lines (``# ...``) giving the frame, the units (R_E, 1 R_E = 6371 km), the
  time scale and the source orbit, then ``time_utc,x_re,y_re,z_re`` and one row per epoch
  (ISO 8601 UTC to the millisecond; coordinates to 1e-9 R_E, 6 µm).
- ``.oem``: a CCSDS OEM 2.0 in KVN (see :mod:`smile_viewer.mission.oem`), positions in km and
  velocities in km/s **in the target frame**: for rotating frames (GEO, GSE, GSM, SM) the
  velocity is the one seen in that frame, ``v = R v_gei + (dR/dt) r_gei``, with ``dR/dt`` from a
  ±1 s central difference of the frame rotation (``Orbit.state``) — the same velocity a finite
  difference of the exported positions gives, so the file's Hermite interpolation is consistent.

Files are written atomically: to a temporary file in the same directory, then renamed over the
target, so a failure leaves no partial file (and an existing file untouched).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.time import Time

from smile_viewer.constants import R_E_KM
from smile_viewer.errors import UserInputError
from smile_viewer.io.atomic import atomic_write_text, check_output_path
from smile_viewer.mission.oem import write_oem
from smile_viewer.mission.orbit import Orbit, as_time, check_frame

#: Output formats by file extension.
FORMATS = {".csv": "csv", ".oem": "oem"}

_FRAME_TITLES = {
    "gei": "GEI (geocentric equatorial inertial, J2000/GCRS)",
    "geo": "GEO (geographic, Earth-fixed)",
    "gse": "GSE (geocentric solar ecliptic)",
    "gsm": "GSM (geocentric solar magnetospheric)",
    "sm": "SM (solar magnetic)",
}


def _csv_text(orbit: Orbit, times: Time, frame: str) -> str:
    xyz = np.asarray(orbit.position(times, frame), dtype=float).reshape(-1, 3)
    t = times.utc.copy()
    t.precision = 3
    stamps = np.atleast_1d(t.isot)
    now = Time.now().utc
    now.precision = 0
    head = [
        "# smile-viewer ephemeris",
        f"# frame: {_FRAME_TITLES[frame]}",
        f"# units: R_E (1 R_E = {R_E_KM:g} km); time: UTC",
        f"# source: {orbit.name}: {orbit.description}".rstrip(": "),
        f"# created: {now.isot}Z, {len(stamps)} epochs",
        "time_utc,x_re,y_re,z_re",
    ]
    rows = [f"{s},{x:.9f},{y:.9f},{z:.9f}" for s, (x, y, z) in zip(stamps, xyz)]
    return "\n".join(head + rows) + "\n"


def export_ephemeris(orbit: Orbit, times, frame: str, out_path) -> Path:
    """Write ``orbit`` at ``times`` in ``frame`` to ``out_path`` (.csv or .oem); returns the path.

    Raises ``UserInputError`` for an unknown extension or frame, a missing output directory,
    or times outside an ephemeris' coverage.
    """
    path = Path(out_path).expanduser()
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise UserInputError(
            f"cannot tell the format of {str(out_path)!r} from its extension; "
            "use .csv (R_E) or .oem (CCSDS OEM, km)"
        )
    frame = check_frame(frame)
    path = check_output_path(path)
    t = as_time(times).reshape(-1)
    if len(t) == 0:
        raise UserInputError("no epochs to export")
    if fmt == "csv":
        return atomic_write_text(path, _csv_text(orbit, t, frame))

    if len(t) > 1 and np.any(np.diff((t.tai.jd1 - t.tai.jd1[0]) + (t.tai.jd2 - t.tai.jd2[0])) <= 0):
        raise UserInputError("OEM epochs must be strictly increasing")
    r_km, v_km_s = orbit.state(t, frame)
    comments = [f"source: {orbit.description or orbit.name}"]
    if frame != "gei":
        comments.append(
            f"velocities are relative to the rotating {frame.upper()} axes: v = R v_gei + dR/dt r_gei"
        )
    return write_oem(path, t, r_km, v_km_s, frame=frame, object_name=orbit.name or "SMILE", comments=comments)
