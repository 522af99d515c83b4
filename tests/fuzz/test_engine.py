"""Pins the parts of schemathesis's engine that apitest/fuzz/_engine.py uses, over real HTTP."""

from __future__ import annotations

import contextlib
import gc
import http.server
import json
import threading
from datetime import UTC
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from apitest.fuzz import _engine
from apitest.fuzz.status import RunStatus
from apitest.results import Source
from apitest.settings import STATEFUL_PHASE, STATELESS_PHASES, resolve_suite as load_suite
from apitest.target import ServedApp

if TYPE_CHECKING:
    from collections.abc import Iterator

    from schemathesis.schemas import BaseSchema

ROOT = Path(__file__).parents[2]


@pytest.fixture(scope="module")
def live_buggy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """tests/apps/inventory.py's buggy app in its own uvicorn process on 127.0.0.1."""
    served = ServedApp("tests.apps.inventory:buggy", ROOT, "test", log=tmp_path_factory.mktemp("logs") / "serve.log")
    yield served.base_url
    served.close()


def test_config_dict_maps_suite_settings(tmp_path):
    (tmp_path / "apitest.toml").write_text(
        'serve = "a:b"\n[auth.headers]\nX-Key = "k"\n[fuzz]\nchecks = ["not_a_server_error", "location_on_201"]\n'
        'exclude_checks = ["use_after_free", "slow_operation"]\n'
        "max_response_time = 0.5\nseed = 4\n[fuzz.schemathesis.generation]\ndeterministic = true\n"
    )
    data = _engine.config_dict(load_suite(tmp_path / "apitest.toml"), "http://127.0.0.1:1", ("coverage",))
    assert data["headers"] == {"X-Key": "k"}
    assert data["seed"] == 4
    assert data["phases"]["coverage"] == {"enabled": True} and data["phases"]["fuzzing"] == {"enabled": False}
    assert data["checks"]["enabled"] is False and data["checks"]["not_a_server_error"] == {"enabled": True}
    assert data["checks"]["use_after_free"] == {"enabled": False}
    assert data["checks"]["max_response_time"] == 0.5
    # apitest's own checks are not the engine's: they never reach its config
    assert "location_on_201" not in data["checks"] and "slow_operation" not in data["checks"]
    assert _engine.own_checks(load_suite(tmp_path / "apitest.toml")) == ("location_on_201",)
    # nothing of an earlier run (example database, request cache) changes what a run sends
    assert data["generation"] == {"max-examples": 50, "mode": "all", "database": "none", "deterministic": True}
    assert data["cache"]["enabled"] is False


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


@pytest.fixture(scope="module")
def live_notes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    served = ServedApp("tests.apps.notes:app", ROOT, "test", log=tmp_path_factory.mktemp("logs") / "serve.log")
    yield served.base_url
    served.close()


def notes_schema(url: str, tmp_path: Path, phases: tuple[str, ...] = STATELESS_PHASES) -> BaseSchema:
    (tmp_path / "apitest.toml").write_text(f'base_url = "{url}"\n[fuzz]\nmax_examples = 10\nseed = 3\n')
    doc = httpx.get(url + "/openapi.json").json()
    return _engine.build_schema(doc, load_suite(tmp_path / "apitest.toml"), url, phases)


def test_one_engine_run_lets_operations_learn_from_each_other(live_notes, tmp_path):
    # Note IDs are UUIDs the API mints: only an ID taken from POST /notes's answer finds a note.
    schema = notes_schema(live_notes, tmp_path)
    alone = _engine.SuiteRun(schema, ["GET /notes/{note_id}"], stateful=False).result("GET /notes/{note_id}")
    assert 200 not in alone.statuses["GET /notes/{note_id}"]
    together = _engine.SuiteRun(schema, ["POST /notes", "GET /notes/{note_id}"], stateful=False)
    read = together.result("GET /notes/{note_id}")  # pulled first, though the engine runs POST first
    assert 200 in read.statuses["GET /notes/{note_id}"]
    assert "POST /notes" not in read.statuses  # each operation's cases stay with its own item
    created = together.result("POST /notes")
    assert 201 in created.statuses["POST /notes"] and created.cases > 0


