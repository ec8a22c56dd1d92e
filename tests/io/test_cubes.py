"""Reading and writing emissivity / MHD cubes: FITS, VTK (pyvista), netCDF/HDF5 (xarray).

Every test writes real files in tmp_path with the format's own library and reads them back
through smile_viewer.io.cubes. Fields are analytic: a linear field must survive trilinear
resampling exactly (to float32 rounding), a Gaussian blob within the interpolation error.
"""

from __future__ import annotations

import os

import h5netcdf  # noqa: F401,E402  (dependencies of the package: a missing one must fail, not skip)
import h5py  # noqa: E402
import numpy as np
import pytest
import pyvista as pv  # noqa: E402
import xarray as xr  # noqa: E402
from astropy.io import fits

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.cubes import (
    CubeWarning,
    cube_format,
    cube_info,
    read_cube,
    read_fits_cube,
    read_netcdf_cube,
    solar_wind_from_header,
    write_fits_cube,
)
from smile_viewer.physics.boundaries import shue1997
from smile_viewer.physics.emissivity import effective_speed_km_s, plasma_emissivity
from smile_viewer.physics.exosphere import hydrogen_density_cm3
from smile_viewer.physics.solar_wind import SolarWind
from smile_viewer.physics.volume import Volume
from smile_viewer.resources import asset_path

RTOL32 = 2e-6  # float32 storage


def linear(x, y, z):
    return 2.0e-6 * x - 1.0e-6 * y + 0.5e-6 * z + 5.0e-5


def linear_pts(p):
    return linear(p[..., 0], p[..., 1], p[..., 2])


def gauss(x, y, z):
    return 1.0e-5 * np.exp(-((x - 9.0) ** 2 + y**2 + z**2) / (2 * 2.0**2))


def grid(x, y, z, f=linear):
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    return f(xx, yy, zz)


def random_points(n, lo, hi, seed=1):
    rng = np.random.default_rng(seed)
    return rng.uniform(lo, hi, size=(n, 3))


# ======================================================================================
# FITS
# ======================================================================================


def community_fits(path, x, y, z, data, **header):
    """A cube written the way swharton1/Emissivity_Cubes' convert_to_fits does: float64
    primary array (z, y, x), ImageHDUs named x, y, z, lower-case solar-wind keywords."""
    hdu = fits.PrimaryHDU()
    hdu.data = data
    for k, v in {"bx": 0.0, "by": 0.0, "bz": 5.0, "vx": 400.0, "vy": 0.0, "vz": 0.0, "density": 5.0,
                 "pdyn": 1.34, "pmag": 0.01, "temp": 2e5, **header}.items():  # fmt: skip
        hdu.header[k] = v
    hdul = fits.HDUList(
        [
            hdu,
            fits.ImageHDU(data=x, name="x"),
            fits.ImageHDU(data=y, name="y"),
            fits.ImageHDU(data=z, name="z"),
        ]
    )
    hdul.writeto(path, overwrite=True)
    return path


@pytest.fixture
def awkward_volume():
    rng = np.random.default_rng(3)
    vals = rng.random((5, 6, 7), dtype=np.float32) * 1e-5
    return Volume(vals, (-3.0, 2 / 7 * 1e-5, 0.1), (60 / 127, 0.3, 2 / 7), frame="gse",
                  provenance={"model": "test", "params": [1, 2.5], "unicode": "R_E ×"})  # fmt: skip


def test_fits_round_trip_is_exact(tmp_path, awkward_volume):
    sw = SolarWind(n_cm3=7.0, v_gse_km_s=(-450.0, 10.0, -5.0), t_k=2e5, b_gsm_nt=(1.0, -2.0, -3.0))
    path = write_fits_cube(
        tmp_path / "cube.fits", awkward_volume, sw, dipole_tilt_deg=12.5, time="2026-05-01T12:30"
    )
    back = read_cube(path)
    v = awkward_volume
    assert back.values.dtype == np.float32
    assert np.array_equal(back.values, v.values)
    assert back.origin_re == v.origin_re and back.spacing_re == v.spacing_re
    assert (back.frame, back.units) == ("gse", v.units)
    for k in ("model", "params", "unicode"):
        assert back.provenance[k] == v.provenance[k]
    h = fits.getheader(path)
    assert (h["NAXIS1"], h["NAXIS2"], h["NAXIS3"]) == (7, 6, 5)
    assert (h["DENSITY"], h["VX"], h["VY"], h["VZ"], h["BX"], h["BY"], h["BZ"], h["TEMP"]) == (
        7.0,
        -450.0,
        10.0,
        -5.0,
        1.0,
        -2.0,
        -3.0,
        2e5,
    )
    assert h["PDYN"] == pytest.approx(sw.pd_npa) and h["DIPOLE"] == 12.5 and h["TIME"] == "2026/05/01 12:30"
    with fits.open(path) as hdul:  # the community's reader: hdul['x'] etc.
        np.testing.assert_array_equal(hdul["x"].data, v.x)
        np.testing.assert_array_equal(hdul["z"].data, v.z)
    got = solar_wind_from_header(h)
    assert got.n_cm3 == 7.0 and got.b_gsm_nt == (1.0, -2.0, -3.0)
    assert back.provenance["file"]["header"]["DENSITY"] == 7.0
    # no temporary files left behind, ordinary permissions
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cube.fits"]
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_fits_gz_round_trip_and_reproducible_bytes(tmp_path, awkward_volume):
    a = write_fits_cube(tmp_path / "a.fits.gz", awkward_volume)
    b = write_fits_cube(tmp_path / "b.fits.gz", awkward_volume)
    assert a.read_bytes()[:2] == b"\x1f\x8b" and a.read_bytes() == b.read_bytes()
    assert np.array_equal(read_cube(a).values, awkward_volume.values)


