"""Tsyganenko 1996 (T96_01) external magnetospheric field in GSM, compiled with numba.

Ported from the Python ``geopack`` package (S. Tian, MIT licence; version 1.0.11, ``geopack/t96.py``,
which contains the fixes of tsssss/geopack issue #18), itself a translation of N. A. Tsyganenko's
Fortran T96_01 (release of June 22, 1996). References: N. A. Tsyganenko, Modeling the Earth's
magnetospheric magnetic field confined within a realistic magnetopause, J. Geophys. Res. 100,
5599–5612, 1995; N. A. Tsyganenko & M. Stern, J. Geophys. Res. 101, 27187–27198, 1996.

Differences from the Python port: the Bessel functions J0, J1 use the Abramowitz & Stegun
polynomial approximations (as the Fortran original does; |error| < 1e-7) instead of
``scipy.special``; the DIPLOOP1/CONDIP1 design matrices are summed on the fly (no arrays); the
/WARP/ common block is passed as arguments. Positions are in R_E (6371 km), converted to
GEOPACK's 6371.2 km unit.
"""

from __future__ import annotations

import numba as nb
import numpy as np

from smile_viewer.errors import UserInputError
from smile_viewer.physics.field.igrf import R_E_TO_A

# ------------------------------------------------------------------ model coefficients (T96_01)

#: Linear amplitudes of the T96 modules (ring current, tail modes, region 1, interconnection).
_T96_A = np.array([1.162, 22.344, 18.50, 2.602, 6.903, 5.287, 0.5790, 0.4462, 0.7850])
_TAILDISK_F = np.array([-745796.7338, 1176470.141, -444610.529, -57508.01028])
_TAILDISK_BETA = np.array([7.9250000, 8.0850000, 8.4712500, 27.89500])
_XX1 = np.array([-11.0, -7, -7, -3, -3, 1, 1, 1, 5, 5, 9, 9])
_YY1 = np.array([2.0, 0, 4, 2, 6, 0, 4, 8, 2, 6, 0, 4])
_XX2 = np.array([-10.0, -7, -4, -4, 0, 4, 4, 7, 10, 0, 0, 0, 0, 0])
_YY2 = np.array([3.0, 6, 3, 9, 6, 3, 9, 6, 3, 0, 0, 0, 0, 0])
_ZZ2 = np.array([20.0, 20, 4, 20, 4, 4, 20, 20, 20, 2, 3, 4.5, 7, 10])
_R2INNER_PL = np.array([154.185, -2.12446, 0.601735e-01, -0.153954e-02, 0.355077e-04])

_DIPSHLD_A1 = np.array(
    [
        0.24777,
        -27.003,
        -0.46815,
        7.0637,
        -1.5918,
        -0.090317,
        57.522,
        13.757,
        2.01,
        10.458,
        4.5798,
        2.1695,
    ]
)

_DIPSHLD_A2 = np.array(
    [
        -0.65385,
        -18.061,
        -0.40457,
        -5.0995,
        1.2846,
        0.078231,
        39.592,
        13.291,
        1.997,
        10.062,
        4.514,
        2.1558,
    ]
)

_ARC = np.array(
    [
        -3.087699646,
        3.516259114,
        18.81380577,
        -13.95772338,
        -5.497076303,
        0.1712890838,
        2.392629189,
        -2.728020808,
        -14.79349936,
        11.08738083,
        4.388174084,
        0.02492163197,
        0.7030375685,
        -0.7966023165,
        -3.835041334,
        2.642228681,
        -0.2405352424,
        -0.7297705678,
        -0.3680255045,
        0.1333685557,
        2.795140897,
        -1.078379954,
        0.801402863,
        0.1245825565,
        0.6149982835,
        -0.2207267314,
        -4.424578723,
        1.730471572,
        -1.716313926,
        -0.2306302941,
        -0.2450342688,
        0.08617173961,
        1.54697858,
        -0.6569391113,
        -0.6537525353,
        0.2079417515,
        12.75434981,
        11.37659788,
        636.4346279,
        1.752483754,
        3.604231143,
        12.83078674,
        7.412066636,
        9.434625736,
        676.7557193,
        1.701162737,
        3.580307144,
        14.64298662,
    ]
)

_ATAIL2 = np.array(
    [
        0.8747515218,
        -0.9116821411,
        2.209365387,
        -2.159059518,
        -7.059828867,
        5.924671028,
        -1.916935691,
        1.996707344,
        -3.877101873,
        3.947666061,
        11.38715899,
        -8.343210833,
        1.194109867,
        -1.244316975,
        3.73895491,
        -4.406522465,
        -20.66884863,
        3.020952989,
        0.2189908481,
        -0.09942543549,
        -0.927225562,
        0.1555224669,
        0.6994137909,
        -0.08111721003,
        -0.7565493881,
        0.4686588792,
        4.266058082,
        -0.3717470262,
        -3.920787807,
        0.0229856987,
        0.7039506341,
        -0.5498352719,
        -6.675140817,
        0.8279283559,
        -2.234773608,
        -1.622656137,
        5.187666221,
        6.802472048,
        39.13543412,
        2.784722096,
        6.979576616,
        25.7171676,
        4.495005873,
        8.068408272,
        93.47887103,
        4.158030104,
        9.313492566,
        57.18240483,
    ]
)

_ATAIL3 = np.array(
    [
        -19091.95061,
        -3011.613928,
        20582.16203,
        4242.91843,
        -2377.091102,
        -1504.820043,
        19884.0465,
        2725.150544,
        -21389.04845,
        -3990.475093,
        2401.610097,
        1548.171792,
        -946.5493963,
        490.1528941,
        986.9156625,
        -489.326593,
        -67.99278499,
        8.71117571,
        -45.1573426,
        -10.761065,
        210.7927312,
        11.41764141,
        -178.0262808,
        0.7558830028,
        339.3806753,
        9.904695974,
        69.50583193,
        -118.0271581,
        22.85935896,
        45.91014857,
        -425.6607164,
        15.47250738,
        118.2988915,
        65.58594397,
        -201.4478068,
        -14.5706294,
        19.6987797,
        20.3009568,
        86.4540742,
        22.50403727,
        23.41617329,
        48.48140573,
        24.61031329,
        123.5395974,
        223.5367692,
        39.50824342,
        65.83385762,
        266.2948657,
    ]
)

_BIRK1_C1 = np.array(
    [
        -0.000911582,
        -0.00376654,
        -0.00727423,
        -0.00270084,
        -0.00123899,
        -0.00154387,
        -0.0034004,
        -0.0191858,
        -0.0518979,
        0.0635061,
        0.44068,
        -0.39657,
        0.00561238,
        0.00160938,
        -0.00451229,
        -0.0025181,
        -0.00151599,
        -0.00133665,
        -0.000962089,
        -0.0272085,
        -0.0524319,
        0.0717024,
        0.523439,
        -0.405015,
        -89.5587,
        23.2806,
    ]
)

_BIRK1_C2 = np.array(
    [
        6.04133,
        0.305415,
        0.00606066,
        0.000128379,
        -1.79406e-05,
        1.41714,
        -27.2586,
        -4.28833,
        -1.30675,
        35.5607,
        8.95792,
        0.000961617,
        -0.000801477,
        -0.000782795,
        -1.65242,
        -16.5242,
        -5.33798,
        0.000424878,
        0.000331787,
        -0.000704305,
        0.000844342,
        9.53682e-05,
        0.000886271,
        25.112,
        20.9299,
        5.14569,
        -44.167,
        -51.0672,
        -1.87725,
        20.2998,
        48.7505,
        -2.97415,
        3.35184,
        -54.2921,
        -0.838712,
        -10.5123,
        70.7594,
        -4.94104,
        0.000106166,
        0.000465791,
        -0.000193719,
        10.8439,
        -29.7968,
        8.08068,
        0.000463507,
        -2.24475e-05,
        0.000177035,
        -0.000317581,
        -0.000264487,
        0.000102075,
        7.7139,
        10.1915,
        -4.99797,
        -23.1114,
        -29.2043,
        12.2928,
        10.9542,
        33.6671,
        -9.3851,
        0.000174615,
        -7.89777e-07,
        0.000686047,
        4.60104e-05,
        -0.00345216,
        0.00221871,
        0.0110078,
        -0.00661373,
        0.00249201,
        0.0343978,
        -1.93145e-06,
        4.93963e-06,
        -5.35748e-05,
        1.91833e-05,
        -0.000100496,
        -0.000210103,
        -0.00232195,
        0.00315335,
        -0.013432,
        -0.0263222,
    ]
)

_BIRK1SHLD_A = np.array(
    [
        1.174198045,
        -1.463820502,
        4.840161537,
        -3.674506864,
        82.18368896,
        -94.94071588,
        -4122.331796,
        4670.278676,
        -21.54975037,
        26.72661293,
        -72.81365728,
        44.09887902,
        40.08073706,
        -51.2356351,
        1955.348537,
        -1940.97155,
        794.0496433,
        -982.2441344,
        1889.837171,
        -558.9779727,
        -1260.543238,
        1260.063802,
        -293.5942373,
        344.7250789,
        -773.7002492,
        957.0094135,
        -1824.143669,
        520.7994379,
        1192.484774,
        -1192.184565,
        89.15537624,
        -98.52042999,
        -0.08168777675,
        0.04255969908,
        0.3155237661,
        -0.3841755213,
        2.494553332,
        -0.06571440817,
        -2.76566131,
        0.4331001908,
        0.1099181537,
        -0.0615412698,
        -0.325864926,
        0.6698439193,
        -5.542735524,
        0.1604203535,
        5.854456934,
        -0.8323632049,
        3.732608869,
        -3.130002153,
        107.0972607,
        -32.28483411,
        -115.2389298,
        54.4506436,
        -0.582685332,
        -3.582482231,
        -4.046544561,
        3.311978102,
        -104.0839563,
        30.26401293,
        97.29109008,
        -50.62370872,
        -296.3734955,
        127.7872523,
        5.303648988,
        10.40368955,
        69.65230348,
        466.5099509,
        1.645049286,
        3.82583819,
        11.66675599,
        558.9781177,
        1.826531343,
        2.066018073,
        25.40971369,
        990.2795225,
        2.319489258,
        4.555148484,
        9.691185703,
        591.8280358,
    ]
)

