"""Fit quality: the C-stat expectation (Kaastra 2017) against hand sums and Poisson draws, and
each flag of a poor or degenerate fit on an image made to show it, with the widened error."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from astropy.time import Time

from smile_viewer.analysis.fit_quality import (
    Z_POOR,
    assess_fit,
    cstat_expectation,
    cstat_test,
)
from smile_viewer.analysis.fit_start import StartScan
from smile_viewer.analysis.fitting import fit_observation
from smile_viewer.analysis.statistics import cstat
from smile_viewer.compute import AnalyticSource, RenderRequest, render
from smile_viewer.io.observed import observed_from_arrays
from smile_viewer.io.products import camera_wcs
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import aim_pointing, sxi_pointing
from smile_viewer.mission.response import compute_response
from smile_viewer.physics.emissivity import jorgensen_defaults
from smile_viewer.physics.solar_wind import SolarWind

T = Time("2026-05-21T01:00:00")
POS = np.array([6.0, -6.0, 18.0])
SXI = load_instrument("sxi")
START = jorgensen_defaults(SolarWind())  # n = 5: r_mp 10.62
TRUTH = START.replace(r_mp=9.6, r_bs=12.6, A1=START.A1 * 2, A2=START.A2 * 2, B=START.B * 2)


def _hand_moments(mu: float) -> tuple[float, float]:
    """E and Var of 2 (mu - k + k ln(k/mu)), k ~ Poisson(mu), by a plain loop."""
    e1 = e2 = 0.0
    for k in range(int(mu + 40 * math.sqrt(mu) + 60)):
        p = math.exp(-mu + k * math.log(mu) - math.lgamma(k + 1))
        c = 2.0 * (mu - k + (k * math.log(k / mu) if k else 0.0))
        e1 += p * c
        e2 += p * c * c
    return e1, e2 - e1 * e1


def test_cstat_expectation_against_hand_sums_and_kaastra():
    mus = [0.01, 0.3, 1.0, 2.5, 7.0, 20.0, 49.0]
    ce, cv = cstat_expectation(mus)
    for m, e, v in zip(mus, ce, cv):
        he, hv = _hand_moments(m)
        assert e == pytest.approx(he, rel=1e-9) and v == pytest.approx(hv, rel=1e-9)
    # above 50 Kaastra's approximations: they meet the exact sums there and tend to chi2's (1, 2)
    (e50,), (v50,) = cstat_expectation([50.001])
    he, hv = _hand_moments(50.001)
    assert abs(e50 - he) < 2e-4 and abs(v50 - hv) < 2e-3
    (e_big,), (v_big,) = cstat_expectation([1e6])
    assert e_big == pytest.approx(1.0, abs=1e-6) and v_big == pytest.approx(2.0, abs=1e-5)
    # known values (Kaastra 2017, Fig. 1): C_e peaks near 1.15 at mu ~ 1 and is ~ 0.4 at mu = 0.1
    (e1,), _ = cstat_expectation([1.0])
    assert 1.13 < e1 < 1.16
    # no counts expected: no contribution
    ce0, cv0 = cstat_expectation(np.array([0.0, -1.0, np.nan]))
    assert not ce0.any() and not cv0.any()


def test_cstat_test_on_poisson_draws():
    """The z of true-model C-stats is ~ N(0, 1): mean and spread over 300 draws of 2,000 bins."""
    rng = np.random.default_rng(7)
    mu = np.concatenate([np.full(500, 0.2), np.full(500, 2.0), np.full(500, 15.0), np.full(500, 300.0)])
    mask = np.ones(mu.size, dtype=bool)
    t = cstat_test(0.0, mu, mask, 0)
    zs = np.array([(cstat(rng.poisson(mu), mu) - t.expected) / t.sigma for _ in range(300)])
    assert abs(zs.mean()) < 4 / math.sqrt(300)
    assert 0.85 < zs.std() < 1.15
    # a fitted model with p free parameters: the expectation is lower by p
    t0, t3 = cstat_test(2000.0, mu, mask, 0), cstat_test(2000.0, mu, mask, 3)
    assert t0.expected - t3.expected == pytest.approx(3.0) and t3.per_dof == pytest.approx(2000.0 / 1997)


# ---------------------------------------------------------------------------- flags on images


def _observation(truth, *, aim=None, exposure_s=3000.0, seed=3, noise=True, extra=None, signal=True):
    pt = aim_pointing(POS, np.asarray(aim, dtype=float)) if aim is not None else sxi_pointing(POS)
    cam = SXI.camera(POS, pt.rotation, shape=(31, 53))
    image = render(RenderRequest(cam, AnalyticSource(truth), backend="cpu")).image
    if not signal:
        image = np.zeros_like(image)
    resp = compute_response(image, cam, SXI, exposure_s=exposure_s, seed=seed)
    mean = resp.expected + (extra if extra is not None else 0.0)
    counts = np.random.default_rng(seed).poisson(mean).astype(float) if noise else mean
    return observed_from_arrays(
        image,
        wcs=camera_wcs(cam, T),
        time_start=T,
        exposure_s=resp.exposure_s,
        position_re=POS,
        aim_re=pt.aim_re,
        instrument="sxi",
        units="keV cm^-2 s^-1 sr^-1",
        maps={"CTSMAP": counts, "BKGMAP": resp.background, "VIGMAP": resp.vignetting},
    )


def test_good_fit_has_no_flags():
    res = fit_observation(_observation(TRUTH), "jorgensen")
    assert res.flags == [] and res.reliable
    assert abs(res.subsolar_re - TRUTH.r_mp) < 0.1
    q = res.quality
    assert abs(q.cstat.z) < Z_POOR and q.error_scale == 1.0
    assert res.subsolar_err_re == q.subsolar_err_stat_re  # nothing widened
    assert q.seen_theta_deg < 60.0 and res.summary_line().endswith("s)")


def test_poor_fit_is_flagged_and_its_errors_scaled(tmp_path):
    """A bright patch the model cannot make: C-stat z > 3, every error times sqrt(C / E[C])."""
    extra = np.zeros((31, 53))
    extra[2:8, 40:50] = 60.0
    res = fit_observation(_observation(TRUTH, extra=extra), "jorgensen")
    q = res.quality
    assert "poor_fit" in q.codes() and res.reliable  # a warning: the value stands, with a wider error
    s = math.sqrt(q.cstat.value / q.cstat.expected)
    assert q.cstat.z > Z_POOR and q.error_scale == pytest.approx(s) and s > 1.05
    assert res.subsolar_err_re >= s * q.subsolar_err_stat_re * (1 - 1e-12)
    assert res.errors["r_mp"] == pytest.approx(math.sqrt(res.covariance[0, 0]))
    assert "flagged: poor_fit" in res.summary_line()
    data = json.loads(res.to_json(tmp_path / "fit.json").read_text())
    assert data["quality"]["flags"][0]["code"] == "poor_fit" and data["quality"]["reliable"] is True
    assert data["quality"]["error_scale"] == pytest.approx(s)
    assert data["subsolar_magnetopause_err_re"] == pytest.approx(res.subsolar_err_re)


def test_noise_free_counts_are_flagged_low():
    res = fit_observation(_observation(TRUTH, noise=False), "jorgensen", errors="none")
    assert res.quality.codes() == ["cstat_low"] and res.reliable
    assert res.quality.cstat.z < -Z_POOR


def test_parameter_at_its_bound_is_unreliable(tmp_path):
    res = fit_observation(_observation(TRUTH), "jorgensen", bounds={"r_mp": (10.0, 25.0)})
    assert res.parameters["r_mp"] == pytest.approx(10.0, abs=1e-3)
    assert "at_bound" in res.quality.codes() and not res.reliable
    assert min(res.start_scan.subsolar_re) >= 10.0  # the scan stays inside the bounds
    assert "UNRELIABLE: " in res.summary_line() and "at_bound" in res.summary_line()
    data = json.loads(res.to_json(tmp_path / "fit.json").read_text())
    assert data["quality"]["reliable"] is False
    assert any(f["code"] == "at_bound" and f["severity"] == "unreliable" for f in data["quality"]["flags"])


def test_magnetopause_outside_the_field_is_flagged():
    """Looking at the dawn flank far down the tail: the subsolar point is not in the image."""
    res = fit_observation(_observation(TRUTH, aim=(-12.0, -14.0, 0.0)), "jorgensen", errors="none")
    q = res.quality
    assert "outside_field" in q.codes() and not res.reliable
    assert q.subsolar_in_field is False and q.subsolar_offset_deg > 5.0
    assert not q.seen_theta_deg <= 60.0  # NaN (no bin sees the magnetopause) or far from the nose


def test_image_without_magnetosheath_is_flat():
    """Background only: no magnetopause position is better than another."""
    res = fit_observation(_observation(TRUTH, signal=False), "jorgensen")
    q = res.quality
    assert "flat_profile" in q.codes() and not res.reliable
    assert res.start_scan.delta_c_range < 4.0
    # the error covers the scanned positions the data cannot exclude: several R_E, not a small number
    assert res.subsolar_err_re > 3.0


class _Scan:
    def __init__(self, subs, costs):
        self.subsolar_re = np.asarray(subs, dtype=float)
        self.costs = np.asarray(costs, dtype=float)
        self.delta_c_range = float(np.ptp(self.costs))


def test_error_widening_rules():
    """By hand: a scan with two positions within ΔC = 1 and a second minimum at ΔC = 0.5."""
    mu = np.full(400, 50.0)
    mask = np.ones(400, dtype=bool)
    common = {
        "expected_counts": mu,
        "mask": mask,
        "free": ("r_mp", "norm"),
        "best": {"r_mp": 9.0, "norm": 1.0},
        "bounds": {"r_mp": (5.0, 25.0), "norm": (1e-3, 1e3)},
        "scales": (0.5, 0.2),
        "subsolar_re": 9.0,
        "subsolar_err_re": 0.05,
        "size_param": "r_mp",
    }
    e = float(cstat_expectation(mu)[0].sum()) - 2
    # a good fit, a sharp scan: nothing changes
    q = assess_fit(cstat_value=e, scan=_Scan([8.0, 8.5, 9.0, 9.5], [50, 20, 0, 30]), **common)
    assert q.flags == [] and q.subsolar_err_re == 0.05
    # a broad scan: positions 8.5 and 9.5 lie within ΔC <= 1, so the error reaches them
    q = assess_fit(cstat_value=e, scan=_Scan([8.0, 8.5, 9.0, 9.5, 10.0], [50, 0.6, 0, 0.9, 30]), **common)
    assert q.subsolar_err_re == pytest.approx(0.5) and q.codes() == ["imprecise"]  # > 0.15 R_E
    # a second local fit 2 R_E away at ΔC = 0.5: flagged unreliable, and the error covers it
    q = assess_fit(cstat_value=e, other_minima=[(11.0, 0.5)], **common)
    assert q.codes() == ["multiple_minima", "imprecise"] and not q.reliable
    assert q.subsolar_err_re == pytest.approx(2.0)
    # ... at ΔC = 3: a warning, the error unchanged; at ΔC = 10 nothing
    q = assess_fit(cstat_value=e, other_minima=[(11.0, 3.0)], **common)
    assert q.codes() == ["multiple_minima"] and q.reliable and q.subsolar_err_re == 0.05
    assert assess_fit(cstat_value=e, other_minima=[(11.0, 10.0)], **common).flags == []
    # a poor fit (C = 1.44 E): errors x 1.2 and the scan's ΔC threshold becomes S² = 1.44
    sig = math.sqrt(float(cstat_expectation(mu)[1].sum()))
    assert 0.44 * e / sig > Z_POOR
    q = assess_fit(cstat_value=1.44 * e, scan=_Scan([8.5, 9.0, 9.5, 10.0], [1.3, 0, 1.6, 30]), **common)
    assert q.codes() == ["poor_fit", "imprecise"] and q.error_scale == pytest.approx(1.2, rel=1e-3)
    assert q.subsolar_err_re == pytest.approx(0.5)  # 8.5 (ΔC 1.3 <= 1.44) is reached; 9.5 is not needed
    assert q.reliable  # S = 1.2: a warning
    q = assess_fit(cstat_value=4.41 * e, **common)  # S = 2.1: the misfit dominates the noise
    assert q.codes() == ["poor_fit"] and not q.reliable and q.subsolar_err_re == pytest.approx(0.05 * 2.1)
    # no statistical error (flat curvature): flagged, and the scan alone sets the error
    q = assess_fit(
        cstat_value=e, scan=_Scan([8.0, 9.0, 10.0], [0.2, 0, 0.3]), **{**common, "subsolar_err_re": math.nan}
    )
    assert "flat_profile" in q.codes() and q.subsolar_err_re == pytest.approx(1.0)


def test_start_scan_record_is_json_ready():
    scan = StartScan(
        "r_mp",
        np.array([8.0, 9.0]),
        np.array([8.0, 9.0]),
        np.array([10.0, 4.0]),
        np.array([1.0, 1.1]),
        [1],
        4,
        100,
        0.1,
    )
    d = scan.to_dict()
    assert d["delta_c"] == [6.0, 0.0] and d["minima_subsolar_re"] == [9.0]
    json.dumps(d)
