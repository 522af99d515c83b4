"""The pytest items every side (fuzz, contracts, load) derives from: one recording and failure path for all."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

from .errors import ApitestError, TargetError
from .results import Finding, ItemResult, Outcome, RunError, Source, format_findings
from .stash import INTERRUPTION_KEY, RUNTIME_KEY

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from .runtime import Runtime
    from .settings import Suite

MARKERS = {
    Source.FUZZ: "apitest_fuzz",
    Source.CONTRACT: "apitest_contract",
    Source.LOAD: "apitest_load",
}


@dataclass(slots=True)
class ItemOutcome:
    findings: list[Finding] = field(default_factory=list)
    cases: int = 0
    # The item's own time, where its wall time holds other items' work (a suite's shared fuzz engine run).
    duration_s: float | None = None
    notes: tuple[str, ...] = ()  # what the item could not check, and why


class FindingsFailed(Exception):
    """The item found the API misbehaving; its findings are in the report."""

    def __init__(self, findings: Sequence[Finding]) -> None:
        super().__init__(f"{len(findings)} finding(s)")
        self.findings = list(findings)


class SetupProblem(Exception):
    """A broken setup met while the item ran (the ApitestError's one line): the run exits 4."""


class ApitestItem(pytest.Item):
    source: Source

    def __init__(self, *, suite: Suite, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.suite = suite
        self.add_marker(MARKERS[self.source])
        self.cases = 0

    @property
    def runtime(self) -> Runtime:
        return self.config.stash[RUNTIME_KEY]

    def execute(self) -> ItemOutcome:
        raise NotImplementedError

    def runtest(self) -> None:
        started = time.perf_counter()
        # Until execute() returns, the item is not done: a signal (KeyboardInterrupt) leaves it recorded interrupted.
        outcome, error, findings = Outcome.INTERRUPTED, None, []
        own_time: float | None = None
        notes: tuple[str, ...] = ()
        try:
            result = self.execute()
            own_time, notes = result.duration_s, result.notes
            findings = [self.runtime.record(self._complete(f)) for f in result.findings]
            self.cases = result.cases
            failing = [f for f in findings if not f.warning]  # warnings are reported, and fail nothing
            outcome = Outcome.PASSED
            if failing:
                outcome = Outcome.FAILED
                raise FindingsFailed(failing)
        except ApitestError as exc:
            outcome, error = Outcome.ERROR, self.runtime.redact(str(exc))
            self.runtime.record(RunError(message=error, item=self.nodeid))
            if isinstance(exc, TargetError):
                # The API is gone: every item left would fail the same way. The run ends with exit status 4.
                self.session.shouldstop = "apitest: the API under test cannot be reached (see above)"
            raise SetupProblem(error) from None
        except pytest.skip.Exception:
            outcome = Outcome.SKIPPED
            raise
        except (FindingsFailed, SetupProblem):
            raise
        except Exception as exc:
            outcome, error = Outcome.ERROR, self.runtime.redact(f"{type(exc).__name__}: {exc}")
            raise
        except BaseException as exc:  # KeyboardInterrupt (a signal, see signals.py), pytest.exit(), SystemExit
            if isinstance(exc, pytest.fail.Exception):
                outcome, error = Outcome.ERROR, self.runtime.redact(str(exc))
            else:
                interruption = self.config.stash.get(INTERRUPTION_KEY, None)
                why = (interruption.signal if interruption is not None else None) or str(exc) or type(exc).__name__
                error = f"interrupted ({why}) after {time.perf_counter() - started:.1f} s"
            raise
        finally:
            self.runtime.record(
                ItemResult(
                    nodeid=self.nodeid,
                    source=self.source,
                    suite=self.suite.name,
                    name=self.name,
                    outcome=outcome,
                    duration_s=round(own_time if own_time is not None else time.perf_counter() - started, 4),
                    findings=len(findings),
                    cases=self.cases,
                    error=error,
                    notes=notes,
                )
            )

    def _complete(self, finding: Finding) -> Finding:
        return dataclasses.replace(finding, suite=finding.suite or self.suite.name, item=finding.item or self.nodeid)

    def repr_failure(self, excinfo: ExceptionInfo[BaseException], style: Any = None) -> str | TerminalRepr:
        if isinstance(excinfo.value, FindingsFailed):
            return format_findings(excinfo.value.findings)
        if isinstance(excinfo.value, SetupProblem):
            return f"apitest: {excinfo.value}"
        return safe_repr(excinfo, self.runtime.redact)

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.source.value}: {self.name}"


def safe_repr(excinfo: ExceptionInfo[BaseException], redact: Callable[[str], str]) -> str:
    """An unexpected error's traceback as text: never the frames' locals (`pytest -l` would print the suite's
    credentials held in them), and every secret masked."""
    text = str(excinfo.getrepr(showlocals=False, funcargs=False, style="short", chain=True))
    return redact(text)
