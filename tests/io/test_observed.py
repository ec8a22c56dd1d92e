"""Loading observed images: FITS with a celestial WCS, SXI level-3 products in the SXI team's
layout, UVI FITS and UVI CDF (Polar UVI key-parameter style), and every error path."""

from __future__ import annotations

import math

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time

from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.io.observed import load_observed, observed_from_arrays
from smile_viewer.io.products import camera_wcs, write_synthetic_product
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import sxi_pointing, uvi_pointing
from smile_viewer.mission.response import compute_response

T = Time("2026-05-21T01:00:00")
POS = np.array([6.0, -6.0, 18.0])


def _sxi_product(path, shape=(31, 53), seed=1):
    sxi = load_instrument("sxi")
    pt = sxi_pointing(POS)
    cam = sxi.camera(POS, pt.rotation, shape=shape)
    yy, xx = np.mgrid[0 : shape[0], 0 : shape[1]]
    image = 5.0 + 0.1 * xx + 0.2 * yy  # any intensity map [keV cm^-2 s^-1 sr^-1]
    resp = compute_response(image, cam, sxi, seed=seed)
    write_synthetic_product(path, image, cam, T, sxi, response=resp, aim_re=pt.aim_re)
    return cam, image, resp, pt


def _team_header(shape, fov=(16.0, 27.0)):
    """Primary header as swharton1/SXI_L3 rebin_files_exp_bkg.create_fits_file writes it."""
    ny, nx = shape
    h = fits.Header()
    pt = sxi_pointing(POS)
    for c, v in zip("XYZ", POS):
        h[f"POS_{c}"] = float(v)
    for c, v in zip("XYZ", pt.aim_re):
        h[f"AIM_{c}"] = float(v)
    h["CTYPE1"] = "deg"
    h["CRVAL1"] = -fov[0] / 2
    h["CDELT1"] = fov[0] / nx
    h["CTYPE2"] = "deg"
    h["CRVAL2"] = -fov[1] / 2
    h["CDELT2"] = fov[1] / ny
    h["EXPOS"] = 300.0
    h["EMIN"] = 0.2
    h["EMAX"] = 2.5
    h["RA"] = 123.0
    h["DEC"] = 45.0
    h["DATE-OBS"] = "2026-03-17T02:40:00.000000"
    h["DATE-END"] = "2026-03-17T02:45:00.000000"
    h["COMMENT"] = "Made by rebin_files_exp_bkg.py"
    return h


def _team_product(path, shape=(27, 16), with_bkgmap=True):
    h = _team_header(shape)
    rng = np.random.default_rng(0)
    maps = {k: rng.uniform(0.1, 1.0, shape) for k in ("XBMAP", "PSMAP", "PBMAP", "CLMAP", "SPMAP")}
    bkg = sum(maps.values())
    cts = rng.poisson(bkg + 3.0).astype(float)
    vig = np.full(shape, 0.9)
    cxfov = (cts - bkg) / vig
    hdus = [fits.PrimaryHDU(cxfov, header=h)]
    ext = {
        "CTSMAP": cts,
        **({"BKGMAP": bkg} if with_bkgmap else {}),
        **maps,
        "VIGMAP": vig,
        "CXFOV": cxfov,
        "ERRFOV": np.sqrt(cts),
    }
    for name, data in ext.items():
        hdus.append(fits.ImageHDU(data=data, header=h, name=name))
    fits.HDUList(hdus).writeto(path, overwrite=True)
    return cts, bkg, maps, cxfov


# ---------------------------------------------------------------------------- FITS


