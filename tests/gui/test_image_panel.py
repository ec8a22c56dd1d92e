"""ImagePanel: values under the cursor, colour scales, colour bar in physical units, clicks,
orientation (row 0 at the top) and NaN as no data. pyqtgraph draws with QPainter: no OpenGL."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt

from smile_viewer._qt.image_panel import (
    SCALES,
    ImagePanel,
    Stretch,
    coordinate_function_from_wcs,
    format_value,
    physical_ticks,
)

UNITS = "keV cm⁻² s⁻¹ sr⁻¹"


def _image(rows=40, cols=60):
    r, c = np.mgrid[0:rows, 0:cols]
    img = 1e-4 * (1 + r) * (1 + c)  # every pixel different: 1e-4 .. 0.24
    img[5, 7] = 3.5e-2
    img[30:34, 10:14] = np.nan
    return img


@pytest.fixture
def panel(qtbot):
    p = ImagePanel()
    qtbot.addWidget(p)
    p.resize(640, 480)
    p.set_image(_image(), UNITS, "SXI test")
    p.show()
    qtbot.waitExposed(p)
    p.fit_view()
    qtbot.wait(20)
    return p


def _viewport_point(panel, row, col) -> QPoint:
    pos = panel.widget_pos_of_pixel(row, col)
    return QPoint(round(pos.x()), round(pos.y()))


def _hover(qtbot, panel, row, col):
    vp = panel.graphics.viewport()
    qtbot.mouseMove(vp, _viewport_point(panel, row, col))
    qtbot.waitUntil(lambda: f"row {row}, col {col})" in panel.cursor_label.text(), timeout=2000)
    return panel.cursor_label.text()


def test_cursor_shows_pixel_value_units_and_index(qtbot, panel):
    text = _hover(qtbot, panel, 5, 7)
    assert text.startswith("pixel (row 5, col 7)")
    assert "0.035 " + UNITS in text
    text = _hover(qtbot, panel, 20, 45)
    expected = 1e-4 * 21 * 46
    assert f"{format_value(expected)} {UNITS}" in text
    assert panel.value_at(20, 45) == pytest.approx(expected)


def test_cursor_on_nan_says_no_data_and_leaving_clears(qtbot, panel):
    assert "no data" in _hover(qtbot, panel, 31, 11)
    hovered = []
    panel.pixel_hovered.connect(lambda r, c: hovered.append((r, c)))
    vp = panel.graphics.viewport()
    qtbot.mouseMove(vp, QPoint(2, 2))  # outside the image (axis area)
    qtbot.waitUntil(lambda: panel.cursor_label.text() == "", timeout=2000)
    assert hovered[-1] == (-1, -1)


def test_cursor_shows_coordinates(qtbot, panel):
    import re

    panel.set_coordinate_function(lambda row, col: (100.0 + col, -20.0 + row), names=("RA", "Dec"))
    text = _hover(qtbot, panel, 10, 20)
    m = re.search(r"RA (\S+)°, Dec (\S+)°", text)
    assert m, text
    # sub-pixel position of the cursor: within half a pixel of the pixel centre
    assert float(m.group(1)) == pytest.approx(120.0, abs=0.5)
    assert float(m.group(2)) == pytest.approx(-10.0, abs=0.5)
    assert panel.cursor_text(10, 20).endswith("RA 120.000°, Dec -10.000°")
    panel.set_coordinate_function(lambda row, col: f"θ = {row:.0f}°")
    assert "θ = 10°" in _hover(qtbot, panel, 10, 21)


def test_coordinates_from_a_wcs(qtbot, panel):
    from astropy.wcs import WCS

    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crpix = [31, 21]  # FITS 1-based: array pixel (row 20, col 30)
    w.wcs.crval = [150.0, 10.0]
    w.wcs.cdelt = [-0.1, 0.1]
    panel.set_coordinate_function(coordinate_function_from_wcs(w))
    assert panel.cursor_text(20, 30).endswith("RA 150.000°, Dec +10.000°")
    assert "Dec +10.100°" in panel.cursor_text(21, 30)


def test_row_zero_is_at_the_top_and_aspect_is_locked(qtbot, panel):
    top = panel.scene_pos_of_pixel(0, 0)
    bottom = panel.scene_pos_of_pixel(39, 0)
    right = panel.scene_pos_of_pixel(0, 59)
    assert top.y() < bottom.y(), "row 0 must be drawn at the top"
    assert right.x() > top.x()
    # square pixels
    assert (bottom.y() - top.y()) / 39 == pytest.approx((right.x() - top.x()) / 59, rel=1e-3)
    assert panel.view.state["aspectLocked"] == 1.0

    # the picture agrees: a single bright pixel at (0, 0) shows up at the top left
    img = np.zeros((40, 60))
    img[0, 0] = 1.0
    panel.set_image(img, UNITS)
    panel.set_colormap("gray")
    qtbot.wait(20)
    shot = panel.graphics.grab().toImage()
    p = _viewport_point(panel, 0, 0)
    q = _viewport_point(panel, 39, 59)
    assert _brightness(shot, p) > 200
    assert _brightness(shot, q) < 50


def _brightness(qimage, point) -> int:
    dpr = qimage.devicePixelRatio()
    c = qimage.pixelColor(int(point.x() * dpr), int(point.y() * dpr))
    return max(c.red(), c.green(), c.blue())


def test_nan_is_transparent(qtbot, panel):
    panel.set_colormap("gray")
    img = np.ones((40, 60))
    img[10:30, 20:40] = np.nan
    panel.set_image(img, UNITS)
    panel.set_levels(0.0, 0.5)  # all finite pixels are white
    qtbot.wait(20)
    shot = panel.graphics.grab().toImage()
    assert _brightness(shot, _viewport_point(panel, 5, 5)) > 240
    inside = shot.pixelColor(
        *(
            int(v * shot.devicePixelRatio())
            for v in (_viewport_point(panel, 20, 30).x(), _viewport_point(panel, 20, 30).y())
        )
    )
    bg = panel.view.background.brush().color()
    assert (inside.red(), inside.green(), inside.blue()) == (bg.red(), bg.green(), bg.blue())


def test_scale_switching_changes_displayed_levels_and_data(qtbot, panel):
    lo, hi = panel.levels()
    data = panel.image
    finite = data[np.isfinite(data)]
    assert (lo, hi) == (pytest.approx(finite.min()), pytest.approx(finite.max()))
    assert panel.display_levels() == (pytest.approx(lo), pytest.approx(hi))

    seen = {}
    for scale in SCALES:
        panel.scale_combo.setCurrentText(scale)  # as the user would
        assert panel.scale == scale
        seen[scale] = panel.display_levels()
        lo, hi = panel.levels()
        d = panel.image_item.image
        assert d[5, 7] == pytest.approx(float(panel.stretch.forward(3.5e-2)), rel=1e-5)
        assert np.isnan(d[31, 11])
        assert seen[scale] == (
            pytest.approx(float(panel.stretch.forward(lo)), rel=1e-6, abs=1e-9),
            pytest.approx(float(panel.stretch.forward(hi)), rel=1e-6, abs=1e-9),
        )
    assert seen["log"] == (pytest.approx(np.log10(1e-4)), pytest.approx(np.log10(0.24)))
    assert seen["sqrt"][1] == pytest.approx(np.sqrt(0.24))
    assert len({v for v in seen.values()}) == 4, "each scale shows different display levels"


def test_colorbar_ticks_are_physical_values_with_units(qtbot, panel):
    assert panel.colorbar.axis.labelText == UNITS
    panel.set_scale("log")
    ticks = panel.colorbar.axis._tickLevels[0]
    labels = [t[1] for t in ticks]
    assert "0.01" in labels and "0.001" in labels
    for pos, label in ticks:
        if label == "0.01":
            assert pos == pytest.approx(-2.0)


def test_dragging_levels_on_the_colorbar_turns_auto_off(qtbot, panel):
    panel.set_scale("log")
    assert panel.auto_levels
    changes = []
    panel.levels_changed.connect(lambda a, b: changes.append((a, b)))
    panel.colorbar.region.setRegion([-3.0, -1.0])  # what a drag on the bar does
    assert not panel.auto_levels and not panel.auto_button.isChecked()
    assert panel.levels() == (pytest.approx(1e-3), pytest.approx(0.1))
    assert changes[-1] == (pytest.approx(1e-3), pytest.approx(0.1))
    # the next image keeps the levels the user chose
    panel.set_image(_image() * 2, UNITS)
    assert panel.levels() == (pytest.approx(1e-3), pytest.approx(0.1))
    panel.auto_button.click()
    assert panel.auto_levels and panel.levels()[1] == pytest.approx(0.48)


def test_click_emits_the_pixel(qtbot, panel):
    vp = panel.graphics.viewport()
    for row, col in ((0, 0), (12, 34), (39, 59)):
        with qtbot.waitSignal(panel.pixel_clicked, timeout=2000) as blocker:
            qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=_viewport_point(panel, row, col))
        assert blocker.args == [row, col]
        qtbot.wait(300)  # not a double click
    assert panel._marker_item is not None
    assert panel._marker_item.rect().topLeft().toTuple() == (59.0, 39.0)


def test_quantity_input_and_validation(qtbot):
    import astropy.units as u

    p = ImagePanel(scale="asinh", colormap="viridis")
    qtbot.addWidget(p)
    p.set_image(np.arange(12.0).reshape(3, 4) * u.R, title="UVI")
    assert p.units == "R" and p.title == "UVI" and p.title_label.text() == "UVI"
    assert "11 R" in p.cursor_text(2, 3)
    p.set_image(np.ones((3, 4)), "keV cm^-2 s^-1 sr^-1")  # compute's unit strings, written nicely
    assert p.units == "keV cm⁻² s⁻¹ sr⁻¹" and p.colorbar.axis.labelText == p.units
    with pytest.raises(ValueError, match="2-D"):
        p.set_image(np.zeros(5))
    with pytest.raises(ValueError, match="unknown colour scale"):
        p.set_scale("cubic")
    with pytest.raises(ValueError, match="unknown colour map"):
        p.set_colormap("rainbow-unicorn")
    with pytest.raises(ValueError, match="low < high"):
        p.set_levels(2, 1)
    p.set_image(np.full((3, 4), np.nan))  # nothing finite: still shows
    assert "no data" in p.cursor_text(0, 0)


# -- the numbers behind the colour bar ---------------------------------------------------------------
@pytest.mark.parametrize("scale", SCALES)
def test_stretch_round_trips(scale):
    s = Stretch(scale, floor=1e-9, a=0.3)
    x = np.array([1e-6, 0.01, 0.5, 3.0, 1e4])
    np.testing.assert_allclose(s.inverse(s.forward(x)), x, rtol=1e-12)
    assert np.isnan(s.forward(np.nan))
    if scale != "log":
        np.testing.assert_allclose(s.inverse(s.forward(-x)), -x, rtol=1e-12)


def test_physical_ticks():
    log = Stretch("log")
    ticks = physical_ticks(log, -5.0, 1.0)
    assert [t[1] for t in ticks] == ["10⁻⁵", "10⁻⁴", "0.001", "0.01", "0.1", "1", "10"]
    assert [t[0] for t in ticks] == pytest.approx([-5, -4, -3, -2, -1, 0, 1])
    lin = physical_ticks(Stretch("linear"), 0.0, 1.0)
    assert [t[1] for t in lin] == ["0", "0.2", "0.4", "0.6", "0.8", "1"]
    asinh = Stretch("asinh", a=1.0)
    labels = [t[1] for t in physical_ticks(asinh, float(asinh.forward(-100)), float(asinh.forward(1000)))]
    assert "0" in labels and "100" in labels and "-100" in labels
    sq = physical_ticks(Stretch("sqrt"), 0.0, 10.0)
    positions = [t[0] for t in sq]
    assert min(np.diff(positions)) >= 10.0 / 8 - 1e-9


def test_format_value():
    assert format_value(0) == "0"
    assert format_value(0.035) == "0.035"
    assert format_value(12345.6) == "1.235e+04" or format_value(12345.6) == "1.235×10⁴"
    assert format_value(2.5e-5) == "2.5×10⁻⁵"
    assert format_value(1e-7) == "10⁻⁷"
    assert format_value(float("nan")) == "nan"
