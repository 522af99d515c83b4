"""The one result model: everything a run found or measured, as plain serialisable data.

Adapters (fuzz, contracts, load) translate their engine's outcome into these types; renderers and gates read
only these types. `RunResult.to_dict()` is the body of `report.json` (its JSON Schema is `report/schema.json`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeAlias

SCHEMA_VERSION = "1.0"

JSON: TypeAlias = dict[str, Any]


class Source(StrEnum):
    FUZZ = "fuzz"
    CONTRACT = "contract"
    LOAD = "load"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for the most severe."""
        return list(Severity).index(self)


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"
    # Cut short by a signal, or never started because the run was stopped: never "passed" (its `error` says which).
    INTERRUPTED = "interrupted"


@dataclass(frozen=True, slots=True)
class Exchange:
    """One request and its response, redacted and truncated, as evidence for a finding."""

    method: str
    url: str
    request_headers: dict[str, str] = field(default_factory=dict)
    request_body: str | None = None
    status: int | None = None
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str | None = None
    elapsed_ms: float | None = None
    # Whose credentials the request carried: "primary" or "secondary" (the suite's users), "anonymous" (none),
    # "other" (credentials of neither user, e.g. an invalid key); "" when not known. `apitest replay` sends the
    # same user's credentials in place of the masked ones.
    user: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """The API misbehaved: one check failed on one operation (or interaction, or load profile).

    Example::

        Finding(Source.FUZZ, "not_a_server_error", "GET /v1/books", "Server error", suite="demo")
    """

    source: Source
    check: str
    operation: str | None
    title: str
    message: str = ""
    severity: Severity = Severity.MEDIUM
    suite: str = ""
    item: str = ""
    # What makes two findings "the same" across runs beyond source/suite/check/operation, e.g. the pact
    # interaction or the load metric; never the message, which carries values that change from run to run.
    key: str = ""
    curl: str | None = None
    exchange: Exchange | None = None
    details: JSON = field(default_factory=dict)
    # Every request of a finding found through a sequence, in order; the last is `exchange`, the failing one.
    sequence: tuple[Exchange, ...] = ()
    # A warning: the gap weakens the contract but breaks nothing. Shown in every report; fails neither its item nor
    # the run (unless the side's strict setting, such as `[contracts] strict`, made it a plain finding).
    warning: bool = False

    @property
    def fingerprint(self) -> str:
        parts = (self.source.value, self.suite, self.check, self.operation or "", self.key)
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class ItemResult:
    """One pytest item: a fuzzed operation, the stateful run, a pact interaction, a load profile."""

    nodeid: str
    source: Source
    suite: str
    name: str
    outcome: Outcome
    duration_s: float
    findings: int = 0
    cases: int = 0
    error: str | None = None
    notes: tuple[str, ...] = ()  # what the item could not check, and why


class Tested(StrEnum):
    """How far the fuzzer got with an operation."""

    FULLY = "fully"
    PARTLY = "partly"  # a phase could not generate data, or every answer was 401/403
    NOT = "not"


@dataclass(frozen=True, slots=True)
class OperationCoverage:
    """Which documented status codes of one operation the fuzzer saw, what else came back, and how far it got."""

    suite: str
    operation: str
    documented: tuple[str, ...]
    seen: dict[str, int] = field(default_factory=dict)
    cases: int = 0
    tested: Tested = Tested.FULLY
    notes: tuple[str, ...] = ()  # why not fully tested
    probed: bool = False  # methods the spec does not document for the path, which the fuzzer tried


@dataclass(frozen=True, slots=True)
class LatencyStats:
    """Requests and latency of one endpoint, or of all of a load profile ("Aggregated")."""

    name: str
    method: str = ""
    requests: int = 0
    failures: int = 0
    rps: float = 0.0
    avg_ms: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p95_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    failures_by_kind: dict[str, int] = field(default_factory=dict)

    @property
    def error_rate(self) -> float:
        return self.failures / self.requests if self.requests else 0.0


@dataclass(frozen=True, slots=True)
class TimelinePoint:
    """One second of a load profile."""

    t: float
    users: int
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int


@dataclass(frozen=True, slots=True)
class SloResult:
    """A declared SLO against what was measured; `scope` is an endpoint name or "total"."""

    metric: str
    scope: str
    allowed: float
    measured: float
    passed: bool


