"""Render a camera tour off window, frame by frame, at any size (no Qt needed).

:class:`TourRenderer` keeps one :class:`~smile_viewer._vispy.scene.SceneView` on an off-window
canvas of the output size (the GL context from :func:`smile_viewer._vispy.headless.gl_app`),
with the caption, legend and colour bar laid out for that size (``hud_scale``: type and
margins grow with the frame, so a 4K frame reads like a 1280 × 800 window). Each frame applies
a :class:`~smile_viewer.state.tour.TourSample` (scene time, layers, solar wind, camera) and
draws it; the keyframe's caption is a band at the bottom centre.

``projection="dome"`` / ``"equirect"`` draws the frame through
:func:`smile_viewer._vispy.projections.render_projection` (a cube map of the scene around the
tour's camera) instead: no caption or legend (a dome has no "bottom of the screen").

:func:`render_tour` writes a whole tour: an MP4 (imageio-ffmpeg) or a folder of PNGs, both
atomically (a temporary file/folder renamed at the end: a failure or a cancel leaves nothing).
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image

from smile_viewer._vispy import headless
from smile_viewer.cancel import Cancelled, is_cancelled
from smile_viewer.errors import UserInputError
from smile_viewer.io.movie import write_mp4
from smile_viewer.state.tour import Tour, TourSample, turntable_from_pose

log = logging.getLogger(__name__)

__all__ = [
    "PROJECTIONS",
    "TourCancelled",
    "TourRenderer",
    "gl_max_size",
    "hud_scale_for",
    "render_tour",
]

PROJECTIONS = ("perspective", "dome", "equirect")
#: Rays cast through the emission volume per tour frame (it is a smooth glow, drawn at a fraction
#: of the frame's resolution and smoothly enlarged): about 860 × 480, whatever the frame size, so a
#: 4K frame costs little more than a 1080p one (benchmarks/bench_tour.py).
TOUR_VOLUME_RAYS = 400_000


def volume_resolution_for(size: tuple[int, int]) -> float:
    """Fraction of the frame's resolution the emission volume is cast at (at most 1)."""
    w, h = size
    return float(min(1.0, (TOUR_VOLUME_RAYS / max(w * h, 1)) ** 0.5))


CAPTION_COLOR = (0.96, 0.97, 1.0, 1.0)
CAPTION_BAND_COLOR = (0.0, 0.0, 0.03, 0.62)

_GL_MAX: int | None = None


class TourCancelled(Cancelled):
    """The caller's cancel flag was set: rendering stopped, nothing written."""


def hud_scale_for(size: tuple[int, int]) -> float:
    """Type and margin scale for a frame of ``size``: 1 at 1280 × 800, growing with the frame."""
    w, h = size
    return max(1.0, min(w / 1280.0, h / 800.0))


def gl_max_size(app=None) -> int:
    """Largest frame side this OpenGL can draw into (min of its texture, renderbuffer and
    viewport limits), asked once with a tiny canvas."""
    global _GL_MAX
    if _GL_MAX is not None:
        return _GL_MAX
    app = app or headless.gl_app((64, 64))
    # lazy: vispy loads after the GL platform is chosen (headless.gl_app)
    from vispy import gloo

    canvas = headless.offscreen_canvas((16, 16), app)
    try:
        canvas.set_current()
        gl = gloo.gl
        vals = [
            int(np.max(gl.glGetParameter(gl.GL_MAX_TEXTURE_SIZE))),
            int(np.max(gl.glGetParameter(gl.GL_MAX_RENDERBUFFER_SIZE))),
        ]
        with contextlib.suppress(Exception):
            dims = gl.glGetParameter(gl.GL_MAX_VIEWPORT_DIMS)
            vals.append(int(np.min(dims)))
        _GL_MAX = max(16, min(v for v in vals if v > 0))
    finally:
        canvas.close()
    return _GL_MAX


def _check_size(size, projection: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in size)
    except (TypeError, ValueError):
        raise UserInputError(f"size must be WIDTHxHEIGHT in pixels, got {size!r}") from None
    if w < 16 or h < 16:
        raise UserInputError(f"size {w}x{h} too small (16 pixels a side at least)")
    if projection == "dome" and w != h:
        raise UserInputError(f"a dome master is square: give a size N x N, not {w}x{h}")
    if projection == "equirect" and w != 2 * h:
        raise UserInputError(f"an equirectangular frame is 2:1: give a size 2N x N, not {w}x{h}")
    return w, h


