"""The lines that describe a cube — format, grid, extent, frame, units, variables, solar wind and
time — printed by ``smile-viewer cube-info`` and shown in the GUI's tooltip on the cube field."""

from __future__ import annotations

from typing import Any

from smile_viewer.io.cubes._common import CubeInfo

__all__ = ["describe_cube"]


def _frame_how(prov: dict[str, Any]) -> str:
    f = prov.get("file", {}) if isinstance(prov.get("file"), dict) else {}
    parts = [str(f[k]) for k in ("frame", "frame_source", "reversed_xy") if f.get(k)]
    return "; ".join(parts)


def describe_cube(volume: Any, info: CubeInfo | None) -> list[str]:
    """Lines (label padded to 11 characters) for a read ``volume`` and its header ``info``."""
    prov = volume.provenance if isinstance(volume.provenance, dict) else {}
    file_prov = prov.get("file", {}) if isinstance(prov.get("file"), dict) else {}
    nx, ny, nz = volume.n_xyz
    lines = [f"format     {file_prov.get('format') or (info.format if info else '?')}"]
    lines.append(f"grid       {nx} x {ny} x {nz} nodes (x, y, z)")
    for name, (lo, hi), step in zip("xyz", volume.bounds, volume.spacing_re):
        lines.append(f"  {name}        {lo:.4g} .. {hi:.4g} R_E, step {step:.4g} R_E")
    how = _frame_how(prov)
    lines.append(f"frame      {volume.frame.upper()}" + (f"  ({how})" if how else ""))
    unote = prov.get("units")
    lines.append(f"units      {volume.units}" + (f"  ({unote})" if isinstance(unote, str) and unote else ""))
    source = prov.get("source")
    if source:
        lines.append(f"source     {source}")
    if info is not None and info.variables:
        lines.append("variables  " + "; ".join(str(v) for v in info.variables[:24]))
    sw = file_prov.get("solar_wind") or file_prov.get("header") or (info.solar_wind if info else {})
    if sw:
        lines.append("solar wind " + ", ".join(f"{k}={v}" for k, v in sw.items()))
    t = prov.get("time") or (info.time if info else None)
    lines.append(f"time       {t if t else 'not given by the file'}")
    return lines
