"""Fuzz items: one per API operation (examples, coverage, fuzzing phases) and one for the stateful phase."""

from __future__ import annotations

import functools
import os
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import pytest

from .. import credentials
from ..errors import SpecLoadError
from ..items import ApitestItem, ItemOutcome
from ..results import Finding, OperationCoverage, Severity, Source, Tested
from ..settings import STATEFUL_PHASE, STATELESS_PHASES
from ..spec import Operation, operations
from ..stash import RUNTIME_KEY
from . import practice
from ._followup import CHECKS, FOLLOW_UPS
from ._generation_cache import GENERATION_CACHE
from .determinism import LOCAL_CONSTANTS

if TYPE_CHECKING:
    from schemathesis.schemas import BaseSchema

    from ..settings import Suite
    from ._engine import FuzzRun, SuiteRun
    from ._forked import ForkedRun

    EngineRun = SuiteRun | ForkedRun


def collect_fuzz(parent: pytest.Collector, suite: Suite) -> Iterator[pytest.Item]:
    if not suite.fuzz.enabled:
        return
    runtime = parent.config.stash[RUNTIME_KEY]
    document = runtime.document(suite)
    found = operations(document)
    if not found:
        paths = document.get("paths") or {}
        raise SpecLoadError(
            f"{runtime.spec_location(suite)}: documents no operation ({len(paths)} path{'s' if len(paths) != 1 else ''}, "
            "none with an HTTP method), so there is nothing to fuzz; fix the spec, or set [fuzz] enabled = false."
        )
    items: list[_FuzzItem] = []
    if any(p in suite.fuzz.phases for p in STATELESS_PHASES):
        for op in found:
            items.append(FuzzOperationItem.from_parent(parent, name=op.label, suite=suite, operation=op))
    if STATEFUL_PHASE in suite.fuzz.phases:
        items.append(FuzzStatefulItem.from_parent(parent, name="stateful", suite=suite))
    if follow_up_checks(suite):
        items.append(FuzzFollowUpItem.from_parent(parent, name=FOLLOW_UPS, suite=suite))
    grouping = worker_groups(parent.config, suite, [i.key for i in items if isinstance(i, FuzzOperationItem)])
    for item in items:
        if grouping is not None:
            item.group = grouping[item.key]
            # xdist's loadgroup scheduling sends a group's items to one worker; pytest_collection_finish takes
            # the "@group" suffix it adds back off the node ids once the collection is sent (plugin.py)
            item.add_marker(pytest.mark.xdist_group(item.group))
        yield item


def worker_groups(config: pytest.Config, suite: Suite, labels: Sequence[str]) -> dict[str, str] | None:
    """In an xdist worker of a loadgroup run (`apitest run -n N`): each fuzz item's group; else None.

    The operations are shared out in as many groups as there are workers (groups.py), the stateful and follow-up
    items form one more, which starts when the others are done. Every worker computes the same.
    """
    workerinput = getattr(config, "workerinput", None)
    # an xdist worker's own dist is "no"; xdist leaves it `loadgroup` for a loadgroup run (xdist/remote.py)
    if workerinput is None or not getattr(config.option, "loadgroup", False):
        return None
    from .groups import AFTER, group_name, operation_groups

    count = max(int(workerinput.get("workercount", 1)), 1)
    grouping = {
        label: group_name(str(suite.file), str(i))
        for i, group in enumerate(operation_groups(labels, count) if labels else [])
        for label in group
    }
    grouping[STATEFUL_PHASE] = grouping[FOLLOW_UPS] = group_name(str(suite.file), AFTER)
    return grouping


def follow_up_checks(suite: Suite) -> frozenset[str]:
    """The follow-up checks (_followup.py) the suite's checks and exclude_checks leave on."""
    fuzz = suite.fuzz
    wanted = CHECKS if "all" in fuzz.checks else [c for c in CHECKS if c in fuzz.checks]
    return frozenset(c for c in wanted if c not in fuzz.exclude_checks)


