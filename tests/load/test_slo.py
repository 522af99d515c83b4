from __future__ import annotations

import pytest

from apitest.errors import ConfigError
from apitest.load.slo import evaluate
from apitest.results import LatencyStats, LoadResult, Severity, SloResult, Source
from apitest.settings.load import Slo

BOOK = LatencyStats("GET /books/{id}", "GET", 200, 0, 20.0, 180.0, 150.0, 240.0, 260.0, 480.0, 510.0)
TOTAL = LatencyStats(
    "Aggregated", "", 1000, 50, 100.0, 40.0, 20.0, 90.0, 120.0, 300.0, 510.0, {"HTTP 500": 45, "Timeout": 5}
)
RESULT = LoadResult("shop", "spike", "spike", 10.0, TOTAL, (BOOK,), missed_starts=7)


def test_passing_slos_make_no_findings():
    slos = (Slo("p95_ms", "total", 200), Slo("min_rps", "total", 50), Slo("p99_ms", "GET /books/{id}", 500))
    verdicts, findings = evaluate(RESULT, slos, "where")
    assert verdicts == (
        SloResult("p95_ms", "total", 200, 120.0, True),
        SloResult("min_rps", "total", 50, 100.0, True),
        SloResult("p99_ms", "GET /books/{id}", 500, 480.0, True),
    )
    assert findings == []


def test_a_breach_is_a_finding_with_measured_and_allowed():
    slos = (
        Slo("p95_ms", "GET /books/{id}", 200),
        Slo("error_rate", "total", 0.01),
        Slo("min_rps", "total", 150),
        Slo("max_missed_starts", "total", 0),
    )
    verdicts, findings = evaluate(RESULT, slos, "where")
    assert [v.passed for v in verdicts] == [False, False, False, False]
    latency, errors, rps, missed = findings
    assert (latency.source, latency.check, latency.operation, latency.key) == (
        Source.LOAD,
        "slo.p95_ms",
        "GET /books/{id}",
        "spike:p95_ms:GET /books/{id}",
    )
    assert (
        latency.message
        == "p95 latency of GET /books/{id} was 260 ms; the SLO allows at most 200 ms (profile 'spike', 200 requests in 10.0 s)."
    )
    assert latency.details == {
        "profile": "spike",
        "metric": "p95_ms",
        "scope": "GET /books/{id}",
        "measured": 260.0,
        "allowed": 200,
    }
    assert (errors.check, errors.operation, errors.severity) == ("slo.error_rate", None, Severity.HIGH)
    assert (
        "error rate of all requests was 5.00% (50 of 1,000 failed: HTTP 500 x45, Timeout x5); the SLO allows at most 1.00%"
        in errors.message
    )
    assert "throughput of all requests was 100 requests/s; the SLO requires at least 150" in rps.message
    assert missed.check == "slo.max_missed_starts" and missed.message.startswith("7 request starts were missed")


def test_an_slo_on_an_endpoint_never_called_is_a_config_error():
    with pytest.raises(
        ConfigError, match=r"endpoint 'GET /book/{id}' has nothing to judge.*Did you mean 'GET /books/{id}'\?"
    ):
        evaluate(RESULT, (Slo("p95_ms", "GET /book/{id}", 100),), "suite [load.spike]")


def test_endpoint_scope_may_name_the_method_and_the_name():
    result = LoadResult("s", "p", "ramp", 1.0, TOTAL, (LatencyStats("/books/[id]", "GET", 10, p95_ms=5.0),))
    verdicts, _ = evaluate(result, (Slo("p95_ms", "GET /books/[id]", 10),), "where")
    assert verdicts[0].measured == 5.0
