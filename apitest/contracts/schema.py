"""OpenAPI schemas (2.0, 3.0, 3.1) as plain JSON Schema 2020-12, with local `$ref`s inlined, for the cross-check.

3.0's `nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum` and 2.0's `x-nullable` become 2020-12 forms;
`readOnly` properties are not required in requests, `writeOnly` ones not in responses. A recursive `$ref` is
expanded twice and then accepts anything, which keeps conversion finite.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from ..spec import resolve_pointer

JSON_TYPES = ("null", "boolean", "object", "array", "number", "string", "integer")
_DROP = frozenset({"nullable", "x-nullable", "discriminator", "xml", "externalDocs", "example", "deprecated"})

_RECURSION = 2  # how deep a schema that refers to itself is expanded before it accepts anything
FORMATS = FormatChecker()


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})?", value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time")
    dt.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    return True


@FORMATS.checks("uri-reference")
@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or not any(c.isspace() for c in value)


class SchemaConverter:
    """Converts the schemas of one OpenAPI document, caching by node identity and direction."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.swagger = str(document.get("swagger", "")).startswith("2")
        self._cache: dict[tuple[int, str], dict[str, Any]] = {}
        self._validators: dict[tuple[int, str], Draft202012Validator] = {}

    def resolve(self, node: Any) -> Any:
        """Follow a chain of local `$ref`s (e.g. a parameter or response object)."""
        seen = 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 50:
            ref = node["$ref"]
            if not ref.startswith("#"):
                return {}
            try:
                node = resolve_pointer(self.document, ref)
            except (KeyError, IndexError, ValueError):
                return {}
            seen += 1
        return node

    def convert(self, node: Any, direction: str) -> dict[str, Any]:
        """`direction` is "request" or "response"."""
        key = (id(node), direction)
        cached = self._cache.get(key)
        if cached is None:
            converted = self._convert(node, direction, ())
            cached = converted if isinstance(converted, dict) else {}
            self._cache[key] = cached
        return cached

    def validator(self, node: Any, direction: str) -> Draft202012Validator:
        key = (id(node), direction)
        validator = self._validators.get(key)
        if validator is None:
            validator = Draft202012Validator(self.convert(node, direction), format_checker=FORMATS)
            self._validators[key] = validator
        return validator

    def _convert(self, node: Any, direction: str, stack: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [self._convert(v, direction, stack) for v in node]
        if not isinstance(node, Mapping):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            if stack.count(ref) >= _RECURSION or not ref.startswith("#"):
                return {}
            try:
                target = resolve_pointer(self.document, ref)
            except (KeyError, IndexError, ValueError):
                return {}
            return self._convert(target, direction, (*stack, ref))
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROP or key.startswith("x-"):
                continue
            if key in ("properties", "patternProperties", "$defs", "definitions"):
                out[key] = (
                    {k: self._convert(v, direction, stack) for k, v in value.items()}
                    if isinstance(value, Mapping)
                    else value
                )
            elif key in ("items", "additionalProperties", "not", "propertyNames", "contains", "if", "then", "else"):
                out[key] = self._convert(value, direction, stack)
            elif key in ("allOf", "anyOf", "oneOf", "prefixItems"):
                out[key] = [self._convert(v, direction, stack) for v in value] if isinstance(value, list) else value
            elif key in ("exclusiveMinimum", "exclusiveMaximum") and isinstance(value, bool):
                bound = "minimum" if key == "exclusiveMinimum" else "maximum"
                if value and bound in node:
                    out[key] = node[bound]
            elif key == "type" and value == "file":
                out[key] = "string"
            else:
                out[key] = value
        for key in ("exclusiveMinimum", "exclusiveMaximum"):
            bound = "minimum" if key == "exclusiveMinimum" else "maximum"
            if node.get(key) is True and bound in out:
                del out[bound]
        if isinstance(out.get("items"), list):  # 2020-12 tuple form
            out["prefixItems"] = out.pop("items")
        if node.get("nullable") is True or node.get("x-nullable") is True:
            out = _nullable(out)
        skip = "readOnly" if direction == "request" else "writeOnly"
        props = out.get("properties")
        if isinstance(out.get("required"), list) and isinstance(props, dict):
            out["required"] = [
                name
                for name in out["required"]
                if not (isinstance(props.get(name), dict) and props[name].get(skip) is True)
            ]
        return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str):
        schema = {**schema, "type": [kind, "null"]}
    elif isinstance(kind, list) and "null" not in kind:
        schema = {**schema, "type": [*kind, "null"]}
    elif kind is None:
        return {"anyOf": [schema, {"type": "null"}]}
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    return schema


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def allowed_types(schema: Any) -> set[str] | None:
    """The JSON types a (converted) schema admits; None when it admits any."""
    if schema is False:
        return set()
    if not isinstance(schema, Mapping):
        return None
    types: set[str] | None = None
    kind = schema.get("type")
    if isinstance(kind, str):
        types = {kind}
    elif isinstance(kind, list):
        types = {k for k in kind if isinstance(k, str)}
    for key in ("enum", "const"):
        if key in schema:
            values = schema[key] if key == "enum" and isinstance(schema[key], list) else [schema[key]]
            found = {json_type(v) for v in values}
            types = (
                found if types is None else {t for t in types if t in found or (t == "number" and "integer" in found)}
            )
    if types is None and any(k in schema for k in ("properties", "required", "additionalProperties")):
        types = {"object"}
    if types is None and any(k in schema for k in ("items", "prefixItems")):
        types = {"array"}
    for sub in schema.get("allOf") or []:
        inner = allowed_types(sub)
        if inner is not None:
            types = inner if types is None else _intersect(types, inner)
    branches = [allowed_types(b) for b in (schema.get("anyOf") or []) + (schema.get("oneOf") or [])]
    if branches:
        if any(b is None for b in branches):
            union: set[str] | None = None
        else:
            union = set().union(*(b for b in branches if b is not None))
        if union is not None:
            types = union if types is None else _intersect(types, union)
    return types


def _intersect(a: set[str], b: set[str]) -> set[str]:
    out = a & b
    if "number" in a and "integer" in b:
        out.add("integer")
    if "number" in b and "integer" in a:
        out.add("integer")
    return out


def type_admits(types: set[str] | None, value_type: str) -> bool:
    if types is None:
        return True
    return value_type in types or (value_type == "integer" and "number" in types)


def first_error(validator: Draft202012Validator, value: Any) -> ValidationError | None:
    return next(iter(sorted(validator.iter_errors(value), key=lambda e: e.path)), None)


def describe(schema: Any) -> str:
    """A short human summary of a schema: `integer`, `string (date-time)`, `one of 'a', 'b'`."""
    if not isinstance(schema, Mapping):
        return "anything"
    if "const" in schema:
        return f"exactly {schema['const']!r}"
    if isinstance(schema.get("enum"), list):
        return "one of " + ", ".join(repr(v) for v in schema["enum"][:8])
    types = allowed_types(schema)
    if types is None:
        return "anything"
    text = " or ".join(sorted(types)) or "nothing"
    extra = [f"{key} {schema[key]}" for key in ("format", "pattern") if isinstance(schema.get(key), str)]
    return text + (f" ({', '.join(extra)})" if extra else "")
