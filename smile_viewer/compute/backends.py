"""One entry point, three backends: :func:`render`, backend selection and what they share.

``cuda`` (cupy kernels from ``raymarch.cu``), ``cpu`` (numba, :mod:`._raymarch_numba`, which
defines the algorithm) and ``numpy`` (the reference, :mod:`._raymarch_numpy`) run the same
algorithm on the same rays and agree to 1e-5 relative. ``auto`` picks ``cuda`` when cupy sees a
GPU, else ``cpu``, and records why; ``SMILE_BACKEND`` overrides it (docs/settings.md). Nothing
fails for want of a GPU. Selection and fallbacks: docs/architecture.md#compute; the algorithm:
docs/integration.md.
"""

from __future__ import annotations

import os
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numba
import numpy as np

import smile_viewer
from smile_viewer.compute.types import RenderRequest, RenderResult
from smile_viewer.constants import R_E_KM
from smile_viewer.coords import rotation_matrix
from smile_viewer.errors import UserInputError

__all__ = [
    "ENV_BACKEND",
    "CudaFallbackWarning",
    "available_backends",
    "ray_ends",
    "render",
    "select_backend",
]

#: Environment variable that overrides the automatic backend choice.
ENV_BACKEND = "SMILE_BACKEND"
_NAMES = ("auto", "cuda", "cpu", "numpy")


class CudaFallbackWarning(RuntimeWarning):
    """The CUDA backend failed at run time and the render was redone on the CPU."""


# --------------------------------------------------------------------------------------
# backend selection
# --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _cuda_status() -> tuple[bool, str, str]:
    """(available, reason, device name). Cached: importing cupy is slow."""
    try:
        import cupy  # lazy: optional dependency (smile-viewer[gpu])
    except ImportError:
        return False, "cupy not installed", ""
    except Exception as exc:  # noqa: BLE001 - a broken CUDA installation must not stop a render
        return False, f"cupy failed to import ({type(exc).__name__}: {exc})", ""
    try:
        if not cupy.cuda.is_available():
            return False, "no CUDA device", ""
        props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
        name = props.get("name", b"CUDA device")
        name = name.decode(errors="replace") if isinstance(name, bytes) else str(name)
    except Exception as exc:  # noqa: BLE001 - driver errors mean "no usable device"
        return False, f"no CUDA device ({type(exc).__name__}: {exc})", ""
    return True, f"CUDA device {name}", name


def _numba_threads() -> int:
    return int(numba.get_num_threads())


@lru_cache(maxsize=1)
def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "unknown CPU"


def available_backends() -> dict[str, tuple[bool, str]]:
    """Each backend's availability here: ``{name: (available, detail)}``.

    ``cuda``'s detail says why it is not available ("cupy not installed", "no CUDA device")
    or names the device.
    """
    ok, reason, _ = _cuda_status()
    return {
        "cuda": (ok, reason),
        "cpu": (True, f"numba {numba.__version__}, {_numba_threads()} threads on {_cpu_model()}"),
        "numpy": (True, f"numpy {np.__version__} (reference)"),
    }


def _check_name(name: Any, where: str) -> str:
    key = str(name).strip().lower()
    if key not in _NAMES:
        raise UserInputError(f"{where} = {name!r}: expected one of {', '.join(_NAMES)}")
    return key


def select_backend(requested: str = "auto") -> tuple[str, str]:
    """The backend a render will use, and why: ``(name, reason)``.

    ``requested`` is "auto", "cuda", "cpu" or "numpy". With "auto" the environment variable
    ``SMILE_BACKEND`` is read first; then cuda is chosen when cupy sees a device, else cpu.
    A request for cuda without a usable device gives cpu, never an error.
    """
    req = _check_name(requested, "backend")
    how = "requested"
    if req == "auto":
        env = os.environ.get(ENV_BACKEND, "").strip()
        if env:
            req = _check_name(env, ENV_BACKEND)
            how = f"{ENV_BACKEND}={env}"
    if req == "numpy":
        return "numpy", f"numpy reference ({how})"
    if req == "cpu":
        return "cpu", f"numba on the CPU ({how})"
    ok, reason, _ = _cuda_status()
    if req == "cuda":
        if ok:
            return "cuda", f"{reason} ({how})"
        return "cpu", f"cuda {how} but unavailable: {reason}; using numba on the CPU"
    # auto
    if ok:
        return "cuda", f"auto: {reason}"
    return "cpu", f"auto: {reason}; using numba on the CPU"


