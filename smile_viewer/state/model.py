"""Evented models of the physics the user chose: solar wind, boundary and emissivity models,
field-line tracing (pydantic + psygnal; no Qt, no vispy).

- :class:`SolarWindInputs` — n, v, Bz, By, Bx, T with their units in the names, validated
  as a whole through :class:`smile_viewer.physics.solar_wind.SolarWind` (an impossible
  combination is refused and the model keeps its old values), plus an optional OMNI file
  (``omni_path``): when set, the solar wind follows the scene time and the fields are the
  fallback used outside the file's coverage.
- :class:`ModelSettings` — the magnetopause model and the emissivity source (keys of the
  model registry :mod:`smile_viewer.physics.models`; ``plasma`` and ``cube`` are files of MHD
  moments or of emissivity) with parameter overrides per model, and the file they read.
- :class:`FieldLineSettings` — the field model (IGRF or dipole + T89/T96/none), Kp (set, or
  derived from the solar wind by Newell et al. 2008), and the seed set.
- :class:`ModelState` — the three together.

Dict fields (``ModelSettings.emissivity_params``) emit an event only when a new dict is
assigned: use :meth:`ModelSettings.set_param` rather than mutating the dict in place.
"""

from __future__ import annotations

import math
import warnings
from typing import ClassVar, Literal

from psygnal import EventedModel
from pydantic import ConfigDict, Field, field_validator, model_validator

from smile_viewer.errors import UserInputError
from smile_viewer.physics import models

__all__ = [
    "BOUNDARY_MODELS",
    "EMISSIVITY_MODELS",
    "EMISSIVITY_PARAM_NAMES",
    "FieldLineSettings",
    "ModelSettings",
    "ModelState",
    "SolarWindInputs",
]

#: Magnetopause models the scene can draw (keys of :mod:`smile_viewer.physics.models`).
BOUNDARY_MODELS: tuple[str, ...] = tuple(models.magnetopause_models())
#: Emissivity sources of the emission volume and the synthetic SXI images.
EMISSIVITY_MODELS: tuple[str, ...] = tuple(models.emissivity_models(band="sxi"))
#: Parameters each source lets the user override (none for the file sources).
EMISSIVITY_PARAM_NAMES: dict[str, tuple[str, ...]] = {
    key: entry.parameter_names for key, entry in models.emissivity_models(band="sxi").items()
}

_STRICT = ConfigDict(validate_assignment=True, extra="forbid")


def _finite(value, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} = {value!r} is not a number") from None
    if not math.isfinite(x):
        raise ValueError(f"{name} = {value!r} is not a finite number")
    return x


