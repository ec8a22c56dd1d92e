"""The 3-D scene's data, built by pure functions (no Qt, no vispy): safe to run in a worker.

The pattern (docs/architecture.md#threads-and-workers): on the GUI thread, turn the state
into a small frozen *request* (``boundary_request(app)``, ``field_line_request(app)``,
``volume_request(app)`` — fast, they only read the state); in a worker, build the data from
the request (``build_boundary_meshes``, ``build_field_lines``, ``build_emission_volume`` —
they touch nothing shared and return plain arrays); back on the GUI thread hand the result to
the view (``SceneView.apply_data``). Requests compare equal when they would build the same
data, so a view skips work that would change nothing. Each ``build_*`` also accepts an
:class:`~smile_viewer.state.app.AppState` directly (it makes the request itself).

Frames: each result says its frame. Field lines are in GSM; the Lin et al. (2010)
magnetopause is in GSM; Shue and Jelínek surfaces are symmetric about X and so the same in GSE
and GSM (frame "any"), or in GSE when aberrated; the emission volume is in its own ``frame``.
The view places each with the rotation to the scene frame at the scene time.

Also here: :func:`effective_solar_wind` (the manual inputs, or an OMNI file at the scene
time), :func:`field_line_seeds`, :func:`fov_geometry` (SXI's pyramid and UVI's cone) and
:func:`instrument_view` (the camera of an imager at the scene time), and
:func:`los_intensity_estimate` / :func:`log_range_for_camera` (a quick line-of-sight estimate
through a volume along a few hundred of a camera's rays: colour ranges).
"""

from __future__ import annotations

import dataclasses
import logging
import math
import os
import threading
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from smile_viewer.coords import dipole_tilt
from smile_viewer.errors import UserInputError
from smile_viewer.physics import models as registry
from smile_viewer.physics.boundaries import jelinek2012_bow_shock, shue1998
from smile_viewer.physics.emissivity import LOS_FACTOR
from smile_viewer.physics.models import BOW_SHOCK_MODEL
from smile_viewer.physics.volume import sample_model
from smile_viewer.state.instruments import instrument_camera, instrument_pointing

log = logging.getLogger(__name__)

__all__ = [
    "TOPOLOGY_NAMES",
    "BoundaryMeshes",
    "BoundaryRequest",
    "FieldLineData",
    "FieldLineRequest",
    "FovGeometry",
    "SurfaceMesh",
    "VolumeRequest",
    "boundary_request",
    "build",
    "build_boundary_meshes",
    "build_emission_volume",
    "build_field_lines",
    "effective_solar_wind",
    "field_line_request",
    "field_line_seeds",
    "fov_geometry",
    "instrument_view",
    "log_range_for_camera",
    "los_intensity_estimate",
    "spacecraft_position_gse",
    "vertex_normals",
    "volume_request",
]

#: Field-line topology classes drawn by the scene (index = the code in ``FieldLineData.topology``).
TOPOLOGY_NAMES: tuple[str, ...] = ("closed", "open_north", "open_south", "imf", "other")
CLOSED, OPEN_NORTH, OPEN_SOUTH, IMF, OTHER = range(5)


def _time_of(app):
    return app.scene.time


# -- solar wind ---------------------------------------------------------------------------------
_omni_cache: dict[tuple, Any] = {}
_omni_lock = threading.Lock()


def _read_omni(path: str):
    from smile_viewer.io.omni import read_solar_wind  # lazy: OMNI files only

    p = os.path.abspath(os.path.expanduser(path))
    st = os.stat(p)  # FileNotFoundError names the file
    key = (p, st.st_mtime_ns, st.st_size)
    with _omni_lock:
        series = _omni_cache.get(key)
    if series is None:
        series = read_solar_wind(p)
        with _omni_lock:
            _omni_cache.clear()
            _omni_cache[key] = series
    return series


