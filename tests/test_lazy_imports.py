"""Imports sit at module level in the headless and the GUI layers; an import inside a function must
say why with a ``# lazy: <reason>`` comment (optional dependency, heavy library, import cycle,
start-up time of the first window or of the command line, code for a worker), on its line or on
the comment line above its group of imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1] / "smile_viewer"
HEADLESS = ["coords", "physics", "mission", "io", "compute", "analysis", "state", "synth.py", "batch.py"]
GUI = ["_qt", "_vispy"]


def unexplained_lazy_imports(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every in-function import of ``path`` without a ``# lazy:`` reason: on its
    line, or on a comment above its group of imports (control-flow headers such as ``if x:`` may
    sit between), or given for an earlier import of the same package in the same function."""
    lines = path.read_text(encoding="utf-8").splitlines()
    tree = ast.parse("\n".join(lines))
    out = []

    def comment_above(lineno: int) -> bool:
        i = lineno - 2
        while i >= 0:
            text = lines[i].strip()
            if text.startswith("#") and "lazy:" in text:
                return True
            if (
                text.startswith(("#", "import ", "from ", "if ", "elif ", "try:", ")"))
                or text in ("else:",)
                or text.endswith(("(", ","))
            ):
                i -= 1
                continue
            return False
        return False

    def name_of(node) -> str:
        return "." * getattr(node, "level", 0) + (
            (node.module or "") if isinstance(node, ast.ImportFrom) else node.names[0].name
        )

    def visit_function(fn) -> None:
        explained_packages: set[str] = set()
        nodes = [n for n in ast.walk(fn) if isinstance(n, (ast.Import, ast.ImportFrom))]
        for node in sorted(nodes, key=lambda n: n.lineno):
            name = name_of(node)
            package = name.split(".")[0]
            if (
                "# lazy:" in lines[node.lineno - 1]
                or comment_above(node.lineno)
                or package in explained_packages
            ):
                explained_packages.add(package)
            else:
                out.append((node.lineno, name))

    def walk(node) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit_function(child)  # nested functions are covered by ast.walk
            else:
                walk(child)

    walk(tree)
    return out


@pytest.mark.parametrize("part", HEADLESS + GUI)
def test_in_function_imports_say_why(part):
    p = ROOT / part
    files = [p] if p.is_file() else sorted(p.rglob("*.py"))
    bad = [f"{f.relative_to(ROOT.parent)}:{n} {m}" for f in files for n, m in unexplained_lazy_imports(f)]
    assert bad == [], "imports inside functions without a '# lazy: <reason>' comment:\n" + "\n".join(bad)


def test_check_sees_an_unexplained_lazy_import(tmp_path):
    """The check above can fail: an unexplained in-function import is reported, an explained one not."""
    src = tmp_path / "m.py"
    src.write_text(
        "def f():\n    import json\n    return json\n\n"
        "def g():\n    # lazy: optional dependency\n    import cupy\n    import cupy.cuda\n    return cupy\n\n"
        "def h():\n    import xarray  # lazy: heavy\n    return xarray\n\n"
        "def k():\n    # lazy: a comment that belongs to other code\n    y = 1\n    import csv\n    return csv, y\n",
        encoding="utf-8",
    )
    assert unexplained_lazy_imports(src) == [(2, "json"), (18, "csv")]
