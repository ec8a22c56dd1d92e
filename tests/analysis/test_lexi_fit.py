"""The LEXI magnetopause fit: signal + fitted constant background, the r0 profile and its flags."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from smile_viewer.analysis.fitting import ForwardModel, start_model
from smile_viewer.analysis.lexi_fit import fit_lexi, fit_two_components
from smile_viewer.cli import main
from smile_viewer.io.lexi import bin_lexi, load_lexi

LEXI = Path(__file__).resolve().parents[1] / "data" / "real" / "lexi"
FILES = sorted(LEXI.glob("*.cdf"))


def test_two_components_recover_signal_and_background():
    rng = np.random.default_rng(4)
    n = 900
    s = np.exp(-((np.arange(n) - 450.0) ** 2) / (2 * 80.0**2)) * 5.0
    g = np.full(n, 2.0)
    k_true, b_true = 3.0, 4.0
    d = rng.poisson(k_true * s + b_true * g).astype(float)
    k, b, c, cov = fit_two_components(d, s, g)
    ek, eb = np.sqrt(np.diag(cov))
    assert abs(k - k_true) < 4 * ek and abs(b - b_true) < 4 * eb
    # the Fisher errors: a background of 8 counts over 900 bins measures b to about 4/sqrt(900*8)*...
    assert 0.01 < eb < 0.2 and 0.01 < ek < 0.5
    # no signal: k goes to (near) zero, b to the mean
    d0 = rng.poisson(b_true * g).astype(float)
    k0, b0, _, cov0 = fit_two_components(d0, s, g)
    assert k0 < 3 * np.sqrt(cov0[0, 0]) and b0 == pytest.approx(d0.sum() / g.sum(), rel=0.05)


@pytest.fixture(scope="module")
def geometry():
    """A LEXI image (the real first two files: observer, time, pointing) on a coarse grid."""
    return load_lexi(FILES[:2], pixel_deg=0.5, size_deg=8.0)


def _simulated(obs, r0, k, b, seed):
    """Counts of ``k`` × the jorgensen model at subsolar ``r0`` plus ``b`` counts/s/sr, per pixel."""
    fwd = ForwardModel(obs, instrument="lexi", bin_factor=1, oversample=1, background=np.zeros(obs.shape))
    start = start_model("jorgensen", obs)
    from smile_viewer.physics import models as registry

    e = registry.emissivity_model("jorgensen")
    s0 = e.standoff_re(start)
    m = start.replace(r_mp=start.r_mp * r0 / s0, r_bs=start.r_bs - s0 + r0)
    inst = fwd.instrument
    expected = k * fwd.signal(m) + b * fwd.exposure_factor / (inst.photons_per_unit * inst.effective_area_cm2)
    counts = np.random.default_rng(seed).poisson(expected).astype(float)
    counts[~fwd.mask] = 0.0
    return dataclasses.replace(obs, image=counts, maps={**obs.maps, "CTSMAP": counts})


def test_fit_recovers_the_magnetopause_of_simulated_lexi_counts(geometry):
    sim = _simulated(geometry, r0=10.0, k=10.0, b=300.0, seed=2)
    res = fit_lexi(sim, r0_grid=np.arange(8.0, 12.01, 0.5), bin_factor=1, oversample=1)
    assert res.r0_interval[0] - 0.5 <= 10.0 <= res.r0_interval[1] + 0.5
    assert res.r0 == pytest.approx(10.0, abs=0.5)
    assert res.constrained and res.signal_sigma > 5
    assert abs(res.background_rate - 300.0) < 3 * res.background_err
    assert abs(res.norm - 10.0) < 3 * res.norm_err
    assert res.cstat / res.dof < 1.5
    assert "r0 = " in res.summary_line() and "NOT CONSTRAINED" not in res.summary_line()


def test_pure_background_says_plainly_that_r0_is_not_constrained(geometry):
    sim = _simulated(geometry, r0=10.0, k=0.0, b=300.0, seed=3)
    res = fit_lexi(sim, r0_grid=np.arange(8.0, 12.01, 1.0), bin_factor=1, oversample=1)
    assert not res.constrained and not res.reliable
    assert any(f.startswith("no-signal") for f in res.flags)
    assert "NOT CONSTRAINED" in res.summary_line()
    d = res.to_dict()
    assert d["constrained"] is False and d["background_model"].startswith("constant")


def _field_sr(obs):
    """Solid angle [sr] of the kept field, summed over its pixels (TAN pixels near the centre)."""
    from smile_viewer.analysis.geometry import camera_for_observation

    cam = camera_for_observation(obs)
    return float(cam.pixel_solid_angle_sr()[obs.valid_mask()].sum())


@pytest.mark.slow
def test_cli_fit_on_a_stacked_hour_of_real_lexi_files(tmp_path, capsys):
    hour = bin_lexi(FILES[:12])
    out = tmp_path / "fit.json"
    code = main(
        [
            "fit",
            str(LEXI),
            "--start",
            hour.time_start.isot,
            "--end",
            hour.time_end.isot,
            "--out",
            str(out),
        ]
    )
    text = capsys.readouterr().out
    assert code == 0, text
    result = json.loads(out.read_text())
    assert result["schema"] == "smile-viewer lexi fit 1"
    assert result["exposure_s"] == pytest.approx(hour.exposure_s, rel=1e-6)
    assert result["solar_wind_source"].startswith("typical values")
    assert np.isfinite(result["r0_re"]) and result["background_counts_s_sr"] > 0
    # the real hour: a flat background plus the model does not describe the image, and the
    # profile has more than one minimum; the fit says so instead of quoting a bare number
    assert not result["reliable"]
    assert any(f.startswith("poor-fit") for f in result["flags"])
    # signal + background = the counts in the field (the Poisson fit conserves them)
    assert result["signal_fraction"] < 0.5
    field_counts = hour.image[hour.valid_mask()].sum()
    assert result["background_counts_s_sr"] * hour.exposure_s * _field_sr(hour) == pytest.approx(
        field_counts * (1 - result["signal_fraction"]), rel=0.02
    )
    assert "UNRELIABLE" in text
    code = main(["fit", str(LEXI), "--fits", str(tmp_path / "l4.fits"), "--out", str(out)])
    assert code == 2 and "--fits is for SXI" in capsys.readouterr().err
