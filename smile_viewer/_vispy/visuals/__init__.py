"""Scene visuals: Earth, frame axes, Sun arrow, orbit track, spacecraft marker."""

from smile_viewer._vispy.visuals.earth import Earth, EarthVisual, geo_to_scene_transform, load_earth_texture
from smile_viewer._vispy.visuals.guides import FrameAxes, SunArrow
from smile_viewer._vispy.visuals.lines import ThickLine, ThickLineVisual
from smile_viewer._vispy.visuals.orbit import OrbitTrack, SpacecraftMarker

__all__ = [
    "Earth", "EarthVisual", "FrameAxes", "OrbitTrack", "SpacecraftMarker", "SunArrow", "ThickLine",
    "ThickLineVisual",
    "geo_to_scene_transform", "load_earth_texture",
]
