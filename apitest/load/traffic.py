"""A traffic mix derived from the spec, for suites without a locustfile: safe reads with valid example parameters.

Only GET operations without a request body are used (load must not create or delete data), each with its path
and required query parameters filled from the spec's examples (parameter `example`/`examples`, then the schema's
`example`/`examples`/`enum`/`default`, then a numeric `minimum`). Left out, each with its reason:

- an operation that documents a 429 response: rate-limited by design, loading it measures the limiter;
- one whose security requirements the suite's credentials do not meet: every request would be a 401;
- one that is slow or unbounded by design: it takes a delay/duration parameter, streams, or only redirects;
- one marked `x-apitest-load: false` in the spec, and one whose parameters have no usable value.

Reads of one resource weigh 3, collections 2, health/metrics endpoints 1; `[load] weights = {"GET /path" = N}`
overrides (0 leaves an operation out).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

from ..spec import HTTP_METHODS, resolve_pointer

_OPERATIONAL = re.compile(r"/(health|healthz|livez|readyz|ready|live|status|ping|metrics|version)/?$", re.IGNORECASE)
# A parameter that asks the server to wait: the operation is slow on purpose (httpbin's /delay/{delay}, /drip).
_SLOW_PARAMETER = re.compile(r"^(delay|duration|sleep|wait|latency|timeout|seconds|secs)(_?(ms|s|seconds))?$", re.I)
_STREAMING_MEDIA = ("text/event-stream", "application/x-ndjson", "application/stream+json")
_NO_VALUE = object()


@dataclass(frozen=True, slots=True)
class Request:
    name: str  # the operation label, e.g. "GET /v1/books/{book_id}": the endpoint's name in stats and SLOs
    path: str  # concrete path with query string, e.g. "/v1/books/1?limit=20"
    weight: int
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Traffic:
    requests: tuple[Request, ...]
    skipped: tuple[tuple[str, str], ...] = ()  # (operation label, why it is not in the mix)


def derive_traffic(
    document: Mapping[str, Any], weights: Mapping[str, int] | None = None, headers: Mapping[str, str] | None = None
) -> Traffic:
    """The mix of safe reads to load; `headers` are the credentials the suite sends (they decide what is allowed)."""
    weights = weights or {}
    sent = {name.lower() for name in (headers or {})}
    requests: list[Request] = []
    skipped: list[tuple[str, str]] = []
    base_path = str(document.get("basePath", "")).rstrip("/") if "swagger" in document else ""
    for path, item in (document.get("paths") or {}).items():
        item = _resolve(document, item)
        if not isinstance(item, dict):
            continue
        for method in HTTP_METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            label = f"{method.upper()} {path}"
            parameters = [
                _resolve(document, p) for p in [*item.get("parameters", []), *operation.get("parameters", [])]
            ]
            reason = _unsuitable(document, method, operation, parameters, sent)
            if reason is None and weights.get(label, 1) == 0:
                reason = "weight 0 in [load] weights"
            if reason is not None:
                skipped.append((label, reason))
                continue
            try:
                concrete, required = _fill(document, path, parameters)
            except _NoExampleError as exc:
                skipped.append((label, f"no example value for parameter {exc}"))
                continue
            weight = weights.get(label, _default_weight(path))
            requests.append(Request(name=label, path=base_path + concrete, weight=weight, headers=required))
    return Traffic(tuple(requests), tuple(skipped))


def _unsuitable(
    document: Mapping[str, Any], method: str, operation: Mapping[str, Any], parameters: list[Any], sent: set[str]
) -> str | None:
    if method != "get":
        return "not a safe read (only GET is loaded)"
    if operation.get("x-apitest-load") is False:
        return "x-apitest-load: false in the spec"
    if operation.get("deprecated"):
        return "deprecated"
    if "requestBody" in operation:
        return "takes a request body"
    responses = {str(code): _resolve(document, r) for code, r in (operation.get("responses") or {}).items()}
    if "429" in responses:
        return "rate-limited by design (documents 429)"
    missing = _missing_credentials(document, operation, sent)
    if missing is not None:
        return f"needs credentials the suite does not send ({missing}); add them to [auth.headers]"
    for param in parameters:
        if isinstance(param, dict) and _SLOW_PARAMETER.match(str(param.get("name", ""))):
            return f"slow by design (takes a {param['name']!r} parameter)"
    if responses and all(code.startswith("3") for code in responses):
        return "answers only with redirects"
    for response in responses.values():
        content = response.get("content") if isinstance(response, dict) else None
        if isinstance(content, dict) and any(media.split(";")[0] in _STREAMING_MEDIA for media in content):
            return "streams its answer"
    return None


def _missing_credentials(document: Mapping[str, Any], operation: Mapping[str, Any], sent: set[str]) -> str | None:
    """What the operation's security asks that the suite's headers do not carry, or None when one alternative is met.

    Only headers count: an apiKey in the query or a cookie is not sent by the derived traffic.
    """
    requirements = operation.get("security", document.get("security"))
    if not isinstance(requirements, list) or not requirements:
        return None
    schemes = (document.get("components") or {}).get("securitySchemes") or document.get("securityDefinitions") or {}
    wanted: list[str] = []
    for alternative in requirements:
        if not isinstance(alternative, dict) or not alternative:
            return None  # `{}`: anonymous access is allowed
        unmet = [name for name in alternative if not _met(_resolve(document, schemes.get(name)), sent)]
        if not unmet:
            return None
        wanted.append(" and ".join(unmet))
    return " or ".join(wanted)


def _met(scheme: Any, sent: set[str]) -> bool:
    if not isinstance(scheme, dict):
        return False
    kind = str(scheme.get("type", ""))
    if kind == "apiKey":
        return scheme.get("in") == "header" and str(scheme.get("name", "")).lower() in sent
    if kind in ("http", "basic", "oauth2", "openIdConnect"):
        return "authorization" in sent
    return False


def _default_weight(path: str) -> int:
    if _OPERATIONAL.search(path):
        return 1
    return 3 if "{" in path else 2


class _NoExampleError(Exception):
    pass


def _fill(document: Mapping[str, Any], path: str, parameters: list[Any]) -> tuple[str, dict[str, str]]:
    """The path with its parameters filled, plus the required query string and headers."""
    merged: dict[tuple[str, str], dict[str, Any]] = {}
    for param in parameters:
        if isinstance(param, dict) and "name" in param and "in" in param:
            merged[(str(param["in"]), str(param["name"]))] = param  # operation-level parameters override path-level
    query: list[tuple[str, str]] = []
    headers: dict[str, str] = {}
    for (where, name), param in merged.items():
        required = bool(param.get("required")) or where == "path"
        if not required or where == "cookie":
            continue
        value = example_value(document, param)
        if value is _NO_VALUE:
            raise _NoExampleError(f"{name!r} ({where})")
        text = _text(value)
        if where == "path":
            path = path.replace("{" + name + "}", quote(text, safe=""))
        elif where == "query":
            query.append((name, text))
        elif where == "header":
            headers[name] = text
    return (path + ("?" + urlencode(query) if query else "")), headers


def example_value(document: Mapping[str, Any], param: Mapping[str, Any]) -> Any:
    """A valid value for a parameter from what the spec documents, or `_NO_VALUE`."""
    for key in ("example", "x-example"):
        if key in param:
            return param[key]
    examples = param.get("examples")
    if isinstance(examples, dict):
        for example in examples.values():
            example = _resolve(document, example)
            if isinstance(example, dict) and "value" in example:
                return example["value"]
    schema = _resolve(document, param.get("schema", param))  # Swagger 2.0 keeps the schema on the parameter
    return _schema_value(document, schema, depth=0)


def _schema_value(document: Mapping[str, Any], schema: Any, depth: int) -> Any:
    if not isinstance(schema, dict) or depth > 5:
        return _NO_VALUE
    if "example" in schema:
        return schema["example"]
    if isinstance(schema.get("examples"), list) and schema["examples"]:
        return schema["examples"][0]
    if "const" in schema:
        return schema["const"]
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    for combinator in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(combinator) or []:
            sub = _resolve(document, sub)
            if isinstance(sub, dict) and sub.get("type") == "null":
                continue
            value = _schema_value(document, sub, depth + 1)
            if value is not _NO_VALUE:
                return value
    kind = schema.get("type")
    if kind in ("integer", "number"):
        minimum = schema.get("minimum")
        if isinstance(minimum, int | float):
            return minimum + 1 if schema.get("exclusiveMinimum") is True else minimum
        if isinstance(schema.get("exclusiveMinimum"), int | float):
            return schema["exclusiveMinimum"] + 1
        return 1
    if kind == "boolean":
        return True
    return _NO_VALUE


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(_text(v) for v in value)
    return str(value)


def _resolve(document: Mapping[str, Any], node: Any) -> Any:
    for _ in range(10):
        if isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#"):
            try:
                node = resolve_pointer(document, node["$ref"])
            except (KeyError, IndexError, ValueError):
                return None
        else:
            break
    return node


def render_locustfile(
    traffic: Traffic,
    headers: Mapping[str, str],
    think_time: tuple[float, float],
    title: str,
    *,
    headers_env: str | None = None,
) -> str:
    """A self-contained locustfile (it imports only locust) that sends `traffic` with FastHttpUser.

    With `headers_env`, the suite's `headers` (its credentials) are not written into the file: the Locust processes
    read them from that environment variable, so no file on disk ever holds them (a run killed with -9 leaves the
    file behind). Remote workers get the file from the master but not its environment: they need them written in.
    """
    embedded = {} if headers_env else dict(headers)
    rows = [(r.name, r.path, r.weight, {**embedded, **r.headers}) for r in traffic.requests]
    lines = [
        f"# Traffic derived by apitest from {title!r}: safe reads with example parameters, weighted. Generated.",
        "",
        *(["import json", "import os", ""] if headers_env else []),
        "from locust import FastHttpUser, between",
        "",
        f"REQUESTS = {rows!r}",
        *([f"SUITE_HEADERS = json.loads(os.environ.get({headers_env!r}) or '{{}}')"] if headers_env else []),
        "",
        "",
        "def _request(name, path, headers):",
        *(["    headers = {**SUITE_HEADERS, **headers}", ""] if headers_env else []),
        "    def request(user):",
        "        user.client.get(path, name=name, headers=headers)",
        "",
        "    request.__name__ = name",
        "    return request",
        "",
        "",
        "class ApiTraffic(FastHttpUser):",
        f"    wait_time = between({think_time[0]!r}, {think_time[1]!r})",
        "    tasks = {_request(name, path, headers): weight for name, path, weight, headers in REQUESTS}",
        "",
    ]
    return "\n".join(lines)
