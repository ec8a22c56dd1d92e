"""The SXI team's text emissivity cubes (PPMLR, and the OpenGGCM and BATS-R-US cubes written
in the same layout).

Layout (learnt from swharton1/Emissivity_Cubes ``read_ppmlr.py``, ``read_openggcm_ascii.py``,
``read_batsrus.py`` and the writer ``calc_emissivity.write_ascii_file``): line 1 a title;
lines 2–9 the upstream solar wind, one number a line: T [K], n [cm^-3], vx, vy, vz [km/s],
bx, by, bz [nT]; line 10 ``nx ny nz``; then the x, y, z node coordinates [R_E] (six to a
line), then nx·ny·nz emissivities [eV cm^-3 s^-1] with x fastest (the array is
``eta[z][y][x]``). The cubes are GSM (the OpenGGCM ones after the team's x, y reversal).

Values are parsed by pandas' C parser in chunks written straight into the final float32
array (no Python loop over values, no second full-size copy). docs/formats.md#sxi-team-text-cubes-ppmlr-openggcm-bats-r-us.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.errors import DataFileError
from smile_viewer.io.checked_file import damaged_file_errors
from smile_viewer.io.cubes import _common as c
from smile_viewer.io.cubes._assemble import RawCube, assemble

__all__ = ["SOLAR_WIND_LINES", "is_ppmlr_text", "ppmlr_text_info", "read_ppmlr_text"]

#: Header lines 2-9: (key, unit), as read_ppmlr.py reads them.
SOLAR_WIND_LINES: tuple[tuple[str, str], ...] = (
    ("TEMP", "K"), ("DENSITY", "cm^-3"), ("VX", "km/s"), ("VY", "km/s"), ("VZ", "km/s"),
    ("BX", "nT"), ("BY", "nT"), ("BZ", "nT"),
)  # fmt: skip
_CHUNK = 1 << 23  # 8 MiB of text parsed at a time (about 40 MiB of working memory)
_TOKEN = re.compile(rb"\S+")
_WS = bytes.maketrans(b"\t\r\n\v\f", b"     ")


def _float(text: bytes) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _head_lines(head: bytes) -> list[bytes]:
    return head.split(b"\n")[:11]


def is_ppmlr_text(head: bytes) -> bool:
    """True when the first bytes look like the layout (a title, eight single numbers, three
    positive integers)."""
    lines = _head_lines(head)
    if len(lines) < 11:
        return False
    for ln in lines[1:9]:
        parts = ln.split()
        if len(parts) != 1 or _float(parts[0]) is None:
            return False
    counts = lines[9].split()
    return len(counts) == 3 and all(t.isdigit() and int(t) > 0 for t in counts)


class _Header:
    def __init__(self, path: Path):
        self.path = path
        with open(path, "rb") as f:
            head = f.read(1 << 16)
        if not is_ppmlr_text(head):
            raise DataFileError(
                path,
                "is not a text emissivity cube in the PPMLR layout (a title line, eight lines of one "
                "number each, then 'nx ny nz')",
            )
        lines = head.split(b"\n")
        self.title = lines[0].decode("utf-8", "replace").strip()
        self.solar_wind = {k: float(lines[1 + i]) for i, (k, _) in enumerate(SOLAR_WIND_LINES)}
        self.nx, self.ny, self.nz = (int(t) for t in lines[9].split())
        start = sum(len(ln) + 1 for ln in lines[:10])
        n_axes = self.nx + self.ny + self.nz
        tokens = []
        end = start
        size = path.stat().st_size
        with open(path, "rb") as f:
            f.seek(start)
            buf = f.read(max(1 << 16, n_axes * 40))
        for m in _TOKEN.finditer(buf):
            tokens.append(m.group(0))
            end = start + m.end()
            if len(tokens) == n_axes:
                break
        if len(tokens) < n_axes:
            raise DataFileError(
                path,
                f"is truncated: the header says {self.nx}+{self.ny}+{self.nz} axis values but only "
                f"{len(tokens)} follow",
            )
        try:
            axes = np.array([float(t) for t in tokens])
        except ValueError:
            bad = next(t for t in tokens if _float(t) is None)
            raise DataFileError(path, f"the axis values hold a non-number {bad[:20]!r}") from None
        self.x = axes[: self.nx]
        self.y = axes[self.nx : self.nx + self.ny]
        self.z = axes[self.nx + self.ny :]
        self.data_offset = end
        self.data_bytes = size - end

    @property
    def model(self) -> str:
        t = (self.title + " " + self.path.name).lower()
        if "openggcm" in t:
            return "OpenGGCM"
        if "bats" in t or self.path.name.lower().startswith("px_"):
            return "BATS-R-US"
        return "PPMLR"


def _parse_into(path: Path, offset: int, out: np.ndarray) -> int:
    """Parse whitespace-separated numbers from ``offset`` to the end of the file into the
    flat float32 ``out``; returns how many were found (may exceed ``out.size``: counted only)."""
    import pandas as pd  # lazy: pandas' C parser, only for text cubes (~0.3 s import)

    n = 0
    carry = b""
    total = out.size
    with open(path, "rb") as f:
        f.seek(offset)
        while True:
            block = f.read(_CHUNK)
            if not block and not carry:
                break
            text = carry + block
            if block:
                cut = max(text.rfind(b" "), text.rfind(b"\n"), text.rfind(b"\t"))
                if cut < 0:
                    carry = text
                    continue
                text, carry = text[:cut], text[cut:]
            else:
                carry = b""
            text = text.translate(_WS)
            if not text.strip():
                continue
            try:
                vals = pd.read_csv(io.BytesIO(text), header=None, lineterminator=" ", dtype=np.float64,
                                   engine="c", skip_blank_lines=True, na_filter=True).to_numpy().ravel()  # fmt: skip
            except (ValueError, pd.errors.ParserError) as exc:
                bad = next((t for t in text.split() if _float(t) is None), b"?")
                raise DataFileError(
                    path, f"the emissivity values hold a non-number {bad[:20]!r} ({type(exc).__name__})"
                ) from None
            if vals.dtype.kind != "f":  # pragma: no cover - dtype forced above
                raise DataFileError(path, "the emissivity values are not numbers")
            k = min(vals.size, max(0, total - n))
            if k:
                out[n : n + k] = vals[:k]
            n += vals.size
    return n


def _read_header(path: Any) -> _Header:
    p = c.check_readable(path)
    return _Header(p)


@damaged_file_errors("text emissivity cube")
def ppmlr_text_info(path: Any) -> c.CubeInfo:
    """Grid, axes and solar wind of a text cube from its header (the values are not parsed)."""
    h = _read_header(path)
    notes = []
    bounds, uniform = [], True
    for name, a in (("x", h.x), ("y", h.y), ("z", h.z)):
        try:
            a2, _ = c.check_axis(h.path, name, a)
        except DataFileError as exc:
            notes.append(exc.problem)
            bounds, uniform = None, None
            break
        bounds.append((float(a2[0]), float(a2[-1])))
        uniform = uniform and c.is_uniform(a2)
    shape = (h.nz, h.ny, h.nx)
    return c.CubeInfo(
        path=str(h.path),
        format=f"{h.model} text emissivity cube (SXI team layout)",
        file_bytes=h.path.stat().st_size,
        shape=shape,
        bounds_re=tuple(bounds) if bounds else None,  # type: ignore[arg-type]
        uniform=uniform,
        variables=(c.VariableInfo("emissivity", shape, "text", ("z", "y", "x"), c.EMISSIVITY_UNITS),),
        frame="gsm",
        units=c.EMISSIVITY_UNITS,
        solar_wind=dict(h.solar_wind),
        estimated_bytes=h.nx * h.ny * h.nz * 4 + 3 * _CHUNK,
        notes=(f"title: {h.title}", *notes),
    )


@damaged_file_errors("text emissivity cube")
def read_ppmlr_text(path: Any, **options: Any):
    """Read a text emissivity cube → :class:`~smile_viewer.physics.volume.Volume` (module
    docstring). ``options`` as :func:`smile_viewer.io.cubes._assemble.assemble`."""
    h = _read_header(path)
    n = h.nx * h.ny * h.nz
    c.check_memory(
        h.path, n * 4 + 4 * _CHUNK, options.get("max_bytes"), f"a {h.nx}×{h.ny}×{h.nz} float32 array"
    )
    out = np.empty(n, dtype=np.float32)
    found = _parse_into(h.path, h.data_offset, out)
    if found != n:
        raise DataFileError(
            h.path,
            f"holds {found} emissivity values but the header says nx×ny×nz = {h.nx}×{h.ny}×{h.nz} = {n}"
            + (" (truncated?)" if found < n else ""),
        )
    raw = RawCube(
        path=h.path,
        format=f"{h.model} text emissivity cube (SXI team layout)",
        x=h.x,
        y=h.y,
        z=h.z,
        fields={"emissivity": out.reshape(h.nz, h.ny, h.nx)},
        mode="emissivity",
        names={"emissivity": "emissivity"},
        units={"emissivity": c.EMISSIVITY_UNITS},
        frame="gsm",
        frame_note="the SXI team's text cubes are GSM (swharton1/Emissivity_Cubes)",
        solar_wind=dict(h.solar_wind),
        extra={"title": h.title},
    )
    return assemble(raw, **options)
