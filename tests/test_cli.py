from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from apitest.cli import main
from apitest.report.schema import report_schema

APPS = Path(__file__).parent / "apps"


def apitest(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apitest.cli", *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False
    )


def test_version(capsys):
    try:
        main(["--version"])
    except SystemExit as exc:
        assert exc.code == 0
    assert capsys.readouterr().out.startswith("apitest ")


def test_schema_prints_the_report_schema(capsys):
    assert main(["schema"]) == 0
    assert json.loads(capsys.readouterr().out) == report_schema()


def test_run_passes_unknown_options_to_pytest(tmp_path):
    (tmp_path / "inventory.py").write_text((APPS / "inventory.py").read_text())
    (tmp_path / "apitest.toml").write_text('serve = "inventory:app"\n[fuzz]\nmax_examples = 5\nseed = 1\n')
    result = apitest("run", str(tmp_path), "-k", "health", "-q", "--apitest-formats", "json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed, 4 deselected" in result.stdout  # of 3 operations, stateful and follow-up
    report = json.loads((tmp_path / "apitest-report" / "report.json").read_text())
    assert [i["name"] for i in report["items"]] == ["GET /health"]


def test_run_exit_4_on_missing_suite_file(tmp_path):
    (tmp_path / "apitest.toml").write_text('spec = "missing.yaml"\nbase_url = "http://127.0.0.1:9"\n')
    result = apitest("run", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 4
    assert "missing.yaml: spec file not found" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_schema_suite_prints_a_json_schema_that_checks_suite_files(capsys):
    import tomllib

    import jsonschema

    assert main(["schema", "--suite"]) == 0
    schema = json.loads(capsys.readouterr().out)
    demo = tomllib.loads((Path(__file__).parents[1] / "apitest" / "demo" / "suite" / "apitest.toml").read_text())
    jsonschema.validate(demo, schema)
    for broken, where in (
        ({"fuzz": {"max_exampels": 1}}, "max_exampels"),
        ({"fuzz": {"max_examples": 0}}, "max_examples"),
        ({"load": {"spike": {"shape": "spiky"}}}, "spiky"),
        ({"load": {"spike": {"users": "ten"}}}, "ten"),
    ):
        with pytest.raises(jsonschema.ValidationError, match=where):
            jsonschema.validate({"serve": "a:b", **broken}, schema)
    assert schema["properties"]["fuzz"]["$ref"] == "#/$defs/FuzzSettings"
    assert schema["$defs"]["FuzzSettings"]["properties"]["seed"]["description"].startswith("Seed for data generation")
