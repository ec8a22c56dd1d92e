"""The 3-D view through LEXI from the Moon (run under Xvfb: ``xvfb-run -a python
docs/screenshots/make_lexi_screenshots.py``; writes through_lexi_observed_1600x1000.png next to
this file).

The first hour of 2025-03-03 (12 five-minute photon files of tests/data/real/lexi) is opened in
the Compare dock, then View ▸ Through LEXI (observed, from the Moon) is taken with the stars on:
the dayside magnetosheath between the bow shock and the magnetopause as LEXI saw it from the Blue
Ghost 1 site.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _window import open_window, qt_app, save_grab, settle  # noqa: E402

LEXI = HERE.parents[1] / "tests" / "data" / "real" / "lexi"


def main() -> int:
    app = qt_app()
    from smile_viewer.io.lexi import load_lexi

    win = open_window(app, (1600, 1000), Path(tempfile.mkdtemp()))
    win.comparison.set_observed(load_lexi(sorted(LEXI.glob("*.cdf"))[:12], pixel_deg=0.25, size_deg=12.0))
    win.observed_camera.action.trigger()
    win.state.layers.stars = True
    settle(app, win, before=60)
    out = HERE / "through_lexi_observed_1600x1000.png"
    save_grab(win, out)
    win.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
