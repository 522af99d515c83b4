"""apitest adds, never subtracts: on the same spec, seed, budget and checks, it reports at least what plain
`schemathesis run` reports, even where one of its own checks fails in front of a real bug."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apitest.target import ServedApp
from tests.parity import Budget, run_apitest, run_schemathesis

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize(("app", "seed"), [("tests.apps.widgets:app", 1), ("tests.apps.inventory:buggy", 3)])
def test_apitest_reports_everything_schemathesis_reports(tmp_path, app, seed):
    module, _, name = app.partition(":")
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps(getattr(__import__(module, fromlist=[name]), name).openapi()))
    budget = Budget(seed=seed, max_examples=15)
    outcomes = []
    for tool in (run_schemathesis, run_apitest):  # a fresh target for each tool
        served = ServedApp(app, ROOT, "test", log=tmp_path / f"{tool.__name__}.log")
        try:
            outcomes.append(tool(spec, served.base_url, budget))
        finally:
            served.close()
    schemathesis, (apitest, own) = outcomes
    assert schemathesis.failures, "the target has planted bugs: both tools must find some"
    assert schemathesis.failures <= apitest.failures, schemathesis.failures - apitest.failures
    if app.endswith("widgets:app"):
        # the practice lapse in front of the bug is reported too, and did not hide the bug behind it
        assert ("POST /widgets", "location_on_201") in own
        assert ("POST /widgets", "not_a_server_error") in apitest.failures
