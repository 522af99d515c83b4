from __future__ import annotations

import pytest

from apitest.contracts.crosscheck import SpecIndex

from .builders import SHOP_SPEC


@pytest.fixture(scope="session")
def shop() -> SpecIndex:
    return SpecIndex(SHOP_SPEC)


@pytest.fixture(autouse=True)
def _lean_contract_pytester_runs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """pytester subprocess runs without the plugins contract suites do not use (~4 s each with them).

    Set after the pytester fixture exists: creating it clears PYTEST_ADDOPTS.
    """
    if "pytester" in request.fixturenames:
        request.getfixturevalue("pytester")
        monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:schemathesis -p no:locust -p no:pact -p no:hypothesispytest")
