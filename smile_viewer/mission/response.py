"""Instrument response: from an image in physical units to counts, with backgrounds and noise.

:func:`compute_response` turns a rendered image into the source signal (through the PSF), sky
and particle backgrounds, expected counts and seeded Poisson counts, with the instrument's
figures from ``assets/instruments/*.json``. The :class:`Response` holds ``signal``,
``sky_background``, ``particle_background``, ``background``, ``expected``, ``counts`` (int64),
``vignetting`` and ``counts_per_unit``, all (ny, nx). Formulas: docs/reference.md#instrument-response.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.ndimage import gaussian_filter

from smile_viewer.errors import UserInputError
from smile_viewer.mission.instruments import load_instrument

__all__ = ["FWHM_TO_SIGMA", "Response", "compute_response", "pixel_solid_angle_sr"]

#: σ = FWHM × FWHM_TO_SIGMA for a Gaussian.
FWHM_TO_SIGMA: float = 1.0 / (2.0 * math.sqrt(2.0 * math.log(2.0)))


@dataclass(frozen=True, eq=False)
class Response:
    """Counts maps of one exposure (see the module docstring)."""

    expected: np.ndarray
    counts: np.ndarray
    signal: np.ndarray
    background: np.ndarray
    sky_background: np.ndarray
    particle_background: np.ndarray
    vignetting: np.ndarray
    counts_per_unit: np.ndarray
    exposure_s: float
    seed: int | None
    instrument: str
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def total_counts(self) -> int:
        return int(self.counts.sum())


def pixel_solid_angle_sr(camera) -> np.ndarray:
    """Solid angle of each pixel [sr], (ny, nx).

    Projection cameras: ``camera.pixel_solid_angle_sr()``. Explicit rays: |∂d/∂i × ∂d/∂j|
    from central differences of the unit ray directions (one-sided at the edges).
    """
    if getattr(camera, "rays", None) is None:
        return np.asarray(camera.pixel_solid_angle_sr(), dtype=float)
    d = np.asarray(camera.ray_directions(), dtype=float)
    ny, nx = d.shape[:2]
    if nx < 2 or ny < 2:
        raise UserInputError("explicit rays need at least 2 x 2 pixels to estimate pixel solid angles")
    di = np.gradient(d, axis=1)
    dj = np.gradient(d, axis=0)
    return np.linalg.norm(np.cross(di, dj), axis=-1)


#: Longest exposure accepted [s] (a year): beyond it Poisson counts overflow 64-bit integers.
MAX_EXPOSURE_S = 3.2e7


def _exposure(value, instrument) -> float:
    t = instrument.default_exposure_s if value is None else value
    try:
        t = float(t)
    except (TypeError, ValueError):
        raise UserInputError(f"exposure = {value!r} is not a number") from None
    if not math.isfinite(t) or t <= 0:
        raise UserInputError(f"exposure must be a positive number of seconds, got {value!r}")
    if t > MAX_EXPOSURE_S:
        raise UserInputError(
            f"exposure = {value!r} s is longer than {MAX_EXPOSURE_S:g} s (a year): out of range"
        )
    return t


def compute_response(
    image,
    camera,
    instrument,
    *,
    exposure_s: float | None = None,
    seed: int | None = None,
    psf: bool = True,
    background: bool = True,
    vignetting: bool = True,
    rng: np.random.Generator | None = None,
) -> Response:
    """Counts from ``image`` (ny, nx, in ``instrument.image_units``) seen by ``camera``.

    ``instrument``: an :class:`~smile_viewer.mission.instruments.Instrument` or its name;
    ``exposure_s`` defaults to the instrument's; ``seed`` (or a ready ``rng``) makes the
    Poisson draw reproducible; ``psf``, ``background`` and ``vignetting`` switch those parts
    off (for checks).
    """
    inst = load_instrument(instrument)
    img = np.asarray(image, dtype=float)
    if img.shape != tuple(camera.shape):
        raise UserInputError(f"image shape {img.shape} does not match the camera's {tuple(camera.shape)}")
    t = _exposure(exposure_s, inst)
    if seed is not None and rng is not None:
        raise UserInputError("give a seed or a random generator, not both")
    if seed is not None:
        try:
            seed = int(seed)
        except (TypeError, ValueError):
            raise UserInputError(f"seed = {seed!r} is not an integer") from None
        if seed < 0:
            raise UserInputError(f"seed must be >= 0, got {seed}")
    generator = rng if rng is not None else np.random.default_rng(seed)

    inside = np.asarray(camera.inside_field(), dtype=bool)
    omega = pixel_solid_angle_sr(camera)
    vig = inst.vignetting(camera.off_axis_angle_rad()) if vignetting else np.ones(img.shape)
    vig = np.where(inside, vig, 0.0)
    per_unit = inst.photons_per_unit * inst.effective_area_cm2 * omega * vig * t

    intensity = np.where(np.isfinite(img), img, 0.0)
    intensity = np.clip(intensity, 0.0, None)
    signal = intensity * per_unit
    sigma_px = (0.0, 0.0)
    if psf and inst.psf_fwhm_deg > 0:
        px, py = camera.pixel_size_deg()
        sigma_px = (inst.psf_fwhm_deg * FWHM_TO_SIGMA / py, inst.psf_fwhm_deg * FWHM_TO_SIGMA / px)
        signal = gaussian_filter(signal, sigma=sigma_px, mode="reflect", truncate=4.0)
    signal = np.where(inside, signal, 0.0)

    if background:
        sky = inst.sky_background * per_unit
        particle = np.where(inside, inst.particle_background_counts_s_sr * omega * t, 0.0)
    else:
        sky = np.zeros(img.shape)
        particle = np.zeros(img.shape)
    bkg = sky + particle
    expected = signal + bkg
    peak = float(np.max(expected)) if expected.size else 0.0
    if not (math.isfinite(peak) and peak < 1e15):  # Poisson draws need lam well inside int64
        raise UserInputError(
            f"the image gives {peak:.3g} expected counts in a pixel (exposure {t:g} s): "
            "not finite or too many to draw counts from; check the image and the exposure"
        )
    counts = generator.poisson(expected).astype(np.int64)
    return Response(
        expected=expected,
        counts=counts,
        signal=signal,
        background=bkg,
        sky_background=sky,
        particle_background=particle,
        vignetting=vig,
        counts_per_unit=per_unit,
        exposure_s=t,
        seed=seed,
        instrument=inst.name,
        settings={
            "psf": bool(psf),
            "psf_fwhm_deg": inst.psf_fwhm_deg,
            "psf_sigma_px": [float(s) for s in sigma_px],
            "background": bool(background),
            "vignetting": bool(vignetting),
            "effective_area_cm2": inst.effective_area_cm2,
            "photons_per_unit": inst.photons_per_unit,
            "sky_background": inst.sky_background,
            "particle_background_counts_s_sr": inst.particle_background_counts_s_sr,
            "clipped_negative_pixels": int(np.count_nonzero(np.isfinite(img) & (img < 0))),
        },
    )
