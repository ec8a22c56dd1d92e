"""The SMILE imagers, SXI and UVI, as data: field of view, pixel grid, band, response figures.

Each instrument is defined by a JSON file under ``assets/instruments/`` (``sxi.json``,
``uvi.json``), where every number carries its status and provenance: ``[E]`` an exact
published figure, ``[D]`` derived here, ``[A]`` approximate or pre-launch — a configurable
placeholder with its reasoning (the rule of docs/reference.md: approximate values live in
configuration files with their provenance, never buried in code). :func:`load_instrument`
reads one by name or from any path with the same layout.

An :class:`Instrument` makes cameras (:meth:`Instrument.camera`) and carries what the
response model (:mod:`smile_viewer.mission.response`) needs:

- ``fov_deg`` (along camera x, along camera y), ``circular``, ``default_shape`` (ny, nx);
- ``image_units``: "keV cm^-2 s^-1 sr^-1" (SXI) or "R" (UVI, Rayleigh);
- ``band_kev`` (EMIN, EMAX; for UVI the photon energies of its 160–180 nm band) and
  ``band_nm`` (UVI);
- ``effective_area_cm2``; ``photons_per_unit``: photons cm^-2 s^-1 sr^-1 per image unit
  (SXI: 1 / mean photon energy [keV]; UVI: 10^6 / 4π per Rayleigh). For UVI the file gives a
  sensitivity in counts s^-1 R^-1 per pixel of its default grid and the equivalent area is
  derived from it;
- ``vignetting`` (a :class:`Vignetting`, a function of the off-axis angle), ``psf_fwhm_deg``
  (Gaussian), ``sky_background`` (in image units, seen through the optics) and
  ``particle_background_counts_s_sr`` (counts s^-1 sr^-1, not vignetted),
  ``default_exposure_s``;
- ``pointing``: the parameters of the default pointing law (:mod:`.pointing`).

Camera axes (both instruments): camera x along image columns (the SXI long axis), camera y
along rows (row 0 at the top of a picture), the boresight third; see
:mod:`smile_viewer.mission.camera` and the roll conventions in :mod:`.pointing`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.jsonfile import documented_value, read_json_file
from smile_viewer.mission.camera import Camera
from smile_viewer.resources import asset_path

__all__ = [
    "HC_KEV_NM",
    "PHOTONS_PER_RAYLEIGH",
    "Instrument",
    "Vignetting",
    "available_instruments",
    "load_instrument",
]

#: h c [keV nm] (CODATA 2018: 1239.841984 eV nm), for band edges in wavelength.
HC_KEV_NM: float = 1.239841984
#: Photons cm^-2 s^-1 sr^-1 in one Rayleigh (10^6 / 4π; Hunten et al. 1956).
PHOTONS_PER_RAYLEIGH: float = 1.0e6 / (4.0 * math.pi)

_BUILTIN = ("sxi", "uvi", "lexi")


@dataclass(frozen=True)
class Vignetting:
    """Relative throughput as a function of the off-axis angle θ (1 on axis).

    Models: ``"none"`` (1 everywhere); ``"quadratic"``:
    ``v = clip(1 - (1 - edge_value) (θ / edge_angle_deg)², 0, 1)``; ``"cos_power"``:
    ``v = cos(θ)^power``.
    """

    model: str = "none"
    edge_value: float = 1.0
    edge_angle_deg: float = 1.0
    power: float = 0.0

    def __post_init__(self):
        if self.model not in ("none", "quadratic", "cos_power"):
            raise UserInputError(f"unknown vignetting model {self.model!r}; use none, quadratic or cos_power")
        if self.model == "quadratic" and not (0.0 <= self.edge_value <= 1.0 and self.edge_angle_deg > 0.0):
            raise UserInputError("quadratic vignetting needs 0 <= edge_value <= 1 and edge_angle_deg > 0")

    @classmethod
    def from_dict(cls, d: dict) -> Vignetting:
        known = {"model", "edge_value", "edge_angle_deg", "power"}
        unknown = set(d) - known
        if unknown:
            raise UserInputError(f"vignetting: unknown field(s) {sorted(unknown)}")
        return cls(**{k: (str(v) if k == "model" else float(v)) for k, v in d.items()})

    def __call__(self, off_axis_rad) -> np.ndarray:
        """Throughput (float64, same shape) at off-axis angles [rad]."""
        theta = np.asarray(off_axis_rad, dtype=float)
        if self.model == "none":
            return np.ones_like(theta)
        if self.model == "quadratic":
            u = theta / math.radians(self.edge_angle_deg)
            return np.clip(1.0 - (1.0 - self.edge_value) * u * u, 0.0, 1.0)
        return np.clip(np.cos(theta), 0.0, 1.0) ** self.power


@dataclass(frozen=True, eq=False)
class Instrument:
    """One imager: geometry and response figures (see the module docstring).

    Build with :func:`load_instrument`; ``provenance`` keeps the whole parsed file.
    """

    name: str
    long_name: str
    fov_deg: tuple[float, float]
    circular: bool
    default_shape: tuple[int, int]
    image_units: str
    band_kev: tuple[float, float]
    effective_area_cm2: float
    photons_per_unit: float
    vignetting: Vignetting
    psf_fwhm_deg: float
    sky_background: float
    particle_background_counts_s_sr: float
    default_exposure_s: float
    pointing: dict = field(default_factory=dict)
    band_nm: tuple[float, float] | None = None
    projection: str = "TAN"
    source_path: str = ""
    provenance: dict = field(default_factory=dict, repr=False)

    # -- geometry

    def camera(self, position_re, rotation, shape=None, frame: str = "gse", rays=None):
        """A :class:`~smile_viewer.mission.camera.Camera` of this instrument.

        ``rotation``: columns camera x, camera y, boresight in ``frame`` (see
        :mod:`smile_viewer.mission.pointing` for the laws that make one); ``shape`` (ny, nx)
        defaults to :attr:`default_shape`; ``rays`` (ny, nx, 3) explicit unit vectors in
        ``frame`` replace the projection (the shape then follows the rays).
        """
        if rays is not None:
            rays = np.asarray(rays, dtype=float)
            if rays.ndim != 3 or rays.shape[-1] != 3:
                raise UserInputError(f"explicit rays must be an (ny, nx, 3) array, got shape {rays.shape}")
            if shape is not None and tuple(shape) != rays.shape[:2]:
                raise UserInputError(f"shape {tuple(shape)} does not match the rays' {rays.shape[:2]}")
            shape = rays.shape[:2]
        shape = self.default_shape if shape is None else tuple(int(v) for v in shape)
        return Camera(
            position_re=position_re,
            rotation=rotation,
            fov_deg=self.fov_deg,
            shape=shape,
            circular=self.circular,
            rays=rays,
            frame=frame,
            name=self.name,
        )

    def pixel_scale_deg(self, shape=None) -> tuple[float, float]:
        """Tangent-plane pixel size (along x, along y) [deg] for ``shape`` (ny, nx)."""
        ny, nx = self.default_shape if shape is None else shape
        fx, fy = (math.radians(v) for v in self.fov_deg)
        return math.degrees(2 * math.tan(fx / 2) / nx), math.degrees(2 * math.tan(fy / 2) / ny)

    # -- bookkeeping

    def approximate_values(self) -> list[str]:
        """Names of the file's entries marked [A] (dotted for nested ones)."""
        out = []

        def walk(d, prefix):
            for k, v in d.items():
                if isinstance(v, dict):
                    if v.get("status") == "[A]":
                        out.append(prefix + k)
                    walk(v, prefix + k + ".")

        walk(self.provenance, "")
        return out

    def summary(self) -> dict[str, Any]:
        """Key figures as a flat dict (for provenance records and headers)."""
        return {
            "instrument": self.name,
            "fov_deg": list(self.fov_deg),
            "circular": self.circular,
            "image_units": self.image_units,
            "band_kev": list(self.band_kev),
            "effective_area_cm2": self.effective_area_cm2,
            "photons_per_unit": self.photons_per_unit,
            "psf_fwhm_deg": self.psf_fwhm_deg,
            "sky_background": self.sky_background,
            "particle_background_counts_s_sr": self.particle_background_counts_s_sr,
            "vignetting": vars(self.vignetting).copy(),
            "source": self.source_path,
        }

    def __repr__(self) -> str:
        return (
            f"Instrument({self.name!r}, fov={self.fov_deg} deg, shape={self.default_shape}, "
            f"units={self.image_units!r})"
        )


