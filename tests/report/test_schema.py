from __future__ import annotations

import json
from pathlib import Path

import jsonschema

import apitest.report
from apitest.report.schema import report_schema
from apitest.results import Finding, RunMeta, RunResult, Source


def test_committed_schema_is_the_generated_one():
    committed = json.loads((Path(apitest.report.__file__).parent / "schema.json").read_text())
    assert committed == report_schema(), "regenerate it: apitest schema > apitest/report/schema.json"


def test_schema_is_valid_and_rejects_garbage():
    schema = report_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    good = RunResult(meta=RunMeta(started=1.0), findings=[Finding(Source.FUZZ, "c", None, "t")]).to_dict()
    jsonschema.validate(good, schema)
    bad = dict(good, verdict="maybe")
    assert list(jsonschema.Draft202012Validator(schema).iter_errors(bad))
