"""What one process's engine runs learn, shared with the other processes of the run (`apitest run -n N`).

A suite's operations are shared out among xdist workers in groups (groups.py), one engine run per group. Alone,
each run would lose what the engine learns across operations; through a `SharedPool` they keep it:

* **captured values**: every resource instance schemathesis stores in its pool (`ResourceRepository`, the IDs and
  fields it captures from responses and accepted requests) is appended to this process's file, and each draw
  reads what the other processes appended since (at most every `REFRESH_S`), so an ID one process's
  `POST /books` captured reaches the `GET /books/{id}` another process runs, and a value a DELETE removed (the
  engine's `remove_by_value` after a DELETE the API accepted) is removed from every process's pool;
* **observations**: the `Location` headers and same-origin body URLs the stateless phases saw, from which the
  stateful phase infers links;
* **exemplars**: the requests each operation's API accepted, what the follow-up checks start from;
* **done**: which groups have finished, so the stateful and follow-up group starts once every operation group
  has (`wait_for`), with everything they learned.

The store is a folder in the run's record folder, one append-only JSONL file per process (one writer each; a
reader takes whole lines only), so it needs no lock and no server, and leaves what was shared beside the records.
If that folder breaks (disk full, removed), a process stops sharing and tells the recorder, which ends the run as a
broken setup; nothing raises into the engine.
It touches schemathesis internals (`ResourceRepository._store`, `Observations`, the analysis's data source):
tests/fuzz/test_processes.py fails if they change.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from schemathesis.engine.observations import Observations
    from schemathesis.engine.recorder import RecordedScenario
    from schemathesis.schemas import BaseSchema

    from ._followup import Exemplars

REFRESH_S = 0.05  # a draw reads the others' new values at most this often
AWAIT_S = 2.0  # a process waits at most this long, in all, for values only other processes' operations create
QUIET_S = 120.0  # wait_for gives up when no process has shared anything for this long (a worker died)


class SharedPool:
    """One suite's share of the store: `attach` it to each engine run's schema; it publishes and imports."""

    def __init__(self, folder: Path, worker: str, on_error: Callable[[OSError], None] | None = None) -> None:
        self.folder = folder
        self.worker = worker
        self._path = folder / f"{worker}.jsonl"
        self._on_error = on_error  # told once if this process's file cannot be written
        self._out: TextIO | None = None
        self._lock = threading.Lock()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._out = self._path.open("a", encoding="utf-8")
        except OSError as exc:
            self._broken(exc)
        self._offsets: dict[Path, int] = {}
        self._read_at = 0.0
        self._records: list[dict[str, Any]] = []  # everything the other processes shared, in the order read
        self._taken: dict[int, int] = {}  # id(repository) -> how many of _records it has imported
        self._repositories: list[Any] = []
        self.imported_values = 0  # for tests and the bench: values that came from other processes
        self._done_here: set[str] = set()
        self._expected: set[str] = set()  # resources only other processes' operations create (expect)
        self._await_left = AWAIT_S
        self._removed: set[tuple[str, str]] = set()  # (resource, value) deleted by any process
        self.awaited_s = 0.0  # for the records: how long draws waited for other processes' values
        # The group (or piece) whose engine run is publishing now, in each record: which process runs which group
        # changes from run to run, so a run that starts once the others are done (the stateful phase, the
        # follow-ups) takes what they shared in the groups' order, not in the order of the processes' files, and
        # draws the same cases each time.
        self.origin = ""

    # -- the store --------------------------------------------------------------------------------------------
    def publish(self, record: dict[str, Any]) -> None:
        if self.origin:
            record = {**record, "o": self.origin}
        try:
            line = json.dumps(record, separators=(",", ":"), default=_plain)
        except (TypeError, ValueError):
            return  # not JSON: not shareable (e.g. a binary body)
        with self._lock:
            if self._out is None:
                return
            try:
                self._out.write(line + "\n")
                self._out.flush()
            except OSError as exc:
                self._broken(exc)

    def _broken(self, exc: OSError) -> None:
        """The records folder broke (recorder.py): this process shares no more, and the run goes on without."""
        out, self._out = self._out, None
        if out is not None:
            with contextlib.suppress(OSError):
                out.close()
        if self._on_error is not None:
            self._on_error(exc)

    def refresh(self, force: bool = False) -> None:
        """Read what the other processes appended since the last read."""
        with self._lock:
            now = time.monotonic()
            if not force and now - self._read_at < REFRESH_S:
                return
            self._read_at = now
            for path in sorted(self.folder.glob("*.jsonl")):
                if path == self._path:
                    continue
                offset = self._offsets.get(path, 0)
                try:
                    if path.stat().st_size <= offset:
                        continue
                    with path.open("rb") as handle:
                        handle.seek(offset)
                        data = handle.read()
                except OSError:
                    continue
                end = data.rfind(b"\n") + 1  # a line still being written waits for the next read
                for line in data[:end].splitlines():
                    with contextlib.suppress(ValueError):
                        self._records.append(json.loads(line))
                self._offsets[path] = offset + end

    def records(self, kind: str) -> list[dict[str, Any]]:
        self.refresh(force=True)
        with self._lock:
            return _in_group_order([r for r in self._records if r.get("k") == kind])

    def close(self) -> None:
        with self._lock:
            out, self._out = self._out, None
            if out is not None:
                with contextlib.suppress(OSError):
                    out.close()

    # -- values this process needs from the others ---------------------------------------------------------------
    def expect(self, source: Any, own: Iterable[str], others: Iterable[str]) -> None:
        """The resources only `others` (operations of other processes) create: a draw that finds none of them
        waits a little for one (see `wait_for_value`). In one process the engine calls an API's producers before
        its consumers in every phase; across processes nothing orders them, and schemathesis generates next to no
        case for an operation whose parameter it knows comes from a resource of which the pool holds none."""
        repository = source.repository
        needs: dict[str, set[str]] = {}  # operation -> the resources its parameters take values of
        for (label, *_), requirement in (getattr(source, "requirements", None) or {}).items():
            needs.setdefault(label, set()).add(requirement.resource_name)

        def creates(labels: Iterable[str]) -> set[str]:
            # a GET /notes/{id} answers a Note, but only for an ID it was given: it creates none
            return {
                d.resource_name
                for label in labels
                for d in repository.descriptors_for_operation(label)
                if d.resource_name not in needs.get(label, ())
            }

        self._expected = creates(others) - creates(own)

    def awaits(self, resource: str) -> bool:
        return resource in self._expected and self._await_left > 0

    def wait_for_value(self, repository: Any, resource: str) -> Any:
        """Wait (within what is left of AWAIT_S) until another process has shared an instance of `resource`."""
        self._expected.discard(resource)  # once per resource: a producer that never succeeds costs one wait
        started = time.monotonic()
        found: Any = ()
        while not found and time.monotonic() - started < self._await_left:
            time.sleep(REFRESH_S)
            self._import_values(repository)
            found = repository.held(resource)
        self._await_left -= time.monotonic() - started
        self.awaited_s += time.monotonic() - started
        return found

    # -- groups -----------------------------------------------------------------------------------------------
    def done(self, group: str) -> None:
        with self._lock:
            self._done_here.add(group)
        self.publish({"k": "done", "g": group, "w": self.worker})

    def wait_for(self, groups: Iterable[str], *, quiet_s: float = QUIET_S, own: Iterable[str] = ()) -> set[str]:
        """Block until every group in `groups` is done (by any process); returns those that never were.

        Bounded: it gives up once nothing new has been shared for `quiet_s` (a worker died, or a group is queued
        behind this one on the same worker).
        """
        wanted = set(groups) - set(own)
        last_change, last_size = time.monotonic(), -1
        while True:
            finished = {r["g"] for r in self.records("done")} | self._done_here
            missing = wanted - finished
            if not missing:
                return set()
            if not self.folder.is_dir():
                return missing  # the records folder went away: no process can say it is done any more
            size = self._size()
            if size != last_size:
                last_change, last_size = time.monotonic(), size
            elif time.monotonic() - last_change > quiet_s:
                return missing
            time.sleep(0.05)

    def _size(self) -> int:
        size = 0
        for path in self.folder.glob("*.jsonl"):
            with contextlib.suppress(OSError):
                size += path.stat().st_size
        return size

    # -- schemathesis ---------------------------------------------------------------------------------------
    def attach(self, schema: BaseSchema) -> None:
        """Share the values and observations of the engine runs over `schema` (call before they start)."""
        source = schema.create_extra_data_source()
        repository = getattr(source, "repository", None)
        if repository is not None and not isinstance(repository, _shared_repository_class()):
            shared = _shared_repository_class()(repository, self)
            source.repository = shared  # type: ignore[union-attr]
            self._repositories.append(shared)
        _OBSERVERS[id(schema)] = self
        _install_observer()
        original = schema.apply_stateful_inference

        def apply_stateful_inference(observations: Observations | None) -> Any:
            return original(self._with_shared_observations(schema, observations))

        schema.apply_stateful_inference = apply_stateful_inference  # type: ignore[method-assign]

    def _import_values(self, repository: Any) -> None:
        self.refresh()
        with self._lock:
            start = self._taken.get(id(repository), 0)
            new = _in_group_order(self._records[start:])
            self._taken[id(repository)] = len(self._records)
        for record in new:
            kind = record.get("k")
            if kind == "removed":
                self._removed.add((record["r"], _key(record["v"])))
                repository.import_removal(record["r"], record["v"])
                continue
            if kind != "value" or self._was_removed(record["r"], record["d"]):
                continue
            repository.import_value(
                resource_name=record["r"],
                data=record["d"],
                source_operation=record["op"],
                status_code=record["s"],
                context=record.get("c") or {},
                from_example=bool(record.get("e")),
                identity=record.get("i"),
                query=record.get("q") or {},
                referenced=frozenset(record.get("ref") or ()),
            )
            self.imported_values += 1

    def forget(self, resource: str, value: object) -> None:
        """Tell the other processes that `value` of `resource` was deleted (this process's DELETE)."""
        self._removed.add((resource, _key(value)))
        self.publish({"k": "removed", "w": self.worker, "r": resource, "v": value})

    def _was_removed(self, resource: str, data: Any) -> bool:
        # a value shared before another process deleted it may be read after that process's removal
        values = data.values() if isinstance(data, dict) else ()
        return any((resource, _key(value)) in self._removed for value in values)

    def _with_shared_observations(self, schema: BaseSchema, observations: Observations | None) -> Observations:
        from schemathesis.engine.observations import (
            MAX_BODY_URL_SAMPLES,
            MAX_LOCATION_HEADER_SAMPLES,
            BodyUrlEntry,
            LocationHeaderEntry,
            Observations,
        )

        merged = observations if observations is not None else Observations()
        for record in self.records("observation"):
            operation = schema.find_operation_by_label(record["op"])
            if operation is None:
                continue
            if record["t"] == "location":
                entries = merged.location_headers.setdefault(operation, [])
                entry: Any = LocationHeaderEntry(status_code=record["s"], value=record["v"])
                limit = MAX_LOCATION_HEADER_SAMPLES
            else:
                entries = merged.body_urls.setdefault(operation, [])  # type: ignore[assignment]
                entry = BodyUrlEntry(status_code=record["s"], pointer=record["p"], value=record["v"])
                limit = MAX_BODY_URL_SAMPLES
            if len(entries) < limit and entry not in entries:
                entries.append(entry)
        return merged

    # -- exemplars (the follow-up checks' starting points) -----------------------------------------------------
    def publish_exemplars(self, exemplars: Exemplars) -> None:
        for label, kept in exemplars.by_label.items():
            for exemplar in kept:
                case = exemplar.case
                body = getattr(case, "body", None)
                self.publish(
                    {
                        "k": "exemplar",
                        "op": label,
                        "case": {
                            "path_parameters": case.path_parameters or {},
                            "query": case.query or {},
                            "headers": dict(case.headers or {}),
                            "cookies": case.cookies or {},
                            "media_type": case.media_type,
                            **({"body": body} if _has_body(body) else {}),
                        },
                        "s": exemplar.status,
                        "h": exemplar.headers,
                        "b": exemplar.body,
                    }
                )

    def import_exemplars(self, schema: BaseSchema, exemplars: Exemplars) -> int:
        added = 0
        for record in self.records("exemplar"):
            operation = schema.find_operation_by_label(record["op"])
            if operation is None:
                continue
            fields = dict(record["case"])
            try:
                case = operation.Case(**fields)
            except Exception:  # a case this schema cannot rebuild: the follow-ups have the others
                continue
            content = json.dumps(record["b"]).encode() if record.get("b") is not None else b""
            before = len(exemplars.of(record["op"]))
            exemplars.add(record["op"], case, int(record["s"]), record.get("h") or {}, content)
            added += len(exemplars.of(record["op"])) - before
        return added


def _in_group_order(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`records` by the group that published them, each group's in the order it published them."""
    return sorted(records, key=lambda record: str(record.get("o", "")))


def _key(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _has_body(body: Any) -> bool:
    from schemathesis.core import NOT_SET

    return body is not NOT_SET and body is not None and not isinstance(body, bytes)


def _plain(value: Any) -> Any:
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(type(value).__name__)


# -- schemathesis's value pool, shared -------------------------------------------------------------------------

_CLASS: list[type] = []


def _shared_repository_class() -> type:
    """A ResourceRepository that publishes what it stores and takes in what the other processes stored."""
    if _CLASS:
        return _CLASS[0]
    from schemathesis.resources import ResourceRepository

    class SharedRepository(ResourceRepository):
        __slots__ = ("_pool",)

        def __init__(self, original: ResourceRepository, pool: SharedPool) -> None:
            for name in ResourceRepository.__slots__:  # the same buckets, descriptors and lock: a view, not a copy
                setattr(self, name, getattr(original, name))
            self._pool = pool

        def _store(self, **kwargs: Any) -> None:
            super()._store(**kwargs)
            self._pool.publish(
                {
                    "k": "value",
                    "w": self._pool.worker,
                    "r": kwargs["resource_name"],
                    "d": kwargs["data"],
                    "op": kwargs["source_operation"],
                    "s": kwargs["status_code"],
                    "c": kwargs.get("context") or {},
                    "e": kwargs.get("from_example", False),
                    "i": kwargs.get("identity"),
                    "q": kwargs.get("query") or {},
                    "ref": sorted(kwargs.get("referenced") or ()),
                }
            )

        def remove_by_value(self, resource_name: str, value: object) -> int:
            # after a DELETE the API accepted: the value is gone for every process, as it is in one
            removed = super().remove_by_value(resource_name, value)
            self._pool.forget(resource_name, value)
            return removed

        def import_value(self, **kwargs: Any) -> None:
            ResourceRepository._store(self, **kwargs)  # stored here, not published again

        def import_removal(self, resource_name: str, value: object) -> None:
            ResourceRepository.remove_by_value(self, resource_name, value)

        def held(self, resource_name: str) -> Any:
            return ResourceRepository.iter_instances(self, resource_name)

        def iter_instances(self, resource_name: str) -> Any:
            self._pool._import_values(self)
            found = self.held(resource_name)
            if not found and self._pool.awaits(resource_name):
                found = self._pool.wait_for_value(self, resource_name)
            return found

    _CLASS.append(SharedRepository)
    return SharedRepository


# -- observations (Location headers, body URLs) of the stateless phases, shared ---------------------------------

_OBSERVERS: dict[int, SharedPool] = {}  # id(schema) -> the pool of the runs over it
_INSTALLED: list[bool] = []


def _install_observer() -> None:
    if _INSTALLED:
        return
    from schemathesis.engine.observations import Observations

    original = Observations.extract_observations_from

    def extract_observations_from(self: Observations, recorder: RecordedScenario) -> None:
        before = {op: len(v) for op, v in self.location_headers.items()}
        urls_before = {op: len(v) for op, v in self.body_urls.items()}
        original(self, recorder)
        for operation, entries in self.location_headers.items():
            pool = _OBSERVERS.get(id(operation.schema))
            if pool is not None:
                for entry in entries[before.get(operation, 0) :]:
                    pool.publish(
                        {
                            "k": "observation",
                            "t": "location",
                            "op": operation.label,
                            "s": entry.status_code,
                            "v": entry.value,
                        }
                    )
        for operation, url_entries in self.body_urls.items():
            pool = _OBSERVERS.get(id(operation.schema))
            if pool is not None:
                for url in url_entries[urls_before.get(operation, 0) :]:
                    pool.publish(
                        {
                            "k": "observation",
                            "t": "url",
                            "op": operation.label,
                            "s": url.status_code,
                            "p": url.pointer,
                            "v": url.value,
                        }
                    )

    Observations.extract_observations_from = extract_observations_from  # type: ignore[method-assign]
    _INSTALLED.append(True)


def pool_folder(records: Path, suite_file: str) -> Path:
    from .groups import group_name

    return records / "fuzz-pool" / group_name(suite_file, "shared")
