"""The API our load tests aim at: fast, slow (a fixed 200 ms) and failing endpoints, in a FastAPI app with a spec.

GET /seen answers how many requests came with each `X-Load-Pid` header (DELETE /seen resets the counts), so a
test can tell which Locust processes sent the load.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Annotated

from fastapi import FastAPI, Header, Path, Response

SLOW_S = 0.2
SEEN: Counter[str] = Counter()

app = FastAPI(title="load target", version="1.0")


@app.get("/fast")
async def fast(x_load_pid: Annotated[str | None, Header()] = None) -> dict[str, bool]:
    SEEN[x_load_pid or "-"] += 1
    return {"ok": True}


@app.get("/seen", include_in_schema=False)
async def seen() -> dict[str, int]:
    return dict(SEEN)


@app.delete("/seen", include_in_schema=False)
async def reset_seen() -> None:
    SEEN.clear()


@app.get("/slow")
async def slow() -> dict[str, bool]:
    await asyncio.sleep(SLOW_S)
    return {"ok": True}


@app.get("/items/{item_id}")
async def item(item_id: Annotated[int, Path(ge=1, examples=[7])]) -> dict[str, int]:
    return {"id": item_id}


@app.get("/fail")
async def fail() -> Response:
    return Response(status_code=503)


@app.get("/limited", responses={429: {"description": "Too many requests"}})
async def limited() -> dict[str, bool]:
    return {"ok": True}


@app.post("/items")
async def create() -> dict[str, int]:
    return {"id": 2}
