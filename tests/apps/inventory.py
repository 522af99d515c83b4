"""A tiny inventory API for our tests: `app` is correct, `buggy` has one planted 500 and one schema drift."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Path, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException

PROBLEM = {"application/problem+json": {"schema": {"type": "object"}}}


class Item(BaseModel):
    id: int
    name: str = Field(min_length=1, max_length=20)
    qty: int = Field(ge=0, le=1000)


def create_app(*, buggy: bool = False) -> FastAPI:
    app = FastAPI(title="inventory", version="1.0")
    items = {1: Item(id=1, name="bolt", qty=10)}

    def problem(status: int, headers: dict[str, str] | None = None) -> JSONResponse:
        body = {"type": "about:blank", "title": "error", "status": status}
        return JSONResponse(body, status_code=status, media_type="application/problem+json", headers=headers)

    @app.exception_handler(HTTPException)
    async def http_error(request: Any, exc: HTTPException) -> JSONResponse:
        return problem(exc.status_code, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Any, exc: RequestValidationError) -> JSONResponse:
        return problem(422)

    @app.get("/items/{item_id}", responses={404: {"content": PROBLEM}, 422: {"content": PROBLEM}})
    def get_item(item_id: int = Path(ge=1, le=1_000_000)) -> Item:
        if buggy and item_id > 500:
            raise RuntimeError("planted: unhandled large id")
        if item_id not in items:
            raise HTTPException(404)
        return items[item_id]

    @app.get("/items")
    def list_items() -> list[Item]:
        if buggy:
            return JSONResponse([{"id": "one", "name": "bolt", "qty": 10}])  # type: ignore[return-value]
        return list(items.values())

    @app.get("/health", response_class=Response, responses={200: {"content": {"text/plain": {}}}})
    def health() -> Response:
        return Response("ok", media_type="text/plain")

    return app


app = create_app()
buggy = create_app(buggy=True)
