"""The Qt-free MP4 writer (the tour command's and the window's movie export): a complete movie or nothing."""

from __future__ import annotations

import errno

import numpy as np
import pytest

from smile_viewer.errors import UserInputError
from smile_viewer.io.movie import write_mp4


def _frames(n, w=33, h=20):
    for i in range(n):
        img = np.zeros((h, w, 3), np.uint8)
        img[:, : (i + 1) * w // n] = (200, 120, 40)
        yield img


def test_writes_every_frame_odd_size_padded(tmp_path):
    import imageio_ffmpeg

    out = write_mp4(_frames(5), tmp_path / "m.mp4", 10.0, 5)
    reader = imageio_ffmpeg.read_frames(str(out))
    meta = next(reader)
    assert tuple(meta["size"]) == (34, 20)  # yuv420p needs even sides: one column added
    assert sum(1 for _ in reader) == 5
    assert [p.name for p in tmp_path.iterdir()] == ["m.mp4"]


def test_disk_full_is_one_line_and_leaves_nothing(tmp_path, monkeypatch):
    import imageio_ffmpeg

    real = imageio_ffmpeg.write_frames

    def failing(*args, **kwargs):
        gen = real(*args, **kwargs)

        def wrapper():
            try:
                frame = yield
                n = 0
                while True:
                    if frame is not None:
                        n += 1
                        if n == 3:
                            raise OSError(errno.ENOSPC, "No space left on device")
                        gen.send(frame)
                    frame = yield
            finally:
                gen.close()  # (stops the real ffmpeg)

        w = wrapper()
        gen.send(None)
        return w

    monkeypatch.setattr(imageio_ffmpeg, "write_frames", failing)
    (tmp_path / "old.mp4").write_bytes(b"previous movie")
    with pytest.raises(UserInputError, match="No space left") as info:
        write_mp4(_frames(6), tmp_path / "old.mp4", 10.0, 6)
    assert "\n" not in str(info.value)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.mp4"]
    assert (tmp_path / "old.mp4").read_bytes() == b"previous movie"  # untouched


def test_bad_input(tmp_path):
    with pytest.raises(UserInputError, match="empty"):
        write_mp4(iter(()), tmp_path / "e.mp4", 10.0)
    with pytest.raises(UserInputError, match=r"\.mp4"):
        write_mp4(_frames(1), tmp_path / "e.avi", 10.0)
    with pytest.raises(UserInputError, match="does not exist"):
        write_mp4(_frames(1), tmp_path / "no" / "e.mp4", 10.0)
    mixed = [np.zeros((20, 30, 3), np.uint8), np.zeros((22, 30, 3), np.uint8)]
    with pytest.raises(UserInputError, match="the first frame was 30x20"):
        write_mp4(mixed, tmp_path / "m.mp4", 10.0)
    assert list(tmp_path.iterdir()) == []
