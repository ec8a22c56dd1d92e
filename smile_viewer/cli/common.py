"""Parser helpers shared by the sub-commands of ``smile-viewer``.

The argument parser with one-line errors, argparse ``type=`` converters (``size_type``,
``frame_type``) and the text parsers that turn option values into typed values for the library
(numbers, integers, X,Y,Z triples, pixel grids, ``NAME=VALUE`` parameters, the solar wind).
The text parsers raise :class:`~smile_viewer.errors.UserInputError` with the option's name in
the message; :func:`smile_viewer.cli.main` prints it as one line and exits with status 2.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from smile_viewer.errors import UserInputError

__all__ = [
    "BACKENDS",
    "EXIT_USAGE",
    "FRAMES",
    "SOLAR_WIND_KEYS",
    "ArgumentParser",
    "LazyChoices",
    "check_output",
    "frame_type",
    "parse_int",
    "parse_int_in_range",
    "parse_number",
    "parse_params",
    "parse_pixels",
    "parse_positive",
    "parse_solar_wind",
    "parse_triple",
    "size_type",
]

#: Exit status of a user's mistake (argparse's own errors use it too).
EXIT_USAGE = 2
#: Frames accepted by ``--frame`` (as :data:`smile_viewer.coords.frames.FRAMES`; repeated here
#: so that building the parser does not import the coordinate layer, see ``cli/__init__``).
FRAMES = ("gei", "geo", "gse", "gsm", "sm")
#: Render backends (as :data:`smile_viewer.compute.types.BACKENDS`, repeated for the same reason).
BACKENDS = ("auto", "cuda", "cpu", "numpy")
#: Keys of ``--solar-wind`` (:func:`parse_solar_wind`).
SOLAR_WIND_KEYS = ("n", "v", "vx", "vy", "vz", "bx", "by", "bz", "t", "he")


class ArgumentParser(argparse.ArgumentParser):
    """argparse with the one-line error style of the rest of the command line."""

    def error(self, message: str):  # argparse API: one line, exit status 2
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class LazyChoices(Sequence):
    """argparse ``choices`` looked up on first use (``in``, iteration), e.g. from the model
    registry, whose import is too slow for building the parser at every start. Give the argument
    a ``metavar``: without one argparse lists the choices, and so loads them, at once."""

    def __init__(self, load: Callable[[], Iterable[str]]):
        self._load = load
        self._items: tuple[str, ...] | None = None

    def _get(self) -> tuple[str, ...]:
        if self._items is None:
            self._items = tuple(self._load())
        return self._items

    def __getitem__(self, i):
        return self._get()[i]

    def __len__(self) -> int:
        return len(self._get())

    def __contains__(self, value) -> bool:
        return value in self._get()

    def __repr__(self) -> str:
        return f"LazyChoices({self._get()!r})"


# ---------------------------------------------------------------------------- argparse types


def size_type(text: str) -> tuple[int, int]:
    """``"1280x720"`` → ``(1280, 720)`` (width, height; 16..8192 pixels a side)."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"size must look like 1280x720, got {text!r}") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise argparse.ArgumentTypeError(f"size {w}x{h} out of range (16..8192 pixels a side)")
    return w, h


def frame_type(text: str) -> str:
    """A frame name of :data:`FRAMES`, lower case."""
    f = text.lower()
    if f not in FRAMES:
        raise argparse.ArgumentTypeError(f"unknown frame {text!r}; choose from {', '.join(FRAMES)}")
    return f


# ---------------------------------------------------------------------------- option values


def parse_number(text: str, what: str) -> float:
    """A finite float; ``what`` names the option in the message."""
    try:
        v = float(str(text).strip())
    except ValueError:
        raise UserInputError(f"{what}: {text!r} is not a number") from None
    if not math.isfinite(v):
        raise UserInputError(f"{what}: {text!r} is not a finite number")
    return v


def parse_positive(text: str, what: str) -> float:
    """A finite float > 0."""
    v = parse_number(text, what)
    if v <= 0:
        raise UserInputError(f"{what} must be > 0, got {text!r}")
    return v


def parse_int(text: str, what: str, lo: int) -> int:
    """An integer >= ``lo`` (``--seed``, ``--workers``)."""
    try:
        v = int(str(text).strip())
    except ValueError:
        raise UserInputError(f"{what}: {text!r} is not an integer") from None
    if v < lo:
        raise UserInputError(f"{what} must be >= {lo}, got {v}")
    return v


