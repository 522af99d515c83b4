"""Secrets never leave the process: one `Redactor` masks them in every record, whatever its type.

What is masked, always with one marker (`MASK`):

* every configured secret value (the suite's auth headers, broker credentials, a password in a URL), wherever it
  appears: headers, query strings, bodies, URLs, curl lines, messages, details; also URL-encoded, and the token of
  `Bearer TOKEN` / `Basic CREDENTIALS` on its own;
* the values of headers whose name says they carry a credential (`Authorization`, `Cookie`, `X-API-Key`,
  `*-Token`, ...), in header tables and in curl `-H` arguments: by header *name* only, so an ordinary body field
  such as `author` stays visible;
* a password in a URL's userinfo (`https://user:pw@host`), and schemathesis's own "[Filtered]" marker;
* the value of a query parameter whose name says it carries a credential (`token`, `access_token`, `api_key`,
  `password`, `secret`, `key`, `sig`...), in any URL: recorded requests, curl lines, Location headers, messages.

The recorder (`recorder.Recorder`) passes every record through `Redactor.record`, so every output (report.json,
report.html, summary.md, junit.xml, the terminal) is built from masked data.
"""

from __future__ import annotations

import dataclasses
import re
import threading
from collections.abc import Iterable, Mapping
from enum import Enum
from typing import Any, TypeVar
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlsplit

MASK = "[REDACTED]"
MIN_SECRET = 3  # shorter values would mask ordinary text

# Header names whose values are credentials.
SENSITIVE_HEADER = re.compile(
    r"^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api[-_]?key|.*[-_]token|token|.*secret.*"
    r"|.*password.*|.*session.*|x-auth.*|x-csrf.*|x-xsrf.*)$",
    re.IGNORECASE,
)
_CURL_HEADER = re.compile(r"(?P<q>['\"])(?P<name>[A-Za-z0-9_-]+): (?P<value>[^'\"]*)(?P=q)")
_USERINFO = re.compile(r"(?P<scheme>[a-z][a-z0-9+.-]*://)(?P<user>[^/\s:@'\"]*):(?P<password>[^/\s@'\"]+)@", re.I)
_SCHEMES = ("Bearer ", "Basic ", "Token ", "Digest ")
# Query parameters whose name says they carry a credential (`?api_key=...`, `&access_token=...`, a signed URL's
# `X-Amz-Signature`); their values are masked in any URL, wherever it appears.
SECRET_QUERY_NAME = re.compile(
    r"^(?:[\w.-]*[-_.]?(?:token|secret|password|passwd|pwd|apikey|api[-_]key|access[-_]key|private[-_]key"
    r"|signature|credentials?)|key|sig|session|sessionid)$",
    re.IGNORECASE,
)
_QUERY_PARAM = re.compile(r"(?P<lead>[?&;](?:amp;)?)(?P<name>[\w.%-]{1,64})=(?P<value>[^&#\s'\"<>]+)")

R = TypeVar("R")


class Redactor:
    """Masks secrets; `add()` them as suites are read. Safe to share between threads."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: set[str] = set()
        self._pattern: re.Pattern[str] | None = None
        self._names: frozenset[str] = frozenset()  # header names configured as credentials, lower case
        self.add(secrets)

    def add_header_names(self, names: Iterable[str]) -> None:
        """Headers the suite sends credentials in: masked by name, however short their values."""
        with self._lock:
            self._names = self._names | {n.lower() for n in names}

    def sensitive(self, name: str) -> bool:
        return name.lower() in self._names or SENSITIVE_HEADER.match(name) is not None

    def add(self, secrets: Iterable[str]) -> None:
        forms: set[str] = set()
        for secret in secrets:
            for value in (secret, *(secret[len(s) :] for s in _SCHEMES if secret.startswith(s))):
                value = value.strip()
                if len(value) >= MIN_SECRET:
                    forms.update({value, quote(value, safe=""), quote_plus(value)})
        with self._lock:
            if forms <= self._secrets:
                return
            self._secrets |= forms
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self._secrets)

    def text(self, text: str) -> str:
        """A string with secrets, credentials in curl `-H` arguments and URL passwords masked."""
        pattern = self._pattern
        if pattern is not None:
            text = pattern.sub(MASK, text)
        if "Filtered" in text:  # schemathesis's own marker, also URL-encoded in a query string
            text = text.replace("[Filtered]", MASK).replace("%5BFiltered%5D", quote(MASK, safe=""))
        if "://" in text and "@" in text:
            text = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)
        if "=" in text and ("?" in text or "&" in text):
            text = _QUERY_PARAM.sub(_mask_query_param, text)
        if "-H" in text or "--header" in text:
            text = _CURL_HEADER.sub(self._mask_curl_header, text)
        return text

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        return {k: MASK if self.sensitive(k) else self.text(v) for k, v in headers.items()}

    def _mask_curl_header(self, match: re.Match[str]) -> str:
        if self.sensitive(match["name"]):
            return f"{match['q']}{match['name']}: {MASK}{match['q']}"
        return match[0]

    def record(self, record: R) -> R:
        """`record` (any of the result model's dataclasses) with every string in it masked."""
        return self._walk(record, "")  # type: ignore[no-any-return]

    def _walk(self, value: Any, name: str) -> Any:
        if isinstance(value, Enum):  # Source, Severity, Outcome: names of ours, never secrets
            return value
        if isinstance(value, str):
            masked = self.text(value)
            return value if masked == value else masked
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            changes = {}
            for f in dataclasses.fields(value):
                before = getattr(value, f.name)
                after = self._walk(before, f.name)
                if after is not before:
                    changes[f.name] = after
            return dataclasses.replace(value, **changes) if changes else value
        if isinstance(value, Mapping):
            if name.endswith("headers"):
                return self.headers(value)
            return {k: self._walk(v, str(k)) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self._walk(v, name) for v in value)
        return value


def _mask_query_param(match: re.Match[str]) -> str:
    if match["value"] == MASK or SECRET_QUERY_NAME.match(unquote(match["name"])) is None:
        return match[0]
    return f"{match['lead']}{match['name']}={MASK}"


def query_secrets(url: str) -> list[str]:
    """The values of `url`'s query parameters whose name says they carry a credential."""
    return [v for k, v in parse_qsl(urlsplit(url).query) if v and SECRET_QUERY_NAME.match(k)]


# Evidence is cut at 4 KiB; a request's body is kept whole up to 64 KiB, since `apitest replay` sends it again.
REQUEST_BODY_LIMIT = 65536


def truncate(text: str | None, limit: int = 4096) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"... [{len(text) - limit} more characters]"


__all__ = [
    "MASK",
    "REQUEST_BODY_LIMIT",
    "SECRET_QUERY_NAME",
    "SENSITIVE_HEADER",
    "Redactor",
    "query_secrets",
    "truncate",
]
