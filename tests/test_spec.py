from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


def test_yaml_is_read_as_openapi_3_says_yaml_1_2(tmp_path):
    path = tmp_path / "spec.yaml"
    path.write_text(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /a:\n    get:\n      responses:\n"
        "        200:\n          description: ok\n          content:\n            application/json:\n"
        "              schema:\n                properties:\n                  on: {type: string, enum: [yes, no, true]}\n"
    )
    schema = load_document(str(path))["paths"]["/a"]["get"]["responses"][200]["content"]["application/json"]["schema"]
    assert schema["properties"] == {"on": {"type": "string", "enum": ["yes", "no", True]}}  # YAML 1.1 read on: as True


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


class _SpecServer(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/login":
            self._send(200, "text/html", b"<html><body>Sign in</body></html>")
        elif self.headers.get("X-Key") != "k1":
            self._send(401, "application/json", b'{"detail": "no key"}')
        else:
            self._send(200, "application/json", json.dumps({"openapi": "3.0.3", "paths": {}}).encode())

    def _send(self, status: int, media: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def spec_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _SpecServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_spec_url_is_fetched_with_the_suites_credentials(spec_server):
    assert load_document(spec_server + "/openapi.json", headers={"X-Key": "k1"})["openapi"] == "3.0.3"
    with pytest.raises(SpecLoadError) as info:
        load_document(spec_server + "/openapi.json", headers={"X-Key": "wrong"})
    assert str(info.value) == (
        f"{spec_server}/openapi.json: fetching the spec answered HTTP 401 (sent with the suite's [auth.headers] "
        "(X-Key)); check the credentials, or point `spec` at a file."
    )
    with pytest.raises(SpecLoadError, match=r"answered an HTML page \(HTTP 200, text/html\), not an OpenAPI document"):
        load_document(spec_server + "/login")