def effective_solar_wind(app, time=None):
    """The solar wind the scene uses: ``(SolarWind, note)``.

    Without an OMNI file: the manual inputs, note ``""``. With one: the file's values at the
    scene time (or ``time``); where the file cannot give one (outside its coverage, a long
    gap, an unreadable file) the manual inputs, with a note saying why.
    """
    inputs = app.model.solar_wind
    manual = inputs.to_solar_wind()
    if not inputs.omni_path:
        return manual, ""
    t = _time_of(app) if time is None else time
    try:
        return _read_omni(inputs.omni_path).at(t), f"OMNI {os.path.basename(inputs.omni_path)}"
    except (UserInputError, OSError) as exc:
        return manual, f"OMNI file not used ({exc}); manual solar wind"


# -- boundaries -------------------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class SurfaceMesh:
    """A boundary surface ready to draw: ``vertices`` (N, 3) float32 [R_E] in ``frame``,
    ``faces`` (M, 3) uint32 (outward wound), ``normals`` (N, 3) float32 outward unit vectors;
    ``frame`` "gsm" or "gse" ("any" for a surface symmetric about X: the same in both)."""

    vertices: np.ndarray
    faces: np.ndarray
    normals: np.ndarray
    frame: str
    kind: str
    name: str
    standoff_re: float
    parameters: dict = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class BoundaryMeshes:
    """The magnetopause and bow shock (either None when not asked for)."""

    magnetopause: SurfaceMesh | None
    bow_shock: SurfaceMesh | None
    note: str = ""


@dataclass(frozen=True)
class BoundaryRequest:
    """What :func:`build_boundary_meshes` needs (frozen; equal requests give equal meshes)."""

    model: str
    solar_wind: Any
    tilt_rad: float = 0.0
    aberration: bool = False
    x_tail_re: float = -30.0
    n_theta: int = 72
    n_phi: int = 96
    magnetopause: bool = True
    bow_shock: bool = True
    note: str = ""


