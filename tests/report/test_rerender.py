from __future__ import annotations

import json
from pathlib import Path

import pytest

from apitest.cli import main as cli_main
from apitest.report.rerender import main

from .samples import load_result, sample_run


@pytest.fixture
def reports(tmp_path: Path) -> tuple[Path, Path]:
    old = sample_run()
    old.findings = old.findings[1:]
    old.load = [load_result(p95=40.0)]
    (tmp_path / "old").mkdir()
    (tmp_path / "new").mkdir()
    (tmp_path / "old" / "report.json").write_text(json.dumps(old.to_dict()))
    (tmp_path / "new" / "report.json").write_text(json.dumps(sample_run().to_dict()))
    return tmp_path / "old" / "report.json", tmp_path / "new" / "report.json"


def test_rerender_every_format(reports, tmp_path: Path, capsys):
    _, new = reports
    out = tmp_path / "out"
    args = [
        str(new),
        "--html",
        str(out / "r.html"),
        "--md",
        str(out / "s.md"),
        "--json",
        str(out / "r.json"),
        "--junit",
        str(out / "j.xml"),
    ]
    assert main(args) == 0
    assert (out / "r.html").read_text().startswith("<!DOCTYPE html>")
    assert (out / "s.md").read_text().startswith("## apitest: ❌ failed")
    assert json.loads((out / "r.json").read_text()) == json.loads(new.read_text())  # lossless round trip
    assert "<testsuites" in (out / "j.xml").read_text()
    assert capsys.readouterr().out.count("wrote ") == 4


def test_rerender_defaults_to_html_beside_the_json(reports):
    _, new = reports
    assert main([str(new)]) == 0
    assert (new.parent / "report.html").is_file()


def test_rerender_with_a_baseline(reports, tmp_path: Path):
    old, new = reports
    assert (
        cli_main(
            [
                "report",
                str(new),
                "--baseline",
                str(old),
                "--json",
                str(tmp_path / "b.json"),
                "--md",
                str(tmp_path / "b.md"),
            ]
        )
        == 0
    )
    baseline = json.loads((tmp_path / "b.json").read_text())["baseline"]
    assert baseline["counts"]["new"] == 1 and baseline["counts"]["regressions"] > 0 and baseline["path"] == str(old)
    assert "### Baseline" in (tmp_path / "b.md").read_text()


def test_diff(reports, capsys):
    old, new = reports
    assert main(["--diff", str(old), str(new)]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"## apitest diff: {old} → {new}\n")
    assert "1 new, 0 fixed, 4 persisting findings" in out and "#### Load regressions" in out
    assert main(["--diff", str(new), str(new)]) == 0
    assert main(["--diff", str(old), str(new), "--tolerance", "200%"]) == 1  # no regression, but still a new finding
    assert "0 load regressions in" in capsys.readouterr().out


def test_diff_json_output(reports, capsys):
    old, new = reports
    capsys.readouterr()
    assert main(["--diff", str(new), str(old), "--format", "json", "--tolerance", "200%"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["fixed"] == 1 and data["counts"]["new"] == 0 and data["regressions"] == []


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "does not exist"), ("[]", "not an apitest report.json"), ("{", "not valid JSON")],
)
def test_bad_input_is_one_clear_line(tmp_path: Path, capsys, content, message):
    path = tmp_path / "report.json"
    if content is not None:
        path.write_text(content)
    assert main([str(path), "--md", str(tmp_path / "x.md")]) == 4
    err = capsys.readouterr().err
    assert err.startswith(f"ERROR: apitest report: {path}") and message in err and len(err.splitlines()) == 1
    assert not (tmp_path / "x.md").exists()


def test_usage_errors(capsys):
    assert main([]) == 4
    err = capsys.readouterr().err
    assert "give a report.json to render, or --diff OLD NEW" in err and len(err.splitlines()) == 1
    assert main(["--diff", "only-one.json"]) == 4
    assert "--diff: expected 2 arguments" in capsys.readouterr().err
    assert main(["x.json", "--tolerance", "ten"]) == 4
