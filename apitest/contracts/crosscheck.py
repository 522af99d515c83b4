"""Pact against OpenAPI, offline: does the provider's spec promise everything a consumer's pact relies on?

For each HTTP interaction the request must match a documented operation (`routes`), carry its parameters and
credentials as documented (`parameters`, `security`), negotiate media types the operation has (`requests`), and
the response must be documented for its status with its headers, content type and body (`responses`); bodies are
walked with their matching rules (`bodies`). Schemas are converted once per document (`schema`).

A gap that would break the consumer is an error (high or medium); one that only weakens the contract (a standard
header the spec leaves out, an example a matcher covers) is a warning (low).

A pact that expects a documented error status is a negative test: a request that breaks the spec the way that
error describes (a 400 for a bad body, query or header; a 401/403 without credentials; a 406 for an Accept the
operation cannot produce; a 415 for an undocumented Content-Type) is what it tests, not a gap.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from ..results import Severity
from .gaps import NEGATIVE_TESTS, CrossCheck, Gap
from .openapi import OpenAPI
from .pactfile import Interaction
from .requests import RequestCheck
from .responses import ResponseCheck
from .routes import RouteMatch, Routes
from .schema import Schemas, normalise

__all__ = ["CrossCheck", "Gap", "SpecIndex"]


class SpecIndex:
    """One OpenAPI document, indexed for checking many interactions against it."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document: dict[str, Any] = normalise(document)
        self.schemas = Schemas(self.document)
        self.openapi = OpenAPI(self.document, self.schemas)
        self.routes = Routes(self.document)
        self.swagger = self.schemas.swagger

    def match(self, path: str) -> RouteMatch | None:
        return self.routes.match(path)

    def check(self, interaction: Interaction) -> CrossCheck:
        request = interaction.request
        at = interaction.pact_path
        found = self.match(request.path)
        if found is None:
            gap = Gap(
                "crosscheck.undocumented_operation",
                f"{request.method} {request.path} is not a documented path",
                f"No path template of the spec matches {request.path!r} (#/paths); document the endpoint or fix the "
                "pact's path.",
                Severity.HIGH,
                location="path",
                expected=self.routes.templates[:20],
                actual=f"{request.method} {request.path}",
                pact_path=f"{at}.request.path",
                spec_path="#/paths",
            )
            return _pending(interaction, CrossCheck(None, (gap,)))
        label = f"{request.method} {found.template}"
        operation = self.openapi.operation(request.method, found.template)
        if operation is None:
            documented = self.openapi.methods(found.template)
            _, item_at = self.openapi.path_item(found.template)
            gap = Gap(
                "crosscheck.undocumented_operation",
                f"{label} is not documented",
                f"{found.template} documents {', '.join(documented) or 'no methods'} (#{item_at}), not "
                f"{request.method}; document the operation or fix the pact's method.",
                Severity.HIGH,
                location="method",
                expected=documented,
                actual=request.method,
                pact_path=f"{at}.request.method",
                spec_path="#" + item_at,
            )
            return _pending(interaction, CrossCheck(label, (gap,)))
        gaps = RequestCheck(operation, request, found, self.schemas, at).run()
        response_gaps = ResponseCheck(operation, interaction.response, self.schemas, at, request.method).run()
        status = interaction.response.status
        documented_status = operation.response(status) is not None
        tested = NEGATIVE_TESTS.get(status, frozenset()) if documented_status else frozenset()
        negative = tuple(g for g in gaps if g.kind and g.kind in tested)
        kept = tuple(g for g in gaps if g not in negative) + tuple(response_gaps)
        return _pending(interaction, CrossCheck(label, kept, negative))


def _pending(interaction: Interaction, result: CrossCheck) -> CrossCheck:
    """A pending interaction (pact's "pending pacts") must not break the provider's build: its gaps are warnings."""
    if not interaction.pending:
        return result
    gaps = tuple(dataclasses.replace(g, severity=Severity.LOW, title="(pending) " + g.title) for g in result.gaps)
    return dataclasses.replace(result, gaps=gaps)
