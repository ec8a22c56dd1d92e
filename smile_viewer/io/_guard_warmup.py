"""Imported once by the fork server of io.guarded: reads a tiny VTK image and tiny netCDF-3/4
files so that each guarded child starts with VTK's readers initialised and xarray's backends
(and the dask import it makes on first use) loaded: a few hundred ms saved per cube read.
Importing it anywhere else does nothing (the fork server is started with
``SMILE_VIEWER_GUARD_SERVER=1`` in its environment)."""

from __future__ import annotations

import os
import tempfile

import numpy as np


def _warm_up() -> None:
    try:
        import pyvista as pv  # lazy: runs only in the guard's fork server, to preload these
    except ImportError:  # pragma: no cover - pyvista is a dependency
        return
    with tempfile.TemporaryDirectory(prefix="smile-viewer-warmup-") as tmp:
        g = pv.ImageData(dimensions=(3, 3, 3))
        g.point_data["eta"] = np.zeros(27, np.float32)
        for name in ("w.vti", "w.vtk"):
            path = os.path.join(tmp, name)
            try:
                g.save(path)
                pv.read(path)
            except Exception:  # noqa: BLE001, S110 - a warm-up only
                pass
        try:
            import xarray as xr  # lazy: runs only in the guard's fork server, to preload these

            ds = xr.Dataset({"eta": (("x",), np.zeros(3, np.float32))})
            for engine in ("scipy", "h5netcdf"):
                path = os.path.join(tmp, f"w_{engine}.nc")
                ds.to_netcdf(path, engine=engine)
                xr.open_dataset(path, engine=engine, cache=False).close()
        except Exception:  # noqa: BLE001, S110 - a warm-up only
            pass


if os.environ.get("SMILE_VIEWER_GUARD_SERVER") == "1":
    _warm_up()
