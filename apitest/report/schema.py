"""The JSON Schema of report.json, derived from the result model so the two cannot drift apart.

The same schema is committed as `schema.json` (a test keeps them equal) and printed by `apitest schema`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from enum import StrEnum
from typing import Any

from ..results import (
    SCHEMA_VERSION,
    Comparison,
    ContractResult,
    Finding,
    ItemResult,
    LoadResult,
    OperationCoverage,
    RunError,
    RunMeta,
    SuiteSetup,
)

SCHEMA_ID = "https://apitest.dev/schema/report-1.json"


def type_schema(tp: Any) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        return {"anyOf": [type_schema(a) for a in typing.get_args(tp)]}
    if origin in (tuple, list):
        return {"type": "array", "items": type_schema(typing.get_args(tp)[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": type_schema(typing.get_args(tp)[1])}
    if tp is type(None):
        return {"type": "null"}
    if tp is Any:
        return {}
    if isinstance(tp, type) and issubclass(tp, StrEnum):
        return {"type": "string", "enum": [m.value for m in tp]}
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return {"$ref": f"#/$defs/{tp.__name__}"}
    simple = {str: "string", bool: "boolean", int: "integer", float: "number"}
    if tp in simple:
        return {"type": simple[tp]} if tp is not float else {"type": "number"}
    raise TypeError(f"no JSON Schema for {tp!r}")


def dataclass_schema(cls: type, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    props = {f.name: type_schema(hints[f.name]) for f in dataclasses.fields(cls)}
    props.update(extra or {})
    required = [f.name for f in dataclasses.fields(cls)]
    required.extend(extra or {})
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def report_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {}
    pending: list[type] = [
        RunMeta,
        ItemResult,
        Finding,
        OperationCoverage,
        LoadResult,
        ContractResult,
        RunError,
        SuiteSetup,
        Comparison,
    ]
    while pending:
        cls = pending.pop()
        if cls.__name__ in defs:
            continue
        extra = {"fingerprint": {"type": "string", "pattern": "^[0-9a-f]{16}$"}} if cls is Finding else None
        defs[cls.__name__] = dataclass_schema(cls, extra)
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            for arg in (hints[f.name], *typing.get_args(hints[f.name])):
                if dataclasses.is_dataclass(arg) and isinstance(arg, type):
                    pending.append(arg)

    def array(name: str) -> dict[str, Any]:
        return {"type": "array", "items": {"$ref": f"#/$defs/{name}"}}

    counts = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "apitest report",
        "type": "object",
        "properties": {
            "schema_version": {"const": SCHEMA_VERSION},
            "verdict": {"enum": ["passed", "failed", "error", "incomplete"]},
            "meta": {"$ref": "#/$defs/RunMeta"},
            "summary": {
                "type": "object",
                "properties": {
                    "items": {"type": "integer"},
                    "outcomes": counts,
                    "findings": {"type": "integer"},
                    "warnings": {"type": "integer"},
                    "findings_by_source": counts,
                    "findings_by_severity": counts,
                    "cases": {"type": "integer"},
                    "errors": {"type": "integer"},
                    "operations": counts,
                },
                "required": [
                    "items",
                    "outcomes",
                    "findings",
                    "warnings",
                    "findings_by_source",
                    "findings_by_severity",
                    "cases",
                    "errors",
                    "operations",
                ],
            },
            "items": array("ItemResult"),
            "findings": array("Finding"),
            "coverage": array("OperationCoverage"),
            "load": array("LoadResult"),
            "contracts": array("ContractResult"),
            "errors": array("RunError"),
            "setups": array("SuiteSetup"),
            "baseline": {"anyOf": [{"$ref": "#/$defs/Comparison"}, {"type": "null"}]},
        },
        "required": [
            "schema_version",
            "verdict",
            "meta",
            "summary",
            "items",
            "findings",
            "coverage",
            "load",
            "contracts",
            "errors",
            "setups",
            "baseline",
        ],
        "additionalProperties": False,
        "$defs": dict(sorted(defs.items())),
    }
