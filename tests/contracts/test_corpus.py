"""The pact/OpenAPI corpus (tests/contracts/corpus/, see its README): every case judged as the reference validator
judged it, or as the case's `apitest` block says apitest deliberately judges it, and why."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from apitest.contracts.crosscheck import SpecIndex
from apitest.contracts.pactfile import parse_pact

CORPUS = Path(__file__).parent / "corpus"
VERDICTS = ("error", "warning", "pass")


@dataclass(frozen=True)
class Case:
    area: str
    data: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.data["id"])

    @property
    def reference(self) -> str:
        return str(self.data["expected"]["verdict"])

    @property
    def wanted(self) -> str:
        return str((self.data.get("apitest") or self.data["expected"])["verdict"])


def _load() -> tuple[dict[str, Any], list[Case]]:
    specs: dict[str, Any] = {}
    cases = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            entry = json.loads(line)
            if "document" in entry:
                specs[entry["spec"]] = entry["document"]
            else:
                cases.append(Case(path.stem, entry))
    return specs, cases


SPECS, CASES = _load()


@cache
def index(spec: str) -> SpecIndex:
    return SpecIndex(SPECS[spec])


def judge(case: Case) -> tuple[str, list[str]]:
    """apitest's verdict: "error" when a gap would break the consumer, "warning" when gaps only weaken it."""
    document = parse_pact(case.data["pact"], f"{case.id}.json")
    results = [index(case.data["spec"]).check(i) for i in document.interactions]
    gaps = [g for r in results for g in r.gaps]
    verdict = "error" if any(r.verdict == "error" for r in results) else ("warning" if gaps else "pass")
    return verdict, [f"[{g.severity.value}] {g.title}: {g.message}" for g in gaps]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_case_is_judged_as_the_reference_did_or_as_documented(case):
    verdict, gaps = judge(case)
    why = case.data.get("apitest", {}).get("why", f"the reference: {case.data['expected']['codes']}")
    assert verdict == case.wanted, f"{case.id}: {case.data['reason']} ({why})\n" + "\n".join(gaps)


def test_the_corpus_is_whole_and_every_deliberate_difference_says_why():
    assert len(CASES) >= 150 and len({c.id for c in CASES}) == len(CASES)
    for case in CASES:
        assert case.data["modelled_on"] and case.data["reason"] and case.data["spec"] in SPECS, case.id
        assert case.reference in VERDICTS and case.wanted in VERDICTS, case.id
        block = case.data.get("apitest")
        if block is not None:
            assert block["verdict"] != case.reference, f"{case.id}: apitest agrees with the reference; drop the block"
            assert block["why"].strip() and "\n" not in block["why"], case.id
    agreed = sum(c.wanted == c.reference for c in CASES)
    assert agreed / len(CASES) > 0.8  # the corpus README quotes the figure
