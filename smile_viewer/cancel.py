"""Cancelling long work: the one ``Cancelled`` exception and the one way to read a cancel flag
(a callable returning True, a ``threading.Event`` or the GUI's ``CancelToken``, or an object
with a ``cancelled`` attribute). Movies, tours and fits stop with a subclass of ``Cancelled``."""

from __future__ import annotations

__all__ = ["Cancelled", "is_cancelled"]


class Cancelled(Exception):
    """Raised inside work to stop early after a cancel; its partial output is discarded."""


def is_cancelled(cancel) -> bool:
    """True when ``cancel`` (None, a callable, an Event-like with ``is_set()`` or an object with
    a ``cancelled`` attribute) says stop."""
    if cancel is None:
        return False
    if callable(cancel):
        return bool(cancel())
    if hasattr(cancel, "is_set"):
        return bool(cancel.is_set())
    return bool(getattr(cancel, "cancelled", False))
