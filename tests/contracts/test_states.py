from __future__ import annotations

import re
import threading

import httpx
import pytest

from apitest.contracts import UnknownStateError
from apitest.contracts.states import StateServer, load_handler, no_handler
from apitest.errors import ConfigError

HANDLERS = """
from apitest.contracts import UnknownStateError

calls = []

def full(state, params, action, base_url):
    calls.append(("full", state, params, action, base_url))

def by_name(action, state):
    calls.append(("by_name", state, action))
    if state == "broken":
        raise ValueError("no database")
    if state == "unknown":
        raise UnknownStateError(state)

def positional(s, p):
    calls.append(("positional", s, p))

TABLE = {"a user exists": lambda params, base_url: calls.append(("table", params, base_url))}
NOT_CALLABLE = 3
"""


@pytest.fixture
def states_module(tmp_path, monkeypatch):
    (tmp_path / "my_states.py").write_text(HANDLERS)
    yield tmp_path
    import sys

    sys.modules.pop("my_states", None)


def test_functions_are_called_with_the_arguments_they_name(states_module):
    import importlib

    for ref in ("my_states:full", "my_states:by_name", "my_states:positional", "my_states:TABLE"):
        load_handler(ref, states_module, "apitest.toml")("a user exists", {"id": 1}, "setup", "http://127.0.0.1:1")
    calls = importlib.import_module("my_states").calls
    assert calls == [
        ("full", "a user exists", {"id": 1}, "setup", "http://127.0.0.1:1"),
        ("by_name", "a user exists", "setup"),
        ("positional", "a user exists", {"id": 1}),
        ("table", {"id": 1}, "http://127.0.0.1:1"),
    ]


def test_a_mapping_raises_unknown_state_for_a_missing_key(states_module):
    handler = load_handler("my_states:TABLE", states_module, "apitest.toml")
    with pytest.raises(UnknownStateError):
        handler("no such state", {}, "setup", "")
    with pytest.raises(UnknownStateError):
        no_handler("anything", {}, "setup", "")


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("nowhere:fn", "apitest.toml [contracts]: states = 'nowhere:fn': cannot import 'nowhere'"),
        ("my_states:missing", "module 'my_states' has no attribute 'missing'"),
        ("my_states:NOT_CALLABLE", "is neither a function nor a mapping"),
    ],
)
def test_bad_references_are_config_errors(states_module, ref, message):
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_handler(ref, states_module, "apitest.toml")


def test_server_answers_200_and_records_outcomes(states_module):
    handler = load_handler("my_states:by_name", states_module, "apitest.toml")
    server = StateServer(handler, "http://127.0.0.1:1")
    try:
        for token, state in (("0", "ready"), ("1", "broken"), ("2", "unknown"), ("3", "")):
            response = httpx.post(
                server.url_for(token), json={"state": state, "params": {"x": 1}, "action": "setup"}, timeout=5
            )
            assert response.status_code == 200
        assert [c.ok for c in server.calls_for("0")] == [True]
        (broken,) = server.calls_for("1")
        assert broken.error is not None and broken.error.startswith("ValueError: no database (at my_states.py:")
        (unknown,) = server.calls_for("2")
        assert unknown.unknown and not unknown.ok
        assert server.calls_for("3") == []  # pact's generic state: nothing to do
        assert (
            httpx.post(server.url.rstrip("/").rsplit("/", 1)[0] + "/elsewhere", json={}, timeout=5).status_code == 404
        )
    finally:
        server.close()


def test_a_hanging_handler_shows_as_running_and_does_not_block_close():
    release = threading.Event()

    def hang(state: str, params: dict[str, object], action: str, base_url: str) -> None:
        release.wait(10)

    server = StateServer(hang, "http://127.0.0.1:1")
    try:
        thread = threading.Thread(
            target=lambda: httpx.post(server.url_for("7"), json={"state": "slow", "action": "setup"}, timeout=10)
        )
        thread.start()
        for _ in range(200):
            if server.calls_for("7"):
                break
            threading.Event().wait(0.01)
        (call,) = server.calls_for("7")
        assert call.running and not call.ok
    finally:
        server.close()
        release.set()
        thread.join(5)
