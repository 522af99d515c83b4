"""Contract findings: verifier mismatches, failed provider states and spec gaps, each with a curl reproduction."""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from ..results import Exchange, Finding, Severity, Source
from .pactfile import Interaction, PactDocument, is_json_media

if TYPE_CHECKING:  # collecting a suite with pacts must not load the validator, the verifier or the state server
    from .gaps import Gap
    from .states import StateCall
    from .verification import Verdict

BASE_URL_PLACEHOLDER = "$BASE_URL"
_SEVERITY = {
    "StatusMismatch": Severity.HIGH,
    "BodyMismatch": Severity.HIGH,
    "BodyTypeMismatch": Severity.HIGH,
    "HeaderMismatch": Severity.MEDIUM,
}
_CHECK = {
    "StatusMismatch": "pact.status",
    "BodyMismatch": "pact.body",
    "BodyTypeMismatch": "pact.body",
    "HeaderMismatch": "pact.header",
    "MetadataMismatch": "pact.metadata",
}


def interaction_key(document: PactDocument, interaction: Interaction) -> str:
    return f"{document.consumer}→{document.provider}: {interaction.description}"


def request_url(interaction: Interaction, base_url: str) -> str:
    request = interaction.request
    url = base_url.rstrip("/") + (request.path if request.path.startswith("/") else "/" + request.path)
    if request.query:
        url += "?" + urlencode([(k, v) for k, values in request.query.items() for v in values])
    return url


def request_body_text(interaction: Interaction) -> str | None:
    """The request body as text: JSON as the pact holds it, text as is, a binary body as a short hex summary."""
    request = interaction.request
    if not request.has_body or request.body is None:
        return None
    if isinstance(request.body, bytes):
        return f"<{len(request.body)} bytes: {request.body[:32].hex()}{'...' if len(request.body) > 32 else ''}>"
    if isinstance(request.body, str) and not is_json_media(request.content_type):
        return request.body
    return json.dumps(request.body, separators=(",", ":"), ensure_ascii=False)


def curl(interaction: Interaction, base_url: str, extra_headers: Mapping[str, str] | None = None) -> str:
    """The interaction's request as a curl command; `extra_headers` (the suite's auth) replace the pact's."""
    request = interaction.request
    headers = dict(request.headers)
    for name, value in (extra_headers or {}).items():
        for existing in [k for k in headers if k.lower() == name.lower()]:
            del headers[existing]
        headers[name] = value
    binary = request.body if isinstance(request.body, bytes) and request.has_body else None
    body = None if binary is not None else request_body_text(interaction)
    typed = any(k.lower() == "content-type" for k in headers)
    if (body is not None or binary is not None) and request.content_type and not typed:
        headers["Content-Type"] = request.content_type
    parts = ["curl"]
    if request.method != "GET" or body is not None or binary is not None:
        parts += ["-X", request.method]
    parts.append(_quote_url(request_url(interaction, base_url)))
    for name, value in headers.items():
        parts += ["-H", shlex.quote(f"{name}: {value}")]
    if body is not None:
        parts += ["--data-raw", shlex.quote(body)]
    if binary is not None:
        # the exact bytes, through printf's octal escapes (POSIX), so that nothing is lost to an encoding
        octal = "".join(f"\\{b:04o}" if b < 32 or b > 126 or chr(b) in "\\'%" else chr(b) for b in binary)
        return f"printf '%b' '{octal}' | " + " ".join([*parts, "--data-binary", "@-"])
    return " ".join(parts)


def _quote_url(url: str) -> str:
    """Quoted for a shell; a `$BASE_URL` placeholder (provider not started) stays expandable."""
    if url.startswith(BASE_URL_PLACEHOLDER):
        return f'"{BASE_URL_PLACEHOLDER}"' + shlex.quote(url[len(BASE_URL_PLACEHOLDER) :])
    return shlex.quote(url)


def exchange(interaction: Interaction, base_url: str, status: int | None = None) -> Exchange:
    return Exchange(
        method=interaction.request.method,
        url=request_url(interaction, base_url),
        request_headers=dict(interaction.request.headers),
        request_body=request_body_text(interaction),
        status=status,
    )