def test_fits_community_layout_is_read(tmp_path):
    x = np.linspace(-20, 30, 26, dtype=np.float32)
    y = np.linspace(-25, 25, 21, dtype=np.float32)
    z = np.linspace(-25, 25, 11, dtype=np.float32)
    data = grid(x.astype(float), y.astype(float), z.astype(float))
    path = community_fits(tmp_path / "S05D05V400B0000-05rad.fits", x, y, z, data)
    v = read_fits_cube(path)
    assert v.values.shape == (11, 21, 26) and v.frame == "gsm"
    assert "assumed GSM" in v.provenance["file"]["frame"]
    assert v.provenance["file"]["header"]["DENSITY"] == 5.0
    pts = random_points(200, (-20, -25, -25), (30, 25, 25))
    np.testing.assert_allclose(v.sample(pts), linear_pts(pts), rtol=RTOL32)
    info = cube_info(path)
    assert info.shape == (11, 21, 26) and info.bounds_re == ((-20, 30), (-25, 25), (-25, 25))
    assert info.solar_wind["VX"] == 400.0 and info.frame is None


def test_fits_gse_conversion_history_and_frame_override(tmp_path):
    x = y = z = np.linspace(-4, 4, 5)
    path = community_fits(tmp_path / "Summer_00.00_fieldlines_GSE.fits", x, y, z, grid(x, y, z))
    with fits.open(path, mode="update") as hdul:
        hdul[0].header["history"] = "Created using: Emissivity_Cubes/convert_cube_to_gse.py"
    assert read_cube(path).frame == "gse"
    assert read_cube(path, frame="gsm").frame == "gsm"


def test_fits_decreasing_axis_is_reversed_with_the_data(tmp_path):
    x = np.linspace(20, -10, 16)  # OpenGGCM-style x, decreasing
    y = np.linspace(-5, 5, 6)
    z = np.linspace(-5, 5, 6)
    path = community_fits(tmp_path / "og.fits", x, y, z, grid(x, y, z))
    v = read_cube(path)
    assert v.origin_re[0] == -10 and v.spacing_re[0] == pytest.approx(2.0)
    assert v.provenance["file"]["reversed_axes"] == ["x"]
    pts = random_points(100, (-10, -5, -5), (20, 5, 5))
    np.testing.assert_allclose(v.sample(pts), linear_pts(pts), rtol=RTOL32)


def test_fits_nonuniform_axes_error_or_resample(tmp_path):
    x = np.array([-10.0, -8, -5, -1, 0, 2, 5, 9, 14, 20])
    y = z = np.linspace(-6, 6, 7)
    path = community_fits(tmp_path / "stretched.fits", x, y, z, grid(x, y, z))
    with pytest.raises(
        DataFileError,
        match=r"stretched\.fits: the x axis is not uniform \(steps from 1 to 6 R_E\).*nonuniform='resample'",
    ):
        read_cube(path)
    v = read_cube(path, nonuniform="resample", spacing_re=0.5)
    assert v.spacing_re == (0.5, 0.5, 0.5) and v.n_xyz == (61, 25, 25)
    np.testing.assert_allclose(v.values, grid(v.x, v.y, v.z), rtol=RTOL32)
    assert v.provenance["resampled"]["method"].startswith("trilinear")


