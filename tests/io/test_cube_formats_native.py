"""Cubes in the modellers' own formats, written here byte by byte from the format descriptions
(swharton1/Emissivity_Cubes read_ppmlr.py / read_openggcm_mhd.py / calc_emissivity.py; the
BATS-R-US IDL record layout of spacepy.pybats; the Tecplot text of BATS-R-US; kaipy's GAMERA
HDF5 layout; SMILE-TFA ReadCube.py for LaTeP), never with our own writer: exact values and
axes, frames (a bright off-axis voxel lands in the image where geometry puts it), an exact
line integral through a uniform cube in every format, and one-line errors for bad files."""

from __future__ import annotations

import json
import struct
import warnings

import numpy as np
import pytest

from smile_viewer.compute import Camera, RenderRequest, VolumeSource, look_rotation, render
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.cubes import CubeWarning, cube_format, cube_info, read_cube
from smile_viewer.physics import emissivity as E

LOS = E.LOS_FACTOR  # keV cm^-2 s^-1 sr^-1 per (eV cm^-3 s^-1 R_E)
SW_LINES = (2.0e5, 5.0, -400.0, 0.0, 0.0, 0.0, 0.0, 5.0)  # T, n, vx, vy, vz, bx, by, bz

# --------------------------------------------------------------------------------------
# writers from the format descriptions
# --------------------------------------------------------------------------------------


def write_team_text(
    path, x, y, z, eta, *, title="PPMLR emissivity cube", per_line=1, axes_per_line=6, fmt="{:.9e}"
):
    """The SXI team's text cube: title, T n vx vy vz bx by bz one per line, 'nx ny nz', axes
    six to a line, eta[z][y][x] with x fastest."""
    with open(path, "w") as f:
        f.write(title + "\n")
        for v in SW_LINES:
            f.write(f"{v}\n")
        f.write(f"{len(x)}    {len(y)}    {len(z)}\n")
        for a in (x, y, z):
            for i in range(0, len(a), axes_per_line):
                f.write("    ".join(f"{v:.5f}" for v in a[i : i + axes_per_line]) + "\n")
        flat = np.asarray(eta).ravel()
        for i in range(0, flat.size, per_line):
            f.write(" ".join(fmt.format(v) for v in flat[i : i + per_line]) + "\n")
    return path


def _rec(f, payload: bytes, end: str) -> None:
    f.write(struct.pack(end + "i", len(payload)) + payload + struct.pack(end + "i", len(payload)))


def write_idl_binary(
    path, x, y, z, variables, *, headline=None, end="<", double=False, t=3600.0, append=False
):
    """One snapshot of a BATS-R-US IDL binary file: Fortran records framed by their length."""
    names = list(variables)
    npdt = np.dtype(end + ("f8" if double else "f4"))
    with open(path, "ab" if append else "wb") as f:
        head = headline if headline is not None else "R R R " + " ".join("eV/cm^3/s" for _ in names)
        _rec(f, head.ljust(79).encode(), end)
        _rec(f, struct.pack(end + ("idiii" if double else "ifiii"), 10, t, 3, 0, len(names)), end)
        _rec(f, struct.pack(end + "3i", len(x), len(y), len(z)), end)
        _rec(f, " ".join(["x", "y", "z", *names]).encode(), end)
        zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")  # Fortran x(n1,n2,n3) = C (n3,n2,n1)
        _rec(f, np.concatenate([xx.ravel(), yy.ravel(), zz.ravel()]).astype(npdt).tobytes(), end)
        for n in names:
            _rec(f, np.asarray(variables[n]).astype(npdt).tobytes(), end)
    return path


def write_idl_unstructured(path, xyz, variables, end="<"):
    """BATS-R-US unstructured (AMR) IDL output: ndim = -3, grid (npts, 1, 1), the cell centres."""
    names = list(variables)
    n = xyz.shape[0]
    with open(path, "wb") as f:
        _rec(f, ("R R R " + " ".join("eV/cm^3/s" for _ in names)).ljust(79).encode(), end)
        _rec(f, struct.pack(end + "ifiii", 10, 3600.0, -3, 0, len(names)), end)
        _rec(f, struct.pack(end + "3i", n, 1, 1), end)
        _rec(f, " ".join(["x", "y", "z", *names]).encode(), end)
        _rec(f, np.ascontiguousarray(xyz.T).astype(end + "f4").tobytes(), end)
        for v in variables.values():
            _rec(f, np.asarray(v).astype(end + "f4").tobytes(), end)
    return path


