"""Fuzz items: one per API operation (examples, coverage, fuzzing phases) and one for the stateful phase."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from ..items import ApitestItem, ItemOutcome
from ..results import Finding, OperationCoverage, Severity, Source
from ..spec import Operation, operations
from ..stash import RUNTIME_KEY
from . import practice

if TYPE_CHECKING:
    from ..config import Suite
    from ._engine import FuzzRun

STATELESS = ("examples", "coverage", "fuzzing")


def collect_fuzz(parent: pytest.Collector, suite: Suite) -> Iterator[pytest.Item]:
    if not suite.fuzz.enabled:
        return
    document = parent.config.stash[RUNTIME_KEY].document(suite)
    if any(p in suite.fuzz.phases for p in STATELESS):
        for op in operations(document):
            yield FuzzOperationItem.from_parent(parent, name=op.label, suite=suite, operation=op)
    if "stateful" in suite.fuzz.phases:
        yield FuzzStatefulItem.from_parent(parent, name="stateful", suite=suite)


class _FuzzItem(ApitestItem):
    source = Source.FUZZ
    phases: tuple[str, ...] = ()

    def _run(self, operation: Operation | None) -> FuzzRun:
        from . import _engine

        suite, runtime = self.suite, self.runtime
        document = runtime.document(suite)
        base_url = runtime.base_url(suite)
        phases = tuple(p for p in suite.fuzz.phases if p in self.phases)
        schema = runtime.cached(
            "schema:" + ",".join(phases),
            str(suite.file),
            lambda: _engine.build_schema(document, suite, base_url, phases),
        )
        try:
            return _engine.run(schema, (operation.method, operation.path) if operation else None)
        except _engine.EngineError as exc:
            raise ItemErrorReport(str(exc)) from None

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        if isinstance(excinfo.value, ItemErrorReport):
            return f"apitest could not fuzz this: {excinfo.value}"
        return super().repr_failure(excinfo, style)


class ItemErrorReport(Exception):
    """The engine could not test this item; shown without a traceback."""


class FuzzOperationItem(_FuzzItem):
    phases = STATELESS

    def __init__(self, *, operation: Operation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.operation = operation

    def execute(self) -> ItemOutcome:
        run = self._run(self.operation)
        label = self.operation.label
        document = self.runtime.document(self.suite)
        seen = run.statuses.get(label, Counter())
        self.runtime.record(
            OperationCoverage(
                suite=self.suite.name,
                operation=label,
                documented=documented_statuses(document, self.operation),
                seen={str(k): v for k, v in sorted(seen.items())},
                cases=run.cases,
            )
        )
        findings = list(run.findings)
        slow = practice.slow_operation(run.elapsed_ms.get(label, []), self.suite.fuzz.slow_operation_ms)
        if slow:
            _, curl, exchange = run.slowest[label]
            title = practice.TITLES["slow_operation"]
            findings.append(
                Finding(Source.FUZZ, "slow_operation", label, title, slow, Severity.LOW, curl=curl, exchange=exchange)
            )
        if run.skipped and not run.cases and not findings:
            pytest.skip(run.skipped)
        return ItemOutcome(findings=findings, cases=run.cases)


class FuzzStatefulItem(_FuzzItem):
    phases = ("stateful",)

    def execute(self) -> ItemOutcome:
        run = self._run(None)
        if not run.cases and not run.findings:
            pytest.skip("no stateful links in the spec, and none could be inferred")
        return ItemOutcome(findings=run.findings, cases=run.cases)


def documented_statuses(document: dict[str, Any], operation: Operation) -> tuple[str, ...]:
    item = (document.get("paths") or {}).get(operation.path) or {}
    responses = (item.get(operation.method.lower()) or {}).get("responses") or {}
    return tuple(sorted(str(code) for code in responses))
