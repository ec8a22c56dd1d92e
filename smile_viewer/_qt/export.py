"""Screenshots and movies: the 3-D canvas, any widget, and MP4 movies of a time range.

- :func:`save_canvas_png` renders a vispy ``SceneCanvas`` (or anything with its
  ``render(size=..., alpha=...)`` method, such as ``smile_viewer._vispy.scene.SceneView``,
  which is preferred: it restores GL state before drawing) to a PNG, optionally at another
  size than the window (the picture is re-rendered, not scaled).
- :func:`save_widget_png` grabs a widget (an image panel, a plot, the whole window).
- Movies are encoded by :func:`smile_viewer.io.movie.write_mp4` (H.264 MP4, progress, a
  cancel flag; the tour command's writer too). :func:`canvas_frames` makes the frames of a
  time range from a canvas and a "set the scene time" callable.
- :func:`export_movie_with_progress` runs :func:`~smile_viewer.io.movie.write_mp4` under a ``QProgressDialog``
  with a Cancel button.

Every file is written atomically (:mod:`smile_viewer.io.atomic`): a failed or cancelled
export leaves no partial file and an existing file untouched. Frames from the 3-D canvas
must be drawn on the GUI thread (the OpenGL context lives there), so movies are made on the
GUI thread with the progress dialog keeping the window responsive between frames.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QSpinBox,
    QWidget,
)

from smile_viewer._qt.pyside_compat import apply_pyside_fixes
from smile_viewer._qt.workers import describe_exception
from smile_viewer._vispy.headless import offscreen_canvas
from smile_viewer.cancel import Cancelled
from smile_viewer.errors import UserInputError
from smile_viewer.io.atomic import atomic_path, check_output_path
from smile_viewer.io.movie import FrameSource, write_mp4

apply_pyside_fixes()

log = logging.getLogger(__name__)

__all__ = [
    "canvas_frames",
    "export_movie_with_progress",
    "save_canvas_png",
    "save_cut_plane",
    "save_widget_png",
    "write_png",
]


# -- still images ---------------------------------------------------------------------------------
def _png_target(path) -> Path:
    p = check_output_path(path)
    if p.suffix.lower() != ".png":
        raise UserInputError(f"output file {p} must end in .png")
    return p


def write_png(image: np.ndarray, path) -> Path:
    """Write an (H, W), (H, W, 3) or (H, W, 4) uint8 array as a PNG, atomically."""
    p = _png_target(path)
    arr = np.ascontiguousarray(image)
    if arr.dtype != np.uint8:
        raise ValueError(f"PNG export needs uint8 pixels, got {arr.dtype}")
    if not (arr.ndim == 2 or (arr.ndim == 3 and arr.shape[2] in (3, 4))):
        raise ValueError(f"PNG export needs an (H, W), (H, W, 3) or (H, W, 4) array, got {arr.shape}")
    with atomic_path(p) as tmp:
        Image.fromarray(arr).save(tmp, format="PNG")
    return p


def _check_size(size) -> tuple[int, int] | None:
    if size is None:
        return None
    try:
        w, h = (int(v) for v in size)
    except (TypeError, ValueError):
        raise UserInputError(f"size must be (width, height) in pixels, got {size!r}") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise UserInputError(f"size {w}x{h} out of range (16..8192 pixels a side)")
    return w, h


def render_canvas(canvas, size=None, *, alpha: bool = False) -> np.ndarray:
    """Draw ``canvas`` (a SceneCanvas or SceneView) off-screen; (H, W, 3|4) uint8.

    With ``size`` = (width, height) different from the canvas:

    - a ``SceneView`` (the 3-D view) is drawn again on an off-window canvas of that size
      (:func:`offscreen_view`): the camera as it is, the caption, legend and colour bar laid
      out for that size and aspect, type scaled with it — nothing is cropped away;
    - a plain ``SceneCanvas`` is re-rendered at the scale that covers that size (sharp text,
      lines and textures) and centre-cropped when the aspect ratio differs (never distorted).
    """
    wh = _check_size(size)
    vcanvas = getattr(canvas, "canvas", canvas)  # SceneView -> its SceneCanvas
    if wh is not None and _is_scene_view(canvas) and tuple(wh) != tuple(int(v) for v in vcanvas.size):
        with offscreen_view(canvas, wh) as off:
            return render_canvas(off, None, alpha=alpha)
    if wh is None:
        img = canvas.render(alpha=alpha)
    else:
        cw, ch = (float(v) for v in vcanvas.size)
        scale = max(wh[0] / cw, wh[1] / ch)
        full = (max(wh[0], round(cw * scale)), max(wh[1], round(ch * scale)))
        img = _render_scaled(canvas, vcanvas, full, alpha)
        x0 = (img.shape[1] - wh[0]) // 2
        y0 = (img.shape[0] - wh[1]) // 2
        img = img[y0 : y0 + wh[1], x0 : x0 + wh[0]]
    img = np.asarray(img)
    if not alpha and img.ndim == 3 and img.shape[2] == 4:
        img = img[..., :3]
    return np.ascontiguousarray(img)


def _is_scene_view(obj) -> bool:
    return hasattr(obj, "app_state") and hasattr(obj, "turntable") and hasattr(obj, "canvas")


@contextlib.contextmanager
def offscreen_view(scene_view, size):
    """A second 3-D view of ``scene_view``'s state on an off-window canvas of ``size``
    (width, height), for as long as the ``with`` block lasts (GUI thread).

    It starts from the data already on screen (boundaries, field lines, volume: no rebuild),
    follows the state afterwards (a movie's time steps), and has the window's camera: a framing
    preset the user has not moved is framed again for the new size and aspect, a moved camera
    keeps its place, angles and zoom (a wider frame shows more on the sides). Caption, legend and
    colour bar are laid out for the size, type scaled with it (1 at 1280 × 800).
    """
    # lazy: the scene module (loaded with the window already) and the tour renderer's size rule
    from smile_viewer._vispy.scene import InstrumentViewSetup
    from smile_viewer._vispy.tour_render import hud_scale_for

    w, h = _check_size(size)
    main = scene_view
    # its own GL context, not the window's (smile_viewer._vispy.headless.own_gl_context)
    canvas = offscreen_canvas((w, h), main.canvas.app)
    off = type(main)(
        main.app_state,
        canvas=canvas,
        orbit=main.orbit,
        pixel_scale=hud_scale_for((w, h)),
        update_policy="async",
        volume_resolution=1.0,  # a still: the volume at full resolution
    )
    try:
        off.flush()  # requests out (nobody builds them): the window's data goes in instead
        for kind, data in dict(main.data).items():
            with contextlib.suppress(Exception):
                off.apply_data(kind, off.generation(kind), data)
        off.update_policy = "sync"  # later changes (a movie's frames) are built here
        missing = [k for k in ("boundaries", "field_lines", "volume") if k not in main.data]
        if missing:
            off._mark_dirty(*missing)
        setup = getattr(main, "_camera_setup", None)
        moved = main._camera_state() != getattr(main, "_camera_signature", ())
        if isinstance(setup, InstrumentViewSetup):  # SMILE's imagers and observed images
            off.set_instrument_view(setup)
        elif setup is not None and getattr(setup, "fit", False) and not moved:
            off.set_camera(setup)
        else:
            src, dst = main.turntable, off.turntable
            off.view.camera = dst
            off._camera_setup = None
            dst.fov, dst.azimuth, dst.elevation, dst.roll = src.fov, src.azimuth, src.elevation, src.roll
            dst.scale_factor = src.scale_factor
            dst.distance = src.distance
            dst.center = tuple(src.center)
            off._update_volume_view()
        yield off
    finally:
        off.close()


def _render_scaled(canvas, vcanvas, size: tuple[int, int], alpha: bool) -> np.ndarray:
    """``canvas.render(size=size)`` with the whole canvas scaled into the image.

    vispy (0.14-0.17) maps the canvas 1:1 into a framebuffer of another size (the picture
    lands in a corner); here the outermost framebuffer's transform is configured with its
    real size, so the canvas fills it.
    """
    if tuple(size) == tuple(round(v * vcanvas.pixel_scale) for v in vcanvas.size):
        return canvas.render(alpha=alpha)
    original = vcanvas.push_fbo
    depth = [0]

    def push_fbo(fbo, offset, csize):
        original(fbo, offset, csize)
        depth[0] += 1
        if depth[0] == 1:
            h, w = fbo.color_buffer.shape[:2]
            s = vcanvas.pixel_scale
            vcanvas.transforms.configure(
                viewport=(0, 0, w, h),
                fbo_size=(w, h),
                fbo_rect=(offset[0] * s, offset[1] * s, csize[0] * s, csize[1] * s),
            )

    vcanvas.push_fbo = push_fbo
    try:
        return canvas.render(size=size, alpha=alpha)
    finally:
        del vcanvas.push_fbo


def save_canvas_png(canvas, path, size=None, *, alpha: bool = False) -> Path:
    """Render a vispy canvas (or ``SceneView``) to a PNG file and return its path.

    ``size``: (width, height) in pixels to render at (default: the canvas size; see
    :func:`render_canvas` for another size or aspect); ``alpha``: keep the transparent
    background. Raises ``UserInputError`` for a bad path or size.
    """
    p = _png_target(path)  # check before drawing
    return write_png(render_canvas(canvas, size, alpha=alpha), p)


def save_widget_png(widget, path) -> Path:
    """Grab a widget as it is on screen (children included) and save it as a PNG."""
    p = _png_target(path)
    pixmap = widget.grab()
    if pixmap.isNull():
        raise UserInputError(f"cannot grab the {widget.objectName() or type(widget).__name__} widget")
    with atomic_path(p) as tmp:
        if not pixmap.save(str(tmp), "PNG"):
            raise UserInputError(f"cannot write {p}: Qt could not save the PNG")
    return p


# -- choosing a size -----------------------------------------------------------------------------
#: Sizes offered for screenshots and movies: key, label, (width, height) or None (the window's).
SIZE_CHOICES: tuple[tuple[str, str, tuple[int, int] | None], ...] = (
    ("window", "Window size", None),
    ("720p", "720p — 1280 × 720", (1280, 720)),
    ("1080p", "1080p (Full HD) — 1920 × 1080", (1920, 1080)),
    ("1440p", "1440p — 2560 × 1440", (2560, 1440)),
    ("4k", "4K (UHD) — 3840 × 2160", (3840, 2160)),
    ("custom", "Custom…", None),
)


class SizeChooser(QWidget):
    """A size for a screenshot or a movie: the window's, 1080p, 4K, … or custom (pixels).

    The picture is drawn again at that size with the overlays laid out for it (never cropped).
    """

    def __init__(self, parent=None, window_size: tuple[int, int] | None = None):
        super().__init__(parent)
        self.setObjectName("sizeChooser")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self.combo = QComboBox(self)
        self.combo.setObjectName("sizeCombo")
        for key, label, _wh in SIZE_CHOICES:
            if key == "window" and window_size:
                label = f"Window size — {window_size[0]} × {window_size[1]}"
            self.combo.addItem(label, key)
        self.width_box = QSpinBox(self)
        self.height_box = QSpinBox(self)
        for box, value in ((self.width_box, 1920), (self.height_box, 1080)):
            box.setRange(16, 8192)
            box.setValue(value)
            box.setSuffix(" px")
        self.times = QLabel("×", self)
        lay.addWidget(self.combo, 1)
        for wdg in (self.width_box, self.times, self.height_box):
            lay.addWidget(wdg)
        self.combo.currentIndexChanged.connect(self._update)
        self._update()

    def choose(self, key: str) -> None:
        i = self.combo.findData(key)
        if i < 0:
            raise ValueError(f"unknown size {key!r}")
        self.combo.setCurrentIndex(i)

    def _update(self, *_args) -> None:
        custom = self.combo.currentData() == "custom"
        for wdg in (self.width_box, self.times, self.height_box):
            wdg.setVisible(custom)

    def size_px(self) -> tuple[int, int] | None:
        """(width, height) in pixels, or None for the window's own size."""
        key = self.combo.currentData()
        if key == "custom":
            return self.width_box.value(), self.height_box.value()
        return dict((k, wh) for k, _l, wh in SIZE_CHOICES)[key]


def ask_image_size(parent, title: str, window_size: tuple[int, int] | None = None):
    """A small dialog asking for a size (:class:`SizeChooser`): ``(True, size or None)`` or
    ``(False, None)`` when cancelled."""
    dlg = QDialog(parent)
    dlg.setWindowTitle(title)
    form = QFormLayout(dlg)
    chooser = SizeChooser(dlg, window_size)
    form.addRow("Size", chooser)
    note = QLabel("Drawn again at this size: caption, legend and colour bar laid out for it.", dlg)
    note.setWordWrap(True)
    form.addRow(note)
    bb = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, dlg)
    bb.accepted.connect(dlg.accept)
    bb.rejected.connect(dlg.reject)
    form.addRow(bb)
    if dlg.exec() != QDialog.DialogCode.Accepted:
        return False, None
    return True, chooser.size_px()


