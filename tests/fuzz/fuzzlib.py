"""A seeded fuzzer for smile-viewer's readers and command line (docs/robustness.md).

The contract checked for every case: the loader returns a sane result ("accepted"), or raises
DataFileError/UserInputError with one line ("clean"). Anything else is a failure: another
exception ("traceback"), a loader that runs past the per-case time limit ("hang"), a worker
process that dies ("crash", e.g. SIGSEGV), a MemoryError under the worker's address-space
limit ("memory"), a multi-line message ("multiline") or an accepted result that is garbage
(NaN positions, an image without a finite pixel: "garbage").

Cases run in worker processes (``python fuzzlib.py --worker``) fed one JSON line per case, so a
crash or a hang costs one worker, never the campaign. Run a campaign with
``python tests/fuzz/fuzzlib.py --cases 3000`` (or ``make fuzz``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import select
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]

#: Worker address-space limit [bytes]: a reader that blows up memory raises MemoryError here.
WORKER_MEMORY_BYTES = 6 * 2**30
#: The guarded parsers' time limit in the workers [s] (SMILE_VIEWER_PARSE_TIMEOUT_S): well under
#: the per-case limit, so a parser that hangs must end as a clean error, not a "hang".
GUARD_TIMEOUT_S = "20"

# ------------------------------------------------------------------------------- mutations
INTERESTING_TEXT = [
    b"NaN",
    b"-Infinity",
    b"Infinity",
    b"nan",
    b"inf",
    b"1e308",
    b"-1e308",
    b"1e999",
    b"10000000000000000000",
    b"9" * 5000,
    b"-0",
    b"0",
    b"",
    b"1e-320",
    b"-1",
    b"null",
    b"[]",
    b"{}",
    b'"x"',
    b"2147483648",
    b"-9223372036854775809",
    b"\xff\xfe",
    b"\x00",
]
INTERESTING_BYTES = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0x20, 0x30, 0x39, 0x2D, 0x22, 0x3C, 0x3E, 0x0A]
NUMBER = re.compile(rb"-?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?")


def mutate(data: bytes, rng: random.Random, text: bool) -> bytes:
    """One seeded mutation of ``data`` (1–3 stacked edits): bit flips, interesting bytes, chunk
    deletion/duplication, truncation, header-biased edits; for text formats also number
    replacement (NaN, ±Infinity, 1e308, 20-digit integers, 5,000 digits), non-UTF-8 bytes,
    100,000-deep nesting and 200,000-character fields."""
    b = bytearray(data)
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        ops = ["flip", "byte", "delete", "dup", "truncate", "header"]
        if text:
            ops += ["number", "number", "number", "nonutf8", "nest", "longfield", "line"]
        op = rng.choice(ops)
        n = len(b)
        if n == 0:
            b = bytearray(rng.randbytes(rng.randint(1, 64)))
            continue
        if op == "flip":
            for _ in range(rng.randint(1, 8)):
                i = rng.randrange(n)
                b[i] ^= 1 << rng.randrange(8)
        elif op == "byte":
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(n)] = rng.choice(INTERESTING_BYTES)
        elif op == "header":  # the first 4 KiB hold the structure of most formats
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(min(n, 4096))
                b[i] = rng.choice((rng.randrange(256), rng.choice(INTERESTING_BYTES)))
        elif op == "delete":
            i = rng.randrange(n)
            del b[i : i + rng.randint(1, max(1, min(4096, n // 4)))]
        elif op == "dup":
            i = rng.randrange(n)
            chunk = b[i : i + rng.randint(1, 512)]
            j = rng.randrange(n)
            b[j:j] = chunk * rng.randint(1, 4)
        elif op == "truncate":
            del b[rng.randrange(n) :]
        elif op == "number":
            spans = [m.span() for m in NUMBER.finditer(bytes(b))]
            if spans:
                s, e = rng.choice(spans)
                b[s:e] = rng.choice(INTERESTING_TEXT)
        elif op == "nonutf8":
            i = rng.randrange(n)
            b[i:i] = rng.choice((b"\xff", b"\xc3\x28", b"\xe2\x82", b"\x80\x80"))
        elif op == "nest":
            i = rng.randrange(n)
            depth = rng.choice((100, 1000, 100_000))
            b[i:i] = b"[" * depth + b"1" + b"]" * depth
        elif op == "longfield":
            i = rng.randrange(n)
            b[i:i] = rng.choice((b"x", b"9", b",")) * 200_000
        elif op == "line":
            lines = bytes(b).split(b"\n")
            k = rng.randrange(len(lines))
            choice = rng.randrange(3)
            if choice == 0:
                del lines[k]
            elif choice == 1:
                lines.insert(k, lines[k])
            else:
                lines[k] = lines[k][: rng.randrange(len(lines[k]) + 1)]
            b = bytearray(b"\n".join(lines))
    return bytes(b)


# ------------------------------------------------------------------------------- hostile paths
def hostile_paths(d: Path) -> list[tuple[str, Path]]:
    """FIFO, /dev/zero, a symlink loop, a 20 GiB sparse file, a directory, a dangling link."""
    d.mkdir(parents=True, exist_ok=True)
    out = []
    fifo = d / "pipe.fits"
    if not fifo.exists():
        os.mkfifo(fifo)
    out.append(("fifo", fifo))
    out.append(("dev_zero", Path("/dev/zero")))
    loop = d / "loop.fits"
    if not loop.is_symlink():
        os.symlink(loop.name, loop)
    out.append(("symlink_loop", loop))
    sparse = d / "sparse.fits"
    if not sparse.exists():
        with open(sparse, "wb") as f:
            f.write(b"SIMPLE  =                    T")
            f.truncate(20 * 2**30)
    out.append(("sparse_20GiB", sparse))
    sub = d / "adir.nc"
    sub.mkdir(exist_ok=True)
    out.append(("directory", sub))
    dangling = d / "dangling.cdf"
    if not dangling.is_symlink():
        os.symlink("nowhere.cdf", dangling)
    out.append(("dangling_link", dangling))
    return out


# ------------------------------------------------------------------------------- loaders
def _finite(a, what: str):
    import numpy as np

    if not np.isfinite(np.asarray(a, dtype=float)).all():
        raise _Garbage(f"{what} is not finite")


class _Garbage(Exception):
    pass


def _cube(p):
    """cube_info (headers only: its own code paths), then read_cube."""
    from smile_viewer.errors import DataFileError, UserInputError
    from smile_viewer.io.cubes import cube_info, read_cube

    try:
        str(cube_info(p))
    except (DataFileError, UserInputError) as exc:
        if "\n" in str(exc).strip():
            raise _Garbage(f"multi-line cube_info message: {str(exc)[:200]}") from None
    read_cube(p)


def _openggcm_meta(p):
    """A mutated OpenGGCM metadata JSON beside a valid CDF (the seed's run.cdf, linked)."""
    p = Path(p)
    cdf = p.with_suffix(".cdf")
    if not cdf.exists():
        os.link(p.parent / "run.cdf", cdf)
    _cube(cdf)


def _sequence(p):
    """open_sequence (headers only), then the cube at the sequence's start (a read and a blend)."""
    from smile_viewer.io.cubes.sequence import open_sequence

    seq = open_sequence(p)
    vol = seq.volume_at(seq.start)
    _finite(vol.values, "the sequence's cube")


def _observed(p):
    import numpy as np

    from smile_viewer.io.observed import load_observed

    img = load_observed(p)
    if not np.isfinite(img.image).any():
        raise _Garbage("observed image holds no finite pixel")


def _product(p):
    import numpy as np

    from smile_viewer.io.products import read_synthetic_product

    prod = read_synthetic_product(p)
    if not np.isfinite(prod.image).any():
        raise _Garbage("synthetic product holds no finite pixel")


def _omni(p):
    from smile_viewer.io.omni import read_solar_wind

    read_solar_wind(p)


def _tle(p):
    from smile_viewer.mission.orbit import orbit_from_tle

    o = orbit_from_tle(p)
    _finite(o.position(o.epoch, "gse"), "TLE position at epoch")


def _oem(p):
    from smile_viewer.mission.orbit import read_oem

    o = read_oem(p)
    t0, t1 = o.coverage
    _finite(o.position(t0 + (t1 - t0) / 2, "gse"), "OEM position")


def _attitude(p):
    from smile_viewer.mission.pointing import read_attitude

    a = read_attitude(p)
    _finite(a.quaternion_at(a.times[0]), "attitude quaternion")


def _session(p):
    from smile_viewer.state.session import load_session

    load_session(p)


def _profile(p):
    from smile_viewer.analysis.constraints import load_profile

    load_profile(p)


def _cli(argv):
    from smile_viewer.cli import main

    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = main(list(argv))
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 2
    text = err.getvalue().strip()
    if rc == 0:
        return "accepted", ""
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if rc == 2 and len(lines) == 1:
        return "clean", lines[0]
    return "failure", f"exit {rc}: {text[-300:]}"


def _selftest(what):
    """For the harness's own test: crash (SIGSEGV) or hang on purpose."""
    if what == "crash":
        import ctypes

        ctypes.string_at(0)
    elif what == "hang":
        time.sleep(3600)


LOADERS = {
    "selftest": _selftest,
    "cube": _cube,
    "openggcm_meta": _openggcm_meta,
    "sequence": _sequence,
    "observed": _observed,
    "product": _product,
    "omni": _omni,
    "tle": _tle,
    "oem": _oem,
    "attitude": _attitude,
    "session": _session,
    "profile": _profile,
}


def run_case(loader: str, target) -> tuple[str, str]:
    """(outcome, detail) of one case, in this process."""
    import warnings

    from smile_viewer.errors import DataFileError, UserInputError

    if loader == "cli":
        try:
            return _cli(target)
        except MemoryError:
            return "memory", "MemoryError"
        except BaseException as exc:  # noqa: BLE001 - that is what is counted
            return "traceback", f"{type(exc).__name__}: {str(exc)[:300]}"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            LOADERS[loader](target)
        return "accepted", ""
    except (DataFileError, UserInputError) as exc:
        msg = str(exc)
        if "\n" in msg.strip():
            return "multiline", msg[:300]
        name = Path(str(target)).name
        if isinstance(exc, DataFileError) and name not in msg and "/dev/" not in str(target):
            return "unnamed", msg[:300]
        return "clean", msg[:300]
    except _Garbage as exc:
        return "garbage", str(exc)
    except MemoryError:
        return "memory", "MemoryError"
    except RecursionError:
        return "traceback", "RecursionError"
    except BaseException as exc:  # noqa: BLE001 - that is what is counted
        return "traceback", f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"


def _worker() -> None:
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY_BYTES, hard))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ImportError, ValueError, OSError):
        pass
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for line in sys.stdin:
        case = json.loads(line)
        outcome, detail = run_case(case["loader"], case["target"])
        sys.stdout.write(json.dumps({"outcome": outcome, "detail": detail}) + "\n")
        sys.stdout.flush()


