"""The demo suite's burst profile: its storefront locustfile against the correct demo meets the suite's gates."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from apitest.load.measurements import load_result
from apitest.load.runner import RunSpec, run_profile
from apitest.load.shapes import plan
from apitest.load.slo import evaluate
from apitest.settings import resolve_suite as load_suite

from .serving import serve

DEMO_SUITE = Path(__file__).parents[2] / "apitest" / "demo" / "suite" / "apitest.toml"


def test_the_correct_demo_meets_the_burst_gates():
    suite = load_suite(DEMO_SUITE, environ={})
    burst = suite.load.profiles["burst"]
    one_period = dataclasses.replace(burst, duration=burst.period)  # a quiet stretch and one burst
    assert burst.locustfile is not None
    locustfile = (suite.root / burst.locustfile).resolve()
    with serve(suite.serve or "") as base_url:
        spec = RunSpec("burst", base_url, (locustfile,), plan(one_period), suite.root)
        result = load_result(run_profile(spec), suite="demo", profile="burst", shape="burst")
    verdicts, findings = evaluate(result, burst.slos, str(DEMO_SUITE))
    assert findings == [], [f.message for f in findings]
    assert all(v.passed for v in verdicts) and len(verdicts) == len(burst.slos)
    assert result.total.failures == 0
    assert {"GET /v1/books", "GET /v1/books/{book_id}", "GET /v1/orders/{order_id}"} <= {
        e.name for e in result.endpoints
    }
    assert max(p.users for p in result.timeline) == burst.burst_users
