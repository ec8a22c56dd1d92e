"""Where batch work runs: a dask client to a given scheduler, or to a local cluster that listens
on 127.0.0.1 only. Used by image batches (:mod:`smile_viewer.batch`) and fit series
(:mod:`smile_viewer.analysis.fit_series`).
"""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any

from smile_viewer.errors import UserInputError

__all__ = ["dask_client", "local_cluster", "machine_cores"]

#: Thread-count variables of the numerical libraries, set in each worker process so that the
#: workers together use the machine's cores once.
_THREAD_VARIABLES = ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def machine_cores() -> int:
    """The CPU cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def local_cluster(n_workers: int, *, processes: bool = True, **kwargs):
    """A ``LocalCluster`` of ``n_workers`` single-threaded workers that listens on 127.0.0.1
    only: the scheduler (TCP for processes, in-process otherwise) and the HTTP endpoints that
    the scheduler and workers always open (health, metrics) on random local ports, with no
    dashboard. ``kwargs`` go to ``LocalCluster`` (e.g. ``env`` for worker processes)."""
    # Lazy (here and below): dask.distributed takes about a second to import and only running
    # work on a cluster needs it.
    # lazy: dask.distributed costs ~0.7 s; only multi-process runs need it
    from dask.distributed import LocalCluster

    return LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=processes,
        host="127.0.0.1" if processes else None,
        dashboard_address=None,
        worker_dashboard_address="127.0.0.1:0",
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
        # Task errors reach us through the futures; the workers' own logging at
        # shutdown (heartbeats racing the scheduler's close) is noise to a user.
        silence_logs=logging.CRITICAL,
        **kwargs,
    )


@contextlib.contextmanager
def dask_client(
    scheduler: str | None,
    n_workers: int | None,
    processes: bool,
    n_tasks: int,
    *,
    default_workers: int | None = None,
    what: str = "this job",
):
    """A dask Client: to ``scheduler`` (an address), or to a local cluster of ``n_workers``
    (default ``default_workers``, else one per core; never more than ``n_tasks``) that is closed
    on exit. An unreachable scheduler is a one-line UserInputError naming ``what`` needed it."""
    try:
        # lazy: dask.distributed costs ~0.7 s; only multi-process runs need it
        from dask.distributed import Client
    except ImportError:  # pragma: no cover - dependency missing
        raise UserInputError(f"{what} needs dask.distributed: pip install 'dask[distributed]'") from None
    if scheduler:
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError, ValueError) as exc:
            raise UserInputError(f"cannot reach the dask scheduler {scheduler}: {exc}") from None
        try:
            yield client
        finally:
            client.close()
        return
    cores = machine_cores()
    n = max(1, min(int(n_workers or default_workers or cores), max(n_tasks, 1)))
    kw: dict[str, Any] = {}
    if processes:
        per = str(max(1, cores // n))
        kw["env"] = dict.fromkeys(_THREAD_VARIABLES, per)  # passed to each worker process (Nanny)
    cluster = local_cluster(n, processes=processes, **kw)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()
