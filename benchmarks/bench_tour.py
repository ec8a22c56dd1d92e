"""Benchmark: tour frames off window (1080p, 4K) and the presentation view's interactive frame rate.

1. A tour frame at 1920 × 1080 with the emission volume on (the default Jorgensen model on its
   default grid), the camera flying between two keyframes: milliseconds per frame (median over
   ``--frames`` frames, after one warm-up frame that builds the volume and the boundaries and is
   reported apart). Target (issue 15): ≤ 1 s on llvmpipe (software OpenGL, no GPU).
2. The same at 3840 × 2160. Target ≤ 3 s on llvmpipe; ≥ 30 frames/s on a GPU when one is lent.
3. The presentation view at 1280 × 720 (HUD at the presentation size, emission volume on), the
   camera turning a little every frame at interactive quality (``SceneView.set_interactive``):
   frames per second, each frame drawn to the canvas as a window draws it (``glFinish`` after
   each, no read-back). Target ≥ 10 frames/s on llvmpipe.

Run::

    .venv/bin/python benchmarks/bench_tour.py               # all three
    .venv/bin/python benchmarks/bench_tour.py --frames 5 --skip-4k

The OpenGL path is the headless one (``SMILE_GL_BACKEND`` chooses; EGL without a display).
Recorded figures: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

_HERE = os.path.dirname(os.path.abspath(__file__))
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

from _machine import machine_summary


def _app():
    from smile_viewer.state.app import AppState
    from smile_viewer.state.tour import Keyframe, Tour, pose_from_turntable

    app = AppState()
    app.scene.layers.emission_volume = True
    t = app.scene.time.isot
    app.tour = Tour(
        keyframes=[
            Keyframe(
                camera=pose_from_turntable(165.0, 18.0, 0.0, (-6.0, 0.0, 0.0), 71.0, 30.0),
                time=t,
                caption="The whole magnetosphere from dusk",
                hold_s=0.0,
                travel_s=4.0,
            ),
            Keyframe(
                camera=pose_from_turntable(110.0, 25.0, 0.0, (5.0, 0.0, 0.0), 45.0, 30.0),
                time=t,
                caption="The dayside, where SMILE looks",
                hold_s=0.0,
            ),
        ]
    )
    return app


def bench_frames(size, n_frames: int) -> dict:
    from smile_viewer._vispy.tour_render import TourRenderer

    app = _app()
    r = TourRenderer(app, size)
    try:
        times = app.tour.frame_times(max(n_frames, 2) / app.tour.duration_s)
        t0 = time.perf_counter()
        r.render(app.tour.sample(times[0]))
        first = time.perf_counter() - t0
        per, cpu = [], []
        for t in times[1 : n_frames + 1]:
            t0, c0 = time.perf_counter(), time.process_time()
            img = r.render(app.tour.sample(t))
            per.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
        assert img.shape[:2] == (size[1], size[0])
        backend = r.canvas.app.backend_name
    finally:
        r.close()
    return {
        "first_s": first,
        "median_s": statistics.median(per),
        "best_s": min(per),
        "cpu_s": statistics.median(cpu),
        "backend": backend,
    }


def bench_interactive(size=(1280, 720), seconds: float = 4.0) -> dict:
    from vispy import gloo
    from vispy import scene as vscene

    from smile_viewer._qt.presentation import Presentation  # noqa: F401 - the presentation HUD scale
    from smile_viewer._vispy import headless
    from smile_viewer._vispy.scene import SceneView

    app = _app()
    app.scene.camera_preset = "magnetosphere"
    gl = headless.gl_app(size)
    canvas = vscene.SceneCanvas(size=size, show=False, app=gl, keys=None)
    sv = SceneView(app, canvas=canvas)
    try:
        sv.set_hud_scale(Presentation.HUD_SCALE)
        sv.render(alpha=False)  # builds the data
        cam = sv.turntable
        if hasattr(sv, "set_interactive"):
            sv.set_interactive(True)  # what a mouse drag (or a tour stop's flight) does
        canvas.set_current()
        n, t_start, c_start = 0, time.perf_counter(), time.process_time()
        while time.perf_counter() - t_start < seconds:
            cam.azimuth = cam.azimuth + 1.0
            canvas.on_draw(None)  # what the window does per frame (no read-back)
            gloo.gl.glFinish()
            n += 1
        fps = n / (time.perf_counter() - t_start)
        cpu_per_frame = (time.process_time() - c_start) / max(n, 1)
        interactive = bool(getattr(sv, "interactive", False))
    finally:
        sv.close()
    return {"fps": fps, "frames": n, "interactive": interactive, "cpu_s": cpu_per_frame}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--frames", type=int, default=8, help="timed frames per size (default 8)")
    ap.add_argument("--skip-4k", action="store_true")
    ap.add_argument("--seconds", type=float, default=4.0, help="interactive run length (default 4 s)")
    args = ap.parse_args(argv)
    print(machine_summary())
    rows = [("1080p", (1920, 1080), 1.0)]
    if not args.skip_4k:
        rows.append(("4K", (3840, 2160), 3.0))
    for name, size, target in rows:
        res = bench_frames(size, args.frames)
        ok = "ok" if res["median_s"] <= target else "OVER TARGET"
        print(
            f"tour frame {name} {size[0]}x{size[1]} with the emission volume ({res['backend']}): "
            f"median {res['median_s'] * 1000:.0f} ms, best {res['best_s'] * 1000:.0f} ms per frame "
            f"(target ≤ {target:g} s: {ok}); CPU time {res['cpu_s']:.2f} s per frame (all threads: "
            f"llvmpipe's too; with the cores to itself the wall time lies between half of it and all of it); first "
            f"frame with the data build {res['first_s']:.2f} s"
        )
    res = bench_interactive(seconds=args.seconds)
    ok = "ok" if res["fps"] >= 10 else "UNDER TARGET"
    print(
        f"presentation view 1280x720, camera turning, interactive quality {res['interactive']}: "
        f"{res['fps']:.1f} frames/s over {res['frames']} frames (target ≥ 10: {ok}); CPU time "
        f"{res['cpu_s'] * 1000:.0f} ms per frame"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
