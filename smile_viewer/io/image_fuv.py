"""IMAGE FUV level-1 images (WIC; SI-12 and SI-13 in the same layout) from the FUV team's IDL
save files, read into an :class:`~smile_viewer.io.observed.ObservedImage` with full geometry.

The file holds one ``imageinfo`` structure (scipy.io.readsav); the layout, the fill values and
the camera model (attitude tags L0/A_GCI3 plus a small alignment, pixel scale and radial
distortion fitted to the file's own geolocation on the WGS 84 shell at EMIS_HGT) are described
in docs/formats.md#image-fuv-level-1. Every problem raises DataFileError naming the file.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import erfa
import numpy as np
from astropy import units as u
from astropy.time import Time
from astropy.wcs import WCS, Sip
from scipy.io import readsav
from scipy.ndimage import binary_erosion
from scipy.optimize import least_squares
from scipy.spatial import cKDTree
from scipy.spatial.transform import Rotation

from smile_viewer.constants import R_E_KM
from smile_viewer.coords import rotation_matrix
from smile_viewer.errors import DataFileError
from smile_viewer.io.checked_file import checked_path, file_sha256

__all__ = [
    "ANGLE_FILL",
    "GEOLOCATION_FILL",
    "IDL_SAVE_MAGIC",
    "PASSBANDS_NM",
    "FuvCamera",
    "camera_from_tags",
    "fit_camera",
    "geolocate",
    "geolocation_check",
    "is_idl_save",
    "read_image_fuv",
    "shell_points_gei_km",
]

#: First bytes of an IDL save file ("SR", then format version 0x0004).
IDL_SAVE_MAGIC = b"SR\x00\x04"
#: Fill value of MLAT, MLON, MLT, GLAT, GLON off the Earth (the FUV team's files; fuvpy read_idl).
GEOLOCATION_FILL = -1.0e31
#: Fill value of SZA and DZA.
ANGLE_FILL = -1.0
#: Passbands [nm] (Mende et al. 2000, Space Sci. Rev. 91, 243-270 and 271-285): WIC 140-190 nm
#: (LBH and N I 149.3 nm), SI-12 Doppler-shifted Lyman alpha 121.8 nm, SI-13 O I 135.6 nm.
PASSBANDS_NM: dict[str, tuple[float, float]] = {
    "WIC": (140.0, 190.0),
    "SI12": (121.8, 121.8),
    "SI13": (135.6, 135.6),
}
#: WGS 84 ellipsoid [km]: the FUV geolocation's Earth (GLAT is geodetic; the file's DZA is
#: measured from the geocentric radial direction: both reproduced to 1e-4 deg, docs/formats.md).
WGS84_A_KM = 6378.137
WGS84_F = 1.0 / 298.257223563
_GEO_MAPS = ("MLAT", "MLON", "MLT", "GLAT", "GLON")
_ANGLE_MAPS = ("SZA", "DZA")
#: IDL "CDF epoch" zero (0000-01-01 00:00 UTC, proleptic Gregorian) as a Julian date.
_EPOCH0_JD = 1721059.5


def is_idl_save(head: bytes) -> bool:
    """True when ``head`` (the first bytes of a file) starts like an IDL save file."""
    return bytes(head[:4]) == IDL_SAVE_MAGIC


# ---------------------------------------------------------------------------- camera model


@dataclass(frozen=True)
class FuvCamera:
    """A pinhole camera with radial distortion in GEI (J2000 axes).

    Pixel (x, y) (0-based column, row; centres at integers) looks along
    ``normalize(b + X e_col + Y e_row)`` with ``(X, Y) = s (x − cx, y − cy) (1 + k1 ρ²)`` and
    ``ρ² = s² ((x − cx)² + (y − cy)²)``: ``axes`` = columns (e_col, e_row, b) of a 3×3 matrix
    (e_col × e_row = ±b; −b is a mirrored picture), ``scale_rad`` = s [rad per pixel at the
    centre], ``k1`` [rad^-2], ``centre`` = (cx, cy).
    """

    axes: np.ndarray
    scale_rad: float
    k1: float
    shape: tuple[int, int]
    centre: tuple[float, float]

    def directions_gei(self, x=None, y=None) -> np.ndarray:
        """Unit look directions (..., 3) in GEI; default every pixel centre, (ny, nx, 3)."""
        if x is None and y is None:
            yy, xx = np.mgrid[0 : self.shape[0], 0 : self.shape[1]].astype(float)
        else:
            xx, yy = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        s = self.scale_rad
        px, py = (xx - self.centre[0]) * s, (yy - self.centre[1]) * s
        fac = 1.0 + self.k1 * (px * px + py * py)
        a = np.asarray(self.axes, float)
        v = (px * fac)[..., None] * a[:, 0] + (py * fac)[..., None] * a[:, 1] + a[:, 2]
        return v / np.linalg.norm(v, axis=-1, keepdims=True)

    @property
    def mirrored(self) -> bool:
        """True when e_col × e_row = −b (the picture is a mirror image of the sky)."""
        a = np.asarray(self.axes, float)
        return bool(np.cross(a[:, 0], a[:, 1]) @ a[:, 2] < 0)

    def wcs(self, time: Time) -> WCS:
        """The same camera as a celestial RA---TAN-SIP / DEC--TAN-SIP WCS (ICRS taken as GEI/J2000).

        The radial term is exact as SIP: u' = u + k1 s² u (u² + v²) (pixel offsets u, v)."""
        a = np.asarray(self.axes, float)
        b = a[:, 2]
        ra0 = math.degrees(math.atan2(b[1], b[0])) % 360.0
        dec0 = math.degrees(math.asin(max(-1.0, min(1.0, b[2]))))
        ar, dr = math.radians(ra0), math.radians(dec0)
        east = np.array([-math.sin(ar), math.cos(ar), 0.0])
        north = np.array([-math.sin(dr) * math.cos(ar), -math.sin(dr) * math.sin(ar), math.cos(dr)])
        sdeg = math.degrees(self.scale_rad)
        cd = sdeg * np.array([[a[:, 0] @ east, a[:, 1] @ east], [a[:, 0] @ north, a[:, 1] @ north]])
        w = WCS(naxis=2)
        w.wcs.ctype = ["RA---TAN-SIP", "DEC--TAN-SIP"]
        w.wcs.cunit = ["deg", "deg"]
        w.wcs.crpix = [self.centre[0] + 1.0, self.centre[1] + 1.0]
        w.wcs.crval = [ra0, dec0]
        w.wcs.cd = cd
        w.wcs.lonpole = 180.0
        w.wcs.radesys = "ICRS"
        w.wcs.dateobs = time.utc.isot
        k = self.k1 * self.scale_rad**2
        coef_a = np.zeros((4, 4))
        coef_b = np.zeros((4, 4))
        coef_a[3, 0] = coef_a[1, 2] = k  # A_p_q multiplies u^p v^q
        coef_b[2, 1] = coef_b[0, 3] = k
        w.sip = Sip(coef_a, coef_b, None, None, w.wcs.crpix)
        w.wcs.set()
        return w


