"""FITS emissivity cubes in the layout of the SMILE modelling community.

Layout (followed from the public code swharton1/Emissivity_Cubes: ``ppmlr_fits.py`` and
``batsrus_fits.py`` (class ``convert_to_fits``, the writers), ``read_fits_cube.py`` and
``convert_cube_to_gse.py``; the same reader is ``CMEM/SXI_Core/read_fits_cube.py`` in
swharton1/CMEM):

- primary HDU: the emissivity [eV cm^-3 s^-1] as a 3-D array ordered (z, y, x) — NAXIS1 = nx,
  NAXIS2 = ny, NAXIS3 = nz — so ``data[k, j, i]`` is at (x[i], y[j], z[k]);
- image extensions named ``x``, ``y`` and ``z``: the 1-D node coordinates [R_E];
- the primary header holds the upstream solar wind: ``BX``, ``BY``, ``BZ`` (IMF [nT]),
  ``VX``, ``VY``, ``VZ`` (velocity [km/s]), ``DENSITY`` [cm^-3], ``TEMP`` [K], ``PDYN`` and
  ``PMAG`` [nPa], ``FLUX`` (proton flux); OpenGGCM cubes add ``DIPOLE`` and ``DIPOLE_Y``
  (dipole angles [deg]) and ``TIME`` (``%Y/%m/%d %H:%M``); ``ORIGINAL`` names the source file.
- frame: the community's cubes are GSM unless converted (``convert_cube_to_gse.py`` writes
  ``*_GSE.fits`` with a HISTORY card naming itself). This module writes ``FRAME`` = 'GSE' or
  'GSM' and reads it back; a file without it is taken as GSM, or GSE when its HISTORY says
  it went through ``convert_cube_to_gse`` (the ``frame=`` option overrides either).

:func:`write_fits_cube` writes the same layout (float32 primary array, float64 axes) plus:
``BUNIT`` (the volume's units), ``FRAME``, a linear WCS (``CTYPEi``/``CRPIXi``/``CRVALi``/
``CDELTi``, i = 1, 2, 3 for x, y, z, so FITS viewers show positions in R_E), the solar wind in
the community's keywords and the volume's provenance as JSON in the long-string keyword
``PROVENAN``. PDYN is written with the OMNI convention 2e-6 n v² (the community code computes
it in its own way; the comment states which). The write is atomic (temporary file, then
``os.replace``). :func:`read_fits_cube` of such a file gives back the same values (float32,
bit for bit), origin, spacing, frame, units and provenance.
"""

from __future__ import annotations

import gzip
import json
import math
import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

import smile_viewer
from smile_viewer.coords.timeparse import parse_time
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.checked_file import damaged_file_errors
from smile_viewer.io.cubes import _common as c
from smile_viewer.physics.solar_wind import SolarWind
from smile_viewer.physics.volume import Volume

__all__ = ["SOLAR_WIND_KEYS", "fits_cube_info", "read_fits_cube", "solar_wind_from_header", "write_fits_cube"]

#: Primary-header keywords of the community's cubes: (keyword, unit, meaning).
SOLAR_WIND_KEYS: tuple[tuple[str, str, str], ...] = (
    ("DENSITY", "cm^-3", "Solar Wind Density [/cm^3]"),
    ("VX", "km/s", "Solar Wind Vx [km/s]"),
    ("VY", "km/s", "Solar Wind Vy [km/s]"),
    ("VZ", "km/s", "Solar Wind Vz [km/s]"),
    ("BX", "nT", "IMF Bx [nT]"),
    ("BY", "nT", "IMF By [nT]"),
    ("BZ", "nT", "IMF Bz [nT]"),
    ("TEMP", "K", "Solar Wind Temperature [K]"),
    ("PDYN", "nPa", "Solar Wind Dynamic Pressure [nPa]"),
    ("PMAG", "nPa", "Solar Wind Magnetic Pressure [nPa]"),
    ("FLUX", "cm^-2 s^-1", "Solar Wind Proton Flux"),
    ("DIPOLE", "deg", "dipole tilt angle [deg]"),
    ("DIPOLE_Y", "deg", "dipole angle about X (GSE-GSM) [deg]"),
    ("TIME", "", "time of the simulation"),
    ("ORIGINAL", "", "original file"),
)
_SW_KEYWORDS = tuple(k for k, _, _ in SOLAR_WIND_KEYS)
_AXES = ("x", "y", "z")
_FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz")
_READ_OPTIONS = (
    "frame",
    "max_bytes",
    "max_nan_fraction",
    "nan_fill",
    "nonuniform",
    "spacing_re",
    "shape",
    "bounds",
)