def test_sxi_product_with_wcs(tmp_path):
    path = tmp_path / "sxi.fits"
    _cam, image, resp, pt = _sxi_product(path)
    obs = load_observed(path)
    assert obs.format == "fits-wcs" and obs.geometry_kind == "wcs"
    assert obs.instrument == "sxi" and obs.units == "keV cm^-2 s^-1 sr^-1"
    assert obs.shape == (31, 53)
    np.testing.assert_allclose(obs.image, image, rtol=1e-15)
    assert abs((obs.time_start - T).to_value("s")) < 1e-6
    assert obs.exposure_s == 300.0
    assert abs((obs.time_end - obs.time_start).to_value("s") - 300.0) < 1e-6
    np.testing.assert_allclose(obs.position_re, POS)
    np.testing.assert_allclose(obs.aim_re, pt.aim_re)
    assert obs.band_kev == (0.2, 2.5)
    for name in ("CTSMAP", "BKGMAP", "VIGMAP", "CXFOV", "ERRFOV", "XBMAP", "PBMAP"):
        assert name in obs.maps and obs.maps[name].dtype == np.float64
    np.testing.assert_array_equal(obs.counts, resp.counts)
    np.testing.assert_allclose(obs.background, resp.background, rtol=1e-6)  # stored as float32
    np.testing.assert_allclose(obs.vignetting, resp.vignetting, rtol=1e-6)
    assert obs.valid_mask().all()
    assert obs.wcs.has_celestial
    assert len(obs.provenance["sha256"]) == 64 and obs.provenance["hdus"][0] == "PRIMARY"
    s = obs.summary()
    assert s["geometry"] == "wcs" and s["exposure_s"] == 300.0
    with pytest.raises(DataFileError, match="no PSMAP"):
        obs.map("psmap")


def test_uvi_product_fits(tmp_path):
    uvi = load_instrument("uvi")
    pos = np.array([-2.0, 3.0, 19.0])
    pt = uvi_pointing(pos, T)
    cam = uvi.camera(pos, pt.rotation, shape=(64, 64))
    img = np.where(cam.inside_field(), 200.0, np.nan)
    resp = compute_response(img, cam, uvi, seed=2)
    write_synthetic_product(tmp_path / "uvi.fits", img, cam, T, uvi, response=resp, aim_re=pt.aim_re)
    obs = load_observed(tmp_path / "uvi.fits")
    assert obs.instrument == "uvi" and obs.units == "R" and obs.exposure_s == 60.0
    assert np.isnan(obs.image[0, 0]) and obs.image[32, 32] == 200.0
    assert not obs.valid_mask()[0, 0]


def test_generic_celestial_fits_without_positions(tmp_path):
    """A plain FITS image with a celestial WCS and DATE-OBS only: loads, notes what is missing."""
    sxi = load_instrument("sxi")
    cam = sxi.camera(POS, sxi_pointing(POS).rotation, shape=(10, 12))
    h = camera_wcs(cam, T).to_header()
    h["DATE-OBS"] = "2026-05-21T01:00:00"
    fits.PrimaryHDU(np.ones((10, 12), np.float32), header=h).writeto(tmp_path / "g.fits")
    obs = load_observed(tmp_path / "g.fits")
    assert obs.position_re is None and obs.exposure_s is None and obs.units == ""
    assert any("BUNIT" in n for n in obs.notes) and any("EXPOS" in n for n in obs.notes)
    assert obs.instrument == ""
    obs2 = load_observed(tmp_path / "g.fits", instrument="SXI")
    assert obs2.instrument == "sxi"


