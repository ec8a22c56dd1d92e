"""CMEM2 is fitted like every registered model: through the registry's entry, nothing else."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import Time

from smile_viewer.analysis.fitting import fit_observation, start_model
from smile_viewer.compute import AnalyticSource, RenderRequest, render
from smile_viewer.io.observed import observed_from_arrays
from smile_viewer.io.products import camera_wcs
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import aim_pointing
from smile_viewer.mission.response import compute_response
from smile_viewer.physics.cmem2 import cmem2_defaults
from smile_viewer.physics.solar_wind import SolarWind

T = Time("2026-05-21T01:00:00")
POS = np.array([6.57, -5.94, 17.33])
AIM = (9.5, 0.0, 0.0)


@pytest.mark.slow
def test_cmem2_noiseless_fit_recovers_the_subsolar_magnetopause():
    """A noiseless CMEM2 image made for n = 12 cm^-3 (not the default start's 5), fitted with the
    default start: the subsolar magnetopause r_mp0 comes back to 0.1 R_E."""
    sxi = load_instrument("sxi")
    truth = cmem2_defaults(SolarWind.from_speed(n_cm3=12.0, v_km_s=400.0))
    pt = aim_pointing(POS, AIM)
    cam = sxi.camera(POS, pt.rotation, shape=(40, 68))
    image = render(RenderRequest(cam, AnalyticSource(truth), backend="cpu")).image
    resp = compute_response(image, cam, sxi, exposure_s=3000.0, seed=0)
    obs = observed_from_arrays(
        image,
        wcs=camera_wcs(cam, T),
        time_start=T,
        exposure_s=resp.exposure_s,
        position_re=POS,
        aim_re=np.array(AIM),
        instrument="sxi",
        units="keV cm^-2 s^-1 sr^-1",
        maps={"CTSMAP": resp.expected, "BKGMAP": resp.background, "VIGMAP": resp.vignetting},
    )
    start = start_model("cmem2", obs)
    assert (
        start.name == "cmem2" and abs(start.magnetopause_standoff_re - truth.magnetopause_standoff_re) > 1.0
    )
    res = fit_observation(obs, "cmem2", errors="none", max_evals=250)
    assert res.model_name == "cmem2" and res.free == ("p0", "norm")
    assert res.subsolar_re == pytest.approx(truth.magnetopause_standoff_re, abs=0.1)
