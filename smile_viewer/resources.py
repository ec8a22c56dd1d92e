"""Locate the files shipped with smile-viewer: GLSL shaders and data assets.

In a source checkout they live at the top level (``shaders/``, ``assets/``); in an
installed wheel hatchling places them inside the package (``smile_viewer/shaders``,
``smile_viewer/assets``). This module is the one place that knows both layouts.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_KINDS = ("assets", "shaders")


class ResourceNotFoundError(FileNotFoundError):
    """A shipped resource is missing (a broken installation)."""


@cache
def resource_dir(kind: str) -> Path:
    """Return the directory holding resources of ``kind`` (``"assets"`` or ``"shaders"``)."""
    if kind not in _KINDS:
        raise ValueError(f"unknown resource kind {kind!r}; expected one of {_KINDS}")
    for candidate in (_PACKAGE_DIR / kind, _PACKAGE_DIR.parent / kind):
        if candidate.is_dir():
            return candidate
    raise ResourceNotFoundError(
        f"smile-viewer's {kind}/ directory was not found next to {_PACKAGE_DIR}; "
        "the installation is incomplete — reinstall the package"
    )


def asset_path(*parts: str) -> Path:
    """Path of a file under ``assets/``, e.g. ``asset_path("earth", "earth_2048.jpg")``."""
    path = resource_dir("assets").joinpath(*parts)
    if not path.exists():
        raise ResourceNotFoundError(f"asset not found: {path}")
    return path


def shader_path(name: str) -> Path:
    """Path of a GLSL source file under ``shaders/``."""
    path = resource_dir("shaders") / name
    if not path.exists():
        raise ResourceNotFoundError(f"shader not found: {path}")
    return path


def read_shader(name: str) -> str:
    """Text of a GLSL source file under ``shaders/``."""
    return shader_path(name).read_text(encoding="utf-8")