def test_team_level3_layout(tmp_path):
    path = tmp_path / "SMILE_SXI_L3_SCIM15-SCI-CXF_20260317T0240-20260317T0245_V01_1x1.fits"
    cts, bkg, _parts, cxfov = _team_product(path)
    obs = load_observed(path)
    assert obs.format == "sxi-l3" and obs.geometry_kind == "sxi_angles" and obs.wcs is None
    assert obs.instrument == "sxi" and obs.units == "count"
    np.testing.assert_allclose(obs.image, cxfov)
    np.testing.assert_allclose(obs.counts, cts)  # CTSMAP, not the CXFOV primary
    np.testing.assert_allclose(obs.background, bkg)
    assert obs.exposure_s == 300.0
    assert obs.time_start.isot == "2026-03-17T02:40:00.000"
    ang = obs.pixel_angles
    # 16 columns over 16 deg: centres at -7.5 ... +7.5; 27 rows over 27 deg: -13 ... +13
    np.testing.assert_allclose(ang["phi_deg"], np.arange(16) - 7.5)
    np.testing.assert_allclose(ang["theta_deg"], np.arange(27) - 13.0)
    # without BKGMAP the background is the sum of its parts
    path2 = tmp_path / "nobkg.fits"
    _, bkg2, _, _ = _team_product(path2, with_bkgmap=False)
    obs2 = load_observed(path2)
    assert "BKGMAP" not in obs2.maps
    np.testing.assert_allclose(obs2.background, bkg2)


def test_team_layout_with_crpix_uses_the_fits_rule(tmp_path):
    h = _team_header((4, 6))
    h["CRPIX1"] = 1.0
    h["CRVAL1"] = -5.0
    h["CDELT1"] = 2.0
    fits.PrimaryHDU(np.zeros((4, 6)), header=h).writeto(tmp_path / "c.fits")
    obs = load_observed(tmp_path / "c.fits")
    np.testing.assert_allclose(obs.pixel_angles["phi_deg"], [-5, -3, -1, 1, 3, 5])


def test_empty_primary_image_in_extension(tmp_path):
    sxi = load_instrument("sxi")
    cam = sxi.camera(POS, sxi_pointing(POS).rotation, shape=(8, 9))
    h = camera_wcs(cam, T).to_header()
    h["DATE-OBS"] = T.isot
    h["BUNIT"] = "count"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones((8, 9)), header=h, name="SCI")]).writeto(
        tmp_path / "e.fits"
    )
    obs = load_observed(tmp_path / "e.fits")
    assert obs.shape == (8, 9) and obs.units == "count"
    assert obs.counts is obs.image  # a counts image without a CTSMAP
    assert any("extension SCI" in n for n in obs.notes)


def test_observed_from_arrays():
    obs = observed_from_arrays(
        np.ones((3, 4)),
        time_start="2026-05-21T01:00",
        exposure_s=60,
        instrument="sxi",
        maps={"ctsmap": np.ones((3, 4))},
    )
    assert obs.counts.shape == (3, 4) and obs.exposure_s == 60.0 and obs.time_end is not None
    with pytest.raises(UserInputError, match="map CTSMAP"):
        observed_from_arrays(np.ones((3, 4)), time_start=T, maps={"CTSMAP": np.ones((2, 2))})


# ---------------------------------------------------------------------------- CDF


