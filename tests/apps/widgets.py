"""An API where a practice lapse sits in front of a real bug: every 201 lacks the Location header its spec declares,
and some widget sizes (size % 7 == 3, never a boundary value) make the server fail (500). A check that failed inside the engine at the first
201 would end the exploration before the 500 is found; apitest must report both."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

app = FastAPI(title="widgets", version="1.0")
widgets: dict[int, dict[str, object]] = {}


class WidgetIn(BaseModel):
    name: str = Field(min_length=1, max_length=30)
    size: int = Field(ge=1, le=100)


@app.post(
    "/widgets",
    status_code=201,
    responses={201: {"description": "created", "headers": {"Location": {"schema": {"type": "string"}}}}},
)
def create(body: WidgetIn) -> JSONResponse:
    if body.size % 7 == 3:
        raise RuntimeError("planted: some sizes overflow the catalogue")
    widget_id = len(widgets) + 1
    widgets[widget_id] = {"id": widget_id, **body.model_dump()}
    return JSONResponse(widgets[widget_id], status_code=201)  # no Location: the lapse in front of the bug
