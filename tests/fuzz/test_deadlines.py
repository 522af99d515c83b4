"""Every fuzz request within its limits, against a real faulty API on 127.0.0.1 (tests/apps/faulty.py): a response
that never ends, trickles, stalls, is too large, breaks off or loops is a finding naming the limit it hit, and the
run ends within a bound however the API behaves; `max_duration` bounds the whole fuzz run."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from apitest.fuzz import deadlines

from ..apps.faulty import FaultyServer, spec
from ..runs import TRACEBACK, Run, report_files

LIMITS = "request_timeout = 1\nconnect_timeout = 1\nmax_response_size = 65536\n"

# fault -> (the limit its finding names, severity)
EXPECTED = {
    "endless": ("max_response_size", "medium"),
    "big": ("max_response_size", "medium"),
    "trickle": ("request_timeout", "high"),
    "stall": ("request_timeout", "high"),
    "slow-start": ("request_timeout", "high"),
    "wrong-length": ("complete_body", "high"),
    "redirect-loop": ("max_redirects", "high"),
}


def faulty_suite(folder: Path, url: str, faults: tuple[str, ...], extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "openapi.json").write_text(json.dumps(spec(faults)))
    (folder / "apitest.toml").write_text(
        f'spec = "openapi.json"\nbase_url = "{url}"\n'
        f'[fuzz]\nmax_examples = 3\nseed = 1\nphases = ["examples", "fuzzing"]\n{LIMITS}{extra}'
    )
    return folder


def test_every_faulty_response_is_a_finding_naming_its_limit_and_the_run_ends(tmp_path):
    faults = ("ok", *EXPECTED, "reset", "invalid-json", "invalid-utf8", "redirect-off")
    with FaultyServer() as server:
        started = time.monotonic()
        with Run(faulty_suite(tmp_path, server.url, faults)) as run:
            status = run.wait(timeout=150)
        took = time.monotonic() - started
        hits = dict(server.hits)
    assert status == 1, run.output[-3000:]
    # 7 limits of 1 s each at most, plus start-up; measured ~10 s on an idle machine: generous for a loaded one
    assert took < 90, took
    report = run.report()
    found = {(f["operation"], f["check"]): f for f in report["findings"]}
    for fault, (limit, severity) in EXPECTED.items():
        finding = found.get((f"GET /{fault}", deadlines.CHECK))
        assert finding is not None, (fault, sorted(found))
        assert finding["details"]["limit"] == limit and limit in finding["message"], finding
        assert finding["severity"] == severity and finding["curl"], finding
    assert ("GET /reset", "connection_dropped") in found
    assert ("GET /invalid-json", "response_schema_conformance") in found
    assert ("GET /invalid-utf8", "response_schema_conformance") in found
    assert ("GET /redirect-off", "status_code_conformance") in found  # not followed to another host
    assert not any(op == "GET /ok" for op, _ in found)
    # each faulty operation stopped after its first answer over a limit (no retry storm); a loop stops at 30 redirects
    assert all(hits.get(fault, 0) <= 5 for fault in EXPECTED if fault != "redirect-loop"), hits
    assert hits["redirect-loop"] <= 5 * 31, hits
    assert not TRACEBACK.search(run.output)
    assert not any(TRACEBACK.search(text) for text in report_files(tmp_path).values())


def test_max_duration_ends_the_fuzz_run_and_names_what_it_left_untested(tmp_path):
    faults = ("ok", "slow-start", "trickle", "stall", "invalid-json")
    extra = "max_duration = 2\n"
    with FaultyServer() as server:
        started = time.monotonic()
        with Run(faulty_suite(tmp_path, server.url, faults, extra)) as run:
            status = run.wait(timeout=120)
        took = time.monotonic() - started
    assert status == 1, run.output[-3000:]
    assert took < 60, took
    items = {i["name"]: i for i in run.report()["items"]}
    cut = [name for name, item in items.items() if "max_duration (2 s)" in (item["error"] or "")]
    assert cut, items
    for name in cut:
        assert items[name]["outcome"] != "passed"
    assert "max_duration" in run.output and not TRACEBACK.search(run.output)


class _Session(requests.Session):
    pass


@pytest.fixture
def bounded(monkeypatch):
    """requests' Session.send on a session class of our own, within deadlines.send, limits for the server's URL."""
    original = requests.Session.send

    def send(session, request, **kwargs):
        return deadlines.send(original, session, request, **kwargs)

    monkeypatch.setattr(_Session, "send", send)
    with FaultyServer() as server:
        yield server


def test_a_stalled_body_ends_at_the_deadline_not_a_read_timeout_later(bounded):
    # The socket's timeout shrinks with the time left: a body that stalls after its headers ends the exchange at the
    # deadline, not `request_timeout` after the last byte.
    deadlines.register(bounded.url, deadlines.Limits(connect_s=1, first_byte_s=1.5, total_s=1.5, max_bytes=1 << 20))
    started = time.monotonic()
    with pytest.raises(deadlines.LimitExceeded) as caught:
        _Session().get(bounded.url + "/stall", timeout=30)
    assert caught.value.limit == "request_timeout"
    assert 1.0 < time.monotonic() - started < 10


def test_the_first_byte_has_its_own_limit(bounded):
    deadlines.register(bounded.url, deadlines.Limits(connect_s=1, first_byte_s=0.5, total_s=20, max_bytes=1 << 20))
    with pytest.raises(deadlines.LimitExceeded, match="first_byte_timeout") as caught:
        _Session().get(bounded.url + "/slow-start")
    assert caught.value.limit == "first_byte_timeout"


def test_a_body_read_within_limits_is_the_response_content(bounded):
    deadlines.register(bounded.url, deadlines.Limits(max_bytes=1024))
    response = _Session().get(bounded.url + "/ok")
    assert response.json() == {"ok": True}
    with pytest.raises(deadlines.LimitExceeded, match=r"over 1,024 bytes \(max_response_size\): it declares"):
        _Session().get(bounded.url + "/big")
    with pytest.raises(deadlines.LimitExceeded, match=r"over 1,024 bytes \(max_response_size\): apitest had read"):
        _Session().get(bounded.url + "/endless")
    with pytest.raises(deadlines.BrokenBody, match="of the 500 its Content-Length declares"):
        _Session().get(bounded.url + "/wrong-length")


def test_limits_are_per_base_url_and_shared_by_threads():
    deadlines.register("http://127.0.0.1:1/api/", deadlines.Limits(total_s=3))
    deadlines.register("http://127.0.0.1:1/api/v2", deadlines.Limits(total_s=4))
    seen: list[float] = []
    thread = threading.Thread(
        target=lambda: seen.append(deadlines.LIMITS.for_url("http://127.0.0.1:1/api/v2/x").total_s)
    )
    thread.start()
    thread.join(5)
    assert seen == [4]
    assert deadlines.LIMITS.for_url("http://127.0.0.1:1/api?q=1").total_s == 3
    assert deadlines.LIMITS.for_url("http://127.0.0.1:1/apix").total_s == deadlines.Limits().total_s


def test_a_request_that_went_over_a_limit_is_not_sent_again(bounded):
    # Hypothesis replays a failing case to confirm it: the replay fails at once, with the same limit.
    deadlines.register(bounded.url, deadlines.Limits(connect_s=1, first_byte_s=2, total_s=2, max_bytes=1 << 20))
    with pytest.raises(deadlines.LimitExceeded):
        _Session().get(bounded.url + "/stall?n=1")
    started = time.monotonic()
    with pytest.raises(deadlines.LimitExceeded, match="request_timeout"):
        _Session().get(bounded.url + "/stall?n=1")
    assert time.monotonic() - started < 1.5  # sent again, it would take the 2 s deadline
    assert bounded.hits["stall"] == 1
    deadlines.register(bounded.url, deadlines.Limits(connect_s=1, first_byte_s=0.5, total_s=0.5, max_bytes=1 << 20))
    with pytest.raises(deadlines.LimitExceeded):  # another request is sent
        _Session().get(bounded.url + "/stall?n=2", headers={"X-Other": "1"})
    assert bounded.hits["stall"] == 2


def test_a_replayed_limit_finding_still_fails_naming_the_limit_within_the_deadline(tmp_path):
    with FaultyServer() as server:
        with Run(faulty_suite(tmp_path, server.url, ("ok", "trickle"))) as run:
            assert run.wait(timeout=120) == 1, run.output[-3000:]
        (finding,) = [f for f in run.report()["findings"] if f["check"] == deadlines.CHECK]
        started = time.monotonic()
        replay = subprocess.run(
            [sys.executable, "-m", "apitest", "replay", "apitest-report/report.json", finding["fingerprint"]],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        took = time.monotonic() - started
    assert replay.returncode == 1, replay.stdout + replay.stderr
    assert "FAILS" in replay.stdout and "over a limit again" in replay.stdout and "request_timeout" in replay.stdout
    assert took < 60
    assert server.hits["trickle"] >= 2  # the replay sent it again (a run's memory of a failed request is its own)


def test_a_follow_up_request_over_a_limit_is_a_note_not_a_crash(tmp_path):
    document = spec(("guarded",))
    document["components"] = {"securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "Authorization"}}}
    document["security"] = [{"key": []}]
    (tmp_path / "openapi.json").write_text(json.dumps(document))
    with FaultyServer() as server:
        (tmp_path / "apitest.toml").write_text(
            f'spec = "openapi.json"\nbase_url = "{server.url}"\n[auth.headers]\nAuthorization = "Bearer k-1234"\n'
            f'[fuzz]\nmax_examples = 3\nseed = 1\nphases = ["examples", "fuzzing"]\n{LIMITS}'
        )
        with Run(tmp_path) as run:
            run.wait(timeout=120)
        anonymous = server.hits["guarded"]
    assert anonymous and not TRACEBACK.search(run.output), run.output[-3000:]
    items = {i["name"]: i for i in run.report()["items"]}
    follow = items["follow-up"]
    assert follow["outcome"] != "error" and not follow["error"], follow
    assert any("request_timeout" in note for note in follow["notes"]), follow
