"""`apitest replay REPORT.json [FINGERPRINT ...]`: send a finding's requests again and say whether it still fails.

Each finding of a fuzz run carries its requests (`Finding.sequence`, or its one `exchange`). A replay sends them
again, in order, to the suite's API (or `--base-url`), and judges the last answer the way the run did:

* a follow-up finding by the rule that found it (`details["fails_if"]`, see judgement.py);
* schemathesis's response checks (`not_a_server_error`, `response_schema_conformance`, ...) by that check, run by
  schemathesis on the new answer; apitest's practice checks by `practice.check_response`; the response-time checks
  by their limit;
* every other check (those that judge a case by how it was generated, or a sequence) by its symptom: the last
  request answers with the status it had (any 5xx for a 5xx).

Values a server hands out (the id in a `Location` or a body's `id`, an `ETag`) differ from one server's life to the
next, so what an earlier step answered is carried into the later steps that used it. Credentials, masked in the
report, are put back from the suite, as the user who sent each request (credentials.py). The verdict of each
finding is `fails`, `fixed`, or `unclear` when the replay did not get where the run got (an earlier step answered
otherwise, or a resource the request names is not there), with the reason.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .. import correlation, credentials
from ..baseline import read_report
from ..errors import ApitestError, UsageParser
from ..redact import MASK
from ..results import Exchange, Finding, RunResult, Source
from ..settings import Suite, resolve_suite
from . import judgement, practice

if TYPE_CHECKING:
    import requests

FAILS, FIXED, UNCLEAR = "fails", "fixed", "unclear"

# schemathesis checks that judge one answer on its own: run again on the replayed answer.
RESPONSE_CHECKS = frozenset(
    {
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    }
)
_ON_STATUS = frozenset({"not_a_server_error", "status_code_conformance"})  # judge the status itself
_PRACTICE = frozenset(practice.CHECKS) - {"slow_operation"}
_TIMING = frozenset({"max_response_time", "slow_operation"})
_ID_KEY = re.compile(r"^(id|uuid|.*_id|.*Id|.*_uuid)$")
_FRESH_KEY = re.compile(r"^apitest-\d+$")  # an Idempotency-Key the follow-ups made: a replay uses a new one
_TRUNCATED = re.compile(r"\.\.\. \[\d+ more characters\]$")
_NOT_SENT = {"content-length", "host", "connection", "traceparent", "x-request-id", "accept-encoding"}


@dataclass(frozen=True, slots=True)
class Verdict:
    finding: Finding
    outcome: str  # FAILS, FIXED or UNCLEAR
    reason: str
    replayed: tuple[Exchange, ...] = ()


class ReplayError(ApitestError):
    """The report, the selection or the suite cannot be replayed as asked (exit 4)."""


def select(report: RunResult, fingerprints: Sequence[str], where: Path) -> list[Finding]:
    """The findings to replay: those named (by fingerprint or a unique prefix of one), else every fuzz finding with
    a recorded request."""
    replayable = [f for f in report.findings if f.source is Source.FUZZ and f.exchange is not None]
    if not fingerprints:
        return replayable
    chosen: list[Finding] = []
    for wanted in fingerprints:
        matches = [f for f in report.findings if f.fingerprint.startswith(wanted.lower())]
        if not matches:
            raise ReplayError(f"{where}: no finding has fingerprint {wanted!r}; `apitest report {where}` lists them.")
        if len(matches) > 1:
            raise ReplayError(f"{where}: fingerprint {wanted!r} names {len(matches)} findings; give more of it.")
        if matches[0] not in replayable:
            raise ReplayError(f"{where}: finding {wanted} has no recorded request to send again (not a fuzz finding).")
        chosen.append(matches[0])
    return chosen


def suite_of(report: RunResult, finding: Finding, given: Path | None, where: Path) -> Suite:
    """The suite the finding came from: --suite, else the suite file the report names."""
    if given is not None:
        path = given / "apitest.toml" if given.is_dir() else given
    else:
        files = [s.file for s in report.setups if s.suite == finding.suite and s.file]
        if not files:
            raise ReplayError(f"{where}: the report does not name suite {finding.suite!r}'s file; pass --suite PATH.")
        path = Path(files[0])
    if not path.is_file():
        raise ReplayError(f"--suite: {path} does not exist; pass --suite PATH (the apitest.toml of the run).")
    return resolve_suite(path)


class Target:
    """Where a replay sends: --base-url, else the suite's base_url, else its `serve`d app (started for the replay)."""

    def __init__(self, base_url: str | None, log_dir: Path) -> None:
        self._given = base_url
        self._log_dir = log_dir
        self._served: dict[Path, Any] = {}

    def base_url(self, suite: Suite) -> str:
        from ..target import ServedApp, check_reachable

        if self._given is not None:
            check_reachable(self._given, "--base-url")
            return self._given
        if suite.base_url is not None:
            check_reachable(suite.base_url, str(suite.file))
            return suite.base_url
        if suite.serve is None:
            raise ReplayError(f"{suite.file}: no base_url and nothing to serve; pass --base-url URL.")
        if suite.file not in self._served:
            log = self._log_dir / f"serve-{suite.name}.log"
            self._served[suite.file] = ServedApp(
                suite.serve, suite.root, str(suite.file), log=log, factory=suite.serve_factory
            )
        return str(self._served[suite.file].base_url)

    def close(self) -> None:
        for served in self._served.values():
            served.close()
        self._served.clear()


