"""Benchmark: the 3-D scene's frame rate and first-frame time (vispy + OpenGL).

Targets (issue 5, on the development machine: Mesa llvmpipe, 2 cores): the default scene with
a 128^3 emission volume at 1280 × 800 at least 5 frames per second; the first frame within 3 s
of launch. (On an H100-class GPU: 60 frames per second at 1920 × 1080 with a 256^3 volume —
run with ``--size 1920x1080 --shape 256`` there.)

Run (needs a display: Xvfb is fine)::

    xvfb-run -a -s "-screen 0 1920x1200x24" .venv/bin/python benchmarks/bench_scene_fps.py
    ... bench_scene_fps.py --frames 30 --size 1280x800 --shape 128 --field-lines

What it measures:

- first frame: a fresh interpreter (``python -c``) imports smile-viewer, builds the default
  AppState, creates a canvas and a SceneView of the default scene and draws it once (imports,
  the orbit, boundary meshes, the GL programs' compilation and the first draw included; the
  desktop window adds its widgets on top of this);
- frames per second: the default layers plus the emission volume (Jorgensen model sampled on
  ``shape``^3 nodes, emission render mode, the overview camera); each frame turns the camera by
  1° so nothing is cached:

  * "frame": drawn off-window at ``size`` and read back (``canvas.render``), the volume
    ray-cast at 0.4 of the resolution (the application's interactive default);
  * "full-res": the same with the volume at full resolution (what the headless stills use);
  * "interactive": the view's interactive quality (``SceneView.set_interactive``: what a
    camera drag draws);
  * "no volume": the default layers alone;
  * "window": the same scene in a shown window (Qt; under Xvfb when there is no screen),
    repainted and waited for (``glFinish``); "empty window" is that path with nothing to draw:
    the toolkit's own cost of putting a software-rendered frame on the screen.

It prints the machine (``benchmarks/_machine.py``: platform, CPU model, cores, load average,
software versions) with the OpenGL renderer and version.

Recorded figures
----------------
See the lead's benchmarks/README.md (figures quoted from this script's output).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

FIRST_FRAME_CODE = r"""
import time
t0 = time.perf_counter()
from vispy import scene
from smile_viewer._vispy.headless import gl_app
from smile_viewer._vispy.scene import SceneView
from smile_viewer.state import AppState
t_import = time.perf_counter()
app = gl_app((W, H))
state = AppState()
canvas = scene.SceneCanvas(size=(W, H), show=False, app=app, keys=None)
view = SceneView(state, canvas=canvas)
t_view = time.perf_counter()
img = view.render(alpha=False)
t1 = time.perf_counter()
assert img.max() > 100
print(f"{t_import - t0:.3f} {t_view - t_import:.3f} {t1 - t_view:.3f} {t1 - t0:.3f}")
"""


def machine_info(gl: dict) -> str:
    import vispy
    from _machine import machine_summary  # benchmarks/_machine.py (this directory is on sys.path)

    import smile_viewer

    return machine_summary(
        {
            "vispy": f"{vispy.__version__} ({gl.get('backend', '?')} backend)",
            "OpenGL": f"{gl.get('renderer', '?')} | {gl.get('version', '?')} | {gl.get('vendor', '?')}",
            "smile-viewer": smile_viewer.__version__,
        }
    )


def first_frame(size, repeat: int) -> list[tuple[float, ...]]:
    code = FIRST_FRAME_CODE.replace("W, H", f"{size[0]}, {size[1]}")
    out = []
    for _ in range(repeat):
        res = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
        )
        if res.returncode != 0:
            raise RuntimeError(res.stderr[-2000:])
        out.append(tuple(float(v) for v in res.stdout.split()[-4:]))
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--size", default="1280x800", help="canvas WxH (default 1280x800)")
    p.add_argument("--shape", type=int, default=128, help="emission volume nodes per axis (default 128)")
    p.add_argument("--frames", type=int, default=20, help="frames to time (default 20)")
    p.add_argument(
        "--step", type=float, default=None, help="ray-marching step in voxels (default: the state's 0.8)"
    )
    p.add_argument("--field-lines", action="store_true", help="also show the field lines")
    p.add_argument(
        "--first-frame-runs", type=int, default=3, help="fresh processes timed for the first frame"
    )
    args = p.parse_args(argv)
    w, h = (int(v) for v in args.size.lower().split("x"))

    from vispy import gloo, scene

    from smile_viewer._vispy.headless import gl_app
    from smile_viewer._vispy.scene import SceneView
    from smile_viewer.state import AppState

    app = gl_app((w, h))
    state = AppState()
    state.scene.layers.emission_volume = True
    state.scene.layers.field_lines = bool(args.field_lines)
    state.volume.shape = (args.shape,) * 3
    if args.step is not None:
        state.volume.step_voxels = args.step
    canvas = scene.SceneCanvas(size=(w, h), show=False, app=app, keys=None)
    t0 = time.perf_counter()
    view = SceneView(state, canvas=canvas)
    view.flush()
    t_build = time.perf_counter() - t0
    gl = {
        "renderer": gloo.gl.glGetParameter(gloo.gl.GL_RENDERER),
        "version": gloo.gl.glGetParameter(gloo.gl.GL_VERSION),
        "vendor": gloo.gl.glGetParameter(gloo.gl.GL_VENDOR),
        "backend": app.backend_name,
    }
    print(machine_info(gl))
    print()
    vol = view.data.get("volume")
    print(
        f"scene         {w}x{h}, emission volume {vol.values.shape[::-1] if vol is not None else None} "
        f"(nx, ny, nz), step {view.emission_volume.step_voxels} voxels, field lines "
        f"{'on' if args.field_lines else 'off'}; data built in {t_build:.2f} s"
    )

    def timed(label, fn, note=""):
        cam = view.turntable
        fn()
        times = []
        for _ in range(args.frames):
            cam.azimuth = cam.azimuth + 1.0
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        times.sort()
        med = times[len(times) // 2]
        print(
            f"{label:<13} median {1000 * med:7.1f} ms/frame = {1 / med:5.1f} frames/s "
            f"(best {1 / times[0]:.1f}, worst {1 / times[-1]:.1f}; {args.frames} frames){note}"
        )

    def frame():
        canvas.render(alpha=False)

    def full_res():
        view.volume_resolution = 1.0
        try:
            canvas.render(alpha=False)
        finally:
            view.volume_resolution = 0.4

    timed("frame", frame, "  <- target >= 5")
    timed("full-res", full_res)
    view.set_interactive(True)  # what a camera drag draws (SceneView.set_interactive)
    timed("interactive", frame)
    view.set_interactive(False)
    state.scene.layers.emission_volume = False
    timed("no volume", frame)
    state.scene.layers.emission_volume = True

    view.close()

    # A window must be shown before its GL objects are made (Qt re-creates the context).
    win_canvas = scene.SceneCanvas(size=(w, h), show=True, app=app, keys=None)
    view = SceneView(state, canvas=win_canvas)
    view.flush()

    def window(c=win_canvas):
        c.native.repaint()  # a synchronous paint of the window
        app.process_events()
        gloo.gl.glFinish()

    for _ in range(3):
        window()
    timed("window", window)
    view.close()
    empty = scene.SceneCanvas(size=(w, h), show=True, app=app, keys=None)
    for _ in range(3):
        window(empty)
    times = []
    for _ in range(args.frames):
        t = time.perf_counter()
        window(empty)
        times.append(time.perf_counter() - t)
    times.sort()
    print(f"{'empty window':<13} median {1000 * times[len(times) // 2]:7.1f} ms/frame (the toolkit's share)")
    empty.close()

    if args.first_frame_runs > 0:
        runs = first_frame((w, h), args.first_frame_runs)
        best = min(runs, key=lambda r: r[3])
        print(
            f"first frame   best {best[3]:.2f} s of {len(runs)} fresh processes "
            f"(imports {best[0]:.2f} s, scene built {best[1]:.2f} s, first draw {best[2]:.2f} s); "
            f"all: {', '.join(f'{r[3]:.2f}' for r in runs)} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