# ------------------------------------------------------------------------------- runner
class Worker:
    """One ``fuzzlib.py --worker`` process; :meth:`run` gives (outcome, detail) or a hang/crash."""

    def __init__(self, env: dict | None = None, cwd: str | Path | None = None):
        self.env = {
            "SMILE_VIEWER_PARSE_TIMEOUT_S": GUARD_TIMEOUT_S,
            **os.environ,
            **(env or {}),
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        }
        # mutated command lines write where their --out says: never into the repository
        self.cwd = str(cwd) if cwd is not None else tempfile.mkdtemp(prefix="smile-fuzz-cwd-")
        self.proc = None

    def _start(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=self.cwd,
            env=self.env,
            start_new_session=True,
        )
        if self._readline(300) != "ready":
            self.close()
            raise RuntimeError("fuzz worker did not start")

    def _readline(self, timeout: float) -> str | None:
        fd = self.proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            return None
        line = self.proc.stdout.readline()
        return line.decode().strip() if line else ""

    def run(self, loader: str, target, timeout: float) -> tuple[str, str]:
        if self.proc is None or self.proc.poll() is not None:
            self._start()
        self.proc.stdin.write((json.dumps({"loader": loader, "target": target}) + "\n").encode())
        self.proc.stdin.flush()
        line = self._readline(timeout)
        if line is None:
            self.close()
            return "hang", f"no answer within {timeout:.0f} s"
        if line == "":
            code = self.proc.wait()
            self.proc = None
            sig = signal.Signals(-code).name if code < 0 else f"exit {code}"
            return "crash", sig
        res = json.loads(line)
        return res["outcome"], res["detail"]

    def close(self) -> None:
        if self.proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc = None