def write_idl_ascii(path, x, y, z, variables, headline="R R R eV/cm3/s"):
    names = list(variables)
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    cols = [xx.ravel(), yy.ravel(), zz.ravel()] + [np.asarray(variables[n]).ravel() for n in names]
    with open(path, "w") as f:
        f.write(headline + "\n")
        f.write(f"10 3600.0 3 0 {len(names)}\n{len(x)} {len(y)} {len(z)}\n")
        f.write(" ".join(["x", "y", "z", *names]) + "\n")
        for row in np.column_stack(cols):
            f.write(" ".join(f"{v:.9e}" for v in row) + "\n")
    return path


def write_openggcm_cdf(path, x, y, z, variables, meta=None):
    """A CCMC OpenGGCM run: CDF with x, y, z and fields, one record each, flattened (z, y, x)."""
    from cdflib.cdfwrite import CDF

    cdf = CDF(str(path), cdf_spec={"Majority": "row_major"}, delete=True)
    for name, arr in {"x": x, "y": y, "z": z, **variables}.items():
        flat = np.asarray(arr, dtype=np.float64).ravel()
        spec = {
            "Variable": name,
            "Data_Type": 45,
            "Num_Elements": 1,
            "Rec_Vary": True,
            "Dim_Sizes": [flat.size],
        }
        cdf.write_var(spec, var_attrs={}, var_data=flat[None, :])
    cdf.close()
    if meta is not None:
        path.with_suffix(".json").write_text(json.dumps(meta))
    return path


def write_tecplot_dat(path, x, y, z, variables, aux=None):
    """BATS-R-US Tecplot ASCII: TITLE, VARIABLES, ZONE (FEPOINT bricks), AUXDATA, points, 1-based bricks."""
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    nx, ny, nz = len(x), len(y), len(z)
    idx = np.arange(nx * ny * nz).reshape(nz, ny, nx)
    bricks = []
    for k in range(nz - 1):
        for j in range(ny - 1):
            for i in range(nx - 1):
                b = [idx[k, j, i], idx[k, j, i + 1], idx[k, j + 1, i + 1], idx[k, j + 1, i]]
                bricks.append(b + [q + nx * ny for q in b])
    names = ['"X [R]"', '"Y [R]"', '"Z [R]"'] + [f'"{n}"' for n in variables]
    with open(path, "w") as f:
        f.write('TITLE="BATSRUS: 3D box"\n')
        f.write("VARIABLES = " + ", ".join(names) + "\n")
        f.write(f'ZONE T="3D box", N={idx.size}, E={len(bricks)}, F=FEPOINT, ET=BRICK\n')
        for k, v in (aux or {}).items():
            f.write(f'AUXDATA {k}="{v}"\n')
        cols = [xx.ravel(), yy.ravel(), zz.ravel()] + [np.asarray(v).ravel() for v in variables.values()]
        for row in np.column_stack(cols):
            f.write(" ".join(f"{v:.9e}" for v in row) + "\n")
        for b in bricks:
            f.write(" ".join(str(q + 1) for q in b) + "\n")
    return path


def _bricks(nx, ny, nz):
    idx = np.arange(nx * ny * nz).reshape(nz, ny, nx)
    out = []
    for k in range(nz - 1):
        for j in range(ny - 1):
            for i in range(nx - 1):
                b = [idx[k, j, i], idx[k, j, i + 1], idx[k, j + 1, i + 1], idx[k, j + 1, i]]
                out.append(b + [q + nx * ny for q in b])
    return np.array(out, dtype=np.int32)


def write_tecplot_plt(path, x, y, z, variables, aux=None):
    """BATS-R-US Tecplot binary (#!TDV112, the Tecplot 360 data format guide as batread reads it):
    strings as one int32 per character ending in 0, a FEBRICK zone, variable-major float32 values
    and zero-based 8-node bricks."""

    def s32(text):
        return b"".join(struct.pack("<i", ord(ch)) for ch in text) + struct.pack("<i", 0)

    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    names = ["X [R]", "Y [R]", "Z [R]", *variables]
    cols = [xx.ravel(), yy.ravel(), zz.ravel()] + [np.asarray(v).ravel() for v in variables.values()]
    bricks = _bricks(len(x), len(y), len(z))
    out = b"#!TDV112" + struct.pack("<ii", 1, 0) + s32("BATSRUS: 3D box") + struct.pack("<i", len(names))
    out += b"".join(s32(n) for n in names)
    out += struct.pack("<f", 299.0) + s32("3D box") + struct.pack("<iidi", -1, -1, 0.0, -1)
    out += (
        struct.pack("<iiii", 5, 0, 0, 0)
        + struct.pack("<ii", xx.size, len(bricks))
        + struct.pack("<iii", 0, 0, 0)
    )
    for k, v in (aux or {}).items():
        out += struct.pack("<i", 1) + s32(k) + struct.pack("<i", 0) + s32(v)
    out += struct.pack("<i", 0) + struct.pack("<f", 357.0) + struct.pack("<f", 299.0)
    out += struct.pack(f"<{len(names)}i", *([1] * len(names))) + struct.pack("<iii", 0, 0, -1)
    out += b"".join(struct.pack("<dd", float(c.min()), float(c.max())) for c in cols)
    out += np.concatenate(cols).astype("<f4").tobytes() + bricks.astype("<i4").tobytes()
    path.write_bytes(out)
    return path


