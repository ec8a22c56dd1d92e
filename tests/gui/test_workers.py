"""Workers: stale results dropped, debounce, cancel, errors, synchronous mode, and the GUI
event loop keeps turning while heavy work runs (no display or OpenGL needed)."""

from __future__ import annotations

import logging
import threading
import time

import numpy as np
import pytest
from PySide6.QtCore import QTimer

from smile_viewer._qt.workers import (
    Cancelled,
    Job,
    RenderScheduler,
    WorkError,
    run_in_thread,
)
from smile_viewer.errors import UserInputError


@pytest.fixture
def scheduler_factory(qtbot):
    made = []

    def make(work, **kwargs):
        kwargs.setdefault("synchronous", False)
        s = RenderScheduler(work, **kwargs)
        made.append(s)
        return s

    yield make
    for s in made:
        assert s.shutdown(10.0), "a worker did not stop"


class Recorder:
    def __init__(self, scheduler):
        self.results, self.errors, self.cancelled, self.progress = [], [], [], []
        scheduler.resultReady.connect(self.results.append)
        scheduler.errorOccurred.connect(self.errors.append)
        scheduler.cancelled.connect(self.cancelled.append)
        scheduler.progressChanged.connect(lambda f, m: self.progress.append((f, m)))


def test_debounce_coalesces_a_burst_into_one_run_of_the_last_request(qtbot, scheduler_factory):
    calls = []

    def work(request):
        calls.append(request)
        return request * 10

    s = scheduler_factory(work, debounce_ms=80)
    rec = Recorder(s)
    with qtbot.waitSignal(s.resultReady, timeout=5000):
        for i in range(10):
            s.submit(i)
    assert s.wait_idle(5000)
    qtbot.wait(150)  # nothing else comes later
    assert calls == [9], "ten quick submits make one run, of the newest request"
    assert rec.results == [90]
    assert s.runs == 1 and s.generation == 10 and s.last_generation == 10
    assert s.last_duration_s is not None and s.last_duration_s >= 0

    # spaced-out submits each run
    for i in (20, 21):
        with qtbot.waitSignal(s.resultReady, timeout=5000):
            s.submit(i)
    assert calls == [9, 20, 21] and rec.results == [90, 200, 210]


def test_max_delay_gives_a_live_preview_during_a_long_burst(qtbot, scheduler_factory):
    calls = []
    s = scheduler_factory(lambda r: calls.append(r) or r, debounce_ms=80, max_delay_ms=150)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 0.6:  # a slider dragged for 0.6 s, an event every 20 ms
        s.submit(round(time.perf_counter() - t0, 3))
        qtbot.wait(20)
    assert s.wait_idle(5000)
    assert 2 <= len(calls) <= 8, calls


def test_stale_result_is_dropped(qtbot, scheduler_factory):
    """A slow job that ignores cancel still completes, but only the newest result is delivered."""
    started = threading.Event()
    finished = []

    def work(request):
        if request == "slow":
            started.set()
            time.sleep(0.4)  # does not poll the cancel flag
        finished.append(request)
        return f"image of {request}"

    s = scheduler_factory(work, debounce_ms=10)
    rec = Recorder(s)
    s.submit_now("slow")
    qtbot.waitUntil(started.is_set, timeout=5000)
    s.submit_now("fast")
    with qtbot.waitSignal(s.resultReady, timeout=5000):
        pass
    assert s.wait_idle(5000)
    qtbot.wait(50)
    assert finished == ["slow", "fast"], "the stale job ran to its end (it never looked at cancel)"
    assert rec.results == ["image of fast"], "its result was dropped"
    assert s.last_generation == s.generation == 2


def test_stale_error_is_dropped_too(qtbot, scheduler_factory):
    started = threading.Event()

    def work(request):
        if request == "bad":
            started.set()
            time.sleep(0.2)
            raise UserInputError("stale problem")
        return request

    s = scheduler_factory(work, debounce_ms=10)
    rec = Recorder(s)
    s.submit_now("bad")
    qtbot.waitUntil(started.is_set, timeout=5000)
    s.submit_now("good")
    assert s.wait_idle(5000)
    assert rec.results == ["good"] and rec.errors == []


