"""Level-4 fit files: the SXI team's reader (swharton1/SXI_L4_V1 read_fits_result.py,
analyse_GAC.py, quality_flag.py, bayane_cusp.py) re-implemented here in plain astropy reads
our file and finds the FitResult's values; the image axes follow the team's; quality flags
against hand values."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time

from smile_viewer.analysis.fit_level4 import level4_from_fit, sxi_quality_flags
from smile_viewer.analysis.fitting import fit_observation
from smile_viewer.analysis.geometry import pixel_directions
from smile_viewer.compute import AnalyticSource, RenderRequest, render
from smile_viewer.io.level4 import read_level4
from smile_viewer.io.observed import load_observed, observed_from_arrays
from smile_viewer.io.products import camera_wcs
from smile_viewer.mission.instruments import load_instrument
from smile_viewer.mission.pointing import sxi_pointing
from smile_viewer.mission.response import compute_response
from smile_viewer.physics.emissivity import jorgensen_defaults
from smile_viewer.physics.solar_wind import SolarWind

T = Time("2026-05-21T01:00:00")
POS = np.array([6.0, -6.0, 18.0])
SXI = load_instrument("sxi")
START = jorgensen_defaults(SolarWind())
TRUTH = START.replace(
    r_mp=9.6, r_bs=START.r_bs - (START.r_mp - 9.6), A1=START.A1 * 1.5, A2=START.A2 * 1.5, B=START.B * 1.5
)


@pytest.fixture(scope="module")
def fitted(tmp_path_factory):
    """A noiseless SXI observation on our grid (rows toward Earth), 31 x 53 pixels of 0.5°, fitted."""
    pt = sxi_pointing(POS)
    cam = SXI.camera(POS, pt.rotation, shape=(31, 53))
    image = render(RenderRequest(cam, AnalyticSource(TRUTH), backend="cpu")).image
    resp = compute_response(image, cam, SXI)
    obs = observed_from_arrays(
        image,
        wcs=camera_wcs(cam, T),
        time_start=T,
        exposure_s=resp.exposure_s,
        position_re=POS,
        aim_re=pt.aim_re,
        instrument="sxi",
        units="keV cm^-2 s^-1 sr^-1",
        maps={"CTSMAP": resp.expected, "BKGMAP": resp.background, "VIGMAP": resp.vignetting},
        path="/data/SMILE_SXI_sim.fits",
    )
    res = fit_observation(obs, "jorgensen", bin_factor=1, oversample=1)
    path = res.write_level4(tmp_path_factory.mktemp("l4") / "fit_l4.fits")
    return obs, res, resp, path


def _turn(a):
    """Our grid -> the team's (columns along b, away from Earth; rows along b x L)."""
    return np.asarray(a)[::-1, ::-1].T


# -- the team's reader, re-implemented from read_fits_result.results.__init__ (counts_file=True,
#    sw_info=False, bayane=True), get_fov, make_image_axes, quality_flag and analyse_GAC


def _team_qf(aim, pos, expos, cxfov):
    tan_lda = (aim[0] - pos[0]) / np.sqrt(pos[1] ** 2 + pos[2] ** 2)
    lda = np.rad2deg(np.abs(np.arctan(tan_lda)))
    ps = 0 if lda <= 25 else (1 if lda <= 50 else 2)
    cr = cxfov.sum() / expos
    pc = 0 if cr >= 150 else (1 if cr >= 75 else 2)
    return ps + pc


def _team_qf2(aim, pos, cxfov, bkg):
    tan_lda = (aim[0] - pos[0]) / np.sqrt(pos[1] ** 2 + pos[2] ** 2)
    lda = np.rad2deg(np.abs(np.arctan(tan_lda)))
    bits = (1 if 25 < lda <= 50 else 0) + (2 if lda > 50 else 0)
    s, b = cxfov.sum(), bkg.sum()
    snr = s / (s**2 + b**2) ** 0.5
    return bits + (4 if 0.33 < snr <= 0.67 else 0) + (8 if snr < 0.33 else 0)