_BIRK2SHL_A = np.array(
    [
        -111.6371348,
        124.5402702,
        110.3735178,
        -122.0095905,
        111.9448247,
        -129.1957743,
        -110.7586562,
        126.5649012,
        -0.7865034384,
        -0.2483462721,
        0.8026023894,
        0.2531397188,
        10.72890902,
        0.8483902118,
        -10.96884315,
        -0.8583297219,
        13.85650567,
        14.905545,
        10.21914434,
        10.09021632,
        6.34038246,
        14.40432686,
        12.71023437,
        12.83966657,
    ]
)

_INTERCON_A = np.array(
    [
        -8.411078731,
        5932254.951,
        -9073284.93,
        -11.68794634,
        6027598.824,
        -9218378.368,
        -6.508798398,
        -11824.42793,
        18015.66212,
        7.99754043,
        13.9669886,
        90.24475036,
        16.75728834,
        1015.645781,
        1553.493216,
    ]
)

_R2SHEET_PNON = np.array(
    [
        -19.0969,
        -9.28828,
        -0.129687,
        5.58594,
        22.5055,
        0.048375,
        0.0396953,
        0.0579023,
        -13.675,
        -6.70625,
        2.31875,
        11.4062,
        20.4562,
        0.047875,
        0.036375,
        0.05675,
        -16.7125,
        -16.4625,
        -0.1625,
        5.1,
        23.7125,
        0.0355625,
        0.031875,
        0.053875,
    ]
)

_R2SHEET_A = np.array(
    [
        8.0719,
        -7.39582,
        -7.62341,
        0.684671,
        -13.5672,
        11.6681,
        13.1154,
        -0.890217,
        7.78726,
        -5.38346,
        -8.08738,
        0.609385,
        -2.7041,
        3.53741,
        3.15549,
        -1.11069,
        -8.47555,
        0.278122,
        2.73514,
        4.55625,
        13.1134,
        1.15848,
        -3.52648,
        -8.24698,
        -6.8571,
        -2.81369,
        2.03795,
        4.64383,
        2.49309,
        -1.22041,
        -1.67432,
        -0.422526,
        -5.39796,
        7.10326,
        5.5373,
        -13.1918,
        4.67853,
        -7.60329,
        -2.53066,
        7.76338,
        5.60165,
        5.34816,
        -4.56441,
        7.05976,
        -2.62723,
        -0.529078,
        1.42019,
        -2.93919,
        55.6338,
        -1.55181,
        39.8311,
        -80.6561,
        -46.9655,
        32.8925,
        -6.32296,
        19.7841,
        124.731,
        10.4347,
        -30.7581,
        102.68,
        -47.4037,
        -3.31278,
        9.37141,
        -50.0268,
        -533.319,
        110.426,
        1000.2,
        -1051.4,
        1619.48,
        589.855,
        -1462.73,
        1087.1,
        -1994.73,
        -1654.12,
        1263.33,
        -260.21,
        1424.84,
        1255.71,
        -956.733,
        219.946,
    ]
)

_R2SHEET_B = np.array(
    [
        -9.08427,
        10.6777,
        10.3288,
        -0.969987,
        6.45257,
        -8.42508,
        -7.97464,
        1.41996,
        -1.9249,
        3.93575,
        2.83283,
        -1.48621,
        0.244033,
        -0.757941,
        -0.386557,
        0.344566,
        9.56674,
        -2.5365,
        -3.32916,
        -5.86712,
        -6.19625,
        1.83879,
        2.52772,
        4.34417,
        1.87268,
        -2.13213,
        -1.69134,
        -0.176379,
        -0.261359,
        0.566419,
        0.3138,
        -0.134699,
        -3.83086,
        -8.4154,
        4.77005,
        -9.31479,
        37.5715,
        19.3992,
        -17.9582,
        36.4604,
        -14.9993,
        -3.1442,
        6.17409,
        -15.5519,
        2.28621,
        -0.00891549,
        -0.462912,
        2.47314,
        41.7555,
        208.614,
        -45.7861,
        -77.8687,
        239.357,
        -67.9226,
        66.8743,
        238.534,
        -112.136,
        16.2069,
        -40.4706,
        -134.328,
        21.56,
        -0.201725,
        2.21,
        32.5855,
        -108.217,
        -1005.98,
        585.753,
        323.668,
        -817.056,
        235.75,
        -560.965,
        -576.892,
        684.193,
        85.0275,
        168.394,
        477.776,
        -289.253,
        -123.216,
        75.6501,
        -178.605,
    ]
)

_R2SHEET_C = np.array(
    [
        1167.61,
        -917.782,
        -1253.2,
        -274.128,
        -1538.75,
        1257.62,
        1745.07,
        113.479,
        393.326,
        -426.858,
        -641.1,
        190.833,
        -29.9435,
        -1.04881,
        117.125,
        -25.7663,
        -1168.16,
        910.247,
        1239.31,
        289.515,
        1540.56,
        -1248.29,
        -1727.61,
        -131.785,
        -394.577,
        426.163,
        637.422,
        -187.965,
        30.0348,
        0.221898,
        -116.68,
        26.0291,
        12.6804,
        4.84091,
        1.18166,
        -2.75946,
        -17.9822,
        -6.80357,
        -1.47134,
        3.02266,
        4.79648,
        0.665255,
        -0.256229,
        -0.0857282,
        -0.588997,
        0.0634812,
        0.164303,
        -0.15285,
        22.2524,
        -22.4376,
        -3.85595,
        6.07625,
        -105.959,
        -41.6698,
        0.378615,
        1.55958,
        44.3981,
        18.8521,
        3.19466,
        5.89142,
        -8.63227,
        -2.36418,
        -1.027,
        -2.31515,
        1035.38,
        2040.66,
        -131.881,
        -744.533,
        -3274.93,
        -4845.61,
        482.438,
        1567.43,
        1354.02,
        2040.47,
        -151.653,
        -845.012,
        -111.723,
        -265.343,
        -26.1171,
        216.632,
    ]
)


# ------------------------------------------------------------------ Bessel functions
# Abramowitz & Stegun 9.4.1, 9.4.3 (J0) and 9.4.4, 9.4.6 (J1), the approximations the Fortran
# T96_01 code uses (|error| < 1e-7).


@nb.njit(cache=True)
def _bes0(x):
    if abs(x) < 3.0:
        x32 = (x / 3.0) ** 2
        return 1.0 - x32 * (
            2.2499997
            - x32 * (1.2656208 - x32 * (0.3163866 - x32 * (0.0444479 - x32 * (0.0039444 - x32 * 0.00021))))
        )
    xd3 = 3.0 / x
    f0 = 0.79788456 - xd3 * (
        0.00000077
        + xd3 * (0.00552740 + xd3 * (0.00009512 - xd3 * (0.00137237 - xd3 * (0.00072805 - xd3 * 0.00014476))))
    )
    t0 = (
        x
        - 0.78539816
        - xd3
        * (
            0.04166397
            + xd3
            * (0.00003954 - xd3 * (0.00262573 - xd3 * (0.00054125 + xd3 * (0.00029333 - xd3 * 0.00013558))))
        )
    )
    return f0 / np.sqrt(x) * np.cos(t0)


@nb.njit(cache=True)
def _bes1(x):
    if abs(x) < 3.0:
        x32 = (x / 3.0) ** 2
        return x * (
            0.5
            - x32
            * (
                0.56249985
                - x32
                * (
                    0.21093573
                    - x32 * (0.03954289 - x32 * (0.00443319 - x32 * (0.00031761 - x32 * 0.00001109)))
                )
            )
        )
    xd3 = 3.0 / x
    f1 = 0.79788456 + xd3 * (
        0.00000156
        + xd3 * (0.01659667 + xd3 * (0.00017105 - xd3 * (0.00249511 - xd3 * (0.00113653 - xd3 * 0.00020033))))
    )
    t1 = (
        x
        - 2.35619449
        + xd3
        * (
            0.12499612
            + xd3
            * (0.0000565 - xd3 * (0.00637879 - xd3 * (0.00074348 + xd3 * (0.00079824 - xd3 * 0.00029166))))
        )
    )
    return f1 / np.sqrt(x) * np.cos(t1)


# ------------------------------------------------------------------ dipole shielding


@nb.njit(cache=True)
def _cylindrical(y, z):
    """Distance from the X axis and the azimuth's sine and cosine (rho floored at 1e-8, as in T96)."""
    rho = np.sqrt(y * y + z * z)
    if rho < 1e-8:
        sinfi = 1.0
        cosfi = 0.0
        rho = 1e-8
    else:
        sinfi = z / rho
        cosfi = y / rho
    return rho, sinfi, cosfi


