"""OpenAPI schemas (2.0, 3.0, 3.1) as JSON Schema 2020-12, resolved through a `referencing` registry.

The whole document is converted once per direction ("request", "response"), schema by schema where the document
has them: 3.0's `nullable` and 2.0's `x-nullable` become type lists, boolean `exclusiveMinimum`/`exclusiveMaximum`
become numbers, Swagger 2 parameters and headers (which are schema-like themselves) become schemas, `readOnly`
properties are not required in requests nor `writeOnly` ones in responses. Every local `$ref` becomes an absolute
URI into the converted document (`urn:apitest:spec:response#/components/schemas/Book`), registered with
`referencing`, so that jsonschema resolves references lazily: recursive schemas are checked to any depth.

openapi-schema-validator (0.9, installable here) was weighed and not taken: its OAS 3.0 validators handle nullable,
readOnly/writeOnly and formats, but the cross-check walks bodies node by node with pact's matchers, needs 2.0 and
3.1 as well, and picks discriminator branches from a base schema too; what it would add (int32/int64/byte
formats) is a few lines here, and it would bring pydantic-settings and rfc3339-validator with it.

Each converted schema object carries `x-apitest-at`, the JSON pointer of the schema in the original document, so
that a gap can name where the spec says what it says. Unknown keywords are annotations to JSON Schema 2020-12:
validators ignore them, as they ignore `discriminator`, `readOnly` and `writeOnly`, which the body walk reads.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from .pointers import child, unescape

ORIGIN = "x-apitest-at"
BASE = "urn:apitest:spec:"
JSON_TYPES = ("null", "boolean", "object", "array", "number", "string", "integer")
_DROP = frozenset({"nullable", "x-nullable", "xml", "externalDocs", "example", "examples", "deprecated", "$schema"})
_SWAGGER_PARAM_ONLY = frozenset(
    {"name", "in", "required", "description", "collectionFormat", "allowEmptyValue", "schema"}
)
_SUBSCHEMA = ("items", "additionalProperties", "not", "propertyNames", "contains", "if", "then", "else")
_SUBSCHEMA_MAPS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SUBSCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")

FORMATS = FormatChecker()
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)


@FORMATS.checks("date-time", raises=ValueError)
def _date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:?\d{2})", value):
        raise ValueError(f"{value!r} is not an RFC 3339 date-time (date, T, time and offset)")
    dt.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    return True


@FORMATS.checks("uri-reference")
@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or not any(c.isspace() for c in value)


@FORMATS.checks("int32")
def _int32(value: object) -> bool:
    return not isinstance(value, int | float) or isinstance(value, bool) or (_whole(value) and _within(value, INT32))


@FORMATS.checks("int64")
def _int64(value: object) -> bool:
    return not isinstance(value, int | float) or isinstance(value, bool) or (_whole(value) and _within(value, INT64))


@FORMATS.checks("byte")
def _byte(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return False
    return True


def _whole(value: float) -> bool:
    return isinstance(value, int) or value.is_integer()


def _within(value: float, bounds: tuple[int, int]) -> bool:
    return bounds[0] <= value <= bounds[1]


def normalise(node: Any) -> Any:
    """The document as JSON would have it: YAML's integer keys (`200:`) and dates become strings."""
    if isinstance(node, Mapping):
        return {str(k): normalise(v) for k, v in node.items()}
    if isinstance(node, list):
        return [normalise(v) for v in node]
    if isinstance(node, dt.date | dt.datetime):
        return node.isoformat()
    return node