def write_gamera(path, x, y, z, cell_vars, *, units_id="EARTH", mjd=None):
    """kaipy's layout: corner datasets X, Y, Z (Nk+1, Nj+1, Ni+1) and Step#0 with cell data."""
    import h5py

    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    with h5py.File(path, "w") as f:
        f.attrs["UnitsID"] = units_id
        f["X"], f["Y"], f["Z"] = xx, yy, zz
        g = f.create_group("Step#0")
        g.attrs["time"] = 0.0
        if mjd is not None:
            g.attrs["MJD"] = mjd
        for k, v in cell_vars.items():
            g[k] = v
    return path


def write_latep(path, prod, axes=None):
    import netCDF4

    nz, ny, nx = prod.shape
    with netCDF4.Dataset(path, "w") as ds:
        for d, n in zip("ZYX", (nz, ny, nx)):
            ds.createDimension(d, n)
        v = ds.createVariable("Prod", "f4", ("Z", "Y", "X"))
        v[:] = prod
        if axes is not None:
            for d, a in zip("XYZ", axes):
                ds.createVariable(d.lower(), "f8", (d,))[:] = a
    return path


# --------------------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------------------

AX = (np.linspace(-5.0, 10.0, 7), np.linspace(-3.0, 3.0, 5), np.linspace(-2.0, 2.0, 4))


def ramp():
    x, y, z = AX
    return (np.arange(z.size * y.size * x.size).reshape(z.size, y.size, x.size) * 1.25e-6 + 1e-7).astype(
        np.float32
    )


def check_exact(vol, eta, x=AX[0], y=AX[1], z=AX[2]):
    assert vol.n_xyz == (x.size, y.size, z.size)
    np.testing.assert_array_equal(vol.values, eta)
    assert vol.origin_re == pytest.approx((x[0], y[0], z[0]), abs=1e-12)
    steps = [(a[-1] - a[0]) / (a.size - 1) for a in (x, y, z)]
    assert vol.spacing_re == pytest.approx(steps, rel=1e-12)


def one_ray(position, direction, frame):
    return Camera(np.asarray(position, float), look_rotation(direction), (1.0, 1.0), (1, 1), frame=frame)


UNIFORM = 1e-5
SLAB = (np.linspace(0.0, 4.0, 5), np.linspace(-2.0, 2.0, 5), np.linspace(-2.0, 2.0, 5))


def slab_integral(vol):
    """∫ P ds along x through a uniform cube 4 R_E long: exactly 4 × P × LOS."""
    cam = one_ray((-5.0, 1.5, -1.2), (1.0, 0.0, 0.0), vol.frame)  # misses the Earth (occulting)
    res = render(RenderRequest(cam, VolumeSource(vol), backend="numpy"))
    return res.image[0, 0]


# --------------------------------------------------------------------------------------
# SXI-team text cubes
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("per_line", [1, 6, 11])
def test_team_text_cube_exact_values_axes_and_header(tmp_path, per_line):
    eta = ramp()
    path = write_team_text(tmp_path / "S05D05V400B0000-05rad.dat", *AX, eta, per_line=per_line)
    assert cube_format(path) == "ppmlr"
    vol = read_cube(path)
    check_exact(vol, eta)
    assert vol.frame == "gsm" and vol.units == "eV cm^-3 s^-1"
    sw = vol.provenance["file"]["solar_wind"]
    assert sw["DENSITY"] == 5.0 and sw["VX"] == -400.0 and sw["TEMP"] == 2.0e5 and sw["BZ"] == 5.0
    info = cube_info(path)
    assert info.shape == (4, 5, 7) and info.frame == "gsm" and info.solar_wind["BZ"] == 5.0
    assert info.bounds_re == ((-5.0, 10.0), (-3.0, 3.0), (-2.0, 2.0))


