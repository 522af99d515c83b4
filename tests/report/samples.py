"""RunResults built straight from the model: findings from all three sides, a load profile, a hostile target."""

from __future__ import annotations

import dataclasses

from apitest.results import (
    ContractResult,
    Exchange,
    Finding,
    ItemResult,
    LatencyStats,
    LoadResult,
    OperationCoverage,
    Outcome,
    RunMeta,
    RunResult,
    Severity,
    SloResult,
    Source,
    TimelinePoint,
)

HOSTILE_BODY = '<script>window.__pwned=1</script></script><!-- <img src=x onerror="window.__pwned=2">'
HOSTILE_HEADER = '"><img src=x onerror="window.__pwned=3">'
HOSTILE_URL = "javascript:alert(1)"
HOSTILE_TITLE = "</title><script>window.__pwned=4</script>"
CURL = "curl -X GET -H 'X-API-Key: [REDACTED]' 'http://127.0.0.1:8000/books/0'"


def timeline(seconds: int = 60, *, p95: float = 40.0, users: int = 50) -> tuple[TimelinePoint, ...]:
    points = []
    for t in range(seconds):
        ramp = min(users, (t + 1) * users // 10)
        points.append(
            TimelinePoint(
                t=float(t),
                users=ramp,
                rps=ramp * 9.5,
                p50_ms=p95 / 2,
                p95_ms=p95 + t % 7,
                p99_ms=p95 * 1.6 + t % 11,
                errors=1 if t % 13 == 0 else 0,
            )
        )
    return tuple(points)


def load_result(
    *,
    p95: float = 40.0,
    p99: float = 64.0,
    rps: float = 400.0,
    failures: int = 12,
    requests: int = 24_000,
    profile: str = "spike",
) -> LoadResult:
    total = LatencyStats(
        "Aggregated",
        requests=requests,
        failures=failures,
        rps=rps,
        avg_ms=22.0,
        p50_ms=20.0,
        p90_ms=35.0,
        p95_ms=p95,
        p99_ms=p99,
        max_ms=310.0,
    )
    endpoints = (
        LatencyStats(
            "/books",
            "GET",
            requests=requests // 2,
            failures=0,
            rps=rps / 2,
            avg_ms=18.0,
            p50_ms=16.0,
            p90_ms=30.0,
            p95_ms=p95 - 5,
            p99_ms=p99 - 4,
            max_ms=200.0,
        ),
        LatencyStats(
            "/books/{id}",
            "GET",
            requests=requests // 2,
            failures=failures,
            rps=rps / 2,
            avg_ms=26.0,
            p50_ms=24.0,
            p90_ms=40.0,
            p95_ms=p95 + 5,
            p99_ms=p99 + 4,
            max_ms=310.0,
            failures_by_kind={"HTTPError 500": failures},
        ),
    )
    slos = (
        SloResult("p95_ms", "total", allowed=50.0, measured=p95, passed=p95 <= 50.0),
        SloResult(
            "error_rate", "total", allowed=0.01, measured=failures / requests, passed=failures / requests <= 0.01
        ),
    )
    return LoadResult(
        suite="shop",
        profile=profile,
        shape="spike",
        duration_s=60.0,
        total=total,
        endpoints=endpoints,
        timeline=timeline(60, p95=p95),
        slos=slos,
        users_max=50,
        workers=2,
    )


def findings() -> list[Finding]:
    exchange = Exchange(
        method="GET",
        url="http://127.0.0.1:8000/books/0",
        request_headers={"X-API-Key": "[REDACTED]", "Accept": "application/json"},
        status=500,
        response_headers={"content-type": "application/json"},
        response_body='{"detail": "Internal Server Error", "trace": "ZeroDivisionError"}',
        elapsed_ms=3.2,
    )
    hostile = Exchange(
        method="POST",
        url=HOSTILE_URL,
        request_headers={"X-Evil": HOSTILE_HEADER, HOSTILE_HEADER: "name is hostile too"},
        request_body=HOSTILE_BODY,
        status=200,
        response_headers={"content-type": "text/html", "x-reflect": HOSTILE_HEADER},
        response_body=HOSTILE_BODY,
        elapsed_ms=1.0,
    )
    return [
        Finding(
            Source.FUZZ,
            "not_a_server_error",
            "GET /books/{id}",
            "Server error",
            "Received a response with 5xx status code: 500",
            Severity.CRITICAL,
            suite="shop",
            item="shop/apitest.toml::GET /books/{id}",
            curl=CURL,
            exchange=exchange,
        ),
        Finding(
            Source.FUZZ,
            "response_schema_conformance",
            "GET /books",
            "Response violates schema",
            "'id' is not of type 'integer'",
            Severity.HIGH,
            suite="shop",
            item="shop/apitest.toml::GET /books",
            curl="curl -X GET 'http://127.0.0.1:8000/books'",
        ),
        Finding(
            Source.FUZZ,
            "reflected_markup",
            "POST /search",
            HOSTILE_TITLE,
            "Body echoed: " + HOSTILE_BODY,
            Severity.MEDIUM,
            suite="shop",
            item="shop/apitest.toml::POST /search",
            curl="curl -X POST -d '" + HOSTILE_BODY + "' '" + HOSTILE_URL + "'",
            exchange=hostile,
            details={"note": HOSTILE_BODY, "steps": ["curl -X POST 'http://127.0.0.1:8000/books'", CURL]},
        ),
        Finding(
            Source.CONTRACT,
            "pact.BodyMismatch",
            "GET /books/1",
            "Body mismatch",
            "$.title: expected a string, got null",
            Severity.HIGH,
            suite="shop",
            item="shop/apitest.toml::contract[web→shop: get book]",
            key="web→shop: get book",
            details={"consumer": "web", "provider": "shop", "interaction": "get book"},
        ),
        Finding(
            Source.LOAD,
            "p95_ms",
            None,
            "p95 over the SLO",
            "p95 62 ms > 50 ms allowed",
            Severity.HIGH,
            suite="shop",
            item="shop/apitest.toml::load[spike]",
            key="spike:total:p95_ms",
            details={"profile": "spike"},
        ),
    ]


def sample_run(**changes: object) -> RunResult:
    items = [
        ItemResult(
            "shop/apitest.toml::GET /books/{id}",
            Source.FUZZ,
            "shop",
            "GET /books/{id}",
            Outcome.FAILED,
            1.2,
            findings=1,
            cases=40,
        ),
        ItemResult(
            "shop/apitest.toml::GET /books",
            Source.FUZZ,
            "shop",
            "GET /books",
            Outcome.FAILED,
            0.8,
            findings=1,
            cases=30,
        ),
        ItemResult(
            "shop/apitest.toml::POST /search",
            Source.FUZZ,
            "shop",
            "POST /search",
            Outcome.FAILED,
            0.5,
            findings=1,
            cases=20,
        ),
        ItemResult(
            "shop/apitest.toml::contract[web→shop: get book]",
            Source.CONTRACT,
            "shop",
            "contract[web→shop: get book]",
            Outcome.FAILED,
            0.3,
            findings=1,
        ),
        ItemResult(
            "shop/apitest.toml::contract[web→shop: list books]",
            Source.CONTRACT,
            "shop",
            "contract[web→shop: list books]",
            Outcome.PASSED,
            0.2,
        ),
        ItemResult(
            "shop/apitest.toml::load[spike]", Source.LOAD, "shop", "load[spike]", Outcome.FAILED, 61.0, findings=1
        ),
    ]
    result = RunResult(
        meta=RunMeta(
            started=1_763_950_000.0,
            finished=1_763_950_090.0,
            apitest_version="0.1.0",
            python="3.11.9",
            platform="Linux",
            argv=("apitest", "run", "shop"),
            suites=("shop",),
            targets={"shop": "http://127.0.0.1:8000"},
            complete=True,
            exit_status=1,
            seed=1,
        ),
        items=items,
        findings=findings(),
        coverage=[
            OperationCoverage(
                "shop", "GET /books/{id}", ("200", "404", "422"), {"200": 12, "404": 20, "500": 8}, cases=40
            ),
            OperationCoverage("shop", "GET /books", ("200", "default"), {"200": 30}, cases=30),
            OperationCoverage("shop", "POST /search", ("200", "422"), {"200": 20}, cases=20),
        ],
        load=[load_result(p95=62.0)],
        contracts=[
            ContractResult("shop", "web", "shop", "get book", "verify", Outcome.FAILED, findings=1),
            ContractResult("shop", "web", "shop", "list books", "verify", Outcome.PASSED),
        ],
    )
    result.sort()
    return dataclasses.replace(result, **changes) if changes else result  # type: ignore[arg-type]
