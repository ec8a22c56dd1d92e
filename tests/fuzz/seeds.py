"""Valid seed files of every kind smile-viewer reads, for the fuzz suite (docs/robustness.md).

Each builder writes small valid files into a directory and returns their paths. Where the
project has a writer it is used (write_fits_cube, write_synthetic_product, format_tle,
write_oem, session_text); the rest are hand-written from the format's description: VTK legacy
and XML (VTK's file-format document), netCDF-3/4 and HDF5 (xarray, h5py), OMNI HRO ASCII
(hroformat.txt) and CDF (cdflib's writer, CDAWeb's OMNI_HRO_1MIN variable names), the Polar-UVI
style CDF and the SXI team's level-3 FITS layout (swharton1/SXI_L3), attitude CSV/JSON.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

T0 = "2026-05-21T01:00:00"
POS = np.array([6.0, -6.0, 18.0])


def _volume():
    from smile_viewer.physics.volume import Volume

    z, y, x = np.mgrid[0:5, 0:6, 0:7].astype(np.float32)
    return Volume(1e-4 * (1.0 + x + 2 * y + 3 * z), (-3.0, -2.5, -2.0), (1.0, 1.0, 1.0))


def _axes():
    return np.linspace(-3.0, 3.0, 7), np.linspace(-2.5, 2.5, 6), np.linspace(-2.0, 2.0, 5)


def fits_cube(d: Path) -> list[Path]:
    from astropy.io import fits

    from smile_viewer.io.cubes import write_fits_cube

    a = write_fits_cube(d / "cube.fits", _volume())
    # hand-written, the community layout (swharton1/Emissivity_Cubes ppmlr_fits.py): primary (z, y, x)
    # emissivity, image extensions x, y, z [R_E], solar wind keywords
    x, y, z = _axes()
    h = fits.Header()
    h["BX"], h["BY"], h["BZ"], h["VX"], h["DENSITY"], h["TEMP"] = 0.0, 0.0, 5.0, 400.0, 5.0, 2e5
    data = np.ones((z.size, y.size, x.size), np.float32)
    fits.HDUList(
        [fits.PrimaryHDU(data, header=h), *(fits.ImageHDU(a, name=n) for n, a in zip("xyz", (x, y, z)))]
    ).writeto(d / "community.fits")
    return [a, d / "community.fits"]


def _pv_grid():
    import pyvista as pv

    g = pv.ImageData(dimensions=(7, 6, 5), spacing=(1.0, 1.0, 1.0), origin=(-3.0, -2.5, -2.0))
    g.point_data["eta"] = np.linspace(1e-5, 1e-3, g.n_points).astype(np.float32)
    return g


def vtk_legacy(d: Path) -> list[Path]:
    g = _pv_grid()
    g.save(d / "cube_bin.vtk", binary=True)
    g.save(d / "cube_ascii.vtk", binary=False)
    # hand-written from VTK's legacy format description
    vals = " ".join(f"{v:.6g}" for v in np.linspace(1e-5, 1e-3, 7 * 6 * 5))
    (d / "hand.vtk").write_text(
        "# vtk DataFile Version 3.0\nemissivity\nASCII\nDATASET STRUCTURED_POINTS\n"
        "DIMENSIONS 7 6 5\nORIGIN -3 -2.5 -2\nSPACING 1 1 1\nPOINT_DATA 210\n"
        f"SCALARS eta float 1\nLOOKUP_TABLE default\n{vals}\n"
    )
    return [d / "cube_bin.vtk", d / "cube_ascii.vtk", d / "hand.vtk"]


def vti(d: Path) -> list[Path]:
    g = _pv_grid()
    g.save(d / "cube.vti")
    g.save(d / "cube_ascii.vti", binary=False)
    return [d / "cube.vti", d / "cube_ascii.vti"]


def _dataset():
    import xarray as xr

    x, y, z = _axes()
    f = np.linspace(1e-5, 1e-3, z.size * y.size * x.size).reshape(z.size, y.size, x.size).astype(np.float32)
    return xr.Dataset(
        {"eta": (("z", "y", "x"), f, {"units": "eV cm-3 s-1"})}, coords={"x": x, "y": y, "z": z}
    )


def netcdf3(d: Path) -> list[Path]:
    _dataset().to_netcdf(d / "cube3.nc", engine="scipy", format="NETCDF3_CLASSIC")
    return [d / "cube3.nc"]


def netcdf4(d: Path) -> list[Path]:
    _dataset().to_netcdf(d / "cube4.nc", engine="h5netcdf")
    return [d / "cube4.nc"]


def hdf5(d: Path) -> list[Path]:
    import h5py

    x, y, z = _axes()
    with h5py.File(d / "cube.h5", "w") as h:
        h["x"], h["y"], h["z"] = x, y, z
        h["eta"] = np.ones((z.size, y.size, x.size), np.float32)
    return [d / "cube.h5"]


def observed_fits(d: Path) -> list[Path]:
    from astropy.io import fits
    from astropy.time import Time

    from smile_viewer.io.products import write_synthetic_product
    from smile_viewer.mission.instruments import load_instrument
    from smile_viewer.mission.pointing import sxi_pointing

    sxi = load_instrument("sxi")
    pt = sxi_pointing(POS)
    cam = sxi.camera(POS, pt.rotation, shape=(9, 12))
    yy, xx = np.mgrid[0:9, 0:12]
    write_synthetic_product(
        d / "product.fits", 5.0 + 0.1 * xx + 0.2 * yy, cam, Time(T0), sxi, aim_re=pt.aim_re
    )
    # the SXI team's level-3 layout (swharton1/SXI_L3 rebin_files_exp_bkg.create_fits_file)
    h = fits.Header()
    for c, v, a in zip("XYZ", POS, pt.aim_re):
        h[f"POS_{c}"], h[f"AIM_{c}"] = float(v), float(a)
    h["CTYPE1"], h["CRVAL1"], h["CDELT1"] = "deg", -8.0, 16.0 / 8
    h["CTYPE2"], h["CRVAL2"], h["CDELT2"] = "deg", -13.5, 27.0 / 9
    h["EXPOS"], h["EMIN"], h["EMAX"] = 300.0, 0.2, 2.5
    h["DATE-OBS"], h["DATE-END"] = "2026-03-17T02:40:00.000000", "2026-03-17T02:45:00.000000"
    img = np.full((9, 8), 3.0)
    fits.HDUList(
        [fits.PrimaryHDU(img, header=h), fits.ImageHDU(np.full((9, 8), 0.9), header=h, name="VIGMAP")]
    ).writeto(d / "team_l3.fits")
    return [d / "product.fits", d / "team_l3.fits"]


def product(d: Path) -> list[Path]:
    """The synthetic product alone (read back by io.products.read_synthetic_product)."""
    return [p for p in observed_fits(d) if p.name == "product.fits"]


def observed_cdf(d: Path) -> list[Path]:
    import cdflib
    from astropy.time import Time
    from cdflib.cdfwrite import CDF

    from smile_viewer.coords import rotation_matrix
    from smile_viewer.mission.instruments import load_instrument
    from smile_viewer.mission.pointing import uvi_pointing

    uvi = load_instrument("uvi")
    pos = np.array([-2.0, 3.0, 19.0])
    t = Time(T0)
    pt = uvi_pointing(pos, t)
    ny, nx = 8, 6
    dx, dy = uvi.pixel_scale_deg((ny, nx))
    cam = uvi.camera(pos, pt.rotation, shape=(ny, nx))
    g = rotation_matrix(t, "gse", "gei")
    path = d / "uvi.cdf"
    c = CDF(str(path), cdf_spec={"Majority": "row_major"})
    c.write_globalattrs({"Logical_source": {0: "smile_k0_uvi"}})

    def var(name, dtype, data, dims, attrs=None):
        c.write_var(
            {"Variable": name, "Data_Type": dtype, "Num_Elements": 1, "Rec_Vary": True, "Dim_Sizes": dims},
            var_attrs=attrs or {},
            var_data=data,
        )

    var("Epoch", 31, np.array([cdflib.cdfepoch.compute_epoch([2026, 5, 21, 1, 0, 30, 0])]), [])
    var(
        "IMAGE_DATA",
        21,
        np.full((1, ny, nx), 100.0, np.float32),
        [ny, nx],
        {"UNITS": "R", "FILLVAL": np.float32(-1e31), "DEPEND_0": "Epoch"},
    )
    var("IMG_MINUS_MSEC", 45, np.full(1, 30000.0), [])
    var("IMG_PLUS_MSEC", 45, np.full(1, 30000.0), [])
    var("GCI_POSITION", 21, (g @ pos * 6371.0)[None].astype(np.float32), [3])
    var("GCI_LOOK_DIR", 45, (g @ cam.boresight)[None], [3])
    var("GCI_COL_DIR", 45, (g @ cam.rotation[:, 0])[None], [3])
    var("PIXEL_SCALE_DEG", 45, np.array([[dx, dy]]), [2])
    c.close()
    return [path]


def _fortran(fmt: str):
    out = []
    for tok in fmt.split(","):
        m = re.fullmatch(r"(\d*)([IF])(\d+)(?:\.(\d+))?", tok.strip())
        out += [(m.group(2), int(m.group(3)), int(m.group(4) or 0))] * int(m.group(1) or 1)
    return out


def omni_ascii(d: Path) -> list[Path]:
    """OMNI HRO 1-min records (hroformat.txt widths), hand-written."""
    from smile_viewer.io.omni import HRO_1MIN_FORMAT

    lines = []
    for k in range(6):
        w = datetime(2015, 3, 17, 4, 0) + timedelta(minutes=k)
        words = [
            w.year,
            w.timetuple().tm_yday,
            w.hour,
            w.minute,
            71,
            71,
            15,
            12,
            0,
            2400,
            30,
            0.05,
            60,
            3.7,
            1.0,
            -2.0,
            -3.0 + 0.5 * k,
            -2.0,
            -3.0,
            0.5,
            0.8,
            400.0,
            -400.0,
            5.0,
            -3.0,
            5.0,
            1.0e5,
            2.0,
            1.2,
            1.9,
            8.9,
            230.1,
            40.2,
            20.3,
            13.5,
            1.2,
            0.4,
            120,
            -80,
            40,
            3,
            -12,
            15,
            20,
            0.85,
            5.5,
        ]
        lines.append(
            "".join(
                f"{int(v):{wd}d}" if kd == "I" else f"{float(v):{wd}.{dc}f}"
                for (kd, wd, dc), v in zip(_fortran(HRO_1MIN_FORMAT), words, strict=True)
            )
        )
    (d / "omni_min.asc").write_text("\n".join(lines) + "\n", encoding="ascii")
    return [d / "omni_min.asc"]


def omni_cdf(d: Path) -> list[Path]:
    """A CDF with CDAWeb's OMNI_HRO_1MIN variable names (cdflib's writer)."""
    import cdflib
    from cdflib.cdfwrite import CDF

    n = 6
    comps = [[2015, 3, 17, 4, k, 0, 0] for k in range(n)]
    path = d / "omni_hro_1min.cdf"
    with CDF(str(path), cdf_spec={"Compressed": False}, delete=True) as c:
        c.write_globalattrs({"Logical_source": {0: "omni_hro_1min"}})
        c.write_var(
            {
                "Variable": "Epoch",
                "Data_Type": CDF.CDF_EPOCH,
                "Num_Elements": 1,
                "Rec_Vary": True,
                "Dim_Sizes": [],
            },
            var_attrs={"FILLVAL": [-1.0e31, "CDF_EPOCH"]},
            var_data=np.asarray(cdflib.cdfepoch.compute_epoch(comps), dtype=np.float64),
        )
        k = np.arange(n, dtype=float)
        cols = {
            "BX_GSE": 1.0 + 0 * k,
            "BY_GSM": -2.0 + 0 * k,
            "BZ_GSM": -3.0 + 0.5 * k,
            "flow_speed": 400.0 + k,
            "Vx": -400.0 - k,
            "Vy": 5.0 + 0 * k,
            "Vz": -3.0 + 0 * k,
            "proton_density": 5.0 + k,
            "T": 1e5 + k,
        }
        for name, values in cols.items():
            c.write_var(
                {
                    "Variable": name,
                    "Data_Type": CDF.CDF_REAL4,
                    "Num_Elements": 1,
                    "Rec_Vary": True,
                    "Dim_Sizes": [],
                },
                var_attrs={"DEPEND_0": "Epoch", "FILLVAL": [np.float32(9999.99), "CDF_REAL4"]},
                var_data=values.astype(np.float32),
            )
    return [path]


def tle(d: Path) -> list[Path]:
    from astropy.time import Time

    from smile_viewer.mission.tle import format_tle

    l1, l2 = format_tle(
        epoch=Time(T0),
        inclination_deg=70.0,
        raan_deg=30.0,
        eccentricity=0.7,
        arg_perigee_deg=270.0,
        mean_anomaly_deg=10.0,
        mean_motion_rev_day=0.5,
    )[-2:]
    (d / "smile.tle").write_text(f"SMILE\n{l1}\n{l2}\n")
    (d / "iss.tle").write_text(  # a real two-line set (CelesTrak's format description example)
        "1 25544U 98067A   08264.51782528 -.00002182  00000-0 -11606-4 0  2927\n"
        "2 25544  51.6416 247.4627 0006703 130.5360 325.0288 15.72125391563537\n"
    )
    return [d / "smile.tle", d / "iss.tle"]


def oem(d: Path) -> list[Path]:
    from astropy.time import Time, TimeDelta

    from smile_viewer.mission.oem import write_oem
    from smile_viewer.mission.orbit import default_orbit

    orb = default_orbit()
    times = Time(T0) + TimeDelta(np.arange(12) * 600.0, format="sec")
    r, v = orb.state(times, "gei")
    write_oem(d / "smile.oem", times, r, v)
    return [d / "smile.oem"]


def attitude(d: Path) -> list[Path]:
    (d / "att.csv").write_text(
        "# frame: J2000\ntime,q0,q1,q2,q3\n2026-05-21T00:00:00,1,0,0,0\n"
        "2026-05-21T01:00:00,0.7071068,0.7071068,0,0\n2026-05-21T02:00:00,0,1,0,0\n"
    )
    (d / "att.json").write_text(
        json.dumps(
            {
                "frame": "J2000",
                "scalar_first": True,
                "records": [
                    {"time": "2026-05-21T00:00:00", "q": [1, 0, 0, 0]},
                    {"time": "2026-05-21T02:00:00", "q": [0.7071068, 0, 0.7071068, 0]},
                ],
            },
            indent=1,
        )
    )
    return [d / "att.csv", d / "att.json"]


def session(d: Path) -> list[Path]:
    from smile_viewer.state.app import AppState
    from smile_viewer.state.session import session_text

    (d / "session.json").write_text(session_text(AppState()))
    return [d / "session.json"]


def profile(d: Path) -> list[Path]:
    from smile_viewer.analysis.constraints import default_profile_path

    shutil.copy(default_profile_path(), d / "profile.json")
    return [d / "profile.json"]


# -- the modellers' native cube formats and the real-data readers (issue 14) ---------------------
def _native():
    """tests/io/test_cube_formats_native.py: its writers follow each format's description
    (swharton1/Emissivity_Cubes readers, the BATS-R-US IDL records, Tecplot, kaipy, LaTeP)."""
    import importlib.util
    import sys

    name = "_smile_native_cube_writers"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            name, HERE.parent / "io" / "test_cube_formats_native.py"
        )
        mod = importlib.util.module_from_spec(spec)
        sys.modules[name] = mod
        spec.loader.exec_module(mod)
    return sys.modules[name]


HERE = Path(__file__).resolve().parent
REAL = HERE.parent / "data" / "real"


def _small():
    x, y, z = np.linspace(-5.0, 10.0, 7), np.linspace(-3.0, 3.0, 5), np.linspace(-2.0, 2.0, 4)
    eta = (np.arange(140).reshape(4, 5, 7) * 1.25e-6 + 1e-7).astype(np.float32)
    return x, y, z, eta


def ppmlr_text(d: Path) -> list[Path]:
    x, y, z, eta = _small()
    return [_native().write_team_text(d / "S05D05V400B0000-05rad.dat", x, y, z, eta, per_line=6)]


def bats_idl(d: Path) -> list[Path]:
    n = _native()
    x, y, z, eta = _small()
    a = n.write_idl_binary(d / "z=0_var_1.out", x, y, z, {"emis": eta})
    b = n.write_idl_ascii(d / "ascii.out", x, y, z, {"emis": eta})
    return [a, b]


def tecplot(d: Path) -> list[Path]:
    n = _native()
    x, y, z, eta = _small()
    aux = {"COORDSYSTEM": "GSM", "TIMEEVENT": "2015/03/17 04:30:00.000"}
    a = n.write_tecplot_dat(d / "3d__all.dat", x, y, z, {"emissivity [eV cm^-3 s^-1]": eta}, aux=aux)
    b = n.write_tecplot_plt(d / "3d__all.plt", x, y, z, {"emissivity [eV cm^-3 s^-1]": eta}, aux=aux)
    return [a, b]


def _ggcm_moments():
    x, y, z, _ = _small()
    shape = (z.size, y.size, x.size)
    return x, y, z, {"rho": np.full(shape, 5.0), "ux": np.full(shape, -400.0), "uy": np.zeros(shape),
                     "uz": np.zeros(shape), "p": np.full(shape, 0.02)}  # fmt: skip


_GGCM_META = {"inputParameters": {"N": 5, "Vx": 400, "Vy": 0, "Vz": 0, "Bx": 0, "By": 0, "Bz": 5, "T": 1e5},
              "time": "2017-03-01T12:00:00"}  # fmt: skip


def openggcm_cdf(d: Path) -> list[Path]:
    x, y, z, moments = _ggcm_moments()
    return [_native().write_openggcm_cdf(d / "OpenGGCM_sim.cdf", -x[::-1], -y[::-1], z, moments)]


def openggcm_meta(d: Path) -> list[Path]:
    """The JSON metadata beside an OpenGGCM CDF: mutated JSON, the same CDF (``_openggcm_meta``
    in fuzzlib links it beside each mutated file)."""
    x, y, z, moments = _ggcm_moments()
    _native().write_openggcm_cdf(d / "run.cdf", -x[::-1], -y[::-1], z, moments, meta=_GGCM_META)
    return [d / "run.json"]


def gamera_h5(d: Path) -> list[Path]:
    x, y, z, _ = _small()
    cells = (z.size - 1, y.size - 1, x.size - 1)
    cell_vars = {"D": np.full(cells, 5.0), "Vx": np.full(cells, -4.0), "Vy": np.zeros(cells),
                 "Vz": np.zeros(cells), "P": np.full(cells, 1.2), "Emis": np.full(cells, 1e-5)}  # fmt: skip
    return [_native().write_gamera(d / "msphere.gam.h5", x, y, z, cell_vars, units_id="CODE", mjd=57000.5)]


def latep_nc(d: Path) -> list[Path]:
    x, y, z, eta = _small()
    return [_native().write_latep(d / "latep_prod.nc", eta, axes=(x, y, z))]


def cube_sequence(d: Path) -> list[Path]:
    """A JSON index of two community FITS cubes (docs/formats.md#cube-sequences)."""
    from astropy.io import fits

    x, y, z, eta = _small()
    for k in range(2):
        fits.HDUList(
            [fits.PrimaryHDU(eta * (k + 1)), *(fits.ImageHDU(a, name=n) for a, n in zip((x, y, z), "xyz"))]
        ).writeto(d / f"c{k}.fits", overwrite=True)
    (d / "run.json").write_text(
        json.dumps(
            {
                "interpolation": "linear",
                "cubes": [
                    {"file": "c0.fits", "time": T0},
                    {"file": "c1.fits", "time": "2026-05-21T01:10:00"},
                ],
            },
            indent=1,
        )
    )
    return [d / "run.json"]


def image_fuv(d: Path) -> list[Path]:
    """A real IMAGE FUV WIC level-1 IDL save file (tests/data/real/image-wic)."""
    src = REAL / "image-wic" / "wic20002410930.idl"
    shutil.copy(src, d / src.name)
    return [d / src.name]


def lexi_cdf(d: Path) -> list[Path]:
    """A real LEXI level-1c photon-event CDF (tests/data/real/lexi)."""
    src = sorted((REAL / "lexi").glob("*.cdf"))[0]
    shutil.copy(src, d / src.name)
    (d / src.name).chmod(0o644)
    return [d / src.name]


#: kind → (builder, loader name in fuzzlib.LOADERS, text format?)
KINDS = {
    "fits_cube": (fits_cube, "cube", False),
    "vtk_legacy": (vtk_legacy, "cube", False),
    "vti": (vti, "cube", False),
    "netcdf3": (netcdf3, "cube", False),
    "netcdf4": (netcdf4, "cube", False),
    "hdf5": (hdf5, "cube", False),
    "observed_fits": (observed_fits, "observed", False),
    "observed_cdf": (observed_cdf, "observed", False),
    "product": (product, "product", False),
    "omni_ascii": (omni_ascii, "omni", True),
    "omni_cdf": (omni_cdf, "omni", False),
    "tle": (tle, "tle", True),
    "oem": (oem, "oem", True),
    "attitude": (attitude, "attitude", True),
    "session": (session, "session", True),
    "profile": (profile, "profile", True),
    "ppmlr_text": (ppmlr_text, "cube", True),
    "bats_idl": (bats_idl, "cube", False),
    "tecplot": (tecplot, "cube", False),
    "openggcm_cdf": (openggcm_cdf, "cube", False),
    "openggcm_meta": (openggcm_meta, "openggcm_meta", True),
    "gamera_h5": (gamera_h5, "cube", False),
    "latep_nc": (latep_nc, "cube", False),
    "cube_sequence": (cube_sequence, "sequence", True),
    "image_fuv": (image_fuv, "observed", False),
    "lexi_cdf": (lexi_cdf, "observed", False),
}