def _fits():
    return fits


def _open(path: Path):
    """Open a FITS file, turning astropy's errors and truncation warnings into DataFileError."""
    fits = _fits()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            hdul = fits.open(path, memmap=not str(path).lower().endswith(".gz"), lazy_load_hdus=False)
        except (OSError, ValueError, TypeError, IndexError, EOFError) as exc:
            raise DataFileError(path, f"is not a readable FITS file ({exc})") from None
    _raise_truncated(path, caught, hdul)
    return hdul


def _raise_truncated(path: Path, caught: list, hdul=None) -> None:
    for w in caught:
        text = str(w.message)
        if "truncated" in text.lower():
            if hdul is not None:
                hdul.close()
            raise DataFileError(path, f"is truncated or corrupt ({text.strip()})")


def _hdu_names(hdul) -> str:
    parts = []
    for i, h in enumerate(hdul):
        shape = "×".join(str(h.header.get(f"NAXIS{k}", 0)) for k in range(h.header.get("NAXIS", 0), 0, -1))
        parts.append(f"{h.name or f'#{i}'}" + (f" ({shape})" if shape else " (no data)"))
    return ", ".join(parts)


def _primary_shape(path: Path, hdul) -> tuple[tuple[int, int, int], int]:
    """(nz, ny, nx) and bytes per value of the primary array, from the header only."""
    h = hdul[0].header
    naxis = int(h.get("NAXIS", 0))
    if naxis == 0:
        raise DataFileError(
            path,
            f"has no data in its primary HDU: expected a 3-D emissivity array (HDUs: {_hdu_names(hdul)})",
        )
    dims = tuple(int(h.get(f"NAXIS{k}", 0)) for k in range(naxis, 0, -1))
    if naxis != 3:
        raise DataFileError(
            path, f"the primary array has {naxis} axes (shape {dims}): expected 3, ordered (z, y, x)"
        )
    bitpix = int(h.get("BITPIX", -32))
    scaled = ("BSCALE" in h and float(h["BSCALE"]) != 1.0) or ("BZERO" in h and float(h["BZERO"]) != 0.0)
    size = 8 if scaled else abs(bitpix) // 8
    return dims, size  # type: ignore[return-value]


def _header_frame(h) -> str | None:
    if "FRAME" in h:
        return str(h["FRAME"])
    history = " ".join(str(v) for v in h.get("HISTORY", []))
    if "convert_cube_to_gse" in history:
        return "gse"
    return None


def _solar_wind_dict(h) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in _SW_KEYWORDS:
        if key in h:
            v = h[key]
            out[key] = (
                v if isinstance(v, str) else (float(v) if isinstance(v, (int, float, np.number)) else str(v))
            )
    return out


def solar_wind_from_header(header: Mapping[str, Any]):
    """A :class:`~smile_viewer.physics.solar_wind.SolarWind` from a cube's primary header
    (``DENSITY``, ``VX``/``VY``/``VZ``, ``BX``/``BY``/``BZ``, ``TEMP``), or None when the
    header lacks them or they are not a valid solar wind. Velocities are taken as GSE and the
    IMF as GSM, as the header comments of the community's cubes have no frame."""
    try:
        kw = {
            "n_cm3": float(header["DENSITY"]),
            "v_gse_km_s": (float(header["VX"]), float(header["VY"]), float(header["VZ"])),
            "b_gsm_nt": (float(header["BX"]), float(header["BY"]), float(header["BZ"])),
        }
        if "TEMP" in header:
            kw["t_k"] = float(header["TEMP"])
    except (KeyError, TypeError, ValueError):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return SolarWind(**kw)
    except UserInputError:
        return None


# --------------------------------------------------------------------------------------
# info
# --------------------------------------------------------------------------------------