def test_newer_submit_cancels_cooperative_work_early(qtbot, scheduler_factory):
    started = threading.Event()
    stopped = []

    def work(request, ctx):
        if request == "long":
            started.set()
            t0 = time.perf_counter()
            try:
                while time.perf_counter() - t0 < 10:
                    ctx.check()
                    time.sleep(0.005)
            except Cancelled:
                stopped.append(time.perf_counter() - t0)
                raise
        return request

    s = scheduler_factory(work, debounce_ms=10)
    rec = Recorder(s)
    s.submit_now("long")
    qtbot.waitUntil(started.is_set, timeout=5000)
    t_submit = time.perf_counter()
    with qtbot.waitSignal(s.resultReady, timeout=5000):
        s.submit_now("short")
    assert time.perf_counter() - t_submit < 2.0
    assert stopped and stopped[0] < 5, "the long job saw the cancel flag and stopped"
    assert rec.results == ["short"] and rec.cancelled == []


def test_cancel_stops_work_and_delivers_nothing(qtbot, scheduler_factory):
    started = threading.Event()
    seen_cancel = threading.Event()

    def work(request, ctx):
        started.set()
        for i in range(1000):
            ctx.progress(i / 1000, "working")
            if ctx.cancelled:
                seen_cancel.set()
                raise Cancelled()
            time.sleep(0.005)
        return "done"

    s = scheduler_factory(work, debounce_ms=10)
    rec = Recorder(s)
    busy = []
    s.busyChanged.connect(busy.append)
    s.submit("x")
    qtbot.waitUntil(started.is_set, timeout=5000)
    qtbot.waitUntil(lambda: len(rec.progress) > 0, timeout=5000)
    with qtbot.waitSignal(s.cancelled, timeout=1000) as blocker:
        s.cancel()
    assert blocker.args == [1]
    assert seen_cancel.wait(2.0)
    assert s.wait_idle(5000)
    qtbot.wait(50)
    assert rec.results == [] and rec.errors == []
    assert busy[0] is True and busy[-1] is False
    assert all(0.0 <= f <= 1.0 and m == "working" for f, m in rec.progress)


def test_cancel_drops_a_request_still_in_its_debounce(qtbot, scheduler_factory):
    calls = []
    s = scheduler_factory(lambda r: calls.append(r), debounce_ms=100)
    rec = Recorder(s)
    s.submit(1)
    s.cancel()
    qtbot.wait(250)
    assert calls == [] and rec.cancelled == [1] and not s.busy


def test_user_error_and_bug_are_reported(qtbot, scheduler_factory, caplog):
    def work(request):
        if request == "user":
            raise UserInputError("solar wind density must be positive, got -3 cm^-3")
        raise ZeroDivisionError("division by zero in the kernel")

    s = scheduler_factory(work, debounce_ms=5)
    with qtbot.waitSignal(s.errorOccurred, timeout=5000) as blocker:
        s.submit("user")
    err = blocker.args[0]
    assert isinstance(err, WorkError) and err.user_error
    assert err.message == "solar wind density must be positive, got -3 cm^-3"
    assert err.generation == 1

    caplog.set_level(logging.ERROR, logger="smile_viewer._qt.workers")
    with qtbot.waitSignal(s.errorOccurred, timeout=5000) as blocker:
        s.submit("bug")
    err = blocker.args[0]
    assert not err.user_error
    assert err.message == "ZeroDivisionError: division by zero in the kernel (details in the log)"
    assert "Traceback" in err.traceback and "in work" in err.traceback
    rec = [r for r in caplog.records if r.name == "smile_viewer._qt.workers" and r.exc_info]
    assert rec and rec[-1].levelno == logging.ERROR


def test_request_factory_builds_one_request_per_burst(qtbot, scheduler_factory):
    built = []

    def factory():
        built.append(len(built))
        return ("request", len(built))

    s = scheduler_factory(lambda r: r, request_factory=factory, debounce_ms=50)
    with qtbot.waitSignal(s.resultReady, timeout=5000) as blocker:
        for _ in range(5):
            s.schedule("ignored event argument")
    assert built == [0] and blocker.args == [("request", 1)]