class TourRenderer:
    """Draws tour samples into images of one size (see the module docstring).

    Parameters
    ----------
    app_state : AppState
        The state to draw; a deep copy is used (the caller's state is not changed).
    size : (width, height)
        Frame size in pixels; above the GL limit (:func:`gl_max_size`) a one-line
        ``UserInputError`` names the largest size possible.
    projection : "perspective", "dome" or "equirect"
    tilt_deg : float
        Dome only: the view direction this far below the zenith.
    """

    def __init__(self, app_state, size, *, projection: str = "perspective", tilt_deg: float = 0.0):
        proj = str(projection).strip().lower()
        if proj not in PROJECTIONS:
            raise UserInputError(f"unknown projection {projection!r}; choose {', '.join(PROJECTIONS)}")
        if proj != "dome" and tilt_deg:
            raise UserInputError("--tilt applies to dome masters only")
        self.projection = proj
        self.tilt_deg = float(tilt_deg)
        self.size = _check_size(size, proj)
        w, h = self.size
        app = headless.gl_app((min(w, 1920), min(h, 1080)))
        limit = gl_max_size(app)
        if proj == "perspective" and max(w, h) > limit:
            raise UserInputError(
                f"size {w}x{h} is larger than this OpenGL can draw: at most {limit}x{limit} pixels"
            )
        if proj != "perspective" and max(w, h) > 8192:
            raise UserInputError(f"size {w}x{h} too large for a {proj} frame: at most 8192 pixels a side")
        # lazy: vispy loads after the GL platform is chosen (headless.gl_app)
        from vispy import scene as vscene

        # lazy: vispy loads after the GL platform is chosen (headless.gl_app)
        from smile_viewer._vispy.scene import SceneView

        self.app_state = copy.deepcopy(app_state)
        self.hud_scale = hud_scale_for(self.size) if proj == "perspective" else 1.0
        canvas_size = self.size if proj == "perspective" else (256, 256)
        self.canvas = headless.offscreen_canvas(canvas_size, app)
        self.view = SceneView(
            self.app_state,
            canvas=self.canvas,
            pixel_scale=self.hud_scale,
            volume_resolution=volume_resolution_for(self.size),
        )
        ps = self.hud_scale
        self.caption_band = vscene.visuals.Rectangle(
            center=(0, 0), width=10, height=10, color=CAPTION_BAND_COLOR, parent=self.canvas.scene
        )
        self.caption_band.order = 960
        self.caption = vscene.visuals.Text(
            "",
            color=CAPTION_COLOR,
            font_size=18 * ps,
            bold=True,
            anchor_x="center",
            anchor_y="center",
            parent=self.canvas.scene,
            font_manager=self.view.fonts,
        )
        self.caption.order = 961
        self.caption_rect: tuple[float, float, float, float] | None = None
        self._range_set = False
        self._set_caption("")

    # -- one frame --------------------------------------------------------------------------
    def apply(self, sample: TourSample) -> None:
        """Set the scene (time, layers, solar wind) and camera of ``sample``."""
        st = self.app_state
        if sample.layers is not None:
            labels = st.scene.layers.labels
            st.scene.layers = sample.layers.model_copy()
            if self.projection != "perspective":
                st.scene.layers.labels = labels
        if sample.solar_wind is not None:
            sw = st.model.solar_wind
            new = {"n_cm3": sample.solar_wind.n_cm3, "v_km_s": sample.solar_wind.v_km_s}
            new["bz_nt"] = sample.solar_wind.bz_nt
            if any(abs(getattr(sw, k) - v) > 1e-9 * max(1.0, abs(v)) for k, v in new.items()):
                sw.update(new)
        if st.scene.time.isot != sample.time:
            st.scene.time = sample.time
        self.sample = sample
        if self.projection == "perspective":
            tt = turntable_from_pose(sample.camera)
            cam = self.view.turntable
            if self.view.view.camera is not cam:
                self.view.view.camera = cam
            self.view._camera_setup = None  # a free camera: no preset re-framing
            cam.fov = tt["fov"]
            cam.azimuth, cam.elevation, cam.roll = tt["azimuth"], tt["elevation"], tt["roll"]
            cam.distance = tt["distance"]
            cam.center = tt["center"]
            if not self._range_set:  # the volume's colour range from the first frame's camera,
                self.view._update_volume_view()  # then held: no brightness flicker in flight
                self._range_set = True
            self._set_caption(sample.caption if st.scene.layers.labels else "")

    def _set_caption(self, text: str) -> None:
        w, h = self.canvas.size
        ps = self.hud_scale
        text = " ".join(str(text).split())
        self.caption.visible = self.caption_band.visible = bool(text)
        self.caption_rect = None
        if not text:
            return
        # room between the credit line (left) and the colour bar (right) at the bottom
        room = w - 2 * 290 * ps
        size = 18.0 * ps
        est = len(text) * size * 0.62 * 1.33  # points → pixels, a generous glyph width
        if est > room:
            size = max(9.0 * ps, size * room / est)
            est = len(text) * size * 0.62 * 1.33
        if est > room:  # still too long: cut it, whole words
            keep = max(8, int(room / (size * 0.62 * 1.33)) - 1)
            text = text[:keep].rsplit(" ", 1)[0] + "…"
            est = len(text) * size * 0.62 * 1.33
        band_h = size * 1.33 * 1.9
        cy = h - 16 * ps - band_h / 2 - 40 * ps
        self.caption.font_size = size
        self.caption.text = text
        self.caption.pos = (w / 2, cy)
        bw = min(est + 40 * ps, w - 8 * ps)
        self.caption_band.center = (w / 2, cy)
        self.caption_band.width = bw
        self.caption_band.height = band_h
        self.caption_rect = (w / 2 - bw / 2, cy - band_h / 2, bw, band_h)

    def render(self, sample: TourSample | None = None) -> np.ndarray:
        """(H, W, 3) uint8 of ``sample`` (or of the last one applied)."""
        if sample is not None:
            self.apply(sample)
        if self.projection == "perspective":
            img = self.view.render(alpha=False)[..., :3]
        else:
            # lazy: the projections module is only needed for dome / 360° frames
            from smile_viewer._vispy.projections import render_projection

            cam = self.sample.camera
            m = cam.matrix()  # columns right, up, backwards
            rot = np.column_stack([m[:, 0], -m[:, 1], -m[:, 2]])  # right, down, forward
            img = render_projection(
                self.view, self.projection, self.size, cam.position_re, rot, self.tilt_deg
            )[..., :3]
        if img.shape[:2] != (self.size[1], self.size[0]):  # a HiDPI backend
            img = np.asarray(
                Image.fromarray(np.ascontiguousarray(img)).resize(self.size, Image.Resampling.LANCZOS)
            )
        return np.ascontiguousarray(img)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.view.close()


