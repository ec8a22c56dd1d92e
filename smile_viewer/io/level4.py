"""Level-4 (model-fit) FITS files in the SXI team's layout: write and read.

The layout is the one the team's reader opens (swharton1/SXI_L4_V1 ``read_fits_result.py``;
``analyse_GAC.py``, ``quality_flag.py``, ``bayane_cusp.py`` use what it reads):

- PRIMARY: the fitted counts per pixel, shape (NAXIS2, NAXIS1) = (n_pixels, m_pixels);
  image extensions of the same shape: CXFOV (the foreground (counts − background) /
  vignetting; the team falls back to CTSMAP, then ORIGINAL), BKGMAP (background counts),
  ERROR (1σ per pixel); tables PARAMETERS (columns Parameter, Initial, Optimum, Error),
  P_VARIATION (one column per parameter, one row per model evaluation), image COVAR;
- primary keys: EXPOS [s], FILENAME, POS_X/Y/Z and AIM_X/Y/Z (GSE, R_E), CDELT1/2 (pixel
  width) and CRVAL1/2 (lower edge of the field) in instrument degrees (the team takes the
  field as −2 CRVAL), DIPOLE, MODEL, FIT, RCMEM and R_ERR (subsolar magnetopause and its
  1σ, R_E; 9999 = no error, as the team's plots test), MIN_COST, ITER, OPT_TIME [s],
  DATE-OBS (``%Y-%m-%dT%H:%M:%S.%f``, the format the team's ``analyse_GAC`` parses),
  P_SPACE, P0_METH, CNT_RATE (ΣCXFOV / EXPOS), QF, QF2 (quality flags, ints).

Ours add CTSMAP (counts), INTENSITY, RESMAP, PROVENANCE and, when the observation had one,
its celestial WCS as the alternate WCS "A" (``CTYPE1A``…, ``WCSNAMEA``) so that sky tools
still place the pixels. :func:`write_level4` writes a :class:`Level4File` atomically;
:func:`read_level4` reads ours and the team's into one; a broken file raises
:class:`~smile_viewer.errors.DataFileError` with one line. See docs/reference.md#level-4-fit-results.
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
from astropy.wcs import WCS

from smile_viewer.coords.timeparse import parse_time
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.atomic import atomic_path, check_output_path
from smile_viewer.io.checked_file import checked_path
from smile_viewer.io.observed import ObservedImage, load_observed

__all__ = [
    "DATE_FORMAT",
    "IMAGE_EXTENSIONS",
    "NO_ERROR",
    "Level4File",
    "ParameterTable",
    "is_level4",
    "load_observation_or_level4",
    "read_level4",
    "write_level4",
]

#: R_ERR when the error is unknown (the team's plots test ``rcmem_err == 9999``).
NO_ERROR = 9999.0
#: DATE-OBS layout the team's analysis parses (``datetime.strptime``).
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"
#: Image extensions read (besides the primary), the team's first.
IMAGE_EXTENSIONS = ("CXFOV", "BKGMAP", "ERROR", "CTSMAP", "ORIGINAL", "INTENSITY", "RESMAP")


@dataclass(frozen=True, eq=False)
class ParameterTable:
    """The PARAMETERS table: names and their start, best-fit and 1σ values (NaN: none); ours
    add Free (bool) and the bounds Lower/Upper (None when a file lacks them)."""

    names: tuple[str, ...]
    initial: np.ndarray
    optimum: np.ndarray
    error: np.ndarray
    free: np.ndarray | None = None
    lower: np.ndarray | None = None
    upper: np.ndarray | None = None

    def __post_init__(self):
        n = len(self.names)
        for what in ("initial", "optimum", "error", "free", "lower", "upper"):
            v = getattr(self, what)
            if v is None:
                continue
            a = np.asarray(v, dtype=bool if what == "free" else float).reshape(-1)
            if a.shape != (n,):
                raise UserInputError(f"parameter table: {what} has {a.size} values for {n} names")
            object.__setattr__(self, what, a)

    def as_dict(self, which: str = "optimum") -> dict[str, float]:
        return {n: float(v) for n, v in zip(self.names, getattr(self, which))}


@dataclass(frozen=True, eq=False)
class Level4File:
    """A level-4 fit product (module docstring). Keyword fields are None when a file lacks them.

    ``fitted`` is the primary (counts); ``cxfov``, ``background`` (BKGMAP), ``error``
    (ERROR), ``counts`` (CTSMAP) the image extensions of its shape; ``images`` any others
    (INTENSITY, RESMAP, ORIGINAL…); ``p_variation`` the P_VARIATION columns; ``sky_wcs`` the
    celestial WCS (alternate "A"); ``header`` the whole primary header after reading.
    """

    fitted: np.ndarray
    parameters: ParameterTable
    rcmem_re: float
    rcmem_err_re: float | None = None
    cxfov: np.ndarray | None = None
    background: np.ndarray | None = None
    error: np.ndarray | None = None
    counts: np.ndarray | None = None
    images: dict[str, np.ndarray] = field(default_factory=dict)
    p_variation: dict[str, np.ndarray] = field(default_factory=dict)
    covariance: np.ndarray | None = None
    exposure_s: float | None = None
    filename: str | None = None
    position_re: np.ndarray | None = None
    aim_re: np.ndarray | None = None
    crval_deg: tuple[float, float] | None = None
    cdelt_deg: tuple[float, float] | None = None
    dipole_deg: float | None = None
    model: str | None = None
    fit: str | None = None
    min_cost: float | None = None
    iterations: int | None = None
    opt_time_s: float | None = None
    date_obs: str | None = None
    p_space_re: float | None = None
    p0_method: int | None = None
    count_rate: float | None = None
    qf: int | None = None
    qf2: int | None = None
    sky_wcs: Any = None
    extra_cards: tuple[tuple[str, Any, str], ...] = ()
    provenance_json: str | None = None
    header: Any = None
    path: Path | None = None

    @property
    def shape(self) -> tuple[int, int]:
        """(NAXIS2, NAXIS1) = (n_pixels, m_pixels)."""
        return tuple(self.fitted.shape)

    @property
    def observed(self) -> np.ndarray | None:
        """What the fit is compared with: CTSMAP (ours: the fitted counts include the background),
        else CXFOV (the team's fit of the foreground), else ORIGINAL, else None."""
        if self.counts is not None:
            return self.counts
        if self.cxfov is not None:
            return self.cxfov
        return self.images.get("ORIGINAL")

    @property
    def observed_name(self) -> str:
        return "CTSMAP" if self.counts is not None else ("CXFOV" if self.cxfov is not None else "ORIGINAL")

    def pixel_angles(self) -> dict[str, np.ndarray] | None:
        """Pixel-centre instrument angles [deg] along columns (``phi_deg``) and rows
        (``theta_deg``): CRVAL + (k + 0.5) CDELT, as the team's ``make_image_axes``."""
        if self.crval_deg is None or self.cdelt_deg is None:
            return None
        ny, nx = self.shape
        return {
            "phi_deg": self.crval_deg[0] + (np.arange(nx) + 0.5) * self.cdelt_deg[0],
            "theta_deg": self.crval_deg[1] + (np.arange(ny) + 0.5) * self.cdelt_deg[1],
        }

    def to_observed(self):
        """An :class:`~smile_viewer.io.observed.ObservedImage` of :attr:`observed` with this
        file's geometry (sky WCS, else the instrument angles) and maps (CTSMAP, BKGMAP, CXFOV,
        ERRFOV = ERROR), for the comparison view."""
        obs = self.observed
        if obs is None:
            raise DataFileError(
                self.path or "<level 4>", "has no CXFOV, CTSMAP or ORIGINAL extension to compare"
            )
        if self.date_obs is None:
            raise DataFileError(self.path or "<level 4>", "header has no DATE-OBS")
        try:
            t0 = parse_time(self.date_obs)
        except UserInputError as exc:
            raise DataFileError(self.path or "<level 4>", f"DATE-OBS: {exc}") from None
        maps = {
            k: np.asarray(v, dtype=float)
            for k, v in (
                ("CTSMAP", self.counts),
                ("BKGMAP", self.background),
                ("CXFOV", self.cxfov),
                ("ERRFOV", self.error),
            )
            if v is not None
        }
        angles = None if self.sky_wcs is not None else self.pixel_angles()
        if self.sky_wcs is None and (angles is None or self.position_re is None or self.aim_re is None):
            angles = None
        t1 = None
        if self.exposure_s is not None:
            t1 = t0 + float(self.exposure_s) * u.s
        return ObservedImage(
            path=Path(self.path) if self.path is not None else Path("<level 4>"),
            image=np.asarray(obs, dtype=float),
            units="count",
            wcs=self.sky_wcs,
            time_start=t0,
            time_end=t1,
            exposure_s=self.exposure_s,
            position_re=self.position_re,
            aim_re=self.aim_re,
            instrument="sxi",
            # without CTSMAP the image is a background-subtracted CXFOV: "sxi-l3" keeps ``counts`` None
            maps=maps,
            header=self.header,
            format="sxi-l4" if self.counts is not None else "sxi-l3",
            pixel_angles=angles,
            notes=(f"level 4: observed = {self.observed_name}, model = the fitted counts (PRIMARY)",),
            provenance={"path": str(self.path), "format": "sxi-l4"},
        )


# ---------------------------------------------------------------------------- writing


def _angle_cards(l4: Level4File) -> list[tuple[str, Any, str]]:
    cards: list[tuple[str, Any, str]] = []
    if l4.crval_deg is None or l4.cdelt_deg is None:
        return cards
    for i in (1, 2):
        cards += [
            (f"CTYPE{i}", "deg", "instrument angle (the SXI team's layout)"),
            (f"CUNIT{i}", "deg", ""),
            (f"CRPIX{i}", 0.5, "CRVAL is the lower edge of the first pixel"),
            (f"CRVAL{i}", float(l4.crval_deg[i - 1]), "[deg] lower edge of the field"),
            (f"CDELT{i}", float(l4.cdelt_deg[i - 1]), "[deg] pixel width"),
        ]
    return cards


def _sky_cards(w) -> list[tuple[str, Any, str]]:
    """The celestial WCS as alternate "A" cards (keyed names only: no DATE-OBS from astropy)."""
    if w is None:
        return []
    ww = w.deepcopy()
    ww.wcs.name = "SKY"
    h = ww.to_header(key="A")
    out = []
    for card in h.cards:
        k = card.keyword
        if k.endswith("A") and not k.startswith(("DATE", "MJD")):
            out.append((k, card.value, card.comment))
    return out


def _put(h, key: str, value, comment: str = "") -> None:
    if value is None:
        return
    if isinstance(value, (np.floating, float)):
        value = float(value)
    elif isinstance(value, (np.integer,)) and not isinstance(value, bool):
        value = int(value)
    h[key] = (value, comment)


def write_level4(l4: Level4File, path, *, overwrite: bool = True) -> Path:
    """Write ``l4`` (module docstring) atomically; returns the path. Raises UserInputError
    for an unwritable path or an existing file with ``overwrite=False``."""
    target = check_output_path(path)
    if target.exists() and not overwrite:
        raise UserInputError(f"{target} exists (use overwrite=True)")
    fitted = np.asarray(l4.fitted, dtype=np.float64)
    if fitted.ndim != 2:
        raise UserInputError(f"level 4: the fitted image must be 2-D, got shape {fitted.shape}")
    geometry = _angle_cards(l4) + _sky_cards(l4.sky_wcs)

    h = fits.Header()
    h["BUNIT"] = ("count", "fitted counts per pixel")
    for k, v, c in geometry:
        h[k] = (v, c)
    _put(h, "EXPOS", l4.exposure_s, "[s] exposure time")
    _put(h, "FILENAME", l4.filename, "image fitted")
    for prefix, vec, what in (
        ("POS", l4.position_re, "spacecraft position"),
        ("AIM", l4.aim_re, "aim point"),
    ):
        if vec is not None:
            for c, v in zip("XYZ", np.asarray(vec, dtype=float)):
                h[f"{prefix}_{c}"] = (float(v), f"[R_E] {what} {c} GSE")
    _put(h, "DATE-OBS", l4.date_obs, "start of the exposure (UTC)")
    _put(h, "DIPOLE", l4.dipole_deg, "[deg] dipole tilt at DATE-OBS")
    _put(h, "MODEL", l4.model, "emissivity model fitted")
    _put(h, "FIT", l4.fit, "minimiser")
    h["RCMEM"] = (float(l4.rcmem_re), "[R_E] subsolar magnetopause of the fitted model")
    err = l4.rcmem_err_re
    h["R_ERR"] = (
        float(err) if err is not None and math.isfinite(err) else NO_ERROR,
        f"[R_E] 1-sigma error of RCMEM ({NO_ERROR:g}: unknown)",
    )
    _put(h, "MIN_COST", l4.min_cost, "minimum of the cost function")
    _put(h, "ITER", l4.iterations, "cost-function evaluations")
    _put(h, "OPT_TIME", l4.opt_time_s, "[s] optimisation time")
    _put(h, "P_SPACE", l4.p_space_re, "[R_E] line-of-sight step (0: adaptive)")
    _put(h, "P0_METH", l4.p0_method, "start-parameter method")
    _put(h, "CNT_RATE", l4.count_rate, "[counts/s] sum(CXFOV) / EXPOS")
    _put(h, "QF", l4.qf, "SXI quality flag: position + count-rate points")
    _put(h, "QF2", l4.qf2, "SXI quality flag 2: bits 1,2 position; 4,8 SNR")
    with warnings.catch_warnings():  # a long value leaves less room for its comment: cut, say nothing
        warnings.filterwarnings("ignore", message="Card is too long, comment will be truncated")
        for k, v, c in l4.extra_cards:
            _put(h, k, v, c)

    ext_header = fits.Header()
    for k, v, c in geometry:
        ext_header[k] = (v, c)
    hdus: list[Any] = [fits.PrimaryHDU(data=fitted, header=h)]
    images = [
        ("CXFOV", l4.cxfov, "count", "(counts - background) / vignetting"),
        ("BKGMAP", l4.background, "count", "background counts"),
        ("ERROR", l4.error, "count", "1-sigma error of the counts"),
        ("CTSMAP", l4.counts, "count", "observed counts"),
    ]
    images += [(k, v, "", "") for k, v in l4.images.items()]
    for name, data, bunit, comment in images:
        if data is None:
            continue
        a = np.asarray(data, dtype=np.float64)
        if a.shape != fitted.shape:
            raise UserInputError(
                f"level 4: {name} has shape {a.shape} but the fitted image is {fitted.shape}"
            )
        hh = ext_header.copy()
        if bunit:
            hh["BUNIT"] = (bunit, comment)
        hdus.append(fits.ImageHDU(data=a, header=hh, name=name))

    p = l4.parameters
    width = max([1] + [len(n) for n in p.names])
    hdus.append(
        fits.BinTableHDU.from_columns(
            [
                fits.Column(name="Parameter", format=f"{width}A", array=np.array(p.names, dtype=f"U{width}")),
                fits.Column(name="Initial", format="D", array=p.initial),
                fits.Column(name="Optimum", format="D", array=p.optimum),
                fits.Column(name="Error", format="D", array=p.error),
            ]
            + [
                fits.Column(name=name, format="L" if name == "Free" else "D", array=a)
                for name, a in (("Free", p.free), ("Lower", p.lower), ("Upper", p.upper))
                if a is not None
            ],
            name="PARAMETERS",
        )
    )
    if l4.p_variation:
        cols = []
        for name, values in l4.p_variation.items():
            a = np.asarray(values)
            fmt = "K" if a.dtype.kind in "iu" else "D"
            cols.append(fits.Column(name=name, format=fmt, array=a))
        hdus.append(fits.BinTableHDU.from_columns(cols, name="P_VARIATION"))
    if l4.covariance is not None:
        hdus.append(fits.ImageHDU(data=np.asarray(l4.covariance, dtype=np.float64), name="COVAR"))
    if l4.provenance_json:
        text = l4.provenance_json
        hdus.append(
            fits.BinTableHDU.from_columns(
                [fits.Column(name="JSON", format=f"{max(1, len(text))}A", array=np.array([text]))],
                name="PROVENANCE",
            )
        )
    with atomic_path(target) as tmp, warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Card is too long, comment will be truncated")
        fits.HDUList(hdus).writeto(tmp, overwrite=True, checksum=True)
    return target


# ---------------------------------------------------------------------------- reading


def _check_file(path) -> Path:
    checked_path(path, "level4", allow_empty=True)  # pipes, devices, link loops, size limit (io.checked_file)
    p = Path(path).expanduser()
    if not p.exists():
        raise DataFileError(p, "no such file")
    if p.is_dir():
        raise DataFileError(p, "is a directory, not a level-4 FITS file")
    try:
        with open(p, "rb") as fh:
            head = fh.read(9)
    except OSError as exc:
        raise DataFileError(p, f"cannot read the file ({exc.strerror or exc})") from None
    if head != b"SIMPLE  =":
        raise DataFileError(p, "is not a FITS file" if head else "is empty")
    return p


def is_level4(path) -> bool:
    """True when ``path`` is a FITS file whose primary header has RCMEM and that holds a
    PARAMETERS table (the level-4 layout); False for anything else (never raises)."""
    try:
        p = _check_file(path)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with fits.open(p, memmap=False) as hdul:
                return "RCMEM" in hdul[0].header and any(
                    (x.name or "").upper() == "PARAMETERS" for x in hdul[1:]
                )
    except Exception:  # noqa: BLE001 - any failure means "not a (readable) level-4 file"
        return False


def load_observation_or_level4(path):
    """A level-4 file (:func:`read_level4`) when ``path`` is one (:func:`is_level4`), else the
    observed image (:func:`smile_viewer.io.observed.load_observed`): the GUI's open path."""
    if is_level4(path):
        l4 = read_level4(path)
        l4.to_observed()  # what the comparison view needs: fail here, in the worker, if it cannot
        return l4
    return load_observed(path)


def _num(h, key: str, p: Path, kind=float):
    if key not in h:
        return None
    v = h[key]
    if isinstance(v, (bool, np.bool_, str)):
        raise DataFileError(p, f"{key} = {v!r} is not a number")
    try:
        x = float(v)
    except (TypeError, ValueError):
        raise DataFileError(p, f"{key} = {v!r} is not a number") from None
    if kind is int:
        if not math.isfinite(x) or x != int(x):
            raise DataFileError(p, f"{key} = {v!r} is not an integer")
        return int(x)
    return x


def _text(h, key: str) -> str | None:
    return None if key not in h else str(h[key]).strip()


def _vector(h, prefix: str, p: Path) -> np.ndarray | None:
    keys = [f"{prefix}_{c}" for c in "XYZ"]
    present = [k in h for k in keys]
    if not any(present):
        return None
    if not all(present):
        missing = keys[present.index(False)]
        raise DataFileError(p, f"header has {prefix}_* but no {missing}")
    return np.array([_num(h, k, p) for k in keys])


def _pair(h, key: str, p: Path) -> tuple[float, float] | None:
    a, b = _num(h, f"{key}1", p), _num(h, f"{key}2", p)
    return None if a is None or b is None else (a, b)


def _table_column(table, name: str, p: Path, required: bool) -> np.ndarray | None:
    names = {n.lower(): n for n in table.columns.names}
    if name.lower() not in names:
        if required:
            raise DataFileError(p, f"table PARAMETERS has no column {name}")
        return None
    return np.asarray(table[names[name.lower()]])


def read_level4(path) -> Level4File:
    """Read a level-4 file (ours or the team's; module docstring). Required: a 2-D primary
    image, RCMEM and a PARAMETERS table with Parameter, Initial and Optimum; the rest is
    optional (None). Any problem raises DataFileError naming the file."""
    p = _check_file(path)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with fits.open(p, memmap=False) as hdul:
                hdul.verify("silentfix")
                len(hdul)
                h = hdul[0].header.copy()
                data = hdul[0].data
                if data is None or np.ndim(data) != 2 or np.asarray(data).dtype.kind not in "fiu":
                    raise DataFileError(
                        p, "the primary HDU holds no 2-D image of fitted counts: not a level-4 file"
                    )
                fitted = np.asarray(data, dtype=np.float64)
                by_name = {(x.name or "").upper(): x for x in hdul[1:]}
                if "PARAMETERS" not in by_name:
                    raise DataFileError(p, "has no PARAMETERS table: not a level-4 file")
                ptab = by_name["PARAMETERS"]
                if not isinstance(ptab, fits.BinTableHDU | fits.TableHDU):
                    raise DataFileError(p, "extension PARAMETERS is not a table")
                tdata = ptab.data
                names_col = _table_column(tdata, "Parameter", p, True)
                initial = _table_column(tdata, "Initial", p, True)
                optimum = _table_column(tdata, "Optimum", p, True)
                error = _table_column(tdata, "Error", p, False)
                extra_cols = {k: _table_column(tdata, k, p, False) for k in ("Free", "Lower", "Upper")}
                images: dict[str, np.ndarray] = {}
                for name, hdu in by_name.items():
                    if name in ("PARAMETERS", "P_VARIATION", "COVAR", "PROVENANCE") or hdu.data is None:
                        continue
                    if isinstance(hdu, fits.ImageHDU | fits.CompImageHDU) and np.ndim(hdu.data) == 2:
                        a = np.asarray(hdu.data, dtype=np.float64)
                        if a.shape != fitted.shape:
                            raise DataFileError(
                                p,
                                f"extension {name} has shape {a.shape} but the fitted image "
                                f"is {fitted.shape}",
                            )
                        images[name] = a
                pvar: dict[str, np.ndarray] = {}
                if "P_VARIATION" in by_name:
                    pv = by_name["P_VARIATION"]
                    if not isinstance(pv, fits.BinTableHDU | fits.TableHDU):
                        raise DataFileError(p, "extension P_VARIATION is not a table")
                    pvar = {n: np.asarray(pv.data[n]) for n in pv.columns.names}
                cov = None
                if "COVAR" in by_name and by_name["COVAR"].data is not None:
                    cov = np.asarray(by_name["COVAR"].data, dtype=np.float64)
                    if cov.ndim == 0:
                        cov = cov.reshape(1, 1)
                    if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
                        raise DataFileError(p, f"COVAR has shape {cov.shape}: expected a square matrix")
                prov = None
                if "PROVENANCE" in by_name:
                    try:
                        prov = str(by_name["PROVENANCE"].data["JSON"][0])
                    except Exception:  # noqa: BLE001 - provenance is informative only
                        prov = None
    except DataFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - astropy raises many kinds on damaged files
        first = str(exc).splitlines()[0][:160] if str(exc) else ""
        raise DataFileError(
            p, f"not a readable FITS file, it may be corrupt ({type(exc).__name__}: {first})"
        ) from None
    for c in caught:
        text = str(c.message)
        if "truncated" in text or "Error validating header" in text:
            raise DataFileError(p, f"the FITS file is truncated or damaged ({text.splitlines()[0][:160]})")

    names = tuple(str(n).strip() for n in names_col)
    try:
        params = ParameterTable(
            names,
            np.asarray(initial, dtype=float),
            np.asarray(optimum, dtype=float),
            np.full(len(names), np.nan) if error is None else np.asarray(error, dtype=float),
            **{k.lower(): v for k, v in extra_cols.items()},
        )
    except (TypeError, ValueError) as exc:
        raise DataFileError(
            p, f"table PARAMETERS does not hold numbers ({str(exc).splitlines()[0][:120]})"
        ) from None
    rcmem = _num(h, "RCMEM", p)
    if rcmem is None:
        raise DataFileError(p, "header has no RCMEM: not a level-4 file")
    sky = None
    if "CTYPE1A" in h:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                sky = WCS(h, key="A", naxis=2)
        except Exception as exc:  # noqa: BLE001 - astropy raises several kinds for broken cards
            raise DataFileError(
                p, f"invalid alternate celestial WCS 'A' ({str(exc).splitlines()[0][:120]})"
            ) from None
        if not sky.has_celestial:
            raise DataFileError(p, "the alternate WCS 'A' is not celestial")
    r_err = _num(h, "R_ERR", p)
    counts = images.pop("CTSMAP", None)
    return Level4File(
        fitted=fitted,
        parameters=params,
        rcmem_re=rcmem,
        rcmem_err_re=None if r_err is None or r_err == NO_ERROR else r_err,
        cxfov=images.pop("CXFOV", None),
        background=images.pop("BKGMAP", None),
        error=images.pop("ERROR", None),
        counts=counts,
        images=images,
        p_variation=pvar,
        covariance=cov,
        exposure_s=_num(h, "EXPOS", p),
        filename=_text(h, "FILENAME"),
        position_re=_vector(h, "POS", p),
        aim_re=_vector(h, "AIM", p),
        crval_deg=_pair(h, "CRVAL", p),
        cdelt_deg=_pair(h, "CDELT", p),
        dipole_deg=_num(h, "DIPOLE", p),
        model=_text(h, "MODEL"),
        fit=_text(h, "FIT"),
        min_cost=_num(h, "MIN_COST", p),
        iterations=_num(h, "ITER", p, int),
        opt_time_s=_num(h, "OPT_TIME", p),
        date_obs=_text(h, "DATE-OBS"),
        p_space_re=_num(h, "P_SPACE", p),
        p0_method=_num(h, "P0_METH", p, int),
        count_rate=_num(h, "CNT_RATE", p),
        qf=_num(h, "QF", p, int),
        qf2=_num(h, "QF2", p, int),
        sky_wcs=sky,
        provenance_json=prov,
        header=h,
        path=p,
    )
