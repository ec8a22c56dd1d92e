"""``smile-viewer batch``: a series of synthetic SXI or UVI images computed on a dask cluster.

One frame as ``smile-viewer synth --time T`` makes it per epoch of a grid (or per epoch inside a
windows file): FITS and PNG, ``frames.csv`` and an optional movie; a local dask cluster by
default or ``--scheduler ADDRESS``; resumable, every file written atomically. Options, workers
and resuming: docs/cli.md#batch.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import sys
import tempfile
import threading
import time as _time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.time import Time

from smile_viewer.analysis.constraints import quality_flag_position, quality_flag_snr_bits
from smile_viewer.analysis.windows import WindowSet, read_windows
from smile_viewer.compute import RenderRequest, render
from smile_viewer.compute.cluster import dask_client, local_cluster
from smile_viewer.coords.timeparse import parse_duration_s, parse_time, time_grid
from smile_viewer.errors import UserInputError
from smile_viewer.io.atomic import (
    atomic_path,
    atomic_write_bytes,
    atomic_write_text,
    check_output_path,
    output_directory,
)
from smile_viewer.io.products import write_synthetic_product
from smile_viewer.io.quicklook import write_quicklook_png
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.orbit import default_orbit
from smile_viewer.mission.pointing import default_pointing
from smile_viewer.mission.response import compute_response
from smile_viewer.physics.solar_wind import SolarWind
from smile_viewer.synth import build_source, resolve_model_name

__all__ = [
    "BatchReport",
    "FrameSpec",
    "clean_stray_temp_files",
    "compute_frame",
    "frame_is_complete",
    "frame_stem",
    "local_cluster",
    "make_movie",
    "plan_frames",
    "run_batch",
]

INDEX_NAME = "frames.csv"
INDEX_COLUMNS = (
    "time",
    "fits",
    "png",
    "status",
    "quality_flag",
    "lambda_deg",
    "snr",
    "total_counts",
    "message",
)
MOVIE_SUFFIXES = (".mp4", ".mkv", ".mov", ".avi", ".webm")
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: matplotlib (mathtext, font cache) is not thread-safe: workers that are threads of one process
#: draw their quicklooks one at a time.
_MPL_LOCK = threading.Lock()
_PNG_IEND = b"IEND\xaeB`\x82"
# Temporary names of our writers: smile_viewer.io.atomic (".<stem>.<8 hex>.tmp<suffix>") and
# the FITS writer of smile_viewer.io.products (".<name>.<mkstemp random>.tmp").
_STRAY = re.compile(r"^\..+(?:\.[0-9a-f]{8}\.tmp(?:\.\w+)?|\.(?:fits|png)\.[A-Za-z0-9_]{8}\.tmp)$")


# ============================================================================ frames


@dataclass(frozen=True)
class FrameSpec:
    """Everything a worker needs to make one frame (small, picklable)."""

    index: int
    time: str  # ISO 8601 UTC
    instrument: str
    stem: str
    model: str
    params: tuple = ()
    solar_wind: dict = field(default_factory=dict)
    shape: tuple | None = None  # (ny, nx)
    step_re: float | None = None
    max_distance_re: float = 80.0
    backend: str = "auto"
    exposure_s: float | None = None
    seed: int | None = None


def frame_stem(instrument: str, time) -> str:
    """``sxi_20260912T000500`` (``_123`` appended for a fractional second, in ms)."""
    t = time if isinstance(time, Time) else Time(time, scale="utc")
    iso = t.utc.isot  # YYYY-MM-DDTHH:MM:SS.sss
    stem = f"{instrument.lower()}_{iso[0:4]}{iso[5:7]}{iso[8:10]}T{iso[11:13]}{iso[14:16]}{iso[17:19]}"
    ms = iso[20:23]
    return stem if ms in ("", "000") else f"{stem}_{ms}"


def _png_complete(path: Path) -> bool:
    try:
        size = path.stat().st_size
        if size < 60:
            return False
        with open(path, "rb") as fh:
            head = fh.read(8)
            fh.seek(-12, os.SEEK_END)
            tail = fh.read(12)
    except OSError:
        return False
    return head == _PNG_SIGNATURE and tail.endswith(_PNG_IEND)


def _fits_header(path: Path):
    """The primary header of a complete product, else None.

    Complete: every HDU's header and data are whole and their checksums (written by
    :func:`~smile_viewer.io.products.write_synthetic_product`) verify, and the last HDU is
    PROVENANCE (the writer's last one), so a file cut at an HDU boundary does not pass either.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            with fits.open(path, memmap=False, lazy_load_hdus=False, checksum=True) as hdul:
                if len(hdul) < 2 or hdul[-1].name != "PROVENANCE":
                    return None
                return hdul[0].header.copy()
    except Exception:  # noqa: BLE001 - any failure to read means "not complete"
        return None


def frame_is_complete(out_dir, spec: FrameSpec) -> bool:
    """Whether the frame's FITS (readable, DATE-OBS = the epoch) and PNG (whole) exist."""
    d = Path(out_dir)
    fits_path, png_path = d / f"{spec.stem}.fits", d / f"{spec.stem}.png"
    if not (fits_path.is_file() and png_path.is_file() and _png_complete(png_path)):
        return False
    h = _fits_header(fits_path)
    if h is None or "DATE-OBS" not in h:
        return False
    try:
        dt = abs((Time(str(h["DATE-OBS"]), scale="utc") - Time(spec.time, scale="utc")).to_value("s"))
    except ValueError:
        return False
    return dt < 1e-3


def clean_stray_temp_files(out_dir) -> list[Path]:
    """Remove the temporary files an interrupted run of ours left in ``out_dir``; returns them."""
    removed = []
    d = Path(out_dir)
    if not d.is_dir():
        return removed
    for p in d.iterdir():
        if p.is_file() and p.name.startswith(".") and _STRAY.match(p.name):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p)
    return sorted(removed)


