"""Every setting, declared once, below every side; and the one function that resolves them.

Declarations are the fields of the settings dataclasses (`Suite` and its tables, `RunSettings`), made with
`fields.setting()`. From them come the suite file's keys and JSON Schema, the `--apitest-*` options, the
`apitest_*` ini keys and the `APITEST_*` variables (see `Setting`). `resolve.given()` reads what a run was given
outside suite files; `resolve_suite()` and `resolve_run()` resolve command line > environment > ini > suite file >
default, and every error names the place the bad value came from.

This package imports nothing of apitest's but `errors`; pydantic is imported only when values are checked.
"""

from __future__ import annotations

from .contracts import ContractSettings
from .fields import Setting, declared
from .fuzz import MODES, PHASES, STATEFUL_PHASE, STATELESS_PHASES, FuzzSettings
from .load import METRICS, TOTAL, LoadProfile, LoadSettings, Slo
from .origins import Origin
from .resolve import Given, expand_env, find_suite_file, given, is_url, resolve_run, resolve_suite, resolve_table
from .run import GATES, REPORT_FORMATS, RunSettings
from .suite import SUITE_FILE, AuthSettings, Credentials, Suite

SETTINGS: tuple[Setting, ...] = (*declared(RunSettings, scope="run"), *declared(Suite))

__all__ = [
    "GATES",
    "METRICS",
    "MODES",
    "PHASES",
    "REPORT_FORMATS",
    "SETTINGS",
    "STATEFUL_PHASE",
    "STATELESS_PHASES",
    "SUITE_FILE",
    "TOTAL",
    "AuthSettings",
    "ContractSettings",
    "Credentials",
    "FuzzSettings",
    "Given",
    "LoadProfile",
    "LoadSettings",
    "Origin",
    "RunSettings",
    "Setting",
    "Slo",
    "Suite",
    "expand_env",
    "find_suite_file",
    "given",
    "is_url",
    "resolve_run",
    "resolve_suite",
    "resolve_table",
]