def _tag_axes(look_gei, spin_axis_gei) -> np.ndarray:
    """(e_col, e_row, b) from the attitude tags: b = L0, rows along the spin axis A_GCI3 (its
    part perpendicular to b), columns along b × A (the layout the files' geolocation shows)."""
    b = np.asarray(look_gei, float)
    b = b / np.linalg.norm(b)
    a = np.asarray(spin_axis_gei, float)
    a = a - (a @ b) * b
    a = a / np.linalg.norm(a)
    return np.column_stack([np.cross(b, a), a, b])


def camera_from_tags(
    look_gei, spin_axis_gei, scale_deg: float, shape, *, k1: float = 0.0, alignment_rotvec=(0.0, 0.0, 0.0)
) -> FuvCamera:
    """The camera from the file's attitude tags (L0, A_GCI3, ANGL_RES) with an optional
    alignment rotation (a rotation vector [rad] in the tag frame) and distortion ``k1``."""
    axes = _tag_axes(look_gei, spin_axis_gei)
    r = Rotation.from_rotvec(np.asarray(alignment_rotvec, float)).as_matrix()
    ny, nx = (int(v) for v in shape)
    return FuvCamera(axes @ r, math.radians(scale_deg), float(k1), (ny, nx), ((nx - 1) / 2, (ny - 1) / 2))