def test_each_part_of_a_run_is_handed_out_once(live_notes, tmp_path):
    run = _engine.SuiteRun(notes_schema(live_notes, tmp_path), ["POST /notes"], stateful=False)
    assert run.claimable("POST /notes") and not run.claimable("GET /notes/{note_id}")
    run.result("POST /notes")
    assert not run.claimable("POST /notes")
    with pytest.raises(KeyError):
        run.result("POST /notes")


def test_gc_is_tuned_only_while_the_engine_runs(live_notes, tmp_path):
    before = gc.get_threshold()
    during: list[int] = []

    class Sink:
        def update(self, status: RunStatus) -> None:
            during.append(gc.get_threshold()[0])

        def clear(self) -> None:
            pass

    run = _engine.SuiteRun(notes_schema(live_notes, tmp_path), ["POST /notes"], stateful=False, progress=Sink())
    run.result("POST /notes")
    assert during and min(during) >= 10_000
    assert gc.get_threshold() == before


def test_close_stops_the_engine_and_keeps_what_was_gathered(live_notes, tmp_path):
    schema = notes_schema(live_notes, tmp_path, ("examples", "coverage", "fuzzing", "stateful"))
    run = _engine.SuiteRun(schema, ["POST /notes", "GET /notes/{note_id}"], stateful=True)
    first = run.result("POST /notes")
    run.close()  # e.g. pytest -x stopped the session: the stateful phase never starts
    assert first.cases > 0
    assert run.result(STATEFUL_PHASE).cases == 0


def test_unreachable_mid_run_is_target_error(tmp_path):
    from tests.apps.inventory import app

    (tmp_path / "apitest.toml").write_text('base_url = "http://127.0.0.1:9"\n[fuzz]\nmax_examples = 3\n')
    suite = load_suite(tmp_path / "apitest.toml")
    schema = _engine.build_schema(app.openapi(), suite, "http://127.0.0.1:9", ("fuzzing",))
    from apitest.errors import TargetError

    with pytest.raises(TargetError, match="stopped answering"):
        _engine.SuiteRun(schema, ["GET /items"], stateful=False).result("GET /items")


def test_an_error_on_one_operation_stays_with_its_item(tmp_path):
    """An operation schemathesis cannot generate for errors its own item; the others run as usual."""
    from tests.apps.inventory import app

    doc = app.openapi()
    # an unsatisfiable query parameter: minimum above maximum
    doc["paths"]["/items"]["get"]["parameters"] = [
        {"name": "n", "in": "query", "required": True, "schema": {"type": "integer", "minimum": 5, "maximum": 1}}
    ]
    served = ServedApp("tests.apps.inventory:app", ROOT, "test", log=tmp_path / "serve.log")
    try:
        # positive data only: nothing satisfies the parameter, so no case of GET /items can be generated at all
        (tmp_path / "apitest.toml").write_text(
            f'base_url = "{served.base_url}"\n[fuzz]\nmax_examples = 5\nmode = "positive"\n'
        )
        schema = _engine.build_schema(doc, load_suite(tmp_path / "apitest.toml"), served.base_url, ("fuzzing",))
        run = _engine.SuiteRun(schema, ["GET /items", "GET /health"], stateful=False)
        with pytest.raises(_engine.EngineError):
            run.result("GET /items")
        assert run.result("GET /health").cases > 0
    finally:
        served.close()


