from __future__ import annotations

import ast

from apitest.demo.app import create_app
from apitest.load.traffic import Request, derive_traffic, render_locustfile

from . import target


def test_safe_reads_with_example_values_weighted():
    traffic = derive_traffic(target.app.openapi())
    assert traffic.requests == (
        Request("GET /fast", "/fast", 2),
        Request("GET /slow", "/slow", 2),
        Request("GET /items/{item_id}", "/items/7", 3),  # the parameter's documented example
        Request("GET /fail", "/fail", 2),
    )
    assert dict(traffic.skipped) == {
        "GET /limited": "rate-limited by design (documents 429)",
        "POST /items": "not a safe read (only GET is loaded)",
    }


def test_weights_override_and_zero_leaves_out():
    traffic = derive_traffic(target.app.openapi(), {"GET /fail": 0, "GET /fast": 9})
    assert {r.name: r.weight for r in traffic.requests} == {"GET /fast": 9, "GET /slow": 2, "GET /items/{item_id}": 3}
    assert ("GET /fail", "weight 0 in [load] weights") in traffic.skipped


def test_values_from_every_documented_place():
    doc = {
        "openapi": "3.1.0",
        "paths": {
            "/a/{a}": {
                "parameters": [
                    {"name": "a", "in": "path", "required": True, "schema": {"type": "string", "enum": ["x y"]}}
                ],
                "get": {
                    "parameters": [
                        {"$ref": "#/components/parameters/Q"},
                        {"name": "opt", "in": "query", "schema": {"type": "integer"}},
                        {"name": "X-Tenant", "in": "header", "required": True, "examples": {"t": {"value": "acme"}}},
                    ]
                },
            },
            "/b/{b}": {
                "get": {"parameters": [{"name": "b", "in": "path", "required": True, "schema": {"type": "string"}}]}
            },
            "/c/{c}": {
                "get": {
                    "parameters": [
                        {
                            "name": "c",
                            "in": "path",
                            "required": True,
                            "schema": {"anyOf": [{"type": "null"}, {"type": "integer", "minimum": 5}]},
                        }
                    ]
                }
            },
            "/health": {"get": {}},
            "/old": {"get": {"deprecated": True}},
        },
        "components": {"parameters": {"Q": {"name": "q", "in": "query", "required": True, "schema": {"default": 3}}}},
    }
    traffic = derive_traffic(doc)
    assert traffic.requests == (
        Request("GET /a/{a}", "/a/x%20y?q=3", 3, {"X-Tenant": "acme"}),
        Request("GET /c/{c}", "/c/5", 3),
        Request("GET /health", "/health", 1),
    )
    assert dict(traffic.skipped) == {
        "GET /b/{b}": "no example value for parameter 'b' (path)",
        "GET /old": "deprecated",
    }


def test_swagger2_base_path_and_x_example():
    doc = {
        "swagger": "2.0",
        "basePath": "/api/",
        "paths": {
            "/u/{id}": {
                "get": {
                    "parameters": [{"name": "id", "in": "path", "required": True, "type": "integer", "x-example": 42}]
                }
            }
        },
    }
    assert derive_traffic(doc).requests == (Request("GET /u/{id}", "/api/u/42", 3),)


def test_the_demo_mix_reads_the_seeded_catalogue_and_leaves_out_the_rate_limited_stats():
    traffic = derive_traffic(create_app().openapi(), headers={"X-API-Key": "demo-key"})
    paths = {r.name: r.path for r in traffic.requests}
    assert paths["GET /v1/books/{book_id}"] == "/v1/books/1"
    assert paths["GET /v1/orders/{order_id}"] == "/v1/orders/1"
    assert "GET /v1/stats" not in paths
    assert dict(traffic.skipped)["GET /v1/stats"] == "rate-limited by design (documents 429)"


def test_rendered_locustfile_is_valid_python_holding_the_mix():
    traffic = derive_traffic(target.app.openapi())
    source = render_locustfile(traffic, {"X-API-Key": "k"}, (0.5, 1.5), "load target")
    tree = ast.parse(source)  # valid Python; not executed here, since it imports locust
    data = next(
        node for node in tree.body if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "REQUESTS"
    )
    requests = ast.literal_eval(data.value)
    assert ("GET /items/{item_id}", "/items/7", 3, {"X-API-Key": "k"}) in requests
    assert len(requests) == len(traffic.requests)
    assert "wait_time = between(0.5, 1.5)" in source and "class ApiTraffic(FastHttpUser):" in source


def test_operations_the_suites_credentials_cannot_call_are_left_out():
    doc = {
        "openapi": "3.0.3",
        "components": {
            "securitySchemes": {
                "key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "bearer": {"type": "http", "scheme": "bearer"},
                "query": {"type": "apiKey", "in": "query", "name": "token"},
            }
        },
        "security": [{"key": []}],
        "paths": {
            "/keyed": {"get": {"responses": {"200": {"description": "ok"}}}},
            "/bearer": {"get": {"security": [{"bearer": []}], "responses": {"200": {"description": "ok"}}}},
            "/either": {"get": {"security": [{"query": []}, {}], "responses": {"200": {"description": "ok"}}}},
            "/open": {"get": {"security": [], "responses": {"200": {"description": "ok"}}}},
        },
    }
    anonymous = derive_traffic(doc)
    assert [r.name for r in anonymous.requests] == ["GET /either", "GET /open"]
    reasons = dict(anonymous.skipped)
    assert reasons["GET /keyed"] == "needs credentials the suite does not send (key); add them to [auth.headers]"
    assert reasons["GET /bearer"].startswith("needs credentials the suite does not send (bearer)")
    keyed = derive_traffic(doc, headers={"x-api-key": "k"})
    assert [r.name for r in keyed.requests] == ["GET /keyed", "GET /either", "GET /open"]
    assert [r.name for r in derive_traffic(doc, headers={"Authorization": "Bearer t"}).requests] == [
        "GET /bearer",
        "GET /either",
        "GET /open",
    ]


def test_operations_slow_or_unbounded_by_design_are_left_out():
    ok = {"200": {"description": "ok"}}
    doc = {
        "swagger": "2.0",
        "paths": {
            "/delay/{delay}": {
                "get": {
                    "parameters": [{"name": "delay", "in": "path", "required": True, "type": "integer"}],
                    "responses": ok,
                }
            },
            "/drip": {"get": {"parameters": [{"name": "duration", "in": "query", "type": "number"}], "responses": ok}},
            "/redirect/{n}": {
                "get": {
                    "parameters": [{"name": "n", "in": "path", "required": True, "type": "integer"}],
                    "responses": {"302": {"description": "moved"}},
                }
            },
            "/events": {"get": {"responses": {"200": {"description": "x", "content": {"text/event-stream": {}}}}}},
            "/private": {"get": {"x-apitest-load": False, "responses": ok}},
            "/plain": {"get": {"responses": ok}},
        },
    }
    traffic = derive_traffic(doc)
    assert [r.name for r in traffic.requests] == ["GET /plain"]
    assert dict(traffic.skipped) == {
        "GET /delay/{delay}": "slow by design (takes a 'delay' parameter)",
        "GET /drip": "slow by design (takes a 'duration' parameter)",
        "GET /redirect/{n}": "answers only with redirects",
        "GET /events": "streams its answer",
        "GET /private": "x-apitest-load: false in the spec",
    }
