"""Tsyganenko 1989 (T89c) external magnetospheric field in GSM, compiled with numba.

Ported from the Python ``geopack`` package (S. Tian, MIT licence; version 1.0.11, ``geopack/t89.py``),
itself a translation of N. A. Tsyganenko's Fortran T89C (release of Feb 12, 1996). Reference:
N. A. Tsyganenko, A magnetospheric magnetic field model with a warped tail current sheet,
Planet. Space Sci. 37, 5–20, 1989 (plus the 1992 tilt-dependent tail terms, "T89c").

The model is parameterised by ``iopt`` 1..7, i.e. the Kp bins
0,0+ | 1-,1,1+ | 2-,2,2+ | 3-,3,3+ | 4-,4,4+ | 5-,5,5+ | ≥ 6-  (:func:`kp_to_iopt`).
Valid to about 70 R_E. The field excludes the internal (dipole/IGRF) part.
Positions are in R_E (6371 km), converted to GEOPACK's 6371.2 km unit.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from smile_viewer.errors import UserInputError
from smile_viewer.physics.field.igrf import R_E_TO_A

#: The 30 model parameters for each iopt = 1..7 (row iopt-1), from T89C.
T89_PARAMS = np.array(
    [
        -116.53,
        -10719.0,
        42.375,
        59.753,
        -11363.0,
        1.7844,
        30.268,
        -0.35372e-01,
        -0.66832e-01,
        0.16456e-01,
        -1.3024,
        0.16529e-02,
        0.20293e-02,
        20.289,
        -0.25203e-01,
        224.91,
        -9234.8,
        22.788,
        7.8813,
        1.8362,
        -0.27228,
        8.8184,
        2.8714,
        14.468,
        32.177,
        0.01,
        0.0,
        7.0459,
        4.0,
        20.0,
        -55.553,
        -13198.0,
        60.647,
        61.072,
        -16064.0,
        2.2534,
        34.407,
        -0.38887e-01,
        -0.94571e-01,
        0.27154e-01,
        -1.3901,
        0.13460e-02,
        0.13238e-02,
        23.005,
        -0.30565e-01,
        55.047,
        -3875.7,
        20.178,
        7.9693,
        1.4575,
        0.89471,
        9.4039,
        3.5215,
        14.474,
        36.555,
        0.01,
        0.0,
        7.0787,
        4.0,
        20.0,
        -101.34,
        -13480.0,
        111.35,
        12.386,
        -24699.0,
        2.6459,
        38.948,
        -0.34080e-01,
        -0.12404,
        0.29702e-01,
        -1.4052,
        0.12103e-02,
        0.16381e-02,
        24.49,
        -0.37705e-01,
        -298.32,
        4400.9,
        18.692,
        7.9064,
        1.3047,
        2.4541,
        9.7012,
        7.1624,
        14.288,
        33.822,
        0.01,
        0.0,
        6.7442,
        4.0,
        20.0,
        -181.69,
        -12320.0,
        173.79,
        -96.664,
        -39051.0,
        3.2633,
        44.968,
        -0.46377e-01,
        -0.16686,
        0.048298,
        -1.5473,
        0.10277e-02,
        0.31632e-02,
        27.341,
        -0.50655e-01,
        -514.10,
        12482.0,
        16.257,
        8.5834,
        1.0194,
        3.6148,
        8.6042,
        5.5057,
        13.778,
        32.373,
        0.01,
        0.0,
        7.3195,
        4.0,
        20.0,
        -436.54,
        -9001.0,
        323.66,
        -410.08,
        -50340.0,
        3.9932,
        58.524,
        -0.38519e-01,
        -0.26822,
        0.74528e-01,
        -1.4268,
        -0.10985e-02,
        0.96613e-02,
        27.557,
        -0.56522e-01,
        -867.03,
        20652.0,
        14.101,
        8.3501,
        0.72996,
        3.8149,
        9.2908,
        6.4674,
        13.729,
        28.353,
        0.01,
        0.0,
        7.4237,
        4.0,
        20.0,
        -707.77,
        -4471.9,
        432.81,
        -435.51,
        -60400.0,
        4.6229,
        68.178,
        -0.88245e-01,
        -0.21002,
        0.11846,
        -2.6711,
        0.22305e-02,
        0.10910e-01,
        27.547,
        -0.54080e-01,
        -424.23,
        1100.2,
        13.954,
        7.5337,
        0.89714,
        3.7813,
        8.2945,
        5.174,
        14.213,
        25.237,
        0.01,
        0.0,
        7.0037,
        4.0,
        20.0,
        -1190.4,
        2749.9,
        742.56,
        -1110.3,
        -77193.0,
        7.6727,
        102.05,
        -0.96015e-01,
        -0.74507,
        0.11214,
        -1.3614,
        0.15157e-02,
        0.22283e-01,
        23.164,
        -0.74146e-01,
        -2219.1,
        48253.0,
        12.714,
        7.6777,
        0.57138,
        2.9633,
        9.3909,
        9.7263,
        11.123,
        21.558,
        0.01,
        0.0,
        4.4518,
        4.0,
        20.0,
    ]
).reshape(7, 30)


def kp_to_iopt(kp: float) -> int:
    """T89 ``iopt`` (1..7) for a Kp value 0..9 (Kp 2- = 1.67, 2 = 2.0, 2+ = 2.33 …; ≥ 6- → 7)."""
    kp = float(kp)
    if not 0.0 <= kp <= 9.0:
        raise UserInputError(f"Kp must be within 0..9, got {kp}")
    return int(min(np.floor(kp + 0.5) + 1, 7))


def check_iopt(iopt) -> int:
    """Validate a T89 ``iopt`` (an integer 1..7)."""
    if isinstance(iopt, bool) or int(iopt) != iopt or not 1 <= int(iopt) <= 7:
        raise UserInputError(f"T89 iopt must be an integer 1..7 (Kp bins), got {iopt!r}")
    return int(iopt)


@nb.njit(cache=True)
def t89_kernel(x, y, z, tilt, a):
    """T89c external field (bx, by, bz) [nT] in GSM at GSM (x, y, z) [GEOPACK R_E] for parameters ``a`` (30,)."""
    a02 = 25.0
    xlw2 = 170.0
    rt = 30.0
    xd = 0.0
    xld2 = 40.0
    sxc = 4.0
    xlwc2 = 50.0

    dyc = a[29]
    dyc2 = dyc * dyc
    dx = a[17]
    ha02 = 0.5 * a02
    rdyc2 = 1.0 / dyc2
    hlwc2m = -0.5 * xlwc2
    drdyc2 = -2.0 * rdyc2
    hxlw2m = -0.5 * xlw2

    adr = a[18]
    d0 = a[19]
    dd = a[20]
    rc = a[21]
    g = a[22]
    at = a[23]
    dt = d0
    p = a[24]
    delt = a[25]
    q = a[26]
    sx = a[27]
    gam = a[28]
    hxld2m = -0.5 * xld2
    adsl = 0.0
    dbldel = 2.0 * delt
    w1 = -0.5 / dx
    w2 = w1 * 2.0
    w4 = -1.0 / 3.0
    w3 = w4 / dx
    w5 = -0.5
    w6 = -3.0
    ak1 = a[0]
    ak2 = a[1]
    ak3 = a[2]
    ak4 = a[3]
    ak5 = a[4]
    ak6 = a[5]
    ak7 = a[6]
    ak8 = a[7]
    ak9 = a[8]
    ak10 = a[9]
    ak11 = a[10]
    ak12 = a[11]
    ak13 = a[12]
    ak14 = a[13]
    ak15 = a[14]
    ak16 = a[15]
    ak17 = a[16]
    ak610 = ak6 * w1 + ak10 * w5
    ak711 = ak7 * w2 - ak11
    ak812 = ak8 * w2 + ak12 * w6
    ak913 = ak9 * w3 + ak13 * w4

    tlt2 = tilt * tilt
    sps = np.sin(tilt)
    cps = np.cos(tilt)

    x2 = x * x
    y2 = y * y
    z2 = z * z
    tps = sps / cps
    htp = tps * 0.5
    xsm = x * cps - z * sps
    zsm = x * sps + z * cps

    # shape of the tail current sheet and its derivatives
    xrc = xsm + rc
    xrc16 = xrc * xrc + 16.0
    sxrc = np.sqrt(xrc16)
    y4 = y2 * y2
    y410 = y4 + 1e4
    sy4 = sps / y410
    gsy4 = g * sy4
    zs1 = htp * (xrc - sxrc)
    dzsx = -zs1 / sxrc
    zs = zs1 - gsy4 * y4
    d2zsgy = -sy4 / y410 * 4e4 * y2 * y
    dzsy = g * d2zsgy

    # ring current
    xsm2 = xsm * xsm
    dsqt = np.sqrt(xsm2 + a02)
    fa0 = 0.5 * (1.0 + xsm / dsqt)
    ddr = d0 + dd * fa0
    dfa0 = ha02 / (dsqt * dsqt * dsqt)
    zr = zsm - zs
    tr = np.sqrt(zr * zr + ddr * ddr)
    rtr = 1.0 / tr
    ro2 = xsm2 + y2
    adrt = adr + tr
    adrt2 = adrt * adrt
    fk = 1.0 / (adrt2 + ro2)
    dsfc = np.sqrt(fk)
    fc = fk * fk * dsfc
    facxy = 3.0 * adrt * fc * rtr
    xzr = xsm * zr
    yzr = y * zr
    dbxdp = facxy * xzr
    der14 = facxy * yzr
    xzyz = xsm * dzsx + y * dzsy
    faq = zr * xzyz - ddr * dd * dfa0 * xsm
    dbzdp = fc * (2.0 * adrt2 - ro2) + facxy * faq
    der04 = dbxdp * cps + dbzdp * sps
    der24 = dbzdp * cps - dbxdp * sps

    # tail current sheet
    dely2 = delt * y2
    d = dt + dely2
    if abs(gam) >= 1e-6:
        xxd = xsm - xd
        rqd = 1.0 / (xxd * xxd + xld2)
        rqds = np.sqrt(rqd)
        h = 0.5 * (1.0 + xxd * rqds)
        hs = -hxld2m * rqd * rqds
        gamh = gam * h
        d = d + gamh
        xghs = xsm * gam * hs
        adsl = -d * xghs
    d2 = d * d
    t = np.sqrt(zr * zr + d2)
    xsmx = xsm - sx
    rdsq2 = 1.0 / (xsmx * xsmx + xlw2)
    rdsq = np.sqrt(rdsq2)
    v = 0.5 * (1.0 - xsmx * rdsq)
    dvx = hxlw2m * rdsq * rdsq2
    om = np.sqrt(np.sqrt(xsm2 + 16.0) - xsm)
    oms = -om / (om * om + xsm) * 0.5
    rdy = 1.0 / (p + q * om)
    omsv = oms * v
    rdy2 = rdy * rdy
    fy = 1.0 / (1.0 + y2 * rdy2)
    w = v * fy
    yfy1 = 2.0 * fy * y2 * rdy2
    fypr = yfy1 * rdy
    fydy = fypr * fy
    dwx = dvx * fy + fydy * q * omsv
    ydwy = -v * yfy1 * fy
    ddy = dbldel * y
    att = at + t
    s1 = np.sqrt(att * att + ro2)
    f5 = 1.0 / s1
    f7 = 1.0 / (s1 + att)
    f1 = f5 * f7
    f3 = f5 * f5 * f5
    f9 = att * f3
    fs = zr * xzyz - d * y * ddy + adsl
    xdwx = xsm * dwx + ydwy
    rtt = 1.0 / t
    wt = w * rtt
    brrz1 = wt * f1
    brrz2 = wt * f3
    dbxc1 = brrz1 * xzr
    dbxc2 = brrz2 * xzr
    der10 = brrz1 * yzr
    der11 = brrz2 * yzr
    wtfs = wt * fs
    dbzc1 = w * f5 + xdwx * f7 + wtfs * f1
    dbzc2 = w * f9 + xdwx * f1 + wtfs * f3
    der00 = dbxc1 * cps + dbzc1 * sps
    der01 = dbxc2 * cps + dbzc2 * sps
    der20 = dbzc1 * cps - dbxc1 * sps
    der21 = dbzc2 * cps - dbxc2 * sps

    # closure currents
    zpl = z + rt
    zmn = z - rt
    rogsm2 = x2 + y2
    spl = np.sqrt(zpl * zpl + rogsm2)
    smn = np.sqrt(zmn * zmn + rogsm2)
    xsxc = x - sxc
    rqc2 = 1.0 / (xsxc * xsxc + xlwc2)
    rqc = np.sqrt(rqc2)
    fyc = 1.0 / (1.0 + y2 * rdyc2)
    wc = 0.5 * (1.0 - xsxc * rqc) * fyc
    dwcx = hlwc2m * rqc2 * rqc * fyc
    dwcy = drdyc2 * wc * fyc * y
    szrp = 1.0 / (spl + zpl)
    szrm = 1.0 / (smn - zmn)
    xywc = x * dwcx + y * dwcy
    wcsp = wc / spl
    wcsm = wc / smn
    fxyp = wcsp * szrp
    fxym = wcsm * szrm
    fxpl = x * fxyp
    fxmn = -x * fxym
    fypl = y * fxyp
    fymn = -y * fxym
    fzpl = wcsp + xywc * szrp
    fzmn = wcsm + xywc * szrm
    der02 = fxpl + fxmn
    der03 = (fxpl - fxmn) * sps
    der12 = fypl + fymn
    der13 = (fypl - fymn) * sps
    der22 = fzpl + fzmn
    der23 = (fzpl - fzmn) * sps

    # Chapman-Ferraro sources and the rest
    ex = np.exp(x / dx)
    ec = ex * cps
    es = ex * sps
    ecz = ec * z
    esz = es * z
    eszy2 = esz * y2
    eszz2 = esz * z2
    ecz2 = ecz * z
    esy = es * y

    sx1 = ak6 * ecz + ak7 * es + ak8 * esy * y + ak9 * esz * z
    sy1 = ak10 * ecz * y + ak11 * esy + ak12 * esy * y2 + ak13 * esy * z2
    sz1 = ak14 * ec + ak15 * ec * y2 + ak610 * ecz2 + ak711 * esz + ak812 * eszy2 + ak913 * eszz2
    bxcl = ak3 * der02 + ak4 * der03
    bycl = ak3 * der12 + ak4 * der13
    bzcl = ak3 * der22 + ak4 * der23
    bxt = ak1 * der00 + ak2 * der01 + bxcl + (ak16 * der00 + ak17 * der01) * tlt2
    byt = ak1 * der10 + ak2 * der11 + bycl + (ak16 * der10 + ak17 * der11) * tlt2
    bzt = ak1 * der20 + ak2 * der21 + bzcl + (ak16 * der20 + ak17 * der21) * tlt2

    return bxt + ak5 * der04 + sx1, byt + ak5 * der14 + sy1, bzt + ak5 * der24 + sz1


@nb.njit(cache=True, parallel=True)
def _t89_many(xyz, tilt, a, scale):
    n = xyz.shape[0]
    out = np.empty((n, 3))
    for i in nb.prange(n):
        bx, by, bz = t89_kernel(xyz[i, 0] * scale, xyz[i, 1] * scale, xyz[i, 2] * scale, tilt, a)
        out[i, 0] = bx
        out[i, 1] = by
        out[i, 2] = bz
    return out


def t89(xyz_gsm_re, iopt: int, tilt_rad: float) -> np.ndarray:
    """T89c external field [nT] in GSM at GSM positions ``xyz_gsm_re`` (..., 3) [R_E].

    ``iopt``: 1..7 (Kp bins, see :func:`kp_to_iopt`); ``tilt_rad``: dipole tilt [rad], GEOPACK sign.
    """
    xyz = np.ascontiguousarray(np.asarray(xyz_gsm_re, dtype=np.float64))
    if xyz.ndim == 0 or xyz.shape[-1] != 3:
        raise UserInputError(f"positions must have shape (..., 3), got {xyz.shape}")
    a = np.ascontiguousarray(T89_PARAMS[check_iopt(iopt) - 1])
    out = _t89_many(xyz.reshape(-1, 3), float(tilt_rad), a, R_E_TO_A)
    return out.reshape(xyz.shape)
