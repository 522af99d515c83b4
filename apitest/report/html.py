"""report.html: one self-contained page (no network, no CDN) drawn in the browser from embedded JSON.

Safety: everything that came from the target travels as JSON inside `<script type="application/json">` with
`<`, `>`, `&`, U+2028 and U+2029 escaped, so no value can close the block; `report.js` puts it on the page with
`textContent` only. The few values written into the HTML itself (title, verdict line) go through
`html.escape`. A Content-Security-Policy allows only our two inline scripts, by hash, and no network at all, so
even an escaping bug could neither run a target's script nor load anything.

Size: a run's raw requests never reach the report (load profiles hold aggregates and per-second timelines);
evidence is truncated; above `COMPRESS_ABOVE` characters the JSON is embedded gzip-compressed (base64) and
unpacked by the browser's `DecompressionStream`.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import html
import json
import math
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..results import JSON, Finding, LatencyStats, LoadResult, RunResult, TimelinePoint, to_json
from .headline import headline

ASSETS = Path(__file__).with_name("assets")
COMPRESS_ABOVE = 1_000_000  # characters of embedded JSON
MAX_POINTS = 2_000  # per timeline; longer ones are merged into buckets of several seconds
BODY_LIMIT = 4_096
# Bodies of all findings together; a run with many findings keeps less of each body (report.json keeps it all).
BODY_BUDGET = 2_000_000
MIN_BODY_LIMIT = 512
TEXT_LIMIT = 8_192
HEADER_LIMIT = 512
LIST_LIMIT = 200
BASELINE_LIST_LIMIT = 1_000

_JSON_ESCAPES = {ord("<"): "\\u003c", ord(">"): "\\u003e", ord("&"): "\\u0026", 0x2028: "\\u2028", 0x2029: "\\u2029"}


@dataclass(frozen=True, slots=True)
class _Assets:
    template: string.Template
    css: str
    uplot_js: str
    app_js: str
    csp: str


@functools.cache
def _assets() -> _Assets:
    def read(name: str) -> str:
        return (ASSETS / name).read_text(encoding="utf-8")

    css = read("uPlot.min.css") + "\n" + read("report.css")
    uplot_js, app_js = read("uPlot.iife.min.js"), read("report.js")
    for name, text, closer in (
        ("css", css, "</style"),
        ("uPlot", uplot_js, "</script"),
        ("report.js", app_js, "</script"),
    ):
        if closer in text.lower():
            raise RuntimeError(f"report asset {name} contains {closer!r}, which would end its element early")
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in (uplot_js, app_js)
    )
    csp = (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
        "base-uri 'none'; form-action 'none'; connect-src 'none'"
    )
    return _Assets(string.Template(read("report.html")), css, uplot_js, app_js, csp)


def render_html(result: RunResult, *, compress_above: int = COMPRESS_ABOVE) -> str:
    assets = _assets()
    encoding, payload = embed_json(report_data(result), compress_above)
    suites = ", ".join(result.meta.suites)
    return assets.template.substitute(
        csp=html.escape(assets.csp),
        version=html.escape(__version__),
        title=html.escape(f"apitest: {result.verdict}" + (f" · {suites}" if suites else "")),
        css=assets.css,
        verdict=html.escape(result.verdict),
        headline=html.escape(headline(result)),
        encoding=html.escape(encoding),
        data=payload,
        uplot_js=assets.uplot_js,
        app_js=assets.app_js,
    )


def embed_json(data: JSON, compress_above: int = COMPRESS_ABOVE) -> tuple[str, str]:
    """(encoding, text) safe inside `<script type="application/json">`: "json" or "gzip+base64"."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if len(text) > compress_above:
        packed = gzip.compress(text.encode("utf-8"), compresslevel=4, mtime=0)
        return "gzip+base64", base64.b64encode(packed).decode("ascii")
    return "json", text.translate(_JSON_ESCAPES)


def report_data(result: RunResult) -> JSON:
    """What report.js draws: the RunResult with evidence clipped, timelines as columns, baseline status per finding."""
    comparison = result.baseline
    status: dict[str, str] = {}
    baseline: JSON | None = None
    if comparison is not None:
        status.update({ref.fingerprint: "persisting" for ref in comparison.persisting})
        status.update({ref.fingerprint: "new" for ref in comparison.new})
        baseline = {k: (v[:BASELINE_LIST_LIMIT] if isinstance(v, list) else v) for k, v in to_json(comparison).items()}
    limit = body_limit(len(result.findings))
    return {
        "verdict": result.verdict,
        "meta": to_json(result.meta),
        "summary": result.summary(),
        "items": [to_json(i) for i in result.items],
        "findings": [_finding(f, status, limit) for f in result.findings],
        "coverage": [to_json(c) for c in result.coverage],
        "contracts": [to_json(c) for c in result.contracts],
        "load": [_load(r) for r in result.load],
        "errors": [to_json(e) for e in result.errors],
        "baseline": _finite(baseline),
    }