def test_synchronous_mode_runs_inline(qtbot, monkeypatch):
    monkeypatch.setenv("SMILE_SYNC_WORKERS", "1")
    thread_ids = []

    def work(request, ctx):
        thread_ids.append(threading.get_ident())
        ctx.progress(0.5, "half")
        return request + 1

    s = RenderScheduler(work, debounce_ms=500)
    assert s.synchronous
    rec = Recorder(s)
    assert s.submit(1) == 1
    assert rec.results == [2], "delivered before submit returned, without the debounce"
    assert rec.progress == [(0.5, "half")]
    s.submit(5)
    s.submit(7)
    assert rec.results == [2, 6, 8]
    assert thread_ids == [threading.get_ident()] * 3
    assert not s.busy

    def boom(r):
        raise UserInputError("inline problem")

    s2 = RenderScheduler(boom)
    errors = []
    s2.errorOccurred.connect(errors.append)
    s2.submit(0)
    assert [e.message for e in errors] == ["inline problem"], "errors also arrive inline"


def test_run_in_thread_job(qtbot):
    got = []
    job = run_in_thread(lambda a, b: a + b, 2, 3, on_result=got.append, synchronous=False)
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert got == [5] and job.outcome == "result" and job.elapsed_s is not None

    job = Job(lambda: 1 / 0, synchronous=False)
    with qtbot.waitSignal(job.errorOccurred, timeout=5000) as blocker:
        job.start()
    assert blocker.args[0].message.startswith("ZeroDivisionError")

    gate = threading.Event()

    def waits(ctx):
        gate.wait(5)
        return "late"

    job = Job(waits, synchronous=False)
    outcomes = []
    job.resultReady.connect(outcomes.append)
    job.cancelled.connect(lambda: outcomes.append("cancelled"))
    job.start()
    job.cancel()
    gate.set()
    with qtbot.waitSignal(job.finished, timeout=5000):
        pass
    assert outcomes == ["cancelled"], "a cancelled job's result is not delivered"
    with pytest.raises(RuntimeError):
        job.start()


# -- the event loop keeps turning ----------------------------------------------------------------
def _heavy(request, ctx):
    """About ``request`` seconds of numpy work (releases the GIL in its inner loops)."""
    rng = np.random.default_rng(0)
    a = rng.random((400, 400))
    t0 = time.perf_counter()
    acc = 0.0
    n = 0
    while time.perf_counter() - t0 < request:
        ctx.check()
        b = a @ a.T  # BLAS: GIL released
        acc += float(np.sqrt(np.abs(b)).sum())
        n += 1
        ctx.progress((time.perf_counter() - t0) / request)
    return acc, n


def _largest_gap_during(qtbot, scheduler, seconds: float) -> tuple[float, int, float]:
    """Run ``seconds`` of heavy work in the scheduler while a 10 ms QTimer ticks on the GUI
    thread; returns (largest gap between ticks, ticks, wall time)."""
    ticks = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    try:
        qtbot.wait(100)  # the timer runs before the work starts
        t_start = time.perf_counter()
        with qtbot.waitSignal(scheduler.resultReady, timeout=20000) as blocker:
            scheduler.submit(seconds)
        t_end = time.perf_counter()
    finally:
        timer.stop()
    _acc, n = blocker.args[0]
    assert n > 3 and t_end - t_start >= seconds
    during = [t for t in ticks if t_start <= t <= t_end]
    gaps = np.diff([t_start, *during, t_end])
    return float(gaps.max()), len(during), t_end - t_start


def test_gui_does_not_freeze_during_heavy_work(qtbot, scheduler_factory):
    """The event loop keeps turning (no gap over 100 ms) while 1.5 s of numpy work runs.

    On a shared, loaded machine another process can steal the CPU for a moment; a second
    measurement tells that apart from a real stall (work holding the GIL stalls both).
    """
    s = scheduler_factory(_heavy, debounce_ms=10)
    results = []
    for _attempt in range(2):
        gap, n_ticks, wall = _largest_gap_during(qtbot, s, 1.5)
        results.append(gap)
        print(
            f"largest gap between 10 ms timer ticks during the work: {gap * 1e3:.1f} ms "
            f"({n_ticks} ticks in {wall:.2f} s)"
        )
        assert n_ticks > 50, f"only {n_ticks} timer ticks in {wall:.2f} s"
        if gap < 0.100:
            break
    assert min(results) < 0.100, f"the event loop stalled for {min(results) * 1e3:.0f} ms (twice)"


