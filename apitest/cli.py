"""`apitest`: a thin front over pytest.

apitest run [PATH ...] [OPTIONS]        run suites (folders with apitest.toml); every option is pytest's or apitest's
apitest demo [--buggy] [OPTIONS]        serve the embedded demo API on 127.0.0.1 and run its suite
apitest report REPORT.json [...]        re-render a report, or compare two (--diff A B)
apitest replay REPORT.json [FP ...]     send findings' requests again and say whether each still fails
apitest schema [--suite]                the JSON Schema of report.json (or of a suite file)
apitest contracts check --spec S PACTS  can this provider version ship? (pacts against a candidate spec)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .errors import ApitestError, EngineMissingError, did_you_mean

DEMO_BUGGY_APP = "apitest.demo.app:buggy_app"
COMMANDS = ("run", "demo", "report", "replay", "schema", "contracts")
USAGE_ERROR = 4

USAGE = f"""\
usage: apitest COMMAND [ARGS]

Fuzz, contract and load test an HTTP API in one pytest run, with one report.

commands:
  run [PATH ...] [OPTIONS]     run the suites under PATH (default: the current folder)
  demo [--buggy] [OPTIONS]     serve the embedded demo API on 127.0.0.1 and run its suite
  report REPORT.json [...]     re-render a report, or compare two runs (--diff OLD NEW)
  replay REPORT.json [FP ...]  send findings' requests again: does each still fail? (--base-url URL)
  schema [--suite]             print the JSON Schema of report.json (--suite: of apitest.toml)
  contracts check --spec SPEC PACTS...
                               can this provider version ship? Every consumer's pacts against a candidate spec
  --version                    print apitest's version

`apitest run --help` lists apitest's options; every pytest option works too (-k, -m, -n, -x, ...).
Exit status: 0 clean, 1 findings or failed gates, 2 interrupted, 4 a usage or setup error.
apitest {__version__}"""

RUN_USAGE = """\
usage: apitest run [PATH ...] [OPTIONS]

