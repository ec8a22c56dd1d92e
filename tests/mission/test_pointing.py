"""Pointing: the SXI team's law, aim points, UVI, attitude quaternions, constraints."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from astropy.time import Time

from smile_viewer.compute.camera import look_rotation
from smile_viewer.coords import rotation_matrix, transform
from smile_viewer.errors import DataFileError, UserInputError
from smile_viewer.mission import pointing as pt

POSITIONS = [
    (0.0, -10.0, 10.0),
    (5.0, 3.0, 18.0),
    (-3.0, -6.0, 15.0),
    (10.0, 2.0, -12.0),
    (1.0, 0.5, 8.5),
    (-8.0, 9.0, 13.0),
]
T0 = "2026-05-21T01:00:00"


def _angle_deg(a, b):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return math.degrees(math.atan2(np.linalg.norm(np.cross(a, b)), np.dot(a, b)))


@pytest.mark.parametrize("pos", POSITIONS)
def test_sxi_law(pos):
    p = np.array(pos)
    r = np.linalg.norm(p)
    point = pt.sxi_pointing(p)
    b = point.boresight
    # Angle between the boresight and the direction to Earth's centre.
    assert _angle_deg(b, -p) == pytest.approx(20.3 + math.degrees(math.asin(1 / r)), abs=1e-10)
    # Coplanar with the spacecraft and the X axis.
    assert abs(np.dot(np.cross(p, [1.0, 0, 0]), b)) < 1e-12
    # Turned from the Earth direction toward +X (sunward).
    assert b[0] > -p[0] / r
    # Aim point on the X axis, on the boresight line, ahead of the spacecraft.
    aim = point.aim_re
    assert aim is not None and aim[1] == 0 and aim[2] == 0
    rho, alpha = math.hypot(p[1], p[2]), math.atan2(p[0], math.hypot(p[1], p[2]))
    limb_c = math.radians(20.3) + math.asin(1 / r)
    assert aim[0] == pytest.approx(p[0] + rho * math.tan(limb_c - alpha), rel=1e-12)
    los = aim - p
    assert np.linalg.norm(np.cross(los, b)) < 1e-9 * np.linalg.norm(los) and np.dot(los, b) > 0


def test_sxi_law_matches_team_vectors():
    """The team's look vector L = (rho tan(limb_c - alpha), -y, -z) (smile_fov_limb.py)."""
    p = np.array([0.0, -10.0, 10.0])
    smag = np.linalg.norm(p)
    alpha = math.atan2(p[0], math.hypot(p[1], p[2]))
    limb_c = math.radians(20.3) + math.asin(1 / smag)
    lvec = np.array([math.hypot(p[1], p[2]) * math.tan(limb_c - alpha), -p[1], -p[2]])
    point = pt.sxi_pointing(p)
    np.testing.assert_allclose(point.boresight, lvec / np.linalg.norm(lvec), atol=1e-14)
    # Roll convention: camera y = -b_unit, camera x = -(b x L) unit (module docstring).
    bvec = p + smag * math.cos(limb_c) * lvec / np.linalg.norm(lvec)
    yi = np.cross(bvec, lvec)
    np.testing.assert_allclose(point.rotation[:, 1], -bvec / np.linalg.norm(bvec), atol=1e-12)
    np.testing.assert_allclose(point.rotation[:, 0], -yi / np.linalg.norm(yi), atol=1e-12)


def test_sxi_roll_and_look_rotation_agree():
    p = np.array([3.0, -4.0, 16.0])
    for roll in (0.0, 30.0, -90.0):
        point = pt.sxi_pointing(p, roll_deg=roll)
        np.testing.assert_allclose(point.rotation, look_rotation(point.boresight, p, roll), atol=1e-14)
        assert np.linalg.det(point.rotation) == pytest.approx(1.0)
    # Roll 90 deg puts the long (x) axis into the plane of the Earth and the boresight.
    rot = pt.sxi_pointing(p, roll_deg=90.0).rotation
    assert abs(np.dot(rot[:, 0], np.cross(p, rot[:, 2]))) < 1e-12


