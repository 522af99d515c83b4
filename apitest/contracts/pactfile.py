"""Pact files (specs V1.1 to V4) read into plain, typed interactions with their matching rules normalised.

A file is read as leniently as Pact's own Rust core reads it (pact_ffi 0.5.12, measured on every variant in
tests/contracts/test_pactfile.py): a missing description, method, path or status takes the core's default
("Interaction N", GET, "/", 200), headers and query values that are numbers are their text, malformed optional
parts (provider-state params, header or query maps of the wrong shape) are left out, and matching rules are read by
their form rather than by the version the file declares (see `matching`). What the core refuses is a
`PactFileError` naming the file and the JSON path of the bad value, e.g.
`pacts/x.json: $.interactions[2].response.status must be an HTTP status code, not "200"`.

Only HTTP interactions are checked: message interactions (V3 `messages`, V4 `Asynchronous/Messages` and
`Synchronous/Messages`) are kept as `OtherInteraction`s, so that reports can say they were not checked and why.
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
from .matching import RuleError, Rules, Token, parse_path, parse_rules

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
class Generator:
    """A value pact generates at verification (V3/V4 `generators`): the example in the body is a placeholder."""

    kind: str  # "DateTime", "Date", "Time", "RandomInt", "Uuid", "ProviderState", ...
    format: str | None = None


@dataclass(frozen=True, slots=True)
class Request:
    method: str  # upper case
    path: str
    query: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # JSON data, text, or bytes for a binary body
    has_body: bool = False
    content_type: str | None = None
    rules: Rules = field(default_factory=Rules)
    generators: Mapping[tuple[Token, ...], Generator] = field(default_factory=dict)
    body_path: str = ""  # where the body sits in the file: "$.interactions[0].request.body"

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
    generators: Mapping[tuple[Token, ...], Generator] = field(default_factory=dict)
    body_path: str = ""

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

    @property
    def pact_path(self) -> str:
        return f"$.interactions[{self.index}]"


@dataclass(frozen=True, slots=True)
class OtherInteraction:
    """An interaction apitest does not check against OpenAPI (a message), with what it is."""

    description: str
    kind: str  # "Asynchronous/Messages", "Synchronous/Messages", "V3 message"
    pact_path: str  # "$.interactions[2]" or "$.messages[0]"
    states: tuple[ProviderState, ...] = ()

    @property
    def reason(self) -> str:
        return (
            f"a {self.kind} interaction: OpenAPI describes HTTP requests and responses, so it is not checked "
            "against the spec (nor replayed against the provider)"
        )


@dataclass(frozen=True, slots=True)
class PactDocument:
    consumer: str
    provider: str
    specification: str  # "V1", "V2", "V3" or "V4"
    interactions: tuple[Interaction, ...]
    source: str  # the file path or URL it was read from
    data: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)
    others: tuple[OtherInteraction, ...] = ()

    @property
    def skipped(self) -> int:
        return len(self.others)


def read_pact_file(path: Path | str, label: str | None = None) -> PactDocument:
    """The pact at `path`; `label` is how errors name it (default: the path)."""
    label = label or str(path)
    from ..parsing import LimitError, check_size

    try:
        check_size(Path(path).stat().st_size)
        text = Path(path).read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        raise PactFileError(f"{label}: pact file not found; check `pacts` in the suite file.") from None
    except LimitError as exc:
        raise PactFileError(f"{label}: {exc}") from None
    except UnicodeDecodeError as exc:
        raise PactFileError(f"{label}: not UTF-8 text (byte {exc.start}); save the pact as UTF-8.") from None
    except OSError as exc:
        raise PactFileError(f"{label}: cannot read the pact file ({exc.strerror or exc}).") from None
    return parse_pact_text(text, label)


def parse_pact_text(text: str, source: str) -> PactDocument:
    from ..parsing import LimitError, parse_json

    try:
        data = parse_json(text)  # bounded in size and nesting
    except LimitError as exc:
        raise PactFileError(f"{source}: {exc}") from None
    except json.JSONDecodeError as exc:
        raise PactFileError(f"{source}: not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    return parse_pact(data, source)


def parse_pact(data: Any, source: str) -> PactDocument:
    """A pact document from its parsed JSON."""
    reader = _Reader(source)
    if not isinstance(data, dict):
        raise reader.error("$", f"must be an object, not {_json_kind(data)}")
    spec = specification_of(data)
    interactions: list[Interaction] = []
    others: list[OtherInteraction] = []
    raw = data.get("interactions")
    for i, item in enumerate(raw if isinstance(raw, list) else []):
        where = f"$.interactions[{i}]"
        obj = item if isinstance(item, dict) else {}  # the core reads anything else as an empty interaction
        kind = obj.get("type", HTTP_TYPE)
        if spec == "V4" and kind != HTTP_TYPE:
            if not isinstance(kind, str):
                raise reader.error(f"{where}.type", f"must be a string, not {_json_kind(kind)}")
            others.append(OtherInteraction(_description(obj, i), kind, where, reader.states(obj, where)))
            continue
        interactions.append(reader.interaction(obj, where, i, spec))
    messages = data.get("messages")
    for i, item in enumerate(messages if isinstance(messages, list) else []):
        obj = item if isinstance(item, dict) else {}
        where = f"$.messages[{i}]"
        others.append(OtherInteraction(_description(obj, i), "V3 message", where, reader.states(obj, where)))
    return PactDocument(
        _name(data, "consumer"),
        _name(data, "provider"),
        spec,
        tuple(interactions),
        source,
        data=data,
        others=tuple(others),
    )


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


def _name(root: Mapping[str, Any], party: str) -> str:
    """The consumer's or provider's name; the core names a missing one "consumer" / "provider"."""
    obj = root.get(party)
    name = obj.get("name") if isinstance(obj, Mapping) else None
    if name is None:
        return party
    return name if isinstance(name, str) else json.dumps(name)


def _description(obj: Mapping[str, Any], index: int) -> str:
    value = obj.get("description")
    if value is None:
        return f"Interaction {index}"
    return value if isinstance(value, str) else json.dumps(value)


class _Reader:
    def __init__(self, source: str) -> None:
        self.source = source

    def error(self, path: str, problem: str) -> PactFileError:
        return PactFileError(f"{self.source}: {path} {problem}.")

    def interaction(self, obj: Mapping[str, Any], where: str, index: int, spec: str) -> Interaction:
        request = obj.get("request")
        response = obj.get("response")
        key = obj.get("key")
        return Interaction(
            description=_description(obj, index),
            request=self.request(request if isinstance(request, dict) else {}, f"{where}.request", spec),
            response=self.response(response if isinstance(response, dict) else {}, f"{where}.response", spec),
            states=self.states(obj, where),
            index=index,
            key=key if isinstance(key, str) else None,
            pending=obj.get("pending") is True,
        )

    def states(self, obj: Mapping[str, Any], where: str) -> tuple[ProviderState, ...]:
        raw = obj.get("providerStates")
        if isinstance(raw, list):
            states = []
            for item in raw:
                if not isinstance(item, Mapping):
                    continue
                name = item.get("name")
                params = item.get("params")
                states.append(
                    ProviderState(
                        name if isinstance(name, str) else ("" if name is None else json.dumps(name)),
                        dict(params) if isinstance(params, Mapping) else {},
                    )
                )
            return tuple(states)
        name = obj.get("providerState") or obj.get("provider_state")
        return (ProviderState(name),) if isinstance(name, str) and name else ()

    def request(self, obj: Mapping[str, Any], where: str, spec: str) -> Request:
        method = obj.get("method")
        path = obj.get("path")
        headers = self.headers(obj)
        body, has_body, body_type, body_path = self.body(obj, where, spec, headers)
        return Request(
            method=(method.strip().upper() if isinstance(method, str) else "") or "GET",
            path=path if isinstance(path, str) and path else "/",
            query=self.query(obj),
            headers=headers,
            body=body,
            has_body=has_body,
            content_type=_header(headers, "content-type") or body_type,
            rules=self.rules(obj, where),
            generators=self.generators(obj, where),
            body_path=body_path,
        )

    def response(self, obj: Mapping[str, Any], where: str, spec: str) -> Response:
        status = obj.get("status", 200)
        if isinstance(status, bool) or not isinstance(status, int) or status < 0:
            raise self.error(f"{where}.status", f"must be an HTTP status code, not {json.dumps(status)}")
        headers = self.headers(obj)
        body, has_body, body_type, body_path = self.body(obj, where, spec, headers)
        return Response(
            status=status,
            headers=headers,
            body=body,
            has_body=has_body,
            content_type=_header(headers, "content-type") or body_type,
            rules=self.rules(obj, where),
            generators=self.generators(obj, where),
            body_path=body_path,
        )

    def headers(self, obj: Mapping[str, Any]) -> dict[str, str]:
        raw = obj.get("headers")
        if not isinstance(raw, Mapping):
            return {}
        headers = {}
        for name, value in raw.items():
            if isinstance(value, list):
                headers[name] = ", ".join(_text(v) for v in value)
            elif value is not None:
                headers[name] = _text(value)
        return headers

    def query(self, obj: Mapping[str, Any]) -> dict[str, list[str]]:
        raw = obj.get("query")
        if isinstance(raw, str):
            return {k: list(v) for k, v in parse_qs(raw, keep_blank_values=True).items()}
        if not isinstance(raw, Mapping):
            return {}
        query = {}
        for name, value in raw.items():
            values = value if isinstance(value, list) else [value]
            query[name] = ["" if v is None else _text(v) for v in values]
        return query

    def body(
        self, obj: Mapping[str, Any], where: str, spec: str, headers: Mapping[str, str]
    ) -> tuple[Any, bool, str | None, str]:
        path = f"{where}.body"
        if "body" not in obj:
            return None, False, None, path
        raw = obj["body"]
        if spec != "V4" or not isinstance(raw, dict) or "content" not in raw:
            return raw, True, None, path
        content_type = raw.get("contentType")
        content_type = content_type if isinstance(content_type, str) else None
        content = raw["content"]
        encoded = raw.get("encoded", False)
        declared = (_header(headers, "content-type") or content_type or "").lower()
        if encoded in ("base64", True) and isinstance(content, str):
            try:
                decoded = base64.b64decode(content, validate=True)
            except (binascii.Error, ValueError):
                return content, True, content_type, path + ".content"  # the core keeps the text as it is
            try:
                content = decoded.decode("utf-8")
            except UnicodeDecodeError:
                return decoded, True, content_type, path + ".content"  # a binary body stays bytes
            if _is_json(declared):
                content = self.json_text(content, f"{path}.content")
        elif isinstance(encoded, str) and encoded.lower() == "json" and isinstance(content, str):
            content = self.json_text(content, f"{path}.content")
        return content, True, content_type, path + ".content"

    def json_text(self, text: str, path: str) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise self.error(path, f"is not valid JSON ({exc.msg})") from None

    def rules(self, obj: Mapping[str, Any], where: str) -> Rules:
        raw = obj.get("matchingRules")
        if not isinstance(raw, Mapping):
            return Rules()  # the core ignores rules of any other shape
        try:
            return parse_rules(raw)
        except RuleError as exc:
            raise self.error(f"{where}.matchingRules", f"is not valid: {exc}") from None

    def generators(self, obj: Mapping[str, Any], where: str) -> dict[tuple[Token, ...], Generator]:
        raw = obj.get("generators")
        body = raw.get("body") if isinstance(raw, Mapping) else None
        if not isinstance(body, Mapping):
            return {}
        found = {}
        for key, value in body.items():
            if not isinstance(value, Mapping) or not isinstance(value.get("type"), str):
                continue
            try:
                tokens = parse_path(key)
            except RuleError as exc:
                raise self.error(f"{where}.generators.body", f"is not valid: {exc}") from None
            fmt = value.get("format")
            found[tokens] = Generator(value["type"], fmt if isinstance(fmt, str) else None)
        return found


def _header(headers: Mapping[str, str], name: str) -> str | None:
    lowered = name.lower()
    return next((v for k, v in headers.items() if k.lower() == lowered), None)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


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
