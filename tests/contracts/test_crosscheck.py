from __future__ import annotations

from typing import Any

import pytest

from apitest.contracts.crosscheck import SpecIndex
from apitest.contracts.pactfile import read_pact_file
from apitest.results import Severity

from .builders import PACTS, body_rules, v3_interaction

JSON = {"Content-Type": "application/json"}


def gaps(index: SpecIndex, request: dict[str, Any], response: dict[str, Any]) -> list[tuple[str, str, Severity]]:
    result = index.check(v3_interaction(request, response))
    return [(g.check, g.location, g.severity) for g in result.gaps]


def product(
    shop: SpecIndex, body: dict[str, Any], rules: dict[str, Any] | None = None, headers: dict[str, str] | None = None
) -> list[tuple[str, str, Severity]]:
    response: dict[str, Any] = {"status": 200, "headers": {**JSON, **(headers or {})}, "body": body}
    if rules:
        response["matchingRules"] = body_rules(rules)
    return gaps(shop, {"method": "GET", "path": "/products/1"}, response)


@pytest.mark.parametrize("version", ["v2", "v3", "v4"])
def test_conforming_pact_passes_in_every_spec_version(shop, version):
    document = read_pact_file(PACTS / f"conforming-{version}.json")
    for interaction in document.interactions:
        result = shop.check(interaction)
        assert result.gaps == (), (interaction.description, result.gaps)
    assert [shop.check(i).operation for i in document.interactions] == [
        "GET /products/{id}",
        "POST /products",
        "GET /products",
    ]


@pytest.mark.parametrize("version", ["v2", "v3", "v4"])
def test_drifted_pact_gaps_in_every_spec_version(shop, version):
    document = read_pact_file(PACTS / f"drifted-{version}.json")
    found = {i.description: [(g.check, g.location) for g in shop.check(i).gaps] for i in document.interactions}
    assert found == {
        "a request for product 1 and its colour": [("crosscheck.response_schema", "$.colour")],
        "a request for the orders": [("crosscheck.undocumented_operation", "path")],
        "a request for a product with a word for its stock": [("crosscheck.response_schema", "$.stock")],
    }