# -- movies -------------------------------------------------------------------------------------
def canvas_frames(
    canvas, times: Sequence, set_time: Callable[[Any], Any], size=None
) -> Callable[[int], np.ndarray]:
    """``frames(i)`` for :func:`~smile_viewer.io.movie.write_mp4`: set the scene time to ``times[i]`` and render.

    ``canvas``: a ``SceneView`` or ``SceneCanvas``; ``set_time(t)`` moves the application
    state (e.g. ``lambda t: setattr(state, "time", t)``); ``size``: (width, height) of the
    frames (default: the canvas size). Must be called on the GUI thread.
    """
    wh = _check_size(size)

    def frame(i: int) -> np.ndarray:
        set_time(times[i])
        return render_canvas(canvas, wh)

    return frame


def export_movie_with_progress(
    parent,
    frames: FrameSource,
    path,
    fps: float = 25.0,
    n_frames: int | None = None,
    *,
    title: str = "Export movie",
    label: str | None = None,
    show_errors: bool = True,
    **movie_kwargs,
) -> Path | None:
    """Write a movie with a modal progress dialog and a Cancel button (GUI thread).

    Returns the path, or None when the user cancelled (no file is left) or, with
    ``show_errors``, when it failed (a warning dialog says why). Without ``show_errors``
    errors are raised. Other keyword arguments go to :func:`~smile_viewer.io.movie.write_mp4`.
    """
    if n_frames is None and hasattr(frames, "__len__"):
        n_frames = len(frames)  # type: ignore[arg-type]
    dialog = QProgressDialog(
        label or f"Writing {Path(str(path)).name}…", "Cancel", 0, 1000 if n_frames else 0, parent
    )
    dialog.setObjectName("movieProgressDialog")
    dialog.setWindowTitle(title)
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setAutoClose(False)
    dialog.setAutoReset(False)
    dialog.setValue(0)
    dialog.show()
    QCoreApplication.processEvents()

    def on_progress(fraction: float) -> None:
        if np.isfinite(fraction):
            dialog.setValue(round(fraction * 1000))
        QCoreApplication.processEvents()

    try:
        return write_mp4(
            frames, path, fps, n_frames, progress=on_progress, cancel=dialog.wasCanceled, **movie_kwargs
        )
    except Cancelled:
        log.info("movie export cancelled; no file written")
        return None
    except Exception as exc:
        if not show_errors:
            raise
        err = describe_exception(exc)
        QMessageBox.warning(parent, title, f"The movie was not written.\n\n{err.message}")
        return None
    finally:
        dialog.close()
        dialog.deleteLater()


# -- cut planes -------------------------------------------------------------------------------------
def save_cut_plane(path, cut, rgba: np.ndarray, source: str = "") -> Path:
    """Write a cut plane (:class:`~smile_viewer.physics.cut_plane.PlaneCut`): ``.png`` — its
    colours ``rgba`` ((nv, nu, 4) uint8, as drawn), v up, each sample enlarged to a square of
    pixels so the long side is at least 600 px; ``.csv`` — x, y, z and the value with units
    (:func:`smile_viewer.io.cut_plane.write_cut_csv`). Atomic; returns the path."""
    # lazy: the CSV writer loads with the first cut exported
    from smile_viewer.io.cut_plane import write_cut_csv

    p = check_output_path(path)
    if p.suffix.lower() == ".csv":
        return write_cut_csv(p, cut, source=source)
    if p.suffix.lower() != ".png":
        raise UserInputError(f"output file {p} must end in .png or .csv")
    img = np.ascontiguousarray(np.asarray(rgba, dtype=np.uint8)[::-1])  # row 0 at the top: v up
    k = max(1, -(-600 // max(img.shape[:2])))
    return write_png(np.repeat(np.repeat(img, k, axis=0), k, axis=1), p)