def test_team_text_found_from_content_not_suffix(tmp_path):
    path = write_team_text(
        tmp_path / "cube_without_suffix", *AX, ramp(), title="Emissivity Cube derived from OpenGGCM"
    )
    assert cube_format(path) == "ppmlr"
    vol = read_cube(path)
    assert vol.provenance["file"]["format"].startswith("OpenGGCM text emissivity cube")


def test_team_text_decreasing_axis_is_reversed_with_the_data(tmp_path):
    eta = ramp()
    x = AX[0][::-1]
    path = write_team_text(tmp_path / "rev.dat", x, AX[1], AX[2], eta)
    vol = read_cube(path)
    np.testing.assert_array_equal(vol.values, eta[:, :, ::-1])
    assert vol.origin_re[0] == -5.0 and vol.provenance["file"]["reversed_axes"] == ["x"]


def test_team_text_bad_files(tmp_path):
    eta = ramp()
    good = write_team_text(tmp_path / "good.dat", *AX, eta).read_text()
    lines = good.splitlines()
    # truncated: the last value lines gone
    (tmp_path / "short.dat").write_text("\n".join(lines[:-10]) + "\n")
    with pytest.raises(
        DataFileError, match=r"short\.dat: holds 130 emissivity values but the header says .* = 140"
    ):
        read_cube(tmp_path / "short.dat")
    # one value too many
    (tmp_path / "long.dat").write_text(good + "1.0e-5\n")
    with pytest.raises(DataFileError, match=r"long\.dat: holds 141 emissivity values"):
        read_cube(tmp_path / "long.dat")
    # header count says more axis values than the file has
    (tmp_path / "axes.dat").write_text("\n".join(lines[:9] + ["7 5 4000000"] + lines[10:]) + "\n")
    with pytest.raises(
        DataFileError, match=r"axes\.dat: is truncated: the header says 7\+5\+4000000 axis values"
    ):
        read_cube(tmp_path / "axes.dat")
    # non-monotonic axis
    bad_x = AX[0].copy()
    bad_x[3] = bad_x[1]
    write_team_text(tmp_path / "mono.dat", bad_x, AX[1], AX[2], eta)
    with pytest.raises(DataFileError, match=r"mono\.dat: the x axis is not monotonic"):
        read_cube(tmp_path / "mono.dat")
    # a word among the values
    (tmp_path / "word.dat").write_text(good.replace(lines[-3], "oops"))
    with pytest.raises(DataFileError, match=r"word\.dat: the emissivity values hold a non-number b'oops'"):
        read_cube(tmp_path / "word.dat")
    # NaN: a few are reported, most refuse the file
    few = eta.copy()
    few[0, 0, :3] = np.nan
    write_team_text(tmp_path / "nan.dat", *AX, few)
    with pytest.warns(CubeWarning, match=r"holds 3 NaN values out of 140"):
        vol = read_cube(tmp_path / "nan.dat")
    assert np.isnan(vol.values[0, 0, :3]).all()
    write_team_text(tmp_path / "allnan.dat", *AX, np.full_like(eta, np.nan))
    with pytest.raises(DataFileError, match=r"allnan\.dat: .*more than max_nan_fraction"):
        read_cube(tmp_path / "allnan.dat")
    # an unknown frame or option
    with pytest.raises(UserInputError, match="frame = 'hee'"):
        read_cube(tmp_path / "good.dat", frame="hee")
    with pytest.raises(UserInputError, match=r"option\(s\) \['variable'\] are not understood"):
        read_cube(tmp_path / "good.dat", variable="eta")


# --------------------------------------------------------------------------------------
# BATS-R-US IDL
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize("end", ["<", ">"])
@pytest.mark.parametrize("double", [False, True])
def test_idl_binary_exact(tmp_path, end, double):
    eta = ramp()
    path = write_idl_binary(tmp_path / "3d__var_1_e20150317-043000-000.out", *AX, {"emis": eta},
                            headline="R R R eV/cm^3/s", end=end, double=double)  # fmt: skip
    assert cube_format(path) == "idl"
    vol = read_cube(path)
    check_exact(vol, eta)
    assert vol.frame == "gsm"
    assert vol.provenance["time"] == "2015-03-17T04:30:00"
    info = cube_info(path)
    assert info.time == "2015-03-17T04:30:00" and info.shape == (4, 5, 7)
    assert [v.name for v in info.variables] == ["emis"]


def test_idl_outs_snapshots_and_ascii(tmp_path):
    a, b = ramp(), ramp() * 2
    path = write_idl_binary(tmp_path / "run.outs", *AX, {"emis": a}, t=60.0)
    write_idl_binary(path, *AX, {"emis": b}, t=120.0, append=True)
    check_exact(read_cube(path), a)
    second = read_cube(path, snapshot=1)
    check_exact(second, b)
    assert second.provenance["file"]["simulation_time_s"] == 120.0
    check_exact(read_cube(path, snapshot=-1), b)
    with pytest.raises(UserInputError, match="snapshot = 5"):
        read_cube(path, snapshot=5)
    asc = write_idl_ascii(tmp_path / "box.out", *AX, {"emis": a})
    assert cube_format(asc) == "idl"
    check_exact(read_cube(asc), a)


