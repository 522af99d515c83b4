"""How the follow-up checks send their requests: cases of the spec's operations built by schemathesis (the suite's
serialisation and base URL), sent as one of the suite's users through the transport the engine used (so every
request carries the correlation ids), each kept with its answer, curl line and exchange (`Sent`); and one check's
requests in order (`Trail`), which its finding shows and `apitest replay` sends again."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..redact import REQUEST_BODY_LIMIT
from ..results import Exchange
from .practice import retry_after_seconds

if TYPE_CHECKING:
    from schemathesis.generation.case import Case as _Case
    from schemathesis.schemas import BaseSchema

    Case = _Case[Any]

# Headers that say who asks or what to expect: each request sets them itself, never copies them from the engine's.
CONTROLLED_HEADERS = frozenset(
    {"authorization", "cookie", "if-match", "if-none-match", "idempotency-key", "x-idempotency-key"}
)


@dataclass(slots=True)
class Sent:
    case: Case
    status: int
    headers: dict[str, list[str]]
    content: bytes
    curl: str
    exchange: Exchange

    @property
    def body(self) -> Any:
        return parse_json(self.content)

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[0] if values else None


@dataclass(slots=True)
class Trail:
    """One check's requests in order, as its finding shows them: first `earlier`, those sent before the check began
    that it relies on (a parent made once and held for every resource below it), then its own `steps`."""

    steps: list[Sent] = field(default_factory=list)
    earlier: list[Sent] = field(default_factory=list)

    def restart(self) -> None:
        self.steps, self.earlier = [], []

    def rely_on(self, sent: Sequence[Sent]) -> None:
        for each in sent:
            if all(each is not kept for kept in (*self.earlier, *self.steps)):
                self.earlier.append(each)

    def all(self) -> list[Sent]:
        return [*self.earlier, *self.steps]


class Sender:
    """Builds and sends cases of the spec's operations as one of the suite's users."""

    def __init__(
        self,
        schema: BaseSchema,
        base_url: str,
        users: Mapping[str, Mapping[str, str]],
        timeout: float,
        credential_headers: frozenset[str] = frozenset(),
        pause: float = 0.0,
    ):
        self.schema = schema
        self.base_url = base_url
        self.users = users
        self.timeout = timeout
        self.pause = pause  # the most to wait for a Retry-After before sending again once
        self.sent = 0  # requests sent, retries included
        self._controlled = (
            credential_headers | CONTROLLED_HEADERS | {name.lower() for headers in users.values() for name in headers}
        )

    def case(self, label: str, like: Case | None = None, **changes: Any) -> Case:
        method, path = label.split(" ", 1)
        operation = self.schema[path][method]
        fields: dict[str, Any] = {}
        if like is not None:
            declared = {p.name.lower() for p in operation.headers} if hasattr(operation, "headers") else set()
            fields = {
                "path_parameters": dict(like.path_parameters or {}),
                "query": dict(like.query or {}),
                # only headers the operation declares, none that say who asks or what to expect
                "headers": {
                    k: v
                    for k, v in dict(like.headers or {}).items()
                    if k.lower() in declared and k.lower() not in self._controlled
                },
                "body": like.body,
                "media_type": like.media_type,
            }
        fields.update(changes)
        return operation.Case(**fields)

    def send(self, case: Case, user: str = "primary") -> Sent:
        from schemathesis.transport.requests import SameHostRedirectsSession

        headers = dict(self.users.get(user, {}))
        for attempt in range(2):
            self.sent += 1
            with contextlib.closing(SameHostRedirectsSession()) as session:
                session.headers.update(headers)
                response = case.call(base_url=self.base_url, session=session, timeout=self.timeout)
            retry_after = response.headers.get("retry-after")
            if response.status_code != 429 or attempt or not retry_after or not self.pause:
                break
            time.sleep(min(retry_after_seconds(str(retry_after)), self.pause))  # honour Retry-After, briefly
        received = {k.lower(): list(v) for k, v in response.headers.items()}
        prepared = response.request
        exchange = Exchange(
            method=str(prepared.method),
            url=str(prepared.url),
            request_headers={k: str(v) for k, v in prepared.headers.items()},
            request_body=_text(prepared.body, REQUEST_BODY_LIMIT),
            status=response.status_code,
            response_headers={k: ", ".join(v) for k, v in received.items()},
            response_body=_text(response.content),
            elapsed_ms=round(response.elapsed * 1000, 2),
            user=user,
        )
        return Sent(
            case, response.status_code, received, response.content, case.as_curl_command(headers=headers), exchange
        )


def parse_json(content: bytes | None) -> Any:
    if not content:
        return None
    try:
        return json.loads(content)
    except ValueError:
        return None


def _text(body: Any, limit: int = 4096) -> str | None:
    from ..redact import truncate

    if body is None:
        return None
    if isinstance(body, bytes):
        return truncate(body.decode("utf-8", "replace"), limit)
    return truncate(str(body), limit)