@nb.njit(cache=True)
def _cylharm(a, x, y, z):
    rho, sinfi, cosfi = _cylindrical(y, z)
    sinfi2 = sinfi * sinfi
    si2co2 = sinfi2 - cosfi * cosfi
    bx = 0.0
    by = 0.0
    bz = 0.0
    for i in range(3):
        dzeta = rho / a[i + 6]
        xksi = x / a[i + 6]
        xj0 = _bes0(dzeta)
        xj1 = _bes1(dzeta)
        xexp = np.exp(xksi)
        bx -= a[i] * xj1 * xexp * sinfi
        by += a[i] * (2.0 * xj1 / dzeta - xj0) * xexp * sinfi * cosfi
        bz += a[i] * (xj1 / dzeta * si2co2 - xj0 * sinfi2) * xexp
    for i in range(3, 6):
        dzeta = rho / a[i + 6]
        xksi = x / a[i + 6]
        xj0 = _bes0(dzeta)
        xj1 = _bes1(dzeta)
        xexp = np.exp(xksi)
        brho = (xksi * xj0 - (dzeta * dzeta + xksi - 1.0) * xj1 / dzeta) * xexp * sinfi
        bphi = (xj0 + xj1 / dzeta * (xksi - 1.0)) * xexp * cosfi
        bx += a[i] * (dzeta * xj0 + xksi * xj1) * xexp * sinfi
        by += a[i] * (brho * cosfi - bphi * sinfi)
        bz += a[i] * (brho * sinfi + bphi * cosfi)
    return bx, by, bz


@nb.njit(cache=True)
def _cylhar1(a, x, y, z):
    rho, sinfi, cosfi = _cylindrical(y, z)
    bx = 0.0
    by = 0.0
    bz = 0.0
    for i in range(3):
        dzeta = rho / a[i + 6]
        xksi = x / a[i + 6]
        xj0 = _bes0(dzeta)
        xj1 = _bes1(dzeta)
        xexp = np.exp(xksi)
        brho = xj1 * xexp
        bx -= a[i] * xj0 * xexp
        by += a[i] * brho * cosfi
        bz += a[i] * brho * sinfi
    for i in range(3, 6):
        dzeta = rho / a[i + 6]
        xksi = x / a[i + 6]
        xj0 = _bes0(dzeta)
        xj1 = _bes1(dzeta)
        xexp = np.exp(xksi)
        brho = (dzeta * xj0 + xksi * xj1) * xexp
        bx += a[i] * (dzeta * xj1 - xj0 * (xksi + 1.0)) * xexp
        by += a[i] * brho * cosfi
        bz += a[i] * brho * sinfi
    return bx, by, bz


@nb.njit(cache=True)
def _dipshld(ps, x, y, z):
    cps = np.cos(ps)
    sps = np.sin(ps)
    hx, hy, hz = _cylharm(_DIPSHLD_A1, x, y, z)
    fx, fy, fz = _cylhar1(_DIPSHLD_A2, x, y, z)
    return hx * cps + fx * sps, hy * cps + fy * sps, hz * cps + fz * sps


# ------------------------------------------------------------------ ring current and tail


@nb.njit(cache=True)
def _shielding_harmonics(a, n, x, y, z, cps, sps):
    """Sum of the n×n "box harmonic" shielding terms of T96 (Tsyganenko's SHLCAR3X3 for n = 3,
    BIRK2SHL for n = 2). Layout of ``a``: 4n² linear coefficients, then the scale lengths
    p (n), r (n), q (n), s (n)."""
    s3ps = 4.0 * cps * cps - 1.0
    base = 4 * n * n
    hx = 0.0
    hy = 0.0
    hz = 0.0
    l = 0
    for m in range(2):
        for i in range(n):
            p = a[base + i]
            q = a[base + 2 * n + i]
            cypi = np.cos(y / p)
            cyqi = np.cos(y / q)
            sypi = np.sin(y / p)
            syqi = np.sin(y / q)
            for k in range(n):
                r = a[base + n + k]
                s = a[base + 3 * n + k]
                szrk = np.sin(z / r)
                czsk = np.cos(z / s)
                czrk = np.cos(z / r)
                szsk = np.sin(z / s)
                sqpr = np.sqrt(1.0 / (p * p) + 1.0 / (r * r))
                sqqs = np.sqrt(1.0 / (q * q) + 1.0 / (s * s))
                epr = np.exp(x * sqpr)
                eqs = np.exp(x * sqqs)
                if m == 0:
                    dx = -sqpr * epr * cypi * szrk
                    dy = epr / p * sypi * szrk
                    dz = -epr / r * cypi * czrk
                    f2 = cps
                else:
                    dx = -sps * sqqs * eqs * cyqi * czsk
                    dy = sps * eqs / q * syqi * czsk
                    dz = sps * eqs / s * cyqi * szsk
                    f2 = s3ps
                c = a[l] + a[l + 1] * f2
                hx += c * dx
                hy += c * dy
                hz += c * dz
                l += 2
    return hx, hy, hz


@nb.njit(cache=True)
def _shlcar3x3(a, x, y, z, sps):
    return _shielding_harmonics(a, 3, x, y, z, np.sqrt(1.0 - sps * sps), sps)


@nb.njit(cache=True)
def _disk_potential(dzetas, rhos, bi, ddzetadx, ddzetady, ddzetadz, drhosdx, drhosdy, drhosdz):
    """The vector-potential factor A_s of one current-disk mode of half-thickness ``bi`` and its
    gradient (Tsyganenko's RINGCURR96 and TAILDISK share it): ``(as0, dA/dx, dA/dy, dA/dz)``."""
    s1 = np.sqrt((dzetas + bi) ** 2 + (rhos + bi) ** 2)
    s2 = np.sqrt((dzetas + bi) ** 2 + (rhos - bi) ** 2)
    ds1ddz = (dzetas + bi) / s1
    ds2ddz = (dzetas + bi) / s2
    ds1drhos = (rhos + bi) / s1
    ds2drhos = (rhos - bi) / s2
    ds1dx = ds1ddz * ddzetadx + ds1drhos * drhosdx
    ds1dy = ds1ddz * ddzetady + ds1drhos * drhosdy
    ds1dz = ds1ddz * ddzetadz + ds1drhos * drhosdz
    ds2dx = ds2ddz * ddzetadx + ds2drhos * drhosdx
    ds2dy = ds2ddz * ddzetady + ds2drhos * drhosdy
    ds2dz = ds2ddz * ddzetadz + ds2drhos * drhosdz
    s1ts2 = s1 * s2
    s1ps2 = s1 + s2
    s1ps2sq = s1ps2 * s1ps2
    fac1 = np.sqrt(s1ps2sq - (2.0 * bi) ** 2)
    as0 = fac1 / (s1ts2 * s1ps2sq)
    term1 = 1.0 / (s1ts2 * s1ps2 * fac1)
    fac2 = as0 / s1ps2sq
    dasds1 = term1 - fac2 / s1 * (s2 * s2 + s1 * (3.0 * s1 + 4.0 * s2))
    dasds2 = term1 - fac2 / s2 * (s1 * s1 + s2 * (3.0 * s2 + 4.0 * s1))
    dasdx = dasds1 * ds1dx + dasds2 * ds2dx
    dasdy = dasds1 * ds1dy + dasds2 * ds2dy
    dasdz = dasds1 * ds1dz + dasds2 * ds2dz
    return as0, dasdx, dasdy, dasdz


@nb.njit(cache=True)
def _ringcurr96(x, y, z, cpss, spss, dpsrr, xs, dxsx, dxsy, dxsz, dzsx, dzsz, zsww):
    d0 = 2.0
    deltadx = 0.0
    xd = 0.0
    xldx = 4.0
    dzsy = xs * y * dpsrr  # no y-z warping for the ring current
    xxd = x - xd
    fdx = 0.5 * (1.0 + xxd / np.sqrt(xxd * xxd + xldx * xldx))
    dddx = deltadx * 0.5 * xldx * xldx / np.sqrt(xxd * xxd + xldx * xldx) ** 3
    d = d0 + deltadx * fdx
    zs = zsww
    dzetas = np.sqrt(zs * zs + d * d)
    rhos = np.sqrt(xs * xs + y * y)
    ddzetadx = (zs * dzsx + d * dddx) / dzetas
    ddzetady = zs * dzsy / dzetas
    ddzetadz = zs * dzsz / dzetas
    if rhos < 1e-5:
        drhosdx = 0.0
        drhosdy = np.sign(y)
        drhosdz = 0.0
    else:
        drhosdx = xs * dxsx / rhos
        drhosdy = (xs * dxsy + y) / rhos
        drhosdz = xs * dxsz / rhos
    bx = 0.0
    by = 0.0
    bz = 0.0
    for i in range(2):
        if i == 0:
            f = 569.895366
            bi = 2.722188
        else:
            f = -1603.386993
            bi = 3.766875
        as0, dasdx, dasdy, dasdz = _disk_potential(
            dzetas, rhos, bi, ddzetadx, ddzetady, ddzetadz, drhosdx, drhosdy, drhosdz
        )
        bx += f * ((2.0 * as0 + y * dasdy) * spss - xs * dasdz + as0 * dpsrr * (y * y * cpss + z * zs))
        by -= f * y * (as0 * dpsrr * xs + dasdz * cpss + dasdx * spss)
        bz += f * ((2.0 * as0 + y * dasdy) * cpss + xs * dasdx - as0 * dpsrr * (x * zs + y * y * spss))
    return bx, by, bz


