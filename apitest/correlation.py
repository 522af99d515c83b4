"""Every request apitest sends carries a W3C `traceparent` and an `X-Request-ID`, so that the server's logs and
traces show the very request behind a finding; the finding names both."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, MutableMapping

TRACEPARENT = "traceparent"
REQUEST_ID = "X-Request-ID"


def new_ids() -> dict[str, str]:
    """A fresh trace (W3C Trace Context: version 00, sampled) and request id for one request."""
    trace, span = secrets.token_hex(16), secrets.token_hex(8)
    return {TRACEPARENT: f"00-{trace}-{span}-01", REQUEST_ID: secrets.token_hex(12)}


def stamp(headers: MutableMapping[str, str]) -> None:
    """Add the ids to a request's headers, keeping any the user's configuration already sets."""
    present = {name.lower() for name in headers}
    for name, value in new_ids().items():
        if name.lower() not in present:
            headers[name] = value


def ids_of(headers: Mapping[str, str]) -> dict[str, str]:
    """The correlation ids a recorded request carried, for the finding's details."""
    found = {}
    for name, value in headers.items():
        if name.lower() == TRACEPARENT:
            found["traceparent"] = value
        elif name.lower() == REQUEST_ID.lower():
            found["request_id"] = value
    return found