@dataclass(frozen=True, slots=True)
class LoadResult:
    suite: str
    profile: str
    shape: str
    duration_s: float
    total: LatencyStats
    endpoints: tuple[LatencyStats, ...] = ()
    timeline: tuple[TimelinePoint, ...] = ()
    slos: tuple[SloResult, ...] = ()
    users_max: int = 0
    missed_starts: int = 0
    workers: int = 0


@dataclass(frozen=True, slots=True)
class ContractResult:
    """One pact interaction, verified against the provider or cross-checked against its spec."""

    suite: str
    consumer: str
    provider: str
    interaction: str
    mode: str  # "verify" | "crosscheck" | "consumer"
    outcome: Outcome
    findings: int = 0
    note: str = ""  # why it was not checked (a message interaction), or what else to know about it


@dataclass(frozen=True, slots=True)
class RunError:
    """A broken setup met during the run (the ApitestError message)."""

    message: str
    item: str = ""


@dataclass(frozen=True, slots=True)
class FindingRef:
    """One distinct finding of a baseline comparison (all findings sharing a fingerprint), enough to name it."""

    fingerprint: str
    source: str
    suite: str
    check: str
    operation: str | None
    title: str
    severity: str
    count: int = 1  # findings with that fingerprint in the run the reference comes from


@dataclass(frozen=True, slots=True)
class Regression:
    """A load metric worse than the baseline's beyond the tolerance; `change` is relative (None from a 0 baseline)."""

    suite: str
    profile: str
    scope: str  # "total" or "METHOD name"
    metric: str
    baseline: float
    current: float
    allowed: float
    change: float | None
    tolerance: float


@dataclass(frozen=True, slots=True)
class BaselineCounts:
    new: int = 0
    fixed: int = 0
    persisting: int = 0
    not_run: int = 0
    regressions: int = 0
    compared: int = 0  # load metrics compared


@dataclass(frozen=True, slots=True)
class Comparison:
    """This run against an earlier one (`baseline.compare`), as every report shows it.

    A baseline finding whose item did not run this time (deselected, another suite) is `not_run`, not fixed.
    """

    version: int
    path: str
    started: float | None
    tolerance: float
    gate: str = "all"
    gate_passed: bool = True
    counts: BaselineCounts = BaselineCounts()
    new: tuple[FindingRef, ...] = ()
    fixed: tuple[FindingRef, ...] = ()
    persisting: tuple[FindingRef, ...] = ()
    not_run: tuple[FindingRef, ...] = ()
    regressions: tuple[Regression, ...] = ()

    def passes(self, gate: str) -> bool:
        """`all`: no finding at all (and no regression); `new`: no new finding and no regression."""
        if gate == "all":
            return not self.new and not self.persisting and not self.regressions
        return not self.new and not self.regressions


@dataclass(frozen=True, slots=True)
class SuiteSetup:
    """What decided one suite's fuzz cases, so that the run can be repeated exactly."""

    suite: str
    file: str = ""  # the suite file, for `apitest replay`
    seed: int | None = None
    seed_from: str = ""  # "--apitest-seed", "apitest.toml [fuzz]", "chosen for this run"...
    database: str = "none"  # Hypothesis's example database: "none", or the folder whose examples were replayed


@dataclass(frozen=True, slots=True)
class RunMeta:
    started: float
    finished: float | None = None
    apitest_version: str = ""
    python: str = ""
    platform: str = ""
    argv: tuple[str, ...] = ()
    suites: tuple[str, ...] = ()
    targets: dict[str, str] = field(default_factory=dict)
    complete: bool = False
    exit_status: int | None = None
    seed: int | None = None  # the seed that repeats this run (`--apitest-seed`), when every suite used the same
    # Why the run is incomplete, when it is: "SIGTERM" (a signal), "engine interrupted", "2 items lost"...
    interrupted: str | None = None


