"""Fitting emissivity models to observed SXI counts: above all the subsolar magnetopause.

:func:`fit_observation` fits a model of the registry (Jorgensen, CMEM, ...) to the counts map of
an :class:`~smile_viewer.io.observed.ObservedImage` by Poisson maximum likelihood (the Cash
statistic, :mod:`smile_viewer.analysis.statistics`) with Nelder–Mead. :class:`ForwardModel`
makes the expected counts (binning, rendering, instrument response, background);
:class:`FitResult` holds the result (:meth:`FitResult.to_json`; :meth:`FitResult.write_level4`,
the SXI team's level-4 layout, :mod:`smile_viewer.io.level4`).
Forward model, parameters, search and uncertainties: docs/analysis.md#fitting; the start from a
coarse scan of the image (:mod:`~smile_viewer.analysis.fit_start`) and the flags of a poor or
degenerate fit (:mod:`~smile_viewer.analysis.fit_quality`): docs/analysis.md#fit-start-and-quality.
"""

from __future__ import annotations

import json
import math
import time as _time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.ndimage import gaussian_filter
from scipy.optimize import brentq, minimize

from smile_viewer.analysis import fit_quality, fit_start
from smile_viewer.analysis.fit_level4 import write_fit_level4
from smile_viewer.analysis.geometry import match_geometry, pixel_directions
from smile_viewer.analysis.statistics import cash, cstat
from smile_viewer.cancel import Cancelled, is_cancelled
from smile_viewer.compute import RenderRequest, render
from smile_viewer.compute.types import AnalyticSource, VolumeSource
from smile_viewer.coords import dipole_tilt, rotation_matrix
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.atomic import atomic_write_text, check_output_path
from smile_viewer.io.observed import load_observed
from smile_viewer.mission.camera import Camera
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.response import FWHM_TO_SIGMA, pixel_solid_angle_sr
from smile_viewer.physics import models as registry
from smile_viewer.physics.solar_wind import SolarWind
from smile_viewer.physics.volume import Volume

__all__ = [
    "BIN_TARGET_DEG",
    "NORM",
    "NORM_BOUNDS",
    "FitCancelled",
    "FitProgress",
    "FitResult",
    "ForwardModel",
    "fit_command",
    "fit_observation",
    "start_model",
]

#: Target bin size [deg] of ``bin_factor="auto"``.
BIN_TARGET_DEG = 0.5
# What a fit needs of each model (free parameters by default, amplitudes, bounds, search steps,
# rays per bin for oversample="auto", inputs that may be freed) is the model registry's
# (smile_viewer.physics.models): the size parameter and "norm" are free by default.
#: The pseudo-parameter that multiplies every amplitude of the start model together.
NORM = "norm"
#: Bounds of ``norm`` while fitting.
NORM_BOUNDS = (1e-3, 1e3)
#: Search step of a parameter with no registered step, relative to its value (at least 1e-3).
RELATIVE_STEP = 0.1
#: Search step of a model input freed besides the published parameters, relative to its value.
_INPUT_RELATIVE_STEP = 0.2
_BAD = 1e30


class FitCancelled(Cancelled):
    """The fit was cancelled through its ``cancel`` flag."""


@dataclass(frozen=True)
class FitProgress:
    """One step of a fit (given to the ``progress`` callback)."""

    n_evals: int
    cost: float
    best_cost: float
    params: dict[str, float]
    phase: str
    elapsed_s: float


def _entry(model) -> registry.EmissivityModelEntry:
    """The registry entry of a fittable model (a key, an alias or a model object)."""
    fittable = ", ".join(registry.fittable_models())
    try:
        entry = registry.emissivity_model(str(getattr(model, "name", model)))
    except UserInputError:
        raise UserInputError(f"unknown model {model!r}: fit one of {fittable}") from None
    if not entry.fittable:
        raise UserInputError(f"{entry.key} cannot be fitted: fit one of {fittable}")
    return entry


def _model_name(model) -> str:
    return _entry(model).key


def _param_names(model_name: str) -> tuple[str, ...]:
    e = _entry(model_name)
    return e.parameter_names + tuple(p.name for p in e.fit_inputs)


def _fit_inputs(model_name: str) -> tuple[str, ...]:
    return tuple(p.name for p in _entry(model_name).fit_inputs)


def _amplitudes(model_name: str) -> tuple[str, ...]:
    return _entry(model_name).amplitudes


def start_model(model_name: str, obs=None, *, solar_wind=None, params: Mapping[str, float] | None = None):
    """The starting model: the defaults for ``solar_wind`` (default n = 5 cm^-3, v = 400 km/s,
    Bz = 0) with ``params`` overrides; a GSM model takes the dipole tilt at ``obs``'s DATE-OBS."""
    entry = _entry(model_name)
    sw = solar_wind if solar_wind is not None else SolarWind()
    over = dict(params or {})
    if "r_mp" in over and entry.size_parameter != "r_mp":
        raise UserInputError(
            f"{entry.key}: give {entry.size_parameter} (the magnetopause size scale), not r_mp"
        )
    tilt = 0.0
    if obs is not None and entry.needs_tilt:
        tilt = float(dipole_tilt(obs.time_start))
    return entry.model(sw, tilt_rad=tilt, **over)


def _subsolar(model) -> float:
    return float(_entry(model).standoff_re(model))


# ---------------------------------------------------------------------------- forward model


def _block_sum(a: np.ndarray, b: int, oy: int, ox: int, nby: int, nbx: int) -> np.ndarray:
    sub = a[oy : oy + nby * b, ox : ox + nbx * b]
    return sub.reshape(nby, b, nbx, b).sum(axis=(1, 3))


