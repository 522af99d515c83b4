"""A plain ASGI API (no framework: it starts in a blink) that writes one line per request it receives.

Each request appends `USER-AGENT METHOD PATH` to the file named by the `APITEST_TEST_HITS` variable (inherited from
the apitest run that serves it), so a test can tell when fuzzing or load is under way, and who sent what.
`GET /slow` takes 0.2 s, to keep an engine run busy; `GET /openapi.json` is the spec.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

ITEM = {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}, "required": ["id"]}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "counted", "version": "1"},
    "paths": {
        "/items": {
            "get": {
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "array", "items": ITEM}}},
                    }
                }
            },
            "post": {
                "requestBody": {"content": {"application/json": {"schema": ITEM}}},
                "responses": {"201": {"description": "made", "content": {"application/json": {"schema": ITEM}}}},
            },
        },
        "/items/{id}": {
            "get": {
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                "responses": {
                    "200": {"description": "ok", "content": {"application/json": {"schema": ITEM}}},
                    "404": {"description": "none"},
                },
            }
        },
        "/slow": {
            "get": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": ITEM}}}}}
        },
    },
}


def _note(scope: dict[str, Any]) -> None:
    path = os.environ.get("APITEST_TEST_HITS")
    if not path:
        return
    agent = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"user-agent"), "-")
    with open(path, "a", encoding="utf-8") as out:
        out.write(f"{agent.split('/')[0].replace(' ', '_')} {scope['method']} {scope['path']}\n")


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    _note(scope)
    method, path = scope["method"], scope["path"]
    status, body = 404, b""
    if path == "/openapi.json":
        status, body = 200, json.dumps(SPEC).encode()
    elif path == "/" or path == "/items" and method == "GET":
        status, body = 200, b"[]"
    elif path == "/items" and method == "POST":
        status, body = 201, b'{"id": 1}'
    elif path == "/slow":
        await asyncio.sleep(0.2)
        status, body = 200, b'{"id": 1}'
    elif path.startswith("/items/"):
        status, body = (200, b'{"id": 1}') if path == "/items/1" else (404, b"")
    await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})
