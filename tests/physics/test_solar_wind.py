"""Tests for smile_viewer.physics.solar_wind: SolarWind and SolarWindSeries."""

from __future__ import annotations

import dataclasses
import json
import math
import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.time import Time, TimeDelta
from hypothesis import given, settings
from hypothesis import strategies as st

from smile_viewer.errors import UserInputError
from smile_viewer.physics.solar_wind import (
    SolarWind,
    SolarWindSeries,
    SolarWindWarning,
    is_omni_fill_value,
)

# ---------------------------------------------------------------------------------------
# SolarWind: reference numbers
# ---------------------------------------------------------------------------------------


def test_dynamic_pressure_reference_values():
    # docs/reference.md#solar-wind-and-dynamic-pressure [D]: n = 5, v = 400 -> 1.600 nPa (OMNI 2e-6 n v^2), 1.338 (protons only)
    sw = SolarWind.from_speed(n_cm3=5, v_km_s=400)
    assert sw.pd_npa == pytest.approx(1.600, rel=1e-12)
    assert sw.pd_protons_npa == pytest.approx(1.338, abs=5e-4)
    assert sw.pd_protons_npa == pytest.approx(1.67262192369e-6 * 5 * 400**2, rel=1e-12)


def test_defaults_are_a_typical_solar_wind():
    sw = SolarWind()
    assert sw.v_gse_km_s == (-400.0, 0.0, 0.0)
    assert sw.speed_km_s == 400.0
    assert sw.t_k == 1e5
    assert sw.b_gsm_nt == (0.0, 0.0, 0.0)
    assert sw == SolarWind.from_speed()


def test_magnetic_pressure_5nt():
    sw = SolarWind.from_speed(bz_nt=-3.0, by_nt=4.0)  # |B| = 5 nT
    assert sw.b_nt == pytest.approx(5.0)
    # (5e-9 T)^2 / (2 mu0) = 9.947e-12 Pa
    assert sw.pm_npa == pytest.approx(0.009947, rel=1e-4)
    assert sw.pm_npa == pytest.approx(0.00995, abs=5e-6)


def test_alfven_speed_exact_and_omni():
    sw = SolarWind.from_speed(n_cm3=5, v_km_s=400, bz_nt=5)
    # exact, protons only: B / sqrt(mu0 n m_p)
    assert sw.v_alfven_km_s == pytest.approx(48.773, rel=1e-4)
    # OMNI's simplified 20 B / sqrt(n) (mass density includes 5 % alphas): 44.72 km/s
    assert sw.v_alfven_omni_km_s == pytest.approx(20 * 5 / math.sqrt(5))
    assert sw.v_alfven_omni_km_s == pytest.approx(44.721, rel=1e-4)
    # OMNI Alfven Mach number (V * Np**0.5) / (20 * B)
    assert sw.alfven_mach == pytest.approx(400 * math.sqrt(5) / (20 * 5))


def test_alfven_speed_with_helium():
    sw = SolarWind.from_speed(n_cm3=5, bz_nt=5, he_ratio=0.05)
    # rho = 1.2 m_p n -> v_A / sqrt(1.2); close to OMNI's rounded 20 B/sqrt(n)
    assert sw.v_alfven_km_s == pytest.approx(48.773 / math.sqrt(1.2), rel=1e-4)
    assert sw.v_alfven_km_s == pytest.approx(sw.v_alfven_omni_km_s, rel=0.01)


def test_sound_and_magnetosonic_follow_omni():
    sw = SolarWind.from_speed(n_cm3=5, v_km_s=400, bz_nt=5, t_k=1e5)
    vs = 0.12 * math.sqrt(1e5 + 1.28e5)
    va = 20 * 5 / math.sqrt(5)
    assert sw.v_sound_km_s == pytest.approx(vs)
    assert sw.v_magnetosonic_km_s == pytest.approx(math.hypot(va, vs))
    assert sw.magnetosonic_mach == pytest.approx(400 / math.hypot(va, vs))
    assert sw.magnetosonic_mach == pytest.approx(5.5032, rel=1e-4)


