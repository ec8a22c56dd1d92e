"""The textured Earth: a unit sphere in GEO with the Blue Marble image, day/night shading.

The sphere's vertices are unit vectors in GEO; give the node a transform that rotates GEO
into the scene frame at the scene time (``EarthVisual.set_geo_to_scene``) and the
texture's longitude/latitude land where they belong. The Sun direction for the shading is
passed in GEO (``set_sun_direction_geo``), so lighting does not depend on the camera.
GLSL: ``shaders/earth.vert`` and ``shaders/earth.frag``.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from PIL import Image
from vispy import gloo
from vispy.scene.visuals import create_visual_node
from vispy.visuals import Visual
from vispy.visuals.transforms import MatrixTransform

from smile_viewer.resources import asset_path, read_shader

#: The Earth texture under ``assets/earth`` (see its PROVENANCE.md).
EARTH_TEXTURE = ("earth", "earth_bmng_2048.jpg")


@lru_cache(maxsize=2)
def load_earth_texture(name: tuple[str, ...] = EARTH_TEXTURE) -> np.ndarray:
    """The Earth image as a read-only (H, W, 3) uint8 array: row 0 = 90°N, column 0 = 180°W."""
    with Image.open(asset_path(*name)) as img:
        data = np.asarray(img.convert("RGB"), dtype=np.uint8).copy()
    data.setflags(write=False)
    return data


def uv_sphere(n_lat: int = 90, n_lon: int = 180) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A latitude/longitude sphere of radius 1 in GEO.

    Returns ``positions`` (N, 3) float32, ``texcoords`` (N, 2) float32 with u = (lon+180°)/360°
    and v = (90°-lat)/180°, and ``faces`` (M, 3) uint32. The seam at ±180° is duplicated so
    that texture coordinates never wrap inside a triangle.
    """
    lat = np.linspace(90.0, -90.0, n_lat + 1)
    lon = np.linspace(-180.0, 180.0, n_lon + 1)
    lon_g, lat_g = np.meshgrid(np.radians(lon), np.radians(lat))
    pos = np.stack(
        [np.cos(lat_g) * np.cos(lon_g), np.cos(lat_g) * np.sin(lon_g), np.sin(lat_g)], axis=-1
    ).reshape(-1, 3)
    u, v = np.meshgrid(np.linspace(0.0, 1.0, n_lon + 1), np.linspace(0.0, 1.0, n_lat + 1))
    tex = np.stack([u, v], axis=-1).reshape(-1, 2)
    i, j = np.meshgrid(np.arange(n_lat), np.arange(n_lon), indexing="ij")
    a = (i * (n_lon + 1) + j).ravel()
    b = a + 1
    c = a + (n_lon + 1)
    d = c + 1
    faces = np.concatenate([np.stack([a, c, b], 1), np.stack([b, c, d], 1)])
    return pos.astype(np.float32), tex.astype(np.float32), faces.astype(np.uint32)


class EarthVisual(Visual):
    """A textured, day/night shaded Earth of radius 1 (R_E), vertices in GEO.

    Parameters
    ----------
    texture : (H, W, 3) uint8 array, optional
        Equirectangular image in GEO (default: the Blue Marble asset).
    day_night : bool
        Darken the night side (needs ``set_sun_direction_geo``).
    """

    def __init__(
        self, texture: np.ndarray | None = None, day_night: bool = True, n_lat: int = 90, n_lon: int = 180
    ):
        Visual.__init__(self, vcode=read_shader("earth.vert"), fcode=read_shader("earth.frag"))
        pos, tex, faces = uv_sphere(n_lat, n_lon)
        image = load_earth_texture() if texture is None else np.ascontiguousarray(texture)
        self._texture = gloo.Texture2D(
            image, interpolation="linear", wrapping=("repeat", "clamp_to_edge"), internalformat="rgb8"
        )
        self.shared_program["a_position"] = gloo.VertexBuffer(pos)
        self.shared_program["a_texcoord"] = gloo.VertexBuffer(tex)
        self.shared_program["u_texture"] = self._texture
        self.shared_program["u_texture_size"] = (float(image.shape[1]), float(image.shape[0]))
        self.shared_program["u_sun_geo"] = (1.0, 0.0, 0.0)
        self.shared_program["u_night_level"] = 0.16
        self.shared_program["u_rim"] = 0.9
        self._index_buffer = gloo.IndexBuffer(faces)
        self._draw_mode = "triangles"
        self.day_night = day_night
        self.set_gl_state("opaque", depth_test=True, cull_face=True)
        self._sun_geo = np.array([1.0, 0.0, 0.0])
        self.freeze()

    # -- properties ----------------------------------------------------------------------
    @property
    def day_night(self) -> bool:
        return self._day_night

    @day_night.setter
    def day_night(self, value: bool) -> None:
        self._day_night = bool(value)
        self.shared_program["u_day_night"] = 1.0 if self._day_night else 0.0
        self.update()

    @property
    def sun_direction_geo(self) -> np.ndarray:
        return self._sun_geo.copy()

    def set_sun_direction_geo(self, sun_geo) -> None:
        """Unit vector towards the Sun in GEO (lights the day side)."""
        s = np.asarray(sun_geo, dtype=float).reshape(3)
        s = s / np.linalg.norm(s)
        self._sun_geo = s
        self.shared_program["u_sun_geo"] = tuple(float(v) for v in s)
        self.update()

    # -- vispy hooks ---------------------------------------------------------------------
    def _prepare_transforms(self, view):
        view.view_program.vert["transform"] = view.get_transform()
        view.view_program.vert["visual_to_doc"] = view.transforms.get_transform("visual", "document")
        view.view_program.vert["doc_to_visual"] = view.transforms.get_transform("document", "visual")

    def _prepare_draw(self, view):
        return True

    def _compute_bounds(self, axis, view):
        return (-1.0, 1.0)


Earth = create_visual_node(EarthVisual)


def geo_to_scene_transform(rotation: np.ndarray) -> MatrixTransform:
    """A vispy transform applying ``v_scene = rotation @ v_geo`` (vispy multiplies row vectors)."""
    m = np.eye(4)
    m[:3, :3] = np.asarray(rotation, dtype=float).T
    return MatrixTransform(m)
