from __future__ import annotations

import pytest

from apitest.errors import UnsafeTargetError
from apitest.load.measurements import load_result
from apitest.load.runner import RunSpec, run_profile
from apitest.load.safety import check_target, is_loopback
from apitest.load.shapes import plan
from apitest.settings.load import LoadProfile

from ..apps.faulty import FaultyServer


def fake_resolver(answers):
    return lambda host: answers.get(host, [])


@pytest.mark.parametrize("host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST."])
def test_loopback(host):
    assert is_loopback(host)  # "localhost" through this machine's resolver (/etc/hosts)


def test_a_name_under_localhost_is_loopback_only_if_it_resolves_to_loopback_only():
    resolver = fake_resolver(
        {
            "api.localhost": ["127.0.0.1", "::1"],
            "evil.localhost": ["10.1.2.3"],
            "mixed.localhost": ["127.0.0.1", "192.0.2.7"],
        }
    )
    assert is_loopback("api.localhost", resolver)
    assert not is_loopback("evil.localhost", resolver)
    assert not is_loopback("mixed.localhost", resolver)
    assert not is_loopback("gone.localhost", resolver)  # resolves to nothing
    assert not is_loopback("localhost", fake_resolver({"localhost": ["10.0.0.1"]}))
    with pytest.raises(UnsafeTargetError) as info:
        check_target("http://evil.localhost:8000", (), "apitest.toml [load.x]", resolver)
    assert str(info.value) == (
        "apitest.toml [load.x]: refusing to load evil.localhost (http://evil.localhost:8000): it resolves to 10.1.2.3, "
        'not to loopback only. Use 127.0.0.1, or, if you own the host it resolves to and mean to load it, add allow_hosts = ["evil.localhost"] to [load].'
    )
    with pytest.raises(UnsafeTargetError, match="it does not resolve, not to loopback only"):
        check_target("http://gone.localhost:8000", (), "apitest.toml [load.x]", resolver)
    assert check_target("http://evil.localhost:8000", ("evil.localhost",), "x", resolver) == "evil.localhost"


def test_other_hosts_are_refused_unless_allow_listed():
    assert check_target("http://127.0.0.1:8000/api", (), "suite") == "127.0.0.1"
    assert check_target("https://Staging.example.com", ("staging.example.com",), "suite") == "staging.example.com"
    with pytest.raises(UnsafeTargetError) as info:
        check_target("https://api.example.com/v1", ("staging.example.com",), "suites/shop/apitest.toml [load.spike]")
    message = str(info.value)
    assert message.startswith("suites/shop/apitest.toml [load.spike]: refusing to load api.example.com")
    assert 'allow_hosts = ["api.example.com"]' in message


USERS = {
    "FastHttpUser": "from locust import FastHttpUser as Base, constant, task\n",
    "HttpUser": "from locust import HttpUser as Base, constant, task\n",
}


@pytest.mark.parametrize("user", sorted(USERS))
def test_locust_never_follows_a_redirect_to_a_host_that_is_not_allowed(tmp_path, user):
    # The API on 127.0.0.1 answers 302 to 0.0.0.0:PORT, another address that reaches a second server on this
    # machine: had Locust followed, that server would count the requests.
    locustfile = tmp_path / "users.py"
    locustfile.write_text(
        USERS[user] + "\n"
        "class Visitor(Base):\n"
        "    wait_time = constant(0.1)\n\n"
        "    @task\n"
        "    def visit(self):\n"
        "        self.client.get('/redirect-off', name='off')\n"
        "        self.client.get('/ok', name='ok')\n"
    )
    profile = LoadProfile("x", users=2, duration=2)
    with FaultyServer() as api, FaultyServer() as elsewhere:
        api.redirect_off_to(f"http://0.0.0.0:{elsewhere.port}/ok")
        spec = RunSpec("x", api.url, (locustfile,), plan(profile), tmp_path)
        raw = run_profile(spec)
        result = load_result(raw, suite="t", profile="x", shape="ramp")
        assert api.hits["redirect-off"] > 0 and api.hits["ok"] > 0
        assert sum(elsewhere.hits.values()) == 0, elsewhere.hits
    off = {e.name: e for e in result.endpoints}["off"]
    assert off.failures == off.requests > 0
    assert any("refused to follow a redirect to 0.0.0.0" in e["error"] for e in raw["errors"]), raw["errors"]


def test_a_redirect_to_an_allowed_host_is_followed(tmp_path):
    locustfile = tmp_path / "users.py"
    locustfile.write_text(
        USERS["FastHttpUser"] + "\n"
        "class Visitor(Base):\n"
        "    wait_time = constant(0.2)\n\n"
        "    @task\n"
        "    def visit(self):\n"
        "        self.client.get('/redirect-off', name='off')\n"
    )
    profile = LoadProfile("x", users=1, duration=2)
    with FaultyServer() as api, FaultyServer() as elsewhere:
        api.redirect_off_to(f"http://0.0.0.0:{elsewhere.port}/ok")
        spec = RunSpec("x", api.url, (locustfile,), plan(profile), tmp_path, allow_hosts=("0.0.0.0",))
        result = load_result(run_profile(spec), suite="t", profile="x", shape="ramp")
        assert elsewhere.hits["ok"] > 0
    assert result.total.failures == 0