class Schemas:
    """The converted schemas of one (normalised) OpenAPI document, for both directions."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.swagger = str(document.get("swagger", "")).startswith("2")
        self.v31 = str(document.get("openapi", "")).startswith("3.1")
        self._converted: dict[str, dict[str, Any]] = {}
        self._registries: dict[str, Registry[Any]] = {}
        self._validators: dict[int, tuple[Any, Draft202012Validator]] = {}
        self.memo: dict[Any, Any] = {}  # derived schemas of the walk, kept alive with what they derive from

    def converted(self, direction: str) -> dict[str, Any]:
        found = self._converted.get(direction)
        if found is None:
            found = _DocumentConverter(self, direction).run()
            self._converted[direction] = found
            resource = DRAFT202012.create_resource(found)
            self._registries[direction] = Registry().with_resource(BASE + direction, resource)
        return found

    def at(self, pointer: str, direction: str) -> Any:
        """The converted schema at a JSON pointer of the document (`/paths/~1books/get/.../schema`)."""
        node: Any = self.converted(direction)
        for part in pointer.split("/")[1:]:
            key = unescape(part)
            if isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            elif isinstance(node, Mapping) and key in node:
                node = node[key]
            else:
                return {}
        return node

    def resolve(self, schema: Any, direction: str) -> Any:
        """`schema` with its `$ref`s followed (3.1's siblings of `$ref` merged in)."""
        seen = 0
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str) and seen < 50:
            ref = schema["$ref"]
            if not ref.startswith(BASE):
                return {}
            try:
                target = self._registries[direction].resolver().lookup(ref).contents
            except (Unresolvable, KeyError):
                return {}
            siblings = {k: v for k, v in schema.items() if k not in ("$ref", ORIGIN)}
            schema = {**target, **siblings} if siblings and isinstance(target, Mapping) else target
            seen += 1
        return schema

    def validator(self, schema: Any, direction: str) -> Draft202012Validator:
        """A validator for a schema that lives as long as this object (a converted node, or one kept here)."""
        cached = self._validators.get(id(schema))
        if cached is None:
            self.converted(direction)
            validator = Draft202012Validator(
                schema if isinstance(schema, Mapping | bool) else {},
                registry=self._registries[direction],
                format_checker=FORMATS,
            )
            cached = (schema, validator)  # the schema is kept alive with it, so its id stays unique
            self._validators[id(schema)] = cached
        return cached[1]

    def types(self, schema: Any, direction: str) -> set[str] | None:
        return allowed_types(schema, lambda s: self.resolve(s, direction))

    def describe(self, schema: Any, direction: str) -> str:
        return describe(self.resolve(schema, direction), lambda s: self.resolve(s, direction))

    def convert_schema(self, node: Any, direction: str, at: str) -> Any:
        """One schema converted outside the document walk (3.0 parameters built on the fly)."""
        return _DocumentConverter(self, direction).schema(node, at)


