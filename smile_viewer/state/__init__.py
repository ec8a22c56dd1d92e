"""Evented application state (pydantic + psygnal; no Qt, no vispy).

Each feature has one model here; ``smile_viewer._vispy`` draws it and ``smile_viewer._qt``
lets the user change it. Views subscribe with ``model.events.<field>.connect(callback)``.
"""

from smile_viewer.state.scene import (
    CAMERA_PRESETS,
    SCENE_FRAMES,
    LayerVisibility,
    SceneState,
    to_utc_time,
)

__all__ = ["CAMERA_PRESETS", "SCENE_FRAMES", "LayerVisibility", "SceneState", "to_utc_time"]
