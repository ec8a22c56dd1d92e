"""Synthetic SXI/UVI image products in FITS, and the celestial WCS of a camera.

:func:`camera_wcs` (RA/Dec, gnomonic TAN, from a camera's attitude at a time),
:func:`write_synthetic_product` (one FITS file per image, written atomically: the image in
physical units with the SXI team's level-3 keys, the response's maps as extensions, a
PROVENANCE table) and :func:`read_synthetic_product`. Layout: docs/formats.md#synthetic-products.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS

import smile_viewer
from smile_viewer.coords import rotation_matrix, transform
from smile_viewer.coords.timeparse import parse_time
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.atomic import atomic_path
from smile_viewer.io.checked_file import checked_path, damaged_file_errors
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.physics.solar_wind import SolarWind

__all__ = [
    "RESPONSE_EXTENSIONS",
    "SyntheticProduct",
    "camera_wcs",
    "fits_unit",
    "read_synthetic_product",
    "write_synthetic_product",
]

#: Extension names written with a response, in file order.
RESPONSE_EXTENSIONS = ("CTSMAP", "EXPMAP", "SIGMAP", "BKGMAP", "XBMAP", "PBMAP", "VIGMAP", "CXFOV", "ERRFOV")

_UNITS_FITS = {"keV cm^-2 s^-1 sr^-1": "keV cm-2 s-1 sr-1", "R": "R"}
_UNITS_BACK = {v: k for k, v in _UNITS_FITS.items()}


def fits_unit(units: str) -> str:
    """The FITS ``BUNIT`` string of our unit names ("keV cm^-2 s^-1 sr^-1" → "keV cm-2 s-1 sr-1")."""
    return _UNITS_FITS.get(units, units.replace("^", ""))


def _as_time(time):
    if isinstance(time, Time):
        if not time.isscalar:
            raise UserInputError("one time is needed for a WCS")
        return time
    return parse_time(time)


# ---------------------------------------------------------------------------- WCS


def _radec(v: np.ndarray) -> tuple[float, float]:
    ra = math.degrees(math.atan2(v[1], v[0])) % 360.0
    dec = math.degrees(math.asin(max(-1.0, min(1.0, v[2]))))
    return ra, dec


def camera_wcs(camera, time):
    """Celestial WCS (``RA---TAN``/``DEC--TAN``, ICRS axes) of ``camera`` at ``time``.

    ``time``: astropy ``Time`` or an ISO string (UTC). See the module docstring.
    """
    t = _as_time(time)
    frame = getattr(camera, "frame", "gse")
    rot = rotation_matrix(t, frame, "gei") @ np.asarray(camera.rotation, dtype=float)
    cx, cy, b = rot[:, 0], rot[:, 1], rot[:, 2]
    ra0, dec0 = _radec(b)
    a, d = math.radians(ra0), math.radians(dec0)
    if math.cos(d) < 1e-12:  # at a celestial pole: RA is arbitrary, take 0
        a = 0.0
        ra0 = 0.0
    east = np.array([-math.sin(a), math.cos(a), 0.0])
    north = np.array([-math.sin(d) * math.cos(a), -math.sin(d) * math.sin(a), math.cos(d)])
    ny, nx = camera.shape
    dx, dy = camera.pixel_scale_rad
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.crpix = [(nx + 1) / 2.0, (ny + 1) / 2.0]
    w.wcs.crval = [ra0, dec0]
    # CD: pixel offsets -> (east, north) tangent-plane degrees. Written as CDELT × PC with
    # CDELT = the pixel sizes (the level-3 products' meaning of CDELT1/2); PC = CD / CDELT is a
    # rotation scaled by dy/dx off the diagonal (exactly a rotation for square pixels).
    cd = np.degrees(np.array([[dx * (cx @ east), dy * (cy @ east)], [dx * (cx @ north), dy * (cy @ north)]]))
    cdelt = np.array([math.degrees(dx), math.degrees(dy)])
    w.wcs.cdelt = cdelt
    w.wcs.pc = cd / cdelt[:, None]
    w.wcs.lonpole = 180.0
    w.wcs.latpole = dec0
    w.wcs.radesys = "ICRS"
    w.wcs.dateobs = t.utc.isot
    w.wcs.set()
    return w


# ---------------------------------------------------------------------------- writing


def _default_aim(camera) -> tuple[np.ndarray, str]:
    """Closest approach of the boresight to Earth's centre (when ahead), else |r| along it."""
    p = np.asarray(camera.position_re, dtype=float)
    b = np.asarray(camera.boresight, dtype=float)
    s = -float(p @ b)
    if s <= 0:
        s = float(np.linalg.norm(p))
        return p + s * b, "point |r| along the boresight (no aim point given)"
    return p + s * b, "boresight point closest to Earth's centre (no aim point given)"