class _DocumentConverter:
    """Copies the document, converting every schema where OpenAPI puts one."""

    def __init__(self, owner: Schemas, direction: str) -> None:
        self.swagger = owner.swagger
        self.v31 = owner.v31
        self.direction = direction
        self.document = owner.document

    def run(self) -> dict[str, Any]:
        doc = self.document
        out: dict[str, Any] = dict(doc)
        if isinstance(doc.get("paths"), Mapping):
            out["paths"] = {k: self.path_item(v, child("/paths", k)) for k, v in doc["paths"].items()}
        if self.swagger:
            for key, convert in (
                ("definitions", self.schema),
                ("parameters", self.parameter),
                ("responses", self.response),
            ):
                if isinstance(doc.get(key), Mapping):
                    out[key] = {k: convert(v, child(f"/{key}", k)) for k, v in doc[key].items()}
            return out
        components = doc.get("components")
        if isinstance(components, Mapping):
            converted: dict[str, Any] = dict(components)
            for key, convert in (
                ("schemas", self.schema),
                ("parameters", self.parameter),
                ("responses", self.response),
                ("requestBodies", self.request_body),
                ("headers", self.header),
                ("pathItems", self.path_item),
            ):
                if isinstance(components.get(key), Mapping):
                    base = f"/components/{key}"
                    converted[key] = {k: convert(v, child(base, k)) for k, v in components[key].items()}
            out["components"] = converted
        return out

    # -- OpenAPI objects: copied, with their schemas converted -----------------------------------------------

    def path_item(self, node: Any, at: str) -> Any:
        if not isinstance(node, Mapping) or "$ref" in node:
            return node
        out = dict(node)
        for key, value in node.items():
            if key == "parameters" and isinstance(value, list):
                out[key] = [self.parameter(p, child(at, key, i)) for i, p in enumerate(value)]
            elif isinstance(value, Mapping) and key in (
                "get",
                "put",
                "post",
                "delete",
                "options",
                "head",
                "patch",
                "trace",
            ):
                out[key] = self.operation(value, child(at, key))
        return out

    def operation(self, node: Mapping[str, Any], at: str) -> Any:
        out = dict(node)
        if isinstance(node.get("parameters"), list):
            out["parameters"] = [
                self.parameter(p, child(at, "parameters", i)) for i, p in enumerate(node["parameters"])
            ]
        if "requestBody" in node:
            out["requestBody"] = self.request_body(node["requestBody"], child(at, "requestBody"))
        if isinstance(node.get("responses"), Mapping):
            out["responses"] = {k: self.response(v, child(at, "responses", k)) for k, v in node["responses"].items()}
        return out

    def parameter(self, node: Any, at: str) -> Any:
        if not isinstance(node, Mapping) or "$ref" in node:
            return node
        if self.swagger and node.get("in") != "body":
            return self.schema({k: v for k, v in node.items() if k not in _SWAGGER_PARAM_ONLY}, at)
        out = dict(node)
        if "schema" in node:
            out["schema"] = self.schema(node["schema"], child(at, "schema"))
        if isinstance(node.get("content"), Mapping):
            out["content"] = self.content(node["content"], child(at, "content"))
        return out

    def request_body(self, node: Any, at: str) -> Any:
        if not isinstance(node, Mapping) or "$ref" in node:
            return node
        out = dict(node)
        if isinstance(node.get("content"), Mapping):
            out["content"] = self.content(node["content"], child(at, "content"))
        return out

    def response(self, node: Any, at: str) -> Any:
        if not isinstance(node, Mapping) or "$ref" in node:
            return node
        out = dict(node)
        if "schema" in node:
            out["schema"] = self.schema(node["schema"], child(at, "schema"))
        if isinstance(node.get("content"), Mapping):
            out["content"] = self.content(node["content"], child(at, "content"))
        if isinstance(node.get("headers"), Mapping):
            out["headers"] = {k: self.header(v, child(at, "headers", k)) for k, v in node["headers"].items()}
        return out

    def header(self, node: Any, at: str) -> Any:
        if not isinstance(node, Mapping) or "$ref" in node:
            return node
        if self.swagger:
            return self.schema({k: v for k, v in node.items() if k != "description"}, at)
        return self.parameter(node, at)

    def content(self, node: Mapping[str, Any], at: str) -> dict[str, Any]:
        out = {}
        for media, value in node.items():
            if isinstance(value, Mapping) and "schema" in value:
                value = {**value, "schema": self.schema(value["schema"], child(at, media, "schema"))}
            out[media] = value
        return out

    # -- schemas ---------------------------------------------------------------------------------------------

    def schema(self, node: Any, at: str) -> Any:
        if isinstance(node, bool):
            return node
        if not isinstance(node, Mapping):
            return {}
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = (BASE + self.direction + ref) if ref.startswith("#") else None
            if target is None:
                return {ORIGIN: at}  # a reference into another file: nothing apitest can check
            if not self.v31:
                return {"$ref": target, ORIGIN: at}  # 2.0 and 3.0 ignore a $ref's siblings
            node = {**node, "$ref": target}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key in _DROP or (key.startswith("x-") and key != ORIGIN):
                continue
            if key in _SUBSCHEMA_MAPS:
                out[key] = (
                    {k: self.schema(v, child(at, key, k)) for k, v in value.items()}
                    if isinstance(value, Mapping)
                    else value
                )
            elif key in _SUBSCHEMA:
                if key == "items" and isinstance(value, list):  # the tuple form
                    out["prefixItems"] = [self.schema(v, child(at, key, i)) for i, v in enumerate(value)]
                elif key == "additionalProperties" and isinstance(value, bool):
                    out[key] = value
                else:
                    out[key] = self.schema(value, child(at, key))
            elif key in _SUBSCHEMA_LISTS:
                out[key] = (
                    [self.schema(v, child(at, key, i)) for i, v in enumerate(value)]
                    if isinstance(value, list)
                    else value
                )
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
        if not self.v31 and (node.get("nullable") is True or node.get("x-nullable") is True):
            out = _nullable(out)
        skip = "readOnly" if self.direction == "request" else "writeOnly"
        props = out.get("properties")
        if isinstance(out.get("required"), list) and isinstance(props, Mapping):
            out["required"] = [
                name
                for name in out["required"]
                if not (isinstance(props.get(name), Mapping) and props[name].get(skip) is True)
            ]
        out[ORIGIN] = at
        return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    """3.0's `nullable: true` (and 2.0's `x-nullable`): null joins the types. As OpenAPI 3.0.3 says, an `enum`
    without null still refuses it; `nullable` next to a composition without `type` (the usual way to make a `$ref`
    nullable) admits null beside the composition."""
    kind = schema.get("type")
    if isinstance(kind, str):
        return {**schema, "type": [kind, "null"]}
    if isinstance(kind, list):
        return {**schema, "type": [*kind, "null"]} if "null" not in kind else schema
    if any(k in schema for k in ("allOf", "anyOf", "oneOf", "$ref")):
        inner = {k: v for k, v in schema.items() if k != ORIGIN}
        return {"anyOf": [inner, {"type": "null"}], ORIGIN: schema.get(ORIGIN, "")}
    return schema