def test_fits_atomic_write_leaves_the_old_file_on_failure(tmp_path, awkward_volume, monkeypatch):
    path = write_fits_cube(tmp_path / "keep.fits", awkward_volume)
    before = path.read_bytes()

    def boom(self, *a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(fits.HDUList, "writeto", boom)
    with pytest.raises(OSError, match="disk full"):
        write_fits_cube(path, awkward_volume)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.fits"]


def test_fits_write_refuses_bad_input(tmp_path, awkward_volume):
    write_fits_cube(tmp_path / "a.fits", awkward_volume)
    with pytest.raises(DataFileError, match="already exists"):
        write_fits_cube(tmp_path / "a.fits", awkward_volume, overwrite=False)
    with pytest.raises(UserInputError, match="ends in .fits"):
        write_fits_cube(tmp_path / "a.dat", awkward_volume)
    with pytest.raises(UserInputError, match="needs a Volume"):
        write_fits_cube(tmp_path / "b.fits", np.zeros((2, 2, 2)))
    p = write_fits_cube(tmp_path / "c.fits", awkward_volume, {"DENSITY": 5.0, "VX": -400.0, "DIPOLE_Y": 3.0})
    h = fits.getheader(p)
    assert (h["DENSITY"], h["VX"], h["DIPOLE_Y"]) == (5.0, -400.0, 3.0)


# -- FITS error paths --------------------------------------------------------------------


def test_missing_empty_directory_and_unknown_files(tmp_path):
    with pytest.raises(DataFileError, match=r"nope\.fits: no such file"):
        read_cube(tmp_path / "nope.fits")
    (tmp_path / "empty.fits").write_bytes(b"")
    with pytest.raises(DataFileError, match=r"empty\.fits: is empty \(0 bytes\)"):
        read_cube(tmp_path / "empty.fits")
    with pytest.raises(DataFileError, match="is a directory"):
        read_cube(tmp_path)
    (tmp_path / "junk.fits").write_bytes(b"hello world" * 100)
    with pytest.raises(DataFileError, match=r"junk\.fits: is not a FITS file"):
        read_cube(tmp_path / "junk.fits")
    (tmp_path / "notes.txt").write_text("x y z\n")
    with pytest.raises(DataFileError, match=r"notes\.txt: is not a cube format read here: expected FITS"):
        read_cube(tmp_path / "notes.txt")
    (tmp_path / "run.cdf").write_bytes(b"\xcd\xf3\x00\x01" + b"\0" * 100)
    assert cube_format(tmp_path / "run.cdf") == "openggcm"  # NASA CDF: an OpenGGCM run
    with pytest.raises(DataFileError, match=r"run\.cdf: is not a readable CDF file"):
        read_cube(tmp_path / "run.cdf")


def test_fits_truncated_file(tmp_path, awkward_volume):
    big = Volume(np.ones((20, 30, 40), np.float32), (0, 0, 0), (1, 1, 1))
    path = write_fits_cube(tmp_path / "t.fits", big)
    path.write_bytes(path.read_bytes()[:20000])
    with pytest.raises(DataFileError, match=r"t\.fits: is truncated or corrupt"):
        read_cube(path)


def test_fits_wrong_dimensionality_and_missing_extension(tmp_path):
    fits.HDUList([fits.PrimaryHDU(np.zeros((4, 5)))]).writeto(tmp_path / "flat.fits")
    with pytest.raises(
        DataFileError, match=r"flat\.fits: the primary array has 2 axes \(shape \(4, 5\)\): expected 3"
    ):
        read_cube(tmp_path / "flat.fits")
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.zeros(3), name="x")]).writeto(tmp_path / "nodata.fits")
    with pytest.raises(DataFileError, match="has no data in its primary HDU"):
        read_cube(tmp_path / "nodata.fits")
    d = np.zeros((3, 4, 5))
    fits.HDUList(
        [fits.PrimaryHDU(d), fits.ImageHDU(np.arange(5.0), name="x"), fits.ImageHDU(np.arange(3.0), name="z")]
    ).writeto(tmp_path / "noy.fits")
    with pytest.raises(
        DataFileError,
        match=r"noy\.fits: has no 'y' extension holding the axis coordinates; its HDUs are: PRIMARY \(3×4×5\), X \(5\), Z \(3\)",
    ):
        read_cube(tmp_path / "noy.fits")


def test_fits_axis_problems(tmp_path):
    x, y, z = np.arange(5.0), np.arange(4.0), np.arange(3.0)
    d = np.zeros((3, 4, 5))
    community_fits(tmp_path / "len.fits", np.arange(6.0), y, z, d)
    with pytest.raises(DataFileError, match=r"len\.fits: the x axis has 6 values but the data has 5 along x"):
        read_cube(tmp_path / "len.fits")
    community_fits(tmp_path / "mono.fits", x, np.array([0.0, 1, 3, 2]), z, d)
    with pytest.raises(
        DataFileError, match=r"mono\.fits: the y axis is not monotonic: it increases up to index 2"
    ):
        read_cube(tmp_path / "mono.fits")
    community_fits(tmp_path / "rep.fits", x, y, np.array([0.0, 1, 1]), d)
    with pytest.raises(
        DataFileError,
        match=r"the z axis is not strictly monotonic: it repeats the value 1 at indices 1 and 2",
    ):
        read_cube(tmp_path / "rep.fits")
    community_fits(tmp_path / "nan.fits", np.array([0, np.nan, 2, 3, 4]), y, z, d)
    with pytest.raises(DataFileError, match="the x axis holds 1 non-finite value"):
        read_cube(tmp_path / "nan.fits")


def test_fits_nan_values_reported_not_zeroed(tmp_path):
    x = y = z = np.linspace(0, 4, 5)
    data = grid(x, y, z)
    data[0, 0, :3] = np.nan
    data[4, 4, 4] = np.inf
    path = community_fits(tmp_path / "holes.fits", x, y, z, data)
    with pytest.warns(
        CubeWarning,
        match=r"holes\.fits: the primary array holds 3 NaN values and 1 infinite value out of 125 \(3\.20 %\); left in place",
    ):
        v = read_cube(path)
    assert np.isnan(v.values[0, 0, :3]).all() and np.isinf(v.values[4, 4, 4])
    assert v.provenance["file"]["nonfinite"]["nan"] == 3
    with pytest.warns(CubeWarning, match="replaced by nan_fill = 0"):
        v0 = read_cube(path, nan_fill=0.0)
    assert v0.values[0, 0, 0] == 0.0 and np.isfinite(v0.values).all()
    with pytest.raises(
        DataFileError,
        match=r"holds 3 NaN values and 1 infinite value out of 125 \(3\.20 %\), more than max_nan_fraction = 0\.01",
    ):
        read_cube(path, max_nan_fraction=0.01)