def parse_int_in_range(text: str, what: str, lo: int, hi: int) -> int:
    """An integer in [lo, hi] (``fit --bin``, ``--max-evals``, ``--record``)."""
    try:
        v = int(str(text).strip())
    except ValueError:
        raise UserInputError(f"{what} must be an integer, got {text!r}") from None
    if not lo <= v <= hi:
        raise UserInputError(f"{what} must be between {lo} and {hi}, got {v}")
    return v


def parse_triple(text: str, what: str) -> tuple[float, float, float]:
    """``"X,Y,Z"`` → three floats."""
    parts = str(text).replace(" ", "").split(",")
    if len(parts) != 3:
        raise UserInputError(f"{what} must be X,Y,Z (three numbers), got {text!r}")
    x, y, z = (parse_number(p, what) for p in parts)
    return x, y, z


def parse_pixels(text: str) -> tuple[int, int]:
    """``--pixels`` ``'WxH'`` → ``(ny, nx)`` (2..8192 a side)."""
    try:
        w, h = (int(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise UserInputError(f"--pixels must look like 265x155 (W x H), got {text!r}") from None
    if not (2 <= w <= 8192 and 2 <= h <= 8192):
        raise UserInputError(f"--pixels {w}x{h} out of range (2..8192 a side)")
    return h, w


def parse_params(items) -> dict[str, float]:
    """``--param`` values ``["A1=3e-5", "r_mp=10"]`` → ``{"A1": 3e-5, "r_mp": 10.0}`` (names kept
    as typed; the model checks them)."""
    out: dict[str, float] = {}
    for item in items or ():
        if "=" not in item:
            raise UserInputError(f"--param must be NAME=VALUE, got {item!r}")
        name, value = (s.strip() for s in item.split("=", 1))
        if not name:
            raise UserInputError(f"--param must be NAME=VALUE, got {item!r}")
        if name in out:
            raise UserInputError(f"--param {name} given twice")
        out[name] = parse_number(value, f"--param {name}")
    return out


def parse_solar_wind(text: str | None):
    """``--solar-wind`` ``"n=5,v=400,bz=-5"`` → :class:`~smile_viewer.physics.solar_wind.SolarWind`.

    Keys (:data:`SOLAR_WIND_KEYS`): n [cm^-3], v [km/s, radial], vx, vy, vz [km/s GSE], bx, by,
    bz [nT GSM], t [K], he (alpha/proton ratio); defaults n=5, v=400, B=0, t=1e5 K. ``None`` or
    ``""`` gives the defaults.
    """
    # Lazy: the physics layer is not needed to build the parser (start-up time of the command).
    from smile_viewer.physics.solar_wind import SolarWind

    values: dict[str, float] = {}
    if text:
        for item in str(text).split(","):
            item = item.strip()
            if not item:
                continue
            if "=" not in item:
                raise UserInputError(f"--solar-wind items must be KEY=VALUE, got {item!r}")
            k, v = (s.strip().lower() for s in item.split("=", 1))
            if k not in SOLAR_WIND_KEYS:
                raise UserInputError(
                    f"--solar-wind: unknown key {k!r}; valid keys: {', '.join(SOLAR_WIND_KEYS)}"
                )
            if k in values:
                raise UserInputError(f"--solar-wind: {k} given twice")
            values[k] = parse_number(v, f"--solar-wind {k}")
    if "v" in values and any(k in values for k in ("vx", "vy", "vz")):
        raise UserInputError("--solar-wind: give v (radial speed) or vx,vy,vz, not both")
    if any(k in values for k in ("vx", "vy", "vz")):
        v_gse = (values.get("vx", -400.0), values.get("vy", 0.0), values.get("vz", 0.0))
    else:
        speed = values.get("v", 400.0)
        if speed <= 0:
            raise UserInputError(f"--solar-wind v must be > 0 km/s, got {speed:g}")
        v_gse = (-speed, 0.0, 0.0)
    return SolarWind(
        n_cm3=values.get("n", 5.0),
        v_gse_km_s=v_gse,
        t_k=values.get("t", 1.0e5),
        b_gsm_nt=(values.get("bx", 0.0), values.get("by", 0.0), values.get("bz", 0.0)),
        he_ratio=values.get("he"),
    )


def check_output(path: str, what: str) -> Path:
    """An output file name whose directory exists and which is not a directory."""
    out = Path(path).expanduser()
    if out.is_dir():
        raise UserInputError(f"{what} {path} is a directory")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise UserInputError(f"{what} {path}: directory {parent} does not exist")
    return out
