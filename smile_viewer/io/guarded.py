"""Third-party parsers (VTK, cdflib, netCDF/HDF5) run on untrusted files in a child process.

:func:`run_guarded` calls a module-level reader in a child made by multiprocessing's
``forkserver`` context (``spawn`` where that is missing) with an address-space limit
(``RLIMIT_AS``) and a time limit. The result comes back pickled; a segmentation fault, an
endless loop or a memory blow-up inside the parser becomes one :class:`DataFileError` line
instead of taking the application down. Why and what it costs: docs/robustness.md.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import multiprocessing
import os
import pickle
import signal
import threading
import warnings
from collections.abc import Callable
from multiprocessing import spawn
from pathlib import Path
from typing import Any

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.checked_file import checked_path

#: Seconds a guarded parse may take before it is stopped (plus 1 s per 20 MiB of file).
#: ``SMILE_VIEWER_PARSE_TIMEOUT_S`` in the environment overrides it.
PARSE_TIMEOUT_S = 60.0
#: Least address space a guarded child may add to what it holds at start [bytes]. The budget is
#: the larger of this and 8 × the file's size, capped by the memory available now.
MIN_MEMORY_BYTES = 2 * 2**30
#: Modules the fork server imports once, so each child starts in milliseconds.
PRELOAD = (
    "numpy",
    "smile_viewer.io.guarded",
    "psutil",
    "smile_viewer.io.cubes",
    "smile_viewer.physics.volume",
    "pyvista",
    "xarray",
    "h5netcdf",
    "scipy.io",
    "cdflib",
    "smile_viewer.io.omni",
    "smile_viewer.io.observed",
    "smile_viewer.io._guard_warmup",
)

#: True inside a guarded child: a reader called there parses in-process (no nested child).
IN_CHILD = os.environ.get("SMILE_VIEWER_GUARD_CHILD") == "1"

_lock = threading.Lock()
_ctx = None


def _context():
    global _ctx
    with _lock:
        if _ctx is None:
            methods = multiprocessing.get_all_start_methods()
            if "forkserver" in methods:
                ctx = multiprocessing.get_context("forkserver")
                ctx.set_forkserver_preload([m for m in PRELOAD if _importable(m)])
            else:  # pragma: no cover - Windows
                ctx = multiprocessing.get_context("spawn")
            _ctx = ctx
        return _ctx


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def timeout_for(size_bytes: int) -> float:
    """Time limit [s] for parsing a file of ``size_bytes``."""
    env = os.environ.get("SMILE_VIEWER_PARSE_TIMEOUT_S")
    try:
        base = float(env) if env else PARSE_TIMEOUT_S
    except ValueError:
        base = PARSE_TIMEOUT_S
    return base + size_bytes / (20 * 2**20)


def memory_budget(size_bytes: int) -> int:
    """Address space [bytes] a child may add for a file of ``size_bytes``."""
    # lazy: import cycle (io.cubes._common imports this module)
    from smile_viewer.io.cubes._common import available_memory_bytes

    budget = max(MIN_MEMORY_BYTES, 8 * int(size_bytes))
    avail = available_memory_bytes()
    if avail is not None:
        budget = min(budget, max(int(avail), MIN_MEMORY_BYTES // 2))
    return budget


def _vm_size() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _limit_child(memory_bytes: int) -> None:
    try:
        import resource  # lazy: Unix-only standard module (absent on Windows)
    except ImportError:  # pragma: no cover - Windows
        return
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass
    if memory_bytes > 0:
        soft = _vm_size() + memory_bytes
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            soft = min(soft, hard)
        try:
            resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        except (ValueError, OSError):
            pass


def _quiet() -> None:
    """Parsers print to stdout/stderr (VTK's "ERROR:root:..." lines): in the child that output is
    dropped, so the user sees the one-line error only (the readers collect VTK's messages through
    pyvista's error observer, not from the streams)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            os.dup2(devnull, fd)
        os.close(devnull)
    except OSError:
        pass


def allow_memory(nbytes: int) -> None:
    """Inside a guarded child, let the parse use ``nbytes`` more address space: a reader's own
    estimate of what the file's data need, already checked against the memory available
    (``io.cubes._common.check_memory`` calls this). Elsewhere it does nothing."""
    if not IN_CHILD or nbytes <= 0:
        return
    try:
        import resource  # lazy: Unix-only standard module (absent on Windows)

        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY:
            return
        want = _vm_size() + 2 * int(nbytes) + MIN_MEMORY_BYTES // 2
        if hard != resource.RLIM_INFINITY:
            want = min(want, hard)
        if want > soft:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
    except (ImportError, ValueError, OSError):
        pass


def _one_line(text: str, limit: int = 300) -> str:
    first = " ".join(str(text).split())
    return first if len(first) <= limit else first[: limit - 1] + "…"


def _child_main(conn, module: str, name: str, args, kwargs, memory_bytes: int, avail: int | None) -> None:
    global IN_CHILD
    IN_CHILD = True
    os.environ["SMILE_VIEWER_GUARD_CHILD"] = "1"
    _quiet()
    _limit_child(memory_bytes)
    caught: list = []
    try:
        if avail is not None:  # the parent's view of free memory decides the readers' checks
            # lazy: import cycle (io.cubes._common imports this module)
            from smile_viewer.io.cubes import _common

            _common.available_memory_bytes = lambda: avail
        func = getattr(importlib.import_module(module), name)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            result = func(*args, **kwargs)
        msgs = _warning_records(caught)
        _send_out_of_band(conn, ("ok", result, msgs))
    except DataFileError as exc:
        conn.send(("data", (exc.path, exc.problem), _warning_records(caught)))
    except UserInputError as exc:
        conn.send(("user", str(exc), _warning_records(caught)))
    except MemoryError:
        conn.send(("memory", None, []))
    except RecursionError:
        conn.send(("other", "RecursionError: nested too deeply", []))
    except BaseException as exc:  # noqa: BLE001 - any failure of a parser on hostile bytes
        try:
            conn.send(("other", f"{type(exc).__name__}: {_one_line(exc)}", _warning_records(caught)))
        except Exception:  # noqa: BLE001 - e.g. an unpicklable exception
            conn.send(("other", type(exc).__name__, []))
    finally:
        conn.close()


def _send_out_of_band(conn, msg) -> None:
    """Send ``msg`` pickled (protocol 5) with the arrays' buffers out of band, each as its own
    message: neither process holds a pickled copy of a volume besides its arrays."""
    buffers: list = []
    data = pickle.dumps(msg, protocol=5, buffer_callback=buffers.append)
    raws = [b.raw() for b in buffers]
    conn.send(("oob", [r.nbytes for r in raws]))
    conn.send_bytes(data)
    for r in raws:
        conn.send_bytes(r)


def _recv_out_of_band(conn, sizes):
    """The message :func:`_send_out_of_band` sent: the arrays are rebuilt on writable buffers
    received in place (no second copy)."""
    data = conn.recv_bytes()
    bufs = [bytearray(n) for n in sizes]
    for b in bufs:
        conn.recv_bytes_into(b)
    return pickle.loads(data, buffers=bufs)  # our own child's result


def _warning_records(caught) -> list[tuple[str, str, str]]:
    out = []
    for w in caught or ():
        cat = w.category
        out.append((cat.__module__, cat.__qualname__, str(w.message)))
    return out


def _rewarn(records) -> None:
    for module, qualname, message in records:
        try:
            cat = getattr(importlib.import_module(module), qualname)
            if not (isinstance(cat, type) and issubclass(cat, Warning)):
                cat = UserWarning
        except (ImportError, AttributeError):
            cat = UserWarning
        if issubclass(cat, (DeprecationWarning, PendingDeprecationWarning, ResourceWarning)):
            continue
        warnings.warn(message, cat, stacklevel=3)


def _daemonic() -> bool:
    """True in a daemonic process (a dask or multiprocessing pool worker), which may not start
    children: there the reader runs in-process, and a crash ends that worker only (its pool
    reports the task as failed)."""
    try:
        return bool(multiprocessing.current_process().daemon)
    except Exception:  # noqa: BLE001 - an unusual process object: assume not
        return False


def _start_without_main(proc) -> None:
    """``proc.start()`` without multiprocessing's re-import of the ``__main__`` script in the
    child (the child imports the reader by its module name): a user's script without an
    ``if __name__ == "__main__"`` guard is never run twice."""
    original = spawn.get_preparation_data

    def preparation_data(name):
        data = original(name)
        data.pop("init_main_from_path", None)
        data.pop("init_main_from_name", None)
        return data

    spawn.get_preparation_data = preparation_data
    previous = os.environ.get("SMILE_VIEWER_GUARD_SERVER")
    os.environ["SMILE_VIEWER_GUARD_SERVER"] = "1"  # a fork server started now warms up (_guard_warmup)
    try:
        proc.start()
    finally:
        spawn.get_preparation_data = original
        if previous is None:
            os.environ.pop("SMILE_VIEWER_GUARD_SERVER", None)
        else:
            os.environ["SMILE_VIEWER_GUARD_SERVER"] = previous


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(code).name
    except ValueError:
        return f"signal {code}"


def run_guarded(
    func: Callable,
    args: tuple = (),
    kwargs: dict | None = None,
    *,
    path: Any,
    what: str,
    timeout_s: float | None = None,
    memory_bytes: int | None = None,
) -> Any:
    """``func(*args, **kwargs)`` in a child process; its result (pickled) is returned.

    ``func`` must be a module-level function. ``path`` is the file parsed (for messages, the
    default limits from its size); ``what`` names the parser ("VTK", "CDF", "netCDF/HDF5").
    DataFileError / UserInputError raised in the child are raised again here; warnings are
    re-issued. A crash, a time-out, an out-of-memory or any other exception in the child raises
    one DataFileError line. Inside a guarded child, or with ``SMILE_VIEWER_UNGUARDED=1``, the call
    runs in-process.
    """
    kwargs = dict(kwargs or {})
    if IN_CHILD or os.environ.get("SMILE_VIEWER_UNGUARDED") == "1" or _daemonic():
        return func(*args, **kwargs)
    p = Path(os.fspath(path))
    try:
        size = p.stat().st_size
    except OSError:
        size = 0
    timeout = timeout_for(size) if timeout_s is None else float(timeout_s)
    budget = memory_budget(size) if memory_bytes is None else int(memory_bytes)
    # lazy: import cycle (io.cubes._common imports this module)
    from smile_viewer.io.cubes._common import available_memory_bytes

    ctx = _context()
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(
        target=_child_main,
        args=(send, func.__module__, func.__qualname__, args, kwargs, budget, available_memory_bytes()),
        daemon=True,
        name=f"smile-viewer {what} parser",
    )
    try:
        with _lock:
            _start_without_main(proc)
    except (OSError, RuntimeError) as exc:
        send.close()
        recv.close()
        raise DataFileError(p, f"cannot start the guarded {what} parser ({_one_line(exc)})") from None
    send.close()
    try:
        msg = None
        if recv.poll(timeout):
            try:
                msg = recv.recv()
                if isinstance(msg, tuple) and msg and msg[0] == "oob":
                    msg = _recv_out_of_band(recv, msg[1])
            except (EOFError, OSError):
                msg = None
            except Exception as exc:  # noqa: BLE001 - an unpicklable result
                msg = ("other", f"{type(exc).__name__}: {_one_line(exc)}", [])
        else:
            proc.kill()
            proc.join(5)
            raise DataFileError(
                p,
                f"the {what} parser did not finish within {timeout:.0f} s: stopped (the file is corrupt or "
                "hostile; SMILE_VIEWER_PARSE_TIMEOUT_S sets the limit)",
            )
        proc.join(10)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
    finally:
        recv.close()
    if msg is None:
        code = proc.exitcode
        if code is not None and code < 0:
            how = f"crashed ({_signal_name(-code)})"
        else:
            how = f"stopped without a result (exit status {code})"
        raise DataFileError(p, f"the {what} parser {how} on this file: it is corrupt or not a {what} file")
    kind, payload, records = msg
    _rewarn(records)
    if kind == "ok":
        return payload
    if kind == "data":
        err_path, problem = payload
        raise DataFileError(err_path, problem)
    if kind == "user":
        raise UserInputError(payload)
    if kind == "memory":
        raise DataFileError(
            p,
            f"the {what} parser ran out of its memory budget ({budget / 2**30:.1f} GiB) on this file: it is "
            "corrupt or too large to read",
        )
    raise DataFileError(p, f"cannot be read by the {what} parser, it may be corrupt ({payload})")


def guard(what: str, kind: str, check: Callable | None = None):
    """Decorator for a module-level reader ``func(path, ...)``: the path is checked
    (:func:`~smile_viewer.io.checked_file.checked_path` with ``kind``, or ``check(path)``), then
    ``func`` runs under :func:`run_guarded` (in-process when already inside a guarded child)."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(path, *args, **kwargs):
            if IN_CHILD or os.environ.get("SMILE_VIEWER_UNGUARDED") == "1" or _daemonic():
                path = checked_path(path, kind) if check is None else check(path)
                return func(path, *args, **kwargs)
            p = checked_path(path, kind) if check is None else check(path)
            return run_guarded(wrapper, (p, *args), kwargs, path=p, what=what)

        wrapper.unguarded = func
        return wrapper

    return decorate
