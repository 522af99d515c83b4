"""Load items: one `apitest_load` item per `[load.NAME]` profile."""

from __future__ import annotations

import dataclasses
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..errors import ConfigError
from ..items import ApitestItem, ItemOutcome
from ..results import LoadResult, Source
from ..settings import LoadProfile
from .measurements import load_result
from .progress import Progress
from .runner import LoadRunError, RunSpec, run_profile
from .safety import check_target
from .shapes import plan
from .slo import evaluate
from .traffic import derive_traffic, render_locustfile

if TYPE_CHECKING:
    from ..settings import Suite

DEFAULT_LOCUSTFILE = Path("loadtests") / "locustfile.py"


def collect_load(parent: pytest.Collector, suite: Suite) -> Iterator[pytest.Item]:
    for name, profile in suite.load.profiles.items():
        yield LoadItem.from_parent(parent, name=f"load[{name}]", suite=suite, profile=profile)


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
        if suite.base_url is not None:  # refuse before the reachability check sends the target anything
            check_target(suite.base_url, suite.load.allow_hosts, self.where)
        base_url = self.runtime.base_url(suite)
        check_target(base_url, suite.load.allow_hosts, self.where)
        progress = Progress(self.config, self.name)
        with tempfile.TemporaryDirectory(prefix="apitest-locustfile-") as scratch:
            locustfile = self._locustfile(Path(scratch))
            spec = RunSpec(
                profile=profile.name,
                host=base_url,
                locustfiles=(locustfile,),
                plan=plan(profile),
                cwd=suite.root,
                workers=profile.workers,
                master=suite.load.master,
                worker_wait_s=suite.load.worker_wait,
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

    def _locustfile(self, scratch: Path) -> Path:
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
        traffic = derive_traffic(self.runtime.document(suite), suite.load.weights)
        if not traffic.requests:
            why = (
                "; ".join(f"{label}: {reason}" for label, reason in traffic.skipped[:5]) or "the spec has no operations"
            )
            raise ConfigError(
                f'{self.where}: no operation of the spec can be loaded safely ({why}); write a locustfile and set locustfile = "...".'
            )
        title = str((self.runtime.document(suite).get("info") or {}).get("title", suite.name))
        # The file holds the suite's auth headers: private to this user, deleted after the run.
        path = scratch / f"apitest_traffic_{secrets.token_hex(4)}.py"
        path.touch(mode=0o600)
        path.write_text(render_locustfile(traffic, suite.auth.headers, profile.think_range, title), encoding="utf-8")
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
