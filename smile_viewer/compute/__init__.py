"""Synthetic images: ray marching through emissivity on the GPU (cupy), the CPU (numba) or numpy.

One entry point::

    from smile_viewer.compute import render, RenderRequest, AnalyticSource
    result = render(RenderRequest(camera, AnalyticSource(model)))
    result.image        # (ny, nx) in result.units (keV cm^-2 s^-1 sr^-1 for SXI, R for UVI)
    result.provenance   # backend and why, device, model and parameters, versions, timing, samples

- :mod:`.types`: :class:`RenderRequest`, :class:`RenderResult` and the sources
  (:class:`AnalyticSource`, :class:`VolumeSource`, :class:`AuroraSource`, :class:`SumSource`).
- :mod:`.backends`: :func:`render`, :func:`select_backend`, :func:`available_backends`.
- :mod:`.camera`: :class:`Camera` (position, attitude, gnomonic or explicit rays).

Importing this package loads neither cupy nor any GUI library; cupy is imported only when the
``cuda`` backend is chosen.
"""

from smile_viewer.compute.backends import available_backends, ray_ends, render, select_backend
from smile_viewer.compute.camera import Camera, look_rotation
from smile_viewer.compute.types import (
    AURORA_UNITS,
    SXI_UNITS,
    AnalyticSource,
    AuroraSource,
    RenderRequest,
    RenderResult,
    SumSource,
    VolumeSource,
)

__all__ = [
    "AURORA_UNITS",
    "SXI_UNITS",
    "AnalyticSource",
    "AuroraSource",
    "Camera",
    "RenderRequest",
    "RenderResult",
    "SumSource",
    "VolumeSource",
    "available_backends",
    "look_rotation",
    "ray_ends",
    "render",
    "select_backend",
]
