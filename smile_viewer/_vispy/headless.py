"""Render the 3-D scene to a PNG without a visible window.

``render_scene_png(out_path, size=(w, h), time=None)`` draws the default scene (the same
``SceneView`` the desktop window shows) and writes a PNG atomically. An OpenGL context is
found, in this order:

1. a vispy application already running in this process (e.g. inside the desktop app);
2. an existing display (``DISPLAY``/``WAYLAND_DISPLAY``): Qt (PySide6) with a hidden canvas;
3. EGL without any display: vispy's ``egl`` backend with ``EGL_PLATFORM=surfaceless``
   (Mesa's llvmpipe on a machine without a GPU);
4. a private Xvfb server started for the rest of this process, then Qt.

``SMILE_GL_BACKEND`` = ``qt``, ``egl`` or ``xvfb`` forces one of 2–4 (for tests and bug
reports; every environment variable: docs/settings.md). The image is drawn at twice the
requested size and downsampled (antialiasing that works on every OpenGL driver).
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image

from smile_viewer.errors import UserInputError
from smile_viewer.io.atomic import atomic_path

log = logging.getLogger(__name__)

_INSTALL_HINT = (
    "Install Mesa's EGL (Debian/Ubuntu: apt-get install libegl1 libegl-mesa0 libgl1-mesa-dri) "
    "or Xvfb (apt-get install xvfb xauth), or run on a desktop session."
)

#: Largest side of the drawing buffer; above it the picture is not supersampled.
_MAX_RENDER_SIDE = 8192

_xvfb_proc: subprocess.Popen | None = None


class HeadlessGLError(UserInputError):
    """No OpenGL context could be created for an off-window render (says what to install)."""


# -- finding an OpenGL context ------------------------------------------------------------------
def _existing_vispy_app():
    """The vispy application already created in this process, or None."""
    # lazy: vispy loads after the GL platform is chosen (EGL_PLATFORM, PYOPENGL_PLATFORM are set first)
    from vispy.app import _default_app

    app = getattr(_default_app, "default_app", None)
    return app


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def x_display_reachable(display: str | None = None) -> bool:
    """True when an X server answers on ``display`` (default ``$DISPLAY``).

    Checked with libxcb through ctypes: Qt aborts the whole process (it cannot be caught)
    when its display does not answer, so look first. Returns True when libxcb is missing
    (then Qt cannot use X anyway and will say so).
    """
    display = display if display is not None else os.environ.get("DISPLAY")
    if not display:
        return False
    name = ctypes.util.find_library("xcb") or "libxcb.so.1"
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return True
    lib.xcb_connect.restype = ctypes.c_void_p
    lib.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    lib.xcb_connection_has_error.restype = ctypes.c_int
    lib.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    lib.xcb_disconnect.argtypes = [ctypes.c_void_p]
    conn = lib.xcb_connect(display.encode(), None)
    try:
        return conn is not None and lib.xcb_connection_has_error(conn) == 0
    finally:
        if conn is not None:
            lib.xcb_disconnect(conn)


def _qt_platform_starts(timeout_s: float = 20.0) -> tuple[bool, str]:
    """Start a QGuiApplication in a child process: Qt aborts (uncatchably) when it cannot."""
    code = "from PySide6.QtGui import QGuiApplication; app = QGuiApplication([]); print(app.platformName())"
    try:
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout_s)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, str(exc)
    if res.returncode != 0:
        lines = [ln for ln in (res.stderr or "").strip().splitlines() if ln.strip()]
        return False, lines[-1] if lines else f"exit status {res.returncode}"
    return True, res.stdout.strip()


def _try_qt():
    """vispy's PySide6 backend on the current display (a QApplication is created if needed)."""
    # lazy: vispy loads after the GL platform is chosen (EGL_PLATFORM, PYOPENGL_PLATFORM are set first)
    import vispy.app

    # Qt cannot create OpenGL contexts on its 'offscreen'/'minimal' platforms.
    qpa = os.environ.get("QT_QPA_PLATFORM", "")
    if qpa.split(":")[0] in ("offscreen", "minimal"):
        raise RuntimeError(f"QT_QPA_PLATFORM={qpa} has no OpenGL")
    if not _qt_app_exists():
        if not os.environ.get("WAYLAND_DISPLAY") and not x_display_reachable():
            raise RuntimeError(f"no X server answers on DISPLAY={os.environ.get('DISPLAY')!r}")
        ok, why = _qt_platform_starts()
        if not ok:
            raise RuntimeError(f"Qt cannot start on this display: {why}")
    return vispy.app.use_app("pyside6")


