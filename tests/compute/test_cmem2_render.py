"""CMEM2 images: the adaptive integrator on a smooth (logistic-boundary) model.

Reference: a brute-force trapezium with a 0.005 R_E step (the logistic steps are ~1/k =
0.02 R_E wide; doubling the step changes the reference by < 1e-6), which knows nothing of the
crossings the adaptive integrator grades its panels about.
"""

from __future__ import annotations

import numpy as np
import pytest

from smile_viewer.compute import AnalyticSource, Camera, RenderRequest, look_rotation, render
from smile_viewer.compute import _raymarch_numba as NB
from smile_viewer.compute import _raymarch_numpy as NP
from smile_viewer.physics.cmem2 import cmem2_defaults
from smile_viewer.physics.solar_wind import SolarWind

SW = SolarWind.from_speed(n_cm3=5.0, v_km_s=400.0, bz_nt=0.0)
APOGEE = np.array([6.57, -5.94, 17.33])


def apogee_camera(shape=(8, 14)) -> Camera:
    """SXI (26.5° × 15.5°) at apogee, aimed at (9.5, 0, 0) R_E GSE."""
    return Camera(APOGEE, look_rotation(np.array([9.5, 0.0, 0.0]) - APOGEE), (26.5, 15.5), shape)


@pytest.fixture(scope="module")
def images():
    model = cmem2_defaults(SW)
    req = RenderRequest(apogee_camera(), AnalyticSource(model), backend="cpu")
    return model, req, render(req)


def test_image_is_within_1e_3_of_a_converged_reference(images):
    _, req, img = images
    ref = render(req.replace(method="trapezium", step_re=0.005)).image
    rel = np.abs(img.image - ref) / ref
    assert np.all(np.isfinite(ref)) and ref.min() > 1.0  # keV cm^-2 s^-1 sr^-1: real emission
    assert rel.max() < 1e-3
    assert np.median(rel) < 1e-6
    # the reference itself is converged
    ref2 = render(req.replace(method="trapezium", step_re=0.01)).image
    assert np.max(np.abs(ref2 - ref) / ref) < 1e-6


def test_numpy_backend_agrees(images):
    _, req, img = images
    for method in ("adaptive", "trapezium"):
        a = img.image if method == "adaptive" else render(req.replace(method=method)).image
        b = render(req.replace(backend="numpy", method=method)).image
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=0)


def test_close_approach_is_a_breakpoint():
    """A ray that misses the magnetopause by 0.005 R_E (a quarter of the step width) gets a
    breakpoint there from the grazing probe; without it the flank would be integrated with
    6 R_E panels."""
    model = cmem2_defaults(SW)
    p = model.to_array()
    # a ray tangent to the sphere of the subsolar distance + 0.005 R_E, along +Z at the nose
    r_nose = model.magnetopause_standoff_re + 0.005
    o = np.array([r_nose, 0.0, -12.0])
    d = np.array([0.0, 0.0, 1.0])
    cross_s = np.zeros(NB.MAX_CROSSINGS)
    cross_w = np.zeros(NB.MAX_CROSSINGS, dtype=np.int64)
    cz, ang = NB.model_hints(model.model_id, p)
    nc, _, _, _ = NB.find_crossings(
        model.model_id, p, *o, *d, 24.0, 0.6, 12.0, 1e-6, cz, ang, cross_s, cross_w
    )
    near = [s for s, w in zip(cross_s[:nc], cross_w[:nc]) if w == 2]
    assert len(near) == 1 and abs(near[0] - 12.0) < 0.5
    assert NB.smooth_width(model.model_id, p) == pytest.approx(1.0 / 50.0)
    # and the integral agrees with a fine trapezium
    v, _, _ = NB.ray_adaptive(
        model.model_id,
        p,
        *o,
        *d,
        24.0,
        0.6,
        12.0,
        1e-6,
        cz,
        ang,
        *np.polynomial.legendre.leggauss(4),
        cross_s,
        cross_w,
    )
    ref, _ = NB.ray_trapezium(model.model_id, p, *o, *d, 24.0, 0.001)
    assert v == pytest.approx(ref, rel=1e-6)


def test_smooth_constants_are_the_same_in_every_backend():
    import re

    from smile_viewer.compute._raymarch_cupy import kernel_source
    from smile_viewer.physics import emissivity_kernels as K

    defines = dict(re.findall(r"#define (SV_\w+) (\S+)", kernel_source()))
    assert int(defines["SV_CMEM2"]) == K.MODEL_CMEM2
    for name in ("SMOOTH_GROWTH", "SMOOTH_WIDTH", "SMOOTH_MIN_PANEL", "SMOOTH_NEAR"):
        assert getattr(NB, name) == getattr(NP, name) == float(defines["SV_" + name])