def _optional_path_text(value) -> str | None:
    """A file path typed or stored by the user: stripped text, or None when empty."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _registry_key(value, allowed: tuple[str, ...], lookup) -> str:
    """The registry key of a model name (aliases and case accepted), or ValueError."""
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a model name")
    try:
        key = lookup(value).key
    except UserInputError:
        key = None
    if key not in allowed:
        raise ValueError(f"unknown model {value!r}; expected one of {', '.join(allowed)}")
    return key


class _CheckedWhole(EventedModel):
    """An evented model whose assignments are checked against the whole model first.

    pydantic's ``validate_assignment`` runs "after" model validators once the new value is
    already in place and leaves it there when they fail; here a copy with the new value is
    validated first, so a refused assignment changes nothing and emits nothing; subscribers
    receive the validated value (a float for a number field, a lower-case model name).
    """

    def __setattr__(self, name: str, value) -> None:
        if name in type(self).model_fields:
            checked = type(self).model_validate({**self.model_dump(), name: value})
            value = getattr(checked, name)
        super().__setattr__(name, value)


class SolarWindInputs(_CheckedWhole):
    """Upstream solar wind, as the user sets it (units in the names; :attr:`UNITS`).

    The flow is radial (v along -X GSE), the IMF is in GSM. Every assignment is checked by
    building a :class:`~smile_viewer.physics.solar_wind.SolarWind`: a value it refuses (n <= 0,
    a speed above 3,000 km/s, T < 0, …) raises ``ValueError`` (pydantic's
    ``ValidationError``) naming the field, and nothing changes.

    ``omni_path``: an OMNI file (ASCII or CDF, ``smile_viewer.io.omni``); when set, the solar
    wind follows the scene time (``smile_viewer.state.scene_data.effective_solar_wind``) and
    these fields are used only where the file has no data.
    """

    model_config = _STRICT

    UNITS: ClassVar[dict[str, str]] = {
        "n_cm3": "cm^-3",
        "v_km_s": "km/s",
        "bz_nt": "nT",
        "by_nt": "nT",
        "bx_nt": "nT",
        "t_k": "K",
    }

    n_cm3: float = 5.0
    v_km_s: float = 400.0
    bz_nt: float = -2.0
    by_nt: float = 0.0
    bx_nt: float = 0.0
    t_k: float = 1.0e5
    omni_path: str | None = None

    @field_validator("n_cm3", "v_km_s", "bz_nt", "by_nt", "bx_nt", "t_k", mode="before")
    @classmethod
    def _finite_number(cls, value, info):
        if isinstance(value, bool):
            raise ValueError(f"{info.field_name} = {value!r} is not a number")
        return _finite(value, info.field_name)

    @field_validator("omni_path", mode="before")
    @classmethod
    def _path_text(cls, value):
        return _optional_path_text(value)

    @model_validator(mode="after")
    def _physical(self):
        self.to_solar_wind()
        return self

    def to_solar_wind(self):
        """The :class:`~smile_viewer.physics.solar_wind.SolarWind` of these inputs (ValueError if refused)."""
        # lazy: keeps coords/mission (~40 ms) out of the GUI's start-up import of state
        from smile_viewer.physics.solar_wind import SolarWind, SolarWindWarning

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SolarWindWarning)  # unusual but possible: allowed
            return SolarWind.from_speed(
                n_cm3=self.n_cm3,
                v_km_s=self.v_km_s,
                bz_nt=self.bz_nt,
                by_nt=self.by_nt,
                bx_nt=self.bx_nt,
                t_k=self.t_k,
            )

    @property
    def pd_npa(self) -> float:
        """Dynamic pressure (OMNI convention) [nPa]."""
        return float(self.to_solar_wind().pd_npa)


class ModelSettings(_CheckedWhole):
    """Which boundary and emissivity models, with what parameters.

    - ``boundary_model``: the magnetopause, one of :data:`BOUNDARY_MODELS`;
    - ``aberration``: turn the boundaries' axis into the aberrated solar wind direction;
    - ``emissivity_model``: one of :data:`EMISSIVITY_MODELS`;
    - ``emissivity_params``: ``{model: {parameter: value}}`` overrides of the analytic models'
      defaults (names in :data:`EMISSIVITY_PARAM_NAMES`); kept per model, so switching models
      and back keeps them;
    - ``cube_path``: the file of the ``plasma`` (MHD moments) or ``cube`` (emissivity) source.
    """

    model_config = _STRICT

    boundary_model: str = models.DEFAULT_MAGNETOPAUSE
    aberration: bool = False
    emissivity_model: str = models.DEFAULT_EMISSIVITY
    emissivity_params: dict[str, dict[str, float]] = Field(default_factory=dict)
    cube_path: str | None = None

    @field_validator("boundary_model", mode="before")
    @classmethod
    def _known_boundary(cls, value):
        return _registry_key(value, BOUNDARY_MODELS, models.boundary_model)

    @field_validator("emissivity_model", mode="before")
    @classmethod
    def _known_emissivity(cls, value):
        return _registry_key(value, EMISSIVITY_MODELS, models.emissivity_model)

    @field_validator("emissivity_params")
    @classmethod
    def _check_params(cls, value: dict[str, dict[str, float]]):
        out: dict[str, dict[str, float]] = {}
        for model, params in value.items():
            if model not in EMISSIVITY_PARAM_NAMES:
                raise ValueError(
                    f"emissivity_params: unknown model {model!r}; expected one of {EMISSIVITY_MODELS}"
                )
            allowed = EMISSIVITY_PARAM_NAMES[model]
            unknown = sorted(set(params) - set(allowed))
            if unknown:
                raise ValueError(
                    f"emissivity_params[{model!r}]: unknown parameter(s) {unknown}; "
                    f"expected some of {list(allowed) or 'none'}"
                )
            out[model] = {k: _finite(v, f"emissivity_params[{model!r}][{k!r}]") for k, v in params.items()}
        return out

    @field_validator("cube_path", mode="before")
    @classmethod
    def _path_text(cls, value):
        return _optional_path_text(value)

    @model_validator(mode="after")
    def _needs_file(self):
        if models.emissivity_model(self.emissivity_model).kind == "file" and not self.cube_path:
            raise ValueError(f"emissivity model {self.emissivity_model!r} needs a file: set cube_path")
        return self

    def update(self, values, recurse: bool = True) -> None:
        """Update several fields; the file and the model are assigned in the order that keeps
        every intermediate state valid (the file first when one is given)."""
        if not isinstance(values, dict):
            values = values.model_dump()
        checked = type(self).model_validate({**self.model_dump(), **values})  # all or nothing
        values = {k: getattr(checked, k) for k in values}
        if values.get("cube_path"):
            values = {"cube_path": values.pop("cube_path"), **values}
        elif "cube_path" in values:
            values = {**values, "cube_path": values.pop("cube_path")}
        super().update(values, recurse=recurse)

    def params_for(self, model: str | None = None) -> dict[str, float]:
        """The overrides of ``model`` (default: the chosen one), a copy."""
        return dict(self.emissivity_params.get(model or self.emissivity_model, {}))

    def set_param(self, name: str, value: float | None, model: str | None = None) -> None:
        """Override (or with ``None`` reset) one parameter of ``model`` (default: the chosen one)."""
        model = model or self.emissivity_model
        params = {k: dict(v) for k, v in self.emissivity_params.items()}
        mine = params.setdefault(model, {})
        if value is None:
            mine.pop(name, None)
        else:
            mine[name] = value
        if not mine:
            params.pop(model)
        self.emissivity_params = params

    def choose_file(self, path: str, kind: Literal["plasma", "cube"] = "cube") -> None:
        """Use the file ``path`` as the emissivity source (``kind``: emissivity ``cube`` or MHD
        ``plasma`` moments); checked first, so a bad choice changes nothing."""
        checked = type(self).model_validate(
            {**self.model_dump(), "emissivity_model": kind, "cube_path": path}
        )
        self.cube_path = checked.cube_path  # allowed with any model
        self.emissivity_model = checked.emissivity_model


#: Default seeds: magnetic latitudes [deg] of the footpoints (north positive), per MLT meridian.
DEFAULT_SEED_LATITUDES_DEG: tuple[float, ...] = (62.0, 67.0, 71.0, 74.0, 77.0, 81.0, -74.0, -77.0, -81.0)
#: Default seed meridians [h MLT]: noon–midnight and dawn–dusk.
DEFAULT_SEED_MLT_H: tuple[float, ...] = (0.0, 6.0, 12.0, 18.0)


class FieldLineSettings(EventedModel):
    """How field lines are traced and seeded.

    - ``internal``: "igrf" (IGRF-14 at the scene time) or "dipole"; ``external``: "t89",
      "t96" or "none";
    - ``kp``: Kp for T89 (0..9), or ``None`` to derive it from the solar wind (Newell et al.
      2008); ``dst_nt``: Dst for T96 (the other T96 inputs come from the solar wind);
    - seeds: footpoints at ``seed_radius_re`` on the magnetic meridians ``seed_mlt_h`` [h]
      at the magnetic latitudes ``seed_latitudes_deg`` (centred dipole, SM), plus
      ``imf_lines`` straight IMF lines upstream of the bow shock when the IMF is not zero.
    """

    model_config = _STRICT

    internal: Literal["igrf", "dipole"] = "igrf"
    external: Literal["t89", "t96", "none"] = "t89"
    kp: float | None = Field(None, ge=0.0, le=9.0)
    dst_nt: float = Field(-10.0, ge=-500.0, le=100.0)
    seed_latitudes_deg: tuple[float, ...] = DEFAULT_SEED_LATITUDES_DEG
    seed_mlt_h: tuple[float, ...] = DEFAULT_SEED_MLT_H
    seed_radius_re: float = Field(1.05, gt=1.0, le=3.0)
    imf_lines: bool = True

    @field_validator("seed_latitudes_deg")
    @classmethod
    def _lats(cls, value):
        if len(value) > 200:
            raise ValueError("at most 200 seed latitudes")
        for v in value:
            if not (math.isfinite(v) and -90.0 < v < 90.0):
                raise ValueError(f"seed latitude {v} must be within (-90, 90) degrees")
        return tuple(float(v) for v in value)

    @field_validator("seed_mlt_h")
    @classmethod
    def _mlts(cls, value):
        if len(value) > 48:
            raise ValueError("at most 48 seed meridians")
        for v in value:
            if not (math.isfinite(v) and 0.0 <= v < 24.0):
                raise ValueError(f"seed MLT {v} must be within [0, 24) hours")
        return tuple(float(v) for v in value)


class ModelState(EventedModel):
    """The physics the user chose: solar wind, models, field lines (nested, evented)."""

    model_config = _STRICT

    solar_wind: SolarWindInputs = Field(default_factory=SolarWindInputs)
    models: ModelSettings = Field(default_factory=ModelSettings)
    field_lines: FieldLineSettings = Field(default_factory=FieldLineSettings)