def _qt_app_exists() -> bool:
    if "PySide6.QtCore" not in sys.modules:
        return False
    # lazy: asked only when Qt is already loaded (the CLI render must not start Qt)
    from PySide6.QtCore import QCoreApplication

    return QCoreApplication.instance() is not None


def _try_egl():
    """vispy's EGL backend on Mesa's surfaceless platform (no display at all)."""
    if "vispy.app.backends._egl" not in sys.modules:
        if not _has_display():
            os.environ["EGL_PLATFORM"] = "surfaceless"
        else:
            os.environ.setdefault("EGL_PLATFORM", "surfaceless")
        # PyOpenGL (used by vispy for 3-D textures) must talk to EGL, not GLX.
        if "OpenGL" not in sys.modules:
            os.environ.setdefault("PYOPENGL_PLATFORM", "egl")
    # lazy: vispy loads after the GL platform is chosen (EGL_PLATFORM, PYOPENGL_PLATFORM are set first)
    import vispy.app

    return vispy.app.use_app("egl")


def _stop_xvfb() -> None:
    global _xvfb_proc
    proc, _xvfb_proc = _xvfb_proc, None
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()


def _start_xvfb(size: tuple[int, int]) -> str:
    """Start a private Xvfb; it lives until this process exits (Qt cannot outlive its display)."""
    global _xvfb_proc
    exe = shutil.which("Xvfb")
    if exe is None:
        raise RuntimeError("Xvfb is not installed")
    r, w = os.pipe()
    try:
        screen = f"{max(size[0], 640)}x{max(size[1], 480)}x24"
        proc = subprocess.Popen(
            [exe, "-displayfd", str(w), "-screen", "0", screen, "-nolisten", "tcp", "-noreset"],
            pass_fds=(w,),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(w)
        w = -1
        with os.fdopen(r, "rb", closefd=True) as fh:
            r = -1
            number = fh.readline().strip()
    finally:
        for fd in (r, w):
            if fd >= 0:
                os.close(fd)
    if not number or proc.poll() is not None:
        proc.kill()
        raise RuntimeError("Xvfb did not start")
    _xvfb_proc = proc
    atexit.register(_stop_xvfb)
    return f":{number.decode()}"


def _try_xvfb(size: tuple[int, int]):
    display = _start_xvfb(size)
    os.environ["DISPLAY"] = display
    os.environ.pop("WAYLAND_DISPLAY", None)
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "wayland"):
        os.environ["QT_QPA_PLATFORM"] = "xcb"
    return _try_qt()


def gl_app(size: tuple[int, int] = (1280, 800)):
    """A vispy Application able to create an off-window OpenGL context (see module doc)."""
    existing = _existing_vispy_app()
    if existing is not None:
        return existing
    forced = os.environ.get("SMILE_GL_BACKEND", "").strip().lower()
    attempts: list[tuple[str, object]] = []
    if forced:
        if forced not in ("qt", "egl", "xvfb"):
            raise HeadlessGLError(f"SMILE_GL_BACKEND={forced!r}: use qt, egl or xvfb")
        attempts.append((forced, {"qt": _try_qt, "egl": _try_egl, "xvfb": lambda: _try_xvfb(size)}[forced]))
    else:
        if _has_display():
            attempts.append(("qt", _try_qt))
        attempts.append(("egl", _try_egl))
        if not _has_display():
            attempts.append(("xvfb", lambda: _try_xvfb(size)))
    errors = []
    for name, attempt in attempts:
        try:
            app = attempt()
            _probe(app)
            log.info("headless render: using the %s OpenGL path", name)
            return app
        except Exception as exc:  # any failure: try the next path, report them all at the end
            log.debug("headless render: %s failed", name, exc_info=True)
            errors.append(f"{name}: {type(exc).__name__}: {exc}")
            _forget_failed_app()
    raise HeadlessGLError(
        "cannot create an OpenGL context to render the scene without a window ("
        + "; ".join(errors)
        + "). "
        + _INSTALL_HINT
    )


