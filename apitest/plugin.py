"""The pytest plugin (entry point `pytest11: apitest`): options, suite collection, recording, reports, exit status.

It imports no engine: schemathesis, pact and locust are imported inside their adapters when an item runs.
"""

from __future__ import annotations

import dataclasses
import os
import random
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from . import children
from .baseline import GateSettings, read_report
from .errors import ApitestError
from .fuzz.groups import ungrouped
from .items import MARKERS, ApitestItem, safe_repr
from .options import add_options, check_command_line, read_given
from .recorder import WriteFailure
from .results import Outcome, RunError
from .runtime import Runtime
from .session import Session
from .settings import SUITE_FILE, RunSettings, find_suite_file, resolve_run
from .signals import Interruption
from .stash import COLLECT_ERRORS_KEY, INTERRUPTION_KEY, RUNTIME_KEY, SESSION_KEY, SUITES_KEY
from .tally import Planned, Tally

# The consumer side's `pact` fixture; pytest registers modules named here with this plugin. It imports no engine.
pytest_plugins = ["apitest.contracts.fixtures"]

GATE_KEY = pytest.StashKey[GateSettings]()
TALLY_KEY = pytest.StashKey[Tally]()
# The `apitest` command registers an object under this name holding the command as the user typed it.
COMMAND_PLUGIN = "apitest-command"
# An xdist worker's `workeroutput` key for the records its file lacks (plugin._hand_over).
HANDOVER = "apitest_records"


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
    add_options(parser)


def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> None:
    """Before pytest parses the command line: a mistyped `--apitest-*` option gets a "did you mean", not usage."""
    try:
        check_command_line(args)
    except ApitestError as exc:
        raise pytest.UsageError(f"apitest: {exc}") from None


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    if isinstance(getattr(config.option, "keyword", None), str):
        config.option.keyword = operation_keyword(config.option.keyword)
    for marker in MARKERS.values():
        config.addinivalue_line("markers", f"{marker}: apitest {marker.removeprefix('apitest_')} items")
    cwd = Path(config.invocation_params.dir)
    worker = getattr(config, "workerinput", None)
    try:
        given = read_given(config.option, os.environ, config.getini, cwd=cwd, inifile=config.inipath)
        run, _ = resolve_run(given, cwd)
        gate = _gate_settings(run, cwd) if worker is None else GateSettings()
    except ApitestError as exc:
        raise pytest.UsageError(f"apitest: {exc}") from None
    front = config.pluginmanager.get_plugin(COMMAND_PLUGIN)
    command = getattr(front, "command", None) or ("pytest", *config.invocation_params.args)
    session = Session(report_dir=Path(run.report_dir), argv=tuple(command), formats=run.formats)
    # SIGTERM and SIGHUP end the run as Ctrl-C does (exit 2, report written); one that hangs is ended regardless.
    interruption = Interruption(on_overrun=children.kill_all)
    interruption.install()
    config.stash[INTERRUPTION_KEY] = interruption
    if worker is None:
        try:
            session.reset()
        except ApitestError as exc:
            raise pytest.UsageError(f"apitest: {exc}") from None
        config.stash[SESSION_KEY] = session
        config.stash[GATE_KEY] = gate
        config.stash[TALLY_KEY] = tally = Tally()
        config.pluginmanager.register(_TallyHooks(tally), "apitest-tally")
    # Chosen once, on the controller, for every suite that sets no seed; printed and recorded, so any run repeats.
    seed = int(worker["apitest_seed"]) if worker else random.SystemRandom().randrange(1, 2**31)
    if worker and worker.get("apitest_loadgroup"):
        # a worker reads its options from the command line: the controller's switch to loadgroup comes this way
        config.option.loadgroup = True
    worker_id = worker["workerid"] if worker else "main"
    cache_dir = Path(run.cache_dir) if run.cache_dir else None
    config.stash[RUNTIME_KEY] = runtime = Runtime(session.records, worker_id, given, seed, cache_dir=cache_dir)
    session.recorder = runtime.recorder
    if worker is None and config.pluginmanager.hasplugin("xdist"):
        config.pluginmanager.register(_XdistHooks(seed), "apitest-xdist")
        if getattr(config.option, "dist", None) == "load" and front is not None:
            # `apitest run -n N`: xdist's "load" with groups honoured (tests without a group are dealt out one by
            # one), so that each group of a suite's operations is one engine run in one worker (fuzz/groups.py).
            # Through plain pytest, `--dist loadgroup` asks for the same; a user's own `-n` suites keep "load".
            config.option.dist = "loadgroup"
        if getattr(config.option, "dist", None) == "loadgroup":
            # in collection order: the group of the stateful and follow-up items, which waits for the operation
            # groups, is handed out after them (xdist would put larger groups first)
            config.option.loadscopereorder = False