class ForwardModel:
    """Expected counts per bin of an observation for any model (module docstring, steps 1–5).

    Attributes after construction: ``camera`` (the observation's matched camera),
    ``sample_camera`` (the rays rendered), ``bin_factor``, ``oversample``, ``shape``
    (bins), ``data`` (counts per bin), ``background``, ``exposure_factor`` (Σ photons per
    unit intensity per bin), ``mask`` (bins used), ``bin_deg``, ``notes``.
    """

    def __init__(
        self,
        obs,
        *,
        instrument=None,
        bin_factor: int | str = "auto",
        oversample: int = 2,
        background: str | np.ndarray | None = None,
        backend: str = "cpu",
        psf: bool = True,
    ):
        self.obs = obs
        self.notes: list[str] = []
        name = instrument if instrument is not None else (obs.instrument or "sxi")
        if not obs.instrument and instrument is None:
            self.notes.append("instrument unknown: SXI assumed")
        self.instrument = load_instrument(name)
        if self.instrument.image_units == "R":
            raise UserInputError(
                f"{obs.path}: {self.instrument.name.upper()} images the aurora; the soft X-ray "
                "models are fitted to SXI counts"
            )
        geom = match_geometry(obs, self.instrument)
        self.geometry = geom
        self.notes.extend(geom.notes)
        cam = geom.camera
        self.camera = cam
        self.time = obs.time_start
        counts = obs.counts
        if counts is None:
            raise DataFileError(obs.path, "has no counts map (extension CTSMAP): the fit needs counts")
        counts = np.asarray(counts, dtype=float)
        if obs.exposure_s is None:
            t = self.instrument.default_exposure_s
            self.notes.append(f"no exposure in the file: {t:g} s (the instrument's default) assumed")
        else:
            t = float(obs.exposure_s)
        self.exposure_s = t
        self.backend = backend
        self.psf = bool(psf)

        # exposure factor per fine pixel: photons per unit intensity (x A_eff x Omega x v x t)
        inst = self.instrument
        inside = np.asarray(cam.inside_field(), dtype=bool)
        omega = pixel_solid_angle_sr(cam)
        vig = obs.vignetting
        if vig is not None:
            vig = np.where(np.isfinite(vig), np.clip(vig, 0.0, None), 0.0)
            self.vignetting_source = "VIGMAP"
        else:
            vig = inst.vignetting(cam.off_axis_angle_rad())
            self.vignetting_source = "instrument model"
        vig = np.where(inside, vig, 0.0)
        per_unit = inst.photons_per_unit * inst.effective_area_cm2 * omega * vig * t
        self.fine_exposure_factor = per_unit

        # background per fine pixel
        if isinstance(background, np.ndarray):
            bkg = np.asarray(background, dtype=float)
            if bkg.shape != obs.shape:
                raise UserInputError(f"background shape {bkg.shape} differs from the image's {obs.shape}")
            self.background_source = "given"
        else:
            choice = "auto" if background is None else str(background).lower()
            if choice not in ("auto", "file", "model"):
                raise UserInputError(f"background = {background!r}: expected 'file', 'model' or an array")
            bkg = obs.background if choice in ("auto", "file") else None
            if bkg is None and choice == "file":
                raise DataFileError(obs.path, "has no BKGMAP (nor background parts XBMAP, PBMAP, …)")
            if bkg is not None:
                bkg = np.asarray(bkg, dtype=float)
                self.background_source = "BKGMAP" if "BKGMAP" in obs.maps else "sum of background parts"
            else:
                sky = inst.sky_background * per_unit
                particle = np.where(inside, inst.particle_background_counts_s_sr * omega * t, 0.0)
                bkg = sky + particle
                self.background_source = "instrument model"
                self.notes.append("no background map in the file: the instrument's model background is used")
        self.fine_background = bkg
        self.fine_counts = counts
        with np.errstate(invalid="ignore"):
            valid = np.isfinite(counts) & np.isfinite(bkg) & (per_unit > 0) & inside & (bkg >= 0)
        self.fine_valid = valid

        # binning
        ny, nx = obs.shape
        px, py = cam.pixel_size_deg()
        if isinstance(bin_factor, str):
            if bin_factor.strip().lower() != "auto":
                raise UserInputError(f"bin_factor = {bin_factor!r}: an integer >= 1 or 'auto'")
            b = max(1, round(BIN_TARGET_DEG / (0.5 * (px + py))))
        else:
            try:
                b = int(bin_factor)
            except (TypeError, ValueError):
                raise UserInputError(f"bin_factor = {bin_factor!r}: an integer >= 1 or 'auto'") from None
            if b < 1 or b != bin_factor:
                raise UserInputError(f"bin_factor = {bin_factor!r}: an integer >= 1 or 'auto'")
        b = min(b, ny, nx)
        try:
            o = int(oversample)
        except (TypeError, ValueError):
            raise UserInputError(f"oversample = {oversample!r}: an integer 1..8") from None
        if not 1 <= o <= 8 or o != oversample:
            raise UserInputError(f"oversample = {oversample!r}: an integer 1..8")
        nby, nbx = ny // b, nx // b
        oy, ox = (ny - nby * b) // 2, (nx - nbx * b) // 2
        if (ny - nby * b) or (nx - nbx * b):
            self.notes.append(
                f"{ny - nby * b} row(s) and {nx - nbx * b} column(s) at the edges left out "
                f"(shape not a multiple of {b})"
            )
        self.bin_factor, self.oversample = b, o
        self.offset = (oy, ox)
        self.shape = (nby, nbx)
        self.bin_deg = (b * px, b * py)
        self.data = _block_sum(np.where(valid, counts, 0.0), b, oy, ox, nby, nbx)
        self.background = _block_sum(np.where(valid, bkg, 0.0), b, oy, ox, nby, nbx)
        self.exposure_factor = _block_sum(np.where(valid, per_unit, 0.0), b, oy, ox, nby, nbx)
        nvalid = _block_sum(valid.astype(float), b, oy, ox, nby, nbx)
        self.mask = nvalid == b * b
        if not self.mask.any():
            raise UserInputError(f"{obs.path}: no bin of {b}x{b} pixels has data everywhere: nothing to fit")
        if self.data[self.mask].sum() <= 0:
            raise UserInputError(f"{obs.path}: the counts map holds no counts where there are data")

        # rays at the sub-cell centres (0-based pixel coordinates)
        sub = (np.arange(o) + 0.5) * (b / o) - 0.5
        xs = (ox + np.arange(nbx)[:, None] * b + sub[None, :]).reshape(-1)
        ys = (oy + np.arange(nby)[:, None] * b + sub[None, :]).reshape(-1)
        xx, yy = np.meshgrid(xs, ys)
        rays = pixel_directions(obs, xx, yy, frame=cam.frame)
        self.sample_camera = Camera(
            position_re=cam.position_re,
            rotation=cam.rotation,
            fov_deg=cam.fov_deg,
            shape=rays.shape[:2],
            circular=False,
            rays=rays,
            frame=cam.frame,
            name=cam.name,
        )
        fw = inst.psf_fwhm_deg * FWHM_TO_SIGMA
        self.psf_sigma_bins = (fw / self.bin_deg[1], fw / self.bin_deg[0]) if (psf and fw > 0) else (0.0, 0.0)
        self.renders = 0
        self.render_ms = 0.0

    # -- sources

    def source(self, model):
        """The render source of ``model`` (CMEM in GSM with the tilt at DATE-OBS, as ``synth``; a
        Volume, an emissivity cube, in its own frame at DATE-OBS)."""
        if isinstance(model, Volume):
            return VolumeSource(model, time=self.time)
        frame = _entry(model).frame
        if frame != "gse":
            return AnalyticSource(model, frame=frame, time=self.time)
        return AnalyticSource(model)

    def _in_model_frame(self, camera, model):
        """(camera, source) for a render: an explicit-ray camera is turned into the model's frame
        once and kept (the same rotation the renderer applies, which would otherwise recompute
        the GSE→GSM matrix from the time, ~10 ms, on every forward model)."""
        src = self.source(model)
        frame = src.frame
        if frame is None or frame == camera.frame or camera.rays is None:
            return camera, src
        cache = self.__dict__.setdefault("_frame_cameras", {})
        key = (id(camera), frame)
        if key not in cache:
            m = np.asarray(rotation_matrix(self.time, camera.frame, frame), dtype=float).reshape(3, 3)
            cache[key] = (
                camera,
                Camera(
                    position_re=m @ camera.position_re,
                    rotation=m @ camera.rotation,
                    fov_deg=camera.fov_deg,
                    shape=camera.shape,
                    circular=False,
                    rays=camera.rays @ m.T,
                    frame=frame,
                    name=camera.name,
                ),
            )
        if isinstance(model, Volume):  # the camera is in the volume's frame now: no rotation left
            return cache[key][1], VolumeSource(model)
        return cache[key][1], AnalyticSource(model, frame=frame)

    def _render(self, camera, model) -> np.ndarray:
        t0 = _time.perf_counter()
        camera, src = self._in_model_frame(camera, model)
        res = render(RenderRequest(camera, src, backend=self.backend))
        self.render_ms += 1e3 * (_time.perf_counter() - t0)
        self.renders += 1
        img = np.asarray(res.image, dtype=float)
        return np.clip(np.where(np.isfinite(img), img, 0.0), 0.0, None)

    def bin_intensity(self, model) -> np.ndarray:
        """Mean model intensity per bin (image units)."""
        o = self.oversample
        nby, nbx = self.shape
        img = self._render(self.sample_camera, model)
        return img.reshape(nby, o, nbx, o).mean(axis=(1, 3))

    def signal(self, model) -> np.ndarray:
        """Expected source counts per bin."""
        sig = self.bin_intensity(model) * self.exposure_factor
        if self.psf_sigma_bins[0] > 0:
            sig = gaussian_filter(sig, sigma=self.psf_sigma_bins, mode="reflect", truncate=4.0)
        return sig

    def expected(self, model) -> np.ndarray:
        """Expected counts per bin: signal + background."""
        return self.signal(model) + self.background

    def cash(self, expected: np.ndarray) -> float:
        """C = 2 Σ (m − d ln m) over the bins used."""
        return cash(self.data, expected, mask=self.mask)

    # -- full resolution (for the level-4 product and the comparison view)

    def full_resolution(self, model) -> tuple[np.ndarray, np.ndarray]:
        """(intensity, expected counts) of ``model`` on the observed grid (PSF in pixel units)."""
        img = self._render(self.camera, model)
        sig = img * self.fine_exposure_factor
        fw = self.instrument.psf_fwhm_deg * FWHM_TO_SIGMA
        if self.psf and fw > 0:
            px, py = self.camera.pixel_size_deg()
            sig = gaussian_filter(sig, sigma=(fw / py, fw / px), mode="reflect", truncate=4.0)
        sig = np.where(np.asarray(self.camera.inside_field(), dtype=bool), sig, 0.0)
        return img, sig + self.fine_background


