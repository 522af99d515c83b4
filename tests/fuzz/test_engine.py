"""Pins the parts of schemathesis's engine that apitest/fuzz/_engine.py uses, over real HTTP."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from apitest.config import load_suite
from apitest.fuzz import _engine
from apitest.results import Source

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def live_buggy() -> str:
    """tests/apps/inventory.py's buggy app in its own uvicorn process on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "tests.apps.inventory:buggy", "--port", str(port), "--log-level", "error"],
        cwd=ROOT,
        stderr=subprocess.DEVNULL,  # the planted 500s print tracebacks
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(url + "/health", timeout=1)
            break
        except httpx.TransportError:
            if time.monotonic() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("uvicorn did not start")
            time.sleep(0.1)
    yield url
    proc.terminate()
    proc.wait(10)


def test_config_dict_maps_suite_settings(tmp_path):
    (tmp_path / "apitest.toml").write_text(
        'serve = "a:b"\n[auth.headers]\nX-Key = "k"\n[fuzz]\nchecks = ["not_a_server_error"]\nexclude_checks = ["use_after_free"]\n'
        "max_response_time = 0.5\nseed = 4\n[fuzz.schemathesis.generation]\ndeterministic = true\n"
    )
    data = _engine.config_dict(load_suite(tmp_path / "apitest.toml"), "http://127.0.0.1:1", ("coverage",))
    assert data["headers"] == {"X-Key": "k"}
    assert data["seed"] == 4
    assert data["phases"]["coverage"] == {"enabled": True} and data["phases"]["fuzzing"] == {"enabled": False}
    assert data["checks"]["enabled"] is False and data["checks"]["not_a_server_error"] == {"enabled": True}
    assert data["checks"]["use_after_free"] == {"enabled": False}
    assert data["checks"]["max_response_time"] == 0.5
    assert data["generation"] == {"max-examples": 50, "mode": "all", "deterministic": True}


def test_live_server_over_http(live_buggy, tmp_path):
    doc = httpx.get(live_buggy + "/openapi.json").json()
    (tmp_path / "apitest.toml").write_text(f'base_url = "{live_buggy}"\n[fuzz]\nmax_examples = 15\nseed = 2\n')
    suite = load_suite(tmp_path / "apitest.toml")
    schema = _engine.build_schema(doc, suite, live_buggy, ("examples", "coverage", "fuzzing"))
    run = _engine.SuiteRun(schema, ["GET /items/{item_id}"], stateful=False).result("GET /items/{item_id}")
    assert run.cases > 0
    server_errors = [f for f in run.findings if f.check == "not_a_server_error"]
    assert len(server_errors) == 1, [f.check for f in run.findings]
    finding = server_errors[0]
    assert finding.source is Source.FUZZ and finding.operation == "GET /items/{item_id}"
    assert finding.exchange is not None and finding.exchange.status == 500
    # the curl line reproduces the failure against the live server
    url = finding.curl.split()[-1].strip("'") if finding.curl else ""
    assert httpx.get(url).status_code == 500
    assert 500 in run.statuses["GET /items/{item_id}"]
    json.dumps(run.elapsed_ms)


def test_unreachable_mid_run_is_target_error(tmp_path):
    from tests.apps.inventory import app

    (tmp_path / "apitest.toml").write_text('base_url = "http://127.0.0.1:9"\n[fuzz]\nmax_examples = 3\n')
    suite = load_suite(tmp_path / "apitest.toml")
    schema = _engine.build_schema(app.openapi(), suite, "http://127.0.0.1:9", ("fuzzing",))
    from apitest.errors import TargetError

    with pytest.raises(TargetError, match="stopped answering"):
        _engine.SuiteRun(schema, ["GET /items"], stateful=False).result("GET /items")
