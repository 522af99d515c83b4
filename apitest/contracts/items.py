"""Contract items: per HTTP interaction of every pact of a suite, one provider verification and one spec cross-check.

apitest.toml::verify[storefront→bookstore: a request for a book]
apitest.toml::crosscheck[storefront→bookstore: a request for a book]
apitest.toml::crosscheck[storefront→bookstore: a book was added]      skipped: a message, not checked against OpenAPI
apitest.toml::pact[pacts/broken.json]                                  error: the file cannot be read (exit 4)
apitest.toml::pacts[provider 'bookstore']                              error: no pact names that provider (exit 4)
apitest.toml::pact[pacts/empty.json]                                   error: the pact holds no interactions (exit 4)

A warning (a low-severity gap, or a finding of a pending interaction) is reported and fails nothing, unless
`[contracts] strict` is set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..errors import ApitestError, ConfigError, PactFileError, did_you_mean
from ..items import ApitestItem, ItemOutcome
from ..results import ContractResult, Finding, Outcome, Severity, Source
from ..stash import RUNTIME_KEY
from .findings import BASE_URL_PLACEHOLDER, gap_finding, verdict_findings
from .sources import Pacts, Unreadable, load_pacts

if TYPE_CHECKING:
    from ..runtime import Runtime
    from ..settings import Suite
    from .crosscheck import SpecIndex
    from .pactfile import Interaction, OtherInteraction, PactDocument
    from .verification import PactVerification


def collect_contracts(parent: pytest.Collector, suite: Suite) -> Iterator[pytest.Item]:
    settings = suite.contracts
    if not (settings.verify or settings.crosscheck):
        return
    runtime = parent.config.stash[RUNTIME_KEY]
    pacts: Pacts = runtime.cached("contracts:pacts", str(suite.file), lambda: load_pacts(settings, str(suite.file)))
    for unreadable in pacts.unreadable:
        yield UnreadablePactItem.from_parent(
            parent, name=f"pact[{unreadable.source}]", suite=suite, unreadable=unreadable
        )
    if settings.provider is not None and not pacts.documents and (pacts.providers or pacts.unreadable):
        yield ProviderMismatchItem.from_parent(
            parent, name=f"pacts[provider {settings.provider!r}]", suite=suite, pacts=pacts
        )
    seen: set[str] = set()
    mode = "crosscheck" if settings.crosscheck else "verify"
    for document in pacts.documents:
        if not document.interactions and not document.others:
            yield EmptyPactItem.from_parent(parent, name=f"pact[{document.source}]", suite=suite, document=document)
            continue
        for interaction in document.interactions:
            label = _label(document, interaction.description, interaction.states, seen)
            if settings.verify:
                yield ContractVerifyItem.from_parent(
                    parent, name=f"verify[{label}]", suite=suite, document=document, interaction=interaction
                )
            if settings.crosscheck:
                yield ContractCrosscheckItem.from_parent(
                    parent, name=f"crosscheck[{label}]", suite=suite, document=document, interaction=interaction
                )
        for other in document.others:
            label = _label(document, other.description, other.states, seen)
            yield NotCheckedItem.from_parent(
                parent, name=f"{mode}[{label}]", suite=suite, document=document, other=other, mode=mode
            )


def _label(document: PactDocument, description: str, states: tuple[Any, ...], seen: set[str]) -> str:
    label = f"{document.consumer}→{document.provider}: {description}"
    if label in seen and states:
        label += " (given " + ", ".join(s.name for s in states) + ")"
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
        if self.interaction.pending and self.mode == "verify":
            # a pending interaction must not break the provider's build (pact's "pending pacts")
            findings = [dataclasses.replace(f, severity=Severity.LOW, title="(pending) " + f.title) for f in findings]
        if not self.suite.contracts.strict:
            findings = [dataclasses.replace(f, warning=True) if f.severity is Severity.LOW else f for f in findings]
        failing = [f for f in findings if not f.warning]
        self.runtime.record(
            ContractResult(
                suite=self.suite.name,
                consumer=self.document.consumer,
                provider=self.document.provider,
                interaction=self.interaction.description,
                mode=self.mode,
                outcome=Outcome.FAILED if failing else Outcome.PASSED,
                findings=len(findings),
                note=f"{len(findings) - len(failing)} warning(s), failing nothing" if findings and not failing else "",
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


class NotCheckedItem(ApitestItem):
    """A message interaction: listed, with why it is neither verified nor checked against OpenAPI."""

    source = Source.CONTRACT

    def __init__(self, *, document: PactDocument, other: OtherInteraction, mode: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.document = document
        self.other = other
        self.mode = mode

    def execute(self) -> ItemOutcome:
        reason = f"{self.document.source} {self.other.pact_path}: {self.other.reason}"
        self.runtime.record(
            ContractResult(
                suite=self.suite.name,
                consumer=self.document.consumer,
                provider=self.document.provider,
                interaction=self.other.description,
                mode=self.mode,
                outcome=Outcome.SKIPPED,
                note=self.other.reason,
            )
        )
        pytest.skip(reason)


class EmptyPactItem(ApitestItem):
    """A pact with no interaction at all: nothing of it can be checked, which must not pass as a clean check."""

    source = Source.CONTRACT

    def __init__(self, *, document: PactDocument, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.document = document

    def execute(self) -> ItemOutcome:
        d = self.document
        raise PactFileError(
            f"{d.source}: the pact {d.consumer}→{d.provider} holds no interactions, so there is nothing to verify; "
            "run the consumer's tests that write it, or remove the file."
        )


class UnreadablePactItem(ApitestItem):
    """A pact file that cannot be read: its one error line (file and JSON path); the other pacts are still checked."""

    source = Source.CONTRACT

    def __init__(self, *, unreadable: Unreadable, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.unreadable = unreadable

    def execute(self) -> ItemOutcome:
        raise PactFileError(f"{self.unreadable.error}{self._core()}") from self.unreadable.error

    def _core(self) -> str:
        """Whether Pact's own core reads the file: if it does, apitest's reader is the one to fix."""
        path = Path(self.unreadable.source)
        if not path.is_file():
            return ""
        try:
            from ._pact import core_reads

            version = core_reads(path.read_text(encoding="utf-8"))
        except Exception:
            return ""
        if version is None:
            return " Pact's core refuses it too."
        return f" Pact's core reads it (as {version}): this is apitest's limitation, please report it."


class ProviderMismatchItem(ApitestItem):
    """`[contracts] provider` names no provider of the pacts read: says which ones they name."""

    source = Source.CONTRACT

    def __init__(self, *, pacts: Pacts, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.pacts = pacts

    def execute(self) -> ItemOutcome:
        wanted = self.suite.contracts.provider or ""
        names = self.pacts.others
        read = len(self.pacts.providers)
        found = (
            f"the {read} pact(s) read name the provider(s) {', '.join(repr(n) for n in names)}"
            if names
            else "no pact could be read"
        )
        raise ConfigError(
            f"{self.suite.file} [contracts]: provider {wanted!r} matches no pact; {found}.{did_you_mean(wanted, names)} "
            "Fix [contracts] provider (or --apitest-contracts-provider)."
        )