def _team_read(path) -> dict:
    r: dict = {}
    with fits.open(path) as hdul:
        ext_names = [hdul[i].name for i in range(len(hdul))]
        ph = hdul["PRIMARY"].header
        r["ext_names"] = ext_names
        r["fitted"] = hdul["PRIMARY"].data
        r["original"] = hdul["CXFOV"].data if "CXFOV" in ext_names else hdul["CTSMAP"].data
        r["bkgmap"] = hdul["BKGMAP"].data
        param_table = hdul["PARAMETERS"].data
        r["p_variation"] = hdul["P_VARIATION"].data
        r["covar"] = hdul["COVAR"].data
        r["param_names"] = param_table["Parameter"]
        r["params0"] = param_table["Initial"]
        r["params_best"] = param_table["Optimum"]
        r["error"] = hdul["ERROR"].data
        r["exposure"] = ph["EXPOS"]
        r["params_error"] = param_table["Error"]
        r["m_pixels"], r["n_pixels"] = ph["NAXIS1"], ph["NAXIS2"]
        r["image_filename"] = ph["FILENAME"]
        r["smile_loc"] = np.array([ph["POS_X"], ph["POS_Y"], ph["POS_Z"]])
        r["target_loc"] = np.array([ph["AIM_X"], ph["AIM_Y"], ph["AIM_Z"]])
        r["xdeg_sep"], r["ydeg_sep"] = ph["CDELT1"], ph["CDELT2"]
        r["xdeg_min"], r["ydeg_min"] = ph["CRVAL1"], ph["CRVAL2"]
        r["phi_fov"], r["theta_fov"] = -2 * r["xdeg_min"], -2 * r["ydeg_min"]
        r["dipole"] = ph["DIPOLE"]
        r["model"], r["fit_method"] = ph["MODEL"], ph["FIT"]
        r["rcmem"], r["rcmem_err"] = ph["RCMEM"], ph["R_ERR"]
        r["minimum_cost"], r["iterations"], r["opt_time"] = ph["MIN_COST"], ph["ITER"], ph["OPT_TIME"]
        r["time_string"] = ph["DATE-OBS"]
        r["p_spacing"], r["p0_method"], r["total_count_rate"] = ph["P_SPACE"], ph["P0_METH"], ph["CNT_RATE"]
        r["bkg_count_rate"] = r["bkgmap"].sum() / r["exposure"]
        r["qf"], r["qf2"] = ph["QF"], ph["QF2"]
        cx = hdul["CXFOV"].data
        itheta, iphi = np.mean(cx, axis=1), np.mean(cx, axis=0)
        r["cusp"] = (itheta.max() - itheta.min()) >= (iphi.max() - iphi.min())
        r["ut"] = dt.datetime.strptime(r["time_string"], "%Y-%m-%dT%H:%M:%S.%f")  # analyse_GAC
        r["qf2_recomputed"] = _team_qf2(r["target_loc"], r["smile_loc"], r["original"], r["bkgmap"])
        r["qf_recomputed"] = _team_qf(r["target_loc"], r["smile_loc"], r["exposure"], cx)
        r["header"] = ph.copy()
    # get_fov
    s = r["smile_loc"]
    smag = np.sqrt(np.sum(s**2))
    L = r["target_loc"] - s
    lmag = np.sqrt(np.sum(L**2))
    limb_c = np.arccos(np.dot(-s, L) / (smag * lmag))
    b = s + (smag * np.cos(limb_c) * L) / lmag
    r["xi_unit"] = b / np.linalg.norm(b)
    yi = np.cross(b, L)
    r["yi_unit"] = yi / np.linalg.norm(yi)
    r["L_unit"] = L / lmag
    # make_image_axes: pixel edges along x (columns) and y (rows)
    r["xarray"] = np.linspace(r["xdeg_min"], -r["xdeg_min"], r["m_pixels"] + 1)
    r["yarray"] = np.linspace(r["ydeg_min"], -r["ydeg_min"], r["n_pixels"] + 1)
    return r


