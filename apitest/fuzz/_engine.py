"""The only module that touches schemathesis.

It builds a schemathesis schema from an already loaded document, runs `schemathesis.engine` (what its CLI runs:
examples, coverage, fuzzing, stateful with link inference) for one operation or for the stateful phase, and
translates each failed check into a Finding. `schemathesis.engine` is not in schemathesis's `__all__`; tests in
tests/fuzz pin the parts used here.
"""

from __future__ import annotations

import atexit
import contextlib
import copy
import gc
import json
import os
import re
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from .. import correlation, credentials
from ..credentials import Users
from ..errors import ConfigError, SpecLoadError, TargetError, did_you_mean
from ..redact import REQUEST_BODY_LIMIT, truncate
from ..results import Exchange, Finding, Severity, Source
from ..settings import PHASES, STATEFUL_PHASE, STATELESS_PHASES, Suite
from . import deadlines, practice
from ._followup import CHECKS as FOLLOW_UP_CHECKS, FOLLOW_UPS, Exemplars
from ._generation_cache import GENERATION_CACHE
from .determinism import LOCAL_CONSTANTS
from .environ import LOCKED_ENVIRON
from .status import RunStatus

if TYPE_CHECKING:
    from schemathesis.engine.core import EventStream
    from schemathesis.engine.recorder import Interaction, ScenarioRecorder
    from schemathesis.schemas import BaseSchema

_NUMBER = re.compile(r"\d+(\.\d+)?")


class _Transport:
    """While our engine runs are under way, every request schemathesis sends

    * carries a traceparent and an X-Request-ID (correlation.py), added to the prepared request at the session,
      below the Case: editing the Case from a hook would change what the engine's checks judge (it revalidates an
      edited case);
    * waits out the `Retry-After` of an earlier 429/503 (at most `pause` seconds, `[fuzz] retry_after_pause`): the
      engine sees every answer as it came, only later requests go slower.
    """

    def __init__(self) -> None:
        self.active = 0
        self.pause = 0.0
        self.paused_s = 0.0  # waited so far, all runs of the process
        self._not_before = 0.0
        self._lock = threading.Lock()

    def _wait(self) -> None:
        with self._lock:
            wait = self._not_before - time.monotonic()
        if wait > 0:
            time.sleep(wait)
            with self._lock:
                self.paused_s += wait

    def _heed(self, status: int, retry_after: str | None) -> None:
        if self.pause > 0 and status in (429, 503) and retry_after:
            seconds = min(practice.retry_after_seconds(retry_after), self.pause)
            with self._lock:
                self._not_before = max(self._not_before, time.monotonic() + seconds)

    def install(self) -> None:
        from schemathesis.transport.requests import SameHostRedirectsSession

        original = SameHostRedirectsSession.send
        if getattr(original, "_apitest", False):
            return
        transport = self

        def send(session: Any, request: Any, **kwargs: Any) -> Any:
            if not transport.active:
                return original(session, request, **kwargs)
            correlation.stamp(request.headers)
            transport._wait()
            response = deadlines.send(original, session, request, **kwargs)  # within the suite's limits
            transport._heed(response.status_code, response.headers.get("Retry-After"))
            return response

        send._apitest = True  # type: ignore[attr-defined]
        SameHostRedirectsSession.send = send  # type: ignore[method-assign, assignment]


TRANSPORT = _Transport()


@contextlib.contextmanager
def stamped() -> Iterator[None]:
    """Correlation ids on the requests sent meanwhile (apitest's own follow-ups, after the engine run)."""
    TRANSPORT.install()
    TRANSPORT.active += 1
    try:
        yield
    finally:
        TRANSPORT.active -= 1


OWN_CHECKS = (*practice.CHECKS, *FOLLOW_UP_CHECKS)
# Reported whenever the API drops one request's connection yet answers others (the schemathesis CLI reports these
# as network errors); not a check that can be turned off.
CONNECTION_DROPPED = "connection_dropped"

PRACTICE_SEVERITY = {
    "location_on_201": Severity.LOW,
    "retry_after_on_429": Severity.MEDIUM,
    "consistent_error_payload": Severity.MEDIUM,
    "rate_limit_headers": Severity.MEDIUM,
}