# -- reading converted schemas ---------------------------------------------------------------------------------


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


def _identity(schema: Any) -> Any:
    return schema


def allowed_types(schema: Any, resolve: Callable[[Any], Any] = _identity, depth: int = 0) -> set[str] | None:
    """The JSON types a (converted) schema admits; None when it admits any."""
    schema = resolve(schema)
    if schema is False:
        return set()
    if not isinstance(schema, Mapping) or depth > 20:
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
        inner = allowed_types(sub, resolve, depth + 1)
        if inner is not None:
            types = inner if types is None else _intersect(types, inner)
    branches = [allowed_types(b, resolve, depth + 1) for b in (schema.get("anyOf") or []) + (schema.get("oneOf") or [])]
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


def errors(validator: Draft202012Validator, value: Any) -> Iterator[ValidationError]:
    return iter(sorted(validator.iter_errors(value), key=lambda e: (list(e.path), e.message)))


def describe(schema: Any, resolve: Callable[[Any], Any] = _identity) -> str:
    """A short human summary of a schema: `integer`, `string (date-time)`, `one of 'a', 'b'`."""
    schema = resolve(schema)
    if not isinstance(schema, Mapping):
        return "anything" if schema is not False else "nothing"
    if "const" in schema:
        return f"exactly {schema['const']!r}"
    if isinstance(schema.get("enum"), list):
        return "one of " + ", ".join(repr(v) for v in schema["enum"][:8])
    types = allowed_types(schema, resolve)
    if types is None:
        return "anything"
    text = " or ".join(sorted(types)) or "nothing"
    extra = [f"{key} {schema[key]}" for key in ("format", "pattern") if isinstance(schema.get(key), str)]
    return text + (f" ({', '.join(extra)})" if extra else "")


def origin(schema: Any) -> str:
    """`#/components/schemas/Book/properties/id`: where a converted schema came from in the document."""
    at = schema.get(ORIGIN) if isinstance(schema, Mapping) else None
    return "#" + at if isinstance(at, str) else ""
