"""SXI windows by SMILE's operational constraints (issue 12): a year of the default orbit has
SXI windows every month and 30–45 h of SXI observing per 50.6 h orbit on average (Connor et
al. 2025 quote about 41 h of each 51 h orbit); nose and cusp visibility are rows of their own;
switching a constraint off lengthens windows and margins move them exactly where the margins
say; every gap names the constraint that limits it."""

from __future__ import annotations

import json
import math

import astropy.units as u
import numpy as np
import pytest
from astropy.time import Time

from smile_viewer.analysis.constraints import (
    CONSTRAINTS,
    TARGETS,
    ConstraintTable,
    cusp_positions_gse,
    load_profile,
    sxi_camera_axes,
    target_margins,
)
from smile_viewer.analysis.windows import (
    CSV_COLUMNS,
    compute_windows,
    find_gaps,
    monthly_summary,
    read_windows,
)
from smile_viewer.cli import main
from smile_viewer.errors import UserInputError

PERIOD_H = 50.61  # default orbit (docs/reference.md: a = 69,462 km, period 50.61 h)


@pytest.fixture(scope="module")
def profile():
    return load_profile()


@pytest.fixture(scope="module")
def year():
    # June 2026 to May 2027 at 15 min: about 35,000 epochs, a second or two.
    return compute_windows("2026-06-01T00:00", "2027-05-31T23:45", "15min")


@pytest.fixture(scope="module")
def fortnight():
    # Two weeks of November 2026: Sun avoidance binds over part of every orbit.
    return compute_windows("2026-11-01T00:00", "2026-11-15T00:00", "5min", instruments=("sxi",))


# ============================================================================ the year


def test_sxi_windows_need_the_operational_constraints_only(profile):
    assert set(profile.window_constraints("sxi")) == {
        "radiation_belt",
        "sxi_radius",
        "sxi_sun",
        "sxi_earth",
        "sxi_moon",
    }
    assert profile.targets == TARGETS


def test_every_month_has_sxi_windows_and_30_to_45_h_per_orbit(year):
    rows = monthly_summary(year, "sxi")
    assert [r["month"] for r in rows] == [f"2026-{m:02d}" for m in range(6, 13)] + [
        f"2027-{m:02d}" for m in range(1, 6)
    ]
    assert year.meta["orbit_period_s"] / 3600.0 == pytest.approx(PERIOD_H, abs=0.01)
    months_with_windows = {w.start.isot[:7] for w in year.for_instrument("sxi")} | {
        w.end.isot[:7] for w in year.for_instrument("sxi")
    }
    for r in rows:
        assert r["month"] in months_with_windows
        assert 2.0 < r["observing_h_per_orbit"] <= PERIOD_H
        for t in TARGETS:  # reported per month, never more than the observing time
            assert 0.0 <= r[f"{t}_h_per_orbit"] <= r["observing_h_per_orbit"] + 1e-9
    mean = np.mean([r["observing_h_per_orbit"] for r in rows])
    assert 30.0 <= mean <= 45.0
    # The same figure from the windows themselves (durations between first and last epochs).
    span_h = year.meta["span_s"] / 3600.0
    total_h = sum(w.duration_s for w in year.for_instrument("sxi")) / 3600.0
    assert total_h / span_h * PERIOD_H == pytest.approx(mean, abs=0.6)
    # Each target is seen in some month; the nose mostly around the equinoxes' dayside seasons.
    for t in TARGETS:
        assert max(r[f"{t}_h_per_orbit"] for r in rows) > 5.0, t


