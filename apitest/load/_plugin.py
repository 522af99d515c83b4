"""What apitest adds to every Locust process of a load profile: arrival-rate pacing and per-second worker reports.

Imported only in Locust child processes (importing locust monkey-patches gevent): by `_locust_main` for a
single-process run and the master, and by the small generated plugin file that workers load
(`locust --worker -f locustfile.py,apitest_plugin_*.py`, or `-f -` to fetch both from the master).

Open model: requests start on a fixed timetable (`shapes.Timetable`), whatever the response times. Each user
waits for a start from the pacer instead of thinking; if no user is free when a request is due, the start is
*missed*: counted and reported, never sent late (a late start hides slowness: coordinated omission). With N
workers, worker i takes starts i, i+N, i+2N... of the one timetable, so together they keep its rate.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import gevent
import locust.runners
import requests
from gevent.event import Event
from locust.env import Environment
from locust.event import Events
from locust.runners import LocalRunner, Runner, WorkerRunner

from .safety import may_receive
from .shapes import Timetable

REPORT_KEY = "apitest_missed_starts"
PACED_KEY = "apitest_paced"  # the worker has run its whole timetable
WORKER_REPORT_INTERVAL_S = 1.0  # Locust's default is 3 s; the timeline is per second


@dataclass(slots=True)
class Pacer:
    """Hands request starts to idle users at the timetable's times; counts the starts no user was free for."""

    timetable: Timetable
    index: int = 0
    stride: int = 1
    started: int = 0
    missed: int = 0
    began: float | None = None
    finished: float | None = None
    _idle: deque[Event] = field(default_factory=deque)

    def acquire(self) -> None:
        """Block the calling user until the pacer gives it a start."""
        ready = Event()
        self._idle.append(ready)
        try:
            ready.wait()
        finally:
            if not ready.is_set():  # killed while waiting: the user is gone, so it is no longer idle
                try:
                    self._idle.remove(ready)
                except ValueError:
                    pass

    def run(self) -> None:
        self.began = time.monotonic()
        k = self.index
        while (at := self.timetable.time_of(k)) is not None:
            delay = self.began + at - time.monotonic()
            gevent.sleep(max(delay, 0.0))  # yield even when behind, so users that just finished can queue up
            if self._idle:
                self._idle.popleft().set()
                self.started += 1
            else:
                self.missed += 1
            k += self.stride
        self.finished = time.monotonic()


@dataclass(slots=True)
class ProcessState:
    """One Locust process's share of the profile; on the master (or a lone process), the totals."""

    timetable: Timetable | None
    workers: int
    missed_starts: int = 0
    pacer: Pacer | None = None
    runner: Runner | None = None
    paced_workers: set[str] = field(default_factory=set)
    _reported: int = 0
    _pacing: Event = field(default_factory=Event)
    _greenlet: gevent.Greenlet | None = None

    def on_init(self, environment: Environment, runner: Runner | None = None, **_: Any) -> None:
        self.runner = runner or environment.runner
        if self.timetable is not None:
            for user_class in environment.user_classes:
                _pace(user_class, self._acquire)

    def _acquire(self) -> None:
        self._pacing.wait()  # users spawned before the timetable starts wait for it
        assert self.pacer is not None
        self.pacer.acquire()

    def on_spawning_complete(self, user_count: int, **_: Any) -> None:
        runner = self.runner
        if self.timetable is None or self._greenlet is not None or not isinstance(runner, LocalRunner | WorkerRunner):
            return  # the master runs no users; a second ramp (a rebalance) keeps the running timetable
        stride = max(self.workers, 1) if isinstance(runner, WorkerRunner) else 1
        index = max(int(runner.worker_index), 0) % stride if isinstance(runner, WorkerRunner) else 0
        self.pacer = Pacer(self.timetable, index=index, stride=stride)
        self._pacing.set()
        self._greenlet = gevent.spawn(self.pacer.run)

    def sync_missed(self) -> None:
        if self.pacer is not None:
            self.missed_starts = self.pacer.missed

    def on_report_to_master(self, client_id: str, data: dict[str, Any], **_: Any) -> None:
        self.sync_missed()
        data[REPORT_KEY] = self.missed_starts - self._reported
        data[PACED_KEY] = self.paced
        self._reported = self.missed_starts

    def on_worker_report(self, client_id: str, data: dict[str, Any], **_: Any) -> None:
        self.missed_starts += int(data.get(REPORT_KEY, 0))
        if data.get(PACED_KEY):
            self.paced_workers.add(client_id)

    @property
    def paced(self) -> bool:
        """This process has run its whole timetable (on the master: every worker has)."""
        if self.pacer is not None:
            return self.pacer.finished is not None
        return self.timetable is not None and len(self.paced_workers) >= self.workers

    def on_test_stop(self, **_: Any) -> None:
        if self._greenlet is not None:
            self._greenlet.kill(block=False)
        self.sync_missed()


