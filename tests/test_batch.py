"""Batch image series on a real dask LocalCluster: files, index, quality flag, resume after an
interruption (missing and truncated outputs, stray temporary files), failures, the movie."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("dask.distributed")

from smile_viewer.batch import (
    FrameSpec,
    clean_stray_temp_files,
    compute_frame,
    frame_is_complete,
    frame_stem,
    make_movie,
    plan_frames,
    run_batch,
)
from smile_viewer.errors import UserInputError

START, STOP = "2026-09-12T00:00:00", "2026-09-12T00:20:00"
TINY = {"shape": (8, 12), "backend": "numpy", "step_re": 1.0, "max_distance_re": 40.0, "seed": 3}


@pytest.fixture(scope="module")
def cluster():
    """Two workers in one process (threads): a real scheduler and workers, quick to start."""
    from dask.distributed import Client

    from smile_viewer.batch import local_cluster

    with local_cluster(2, processes=False) as lc, Client(lc) as client:
        yield client


def test_frame_stem():
    assert frame_stem("SXI", "2026-09-12T00:05:00") == "sxi_20260912T000500"
    assert frame_stem("uvi", "2026-09-12T00:05:00.250") == "uvi_20260912T000500_250"


def test_plan_frames_with_windows(tmp_path):
    from smile_viewer.analysis.windows import compute_windows

    ws = compute_windows("2026-09-11T00:00", "2026-09-13T00:00", "10min", instruments=("sxi",))
    specs = plan_frames("2026-09-11T00:00", "2026-09-13T00:00", "30min", "sxi", windows=ws, model="jorgensen")
    assert 0 < len(specs) < 97
    for s in specs:
        assert ws.window_at(s.time, "sxi") is not None
    path = ws.write(tmp_path / "w.json")
    again = plan_frames(
        "2026-09-11T00:00", "2026-09-13T00:00", "30min", "sxi", windows=path, model="jorgensen"
    )
    assert [s.time for s in again] == [s.time for s in specs]
    assert [s.index for s in again] == list(range(len(again)))


def test_stray_temp_files_are_recognised(tmp_path):
    ours = [
        ".sxi_20260912T000000.0a1b2c3d.tmp.png",
        ".sxi_20260912T000000.fits.k2j4h1_x.tmp",
        ".frames.12345678.tmp.csv",
        ".movie.deadbeef.tmp.mp4",
    ]
    theirs = [".bashrc", "notes.tmp", ".sxi_20260912T000000.png", "sxi_20260912T000000.fits", ".x.tmp"]
    for n in ours + theirs:
        (tmp_path / n).write_bytes(b"x")
    removed = clean_stray_temp_files(tmp_path)
    assert sorted(p.name for p in removed) == sorted(ours)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(theirs)


def _files(d: Path):
    return sorted(p.name for p in d.iterdir())


def test_batch_on_a_local_cluster_and_resume(cluster, tmp_path):
    out = tmp_path / "run"
    rep = run_batch(START, STOP, "10min", "sxi", out, client=cluster, progress=False, **TINY)
    assert rep.ok and rep.n_frames == 3 and rep.n_computed == 3 and rep.n_skipped == 0
    stems = [frame_stem("sxi", t) for t in ("2026-09-12T00:00", "2026-09-12T00:10", "2026-09-12T00:20")]
    assert _files(out) == sorted([f"{s}.fits" for s in stems] + [f"{s}.png" for s in stems] + ["frames.csv"])

    from smile_viewer.io.products import read_synthetic_product

    prod = read_synthetic_product(out / f"{stems[1]}.fits")
    assert prod.image.shape == (8, 12)
    assert np.all(np.isfinite(prod.image)) and prod.image.max() > 0
    assert prod.time.isot.startswith("2026-09-12T00:10:00")
    qf = int(prod.header["QUALFLAG"])
    assert qf in (0, 1, 2, 4, 5, 6, 8, 9, 10)  # the team's valid values
    index = (out / "frames.csv").read_text().splitlines()
    assert index[0].startswith("time,fits,png,status,quality_flag")
    assert len(index) == 4 and all(",computed," in line for line in index[1:])

    ncounts2 = read_synthetic_product(out / f"{stems[2]}.fits").header["NCOUNTS"]
    # Interrupt: a frame's PNG lost, another's FITS truncated, a stray temporary file.
    mtimes = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    (out / f"{stems[0]}.png").unlink()
    data = (out / f"{stems[2]}.fits").read_bytes()
    (out / f"{stems[2]}.fits").write_bytes(data[: len(data) // 3])
    stray = out / f".{stems[1]}.0badc0de.tmp.png"
    stray.write_bytes(b"partial")
    spec = [s for s in plan_frames(START, STOP, "10min", "sxi", model="jorgensen")]
    assert [frame_is_complete(out, s) for s in spec] == [False, True, False]

    rep2 = run_batch(START, STOP, "10min", "sxi", out, client=cluster, progress=False, **TINY)
    assert rep2.ok and rep2.n_skipped == 1 and rep2.n_computed == 2
    assert [p.name for p in rep2.removed_temp] == [stray.name]
    assert _files(out) == sorted([f"{s}.fits" for s in stems] + [f"{s}.png" for s in stems] + ["frames.csv"])
    assert (out / f"{stems[1]}.fits").stat().st_mtime_ns == mtimes[f"{stems[1]}.fits"]  # untouched
    assert all(frame_is_complete(out, s) for s in spec)
    index = (out / "frames.csv").read_text().splitlines()
    assert (
        sum(",skipped," in line for line in index) == 1 and sum(",computed," in line for line in index) == 2
    )
    skipped = next(line for line in index if ",skipped," in line)
    assert skipped.split(",")[4] == str(qf)  # the flag read back from the FITS header

    # Seeds are per frame (seed + index): the recomputed frame has the counts it had.
    assert read_synthetic_product(out / f"{stems[2]}.fits").header["NCOUNTS"] == ncounts2

    # The movie from the PNGs.
    import imageio.v3 as iio

    movie = make_movie([out / f"{s}.png" for s in stems], tmp_path / "m.mp4", fps=5)
    frames = iio.imread(movie, index=None)
    assert frames.shape[0] == 3 and frames.shape[1] % 16 == 0 and frames.shape[2] % 16 == 0
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_uvi_batch_with_movie(cluster, tmp_path):
    rep = run_batch(
        "2026-09-12T00:00",
        "2026-09-12T00:05",
        "5min",
        "uvi",
        tmp_path / "u",
        client=cluster,
        progress=False,
        movie=tmp_path / "u.mp4",
        shape=(10, 10),
        backend="numpy",
    )
    assert rep.ok and rep.n_computed == 2 and rep.movie_path.is_file() and rep.movie_path.stat().st_size > 0
    from astropy.io import fits

    h = fits.getheader(tmp_path / "u" / "uvi_20260912T000500.fits")
    assert "QUALFLAG" not in h  # the SXI team's flag is for SXI


def test_existing_scheduler_by_address(cluster, tmp_path):
    """--scheduler: connect to a running scheduler (here the fixture's, by its address)."""
    address = cluster.scheduler.address
    rep = run_batch(
        START,
        "2026-09-12T00:10:00",
        "10min",
        "sxi",
        tmp_path / "s",
        scheduler=address,
        progress=False,
        **TINY,
    )
    assert rep.ok and rep.n_computed == 2
    assert sorted(p.suffix for p in (tmp_path / "s").iterdir()) == [".csv", ".fits", ".fits", ".png", ".png"]


def _flaky(spec: FrameSpec):
    if spec.index == 1:
        raise RuntimeError("worker exploded")
    return compute_frame(spec)


def test_failed_frames_are_reported_and_not_written(cluster, tmp_path, monkeypatch):
    from smile_viewer import batch

    monkeypatch.setattr(batch, "compute_frame", _flaky)
    rep = run_batch(START, STOP, "10min", "sxi", tmp_path / "f", client=cluster, progress=False, **TINY)
    assert not rep.ok and rep.n_computed == 2
    assert rep.failures[0][0].startswith("2026-09-12T00:10") and "exploded" in rep.failures[0][1]
    assert not (tmp_path / "f" / "sxi_20260912T001000.fits").exists()
    assert ",failed," in (tmp_path / "f" / "frames.csv").read_text()


def test_process_cluster_two_workers(tmp_path):
    """The default: a LocalCluster of worker processes (two here), started and closed by run_batch."""
    rep = run_batch(
        START,
        "2026-09-12T00:10:00",
        "10min",
        "sxi",
        tmp_path / "p",
        n_workers=2,
        processes=True,
        progress=False,
        **TINY,
    )
    assert rep.ok and rep.n_computed == 2
    assert len(list((tmp_path / "p").glob("*.fits"))) == 2


@pytest.mark.parametrize(
    "kw, fragment",
    [
        ({"cadence": "5 parsecs"}, "cannot read duration"),
        ({"model": "mhd"}, "unknown --model"),
        ({"params": {"rmp": 10.0}}, "unknown parameter"),
        ({"movie": "m.gif"}, "movie"),
        ({"instrument": "hxi"}, "unknown instrument"),
    ],
)
def test_mistakes_fail_before_any_work(tmp_path, kw, fragment):
    args = {"start": START, "stop": STOP, "cadence": "10min", "instrument": "sxi", "out_dir": tmp_path / "x"}
    if "movie" in kw:
        kw = {"movie": tmp_path / kw["movie"]}
    args.update(kw)
    with pytest.raises(UserInputError, match=fragment):
        run_batch(
            args.pop("start"),
            args.pop("stop"),
            args.pop("cadence"),
            args.pop("instrument"),
            args.pop("out_dir"),
            progress=False,
            **args,
        )
    assert not list((tmp_path / "x").glob("*.fits")) if (tmp_path / "x").exists() else True


def test_out_must_be_a_directory(tmp_path):
    f = tmp_path / "file"
    f.write_text("x")
    with pytest.raises(UserInputError, match="is a file"):
        run_batch(START, STOP, "10min", "sxi", f, progress=False)
    with pytest.raises(UserInputError, match="does not exist"):
        run_batch(START, STOP, "10min", "sxi", tmp_path / "a" / "b", progress=False)
