"""Every fuzz request within limits: a connect timeout, a first-byte timeout, a deadline for the whole exchange and a
cap on the body's size, whatever the API does.

`requests` (what schemathesis sends with) has only a connect timeout and a read timeout *between* bytes: an API that
answers forever, or trickles a byte a second, holds one request for as long as it likes, and a body that never ends
grows memory without bound (measured: 50 s a request and 1,048 MB). `send()` wraps requests' `Session.send`: the
response is streamed, and `read_within()` reads its body in the chunks that have arrived, against the exchange's
deadline (the socket's timeout shrinks with the time left) and the size cap, and raises `LimitExceeded` naming the
limit. A body that breaks off (a reset, fewer bytes than its Content-Length) is `BrokenBody`. `_engine` turns both,
and a redirect loop, into a finding on the operation (`over_limit`). Limits are registered per base URL
(`register`), since several suites' engine runs may share the process.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
import weakref
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import requests

CHUNK = 64 * 1024
EVENT_STREAM = "text/event-stream"  # schemathesis reads those itself, within the request timeout and max events
CHECK = "response_limit"


@dataclass(frozen=True, slots=True)
class Limits:
    connect_s: float = 5.0
    first_byte_s: float = 10.0
    total_s: float = 10.0  # the whole exchange, redirects followed included
    max_bytes: int = 10 * 1024 * 1024


class LimitExceeded(requests.exceptions.Timeout):
    """A response over a limit; `limit` names the setting ("request_timeout", "max_response_size", ...)."""

    def __init__(self, message: str, limit: str) -> None:
        super().__init__(message)
        self.limit = limit


class BrokenBody(requests.exceptions.ChunkedEncodingError):
    """A response body that broke off: the connection reset, or fewer bytes came than its Content-Length said."""


class _Registry:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_base: dict[str, Limits] = {}

    def register(self, base_url: str, limits: Limits) -> None:
        with self._lock:
            self._by_base[base_url.rstrip("/")] = limits

    def for_url(self, url: str) -> Limits:
        with self._lock:
            matches = [b for b in self._by_base if url == b or url.startswith((b + "/", b + "?"))]
            return self._by_base[max(matches, key=len)] if matches else Limits()


LIMITS = _Registry()


def register(base_url: str, limits: Limits) -> None:
    LIMITS.register(base_url, limits)


class _Deadline:
    """The deadline of one exchange, shared by the redirects it follows (each one is a `send` of its own)."""

    def __init__(self, url: str) -> None:
        self.limits = LIMITS.for_url(url)
        self.at = time.monotonic() + self.limits.total_s

    def left(self) -> float:
        return max(0.001, self.at - time.monotonic())


_current = threading.local()
# Every connection a fuzz request opened, while it lives: `abort_all()` shuts them down when a run is interrupted, so
# that a request waiting on a stalled API ends at once instead of at its deadline.
_SOCKETS: weakref.WeakSet[socket.socket] = weakref.WeakSet()
_SOCKETS_LOCK = threading.Lock()


def _track_connections() -> None:
    from urllib3.util import connection

    original = connection.create_connection
    if getattr(original, "_apitest", False):
        return

    def create_connection(*args: Any, **kwargs: Any) -> socket.socket:
        sock = original(*args, **kwargs)
        if getattr(_current, "deadline", None) is not None:
            with _SOCKETS_LOCK:
                _SOCKETS.add(sock)
        return sock

    create_connection._apitest = True  # type: ignore[attr-defined]
    connection.create_connection = create_connection


def abort_all() -> int:
    """Shut down every open connection of a fuzz request (the run is stopping); returns how many."""
    with _SOCKETS_LOCK:
        sockets = list(_SOCKETS)
    for sock in sockets:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
    return len(sockets)


_PER_SEND = frozenset({"traceparent", "x-request-id", "x-schemathesis-testcaseid"})  # differ on every send


class _Recent:
    """Requests that just went over a limit, and how: Hypothesis replays a failing case to confirm it (twice more),
    and a request the API could not answer within limits is not sent again (3 x the deadline each time, else)."""

    SIZE = 256

    def __init__(self) -> None:
        self._lock = threading.Lock()
        # what to raise again: the class, its message and the limit; never the exception itself, whose traceback
        # would keep the body read so far (up to max_response_size) alive
        self._failed: OrderedDict[tuple[str, str, int], tuple[type[BaseException], str, str]] = OrderedDict()

    @staticmethod
    def key(request: Any) -> tuple[str, str, int]:
        body = request.body
        headers = tuple(sorted((k.lower(), v) for k, v in request.headers.items() if k.lower() not in _PER_SEND))
        return (
            str(request.method),
            str(request.url),
            hash((body.encode() if isinstance(body, str) else body, headers)),
        )

    def get(self, request: Any) -> BaseException | None:
        with self._lock:
            found = self._failed.get(self.key(request))
        if found is None:
            return None
        kind, message, limit = found
        return LimitExceeded(message, limit) if kind is LimitExceeded else kind(message)

    def add(self, request: Any, exc: BaseException) -> None:
        with self._lock:
            self._failed[self.key(request)] = (type(exc), str(exc), getattr(exc, "limit", ""))
            while len(self._failed) > self.SIZE:
                self._failed.popitem(last=False)


RECENT = _Recent()


def send(original: Any, session: Any, request: Any, **kwargs: Any) -> Any:
    """`original(session, request, **kwargs)` (requests' Session.send) within the limits of the request's URL."""
    return _bounded(original, session, request, kwargs, remember=True)


class BoundedSession(requests.Session):
    """A requests session whose every request is within the limits registered for its URL (`apitest replay`); a
    request is always sent, even one that went over a limit before."""

    def send(self, request: Any, **kwargs: Any) -> Any:
        return _bounded(requests.Session.send, self, request, kwargs, remember=False)


def _bounded(original: Any, session: Any, request: Any, kwargs: dict[str, Any], *, remember: bool) -> Any:
    _track_connections()
    outer: _Deadline | None = getattr(_current, "deadline", None)
    failed = RECENT.get(request) if remember else None
    if failed is not None:
        raise failed
    deadline = outer or _Deadline(str(request.url))
    limits = deadline.limits
    left = deadline.left()
    first_byte = min(limits.first_byte_s, left)
    kwargs["timeout"] = (min(limits.connect_s, left), first_byte)
    streamed = bool(kwargs.get("stream"))
    kwargs["stream"] = True
    _current.deadline = deadline
    try:
        return _send(original, session, request, deadline, streamed, left, **kwargs)
    except (LimitExceeded, BrokenBody, requests.exceptions.TooManyRedirects) as exc:
        if getattr(exc, "request", None) is None:
            exc.request = request  # what was sent, for the finding's evidence and `apitest replay`
        if remember:
            RECENT.add(request, exc)
        raise
    finally:
        if outer is None:
            _current.deadline = None


def _send(
    original: Any, session: Any, request: Any, deadline: _Deadline, streamed: bool, left: float, **kwargs: Any
) -> Any:
    limits = deadline.limits
    try:
        response = original(session, request, **kwargs)
    except requests.exceptions.ConnectTimeout as exc:
        raise LimitExceeded(
            f"no connection within {limits.connect_s:g} s (connect_timeout)", "connect_timeout"
        ) from exc
    except requests.exceptions.ReadTimeout as exc:
        if limits.first_byte_s < left:
            raise LimitExceeded(
                f"no response within {limits.first_byte_s:g} s (first_byte_timeout)", "first_byte_timeout"
            ) from exc
        raise LimitExceeded(f"no response within {limits.total_s:g} s (request_timeout)", "request_timeout") from exc
    if streamed and EVENT_STREAM in response.headers.get("Content-Type", ""):
        return response
    if not response._content_consumed:
        read_within(response, deadline)
    return response


def read_within(response: Any, deadline: _Deadline) -> None:
    """The body of `response`, read before the exchange's deadline and within the size cap, kept as its content."""
    limits = deadline.limits
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limits.max_bytes:
        response.close()
        raise LimitExceeded(_too_large(int(declared), limits, "declared"), "max_response_size")
    from urllib3.exceptions import DecodeError, ProtocolError, ReadTimeoutError

    chunks: list[bytes] = []
    size = 0
    sock = getattr(getattr(response.raw, "connection", None), "sock", None)
    try:
        while True:
            if sock is not None:
                sock.settimeout(deadline.left())  # a pause in the body may last only what is left of the deadline
            # read1: what has arrived, not a full chunk (a body trickled a byte a second would fill 64 KiB in 18 hours)
            chunk = response.raw.read1(CHUNK, decode_content=True)
            if not chunk:
                break
            size += len(chunk)
            if size > limits.max_bytes:
                raise LimitExceeded(_too_large(size, limits, "read"), "max_response_size")
            if time.monotonic() > deadline.at:
                raise LimitExceeded(
                    f"the response was not complete within {limits.total_s:g} s (request_timeout); "
                    f"{size:,} bytes of its body had come",
                    "request_timeout",
                )
            chunks.append(chunk)
    except (ReadTimeoutError, TimeoutError) as exc:
        response.close()
        raise LimitExceeded(
            f"the response was not complete within {limits.total_s:g} s (request_timeout): its body stalled after "
            f"{size:,} bytes",
            "request_timeout",
        ) from exc
    except ProtocolError as exc:  # a connection reset, a wrong Content-Length, a broken chunk
        response.close()
        raise BrokenBody(
            f"the response body broke off after {size:,} bytes{_declared(declared)} (complete_body): {_reason(exc)}"
        ) from exc
    except DecodeError as exc:
        response.close()
        raise requests.exceptions.ContentDecodingError(exc) from exc
    except LimitExceeded:
        response.close()
        raise
    response._content = b"".join(chunks)
    response._content_consumed = True


def over_limit(exc: BaseException | None) -> tuple[str, str] | None:
    """(the limit, what happened) if `exc` or what caused it is a response over a limit, a broken body or a redirect
    loop; None otherwise."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, LimitExceeded):
            return exc.limit, str(exc)
        if isinstance(exc, BrokenBody):
            return "complete_body", str(exc)
        if isinstance(exc, requests.exceptions.TooManyRedirects):
            return (
                "max_redirects",
                f"more than {requests.models.DEFAULT_REDIRECT_LIMIT} redirects (max_redirects): {exc}",
            )
        exc = exc.__cause__ or exc.__context__
    return None


def _too_large(size: int, limits: Limits, how: str) -> str:
    return (
        f"the response body is over {limits.max_bytes:,} bytes (max_response_size): "
        f"{'it declares' if how == 'declared' else 'apitest had read'} {size:,}"
    )


def _declared(declared: str) -> str:
    return f" of the {int(declared):,} its Content-Length declares" if declared.isdigit() else ""


def _reason(exc: BaseException) -> str:
    args = [a for a in exc.args if isinstance(a, BaseException)]
    return " ".join(str(args[-1] if args else exc).split()) or type(exc).__name__
