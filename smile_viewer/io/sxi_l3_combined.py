"""Stacked SXI level-3 products (SCI-CXF) in the SXI team's combined layout: write and check.

Layout of swharton1/SXI_L3 ``rebin_files.py`` (``create_fits_file``), as read by its
``read_rebinned_file.py`` and by :func:`smile_viewer.io.observed.load_observed`:
primary image = CXFOV; primary keys POS_X/Y/Z, AIM_X/Y/Z, CTYPE1/2, CRVAL1/2 (lower edges of the
field [deg], unchanged by binning), CDELT1/2 (the binned pixel size [deg]), EXPOS (total [s]),
EMIN, EMAX, RA, DEC, DATE-OBS (first minute), DATE-END (last minute), QF, COMMENT lines naming
the inputs; extensions CTSMAP, BKGMAP, XBMAP, PSMAP, PBMAP, CLMAP, SPMAP, VIGMAP, CXFOV, ERRFOV,
each carrying the primary keys too (as the team writes them). Our additions: NMINUTES (minutes
stacked), BINNING ("2x2": native pixels per output pixel along axis 1 x axis 2), VIGSTACK (how
the vignetting of the minutes was combined) and BUNIT = 'count'.

File name (the team's): ``SMILE_SXI_L3_SCIM{60·CDELT1}x{60·CDELT2}-SCI-CXF_{start}-{end}_V01.fits``
with the pixel size in arcminutes and times as YYYYmmddTHHMM.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from astropy.io import fits

from smile_viewer.errors import DataFileError
from smile_viewer.io.atomic import atomic_path
from smile_viewer.io.sxi_l3 import hdu_layout

__all__ = ["COMBINED_MAPS", "CombinedL3", "combined_filename", "read_stack_size", "write_combined_l3"]

#: The extensions of the combined layout, in the team's order.
COMBINED_MAPS = ("CTSMAP", "BKGMAP", "XBMAP", "PSMAP", "PBMAP", "CLMAP", "SPMAP", "VIGMAP", "CXFOV", "ERRFOV")
_BLOCK = 2880
_DESCRIPTIONS = {
    "CTSMAP": "Observed counts, summed over the minutes",
    "BKGMAP": "Predicted total background counts",
    "XBMAP": "Predicted diffuse sky X-ray background counts",
    "PSMAP": "Predicted point-source counts",
    "PBMAP": "Predicted particle background counts",
    "CLMAP": "Predicted calibration-source counts",
    "SPMAP": "Predicted soft-proton counts",
    "VIGMAP": "Relative exposure (vignetting), 0-1",
    "CXFOV": "Foreground counts corrected for vignetting: (CTSMAP - BKGMAP) / VIGMAP",
    "ERRFOV": "Error of the counts: sqrt(CTSMAP)",
}


@dataclass(frozen=True, eq=False)
class CombinedL3:
    """A stacked, rebinned SXI level-3 product (the arrays are (NAXIS2, NAXIS1) float64).

    ``maps``: every name of :data:`COMBINED_MAPS`; ``crval_deg``/``cdelt_deg``: (axis 1,
    axis 2) lower field edges and pixel sizes [deg]; ``binning``: native pixels per output pixel
    (axis 1, axis 2); ``sources``: the minutes stacked, named as the team names their folders
    (``L3_<start>-<end>``, YYYYmmddTHHMM; written as "Derived from …" COMMENT cards);
    ``keys``: CTYPE1/2, EMIN, EMAX, RA, DEC as the inputs had them.
    """

    maps: dict
    date_obs: str
    date_end: str
    start: datetime
    end: datetime
    exposure_s: float
    position_re: np.ndarray
    aim_re: np.ndarray
    crval_deg: tuple[float, float]
    cdelt_deg: tuple[float, float]
    binning: tuple[int, int]
    quality_flag: int
    vignetting: str
    sources: tuple[str, ...] = ()
    keys: dict = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def shape(self) -> tuple[int, int]:
        return tuple(self.maps["CTSMAP"].shape)

    @property
    def n_minutes(self) -> int:
        return len(self.sources)


def _arcmin_label(deg: float) -> str:
    v = 60.0 * deg
    return f"{v:.6g}"


def combined_filename(start: datetime, end: datetime, cdelt_deg) -> str:
    """The team's name of a stacked product (``rebin_files.py`` ``create_fits_file``)."""
    return (
        f"SMILE_SXI_L3_SCIM{_arcmin_label(cdelt_deg[0])}x{_arcmin_label(cdelt_deg[1])}-SCI-CXF_"
        f"{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}_V01.fits"
    )


