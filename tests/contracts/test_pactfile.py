from __future__ import annotations

import base64
import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from apitest.contracts import _pact
from apitest.contracts.matching import ANY_INDEX
from apitest.contracts.pactfile import PactDocument, ProviderState, parse_pact, read_pact_file
from apitest.errors import PactFileError

from .builders import PACTS

VERSIONS = ("v2", "v3", "v4")


@pytest.mark.parametrize("version", VERSIONS)
def test_every_spec_version_reads_to_the_same_interactions(version):
    document = read_pact_file(PACTS / f"conforming-{version}.json")
    assert (document.consumer, document.provider, document.specification) == ("web", "shop", version.upper())
    get, create, page = document.interactions
    assert get.description == "a request for product 1"
    assert get.states == (
        (ProviderState("product 1 exists", {"id": 1}),) if version != "v2" else (ProviderState("product 1 exists"),)
    )
    assert (get.request.method, get.request.path) == ("GET", "/products/1")
    assert get.response.status == 200
    assert get.response.header("etag") == '"abc123"'
    assert get.response.content_type == "application/json"
    assert get.response.body["sku"] == "LMP-0001"
    assert create.request.body == {"name": "Lamp", "price": 12.5}
    assert create.request.header("X-REQUEST-ID") == "req-1"
    assert page.request.query == {"currency": ["EUR"], "limit": ["10"]}
    # Matching rules are normalised whatever the version wrote.
    group, inherited = get.response.rules.for_body(("sku",))
    assert group is not None and not inherited
    regex = group.first("regex")
    assert regex is not None and regex.regex == "^[A-Z]{3}-[0-9]{4}$"
    assert get.response.rules.header["etag"].first("regex") is not None
    items, inherited = page.response.rules.for_body(("items",))
    assert items is not None and items.matchers[0].kind == "type" and items.matchers[0].min == 1
    child, _ = page.response.rules.for_body(("items", 0, "id"))
    assert child is not None and child.matchers[0].kind == (
        "type" if version == "v2" else "integer"
    )  # V2 has no integer matcher
    assert ((("items", ANY_INDEX, "id")), child) in page.response.rules.body


def test_v4_bodies_encoded_as_base64_or_json_text_are_decoded():
    raw = json.loads((PACTS / "conforming-v4.json").read_text())
    body = raw["interactions"][0]["response"]["body"]
    encoded = copy.deepcopy(raw)
    encoded["interactions"][0]["response"]["body"] = {
        "content": base64.b64encode(json.dumps(body["content"]).encode()).decode(),
        "contentType": "application/json",
        "encoded": "base64",
    }
    text = copy.deepcopy(raw)
    text["interactions"][0]["response"]["body"] = {
        "content": json.dumps(body["content"]),
        "contentType": "application/json",
        "encoded": "JSON",
    }
    for variant in (encoded, text):
        assert parse_pact(variant, "x.json").interactions[0].response.body == body["content"]


def test_message_interactions_are_kept_aside_with_what_they_are():
    raw = json.loads((PACTS / "conforming-v4.json").read_text())
    raw["interactions"].append({"type": "Asynchronous/Messages", "description": "an event", "contents": {}})
    document = parse_pact(raw, "x.json")
    assert len(document.interactions) == 3 and document.skipped == 1
    (event,) = document.others
    assert (event.description, event.kind, event.pact_path) == (
        "an event",
        "Asynchronous/Messages",
        "$.interactions[3]",
    )
    assert "not checked against the spec" in event.reason
    v3_messages = {"consumer": {"name": "a"}, "provider": {"name": "b"}, "messages": [{"description": "m"}]}
    (message,) = parse_pact(v3_messages, "m.json").others
    assert (message.kind, message.pact_path) == ("V3 message", "$.messages[0]")


def test_spec_version_is_guessed_when_metadata_is_missing():
    raw = json.loads((PACTS / "conforming-v4.json").read_text())
    del raw["metadata"]
    assert parse_pact(raw, "x.json").specification == "V4"
    raw = json.loads((PACTS / "conforming-v3.json").read_text())
    del raw["metadata"]
    assert parse_pact(raw, "x.json").specification == "V3"