def verdict_findings(
    document: PactDocument,
    interaction: Interaction,
    verdict: Verdict,
    *,
    operation: str,
    base_url: str,
    headers: Mapping[str, str],
) -> list[Finding]:
    """The findings of one verified interaction; a failed set-up hides the mismatches it caused."""
    key = interaction_key(document, interaction)
    reproduce = curl(interaction, base_url, headers)
    base: dict[str, Any] = {
        "consumer": document.consumer,
        "provider": document.provider,
        "interaction": interaction.description,
    }

    def finding(
        check: str,
        title: str,
        message: str,
        severity: Severity,
        suffix: str = "",
        status: int | None = None,
        **details: Any,
    ) -> Finding:
        return Finding(
            Source.CONTRACT,
            check,
            operation,
            title,
            message,
            severity,
            key=key + (f" {suffix}" if suffix else ""),
            curl=reproduce,
            exchange=exchange(interaction, base_url, status),
            details={**base, **details},
        )

    findings: list[Finding] = []
    setup_failed: set[str] = set()
    for call in verdict.states:
        if call.ok or (call.action == "teardown" and call.state in setup_failed):
            continue
        if call.action == "setup":
            setup_failed.add(call.state)
        findings.append(
            finding(
                "pact.state",
                _state_title(call, verdict),
                _state_message(call, interaction, verdict),
                Severity.MEDIUM,
                f"state {call.state}",
                **_state_details(call),
            )
        )
    if setup_failed:
        return findings
    if verdict.timed_out:
        findings.append(
            finding(
                "pact.timeout",
                f"verification did not finish within {verdict.elapsed_s:g} s",
                f"{key}: the provider did not answer, or the verification hung, for longer than [contracts] timeout. "
                "The verification was stopped so the run could go on.",
                Severity.MEDIUM,
                expected=f"done within {verdict.elapsed_s:g} s",
                actual="still running",
            )
        )
        return findings
    if verdict.error is not None and not verdict.mismatches:
        findings.append(
            finding(
                "pact.request",
                "the verifier could not replay the request",
                f"{key}: {verdict.error}",
                Severity.HIGH,
                expected="a response",
                actual=verdict.error,
            )
        )
    for mismatch in verdict.mismatches:
        kind = str(mismatch.get("type") or "Mismatch")
        expected, actual = _decode(mismatch.get("expected")), _decode(mismatch.get("actual"))
        text = str(mismatch.get("mismatch") or f"expected {expected!r}, got {actual!r}")
        check = _CHECK.get(kind, "pact.mismatch")
        severity = _SEVERITY.get(kind, Severity.MEDIUM)
        if kind == "StatusMismatch":
            status = actual if isinstance(actual, int) else None
            findings.append(
                finding(
                    check,
                    f"status {actual}, the pact expects {expected}",
                    f"{key}: the provider answered {actual}; the consumer expects {expected}.",
                    severity,
                    "status",
                    status=status,
                    expected=expected,
                    actual=actual,
                )
            )
        elif kind == "HeaderMismatch":
            name = str(mismatch.get("key") or "")
            findings.append(
                finding(
                    check,
                    f"header {name}: {text}",
                    f"{key}: {text}",
                    severity,
                    f"header {name}",
                    expected=expected,
                    actual=actual,
                    header=name,
                )
            )
        else:
            path = str(mismatch.get("path") or "$")
            findings.append(
                finding(
                    check,
                    f"body {path}: {text}",
                    f"{key}: at {path} {text} (expected {json.dumps(expected)}, actual {json.dumps(actual)}).",
                    severity,
                    path,
                    expected=expected,
                    actual=actual,
                    path=path,
                )
            )
    if not verdict.passed and not findings:
        findings.append(
            finding(
                "pact.mismatch",
                "the verifier reported a failure",
                f"{key}: {verdict.output.strip()[-1500:]}",
                Severity.HIGH,
            )
        )
    return findings


def gap_finding(
    document: PactDocument, interaction: Interaction, gap: Gap, *, operation: str, base_url: str
) -> Finding:
    """A cross-check gap as a finding: the interaction, where in the pact and in the spec, expected vs actual."""
    key = interaction_key(document, interaction)
    places = "; ".join(
        p
        for p in (
            f"pact {document.source} {gap.pact_path}" if gap.pact_path else "",
            f"spec {gap.spec_path}" if gap.spec_path else "",
        )
        if p
    )
    return Finding(
        Source.CONTRACT,
        gap.check,
        operation,
        gap.title,
        f"{key}: {gap.message}" + (f" [{places}]" if places else ""),
        gap.severity,
        key=key + (f" {gap.location}" if gap.location else ""),
        curl=curl(interaction, base_url),
        details={
            "consumer": document.consumer,
            "provider": document.provider,
            "interaction": interaction.description,
            "location": gap.location,
            "pact_file": document.source,
            "pact_path": gap.pact_path,
            "spec_path": gap.spec_path,
            "expected": gap.expected,
            "actual": gap.actual,
        },
    )


def _state_title(call: StateCall, verdict: Verdict) -> str:
    if call.unknown:
        return f"provider state {call.state!r} is not handled"
    if call.running:
        return f"provider state {call.state!r} {call.action} did not return within {verdict.elapsed_s:g} s"
    return f"provider state {call.state!r} {call.action} failed"


def _state_message(call: StateCall, interaction: Interaction, verdict: Verdict) -> str:
    params = f" with params {json.dumps(call.params)}" if call.params else ""
    if call.unknown:
        return (
            f"{interaction.description!r} needs the provider state {call.state!r}{params}, which the [contracts] states "
            "handler does not handle (it raised UnknownStateError, or no handler is configured). Add it to the handler."
        )
    if call.running:
        return (
            f"The {call.action} of provider state {call.state!r}{params} was still running when the interaction's "
            f"time ([contracts] timeout = {verdict.elapsed_s:g} s) ran out; the verification was stopped."
        )
    after = " The interaction was not verified: its result would not mean anything." if call.action == "setup" else ""
    return f"The {call.action} of provider state {call.state!r}{params} raised {call.error}.{after}"


def _state_details(call: StateCall) -> dict[str, Any]:
    return {
        "state": call.state,
        "params": call.params,
        "action": call.action,
        "expected": f"{call.action} succeeds",
        "actual": "not handled" if call.unknown else ("still running" if call.running else call.error),
    }


def _decode(value: Any) -> Any:
    """pact reports body values as JSON text ("\\"1299\\"" for the string "1299")."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
