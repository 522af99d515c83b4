"""Load items: one `apitest_load` item per `[load.NAME]` profile."""

from __future__ import annotations

import dataclasses
import json
import secrets
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..errors import ConfigError, UnsafeTargetError, did_you_mean
from ..items import ApitestItem, ItemOutcome
from ..results import LoadResult, Source
from ..settings import TOTAL, LoadProfile
from ..stash import RUNTIME_KEY
from .measurements import load_result
from .progress import Progress
from .runner import LoadRunError, RunSpec, run_profile
from .safety import check_target
from .shapes import plan
from .slo import evaluate
from .traffic import Traffic, derive_traffic, render_locustfile

if TYPE_CHECKING:
    from ..runtime import Runtime
    from ..settings import Suite

DEFAULT_LOCUSTFILE = Path("loadtests") / "locustfile.py"
HEADERS_ENV = "APITEST_LOAD_HEADERS"  # the suite's auth headers, as JSON, for a locustfile derived from the spec


def collect_load(parent: pytest.Collector, suite: Suite) -> Iterator[pytest.Item]:
    runtime = parent.config.stash[RUNTIME_KEY]
    for name, profile in suite.load.profiles.items():
        if _uses_spec_traffic(suite, profile) and _may_load(suite):
            # Checked now, not after minutes of load: every gate must name an operation the profile will send.
            traffic = runtime.cached("load:traffic", str(suite.file), lambda: _traffic(runtime, suite))
            check_traffic_names(traffic, suite.load.weights, profile, f"{suite.file} [load.{name}]")
        yield LoadItem.from_parent(parent, name=f"load[{name}]", suite=suite, profile=profile)


def _may_load(suite: Suite) -> bool:
    """Whether load may go to the suite's base URL; when it may not, the item itself refuses (others still run)."""
    if suite.base_url is None:
        return True
    try:
        check_target(suite.base_url, suite.load.allow_hosts, str(suite.file))
    except UnsafeTargetError:
        return False
    return True


def _uses_spec_traffic(suite: Suite, profile: LoadProfile) -> bool:
    return profile.locustfile is None and not (suite.root / DEFAULT_LOCUSTFILE).is_file()


def _traffic(runtime: Runtime, suite: Suite) -> Traffic:
    return derive_traffic(runtime.document(suite), suite.load.weights, suite.auth.headers)


def check_traffic_names(traffic: Traffic, weights: Mapping[str, int], profile: LoadProfile, where: str) -> None:
    """An SLO endpoint or a weight that names nothing the derived traffic sends is a ConfigError with a suggestion."""
    sent = [r.name for r in traffic.requests]
    left_out = dict(traffic.skipped)
    known = [*sent, *left_out]
    for name in weights:
        if name not in known:
            raise ConfigError(
                f"{where.split(' [')[0]} [load] weights: {name!r} is no GET operation of the spec.{did_you_mean(name, known)}"
            )
    for slo in profile.slos:
        if slo.scope == TOTAL or slo.scope in sent:
            continue
        if slo.scope in left_out:
            raise ConfigError(
                f"{where}: the SLO on {slo.scope!r} cannot be judged: the traffic derived from the spec leaves it out "
                f"({left_out[slo.scope]})."
            )
        raise ConfigError(
            f"{where}: the SLO on {slo.scope!r} names no operation of the traffic derived from the spec."
            f"{did_you_mean(slo.scope, sent)} It sends: {', '.join(sent) or 'nothing'}."
        )