def test_visibility_rows_lie_inside_sxi_windows(year):
    sxi = year.for_instrument("sxi")
    assert {w.target for w in year.visibility} == set(TARGETS)
    w0 = np.array([w.start.mjd for w in sxi])
    w1 = np.array([w.end.mjd for w in sxi])
    for v in year.visibility:
        assert v.kind == "visible" and v.instrument == "sxi" and v.quality_flag in (0, 1, 2)
        assert np.any((w0 <= v.start.mjd + 1e-9) & (v.end.mjd - 1e-9 <= w1)), v
    # Their total equals the table: target visible while every SXI constraint holds.
    t = year.table
    obs = t.all_ok(t.profile.window_constraints("sxi"))
    for tgt in TARGETS:
        epochs = sum(v.n_epochs for v in year.visibility if v.target == tgt)
        assert epochs == int(np.count_nonzero(obs & t.visible[tgt]))


def test_nose_target_is_the_magnetopause_constraint_without_its_margin(year):
    t = year.table
    finite = np.isfinite(t.margin["sxi_magnetopause"])
    np.testing.assert_allclose(
        t.target_margin["nose"][finite] - t.profile.magnetopause_edge_margin_deg,
        t.margin["sxi_magnetopause"][finite],
        atol=1e-9,
    )


# ============================================================================ targets


@pytest.mark.parametrize("psi", [0.0, 0.35, -0.4])
def test_cusp_centres_are_lin2010_cusp_centres_on_its_surface(psi):
    from smile_viewer.physics.boundaries.lin import lin2010

    dip = np.array([[math.sin(psi), 0.2 * math.cos(psi), math.sqrt(0.96) * math.cos(psi)]])
    north, south = cusp_positions_gse(2.0, -3.0, 0.05, dip)
    model = lin2010(2.0, 0.05, -3.0, psi)
    z_gsm = np.array([0.0, 0.2, math.sqrt(0.96)])
    for got, theta, phi, sign in (
        (north[0], model.theta_n, 0.5 * math.pi, 1.0),
        (south[0], model.theta_s, 1.5 * math.pi, -1.0),
    ):
        r = float(model.r(theta, phi))
        expect = r * (math.cos(theta) * np.array([1.0, 0, 0]) + sign * math.sin(theta) * z_gsm)
        np.testing.assert_allclose(got, expect, atol=1e-9)
    # Lin et al. 2010: theta_n,s = 1.103 -/+ 0.907 psi rad.
    assert math.atan2(math.hypot(north[0, 1], north[0, 2]), north[0, 0]) == pytest.approx(1.103 - 0.907 * psi)


def test_target_on_the_boresight_is_visible_and_off_field_is_not(profile):
    p = np.array([[2.0, 3.0, 17.0]])
    _x, y, b = sxi_camera_axes(p, profile.sxi_limb_angle_deg)
    on_axis = p + 5.0 * b
    # 10 deg off the boresight along the short (15.5 deg) axis: 2.25 deg outside the field.
    off = p + 5.0 * (math.cos(math.radians(10)) * b + math.sin(math.radians(10)) * y)
    vis, m = target_margins(p, profile, standoff_re=[10.0], cusp_north_re=on_axis, cusp_south_re=off)
    assert vis["cusp_north"][0] and m["cusp_north"][0] == pytest.approx(7.75, abs=1e-6)
    assert not vis["cusp_south"][0] and m["cusp_south"][0] == pytest.approx(7.75 - 10.0, abs=1e-6)
    prof = profile.with_overrides(margins={"cusp_north": 8.0})
    vis2, _ = target_margins(p, prof, standoff_re=[10.0], cusp_north_re=on_axis, cusp_south_re=off)
    assert not vis2["cusp_north"][0]


# ============================================================================ switches and margins


