"""Contract items: per HTTP interaction of every pact of a suite, one provider verification and one spec cross-check.

apitest.toml::verify[storefront→bookstore: a request for a book]
apitest.toml::crosscheck[storefront→bookstore: a request for a book]
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

from ..errors import ApitestError
from ..items import ApitestItem, ItemOutcome
from ..results import ContractResult, Finding, Outcome, Severity, Source
from ..stash import RUNTIME_KEY
from .findings import BASE_URL_PLACEHOLDER, gap_finding, verdict_findings
from .sources import load_pacts

if TYPE_CHECKING:
    from ..runtime import Runtime
    from ..settings import Suite
    from .crosscheck import SpecIndex
    from .pactfile import Interaction, PactDocument
    from .verification import PactVerification


def collect_contracts(parent: pytest.Collector, suite: Suite) -> Iterator[pytest.Item]:
    settings = suite.contracts
    if not (settings.verify or settings.crosscheck):
        return
    runtime = parent.config.stash[RUNTIME_KEY]
    documents = runtime.cached("contracts:pacts", str(suite.file), lambda: load_pacts(settings, str(suite.file)))
    seen: set[str] = set()
    for document in documents:
        for interaction in document.interactions:
            label = _label(document, interaction, seen)
            if settings.verify:
                yield ContractVerifyItem.from_parent(
                    parent, name=f"verify[{label}]", suite=suite, document=document, interaction=interaction
                )
            if settings.crosscheck:
                yield ContractCrosscheckItem.from_parent(
                    parent, name=f"crosscheck[{label}]", suite=suite, document=document, interaction=interaction
                )


def _label(document: PactDocument, interaction: Interaction, seen: set[str]) -> str:
    label = f"{document.consumer}→{document.provider}: {interaction.description}"
    if label in seen and interaction.states:
        label += " (given " + ", ".join(s.name for s in interaction.states) + ")"
    base, n = label, 2
    while label in seen:
        label, n = f"{base} #{n}", n + 1
    seen.add(label)
    return label


class _ContractItem(ApitestItem):
    source = Source.CONTRACT
    mode = ""

    def __init__(self, *, document: PactDocument, interaction: Interaction, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.document = document
        self.interaction = interaction

    def spec_index(self) -> SpecIndex:
        from .crosscheck import SpecIndex

        document = self.runtime.document(self.suite)
        return self.runtime.cached("contracts:spec-index", str(self.suite.file), lambda: SpecIndex(document))

    def operation(self) -> str:
        """`METHOD /template` when the spec documents the request's path, else `METHOD /the/path`."""
        request = self.interaction.request
        try:
            found = self.spec_index().match(request.path)
        except ApitestError:  # no readable spec: verification does not need one
            found = None
        return f"{request.method} {found.template if found else request.path}"

    def outcome(self, findings: list[Finding]) -> ItemOutcome:
        if (
            self.interaction.pending
        ):  # a pending interaction must not break the provider's build (pact's "pending pacts")
            findings = [dataclasses.replace(f, severity=Severity.LOW, title="(pending) " + f.title) for f in findings]
        self.runtime.record(
            ContractResult(
                suite=self.suite.name,
                consumer=self.document.consumer,
                provider=self.document.provider,
                interaction=self.interaction.description,
                mode=self.mode,
                outcome=Outcome.FAILED if findings else Outcome.PASSED,
                findings=len(findings),
            )
        )
        return ItemOutcome(findings=findings, cases=1)


class ContractVerifyItem(_ContractItem):
    """Replays the interaction against the running provider with pact's verifier."""

    mode = "verify"

    def execute(self) -> ItemOutcome:
        runtime, suite = self.runtime, self.suite
        base_url = runtime.base_url(suite)
        key = f"{suite.file}\x1f{self.document.source}"
        verification = runtime.cached("contracts:verification", key, lambda: self._verification(runtime, base_url))
        verdict = verification.verdict(self.interaction.index)
        findings = verdict_findings(
            self.document,
            self.interaction,
            verdict,
            operation=self.operation(),
            base_url=base_url,
            headers=verification.headers,
        )
        return self.outcome(findings)

    def _verification(self, runtime: Runtime, base_url: str) -> PactVerification:
        from .states import load_handler, no_handler
        from .verification import PactVerification

        settings = self.suite.contracts
        handler = (
            load_handler(settings.states, self.suite.root, str(self.suite.file)) if settings.states else no_handler
        )
        order = [
            item.interaction.index
            for item in self.session.items
            if isinstance(item, ContractVerifyItem)
            and item.suite.file == self.suite.file
            and item.document.source == self.document.source
        ]
        return PactVerification(
            self.document,
            base_url=base_url,
            handler=handler,
            headers=dict(self.suite.auth.headers) if settings.send_auth else {},
            timeout_s=settings.timeout,
            request_timeout_s=settings.request_timeout,
            order=order or [self.interaction.index],
        )


class ContractCrosscheckItem(_ContractItem):
    """Checks the interaction against the provider's OpenAPI document, without calling the provider."""

    mode = "crosscheck"

    def execute(self) -> ItemOutcome:
        index = self.spec_index()
        result = index.check(self.interaction)
        operation = result.operation or f"{self.interaction.request.method} {self.interaction.request.path}"
        base_url = self._base_url()
        findings = [
            gap_finding(self.document, self.interaction, gap, operation=operation, base_url=base_url)
            for gap in result.gaps
        ]
        return self.outcome(findings)

    def _base_url(self) -> str:
        """For the curl line: never starts the provider just for that."""
        return self.runtime.known_base_url(self.suite) or BASE_URL_PLACEHOLDER
