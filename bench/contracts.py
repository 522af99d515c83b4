"""apitest's provider verification against pact-python's Verifier, on the same work, in paired rounds.

    python bench/contracts.py                          # 300 interactions, 5 paired rounds
    python bench/contracts.py --interactions 1000 --rounds 3

Both sides verify the same pact file against the same demo bookstore (uvicorn in a child process on 127.0.0.1,
served the way a suite's `serve` does), with the same provider states (the demo's `provider_state`, setup and
teardown, on every fourth interaction) and the same `X-API-Key` header added to every request:

* apitest: `PactVerification`, one interaction at a time in a child process, each with its own deadline and
  result, the state changes through apitest's state server;
* pact-python: `Verifier(...).state_handler(fn, teardown=True).add_custom_header(...)` on the whole file in one
  call, in-process (pact-python runs the state handler itself).

Each round runs both (bench/_paired.py), in alternating order, each run in a working folder of its own against a
demo API started for it alone (the demo's store changes as it is verified), and takes apitest's time over pact's;
the median and spread of the per-round ratios is the figure (one round's noise, on a shared machine, does not
decide it). The offline cross-check of the same interactions against the spec is timed once at the start.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apitest.contracts.crosscheck import SpecIndex  # noqa: E402
from apitest.contracts.findings import verdict_findings  # noqa: E402
from apitest.contracts.pactfile import PactDocument, parse_pact  # noqa: E402
from apitest.contracts.verification import PactVerification  # noqa: E402
from apitest.demo.states import provider_state  # noqa: E402
from apitest.spec import load_document  # noqa: E402
from apitest.target import ServedApp  # noqa: E402
from bench._paired import Side, machine, paired, ratios  # noqa: E402

HEADERS = {"X-API-Key": "demo-key"}
INTEGER = {"combine": "AND", "matchers": [{"match": "integer"}]}
TYPE = {"combine": "AND", "matchers": [{"match": "type"}]}


def interaction(i: int) -> dict[str, Any]:
    kind = i % 4
    if kind in (0, 1):
        book = 1 + i % 3
        item: dict[str, Any] = {
            "description": f"book {book} #{i}",
            "request": {"method": "GET", "path": f"/v1/books/{book}", "headers": HEADERS},
            "response": {
                "status": 200,
                "headers": {"Content-Type": "application/json", "ETag": '"0"'},
                "body": {
                    "id": book,
                    "title": "Dune",
                    "author": "x",
                    "isbn": "9780441172719",
                    "price_cents": 1,
                    "published_year": 1965,
                },
                "matchingRules": {
                    "body": {
                        "$.id": INTEGER,
                        "$.title": TYPE,
                        "$.author": TYPE,
                        "$.isbn": {"matchers": [{"match": "regex", "regex": "^97[89][0-9]{10}$"}]},
                        "$.price_cents": INTEGER,
                        "$.published_year": INTEGER,
                    },
                    "header": {"ETag": {"matchers": [{"match": "regex", "regex": '^(W/)?"[^"]*"$'}]}},
                },
            },
        }
        if kind == 0:
            item["providerStates"] = [{"name": "a book exists", "params": {"id": book}}]
        return item
    if kind == 2:
        return {
            "description": f"catalogue page #{i}",
            "request": {"method": "GET", "path": "/v1/books", "query": {"limit": ["2"]}, "headers": HEADERS},
            "response": {
                "status": 200,
                "headers": {"Content-Type": "application/json"},
                "body": {"items": [{"id": 1, "title": "Dune"}], "total": 3, "limit": 2, "offset": 0},
                "matchingRules": {
                    "body": {
                        "$.items": {"matchers": [{"match": "type", "min": 1}]},
                        "$.items[*].id": INTEGER,
                        "$.total": INTEGER,
                    }
                },
            },
        }
    return {
        "description": f"health #{i}",
        "request": {"method": "GET", "path": "/health"},
        "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": {"status": "ok"}},
    }


def apitest_side(document: PactDocument, base_url: str) -> tuple[float, int]:
    """apitest's verification of every interaction; (seconds, interactions with findings)."""
    started = time.perf_counter()
    verification = PactVerification(
        document,
        base_url=base_url,
        handler=provider_state,
        headers=HEADERS,
        timeout_s=30.0,
        request_timeout_s=10.0,
        order=[i.index for i in document.interactions],
    )
    failed = 0
    try:
        for i in document.interactions:
            verdict = verification.verdict(i.index)
            failed += bool(verdict_findings(document, i, verdict, operation="", base_url=base_url, headers=HEADERS))
    finally:
        verification.close()
    return time.perf_counter() - started, failed