def _module(name: str):
    # lazy: only the chosen back end's kernels are loaded
    if name == "cuda":
        from smile_viewer.compute import _raymarch_cupy as mod
    elif name == "cpu":
        from smile_viewer.compute import _raymarch_numba as mod
    else:
        from smile_viewer.compute import _raymarch_numpy as mod
    return mod


def _device(name: str) -> str:
    if name == "cuda":
        return _cuda_status()[2]
    threads = _numba_threads() if name == "cpu" else 1
    return f"{_cpu_model()} ({os.cpu_count()} logical cores, {threads} thread{'s' if threads > 1 else ''})"


# --------------------------------------------------------------------------------------
# shared preparation
# --------------------------------------------------------------------------------------


def ray_ends(origin_re, directions, max_distance_re: float = 80.0, occult_earth: bool = True) -> np.ndarray:
    """Path length where each ray ends [R_E]: ``max_distance_re``, or the first contact with
    the sphere r = 1 R_E when ``occult_earth`` (0 for a camera inside the Earth).

    ``origin_re`` (3,), ``directions`` (N, 3) unit vectors.
    """
    o = np.asarray(origin_re, dtype=np.float64).reshape(3)
    d = np.asarray(directions, dtype=np.float64).reshape(-1, 3)
    s_end = np.full(d.shape[0], float(max_distance_re))
    if occult_earth:
        c = float(o @ o) - 1.0
        if c < 0.0:
            return np.zeros(d.shape[0])
        b = d @ o
        disc = b * b - c
        root = -b - np.sqrt(np.maximum(disc, 0.0))
        hit = (disc >= 0.0) & (b < 0.0) & (root >= 0.0)
        s_end = np.where(hit, np.minimum(s_end, root), s_end)
    return s_end


@dataclass
class Prepared:
    """One elementary source ready for a backend: rays in the source's frame and its arrays."""

    kind: str
    origin: np.ndarray  # (3,) float64
    dirs: np.ndarray  # (N, 3) float64, C-contiguous
    s_end: np.ndarray  # (N,) float64
    unit_factor: float
    model_id: int = 0
    params: np.ndarray | None = None
    values: np.ndarray | None = None  # volume (nz, ny, nx) float32
    grid_origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    grid_spacing: tuple[float, float, float] = (1.0, 1.0, 1.0)
    volume_step_re: float = 0.0
    shell_grid: np.ndarray | None = None  # aurora (n_mlat, n_mlt) float64
    shell_step_re: float = 0.0
    leaf: Any = None  # the source itself (the numpy reference uses the models' own numpy code)


def _rotate(cam_frame: str, src_frame: str, time_: Any, what: str):
    if src_frame == cam_frame:
        return None
    if time_ is None:
        raise UserInputError(
            f"the {what} is in {src_frame.upper()} and the camera in {cam_frame.upper()}: "
            "give the source a time to rotate between them"
        )
    return np.asarray(rotation_matrix(time_, cam_frame, src_frame), dtype=np.float64).reshape(3, 3)


def _prepare(leaf: Any, request: RenderRequest, origin: np.ndarray, dirs: np.ndarray,
             s_end: np.ndarray) -> Prepared:  # fmt: skip
    cam = request.camera
    kind = leaf.kind
    if kind == "aurora":
        p, grid = leaf.shell.kernel_arrays(leaf.time, frame=cam.frame, grid=leaf.grid)
        return Prepared(kind, origin, dirs, s_end, leaf.unit_factor,
                        params=np.ascontiguousarray(p, dtype=np.float64),
                        shell_grid=np.ascontiguousarray(grid, dtype=np.float64),
                        shell_step_re=leaf.max_step_km / R_E_KM, leaf=leaf)  # fmt: skip
    src_frame = (leaf.frame or cam.frame) if kind == "analytic" else leaf.volume.frame
    rot = _rotate(cam.frame, src_frame, leaf.time, "model" if kind == "analytic" else "volume")
    if rot is not None:
        origin = rot @ origin
        dirs = np.ascontiguousarray(dirs @ rot.T)
    if kind == "analytic":
        return Prepared(kind, origin, dirs, s_end, leaf.unit_factor, model_id=int(leaf.model.model_id),
                        params=np.ascontiguousarray(leaf.model.to_array(), dtype=np.float64),
                        leaf=leaf)  # fmt: skip
    vol = leaf.volume
    return Prepared(kind, origin, dirs, s_end, leaf.unit_factor,
                    values=np.ascontiguousarray(vol.values, dtype=np.float32),
                    grid_origin=tuple(float(v) for v in vol.origin_re),
                    grid_spacing=tuple(float(v) for v in vol.spacing_re),
                    volume_step_re=request.volume_step_voxels * float(min(vol.spacing_re)),
                    leaf=leaf)  # fmt: skip