def _write_uvi_cdf(
    path, *, records=2, shape=(24, 20), col=True, scale=True, fill_first=False, image_records=None, drop=()
):
    import cdflib
    from cdflib.cdfwrite import CDF

    from smile_viewer.coords import rotation_matrix

    uvi = load_instrument("uvi")
    pos = np.array([-2.0, 3.0, 19.0])
    pt = uvi_pointing(pos, T)
    ny, nx = shape
    dx, dy = uvi.pixel_scale_deg((ny, nx))
    cam = uvi.camera(pos, pt.rotation, shape=shape)
    g = rotation_matrix(T, "gse", "gei")
    look = g @ cam.boresight
    coldir = g @ cam.rotation[:, 0]
    epochs = [
        cdflib.cdfepoch.compute_epoch([2026, 5, 21, 1, 0, 30, 0]),
        cdflib.cdfepoch.compute_epoch([2026, 5, 21, 1, 1, 30, 0]),
    ][:records]
    rng = np.random.default_rng(5)
    imgs = rng.uniform(10, 500, (image_records or records, ny, nx)).astype(np.float32)
    if fill_first:
        imgs[:, 0, 0] = -1e31
    c = CDF(str(path), cdf_spec={"Majority": "row_major"})
    c.write_globalattrs(
        {
            "Project": {0: "SMILE>Solar wind Magnetosphere Ionosphere Link Explorer"},
            "Descriptor": {0: "UVI>UltraViolet Imager"},
            "Logical_source": {0: "smile_k0_uvi"},
        }
    )

    def var(name, dtype, data, dims, attrs=None):
        if name in drop:
            return
        c.write_var(
            {"Variable": name, "Data_Type": dtype, "Num_Elements": 1, "Rec_Vary": True, "Dim_Sizes": dims},
            var_attrs=attrs or {},
            var_data=data,
        )

    var("Epoch", 31, np.array(epochs), [])
    var("IMAGE_DATA", 21, imgs, [ny, nx], {"UNITS": "R", "FILLVAL": np.float32(-1e31), "DEPEND_0": "Epoch"})
    var("IMG_MINUS_MSEC", 45, np.full(records, 30000.0), [])
    var("IMG_PLUS_MSEC", 45, np.full(records, 30000.0), [])
    var("GCI_POSITION", 21, np.tile(g @ pos * 6371.0, (records, 1)).astype(np.float32), [3])
    var("GCI_LOOK_DIR", 45, np.tile(look, (records, 1)), [3])
    if col:
        var("GCI_COL_DIR", 45, np.tile(coldir, (records, 1)), [3])
    if scale:
        var("PIXEL_SCALE_DEG", 45, np.tile([dx, dy], (records, 1)), [2])
    var("QUALITY_FLAG", 41, np.zeros(records, np.int32), [])
    c.close()
    return cam, imgs


def test_uvi_cdf(tmp_path):
    path = tmp_path / "smile_k0_uvi_20260521_v01.cdf"
    cam, imgs = _write_uvi_cdf(path, fill_first=True)
    obs = load_observed(path, record=1)
    assert obs.format == "uvi-cdf" and obs.instrument == "uvi" and obs.units == "R"
    assert obs.shape == (24, 20)
    assert np.isnan(obs.image[0, 0])  # FILLVAL
    np.testing.assert_allclose(obs.image[1:, 1:], imgs[1][1:, 1:], rtol=1e-7)
    # Epoch 01:01:30 is the middle of a 60 s integration
    assert obs.time_start.isot == "2026-05-21T01:01:00.000" and obs.exposure_s == 60.0
    assert abs((obs.time_end - obs.time_start).to_value("s") - 60.0) < 1e-6
    np.testing.assert_allclose(obs.position_re, cam.position_re, atol=1e-3)  # float32 km
    assert (
        obs.wcs is not None
        and obs.provenance["records"] == 2
        and obs.provenance["quality"]["QUALITY_FLAG"] == 0
    )
    assert load_observed(path).time_start.isot == "2026-05-21T01:00:00.000"


def test_uvi_cdf_default_roll_and_scale(tmp_path):
    path = tmp_path / "u.cdf"
    _write_uvi_cdf(path, shape=(256, 256), col=False, scale=False, records=1)
    obs = load_observed(path)
    assert any("GCI_COL_DIR" in n for n in obs.notes) and any("PIXEL_SCALE_DEG" in n for n in obs.notes)
    # the default grid's pixel: 2 tan(fov/2)/256
    d = math.degrees(2 * math.tan(math.radians(9.97) / 2) / 256)
    assert np.allclose(np.abs(obs.wcs.wcs.get_cdelt()), d)


# ---------------------------------------------------------------------------- error paths


def _assert_error(path, *fragments, **kw):
    with pytest.raises(DataFileError) as info:
        load_observed(path, **kw)
    msg = str(info.value)
    assert str(path) in msg or path.name in msg, msg
    for f in fragments:
        assert f in msg, (f, msg)
    return msg