def test_too_large_refused_before_loading(tmp_path, monkeypatch):
    v = Volume(np.zeros((40, 50, 60), np.float32), (0, 0, 0), (1, 1, 1))
    path = write_fits_cube(tmp_path / "big.fits", v)
    with pytest.raises(
        DataFileError,
        match=r"big\.fits: too large to load: reading it needs about 937\.5 KiB \(a 60×50×40 array .*max_bytes = 100000",
    ):
        read_cube(path, max_bytes=100_000)
    # with no max_bytes the limit is the memory available now
    import smile_viewer.io.cubes._common as common

    monkeypatch.setattr(common, "available_memory_bytes", lambda: 1000)
    with pytest.raises(
        DataFileError, match=r"more than the memory available now \(1000 bytes\); refused before loading"
    ):
        read_cube(path)
    # the data were never read: the header alone decided
    assert cube_info(path).estimated_bytes == 60 * 50 * 40 * 8


def test_read_cube_rejects_unknown_options(tmp_path, awkward_volume):
    path = write_fits_cube(tmp_path / "a.fits", awkward_volume)
    with pytest.raises(
        UserInputError, match=r"option\(s\) \['variable'\] are not understood by the FITS cube reader"
    ):
        read_cube(path, variable="eta")


def test_sample_asset_is_a_model_cube():
    path = asset_path("cubes", "cmem_sample_61.fits.gz")
    info = cube_info(path)
    assert info.shape == (61, 61, 61) and info.frame == "gsm" and info.uniform
    assert info.bounds_re == ((-10.0, 20.0), (-15.0, 15.0), (-15.0, 15.0))
    v = read_cube(path)
    assert "MODEL-GENERATED" in v.provenance["note"] and v.provenance["model"]["model"] == "cmem"
    assert v.values.min() >= 0 and 1e-5 < v.values.max() < 1e-4
    assert v.sample([5.0, 0.0, 0.0]) == 0.0  # inside the magnetopause
    assert v.sample([11.5, 0.0, 0.0]) > 1e-5  # the subsolar sheath
    assert (path.parent / "make_sample_cube.py").exists() and (path.parent / "PROVENANCE.md").exists()


# ======================================================================================
# VTK
# ======================================================================================


@pytest.fixture(scope="module")
def rect():
    """A rectilinear grid with non-uniform x and the linear field as point data."""
    xs = np.array([-5.0, -4, -2.5, -1, 0, 0.3, 1, 2.2, 3, 4.5, 6, 7])
    g = pv.RectilinearGrid(xs, np.linspace(-4, 4, 9), np.linspace(-3, 3, 7))
    g.point_data["emissivity"] = linear_pts(g.points)
    g.point_data["density"] = np.full(g.n_points, 5.0)
    return g


@pytest.mark.parametrize("kind", ["vtr", "vts", "vtu", "vtk", "tet.vtu"])
def test_vtk_linear_field_survives_resampling(tmp_path, rect, kind):
    mesh = {"vtr": rect, "vts": rect.cast_to_structured_grid(), "vtu": rect.cast_to_unstructured_grid(),
            "vtk": rect.cast_to_unstructured_grid(), "tet.vtu": rect.cast_to_unstructured_grid().triangulate()}[kind]  # fmt: skip
    path = tmp_path / f"mesh.{kind}"
    mesh.save(path)
    v = read_cube(path, spacing_re=0.5)
    assert v.n_xyz == (25, 17, 13) and v.origin_re == (-5.0, -4.0, -3.0) and v.spacing_re == (0.5, 0.5, 0.5)
    np.testing.assert_allclose(v.values, grid(v.x, v.y, v.z), rtol=RTOL32)
    assert v.provenance["file"]["arrays"] == {"emissivity": "emissivity"}
    assert v.provenance["grid"]["nodes_outside_data"] == 0


def test_vtk_image_data_used_as_is_and_cell_data(tmp_path):
    im = pv.ImageData(dimensions=(13, 9, 7), spacing=(1.0, 0.5, 2.0), origin=(-5.0, -2.0, -6.0))
    im.point_data["eta"] = linear_pts(im.points).astype(np.float32)
    im.cell_data["cell_eta"] = linear_pts(np.asarray(im.cell_centers().points))
    im.save(tmp_path / "i.vti")
    v = read_cube(tmp_path / "i.vti")
    assert v.n_xyz == (13, 9, 7) and v.origin_re == (-5.0, -2.0, -6.0) and v.spacing_re == (1.0, 0.5, 2.0)
    assert np.array_equal(v.values, np.asarray(im.point_data["eta"]).reshape(7, 9, 13))
    c = read_cube(tmp_path / "i.vti", variable="cell_eta")
    assert c.n_xyz == (12, 8, 6) and c.origin_re == (-4.5, -1.75, -5.0)
    np.testing.assert_allclose(c.values, grid(c.x, c.y, c.z), rtol=RTOL32)
    info = cube_info(tmp_path / "i.vti")
    assert info.shape == (7, 9, 13) and info.bounds_re == ((-5, 7), (-2, 2), (-6, 6))
    assert [(a.name, a.location) for a in info.variables] == [("eta", "point"), ("cell_eta", "cell")]