def _forget_failed_app() -> None:
    """Let vispy choose another backend after a failed attempt."""
    try:
        # lazy: vispy loads after the GL platform is chosen (EGL_PLATFORM, PYOPENGL_PLATFORM are set first)
        from vispy.app import _default_app

        _default_app.default_app = None
    except Exception:  # pragma: no cover - vispy internals moved
        pass


def own_gl_context(canvas):
    """Give an off-window canvas (``show=False``) of vispy's Qt backend its own OpenGL context;
    returns the canvas.

    A hidden QOpenGLWidget is never initialised: its ``makeCurrent()`` does nothing and vispy
    then draws with whichever context happens to be current, another canvas's. Once that
    canvas is destroyed (closed and garbage-collected) no context is current: framebuffers come
    back with id 0 and the OpenGL driver may crash. With ``WA_DontShowOnScreen`` the widget is
    "shown" (it creates its context and framebuffer) but never appears on the screen. Other
    backends (EGL) have no widget and are returned unchanged.
    """
    native = getattr(canvas, "native", None)
    if native is None or not hasattr(native, "isValid") or native.isValid():
        return canvas
    # lazy: only on vispy's Qt backend, where Qt is loaded already
    from PySide6.QtCore import Qt

    native.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    native.show()
    return canvas


def offscreen_canvas(size: tuple[int, int], app=None, **kwargs):
    """A vispy ``SceneCanvas`` of ``size`` (w, h) px that is never on the screen and has an
    OpenGL context of its own (:func:`own_gl_context`); ``app``: default :func:`gl_app`. Every
    off-window picture (exports, stills, dome faces, tours) draws on one of these."""
    # lazy: vispy loads after the GL platform is chosen (EGL_PLATFORM, PYOPENGL_PLATFORM are set first)
    from vispy import scene

    app = app if app is not None else gl_app(tuple(size))
    kwargs.setdefault("keys", None)
    return own_gl_context(scene.SceneCanvas(size=tuple(size), show=False, app=app, **kwargs))


def _probe(app) -> None:
    """Draw one tiny frame: raises when the backend cannot give a working context."""
    canvas = offscreen_canvas((8, 8), app, bgcolor=(1.0, 0.0, 0.0, 1.0))
    try:
        img = canvas.render(alpha=False)
    finally:
        canvas.close()
    if img.shape[:2] != (8, 8) or img[..., 0].min() < 250 or img[..., 1].max() > 5:
        raise RuntimeError("the OpenGL context draws nothing (test frame came back wrong)")


# -- rendering ----------------------------------------------------------------------------------
def _check_size(size) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in size)
    except (TypeError, ValueError):
        raise UserInputError(f"size must be (width, height) in pixels, got {size!r}") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise UserInputError(f"size {w}x{h} out of range (16..8192 pixels a side)")
    return w, h


#: ``--view`` names of the command line → camera presets of the scene.
VIEWS: dict[str, str] = {"overview": "overview", "sun": "from_sun", "north": "north", "sxi": "through_sxi"}


