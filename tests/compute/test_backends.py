"""Backend selection: auto, the SMILE_BACKEND override, falling back without a GPU, and the
cuda backend against the others where a GPU is at hand."""

from __future__ import annotations

import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

from smile_viewer.compute import (
    AnalyticSource,
    AuroraSource,
    Camera,
    RenderRequest,
    VolumeSource,
    available_backends,
    backends,
    look_rotation,
    render,
    select_backend,
)
from smile_viewer.compute import _raymarch_numba as NB
from smile_viewer.compute import _raymarch_numpy as NP
from smile_viewer.errors import UserInputError
from smile_viewer.physics import emissivity as E
from smile_viewer.physics.cmem2 import cmem2_defaults
from smile_viewer.physics.solar_wind import SolarWind

SW = SolarWind.from_speed(n_cm3=5, v_km_s=400, bz_nt=0)
JORG = E.jorgensen_defaults(SW)
CMEM = E.cmem_defaults(SW)
EXO = E.exosphere_model(SW)
CMEM2 = cmem2_defaults(SW)


def sxi_camera(position=(6.0, -6.0, 18.0), shape=(16, 27), fov=(26.5, 15.5)) -> Camera:
    """SXI camera aimed by the SXI team's law (as in test_render)."""
    import math

    pos = np.asarray(position, dtype=float)
    x, y, z = pos
    rho = math.hypot(y, z)
    limb_c = math.radians(20.3) + math.asin(1.0 / np.linalg.norm(pos))
    x_aim = x + rho * math.tan(limb_c - math.atan2(x, rho))
    return Camera(pos, look_rotation(np.array([x_aim, 0.0, 0.0]) - pos), fov, shape)


def _uvi_setup():
    from astropy.time import Time

    from smile_viewer.physics.aurora import AuroralShell

    pos = np.array([2.0, -1.0, 19.0])
    cam = Camera(pos, look_rotation(-pos), (10.0, 10.0), (24, 24), circular=True)
    return AuroralShell.from_kp(3.0), Time("2026-06-01T12:00:00", scale="utc"), cam


@pytest.fixture
def no_gpu(monkeypatch):
    monkeypatch.setattr(backends, "_cuda_status", lambda: (False, "cupy not installed", ""))
    monkeypatch.delenv("SMILE_BACKEND", raising=False)


@pytest.fixture
def fake_gpu(monkeypatch):
    monkeypatch.setattr(backends, "_cuda_status", lambda: (True, "CUDA device Fake GPU", "Fake GPU"))
    monkeypatch.delenv("SMILE_BACKEND", raising=False)


def test_auto_falls_back_to_cpu_with_the_reason_here(monkeypatch):
    """On this machine (no cupy or no GPU) auto runs on the CPU and says why."""
    monkeypatch.delenv("SMILE_BACKEND", raising=False)
    ok, reason, _ = backends._cuda_status()
    if ok:
        pytest.skip("a CUDA GPU is available here")
    name, why = select_backend("auto")
    assert name == "cpu"
    assert reason in why and ("cupy" in why or "CUDA" in why)
    res = render(RenderRequest(sxi_camera(shape=(2, 3)), AnalyticSource(JORG)))
    assert res.provenance["backend"] == "cpu"
    assert reason in res.provenance["backend_reason"]


def test_auto_reasons(no_gpu, monkeypatch):
    assert select_backend("auto") == ("cpu", "auto: cupy not installed; using numba on the CPU")
    monkeypatch.setattr(backends, "_cuda_status", lambda: (False, "no CUDA device", ""))
    name, why = select_backend("auto")
    assert name == "cpu" and "no CUDA device" in why


def test_auto_prefers_the_gpu(fake_gpu):
    name, why = select_backend("auto")
    assert name == "cuda" and "Fake GPU" in why


