"""The only module that touches schemathesis.

It builds a schemathesis schema from an already loaded document, runs `schemathesis.engine` (what its CLI runs:
examples, coverage, fuzzing, stateful with link inference) for one operation or for the stateful phase, and
translates each failed check into a Finding. `schemathesis.engine` is not in schemathesis's `__all__`; tests in
tests/fuzz pin the parts used here.
"""

from __future__ import annotations

import copy
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import schemathesis
from schemathesis.config import SchemathesisConfig
from schemathesis.engine import events, from_schema

from ..config import PHASES, Suite
from ..errors import SpecLoadError, TargetError
from ..redact import truncate
from ..results import Exchange, Finding, Severity, Source
from . import practice

if TYPE_CHECKING:
    from schemathesis.engine.recorder import Interaction, ScenarioRecorder
    from schemathesis.schemas import BaseSchema

ERROR_SHAPES = practice.ErrorShapes()
_NUMBER = re.compile(r"\d+(\.\d+)?")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@schemathesis.check
def retry_after_on_429(ctx: Any, response: Any, case: Any) -> bool | None:
    message = practice.retry_after_on_429(response.status_code, response.headers)
    if message:
        raise AssertionError(message)
    return None


@schemathesis.check
def location_on_201(ctx: Any, response: Any, case: Any) -> bool | None:
    message = practice.location_on_201(response.status_code, response.headers)
    if message:
        raise AssertionError(message)
    return None


@schemathesis.check
def consistent_error_payload(ctx: Any, response: Any, case: Any) -> bool | None:
    origin = _origin(str(response.request.url))
    message = ERROR_SHAPES.check(origin, response.status_code, response.headers, response.content)
    if message:
        raise AssertionError(message)
    return None


@dataclass(slots=True)
class FuzzRun:
    findings: list[Finding] = field(default_factory=list)
    cases: int = 0
    statuses: dict[str, Counter[int]] = field(default_factory=dict)  # operation label -> status -> count
    elapsed_ms: dict[str, list[float]] = field(default_factory=dict)
    # The slowest request of each operation, as evidence for `slow_operation`.
    slowest: dict[str, tuple[float, str, Exchange]] = field(default_factory=dict)
    skipped: str | None = None


def config_dict(suite: Suite, base_url: str, phases: tuple[str, ...]) -> dict[str, Any]:
    fuzz = suite.fuzz
    checks: dict[str, Any] = {}
    if "all" not in fuzz.checks:
        checks["enabled"] = False
        checks.update({name: {"enabled": True} for name in fuzz.checks})
    for name in fuzz.exclude_checks:
        checks[name] = {"enabled": False}
    if fuzz.max_response_time is not None:
        checks["max_response_time"] = fuzz.max_response_time
    data: dict[str, Any] = {
        "base-url": base_url,
        "headers": dict(suite.auth.headers),
        "workers": fuzz.workers,
        "request-timeout": fuzz.request_timeout,
        "generation": {"max-examples": fuzz.max_examples, "mode": fuzz.mode},
        "phases": {name: {"enabled": name in phases} for name in PHASES},
        "checks": checks,
    }
    if fuzz.seed is not None:
        data["seed"] = fuzz.seed
    return _deep_merge(data, fuzz.schemathesis)


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

    try:
        config = SchemathesisConfig.from_dict(config_dict(suite, base_url, phases))
        schema = schemathesis.openapi.from_dict(document, config=config)
    except StConfigError as exc:
        raise SpecLoadError(f"{suite.file} [fuzz]: schemathesis rejects the settings: {_one_line(exc)}") from exc
    except (InvalidSchema, LoaderError) as exc:
        raise SpecLoadError(f"{suite.spec or suite.file}: schemathesis cannot use the spec: {_one_line(exc)}") from exc
    if _declares_problem_json(document):
        ERROR_SHAPES.declare(_origin(base_url), "application/problem+json")
    return schema


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _declares_problem_json(document: dict[str, Any]) -> bool:
    return "application/problem+json" in str(document.get("paths", ""))


def run(schema: BaseSchema, operation: tuple[str, str] | None) -> FuzzRun:
    """Run every enabled phase for one operation (method, path), or for the whole schema (stateful)."""
    target = schema.include(method=operation[0], path=operation[1]) if operation else schema
    out = FuzzRun()
    seen: set[tuple[str, str, str, str]] = set()
    for event in from_schema(target).execute():
        if isinstance(event, events.ScenarioFinished):
            _collect(event.recorder, out, seen)
            if event.skip_reason and not event.recorder.interactions:
                out.skipped = event.skip_reason
        elif isinstance(event, events.NonFatalError):
            _raise_error(event.value, event.info.title, event.info.message)
        elif isinstance(event, events.FatalError):
            _raise_error(event.exception, type(event.exception).__name__, str(event.exception))
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                _add(
                    out,
                    seen,
                    Finding(
                        Source.FUZZ, "after_run", failure.operation, failure.title, failure.message, _severity(failure)
                    ),
                )
    return out


class EngineError(Exception):
    """schemathesis could not test an operation (e.g. an unsatisfiable schema): the item errors, the run goes on."""


def _raise_error(exc: BaseException, title: str, message: str) -> None:
    import requests

    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, requests.ConnectionError):
            raise TargetError(
                f"the API stopped answering ({title}): {message.strip().splitlines()[0] if message.strip() else cause}"
            ) from exc
        cause = cause.__cause__ or cause.__context__
    raise EngineError(f"{title}: {message.strip()}") from exc


def _collect(rec: ScenarioRecorder, out: FuzzRun, seen: set[tuple[str, str, str, str]]) -> None:
    for case_id, interaction in rec.interactions.items():
        out.cases += 1
        node = rec.cases.get(case_id)
        label = node.value.operation.label if node is not None else rec.label
        if interaction.response is not None:
            elapsed = interaction.response.elapsed * 1000
            out.statuses.setdefault(label, Counter())[interaction.response.status_code] += 1
            out.elapsed_ms.setdefault(label, []).append(elapsed)
            if node is not None and elapsed > out.slowest.get(label, (-1.0,))[0]:
                curl = node.value.as_curl_command(headers=_flatten(interaction.request.headers))
                out.slowest[label] = (elapsed, curl, _exchange(interaction))
    for case_id, checks in rec.checks.items():
        for check in checks:
            info = check.failure_info
            if info is None:
                continue
            failure = info.failure
            node = rec.cases.get(case_id)
            operation = failure.operation or (node.value.operation.label if node is not None else rec.label)
            recorded = rec.interactions.get(case_id)
            finding = Finding(
                source=Source.FUZZ,
                check=check.name,
                operation=operation,
                title=practice.TITLES.get(check.name, failure.title),
                message=failure.message,
                severity=_severity(failure),
                curl=info.code_sample,
                exchange=_exchange(recorded) if recorded is not None else None,
                details={"steps": [s.curl for s in info.steps]} if len(info.steps) > 1 else {},
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


def _exchange(interaction: Interaction) -> Exchange:
    request, response = interaction.request, interaction.response
    return Exchange(
        method=request.method,
        url=request.uri,
        request_headers={k: ", ".join(v) for k, v in request.headers.items()},
        request_body=truncate(request.body.decode("utf-8", "replace")) if request.body else None,
        status=response.status_code if response is not None else None,
        response_headers={k: ", ".join(v) for k, v in response.headers.items()} if response is not None else {},
        response_body=truncate(response.content.decode("utf-8", "replace"))
        if response is not None and response.content
        else None,
        elapsed_ms=round(response.elapsed * 1000, 2) if response is not None else None,
    )