def test_mach_numbers_without_field():
    sw = SolarWind.from_speed(bz_nt=0)
    assert sw.alfven_mach == math.inf
    assert sw.plasma_beta == math.inf
    assert math.isfinite(sw.magnetosonic_mach)
    assert sw.magnetosonic_mach == pytest.approx(400 / sw.v_sound_km_s)


def test_thermal_and_effective_speed():
    sw = SolarWind.from_speed(v_km_s=400, t_k=1e5)
    vth = math.sqrt(3 * 1.380649e-23 * 1e5 / 1.67262192369e-27) / 1e3
    assert sw.v_thermal_km_s == pytest.approx(vth)
    assert sw.v_thermal_km_s == pytest.approx(49.763, rel=1e-4)
    assert sw.v_eff_km_s == pytest.approx(math.sqrt(400**2 + vth**2))
    cold = SolarWind.from_speed(v_km_s=400, t_k=0)
    assert cold.v_thermal_km_s == 0 and cold.v_eff_km_s == 400


def test_field_components_and_other_omni_quantities():
    sw = SolarWind(n_cm3=5, v_gse_km_s=(-400, 30, 0), t_k=1e5, b_gsm_nt=(1, 2, -3))
    assert (sw.bx_nt, sw.by_nt, sw.bz_nt) == (1.0, 2.0, -3.0)
    assert sw.speed_km_s == pytest.approx(math.hypot(400, 30))
    assert sw.e_field_mv_m == pytest.approx(sw.speed_km_s * 3 * 1e-3)  # -V Bz 1e-3
    assert sw.clock_angle_deg == pytest.approx(math.degrees(math.atan2(2, -3)))
    assert sw.plasma_beta == pytest.approx((1e5 * 4.16e-5 + 5.34) * 5 / 14)
    assert SolarWind.from_speed(bz_nt=5).clock_angle_deg == 0
    assert SolarWind.from_speed(by_nt=5).clock_angle_deg == 90


# ---------------------------------------------------------------------------------------
# SolarWind: validation
# ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"n_cm3": -1.0}, ["n_cm3", "-1", "positive"]),
        ({"n_cm3": 0.0}, ["n_cm3", "0", "positive"]),
        ({"n_cm3": float("nan")}, ["n_cm3", "nan", "finite"]),
        ({"n_cm3": float("inf")}, ["n_cm3", "inf", "finite"]),
        ({"n_cm3": "five"}, ["n_cm3", "five", "not a number"]),
        ({"n_cm3": None}, ["n_cm3", "None", "not a number"]),
        ({"v_gse_km_s": (-3500.0, 0.0, 0.0)}, ["v_gse_km_s", "3500", "3000"]),
        ({"v_gse_km_s": (0.0, 0.0, 0.0)}, ["v_gse_km_s", "positive"]),
        ({"v_gse_km_s": (-400.0, float("nan"), 0.0)}, ["v_gse_km_s[1]", "nan", "finite"]),
        ({"v_gse_km_s": (-400.0, 0.0)}, ["v_gse_km_s", "3 numbers"]),
        ({"v_gse_km_s": "fast"}, ["v_gse_km_s", "3 numbers"]),
        ({"v_gse_km_s": 400.0}, ["v_gse_km_s", "3 numbers"]),
        ({"t_k": -10.0}, ["t_k", "-10", "negative"]),
        ({"t_k": float("-inf")}, ["t_k", "inf", "finite"]),
        ({"b_gsm_nt": (0.0, 0.0, float("nan"))}, ["b_gsm_nt[2]", "nan"]),
        ({"b_gsm_nt": (1.0, 2.0, 3.0, 4.0)}, ["b_gsm_nt", "3 numbers", "got 4"]),
        ({"he_ratio": 1.5}, ["he_ratio", "1.5", "between 0 and 1"]),
        ({"he_ratio": -0.1}, ["he_ratio", "-0.1"]),
    ],
)
def test_invalid_values_raise_naming_field_and_value(kwargs, words):
    with pytest.raises(UserInputError) as info:
        SolarWind(**kwargs)
    msg = str(info.value)
    for w in words:
        assert w in msg, (w, msg)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    "kwargs, shown",
    [
        ({"n_cm3": 999.99}, "999.99"),
        ({"n_cm3": 999.9}, "999.9"),
        ({"n_cm3": 9999.99}, "9999.99"),
        ({"v_gse_km_s": (-99999.9, 0.0, 0.0)}, "99999.9"),
        ({"v_gse_km_s": (-400.0, 9999.0, 0.0)}, "9999"),
        ({"t_k": 9999999.0}, "9999999"),
        ({"b_gsm_nt": (9999.99, 0.0, 0.0)}, "9999.99"),
        ({"b_gsm_nt": (0.0, 0.0, 999.9)}, "999.9"),
        ({"b_gsm_nt": (0.0, 0.0, -1.0e31)}, "1e+31"),
        ({"n_cm3": float(np.float32(999.99))}, "999.99"),  # fill stored as float32
    ],
)
def test_omni_fill_values_are_named_as_such(kwargs, shown):
    with pytest.raises(UserInputError, match="fill value") as info:
        SolarWind(**kwargs)
    assert shown in str(info.value)


