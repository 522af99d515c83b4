"""Build the reports of a big run and print build time, peak memory and file sizes.

    python bench/report.py                 # 1,000,000 load requests, 5,000 findings
    python bench/report.py --browser       # also time opening report.html in Debian's Chromium
    python bench/report.py --requests 200000 --findings 500 --out /tmp/bench-report

The load requests are aggregated the way a load profile is (per-endpoint percentiles, a per-second timeline):
the report holds those aggregates, never the requests, so its size does not grow with the request count.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from pathlib import Path

from apitest.baseline import compare
from apitest.report import write_reports
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

FORMATS = ("json", "html", "md", "junit")
PROFILES = ("smoke", "ramp", "spike", "soak")
# Bodies are random words, not one repeated character, so the compressed size of report.html is honest.
WORDS = tuple(f"word{i}" for i in range(300))
CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "negative_data_rejection",
    "missing_required_header",
)


def percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def stats(name: str, method: str, latencies: list[float], failures: int, seconds: float) -> LatencyStats:
    ordered = sorted(latencies)
    n = len(ordered)
    return LatencyStats(
        name,
        method,
        requests=n,
        failures=failures,
        rps=round(n / seconds, 2),
        avg_ms=round(sum(ordered) / n, 2) if n else 0.0,
        p50_ms=percentile(ordered, 0.50),
        p90_ms=percentile(ordered, 0.90),
        p95_ms=percentile(ordered, 0.95),
        p99_ms=percentile(ordered, 0.99),
        max_ms=ordered[-1] if ordered else 0.0,
        failures_by_kind={"HTTPError 500": failures} if failures else {},
    )


def load_results(total_requests: int, rng: random.Random) -> list[LoadResult]:
    """`total_requests` synthetic requests spread over four profiles, aggregated per endpoint and per second."""
    endpoints = [("GET", f"/v1/resource{i}/{{id}}") for i in range(12)]
    per_profile = total_requests // len(PROFILES)
    results = []
    for index, profile in enumerate(PROFILES):
        seconds = 300 + 300 * index  # 5 to 20 minutes
        by_endpoint: dict[int, list[float]] = defaultdict(list)
        failures_by_endpoint: dict[int, int] = defaultdict(int)
        by_second: dict[int, list[float]] = defaultdict(list)
        errors_by_second: dict[int, int] = defaultdict(int)
        for _ in range(per_profile):
            second = int(rng.random() * seconds)
            endpoint = rng.randrange(len(endpoints))
            latency = round(rng.lognormvariate(3.0, 0.5), 2)
            failed = rng.random() < 0.002
            by_endpoint[endpoint].append(latency)
            by_second[second].append(latency)
            if failed:
                failures_by_endpoint[endpoint] += 1
                errors_by_second[second] += 1
        timeline = []
        for second in range(seconds):
            ordered = sorted(by_second[second])
            timeline.append(
                TimelinePoint(
                    t=float(second),
                    users=min(200, second + 1),
                    rps=float(len(ordered)),
                    p50_ms=percentile(ordered, 0.5),
                    p95_ms=percentile(ordered, 0.95),
                    p99_ms=percentile(ordered, 0.99),
                    errors=errors_by_second[second],
                )
            )
        all_latencies = [x for values in by_endpoint.values() for x in values]
        total = stats("Aggregated", "", all_latencies, sum(failures_by_endpoint.values()), seconds)
        results.append(
            LoadResult(
                suite="big",
                profile=profile,
                shape="ramp",
                duration_s=float(seconds),
                total=total,
                endpoints=tuple(
                    stats(path, method, by_endpoint[i], failures_by_endpoint[i], seconds)
                    for i, (method, path) in enumerate(endpoints)
                ),
                timeline=tuple(timeline),
                slos=(SloResult("p95_ms", "total", 60.0, total.p95_ms, total.p95_ms <= 60.0),),
                users_max=200,
                workers=2,
            )
        )
    return results


def findings(count: int, operations: list[str], rng: random.Random) -> list[Finding]:
    out = []
    for i in range(count):
        operation = operations[i % len(operations)]
        method, path = operation.split(" ", 1)
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(10, 600)))[:4000]
        body = '{"error": "' + text + '", "request_id": "' + rng.randbytes(8).hex() + '"}'
        url = f"http://127.0.0.1:8000{path.replace('{id}', str(i))}?q={i}"
        source = Source.FUZZ if i % 10 else (Source.CONTRACT if i % 20 else Source.LOAD)
        out.append(
            Finding(
                source,
                CHECKS[i % len(CHECKS)],
                operation,
                f"Finding {i % 40}",
                f"Received status 500 for case {i}\n" + "detail line\n" * (i % 5),
                list(Severity)[i % 4],
                suite="big",
                item=f"big/apitest.toml::{operation}",
                key=str(i // len(operations)),
                curl=f"curl -X {method} -H 'X-API-Key: [REDACTED]' '{url}'",
                exchange=Exchange(
                    method,
                    url,
                    {"X-API-Key": "[REDACTED]", "Accept": "application/json", "User-Agent": "schemathesis/4.32"},
                    request_body=body if method != "GET" else None,
                    status=500,
                    response_headers={"content-type": "application/json", "content-length": str(len(body))},
                    response_body=body,
                    elapsed_ms=12.5,
                ),
            )
        )
    return out


def build_run(requests: int, finding_count: int, seed: int = 1) -> tuple[RunResult, RunResult]:
    rng = random.Random(seed)
    operations = [f"{m} /v1/resource{i}/{{id}}" for i in range(250) for m in ("GET", "POST")]
    items = [
        ItemResult(f"big/apitest.toml::{op}", Source.FUZZ, "big", op, Outcome.FAILED, 1.0, findings=10, cases=50)
        for op in operations
    ]
    items += [
        ItemResult(f"big/apitest.toml::load[{p}]", Source.LOAD, "big", f"load[{p}]", Outcome.PASSED, 60.0)
        for p in PROFILES
    ]
    result = RunResult(
        meta=RunMeta(
            started=time.time() - 3600, finished=time.time(), apitest_version="bench", suites=("big",), complete=True
        ),
        items=items,
        findings=findings(finding_count, operations, rng),
        coverage=[
            OperationCoverage("big", op, ("200", "404", "422"), {"200": 30, "404": 15, "500": 5}, cases=50)
            for op in operations
        ],
        load=load_results(requests, rng),
        contracts=[
            ContractResult("big", "web", "big", f"interaction {i}", "verify", Outcome.PASSED) for i in range(100)
        ],
    )
    result.sort()
    baseline = RunResult(
        meta=result.meta, items=result.items, findings=result.findings[: finding_count * 9 // 10], load=result.load
    )
    return result, baseline


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--findings", type=int, default=5_000)
    parser.add_argument("--out", type=Path, default=None, help="folder for the reports (default: a temporary one)")
    parser.add_argument("--browser", action="store_true", help="also time opening report.html in /usr/bin/chromium")
    args = parser.parse_args(argv)
    out = args.out or Path(tempfile.mkdtemp(prefix="apitest-bench-"))

    started = time.perf_counter()
    result, baseline = build_run(args.requests, args.findings)
    generated = time.perf_counter() - started
    points = sum(len(r.timeline) for r in result.load)
    print(
        f"input: {args.requests:,} load requests in {len(result.load)} profiles ({points:,} timeline seconds), "
        f"{len(result.findings):,} findings, {len(result.coverage)} operations; generated and aggregated in {generated:.2f} s"
    )

    started = time.perf_counter()
    result.baseline = compare(result, baseline, path="baseline/report.json")
    print(f"baseline comparison: {time.perf_counter() - started:.3f} s ({len(result.baseline.new)} new findings)")

    total = 0.0
    for fmt in FORMATS:
        started = time.perf_counter()
        (path,) = write_reports(result, out, (fmt,))
        elapsed = time.perf_counter() - started
        total += elapsed
        note = ""
        if fmt == "html":
            note = (
                " (data gzip+base64)"
                if 'data-encoding="gzip+base64"' in path.read_text(encoding="utf-8")[:200_000]
                else ""
            )
        print(f"{path.name:<12} {elapsed:6.2f} s  {path.stat().st_size / 1e6:7.2f} MB{note}")
    print(f"all formats  {total:6.2f} s")

    tracemalloc.start()
    write_reports(result, out, FORMATS)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"peak memory while writing all formats (tracemalloc): {peak / 1e6:.0f} MB; process peak RSS (incl. input): {rss:.0f} MB"
    )
    if args.browser:
        print(f"report.html ready in Chromium: {open_in_browser(out / 'report.html'):.2f} s")
    print(f"reports in {out}")
    return 0


def open_in_browser(path: Path) -> float:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page()
        started = time.perf_counter()
        page.goto(path.resolve().as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=120_000)
        elapsed = time.perf_counter() - started
        browser.close()
    return elapsed


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
