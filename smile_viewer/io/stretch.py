"""Colour stretches (linear, log, sqrt, asinh): one definition for the image panels and the PNG quicklooks.

With levels lo..hi a value x is shown at (f(x) − f(lo)) / (f(hi) − f(lo)), clipped to [0, 1],
where f is :meth:`Stretch.forward`. The application's image panel and
:func:`smile_viewer.io.quicklook.write_quicklook_png` both use this module, so the same values
get the same colours in both. Definitions: docs/formats.md#colour-stretches.
"""

from __future__ import annotations

import numpy as np

__all__ = ["ASINH_SOFTENING", "LOG_DYNAMIC_RANGE", "SCALES", "Stretch", "auto_levels"]

#: Colour scales.
SCALES: tuple[str, ...] = ("linear", "log", "sqrt", "asinh")
#: Default asinh softening a, as a fraction of the image's largest |value|.
ASINH_SOFTENING = 0.1
#: Automatic log levels reach down to this fraction of the maximum at most.
LOG_DYNAMIC_RANGE = 1e-6


class Stretch:
    """The colour scale: ``forward`` maps physical values to the displayed (stretched) space.

    - ``linear``: f(x) = x;
    - ``log``: f(x) = log10(max(x, floor)) (values at or below ``floor`` take the lowest colour);
    - ``sqrt``: f(x) = sign(x) sqrt(|x|) (defined for negative values, e.g. differences);
    - ``asinh``: f(x) = asinh(x / a): linear below ``a``, logarithmic above.

    ``Stretch("log", floor=1e-9)``, ``Stretch("asinh", a=0.3)``, ``Stretch.for_data(scale, image)``.
    Vectorised; NaN stays NaN.
    """

    def __init__(self, scale: str = "linear", *, floor: float = 1e-30, a: float = 1.0):
        if scale not in SCALES:
            raise ValueError(f"unknown colour scale {scale!r}; choose from {', '.join(SCALES)}")
        self.scale = scale
        self.floor = float(floor) if floor > 0 else 1e-30
        self.a = float(a) if a > 0 else 1.0

    @classmethod
    def for_data(cls, scale: str, data, *, asinh_softening: float = ASINH_SOFTENING) -> Stretch:
        """The stretch for an image: log floor = the smallest positive value (at least 1e-12 of
        the largest), asinh a = ``asinh_softening`` × the largest |value|."""
        arr = np.asarray(data, dtype=float) if data is not None else np.empty(0)
        finite = arr[np.isfinite(arr)]
        floor, a = 1e-30, 1.0
        if finite.size:
            pos = finite[finite > 0]
            if pos.size:
                floor = max(float(pos.min()), float(pos.max()) * 1e-12)
            peak = float(np.max(np.abs(finite)))
            a = asinh_softening * peak if peak > 0 else 1.0
        return cls(scale, floor=floor, a=a)

    def forward(self, x):
        x = np.asarray(x, dtype=float)
        if self.scale == "linear":
            return x.copy()
        if self.scale == "sqrt":
            return np.sign(x) * np.sqrt(np.abs(x))
        if self.scale == "log":
            with np.errstate(invalid="ignore"):
                return np.log10(np.where(x > self.floor, x, np.where(np.isnan(x), np.nan, self.floor)))
        return np.arcsinh(x / self.a)

    def inverse(self, y):
        y = np.asarray(y, dtype=float)
        if self.scale == "linear":
            return y.copy()
        if self.scale == "sqrt":
            return np.sign(y) * y * y
        if self.scale == "log":
            return 10.0**y
        return self.a * np.sinh(y)

    def normalize(self, x, lo: float, hi: float):
        """Colour position in [0, 1] of the values ``x`` for the levels lo..hi (physical units);
        NaN stays NaN."""
        f_lo, f_hi = (float(v) for v in self.forward([lo, hi]))
        span = f_hi - f_lo if f_hi != f_lo else 1.0
        with np.errstate(invalid="ignore"):
            return np.clip((self.forward(x) - f_lo) / span, 0.0, 1.0)

    def __repr__(self) -> str:
        return f"Stretch({self.scale!r}, floor={self.floor:g}, a={self.a:g})"


def auto_levels(data, scale: str) -> tuple[float, float]:
    """Levels (physical) chosen for ``data`` on ``scale``: min..max of the finite values; on the
    log scale the smallest positive value (at least :data:`LOG_DYNAMIC_RANGE` of the maximum)..max."""
    arr = np.asarray(data, dtype=float)
    finite = arr[np.isfinite(arr)]
    if finite.size == 0:
        return (0.0, 1.0) if scale != "log" else (0.1, 1.0)
    lo, hi = float(finite.min()), float(finite.max())
    if scale == "log":
        pos = finite[finite > 0]
        if pos.size == 0:
            return (1e-30, 1e-29)
        hi = float(pos.max())
        lo = max(float(pos.min()), hi * LOG_DYNAMIC_RANGE)
        if lo >= hi:
            lo = hi / 10.0
        return lo, hi
    if lo == hi:
        pad = abs(lo) * 0.01 if lo != 0 else 1.0
        return lo - pad, hi + pad
    return lo, hi