# ---------------------------------------------------------------------------- result


def _clean(v):
    if isinstance(v, dict):
        return {str(k): _clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return _clean(v.tolist())
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.bool_,)):
        return bool(v)
    return v


@dataclass(eq=False)
class FitResult:
    """What a fit found (module docstring). Arrays and the forward model are kept for the
    GUI and :meth:`write_level4`; :meth:`to_dict` holds the rest."""

    model_name: str
    parameters: dict[str, float]
    start_parameters: dict[str, float]
    free: tuple[str, ...]
    errors: dict[str, float]
    covariance: np.ndarray
    subsolar_re: float
    subsolar_err_re: float
    cash: float
    cstat: float
    n_bins: int
    dof: int
    n_evals: int
    time_s: float
    success: bool
    message: str
    method: str
    uncertainty_method: str
    bounds: dict[str, tuple[float, float]]
    bin_factor: int
    oversample: int
    bin_deg: tuple[float, float]
    exposure_s: float
    observation: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    history: list[tuple[int, float, tuple[float, ...]]] = field(default_factory=list)
    profile_interval: tuple[float, float] | None = None
    model: Any = None
    expected: np.ndarray | None = None
    forward: Any = None
    quality: Any = None  # fit_quality.FitQuality: flags, C-stat test, widened error
    start_scan: Any = None  # fit_start.StartScan: the profile the start came from

    @property
    def flags(self) -> list:
        """The :class:`~smile_viewer.analysis.fit_quality.FitFlag` s of this fit (empty: none)."""
        return list(self.quality.flags) if self.quality is not None else []

    @property
    def reliable(self) -> bool:
        """False when a flag says the value should not be used without looking at the image."""
        return self.quality.reliable if self.quality is not None else True

    def quality_text(self) -> str:
        """One line: "" when nothing is flagged, else "UNRELIABLE: …" or "flagged: …"."""
        if not self.flags:
            return ""
        head = "UNRELIABLE" if not self.reliable else "flagged"
        return f"{head}: " + "; ".join(f"{f.code} ({f.message})" for f in self.flags)

    @property
    def correlation(self) -> np.ndarray:
        c = np.asarray(self.covariance, dtype=float)
        d = np.sqrt(np.diag(c))
        with np.errstate(invalid="ignore", divide="ignore"):
            return c / np.outer(d, d)

    def summary_line(self) -> str:
        entry = _entry(self.model_name)
        name = "r_mp" if entry.size_parameter == "r_mp" else f"subsolar r_mp ({entry.key.upper()})"
        err = f" ± {self.subsolar_err_re:.3f}" if math.isfinite(self.subsolar_err_re) else ""
        text = (
            f"{name} = {self.subsolar_re:.3f}{err} R_E ({self.model_name}, free {','.join(self.free)}; "
            f"C = {self.cash:.2f}, C-stat {self.cstat:.1f} for {self.dof} dof; {self.n_evals} forward models "
            f"in {self.time_s:.2f} s)"
        )
        flags = ", ".join(f.code for f in self.flags)
        if flags:
            text += (" UNRELIABLE: " if not self.reliable else " flagged: ") + flags
        return text

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly record (no arrays but the covariance)."""
        return _clean(
            {
                "schema": "smile-viewer fit 1",
                "model": self.model_name,
                "subsolar_magnetopause_re": self.subsolar_re,
                "subsolar_magnetopause_err_re": self.subsolar_err_re,
                "free": list(self.free),
                "parameters": self.parameters,
                "errors": self.errors,
                "start_parameters": self.start_parameters,
                "bounds": {k: list(v) for k, v in self.bounds.items()},
                "covariance": np.asarray(self.covariance).tolist(),
                "correlation": self.correlation.tolist(),
                "profile_interval": list(self.profile_interval) if self.profile_interval else None,
                "statistic": {
                    "name": "cash",
                    "definition": "C = 2 sum(m - d ln m)",
                    "value": self.cash,
                    "cstat": self.cstat,
                    "cstat_definition": "2 sum(m - d + d ln(d/m)) ~ chi2(dof)",
                    "n_bins": self.n_bins,
                    "dof": self.dof,
                },
                "optimizer": {
                    "method": self.method,
                    "success": self.success,
                    "message": self.message,
                    "n_evals": self.n_evals,
                    "time_s": self.time_s,
                    "uncertainties": self.uncertainty_method,
                },
                "binning": {
                    "bin_factor": self.bin_factor,
                    "oversample": self.oversample,
                    "bin_deg": list(self.bin_deg),
                },
                "exposure_s": self.exposure_s,
                "observation": self.observation,
                "quality": self.quality.to_dict() if self.quality is not None else None,
                "start_scan": self.start_scan.to_dict() if self.start_scan is not None else None,
                "notes": self.notes,
            }
        )

    def to_json(self, path) -> Any:
        """Write :meth:`to_dict` as JSON, atomically; returns the path."""
        return atomic_write_text(path, json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n")

    def write_level4(self, path, *, overwrite: bool = True):
        """Write the level-4 FITS in the SXI team's layout (:mod:`smile_viewer.io.level4`),
        atomically; returns the path."""
        return write_fit_level4(self, path, overwrite=overwrite)


# ---------------------------------------------------------------------------- the fit


def _scale(name: str, value: float, model_name: str) -> float:
    """The search step of a parameter: 20 % for amplitudes, the registry's step, else relative."""
    if name in _amplitudes(model_name) or name == NORM:
        return 0.2 * abs(value) if value != 0 else 1e-6
    if name in _fit_inputs(model_name):
        return _INPUT_RELATIVE_STEP * max(abs(value), 1e-3)
    step = _entry(model_name).parameter(name).step
    return step if step is not None else RELATIVE_STEP * max(abs(value), 1e-3)


