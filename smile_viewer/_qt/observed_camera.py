"""View ▸ "Through <instrument> (observed)": the 3-D camera at the observer of the image in the
Compare dock (IMAGE WIC, LEXI from the Moon), looking along its boresight with its field
(docs/analysis.md#through-the-observing-instrument).

:class:`ObservedCameraAction` adds the action to the View menu's camera presets; it is enabled
while the Compare dock holds an observation with a position and a camera, and taking it moves
the scene's time to the observation's.
"""

from __future__ import annotations

import logging

from PySide6.QtGui import QAction

from smile_viewer._vispy.observed_view import ObservedViewSetup, look_through_observed

__all__ = ["ObservedCameraAction"]

log = logging.getLogger(__name__)

NO_OBSERVATION = "Through the observing instrument (open an observed image)"


class ObservedCameraAction:
    """The View-menu action for the through-the-observed-instrument camera of ``window``
    (a MainWindow); ``group``: the exclusive group of the camera presets."""

    def __init__(self, window, menu, group, before=None):
        self.window = window
        self.view = None  # the ObserverView offered (None without an observation)
        self.action = QAction(NO_OBSERVATION, window)
        self.action.setObjectName("camera_through_observed")
        self.action.setCheckable(True)
        self.action.setEnabled(False)
        self.action.triggered.connect(self.look_through)
        group.addAction(self.action)
        if before is not None:
            menu.insertAction(before, self.action)
        else:
            menu.addAction(self.action)
        cmp = getattr(window, "comparison", None)  # the docks are built before the menus
        if cmp is not None:
            cmp.observed_changed.connect(self.refresh)

    def refresh(self) -> None:
        """Follow the Compare dock: the action's name, whether it is enabled, and the view
        itself when it is the one in use."""
        w = self.window
        cmp = getattr(w, "comparison", None)
        obs = cmp.obs if cmp is not None else None
        cam = cmp.camera if obs is not None else None
        self.view = None
        if cam is not None and getattr(obs, "position_re", None) is not None:
            # lazy: analysis modules for an opened observation, not loaded by the first window
            from smile_viewer.analysis.observer_view import observer_view

            try:
                self.view = observer_view(obs, cam)
            except Exception as exc:  # noqa: BLE001 - no pinhole camera: no view offered
                log.info("no through-the-instrument view for %s: %s", getattr(obs, "path", "?"), exc)
        self.action.setEnabled(self.view is not None)
        self.action.setText(
            f"Through {self.view.name} (observed, from {self.view.observer})" if self.view else NO_OBSERVATION
        )
        if isinstance(w.scene_view._camera_setup, ObservedViewSetup):
            if self.view is not None:
                look_through_observed(w.scene_view, self.view)
            else:  # the observation went: back to the chosen preset
                self.action.setChecked(False)
                w.scene_view.apply_camera_preset(w.state.camera_preset)
                act = w.camera_actions.get(w.state.camera_preset)
                if act is not None:
                    act.setChecked(True)

    def look_through(self, _checked: bool = False) -> None:
        """Put the 3-D camera at the observer, at the observation's time."""
        if self.view is None:
            self.refresh()
        if self.view is None:
            return
        w = self.window
        try:
            w.state.time = self.view.time
        except Exception as exc:  # noqa: BLE001 - a time the scene refuses: keep the scene's
            w.statusBar().showMessage(f"The scene stays at its time: {exc}", 8000)
        look_through_observed(w.scene_view, self.view)
        self.action.setChecked(True)
        if self.view.rows_up:
            w.statusBar().showMessage(
                f"{self.view.title}: the picture as the instrument saw the sky (the file's row 0 at "
                "the bottom; the Compare dock shows row 0 at the top)",
                10000,
            )
