"""Entity tags and conditional GET (RFC 9110 §8.8.3, §13.1.2)."""

from __future__ import annotations

import hashlib

from fastapi.responses import JSONResponse, Response


def etag_of(content: bytes) -> str:
    return '"' + hashlib.sha256(content).hexdigest()[:32] + '"'


def none_match(if_none_match: str | None, etag: str) -> bool:
    """Whether `If-None-Match` lets the request proceed; it compares weakly, so `W/"x"` matches `"x"`."""
    if if_none_match is None:
        return True
    tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
    return "*" not in tags and etag not in tags


def if_match(if_match: str | None, content: object) -> bool:
    """Whether `If-Match` lets a write proceed (RFC 9110 §13.1.1): absent, `*`, or the current strong ETag."""
    if if_match is None:
        return True
    current = etag_of(bytes(JSONResponse(content).body))
    tags = {tag.strip() for tag in if_match.split(",")}
    return "*" in tags or current in tags


def tagged_json(content: object, *, if_none_match: str | None = None, etag: bool = True) -> Response:
    """A 200 JSON response carrying its ETag, or a bodiless 304 when the client already holds that version."""
    response = JSONResponse(content)
    tag = etag_of(bytes(response.body))
    if not none_match(if_none_match, tag):
        return Response(status_code=304, headers={"ETag": tag})
    if etag:
        response.headers["ETag"] = tag
    return response