def _bounds(name: str, model_name: str, user: Mapping[str, Sequence[float]] | None):
    if user and name in user:
        lo, hi = (float(v) for v in user[name])
        if not lo < hi:
            raise UserInputError(f"bounds for {name}: lower {lo} must be below upper {hi}")
        return lo, hi
    if name == NORM:
        return NORM_BOUNDS
    return _entry(model_name).parameter(name).bounds


def _parse_free(free, model_name: str) -> tuple[tuple[str, ...], list[str]]:
    names = _param_names(model_name)
    notes = []
    entry = _entry(model_name)
    if free is None:
        items = [entry.size_parameter, NORM]
    elif isinstance(free, str):
        items = [s.strip() for s in free.split(",") if s.strip()]
    else:
        items = [str(s).strip() for s in free]
    out: list[str] = []
    for it in items:
        if it == "r_mp" and entry.size_parameter != "r_mp":
            it = entry.size_parameter
            notes.append(f"free 'r_mp' for {entry.key.upper()} means {it} (the magnetopause size scale)")
        if it not in names and it != NORM:
            raise UserInputError(
                f"{model_name}: unknown free parameter {it!r}; valid: {', '.join(names)}, {NORM}"
            )
        if it in out:
            raise UserInputError(f"free parameter {it} given twice")
        out.append(it)
    if not out:
        raise UserInputError("no free parameter to fit")
    if NORM in out:
        both = [n for n in out if n in entry.amplitudes]
        if both:
            raise UserInputError(
                f"free '{NORM}' scales all amplitudes ({', '.join(entry.amplitudes)}) "
                f"together: do not free {', '.join(both)} as well"
            )
    return tuple(out), notes


