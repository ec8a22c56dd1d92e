"""Colour maps of the emission volume (vispy ``Colormap`` objects, dark at the low end).

vispy ships viridis, hot, fire, cubehelix and grays; inferno and magma (matplotlib's, by
Nathaniel Smith and Stéfan van der Walt, CC0) are rebuilt here from 17 evenly spaced samples.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from vispy.color import Colormap, get_colormap

_INFERNO = [
    (0.0015, 0.0005, 0.0139),
    (0.0423, 0.0281, 0.1411),
    (0.1293, 0.0473, 0.2908),
    (0.2383, 0.0366, 0.3964),
    (0.3415, 0.0623, 0.4294),
    (0.4412, 0.0993, 0.4316),
    (0.5409, 0.1347, 0.4151),
    (0.6401, 0.1714, 0.3811),
    (0.7357, 0.2159, 0.3302),
    (0.8224, 0.2752, 0.2661),
    (0.8943, 0.3534, 0.1936),
    (0.9470, 0.4492, 0.1153),
    (0.9784, 0.5579, 0.0349),
    (0.9879, 0.6753, 0.0653),
    (0.9746, 0.7977, 0.2063),
    (0.9476, 0.9174, 0.4107),
    (0.9884, 0.9984, 0.6449),
]
_MAGMA = [
    (0.0015, 0.0005, 0.0139),
    (0.0396, 0.0311, 0.1335),
    (0.1131, 0.0655, 0.2768),
    (0.2117, 0.0620, 0.4186),
    (0.3167, 0.0717, 0.4854),
    (0.4147, 0.1104, 0.5047),
    (0.5128, 0.1482, 0.5076),
    (0.6136, 0.1818, 0.4985),
    (0.7164, 0.2150, 0.4753),
    (0.8169, 0.2559, 0.4365),
    (0.9043, 0.3196, 0.3881),
    (0.9609, 0.4183, 0.3596),
    (0.9867, 0.5356, 0.3822),
    (0.9961, 0.6537, 0.4462),
    (0.9969, 0.7696, 0.5349),
    (0.9924, 0.8843, 0.6401),
    (0.9871, 0.9914, 0.7495),
]
_CUSTOM = {"inferno": _INFERNO, "magma": _MAGMA}


@lru_cache(maxsize=16)
def volume_colormap(name: str) -> Colormap:
    """The vispy colour map ``name`` (see ``smile_viewer.state.volume.VOLUME_COLORMAPS``)."""
    key = name.lower()
    if key in _CUSTOM:
        colors = np.asarray(_CUSTOM[key], dtype=np.float32)
        return Colormap(colors, controls=np.linspace(0.0, 1.0, len(colors)), interpolation="linear")
    return get_colormap(key)


def colormap_rgba(name: str, n: int = 256) -> np.ndarray:
    """(n, 4) float32 RGBA samples of the colour map (for colour bars)."""
    return np.asarray(volume_colormap(name).map(np.linspace(0.0, 1.0, n)), dtype=np.float32)
