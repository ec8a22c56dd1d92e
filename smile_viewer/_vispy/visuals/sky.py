"""The sky of the 3-D scene: Hipparcos stars and the Sun's glow at infinity, the Moon in place,
and names on the scene (Sun, Moon, boundaries, cusps, SMILE, SXI, UVI).

Stars and the Sun are directions (``smile_viewer.coords.sky``) drawn at infinity (GLSL:
``shaders/sky_points.*`` for the stars, ``shaders/sun_glow.*`` for the Sun's disc and glow):
the camera's translation does not move them,
nothing in the scene is behind them. Star size and brightness follow the magnitude
(:func:`star_appearance`), colour the B−V index. The Moon is a lit sphere of its true radius at
its geocentric position (true angular size near it), with a small marker that keeps it visible
from far away. Definitions: docs/sky.md.
"""

from __future__ import annotations

import math

import numpy as np
from vispy import gloo, scene
from vispy.geometry import create_sphere
from vispy.scene.visuals import create_visual_node
from vispy.visuals import Visual
from vispy.visuals.transforms import STTransform

from smile_viewer._vispy.screen_rects import rects_overlap
from smile_viewer.constants import R_E_KM
from smile_viewer.coords import sky as sky_coords
from smile_viewer.resources import read_shader

__all__ = [
    "Sky",
    "SkyLabels",
    "SkyPoints",
    "SkyPointsVisual",
    "SunGlow",
    "SunGlowVisual",
    "cusp_label_points",
    "star_appearance",
]

SUN_COLOR = (1.0, 0.93, 0.78)
MOON_ALBEDO = (0.78, 0.77, 0.74)
LABEL_COLOR = (0.92, 0.94, 1.0, 1.0)
#: Magnitude at which a star's spot reaches full intensity; brighter ones grow instead.
FULL_MAG = 2.0
#: Faintest drawn star's peak intensity (stars of Hp ≈ 7 stay just visible).
FLOOR = 0.22


def star_appearance(mag) -> tuple[np.ndarray, np.ndarray]:
    """(Gaussian sigma [px at pixel scale 1], peak intensity 0..1) of stars of magnitude ``mag``.

    Fainter than :data:`FULL_MAG` the peak follows the flux compressed like the eye's response,
    (10^(−0.4 (m − FULL_MAG)))^0.5, never below :data:`FLOOR`; brighter, the peak stays 1 and
    the spot widens, 0.45 px of sigma per magnitude (Sirius, Hp −1.09: 2.2 px)."""
    m = np.asarray(mag, dtype=float)
    peak = np.clip(10.0 ** (-0.4 * 0.5 * (m - FULL_MAG)), FLOOR, 1.0)
    sigma = 0.8 + 0.45 * np.clip(FULL_MAG - m, 0.0, None)
    return sigma, peak


#: An eye closer to the Moon's centre than this many Moon radii stands on the Moon: no Moon drawn.
ON_MOON_FACTOR = 1.05


def meridian_point(mesh, angle_deg: float) -> np.ndarray | None:
    """The vertex of ``mesh`` in its noon-midnight meridian (|y| smallest) whose angle from +X
    is nearest ``angle_deg`` (positive towards +Z, negative towards -Z), in the mesh's frame;
    None for an empty mesh. A place to write a name, not a model."""
    v = np.asarray(mesh.vertices, float)
    if v.size == 0:
        return None
    meridian = np.abs(v[:, 1]) <= max(0.05 * float(np.abs(v[:, 1]).max()), 1e-6)
    sign = 1.0 if angle_deg >= 0 else -1.0
    cand = v[meridian & (sign * v[:, 2] > 0)]
    if not len(cand):
        return None
    angle = np.degrees(np.arctan2(sign * cand[:, 2], cand[:, 0]))
    return cand[int(np.argmin(np.abs(angle - abs(angle_deg))))]


