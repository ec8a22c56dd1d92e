"""Shaders and assets are found from a checkout and from an installed wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from smile_viewer import resources

ROOT = Path(__file__).resolve().parents[1]


def test_checkout_layout_is_found():
    assert resources.resource_dir("assets") == ROOT / "assets"
    assert resources.resource_dir("shaders") == ROOT / "shaders"
    orbit = resources.asset_path("orbits", "smile_default.json")
    assert "perigee_altitude_km" in orbit.read_text()


def test_missing_resources_give_clear_errors():
    with pytest.raises(resources.ResourceNotFoundError, match="asset not found"):
        resources.asset_path("no", "such", "file.txt")
    with pytest.raises(resources.ResourceNotFoundError, match="shader not found"):
        resources.shader_path("nonexistent.glsl")
    with pytest.raises(ValueError, match="unknown resource kind"):
        resources.resource_dir("fonts")


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    (wheel,) = out.glob("smile_viewer-*.whl")
    return wheel


def test_wheel_contains_shaders_and_assets(built_wheel):
    names = zipfile.ZipFile(built_wheel).namelist()
    assert "smile_viewer/assets/orbits/smile_default.json" in names
    assert "smile_viewer/compute/raymarch.cu" in names  # CUDA source loaded at run time
    assert any(n.startswith("smile_viewer/shaders/") for n in names)
    assert not any(n.startswith("tests/") for n in names)


def test_installed_wheel_finds_its_resources(built_wheel, tmp_path):
    """Install the wheel (without its dependencies) into a fresh venv whose path falls back
    on this environment's site-packages for the dependencies, then locate resources."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    vpy = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()
    )
    with zipfile.ZipFile(built_wheel) as zf:  # a wheel install is an unzip into purelib
        zf.extractall(site)
    # Dependencies from this environment, *after* the new site-packages (plain path, so the
    # editable-install hook of this environment is not processed).
    (site / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    code = (
        "import json, smile_viewer, smile_viewer.resources as r;"
        "print(json.dumps({'pkg': smile_viewer.__file__, 'assets': str(r.resource_dir('assets')),"
        " 'shaders': str(r.resource_dir('shaders')),"
        " 'orbit': json.loads(r.asset_path('orbits', 'smile_default.json').read_text())}))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [str(vpy), "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout)
    assert found["pkg"].startswith(str(site))
    assert found["assets"] == str(site / "smile_viewer" / "assets")
    assert found["shaders"] == str(site / "smile_viewer" / "shaders")
    assert "perigee_altitude_km" in json.dumps(found["orbit"])