FAILURES = ("traceback", "hang", "crash", "memory", "multiline", "unnamed", "garbage")


def build_cases(work: Path, n_per_kind: int, seed: int, kinds=None) -> list[tuple[str, str, object]]:
    """(kind, loader, target) cases: seeds, their mutations and the hostile paths."""
    import seeds

    rng = random.Random(seed)
    cases = []
    for kind, (builder, loader, text) in seeds.KINDS.items():
        if kinds and kind not in kinds:
            continue
        d = work / kind
        d.mkdir(parents=True, exist_ok=True)
        originals = builder(d)
        for p in originals:
            cases.append((kind, loader, str(p)))
        blobs = [(p, p.read_bytes()) for p in originals]
        for i in range(n_per_kind):
            p, data = blobs[i % len(blobs)]
            m = d / f"m{i:05d}_{p.name}"
            m.write_bytes(mutate(data, rng, text))
            cases.append((kind, loader, str(m)))
    if not kinds or "hostile" in kinds:
        for _name, p in hostile_paths(work / "hostile"):
            for loader in LOADERS:
                if loader not in ("selftest", "openggcm_meta"):  # the latter takes a sidecar JSON
                    cases.append(("hostile", loader, str(p)))
    return cases


def cli_cases(work: Path, n: int, seed: int) -> list[tuple[str, str, object]]:
    """Mutated command lines of the cheap sub-commands, plus hostile paths given to file options."""
    rng = random.Random(seed + 1)
    h = dict(hostile_paths(work / "hostile"))
    out = str(work / "cli_out.csv")
    templates = [
        [
            "orbit",
            "--start",
            "2026-05-21T00:00",
            "--stop",
            "2026-05-21T02:00",
            "--step",
            "30min",
            "--out",
            out,
        ],
        [
            "windows",
            "--start",
            "2026-05-21T00:00",
            "--stop",
            "2026-05-21T01:00",
            "--step",
            "20min",
            "--out",
            out,
        ],
        ["cube-info", str(work / "fits_cube" / "cube.fits")],
        [
            "synth",
            "--instrument",
            "sxi",
            "--time",
            "2026-05-21T00:00",
            "--pixels",
            "8x6",
            "--out",
            str(work / "cli_out.fits"),
            "--step",
            "2",
        ],
    ]
    values = [
        "1e22",
        "-1",
        "0",
        "nan",
        "inf",
        "1e308",
        "1e308,0,0",
        "",
        "x",
        "--",
        "-h",
        "2026-13-45",
        "99999-01-01",
        "0001-01-01",
        "1e-300",
        "10000000000000000000",
        "9" * 5000,
        "é",
        "\x00",
        "1,2",
        "1,2,3,4",
        "0x0",
        "100000x100000",
        "-5min",
        "0s",
        "1e12s",
    ]
    flags = [
        "--step",
        "--start",
        "--stop",
        "--frame",
        "--tle",
        "--oem",
        "--profile",
        "--omni",
        "--position",
        "--exposure",
        "--pixels",
        "--solar-wind",
        "--instrument",
        "--model",
        "--param",
        "--out",
    ]
    cases = []
    for _ in range(n):
        argv = list(rng.choice(templates))
        for _ in range(rng.randint(1, 3)):
            op = rng.randrange(4)
            if op == 0 and len(argv) > 1:
                argv[rng.randrange(1, len(argv))] = rng.choice(values)
            elif op == 1:
                argv += [rng.choice(flags), rng.choice(values)]
            elif op == 2 and len(argv) > 1:
                del argv[rng.randrange(1, len(argv))]
            else:
                argv += [
                    rng.choice(["--tle", "--oem", "--omni", "--profile"]),
                    str(rng.choice(list(h.values()))),
                ]
        cases.append(("cli", "cli", argv))
    for p in h.values():
        for flag in ("--tle", "--oem", "--omni", "--profile"):
            cases.append(
                (
                    "cli_hostile",
                    "cli",
                    [
                        "windows",
                        "--start",
                        "2026-05-21T00:00",
                        "--stop",
                        "2026-05-21T01:00",
                        "--out",
                        out,
                        flag,
                        str(p),
                    ],
                )
            )
    return cases


