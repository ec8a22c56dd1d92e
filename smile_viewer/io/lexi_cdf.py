"""The cdflib side of the LEXI reader, kept light: it runs in a guarded child process.

:func:`variable_names` and :func:`read_raw_files` parse LEXI level-1c CDF files (layout:
docs/formats.md#lexi-level-1c-photon-events) under :func:`smile_viewer.io.guarded.guard`, so a
parser crash or a runaway read becomes one DataFileError line; all the files of a stack are read
in one child. :mod:`smile_viewer.io.lexi` turns the arrays into photon events and images.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from smile_viewer.errors import DataFileError
from smile_viewer.io.checked_file import checked_path
from smile_viewer.io.guarded import guard

__all__ = ["REQUIRED", "is_cdf", "read_raw_files", "variable_names"]

#: The variables a LEXI level-1c photon file must hold (``Epoch_unix`` is checked when present).
REQUIRED = ("Epoch", "ra_J2000_deg", "dec_J2000_deg")
_CDF_MAGICS = (b"\xcd\xf3\x00\x01", b"\xcd\xf2\x60\x02", b"\x00\x00\xff\xff")


def is_cdf(path: Path) -> bool:
    """True when the file starts like a CDF file."""
    try:
        with open(path, "rb") as fh:
            return fh.read(4) in _CDF_MAGICS
    except OSError:
        return False


def _open(p: Path):
    import cdflib  # lazy: cdflib is only needed for CDF files (~0.1 s)

    try:
        return cdflib.CDF(str(p))
    except Exception as exc:  # noqa: BLE001 - cdflib raises many kinds on damaged files
        raise DataFileError(p, f"not a readable CDF file ({type(exc).__name__}: {exc})") from None


def _names(cdf) -> list[str]:
    info = cdf.cdf_info()
    return list(info.zVariables) + list(info.rVariables)


@guard("CDF", "observed")
def variable_names(p: Path) -> list[str]:
    """The variables of a CDF file."""
    return _names(_open(p))


def _read_one(p: Path) -> dict:
    p = checked_path(p, "observed")
    if not is_cdf(p):
        raise DataFileError(p, "is not a CDF file (a LEXI level-1c photon file is a CDF)")
    cdf = _open(p)
    names = _names(cdf)
    missing = [v for v in REQUIRED if v not in names]
    if missing:
        shown = ", ".join(names[:12]) or "no variables"
        raise DataFileError(p, f"not a LEXI level-1c photon file: no variable {missing[0]} (it has: {shown})")
    try:
        attrs = {str(k): v for k, v in (cdf.globalattsget() or {}).items()}
        epoch = np.atleast_1d(np.asarray(cdf.varget("Epoch")))
        ra = np.atleast_1d(np.asarray(cdf.varget("ra_J2000_deg"), dtype=np.float64))
        dec = np.atleast_1d(np.asarray(cdf.varget("dec_J2000_deg"), dtype=np.float64))
        unix = (
            np.atleast_1d(np.asarray(cdf.varget("Epoch_unix"), dtype=np.int64))
            if "Epoch_unix" in names
            else None
        )
        kind = str(cdf.varinq("Epoch").Data_Type_Description)
    except Exception as exc:  # noqa: BLE001 - cdflib raises many kinds on damaged data
        raise DataFileError(p, f"cannot read the photon variables ({type(exc).__name__}: {exc})") from None
    return {"path": str(p), "attrs": attrs, "epoch": epoch, "ra": ra, "dec": dec, "unix": unix, "kind": kind}


@guard("CDF", "observed")
def read_raw_files(first: Path, paths: list) -> list[dict]:
    """The photon variables of each file of ``paths`` (``first`` is the one the guard checks and
    names on a crash): {"path", "attrs", "epoch", "ra", "dec", "unix" (or None), "kind"}. The
    first bad file raises DataFileError naming it."""
    return [_read_one(Path(q)) for q in paths]