def test_vtk_gaussian_blob_within_tolerance(tmp_path):
    g = pv.ImageData(
        dimensions=(25, 21, 21), spacing=(0.5, 0.5, 0.5), origin=(4.0, -5.0, -5.0)
    ).cast_to_unstructured_grid()
    mesh = g.triangulate()
    p = np.asarray(mesh.points)
    mesh.point_data["eta"] = gauss(p[:, 0], p[:, 1], p[:, 2])
    mesh.save(tmp_path / "blob.vtu")
    v = read_cube(tmp_path / "blob.vtu", spacing_re=0.25)
    exact = grid(v.x, v.y, v.z, gauss)
    # linear interpolation on 0.5 R_E tetrahedra: error <= h^2/8 |f''| ~ 0.25/8 * 1e-5/4 per axis
    assert np.max(np.abs(v.values - exact)) < 0.03 * 1e-5
    assert v.sample([9.0, 0.0, 0.0]) == pytest.approx(1e-5, rel=1e-6)  # a node of the source mesh


def test_vtk_cell_data_averaged_and_outside_nodes(tmp_path):
    ug = pv.ImageData(
        dimensions=(13, 9, 7), spacing=(1.0, 1.0, 1.0), origin=(-5.0, -4.0, -3.0)
    ).cast_to_unstructured_grid()
    ug.cell_data["eta"] = linear_pts(np.asarray(ug.cell_centers().points))
    ug.save(tmp_path / "cells.vtu")
    # away from the boundary, the average of the 8 cells around a node is the linear field there
    v = read_cube(tmp_path / "cells.vtu", spacing_re=0.5, bounds=((-4, 6), (-3, 3), (-2, 2)))
    np.testing.assert_allclose(v.values, grid(v.x, v.y, v.z), rtol=RTOL32)
    assert "cell data averaged to the points" in v.provenance["grid"]["method"]
    out = read_cube(
        tmp_path / "cells.vtu", spacing_re=1.0, bounds=((-5, 9), (-4, 4), (-3, 3)), outside_value=-1.0
    )
    assert out.provenance["grid"]["nodes_outside_data"] == 2 * 9 * 7
    assert (out.values[:, :, -2:] == -1.0).all()


def test_vtk_plasma_moments_to_emissivity(tmp_path):
    im = pv.ImageData(dimensions=(31, 31, 31), spacing=(1.0, 1.0, 1.0), origin=(-10.0, -15.0, -15.0))
    p = np.asarray(im.points)
    n = 5.0 + 0.1 * p[:, 0]
    vel = np.stack([-400.0 + 2 * p[:, 1], np.full(len(p), 10.0), 3 * p[:, 2]], axis=-1)
    t = 1e5 + 1e3 * p[:, 0]
    im.point_data["rho"], im.point_data["U"], im.point_data["T"] = n, vel, t
    im.save(tmp_path / "mhd.vti")
    mp = shue1997(2.0, 0.0)
    v = read_cube(tmp_path / "mhd.vti", mask="boundary", boundary=mp)
    assert v.provenance["moments"]["moments"] == {"n": "rho", "v": "U", "T": "T"}
    k, j, i = 11, 18, 22  # x = 12, y = 3, z = -4: outside the magnetopause
    q = np.array([12.0, 3.0, -4.0])
    speed = np.linalg.norm([-400 + 6.0, 10.0, -12.0])
    want = plasma_emissivity(
        5 + 1.2, effective_speed_km_s(speed, 1e5 + 12e3), hydrogen_density_cm3(np.linalg.norm(q))
    )
    assert not mp.contains(q)
    assert v.values[k, j, i] == pytest.approx(want, rel=RTOL32)
    inside = v.node_xyz()[mp.contains(v.node_xyz())]
    assert len(inside) > 100 and np.all(v.sample(inside) == 0.0)


def test_vtk_length_unit_km_and_missing_array(tmp_path):
    im = pv.ImageData(dimensions=(5, 5, 5), spacing=(6371.0,) * 3, origin=(0.0, 0.0, 0.0))
    im.point_data["Pressure"] = np.ones(im.n_points)
    im.point_data["emis"] = np.ones(im.n_points)
    im.save(tmp_path / "km.vti")
    v = read_cube(tmp_path / "km.vti", length_unit="km")
    assert v.spacing_re == pytest.approx((1.0, 1.0, 1.0), rel=1e-15) and v.bounds[0] == pytest.approx(
        (0.0, 4.0)
    )
    im.point_data.remove("emis")
    im.save(tmp_path / "noemis.vti")
    with pytest.raises(
        DataFileError,
        match=r"noemis\.vti: has no emissivity variable \(looked for 'emissivity', 'eta'.*it has: Pressure \(point data, 1 comp\.\)",
    ):
        read_cube(tmp_path / "noemis.vti")
    with pytest.raises(DataFileError, match=r"has no variable 'eta'; it has: Pressure"):
        read_cube(tmp_path / "noemis.vti", variable="eta")


def test_vtk_flat_data_set_is_refused(tmp_path):
    im = pv.ImageData(dimensions=(13, 9, 1), spacing=(1.0, 1.0, 1.0))
    im.point_data["eta"] = np.ones(im.n_points)
    im.save(tmp_path / "slice.vti")
    with pytest.raises(
        DataFileError, match=r"slice\.vti: is not 3-D: its points span x \[0, 12\], y \[0, 8\], z \[0, 0\]"
    ):
        read_cube(tmp_path / "slice.vti")


