"""The hardening corpus: broken and hostile specs, suite files, pacts and locustfiles, each run through the plugin as
`apitest run` runs it, asserting the exit status, the one line naming the file or option and the fix, no traceback
in the terminal or any report file, and nothing written outside the report folder.

Each case is a folder of files (`{URL}` in them is a real API on 127.0.0.1, tests/apps/faulty.py). Cases that are
not mistakes (Swagger 2.0 and OpenAPI 3.1 edge features, a 10 MB string, circular schemas, duplicate operation ids)
must run to their end with the status they earn.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from .apps.faulty import FaultyServer, spec
from .runs import TRACEBACK

Content = str | bytes | Callable[[], str | bytes]


@dataclass(frozen=True)
class Case:
    id: str
    files: dict[str, Content]
    expect: tuple[str, ...] = ()  # in the one "ERROR: apitest: ..." line (exit 4), else in the output
    status: int = 4
    args: tuple[str, ...] = ()
    outside: tuple[str, ...] = field(default=())  # paths outside report/ the run may write (none, but for a reason)
    fuzzes: bool = False  # an exit-4 case that gets as far as the engine


def suite(body: str, **files: Content) -> dict[str, Content]:
    return {"apitest.toml": body, **{name.replace("__", "/").replace("_DOT_", "."): c for name, c in files.items()}}


OK_SPEC = json.dumps(spec(("ok",)))
ON_TARGET = (
    'spec = "openapi.json"\nbase_url = "{URL}"\n[fuzz]\nmax_examples = 5\nseed = 1\nphases = ["examples", "fuzzing"]\n'
)


def openapi(paths: dict[str, object], version: str = "3.0.3", **extra: object) -> str:
    return json.dumps({"openapi": version, "info": {"title": "t", "version": "1"}, "paths": paths, **extra})


def get(ref_or_schema: dict[str, object] | None = None, op_id: str = "ok") -> dict[str, object]:
    content = {"application/json": {"schema": ref_or_schema or {"type": "object"}}}
    return {"get": {"operationId": op_id, "responses": {"200": {"description": "ok", "content": content}}}}


def deep_json(levels: int) -> str:
    return (
        '{"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": {}, "x": '
        + "[" * levels
        + "]" * levels
        + "}"
    )


def deep_yaml(levels: int) -> str:
    return "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\nx: " + "[" * levels + "]" * levels + "\n"


def alias_bomb() -> str:
    lines = [
        "openapi: 3.0.3",
        "info: {title: t, version: '1'}",
        "paths: {}",
        'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ]
    for i in range(1, 10):
        lines.append(f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def pact(interactions: object, **extra: object) -> str:
    return json.dumps(
        {
            "consumer": {"name": "web"},
            "provider": {"name": "api"},
            "interactions": interactions,
            "metadata": {"pactSpecification": {"version": "3.0.0"}},
            **extra,
        }
    )


ONE_INTERACTION = [
    {
        "description": "ok",
        "request": {"method": "GET", "path": "/ok"},
        "response": {"status": 200, "body": {"ok": True}},
    }
]
CONTRACTS = 'spec = "openapi.json"\nbase_url = "{URL}"\n[fuzz]\nenabled = false\n[contracts]\npacts = ["pacts"]\n'
LOAD = 'spec = "openapi.json"\nbase_url = "{URL}"\n[fuzz]\nenabled = false\n'
LOCUST = LOAD + '[load.x]\nusers = 1\nduration = 1\nlocustfile = "users.py"\n'

CASES = [
    # --- specs that cannot be read -------------------------------------------------------------------------------
    Case("spec-not-json", suite(ON_TARGET, openapi_DOT_json="{not json"), ("openapi.json", "not valid JSON or YAML")),
    Case(
        "spec-yaml-unclosed",
        suite(ON_TARGET.replace(".json", ".yaml"), openapi_DOT_yaml="key: [unclosed"),
        ("openapi.yaml", "not valid JSON or YAML"),
    ),
    Case("spec-empty-file", suite(ON_TARGET, openapi_DOT_json=""), ("openapi.json",)),
    Case("spec-binary", suite(ON_TARGET, openapi_DOT_json=bytes(range(256)) * 8), ("openapi.json",)),
    Case("spec-utf16", suite(ON_TARGET, openapi_DOT_json=OK_SPEC.encode("utf-16")), ("openapi.json",)),
    Case("spec-not-openapi", suite(ON_TARGET, openapi_DOT_json='{"hello": "world"}'), ("not an OpenAPI document",)),
    Case("spec-a-list", suite(ON_TARGET, openapi_DOT_json="[1, 2]"), ("not an OpenAPI document",)),
    Case("spec-a-string", suite(ON_TARGET, openapi_DOT_json='"openapi"'), ("not an OpenAPI document",)),
    Case(
        "spec-version-4",
        suite(ON_TARGET, openapi_DOT_json=openapi({}, "4.0.0")),
        ("OpenAPI version '4.0.0' is not supported",),
    ),
    Case(
        "spec-version-number",
        suite(
            ON_TARGET.replace(".json", ".yaml"),
            openapi_DOT_yaml="openapi: 3.0\ninfo: {title: t, version: '1'}\npaths: {/ok: {get: {responses: {'200': {description: ok}}}}}\n",
        ),
        ("openapi.yaml", "3.0"),
    ),
    Case(
        "spec-swagger-number",
        suite(
            ON_TARGET.replace(".json", ".yaml"),
            openapi_DOT_yaml="swagger: 2.0\ninfo: {title: t, version: '1'}\npaths: {/ok: {get: {responses: {'200': {description: ok}}}}}\n",
        ),
        ("openapi.yaml",),
    ),
    Case("spec-paths-a-list", suite(ON_TARGET, openapi_DOT_json=openapi([])), ("'paths' must be an object",)),  # type: ignore[arg-type]
    Case(
        "spec-no-operation",
        suite(ON_TARGET, openapi_DOT_json=openapi({"/ok": {"summary": "nothing"}})),
        ("documents no operation", "[fuzz] enabled = false"),
    ),
    Case("spec-no-paths", suite(ON_TARGET, openapi_DOT_json=openapi({})), ("documents no operation",)),
    Case(
        "spec-3.1-webhooks-only",
        suite(
            ON_TARGET,
            openapi_DOT_json=json.dumps(
                {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "webhooks": {"ping": get()}}
            ),
        ),
        ("documents no operation",),
    ),
    Case("spec-missing-file", suite(ON_TARGET), ("openapi.json", "spec file not found")),
    Case("spec-a-folder", suite(ON_TARGET, openapi_DOT_json__x="{}"), ("is a folder, not a spec file",)),
    Case(
        "spec-url-unreachable",
        suite('spec = "http://127.0.0.1:9/openapi.json"\nbase_url = "{URL}"\n'),
        ("cannot fetch the spec",),
    ),
    Case("spec-url-404", suite('spec = "{URL}/nope.json"\nbase_url = "{URL}"\n'), ("answered HTTP 404",)),
    Case("spec-url-endless", suite('spec = "{URL}/endless"\nbase_url = "{URL}"\n'), ("cannot fetch the spec",)),
    # --- bounded parsing -----------------------------------------------------------------------------------------
    Case("spec-json-5000-deep", suite(ON_TARGET, openapi_DOT_json=lambda: deep_json(5000)), ("nested more than",)),
    Case(
        "spec-yaml-5000-deep",
        suite(ON_TARGET.replace(".json", ".yaml"), openapi_DOT_yaml=lambda: deep_yaml(5000)),
        ("nested more than",),
    ),
    Case("spec-yaml-alias-bomb", suite(ON_TARGET.replace(".json", ".yaml"), openapi_DOT_yaml=alias_bomb), ("alias",)),
    Case(
        "spec-over-50-mb",
        suite(ON_TARGET, openapi_DOT_json=lambda: '{"openapi": "3.0.3", "x": "' + "y" * (51 * 1024 * 1024) + '"}'),
        ("openapi.json", "50"),
    ),
    # --- $refs ---------------------------------------------------------------------------------------------------
    Case(
        "ref-local-missing",
        suite(ON_TARGET, openapi_DOT_json=openapi({"/ok": get({"$ref": "#/components/schemas/Nope"})})),
        ("#/components/schemas/Nope", "does not resolve"),
    ),
    Case("ref-path-item-missing", suite(ON_TARGET, openapi_DOT_json=openapi({"/ok": {"$ref": "#/x/y"}})), ("#/x/y",)),
    Case(
        "ref-path-item-self",
        suite(ON_TARGET, openapi_DOT_json=openapi({"/ok": {"$ref": "#/paths/~1ok"}})),
        ("refers to itself",),
    ),
    Case(
        "ref-file-missing",
        suite(ON_TARGET, openapi_DOT_json=openapi({"/ok": get({"$ref": "schemas.json#/Thing"})})),
        ("schemas.json",),
    ),
    Case(
        "ref-file-pointer-missing",
        suite(
            ON_TARGET,
            openapi_DOT_json=openapi({"/ok": get({"$ref": "schemas.json#/Nope"})}),
            schemas_DOT_json='{"Thing": {"type": "object"}}',
        ),
        ("schemas.json#/Nope",),
    ),
    Case(
        "ref-outside-folder",
        suite(
            ON_TARGET.replace('"openapi.json"', '"spec/openapi.json"'),
            spec__openapi_DOT_json=openapi({"/ok": get({"$ref": "../private.json#/Thing"})}),
            private_DOT_json='{"Thing": {"type": "object"}}',
        ),
        ("../private.json",),
    ),
    Case(
        "ref-remote-host",
        suite(ON_TARGET, openapi_DOT_json=openapi({"/ok": get({"$ref": "http://192.0.2.1/schemas.json#/Thing"})})),
        ("http://192.0.2.1/schemas.json",),
    ),
    Case(
        "ref-remote-loopback-url",
        suite(ON_TARGET, openapi_DOT_json=openapi({"/ok": get({"$ref": "{URL}/openapi.json#/paths"})})),
        ("/openapi.json",),
    ),
    Case(
        "ref-broken-json-file",
        suite(
            ON_TARGET,
            openapi_DOT_json=openapi({"/ok": get({"$ref": "schemas.json#/Thing"})}),
            schemas_DOT_json="{broken",
        ),
        ("schemas.json",),
    ),
    Case(
        "ref-circular-chain",
        suite(
            ON_TARGET,
            openapi_DOT_json=openapi(
                {"/ok": get({"$ref": "#/components/schemas/A"})},
                components={
                    "schemas": {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}
                },
            ),
        ),
        ("passed",),  # a bare cycle of $refs constrains nothing
        status=0,
    ),
    Case(
        "ref-circular-files",
        suite(
            ON_TARGET,
            openapi_DOT_json=openapi({"/ok": get({"$ref": "a.json#/A"})}),
            a_DOT_json='{"A": {"$ref": "b.json#/B"}}',
            b_DOT_json='{"B": {"$ref": "a.json#/A"}}',
        ),
        ("passed",),
        status=0,
    ),
    # --- specs that are not mistakes: they run ---------------------------------------------------------------------
    Case(
        "ok-multi-file-refs",
        suite(
            ON_TARGET,
            openapi_DOT_json=openapi({"/ok": get({"$ref": "schemas/thing.json"})}),
            schemas__thing_DOT_json='{"type": "object", "properties": {"ok": {"type": "boolean"}}}',
        ),
        ("passed",),
        status=0,
    ),
    Case(
        "ok-path-item-file-ref",
        suite(
            ON_TARGET,
            openapi_DOT_json=openapi({"/ok": {"$ref": "paths.json#/ok"}}),
            paths_DOT_json=json.dumps({"ok": get()}),
        ),
        ("passed",),
        status=0,
    ),
    Case(
        "ok-recursive-schema",
        suite(
            ON_TARGET,
            openapi_DOT_json=openapi(
                {"/ok": get({"$ref": "#/components/schemas/Node"})},
                components={
                    "schemas": {
                        "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}
                    }
                },
            ),
        ),
        ("passed",),
        status=0,
    ),
    Case(
        "ok-duplicate-operation-ids",
        suite(
            ON_TARGET.replace('"examples", "fuzzing"', '"fuzzing"'),
            openapi_DOT_json=openapi({"/ok": get(op_id="same"), "/ok/": get(op_id="same")}),
        ),
        ("passed",),
        status=0,
    ),
    Case(
        "ok-10-mb-string",
        suite(
            ON_TARGET,
            openapi_DOT_json=lambda: openapi(
                {"/ok": {"get": {**get()["get"], "description": "d" * (10 * 1024 * 1024)}}}
            ),
        ),
        ("passed",),
        status=0,
    ),  # type: ignore[dict-item]
    Case(
        "ok-10-mb-example",
        suite(
            ON_TARGET,
            openapi_DOT_json=lambda: openapi(
                {"/ok": get({"type": "object", "example": {"big": "e" * (10 * 1024 * 1024)}})}
            ),
        ),
        ("passed",),
        status=0,
    ),
    Case(
        "ok-swagger-2",
        suite(
            ON_TARGET,
            openapi_DOT_json=json.dumps(
                {
                    "swagger": "2.0",
                    "info": {"title": "t", "version": "1"},
                    "produces": ["application/json"],
                    "paths": {
                        "/ok": {
                            "get": {
                                "operationId": "ok",
                                "parameters": [
                                    {
                                        "name": "tags",
                                        "in": "query",
                                        "type": "array",
                                        "items": {"type": "string"},
                                        "collectionFormat": "multi",
                                    },
                                    {"name": "X-Trace", "in": "header", "type": "string", "x-nullable": True},
                                ],
                                "responses": {"200": {"description": "ok", "schema": {"type": "object"}}},
                            }
                        }
                    },
                }
            ),
        ),
        ("passed",),
        status=0,
    ),
    Case(
        "ok-swagger-2-formdata",
        suite(
            ON_TARGET.replace('"examples", "fuzzing"', '"fuzzing"'),
            openapi_DOT_json=json.dumps(
                {
                    "swagger": "2.0",
                    "info": {"title": "t", "version": "1"},
                    "consumes": ["application/x-www-form-urlencoded"],
                    "paths": {
                        "/ok": {
                            "get": {
                                "operationId": "ok",
                                "responses": {"200": {"description": "ok", "schema": {"type": "object"}}},
                            }
                        },
                        "/invalid-json": {
                            "get": {"responses": {"200": {"description": "ok", "schema": {"type": "object"}}}}
                        },
                    },
                }
            ),
        ),
        ("response_schema_conformance",),
        status=1,
    ),
    Case(
        "ok-openapi-3.1",
        suite(
            ON_TARGET,
            openapi_DOT_json=openapi(
                {"/ok": get({"$ref": "#/$defs/Ok"})},
                "3.1.0",
                **{
                    "$defs": {
                        "Ok": {
                            "type": ["object", "null"],
                            "properties": {"ok": {"const": True}},
                            "examples": [{"ok": True}],
                        }
                    },
                    "jsonSchemaDialect": "https://spec.openapis.org/oas/3.1/dialect/base",
                },
            ),
        ),
        ("passed",),
        status=0,
    ),
    Case(
        "ok-openapi-3.1-no-paths-webhooks",
        suite(
            ON_TARGET,
            openapi_DOT_json=json.dumps(
                {
                    "openapi": "3.1.0",
                    "info": {"title": "t", "version": "1"},
                    "paths": {"/ok": get()},
                    "webhooks": {"ping": {"post": {"responses": {"200": {"description": "ok"}}}}},
                }
            ),
        ),
        ("passed",),
        status=0,
    ),
    # --- suite files ---------------------------------------------------------------------------------------------
    Case("toml-invalid", suite("spec = \n"), ("apitest.toml", "not valid TOML")),
    Case(
        "toml-utf16",
        {"apitest.toml": 'serve = "a:b"\n'.encode("utf-16")},
        ("apitest.toml", "not UTF-8 text; save the file as UTF-8"),
    ),
    Case(
        "toml-latin1",
        {"apitest.toml": 'base_url = "http://127.0.0.1:9"\n# caf\xe9\n'.encode("latin-1")},
        ("apitest.toml", "not UTF-8"),
    ),
    Case("toml-duplicate-key", suite('spec = "a"\nspec = "b"\n'), ("apitest.toml", "not valid TOML")),
    Case("toml-empty", suite(""), ("apitest.toml", "base_url")),
    Case(
        "toml-unknown-key",
        suite('serve = "x:app"\n[fuzz]\nmax_exampels = 3\n'),
        ("[fuzz]: unknown key 'max_exampels'. Did you mean 'max_examples'?",),
    ),
    Case("toml-unknown-table", suite('serve = "x:app"\n[fuz]\nseed = 1\n'), ("unknown key 'fuz'",)),
    Case("toml-wrong-type", suite('serve = "x:app"\n[fuzz]\nmax_examples = "many"\n'), ("max_examples", "not valid")),
    Case("toml-out-of-range", suite('serve = "x:app"\n[fuzz]\nworkers = 0\n'), ("workers = 0 is not valid",)),
    Case("toml-bad-phase", suite('serve = "x:app"\n[fuzz]\nphases = ["fuzz"]\n'), ("phases", "not valid")),
    Case("toml-bad-base-url", suite('base_url = "localhost:8000"\n'), ("base_url", "not valid")),
    Case("toml-serve-no-colon", suite('serve = "nocolon"\n'), ("serve", "module:attribute")),
    Case("toml-serve-missing-module", suite('serve = "apitest_no_such_module:app"\n'), ("apitest_no_such_module",)),
    Case(
        "toml-base-url-unreachable",
        suite('spec = "openapi.json"\nbase_url = "http://127.0.0.1:9"\n', openapi_DOT_json=OK_SPEC),
        ("base URL http://127.0.0.1:9 is unreachable",),
    ),
    Case(
        "toml-request-timeout-0",
        suite(ON_TARGET + "request_timeout = 0\n", openapi_DOT_json=OK_SPEC),
        ("request_timeout = 0 is not valid",),
    ),
    Case(
        "toml-connect-timeout-negative",
        suite(ON_TARGET + "connect_timeout = -1\n", openapi_DOT_json=OK_SPEC),
        ("connect_timeout = -1 is not valid",),
    ),
    Case(
        "toml-max-response-size-tiny",
        suite(ON_TARGET + "max_response_size = 10\n", openapi_DOT_json=OK_SPEC),
        ("max_response_size = 10 is not valid",),
    ),
    Case(
        "toml-max-duration-0",
        suite(ON_TARGET + "max_duration = 0\n", openapi_DOT_json=OK_SPEC),
        ("max_duration = 0 is not valid",),
    ),
    Case(
        "toml-first-byte-zero",
        suite(ON_TARGET + "first_byte_timeout = 0\n", openapi_DOT_json=OK_SPEC),
        ("first_byte_timeout = 0 is not valid",),
    ),
    Case(
        "toml-unknown-check",
        suite(ON_TARGET + 'checks = ["not_a_check"]\n', openapi_DOT_json=OK_SPEC),
        ("unknown check 'not_a_check'",),
    ),
    Case(
        "toml-env-missing",
        suite('serve = "x:app"\n[auth.headers]\nAuthorization = "Bearer ${APITEST_CORPUS_UNSET_VAR}"\n'),
        ("APITEST_CORPUS_UNSET_VAR",),
    ),
    Case(
        "toml-schemathesis-clash",
        suite(ON_TARGET + "[fuzz.schemathesis]\nworkers = 3\n", openapi_DOT_json=OK_SPEC),
        ("workers",),
    ),
    Case(
        "toml-ref-outside-ref-root",
        suite(
            ON_TARGET.replace("[fuzz]", 'ref_root = "schemas"\n[fuzz]'),
            openapi_DOT_json=openapi({"/ok": get({"$ref": "other.json#/Thing"})}),
            other_DOT_json='{"Thing": {"type": "object"}}',
            schemas__keep_DOT_json="{}",
        ),
        ("other.json",),
    ),
    # --- where the report goes -------------------------------------------------------------------------------------
    Case(
        "report-dir-is-a-file",
        suite(ON_TARGET, openapi_DOT_json=OK_SPEC, afile="x"),
        ("report folder", "afile", "it is a file"),
        args=("--apitest-report-dir=afile",),
    ),
    Case(
        "report-dir-under-a-file",
        suite(ON_TARGET, openapi_DOT_json=OK_SPEC, afile="x"),
        ("afile is a file",),
        args=("--apitest-report-dir=afile/sub",),
    ),
    Case(
        "report-file-is-a-folder",
        suite(ON_TARGET, openapi_DOT_json=OK_SPEC, report__report_DOT_html__keep="x"),
        ("cannot write the report there", "it was written to"),
    ),
    # --- pacts ---------------------------------------------------------------------------------------------------
    Case(
        "pact-empty-interactions",
        suite(CONTRACTS, openapi_DOT_json=OK_SPEC, pacts__web_DOT_json=pact([])),
        ("web.json",),
    ),
    Case(
        "pact-not-json",
        suite(CONTRACTS, openapi_DOT_json=OK_SPEC, pacts__web_DOT_json="{nope"),
        ("web.json", "not valid JSON"),
    ),
    Case("pact-a-list", suite(CONTRACTS, openapi_DOT_json=OK_SPEC, pacts__web_DOT_json="[]"), ("web.json",)),
    Case(
        "pact-interaction-without-request",
        suite(
            CONTRACTS,
            openapi_DOT_json=OK_SPEC,
            pacts__web_DOT_json=pact([{"description": "x", "response": {"status": 200}}]),
        ),
        # read as Pact's core reads it (GET /), so judged, not refused
        ("No path template of the spec matches '/'",),
        status=1,
    ),
    Case(
        "pact-interactions-not-a-list",
        suite(CONTRACTS, openapi_DOT_json=OK_SPEC, pacts__web_DOT_json=pact({"a": 1})),
        ("web.json",),
    ),
    Case(
        "pact-utf16",
        suite(CONTRACTS, openapi_DOT_json=OK_SPEC, pacts__web_DOT_json=pact(ONE_INTERACTION).encode("utf-16")),
        ("web.json", "UTF-8"),
    ),
    Case(
        "pact-5000-deep",
        suite(
            CONTRACTS,
            openapi_DOT_json=OK_SPEC,
            pacts__web_DOT_json=lambda: pact(ONE_INTERACTION, x=None).replace("null", "[" * 5000 + "]" * 5000),
        ),
        ("web.json", "nested more than"),
    ),
    Case(
        "pact-file-missing",
        suite(CONTRACTS.replace('["pacts"]', '["pacts/gone.json"]'), openapi_DOT_json=OK_SPEC),
        ("gone.json", "does not exist"),
    ),
    Case("pact-folder-empty", suite(CONTRACTS, openapi_DOT_json=OK_SPEC, pacts__README_DOT_md="none"), ("pacts",)),
    Case(
        "pact-no-matching-provider",
        suite(
            CONTRACTS + 'provider = "billing"\n', openapi_DOT_json=OK_SPEC, pacts__web_DOT_json=pact(ONE_INTERACTION)
        ),
        ("billing",),
    ),
    Case(
        "pact-url-unreachable",
        suite(CONTRACTS.replace('["pacts"]', '["http://127.0.0.1:9/pact.json"]'), openapi_DOT_json=OK_SPEC),
        ("127.0.0.1:9", "cannot fetch the pact"),
    ),
    Case(
        "pact-bad-states",
        suite(CONTRACTS + 'states = "nocolon"\n', openapi_DOT_json=OK_SPEC, pacts__web_DOT_json=pact(ONE_INTERACTION)),
        ("states",),
    ),
    # --- load ----------------------------------------------------------------------------------------------------
    Case(
        "load-users-over-bound",
        suite(LOAD + "[load.x]\nusers = 5000\n", openapi_DOT_json=OK_SPEC),
        ("users = 5000 is over 1000; set allow_large = true",),
    ),
    Case(
        "load-duration-36h",
        suite(LOAD + "[load.x]\nduration = 129600\n", openapi_DOT_json=OK_SPEC),
        ("duration = 129600 is over 600",),
    ),
    Case(
        "load-ramp-36h",
        suite(LOAD + "[load.x]\nramp = 129600\n", openapi_DOT_json=OK_SPEC),
        ("ramp = 129600 is over 600",),
    ),
    Case(
        "load-spike-at-a-day",
        suite(
            LOAD + "[load.x]\nshape = 'spike'\nspike_users = 5\nspike_at = 86400\nspike_duration = 5\n",
            openapi_DOT_json=OK_SPEC,
        ),
        ("spike_at = 86400 is over 600",),
    ),
    Case(
        "load-period-an-hour",
        suite(LOAD + "[load.x]\nshape = 'burst'\nburst_users = 5\nperiod = 3600\n", openapi_DOT_json=OK_SPEC),
        ("period = 3600 is over 600",),
    ),
    Case(
        "load-step-duration-2h",
        suite(LOAD + "[load.x]\nshape = 'step'\nstep_users = 1\nstep_duration = 7200\n", openapi_DOT_json=OK_SPEC),
        ("step_duration = 7200 is over 600",),
    ),
    Case(
        "load-spawn-rate",
        suite(LOAD + "[load.x]\nspawn_rate = 100000\n", openapi_DOT_json=OK_SPEC),
        ("spawn_rate = 100000 is over 1000",),
    ),
    Case(
        "load-worker-wait",
        suite(LOAD + "[load]\nworker_wait = 3600\n[load.x]\n", openapi_DOT_json=OK_SPEC),
        ("worker_wait = 3600 is not valid",),
    ),
    Case(
        "load-rate-over-bound",
        suite(LOAD + "[load.x]\nshape = 'arrival'\nrate = 100000\n", openapi_DOT_json=OK_SPEC),
        ("rate = 100000 is over 5000",),
    ),
    Case(
        "load-workers-over-bound",
        suite(LOAD + "[load.x]\nworkers = 64\n", openapi_DOT_json=OK_SPEC),
        ("workers = 64 is over 32",),
    ),
    Case(
        "load-off-host",
        suite(LOAD.replace("{URL}", "http://192.0.2.10:8080") + "[load.x]\n", openapi_DOT_json=OK_SPEC),
        ("refusing to load 192.0.2.10", "allow_hosts"),
    ),
    Case(
        "load-slo-unknown-operation",
        suite(LOAD + '[load.x]\n[load.x.slo."GET /okk"]\np95_ms = 10\n', openapi_DOT_json=OK_SPEC),
        ("GET /okk", "Did you mean 'GET /ok'"),
    ),
    Case(
        "load-unknown-metric",
        suite(LOAD + "[load.x.slo]\np95 = 10\n", openapi_DOT_json=OK_SPEC),
        ("unknown metric 'p95'. Did you mean 'p95_ms'?",),
    ),
    # --- locustfiles (the profile runs, and its Locust child refuses the file) --------------------------------------
    Case("locustfile-missing", suite(LOCUST, openapi_DOT_json=OK_SPEC), ("users.py",)),
    Case(
        "locustfile-syntax-error", suite(LOCUST, openapi_DOT_json=OK_SPEC, users_DOT_py="def broken(:\n"), ("users.py",)
    ),
    Case(
        "locustfile-no-user",
        suite(LOCUST, openapi_DOT_json=OK_SPEC, users_DOT_py="x = 1\n"),
        ("users.py", "defines no User class"),
    ),
    Case(
        "locustfile-import-error",
        suite(LOCUST, openapi_DOT_json=OK_SPEC, users_DOT_py="import apitest_no_such_module\n"),
        ("users.py", "apitest_no_such_module"),
    ),
    Case(
        "locustfile-raises",
        suite(LOCUST, openapi_DOT_json=OK_SPEC, users_DOT_py="raise RuntimeError('boom at import')\n"),
        ("users.py", "boom at import"),
    ),
    Case(
        "locustfile-exits",
        suite(LOCUST, openapi_DOT_json=OK_SPEC, users_DOT_py="import sys\nsys.exit(3)\n"),
        ("users.py",),
    ),
    Case("locustfile-a-folder", suite(LOCUST, openapi_DOT_json=OK_SPEC, users_DOT_py__x="x"), ("users.py",)),
]


@pytest.fixture(scope="module")
def api() -> Iterator[FaultyServer]:
    with FaultyServer() as server:
        yield server


def _files(root: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for path in root.rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            stat = path.stat()
            found[str(path.relative_to(root))] = (stat.st_size, stat.st_mtime_ns)
    return found


def _write(root: Path, files: dict[str, Content], url: str) -> None:
    for name, content in files.items():
        data = content() if callable(content) else content
        if isinstance(data, str):
            data = data.replace("{URL}", url).encode("utf-8")
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_corpus(
    pytester: pytest.Pytester, api: FaultyServer, monkeypatch: pytest.MonkeyPatch, tmp_path_factory, case: Case
) -> None:
    monkeypatch.delenv("APITEST_CORPUS_UNSET_VAR", raising=False)
    # the machine's cache (Hypothesis's tables), which is not the working folder: pytester makes HOME the working folder
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    _write(pytester.path, case.files, api.url)
    before = _files(pytester.path)
    args = (
        case.args
        if any(a.startswith("--apitest-report-dir") for a in case.args)
        else ("--apitest-report-dir=report", *case.args)
    )
    # A run that fuzzes runs in a process of its own: Hypothesis inside the test process's Hypothesis generates nothing.
    run = pytester.runpytest_inprocess if case.status == 4 and not case.fuzzes else pytester.runpytest_subprocess
    result = run(*args)
    output = result.stdout.str() + "\n" + result.stderr.str()
    assert result.ret == case.status, output[-3000:]
    assert not TRACEBACK.search(output), output[-3000:]
    assert "apitest failed reading this suite" not in output  # apitest's own bug, reported as one
    if case.status == 4:
        # a collection error is pytest's "ERROR: apitest: ..."; an item's setup error is its failure, "apitest: ..."
        lines = [
            line
            for line in output.splitlines()
            if line.startswith("ERROR: apitest:")
            or (line.startswith("apitest: ") and not line.startswith("apitest: seed"))
        ]
        assert lines, output[-3000:]
        assert all(part in lines[0] for part in case.expect), lines
    else:
        assert all(part in output for part in case.expect), output[-3000:]
    report_dir = pytester.path / (args[0].split("=", 1)[1])
    outside = {
        name
        for name, stamp in _files(pytester.path).items()
        if before.get(name) != stamp
        and not (pytester.path / name).is_relative_to(report_dir)
        and name not in ("stdout", "stderr")  # pytester's own record of a subprocess run
    }
    assert outside == set(case.outside), outside
    if report_dir.is_dir():
        for path in report_dir.rglob("*"):
            if path.is_file():
                assert not TRACEBACK.search(path.read_text(encoding="utf-8", errors="replace")), path


def test_the_corpus_has_at_least_80_cases_of_every_kind():
    kinds = {c.id.split("-", 1)[0] for c in CASES}
    assert len(CASES) >= 80
    assert kinds >= {"spec", "ref", "ok", "toml", "report", "pact", "load", "locustfile"}
    assert len({c.id for c in CASES}) == len(CASES)
    assert os.sep == "/"  # the case files are written with / in their names