@dataclass
class Bindings:
    """Values the run's server handed out, and what the replay's server handed out in their place."""

    values: dict[str, str] = field(default_factory=dict)

    def learn(self, recorded: Exchange, status: int, headers: Mapping[str, str], text: str) -> None:
        old = {k.lower(): v for k, v in recorded.response_headers.items()}
        new = {k.lower(): v for k, v in headers.items()}
        if old.get("etag") and new.get("etag"):
            self._bind(old["etag"], new["etag"])
        if old.get("location") and new.get("location"):
            before, after = urlsplit(old["location"]).path.split("/"), urlsplit(new["location"]).path.split("/")
            if len(before) == len(after):
                for a, b in zip(before, after, strict=True):
                    self._bind(a, b)
        self._walk(_json(recorded.response_body or ""), _json(text))

    def _walk(self, old: Any, new: Any, key: str = "") -> None:
        if isinstance(old, dict) and isinstance(new, dict):
            for name, value in old.items():
                if name in new:
                    self._walk(value, new[name], str(name))
        elif isinstance(old, list) and isinstance(new, list):
            for a, b in zip(old, new, strict=False):
                self._walk(a, b, key)
        elif _ID_KEY.match(key) and isinstance(old, (str, int)) and isinstance(new, (str, int)):
            self._bind(str(old), str(new))

    def _bind(self, old: str, new: str) -> None:
        if old and old != new:
            self.values[old] = new

    def text(self, value: str) -> str:
        if _FRESH_KEY.match(value):
            self.values.setdefault(value, f"apitest-{time.time_ns()}")
        return self.values.get(value, value)

    def url(self, url: str, base_url: str) -> str:
        parts, base = urlsplit(url), urlsplit(base_url)
        path = "/".join(self.text(segment) for segment in parts.path.split("/"))
        query = urlencode([(k, self.text(v)) for k, v in parse_qsl(parts.query, keep_blank_values=True)])
        return urlunsplit((base.scheme, base.netloc, path, query, ""))

    def body(self, text: str) -> str:
        data = _json(text)
        if data is None:
            return self.text(text)
        return json.dumps(self._replace(data))

    def _replace(self, node: Any) -> Any:
        if isinstance(node, dict):
            return {k: self._replace(v) for k, v in node.items()}
        if isinstance(node, list):
            return [self._replace(v) for v in node]
        if isinstance(node, (str, int)) and not isinstance(node, bool) and str(node) in self.values:
            new = self.values[str(node)]
            return int(new) if isinstance(node, int) and new.lstrip("-").isdigit() else new
        return node