def test_disabling_a_constraint_lengthens_windows(fortnight, profile):
    base = fortnight
    free = compute_windows(
        "2026-11-01T00:00",
        "2026-11-15T00:00",
        "5min",
        instruments=("sxi",),
        profile=profile.with_overrides(disable=["sxi_sun"]),
    )
    assert "sxi_sun" not in free.meta["constraints"]["sxi"]
    names = profile.window_constraints("sxi")
    ok0 = base.table.all_ok(names)
    ok1 = free.table.all_ok(free.table.profile.window_constraints("sxi"))
    assert np.all(ok1[ok0])  # every epoch observed before still is
    h0 = sum(w.duration_s for w in base.for_instrument("sxi")) / 3600
    h1 = sum(w.duration_s for w in free.for_instrument("sxi")) / 3600
    assert h1 > h0 + 50.0  # Sun avoidance costs tens of hours a fortnight in November
    # Every window without the Sun constraint holds at least one of the old windows or none.
    for w in base.for_instrument("sxi"):
        assert any(v.start <= w.start and w.end <= v.end for v in free.for_instrument("sxi"))


def test_margins_move_windows_exactly_by_the_margin(fortnight, profile):
    tighter = compute_windows(
        "2026-11-01T00:00",
        "2026-11-15T00:00",
        "5min",
        instruments=("sxi",),
        profile=profile.with_overrides(margins={"sxi_sun": 45.0, "radiation_belt": 40000.0}),
    )
    t0, t1 = fortnight.table, tighter.table
    assert t1.profile.min_sun_angle_deg == 45.0 and t1.profile.min_altitude_km == 40000.0
    # Sun: the angle must now be 5 deg larger; altitude 8,000 km higher.
    np.testing.assert_array_equal(t1.ok["sxi_sun"], t0.margin["sxi_sun"] >= 5.0)
    np.testing.assert_array_equal(t1.ok["radiation_belt"], t0.margin["radiation_belt"] >= 8000.0)
    h0 = sum(w.duration_s for w in fortnight.for_instrument("sxi"))
    h1 = sum(w.duration_s for w in tighter.for_instrument("sxi"))
    assert h1 < h0


def test_require_restores_nose_in_field_windows(profile):
    prof = profile.with_overrides(require=["sxi_magnetopause"])
    assert prof.window_constraints("sxi")[-1] == "sxi_magnetopause"
    assert "sxi_magnetopause" not in prof.window_constraints("uvi")


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"disable": ["sxi_xray"]}, "cannot disable 'sxi_xray'"),
        ({"margins": {"sxi_sun": 200.0}}, "out of range (0 .. 180 deg)"),
        ({"margins": {"sxi_sun": "far"}}, "not a number"),
        ({"margins": {"moon": 3.0}}, "no margin called 'moon'"),
        ({"margins": {"nose": float("nan")}}, "out of range"),
        ({"require": ["nose"]}, "not a constraint"),
        ({"require": ["sxi_moon"], "disable": ["sxi_moon"]}, "both disabled and required"),
    ],
)
def test_override_mistakes_are_one_line(profile, kwargs, fragment):
    with pytest.raises(UserInputError) as exc:
        profile.with_overrides(**kwargs)
    assert fragment in str(exc.value) and "\n" not in str(exc.value)


def test_margin_value_reads_back(profile):
    prof = profile.with_overrides(margins={"sxi_moon": 7.5, "cusp_south": 1.0})
    assert prof.margin_value("sxi_moon") == 7.5 and prof.margin_value("cusp_south") == 1.0
    assert prof.margin_value("sxi_radius") == 7.84


# ============================================================================ gaps


def _table(profile, ok: dict, n: int) -> ConstraintTable:
    t = Time("2026-01-01", scale="utc") + np.arange(n) * 60.0 * u.s
    ok = {k: np.asarray(v, bool) for k, v in ok.items()}
    return ConstraintTable(
        t,
        np.arange(n) * 60.0,
        ok,
        {k: v * 1.0 for k, v in ok.items()},
        np.zeros(n),
        np.zeros(n, np.int8),
        np.ones(n),
        np.ones(n),
        profile,
    )


