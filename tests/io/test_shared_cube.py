"""One cube in memory for the 3-D view and the synthetic images (smile_viewer.io.cubes.shared):
the same Volume object for both, its array handed to the compute kernel without a copy, and the
synthetic image integrating the full-resolution grid (not the 3-D view's block means).

The cube is written with astropy in the community FITS layout (swharton1/Emissivity_Cubes
``convert_to_fits``: primary (z, y, x) array, image extensions x, y, z in R_E)."""

from __future__ import annotations

import os

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time

import smile_viewer.compute.backends as backends
from smile_viewer.compute import Camera, RenderRequest, look_rotation, render
from smile_viewer.compute.sources import emission_source
from smile_viewer.io.cubes.shared import clear_shared_cube, shared_cube
from smile_viewer.physics.block_mean import block_mean
from smile_viewer.physics.emissivity import LOS_FACTOR
from smile_viewer.state import AppState
from smile_viewer.state.scene_data import build_emission_volume

N = 64
X0 = 4.0  # x nodes 4 … 67 R_E (clear of the Earth), y and z -31.5 … 31.5 R_E, 1 R_E apart
ETA = 2e-5


def striped_cube(path, n=N):
    """η = ETA on even x nodes, 0 on odd ones: any block average along x halves a ray that runs
    along y on an even node."""
    x = X0 + np.arange(n, dtype=float)
    yz = -0.5 * (n - 1) + np.arange(n, dtype=float)
    data = np.zeros((n, n, n), np.float32)
    data[:, :, 0::2] = ETA
    hdu = fits.PrimaryHDU(data)
    hdu.header["FRAME"] = "GSE"
    fits.HDUList([hdu, *(fits.ImageHDU(a, name=k) for a, k in ((x, "x"), (yz, "y"), (yz, "z")))]).writeto(
        path
    )
    return path


@pytest.fixture
def cube(tmp_path):
    clear_shared_cube()
    yield striped_cube(tmp_path / "striped.fits")
    clear_shared_cube()


def test_one_volume_for_the_view_and_the_images(cube):
    t = Time("2026-03-20T12:00:00")
    vol = shared_cube(cube)
    assert shared_cube(str(cube)) is vol
    _, model = emission_source("cube", None, t, cube_path=cube)
    assert model is vol
    app = AppState()
    app.model.models.choose_file(str(cube), "cube")
    assert build_emission_volume(app) is vol
    # a changed file is read again
    st = os.stat(cube)
    os.utime(cube, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert shared_cube(cube) is not vol


def test_the_image_integrates_the_full_grid_without_a_copy(cube, monkeypatch):
    vol = shared_cube(cube)
    seen = []
    prepare = backends._prepare

    def spy(leaf, request, *a):
        prep = prepare(leaf, request, *a)
        seen.append(prep.values)
        return prep

    monkeypatch.setattr(backends, "_prepare", spy)
    src, _ = emission_source("cube", None, Time("2026-03-20T12:00:00"), cube_path=cube)
    # one ray along +y on the even x node i = 10 (x = 14 R_E) and z node k = 32 (z = 0.5 R_E)
    cam = Camera(np.array([X0 + 10.0, -40.0, 0.5]), look_rotation((0.0, 1.0, 0.0)), (1.0, 1.0), (1, 1))
    got = float(render(RenderRequest(cam, src, backend="cpu")).image[0, 0])
    assert len(seen) == 1 and seen[0] is not None and np.shares_memory(seen[0], vol.values)
    length = float(N - 1)  # the ray crosses the grid from y = -31.5 to 31.5 R_E
    assert got == pytest.approx(length * ETA * LOS_FACTOR, rel=1e-6)
    # the 3-D view's block means (2 × 2 × 2) would give half of it: the image is full resolution
    assert np.allclose(block_mean(vol.values, (2, 2, 2)), ETA / 2)