class Replayer:
    """Replays findings of one report, each against its suite's API."""

    def __init__(self, report: RunResult, where: Path, *, suite: Path | None, target: Target) -> None:
        self.report = report
        self.where = where
        self._suite_path = suite
        self._target = target
        self._documents: dict[Path, dict[str, Any]] = {}

    def replay(self, finding: Finding) -> Verdict:
        import requests

        from . import deadlines

        suite = suite_of(self.report, finding, self._suite_path, self.where)
        base_url = self._target.base_url(suite)
        users = credentials.users_of(suite)
        steps = finding.sequence or ((finding.exchange,) if finding.exchange is not None else ())
        bindings = Bindings()
        replayed: list[Exchange] = []
        fuzz = suite.fuzz
        first_byte = fuzz.first_byte_timeout if fuzz.first_byte_timeout is not None else fuzz.request_timeout
        limits = deadlines.Limits(
            fuzz.connect_timeout, min(first_byte, fuzz.request_timeout), fuzz.request_timeout, fuzz.max_response_size
        )
        deadlines.register(base_url, limits)  # a replay is held to the limits of the run
        with deadlines.BoundedSession() as session:
            for number, step in enumerate(steps, 1):
                try:
                    request = _request(step, bindings, base_url, users)
                except (ValueError, credentials.MaskedValueError) as exc:
                    return Verdict(finding, UNCLEAR, f"step {number} cannot be sent as recorded: {exc}")
                try:
                    response = session.request(**request, timeout=suite.fuzz.request_timeout, allow_redirects=False)
                except requests.RequestException as exc:
                    limit = deadlines.over_limit(exc)
                    if number == len(steps) and limit is not None:
                        return Verdict(finding, FAILS, f"over a limit again: {limit[1]}")
                    if number == len(steps):
                        return Verdict(finding, FAILS, f"the connection failed again ({type(exc).__name__})")
                    return Verdict(finding, UNCLEAR, f"step {number} got no answer ({type(exc).__name__}: {exc})")
                replayed.append(_exchange(request, response, step.user))
                if number < len(steps):
                    if step.status is not None and response.status_code // 100 != step.status // 100:
                        return Verdict(
                            finding,
                            UNCLEAR,
                            f"step {number} ({step.method} {urlsplit(step.url).path}) answered "
                            f"{response.status_code} where the run got {step.status}: the replay did not reach the "
                            "state the run found the bug in",
                            tuple(replayed),
                        )
                    bindings.learn(step, response.status_code, dict(response.headers), response.text)
            if not replayed:
                return Verdict(finding, UNCLEAR, "the finding has no recorded request")
            outcome, reason = self._judge(finding, suite, steps, replayed, response)
            if outcome == FIXED and len(steps) == 1 and steps[0].method.upper() in ("PUT", "DELETE"):
                # The run may have sent it before (a DELETE of what an earlier case deleted): send it once more,
                # as an idempotent request may be, and judge that answer too.
                request = _request(steps[0], bindings, base_url, users)
                again = session.request(**request, timeout=suite.fuzz.request_timeout, allow_redirects=False)
                replayed.append(_exchange(request, again, steps[0].user))
                second, why = self._judge(finding, suite, steps, replayed[1:], again)
                if second == FAILS:
                    first = response.status_code
                    return Verdict(finding, FAILS, f"answered {first}, then, sent again, {why}", tuple(replayed))
        return Verdict(finding, outcome, reason, tuple(replayed))

    def _judge(
        self,
        finding: Finding,
        suite: Suite,
        recorded: Sequence[Exchange],
        replayed: Sequence[Exchange],
        response: requests.Response,
    ) -> tuple[str, str]:
        was, now = recorded[-1].status, response.status_code
        answered = f"answered {now}" + ("" if now == was else f" (the run got {was})")
        rule = finding.details.get("fails_if")
        if isinstance(rule, dict):
            failing = judgement.holds(rule, [judgement.Step.of(e) for e in replayed])
            return (FAILS, f"{answered}: still shows it") if failing else (FIXED, f"{answered}: no longer shows it")
        if finding.check in RESPONSE_CHECKS | _PRACTICE | _TIMING:
            # A check of the status judges the new status as it is; the others judged one kind of answer (a 200's
            # body, a 429's headers), and another status is not that answer fixed.
            if now != was and finding.check not in _ON_STATUS:
                if now in (404, 410, 401, 403):
                    return UNCLEAR, f"{answered}: what the request names is not there, or not for these credentials"
                return UNCLEAR, f"{answered}: {finding.check} judged another kind of answer"
            problem = self._recheck(finding, suite, replayed[-1], response)
            return (FAILS, f"{answered}: {problem}") if problem else (FIXED, f"{answered}: {finding.check} passes")
        same = now == was or (was is not None and was >= 500 and now >= 500)
        return (FAILS, f"{answered} again") if same else (FIXED, answered)

    def _recheck(self, finding: Finding, suite: Suite, exchange: Exchange, response: requests.Response) -> str | None:
        """What the finding's check says of the new answer (None: it passes)."""
        check = finding.check
        if check in _TIMING:
            limit_ms = (
                (suite.fuzz.max_response_time or 0) * 1000
                if check == "max_response_time"
                else suite.fuzz.slow_operation_ms
            )
            elapsed = response.elapsed.total_seconds() * 1000
            return f"took {elapsed:.0f} ms, over {limit_ms:.0f} ms" if limit_ms and elapsed > limit_ms else None
        method, template = (finding.operation or " ").split(" ", 1)
        if check in _PRACTICE:
            promises = practice.Promises(self._document(suite))
            headers = {k.lower(): [v] for k, v in response.headers.items()}
            problems = practice.check_response(
                promises, method, template, response.status_code, headers, response.content, frozenset({check})
            )
            return problems[0].message if problems else None
        return _schemathesis_check(self._document(suite), finding, exchange, response)

    def _document(self, suite: Suite) -> dict[str, Any]:
        from ..spec import load_document

        if suite.file not in self._documents:
            location = suite.spec or self._target.base_url(suite) + "/openapi.json"
            self._documents[suite.file] = load_document(location, headers=suite.auth.headers)
        return self._documents[suite.file]


