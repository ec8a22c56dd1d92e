"""The project's documentation: no pointer to notes outside the repository, and every link in
docs/ (and every ``docs/<page>.md#anchor`` pointer in the code) leads to a file and a heading that
exist."""

from __future__ import annotations

import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
# Built from pieces so that this file does not match itself.
FORBIDDEN = re.compile(
    "|".join(re.escape(p) for p in ("REFERENCE" + ".md", "ARCHITECTURE" + ".md", "../" + "shared"))
)
TEXT_SUFFIXES = {
    ".py",
    ".md",
    ".json",
    ".toml",
    ".txt",
    ".cfg",
    ".ini",
    ".sh",
    ".cu",
    ".glsl",
    ".vert",
    ".frag",
    ".yml",
    ".yaml",
    ".desktop",
    ".xml",
    ".csv",
    "",
}
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
CODE_POINTER = re.compile(r"docs/([A-Za-z0-9_-]+\.md)(#[A-Za-z0-9_-]+)?")


def _project_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    if out.returncode != 0:  # not a git checkout (an sdist): walk the tree instead
        names = [str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()]
    else:
        names = out.stdout.splitlines()
    files = []
    for name in names:
        path = ROOT / name
        if any(part in (".venv", ".git", "__pycache__", "build", "dist") for part in Path(name).parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name == "Makefile"):
            files.append(path)
    return files


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading.strip()).lower()
    kept = "".join(ch for ch in text if ch in " -_" or unicodedata.category(ch)[0] in "LN")
    return kept.replace(" ", "-")


def _strip_code_blocks(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def anchors(md_file: Path) -> set[str]:
    """Every heading anchor of a markdown file (duplicates get -1, -2, ... as on GitHub)."""
    seen: dict[str, int] = {}
    for line in _strip_code_blocks(md_file.read_text(encoding="utf-8")).splitlines():
        m = re.match(r"#{1,6}\s+(.*?)\s*#*\s*$", line)
        if m:
            slug = _slug(m.group(1))
            n = seen.get(slug, 0)
            seen[slug] = n + 1
            seen.setdefault(slug if n == 0 else f"{slug}-{n}", 1)
    return set(seen)


def broken_links(md_file: Path) -> list[str]:
    """Links of ``md_file`` whose file (inside the repository) or heading does not exist."""
    bad = []
    text = _strip_code_blocks(md_file.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
            continue
        path_part, _, fragment = target.partition("#")
        dest = (md_file.parent / path_part).resolve() if path_part else md_file
        if not dest.exists():
            bad.append(f"{md_file.name}: {target} (no such file)")
        elif fragment and dest.suffix == ".md" and fragment not in anchors(dest):
            bad.append(f"{md_file.name}: {target} (no heading #{fragment})")
    return bad


def test_no_pointer_to_outside_notes():
    hits = []
    for path in _project_files():
        if path == Path(__file__).resolve():
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for i, line in enumerate(text.splitlines(), 1):
            if FORBIDDEN.search(line):
                hits.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()[:100]}")
    assert not hits, "cite docs/ or the original source instead:\n" + "\n".join(hits)


def test_docs_exist_with_an_index():
    for page in ("README.md", "reference.md", "architecture.md", "integration.md", "settings.md"):
        assert (DOCS / page).is_file(), page
    index = (DOCS / "README.md").read_text(encoding="utf-8")
    for page in sorted(DOCS.glob("*.md")):
        if page.name != "README.md":
            assert f"({page.name})" in index, f"docs/README.md does not list {page.name}"
    assert "docs/" in (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("page", sorted(p.name for p in DOCS.glob("*.md")) + ["../README.md"])
def test_links_in_docs_lead_somewhere(page):
    assert broken_links((DOCS / page).resolve()) == []


def test_code_pointers_to_docs_lead_somewhere():
    """``docs/reference.md#shue-1998`` style pointers in code, tests and assets."""
    bad, seen = [], 0
    for path in _project_files():
        if DOCS in path.parents or path.suffix not in (".py", ".json", ".toml", ".sh", ".md"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in CODE_POINTER.finditer(text):
            seen += 1
            page, fragment = DOCS / m.group(1), (m.group(2) or "")[1:]
            if not page.is_file():
                bad.append(f"{path.relative_to(ROOT)}: {m.group(0)} (no such page)")
            elif fragment and fragment not in anchors(page):
                bad.append(f"{path.relative_to(ROOT)}: {m.group(0)} (no such heading)")
    assert seen > 20  # the module docstrings point there
    assert not bad, "\n".join(bad)


def test_checks_can_fail(tmp_path):
    """The link checker reports a missing file and a missing heading; slugs follow GitHub."""
    (tmp_path / "a.md").write_text("# Zhang & Paxton 2008\n\n## Shue 1998\n", encoding="utf-8")
    assert anchors(tmp_path / "a.md") == {"zhang--paxton-2008", "shue-1998"}
    doc = tmp_path / "b.md"
    doc.write_text(
        "[ok](a.md#shue-1998) [gone](missing.md) [no heading](a.md#shue-1997)\n"
        "```\n[inside code](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(doc) == [
        "b.md: missing.md (no such file)",
        "b.md: a.md#shue-1997 (no heading #shue-1997)",
    ]
    assert FORBIDDEN.search("see " + "REFERENCE" + ".md") and FORBIDDEN.search("../" + "shared/x")