def fit_observation(
    obs,
    model=registry.DEFAULT_EMISSIVITY,
    *,
    free=None,
    start=None,
    solar_wind=None,
    params: Mapping[str, float] | None = None,
    bounds=None,
    instrument=None,
    bin_factor: int | str = "auto",
    oversample: int | str = "auto",
    background=None,
    errors: str = "hessian",
    tie_bow_shock: bool = True,
    max_evals: int = 400,
    backend: str = "cpu",
    progress: Callable[[FitProgress], Any] | None = None,
    cancel=None,
    forward: ForwardModel | None = None,
    scan: bool = True,
) -> FitResult:
    """Fit ``model`` (a fittable model of the registry) to the counts of ``obs`` (module docstring).

    ``start``: a model object to start from (else :func:`start_model` with ``solar_wind`` and
    ``params``); ``free``: names (list or "r_mp,A1"); ``bounds``: {name: (lo, hi)};
    ``forward``: a ready :class:`ForwardModel` (reused across fits of the same observation);
    ``scan``: start from a coarse scan of the magnetopause size on the image
    (:mod:`smile_viewer.analysis.fit_start`; False: from ``start`` as given). The result carries
    flags and a widened error where the fit is poor or degenerate
    (:mod:`smile_viewer.analysis.fit_quality`).
    """
    t_start = _time.perf_counter()
    model_name = _model_name(model if start is None else start)
    if start is None:
        start = start_model(model_name, obs, solar_wind=solar_wind, params=params)
    elif params:
        start = start.replace(**params)
    free, notes = _parse_free(free, model_name)
    if isinstance(oversample, str) and oversample.strip().lower() == "auto":
        oversample = _entry(model_name).fit_oversample
    err_mode = str(errors).strip().lower()
    if err_mode not in ("hessian", "profile", "none"):
        raise UserInputError(f"errors = {errors!r}: expected 'hessian', 'profile' or 'none'")
    try:
        max_evals = int(max_evals)
    except (TypeError, ValueError):
        raise UserInputError(f"max_evals = {max_evals!r} is not an integer") from None
    if max_evals < 5:
        raise UserInputError(f"max_evals = {max_evals}: at least 5")
    if bounds:
        unknown = sorted(set(bounds) - set(_param_names(model_name)) - {NORM})
        if unknown:
            raise UserInputError(f"bounds for unknown parameter(s) {unknown}")
    fwd = (
        forward
        if forward is not None
        else ForwardModel(
            obs,
            instrument=instrument,
            bin_factor=bin_factor,
            oversample=oversample,
            background=background,
            backend=backend,
        )
    )
    notes.extend(fwd.notes)

    start_params = dict(start.params)
    for extra in _fit_inputs(model_name):
        start_params[extra] = float(getattr(start, extra))
    start_params[NORM] = 1.0
    start_sub = _subsolar(start)
    # the bow shock moves with the magnetopause (a model whose bow shock is placed relative to
    # the magnetopause, CMEM2's dr, has no absolute bow-shock parameter and needs no tie)
    bs_param = _entry(model_name).bow_shock_parameter
    tie = bool(tie_bow_shock) and bs_param is not None and bs_param not in free
    bs_offset = start_params[bs_param] - start_sub if tie else 0.0
    bnds = {n: _bounds(n, model_name, bounds) for n in free}
    for n in free:
        lo, hi = bnds[n]
        if not lo <= start_params[n] <= hi:
            raise UserInputError(
                f"start value {n} = {start_params[n]:g} lies outside its bounds ({lo:g}, {hi:g})"
            )

    amp_names = _amplitudes(model_name)

    shape = {"model": start}  # the start model; its CMEM pressure may come from the scan

    def build(values: Mapping[str, float]):
        changes = dict(values)
        norm = changes.pop(NORM, None)
        if norm is not None:
            for a in amp_names:
                changes[a] = start_params[a] * norm
        m = shape["model"].replace(**changes)
        if tie:
            r_sub = _subsolar(m)
            m = m.replace(**{bs_param: max(r_sub + bs_offset, 0.1)})
        return m

    state = {"n": 0, "best": math.inf, "phase": "fit"}
    history: list[tuple[int, float, tuple[float, ...]]] = []

    def evaluate(values: Mapping[str, float]) -> tuple[float, np.ndarray | None]:
        if is_cancelled(cancel):
            raise FitCancelled("fit cancelled")
        try:
            m = build(values)
        except UserInputError:
            return _BAD, None
        exp = fwd.expected(m)
        c = fwd.cash(exp)
        if not math.isfinite(c):
            c = _BAD
        state["n"] += 1
        state["best"] = min(state["best"], c)
        history.append((state["n"], c, tuple(float(values[k]) for k in free)))
        if progress is not None:
            progress(
                FitProgress(
                    state["n"],
                    c,
                    state["best"],
                    {k: float(values[k]) for k in free},
                    state["phase"],
                    _time.perf_counter() - t_start,
                )
            )
        return c, exp

    amps = [n for n in free if n in _amplitudes(model_name) or n == NORM]

    # the start from the image: a coarse scan of the magnetopause size (analysis.fit_start)
    size = fit_start.size_parameter(free) if scan else None
    start_scan = None
    nuisance: tuple[str, ...] = ()  # scanned start-model inputs whose uncertainty the errors include
    starts = [(start, {n: start_params[n] for n in free})]
    if size is not None:
        # CMEM with p0 free: the start's Lin et al. (2010) pressure is scanned too, which moves *and
        # reshapes* the magnetopause as the solar wind does (p0 then refines the size from 1)
        names = [size]
        shape_name = fit_start.SHAPE_SCANS.get(size)
        if shape_name in _fit_inputs(model_name) and shape_name not in free:
            names.append(shape_name)
            nuisance = (shape_name,)
        scan_bounds = {**bnds, **{n: _bounds(n, model_name, bounds) for n in names if n not in bnds}}
        state["phase"] = "scan"
        start_scan = _scan_start(
            fwd, build, names, scan_bounds, start_params, amps, progress, cancel, t_start
        )
        if start_scan is not None and start_scan.minima:
            starts = []
            for i in start_scan.starts():
                v = float(start_scan.values[i])
                p = {n: start_params[n] for n in free}
                moved = start_scan.parameter_at(i)
                if moved == size:
                    starts.append((start, {**p, size: v}))
                else:
                    starts.append((start.replace(**{moved: v}), p))
            moved = start_scan.parameter_at(start_scan.best)
            notes.append(
                f"start from the image: {moved} = {start_scan.values[start_scan.best]:.4g} (subsolar "
                f"{start_scan.subsolar_re[start_scan.best]:.2f} R_E), the best of {start_scan.values.size} "
                f"magnetopause positions on {start_scan.bin_factor}x{start_scan.bin_factor}-pixel bins"
                + (f"; {len(starts) - 1} other minimum(s) tried" if len(starts) > 1 else "")
            )
        state["phase"] = "fit"
    k = len(free)

    def local_fit(p_init: dict[str, float], budget: int):
        # amplitude pre-scaling: the best common factor for the start geometry
        if amps:
            sig = fwd.signal(build({n: v for n, v in p_init.items() if n not in amps}))
            kf = _best_amplitude_factor(fwd.data, sig, fwd.background, fwd.mask)
            if kf is not None and math.isfinite(kf) and kf > 0:
                for n in amps:
                    p_init[n] = float(np.clip(start_params[n] * kf, *bnds[n]))
        sc = np.array([_scale(n, p_init[n], model_name) for n in free])
        x0 = np.array([p_init[n] for n in free])

        def to_values(u: np.ndarray) -> dict[str, float]:
            p = x0 + np.asarray(u) * sc
            return {n: float(np.clip(v, *bnds[n])) for n, v in zip(free, p)}

        def objective(u):
            return evaluate(to_values(u))[0]

        ub = [((bnds[n][0] - x0[i]) / sc[i], (bnds[n][1] - x0[i]) / sc[i]) for i, n in enumerate(free)]
        ub = [(None if not math.isfinite(lo) else lo, None if not math.isfinite(hi) else hi) for lo, hi in ub]
        simplex = np.vstack([np.zeros(k), np.eye(k)])
        for i, (lo, hi) in enumerate(ub):  # keep the initial simplex inside the bounds
            if hi is not None and simplex[i + 1, i] > hi:
                simplex[i + 1, i] = -1.0 if lo is None or lo <= -1.0 else lo
        o = minimize(
            objective,
            np.zeros(k),
            method="Nelder-Mead",
            bounds=ub,
            options={"xatol": 1e-3, "fatol": 1e-3, "maxfev": budget, "initial_simplex": simplex},
        )
        return to_values(o.x), o, sc, kf if amps else None

    runs = []
    for j, (model_j, p0_) in enumerate(starts):
        budget = max_evals - state["n"]
        if j and budget < 20:
            notes.append(f"{len(starts) - j} further start(s) skipped: max_evals reached")
            break
        shape["model"] = model_j
        r = local_fit(dict(p0_), max(budget, 5))
        runs.append((*r, model_j, _subsolar(build(r[0]))))
    i_best = int(np.argmin([r[1].fun for r in runs]))
    best_vals, opt, scales, k_amp, shape["model"], _ = runs[i_best]
    if k_amp is not None:
        notes.append(f"free amplitudes scaled by {k_amp:.4g} before the search (best common factor)")
    other_minima = [(r[5], float(r[1].fun - opt.fun)) for j, r in enumerate(runs) if j != i_best]
    for extra in _fit_inputs(model_name):
        if extra not in free and getattr(shape["model"], extra) != start_params[extra]:
            notes.append(
                f"the start model's {extra} = {getattr(shape['model'], extra):.4g} (was "
                f"{start_params[extra]:.4g}), from the scan"
            )
    best_model = build(best_vals)
    best_params = {kk: float(v) for kk, v in best_model.params.items()}
    for extra in _fit_inputs(model_name):
        if extra in free or getattr(best_model, extra) != start_params[extra]:  # fitted, or from the scan
            best_params[extra] = float(getattr(best_model, extra))
    if NORM in free:
        best_params[NORM] = best_vals[NORM]
    best_c, best_exp = evaluate(best_vals)
    success = bool(opt.success)
    message = str(opt.message)
    for n in free:
        lo, hi = bnds[n]
        if math.isclose(best_vals[n], lo, rel_tol=0, abs_tol=1e-6 * scales[free.index(n)]) or math.isclose(
            best_vals[n], hi, rel_tol=0, abs_tol=1e-6 * scales[free.index(n)]
        ):
            notes.append(f"{n} = {best_vals[n]:g} is at a bound: its error is not meaningful")

    # uncertainties
    cov = np.full((k, k), np.nan)
    unc = "none"
    interval = None
    if err_mode in ("hessian", "profile"):
        state["phase"] = "errors"
        if nuisance:
            # the start's pressure is uncertain too (its scan picks it on coarse bins): the
            # Hessian includes it, and the errors of the free parameters are its marginals
            ext_free = free + nuisance
            ext_vals = {**best_vals, **{n: float(getattr(shape["model"], n)) for n in nuisance}}
            ext_scales = np.concatenate([scales, [_scale(n, ext_vals[n], model_name) for n in nuisance]])
            ext_bnds = {**bnds, **{n: _bounds(n, model_name, bounds) for n in nuisance}}
            cov_ext, unc = _covariance(
                evaluate, fwd, build, ext_vals, best_c, best_exp, ext_free, ext_scales, ext_bnds, notes
            )
            cov = cov_ext[:k, :k]
            nuisance_err = _propagate_subsolar(build, ext_vals, ext_free, cov_ext, ext_scales)
            unc += f" (marginal over {', '.join(nuisance)})"
        else:
            cov, unc = _covariance(
                evaluate, fwd, build, best_vals, best_c, best_exp, free, scales, bnds, notes
            )
        if err_mode == "profile":
            state["phase"] = "profile"
            main = next((n for n in free if n in ("r_mp", "p0")), free[0])
            interval = _profile_interval(evaluate, best_vals, best_c, free, scales, bnds, cov, notes, main)
            if interval is not None:
                unc = unc + "+profile"
    errs = {
        n: float(math.sqrt(cov[i, i])) if np.isfinite(cov[i, i]) and cov[i, i] >= 0 else math.nan
        for i, n in enumerate(free)
    }
    sub = _subsolar(best_model)
    sub_err = _propagate_subsolar(build, best_vals, free, cov, scales)
    if nuisance and err_mode != "none":
        sub_err = nuisance_err
        for j, n in enumerate(nuisance):  # the start input's own error (not free; marginal)
            v = cov_ext[k + j, k + j]
            errs[n] = float(math.sqrt(v)) if np.isfinite(v) and v >= 0 else math.nan
    main = next((n for n in free if n in ("r_mp", "p0")), None)
    if interval is not None and main is not None:
        notes.append(f"profile ΔC = 1 interval of {main}: [{interval[0]:.4g}, {interval[1]:.4g}]")
        try:
            lo_sub = _subsolar(build({**best_vals, main: interval[0]}))
            hi_sub = _subsolar(build({**best_vals, main: interval[1]}))
            sub_err = max(0.5 * abs(hi_sub - lo_sub), sub_err if nuisance and math.isfinite(sub_err) else 0.0)
            notes.append(
                "the subsolar error is the half-width of the profile interval"
                + (f" (or the Hessian's marginal over {', '.join(nuisance)}, if larger)" if nuisance else "")
            )
        except UserInputError:
            pass

    # how far the fit can be trusted: flags and the widened error (analysis.fit_quality)
    cstat_value = float(cstat(fwd.data, best_exp, mask=fwd.mask))
    quality = fit_quality.assess_fit(
        cstat_value=cstat_value,
        expected_counts=best_exp,
        mask=fwd.mask,
        free=free,
        best=best_vals,
        bounds=bnds,
        scales=scales,
        subsolar_re=sub,
        subsolar_err_re=sub_err,
        size_param=size or main,
        scan=start_scan,
        other_minima=other_minima,
        in_field=_field_view(fwd, best_model, sub),
        converged=success,
        message=message,
        errors_computed=err_mode != "none",
    )
    if quality.error_scale > 1.0:
        errs = {n: v * quality.error_scale for n, v in errs.items()}
        cov = cov * quality.error_scale**2
    n_bins = int(fwd.mask.sum())
    return FitResult(
        model_name=model_name,
        parameters=best_params,
        start_parameters={
            kk: float(v) for kk, v in start_params.items() if kk in best_params or kk in start.params
        },
        free=free,
        errors=errs,
        covariance=cov,
        subsolar_re=sub,
        subsolar_err_re=quality.subsolar_err_re,
        cash=float(best_c),
        cstat=cstat_value,
        n_bins=n_bins,
        dof=n_bins - k,
        n_evals=state["n"],
        time_s=_time.perf_counter() - t_start,
        success=success,
        message=message,
        method="Nelder-Mead (scipy.optimize.minimize), Cash statistic",
        uncertainty_method=unc,
        bounds=bnds,
        bin_factor=fwd.bin_factor,
        oversample=fwd.oversample,
        bin_deg=fwd.bin_deg,
        exposure_s=fwd.exposure_s,
        observation=obs.summary(),
        notes=notes,
        history=history,
        profile_interval=interval,
        model=best_model,
        expected=best_exp,
        forward=fwd,
        quality=quality,
        start_scan=start_scan,
    )