MATCHER_CASES = [
    # (field, example, matcher(s), gap expected: None, "medium" or "low")
    pytest.param("name", "Lamp", {"match": "type"}, None, id="type-ok"),
    pytest.param("name", 3, {"match": "type"}, "medium", id="type-wrong-type"),
    pytest.param("price", 3, {"match": "type"}, None, id="type-integer-is-a-number"),
    pytest.param("name", "x" * 80, {"match": "type"}, "low", id="type-example-breaks-constraints-is-a-warning"),
    pytest.param("sku", "LMP-0001", {"match": "regex", "regex": "^[A-Z]{3}-[0-9]{4}$"}, None, id="regex-ok"),
    pytest.param("sku", "lamp", {"match": "regex", "regex": "^[a-z]+$"}, "medium", id="regex-example-breaks-pattern"),
    pytest.param("status", "active", {"match": "regex", "regex": "^a.*$"}, "medium", id="regex-rejects-an-enum-value"),
    pytest.param(
        "status", "active", {"match": "regex", "regex": "^(active|retired)$"}, None, id="regex-admits-every-enum-value"
    ),
    pytest.param("code", "X1", {"match": "regex", "regex": "^X[0-9]$"}, "low", id="regex-on-unconstrained-string"),
    pytest.param(
        "updated",
        "2026-01-01T10:00:00Z",
        {"match": "regex", "regex": "^[0-9T:-]+Z$"},
        None,
        id="regex-on-date-time-format",
    ),
    pytest.param(
        "updated", "yesterday", {"match": "regex", "regex": "^[a-z]+$"}, "medium", id="regex-example-breaks-format"
    ),
    pytest.param("stock", 5, {"match": "integer"}, None, id="integer-ok"),
    pytest.param("price", 5, {"match": "integer"}, "low", id="integer-stricter-than-spec-number-is-a-warning"),
    pytest.param("price", 1.5, {"match": "decimal"}, None, id="decimal-ok"),
    pytest.param("stock", 1.5, {"match": "decimal"}, "medium", id="decimal-but-spec-says-integer"),
    pytest.param("stock", 5, {"match": "number"}, None, id="number-accepts-integer-schema"),
    pytest.param("name", 5, {"match": "number"}, "medium", id="number-but-spec-says-string"),
    pytest.param("discontinued", True, {"match": "boolean"}, None, id="boolean-ok"),
    pytest.param("name", True, {"match": "boolean"}, "medium", id="boolean-but-spec-says-string"),
    pytest.param("note", None, {"match": "null"}, None, id="null-on-nullable"),
    pytest.param("name", None, {"match": "null"}, "medium", id="null-on-not-nullable"),
    pytest.param("released", "2026-01-01", {"match": "date", "format": "yyyy-MM-dd"}, None, id="date-ok"),
    pytest.param(
        "code", "2026-01-01", {"match": "date", "format": "yyyy-MM-dd"}, "low", id="date-on-unformatted-string"
    ),
    pytest.param(
        "updated",
        "2026-01-01T10:00:00Z",
        {"match": "datetime", "format": "yyyy-MM-dd'T'HH:mm:ssX"},
        None,
        id="datetime-ok",
    ),
    pytest.param("name", "Big Lamp", {"match": "include", "value": "Lamp"}, None, id="include-ok"),
    pytest.param(
        "status", "retired", {"match": "include", "value": "tire"}, "medium", id="include-not-in-every-enum-value"
    ),
    pytest.param("status", "active", {"match": "equality"}, None, id="equality-ok"),
    pytest.param("status", "sold", {"match": "equality"}, "medium", id="equality-not-in-enum"),
    pytest.param("tags", ["a"], {"match": "type", "min": 1}, None, id="each-like-ok"),
    pytest.param("tags", [1], {"match": "type", "min": 1}, "medium", id="each-like-wrong-item-type"),
    pytest.param("tags", ["a"], {"match": "type", "min": 6}, "medium", id="each-like-min-above-max-items"),
    pytest.param(
        "tags", ["a"], {"match": "arrayContains", "variants": [{"index": 0, "rules": {}}]}, None, id="array-contains-ok"
    ),
    pytest.param(
        "tags",
        [7],
        {"match": "arrayContains", "variants": [{"index": 0, "rules": {}}]},
        "medium",
        id="array-contains-wrong-item",
    ),
    pytest.param(
        "attributes", {"colour": "red"}, {"match": "eachValue", "rules": [{"match": "type"}]}, None, id="each-value-ok"
    ),
    pytest.param("attributes", {"size": 3}, {"match": "values"}, "medium", id="values-wrong-value-type"),
    pytest.param(
        "attributes",
        {"size": "L"},
        {"match": "eachKey", "rules": [{"match": "regex", "regex": "[a-z]+"}]},
        None,
        id="each-key-ok",
    ),
    pytest.param("note", "x", [{"match": "null"}, {"match": "type"}], None, id="and-of-matchers-on-nullable-string"),
    pytest.param(
        "stock", 2, [{"match": "integer"}, {"match": "decimal"}], "medium", id="and-of-matchers-one-unpromised"
    ),
]


@pytest.mark.parametrize(("field", "example", "matcher", "expected"), MATCHER_CASES)
def test_each_matcher_kind_is_honoured(shop, field, example, matcher, expected):
    found = product(shop, {"id": 1, field: example}, {f"$.{field}": matcher})
    assert [s.value for (_, _, s) in found[:1]] == ([] if expected is None else [expected]), found


def test_or_combined_matchers_pass_when_one_does(shop):
    body = {"id": 1, "name": 3}
    rules = {"body": {"$.name": {"combine": "OR", "matchers": [{"match": "integer"}, {"match": "type"}]}}}
    found = gaps(
        shop,
        {"method": "GET", "path": "/products/1"},
        {"status": 200, "headers": JSON, "body": body, "matchingRules": rules},
    )
    assert found == [("crosscheck.response_schema", "$.name", Severity.MEDIUM)]
    body = {"id": 1, "stock": 3}
    rules = {"body": {"$.stock": {"combine": "OR", "matchers": [{"match": "decimal"}, {"match": "integer"}]}}}
    assert (
        gaps(
            shop,
            {"method": "GET", "path": "/products/1"},
            {"status": 200, "headers": JSON, "body": body, "matchingRules": rules},
        )
        == []
    )


def test_type_matcher_cascades_to_children(shop):
    body = {"id": 1, "category": {"name": 3}}
    assert product(shop, body, {"$.category": {"match": "type"}}) == [
        ("crosscheck.response_schema", "$.category.name", Severity.MEDIUM)
    ]
    assert product(shop, {"id": 1, "category": {"name": "anything"}}, {"$.category": {"match": "type"}}) == []


def test_equality_without_matcher_validates_the_example(shop):
    assert product(shop, {"id": 1, "price": 0}) == [
        ("crosscheck.response_schema", "$.price", Severity.MEDIUM)
    ]  # exclusiveMinimum 0
    assert product(shop, {"id": 0}) == [("crosscheck.response_schema", "$.id", Severity.MEDIUM)]
    assert product(shop, {"id": 1, "note": None}) == []  # 3.0 nullable
    assert product(shop, {"id": 1, "name": None}) == [("crosscheck.response_schema", "$.name", Severity.MEDIUM)]


