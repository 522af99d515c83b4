"""`X-Request-ID` on every response: the client's own id when it is a sane token, a fresh one otherwise."""

from __future__ import annotations

import re
import uuid

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Request-ID"
_TOKEN = r"[A-Za-z0-9._-]{1,128}"
PATTERN = f"^{_TOKEN}$"  # as documented in the OpenAPI document
_VALID = re.compile(_TOKEN)


class RequestIdMiddleware:
    """Pure ASGI rather than BaseHTTPMiddleware, which would copy every body through a task group."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(HEADER)
        request_id = incoming if incoming is not None and _VALID.fullmatch(incoming) else uuid.uuid4().hex
        # Exception handlers outside this middleware (the one for 500) read it from request.state.
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)
