from __future__ import annotations

from typing import Any

import pytest

from apitest.contracts.schema import SchemaConverter, allowed_types, describe, first_error

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
                },
            },
        }
    },
}


def test_openapi_30_keywords_become_json_schema():
    converter = SchemaConverter(DOC)
    thing = converter.convert(DOC["components"]["schemas"]["Thing"], "response")
    assert thing["properties"]["name"] == {"type": ["string", "null"]}
    assert thing["properties"]["size"] == {"type": "number", "exclusiveMinimum": 1}
    assert thing["properties"]["kind"]["enum"] == ["a", "b", None]
    assert thing["required"] == ["id", "name"]  # writeOnly is not required in a response
    assert converter.convert(DOC["components"]["schemas"]["Thing"], "request")["required"] == ["secret", "name"]


def test_recursive_refs_are_inlined_once():
    converter = SchemaConverter(DOC)
    node = converter.convert({"$ref": "#/components/schemas/Node"}, "response")
    assert node["properties"]["next"]["properties"]["next"] == {}
    validator = converter.validator({"$ref": "#/components/schemas/Node"}, "response")
    assert first_error(validator, {"name": "a", "next": {"name": 1}}) is not None
    assert first_error(validator, {"name": "a", "next": {"next": {"anything": True}}}) is None


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("2026-01-01T10:00:00Z", True),
        ("2026-01-01T10:00:00.123+02:00", True),
        ("2026-13-01T10:00:00Z", False),
        ("monday", False),
    ],
)
def test_date_time_format_is_checked(value, valid):
    converter = SchemaConverter(DOC)
    schema = {"type": "string", "format": "date-time"}
    assert (first_error(converter.validator(schema, "response"), value) is None) is valid


def test_allowed_types_and_descriptions():
    assert allowed_types({"type": "integer"}) == {"integer"}
    assert allowed_types({"anyOf": [{"type": "string"}, {"type": "null"}]}) == {"string", "null"}
    assert allowed_types({"allOf": [{"type": "number"}, {"type": "integer"}]}) == {"integer"}
    assert allowed_types({"enum": ["a", 1]}) == {"string", "integer"}
    assert allowed_types({"properties": {}}) == {"object"}
    assert allowed_types({}) is None
    assert describe({"type": "string", "format": "date-time"}) == "string (format date-time)"
    assert describe({"const": "placed"}) == "exactly 'placed'"
