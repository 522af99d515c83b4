"""Contract items (provider verification, cross-check against the spec)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from ..config import Suite


def collect_contracts(parent: pytest.Collector, suite: Suite) -> Iterator[pytest.Item]:
    return iter(())