def test_os_environ_is_locked_while_an_engine_run_is_under_way(live_notes, tmp_path):
    import os

    from apitest.fuzz.environ import _LockedEnviron

    seen: list[type] = []

    class Sink:
        def update(self, status: RunStatus) -> None:
            seen.append(type(os.environ))

        def clear(self) -> None:
            pass

    active = _engine.LOCKED_ENVIRON._active
    run = _engine.SuiteRun(notes_schema(live_notes, tmp_path), ["POST /notes"], stateful=False, progress=Sink())
    run.result("POST /notes")
    assert seen and set(seen) == {_LockedEnviron}
    assert _engine.LOCKED_ENVIRON._active == active  # this run gave its lock back when it ended


def test_a_phase_that_cannot_test_an_operation_loses_nothing_the_rest_of_the_run_found(tmp_path):
    # httpbin's GET /etag/{etag} does not declare its path parameter: each phase reports a schema error for it, yet
    # the engine still sends requests for it (probes, what it can build) and finds failures; keep them, say why.
    from tests.apps.inventory import app

    doc = app.openapi()
    doc["paths"]["/items/{item_id}"]["get"]["parameters"] = [
        {"name": "If-None-Match", "in": "header", "required": False, "schema": {"type": "string"}}
    ]
    served = ServedApp("tests.apps.inventory:buggy", ROOT, "test", log=tmp_path / "serve.log")
    try:
        (tmp_path / "apitest.toml").write_text(f'base_url = "{served.base_url}"\n[fuzz]\nmax_examples = 10\nseed = 1\n')
        phases = ("examples", "coverage", "fuzzing")
        schema = _engine.build_schema(doc, load_suite(tmp_path / "apitest.toml"), served.base_url, phases)
        run = _engine.SuiteRun(schema, ["GET /items/{item_id}", "GET /health"], stateful=False)
        result = run.result("GET /items/{item_id}")
        assert result.findings and result.statuses["GET /items/{item_id}"]
        assert result.problems and all("Path parameter 'item_id' is not defined" in p for p in result.problems)
        assert {p.split(":")[0] for p in result.problems} == set(phases)
    finally:
        served.close()


class _Dropping(http.server.BaseHTTPRequestHandler):
    """Answers GET /health; on GET /crash closes the connection without a word, as a server whose handler crashed."""

    def do_GET(self) -> None:
        if self.path.startswith("/crash"):
            self.close_connection = True
            return
        body = b'{"status": "ok"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_a_dropped_connection_is_a_finding_and_the_run_goes_on(tmp_path):
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "dropping", "version": "1"},
        "paths": {"/crash": {"get": {"responses": ok}}, "/health": {"get": {"responses": ok}}},
    }
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Dropping)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        (tmp_path / "apitest.toml").write_text(f'base_url = "{base_url}"\n[fuzz]\nmax_examples = 3\nseed = 1\n')
        schema = _engine.build_schema(doc, load_suite(tmp_path / "apitest.toml"), base_url, ("examples", "fuzzing"))
        run = _engine.SuiteRun(schema, ["GET /crash", "GET /health"], stateful=False)
        crash = run.result("GET /crash")
        assert [(f.check, f.operation, f.severity.value) for f in crash.findings] == [
            ("connection_dropped", "GET /crash", "critical")
        ]
        assert "curl" in (crash.findings[0].curl or "") and "/crash" in (crash.findings[0].curl or "")
        assert run.result("GET /health").cases > 0  # the run went on
    finally:
        server.shutdown()
        server.server_close()


class _Limited(http.server.BaseHTTPRequestHandler):
    """Every answer is a 429 asking the client to wait 30 s."""

    def do_GET(self) -> None:
        body = b"{}"
        self.send_response(429)
        self.send_header("Retry-After", "30")
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


QUERY = [{"name": "q", "in": "query", "required": True, "schema": {"type": "integer"}}]