@damaged_file_errors("FITS file")
def fits_cube_info(path: Any) -> c.CubeInfo:
    """Shape, axis ranges, units, frame and solar wind of a FITS cube, from its headers and
    the small axis extensions (the 3-D array is not read)."""
    p = c.check_readable(path)
    hdul = _open(p)
    try:
        shape, size = _primary_shape(p, hdul)
        h = hdul[0].header
        notes: list[str] = []
        bounds = []
        uniform = True
        for name, n in zip(_AXES, shape[::-1]):
            if name not in hdul:
                notes.append(f"no '{name}' extension: the file cannot be read as a cube")
                bounds, uniform = None, None
                break
            try:
                a, _ = c.check_axis(p, name, _ext_data(p, hdul, name), n)
            except DataFileError as exc:
                notes.append(exc.problem)
                bounds, uniform = None, None
                break
            bounds.append((float(a[0]), float(a[-1])))
            if not c.is_uniform(a):
                uniform = False
                notes.append(c.nonuniform_message(name, a))
        variables = [
            c.VariableInfo(
                "PRIMARY", tuple(shape), _dtype_name(h), ("z", "y", "x"), h.get("BUNIT"), "primary"
            )
        ]
        for hdu in hdul[1:]:
            dims = tuple(
                int(hdu.header.get(f"NAXIS{k}", 0)) for k in range(hdu.header.get("NAXIS", 0), 0, -1)
            )
            variables.append(
                c.VariableInfo(
                    hdu.name, dims, _dtype_name(hdu.header), (), hdu.header.get("BUNIT"), "extension"
                )
            )
        n_nodes = int(np.prod(shape))
        return c.CubeInfo(
            path=str(p),
            format="fits",
            file_bytes=p.stat().st_size,
            shape=tuple(shape),  # type: ignore[arg-type]
            bounds_re=tuple(bounds) if bounds else None,  # type: ignore[arg-type]
            uniform=uniform,
            variables=tuple(variables),
            frame=(_header_frame(h) or "").lower() or None,
            units=str(h.get("BUNIT", c.EMISSIVITY_UNITS)),
            solar_wind=_solar_wind_dict(h),
            estimated_bytes=n_nodes * (size + 4),
            notes=tuple(notes),
        )
    finally:
        hdul.close()


def _dtype_name(h) -> str:
    return {8: "uint8", 16: "int16", 32: "int32", 64: "int64", -32: "float32", -64: "float64"}.get(
        int(h.get("BITPIX", 0)), "?"
    )


# --------------------------------------------------------------------------------------
# read
# --------------------------------------------------------------------------------------