def test_undocumented_nested_fields_and_recursive_schemas(shop):
    body = {
        "id": 1,
        "category": {"name": "lights", "parent": {"name": "home", "parent": {"name": "all"}}, "colour": "red"},
    }
    assert product(shop, body) == [("crosscheck.response_schema", "$.category.colour", Severity.MEDIUM)]
    page = {"items": [{"id": 1, "name": "Lamp", "colour": "red"}]}
    rules = body_rules({"$.items": {"match": "type", "min": 1}})
    response = {"status": 200, "headers": JSON, "body": page, "matchingRules": rules}
    assert gaps(shop, {"method": "GET", "path": "/products", "query": {"currency": ["EUR"]}}, response) == [
        ("crosscheck.response_schema", "$.items[0].colour", Severity.MEDIUM)
    ]


def test_request_body_is_checked_strictly(shop):
    def create(body: Any, headers: dict[str, str] | None = None) -> list[tuple[str, str, Severity]]:
        request: dict[str, Any] = {
            "method": "POST",
            "path": "/products",
            "headers": {**JSON, "X-Request-ID": "r-1", **(headers or {})},
        }
        if body is not None:
            request["body"] = body
        return gaps(shop, request, {"status": 201, "headers": {"Location": "/products/9"}})

    assert create({"name": "Lamp", "price": 2}) == []
    assert create({"name": "Lamp"}) == [("crosscheck.request_body", "$.price", Severity.MEDIUM)]
    assert create({"name": "Lamp", "price": 2, "colour": "red"}) == [
        ("crosscheck.request_body", "$.colour", Severity.MEDIUM)
    ]
    assert create({"name": "Lamp", "price": "2"}) == [("crosscheck.request_body", "$.price", Severity.MEDIUM)]
    assert create(None) == [("crosscheck.request_body", "request body", Severity.MEDIUM)]
    assert create("name=Lamp", {"Content-Type": "text/plain"}) == [
        ("crosscheck.content_type", "request Content-Type", Severity.MEDIUM)
    ]
    assert create({"name": "Lamp", "price": 2}, {"X-Request-ID": "NOT VALID"}) == [
        ("crosscheck.request_parameters", "header X-Request-ID", Severity.MEDIUM)
    ]


def test_required_and_undocumented_header_parameters(shop):
    request = {"method": "POST", "path": "/products", "headers": JSON, "body": {"name": "Lamp", "price": 2}}
    assert gaps(shop, request, {"status": 201}) == [
        ("crosscheck.request_parameters", "header X-Request-ID", Severity.MEDIUM)
    ]


def test_query_and_path_parameters(shop):
    ok = {"status": 200, "headers": JSON, "body": {"items": []}}
    assert gaps(shop, {"method": "GET", "path": "/products", "query": {"currency": ["EUR"], "limit": ["5"]}}, ok) == []
    assert gaps(shop, {"method": "GET", "path": "/products"}, ok) == [
        ("crosscheck.request_parameters", "query currency", Severity.MEDIUM)
    ]
    assert gaps(shop, {"method": "GET", "path": "/products", "query": {"currency": ["GBP"]}}, ok) == [
        ("crosscheck.request_parameters", "query currency", Severity.MEDIUM)
    ]
    assert gaps(
        shop, {"method": "GET", "path": "/products", "query": {"currency": ["EUR"], "limit": ["lots"]}}, ok
    ) == [("crosscheck.request_parameters", "query limit", Severity.MEDIUM)]
    assert gaps(shop, {"method": "GET", "path": "/products", "query": {"currency": ["EUR"], "sort": ["name"]}}, ok) == [
        ("crosscheck.request_parameters", "query sort", Severity.LOW)  # the provider may ignore it: a warning
    ]
    assert gaps(shop, {"method": "GET", "path": "/products/abc"}, {"status": 404}) == [
        ("crosscheck.request_parameters", "path id", Severity.MEDIUM)
    ]


def test_operations_are_matched_most_specific_first_and_under_the_server_path(shop):
    featured = shop.check(
        v3_interaction(
            {"method": "GET", "path": "/products/featured"}, {"status": 200, "headers": JSON, "body": {"id": 1}}
        )
    )
    assert (featured.operation, featured.gaps) == ("GET /products/featured", ())
    prefixed = shop.check(
        v3_interaction(
            {"method": "GET", "path": "/api/products/1"}, {"status": 200, "headers": JSON, "body": {"id": 1}}
        )
    )
    assert (prefixed.operation, prefixed.gaps) == ("GET /products/{id}", ())


