"""Images dock: live synthetic SXI and UVI images, computed off the GUI thread.

The pure half (no Qt; worker-safe): :func:`image_request` turns the application state into a
frozen :class:`ImageRequest` on the GUI thread (the imager's camera at the spacecraft's
position at the scene time, the emissivity model and its inputs); :func:`compute_image` builds
the source and ray-marches it (:func:`smile_viewer.compute.render`) in a worker and returns an
:class:`ImageResult` (the image in physical units, the camera, the model, provenance).

The Qt half: :class:`ImagesDock` — two :class:`~smile_viewer._qt.image_panel.ImagePanel`
(colour scale chooser, colour bar in physical units, value under the cursor). The main
window owns the schedulers and calls :meth:`ImagesDock.show_result`.
"""

from __future__ import annotations

import dataclasses
import time as _time
from typing import Any

import numpy as np
from astropy.time import Time
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QLabel, QSplitter, QVBoxLayout, QWidget

from smile_viewer._qt.image_panel import ImagePanel
from smile_viewer.compute import RenderRequest, render, select_backend
from smile_viewer.compute.sources import emission_source
from smile_viewer.compute.types import AnalyticSource
from smile_viewer.coords.frames import rotation_matrix
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import sxi_pointing
from smile_viewer.physics import emissivity as em
from smile_viewer.physics import models as registry
from smile_viewer.physics.solar_wind import SolarWind
from smile_viewer.state import scene_data as sd

INSTRUMENTS = ("sxi", "uvi")
#: Largest image rendered in one kernel call; bigger ones go in row bands (see compute_image).
TILE_PIXELS = 8_000


@dataclasses.dataclass(frozen=True)
class ImageRequest:
    """Everything :func:`compute_image` needs (built on the GUI thread, read in a worker)."""

    instrument: str
    camera: Any
    model: str
    params: tuple[tuple[str, float], ...]
    solar_wind: Any
    time: Any
    cube_path: str | None = None
    backend: str = "auto"
    max_distance_re: float = 80.0
    #: The orbit, to tell whether the instrument observes at ``time`` (None: not checked).
    orbit: Any = dataclasses.field(default=None, compare=False)


@dataclasses.dataclass(frozen=True)
class ImageResult:
    request: ImageRequest
    image: np.ndarray
    units: str
    source: Any
    model: Any
    provenance: dict
    elapsed_s: float
    #: Why the instrument does not observe at this time ("inside the radiation belts", …), or
    #: None when it observes (or was not checked).
    not_observing: str | None = None

    @property
    def instrument(self) -> str:
        return self.request.instrument

    @property
    def camera(self):
        return self.request.camera

    def title(self) -> str:
        t = self.request.time.utc.strftime("%Y-%m-%d %H:%M UTC")
        model = registry.emissivity_model(self.request.model).title
        return f"{self.request.instrument.upper()} synthetic · {model} · {t}"


#: What each operational constraint (smile_viewer.analysis.constraints) means when it fails.
_NOT_OBSERVING = {
    "radiation_belt": "inside the radiation belts",
    "sxi_radius": "too close to the Earth",
    "sxi_sun": "Sun too close to the boresight",
    "sxi_earth": "Earth in the field",
    "sxi_moon": "Moon in the field",
    "sxi_magnetopause": "magnetopause outside the field",
    "uvi_oval": "auroral oval not in view",
    "uvi_moon": "Moon in the field",
}


def not_observing_reason(instrument: str, time, orbit, profile=None) -> str | None:
    """Why ``instrument`` does not observe at ``time`` by the mission profile's operational
    constraints (:func:`smile_viewer.analysis.constraints.evaluate_constraints`), e.g.
    "inside the radiation belts"; None when every constraint of its windows holds."""
    # lazy: the mission profile's constraints, not loaded by the first window (5 ms)
    from smile_viewer.analysis.constraints import evaluate_constraints, load_profile

    prof = load_profile() if profile is None else profile
    t = Time([time]) if not getattr(time, "shape", ()) else time.reshape(-1)[:1]
    table = evaluate_constraints(t, prof, orbit=orbit, workers=1)
    failed = [n for n in prof.window_constraints(instrument) if n in table.ok and not bool(table.ok[n][0])]
    if not failed:
        return None
    return ", ".join(dict.fromkeys(_NOT_OBSERVING.get(n, n.replace("_", " ")) for n in failed))


def sky_coordinate_function(camera, time):
    """``f(row, col) -> "RA 123.456°, Dec -12.345°"`` for a gnomonic camera at ``time``
    (array position, pixel centres at integers; GEI J2000 ≈ ICRS, see smile_viewer.coords.frames)."""
    to_gei = rotation_matrix(time, camera.frame, "gei") @ np.asarray(camera.rotation)
    ny, nx = camera.shape
    dx, dy = camera.pixel_scale_rad

    def coords(row: float, col: float) -> str:
        v = to_gei @ np.array([(col - (nx - 1) / 2.0) * dx, (row - (ny - 1) / 2.0) * dy, 1.0])
        ra = np.degrees(np.arctan2(v[1], v[0])) % 360.0
        dec = np.degrees(np.arcsin(v[2] / np.linalg.norm(v)))
        return f"RA {ra:.3f}°, Dec {dec:+.3f}°"

    return coords