def test_fill_value_detection_spares_real_values():
    # real values that merely look like 9s are not fill values for their field
    assert not is_omni_fill_value(99.99, "n_cm3")
    assert not is_omni_fill_value(999999.0, "t_k")
    assert not is_omni_fill_value(99.9, "b_gsm_nt")
    assert not is_omni_fill_value(float("nan"), "n_cm3")
    assert is_omni_fill_value(99999.9, "v_gse_km_s")
    np.testing.assert_array_equal(
        is_omni_fill_value(np.array([5.0, 999.99, np.nan, -1e31]), "n_cm3"), [False, True, False, True]
    )
    with pytest.raises(ValueError):
        is_omni_fill_value(1.0, "speed")


def test_from_speed_rejects_negative_and_fill_speed():
    with pytest.raises(UserInputError, match=r"v_km_s = -400.*positive"):
        SolarWind.from_speed(v_km_s=-400)
    with pytest.raises(UserInputError, match=r"v_km_s = 99999.9 is an OMNI fill value"):
        SolarWind.from_speed(v_km_s=99999.9)
    with pytest.raises(UserInputError, match=r"n_cm3 = nan"):
        SolarWind.from_speed(n_cm3=float("nan"))


@pytest.mark.parametrize(
    "kwargs, words",
    [
        ({"n_cm3": 250.0}, ["n_cm3", "250"]),
        ({"v_gse_km_s": (-100.0, 0.0, 0.0)}, ["speed", "100"]),
        ({"v_gse_km_s": (400.0, 0.0, 0.0)}, ["toward the Sun"]),
        ({"t_k": 8e6}, ["t_k", "8000000"]),
        ({"b_gsm_nt": (0.0, 0.0, -150.0)}, ["b_gsm_nt", "150"]),
        ({"he_ratio": 0.5}, ["he_ratio", "0.5"]),
    ],
)
def test_implausible_values_warn(kwargs, words):
    with pytest.warns(SolarWindWarning) as record:
        SolarWind(**kwargs)
    msg = str(record[0].message)
    for w in words:
        assert w in msg
    assert record[0].filename == __file__  # points at the caller


def test_typical_values_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        SolarWind.from_speed(n_cm3=20, v_km_s=750, bz_nt=-15, t_k=5e5)


def test_frozen_and_hashable():
    sw = SolarWind.from_speed()
    with pytest.raises(dataclasses.FrozenInstanceError):
        sw.n_cm3 = 3.0  # type: ignore[misc]
    assert {sw, SolarWind.from_speed()} == {sw}
    assert isinstance(SolarWind(v_gse_km_s=np.array([-400, 1, 2])).v_gse_km_s, tuple)


def test_warnings_point_at_the_caller():
    with pytest.warns(SolarWindWarning) as record:
        SolarWind.from_speed(n_cm3=300)
    with pytest.warns(SolarWindWarning) as record2:
        SolarWind.from_speed().replace(n_cm3=300)
    assert record[0].filename == __file__ and record2[0].filename == __file__


def test_replace_validates():
    sw = SolarWind.from_speed()
    assert sw.replace(n_cm3=10).n_cm3 == 10
    with pytest.raises(UserInputError, match="n_cm3 = -2"):
        sw.replace(n_cm3=-2)