def shell_points_gei_km(glat_deg, glon_deg, height_km: float, time: Time) -> np.ndarray:
    """GEI positions [km] of geodetic (GLAT, GLON) at ``height_km`` above the WGS 84 ellipsoid."""
    xyz_m = erfa.gd2gce(
        WGS84_A_KM * 1e3,
        WGS84_F,
        np.radians(glon_deg),
        np.radians(glat_deg),
        np.full(np.shape(glat_deg), height_km * 1e3),
    )
    geo_to_gei = rotation_matrix(time, "geo", "gei")
    return (xyz_m / 1e3) @ geo_to_gei.T


def _shell_intersection_geo(origin_geo_km, dirs_geo, height_km: float) -> np.ndarray:
    """First intersection [km, GEO] of rays with the ellipsoid of semi-axes (a+h, a+h, b+h);
    NaN where a ray misses it (beyond the limb)."""
    a = WGS84_A_KM + height_km
    c = WGS84_A_KM * (1.0 - WGS84_F) + height_km
    scale = np.array([1.0 / a, 1.0 / a, 1.0 / c])
    o = np.asarray(origin_geo_km, float) * scale
    d = np.asarray(dirs_geo, float) * scale
    qa = np.sum(d * d, axis=-1)
    qb = 2.0 * (d @ o)
    qc = o @ o - 1.0
    disc = qb * qb - 4.0 * qa * qc
    with np.errstate(invalid="ignore"):
        t = (-qb - np.sqrt(disc)) / (2.0 * qa)
    t = np.where((disc >= 0) & (t > 0), t, np.nan)
    return np.asarray(origin_geo_km, float) + t[..., None] * np.asarray(dirs_geo, float)


def geolocate(camera: FuvCamera, position_gei_km, time: Time, height_km: float):
    """(GLAT, GLON) [deg] where each pixel's ray meets the shell ``height_km`` above WGS 84
    (the ellipsoid scaled by h; within metres of constant geodetic height); NaN off the Earth."""
    to_geo = rotation_matrix(time, "gei", "geo")
    d = camera.directions_gei() @ to_geo.T
    o = to_geo @ np.asarray(position_gei_km, float)
    p = _shell_intersection_geo(o, d, height_km)
    ok = np.all(np.isfinite(p), axis=-1)
    lat = np.full(p.shape[:-1], np.nan)
    lon = np.full(p.shape[:-1], np.nan)
    if ok.any():
        elong, phi, _h = erfa.gc2gd(1, p[ok] * 1e3)
        lat[ok] = np.degrees(phi)
        lon[ok] = np.degrees(elong) % 360.0
    return lat, lon


def fit_camera(
    glat_deg,
    glon_deg,
    position_gei_km,
    time: Time,
    height_km: float,
    look_gei,
    spin_axis_gei,
    scale_deg: float,
    *,
    stride: int = 3,
) -> tuple[FuvCamera, dict[str, float]]:
    """Fit the alignment (3 small angles), the pixel scale and the radial distortion k1 so that the
    camera's rays pass through the file's own geolocated points (GLAT/GLON at ``height_km``).

    ``stride``: fit every stride-th geolocated pixel along rows and columns.
    Returns the camera and fit figures: rms and maximum ray misfit [deg], the alignment angle
    [deg] and rotation vector [rad], the fitted scale [deg/pixel] and k1 [rad^-2], the number
    of pixels used."""
    glat = np.asarray(glat_deg, float)
    ok = np.isfinite(glat) & np.isfinite(np.asarray(glon_deg, float))
    if stride > 1:  # every stride-th pixel along each axis: the 5 parameters need few thousand
        sub = np.zeros_like(ok)
        sub[::stride, ::stride] = True
        ok &= sub
    yy, xx = np.nonzero(ok)
    pts = shell_points_gei_km(glat[ok], np.asarray(glon_deg, float)[ok], height_km, time)
    target = pts - np.asarray(position_gei_km, float)
    target /= np.linalg.norm(target, axis=1, keepdims=True)
    ny, nx = glat.shape

    def cam(p):
        return camera_from_tags(look_gei, spin_axis_gei, p[3], (ny, nx), k1=p[4], alignment_rotvec=p[:3])

    def resid(p):
        return (cam(p).directions_gei(xx, yy) - target).ravel()

    p0 = np.array([0.0, 0.0, 0.0, float(scale_deg), 0.0])
    res = least_squares(resid, p0, x_scale=np.array([1e-3, 1e-3, 1e-3, 1e-4, 0.1]), method="lm")
    best = cam(res.x)
    err = np.degrees(np.linalg.norm(res.fun.reshape(-1, 3), axis=1))
    info = {
        "rms_ray_error_deg": float(np.sqrt(np.mean(err**2))),
        "max_ray_error_deg": float(err.max()),
        "alignment_deg": float(np.degrees(np.linalg.norm(res.x[:3]))),
        "alignment_rotvec_rad": [float(v) for v in res.x[:3]],
        "scale_deg": float(res.x[3]),
        "k1_per_rad2": float(res.x[4]),
        "pixels_used": int(ok.sum()),
    }
    return best, info


