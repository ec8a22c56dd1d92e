"""Checks every reader makes before parsing a file, and the JSON/number limits they share.

:func:`checked_path` stats the path (never opens it): a missing file, a symbolic-link loop, a
permission problem, a directory, a named pipe, a device or a file over the size limit of its
kind (:data:`SIZE_LIMITS`) becomes one :class:`~smile_viewer.errors.DataFileError` line naming
the file. :func:`read_bytes` / :func:`read_text` / :func:`read_json` then read it bounded;
:func:`parse_json` refuses NaN/Infinity, integers beyond 2**53, overflowing numbers and deep
nesting. Limits and the error contract: docs/formats.md#size-limits-and-the-error-contract.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import math
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from smile_viewer.errors import DataFileError, UserInputError

KiB, MiB, GiB = 2**10, 2**20, 2**30

#: Largest file accepted for each kind [bytes]: (limit, what the file is). A file over its limit
#: is refused from its size alone (a sparse 20 GiB file is never read). One table, quoted in
#: README.md and docs/formats.md; change a limit here (e.g. ``SIZE_LIMITS["cube"] = (...)``).
SIZE_LIMITS: dict[str, tuple[int, str]] = {
    "cube": (16 * GiB, "emissivity/MHD cube (FITS, VTK, netCDF, HDF5)"),
    "observed": (2 * GiB, "observed image (FITS, CDF)"),
    "product": (2 * GiB, "synthetic image product (FITS)"),
    "level3": (4 * GiB, "SXI level-3 file (FITS, CDF)"),
    "level4": (2 * GiB, "level-4 fit file (FITS)"),
    "omni_ascii": (1 * GiB, "OMNI ASCII file"),
    "omni_cdf": (1 * GiB, "OMNI CDF file"),
    "tle": (1 * MiB, "TLE file"),
    "oem": (512 * MiB, "OEM ephemeris file"),
    "spice": (4 * GiB, "SPICE kernel"),
    "attitude": (512 * MiB, "attitude file (CSV, JSON)"),
    "session": (1 * MiB, "session file"),
    "config": (4 * MiB, "configuration file (instrument, mission profile, orbit JSON)"),
    "windows": (256 * MiB, "observation-windows file"),
}

#: Deepest JSON nesting accepted (sessions and configuration files need fewer than 10 levels).
MAX_JSON_DEPTH = 64
#: Largest integer magnitude accepted in JSON: beyond it a double loses integer precision.
MAX_JSON_INT = 2**53


def format_size(n: float) -> str:
    """``1536`` → ``"1.5 KiB"``."""
    n = float(n)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{int(n)} bytes" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TiB"  # pragma: no cover


def _as_path(path: Any, what: str) -> Path:
    if isinstance(path, bool) or path is None:
        raise UserInputError(f"{what} path {path!r} is not a file name")
    try:
        text = os.fspath(path)
    except TypeError:
        raise UserInputError(f"{what} path {path!r} is not a file name") from None
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if not text or "\x00" in text:
        raise UserInputError(f"{what} path {text!r} is not a file name")
    return Path(text).expanduser()


def _a(what: str) -> str:
    return ("an " if what[:1].lower() in "aeiou" else "a ") + what


def _limit(kind: str) -> tuple[int, str]:
    try:
        return SIZE_LIMITS[kind]
    except KeyError:
        raise ValueError(f"unknown file kind {kind!r}; one of {', '.join(SIZE_LIMITS)}") from None


def _os_problem(exc: OSError) -> str:
    code = exc.errno
    if code == errno.ENOENT:
        return "no such file"
    if code == errno.ELOOP:
        return "is a symbolic-link loop (the link points back to itself)"
    if code in (errno.EACCES, errno.EPERM):
        return "cannot read the file: permission denied"
    if code == errno.ENOTDIR:
        return "no such file (a part of the path is not a directory)"
    if code == errno.ENAMETOOLONG:
        return "the file name is too long"
    return f"cannot read the file ({exc.strerror or exc})"


def checked_path(path: Any, kind: str, *, allow_empty: bool = False, check_size: bool = True) -> Path:
    """``path`` as a :class:`Path` after checks that never open it: it exists (symbolic-link
    loops named), is a regular file (not a directory, named pipe, device or socket), is
    readable, not empty (unless ``allow_empty``) and within ``SIZE_LIMITS[kind]`` (unless
    ``check_size`` is False: the caller checks the size with its own message).

    Raises :class:`DataFileError` (one line naming the file) or :class:`UserInputError` for a
    value that is not a file name.
    """
    limit, what = _limit(kind)
    p = _as_path(path, what)
    try:
        st = os.stat(p)
    except OSError as exc:
        raise DataFileError(p, _os_problem(exc)) from None
    except ValueError as exc:  # embedded NUL etc.
        raise UserInputError(f"{what} path {str(p)!r} is not a file name ({exc})") from None
    mode = st.st_mode
    if stat.S_ISDIR(mode):
        raise DataFileError(p, f"is a directory, not {_a(what)}")
    if stat.S_ISFIFO(mode):
        raise DataFileError(p, f"is a named pipe (FIFO), not a regular file: refused (expected {_a(what)})")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        raise DataFileError(p, f"is a device, not a regular file: refused (expected {_a(what)})")
    if stat.S_ISSOCK(mode):
        raise DataFileError(p, f"is a socket, not a regular file: refused (expected {_a(what)})")
    if not stat.S_ISREG(mode):
        raise DataFileError(p, f"is not a regular file (expected {_a(what)})")
    if not os.access(p, os.R_OK):
        raise DataFileError(p, "cannot read the file: permission denied")
    if st.st_size == 0 and not allow_empty:
        raise DataFileError(p, f"is empty (0 bytes), not {_a(what)}")
    if check_size and st.st_size > limit:
        size = format_size(st.st_size)
        if size == format_size(limit):
            size = f"{st.st_size} bytes"
        raise DataFileError(
            p,
            f"is {size}, more than the {format_size(limit)} limit for {_a(what)}: refused "
            f"(size limits: docs/formats.md#size-limits-and-the-error-contract)",
        )
    return p


def collect_files(inputs: Any, suffixes: tuple[str, ...]) -> list[Path]:
    """The files named by ``inputs`` (a path or a list of paths): a directory gives its files
    ending in one of ``suffixes`` (lower case, with the dot; hidden files skipped), in name
    order; a file is taken as it is (:func:`checked_path` judges it when it is read). Each file
    once, in the order given. A path that does not exist is a one-line UserInputError."""
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    out: dict[Path, None] = {}
    for item in inputs:
        p = Path(item).expanduser()
        if p.is_dir():
            out.update(
                dict.fromkeys(
                    q
                    for q in sorted(p.iterdir())
                    if q.is_file() and q.suffix.lower() in suffixes and not q.name.startswith(".")
                )
            )
        elif p.exists():
            out[p] = None
        else:
            raise UserInputError(f"{p}: no such file or directory")
    return list(out)


def file_sha256(path: Any) -> str:
    """SHA-256 of a file's bytes (hex), read in 1 MiB pieces (the provenance of what was read)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def read_bytes(path: Any, kind: str, *, allow_empty: bool = False) -> bytes:
    """The bytes of a file after :func:`checked_path`; opened non-blocking and re-checked, so a
    file swapped for a pipe after the check cannot block, and never read past the size limit."""
    p = checked_path(path, kind, allow_empty=allow_empty)
    limit, what = _limit(kind)
    try:
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise DataFileError(p, _os_problem(exc)) from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise DataFileError(p, f"is not a regular file (expected {_a(what)})")
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:
                raise DataFileError(p, f"is more than the {format_size(limit)} limit for {_a(what)}: refused")
            chunks.append(chunk)
    except OSError as exc:
        raise DataFileError(p, _os_problem(exc)) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def decode_text(data: bytes, path: Any, what: str = "text file", encoding: str = "utf-8") -> str:
    """``data`` decoded (a UTF-8 byte-order mark dropped); undecodable bytes → DataFileError
    naming the line and the byte."""
    try:
        return data.decode("utf-8-sig" if encoding.lower().replace("_", "-") == "utf-8" else encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        bad = data[exc.start : exc.start + 1]
        raise DataFileError(
            path, f"line {line}: byte {bad!r} is not {encoding.upper()} text; not {_a(what)}"
        ) from None


def read_text(path: Any, kind: str, *, encoding: str = "utf-8", allow_empty: bool = False) -> str:
    """The text of a checked file (:func:`read_bytes` + :func:`decode_text`)."""
    data = read_bytes(path, kind, allow_empty=allow_empty)
    return decode_text(data, _as_path(path, kind), _limit(kind)[1], encoding)


# -- JSON ------------------------------------------------------------------------------------------
class _JSONValueError(ValueError):
    def __init__(self, token: str, problem: str):
        super().__init__(problem)
        self.token = token


def _refuse_constant(name: str):
    raise _JSONValueError(name, f"{name} is not a finite number (JSON allows none)")


def _checked_int(s: str) -> int:
    digits = s.lstrip("-")
    if len(digits) > 16:
        value = int(s) if len(digits) < 4000 else None
        if value is None or abs(value) > MAX_JSON_INT:
            shown = s if len(s) <= 24 else f"{s[:12]}…({len(digits)} digits)"
            raise _JSONValueError(s, f"the integer {shown} is out of range (at most ±2**53)")
        return value
    return int(s)


def _checked_float(s: str) -> float:
    value = float(s)
    if not math.isfinite(value):
        shown = s if len(s) <= 24 else f"{s[:20]}…"
        raise _JSONValueError(s, f"the number {shown} overflows a double (not finite)")
    return value


def _line_of(text: str, token: str) -> str:
    i = text.find(token)
    return f"line {text.count(chr(10), 0, i) + 1}: " if i >= 0 else ""


def _depth_ok(data: Any, limit: int) -> bool:
    stack = [(data, 1)]
    while stack:
        obj, d = stack.pop()
        if isinstance(obj, dict):
            if d > limit:
                return False
            stack.extend((v, d + 1) for v in obj.values())
        elif isinstance(obj, list):
            if d > limit:
                return False
            stack.extend((v, d + 1) for v in obj)
    return True


def parse_json(
    text: str | bytes, path: Any, what: str = "JSON file", *, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """``json.loads`` with the limits of a hostile-input parser: NaN/Infinity, integers beyond
    :data:`MAX_JSON_INT`, numbers that overflow a double and nesting deeper than ``max_depth``
    raise :class:`DataFileError` naming the file, the line and the value."""
    if isinstance(text, bytes):
        text = decode_text(text, path, what)
    if not text.strip():
        raise DataFileError(path, f"is empty; not {_a(what)}")
    try:
        data = json.loads(
            text, parse_constant=_refuse_constant, parse_int=_checked_int, parse_float=_checked_float
        )
    except _JSONValueError as exc:
        raise DataFileError(path, f"{_line_of(text, exc.token)}{exc}; not a valid {what}") from None
    except json.JSONDecodeError as exc:
        raise DataFileError(
            path, f"not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); not {_a(what)}"
        ) from None
    except RecursionError:
        raise DataFileError(
            path, f"JSON nested too deeply (more than {max_depth} levels); not {_a(what)}"
        ) from None
    except ValueError as exc:  # e.g. Python's integer digit limit
        raise DataFileError(path, f"not valid JSON ({str(exc).splitlines()[0]}); not {_a(what)}") from None
    if not _depth_ok(data, max_depth):
        raise DataFileError(path, f"JSON nested too deeply (more than {max_depth} levels); not {_a(what)}")
    return data


def read_json(path: Any, kind: str, *, expect: type | tuple[type, ...] | None = dict) -> Any:
    """The parsed JSON of a checked file; ``expect`` (default ``dict``) is the type the top
    level must have (a file holding ``42`` or ``null`` is refused in one line)."""
    p = _as_path(path, kind)
    what = _limit(kind)[1]
    data = parse_json(read_text(path, kind), p, what)
    if expect is not None and not isinstance(data, expect):
        want = "a JSON object" if expect is dict else "JSON of the expected shape"
        raise DataFileError(p, f"holds a JSON {_json_type(data)}, not {want}; not {_a(what)}")
    return data


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, Mapping) else type(value).__name__


# -- values ----------------------------------------------------------------------------------------
def finite_number(
    value: Any, path: Any, field: str, *, lo: float | None = None, hi: float | None = None
) -> float:
    """``value`` as a finite float within [lo, hi]; DataFileError naming the file, the field
    and the value otherwise."""
    try:
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        raise DataFileError(path, f"{field} = {_short(value)} is not a number") from None
    if not math.isfinite(x):
        raise DataFileError(path, f"{field} = {_short(value)} is not a finite number")
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        raise DataFileError(path, f"{field} = {_short(value)} is out of range [{lo}, {hi}]")
    return x


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# -- readers ---------------------------------------------------------------------------------------
def damaged_file_errors(what: str):
    """Decorator for a reader ``func(path, ...)`` built on a pure-Python parser (astropy.io.fits):
    any exception other than :class:`UserInputError` (KeyError, VerifyError, AttributeError, ...
    from a damaged header) becomes one DataFileError line naming the file; the parser's own
    exception type and first words are kept in the message."""

    def decorate(func):
        @functools.wraps(func)
        def wrapper(path, *args, **kwargs):
            try:
                return func(path, *args, **kwargs)
            except UserInputError:
                raise
            except RecursionError:
                raise DataFileError(
                    _as_path(path, what), f"is a damaged {what} (nested too deeply)"
                ) from None
            except MemoryError:
                raise DataFileError(
                    _as_path(path, what), f"is a damaged {what} (not enough memory to read it)"
                ) from None
            except Exception as exc:  # noqa: BLE001 - a damaged file can raise anything from the parser
                text = " ".join(str(exc).split())[:200]
                raise DataFileError(
                    _as_path(path, what), f"is a damaged {what} ({type(exc).__name__}: {text})"
                ) from None

        return wrapper

    return decorate
