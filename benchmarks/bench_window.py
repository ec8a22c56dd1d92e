"""Benchmark: what a user waits for in the main window (issue 12).

Targets (development machine: Mesa llvmpipe, 2 cores): field lines on screen ≤ 2 s after the
toggle in a freshly started window ("cold": toggled 2 s after the window shows) and ≤ 0.5 s
when they were shown before ("warm"); a UVI image anywhere on the orbit ≤ 0.5 s; an SXI image
on screen ≤ 0.3 s after a solar-wind change; the 3-D view with field lines and the emission
volume ≥ 5 frames/s at the default layout while the camera moves.

Run (needs a display: Xvfb is fine)::

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python benchmarks/bench_window.py

What it measures (wall clock, the main window at 1600 × 1000 with its default layout):

- field lines: from ``layers.field_lines = True`` until the scene holds them and has drawn a
  frame with them; "cold" 2 s after the window shows (the start-up warm-up still running),
  "warm" after they were turned off again;
- SXI after a change: from a quiet window (images, 3-D data and frames done), a solar-wind
  density step in the Solar wind dock (as the spin box's arrow does) until the SXI panel holds
  the image of the new density ("delivered") and until that panel's next paint starts; six
  steps with the default layers, three with field lines on;
- UVI / SXI images: ``compute_image`` in this process at 13 points of one orbit (perigee
  included), best of 2 per point, the numba kernels warm;
- frames per second (median frame time over 16 frames): field lines and the emission volume
  on, each frame repainted synchronously; the camera turned by 2° per frame by code (full
  quality), then a mouse drag of 4 pixels per frame sent as vispy mouse events (the view
  switches to its interactive quality by itself), and the time full quality takes to return;
  with each rate the CPU time of this process per frame (all its threads), which other jobs
  on the machine change far less than the wall time.

It prints the machine (``benchmarks/_machine.py``) and each figure with its load average: the
two cores are shared, and under a load of 5 every figure is about 2.5 times slower. To compare
with an older version, run this script from a checkout of it (``git archive COMMIT | tar -x``,
``PYTHONPATH`` at that tree) in turns with the current one, at the same load.
"""

from __future__ import annotations

import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _machine import machine_summary


def _pump(app, seconds: float, until=None) -> float | None:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        app.processEvents()
        time.sleep(0.002)
        if until is not None and until():
            return time.perf_counter() - t0
    return None


def _s(seconds: float | None) -> str:
    return "not within the wait" if seconds is None else f"{seconds:.2f} s"


def _load() -> str:
    try:
        return open("/proc/loadavg").read().split()[0]
    except OSError:
        return "?"