#: k ≥ 0 minimising C(k·signal + background) (shared with the start scan).
_best_amplitude_factor = fit_start.best_amplitude_factor


def _scan_start(fwd, build, names, bnds, start_params, amps, progress, cancel, t_start):
    """The coarse scans (:func:`fit_start.scan_start`) of each parameter in ``names`` on one
    coarse forward model, merged into one profile; progress ("scan") and cancel."""
    if is_cancelled(cancel):
        raise FitCancelled("fit cancelled")
    a_lo, a_hi = bnds[NORM] if NORM in amps else (1e-3, 1e3)
    seen = {"n": 0, "best": math.inf}
    coarse = None
    scans = []
    for name in names:

        def subsolar_of(v: float, name=name) -> float:
            return _subsolar(build({name: v}))

        values, subs = fit_start.scan_grid(subsolar_of, bnds[name], start_params[name], log=name == "pd_npa")
        if values.size < 3:
            continue

        def on_eval(v, sub, c, kk, name=name):
            if is_cancelled(cancel):
                raise FitCancelled("fit cancelled")
            seen["n"] += 1
            seen["best"] = min(seen["best"], c)
            if progress is not None:
                params = {name: v, **({NORM: kk} if NORM in amps else {})}
                progress(
                    FitProgress(seen["n"], c, seen["best"], params, "scan", _time.perf_counter() - t_start)
                )

        coarse = coarse if coarse is not None else fit_start.coarse_forward(fwd)
        scans.append(
            fit_start.scan_start(
                coarse,
                build,
                name,
                values,
                subs,
                fit_amplitude=bool(amps),
                amplitude_bounds=(a_lo, a_hi),
                on_eval=on_eval,
            )
        )
    return fit_start.merge_scans(scans) if scans else None


