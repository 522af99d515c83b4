from __future__ import annotations

from pathlib import Path

import pytest

from apitest.errors import ConfigError
from apitest.settings import resolve_suite as load_suite
from apitest.settings.load import MAX_USERS, LoadProfile, LoadSettings, Slo


def suite(tmp_path: Path, load: str) -> LoadSettings:
    path = tmp_path / "apitest.toml"
    path.write_text('serve = "app:app"\n' + load)
    return load_suite(path, environ={}).load


def test_profiles_take_load_defaults_and_merge_slos(tmp_path):
    settings = suite(
        tmp_path,
        """
[load]
allow_hosts = ["Staging.Example.com"]
locustfile = "loadtests/shop.py"
think_time = [0.1, 0.2]
[load.slo]
error_rate = 0.01
p95_ms = 500
[load.spike]
shape = "spike"
users = 5
spike_users = 50
duration = 20
[load.spike.slo]
p95_ms = 300
[load.spike.slo."GET /v1/books/{book_id}"]
p99_ms = 200
[load.ramp]
think_time = 1
""",
    )
    assert settings.allow_hosts == ("staging.example.com",)
    spike, ramp = settings.profiles["spike"], settings.profiles["ramp"]
    assert (spike.shape, spike.users, spike.spike_users, spike.duration) == ("spike", 5, 50, 20.0)
    assert spike.locustfile == ramp.locustfile == "loadtests/shop.py"
    assert spike.think_range == (0.1, 0.2) and ramp.think_range == (1.0, 1.0)
    assert set(spike.slos) == {
        Slo("error_rate", "total", 0.01),
        Slo("p95_ms", "total", 300.0),
        Slo("p99_ms", "GET /v1/books/{book_id}", 200.0),
    }
    assert set(ramp.slos) == {Slo("error_rate", "total", 0.01), Slo("p95_ms", "total", 500.0)}
    assert ramp == LoadProfile(
        name="ramp", locustfile="loadtests/shop.py", think_time=1.0, slo=ramp.slo, slos=ramp.slos
    )


def test_arrival_profile_defaults_its_user_pool_from_the_rate(tmp_path):
    profile = suite(
        tmp_path, "[load.open]\nshape = 'arrival'\nrate = 300\n[load.open.slo]\nmax_missed_starts = 0\n"
    ).profiles["open"]
    assert (profile.rate, profile.users) == (300.0, 150)
    assert profile.slos == (Slo("max_missed_starts", "total", 0.0),)
    assert suite(tmp_path, "[load.x]\nshape = 'arrival'\nrate = 5000\n").profiles["x"].users == MAX_USERS


def test_bounds_hold_unless_raised_explicitly(tmp_path):
    with pytest.raises(ConfigError, match=f"users = 5000 is over {MAX_USERS}; set allow_large = true"):
        suite(tmp_path, "[load.big]\nusers = 5000\n")
    with pytest.raises(ConfigError, match="duration = 3600 is over 600"):
        suite(tmp_path, "[load.long]\nshape = 'soak'\nduration = 3600\n")
    big = suite(tmp_path, "[load]\nallow_large = true\n[load.big]\nusers = 5000\nduration = 3600\n").profiles["big"]
    assert (big.users, big.duration) == (5000, 3600.0)


@pytest.mark.parametrize(
    ("profile", "over"),
    [
        ("shape = 'ramp'\nramp = 129600", "ramp = 129600"),  # 36 h
        ("shape = 'step'\nstep_users = 1\nstep_duration = 7200", "step_duration = 7200"),
        ("shape = 'spike'\nspike_users = 20\nspike_at = 86400\nspike_duration = 10", "spike_at = 86400"),
        ("shape = 'spike'\nspike_users = 20\nspike_at = 1\nspike_duration = 3600", "spike_duration = 3600"),
        ("shape = 'burst'\nburst_users = 20\nburst_duration = 700\nperiod = 900", "burst_duration = 700"),
        ("shape = 'burst'\nburst_users = 20\nperiod = 3600", "period = 3600"),
        ("spawn_rate = 5000", "spawn_rate = 5000"),
    ],
)
def test_every_stage_of_a_shape_is_bounded_unless_raised_explicitly(tmp_path, profile, over):
    with pytest.raises(ConfigError) as info:
        suite(tmp_path, f"[load.x]\n{profile}\n")
    assert f"[load.x]: {over} is over " in str(info.value) and "allow_large = true" in str(info.value)
    assert suite(tmp_path, f"[load]\nallow_large = true\n[load.x]\n{profile}\n").profiles["x"]