Runs the suites under each PATH (a folder with an apitest.toml, or a pyproject.toml with [tool.apitest]) through
pytest. Settings resolve in the order: command line > APITEST_* environment > apitest_* ini key > suite file >
default. Every pytest option works too (see `pytest --help`): -k "GET /v1/books/{book_id}", -m apitest_fuzz, -n 2."""


class CommandLine:
    """Registered with pytest as `apitest-command` (pluggy names a plugin by its `__name__`): the command as the
    user typed it, for the report, and the sign that the run came through the `apitest` command."""

    def __init__(self, command: Sequence[str]) -> None:
        self.command = tuple(command)
        self.__name__ = "apitest-command"  # plugin.COMMAND_PLUGIN; not imported here, to keep pytest out of --help


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if args else USAGE_ERROR
    if args[0] == "--version":
        print(f"apitest {__version__}")
        return 0
    command, rest = args[0], args[1:]
    try:
        if command == "report":
            from .report.rerender import main as report_main

            return int(report_main(rest))
        if command == "replay":
            from .fuzz.replay import main as replay_main

            return replay_main(rest)
        if command == "schema":
            return _schema(rest)
        if command == "contracts":
            from .contracts.deploy import main as contracts_main

            return contracts_main(rest)
        if command == "run":
            if _asks_help(rest):
                from .options import usage

                print(RUN_USAGE + "\n" + usage())
                return 0
            return run_pytest(rest, ("apitest", *args))
        if command == "demo":
            return _demo(rest, ("apitest", *args))
    except ApitestError as exc:
        print(f"ERROR: apitest: {exc}", file=sys.stderr)
        return USAGE_ERROR
    hint = did_you_mean(command, COMMANDS) or f" The commands are: {', '.join(COMMANDS)}."
    print(f"ERROR: apitest: unknown command {command!r}.{hint} See `apitest --help`.", file=sys.stderr)
    return USAGE_ERROR


def _asks_help(args: Sequence[str]) -> bool:
    before = list(args[: args.index("--")]) if "--" in args else list(args)
    return "-h" in before or "--help" in before


def _schema(args: Sequence[str]) -> int:
    if args == ["--suite"]:
        from .settings.schema import suite_schema

        print(json.dumps(suite_schema(), indent=2))
        return 0
    if args:
        raise ApitestError(f"schema takes only --suite, not {' '.join(args)!r}.")
    from .report.schema import report_schema

    print(json.dumps(report_schema(), indent=2))
    return 0


def _demo(args: list[str], command: Sequence[str]) -> int:
    if _asks_help(args):
        print(
            "usage: apitest demo [--buggy] [OPTIONS]\n\nServes the embedded bookstore API on 127.0.0.1 and runs its "
            "suite (fuzz, contracts, load); --buggy serves it with planted bugs. OPTIONS are those of `apitest run`."
        )
        return 0
    try:
        import fastapi  # noqa: F401  - the demo API is a FastAPI app
    except ImportError:
        raise EngineMissingError(
            "apitest demo needs the demo's dependencies (FastAPI): pip install 'apitest[demo]'."
        ) from None
    buggy = "--buggy" in args
    args = [a for a in args if a != "--buggy"]
    suite = Path(__file__).parent / "demo" / "suite"
    # The storefront's consumer tests write their pact; keep it out of the installed package.
    os.environ.setdefault("APITEST_PACT_DIR", tempfile.mkdtemp(prefix="apitest-demo-pacts-"))
    extra = ["--apitest-serve", DEMO_BUGGY_APP] if buggy else []
    return run_pytest([str(suite), *extra, *args], command)


# Plugins a run does not need: schemathesis's own pytest plugin makes pytest assert-rewrite all of schemathesis
# when our fuzz adapter imports it (~2 s a run where bytecode is not cached), Locust's claims --host/-H, and
# pact's only tags FFI logs with test ids but wraps every import (0.7 s of startup); hypothesis's adds options
# and statistics our items do not use; pytest's own unraisableexception runs full garbage collections at the end
# of the session (0.1 s with the engines' heaps) to report exceptions raised in __del__, which Python then prints
# anyway. Name one with -p to keep it (`apitest run -p hypothesispytest`).
UNNEEDED_PLUGINS = ("schemathesis", "locust", "pact", "hypothesispytest", "unraisableexception")


def run_pytest(args: list[str], command: Sequence[str] | None = None) -> int:
    from .options import check_command_line

    check_command_line(args)  # before pytest: argparse would print its usage and no fix
    import pytest

    for name in UNNEEDED_PLUGINS:
        if not any(a in (name, f"no:{name}") for a in args):
            args = ["-p", f"no:{name}", *args]
    _leave_installed_plugins_unrewritten()
    return int(pytest.main(args, plugins=[CommandLine(command or ("apitest", "run", *args))]))


def _leave_installed_plugins_unrewritten() -> None:
    """Do not assert-rewrite the packages of installed pytest plugins (anyio, xdist, ...) in `apitest run`.

    pytest marks every package that ships a pytest11 entry point for assertion rewriting, and where bytecode is
    not cached (PYTHONDONTWRITEBYTECODE) it re-parses and recompiles them on every run: ~0.2 s of start-up here.
    Their asserts are not the user's tests. Test files, conftest.py, `-p` plugins, `pytest_plugins` and
    `pytest.register_assert_rewrite` are still rewritten as usual; plain `pytest` is left as it is.
    """
    from _pytest.config import Config

    mark = getattr(Config, "_mark_plugins_for_rewrite", None)
    if mark is None or getattr(mark, "_apitest", False):
        return

    def mark_nothing(self: Config, hook: Any, *args: Any, **kwargs: Any) -> None:
        mark(self, _NoMarks(hook), *args, **kwargs)
        self.pluginmanager.rewrite_hook = hook  # what pytest uses from here on: `-p`, conftest, ... still mark

    mark_nothing._apitest = True  # type: ignore[attr-defined]
    Config._mark_plugins_for_rewrite = mark_nothing  # type: ignore[method-assign]


class _NoMarks:
    """pytest's assertion-rewriting hook, with marking turned off (and no "already imported" warnings)."""

    def __init__(self, hook: Any) -> None:
        self._hook = hook

    def mark_rewrite(self, *names: str) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self._hook, name)


if __name__ == "__main__":
    sys.exit(main())
