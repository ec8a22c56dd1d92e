"""A fit result as a level-4 product in the SXI team's layout (:mod:`smile_viewer.io.level4`).

:func:`level4_from_fit` assembles a :class:`~smile_viewer.io.level4.Level4File` from a
:class:`~smile_viewer.analysis.fitting.FitResult`; :func:`write_fit_level4` writes it.

- Orientation: the team's images have NAXIS1 (columns, φ) along x_i = b/|b| (b: the
  perpendicular from Earth's centre to the look line, away from Earth; the short axis) and
  rows (θ) along y_i = b × L (swharton1/SXI_L4_V1 ``read_fits_result.get_fov``). An SXI
  image on our grid (camera y, the rows, toward Earth; columns along −y_i) is turned into
  that layout: T = A[::-1, ::-1].T, and its celestial WCS with it. A level-3 file in the
  team's layout is kept as it is; another orientation (a rolled camera) is kept and said in
  a ``COMMENT``.
- CRVAL/CDELT: copied from a level-3 file; else the angles atan(v·x_i / v·L) and
  atan(v·y_i / v·L) of the pixel edges through the image centre (exact at the edges; a TAN
  grid is not uniform in angle, by up to ~0.09° inside a 26.5° field).
- CXFOV: the file's, else (CTSMAP − BKGMAP) / vignetting (0 where there are no data);
  ERROR: the file's ERRFOV, else sqrt(CTSMAP) (the team's ERRFOV, SXI_L3 ``rebin_files.py``).
- QF and QF2: swharton1/SXI_L4_V1 ``quality_flag.py`` from AIM, POS, EXPOS, CXFOV and BKGMAP
  (:func:`sxi_quality_flags`; the SNR bits are :func:`~smile_viewer.analysis.constraints.
  quality_flag_snr_bits`). CNT_RATE = ΣCXFOV / EXPOS, the foreground rate (``analyse_GAC``).
- DIPOLE in degrees; P_SPACE = 0 (our line integrals are adaptive, no fixed step);
  P0_METH = 0 (our own start, said in P0_DESC — not the CMEM paper's methods 1 or 2);
  R_ERR = 9999 when the error is unknown; the fit-quality flags in FITFLAGS and RELIABLE.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

import smile_viewer
from smile_viewer.analysis.constraints import quality_flag_snr_bits
from smile_viewer.analysis.geometry import pixel_directions
from smile_viewer.analysis.statistics import residual_sigma
from smile_viewer.coords import dipole_tilt
from smile_viewer.errors import UserInputError
from smile_viewer.io.level4 import Level4File, ParameterTable, write_level4

__all__ = ["level4_from_fit", "sxi_quality_flags", "write_fit_level4"]

#: λ thresholds [deg] of the position points/bits (quality_flag.py).
LAMBDA_THRESHOLDS_DEG = (25.0, 50.0)
#: Count-rate thresholds [counts/s] of the first flag's points (calc_quality_flag).
RATE_THRESHOLDS = (150.0, 75.0)


def sxi_quality_flags(aim_re, position_re, exposure_s: float, cxfov, background) -> dict[str, float]:
    """The SXI team's two quality flags (swharton1/SXI_L4_V1 ``quality_flag.py``).

    λ = |atan((aim_x − x) / sqrt(y² + z²))| [deg]: position points 0 (λ ≤ 25°), 1 (25° < λ ≤ 50°),
    2 (λ > 50°). QF = position points + rate points (0 when ΣCXFOV/EXPOS ≥ 150 s⁻¹, 1 when
    ≥ 75, else 2). QF2 = position bits (1, 2) + SNR bits (4: 0.33 < SNR ≤ 0.67, 8: SNR < 0.33;
    SNR = S/sqrt(S² + B²), S = ΣCXFOV, B = ΣBKGMAP). Returns qf, qf2, lambda_deg, snr, rate."""
    aim = np.asarray(aim_re, dtype=float)
    pos = np.asarray(position_re, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lam = float(np.degrees(abs(np.arctan((aim[0] - pos[0]) / math.hypot(pos[1], pos[2])))))
    lo, hi = LAMBDA_THRESHOLDS_DEG
    ps = 0 if lam <= lo else (1 if lam <= hi else 2)
    s = float(np.nansum(cxfov))
    b = float(np.nansum(background))
    rate = s / float(exposure_s)
    pc = 0 if rate >= RATE_THRESHOLDS[0] else (1 if rate >= RATE_THRESHOLDS[1] else 2)
    den = math.hypot(s, b)
    snr = s / den if den > 0 else 0.0
    return {
        "qf": ps + pc,
        "qf2": ps + quality_flag_snr_bits(cxfov, background),
        "lambda_deg": lam,
        "snr": snr,
        "count_rate": rate,
    }


def _unit(v):
    v = np.asarray(v, dtype=float)
    return v / np.linalg.norm(v, axis=-1, keepdims=True)


def _team_axes(pos, aim):
    L = _unit(np.asarray(aim, float) - np.asarray(pos, float))
    b = pos - (pos @ L) * L
    nb = np.linalg.norm(b)
    if nb < 1e-9:
        raise UserInputError(
            "the look direction passes through Earth's centre: the level-4 image axes are undefined"
        )
    xi = b / nb
    yi = _unit(np.cross(b, L))
    return L, xi, yi


def _aim_on_x_axis(pos, boresight):
    """The point of the look line nearest the GSE X axis (the team's aim lies on it)."""
    d = _unit(boresight)
    # minimise |(pos + t d)_yz|^2
    dyz, pyz = d[1:], pos[1:]
    t = -float(pyz @ dyz) / float(dyz @ dyz) if float(dyz @ dyz) > 0 else 0.0
    t = max(t, 0.0)
    return pos + t * d


def _flip_wcs(w, ny: int, nx: int):
    """The celestial WCS of A[::-1, ::-1].T (new pixel (X, Y) = old (nx−1−Y, ny−1−X))."""
    w2 = w.deepcopy()
    m = np.array([[0.0, -1.0], [-1.0, 0.0]])
    c1, c2 = (float(v) for v in w.wcs.crpix)
    if w.wcs.has_cd():
        w2.wcs.cd = np.asarray(w.wcs.cd, dtype=float) @ m
    else:
        w2.wcs.pc = np.asarray(w.wcs.get_pc(), dtype=float) @ m
    w2.wcs.crpix = [ny + 1.0 - c2, nx + 1.0 - c1]
    w2.pixel_shape = (ny, nx)
    w2.wcs.set()
    return w2


def _orientation(obs, pos, aim) -> tuple[str, tuple[float, float], tuple[float, float]]:
    """("team" | "native" | "other", crval, cdelt) for ``obs``'s grid (module docstring)."""
    ny, nx = obs.shape
    if obs.pixel_angles is not None:
        h = obs.header if obs.header is not None else {}
        if all(k in h for k in ("CRVAL1", "CRVAL2", "CDELT1", "CDELT2")) and not any(
            k in h and float(h[k]) != 0.5 for k in ("CRPIX1", "CRPIX2")
        ):
            return "team", (float(h["CRVAL1"]), float(h["CRVAL2"])), (float(h["CDELT1"]), float(h["CDELT2"]))
        crval, cdelt = [], []
        for key in ("phi_deg", "theta_deg"):  # lower edge and width from the pixel-centre angles
            a = np.asarray(obs.pixel_angles[key], dtype=float)
            step = float(a[1] - a[0]) if a.size > 1 else 0.0
            crval.append(float(a[0]) - step / 2)
            cdelt.append(step)
        return "team", tuple(crval), tuple(cdelt)
    L, xi, yi = _team_axes(pos, aim)
    cx, cy = (nx - 1) / 2.0, (ny - 1) / 2.0
    d = pixel_directions(
        obs, [cx, cx + 1, cx, -0.5, nx - 0.5, cx, cx], [cy, cy, cy + 1, cy, cy, -0.5, ny - 0.5]
    )
    col = _unit(d[1] - d[0])
    row = _unit(d[2] - d[0])

    def ang(v, axis):
        return math.degrees(math.atan2(float(v @ axis), float(v @ L)))

    if col @ yi < -0.999 and row @ xi < -0.999:
        # native: team columns (phi, along x_i) = our rows reversed; team rows (theta) = our columns reversed
        phi = (ang(d[6], xi), ang(d[5], xi))
        theta = (ang(d[4], yi), ang(d[3], yi))
        return "native", (phi[0], theta[0]), ((phi[1] - phi[0]) / ny, (theta[1] - theta[0]) / nx)
    if col @ xi > 0.999 and row @ yi > 0.999:
        phi = (ang(d[3], xi), ang(d[4], xi))
        theta = (ang(d[5], yi), ang(d[6], yi))
        return "team", (phi[0], theta[0]), ((phi[1] - phi[0]) / nx, (theta[1] - theta[0]) / ny)
    wx = math.degrees(math.acos(float(np.clip(d[3] @ d[4], -1, 1))))
    wy = math.degrees(math.acos(float(np.clip(d[5] @ d[6], -1, 1))))
    return "other", (-wx / 2, -wy / 2), (wx / nx, wy / ny)


def level4_from_fit(result):
    """The :class:`~smile_viewer.io.level4.Level4File` of a fit (module docstring).

    Needs the forward model (a result read from JSON has none: UserInputError)."""
    fwd = result.forward
    if fwd is None or result.model is None:
        raise UserInputError(
            "this fit result holds no forward model (it was read from JSON): refit to write FITS"
        )
    obs = fwd.obs
    cam = fwd.camera
    pos = np.asarray(cam.position_re, dtype=float)
    notes = []
    if obs.aim_re is not None:
        aim = np.asarray(obs.aim_re, dtype=float)
    else:
        aim = _aim_on_x_axis(pos, cam.boresight)
        notes.append("no AIM_* in the observation: the point of the boresight nearest the GSE X axis")
    intensity, expected = fwd.full_resolution(result.model)
    counts = np.asarray(fwd.fine_counts, dtype=float)
    bkg = np.asarray(fwd.fine_background, dtype=float)
    valid = np.asarray(fwd.fine_valid, dtype=bool)
    vig = obs.vignetting
    if vig is None:
        inside = np.asarray(cam.inside_field(), dtype=bool)
        vig = np.where(inside, fwd.instrument.vignetting(cam.off_axis_angle_rad()), 0.0)
    vig = np.where(np.isfinite(vig), vig, 0.0)
    if "CXFOV" in obs.maps:
        cxfov = np.asarray(obs.maps["CXFOV"], dtype=float)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            cxfov = np.where(valid & (vig > 0), (counts - bkg) / vig, 0.0)
    if "ERRFOV" in obs.maps:
        error = np.asarray(obs.maps["ERRFOV"], dtype=float)
    else:
        error = np.where(valid, np.sqrt(np.clip(counts, 0.0, None)), 0.0)
    resid = residual_sigma(counts, expected, mask=valid)

    orient, crval, cdelt = _orientation(obs, pos, aim)
    sky = obs.wcs
    arrays = {
        "fitted": expected,
        "cxfov": cxfov,
        "bkg": bkg,
        "error": error,
        "counts": counts,
        "intensity": intensity,
        "resid": resid,
    }
    if orient == "native":
        arrays = {k: np.asarray(v, dtype=float)[::-1, ::-1].T for k, v in arrays.items()}
        ny, nx = obs.shape
        if sky is not None:
            if any(
                getattr(sky, a, None) is not None for a in ("sip", "cpdis1", "cpdis2", "det2im1", "det2im2")
            ):
                sky = None
                notes.append(
                    "the celestial WCS has distortion terms: not written after the turn to the team's axes"
                )
            else:
                sky = _flip_wcs(sky, ny, nx)
        notes.append(
            "image turned to the SXI team's axes: columns along b (away from Earth), rows along b x L"
        )
    elif orient == "other":
        notes.append(
            "image axes not along the team's (rolled camera): kept; CRVAL/CDELT are the field's half "
            "widths along columns and rows"
        )

    flags = sxi_quality_flags(aim, pos, fwd.exposure_s, arrays["cxfov"], arrays["bkg"])
    if hasattr(result.model, "tilt_rad"):  # a GSM model keeps the tilt it was built with
        dipole = math.degrees(float(result.model.tilt_rad))
    else:
        dipole = math.degrees(float(dipole_tilt(obs.time_start)))
    names = tuple(result.parameters)
    table = ParameterTable(
        names,
        np.array([result.start_parameters.get(n, math.nan) for n in names], dtype=float),
        np.array([result.parameters[n] for n in names], dtype=float),
        np.array([result.errors.get(n, math.nan) for n in names], dtype=float),
        free=np.array([n in result.free for n in names]),
        lower=np.array([result.bounds.get(n, (math.nan, math.nan))[0] for n in names], dtype=float),
        upper=np.array([result.bounds.get(n, (math.nan, math.nan))[1] for n in names], dtype=float),
    )
    hist = result.history or [(0, result.cash, tuple(result.parameters[n] for n in result.free))]
    pvar: dict[str, np.ndarray] = {
        "EVAL": np.array([r[0] for r in hist], dtype=np.int64),
        "COST": np.array([r[1] for r in hist], dtype=float),
    }
    for n in names:  # the team's plot reads one column per parameter; fixed ones hold their value
        if n in result.free:
            i = result.free.index(n)
            pvar[n] = np.array([r[2][i] for r in hist], dtype=float)
        else:
            pvar[n] = np.full(len(hist), float(result.parameters[n]))
    method = str(getattr(result, "method", "") or "")
    fit_name = method.split(" (")[0].split(",")[0].strip().lower() or "unknown"
    extra: list[tuple[str, Any, str]] = [
        ("TELESCOP", "SMILE", "ESA-CAS SMILE mission"),
        ("INSTRUME", fwd.instrument.name.upper(), "instrument"),
        ("ORIGIN", "smile-viewer", "level-4 fit product"),
        ("VERSION", smile_viewer.__version__, "smile-viewer version"),
        ("STAT", "cash", "C = 2 sum(m - d ln m) minimised"),
        ("CSTAT", float(result.cstat), "C-stat at the minimum"),
        ("NBINS", int(result.n_bins), "bins fitted"),
        ("DOF", int(result.dof), "degrees of freedom"),
        ("BINFACT", int(result.bin_factor), "pixels per bin along each axis"),
        ("OVERSAMP", int(result.oversample), "rays per bin along each axis"),
        ("ERRMETH", str(result.uncertainty_method)[:60], "how the errors were found"),
        ("QF_LAMBD", round(flags["lambda_deg"], 6), "[deg] quality-flag angle lambda"),
        ("QF_SNR", round(flags["snr"], 6), "S/sqrt(S^2+B^2), S=sum CXFOV, B=sum BKGMAP"),
        ("QF_REF", "swharton1/SXI_L4_V1 quality_flag.py", "quality flag definitions"),
        ("ORIENT", orient, "team, native (turned to the team's) or other"),
        ("LOSMETH", "adaptive", "line integrals: adaptive Gauss-Legendre"),
    ]
    scan = getattr(result, "start_scan", None)
    extra.append(
        (
            "P0_DESC",
            "coarse scan of the magnetopause size"
            if scan is not None
            else "model defaults for the solar wind",
            "how the start values were found (P0_METH 0)",
        )
    )
    if getattr(result, "quality", None) is not None:
        codes = ",".join(f.code for f in result.flags)
        extra += [
            ("FITFLAGS", codes[:68] or "none", "fit-quality flags (analysis.fit_quality)"),
            ("RELIABLE", bool(result.reliable), "False: do not use RCMEM without looking"),
        ]
    if obs.time_end is not None:
        extra.append(
            ("DATE-END", obs.time_end.utc.strftime("%Y-%m-%dT%H:%M:%S.%f"), "end of the exposure (UTC)")
        )
    if obs.band_kev is not None:
        extra += [
            ("EMIN", float(obs.band_kev[0]), "[keV] lower band edge"),
            ("EMAX", float(obs.band_kev[1]), "[keV] upper band edge"),
        ]
    for n in names:
        extra.append(
            (f"HIERARCH FIT {n}", float(result.parameters[n]), "best fit" if n in result.free else "fixed")
        )
    notes = list(result.notes) + notes
    text = json.dumps(
        {
            "fit": result.to_dict(),
            "level4_notes": notes,
            "observation_provenance": _json_clean(obs.provenance),
        },
        sort_keys=True,
    )
    return Level4File(
        fitted=arrays["fitted"],
        parameters=table,
        rcmem_re=float(result.subsolar_re),
        rcmem_err_re=float(result.subsolar_err_re) if math.isfinite(result.subsolar_err_re) else None,
        cxfov=arrays["cxfov"],
        background=arrays["bkg"],
        error=arrays["error"],
        counts=arrays["counts"],
        images={"INTENSITY": arrays["intensity"], "RESMAP": arrays["resid"]},
        p_variation=pvar,
        covariance=np.asarray(result.covariance, dtype=float),
        exposure_s=float(fwd.exposure_s),
        filename=obs.path.name,
        position_re=pos,
        aim_re=aim,
        crval_deg=crval,
        cdelt_deg=cdelt,
        dipole_deg=dipole,
        model=result.model_name,
        fit=fit_name,
        min_cost=float(result.cash),
        iterations=int(result.n_evals),
        opt_time_s=float(result.time_s),
        date_obs=obs.time_start.utc.strftime("%Y-%m-%dT%H:%M:%S.%f"),
        p_space_re=0.0,
        p0_method=0,
        count_rate=flags["count_rate"],
        qf=int(flags["qf"]),
        qf2=int(flags["qf2"]),
        sky_wcs=sky,
        extra_cards=tuple(extra),
        provenance_json=text,
    )


def _json_clean(v):
    if isinstance(v, dict):
        return {str(k): _json_clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_clean(x) for x in v]
    if isinstance(v, np.ndarray):
        return _json_clean(v.tolist())
    if isinstance(v, (np.floating, float)):
        return float(v) if math.isfinite(float(v)) else None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, (str, int, bool)) or v is None:
        return v
    return str(v)


def write_fit_level4(result, path, *, overwrite: bool = True):
    """Write the level-4 product of ``result`` atomically; returns the path."""
    return write_level4(level4_from_fit(result), path, overwrite=overwrite)