def test_idl_unstructured_amr_cells(tmp_path):
    """Cell centres of a 4 × 4 × 4 block of 1 R_E cells (shuffled, as AMR output is block by
    block): nodes on the centres take exactly their cell's value; a uniform block integrates to
    3 R_E × P between the outermost centres."""
    c1 = np.arange(4) + 0.5
    zz, yy, xx = np.meshgrid(c1 - 2, c1 - 2, c1, indexing="ij")
    xyz = np.column_stack([xx.ravel(), yy.ravel(), zz.ravel()])
    vals = (np.arange(64) * 1e-6 + 1e-6).astype(np.float32)
    order = np.random.default_rng(3).permutation(64)
    path = write_idl_unstructured(tmp_path / "3d__var_1.out", xyz[order], {"emis": vals[order]})
    info = cube_info(path)
    assert info.shape is None and info.n_points == 64
    vol = read_cube(path, shape=(4, 4, 4))
    np.testing.assert_array_equal(vol.values, vals.reshape(4, 4, 4))
    assert vol.origin_re == pytest.approx((0.5, -1.5, -1.5)) and vol.spacing_re == pytest.approx(
        (1.0, 1.0, 1.0)
    )
    uni = read_cube(write_idl_unstructured(tmp_path / "u.out", xyz[order], {"emis": np.full(64, UNIFORM)}))
    assert uni.provenance["grid"]["nodes_outside_data"] == 0
    assert slab_integral(uni) == pytest.approx(3.0 * float(np.float32(UNIFORM)) * LOS, rel=1e-9)
    # a hole (cells removed, like the inner boundary) is outside the data: 0 there
    keep = np.abs(xyz - (2.0, 0.0, 0.0)).max(axis=1) > 1.0
    hole = read_cube(write_idl_unstructured(tmp_path / "h.out", xyz[keep], {"emis": np.full(keep.sum(), UNIFORM)}),
                     shape=(7, 7, 7))  # fmt: skip
    centre = hole.sample(np.array([[2.0, 0.0, 0.0]]))
    assert centre[0] == 0.0 and hole.values.max() == np.float32(UNIFORM)


def test_idl_moments_give_the_hand_computed_emissivity(tmp_path):
    """P = alpha n_H n v_eff, n_H = 25 (10/r)^3, v_eff = sqrt(v² + 3kT/m_p), T = p/(n k)."""
    x, y, z = AX
    shp = (z.size, y.size, x.size)
    rho, ux, p = np.full(shp, 5.0), np.full(shp, -400.0), np.full(shp, 0.02)
    path = write_idl_binary(tmp_path / "mhd.out", *AX, {"Rho": rho, "Ux": ux, "Uy": ux * 0, "Uz": ux * 0, "P": p},
                            headline="R R R Mp/cc km/s km/s km/s nPa", double=True)  # fmt: skip
    vol = read_cube(path, mask="none", alpha_ev_cm2=1e-15, n0_cm3=25.0)
    zz, yy, xx = np.meshgrid(z, y, x, indexing="ij")
    r = np.sqrt(xx**2 + yy**2 + zz**2)
    k_b, m_p = 1.380649e-23, 1.67262192e-27
    t_k = 0.02e-9 / (5.0e6 * k_b)
    v_eff_cm_s = np.sqrt((400e3) ** 2 + 3 * k_b * t_k / m_p) * 100
    expect = 1e-15 * 25.0 * (10.0 / r) ** 3 * 5.0 * v_eff_cm_s
    np.testing.assert_allclose(vol.values, expect, rtol=2e-3)
    assert vol.provenance["moments"]["moments"] == {"n": "Rho", "vx": "Ux", "vy": "Uy", "vz": "Uz", "p": "P"}


