from __future__ import annotations

from apitest.load.items import summary_line
from apitest.load.progress import format_sample
from apitest.results import LatencyStats, LoadResult


def test_the_progress_line_shows_users_rps_p95_and_errors():
    sample = {"kind": "sample", "t": 12.2, "users": 40, "rps": 351.26, "p95_ms": 48.0, "failures": 1234}
    assert (
        format_sample("load[spike]", sample)
        == "load[spike]    12s  users   40     351.3 req/s  p95     48 ms  errors 1,234"
    )


def test_the_closing_line_sums_the_profile_up():
    total = LatencyStats("Aggregated", requests=12000, failures=3, rps=400.0, p95_ms=48.0, p99_ms=91.0)
    assert summary_line("load[open]", LoadResult("s", "open", "arrival", 30.0, total, missed_starts=17)) == (
        "load[open]: 12,000 requests in 30 s, 400 req/s, p95 48 ms, p99 91 ms, 3 failed  missed starts 17"
    )
