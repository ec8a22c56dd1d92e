"""The compute source of a registered model: one function for the GUI, the CLI and batch jobs.

:func:`emission_source` turns a model key of :mod:`smile_viewer.physics.models` (an analytic
model, a file source or the aurora), the solar wind and the time into the source a render
request takes, with the model object for headers and provenance.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from smile_viewer.compute.types import AnalyticSource, AuroraSource, VolumeSource
from smile_viewer.coords import dipole_tilt
from smile_viewer.errors import UserInputError
from smile_viewer.physics import models as registry
from smile_viewer.physics.aurora import AuroralShell

__all__ = ["emission_source"]


def emission_source(
    model: str,
    solar_wind: Any,
    time: Any,
    params: dict[str, float] | None = None,
    *,
    cube_path: str | Path | None = None,
    band: str | None = None,
):
    """``(source, model object)`` of the registered ``model`` at ``time`` (astropy Time).

    ``params`` override the model's defaults (for the aurora: ``kp``). ``cube_path`` is the
    file of a file source, or a cube sequence (a folder, glob or JSON index,
    :mod:`smile_viewer.io.cubes.sequence`): then the cube at ``time``. ``band`` ("sxi"/"uvi"),
    when given, refuses a model of the other band.
    The model object is an EmissivityModel, a Volume or an AuroralShell.
    """
    entry = registry.emissivity_model(model)
    params = dict(params or {})
    if band is not None and entry.band != band:
        if band == "uvi":
            raise UserInputError(
                f"UVI images the aurora: use the aurora model (or a cube in R/R_E), not {entry.key}"
            )
        raise UserInputError(
            f"{band.upper()} images soft X-rays: the {entry.key} model is for {entry.band.upper()}"
        )
    unknown = sorted(set(params) - set(entry.parameter_names))
    if unknown:
        valid = ", ".join(entry.parameter_names) or "none"
        raise UserInputError(f"{entry.key}: unknown parameter(s) {unknown}; valid: {valid}")
    if entry.kind == "aurora":
        shell = (
            AuroralShell.from_kp(params["kp"]) if "kp" in params else AuroralShell.from_solar_wind(solar_wind)
        )
        return AuroraSource(shell, time), shell
    if entry.kind == "file":
        # the cube readers bring pyvista/xarray/h5py (about a second): only when a file is read
        # lazy: cube sequences, with the cube readers (~70 ms), needed for cube files only
        from smile_viewer.io.cubes.sequence import is_sequence_spec, shared_sequence

        # lazy: one cube in memory for the 3-D view and every image, with the cube readers
        from smile_viewer.io.cubes.shared import shared_cube

        if not cube_path:
            raise UserInputError(f"emissivity model {entry.key!r} needs a file")
        if is_sequence_spec(cube_path):  # a folder, glob or index: the cube at ``time``
            volume = shared_sequence(cube_path).volume_at(time)
        else:
            volume = shared_cube(Path(cube_path).expanduser())
        return VolumeSource(volume, time), volume
    tilt = float(np.asarray(dipole_tilt(time)).reshape(())) if entry.needs_tilt else 0.0
    built = entry.model(solar_wind, tilt_rad=tilt, **params)
    if entry.frame == "gse":
        return AnalyticSource(built), built
    return AnalyticSource(built, frame=entry.frame, time=time), built