def test_idl_bad_files(tmp_path):
    eta = ramp()
    path = write_idl_binary(tmp_path / "t.out", *AX, {"emis": eta})
    data = path.read_bytes()
    (tmp_path / "cut.out").write_bytes(data[:-200])
    with pytest.raises(DataFileError, match=r"cut\.out: is truncated: variable 1 of 1 \('emis'\)"):
        read_cube(tmp_path / "cut.out")
    # a variable record with fewer values than the grid
    x, y, z = AX
    bad = tmp_path / "count.out"
    with open(bad, "wb") as f:
        _rec(f, b"R R R x".ljust(79), "<")
        _rec(f, struct.pack("<ifiii", 1, 0.0, 3, 0, 1), "<")
        _rec(f, struct.pack("<3i", x.size, y.size, z.size), "<")
        _rec(f, b"x y z emis", "<")
        _rec(f, np.zeros(3 * eta.size, "<f4").tobytes(), "<")
        _rec(f, np.zeros(eta.size - 3, "<f4").tobytes(), "<")
    with pytest.raises(
        DataFileError, match=r"count\.out: variable 'emis' has 137 values; the grid \(7, 5, 4\) has 140"
    ):
        read_cube(bad)
    with pytest.raises(DataFileError, match=r"t\.out: has no variable 'rho'"):
        read_cube(path, variable="rho")


# --------------------------------------------------------------------------------------
# OpenGGCM CDF (reversed x, y)
# --------------------------------------------------------------------------------------


def test_openggcm_cdf_reverses_x_and_y_and_reads_the_metadata(tmp_path):
    eta = ramp()
    xf, yf, zf = -AX[0][::-1], -AX[1][::-1], AX[2]  # OpenGGCM: x anti-sunward, y reversed; stored increasing
    meta = {"inputParameters": {"N": 5, "Vx": 400, "Vy": 30, "Vz": 0, "Bx": 0, "By": 0, "Bz": 5, "T": 1e5,
                                "dipole_tilt": 0}, "time": "2017-03-01T12:00:00"}  # fmt: skip
    path = write_openggcm_cdf(tmp_path / "OpenGGCM_sim.cdf", xf, yf, zf, {"emis": eta}, meta)
    assert cube_format(path) == "openggcm"
    vol = read_cube(path, variables={"emissivity": "emis"})
    # node (i, j, k) of the file is at GSM (-xf[i], -yf[j], z[k]): x and y now decrease with i, j,
    # so the volume holds the data reversed along both
    check_exact(vol, eta[:, ::-1, ::-1])
    assert vol.provenance["file"]["reversed_axes"] == ["x", "y"]
    assert vol.frame == "gsm" and vol.provenance["time"] == "2017-03-01T12:00:00"
    assert vol.provenance["file"]["solar_wind"]["DENSITY"] == 5.0
    info = cube_info(path)
    assert info.time == "2017-03-01T12:00:00" and info.solar_wind["BZ"] == 5.0
    assert info.bounds_re == ((-5.0, 10.0), (-3.0, 3.0), (-2.0, 2.0))
    bad = write_openggcm_cdf(tmp_path / "bad.cdf", xf, yf, zf, {"emis": eta.ravel()[:-1]})
    with pytest.raises(DataFileError, match=r"bad\.cdf: variable 'emis' has 139 values"):
        read_cube(bad, variables={"emissivity": "emis"})
    with pytest.raises(DataFileError, match=r"bad\.cdf: has no variable 'rho'"):
        read_cube(bad)


# --------------------------------------------------------------------------------------
# frames: one bright voxel off-axis lands where geometry puts it
# --------------------------------------------------------------------------------------


def _brightest_pixel(vol, target):
    cam = Camera(
        np.array([0.0, 0.0, 30.0]), look_rotation((0.0, 0.0, -1.0)), (40.0, 40.0), (41, 41), frame="gsm"
    )
    img = render(RenderRequest(cam, VolumeSource(vol), backend="numpy")).image
    d = cam.ray_directions()
    want = np.asarray(target) - cam.position_re
    want /= np.linalg.norm(want)
    expect = np.unravel_index(np.argmax(d @ want), img.shape)
    got = np.unravel_index(np.argmax(img), img.shape)
    return got, expect


def test_bright_voxel_in_a_gsm_and_a_reversed_x_cube(tmp_path):
    a = np.arange(-10.0, 10.5, 1.0)
    voxel = (6.0, 3.0, 2.0)  # GSM
    eta = np.zeros((a.size,) * 3, np.float32)
    i, j, k = (int(np.flatnonzero(a == v)[0]) for v in voxel)
    eta[k, j, i] = 1.0
    gsm = read_cube(write_team_text(tmp_path / "voxel.dat", a, a, a, eta))
    got, expect = _brightest_pixel(gsm, voxel)
    assert np.abs(np.subtract(got, expect)).max() <= 1
    # the same voxel in OpenGGCM's frame: stored at file x = -6, y = -3
    eta_o = np.zeros_like(eta)
    eta_o[k, int(np.flatnonzero(a == -3.0)[0]), int(np.flatnonzero(a == -6.0)[0])] = 1.0
    ogg = read_cube(write_openggcm_cdf(tmp_path / "voxel.cdf", a, a, a, {"emis": eta_o}),
                    variables={"emissivity": "emis"})  # fmt: skip
    got_o, expect_o = _brightest_pixel(ogg, voxel)
    assert expect_o == expect and np.abs(np.subtract(got_o, expect)).max() <= 1
    mirrored, _ = _brightest_pixel(
        ogg, (-6.0, -3.0, 2.0)
    )  # a reader that forgot the reversal would put it here
    assert np.abs(np.subtract(got_o, _brightest_pixel(gsm, (-6.0, -3.0, 2.0))[1])).max() > 5


