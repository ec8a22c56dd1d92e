"""Camera tours: the path passes through every keyframe and moves smoothly between them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from smile_viewer.errors import UserInputError
from smile_viewer.state.scene import LayerVisibility, to_utc_time
from smile_viewer.state.tour import (
    CameraPose,
    Keyframe,
    SolarWindKey,
    Tour,
    ease,
    pose_from_turntable,
    quat_from_matrix,
    quat_to_matrix,
    slerp,
    turntable_from_pose,
)


def _angle_deg(qa, qb) -> float:
    d = abs(float(np.dot(np.asarray(qa) / np.linalg.norm(qa), np.asarray(qb) / np.linalg.norm(qb))))
    return math.degrees(2.0 * math.acos(min(d, 1.0)))


def _three_keyframes() -> Tour:
    k1 = Keyframe(
        camera=pose_from_turntable(150.0, 22.0, 0.0, (0, 0, 0), 120.0, 30.0),
        time="2026-03-20T00:00:00",
        solar_wind=SolarWindKey(n_cm3=5.0, v_km_s=400.0, bz_nt=2.0),
        caption="The magnetosphere",
        hold_s=1.0,
        travel_s=4.0,
    )
    k2 = Keyframe(
        camera=pose_from_turntable(60.0, 10.0, 0.0, (8, 0, 0), 40.0, 40.0),
        time="2026-03-20T06:00:00",
        solar_wind=SolarWindKey(n_cm3=20.0, v_km_s=700.0, bz_nt=-20.0),
        caption="The dayside",
        layers=LayerVisibility(field_lines=True),
        hold_s=0.5,
        travel_s=3.0,
    )
    k3 = Keyframe(
        camera=pose_from_turntable(-100.0, 70.0, 0.0, (-10, 0, 0), 80.0, 25.0),
        time="2026-03-21T00:00:00",
        caption="The tail",
        hold_s=2.0,
    )
    return Tour(keyframes=[k1, k2, k3])


def test_quaternion_round_trip_and_slerp_halfway():
    rng = np.random.default_rng(3)
    for _ in range(20):
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        m = quat_to_matrix(q)
        assert np.allclose(m @ m.T, np.eye(3), atol=1e-12)
        assert np.linalg.det(m) == pytest.approx(1.0)
        assert np.allclose(quat_to_matrix(quat_from_matrix(m)), m, atol=1e-12)
    # halfway between identity and a 90° turn about z is a 45° turn about z
    qz90 = quat_from_matrix([[0, -1, 0], [1, 0, 0], [0, 0, 1]])
    half = quat_to_matrix(slerp([1, 0, 0, 0], qz90, 0.5))
    c = math.sqrt(0.5)
    assert np.allclose(half, [[c, -c, 0], [c, c, 0], [0, 0, 1]], atol=1e-12)


def test_ease_ends_and_flat_derivatives():
    assert ease(0.0) == 0.0 and ease(1.0) == 1.0 and ease(0.5) == pytest.approx(0.5)
    h = 1e-4
    assert ease(h) / h < 1e-6  # zero speed at both ends: the camera settles at each keyframe
    assert (1.0 - ease(1.0 - h)) / h < 1e-6


def test_turntable_pose_by_hand():
    # azimuth 0, elevation 0: vispy's turntable looks along +Y from -Y, X to the right, Z up
    pose = pose_from_turntable(0.0, 0.0, 0.0, (1.0, 2.0, 3.0), 10.0, 30.0)
    assert np.allclose(pose.position_re, (1.0, -8.0, 3.0))
    assert np.allclose(pose.view_direction, (0, 1, 0), atol=1e-12)
    assert np.allclose(pose.matrix()[:, 0], (1, 0, 0), atol=1e-12)  # right
    # azimuth 90°: from +X (the Sun side) looking towards -X
    pose = pose_from_turntable(90.0, 0.0, 0.0, (0, 0, 0), 5.0, 30.0)
    assert np.allclose(pose.position_re, (5.0, 0.0, 0.0), atol=1e-12)
    # elevation 90°: from above, looking down
    pose = pose_from_turntable(0.0, 90.0, 0.0, (0, 0, 0), 5.0, 30.0)
    assert np.allclose(pose.position_re, (0.0, 0.0, 5.0), atol=1e-12)


@pytest.mark.parametrize(
    "az, el, roll", [(150.0, 22.0, 0.0), (-170.0, -45.0, 0.0), (60.0, 10.0, 30.0), (0.0, 90.0, 0.0)]
)
def test_turntable_round_trip(az, el, roll):
    pose = pose_from_turntable(az, el, roll, (3.0, -2.0, 1.0), 42.0, 35.0)
    tt = turntable_from_pose(pose)
    back = pose_from_turntable(
        tt["azimuth"], tt["elevation"], tt["roll"], tt["center"], tt["distance"], tt["fov"]
    )
    assert np.allclose(back.position_re, pose.position_re, atol=1e-9)
    assert _angle_deg(back.orientation, pose.orientation) < 1e-6
    assert -90.0 <= tt["elevation"] <= 90.0
    assert np.allclose(tt["center"], (3.0, -2.0, 1.0), atol=1e-9)


def test_tour_passes_exactly_through_each_keyframe():
    tour = _three_keyframes()
    starts = tour.starts()
    assert starts == [0.0, 5.0, 8.5]
    assert tour.duration_s == pytest.approx(10.5)
    for kf, t0 in zip(tour.keyframes, starts):
        s = tour.sample(t0)
        assert s.camera == kf.camera
        assert s.time == kf.time
        assert s.caption == kf.caption
        # and at the end of its hold
        assert tour.sample(t0 + kf.hold_s).camera == kf.camera
    # the movie's frames hit every keyframe exactly
    times = tour.frame_times(30.0)
    for t0 in starts:
        assert np.min(np.abs(times - t0)) == 0.0
    assert times[0] == 0.0 and times[-1] == tour.duration_s
    assert np.all(np.diff(times) > 0)
    assert np.allclose(np.diff(times), 1 / 30.0, rtol=0.05)


def test_tour_moves_smoothly_between_keyframes():
    tour = _three_keyframes()
    times = tour.frame_times(30.0)
    samples = [tour.sample(t) for t in times]
    quats = [s.camera.orientation for s in samples]
    steps = [_angle_deg(a, b) for a, b in zip(quats[:-1], quats[1:])]
    # each leg's turn is spread over its frames of eased motion (peak speed 1.875× the mean for
    # smootherstep); squad bends the path a little: 1.5× slack. A flip would be tens of degrees.
    legs = np.array([s.leg for s in samples[:-1]])
    for leg in range(2):
        a, b = tour.keyframes[leg], tour.keyframes[leg + 1]
        total = _angle_deg(a.camera.orientation, b.camera.orientation)
        n_frames = a.travel_s * 30.0
        bound = 1.5 * 1.875 * total / n_frames
        leg_steps = np.array(steps)[legs == leg]
        assert leg_steps.max() < bound, (leg, leg_steps.max(), bound)
    # orientation changes continuously: consecutive steps never leap
    assert max(abs(a - b) for a, b in zip(steps[:-1], steps[1:])) < 1.0
    # positions: no jump either; bounded by the peak speed along each leg's spline
    pos = np.array([s.camera.position_re for s in samples])
    dp = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    for leg in range(2):
        a, b = tour.keyframes[leg], tour.keyframes[leg + 1]
        chord = np.linalg.norm(np.subtract(a.camera.position_re, b.camera.position_re))
        bound = 1.5 * 1.875 * chord / (a.travel_s * 30.0)
        assert dp[legs == leg].max() < bound, (leg, dp[legs == leg].max(), bound)
    # time runs forwards; solar wind is interpolated between keyframes 1 and 2
    mid = tour.sample(5.0 - 2.0)  # the middle of leg 1 (1 s hold + 2 of 4 s)
    assert mid.u == pytest.approx(0.5)
    assert mid.solar_wind.n_cm3 == pytest.approx(12.5)
    assert mid.solar_wind.bz_nt == pytest.approx(-9.0)
    t_mid = to_utc_time(mid.time)
    assert abs((t_mid - to_utc_time("2026-03-20T03:00:00")).to_value("s")) < 1e-3
    # layers switch half-way along a leg
    assert tour.sample(2.0).layers is None and tour.sample(4.0).layers.field_lines is True


def test_tour_without_keyframes_is_a_one_line_error():
    with pytest.raises(UserInputError, match="no keyframes"):
        Tour().sample(0.0)
    with pytest.raises(UserInputError, match="no keyframes"):
        Tour().frame_times(30)


def test_bad_keyframes_refused():
    with pytest.raises(ValueError):
        CameraPose(position_re=(0, 0, float("nan")))
    with pytest.raises(ValueError):
        CameraPose(position_re=(0, 0, 1), orientation=(0, 0, 0, 0))
    with pytest.raises(ValueError):
        Keyframe(camera=CameraPose(position_re=(0, 0, 1)), time="not a time")


def test_tour_saved_in_sessions(tmp_path):
    from smile_viewer.state.app import AppState
    from smile_viewer.state.session import load_session, save_session

    app = AppState()
    app.tour = _three_keyframes()
    path = save_session(tmp_path / "talk.smile.json", app)
    back = load_session(path)
    assert back.tour == app.tour
    assert back.tour.sample(5.0).camera == app.tour.keyframes[1].camera
    # applied in place (File ▸ Open session): the window's tour follows
    other = AppState()
    other.update_from(back)
    assert len(other.tour.keyframes) == 3 and other.tour.keyframes[2].caption == "The tail"
    # a session written before tours existed loads with an empty tour
    text = path.read_text().replace('"tour"', '"_tour"')
    import json

    data = json.loads(text)
    data["state"].pop("_tour")
    old = tmp_path / "old.smile.json"
    old.write_text(json.dumps(data))
    assert load_session(old).tour.keyframes == []
