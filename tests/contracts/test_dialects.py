"""Real-world pact dialects (tests/contracts/dialects/): each is read as Pact's own Rust core reads it, and
cross-checked against one provider spec written in YAML with integer status codes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from apitest.contracts import _pact
from apitest.contracts.crosscheck import SpecIndex
from apitest.contracts.matching import Matcher
from apitest.contracts.pactfile import PactDocument, read_pact_file
from apitest.spec import load_document

DIALECTS = Path(__file__).parent / "dialects"
FILES = sorted(p.name for p in DIALECTS.glob("*.json"))


@pytest.fixture(scope="module")
def provider() -> SpecIndex:
    return SpecIndex(load_document(str(DIALECTS / "provider.yaml")))


def read(name: str) -> PactDocument:
    return read_pact_file(DIALECTS / name)


def matcher(document: PactDocument, *location: str | int) -> Matcher:
    group, _ = document.interactions[0].response.rules.for_body(location)
    assert group is not None
    return group.matchers[0]


def verdicts(index: SpecIndex, document: PactDocument) -> list[tuple[str, list[str]]]:
    results = [index.check(i) for i in document.interactions]
    return [(r.verdict, [f"[{g.severity.value}] {g.title}" for g in r.gaps]) for r in results]


@pytest.mark.parametrize("name", FILES)
def test_every_dialect_pacts_core_reads_is_read(name):
    core = _pact.core_reads((DIALECTS / name).read_text())
    assert core is not None, f"Pact's core refuses {name}: it does not belong here"
    document = read(name)
    assert document.specification[:2] == core[:2]  # V1.1 is read as V1
    assert len(document.interactions) + len(document.others) >= 1


def test_a_v2_file_with_v3_rules_keeps_every_rule(provider):
    document = read("v2-declared-v3-style-matchingrules.json")
    assert document.specification == "V2"
    assert matcher(document, "id").kind == "integer"
    assert (matcher(document, "books").kind, matcher(document, "books").min) == ("type", 1)
    assert matcher(document, "books", 0, "isbn").pattern == "^97[89][0-9]{10}$"
    assert document.interactions[0].response.rules.header["content-type"].matchers[0].kind == "regex"
    assert verdicts(provider, document) == [("pass", [])]


@pytest.mark.parametrize(
    "name", ["jvm-v2-date-time-matchers-without-match.json", "jvm-v3-date-time-matchers-without-match.json"]
)
def test_pact_jvm_date_and_time_matchers_without_match(name, provider):
    document = read(name)
    assert (matcher(document, "day").kind, matcher(document, "day").format) == ("date", "yyyy-MM-dd")
    assert (matcher(document, "opens").kind, matcher(document, "opens").format) == ("time", "HH:mm")
    assert matcher(document, "updatedAt").kind == "datetime"
    assert verdicts(provider, document) == [("pass", [])]


def test_a_java_quoted_regex_is_read_and_its_trap_named(provider):
    document = read("java-regex-quote-escape.json")
    href = matcher(document, "href")
    assert href.search("https://cdn.example.test/v1.2/files/42?dl=1")
    assert not href.search("https://cdnXexample.test/v1.2/files/42?dl=1")  # the dots are literal
    ((verdict, gaps),) = verdicts(provider, document)
    assert verdict == "warning"  # Pact's core will not match it; the spec itself promises the value
    assert gaps == [
        "[low] $.href: the pact's regex uses Java's \\Q...\\E quoting, which Pact's Rust core does not understand (verification fails)"
    ]


def test_v4_mixed_interactions_list_what_is_not_checked(provider):
    document = read("v4-mixed-interaction-types.json")
    assert [i.description for i in document.interactions] == ["get book 1"]
    assert [(o.description, o.kind) for o in document.others] == [
        ("a book-created event", "Asynchronous/Messages"),
        ("a price lookup over RPC", "Synchronous/Messages"),
    ]
    assert verdicts(provider, document) == [("pass", [])]


def test_v4_pending_combined_binary_and_generated_values(provider):
    pending = read("v4-pending-interaction.json")
    assert pending.interactions[0].pending
    ((verdict, gaps),) = verdicts(provider, pending)
    assert (verdict, gaps) == ("warning", ["[low] (pending) GET /books/1/reviews is not a documented path"])

    combined = read("v4-combined-matchers.json")
    code, _ = combined.interactions[0].response.rules.for_body(("code",))
    balance, _ = combined.interactions[0].response.rules.for_body(("balance",))
    assert code is not None and code.combine == "AND" and code.kinds() == {"type", "regex"}
    assert balance is not None and balance.combine == "OR" and balance.kinds() == {"decimal", "integer"}
    assert combined.interactions[0].request.rules.path is not None
    assert verdicts(provider, combined) == [("pass", [])]

    binary = read("v4-binary-base64-body.json")
    body = binary.interactions[0].response.body
    assert body == bytes.fromhex("89504e470d0a1a0afffe0080c328")  # the exact bytes, not a lossy text
    assert verdicts(provider, binary) == [("pass", [])]

    generated = read("pact-python-v3-datetime-null-example.json")
    assert generated.interactions[0].response.body == {"kind": "login", "at": None, "on": None}
    # pact-python's match.datetime() without a value: the null is a placeholder for a generated date-time
    assert verdicts(provider, generated) == [("pass", [])]


def test_older_and_flat_version_keys(provider):
    v1 = read("v1_1-hyphenated-pact-specification.json")
    (ping,) = v1.interactions
    assert (v1.specification, ping.request.method, ping.request.query) == (
        "V1",
        "GET",
        {"verbose": ["true"], "lang": ["en"]},
    )
    assert [s.name for s in ping.states] == ["the service is up"]
    assert verdicts(provider, v1) == [("pass", [])]
    v3 = read("v3-pactSpecificationVersion-string.json")
    assert v3.specification == "V3" and v3.interactions[0].request.query["tag"] == ["scifi", "classic"]
    assert verdicts(provider, v3) == [("pass", [])]


def test_a_yaml_spec_with_integer_status_codes(provider):
    (get,) = read("v4-mixed-interaction-types.json").interactions
    found = provider.check(get)
    assert (found.operation, found.gaps) == ("GET /books/{id}", ())
    statuses = {}
    for status in (404, 418):
        response = dataclasses.replace(get.response, status=status, body=None, has_body=False, headers={})
        result = provider.check(dataclasses.replace(get, response=response))
        statuses[status] = (result.verdict, [g.check for g in result.gaps])
    assert statuses == {404: ("pass", []), 418: ("error", ["crosscheck.undocumented_status"])}
