"""A synthetic SXI or UVI image product, what ``smile-viewer synth`` makes: :func:`make_synthetic`
takes typed :class:`SynthOptions`; the command line (:mod:`smile_viewer.cli.synth`) parses them.

Where (a time on the default orbit, or a position), the pointing (the instrument's law, an aim
point, an attitude file or explicit rays), the model and solar wind, the integrator, the
instrument response; then the FITS product and an optional PNG quicklook. Mistakes end with
exit status 2 and one line. Options: docs/cli.md#synth.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

from smile_viewer.errors import UserInputError

__all__ = ["SOLAR_WIND_KEYS", "add_synth_parser", "parse_params", "parse_solar_wind", "run_synth"]

MODELS = ("jorgensen", "cmem", "plasma", "aurora", "cube:PATH")
SOLAR_WIND_KEYS = ("n", "v", "vx", "vy", "vz", "bx", "by", "bz", "t", "he")
_EXOSPHERE_PARAMS = ("n0_cm3", "alpha_ev_cm2", "r_inner_re")
_AURORA_PARAMS = ("kp",)


# ---------------------------------------------------------------------------- parsing


def _number(text: str, what: str) -> float:
    try:
        v = float(str(text).strip())
    except ValueError:
        raise UserInputError(f"{what}: {text!r} is not a number") from None
    if not math.isfinite(v):
        raise UserInputError(f"{what}: {text!r} is not a finite number")
    return v


def _triple(text: str, what: str) -> tuple[float, float, float]:
    parts = str(text).replace(" ", "").split(",")
    if len(parts) != 3:
        raise UserInputError(f"{what} must be X,Y,Z (three numbers), got {text!r}")
    x, y, z = (_number(p, what) for p in parts)
    return x, y, z


def parse_pixels(text: str) -> tuple[int, int]:
    """'WxH' → (ny, nx)."""
    try:
        w, h = (int(v) for v in str(text).lower().split("x"))
    except ValueError:
        raise UserInputError(f"--pixels must look like 265x155 (W x H), got {text!r}") from None
    if not (2 <= w <= 8192 and 2 <= h <= 8192):
        raise UserInputError(f"--pixels {w}x{h} out of range (2..8192 a side)")
    return h, w


def parse_positive(text: str, what: str) -> float:
    v = _number(text, what)
    if v <= 0:
        raise UserInputError(f"{what} must be > 0, got {text!r}")
    return v


def parse_params(items) -> dict[str, float]:
    """``["A1=3e-5", "r_mp=10"]`` → ``{"A1": 3e-5, "r_mp": 10.0}`` (names kept as typed)."""
    out: dict[str, float] = {}
    for item in items or ():
        if "=" not in item:
            raise UserInputError(f"--param must be NAME=VALUE, got {item!r}")
        name, value = (s.strip() for s in item.split("=", 1))
        if not name:
            raise UserInputError(f"--param must be NAME=VALUE, got {item!r}")
        if name in out:
            raise UserInputError(f"--param {name} given twice")
        out[name] = _number(value, f"--param {name}")
    return out


def parse_solar_wind(text: str | None):
    """``"n=5,v=400,bz=-5"`` → :class:`~smile_viewer.physics.solar_wind.SolarWind`."""
    from smile_viewer.physics.solar_wind import SolarWind

    values: dict[str, float] = {}
    if text:
        for item in str(text).split(","):
            item = item.strip()
            if not item:
                continue
            if "=" not in item:
                raise UserInputError(f"--solar-wind items must be KEY=VALUE, got {item!r}")
            k, v = (s.strip().lower() for s in item.split("=", 1))
            if k not in SOLAR_WIND_KEYS:
                raise UserInputError(f"--solar-wind: unknown key {k!r}; valid keys: {', '.join(SOLAR_WIND_KEYS)}")
            if k in values:
                raise UserInputError(f"--solar-wind: {k} given twice")
            values[k] = _number(v, f"--solar-wind {k}")
    if "v" in values and any(k in values for k in ("vx", "vy", "vz")):
        raise UserInputError("--solar-wind: give v (radial speed) or vx,vy,vz, not both")
    if any(k in values for k in ("vx", "vy", "vz")):
        v_gse = (values.get("vx", -400.0), values.get("vy", 0.0), values.get("vz", 0.0))
    else:
        speed = values.get("v", 400.0)
        if speed <= 0:
            raise UserInputError(f"--solar-wind v must be > 0 km/s, got {speed:g}")
        v_gse = (-speed, 0.0, 0.0)
    return SolarWind(
        n_cm3=values.get("n", 5.0),
        v_gse_km_s=v_gse,
        t_k=values.get("t", 1.0e5),
        b_gsm_nt=(values.get("bx", 0.0), values.get("by", 0.0), values.get("bz", 0.0)),
        he_ratio=values.get("he"),
    )


# ---------------------------------------------------------------------------- argparse


def add_synth_parser(sub) -> argparse.ArgumentParser:
    """Register ``synth`` on the command line's sub-parsers."""
    p = sub.add_parser(
        "synth",
        help="synthetic SXI/UVI image: render, instrument response, FITS product (+ PNG)",
        description="Render a synthetic SXI or UVI image from the SMILE orbit and write a FITS product.",
    )
    p.add_argument("--instrument", required=True, metavar="sxi|uvi",
                   help="instrument: sxi, uvi, or an instrument JSON file")
    p.add_argument("--out", required=True, metavar="FILE.fits", help="output FITS product")
    p.add_argument("--png", metavar="FILE.png", help="also write a PNG quicklook")
    p.add_argument("--time", metavar="T", help="observation time, ISO 8601 UTC (position from the default orbit)")
    p.add_argument("--position", metavar="X,Y,Z", help="spacecraft position, GSE, R_E (overrides the orbit)")
    point = p.add_mutually_exclusive_group()
    point.add_argument("--aim", metavar="X,Y,Z", help="aim point, GSE, R_E")
    point.add_argument("--attitude", metavar="FILE", help="attitude quaternions (J2000), JSON or CSV")
    point.add_argument("--rays", metavar="FILE.npy", help="explicit ray directions: H x W x 3 GSE unit vectors")
    p.add_argument("--roll", metavar="DEG", default="0", help="extra roll about the boresight [deg]")
    p.add_argument("--model", metavar="NAME", default=None,
                   help="jorgensen (SXI default), cmem, plasma (exosphere only), cube:PATH, aurora (UVI default)")
    p.add_argument("--param", metavar="NAME=VALUE", action="append", default=[],
                   help="model parameter (repeatable), names as in smile_viewer.physics.emissivity")
    p.add_argument("--solar-wind", metavar="n=5,v=400,bz=5,...", dest="solar_wind", default=None,
                   help=f"solar wind, keys {','.join(SOLAR_WIND_KEYS)}")
    p.add_argument("--pixels", metavar="WxH", help="pixel grid (default: the instrument's)")
    p.add_argument("--step", metavar="R_E", help="fixed trapezium step instead of the adaptive integrator")
    p.add_argument("--max-distance", metavar="R_E", dest="max_distance", default="80",
                   help="ray length [R_E] (default 80)")
    p.add_argument("--backend", default="auto", choices=("auto", "cuda", "cpu", "numpy"), help="render backend")
    p.add_argument("--exposure", metavar="S", help="exposure [s] (default: the instrument's)")
    p.add_argument("--seed", metavar="N", help="seed of the Poisson noise")
    return p