def pact_side(path: Path, base_url: str) -> tuple[float, bool]:
    """pact-python's Verifier on the whole file, same states and header; (seconds, passed)."""
    from pact import Verifier

    def state(state: str, action: str, parameters: dict[str, Any] | None = None) -> None:
        if state:  # pact also calls the handler with "" around every interaction: a generic hook, unused here
            provider_state(state, parameters or {}, action, base_url)

    started = time.perf_counter()
    verifier = (
        Verifier("bookstore", host="127.0.0.1")
        .add_transport(url=base_url)
        .add_source(str(path))
        .state_handler(state, teardown=True)
    )
    for name, value in HEADERS.items():
        verifier.add_custom_header(name, value)
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)  # pact prints a report line per interaction, its state server a log line per call
    os.dup2(devnull, 2)
    passed = True
    try:
        verifier.verify()
    except RuntimeError:
        passed = False
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (*saved, devnull):
            os.close(fd)
    return time.perf_counter() - started, passed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interactions", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

    data = {
        "consumer": {"name": "bench"},
        "provider": {"name": "bookstore"},
        "interactions": [interaction(i) for i in range(args.interactions)],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    folder = Path(tempfile.mkdtemp(prefix="apitest-bench-contracts-"))
    path = folder / "bench.json"
    path.write_text(json.dumps(data))
    served = ServedApp("apitest.demo.app:app", ROOT, "bench", log=folder / "serve.log")
    try:
        document = parse_pact(data, "bench.json")
        n = len(document.interactions)
        print(f"interactions: {n} (every 4th with a provider state), rounds: {args.rounds}; {machine('start')}")

        spec = load_document(served.base_url + "/openapi.json")
        started = time.perf_counter()
        index = SpecIndex(spec)
        gaps = sum(len(index.check(i).gaps) for i in document.interactions)
        crosscheck_s = time.perf_counter() - started
        print(
            f"cross-check (offline, against the spec): {crosscheck_s:.3f} s, {n / crosscheck_s:,.0f} interactions/s, gaps: {gaps}"
        )
    finally:
        served.close()

    def fresh(verify: Callable[[str], tuple[float, str]]) -> Callable[[Path], tuple[float, str]]:
        def side(folder: Path) -> tuple[float, str]:
            app = ServedApp("apitest.demo.app:app", ROOT, "bench", log=folder / "serve.log")
            try:
                return verify(app.base_url)
            finally:
                app.close()

        return side

    def ours(base_url: str) -> tuple[float, str]:
        seconds, failed = apitest_side(document, base_url)
        return seconds, f"{failed} failed"

    def theirs(base_url: str) -> tuple[float, str]:
        seconds, passed = pact_side(path, base_url)
        return seconds, "passed" if passed else "FAILED"

    done = []
    for r in paired([Side("apitest", fresh(ours)), Side("pact", fresh(theirs))], args.rounds):
        done.append(r)
        (at, a_outcome), (pt, p_outcome) = r.results["apitest"], r.results["pact"]
        print(
            f"round {r.number} ({' then '.join(r.order)}): apitest {at:.3f} s ({a_outcome}), "
            f"pact Verifier {pt:.3f} s ({p_outcome}), ratio {at / pt:.2f}"
        )
    print(f"time, apitest / pact Verifier, per round: {ratios(done, lambda x: x[0], 'apitest', 'pact').describe()}")
    print(machine("end"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
