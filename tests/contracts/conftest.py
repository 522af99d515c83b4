from __future__ import annotations

import pytest

from apitest.contracts.crosscheck import SpecIndex

from .builders import SHOP_SPEC


@pytest.fixture(scope="session")
def shop() -> SpecIndex:
    return SpecIndex(SHOP_SPEC)