@dataclass(frozen=True, slots=True)
class Practice:
    """apitest's own checks for a run: the spec's promises and which checks are on (see practice.py)."""

    promises: practice.Promises
    enabled: frozenset[str]

    @classmethod
    def of(cls, document: dict[str, Any], suite: Suite) -> Practice:
        return cls(practice.Promises(document), frozenset(own_checks(suite)))


def own_checks(suite: Suite) -> tuple[str, ...]:
    """Which of apitest's own checks (observers and follow-ups) the suite's `checks` / `exclude_checks` turn on."""
    fuzz = suite.fuzz
    wanted = OWN_CHECKS if "all" in fuzz.checks else [c for c in OWN_CHECKS if c in fuzz.checks]
    return tuple(c for c in wanted if c not in fuzz.exclude_checks)


@dataclass(slots=True)
class FuzzRun:
    findings: list[Finding] = field(default_factory=list)
    cases: int = 0
    statuses: dict[str, Counter[int]] = field(default_factory=dict)  # operation label -> status -> count
    elapsed_ms: dict[str, list[float]] = field(default_factory=dict)
    # The slowest request of each operation, as evidence for `slow_operation`.
    slowest: dict[str, tuple[float, str, Exchange]] = field(default_factory=dict)
    skipped: str | None = None
    # Why a phase could not test this operation ("coverage: Unsatisfiable schema: ..."); the others still did.
    problems: list[str] = field(default_factory=list)
    # Seconds the engine spent on this key: the time up to each of its events. The first item of a suite pulls the
    # whole examples and coverage phases; this is what each operation took of that (JUnit, report.json).
    busy_s: float = 0.0


def config_dict(suite: Suite, base_url: str, phases: tuple[str, ...]) -> dict[str, Any]:
    fuzz = suite.fuzz
    checks: dict[str, Any] = {}
    if "all" not in fuzz.checks:  # apitest's own checks are not the engine's (practice.py)
        checks["enabled"] = False
        checks.update({name: {"enabled": True} for name in fuzz.checks if name not in OWN_CHECKS})
    for name in fuzz.exclude_checks:
        if name not in OWN_CHECKS:
            checks[name] = {"enabled": False}
    if fuzz.max_response_time is not None:
        checks["max_response_time"] = fuzz.max_response_time
    data: dict[str, Any] = {
        "base-url": base_url,
        "headers": dict(suite.auth.headers),
        "workers": fuzz.workers,
        "request-timeout": fuzz.request_timeout,
        # Nothing of an earlier run changes what this one sends, unless the suite asks for it.
        "generation": {"max-examples": fuzz.max_examples, "mode": fuzz.mode, "database": fuzz.database},
        "cache": {"enabled": fuzz.cache, "directory": str(suite.root / ".schemathesis")},
        "phases": {name: {"enabled": name in phases} for name in PHASES},
        "checks": checks,
    }
    if fuzz.seed is not None:
        data["seed"] = fuzz.seed
    # Named settings over the passthrough (a key of both is refused when the suite is read: settings/fuzz.py).
    return _deep_merge(fuzz.schemathesis, data)


def _deep_merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def build_schema(document: dict[str, Any], suite: Suite, base_url: str, phases: tuple[str, ...]) -> BaseSchema:
    from schemathesis.config import ConfigError as StConfigError
    from schemathesis.core.errors import InvalidSchema, LoaderError

    data = config_dict(suite, base_url, phases)
    fuzz = suite.fuzz
    _check_names(suite)
    first_byte = fuzz.first_byte_timeout if fuzz.first_byte_timeout is not None else fuzz.request_timeout
    deadlines.register(
        base_url,
        deadlines.Limits(
            fuzz.connect_timeout, min(first_byte, fuzz.request_timeout), fuzz.request_timeout, fuzz.max_response_size
        ),
    )
    users_file = None
    if suite.auth.secondary.headers:
        # Two users: schemathesis's object_level_authorization replays one user's reads as the other (its [auth.wfc]
        # peers); each user's headers then come from that document instead of the run's fixed headers.
        data.pop("headers", None)
        users_file = _users_file(suite)
        data["auth"] = {"wfc": {"path": users_file, "user": "primary", "peers": ["primary", "secondary"]}}
    try:
        config = SchemathesisConfig.from_dict(data)
        schema = schemathesis.openapi.from_dict(document, config=config)
    except StConfigError as exc:
        raise SpecLoadError(f"{suite.file} [fuzz]: schemathesis rejects the settings: {_one_line(exc)}") from exc
    except (InvalidSchema, LoaderError) as exc:
        raise SpecLoadError(f"{suite.spec or suite.file}: schemathesis cannot use the spec: {_one_line(exc)}") from exc
    finally:
        if users_file is not None:
            _remove(users_file)  # read while the schema was built: the credentials leave the disk at once
    return schema


