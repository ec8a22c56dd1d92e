"""The CUDA source ``smile_viewer/compute/raymarch.cu`` never rots, even without a GPU:

- it compiles to PTX with ``nvcc -ptx`` wherever nvcc exists;
- it also compiles as host C++ (a small shim defines the CUDA built-ins and a CPU "texture"),
  and its kernels, run on the CPU through ctypes, give the numba backend's numbers;
- it is package data: in the package directory and selected for the wheel.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from smile_viewer.compute import (
    AnalyticSource,
    AuroraSource,
    Camera,
    RenderRequest,
    VolumeSource,
    look_rotation,
    ray_ends,
    render,
)
from smile_viewer.compute._raymarch_cupy import SOURCE_PATH, kernel_source
from smile_viewer.physics import emissivity as E
from smile_viewer.physics.cmem2 import cmem2_defaults
from smile_viewer.physics.solar_wind import SolarWind
from smile_viewer.physics.volume import sample_model

SW = SolarWind.from_speed(n_cm3=5, v_km_s=400, bz_nt=0)
JORG = E.jorgensen_defaults(SW)
CMEM = E.cmem_defaults(SW)
EXO = E.exosphere_model(SW)
CMEM2 = cmem2_defaults(SW)


def sxi_camera(shape, position=(6.0, -6.0, 18.0)) -> Camera:
    """SXI camera aimed by the SXI team's law (as in test_render)."""
    import math

    pos = np.asarray(position, dtype=float)
    x, y, z = pos
    rho = math.hypot(y, z)
    limb_c = math.radians(20.3) + math.asin(1.0 / np.linalg.norm(pos))
    x_aim = x + rho * math.tan(limb_c - math.atan2(x, rho))
    return Camera(pos, look_rotation(np.array([x_aim, 0.0, 0.0]) - pos), (26.5, 15.5), shape)


def _uvi_setup():
    from astropy.time import Time

    from smile_viewer.physics.aurora import AuroralShell

    pos = np.array([2.0, -1.0, 19.0])
    cam = Camera(pos, look_rotation(-pos), (10.0, 10.0), (24, 24), circular=True)
    return AuroralShell.from_kp(3.0), Time("2026-06-01T12:00:00", scale="utc"), cam


KERNELS = ("sv_render_analytic", "sv_render_trapezium", "sv_render_volume", "sv_render_aurora")


def _nvcc() -> str | None:
    found = shutil.which("nvcc")
    if found:
        return found
    home = os.environ.get("CUDA_HOME") or os.environ.get("CUDA_PATH") or "/usr/local/cuda"
    cand = Path(home) / "bin" / "nvcc"
    return str(cand) if cand.exists() else None


def test_source_is_package_data():
    assert SOURCE_PATH.parent == Path(__import__("smile_viewer.compute", fromlist=["x"]).__file__).parent
    src = kernel_source()
    for k in KERNELS:
        assert f'extern "C" __global__ void {k}(' in src
    hatch = pytest.importorskip("hatchling.builders.wheel")
    root = Path(__file__).resolve().parents[2]
    if not (root / "pyproject.toml").exists():
        pytest.skip("not a source checkout")
    names = {f.distribution_path for f in hatch.WheelBuilder(str(root)).recurse_included_files()}
    assert "smile_viewer/compute/raymarch.cu" in names