def camera_preset_for_view(view: str) -> str:
    """The camera preset of a ``--view`` name (``overview``, ``sun``, ``north``, ``sxi``);
    preset names themselves are accepted too."""
    # lazy: state (with the physics it loads, 0.5 s) only for a render: the desktop app's display check imports this module
    from smile_viewer.state.scene import CAMERA_PRESETS

    key = str(view).strip().lower()
    if key in VIEWS:
        return VIEWS[key]
    if key in CAMERA_PRESETS:
        return key
    raise UserInputError(f"unknown view {view!r}; choose from {', '.join(VIEWS)}")


def _resolve_state(state, session):
    """(AppState, SceneState) from a state object or a session file."""
    # lazy: state (with the physics it loads, 0.5 s) only for a render: the desktop app's display check imports this module
    from smile_viewer.state.app import AppState
    from smile_viewer.state.scene import SceneState
    from smile_viewer.state.session import load_session

    if session is not None:
        if state is not None:
            raise UserInputError("give a state or a session file, not both")
        app = load_session(session)
        return app, app.scene
    if state is None:
        app = AppState()
        return app, app.scene
    if isinstance(state, AppState):
        return state, state.scene
    if isinstance(state, SceneState):
        return AppState(scene=state), state
    raise UserInputError(f"state must be an AppState or a SceneState, got {type(state).__name__}")


def render_scene_image(
    size=(1280, 800),
    time=None,
    *,
    camera_preset: str | None = None,
    camera=None,
    state=None,
    supersample: int = 2,
    return_view_info: bool = False,
    view: str | None = None,
    session=None,
    cut_plane=None,
):
    """Render the scene to an (H, W, 3) uint8 array (see ``render_scene_png``).

    With ``return_view_info`` also returns a dict: ``project`` (a function mapping scene
    points (N, 3) in R_E to pixel positions (N, 2) of the returned image), ``spacecraft``
    (its scene position), ``geo_to_scene`` (the Earth's rotation), ``time``, ``backend``,
    ``cameras`` (the SXI/UVI cameras at the scene time) and ``errors`` (layers that failed).
    ``camera``: a ``smile_viewer._vispy.scene.CameraSetup`` placing the camera exactly
    (overrides the preset). ``state``: an AppState or a SceneState; ``session``: a session
    file to load instead; ``view``: a ``--view`` name (overview, sun, north, sxi; "sxi" on the
    default scene also shows the emission volume — the synthetic soft X-ray image).
    ``cut_plane``: a :class:`~smile_viewer.state.cut_plane.CutPlaneSettings` to draw a cut plane
    through the scene's cube (the view info then has ``cut_plane``: its CutPlaneLayer's cut,
    colours and limits).
    """
    w, h = _check_size(size)
    default_scene = state is None and session is None
    app_state, scene_state = _resolve_state(state, session)
    if time is not None:
        scene_state.time = time
    if view is not None:
        camera_preset = camera_preset_for_view(view)
        if default_scene and camera_preset == "through_sxi":
            # through SXI the default scene is all but empty: show what SXI sees
            scene_state.layers.emission_volume = True
    if camera_preset is not None:
        scene_state.camera_preset = camera_preset
    ss = max(1, int(supersample))
    if max(w, h) * ss > _MAX_RENDER_SIDE:
        ss = 1
    app = gl_app((w, h))

    # lazy: vispy loads after the GL platform is chosen (EGL_PLATFORM, PYOPENGL_PLATFORM are set first)
    from smile_viewer._vispy.scene import SceneView

    canvas = offscreen_canvas((w * ss, h * ss), app)
    sv = SceneView(app_state, canvas=canvas, pixel_scale=ss, volume_resolution=1.0)  # a still: full quality
    if camera is not None:
        sv.set_camera(camera)
    layer = None
    if cut_plane is not None:
        # lazy: vispy loads after the GL platform is chosen (EGL_PLATFORM, PYOPENGL_PLATFORM are set first)
        from smile_viewer._vispy.cut_plane_layer import CutPlaneLayer

        layer = CutPlaneLayer(sv, cut_plane)
    try:
        img = sv.render(alpha=False)
        info = {
            "spacecraft": sv.spacecraft_position.copy(),
            "geo_to_scene": sv.geo_to_scene.copy(),
            "time": scene_state.time,
            "backend": app.backend_name,
            "cameras": dict(sv.cameras),
            "errors": dict(sv.errors),
        }
        if layer is not None:
            info["cut_plane"] = {
                "cut": layer.cut,
                "rgba": layer.rgba,
                "clim": layer.clim,
                "error": layer.error,
            }
        if return_view_info:
            # capture the projection now (the canvas is closed below)
            tr = sv.view.scene.node_transform(sv.canvas.scene)
            matrix_tr = tr.simplified if hasattr(tr, "simplified") else tr

            def project(xyz, _tr=matrix_tr, _ss=ss):
                m = _tr.map(np.atleast_2d(np.asarray(xyz, float)))
                return m[:, :2] / m[:, 3:4] / _ss

            info["project"] = project
    finally:
        if layer is not None:
            layer.close()
        sv.close()
    # (a HiDPI backend may return a larger buffer than w*ss x h*ss: the resize covers it)
    image = Image.fromarray(np.ascontiguousarray(img[..., :3]))
    if image.size != (w, h):
        image = image.resize((w, h), Image.Resampling.LANCZOS if ss > 1 else Image.Resampling.BILINEAR)
    out = np.asarray(image)
    return (out, info) if return_view_info else out