@pytest.mark.parametrize("pause", [0.0, 0.2])
def test_the_engine_waits_out_retry_after_up_to_the_suite_pause(tmp_path, pause):
    ok = {"429": {"description": "slow down", "content": {"application/json": {"schema": {"type": "object"}}}}}
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {"/limited": {"get": {"parameters": QUERY, "responses": ok}}},
    }
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Limited)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        (tmp_path / "apitest.toml").write_text(f'base_url = "{base_url}"\n[fuzz]\nmax_examples = 3\nseed = 1\n')
        schema = _engine.build_schema(doc, load_suite(tmp_path / "apitest.toml"), base_url, ("examples", "fuzzing"))
        before = _engine.TRANSPORT.paused_s
        cases = _engine.SuiteRun(schema, ["GET /limited"], stateful=False, pause=pause).result("GET /limited").cases
        waited = _engine.TRANSPORT.paused_s - before
        assert cases >= 2
        if pause:  # every request after the first waited, each no longer than the pause (not the 30 s asked)
            assert 0 < waited <= pause * cases + 0.5
        else:
            assert waited == 0
    finally:
        server.shutdown()
        server.server_close()


def test_retry_after_is_seconds_or_a_date():
    from datetime import datetime, timedelta
    from email.utils import format_datetime

    from apitest.fuzz.practice import retry_after_seconds

    assert retry_after_seconds("7") == 7.0 and retry_after_seconds(" 0 ") == 0.0
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=100), usegmt=True)
    assert 90 < retry_after_seconds(later) <= 100
    assert retry_after_seconds("soon") == 1.0


def test_the_two_users_file_leaves_the_disk_once_the_schema_is_built(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    (tmp_path / "apitest.toml").write_text(
        'base_url = "http://127.0.0.1:9"\n[auth.headers]\nX-Key = "first-secret"\n'
        '[auth.secondary.headers]\nX-Key = "second-secret"\n'
    )
    doc = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}}
    schema = _engine.build_schema(doc, load_suite(tmp_path / "apitest.toml"), "http://127.0.0.1:9", ("examples",))
    assert schema.auth.providers  # schemathesis read both users from the file...
    assert list((tmp_path / "tmp").iterdir()) == []  # ...which is gone already


class _Anything(http.server.BaseHTTPRequestHandler):
    """200 with a small JSON body to every GET, PUT and DELETE, as httpbin's echo endpoints (a DELETE removes nothing)."""

    def _answer(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_DELETE = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_an_operation_the_state_machine_cannot_draw_for_leaves_the_stateful_results_standing(tmp_path):
    # httpbin's spec declares /delay/{delay} with `type: int`: in the stateful phase, Hypothesis fails drawing for it
    # after the sequences before found use_after_free on DELETE /anything/{anything}. The schemathesis CLI reports
    # that failure and the error; apitest reported only the error, on the stateful and follow-up items both.
    doc = json.loads((ROOT / "tests/data/specs/httpbin-anything-delay.json").read_text())
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Anything)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        (tmp_path / "apitest.toml").write_text(f'base_url = "{base_url}"\n[fuzz]\nmax_examples = 10\nseed = 1\n')
        phases = ("examples", "coverage", "fuzzing", "stateful")
        schema = _engine.build_schema(doc, load_suite(tmp_path / "apitest.toml"), base_url, phases)
        labels = [f"{m.upper()} {p}" for p, item in doc["paths"].items() for m in item]
        run = _engine.SuiteRun(schema, labels, stateful=True, followups=True)
        for label in labels:
            with contextlib.suppress(_engine.EngineError):  # /delay/{delay}'s own items cannot be tested at all
                run.result(label)
        stateful = run.result(STATEFUL_PHASE)
        assert stateful.cases > 0
        assert ("DELETE /anything/{anything}", "use_after_free") in {(f.operation, f.check) for f in stateful.findings}
        assert stateful.problems and all("Invalid `type` definition" in p for p in stateful.problems)
        run.result(_engine.FOLLOW_UPS)  # the follow-ups are not blamed for it (this raised EngineError)
    finally:
        server.shutdown()
        server.server_close()