@dataclass(slots=True)
class RunResult:
    meta: RunMeta
    items: list[ItemResult] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    coverage: list[OperationCoverage] = field(default_factory=list)
    load: list[LoadResult] = field(default_factory=list)
    contracts: list[ContractResult] = field(default_factory=list)
    errors: list[RunError] = field(default_factory=list)
    setups: list[SuiteSetup] = field(default_factory=list)
    baseline: Comparison | None = None

    def add(self, record: Record) -> None:
        bucket = _BUCKETS[type(record)]
        getattr(self, bucket).append(record)

    def sort(self) -> None:
        """Put every list in a canonical order, so merging worker files is order-independent.

        Coverage of one operation recorded more than once (an undocumented method probed from each documented
        operation of its path) becomes one entry: statuses and cases added up.
        """
        merged: dict[tuple[str, str], OperationCoverage] = {}
        for c in self.coverage:
            before = merged.get((c.suite, c.operation))
            if before is not None:
                seen = dict(before.seen)
                for code, n in c.seen.items():
                    seen[code] = seen.get(code, 0) + n
                c = OperationCoverage(
                    c.suite,
                    c.operation,
                    tuple(sorted({*before.documented, *c.documented})),
                    dict(sorted(seen.items())),
                    before.cases + c.cases,
                    before.tested if before.tested == c.tested else Tested.PARTLY,
                    tuple(dict.fromkeys((*before.notes, *c.notes))),
                    before.probed,
                )
            merged[(c.suite, c.operation)] = c
        self.coverage = list(merged.values())
        self.items.sort(key=lambda r: (r.nodeid, _canonical(r)))
        self.findings.sort(
            key=lambda f: (f.severity.rank, f.source, f.suite, f.operation or "", f.check, _canonical(f))
        )
        self.findings = _one_per_defect(_one_per_fingerprint(self.findings))
        self.coverage.sort(key=lambda c: (c.suite, c.operation, _canonical(c)))
        self.load.sort(key=lambda r: (r.suite, r.profile, _canonical(r)))
        self.contracts.sort(key=lambda c: (c.suite, c.consumer, c.provider, c.mode, c.interaction, _canonical(c)))
        self.errors.sort(key=lambda e: (e.item, e.message))
        self.setups = sorted({s.suite: s for s in self.setups}.values(), key=lambda s: s.suite)  # one per suite

    @property
    def failing(self) -> list[Finding]:
        """The findings that fail the run: all but warnings."""
        return [f for f in self.findings if not f.warning]

    @property
    def verdict(self) -> str:
        """error > failed > incomplete > passed: a run cut short never reads "passed", and what it found still fails."""
        if self.errors:
            return "error"
        failed = any(i.outcome in (Outcome.FAILED, Outcome.ERROR) for i in self.items)
        if self.failing or failed:
            return "failed"
        if not self.meta.complete or any(i.outcome is Outcome.INTERRUPTED for i in self.items):
            return "incomplete"
        return "passed"

    def to_dict(self) -> JSON:
        return {
            "schema_version": SCHEMA_VERSION,
            "verdict": self.verdict,
            "meta": to_json(self.meta),
            "summary": self.summary(),
            "items": [to_json(i) for i in self.items],
            "findings": [{**to_json(f), "fingerprint": f.fingerprint} for f in self.findings],
            "coverage": [to_json(c) for c in self.coverage],
            "load": [to_json(r) for r in self.load],
            "contracts": [to_json(c) for c in self.contracts],
            "errors": [to_json(e) for e in self.errors],
            "setups": [to_json(s) for s in self.setups],
            "baseline": to_json(self.baseline),
        }

    @classmethod
    def from_dict(cls, data: JSON) -> RunResult:
        return cls(
            meta=from_json(RunMeta, data["meta"]),
            items=[from_json(ItemResult, i) for i in data.get("items", [])],
            findings=[from_json(Finding, f) for f in data.get("findings", [])],
            coverage=[from_json(OperationCoverage, c) for c in data.get("coverage", [])],
            load=[from_json(LoadResult, r) for r in data.get("load", [])],
            contracts=[from_json(ContractResult, c) for c in data.get("contracts", [])],
            errors=[from_json(RunError, e) for e in data.get("errors", [])],
            setups=[from_json(SuiteSetup, s) for s in data.get("setups", [])],
            baseline=from_json(Comparison, data["baseline"]) if data.get("baseline") else None,
        )

    def summary(self) -> JSON:
        by_source = {s.value: sum(1 for f in self.findings if f.source is s) for s in Source}
        by_severity = {s.value: sum(1 for f in self.findings if f.severity is s) for s in Severity}
        outcomes = {o.value: sum(1 for i in self.items if i.outcome is o) for o in Outcome}
        return {
            "items": len(self.items),
            "outcomes": outcomes,
            "findings": len(self.findings),
            "warnings": sum(1 for f in self.findings if f.warning),  # findings that fail nothing
            "findings_by_source": by_source,
            "findings_by_severity": by_severity,
            "cases": sum(i.cases for i in self.items if i.source is Source.FUZZ),  # generated fuzz cases
            "errors": len(self.errors),
            # documented operations by how far fuzzing got (rows of undocumented methods probed are left out)
            "operations": {t.value: sum(1 for c in self.coverage if not c.probed and c.tested is t) for t in Tested},
        }