@nb.njit(cache=True)
def _taildisk(x, y, z, cpss, spss, dpsrr, xs, dxsx, dxsy, dxsz, dzetas, ddzetadx, ddzetady, ddzetadz, zsww):
    xshift = 4.5
    rhos = np.sqrt((xs - xshift) ** 2 + y * y)
    if rhos < 1e-5:
        drhosdx = 0.0
        drhosdy = np.sign(y)
        drhosdz = 0.0
    else:
        drhosdx = (xs - xshift) * dxsx / rhos
        drhosdy = ((xs - xshift) * dxsy + y) / rhos
        drhosdz = (xs - xshift) * dxsz / rhos
    bx = 0.0
    by = 0.0
    bz = 0.0
    for i in range(4):
        f = _TAILDISK_F[i]
        bi = _TAILDISK_BETA[i]
        as0, dasdx, dasdy, dasdz = _disk_potential(
            dzetas, rhos, bi, ddzetadx, ddzetady, ddzetadz, drhosdx, drhosdy, drhosdz
        )
        bx += f * (
            (2.0 * as0 + y * dasdy) * spss - (xs - xshift) * dasdz + as0 * dpsrr * (y * y * cpss + z * zsww)
        )
        by -= f * y * (as0 * dpsrr * xs + dasdz * cpss + dasdx * spss)
        bz += f * (
            (2.0 * as0 + y * dasdy) * cpss + (xs - xshift) * dasdx - as0 * dpsrr * (x * zsww + y * y * spss)
        )
    return bx, by, bz


@nb.njit(cache=True)
def _tail87(x, z, rps, warp):
    dd = 3.0
    hpi = 1.5707963
    rt = 40.0
    xn = -10.0
    x1 = -1.261
    x2 = -0.663
    b0 = 0.391734
    b1 = 5.89715
    b2 = 24.6833
    xn21 = (xn - x1) ** 2
    xnr = 1.0 / (xn - x2)
    adln = -np.log(xnr * xnr * xn21)
    zs = z - rps + warp
    zp = z - rt
    zm = z + rt
    xnx = xn - x
    xnx2 = xnx * xnx
    xc1 = x - x1
    xc2 = x - x2
    xc22 = xc2 * xc2
    xr2 = xc2 * xnr
    xc12 = xc1 * xc1
    d2 = dd * dd
    b20 = zs * zs + d2
    b2p = zp * zp + d2
    b2m = zm * zm + d2
    b = np.sqrt(b20)
    bp = np.sqrt(b2p)
    bm = np.sqrt(b2m)
    xa1 = xc12 + b20
    xap1 = xc12 + b2p
    xam1 = xc12 + b2m
    xa2 = 1.0 / (xc22 + b20)
    xap2 = 1.0 / (xc22 + b2p)
    xam2 = 1.0 / (xc22 + b2m)
    xna = xnx2 + b20
    xnap = xnx2 + b2p
    xnam = xnx2 + b2m
    f = b20 - xc22
    fp = b2p - xc22
    fm = b2m - xc22
    xln1 = np.log(xn21 / xna)
    xlnp1 = np.log(xn21 / xnap)
    xlnm1 = np.log(xn21 / xnam)
    xln2 = xln1 + adln
    xlnp2 = xlnp1 + adln
    xlnm2 = xlnm1 + adln
    aln = 0.25 * (xlnp1 + xlnm1 - 2.0 * xln1)
    s0 = (np.arctan(xnx / b) + hpi) / b
    s0p = (np.arctan(xnx / bp) + hpi) / bp
    s0m = (np.arctan(xnx / bm) + hpi) / bm
    s1 = (xln1 * 0.5 + xc1 * s0) / xa1
    s1p = (xlnp1 * 0.5 + xc1 * s0p) / xap1
    s1m = (xlnm1 * 0.5 + xc1 * s0m) / xam1
    s2 = (xc2 * xa2 * xln2 - xnr - f * xa2 * s0) * xa2
    s2p = (xc2 * xap2 * xlnp2 - xnr - fp * xap2 * s0p) * xap2
    s2m = (xc2 * xam2 * xlnm2 - xnr - fm * xam2 * s0m) * xam2
    g1 = (b20 * s0 - 0.5 * xc1 * xln1) / xa1
    g1p = (b2p * s0p - 0.5 * xc1 * xlnp1) / xap1
    g1m = (b2m * s0m - 0.5 * xc1 * xlnm1) / xam1
    g2 = ((0.5 * f * xln2 + 2.0 * s0 * b20 * xc2) * xa2 + xr2) * xa2
    g2p = ((0.5 * fp * xlnp2 + 2.0 * s0p * b2p * xc2) * xap2 + xr2) * xap2
    g2m = ((0.5 * fm * xlnm2 + 2.0 * s0m * b2m * xc2) * xam2 + xr2) * xam2
    bx = (
        b0 * (zs * s0 - 0.5 * (zp * s0p + zm * s0m))
        + b1 * (zs * s1 - 0.5 * (zp * s1p + zm * s1m))
        + b2 * (zs * s2 - 0.5 * (zp * s2p + zm * s2m))
    )
    bz = b0 * aln + b1 * (g1 - 0.5 * (g1p + g1m)) + b2 * (g2 - 0.5 * (g2p + g2m))
    return bx, bz


@nb.njit(cache=True)
def _tailrc96(sps, x, y, z):
    rh = 9.0
    dr = 4.0
    g = 10.0
    d0 = 2.0
    deltady = 10.0
    dr2 = dr * dr
    c11 = np.sqrt((1.0 + rh) ** 2 + dr2)
    c12 = np.sqrt((1.0 - rh) ** 2 + dr2)
    c1 = c11 - c12
    spsc1 = sps / c1
    rps = 0.5 * (c11 + c12) * sps
    r = np.sqrt(x * x + y * y + z * z)
    sq1 = np.sqrt((r + rh) ** 2 + dr2)
    sq2 = np.sqrt((r - rh) ** 2 + dr2)
    c = sq1 - sq2
    cs = (r + rh) / sq1 - (r - rh) / sq2
    spss = spsc1 / r * c
    cpss = np.sqrt(1.0 - spss * spss)
    dpsrr = sps / (r * r) * (cs * r - c) / np.sqrt((r * c1) ** 2 - (c * sps) ** 2)
    wfac = y / (y**4 + 1e4)
    w = wfac * y**3
    ws = 4e4 * y * wfac * wfac
    warp = g * sps * w
    xs = x * cpss - z * spss
    zsww = z * cpss + x * spss
    zs = zsww + warp
    dxsx = cpss - x * zsww * dpsrr
    dxsy = -y * zsww * dpsrr
    dxsz = -spss - z * zsww * dpsrr
    dzsx = spss + x * xs * dpsrr
    dzsy = xs * y * dpsrr + g * sps * ws
    dzsz = cpss + xs * z * dpsrr
    d = d0 + deltady * (y / 20.0) ** 2
    dddy = deltady * y * 0.005
    dzetas = np.sqrt(zs * zs + d * d)
    ddzetadx = zs * dzsx / dzetas
    ddzetady = (zs * dzsy + d * dddy) / dzetas
    ddzetadz = zs * dzsz / dzetas

    wx, wy, wz = _shlcar3x3(_ARC, x, y, z, sps)
    hx, hy, hz = _ringcurr96(x, y, z, cpss, spss, dpsrr, xs, dxsx, dxsy, dxsz, dzsx, dzsz, zsww)
    bxrc = wx + hx
    byrc = wy + hy
    bzrc = wz + hz
    wx, wy, wz = _shlcar3x3(_ATAIL2, x, y, z, sps)
    hx, hy, hz = _taildisk(
        x, y, z, cpss, spss, dpsrr, xs, dxsx, dxsy, dxsz, dzetas, ddzetadx, ddzetady, ddzetadz, zsww
    )
    bxt2 = wx + hx
    byt2 = wy + hy
    bzt2 = wz + hz
    wx, wy, wz = _shlcar3x3(_ATAIL3, x, y, z, sps)
    hx, hz = _tail87(x, z, rps, warp)
    return bxrc, byrc, bzrc, bxt2, byt2, bzt2, wx + hx, wy, wz + hz


# ------------------------------------------------------------------ region 1 Birkeland currents


@nb.njit(cache=True)
def _dipxyz(x, y, z):
    x2 = x * x
    y2 = y * y
    z2 = z * z
    r2 = x2 + y2 + z2
    xmr5 = 30574.0 / (r2 * r2 * np.sqrt(r2))
    xmr53 = 3.0 * xmr5
    bxx = xmr5 * (3.0 * x2 - r2)
    byx = xmr53 * x * y
    bzx = xmr53 * x * z
    byy = xmr5 * (3.0 * y2 - r2)
    bzy = xmr53 * y * z
    bzz = xmr5 * (3.0 * z2 - r2)
    # (bxx, byx, bzx, bxy, byy, bzy, bxz, byz, bzz)
    return bxx, byx, bzx, byx, byy, bzy, bzx, bzy, bzz


@nb.njit(cache=True)
def _circle(x, y, z, rl):
    rho2 = x * x + y * y
    rho = np.sqrt(rho2)
    r22 = z * z + (rho + rl) ** 2
    r2 = np.sqrt(r22)
    r12 = r22 - 4.0 * rho * rl
    r32 = 0.5 * (r12 + r22)
    xk2 = 1.0 - r12 / r22
    xk2s = 1.0 - xk2
    dl = np.log(1.0 / xk2s)
    k = (
        1.38629436112
        + xk2s * (0.09666344259 + xk2s * (0.03590092383 + xk2s * (0.03742563713 + xk2s * 0.01451196212)))
        + dl
        * (
            0.5
            + xk2s * (0.12498593597 + xk2s * (0.06880248576 + xk2s * (0.03328355346 + xk2s * 0.00441787012)))
        )
    )
    e = (
        1.0
        + xk2s * (0.44325141463 + xk2s * (0.0626060122 + xk2s * (0.04757383546 + xk2s * 0.01736506451)))
        + dl * xk2s * (0.2499836831 + xk2s * (0.09200180037 + xk2s * (0.04069697526 + xk2s * 0.00526449639)))
    )
    if rho > 1e-6:
        brho = z / (rho2 * r2) * (r32 / r12 * e - k)
    else:
        brho = np.pi * rl / r2 * (rl - rho) / r12 * z / (r32 - rho2)
    return brho * x, brho * y, (k - e * (r32 - 2.0 * rl * rl) / r12) / r2


