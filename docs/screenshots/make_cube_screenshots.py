"""Screenshots of a cube time sequence and a cut plane (run under Xvfb: ``xvfb-run -a python
docs/screenshots/make_cube_screenshots.py``; writes cube_*.png next to this file).

The sequence: three cubes 10 minutes apart, the Jorgensen et al. (2019) model sampled for a solar
wind of 5, 12 and 25 cm^-3 at 400 km/s (a pressure pulse pushing the magnetopause in), written
as FITS cubes with their times (DATE-OBS). The window loads the folder, the slider stands between
the second and third cubes (the linear blend) with the emission volume on; then the X–Z cut plane
coloured by the emissivity, seen from dusk.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from _window import open_window, qt_app, settle  # noqa: E402


def make_sequence(folder: Path):
    from astropy.time import Time, TimeDelta

    from smile_viewer.io.cubes import write_fits_cube
    from smile_viewer.physics import models as registry
    from smile_viewer.physics.solar_wind import SolarWind
    from smile_viewer.physics.volume import sample_model

    t0 = Time("2026-05-21T01:00:00", scale="utc")
    for k, n in enumerate((5.0, 12.0, 25.0)):
        sw = SolarWind.from_speed(n_cm3=n, v_km_s=400.0, bz_nt=-2.0)
        model = registry.build_emissivity("jorgensen", sw)
        vol = sample_model(model, (81, 61, 61), ((-20.0, 30.0), (-25.0, 25.0), (-25.0, 25.0)), frame="gse")
        write_fits_cube(folder / f"jorgensen_{k}.fits", vol, sw, time=t0 + TimeDelta(600.0 * k, format="sec"))
    return t0


def main() -> None:
    app = qt_app()
    tmp = Path(tempfile.mkdtemp())
    seq = tmp / "storm_run"
    seq.mkdir()
    t0 = make_sequence(seq)
    for w, h in ((1600, 1000), (1280, 800)):
        win = open_window(app, (w, h), tmp)
        st = win.app_state
        st.scene.layers.emission_volume = True
        win.model_dock.load_cube_spec(str(seq), synchronous=True)
        win.state.time = t0  # the first cube (the default time may already be inside the run)
        base = win.time_control.slider.value()
        win.time_control.slider.setValue(base + 15)  # halfway between the second and third cubes
        settle(app, win)
        win.grab().save(str(HERE / f"cube_sequence_{w}x{h}.png"))
        # the cut plane alone (the volume's glow off), seen from dusk: the X–Z plane face on
        st.scene.layers.emission_volume = False
        st.scene.camera_preset = "noon_midnight"
        dock = win.cut_plane_dock
        dock.show_check.setChecked(True)
        dock.set_offset(0.0)
        dock.raise_()
        settle(app, win)
        win.grab().save(str(HERE / f"cube_cut_plane_{w}x{h}.png"))
        win.close()
        for _ in range(10):
            app.processEvents()


if __name__ == "__main__":
    main()