# ---------------------------------------------------------------------------- loading


def _positive(value, key: str, path: Path, allow_zero: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataFileError(path, f"{key} = {value!r} is not a number") from None
    if not math.isfinite(v) or v < 0 or (v == 0 and not allow_zero):
        raise DataFileError(path, f"{key} = {value!r} must be {'>= 0' if allow_zero else '> 0'}")
    return v


def _pair(value, key: str, path: Path) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in value)
    except (TypeError, ValueError):
        raise DataFileError(path, f"{key} must be two numbers, got {value!r}") from None
    return a, b


def _pointing_values(d: dict, path: Path) -> dict:
    """The pointing section with documented entries replaced by their values."""
    out = {}
    for k, v in d.items():
        if isinstance(v, dict) and "value" in v:
            out[k] = documented_value(d, k, path)
        else:
            out[k] = v
    return out


def _parse(data: dict, path: Path) -> Instrument:
    if not isinstance(data, dict) or data.get("schema") != "smile-viewer instrument 1":
        raise DataFileError(path, "not a smile-viewer instrument file (schema 'smile-viewer instrument 1')")
    name = str(data.get("name", "")).strip().lower()
    if not name:
        raise DataFileError(path, "missing 'name'")
    fov = _pair(documented_value(data, "field_of_view_deg", path), "field_of_view_deg", path)
    nx, ny = (int(v) for v in documented_value(data, "pixel_grid", path))
    units = str(data.get("image_units", ""))
    circular = bool(data.get("circular", False))
    if units == "R":
        lo_nm, hi_nm = _pair(documented_value(data, "band_nm", path), "band_nm", path)
        band_nm = (lo_nm, hi_nm)
        band_kev = (HC_KEV_NM / hi_nm, HC_KEV_NM / lo_nm)
        photons_per_unit = PHOTONS_PER_RAYLEIGH
        sens = _positive(
            documented_value(data, "sensitivity_counts_per_rayleigh_pixel_s", path), "sensitivity", path
        )
        # Equivalent area from the sensitivity of an on-axis pixel of the default grid.
        dx = 2 * math.tan(math.radians(fov[0]) / 2) / nx
        dy = 2 * math.tan(math.radians(fov[1]) / 2) / ny
        area = sens / (PHOTONS_PER_RAYLEIGH * dx * dy)
    elif units == "keV cm^-2 s^-1 sr^-1":
        band_nm = None
        band_kev = _pair(documented_value(data, "energy_band_kev", path), "energy_band_kev", path)
        e_mean = _positive(
            documented_value(data, "mean_photon_energy_kev", path), "mean_photon_energy_kev", path
        )
        if not band_kev[0] <= e_mean <= band_kev[1]:
            raise DataFileError(path, f"mean photon energy {e_mean} keV lies outside the band {band_kev}")
        photons_per_unit = 1.0 / e_mean
        area = _positive(documented_value(data, "effective_area_cm2", path), "effective_area_cm2", path)
    else:
        raise DataFileError(path, f"image_units must be 'keV cm^-2 s^-1 sr^-1' or 'R', got {units!r}")
    vig = documented_value(data, "vignetting", path)
    try:
        vignetting = Vignetting.from_dict(vig)
    except (UserInputError, TypeError, ValueError) as exc:
        raise DataFileError(path, f"vignetting: {exc}") from None
    return Instrument(
        name=name,
        long_name=str(data.get("long_name", name.upper())),
        fov_deg=fov,
        circular=circular,
        default_shape=(ny, nx),
        image_units=units,
        band_kev=band_kev,
        effective_area_cm2=area,
        photons_per_unit=photons_per_unit,
        vignetting=vignetting,
        psf_fwhm_deg=_positive(
            documented_value(data, "psf_fwhm_deg", path), "psf_fwhm_deg", path, allow_zero=True
        ),
        sky_background=_positive(
            documented_value(data, "sky_background", path), "sky_background", path, allow_zero=True
        ),
        particle_background_counts_s_sr=_positive(
            documented_value(data, "particle_background_counts_s_sr", path),
            "particle_background",
            path,
            allow_zero=True,
        ),
        default_exposure_s=_positive(
            documented_value(data, "default_exposure_s", path), "default_exposure_s", path
        ),
        pointing=_pointing_values(data.get("pointing", {}), path),
        band_nm=band_nm,
        projection=str(data.get("projection", "TAN")),
        source_path=str(path),
        provenance=data,
    )


@lru_cache(maxsize=16)
def _load_path(path: str) -> Instrument:
    p = Path(path)
    data = read_json_file(p, "instrument file")
    return _parse(data, p)


def available_instruments() -> tuple[str, ...]:
    """Names of the built-in instruments."""
    return _BUILTIN


def load_instrument(name_or_path) -> Instrument:
    """An :class:`Instrument` by name (``"sxi"``, ``"uvi"``) or from a JSON file path."""
    if isinstance(name_or_path, Instrument):
        return name_or_path
    key = str(name_or_path).strip()
    if key.lower() in _BUILTIN:
        return _load_path(str(asset_path("instruments", f"{key.lower()}.json")))
    if key.lower().endswith(".json") or "/" in key or "\\" in key:
        return _load_path(str(Path(key).expanduser().resolve()))
    raise UserInputError(f"unknown instrument {name_or_path!r}; use {' or '.join(_BUILTIN)}, or a JSON file")