def test_inputs_are_normalised_to_floats():
    sw = SolarWind(n_cm3=np.float32(5), v_gse_km_s=[-400, 0, 0], t_k=100000, b_gsm_nt=np.array([0, 1, 2]))
    assert type(sw.n_cm3) is float and type(sw.t_k) is float
    assert all(type(c) is float for c in sw.v_gse_km_s + sw.b_gsm_nt)


# ---------------------------------------------------------------------------------------
# SolarWind: serialisation
# ---------------------------------------------------------------------------------------


def test_dict_round_trip_through_json():
    sw = SolarWind(n_cm3=7.5, v_gse_km_s=(-450, 12, -3), t_k=2e5, b_gsm_nt=(1, -2, -6.5), he_ratio=0.04)
    d = json.loads(json.dumps(sw.to_dict()))
    assert SolarWind.from_dict(d) == sw
    plain = SolarWind.from_speed()
    assert "he_ratio" not in plain.to_dict()
    assert SolarWind.from_dict(plain.to_dict()) == plain


def test_from_dict_errors():
    with pytest.raises(UserInputError, match=r"unknown field\(s\) \['speed'\]"):
        SolarWind.from_dict({"n_cm3": 5, "v_gse_km_s": [-400, 0, 0], "b_gsm_nt": [0, 0, 0], "speed": 4})
    with pytest.raises(UserInputError, match=r"missing field\(s\) \['b_gsm_nt'\]"):
        SolarWind.from_dict({"n_cm3": 5, "v_gse_km_s": [-400, 0, 0]})
    with pytest.raises(UserInputError, match="mapping"):
        SolarWind.from_dict([5, 400])  # type: ignore[arg-type]
    with pytest.raises(UserInputError, match="n_cm3 = 999.99 is an OMNI fill value"):
        SolarWind.from_dict({"n_cm3": 999.99, "v_gse_km_s": [-400, 0, 0], "b_gsm_nt": [0, 0, 0]})


def test_fits_header_round_trip():
    sw = SolarWind(n_cm3=7.5, v_gse_km_s=(-450, 12, -3), t_k=2e5, b_gsm_nt=(1, -2, -6.5), he_ratio=0.04)
    header = fits.Header()
    for key, value, comment in sw.fits_cards():
        assert len(key) <= 8
        header[key] = (value, comment)
    assert header["SW_PD"] == pytest.approx(sw.pd_npa)
    assert SolarWind.from_fits_header(header) == sw
    del header["SW_BZ"]
    with pytest.raises(UserInputError, match="SW_BZ"):
        SolarWind.from_fits_header(header)


# ---------------------------------------------------------------------------------------
# SolarWind: properties (hypothesis)
# ---------------------------------------------------------------------------------------

_density = st.floats(min_value=1e-3, max_value=200.0)
_component = st.floats(min_value=-1700.0, max_value=1700.0)
_temperature = st.floats(min_value=0.0, max_value=5e6)
_field = st.floats(min_value=-57.0, max_value=57.0)


@settings(max_examples=200, deadline=None)
@given(
    n=_density,
    v=st.tuples(_component, _component, _component).filter(
        lambda v: 150.0 <= math.sqrt(v[0] ** 2 + v[1] ** 2 + v[2] ** 2) <= 3000.0 and v[0] <= 0
    ),
    t=_temperature,
    b=st.tuples(_field, _field, _field),
    he=st.one_of(st.none(), st.floats(min_value=0.0, max_value=0.3)),
)
def test_any_valid_values_construct(n, v, t, b, he):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # valid, ordinary values: no warning either
        sw = SolarWind(n_cm3=n, v_gse_km_s=v, t_k=t, b_gsm_nt=b, he_ratio=he)
    assert sw.n_cm3 == n and sw.v_gse_km_s == tuple(float(c) for c in v)
    for value in (
        sw.pd_npa,
        sw.pd_protons_npa,
        sw.pm_npa,
        sw.v_sound_km_s,
        sw.v_eff_km_s,
        sw.magnetosonic_mach,
        sw.v_alfven_km_s,
    ):
        assert math.isfinite(value) and value >= 0
    assert SolarWind.from_dict(sw.to_dict()) == sw


