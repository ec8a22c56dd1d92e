"""Desktop integration files: desktop entry, AppStream metainfo, icons; and ``make dist``."""

from __future__ import annotations

import configparser
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import smile_viewer

ROOT = Path(__file__).resolve().parents[1]
PKG = ROOT / "packaging"
DESKTOP = PKG / "smile-viewer.desktop"
METAINFO = PKG / "io.github.smile_viewer.SmileViewer.metainfo.xml"
SVG = PKG / "icons" / "smile-viewer.svg"
PNG = PKG / "icons" / "smile-viewer.png"


def _desktop_entry() -> dict[str, str]:
    cp = configparser.ConfigParser(interpolation=None, strict=True)
    cp.optionxform = str  # keys are case-sensitive
    cp.read_string(DESKTOP.read_text(encoding="utf-8"))
    assert cp.sections()[0] == "Desktop Entry"
    return dict(cp["Desktop Entry"])


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def _console_scripts() -> set[str]:
    import tomllib

    meta = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return set(meta.get("scripts", {})) | set(meta.get("gui-scripts", {}))


def test_desktop_entry_fields():
    e = _desktop_entry()
    assert e["Type"] == "Application"
    assert e["Name"] == "smile-viewer"
    assert e["Icon"] == "smile-viewer"
    assert e["Terminal"] == "false"
    cats = e["Categories"]
    assert cats.endswith(";")
    assert {"Science", "Education"} <= set(cats.rstrip(";").split(";"))
    assert cats.startswith("Science;Education;")
    exec_argv = e["Exec"].split()
    assert exec_argv[0] in _console_scripts(), "Exec must run a command the wheel installs"
    assert e["TryExec"] in _console_scripts()
    from smile_viewer.cli import build_parser

    # the sub-command in Exec exists
    if len(exec_argv) > 1 and not exec_argv[1].startswith("%"):
        build_parser().parse_args([exec_argv[1]])
    assert all(not v.startswith(" ") for v in e.values())


@pytest.mark.skipif(
    shutil.which("desktop-file-validate") is None, reason="desktop-file-validate not installed"
)
def test_desktop_file_validate():
    res = subprocess.run(
        ["desktop-file-validate", str(DESKTOP)], check=False, capture_output=True, text=True, timeout=60
    )
    assert res.returncode == 0, res.stdout + res.stderr
    assert "error" not in (res.stdout + res.stderr).lower()


def test_appstream_metainfo_parses_and_names_the_app():
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    cid = root.findtext("id")
    assert METAINFO.name == f"{cid}.metainfo.xml"
    assert root.findtext("name") == "smile-viewer"
    assert "SMILE" in root.findtext("summary")
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "BSD-3-Clause"
    launch = root.find("launchable")
    assert launch is not None and launch.get("type") == "desktop-id" and launch.text == DESKTOP.name
    assert root.findtext("provides/binary") in _console_scripts()
    assert root.find("description/p") is not None
    releases = root.findall("releases/release")
    assert releases, "at least one release"
    assert releases[0].get("version") == smile_viewer.__version__, (
        "add a <release> for the new version to the metainfo"
    )


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstreamcli not installed")
def test_appstreamcli_validate():
    res = subprocess.run(
        ["appstreamcli", "validate", "--no-net", str(METAINFO)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert res.returncode == 0, res.stdout + res.stderr


def test_icons_exist_and_match():
    root = ET.parse(SVG).getroot()
    assert root.tag.endswith("svg")
    assert root.get("viewBox") == "0 0 256 256"
    assert _png_size(PNG) == (256, 256)
    for n in (16, 24, 32, 48, 64, 128, 256, 512):
        p = PKG / "icons" / "hicolor" / f"{n}x{n}" / "apps" / "smile-viewer.png"
        assert _png_size(p) == (n, n), p
    # the PNG is the SVG drawn (not a placeholder): mostly the dark sky, with the cyan bow and Earth
    from PIL import Image

    img = Image.open(PNG).convert("RGBA")
    assert img.getpixel((4, 4))[3] == 0, "transparent corners"
    r, _g, b, a = img.getpixel((128, 136))  # Earth's centre
    assert b > r and b > 120 and a == 255


def test_packaging_readme_and_make_target():
    readme = (PKG / "README.md").read_text()
    for name in (DESKTOP.name, METAINFO.name, "make dist", "hicolor"):
        assert name in readme
    makefile = (ROOT / "Makefile").read_text()
    assert "\ndist: " in makefile and "packaging/check_dist.py" in makefile


def test_check_dist_render_check(tmp_path):
    """The content check of check_dist.py refuses a blank picture and accepts a scene."""
    import numpy as np
    from PIL import Image

    sys.path.insert(0, str(PKG))
    try:
        import check_dist
    finally:
        sys.path.remove(str(PKG))
    blank = tmp_path / "blank.png"
    Image.fromarray(np.zeros((800, 1280, 3), np.uint8)).save(blank)
    with pytest.raises(SystemExit):
        check_dist.check_render(blank, (1280, 800))
    rng = np.random.default_rng(1)
    scene = np.zeros((800, 1280, 3), np.uint8)
    scene[200:600, 400:900] = rng.integers(0, 255, (400, 500, 3), dtype=np.uint8)
    good = tmp_path / "scene.png"
    Image.fromarray(scene).save(good)
    check_dist.check_render(good, (1280, 800))
    with pytest.raises(SystemExit):
        check_dist.check_render(good, (640, 400))


@pytest.mark.slow
def test_dist_builds_and_the_installed_wheel_starts(tmp_path):
    """What ``make dist`` does: sdist, wheel from the sdist, install, --version, render."""
    out = tmp_path / "dist"
    res = subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    res = subprocess.run(
        [sys.executable, str(PKG / "check_dist.py"), str(out)],
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert f"smile-viewer --version -> smile-viewer {smile_viewer.__version__}" in res.stdout
    assert "render content" in res.stdout