class _XdistHooks:
    """Hooks for xdist only, registered when it is present: the workers use the controller's seed and learn
    whether the run schedules by groups, and the controller learns which items each worker collected, so that
    items lost with a dead worker are named, and takes the records a worker could not write."""

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput["apitest_seed"] = self.seed
        node.workerinput["apitest_loadgroup"] = getattr(node.config.option, "dist", None) == "loadgroup"

    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        tally = node.config.stash.get(TALLY_KEY, None)
        if tally is not None:
            tally.plan_nodeids([ungrouped(i) for i in ids])

    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        handed = getattr(node, "workeroutput", {}).get(HANDOVER)
        state = node.config.stash.get(SESSION_KEY, None)
        if handed and state is not None:
            state.take(handed["name"], handed["lines"], WriteFailure(handed["reason"], handed["errno"]))


def _hand_over(config: pytest.Config) -> None:
    """An xdist worker whose records file does not hold all its records sends them with its `workeroutput`."""
    runtime = config.stash.get(RUNTIME_KEY, None)
    output = getattr(config, "workeroutput", None)
    if runtime is None or not isinstance(output, dict):
        return
    recorder = runtime.recorder
    failure = recorder.check()
    if failure is not None:
        output[HANDOVER] = {
            "name": recorder.name,
            "lines": recorder.lines(),
            "reason": failure.reason,
            "errno": failure.errno,
        }


def pytest_report_header(config: pytest.Config) -> str | None:
    runtime = config.stash.get(RUNTIME_KEY, None)
    given = runtime.given.get("fuzz.seed") if runtime is not None else None
    if runtime is None or given is not None:
        return None
    return f"apitest: seed {runtime.seed} for suites that set none (repeat with --apitest-seed {runtime.seed})"


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