@nb.njit(cache=True)
def _crosslp(x, y, z, xc, rl, al):
    cal = np.cos(al)
    sal = np.sin(al)
    y1 = y * cal - z * sal
    z1 = y * sal + z * cal
    y2 = y * cal + z * sal
    z2 = -y * sal + z * cal
    bx1, by1, bz1 = _circle(x - xc, y1, z1, rl)
    bx2, by2, bz2 = _circle(x - xc, y2, z2, rl)
    return bx1 + bx2, (by1 + by2) * cal + (bz1 - bz2) * sal, -(by1 - by2) * sal + (bz1 + bz2) * cal


@nb.njit(cache=True)
def _tilt_as(r, sps, rh, dr):
    """sin/cos of the 'sphero-dipolar' effective tilt at distance r (T96 warping, NB #2 p.89)."""
    dr2 = dr * dr
    sqm = np.sqrt((r - rh) ** 2 + dr2)
    sqp = np.sqrt((r + rh) ** 2 + dr2)
    c = sqp - sqm
    q = np.sqrt((rh + 1.0) ** 2 + dr2) - np.sqrt((rh - 1.0) ** 2 + dr2)
    spsas = sps / r * c / q
    return spsas, np.sqrt(1.0 - spsas * spsas)


@nb.njit(cache=True)
def _diploop1_sum(x, y, z, ps):
    """Σ c1[i] · d[:, i] of DIPLOOP1 (26 terms: 12 dipole pairs × 2 + 2 loops)."""
    rh = 9.0
    dr = 4.0
    tilt = 1.00891
    xc0 = 2.28397
    xc1 = -5.60831
    rad0 = 1.86106
    rad1 = 7.83281
    dipx = 1.12541
    dipy = 0.945719
    sps = np.sin(ps)
    bx = 0.0
    by = 0.0
    bz = 0.0
    for i in range(12):
        xi = _XX1[i] * dipx
        yi = _YY1[i] * dipy
        r = np.sqrt(xi * xi + yi * yi)
        spsas, cpsas = _tilt_as(r, sps, rh, dr)
        xd = xi * cpsas
        yd = yi
        zd = -xi * spsas
        bx1x, by1x, bz1x, _, _, _, bx1z, by1z, bz1z = _dipxyz(x - xd, y - yd, z - zd)
        if abs(yd) > 1e-10:
            bx2x, by2x, bz2x, _, _, _, bx2z, by2z, bz2z = _dipxyz(x - xd, y + yd, z - zd)
        else:
            bx2x = 0.0
            by2x = 0.0
            bz2x = 0.0
            bx2z = 0.0
            by2z = 0.0
            bz2z = 0.0
        ca = _BIRK1_C1[i]
        cb = _BIRK1_C1[i + 12] * sps
        bx += ca * (bx1z + bx2z) + cb * (bx1x + bx2x)
        by += ca * (by1z + by2z) + cb * (by1x + by2x)
        bz += ca * (bz1z + bz2z) + cb * (bz1x + bz2x)

    r = np.sqrt((xc0 + rad0) ** 2)
    spsas, cpsas = _tilt_as(r, sps, rh, dr)
    xoct1 = x * cpsas - z * spsas
    yoct1 = y
    zoct1 = x * spsas + z * cpsas
    bxo, byo, bzo = _crosslp(xoct1, yoct1, zoct1, xc0, rad0, tilt)
    c = _BIRK1_C1[24]
    bx += c * (bxo * cpsas + bzo * spsas)
    by += c * byo
    bz += c * (-bxo * spsas + bzo * cpsas)

    r = np.sqrt((rad1 - xc1) ** 2)
    spsas, cpsas = _tilt_as(r, sps, rh, dr)
    xoct2 = x * cpsas - z * spsas - xc1
    yoct2 = y
    zoct2 = x * spsas + z * cpsas
    bxo, byo, bzo = _circle(xoct2, yoct2, zoct2, rad1)
    c = _BIRK1_C1[25]
    bx += c * (bxo * cpsas + bzo * spsas)
    by += c * byo
    bz += c * (-bxo * spsas + bzo * cpsas)
    return bx, by, bz


@nb.njit(cache=True)
def _condip1_sum(x, y, z, ps):
    """Σ c2[i] · d[:, i] of CONDIP1 (79 terms: 5 conical harmonics + 74 dipole components)."""
    dx = -0.16
    scalein = 0.08
    scaleout = 0.4
    c2 = _BIRK1_C2
    sps = np.sin(ps)
    cps = np.cos(ps)
    xsm = x * cps - z * sps - dx
    zsm = z * cps + x * sps
    ro2 = xsm * xsm + y * y
    ro = np.sqrt(ro2)
    cf0 = xsm / ro
    sf0 = y / ro
    r2 = ro2 + zsm * zsm
    r = np.sqrt(r2)
    c = zsm / r
    s = ro / r
    ch = np.sqrt(0.5 * (1.0 + c))
    sh = np.sqrt(0.5 * (1.0 - c))
    tnh = sh / ch
    cnh = 1.0 / tnh
    bx = 0.0
    by = 0.0
    bz = 0.0
    cfm = 1.0
    sfm = 0.0
    for m in range(5):
        cnew = cfm * cf0 - sfm * sf0
        sfm = cfm * sf0 + sfm * cf0
        cfm = cnew
        m1 = m + 1
        bt = m1 * cfm / (r * s) * (tnh**m1 + cnh**m1)
        bf = -0.5 * m1 * sfm / r * (tnh**m / ch**2 - cnh**m / sh**2)
        bxsm = bt * c * cf0 - bf * sf0
        byy = bt * c * sf0 + bf * cf0
        bzsm = -bt * s
        bx += c2[m] * (bxsm * cps + bzsm * sps)
        by += c2[m] * byy
        bz += c2[m] * (-bxsm * sps + bzsm * cps)

    xsm = x * cps - z * sps
    zsm = z * cps + x * sps
    for i in range(9):
        if i == 2 or i == 4 or i == 5:
            xd = _XX2[i] * scalein
            yd = _YY2[i] * scalein
        else:
            xd = _XX2[i] * scaleout
            yd = _YY2[i] * scaleout
        zd = _ZZ2[i]
        bx1x, by1x, bz1x, bx1y, by1y, bz1y, bx1z, by1z, bz1z = _dipxyz(xsm - xd, y - yd, zsm - zd)
        bx2x, by2x, bz2x, bx2y, by2y, bz2y, bx2z, by2z, bz2z = _dipxyz(xsm - xd, y + yd, zsm - zd)
        bx3x, by3x, bz3x, bx3y, by3y, bz3y, bx3z, by3z, bz3z = _dipxyz(xsm - xd, y - yd, zsm + zd)
        bx4x, by4x, bz4x, bx4y, by4y, bz4y, bx4z, by4z, bz4z = _dipxyz(xsm - xd, y + yd, zsm + zd)
        ix = i * 3 + 5
        # first group (ix, iy, iz)
        cx = c2[ix]
        cy = c2[ix + 1]
        cz = c2[ix + 2]
        sx_ = (
            cx * (bx1x + bx2x - bx3x - bx4x)
            + cy * (bx1y - bx2y - bx3y + bx4y)
            + cz * (bx1z + bx2z + bx3z + bx4z)
        )
        sy_ = (
            cx * (by1x + by2x - by3x - by4x)
            + cy * (by1y - by2y - by3y + by4y)
            + cz * (by1z + by2z + by3z + by4z)
        )
        sz_ = (
            cx * (bz1x + bz2x - bz3x - bz4x)
            + cy * (bz1y - bz2y - bz3y + bz4y)
            + cz * (bz1z + bz2z + bz3z + bz4z)
        )
        bx += sx_ * cps + sz_ * sps
        by += sy_
        bz += sz_ * cps - sx_ * sps
        # second group (ix+27, ...), multiplied by sps
        cx = c2[ix + 27] * sps
        cy = c2[ix + 28] * sps
        cz = c2[ix + 29] * sps
        sx_ = (
            cx * (bx1x + bx2x + bx3x + bx4x)
            + cy * (bx1y - bx2y + bx3y - bx4y)
            + cz * (bx1z + bx2z - bx3z - bx4z)
        )
        sy_ = (
            cx * (by1x + by2x + by3x + by4x)
            + cy * (by1y - by2y + by3y - by4y)
            + cz * (by1z + by2z - by3z - by4z)
        )
        sz_ = (
            cx * (bz1x + bz2x + bz3x + bz4x)
            + cy * (bz1y - bz2y + bz3y - bz4y)
            + cz * (bz1z + bz2z - bz3z - bz4z)
        )
        bx += sx_ * cps + sz_ * sps
        by += sy_
        bz += sz_ * cps - sx_ * sps

    for i in range(5):
        zd = _ZZ2[i + 9]
        bx1x, by1x, bz1x, bx1y, by1y, bz1y, bx1z, by1z, bz1z = _dipxyz(xsm, y, zsm - zd)
        bx2x, by2x, bz2x, bx2y, by2y, bz2y, bx2z, by2z, bz2z = _dipxyz(xsm, y, zsm + zd)
        ix = 59 + i * 2
        cx = c2[ix]
        cz = c2[ix + 1]
        sx_ = cx * (bx1x - bx2x) + cz * (bx1z + bx2z)
        sy_ = cx * (by1x - by2x) + cz * (by1z + by2z)
        sz_ = cx * (bz1x - bz2x) + cz * (bz1z + bz2z)
        bx += sx_ * cps + sz_ * sps
        by += sy_
        bz += sz_ * cps - sx_ * sps
        cx = c2[ix + 10] * sps
        cz = c2[ix + 11] * sps
        sx_ = cx * (bx1x + bx2x) + cz * (bx1z - bx2z)
        sy_ = cx * (by1x + by2x) + cz * (by1z - by2z)
        sz_ = cx * (bz1x + bz2x) + cz * (bz1z - bz2z)
        bx += sx_ * cps + sz_ * sps
        by += sy_
        bz += sz_ * cps - sx_ * sps
    return bx, by, bz


