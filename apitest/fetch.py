"""A plain HTTP GET for start-up work (reading a spec, checking that a target answers), on the standard library.

Collection must stay light: httpx pulls in rich, click and pygments (~45 ms a run), and nothing here needs more
than one GET. Redirects are followed and proxy settings from the environment honoured, as httpx does.
"""

from __future__ import annotations

import base64
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass

from . import correlation


class FetchError(Exception):
    """No HTTP answer at all: refused, timed out, unresolvable, or not HTTP."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    text: str
    content_type: str = ""  # the media type, lower case, without parameters


def get(url: str, timeout: float, headers: Mapping[str, str] | None = None) -> Answer:
    """GET `url`; any HTTP status is an answer, only a failure to get one raises FetchError."""
    try:
        sent = dict(headers or {})
        correlation.stamp(sent)  # every request apitest sends can be found in the server's logs
        with urllib.request.urlopen(urllib.request.Request(url, headers=sent), timeout=timeout) as response:
            body = _text(response.read(), response.headers.get_content_charset())
            return Answer(response.status, body, response.headers.get_content_type())
    except urllib.error.HTTPError as exc:
        with exc:
            charset = exc.headers.get_content_charset() if exc.headers else None
            media = exc.headers.get_content_type() if exc.headers else ""
            return Answer(exc.code, _text(exc.read(), charset), media)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise FetchError(f"{type(reason).__name__}: {reason}") from exc


def basic_auth(username: str, password: str) -> str:
    """The value of an `Authorization` header for HTTP basic authentication."""
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def _text(body: bytes, charset: str | None) -> str:
    return body.decode(charset or "utf-8", "replace")