def _check_names(suite: Suite) -> None:
    """A check name that names no check is a mistake, not a check turned off: a typo would leave a run that checks
    nothing and passes."""
    from schemathesis.checks import CHECKS
    from schemathesis.specs.openapi import checks as _openapi_checks  # noqa: F401 - registers the OpenAPI checks

    known = sorted({*CHECKS.get_all_names(), *OWN_CHECKS, "max_response_time"})
    for key in ("checks", "exclude_checks"):
        for name in getattr(suite.fuzz, key):
            if name != "all" and name not in known:
                raise ConfigError(
                    f"{suite.file} [fuzz] {key}: unknown check {name!r}.{did_you_mean(name, known)} "
                    f"Checks: all, {', '.join(known)}."
                )


def _users_file(suite: Suite) -> str:
    """A Web Fuzzing Commons auth document naming the suite's two users; private to us, removed at exit."""
    users = [
        {"name": name, "fixedHeaders": [{"name": k, "value": v} for k, v in headers.items()]}
        for name, headers in (("primary", suite.auth.headers), ("secondary", suite.auth.secondary.headers))
    ]
    handle, path = tempfile.mkstemp(prefix="apitest-users-", suffix=".json")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        json.dump({"auth": users}, out)
    atexit.register(_remove, path)
    return path


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


class _QuietGC:
    """Make the cyclic GC cheaper while engine runs are under way; the thresholds come back when the last one ends.

    Hypothesis allocates a great many short-lived objects, and CPython's default gen-0 threshold (700) collects
    after every few cases. What is alive when a run starts (pytest, the engines' modules, the schema) lives as long
    as the process, so it is frozen out of the collector's sight, and gen 0 is collected less often. Measured on the
    demo: GC took 4-6% of a fuzz run; this saves about two thirds of it.
    """

    def __init__(self) -> None:
        self._active = 0
        self._saved = gc.get_threshold()

    def start(self) -> None:
        gc.freeze()
        if self._active == 0:
            self._saved = gc.get_threshold()
            gc.set_threshold(max(self._saved[0], 10_000), *self._saved[1:])
        self._active += 1

    def end(self) -> None:
        self._active -= 1
        if self._active == 0:
            gc.set_threshold(*self._saved)


QUIET_GC = _QuietGC()


class ProgressSink(Protocol):
    def update(self, status: RunStatus) -> None: ...
    def clear(self) -> None: ...