def run_campaign(
    cases,
    *,
    timeout: float = 60.0,
    workers: int = 1,
    env: dict | None = None,
    log=None,
    cwd: str | Path | None = None,
):
    """Run ``cases`` on ``workers`` worker processes (working directory ``cwd``, default a new
    temporary one); returns (table, failures)."""
    table: dict[str, Counter] = defaultdict(Counter)
    failures = []
    pool = [Worker(env, cwd) for _ in range(max(1, workers))]
    queue = list(enumerate(cases))
    try:
        if workers <= 1:
            for _, (kind, loader, target) in queue:
                outcome, detail = pool[0].run(loader, target, timeout)
                _record(table, failures, kind, loader, target, outcome, detail, log)
        else:
            import threading

            lock = threading.Lock()

            def drain(w: Worker):
                while True:
                    with lock:
                        if not queue:
                            return
                        _, (kind, loader, target) = queue.pop(0)
                    outcome, detail = w.run(loader, target, timeout)
                    with lock:
                        _record(table, failures, kind, loader, target, outcome, detail, log)

            threads = [threading.Thread(target=drain, args=(w,)) for w in pool]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
    finally:
        for w in pool:
            w.close()
    return table, failures


def _record(table, failures, kind, loader, target, outcome, detail, log):
    table[kind]["cases"] += 1
    bucket = outcome if outcome in ("accepted", "clean") else "failures"
    table[kind][bucket] += 1
    if outcome in FAILURES:
        failures.append((kind, loader, target, outcome, detail))
        if log:
            log(f"FAIL {kind} {loader} {target!s:.200}: {outcome}: {detail[:200]}")