def main() -> None:
    os.environ.setdefault("SMILE_TEST_SESSION", "1")  # no saved layout read or written
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication(sys.argv)
    from smile_viewer._qt.main_window import MainWindow

    print(machine_summary())
    win = MainWindow()
    win.resize(1600, 1000)
    win.show()
    sv = win.scene_view
    frames: list[float] = []
    lines_frames: list[float] = []  # frames drawn with the field lines in the scene and shown

    def on_draw(_e):
        now = time.perf_counter()
        frames.append(now)
        if "field_lines" in sv.data and sv.field_lines.visible:
            lines_frames.append(now)

    win.canvas.events.draw.connect(on_draw)

    def first_lines_frame(t0):
        """Seconds from t0 to the first frame drawn with the field lines (None: not yet); the
        frame is timed when it is drawn, even when the data came in the same turn of the event
        loop (the pump then sees both at once)."""
        after = [f for f in lines_frames if f > t0]
        return after[0] - t0 if after else None

    def lines_on_screen(t0):
        return lambda: first_lines_frame(t0) is not None

    # -- field lines, cold: 2 s after the window shows
    _pump(app, 2.0)
    t0 = time.perf_counter()
    win.state.layers.field_lines = True
    dt = _pump(app, 120.0, until=lambda: "field_lines" in sv.data)
    _pump(app, 10.0, until=lines_on_screen(t0))
    on_screen = first_lines_frame(t0)
    print(
        f"field lines, cold toggle (2 s after start): {_s(dt)} to the data, "
        f"{_s(on_screen)} on screen   (load {_load()})"
    )
    # -- warm: off and on again
    win.state.layers.field_lines = False
    _pump(app, 1.0)
    t0 = time.perf_counter()
    win.state.layers.field_lines = True
    _pump(app, 30.0, until=lines_on_screen(t0))
    print(f"field lines, warm toggle: {_s(first_lines_frame(t0))} on screen   (load {_load()})")

    # -- SXI after a solar-wind change, from a quiet window (images, 3-D data and frames done)
    def quiet():
        return (
            len(win.images_dock.results) == 2
            and not any(s.busy for s in win.image_schedulers.values())
            and not any(s.busy for s in win.data_schedulers.values())
        )

    panel_view = win.images_dock.panels["sxi"].graphics.viewport()
    painted = []

    class _PaintSpy(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 - Qt's name
            if event.type() == QEvent.Type.Paint:
                painted.append(time.perf_counter())
            return False

    spy = _PaintSpy()
    panel_view.installEventFilter(spy)
    spin = win.model_dock.spins["n_cm3"]

    delivered: list[tuple[float, object]] = []  # (time, result), after the window showed it
    win.image_schedulers["sxi"].resultReady.connect(lambda r: delivered.append((time.perf_counter(), r)))

    def sxi_steps(label, n):
        results, screens = [], []
        for _ in range(n):
            _pump(app, 30.0, until=quiet)
            _pump(app, 0.5)  # the last frames and paints
            t0 = time.perf_counter()
            spin.stepUp()  # as the spin box's arrow does
            target = spin.value()

            def shown(target=target, t0=t0):
                return [t for t, r in delivered if t > t0 and abs(r.request.solar_wind.n_cm3 - target) < 1e-6]

            _pump(app, 20.0, until=shown)
            got = shown()
            t_del = got[0] if got else float("nan")
            _pump(app, 5.0, until=lambda t=t_del: any(p >= t for p in painted))
            paints = [p for p in painted if p >= t_del]
            results.append(t_del - t0)
            screens.append((paints[0] - t0) if paints else float("nan"))
        print(
            f"SXI after a density step ({label}; from a quiet window): image delivered "
            + ", ".join(f"{w * 1000:.0f}" for w in results)
            + f" ms (median {np.median(results) * 1000:.0f}); panel paint starts "
            + ", ".join(f"{w * 1000:.0f}" for w in screens)
            + f" ms (median {np.median(screens) * 1000:.0f})   (load {_load()})"
        )

    win.state.layers.field_lines = False
    sxi_steps("default layers", 6)
    win.state.layers.field_lines = True
    sxi_steps("field lines on", 3)
    panel_view.removeEventFilter(spy)

    # -- images along the orbit (in this process, kernels warm)
    from astropy.time import TimeDelta

    from smile_viewer._qt.docks.images_dock import compute_image, image_request
    from smile_viewer.state.scene_data import spacecraft_position_gse

    t_start = win.state.time
    times = [t_start + TimeDelta(h * 3600.0, format="sec") for h in np.linspace(0, 50.6, 13)]
    orbit = win.orbit
    r = [float(np.linalg.norm(orbit.position(t, "gei"))) for t in times]
    for name in ("uvi", "sxi"):
        rows = []
        for t, rr in zip(times, r):
            win.app_state.scene.time = t
            req = image_request(win.app_state, name, spacecraft_position_gse(orbit, t))
            best = min(compute_image(req).elapsed_s for _ in range(2))
            rows.append((rr, best))
        worst = max(rows, key=lambda x: x[1])
        print(
            f"{name.upper()} image along the orbit: worst {worst[1] * 1000:.0f} ms at r = {worst[0]:.1f} R_E, "
            f"median {np.median([b for _, b in rows]) * 1000:.0f} ms, "
            + " ".join(f"{rr:.1f}:{b * 1000:.0f}" for rr, b in rows)
            + f"   (load {_load()})"
        )
    win.app_state.scene.time = t_start

    # -- frames per second while the camera moves
    win.state.layers.emission_volume = True
    _pump(
        app,
        120.0,
        until=lambda: "volume" in sv.data and not any(s.busy for s in win.data_schedulers.values()),
    )
    _pump(app, 1.0)
    canvas = win.canvas
    cx, cy = (v // 2 for v in canvas.size)

    def frame_rate(step, n=16):
        """``(frames/s, CPU s per frame)``: the median wall time over n frames, each repainted
        (synchronously) after one camera step, and the mean CPU time of this process (all its
        threads: Python, Qt, llvmpipe's, numba's) per frame, which other jobs on the machine
        change far less than the wall time."""
        for _ in range(2):
            step()
            canvas.native.repaint()
            app.processEvents()
        times = []
        c0 = time.process_time()
        for _ in range(n):
            t = time.perf_counter()
            step()
            canvas.native.repaint()
            app.processEvents()
            times.append(time.perf_counter() - t)
        return 1.0 / float(np.median(times)), (time.process_time() - c0) / n

    def turn():
        sv.turntable.azimuth += 2.0

    full, full_cpu = frame_rate(turn)
    print(
        f"3-D, field lines + volume, camera turned by code at full quality (volume at "
        f"{sv.volume_compositor.scale:.1f}): {full:.1f} frames/s, CPU {full_cpu * 1000:.0f} ms per frame   (load {_load()})"
    )
    # a mouse drag as the user makes it (vispy's events: the camera and the view both see them)
    press = canvas.events.mouse_press(pos=(cx, cy), button=1, buttons=[1])
    x = [cx]

    def drag():
        x[0] += 4
        canvas.events.mouse_move(pos=(x[0], cy), button=1, buttons=[1], press_event=press)

    dragged, dragged_cpu = frame_rate(drag)
    quality = (
        f"volume at {sv.volume_compositor.scale:.1f}, step {sv.emission_volume.step_voxels:.1f} voxels, "
        f"near side of the boundaries only: {sv.magnetopause.near_side_only}"
        if hasattr(sv, "set_interactive")
        else f"volume at {sv.volume_compositor.scale:.1f}"
    )
    print(
        f"3-D, field lines + volume, mouse drag ({quality}): {dragged:.1f} frames/s, "
        f"CPU {dragged_cpu * 1000:.0f} ms per frame   (load {_load()})"
    )
    canvas.events.mouse_release(pos=(x[0], cy), button=1, buttons=[], press_event=press)
    rest = _pump(app, 5.0, until=lambda: not getattr(sv, "interactive", getattr(sv, "moving", False)))
    print(f"full quality again {_s(rest)} after the drag stopped")
    win.close()
    _pump(app, 0.3)


if __name__ == "__main__":
    main()
