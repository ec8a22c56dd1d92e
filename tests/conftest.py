"""Test-session set-up shared by the whole suite.

- GL tests (marker ``gl``) need a display with OpenGL. pytest-xvfb starts Xvfb (Mesa
  llvmpipe) when it is installed; when no display can be had, the session does not abort:
  Qt falls back to the ``offscreen`` platform and ``gl`` tests are skipped with the reason.
- GPU tests (marker ``gpu``) run only where cupy sees a CUDA device.
- Python's cyclic garbage collector runs on the main thread only, between tests (as the
  application runs it on its GUI thread: smile_viewer/_qt/gui_gc.py): left automatic, it runs
  in whichever thread allocates (a render worker, pytest-xdist's receiver thread) and frees
  widgets and GL canvases there, which crashes Qt later at an unrelated test.
"""

from __future__ import annotations

import gc
import os
import shutil

import pytest

# Never let a test reach the network through astropy (importing the package configures it).
import smile_viewer  # noqa: F401
from smile_viewer._qt.gui_gc import collect_due


def _display_available() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _cuda_available() -> tuple[bool, str]:
    try:
        import cupy  # noqa: F401
    except Exception as exc:  # ImportError or a broken CUDA install
        return False, f"cupy not importable ({type(exc).__name__})"
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() < 1:
            return False, "no CUDA device"
    except Exception as exc:
        return False, f"no CUDA device ({exc})"
    return True, ""


def _is_xdist_controller(config) -> bool:
    """The pytest-xdist controller (``-n N``): it runs no test and starts no Xvfb; its workers
    inherit its environment and each start their own Xvfb (pytest-xvfb)."""
    return config.getoption("dist", "no") != "no" and not os.environ.get("PYTEST_XDIST_WORKER")


@pytest.hookimpl(trylast=True)
def pytest_configure(config):
    # pytest-xvfb has already started Xvfb (and set DISPLAY) by now when it could. Not in the
    # xdist controller: an "offscreen" set there would reach the workers and hide their Xvfb.
    if not _display_available() and not _is_xdist_controller(config):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("SMILE_TEST_SESSION", "1")
    gc.disable()  # collected in pytest_runtest_teardown, on the main thread


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    # after pytest-qt has closed the test's widgets and the fixtures are torn down
    try:
        return (yield)
    finally:
        collect_due()


def pytest_unconfigure(config):
    gc.enable()


def pytest_collection_modifyitems(config, items):
    if _display_available():
        no_gl_reason = None
    elif shutil.which("Xvfb") is None:
        no_gl_reason = "no display and Xvfb is not installed (apt-get install xvfb) — GL tests skipped"
    else:
        no_gl_reason = "no display (pytest-xvfb did not start Xvfb) — GL tests skipped"
    has_gpu, gpu_reason = _cuda_available()
    for item in items:
        if no_gl_reason and "gl" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=no_gl_reason))
        if not has_gpu and "gpu" in item.keywords:
            item.add_marker(pytest.mark.skip(reason=f"needs a CUDA GPU: {gpu_reason}"))
