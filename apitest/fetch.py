"""A plain HTTP GET for start-up work (reading a spec, checking that a target answers), on the standard library.

Collection must stay light: httpx pulls in rich, click and pygments (~45 ms a run), and nothing here needs more
than one GET. Redirects are followed and proxy settings from the environment honoured, as httpx does.
"""

from __future__ import annotations

import base64
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import correlation


class FetchError(Exception):
    """No HTTP answer at all: refused, timed out, unresolvable, or not HTTP."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    text: str
    content_type: str = ""  # the media type, lower case, without parameters


MAX_BYTES = 50 * 1024 * 1024  # a spec larger than this is refused when parsed too (spec.py)


def get(url: str, timeout: float, headers: Mapping[str, str] | None = None, max_bytes: int = MAX_BYTES) -> Answer:
    """GET `url`; any HTTP status is an answer, only a failure to get one raises FetchError.

    `timeout` bounds the whole exchange, body included (a body trickled a byte at a time would hold a plain read
    forever), and the body is read up to `max_bytes`. A `user:password@` in the URL is sent as basic auth
    (urllib would take it for part of the host name).
    """
    deadline = time.monotonic() + timeout
    sent = dict(headers or {})
    parts = urllib.parse.urlsplit(url)
    if parts.username is not None or parts.password is not None:
        if not any(k.lower() == "authorization" for k in sent):
            sent["Authorization"] = basic_auth(
                urllib.parse.unquote(parts.username or ""), urllib.parse.unquote(parts.password or "")
            )
        url = urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    correlation.stamp(sent)  # every request apitest sends can be found in the server's logs
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=sent), timeout=timeout) as response:
            body = _read(response, deadline, timeout, max_bytes)
            return Answer(response.status, _text(body, response.headers.get_content_charset()), _media(response))
    except urllib.error.HTTPError as exc:
        with exc:
            charset = exc.headers.get_content_charset() if exc.headers else None
            media = exc.headers.get_content_type() if exc.headers else ""
            try:
                body = _read(exc, deadline, timeout, max_bytes)
            except (OSError, ValueError):
                body = b""
            return Answer(exc.code, _text(body, charset), media)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"{type(reason).__name__}: {reason}") from exc


def _media(response: Any) -> str:
    return str(response.headers.get_content_type())


def _read(response: Any, deadline: float, timeout: float, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    read = getattr(response, "read1", None) or response.read
    while chunk := read(65536):
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"the answer is over {max_bytes:,} bytes")
        if time.monotonic() > deadline:
            raise FetchError(f"no complete answer within {timeout:g} s")
        chunks.append(chunk)
    return b"".join(chunks)


def basic_auth(username: str, password: str) -> str:
    """The value of an `Authorization` header for HTTP basic authentication."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def _text(body: bytes, charset: str | None) -> str:
    return body.decode(charset or "utf-8", "replace")