@nb.njit(cache=True)
def _birk1shld(ps, x, y, z):
    a = _BIRK1SHLD_A
    bx = 0.0
    by = 0.0
    bz = 0.0
    cps = np.cos(ps)
    sps = np.sin(ps)
    s3ps = 4.0 * cps * cps - 1.0
    l = 0
    for m in range(2):
        for i in range(4):
            rp = 1.0 / a[64 + i]
            rq = 1.0 / a[72 + i]
            cypi = np.cos(y * rp)
            cyqi = np.cos(y * rq)
            sypi = np.sin(y * rp)
            syqi = np.sin(y * rq)
            for k in range(4):
                rr = 1.0 / a[68 + k]
                rs = 1.0 / a[76 + k]
                szrk = np.sin(z * rr)
                czsk = np.cos(z * rs)
                czrk = np.cos(z * rr)
                szsk = np.sin(z * rs)
                sqpr = np.sqrt(rp * rp + rr * rr)
                sqqs = np.sqrt(rq * rq + rs * rs)
                epr = np.exp(x * sqpr)
                eqs = np.exp(x * sqqs)
                if m == 0:
                    hx = -sqpr * epr * cypi * szrk
                    hy = rp * epr * sypi * szrk
                    hz = -rr * epr * cypi * czrk
                    f2 = cps
                else:
                    hx = -sps * sqqs * eqs * cyqi * czsk
                    hy = sps * rq * eqs * syqi * czsk
                    hz = sps * rs * eqs * cyqi * szsk
                    f2 = s3ps
                c = a[l] + a[l + 1] * f2
                bx += c * hx
                by += c * hy
                bz += c * hz
                l += 2
    return bx, by, bz


@nb.njit(cache=True)
def _birk1tot_02(ps, x, y, z):
    rh = 9.0
    dr = 4.0
    xltday = 78.0
    xltnght = 70.0
    dtet0 = 0.034906
    tnoonn = (90.0 - xltday) * 0.01745329
    tnoons = np.pi - tnoonn
    dtetdn = (xltday - xltnght) * 0.01745329
    sps = np.sin(ps)
    r2 = x * x + y * y + z * z
    r = np.sqrt(r2)
    r3 = r * r2
    spsas, cpsas = _tilt_as(r, sps, rh, dr)
    xas = x * cpsas - z * spsas
    zas = x * spsas + z * cpsas
    pas = 0.0
    if xas != 0.0 or y != 0.0:
        pas = np.arctan2(y, xas)
    tas = np.arctan2(np.sqrt(xas * xas + y * y), zas)
    stas = np.sin(tas)
    f = stas / (stas**6 * (1.0 - r3) + r3) ** 0.1666666667
    tet0 = np.arcsin(f)
    if tas > 1.5707963:
        tet0 = np.pi - tet0
    dtet = dtetdn * np.sin(pas * 0.5) ** 2
    tetr1n = tnoonn + dtet
    tetr1s = tnoons - dtet

    loc = 0
    if tet0 < tetr1n - dtet0 or tet0 > tetr1s + dtet0:
        loc = 1  # high latitudes
    if tet0 > tetr1n + dtet0 and tet0 < tetr1s - dtet0:
        loc = 2  # plasma sheet
    if tet0 >= tetr1n - dtet0 and tet0 <= tetr1n + dtet0:
        loc = 3  # northern PSBL
    if tet0 >= tetr1s - dtet0 and tet0 <= tetr1s + dtet0:
        loc = 4  # southern PSBL

    if loc == 1:
        bx, by, bz = _diploop1_sum(x, y, z, ps)
    elif loc == 2:
        bx, by, bz = _condip1_sum(x, y, z, ps)
    else:
        if loc == 3:
            t01 = tetr1n - dtet0
            t02 = tetr1n + dtet0
            sgn = 1.0
        else:
            t01 = tetr1s - dtet0
            t02 = tetr1s + dtet0
            sgn = -1.0
        sqr = np.sqrt(r)
        st01as = sqr / (r3 + 1.0 / np.sin(t01) ** 6 - 1.0) ** 0.1666666667
        st02as = sqr / (r3 + 1.0 / np.sin(t02) ** 6 - 1.0) ** 0.1666666667
        ct01as = sgn * np.sqrt(1.0 - st01as * st01as)
        ct02as = sgn * np.sqrt(1.0 - st02as * st02as)
        xas1 = r * st01as * np.cos(pas)
        y1 = r * st01as * np.sin(pas)
        zas1 = r * ct01as
        x1 = xas1 * cpsas + zas1 * spsas
        z1 = -xas1 * spsas + zas1 * cpsas
        xas2 = r * st02as * np.cos(pas)
        y2 = r * st02as * np.sin(pas)
        zas2 = r * ct02as
        x2 = xas2 * cpsas + zas2 * spsas
        z2 = -xas2 * spsas + zas2 * cpsas
        if loc == 3:  # point 1 on the high-latitude side, point 2 on the plasma-sheet side
            bx1, by1, bz1 = _diploop1_sum(x1, y1, z1, ps)
            bx2, by2, bz2 = _condip1_sum(x2, y2, z2, ps)
        else:  # point 1 on the plasma-sheet side, point 2 on the high-latitude side
            bx1, by1, bz1 = _condip1_sum(x1, y1, z1, ps)
            bx2, by2, bz2 = _diploop1_sum(x2, y2, z2, ps)
        ss = np.sqrt((x2 - x1) ** 2 + (y2 - y1) ** 2 + (z2 - z1) ** 2)
        ds = np.sqrt((x - x1) ** 2 + (y - y1) ** 2 + (z - z1) ** 2)
        frac = ds / ss
        bx = bx1 * (1.0 - frac) + bx2 * frac
        by = by1 * (1.0 - frac) + by2 * frac
        bz = bz1 * (1.0 - frac) + bz2 * frac
    bsx, bsy, bsz = _birk1shld(ps, x, y, z)
    return bx + bsx, by + bsy, bz + bsz


# ------------------------------------------------------------------ region 2 Birkeland currents


@nb.njit(cache=True)
def _birk2shl(x, y, z, ps):
    return _shielding_harmonics(_BIRK2SHL_A, 2, x, y, z, np.cos(ps), np.sin(ps))


@nb.njit(cache=True)
def _xksi(x, y, z):
    a11a12 = 0.305662
    a21a22 = -0.383593
    a41a42 = 0.2677733
    a51a52 = -0.097656
    a61a62 = -0.636034
    b11b12 = -0.359862
    b21b22 = 0.424706
    c61c62 = -0.126366
    c71c72 = 0.292578
    r0 = 1.21563
    dr = 7.50937
    tnoon = 0.3665191
    dteta = 0.09599309
    dr2 = dr * dr
    r = np.sqrt(x * x + y * y + z * z)
    xr = x / r
    yr = y / r
    zr = z / r
    if r < r0:
        pr = 0.0
    else:
        pr = np.sqrt((r - r0) ** 2 + dr2) - dr
    f = x + pr * (a11a12 + a21a22 * xr + a41a42 * xr * xr + a51a52 * yr * yr + a61a62 * zr * zr)
    g = y + pr * (b11b12 * yr + b21b22 * xr * yr)
    h = z + pr * (c61c62 * zr + c71c72 * xr * zr)
    g2 = g * g
    fgh = f * f + g2 + h * h
    fgh32 = np.sqrt(fgh) ** 3
    fchsg2 = f * f + g2
    if fchsg2 < 1e-5:
        return -1.0
    sqfchsg2 = np.sqrt(fchsg2)
    alpha = fchsg2 / fgh32
    theta = tnoon + 0.5 * dteta * (1.0 - f / sqfchsg2)
    phi = np.sin(theta) ** 2
    return alpha - phi


@nb.njit(cache=True)
def _tksi(xksi, xks0, dxksi):
    tdz3 = 2.0 * dxksi**3
    if xksi - xks0 < -dxksi:
        return 0.0
    if xksi < xks0:
        br3 = (xksi - xks0 + dxksi) ** 3
        return 1.5 * br3 / (tdz3 + br3)
    if xksi - xks0 < dxksi:
        br3 = (xksi - xks0 - dxksi) ** 3
        return 1.0 + 1.5 * br3 / (tdz3 - br3)
    return 1.0


@nb.njit(cache=True)
def _fexp(s, a):
    if a < 0.0:
        return np.sqrt(-2.0 * a * np.e) * s * np.exp(a * s * s)
    return s * np.exp(a * (s * s - 1.0))


@nb.njit(cache=True)
def _fexp1(s, a):
    if a <= 0.0:
        return np.exp(a * s * s)
    return np.exp(a * (s * s - 1.0))