def test_pyside_emit_does_not_leak_references_to_true(qtbot):
    """PySide6 6.12 returned True from emit() without a reference (a crash after ~2000 emits on
    CPython 3.11); smile_viewer._qt applies a probe-based fix on import."""
    import sys

    from PySide6.QtCore import QObject, Signal

    from smile_viewer._qt.pyside_compat import apply_pyside_fixes

    apply_pyside_fixes()

    class Emitter(QObject):
        ping = Signal(bool)

    e = Emitter()
    e.ping.connect(lambda v: None)
    before_true, before_false = sys.getrefcount(True), sys.getrefcount(False)
    for _ in range(5000):
        e.ping.emit(True)
        e.ping.emit(False)
    assert sys.getrefcount(True) - before_true > -10
    assert sys.getrefcount(False) - before_false > -10


def test_submit_after_shutdown_is_ignored(qtbot):
    calls = []
    s = RenderScheduler(calls.append, synchronous=False, debounce_ms=5)
    assert s.shutdown(1.0)
    assert s.submit(1) == s.generation
    qtbot.wait(50)
    assert calls == [] and not s.busy


def test_yield_to_holds_work_while_the_urgent_scheduler_is_busy(qtbot, scheduler_factory):
    # issue 12: on two cores the SXI image runs alone; the UVI image and the 3-D data start
    # when it is done (or when their hold ends)
    release = threading.Event()
    order = []

    def urgent(request):
        order.append(("urgent start", time.perf_counter()))
        release.wait(5.0)
        order.append(("urgent end", time.perf_counter()))
        return request

    def other(request):
        order.append(("other start", time.perf_counter()))
        return request

    a = scheduler_factory(urgent, debounce_ms=0)
    b = scheduler_factory(other, debounce_ms=0, yield_to=a, max_hold_ms=5000)
    rec = Recorder(b)
    a.submit(1)
    b.submit(2)
    qtbot.waitUntil(lambda: any(k == "urgent start" for k, _ in order), timeout=5000)
    qtbot.wait(150)
    assert b.busy and not rec.results  # held while a runs
    assert [k for k, _ in order] == ["urgent start"]
    release.set()
    qtbot.waitUntil(lambda: rec.results == [2], timeout=5000)
    assert [k for k, _ in order] == ["urgent start", "urgent end", "other start"]


def test_yield_to_holds_no_longer_than_max_hold(qtbot, scheduler_factory):
    release = threading.Event()
    a = scheduler_factory(lambda r: release.wait(5.0), debounce_ms=0)
    b = scheduler_factory(lambda r: r, debounce_ms=0, yield_to=a, max_hold_ms=150)
    rec = Recorder(b)
    try:
        a.submit(1)
        t0 = time.perf_counter()
        b.submit(2)
        qtbot.waitUntil(lambda: rec.results == [2], timeout=3000)
        assert a.busy  # b ran while a was still busy: its hold ended
        assert time.perf_counter() - t0 >= 0.14
    finally:
        release.set()


def test_yield_to_does_not_hold_a_request_of_another_change(qtbot, scheduler_factory):
    # a layer turned on while the SXI image works on an older change does not wait for it
    from smile_viewer._qt.workers import SAME_CHANGE_S

    release = threading.Event()
    a = scheduler_factory(lambda r: release.wait(5.0), debounce_ms=0)
    b = scheduler_factory(lambda r: r, debounce_ms=0, yield_to=a, max_hold_ms=5000)
    rec = Recorder(b)
    try:
        a.submit(1)
        qtbot.wait(int(SAME_CHANGE_S * 1000) + 100)
        b.submit(2)
        qtbot.waitUntil(lambda: rec.results == [2], timeout=2000)
        assert a.busy
    finally:
        release.set()


def test_submit_now_starts_at_once_when_idle(qtbot, scheduler_factory):
    # the 3-D view asks for its data at the start of a draw: the job must not wait for the
    # next turn of the event loop (after a frame that may take a second on llvmpipe)
    s = scheduler_factory(lambda r: r * 2, debounce_ms=80)
    started = []
    s.requestStarted.connect(started.append)
    rec = Recorder(s)
    gen = s.submit_now(21)
    assert started == [gen]  # no event processed in between
    qtbot.waitUntil(lambda: rec.results == [42], timeout=5000)
