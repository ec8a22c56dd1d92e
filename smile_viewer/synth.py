"""A synthetic SXI or UVI image product, what ``smile-viewer synth`` makes: :func:`make_synthetic`
takes typed :class:`SynthOptions`; the command line (:mod:`smile_viewer.cli.synth`) parses them.

Where (a time on the default orbit, or a position), the pointing (the instrument's law, an aim
point, an attitude file or explicit rays), the model and solar wind, the integrator, the
instrument response; then the FITS product and an optional PNG quicklook. Mistakes end with
exit status 2 and one line. Options: docs/cli.md#synth.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from astropy.time import Time

from smile_viewer.analysis.geometry import match_geometry
from smile_viewer.compute import RenderRequest, render
from smile_viewer.compute.sources import emission_source
from smile_viewer.errors import UserInputError
from smile_viewer.io.observed import ObservedImage, load_observed
from smile_viewer.io.omni import read_solar_wind
from smile_viewer.io.products import write_synthetic_product
from smile_viewer.io.quicklook import write_quicklook_png
from smile_viewer.mission import pointing as pt
from smile_viewer.mission.camera import Camera
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.orbit import default_orbit
from smile_viewer.mission.response import compute_response
from smile_viewer.physics import models as registry
from smile_viewer.physics.aurora import kp_from_solar_wind
from smile_viewer.physics.solar_wind import SolarWind

__all__ = [
    "MODELS",
    "TYPICAL_SOLAR_WIND",
    "SynthOptions",
    "SynthProduct",
    "build_source",
    "make_synthetic",
    "options_like",
    "resolve_model_name",
]

#: Model names of ``synth --model`` / ``batch --model``: every registered source; a file
#: source takes its file as ``KEY:PATH`` (``cube:PATH``, ``plasma:PATH``).
MODELS = tuple(f"{k}:PATH" if e.kind == "file" else k for k, e in registry.emissivity_models().items())


@dataclass(frozen=True)
class SynthOptions:
    """One synthetic product.

    ``instrument``: "sxi", "uvi" or an instrument JSON file; ``out`` / ``png``: the FITS product
    and the optional quicklook; ``time``: observation time (None: the default orbit's epoch,
    said in the notes; a time or a position is needed); ``position_re``: spacecraft position,
    GSE [R_E] (None: the default orbit at ``time``). Pointing, at most one of: ``aim_re`` (aim
    point, GSE [R_E]), ``attitude`` (a J2000 attitude file or
    :class:`~smile_viewer.mission.pointing.AttitudeHistory`), ``rays`` (H x W x 3 GSE
    directions, which set the grid); else the instrument's law. ``roll_deg``: extra roll about
    the boresight. ``model``: a name of :data:`MODELS` (``KEY:PATH`` for a file; None: jorgensen for
    SXI, aurora for UVI) with ``params`` overrides; ``solar_wind`` (None: n 5 cm^-3, v 400 km/s,
    B 0). ``shape``: (ny, nx) (None: the instrument's); ``step_re``: fixed trapezium step
    instead of the adaptive integrator; ``max_distance_re``: ray length; ``exposure_s``
    (None: the instrument's); ``seed`` of the Poisson noise. ``camera``: a ready
    :class:`~smile_viewer.mission.camera.Camera` (position, pointing and grid of an observed
    image: :func:`options_like`), which replaces position, pointing and shape;
    ``solar_wind_source``: where the solar wind came from (written in the product);
    ``like``: the observed file the product imitates (written in the product).
    """

    instrument: Any
    out: Path
    png: Path | None = None
    time: Time | None = None
    position_re: Any = None
    aim_re: Any = None
    attitude: Any = None
    rays: np.ndarray | None = None
    roll_deg: float = 0.0
    model: str | None = None
    params: Mapping[str, float] = field(default_factory=dict)
    solar_wind: SolarWind | None = None
    shape: tuple[int, int] | None = None
    step_re: float | None = None
    max_distance_re: float = 80.0
    backend: str = "auto"
    exposure_s: float | None = None
    seed: int | None = None
    camera: Any = None
    solar_wind_source: str | None = None
    like: str | None = None
    notes: tuple[str, ...] = ()


#: Far-UV imagers without an instrument file of their own: UVI's response stands in for them.
FAR_UV_IMAGERS = ("wic", "si12", "si13", "si", "vis", "fuv", "uvi")
#: What the product says of the solar wind when none is given.
TYPICAL_SOLAR_WIND = "typical values (n 5 cm^-3, v 400 km/s, B 0; no OMNI file given)"


@dataclass(frozen=True)
class SynthProduct:
    """What :func:`make_synthetic` wrote and how (for the command line's report)."""

    out: Path
    png: Path | None
    instrument: str
    shape: tuple[int, int]  # (ny, nx)
    model: str
    backend: str
    timing_ms: float | None
    total_counts: int
    exposure_s: float
    notes: tuple[str, ...] = ()

    def summary_line(self) -> str:
        """``wrote OUT (SXI 27x16, jorgensen, backend numpy, 12 ms; 1234 counts in 600 s)``."""
        ny, nx = self.shape
        ms = f", {self.timing_ms:.0f} ms" if self.timing_ms is not None else ""
        return (
            f"wrote {self.out} ({self.instrument.upper()} {nx}x{ny}, {self.model}, backend "
            f"{self.backend or '?'}{ms}; {self.total_counts} counts in {self.exposure_s:g} s)"
        )


# ---------------------------------------------------------------------------- the work


def resolve_model_name(model: str | None, inst) -> str:
    """The model of ``model`` (a registered name, ``KEY:PATH`` for a file source, or None for
    the instrument's default: aurora for UVI, jorgensen for SXI), normalised."""
    default = registry.DEFAULT_AURORA if inst.image_units == "R" else registry.DEFAULT_EMISSIVITY
    name = model if model is not None else default
    key, sep, path = name.strip().partition(":")
    try:
        entry = registry.emissivity_model(key)
    except UserInputError:
        raise UserInputError(f"unknown --model {name!r}; choose from {', '.join(MODELS)}") from None
    if entry.kind == "file":
        if not path.strip():
            hint = "; the exosphere-only model is 'exosphere'" if entry.key == "plasma" else ""
            raise UserInputError(f"--model {entry.key}:PATH needs a path (an MHD or emissivity file){hint}")
        return f"{entry.key}:{path.strip()}"
    if sep:
        raise UserInputError(
            f"--model {entry.key} takes no file (only {', '.join(m for m in MODELS if ':' in m)})"
        )
    return entry.key


def build_source(model_name: str, params: dict, sw, time, inst):
    """(source, model object or description for the header) of a resolved model name."""
    key, _, path = model_name.partition(":")
    entry = registry.emissivity_model(key)
    band = "uvi" if inst.image_units == "R" else "sxi"
    if entry.kind == "file":
        if params:
            raise UserInputError(f"a {entry.key} file takes no --param (its values are the emissivity)")
        # lazy: cube sequences, with the cube readers (file sources only)
        from smile_viewer.io.cubes.sequence import is_sequence_spec

        if not is_sequence_spec(path) and not Path(path).expanduser().exists():
            raise UserInputError(f"{entry.key} {path}: no such file")
        src, _volume = emission_source(key, sw, time, cube_path=path)
        if src.units != inst.image_units:
            raise UserInputError(
                f"{entry.key} {path} gives images in {src.units!r}, "
                f"{inst.name.upper()} needs {inst.image_units!r}"
            )
        return src, {"model": entry.key, "parameters": {}, "path": str(path)}
    src, model = emission_source(key, sw, time, params, band=band)
    if entry.kind == "aurora":
        kp = float(params["kp"]) if "kp" in params else float(kp_from_solar_wind(sw))
        return src, {"model": entry.key, "parameters": {"kp": kp}, "description": model.parameters}
    return src, model


def _normalised_rays(rays) -> np.ndarray:
    r = np.asarray(rays, dtype=float)
    if r.ndim != 3 or r.shape[-1] != 3 or min(r.shape[:2]) < 2:
        raise UserInputError(f"rays: need an H x W x 3 array (H, W >= 2), got shape {r.shape}")
    norms = np.linalg.norm(r, axis=-1)
    if not np.all(np.isfinite(r)) or np.any(norms == 0):
        raise UserInputError("rays: values must be finite, non-zero vectors")
    return r / norms[..., None]


def make_synthetic(options: SynthOptions) -> SynthProduct:
    """Render, apply the instrument response and write the product (and the PNG quicklook)."""
    o = options
    notes: list[str] = list(o.notes)
    inst = load_instrument(o.instrument)
    sw = o.solar_wind if o.solar_wind is not None else SolarWind()
    model_name = resolve_model_name(o.model, inst)
    if sum(x is not None for x in (o.aim_re, o.attitude, o.rays)) > 1:
        raise UserInputError("give one of an aim point, an attitude or rays, not several")
    if o.rays is not None and o.shape is not None:
        raise UserInputError("a pixel grid cannot be combined with rays (the rays set the grid)")

    if o.camera is not None:
        if any(x is not None for x in (o.position_re, o.aim_re, o.attitude, o.rays, o.shape)):
            raise UserInputError(
                "an observation's camera (--like) sets the position, pointing and pixel grid: "
                "give none of --position, --aim, --attitude, --rays, --pixels"
            )
        if o.time is None:
            raise UserInputError("an observation's camera (--like) needs the observation's time")

    # Where and when.
    if o.time is None and o.position_re is None:
        raise UserInputError("give a time (position from the default orbit) or a position")
    if o.time is not None:
        time = o.time
    else:
        time = default_orbit().epoch
        notes.append(f"no --time: using {time.utc.isot} (the default orbit's epoch) for the attitude and WCS")
    if o.camera is not None:
        position = np.asarray(o.camera.position_re, dtype=float).reshape(3)
    elif o.position_re is not None:
        position = np.asarray(o.position_re, dtype=float).reshape(3)
    else:
        position = np.asarray(default_orbit().position(time, "gse"), dtype=float).reshape(3)
    if not np.isfinite(position).all() or float(np.max(np.abs(position))) > pt.MAX_POSITION_RE:
        xyz = ",".join(f"{v:g}" for v in position)
        raise UserInputError(
            f"position {xyz} R_E is not finite or farther than {pt.MAX_POSITION_RE:g} R_E: out of range"
        )
    r = float(np.linalg.norm(position))
    if r <= 1.0:
        xyz = ",".join(f"{v:g}" for v in position)
        raise UserInputError(f"position {xyz} R_E is inside the Earth (|r| = {r:.3g} R_E)")

    # Where it looks.
    rays = None
    roll = float(o.roll_deg)
    reference = "sun" if inst.image_units == "R" else "earth"
    if o.camera is not None:
        pointing = pt.Pointing(o.camera.rotation, o.camera.frame, None, "like", 0.0)
    elif o.aim_re is not None:
        pointing = pt.aim_pointing(
            position, tuple(float(v) for v in o.aim_re), roll_deg=roll, reference=reference
        )
    elif o.attitude is not None:
        pointing = pt.attitude_pointing(o.attitude, time, roll_deg=roll)
    elif o.rays is not None:
        rays = _normalised_rays(o.rays)
        mean = rays.reshape(-1, 3).mean(axis=0)
        if np.linalg.norm(mean) < 1e-6:
            raise UserInputError("rays: the rays have no mean direction")
        down = -position if reference == "earth" else np.array([-1.0, 0.0, 0.0])
        try:
            rot = pt.camera_rotation(mean, down, roll)
        except UserInputError:
            rot = pt.camera_rotation(mean, np.array([0.0, 0.0, -1.0]), roll)
        pointing = pt.Pointing(rot, "gse", None, "rays", roll)
    else:
        pointing = pt.default_pointing(inst, position, time, roll_deg=roll)
    if o.camera is not None:
        camera = o.camera
    else:
        camera = inst.camera(position, pointing.rotation, shape=o.shape, frame="gse", rays=rays)
    sw_source = o.solar_wind_source or ("given" if o.solar_wind is not None else TYPICAL_SOLAR_WIND)
    notes.append(f"solar wind: {sw_source}")
    cards = {"SWSOURCE": (sw_source[:66], "")}  # where the solar wind values come from
    if o.like:
        cards["LIKEFILE"] = (str(o.like)[-66:], "")  # the observed image imitated

    # What it sees.
    source, model_info = build_source(model_name, dict(o.params), sw, time, inst)
    request_kw: dict[str, Any] = {"max_distance_re": float(o.max_distance_re), "backend": o.backend}
    if o.step_re is not None:
        if not 0.0 < float(o.step_re) <= float(o.max_distance_re):  # one step past the ray: a garbage image
            raise UserInputError(
                f"step = {o.step_re:g} R_E must be > 0 and at most the ray length "
                f"({float(o.max_distance_re):g} R_E)"
            )
        request_kw.update(method="trapezium", step_re=float(o.step_re))
    result = render(RenderRequest(camera=camera, source=source, **request_kw))
    response = compute_response(result.image, camera, inst, exposure_s=o.exposure_s, seed=o.seed)
    out = Path(o.out).expanduser()
    write_synthetic_product(
        out,
        result,
        camera,
        time,
        inst,
        response=response,
        solar_wind=sw,
        model=model_info,
        aim_re=pointing.aim_re,
        extra_cards=cards,
    )
    png = None
    if o.png is not None:
        png = Path(o.png).expanduser()
        title = (
            f"{inst.name.upper()} {time.utc.isot[:19]}  r = ({position[0]:.1f}, {position[1]:.1f}, "
            f"{position[2]:.1f}) R_E  {model_name}"
        )
        write_quicklook_png(png, result.image, camera, result.units, title=title, scale="log")
    prov = result.provenance or {}
    timing = prov.get("timing_ms")
    ms = timing.get("total") if isinstance(timing, dict) else timing
    return SynthProduct(
        out=out,
        png=png,
        instrument=inst.name,
        shape=tuple(camera.shape),
        model=model_name,
        backend=result.backend or "",
        timing_ms=float(ms) if isinstance(ms, (int, float)) else None,
        total_counts=int(response.total_counts),
        exposure_s=float(response.exposure_s),
        notes=tuple(notes),
    )


# ---------------------------------------------------------------------------- synth --like


def _rays_camera(obs, inst) -> Camera:
    """A camera of explicit rays from an observation's per-pixel GSE directions
    (``pixel_directions_gse``, (ny, nx, 3), from ``position_re``)."""
    dirs = np.asarray(obs.pixel_directions_gse, dtype=float)
    if dirs.ndim != 3 or dirs.shape[-1] != 3 or dirs.shape[:2] != tuple(obs.shape):
        raise UserInputError(f"{obs.path}: pixel_directions_gse has shape {dirs.shape}, not {obs.shape} x 3")
    if obs.position_re is None:
        raise UserInputError(f"{obs.path}: per-pixel directions without the observer's position")
    norms = np.linalg.norm(dirs, axis=-1)
    if not np.all(np.isfinite(norms)) or np.any(norms == 0):
        raise UserInputError(f"{obs.path}: some pixel directions are missing or zero")
    rays = dirs / norms[..., None]
    pos = np.asarray(obs.position_re, dtype=float).reshape(3)
    mean = rays.reshape(-1, 3).mean(axis=0)
    try:
        rot = pt.camera_rotation(mean, -pos)
    except UserInputError:
        rot = pt.camera_rotation(mean, np.array([0.0, 0.0, -1.0]))
    ny, nx = obs.shape

    def across(a, b):
        return float(np.degrees(np.arccos(np.clip(a @ b, -1.0, 1.0))))

    fov = (
        min(max(across(rays[ny // 2, 0], rays[ny // 2, -1]) * nx / max(nx - 1, 1), 1e-3), 178.0),
        min(max(across(rays[0, nx // 2], rays[-1, nx // 2]) * ny / max(ny - 1, 1), 1e-3), 178.0),
    )
    return Camera(
        position_re=pos, rotation=rot, fov_deg=fov, shape=(ny, nx), rays=rays, frame="gse", name=inst.name
    )


def options_like(
    observed,
    out,
    *,
    png=None,
    model: str | None = None,
    params: Mapping[str, float] | None = None,
    solar_wind: SolarWind | None = None,
    omni=None,
    instrument=None,
    backend: str = "auto",
    exposure_s: float | None = None,
    seed: int | None = None,
    step_re: float | None = None,
    max_distance_re: float | None = None,
):
    """``(SynthOptions, observation)`` for the synthetic image of an observed one (``synth --like``).

    ``observed``: a path (any file or folder :func:`~smile_viewer.io.observed.load_observed`
    reads: SXI FITS, LEXI photon files, a UVI/WIC image) or an ObservedImage. The camera is the
    observation's: its position (``position_re``, else the default orbit), pointing and pixel
    grid (its per-pixel GSE directions ``pixel_directions_gse`` when it has them, IMAGE FUV's
    camera model; else its celestial WCS or level-3 angles through
    :func:`~smile_viewer.analysis.geometry.match_geometry`); the time is its DATE-OBS and the
    exposure its own. The solar
    wind: ``omni`` (an OMNI file, at the middle of the exposure), else ``solar_wind``, else
    :data:`TYPICAL_SOLAR_WIND`. The ray length is at least the observer's distance + 40 R_E.
    """
    obs = (
        observed
        if isinstance(observed, ObservedImage) or hasattr(observed, "image")
        else load_observed(observed)
    )
    far_uv = obs.units == "R" or str(obs.instrument).lower() in FAR_UV_IMAGERS
    far_uv = far_uv or str(getattr(obs, "format", "")).startswith("image-fuv")
    name = instrument or obs.instrument or ("uvi" if far_uv else "sxi")
    notes: list[str] = []
    try:
        inst = load_instrument(name)
    except UserInputError:
        inst = load_instrument("uvi" if far_uv else "sxi")
        notes.append(
            f"no instrument file for {name!r}: {inst.name.upper()}'s response stands in "
            f"({'a far-UV imager' if far_uv else 'a soft X-ray imager'}; --instrument FILE.json to give one)"
        )
    if getattr(obs, "pixel_directions_gse", None) is not None:
        camera = _rays_camera(obs, inst)  # the file's own camera model (its WCS may approximate it)
    elif obs.wcs is not None or obs.pixel_angles is not None:
        camera = match_geometry(obs, inst).camera
    else:
        raise UserInputError(
            f"{obs.path}: no geometry to imitate (no celestial WCS, level-3 angles or per-pixel directions)"
        )
    time = obs.time_start
    mid = time
    if obs.time_end is not None and obs.time_end > time:
        mid = time + (obs.time_end - time) / 2
    if omni is not None and solar_wind is not None:
        raise UserInputError("give an OMNI file or solar-wind values, not both")
    source = None
    if omni is not None:
        sw = read_solar_wind(omni).at(mid)
        source = f"OMNI file {Path(omni).name} at {mid.utc.isot[:19]}"
    else:
        sw = solar_wind
        source = "given" if solar_wind is not None else TYPICAL_SOLAR_WIND
    r = float(np.linalg.norm(camera.position_re))
    length = max(float(max_distance_re) if max_distance_re is not None else 80.0, r + 40.0)
    opts = SynthOptions(
        instrument=inst,
        out=Path(out),
        png=None if png is None else Path(png),
        time=time,
        camera=camera,
        model=model,
        params=dict(params or {}),
        solar_wind=sw,
        step_re=step_re,
        max_distance_re=length,
        backend=backend,
        exposure_s=exposure_s if exposure_s is not None else obs.exposure_s,
        seed=seed,
        solar_wind_source=source,
        like=str(obs.path),
        notes=tuple(notes),
    )
    return opts, obs