@damaged_file_errors("FITS file")
def read_fits_cube(
    path: Any,
    *,
    frame: str | None = None,
    max_bytes: int | None = None,
    max_nan_fraction: float = c.DEFAULT_MAX_NAN_FRACTION,
    nan_fill: float | None = None,
    nonuniform: str = "error",
    spacing_re: Any = None,
    shape: Any = None,
    bounds: Any = None,
):
    """Read a FITS emissivity cube → :class:`~smile_viewer.physics.volume.Volume`.

    Parameters
    ----------
    path
        The file (``.fits``, also gzip-compressed ``.fits.gz``).
    frame
        "gse" or "gsm" to override the frame; default: the file's ``FRAME`` keyword, else GSE
        for cubes converted by ``convert_cube_to_gse``, else GSM (said in the provenance).
    max_bytes
        Refuse files whose loading needs more than this many bytes (default: the memory
        available now). Checked from the header before any data is read.
    max_nan_fraction, nan_fill
        NaN/infinite values are counted and reported with a :class:`CubeWarning`; above
        ``max_nan_fraction`` of the values the file is refused. They stay NaN unless
        ``nan_fill`` gives a value to put in their place.
    nonuniform
        "error" (default): axes that are not uniformly spaced raise DataFileError;
        "resample": the cube is interpolated trilinearly onto a uniform grid over the same
        bounds (``spacing_re``, ``shape`` or ``bounds`` choose the grid; by default about as
        many nodes as the file has). Passing ``spacing_re``/``shape``/``bounds`` resamples
        any cube.

    Decreasing axes are reversed together with the data. The primary array may be of any
    numeric type (BSCALE/BZERO applied); the volume holds float32. The provenance holds the
    provenance stored by :func:`write_fits_cube` (when present), the file, the header's solar
    wind keywords and how the frame was decided.
    """
    p = c.check_readable(path)
    if nonuniform not in ("error", "resample"):
        raise UserInputError(f"nonuniform = {nonuniform!r}: expected 'error' or 'resample'")
    hdul = _open(p)
    try:
        dims, size = _primary_shape(p, hdul)
        nz, ny, nx = dims
        h = hdul[0].header
        missing = [a for a in _AXES if a not in hdul]
        if missing:
            raise DataFileError(
                p,
                f"has no {', '.join(repr(m) for m in missing)} extension{'s' if len(missing) > 1 else ''} "
                f"holding the axis coordinates; its HDUs are: {_hdu_names(hdul)}",
            )
        desc = f"(primary array (nz, ny, nx) = {dims})"
        x, fx = c.check_axis(p, "x", _ext_data(p, hdul, "x"), nx, desc)
        y, fy = c.check_axis(p, "y", _ext_data(p, hdul, "y"), ny, desc)
        z, fz = c.check_axis(p, "z", _ext_data(p, hdul, "z"), nz, desc)
        resample = spacing_re is not None or shape is not None or bounds is not None
        uniform = all(c.is_uniform(a) for a in (x, y, z))
        if not uniform and nonuniform == "error" and not resample:
            bad = next(n for n, a in zip(_AXES, (x, y, z)) if not c.is_uniform(a))
            raise DataFileError(
                p,
                c.nonuniform_message(bad, {"x": x, "y": y, "z": z}[bad])
                + ": a volume needs a uniform grid; pass nonuniform='resample' to interpolate it onto one",
            )
        n_nodes = nx * ny * nz
        grid = None
        if resample or not uniform:
            grid = c.target_grid(((x[0], x[-1]), (y[0], y[-1]), (z[0], z[-1])), spacing_re=spacing_re, shape=shape,
                                 bounds=bounds, n_source=n_nodes)  # fmt: skip
            needed = n_nodes * (size + 8) + grid.n_nodes * 24
        else:
            needed = n_nodes * (size + 4)
        c.check_memory(
            p, needed, max_bytes, f"a {nx}×{ny}×{nz} array of {size}-byte values plus its float32 copy"
        )

        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                raw = hdul[0].data
                data = np.array(raw, dtype=np.float32 if grid is None else np.float64, copy=True)
            except (TypeError, ValueError, OSError, EOFError) as exc:
                raise DataFileError(
                    p, f"is truncated or corrupt: its primary array cannot be read ({exc})"
                ) from None
        _raise_truncated(p, caught)
        if data.shape != (nz, ny, nx):
            raise DataFileError(p, f"primary array has shape {data.shape}, header says {dims}")
        stored = _stored_provenance(h)
        sw = _solar_wind_dict(h)
        file_frame = _header_frame(h)
        units = str(h.get("BUNIT", c.EMISSIVITY_UNITS)).strip() or c.EMISSIVITY_UNITS
        wcs = _wcs_grid(h)
    finally:
        hdul.close()

    if fx:
        data = data[:, :, ::-1]
    if fy:
        data = data[:, ::-1, :]
    if fz:
        data = data[::-1, :, :]
    data, nan_stats = c.check_finite(
        p, "the primary array", data, max_nan_fraction=max_nan_fraction, nan_fill=nan_fill
    )
    fr, frame_how = c.resolve_frame(p, frame, file_frame)

    provenance: dict[str, Any] = dict(stored) if isinstance(stored, Mapping) else {}
    file_prov: dict[str, Any] = {
        "path": str(p.resolve()),
        "format": "FITS emissivity cube (z, y, x) with x, y, z extensions",
    }
    if sw:
        file_prov["header"] = sw
    if any((fx, fy, fz)):
        file_prov["reversed_axes"] = [a for a, f in zip(_AXES, (fx, fy, fz)) if f]
    if nan_stats:
        file_prov["nonfinite"] = nan_stats
    file_prov["frame"] = frame_how
    if stored is not None and not isinstance(stored, Mapping):
        file_prov["stored_provenance_unreadable"] = str(stored)[:200]
    if "source" not in provenance:
        provenance["source"] = "FITS emissivity cube"
    provenance["file"] = file_prov

    def build():
        if grid is not None:
            vals, n_out = c.regrid_rectilinear(data, x, y, z, grid)
            provenance["resampled"] = {
                **grid.describe(),
                "method": "trilinear (tensor-product linear)",
                "nodes_outside_data": n_out,
            }
            return Volume(vals, grid.origin, grid.spacing, frame=fr, units=units, provenance=provenance)
        origin, spacing = _origin_spacing((x, y, z), wcs, (fx, fy, fz))
        return Volume(data, origin, spacing, frame=fr, units=units, provenance=provenance)

    return c.wrap_volume_errors(p, build)


def _ext_data(path: Path, hdul, name: str):
    try:
        data = hdul[name].data
    except (TypeError, ValueError, OSError) as exc:
        raise DataFileError(path, f"the {name!r} extension cannot be read ({exc})") from None
    if data is None:
        raise DataFileError(
            path, f"the {name!r} extension holds no data: expected the {name} coordinates in R_E"
        )
    return data


