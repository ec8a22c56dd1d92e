"""The layers below the GUI must run with no display and no GL (ARCHITECTURE.md)."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEADLESS_PACKAGES = [
    "smile_viewer",
    "smile_viewer.cli",
    "smile_viewer.coords",
    "smile_viewer.physics",
    "smile_viewer.mission",
    "smile_viewer.compute",
    "smile_viewer.io",
    "smile_viewer.analysis",
    "smile_viewer.state",
]
GUI_MODULES = ("PySide6", "vispy", "pyqtgraph", "superqt", "OpenGL")


def _walk_and_import(package: str) -> str:
    """Python code importing ``package`` and all its modules (GUI layers excluded), then
    printing the GUI libraries found in ``sys.modules``."""
    return f"""
import importlib, pkgutil, sys
GUI_LAYERS = ("smile_viewer._qt", "smile_viewer._vispy")
def walk(name):
    mod = importlib.import_module(name)
    for info in pkgutil.iter_modules(getattr(mod, "__path__", [])):
        sub = name + "." + info.name
        if not sub.startswith(GUI_LAYERS):
            walk(sub)
walk({package!r})
bad = sorted({{m.split(".")[0] for m in sys.modules}} & set({GUI_MODULES!r}))
print(",".join(bad))
"""


@pytest.mark.parametrize("package", HEADLESS_PACKAGES)
def test_headless_layers_do_not_import_gui_libraries(package):
    """Importing every module of a headless layer loads none of PySide6, vispy, pyqtgraph…"""
    out = subprocess.run(
        [sys.executable, "-c", _walk_and_import(package)],
        capture_output=True, text=True, timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"{package} imported GUI modules: {out.stdout.strip()}"


def test_layer_check_detects_a_gui_import():
    """The check above can fail: a module that imports vispy is reported."""
    code = _walk_and_import("smile_viewer.constants").replace("bad = ", "import vispy\nbad = ")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "vispy" in out.stdout
