"""Write frames to an H.264 MP4, atomically, without Qt: the one movie writer of the desktop
app's movie export and of the ``tour`` command.

imageio-ffmpeg's bundled ffmpeg encodes yuv420p (every player reads it; odd sizes are padded by
one pixel) into a temporary file beside the target (:func:`smile_viewer.io.atomic.atomic_path`),
renamed over it only when the movie is complete: an error, a full disk, a cancel or an
interrupt leaves no partial movie and an existing file untouched.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.cancel import Cancelled, is_cancelled
from smile_viewer.errors import UserInputError
from smile_viewer.io.atomic import atomic_path, check_output_path

log = logging.getLogger(__name__)

__all__ = ["MOVIE_SUFFIXES", "FrameSource", "write_mp4"]

#: File name endings accepted for movies (H.264 in an MP4 container).
MOVIE_SUFFIXES = (".mp4", ".m4v")

#: ``frames(i) -> array`` for ``i`` in ``range(n_frames)``, or an iterable of arrays.
FrameSource = Callable[[int], np.ndarray] | Iterable[np.ndarray]


def _as_rgb8(frame, index: int) -> np.ndarray:
    """(H, W, 3) uint8 from (H, W), (H, W, 3|4) uint8 or floats in 0..1."""
    arr = np.asarray(frame)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    if arr.ndim != 3 or arr.shape[2] not in (3, 4):
        raise ValueError(f"movie frame {index} must be (H, W), (H, W, 3) or (H, W, 4), got {arr.shape}")
    arr = arr[..., :3]
    if arr.dtype != np.uint8:
        if np.issubdtype(arr.dtype, np.floating):
            arr = np.clip(np.nan_to_num(arr) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        else:
            raise ValueError(f"movie frame {index} must be uint8 (or float in 0..1), got {arr.dtype}")
    return arr


def _pad_even(arr: np.ndarray) -> np.ndarray:
    h, w = arr.shape[:2]
    if h % 2 or w % 2:
        arr = np.pad(arr, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    return np.ascontiguousarray(arr)


def _frame_iter(frames: FrameSource, n_frames: int | None) -> Iterator[np.ndarray]:
    if callable(frames):
        if n_frames is None:
            raise ValueError("n_frames is needed when frames is a callable")
        for i in range(n_frames):
            yield frames(i)
    else:
        for i, f in enumerate(frames):
            if n_frames is not None and i >= n_frames:
                break
            yield f


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] if text else type(exc).__name__


def _ffmpeg():
    try:
        # lazy: optional at run time: a missing imageio-ffmpeg gets a one-line message, not an import error
        import imageio_ffmpeg
    except ImportError:
        raise UserInputError("movies need the imageio-ffmpeg package: pip install imageio-ffmpeg") from None
    return imageio_ffmpeg


def write_mp4(
    frames: FrameSource,
    path,
    fps: float = 25.0,
    n_frames: int | None = None,
    *,
    progress: Callable[[float], Any] | None = None,
    cancel=None,
    quality: float = 8.0,
    codec: str = "libx264",
) -> Path:
    """Encode ``frames`` to an MP4 (H.264, yuv420p) file at ``path``, atomically; returns the path.

    ``frames``: ``frames(i)`` for ``i`` in ``range(n_frames)``, or an iterable of (H, W, 3|4)
    or (H, W) uint8 arrays (floats in 0..1 are scaled), all the size of the first; ``fps``:
    frames per second; ``n_frames``: needed for a callable, caps an iterable, gives progress
    fractions; ``progress(fraction)`` after each frame (NaN when the count is unknown);
    ``cancel`` (see :func:`smile_viewer.cancel.is_cancelled`) is checked before each frame and
    raises :class:`~smile_viewer.cancel.Cancelled`; ``quality``: imageio-ffmpeg's 0..10.

    Raises a one-line ``UserInputError`` for a bad path, no frames, frames of different sizes,
    a missing imageio-ffmpeg or ffmpeg failing (a full disk, a vanished directory); an error
    raised by ``frames`` itself passes through. The target file is then untouched.
    """
    target = check_output_path(path)
    if target.suffix.lower() not in MOVIE_SUFFIXES:
        raise UserInputError(f"movie file {target} must end in .mp4")
    fps = float(fps)
    if not (0 < fps <= 240):
        raise UserInputError(f"frames per second must be in (0, 240], got {fps:g}")
    if n_frames is not None:
        n_frames = int(n_frames)
        if n_frames < 1:
            raise UserInputError(f"a movie needs at least one frame, got n_frames={n_frames}")
    elif hasattr(frames, "__len__"):
        n_frames = len(frames)  # type: ignore[arg-type]
    ffmpeg = _ffmpeg()

    def ff(call, *args):
        """Run a step of the ffmpeg writer; its failures become one-line UserInputErrors."""
        try:
            return call(*args)
        except (OSError, RuntimeError) as exc:
            raise UserInputError(
                f"cannot write the movie {target}: ffmpeg failed: {_one_line(exc)}"
            ) from None

    written = 0
    with atomic_path(target) as tmp:
        writer = None
        size: tuple[int, int] | None = None  # (w, h) of the first frame, before padding
        try:
            for i, frame in enumerate(_frame_iter(frames, n_frames)):
                if is_cancelled(cancel):
                    raise Cancelled()
                rgb = _as_rgb8(frame, i)
                h, w = rgb.shape[:2]
                if size is None:
                    size = (w, h)
                elif (w, h) != size:
                    raise UserInputError(
                        f"movie frame {i} is {w}x{h}, but the first frame was {size[0]}x{size[1]}"
                    )
                padded = _pad_even(rgb)
                if writer is None:
                    writer = ffmpeg.write_frames(
                        str(tmp),
                        (padded.shape[1], padded.shape[0]),
                        fps=fps,
                        codec=codec,
                        pix_fmt_in="rgb24",
                        pix_fmt_out="yuv420p",
                        quality=quality,
                        macro_block_size=1,
                        ffmpeg_log_level="error",
                        output_params=["-movflags", "+faststart"],
                    )
                    ff(writer.send, None)  # start ffmpeg
                ff(writer.send, padded)
                written += 1
                if progress is not None:
                    progress(written / n_frames if n_frames else float("nan"))
            if is_cancelled(cancel):
                raise Cancelled()
            if writer is None:
                raise UserInputError("no frames to write: the movie would be empty")
            w_, writer = writer, None
            ff(w_.close)  # finishes encoding; raises when ffmpeg failed
        finally:
            if writer is not None:  # failed or cancelled: stop ffmpeg, the temporary file goes
                try:
                    writer.close()
                except Exception:  # noqa: BLE001 - already failing: the temporary file goes
                    log.debug("ffmpeg did not close cleanly", exc_info=True)
    log.info("wrote %d frames to %s", written, target)
    return target
