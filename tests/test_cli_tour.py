"""``smile-viewer tour`` and ``gui --present``: option parsing and the errors that come before any
OpenGL or Qt work (one line, exit status 2)."""

from __future__ import annotations

import pytest

from smile_viewer.cli import build_parser, main
from smile_viewer.cli.tour import parse_size
from smile_viewer.errors import UserInputError


def test_sizes_by_name_and_by_pixels():
    assert parse_size("4k") == (3840, 2160) and parse_size("1080P") == (1920, 1080)
    assert parse_size("3840x2160") == (3840, 2160) and parse_size("20000x20000") == (20000, 20000)
    for bad in ("big", "10x", "8x8", "-5x100"):
        with pytest.raises(UserInputError):
            parse_size(bad)


def test_gui_takes_a_session_and_present():
    args = build_parser().parse_args(["gui", "--present", "talk.smile.json"])
    assert args.present is True and args.session == "talk.smile.json"
    args = build_parser().parse_args(["gui"])
    assert args.present is False and args.session is None


def test_errors_before_gl_or_qt(tmp_path, capsys):
    from smile_viewer.state.app import AppState

    empty = tmp_path / "empty.smile.json"
    AppState().save(empty)
    missing = str(tmp_path / "nope.smile.json")
    for argv, needle in (
        (["tour", missing, "--out", str(tmp_path / "a.mp4")], "no such file"),
        (["tour", str(empty), "--out", str(tmp_path / "a.mp4")], "no keyframes"),
        (["tour", str(empty), "--out", str(tmp_path / "a.mp4"), "--fps", "fast"], "--fps"),
        (["gui", "--present", missing], "no such file"),
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err.strip()
        assert needle in err and "\n" not in err, err
    assert not (tmp_path / "a.mp4").exists()
