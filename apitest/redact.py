"""Secrets never leave the process: configured credentials and sensitive headers are masked in every output."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping

from .results import Exchange, Finding

MASK = "[REDACTED]"
_SENSITIVE_HEADER = re.compile(r"authorization|cookie|api[-_]?key|token|secret|password|session", re.IGNORECASE)


def redact_text(text: str, secrets: Iterable[str]) -> str:
    for secret in sorted({s for s in secrets if len(s) >= 3}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def redact_headers(headers: Mapping[str, str], secrets: Iterable[str]) -> dict[str, str]:
    secrets = tuple(secrets)
    return {k: MASK if _SENSITIVE_HEADER.search(k) else redact_text(v, secrets) for k, v in headers.items()}


def redact_finding(finding: Finding, secrets: Iterable[str]) -> Finding:
    secrets = tuple(secrets)
    exchange = finding.exchange
    if exchange is not None:
        exchange = dataclasses.replace(
            exchange,
            url=redact_text(exchange.url, secrets),
            request_headers=redact_headers(exchange.request_headers, secrets),
            request_body=redact_text(exchange.request_body, secrets)
            if exchange.request_body
            else exchange.request_body,
            response_headers=redact_headers(exchange.response_headers, secrets),
            response_body=redact_text(exchange.response_body, secrets)
            if exchange.response_body
            else exchange.response_body,
        )
    return dataclasses.replace(
        finding,
        message=redact_text(finding.message, secrets),
        curl=redact_curl(finding.curl, secrets) if finding.curl else finding.curl,
        exchange=exchange,
    )


def redact_curl(curl: str, secrets: Iterable[str]) -> str:
    """Mask configured secrets and the values of sensitive `-H 'Name: value'` headers in a curl line."""
    curl = redact_text(curl, secrets)

    def mask(match: re.Match[str]) -> str:
        name = match["name"]
        return f"{match['q']}{name}: {MASK}{match['q']}" if _SENSITIVE_HEADER.search(name) else match[0]

    return re.sub(r"(?P<q>['\"])(?P<name>[A-Za-z0-9-]+): [^'\"]*(?P=q)", mask, curl)


def truncate(text: str | None, limit: int = 4096) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"... [{len(text) - limit} more characters]"


__all__ = ["MASK", "Exchange", "redact_curl", "redact_finding", "redact_headers", "redact_text", "truncate"]
