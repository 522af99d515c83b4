from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("speedy", max_examples=5)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

APPS = Path(__file__).parent / "apps"


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
