"""What the OpenAPI document says beyond FastAPI's defaults: problem+json errors, response headers, links."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from . import requestid
from .models import Problem
from .problems import MEDIA_TYPE

Responses = dict[int | str, dict[str, Any]]

PROBLEM_REF = "#/components/schemas/Problem"


def _header(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "required": True, "schema": schema}


ETAG = _header("Version of the representation, for If-None-Match.", {"type": "string", "pattern": '^(W/)?"[^"]*"$'})
LOCATION = _header("URL of the created resource.", {"type": "string", "format": "uri-reference"})
TAGGED: dict[str, Any] = {"headers": {"ETag": ETAG}}
RATE_LIMITED: dict[str, Any] = {
    "headers": {
        "X-RateLimit-Limit": {
            "description": "Requests allowed per window.",
            "schema": {"type": "integer", "minimum": 1},
        },
        "X-RateLimit-Remaining": {
            "description": "Requests left in this window.",
            "schema": {"type": "integer", "minimum": 0},
        },
    }
}
NOT_MODIFIED: dict[str, Any] = {"description": "Not Modified: the client's ETag is current.", **TAGGED}
REQUEST_ID = _header(
    "The request's X-Request-ID when it is a token of up to 128 of [A-Za-z0-9._-], else a generated one.",
    {"type": "string", "pattern": requestid.PATTERN},
)

_ERRORS: dict[int, tuple[str, dict[str, Any]]] = {
    400: ("The body is not well-formed JSON.", {}),
    401: (
        "X-API-Key is missing or invalid.",
        {"WWW-Authenticate": _header("The scheme to authenticate with.", {"type": "string"})},
    ),
    403: ("The book belongs to another user, or to the read-only catalogue.", {}),
    404: ("No such resource for this user.", {}),
    409: ("The user already owns 10,000 of these (configurable); delete some first.", {}),
    412: ("The book changed since the ETag sent in If-Match; read it again.", {}),
    422: ("The request does not match the documented parameters or body.", {}),
    429: (
        "Too many requests for this API key.",
        {"Retry-After": _header("Seconds to wait before retrying.", {"type": "integer", "minimum": 1})},
    ),
}


def errors(*statuses: int) -> Responses:
    """Problem responses for these statuses, for a route's `responses=`."""
    responses: Responses = {}
    for status in statuses:
        description, headers = _ERRORS[status]
        response: dict[str, Any] = {
            "description": description,
            "content": {MEDIA_TYPE: {"schema": {"$ref": PROBLEM_REF}}},
        }
        if headers:
            response["headers"] = headers
        responses[status] = response
    return responses


def link(operation_id: str, parameter: str, value: str = "$response.body#/id") -> dict[str, Any]:
    """An OpenAPI link passing `value` (the response body's `id`) as `parameter`: stateful fuzzing follows them."""
    return {"operationId": operation_id, "parameters": {parameter: value}}


def install(app: FastAPI) -> None:
    """Serve the generated document with the Problem schema and X-Request-ID declared on every response."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description, routes=app.routes)
            document["components"]["schemas"]["Problem"] = Problem.model_json_schema()
            for path in document["paths"].values():
                for operation in path.values():
                    for response in operation["responses"].values():
                        response.setdefault("headers", {})[requestid.HEADER] = REQUEST_ID
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to extend the document
