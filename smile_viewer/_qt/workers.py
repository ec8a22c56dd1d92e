"""Long work off the GUI thread: one-off jobs and a debounced, latest-wins render scheduler.

:class:`Job` / :func:`run_in_thread` run one call in Qt's thread pool with signals delivered on
the GUI thread; :class:`RenderScheduler` debounces submits and delivers only the newest
generation. A work function that declares a parameter ``ctx`` gets a :class:`WorkContext`
(progress, cooperative cancel). ``SMILE_SYNC_WORKERS=1`` runs everything inline
(docs/settings.md). The rules: docs/architecture.md#threads-and-workers.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QCoreApplication,
    QElapsedTimer,
    QEventLoop,
    QObject,
    Qt,
    QThreadPool,
    QTimer,
    Signal,
)

from smile_viewer._qt.pyside_compat import apply_pyside_fixes
from smile_viewer.cancel import Cancelled  # raised by WorkContext.check (one class for every cancel)
from smile_viewer.errors import UserInputError

apply_pyside_fixes()  # PySide6 6.12 loses a reference to True on every emit (see pyside_compat)

log = logging.getLogger(__name__)

__all__ = [
    "SYNC_ENV",
    "CancelToken",
    "Cancelled",
    "Job",
    "RenderScheduler",
    "WorkContext",
    "WorkError",
    "describe_exception",
    "run_in_thread",
    "sync_workers_default",
]

#: Environment variable that makes every worker run inline (``1``/``true``/``yes``).
SYNC_ENV = "SMILE_SYNC_WORKERS"

#: Progress signals are sent at most this often (seconds), besides the first and the last.
_PROGRESS_INTERVAL_S = 0.03


def sync_workers_default() -> bool:
    """True when ``SMILE_SYNC_WORKERS`` asks for inline (synchronous) workers."""
    return os.environ.get(SYNC_ENV, "").strip().lower() in ("1", "true", "yes", "on")


# -- cancel, progress, errors -------------------------------------------------------------------
class CancelToken:
    """A thread-safe cancel flag (``cancel()`` from any thread, poll ``cancelled``)."""

    __slots__ = ("_event",)

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def is_set(self) -> bool:  # so a CancelToken can stand in for a threading.Event
        return self._event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise Cancelled()


class WorkContext:
    """What a work function gets as ``ctx``: progress reporting and the cancel flag.

    Safe to use from the worker thread. ``progress`` never raises; call :meth:`check` (or
    read :attr:`cancelled`) between pieces of work to stop early.
    """

    def __init__(self, token: CancelToken, report: Callable[[float, str], None], generation: int = 0):
        self._token = token
        self._report = report
        self._last = -1.0
        self.generation = generation

    @property
    def cancelled(self) -> bool:
        return self._token.cancelled

    def check(self) -> None:
        """Raise :class:`Cancelled` when the work has been cancelled (its result would be dropped)."""
        self._token.raise_if_cancelled()

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress, ``fraction`` in [0, 1] (throttled to ~30 per second)."""
        try:
            f = min(1.0, max(0.0, float(fraction)))
        except (TypeError, ValueError):
            return
        now = time.perf_counter()
        if self._last >= 0 and f < 1.0 and now - self._last < _PROGRESS_INTERVAL_S:
            return
        self._last = now
        self._report(f, str(message))


@dataclass(frozen=True)
class WorkError:
    """A failed job, as delivered by ``errorOccurred``.

    ``message``: one line for a dialog or the status bar; ``user_error``: the input was wrong
    (a ``UserInputError``: show the message, no traceback) rather than a bug; ``exception``
    and ``traceback`` (text) for details; ``generation`` of the request that failed.
    """

    message: str
    user_error: bool
    exception: BaseException
    traceback: str
    generation: int = 0