class _FuzzItem(ApitestItem):
    source = Source.FUZZ
    key = ""  # an operation label, or "stateful"
    group = ""  # its operation group under `-n N` (groups.py), else ""

    def _run(self) -> FuzzRun:
        return self._run_of(_engine_run(self))

    def _run_of(self, suite_run: EngineRun) -> FuzzRun:
        from . import _engine

        try:
            return suite_run.result(self.key)
        except _engine.EngineError as exc:
            self.untested(str(exc))
            raise ItemErrorReport(str(exc)) from None

    def untested(self, why: str) -> None:
        """Record that nothing of this item could be tested, and why."""

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        if isinstance(excinfo.value, ItemErrorReport):
            return f"apitest could not fuzz this: {excinfo.value}"
        return super().repr_failure(excinfo, style)


class ItemErrorReport(Exception):
    """The engine could not test this item; shown without a traceback."""


class FuzzOperationItem(_FuzzItem):
    def __init__(self, *, operation: Operation, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.operation = operation
        self.key = operation.label

    def untested(self, why: str) -> None:
        document = self.runtime.document(self.suite)
        self.runtime.record(
            OperationCoverage(
                suite=self.suite.name,
                operation=self.operation.label,
                documented=documented_statuses(document, self.operation),
                tested=Tested.NOT,
                notes=(why,),
            )
        )

    def execute(self) -> ItemOutcome:
        run = self._run()
        label = self.operation.label
        document = self.runtime.document(self.suite)
        seen = run.statuses.get(label, Counter())
        documented = {op.label for op in operations(document)}
        probes = {
            other: counts
            for other, counts in run.statuses.items()
            if other != label and other.split(" ", 1)[1] == self.operation.path and other not in documented
        }
        own_cases = run.cases - sum(sum(c.values()) for c in probes.values())
        tested, notes = how_tested(run, seen, own_cases)
        self.runtime.record(
            OperationCoverage(
                suite=self.suite.name,
                operation=label,
                documented=documented_statuses(document, self.operation),
                seen={str(k): v for k, v in sorted(seen.items())},
                cases=own_cases,
                tested=tested,
                notes=notes,
            )
        )
        if probes:  # methods the spec does not document for this path: one row, "DELETE|PATCH|PUT /path"
            answers: Counter[int] = Counter()
            for counts in probes.values():
                answers.update(counts)
            methods = "|".join(sorted(other.split(" ", 1)[0] for other in probes))
            self.runtime.record(
                OperationCoverage(
                    suite=self.suite.name,
                    operation=f"{methods} {self.operation.path}",
                    documented=(),
                    seen={str(k): v for k, v in sorted(answers.items())},
                    cases=sum(answers.values()),
                    probed=True,
                )
            )
        findings = list(run.findings)
        threshold = self.suite.fuzz.slow_operation_ms
        slow = practice.slow_operation(run.elapsed_ms.get(label, []), threshold) if threshold is not None else None
        if slow:
            _, curl, exchange = run.slowest[label]
            title = practice.TITLES["slow_operation"]
            findings.append(
                Finding(Source.FUZZ, "slow_operation", label, title, slow, Severity.LOW, curl=curl, exchange=exchange)
            )
        if run.skipped and not run.cases and not findings:
            pytest.skip(run.skipped)  # recorded above as not tested, with the reason
        return ItemOutcome(findings=findings, cases=run.cases, duration_s=run.busy_s)


class FuzzStatefulItem(_FuzzItem):
    key = STATEFUL_PHASE

    def execute(self) -> ItemOutcome:
        run = self._run()
        if not run.cases and not run.findings:
            pytest.skip("no stateful links in the spec, and none could be inferred")
        return ItemOutcome(findings=run.findings, cases=run.cases, duration_s=run.busy_s, notes=tuple(run.problems))


AUTH_REJECTIONS = frozenset({401, 403})


def how_tested(run: FuzzRun, seen: Counter[int], cases: int) -> tuple[Tested, tuple[str, ...]]:
    """Fully, partly or not tested, and why not fully: a phase that could not generate data, or a wall of 401/403."""
    notes = list(run.problems)
    if seen and set(seen) <= AUTH_REJECTIONS:
        notes.append(
            f"answered only {'/'.join(str(s) for s in sorted(seen))}: check the suite's credentials, unless it "
            "refuses by design"
        )
    if not cases:
        return Tested.NOT, tuple(notes or [run.skipped or "no case could be generated"])
    return (Tested.PARTLY if notes else Tested.FULLY), tuple(notes)


class FuzzFollowUpItem(_FuzzItem):
    """The checks no single response shows (_followup.py), sent once the suite's engine run has ended."""

    key = FOLLOW_UPS

    def execute(self) -> ItemOutcome:
        from . import _engine
        from ._followup import run_followups

        suite_run = _engine_run(self)
        assert isinstance(suite_run, _engine.SuiteRun)  # the follow-ups are never in a forked child
        run = self._run_of(suite_run)  # drains the engine: nothing else is sending from here on
        suite, runtime = self.suite, self.runtime
        document = runtime.document(suite)
        base_url = runtime.base_url(suite)
        phases = tuple(suite.fuzz.phases)
        schema = runtime.cached(
            "schema:" + ",".join(phases),
            str(suite.file),
            lambda: _engine.build_schema(document, suite, base_url, phases),
        )
        started = time.perf_counter()
        with _engine.stamped(), GENERATION_CACHE, LOCAL_CONSTANTS:
            findings, notes, sent = run_followups(
                schema, document, suite, base_url, suite_run.exemplars, follow_up_checks(suite)
            )
        return ItemOutcome(
            findings=[*run.findings, *findings],
            cases=run.cases + sent,
            duration_s=run.busy_s + time.perf_counter() - started,
            notes=tuple(notes),
        )


def _engine_run(item: _FuzzItem) -> EngineRun:
    """The engine run that serves `item`: one per suite for every fuzz item this process will run.

    Under xdist a worker learns its items one at a time: with groups (`apitest run -n N`, loadgroup scheduling),
    each group of operations is one engine run, sharing what it learns with the other workers' (_pool.py); with
    another scheduling, each item gets an engine run of its own.
    """
    runtime, suite = item.runtime, item.suite
    if item.group:
        from ._grouped import group_run

        run = group_run(item)
        if run is not None:
            return run
    elif not hasattr(item.config, "workerinput"):
        plan = runtime.cached("fuzz-plan", str(suite.file), lambda: _plan(item, item.session.items))
        if item.key in plan and plan[item.key].claimable(item.key):
            return plan[item.key]
    return _plan(item, [item])[item.key]  # xdist, or an item run again (e.g. by a rerun plugin)


def _plan(item: _FuzzItem, items: Sequence[pytest.Item]) -> dict[str, EngineRun]:
    """Group the suite's selected fuzz items into engine runs, as few as keep the selection exact."""
    from . import _engine
    from .progress import FuzzProgress

    suite, runtime = item.suite, item.runtime
    document = runtime.document(suite)
    base_url = runtime.base_url(suite)
    ours = [i for i in items if isinstance(i, _FuzzItem) and i.suite.file == suite.file]
    labels = [i.key for i in ours if isinstance(i, FuzzOperationItem)]
    stateful = any(isinstance(i, FuzzStatefulItem) for i in ours)
    follow = any(isinstance(i, FuzzFollowUpItem) for i in ours)

    def schema(phases: tuple[str, ...]) -> BaseSchema:
        return runtime.cached(
            "schema:" + ",".join(phases),
            str(suite.file),
            lambda: _engine.build_schema(document, suite, base_url, phases),
        )

    GENERATION_CACHE.directory = runtime.cache_dir
    progress = FuzzProgress(item.config, suite.name)
    own = runtime.cached("fuzz-practice", str(suite.file), lambda: _engine.Practice.of(document, suite))
    users = credentials.users_of(suite)  # each recorded request says whose credentials it carried
    plan: dict[str, EngineRun] = {}
    engine_run = functools.partial(  # what every engine run of the suite shares
        _engine.SuiteRun,
        progress=progress,
        practice=own,
        users=users,
        pause=suite.fuzz.retry_after_pause,
        max_duration=suite.fuzz.max_duration,
    )
    if labels and set(labels) == {op.label for op in operations(document)} and _forks(item, labels):
        plan.update(_forked_plan(item, labels, stateful, follow, schema, progress, own, users))
    elif labels and set(labels) == {op.label for op in operations(document)}:
        # The CLI's own run: the stateful phase learns from the phases before it; the follow-ups from them all.
        run = engine_run(
            schema(tuple(suite.fuzz.phases)),
            labels,
            stateful=stateful,
            followups=follow,
        )
        plan.update(
            dict.fromkeys([*labels, *([STATEFUL_PHASE] if stateful else []), *([FOLLOW_UPS] if follow else [])], run)
        )
    else:
        if labels:
            phases = tuple(p for p in suite.fuzz.phases if p in STATELESS_PHASES)
            run = engine_run(
                schema(phases),
                labels,
                stateful=False,
            )
            plan.update(dict.fromkeys(labels, run))
        if stateful or follow:
            # Not every operation is selected: links may lead anywhere, so the stateful phase (and the exemplars of
            # the follow-ups) come from a run over the whole spec.
            whole: tuple[str, ...] = (
                (STATEFUL_PHASE,) if stateful else tuple(p for p in suite.fuzz.phases if p in STATELESS_PHASES)
            )
            run = engine_run(
                schema(whole),
                [],
                stateful=stateful,
                followups=follow,
            )
            if stateful:
                plan[STATEFUL_PHASE] = run
            if follow:
                plan[FOLLOW_UPS] = run
    for each in set(plan.values()):
        runtime.on_close(each.close)
    return plan


def documented_statuses(document: dict[str, Any], operation: Operation) -> tuple[str, ...]:
    item = (document.get("paths") or {}).get(operation.path) or {}
    responses = (item.get(operation.method.lower()) or {}).get("responses") or {}
    return tuple(sorted(str(code) for code in responses))


def _forks(item: _FuzzItem, labels: Sequence[str]) -> bool:
    """Whether the suite's run is spread over forked processes ([fuzz] processes; never in an xdist worker)."""
    return item.suite.fuzz.processes > 1 and len(labels) > 1 and hasattr(os, "fork") and not _in_xdist(item)


def _in_xdist(item: _FuzzItem) -> bool:
    return hasattr(item.config, "workerinput")


def _forked_plan(
    item: _FuzzItem,
    labels: Sequence[str],
    stateful: bool,
    follow: bool,
    schema: Callable[[tuple[str, ...]], BaseSchema],
    progress: Any,
    own: Any,
    users: Any,
) -> dict[str, EngineRun]:
    """The operations' stateless phases in forked children that share out pieces of the spec as they go
    (_forked.py); the stateful phase and the follow-ups here, once the children are done, with what they shared
    (_pool.py)."""
    from ._forked import ForkedRun, prepare
    from ._grouped import GroupRun
    from ._pool import SharedPool, pool_folder
    from .groups import AFTER, group_name, operation_pieces

    suite, runtime = item.suite, item.runtime
    folder = pool_folder(runtime.records, str(suite.file))
    stateless = schema(tuple(p for p in suite.fuzz.phases if p in STATELESS_PHASES))
    prepare(stateless)  # built once here, inherited by every child
    common: dict[str, Any] = {"practice": own, "users": users, "pause": suite.fuzz.retry_after_pause}

    def make_run(group: Sequence[str], pool: SharedPool, name: str) -> SuiteRun:
        return GroupRun(stateless, group, stateful=False, pool=pool, group=name, **common)

    forked = ForkedRun(
        operation_pieces(labels, suite.fuzz.processes),
        processes=suite.fuzz.processes,
        folder=folder,
        make_run=make_run,
        piece_name=lambda i: group_name(str(suite.file), str(i)),
    )
    runtime.on_close(forked.close)
    plan: dict[str, EngineRun] = dict.fromkeys(labels, forked)
    if stateful or follow:
        pool = SharedPool(folder, "main", on_error=runtime.recorder.fail)
        runtime.on_close(pool.close)
        after = GroupRun(
            schema((STATEFUL_PHASE,) if stateful else ()),
            [],
            stateful=stateful,
            followups=follow,
            progress=progress,
            pool=pool,
            group=group_name(str(suite.file), AFTER),
            ready=forked.wait_all,
            **common,
        )
        runtime.on_close(after.close)
        if stateful:
            plan[STATEFUL_PHASE] = after
        if follow:
            plan[FOLLOW_UPS] = after
    return plan
