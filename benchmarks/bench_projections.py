"""Benchmark: dome masters and equirectangular frames of the 3-D scene (``_vispy.projections``).

Target (issue 15, on the development machine: Mesa llvmpipe, 2 cores): a 2048 × 2048 dome
master of the default scene in at most 4 s, once the scene is built (a movie frame's cost).

Run (needs OpenGL: a display, Xvfb or EGL)::

    xvfb-run -a .venv/bin/python benchmarks/bench_projections.py
    ... bench_projections.py --size 2048 --repeat 3 --sky

What it measures, per projection (dome 2048 × 2048, equirectangular 4096 × 2048 by default),
with the camera 25 R_E from the Earth looking at it from the overview preset's direction:

- "map": building the resampling map (once per size and tilt; cached afterwards);
- "faces": drawing the cube faces the projection uses off window and reading them back;
- "resample": the bilinear resampling into the output picture;
- "frame": faces + resample with the map cached: what each frame of a movie costs, as wall
  time and as the CPU time of the process (llvmpipe's rendering threads included): on a machine
  shared with other jobs the wall time is inflated, the CPU time is the work.

The scene (orbit, boundaries, GL programs) is built and drawn once before timing. It prints
the machine (``benchmarks/_machine.py``) with the OpenGL renderer.

Recorded figures: benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from _machine import machine_summary


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--size", type=int, default=2048, help="dome side; equirect is 2N x N (default 2048)")
    p.add_argument("--repeat", type=int, default=3, help="timed frames per projection (default 3)")
    p.add_argument("--sky", action="store_true", help="with the star field, Sun and Moon")
    p.add_argument("--tilt", type=float, default=0.0, help="dome tilt [deg]")
    args = p.parse_args(argv)

    from vispy import gloo
    from vispy import scene as vscene

    from smile_viewer._vispy import projections as P
    from smile_viewer._vispy.headless import gl_app
    from smile_viewer._vispy.scene import SceneView
    from smile_viewer.state import AppState

    print(machine_summary())
    print(f"load average at start: {' '.join(f'{v:.1f}' for v in os.getloadavg())}")
    state = AppState()
    if args.sky and "stars" in state.scene.layers.names():
        state.scene.layers.stars = True
    app = gl_app((512, 512))
    canvas = vscene.SceneCanvas(size=(512, 512), show=False, app=app, keys=None)
    t0 = time.perf_counter()
    sv = SceneView(state, canvas=canvas, volume_resolution=1.0)
    sv.render()
    print(f"scene built and drawn once: {time.perf_counter() - t0:.2f} s")
    print(f"OpenGL: {gloo.gl.glGetParameter(gloo.gl.GL_RENDERER)}")
    _eye, rot = P.view_camera_pose(sv)
    eye = -25.0 * rot[:, 2]  # 25 R_E from the Earth, looking at it
    n = args.size
    for proj, size, tilt in (("dome", (n, n), args.tilt), ("equirect", (2 * n, n), 0.0)):
        face = P.default_face_px(proj, size)
        t = time.perf_counter()
        pmap = P.projection_map(proj, size, tilt, face)
        t_map = time.perf_counter() - t
        frames, faces_t, res_t, cpu = [], [], [], []
        for _ in range(max(1, args.repeat)):
            c0 = time.process_time()
            t = time.perf_counter()
            faces = P.render_faces(sv, pmap, eye, rot)
            t1 = time.perf_counter()
            img = P.resample(faces, pmap)
            t2 = time.perf_counter()
            cpu.append(time.process_time() - c0)
            faces_t.append(t1 - t)
            res_t.append(t2 - t1)
            frames.append(t2 - t)
        assert img.shape == (size[1], size[0], 4) and np.any(img[..., :3])
        print(
            f"{proj:8s} {size[0]}x{size[1]}  faces {len(pmap.faces_used)} x {pmap.render_px}^2 px:  "
            f"map {t_map:.2f} s,  faces {min(faces_t):.2f} s,  resample {min(res_t):.2f} s,  "
            f"frame best {min(frames):.2f} s (median {float(np.median(frames)):.2f} s), "
            f"CPU {min(cpu):.2f} s"
        )
    sv.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