def test_cuda_requested_without_gpu_runs_on_cpu(no_gpu):
    name, why = select_backend("cuda")
    assert name == "cpu" and "unavailable" in why and "cupy not installed" in why
    res = render(RenderRequest(sxi_camera(shape=(2, 3)), AnalyticSource(JORG), backend="cuda"))
    assert res.provenance["backend"] == "cpu"


def test_environment_variable_overrides_auto(no_gpu, monkeypatch):
    monkeypatch.setenv("SMILE_BACKEND", "numpy")
    assert select_backend("auto")[0] == "numpy"
    assert "SMILE_BACKEND=numpy" in select_backend("auto")[1]
    res = render(RenderRequest(sxi_camera(shape=(2, 3)), AnalyticSource(JORG)))
    assert res.provenance["backend"] == "numpy"
    # an explicit choice in the request wins
    assert select_backend("cpu")[0] == "cpu"
    monkeypatch.setenv("SMILE_BACKEND", "CUDA")
    name, why = select_backend("auto")
    assert name == "cpu" and "SMILE_BACKEND=CUDA" in why
    monkeypatch.setenv("SMILE_BACKEND", "gpu-please")
    with pytest.raises(UserInputError, match="SMILE_BACKEND"):
        select_backend("auto")
    monkeypatch.setenv("SMILE_BACKEND", "")
    assert select_backend("auto")[0] == "cpu"


def test_unknown_backend_name():
    with pytest.raises(UserInputError, match="backend"):
        select_backend("tpu")


def test_available_backends(no_gpu):
    av = available_backends()
    assert set(av) == {"cuda", "cpu", "numpy"}
    assert av["cuda"] == (False, "cupy not installed")
    assert av["cpu"][0] and "numba" in av["cpu"][1]
    assert av["numpy"][0]


def test_cuda_failure_at_run_time_falls_back_with_a_warning(fake_gpu, monkeypatch):
    from smile_viewer.compute import _raymarch_cupy

    def broken(prep, request):
        raise RuntimeError("NVRTC compilation failed")

    monkeypatch.setattr(_raymarch_cupy, "run", broken)
    with pytest.warns(backends.CudaFallbackWarning, match="NVRTC"):
        res = render(RenderRequest(sxi_camera(shape=(2, 3)), AnalyticSource(JORG)))
    assert res.provenance["backend"] == "cpu"
    assert "NVRTC" in res.provenance["fallback"]
    # an explicit request for cuda reports the error instead
    with pytest.raises(RuntimeError, match="NVRTC"):
        render(RenderRequest(sxi_camera(shape=(2, 3)), AnalyticSource(JORG), backend="cuda"))