def cusp_label_points(mesh, polar_deg: float = 55.0) -> dict[str, np.ndarray]:
    """Where to write "north cusp" / "south cusp": the magnetopause's meridian vertex nearest
    ``polar_deg`` from +X towards ±Z (about where the cusps meet the dayside boundary)."""
    points = {"north cusp": meridian_point(mesh, polar_deg), "south cusp": meridian_point(mesh, -polar_deg)}
    return {k: p for k, p in points.items() if p is not None}


class SkyPointsVisual(Visual):
    """Stars: points at infinity, each a Gaussian spot (``kind`` is "stars", the only kind)."""

    def __init__(self, kind: str = "stars", pixel_scale: float = 1.0):
        Visual.__init__(self, vcode=read_shader("sky_points.vert"), fcode=read_shader("sky_points.frag"))
        if kind != "stars":
            raise ValueError(f"kind must be 'stars', got {kind!r} (the Sun is a SunGlow)")
        self.kind = kind
        self._draw_mode = "points"
        self.shared_program["u_pixel_scale"] = float(pixel_scale)
        self.shared_program["u_max_size"] = 255.0
        # drawn first (the Sky node's order), so no depth test: whatever comes later covers it
        # (depth_mask stays on: with the test off nothing is written, and later visuals write)
        self.set_gl_state(depth_test=False, depth_mask=True, blend=True, blend_func=("one", "one"))
        self._n = 0
        self.set_data(np.zeros((0, 3)), np.zeros((0, 4)), np.zeros(0))
        self.freeze()

    def set_data(self, directions, colors, radii) -> None:
        """Unit directions (N, 3) in the scene frame, RGBA (N, 4) (alpha: peak intensity) and
        Gaussian sigmas (N,) [px at pixel scale 1]."""
        d = np.asarray(directions, np.float32).reshape(-1, 3)
        self._n = len(d)
        self.shared_program["a_dir"] = gloo.VertexBuffer(d if self._n else np.zeros((1, 3), np.float32))
        c = np.asarray(colors, np.float32).reshape(-1, 4)
        self.shared_program["a_color"] = gloo.VertexBuffer(c if self._n else np.zeros((1, 4), np.float32))
        r = np.asarray(radii, np.float32).reshape(-1, 1)
        self.shared_program["a_radius"] = gloo.VertexBuffer(r if self._n else np.zeros((1, 1), np.float32))
        self.update()

    def _prepare_transforms(self, view):
        view.view_program.vert["transform"] = view.get_transform()

    def _prepare_draw(self, view):
        return self._n > 0

    def _compute_bounds(self, axis, view):
        return None  # at infinity: no part of the scene's extent


class SunGlowVisual(Visual):
    """The Sun: a disc of its true angular radius in a glow at least 24 px wide, at infinity in
    direction ``direction`` (a screen-aligned quad, so a cube-map face shows the part of the
    glow that falls in it even when the Sun's centre lies in the next face)."""

    def __init__(self, pixel_scale: float = 1.0):
        Visual.__init__(self, vcode=read_shader("sun_glow.vert"), fcode=read_shader("sun_glow.frag"))
        self._draw_mode = "triangle_strip"
        corners = np.array([[-1, -1], [1, -1], [-1, 1], [1, 1]], np.float32)
        self.shared_program["a_corner"] = gloo.VertexBuffer(corners)
        self.shared_program["u_pixel_scale"] = float(pixel_scale)
        self.shared_program["u_px_per_rad"] = 1000.0
        self.shared_program["u_color"] = (*SUN_COLOR, 1.0)
        self.shared_program["u_forward"] = (1.0, 0.0, 0.0)
        self.set_gl_state(depth_test=False, depth_mask=True, blend=True, blend_func=("one", "one"))
        self.set_sun(np.array([1.0, 0.0, 0.0]), 0.00465)
        self.freeze()

    def set_sun(self, direction, radius_rad: float) -> None:
        """Unit direction (3,) in the scene frame and angular radius [rad] of the disc."""
        d = np.asarray(direction, np.float32).reshape(1, 3)
        self.shared_program["a_dir"] = gloo.VertexBuffer(np.repeat(d, 4, axis=0))
        self.shared_program["u_radius_rad"] = float(radius_rad)
        self.update()

    def set_px_per_rad(self, value: float, forward=None) -> None:
        """Framebuffer pixels per radian at the view's centre (sizes the disc) and the view
        direction (unit, scene frame; away from it the glow grows with the perspective)."""
        self.shared_program["u_px_per_rad"] = float(value)
        if forward is not None:
            self.shared_program["u_forward"] = tuple(float(v) for v in forward)

    def _prepare_transforms(self, view):
        tr = view.transforms
        view.view_program.vert["visual_to_framebuffer"] = tr.get_transform("visual", "framebuffer")
        view.view_program.vert["framebuffer_to_render"] = tr.get_transform("framebuffer", "render")

    def _prepare_draw(self, view):
        return True

    def _compute_bounds(self, axis, view):
        return None