def _gate_settings(run: RunSettings, cwd: Path) -> GateSettings:
    if run.baseline is None:
        return GateSettings(gate=run.gate, tolerance=run.tolerance)
    # Read now, before this run can overwrite it, and so a wrong path fails before minutes of testing.
    path = Path(run.baseline)
    shown = os.path.relpath(path, cwd) if path.is_relative_to(cwd) else str(path)
    return GateSettings(
        gate=run.gate, tolerance=run.tolerance, baseline_path=shown, baseline=read_report(path, "--apitest-baseline")
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name == SUITE_FILE or (
        file_path.name == "pyproject.toml" and find_suite_file(file_path.parent) == file_path
    ):
        parent.config.stash.setdefault(SUITES_KEY, []).append(file_path)
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
            # An error raised inside a collector would be shown as a collection error with a traceback: it waits for
            # pytest_collection_modifyitems, which ends the run with one line and exit status 4.
            self._collect_error(str(exc))
        except Exception as exc:  # a bug of apitest's: still one line and exit 4, never a traceback with locals
            self._collect_error(
                f"{self.path}: apitest failed reading this suite ({type(exc).__name__}: {_first_line(exc)}); "
                "please report it at https://github.com/apitest/apitest/issues with the suite file."
            )

    def _collect_error(self, message: str) -> None:
        runtime = self.config.stash[RUNTIME_KEY]
        masked = runtime.redact(message)
        runtime.record(RunError(message=masked, item=str(self.path)))
        self.config.stash.setdefault(COLLECT_ERRORS_KEY, []).append(masked)

    def repr_failure(self, excinfo: Any, style: Any = None) -> Any:
        return safe_repr(excinfo, self.config.stash[RUNTIME_KEY].redact)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else "no message"


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """In an xdist worker, once it has sent its collection: fuzz items get back their node ids without the
    "@group" suffix xdist's loadgroup adds, so that reports and baselines name them as a single process does."""
    if not hasattr(session.config, "workerinput"):
        return
    for item in session.items:
        group = getattr(item, "group", "")
        if group and item.nodeid.endswith("@" + group):
            item._nodeid = item.nodeid.removesuffix("@" + group)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    errors = config.stash.get(COLLECT_ERRORS_KEY, [])
    if errors:
        items.clear()
        # pytest prints a UsageError once, as "ERROR: ...", and exits 4; the report is still written.
        raise pytest.UsageError(f"apitest: {errors[0]}")
    tally = config.stash.get(TALLY_KEY, None)
    if tally is not None:
        for item in items:
            if isinstance(item, ApitestItem):
                tally.plan(Planned(item.nodeid, item.source, item.suite.name, item.name))
        tally.deselected += sum(1 for item in config.stash.get(DESELECTED_KEY, []) if isinstance(item, ApitestItem))
    front = config.pluginmanager.get_plugin(COMMAND_PLUGIN)
    if front is not None and not config.stash.get(SUITES_KEY, []) and not hasattr(config, "workerinput"):
        looked = ", ".join(str(a) for a in config.args) or str(config.invocation_params.dir)
        raise pytest.UsageError(
            f"apitest: no suite found in {looked}. A suite is a folder with an {SUITE_FILE} (or a pyproject.toml "
            "with [tool.apitest]) that names the API: spec, base_url or serve. Run `apitest demo` to see one."
        )


class _TallyHooks:
    """On the controller (xdist sends its workers' reports there): which items pytest saw finish, or lose with a
    crashed worker (tally.py)."""

    def __init__(self, tally: Tally) -> None:
        self.tally = tally

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        self.tally.start(ungrouped(nodeid))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self.tally.report(ungrouped(report.nodeid), str(report.when), report.outcome, str(report.longrepr or ""))


DESELECTED_KEY = pytest.StashKey[list[pytest.Item]]()


def pytest_deselected(items: list[pytest.Item]) -> None:
    if items:
        items[0].config.stash.setdefault(DESELECTED_KEY, []).extend(items)


def _nothing_to_test(session: pytest.Session) -> str | None:
    """Why a run that found suites tested nothing (pytest's exit status 5), or None if it is not such a run."""
    config = session.config
    suites = config.stash.get(SUITES_KEY, [])
    front = config.pluginmanager.get_plugin(COMMAND_PLUGIN)
    if not suites and front is None:
        return None  # a plain pytest run without suites: pytest's own "no tests ran" is the whole truth
    tally = config.stash.get(TALLY_KEY, None)
    deselected = tally.deselected if tally is not None else 0
    where = ", ".join(str(p) for p in suites) or "the folders given"
    if deselected:
        return (
            f"nothing to test: -k/-m/--lf deselected all {deselected} apitest items of {where}; "
            "widen the selection (`apitest run --collect-only -q` lists them)."
        )
    return (
        f"nothing to test: {where} yielded no items; give the suite a spec with operations, pacts or [load] profiles."
    )


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    interruption = session.config.stash.get(INTERRUPTION_KEY, None)
    if interruption is not None:
        interruption.shield()  # a signal from here on is noted, and the report is still written
    state = session.config.stash.get(SESSION_KEY, None)
    if state is None:  # an xdist worker: the controller reports
        _hand_over(session.config)
        return
    signalled = interruption.signal if interruption is not None else None
    if signalled is not None and exitstatus != pytest.ExitCode.USAGE_ERROR:
        session.exitstatus = exitstatus = pytest.ExitCode.INTERRUPTED
    runtime = session.config.stash.get(RUNTIME_KEY, None)
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED and runtime is not None and signalled is None:
        nothing = _nothing_to_test(session)
        if nothing is not None:  # exit 4 with what was found, never a bare 5
            runtime.record(RunError(message=nothing))
            session.exitstatus = exitstatus = pytest.ExitCode.USAGE_ERROR
            reporter = session.config.pluginmanager.get_plugin("terminalreporter")
            if reporter is not None:
                reporter.write_line(f"ERROR: apitest: {nothing}", red=True, bold=True)
    stopped_by_us = isinstance(session.shouldstop, str) and session.shouldstop.startswith("apitest:")
    lost = _record_missing(session, state, signalled, int(exitstatus))
    unrecorded = state.records_error()
    if unrecorded is not None and runtime is not None:
        # a broken setup: in the report's errors, so exit status 4 below; printed once, in the summary
        state.unrecorded = unrecorded
        runtime.record(RunError(message=unrecorded))
    complete = exitstatus not in (pytest.ExitCode.INTERRUPTED, pytest.ExitCode.USAGE_ERROR) and not lost
    result = state.finish(int(exitstatus), complete=complete)
    if not complete:
        why = signalled or (f"{lost} item{'s' if lost > 1 else ''} without a result" if lost else None)
        result.meta = dataclasses.replace(result.meta, interrupted=why or "interrupted")
    if not result.items and not result.errors:
        return
    from .baseline import compare, gate_passed
    from .report import write_reports
    from .report.markdown import append_step_summary

    gate = session.config.stash.get(GATE_KEY, GateSettings())
    comparison = None
    if gate.baseline is not None:
        comparison = compare(
            result, gate.baseline, tolerance=gate.tolerance, path=gate.baseline_path or "", gate=gate.gate
        )
        result.baseline = comparison
    passed = gate_passed(result, gate, comparison)
    if result.errors and (stopped_by_us or exitstatus in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED)):
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
    try:
        state.written = write_reports(result, state.report_dir, state.formats)
    except OSError as exc:
        # The folder went away or became unwritable during the run: the results are not lost, they go elsewhere.
        fallback = Path(tempfile.mkdtemp(prefix="apitest-report-"))
        result.meta = dataclasses.replace(result.meta, exit_status=int(pytest.ExitCode.USAGE_ERROR))
        state.written = write_reports(result, fallback, state.formats)
        state.unwritable = (
            f"report folder {state.report_dir}: cannot write the report there ({exc.strerror or exc}); "
            f"it was written to {fallback} instead. Choose a folder you can write to (--apitest-report-dir, or report_dir)."
        )
        session.exitstatus = pytest.ExitCode.USAGE_ERROR
    append_step_summary(result)


