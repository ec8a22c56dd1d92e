"""The 3-D view through the instrument of an observed image (IMAGE WIC, LEXI from the Moon): the
camera at the observer, looking along the boresight with the instrument's field and aspect,
like the through-SXI view (docs/analysis.md#through-the-observing-instrument).

:func:`look_through_observed` puts a :class:`~smile_viewer._vispy.scene.SceneView` in that view;
the scene treats :class:`ObservedViewSetup` as an imager view whose camera is fixed at the
observation (its own frame, turned into the scene's frame at the observation's time).
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

import numpy as np

from smile_viewer._vispy.scene import InstrumentViewSetup
from smile_viewer.coords import rotation_matrix

__all__ = ["OBSERVED", "ObservedViewSetup", "look_through_observed"]

#: The name under which the scene keeps the observed image's camera (``SceneView.cameras``).
OBSERVED = "observed"


@dataclasses.dataclass(frozen=True)
class ObservedViewSetup(InstrumentViewSetup):
    """An imager view at an observation: ``view`` is an
    :class:`~smile_viewer.analysis.observer_view.ObserverView` (pinhole camera in its own frame,
    rows up or down, name, observer, time)."""

    instrument: str = OBSERVED
    fit: str = "contain"
    view: Any = None
    observed: ClassVar[bool] = True

    @property
    def title(self) -> str:
        return self.view.title if self.view is not None else ""

    @property
    def observer_at(self) -> str:
        """The caption's second line after the time: ``IMAGE at 7.5 R_E``."""
        if self.view is None:
            return ""
        return f"{self.view.observer} at {float(np.linalg.norm(self.view.camera.position_re)):.1f} R_E"

    def scene_camera(self, frame: str):
        """The pinhole camera in the scene's ``frame`` (rotated at the observation's time).
        With ``view.rows_up`` the picture's rows run against camera y: row 0 at the bottom."""
        cam = self.view.camera
        pos = np.asarray(cam.position_re, float)
        rot = np.asarray(cam.rotation, float)
        if cam.frame != frame:
            m = np.asarray(rotation_matrix(self.view.time, cam.frame, frame))
            pos, rot = m @ pos, m @ rot
        return cam.with_(position_re=pos, rotation=rot, frame=frame)


def look_through_observed(scene_view, view, *, fit: str = "contain") -> ObservedViewSetup:
    """Look through ``view`` (an ObserverView) in ``scene_view``; returns the setup in use."""
    setup = ObservedViewSetup(fit=fit, view=view)
    scene_view.set_instrument_view(setup)
    return setup
