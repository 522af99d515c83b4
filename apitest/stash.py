"""Keys of apitest's state in `config.stash`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .runtime import Runtime
    from .session import Session
    from .signals import Interruption

RUNTIME_KEY: pytest.StashKey[Runtime] = pytest.StashKey()
SESSION_KEY: pytest.StashKey[Session] = pytest.StashKey()
COLLECT_ERRORS_KEY: pytest.StashKey[list[str]] = pytest.StashKey()
SUITES_KEY: pytest.StashKey[list[Path]] = pytest.StashKey()  # suite files collected
INTERRUPTION_KEY: pytest.StashKey[Interruption] = pytest.StashKey()  # which signal ended the run, if any