class SuiteRun:
    """One schemathesis engine run over several operations, the way its CLI runs them, consumed item by item.

    The engine goes phase by phase over all operations (examples, coverage, fuzzing, then stateful) and shares what
    it learns between them: resource IDs captured from one operation's responses feed the others' cases, coverage
    caches are reused, and the stateful phase infers links from the Location headers seen before. Per-operation
    engine runs would lose all of that. Each item calls `result(key)` (an operation label, or STATEFUL_PHASE), which pulls
    events until that key has been through every enabled phase; what arrives for other keys is kept for their items.
    Whatever arrives for a key already handed out (e.g. `after_run` checks) goes to the item pulling at the time,
    and the last item drains the engine to its end, so nothing the engine reports is lost.
    """

    def __init__(
        self,
        schema: BaseSchema,
        labels: Sequence[str],
        *,
        stateful: bool,
        followups: bool = False,
        progress: ProgressSink | None = None,
        practice: Practice | None = None,
        users: Users | None = None,
        pause: float = 0.0,
        max_duration: float | None = None,
    ) -> None:
        self._practice = practice
        self._pause = pause
        # [fuzz] max_duration: the engine is told to stop once it has run this long; what it had not been through is
        # an item error naming the setting.
        self._max_duration = max_duration
        self._timer: threading.Timer | None = None
        self.timed_out = False
        self._cut: frozenset[str] = frozenset()  # what the engine had not been through when time was up
        self._users: Users = users or {}
        # Requests the API accepted, per operation: what the follow-up checks start from once the engine is done.
        self.exemplars = Exemplars()
        self._schema = schema.include(name=list(labels)) if labels else schema
        self._progress = progress
        self._phase = ""
        self._through: set[str] = set()  # operations through the current phase
        self._labels = frozenset(labels)
        keys = [*labels, STATEFUL_PHASE] if stateful else list(labels)
        if followups:
            keys.append(FOLLOW_UPS)  # done only when the engine has ended
        self._runs = {key: FuzzRun() for key in keys}
        self._seen: dict[str, set[tuple[str, str, str, str]]] = {key: set() for key in keys}
        self._errors: dict[str, EngineError] = {}
        self._fatal: BaseException | None = None
        self._done: set[str] = set()
        self._handed: set[str] = set()
        self._current: str | None = None
        phases = schema.config.phases
        enabled = [name for name in STATELESS_PHASES if phases.get_by_name(name=name).enabled]
        # With a time budget the engine cycles fuzzing and stateful until time is up: nothing is done before the end.
        self._final_phase = enabled[-1] if enabled and schema.config.max_time is None else None
        self._stream: EventStream | None = None
        self._finished = False

    def result(self, key: str) -> FuzzRun:
        if not self.claimable(key):
            raise KeyError(f"{key!r} is not an unclaimed part of this run")
        self._current = key
        try:
            while key not in self._done and not self._finished:
                self._pull()
            self._handed.add(key)
            while len(self._handed) == len(self._runs) and not self._finished:
                self._pull()  # the last item: run after_run checks and let the engine end
        except BaseException:
            self.close()
            raise
        finally:
            self._current = None
            if self._progress is not None:
                self._progress.clear()  # pytest writes next
        if self._fatal is not None:
            raise EngineError(str(self._fatal)) from self._fatal
        run = self._runs[key]
        if key in self._cut:
            note = (
                f"the suite's fuzz run reached max_duration ({self._max_duration:g} s) before this was through every "
                "phase; raise [fuzz] max_duration or lower max_examples"
            )
            if not run.findings:
                raise EngineError(note)
            run.problems.append(note)
        if key in self._errors and not run.statuses.get(key) and not run.findings:
            raise self._errors[key]  # nothing of the operation could be tested
        return self._runs[key]

    def claimable(self, key: str) -> bool:
        return key in self._runs and key not in self._handed

    def close(self) -> None:
        """Stop the engine early (an interrupted or stopped session); what was gathered stays gathered."""
        if self._stream is not None and not self._finished:
            self._finish()
            self._stream.stop()
            deadlines.abort_all()  # a request waiting on the API ends now, not at its deadline
            for _ in self._stream:
                pass

    def _pull(self) -> None:
        if self._stream is None:
            QUIET_GC.start()
            GENERATION_CACHE.start()  # Hypothesis's tables: built once per machine, not per working folder
            LOCAL_CONSTANTS.start()  # the cases depend on the seed, not on the modules this process holds
            LOCKED_ENVIRON.start()  # the engine's threads outlive items; pytest changes os.environ between them
            TRANSPORT.install()
            TRANSPORT.active += 1
            TRANSPORT.pause = self._pause
            self._stream = from_schema(self._schema).execute()
            if self._max_duration is not None:
                self._timer = threading.Timer(self._max_duration, self._time_up)
                self._timer.daemon = True
                self._timer.start()
        started = time.perf_counter()
        try:
            event = next(self._stream)
        except StopIteration:
            self._finish()
            return
        spent = time.perf_counter() - started
        if isinstance(event, events.ScenarioFinished):
            phase = event.phase.value
            key = STATEFUL_PHASE if phase == STATEFUL_PHASE else event.recorder.label
            sink = self._sink(key)
            run = self._runs[sink]
            run.busy_s += spent
            _collect(event.recorder, run, self._seen[sink], self._practice, self.exemplars, self._users)
            if event.skip_reason and not event.recorder.interactions:
                run.skipped = event.skip_reason
            if phase == self._final_phase:
                self._done.add(key)
            self._through.add(key)
            self._report()
        elif self._current is not None:  # phase changes, errors, the end: the item pulling waited for them
            self._runs[self._current].busy_s += spent
        if isinstance(event, events.Interrupted) and not self.timed_out:
            # schemathesis turns a KeyboardInterrupt (Ctrl-C, or SIGTERM/SIGHUP through apitest.signals) into this
            # event and winds down; the run must end as interrupted, not go on to judge what is left as passed.
            raise KeyboardInterrupt("the engine was interrupted")
        if isinstance(event, events.PhaseStarted):
            self._phase, self._through = event.phase.name.value, set()
            self._report()
        elif isinstance(event, events.PhaseFinished) and event.phase.name.value == self._final_phase:
            self._done.update(self._labels)
        elif isinstance(event, events.NonFatalError):
            limit = deadlines.over_limit(event.value)
            if limit is not None:
                # The API answered too slowly, too much, or broke off: a finding on the operation, never a hang.
                key = self._sink(event.label if event.related_to_operation else STATEFUL_PHASE)
                phase = getattr(getattr(event, "phase", None), "value", "") or self._phase
                self._runs[key].problems.append(f"{phase}: stopped at {limit[0]}")
                _add(self._runs[key], self._seen[key], _over_limit(event, *limit, users=self._users))
                return
            if _connection_failed(event.value) and _answers(self._schema.get_base_url()):
                # The API is up, so it dropped this one request (e.g. it crashed on it): a finding, as the
                # schemathesis CLI reports it, and the run goes on.
                key = self._sink(event.label if event.related_to_operation else STATEFUL_PHASE)
                _add(self._runs[key], self._seen[key], _dropped(event))
                return
            error = _engine_error(event.value, event.info.title, event.info.message)
            if event.related_to_operation and event.label in self._labels:
                # One phase could not test the operation; the others still did: keep their results, say why.
                self._errors.setdefault(event.label, error)
                phase = getattr(getattr(event, "phase", None), "value", "") or self._phase
                self._runs[self._sink(event.label)].problems.append(f"{phase}: {error}")
            elif self._phase == STATEFUL_PHASE and STATEFUL_PHASE in self._runs:
                # The state machine met an operation it cannot generate data for (e.g. an invalid schema): the
                # sequences it ran before still count, as in the schemathesis CLI; the other items are untouched.
                self._errors.setdefault(STATEFUL_PHASE, error)
                self._runs[self._sink(STATEFUL_PHASE)].problems.append(f"stateful: {error}")
            else:
                self._fatal = self._fatal or error
        elif isinstance(event, events.FatalError):
            self._fatal = self._fatal or _engine_error(
                event.exception, type(event.exception).__name__, str(event.exception)
            )
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                key = self._sink(failure.operation or STATEFUL_PHASE)
                finding = Finding(
                    Source.FUZZ, "after_run", failure.operation, failure.title, failure.message, _severity(failure)
                )
                _add(self._runs[key], self._seen[key], finding)
            self._finish()

    def _time_up(self) -> None:
        if self._stream is not None and not self._finished:
            self._cut = frozenset(k for k in list(self._runs) if k not in self._done and k != FOLLOW_UPS)
            self.timed_out = True
            self._stream.stop()

    def _finish(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._done.add(FOLLOW_UPS)
        if not self._finished and self._stream is not None:
            QUIET_GC.end()
            LOCAL_CONSTANTS.end()
            GENERATION_CACHE.end()
            LOCKED_ENVIRON.end()
            TRANSPORT.active -= 1
        self._finished = True

    def _report(self) -> None:
        if self._progress is None:
            return
        operations = len(self._labels)
        self._progress.update(
            RunStatus(
                phase=self._phase,
                operations_done=operations if self._phase == STATEFUL_PHASE else len(self._through & self._labels),
                operations=operations,
                cases=sum(run.cases for run in self._runs.values()),
                findings=sum(len(run.findings) for run in self._runs.values()),
            )
        )

    def _sink(self, key: str) -> str:
        """Where results for `key` go: its own run while unclaimed, else the run of the item pulling now."""
        if key in self._runs and key not in self._handed:
            return key
        if self._current is not None:
            return self._current
        raise RuntimeError("engine events pulled outside an item")  # pragma: no cover - result() sets _current


class EngineError(Exception):
    """schemathesis could not test an operation (e.g. an unsatisfiable schema): the item errors, the run goes on."""


def _engine_error(exc: BaseException, title: str, message: str) -> EngineError:
    """The error to report; raises TargetError at once if the API stopped answering, since nothing can go on."""
    if _connection_failed(exc):
        first = message.strip().splitlines()[0] if message.strip() else str(exc)
        raise TargetError(f"the API stopped answering ({title}): {first}") from exc
    if isinstance(exc, BaseExceptionGroup):  # Hypothesis met several errors (in the stateful phase): name them
        leaves = _leaves(exc)
        message = "; ".join(dict.fromkeys(" ".join(str(e).split()[:40]) for e in leaves[:3])) or message
    error = EngineError(f"{title}: {message.strip()}")
    error.__cause__ = exc
    return error


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    found: list[BaseException] = []
    for exc in group.exceptions:
        found.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return found


def _connection_failed(exc: BaseException) -> bool:
    import requests

    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, requests.ConnectionError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


def _answers(base_url: str | None, attempts: int = 3) -> bool:
    """Whether the API answers a fresh request (any HTTP status): after a connection failed, is it still up?"""
    from ..fetch import FetchError, get

    if not base_url:
        return False
    for attempt in range(attempts):
        try:
            get(base_url, timeout=5.0)
            return True
        except FetchError:
            time.sleep(0.5 * (attempt + 1))  # a server restarting after a crash gets a moment
    return False


def _dropped(event: events.NonFatalError) -> Finding:
    message = event.info.message.strip()
    return Finding(
        source=Source.FUZZ,
        check=CONNECTION_DROPPED,
        operation=event.label if event.related_to_operation else None,
        title="Connection dropped without a response",
        message=(message.splitlines()[0] if message else str(event.value))
        + "\nThe API still answers other requests: it closed the connection on this one (a crash handling it?).",
        severity=Severity.CRITICAL,
        curl=event.info.code_sample,
    )


LIMIT_TITLES = {
    "connect_timeout": "No connection within the connect timeout",
    "first_byte_timeout": "No response within the first-byte timeout",
    "request_timeout": "Response not complete within the request timeout",
    "max_response_size": "Response body over the size cap",
    "complete_body": "Response body broke off",
    "max_redirects": "Redirect loop",
}


def _over_limit(event: events.NonFatalError, limit: str, message: str, users: Users | None = None) -> Finding:
    request = _request_of(event.value)
    exchange = None
    if request is not None:
        headers = {k: str(v) for k, v in request.headers.items()}
        body = request.body.decode("utf-8", "replace") if isinstance(request.body, bytes) else request.body
        exchange = Exchange(
            method=str(request.method),
            url=str(request.url),
            request_headers=headers,
            request_body=truncate(body, REQUEST_BODY_LIMIT) if body else None,
            status=None,
            user=credentials.who(headers, users) if users else "",
        )
    return Finding(
        source=Source.FUZZ,
        check=deadlines.CHECK,
        operation=event.label if event.related_to_operation else None,
        title=LIMIT_TITLES.get(limit, f"Response over {limit}"),
        message=message[:1000],
        # a response that never ends, or ends broken, fails every client: worse than a body over a cap
        severity=Severity.MEDIUM if limit == "max_response_size" else Severity.HIGH,
        curl=event.info.code_sample or _curl_of(event.value),
        exchange=exchange,
        details={"limit": limit},
    )


def _request_of(exc: BaseException | None) -> Any:
    """The request an exception of requests (or what caused it) was about, if it says."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        request = getattr(exc, "request", None)
        if request is not None and getattr(request, "url", None):
            return request
        exc = exc.__cause__ or exc.__context__
    return None


def _curl_of(exc: BaseException) -> str | None:
    """A curl line for the request an exception of requests was about (the engine gives none for some errors)."""
    import shlex

    request = _request_of(exc)
    if request is None:
        return None
    headers = " ".join(f"-H {shlex.quote(f'{k}: {v}')}" for k, v in request.headers.items())
    return " ".join(part for part in ("curl -X", request.method, headers, shlex.quote(str(request.url))) if part)


def _collect(
    rec: ScenarioRecorder,
    out: FuzzRun,
    seen: set[tuple[str, str, str, str]],
    own: Practice | None = None,
    exemplars: Exemplars | None = None,
    users: Users | None = None,
) -> None:
    users = users or {}
    for case_id, interaction in rec.interactions.items():
        out.cases += 1
        node = rec.cases.get(case_id)
        label = node.value.operation.label if node is not None else rec.label
        probe = node is not None and interaction.request.method.upper() != node.value.operation.method.upper()
        if probe and node is not None:
            # a probe with another method (unsupported_method): its answer belongs to that method, not the operation
            label = f"{interaction.request.method.upper()} {node.value.operation.path}"
        response = interaction.response
        if response is None:
            continue
        elapsed = response.elapsed * 1000
        out.statuses.setdefault(label, Counter())[response.status_code] += 1
        out.elapsed_ms.setdefault(label, []).append(elapsed)
        if node is not None and elapsed > out.slowest.get(label, (-1.0,))[0]:
            curl = node.value.as_curl_command(headers=_flatten(interaction.request.headers))
            out.slowest[label] = (elapsed, curl, _exchange(interaction, users))
        if node is None or probe:
            continue
        if exemplars is not None:
            exemplars.add(label, node.value, response.status_code, response.headers, response.content or b"")
        if own is None:
            continue
        operation = node.value.operation
        for problem in practice.check_response(
            own.promises,
            operation.method,
            operation.path,
            response.status_code,
            response.headers,
            response.content or b"",
            own.enabled,
        ):
            finding = Finding(
                source=Source.FUZZ,
                check=problem.check,
                operation=label,
                title=practice.TITLES[problem.check],
                message=problem.message,
                severity=PRACTICE_SEVERITY.get(problem.check, Severity.MEDIUM),
                curl=node.value.as_curl_command(headers=_flatten(interaction.request.headers)),
                exchange=_exchange(interaction, users),
                details=correlation.ids_of(_flatten(interaction.request.headers)),
            )
            _add(out, seen, finding)
    for case_id, checks in rec.checks.items():
        for check in checks:
            info = check.failure_info
            if info is None:
                continue
            failure = info.failure
            node = rec.cases.get(case_id)
            operation = failure.operation or (node.value.operation.label if node is not None else rec.label)
            recorded = rec.interactions.get(case_id)
            # A failure found through a sequence (stateful, use_after_free...) carries every step, in order; the
            # last one is the failing request, and it is the finding's own reproduction.
            steps = [step.curl for step in info.steps]
            sequence = tuple(
                _exchange(step, users)
                for step in (rec.interactions.get(s.case_id) for s in info.steps)
                if step is not None and step.response is not None
            )
            finding = Finding(
                source=Source.FUZZ,
                check=check.name,
                operation=operation,
                title=failure.title,
                message=failure.message,
                severity=_severity(failure),
                curl=steps[-1] if steps else info.code_sample,
                exchange=_exchange(recorded, users) if recorded is not None else None,
                details={
                    **(correlation.ids_of(_flatten(recorded.request.headers)) if recorded is not None else {}),
                    **({"steps": steps} if len(steps) > 1 else {}),
                },
                sequence=sequence if len(steps) > 1 and len(sequence) == len(steps) else (),
            )
            _add(out, seen, finding)


def _add(out: FuzzRun, seen: set[tuple[str, str, str, str]], finding: Finding) -> None:
    # One finding per distinct failure of an operation: the engine reports the same failure for every case
    # that triggers it (and again while shrinking). Numbers are masked so "Actual: 712ms" and "Actual: 705ms" count once.
    key = (finding.operation or "", finding.check, finding.title, _NUMBER.sub("N", finding.message)[:200])
    if key not in seen:
        seen.add(key)
        out.findings.append(finding)


def _flatten(headers: dict[str, list[str]]) -> dict[str, str]:
    return {k: ", ".join(v) for k, v in headers.items()}


def _severity(failure: Any) -> Severity:
    try:
        return Severity(str(getattr(failure.severity, "value", failure.severity)).lower())
    except ValueError:
        return Severity.MEDIUM


def _exchange(interaction: Interaction, users: Users) -> Exchange:
    request, response = interaction.request, interaction.response
    headers = {k: ", ".join(v) for k, v in request.headers.items()}
    return Exchange(
        method=request.method,
        url=request.uri,
        request_headers=headers,
        request_body=truncate(request.body.decode("utf-8", "replace"), REQUEST_BODY_LIMIT) if request.body else None,
        status=response.status_code if response is not None else None,
        response_headers={k: ", ".join(v) for k, v in response.headers.items()} if response is not None else {},
        response_body=truncate(response.content.decode("utf-8", "replace"))
        if response is not None and response.content
        else None,
        elapsed_ms=round(response.elapsed * 1000, 2) if response is not None else None,
        user=credentials.who(headers, users) if users else "",
    )