def write_png_atomic(image: np.ndarray, out_path) -> Path:
    """Write an (H, W, 3|4) uint8 array as PNG via a temporary file in the same directory."""
    out = Path(out_path).expanduser()
    if out.is_dir():
        raise UserInputError(f"{out} is a directory; give a file name ending in .png")
    if out.suffix.lower() != ".png":
        raise UserInputError(f"output file {out} must end in .png")
    parent = out.resolve().parent
    if not parent.is_dir():
        raise UserInputError(f"directory {parent} does not exist")

    with atomic_path(out) as tmp:
        Image.fromarray(image).save(tmp, format="PNG")
    return out


def render_scene_png(
    out_path,
    size=(1280, 800),
    time=None,
    *,
    camera_preset: str | None = None,
    state=None,
    view: str | None = None,
    session=None,
) -> Path:
    """Render the 3-D scene to a PNG file and return its path.

    Parameters
    ----------
    out_path : str or Path
        The PNG to write (replaced atomically; the directory must exist).
    size : (width, height)
        Image size in pixels.
    time : astropy Time or ISO string, optional
        Scene time (default: the session's, else the first apogee after the default orbit's epoch).
    camera_preset : str, optional
        One of ``smile_viewer.state.CAMERA_PRESETS`` (default: the state's, ``"overview"``).
    state : AppState or SceneState, optional
        Render this state instead of a default one (``time``/``camera_preset`` override it).
    view : str, optional
        ``overview``, ``sun``, ``north`` or ``sxi`` (through SXI from the spacecraft).
    session : path, optional
        A session file (saved by the application, ``AppState.save`` or
        ``smile_viewer.state.session.save_session``: one format) to render; a bad or newer file
        raises ``smile_viewer.state.session.SessionError`` (a ``UserInputError``).

    Raises ``HeadlessGLError`` (a ``UserInputError``) when no OpenGL context can be had,
    naming what to install.
    """
    # validate the output first: no point rendering into a path we cannot write
    out = Path(out_path).expanduser()
    if out.suffix.lower() != ".png":
        raise UserInputError(f"output file {out} must end in .png")
    if not out.resolve().parent.is_dir():
        raise UserInputError(f"directory {out.resolve().parent} does not exist")
    if view is not None:
        camera_preset_for_view(view)  # a bad name fails before any GL work
    image = render_scene_image(
        size, time, camera_preset=camera_preset, state=state, view=view, session=session
    )
    return write_png_atomic(image, out)


__all__ = [
    "VIEWS",
    "HeadlessGLError",
    "camera_preset_for_view",
    "gl_app",
    "render_scene_image",
    "render_scene_png",
    "write_png_atomic",
]