def _versions(backend: str) -> dict[str, str]:
    out = {
        "smile_viewer": smile_viewer.__version__,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "numba": numba.__version__,
    }
    if backend == "cuda":
        try:
            import cupy  # lazy: optional dependency (smile-viewer[gpu])

            out["cupy"] = cupy.__version__
            out["cuda_runtime"] = str(cupy.cuda.runtime.runtimeGetVersion())
        except Exception:  # noqa: BLE001, S110 - versions are informative only  # pragma: no cover
            pass
    return out


def _run_leaves(name: str, preps: list[Prepared], request: RenderRequest):
    mod = _module(name)
    n = preps[0].dirs.shape[0] if preps else 0
    total = np.zeros(n)
    samples = 0
    boundary = 0
    kernel_ms = []
    for prep in preps:
        t = time.perf_counter()
        vals, ns, nb = mod.run(prep, request)
        kernel_ms.append((time.perf_counter() - t) * 1e3)
        total += np.asarray(vals, dtype=np.float64) * prep.unit_factor
        samples += int(ns)
        boundary += int(nb)
    return total, samples, boundary, kernel_ms


def render(request: RenderRequest) -> RenderResult:
    """Render ``request`` → :class:`~smile_viewer.compute.types.RenderResult` (image in physical units).

    Pixels outside a circular field get ``request.outside_field_value`` (NaN by default).
    """
    if not isinstance(request, RenderRequest):
        raise UserInputError(f"render() takes a RenderRequest, got {type(request).__name__}")
    t0 = time.perf_counter()
    name, reason = select_backend(request.backend)
    cam = request.camera
    shape = cam.shape
    inside = np.asarray(cam.inside_field(), dtype=bool).ravel()
    dirs = np.ascontiguousarray(cam.ray_directions().reshape(-1, 3)[inside], dtype=np.float64)
    origin = np.array(cam.position_re, dtype=np.float64)
    s_end = ray_ends(origin, dirs, request.max_distance_re, request.occult_earth)
    leaves = request.source.leaves()
    preps = [_prepare(leaf, request, origin, dirs, s_end) for leaf in leaves]
    t_prep = time.perf_counter()
    fallback = None
    try:
        total, samples, boundary, kernel_ms = _run_leaves(name, preps, request)
    except Exception as exc:
        if name != "cuda" or request.backend != "auto":
            raise
        fallback = f"cuda failed ({type(exc).__name__}: {exc}); redone with numba on the CPU"
        warnings.warn(fallback, CudaFallbackWarning, stacklevel=2)
        name, reason = "cpu", f"{reason}; {fallback}"
        total, samples, boundary, kernel_ms = _run_leaves(name, preps, request)
    image = np.full(shape[0] * shape[1], request.outside_field_value, dtype=np.float64)
    image[inside] = total
    image = image.reshape(shape)
    t1 = time.perf_counter()
    provenance: dict[str, Any] = {
        "backend": name,
        "backend_reason": reason,
        "device": _device(name),
        "units": request.units,
        "settings": request.settings(),
        "source": request.source.describe(),
        "camera": {
            "frame": cam.frame,
            "position_re": [float(v) for v in cam.position_re],
            "boresight": [float(v) for v in cam.boresight],
            "fov_deg": list(cam.fov_deg),
            "shape": list(shape),
            "explicit_rays": cam.rays is not None,
            "name": cam.name,
        },
        "versions": _versions(name),
        "timing_ms": {
            "total": (t1 - t0) * 1e3,
            "prepare": (t_prep - t0) * 1e3,
            "kernels": kernel_ms,
        },
        "rays": int(dirs.shape[0]),
        "samples": samples,
        "boundary_evaluations": boundary,
    }
    if fallback:
        provenance["fallback"] = fallback
    return RenderResult(image=image, units=request.units, camera=cam, request=request, provenance=provenance)
