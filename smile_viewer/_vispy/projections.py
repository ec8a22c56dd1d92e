"""Planetarium and VR frames: the 3-D scene as a dome master or a 360° equirectangular frame.

The scene is drawn six times (a cube map: six 90° gnomonic faces around the output camera,
off window) and resampled bilinearly into

- ``"dome"``: a dome master, a 180° azimuthal-equidistant fisheye in a square; the dome's
  zenith at the centre, the angle from the zenith proportional to the distance from the
  centre (90° at the rim), black outside the circle; the view direction appears ``tilt_deg``
  below the zenith, towards the bottom (the front of the dome);
- ``"equirect"``: a 2:1 equirectangular frame, longitude −180°…+180° left to right with the
  view direction at the centre, latitude +90° (camera up) at the top to −90° at the bottom.

Definitions, pixel conventions and the face layout: docs/projections.md.
"""

from __future__ import annotations

import contextlib
import math
from functools import lru_cache

import numpy as np

from smile_viewer.errors import UserInputError

__all__ = [
    "FACE_NAMES",
    "PROJECTIONS",
    "ProjectionMap",
    "direction_to_pixel",
    "face_rotations",
    "pixel_directions",
    "projection_map",
    "render_projection",
    "render_projection_image",
    "resample",
    "view_camera_pose",
]

PROJECTIONS = ("dome", "equirect")
#: Cube faces, in the order of the ``faces`` array of :func:`resample`.
FACE_NAMES = ("front", "back", "right", "left", "down", "up")
#: Extra pixels drawn around each face (and around the part of it the output reads): bilinear
#: sampling never reads past an edge, and a star (a point sprite, clipped by its centre) just
#: beyond a face's edge still reaches into that face.
FACE_PAD = 12


def face_rotations() -> np.ndarray:
    """(6, 3, 3): per face of :data:`FACE_NAMES`, the face camera's axes (columns: image x
    right, image y down, boresight) in the output camera's frame (x right, y down, z forward)."""
    cols = {
        "front": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
        "back": ((-1, 0, 0), (0, 1, 0), (0, 0, -1)),
        "right": ((0, 0, -1), (0, 1, 0), (1, 0, 0)),
        "left": ((0, 0, 1), (0, 1, 0), (-1, 0, 0)),
        "down": ((1, 0, 0), (0, 0, -1), (0, 1, 0)),
        "up": ((1, 0, 0), (0, 0, 1), (0, -1, 0)),
    }
    return np.array([np.column_stack(cols[n]) for n in FACE_NAMES], dtype=float)


# -- the projections' geometry ----------------------------------------------------------------
def _check(projection: str, size_px) -> tuple[str, int, int]:
    proj = str(projection).strip().lower()
    if proj not in PROJECTIONS:
        raise UserInputError(f"unknown projection {projection!r}; choose dome or equirect")
    try:
        w, h = (int(v) for v in size_px)
    except (TypeError, ValueError):
        raise UserInputError(f"size must be (width, height) in pixels, got {size_px!r}") from None
    if not (16 <= w <= 8192 and 16 <= h <= 8192):
        raise UserInputError(f"size {w}x{h} out of range (16..8192 pixels a side)")
    if proj == "dome" and w != h:
        raise UserInputError(f"a dome master is square: give a size N x N, not {w}x{h}")
    if proj == "equirect" and w != 2 * h:
        raise UserInputError(f"an equirectangular frame is 2:1: give a size 2N x N, not {w}x{h}")
    return proj, w, h


def tilt_rotation(tilt_deg: float) -> np.ndarray:
    """Dome axes (columns x, y, zenith) in the output camera's frame: the zenith is the view
    direction turned ``tilt_deg`` towards camera up (−y), about camera x."""
    t = math.radians(float(tilt_deg))
    c, s = math.cos(t), math.sin(t)
    return np.array([[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]])


