"""What a render is asked for and what it gives back: sources, :class:`RenderRequest`, :class:`RenderResult`.

Everything here is frozen and complete, so a request can be built on the GUI thread and handed
to a worker, and a result says exactly how it was made. Sources: :class:`AnalyticSource`,
:class:`VolumeSource`, :class:`AuroraSource` and :class:`SumSource`. Units (keV cm^-2 s^-1 sr^-1
for soft X-rays, Rayleigh for the aurora), frames, integration methods and limits:
docs/integration.md.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from smile_viewer.compute.camera import Camera
from smile_viewer.errors import UserInputError
from smile_viewer.physics import emissivity_kernels as K
from smile_viewer.physics.emissivity import LOS_FACTOR
from smile_viewer.physics.volume import Volume

__all__ = [
    "AURORA_UNITS",
    "BACKENDS",
    "METHODS",
    "SXI_UNITS",
    "AnalyticSource",
    "AuroraSource",
    "RenderRequest",
    "RenderResult",
    "Source",
    "SumSource",
    "VolumeSource",
]

#: Units of an SXI (soft X-ray) image.
SXI_UNITS = "keV cm^-2 s^-1 sr^-1"
#: Units of a UVI (auroral) image.
AURORA_UNITS = "R"
#: Backend names a request may ask for.
BACKENDS = ("auto", "cuda", "cpu", "numpy")
#: Integration methods.
METHODS = ("adaptive", "trapezium")

_EMISSIVITY_UNITS = "eV cm^-3 s^-1"
_AURORA_VOLUME_UNITS = ("R/R_E", "R per R_E", "R R_E^-1")


def _los_factor() -> float:
    return LOS_FACTOR


def _check_frame(frame: Any, what: str) -> str | None:
    if frame is None:
        return None
    key = str(frame).strip().lower()
    if key not in ("gse", "gsm"):
        raise UserInputError(f"{what} frame = {frame!r}: expected 'gse' or 'gsm'")
    return key


class _SourceBase:
    """Common behaviour of the sources (frozen dataclasses)."""

    kind: ClassVar[str] = ""

    def leaves(self) -> tuple[Any, ...]:
        """The elementary sources (a sum gives its terms, flattened)."""
        return (self,)

    @property
    def units(self) -> str:  # pragma: no cover - overridden
        raise NotImplementedError

    @property
    def unit_factor(self) -> float:  # pragma: no cover - overridden
        """Factor from ∫ (source values) dl [R_E] to the image units."""
        raise NotImplementedError

    def describe(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True, eq=False)
class AnalyticSource(_SourceBase):
    """An analytic soft X-ray emissivity model evaluated in the kernels.

    ``model``: a :class:`~smile_viewer.physics.emissivity.JorgensenModel`, ``CMEMModel`` or
    ``ExosphereModel`` (anything with ``model_id``, ``to_array()``, ``name``, ``provenance()``
    whose ``model_id`` the kernels know). ``frame``: the frame the model is defined in
    ("gse" or "gsm"; None = the camera's). ``time``: needed only when ``frame`` differs from
    the camera's.
    """

    model: Any
    frame: str | None = None
    time: Any = None
    kind: ClassVar[str] = "analytic"

    def __post_init__(self) -> None:
        mid = getattr(self.model, "model_id", None)
        if mid not in K.KERNEL_NPARAM or not callable(getattr(self.model, "to_array", None)):
            raise UserInputError(
                f"AnalyticSource needs a Jorgensen, CMEM, CMEM2 or exosphere model, got {type(self.model).__name__}"
            )
        p = np.ascontiguousarray(self.model.to_array(), dtype=np.float64)
        need = K.KERNEL_NPARAM[mid]
        if p.shape != (need,) or not np.all(np.isfinite(p)):
            raise UserInputError(f"{self.model.name} parameter vector must be {need} finite numbers")
        object.__setattr__(self, "frame", _check_frame(self.frame, "model"))

    @property
    def units(self) -> str:
        return SXI_UNITS

    @property
    def unit_factor(self) -> float:
        return _los_factor()

    def describe(self) -> dict[str, Any]:
        prov = self.model.provenance() if callable(getattr(self.model, "provenance", None)) else {}
        params = dict(getattr(self.model, "params", {}) or {})
        return {
            "kind": self.kind,
            "model": getattr(self.model, "name", type(self.model).__name__),
            "reference": prov.get("reference", getattr(self.model, "reference", "")),
            "parameters": params,
            "all_fields": {k: v for k, v in prov.items() if k not in ("model", "reference", "units")},
            "frame": self.frame,
            "emissivity_units": _EMISSIVITY_UNITS,
        }


@dataclass(frozen=True, eq=False)
class VolumeSource(_SourceBase):
    """A sampled volume (:class:`~smile_viewer.physics.volume.Volume`), trilinear, 0 outside.

    ``time`` is needed only when ``volume.frame`` differs from the camera's frame.
    """

    volume: Any
    time: Any = None
    kind: ClassVar[str] = "volume"

    def __post_init__(self) -> None:
        if not isinstance(self.volume, Volume):
            raise UserInputError(f"VolumeSource needs a Volume, got {type(self.volume).__name__}")

    @property
    def frame(self) -> str:
        return self.volume.frame

    @property
    def units(self) -> str:
        u = self.volume.units.strip()
        if u == _EMISSIVITY_UNITS:
            return SXI_UNITS
        if u in _AURORA_VOLUME_UNITS:
            return AURORA_UNITS
        return f"({u}) R_E"

    @property
    def unit_factor(self) -> float:
        return _los_factor() if self.volume.units.strip() == _EMISSIVITY_UNITS else 1.0

    def describe(self) -> dict[str, Any]:
        v = self.volume
        return {
            "kind": self.kind,
            "model": "sampled volume",
            "grid": v.to_dict_header(),
            "volume_provenance": dict(v.provenance),
            "interpolation": "trilinear, 0 outside the grid",
        }


@dataclass(frozen=True, eq=False)
class AuroraSource(_SourceBase):
    """The auroral emission shell at one ``time`` (images in Rayleigh).

    ``shell``: a :class:`smile_viewer.physics.aurora.AuroralShell`; the kernels use its
    gridded brightness map (``shell.grid()``, or ``grid`` when given) and its radial profile.
    ``max_step_km``: longest Gauss–Legendre sub-piece inside the shell (the shell is tens of
    km thick; a grazing ray runs through it for ~1000 km, across many grid cells).
    """

    shell: Any
    time: Any
    grid: Any = None
    max_step_km: float = 5.0
    kind: ClassVar[str] = "aurora"

    def __post_init__(self) -> None:
        if not callable(getattr(self.shell, "kernel_arrays", None)):
            raise UserInputError(
                f"AuroraSource needs an AuroralShell (with kernel_arrays), got {type(self.shell).__name__}"
            )
        if self.time is None:
            raise UserInputError("AuroraSource needs a time (the magnetic frame depends on it)")
        step = float(self.max_step_km)
        if not (math.isfinite(step) and step > 0):
            raise UserInputError(f"max_step_km = {self.max_step_km!r}: must be > 0")
        object.__setattr__(self, "max_step_km", step)

    @property
    def units(self) -> str:
        return AURORA_UNITS

    @property
    def unit_factor(self) -> float:
        return 1.0

    def describe(self) -> dict[str, Any]:
        params = getattr(self.shell, "parameters", {})
        return {
            "kind": self.kind,
            "model": "auroral shell",
            "parameters": params,
            "time": str(getattr(self.time, "isot", self.time)),
            "max_step_km": self.max_step_km,
            "brightness": "bilinear in the gridded mlat x MLT map",
        }


@dataclass(frozen=True, eq=False, init=False)
class SumSource(_SourceBase):
    """The sum of sources with the same units: ``SumSource(a, b, c)``."""

    sources: tuple[Any, ...]
    kind: ClassVar[str] = "sum"

    def __init__(self, *sources: Any):
        if len(sources) == 1 and isinstance(sources[0], (list, tuple)):
            sources = tuple(sources[0])
        if not sources:
            raise UserInputError("SumSource needs at least one source")
        for s in sources:
            if not isinstance(s, _SourceBase):
                raise UserInputError(f"SumSource terms must be sources, got {type(s).__name__}")
        units = {s.units for s in sources}
        if len(units) > 1:
            raise UserInputError(f"SumSource terms have different units {sorted(units)}: cannot add them")
        object.__setattr__(self, "sources", tuple(sources))

    def leaves(self) -> tuple[Any, ...]:
        out: list[Any] = []
        for s in self.sources:
            out.extend(s.leaves())
        return tuple(out)

    @property
    def units(self) -> str:
        return self.sources[0].units

    @property
    def unit_factor(self) -> float:  # pragma: no cover - leaves carry their own
        return 1.0

    def describe(self) -> dict[str, Any]:
        return {"kind": self.kind, "terms": [s.describe() for s in self.sources]}


Source = AnalyticSource | VolumeSource | AuroraSource | SumSource


def _positive_float(value: Any, name: str, *, allow_inf: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UserInputError(f"{name} = {value!r} is not a number") from None
    if math.isnan(v) or v <= 0 or (math.isinf(v) and not allow_inf):
        raise UserInputError(f"{name} = {value!r}: must be a finite number > 0")
    return v


@dataclass(frozen=True, eq=False)
class RenderRequest:
    """Everything a render needs (immutable).

    Parameters
    ----------
    camera
        :class:`~smile_viewer.compute.camera.Camera` (position, attitude, projection, pixels).
    source
        :class:`AnalyticSource`, :class:`VolumeSource`, :class:`AuroraSource` or
        :class:`SumSource`.
    method
        "adaptive" (default: boundary crossings + Gauss–Legendre + closed-form tails) or
        "trapezium" (fixed ``step_re``, the community approach). Sampled volumes and the
        auroral shell use their own integrators (see the module docstring) with either.
    step_re
        Trapezium step [R_E] (``method="trapezium"`` only). Default 0.5.
    step_fraction
        Adaptive: coarse step along the ray as a fraction of the geocentric distance r
        (default 0.6: 34° as seen from the Earth). Also the Gauss–Legendre panel length.
    max_step_re
        Adaptive: longest coarse step and panel [R_E] (default 12).
    quadrature_order
        Gauss–Legendre nodes per panel (1–8; default 4), also used in the auroral shell.
    root_tol_re
        Adaptive: boundary crossings are located to this [R_E] (default 1e-6).
    volume_step_voxels
        Sampled volumes: Simpson step as a fraction of the smallest voxel spacing (0 < f <= 0.5,
        default 0.5).
    max_distance_re
        Rays end at this path length from the camera [R_E] (default 80).
    occult_earth
        Rays stop where they meet the Earth's surface r = 1 R_E (default True).
    backend
        "auto" (cuda when cupy sees a GPU, else cpu; the ``SMILE_BACKEND`` environment
        variable overrides the automatic choice), "cuda", "cpu" (numba) or "numpy".
    outside_field_value
        Value of pixels outside a circular field (UVI): NaN by default (FITS blank).
    """

    camera: Camera
    source: Any
    method: str = "adaptive"
    step_re: float = 0.5
    step_fraction: float = 0.6
    max_step_re: float = 12.0
    quadrature_order: int = 4
    root_tol_re: float = 1e-6
    volume_step_voxels: float = 0.5
    max_distance_re: float = 80.0
    occult_earth: bool = True
    backend: str = "auto"
    outside_field_value: float = math.nan

    def __post_init__(self) -> None:
        if not isinstance(self.camera, Camera):
            raise UserInputError(f"RenderRequest.camera must be a Camera, got {type(self.camera).__name__}")
        if not isinstance(self.source, _SourceBase):
            raise UserInputError(
                "RenderRequest.source must be an AnalyticSource, VolumeSource, AuroraSource or SumSource, "
                f"got {type(self.source).__name__}"
            )
        method = str(self.method).strip().lower()
        if method not in METHODS:
            raise UserInputError(f"method = {self.method!r}: expected one of {METHODS}")
        backend = str(self.backend).strip().lower()
        if backend not in BACKENDS:
            raise UserInputError(f"backend = {self.backend!r}: expected one of {BACKENDS}")
        set_ = object.__setattr__
        set_(self, "method", method)
        set_(self, "backend", backend)
        set_(self, "step_re", _positive_float(self.step_re, "step_re"))
        set_(self, "step_fraction", _positive_float(self.step_fraction, "step_fraction"))
        set_(self, "max_step_re", _positive_float(self.max_step_re, "max_step_re"))
        set_(self, "root_tol_re", _positive_float(self.root_tol_re, "root_tol_re"))
        set_(self, "max_distance_re", _positive_float(self.max_distance_re, "max_distance_re"))
        f = _positive_float(self.volume_step_voxels, "volume_step_voxels")
        if f > 0.5:
            raise UserInputError(f"volume_step_voxels = {f}: must be <= 0.5 (half a voxel)")
        set_(self, "volume_step_voxels", f)
        try:
            order = int(self.quadrature_order)
        except (TypeError, ValueError):
            raise UserInputError(f"quadrature_order = {self.quadrature_order!r} is not an integer") from None
        if not 1 <= order <= 8 or order != self.quadrature_order:
            raise UserInputError(f"quadrature_order = {self.quadrature_order!r}: must be an integer 1..8")
        set_(self, "quadrature_order", order)
        if self.step_fraction > 2.0:
            raise UserInputError(f"step_fraction = {self.step_fraction}: must be <= 2")
        if method == "trapezium" and self.max_distance_re / self.step_re > 2e6:
            raise UserInputError(
                f"max_distance_re / step_re = {self.max_distance_re / self.step_re:.3g} steps per ray: "
                "too many (at most 2e6)"
            )
        if not math.isfinite(self.max_distance_re) or self.max_distance_re > 1e5:
            raise UserInputError(f"max_distance_re = {self.max_distance_re}: must be at most 1e5 R_E")
        set_(self, "occult_earth", bool(self.occult_earth))
        set_(self, "outside_field_value", float(self.outside_field_value))

    @property
    def units(self) -> str:
        """Units of the image this request makes."""
        return self.source.units

    def replace(self, **changes: Any) -> RenderRequest:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def settings(self) -> dict[str, Any]:
        """The integration settings, for provenance and file headers."""
        return {
            "method": self.method,
            "step_re": self.step_re if self.method == "trapezium" else None,
            "step_fraction": self.step_fraction,
            "max_step_re": self.max_step_re,
            "quadrature_order": self.quadrature_order,
            "root_tol_re": self.root_tol_re,
            "volume_step_voxels": self.volume_step_voxels,
            "max_distance_re": self.max_distance_re,
            "occult_earth": self.occult_earth,
            "backend_requested": self.backend,
        }


@dataclass(frozen=True, eq=False)
class RenderResult:
    """A rendered image in physical units, with what made it.

    Attributes
    ----------
    image
        (ny, nx) float64 in ``units`` (row 0 is the top of the picture, as the camera says).
    units
        "keV cm^-2 s^-1 sr^-1" (soft X-ray), "R" (aurora), or "(volume units) R_E".
    camera
        The camera (its WCS: ``smile_viewer.io.products.camera_wcs(camera)``).
    request
        The request.
    provenance
        backend, backend_reason, device, method and settings, source (model name, parameters),
        versions, timing_ms (total and per stage), samples (emissivity evaluations),
        boundary_evaluations, rays.
    """

    image: np.ndarray
    units: str
    camera: Camera
    request: RenderRequest
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def backend(self) -> str:
        """Name of the backend that made the image."""
        return str(self.provenance.get("backend", ""))

    def wcs(self, time: Any):
        """The image's celestial WCS at ``time`` (:func:`smile_viewer.io.products.camera_wcs`)."""
        # lazy: io.products loads astropy.wcs (~0.1 s); only WCS export needs it
        from smile_viewer.io.products import camera_wcs

        return camera_wcs(self.camera, time)
