"""Screenshots of a 512³ cube in the window (run under Xvfb: ``xvfb-run -a python
docs/screenshots/make_large_cube_screenshots.py``; writes large_cube_*.png next to this file).

The Jorgensen et al. (2019) model sampled on 512³ nodes over [-30, 30]³ R_E (n = 5 cm^-3,
v = 400 km/s), written as a FITS cube and opened in the Model dock's cube field: the 3-D view
shows it as 256³ block means and says so in its key; the SXI image integrates the 512³ grid.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _window import open_window, qt_app, settle  # noqa: E402


def make_cube(path: Path, n: int = 512) -> None:
    from smile_viewer.io.cubes import write_fits_cube
    from smile_viewer.physics import models as registry
    from smile_viewer.physics.solar_wind import SolarWind
    from smile_viewer.physics.volume import sample_model

    sw = SolarWind.from_speed(n_cm3=5.0, v_km_s=400.0, bz_nt=-2.0)
    vol = sample_model(
        registry.build_emissivity("jorgensen", sw), (n, n, n), ((-30.0, 30.0),) * 3, frame="gse"
    )
    write_fits_cube(path, vol, sw)


def main() -> None:
    app = qt_app()
    tmp = Path(tempfile.mkdtemp())
    cube = tmp / "jorgensen_512.fits"
    make_cube(cube)
    for w, h in ((1600, 1000), (1280, 800)):
        win = open_window(app, (w, h), tmp)
        st = win.app_state
        st.scene.layers.emission_volume = True
        win.model_dock.load_cube_spec(str(cube), synchronous=True)
        settle(app, win)
        win.grab().save(str(HERE / f"large_cube_{w}x{h}.png"))
        win.close()
    cube.unlink()


if __name__ == "__main__":
    main()
