from __future__ import annotations

import base64
import gzip
import hashlib
import html
import json
import re
from dataclasses import replace

from apitest.report.html import MAX_POINTS, clip, embed_json, render_html, report_data, timeline_columns
from apitest.results import (
    Comparison,
    Exchange,
    Finding,
    FindingRef,
    LatencyStats,
    LoadResult,
    RunMeta,
    RunResult,
    Source,
    TimelinePoint,
)

from .samples import HOSTILE_BODY, HOSTILE_HEADER, HOSTILE_TITLE, sample_run

SCRIPT = re.compile(r"<script([^>]*)>(.*?)</script>", re.DOTALL)


def embedded(page: str) -> dict:
    attrs, text = next((a, t) for a, t in SCRIPT.findall(page) if 'id="apitest-data"' in a)
    if 'data-encoding="gzip+base64"' in attrs:
        return json.loads(gzip.decompress(base64.b64decode(text)))
    return json.loads(text)


def markup(page: str) -> str:
    """The page without the embedded data, whose text is the target's."""
    return SCRIPT.sub(lambda m: "" if 'id="apitest-data"' in m[1] else m[0], page)


def test_self_contained_and_small():
    page = render_html(sample_run())
    assert len(page.encode()) < 200_000  # uPlot is ~51 KB of it; the target is < 2 MB for a typical run
    assert not re.search(r"<(link|iframe|object|embed|img)\b", markup(page))
    assert not re.search(r"\s(src|href)=", markup(page))
    assert "http://" not in markup(page)


def test_csp_allows_exactly_our_scripts():
    page = render_html(sample_run())
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)[1])
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp and "unsafe-inline'; img" in csp
    assert "'unsafe-eval'" not in csp and "script-src 'unsafe-inline'" not in csp
    executable = [text for attrs, text in SCRIPT.findall(page) if "application/json" not in attrs]
    assert len(executable) == 2
    for text in executable:
        digest = base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp


def test_target_text_never_reaches_the_markup_raw():
    page = render_html(sample_run())
    for raw in (HOSTILE_BODY, HOSTILE_HEADER, HOSTILE_TITLE, "<script>window.__pwned", "<img"):
        assert raw not in page
    assert page.count("</script>") == 3
    data = embedded(page)
    hostile = next(f for f in data["findings"] if f["check"] == "reflected_markup")
    assert hostile["title"] == HOSTILE_TITLE
    assert hostile["exchange"]["response_body"] == HOSTILE_BODY
    assert hostile["exchange"]["request_headers"][HOSTILE_HEADER] == "name is hostile too"


def test_title_and_headline_are_escaped():
    result = sample_run()
    result.meta = RunMeta(started=1.0, suites=("<b>x</b>",))
    page = render_html(result)
    assert "<title>apitest: failed · &lt;b&gt;x&lt;/b&gt;</title>" in page
    assert "suites: &lt;b&gt;x&lt;/b&gt;" in page


def test_embed_json_escapes_what_could_end_the_block():
    data = {"a": "</script><!--<script>", "b": "line\u2028sep\u2029", "c": "&amp;"}
    encoding, text = embed_json(data)
    assert encoding == "json"
    assert not set(text) & {"<", ">", "&", "\u2028", "\u2029"}
    assert json.loads(text) == data


def test_large_data_is_compressed():
    encoding, text = embed_json({"x": "y" * 5000}, compress_above=1000)
    assert encoding == "gzip+base64"
    assert len(text) < 200
    assert json.loads(gzip.decompress(base64.b64decode(text))) == {"x": "y" * 5000}
    page = render_html(sample_run(), compress_above=0)
    assert embedded(page)["findings"][0]["title"] == "Server error"


def test_evidence_is_clipped():
    big = "x" * 50_000
    finding = Finding(
        Source.FUZZ,
        "c",
        "GET /",
        "t",
        message=big,
        curl=big,
        details={"steps": [big] * 500},
        exchange=Exchange("GET", "http://h/" + big, request_headers={"h": big}, response_body=big),
    )
    data = report_data(RunResult(meta=RunMeta(started=1.0), findings=[finding]))["findings"][0]
    assert len(data["message"]) < 9_000 and data["message"].endswith("more characters in report.json]")
    assert len(data["exchange"]["response_body"]) < 4_200
    assert len(data["exchange"]["request_headers"]["h"]) < 600
    assert len(data["details"]["steps"]) == 200
    assert clip("short", 10) == "short" and clip(None, 1) is None


def test_timeline_as_columns_and_bucketed():
    points = tuple(
        TimelinePoint(
            t=float(i), users=i % 100, rps=10.0, p50_ms=1.0, p95_ms=5.0 + (i == 4321) * 900, p99_ms=9.0, errors=i % 2
        )
        for i in range(10_000)
    )
    cols = timeline_columns(points)
    assert cols["step"] == 5
    assert len(cols["t"]) == 2_000 <= MAX_POINTS
    assert max(cols["p95_ms"]) == 905.0  # the worst second survives bucketing
    assert cols["rps"][0] == 10.0 and cols["errors"][0] == 0.4
    assert timeline_columns(points[:3]) == {
        "step": 1,
        "t": [0.0, 1.0, 2.0],
        "users": [0, 1, 2],
        "rps": [10.0] * 3,
        "p50_ms": [1.0] * 3,
        "p95_ms": [5.0] * 3,
        "p99_ms": [9.0] * 3,
        "errors": [0, 1, 0],
    }


def test_nan_becomes_null():
    stats = LatencyStats("Aggregated", requests=0, p95_ms=float("nan"), max_ms=float("inf"))
    result = RunResult(meta=RunMeta(started=1.0), load=[LoadResult("s", "p", "ramp", 1.0, total=stats)])
    data = embedded(render_html(result))
    assert data["load"][0]["total"]["p95_ms"] is None and data["load"][0]["total"]["error_rate"] == 0.0


def test_baseline_status_per_finding():
    result = sample_run()
    fps = [f.fingerprint for f in result.findings]
    ref = FindingRef("", "fuzz", "s", "c", None, "t", "high")
    result.baseline = Comparison(
        1,
        "old.json",
        None,
        0.1,
        new=(replace(ref, fingerprint=fps[0]),),
        persisting=(replace(ref, fingerprint=fps[1]),),
    )
    statuses = [f["status"] for f in report_data(result)["findings"]]
    assert statuses[:2] == ["new", "persisting"] and set(statuses[2:]) == {""}


def test_empty_run_renders():
    page = render_html(RunResult(meta=RunMeta(started=1.0, complete=True)))
    assert embedded(page)["verdict"] == "passed"