def test_the_team_reader_finds_the_fit_result(fitted):
    obs, res, resp, path = fitted
    r = _team_read(path)
    for name in ("PRIMARY", "CXFOV", "BKGMAP", "ERROR", "PARAMETERS", "P_VARIATION", "COVAR"):
        assert name in r["ext_names"]
    # keywords: the result's values, with the types the team's code uses
    assert r["rcmem"] == res.subsolar_re and r["rcmem_err"] == res.subsolar_err_re
    assert (
        r["minimum_cost"] == res.cash and r["iterations"] == res.n_evals and isinstance(r["iterations"], int)
    )
    assert r["opt_time"] == res.time_s and r["model"] == "jorgensen" and r["fit_method"] == "nelder-mead"
    assert r["exposure"] == res.exposure_s == 300.0 and r["image_filename"] == "SMILE_SXI_sim.fits"
    np.testing.assert_array_equal(r["smile_loc"], POS)
    np.testing.assert_allclose(r["target_loc"], obs.aim_re, rtol=0, atol=1e-12)
    assert r["ut"] == T.utc.datetime
    assert isinstance(r["p_spacing"], float) and isinstance(r["p0_method"], int)
    assert isinstance(r["qf"], int) and isinstance(r["qf2"], int) and isinstance(r["dipole"], float)
    from smile_viewer.coords import dipole_tilt

    assert r["dipole"] == pytest.approx(math.degrees(dipole_tilt(T)), abs=1e-9)
    # PARAMETERS: every parameter, start and best values and errors (NaN for the fixed ones)
    names = [str(n) for n in r["param_names"]]
    assert names == list(res.parameters)
    for i, n in enumerate(names):
        assert r["params_best"][i] == res.parameters[n]
        assert r["params0"][i] == res.start_parameters[n]
        e = res.errors.get(n, math.nan)
        assert (math.isnan(e) and math.isnan(r["params_error"][i])) or r["params_error"][i] == e
    np.testing.assert_array_equal(r["covar"], res.covariance)
    # P_VARIATION: one column per parameter (plot_p_variation reads each), one row per evaluation
    assert len(r["p_variation"]) == res.n_evals
    for n in names:
        col = np.asarray(r["p_variation"][n])
        if n in res.free:
            np.testing.assert_array_equal(col, [h[2][res.free.index(n)] for h in res.history])
        else:
            assert np.all(col == res.parameters[n])
    # images: (NAXIS2, NAXIS1), NAXIS1 the short 15.5° axis, the team's orientation
    assert r["fitted"].shape == (r["n_pixels"], r["m_pixels"]) == (53, 31)
    assert r["phi_fov"] == pytest.approx(15.5, abs=1e-9) and r["theta_fov"] == pytest.approx(26.5, abs=1e-9)
    assert r["xdeg_sep"] * r["m_pixels"] == pytest.approx(r["phi_fov"])
    _, expected = res.forward.full_resolution(res.model)
    np.testing.assert_allclose(r["fitted"], _turn(expected), rtol=1e-12)
    np.testing.assert_allclose(r["bkgmap"], _turn(resp.background), rtol=1e-12)
    cx = (resp.expected - resp.background) / resp.vignetting
    np.testing.assert_allclose(r["original"], _turn(cx), rtol=1e-9)
    np.testing.assert_allclose(r["error"], _turn(np.sqrt(resp.expected)), rtol=1e-12)
    assert np.median(np.abs(r["fitted"] - _turn(resp.expected)) / _turn(resp.expected)) < 0.01
    # count rate and quality flags as the team computes them
    assert r["total_count_rate"] == pytest.approx(cx.sum() / 300.0, rel=1e-12)
    assert r["qf"] == r["qf_recomputed"] and r["qf2"] == r["qf2_recomputed"]
    assert np.isfinite(r["bkg_count_rate"]) and r["bkg_count_rate"] > 0
    assert isinstance(bool(r["cusp"]), bool)
    # get_fov: x_i points away from Earth, the look direction is the boresight
    assert np.dot(r["xi_unit"], POS) > 0
    assert np.dot(r["L_unit"], res.forward.camera.boresight) == pytest.approx(1.0, abs=1e-9)


def test_team_axes_match_the_sky_wcs(fitted):
    """Each pixel of the written file looks where its sky WCS says, by the team's camera model:
    the turn to the team's axes is right (to the TAN-versus-uniform-angle difference)."""
    obs, _res, _resp, path = fitted
    l4 = read_level4(path)
    team = load_observed(path)  # no celestial primary WCS: read in the team's angle layout
    assert team.geometry_kind == "sxi_angles" and team.shape == (53, 31)
    sky = observed_from_arrays(l4.fitted, wcs=l4.sky_wcs, time_start=T)
    d_team = pixel_directions(team)
    d_sky = pixel_directions(sky)
    ang = np.degrees(np.arccos(np.clip(np.sum(d_team * d_sky, axis=-1), -1, 1)))
    assert ang.max() < 0.15  # a TAN grid is not uniform in angle: < 0.1° inside 26.5°, plus rounding
    assert np.median(ang) < 0.08
    # and the turned WCS is exactly the observation's at the mapped pixels
    d_obs = pixel_directions(obs)
    d_turned = np.asarray(d_obs)[::-1, ::-1].transpose(1, 0, 2)
    assert np.max(np.linalg.norm(d_turned - d_sky, axis=-1)) < 1e-9