def test_missing_empty_garbage_and_directory(tmp_path):
    _assert_error(tmp_path / "nope.fits", "no such file")
    _assert_error(tmp_path, "directory")
    (tmp_path / "empty.fits").write_bytes(b"")
    _assert_error(tmp_path / "empty.fits", "empty")
    (tmp_path / "junk.dat").write_bytes(b"hello world, not an image" * 10)
    _assert_error(tmp_path / "junk.dat", "neither a FITS nor a CDF")
    (tmp_path / "junk.fits").write_bytes(b"hello world, not an image" * 10)
    _assert_error(tmp_path / "junk.fits", "FITS")


def test_truncated_fits(tmp_path):
    good = tmp_path / "good.fits"
    _sxi_product(good)
    raw = good.read_bytes()
    bad = tmp_path / "truncated.fits"
    bad.write_bytes(raw[: 2880 + 1000])
    _assert_error(bad, "corrupt")
    # cut inside the primary's data, or inside the last extension: astropy would read what is
    # left and only warn; the loader refuses
    for cut in (20000, len(raw) - 3000, len(raw) - 100):
        bad.write_bytes(raw[:cut])
        _assert_error(bad, "truncated")


@pytest.mark.parametrize(
    "key,value,fragment",
    [
        ("DATE-OBS", None, "DATE-OBS"),
        ("DATE-OBS", "sometime in May", "DATE-OBS"),
        ("EXPOS", "five minutes", "EXPOS"),
        ("EXPOS", -3.0, "EXPOS"),
        ("POS_Y", None, "POS_Y"),
        ("POS_X", 0.1, "inside the Earth"),
        ("DATE-END", "2026-05-21T00:00:00", "before DATE-OBS"),
    ],
)
def test_bad_keys(tmp_path, key, value, fragment):
    path = tmp_path / "p.fits"
    _sxi_product(path, shape=(6, 8))
    with fits.open(path, mode="update") as hdul:
        h = hdul[0].header
        if value is None:
            del h[key]
        else:
            h[key] = value
            if key == "POS_X":
                h["POS_Y"], h["POS_Z"] = 0.1, 0.1
    _assert_error(path, fragment)


def test_wrong_shape_extension(tmp_path):
    path = tmp_path / "p.fits"
    _sxi_product(path, shape=(6, 8))
    with fits.open(path) as hdul:
        hdus = [h.copy() for h in hdul]
    hdus[[h.name for h in hdus].index("BKGMAP")] = fits.ImageHDU(np.zeros((5, 8)), name="BKGMAP")
    fits.HDUList(hdus).writeto(path, overwrite=True)
    _assert_error(path, "BKGMAP", "(5, 8)")


def test_negative_counts_and_non_image(tmp_path):
    path = tmp_path / "p.fits"
    _sxi_product(path, shape=(6, 8))
    with fits.open(path, mode="update") as hdul:
        hdul["CTSMAP"].data[0, 0] = -4
    _assert_error(path, "CTSMAP", "negative")
    one_d = tmp_path / "line.fits"
    h = _team_header((1, 10))
    fits.PrimaryHDU(np.zeros(10), header=h).writeto(one_d)
    _assert_error(one_d, "(10,)", "2-D image")
    cube = tmp_path / "cube.fits"
    fits.PrimaryHDU(np.zeros((2, 3, 4)), header=_team_header((3, 4))).writeto(cube)
    _assert_error(cube, "2-D image")


