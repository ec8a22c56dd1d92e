"""The machine a benchmark ran on, described the same way by every script in benchmarks/.

The scripts are run as ``python benchmarks/bench_NAME.py``, so this directory is on ``sys.path``
and they import it as ``from _machine import machine_summary``. (The leading underscore keeps it
out of ``make bench``, which runs ``benchmarks/bench_*.py``.)
"""

from __future__ import annotations

import os
import platform
import sys


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else ``platform.processor()``."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def logical_cores() -> int:
    """Logical cores of the machine (``os.cpu_count()``)."""
    return os.cpu_count() or 1


def usable_cores() -> int:
    """Cores this process may run on: its CPU affinity where the OS has one, else all of them."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return logical_cores()


def load_average() -> tuple[float, float, float] | None:
    """The 1-, 5- and 15-minute load averages, or None where the OS does not say."""
    try:
        return os.getloadavg()
    except (AttributeError, OSError):
        return None


def numba_summary() -> str | None:
    """numba's version, its thread count and threading layer; None when numba is not installed.

    Asking for the thread count starts numba's threading layer (as the first parallel kernel
    would), so the layer reported is the one actually in use.
    """
    try:
        import numba
    except ImportError:
        return None
    text = f"{numba.__version__}, {numba.get_num_threads()} threads"
    try:
        text += f" ({numba.threading_layer()} layer)"
    except ValueError:  # the layer is not started
        pass
    return text


def machine_info(extra: dict | None = None) -> dict[str, str]:
    """The machine as ``{label: value}``: platform, CPU, cores, Python, numpy, numba, load.

    ``extra`` entries (a script's own versions or settings) are appended in their order.
    """
    info = {
        "platform": f"{platform.platform()} ({platform.machine()})",
        "cpu": cpu_model(),
        "cores": f"{logical_cores()} logical, {usable_cores()} usable",
        "python": sys.version.split()[0],
    }
    try:
        import numpy

        info["numpy"] = numpy.__version__
    except ImportError:
        pass
    numba = numba_summary()
    if numba is not None:
        info["numba"] = numba
    load = load_average()
    if load is not None:
        info["load average"] = ", ".join(f"{x:.2f}" for x in load)
    for key, value in (extra or {}).items():
        info[str(key)] = str(value)
    return info


def machine_summary(extra: dict | None = None) -> str:
    """The machine as a few printable lines under a ``machine`` heading (see :func:`machine_info`)."""
    info = machine_info(extra)
    width = max(len(k) for k in info) + 2
    return "\n".join(["machine"] + [f"  {k:<{width}}{v}" for k, v in info.items()])
