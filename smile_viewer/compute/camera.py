"""The imaging camera, re-exported for the compute layer's public API.

The class lives in :mod:`smile_viewer.mission.camera` (a lower layer, so that instruments
can build cameras without importing the compute layer).
"""

from smile_viewer.mission.camera import Camera, look_rotation

__all__ = ["Camera", "look_rotation"]
