"""Rectangles on the canvas, ``(x, y, width, height)`` in logical pixels (y down): whether two
overlap. Used to keep the caption, the SMILE label, the axis labels and the names apart."""

from __future__ import annotations

__all__ = ["rects_overlap"]


def rects_overlap(a, b, pad: float = 0.0) -> bool:
    """Whether rectangles ``(x, y, w, h)`` a and b overlap (b grown by ``pad``)."""
    return (
        a[0] < b[0] + b[2] + pad
        and b[0] - pad < a[0] + a[2]
        and a[1] < b[1] + b[3] + pad
        and b[1] - pad < a[1] + a[3]
    )