def image_request(
    app,
    name: str,
    position_gse_re,
    *,
    backend: str = "auto",
    shape: tuple[int, int] | None = None,
    orbit=None,
) -> ImageRequest:
    """The frozen request of imager ``name`` of ``app`` for a spacecraft at ``position_gse_re``."""
    if name not in INSTRUMENTS:
        raise ValueError(f"unknown instrument {name!r}")
    cam, _length = sd.instrument_view(app, name, position_gse_re, frame="gse", shape=shape)
    sw, _note = sd.effective_solar_wind(app)
    models = app.model.models
    model = models.emissivity_model if name == "sxi" else "aurora"
    return ImageRequest(
        instrument=name,
        camera=cam,
        model=model,
        params=tuple(sorted(models.params_for(model).items())) if name == "sxi" else (),
        solar_wind=sw,
        time=app.scene.time,
        cube_path=models.cube_path if registry.emissivity_model(model).kind == "file" else None,
        backend=backend,
        orbit=orbit,
    )


def emissivity_source(req: ImageRequest):
    """``(compute source, model object)`` of a request (model: an EmissivityModel, a Volume or
    an AuroralShell)."""
    return emission_source(req.model, req.solar_wind, req.time, dict(req.params), cube_path=req.cube_path)


def compute_image(req: ImageRequest, ctx=None) -> ImageResult:
    """Build the source and render the image (runs in a worker)."""
    t0 = _time.perf_counter()
    if ctx is not None:
        ctx.progress(0.05, f"{req.instrument.upper()}: model")
    source, model = emissivity_source(req)
    if ctx is not None:
        ctx.check()
        ctx.progress(0.2, f"{req.instrument.upper()}: ray marching")
    cam = req.camera
    ny, nx = cam.shape
    if ny * nx <= TILE_PIXELS:
        result = render(RenderRequest(cam, source, backend=req.backend, max_distance_re=req.max_distance_re))
        image, units, prov = np.asarray(result.image), str(result.units), dict(result.provenance)
    else:
        # Row bands of explicit rays: the compiled kernels hold the GIL while they run, so a
        # large image in one call would freeze the GUI; bands also give progress and cancel.
        rays = np.asarray(cam.ray_directions(), dtype=float)
        inside = np.asarray(cam.inside_field(), dtype=bool)
        rows = max(1, TILE_PIXELS // nx)
        image = np.full((ny, nx), np.nan)
        units, prov = "", {}
        for r0 in range(0, ny, rows):
            r1 = min(ny, r0 + rows)
            band = cam.with_(rays=rays[r0:r1], shape=(r1 - r0, nx), circular=False)
            res = render(
                RenderRequest(band, source, backend=req.backend, max_distance_re=req.max_distance_re)
            )
            image[r0:r1] = res.image
            units, prov = str(res.units), dict(res.provenance)
            if ctx is not None:
                ctx.check()
                ctx.progress(0.2 + 0.8 * r1 / ny, f"{req.instrument.upper()}: ray marching")
            _time.sleep(0)  # let the GUI thread take the GIL between bands
        image[~inside] = np.nan
        prov["tiles"] = -(-ny // rows)
    elapsed = _time.perf_counter() - t0
    reason = None
    if req.orbit is not None:
        try:
            reason = not_observing_reason(req.instrument, req.time, req.orbit)
        except Exception as exc:  # noqa: BLE001 - the image is still worth showing
            prov["observing_check"] = f"not checked: {exc}"
    return ImageResult(req, image, units, source, model, prov, elapsed, reason)


def warm_up(backend: str = "auto") -> tuple[str, str]:
    """A tiny render (compiles/loads numba's kernels) → ``select_backend(backend)``."""
    pos = np.array([10.0, 5.0, 14.0])
    cam = load_instrument("sxi").camera(pos, np.asarray(sxi_pointing(pos).rotation), shape=(8, 8))
    model = em.jorgensen_defaults(SolarWind.from_speed(n_cm3=5.0, v_km_s=400.0))
    render(RenderRequest(cam, AnalyticSource(model), backend=backend))
    rays = np.asarray(cam.ray_directions(), dtype=float)  # the banded path (explicit rays) too
    render(RenderRequest(cam.with_(rays=rays, circular=False), AnalyticSource(model), backend=backend))
    return select_backend(backend)


class ImagesDock(QDockWidget):
    """Two image panels, SXI and UVI (objectName ``imagesDock``)."""

    def __init__(self, parent=None):

        super().__init__("Synthetic images", parent)
        self.setObjectName("imagesDock")
        body = QWidget(self)
        v = QVBoxLayout(body)
        v.setContentsMargins(2, 2, 2, 2)
        split = QSplitter(Qt.Orientation.Vertical, body)
        self.panels = {
            "sxi": ImagePanel(split, scale="sqrt", colormap="inferno"),
            "uvi": ImagePanel(split, scale="linear", colormap="viridis"),
        }
        for name, panel in self.panels.items():
            panel.setObjectName(f"{name}Panel")
            panel.title_label.setText(f"{name.upper()}: computing…")
            split.addWidget(panel)
        v.addWidget(split, 1)
        self.info = QLabel(body)
        self.info.setObjectName("imagesInfo")
        self.info.setWordWrap(True)
        v.addWidget(self.info)
        self.setWidget(body)
        self.results: dict[str, ImageResult] = {}

    def show_result(self, result: ImageResult) -> None:
        self.results[result.instrument] = result
        panel = self.panels[result.instrument]
        panel.set_image(result.image, result.units, result.title())
        cam = result.camera
        panel.set_angular_scale(cam.pixel_size_deg() if cam.rays is None else None)
        panel.set_coordinate_function(
            sky_coordinate_function(cam, result.request.time) if cam.rays is None else None
        )
        panel.set_not_observing(result.not_observing)
        bits = [
            f"{n.upper()} {r.image.shape[1]}×{r.image.shape[0]} in {r.elapsed_s * 1000:.0f} ms"
            for n, r in self.results.items()
        ]
        self.info.setText("<small>" + " · ".join(bits) + " — click a pixel for its line of sight</small>")

    def show_error(self, name: str, message: str) -> None:
        self.panels[name].title_label.setText(f"{name.upper()}: {message}")
