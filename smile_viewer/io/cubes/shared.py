"""One cube in memory for every user of a file: the 3-D view and the synthetic images.

:func:`shared_cube` reads a cube file with :func:`smile_viewer.io.cubes.read_cube` once and gives
the same (immutable) :class:`~smile_viewer.physics.volume.Volume` to every caller until the file
changes (its modification time or size) or another file is asked for: a 512³ float32 cube is
held once (512 MiB), not once per worker. Concurrent callers of the same file wait for the one
read. Only the latest file is kept.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from smile_viewer.io.cubes import read_cube
from smile_viewer.physics.volume import Volume

__all__ = ["clear_shared_cube", "shared_cube"]

_lock = threading.Lock()
_held: dict[str, Any] = {"key": None, "volume": None}


def _key(path: Path) -> tuple:
    try:
        st = os.stat(path)
        return (str(path), st.st_mtime_ns, st.st_size)
    except OSError:
        return (str(path), None, None)  # read_cube says what is wrong


def shared_cube(path: Any) -> Volume:
    """The cube of ``path``, read once and shared while the file is unchanged."""
    p = Path(os.path.abspath(os.path.expanduser(os.fspath(path))))
    with _lock:
        key = _key(p)
        if _held["key"] == key and _held["volume"] is not None:
            return _held["volume"]
        _held["key"] = _held["volume"] = None  # let the old cube go before reading the new one
        vol = read_cube(p)
        _held["key"], _held["volume"] = key, vol
        return vol


def clear_shared_cube() -> None:
    """Forget the held cube (tests; freeing memory)."""
    with _lock:
        _held["key"] = _held["volume"] = None
