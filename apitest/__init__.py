"""apitest: fuzz, contract and load test an HTTP API in one pytest run, with one report.

Importing apitest imports no engine (schemathesis, pact, locust): each is imported inside its adapter.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .errors import ApitestError
from .results import Finding, RunResult, Severity, Source

try:
    __version__ = version("apitest")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["ApitestError", "Finding", "RunResult", "Severity", "Source", "__version__"]