SkyPoints = create_visual_node(SkyPointsVisual)
SunGlow = create_visual_node(SunGlowVisual)


def _moon_mesh(rows: int = 24, cols: int = 48):
    """Vertices (N, 3) of a unit sphere, faces (M, 3) and vertex colours lit from +X (the Sun's
    direction in GSE and GSM; its parallax from the Moon is 0.15°)."""
    md = create_sphere(rows, cols, radius=1.0)
    v = md.get_vertices().astype(np.float32)
    f = md.get_faces().astype(np.uint32)
    n = v / np.linalg.norm(v, axis=1, keepdims=True)
    light = np.clip(n[:, 0], 0.0, 1.0)
    shade = 0.035 + 0.965 * light**0.8
    colors = np.ones((len(v), 4), np.float32)
    colors[:, :3] = np.asarray(MOON_ALBEDO, np.float32)[None, :] * shade[:, None]
    return v, f, colors


class Sky(scene.Node):
    """Stars, the Sun's glow and the Moon at a scene time and frame (:meth:`set_time`)."""

    def __init__(self, pixel_scale: float = 1.0, parent=None):
        super().__init__(parent=parent, name="sky")
        self.order = -30  # before everything: the stars test no depth
        self._ps = float(pixel_scale)
        self.stars = SkyPoints("stars", pixel_scale, parent=self)
        self.stars.order = -30
        self.sun = SunGlow(pixel_scale, parent=self)
        self.sun.order = -29
        v, f, c = _moon_mesh()
        self.moon_radius_re = sky_coords.MOON_RADIUS_KM / R_E_KM
        self.moon = scene.visuals.Mesh(vertices=v, faces=f, vertex_colors=c, parent=self)
        self.moon.set_gl_state("opaque", depth_test=True, cull_face=False)
        self.moon.transform = STTransform(scale=(self.moon_radius_re,) * 3)
        # far away the Moon is a dot (its sphere is sub-pixel): a marker as bright as its phase
        self.moon_marker = scene.visuals.Markers(parent=self)
        self.moon_marker.set_gl_state("translucent", depth_test=False)
        self.moon_marker.order = 1
        self.moon_position = np.zeros(3)
        self.sun_direction = np.array([1.0, 0.0, 0.0])
        self.star_directions = np.zeros((0, 3))
        self.brightness = 1.0
        self._key: tuple | None = None
        self._star_rgb: np.ndarray | None = None

    def set_time(self, time, frame: str) -> None:
        """Place stars, Sun and Moon for ``time`` (astropy Time) in ``frame`` ("gse"/"gsm")."""
        key = (str(getattr(time, "isot", time)), frame)
        if key == self._key:
            return
        self._key = key
        cat = sky_coords.star_catalogue()
        self.star_directions = sky_coords.star_directions(time, frame, cat)
        if self._star_rgb is None:
            self._star_rgb = sky_coords.star_rgb(cat.b_v).astype(np.float32)
        self._sigma, self._peak = star_appearance(cat.mag)
        self._upload_stars()
        # the Sun: +X of GSE and GSM is its apparent direction
        dist = sky_coords.sun_distance_re(time)
        ang = math.asin(sky_coords.SUN_RADIUS_KM / R_E_KM / dist)
        self.sun.set_sun(self.sun_direction, ang)
        self.moon_position = np.asarray(sky_coords.moon_position_re(time, frame), float)
        r = self.moon_radius_re
        self.moon.transform = STTransform(scale=(r, r, r), translate=tuple(self.moon_position))
        # illuminated fraction seen from the Earth: (1 − cos elongation) / 2, the Sun along +X
        elongation_cos = self.moon_position[0] / np.linalg.norm(self.moon_position)
        lit = max(0.5 * (1.0 - elongation_cos), 0.25)
        self.moon_marker.set_data(
            pos=self.moon_position[None, :].astype(np.float32),
            size=5.0 * self._ps,
            face_color=(*(lit * np.asarray(MOON_ALBEDO) / max(MOON_ALBEDO)), 1.0),
            edge_width=0.0,
        )

    def _upload_stars(self) -> None:
        if self._star_rgb is None:
            return
        colors = np.empty((len(self._peak), 4), np.float32)
        colors[:, :3] = self._star_rgb
        colors[:, 3] = self._peak * self.brightness
        self.stars.set_data(self.star_directions, colors, self._sigma)

    def set_brightness(self, value: float) -> None:
        """Scale the stars' intensity (the layer's opacity, 0..1)."""
        value = float(value)
        if value != self.brightness:
            self.brightness = value
            self._upload_stars()

    def set_view(self, px_per_rad: float, eye, forward=None) -> None:
        """The camera's scale (framebuffer pixels per radian), eye [R_E] and view direction:
        size the Sun's disc and glow; the Moon's marker only while its sphere is smaller than
        the marker; no Moon at all when the eye stands on it (LEXI's view from its lander: the
        sphere round the eye would hide the whole sky and scene)."""
        self.sun.set_px_per_rad(px_per_rad, forward)
        dist = float(np.linalg.norm(self.moon_position - np.asarray(eye, float)))
        on_moon = dist < ON_MOON_FACTOR * self.moon_radius_re
        if self.moon.visible == on_moon:
            self.moon.visible = not on_moon
        radius_px = px_per_rad * self.moon_radius_re / max(dist, 1e-9)
        show = radius_px < 2.5 * self._ps and not on_moon
        if self.moon_marker.visible != show:
            self.moon_marker.visible = show


