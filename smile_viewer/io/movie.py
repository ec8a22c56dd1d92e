"""Write frames to an H.264 MP4, atomically, without Qt (the tour command's writer).

imageio-ffmpeg's bundled ffmpeg encodes yuv420p (every player reads it; odd sizes are padded by
one pixel) into a temporary file beside the target (:func:`smile_viewer.io.atomic.atomic_path`),
renamed over it only when the movie is complete: an error, a full disk or an interrupt leaves
no partial movie. The desktop app's movie export (``smile_viewer._qt.export.write_movie``)
writes the same format.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import numpy as np

from smile_viewer.errors import UserInputError
from smile_viewer.io.atomic import atomic_path, check_output_path

log = logging.getLogger(__name__)

__all__ = ["write_mp4"]


def _pad_even(arr: np.ndarray) -> np.ndarray:
    h, w = arr.shape[:2]
    if h % 2 or w % 2:
        arr = np.pad(arr, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")
    return np.ascontiguousarray(arr)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:300] if text else type(exc).__name__


def write_mp4(
    frames: Iterable[np.ndarray], path, fps: float, n_frames: int | None = None, quality: float = 8.0
) -> Path:
    """Encode (H, W, 3) uint8 frames (all one size) to ``path`` (.mp4/.m4v); returns the path.

    Raises a one-line ``UserInputError`` for a bad path, no frames, frames of different sizes,
    a missing imageio-ffmpeg or ffmpeg failing (a full disk, a vanished directory)."""
    target = check_output_path(path)
    if target.suffix.lower() not in (".mp4", ".m4v"):
        raise UserInputError(f"movie file {target} must end in .mp4")
    try:
        # lazy: optional at run time: a missing imageio-ffmpeg gets a one-line message, not an import error
        import imageio_ffmpeg
    except ImportError:
        raise UserInputError("movies need the imageio-ffmpeg package: pip install imageio-ffmpeg") from None
    written = 0
    with atomic_path(target) as tmp:
        writer = None
        size = None
        try:
            for i, frame in enumerate(frames):
                rgb = np.asarray(frame)[..., :3]
                if rgb.dtype != np.uint8 or rgb.ndim != 3:
                    raise ValueError(f"movie frame {i} must be (H, W, 3) uint8, got {rgb.dtype} {rgb.shape}")
                h, w = rgb.shape[:2]
                padded = _pad_even(rgb)
                if writer is None:
                    size = (w, h)
                    writer = imageio_ffmpeg.write_frames(
                        str(tmp),
                        (padded.shape[1], padded.shape[0]),
                        fps=float(fps),
                        codec="libx264",
                        pix_fmt_in="rgb24",
                        pix_fmt_out="yuv420p",
                        quality=quality,
                        macro_block_size=1,
                        ffmpeg_log_level="error",
                        output_params=["-movflags", "+faststart"],
                    )
                    writer.send(None)
                elif (w, h) != size:
                    raise UserInputError(f"movie frame {i} is {w}x{h}, the first was {size[0]}x{size[1]}")
                writer.send(padded)
                written += 1
            if writer is None:
                raise UserInputError("no frames to write: the movie would be empty")
            w_, writer = writer, None
            w_.close()
        except (OSError, RuntimeError) as exc:
            raise UserInputError(f"cannot write the movie {target}: {_one_line(exc)}") from None
        finally:
            if writer is not None:
                try:
                    writer.close()
                except Exception:  # already failing: the temporary file goes
                    log.debug("ffmpeg did not close cleanly", exc_info=True)
    log.info("wrote %d frames to %s", written, target)
    return target
