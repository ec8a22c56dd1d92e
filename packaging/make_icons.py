"""Render packaging/icons/smile-viewer.svg to PNG icons (run after editing the SVG).

    .venv/bin/python packaging/make_icons.py

Writes packaging/icons/smile-viewer.png (256 px) and hicolor sizes 16..512 under
packaging/icons/hicolor/<n>x<n>/apps/smile-viewer.png. Uses Qt's SVG renderer (PySide6),
so no other tool is needed; works without a display (QT_QPA_PLATFORM=offscreen).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SVG = HERE / "icons" / "smile-viewer.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render(size: int, out: Path) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SVG}")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    out.parent.mkdir(parents=True, exist_ok=True)
    if not image.save(str(out), "PNG"):
        raise SystemExit(f"cannot write {out}")


def main() -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - needed by QImage text/fonts
    render(256, HERE / "icons" / "smile-viewer.png")
    for n in SIZES:
        render(n, HERE / "icons" / "hicolor" / f"{n}x{n}" / "apps" / "smile-viewer.png")
    print(f"wrote {HERE / 'icons' / 'smile-viewer.png'} and {len(SIZES)} hicolor sizes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
