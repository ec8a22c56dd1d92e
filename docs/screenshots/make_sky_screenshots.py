"""Screenshots of the real sky and the planetarium/VR frames (run under Xvfb:
``xvfb-run -a .venv/bin/python docs/screenshots/make_sky_screenshots.py``; writes sky_*.png,
dome_master.png and equirect.png next to this file).

The scene: the default orbit and models at the default time (SMILE's first apogee,
2026-05-21 01:18 UTC), stars and names on. In late May the Sun is in Taurus: looking sunward
from beyond the magnetotail, the Sun's glow sits between the Pleiades (above it) and the
Hyades with Aldebaran (to its left); the Moon (a waxing crescent, dim) further left. The dome
master and the 360° frame are taken from inside the magnetotail, 24 R_E behind the Earth,
looking at the Earth and the Sun.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _window import open_window, qt_app, settle  # noqa: E402

#: From beyond the tail, a little north of the ecliptic and dawnward, looking sunward.
SUNWARD = {"azimuth": 250.0, "elevation": 18.0, "scale_factor": 75.0, "center": (-4.0, 0.0, 0.0), "fov": 60.0}
#: The planetarium's eye: in the magnetotail, looking at the Earth (the Sun 27° beyond it).
TAIL_EYE = (-16.0, -26.0, 14.0)


def headless_frames() -> None:
    from smile_viewer._vispy.headless import render_scene_image
    from smile_viewer._vispy.projections import render_projection_image
    from smile_viewer._vispy.scene import CameraSetup
    from smile_viewer.mission.camera import look_rotation
    from smile_viewer.state.app import AppState

    state = AppState()
    state.scene.layers.stars = state.scene.layers.sky_labels = True
    img = render_scene_image((1600, 1000), state=state, camera=CameraSetup(**SUNWARD))
    Image.fromarray(img).save(HERE / "sky_3d_1600x1000.png", optimize=True)

    eye = np.array(TAIL_EYE)
    rot = look_rotation(-eye)
    dome = render_projection_image(
        "dome", (1600, 1600), camera_position=eye, camera_rotation=rot, tilt_deg=20.0, sky=True
    )
    Image.fromarray(dome).save(HERE / "dome_master.png", optimize=True)
    equi = render_projection_image(
        "equirect", (2048, 1024), camera_position=eye, camera_rotation=rot, sky=True
    )
    Image.fromarray(equi[..., :3]).save(HERE / "equirect.png", optimize=True)


def window_shots() -> None:
    from smile_viewer._vispy.scene import CameraSetup

    app = qt_app()

    tmp = Path(tempfile.mkdtemp())
    for w, h in ((1600, 1000), (1280, 800)):
        win = open_window(app, (w, h), tmp)
        win.layers_dock.checks["stars"].setChecked(True)
        win.layers_dock.checks["sky_labels"].setChecked(True)
        win.layers_dock.raise_()
        win.scene_view.set_camera(CameraSetup(**SUNWARD))
        settle(app, win, after=30)
        win.grab().save(str(HERE / f"sky_window_{w}x{h}.png"))
        win.close()


if __name__ == "__main__":
    which = set(sys.argv[1:]) or {"frames", "window"}
    if "frames" in which:
        headless_frames()
    if "window" in which:
        window_shots()
    print(
        "written:", sorted(p.name for p in HERE.glob("*.png") if p.name.startswith(("sky_", "dome", "equi")))
    )