def _card_value(v):
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return f if math.isfinite(f) else None
    if isinstance(v, str) and len(v) <= 40:
        return v
    return None


def _jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _jsonable(obj.tolist()) if obj.size <= 64 else f"<array {obj.shape} {obj.dtype}>"
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if math.isfinite(f) else str(f)
    if isinstance(obj, (np.integer,)):
        return int(obj)
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if obj is None or isinstance(obj, (str, int, bool)):
        return obj
    if hasattr(obj, "isot"):
        return str(obj.isot)
    return repr(obj)


def _model_info(model) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(name, scalar parameters, full description) of a model-like object."""
    if model is None:
        return "", {}, {}
    if isinstance(model, str):
        return model, {}, {"model": model}
    if isinstance(model, dict):
        name = str(model.get("model", model.get("name", "")))
        params = model.get("parameters", {k: v for k, v in model.items() if k not in ("model", "name")})
        return name, dict(params) if isinstance(params, dict) else {}, dict(model)
    name = str(getattr(model, "name", type(model).__name__))
    params = getattr(model, "params", None)
    if params is None:
        params = getattr(model, "parameters", {})
        params = params() if callable(params) else params
    desc = model.provenance() if callable(getattr(model, "provenance", None)) else {"model": name}
    return name, dict(params or {}), dict(desc)


def _primary_header(
    image_units,
    camera,
    time,
    instrument,
    wcs,
    exposure_s,
    aim,
    aim_note,
    model,
    solar_wind,
    provenance,
    response,
    extra_cards,
):
    t = _as_time(time)
    h = fits.Header()
    h["TELESCOP"] = ("SMILE", "ESA-CAS SMILE mission")
    h["INSTRUME"] = (instrument.name.upper(), instrument.long_name[:46])
    h["ORIGIN"] = ("smile-viewer", "synthetic image, not flight data")
    h["PROGRAM"] = ("smile-viewer", "software that made this file")
    h["VERSION"] = (smile_viewer.__version__, "smile-viewer version")
    h["BUNIT"] = (fits_unit(image_units), "Rayleigh" if image_units == "R" else "line-of-sight intensity")
    h.extend(wcs.to_header(), update=True)
    h["RA"] = (float(wcs.wcs.crval[0]), "[deg] boresight right ascension (ICRS axes)")
    h["DEC"] = (float(wcs.wcs.crval[1]), "[deg] boresight declination (ICRS axes)")
    if getattr(camera, "rays", None) is not None:
        h["WCSNOTE"] = ("nominal", "explicit rays: WCS of the nominal pointing only")
    h["FRAME"] = (str(getattr(camera, "frame", "gse")).upper(), "scene frame of the render")
    pos = np.asarray(camera.position_re, dtype=float)
    if str(getattr(camera, "frame", "gse")).lower() != "gse":
        pos = transform(pos, t, camera.frame, "gse")
        aim = transform(aim, t, camera.frame, "gse")
    for k, v in zip("XYZ", pos):
        h[f"POS_{k}"] = (float(v), f"[R_E] spacecraft position {k} GSE")
    for k, v in zip("XYZ", aim):
        h[f"AIM_{k}"] = (float(v), f"[R_E] aim point {k} GSE")
    if aim_note:
        h["AIMDEF"] = (aim_note[:60], "")
    end = t + float(exposure_s) * u.s
    h["DATE-OBS"] = (t.utc.isot, "start of the exposure (UTC)")
    h["DATE-END"] = (end.utc.isot, "end of the exposure (UTC)")
    h["EXPOS"] = (float(exposure_s), "[s] exposure time")
    h["EMIN"] = (float(instrument.band_kev[0]), "[keV] lower band edge")
    h["EMAX"] = (float(instrument.band_kev[1]), "[keV] upper band edge")
    if instrument.band_nm is not None:
        h["WAVEMIN"] = (float(instrument.band_nm[0]), "[nm] lower band edge")
        h["WAVEMAX"] = (float(instrument.band_nm[1]), "[nm] upper band edge")
    h["FOV_X"] = (float(camera.fov_deg[0]), "[deg] field of view along camera x")
    h["FOV_Y"] = (float(camera.fov_deg[1]), "[deg] field of view along camera y")
    name, params, _ = _model_info(model)
    if name:
        h["MODEL"] = (name[:68], "emission model")
    for k, v in params.items():
        cv = _card_value(v)
        if cv is not None:
            h[f"HIERARCH MODEL {k}"] = (cv, "model parameter")
    if solar_wind is not None:
        for k, v, c in solar_wind.fits_cards():
            h[k] = (float(v), c)
    prov = provenance or {}
    if prov.get("backend"):
        h["BACKEND"] = (str(prov["backend"]), "render backend")
    settings = prov.get("settings") or {}
    if isinstance(settings, dict):
        for key, card, com in (
            ("method", "METHOD", "line-of-sight integration method"),
            ("step_re", "STEP", "[R_E] trapezium step"),
            ("max_distance_re", "MAXDIST", "[R_E] ray length"),
            ("occult_earth", "OCCULT", "rays stop at the Earth"),
        ):
            cv = _card_value(settings.get(key))
            if cv is not None:
                h[card] = (cv, com)
    if response is not None:
        h["SEED"] = (-1 if response.seed is None else int(response.seed), "Poisson seed (-1: none)")
        h["NCOUNTS"] = (int(response.counts.sum()), "total simulated counts")
    h["HISTORY"] = "Synthetic image made by smile-viewer: line-of-sight integral of a model"
    h["HISTORY"] = "and an approximate instrument response ([A] values: assets/instruments)."
    for k, v in (extra_cards or {}).items():
        h[k] = v
    return h


def write_synthetic_product(
    path,
    result,
    camera,
    time,
    instrument,
    response=None,
    solar_wind=None,
    model=None,
    *,
    aim_re=None,
    exposure_s: float | None = None,
    extra_cards: dict | None = None,
    overwrite: bool = True,
) -> Path:
    """Write a synthetic image product (module docstring); returns the path.

    ``result``: a :class:`~smile_viewer.compute.RenderResult` (``image``, ``units``,
    ``provenance``) or a bare (ny, nx) array in the instrument's units. ``aim_re``: the aim
    point (GSE, R_E); without one, the boresight point closest to Earth's centre is written
    and ``AIMDEF`` says so. ``exposure_s``: defaults to the response's, else the
    instrument's. ``model``: an emissivity model, an auroral shell, a dict or a name (the
    render's source description is used when None).
    """
    inst = load_instrument(instrument)
    if isinstance(result, np.ndarray) or not hasattr(result, "image"):
        image = np.asarray(result, dtype=float)
        units, provenance = inst.image_units, {}
    else:
        image = np.asarray(result.image, dtype=float)
        units, provenance = str(result.units), dict(getattr(result, "provenance", {}) or {})
    if image.shape != tuple(camera.shape):
        raise UserInputError(f"image shape {image.shape} does not match the camera's {tuple(camera.shape)}")
    inside = np.asarray(camera.inside_field(), dtype=bool) if hasattr(camera, "inside_field") else True
    bad = int(np.count_nonzero(~np.isfinite(image) & inside))  # NaN outside a circular field is normal
    if bad or not np.isfinite(image).any():  # garbage (e.g. a step longer than the ray) is never written
        raise UserInputError(
            f"the synthetic image holds {bad or image.size} non-finite values (NaN or infinite) "
            f"in its field of view: not written to {path}; check the step, the model parameters "
            "and the position"
        )
    if model is None:
        src = provenance.get("source")
        if isinstance(src, dict):
            model = {"model": src.get("model", src.get("kind", "")), "parameters": src.get("parameters", {})}
    if exposure_s is None:
        exposure_s = response.exposure_s if response is not None else inst.default_exposure_s
    exposure_s = float(exposure_s)
    if aim_re is None:
        aim, note = _default_aim(camera)
    else:
        aim, note = np.asarray(aim_re, dtype=float).reshape(3), ""
    wcs = camera_wcs(camera, time)
    header = _primary_header(
        units,
        camera,
        time,
        inst,
        wcs,
        exposure_s,
        aim,
        note,
        model,
        solar_wind,
        provenance,
        response,
        extra_cards,
    )
    hdus = [fits.PrimaryHDU(data=image.astype(np.float64), header=header)]
    wcs_header = wcs.to_header()
    if response is not None:
        vig = np.asarray(response.vignetting, dtype=float)
        counts = np.asarray(response.counts)
        with np.errstate(invalid="ignore", divide="ignore"):
            cxfov = np.where(vig > 0, (counts - response.background) / vig, np.nan)
        maps = {
            "CTSMAP": (counts.astype(np.int32), "count", "simulated counts (Poisson draw of EXPMAP)"),
            "EXPMAP": (response.expected, "count", "expected counts: signal + background"),
            "SIGMAP": (response.signal, "count", "expected source counts (PSF applied)"),
            "BKGMAP": (response.background, "count", "expected background counts: XBMAP + PBMAP"),
            "XBMAP": (response.sky_background, "count", "expected sky background counts"),
            "PBMAP": (response.particle_background, "count", "expected particle background counts"),
            "VIGMAP": (vig, "", "vignetting, 0-1"),
            "CXFOV": (cxfov, "count", "(CTSMAP - BKGMAP) / VIGMAP"),
            "ERRFOV": (np.sqrt(counts.astype(float)), "count", "sqrt(CTSMAP)"),
        }
        for name in RESPONSE_EXTENSIONS:
            data, bunit, comment = maps[name]
            hh = fits.Header()
            hh.extend(wcs_header, update=True)
            if bunit:
                hh["BUNIT"] = (bunit, comment)
            else:
                hh["COMMENT"] = comment
            hh["EXPOS"] = (exposure_s, "[s] exposure time")
            arr = data if data.dtype == np.int32 else np.asarray(data, dtype=np.float32)
            hdus.append(fits.ImageHDU(data=arr, header=hh, name=name))
    record = {
        "render": _jsonable(provenance),
        "model": _jsonable(_model_info(model)[2]),
        "instrument": _jsonable(inst.summary()),
        "response": _jsonable(response.settings) if response is not None else None,
        "solar_wind": _jsonable(solar_wind.to_dict()) if solar_wind is not None else None,
    }
    text = json.dumps(record, sort_keys=True)
    col = fits.Column(name="JSON", format=f"{max(1, len(text))}A", array=np.array([text]))
    hdus.append(fits.BinTableHDU.from_columns([col], name="PROVENANCE"))
    return _atomic_write(fits.HDUList(hdus), Path(path), overwrite)


def _atomic_write(hdul, path: Path, overwrite: bool) -> Path:
    path = path.expanduser()
    if path.exists() and not overwrite:
        raise UserInputError(f"{path} exists (use overwrite=True)")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise DataFileError(path, f"directory {directory} does not exist")
    with atomic_path(path) as tmp:
        hdul.writeto(tmp, overwrite=True, checksum=True)
    return path


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True, eq=False)
class SyntheticProduct:
    """A product read back: image, header, WCS and the maps present."""

    image: np.ndarray
    units: str
    header: Any
    wcs: Any
    maps: dict[str, np.ndarray] = field(default_factory=dict)
    position_re: np.ndarray | None = None
    aim_re: np.ndarray | None = None
    time: Any = None
    exposure_s: float = 0.0
    instrument: str = ""
    model: str = ""
    model_params: dict[str, Any] = field(default_factory=dict)
    solar_wind: Any = None
    provenance: dict[str, Any] = field(default_factory=dict)


@damaged_file_errors("synthetic product (FITS)")
def read_synthetic_product(path) -> SyntheticProduct:
    """Read a file written by :func:`write_synthetic_product`."""
    p = checked_path(path, "product")  # regular file within the size limit (io.checked_file)
    try:
        with fits.open(p, memmap=False) as hdul:
            h = hdul[0].header.copy()
            image = np.asarray(hdul[0].data, dtype=float)
            maps = {hdu.name: np.asarray(hdu.data) for hdu in hdul[1:] if hdu.name in RESPONSE_EXTENSIONS}
            prov = {}
            if "PROVENANCE" in hdul:
                raw = hdul["PROVENANCE"].data["JSON"][0]
                prov = json.loads(raw.decode() if isinstance(raw, bytes) else str(raw))
    except (OSError, ValueError, KeyError) as exc:
        raise DataFileError(p, f"not a readable synthetic product: {exc}") from None
    for key in ("POS_X", "AIM_X", "DATE-OBS", "EXPOS", "BUNIT"):
        if key not in h:
            raise DataFileError(p, f"header has no {key}: not a smile-viewer synthetic product")
    params = {}
    for card in h.cards:
        if card.keyword.startswith("MODEL "):
            params[card.keyword[len("MODEL ") :]] = card.value
    sw = None
    if "SW_N" in h:
        sw = SolarWind.from_fits_header(h)
    return SyntheticProduct(
        image=image,
        units=_UNITS_BACK.get(h["BUNIT"], h["BUNIT"]),
        header=h,
        wcs=WCS(h),
        maps=maps,
        position_re=np.array([h["POS_X"], h["POS_Y"], h["POS_Z"]], dtype=float),
        aim_re=np.array([h["AIM_X"], h["AIM_Y"], h["AIM_Z"]], dtype=float),
        time=Time(h["DATE-OBS"], scale="utc"),
        exposure_s=float(h["EXPOS"]),
        instrument=str(h.get("INSTRUME", "")).lower(),
        model=str(h.get("MODEL", "")),
        model_params=params,
        solar_wind=sw,
        provenance=prov,
    )
