"""RFC 9457 problem details for every error, FastAPI's own 404/405/422 and unhandled exceptions included."""

from __future__ import annotations

import functools
import http
import re
from collections.abc import Mapping

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from .models import Problem
from .requestid import HEADER as REQUEST_ID

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://apitest.dev/problems/"
MAX_DETAIL = 1000


class ProblemError(Exception):
    """An error the API answers with a problem document, e.g. `raise ProblemError(404, "No book with id 7.")`.

    `kind` names a problem type under TYPE_BASE; without one the type is `about:blank`, the status says it all.
    """

    def __init__(self, status: int, detail: str, *, kind: str = "", headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.type = TYPE_BASE + kind if kind else "about:blank"
        self.headers = dict(headers or {})


class ProblemResponse(JSONResponse):
    media_type = MEDIA_TYPE


def problem_response(request: Request, error: ProblemError) -> Response:
    problem = Problem(
        type=error.type,
        title=http.HTTPStatus(error.status).phrase,
        status=error.status,
        detail=error.detail,
        instance=request.url.path,
    )
    return ProblemResponse(problem.model_dump(), status_code=error.status, headers=error.headers)


def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(request, exc)


def _on_http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        allow = ", ".join(sorted(_allowed_methods(request)))
        if request.method == "OPTIONS":
            return Response(status_code=204, headers={"Allow": allow})
        error = ProblemError(405, f"{request.method} is not supported here; use {allow}.", headers={"Allow": allow})
        return problem_response(request, error)
    detail = "No such resource." if exc.status_code == 404 else str(exc.detail)
    return problem_response(request, ProblemError(exc.status_code, detail, headers=exc.headers))


def _allowed_methods(request: Request) -> set[str]:
    # Starlette's own Allow header names only the first route matching the path, and a path has one route per
    # method; the OpenAPI document knows them all.
    paths: dict[str, dict[str, object]] = request.app.openapi()["paths"]
    return {
        method.upper()
        for template, operations in paths.items()
        if _template_pattern(template).fullmatch(request.url.path)
        for method in operations
    }


@functools.cache
def _template_pattern(template: str) -> re.Pattern[str]:
    return re.compile("[^/]+".join(re.escape(part) for part in re.split(r"\{[^}]*\}", template)))


def _on_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    if any(error["type"] == "json_invalid" for error in exc.errors()):
        # Not JSON at all is a malformed request (400), as FastAPI already answers for a body it cannot decode.
        return problem_response(request, ProblemError(400, "The body is not well-formed JSON."))
    reasons = [".".join(str(part) for part in error["loc"]) + ": " + error["msg"] for error in exc.errors()]
    # Field names come from the client (unknown fields are errors too), so the detail is capped.
    detail = "; ".join(reasons)[:MAX_DETAIL]
    return problem_response(request, ProblemError(422, detail, kind="validation-error"))


def _on_unexpected(request: Request, exc: Exception) -> Response:
    # Runs outside the middleware stack, so the request id has to be added here.
    response = problem_response(request, ProblemError(500, "The server failed to handle the request."))
    request_id = getattr(request.state, "request_id", None)
    if request_id is not None:
        response.headers[REQUEST_ID] = request_id
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(HTTPException, _on_http_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(Exception, _on_unexpected)