@nb.njit(cache=True)
def _loops4(x, y, z, xc, yc, zc, r, theta, phi):
    ct = np.cos(theta)
    st = np.sin(theta)
    cp = np.cos(phi)
    sp = np.sin(phi)
    # 1st quadrant
    xs = (x - xc) * cp + (y - yc) * sp
    yss = (y - yc) * cp - (x - xc) * sp
    zs = z - zc
    xss = xs * ct - zs * st
    zss = zs * ct + xs * st
    bxss, bys, bzss = _circle(xss, yss, zss, r)
    bxs = bxss * ct + bzss * st
    bz1 = bzss * ct - bxss * st
    bx1 = bxs * cp - bys * sp
    by1 = bxs * sp + bys * cp
    # 2nd quadrant
    xs = (x - xc) * cp - (y + yc) * sp
    yss = (y + yc) * cp + (x - xc) * sp
    zs = z - zc
    xss = xs * ct - zs * st
    zss = zs * ct + xs * st
    bxss, bys, bzss = _circle(xss, yss, zss, r)
    bxs = bxss * ct + bzss * st
    bz2 = bzss * ct - bxss * st
    bx2 = bxs * cp + bys * sp
    by2 = -bxs * sp + bys * cp
    # 3rd quadrant
    xs = -(x - xc) * cp + (y + yc) * sp
    yss = -(y + yc) * cp - (x - xc) * sp
    zs = z + zc
    xss = xs * ct - zs * st
    zss = zs * ct + xs * st
    bxss, bys, bzss = _circle(xss, yss, zss, r)
    bxs = bxss * ct + bzss * st
    bz3 = bzss * ct - bxss * st
    bx3 = -bxs * cp - bys * sp
    by3 = bxs * sp - bys * cp
    # 4th quadrant
    xs = -(x - xc) * cp - (y - yc) * sp
    yss = -(y - yc) * cp + (x - xc) * sp
    zs = z + zc
    xss = xs * ct - zs * st
    zss = zs * ct + xs * st
    bxss, bys, bzss = _circle(xss, yss, zss, r)
    bxs = bxss * ct + bzss * st
    bz4 = bzss * ct - bxss * st
    bx4 = -bxs * cp + bys * sp
    by4 = -bxs * sp - bys * cp
    return bx1 + bx2 + bx3 + bx4, by1 + by2 + by3 + by4, bz1 + bz2 + bz3 + bz4


@nb.njit(cache=True)
def _r2outer(x, y, z):
    pl1 = -34.105
    pl2 = -2.00019
    pl3 = 628.639
    pl4 = 73.4847
    pl5 = 12.5162
    dbx1, dby1, dbz1 = _crosslp(x, y, z, 0.55, 0.694, 0.0031)
    dbx2, dby2, dbz2 = _crosslp(x, y, z, 1.55, 2.8, 0.1375)
    dbx3, dby3, dbz3 = _crosslp(x, y, z, -0.7, 0.2, 0.9625)
    dbx4, dby4, dbz4 = _circle(x + 2.994, y, z, 2.925)
    dbx5, dby5, dbz5 = _loops4(x, y, z, -1.775, 4.3, -0.275, 2.7, 0.4312, 1.55)
    bx = pl1 * dbx1 + pl2 * dbx2 + pl3 * dbx3 + pl4 * dbx4 + pl5 * dbx5
    by = pl1 * dby1 + pl2 * dby2 + pl3 * dby3 + pl4 * dby4 + pl5 * dby5
    bz = pl1 * dbz1 + pl2 * dbz2 + pl3 * dbz3 + pl4 * dbz4 + pl5 * dbz5
    return bx, by, bz


@nb.njit(cache=True)
def _r2sheet(x, y, z):
    pn = _R2SHEET_PNON
    xks = _xksi(x, y, z)
    t1x = xks / np.sqrt(xks * xks + pn[5] ** 2)
    t2x = pn[6] ** 3 / np.sqrt(xks * xks + pn[6] ** 2) ** 3
    t3x = xks / np.sqrt(xks * xks + pn[7] ** 2) ** 5 * 3.493856 * pn[7] ** 4
    t1y = xks / np.sqrt(xks * xks + pn[13] ** 2)
    t2y = pn[14] ** 3 / np.sqrt(xks * xks + pn[14] ** 2) ** 3
    t3y = xks / np.sqrt(xks * xks + pn[15] ** 2) ** 5 * 3.493856 * pn[15] ** 4
    t1z = xks / np.sqrt(xks * xks + pn[21] ** 2)
    t2z = pn[22] ** 3 / np.sqrt(xks * xks + pn[22] ** 2) ** 3
    t3z = xks / np.sqrt(xks * xks + pn[23] ** 2) ** 5 * 3.493856 * pn[23] ** 4
    rho2 = x * x + y * y
    r = np.sqrt(rho2 + z * z)
    rho = np.sqrt(rho2)
    c1p = x / rho
    s1p = y / rho
    s2p = 2.0 * s1p * c1p
    c2p = c1p * c1p - s1p * s1p
    s3p = s2p * c1p + c2p * s1p
    c3p = c2p * c1p - s2p * s1p
    s4p = s3p * c1p + c3p * s1p
    ct = z / r
    a = _R2SHEET_A
    b = _R2SHEET_B
    c = _R2SHEET_C
    bx = 0.0
    by = 0.0
    bz = 0.0
    for i in range(5):
        sx = _fexp(ct, pn[i])
        sy = _fexp(ct, pn[8 + i])
        sz = _fexp1(ct, pn[16 + i])
        for j in range(4):
            k = 16 * i + 4 * j
            if j == 0:
                hx = 1.0
                hy = s1p
            elif j == 1:
                hx = c1p
                hy = s2p
            elif j == 2:
                hx = c2p
                hy = s3p
            else:
                hx = c3p
                hy = s4p
            bx += sx * hx * (a[k] + a[k + 1] * t1x + a[k + 2] * t2x + a[k + 3] * t3x)
            by += sy * hy * (b[k] + b[k + 1] * t1y + b[k + 2] * t2y + b[k + 3] * t3y)
            bz += sz * hx * (c[k] + c[k + 1] * t1z + c[k + 2] * t2z + c[k + 3] * t3z)
    return bx, by, bz


@nb.njit(cache=True)
def _dipdistr(x, y, z, mode):
    x2 = x * x
    rho2 = x2 + y * y
    r2 = rho2 + z * z
    r3 = r2 * np.sqrt(r2)
    if mode == 0:
        bx = z / rho2**2 * (r2 * (y * y - x2) - rho2 * x2) / r3
        by = -x * y * z / rho2**2 * (2.0 * r2 + rho2) / r3
        bz = x / r3
    else:
        bx = z / rho2**2 * (y * y - x2)
        by = -2.0 * x * y * z / rho2**2
        bz = x / rho2
    return bx, by, bz


@nb.njit(cache=True)
def _r2inner(x, y, z):
    # conical harmonics (BCONIC, nmax = 5) with amplitudes pl1..pl5
    ro2 = x * x + y * y
    ro = np.sqrt(ro2)
    cf = x / ro
    sf = y / ro
    cfm1 = 1.0
    sfm1 = 0.0
    r2 = ro2 + z * z
    r = np.sqrt(r2)
    c = z / r
    s = ro / r
    ch = np.sqrt(0.5 * (1.0 + c))
    sh = np.sqrt(0.5 * (1.0 - c))
    tnhm1 = 1.0
    cnhm1 = 1.0
    tnh = sh / ch
    cnh = 1.0 / tnh
    bx = 0.0
    by = 0.0
    bz = 0.0
    for m in range(5):
        m1 = m + 1
        cfm = cfm1 * cf - sfm1 * sf
        sfm = cfm1 * sf + sfm1 * cf
        cfm1 = cfm
        sfm1 = sfm
        tnhm = tnhm1 * tnh
        cnhm = cnhm1 * cnh
        bt = m1 * cfm / (r * s) * (tnhm + cnhm)
        bf = -0.5 * m1 * sfm / r * (tnhm1 / ch**2 - cnhm1 / sh**2)
        tnhm1 = tnhm
        cnhm1 = cnhm
        pl = _R2INNER_PL[m]
        bx += pl * (bt * c * cf - bf * sf)
        by += pl * (bt * c * sf + bf * cf)
        bz += pl * (-bt * s)
    dbx8, dby8, dbz8 = _loops4(x, y, z, -8.1902, 6.5239, 5.504, 7.7815, 0.8573, 3.0986)
    dbx6, dby6, dbz6 = _dipdistr(x - 0.0774, y, z, 0)
    dbx7, dby7, dbz7 = _dipdistr(x + 0.038, y, z, 1)
    pl6 = 29.9996
    pl7 = 262.886
    pl8 = 99.9132
    bx += pl6 * dbx6 + pl7 * dbx7 + pl8 * dbx8
    by += pl6 * dby6 + pl7 * dby7 + pl8 * dby8
    bz += pl6 * dbz6 + pl7 * dbz7 + pl8 * dbz8
    return bx, by, bz


