"""Observed images: SXI and UVI products (FITS, CDF) read into one :class:`ObservedImage`.

:func:`load_observed` recognises by content FITS images with a celestial WCS, SXI level-3
products in the SXI team's layout (swharton1/SXI_L3) and UVI images as CDF in the style of the
Polar UVI files, and IMAGE FUV level-1 IDL save files (:mod:`smile_viewer.io.image_fuv`).
Every problem raises :class:`~smile_viewer.errors.DataFileError` naming the file
and the key. Layouts and the extensions read: docs/formats.md#observed-images.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS, FITSFixedWarning

from smile_viewer.constants import R_E_KM
from smile_viewer.coords import rotation_matrix, sun_direction
from smile_viewer.coords.timeparse import parse_time
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.checked_file import checked_path, file_sha256
from smile_viewer.io.guarded import guard
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import camera_rotation

__all__ = [
    "BACKGROUND_PARTS",
    "KNOWN_MAPS",
    "ObservedImage",
    "load_observed",
    "observed_from_arrays",
]

#: Image extensions read from FITS files (SXI level-3 names and ours).
KNOWN_MAPS = (
    "CTSMAP",
    "EXPMAP",
    "SIGMAP",
    "BKGMAP",
    "XBMAP",
    "PSMAP",
    "PBMAP",
    "CLMAP",
    "SPMAP",
    "VIGMAP",
    "CXFOV",
    "ERRFOV",
    "BKGCON",
    "CXFOV_CON",
)
#: Background components whose sum is the total background (the SXI team's BKGMAP).
BACKGROUND_PARTS = ("XBMAP", "PSMAP", "PBMAP", "CLMAP", "SPMAP")

_FITS_MAGIC = b"SIMPLE  ="
_CDF_MAGICS = (b"\xcd\xf3\x00\x01", b"\xcd\xf2\x60\x02", b"\x00\x00\xff\xff")
_UNITS = {
    "kev cm-2 s-1 sr-1": "keV cm^-2 s^-1 sr^-1",
    "kev cm^-2 s^-1 sr^-1": "keV cm^-2 s^-1 sr^-1",
    "kev/cm2/s/sr": "keV cm^-2 s^-1 sr^-1",
    "r": "R",
    "rayleigh": "R",
    "rayleighs": "R",
    "count": "count",
    "counts": "count",
    "ct": "count",
    "cts": "count",
}


def _canonical_units(text: str) -> str:
    s = str(text).strip()
    return _UNITS.get(s.lower(), s)


# ---------------------------------------------------------------------------- the result


@dataclass(frozen=True, eq=False)
class ObservedImage:
    """An observed (or observed-like) image with what is needed to match its geometry.

    Attributes
    ----------
    path
        The file read.
    image
        (ny, nx) float64, NaN where there are no data. Row 0 is the file's first row.
    units
        Units of ``image`` ("keV cm^-2 s^-1 sr^-1", "R", "count" or as the file says; "" when
        unknown).
    wcs
        The celestial WCS (2-D astropy WCS; RA/Dec in ICRS/GEI axes) or None.
    pixel_angles
        For the SXI team's level-3 layout (no celestial WCS): ``{"phi_deg": (nx,),
        "theta_deg": (ny,)}``, the pixel-centre angles along columns and rows [deg]; else None.
    time_start, time_end
        Start (DATE-OBS) and end (DATE-END) of the exposure (astropy ``Time``, UTC);
        ``time_end`` may be None.
    exposure_s
        Exposure [s] or None when the file does not say.
    position_re, aim_re
        Spacecraft position and aim point, GSE [R_E], or None when absent.
    instrument
        "sxi", "uvi" or "" (unknown).
    band_kev
        (EMIN, EMAX) [keV] or None.
    maps
        Extensions by name (float64 arrays of the image's shape).
    header
        The primary header (FITS) or a dict of global attributes (CDF).
    format
        "fits-wcs", "sxi-l3" or "uvi-cdf".
    notes
        Assumptions made while reading (e.g. "no EXPOS: exposure from DATE-END − DATE-OBS").
    provenance
        path, size, sha256, format, HDUs / variables read, record, notes.
    pixel_directions_gse
        (ny, nx, 3) GSE unit vectors of each pixel's line of sight from ``position_re``
        (IMAGE FUV's camera model), or None.
    """

    path: Path
    image: np.ndarray
    units: str
    wcs: Any
    time_start: Any
    time_end: Any = None
    exposure_s: float | None = None
    position_re: np.ndarray | None = None
    aim_re: np.ndarray | None = None
    instrument: str = ""
    band_kev: tuple[float, float] | None = None
    maps: dict[str, np.ndarray] = field(default_factory=dict)
    header: Any = None
    format: str = ""
    pixel_angles: dict[str, np.ndarray] | None = None
    notes: tuple[str, ...] = ()
    provenance: dict[str, Any] = field(default_factory=dict)
    #: (ny, nx, 3) unit vectors in GSE of each pixel's line of sight from ``position_re``, for
    #: images whose geometry is a camera model rather than (only) a WCS (IMAGE FUV); else None.
    pixel_directions_gse: np.ndarray | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx)."""
        return tuple(self.image.shape)

    @property
    def time(self):
        """The start of the exposure (DATE-OBS): the time the geometry refers to."""
        return self.time_start

    @property
    def geometry_kind(self) -> str:
        """ "wcs" (celestial WCS) or "sxi_angles" (the team's level-3 pixel angles)."""
        return "wcs" if self.wcs is not None else "sxi_angles"

    @property
    def counts(self) -> np.ndarray | None:
        """The counts map: CTSMAP, else the image itself when its units are counts and it is
        not a background-subtracted map (the team's CXFOV primary), else None."""
        if "CTSMAP" in self.maps:
            return self.maps["CTSMAP"]
        if self.units == "count" and self.format != "sxi-l3":
            return self.image
        return None

    @property
    def background(self) -> np.ndarray | None:
        """Expected background counts: BKGMAP, else the sum of the parts present
        (XBMAP, PSMAP, PBMAP, CLMAP, SPMAP), else None."""
        if "BKGMAP" in self.maps:
            return self.maps["BKGMAP"]
        parts = [self.maps[k] for k in BACKGROUND_PARTS if k in self.maps]
        if parts:
            return np.sum(parts, axis=0)
        return None

    @property
    def vignetting(self) -> np.ndarray | None:
        """VIGMAP (0–1) or None."""
        return self.maps.get("VIGMAP")

    def map(self, name: str) -> np.ndarray:
        """An extension by name; raises DataFileError naming the file and the extension."""
        key = str(name).upper()
        if key not in self.maps:
            have = ", ".join(sorted(self.maps)) or "none"
            raise DataFileError(self.path, f"has no {key} extension (extensions read: {have})")
        return self.maps[key]

    def valid_mask(self) -> np.ndarray:
        """Pixels with data: finite image (and VIGMAP > 0 where a vignetting map exists)."""
        ok = np.isfinite(self.image)
        vig = self.vignetting
        if vig is not None:
            with np.errstate(invalid="ignore"):
                ok &= np.isfinite(vig) & (vig > 0)
        return ok

    def summary(self) -> dict[str, Any]:
        """Key facts as a JSON-friendly dict (for results and provenance)."""
        return {
            "path": str(self.path),
            "format": self.format,
            "instrument": self.instrument,
            "shape": list(self.shape),
            "units": self.units,
            "date_obs": self.time_start.utc.isot if self.time_start is not None else None,
            "date_end": self.time_end.utc.isot if self.time_end is not None else None,
            "exposure_s": self.exposure_s,
            "position_re": None if self.position_re is None else [float(v) for v in self.position_re],
            "aim_re": None if self.aim_re is None else [float(v) for v in self.aim_re],
            "geometry": self.geometry_kind,
            "maps": sorted(self.maps),
            "notes": list(self.notes),
        }


# ---------------------------------------------------------------------------- helpers


def _check_file(path) -> Path:
    """A regular, readable, non-empty file within the observed-image size limit (io.checked_file)."""
    return checked_path(path, "observed")


def _refuse_no_data(img: ObservedImage) -> ObservedImage:
    """An image with no finite pixel (all NaN or infinite) is refused: nothing could be compared."""
    a = np.asarray(img.image)
    if a.size == 0 or not np.isfinite(a).any():
        n_nan = int(np.isnan(a).sum())
        raise DataFileError(
            img.path,
            f"the image ({'×'.join(map(str, a.shape))}) holds no finite value "
            f"({n_nan} NaN, {a.size - n_nan} infinite): no data to compare",
        )
    return img


def _number(value, path: Path, key: str) -> float:
    if isinstance(value, (bool, np.bool_)):
        raise DataFileError(path, f"{key} = {value!r} is not a number")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise DataFileError(path, f"{key} = {value!r} is not a number") from None
    if not math.isfinite(v):
        raise DataFileError(path, f"{key} = {value!r} is not a finite number")
    return v


def _header_number(h, path: Path, key: str, required: bool = True) -> float | None:
    if key not in h:
        if required:
            raise DataFileError(path, f"header has no {key}")
        return None
    return _number(h[key], path, key)


def _header_vector(h, path: Path, prefix: str, required: bool) -> np.ndarray | None:
    keys = [f"{prefix}_{c}" for c in "XYZ"]
    present = [k in h for k in keys]
    if not any(present):
        if required:
            raise DataFileError(path, f"header has no {keys[0]} (needs {', '.join(keys)})")
        return None
    for k, ok in zip(keys, present):
        if not ok:
            raise DataFileError(path, f"header has no {k} (needs {', '.join(keys)})")
    return np.array([_number(h[k], path, k) for k in keys])


def _parse_time(value, path: Path, key: str, scale: str = "utc"):
    if value is None:
        raise DataFileError(path, f"header has no {key}")
    s = str(value).strip()
    s = s.removesuffix("Z")
    if not s:
        raise DataFileError(path, f"{key} is empty")
    for fmt in ("isot", "fits", "iso", None):
        try:
            t = Time(s, format=fmt, scale=scale) if fmt else Time(s, scale=scale)
        except (ValueError, TypeError):
            continue
        if t.isscalar and np.isfinite(t.jd):
            return t.utc
    raise DataFileError(path, f"{key} = {value!r} is not a valid time (ISO 8601 expected)")


def _as_2d(data, path: Path, what: str) -> np.ndarray:
    a = np.asarray(data)
    if a.dtype.kind not in "fiub":
        raise DataFileError(path, f"{what} is not numeric (dtype {a.dtype})")
    while a.ndim > 2 and a.shape[0] == 1:
        a = a[0]
    if a.ndim != 2 or min(a.shape) < 1:
        raise DataFileError(path, f"{what} has shape {a.shape}: expected a 2-D image (ny, nx)")
    return a.astype(np.float64)


def _celestial_wcs(header, path: Path, notes: list[str]):
    """The 2-D celestial WCS of ``header`` or None; raises DataFileError if it is broken."""
    ctypes = [str(header.get(f"CTYPE{i}", "")).upper() for i in (1, 2)]
    lon = any(c.startswith(("RA-", "GLON", "ELON")) for c in ctypes)
    lat = any(c.startswith(("DEC-", "GLAT", "ELAT")) for c in ctypes)
    if not (lon and lat):
        return None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", FITSFixedWarning)
            w = WCS(header, naxis=2)
        for c in caught:
            if issubclass(c.category, FITSFixedWarning):
                notes.append(f"WCS: {str(c.message).splitlines()[0][:120]}")
    except Exception as exc:  # noqa: BLE001 - astropy raises several kinds for malformed WCS cards
        raise DataFileError(path, f"invalid celestial WCS (CTYPE1/2 = {ctypes}): {exc}") from None
    if not w.has_celestial or w.naxis != 2:
        raise DataFileError(path, f"CTYPE1/2 = {ctypes} do not make a 2-D celestial WCS")
    if str(ctypes[0]).startswith(("GLON", "ELON")):
        notes.append(f"celestial frame {ctypes[0][:4]}: directions converted through astropy")
    return w


def _check_maps(maps: dict[str, np.ndarray], shape, path: Path) -> None:
    for name, a in maps.items():
        if a.shape != tuple(shape):
            raise DataFileError(path, f"extension {name} has shape {a.shape} but the image is {tuple(shape)}")
    cts = maps.get("CTSMAP")
    if cts is not None:
        with np.errstate(invalid="ignore"):
            if np.any(cts < 0):
                raise DataFileError(path, "extension CTSMAP holds negative counts")


def _instrument_name(value, fallback: str = "") -> str:
    s = str(value or "").strip().lower()
    for name in ("sxi", "uvi"):
        if name in s:
            return name
    return fallback


# ---------------------------------------------------------------------------- FITS


def _read_fits(p: Path, instrument: str | None) -> ObservedImage:
    notes: list[str] = []
    hdus_read: list[str] = []
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with fits.open(p, memmap=False) as hdul:
                hdul.verify("silentfix")
                len(hdul)  # reads every header: a truncated file shows here
                primary = hdul[0]
                header = primary.header.copy()
                data = primary.data
                img_name = "PRIMARY"
                if data is None or np.ndim(data) < 2:
                    for hdu in hdul[1:]:
                        if isinstance(hdu, fits.ImageHDU) and hdu.data is not None and np.ndim(hdu.data) >= 2:
                            data = hdu.data
                            img_name = hdu.name or "IMAGE"
                            merged = header.copy()
                            merged.extend(hdu.header, update=True)
                            header = merged
                            notes.append(f"empty primary HDU: the image is extension {img_name}")
                            break
                if data is None:
                    raise DataFileError(p, "no image: the primary HDU and the extensions hold no 2-D data")
                image = _as_2d(data, p, f"image ({img_name})")
                hdus_read.append(img_name)
                maps: dict[str, np.ndarray] = {}
                for hdu in hdul[1:]:
                    name = (hdu.name or "").upper()
                    if name in KNOWN_MAPS and name != img_name and hdu.data is not None:
                        if not isinstance(hdu, (fits.ImageHDU, fits.CompImageHDU)):
                            raise DataFileError(p, f"extension {name} is not an image HDU")
                        maps[name] = _as_2d(hdu.data, p, f"extension {name}")
                        hdus_read.append(name)
    except DataFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - astropy raises many kinds on damaged files
        raise DataFileError(
            p, f"not a readable FITS file, it may be corrupt ({type(exc).__name__}: {exc})"
        ) from None
    for c in caught:
        text = str(c.message)
        if "truncated" in text or "Error validating header" in text:
            first = text.splitlines()[0][:160]
            raise DataFileError(p, f"the FITS file is truncated or damaged ({first})")

    _check_maps(maps, image.shape, p)
    wcs = _celestial_wcs(header, p, notes)
    if wcs is not None and str(header.get("WCSNOTE", "")).strip().lower() == "nominal":
        notes.append(
            "WCSNOTE = nominal: the WCS describes the nominal pointing of explicit rays only; "
            "the pixel directions are approximate"
        )
    team = wcs is None
    pixel_angles = None
    if team:
        missing = [k for k in ("POS_X", "AIM_X", "CDELT1", "CDELT2", "CRVAL1", "CRVAL2") if k not in header]
        if missing:
            raise DataFileError(
                p,
                f"header has no celestial WCS (CTYPE1/2 RA---/DEC--) and no {missing[0]}: it is neither a "
                "FITS image with a celestial WCS nor an SXI level-3 product (POS_*, AIM_*, CRVAL1/2, CDELT1/2)",
            )
        pixel_angles = _team_pixel_angles(header, image.shape, p)

    scale = str(header.get("TIMESYS", "UTC")).strip().lower() or "utc"
    if scale not in ("utc", "tt", "tai", "tdb", "tcg", "tcb", "ut1"):
        notes.append(f"TIMESYS = {header.get('TIMESYS')!r} unknown: times read as UTC")
        scale = "utc"
    t0 = _parse_time(header.get("DATE-OBS"), p, "DATE-OBS", scale)
    t1 = _parse_time(header["DATE-END"], p, "DATE-END", scale) if "DATE-END" in header else None
    expos = _header_number(header, p, "EXPOS", required=False)
    if expos is None and "EXPOSURE" in header:
        expos = _header_number(header, p, "EXPOSURE")
    if expos is not None:
        if expos <= 0:
            raise DataFileError(p, f"EXPOS = {expos!r} must be > 0 s")
        if t1 is None:
            t1 = t0 + expos * u.s
            notes.append("no DATE-END: DATE-OBS + EXPOS")
    elif t1 is not None:
        expos = float((t1 - t0).to_value(u.s))
        notes.append("no EXPOS: exposure = DATE-END - DATE-OBS")
    else:
        notes.append("no EXPOS nor DATE-END: exposure unknown")
    if t1 is not None and (t1 - t0).to_value(u.s) < 0:
        raise DataFileError(p, f"DATE-END {t1.isot} is before DATE-OBS {t0.isot}")

    pos = _header_vector(header, p, "POS", required=team)
    aim = _header_vector(header, p, "AIM", required=team)
    if pos is not None and np.linalg.norm(pos) <= 1.0:
        raise DataFileError(p, f"POS_X/Y/Z = {tuple(pos)} lies inside the Earth (|r| <= 1 R_E)")
    if team and np.linalg.norm(aim - pos) == 0:
        raise DataFileError(p, "AIM_X/Y/Z equals POS_X/Y/Z: no look direction")

    bunit = header.get("BUNIT")
    if bunit is not None and str(bunit).strip():
        units = _canonical_units(bunit)
    elif team:
        units = "count"
        notes.append("no BUNIT: level-3 primary (CXFOV) taken as counts")
    else:
        units = ""
        notes.append("no BUNIT: units unknown")
    inst = instrument or _instrument_name(header.get("INSTRUME"), "sxi" if team else "")
    if not inst and units == "R":
        inst = "uvi"
    if not inst and units == "keV cm^-2 s^-1 sr^-1":
        inst = "sxi"
    band = None
    if "EMIN" in header and "EMAX" in header:
        band = (_number(header["EMIN"], p, "EMIN"), _number(header["EMAX"], p, "EMAX"))
    fmt = "sxi-l3" if team else "fits-wcs"
    prov = {
        "path": str(p.resolve()),
        "size_bytes": p.stat().st_size,
        "sha256": file_sha256(p),
        "format": fmt,
        "hdus": hdus_read,
        "notes": list(notes),
    }
    return ObservedImage(
        path=p,
        image=image,
        units=units,
        wcs=wcs,
        time_start=t0,
        time_end=t1,
        exposure_s=expos,
        position_re=pos,
        aim_re=aim,
        instrument=inst,
        band_kev=band,
        maps=maps,
        header=header,
        format=fmt,
        pixel_angles=pixel_angles,
        notes=tuple(notes),
        provenance=prov,
    )


def _team_pixel_angles(header, shape, p: Path) -> dict[str, np.ndarray]:
    ny, nx = shape
    out = {}
    for axis, n, name in ((1, nx, "phi_deg"), (2, ny, "theta_deg")):
        crval = _number(header[f"CRVAL{axis}"], p, f"CRVAL{axis}")
        cdelt = _number(header[f"CDELT{axis}"], p, f"CDELT{axis}")
        if cdelt == 0:
            raise DataFileError(p, f"CDELT{axis} = 0: pixels have no size")
        k = np.arange(n, dtype=float)
        if f"CRPIX{axis}" in header:
            crpix = _number(header[f"CRPIX{axis}"], p, f"CRPIX{axis}")
            ang = crval + (k + 1.0 - crpix) * cdelt
        else:
            ang = crval + (k + 0.5) * cdelt
        if np.max(np.abs(ang)) >= 89.0:
            raise DataFileError(
                p,
                f"CRVAL{axis}/CDELT{axis} put pixels {np.max(np.abs(ang)):.1f} deg off axis "
                "(must be < 89 deg)",
            )
        out[name] = ang
    return out


# ---------------------------------------------------------------------------- CDF

#: Variables of the Polar UVI key-parameter files (PO_K0_UVI) that are read, and ours.
CDF_IMAGE = "IMAGE_DATA"
CDF_EPOCH = "Epoch"


@guard("CDF", "observed")
def _read_cdf(p: Path, instrument: str | None, record: int) -> ObservedImage:
    import cdflib  # lazy: only CDF inputs need cdflib

    notes: list[str] = []
    try:
        cdf = cdflib.CDF(str(p))
        info = cdf.cdf_info()
        names = list(info.zVariables) + list(info.rVariables)
        gattrs = cdf.globalattsget() or {}
    except Exception as exc:  # noqa: BLE001 - cdflib raises many kinds on damaged files
        raise DataFileError(
            p, f"cannot read the CDF file, it may be corrupt ({type(exc).__name__}: {exc})"
        ) from None
    lower = {n.lower(): n for n in names}

    def find(var: str) -> str | None:
        return var if var in names else lower.get(var.lower())

    def get(var: str, required: bool = True):
        name = find(var)
        if name is None:
            if required:
                shown = ", ".join(names[:20]) + (" …" if len(names) > 20 else "")
                raise DataFileError(
                    p,
                    f"has no variable {var} (a Polar UVI key-parameter style file needs "
                    f"{CDF_EPOCH} and {CDF_IMAGE}; it has: {shown or 'no variables'})",
                )
            return None, {}
        try:
            values = cdf.varget(name)
            atts = cdf.varattsget(name) or {}
        except Exception as exc:  # noqa: BLE001 - the reader raises many kinds on damaged data
            raise DataFileError(
                p, f"cannot read variable {var}, the file may be corrupt ({type(exc).__name__}: {exc})"
            ) from None
        if values is None:
            raise DataFileError(p, f"variable {var} holds no records")
        return np.asarray(values), atts

    def pick(var: str, values: np.ndarray, n_records: int, per_record_ndim: int):
        """The record ``record`` of ``values`` (or the single value if not record-varying)."""
        a = np.asarray(values)
        if a.ndim == per_record_ndim:
            return a
        if a.ndim == per_record_ndim + 1:
            if a.shape[0] != n_records:
                raise DataFileError(
                    p, f"variable {var} has {a.shape[0]} records but {CDF_EPOCH} has {n_records}"
                )
            return a[record]
        raise DataFileError(p, f"variable {var} has shape {a.shape}: expected {per_record_ndim}-D records")

    epoch, _ = get(CDF_EPOCH)
    epoch = np.atleast_1d(epoch)
    n_rec = epoch.shape[0]
    if not 0 <= record < n_rec:
        raise DataFileError(p, f"record {record} requested but {CDF_EPOCH} has {n_rec} record(s)")
    try:
        dt = cdflib.cdfepoch.to_datetime(epoch[record])
        t_epoch = Time(np.atleast_1d(dt)[0], scale="utc")
        if not np.isfinite(t_epoch.jd):
            raise ValueError("not finite")
    except Exception as exc:  # noqa: BLE001 - the reader raises many kinds on damaged data
        raise DataFileError(
            p, f"{CDF_EPOCH}[{record}] = {epoch[record]!r} is not a valid time ({exc})"
        ) from None
    if t_epoch.datetime.year < 1960:
        raise DataFileError(p, f"{CDF_EPOCH}[{record}] is a fill value ({t_epoch.isot})")

    raw, atts = get(CDF_IMAGE)
    if raw.ndim == 2:
        img = raw
    elif raw.ndim == 3:
        if raw.shape[0] != n_rec:
            raise DataFileError(
                p, f"variable {CDF_IMAGE} has {raw.shape[0]} records but {CDF_EPOCH} has {n_rec}"
            )
        img = raw[record]
    else:
        raise DataFileError(p, f"variable {CDF_IMAGE} has shape {raw.shape}: expected records of ny x nx")
    image = _as_2d(img, p, CDF_IMAGE)
    fill = atts.get("FILLVAL")
    if fill is not None:
        try:
            fv = float(np.ravel(fill)[0])
            image[np.isclose(image, fv, rtol=1e-6, atol=0)] = np.nan
        except (TypeError, ValueError, IndexError):
            notes.append(f"{CDF_IMAGE} FILLVAL {fill!r} unreadable: ignored")
    for key, cmp in (("VALIDMIN", np.less), ("VALIDMAX", np.greater)):
        lim = atts.get(key)
        if lim is not None:
            try:
                lv = float(np.ravel(lim)[0])
                with np.errstate(invalid="ignore"):
                    image[cmp(image, lv)] = np.nan
            except (TypeError, ValueError, IndexError):
                notes.append(f"{CDF_IMAGE} {key} {lim!r} unreadable: ignored")
    units = _canonical_units(atts.get("UNITS", "")) if atts.get("UNITS") else ""
    if not units:
        notes.append(f"{CDF_IMAGE} has no UNITS attribute: units unknown")

    # times
    minus = get("IMG_MINUS_MSEC", required=False)[0]
    plus = get("IMG_PLUS_MSEC", required=False)[0]
    if minus is not None and plus is not None:
        m_ms = _number(np.ravel(pick("IMG_MINUS_MSEC", minus, n_rec, 0))[0], p, "IMG_MINUS_MSEC")
        p_ms = _number(np.ravel(pick("IMG_PLUS_MSEC", plus, n_rec, 0))[0], p, "IMG_PLUS_MSEC")
        if m_ms < 0 or p_ms < 0 or m_ms + p_ms <= 0:
            raise DataFileError(
                p, f"IMG_MINUS_MSEC = {m_ms}, IMG_PLUS_MSEC = {p_ms}: need >= 0 with a positive sum"
            )
        t0 = t_epoch - m_ms * u.ms
        t1 = t_epoch + p_ms * u.ms
        expos = (m_ms + p_ms) / 1000.0
    else:
        t0, t1, expos = t_epoch, None, None
        notes.append("no IMG_MINUS_MSEC/IMG_PLUS_MSEC: the exposure starts at Epoch, length unknown")
    t0 = t0.utc

    gei_to_gse = rotation_matrix(t0, "gei", "gse")
    gpos = get("GCI_POSITION", required=False)[0]
    pos = None
    if gpos is not None:
        v = np.asarray(pick("GCI_POSITION", gpos, n_rec, 1), dtype=float).reshape(-1)
        if v.shape != (3,) or not np.all(np.isfinite(v)):
            raise DataFileError(p, f"GCI_POSITION must be 3 finite numbers per record, got {v!r}")
        if np.any(np.abs(v) >= 1e30):
            notes.append("GCI_POSITION is a fill value: the spacecraft position comes from the orbit")
        else:
            pos = gei_to_gse @ (v / R_E_KM)
            if np.linalg.norm(pos) <= 1.0:
                raise DataFileError(p, f"GCI_POSITION {tuple(v)} km lies inside the Earth")
    else:
        notes.append("no GCI_POSITION: the spacecraft position comes from the orbit")

    def unit_vector(var: str, required: bool):
        raw_v = get(var, required=required)[0]
        if raw_v is None:
            return None
        v = np.asarray(pick(var, raw_v, n_rec, 1), dtype=float).reshape(-1)
        n = np.linalg.norm(v) if v.shape == (3,) else 0.0
        if v.shape != (3,) or not np.isfinite(n) or n == 0:
            raise DataFileError(p, f"{var} must be a non-zero 3-vector per record, got {v!r}")
        return v / n

    look = unit_vector("GCI_LOOK_DIR", required=True)
    col = unit_vector("GCI_COL_DIR", required=False)
    sun = unit_vector("GCI_SUN", required=False)
    inst = instrument or _instrument_name(
        gattrs.get("Descriptor") or gattrs.get("Source_name") or gattrs.get("Logical_source"), "uvi"
    )
    ny, nx = image.shape
    scale_raw = get("PIXEL_SCALE_DEG", required=False)[0]
    if scale_raw is not None:
        sc = np.asarray(pick("PIXEL_SCALE_DEG", scale_raw, n_rec, 1), dtype=float).reshape(-1)
        if sc.shape != (2,) or not np.all(np.isfinite(sc)) or np.any(sc == 0):
            raise DataFileError(p, f"PIXEL_SCALE_DEG must be two non-zero numbers, got {sc!r}")
        dx_deg, dy_deg = float(sc[0]), float(sc[1])
        if dx_deg < 0:
            raise DataFileError(
                p, f"PIXEL_SCALE_DEG[0] = {dx_deg} must be > 0 (columns run along GCI_COL_DIR)"
            )
    else:
        try:
            ins = load_instrument(inst or "uvi")
        except UserInputError:
            raise DataFileError(p, "has no PIXEL_SCALE_DEG and its instrument is unknown") from None
        if tuple(ins.default_shape) != (ny, nx):
            raise DataFileError(
                p,
                f"has no PIXEL_SCALE_DEG and its {ny}x{nx} grid is not the {ins.name.upper()} "
                f"default {ins.default_shape[0]}x{ins.default_shape[1]}: the pixel size is unknown",
            )
        dx_deg, dy_deg = ins.pixel_scale_deg()
        notes.append(
            f"no PIXEL_SCALE_DEG: {ins.name.upper()} field of view over its default grid "
            f"({dx_deg:.5f} x {dy_deg:.5f} deg)"
        )
    if col is None:
        s = sun if sun is not None else sun_direction(t0, "gei")
        try:
            rot = camera_rotation(look, -np.asarray(s, dtype=float).reshape(3))
        except UserInputError:
            raise DataFileError(
                p, "GCI_LOOK_DIR is parallel to the Sun direction: the roll is undefined; add GCI_COL_DIR"
            ) from None
        col = rot[:, 0]
        notes.append("no GCI_COL_DIR: UVI roll convention (the Sun toward the top of the picture)")
    else:
        col = col - (col @ look) * look
        if np.linalg.norm(col) < 1e-6:
            raise DataFileError(p, "GCI_COL_DIR is parallel to GCI_LOOK_DIR")
        col = col / np.linalg.norm(col)
    row = np.cross(look, col) * (1.0 if dy_deg > 0 else -1.0)
    wcs = tan_wcs(look, col, row, math.radians(dx_deg), math.radians(abs(dy_deg)), (ny, nx), t0)
    aim = None
    extras = {}
    for var in ("QUALITY_FLAG", "FILTER"):
        raw_v = get(var, required=False)[0]
        if raw_v is not None:
            try:
                extras[var] = float(np.ravel(pick(var, raw_v, n_rec, 0))[0])
            except DataFileError:
                raise
            except Exception:  # noqa: BLE001 - the reader raises many kinds on damaged data
                notes.append(f"{var} unreadable: ignored")
    prov = {
        "path": str(p.resolve()),
        "size_bytes": p.stat().st_size,
        "sha256": file_sha256(p),
        "format": "uvi-cdf",
        "record": record,
        "records": n_rec,
        "variables": [
            v
            for v in (
                CDF_EPOCH,
                CDF_IMAGE,
                "IMG_MINUS_MSEC",
                "IMG_PLUS_MSEC",
                "GCI_POSITION",
                "GCI_LOOK_DIR",
                "GCI_COL_DIR",
                "PIXEL_SCALE_DEG",
                "GCI_SUN",
            )
            if find(v)
        ],
        "quality": extras,
        "notes": list(notes),
        "convention": "Polar UVI key-parameter variable names (PO_K0_UVI); GCI taken as GEI/J2000; "
        "GCI_COL_DIR and PIXEL_SCALE_DEG are smile-viewer additions",
    }
    header = {str(k): v for k, v in gattrs.items()}
    return ObservedImage(
        path=p,
        image=image,
        units=units,
        wcs=wcs,
        time_start=t0,
        time_end=t1,
        exposure_s=expos,
        position_re=pos,
        aim_re=aim,
        instrument=inst,
        band_kev=None,
        maps={},
        header=header,
        format="uvi-cdf",
        pixel_angles=None,
        notes=tuple(notes),
        provenance=prov,
    )


def tan_wcs(boresight_gei, col_gei, row_gei, dx_rad: float, dy_rad: float, shape, time):
    """A celestial TAN WCS: pixel (i, j) (0-based column, row) looks along
    ``boresight + (i - (nx-1)/2) dx col + (j - (ny-1)/2) dy row`` (normalised), all in
    GEI/J2000 axes (``col``, ``row`` unit vectors perpendicular to the boresight; ``row`` may
    be either ``boresight × col`` or its opposite, i.e. a mirrored picture)."""
    b = np.asarray(boresight_gei, dtype=float)
    b = b / np.linalg.norm(b)
    cx = np.asarray(col_gei, dtype=float)
    cy = np.asarray(row_gei, dtype=float)
    ra0 = math.degrees(math.atan2(b[1], b[0])) % 360.0
    dec0 = math.degrees(math.asin(max(-1.0, min(1.0, b[2]))))
    a, d = math.radians(ra0), math.radians(dec0)
    if math.cos(d) < 1e-12:
        a, ra0 = 0.0, 0.0
    east = np.array([-math.sin(a), math.cos(a), 0.0])
    north = np.array([-math.sin(d) * math.cos(a), -math.sin(d) * math.sin(a), math.cos(d)])
    ny, nx = shape
    cd = np.degrees(
        np.array(
            [[dx_rad * (cx @ east), dy_rad * (cy @ east)], [dx_rad * (cx @ north), dy_rad * (cy @ north)]]
        )
    )
    cdelt = np.array([math.degrees(dx_rad), math.degrees(dy_rad)])
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.cunit = ["deg", "deg"]
    w.wcs.crpix = [(nx + 1) / 2.0, (ny + 1) / 2.0]
    w.wcs.crval = [ra0, dec0]
    w.wcs.cdelt = cdelt
    w.wcs.pc = cd / cdelt[:, None]
    w.wcs.lonpole = 180.0
    w.wcs.latpole = dec0
    w.wcs.radesys = "ICRS"
    w.wcs.dateobs = time.utc.isot
    w.wcs.set()
    return w


# ---------------------------------------------------------------------------- entry points


def load_observed(path, *, instrument: str | None = None, record: int = 0) -> ObservedImage:
    """Read an observed image (module docstring): FITS with a celestial WCS, an SXI level-3
    product, or a UVI CDF in the Polar UVI key-parameter style.

    ``instrument``: "sxi" or "uvi" to override what the file says (or does not say);
    ``record``: which image of a multi-record CDF (0-based).
    Raises :class:`~smile_viewer.errors.DataFileError` naming the file and the key.
    LEXI level-1c photon files (a CDF, a folder or a glob of them) are binned by
    :func:`smile_viewer.io.lexi.load_lexi` with its defaults (format "lexi-l1c").
    """
    spec = str(path)
    folder = Path(spec).expanduser()
    if (folder.is_dir() and any(q.suffix.lower() == ".cdf" for q in folder.iterdir())) or (
        any(c in spec for c in "*?[") and not folder.exists()
    ):
        from smile_viewer.io.lexi import load_lexi  # lazy: io.lexi imports this module

        return load_lexi(path)
    p = _check_file(path)
    if instrument is not None:
        inst = str(instrument).strip().lower()
        if inst not in ("sxi", "uvi", "lexi"):
            raise UserInputError(f"instrument = {instrument!r}: expected 'sxi', 'uvi' or 'lexi'")
        instrument = inst
    try:
        record = int(record)
    except (TypeError, ValueError):
        raise UserInputError(f"record = {record!r} is not an integer") from None
    with open(p, "rb") as fh:
        head = fh.read(16)
    if head.startswith(b"SR\x00\x04"):  # an IDL save file: IMAGE FUV level-1 (io.image_fuv)
        from smile_viewer.io.image_fuv import read_image_fuv  # lazy: io.image_fuv imports this module

        return _refuse_no_data(read_image_fuv(p))
    if head.startswith(_FITS_MAGIC) or (head[:2] == b"\x1f\x8b" and ".fit" in p.name.lower()):
        return _refuse_no_data(
            _read_fits(p, instrument)
        )  # plain or gzip-compressed FITS (astropy reads both)
    if head[:4] in _CDF_MAGICS:
        from smile_viewer.io.lexi import is_lexi_cdf, load_lexi  # lazy: io.lexi imports this module

        if is_lexi_cdf(p):
            return load_lexi(p)
        return _refuse_no_data(_read_cdf(p, instrument, record))
    if p.suffix.lower() in (".fits", ".fit", ".fts", ".cdf"):
        raise DataFileError(
            p,
            f"does not start like a {'CDF' if p.suffix.lower() == '.cdf' else 'FITS'} file: "
            "corrupt or not that format",
        )
    raise DataFileError(p, "is neither a FITS nor a CDF file (nor an IMAGE FUV IDL save)")


def observed_from_arrays(
    image,
    *,
    wcs=None,
    time_start,
    exposure_s=None,
    position_re=None,
    aim_re=None,
    instrument: str = "",
    units: str = "",
    maps: dict | None = None,
    path: str = "<memory>",
) -> ObservedImage:
    """An :class:`ObservedImage` built in memory (tests, simulations, the GUI's own images)."""
    t0 = parse_time(time_start)
    img = np.asarray(image, dtype=float)
    if img.ndim != 2:
        raise UserInputError(f"image must be 2-D, got shape {img.shape}")
    m = {str(k).upper(): np.asarray(v, dtype=float) for k, v in (maps or {}).items()}
    for k, v in m.items():
        if v.shape != img.shape:
            raise UserInputError(f"map {k} has shape {v.shape} but the image is {img.shape}")
    t1 = t0 + float(exposure_s) * u.s if exposure_s is not None else None
    return ObservedImage(
        path=Path(path),
        image=img,
        units=units,
        wcs=wcs,
        time_start=t0,
        time_end=t1,
        exposure_s=None if exposure_s is None else float(exposure_s),
        position_re=None if position_re is None else np.asarray(position_re, dtype=float).reshape(3),
        aim_re=None if aim_re is None else np.asarray(aim_re, dtype=float).reshape(3),
        instrument=instrument,
        maps=m,
        format="memory",
        provenance={"path": path, "format": "memory"},
    )
