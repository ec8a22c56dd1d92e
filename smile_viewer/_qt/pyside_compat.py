"""Work around PySide6 bugs that would crash smile-viewer; :func:`apply_pyside_fixes` is idempotent.

PySide6 6.12.0 (seen with CPython 3.11): ``SignalInstance.emit()`` and
``SignalInstance.disconnect()`` return ``True``/``False`` *without a new reference*. Every
emit from Python therefore lowers the reference count of ``True`` by one; after a few
thousand emits (pyqtgraph emits several per mouse move, a worker a few per progress step)
CPython aborts with "Fatal Python error: bool_dealloc: deallocating True or False" —
at the latest when the interpreter exits. (From CPython 3.12 on, ``True`` is immortal and
the bug is harmless.)

The fix is probed, not assumed from a version number: a few emits on a private QObject
show whether ``True``'s count drops; only then are ``emit``/``disconnect`` wrapped to add
the missing reference. Unaffected versions are left untouched. Every module of
``smile_viewer._qt`` that emits signals applies it on import; the application should also
call it before creating widgets.
"""

from __future__ import annotations

import ctypes
import logging
import sys

from PySide6.QtCore import QObject, Signal, SignalInstance

log = logging.getLogger(__name__)

__all__ = ["apply_pyside_fixes", "signal_bool_refcount_bug"]

_applied: dict[str, bool] | None = None


def _py_incref():
    fn = ctypes.pythonapi.Py_IncRef
    fn.argtypes = [ctypes.py_object]
    fn.restype = None
    return fn


def signal_bool_refcount_bug() -> dict[str, bool]:
    """Probe which ``SignalInstance`` methods hand out a bool without a reference."""

    class _Probe(QObject):
        ping = Signal()

    probe = _Probe()

    def _slot() -> None:
        pass

    n = 8
    found = {}
    before = sys.getrefcount(True)
    for _ in range(n):
        probe.ping.emit()
    found["emit"] = before - sys.getrefcount(True) >= n
    before = sys.getrefcount(True)
    for _ in range(n):
        probe.ping.connect(_slot)
        probe.ping.disconnect(_slot)
    found["disconnect"] = before - sys.getrefcount(True) >= n
    # give back what the probe took, so the process starts even
    if found["emit"] or found["disconnect"]:
        incref = _py_incref()
        for _ in range(n * (int(found["emit"]) + int(found["disconnect"]))):
            incref(True)
    probe.deleteLater()
    return found


def apply_pyside_fixes() -> dict[str, bool]:
    """Patch the PySide6 methods found broken (see the module doc); returns what was patched."""
    global _applied
    if _applied is not None:
        return _applied
    if sys.version_info >= (3, 12):  # immortal True/False: the lost reference does no harm
        _applied = {"emit": False, "disconnect": False}
        return _applied

    found = signal_bool_refcount_bug()
    incref = _py_incref()
    for name, broken in found.items():
        if not broken:
            continue
        original = getattr(SignalInstance, name)

        def fixed(self, *args, _original=original, **kwargs):
            result = _original(self, *args, **kwargs)
            if result is True or result is False:
                incref(result)  # the reference PySide forgot to add
            return result

        fixed.__name__ = name
        fixed.__doc__ = original.__doc__
        try:
            setattr(SignalInstance, name, fixed)
        except (TypeError, AttributeError):  # pragma: no cover - immutable type in some build
            log.warning(
                "PySide6 SignalInstance.%s loses references to True/False and cannot be "
                "patched; long sessions may crash",
                name,
            )
            found[name] = False
            continue
        log.info("patched PySide6 SignalInstance.%s (it returns bools without a reference)", name)
    _applied = found
    return found