@nb.njit(cache=True)
def _r2_birk(x, y, z, ps):
    delarg = 0.03
    delarg1 = 0.015
    cps = np.cos(ps)
    sps = np.sin(ps)
    xsm = x * cps - z * sps
    zsm = z * cps + x * sps
    xks = _xksi(xsm, y, zsm)
    if xks < -(delarg + delarg1):
        bxsm, by, bzsm = _r2outer(xsm, y, zsm)
        bxsm *= -0.02
        by *= -0.02
        bzsm *= -0.02
    elif xks < -delarg + delarg1:
        f2 = -0.02 * _tksi(xks, -delarg, delarg1)
        f1 = -0.02 - f2
        bx1, by1, bz1 = _r2outer(xsm, y, zsm)
        bx2, by2, bz2 = _r2sheet(xsm, y, zsm)
        bxsm = bx1 * f1 + bx2 * f2
        by = by1 * f1 + by2 * f2
        bzsm = bz1 * f1 + bz2 * f2
    elif xks < delarg - delarg1:
        bxsm, by, bzsm = _r2sheet(xsm, y, zsm)
        bxsm *= -0.02
        by *= -0.02
        bzsm *= -0.02
    elif xks < delarg + delarg1:
        f1 = -0.02 * _tksi(xks, delarg, delarg1)
        f2 = -0.02 - f1
        bx1, by1, bz1 = _r2inner(xsm, y, zsm)
        bx2, by2, bz2 = _r2sheet(xsm, y, zsm)
        bxsm = bx1 * f1 + bx2 * f2
        by = by1 * f1 + by2 * f2
        bzsm = bz1 * f1 + bz2 * f2
    else:
        bxsm, by, bzsm = _r2inner(xsm, y, zsm)
        bxsm *= -0.02
        by *= -0.02
        bzsm *= -0.02
    return bxsm * cps + bzsm * sps, by, bzsm * cps - bxsm * sps


@nb.njit(cache=True)
def _birk2tot_02(ps, x, y, z):
    wx, wy, wz = _birk2shl(x, y, z, ps)
    hx, hy, hz = _r2_birk(x, y, z, ps)
    return wx + hx, wy + hy, wz + hz


# ------------------------------------------------------------------ IMF interconnection, dipole


@nb.njit(cache=True)
def _intercon(x, y, z):
    a = _INTERCON_A
    bx = 0.0
    by = 0.0
    bz = 0.0
    l = 0
    for i in range(3):
        rp = 1.0 / a[9 + i]
        cypi = np.cos(y * rp)
        sypi = np.sin(y * rp)
        for k in range(3):
            rr = 1.0 / a[12 + k]
            szrk = np.sin(z * rr)
            czrk = np.cos(z * rr)
            sqpr = np.sqrt(rp * rp + rr * rr)
            epr = np.exp(x * sqpr)
            bx += a[l] * (-sqpr * epr * cypi * szrk)
            by += a[l] * (rp * epr * sypi * szrk)
            bz += a[l] * (-rr * epr * cypi * czrk)
            l += 1
    return bx, by, bz


@nb.njit(cache=True)
def _dipole_t96(ps, x, y, z):
    """The T96 module's own dipole (moment 30574 nT), used across the magnetopause blending."""
    sps = np.sin(ps)
    cps = np.cos(ps)
    p = x * x
    u = z * z
    v = 3.0 * z * x
    t = y * y
    q = 30574.0 / np.sqrt(p + t + u) ** 5
    return (
        q * ((t + u - 2.0 * p) * sps - v * cps),
        -3.0 * y * q * (x * sps + z * cps),
        q * ((p + t - 2.0 * u) * cps - v * sps),
    )


# ------------------------------------------------------------------ main entry


@nb.njit(cache=True)
def t96_kernel(x, y, z, ps, pdyn, dst, byimf, bzimf):
    """T96_01 external field (bx, by, bz) [nT] in GSM at GSM (x, y, z) [GEOPACK R_E].

    ``ps`` dipole tilt [rad]; ``pdyn`` [nPa]; ``dst``, ``byimf``, ``bzimf`` [nT].
    """
    pdyn0 = 2.0
    eps10 = 3630.7
    am0 = 70.0
    s0 = 1.08
    x00 = 5.48
    dsig = 0.005
    delimfx = 20.0
    delimfy = 10.0
    a = _T96_A
    sps = np.sin(ps)
    depr = 0.8 * dst - 13.0 * np.sqrt(pdyn)
    bt = np.sqrt(byimf * byimf + bzimf * bzimf)
    if byimf == 0.0 and bzimf == 0.0:
        theta = 0.0
    else:
        theta = np.arctan2(byimf, bzimf)
        if theta < 0.0:
            theta += 2.0 * np.pi
    ct = np.cos(theta)
    st = np.sin(theta)
    eps = 718.5 * np.sqrt(pdyn) * bt * np.sin(theta / 2.0)
    facteps = eps / eps10 - 1.0
    factpd = np.sqrt(pdyn / pdyn0) - 1.0
    rcampl = -a[0] * depr
    tampl2 = a[1] + a[2] * factpd + a[3] * facteps
    tampl3 = a[4] + a[5] * factpd
    b1ampl = a[6] + a[7] * facteps
    b2ampl = 20.0 * b1ampl
    reconn = a[8]
    xappa = (pdyn / pdyn0) ** 0.14
    xappa3 = xappa**3
    ys = y * ct - z * st
    zs = z * ct + y * st
    factimf = np.exp(x / delimfx - (ys / delimfy) ** 2)
    oimfx = 0.0
    oimfy = reconn * byimf * factimf
    oimfz = reconn * bzimf * factimf
    rimfampl = reconn * bt
    xx = x * xappa
    yy = y * xappa
    zz = z * xappa
    x0 = x00 / xappa
    am = am0 / xappa
    rho2 = y * y + z * z
    asq = am * am
    xmxm = am + x - x0
    xmxm = max(xmxm, 0.0)
    axx0 = xmxm * xmxm
    aro = asq + rho2
    sigma = np.sqrt((aro + axx0 + np.sqrt((aro + axx0) ** 2 - 4.0 * asq * axx0)) / (2.0 * asq))

    if sigma < s0 + dsig:
        cfx, cfy, cfz = _dipshld(ps, xx, yy, zz)
        bxrc, byrc, bzrc, bxt2, byt2, bzt2, bxt3, byt3, bzt3 = _tailrc96(sps, xx, yy, zz)
        r1x, r1y, r1z = _birk1tot_02(ps, xx, yy, zz)
        r2x, r2y, r2z = _birk2tot_02(ps, xx, yy, zz)
        rimfx, rimfys, rimfzs = _intercon(xx, ys * xappa, zs * xappa)
        rimfy = rimfys * ct + rimfzs * st
        rimfz = rimfzs * ct - rimfys * st
        fx = (
            cfx * xappa3
            + rcampl * bxrc
            + tampl2 * bxt2
            + tampl3 * bxt3
            + b1ampl * r1x
            + b2ampl * r2x
            + rimfampl * rimfx
        )
        fy = (
            cfy * xappa3
            + rcampl * byrc
            + tampl2 * byt2
            + tampl3 * byt3
            + b1ampl * r1y
            + b2ampl * r2y
            + rimfampl * rimfy
        )
        fz = (
            cfz * xappa3
            + rcampl * bzrc
            + tampl2 * bzt2
            + tampl3 * bzt3
            + b1ampl * r1z
            + b2ampl * r2z
            + rimfampl * rimfz
        )
        if sigma < s0 - dsig:
            return fx, fy, fz
        fint = 0.5 * (1.0 - (sigma - s0) / dsig)
        fext = 0.5 * (1.0 + (sigma - s0) / dsig)
        qx, qy, qz = _dipole_t96(ps, x, y, z)
        return (
            (fx + qx) * fint + oimfx * fext - qx,
            (fy + qy) * fint + oimfy * fext - qy,
            (fz + qz) * fint + oimfz * fext - qz,
        )
    qx, qy, qz = _dipole_t96(ps, x, y, z)
    return oimfx - qx, oimfy - qy, oimfz - qz


@nb.njit(cache=True, parallel=True)
def _t96_many(xyz, ps, pdyn, dst, byimf, bzimf, scale):
    n = xyz.shape[0]
    out = np.empty((n, 3))
    for i in nb.prange(n):
        bx, by, bz = t96_kernel(
            xyz[i, 0] * scale, xyz[i, 1] * scale, xyz[i, 2] * scale, ps, pdyn, dst, byimf, bzimf
        )
        out[i, 0] = bx
        out[i, 1] = by
        out[i, 2] = bz
    return out


def check_t96_params(pdyn_npa, dst_nt, by_nt, bz_nt) -> tuple[float, float, float, float]:
    """Validate T96 inputs; the model was fitted for Pdyn 0.5–10 nPa, Dst −100…+20 nT, |B_IMF| ≲ 10 nT."""
    vals = tuple(float(v) for v in (pdyn_npa, dst_nt, by_nt, bz_nt))
    if not all(np.isfinite(vals)):
        raise UserInputError(f"T96 parameters must be finite numbers, got {vals}")
    if vals[0] <= 0.0:
        raise UserInputError(f"T96 needs a positive solar-wind dynamic pressure, got pdyn_npa={pdyn_npa}")
    return vals


def t96(
    xyz_gsm_re, pdyn_npa: float, dst_nt: float, by_nt: float, bz_nt: float, tilt_rad: float
) -> np.ndarray:
    """T96_01 external field [nT] in GSM at GSM positions ``xyz_gsm_re`` (..., 3) [R_E].

    Inputs: solar-wind dynamic pressure [nPa], Dst [nT], IMF By and Bz (GSM) [nT], dipole tilt [rad].
    Outside the model magnetopause the result is the (reduced) IMF minus T96's own 30574-nT dipole, so
    that the total with an internal field is about the IMF there. Valid range of fit: Pdyn 0.5–10 nPa,
    Dst −100…+20 nT, |By|, |Bz| ≤ 10 nT.
    """
    xyz = np.ascontiguousarray(np.asarray(xyz_gsm_re, dtype=np.float64))
    if xyz.ndim == 0 or xyz.shape[-1] != 3:
        raise UserInputError(f"positions must have shape (..., 3), got {xyz.shape}")
    pdyn, dst, by, bz = check_t96_params(pdyn_npa, dst_nt, by_nt, bz_nt)
    out = _t96_many(xyz.reshape(-1, 3), float(tilt_rad), pdyn, dst, by, bz, R_E_TO_A)
    return out.reshape(xyz.shape)