Record: TypeAlias = ItemResult | Finding | OperationCoverage | LoadResult | ContractResult | RunError | SuiteSetup

_BUCKETS: dict[type, str] = {
    ItemResult: "items",
    Finding: "findings",
    OperationCoverage: "coverage",
    LoadResult: "load",
    ContractResult: "contracts",
    RunError: "errors",
    SuiteSetup: "setups",
}
RECORD_KINDS: dict[str, type] = {cls.__name__: cls for cls in _BUCKETS}


def _one_per_fingerprint(findings: list[Finding]) -> list[Finding]:
    """One finding per defect: the same fingerprint from several items (an operation's item and the stateful run,
    a shrunk and an unshrunk case) is shown once, the first (most severe) of them, naming how often it was seen."""
    groups: dict[str, list[Finding]] = {}
    for f in findings:
        groups.setdefault(f.fingerprint, []).append(f)
    kept = []
    for group in groups.values():
        first = group[0]
        if len(group) > 1 and "occurrences" not in first.details:
            items = sorted({f.item for f in group if f.item})
            details = {**first.details, "occurrences": len(group), "items": items}
            first = dataclasses.replace(first, details=details)
        kept.append(first)
    return kept


def _one_per_defect(findings: list[Finding]) -> list[Finding]:
    """A finding whose `details.same_defect_as` names another check that reported the same operation of the same
    suite (apitest's `use_after_delete` where schemathesis's `use_after_free` fired) is folded into that one, which
    names it under `also_found_by`: the engine's finding always stays."""
    present = {(f.source, f.suite, f.operation, f.check): i for i, f in enumerate(findings)}
    kept: list[Finding | None] = list(findings)
    for i, f in enumerate(findings):
        other = f.details.get("same_defect_as")
        j = present.get((f.source, f.suite, f.operation, other)) if isinstance(other, str) else None
        if j is None or j == i or kept[j] is None:
            continue
        target = kept[j]
        assert target is not None
        also = sorted({*target.details.get("also_found_by", []), f.check})
        kept[j] = dataclasses.replace(target, details={**target.details, "also_found_by": also})
        kept[i] = None
    return [f for f in kept if f is not None]


def _canonical(record: Any) -> str:
    return json.dumps(to_json(record), sort_keys=True)


def to_json(obj: Any) -> Any:
    """Dataclasses to dicts, enums to values, tuples to lists: plain JSON data."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_json(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, StrEnum):
        return obj.value
    if isinstance(obj, float) and not math.isfinite(obj):
        return None  # JSON has no NaN or infinity
    if isinstance(obj, list | tuple):
        return [to_json(v) for v in obj]
    if isinstance(obj, dict):
        return {str(k): to_json(v) for k, v in obj.items()}
    return obj


def from_json(cls: type[Any], data: Any) -> Any:
    """The inverse of `to_json` for our dataclasses, driven by their (resolved) field types."""
    import typing

    hints = typing.get_type_hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _convert(hints[f.name], data[f.name])
    return cls(**kwargs)


def _convert(tp: Any, value: Any) -> Any:
    import types
    import typing

    if value is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(tp) if a is not type(None)]
        return _convert(inner[0], value) if len(inner) == 1 else value
    if origin is tuple:
        args = typing.get_args(tp)
        return tuple(_convert(args[0], v) for v in value)
    if origin is list:
        return [_convert(typing.get_args(tp)[0], v) for v in value]
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_json(tp, value)
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return tp(value)
    return value


def format_findings(findings: Sequence[Finding]) -> str:
    """Findings as pytest shows a failed item: severity, check, title, message, and how to reproduce each."""
    lines = []
    for f in findings:
        where = f" on {f.operation}" if f.operation else ""
        lines.append(f"[{f.severity.value}] {f.check}{where}: {f.title}")
        for line in f.message.strip().splitlines()[:8]:
            lines.append(f"    {line}")
        steps = f.details.get("steps") if isinstance(f.details.get("steps"), list) else None
        if steps and len(steps) > 1:
            lines.append(f"    reproduce ({len(steps)} requests in order, the last one fails):")
            lines.extend(f"      {step}" for step in steps)
        elif f.curl:
            lines.append(f"    reproduce: {f.curl}")
    return "\n".join(lines)