def _schemathesis_check(
    document: dict[str, Any], finding: Finding, exchange: Exchange, response: requests.Response
) -> str | None:
    import schemathesis
    from schemathesis.checks import CHECKS, load_all_checks
    from schemathesis.core.failures import Failure, FailureGroup

    load_all_checks()
    operation = schemathesis.openapi.from_dict(document).find_operation_by_label(finding.operation or "")
    if operation is None:
        raise ReplayError(f"the spec has no operation {finding.operation}: was it renamed since the run?")
    parts = urlsplit(exchange.url)
    pattern = re.sub(r"\\\{([^}]+)\\\}", r"(?P<\1>[^/]+)", re.escape(operation.path))
    match = re.search(pattern + "$", parts.path)
    fields: dict[str, Any] = {
        "path_parameters": match.groupdict() if match else {},
        "query": dict(parse_qsl(parts.query)),
        "headers": dict(exchange.request_headers),
    }
    body = _json(exchange.request_body or "")
    media = next((v for k, v in exchange.request_headers.items() if k.lower() == "content-type"), None)
    if body is not None and media is not None:
        fields.update(body=body, media_type=media.split(";")[0].strip())
    case = operation.Case(**fields)
    try:
        checks = [c for c in CHECKS.get_by_names([finding.check]) if not isinstance(c, type)]
        if not checks:  # each of RESPONSE_CHECKS is a plain function in schemathesis 4
            raise ReplayError(f"schemathesis has no check function {finding.check!r} to run again")
        case.validate_response(response, checks=checks)
    except FailureGroup as group:
        return "; ".join(f.title for f in group.exceptions)
    except Failure as failure:
        return failure.title
    return None


