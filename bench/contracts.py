"""Time provider verification and the pact/OpenAPI cross-check of 1,000 interactions, and print both.

    python bench/contracts.py                     # 1,000 interactions against the demo bookstore
    python bench/contracts.py --interactions 200 --baseline

The pact mixes GET /v1/books/{id} (matchers, ETag header, a provider state on every fourth), GET /v1/books?limit=
(each-like) and GET /health. The bookstore is served the way a suite's `serve` does (uvicorn in a child process on
127.0.0.1). `--baseline` also times pact-python's Verifier on the whole file in one call, which is what apitest's
one-interaction-at-a-time verification (per-interaction deadlines, results and -k selection) is measured against.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from apitest.contracts.crosscheck import SpecIndex
from apitest.contracts.findings import verdict_findings
from apitest.contracts.pactfile import parse_pact
from apitest.contracts.verification import PactVerification
from apitest.demo.states import provider_state
from apitest.spec import load_document
from apitest.target import ServedApp

ROOT = Path(__file__).resolve().parents[1]
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--interactions", type=int, default=1000)
    parser.add_argument("--baseline", action="store_true", help="also time pact's Verifier on the whole file")
    args = parser.parse_args()

    data = {
        "consumer": {"name": "bench"},
        "provider": {"name": "bookstore"},
        "interactions": [interaction(i) for i in range(args.interactions)],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    folder = Path(tempfile.mkdtemp(prefix="apitest-bench-contracts-"))
    served = ServedApp("apitest.demo.app:app", ROOT, "bench", log=folder / "serve.log")
    try:
        document = parse_pact(data, "bench.json")
        spec = load_document(served.base_url + "/openapi.json")

        started = time.perf_counter()
        index = SpecIndex(spec)
        gaps = sum(len(index.check(i).gaps) for i in document.interactions)
        crosscheck_s = time.perf_counter() - started

        started = time.perf_counter()
        verification = PactVerification(
            document,
            base_url=served.base_url,
            handler=provider_state,
            headers=HEADERS,
            timeout_s=30.0,
            request_timeout_s=10.0,
            order=[i.index for i in document.interactions],
        )
        findings = 0
        for i in document.interactions:
            verdict = verification.verdict(i.index)
            findings += len(
                verdict_findings(document, i, verdict, operation="", base_url=served.base_url, headers=HEADERS)
            )
        verification.close()
        verify_s = time.perf_counter() - started

        n = len(document.interactions)
        print(f"interactions: {n} (every 4th with a provider state), cores: {os.cpu_count()}")
        print(f"cross-check:  {crosscheck_s:8.3f} s  {n / crosscheck_s:9.0f} interactions/s  gaps: {gaps}")
        print(f"verification: {verify_s:8.3f} s  {n / verify_s:9.0f} interactions/s  findings: {findings}")
        if args.baseline:
            path = folder / "bench.json"
            path.write_text(json.dumps(data))
            os.environ.setdefault("PACT_DO_NOT_TRACK", "true")
            from pact import Verifier

            started = time.perf_counter()
            verifier = Verifier("bookstore", host="127.0.0.1").add_transport(url=served.base_url).add_source(str(path))
            sys.stdout.flush()
            saved = os.dup(1)
            os.dup2(os.open(os.devnull, os.O_WRONLY), 1)  # pact prints a report line per interaction
            try:
                verifier.verify()
            except RuntimeError:
                pass
            finally:
                os.dup2(saved, 1)
            whole_s = time.perf_counter() - started
            print(
                f"pact Verifier, whole file, no states, in-process: {whole_s:8.3f} s  {n / whole_s:9.0f} interactions/s"
            )
    finally:
        served.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
