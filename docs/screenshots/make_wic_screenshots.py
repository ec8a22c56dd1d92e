"""Screenshots of a real IMAGE WIC image in the Compare dock (run under Xvfb: ``xvfb-run -a python
docs/screenshots/make_wic_screenshots.py``; writes compare_wic_*.png next to this file).

The window opens tests/data/real/image-wic/wic20002410930.idl (2000-08-28 09:30 UT) with File ▸
Open observed image (workers inline), which fits dayglow + background + the Zhang & Paxton aurora,
shows the fitted model as the synthetic image and the oval edges in the "Oval edges" dock; the
Compare view is then put in side-by-side or difference mode and the window grabbed. The last
shot also takes View ▸ Through WIC (observed, from IMAGE): the 3-D view from the IMAGE spacecraft
at the image's time (through_wic_observed_1600x1000.png).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _window import open_window, qt_app, save_grab  # noqa: E402

WIC = HERE.parents[1] / "tests" / "data" / "real" / "image-wic" / "wic20002410930.idl"
SHOTS = (
    (1600, 1000, "side by side"),
    (1600, 1000, "difference"),
    (1280, 800, "side by side"),
    (1600, 1000, "through"),
)


def main() -> int:
    app = qt_app()
    for width, height, mode in SHOTS:
        with tempfile.TemporaryDirectory() as tmp:
            win = open_window(app, (width, height), Path(tmp))
            win.open_observed(str(WIC))
            win.comparison.set_mode("side by side" if mode == "through" else mode)
            if mode == "through":
                win.observed_camera.action.trigger()
            for _ in range(60):
                app.processEvents()
                time.sleep(0.02)
            name = "through_wic_observed" if mode == "through" else f"compare_wic_{mode.replace(' ', '_')}"
            out = HERE / f"{name}_{width}x{height}.png"
            save_grab(win, out)
            win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