def _field_view(fwd, model, subsolar_re: float):
    """(subsolar point in the field, its angle to the nearest used bin [deg], θ [deg] of the
    magnetopause point nearest the nose that the used bins see) for :func:`fit_quality.assess_fit`.
    The subsolar point (r, 0, 0) lies on the X axis, which GSE and GSM share."""
    if str(fwd.camera.frame).lower() not in ("gse", "gsm") or not math.isfinite(subsolar_re):
        return None
    inside, offset = fit_quality.point_in_field(fwd, (subsolar_re, 0.0, 0.0), frame=str(fwd.camera.frame))
    theta = math.nan
    if callable(getattr(model, "magnetopause_r", None)):
        cam, _ = fwd._in_model_frame(fwd.sample_camera, model)
        nby, nbx = fwd.shape
        o = fwd.oversample
        centres = np.asarray(cam.ray_directions(), dtype=float).reshape(nby, o, nbx, o, 3).mean(axis=(1, 3))
        theta = fit_quality.seen_nose_angle_deg(cam.position_re, centres, fwd.mask, model.magnetopause_r)
    return inside, offset, theta


def _covariance(evaluate, fwd, build, best, c0, exp0, free, scales, bnds, notes):
    """Covariance of the free parameters: inverse Hessian of C/2 (Fisher fallback)."""
    k = len(free)
    x = np.array([best[n] for n in free])

    def vals(v):
        return {n: float(v[i]) for i, n in enumerate(free)}

    # Fisher matrix from central-difference derivatives of the expected counts
    mask = fwd.mask
    m0 = exp0[mask]
    jac = np.zeros((mask.sum(), k))
    for i in range(k):
        h = 0.1 * scales[i]
        xp, xm = x.copy(), x.copy()
        xp[i] += h
        xm[i] -= h
        _, ep = evaluate(vals(xp))
        _, em = evaluate(vals(xm))
        if ep is None or em is None:
            notes.append("uncertainties: a model near the best fit is invalid; no covariance")
            return np.full((k, k), np.nan), "none"
        jac[:, i] = (ep[mask] - em[mask]) / (2 * h)
    fisher = jac.T @ (jac / m0[:, None])
    try:
        cov_f = np.linalg.inv(fisher)
    except np.linalg.LinAlgError:
        notes.append("uncertainties: singular Fisher matrix (a parameter has no effect); no covariance")
        return np.full((k, k), np.nan), "none"
    sig_f = np.sqrt(np.clip(np.diag(cov_f), 0, None))
    # steps of one Fisher sigma: the secant curvature over the 1-sigma range (ΔC ≈ 1), which the
    # small-scale roughness of C (a boundary crossing the rays of a bin) does not dominate
    steps = np.where(sig_f > 0, sig_f, 0.1 * scales)

    def f(v):  # C/2
        return 0.5 * evaluate(vals(v))[0]

    f0 = 0.5 * c0
    hess = np.zeros((k, k))
    fp, fm = np.zeros(k), np.zeros(k)
    for i in range(k):
        e = np.zeros(k)
        e[i] = steps[i]
        fp[i], fm[i] = f(x + e), f(x - e)
        hess[i, i] = (fp[i] - 2 * f0 + fm[i]) / steps[i] ** 2
    for i in range(k):
        for j in range(i + 1, k):
            ei = np.zeros(k)
            ej = np.zeros(k)
            ei[i], ej[j] = steps[i], steps[j]
            val = (f(x + ei + ej) - f(x + ei - ej) - f(x - ei + ej) + f(x - ei - ej)) / (
                4 * steps[i] * steps[j]
            )
            hess[i, j] = hess[j, i] = val
    try:
        np.linalg.cholesky(hess)
        return np.linalg.inv(hess), "hessian"
    except np.linalg.LinAlgError:
        notes.append("uncertainties: the Hessian of C/2 is not positive definite; Fisher matrix used")
        return cov_f, "fisher"


