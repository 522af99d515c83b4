"""Consumer-driven contracts: Pact consumer tests, provider verification, and pacts checked against the spec.

Only `_pact` imports pact-python, and only when a consumer test or a verification needs it.
"""

from __future__ import annotations

from .states import UnknownStateError

__all__ = ["UnknownStateError"]
