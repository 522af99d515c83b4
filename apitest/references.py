"""A spec split across files made one document: every `$ref` to another file is brought in and made local.

Specs are often written as `openapi.yaml` plus `schemas/*.yaml`, joined by relative `$ref`s (`schemas/pet.yaml#/Pet`,
`file:common.yaml`). Everything downstream of `spec.load_document` (collection, apitest's own checks, the contract
cross-check, schemathesis via `from_dict`) reads one document with no base location, so a reference left as it was
never resolves: schemathesis then skips the checks that need it and the run passes by mistake. `bundle()` instead
places each file the spec refers to, once, under the document's `x-apitest-refs` key (an OpenAPI extension, allowed
at the root of 2.0, 3.0 and 3.1) and rewrites every reference to point there, so recursive and circular references
stay references and nothing is inlined twice. `inline_path_items()` then replaces a path item that is a reference by
what it refers to, so that every reader sees the operations.

References are resolved with `referencing` (the library jsonschema resolves with): it joins each reference to the
location of the file it is written in, retrieves each file once and follows the JSON pointer; what it cannot
resolve is an error naming the reference, where it is written and why. Which files may be read is the caller's
rule (`allowed`): by default the spec's own folder, never another host.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote, urldefrag, urljoin

from .errors import SpecLoadError

BUNDLED = "x-apitest-refs"
MAX_FILES = 1000  # files one spec may bring in


def bundle(
    document: dict[str, Any],
    base_uri: str,
    load: Callable[[str], Any],
    allowed: Callable[[str], str | None],
    shown: Callable[[str], str] = lambda uri: uri,
) -> dict[str, Any]:
    """`document` (read from `base_uri`) with every reference to another file made local, in place.

    `load(uri)` reads and parses a file (raising SpecLoadError); `allowed(uri)` says why a file may not be read, or
    None; `shown(uri)` names a file in messages. Raises SpecLoadError naming the first reference that does not
    resolve. A document without such references is returned untouched, without importing anything.
    """
    if not _has_external_refs(document):
        return document
    from referencing import Registry, Resource
    from referencing.exceptions import PointerToNowhere, Unresolvable, Unretrievable

    files: dict[str, Any] = {}  # absolute URI -> parsed content, each read once
    refusals: dict[str, str] = {}

    def retrieve(uri: str) -> Resource[Any]:
        if uri not in files:
            reason = allowed(uri)
            if reason is not None:
                refusals[uri] = reason
                raise LookupError(reason)
            if len(files) >= MAX_FILES:
                raise SpecLoadError(f"{shown(base_uri)}: refers to more than {MAX_FILES} files; apitest stops there.")
            files[uri] = load(uri)
        return Resource.opaque(files[uri])

    root_uri = urldefrag(base_uri).url
    registry: Registry[Any] = Registry(retrieve=retrieve).with_resource(root_uri, Resource.opaque(document))  # type: ignore[call-arg]
    keys: dict[str, str] = {}  # absolute file URI -> its key under BUNDLED
    bundled: dict[str, Any] = {}
    todo: list[tuple[str, Any, str]] = [(root_uri, document, "#")]
    while todo:
        file_uri, node, where = todo.pop()
        # In the spec itself a local reference stays as it is; in a file brought in, it must point into its place.
        for holder, ref, at in _refs(node, where, local=file_uri != root_uri):
            target = urljoin(file_uri, ref)
            target_file, fragment = urldefrag(target)
            place = f"{shown(file_uri)} at {at}"
            try:
                registry.resolver(base_uri=file_uri).lookup(target)
            except SpecLoadError:
                raise
            except PointerToNowhere:
                raise SpecLoadError(
                    f"{place}: $ref {ref!r} does not resolve: {shown(target_file)} has nothing at #{fragment}; "
                    "define it or fix the reference."
                ) from None
            except Unretrievable as exc:
                cause = exc.__cause__
                why = refusals.get(target_file) or (str(cause) if cause is not None else "cannot be read")
                if isinstance(cause, SpecLoadError):
                    why = str(cause)
                raise SpecLoadError(f"{place}: $ref {ref!r} cannot be followed: {why}") from None
            except Unresolvable as exc:
                raise SpecLoadError(f"{place}: $ref {ref!r} does not resolve ({exc}); fix the reference.") from None
            if target_file == root_uri:
                holder["$ref"] = "#" + fragment
                continue
            if target_file not in keys:
                keys[target_file] = _key(shown(target_file), set(keys.values()))
                content = files[target_file]
                bundled[keys[target_file]] = content
                todo.append((target_file, content, f"{shown(target_file)}#"))
            holder["$ref"] = f"#/{BUNDLED}/{_escape(keys[target_file])}{fragment}"
    if bundled:
        document[BUNDLED] = bundled
    return document


def _refs(node: Any, where: str, *, local: bool = False) -> list[tuple[dict[str, Any], str, str]]:
    """Every object holding a `$ref` string under `node` (not under `example`, which is data), local ones too if
    `local`."""
    found = []
    stack = [(node, where)]
    seen: set[int] = set()
    while stack:
        value, at = stack.pop()
        if id(value) in seen:
            continue
        seen.add(id(value))
        if isinstance(value, dict):
            ref = value.get("$ref")
            if isinstance(ref, str) and (local or not ref.startswith("#")):
                found.append((value, ref, at))
            stack.extend((v, f"{at}/{_escape(str(k))}") for k, v in value.items() if k != "example")
        elif isinstance(value, list):
            stack.extend((v, f"{at}/{i}") for i, v in enumerate(value))
    return found


def _has_external_refs(document: Any) -> bool:
    return bool(_refs(document, "#"))


def inline_path_items(document: dict[str, Any], location: str) -> None:
    """A path item written as a (local, by now) reference becomes what it refers to: readers look for operations."""
    paths = document.get("paths")
    if not isinstance(paths, dict):
        return
    for path, item in list(paths.items()):
        seen: set[str] = set()
        where = f"{location} at #/paths/{_escape(str(path))}"
        while isinstance(item, dict) and isinstance(item.get("$ref"), str) and item["$ref"].startswith("#"):
            ref = item["$ref"]
            if ref in seen:
                raise SpecLoadError(f"{where}: the path item $ref {ref!r} refers to itself; fix the reference.")
            seen.add(ref)
            target = _pointer(document, ref)
            if not isinstance(target, dict):
                raise SpecLoadError(f"{where}: $ref {ref!r} does not resolve to a path item; fix the reference.")
            item = {**copy.deepcopy(target), **{k: v for k, v in item.items() if k != "$ref"}}
        paths[path] = item


def _pointer(root: Any, ref: str) -> Any:
    node = root
    for raw in ref.lstrip("#").split("/")[1:]:
        part = unquote(raw).replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _key(name: str, taken: set[str]) -> str:
    key, n = name, 2
    while key in taken:
        key, n = f"{name}#{n}", n + 1
    return key


def _escape(part: str) -> str:
    return quote(part.replace("~", "~0").replace("/", "~1"), safe="~!$&'()*+,;=:@")