def install(config: dict[str, Any], events: Events | None = None) -> ProcessState:
    """Register apitest's listeners; `config` holds the profile's `timetable` (or None), `workers` and
    `allow_hosts` (where a redirect may lead besides loopback)."""
    locust.runners.WORKER_REPORT_INTERVAL = WORKER_REPORT_INTERVAL_S
    guard_redirects(tuple(config.get("allow_hosts") or ()))
    events = events or locust.events
    timetable = Timetable(**config["timetable"]) if config.get("timetable") else None
    state = ProcessState(timetable=timetable, workers=int(config.get("workers") or 1))
    hooks: Any = events  # locust's EventHook.add_listener is untyped
    hooks.init.add_listener(state.on_init)
    hooks.spawning_complete.add_listener(state.on_spawning_complete)
    hooks.report_to_master.add_listener(state.on_report_to_master)
    hooks.worker_report.add_listener(state.on_worker_report)
    hooks.test_stop.add_listener(state.on_test_stop)
    return state


def _pace(user_class: type, acquire: Callable[[], None]) -> None:
    """Make the class's users wait for a start before their first task and instead of every think time."""
    original_on_start = user_class.on_start  # type: ignore[attr-defined]

    def on_start(user: Any) -> None:
        original_on_start(user)
        acquire()

    def wait_time(user: Any) -> float:
        acquire()
        return 0.0

    user_class.on_start = on_start  # type: ignore[attr-defined]
    user_class.wait_time = wait_time  # type: ignore[attr-defined]


class RedirectRefusedError(OSError):
    """A redirect to a host load may not go to: the request fails (an error in Locust's statistics), unsent."""


class _RefusedRedirect(requests.exceptions.RequestException):
    """The same, for Locust's requests-based HttpUser."""


def _refusal(url: str) -> str:
    host = urlsplit(url).hostname or url
    return f"apitest refused to follow a redirect to {host} ({url}): it is not loopback and not in [load] allow_hosts"


def guard_redirects(allow_hosts: tuple[str, ...]) -> None:
    """Locust's users (FastHttpUser and HttpUser) follow a redirect only to a host load may go to.

    Both clients follow redirects by default; a loopback API answering 302 to another address would otherwise turn
    the load test on that address.
    """
    from locust.clients import HttpSession
    from locust.contrib.fasthttp import FastRequest

    allowed = tuple(h.lower().strip("[]") for h in allow_hosts)
    if not getattr(FastRequest.redirect, "_apitest", False):
        original_redirect = FastRequest.redirect

        def redirect(request: Any, code: int, location: str) -> None:
            target = request.url_split.redirect(location)
            if not may_receive(target.host or "", allowed):
                raise RedirectRefusedError(_refusal(str(target)))
            original_redirect(request, code, location)

        redirect._apitest = True  # type: ignore[attr-defined]
        FastRequest.redirect = redirect  # type: ignore[method-assign, assignment]
    if not getattr(HttpSession.get_redirect_target, "_apitest", False):
        original_target = HttpSession.get_redirect_target

        def get_redirect_target(session: Any, response: Any) -> str | None:
            location: str | None = original_target(session, response)
            if location is not None:
                url = urljoin(response.url, location)
                if not may_receive(urlsplit(url).hostname or "", allowed):
                    raise _RefusedRedirect(_refusal(url), response=response)
            return location

        get_redirect_target._apitest = True  # type: ignore[attr-defined]
        HttpSession.get_redirect_target = get_redirect_target  # type: ignore[method-assign, assignment]
