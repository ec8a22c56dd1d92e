"""Per-minute SXI level-3 files (SCI-TOT, SCI-BKG, SCI-VCY) as a time-ordered series.

The layout is the SXI team's (swharton1/SXI_L3: ``read_tot_file.py``, ``read_bkg_file.py``,
``read_vcy_file.py``; names like ``SMILE_SXI_L3_SCIM15-SCI-TOT_20260317T0240-20260317T0241_V01.fits``):

- **TOT**: the primary image is the counts map (CTSMAP);
- **BKG**: the primary image is the total background (BKGMAP), with image extensions XBMAP,
  PSMAP, PBMAP, CLMAP, SPMAP (its parts);
- **VCY**: the primary image is the vignetting (relative exposure, 0–1: VIGMAP).

Every file's primary header holds POS_X/Y/Z, AIM_X/Y/Z (GSE, R_E), DATE-OBS, DATE-END, EXPOS
[s], EMIN, EMAX [keV], RA, DEC, and the instrument axes CTYPE1/2, CRVAL1/2 (lower edges of the
field [deg]), CDELT1/2 (pixel size [deg]); NAXIS1 is the short (16°) axis. A stacked product
(SCI-CXF, :mod:`smile_viewer.io.sxi_l3_combined`) is recognised and reported, not mixed in.

:func:`scan_l3` reads headers only (the data stay on disk until :meth:`L3File.read`), finds
each file's product from its content (extensions, header words; the name only confirms), groups
TOT/BKG/VCY by DATE-OBS into :class:`L3Minute` and returns an :class:`L3Series` with the
problems found, one :class:`L3Problem` per file. See docs/reference.md (SXI team products).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.checked_file import checked_path, collect_files
from smile_viewer.io.observed import BACKGROUND_PARTS, _as_2d, _number, _parse_time

__all__ = [
    "FITS_SUFFIXES",
    "PRODUCTS",
    "L3File",
    "L3Minute",
    "L3Problem",
    "L3Series",
    "hdu_layout",
    "open_l3_file",
    "scan_l3",
]

#: Per-minute products (the SXI team's file-name tokens) and the stacked product.
PRODUCTS = ("TOT", "BKG", "VCY", "CXF")
#: Maps each per-minute product provides, by HDU: the primary's map name, then extensions.
PRIMARY_MAP = {"TOT": "CTSMAP", "BKG": "BKGMAP", "VCY": "VIGMAP"}
#: File suffixes looked at when a directory is scanned.
FITS_SUFFIXES = (".fits", ".fit", ".fts")

_BLOCK = 2880
_NAME_RE = re.compile(r"-SCI-(TOT|BKG|VCY|CXFCON|CXF)_", re.IGNORECASE)
_BITPIX = {8: ">u1", 16: ">i2", 32: ">i4", 64: ">i8", -32: ">f4", -64: ">f8"}
#: Header words that name a single-image product (checked in PRODUCT, FILETYPE, ... below).
_HINT_KEYS = ("PRODUCT", "FILETYPE", "DATATYPE", "CONTENT", "HDUNAME", "EXTNAME", "OBJECT")
#: (A background file is recognised by its five extensions only.)
_HINTS = (
    ("VCY", ("VCY", "VIGMAP", "VIGNET", "VIGNETTING", "EXPOSURE MAP")),
    ("TOT", ("TOT", "CTSMAP", "COUNTS", "COUNT MAP")),
)


@dataclass(frozen=True)
class L3Problem:
    """One problem with one file (or, for a missing minute, one time): ``str()`` is one line."""

    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


@dataclass(frozen=True)
class _HDU:
    name: str
    offset: int  # byte offset of the data
    shape: tuple  # numpy order (…, NAXIS2, NAXIS1)
    bitpix: int
    bscale: float = 1.0
    bzero: float = 0.0
    blank: int | None = None


_NUMBER_RE = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([EeDd][+-]?\d+)?")


def _card_value(text: str):
    """The value of a FITS value field (columns 11–80 of a ``KEY = value / comment`` card):
    str (quotes removed, '' → ', trailing blanks dropped), bool, int or float; None when it is
    none of these (complex numbers, undefined) (FITS standard 4.0 §4.2)."""
    t = text.lstrip()
    if t.startswith("'"):
        out, i = [], 1
        while i < len(t):
            c = t[i]
            if c == "'":
                if t[i + 1 : i + 2] == "'":
                    out.append("'")
                    i += 2
                    continue
                return "".join(out).rstrip()
            out.append(c)
            i += 1
        return None  # no closing quote
    token = t.split("/", 1)[0].strip()
    if token in ("T", "F"):
        return token == "T"
    if _NUMBER_RE.fullmatch(token):
        if token.lstrip("+-").isdigit():
            return int(token)
        return float(token.replace("D", "E").replace("d", "e"))
    return None


def _read_header(fh, size: int, p: Path, index: int) -> tuple[dict, int]:
    """Parse one header from the current position: ({keyword: value}, offset of its data).
    Keeps the first of repeated keywords (as astropy's ``Header.get``); commentary cards,
    CONTINUE and HIERARCH cards are not needed here and skipped."""
    cards: dict = {}
    while True:
        block = fh.read(_BLOCK)
        if len(block) < _BLOCK:
            raise DataFileError(
                p, f"is truncated: the header of HDU {index} has no END card before the end of the file"
            )
        try:
            text = block.decode("ascii")
        except UnicodeDecodeError:
            raise DataFileError(p, f"damaged header in HDU {index}: bytes that are not ASCII text") from None
        for i in range(0, _BLOCK, 80):
            card = text[i : i + 80]
            key = card[:8].rstrip()
            if key == "END":
                return cards, fh.tell()
            if card[8:10] == "= " and key and key not in cards:
                cards[key] = _card_value(card[10:])


def hdu_layout(path) -> tuple[dict, list[_HDU]]:
    """The primary header ({keyword: value}) and the image HDUs of a plain FITS file, read
    header by header without loading any data (the data offsets follow from NAXISn and BITPIX,
    FITS standard 4.0 §4.4.1). Raises DataFileError naming the file: not FITS, empty, damaged
    header, data shorter than the header says (truncated).

    The cards are parsed here rather than by astropy's ``Header``: its per-card checks cost
    about 0.1 ms a value, which made scanning a day of files (4,320) take tens of seconds
    (benchmarks/bench_stack.py); tests compare both on the team's layout.
    """
    p = checked_path(path, "level3")  # regular, readable, not empty, within the size limit
    try:
        size = p.stat().st_size
        fh = open(p, "rb")  # noqa: SIM115 - closed below
    except OSError as exc:
        raise DataFileError(p, f"cannot read the file ({exc.strerror or exc})") from None
    hdus: list[_HDU] = []
    primary = None
    with fh:
        if fh.read(9) != b"SIMPLE  =":
            raise DataFileError(p, "does not start like a FITS file (no SIMPLE card): corrupt or not FITS")
        pos = 0
        while size - pos >= _BLOCK:
            fh.seek(pos)
            if hdus and fh.read(8) != b"XTENSION":
                break  # trailing bytes after the last HDU (padding): ignored, as FITS readers do
            fh.seek(pos)
            h, data_at = _read_header(fh, size, p, len(hdus))
            bitpix, naxis = h.get("BITPIX"), h.get("NAXIS", 0)
            if not isinstance(bitpix, int) or not isinstance(naxis, int) or not 0 <= naxis <= 999:
                raise DataFileError(p, f"HDU {len(hdus)} header lacks a valid BITPIX/NAXIS")
            dims = [h.get(f"NAXIS{i}") for i in range(1, naxis + 1)]
            if not all(isinstance(d, int) and d >= 0 for d in dims):
                raise DataFileError(p, f"HDU {len(hdus)} header lacks valid NAXIS1..NAXIS{naxis}")
            pcount = h.get("PCOUNT", 0) if hdus else 0
            gcount = h.get("GCOUNT", 1) if hdus else 1
            if not isinstance(pcount, int) or not isinstance(gcount, int):
                raise DataFileError(p, f"HDU {len(hdus)} has non-integer PCOUNT/GCOUNT")
            if bitpix not in _BITPIX:
                raise DataFileError(p, f"HDU {len(hdus)} has BITPIX = {bitpix}: not a FITS data type")
            n = math.prod(dims) if naxis else 0
            nbytes = abs(bitpix) // 8 * gcount * (pcount + n)
            if data_at + nbytes > size:
                raise DataFileError(
                    p,
                    f"is truncated: HDU {len(hdus)} needs {nbytes} bytes of data at byte "
                    f"{data_at}, the file has {size} bytes",
                )
            is_image = not hdus or str(h.get("XTENSION", "")).strip().upper() == "IMAGE"
            name = "PRIMARY" if not hdus else str(h.get("EXTNAME") or "").strip().upper()
            if not hdus:
                primary = h
            if is_image:
                blank = h.get("BLANK") if bitpix > 0 else None
                try:
                    scale, zero = float(h.get("BSCALE", 1.0)), float(h.get("BZERO", 0.0))
                except (TypeError, ValueError):
                    raise DataFileError(p, f"HDU {name} has a BSCALE/BZERO that is not a number") from None
                hdus.append(
                    _HDU(
                        name=name,
                        offset=data_at,
                        shape=tuple(reversed(dims)),
                        bitpix=bitpix,
                        bscale=scale,
                        bzero=zero,
                        blank=blank if isinstance(blank, int) else None,
                    )
                )
            else:
                hdus.append(_HDU(name=name, offset=data_at, shape=(), bitpix=bitpix))
            pos = data_at + (nbytes + _BLOCK - 1) // _BLOCK * _BLOCK
        if 0 < size - pos < _BLOCK:
            fh.seek(pos)
            if fh.read(8) == b"XTENSION":
                raise DataFileError(
                    p,
                    f"is truncated: the header of HDU {len(hdus)} is cut short "
                    f"({size - pos} of at least {_BLOCK} bytes)",
                )
        if primary is None:
            raise DataFileError(p, f"is truncated: {size} bytes, shorter than one FITS header block")
    return primary, hdus


def _read_hdu(path: Path, hdu: _HDU) -> np.ndarray:
    """The data of one image HDU as float64 (BSCALE/BZERO applied, BLANK → NaN)."""
    if not hdu.shape:
        raise DataFileError(path, f"HDU {hdu.name} holds no image")
    count = math.prod(hdu.shape)
    try:
        with open(path, "rb") as fh:
            fh.seek(hdu.offset)
            raw = np.fromfile(fh, dtype=_BITPIX[hdu.bitpix], count=count)
    except OSError as exc:
        raise DataFileError(path, f"cannot read HDU {hdu.name} ({exc.strerror or exc})") from None
    if raw.size != count:
        raise DataFileError(path, f"is truncated: HDU {hdu.name} holds {raw.size} of {count} values")
    a = raw.reshape(hdu.shape).astype(np.float64)
    if hdu.blank is not None:
        a[raw.reshape(hdu.shape) == hdu.blank] = np.nan
    if hdu.bscale != 1.0 or hdu.bzero != 0.0:
        a = a * hdu.bscale + hdu.bzero
    return _as_2d(a, path, f"HDU {hdu.name}")


def _time(value, path: Path, key: str) -> tuple[datetime, str]:
    """(naive UTC datetime, the header's text) of a DATE-OBS/DATE-END value."""
    if value is None:
        raise DataFileError(path, f"header has no {key}")
    text = str(value).strip()
    try:
        t = datetime.fromisoformat(text.removesuffix("Z"))
        if t.tzinfo is not None:
            t = (t - t.utcoffset()).replace(tzinfo=None)
        return t, text
    except ValueError:
        return _parse_time(text, path, key).to_datetime(), text


def _product_from_content(primary, hdus: list[_HDU]) -> tuple[str | None, str]:
    """(product, why) from the HDUs and header words; product None when they do not say."""
    names = {h.name for h in hdus[1:]}
    if {"CTSMAP", "CXFOV"} <= names:
        return "CXF", "CTSMAP and CXFOV extensions"
    if set(BACKGROUND_PARTS) <= names:
        return "BKG", "XBMAP, PSMAP, PBMAP, CLMAP, SPMAP extensions"
    parts = sorted(names & set(BACKGROUND_PARTS))
    if parts:
        return "BKG?", f"only {', '.join(parts)} of the background parts"
    words = " ".join(str(primary.get(k, "")) for k in _HINT_KEYS).upper()
    for product, hints in _HINTS:
        for w in hints:
            if re.search(rf"(?<![A-Z]){w}(?![A-Z])", words):
                return product, f"header says {w}"
    return None, ""


@dataclass(frozen=True, eq=False)
class L3File:
    """One per-minute level-3 file, header only (the data are read by :meth:`read`).

    ``start``/``end``: DATE-OBS/DATE-END (naive UTC); ``date_obs``/``date_end``: the header
    text; ``shape`` (NAXIS2, NAXIS1); ``crval_deg``/``cdelt_deg``: (axis 1, axis 2) lower edges
    and pixel sizes [deg]; ``position_re``/``aim_re``: GSE [R_E]; ``keys``: the other primary
    keys the team's readers use (CTYPE1/2, EMIN, EMAX, RA, DEC) where present.
    """

    path: Path
    product: str
    start: datetime
    end: datetime
    date_obs: str
    date_end: str
    exposure_s: float
    position_re: np.ndarray
    aim_re: np.ndarray
    shape: tuple[int, int]
    crval_deg: tuple[float, float]
    cdelt_deg: tuple[float, float]
    keys: dict = field(default_factory=dict)
    hdus: tuple = ()
    notes: tuple[str, ...] = ()

    @property
    def look_direction(self) -> np.ndarray:
        """Unit vector from the spacecraft to the aim point (GSE)."""
        d = self.aim_re - self.position_re
        return d / np.linalg.norm(d)

    def read(self, name: str = "PRIMARY") -> np.ndarray:
        """One image HDU (PRIMARY or an extension name) as float64 (ny, nx)."""
        key = name.upper()
        for h in self.hdus:
            if h.name == key:
                return _read_hdu(self.path, h)
        raise DataFileError(self.path, f"has no {key} extension")

    def maps(self) -> dict[str, np.ndarray]:
        """The product's maps by the combined layout's names: TOT → CTSMAP; BKG → BKGMAP and
        its parts; VCY → VIGMAP. Checks the values: counts and background ≥ 0, vignetting in
        [0, 1], every map of the header's shape (DataFileError otherwise)."""
        out = {PRIMARY_MAP[self.product]: self.read("PRIMARY")}
        if self.product == "BKG":
            for part in BACKGROUND_PARTS:
                out[part] = self.read(part)
        for k, a in out.items():
            if a.shape != self.shape:
                raise DataFileError(self.path, f"{k} has shape {a.shape}, the header says {self.shape}")
            with np.errstate(invalid="ignore"):
                if k == "VIGMAP" and np.any((a < 0) | (a > 1 + 1e-6)):
                    raise DataFileError(
                        self.path,
                        f"VIGMAP holds values outside 0–1 (min {np.nanmin(a):.4g}, "
                        f"max {np.nanmax(a):.4g}): not a vignetting map",
                    )
                if k != "VIGMAP" and np.any(a < 0):
                    raise DataFileError(self.path, f"{k} holds negative values (min {np.nanmin(a):.4g})")
        return out


def open_l3_file(path) -> L3File:
    """Read the header of one per-minute file.

    The product comes from the content: the background parts' extensions make a BKG file,
    CTSMAP + CXFOV extensions a stacked CXF product, header words (PRODUCT, FILETYPE, CONTENT,
    EXTNAME, OBJECT …) a TOT or VCY file. A single-image file whose header does not say is taken
    as the name's product (``-SCI-TOT_`` …) and checked by its values on reading. A stacked
    product, a name that contradicts the content, a missing required key or a damaged file
    raises DataFileError.
    """
    p = Path(path)
    primary, hdus = hdu_layout(p)
    product, why = _product_from_content(primary, hdus)
    m = _NAME_RE.search(p.name)
    named = m.group(1).upper() if m else None
    if named == "CXFCON":
        named = "CXF"
    notes: list[str] = []
    if product == "BKG?":
        raise DataFileError(
            p, f"looks like a background file but has {why} (needs all of {', '.join(BACKGROUND_PARTS)})"
        )
    if product is None:
        if named is None:
            raise DataFileError(
                p,
                "cannot tell its product: one image, no product word in the header and no "
                "-SCI-TOT_/-SCI-BKG_/-SCI-VCY_ in the name",
            )
        if named == "BKG":
            raise DataFileError(
                p, f"is named a BKG file but has none of the {', '.join(BACKGROUND_PARTS)} extensions"
            )
        if named == "CXF":
            raise DataFileError(p, "is named a stacked CXF product but has no CTSMAP/CXFOV extensions")
        product = named
        notes.append(f"product {named} from the file name (the header does not say)")
    elif named is not None and named != product:
        raise DataFileError(p, f"is named a {named} file but its content is a {product} product ({why})")
    if product == "CXF":
        raise DataFileError(
            p, "is a stacked SCI-CXF product (CTSMAP and CXFOV extensions), not a per-minute TOT/BKG/VCY file"
        )
    h = primary
    if len(hdus[0].shape) < 2 or math.prod(hdus[0].shape) == 0:
        raise DataFileError(p, "has no primary image (NAXIS < 2)")
    shape = tuple(hdus[0].shape[-2:])
    if any(n != 1 for n in hdus[0].shape[:-2]):
        raise DataFileError(p, f"primary image has shape {hdus[0].shape}: expected 2-D (NAXIS2, NAXIS1)")

    def num(key: str) -> float:
        if key not in h:
            raise DataFileError(p, f"header has no {key} (the SXI level-3 layout needs it)")
        return _number(h[key], p, key)

    pos = np.array([num(f"POS_{c}") for c in "XYZ"])
    aim = np.array([num(f"AIM_{c}") for c in "XYZ"])
    if np.linalg.norm(aim - pos) == 0:
        raise DataFileError(p, "AIM_X/Y/Z equals POS_X/Y/Z: no look direction")
    crval = (num("CRVAL1"), num("CRVAL2"))
    cdelt = (num("CDELT1"), num("CDELT2"))
    if cdelt[0] <= 0 or cdelt[1] <= 0:
        raise DataFileError(p, f"CDELT1/2 = {cdelt}: pixel sizes must be > 0 deg")
    start, date_obs = _time(h.get("DATE-OBS"), p, "DATE-OBS")
    if "DATE-END" in h:
        end, date_end = _time(h["DATE-END"], p, "DATE-END")
    else:
        end, date_end = None, ""
    if "EXPOS" in h:
        expos = num("EXPOS")
    elif end is not None:
        expos = (end - start).total_seconds()
        notes.append("no EXPOS: exposure = DATE-END − DATE-OBS")
    else:
        raise DataFileError(p, "header has neither EXPOS nor DATE-END: the exposure is unknown")
    if expos <= 0:
        raise DataFileError(p, f"EXPOS = {expos:g} s must be > 0")
    if end is None:
        end = start + timedelta(seconds=expos)
        date_end = end.isoformat(timespec="milliseconds")
        notes.append("no DATE-END: DATE-OBS + EXPOS")
    if end <= start:
        raise DataFileError(p, f"DATE-END {date_end} is not after DATE-OBS {date_obs}")
    keys = {}
    for k in ("CTYPE1", "CTYPE2"):
        if k in h:
            keys[k] = str(h[k])
    for k in ("EMIN", "EMAX", "RA", "DEC"):
        if k in h:
            keys[k] = _number(h[k], p, k)
    return L3File(
        path=p,
        product=product,
        start=start,
        end=end,
        date_obs=date_obs,
        date_end=date_end,
        exposure_s=float(expos),
        position_re=pos,
        aim_re=aim,
        shape=shape,
        crval_deg=crval,
        cdelt_deg=cdelt,
        keys=keys,
        hdus=tuple(hdus),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------- minutes and series


def _same_grid(a: L3File, b: L3File) -> str:
    """'' when a and b share the pixel grid, else what differs."""
    if a.shape != b.shape:
        return f"image {a.shape[1]}x{a.shape[0]} (NAXIS1 x NAXIS2) differs from {b.shape[1]}x{b.shape[0]}"
    if not np.allclose(a.crval_deg, b.crval_deg, rtol=0, atol=1e-9):
        return f"CRVAL1/2 {a.crval_deg} differ from {b.crval_deg}"
    if not np.allclose(a.cdelt_deg, b.cdelt_deg, rtol=1e-9, atol=0):
        return f"CDELT1/2 {a.cdelt_deg} differ from {b.cdelt_deg}"
    return ""


@dataclass(frozen=True, eq=False)
class L3Minute:
    """The files of one exposure (one DATE-OBS): ``files`` maps "TOT"/"BKG"/"VCY" to
    :class:`L3File`. Complete when all three are present (and agree: :func:`scan_l3`)."""

    files: dict

    @property
    def reference(self) -> L3File:
        """The file whose header describes the minute (TOT, else BKG, else VCY)."""
        for k in ("TOT", "BKG", "VCY"):
            if k in self.files:
                return self.files[k]
        raise AssertionError("empty minute")  # pragma: no cover - never built empty

    @property
    def complete(self) -> bool:
        return all(k in self.files for k in ("TOT", "BKG", "VCY"))

    @property
    def start(self) -> datetime:
        return self.reference.start

    @property
    def end(self) -> datetime:
        return self.reference.end

    @property
    def exposure_s(self) -> float:
        return self.reference.exposure_s

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(self.files[k].path for k in ("TOT", "BKG", "VCY") if k in self.files)

    def load(self) -> dict[str, np.ndarray]:
        """All maps of the minute (CTSMAP, BKGMAP, XBMAP…SPMAP, VIGMAP), read now."""
        out: dict[str, np.ndarray] = {}
        for k in ("TOT", "BKG", "VCY"):
            if k in self.files:
                out.update(self.files[k].maps())
        return out


@dataclass(frozen=True, eq=False)
class L3Series:
    """Per-minute files grouped into exposures, ordered by DATE-OBS; ``problems``: one entry
    per file that was left out (and per missing partner), in the order found."""

    minutes: tuple[L3Minute, ...]
    problems: tuple[L3Problem, ...] = ()

    def __len__(self) -> int:
        return len(self.minutes)

    def __getitem__(self, i) -> L3Minute:
        return self.minutes[i]

    def __iter__(self):
        return iter(self.minutes)

    @property
    def complete_minutes(self) -> tuple[L3Minute, ...]:
        return tuple(m for m in self.minutes if m.complete)

    @property
    def times(self) -> list[datetime]:
        """DATE-OBS of every minute (naive UTC)."""
        return [m.start for m in self.minutes]


def scan_l3(inputs) -> L3Series:
    """Read the headers of per-minute SXI level-3 files and group them into minutes.

    ``inputs``: a file, a directory (its ``*.fits``/``*.fit``/``*.fts`` files) or a list of
    them. A file that cannot be read, is not a per-minute product (e.g. a stacked SCI-CXF
    file), duplicates another of the same minute and product, or disagrees with the other files
    of its minute (pointing, grid, exposure, end time) is left out with an :class:`L3Problem`;
    a minute lacking one of TOT/BKG/VCY is kept (not complete) and reported. Raises
    UserInputError only for a path that does not exist or when nothing was given.
    """
    paths = collect_files(inputs, FITS_SUFFIXES)
    if not paths:
        shown = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
        raise UserInputError(
            f"no FITS files (*.fits, *.fit, *.fts) in {', '.join(map(str, shown)) or 'the input'}"
        )
    problems: list[L3Problem] = []
    groups: dict[datetime, dict[str, L3File]] = {}
    for p in sorted(set(paths)):
        try:
            f = open_l3_file(p)
        except DataFileError as exc:
            problems.append(L3Problem(str(p), exc.problem))
            continue
        key = f.start.replace(microsecond=0) + timedelta(seconds=round(f.start.microsecond / 1e6))
        slot = groups.setdefault(key, {})
        if f.product in slot:
            problems.append(
                L3Problem(
                    str(p),
                    f"a second {f.product} file for DATE-OBS {f.date_obs} "
                    f"(kept {slot[f.product].path.name}): left out",
                )
            )
            continue
        slot[f.product] = f
    minutes = []
    for key in sorted(groups):
        files = groups[key]
        ref = next(files[k] for k in ("TOT", "BKG", "VCY") if k in files)
        for k in ("BKG", "VCY"):
            f = files.get(k)
            if f is None or f is ref:
                continue
            why = _same_grid(f, ref)
            if not why and not (
                np.allclose(f.position_re, ref.position_re, rtol=0, atol=1e-6)
                and np.allclose(f.aim_re, ref.aim_re, rtol=0, atol=1e-6)
            ):
                why = (
                    f"POS/AIM ({_vec(f.position_re)} / {_vec(f.aim_re)}) differ from "
                    f"({_vec(ref.position_re)} / {_vec(ref.aim_re)})"
                )
            if not why and abs((f.end - ref.end).total_seconds()) > 1e-3:
                why = f"DATE-END {f.date_end} differs from {ref.date_end}"
            if not why and not math.isclose(f.exposure_s, ref.exposure_s, rel_tol=1e-9):
                why = f"EXPOS {f.exposure_s:g} s differs from {ref.exposure_s:g} s"
            if why:
                problems.append(
                    L3Problem(
                        str(f.path), f"disagrees with {ref.path.name} of the same minute: {why}; left out"
                    )
                )
                del files[k]
        minute = L3Minute(files=dict(files))
        if not minute.complete:
            lack = [k for k in ("TOT", "BKG", "VCY") if k not in files]
            for f in files.values():
                problems.append(
                    L3Problem(
                        str(f.path),
                        f"minute {f.date_obs} has no {'/'.join(lack)} file: the minute cannot be stacked",
                    )
                )
        minutes.append(minute)
    return L3Series(minutes=tuple(minutes), problems=tuple(problems))


def _vec(v) -> str:
    return "(" + ", ".join(f"{x:.4g}" for x in v) + ")"