# -- a whole tour ------------------------------------------------------------------------------
def _png_folder_target(out: Path) -> Path:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise UserInputError(
            f"output folder {out} exists and is not empty: give a new folder for the PNG frames"
        )
    if not out.parent.is_dir():
        raise UserInputError(f"output folder {out}: directory {out.parent} does not exist")
    if not os.access(out.parent, os.W_OK):
        raise UserInputError(f"cannot write into {out.parent}: permission denied")
    return out


def render_tour(
    app_state,
    out,
    size=(1920, 1080),
    fps: float = 30.0,
    *,
    projection: str = "perspective",
    tilt_deg: float = 0.0,
    progress: Callable[[int, int], object] | None = None,
    cancel=None,
) -> Path:
    """Render ``app_state.tour`` to ``out`` and return its path.

    ``out`` ending in ``.mp4`` (or ``.m4v``): an H.264 movie (imageio-ffmpeg); any other name: a
    new folder of ``frame_00000.png`` … . Both appear only when complete. ``progress(i, n)``
    after each frame; ``cancel`` (a callable, an Event or an object with ``cancelled``) stops
    between frames with :class:`TourCancelled`. Bad input raises one-line ``UserInputError``s:
    no keyframes, a size too large for the GL context, an unwritable output, a full disk.
    """
    tour: Tour = app_state.tour
    times = tour.frame_times(fps)  # no keyframes: one-line error before any GL work
    fps = float(fps)
    if not (0 < fps <= 240):
        raise UserInputError(f"frames per second must be in (0, 240], got {fps:g}")
    out = Path(os.fspath(out)).expanduser()
    movie = out.suffix.lower() in (".mp4", ".m4v")
    if movie:
        # lazy: the movie writer (imageio-ffmpeg) only for movies
        from smile_viewer.io.atomic import check_output_path

        check_output_path(out)
        if not os.access(out.parent if str(out.parent) else ".", os.W_OK):
            raise UserInputError(f"cannot write {out}: permission denied")
    else:
        _png_folder_target(out)
    renderer = TourRenderer(app_state, size, projection=projection, tilt_deg=tilt_deg)
    n = len(times)

    def frames():
        for i, t in enumerate(times):
            if is_cancelled(cancel):
                raise TourCancelled()
            img = renderer.render(tour.sample(t))
            yield img
            if progress is not None:
                progress(i + 1, n)

    try:
        if movie:
            write_mp4(frames(), out, fps, n)
        else:
            _write_png_folder(frames(), out)
    finally:
        renderer.close()
    return out


def _write_png_folder(frames, out: Path) -> None:
    tmp = out.parent / f".{out.name}.{secrets.token_hex(4)}.tmp"
    tmp.mkdir()
    try:
        for i, img in enumerate(frames):
            try:
                Image.fromarray(img).save(tmp / f"frame_{i:05d}.png", format="PNG")
            except OSError as exc:
                raise UserInputError(f"cannot write the frames into {out}: {exc.strerror or exc}") from None
        if out.exists():
            out.rmdir()  # checked empty before rendering
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
