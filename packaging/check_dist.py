"""Check the built wheel and sdist: contents, and that the installed wheel starts.

    python packaging/check_dist.py [DIST_DIR]        (run by ``make dist``)

1. ``DIST_DIR`` (default ``dist``) holds exactly one wheel and one sdist of this version;
   the wheel contains the package, its shaders and assets (no tests); the sdist contains
   the sources, tests and packaging files.
2. The wheel is installed (``--no-deps``) into a fresh temporary virtual environment whose
   dependencies come from the environment running this script (a ``.pth`` line appends
   its site-packages, so nothing is downloaded and the checkout's editable install is not
   used).
3. From a directory outside the checkout: ``smile-viewer --version`` prints this version,
   ``import smile_viewer`` loads the installed copy, and ``smile-viewer render --out X.png``
   renders the default scene (found through the wheel's own assets and shaders) to a PNG
   that is checked for content (size, not blank, the Earth near the middle).

Exit status 0 when all is well; otherwise 1 with what failed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _version() -> str:
    text = (ROOT / "smile_viewer" / "__init__.py").read_text()
    for line in text.splitlines():
        if line.startswith("__version__"):
            return line.split("=", 1)[1].strip().strip("\"'")
    raise SystemExit("no __version__ in smile_viewer/__init__.py")


def _fail(msg: str) -> None:
    print(f"check_dist: FAILED: {msg}", file=sys.stderr)
    raise SystemExit(1)


def _ok(msg: str) -> None:
    print(f"check_dist: ok: {msg}")


def check_contents(dist: Path, version: str) -> tuple[Path, Path]:
    wheels = sorted(dist.glob(f"smile_viewer-{version}-*.whl"))
    sdists = sorted(dist.glob(f"smile_viewer-{version}.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        _fail(
            f"expected one wheel and one sdist of version {version} in {dist}, "
            f"found {[w.name for w in wheels]} and {[s.name for s in sdists]}"
        )
    wheel, sdist = wheels[0], sdists[0]
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "smile_viewer/__init__.py",
        "smile_viewer/cli/__init__.py",
        "smile_viewer/_qt/app.py",
        "smile_viewer/assets/orbits/smile_default.json",
    ):
        if needed not in names:
            _fail(f"{wheel.name} lacks {needed}")
    if not any(n.startswith("smile_viewer/shaders/") for n in names):
        _fail(f"{wheel.name} has no shaders")
    if any(n.startswith("tests/") for n in names):
        _fail(f"{wheel.name} contains the tests")
    entry_points = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    if not entry_points or "smile-viewer" not in zipfile.ZipFile(wheel).read(entry_points[0]).decode():
        _fail(f"{wheel.name} declares no smile-viewer command")
    _ok(f"{wheel.name}: {len(names)} files, package + assets + shaders, command smile-viewer")
    with tarfile.open(sdist) as tf:
        members = {m.name.split("/", 1)[1] for m in tf.getmembers() if "/" in m.name}
    for needed in (
        "pyproject.toml",
        "smile_viewer/__init__.py",
        "tests/conftest.py",
        "packaging/smile-viewer.desktop",
        "packaging/icons/smile-viewer.svg",
        "packaging/io.github.smile_viewer.SmileViewer.metainfo.xml",
    ):
        if needed not in members:
            _fail(f"{sdist.name} lacks {needed}")
    _ok(f"{sdist.name}: {len(members)} files incl. tests and packaging")
    return wheel, sdist


def _deps_paths() -> list[str]:
    paths = sysconfig.get_paths()
    out = [paths["purelib"]]
    if paths["platlib"] != paths["purelib"]:
        out.append(paths["platlib"])
    return out


def install_wheel(wheel: Path, where: Path) -> Path:
    venv = where / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    vpy = venv / "bin" / "python"
    if not vpy.exists():  # Windows layout
        vpy = venv / "Scripts" / "python.exe"
    res = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(vpy),
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(wheel),
        ],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if res.returncode != 0:
        _fail(f"pip could not install {wheel.name}: {res.stderr.strip()[-2000:]}")
    site = Path(
        subprocess.run(
            [str(vpy), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    # dependencies from this environment, after the venv's own site-packages (a plain
    # path: .pth files there, such as the checkout's editable install, are not processed)
    (site / "zz_smile_viewer_deps.pth").write_text("\n".join(_deps_paths()) + "\n")
    _ok(f"installed {wheel.name} into {venv}")
    return venv


def _run(cmd: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    return subprocess.run(cmd, cwd=cwd, env=env, check=False, capture_output=True, text=True, timeout=timeout)


def check_installed(venv: Path, version: str, work: Path) -> None:
    bindir = venv / ("Scripts" if os.name == "nt" else "bin")
    exe = bindir / "smile-viewer"
    if not exe.exists():
        _fail(f"the wheel installed no smile-viewer command in {bindir}")
    res = _run([str(exe), "--version"], work)
    if res.returncode != 0 or res.stdout.strip() != f"smile-viewer {version}":
        _fail(
            f"smile-viewer --version: status {res.returncode}, out {res.stdout!r}, err {res.stderr[-1500:]!r}"
        )
    _ok(f"smile-viewer --version -> {res.stdout.strip()}")
    res = _run([str(bindir / "python"), "-c", "import smile_viewer; print(smile_viewer.__file__)"], work)
    loaded = res.stdout.strip()
    if res.returncode != 0 or not loaded.startswith(str(venv)):
        _fail(
            f"import smile_viewer loaded {loaded or res.stderr[-1500:]!r}, not the installed wheel in {venv}"
        )
    _ok(f"import smile_viewer -> {loaded}")

    out = work / "scene.png"
    res = _run([str(exe), "render", "--out", str(out)], work, timeout=600)
    if res.returncode != 0:
        _fail(f"smile-viewer render: status {res.returncode}: {(res.stderr or res.stdout)[-2000:]}")
    check_render(out, (1280, 800))
    _ok(f"smile-viewer render -> {out.name} ({out.stat().st_size} bytes), content checked")


def check_render(png: Path, size: tuple[int, int]) -> None:
    import numpy as np
    from PIL import Image

    if not png.exists():
        _fail(f"render wrote no {png}")
    img = np.asarray(Image.open(png).convert("RGB")).astype(int)
    h, w = img.shape[:2]
    if (w, h) != size:
        _fail(f"render is {w}x{h}, expected {size[0]}x{size[1]}")
    brightness = img.max(axis=2)
    background = np.median(brightness[:5, :])  # the top rows are mostly sky
    lit = brightness > background + 40
    if lit.mean() < 0.01:
        _fail(f"render looks blank: only {lit.mean():.2%} of the pixels differ from the background")
    colours = len(np.unique(img.reshape(-1, 3) // 8, axis=0))
    if colours < 50:
        _fail(f"render has only {colours} distinct colours: no textured scene")
    _ok(f"render content: {lit.mean():.1%} of pixels drawn, {colours} colour bins")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dist", nargs="?", default=str(ROOT / "dist"), help="directory with the built files")
    parser.add_argument("--keep", action="store_true", help="keep the temporary venv (its path is printed)")
    args = parser.parse_args(argv)
    version = _version()
    wheel, _ = check_contents(Path(args.dist).resolve(), version)
    tmp = Path(tempfile.mkdtemp(prefix="smile-viewer-dist-"))
    try:
        venv = install_wheel(wheel, tmp)
        work = tmp / "run"
        work.mkdir()
        check_installed(venv, version, work)
    finally:
        if args.keep:
            print(f"check_dist: kept {tmp}")
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)
    print(f"check_dist: smile-viewer {version}: wheel and sdist are good")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