def test_sxi_law_vectorised_and_edge_cases():
    ps = np.array(POSITIONS)
    b = pt.sxi_boresight(ps)
    aims = pt.sxi_aim_point(ps)
    for i, p in enumerate(ps):
        np.testing.assert_allclose(b[i], pt.sxi_pointing(p).boresight, atol=1e-14)
        np.testing.assert_allclose(aims[i], pt.sxi_pointing(p).aim_re, atol=1e-12)
    # Deep night side near the X axis: no aim point, boresight still at limb_c from Earth.
    p = np.array([-15.0, 0.5, 1.0])
    point = pt.sxi_pointing(p)
    assert point.aim_re is None and np.all(np.isnan(pt.sxi_aim_point(p)))
    assert _angle_deg(point.boresight, -p) == pytest.approx(pt.sxi_limb_angle_deg(p), abs=1e-10)
    with pytest.raises(UserInputError, match="X axis"):
        pt.sxi_pointing((12.0, 0.0, 0.0))
    with pytest.raises(UserInputError, match="inside the Earth"):
        pt.sxi_pointing((0.5, 0.1, 0.2))


def test_aim_pointing():
    p, aim = np.array([2.0, -5.0, 18.0]), np.array([9.0, 0.0, 0.0])
    point = pt.aim_pointing(p, aim)
    np.testing.assert_allclose(point.boresight, (aim - p) / np.linalg.norm(aim - p), atol=1e-14)
    # Camera y toward Earth's centre (projected): the Earth side at the bottom.
    assert np.dot(point.rotation[:, 1], -p) > 0 and abs(np.dot(point.rotation[:, 0], -p)) < 1e-12
    # Aiming at Earth's centre: the reference is degenerate, a fallback keeps a rotation.
    rot = pt.aim_pointing(p, (0, 0, 0)).rotation
    np.testing.assert_allclose(rot.T @ rot, np.eye(3), atol=1e-12)
    with pytest.raises(UserInputError):
        pt.aim_pointing(p, p)


def test_uvi_points_at_the_oval():
    t = Time(T0)
    p = np.array([2.0, -4.0, 19.0])
    point = pt.uvi_pointing(p, t)
    target = point.aim_re
    d_gse = transform([0.0, 0.0, 1.0], t, "sm", "gse")
    # 110 km above the surface, 4 deg from the dipole pole toward midnight.
    assert np.linalg.norm(target) == pytest.approx(1 + 110 / 6371.0)
    assert _angle_deg(target, d_gse) == pytest.approx(4.0, abs=1e-9)
    tgt_sm = transform(target, t, "gse", "sm")
    assert tgt_sm[0] < 0 and abs(tgt_sm[1]) < 1e-12
    np.testing.assert_allclose(point.boresight, (target - p) / np.linalg.norm(target - p), atol=1e-14)
    # Noon (+X) at the top: camera -y has a positive X component.
    assert -point.rotation[0, 1] > 0
    pole = pt.uvi_pointing(p, t, target="pole")
    assert _angle_deg(pole.aim_re, d_gse) < 1e-9 and pole.law == "uvi_pole"


def _quat_from_rotation(rot):
    return pt.matrix_to_quaternion(rot)


def test_quaternion_conventions():
    rng = np.random.default_rng(3)
    for _ in range(5):
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        m = pt.quaternion_to_matrix(q)
        np.testing.assert_allclose(m @ m.T, np.eye(3), atol=1e-12)
        np.testing.assert_allclose(pt.quaternion_to_matrix(np.roll(q, -1), scalar_first=False), m, atol=1e-14)
        back = pt.matrix_to_quaternion(m)
        np.testing.assert_allclose(back, q if q[0] >= 0 else -q, atol=1e-12)
    # 90 deg about z turns x into y.
    q = [math.cos(math.pi / 4), 0, 0, math.sin(math.pi / 4)]
    np.testing.assert_allclose(pt.quaternion_to_matrix(q) @ [1, 0, 0], [0, 1, 0], atol=1e-15)


