"""Pact files (specs V1.1 to V4) read into plain, typed interactions with their matching rules normalised.

Only HTTP interactions are kept: message interactions (V3 `messages`, V4 `Asynchronous/Messages` and
`Synchronous/Messages`) are counted in `PactDocument.skipped`. A malformed file is a `PactFileError` naming the
file and the JSON path of the bad value, e.g. `pacts/x.json: $.interactions[2].request.method is missing`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from ..errors import PactFileError
from .matching import RuleError, Rules, parse_v2, parse_v3

HTTP_TYPE = "Synchronous/HTTP"
_missing = object()


@dataclass(frozen=True, slots=True)
class ProviderState:
    name: str
    params: dict[str, Any] = field(default_factory=dict)

    def label(self) -> str:
        if not self.params:
            return self.name
        return f"{self.name} ({', '.join(f'{k}={v!r}' for k, v in self.params.items())})"


@dataclass(frozen=True, slots=True)
class Request:
    method: str  # upper case
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    has_body: bool = False
    content_type: str | None = None
    rules: Rules = field(default_factory=Rules)

    def header(self, name: str) -> str | None:
        return _header(self.headers, name)


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    has_body: bool = False
    content_type: str | None = None
    rules: Rules = field(default_factory=Rules)

    def header(self, name: str) -> str | None:
        return _header(self.headers, name)


@dataclass(frozen=True, slots=True)
class Interaction:
    description: str
    request: Request
    response: Response
    states: tuple[ProviderState, ...] = ()
    index: int = 0  # position among the file's interactions (all kinds)
    key: str | None = None  # V4 `key`
    pending: bool = False


@dataclass(frozen=True, slots=True)
class PactDocument:
    consumer: str
    provider: str
    specification: str  # "V1", "V2", "V3" or "V4"
    interactions: tuple[Interaction, ...]
    source: str  # the file path or URL it was read from
    data: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    skipped: int = 0


def read_pact_file(path: Path | str, label: str | None = None) -> PactDocument:
    """The pact at `path`; `label` is how errors name it (default: the path)."""
    label = label or str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PactFileError(f"{label}: pact file not found; check `pacts` in the suite file.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PactFileError(f"{label}: cannot read the pact file ({exc}).") from exc
    return parse_pact_text(text, label)


def parse_pact_text(text: str, source: str) -> PactDocument:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PactFileError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    return parse_pact(data, source)


def parse_pact(data: Any, source: str) -> PactDocument:
    """A pact document from its parsed JSON."""
    reader = _Reader(source)
    root = reader.obj(data, "$")
    consumer = reader.name(root, "consumer")
    provider = reader.name(root, "provider")
    spec = specification_of(root)
    interactions: list[Interaction] = []
    skipped = 0
    if "interactions" not in root and "messages" in root:
        skipped = len(root["messages"]) if isinstance(root["messages"], list) else 0
    else:
        raw = reader.array(root.get("interactions", _missing), "$.interactions")
        for i, item in enumerate(raw):
            where = f"$.interactions[{i}]"
            obj = reader.obj(item, where)
            kind = obj.get("type", HTTP_TYPE)
            if spec == "V4" and kind != HTTP_TYPE:
                if not isinstance(kind, str):
                    raise reader.error(f"{where}.type", "is not a string")
                skipped += 1
                continue
            interactions.append(reader.interaction(obj, where, i, spec))
    return PactDocument(consumer, provider, spec, tuple(interactions), source, data=root, skipped=skipped)


def specification_of(root: Mapping[str, Any]) -> str:
    """The pact's spec version from its metadata, else guessed from its shape (V4 interactions carry `type`)."""
    meta = root.get("metadata")
    version: Any = None
    if isinstance(meta, Mapping):
        for key in ("pactSpecification", "pact-specification"):
            section = meta.get(key)
            if isinstance(section, Mapping):
                version = section.get("version")
        version = version or meta.get("pactSpecificationVersion")
    if isinstance(version, str) and version[:1] in "1234":
        return f"V{version[0]}"
    interactions = root.get("interactions")
    if isinstance(interactions, list) and any(isinstance(i, Mapping) and "type" in i for i in interactions):
        return "V4"
    if isinstance(interactions, list) and any(isinstance(i, Mapping) and "providerStates" in i for i in interactions):
        return "V3"
    return "V2"


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, path: str, problem: str) -> PactFileError:
        return PactFileError(f"{self.source}: {path} {problem}.")

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if value is _missing:
            raise self.error(path, "is missing")
        if not isinstance(value, dict):
            raise self.error(path, f"must be an object, not {_json_kind(value)}")
        return value

    def array(self, value: Any, path: str) -> list[Any]:
        if value is _missing:
            raise self.error(path, "is missing")
        if not isinstance(value, list):
            raise self.error(path, f"must be an array, not {_json_kind(value)}")
        return value

    def string(self, obj: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str | None:
        value = obj.get(key, _missing)
        if value is _missing or value is None:
            if required:
                raise self.error(f"{path}.{key}", "is missing")
            return None
        if not isinstance(value, str):
            raise self.error(f"{path}.{key}", f"must be a string, not {_json_kind(value)}")
        return value

    def name(self, root: Mapping[str, Any], party: str) -> str:
        obj = self.obj(root.get(party, _missing), f"$.{party}")
        name = self.string(obj, "name", f"$.{party}")
        assert name is not None
        if not name:
            raise self.error(f"$.{party}.name", "is empty")
        return name

    def interaction(self, obj: dict[str, Any], where: str, index: int, spec: str) -> Interaction:
        description = self.string(obj, "description", where)
        assert description is not None
        states = self.states(obj, where)
        request = self.request(self.obj(obj.get("request", _missing), f"{where}.request"), f"{where}.request", spec)
        response = self.response(
            self.obj(obj.get("response", _missing), f"{where}.response"), f"{where}.response", spec
        )
        key = obj.get("key")
        return Interaction(
            description=description,
            request=request,
            response=response,
            states=states,
            index=index,
            key=key if isinstance(key, str) else None,
            pending=obj.get("pending") is True,
        )

    def states(self, obj: Mapping[str, Any], where: str) -> tuple[ProviderState, ...]:
        if "providerStates" in obj:
            raw = self.array(obj["providerStates"], f"{where}.providerStates")
            states = []
            for i, item in enumerate(raw):
                at = f"{where}.providerStates[{i}]"
                state = self.obj(item, at)
                name = self.string(state, "name", at)
                assert name is not None
                params = state.get("params") or {}
                if not isinstance(params, dict):
                    raise self.error(f"{at}.params", f"must be an object, not {_json_kind(params)}")
                states.append(ProviderState(name, params))
            return tuple(states)
        name = self.string(obj, "providerState", where, required=False) or self.string(
            obj, "provider_state", where, required=False
        )
        return (ProviderState(name),) if name else ()

    def request(self, obj: dict[str, Any], where: str, spec: str) -> Request:
        method = self.string(obj, "method", where)
        path = self.string(obj, "path", where)
        assert method is not None and path is not None
        if not method.strip():
            raise self.error(f"{where}.method", "is empty")
        headers = self.headers(obj, where)
        body, has_body, body_type = self.body(obj, where, spec, headers)
        return Request(
            method=method.strip().upper(),
            path=path,
            query=self.query(obj, where),
            headers=headers,
            body=body,
            has_body=has_body,
            content_type=_header(headers, "content-type") or body_type,
            rules=self.rules(obj, where, spec),
        )

    def response(self, obj: dict[str, Any], where: str, spec: str) -> Response:
        status = obj.get("status", _missing)
        if status is _missing:
            raise self.error(f"{where}.status", "is missing")
        if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
            raise self.error(f"{where}.status", f"must be an HTTP status code (100-599), not {json.dumps(status)}")
        headers = self.headers(obj, where)
        body, has_body, body_type = self.body(obj, where, spec, headers)
        return Response(
            status=status,
            headers=headers,
            body=body,
            has_body=has_body,
            content_type=_header(headers, "content-type") or body_type,
            rules=self.rules(obj, where, spec),
        )

    def headers(self, obj: Mapping[str, Any], where: str) -> dict[str, str]:
        raw = obj.get("headers")
        if raw is None:
            return {}
        if not isinstance(raw, dict):
            raise self.error(f"{where}.headers", f"must be an object, not {_json_kind(raw)}")
        headers = {}
        for name, value in raw.items():
            if isinstance(value, list) and all(isinstance(v, str) for v in value):
                headers[name] = ", ".join(value)
            elif isinstance(value, str):
                headers[name] = value
            else:
                raise self.error(
                    f"{where}.headers[{json.dumps(name)}]",
                    f"must be a string or an array of strings, not {_json_kind(value)}",
                )
        return headers

    def query(self, obj: Mapping[str, Any], where: str) -> dict[str, list[str]]:
        raw = obj.get("query")
        if raw is None or raw == "":
            return {}
        if isinstance(raw, str):
            return {k: list(v) for k, v in parse_qs(raw, keep_blank_values=True).items()}
        if not isinstance(raw, dict):
            raise self.error(f"{where}.query", f"must be an object or a string, not {_json_kind(raw)}")
        query = {}
        for name, value in raw.items():
            if isinstance(value, str):
                query[name] = [value]
            elif isinstance(value, list) and all(isinstance(v, str | None) for v in value):
                query[name] = ["" if v is None else v for v in value]
            else:
                raise self.error(
                    f"{where}.query[{json.dumps(name)}]", f"must be an array of strings, not {_json_kind(value)}"
                )
        return query

    def body(
        self, obj: Mapping[str, Any], where: str, spec: str, headers: Mapping[str, str]
    ) -> tuple[Any, bool, str | None]:
        if "body" not in obj:
            return None, False, None
        raw = obj["body"]
        if spec != "V4" or not isinstance(raw, dict) or "content" not in raw:
            return raw, True, None
        content_type = raw.get("contentType")
        if content_type is not None and not isinstance(content_type, str):
            raise self.error(f"{where}.body.contentType", f"must be a string, not {_json_kind(content_type)}")
        content = raw["content"]
        encoded = raw.get("encoded", False)
        declared = (_header(headers, "content-type") or content_type or "").lower()
        if encoded in ("base64", True) and isinstance(content, str):
            try:
                decoded = base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError):
                raise self.error(
                    f"{where}.body.content", "is not valid base64 (the body says encoded: base64)"
                ) from None
            content = decoded.decode("utf-8", "replace")
            if _is_json(declared):
                content = self.json_text(content, f"{where}.body.content")
        elif isinstance(encoded, str) and encoded.lower() == "json" and isinstance(content, str):
            content = self.json_text(content, f"{where}.body.content")
        return content, True, content_type

    def json_text(self, text: str, path: str) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise self.error(path, f"is not valid JSON ({exc.msg})") from None

    def rules(self, obj: Mapping[str, Any], where: str, spec: str) -> Rules:
        raw = obj.get("matchingRules")
        if raw is None:
            return Rules()
        if not isinstance(raw, dict):
            raise self.error(f"{where}.matchingRules", f"must be an object, not {_json_kind(raw)}")
        v2 = spec in ("V1", "V2") or any(k.startswith("$") for k in raw)
        try:
            return parse_v2(raw) if v2 else parse_v3(raw)
        except RuleError as exc:
            raise self.error(f"{where}.matchingRules", f"is not valid: {exc}") from None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";")[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _json_kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def is_json_media(content_type: str | None) -> bool:
    return content_type is not None and _is_json(content_type)