def test_our_reader_round_trip(fitted):
    _obs, res, _resp, path = fitted
    l4 = read_level4(path)
    made = level4_from_fit(res)
    assert l4.rcmem_re == res.subsolar_re and l4.rcmem_err_re == res.subsolar_err_re
    assert (
        l4.model == "jorgensen" and l4.iterations == res.n_evals and l4.qf == made.qf and l4.qf2 == made.qf2
    )
    assert l4.parameters.names == tuple(res.parameters) and l4.parameters.free.sum() == 2
    assert l4.parameters.as_dict() == res.parameters
    for name in ("fitted", "cxfov", "background", "error", "counts"):
        np.testing.assert_array_equal(getattr(l4, name), getattr(made, name))
    assert set(l4.images) == {"INTENSITY", "RESMAP"} and l4.observed_name == "CTSMAP"
    assert l4.crval_deg == pytest.approx(made.crval_deg) and l4.sky_wcs is not None
    assert l4.date_obs == "2026-05-21T01:00:00.000"
    o = l4.to_observed()
    assert o.shape == (53, 31) and o.wcs is not None and o.counts is o.maps["CTSMAP"]


def _team_layout_file(path, *, qf=True):
    """A fit file in the team's layout, written from read_fits_result.py's description: CXFOV
    (no CTSMAP), BKGMAP, ERROR, PARAMETERS, P_VARIATION, COVAR; instrument-angle axes."""
    ny, nx = 27, 16
    yy, xx = np.mgrid[0:ny, 0:nx]
    fitted = 2.0 + 0.1 * xx + 0.01 * yy
    h = fits.Header()
    h["CTYPE1"], h["CRVAL1"], h["CDELT1"] = "deg", -8.0, 1.0
    h["CTYPE2"], h["CRVAL2"], h["CDELT2"] = "deg", -13.5, 1.0
    for c, v in zip("XYZ", (6.0, -6.0, 18.0)):
        h[f"POS_{c}"] = v
    for c, v in zip("XYZ", (7.87, 0.0, 0.0)):
        h[f"AIM_{c}"] = v
    h["EXPOS"], h["FILENAME"], h["DIPOLE"] = 300.0, "SMILE_SXI_L3_SCIM60x60-SCI-CXF_x.fits", 0.0
    h["MODEL"], h["FIT"], h["RCMEM"], h["R_ERR"] = "cmem2g", "mpfit", 9.87, 9999
    h["MIN_COST"], h["ITER"], h["OPT_TIME"] = 123.4, 57, 12.5
    h["DATE-OBS"], h["P_SPACE"], h["P0_METH"], h["CNT_RATE"] = "2026-03-18T19:10:00.000", 0.5, 2, 88.0
    if qf:
        h["QF"], h["QF2"] = 1, 5
    names = ["p0", "bs", "A1", "A2", "B", "alpha", "beta", "p1", "p2", "p3", "ay_bs", "az_bs"]
    ini = np.arange(12, dtype=float) + 1.0
    opt = ini * 1.1
    cols = [
        fits.Column(name="Parameter", format="10A", array=np.array(names)),
        fits.Column(name="Initial", format="D", array=ini),
        fits.Column(name="Optimum", format="D", array=opt),
        fits.Column(name="Error", format="D", array=ini * 0.01),
    ]
    pvar = [
        fits.Column(name=n, format="D", array=np.linspace(ini[i], opt[i], 5)) for i, n in enumerate(names)
    ]
    hdus = [
        fits.PrimaryHDU(fitted, header=h),
        fits.ImageHDU(fitted * 0.9, name="CXFOV"),
        fits.ImageHDU(np.full((ny, nx), 0.5), name="BKGMAP"),
        fits.ImageHDU(np.sqrt(fitted), name="ERROR"),
        fits.BinTableHDU.from_columns(cols, name="PARAMETERS"),
        fits.BinTableHDU.from_columns(pvar, name="P_VARIATION"),
        fits.ImageHDU(np.eye(12) * 0.01, name="COVAR"),
    ]
    fits.HDUList(hdus).writeto(path)
    return fitted


