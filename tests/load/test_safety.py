from __future__ import annotations

import pytest

from apitest.errors import UnsafeTargetError
from apitest.load.safety import check_target, is_loopback


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost", "LOCALHOST.", "api.localhost"]
)
def test_loopback(host):
    assert is_loopback(host)


@pytest.mark.parametrize(
    "host", ["10.0.0.1", "192.0.2.1", "example.com", "localhost.example.com", "0.0.0.0", "::", "127.example"]
)
def test_not_loopback(host):
    assert not is_loopback(host)


def test_other_hosts_are_refused_unless_allow_listed():
    assert check_target("http://127.0.0.1:8000/api", (), "suite") == "127.0.0.1"
    assert check_target("https://Staging.example.com", ("staging.example.com",), "suite") == "staging.example.com"
    with pytest.raises(UnsafeTargetError) as info:
        check_target("https://api.example.com/v1", ("staging.example.com",), "suites/shop/apitest.toml [load.spike]")
    message = str(info.value)
    assert message.startswith("suites/shop/apitest.toml [load.spike]: refusing to load api.example.com")
    assert 'allow_hosts = ["api.example.com"]' in message
