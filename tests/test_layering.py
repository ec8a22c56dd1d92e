"""The layers below the GUI must run with no display and no GL (docs/architecture.md#layers)."""

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
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"{package} imported GUI modules: {out.stdout.strip()}"


def test_layer_check_detects_a_gui_import():
    """The check above can fail: a module that imports vispy is reported."""
    code = _walk_and_import("smile_viewer.constants").replace("bad = ", "import vispy\nbad = ")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "vispy" in out.stdout


# -- each layer imports only those below it (static check: lazy imports count too) ----------
import ast  # noqa: E402
from pathlib import Path  # noqa: E402

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "smile_viewer"
#: Rank of each layer (docs/architecture.md#layers); a module may import modules of its rank or lower.
LAYER_RANK = {
    "constants": 0,
    "errors": 0,
    "resources": 0,
    "_offline": 0,
    "unit_text": 0,
    "cancel": 0,
    "__init__": 0,
    "coords": 1,
    "physics": 1,
    "mission": 1,
    "io": 1,
    "compute": 2,
    "analysis": 3,
    "state": 4,
    "_vispy": 5,
    "_qt": 6,
    "synth": 7,
    "batch": 7,
    "cli": 8,
    "__main__": 8,
}


def _layer_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _imported_modules(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against this module's package
                base = (
                    module.split(".")[: -node.level]
                    if not path.name == "__init__.py"
                    else module.split(".")[: len(module.split(".")) - node.level + 1]
                )
                found.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                found.add(node.module)
    return {m for m in found if m == "smile_viewer" or m.startswith("smile_viewer.")}


def test_layers_import_only_layers_below():
    violations = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        rel = path.relative_to(PACKAGE_DIR.parent).with_suffix("")
        module = ".".join(rel.parts)
        if module.endswith(".__init__"):
            module = module[: -len(".__init__")]
        layer = _layer_of(module)
        if layer not in LAYER_RANK:
            violations.append(f"{module}: layer {layer!r} has no rank in LAYER_RANK")
            continue
        for imported in _imported_modules(path, module):
            target = _layer_of(imported)
            if LAYER_RANK.get(target, 99) > LAYER_RANK[layer]:
                violations.append(f"{module} imports {imported} (layer {target} is above {layer})")
    assert not violations, "\n".join(violations)


def test_layer_check_sees_lazy_upward_imports(tmp_path):
    src = tmp_path / "pointing.py"
    src.write_text("def f():\n    from smile_viewer.compute.camera import Camera\n    return Camera\n")
    imported = _imported_modules(src, "smile_viewer.mission.pointing")
    assert imported == {"smile_viewer.compute.camera"}
    assert LAYER_RANK[_layer_of("smile_viewer.compute.camera")] > LAYER_RANK["mission"]