def test_limiting_constraint_of_constructed_gaps(profile):
    prof = profile.replace(
        windows={"sxi": ("radiation_belt", "sxi_radius", "sxi_sun")},
        enabled=("radiation_belt", "sxi_radius", "sxi_sun"),
    )
    #            epoch: 0  1  2  3  4  5  6  7  8  9 10 11
    belt = np.array([1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1])
    radius = np.array([1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1, 1])  # fails first, recovers last: limits gap 1
    sun = np.array([0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1])  # gap 0 at the start, gap 2 alone
    table = _table(prof, {"radiation_belt": belt, "sxi_radius": radius, "sxi_sun": sun}, 12)
    gaps = find_gaps(table, ("sxi",))
    got = [(g.n_epochs, g.limited_by, g.started_by, g.ended_by) for g in gaps]
    assert got == [
        (1, "sxi_sun", "sxi_sun", "sxi_sun"),
        (4, "sxi_radius", "sxi_radius", "sxi_radius"),
        (2, "sxi_sun", "sxi_sun", "sxi_sun"),
    ]
    assert all(g.kind == "gap" for g in gaps) and gaps[1].duration_s == 180.0
    # Two failing together at the gap's first epoch: the one failing longer in the gap limits it.
    radius2 = np.array([1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1])
    belt2 = np.array([1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1])
    table = _table(prof, {"radiation_belt": belt2, "sxi_radius": radius2, "sxi_sun": np.ones(12)}, 12)
    (g,) = find_gaps(table, ("sxi",))
    assert (g.limited_by, g.started_by, g.n_epochs) == ("sxi_radius", "radiation_belt+sxi_radius", 3)


def test_perigee_gaps_are_limited_by_the_distance(year):
    # Coming in, SXI stops at 7.84 R_E before the radiation-belt altitude (6.02 R_E) is reached.
    t = year.table
    perigee = []
    for g in (g for g in year.gaps if g.instrument == "sxi"):
        i0 = int(np.searchsorted(t.seconds, (g.start - t.times[0]).to_value("s") - 1e-3))
        if t.radius_re[i0 : i0 + g.n_epochs].min() < 2.0:
            perigee.append(g.limited_by)
    assert len(perigee) > 150  # about 173 perigees in a year
    # Never the belts (they come second); the Moon or the Sun only when they closed the window first.
    assert "radiation_belt" not in perigee
    # (In winter Sun avoidance closes the window hours before perigee: about a third of them.)
    assert perigee.count("sxi_radius") > 0.5 * len(perigee)
    assert set(perigee) <= {"sxi_radius", "sxi_sun", "sxi_moon"}
    kinds = {g.limited_by for g in year.gaps if g.instrument == "sxi"}
    assert {"sxi_radius", "sxi_sun"} <= kinds <= set(CONSTRAINTS)


# ============================================================================ files and CLI


def test_files_hold_windows_visibility_and_gaps(fortnight, tmp_path):
    for suffix in (".json", ".csv"):
        back = read_windows(fortnight.write(tmp_path / f"w{suffix}"))
        assert [w.to_dict() for w in back.windows] == [w.to_dict() for w in fortnight.windows]
        assert [w.to_dict() for w in back.visibility] == [w.to_dict() for w in fortnight.visibility]
        assert [w.to_dict() for w in back.gaps] == [w.to_dict() for w in fortnight.gaps]
        assert back.gaps and back.visibility
    lines = (tmp_path / "w.csv").read_text().splitlines()
    assert lines[2] == ",".join(CSV_COLUMNS)
    kinds = {line.split(",")[7] for line in lines[3:]}
    assert kinds == {"window", "visible", "gap"}


def test_old_csv_files_still_read(tmp_path):
    old = (
        "# smile-viewer windows 1\n# meta: {}\ninstrument,start,end,duration_s,n_epochs,started_by,ended_by,"
        "quality_flag,quality_flag_best,lambda_min_deg,lambda_max_deg\n"
        "sxi,2026-09-10T00:00:00.000,2026-09-10T01:00:00.000,3600.0,61,start_of_range,sxi_sun,1,0,10.0,30.0\n"
    )
    (tmp_path / "old.csv").write_text(old)
    back = read_windows(tmp_path / "old.csv")
    assert len(back) == 1 and back.windows[0].kind == "window" and not back.gaps


