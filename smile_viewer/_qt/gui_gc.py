"""Python's cyclic garbage collector, run on the GUI thread only.

CPython runs its cyclic collector in whichever thread allocates when a threshold is passed:
a render worker, a dask thread, a fit. Reference cycles that hold Qt objects (a closed
off-screen vispy canvas after an export, a pyqtgraph item, a closed dialog) are then destroyed
in that thread, which Qt does not allow (widgets belong to the GUI thread): the process can
crash later at an unrelated place. :class:`GuiThreadCollector` turns the automatic collector
off and runs it from a timer on the GUI thread with the interpreter's own thresholds.

The technique is pyqtgraph's ``pyqtgraph.util.garbage_collector.GarbageCollector`` (credited
there to Erik Janssens); written here so it can be stopped and tested. docs/architecture.md
(threads and workers) states the rule.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QObject, QTimer

__all__ = ["GuiThreadCollector", "collect_due"]


def collect_due(thresholds: tuple[int, ...] | None = None) -> int:
    """Run the collections the interpreter would have run by now (youngest generation first);
    returns the number of unreachable objects found. Call it on the GUI thread."""
    t = thresholds or gc.get_threshold()
    counts = gc.get_count()
    found = 0
    if counts[0] > t[0]:
        found += gc.collect(0)
        if counts[1] > t[1]:
            found += gc.collect(1)
            if counts[2] > t[2]:
                found += gc.collect(2)
    return found


class GuiThreadCollector(QObject):
    """While started, garbage cycles are collected only on this object's (the GUI) thread,
    every ``interval_ms``, when the interpreter's ``thresholds`` (``gc.get_threshold()``) say a
    collection is due; :meth:`stop` gives the collector back to the interpreter."""

    def __init__(
        self,
        interval_ms: int = 500,
        parent: QObject | None = None,
        thresholds: tuple[int, int, int] | None = None,
    ):
        super().__init__(parent)
        self._thresholds = tuple(thresholds) if thresholds is not None else gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self._timer = QTimer(self)
        self._timer.setInterval(int(interval_ms))
        self._timer.timeout.connect(self.check)
        self.active = False

    def start(self) -> GuiThreadCollector:
        if not self.active:
            self._was_enabled = gc.isenabled()
            gc.disable()
            self._timer.start()
            self.active = True
        return self

    def stop(self) -> None:
        if self.active:
            self._timer.stop()
            self.active = False
            if self._was_enabled:
                gc.enable()

    def check(self) -> int:
        return collect_due(self._thresholds)
