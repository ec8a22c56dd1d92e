"""One cancel: every way of asking to stop is read alike, and the movie, tour and fit
cancellations are all ``Cancelled`` (so the GUI's workers report them as cancelled, not failed)."""

from __future__ import annotations

import threading

from smile_viewer.cancel import Cancelled, is_cancelled


class _Flag:
    cancelled = False


def test_every_kind_of_cancel_flag():
    ev = threading.Event()
    flag = _Flag()
    assert not any(is_cancelled(c) for c in (None, ev, flag, lambda: False))
    ev.set()
    flag.cancelled = True
    assert all(is_cancelled(c) for c in (ev, flag, lambda: True))


def test_the_cancellations_are_one_family():
    from smile_viewer._vispy.tour_render import TourCancelled
    from smile_viewer.analysis.fitting import FitCancelled

    assert issubclass(TourCancelled, Cancelled) and issubclass(FitCancelled, Cancelled)


def test_a_gui_worker_reports_a_cancelled_fit_as_cancelled(qtbot):
    """A fit stopped by its flag raises FitCancelled; the worker says "cancelled", not an error."""
    from smile_viewer._qt.workers import Job
    from smile_viewer.analysis.fitting import FitCancelled

    def work():
        raise FitCancelled("fit cancelled")

    job = Job(work)
    seen = []
    job.cancelled.connect(lambda: seen.append("cancelled"))
    job.errorOccurred.connect(lambda err: seen.append("failed"))
    with qtbot.waitSignal(job.cancelled, timeout=5000):
        job.start()
    assert seen == ["cancelled"]