def boundary_request(app, *, x_tail_re: float = -30.0) -> BoundaryRequest:
    """The boundary request of ``app`` at its scene time (the tilt only matters for Lin 2010)."""
    sw, note = effective_solar_wind(app)
    models = app.model.models
    tilt = 0.0
    if registry.boundary_model(models.boundary_model).needs_tilt:
        tilt = float(np.asarray(dipole_tilt(_time_of(app))).reshape(()))
        tilt = round(tilt, 5)  # 0.0006°: finer changes do not show
    # both surfaces are built whichever layers are shown (a few ms): switching a layer on
    # then needs no rebuild
    return BoundaryRequest(
        model=models.boundary_model,
        solar_wind=sw,
        tilt_rad=tilt,
        aberration=models.aberration,
        x_tail_re=float(x_tail_re),
        note=note,
    )


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals (N, 3) of a triangle mesh (faces wound outward)."""
    v = np.asarray(vertices, dtype=np.float64)
    f = np.asarray(faces, dtype=np.int64)
    n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    out = np.zeros_like(v)
    for k in range(3):
        np.add.at(out, f[:, k], n)
    norm = np.linalg.norm(out, axis=1, keepdims=True)
    norm[norm == 0] = 1.0
    return out / norm


def _surface_mesh(surface, req: BoundaryRequest, kind: str) -> SurfaceMesh:
    n_phi = int(req.n_phi)
    verts, tris = surface.mesh(req.x_tail_re, n_theta=int(req.n_theta), n_phi=n_phi, aberrate=req.aberration)
    # Drop the flat cap at the tail cut: an open tube reads better and does not hide the tail.
    tris = tris[:-n_phi]
    verts = verts[:-1]
    normals = vertex_normals(verts, tris)
    key = type(surface).__name__
    if "Lin2010" in key:
        frame = "gsm"
    else:
        frame = "gse" if req.aberration else "any"
    params = dict(surface.parameters) if hasattr(surface, "parameters") else {}
    return SurfaceMesh(
        vertices=verts.astype(np.float32),
        faces=tris.astype(np.uint32),
        normals=normals.astype(np.float32),
        frame=frame,
        kind=kind,
        name=str(getattr(surface, "name", key)),
        standoff_re=float(surface.standoff_re),
        parameters=params,
    )


def build_boundary_meshes(request) -> BoundaryMeshes:
    """Triangle meshes of the chosen magnetopause and the Jelínek et al. (2012) bow shock."""
    req = request if isinstance(request, BoundaryRequest) else boundary_request(request)
    mp = bs = None
    if req.magnetopause:
        surface = registry.boundary_model(req.model).surface(req.solar_wind, req.tilt_rad)
        mp = _surface_mesh(surface, req, "magnetopause")
    if req.bow_shock:
        surface = registry.boundary_model(BOW_SHOCK_MODEL, "bow_shock").surface(req.solar_wind)
        bs = _surface_mesh(surface, req, "bow_shock")
    return BoundaryMeshes(mp, bs, req.note)


# -- field lines ------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldLineRequest:
    """What :func:`build_field_lines` needs (frozen)."""

    time_iso: str
    internal: str
    external: str | None
    kp: float
    pdyn_npa: float
    dst_nt: float
    by_nt: float
    bz_nt: float
    latitudes_deg: tuple[float, ...]
    mlt_h: tuple[float, ...]
    seed_radius_re: float
    magnetopause: tuple[float, float]  # Shue-form (r0, alpha) where lines leave
    imf_b_gsm_nt: tuple[float, float, float] | None
    bow_shock_pd_npa: float
    kp_source: str = ""


@dataclass(frozen=True, eq=False)
class FieldLineData:
    """Field lines ready to draw: line i is ``points[offsets[i]:offsets[i+1]]`` (GSM, R_E,
    float32); ``topology`` (n,) int8 codes of :data:`TOPOLOGY_NAMES`; ``kp`` used; ``counts``
    per class; ``frame`` "gsm"."""

    points: np.ndarray
    offsets: np.ndarray
    topology: np.ndarray
    kp: float
    counts: dict
    frame: str = "gsm"
    description: str = ""

    def __len__(self) -> int:
        return len(self.topology)

    def line(self, i: int) -> np.ndarray:
        return self.points[self.offsets[i] : self.offsets[i + 1]]


def field_line_request(app) -> FieldLineRequest:
    """The field-line request of ``app`` at its scene time."""
    sw, _note = effective_solar_wind(app)
    fl = app.model.field_lines
    if fl.kp is None:
        # lazy: field lines are off by default; the field models cost ~50 ms
        from smile_viewer.physics.aurora.kp import kp_from_solar_wind

        kp, kp_source = round(float(kp_from_solar_wind(sw)), 2), "Newell et al. 2008 from the solar wind"
    else:
        kp, kp_source = float(fl.kp), "set"
    mp = shue1998(sw.pd_npa, sw.bz_nt)
    b = tuple(float(v) for v in sw.b_gsm_nt)
    return FieldLineRequest(
        time_iso=_time_of(app).utc.isot,
        internal=fl.internal,
        external=None if fl.external == "none" else fl.external,
        kp=kp,
        pdyn_npa=float(min(max(sw.pd_npa, 0.5), 10.0)),  # T96's range of validity
        dst_nt=float(fl.dst_nt),
        by_nt=float(np.clip(sw.by_nt, -10.0, 10.0)),
        bz_nt=float(np.clip(sw.bz_nt, -10.0, 10.0)),
        latitudes_deg=tuple(fl.seed_latitudes_deg),
        mlt_h=tuple(fl.seed_mlt_h),
        seed_radius_re=float(fl.seed_radius_re),
        magnetopause=(round(float(mp.r0), 4), round(float(mp.alpha), 5)),
        imf_b_gsm_nt=b if (fl.imf_lines and math.hypot(*b) > 0.05) else None,
        bow_shock_pd_npa=round(float(sw.pd_npa), 5),
        kp_source=kp_source,
    )


def field_line_seeds(latitudes_deg, mlt_h, radius_re: float, tilt_rad: float) -> np.ndarray:
    """Seeds (n, 3) GSM [R_E] at ``radius_re`` on the magnetic meridians ``mlt_h`` [h] at the
    magnetic latitudes ``latitudes_deg`` of a centred dipole tilted by ``tilt_rad`` (SM)."""
    lat = np.radians(np.asarray(latitudes_deg, dtype=float))
    mlt = np.asarray(mlt_h, dtype=float)
    phi = np.radians((mlt - 12.0) * 15.0)  # MLT 12 → +X_SM
    ll, pp = np.meshgrid(lat, phi, indexing="ij")
    x_sm = radius_re * np.cos(ll) * np.cos(pp)
    y_sm = radius_re * np.cos(ll) * np.sin(pp)
    z_sm = radius_re * np.sin(ll)
    c, s = math.cos(tilt_rad), math.sin(tilt_rad)
    x = x_sm * c + z_sm * s
    z = -x_sm * s + z_sm * c
    return np.stack([x, y_sm, z], axis=-1).reshape(-1, 3)


def _imf_lines(b_gsm, pd_npa: float, extent: float = 15.0):
    """Straight IMF lines upstream of the Jelínek et al. (2012) bow shock (GSM ≈ GSE here)."""
    bs = jelinek2012_bow_shock(pd_npa)
    b = np.asarray(b_gsm, dtype=float)
    d = b / np.linalg.norm(b)
    x0 = float(bs.standoff_re)
    anchors = [(min(x0 + 3.0, extent - 0.5), y, 0.0) for y in (-9.0, 0.0, 9.0)]
    s = np.arange(-2.0 * extent, 2.0 * extent + 1e-9, 0.5)
    lines = []
    for a in anchors:
        pts = np.asarray(a)[None, :] + s[:, None] * d[None, :]
        keep = np.all(np.abs(pts) <= extent, axis=1) & ~bs.contains(pts)
        # the contiguous run through the anchor (s = 0)
        i0 = int(np.argmin(np.abs(s)))
        if not keep[i0]:
            continue
        lo = i0
        while lo > 0 and keep[lo - 1]:
            lo -= 1
        hi = i0
        while hi < len(s) - 1 and keep[hi + 1]:
            hi += 1
        if hi - lo >= 2:
            lines.append(pts[lo : hi + 1])
    return lines


def build_field_lines(request) -> FieldLineData:
    """Trace the seeds in IGRF/dipole + T89/T96 and class each line by topology."""
    # lazy: field lines are off by default; the field models cost ~50 ms
    from smile_viewer.physics.field import CLOSED as F_CLOSED
    from smile_viewer.physics.field import IMF as F_IMF
    from smile_viewer.physics.field import OPEN_NORTH as F_ON
    from smile_viewer.physics.field import OPEN_SOUTH as F_OS
    from smile_viewer.physics.field import FieldModel, trace_field_lines

    req = request if isinstance(request, FieldLineRequest) else field_line_request(request)
    params: dict[str, Any] = {}
    if req.external == "t89":
        params["kp"] = req.kp
    elif req.external == "t96":
        params.update(pdyn_npa=req.pdyn_npa, dst_nt=req.dst_nt, by_nt=req.by_nt, bz_nt=req.bz_nt)
    model = FieldModel.at_time(req.time_iso, internal=req.internal, external=req.external, **params)
    seeds = field_line_seeds(req.latitudes_deg, req.mlt_h, req.seed_radius_re, model.tilt_rad)
    lines = trace_field_lines(
        seeds, model, magnetopause=req.magnetopause, max_step_re=0.5, rtol=1e-6, atol_re=1e-6, max_points=3000
    )
    mapping = {F_CLOSED: CLOSED, F_ON: OPEN_NORTH, F_OS: OPEN_SOUTH, F_IMF: IMF}
    pieces, topo = [], []
    for i in range(len(lines)):
        pts = lines.line(i)
        if len(pts) < 2:
            continue
        pieces.append(pts)
        topo.append(mapping.get(int(lines.status[i]), OTHER))
    if req.imf_b_gsm_nt is not None:
        for pts in _imf_lines(req.imf_b_gsm_nt, req.bow_shock_pd_npa):
            pieces.append(pts)
            topo.append(IMF)
    sizes = np.array([len(p) for p in pieces], dtype=np.int64)
    offsets = np.zeros(len(pieces) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    points = np.concatenate(pieces).astype(np.float32) if pieces else np.zeros((0, 3), np.float32)
    topology = np.asarray(topo, dtype=np.int8)
    counts = {name: int(np.sum(topology == k)) for k, name in enumerate(TOPOLOGY_NAMES)}
    ext = {"t89": f"T89, Kp {req.kp:.1f}", "t96": "T96", None: "no external field"}[req.external]
    desc = f"{req.internal.upper()} + {ext}"
    return FieldLineData(points, offsets, topology, float(req.kp), counts, "gsm", desc)


# -- emission volume --------------------------------------------------------------------------
@dataclass(frozen=True)
class VolumeRequest:
    """What :func:`build_emission_volume` needs (frozen)."""

    model: str
    params: tuple[tuple[str, float], ...]
    solar_wind: Any
    tilt_rad: float
    shape: tuple[int, int, int]
    bounds_re: tuple[tuple[float, float], ...]
    frame: str
    cube_path: str | None = None
    cube_stamp: tuple = ()
    #: The scene time (ISO, UTC) when ``cube_path`` is a cube sequence (the cube follows it).
    cube_time: str | None = None


def _is_sequence(path: str) -> bool:
    # lazy: brings the cube readers (~55 ms), needed for file sources only
    from smile_viewer.io.cubes.sequence import is_sequence_spec

    return is_sequence_spec(path)


def volume_request(app) -> VolumeRequest:
    """The emission-volume request of ``app`` (CMEM is sampled in GSM with the dipole tilt at
    the scene time; the other analytic models in the settings' frame; a file keeps its own)."""
    models = app.model.models
    vs = app.volume
    sw, _note = effective_solar_wind(app)
    name = models.emissivity_model
    entry = registry.emissivity_model(name)
    tilt, frame = 0.0, vs.frame
    path, stamp = None, ()
    if entry.needs_tilt:
        tilt = round(float(np.asarray(dipole_tilt(_time_of(app))).reshape(())), 4)
        frame = entry.frame
    cube_time = None
    if entry.kind == "file":
        path = os.path.abspath(os.path.expanduser(models.cube_path))
        try:
            st = os.stat(path)
            stamp = (st.st_mtime_ns, st.st_size)
        except OSError:
            stamp = ("missing",)
        sw = None  # the file is the source
        if _is_sequence(path):  # a folder, glob or index of cubes: the cube follows the time
            cube_time = _time_of(app).utc.isot
    return VolumeRequest(
        model=name,
        params=tuple(sorted(models.params_for(name).items())),
        solar_wind=sw,
        tilt_rad=tilt,
        shape=tuple(vs.shape),
        bounds_re=tuple(tuple(b) for b in vs.bounds_re),
        frame=frame,
        cube_path=path,
        cube_stamp=stamp,
        cube_time=cube_time,
    )


def build_emission_volume(request):
    """Sample the chosen emissivity model on the grid (or read the file) → ``physics.volume.Volume``."""
    req = request if isinstance(request, VolumeRequest) else volume_request(request)
    if registry.emissivity_model(req.model).kind == "file":
        # lazy: the cube readers (~55 ms) are needed for cube files only
        from smile_viewer.io.cubes.shared import shared_cube

        if not req.cube_path:
            raise UserInputError(f"emissivity model {req.model!r} needs a file")
        if req.cube_time is not None:
            # lazy: cube sequences, with the cube readers
            from smile_viewer.io.cubes.sequence import shared_sequence

            return shared_sequence(req.cube_path).volume_at(req.cube_time)
        return shared_cube(req.cube_path)  # the same Volume the synthetic images integrate
    model = registry.build_emissivity(req.model, req.solar_wind, tilt_rad=req.tilt_rad, **dict(req.params))
    return sample_model(model, req.shape, req.bounds_re, frame=req.frame)


def los_intensity_estimate(
    volume,
    camera,
    *,
    max_rays: int = 600,
    max_distance_re: float = 80.0,
    step_voxels: float = 0.5,
    occult_earth: bool = True,
) -> np.ndarray:
    """Line-of-sight intensity [keV cm^-2 s^-1 sr^-1] of ``volume`` along a coarse, evenly
    spread subset of ``camera``'s rays (about ``max_rays``), by the trapezium rule on the
    trilinear interpolant — a quick estimate for colour ranges, not an image. The volume and
    the camera must be in the same frame."""
    rays = np.asarray(camera.ray_directions(), dtype=float)
    ny, nx = rays.shape[:2]
    k = max(1, int(math.ceil(math.sqrt(ny * nx / max(1, max_rays)))))
    rays = rays[k // 2 :: k, k // 2 :: k].reshape(-1, 3)
    origin = np.asarray(camera.position_re, dtype=float)
    lo = np.array([b[0] for b in volume.bounds])
    hi = np.array([b[1] for b in volume.bounds])
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = (lo[None, :] - origin[None, :]) / rays
        t2 = (hi[None, :] - origin[None, :]) / rays
    t_in = np.clip(np.nanmax(np.minimum(t1, t2), axis=1), 0.0, max_distance_re)
    t_out = np.clip(np.nanmin(np.maximum(t1, t2), axis=1), 0.0, max_distance_re)
    if occult_earth:
        b = rays @ origin
        c = origin @ origin - 1.0
        disc = b * b - c
        t_hit = np.where(disc > 0, -b - np.sqrt(np.maximum(disc, 0.0)), np.inf)
        t_out = np.where((t_hit > 0) & (t_hit < t_out), t_hit, t_out)
    h = step_voxels * float(min(volume.spacing_re))
    span = np.maximum(t_out - t_in, 0.0)
    n = int(min(4000, max(2, math.ceil(float(span.max(initial=0.0)) / h) + 1)))
    u = np.linspace(0.0, 1.0, n)
    t = t_in[:, None] + span[:, None] * u[None, :]
    pts = origin[None, None, :] + t[..., None] * rays[:, None, :]
    vals = volume.sample(pts.reshape(-1, 3)).reshape(t.shape)
    w = np.full(n, 1.0)
    w[0] = w[-1] = 0.5
    integral = (vals * w[None, :]).sum(axis=1) * span / max(n - 1, 1)
    return integral * float(LOS_FACTOR)


def log_range_for_camera(
    volume, camera, *, low_percentile: float = 1.0, high_percentile: float = 99.5, min_decades: float = 0.6
) -> tuple[float, float] | None:
    """A log10 colour range for the synthetic image of ``volume`` through ``camera`` (from
    :func:`los_intensity_estimate`): the given percentiles, widened to ``min_decades``;
    None when nothing is seen."""
    vals = los_intensity_estimate(volume, camera)
    vals = vals[np.isfinite(vals) & (vals > 0)]
    if vals.size == 0:
        return None
    lo, hi = np.log10(np.percentile(vals, [low_percentile, high_percentile]))
    if hi - lo < min_decades:
        mid = 0.5 * (hi + lo)
        lo, hi = mid - 0.5 * min_decades, mid + 0.5 * min_decades
    pad = 0.05 * (hi - lo)
    return (float(lo - pad), float(hi + pad))


def build(request):
    """Build whatever ``request`` asks for (one entry point for a worker)."""
    if isinstance(request, BoundaryRequest):
        return build_boundary_meshes(request)
    if isinstance(request, FieldLineRequest):
        return build_field_lines(request)
    if isinstance(request, VolumeRequest):
        return build_emission_volume(request)
    raise TypeError(f"no builder for {type(request).__name__}")


# -- spacecraft, instruments, fields of view ------------------------------------------------------
def spacecraft_position_gse(orbit, time) -> np.ndarray:
    """The spacecraft's position (3,) GSE [R_E] at ``time``."""
    return np.asarray(orbit.position(time, frame="gse"), dtype=float).reshape(3)


@dataclass(frozen=True, eq=False)
class FovGeometry:
    """An imager's field of view as a solid from the spacecraft, in the scene frame [R_E].

    ``apex`` (3,); ``rim`` (k, 3) the far outline (4 corners for SXI, a circle for UVI);
    ``faces`` (m, 3) triangles over ``[apex] + rim`` (the sides, no far cap); ``edges``
    (e, 2, 3) line segments (apex to the corners, the far outline); ``boresight`` (3,);
    ``length_re`` along the boresight; ``camera`` the imager's Camera (pointing, fov).
    """

    name: str
    apex: np.ndarray
    rim: np.ndarray
    faces: np.ndarray
    edges: np.ndarray
    boresight: np.ndarray
    length_re: float
    camera: Any


def fov_geometry(camera, length_re: float, *, n_circle: int = 64) -> FovGeometry:
    """The field-of-view solid of ``camera`` (a ``mission.camera.Camera``), ``length_re`` long
    along the boresight: a rectangular pyramid true to the field and roll (the far face is
    the tangent plane at ``length_re``), or a cone for a circular field."""
    apex = np.asarray(camera.position_re, dtype=float)
    rot = np.asarray(camera.rotation, dtype=float)
    fx, fy = (math.radians(v) for v in camera.fov_deg)
    if camera.circular:
        half = 0.5 * fx
        ang = np.linspace(0.0, 2.0 * np.pi, n_circle, endpoint=False)
        t = math.tan(half)
        cam = np.stack([t * np.cos(ang), t * np.sin(ang), np.ones_like(ang)], axis=1)
    else:
        tx, ty = math.tan(0.5 * fx), math.tan(0.5 * fy)
        cam = np.array([[-tx, -ty, 1.0], [tx, -ty, 1.0], [tx, ty, 1.0], [-tx, ty, 1.0]])
    rim = apex[None, :] + length_re * (cam @ rot.T)
    k = len(rim)
    i = np.arange(k)
    faces = np.stack([np.zeros(k, np.int64), 1 + i, 1 + (i + 1) % k], axis=1).astype(np.uint32)
    outline = np.stack([rim, np.roll(rim, -1, axis=0)], axis=1)
    if camera.circular:
        spokes_idx = np.arange(0, k, max(1, k // 4))
    else:
        spokes_idx = i
    spokes = np.stack([np.repeat(apex[None, :], len(spokes_idx), axis=0), rim[spokes_idx]], axis=1)
    edges = np.concatenate([spokes, outline], axis=0)
    return FovGeometry(camera.name, apex, rim, faces, edges, rot[:, 2].copy(), float(length_re), camera)


def instrument_view(app, name: str, position_gse_re, *, frame: str | None = None, shape=None):
    """``(camera, length_re)`` of imager ``name`` ("sxi" or "uvi") of ``app`` at its scene time,
    for a spacecraft at ``position_gse_re``; ``length_re`` is the distance to the aim point
    (SXI's law, UVI's target, or the set aim point) — where the field of view is drawn to."""
    settings = getattr(app.instruments, name)
    t = _time_of(app)
    frame = (frame or app.scene.frame).lower()
    p = np.asarray(position_gse_re, dtype=float).reshape(3)
    pointing = instrument_pointing(settings, p, t)
    aim = pointing.aim_re
    if aim is not None and np.all(np.isfinite(aim)):
        length = float(np.dot(np.asarray(aim) - p, pointing.boresight))
    else:
        length = float(np.linalg.norm(p))
    if not (length > 0.5):
        length = float(np.linalg.norm(p))
    cam = instrument_camera(settings, p, t, frame=frame, shape=shape)
    return cam, length


def replace_request(request, **changes):
    """A copy of a frozen request with some fields changed."""
    return dataclasses.replace(request, **changes)
