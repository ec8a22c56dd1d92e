"""The model registry: every emissivity and boundary model the application offers, defined once.

Each entry says what a model is (key, title, citation), what it takes (parameters with
units, fit bounds and search steps), how it is built from the solar wind, which compute
kernel evaluates it, in which frame it lives and where its subsolar magnetopause is. GUI
lists, command-line choices, batch options, fits and planning constraints all read this
module; nothing else names a model. How to add one: docs/architecture.md#how-to-add-a-model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from smile_viewer.errors import UserInputError
from smile_viewer.physics import boundaries as _bnd
from smile_viewer.physics import cmem2 as _cmem2
from smile_viewer.physics import emissivity as _em
from smile_viewer.physics import emissivity_kernels as _k

__all__ = [
    "BOW_SHOCK_MODEL",
    "DEFAULT_AURORA",
    "DEFAULT_EMISSIVITY",
    "DEFAULT_MAGNETOPAUSE",
    "LEVEL4_MODEL",
    "BoundaryModel",
    "EmissivityModelEntry",
    "Parameter",
    "boundary_model",
    "bow_shock_models",
    "build_emissivity",
    "emissivity_model",
    "emissivity_models",
    "fittable_models",
    "magnetopause_models",
    "register_boundary",
    "register_emissivity",
]

_INF = math.inf
#: The bow shock drawn with every magnetopause (the one bow-shock model registered).
BOW_SHOCK_MODEL = "jelinek2012"
#: What is used where the user has not chosen: the magnetopause, the SXI emissivity model and
#: the UVI source.
DEFAULT_MAGNETOPAUSE = "shue1998"
DEFAULT_EMISSIVITY = "jorgensen"
DEFAULT_AURORA = "aurora"
#: The model of the SXI team's level-4 fits (swharton1/SXI_L4_V1): the default of fit series.
LEVEL4_MODEL = "cmem2"


@dataclass(frozen=True)
class Parameter:
    """One model parameter: ``unit`` ("" when dimensionless), ``bounds`` while fitting,
    ``step`` the typical size of a change (the fit's search unit; None: 10 % of the value),
    ``amplitude`` True when the emission scales linearly with it."""

    name: str
    unit: str
    description: str
    bounds: tuple[float, float] = (-_INF, _INF)
    step: float | None = None
    amplitude: bool = False


@dataclass(frozen=True)
class EmissivityModelEntry:
    """A source of emissivity (soft X-ray, or the aurora for UVI).

    ``kind``: "analytic" (evaluated in a compute kernel, ``kernel_id``), "file" (read from
    the file the user gives) or "aurora" (the UVI emission shell). ``build(sw, tilt_rad,
    **overrides)`` returns the model for a :class:`~smile_viewer.physics.solar_wind.SolarWind`
    and dipole tilt [rad] (analytic models only). ``frame`` is the frame the model is
    defined in ("gse" or "gsm"; "gsm" models depend on the tilt). ``standoff_re(model)`` is
    the subsolar magnetopause [R_E]. ``size_parameter`` is the parameter that sets the
    magnetopause size (freed by default in fits, with the common amplitude scale);
    ``fit_inputs`` are model inputs that may be freed besides the published parameters;
    ``fit_oversample`` rays per fit bin along each axis by default; ``bow_shock_parameter``
    the absolute bow-shock distance a fit keeps at its start offset from the magnetopause (None
    when the model places the bow shock relative to the magnetopause itself).
    """

    key: str
    title: str
    citation: str
    kind: str
    band: str = "sxi"
    parameters: tuple[Parameter, ...] = ()
    kernel_id: int | None = None
    build: Callable[..., Any] | None = None
    frame: str = "gse"
    standoff_re: Callable[[Any], float] | None = None
    size_parameter: str | None = None
    fit_inputs: tuple[Parameter, ...] = ()
    fit_oversample: int = 1
    bow_shock_parameter: str | None = None
    aliases: tuple[str, ...] = ()

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters)

    @property
    def needs_tilt(self) -> bool:
        return self.frame == "gsm"

    @property
    def fittable(self) -> bool:
        return self.kind == "analytic" and self.size_parameter is not None

    @property
    def amplitudes(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.parameters if p.amplitude)

    def parameter(self, name: str) -> Parameter:
        for p in self.parameters + self.fit_inputs:
            if p.name == name:
                return p
        raise UserInputError(
            f"{self.key}: unknown parameter {name!r}; valid: {', '.join(self.parameter_names)}"
        )

    def model(self, solar_wind: Any, *, tilt_rad: float = 0.0, **overrides: float):
        """The model for ``solar_wind`` (and the tilt, for GSM models) with parameter overrides."""
        if self.build is None:
            raise UserInputError(f"{self.key} is not built from the solar wind ({self.kind} source)")
        return self.build(solar_wind, tilt_rad, **overrides)


@dataclass(frozen=True)
class BoundaryModel:
    """A magnetopause or bow-shock surface: ``build(sw, tilt_rad)`` gives a
    :class:`~smile_viewer.physics.boundaries.BoundarySurface`; ``frame`` "gsm" when it
    depends on the dipole tilt, else "any" (axisymmetric about X)."""

    key: str
    title: str
    citation: str
    kind: str
    build: Callable[[Any, float], Any] = field(repr=False)
    frame: str = "any"
    aliases: tuple[str, ...] = ()
    standoff_array: Callable[..., Any] | None = field(default=None, repr=False)

    @property
    def needs_tilt(self) -> bool:
        return self.frame == "gsm"

    def standoff_re(self, pd_npa, bz_nt, pm_npa=0.0, tilt_rad=0.0):
        """Subsolar distance [R_E] for arrays of inputs (nPa, nT GSM, nPa, rad); NaN where an
        input is NaN or out of the model's domain."""
        return self.standoff_array(pd_npa, bz_nt, pm_npa, tilt_rad)

    def surface(self, solar_wind: Any, tilt_rad: float | None = None):
        """The surface for a SolarWind-like ``solar_wind`` (``pd_npa``, ``pm_npa``, ``bz_nt``)."""
        if self.needs_tilt and tilt_rad is None:
            raise UserInputError(f"model {self.key} needs the dipole tilt: pass tilt_rad (radians)")
        return self.build(solar_wind, 0.0 if tilt_rad is None else float(tilt_rad))


_EMISSIVITY: dict[str, EmissivityModelEntry] = {}
_BOUNDARY: dict[tuple[str, str], BoundaryModel] = {}


def _normal(key: str) -> str:
    if not isinstance(key, str):
        raise UserInputError(f"model name {key!r} is not text")
    return key.strip().lower().replace("-", "_")


def register_emissivity(entry: EmissivityModelEntry) -> EmissivityModelEntry:
    """Add an emissivity model (its key and aliases must be new)."""
    for name in (entry.key, *entry.aliases):
        if _find_emissivity(name) is not None:
            raise ValueError(f"emissivity model {name!r} is registered already")
    _EMISSIVITY[entry.key] = entry
    return entry


def register_boundary(entry: BoundaryModel) -> BoundaryModel:
    """Add a magnetopause or bow-shock model (its key and aliases must be new for its kind)."""
    for name in (entry.key, *entry.aliases):
        if (entry.kind, _normal(name)) in _BOUNDARY or _alias_of(entry.kind, name) is not None:
            raise ValueError(f"{entry.kind} model {name!r} is registered already")
    _BOUNDARY[(entry.kind, entry.key)] = entry
    return entry


def _find_emissivity(name: str) -> EmissivityModelEntry | None:
    key = _normal(name)
    if key in _EMISSIVITY:
        return _EMISSIVITY[key]
    return next((e for e in _EMISSIVITY.values() if key in e.aliases), None)


def _alias_of(kind: str, name: str) -> BoundaryModel | None:
    key = _normal(name)
    return next((b for (k, _), b in _BOUNDARY.items() if k == kind and key in b.aliases), None)


def emissivity_models(*, kind: str | None = None, band: str | None = None) -> dict[str, EmissivityModelEntry]:
    """The registered emissivity models (in registration order), optionally of one kind/band."""
    return {
        k: e
        for k, e in _EMISSIVITY.items()
        if (kind is None or e.kind == kind) and (band is None or e.band == band)
    }


def fittable_models() -> dict[str, EmissivityModelEntry]:
    """The analytic models a fit can adjust (those with a magnetopause size parameter)."""
    return {k: e for k, e in _EMISSIVITY.items() if e.fittable}


def emissivity_model(name: str) -> EmissivityModelEntry:
    """The entry of ``name`` (a key or an alias; case, blanks and ``-``/``_`` ignored)."""
    entry = _find_emissivity(name)
    if entry is None:
        raise UserInputError(f"unknown emissivity model {name!r}; choose from {', '.join(_EMISSIVITY)}")
    return entry


def build_emissivity(name: str, solar_wind: Any, *, tilt_rad: float = 0.0, **overrides: float):
    """The analytic model ``name`` for ``solar_wind`` and the dipole tilt [rad], with overrides."""
    entry = emissivity_model(name)
    if entry.kind != "analytic":
        raise UserInputError(
            f"{entry.key} is a {entry.kind} source, not an analytic model; "
            f"analytic models: {', '.join(emissivity_models(kind='analytic'))}"
        )
    return entry.model(solar_wind, tilt_rad=tilt_rad, **overrides)


def magnetopause_models() -> dict[str, BoundaryModel]:
    return {key: b for (kind, key), b in _BOUNDARY.items() if kind == "magnetopause"}


def bow_shock_models() -> dict[str, BoundaryModel]:
    return {key: b for (kind, key), b in _BOUNDARY.items() if kind == "bow_shock"}


def boundary_model(name: str, kind: str = "magnetopause") -> BoundaryModel:
    """The ``kind`` ("magnetopause" or "bow_shock") model ``name`` (key or alias)."""
    key = _normal(name)
    entry = _BOUNDARY.get((kind, key)) or _alias_of(kind, key)
    if entry is None:
        names = ", ".join(k for (kd, k) in _BOUNDARY if kd == kind)
        raise UserInputError(f"unknown {kind.replace('_', ' ')} model {name!r}; choose from {names}")
    return entry


# ---------------------------------------------------------------------------- the models
_EMIS = ("eV cm^-3 s^-1", "emissivity amplitude")
_FLARE = (0.1, 1.5)


def _flaring(name: str, what: str) -> Parameter:
    return Parameter(name, "", f"{what} flaring exponent", _FLARE, 0.05)


def _sheath_exponents() -> tuple[Parameter, Parameter]:
    return (
        Parameter("alpha", "", "sheath radial exponent", (0.0, 10.0), 0.2),
        Parameter("beta", "", "sheath radial exponent change with sin^2 theta", (-10.0, 10.0), 0.2),
    )


_R_BS = Parameter("r_bs", "R_E", "subsolar bow shock", (6.0, 40.0), 0.5)
#: Model inputs a fit may free besides the published parameters of the Lin-based models.
_CMEM_FIT_INPUTS = (
    Parameter("pd_npa", "nPa", "dynamic pressure of the Lin et al. (2010) magnetopause", (0.05, 50.0)),
)

register_emissivity(
    EmissivityModelEntry(
        key=_em.JorgensenModel.name,
        title="Jorgensen et al. (2019)",
        citation=_em.JorgensenModel.reference,
        kind="analytic",
        parameters=(
            Parameter("r_mp", "R_E", "subsolar magnetopause", (5.0, 25.0), 0.5),
            _R_BS,
            Parameter("A1", *_EMIS, (0.0, _INF), amplitude=True),
            Parameter("A2", "eV cm^-3 s^-1", "solar-wind emissivity at 10 R_E", (0.0, _INF), amplitude=True),
            Parameter("B", "eV cm^-3 s^-1", "sheath emissivity change with sin^8 theta", amplitude=True),
            *_sheath_exponents(),
            _flaring("ay_mp", "magnetopause y"),
            _flaring("az_mp", "magnetopause z"),
            _flaring("ay_bs", "bow-shock y"),
            _flaring("az_bs", "bow-shock z"),
        ),
        kernel_id=_k.MODEL_JORGENSEN,
        build=lambda sw, tilt, **over: _em.jorgensen_defaults(sw, **over),
        standoff_re=lambda m: float(m.r_mp),
        size_parameter="r_mp",
        fit_oversample=2,
        bow_shock_parameter="r_bs",
        aliases=("jorg",),
    )
)

register_emissivity(
    EmissivityModelEntry(
        key=_em.CMEMModel.name,
        title="CMEM (Wharton et al. 2025)",
        citation=_em.CMEMModel.reference,
        kind="analytic",
        parameters=(
            Parameter("p0", "", "magnetopause size scale (of Lin et al. 2010)", (0.3, 3.0), 0.05),
            _R_BS,
            Parameter("A1", *_EMIS, (0.0, _INF), amplitude=True),
            Parameter("A2", "eV cm^-3 s^-1", "solar-wind emissivity at 10 R_E", (0.0, _INF), amplitude=True),
            Parameter("B", "", "sheath fall-off: factor exp(-B (theta/2)^4)", (0.0, 50.0), 0.5),
            *_sheath_exponents(),
            Parameter("p1", "", "magnetopause flaring scale", (0.2, 5.0), 0.1),
            Parameter("p2", "", "cusp depth scale", (0.0, 20.0), 0.5),
            Parameter("p3", "", "cusp width scale", (0.0, 30.0), 0.5),
            _flaring("ay_bs", "bow-shock y"),
            _flaring("az_bs", "bow-shock z"),
        ),
        kernel_id=_k.MODEL_CMEM,
        build=lambda sw, tilt, **over: _em.cmem_defaults(sw, tilt_rad=tilt, **over),
        frame="gsm",
        standoff_re=lambda m: float(m.magnetopause_standoff_re),
        size_parameter="p0",
        fit_inputs=_CMEM_FIT_INPUTS,
        fit_oversample=1,
        bow_shock_parameter="r_bs",
    )
)

register_emissivity(
    EmissivityModelEntry(
        key=_cmem2.CMEM2Model.name,
        title=_cmem2.CMEM2_TITLE,
        citation=_cmem2.CMEM2Model.reference,
        kind="analytic",
        parameters=tuple(Parameter(*info) for info in _cmem2.CMEM2_PARAMETER_INFO),
        kernel_id=_cmem2.CMEM2Model.model_id,
        build=lambda sw, tilt, **over: _cmem2.cmem2_defaults(sw, tilt_rad=tilt, **over),
        frame="gsm",
        standoff_re=lambda m: float(m.magnetopause_standoff_re),
        size_parameter="p0",
        fit_inputs=_CMEM_FIT_INPUTS,
        fit_oversample=1,
    )
)

register_emissivity(
    EmissivityModelEntry(
        key=_em.ExosphereModel.name,
        title="Exosphere only (unshocked solar wind)",
        citation=_em.ExosphereModel.reference,
        kind="analytic",
        parameters=(
            Parameter("n0_cm3", "cm^-3", "exospheric hydrogen density at 10 R_E", (0.0, _INF)),
            Parameter("alpha_ev_cm2", "eV cm^2", "charge-exchange efficiency", (0.0, _INF)),
            Parameter("r_inner_re", "R_E", "no emission inside this radius", (0.0, _INF)),
        ),
        kernel_id=_k.MODEL_EXOSPHERE,
        build=lambda sw, tilt, **over: _em.exosphere_model(
            sw, **_only(over, ("n0_cm3", "alpha_ev_cm2", "r_inner_re"), "exosphere")
        ),
    )
)

register_emissivity(
    EmissivityModelEntry(
        key="plasma",
        title="MHD plasma file (n, T, v → emissivity)",
        citation="plasma moments turned into emissivity with the exosphere model, magnetosphere masked "
        "(docs/reference.md#emissivity-from-plasma-moments)",
        kind="file",
    )
)

register_emissivity(
    EmissivityModelEntry(
        key="cube",
        title="Emissivity cube file",
        citation="an emissivity (or production-rate) cube read from a file (docs/architecture.md#file-formats)",
        kind="file",
    )
)

register_emissivity(
    EmissivityModelEntry(
        key="aurora",
        title="Aurora (Zhang & Paxton 2008, LBH-long)",
        citation="Zhang & Paxton (2008), J. Atmos. Sol.-Terr. Phys. 70, 1231-1242",
        kind="aurora",
        band="uvi",
        parameters=(
            Parameter(
                "kp", "", "planetary Kp index (default: Newell et al. 2008 from the solar wind)", (0.0, 9.0)
            ),
        ),
    )
)

register_emissivity(
    EmissivityModelEntry(
        key="dayglow",
        title="FUV dayglow (scale x f + quadratic x f^2 + background, f = cos SZA / cos DZA), fitted to an image",
        citation="Ohma et al. (2024), Earth Planet. Phys. 8, 247-257, doi:10.26464/epp2023051 "
        "(physics/aurora/dayglow.py; docs/analysis.md#dayglow)",
        kind="dayglow",
        band="uvi",
        parameters=(
            Parameter(
                "scale", "image units", "dayglow slope in f = cos SZA / cos DZA", (0.0, _INF), amplitude=True
            ),
            Parameter("quadratic", "image units", "curvature in f (toward the limb)", amplitude=True),
            Parameter("background", "image units", "constant floor (detector, stars)", amplitude=True),
        ),
    )
)


def _only(overrides: Mapping[str, float], allowed: tuple[str, ...], model: str) -> dict[str, float]:
    unknown = sorted(set(overrides) - set(allowed))
    if unknown:
        raise UserInputError(f"{model}: unknown parameter(s) {unknown}; expected some of {list(allowed)}")
    return dict(overrides)


def _pressures(sw: Any) -> tuple[float, float]:
    try:
        return sw.pd_npa, sw.bz_nt
    except AttributeError as exc:
        raise UserInputError(f"solar wind {sw!r} has no {exc.name} (pd_npa nPa, bz_nt nT)") from None


def _v(sw: Any):
    v = getattr(sw, "v_gse_km_s", None)
    return None if v is None else tuple(float(c) for c in v)


def _lin(sw: Any, tilt: float):
    pd, bz = _pressures(sw)
    pm = getattr(sw, "pm_npa", None)
    if pm is None:
        raise UserInputError(f"solar wind {sw!r} has no pm_npa (IMF magnetic pressure, nPa)")
    return _bnd.lin2010(pd, pm, bz, tilt, v_sw_km_s=_v(sw))


register_boundary(
    BoundaryModel(
        "shue1997",
        "Shue et al. (1997)",
        _bnd.Shue1997Magnetopause.reference,
        "magnetopause",
        lambda sw, tilt: _bnd.shue1997(*_pressures(sw), v_sw_km_s=_v(sw)),
        standoff_array=_bnd.Shue1997Magnetopause.standoff_array,
    )
)
register_boundary(
    BoundaryModel(
        "shue1998",
        "Shue et al. (1998)",
        _bnd.Shue1998Magnetopause.reference,
        "magnetopause",
        lambda sw, tilt: _bnd.shue1998(*_pressures(sw), v_sw_km_s=_v(sw)),
        standoff_array=_bnd.Shue1998Magnetopause.standoff_array,
    )
)
register_boundary(
    BoundaryModel(
        "lin2010",
        "Lin et al. (2010)",
        _bnd.Lin2010Magnetopause.reference,
        "magnetopause",
        _lin,
        frame="gsm",
        standoff_array=_bnd.Lin2010Magnetopause.standoff_array,
    )
)
register_boundary(
    BoundaryModel(
        "jelinek2012",
        "Jelínek et al. (2012)",
        _bnd.Jelinek2012Magnetopause.reference,
        "magnetopause",
        lambda sw, tilt: _bnd.jelinek2012_magnetopause(_pressures(sw)[0], v_sw_km_s=_v(sw)),
        aliases=(_bnd.Jelinek2012Magnetopause.key,),
        standoff_array=_bnd.Jelinek2012Magnetopause.standoff_array,
    )
)
register_boundary(
    BoundaryModel(
        "jelinek2012",
        "Jelínek et al. (2012)",
        _bnd.Jelinek2012BowShock.reference,
        "bow_shock",
        lambda sw, tilt: _bnd.jelinek2012_bow_shock(_pressures(sw)[0], v_sw_km_s=_v(sw)),
        aliases=(_bnd.Jelinek2012BowShock.key,),
        standoff_array=_bnd.Jelinek2012BowShock.standoff_array,
    )
)