def test_importing_compute_loads_no_cupy():
    code = (
        "import sys, smile_viewer.compute, smile_viewer.compute._raymarch_cupy; print('cupy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_algorithm_constants_are_the_same_in_every_backend():
    from smile_viewer.compute._raymarch_cupy import kernel_source

    src = kernel_source()
    defines = dict(re.findall(r"#define (SV_\w+) (\S+)", src))
    for name in ("MIN_STEP_RE", "CUSP_STEP", "GRAZE_NEAR", "G_BIG"):
        assert getattr(NB, name) == getattr(NP, name)
    assert float(defines["SV_MIN_STEP"]) == NB.MIN_STEP_RE
    assert float(defines["SV_CUSP_STEP"]) == NB.CUSP_STEP
    assert float(defines["SV_GRAZE_NEAR"]) == NB.GRAZE_NEAR
    assert float(defines["SV_G_BIG"]) == NB.G_BIG
    assert int(defines["SV_MAX_CROSSINGS"]) == NB.MAX_CROSSINGS
    from smile_viewer.physics import emissivity_kernels as K

    assert int(defines["SV_JORG"]) == K.MODEL_JORGENSEN
    assert int(defines["SV_CMEM"]) == K.MODEL_CMEM
    assert int(defines["SV_EXO"]) == K.MODEL_EXOSPHERE


def test_sheath_point_is_the_point_function_in_the_sheath():
    """The adaptive integrator's region-free sheath formula equals the models' point functions."""
    rng = np.random.default_rng(3)
    pts = rng.uniform(-25, 25, (4000, 3))
    for model in (JORG, CMEM):
        p = model.to_array()
        f = model.point_function()
        n = 0
        for x, y, z in pts:
            gm, gb = NB.boundary_pair(model.model_id, x, y, z, p)
            if gm >= 0 and gb < 0:
                assert NB.sheath_point(model.model_id, x, y, z, p) == pytest.approx(f(x, y, z, p), rel=1e-13)
                n += 1
        assert n > 50


def test_boundary_functions_decide_regions_like_the_point_functions():
    rng = np.random.default_rng(4)
    pts = rng.uniform(-30, 30, (4000, 3))
    for model in (JORG, CMEM, EXO):
        p = model.to_array()
        eta = model.emissivity(pts)
        for (x, y, z), e in zip(pts, eta):
            gm, gb = NB.boundary_pair(model.model_id, x, y, z, p)
            if gm < 0:
                assert e == 0.0
            elif gb >= 0:
                u = 10.0 / np.sqrt(x * x + y * y + z * z)
                assert e == pytest.approx(NB.wind_amplitude(model.model_id, p) * u**3, rel=1e-12)


def test_inverse_cube_closed_form_matches_the_exosphere_module():
    from smile_viewer.physics.exosphere import line_integral_inverse_cube

    rng = np.random.default_rng(5)
    for _ in range(200):
        o = rng.uniform(-20, 20, 3)
        d = rng.normal(size=3)
        d /= np.linalg.norm(d)
        s0, s1 = np.sort(rng.uniform(0, 60, 2))
        b = float(o @ d)
        h = float(np.linalg.norm(o - b * d))
        if h < 0.5:
            continue
        assert NB.inv_cube_integral(b, h, s0, s1) == pytest.approx(
            float(line_integral_inverse_cube(o, d, s0, s1, 1.0, 1.0)), rel=1e-12
        )


# --------------------------------------------------------------------------------------
# the cuda backend itself (only where cupy sees a GPU)
# --------------------------------------------------------------------------------------


@pytest.mark.gpu
@pytest.mark.parametrize("method", ["adaptive", "trapezium"])
@pytest.mark.parametrize("model", [JORG, CMEM, EXO, CMEM2], ids=["jorgensen", "cmem", "exosphere", "cmem2"])
def test_cuda_agrees_with_cpu_analytic(model, method):
    cam = sxi_camera(shape=(31, 53))
    a = render(RenderRequest(cam, AnalyticSource(model), backend="cpu", method=method))
    b = render(RenderRequest(cam, AnalyticSource(model), backend="cuda", method=method))
    assert b.provenance["backend"] == "cuda", b.provenance["backend_reason"]
    np.testing.assert_allclose(b.image, a.image, rtol=1e-5, atol=0)


@pytest.mark.gpu
def test_cuda_agrees_with_cpu_volume_and_aurora():
    from smile_viewer.physics.volume import sample_model

    vol = sample_model(JORG, (48, 40, 36), ((-30, 30), (-28, 28), (-26, 26)))
    cam = sxi_camera(shape=(31, 53))
    a = render(RenderRequest(cam, VolumeSource(vol), backend="cpu")).image
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        b = render(RenderRequest(cam, VolumeSource(vol), backend="cuda"))
    assert b.provenance["backend"] == "cuda"
    np.testing.assert_allclose(b.image, a, rtol=1e-5, atol=0)
    shell, t, ucam = _uvi_setup()
    a = render(RenderRequest(ucam, AuroraSource(shell, t), backend="cpu")).image
    b = render(RenderRequest(ucam, AuroraSource(shell, t), backend="cuda")).image
    np.testing.assert_allclose(b, a, rtol=1e-5, atol=1e-9)