def test_reads_a_file_in_the_team_layout(tmp_path):
    fitted = _team_layout_file(tmp_path / "team.fits")
    l4 = read_level4(tmp_path / "team.fits")
    np.testing.assert_array_equal(l4.fitted, fitted)
    np.testing.assert_array_equal(l4.cxfov, fitted * 0.9)
    assert l4.counts is None and l4.observed_name == "CXFOV" and l4.background.sum() == 0.5 * 27 * 16
    assert l4.rcmem_re == 9.87 and l4.rcmem_err_re is None  # 9999: no error
    assert l4.model == "cmem2g" and l4.fit == "mpfit" and l4.iterations == 57 and l4.p0_method == 2
    assert l4.qf == 1 and l4.qf2 == 5 and l4.count_rate == 88.0 and l4.p_space_re == 0.5
    assert l4.crval_deg == (-8.0, -13.5) and l4.cdelt_deg == (1.0, 1.0) and l4.sky_wcs is None
    assert l4.parameters.names[0] == "p0" and l4.parameters.optimum[3] == pytest.approx(4.4)
    assert l4.parameters.free is None and l4.covariance.shape == (12, 12)
    assert l4.p_variation["alpha"][-1] == pytest.approx(6.6)
    angles = l4.pixel_angles()
    assert angles["phi_deg"][0] == -7.5 and angles["theta_deg"][-1] == 13.0
    o = l4.to_observed()
    assert o.counts is None and o.geometry_kind == "sxi_angles"  # CXFOV is not counts: nothing to refit
    np.testing.assert_array_equal(o.image, fitted * 0.9)
    # without QF/QF2 the fields are None (the team's reader would compute them)
    _team_layout_file(tmp_path / "noqf.fits", qf=False)
    l4 = read_level4(tmp_path / "noqf.fits")
    assert l4.qf is None and l4.qf2 is None


def _one_line(exc_info, *fragments):
    text = str(exc_info.value)
    assert "\n" not in text
    for f in fragments:
        assert f in text, (f, text)


