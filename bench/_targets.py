"""Targets the benches serve (uvicorn in a child process on 127.0.0.1, a fresh one for every run), counting the
requests they answer, so both tools' work is counted at the server, the same way.

    ServedApp("bench._targets:demo", ROOT, ...)         # the embedded demo API
    ServedApp("bench._targets:generated", ROOT, ...)    # GENERATED_RESOURCES x 4 operations (200 by default)

`GET /__bench__/requests` answers how many requests the app has answered (that one not counted); no spec names it.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COUNT_PATH = "/__bench__/requests"
GENERATED_RESOURCES = int(os.environ.get("APITEST_BENCH_RESOURCES", "50"))


def counted(app: ASGIApp) -> ASGIApp:
    answered = 0

    async def wrapper(scope: Scope, receive: Receive, send: Send) -> None:
        nonlocal answered
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        if scope["path"] == COUNT_PATH:
            await _json(send, 200, {"requests": answered})
            return
        answered += 1
        await app(scope, receive, send)

    return wrapper


async def _json(send: Send, status: int, body: Any, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    data = b"" if body is None else json.dumps(body).encode()
    head = [(b"content-length", str(len(data)).encode())] + (headers or [])
    if body is not None:
        head.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": data})


def _demo() -> ASGIApp:
    from apitest.demo.app import app

    return counted(app)


# --- a generated API: resources r0..rN, each with create, read, replace and delete --------------------------------

_ITEM = {
    "type": "object",
    "required": ["name", "size"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 40},
        "size": {"type": "integer", "minimum": 0, "maximum": 1000},
    },
    "additionalProperties": False,
}
_STORED = {
    "type": "object",
    "required": ["id", "name", "size"],
    "properties": {"id": {"type": "integer"}, **_ITEM["properties"]},  # type: ignore[dict-item]
}
_ERROR = {"type": "object", "required": ["detail"], "properties": {"detail": {"type": "string"}}}


def _json_content(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def generated_spec(resources: int = GENERATED_RESOURCES) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for k in range(resources):
        item_id = {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}
        missing = {"description": "no such item", **_json_content(_ERROR)}
        invalid = {"description": "invalid body", **_json_content(_ERROR)}
        paths[f"/r{k}"] = {
            "post": {
                "operationId": f"create_r{k}",
                "requestBody": {"required": True, **_json_content(_ITEM)},
                "responses": {
                    "201": {
                        "description": "created",
                        "headers": {"Location": {"schema": {"type": "string"}}},
                        **_json_content(_STORED),
                    },
                    "422": invalid,
                },
            }
        }
        paths[f"/r{k}/{{item_id}}"] = {
            "get": {
                "operationId": f"read_r{k}",
                "parameters": [item_id],
                "responses": {"200": {"description": "the item", **_json_content(_STORED)}, "404": missing},
            },
            "put": {
                "operationId": f"replace_r{k}",
                "parameters": [item_id],
                "requestBody": {"required": True, **_json_content(_ITEM)},
                "responses": {
                    "200": {"description": "replaced", **_json_content(_STORED)},
                    "404": missing,
                    "422": invalid,
                },
            },
            "delete": {
                "operationId": f"delete_r{k}",
                "parameters": [item_id],
                "responses": {"204": {"description": "deleted"}, "404": missing},
            },
        }
    return {"openapi": "3.0.3", "info": {"title": "generated", "version": "1"}, "paths": paths}


_PATH = re.compile(r"^/r(\d+)(?:/([^/]+))?$")


def _valid(body: Any) -> bool:
    return (
        isinstance(body, dict)
        and set(body) == {"name", "size"}
        and isinstance(body["name"], str)
        and 1 <= len(body["name"]) <= 40
        and type(body["size"]) is int
        and 0 <= body["size"] <= 1000
    )


def _generated(resources: int = GENERATED_RESOURCES) -> ASGIApp:
    spec = generated_spec(resources)
    store: dict[int, dict[int, dict[str, Any]]] = {k: {} for k in range(resources)}
    next_id = [0]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        raw = b"".join(chunks)
        if path == "/openapi.json":
            await _json(send, 200, spec)
            return
        if path == "/":
            await _json(send, 200, {"status": "ok"})
            return
        match = _PATH.match(path)
        if match is None or int(match.group(1)) >= resources:
            await _json(send, 404, {"detail": "not found"})
            return
        items = store[int(match.group(1))]
        if match.group(2) is None:
            if method != "POST":
                await _json(send, 405, {"detail": "method not allowed"}, [(b"allow", b"POST")])
                return
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if not _valid(body):
                await _json(send, 422, {"detail": "invalid body"})
                return
            next_id[0] += 1
            items[next_id[0]] = {"id": next_id[0], **body}
            location = f"/r{match.group(1)}/{next_id[0]}".encode()
            await _json(send, 201, items[next_id[0]], [(b"location", location)])
            return
        try:
            item_id = int(match.group(2))
        except ValueError:
            await _json(send, 404, {"detail": "not found"})
            return
        if method not in ("GET", "PUT", "DELETE"):
            await _json(send, 405, {"detail": "method not allowed"}, [(b"allow", b"GET, PUT, DELETE")])
            return
        if item_id not in items:
            await _json(send, 404, {"detail": "no such item"})
            return
        if method == "GET":
            await _json(send, 200, items[item_id])
        elif method == "DELETE":
            del items[item_id]
            await _json(send, 204, None)
        else:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            if not _valid(body):
                await _json(send, 422, {"detail": "invalid body"})
                return
            items[item_id] = {"id": item_id, **body}
            await _json(send, 200, items[item_id])

    return counted(app)


def __getattr__(name: str) -> ASGIApp:
    # built on first use, in the served child only
    if name == "demo":
        return _demo()
    if name == "generated":
        return _generated()
    raise AttributeError(name)


def requests_answered(base_url: str) -> int:
    from urllib.request import urlopen

    with urlopen(base_url + COUNT_PATH, timeout=10) as response:
        return int(json.loads(response.read())["requests"])
