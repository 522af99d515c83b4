"""JSON pointers into an OpenAPI document, as a finding names a place in the spec: `#/paths/~1books/get/...`."""

from __future__ import annotations

from urllib.parse import unquote


def escape(part: str | int) -> str:
    return str(part).replace("~", "~0").replace("/", "~1")


def unescape(part: str) -> str:
    return unquote(part).replace("~1", "/").replace("~0", "~")


def child(pointer: str, *parts: str | int) -> str:
    """`child("/paths", "/books", "get")` -> `/paths/~1books/get`."""
    return pointer + "".join("/" + escape(p) for p in parts)


def spec_location(pointer: str) -> str:
    return "#" + pointer