class SkyLabels(scene.Node):
    """Names placed next to scene points, in canvas pixels (:meth:`place`); a name whose point
    is behind the eye or off the canvas is hidden, and so is one whose text would overlap a name
    placed before it (the caller lists them by importance): from far away the names of the
    boundaries, cusps and fields of view crowd into a few pixels and would print over each other."""

    def __init__(self, pixel_scale: float = 1.0, font_manager=None, parent=None):
        super().__init__(parent=parent, name="sky_labels")
        self._ps = float(pixel_scale)
        self._fonts = font_manager
        self.texts: dict[str, scene.visuals.Text] = {}
        self._rgb = LABEL_COLOR[:3]
        self._alpha = 1.0
        self.positions: dict[str, tuple[float, float] | None] = {}
        self.crowded: set[str] = set()  # names hidden because an earlier name's text was in the way
        self.sides: dict[str, str] = {}  # the side of its point each shown name is on

    #: Where a name may go around its point, in the order tried, and the Text anchors for each.
    SIDES = {
        "right": ("left", "top"),
        "left": ("right", "top"),
        "above": ("center", "top"),
        "below": ("center", "bottom"),
    }

    def text_box(self, name: str, xy, side: str = "right") -> tuple[float, float, float, float]:
        """``(x, y, width, height)`` canvas pixels that ``name``'s text covers when its point is at
        ``xy`` and the text is on the point's ``side`` (one of :attr:`SIDES`); an estimate from the
        font size: 0.62 em a character, 1.3 em a line."""
        em = 10 * self._ps * 96.0 / 72.0
        width, height = 0.62 * em * len(name), 1.6 * em
        x, y = float(xy[0]), float(xy[1])
        gap = 5 * self._ps
        if side in ("above", "below"):
            top = y - gap - height if side == "above" else y + gap
            return x - width / 2, top, width, height
        bottom = y - 3 * self._ps
        return (x + gap if side == "right" else x - gap - width), bottom - 1.3 * em, width, height

    def _text_pos(self, xy, side: str) -> tuple[float, float]:
        """Where the Text visual goes (with the anchors of :attr:`SIDES`) for ``side``."""
        x, y = float(xy[0]), float(xy[1])
        gap = 5 * self._ps
        if side == "above":
            return x, y - gap
        if side == "below":
            return x, y + gap
        return (x + gap if side == "right" else x - gap), y - 3 * self._ps

    def place(self, items, canvas_size, reserved=()) -> None:
        """``items``: (name, canvas xy or None) pairs, most important first (a name may come
        again with another point: tried when its earlier points are crowded); others are hidden.
        A name goes right of its point, else left, above or below it when that side is taken (by
        an earlier name or a ``reserved`` rectangle ``(x, y, w, h)``: the caption, the axis
        labels), else is hidden (``crowded``)."""
        w, h = canvas_size
        boxes: list[tuple[float, float, float, float]] = [tuple(r) for r in reserved]
        crowded: set[str] = set()
        self.sides = {}
        self.positions = {}
        for name, xy in items:
            if name in self.sides:
                continue  # shown at an earlier (preferred) point: further points are fallbacks
            on_canvas = xy is not None and np.all(np.isfinite(xy)) and 0 <= xy[0] < w and 0 <= xy[1] < h
            if not on_canvas:
                self.positions.setdefault(name, None)
                continue
            side = next(
                (
                    s
                    for s in self.SIDES
                    if not any(rects_overlap(self.text_box(name, xy, s), b, pad=2.0) for b in boxes)
                ),
                None,
            )
            if side is None:
                crowded.add(name)
                if self.positions.get(name) is None:
                    self.positions[name] = (float(xy[0]), float(xy[1]))
                continue
            boxes.append(self.text_box(name, xy, side))
            self.positions[name] = (float(xy[0]), float(xy[1]))
            self.sides[name] = side
            text = self._text(name)
            if tuple(text.anchors) != self.SIDES[side]:
                text.anchors = self.SIDES[side]
            text.pos = self._text_pos(xy, side)
        self.crowded = crowded - set(self.sides)
        for name, text in self.texts.items():
            shown = name in self.sides
            if text.visible != shown:
                text.visible = shown
            self.positions.setdefault(name, None)

    def _text(self, name: str):
        """The Text visual of ``name`` (made on first use)."""
        text = self.texts.get(name)
        if text is None:
            text = scene.visuals.Text(
                name,
                color=(*self._rgb, self._alpha),
                font_size=10 * self._ps,
                anchor_x="left",
                anchor_y="top",  # (canvas y points down: the text sits above its point)
                parent=self,
                font_manager=self._fonts,
            )
            self.texts[name] = text
        return text

    def set_style(self, rgba) -> None:
        """Colour (r, g, b[, opacity]) of the names."""
        self._rgb = tuple(float(v) for v in rgba[:3])
        self._alpha = float(rgba[3]) if len(rgba) > 3 else 1.0
        for text in self.texts.values():
            text.color = (*self._rgb, self._alpha)