@settings(max_examples=200, deadline=None)
@given(
    n=st.floats(min_value=0.01, max_value=100.0),
    v=st.floats(min_value=300.0, max_value=1400.0),
    k=st.floats(min_value=0.1, max_value=2.0),
    s=st.floats(min_value=0.5, max_value=2.0),
)
def test_pd_scales_as_n_v_squared(n, v, k, s):
    base = SolarWind.from_speed(n_cm3=n, v_km_s=v)
    assert base.pd_npa == pytest.approx(2e-6 * n * v * v, rel=1e-12)
    assert SolarWind.from_speed(n_cm3=k * n, v_km_s=v).pd_npa == pytest.approx(k * base.pd_npa, rel=1e-12)
    assert SolarWind.from_speed(n_cm3=n, v_km_s=s * v).pd_npa == pytest.approx(s * s * base.pd_npa, rel=1e-12)
    assert base.pd_protons_npa / base.pd_npa == pytest.approx(1.67262192369e-6 / 2e-6, rel=1e-12)


@settings(max_examples=100, deadline=None)
@given(n=st.one_of(st.floats(max_value=0.0), st.just(float("nan")), st.just(float("inf"))))
def test_any_non_positive_or_non_finite_density_is_refused(n):
    with pytest.raises(UserInputError, match="n_cm3"):
        SolarWind(n_cm3=n)


# ---------------------------------------------------------------------------------------
# SolarWindSeries
# ---------------------------------------------------------------------------------------

T0 = Time("2015-03-17T04:00:00", scale="utc")


def _series(n_samples=11, step_s=60.0, **kwargs) -> SolarWindSeries:
    """Linear-in-time data: every field is an affine function of the time."""
    x = np.arange(n_samples, dtype=float)
    times = T0 + TimeDelta(x * step_s, format="sec")
    n = 5.0 + 0.5 * x
    v = np.column_stack([-400.0 - 10.0 * x, 2.0 * x, -1.0 * x])
    t = 1e5 + 1e4 * x
    b = np.column_stack([1.0 + 0 * x, -2.0 + 0.1 * x, 3.0 - 0.7 * x])
    return SolarWindSeries(times, n, v, t, b, **kwargs)


def test_series_basic_properties():
    s = _series(source="test.asc")
    assert len(s) == 11
    t0, t1 = s.time_range
    assert t0 == T0 and abs((t1 - T0).to_value("s") - 600.0) < 1e-6
    assert s.n_cm3.shape == (11,) and s.v_gse_km_s.shape == (11, 3)
    assert s.he_ratio is None
    assert s.coverage() == {"n_cm3": 1.0, "v_gse_km_s": 1.0, "t_k": 1.0, "b_gsm_nt": 1.0}
    assert not s.is_constant
    assert "11 samples" in repr(s) and "test.asc" in repr(s)
    with pytest.raises(ValueError):
        s.n_cm3[0] = 1.0  # read-only


def test_at_sample_times_is_exact():
    s = _series()
    sw = s.at(T0 + TimeDelta(180.0, format="sec"))
    assert sw.n_cm3 == 6.5
    assert sw.v_gse_km_s == (-430.0, 6.0, -3.0)
    assert sw.t_k == 1.3e5
    assert sw.b_gsm_nt == pytest.approx((1.0, -1.7, 0.9))