def test_undocumented_method_lists_the_documented_ones(shop):
    result = shop.check(v3_interaction({"method": "PATCH", "path": "/products/1"}, {"status": 200}))
    assert result.operation == "PATCH /products/{id}"
    (gap,) = result.gaps
    assert (gap.check, gap.severity, gap.expected) == (
        "crosscheck.undocumented_operation",
        Severity.HIGH,
        ["GET", "DELETE"],
    )


def test_responses_status_content_type_body_and_headers(shop):
    get = {"method": "GET", "path": "/products/1"}
    assert gaps(shop, get, {"status": 410}) == [("crosscheck.undocumented_status", "status", Severity.HIGH)]
    assert gaps(shop, get, {"status": 404, "headers": JSON, "body": {"title": "x"}}) == [
        ("crosscheck.content_type", "response Content-Type", Severity.MEDIUM)
    ]
    assert (
        gaps(
            shop, get, {"status": 404, "headers": {"Content-Type": "application/problem+json"}, "body": {"title": "x"}}
        )
        == []
    )
    assert gaps(
        shop, {"method": "DELETE", "path": "/products/1"}, {"status": 204, "headers": JSON, "body": {"ok": True}}
    ) == [("crosscheck.response_body", "response body", Severity.MEDIUM)]
    assert product(shop, {"id": 1}, headers={"X-Cache": "HIT"}) == [
        ("crosscheck.response_header", "header X-Cache", Severity.LOW)
    ]
    assert ("crosscheck.response_header", "header X-Cache", Severity.MEDIUM) in product(
        shop, {"id": 1}, headers={"X-Cache": "SOMETIMES"}
    )
    assert product(shop, {"id": 1}, headers={"X-Powered-By": "php"}) == [
        ("crosscheck.response_header", "header X-Powered-By", Severity.MEDIUM)
    ]
    assert product(shop, {"id": 1}, headers={"ETag": "not quoted"}) == [
        ("crosscheck.response_header", "header ETag", Severity.MEDIUM)
    ]


def test_swagger_2_documents_are_read_too():
    spec = {
        "swagger": "2.0",
        "basePath": "/v2",
        "produces": ["application/json"],
        "consumes": ["application/json"],
        "paths": {
            "/pets/{id}": {
                "get": {
                    "parameters": [{"name": "id", "in": "path", "required": True, "type": "integer"}],
                    "responses": {
                        "200": {
                            "description": "a pet",
                            "schema": {"$ref": "#/definitions/Pet"},
                            "headers": {"X-Rate": {"type": "integer"}},
                        }
                    },
                }
            },
            "/pets": {
                "post": {
                    "parameters": [
                        {"name": "pet", "in": "body", "required": True, "schema": {"$ref": "#/definitions/Pet"}}
                    ],
                    "responses": {"201": {"description": "created"}},
                }
            },
        },
        "definitions": {
            "Pet": {
                "type": "object",
                "required": ["name"],
                "properties": {"name": {"type": "string"}, "tag": {"type": "string", "x-nullable": True}},
            }
        },
    }
    index = SpecIndex(spec)
    ok = v3_interaction(
        {"method": "GET", "path": "/v2/pets/1"},
        {"status": 200, "headers": {**JSON, "X-Rate": "5"}, "body": {"name": "Rex", "tag": None}},
    )
    assert index.check(ok).gaps == ()
    drift = v3_interaction(
        {"method": "GET", "path": "/v2/pets/1"}, {"status": 200, "headers": JSON, "body": {"name": "Rex", "age": 3}}
    )
    assert [g.location for g in index.check(drift).gaps] == ["$.age"]
    create = v3_interaction(
        {"method": "POST", "path": "/v2/pets", "headers": JSON, "body": {"tag": "x"}}, {"status": 201}
    )
    assert [g.location for g in index.check(create).gaps] == ["$.name"]


def test_a_content_type_the_pact_never_declared_is_not_blamed(shop):
    # No Content-Type in the pact: the body is judged against the documented media type, and no gap names one.
    found = shop.check(
        v3_interaction({"method": "GET", "path": "/products/1"}, {"status": 404, "body": {"title": "gone"}})
    )
    assert found.gaps == ()
    created = shop.check(
        v3_interaction(
            {
                "method": "POST",
                "path": "/products",
                "headers": {"X-Request-ID": "r-1"},
                "body": {"name": "Lamp", "price": 2},
            },
            {"status": 201, "headers": {"Location": "/products/9"}},
        )
    )
    assert [(g.check, g.severity, g.actual) for g in created.gaps] == [
        ("crosscheck.content_type", Severity.LOW, "none")  # a body without a Content-Type: a warning, named as such
    ]
