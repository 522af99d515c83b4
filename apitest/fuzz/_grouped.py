"""Engine runs of operation groups in xdist workers (`apitest run -n N`): one per group, learning across processes.

groups.py shares a suite's operations out among the workers; here each group becomes one `SuiteRun` over its
operations (the stateless phases), attached to the suite's `SharedPool` (_pool.py), so values one group captures
reach the others as they run. The stateful and follow-up items are the last group: its run waits until every
operation group is done, takes in what they learned (values, Location headers, accepted requests), then runs the
stateful phase over the whole spec and hands the follow-ups their exemplars, as one process would.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from .. import credentials
from ..settings import STATEFUL_PHASE, STATELESS_PHASES
from ..spec import operations
from ._engine import Practice, SuiteRun, build_schema
from ._pool import SharedPool, pool_folder
from .groups import AFTER
from .items import FuzzFollowUpItem, FuzzOperationItem, FuzzStatefulItem, _FuzzItem

if TYPE_CHECKING:
    from schemathesis.schemas import BaseSchema

    from ._engine import FuzzRun


class GroupRun(SuiteRun):
    """A SuiteRun that shares what it learns, says when it is done, and (the last group) waits for the others."""

    def __init__(
        self,
        schema: BaseSchema,
        labels: Sequence[str],
        *,
        pool: SharedPool,
        group: str,
        waits_for: Sequence[str] = (),
        ready: Callable[[], set[str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(schema, labels, **kwargs)
        if labels:
            # What schemathesis captures and where it feeds it is worked out from the dependencies between
            # operations: over the group's operations alone, a POST whose IDs only another group's GET uses would
            # capture nothing, and that GET would draw from nothing. The group's run takes the whole spec's.
            _share_analysis(schema, self._schema)
        self.pool = pool
        self.group = group
        pool.origin = group  # a process runs its groups one after another: what it publishes now is this one's
        self.waits_for = tuple(waits_for)
        self.ready = ready  # instead of waits_for: blocks until the others are done, returns those that failed
        self.missing: set[str] = set()  # groups never done (a worker died): the run went on without them
        self._keys = set(self._runs)
        self._taken: set[str] = set()
        self._started = False
        self._published = False
        pool.attach(self._schema)
        if labels:
            source = self._schema.create_extra_data_source()
            if getattr(source, "repository", None) is not None:
                from schemathesis.core.result import Ok

                everything = [r.ok().label for r in schema.get_all_operations() if isinstance(r, Ok)]
                pool.expect(source, labels, [label for label in everything if label not in set(labels)])

    def result(self, key: str) -> FuzzRun:
        if not self._started:
            self._started = True
            if self.waits_for or self.ready is not None:
                started = time.monotonic()
                self.missing = self.ready() if self.ready is not None else self.pool.wait_for(self.waits_for)
                imported = self.pool.import_exemplars(self._schema, self.exemplars)
                self.pool.publish(
                    {
                        "k": "waited",
                        "g": self.group,
                        "s": round(time.monotonic() - started, 3),
                        "missing": sorted(self.missing),
                        "exemplars": imported,
                    }
                )
        try:
            return super().result(key)
        finally:
            self._taken.add(key)
            if self._taken >= self._keys and not self._published:
                self._published = True
                self.pool.publish_exemplars(self.exemplars)
                self.pool.done(self.group)


def _share_analysis(whole: BaseSchema, part: BaseSchema) -> None:
    analysis, own = getattr(whole, "analysis", None), getattr(part, "analysis", None)
    if analysis is not None and own is not None and hasattr(own, "_extra_data_source"):
        own._extra_data_source = analysis.extra_data_source


def group_run(item: _FuzzItem) -> SuiteRun | None:
    """The group's run for `item`, or None when a selection (-k, -m, --lf) leaves operations out: then each item
    runs alone, as before, since a group would call operations the user deselected."""
    runtime, suite = item.runtime, item.suite
    ours = [i for i in item.session.items if isinstance(i, _FuzzItem) and i.suite.file == suite.file]
    selected = {i.key for i in ours if isinstance(i, FuzzOperationItem)}
    if selected and selected != {op.label for op in operations(runtime.document(suite))}:
        return None
    groups: dict[str, list[_FuzzItem]] = {}
    for member in ours:
        groups.setdefault(member.group, []).append(member)
    return runtime.cached("fuzz-group", f"{suite.file}:{item.group}", lambda: _make(item, groups))


def _make(item: _FuzzItem, groups: dict[str, list[_FuzzItem]]) -> GroupRun:
    runtime, suite = item.runtime, item.suite
    document = runtime.document(suite)
    base_url = runtime.base_url(suite)
    worker = str(getattr(item.config, "workerinput", {}).get("workerid", "main"))

    def schema(phases: tuple[str, ...]) -> BaseSchema:
        return runtime.cached(
            "schema:" + ",".join(phases), str(suite.file), lambda: build_schema(document, suite, base_url, phases)
        )

    def make_pool() -> SharedPool:
        pool = SharedPool(pool_folder(runtime.records, str(suite.file)), worker, on_error=runtime.recorder.fail)
        runtime.on_close(pool.close)
        return pool

    pool = runtime.cached("fuzz-pool", str(suite.file), make_pool)
    common: dict[str, Any] = {
        "practice": runtime.cached("fuzz-practice", str(suite.file), lambda: Practice.of(document, suite)),
        "users": credentials.users_of(suite),
        "pause": suite.fuzz.retry_after_pause,
        "pool": pool,
        "group": item.group,
    }
    members = groups[item.group]
    if item.group.endswith("-" + AFTER):
        stateful = any(isinstance(m, FuzzStatefulItem) for m in members)
        follow = any(isinstance(m, FuzzFollowUpItem) for m in members)
        others = [g for g in groups if g != item.group]
        run = GroupRun(
            schema((STATEFUL_PHASE,) if stateful else ()),
            [],
            stateful=stateful,
            followups=follow,
            waits_for=others,
            **common,
        )
    else:
        phases = tuple(p for p in suite.fuzz.phases if p in STATELESS_PHASES)
        run = GroupRun(schema(phases), [m.key for m in members], stateful=False, **common)
    runtime.on_close(run.close)
    return run