def test_attitude_file_slerp_and_frames(tmp_path):
    t0, t1 = Time("2026-05-21T00:00:00"), Time("2026-05-21T00:10:00")
    r0 = look_rotation([0.2, 0.3, -1.0], [1, 0, 0])
    axis = np.array([0.3, -0.4, 0.866])
    axis /= np.linalg.norm(axis)
    ang = math.radians(20.0)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    turn = np.eye(3) + math.sin(ang) * k + (1 - math.cos(ang)) * k @ k
    r1 = turn @ r0
    q0, q1 = _quat_from_rotation(r0), _quat_from_rotation(r1)
    # Half-way: half the turn (slerp), rotated to GSE at that time.
    tm = Time("2026-05-21T00:05:00")
    half = np.eye(3) + math.sin(ang / 2) * k + (1 - math.cos(ang / 2)) * k @ k
    expect_gse = rotation_matrix(tm, "gei", "gse") @ (half @ r0)

    js = tmp_path / "att.json"
    js.write_text(
        json.dumps(
            {
                "frame": "J2000",
                "records": [{"time": t0.isot, "q": list(q0)}, {"time": t1.isot, "q": list(-q1)}],
            }
        )
    )  # sign flip: same rotation
    point = pt.attitude_pointing(js, tm)
    np.testing.assert_allclose(point.rotation, expect_gse, atol=1e-12)
    np.testing.assert_allclose(pt.read_attitude(js).rotation(t0, "gei"), r0, atol=1e-12)

    # CSV, scalar last, same answer; and the SPICE-like convention (transpose) in CSV.
    csv_last = tmp_path / "att.csv"
    csv_last.write_text(
        "# frame: J2000\ntime,qx,qy,qz,qw\n"
        + "\n".join(f"{t.isot},{q[1]},{q[2]},{q[3]},{q[0]}" for t, q in ((t0, q0), (t1, q1)))
    )
    np.testing.assert_allclose(pt.attitude_pointing(csv_last, tm).rotation, expect_gse, atol=1e-12)
    qc0, qc1 = _quat_from_rotation(r0.T), _quat_from_rotation(r1.T)
    csv_spice = tmp_path / "spice.csv"
    csv_spice.write_text(
        "# convention: j2000_to_inst\ntime,q0,q1,q2,q3\n"
        + "\n".join(f"{t.isot},{q[0]},{q[1]},{q[2]},{q[3]}" for t, q in ((t0, qc0), (t1, qc1)))
    )
    np.testing.assert_allclose(pt.attitude_pointing(csv_spice, tm).rotation, expect_gse, atol=1e-12)

    with pytest.raises(UserInputError, match="outside"):
        pt.attitude_pointing(js, "2026-05-21T00:11:00")
    bad = tmp_path / "bad.csv"
    bad.write_text("time,a,b,c,d\n2026-05-21T00:00:00,1,0,0,0\n")
    with pytest.raises(DataFileError, match="header"):
        pt.read_attitude(bad)
    with pytest.raises(DataFileError, match="no such"):
        pt.read_attitude(tmp_path / "none.json")


def test_observation_constraints():
    c = pt.observation_constraints([0.0, -10.0, 10.0], pt.sxi_boresight([0.0, -10.0, 10.0]))
    assert c.radial_ok and c.ok == (c.sun_angle_deg >= 40)
    many = pt.observation_constraints(
        [[0, 0, 5.0], [0, 0, 12.0], [0, 0, 12.0]], [[0, 0, -1.0], [1.0, 0, 0], [0.5, 0, -1.0]]
    )
    np.testing.assert_array_equal(many.radial_ok, [False, True, True])
    np.testing.assert_array_equal(many.sun_ok, [True, False, True])
    np.testing.assert_array_equal(many.ok, [False, False, True])
    assert pt.sun_angle_deg([0, 1.0, 0]) == pytest.approx(90.0)
    assert pt.observation_constraints([0, 0, 7.0], [0, 1.0, 0], min_radius_re=6.0).ok
    # Team code's check: limb_c - alpha < 90 - 40 deg is the same as >= 40 deg from +X.
    for p in POSITIONS:
        p = np.array(p)
        beta = math.radians(pt.sxi_limb_angle_deg(p)) - math.atan2(p[0], math.hypot(p[1], p[2]))
        team = beta < math.radians(50.0)
        ours = pt.observation_constraints(p, pt.sxi_boresight(p)).sun_ok
        assert bool(ours) == bool(team)