def _cli(capsys, argv):
    try:
        rc = main(argv)
    except SystemExit as exc:
        rc = exc.code
    return rc, capsys.readouterr()


def test_cli_disable_margin_and_monthly(tmp_path, capsys):
    rc, cap = _cli(
        capsys,
        [
            "windows",
            "--start",
            "2026-11-01",
            "--stop",
            "2026-11-04",
            "--step",
            "10min",
            "--instrument",
            "sxi",
            "--disable",
            "sxi_moon,nose",
            "--margin",
            "sxi_sun=45",
            "--monthly",
            "--out",
            str(tmp_path / "w.json"),
        ],
    )
    assert rc == 0, cap.err
    meta = json.loads((tmp_path / "w.json").read_text())["meta"]
    assert meta["constraints"]["sxi"] == ["radiation_belt", "sxi_radius", "sxi_sun", "sxi_earth"]
    assert meta["targets"] == ["cusp_north", "cusp_south"] and meta["profile"]["min_sun_angle_deg"] == 45.0
    assert "2026-11" in cap.out and "observing" in cap.out


@pytest.mark.parametrize(
    "extra, fragment",
    [
        (["--disable", "sxi_xray"], "cannot disable 'sxi_xray'"),
        (["--margin", "sxi_sun"], "write NAME=VALUE"),
        (["--margin", "sxi_sun=lots"], "'lots' is not a number"),
        (["--margin", "sxi_radius=-1"], "out of range"),
        (["--require", "cusp_north"], "not a constraint"),
    ],
)
def test_cli_override_mistakes(tmp_path, capsys, extra, fragment):
    rc, cap = _cli(
        capsys,
        ["windows", "--start", "2026-11-01", "--stop", "2026-11-02", "--out", str(tmp_path / "w.csv")]
        + extra,
    )
    assert rc == 2 and len(cap.err.strip().splitlines()) == 1 and fragment in cap.err, cap.err
    assert not (tmp_path / "w.csv").exists()


def test_timeline_png_has_target_rows_and_gap_colours(fortnight, tmp_path):
    from PIL import Image

    from smile_viewer.analysis.windows import GAP_COLOURS, TARGET_COLOUR

    img = np.asarray(Image.open(fortnight.plot(tmp_path / "t.png")).convert("RGB")).astype(int)

    def count(hexcol):
        rgb = np.array([int(hexcol[i : i + 2], 16) for i in (1, 3, 5)])
        return int(np.sum(np.all(np.abs(img - rgb) <= 2, axis=-1)))

    assert count(TARGET_COLOUR) > 300
    limits = {g.limited_by for g in fortnight.gaps}
    assert "sxi_sun" in limits
    for nm in limits:
        assert count(GAP_COLOURS[nm]) > 100, nm
    # From a file (no constraint table) the rows are drawn too.
    back = read_windows(fortnight.write(tmp_path / "w.json"))
    img = np.asarray(Image.open(back.plot(tmp_path / "b.png")).convert("RGB")).astype(int)
    assert count(TARGET_COLOUR) > 300 and count(GAP_COLOURS["sxi_sun"]) > 1000


def test_required_magnetopause_windows_are_the_nose_visibility_rows(profile):
    # The old definition (nose 3 deg inside the field) as a constraint equals the nose target
    # with a 3 deg margin during the operational windows.
    prof = profile.with_overrides(require=["sxi_magnetopause"], margins={"nose": 3.0})
    ws = compute_windows("2026-09-10T00:00", "2026-09-14T00:00", "10min", prof, instruments=("sxi",))
    spans = [(w.start.isot, w.end.isot) for w in ws.windows]
    assert len(spans) >= 2
    assert spans == [(v.start.isot, v.end.isot) for v in ws.visibility if v.target == "nose"]
