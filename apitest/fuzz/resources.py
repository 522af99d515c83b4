"""The resources a spec describes, found from the spec alone: what creates, reads, writes and deletes each one.

An item resource is a path template ending in a parameter (`/v1/books/{book_id}`). Its collection is the path
without that segment (`/v1/books`), its creator a `POST` to the collection, its readers the `GET`s of the template
and of the templates below it that need no other parameter, its writers the `PUT`, `PATCH` and `DELETE` of the
template. A created resource's id comes from the `Location` header the creator answers with, else from its body.
Comparing representations leaves out fields that change by themselves (timestamps, versions, ETags).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from ..spec import HTTP_METHODS

_LAST_PARAMETER = re.compile(r"^(?P<collection>.*)/\{(?P<param>[^/{}]+)\}$")
# Fields whose values a server changes on its own at every write: not part of the state a client set.
VOLATILE = re.compile(
    r"(^|[_-])(updated|modified|last[_-]?modified|timestamp|etag|e[_-]?tag|version|revision|generation|seq)"
    r"([_-]?(at|on|time|date))?$|updatedat$|modifiedat$",
    re.IGNORECASE,
)


NESTED_IDS = frozenset({"id", "ID", "uuid"})


@dataclass(frozen=True, slots=True)
class ItemResource:
    template: str
    param: str
    collection: str
    creator: str | None = None  # "POST /v1/books"
    readers: tuple[str, ...] = ()  # "GET /v1/books/{book_id}", "GET /v1/books/{book_id}/reviews"
    writers: dict[str, str] = field(default_factory=dict)  # method -> label, for PUT, PATCH, DELETE

    @property
    def reader(self) -> str | None:
        """The GET of the item itself."""
        label = f"GET {self.template}"
        return label if label in self.readers else None


def item_resources(document: Mapping[str, Any]) -> list[ItemResource]:
    paths = {path: item for path, item in (document.get("paths") or {}).items() if isinstance(item, dict)}
    methods = {path: {m.upper() for m in HTTP_METHODS if isinstance(item.get(m), dict)} for path, item in paths.items()}
    found = []
    for template, allowed in methods.items():
        match = _LAST_PARAMETER.match(template)
        if match is None:
            continue
        collection, param = match["collection"], match["param"]
        readers = [f"GET {template}"] if "GET" in allowed else []
        for other, other_allowed in methods.items():
            below = other.startswith(template + "/") and "{" not in other[len(template) :]
            if below and "GET" in other_allowed:
                readers.append(f"GET {other}")
        writers: dict[str, str] = {m: f"{m} {template}" for m in ("PUT", "PATCH", "DELETE") if m in allowed}
        # the collection as written, or with the trailing slash some frameworks keep (prefect's POST /work_pools/)
        creator = next((f"POST {c}" for c in (collection, collection + "/") if "POST" in methods.get(c, set())), None)
        if readers or writers:
            found.append(ItemResource(template, param, collection, creator, tuple(readers), writers))
    # Deepest first: a resource's checks end by deleting it, so the resources below it are checked while it exists.
    found.sort(key=lambda r: -r.template.count("/"))
    return found


def parent(resource: ItemResource, among: Sequence[ItemResource]) -> tuple[ItemResource, dict[str, str]] | None:
    """The item resource `resource` sits right below, and what each of its path parameters is called in `resource`'s
    paths: for `/buckets/{bucket_id}/collections/{id}`, `/buckets/{id}` and {"id": "bucket_id"} (Kinto names them so).
    None for a resource at the top, or below a path no resource of `among` has."""
    segments = resource.collection.strip("/").split("/")
    end = next((i for i in range(len(segments), 0, -1) if _is_parameter(segments[i - 1])), 0)
    if end == 0:
        return None
    wanted = segments[:end]
    for other in among:
        theirs = other.template.strip("/").split("/")
        if len(theirs) == end and all(
            a == b or (_is_parameter(a) and _is_parameter(b)) for a, b in zip(theirs, wanted, strict=True)
        ):
            return other, {a[1:-1]: b[1:-1] for a, b in zip(theirs, wanted, strict=True) if _is_parameter(a)}
    return None


def _is_parameter(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def created_id(resource: ItemResource, headers: Mapping[str, Any], body: Any) -> str | None:
    """The id of what a creator made: from its `Location` (matched against the item template), else its body."""
    location = _first(headers, "location")
    if location:
        path = unquote(urlsplit(location).path)
        pattern = re.escape(resource.template).replace(re.escape("{" + resource.param + "}"), "(?P<id>[^/]+)")
        pattern = re.sub(r"\\\{[^}]*\\\}", "[^/]+", pattern)
        match = re.search(pattern + "$", path)
        if match:
            return match["id"]
    for holder in (body, body.get("data") if isinstance(body, dict) else None):  # {"data": {"id": ...}} (kinto)
        if isinstance(holder, dict):
            for key in id_keys(resource.param):
                value = holder.get(key)
                if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                    return str(value)
    return None


def id_keys(param: str) -> tuple[str, ...]:
    """Where a body may hold the value of path parameter `param`: `book_id`, `bookId`, `id`."""
    camel = re.sub(r"_(\w)", lambda m: m[1].upper(), param)
    return tuple(dict.fromkeys((param, camel, "id", "ID", "uuid")))


def differences(
    expected: Any, actual: Any, ignore: Collection[str] = (), only: Collection[str] | None = None
) -> list[tuple[str, Any, Any]]:
    """Top-level fields both objects hold whose values differ (volatile fields, those in `ignore`, and with `only`
    those it does not name, left out): (field, expected, actual).

    Strings are compared without case and surrounding spaces, numbers by value: a server may normalise what it
    stores, and a lost update is not a matter of letter case.
    """
    if not isinstance(expected, dict) or not isinstance(actual, dict):
        return []
    found = []
    for key, value in expected.items():
        if key not in actual or key in ignore or VOLATILE.search(str(key)) or (only is not None and key not in only):
            continue
        if not _same(value, actual[key]):
            found.append((str(key), value, actual[key]))
    return found


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip().casefold() == b.strip().casefold()
    if isinstance(a, dict) and isinstance(b, dict):
        # Within a field, as at the top: what both hold agrees. A server may add defaults to a nested object, and
        # mint ids for nested objects the client sent without one (prefect's automation triggers).
        return not differences(a, b, ignore=NESTED_IDS)
    return bool(a == b)


def leaked_values(secret_body: Any, public_text: str, minimum: int = 5) -> list[str]:
    """String values (at least `minimum` characters) of a protected body that appear in an error body."""
    values: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str) and len(node) >= minimum and node in public_text:
            values.append(node)

    walk(secret_body)
    return sorted(set(values))


def _first(headers: Mapping[str, Any], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            if isinstance(value, list):
                return str(value[0]) if value else None
            return str(value)
    return None
