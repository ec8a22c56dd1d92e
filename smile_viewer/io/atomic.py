"""Atomic file writes: the target is either left as it was or replaced by the complete new file.

Every file smile-viewer writes for the user (sessions, images, movies, ephemerides, products)
goes through here:

- :func:`atomic_write_bytes` / :func:`atomic_write_text` write data held in memory;
- :func:`atomic_open` yields an open file object (``"w"`` or ``"wb"``);
- :func:`atomic_path` yields a temporary *path* for writers that want a file name (PIL,
  ffmpeg, astropy.io.fits, Qt's ``QPixmap.save``).

How: the data goes to a temporary file in the target's directory (same file system, so the
final :func:`os.replace` is atomic), which is flushed and ``fsync``-ed, given the usual
permissions (those of the file it replaces, else ``0666`` less the umask; ``mkstemp`` would
leave it ``0600``) and renamed over the target; the directory is then ``fsync``-ed so the
rename itself survives a crash. On any failure (including ``KeyboardInterrupt`` and a
cancelled export) the temporary file is removed and the target is untouched.

The temporary name is ``.<stem>.<random>.tmp<suffix>``: hidden, and keeping the target's
extension, since some writers choose the format from it (ffmpeg, PIL).

Problems with the destination (directory missing, target is a directory, no permission,
disk full while writing from memory) raise :class:`~smile_viewer.errors.UserInputError`
naming the file; exceptions raised by the caller's own writer inside :func:`atomic_path` /
:func:`atomic_open` pass through unchanged.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from smile_viewer.errors import UserInputError

__all__ = [
    "atomic_open",
    "atomic_path",
    "atomic_write_bytes",
    "atomic_write_text",
    "check_output_path",
]


def check_output_path(path) -> Path:
    """``path`` as a ``Path`` (``~`` expanded) after checking that it can name a new file.

    Raises ``UserInputError`` when it is a directory or its directory does not exist.
    """
    p = Path(os.fspath(path)).expanduser()
    if not p.name or p.is_dir():
        raise UserInputError(f"output {p} is a directory; give a file name")
    parent = p.parent if str(p.parent) else Path(".")
    if not parent.is_dir():
        raise UserInputError(f"output directory {parent} does not exist")
    return p


def output_directory(path, what: str = "output directory") -> Path:
    """``path`` as a directory to write into: made when missing (its parent must exist); a
    file there, or a missing parent, is a one-line UserInputError naming ``what``."""
    p = Path(os.fspath(path)).expanduser()
    if p.exists() and not p.is_dir():
        raise UserInputError(f"{what} {p} is a file; give a directory")
    if not p.exists():
        if not p.parent.is_dir():
            raise UserInputError(f"{what} {p}: directory {p.parent} does not exist")
        p.mkdir()
    return p


def _default_mode(target: Path) -> int:
    """Permissions for the new file: those of the file it replaces, else 0666 less the umask."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        pass
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _fsync_dir(directory: Path) -> None:
    """Make a rename in ``directory`` durable (best effort: not every OS/file system allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _unlink_quietly(path: Path) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except OSError:  # pragma: no cover - nothing more can be done
        pass


def _describe(exc: OSError) -> str:
    return exc.strerror or str(exc)


def _new_temp(target: Path) -> Path:
    """Create (exclusively, private until finished) an empty temporary file next to ``target``."""
    directory = target.parent if str(target.parent) else Path(".")
    for _ in range(16):
        tmp = directory / f".{target.stem}.{secrets.token_hex(4)}.tmp{target.suffix}"
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:
            raise UserInputError(f"cannot write {target}: {_describe(exc)}") from None
        os.close(fd)
        return tmp
    raise UserInputError(f"cannot write {target}: no free temporary file name in {directory}")


def _commit(tmp: Path, target: Path, mode: int) -> None:
    """fsync, set permissions and rename ``tmp`` over ``target`` (raises UserInputError)."""
    try:
        _fsync_file(tmp)
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except OSError as exc:
        raise UserInputError(f"cannot write {target}: {_describe(exc)}") from None
    _fsync_dir(target.parent if str(target.parent) else Path("."))


@contextlib.contextmanager
def atomic_path(path, *, mode: int | None = None) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``path`` atomically.

    >>> with atomic_path("scene.png") as tmp:            # doctest: +SKIP
    ...     Image.fromarray(rgb).save(tmp, format="PNG")

    The temporary file exists (empty) when the block starts; the writer may overwrite or
    recreate it. When the block raises, or leaves no file behind, ``path`` is not touched
    (the latter raises ``UserInputError``). ``mode``: permission bits of the new file
    (default: those of the file replaced, else ``0666`` less the umask).
    """
    target = check_output_path(path)
    new_mode = _default_mode(target) if mode is None else int(mode)
    tmp = _new_temp(target)
    try:
        yield tmp
        if not tmp.exists():
            raise UserInputError(f"cannot write {target}: the writer left no file")
        _commit(tmp, target, new_mode)
    except BaseException:
        _unlink_quietly(tmp)
        raise


@contextlib.contextmanager
def atomic_open(
    path,
    mode: str = "w",
    *,
    encoding: str | None = "utf-8",
    newline: str | None = "\n",
    file_mode: int | None = None,
) -> Iterator[IO]:
    """Open a temporary file for writing; on success it replaces ``path`` atomically.

    ``mode`` is ``"w"`` (text; ``encoding``/``newline`` apply) or ``"wb"`` (bytes).
    ``file_mode``: permission bits of the new file (see :func:`atomic_path`).
    """
    if mode not in ("w", "wb"):
        raise ValueError(f"atomic_open writes whole files: mode must be 'w' or 'wb', got {mode!r}")
    with atomic_path(path, mode=file_mode) as tmp:
        if mode == "wb":
            fh = open(tmp, "wb")  # noqa: SIM115 - closed below
        else:
            fh = open(tmp, "w", encoding=encoding, newline=newline)  # noqa: SIM115
        with fh:
            yield fh
            fh.flush()


def atomic_write_bytes(path, data: bytes, *, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` atomically and return the path (``~`` expanded).

    Raises ``UserInputError`` naming the file when it cannot be written; ``path`` is then
    unchanged.
    """
    target = check_output_path(path)
    try:
        with atomic_path(target, mode=mode) as tmp, open(tmp, "wb") as fh:
            fh.write(data)
    except OSError as exc:
        raise UserInputError(f"cannot write {target}: {_describe(exc)}") from None
    return target


def atomic_write_text(
    path, text: str, encoding: str = "utf-8", *, newline: str | None = "\n", mode: int | None = None
) -> Path:
    """Write ``text`` to ``path`` atomically (``newline``: how ``\\n`` is written); returns the path."""
    target = check_output_path(path)
    try:
        with atomic_path(target, mode=mode) as tmp, open(tmp, "w", encoding=encoding, newline=newline) as fh:
            fh.write(text)
    except OSError as exc:
        raise UserInputError(f"cannot write {target}: {_describe(exc)}") from None
    return target