def body_limit(findings: int) -> int:
    """Characters kept of each request/response body: BODY_LIMIT, less when many findings share BODY_BUDGET."""
    return max(MIN_BODY_LIMIT, min(BODY_LIMIT, BODY_BUDGET // max(1, 2 * findings)))


def _finding(f: Finding, status: dict[str, str], body_limit: int = BODY_LIMIT) -> JSON:
    # Written out rather than through to_json(): this runs once per finding, thousands of times in a big run.
    ex = f.exchange
    exchange = None
    if ex is not None:
        exchange = {
            "method": ex.method,
            "url": clip(ex.url, TEXT_LIMIT),
            "request_headers": _headers(ex.request_headers),
            "request_body": clip(ex.request_body, body_limit),
            "status": ex.status,
            "response_headers": _headers(ex.response_headers),
            "response_body": clip(ex.response_body, body_limit),
            "elapsed_ms": _finite(ex.elapsed_ms),
        }
    return {
        "source": f.source.value,
        "check": f.check,
        "operation": f.operation,
        "title": clip(f.title, TEXT_LIMIT),
        "message": clip(f.message, TEXT_LIMIT),
        "severity": f.severity.value,
        "suite": f.suite,
        "item": f.item,
        "key": f.key,
        "fingerprint": f.fingerprint,
        "status": status.get(f.fingerprint, ""),
        "curl": clip(f.curl, TEXT_LIMIT),
        "exchange": exchange,
        "details": _clip_tree(f.details),
        "warning": f.warning,
    }


def _headers(headers: dict[str, str]) -> dict[str, str | None]:
    return {clip(k, HEADER_LIMIT) or "": clip(v, HEADER_LIMIT) for k, v in list(headers.items())[:LIST_LIMIT]}


def clip(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"… [{len(text) - limit} more characters in report.json]"


def _clip_tree(value: Any) -> Any:
    if isinstance(value, float):
        return _finite(value)
    if isinstance(value, str):
        return clip(value, TEXT_LIMIT)
    if isinstance(value, list):
        return [_clip_tree(v) for v in value[:LIST_LIMIT]]
    if isinstance(value, dict):
        return {str(k): _clip_tree(v) for k, v in list(value.items())[:LIST_LIMIT]}
    return value


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity: such numbers (e.g. a latency Locust could not compute) become null."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, list):
        return [_finite(v) for v in value]
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    return value


def _load(r: LoadResult) -> JSON:
    data = to_json(r)
    data["total"] = _stats(r.total)
    data["endpoints"] = [_stats(e) for e in r.endpoints]
    data["timeline"] = timeline_columns(r.timeline)
    return _finite(data)  # type: ignore[no-any-return]


def _stats(stats: LatencyStats) -> JSON:
    data = to_json(stats)
    data["error_rate"] = stats.error_rate
    return data  # type: ignore[no-any-return]


def timeline_columns(points: tuple[TimelinePoint, ...] | list[TimelinePoint], max_points: int = MAX_POINTS) -> JSON:
    """Per-second points as columns (what uPlot draws), merged into buckets when there are more than `max_points`.

    A bucket keeps the worst latency and the most users of its seconds, and the mean requests and errors per second.
    """
    step = max(1, math.ceil(len(points) / max_points))
    columns: dict[str, list[float]] = {k: [] for k in ("t", "users", "rps", "p50_ms", "p95_ms", "p99_ms", "errors")}
    for start in range(0, len(points), step):
        chunk = points[start : start + step]
        columns["t"].append(round(chunk[0].t, 3))
        columns["users"].append(max(p.users for p in chunk))
        columns["rps"].append(round(sum(p.rps for p in chunk) / len(chunk), 2))
        columns["p50_ms"].append(round(max(p.p50_ms for p in chunk), 2))
        columns["p95_ms"].append(round(max(p.p95_ms for p in chunk), 2))
        columns["p99_ms"].append(round(max(p.p99_ms for p in chunk), 2))
        columns["errors"].append(round(sum(p.errors for p in chunk) / len(chunk), 3))
    return {"step": step, **columns}