def test_team_layout_missing_keys(tmp_path):
    h = _team_header((4, 6))
    del h["AIM_Z"]
    fits.PrimaryHDU(np.zeros((4, 6)), header=h).writeto(tmp_path / "a.fits")
    _assert_error(tmp_path / "a.fits", "AIM_Z")
    h = _team_header((4, 6))
    del h["CDELT2"]
    fits.PrimaryHDU(np.zeros((4, 6)), header=h).writeto(tmp_path / "b.fits")
    _assert_error(tmp_path / "b.fits", "CDELT2", "celestial WCS")
    h = fits.Header()
    h["DATE-OBS"] = T.isot
    fits.PrimaryHDU(np.zeros((4, 6)), header=h).writeto(tmp_path / "c.fits")
    _assert_error(tmp_path / "c.fits", "POS_X")
    h = _team_header((4, 6))
    h["CDELT1"] = 0.0
    fits.PrimaryHDU(np.zeros((4, 6)), header=h).writeto(tmp_path / "d.fits")
    _assert_error(tmp_path / "d.fits", "CDELT1")
    h = _team_header((4, 6))
    h["AIM_X"], h["AIM_Y"], h["AIM_Z"] = h["POS_X"], h["POS_Y"], h["POS_Z"]
    fits.PrimaryHDU(np.zeros((4, 6)), header=h).writeto(tmp_path / "e.fits")
    _assert_error(tmp_path / "e.fits", "AIM")


def test_broken_wcs(tmp_path):
    h = fits.Header()
    h["CTYPE1"], h["CTYPE2"] = "RA---XYZ", "DEC--XYZ"
    h["DATE-OBS"] = T.isot
    fits.PrimaryHDU(np.zeros((4, 6)), header=h).writeto(tmp_path / "w.fits")
    _assert_error(tmp_path / "w.fits", "WCS")


def test_cdf_errors(tmp_path):
    p = tmp_path / "noimg.cdf"
    _write_uvi_cdf(p, drop=("IMAGE_DATA",))
    _assert_error(p, "IMAGE_DATA")
    p = tmp_path / "nolook.cdf"
    _write_uvi_cdf(p, drop=("GCI_LOOK_DIR",))
    _assert_error(p, "GCI_LOOK_DIR")
    p = tmp_path / "ok.cdf"
    _write_uvi_cdf(p)
    _assert_error(p, "record 5", record=5)
    p = tmp_path / "records.cdf"
    _write_uvi_cdf(p, image_records=3)
    _assert_error(p, "IMAGE_DATA", "records")
    p = tmp_path / "scale.cdf"
    _write_uvi_cdf(p, scale=False)  # 24 x 20 is not the UVI default grid
    _assert_error(p, "PIXEL_SCALE_DEG")
    raw = (tmp_path / "ok.cdf").read_bytes()
    bad = tmp_path / "corrupt.cdf"
    bad.write_bytes(raw[:8] + b"\x00" * 64)
    _assert_error(bad, "CDF")
    bad2 = tmp_path / "corrupt2.cdf"
    bad2.write_bytes(raw[: len(raw) // 3])
    with pytest.raises(DataFileError):
        load_observed(bad2)


def test_argument_errors(tmp_path):
    path = tmp_path / "p.fits"
    _sxi_product(path, shape=(6, 8))
    with pytest.raises(UserInputError, match="instrument"):
        load_observed(path, instrument="hxi")
    with pytest.raises(UserInputError, match="record"):
        load_observed(path, record="first")


def test_uvi_cdf_geometry_matches_the_camera(tmp_path):
    """The WCS built from GCI_LOOK_DIR, GCI_COL_DIR and PIXEL_SCALE_DEG reproduces the camera's rays."""
    from smile_viewer.analysis.geometry import match_geometry

    path = tmp_path / "g.cdf"
    cam, _ = _write_uvi_cdf(path, shape=(30, 30), records=1)
    g = match_geometry(load_observed(path))
    assert g.exact and g.camera.circular and g.position_source == "cdf"
    a, b = g.camera.ray_directions(), cam.ray_directions()
    ang = np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), np.sum(a * b, axis=-1))
    assert ang.max() < 1e-9


def test_gzip_fits(tmp_path):
    import gzip

    path = tmp_path / "p.fits"
    _sxi_product(path, shape=(6, 8))
    gz = tmp_path / "p.fits.gz"
    gz.write_bytes(gzip.compress(path.read_bytes()))
    obs = load_observed(gz)
    assert obs.shape == (6, 8) and "CTSMAP" in obs.maps