# --------------------------------------------------------------------------------------
# Tecplot, GAMERA, LaTeP
# --------------------------------------------------------------------------------------


def test_tecplot_dat_through_batread(tmp_path):
    x, y, z = SLAB
    val = np.full((z.size, y.size, x.size), UNIFORM)
    path = write_tecplot_dat(tmp_path / "3d__all.dat", x, y, z, {"emissivity [eV cm^-3 s^-1]": val},
                             aux={"COORDSYSTEM": "GSM", "TIMEEVENT": "2015/03/17 04:30:00.000"})  # fmt: skip
    assert cube_format(path) == "tecplot"
    vol = read_cube(path)
    assert vol.frame == "gsm" and vol.provenance["time"] == "2015-03-17T04:30:00"
    np.testing.assert_allclose(vol.values, np.float32(UNIFORM), rtol=1e-6)
    assert slab_integral(vol) == pytest.approx(4.0 * UNIFORM * LOS, rel=1e-5)
    info = cube_info(path)
    assert (
        info.n_points == x.size * y.size * z.size
        and info.n_cells == 64
        and info.time == "2015-03-17T04:30:00"
    )
    odd = write_tecplot_dat(tmp_path / "hgi.dat", x, y, z, {"emissivity [eV cm^-3 s^-1]": val},
                            aux={"COORDSYSTEM": "HGI"})  # fmt: skip
    with pytest.raises(
        DataFileError, match=r"hgi\.dat: states the frame 'hgi': expected one of \('GSE', 'GSM', 'GSO'\)"
    ):
        read_cube(odd)
    assert read_cube(odd, frame="gse").frame == "gse"  # the caller may say what the file got wrong


def test_tecplot_plt_through_batread(tmp_path):
    x, y, z = SLAB
    val = np.full((z.size, y.size, x.size), UNIFORM)
    path = write_tecplot_plt(tmp_path / "3d__all.plt", x, y, z, {"emissivity [eV cm^-3 s^-1]": val},
                             aux={"COORDSYSTEM": "GSE", "TIMEEVENT": "2015/03/17 04:30:00.000"})  # fmt: skip
    assert cube_format(path) == "tecplot"
    vol = read_cube(path)
    assert vol.frame == "gse" and vol.provenance["time"] == "2015-03-17T04:30:00"
    np.testing.assert_allclose(vol.values, np.float32(UNIFORM), rtol=1e-6)
    assert slab_integral(vol) == pytest.approx(4.0 * UNIFORM * LOS, rel=1e-5)
    path.write_bytes(path.read_bytes()[:-100])  # connectivity cut short
    with pytest.raises(DataFileError, match=r"3d__all\.plt: "):
        read_cube(path)


def test_gamera_hdf5_layout(tmp_path):
    x, y, z = SLAB
    cells = (z.size - 1, y.size - 1, x.size - 1)
    path = write_gamera(tmp_path / "msphere.gam.h5", x, y, z,
                        {"D": np.full(cells, 5.0), "Vx": np.full(cells, -4.0), "Vy": np.zeros(cells),
                         "Vz": np.zeros(cells), "P": np.full(cells, 1.2), "Emis": np.full(cells, UNIFORM)},
                        units_id="CODE")  # fmt: skip
    assert cube_format(path) == "gamera"
    vol = read_cube(path, variable="Emis")
    np.testing.assert_allclose(vol.values, np.float32(UNIFORM), rtol=1e-6)
    assert "SM grid taken as GSM" in vol.provenance["file"]["frame_source"]
    assert slab_integral(vol) == pytest.approx(4.0 * UNIFORM * LOS, rel=1e-5)
    mom = read_cube(path, mask="none")  # code units: V × 100 km/s, P × 1.67e-2 nPa
    assert mom.provenance["source"].startswith("plasma moments from GAMERA")
    assert np.all(mom.values > 0)
    info = cube_info(path)
    assert info.n_cells == 64 and [v.name for v in info.variables][:2] == ["D", "Emis"]
    with pytest.raises(DataFileError, match=r"msphere\.gam\.h5: Step#0 has no 'Eta' dataset"):
        read_cube(path, variable="Eta")
    with pytest.raises(UserInputError, match=r"step = 3"):
        read_cube(path, step=3)


