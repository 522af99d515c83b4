from __future__ import annotations

import json

import pytest

from apitest.errors import SpecLoadError
from apitest.spec import Operation, declared_base_url, load_document, operations

from .data import stripe_spec


def test_stripe_operations(tmp_path):
    doc = load_document(str(stripe_spec(tmp_path)))
    ops = operations(doc)
    assert len(ops) == 452
    assert Operation("GET", "/v1/customers") in ops


def test_yaml_and_swagger_2(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "swagger: '2.0'\nhost: api.example.com\nbasePath: /v2\nschemes: [https]\npaths:\n  /pets:\n    get: {responses: {'200': {description: ok}}}\n"
    )
    doc = load_document(str(path))
    assert operations(doc) == [Operation("GET", "/pets")]
    assert declared_base_url(doc, str(path)) == "https://api.example.com/v2"


def test_relative_server_against_spec_url():
    doc = {"openapi": "3.1.0", "servers": [{"url": "/api"}], "paths": {}}
    assert declared_base_url(doc, "http://127.0.0.1:8000/openapi.json") == "http://127.0.0.1:8000/api"
    assert declared_base_url(doc, "/tmp/x.json") is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"openapi": "4.0.0", "paths": {}}', "OpenAPI version '4.0.0' is not supported"),
        ('{"openapi": "3.0.0", "paths": []}', "'paths' must be an object"),
        ('{"openapi": "3.0.0", "paths": {"/a": {"$ref": "#/x/y"}}}', "$ref '#/x/y' at #/paths/~1a"),
        ("[1, 2]", "not an OpenAPI document"),
    ],
)
def test_errors(tmp_path, content, message):
    path = tmp_path / "spec.json"
    path.write_text(content)
    with pytest.raises(SpecLoadError) as info:
        load_document(str(path))
    assert str(path) in str(info.value)
    assert message.replace("~1a", "/a") in str(info.value) or message in str(info.value)


def test_missing_file_and_unreachable_url(tmp_path):
    with pytest.raises(SpecLoadError, match="spec file not found"):
        load_document(str(tmp_path / "nope.json"))
    with pytest.raises(SpecLoadError, match="cannot fetch the spec"):
        load_document("http://127.0.0.1:9/openapi.json", timeout=2)


def test_escaped_pointer_resolves(tmp_path):
    doc = {"openapi": "3.0.0", "paths": {"/a/b": {"get": {"responses": {}}}}, "x": {"$ref": "#/paths/~1a~1b"}}
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(doc))
    assert load_document(str(path)) == doc