def describe_exception(exc: BaseException, generation: int = 0, *, log_it: bool = True) -> WorkError:
    """Turn an exception from work into a :class:`WorkError` (logging bugs with their traceback)."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    if isinstance(exc, UserInputError):
        message = str(exc) or type(exc).__name__
        if log_it:
            log.info("work failed on user input: %s", message)
        return WorkError(message, True, exc, tb, generation)
    if isinstance(exc, MemoryError):
        short = "out of memory (try a smaller image or volume)"
    else:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        if len(text) > 200:
            text = text[:199] + "…"
        short = f"{type(exc).__name__}: {text}" if text else type(exc).__name__
    if log_it:
        log.error("work failed: %s", short, exc_info=(type(exc), exc, exc.__traceback__))
    return WorkError(f"{short} (details in the log)", False, exc, tb, generation)


def _wants_context(fn: Callable) -> bool:
    """True when ``fn`` has a parameter called ``ctx`` (then it is passed a WorkContext)."""
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins, some C callables
        return False
    p = params.get("ctx")
    return p is not None and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)


# -- one job ------------------------------------------------------------------------------------
_LIVE_JOBS: set[Job] = set()  # running jobs are kept alive here until their result is handled


class Job(QObject):
    """One call of ``fn(*args, **kwargs)`` in the thread pool (or inline when synchronous).

    Create it on the GUI thread, connect its signals, then :meth:`start`. Signals (on the GUI
    thread, in this order): ``started``; ``progressChanged(fraction, message)`` any number of
    times; exactly one of ``resultReady(result)``, ``errorOccurred(WorkError)`` or
    ``cancelled()``; then ``finished()``. A job cancelled before it ends delivers
    ``cancelled`` even if its function returned normally.
    """

    started = Signal()
    progressChanged = Signal(float, str)
    resultReady = Signal(object)
    errorOccurred = Signal(object)
    cancelled = Signal()
    finished = Signal()

    _relayProgress = Signal(float, str)  # emitted from the worker thread
    _relayDone = Signal(object)  # emitted from the worker thread

    def __init__(
        self,
        fn: Callable,
        *args,
        synchronous: bool | None = None,
        pool: QThreadPool | None = None,
        generation: int = 0,
        parent: QObject | None = None,
        **kwargs,
    ):
        super().__init__(parent)
        self.fn = fn
        self.args = args
        self.kwargs = kwargs
        self.generation = generation
        self.synchronous = sync_workers_default() if synchronous is None else bool(synchronous)
        self._pool = pool
        self.token = CancelToken()
        self._done = threading.Event()
        self._state = "new"  # new -> running -> done
        self.elapsed_s: float | None = None
        self.result: Any = None
        self.error: WorkError | None = None
        #: "result", "error" or "cancelled" once done (None before)
        self.outcome: str | None = None
        self._relayProgress.connect(self._on_progress, Qt.ConnectionType.QueuedConnection)
        self._relayDone.connect(self._on_done, Qt.ConnectionType.QueuedConnection)

    # -- control ---------------------------------------------------------------------------
    @property
    def is_running(self) -> bool:
        return self._state == "running"

    @property
    def is_done(self) -> bool:
        return self._state == "done"

    @property
    def is_cancelled(self) -> bool:
        return self.token.cancelled

    def start(self) -> Job:
        """Start the work (once); returns self. Synchronous jobs have finished on return."""
        if self._state != "new":
            raise RuntimeError("a Job can be started only once")
        self._state = "running"
        self.started.emit()
        if self.synchronous:
            outcome = self._execute(self._on_progress)
            self._done.set()
            self._on_done(outcome)
        else:
            _LIVE_JOBS.add(self)
            (self._pool or QThreadPool.globalInstance()).start(self._run_in_thread)
        return self

    def cancel(self) -> None:
        """Ask the work to stop (cooperative); its result, if any, is dropped."""
        self.token.cancel()

    def wait(self, timeout_s: float | None = None) -> bool:
        """Block until the work function has returned (not until signals are delivered)."""
        if self._state == "new":
            return True
        return self._done.wait(timeout_s)

    # -- running -----------------------------------------------------------------------------
    def _execute(self, report: Callable[[float, str], None]) -> tuple[str, Any]:
        kwargs = dict(self.kwargs)
        if _wants_context(self.fn):
            kwargs["ctx"] = WorkContext(self.token, report, self.generation)
        t0 = time.perf_counter()
        try:
            if self.token.cancelled:
                raise Cancelled()
            value = self.fn(*self.args, **kwargs)
            outcome = ("cancelled", None) if self.token.cancelled else ("result", value)
        except Cancelled:
            outcome = ("cancelled", None)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, none kills the thread
            outcome = ("error", describe_exception(exc, self.generation))
        self.elapsed_s = time.perf_counter() - t0
        return outcome

    def _run_in_thread(self) -> None:
        outcome = self._execute(self._emit_progress_from_thread)
        try:
            self._relayDone.emit(outcome)
        except RuntimeError:  # the QObject was deleted meanwhile: nobody to tell
            log.debug("job finished after its owner was deleted")
        finally:
            self._done.set()

    def _emit_progress_from_thread(self, fraction: float, message: str) -> None:
        try:
            self._relayProgress.emit(fraction, message)
        except RuntimeError:
            pass

    # -- back on the GUI thread ------------------------------------------------------------
    def _on_progress(self, fraction: float, message: str) -> None:
        if self._state == "running" and not self.token.cancelled:
            self.progressChanged.emit(fraction, message)

    def _on_done(self, outcome: tuple[str, Any]) -> None:
        _LIVE_JOBS.discard(self)
        if self._state == "done":
            return
        self._state = "done"
        kind, value = outcome
        if self.token.cancelled:
            kind = "cancelled"
        self.outcome = kind
        if kind == "result":
            self.result = value
            self.resultReady.emit(value)
        elif kind == "error":
            self.error = value
            self.errorOccurred.emit(value)
        else:
            self.cancelled.emit()
        self.finished.emit()


def run_in_thread(
    fn: Callable,
    *args,
    on_result: Callable | None = None,
    on_error: Callable | None = None,
    on_progress: Callable | None = None,
    on_finished: Callable | None = None,
    synchronous: bool | None = None,
    pool: QThreadPool | None = None,
    **kwargs,
) -> Job:
    """Start ``fn(*args, **kwargs)`` in the thread pool and return its :class:`Job`.

    The callbacks run on the GUI thread: ``on_result(result)``, ``on_error(WorkError)``,
    ``on_progress(fraction, message)``, ``on_finished()``. Keep the returned job to cancel it.
    """
    job = Job(fn, *args, synchronous=synchronous, pool=pool, **kwargs)
    if on_result is not None:
        job.resultReady.connect(on_result)
    if on_error is not None:
        job.errorOccurred.connect(on_error)
    if on_progress is not None:
        job.progressChanged.connect(on_progress)
    if on_finished is not None:
        job.finished.connect(on_finished)
    return job.start()


# -- the render scheduler -----------------------------------------------------------------------
#: Requests of two schedulers submitted within this many seconds come from one change (a
#: scheduler that yields to another waits only for the other's work on the same change).
SAME_CHANGE_S = 0.25


class RenderScheduler(QObject):
    """Debounced, latest-wins execution of ``work(request)`` for requests that follow the user.

    Parameters
    ----------
    work : callable
        ``work(request) -> result`` or ``work(request, ctx) -> result`` (see the module doc).
        It runs in a worker thread: it must not touch Qt widgets or evented models; give it a
        frozen request built on the GUI thread.
    request_factory : callable, optional
        ``() -> request``, called on the GUI thread when a debounced :meth:`schedule` fires
        (so a burst of model events builds one request, not ten).
    debounce_ms : int
        Quiet time after the last submit before the work starts (default 80 ms).
    max_delay_ms : int, optional
        During a continuous burst (a slider held and moved) start anyway once the oldest
        waiting submit is this old (a live preview while dragging). Default: no limit.
    yield_to : RenderScheduler, optional
        Start no job while this other scheduler is busy (waiting or running) with a request
        made by the same change, for at most ``max_hold_ms``: on two cores the more urgent
        work (the SXI image) then runs alone and sooner (:meth:`yield_to`).
    synchronous : bool, optional
        Run inline with no debounce (default: ``SMILE_SYNC_WORKERS``).
    pool : QThreadPool, optional
        Thread pool (default: ``QThreadPool.globalInstance()``).

    Signals (GUI thread): ``requestStarted(generation)``, ``progressChanged(fraction,
    message)``, ``resultReady(result)``, ``errorOccurred(WorkError)``,
    ``cancelled(generation)``, ``busyChanged(bool)``. Only the newest generation's
    progress/result/error is delivered. After a result, ``last_generation`` and
    ``last_duration_s`` describe the run that produced it (for a status bar).
    """

    requestStarted = Signal(int)
    progressChanged = Signal(float, str)
    resultReady = Signal(object)
    errorOccurred = Signal(object)
    cancelled = Signal(int)
    busyChanged = Signal(bool)

    def __init__(
        self,
        work: Callable,
        *,
        request_factory: Callable[[], Any] | None = None,
        debounce_ms: int = 80,
        max_delay_ms: int | None = None,
        synchronous: bool | None = None,
        pool: QThreadPool | None = None,
        parent: QObject | None = None,
        yield_to: RenderScheduler | None = None,
        max_hold_ms: int = 400,
    ):
        super().__init__(parent)
        self.work = work
        self.request_factory = request_factory
        self.debounce_ms = int(debounce_ms)
        self.max_delay_ms = None if max_delay_ms is None else int(max_delay_ms)
        self.synchronous = sync_workers_default() if synchronous is None else bool(synchronous)
        self._pool = pool
        self._generation = 0
        self._pending: tuple[int, Any, bool] | None = None  # (generation, request, from_factory)
        self._pending_clock = QElapsedTimer()
        self._running: Job | None = None
        self._busy = False
        self._closed = False
        self.last_generation = 0
        self.last_duration_s: float | None = None
        self.runs = 0  # jobs started (for tests and statistics)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._launch_pending)
        self._yield_to: RenderScheduler | None = None
        self.max_hold_ms = int(max_hold_ms)
        self._submitted_at = -1e9  # time.monotonic() of the newest submit
        self._pending_since = -1e9  # ... of the first submit still waiting
        if yield_to is not None:
            self.yield_to(yield_to, max_hold_ms)

    def yield_to(self, other: RenderScheduler, max_hold_ms: int | None = None) -> None:
        """Hold this scheduler's jobs while ``other`` is busy with a request submitted within
        :data:`SAME_CHANGE_S` of ours (the same change asked for both), each for at most
        ``max_hold_ms``; they start as soon as ``other`` becomes idle. A request of ours on
        its own (a layer turned on while ``other`` works on an older change) does not wait."""
        if self._yield_to is not None:
            self._yield_to.busyChanged.disconnect(self._on_other_busy)
        self._yield_to = other
        if max_hold_ms is not None:
            self.max_hold_ms = int(max_hold_ms)
        other.busyChanged.connect(self._on_other_busy)

    def _on_other_busy(self, busy: bool) -> None:
        if not busy and self._pending is not None and self._running is None and not self._closed:
            # start after the events already posted (the other's result being painted): a
            # compiled kernel holding the GIL in a worker would otherwise delay that paint
            self._timer.start(0)

    def _held(self) -> bool:
        """True (and the launch re-armed for the end of the hold) while the scheduler we yield
        to is busy and the waiting request is younger than ``max_hold_ms``."""
        other = self._yield_to
        if other is None or not other.busy or not self._pending_clock.isValid():
            return False
        if abs(self._pending_since - other._submitted_at) > SAME_CHANGE_S:
            return False  # not asked for by the change the other works on
        left = self.max_hold_ms - int(self._pending_clock.elapsed())
        if left <= 0:
            return False
        self._timer.start(left)
        return True

    # -- state -------------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        """The newest generation submitted (results of older ones are dropped)."""
        return self._generation

    @property
    def busy(self) -> bool:
        """True while a request waits for its debounce or a job runs."""
        return self._pending is not None or self._running is not None

    def _update_busy(self) -> None:
        busy = self.busy
        if busy != self._busy:
            self._busy = busy
            self.busyChanged.emit(busy)

    # -- submitting ----------------------------------------------------------------------------
    def submit(self, request: Any) -> int:
        """Queue ``request`` (debounced); returns its generation number."""
        return self._enqueue(request, from_factory=False, immediate=False)

    def submit_now(self, request: Any) -> int:
        """Queue ``request`` without the debounce delay (e.g. on slider release): it starts
        right here when no job runs (and it does not wait for a scheduler it yields to)."""
        return self._enqueue(request, from_factory=False, immediate=True)

    def schedule(self, *_ignored) -> int:
        """Debounced run of ``request_factory()`` (connect model change events here)."""
        if self.request_factory is None:
            raise RuntimeError("schedule() needs a request_factory; use submit(request)")
        return self._enqueue(None, from_factory=True, immediate=False)

    def _enqueue(self, request: Any, *, from_factory: bool, immediate: bool) -> int:
        if self._closed:  # e.g. a model event arriving while the window closes
            log.debug("RenderScheduler is shut down: submit ignored")
            return self._generation
        self._generation += 1
        gen = self._generation
        if self._running is not None:
            self._running.cancel()  # its result would be stale: let it stop early
        if self.synchronous:
            self._pending = None
            self._timer.stop()
            self._start_job(gen, request, from_factory)
            return gen
        first = self._pending is None
        self._pending = (gen, request, from_factory)
        self._submitted_at = time.monotonic()
        if first or not self._pending_clock.isValid():
            self._pending_clock.start()
            self._pending_since = self._submitted_at
        if immediate and self._running is None and not self._held():
            # start now, not at the next turn of the event loop (which may be after a long
            # frame: the 3-D view asks for its data at the start of a draw)
            self._timer.stop()
            self._launch_pending()
            return gen
        delay = 0 if immediate else self.debounce_ms
        if self.max_delay_ms is not None and not first:
            delay = min(delay, max(0, self.max_delay_ms - int(self._pending_clock.elapsed())))
        self._timer.start(delay)
        self._update_busy()
        return gen

    def _launch_pending(self) -> None:
        if self._pending is None or self._running is not None:
            return  # a running (cancelled, stale) job is still finishing; we start after it
        if self._held():
            return  # the scheduler we yield to is busy: start when it is idle (or the hold ends)
        gen, request, from_factory = self._pending
        self._pending = None
        self._pending_clock.invalidate()
        self._start_job(gen, request, from_factory)

    def _start_job(self, gen: int, request: Any, from_factory: bool) -> None:
        if from_factory:
            try:
                request = self.request_factory()
            except Exception as exc:  # noqa: BLE001 - a failed request build is reported like a work error
                self._deliver_error(describe_exception(exc, gen))
                self._update_busy()
                return
        job = Job(self.work, request, synchronous=self.synchronous, pool=self._pool, generation=gen)
        job.progressChanged.connect(lambda f, m, j=job: self._on_job_progress(j, f, m))
        job.finished.connect(lambda j=job: self._on_job_finished(j))
        self._running = job
        self.runs += 1
        self._update_busy()
        self.requestStarted.emit(gen)
        job.start()

    # -- results -------------------------------------------------------------------------------
    def _on_job_progress(self, job: Job, fraction: float, message: str) -> None:
        if job.generation == self._generation:
            self.progressChanged.emit(fraction, message)

    def _on_job_finished(self, job: Job) -> None:
        if self._running is job:
            self._running = None
        current = job.generation == self._generation
        if current and job.outcome == "result":
            self.last_generation = job.generation
            self.last_duration_s = job.elapsed_s
            self.resultReady.emit(job.result)
        elif current and job.outcome == "error":
            self._deliver_error(job.error)
        elif current:  # the work stopped itself with Cancelled
            self.cancelled.emit(job.generation)
        else:
            log.debug(
                "dropped the stale result of generation %d (newest %d)", job.generation, self._generation
            )
        if self._pending is not None and not self._timer.isActive() and not self._closed:
            self._launch_pending()
        self._update_busy()

    def _deliver_error(self, error: WorkError) -> None:
        self.errorOccurred.emit(error)

    # -- cancel and shutdown -------------------------------------------------------------------
    def cancel(self) -> None:
        """Drop the waiting request and cancel the running one; emits ``cancelled(generation)``.

        Whatever is still in flight becomes stale (its result is never delivered).
        """
        had_work = self.busy
        self._timer.stop()
        self._pending = None
        if self._running is not None:
            self._running.cancel()
        self._generation += 1
        if had_work:
            self.cancelled.emit(self._generation - 1)
        self._update_busy()

    def wait_idle(self, timeout_ms: int = 10000) -> bool:
        """Process events until nothing is pending or running (for tests and scripts)."""
        if self.synchronous:
            return not self.busy
        clock = QElapsedTimer()
        clock.start()
        loop = QEventLoop()
        while self.busy and clock.elapsed() < timeout_ms:
            loop.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
            if self._running is not None:
                self._running.wait(0.005)
        return not self.busy

    def shutdown(self, timeout_s: float = 5.0) -> bool:
        """Cancel everything and wait for a running job to return (call from closeEvent).

        Returns False when the job did not return within ``timeout_s`` (it keeps running in
        its thread; its result is dropped).
        """
        self.cancel()
        self._closed = True
        job = self._running
        ok = job.wait(timeout_s) if job is not None else True
        if ok and QCoreApplication.instance() is not None:
            QCoreApplication.processEvents()  # deliver the job's queued "done" to clean up
        return ok