def _broken(mutate: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    raw: dict[str, Any] = json.loads((PACTS / "conforming-v3.json").read_text())
    mutate(raw)
    return raw


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (
            lambda d: d["interactions"][1]["response"].update(status="201"),
            'x.json: $.interactions[1].response.status must be an HTTP status code, not "201".',
        ),
        (
            lambda d: d["interactions"][1]["response"].update(status=None),
            "x.json: $.interactions[1].response.status must be an HTTP status code, not null.",
        ),
        (
            lambda d: d["interactions"][0]["response"]["matchingRules"]["body"]["$.sku"]["matchers"][0].pop("regex"),
            "x.json: $.interactions[0].response.matchingRules is not valid: a regex matcher needs a 'regex'.",
        ),
        (
            lambda d: d["interactions"][0]["response"]["matchingRules"]["body"].update({"$..bad": {"matchers": []}}),
            "x.json: $.interactions[0].response.matchingRules is not valid: '$..bad' is not a matching-rule path",
        ),
        (
            lambda d: d.update(interactions=[{"type": 3}], metadata={"pactSpecification": {"version": "4.0"}}),
            "x.json: $.interactions[0].type must be a string, not a number.",
        ),
    ],
)
def test_what_pacts_core_refuses_names_file_and_json_path(mutate, message):
    raw = _broken(mutate)
    with pytest.raises(PactFileError) as error:
        parse_pact(raw, "x.json")
    assert str(error.value).startswith(message)
    assert _pact.core_reads(json.dumps(raw)) is None  # Pact's core refuses it too


def test_what_pacts_core_reads_is_read_with_its_defaults():
    """Each variant here is one a strict reader refuses; Pact's Rust core reads all of them (tested beside)."""
    variants: list[tuple[Callable[[dict[str, Any]], object], Callable[[PactDocument], object]]] = [
        (lambda d: d["interactions"][2]["request"].pop("method"), lambda doc: doc.interactions[2].request.method),
        (lambda d: d["interactions"][2]["request"].pop("path"), lambda doc: doc.interactions[2].request.path),
        (lambda d: d["interactions"][1]["response"].pop("status"), lambda doc: doc.interactions[1].response.status),
        (lambda d: d["interactions"][0].pop("description"), lambda doc: doc.interactions[0].description),
        (lambda d: d.pop("provider"), lambda doc: doc.provider),
        (lambda d: d["consumer"].update(name=""), lambda doc: doc.consumer),
        (lambda d: d.update(interactions={}), lambda doc: doc.interactions),
        (
            lambda d: d["interactions"][0]["providerStates"][0].update(params=[1]),
            lambda doc: doc.interactions[0].states[0].params,
        ),
        (
            lambda d: d["interactions"][0]["request"].update(headers={"Accept": 3, "X-Ids": [1, "b"]}),
            lambda doc: doc.interactions[0].request.headers,
        ),
        (
            lambda d: d["interactions"][0]["request"].update(query={"limit": 5, "tag": ["a", None]}),
            lambda doc: doc.interactions[0].request.query,
        ),
        (
            lambda d: d["interactions"][0]["response"]["matchingRules"]["body"]["$.sku"]["matchers"][0].update(
                regex="[unclosed"
            ),
            lambda doc: doc.interactions[0].response.rules.for_body(("sku",))[0].matchers[0].pattern,  # type: ignore[union-attr]
        ),
        (
            lambda d: d["interactions"][0]["response"].update(matchingRules=[1]),
            lambda doc: doc.interactions[0].response.rules.empty,
        ),
        (
            lambda d: d["interactions"][1]["response"].update(status=999),
            lambda doc: doc.interactions[1].response.status,
        ),
    ]
    expected = [
        "GET",
        "/",
        200,
        "Interaction 0",
        "provider",
        "",
        (),
        {},
        {"Accept": "3", "X-Ids": "1, b"},
        {"limit": ["5"], "tag": ["a", ""]},
        None,
        True,
        999,
    ]
    for (mutate, read), value in zip(variants, expected, strict=True):
        raw = _broken(mutate)
        assert read(parse_pact(raw, "x.json")) == value
        assert _pact.core_reads(json.dumps(raw)) is not None


def test_unreadable_files_are_pact_file_errors(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"consumer": ')
    with pytest.raises(PactFileError, match=r"bad.json: not valid JSON \(line 1, column 14"):
        read_pact_file(bad)
    with pytest.raises(PactFileError, match="nope.json: pact file not found"):
        read_pact_file(tmp_path / "nope.json")