def _stored_provenance(h):
    if "PROVENAN" not in h:
        return None
    text = str(h["PROVENAN"])
    try:
        return json.loads(text)
    except ValueError:
        return text


def _wcs_grid(h) -> list[tuple[float, float] | None]:
    """(CRVALi, CDELTi) of the linear WCS written by write_fits_cube, per axis, when CRPIXi = 1."""
    out: list[tuple[float, float] | None] = []
    for i in (1, 2, 3):
        try:
            if float(h.get(f"CRPIX{i}", math.nan)) == 1.0:
                out.append((float(h[f"CRVAL{i}"]), float(h[f"CDELT{i}"])))
                continue
        except (KeyError, TypeError, ValueError):
            pass
        out.append(None)
    return out


def _origin_spacing(axes, wcs, flipped) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Origin and spacing of uniform axes. The header's CRVAL/CDELT (as written by
    write_fits_cube, exact to the last bit) are used when they reproduce the axis; otherwise
    the first node and the mean step of the axis vector."""
    origin, spacing = [], []
    for a, w, f in zip(axes, wcs, flipped):
        o = float(a[0])
        step = (a[-1] - a[0]) / (a.size - 1)
        if w is not None and not f and w[0] == o and w[1] > 0:
            i = np.arange(a.size)
            err_axis = np.max(np.abs(o + i * step - a))
            err_wcs = np.max(np.abs(o + i * w[1] - a))
            if err_wcs <= err_axis:
                step = w[1]
        origin.append(o)
        spacing.append(float(step))
    return tuple(origin), tuple(spacing)


# --------------------------------------------------------------------------------------
# write
# --------------------------------------------------------------------------------------


def _solar_wind_cards(solar_wind: Any) -> list[tuple[str, Any, str]]:
    if solar_wind is None:
        return []
    if isinstance(solar_wind, Mapping):
        keys = set(solar_wind)
        if keys <= {"n_cm3", "v_gse_km_s", "t_k", "b_gsm_nt", "he_ratio"}:
            solar_wind = SolarWind.from_dict(solar_wind)
        else:
            cards = []
            comments = {k: com for k, _, com in SOLAR_WIND_KEYS}
            for k, v in solar_wind.items():
                key = str(k).upper()
                if len(key) > 8 or not key.replace("_", "").replace("-", "").isalnum():
                    raise UserInputError(
                        f"solar wind keyword {k!r}: FITS keywords have at most 8 letters, digits, '_' or '-'"
                    )
                if not isinstance(v, (str, int, float, np.number)) or isinstance(v, bool):
                    raise UserInputError(f"solar wind keyword {k!r} = {v!r}: expected a number or a string")
                if isinstance(v, (float, np.floating)) and not math.isfinite(float(v)):
                    raise UserInputError(
                        f"solar wind keyword {k!r} = {v!r}: FITS headers cannot hold NaN or infinity"
                    )
                cards.append((key, v.item() if isinstance(v, np.number) else v, comments.get(key, "")))
            return cards
    if not isinstance(solar_wind, SolarWind):
        raise UserInputError(
            f"solar_wind = {type(solar_wind).__name__}: expected a SolarWind, a mapping of its fields "
            "or a mapping of FITS keywords (DENSITY, VX, ...)"
        )
    sw = solar_wind
    vx, vy, vz = sw.v_gse_km_s
    bx, by, bz = sw.b_gsm_nt
    return [
        ("BX", bx, "IMF Bx [nT] GSM"),
        ("BY", by, "IMF By [nT] GSM"),
        ("BZ", bz, "IMF Bz [nT] GSM"),
        ("VX", vx, "Solar Wind Vx [km/s] GSE"),
        ("VY", vy, "Solar Wind Vy [km/s] GSE"),
        ("VZ", vz, "Solar Wind Vz [km/s] GSE"),
        ("DENSITY", sw.n_cm3, "Solar Wind Density [/cm^3]"),
        ("PDYN", sw.pd_npa, "SW dynamic pressure [nPa], OMNI 2e-6 n v^2"),
        ("PMAG", sw.pm_npa, "Solar Wind Magnetic Pressure [nPa]"),
        ("TEMP", sw.t_k, "Solar Wind Temperature [K]"),
        ("FLUX", abs(vx) * 1.0e5 * sw.n_cm3, "SW proton flux abs(vx) n [cm^-2 s^-1]"),
    ]


def _exact_card(key: str, value: float, comment: str):
    """A header card holding ``value`` with all 17 significant digits (astropy's own
    formatting keeps at most 20 characters, which can drop the last digits of values with an
    exponent), so that the grid reads back bit for bit."""
    fits = _fits()
    text = repr(float(value)).upper()
    return fits.Card.fromstring(f"{key:<8}= {text:>20} / {comment}")


def write_fits_cube(
    path: Any,
    volume,
    solar_wind: Any = None,
    *,
    dipole_tilt_deg: float | None = None,
    time: Any = None,
    original: str | None = None,
    overwrite: bool = True,
) -> Path:
    """Write a :class:`~smile_viewer.physics.volume.Volume` as a FITS cube in the community's
    layout (module docstring), atomically. Returns the path written.

    ``solar_wind``: a :class:`~smile_viewer.physics.solar_wind.SolarWind` (written as BX, BY,
    BZ, VX, VY, VZ, DENSITY, PDYN, PMAG, TEMP, FLUX), a mapping of its fields, or a mapping of
    header keywords written as given (e.g. ``{"DENSITY": 5.0, "VX": -400.0}``).
    ``dipole_tilt_deg`` → ``DIPOLE``; ``time`` (anything smile_viewer's time parser takes) →
    ``TIME`` in the community's ``%Y/%m/%d %H:%M`` and ``DATE-OBS`` (ISO); ``original`` →
    ``ORIGINAL`` (the source file).
    """
    fits = _fits()
    if not isinstance(volume, Volume):
        raise UserInputError(f"write_fits_cube needs a Volume, got {type(volume).__name__}")
    target = Path(os.fspath(path)).expanduser()
    if not str(target).lower().endswith(_FITS_SUFFIXES):
        raise UserInputError(f"{target}: a FITS cube file name ends in .fits (or .fit, .fts, .fits.gz)")
    primary = fits.PrimaryHDU(data=np.ascontiguousarray(volume.values, dtype=np.float32))
    h = primary.header
    h["BUNIT"] = (volume.units, "units of the emissivity")
    h["FRAME"] = (volume.frame.upper(), "frame of the x, y, z axes (X toward the Sun)")
    for i, (name, o, d) in enumerate(zip(_AXES, volume.origin_re, volume.spacing_re), start=1):
        h[f"CTYPE{i}"] = (name.upper(), f"{name} {volume.frame.upper()} [R_E] (extension '{name}')")
        h[f"CRPIX{i}"] = (1.0, "reference pixel: the first node")
        h.append(_exact_card(f"CRVAL{i}", o, f"{name} of the first node [R_E]"))
        h.append(_exact_card(f"CDELT{i}", d, f"{name} spacing [R_E]"))
    for key, value, comment in _solar_wind_cards(solar_wind):
        h[key] = (value, comment)
    if dipole_tilt_deg is not None:
        tilt = float(dipole_tilt_deg)
        if not math.isfinite(tilt):
            raise UserInputError(f"dipole_tilt_deg = {dipole_tilt_deg!r}: expected a finite angle in degrees")
        h["DIPOLE"] = (tilt, "dipole tilt angle [deg]")
    if time is not None:
        t = parse_time(time)
        h["TIME"] = (t.utc.strftime("%Y/%m/%d %H:%M"), "time of the conditions (UTC)")
        h["DATE-OBS"] = (t.utc.isot, "time of the conditions (UTC)")
    if original is not None:
        h["ORIGINAL"] = (str(original), "original file")
    h["PROVENAN"] = json.dumps(volume.provenance, ensure_ascii=True, sort_keys=True, default=str)
    h["HISTORY"] = (
        f"Written by smile-viewer {smile_viewer.__version__} (smile_viewer.io.cubes.write_fits_cube)"
    )
    hdus = [primary]
    for name, axis in zip(_AXES, volume.axes()):
        ext = fits.ImageHDU(data=np.asarray(axis, dtype=np.float64), name=name)
        ext.header["BUNIT"] = ("R_E", f"{name} {volume.frame.upper()} of the nodes, 1 R_E = 6371 km")
        hdus.append(ext)
    hdul = fits.HDUList(hdus)
    with c.atomic_output(target, overwrite=overwrite) as tmp:
        # astropy picks compression from the file name, so write through a file object.
        if str(target).lower().endswith(".gz"):
            # no time stamp and no file name in the gzip header: the same cube gives the same bytes
            with open(tmp, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as f:
                hdul.writeto(f, output_verify="exception")
        else:
            hdul.writeto(tmp, overwrite=True, output_verify="exception")
    return target