@pytest.mark.slow  # the first SM→GSM rotation loads the IGRF and frame tables (~4 s)
def test_gamera_sm_grid_rotated_to_gsm_at_its_time(tmp_path):
    from smile_viewer.coords.frames import dipole_tilt

    x, y, z = SLAB
    cells = (z.size - 1, y.size - 1, x.size - 1)
    mjd = 57098.5  # 2015-03-17T12:00 UTC
    path = write_gamera(tmp_path / "tilted.gam.h5", x, y, z, {"Emis": np.full(cells, UNIFORM)}, mjd=mjd)
    vol = read_cube(path, variable="Emis")
    assert vol.provenance["time"].startswith("2015-03-17T12:00:00")
    tilt = float(np.asarray(dipole_tilt(vol.provenance["time"])))
    # the SM box rotated by the tilt about Y: its GSM x extent grows to 4 cos ψ + 4 |sin ψ|
    (x0, x1), _, _ = vol.bounds
    assert x1 - x0 == pytest.approx(4 * np.cos(tilt) + 4 * abs(np.sin(tilt)), rel=0.05)


def test_latep_prod_to_emissivity(tmp_path):
    x, y, z = SLAB
    prod = np.full((z.size, y.size, x.size), 0.2, np.float32)
    path = write_latep(tmp_path / "LaTeP_OpenGGCM.nc", prod, axes=(x, y, z))
    assert cube_format(path) == "latep"
    vol = read_cube(path)
    p = float(np.float32(0.2)) * 568.49 * 1.1236e-4  # SMILE-TFA ReadCube.py: Prod × E_line × abundance
    np.testing.assert_allclose(vol.values, p, rtol=1e-6)
    assert vol.frame == "gse" and "GSO taken as GSE" in vol.provenance["file"]["frame"]
    assert slab_integral(vol) == pytest.approx(4.0 * float(np.float32(p)) * LOS, rel=1e-6)
    rate = read_cube(path, production="rate")
    assert rate.units == "cm^-3 s^-1" and float(rate.values[0, 0, 0]) == np.float32(0.2)
    # no coordinate variables: SMILE-TFA's grid, origin (-0.05, -10.05, -10) R_E, step 0.05
    bare = read_cube(write_latep(tmp_path / "bare.nc", prod))
    assert bare.origin_re == pytest.approx((-0.05, -10.05, -10.0)) and bare.spacing_re == pytest.approx(
        (0.05,) * 3
    )


@pytest.mark.parametrize("kind", ["text", "idl", "idl_ascii", "openggcm"])
def test_uniform_cube_line_integral_in_the_rectilinear_formats(tmp_path, kind):
    x, y, z = SLAB
    val = np.full((z.size, y.size, x.size), UNIFORM, np.float32)
    if kind == "text":
        path = write_team_text(tmp_path / "u.dat", x, y, z, val)
        vol = read_cube(path)
    elif kind == "idl":
        vol = read_cube(write_idl_binary(tmp_path / "u.out", x, y, z, {"emis": val}))
    elif kind == "idl_ascii":
        vol = read_cube(write_idl_ascii(tmp_path / "ua.out", x, y, z, {"emis": val}))
    else:
        vol = read_cube(
            write_openggcm_cdf(tmp_path / "u.cdf", -x, -y, z, {"emis": val}), variables={"emissivity": "emis"}
        )
    assert slab_integral(vol) == pytest.approx(4.0 * float(np.float32(UNIFORM)) * LOS, rel=1e-9)


def test_cube_info_cli_prints_frame_units_solar_wind_and_time(tmp_path, capsys):
    from smile_viewer.cli import main

    path = write_idl_binary(tmp_path / "box_e20150317-043000.out", *AX, {"emis": ramp()})
    assert main(["cube-info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "frame      GSM" in out and "time       2015-03-17T04:30:00" in out and "emis" in out
    text = write_team_text(tmp_path / "t.dat", *AX, ramp())
    assert main(["cube-info", str(text)]) == 0
    out = capsys.readouterr().out
    assert "solar wind" in out and "DENSITY=5.0" in out
    (tmp_path / "broken.dat").write_text(text.read_text()[:-200])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["cube-info", str(tmp_path / "broken.dat")]) == 2
    err = capsys.readouterr().err
    assert "broken.dat: holds" in err and len(err.strip().splitlines()) == 1