def _record_missing(session: pytest.Session, state: Session, signalled: str | None, exitstatus: int) -> int:
    """Record every selected item that has no result (never run, or lost with a worker); returns how many."""
    tally = session.config.stash.get(TALLY_KEY, None)
    runtime = session.config.stash.get(RUNTIME_KEY, None)
    if (
        tally is None
        or runtime is None
        or session.config.option.collectonly
        or exitstatus == pytest.ExitCode.USAGE_ERROR
    ):
        return 0
    from .results import ItemResult

    recorded = [r for r in state.gathered() if isinstance(r, ItemResult)]
    if signalled is not None:
        why = f"the run was interrupted ({signalled})"
    elif exitstatus == pytest.ExitCode.INTERRUPTED:
        why = "the run was interrupted"
    elif isinstance(session.shouldstop, str) and session.shouldstop:
        why = f"the run stopped ({session.shouldstop})"
    else:
        why = "no result arrived"
    missing = tally.missing(recorded, why)
    for result in missing:
        runtime.record(result)
    return len(missing)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    state = config.stash.get(SESSION_KEY, None)
    if state is None or state.result is None or not state.written:
        return
    from .report.terminal import summary_lines

    terminalreporter.section("apitest")
    if state.unrecorded:  # before the summary, which says the setup error is shown above
        terminalreporter.write_line(f"ERROR: apitest: {state.unrecorded}", red=True, bold=True)
    for line, markup in summary_lines(state.result, state.written):
        terminalreporter.write_line(line, **markup)
    if state.unwritable:
        terminalreporter.write_line(f"ERROR: apitest: {state.unwritable}", red=True, bold=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    runtime = config.stash.get(RUNTIME_KEY, None)
    if runtime is not None:
        runtime.close()
    interruption = config.stash.get(INTERRUPTION_KEY, None)
    if interruption is not None:
        interruption.restore()