def test_broken_files_give_one_line(tmp_path):
    from smile_viewer.errors import DataFileError

    good = tmp_path / "good.fits"
    _team_layout_file(good)
    cases = []
    cases.append((tmp_path / "missing.fits", "no such file"))
    (tmp_path / "text.fits").write_text("hello\n")
    cases.append((tmp_path / "text.fits", "not a FITS file"))
    data = good.read_bytes()
    (tmp_path / "cut.fits").write_bytes(data[: len(data) // 2])
    cases.append((tmp_path / "cut.fits", "cut.fits"))
    with fits.open(good) as hdul:
        hdul2 = fits.HDUList([hdu.copy() for hdu in hdul if hdu.name != "PARAMETERS"])
        hdul2.writeto(tmp_path / "nopar.fits")
        h = hdul[0].header.copy()
        h["RCMEM"] = "nine"
        fits.HDUList([fits.PrimaryHDU(hdul[0].data, header=h)] + [x.copy() for x in hdul[1:]]).writeto(
            tmp_path / "rcmem.fits"
        )
        bad = [x.copy() for x in hdul]
        bad[1] = fits.ImageHDU(np.zeros((3, 3)), name="CXFOV")
        fits.HDUList(bad).writeto(tmp_path / "shape.fits")
        t = hdul["PARAMETERS"].data
        cols = [
            fits.Column(name="Parameter", format="10A", array=t["Parameter"]),
            fits.Column(name="Initial", format="D", array=t["Initial"]),
        ]
        nocol = [x.copy() for x in hdul]
        nocol[4] = fits.BinTableHDU.from_columns(cols, name="PARAMETERS")
        fits.HDUList(nocol).writeto(tmp_path / "nocol.fits")
    fits.PrimaryHDU().writeto(tmp_path / "empty.fits")
    cases += [
        (tmp_path / "nopar.fits", "no PARAMETERS"),
        (tmp_path / "rcmem.fits", "RCMEM"),
        (tmp_path / "shape.fits", "CXFOV"),
        (tmp_path / "nocol.fits", "Optimum"),
        (tmp_path / "empty.fits", "primary"),
        (tmp_path, "directory"),
    ]
    for path, fragment in cases:
        with pytest.raises(DataFileError) as e:
            read_level4(path)
        _one_line(e, fragment, path.name)


def test_quality_flags_hand_values():
    # λ = atan((aim_x − x)/ρ): x = 0, ρ = 10, aim_x = 10 tan 30° -> λ = 30° (1 point, bit 1)
    pos = np.array([0.0, 10.0, 0.0])
    aim = np.array([10 * math.tan(math.radians(30.0)), 0.0, 0.0])
    s = 100.0 * 300.0  # 100 counts/s: 1 rate point
    cx = np.full((10, 10), s / 100)
    bkg = np.full((10, 10), s * math.sqrt(3) / 100)  # SNR = 1/sqrt(1 + 3) = 0.5: bit 4
    f = sxi_quality_flags(aim, pos, 300.0, cx, bkg)
    assert f["lambda_deg"] == pytest.approx(30.0) and f["snr"] == pytest.approx(0.5)
    assert f["count_rate"] == pytest.approx(100.0) and f["qf"] == 2 and f["qf2"] == 5
    # λ = 60°, 200 counts/s, SNR 0.2: 2 + 0 and bits 2 + 8
    aim = np.array([10 * math.tan(math.radians(60.0)), 0.0, 0.0])
    cx = np.full((10, 10), 600.0)
    bkg = np.full((10, 10), 600.0 * math.sqrt(24))  # SNR = 1/sqrt(25) = 0.2
    f = sxi_quality_flags(aim, pos, 300.0, cx, bkg)
    assert f["qf"] == 2 and f["qf2"] == 10
    # λ = 10°, 80 counts/s, SNR 0.9: 0 + 1 and no bits
    aim = np.array([10 * math.tan(math.radians(10.0)), 0.0, 0.0])
    cx = np.full((10, 10), 240.0)
    bkg = np.full((10, 10), 240.0 * math.sqrt(1 / 0.81 - 1))
    f = sxi_quality_flags(aim, pos, 300.0, cx, bkg)
    assert f["qf"] == 1 and f["qf2"] == 0


def test_turned_wcs_with_a_cd_matrix():
    """_flip_wcs: new pixel (X, Y) looks where the old (nx-1-Y, ny-1-X) did, for a CD-matrix WCS
    with an off-centre reference pixel."""
    from astropy.wcs import WCS

    from smile_viewer.analysis.fit_level4 import _flip_wcs

    ny, nx = 7, 11
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [40.0, -20.0]
    w.wcs.crpix = [3.5, 5.25]
    w.wcs.cd = [[-0.1, 0.02], [0.03, 0.12]]
    w.wcs.set()
    t = _flip_wcs(w, ny, nx)
    X, Y = np.meshgrid(np.arange(ny, dtype=float), np.arange(nx, dtype=float))  # the turned image is (nx, ny)
    new = np.array(t.pixel_to_world_values(X, Y))
    old = np.array(w.pixel_to_world_values(nx - 1 - Y, ny - 1 - X))
    np.testing.assert_allclose(new, old, rtol=0, atol=1e-10)
    assert t.pixel_shape == (ny, nx)


def test_open_path_gives_level4_or_observation(tmp_path):
    from smile_viewer.errors import DataFileError
    from smile_viewer.io.level4 import Level4File, load_observation_or_level4

    _team_layout_file(tmp_path / "team.fits")
    assert isinstance(load_observation_or_level4(tmp_path / "team.fits"), Level4File)
    with fits.open(tmp_path / "team.fits") as hdul:
        h = hdul[0].header.copy()
        h["DATE-OBS"] = "yesterday"
        fits.HDUList([fits.PrimaryHDU(hdul[0].data, header=h)] + [x.copy() for x in hdul[1:]]).writeto(
            tmp_path / "baddate.fits"
        )
        # without PARAMETERS it is an ordinary level-3 style image for load_observed
        fits.HDUList([x.copy() for x in hdul if x.name != "PARAMETERS"]).writeto(tmp_path / "l3like.fits")
    with pytest.raises(DataFileError) as e:
        load_observation_or_level4(tmp_path / "baddate.fits")
    _one_line(e, "baddate.fits", "DATE-OBS")
    obs = load_observation_or_level4(tmp_path / "l3like.fits")
    assert not isinstance(obs, Level4File) and obs.geometry_kind == "sxi_angles"


def test_fit_quality_and_start_cards(fitted):
    _obs, res, _resp, path = fitted
    h = fits.getheader(path)
    assert h["P0_DESC"] == (
        "coarse scan of the magnetopause size"
        if res.start_scan is not None
        else "model defaults for the solar wind"
    )
    if res.quality is not None:
        assert h["RELIABLE"] is bool(res.reliable)
        assert h["FITFLAGS"] == (",".join(f.code for f in res.flags) or "none")