# ---------------------------------------------------------------------------- the work


def _check_output(path: str, what: str) -> Path:
    out = Path(path).expanduser()
    if out.is_dir():
        raise UserInputError(f"{what} {path} is a directory")
    parent = out.parent if str(out.parent) else Path(".")
    if not parent.is_dir():
        raise UserInputError(f"{what} {path}: directory {parent} does not exist")
    return out


def _load_rays(path: str):
    import numpy as np

    p = Path(path).expanduser()
    if not p.is_file():
        raise UserInputError(f"--rays {path}: no such file")
    try:
        rays = np.load(p, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise UserInputError(f"--rays {path}: not a readable .npy array ({exc})") from None
    if rays.ndim != 3 or rays.shape[-1] != 3 or min(rays.shape[:2]) < 2:
        raise UserInputError(f"--rays {path}: need an H x W x 3 array (H, W >= 2), got shape {rays.shape}")
    if not np.issubdtype(rays.dtype, np.number) or not np.all(np.isfinite(rays)):
        raise UserInputError(f"--rays {path}: values must be finite numbers")
    norms = np.linalg.norm(rays, axis=-1)
    if np.any(norms == 0):
        raise UserInputError(f"--rays {path}: zero-length ray vectors")
    return rays / norms[..., None]


def resolve_model_name(args, inst) -> str:
    name = args.model if args.model is not None else ("aurora" if inst.image_units == "R" else "jorgensen")
    key = name.strip()
    low = key.lower()
    if low.startswith("cube:"):
        if not key[5:].strip():
            raise UserInputError("--model cube:PATH needs a path")
        return "cube:" + key[5:].strip()
    if low not in ("jorgensen", "cmem", "plasma", "aurora"):
        raise UserInputError(f"unknown --model {name!r}; choose from {', '.join(MODELS)}")
    return low


def build_source(model_name: str, params: dict, sw, time, inst):
    """(source, model object or description for the header)."""
    from smile_viewer.compute.types import AnalyticSource, AuroraSource, VolumeSource
    from smile_viewer.physics import emissivity as em

    xray = inst.image_units != "R"
    if model_name == "aurora":
        if xray:
            raise UserInputError(f"{inst.name.upper()} images soft X-rays: --model aurora is for UVI")
        unknown = sorted(set(params) - set(_AURORA_PARAMS))
        if unknown:
            raise UserInputError(f"aurora: unknown parameter(s) {unknown}; valid: {', '.join(_AURORA_PARAMS)}")
        from smile_viewer.physics.aurora import AuroralShell

        if "kp" in params:
            kp = params["kp"]
            shell = AuroralShell.from_kp(kp)
        else:
            from smile_viewer.physics.aurora import kp_from_solar_wind

            kp = float(kp_from_solar_wind(sw))
            shell = AuroralShell.from_solar_wind(sw)
        return AuroraSource(shell, time), {"model": "aurora", "parameters": {"kp": float(kp)},
                                           "description": shell.parameters}
    if model_name.startswith("cube:"):
        if params:
            raise UserInputError("a cube takes no --param (its values are the emissivity)")
        from smile_viewer.io.cubes import read_cube

        path = model_name[5:]
        if not Path(path).expanduser().exists():
            raise UserInputError(f"cube {path}: no such file")
        volume = read_cube(Path(path).expanduser())
        src = VolumeSource(volume, time)
        if src.units != inst.image_units:
            raise UserInputError(f"cube {path} gives images in {src.units!r}, "
                                 f"{inst.name.upper()} needs {inst.image_units!r}")
        return src, {"model": "cube", "parameters": {}, "path": str(path)}
    if not xray:
        raise UserInputError(f"UVI images the aurora: use --model aurora (or a cube in R/R_E), not {model_name}")
    if model_name == "plasma":
        unknown = sorted(set(params) - set(_EXOSPHERE_PARAMS))
        if unknown:
            raise UserInputError(f"plasma: unknown parameter(s) {unknown}; valid: {', '.join(_EXOSPHERE_PARAMS)}")
        model = em.exosphere_model(sw, **params)
        return AnalyticSource(model), model
    if model_name == "cmem":
        from smile_viewer.coords import dipole_tilt

        tilt = float(dipole_tilt(time))
        model = em.cmem_defaults(sw, tilt_rad=tilt, **params)
        return AnalyticSource(model, frame="gsm", time=time), model
    model = em.jorgensen_defaults(sw, **params)
    return AnalyticSource(model), model


def _render(request):
    try:
        from smile_viewer.compute import render
    except ImportError:  # pragma: no cover - only while the engine is missing
        raise UserInputError("the render engine (smile_viewer.compute.render) is not available") from None
    return render(request)


def run_synth(args: argparse.Namespace) -> int:
    """Carry out ``smile-viewer synth`` (parsed ``args``); returns the exit status."""
    import numpy as np

    from smile_viewer.compute.types import RenderRequest
    from smile_viewer.coords.timeparse import parse_time
    from smile_viewer.io.products import write_synthetic_product
    from smile_viewer.mission import pointing as pt
    from smile_viewer.mission.instruments import load_instrument
    from smile_viewer.mission.response import compute_response

    notes: list[str] = []
    inst = load_instrument(args.instrument)
    out = _check_output(args.out, "--out")
    png = _check_output(args.png, "--png") if args.png else None

    # Numbers first: a typo should fail before any work.
    roll = _number(args.roll, "--roll")
    max_distance = parse_positive(args.max_distance, "--max-distance")
    step = parse_positive(args.step, "--step") if args.step is not None else None
    exposure = parse_positive(args.exposure, "--exposure") if args.exposure is not None else None
    seed = None
    if args.seed is not None:
        try:
            seed = int(str(args.seed).strip())
        except ValueError:
            raise UserInputError(f"--seed: {args.seed!r} is not an integer") from None
        if seed < 0:
            raise UserInputError(f"--seed must be >= 0, got {seed}")
    shape = parse_pixels(args.pixels) if args.pixels else None
    params = parse_params(args.param)
    sw = parse_solar_wind(args.solar_wind)
    model_name = resolve_model_name(args, inst)

    # Where and when.
    if args.time is None and args.position is None:
        raise UserInputError("give --time (position from the default orbit) or --position X,Y,Z")
    if args.time is not None:
        time = parse_time(args.time)
    else:
        from smile_viewer.mission.orbit import default_orbit

        time = default_orbit().epoch
        notes.append(f"no --time: using {time.utc.isot} (the default orbit's epoch) for the attitude and WCS")
    if args.position is not None:
        position = np.array(_triple(args.position, "--position"))
    else:
        from smile_viewer.mission.orbit import default_orbit

        position = np.asarray(default_orbit().position(time, "gse"), dtype=float).reshape(3)
    r = float(np.linalg.norm(position))
    if r <= 1.0:
        xyz = ",".join(f"{v:g}" for v in position)
        raise UserInputError(f"position {xyz} R_E is inside the Earth (|r| = {r:.3g} R_E)")

    # Where it looks.
    rays = None
    reference = "sun" if inst.image_units == "R" else "earth"
    if args.aim is not None:
        pointing = pt.aim_pointing(position, _triple(args.aim, "--aim"), roll_deg=roll, reference=reference)
    elif args.attitude is not None:
        if not Path(args.attitude).expanduser().is_file():
            raise UserInputError(f"--attitude {args.attitude}: no such file")
        pointing = pt.attitude_pointing(Path(args.attitude).expanduser(), time, roll_deg=roll)
    elif args.rays is not None:
        if shape is not None:
            raise UserInputError("--pixels cannot be combined with --rays (the rays set the grid)")
        rays = _load_rays(args.rays)
        mean = rays.reshape(-1, 3).mean(axis=0)
        if np.linalg.norm(mean) < 1e-6:
            raise UserInputError(f"--rays {args.rays}: the rays have no mean direction")
        down = -position if reference == "earth" else np.array([-1.0, 0.0, 0.0])
        try:
            rot = pt.camera_rotation(mean, down, roll)
        except UserInputError:
            rot = pt.camera_rotation(mean, np.array([0.0, 0.0, -1.0]), roll)
        pointing = pt.Pointing(rot, "gse", None, "rays", roll)
    else:
        pointing = pt.default_pointing(inst, position, time, roll_deg=roll)
    camera = inst.camera(position, pointing.rotation, shape=shape, frame="gse", rays=rays)

    # What it sees.
    source, model_info = build_source(model_name, params, sw, time, inst)
    request_kw: dict[str, Any] = {"max_distance_re": max_distance, "backend": args.backend}
    if step is not None:
        request_kw.update(method="trapezium", step_re=step)
    request = RenderRequest(camera=camera, source=source, **request_kw)
    result = _render(request)
    response = compute_response(result.image, camera, inst, exposure_s=exposure, seed=seed)
    write_synthetic_product(out, result, camera, time, inst, response=response, solar_wind=sw,
                            model=model_info, aim_re=pointing.aim_re)
    ny, nx = camera.shape
    prov = result.provenance or {}
    timing = prov.get("timing_ms")
    ms = timing.get("total") if isinstance(timing, dict) else timing
    ms_text = f", {float(ms):.0f} ms" if isinstance(ms, (int, float)) else ""
    for n in notes:
        print(n)
    print(f"wrote {out} ({inst.name.upper()} {nx}x{ny}, {model_name}, backend {result.backend or '?'}{ms_text}; "
          f"{response.total_counts} counts in {response.exposure_s:g} s)")
    if png is not None:
        from smile_viewer.io.quicklook import write_quicklook_png

        title = (f"{inst.name.upper()} {time.utc.isot[:19]}  r = ({position[0]:.1f}, {position[1]:.1f}, "
                 f"{position[2]:.1f}) R_E  {model_name}")
        write_quicklook_png(png, result.image, camera, result.units, title=title, scale="log")
        print(f"wrote {png}")
    return 0