def pixel_directions(
    projection: str, size_px, tilt_deg: float = 0.0, rows: tuple[int, int] | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Unit view directions of every pixel centre, (H, W, 3) in the output camera's frame
    (x right, y down, z forward), and a mask (H, W) of the pixels inside the picture (the
    dome's circle; all of an equirectangular frame). Pixel (i, j) has its centre at
    (i + 0.5, j + 0.5) from the top-left corner. ``rows``: only rows r0 ≤ j < r1."""
    proj, w, h = _check(projection, size_px)
    r0, r1 = (0, h) if rows is None else (int(rows[0]), int(rows[1]))
    x = (np.arange(w, dtype=np.float64) + 0.5)[None, :]
    y = (np.arange(r0, r1, dtype=np.float64) + 0.5)[:, None]
    if proj == "dome":
        half = w / 2.0
        u, v = (x - half) / half, (y - half) / half
        r = np.hypot(u, v)
        theta = r * (np.pi / 2.0)  # angle from the zenith
        s = np.where(r > 0, np.sin(theta) / np.where(r > 0, r, 1.0), 0.0)
        d = np.stack([s * u, s * v, np.cos(theta)], axis=-1)
        d = d @ tilt_rotation(tilt_deg).T
        return d, r <= 1.0
    lon = (x / w - 0.5) * 2.0 * np.pi
    lat = (0.5 - y / h) * np.pi
    d = np.stack(
        np.broadcast_arrays(np.cos(lat) * np.sin(lon), -np.sin(lat), np.cos(lat) * np.cos(lon)), axis=-1
    )
    return d, np.ones(d.shape[:2], bool)


def direction_to_pixel(projection: str, size_px, directions, tilt_deg: float = 0.0) -> np.ndarray:
    """Pixel positions (N, 2), x right and y down from the top-left corner (a pixel centre at
    +0.5), of directions (N, 3) in the output camera's frame: the inverse of
    :func:`pixel_directions` (NaN for a direction outside the dome)."""
    proj, w, h = _check(projection, size_px)
    d = np.atleast_2d(np.asarray(directions, dtype=float))
    d = d / np.linalg.norm(d, axis=-1, keepdims=True)
    if proj == "dome":
        d = d @ tilt_rotation(tilt_deg)  # into the dome's axes
        theta = np.arccos(np.clip(d[:, 2], -1.0, 1.0))
        r = theta / (np.pi / 2.0)
        phi = np.arctan2(d[:, 1], d[:, 0])
        half = w / 2.0
        out = np.stack([half + half * r * np.cos(phi), half + half * r * np.sin(phi)], axis=-1)
        out[r > 1.0] = np.nan
        return out
    lon = np.arctan2(d[:, 0], d[:, 2])
    lat = np.arcsin(np.clip(-d[:, 1], -1.0, 1.0))
    return np.stack([(lon / (2.0 * np.pi) + 0.5) * w, (0.5 - lat / np.pi) * h], axis=-1)


def default_face_px(projection: str, size_px) -> int:
    """Face size matching the output's resolution where it is sharpest: a dome of side S has
    S/π pixels per radian at its centre, an equirectangular frame W/(2π) on its equator; a
    face of N pixels has N/2 per radian at its centre."""
    proj, w, _h = _check(projection, size_px)
    per_rad = w / np.pi if proj == "dome" else w / (2.0 * np.pi)
    return int(min(max(math.ceil(2.0 * per_rad), 16), 8192 - 2 * FACE_PAD))


class ProjectionMap:
    """Where each output pixel samples the cube map: per pixel the flat index of the top-left
    of its four face pixels and the bilinear weights (built once per projection, size, tilt
    and face size; :func:`projection_map` caches a few)."""

    def __init__(self, projection: str, size_px, tilt_deg: float, face_px: int):
        proj, w, h = _check(projection, size_px)
        self.projection, self.size, self.tilt_deg = proj, (w, h), float(tilt_deg)
        n, pad = int(face_px), FACE_PAD
        m = n + 2 * pad
        self.face_px, self.render_px = n, m
        # every face axis is ± a camera axis: (component, sign) of each face's x, y and boresight
        rots = face_rotations()
        comp = np.argmax(np.abs(rots), axis=1)  # (6, 3): the component each face axis picks
        sign = np.take_along_axis(rots, comp[:, None, :], 1)[:, 0, :].astype(np.float32)  # (6, 3)
        # the face of a direction: its largest component and that component's sign
        face_of = np.zeros((3, 2), np.int64)
        for k in range(len(FACE_NAMES)):
            face_of[comp[k, 2], int(sign[k, 2] > 0)] = k
        lo = np.full((len(FACE_NAMES), 2), m, np.int64)  # per face: smallest row, column read
        hi = np.full((len(FACE_NAMES), 2), -1, np.int64)
        index, weights, keep = [], [], []
        rows = max(1, (1 << 20) // w)  # about a million pixels at a time: the arrays stay in cache
        for r0 in range(0, h, rows):
            r1 = min(h, r0 + rows)
            d, inside = pixel_directions(proj, (w, h), tilt_deg, rows=(r0, r1))
            d = d.reshape(-1, 3).astype(np.float32)
            inside = inside.reshape(-1)
            if not inside.all():
                keep.append(np.flatnonzero(inside) + r0 * w)
                d = d[inside]
            big = np.argmax(np.abs(d), axis=1)
            rows_ = np.arange(d.shape[0])
            face = face_of[big, (d[rows_, big] > 0).astype(np.int64)]  # nearest boresight
            c = np.abs(d[rows_, big])
            fc, fs = comp[face], sign[face]
            # tangent-plane coordinates (−1..1 on the face) → continuous index in the padded face
            xi = (fs[:, 0] * d[rows_, fc[:, 0]] / c + 1.0) * (0.5 * n) + (pad - 0.5)
            yi = (fs[:, 1] * d[rows_, fc[:, 1]] / c + 1.0) * (0.5 * n) + (pad - 0.5)
            x0 = np.clip(np.floor(xi), 0, m - 2).astype(np.int32)
            y0 = np.clip(np.floor(yi), 0, m - 2).astype(np.int32)
            fx = np.clip(xi - x0, 0.0, 1.0)
            fy = np.clip(yi - y0, 0.0, 1.0)
            for k in np.unique(face):
                sel = face == k
                lo[k] = np.minimum(lo[k], (y0[sel].min(), x0[sel].min()))
                hi[k] = np.maximum(hi[k], (y0[sel].max(), x0[sel].max()))
            index.append(((face * m + y0) * m + x0).astype(np.int32))
            weights.append(np.stack([(1 - fx) * (1 - fy), fx * (1 - fy), (1 - fx) * fy, fx * fy]))
        self.index = np.concatenate(index)
        self.weights = np.concatenate(weights, axis=1).astype(np.float32)
        #: flat indices of the output pixels inside the picture (None: all of them)
        self.keep = np.concatenate(keep).astype(np.int64) if keep else None
        #: per face: (row0, row1, col0, col1) of the padded face's pixels the map reads, or None
        grow = FACE_PAD  # a margin for the sprites whose centres lie outside the part read
        self.face_boxes: list[tuple[int, int, int, int] | None] = [
            (
                max(int(lo[k, 0]) - grow, 0),
                min(int(hi[k, 0]) + 2 + grow, m),
                max(int(lo[k, 1]) - grow, 0),
                min(int(hi[k, 1]) + 2 + grow, m),
            )
            if hi[k, 0] >= 0
            else None
            for k in range(len(FACE_NAMES))
        ]
        self.faces_used = tuple(k for k, box in enumerate(self.face_boxes) if box is not None)

    def face_fov_deg(self) -> float:
        """Full field of view of a rendered (padded) face [deg]: its central ``face_px``
        pixels span exactly 90°."""
        return math.degrees(2.0 * math.atan(1.0 + 2.0 * FACE_PAD / self.face_px))


@lru_cache(maxsize=4)
def projection_map(projection: str, size_px: tuple[int, int], tilt_deg: float, face_px: int) -> ProjectionMap:
    """A cached :class:`ProjectionMap`."""
    return ProjectionMap(projection, size_px, tilt_deg, face_px)


def resample(faces: np.ndarray, pmap: ProjectionMap, outside=(0, 0, 0, 255)) -> np.ndarray:
    """The output picture (H, W, 4) uint8 from the rendered RGBA faces (6, M, M, 4) uint8
    (order of :data:`FACE_NAMES`, each padded by :data:`FACE_PAD`, rows top first); pixels
    outside the dome get ``outside``."""
    f = np.ascontiguousarray(faces, dtype=np.uint8)
    m = pmap.render_px
    if f.shape != (len(FACE_NAMES), m, m, 4):
        raise ValueError(f"faces must have shape (6, {m}, {m}, 4), got {f.shape}")
    flat = f.view(np.uint32).reshape(-1)  # one RGBA pixel per element: 4× fewer gathers
    i, w = pmap.index, pmap.weights
    acc = np.take(flat, i).view(np.uint8).reshape(-1, 4) * w[0][:, None]
    for off, wk in ((1, w[1]), (m, w[2]), (m + 1, w[3])):
        acc += np.take(flat, i + off).view(np.uint8).reshape(-1, 4) * wk[:, None]
    acc += 0.5
    w_, h_ = pmap.size
    if pmap.keep is None:
        return acc.astype(np.uint8).reshape(h_, w_, 4)
    out = np.empty((h_ * w_, 4), np.uint8)
    out[:] = np.asarray(outside, np.uint8)
    out[pmap.keep] = acc.astype(np.uint8)
    return out.reshape(h_, w_, 4)


# -- drawing the faces ------------------------------------------------------------------------
def view_camera_pose(scene_view, distance_re: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Position [R_E] and rotation (columns x right, y down, forward; scene frame) of the
    scene view's camera: through an imager, the imager's own; otherwise the turntable's,
    moved with ``distance_re`` along its line of sight to that distance from the Earth and
    looking at it."""
    cam = scene_view.view.camera
    if cam is scene_view.instrument_camera:
        return cam.position, cam.rotation
    cam = scene_view.turntable
    tr = cam.transform
    eye = np.asarray(tr.map([0.0, 0.0, 0.0])[:3], float)
    right = np.asarray(tr.map([1.0, 0.0, 0.0])[:3], float) - eye
    up = np.asarray(tr.map([0.0, 1.0, 0.0])[:3], float) - eye
    fwd = np.asarray(tr.map([0.0, 0.0, -1.0])[:3], float) - eye
    rot = np.column_stack(
        [right / np.linalg.norm(right), -up / np.linalg.norm(up), fwd / np.linalg.norm(fwd)]
    )
    if distance_re is not None:
        if not (np.isfinite(distance_re) and distance_re > 0):
            raise UserInputError(f"camera distance must be a positive number of R_E, got {distance_re!r}")
        eye = -float(distance_re) * rot[:, 2]
    return eye, rot


def _check_pose(camera_position, camera_rotation) -> tuple[np.ndarray, np.ndarray]:
    pos = np.asarray(camera_position, dtype=float).reshape(3)
    rot = np.asarray(camera_rotation, dtype=float).reshape(3, 3)
    if not np.all(np.isfinite(pos)):
        raise UserInputError(f"camera position must be finite, got {camera_position!r}")
    if not np.allclose(rot.T @ rot, np.eye(3), atol=1e-6) or np.linalg.det(rot) < 0:
        raise UserInputError("camera rotation must be a proper rotation matrix (orthonormal, det +1)")
    return pos, rot


def _forget_region_mapping(canvas) -> None:
    """Work around vispy 0.17: after a region render the canvas transform is reset to the
    identity but its remembered region mapping is not, so the next render of the *same*
    region skips setting it and the picture is shifted by the region's origin."""
    mappings = getattr(getattr(canvas, "transforms", None), "_mappings", None)
    if isinstance(mappings, dict) and "ct0" in mappings:
        mappings["ct0"] = None


def render_faces(scene_view, pmap: ProjectionMap, camera_position, camera_rotation) -> np.ndarray:
    """Draw the cube faces the map uses (6, M, M, 4) uint8 through ``scene_view`` (the others
    stay black). The view's canvas is resized to M × M meanwhile; caption and legend are hidden."""
    # lazy: the face camera is a vispy object (vispy loads after headless.gl_app chose the GL platform)
    from smile_viewer._vispy.cameras import InstrumentCamera

    pos, rot = _check_pose(camera_position, camera_rotation)
    m = pmap.render_px
    faces = np.zeros((len(FACE_NAMES), m, m, 4), np.uint8)
    fov = pmap.face_fov_deg()
    cam = InstrumentCamera(fov_deg=(fov, fov), fit="exact")
    rots = face_rotations()
    with scene_view.borrowed_camera(cam, size=(m, m)):
        for k in pmap.faces_used:
            r0, r1, c0, c1 = pmap.face_boxes[k]
            cam.set_pose(pos, rot @ rots[k], (fov, fov))
            # only the part of the face the map reads (GL regions count rows from the bottom)
            _forget_region_mapping(scene_view.canvas)
            img = scene_view.render(
                alpha=True, region=(c0, m - r1, c1 - c0, r1 - r0), size=(c1 - c0, r1 - r0)
            )
            faces[k, r0:r1, c0:c1] = img
    return faces


def render_projection(
    scene,
    projection: str,
    size_px,
    camera_position,
    camera_rotation,
    tilt_deg: float = 0.0,
    *,
    face_px: int | None = None,
) -> np.ndarray:
    """Render a dome master or an equirectangular frame of the scene: (H, W, 4) uint8 RGBA.

    Parameters
    ----------
    scene : smile_viewer._vispy.scene.SceneView
        The scene to draw (its state's time, layers and styles as they are). Its canvas is
        resized to the face size while the faces are drawn, its caption and legend hidden;
        both come back afterwards (an off-window canvas: see :func:`render_projection_image`).
    projection : "dome" or "equirect"
        A dome master (square) or a 2:1 equirectangular frame (module docstring).
    size_px : (width, height)
        Output size in pixels: N × N for a dome, 2N × N for equirect (16..8192 a side).
    camera_position : (3,) float
        The eye [R_E] in the scene frame (GSE or GSM: the state's frame).
    camera_rotation : (3, 3) float
        Columns: camera x (right), camera y (down), view direction, in the scene frame (the
        convention of ``smile_viewer.mission.camera.Camera``; ``look_rotation`` makes one).
    tilt_deg : float
        Dome only: the view direction appears this far below the dome's zenith (0: at the
        centre of the dome master; a tilted planetarium dome typically 20–30°).
    face_px : int, optional
        Side of each 90° cube face (default :func:`default_face_px`: the output's own
        resolution where it is sharpest).

    Pixels outside a dome's circle are opaque black.
    """
    proj, w, h = _check(projection, size_px)
    if proj == "equirect" and tilt_deg:
        raise UserInputError("tilt applies to dome masters only (an equirectangular frame has no zenith)")
    n = int(face_px) if face_px is not None else default_face_px(proj, (w, h))
    if not 16 <= n <= 8192 - 2 * FACE_PAD:
        raise UserInputError(f"face size {n} out of range (16..{8192 - 2 * FACE_PAD} pixels)")
    pmap = projection_map(proj, (w, h), float(tilt_deg), n)
    faces = render_faces(scene, pmap, camera_position, camera_rotation)
    return resample(faces, pmap)


def render_projection_image(
    projection: str,
    size_px,
    time=None,
    *,
    state=None,
    session=None,
    view: str | None = None,
    camera_position=None,
    camera_rotation=None,
    distance_re: float | None = None,
    tilt_deg: float = 0.0,
    face_px: int | None = None,
    sky: bool | None = None,
) -> np.ndarray:
    """Off-window :func:`render_projection` of a state, a session file or the default scene
    (arguments as :func:`smile_viewer._vispy.headless.render_scene_image`): (H, W, 4) uint8.

    Without ``camera_position``/``camera_rotation`` the camera is the view preset's (``view``
    or the state's; :func:`view_camera_pose` with ``distance_re``). ``sky``: True shows the
    stars and the names on the scene, False hides them; None leaves the state's layers (the
    default scene, a planetarium's, shows them)."""
    # lazy: the headless module loads vispy after choosing the GL platform (EGL_PLATFORM)
    from smile_viewer._vispy import headless

    proj, w, h = _check(projection, size_px)
    n = int(face_px) if face_px is not None else default_face_px(proj, (w, h))
    m = n + 2 * FACE_PAD
    default_scene = state is None and session is None
    app_state, scene_state = headless._resolve_state(state, session)
    if time is not None:
        scene_state.time = time
    if sky or (sky is None and default_scene):
        scene_state.layers.stars = scene_state.layers.sky_labels = True
    elif sky is False:
        scene_state.layers.stars = scene_state.layers.sky_labels = False
    if view is not None:
        scene_state.camera_preset = headless.camera_preset_for_view(view)
    app = headless.gl_app((m, m))
    # lazy: vispy loads after the GL platform is chosen (EGL_PLATFORM, PYOPENGL_PLATFORM are set first)
    from smile_viewer._vispy.scene import SceneView

    canvas = headless.offscreen_canvas((m, m), app)
    # lines, markers and names sized for the face (a 2048 dome has faces of 1308 px)
    sv = SceneView(app_state, canvas=canvas, pixel_scale=max(1.0, m / 900.0), volume_resolution=1.0)
    try:
        if camera_position is None or camera_rotation is None:
            pos, rot = view_camera_pose(sv, distance_re)
            camera_position = pos if camera_position is None else camera_position
            camera_rotation = rot if camera_rotation is None else camera_rotation
        return render_projection(sv, proj, (w, h), camera_position, camera_rotation, tilt_deg, face_px=n)
    finally:
        with contextlib.suppress(Exception):
            sv.close()