def _cards(product: CombinedL3) -> list[tuple]:
    k = product.keys
    cards = [
        (f"POS_{c}", float(v), "spacecraft position, GSE [R_E]") for c, v in zip("XYZ", product.position_re)
    ]
    cards += [(f"AIM_{c}", float(v), "SXI aim point, GSE [R_E]") for c, v in zip("XYZ", product.aim_re)]
    for i in (1, 2):
        cards.append((f"CTYPE{i}", k.get(f"CTYPE{i}", "deg"), "instrument-frame angle"))
        cards.append((f"CRVAL{i}", float(product.crval_deg[i - 1]), "lower edge of the field [deg]"))
        cards.append((f"CDELT{i}", float(product.cdelt_deg[i - 1]), "pixel size [deg]"))
    cards.append(("EXPOS", float(product.exposure_s), "total exposure [s]"))
    for key, comment in (
        ("EMIN", "lower energy [keV]"),
        ("EMAX", "upper energy [keV]"),
        ("RA", "boresight right ascension [deg]"),
        ("DEC", "boresight declination [deg]"),
    ):
        if key in k:
            cards.append((key, float(k[key]), comment))
    cards.append(("DATE-OBS", product.date_obs, "start of the first minute, UTC"))
    cards.append(("DATE-END", product.date_end, "end of the last minute, UTC"))
    cards.append(("QF", int(product.quality_flag), "SXI_L3 calc_quality_flag"))
    cards.append(("NMINUTES", int(product.n_minutes), "minutes stacked"))
    cards.append(
        ("BINNING", f"{product.binning[0]}x{product.binning[1]}", "native pixels per pixel, axis 1 x 2")
    )
    cards.append(("VIGSTACK", product.vignetting, "VIGMAP over the minutes"))
    cards.append(("BUNIT", "count", "counts per pixel"))
    cards.append(("ORIGIN", "smile-viewer", "method of SXI_L3 rebin_files.py"))
    return cards


@functools.lru_cache(maxsize=64)
def _structural_cards(name: str, ny: int, nx: int) -> str:
    """The mandatory cards of a float64 image HDU (FITS standard 4.0 §4.4.1), then EXTNAME."""
    if name == "PRIMARY":
        cards = [
            ("SIMPLE", True),
            ("BITPIX", -64),
            ("NAXIS", 2),
            ("NAXIS1", nx),
            ("NAXIS2", ny),
            ("EXTEND", True),
        ]
    else:
        cards = [
            ("XTENSION", "IMAGE"),
            ("BITPIX", -64),
            ("NAXIS", 2),
            ("NAXIS1", nx),
            ("NAXIS2", ny),
            ("PCOUNT", 0),
            ("GCOUNT", 1),
            ("EXTNAME", name),
        ]
    return "".join(fits.Card(k, v).image for k, v in cards)


def _padded(raw: bytes, fill: bytes) -> bytes:
    return raw + fill * (-len(raw) % _BLOCK)


def write_combined_l3(path, product: CombinedL3) -> Path:
    """Write ``product`` to ``path`` atomically in the combined layout (module docstring).

    The cards are made by astropy (``Card.image``) and the HDUs assembled here: astropy's HDU
    objects took about 0.1 s per 11-HDU file, most of a day's stacking time
    (benchmarks/bench_stack.py). The tests open the result with astropy and verify it.
    """
    missing = [m for m in COMBINED_MAPS if m not in product.maps]
    if missing:
        raise ValueError(f"combined product lacks {', '.join(missing)}")
    ny, nx = product.shape
    shared = [fits.Card(key, value, comment).image for key, value, comment in _cards(product)]
    shared.append(
        fits.Card(
            "COMMENT", "Stacked and rebinned by smile-viewer (the SXI team's rebin_files.py method)"
        ).image
    )
    shared += [fits.Card("COMMENT", f"Derived from {name}").image for name in product.sources]
    shared += [fits.Card("COMMENT", note).image for note in product.notes]
    shared_text = "".join(shared)
    end = "END".ljust(80)
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        for name in ("PRIMARY", *COMBINED_MAPS):
            data = product.maps["CXFOV" if name == "PRIMARY" else name]
            if data.shape != (ny, nx):
                raise ValueError(f"map {name} has shape {data.shape}, CTSMAP {(ny, nx)}")
            text = _structural_cards(name, ny, nx) + shared_text
            if name != "PRIMARY":
                text += fits.Card("COMMENT", _DESCRIPTIONS[name]).image
            fh.write(_padded((text + end).encode("ascii"), b" "))
            fh.write(_padded(np.ascontiguousarray(data, dtype=">f8").tobytes(), b"\0"))
    return Path(path)


def read_stack_size(path) -> int | None:
    """NMINUTES of an existing, complete combined file (every extension present and all its
    data on disk), or None when the file is missing, damaged, truncated or not a stack."""
    p = Path(path)
    if not p.is_file():
        return None
    try:
        primary, hdus = hdu_layout(p)
    except DataFileError:
        return None
    names = {h.name for h in hdus}
    if not set(COMBINED_MAPS) <= names or "NMINUTES" not in primary:
        return None
    try:
        n = int(primary["NMINUTES"])
    except (TypeError, ValueError):
        return None
    if any(not h.shape or math.prod(h.shape) == 0 for h in hdus if h.name in COMBINED_MAPS):
        return None
    return n
