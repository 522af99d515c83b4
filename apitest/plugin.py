"""The pytest plugin (entry point `pytest11: apitest`): options, suite collection, recording, reports, exit status.

It imports no engine: schemathesis, pact and locust are imported inside their adapters when an item runs.
"""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .baseline import DEFAULT_GATE, DEFAULT_TOLERANCE, GateSettings, parse_gate, parse_tolerance, read_report
from .config import OVERRIDES, REPORT_FORMATS, SUITE_FILE, find_suite_file
from .errors import ApitestError
from .items import MARKERS
from .results import Outcome, RunError
from .runtime import Runtime
from .session import Session
from .stash import COLLECT_ERRORS_KEY, RUNTIME_KEY, SESSION_KEY

# The consumer side's `pact` fixture; pytest registers modules named here with this plugin. It imports no engine.
pytest_plugins = ["apitest.contracts.fixtures"]

REPORT_DIR_HELP = "Folder for report.json, report.html, summary.md and junit.xml (default: ./apitest-report)."
FORMATS_HELP = "Report formats to write, comma-separated: html,json,junit,md (default: all)."
BASELINE_HELP = "An earlier run's report.json: findings are classified new/fixed/persisting, load metrics compared."
GATE_HELP = "What fails the run: 'all' findings (default) or only 'new' findings and load regressions vs the baseline."
TOLERANCE_HELP = "How much worse p95/p99/error rate/rps of a load profile may get vs the baseline (default: 10%%)."

GATE_KEY = pytest.StashKey[GateSettings]()


# pytest marks every installed package with a pytest11 entry point for assertion rewriting, so importing an engine
# from an item recompiles it whole wherever bytecode is not cached (~400 modules, ~2.5 s a run measured here).
# Their asserts (and apitest's own) are not test asserts: leave them alone. Test files are still rewritten as usual.
UNREWRITTEN_PACKAGES = ("schemathesis", "hypothesis", "pact", "locust", "apitest")


def _skip_rewriting_engines(pluginmanager: pytest.PytestPluginManager) -> None:
    must_rewrite = getattr(getattr(pluginmanager, "rewrite_hook", None), "_must_rewrite", None)
    if isinstance(must_rewrite, set):
        must_rewrite.difference_update(UNREWRITTEN_PACKAGES)


def pytest_addoption(parser: pytest.Parser, pluginmanager: pytest.PytestPluginManager) -> None:
    _skip_rewriting_engines(pluginmanager)
    group = parser.getgroup("apitest", "API fuzz, contract and load testing")
    for o in OVERRIDES:
        group.addoption(o.option, dest=o.dest, default=None, help=f"{o.help} [env {o.env}]")
    group.addoption("--apitest-report-dir", dest="apitest_report_dir", default=None, help=REPORT_DIR_HELP)
    parser.addini("apitest_report_dir", REPORT_DIR_HELP)
    group.addoption("--apitest-formats", dest="apitest_formats", default=None, help=FORMATS_HELP)
    parser.addini("apitest_formats", FORMATS_HELP)
    for name, text in (("baseline", BASELINE_HELP), ("gate", GATE_HELP), ("tolerance", TOLERANCE_HELP)):
        env = f"APITEST_{name.upper()}"
        group.addoption(f"--apitest-{name}", dest=f"apitest_{name}", default=None, help=f"{text} [env {env}]")
        parser.addini(f"apitest_{name}", text)


def _setting(config: pytest.Config, name: str, default: str) -> str:
    """CLI > APITEST_* env > ini > default."""
    value = (
        config.getoption(f"apitest_{name}")
        or os.environ.get(f"APITEST_{name.upper()}")
        or config.getini(f"apitest_{name}")
    )
    return str(value) if value else default


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if isinstance(getattr(config.option, "keyword", None), str):
        config.option.keyword = operation_keyword(config.option.keyword)
    for marker in MARKERS.values():
        config.addinivalue_line("markers", f"{marker}: apitest {marker.removeprefix('apitest_')} items")
    root = Path(config.invocation_params.dir)
    report_dir = (root / _setting(config, "report_dir", "apitest-report")).resolve()
    formats = tuple(f.strip() for f in _setting(config, "formats", ",".join(REPORT_FORMATS)).split(",") if f.strip())
    for f in formats:
        if f not in REPORT_FORMATS:
            raise pytest.UsageError(
                f"--apitest-formats: unknown format {f!r}; choose from {', '.join(REPORT_FORMATS)}."
            )
    session = Session(report_dir=report_dir, argv=tuple(config.invocation_params.args), formats=formats)
    cli = {o.dest: _parse_option(o, config.getoption(o.dest)) for o in OVERRIDES}
    worker = getattr(config, "workerinput", None)
    if worker is None:
        session.reset()
        config.stash[SESSION_KEY] = session
        config.stash[GATE_KEY] = _gate_settings(config, root)
    config.stash[RUNTIME_KEY] = Runtime(session.records, worker["workerid"] if worker else "main", cli)