def _position(time):
    return np.asarray(default_orbit().position(time, "gse"), dtype=float).reshape(3)


def compute_frame(spec: FrameSpec) -> dict[str, Any]:
    """Make one frame (runs on a dask worker): render, response, FITS product and PNG.

    Returns ``{"stem", "time", "fits": bytes, "png": bytes, "info": {...}}``; the files are
    written by the caller (see the module docstring).
    """
    t0 = _time.perf_counter()
    inst = load_instrument(spec.instrument)
    time = Time(spec.time, scale="utc")
    position = _position(time)
    pointing = default_pointing(inst, position, time)
    camera = inst.camera(position, pointing.rotation, shape=spec.shape, frame="gse")
    sw = SolarWind.from_dict(spec.solar_wind)
    source, model_info = build_source(spec.model, dict(spec.params), sw, time, inst)
    kw: dict[str, Any] = {"max_distance_re": spec.max_distance_re, "backend": spec.backend}
    if spec.step_re is not None:
        kw.update(method="trapezium", step_re=spec.step_re)
    result = render(RenderRequest(camera=camera, source=source, **kw))
    seed = None if spec.seed is None else int(spec.seed) + int(spec.index)
    response = compute_response(result.image, camera, inst, exposure_s=spec.exposure_s, seed=seed)
    info: dict[str, Any] = {
        "total_counts": int(np.asarray(response.counts).sum()),
        "backend": getattr(result, "backend", ""),
    }
    cards: dict[str, Any] = {}
    if inst.image_units != "R":  # SXI: the team's quality flag
        lam, qf_pos = quality_flag_position(position[None], float(inst.pointing.get("limb_angle_deg", 20.3)))
        vig = np.asarray(response.vignetting, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            cxfov = np.where(vig > 0, (np.asarray(response.counts) - response.background) / vig, np.nan)
        s, b = float(np.nansum(cxfov)), float(np.nansum(response.background))
        snr = s / (s * s + b * b) ** 0.5 if (s or b) else 0.0
        qf = int(max(qf_pos[0], 0)) + quality_flag_snr_bits(cxfov, response.background)
        info.update(quality_flag=qf, lambda_deg=round(float(lam[0]), 4), snr=round(snr, 5))
        cards = {
            "QUALFLAG": (qf, "SXI quality flag, bits 1,2 position 4,8 SNR"),
            "QF_LAMBD": (round(float(lam[0]), 4), "[deg] quality-flag angle lambda"),
            "QF_SNR": (round(snr, 5), "S/sqrt(S^2+B^2), S=sum CXFOV, B=sum BKGMAP"),
            "QF_REF": ("swharton1/SXI_L4_V1 calc_quality_flag_2", "quality flag definition"),
        }
    with tempfile.TemporaryDirectory(prefix="smile-frame-") as tmp:
        f_path, p_path = Path(tmp) / "frame.fits", Path(tmp) / "frame.png"
        write_synthetic_product(
            f_path,
            result,
            camera,
            time,
            inst,
            response=response,
            solar_wind=sw,
            model=model_info,
            aim_re=pointing.aim_re,
            extra_cards=cards,
        )
        title = (
            f"{inst.name.upper()} {time.utc.isot[:19]}  r = ({position[0]:.1f}, {position[1]:.1f}, "
            f"{position[2]:.1f}) R_E  {spec.model}"
        )
        with _MPL_LOCK:
            write_quicklook_png(p_path, result.image, camera, result.units, title=title, scale="log")
        fits_bytes, png_bytes = f_path.read_bytes(), p_path.read_bytes()
    info["seconds"] = round(_time.perf_counter() - t0, 3)
    return {"stem": spec.stem, "time": spec.time, "fits": fits_bytes, "png": png_bytes, "info": info}


def _write_frame(out_dir: Path, result: dict) -> None:
    # The PNG first, the FITS last: a frame counts as done only when both are there.
    atomic_write_bytes(out_dir / f"{result['stem']}.png", result["png"])
    atomic_write_bytes(out_dir / f"{result['stem']}.fits", result["fits"])


# ============================================================================ planning


def plan_frames(start, stop, cadence, instrument: str, *, windows=None, **spec_kw) -> list[FrameSpec]:
    """The frames of a run: epochs from ``start`` to ``stop`` every ``cadence`` (seconds or
    "5min"), only those inside ``instrument``'s windows when ``windows`` (a
    :class:`~smile_viewer.analysis.windows.WindowSet` or a file path) is given."""
    t0, t1 = parse_time(start), parse_time(stop)
    times = time_grid(t0, t1, parse_duration_s(cadence), max_points=1_000_000)
    inst = str(instrument).lower()
    if windows is not None:
        ws = windows if isinstance(windows, WindowSet) else read_windows(windows)
        keep = np.zeros(len(times), dtype=bool)
        jd = (times.utc.jd1 - 2451545.0) + times.utc.jd2
        for w in ws.for_instrument(inst):
            a = (w.start.utc.jd1 - 2451545.0) + w.start.utc.jd2
            b = (w.end.utc.jd1 - 2451545.0) + w.end.utc.jd2
            keep |= (jd >= a - 1e-11) & (jd <= b + 1e-11)
        times = times[keep]
    specs = []
    for i, t in enumerate(times):
        specs.append(
            FrameSpec(index=i, time=t.utc.isot, instrument=inst, stem=frame_stem(inst, t), **spec_kw)
        )
    return specs


def _validate(specs: list[FrameSpec]) -> None:
    """Catch the user's mistakes before any work: build the first frame's source."""
    if not specs:
        return
    s = specs[0]
    inst = load_instrument(s.instrument)
    build_source(s.model, dict(s.params), SolarWind.from_dict(s.solar_wind), Time(s.time, scale="utc"), inst)
    _key, _, path = s.model.partition(":")
    if path:
        # lazy: cube sequences, with the cube readers (file sources only)
        from smile_viewer.io.cubes.sequence import is_sequence_spec, shared_sequence

        if is_sequence_spec(path):  # every epoch inside the sequence's time span, before any work
            shared_sequence(path).bracket(Time(specs[-1].time, scale="utc"))


# ============================================================================ cluster


@contextlib.contextmanager
def _dask_client(
    scheduler: str | None, n_workers: int | None, processes: bool, n_tasks: int, backend: str = "auto"
):
    """A dask Client: to ``scheduler``, or to a LocalCluster sized to this machine (one worker by
    default with the cuda backend: one CUDA context per worker process)."""
    with dask_client(
        scheduler,
        n_workers,
        processes,
        n_tasks,
        default_workers=1 if backend == "cuda" else None,
        what="smile-viewer batch",
    ) as client:
        yield client


class _Progress:
    """A tqdm bar on stderr (plain lines when tqdm is missing), or nothing."""

    def __init__(self, total: int, enabled: bool, initial: int = 0, desc: str = "frames"):
        self.bar = None
        self.total, self.done, self.enabled = total, initial, enabled
        if enabled:
            try:
                from tqdm import tqdm  # lazy: plain progress lines when tqdm is missing
            except ImportError:  # pragma: no cover - tqdm missing: plain lines
                return
            self.bar = tqdm(
                total=total, initial=initial, desc=desc, unit="frame", file=sys.stderr, dynamic_ncols=True
            )

    def update(self) -> None:
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif self.enabled and (self.done == self.total or self.done % 10 == 0):  # pragma: no cover
            print(f"{self.done}/{self.total} frames", file=sys.stderr)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ============================================================================ run


@dataclass
class BatchReport:
    """What a run did: frame counts, failures (time, message), files written, timing."""

    out_dir: Path
    n_frames: int = 0
    n_skipped: int = 0
    n_computed: int = 0
    failures: list = field(default_factory=list)
    removed_temp: list = field(default_factory=list)
    index_path: Path | None = None
    movie_path: Path | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.failures


def _index_row(out_dir: Path, spec: FrameSpec, status: str, info: dict | None, message: str = "") -> dict:
    row = {
        "time": spec.time,
        "fits": f"{spec.stem}.fits",
        "png": f"{spec.stem}.png",
        "status": status,
        "quality_flag": "",
        "lambda_deg": "",
        "snr": "",
        "total_counts": "",
        "message": message,
    }
    if info is None and status == "skipped":
        h = _fits_header(out_dir / f"{spec.stem}.fits")
        if h is not None:
            info = {
                "quality_flag": h.get("QUALFLAG", ""),
                "lambda_deg": h.get("QF_LAMBD", ""),
                "snr": h.get("QF_SNR", ""),
                "total_counts": h.get("NCOUNTS", ""),
            }
    for k in ("quality_flag", "lambda_deg", "snr", "total_counts"):
        if info and info.get(k) is not None:
            row[k] = info[k]
    return row


def _write_index(out_dir: Path, rows: list[dict]) -> Path:
    buf = io.StringIO()
    wr = csv.DictWriter(buf, fieldnames=INDEX_COLUMNS, lineterminator="\n")
    wr.writeheader()
    for r in sorted(rows, key=lambda r: r["time"]):
        wr.writerow(r)
    return atomic_write_text(out_dir / INDEX_NAME, buf.getvalue())


def make_movie(png_paths, out_path, fps: float = 10.0) -> Path:
    """Assemble PNG frames (equal sizes, in the given order) into a movie with imageio-ffmpeg
    (H.264, yuv420p; frames padded to a multiple of 16 pixels), written atomically."""
    try:
        import imageio.v2 as imageio  # lazy: movies only; one-line hint if missing
    except ImportError:  # pragma: no cover - dependency missing
        raise UserInputError(
            "--movie needs imageio and imageio-ffmpeg: pip install imageio imageio-ffmpeg"
        ) from None

    paths = [Path(p) for p in png_paths]
    if not paths:
        raise UserInputError("no frames to put in the movie")
    out = check_output_path(out_path)
    if out.suffix.lower() not in MOVIE_SUFFIXES:
        raise UserInputError(f"movie {out_path}: use one of {', '.join(MOVIE_SUFFIXES)}")
    first = imageio.imread(paths[0])
    h, w = first.shape[:2]
    hp, wp = -(-h // 16) * 16, -(-w // 16) * 16
    with atomic_path(out) as tmp:
        writer = imageio.get_writer(
            str(tmp),
            format="FFMPEG",
            fps=float(fps),
            codec="libx264",
            pixelformat="yuv420p",
            macro_block_size=1,
            quality=8,
            ffmpeg_log_level="error",
        )
        try:
            for p in paths:
                img = np.asarray(imageio.imread(p))
                if img.ndim == 2:
                    img = np.stack([img] * 3, axis=-1)
                img = img[..., :3]
                if img.shape[:2] != (h, w):
                    raise UserInputError(
                        f"frame {p.name} is {img.shape[1]}x{img.shape[0]}, the first {w}x{h}"
                    )
                frame = np.zeros((hp, wp, 3), dtype=np.uint8)
                frame[:h, :w] = img
                writer.append_data(frame)
        finally:
            writer.close()
    return out


def run_batch(
    start,
    stop,
    cadence,
    instrument: str,
    out_dir,
    *,
    windows=None,
    movie=None,
    fps: float = 10.0,
    scheduler: str | None = None,
    n_workers: int | None = None,
    processes: bool = True,
    progress: bool = True,
    model: str | None = None,
    params: dict | None = None,
    solar_wind=None,
    shape=None,
    step_re: float | None = None,
    max_distance_re: float = 80.0,
    backend: str = "auto",
    exposure_s: float | None = None,
    seed: int | None = None,
    client=None,
) -> BatchReport:
    """Compute the frames of a run (module docstring) and return a :class:`BatchReport`.

    ``solar_wind``: a :class:`~smile_viewer.physics.solar_wind.SolarWind` (default: n 5,
    v 400, B 0); ``shape``: (ny, nx); ``client``: an existing dask ``Client`` to use instead of
    ``scheduler`` / a new LocalCluster.
    """
    t_begin = _time.perf_counter()
    out = output_directory(out_dir, "--out")
    if movie is not None:
        mp = check_output_path(movie)
        if mp.suffix.lower() not in MOVIE_SUFFIXES:
            raise UserInputError(f"--movie {movie}: use one of {', '.join(MOVIE_SUFFIXES)}")
    inst = load_instrument(instrument)
    if inst.name not in ("sxi", "uvi"):
        raise UserInputError(f"batch runs sxi or uvi, not {inst.name!r}")
    sw = solar_wind if solar_wind is not None else SolarWind()
    model_name = resolve_model_name(model, inst)
    specs = plan_frames(
        start,
        stop,
        cadence,
        inst.name,
        windows=windows,
        model=model_name,
        params=tuple(sorted((params or {}).items())),
        solar_wind=sw.to_dict(),
        shape=None if shape is None else tuple(int(v) for v in shape),
        step_re=step_re,
        max_distance_re=float(max_distance_re),
        backend=backend,
        exposure_s=exposure_s,
        seed=seed,
    )
    report = BatchReport(out_dir=out, n_frames=len(specs))
    if not specs:
        raise UserInputError("no epochs to compute (the windows file has none in this range?)")
    _validate(specs)
    report.removed_temp = clean_stray_temp_files(out)
    done = [s for s in specs if frame_is_complete(out, s)]
    done_keys = {s.stem for s in done}
    todo = [s for s in specs if s.stem not in done_keys]
    report.n_skipped = len(done)
    rows = [_index_row(out, s, "skipped", None) for s in done]
    if todo:
        ctx = (
            contextlib.nullcontext(client)
            if client is not None
            else _dask_client(scheduler, n_workers, processes, len(todo), backend)
        )
        with ctx as cl:
            bar = _Progress(len(specs), progress, initial=len(done))
            token = uuid.uuid4().hex[:8]  # unique keys: never a result cached from another run
            futures = cl.map(compute_frame, todo, key=[f"smile-frame-{s.stem}-{token}" for s in todo])
            by_key = {f.key: s for f, s in zip(futures, todo)}
            # lazy: dask.distributed costs ~0.7 s; only multi-process runs need it
            from dask.distributed import as_completed

            try:
                for fut in as_completed(futures):
                    spec = by_key[fut.key]
                    try:
                        res = fut.result()
                    except UserInputError as exc:
                        report.failures.append((spec.time, str(exc)))
                        rows.append(_index_row(out, spec, "failed", None, str(exc)))
                    except Exception as exc:  # noqa: BLE001 - a worker's error: record it, go on
                        msg = f"{type(exc).__name__}: {exc}"
                        report.failures.append((spec.time, msg))
                        rows.append(_index_row(out, spec, "failed", None, msg))
                    else:
                        _write_frame(out, res)
                        report.n_computed += 1
                        rows.append(_index_row(out, spec, "computed", res["info"]))
                    fut.release()
                    bar.update()
            except BaseException:
                cl.cancel(futures)
                raise
            finally:
                bar.close()
    report.index_path = _write_index(out, rows)
    if movie is not None:
        pngs = [out / f"{s.stem}.png" for s in specs if (out / f"{s.stem}.png").is_file()]
        report.movie_path = make_movie(pngs, movie, fps=fps)
    report.seconds = _time.perf_counter() - t_begin
    return report
