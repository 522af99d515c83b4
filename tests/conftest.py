from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Our property tests check behaviour, never speed: no per-example deadline (a loaded CI machine took 260 ms for one).
settings.register_profile("tests", deadline=None)
settings.register_profile("speedy", max_examples=5, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "tests"))

APPS = Path(__file__).parent / "apps"


@pytest.fixture(autouse=True)
def _lean_pytester_runs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """pytester subprocess runs skip plugins our suites do not use (see apitest/cli.py): ~4 s less each.

    Set after the pytester fixture exists: creating it clears PYTEST_ADDOPTS.
    """
    if "pytester" in request.fixturenames:
        request.getfixturevalue("pytester")
        monkeypatch.setenv("PYTEST_ADDOPTS", "-p no:schemathesis -p no:locust -p no:pact -p no:hypothesispytest")


@pytest.fixture
def inventory_suite(pytester: pytest.Pytester):
    """A pytester folder with the inventory app and a suite serving it; returns a writer for apitest.toml."""
    pytester.makepyfile(inventory=(APPS / "inventory.py").read_text())
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")

    def write(body: str = "", *, app: str = "inventory:app") -> Path:
        path = pytester.path / "apitest.toml"
        path.write_text(f'serve = "{app}"\n[fuzz]\nmax_examples = 10\nseed = 1\n' + body)
        return path

    return write
