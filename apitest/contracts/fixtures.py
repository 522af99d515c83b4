"""The consumer side: the `pact` fixture (a pytest plugin module, registered by apitest.plugin).

A consumer test declares interactions on pact-python's own `Pact`, runs its client against the mock server
(`with pact.serve() as server:`), and, when the test passes, the fixture merges the interactions into the pact
file of the suite's pacts folder::

    pytestmark = pytest.mark.apitest_pact(consumer="storefront")

    def test_book(pact):
        pact.upon_receiving("a request for a book").with_request("GET", "/v1/books/1").will_respond_with(200)
        with pact.serve() as server:
            assert Storefront(server.url).book(1) is not None

pact-python is imported when the fixture is first used, never when the plugin loads.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..results import ContractResult, Outcome
from ..settings import find_suite_file
from ..stash import RUNTIME_KEY

if TYPE_CHECKING:
    from pact import Pact

    from ..settings import Suite

MARKER = "apitest_pact"
_REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(consumer, provider=None, specification=None, pact_dir=None): names the pact the `pact` fixture "
        "writes; provider, specification and pact_dir default to the suite's [contracts] settings.",
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


@pytest.fixture
def pact(request: pytest.FixtureRequest) -> Iterator[Pact]:
    """pact-python's `Pact` for this consumer test, merged into the suite's pacts folder when the test passes."""
    from . import _pact

    marker = request.node.get_closest_marker(MARKER)
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    if marker and marker.args:
        options.setdefault("consumer", marker.args[0])
    suite = _suite_of(request)
    settings = suite.contracts if suite else None
    consumer = options.get("consumer")
    provider = options.get("provider") or (settings.provider if settings else None)
    if not consumer or not provider:
        missing = "consumer" if not consumer else "provider"
        pytest.fail(
            f"the `pact` fixture needs a {missing} name: mark the test or module with "
            f"@pytest.mark.{MARKER}(consumer='...', provider='...'), or set [contracts] provider in the suite file.",
            pytrace=False,
        )
    specification = options.get("specification") or (settings.specification if settings else "V4")
    folder = _pact_dir(request, options.get("pact_dir"), suite)
    consumer_pact = _pact.new_pact(str(consumer), str(provider), str(specification))
    yield consumer_pact

    reports = request.node.stash.get(_REPORTS, {})
    passed = "call" in reports and reports["call"].passed
    described = _pact.descriptions(consumer_pact)
    if passed and described and not consumer_pact.served:
        pytest.fail(
            f"{request.node.nodeid}: declared {len(described)} interaction(s) but never ran them against the mock "
            "server; use `with pact.serve() as server:` and call the client inside it.",
            pytrace=False,
        )
    if passed and described:
        with _locked(folder):
            _pact.write_pact(consumer_pact, folder)
    runtime = request.config.stash.get(RUNTIME_KEY, None)
    if runtime is not None:
        for description in described:
            runtime.record(
                ContractResult(
                    suite=suite.name if suite else "",
                    consumer=str(consumer),
                    provider=str(provider),
                    interaction=description,
                    mode="consumer",
                    outcome=Outcome.PASSED if passed else Outcome.FAILED,
                )
            )


def _pact_dir(request: pytest.FixtureRequest, marked: str | None, suite: Suite | None) -> Path:
    """The test's own marker, else the suite's resolved `pact_dir` (which the command line, environment and ini
    override), else a `pact_dir` given for the run, else a pacts/ folder beside the test."""
    if marked:
        return request.path.parent / marked
    if suite is not None:
        return Path(suite.contracts.write_dir)
    runtime = request.config.stash.get(RUNTIME_KEY, None)
    given = runtime.given.get("contracts.pact_dir") if runtime is not None else None
    if given is not None:
        return (given.origin.base or request.path.parent) / str(given.value)
    return request.path.parent / "pacts"


def _suite_of(request: pytest.FixtureRequest) -> Suite | None:
    """The suite whose folder (or a parent folder of it) holds the test file."""
    runtime = request.config.stash.get(RUNTIME_KEY, None)
    folder = request.path.parent
    for _ in range(32):
        found = find_suite_file(folder)
        if found is not None:
            if runtime is not None:
                return runtime.suite(found)
            from ..settings import resolve_suite

            return resolve_suite(found)
        if folder.parent == folder:
            return None
        folder = folder.parent
    return None


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Serialise merges into one folder across xdist workers (pact merges by read-modify-write)."""
    try:
        import fcntl
    except ImportError:  # Windows: xdist workers may race; pact still merges each write
        yield
        return
    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:16]
    with open(Path(tempfile.gettempdir()) / f"apitest-pacts-{digest}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