def test_worker_wait_has_a_bound(tmp_path):
    with pytest.raises(ConfigError, match=r"worker_wait = 3600 is not valid; expected a number >= 1 and <= 600"):
        suite(tmp_path, "[load]\nworker_wait = 3600\n")


@pytest.mark.parametrize(
    ("load", "message"),
    [
        ("[load.x]\nshape = 'spiky'\n", "shape = 'spiky' is not valid; expected one of 'ramp', 'step', 'spike'"),
        ("[load.x]\nuser = 3\n", "[load.x]: unknown key 'user'. Did you mean 'users'?"),
        ("[load.x.slo]\np95 = 100\n", "[load.x]: slo: unknown metric 'p95'. Did you mean 'p95_ms'?"),
        ("[load.x.slo.'GET /a']\np99ms = 1\n", "slo.'GET /a': unknown metric 'p99ms'. Did you mean 'p99_ms'?"),
        ("[load.x.slo]\nerror_rate = 5\n", "slo.error_rate = '5' is not valid; expected a number >= 0 and <= 1"),
        ("[load.x]\nshape = 'arrival'\n", "shape = 'arrival' needs rate = REQUESTS_PER_SECOND"),
        ("[load.x.slo]\nmax_missed_starts = 0\n", "max_missed_starts is measured by shape = 'arrival' profiles only"),
        (
            "[load.x]\nshape = 'burst'\nperiod = 4\nburst_duration = 4\n",
            "burst_duration = 4 must be shorter than period = 4",
        ),
        ("[load]\nmaster = '0.0.0.0:5557'\n[load.x]\nusers = 2\n", "waits for remote workers; set workers = N"),
        ("[load]\nmaster = 'nowhere'\n", "master = 'nowhere' is not valid; expected 'HOST:PORT'"),
        ("[load.x]\nthink_time = [2, 1]\n", "think_time = [2, 1]: the minimum is over the maximum"),
        ("[load.x]\nworkers = 'two'\n", "[load.x]: workers = 'two' is not valid; expected an integer >= 0"),
        ("[load]\nusers = 0\n[load.x]\n", "[load]: users = 0 is not valid; expected an integer >= 1"),
        ("[load]\nalow_hosts = ['a']\n", "unknown key 'alow_hosts'. Did you mean 'allow_hosts'?"),
    ],
)
def test_errors_name_the_table_the_key_and_the_fix(tmp_path, load, message):
    with pytest.raises(ConfigError) as info:
        suite(tmp_path, load)
    assert message in str(info.value)
    assert str(tmp_path / "apitest.toml") in str(info.value)


def test_the_demo_suite_declares_a_short_gated_burst():
    demo = load_suite(Path(__file__).parents[2] / "apitest" / "demo" / "suite" / "apitest.toml", environ={})
    burst = demo.load.profiles["burst"]
    assert burst.shape == "burst" and burst.duration <= 20
    assert burst.locustfile is not None and (demo.root / burst.locustfile).is_file()
    assert {s.metric for s in burst.slos} >= {"p95_ms", "error_rate", "min_rps"}


def test_the_profiles_to_copy_are_valid(tmp_path):
    text = (Path(__file__).parents[2] / "loadtests" / "profiles.toml").read_text()
    settings = suite(tmp_path, text)
    assert set(settings.profiles) == {"ramp", "step", "spike", "bursts", "soak", "arrival", "big"}
    assert {p.shape for p in settings.profiles.values()} == {"ramp", "step", "spike", "burst", "soak", "arrival"}
