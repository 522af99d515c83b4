"""`apitest`: a thin front over pytest.

apitest run [PATH ...] [PYTEST OPTIONS]   run suites (folders with apitest.toml); unknown options go to pytest
apitest demo [--buggy] [PYTEST OPTIONS]   serve the embedded demo API on 127.0.0.1 and run its suite
apitest report REPORT.json [...]          re-render a report, or compare two (--diff A B)
apitest schema                            print the JSON Schema of report.json
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__

DEMO_BUGGY_APP = "apitest.demo.app:buggy_app"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="apitest", description="Fuzz, contract and load test an HTTP API in one run.")
    parser.add_argument("--version", action="version", version=f"apitest {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run suites through pytest; unknown options are passed to pytest")
    run.add_argument("paths", nargs="*", help="suite folders or files (default: the current folder)")
    demo = sub.add_parser("demo", help="run the embedded demo API's suite (fuzz, contracts, load)")
    demo.add_argument("--buggy", action="store_true", help="serve the demo with its planted bugs")
    sub.add_parser("schema", help="print the JSON Schema of report.json")
    sub.add_parser(
        "report", help="re-render REPORT.json (--html/--md/--json OUT) or compare two (--diff A B)", add_help=False
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list[:1] == ["report"]:
        from .report.rerender import main as report_main

        return int(report_main(args_list[1:]))
    args, passthrough = _parser().parse_known_args(args_list)
    if args.command == "schema":
        from .report.schema import report_schema

        print(json.dumps(report_schema(), indent=2))
        return 0
    if args.command == "demo":
        suite = Path(__file__).parent / "demo" / "suite"
        # The storefront's consumer tests write their pact; keep it out of the installed package.
        os.environ.setdefault("APITEST_PACT_DIR", tempfile.mkdtemp(prefix="apitest-demo-pacts-"))
        extra = ["--apitest-serve", DEMO_BUGGY_APP] if args.buggy else []
        return run_pytest([str(suite), *extra, *passthrough])
    return run_pytest([*(args.paths or ["."]), *passthrough])


# Plugins a run does not need: schemathesis's own pytest plugin makes pytest assert-rewrite all of schemathesis
# when our fuzz adapter imports it (~2 s a run where bytecode is not cached), Locust's claims --host/-H, and
# pact's only tags FFI logs with test ids but wraps every import (0.7 s of startup); hypothesis's adds options
# and statistics our items do not use; pytest's own unraisableexception runs full garbage collections at the end
# of the session (0.1 s with the engines' heaps) to report exceptions raised in __del__, which Python then prints
# anyway. Name one with -p to keep it (`apitest run -p hypothesispytest`).
UNNEEDED_PLUGINS = ("schemathesis", "locust", "pact", "hypothesispytest", "unraisableexception")


def run_pytest(args: list[str]) -> int:
    import pytest

    for name in UNNEEDED_PLUGINS:
        if not any(a in (name, f"no:{name}") for a in args):
            args = ["-p", f"no:{name}", *args]
    _leave_installed_plugins_unrewritten()
    return int(pytest.main(args))


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