def test_interpolation_exact_on_linear_data():
    s = _series()
    rng = np.random.default_rng(1)
    offsets = np.sort(rng.uniform(0.0, 600.0, 50))
    out = s.interpolate(T0 + TimeDelta(offsets, format="sec"))
    x = offsets / 60.0
    np.testing.assert_allclose(out["n_cm3"], 5.0 + 0.5 * x, rtol=1e-12)
    np.testing.assert_allclose(out["v_gse_km_s"][:, 0], -400.0 - 10.0 * x, rtol=1e-12)
    np.testing.assert_allclose(out["v_gse_km_s"][:, 1], 2.0 * x, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(out["t_k"], 1e5 + 1e4 * x, rtol=1e-12)
    np.testing.assert_allclose(out["b_gsm_nt"][:, 2], 3.0 - 0.7 * x, rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(out["speed_km_s"], np.linalg.norm(out["v_gse_km_s"], axis=1))
    np.testing.assert_allclose(out["pd_npa"], 2e-6 * out["n_cm3"] * out["speed_km_s"] ** 2)
    assert out["valid"].all()
    # the scalar path agrees with the vectorised one
    sw = s.at(T0 + TimeDelta(offsets[7], format="sec"))
    assert sw.n_cm3 == pytest.approx(out["n_cm3"][7], rel=1e-14)
    assert sw.bz_nt == pytest.approx(out["b_gsm_nt"][7, 2], rel=1e-12)


def test_at_accepts_iso_strings():
    s = _series()
    assert s.at("2015-03-17T04:01:30").n_cm3 == pytest.approx(5.75)
    assert s.at("2015-03-17 04:01:30").n_cm3 == pytest.approx(5.75)
    out = s.interpolate(["2015-03-17T04:00:30", "2015-03-17T04:02:00"])
    np.testing.assert_allclose(out["n_cm3"], [5.25, 6.0])
    with pytest.raises(UserInputError, match="cannot read time"):
        s.at("yesterday-ish")


def test_outside_the_data_is_an_error_naming_the_time():
    s = _series(source="omni.asc")
    with pytest.raises(UserInputError) as info:
        s.at("2015-03-17T03:59:00")
    msg = str(info.value)
    assert "omni.asc" in msg and "2015-03-17T03:59:00" in msg and "before the first good sample" in msg
    with pytest.raises(UserInputError, match=r"2015-03-17T05:00:00.*after the last good sample"):
        s.at("2015-03-17T05:00:00")


def _gappy(max_gap_s=3600.0):
    """Hourly n with a 3-hour hole of fill values (999.99) and a 2-hour one."""
    times = T0 + TimeDelta(np.arange(12) * 3600.0, format="sec")
    n = np.arange(12, dtype=float) + 1.0
    n[3:6] = 999.99  # 02:00..05:00 missing -> gap 06:00-10:00 (4 h) between good samples
    n[8] = np.nan  # one missing sample -> 2 h gap
    v = np.tile([-400.0, 0.0, 0.0], (12, 1))
    return SolarWindSeries(
        times, n, v, np.full(12, 1e5), np.zeros((12, 3)), max_gap_s=max_gap_s, source="gappy"
    )


def test_fill_values_are_masked_and_never_returned():
    s = _gappy()
    assert np.isnan(s.n_cm3[3:6]).all() and np.isnan(s.n_cm3[8])
    assert s.masked_counts["n_cm3"] == 3  # fills masked; the NaN was already missing
    assert s.coverage()["n_cm3"] == pytest.approx(8 / 12)
    out = s.interpolate(T0 + TimeDelta(np.linspace(0, 11 * 3600, 200), format="sec"), on_gap="nan")
    good = out["n_cm3"][np.isfinite(out["n_cm3"])]
    assert good.max() <= 12.0  # no 999.99 leaks through


def test_gap_longer_than_max_gap_raises_naming_time_and_gap():
    s = _gappy()
    with pytest.raises(UserInputError) as info:
        s.at(T0 + TimeDelta(4 * 3600.0, format="sec"))
    msg = str(info.value)
    assert msg.startswith("gappy: ")
    assert "2015-03-17T08:00:00" in msg  # the requested time
    assert "2015-03-17T06:00:00" in msg and "2015-03-17T10:00:00" in msg  # the gap's ends
    assert "4.00 h" in msg and "1.0 min" not in msg and "max_gap_s" in msg


def test_gap_bridging_is_configurable():
    s = _gappy(max_gap_s=2 * 3600.0)
    # the 2-hour gap around index 8 is bridged, linearly
    assert s.at(T0 + TimeDelta(8 * 3600.0, format="sec")).n_cm3 == pytest.approx(9.0)
    with pytest.raises(UserInputError, match="4.00 h"):
        s.at(T0 + TimeDelta(4 * 3600.0, format="sec"))
    # a per-call override bridges the long one
    assert s.at(T0 + TimeDelta(4 * 3600.0, format="sec"), max_gap_s=5 * 3600.0).n_cm3 == pytest.approx(5.0)
    with pytest.raises(UserInputError, match="max_gap_s"):
        s.at(T0, max_gap_s=-1)
    # the default series (1 h) does not bridge 2 h
    with pytest.raises(UserInputError, match="2.00 h"):
        _gappy().at(T0 + TimeDelta(8 * 3600.0, format="sec"))


def test_interpolate_on_gap_nan_and_raise():
    s = _gappy()
    times = T0 + TimeDelta(np.array([0.0, 4 * 3600.0, 7 * 3600.0, 8.5 * 3600.0]), format="sec")
    out = s.interpolate(times, on_gap="nan")
    np.testing.assert_array_equal(out["valid"], [True, False, True, False])
    assert np.isnan(out["n_cm3"][1]) and np.isnan(out["pd_npa"][1])
    assert out["t_k"][1] == 1e5  # other fields are still there
    with pytest.raises(UserInputError, match=r"2 of the 4 requested times"):
        s.interpolate(times)
    with pytest.raises(UserInputError, match="on_gap"):
        s.interpolate(times, on_gap="skip")


def test_vector_is_missing_when_any_component_is():
    times = T0 + TimeDelta(np.arange(3) * 60.0, format="sec")
    b = np.array([[1.0, 2.0, 3.0], [1.0, 9999.99, 3.0], [1.0, 2.0, 5.0]])
    s = SolarWindSeries(times, np.full(3, 5.0), np.tile([-400.0, 0, 0], (3, 1)), np.full(3, 1e5), b)
    assert np.isnan(s.b_gsm_nt[1]).all()
    assert s.masked_counts["b_gsm_nt"] == 1
    assert s.at(times[1]).b_gsm_nt == (1.0, 2.0, 4.0)


def test_invalid_values_are_masked_too():
    times = T0 + TimeDelta(np.arange(4) * 60.0, format="sec")
    n = np.array([5.0, -1.0, 0.0, 6.0])
    v = np.array([[-400.0, 0, 0], [-5000.0, 0, 0], [-400.0, 0, 0], [-400.0, 0, 0]])
    t = np.array([1e5, 1e5, -3.0, 1e5])
    s = SolarWindSeries(times, n, v, t, np.zeros((4, 3)))
    assert s.masked_counts == {"n_cm3": 2, "v_gse_km_s": 1, "t_k": 1, "b_gsm_nt": 0}
    sw = s.at(times[1])
    assert sw.n_cm3 == pytest.approx(5 + 1 / 3) and sw.speed_km_s == 400


def test_unsorted_times_are_sorted_and_duplicates_refused():
    times = Time(["2015-03-17T04:02:00", "2015-03-17T04:00:00", "2015-03-17T04:01:00"])
    s = SolarWindSeries(times, [7.0, 5.0, 6.0], np.tile([-400.0, 0, 0], (3, 1)), [1e5] * 3, np.zeros((3, 3)))
    np.testing.assert_array_equal(s.n_cm3, [5.0, 6.0, 7.0])
    assert s.time_range[0].isot == "2015-03-17T04:00:00.000"
    assert s.at("2015-03-17T04:01:30").n_cm3 == pytest.approx(6.5)
    dup = Time(["2015-03-17T04:00:00", "2015-03-17T04:01:00", "2015-03-17T04:01:00"])
    with pytest.raises(UserInputError, match=r"duplicate time.*2015-03-17T04:01:00"):
        SolarWindSeries(dup, [5.0] * 3, np.tile([-400.0, 0, 0], (3, 1)), [1e5] * 3, np.zeros((3, 3)))


def test_series_shape_errors():
    times = T0 + TimeDelta(np.arange(3) * 60.0, format="sec")
    v = np.tile([-400.0, 0, 0], (3, 1))
    with pytest.raises(UserInputError, match=r"n_cm3 has shape \(2,\), expected \(3,\)"):
        SolarWindSeries(times, [5.0, 5.0], v, [1e5] * 3, np.zeros((3, 3)))
    with pytest.raises(UserInputError, match=r"b_gsm_nt has shape \(3, 2\)"):
        SolarWindSeries(times, [5.0] * 3, v, [1e5] * 3, np.zeros((3, 2)))
    with pytest.raises(UserInputError, match="no samples"):
        SolarWindSeries(Time([], format="jd"), [], np.zeros((0, 3)), [], np.zeros((0, 3)))


def test_field_with_no_valid_data():
    times = T0 + TimeDelta(np.arange(3) * 60.0, format="sec")
    s = SolarWindSeries(times, [5.0] * 3, np.tile([-400.0, 0, 0], (3, 1)), [9999999.0] * 3, np.zeros((3, 3)))
    with pytest.raises(UserInputError, match="no valid proton temperature t_k at all"):
        s.at(times[1])


def test_he_ratio_is_optional_and_never_blocks():
    times = T0 + TimeDelta(np.arange(3) * 60.0, format="sec")
    he = [0.04, np.nan, np.nan]
    s = SolarWindSeries(
        times, [5.0] * 3, np.tile([-400.0, 0, 0], (3, 1)), [1e5] * 3, np.zeros((3, 3)), he_ratio=he
    )
    assert s.at(times[0]).he_ratio == pytest.approx(0.04)
    assert s.at(times[2]).he_ratio is None


def test_constant_series():
    sw = SolarWind.from_speed(n_cm3=8, v_km_s=500, bz_nt=-5)
    s = SolarWindSeries.constant(sw)
    assert s.is_constant and s.time_range is None and s.times is None and len(s) == 1
    assert s.at("1999-01-01") is sw and s.at(Time("2024-06-01T12:00")) is sw
    out = s.interpolate(T0 + TimeDelta(np.arange(5) * 1e6, format="sec"))
    assert out["n_cm3"].shape == (5,) and out["v_gse_km_s"].shape == (5, 3)
    np.testing.assert_allclose(out["pd_npa"], sw.pd_npa)
    assert out["valid"].all()
    assert "constant" in repr(s)
    with pytest.raises(UserInputError):
        SolarWindSeries.constant({"n_cm3": 5})  # type: ignore[arg-type]


@settings(max_examples=50, deadline=None)
@given(
    values=st.lists(
        st.one_of(
            st.floats(min_value=0.1, max_value=100.0), st.sampled_from([999.99, 9999.99, np.nan, -1e31])
        ),
        min_size=2,
        max_size=30,
    ),
    q=st.floats(min_value=0.0, max_value=1.0),
)
def test_series_never_returns_fill_values(values, q):
    k = len(values)
    times = T0 + TimeDelta(np.arange(k) * 60.0, format="sec")
    s = SolarWindSeries(
        times, values, np.tile([-400.0, 0, 0], (k, 1)), [1e5] * k, np.zeros((k, 3)), max_gap_s=1e9
    )
    tq = T0 + TimeDelta(q * (k - 1) * 60.0, format="sec")
    out = s.interpolate(tq, on_gap="nan")
    n = out["n_cm3"][0]
    good = [v for v in values if 0.1 <= v <= 100.0]
    if np.isfinite(n):
        assert min(good) - 1e-9 <= n <= max(good) + 1e-9
        assert s.at(tq).n_cm3 == pytest.approx(n)
    else:
        with pytest.raises(UserInputError):
            s.at(tq)


def test_gap_of_exactly_max_gap_is_bridged():
    """Two samples exactly max_gap_s apart interpolate in between (float time rounding)."""
    from astropy.time import Time, TimeDelta

    from smile_viewer.physics.solar_wind import SolarWindSeries

    t0 = Time("2026-06-01T00:00:00.123", scale="utc")
    times = t0 + TimeDelta([0.0, 3600.0, 7200.0], format="sec")
    series = SolarWindSeries(
        times, [5.0, 7.0, 9.0], [[-400.0, 0, 0]] * 3, [1e5] * 3, [[0.0, 0, 1.0]] * 3, max_gap_s=3600.0
    )
    mid = series.interpolate(t0 + TimeDelta([1800.0, 5400.0], format="sec"))
    np.testing.assert_allclose(mid["n_cm3"], [6.0, 8.0])
    assert mid["valid"].all()
