"""The JSON Schema of a suite file (`apitest schema --suite`), for editors to complete and check `apitest.toml`.

It is pydantic's schema of the declarations, with each setting's help as its description, apitest's own fields
left out, and `[load]` written as users write it: its own keys, any profile key as a default for every profile,
and every other table a `[load.NAME]` profile.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from ._validate import json_schema
from .fields import META_KEY, Meta
from .load import LoadProfile, LoadSettings
from .suite import AuthSettings, Credentials, Suite

SCHEMA_ID = "https://apitest.dev/schema/suite-1.json"


def suite_schema() -> dict[str, Any]:
    schema = json_schema(Suite)
    defs: dict[str, Any] = schema.setdefault("$defs", {})
    schema = {"$defs": defs, **{k: v for k, v in schema.items() if k != "$defs"}}
    for cls in (Suite, AuthSettings, Credentials, LoadProfile, LoadSettings, *_sections()):
        node = schema if cls is Suite else defs.get(cls.__name__)
        if node is not None:
            _describe(cls, node)
    defs.pop("Origin", None)
    defs.pop("Slo", None)  # of the resolved gates, not a key of the file
    load = defs["LoadSettings"]
    profile = defs["LoadProfile"]
    load["properties"].pop("profiles", None)
    for key, value in profile["properties"].items():
        load["properties"].setdefault(key, value)
    load["additionalProperties"] = {"$ref": "#/$defs/LoadProfile"}
    load["description"] = "Settings for every load profile; each other table [load.NAME] is a profile."
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **{k: _without_null(v) for k, v in schema.items() if k not in ("title",)},
        "title": "apitest suite (apitest.toml, or [tool.apitest] in pyproject.toml)",
    }


def _sections() -> list[type]:
    hints = typing.get_type_hints(Suite)
    return [hints[f.name] for f in dataclasses.fields(Suite) if dataclasses.is_dataclass(hints[f.name])]


def _without_null(node: Any) -> Any:
    """TOML has no null: `anyOf: [X, {"type": "null"}]` (an optional setting) is X for the file."""
    if isinstance(node, dict):
        options = node.get("anyOf")
        if isinstance(options, list) and {"type": "null"} in options:
            rest = [o for o in options if o != {"type": "null"}]
            merged = {k: v for k, v in node.items() if k not in ("anyOf", "default")}
            node = {**(rest[0] if len(rest) == 1 else {"anyOf": rest}), **merged}
        return {k: _without_null(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_null(v) for v in node]
    return node


def _describe(cls: type, node: dict[str, Any]) -> None:
    properties: dict[str, Any] = node.get("properties", {})
    for f in dataclasses.fields(cls):
        meta = f.metadata.get(META_KEY)
        if not isinstance(meta, Meta) or meta.internal:
            properties.pop(f.name, None)
            if f.name in node.get("required", []):
                node["required"].remove(f.name)
            continue
        if f.name in properties:
            prop = properties[f.name]
            prop.pop("title", None)
            prop["description"] = meta.help
    node.pop("title", None)
    if cls.__doc__ and "description" in node:
        node["description"] = cls.__doc__.strip().splitlines()[0]
