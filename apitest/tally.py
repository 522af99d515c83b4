"""Which selected items finished, which were cut short, and which never ran: no report is complete by mistake.

Every apitest item records its own `ItemResult` as it ends (items.py), a signal included. What cannot record itself
is an item that never started (the run was interrupted or stopped first) or whose process died under it (an xdist
worker killed with -9). The controller therefore keeps a tally: the apitest items selected (its own collection, or
what each xdist worker reports it collected), the ones pytest reported finished, and the ones xdist reported lost
with a crashed worker. At the end, `missing()` names each selected item that has no result, so the report can say
what was not tested instead of quietly leaving it out.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .results import ItemResult, Outcome, Source

SUITE_FILES = ("apitest.toml", "pyproject.toml")  # the files apitest collects (plugin.pytest_collect_file)


@dataclass(frozen=True, slots=True)
class Planned:
    nodeid: str
    source: Source
    suite: str
    name: str


@dataclass(slots=True)
class Tally:
    planned: dict[str, Planned] = field(default_factory=dict)
    started: set[str] = field(default_factory=set)
    finished: set[str] = field(default_factory=set)
    crashed: dict[str, str] = field(default_factory=dict)  # nodeid -> what xdist said about the worker
    deselected: int = 0  # apitest items -k/-m/--lf left out

    def plan(self, item: Planned) -> None:
        self.planned.setdefault(item.nodeid, item)

    def plan_nodeids(self, nodeids: list[str]) -> None:
        """Items an xdist worker collected: apitest's are those of a suite file (the controller has no objects)."""
        for nodeid in nodeids:
            path, sep, name = nodeid.partition("::")
            if sep and path.rsplit("/", 1)[-1] in SUITE_FILES:
                self.plan(Planned(nodeid, source_of(name), "", name))

    def start(self, nodeid: str) -> None:
        self.started.add(nodeid)

    def report(self, nodeid: str, when: str, outcome: str, longrepr: str = "") -> None:
        """A pytest report for `nodeid`: the item is done after its teardown, or a setup that did not pass."""
        if when == "???":  # xdist's report for the item a crashed worker was running
            self.crashed[nodeid] = longrepr.strip().splitlines()[0] if longrepr.strip() else "the worker crashed"
            self.finished.add(nodeid)
        elif when == "teardown" or (when == "setup" and outcome != "passed"):
            self.finished.add(nodeid)

    def missing(self, recorded: list[ItemResult], why: str, *, before: str = "before it started") -> list[ItemResult]:
        """An ItemResult for each planned item without one: lost with a crashed worker, cut short in a process that
        ended (`why`, "its process ended before it finished"), or never started (`why`, `before`)."""
        have = {r.nodeid for r in recorded}
        suites = {r.nodeid.partition("::")[0]: r.suite for r in recorded}
        results = []
        for nodeid, item in self.planned.items():
            if nodeid in have:
                continue
            suite = item.suite or suites.get(nodeid.partition("::")[0]) or _folder(nodeid)
            if nodeid in self.crashed:
                outcome, error = Outcome.ERROR, f"lost: {self.crashed[nodeid]}"
            elif nodeid in self.finished:
                continue  # pytest ran it (skipped in setup by a marker, say): nothing of apitest's to record
            elif nodeid in self.started:
                outcome, error = Outcome.INTERRUPTED, f"not finished: {why}; its process ended before it finished"
            else:
                outcome, error = Outcome.INTERRUPTED, f"not run: {why} {before}"
            results.append(ItemResult(nodeid, item.source, suite, item.name, outcome, 0.0, error=error))
        return results


def source_of(name: str) -> Source:
    """The side of an item, from its name alone (contracts/items.py and load/items.py name theirs so)."""
    if name.startswith("load["):
        return Source.LOAD
    if name.startswith(("verify[", "crosscheck[", "pact[", "pacts[")):
        return Source.CONTRACT
    return Source.FUZZ


def _folder(nodeid: str) -> str:
    parts = nodeid.partition("::")[0].split("/")
    return parts[-2] if len(parts) > 1 else ""