def operation_keyword(expression: str) -> str:
    """`-k "GET /v1/books/{book_id}"` (an operation as written in a spec) read as `-k "GET and /v1/books/ and book_id"`.

    pytest's `-k` takes words joined by and/or/not and no braces, so it rejects such an expression outright; only an
    expression pytest rejects, made of plain words, is rewritten: every valid one keeps its meaning.
    """
    try:
        from _pytest.mark.expression import Expression
    except ImportError:  # pragma: no cover - a pytest without it: leave -k to pytest
        return expression
    if not expression.strip():
        return expression
    try:
        Expression.compile(expression)
        return expression
    except SyntaxError:
        pass
    words = [w for w in re.split(r"[\s{}]+", expression) if w]
    if not words or any(w in ("and", "or", "not") or not re.fullmatch(r"[\w:+\-.\[\]\\/]+", w) for w in words):
        return expression
    return " and ".join(words)


def _gate_settings(config: pytest.Config, root: Path) -> GateSettings:
    try:
        gate = parse_gate(_setting(config, "gate", DEFAULT_GATE), "--apitest-gate")
        tolerance = parse_tolerance(_setting(config, "tolerance", f"{DEFAULT_TOLERANCE:.0%}"), "--apitest-tolerance")
        path = _setting(config, "baseline", "")
        # Read now, before this run can overwrite it, and so a wrong path fails before minutes of testing.
        baseline = read_report(root / path, "--apitest-baseline") if path else None
    except ApitestError as exc:
        raise pytest.UsageError(str(exc)) from exc
    return GateSettings(gate=gate, tolerance=tolerance, baseline_path=path or None, baseline=baseline)


def _parse_option(o: Any, value: Any) -> Any:
    if value is None:
        return None
    try:
        return o.parse(value)
    except ValueError:
        raise pytest.UsageError(f"{o.option}={value!r} is not valid: {o.help}") from None


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name == SUITE_FILE or (
        file_path.name == "pyproject.toml" and find_suite_file(file_path.parent) == file_path
    ):
        return SuiteFile.from_parent(parent, path=file_path)
    return None


class SuiteFile(pytest.File):
    """A suite file: yields the fuzz, contract and load items of its target."""

    def collect(self) -> Iterator[pytest.Item]:
        runtime = self.config.stash[RUNTIME_KEY]
        try:
            suite = runtime.suite(self.path)
            # Each side is imported only by suites that use it: contracts bring jsonschema, load brings more.
            if suite.fuzz.enabled:
                from .fuzz.items import collect_fuzz

                yield from collect_fuzz(self, suite)
            if suite.contracts.pacts and (suite.contracts.verify or suite.contracts.crosscheck):
                from .contracts.items import collect_contracts

                yield from collect_contracts(self, suite)
            if suite.load.profiles:
                from .load.items import collect_load

                yield from collect_load(self, suite)
        except ApitestError as exc:
            # pytest turns an exit raised inside a collector into a collection error with a traceback, so the
            # error waits for pytest_collection_modifyitems, where pytest.exit ends the run with status 4.
            runtime.record(RunError(message=str(exc), item=str(self.path)))
            self.config.stash.setdefault(COLLECT_ERRORS_KEY, []).append(str(exc))


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config) -> None:
    errors = config.stash.get(COLLECT_ERRORS_KEY, [])
    if errors:
        pytest.exit(f"apitest: {errors[0]}", returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(SESSION_KEY, None)
    if state is None:  # an xdist worker: the controller reports
        return
    interrupted = exitstatus == pytest.ExitCode.INTERRUPTED
    result = state.finish(int(exitstatus), complete=not interrupted and exitstatus != pytest.ExitCode.USAGE_ERROR)
    if not result.items and not result.errors:
        return
    from .baseline import compare, gate_passed
    from .report import write_reports
    from .report.markdown import append_step_summary

    gate = session.config.stash.get(GATE_KEY, GateSettings())
    comparison = None
    if gate.baseline is not None:
        comparison = compare(result, gate.baseline, tolerance=gate.tolerance, path=gate.baseline_path or "")
        result.baseline = comparison.to_dict(gate.gate)
    passed = gate_passed(result, gate, comparison)
    if result.errors and exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    elif not passed and exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    elif passed and result.findings and exitstatus == pytest.ExitCode.TESTS_FAILED:
        # --apitest-gate=new: items that failed only on findings the baseline already had do not fail the run;
        # any other failure (an item error, a user's own test) still does.
        known = sum(1 for i in result.items if i.outcome is Outcome.FAILED)
        if session.testsfailed <= known:
            session.exitstatus = pytest.ExitCode.OK
    result.meta = dataclasses.replace(result.meta, exit_status=int(session.exitstatus))
    state.written = write_reports(result, state.report_dir, state.formats)
    append_step_summary(result)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(SESSION_KEY, None)
    if state is None or state.result is None or not state.written:
        return
    from .report.terminal import summary_lines

    terminalreporter.section("apitest")
    for line in summary_lines(state.result, state.written):
        terminalreporter.write_line(line)


def pytest_unconfigure(config: pytest.Config) -> None:
    runtime = config.stash.get(RUNTIME_KEY, None)
    if runtime is not None:
        runtime.close()
