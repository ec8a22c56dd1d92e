"""Garbage cycles that hold Qt objects are freed on the GUI thread, never in a worker thread
(smile_viewer/_qt/gui_gc.py): CPython collects in whichever thread allocates."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from smile_viewer._qt.gui_gc import GuiThreadCollector, collect_due


class _Holder(QObject):
    pass


def _cycle_holding_a_qobject(freed_in: list) -> weakref.ref:
    """A QObject (Python-owned, no parent) held only by a reference cycle of plain Python
    objects (as a closed vispy canvas holds its Qt widget): garbage that only the cyclic
    collector frees. Records the thread it is freed in."""
    obj = _Holder()
    box = {"obj": obj}
    box["self"] = box
    ref = weakref.ref(obj, lambda _r: freed_in.append(threading.current_thread().name))
    return ref


def _allocate_in_a_worker() -> None:
    """What a render worker does: allocate container objects (enough for many collections)."""

    def work():
        junk = []
        for i in range(200_000):
            junk.append([i])
            if len(junk) > 1000:
                junk = []

    t = threading.Thread(target=work, name="worker")
    t.start()
    t.join(30)
    assert not t.is_alive()


def test_without_the_collector_a_worker_thread_frees_gui_objects(qapp):
    """The hazard itself (why the application needs the collector): with the interpreter's
    automatic collection, the worker's allocations free the QObject in the worker."""
    was = gc.isenabled()
    gc.enable()
    try:
        gc.collect()
        freed_in: list = []
        ref = _cycle_holding_a_qobject(freed_in)
        _allocate_in_a_worker()
        gc.collect()
        assert freed_in == ["worker"] and ref() is None
    finally:
        if not was:
            gc.disable()


def test_with_the_collector_gui_objects_are_freed_on_the_gui_thread(qapp, qtbot):
    gc.collect()
    # gen-0 threshold 0: each tick collects (the worker's net allocations are few)
    collector = GuiThreadCollector(interval_ms=20, thresholds=(0, 10, 10)).start()
    try:
        assert not gc.isenabled()
        freed_in: list = []
        ref = _cycle_holding_a_qobject(freed_in)
        _allocate_in_a_worker()
        assert freed_in == [] and ref() is not None  # the worker collected nothing
        qtbot.waitUntil(lambda: freed_in != [], timeout=5000)  # the timer's collection, here
        assert freed_in == [threading.main_thread().name]
    finally:
        collector.stop()
        collector.deleteLater()


def test_stop_gives_the_collector_back():
    was = gc.isenabled()
    gc.enable()
    try:
        c = GuiThreadCollector().start()
        assert not gc.isenabled() and c.active
        c.stop()
        assert gc.isenabled() and not c.active
    finally:
        if not was:
            gc.disable()


def test_collect_due_follows_the_thresholds():
    gc.collect()
    assert collect_due((10**9, 10, 10)) == 0  # nothing due: nothing collected
    freed: list = []
    ref = _cycle_holding_a_qobject(freed)
    assert (
        collect_due((0, 10**9, 10**9)) >= 2 and len(freed) == 1 and ref() is None
    )  # the young cycle, in gen 0
