"""Screenshots of presentation mode and of a 4K tour frame.

Presentation mode fills the screen, so each size runs under its own Xvfb screen::

    xvfb-run -a -s "-screen 0 1600x1000x24" python docs/screenshots/make_presentation_screenshots.py present
    xvfb-run -a -s "-screen 0 1280x800x24" python docs/screenshots/make_presentation_screenshots.py present
    python docs/screenshots/make_presentation_screenshots.py tour4k     # off window (EGL or Xvfb)
    xvfb-run -a -s "-screen 0 1920x1200x24" python docs/screenshots/make_presentation_screenshots.py tour_dock

The scene: the default orbit and models, the emission volume on, the solar wind at the calm ↔
storm control's "Moderate" preset, a two-stop tour whose first stop (key 1) shows its caption.
The 4K frame is written at 3840 × 2160 and kept here as a 1920 × 1080 copy.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _window import open_window, qt_app, save_grab, settle  # noqa: E402


def _tour(app):
    from smile_viewer.state.tour import Keyframe, SolarWindKey, Tour, pose_from_turntable

    t = app.scene.time.isot
    app.tour = Tour(
        keyframes=[
            Keyframe(
                camera=pose_from_turntable(165.0, 18.0, 0.0, (-6.0, 0.0, 0.0), 71.0, 30.0),
                time=t,
                caption="Earth's magnetic bubble: the solar wind flows around it",
                solar_wind=SolarWindKey(n_cm3=10.0, v_km_s=500.0, bz_nt=-5.0),
            ),
            Keyframe(
                camera=pose_from_turntable(110.0, 25.0, 0.0, (5.0, 0.0, 0.0), 45.0, 30.0),
                time=t,
                caption="SMILE watches the glowing dayside from high above",
                solar_wind=SolarWindKey(n_cm3=10.0, v_km_s=500.0, bz_nt=-5.0),
            ),
        ]
    )


def present() -> None:
    qapp = qt_app()
    screen = qapp.primaryScreen().size()
    w, h = screen.width(), screen.height()
    win = open_window(qapp, (w - 100, h - 100), Path(tempfile.mkdtemp()), warm_up=False)
    st = win.app_state
    st.scene.layers.emission_volume = True
    if "stars" in st.scene.layers.names():
        st.scene.layers.stars = True
    _tour(st)
    win.presentation.enter()
    win.presentation.storm.set_position(0.5)
    win.presentation.go_to_stop(0)
    win.scene_view.set_interactive(False)
    settle(qapp, win, before=80)
    out = HERE / f"presentation_{w}x{h}.png"
    save_grab(win, out)
    win.presentation.leave()
    win.close()


def tour_dock() -> None:
    """The window at 1600 × 1000 and 1280 × 800 with the Tour dock open and two keyframes."""
    qapp = qt_app()
    tmp = Path(tempfile.mkdtemp())
    for w, h in ((1600, 1000), (1280, 800)):
        win = open_window(qapp, (w, h), tmp, warm_up=False)
        win.tour_dock.show()
        win.state.camera_preset = "magnetosphere"
        win.tour_dock.add_current("The whole magnetosphere")
        win.state.camera_preset = "from_sun"
        win.tour_dock.add_current("The dayside, where SMILE looks")
        settle(qapp, win, before=60, after=30)
        out = HERE / f"tour_dock_{w}x{h}.png"
        save_grab(win, out)
        win.close()


def tour4k() -> None:
    from PIL import Image

    from smile_viewer._vispy.tour_render import TourRenderer
    from smile_viewer.state.app import AppState

    app = AppState()
    app.scene.layers.emission_volume = True
    _tour(app)
    r = TourRenderer(app, (3840, 2160))
    try:
        img = r.render(app.tour.sample(0.0))
    finally:
        r.close()
    out = HERE / "tour_frame_4k_as_1920x1080.png"
    Image.fromarray(img).resize((1920, 1080), Image.Resampling.LANCZOS).save(out)
    Image.fromarray(img).save("/tmp/tour_frame_4k_full.png")
    print("wrote", out, "(full 4K frame: /tmp/tour_frame_4k_full.png)")


if __name__ == "__main__":
    {"present": present, "tour4k": tour4k, "tour_dock": tour_dock}[
        sys.argv[1] if len(sys.argv) > 1 else "present"
    ]()