def _request(step: Exchange, bindings: Bindings, base_url: str, users: credentials.Users) -> dict[str, Any]:
    body = step.request_body
    if body is not None and (MASK in body or _TRUNCATED.search(body)):
        raise ValueError("its body was masked or cut short in the report")
    headers = {
        name: bindings.text(value)
        for name, value in credentials.restore(step.request_headers, step.user or credentials.PRIMARY, users).items()
        if name.lower() not in _NOT_SENT
    }
    correlation.stamp(headers)
    return {
        "method": step.method,
        "url": bindings.url(step.url, base_url),
        "headers": headers,
        "data": bindings.body(body).encode() if body is not None else None,
    }


def _exchange(request: Mapping[str, Any], response: requests.Response, user: str) -> Exchange:
    return Exchange(
        method=str(request["method"]),
        url=str(request["url"]),
        request_headers=dict(request["headers"]),
        request_body=request["data"].decode("utf-8", "replace") if request["data"] else None,
        status=response.status_code,
        response_headers=dict(response.headers),
        response_body=response.text,
        elapsed_ms=round(response.elapsed.total_seconds() * 1000, 2),
        user=user,
    )


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def run(
    report_path: Path,
    fingerprints: Sequence[str],
    *,
    suite: Path | None = None,
    base_url: str | None = None,
    write: Callable[[str], None] = print,
) -> int:
    """Replay and print a verdict per finding; 0 when every replayed finding is fixed, 1 when any still fails or is
    unclear. Raises an ApitestError (ReplayError, TargetError...) for what cannot be replayed at all."""
    import tempfile

    report = read_report(report_path)
    findings = select(report, fingerprints, report_path)
    if not findings:
        write(f"{report_path}: no fuzz finding with a recorded request; nothing to replay.")
        return 0
    with tempfile.TemporaryDirectory(prefix="apitest-replay-") as logs:
        target = Target(base_url, Path(logs))
        try:
            verdicts = [Replayer(report, report_path, suite=suite, target=target).replay(f) for f in findings]
        finally:
            target.close()
    for line in format_verdicts(verdicts):
        write(line)
    return 0 if all(v.outcome == FIXED for v in verdicts) else 1


def format_verdicts(verdicts: Iterable[Verdict]) -> list[str]:
    verdicts = list(verdicts)
    lines = []
    for v in verdicts:
        f = v.finding
        where = f" on {f.operation}" if f.operation else ""
        lines.append(f"{v.outcome.upper():7} {f.fingerprint}  [{f.severity.value}] {f.check}{where}: {v.reason}")
        if v.outcome != FIXED and v.replayed:
            request_id = v.replayed[-1].request_headers.get(correlation.REQUEST_ID)
            if request_id:
                lines.append(f"        last request: X-Request-ID {request_id}")
    counts = {o: sum(1 for v in verdicts if v.outcome == o) for o in (FAILS, FIXED, UNCLEAR)}
    lines.append(
        f"replayed {len(verdicts)} finding{'s' if len(verdicts) != 1 else ''}: {counts[FAILS]} still fail, "
        f"{counts[FIXED]} fixed, {counts[UNCLEAR]} unclear"
    )
    return lines


def main(argv: Sequence[str]) -> int:
    parser = UsageParser(
        prog="apitest replay",
        description="Send the requests of a run's findings again and say, per finding, whether it still fails.",
    )
    parser.add_argument("report", type=Path, help="a report.json written by apitest")
    parser.add_argument("fingerprints", nargs="*", metavar="FINGERPRINT", help="findings to replay (default: all)")
    parser.add_argument("--suite", type=Path, help="the suite's apitest.toml (default: the one the report names)")
    parser.add_argument("--base-url", help="send to this API instead of the suite's")
    args = parser.parse_args(list(argv))
    return run(args.report, args.fingerprints, suite=args.suite, base_url=args.base_url)


__all__ = ["FAILS", "FIXED", "UNCLEAR", "ReplayError", "Verdict", "format_verdicts", "main", "run", "select"]