class LoadItem(ApitestItem):
    source = Source.LOAD

    def __init__(self, *, profile: LoadProfile, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.profile = profile

    @property
    def where(self) -> str:
        return f"{self.suite.file} [load.{self.profile.name}]"

    def execute(self) -> ItemOutcome:
        suite, profile = self.suite, self.profile
        # Refuse before the reachability check sends the target anything: a base_url, or a server the spec declares.
        known = suite.base_url
        if known is None and suite.serve is None and suite.spec is not None:
            known = self.runtime.known_base_url(suite)  # read from the spec, calling nothing
        if known is not None:
            check_target(known, suite.load.allow_hosts, self.where)
        base_url = self.runtime.base_url(suite)
        check_target(base_url, suite.load.allow_hosts, self.where)
        progress = Progress(self.config, self.name)
        with tempfile.TemporaryDirectory(prefix="apitest-locustfile-") as scratch:
            locustfile = self._locustfile(Path(scratch), progress)
            spec = RunSpec(
                profile=profile.name,
                host=base_url,
                locustfiles=(locustfile,),
                plan=plan(profile),
                cwd=suite.root,
                workers=profile.workers,
                master=suite.load.master,
                worker_wait_s=suite.load.worker_wait,
                env={HEADERS_ENV: json.dumps(dict(suite.auth.headers))},
                allow_hosts=suite.load.allow_hosts,
            )
            try:
                raw = run_profile(spec, progress.update)
            except LoadRunError as exc:
                raise LoadItemError(str(exc)) from None
        result = load_result(raw, suite=suite.name, profile=profile.name, shape=profile.shape)
        if result.total.requests == 0:
            raise LoadItemError(
                f"profile {profile.name!r} made no requests in {result.duration_s:g} s; check {locustfile.name}'s tasks."
            )
        slos, findings = evaluate(result, profile.slos, self.where)
        result = dataclasses.replace(result, slos=slos)
        self.runtime.record(result)
        progress.close(summary_line(self.name, result))
        return ItemOutcome(findings=findings)

    def _locustfile(self, scratch: Path, progress: Progress) -> Path:
        """The profile's locustfile, else the suite's loadtests/locustfile.py, else one derived from the spec."""
        suite, profile = self.suite, self.profile
        if profile.locustfile is not None:
            path = (suite.root / profile.locustfile).resolve()
            if not path.is_file():
                raise ConfigError(f"{self.where}: locustfile = {profile.locustfile!r}: no such file in {suite.root}.")
            return path
        default = suite.root / DEFAULT_LOCUSTFILE
        if default.is_file():
            return default.resolve()
        traffic = self.runtime.cached("load:traffic", str(suite.file), lambda: _traffic(self.runtime, suite))
        if not traffic.requests:
            why = (
                "; ".join(f"{label}: {reason}" for label, reason in traffic.skipped[:5]) or "the spec has no operations"
            )
            raise ConfigError(
                f'{self.where}: no operation of the spec can be loaded safely ({why}); write a locustfile and set locustfile = "...".'
            )
        progress.announce(f"{self.name}: traffic derived from the spec (weight, operation):")
        for request in traffic.requests:
            progress.announce(f"  {request.weight:>4}  {request.name}")
        for label, reason in traffic.skipped:
            progress.announce(f"  left out  {label}: {reason}")
        title = str((self.runtime.document(suite).get("info") or {}).get("title", suite.name))
        # Local Locust processes read the suite's auth headers from their environment (HEADERS_ENV): the file holds
        # no credential. Remote workers (`master`) only get the file, so for them it holds the headers: private to
        # this user, deleted after the run.
        path = scratch / f"apitest_traffic_{secrets.token_hex(4)}.py"
        path.touch(mode=0o600)
        headers_env = None if suite.load.master is not None else HEADERS_ENV
        text = render_locustfile(traffic, suite.auth.headers, profile.think_range, title, headers_env=headers_env)
        path.write_text(text, encoding="utf-8")
        return path

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        if isinstance(excinfo.value, LoadItemError):
            return f"apitest could not run this load profile: {excinfo.value}"
        return super().repr_failure(excinfo, style)


class LoadItemError(Exception):
    """Locust could not run the profile; shown as one line, without a traceback."""


def summary_line(label: str, result: LoadResult) -> str:
    t = result.total
    missed = f"  missed starts {result.missed_starts:,}" if result.shape == "arrival" else ""
    return (
        f"{label}: {t.requests:,} requests in {result.duration_s:g} s, {t.rps:g} req/s, p95 {t.p95_ms:g} ms, "
        f"p99 {t.p99_ms:g} ms, {t.failures:,} failed{missed}"
    )
