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
            assert min((got[1] - got[0]) / (zoom[1] - zoom[0]), (got[3] - got[2]) / (zoom[3] - zoom[2])) < 1.05, \
                (mode, got)
