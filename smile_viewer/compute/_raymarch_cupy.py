"""The ``cuda`` backend: cupy RawModule kernels compiled at run time from ``raymarch.cu``.

``raymarch.cu`` (package data, beside this file) is a line-by-line port of the algorithm of
:mod:`._raymarch_numba` and of the models' point functions; one thread integrates one ray.

- Analytic models: evaluated in the kernel from the model's ``to_array()`` vector (the same
  layout as the numba point functions).
- Sampled volumes: a 3-D float32 texture object (``cupy.cuda.texture``) over a CUDA array,
  read with point filtering and clamped addressing; the kernel interpolates trilinearly in
  double precision (hardware linear filtering keeps only 8 bits of weight: ~4e-3 errors).
  Textures are cached per volume (the volume's values are immutable) for the next render.
- The auroral shell: its parameter vector and its gridded brightness map (global memory,
  read-only, cached in L1/L2).

cupy is imported only when this backend runs; importing this module imports nothing heavy.
The compiled module is cached per device (NVRTC also keeps an on-disk cache).
"""

from __future__ import annotations

import weakref
from pathlib import Path

import numpy as np

__all__ = ["SOURCE_PATH", "kernel_source", "run"]

#: The CUDA source file (shipped in the wheel as package data).
SOURCE_PATH = Path(__file__).with_name("raymarch.cu")
_THREADS = 128

_modules: dict[int, object] = {}
_textures: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def kernel_source() -> str:
    """The CUDA source text."""
    return SOURCE_PATH.read_text(encoding="utf-8")


def _module():
    import cupy  # lazy: optional dependency (smile-viewer[gpu])

    dev = cupy.cuda.Device().id
    mod = _modules.get(dev)
    if mod is None:
        mod = cupy.RawModule(code=kernel_source())
        _modules[dev] = mod
    return mod


def _texture(volume_values: np.ndarray, key):
    """(texture object, CUDA array) for a float32 (nz, ny, nx) array, cached per ``key``."""
    # lazy: optional dependency (smile-viewer[gpu])
    import cupy
    from cupy.cuda import runtime, texture

    dev = cupy.cuda.Device().id
    cached = _textures.get(key) if key is not None else None
    if cached is not None and cached[0] == dev:
        return cached[1], cached[2]
    nz, ny, nx = volume_values.shape
    ch = texture.ChannelFormatDescriptor(32, 0, 0, 0, runtime.cudaChannelFormatKindFloat)
    array_cls = getattr(texture, "CUDAarray", None) or texture.CUDAArray
    arr = array_cls(ch, nx, ny, nz)
    arr.copy_from(np.ascontiguousarray(volume_values, dtype=np.float32))
    res = texture.ResourceDescriptor(runtime.cudaResourceTypeArray, cuArr=arr)
    tex = texture.TextureDescriptor(
        (runtime.cudaAddressModeClamp,) * 3,
        runtime.cudaFilterModePoint,
        runtime.cudaReadModeElementType,
        normalizedCoords=0,
    )
    obj = texture.TextureObject(res, tex)
    if key is not None:
        try:
            _textures[key] = (dev, obj, arr)
        except TypeError:  # not weak-referenceable: no cache
            pass
    return obj, arr


def _blocks(n: int) -> tuple[int]:
    return ((n + _THREADS - 1) // _THREADS,)


def run(prep, request):
    """Integrate one prepared source along its rays on the GPU →
    (∫ values ds per ray [source units × R_E], samples, boundary evaluations)."""
    import cupy  # lazy: optional dependency (smile-viewer[gpu])

    n = prep.dirs.shape[0]
    if n == 0:
        return np.zeros(0), 0, 0
    mod = _module()
    f64, i32 = np.float64, np.int32
    d_origin = cupy.asarray(np.ascontiguousarray(prep.origin, dtype=f64))
    d_dirs = cupy.asarray(np.ascontiguousarray(prep.dirs, dtype=f64))
    d_send = cupy.asarray(np.ascontiguousarray(prep.s_end, dtype=f64))
    out = cupy.zeros(n, dtype=f64)
    n_pt = cupy.zeros(n, dtype=np.int64)
    n_bd = cupy.zeros(n, dtype=np.int64)
    glx, glw = np.polynomial.legendre.leggauss(request.quadrature_order)
    d_glx = cupy.asarray(glx)
    d_glw = cupy.asarray(glw)
    ng = i32(glx.size)
    grid, block = _blocks(n), (_THREADS,)
    if prep.kind == "analytic":
        d_p = cupy.asarray(np.ascontiguousarray(prep.params, dtype=f64))
        if request.method == "trapezium":
            k = mod.get_function("sv_render_trapezium")
            k(
                grid,
                block,
                (i32(prep.model_id), d_p, d_origin, d_dirs, d_send, i32(n), f64(request.step_re), out, n_pt),
            )
        else:
            k = mod.get_function("sv_render_analytic")
            k(
                grid,
                block,
                (
                    i32(prep.model_id),
                    d_p,
                    d_origin,
                    d_dirs,
                    d_send,
                    i32(n),
                    f64(request.step_fraction),
                    f64(request.max_step_re),
                    f64(request.root_tol_re),
                    d_glx,
                    d_glw,
                    ng,
                    out,
                    n_pt,
                    n_bd,
                ),
            )
    elif prep.kind == "volume":
        values = prep.values
        nz, ny, nx = values.shape
        key = getattr(prep.leaf, "volume", None)
        tex, _arr = _texture(values, key)
        k = mod.get_function("sv_render_volume")
        k(
            grid,
            block,
            (
                tex,
                i32(nx),
                i32(ny),
                i32(nz),
                *(f64(v) for v in prep.grid_origin),
                *(f64(v) for v in prep.grid_spacing),
                d_origin,
                d_dirs,
                d_send,
                i32(n),
                f64(prep.volume_step_re),
                out,
                n_pt,
            ),
        )
    elif prep.kind == "aurora":
        d_p = cupy.asarray(np.ascontiguousarray(prep.params, dtype=f64))
        d_grid = cupy.asarray(np.ascontiguousarray(prep.shell_grid, dtype=f64))
        k = mod.get_function("sv_render_aurora")
        k(
            grid,
            block,
            (
                d_p,
                d_grid,
                d_origin,
                d_dirs,
                d_send,
                i32(n),
                f64(prep.shell_step_re),
                d_glx,
                d_glw,
                ng,
                out,
                n_pt,
            ),
        )
    else:  # pragma: no cover
        raise ValueError(f"unknown source kind {prep.kind!r}")
    return cupy.asnumpy(out), int(n_pt.sum()), int(n_bd.sum())