def _profile_interval(evaluate, best, c0, free, scales, bnds, cov, notes, name):
    """ΔC = 1 interval of parameter ``name``, the other free parameters re-fitted at each point."""
    i0 = free.index(name)
    others = tuple(n for n in free if n != name)
    lo_b, hi_b = bnds[name]
    x_best = best[name]
    var = cov[i0, i0]
    sigma = math.sqrt(var) if np.isfinite(var) and var > 0 else scales[i0] * 0.2
    cache: dict[float, float] = {}

    def prof(xv: float) -> float:
        if xv in cache:
            return cache[xv]
        if not others:
            c = evaluate({**best, name: xv})[0]
        else:
            x0 = np.array([best[o] for o in others])
            sc = np.array([scales[free.index(o)] for o in others])

            def obj(u):
                vals = {**best, name: xv}
                for i, o in enumerate(others):
                    vals[o] = float(np.clip(x0[i] + u[i] * sc[i], *bnds[o]))
                return evaluate(vals)[0]

            k = len(others)
            simplex = np.vstack([np.zeros(k), 0.3 * np.eye(k)])
            r = minimize(
                obj,
                np.zeros(k),
                method="Nelder-Mead",
                options={"xatol": 1e-3, "fatol": 1e-3, "maxfev": 80, "initial_simplex": simplex},
            )
            c = float(r.fun)
        cache[xv] = c - c0 - 1.0
        return cache[xv]

    out = []
    for direction in (-1, 1):
        step = sigma
        edge = lo_b if direction < 0 else hi_b
        a = x_best
        b = x_best + direction * step
        found = False
        for _ in range(8):
            b = min(max(b, lo_b), hi_b)
            if prof(b) > 0:
                found = True
                break
            if b == edge:
                break
            a, b = b, x_best + direction * (abs(b - x_best) * 2.0)
        if not found:
            notes.append(
                f"profile of {name}: ΔC = 1 not reached toward the {'lower' if direction < 0 else 'upper'} "
                "bound"
            )
            return None
        lo_x, hi_x = (b, a) if direction < 0 else (a, b)
        if prof(lo_x) * prof(hi_x) > 0:
            return None
        out.append(brentq(prof, lo_x, hi_x, xtol=1e-3 * scales[i0]))
    return (float(out[0]), float(out[1]))


def _propagate_subsolar(build, best, free, cov, scales) -> float:
    """σ of the subsolar distance from the covariance (numerical gradient; no render)."""
    if not np.all(np.isfinite(cov)):
        return math.nan
    g = np.zeros(len(free))
    for i, n in enumerate(free):
        h = 1e-3 * scales[i]
        try:
            up = _subsolar(build({**best, n: best[n] + h}))
            dn = _subsolar(build({**best, n: best[n] - h}))
        except UserInputError:
            return math.nan
        g[i] = (up - dn) / (2 * h)
    var = float(g @ cov @ g)
    return math.sqrt(var) if var >= 0 else math.nan


# ---------------------------------------------------------------------------- command line


def fit_command(
    observation,
    *,
    model: str = registry.DEFAULT_EMISSIVITY,
    out,
    fits=None,
    free=None,
    params: Mapping[str, float] | None = None,
    solar_wind=None,
    instrument=None,
    bin_factor: int | str = "auto",
    oversample: int | str = "auto",
    errors: str = "hessian",
    max_evals: int = 400,
    background=None,
    record: int = 0,
    backend: str = "cpu",
):
    """What ``smile-viewer fit`` does: check the outputs, load, fit, write JSON (and the level-4 FITS).

    ``observation``, ``out``, ``fits``: paths; ``free``: free parameter names (a sequence; None
    for the model's default); ``params``: start values; ``solar_wind``: a ``SolarWind`` of the
    start model; ``bin_factor`` / ``oversample``: an int or "auto"; ``max_evals``: most forward
    models; ``record``: image record of a CDF file. The command line
    (:mod:`smile_viewer.cli.fit`) turns its option text into these. Mistakes raise
    UserInputError / DataFileError. Returns (result, [paths written]).
    """
    out_path = check_output_path(out)
    fits_path = check_output_path(fits) if fits else None
    if fits_path is not None and fits_path.resolve() == out_path.resolve():
        raise UserInputError("--out and --fits name the same file")
    name = _model_name(model)
    if errors not in ("hessian", "profile", "none"):
        raise UserInputError(f"--errors must be hessian, profile or none, got {errors!r}")
    free_names, _ = _parse_free(free, name)
    obs = load_observed(observation, instrument=instrument, record=int(record))
    start = start_model(name, obs, solar_wind=solar_wind, params=params)
    result = fit_observation(
        obs,
        name,
        free=free_names,
        start=start,
        bin_factor=bin_factor,
        oversample=oversample,
        background=background,
        errors=errors,
        max_evals=int(max_evals),
        backend=backend,
        instrument=instrument,
    )
    written = [result.to_json(out_path)]
    if fits_path is not None:
        written.append(result.write_level4(fits_path))
    return result, written