def test_nvcc_compiles_the_kernels_to_ptx(tmp_path):
    nvcc = _nvcc()
    if nvcc is None:
        pytest.skip("nvcc not found (install the CUDA toolkit to check raymarch.cu)")
    out = tmp_path / "raymarch.ptx"
    proc = subprocess.run([nvcc, "-ptx", "--Werror", "all-warnings", str(SOURCE_PATH), "-o", str(out)],
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    ptx = out.read_text()
    for k in KERNELS:
        assert f".entry {k}(" in ptx


# --------------------------------------------------------------------------------------
# the kernels run on the host
# --------------------------------------------------------------------------------------

SHIM = r"""
#include <math.h>
#include <string.h>
#define SV_HOST_BUILD 1
typedef long long sv_int64;
#define __device__
#define __global__
#define __forceinline__ inline
struct sv_dim3 { unsigned int x, y, z; };
static sv_dim3 blockIdx, blockDim, threadIdx;
typedef unsigned long long cudaTextureObject_t;
struct SvHostTex { const float* data; int nx, ny, nz; };
template <typename T> T tex3D(cudaTextureObject_t t, float x, float y, float z) {  // point filter, clamp
    const SvHostTex* h = (const SvHostTex*)t;
    int i = (int)floorf(x), j = (int)floorf(y), k = (int)floorf(z);
    i = i < 0 ? 0 : (i >= h->nx ? h->nx - 1 : i);
    j = j < 0 ? 0 : (j >= h->ny ? h->ny - 1 : j);
    k = k < 0 ? 0 : (k >= h->nz ? h->nz - 1 : k);
    return h->data[((size_t)k * h->ny + j) * h->nx + i];
}
static inline double __longlong_as_double(long long v) { double d; memcpy(&d, &v, sizeof d); return d; }
"""

HOST = r"""
#include "shim.h"
#include "raymarch.cu"
#define SV_LOOP(n) blockDim.x = 1; threadIdx.x = 0; for (int i_ = 0; i_ < (n); ++i_) { blockIdx.x = i_;
extern "C" void host_analytic(int model_id, const double* p, const double* origin, const double* dirs,
        const double* s_end, int n, double frac, double max_step, double tol, const double* glx,
        const double* glw, int ng, double* out, long long* n_pt, long long* n_bd) {
    SV_LOOP(n) sv_render_analytic(model_id, p, origin, dirs, s_end, n, frac, max_step, tol, glx, glw, ng,
                                  out, n_pt, n_bd); }
}
extern "C" void host_trapezium(int model_id, const double* p, const double* origin, const double* dirs,
        const double* s_end, int n, double step, double* out, long long* n_pt) {
    SV_LOOP(n) sv_render_trapezium(model_id, p, origin, dirs, s_end, n, step, out, n_pt); }
}
extern "C" void host_volume(const float* values, int nx, int ny, int nz, double x0, double y0, double z0,
        double sx, double sy, double sz, const double* origin, const double* dirs, const double* s_end,
        int n, double hmax, double* out, long long* n_pt) {
    SvHostTex t = {values, nx, ny, nz};
    SV_LOOP(n) sv_render_volume((cudaTextureObject_t)&t, nx, ny, nz, x0, y0, z0, sx, sy, sz, origin, dirs,
                                s_end, n, hmax, out, n_pt); }
}
extern "C" void host_aurora(const double* p, const double* grid, const double* origin, const double* dirs,
        const double* s_end, int n, double max_step, const double* glx, const double* glw, int ng,
        double* out, long long* n_pt) {
    SV_LOOP(n) sv_render_aurora(p, grid, origin, dirs, s_end, n, max_step, glx, glw, ng, out, n_pt); }
}
"""


@pytest.fixture(scope="module")
def host_lib(tmp_path_factory):
    cxx = shutil.which(os.environ.get("CXX", "c++")) or shutil.which("g++") or shutil.which("clang++")
    if cxx is None:
        pytest.skip("no C++ compiler to build raymarch.cu for the host")
    d = tmp_path_factory.mktemp("cuda_host")
    (d / "shim.h").write_text(SHIM)
    (d / "host.cpp").write_text(HOST)
    lib = d / "libsv_host.so"
    proc = subprocess.run(
        [cxx, "-O1", "-std=c++14", "-ffp-contract=off", "-Wall", "-Wextra", "-Werror", "-shared", "-fPIC",
         f"-I{SOURCE_PATH.parent}", f"-I{d}", str(d / "host.cpp"), "-o", str(lib)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return ctypes.CDLL(str(lib))


def _ptr(a: np.ndarray):
    return a.ctypes.data_as(ctypes.c_void_p)


def _rays(cam):
    o = np.ascontiguousarray(cam.position_re, dtype=np.float64)
    d = np.ascontiguousarray(cam.ray_directions().reshape(-1, 3), dtype=np.float64)
    return o, d, np.ascontiguousarray(ray_ends(o, d, 80.0, True))


C_INT, C_DBL = ctypes.c_int, ctypes.c_double


@pytest.mark.parametrize(
    "model",
    [
        JORG,
        CMEM,
        EXO,
        JORG.replace(ay_mp=0.5, az_mp=0.7),
        CMEM2,
        CMEM2.replace(ay_bs=0.9, az_bs=0.7, p3=1.0, tilt_rad=0.3, k=20.0),
    ],
    ids=["jorgensen", "cmem", "exosphere", "jorgensen-asymmetric", "cmem2", "cmem2-tilted"],
)
def test_host_build_of_the_analytic_kernels_matches_numba(host_lib, model):
    cam = sxi_camera(shape=(12, 20))
    o, d, s_end = _rays(cam)
    n = d.shape[0]
    p = np.ascontiguousarray(model.to_array())
    req = RenderRequest(cam, AnalyticSource(model), backend="cpu")
    glx, glw = (np.ascontiguousarray(a) for a in np.polynomial.legendre.leggauss(req.quadrature_order))
    out = np.zeros(n)
    n_pt = np.zeros(n, dtype=np.int64)
    n_bd = np.zeros(n, dtype=np.int64)
    host_lib.host_analytic(C_INT(model.model_id), _ptr(p), _ptr(o), _ptr(d), _ptr(s_end), C_INT(n),
                           C_DBL(req.step_fraction), C_DBL(req.max_step_re), C_DBL(req.root_tol_re), _ptr(glx),
                           _ptr(glw), C_INT(glx.size), _ptr(out), _ptr(n_pt), _ptr(n_bd))  # fmt: skip
    ref = render(req)
    np.testing.assert_allclose(out * E.LOS_FACTOR, ref.image.ravel(), rtol=1e-10, atol=0)
    assert int(n_pt.sum()) == ref.provenance["samples"]
    assert abs(int(n_bd.sum()) - ref.provenance["boundary_evaluations"]) <= n // 50
    host_lib.host_trapezium(
        C_INT(model.model_id),
        _ptr(p),
        _ptr(o),
        _ptr(d),
        _ptr(s_end),
        C_INT(n),
        C_DBL(0.5),
        _ptr(out),
        _ptr(n_pt),
    )
    ref = render(req.replace(method="trapezium"))
    np.testing.assert_allclose(out * E.LOS_FACTOR, ref.image.ravel(), rtol=1e-12, atol=0)
    assert int(n_pt.sum()) == ref.provenance["samples"]


def test_host_build_of_the_volume_kernel_matches_numba(host_lib):
    vol = sample_model(JORG, (30, 26, 22), ((-30, 30), (-25, 27), (-20, 22)))
    cam = sxi_camera(shape=(12, 20))
    o, d, s_end = _rays(cam)
    n = d.shape[0]
    req = RenderRequest(cam, VolumeSource(vol), backend="cpu")
    v = np.ascontiguousarray(vol.values, dtype=np.float32)
    nz, ny, nx = v.shape
    out = np.zeros(n)
    n_pt = np.zeros(n, dtype=np.int64)
    host_lib.host_volume(_ptr(v), C_INT(nx), C_INT(ny), C_INT(nz), *(C_DBL(a) for a in vol.origin_re),
                         *(C_DBL(a) for a in vol.spacing_re), _ptr(o), _ptr(d), _ptr(s_end), C_INT(n),
                         C_DBL(req.volume_step_voxels * min(vol.spacing_re)), _ptr(out), _ptr(n_pt))  # fmt: skip
    ref = render(req)
    np.testing.assert_allclose(out * E.LOS_FACTOR, ref.image.ravel(), rtol=1e-12, atol=0)
    assert int(n_pt.sum()) == ref.provenance["samples"]


def test_host_build_of_the_aurora_kernel_matches_numba(host_lib):
    from smile_viewer.constants import R_E_KM

    shell, t, cam = _uvi_setup()
    src = AuroraSource(shell, t)
    inside = cam.inside_field().ravel()
    o, d, s_end = _rays(cam)
    d = np.ascontiguousarray(d[inside])
    s_end = np.ascontiguousarray(s_end[inside])
    n = d.shape[0]
    p, grid = shell.kernel_arrays(t, "gse")
    p = np.ascontiguousarray(p)
    grid = np.ascontiguousarray(grid, dtype=np.float64)
    glx, glw = (np.ascontiguousarray(a) for a in np.polynomial.legendre.leggauss(4))
    out = np.zeros(n)
    n_pt = np.zeros(n, dtype=np.int64)
    host_lib.host_aurora(
        _ptr(p),
        _ptr(grid),
        _ptr(o),
        _ptr(d),
        _ptr(s_end),
        C_INT(n),
        C_DBL(src.max_step_km / R_E_KM),
        _ptr(glx),
        _ptr(glw),
        C_INT(4),
        _ptr(out),
        _ptr(n_pt),
    )
    ref = render(RenderRequest(cam, src, backend="cpu"))
    np.testing.assert_allclose(out, ref.image.ravel()[inside], rtol=1e-12, atol=1e-12)
    assert int(n_pt.sum()) == ref.provenance["samples"]
