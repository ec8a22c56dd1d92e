"""Boundary meshes exported through pyvista/VTK read back unchanged."""

from __future__ import annotations

import numpy as np
import pytest
import pyvista as pv

from smile_viewer.errors import UserInputError
from smile_viewer.io.meshes import MESH_FORMATS, write_mesh
from smile_viewer.physics.boundaries import mesh_volume, shue1998


@pytest.fixture(scope="module")
def magnetopause_mesh():
    return shue1998(2.0, -1.0).mesh(x_tail_re=-30.0, n_theta=24, n_phi=32)


@pytest.mark.parametrize("suffix", MESH_FORMATS)
def test_mesh_round_trip(tmp_path, magnetopause_mesh, suffix):
    vertices, triangles = magnetopause_mesh
    path = write_mesh(tmp_path / f"mp{suffix}", vertices, triangles, frame="gsm", description="Shue 1998")
    back = pv.read(path).triangulate()
    assert back.n_cells == len(triangles)
    # the enclosed volume survives the format (STL stores float32)
    faces = back.faces.reshape(-1, 4)[:, 1:]
    assert mesh_volume(np.asarray(back.points, dtype=float), faces) == pytest.approx(
        mesh_volume(vertices, triangles), rel=1e-5
    )
    if suffix in (".vtp", ".vtk"):
        assert back.field_data["frame"][0] == "gsm"
        np.testing.assert_allclose(back.points, vertices, rtol=1e-6)


def test_mesh_errors(tmp_path, magnetopause_mesh):
    vertices, triangles = magnetopause_mesh
    with pytest.raises(UserInputError, match="unknown mesh format"):
        write_mesh(tmp_path / "mp.dae", vertices, triangles)
    with pytest.raises(UserInputError, match="does not exist"):
        write_mesh(tmp_path / "nope" / "mp.vtp", vertices, triangles)
    with pytest.raises(UserInputError, match="indices"):
        write_mesh(tmp_path / "mp.vtp", vertices, triangles + len(vertices))
    assert not list(tmp_path.iterdir())  # nothing half-written