def test_vtk_corrupt_truncated_and_nan(tmp_path, rect):
    ug = rect.cast_to_unstructured_grid()
    ug.save(tmp_path / "ok.vtu")
    data = (tmp_path / "ok.vtu").read_bytes()
    (tmp_path / "trunc.vtu").write_bytes(data[: len(data) // 2])
    with pytest.raises(
        DataFileError, match=r"trunc\.vtu: is corrupt, truncated or not a VTK file \(VTK: Error parsing XML"
    ):
        read_cube(tmp_path / "trunc.vtu")
    (tmp_path / "bad.vtu").write_bytes(b'<?xml version="1.0"?>\n<VTKFile type="UnstructuredGrid"> garbage')
    with pytest.raises(DataFileError, match=r"bad\.vtu: is corrupt, truncated or not a VTK file"):
        read_cube(tmp_path / "bad.vtu")
    e = np.asarray(ug.point_data["emissivity"]).copy()
    e[:7] = np.nan
    ug.point_data["emissivity"] = e
    ug.save(tmp_path / "nan.vtu")
    with pytest.warns(CubeWarning, match=r"nan\.vtu: array 'emissivity' holds 7 NaN values out of 756"):
        read_cube(tmp_path / "nan.vtu", spacing_re=1.0)
    with pytest.raises(DataFileError, match=r"too large to load.*max_bytes = 1000 "):
        read_cube(tmp_path / "ok.vtu", max_bytes=1000)


def test_vtk_info_without_reading_arrays(tmp_path, rect):
    rect.cast_to_unstructured_grid().save(tmp_path / "u.vtu")
    info = cube_info(tmp_path / "u.vtu")
    assert (
        info.format == "vtk-unstructured" and info.n_points == rect.n_points and info.n_cells == rect.n_cells
    )
    assert info.bounds_re == ((-5, 7), (-4, 4), (-3, 3))
    assert set(info.variable_names) == {"emissivity", "density"}
    rect.save(tmp_path / "r.vtr")
    assert cube_info(tmp_path / "r.vtr").shape == (7, 9, 12)


# ======================================================================================
# netCDF / HDF5
# ======================================================================================

X = np.linspace(-10, 20, 31)
Y = np.linspace(-15, 15, 21)
Z = np.linspace(-12, 12, 13)


def test_netcdf_emissivity_engines_and_orders(tmp_path):
    f = grid(X, Y, Z)
    ds = xr.Dataset({"eta": (("z", "y", "x"), f.astype(np.float32), {"units": "eV cm-3 s-1"})},
                    coords={"x": X, "y": Y, "z": Z}, attrs={"frame": "GSE"})  # fmt: skip
    ds.to_netcdf(tmp_path / "a.nc", engine="h5netcdf")
    v = read_cube(tmp_path / "a.nc")
    assert v.frame == "gse" and v.n_xyz == (31, 21, 13) and np.array_equal(v.values, f.astype(np.float32))
    # dims in (x, y, z) order, coordinates in km, emissivity in keV: transposed and converted
    ds2 = xr.Dataset({"emissivity": (("x", "y", "z"), f.transpose(2, 1, 0) * 1e-3, {"units": "keV cm-3 s-1"})},
                     coords={a: (a, v_ * 6371.0, {"units": "km"}) for a, v_ in (("x", X), ("y", Y), ("z", Z))})  # fmt: skip
    ds2.to_netcdf(tmp_path / "b.nc", engine="scipy")  # netCDF-3 classic
    b = read_cube(tmp_path / "b.nc")
    assert b.frame == "gsm" and b.origin_re == pytest.approx((-10, -15, -12))
    np.testing.assert_allclose(b.values, f, rtol=RTOL32)
    try:
        import netCDF4  # noqa: F401
    except ImportError:
        return
    ds2.to_netcdf(tmp_path / "c.nc", engine="netcdf4")
    np.testing.assert_allclose(read_cube(tmp_path / "c.nc").values, f, rtol=RTOL32)


def test_netcdf_single_time_step_is_squeezed(tmp_path):
    f = grid(X, Y, Z)[None]
    ds = xr.Dataset({"eta": (("time", "z", "y", "x"), f)}, coords={"time": [0.0], "x": X, "y": Y, "z": Z})
    ds.to_netcdf(tmp_path / "t.nc", engine="h5netcdf")
    v = read_cube(tmp_path / "t.nc")
    np.testing.assert_allclose(v.values, f[0], rtol=RTOL32)
    assert v.provenance["file"]["dropped_length1_dims"] == {"emissivity": ["time"]}
    ds2 = xr.Dataset(
        {"eta": (("time", "z", "y", "x"), np.concatenate([f, f]))},
        coords={"time": [0.0, 1.0], "x": X, "y": Y, "z": Z},
    )
    ds2.to_netcdf(tmp_path / "t2.nc", engine="h5netcdf")
    with pytest.raises(
        DataFileError, match=r"t2\.nc: variable 'eta' has 4 dimensions \('time', 'z', 'y', 'x'\): expected 3"
    ):
        read_cube(tmp_path / "t2.nc")


def test_plain_hdf5_without_dimension_scales(tmp_path):
    f = grid(X, Y, Z)
    with h5py.File(tmp_path / "cube.h5", "w") as h:
        g = h.create_group("run1")
        g["x"], g["y"], g["z"], g["eta"] = X, Y, Z, f
    v = read_cube(tmp_path / "cube.h5", group="run1")
    np.testing.assert_allclose(v.values, f, rtol=RTOL32)
    info = cube_info(tmp_path / "cube.h5", group="run1")
    assert info.shape == (13, 21, 31) and "eta" in info.variable_names
    with pytest.raises(DataFileError, match=r"cube\.h5: has no group 'nope'"):
        read_cube(tmp_path / "cube.h5", group="nope")
    with h5py.File(tmp_path / "cubic.h5", "w") as h:  # equal lengths: order decides
        a = np.linspace(-5, 5, 11)
        h["x"], h["y"], h["z"] = a, a, a
        h["eta"] = grid(a, a, a).transpose(2, 1, 0)  # stored (x, y, z)
    c = read_cube(tmp_path / "cubic.h5", order="xyz")
    np.testing.assert_allclose(c.values, grid(a, a, a), rtol=RTOL32)


@pytest.fixture
def moments_file(tmp_path):
    zz, yy, xx = np.meshgrid(Z, Y, X, indexing="ij")
    n = 5.0 + 0.1 * xx
    ds = xr.Dataset(
        {
            "density": (("z", "y", "x"), n, {"units": "cm^-3"}),
            "ux": (("z", "y", "x"), (-400.0 + 2 * yy) * 1e3, {"units": "m/s"}),
            "uy": (("z", "y", "x"), np.full_like(xx, 10.0), {"units": "km/s"}),
            "uz": (("z", "y", "x"), 3 * zz, {"units": "km/s"}),
            "p": (("z", "y", "x"), n * 1e6 * 1.380649e-23 * (1e5 + 1e3 * xx) * 1e9, {"units": "nPa"}),
        },
        coords={"x": X, "y": Y, "z": Z},
    )
    path = tmp_path / "moments.nc"
    ds.to_netcdf(path, engine="h5netcdf")
    return path


def test_netcdf_moments_give_the_formula_and_zero_inside(moments_file):
    mp = shue1997(2.0, 0.0)
    v = read_netcdf_cube(moments_file, mask="boundary", boundary=mp, alpha_ev_cm2=6e-16)
    prov = v.provenance["moments"]
    assert prov["moments"] == {"n": "density", "vx": "ux", "vy": "uy", "vz": "uz", "p": "p"}
    assert "all the thermal pressure assigned to the protons" in prov["temperature"]
    assert any("m/s converted to km/s" in note for note in prov["units"])
    for x, y, z in [(12.0, 3.0, -4.0), (0.0, 15.0, 12.0), (19.0, -15.0, 12.0)]:
        i, j, k = (np.abs(X - x).argmin(), np.abs(Y - y).argmin(), np.abs(Z - z).argmin())
        q = np.array([X[i], Y[j], Z[k]])
        assert not mp.contains(q)
        speed = np.linalg.norm([-400 + 2 * q[1], 10.0, 3 * q[2]])
        want = plasma_emissivity(5 + 0.1 * q[0], effective_speed_km_s(speed, 1e5 + 1e3 * q[0]),
                                 hydrogen_density_cm3(np.linalg.norm(q)), alpha_ev_cm2=6e-16)  # fmt: skip
        assert v.values[k, j, i] == pytest.approx(want, rel=1e-5)
    nodes = v.node_xyz()
    assert np.all(v.values[mp.contains(nodes)] == 0.0)
    # the plasma criterion (default) removes the low-density region instead
    crit = read_cube(moments_file, density_min_cm3=5.5)
    assert np.all(crit.values[:, :, X <= 5] == 0.0) and np.all(crit.values[:, :, X >= 6] > 0)


def test_netcdf_variable_names_from_mapping_and_errors(tmp_path, moments_file):
    ds = xr.open_dataset(moments_file, engine="h5netcdf").load()
    ds = ds.rename({"density": "rho_p", "x": "xgrid"})
    ds["T_eV"] = (("z", "y", "xgrid"), np.full((13, 21, 31), 8.617333262e-5 * 1e5), {"units": "eV"})
    ds.to_netcdf(tmp_path / "renamed.nc", engine="h5netcdf")
    with pytest.raises(DataFileError, match=r"renamed\.nc: has no x coordinate variable \(looked for 'x'"):
        read_cube(tmp_path / "renamed.nc", variables={"n": "rho_p"})
    v = read_cube(tmp_path / "renamed.nc", variables={"n": "rho_p", "T": "T_eV", "x": "xgrid"}, mask="none")
    assert v.provenance["moments"]["moments"]["T"] == "T_eV" and (v.values > 0).all()
    with pytest.raises(
        DataFileError,
        match=r"renamed\.nc: has no emissivity variable .*missing n \(density\)\); it has: rho_p \(z, y, xgrid\) float64 \[cm\^-3\]; ux",
    ):
        read_cube(tmp_path / "renamed.nc", variables={"x": "xgrid"})
    with pytest.raises(DataFileError, match=r"has no variable 'eta'; it has: "):
        read_cube(tmp_path / "renamed.nc", variable="eta")


def test_netcdf_shape_axis_and_unit_errors(tmp_path):
    f = grid(X, Y, Z)
    xr.Dataset({"eta": (("z", "y", "x"), f)}, coords={"x": X, "y": Y, "z": Z}).to_netcdf(
        tmp_path / "ok.nc", engine="h5netcdf"
    )
    xr.Dataset({"eta": (("y", "x"), f[0])}, coords={"x": X, "y": Y, "z": Z}).to_netcdf(
        tmp_path / "flat.nc", engine="h5netcdf"
    )
    with pytest.raises(
        DataFileError, match=r"flat\.nc: variable 'eta' has 2 dimensions \('y', 'x'\): expected 3"
    ):
        read_cube(tmp_path / "flat.nc")
    with h5py.File(tmp_path / "mismatch.h5", "w") as h:
        h["x"], h["y"], h["z"], h["eta"] = X[:-1], Y, Z, f
    with pytest.raises(
        DataFileError,
        match=r"mismatch\.h5: variable 'eta' has shape \(13, 21, 31\).*x 30, y 21, z 13: they do not match",
    ):
        read_cube(tmp_path / "mismatch.h5")
    xb = X.copy()
    xb[[3, 4]] = xb[[4, 3]]
    xr.Dataset({"eta": (("z", "y", "x"), f)}, coords={"x": xb, "y": Y, "z": Z}).to_netcdf(
        tmp_path / "swap.nc", engine="h5netcdf"
    )
    with pytest.raises(DataFileError, match=r"swap\.nc: the x axis is not monotonic"):
        read_cube(tmp_path / "swap.nc")
    xs = np.sort(np.r_[X[:-1], 19.7])
    xr.Dataset({"eta": (("z", "y", "x"), grid(xs, Y, Z))}, coords={"x": xs, "y": Y, "z": Z}).to_netcdf(
        tmp_path / "nonu.nc", engine="h5netcdf"
    )
    with pytest.raises(DataFileError, match=r"nonu\.nc: the x axis is not uniform"):
        read_cube(tmp_path / "nonu.nc")
    r = read_cube(tmp_path / "nonu.nc", nonuniform="resample", shape=(61, 21, 13))
    np.testing.assert_allclose(r.values, grid(r.x, r.y, r.z), rtol=RTOL32)
    xr.Dataset({"eta": (("z", "y", "x"), f)}, coords={"x": ("x", X, {"units": "furlong"}), "y": Y, "z": Z}).to_netcdf(
        tmp_path / "units.nc", engine="h5netcdf")  # fmt: skip
    with pytest.raises(
        DataFileError, match=r"units\.nc: the x coordinate 'x' has units 'furlong': expected R_E"
    ):
        read_cube(tmp_path / "units.nc")
    with pytest.raises(DataFileError, match=r"too large to load"):
        read_cube(tmp_path / "ok.nc", max_bytes=10_000)
    (tmp_path / "broken.nc").write_bytes((tmp_path / "ok.nc").read_bytes()[:3000])
    with pytest.raises(
        DataFileError, match=r"broken\.nc: (is not a readable netCDF/HDF5 file|variable 'eta' cannot be read)"
    ):
        read_cube(tmp_path / "broken.nc")


def test_netcdf_fill_values_become_counted_nan(tmp_path):
    f = grid(X, Y, Z)
    f[0, 0, :5] = -999.0
    ds = xr.Dataset({"eta": (("z", "y", "x"), f)}, coords={"x": X, "y": Y, "z": Z})
    ds.to_netcdf(tmp_path / "fill.nc", engine="h5netcdf", encoding={"eta": {"_FillValue": -999.0}})
    with pytest.warns(CubeWarning, match=r"fill\.nc: variable 'eta' holds 5 NaN values out of 8463"):
        v = read_cube(tmp_path / "fill.nc")
    assert np.isnan(v.values[0, 0, :5]).all() and np.isfinite(v.values[1:]).all()


def test_huge_file_refused_from_its_metadata(tmp_path, monkeypatch):
    """A 4000^3 float32 HDF5 dataset (256 GB) that was never written: the file is tiny, so
    anything that touched the data would take minutes; the refusal comes from the shape."""
    import smile_viewer.io.cubes._common as common

    monkeypatch.setattr(common, "available_memory_bytes", lambda: 100 * 2**30)
    a = np.linspace(-50.0, 50.0, 4000)
    with h5py.File(tmp_path / "huge.h5", "w") as h:
        h["x"], h["y"], h["z"] = a, a, a
        h.create_dataset("eta", shape=(4000, 4000, 4000), dtype="f4", chunks=(64, 64, 64))
    assert (tmp_path / "huge.h5").stat().st_size < 1_000_000
    info = cube_info(tmp_path / "huge.h5")
    assert info.shape == (4000, 4000, 4000) and info.estimated_bytes >= 4000**3 * 8
    with pytest.raises(
        DataFileError,
        match=r"huge\.h5: too large to load: reading it needs about \d+\.\d GiB \(1 variable\(s\) \['eta'\] of 4000×4000×4000 values.*more than the memory available now \(100\.0 GiB\); refused before loading",
    ):
        read_cube(tmp_path / "huge.h5")


def test_cube_info_netcdf(tmp_path):
    f = grid(X, Y, Z)
    xr.Dataset({"eta": (("z", "y", "x"), f, {"units": "eV cm-3 s-1"})}, coords={"x": X, "y": Y, "z": Z}).to_netcdf(
        tmp_path / "i.nc", engine="h5netcdf")  # fmt: skip
    info = cube_info(tmp_path / "i.nc")
    assert info.shape == (13, 21, 31) and info.bounds_re == ((-10, 20), (-15, 15), (-12, 12)) and info.uniform
    eta = next(v for v in info.variables if v.name == "eta")
    assert eta.dims == ("z", "y", "x") and eta.units == "eV cm-3 s-1"
    assert "i.nc: netcdf/hdf5" in info.summary()
