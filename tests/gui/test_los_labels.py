"""Line-of-sight plot: units written with superscripts, as the image panels write them, and a
y label that is not clipped in a short dock (issue 12). pyqtgraph, no OpenGL needed."""

from __future__ import annotations

import numpy as np

from smile_viewer._qt.los_plot import LosPlot, LosProfile


def _profile():
    s = np.linspace(0.0, 60.0, 200)
    pts = np.c_[20.0 - s, np.zeros_like(s), np.zeros_like(s)]
    eta = 10.0 * np.exp(-(((s - 10.0) / 3.0) ** 2))
    return LosProfile(
        12,
        30,
        s,
        pts,
        eta,
        "eV cm^-3 s^-1",
        ((8.0, "magnetopause"), (12.0, "bow shock")),
        3.5,
        "keV cm^-2 s^-1 sr^-1",
        False,
    )


def test_units_in_superscripts_and_label_unclipped(qtbot):
    plot = LosPlot()
    qtbot.addWidget(plot)
    plot.resize(520, 200)  # the Line-of-sight dock at the default layout is about this size
    plot.show()
    qtbot.waitExposed(plot)
    plot.set_profile(_profile(), "sxi")
    qtbot.wait(50)
    label = plot.plot.getAxis("left").labelString()
    assert "^" not in label and "cm⁻³" in label and "s⁻¹" in label
    assert "^" not in plot.caption.text() and "sr⁻¹" in plot.caption.text()
    assert plot.y_label_fits()
    plot.resize(520, 150)  # a shorter dock: the label shrinks rather than being cut
    qtbot.wait(50)
    assert plot.y_label_fits()
