"""Evented application state (pydantic + psygnal; no Qt, no vispy).

Each feature has one model here; ``smile_viewer._vispy`` draws it and ``smile_viewer._qt``
lets the user change it. Views subscribe with ``model.events.<field>.connect(callback)``.

- :mod:`.scene` — :class:`SceneState`: time, frame, layer visibility and styles, camera preset;
- :mod:`.model` — :class:`ModelState`: solar wind inputs (or an OMNI file), boundary and
  emissivity models with parameters, field-line tracing;
- :mod:`.instruments` — :class:`InstrumentsState`: SXI/UVI pointing, exposure, pixel grid;
- :mod:`.volume` — :class:`EmissionVolumeSettings`: grid, render mode, colour map, log range;
- :mod:`.app` — :class:`AppState`: all of them;
- :mod:`.session` — session files: the one reader and writer of the whole state (GUI, CLI, Python);
- :mod:`.scene_data` — pure builders of the 3-D scene's data (worker-safe).
"""

from smile_viewer.state.app import AppState
from smile_viewer.state.instruments import InstrumentsState, InstrumentState, SXIPointing, UVIPointing
from smile_viewer.state.model import (
    BOUNDARY_MODELS,
    EMISSIVITY_MODELS,
    FieldLineSettings,
    ModelSettings,
    ModelState,
    SolarWindInputs,
)
from smile_viewer.state.scene import (
    CAMERA_PRESETS,
    LAYER_NAMES,
    SCENE_FRAMES,
    LayerStyle,
    LayerStyles,
    LayerVisibility,
    SceneState,
    to_utc_time,
)
from smile_viewer.state.session import FORMAT_VERSION as SESSION_FORMAT_VERSION
from smile_viewer.state.session import SessionError, SessionVersionError
from smile_viewer.state.volume import RENDER_MODES, VOLUME_COLORMAPS, EmissionVolumeSettings

__all__ = [
    "BOUNDARY_MODELS",
    "CAMERA_PRESETS",
    "EMISSIVITY_MODELS",
    "LAYER_NAMES",
    "RENDER_MODES",
    "SCENE_FRAMES",
    "SESSION_FORMAT_VERSION",
    "VOLUME_COLORMAPS",
    "AppState",
    "EmissionVolumeSettings",
    "FieldLineSettings",
    "InstrumentState",
    "InstrumentsState",
    "LayerStyle",
    "LayerStyles",
    "LayerVisibility",
    "ModelSettings",
    "ModelState",
    "SXIPointing",
    "SceneState",
    "SessionError",
    "SessionVersionError",
    "SolarWindInputs",
    "UVIPointing",
    "to_utc_time",
]
