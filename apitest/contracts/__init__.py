"""Consumer-driven contracts: Pact consumer tests, provider verification, and pacts checked against the spec.

Only `_pact` imports pact-python, and only when a consumer test or a verification needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .states import UnknownStateError

__all__ = ["UnknownStateError"]


def __getattr__(name: str) -> Any:
    # `states` brings http.server and ssl: loaded when asked for, not at every pytest start.
    if name == "UnknownStateError":
        from .states import UnknownStateError

        return UnknownStateError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
