"""FitDialog: a tiny fit in a worker thread runs to completion with progress; cancel stops it."""

from __future__ import annotations

import numpy as np
import pytest
from astropy.time import Time

from smile_viewer._qt.fit_dialog import FitDialog
from smile_viewer.compute import AnalyticSource, RenderRequest, render
from smile_viewer.io.observed import observed_from_arrays
from smile_viewer.io.products import camera_wcs
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import sxi_pointing
from smile_viewer.mission.response import compute_response
from smile_viewer.physics.emissivity import jorgensen_defaults
from smile_viewer.physics.solar_wind import SolarWind

START = jorgensen_defaults(SolarWind())
TRUTH = START.replace(r_mp=9.6, r_bs=START.r_bs - (START.r_mp - 9.6))


@pytest.fixture(scope="module")
def tiny_obs():
    """Expected counts of TRUTH on a 31 x 53 SXI grid (the real synth + response pipeline)."""
    t = Time("2026-05-21T01:00:00")
    pos = np.array([6.0, -6.0, 18.0])
    sxi = load_instrument("sxi")
    pt = sxi_pointing(pos)
    cam = sxi.camera(pos, pt.rotation, shape=(31, 53))
    image = render(RenderRequest(cam, AnalyticSource(TRUTH), backend="cpu")).image
    resp = compute_response(image, cam, sxi, seed=0)
    return observed_from_arrays(
        image,
        wcs=camera_wcs(cam, t),
        time_start=t,
        exposure_s=resp.exposure_s,
        position_re=pos,
        aim_re=pt.aim_re,
        instrument="sxi",
        units="keV cm^-2 s^-1 sr^-1",
        maps={"CTSMAP": resp.expected, "BKGMAP": resp.background, "VIGMAP": resp.vignetting},
    )


def test_fit_runs_to_completion_with_progress(qtbot, tiny_obs):
    dlg = FitDialog(tiny_obs, "jorgensen", errors="none", synchronous=False)
    qtbot.addWidget(dlg)
    dlg.show()
    messages = []
    with qtbot.waitSignal(dlg.fit_finished, timeout=60000) as blocker:
        dlg.start()
        dlg.job.progressChanged.connect(lambda f, m: messages.append(m))
        assert dlg.running and dlg.cancel_button.isEnabled() and not dlg.fit_button.isEnabled()
    res = blocker.args[0]
    assert dlg.state == "done" and dlg.result is res
    assert abs(res.subsolar_re - TRUTH.r_mp) < 0.1
    assert messages and "forward model" in messages[-1] and "r_mp =" in messages[-1] and "C =" in messages[-1]
    assert dlg.progress_bar.value() == 1000
    assert dlg.table.rowCount() == len(res.parameters)
    assert dlg.table.item(0, 0).text() == "r_mp (free)"
    assert float(dlg.table.item(0, 2).text()) == pytest.approx(res.parameters["r_mp"], rel=1e-4)
    assert "r_mp =" in dlg.summary_label.text()
    qtbot.waitUntil(lambda: dlg.fit_button.isEnabled() and not dlg.cancel_button.isEnabled(), timeout=2000)
    # apply hands the fitted model over
    assert dlg.apply_button.isEnabled()
    with qtbot.waitSignal(dlg.model_applied, timeout=1000) as applied:
        dlg.apply_button.click()
    assert applied.args[0].r_mp == pytest.approx(res.parameters["r_mp"])


def test_cancel_stops_the_fit(qtbot, tiny_obs):
    dlg = FitDialog(tiny_obs, "jorgensen", errors="hessian", synchronous=False)
    qtbot.addWidget(dlg)
    dlg.show()
    finished = []
    dlg.fit_finished.connect(finished.append)
    dlg.start()
    qtbot.waitUntil(lambda: dlg.last_progress is not None and dlg.last_progress.n_evals >= 2, timeout=60000)
    with qtbot.waitSignal(dlg.fit_cancelled, timeout=10000):
        dlg.cancel_button.click()
    assert dlg.state == "cancelled" and dlg.result is None and not finished
    assert "Cancelled after" in dlg.status_label.text()
    assert not dlg.apply_button.isEnabled()
    qtbot.waitUntil(lambda: dlg.fit_button.isEnabled(), timeout=2000)
    # the fit stopped early: far fewer forward models than a full fit with errors
    assert dlg.last_progress.n_evals < 40


def test_fit_error_is_reported(qtbot, tiny_obs):
    dlg = FitDialog(tiny_obs, "jorgensen", synchronous=True, free="no_such_param")
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.fit_failed, timeout=10000):
        dlg.start()
    assert dlg.state == "failed" and "Fit failed" in dlg.status_label.text()


def test_quality_flags_are_shown(qtbot, tiny_obs):
    """Noise-free counts: the C-stat is far below its Poisson expectation (a warning); a bound
    that stops r_mp short of the truth makes the fit unreliable, said in red."""
    dlg = FitDialog(tiny_obs, "jorgensen", synchronous=True, errors="none")
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.fit_finished, timeout=60000):
        dlg.start()
    res = dlg.result
    assert [f.code for f in res.flags] == ["cstat_low"] and res.reliable
    assert dlg.quality_label.text().startswith("Flagged:") and "cstat_low" in dlg.quality_label.text()
    assert "flagged: cstat_low" in dlg.summary_label.text()
    bounded = FitDialog(tiny_obs, "jorgensen", synchronous=True, errors="none", bounds={"r_mp": (10.0, 25.0)})
    qtbot.addWidget(bounded)
    with qtbot.waitSignal(bounded.fit_finished, timeout=60000):
        bounded.start()
    assert bounded.result.parameters["r_mp"] == pytest.approx(10.0, abs=1e-3)
    assert not bounded.result.reliable and "at_bound" in [f.code for f in bounded.result.flags]
    assert (
        bounded.quality_label.text().startswith("UNRELIABLE") and "at_bound" in bounded.quality_label.text()
    )
    assert "c62828" in bounded.quality_label.styleSheet()
    assert "UNRELIABLE: " in bounded.summary_label.text()
