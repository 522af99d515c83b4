"""Notes whose IDs only the API knows (UUIDs it mints): a GET finds a note only with an ID from a POST's answer.

It also remembers which operations were called (GET /_calls, left out of its spec), so a test can tell which
operations a run reached, and the correlation ids each request carried (GET /_ids).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from pydantic import BaseModel, Field


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=40)


class Note(NoteIn):
    id: uuid.UUID


def create_app() -> FastAPI:
    app = FastAPI(title="notes", version="1.0")
    notes: dict[uuid.UUID, Note] = {}
    calls: set[str] = set()
    ids: list[tuple[str | None, str | None]] = []  # (traceparent, X-Request-ID) of every request

    @app.middleware("http")
    async def remember(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        if not request.url.path.startswith("/_"):
            ids.append((request.headers.get("traceparent"), request.headers.get("x-request-id")))
        response = await call_next(request)
        route = request.scope.get("route")
        # a method the path does not allow (405) did not reach the operation
        if route is not None and request.method in route.methods and route.path != "/_calls":
            calls.add(f"{request.method} {route.path}")
        return response

    @app.post("/notes", status_code=201, responses={400: {"description": "the body is not JSON"}})
    def create(body: NoteIn, response: Response) -> Note:
        note = Note(id=uuid.uuid4(), text=body.text)
        notes[note.id] = note
        response.headers["Location"] = f"/notes/{note.id}"
        return note

    @app.get("/notes/{note_id}", responses={404: {"description": "no such note"}})
    def read(note_id: uuid.UUID) -> Note:
        if note_id not in notes:
            raise HTTPException(404)
        return notes[note_id]

    @app.get("/_ids", include_in_schema=False)
    def correlation_ids() -> list[tuple[str | None, str | None]]:
        return ids

    @app.get("/_calls", include_in_schema=False)
    def called() -> Any:
        return sorted(calls)

    return app


app = create_app()