def geolocation_check(camera: FuvCamera, position_gei_km, time: Time, height_km: float, glat_deg, glon_deg):
    """How well ``camera`` reproduces a file's geolocation: the great-circle distance [deg]
    between the model's and the file's (GLAT, GLON) on the pixels both place on the Earth
    (median, 95th percentile, maximum) and the limb: for every edge pixel of one disk (not on
    the image border) the distance [pixels] to the nearest edge pixel of the other (maximum both
    ways), plus the pixels on the disk in only one of the two."""
    lat, lon = geolocate(camera, position_gei_km, time, height_km)
    glat = np.asarray(glat_deg, float)
    glon = np.asarray(glon_deg, float)
    both = np.isfinite(lat) & np.isfinite(glat)
    la1, lo1, la2, lo2 = (np.radians(a[both]) for a in (lat, lon, glat, glon))
    cosd = np.sin(la1) * np.sin(la2) + np.cos(la1) * np.cos(la2) * np.cos(lo1 - lo2)
    d = np.degrees(np.arccos(np.clip(cosd, -1.0, 1.0)))
    m_model, m_file = np.isfinite(lat), np.isfinite(glat)

    def edge(m):
        inner = m & ~binary_erosion(m, border_value=1)
        inner[[0, -1], :] = False
        inner[:, [0, -1]] = False
        return np.argwhere(inner)

    e_model, e_file = edge(m_model), edge(m_file)
    if len(e_model) and len(e_file):
        limb = max(cKDTree(e_model).query(e_file)[0].max(), cKDTree(e_file).query(e_model)[0].max())
    else:
        limb = float("nan")
    return {
        "median_deg": float(np.median(d)),
        "p95_deg": float(np.percentile(d, 95)),
        "max_deg": float(d.max()),
        "pixels_compared": int(both.sum()),
        "limb_max_px": float(limb),
        "limb_pixels": int(len(e_file)),
        "disk_only_model": int((m_model & ~m_file).sum()),
        "disk_only_file": int((m_file & ~m_model).sum()),
    }


# ---------------------------------------------------------------------------- reader


def _field(info, name: str, p: Path):
    names = {str(n).upper() for n in (info.dtype.names or ())}
    if name.upper() not in names:
        raise DataFileError(p, f"imageinfo has no {name} tag")
    return info[name.upper()][0]


def _vector(info, name: str, p: Path) -> np.ndarray:
    v = np.asarray(_field(info, name, p), dtype=float).reshape(-1)
    if v.shape != (3,) or not np.all(np.isfinite(v)) or np.linalg.norm(v) == 0:
        raise DataFileError(p, f"{name} = {v!r} is not a finite non-zero 3-vector")
    return v