def format_table(table) -> str:
    rows = ["| kind | cases | accepted | clean errors | failures |", "|---|---:|---:|---:|---:|"]
    tot = Counter()
    for kind in sorted(table):
        c = table[kind]
        rows.append(f"| {kind} | {c['cases']} | {c['accepted']} | {c['clean']} | {c['failures']} |")
        tot.update(c)
    rows.append(f"| **total** | {tot['cases']} | {tot['accepted']} | {tot['clean']} | {tot['failures']} |")
    return "\n".join(rows)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description="fuzz campaign over every file kind and the CLI")
    ap.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--cases", type=int, default=3000, help="mutated files in all (spread over the kinds)")
    ap.add_argument("--cli", type=int, default=300, help="mutated command lines")
    ap.add_argument("--seed", type=int, default=20260521)
    ap.add_argument("--timeout", type=float, default=60.0, help="per-case limit [s]")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--kinds", help="comma-separated kinds (default: all)")
    ap.add_argument("--dir", help="work directory (default: a temporary one)")
    args = ap.parse_args(argv)
    if args.worker:
        _worker()
        return 0
    sys.path.insert(0, str(HERE))
    import seeds

    kinds = args.kinds.split(",") if args.kinds else None
    n_kinds = len([k for k in seeds.KINDS if not kinds or k in kinds])
    with tempfile.TemporaryDirectory(prefix="smile-fuzz-") as tmp:
        work = Path(args.dir or tmp)
        t0 = time.time()
        cases = build_cases(work, max(1, args.cases // max(1, n_kinds)), args.seed, kinds)
        if not kinds or "cli" in kinds:
            cases += cli_cases(work, args.cli, args.seed)
        print(f"{len(cases)} cases, timeout {args.timeout:g} s per case, {args.workers} workers", flush=True)
        (work / "cwd").mkdir(exist_ok=True)
        table, failures = run_campaign(
            cases,
            timeout=args.timeout,
            workers=args.workers,
            log=lambda s: print(s, flush=True),
            cwd=work / "cwd",
        )
        print(format_table(table))
        print(f"{len(failures)} failures in {time.time() - t0:.0f} s (seed {args.seed})")
    return 1 if failures else 0


if __name__ == "__main__":
    if "--worker" not in sys.argv:
        sys.path.insert(0, str(HERE))
    raise SystemExit(main())
