"""apitest's start-up GET (spec, reachability) is bounded too: a deadline for the whole answer and a size cap; a
`user:password@` in the URL is basic auth, not part of the host name."""

from __future__ import annotations

import base64
import time

import pytest

from apitest.fetch import FetchError, get

from .apps.faulty import FaultyServer


@pytest.fixture(scope="module")
def api():
    with FaultyServer() as server:
        yield server


def test_a_trickled_answer_ends_at_the_deadline(api):
    started = time.monotonic()
    with pytest.raises(FetchError, match="no complete answer within 1 s"):
        get(api.url + "/trickle", timeout=1)
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("fault", ["endless", "big"])
def test_an_answer_over_the_cap_is_refused(api, fault):
    with pytest.raises(FetchError, match="the answer is over 65,536 bytes"):
        get(api.url + f"/{fault}", timeout=10, max_bytes=65536)


def test_userinfo_is_sent_as_basic_auth(api):
    host = api.url.split("//", 1)[1]
    answer = get(f"http://bob:p%40ss@{host}/ok", timeout=5)
    assert answer.status == 200 and answer.text == '{"ok": true}'
    assert "Basic " + base64.b64encode(b"bob:p@ss").decode() in api.authorization
