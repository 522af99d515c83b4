from __future__ import annotations

import pytest

from apitest.load.measurements import failure_kind, load_result, percentile
from apitest.results import LatencyStats, LoadResult, TimelinePoint


def test_percentile_follows_locusts_definition():
    # Locust's StatsEntry.get_response_time_percentile: the slowest time with more than (1 - q) of requests at or above it
    times = {10: 90, 50: 9, 200: 1}  # 100 requests
    assert [percentile(times, 100, q) for q in (0.5, 0.89, 0.9, 0.95, 0.99, 1.0)] == [
        10.0,
        10.0,
        50.0,
        50.0,
        200.0,
        200.0,
    ]
    assert percentile({}, 0, 0.95) == 0.0


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        # as Locust 2.47 reports them (FastHttpUser, HttpUser, both for a refused connection, catch_response)
        ("LocustBadStatusCode(code=500)", "HTTP 500"),
        ("HTTPError('503 Server Error: Service Unavailable for url: /x')", "HTTP 503"),
        ("HTTPError('404 Client Error: Not Found for url: /x')", "HTTP 404"),
        ("ConnectionRefusedError(111, 'Connection refused')", "ConnectionRefusedError"),
        ("CatchResponseError('body was wrong')", "body was wrong"),
        ("TimeoutError('timed out')", "Timeout"),
    ],
)
def test_failure_kinds(error, kind):
    assert failure_kind(error) == kind


def entry(
    name: str, method: str, requests: int, failures: int, times: dict[int, int], total_ms: int, max_ms: float
) -> dict[str, object]:
    return {
        "name": name,
        "method": method,
        "num_requests": requests,
        "num_failures": failures,
        "num_none_requests": 0,
        "total_response_time": total_ms,
        "max_response_time": max_ms,
        "response_times": {str(k): v for k, v in times.items()},
    }


def test_raw_statistics_become_a_load_result():
    raw = {
        "duration_s": 4.0,
        "users_max": 5,
        "missed_starts": 3,
        "workers": 2,
        "total": entry("Aggregated", "", 100, 4, {10: 90, 230: 10}, 3200, 226.9),
        "entries": [
            entry("GET /a", "GET", 60, 0, {10: 60}, 600, 12.0),
            entry("GET /b", "GET", 40, 4, {10: 30, 230: 10}, 2600, 226.9),
        ],
        "errors": [
            {"method": "GET", "name": "GET /b", "error": "LocustBadStatusCode(code=503)", "occurrences": 3},
            {"method": "GET", "name": "GET /b", "error": "ConnectionResetError(104, 'reset')", "occurrences": 1},
        ],
        "timeline": [
            {"t": 1.0, "users": 5, "rps": 25.0, "p50_ms": 10.0, "p95_ms": 230.0, "p99_ms": 230.0, "errors": 1}
        ],
    }
    result = load_result(raw, suite="s", profile="p", shape="ramp")
    b = LatencyStats(
        "GET /b", "GET", 40, 4, 10.0, 65.0, 10.0, 226.9, 226.9, 226.9, 226.9, {"ConnectionResetError": 1, "HTTP 503": 3}
    )
    assert result == LoadResult(
        suite="s",
        profile="p",
        shape="ramp",
        duration_s=4.0,
        # the histogram's 230 ms bucket holds requests that took at most 226.9 ms: percentiles never exceed the max
        total=LatencyStats(
            "Aggregated",
            "",
            100,
            4,
            25.0,
            32.0,
            10.0,
            226.9,
            226.9,
            226.9,
            226.9,
            {"ConnectionResetError": 1, "HTTP 503": 3},
        ),
        endpoints=(LatencyStats("GET /a", "GET", 60, 0, 15.0, 10.0, 10.0, 10.0, 10.0, 10.0, 12.0), b),
        timeline=(TimelinePoint(1.0, 5, 25.0, 10.0, 230.0, 230.0, 1),),
        users_max=5,
        missed_starts=3,
        workers=2,
    )
    assert result.endpoints[1].error_rate == 0.1
