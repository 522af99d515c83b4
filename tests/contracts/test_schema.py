from __future__ import annotations

from typing import Any

import pytest
import yaml

from apitest.contracts.schema import ORIGIN, Schemas, allowed_types, describe, errors, normalise

DOC: dict[str, Any] = {
    "openapi": "3.0.3",
    "paths": {},
    "components": {
        "schemas": {
            "Node": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "next": {"$ref": "#/components/schemas/Node"}},
            },
            "Thing": {
                "type": "object",
                "required": ["id", "secret", "name"],
                "properties": {
                    "id": {"type": "integer", "readOnly": True},
                    "secret": {"type": "string", "writeOnly": True},
                    "name": {"type": "string", "nullable": True, "example": "x"},
                    "size": {"type": "number", "minimum": 1, "exclusiveMinimum": True},
                    "kind": {"type": "string", "enum": ["a", "b"], "nullable": True},
                    "home": {"allOf": [{"$ref": "#/components/schemas/Node"}], "nullable": True},
                },
            },
        }
    },
}


def thing(schemas: Schemas, direction: str) -> dict[str, Any]:
    found: dict[str, Any] = schemas.at("/components/schemas/Thing", direction)
    return found


def test_openapi_30_keywords_become_json_schema():
    schemas = Schemas(DOC)
    response = thing(schemas, "response")
    props = response["properties"]
    assert props["name"] == {"type": ["string", "null"], ORIGIN: "/components/schemas/Thing/properties/name"}
    assert {k: v for k, v in props["size"].items() if k != ORIGIN} == {"type": "number", "exclusiveMinimum": 1}
    assert response["required"] == ["id", "name"]  # writeOnly is not required in a response
    assert thing(schemas, "request")["required"] == ["secret", "name"]  # nor readOnly in a request
    # OpenAPI 3.0.3: an enum without null refuses null even when nullable...
    assert first_error(schemas.validator(props["kind"], "response"), None) is not None
    # ...and `nullable` beside a composition (the usual way to make a $ref nullable) admits it.
    home = schemas.validator(props["home"], "response")
    assert first_error(home, None) is None
    assert first_error(home, {"name": 3}) is not None


def test_recursive_refs_are_checked_to_any_depth():
    schemas = Schemas(DOC)
    validator = schemas.validator(schemas.at("/components/schemas/Node", "response"), "response")
    deep = {"name": "a", "next": {"next": {"next": {"next": {"name": 1}}}}}
    assert first_error(validator, deep) is not None
    assert first_error(validator, {"name": "a", "next": {"next": {"name": "z"}}}) is None


@pytest.mark.parametrize(
    ("schema", "value", "valid"),
    [
        ({"type": "string", "format": "date-time"}, "2026-01-01T10:00:00Z", True),
        ({"type": "string", "format": "date-time"}, "2026-01-01T10:00:00.123+02:00", True),
        ({"type": "string", "format": "date-time"}, "2026-13-01T10:00:00Z", False),
        ({"type": "string", "format": "date-time"}, "2026-01-01 10:00", False),
        ({"type": "integer", "format": "int32"}, 2147483647, True),
        ({"type": "integer", "format": "int32"}, 3000000000, False),
        ({"type": "integer", "format": "int32"}, -2147483649, False),
        ({"type": "integer", "format": "int64"}, 9223372036854775807, True),
        ({"type": "integer", "format": "int64"}, 9223372036854775808, False),
        ({"type": "string", "format": "byte"}, "aGVsbG8=", True),
        ({"type": "string", "format": "byte"}, "not*base64", False),
        ({"type": "string", "format": "binary"}, "\u0000anything", True),
    ],
)
def test_formats_are_checked(schema, value, valid):
    schemas = Schemas({"openapi": "3.0.3", "paths": {}, "components": {"schemas": {"S": schema}}})
    converted = schemas.at("/components/schemas/S", "response")
    assert (first_error(schemas.validator(converted, "response"), value) is None) is valid


def test_swagger_2_parameters_and_x_nullable_become_schemas():
    doc = {
        "swagger": "2.0",
        "paths": {
            "/a": {
                "get": {
                    "parameters": [{"name": "n", "in": "query", "type": "integer", "maximum": 5, "required": True}],
                    "responses": {"200": {"description": "ok", "schema": {"$ref": "#/definitions/A"}}},
                }
            }
        },
        "definitions": {"A": {"type": "object", "properties": {"tag": {"type": "string", "x-nullable": True}}}},
    }
    schemas = Schemas(doc)
    param = schemas.at("/paths/~1a/get/parameters/0", "request")
    assert {k: v for k, v in param.items() if k != ORIGIN} == {"type": "integer", "maximum": 5}
    response = schemas.at("/paths/~1a/get/responses/200/schema", "response")
    assert first_error(schemas.validator(response, "response"), {"tag": None}) is None


def test_a_yaml_spec_with_integer_status_codes_is_read_as_json_would_have_it():
    text = "openapi: 3.0.3\npaths:\n  /a:\n    get:\n      responses:\n        200:\n          description: ok\n"
    doc = normalise(yaml.safe_load(text))
    assert list(doc["paths"]["/a"]["get"]["responses"]) == ["200"]
    assert normalise({"d": __import__("datetime").date(2024, 1, 2)}) == {"d": "2024-01-02"}


def test_allowed_types_and_descriptions():
    assert allowed_types({"type": "integer"}) == {"integer"}
    assert allowed_types({"anyOf": [{"type": "string"}, {"type": "null"}]}) == {"string", "null"}
    assert allowed_types({"allOf": [{"type": "number"}, {"type": "integer"}]}) == {"integer"}
    assert allowed_types({"enum": ["a", 1]}) == {"string", "integer"}
    assert allowed_types({"properties": {}}) == {"object"}
    assert allowed_types({}) is None
    assert describe({"type": "string", "format": "date-time"}) == "string (format date-time)"
    assert describe({"const": "placed"}) == "exactly 'placed'"


def first_error(validator, value):
    return next(errors(validator, value), None)
