"""Screenshots and movies: what is written is what was drawn; cancel and failures leave no file."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest
from PIL import Image

from smile_viewer._qt.export import (
    canvas_frames,
    export_movie_with_progress,
    save_canvas_png,
    save_widget_png,
    write_png,
)
from smile_viewer._qt.workers import Cancelled, CancelToken
from smile_viewer.errors import UserInputError
from smile_viewer.io.movie import write_mp4

imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg", reason="movie export needs imageio-ffmpeg")

# tests/conftest.py may leave QT_QPA_PLATFORM=offscreen even when pytest-xvfb provides a display
if os.environ.get("DISPLAY") and os.environ.get("QT_QPA_PLATFORM") == "offscreen":
    del os.environ["QT_QPA_PLATFORM"]

W, H, SQ = 96, 64, 12


def square_frame(i: int, w: int = W, h: int = H) -> np.ndarray:
    """A dark frame with a white square moving 6 pixels right per frame."""
    img = np.full((h, w, 3), 10, np.uint8)
    x0, y0 = 4 + 6 * i, 20
    img[y0 : y0 + SQ, x0 : x0 + SQ] = 255
    return img


def read_movie(path):
    reader = imageio_ffmpeg.read_frames(str(path))
    meta = reader.__next__()
    w, h = meta["size"]
    frames = [np.frombuffer(f, np.uint8).reshape(h, w, 3) for f in reader]
    return meta, frames


def _leftovers(directory):
    return [p.name for p in directory.iterdir() if ".tmp" in p.name]


def test_movie_of_a_moving_square(tmp_path):
    fractions = []
    out = write_mp4(square_frame, tmp_path / "square.mp4", fps=10, n_frames=10, progress=fractions.append)
    assert out == tmp_path / "square.mp4" and out.stat().st_size > 1000
    meta, frames = read_movie(out)
    assert len(frames) == 10
    assert meta["size"] == (W, H) and meta["fps"] == pytest.approx(10)
    assert "yuv420p" in meta.get("pix_fmt", "yuv420p")
    for i, f in enumerate(frames):
        cy, cx = 20 + SQ // 2, 4 + 6 * i + SQ // 2
        assert f[cy, cx].min() > 200, f"frame {i}: the square should be bright at ({cy}, {cx})"
        assert f[cy, (cx + W // 2) % W].max() < 60 or abs(((cx + W // 2) % W) - cx) < SQ
        assert f[5, 5].max() < 60, "background stays dark"
    assert fractions == pytest.approx([(i + 1) / 10 for i in range(10)])
    assert _leftovers(tmp_path) == []


def test_movie_reads_back_with_imageio(tmp_path):
    iio = pytest.importorskip("imageio.v3", reason="imageio not installed (imageio-ffmpeg suffices)")
    out = write_mp4(square_frame, tmp_path / "square.mp4", fps=10, n_frames=10)
    frames = iio.imread(out, plugin="FFMPEG", index=None)
    assert frames.shape == (10, H, W, 3)
    assert frames[7, 26, 4 + 6 * 7 + 6].min() > 200 and frames[7, 26, 4].max() < 60
    meta = iio.immeta(out, plugin="FFMPEG")
    assert meta["codec"] == "h264" and meta["pix_fmt"].startswith("yuv420p")


def test_movie_from_an_iterable_with_odd_size_and_alpha(tmp_path):
    frames = [np.dstack([square_frame(i, 51, 37), np.full((37, 51), 255, np.uint8)]) for i in range(4)]
    out = write_mp4(iter(frames), tmp_path / "odd.mp4", fps=5)
    meta, back = read_movie(out)
    assert len(back) == 4
    assert meta["size"] == (52, 38), "odd sizes are padded to even for yuv420p"
    assert back[2][26, 4 + 12 + 6].min() > 200


def test_cancel_leaves_no_file_and_keeps_an_old_one(tmp_path):
    target = tmp_path / "movie.mp4"
    target.write_bytes(b"old movie")
    calls = []

    def frames(i):
        calls.append(i)
        return square_frame(i)

    with pytest.raises(Cancelled):
        write_mp4(frames, target, fps=10, n_frames=50, cancel=lambda: len(calls) >= 3)
    assert calls == [0, 1, 2], "cancel is checked before each frame"
    assert target.read_bytes() == b"old movie"
    assert _leftovers(tmp_path) == []

    new = tmp_path / "new.mp4"
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        write_mp4(square_frame, new, fps=10, n_frames=5, cancel=token)
    ev = threading.Event()
    with pytest.raises(Cancelled):
        write_mp4(square_frame, new, 10, 5, progress=lambda f: ev.set(), cancel=ev)
    assert not new.exists() and _leftovers(tmp_path) == []


def test_failures_leave_no_file(tmp_path):
    target = tmp_path / "bad.mp4"

    def mixed(i):
        return square_frame(i) if i < 2 else square_frame(i, 40, 40)

    with pytest.raises(UserInputError, match="frame 2 is 40x40, but the first frame was 96x64"):
        write_mp4(mixed, target, fps=10, n_frames=5)

    def broken(i):
        if i == 3:
            raise RuntimeError("renderer fell over")
        return square_frame(i)

    with pytest.raises(RuntimeError, match="renderer fell over"):
        write_mp4(broken, target, fps=10, n_frames=5)
    with pytest.raises(UserInputError, match="must end in .mp4"):
        write_mp4(square_frame, tmp_path / "movie.gif", 10, 3)
    with pytest.raises(UserInputError, match="does not exist"):
        write_mp4(square_frame, tmp_path / "nope" / "m.mp4", 10, 3)
    with pytest.raises(UserInputError, match="empty"):
        write_mp4([], target, 10)
    with pytest.raises(ValueError, match="n_frames is needed"):
        write_mp4(square_frame, target, 10)
    assert not target.exists() and _leftovers(tmp_path) == []


def test_png_helpers(tmp_path):
    img = np.zeros((20, 30, 3), np.uint8)
    img[5, 7] = (255, 0, 0)
    p = write_png(img, tmp_path / "a.png")
    back = np.asarray(Image.open(p))
    assert back.shape == (20, 30, 3) and tuple(back[5, 7]) == (255, 0, 0)
    with pytest.raises(UserInputError, match="must end in .png"):
        write_png(img, tmp_path / "a.jpg")


def test_widget_screenshot(qtbot, tmp_path):
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    label.setStyleSheet("background: rgb(0, 200, 0);")
    label.setFixedSize(120, 40)
    qtbot.addWidget(label)
    label.show()
    qtbot.waitExposed(label)
    p = save_widget_png(label, tmp_path / "w.png")
    img = np.asarray(Image.open(p).convert("RGB"))
    assert img.shape[0] >= 40 and img.shape[1] >= 120
    assert tuple(img[img.shape[0] // 2, img.shape[1] // 2]) == (0, 200, 0)


def test_image_panel_screenshot(qtbot, tmp_path):
    from smile_viewer._qt.image_panel import ImagePanel

    panel = ImagePanel()
    qtbot.addWidget(panel)
    panel.resize(400, 300)
    panel.set_image(np.arange(100.0).reshape(10, 10), "R", "UVI")
    panel.show()
    qtbot.waitExposed(panel)
    p = save_widget_png(panel, tmp_path / "panel.png")
    img = Image.open(p)
    assert img.size[0] >= 400 and img.size[1] >= 300
    assert len(set(np.asarray(img.convert("L")).ravel().tolist())) > 20, "a picture, not a blank"


def test_progress_dialog_export_and_cancel(qtbot, tmp_path):
    from PySide6.QtWidgets import QApplication, QProgressDialog, QWidget

    parent = QWidget()
    qtbot.addWidget(parent)
    out = export_movie_with_progress(parent, square_frame, tmp_path / "ok.mp4", fps=10, n_frames=6)
    assert out == tmp_path / "ok.mp4"
    assert len(read_movie(out)[1]) == 6

    def frames(i):
        if i == 2:  # the user presses Cancel while frame 2 is drawn
            dialogs = [
                w for w in QApplication.topLevelWidgets() if isinstance(w, QProgressDialog) and w.isVisible()
            ]
            assert dialogs, "the progress dialog is shown"
            dialogs[0].cancel()
        return square_frame(i)

    assert export_movie_with_progress(parent, frames, tmp_path / "cancelled.mp4", fps=10, n_frames=30) is None
    assert not (tmp_path / "cancelled.mp4").exists() and _leftovers(tmp_path) == []

    with pytest.raises(UserInputError):
        export_movie_with_progress(parent, square_frame, tmp_path / "x.avi", 10, 3, show_errors=False)


# -- the 3-D canvas (OpenGL) -------------------------------------------------------------------
@pytest.fixture
def gl_canvas(qtbot):
    import vispy.app
    from vispy import scene

    vispy.app.use_app("pyside6")
    from smile_viewer._vispy.headless import offscreen_canvas

    canvas = offscreen_canvas((80, 60), bgcolor=(1.0, 0.0, 0.0, 1.0))
    # in canvas.scene coordinates are pixels, origin top left
    rect = scene.visuals.Rectangle(center=(20, 30), width=16, height=16, color="white", parent=canvas.scene)
    yield canvas, rect
    canvas.close()


@pytest.mark.gl
def test_canvas_png_at_window_and_other_size(gl_canvas, tmp_path):
    canvas, _ = gl_canvas
    p = save_canvas_png(canvas, tmp_path / "c.png")
    img = np.asarray(Image.open(p))
    assert img.shape == (60, 80, 3)
    assert img[30, 20].min() > 240, "the white square"
    assert tuple(img[5, 70]) == (255, 0, 0), "the red background"
    big = np.asarray(Image.open(save_canvas_png(canvas, tmp_path / "big.png", size=(160, 120))))
    assert big.shape == (120, 160, 3)
    assert big[60, 40].min() > 240 and tuple(big[10, 140]) == (255, 0, 0)
    white = np.nonzero(big.min(axis=2) > 200)
    assert (white[0].min(), white[0].max(), white[1].min(), white[1].max()) == (44, 75, 24, 55), (
        "re-rendered at twice the scale: the 16-pixel square becomes 32 pixels, same place"
    )
    # another aspect ratio: scaled to cover, centre-cropped, not distorted
    wide = np.asarray(Image.open(save_canvas_png(canvas, tmp_path / "wide.png", size=(160, 60))))
    white = np.nonzero(wide.min(axis=2) > 200)
    assert wide.shape == (60, 160, 3)
    assert (white[0].min(), white[0].max(), white[1].min(), white[1].max()) == (14, 45, 24, 55)
    # the window's own rendering is unchanged afterwards
    again = canvas.render(alpha=False)
    assert again.shape == (60, 80, 3) and again[30, 20].min() > 240
    rgba = np.asarray(Image.open(save_canvas_png(canvas, tmp_path / "a.png", alpha=True)))
    assert rgba.shape == (60, 80, 4)
    with pytest.raises(UserInputError):
        save_canvas_png(canvas, tmp_path / "c.png", size=(2, 2))


@pytest.mark.gl
def test_movie_of_a_time_range_from_the_canvas(gl_canvas, tmp_path):
    canvas, rect = gl_canvas
    times = [0, 1, 2, 3, 4]

    def set_time(t):
        rect.center = (12 + 12 * t, 30)

    frames = canvas_frames(canvas, times, set_time)
    out = write_mp4(frames, tmp_path / "t.mp4", fps=5, n_frames=len(times))
    _, back = read_movie(out)
    assert len(back) == 5
    for t, f in enumerate(back):
        x = 12 + 12 * t
        assert f[30, x].min() > 200, f"time {t}: the square is at x={x}"
        assert f[30, x].min() > f[30, (x + 40) % 80].min() + 100
