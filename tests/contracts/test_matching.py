from __future__ import annotations

import pytest

from apitest.contracts.matching import (
    ANY_INDEX,
    ANY_KEY,
    Matcher,
    RuleError,
    format_location,
    parse_path,
    parse_rules,
    parse_v2,
    parse_v3,
)


@pytest.mark.parametrize(
    ("path", "tokens"),
    [
        ("$", ()),
        ("$.items[*].id", ("items", ANY_INDEX, "id")),
        ("$.a[2].b", ("a", 2, "b")),
        ("$['a key'].b", ("a key", "b")),
        ('$["x-y"]', ("x-y",)),
        ("$.*", (ANY_KEY,)),
        ("id", ("id",)),
    ],
)
def test_parse_path(path, tokens):
    assert parse_path(path) == tokens


@pytest.mark.parametrize("path", ["$..a", "$.a[x]", "$[", "$.a]"])
def test_parse_path_rejects_what_pact_would(path):
    with pytest.raises(RuleError):
        parse_path(path)


def test_format_location_round_trips():
    for path in ("$.items[0].id", "$['a key'].b", "$"):
        assert format_location(parse_path(path)) == path


def test_most_specific_rule_wins_and_ancestors_are_inherited():
    rules = parse_v3(
        {
            "body": {
                "$.items": {"matchers": [{"match": "type", "min": 1}]},
                "$.items[*].id": {"matchers": [{"match": "integer"}]},
                "$.items[0].id": {"matchers": [{"match": "regex", "regex": "1"}]},
                "$.*": {"matchers": [{"match": "type"}]},
            }
        }
    )
    group, inherited = rules.for_body(("items", 0, "id"))
    assert group is not None and group.matchers[0].kind == "regex" and not inherited
    group, _ = rules.for_body(("items", 3, "id"))
    assert group is not None and group.matchers[0].kind == "integer"
    group, inherited = rules.for_body(("items", 3, "name"))
    assert group is not None and group.matchers[0].min == 1 and inherited
    group, _ = rules.for_body(("other",))
    assert group is not None and group.matchers[0].kind == "type"
    assert rules.for_body(()) == (None, False)


def test_v2_rules_are_split_by_part_and_implied_matchers_named():
    rules = parse_v2(
        {
            "$.body.name": {"regex": "^[a-z]+$"},
            "$.body.tags": {"min": 1},
            "$.headers.X-Trace": {"match": "regex", "regex": "[0-9]+"},
            "$.query.limit": {"match": "type"},
            "$.path": {"match": "regex", "regex": "/a/[0-9]+"},
        }
    )
    group, _ = rules.for_body(("name",))
    assert group is not None and group.matchers[0].kind == "regex"
    group, _ = rules.for_body(("tags",))
    assert group is not None and group.matchers[0].kind == "type" and group.matchers[0].min == 1
    assert set(rules.header) == {"x-trace"} and set(rules.query) == {"limit"}
    assert rules.path is not None and rules.path.matchers[0].regex == "/a/[0-9]+"


def test_v3_header_keys_and_status_rules():
    rules = parse_v3(
        {
            "header": {"$['Content-Type']": {"matchers": [{"match": "regex", "regex": "json"}]}},
            "status": {"matchers": [{"match": "statusCode", "status": "success"}]},
        }
    )
    assert "content-type" in rules.header
    assert rules.status is not None and rules.status.matchers[0].extra == {"status": "success"}


def test_array_contains_variants_and_each_value_rules_are_parsed():
    rules = parse_v3(
        {
            "body": {
                "$.a": {
                    "matchers": [
                        {
                            "match": "arrayContains",
                            "variants": [{"index": 0, "rules": {"$.id": {"matchers": [{"match": "integer"}]}}}],
                        }
                    ]
                },
                "$.b": {"matchers": [{"match": "eachValue", "rules": [{"match": "integer"}]}]},
            }
        }
    )
    group, _ = rules.for_body(("a",))
    assert group is not None
    variant = group.matchers[0].variants[0]
    inner, _ = variant.for_body(("id",))
    assert inner is not None and inner.matchers[0].kind == "integer"
    group, _ = rules.for_body(("b",))
    assert group is not None and group.matchers[0].rules[0].kind == "integer"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"body": {"$.a": {"matchers": [{"match": "regex"}]}}}, "a regex matcher needs a 'regex'"),
        ({"body": {"$.a": {"matchers": [{}]}}}, "needs a string 'match'"),
        ({"body": {"$.a": {"matchers": [{"values": True}]}}}, "needs a string 'match'"),
        ({"body": {"$.a": {"matchers": [3]}}}, "a matcher must be an object"),
        ({"body": 3}, "category 'body' must be an object"),
        ({"body": {"$.a": {"matchers": [{"match": "eachValue", "rules": 3}]}}}, "'rules' of eachKey/eachValue"),
    ],
)
def test_what_pacts_core_refuses_says_why(raw, message):
    with pytest.raises(RuleError, match=message):
        parse_rules(raw)


def test_what_pacts_core_reads_is_read_the_same_way():
    # Measured with pact_ffi 0.5.12 (tests/contracts/test_dialects.py compares the two on real-world files).
    rules = parse_rules(
        {
            "body": {
                "$.a": {"combine": "XOR", "matchers": [{"match": "type", "min": "1", "max": 2.0}]},
                "$.b": {"matchers": "not a list"},
                "$.day": {"matchers": [{"date": "yyyy-MM-dd"}]},
                "$.at": {"matchers": [{"timestamp": "yyyy-MM-dd'T'HH:mm:ss"}]},
                "$.opens": {"matchers": [{"match": "timestamp", "timestamp": "HH:mm"}]},
                "$.broken": {"matchers": [{"match": "regex", "regex": "[unclosed"}]},
                "$.java": {"matchers": [{"match": "regex", "regex": "\\Qa.b?\\E\\d+"}]},
            }
        }
    )

    def first(key: str) -> Matcher:
        group, _ = rules.for_body((key,))
        assert group is not None
        return group.matchers[0]

    a, _ = rules.for_body(("a",))
    assert a is not None and a.combine == "AND" and (a.matchers[0].min, a.matchers[0].max) == (1, 2)
    b, _ = rules.for_body(("b",))
    assert b is not None and b.matchers == ()
    assert (first("day").kind, first("day").format) == ("date", "yyyy-MM-dd")
    assert (first("at").kind, first("at").format) == ("datetime", "yyyy-MM-dd'T'HH:mm:ss")
    assert (first("opens").kind, first("opens").format) == ("datetime", "HH:mm")
    broken = first("broken")
    assert broken.pattern is None and broken.note is not None and "does not compile" in broken.note
    java = first("java")
    assert java.search("a.b?42") and not java.search("axb?42")
    assert java.note is not None and "Java" in java.note


def test_v2_files_with_v3_rules_and_the_reverse_are_read_by_their_form():
    v3_in_v2 = parse_rules(
        {"body": {"$.id": {"matchers": [{"match": "integer"}]}}, "header": {"X": {"matchers": [{"match": "type"}]}}}
    )
    mixed = parse_rules({"$.body.id": {"match": "integer"}, "header": {"X": {"matchers": [{"match": "type"}]}}})
    for rules in (v3_in_v2, mixed):
        group, _ = rules.for_body(("id",))
        assert group is not None and group.matchers[0].kind == "integer"
        assert set(rules.header) == {"x"}
