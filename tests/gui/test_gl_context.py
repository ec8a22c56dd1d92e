"""Off-window canvases (``show=False``) of vispy's Qt backend get their own OpenGL context
(smile_viewer._vispy.headless.own_gl_context): a hidden QOpenGLWidget is never initialised and
vispy would draw with another canvas's context, which is gone once that canvas is destroyed."""

from __future__ import annotations

import gc

import numpy as np
import pytest

pytestmark = pytest.mark.gl


def _canvas(size, colour, own: bool):
    from vispy import scene

    from smile_viewer._vispy.headless import gl_app, own_gl_context

    c = scene.SceneCanvas(size=size, show=False, app=gl_app((64, 64)), bgcolor=colour)
    return own_gl_context(c) if own else c


def test_a_hidden_canvas_gets_a_context_of_its_own(qapp):
    from PySide6.QtCore import Qt

    c = _canvas((32, 24), (1.0, 0.0, 0.0, 1.0), own=True)
    try:
        native = c.native
        assert native.isValid()  # initialised: makeCurrent() now makes *its* context current
        assert native.testAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)  # never on the screen
        img = c.render(alpha=False)
        assert img.shape[:2] == (24, 32) and (img[..., 0] > 250).all() and (img[..., 1] < 5).all()
    finally:
        c.close()


def test_it_still_draws_after_another_canvas_is_destroyed(qapp):
    """The sequence that broke: a canvas draws, a second one draws, is closed and collected
    (its widget and context destroyed), then the first draws again."""
    keep = _canvas((32, 24), (1.0, 0.0, 0.0, 1.0), own=True)
    try:
        assert (keep.render(alpha=False)[..., 0] > 250).all()
        for _ in range(2):
            other = _canvas((16, 16), (0.0, 0.0, 1.0, 1.0), own=True)
            assert (other.render(alpha=False)[..., 2] > 250).all()
            other.close()
            del other
            gc.collect()
        img = keep.render(alpha=False)
        assert img.shape[:2] == (24, 32)
        np.testing.assert_array_equal(img[..., :3].reshape(-1, 3).max(0), [255, 0, 0])
        np.testing.assert_array_equal(img[..., :3].reshape(-1, 3).min(0), [255, 0, 0])
    finally:
        keep.close()
