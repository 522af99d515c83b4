"""Which documented path template a pact's request path falls under, most specific first.

A path may carry the spec's base path (Swagger 2 `basePath`, the path of an OpenAPI 3 server URL) or not: the
verifier's base URL can hold it either way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True, slots=True)
class Route:
    template: str
    regex: re.Pattern[str]
    names: tuple[str, ...]  # the template's parameter names, in the order of the regex's groups
    params: int
    literal: int


@dataclass(frozen=True, slots=True)
class RouteMatch:
    template: str
    values: dict[str, str] = field(default_factory=dict)  # path parameter -> its raw (still encoded) text


class Routes:
    def __init__(self, document: Mapping[str, Any]) -> None:
        self.prefixes = _base_paths(document)
        routes = [_route(t) for t, item in (document.get("paths") or {}).items() if isinstance(item, Mapping)]
        self.routes = sorted(routes, key=lambda r: (r.params, -r.literal))  # `/books/latest` before `/books/{id}`

    @property
    def templates(self) -> list[str]:
        return sorted(r.template for r in self.routes)

    def match(self, path: str) -> RouteMatch | None:
        path = urlsplit(path).path or "/"
        for candidate in self._candidates(path):
            for route in self.routes:
                found = route.regex.fullmatch(candidate)
                if found is not None:
                    return RouteMatch(route.template, dict(zip(route.names, found.groups(), strict=True)))
        return None

    def _candidates(self, path: str) -> Iterator[str]:
        yield path
        decoded = unquote(path)
        for prefix in self.prefixes:
            if decoded.startswith(prefix + "/") or decoded == prefix:
                yield path[len(prefix) :] or "/" if path.startswith(prefix) else decoded[len(prefix) :] or "/"


def _route(template: str) -> Route:
    parts = re.split(r"(\{[^{}/]+\})", template)
    regex, names, literal = "", [], 0
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            regex += "([^/]+)"
            names.append(part[1:-1])
        else:
            regex += re.escape(part)
            literal += len(part)
    return Route(template, re.compile(regex), tuple(names), len(names), literal)


def _base_paths(document: Mapping[str, Any]) -> list[str]:
    paths = []
    base = document.get("basePath")
    if isinstance(base, str):
        paths.append(base)
    for server in document.get("servers") or []:
        if isinstance(server, Mapping) and isinstance(server.get("url"), str):
            paths.append(urlsplit(server["url"]).path)
    return sorted({p.rstrip("/") for p in paths if p.strip("/")}, key=len, reverse=True)
