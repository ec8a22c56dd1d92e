"""smile_viewer.io.atomic: whole-file writes that never leave a partial or broken target."""

from __future__ import annotations

import os
import stat

import pytest

from smile_viewer.errors import UserInputError
from smile_viewer.io import atomic
from smile_viewer.io.atomic import atomic_open, atomic_path, atomic_write_bytes, atomic_write_text

IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def _leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if ".tmp" in p.name)


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_write_text_and_bytes(tmp_path, umask_022):
    p = atomic_write_text(tmp_path / "a.txt", "héllo\nworld\n")
    assert p == tmp_path / "a.txt"
    assert p.read_bytes() == "héllo\nworld\n".encode()
    assert _mode(p) == 0o644, "new files get 0666 less the umask, not mkstemp's 0600"
    q = atomic_write_bytes(tmp_path / "b.bin", b"\x00\x01\x02")
    assert q.read_bytes() == b"\x00\x01\x02"
    assert _mode(q) == 0o644
    assert _leftovers(tmp_path) == []


def test_replacing_keeps_the_old_permissions(tmp_path, umask_022):
    p = tmp_path / "keep.txt"
    p.write_text("old")
    os.chmod(p, 0o600)
    atomic_write_text(p, "new")
    assert p.read_text() == "new" and _mode(p) == 0o600
    atomic_write_text(p, "newer", mode=0o640)
    assert _mode(p) == 0o640


def test_expands_user(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    p = atomic_write_text("~/x.txt", "x")
    assert p == tmp_path / "x.txt" and p.read_text() == "x"


def test_atomic_path_keeps_the_extension_and_commits(tmp_path):
    target = tmp_path / "movie.mp4"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".movie.") and tmp.suffix == ".mp4"
        assert tmp.exists()
        tmp.write_bytes(b"data")
        assert not target.exists(), "the target appears only when the block ends"
    assert target.read_bytes() == b"data"
    assert _leftovers(tmp_path) == []


def test_failure_inside_the_block_leaves_the_old_file(tmp_path):
    target = tmp_path / "session.json"
    target.write_text("OLD")
    with pytest.raises(RuntimeError, match="writer broke"), atomic_path(target) as tmp:
        tmp.write_text("HALF")
        raise RuntimeError("writer broke")
    assert target.read_text() == "OLD"
    assert _leftovers(tmp_path) == []


def test_keyboard_interrupt_also_cleans_up(tmp_path):
    target = tmp_path / "x.txt"
    with pytest.raises(KeyboardInterrupt), atomic_open(target, "w") as fh:
        fh.write("partial")
        raise KeyboardInterrupt
    assert not target.exists() and _leftovers(tmp_path) == []


def test_failing_rename_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "t.txt"
    target.write_text("OLD")

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", broken_replace)
    with pytest.raises(UserInputError, match=r"cannot write .*t\.txt: No space left on device"):
        atomic_write_text(target, "NEW")
    assert target.read_text() == "OLD"
    assert _leftovers(tmp_path) == []


def test_failing_write_leaves_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / "t.bin"
    target.write_bytes(b"OLD")
    real_fsync = os.fsync

    def broken_fsync(fd):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(atomic.os, "fsync", broken_fsync)
    with pytest.raises(UserInputError, match="Input/output error"):
        atomic_write_bytes(target, b"NEW")
    monkeypatch.setattr(atomic.os, "fsync", real_fsync)
    assert target.read_bytes() == b"OLD"
    assert _leftovers(tmp_path) == []


def test_writer_that_removes_its_file_is_an_error(tmp_path):
    target = tmp_path / "gone.txt"
    with pytest.raises(UserInputError, match="left no file"), atomic_path(target) as tmp:
        tmp.unlink()
    assert not target.exists()


def test_atomic_open_modes(tmp_path):
    with atomic_open(tmp_path / "t.txt", "w") as fh:
        fh.write("a\nb\n")
    assert (tmp_path / "t.txt").read_bytes() == b"a\nb\n"
    with atomic_open(tmp_path / "b.bin", "wb") as fh:
        fh.write(b"\xff")
    assert (tmp_path / "b.bin").read_bytes() == b"\xff"
    with pytest.raises(ValueError, match="mode"), atomic_open(tmp_path / "c.txt", "a"):
        pass


def test_bad_destinations_are_user_errors(tmp_path):
    with pytest.raises(UserInputError, match="does not exist"):
        atomic_write_text(tmp_path / "no" / "such" / "dir.txt", "x")
    with pytest.raises(UserInputError, match="is a directory"):
        atomic_write_text(tmp_path, "x")
    assert _leftovers(tmp_path) == []


@pytest.mark.skipif(IS_ROOT, reason="root may write into read-only directories")
def test_read_only_directory(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o555)
    try:
        with pytest.raises(UserInputError, match="cannot write .*Permission denied"):
            atomic_write_text(ro / "x.txt", "x")
    finally:
        os.chmod(ro, 0o755)
