"""The fit's start from the image (analysis.fit_start): the scan grid and its minima, the
reproducer of a default-start CMEM fit that used to end on the wrong minimum, and (slow) a grid
of solar winds fitted from the default start: recovered within 0.3 R_E or flagged unreliable."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from astropy.time import Time

from smile_viewer.analysis.fit_start import SCAN_STEP_RE, distinct_minima, scan_grid
from smile_viewer.analysis.fitting import fit_observation
from smile_viewer.compute import AnalyticSource, RenderRequest, render
from smile_viewer.coords import dipole_tilt
from smile_viewer.errors import UserInputError
from smile_viewer.io.observed import observed_from_arrays
from smile_viewer.io.products import camera_wcs
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import aim_pointing
from smile_viewer.mission.response import compute_response
from smile_viewer.physics.emissivity import cmem_defaults, model_from_name
from smile_viewer.physics.models import emissivity_model
from smile_viewer.physics.solar_wind import SolarWind

T = Time("2026-05-21T01:00:00")
POS = np.array([6.57, -5.94, 17.33])  # R_E GSE, aimed at (9.5, 0, 0)
AIM = np.array([9.5, 0.0, 0.0])
SXI = load_instrument("sxi")
TILT = float(dipole_tilt(T))


def _observation(truth, *, seed: int, exposure_s: float = 3000.0):
    """A 100 x 50-pixel SXI image of ``truth`` with Poisson noise (the field of the default grid)."""
    pt = aim_pointing(POS, AIM)
    cam = SXI.camera(POS, pt.rotation, shape=(50, 100))
    frame = emissivity_model(truth.name).frame
    src = AnalyticSource(truth, frame=frame, time=T) if frame != "gse" else AnalyticSource(truth)
    image = render(RenderRequest(cam, src, backend="cpu")).image
    resp = compute_response(image, cam, SXI, exposure_s=exposure_s, seed=seed)
    obs = observed_from_arrays(
        image,
        wcs=camera_wcs(cam, T),
        time_start=T,
        exposure_s=resp.exposure_s,
        position_re=POS,
        aim_re=pt.aim_re,
        instrument="sxi",
        units="keV cm^-2 s^-1 sr^-1",
        maps={"CTSMAP": resp.counts, "BKGMAP": resp.background, "VIGMAP": resp.vignetting},
    )
    return obs, float(resp.counts.sum())


def test_scan_grid_steps_the_subsolar_distance():
    # Jorgensen: r_mp is the subsolar distance itself
    vals, subs = scan_grid(lambda v: v, (5.0, 25.0), 10.6)
    assert subs[0] == pytest.approx(5.5) and subs[-1] == pytest.approx(16.0)
    np.testing.assert_allclose(np.diff(subs), SCAN_STEP_RE, atol=1e-9)
    np.testing.assert_allclose(vals, subs)
    # the bounds cut the range
    vals, subs = scan_grid(lambda v: v, (10.0, 25.0), 10.6)
    assert subs.min() == pytest.approx(10.0)
    # CMEM p0: the standoff p0 r0 + p2 Q0 is linear in p0
    start = cmem_defaults(SolarWind(), tilt_rad=TILT)
    vals, subs = scan_grid(lambda p: start.replace(p0=p).magnetopause_standoff_re, (0.3, 3.0), 1.0)
    np.testing.assert_allclose(np.diff(subs), SCAN_STEP_RE, atol=1e-6)
    # the Lin et al. (2010) pressure (the standoff falls as it grows), sampled geometrically
    vals, subs = scan_grid(
        lambda p: start.replace(pd_npa=p).magnetopause_standoff_re, (0.05, 50.0), 1.6, log=True
    )
    most = start.replace(pd_npa=50.0).magnetopause_standoff_re  # 5.87 R_E at the upper bound
    assert np.all(np.diff(vals) < 0) and vals[0] == pytest.approx(50.0) and subs[0] == pytest.approx(most)
    np.testing.assert_allclose(np.diff(subs), SCAN_STEP_RE, atol=2e-3)

    # values whose model cannot be built are left out
    def partial(v):
        if v > 12:
            raise UserInputError("no model")
        return v

    assert scan_grid(partial, (5.0, 25.0), 10.0)[1].max() <= 12.0


def test_distinct_minima():
    c = [9.0, 3.0, 3.5, 3.2, 8.0, 1.0, 1.4, 0.0, 5.0]
    # 0.0 (index 7) is best; 1.0 (5) is separated from it by only 1.4 - 1.0 = 0.4: not distinct;
    # 3.0 (1) lies behind a rise to 8.0; 3.2 (3) behind only 3.5 from 3.0
    assert distinct_minima(c) == [7, 1]
    assert distinct_minima(c, barrier=0.3) == [7, 5, 1]
    assert distinct_minima([2.0, 1.0, 0.0]) == [2]
    assert distinct_minima([]) == []


@pytest.fixture(scope="module")
def dense_wind_cmem():
    """The reproducer: CMEM for n = 20 cm^-3, v = 400 km/s (standoff 8.75 R_E), 3,000 s."""
    truth = cmem_defaults(SolarWind(n_cm3=20.0), tilt_rad=TILT)
    obs, counts = _observation(truth, seed=1)
    return obs, truth.magnetopause_standoff_re, counts


def test_default_start_cmem_fit_finds_the_magnetopause(dense_wind_cmem):
    obs, true_r, counts = dense_wind_cmem
    assert true_r == pytest.approx(8.75, abs=0.01) and 1.1e5 < counts < 1.45e5
    res = fit_observation(obs, "cmem")  # start: the defaults for n = 5 cm^-3 (standoff ~11.4 R_E)
    assert res.start_parameters["p0"] == 1.0
    assert abs(res.subsolar_re - true_r) < 0.3
    assert res.reliable and res.flags == []
    scan = res.start_scan
    # both profiles: p0 with the start's Lin shape, and the start's pressure (shape and size)
    assert scan.parameter == "p0|pd_npa" and abs(scan.subsolar_re[scan.best] - true_r) <= SCAN_STEP_RE
    # the image prefers the pressure of its own solar wind (n = 20: 2e-6 n v² = 6.4 nPa)
    assert scan.parameter_at(scan.best) == "pd_npa" and 4.5 < res.model.pd_npa < 8.5
    assert res.parameters["p0"] == pytest.approx(1.0, abs=0.05)
    assert res.subsolar_err_re < 0.1


def test_local_start_alone_is_trapped_and_says_so(dense_wind_cmem):
    """Without the scan the optimiser slides from 11.4 R_E onto the plateau of a magnetopause
    beyond the field — the old behaviour; the flags now say the value is not to be used."""
    obs, true_r, _ = dense_wind_cmem
    res = fit_observation(obs, "cmem", scan=False, errors="none")
    assert res.subsolar_re - true_r > 6.0
    assert res.start_scan is None
    assert res.subsolar_re > 15.0
    assert not res.reliable
    assert {"outside_field", "poor_fit"} <= set(res.quality.codes())
    assert "UNRELIABLE" in res.summary_line()


def _models():
    out = ["jorgensen", "cmem"]
    try:  # CMEM2 joins the grid once the registry builds it and the fit accepts it
        model_from_name("cmem2", SolarWind())
        if emissivity_model("cmem2").fittable:
            out.append("cmem2")
    except UserInputError:
        pass
    return out


def _truth(model: str, n: float, bz: float):
    """The model for (n, Bz), its emission amplitudes scaled by n / 5 cm^-3 (SWCX ∝ n_sw)."""
    entry = emissivity_model(model)
    sw = SolarWind(n_cm3=n, b_gsm_nt=(0.0, 0.0, bz))
    m = model_from_name(model, sw, tilt_rad=TILT if entry.needs_tilt else 0.0)
    m = m.replace(**{a: getattr(m, a) * n / 5.0 for a in entry.amplitudes})
    return m, float(entry.standoff_re(m))


@pytest.mark.slow
def test_default_start_recovers_the_magnetopause_over_solar_winds():
    """n = 2–30 cm^-3, Bz −10…+5 nT (the corners), each model fitted from its default start
    (n = 5, Bz = 0): the subsolar magnetopause within 0.3 R_E, or the result flagged unreliable or
    imprecise (its error, which then covers the miss, above 0.15 R_E)."""
    rows = []
    t0 = time.perf_counter()
    for model in _models():
        for k, (n, bz) in enumerate([(2.0, 5.0), (2.0, -10.0), (30.0, 5.0), (30.0, -10.0)]):
            truth, true_r = _truth(model, n, bz)
            obs, _ = _observation(truth, seed=10 + k)
            res = fit_observation(obs, model)
            delta = res.subsolar_re - true_r
            rows.append(
                (
                    model,
                    n,
                    bz,
                    true_r,
                    res.subsolar_re,
                    res.subsolar_err_re,
                    res.reliable,
                    res.quality.codes(),
                )
            )
            print(
                f"{model:9s} n={n:4.1f} Bz={bz:+5.1f} true {true_r:6.2f} fit {res.subsolar_re:6.2f} "
                f"± {res.subsolar_err_re:.3f} Δ {delta:+.2f} flags {res.quality.codes()}"
            )
            codes = res.quality.codes()
            # recovered; or said plainly: unreliable, or imprecise (error > 0.15 R_E) with the miss within 3 sigma
            assert (
                abs(delta) <= 0.3
                or not res.reliable
                or ("imprecise" in codes and abs(delta) <= 3 * res.subsolar_err_re)
            ), rows[-1]
    print(f"{len(rows)} fits in {time.perf_counter() - t0:.1f} s")
    # not by flagging everything: most cases are recovered and trusted
    good = [r for r in rows if abs(r[4] - r[3]) <= 0.3 and r[6]]
    assert len(good) >= math.ceil(0.7 * len(rows))
