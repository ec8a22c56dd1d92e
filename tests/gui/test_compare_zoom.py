"""Compare dock: the zoom is kept when the mode changes (issue 12: leaving side-by-side zoomed
every panel out to ±10,000 pixels). pyqtgraph, no OpenGL needed."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QRectF

from smile_viewer._qt.comparison import MODES, ComparisonView


@pytest.fixture
def view(qtbot):
    rng = np.random.default_rng(3)
    syn = np.full((40, 60), 4.0)
    obs = rng.poisson(syn).astype(float)
    v = ComparisonView()
    qtbot.addWidget(v)
    v.resize(1100, 750)
    v.set_arrays(obs, syn, units="count", counts=True)
    v.show()
    qtbot.waitExposed(v)
    return v


def _rect(panel):
    (x0, x1), (y0, y1) = panel.view.viewRange()
    return np.array([x0, x1, y0, y1])


def test_zoom_is_kept_across_every_mode(qtbot, view):
    view.left.view.setRange(QRectF(10, 5, 24, 16), padding=0)
    view.left.view.sigRangeChangedManually.emit([True, True])  # as a mouse zoom does
    qtbot.wait(50)
    zoom = _rect(view.left)
    for mode in [*MODES[1:], MODES[0], *MODES[1:], MODES[0]]:
        view.set_mode(mode)
        qtbot.wait(60)  # the layout settles (the right panel hides in blink mode)
        for panel in (view.left, view.right) if mode != "blink" else (view.left,):
            got = _rect(panel)
            # the zoomed region is in view, and one side fits it exactly (the aspect is locked)
            assert got[0] <= zoom[0] + 0.5 and got[1] >= zoom[1] - 0.5, (mode, got)
            assert got[2] <= zoom[2] + 0.5 and got[3] >= zoom[3] - 0.5, (mode, got)
            assert (
                min((got[1] - got[0]) / (zoom[1] - zoom[0]), (got[3] - got[2]) / (zoom[3] - zoom[2])) < 1.05
            ), (mode, got)


def test_observed_axes_in_degrees_and_radec_readout(qtbot):
    """An observation with a WCS: axes in instrument degrees (the camera's pixel size), RA/Dec
    in the read-out equal to the WCS's; our synthetic panels' RA/Dec (from the camera and the
    GSE→GEI rotation) agree with that WCS to 0.01°."""
    from astropy.time import Time

    from smile_viewer._qt.docks.images_dock import sky_coordinate_function
    from smile_viewer.io.observed import observed_from_arrays
    from smile_viewer.io.products import camera_wcs
    from smile_viewer.mission.instruments import load_instrument
    from smile_viewer.mission.pointing import sxi_pointing

    t = Time("2026-05-21T01:00:00")
    pos = np.array([6.0, -6.0, 18.0])
    pt = sxi_pointing(pos)
    cam = load_instrument("sxi").camera(pos, pt.rotation, shape=(31, 53))
    wcs = camera_wcs(cam, t)
    obs = observed_from_arrays(
        np.ones(cam.shape),
        wcs=wcs,
        time_start=t,
        exposure_s=300.0,
        position_re=pos,
        aim_re=pt.aim_re,
        instrument="sxi",
        units="count",
    )
    v = ComparisonView()
    qtbot.addWidget(v)
    v.set_observed(obs)
    assert v.left.plot.getAxis("bottom").labelText.endswith("[°]")
    sx, sy = cam.pixel_size_deg()
    assert v.left.angle_at(0, 0) == pytest.approx(((0.5 - 53 / 2) * sx, (0.5 - 31 / 2) * sy))
    text = v.left.cursor_text(3, 40)
    ra, dec = wcs.pixel_to_world_values(40, 3)
    assert f"RA {float(ra) % 360:.3f}°" in text and f"Dec {float(dec):+.3f}°" in text
    ours = sky_coordinate_function(cam, t)
    for row, col in ((0, 0), (3, 40), (30, 52), (15, 26)):
        ra, dec = wcs.pixel_to_world_values(col, row)
        got = ours(row, col)
        g_ra = float(got.split("RA ")[1].split("°")[0])
        g_dec = float(got.split("Dec ")[1].split("°")[0])
        assert abs((g_ra - float(ra) + 180) % 360 - 180) * np.cos(np.radians(float(dec))) < 0.01
        assert g_dec == pytest.approx(float(dec), abs=0.01)


def test_fits_the_narrow_dock_of_the_default_layout(qtbot, view):
    """In the default layout the Compare dock is about 520 px wide: the view must fit it without
    horizontal scrolling, the panels stacked; wide, they go side by side again."""
    from PySide6.QtCore import Qt

    view.resize(520, 900)
    qtbot.wait(30)
    assert view.splitter.orientation() == Qt.Orientation.Vertical
    assert view.minimumSizeHint().width() <= 500
    fresh = ComparisonView()  # before its first resize too (a scroll area asks it first)
    qtbot.addWidget(fresh)
    assert fresh.minimumSizeHint().width() <= 500
    assert view.left.isVisible() and view.right.isVisible()
    view.resize(1200, 800)
    qtbot.wait(30)
    assert view.splitter.orientation() == Qt.Orientation.Horizontal
