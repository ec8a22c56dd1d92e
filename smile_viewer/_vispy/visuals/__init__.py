"""Scene visuals: Earth, frame axes, Sun arrow, orbit track, spacecraft marker, boundary
surfaces, field lines, fields of view, the emission volume, HUD colour bar.

Every visual takes precomputed arrays (``set_data`` / ``set_geometry`` / ``set_volume``):
the arrays are built by the pure functions of :mod:`smile_viewer.state.scene_data`, off the
GUI thread when the application wants.
"""

from smile_viewer._vispy.visuals.colorbar import HudColorBar
from smile_viewer._vispy.visuals.colormaps import colormap_rgba, volume_colormap
from smile_viewer._vispy.visuals.earth import Earth, EarthVisual, geo_to_scene_transform, load_earth_texture
from smile_viewer._vispy.visuals.field_lines import TOPOLOGY_COLORS, TOPOLOGY_LABELS, FieldLines
from smile_viewer._vispy.visuals.fov import FieldOfView
from smile_viewer._vispy.visuals.guides import FrameAxes, SunArrow
from smile_viewer._vispy.visuals.lines import ThickLine, ThickLineVisual
from smile_viewer._vispy.visuals.orbit import OrbitTrack, SpacecraftMarker
from smile_viewer._vispy.visuals.surfaces import BoundarySurface, BoundarySurfaceVisual
from smile_viewer._vispy.visuals.volume import (
    EmissionVolume,
    EmissionVolumeVisual,
    GLStateReset,
    VolumeCompositor,
    VolumeCompositorVisual,
)

__all__ = [
    "TOPOLOGY_COLORS",
    "TOPOLOGY_LABELS",
    "BoundarySurface",
    "BoundarySurfaceVisual",
    "Earth",
    "EarthVisual",
    "EmissionVolume",
    "EmissionVolumeVisual",
    "FieldLines",
    "FieldOfView",
    "FrameAxes",
    "GLStateReset",
    "HudColorBar",
    "OrbitTrack",
    "SpacecraftMarker",
    "SunArrow",
    "ThickLine",
    "ThickLineVisual",
    "VolumeCompositor",
    "VolumeCompositorVisual",
    "colormap_rgba",
    "geo_to_scene_transform",
    "load_earth_texture",
    "volume_colormap",
]
