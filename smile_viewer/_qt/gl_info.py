"""The OpenGL the window gets: a GPU or a software rasterizer (Mesa llvmpipe and the like).

The 3-D canvas is multisampled (4×) on a GPU and not on a software rasterizer, where the
multisampled framebuffer about doubles the cost of every frame (docs/architecture.md, "Speed
of the 3-D view"). ``SMILE_GL_SAMPLES=N`` sets the sample count whatever the renderer.
"""

from __future__ import annotations

import logging
import os
from functools import lru_cache

from PySide6.QtGui import QOffscreenSurface, QOpenGLContext

log = logging.getLogger(__name__)

__all__ = ["SOFTWARE_RENDERERS", "gl_renderer", "is_software_renderer", "window_samples"]

#: Substrings of GL_RENDERER (lower case) that name a rasterizer running on the CPU.
SOFTWARE_RENDERERS = ("llvmpipe", "softpipe", "swrast", "software rasterizer", "swiftshader", "basic render")
_GL_RENDERER = 0x1F01


@lru_cache(maxsize=1)
def gl_renderer() -> str:
    """GL_RENDERER of a context made the way the window's is ("" when none can be made).

    Needs a QGuiApplication. The first context loads the driver, which the window's canvas
    would do anyway: the probe itself costs about 20 ms.
    """
    ctx = QOpenGLContext()
    if not ctx.create():
        return ""
    surface = QOffscreenSurface()
    surface.setFormat(ctx.format())
    surface.create()
    try:
        if not ctx.makeCurrent(surface):
            return ""
        return str(ctx.functions().glGetString(_GL_RENDERER) or "")
    finally:
        ctx.doneCurrent()
        surface.destroy()


def is_software_renderer(renderer: str) -> bool:
    """True for a GL_RENDERER string of a CPU rasterizer (see :data:`SOFTWARE_RENDERERS`)."""
    name = renderer.lower()
    return any(s in name for s in SOFTWARE_RENDERERS)


def window_samples(gpu_samples: int = 4) -> int:
    """Multisample count for the window's 3-D canvas: ``SMILE_GL_SAMPLES`` when set, else
    ``gpu_samples`` on a GPU and 0 on a software rasterizer."""
    env = os.environ.get("SMILE_GL_SAMPLES", "").strip()
    if env:
        try:
            return max(0, int(env))
        except ValueError:
            log.warning("SMILE_GL_SAMPLES=%r is not a whole number: ignored", env)
    renderer = gl_renderer()
    return 0 if is_software_renderer(renderer) else int(gpu_samples)