def _scalar(info, name: str, p: Path) -> float:
    try:
        v = float(np.asarray(_field(info, name, p)).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        raise DataFileError(p, f"{name} is not a number") from None
    if not math.isfinite(v):
        raise DataFileError(p, f"{name} = {v} is not finite")
    return v


def _time(info, p: Path, notes: list[str]) -> Time:
    t = np.asarray(_field(info, "TIME", p)).reshape(-1)
    if t.shape != (2,):
        raise DataFileError(p, f"TIME = {t!r}: expected [yyyyddd, milliseconds of day]")
    yd, ms = int(t[0]), int(t[1])
    year, doy = divmod(yd, 1000)
    if not (1990 <= year <= 2100 and 1 <= doy <= 366 and 0 <= ms < 86_401_000):
        raise DataFileError(p, f"TIME = [{yd}, {ms}] is not a valid [yyyyddd, ms of day]")
    t0 = Time(f"{year:04d}:{doy:03d}:00:00:00", format="yday", scale="utc") + ms * u.ms
    try:
        ep = float(_field(info, "EPOCH", p))
        te = Time(_EPOCH0_JD + ep / 86_400_000.0, format="jd", scale="utc")
        if abs((te - t0).to_value(u.s)) > 1.0:
            notes.append(f"EPOCH ({te.isot}) differs from TIME by more than 1 s: TIME used")
    except DataFileError:
        notes.append("no EPOCH tag: TIME used")
    return t0.utc


def _masked_map(info, name: str, fill: float, shape, p: Path) -> tuple[np.ndarray, int]:
    a = np.asarray(_field(info, name, p), dtype=np.float64)
    if a.shape != tuple(shape):
        raise DataFileError(p, f"{name} has shape {a.shape} but IMAGE is {tuple(shape)}")
    bad = ~np.isfinite(a) | np.isclose(a, fill, rtol=1e-6, atol=0.0)
    if fill == GEOLOCATION_FILL:
        bad |= np.abs(a) >= 1e30
    a[bad] = np.nan
    return a, int(bad.sum())


def read_image_fuv(path, *, fit_geometry: bool = True) -> Any:
    """Read an IMAGE FUV level-1 IDL save file into an ObservedImage (format "image-fuv").

    The image is in counts (NaN where WIC has no data: pixels equal to 0, fuvpy's convention);
    ``maps`` hold MLAT, MLON, MLT, GLAT, GLON, SZA, DZA (fills → NaN, counted in ``notes``);
    ``wcs`` is the camera model as TAN-SIP, ``pixel_directions_gse`` its rays in GSE;
    ``header`` has the tags read, the passband and the camera fit figures.
    ``fit_geometry=False`` keeps the camera from the tags alone (no alignment, no distortion).
    """
    from smile_viewer.io.observed import ObservedImage  # lazy: observed imports this module

    p = checked_path(path, "observed")
    with open(p, "rb") as fh:
        head = fh.read(8)
    if not is_idl_save(head):
        raise DataFileError(p, "is not an IDL save file (does not start with 'SR\\x00\\x04')")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            content = readsav(str(p), verbose=False)
    except Exception as exc:  # noqa: BLE001 - scipy raises many kinds on damaged files
        raise DataFileError(
            p, f"is not a readable IDL save file, it may be truncated ({type(exc).__name__}: {exc})"
        ) from None
    if "imageinfo" not in content:
        have = ", ".join(sorted(content)) or "nothing"
        raise DataFileError(
            p, f"holds no imageinfo structure (an IMAGE FUV level-1 file has one); it has {have}"
        )
    info = content["imageinfo"]
    if not hasattr(info, "dtype") or info.dtype.names is None or len(info) < 1:
        raise DataFileError(p, "imageinfo is not a structure")
    notes: list[str] = []
    inst = _field(info, "INST_ID", p)
    inst = (inst.decode("ascii", "replace") if isinstance(inst, bytes) else str(inst)).strip().upper()
    if inst not in PASSBANDS_NM:
        raise DataFileError(p, f"INST_ID = {inst!r}: expected one of {', '.join(PASSBANDS_NM)} (IMAGE FUV)")
    image = np.asarray(_field(info, "IMAGE", p), dtype=np.float64)
    if image.ndim != 2 or min(image.shape) < 2:
        raise DataFileError(p, f"IMAGE has shape {image.shape}: expected a 2-D image")
    ny, nx = image.shape
    t0 = _time(info, p, notes)

    no_data = ~np.isfinite(image) | (image <= 0 if inst == "WIC" else ~np.isfinite(image))
    image[no_data] = np.nan
    if no_data.any():
        notes.append(
            f"{int(no_data.sum())} image pixels masked: {'0 counts (WIC no-data value)' if inst == 'WIC' else 'not finite'}"
        )

    maps: dict[str, np.ndarray] = {}
    for name in _GEO_MAPS:
        maps[name], n = _masked_map(info, name, GEOLOCATION_FILL, image.shape, p)
        if name == "GLAT":
            notes.append(
                f"{n} pixels off the Earth: geolocation fill value (-1e31) masked in MLAT/MLON/MLT/GLAT/GLON"
            )
    for name in _ANGLE_MAPS:
        maps[name], n = _masked_map(info, name, ANGLE_FILL, image.shape, p)
    notes.append(f"{int(np.isnan(maps['SZA']).sum())} pixels with SZA/DZA fill value (-1) masked")
    n_geo = int(np.isfinite(maps["GLAT"]).sum())
    if n_geo < 100:
        raise DataFileError(
            p, f"GLAT/GLON hold only {n_geo} geolocated pixels (the rest are fill values): no geometry"
        )

    o_gci = _vector(info, "O_GCI", p)
    if np.linalg.norm(o_gci) <= R_E_KM:
        raise DataFileError(p, f"O_GCI = {tuple(o_gci)} km lies inside the Earth")
    look = _vector(info, "L0", p)
    spin = _vector(info, "A_GCI3", p)
    height = _scalar(info, "EMIS_HGT", p)
    if not 0 < height < 1000:
        raise DataFileError(p, f"EMIS_HGT = {height} km is not an emission height")
    scale_deg = _scalar(info, "ANGL_RES_C", p)
    co_elev = math.degrees(math.asin(abs(look @ spin) / (np.linalg.norm(look) * np.linalg.norm(spin))))
    tags = {
        k: _scalar(info, k, p)
        for k in ("SPIN_PHASE", "INST_AZIMUTH", "INST_CO_ELEV", "INST_ROLL", "HFOV", "VFOV")
    }
    if abs(co_elev - tags["INST_CO_ELEV"]) > 0.05:
        notes.append(
            f"L0 is {co_elev:.3f} deg from the spin plane but INST_CO_ELEV = {tags['INST_CO_ELEV']:.3f} deg"
        )

    if fit_geometry:
        camera, fit = fit_camera(maps["GLAT"], maps["GLON"], o_gci, t0, height, look, spin, scale_deg)
        notes.append(
            f"camera fitted to the file's geolocation ({fit['pixels_used']} pixels): rays within "
            f"{fit['rms_ray_error_deg']:.4f} deg rms, alignment {fit['alignment_deg']:.3f} deg from L0/A_GCI3"
        )
    else:
        camera, fit = camera_from_tags(look, spin, scale_deg, (ny, nx)), {}
        notes.append(
            "camera from the attitude tags only (L0, A_GCI3, ANGL_RES_C): no alignment, no distortion"
        )

    gei_to_gse = rotation_matrix(t0, "gei", "gse")
    dirs_gse = camera.directions_gei() @ gei_to_gse.T
    pos_gse = gei_to_gse @ (o_gci / R_E_KM)
    notes.append("exposure not stated in the file")
    band = PASSBANDS_NM[inst]
    header = {
        "INST_ID": inst,
        "passband_nm": band,
        "EMIS_HGT_km": height,
        "O_GCI_km": o_gci.tolist(),
        "L0": look.tolist(),
        "A_GCI3": spin.tolist(),
        "ANGL_RES_C_deg": scale_deg,
        **tags,
        "camera": {
            "axes_gei": camera.axes.tolist(),
            "scale_deg": math.degrees(camera.scale_rad),
            "k1_per_rad2": camera.k1,
            "mirrored": camera.mirrored,
            **fit,
        },
    }
    prov = {
        "path": str(p.resolve()),
        "size_bytes": p.stat().st_size,
        "sha256": file_sha256(p),
        "format": "image-fuv",
        "structure": "imageinfo",
        "instrument": f"IMAGE FUV {inst}",
        "notes": list(notes),
        "convention": "O_GCI, L0, A_GCI3 taken as GEI/J2000; GLAT geodetic on WGS 84 at EMIS_HGT",
    }
    return ObservedImage(
        path=p,
        image=image,
        units="count",
        wcs=camera.wcs(t0),
        time_start=t0,
        time_end=None,
        exposure_s=None,
        position_re=pos_gse,
        aim_re=None,
        instrument=inst.lower(),
        band_kev=None,
        maps=maps,
        header=header,
        format="image-fuv",
        pixel_angles=None,
        notes=tuple(notes),
        provenance=prov,
        pixel_directions_gse=dirs_gse,
    )
