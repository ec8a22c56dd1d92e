"""Simulated per-minute SXI level-3 files of a known model along an apogee arc (fit-series tests).

Each frame is ``minutes`` consecutive per-minute TOT/BKG/VCY files in the SXI team's layout
(written with astropy by ``tests/io/l3_team_files.py``, from the team's reader code). The counts
are Poisson draws of the expected counts of a Jorgensen model (n varying over the series, so the
true subsolar magnetopause moves) seen through the SXI response (vignetting, PSF, background:
:func:`smile_viewer.mission.response.compute_response`) on the team's pixel-angle grid.
"""

from __future__ import annotations

import datetime as dt
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "io"))  # the team-layout writer
from l3_team_files import PARTS, team_header, write_minute

T0 = dt.datetime(2026, 9, 12, 0, 0)


@dataclass(frozen=True)
class SimFrame:
    start: dt.datetime
    position_re: tuple
    aim_re: tuple
    n_cm3: float
    r_mp_true: float


def apogee_frames(n_frames: int, *, minutes: int = 5, gap_min: int = 10, seed: int = 0) -> list[SimFrame]:
    """Frames every ``gap_min`` minutes near apogee (r = 19 R_E, high above the ecliptic,
    aimed by the SXI pointing law), solar-wind density rising from 6 to 14 cm^-3 (true r_mp
    from about 10.3 down to 9.0 R_E)."""
    from smile_viewer.mission.pointing import sxi_pointing
    from smile_viewer.physics.emissivity import jorgensen_defaults
    from smile_viewer.physics.solar_wind import SolarWind

    rng = np.random.default_rng(seed)
    out = []
    for k in range(n_frames):
        phase = k / max(n_frames - 1, 1)
        x, y = 6.0 + 3.0 * phase, -4.0 + 8.0 * phase
        z = math.sqrt(19.0**2 - x * x - y * y)
        pos = (x, y, z)
        n = 6.0 + 8.0 * phase + rng.uniform(-0.5, 0.5)
        truth = jorgensen_defaults(SolarWind(n_cm3=n))
        out.append(
            SimFrame(
                start=T0 + dt.timedelta(minutes=gap_min * k),
                position_re=pos,
                aim_re=tuple(float(v) for v in sxi_pointing(np.array(pos)).aim_re),
                n_cm3=n,
                r_mp_true=float(truth.r_mp),
            )
        )
    return out


def write_frame_minutes(
    folder: Path, frame: SimFrame, *, minutes: int = 5, pixel_deg: float = 0.25, seed: int = 0
) -> list[Path]:
    """The per-minute files of one frame; returns their paths."""
    from smile_viewer.analysis.geometry import camera_for_observation
    from smile_viewer.compute import AnalyticSource, RenderRequest, render
    from smile_viewer.io.observed import load_observed
    from smile_viewer.mission.response import compute_response
    from smile_viewer.physics.emissivity import jorgensen_defaults
    from smile_viewer.physics.solar_wind import SolarWind

    folder = Path(folder)
    header = {"pos": frame.position_re, "aim": frame.aim_re, "pixel": (pixel_deg, pixel_deg)}
    geom = folder / f".geometry_{frame.start:%H%M}.fits"
    h = team_header(frame.start, **header)
    ny, nx = round(27.0 / pixel_deg), round(16.0 / pixel_deg)
    fits.PrimaryHDU(np.zeros((ny, nx)), header=h).writeto(geom)
    cam = camera_for_observation(load_observed(geom))
    geom.unlink()
    truth = jorgensen_defaults(SolarWind(n_cm3=frame.n_cm3))
    image = render(RenderRequest(cam, AnalyticSource(truth), backend="cpu")).image
    resp = compute_response(image, cam, "sxi", exposure_s=60.0)
    rng = np.random.default_rng(seed)
    bkg = np.asarray(resp.background, dtype=float)
    parts = {k: bkg * w for k, w in zip(PARTS, (0.4, 0.1, 0.3, 0.0, 0.2))}
    vig = np.clip(np.asarray(resp.vignetting, dtype=float), 0.0, 1.0)
    paths: list[Path] = []
    for m in range(minutes):
        cts = rng.poisson(np.asarray(resp.expected, dtype=float))
        written = write_minute(folder, frame.start + dt.timedelta(minutes=m), cts, parts, vig, **header)
        paths.extend(written.values())
    return paths


def write_series(
    folder: Path, n_frames: int, *, minutes: int = 5, pixel_deg: float = 0.25, seed: int = 0
) -> list[SimFrame]:
    frames = apogee_frames(n_frames, minutes=minutes, seed=seed)
    for k, fr in enumerate(frames):
        write_frame_minutes(folder, fr, minutes=minutes, pixel_deg=pixel_deg, seed=seed * 1000 + k)
    return frames
