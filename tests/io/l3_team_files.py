"""Per-minute SXI level-3 files written with astropy from the SXI team's reader code.

Layout as swharton1/SXI_L3 ``read_tot_file.py`` / ``read_bkg_file.py`` / ``read_vcy_file.py``
read it: every primary header holds POS_X/Y/Z, AIM_X/Y/Z, DATE-OBS and DATE-END
('%Y-%m-%dT%H:%M:%S.%f'), EMIN, EMAX, RA, DEC, CTYPE1/2, CRVAL1/2 (lower field edges = −fov/2),
CDELT1/2 and EXPOS; TOT's primary data are the counts (their CTSMAP), BKG's the total
background (BKGMAP) with image extensions XBMAP, PSMAP, PBMAP, CLMAP, SPMAP, VCY's the
vignetting (VIGMAP). Names: ``SMILE_SXI_L3_SCIM15-SCI-<TOT|BKG|VCY>_<start>-<end>_V01.fits``
(rebin_files.py ``get_folders_and_filenames``). Nothing here uses smile-viewer's writers.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from astropy.io import fits

PARTS = ("XBMAP", "PSMAP", "PBMAP", "CLMAP", "SPMAP")


def team_name(product: str, start: dt.datetime, minutes: int = 1) -> str:
    end = start + dt.timedelta(minutes=minutes)
    return f"SMILE_SXI_L3_SCIM15-SCI-{product}_{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}_V01.fits"


def team_header(
    start: dt.datetime,
    *,
    pos=(6.0, -6.0, 18.0),
    aim=(7.87, 0.0, 0.0),
    expos=60.0,
    fov=(16.0, 27.0),
    pixel=(0.25, 0.25),
) -> fits.Header:
    h = fits.Header()
    for c, v in zip("XYZ", pos):
        h[f"POS_{c}"] = float(v)
    for c, v in zip("XYZ", aim):
        h[f"AIM_{c}"] = float(v)
    end = start + dt.timedelta(seconds=expos)
    h["DATE-OBS"] = start.strftime("%Y-%m-%dT%H:%M:%S.%f")
    h["DATE-END"] = end.strftime("%Y-%m-%dT%H:%M:%S.%f")
    h["EMIN"] = 0.2
    h["EMAX"] = 2.5
    h["RA"] = 123.4
    h["DEC"] = -12.5
    h["CTYPE1"] = "deg"
    h["CRVAL1"] = -fov[0] / 2
    h["CDELT1"] = pixel[0]
    h["CTYPE2"] = "deg"
    h["CRVAL2"] = -fov[1] / 2
    h["CDELT2"] = pixel[1]
    h["EXPOS"] = float(expos)
    return h


def write_minute(
    folder: Path, start: dt.datetime, cts, bkg_parts: dict, vig, *, products=("TOT", "BKG", "VCY"), **header
) -> dict[str, Path]:
    """Write the TOT/BKG/VCY files of one minute; returns their paths by product."""
    folder = Path(folder)
    out = {}
    h = team_header(start, **header)
    if "TOT" in products:
        p = folder / team_name("TOT", start)
        fits.PrimaryHDU(data=np.asarray(cts), header=h).writeto(p)
        out["TOT"] = p
    if "BKG" in products:
        p = folder / team_name("BKG", start)
        total = sum(np.asarray(bkg_parts[k], dtype=float) for k in PARTS)
        hdus = [fits.PrimaryHDU(data=total, header=h)]
        hdus += [fits.ImageHDU(data=np.asarray(bkg_parts[k], dtype=float), name=k) for k in PARTS]
        fits.HDUList(hdus).writeto(p)
        out["BKG"] = p
    if "VCY" in products:
        p = folder / team_name("VCY", start)
        fits.PrimaryHDU(data=np.asarray(vig, dtype=float), header=h).writeto(p)
        out["VCY"] = p
    return out


def random_minute(rng, shape):
    """Counts (integers), background parts and a vignetting map in (0.3, 1] of ``shape`` (ny, nx)."""
    cts = rng.poisson(3.0, size=shape).astype(np.int32)
    parts = {k: rng.uniform(0.0, 0.2, size=shape) for k in PARTS}
    ny, nx = shape
    yy, xx = np.mgrid[0:ny, 0:nx]
    r2 = ((xx - (nx - 1) / 2) / nx) ** 2 + ((yy - (ny - 1) / 2) / ny) ** 2
    vig = 1.0 - 2.0 * r2
    return cts, parts, vig
