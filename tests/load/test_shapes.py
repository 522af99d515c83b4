from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from apitest.load.shapes import ARRIVAL_SLACK_S, Plan, Stage, Timetable, plan
from apitest.settings.load import LoadProfile


def users_over_time(p: Plan, step: float = 0.5) -> list[int]:
    points = []
    t = 0.0
    while (stage := p.users_at(t)) is not None:
        points.append(stage.users)
        t += step
    return points


def test_ramp_climbs_over_half_the_duration_then_holds():
    p = plan(LoadProfile(name="r", shape="ramp", users=20, duration=10))
    assert p.stages == (Stage(10, 20, 4.0),)  # 20 users over 5 s
    assert plan(LoadProfile(name="r", shape="ramp", users=20, duration=10, ramp=0)).stages == (Stage(10, 20, 20.0),)


def test_soak_is_a_long_ramp_with_a_short_climb():
    p = plan(LoadProfile(name="s", shape="soak", users=10, duration=300))
    assert p.stages == (Stage(300, 10, 10 / 30),) and p.duration_s == 300


def test_step_adds_users_at_equal_intervals():
    p = plan(LoadProfile(name="s", shape="step", users=10, step_users=4, duration=9))
    assert [(s.end_s, s.users) for s in p.stages] == [(3.0, 4), (6.0, 8), (9, 10)]


def test_spike_jumps_and_comes_back():
    p = plan(LoadProfile(name="s", shape="spike", users=2, spike_users=20, spike_at=2, spike_duration=2, duration=6))
    assert users_over_time(p) == [2, 2, 2, 2, 20, 20, 20, 20, 2, 2, 2, 2]
    assert all(s.spawn_rate == 20 for s in p.stages)  # the jump takes about a second


def test_bursts_repeat_every_period():
    p = plan(LoadProfile(name="b", shape="burst", users=3, burst_users=12, period=6, burst_duration=2, duration=18))
    assert [(s.end_s, s.users) for s in p.stages] == [(4, 3), (6, 12), (10, 3), (12, 12), (16, 3), (18, 12)]


def test_arrival_keeps_its_pool_while_the_timetable_runs():
    p = plan(LoadProfile(name="a", shape="arrival", users=20, rate=100, duration=4))
    assert p.timetable == Timetable(rate=100, duration_s=4)
    assert p.stages == (Stage(4 + 1 + ARRIVAL_SLACK_S, 20, 20.0),)


def test_constant_timetable():
    t = Timetable(rate=100, duration_s=4)
    assert t.total == 400
    assert [t.time_of(k) for k in (0, 1, 399, 400)] == [0.0, 0.01, 3.99, None]


def test_ramping_timetable():
    t = Timetable(rate=100, duration_s=4, start_rate=10, ramp_s=2)
    assert t.count_until(2) == pytest.approx(110)  # (10 + 100) / 2 * 2 s
    assert t.total == 310
    assert t.time_of(110) == pytest.approx(2.0)
    assert t.time_of(1) == pytest.approx(0.0841, abs=1e-4)  # 10 t + 22.5 t^2 = 1


@given(
    rate=st.floats(1, 2000),
    start=st.one_of(st.none(), st.floats(0, 2000)),
    ramp=st.floats(0, 10),
    k=st.integers(0, 20000),
)
def test_time_of_inverts_count_until(rate, start, ramp, k):
    t = Timetable(rate=rate, duration_s=1e9, start_rate=start, ramp_s=ramp)
    at = t.time_of(k)
    assert at is not None and at >= 0
    assert t.count_until(at) == pytest.approx(k, abs=1e-3, rel=1e-6)
    later = t.time_of(k + 1)
    assert later is not None and later >= at
