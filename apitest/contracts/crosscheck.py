"""Pact against OpenAPI, offline: does the provider's spec promise everything a consumer's pact relies on?

For each HTTP interaction: the request must match a documented operation (method, path template, path, query
and header parameters, body schema, content type) and the response must match the documented response for its
status (body schema, content type, headers). Matching rules are honoured:

* no matcher / `equality`: the example value itself must be valid for the schema;
* `type` (and anything under it): only the example's JSON type is asserted, so only the type must be allowed;
* `integer`, `decimal`, `number`, `boolean`, `null`: the schema must allow that type;
* `regex`, `date`, `time`, `datetime`, `include`: the example must be valid for the schema, every `enum`
  value must satisfy the matcher, and a string the spec leaves unconstrained (no pattern, format or enum) is a
  low-severity gap: the provider may change its format without breaking its spec;
* each-like (`type` with `min`/`max` on an array), `arrayContains`, `eachValue`: items against `items` /
  `additionalProperties`.

A field the pact expects in a response (or sends in a request) that the schema does not document is a gap even
when the schema allows additional properties: nothing in the spec promises it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from jsonschema import Draft202012Validator

from ..results import Severity
from ..spec import HTTP_METHODS
from .matching import Location, Matcher, MatcherGroup, Rules, format_location
from .pactfile import Interaction, is_json_media
from .schema import FORMATS, SchemaConverter, allowed_types, describe, first_error, json_type, type_admits

DATE_KINDS = frozenset({"date", "time", "datetime", "timestamp"})
_TRANSPORT_HEADERS = frozenset(
    {"content-type", "content-length", "date", "connection", "transfer-encoding", "keep-alive", "server"}
)
_UNSPECIFIED = object()


@dataclass(frozen=True, slots=True)
class Gap:
    """Something a pact relies on that the spec does not promise."""

    check: str  # "crosscheck.response_schema", ...
    title: str
    message: str
    severity: Severity = Severity.MEDIUM
    location: str = ""  # "$.price_cents", "header ETag", "query limit"
    expected: Any = None  # what the spec documents
    actual: Any = None  # what the pact asks for


@dataclass(frozen=True, slots=True)
class CrossCheck:
    operation: str | None  # "GET /v1/books/{book_id}" when the request matched a documented operation
    gaps: tuple[Gap, ...]


@dataclass(frozen=True, slots=True)
class _Route:
    template: str
    regex: re.Pattern[str]
    item: Mapping[str, Any]
    params: int
    literal: int


@dataclass(slots=True)
class _Match:
    template: str
    item: Mapping[str, Any]
    values: dict[str, str] = field(default_factory=dict)


class SpecIndex:
    """One OpenAPI document, indexed for checking many interactions against it."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.document = document
        self.schemas = SchemaConverter(document)
        self.swagger = self.schemas.swagger
        self.prefixes = _base_paths(document)
        routes = []
        for template, item in (document.get("paths") or {}).items():
            if not isinstance(item, Mapping):
                continue
            pattern, params, literal = _template_regex(template)
            routes.append(_Route(template, pattern, self.schemas.resolve(item), params, literal))
        # Most specific first: `/books/latest` before `/books/{id}`.
        self.routes = sorted(routes, key=lambda r: (r.params, -r.literal))

    def match(self, path: str) -> _Match | None:
        path = urlsplit(path).path or "/"
        for candidate in self._candidates(path):
            for route in self.routes:
                found = route.regex.fullmatch(candidate)
                if found is not None:
                    return _Match(route.template, route.item, {k: unquote(v) for k, v in found.groupdict().items()})
        return None

    def _candidates(self, path: str) -> Iterator[str]:
        yield path
        for prefix in self.prefixes:
            if path.startswith(prefix + "/") or path == prefix:
                yield path[len(prefix) :] or "/"

    def check(self, interaction: Interaction) -> CrossCheck:
        request = interaction.request
        found = self.match(request.path)
        if found is None:
            gap = Gap(
                "crosscheck.undocumented_operation",
                f"{request.method} {request.path} is not a documented path",
                f"No path template in the spec matches {request.path!r}; document the endpoint or fix the pact.",
                Severity.HIGH,
                location="path",
                expected=sorted(r.template for r in self.routes)[:20],
                actual=f"{request.method} {request.path}",
            )
            return CrossCheck(None, (gap,))
        label = f"{request.method} {found.template}"
        operation = found.item.get(request.method.lower())
        if not isinstance(operation, Mapping):
            documented = [m.upper() for m in HTTP_METHODS if isinstance(found.item.get(m), Mapping)]
            gap = Gap(
                "crosscheck.undocumented_operation",
                f"{label} is not documented",
                f"{found.template} documents {', '.join(documented) or 'no methods'}, not {request.method}.",
                Severity.HIGH,
                location="method",
                expected=documented,
                actual=request.method,
            )
            return CrossCheck(label, (gap,))
        checker = _OperationCheck(self, interaction, found, self.schemas.resolve(operation))
        return CrossCheck(label, tuple(checker.run()))


class _OperationCheck:
    def __init__(self, index: SpecIndex, interaction: Interaction, found: _Match, operation: Mapping[str, Any]) -> None:
        self.index = index
        self.schemas = index.schemas
        self.interaction = interaction
        self.found = found
        self.operation = operation
        self.gaps: list[Gap] = []

    def run(self) -> list[Gap]:
        self.parameters()
        self.request_body()
        self.response()
        return self.gaps

    def add(
        self,
        check: str,
        title: str,
        message: str,
        *,
        severity: Severity = Severity.MEDIUM,
        location: str = "",
        expected: Any = None,
        actual: Any = None,
    ) -> None:
        self.gaps.append(Gap(check, title, message, severity, location, expected, actual))

    # -- request --------------------------------------------------------------------------------------------

    def _parameters(self) -> dict[tuple[str, str], Mapping[str, Any]]:
        params: dict[tuple[str, str], Mapping[str, Any]] = {}
        for source in (self.found.item.get("parameters"), self.operation.get("parameters")):
            for raw in source or []:
                param = self.schemas.resolve(raw)
                if (
                    isinstance(param, Mapping)
                    and isinstance(param.get("name"), str)
                    and isinstance(param.get("in"), str)
                ):
                    where = param["in"]
                    name = param["name"].lower() if where == "header" else param["name"]
                    params[where, name] = param
        return params

    def _param_schema(self, param: Mapping[str, Any]) -> Any:
        if "schema" in param:
            return param["schema"]
        if "content" in param and isinstance(param["content"], Mapping):
            media: Any = next(iter(param["content"].values()), {})
            return media.get("schema", {}) if isinstance(media, Mapping) else {}
        return {k: v for k, v in param.items() if k not in ("name", "in", "required", "description")}  # 2.0

    def parameters(self) -> None:
        request = self.interaction.request
        params = self._parameters()
        for name, value in self.found.values.items():
            param = params.get(("path", name))
            if param is not None:
                self._parameter_value("path", name, [value], param, request.rules.path)
        for name, values in request.query.items():
            param = params.get(("query", name))
            if param is None:
                self.add(
                    "crosscheck.request_parameters",
                    f"undocumented query parameter {name!r}",
                    f"The pact sends ?{name}=..., which {self.label} does not document; the provider may ignore or reject it.",
                    location=f"query {name}",
                    expected=sorted(n for (w, n) in params if w == "query"),
                    actual=name,
                )
            else:
                self._parameter_value("query", name, values, param, request.rules.query.get(name))
        sent_headers = {k.lower(): v for k, v in request.headers.items()}
        for (where, name), param in params.items():
            if not param.get("required"):
                continue
            missing = (where == "query" and name not in request.query) or (
                where == "header" and name not in sent_headers
            )
            if missing:
                self.add(
                    "crosscheck.request_parameters",
                    f"required {where} parameter {param['name']!r} is missing",
                    f"{self.label} requires the {where} parameter {param['name']!r}, which the pact's request does not send.",
                    location=f"{where} {param['name']}",
                    expected="present",
                    actual="missing",
                )
        for name, value in sent_headers.items():
            param = params.get(("header", name))
            if param is not None:
                self._parameter_value("header", param["name"], [value], param, request.rules.header.get(name))

    def _parameter_value(
        self, where: str, name: str, values: list[str], param: Mapping[str, Any], group: MatcherGroup | None
    ) -> None:
        schema = self._param_schema(param)
        converted = self.schemas.convert(schema, "request")
        value: Any = (
            [coerce(v, converted.get("items", {})) for v in values]
            if _is_array(converted)
            else coerce(values[0] if values else "", converted)
        )
        if _is_array(converted) and len(values) == 1 and "," in values[0]:
            value = [coerce(v, converted.get("items", {})) for v in values[0].split(",")]
        error = first_error(self.schemas.validator(schema, "request"), value)
        if error is not None:
            self.add(
                "crosscheck.request_parameters",
                f"{where} parameter {name!r} = {values[0] if len(values) == 1 else values!r} is not valid",
                f"The documented {where} parameter {name!r} is {describe(converted)}: {error.message}.",
                location=f"{where} {name}",
                expected=describe(converted),
                actual=values[0] if len(values) == 1 else values,
            )
        if group is not None and where != "path":
            self._string_matchers(group, converted, f"{where} {name}", "crosscheck.request_parameters")

    def request_body(self) -> None:
        request = self.interaction.request
        sent = request.has_body and request.body not in (None, "")
        content, required = self._request_content()
        if content is None:
            if sent:
                self.add(
                    "crosscheck.request_body",
                    "the pact sends a request body the spec does not document",
                    f"{self.label} documents no request body, but the pact sends one.",
                    location="request body",
                    expected="no body",
                    actual=_short(request.body),
                )
            return
        if not sent:
            if required:
                self.add(
                    "crosscheck.request_body",
                    "the documented request body is required but the pact sends none",
                    f"{self.label} requires a request body ({', '.join(content)}); the pact's request has none.",
                    location="request body",
                    expected=list(content),
                    actual="no body",
                )
            return
        content_type = request.content_type or ("application/json" if isinstance(request.body, dict | list) else None)
        media = self._media(content_type, content, "request")
        if media is None:
            return
        schema = content[media]
        if schema is _UNSPECIFIED:
            return
        if not is_json_media(media) and not isinstance(request.body, dict | list):
            return
        _BodyWalk(self, request.rules, "request", "crosscheck.request_body").check(request.body, schema)

    def _request_content(self) -> tuple[dict[str, Any] | None, bool]:
        if self.index.swagger:
            body = next((p for (w, _), p in self._parameters().items() if w == "body"), None)
            if body is None:
                return None, False
            consumes = self.operation.get("consumes") or self.index.document.get("consumes") or ["application/json"]
            return {str(m): body.get("schema", {}) for m in consumes}, bool(body.get("required"))
        raw = self.schemas.resolve(self.operation.get("requestBody"))
        if not isinstance(raw, Mapping):
            return None, False
        content: Mapping[str, Any] = raw["content"] if isinstance(raw.get("content"), Mapping) else {}
        return {
            str(m): (v.get("schema", _UNSPECIFIED) if isinstance(v, Mapping) else _UNSPECIFIED)
            for m, v in content.items()
        }, bool(raw.get("required"))

    def _media(self, content_type: str | None, content: Mapping[str, Any], side: str) -> str | None:
        if content_type is None:
            return next(iter(content), None) if len(content) == 1 else _first_json(content)
        media = match_media(content_type, content)
        if media is None:
            check = "crosscheck.content_type"
            self.add(
                check,
                f"{side} content type {content_type!r} is not documented",
                f"{self.label} documents {', '.join(content) or 'no'} {side} content, not {content_type!r}.",
                location=f"{side} Content-Type",
                expected=list(content),
                actual=content_type,
            )
        return media

    # -- response -------------------------------------------------------------------------------------------

    def response(self) -> None:
        response = self.interaction.response
        responses = self.operation.get("responses") or {}
        key = _status_key(response.status, responses)
        if key is None:
            self.add(
                "crosscheck.undocumented_status",
                f"status {response.status} is not documented",
                f"{self.label} documents {', '.join(map(str, responses)) or 'no'} responses, not {response.status}; "
                "the pact expects a status the provider does not promise.",
                severity=Severity.HIGH,
                location="status",
                expected=[str(k) for k in responses],
                actual=response.status,
            )
            return
        documented = self.schemas.resolve(responses[key])
        if not isinstance(documented, Mapping):
            return
        self._response_headers(documented, key)
        self._response_body(documented, key)

    def _response_content(self, documented: Mapping[str, Any]) -> dict[str, Any]:
        if self.index.swagger:
            if "schema" not in documented:
                return {}
            produces = self.operation.get("produces") or self.index.document.get("produces") or ["application/json"]
            return {str(m): documented["schema"] for m in produces}
        content = documented.get("content")
        if not isinstance(content, Mapping):
            return {}
        return {
            str(m): (v.get("schema", _UNSPECIFIED) if isinstance(v, Mapping) else _UNSPECIFIED)
            for m, v in content.items()
        }

    def _response_body(self, documented: Mapping[str, Any], key: str) -> None:
        response = self.interaction.response
        content = self._response_content(documented)
        sent = response.has_body and response.body not in (None, "")
        declared = response.header("content-type")
        if not sent:
            if declared and content:
                self._media(declared, content, "response")
            return
        if not content:
            self.add(
                "crosscheck.response_body",
                f"the pact expects a body for {key}, the spec documents none",
                f"{self.label} documents no body for {key}; the pact expects one.",
                location="response body",
                expected="no body",
                actual=_short(response.body),
            )
            return
        content_type = response.content_type or ("application/json" if isinstance(response.body, dict | list) else None)
        media = self._media(content_type, content, "response")
        if media is None or content[media] is _UNSPECIFIED:
            return
        if not is_json_media(media) and not isinstance(response.body, dict | list):
            return
        _BodyWalk(self, response.rules, "response", "crosscheck.response_schema").check(response.body, content[media])

    def _response_headers(self, documented: Mapping[str, Any], key: str) -> None:
        response = self.interaction.response
        headers = {str(k).lower(): self.schemas.resolve(v) for k, v in (documented.get("headers") or {}).items()}
        for name, value in response.headers.items():
            lowered = name.lower()
            if lowered in _TRANSPORT_HEADERS or lowered.startswith("access-control-"):
                continue
            header = headers.get(lowered)
            if not isinstance(header, Mapping):
                self.add(
                    "crosscheck.response_header",
                    f"the pact expects header {name!r}, the spec does not document it",
                    f"{self.label} documents {', '.join(sorted(headers)) or 'no headers'} for {key}; "
                    f"the pact expects {name!r}, which the provider does not promise to send.",
                    location=f"header {name}",
                    expected=sorted(headers),
                    actual=name,
                )
                continue
            if not self.index.swagger and not header.get("required"):
                self.add(
                    "crosscheck.response_header",
                    f"the pact expects header {name!r}, which the spec documents as optional",
                    f"{self.label} may omit {name!r} in its {key} response (not `required: true`); the pact expects it.",
                    severity=Severity.LOW,
                    location=f"header {name}",
                    expected="optional",
                    actual="expected",
                )
            schema = self._param_schema(header)
            converted = self.schemas.convert(schema, "response")
            group = response.rules.header.get(lowered)
            kinds = group.kinds() if group else set()
            if not kinds or kinds & ({"equality", "regex"} | DATE_KINDS):
                error = first_error(self.schemas.validator(schema, "response"), coerce(value, converted))
                if error is not None:
                    self.add(
                        "crosscheck.response_header",
                        f"header {name!r} = {value!r} is not valid for the spec",
                        f"The documented header {name!r} is {describe(converted)}: {error.message}.",
                        location=f"header {name}",
                        expected=describe(converted),
                        actual=value,
                    )
            if group is not None:
                self._string_matchers(group, converted, f"header {name}", "crosscheck.response_header")

    def _string_matchers(self, group: MatcherGroup, schema: Mapping[str, Any], location: str, check: str) -> None:
        for matcher in group.matchers:
            gap = string_matcher_gap(matcher, schema)
            if gap is not None:
                severity, message = gap
                self.add(
                    check,
                    f"{location}: {message.split(';')[0]}",
                    message,
                    severity=severity,
                    location=location,
                    expected=describe(schema),
                    actual=_matcher_text(matcher),
                )

    @property
    def label(self) -> str:
        return f"{self.interaction.request.method} {self.found.template}"


class _BodyWalk:
    """Walks a pact body alongside its schema, collecting gaps."""

    def __init__(self, owner: _OperationCheck, rules: Rules, direction: str, check: str) -> None:
        self.owner = owner
        self.schemas = owner.schemas
        self.rules = rules
        self.direction = direction
        self.check_name = check
        self.gaps: list[Gap] = []
        self._validators: dict[int, tuple[Any, Draft202012Validator]] = {}

    def check(self, body: Any, schema: Any) -> None:
        converted = self.schemas.convert(schema, self.direction)
        self.walk(body, converted, ())
        self.owner.gaps.extend(self.gaps)

    def _child(self) -> _BodyWalk:
        child = _BodyWalk(self.owner, self.rules, self.direction, self.check_name)
        child._validators = self._validators
        return child

    def add(
        self,
        location: Location,
        title: str,
        message: str,
        *,
        severity: Severity = Severity.MEDIUM,
        expected: Any = None,
        actual: Any = None,
    ) -> None:
        where = format_location(location)
        self.gaps.append(Gap(self.check_name, f"{where}: {title}", message, severity, where, expected, actual))

    def walk(self, value: Any, schema: Any, location: Location) -> None:
        group, inherited = self.rules.for_body(location)
        matchers: tuple[Matcher, ...] = ()
        combine = "AND"
        if group is not None:
            matchers = (Matcher("type"),) if inherited else group.matchers
            combine = group.combine
        branches = list(_branches(schema))
        if len(branches) == 1:
            self.node(value, branches[0], location, matchers, combine)
            return
        best: list[Gap] | None = None
        for branch in branches:
            child = self._child()
            child.node(value, branch, location, matchers, combine)
            if not child.gaps:
                return
            if best is None or len(child.gaps) < len(best):
                best = child.gaps
        self.gaps.extend(best or [])

    def node(
        self, value: Any, schema: Mapping[str, Any], location: Location, matchers: tuple[Matcher, ...], combine: str
    ) -> None:
        if isinstance(value, dict):
            self.object(value, schema, location, matchers)
        elif isinstance(value, list):
            self.array(value, schema, location, matchers)
        else:
            self.scalar(value, schema, location, matchers, combine)

    def _type_gap(self, location: Location, value: Any, schema: Mapping[str, Any], why: str = "") -> None:
        kind = json_type(value)
        side = "expects" if self.direction == "response" else "sends"
        self.add(
            location,
            f"the pact {side} {_article(kind)}, the spec documents {describe(schema)}",
            f"At {format_location(location)} the pact {side} {_short(value)} ({kind}{why}); the spec documents {describe(schema)}.",
            expected=describe(schema),
            actual=_short(value),
        )

    def object(
        self, value: dict[str, Any], schema: Mapping[str, Any], location: Location, matchers: tuple[Matcher, ...]
    ) -> None:
        types = allowed_types(schema)
        if not type_admits(types, "object"):
            self._type_gap(location, value, schema)
            return
        props: Mapping[str, Any] = schema["properties"] if isinstance(schema.get("properties"), Mapping) else {}
        patterns: Mapping[str, Any] = (
            schema["patternProperties"] if isinstance(schema.get("patternProperties"), Mapping) else {}
        )
        additional = schema.get("additionalProperties")
        dynamic = any(m.kind in ("eachKey", "eachValue", "values") for m in matchers)
        freeform = not props and not patterns and additional in (None, True)
        for key, item in value.items():
            where = (*location, key)
            if key in props:
                self.walk(item, props[key], where)
                continue
            pattern = next((s for p, s in patterns.items() if re.search(p, key)), None)
            if pattern is not None:
                self.walk(item, pattern, where)
            elif isinstance(additional, Mapping):
                self.walk(item, additional, where)
            elif freeform or (dynamic and additional is not False):
                continue
            elif self.direction == "response":
                self.add(
                    where,
                    f"field {key!r} is not documented",
                    f"The pact expects {format_location(where)}, which the spec's response schema does not document; "
                    "the provider does not promise to send it.",
                    expected=sorted(props)[:30],
                    actual=key,
                )
            else:
                self.add(
                    where,
                    f"field {key!r} is not documented",
                    f"The pact sends {format_location(where)}, which the spec's request schema does not define; "
                    "the provider may reject or ignore it.",
                    expected=sorted(props)[:30],
                    actual=key,
                )
        if self.direction == "request":
            for name in schema.get("required") or []:
                if name not in value:
                    where = (*location, name)
                    self.add(
                        where,
                        f"required field {name!r} is missing",
                        f"The spec's request schema requires {format_location(where)}; the pact's request does not send it.",
                        expected="present",
                        actual="missing",
                    )

    def array(
        self, value: list[Any], schema: Mapping[str, Any], location: Location, matchers: tuple[Matcher, ...]
    ) -> None:
        types = allowed_types(schema)
        if not type_admits(types, "array"):
            self._type_gap(location, value, schema)
            return
        items = schema.get("items", {})
        prefix: list[Any] = schema["prefixItems"] if isinstance(schema.get("prefixItems"), list) else []
        for matcher in matchers:
            most = schema.get("maxItems")
            if matcher.min is not None and isinstance(most, int) and matcher.min > most:
                self.add(
                    location,
                    f"the pact expects at least {matcher.min} items, the spec allows at most {most}",
                    f"At {format_location(location)} the pact's matcher requires min {matcher.min} items; maxItems is {most}.",
                    expected=f"maxItems {most}",
                    actual=f"min {matcher.min}",
                )
        for i, item in enumerate(value):
            self.walk(item, prefix[i] if i < len(prefix) else items, (*location, i))

    def scalar(
        self, value: Any, schema: Mapping[str, Any], location: Location, matchers: tuple[Matcher, ...], combine: str
    ) -> None:
        if self.direction == "request" or not matchers or all(m.kind == "equality" for m in matchers):
            self._valid(value, schema, location)
            return
        results = [self._matcher(m, value, schema, location) for m in matchers]
        if combine == "OR":
            if all(results):  # none of the alternatives is promised: report the first
                self.gaps.extend(results[0])
            return
        for gaps in results:
            self.gaps.extend(gaps)

    def _valid(self, value: Any, schema: Mapping[str, Any], location: Location) -> list[Gap]:
        error = first_error(self._validator(schema), value)
        if error is None:
            return []
        side = "expects" if self.direction == "response" else "sends"
        gap = Gap(
            self.check_name,
            f"{format_location(location)}: {_short(value)} is not valid for the spec",
            f"At {format_location(location)} the pact {side} {_short(value)}; the spec documents {describe(schema)}: {error.message}.",
            Severity.MEDIUM,
            format_location(location),
            describe(schema),
            _short(value),
        )
        self.gaps.append(gap)
        return [gap]

    def _validator(self, schema: Mapping[str, Any]) -> Draft202012Validator:
        cached = self._validators.get(id(schema))
        if cached is None:
            cached = (schema, Draft202012Validator(dict(schema), format_checker=FORMATS))
            self._validators[id(schema)] = cached  # the schema is kept alive with it, so its id stays unique
        return cached[1]

    def _matcher(self, matcher: Matcher, value: Any, schema: Mapping[str, Any], location: Location) -> list[Gap]:
        child = self._child()
        types = allowed_types(schema)
        kind = json_type(value)
        wanted = {
            "integer": "integer",
            "decimal": "number",
            "float": "number",
            "number": "number",
            "boolean": "boolean",
            "null": "null",
        }
        if matcher.kind in wanted:
            need = wanted[matcher.kind]
            ok = (
                types is None
                or (need in types)
                or (need == "number" and matcher.kind == "number" and "integer" in types)
            )
            if matcher.kind == "decimal" and types is not None and "number" not in types:
                ok = False
            if not ok:
                child.add(
                    location,
                    f"the pact's {matcher.kind} matcher needs {need}, the spec documents {describe(schema)}",
                    f"At {format_location(location)} the pact matches by {matcher.kind}; the spec documents {describe(schema)}.",
                    expected=describe(schema),
                    actual=f"{matcher.kind} matcher ({_short(value)})",
                )
        elif matcher.kind == "regex" or matcher.kind in DATE_KINDS or matcher.kind == "include":
            if not type_admits(types, kind):
                child._type_gap(location, value, schema, f", {matcher.kind} matcher")
            else:
                if not child._valid(value, schema, location):
                    gap = string_matcher_gap(matcher, schema)
                    if gap is not None:
                        severity, message = gap
                        child.add(
                            location,
                            message.split(";")[0],
                            f"At {format_location(location)}: {message}",
                            severity=severity,
                            expected=describe(schema),
                            actual=_matcher_text(matcher),
                        )
        elif not type_admits(
            types, kind
        ):  # `type` and every structural or unknown matcher: the type is what's asserted
            child._type_gap(location, value, schema, f", {matcher.kind} matcher")
        return child.gaps


def string_matcher_gap(matcher: Matcher, schema: Mapping[str, Any]) -> tuple[Severity, str] | None:
    """Whether a regex/date/include matcher asks for more than the schema promises (checked loosely)."""
    enum = (
        schema.get("enum")
        if isinstance(schema.get("enum"), list)
        else ([schema["const"]] if "const" in schema else None)
    )
    if matcher.kind == "regex" and matcher.regex is not None:
        if enum is not None:
            bad = [v for v in enum if isinstance(v, str) and re.fullmatch(matcher.regex, v) is None]
            if bad:
                return Severity.MEDIUM, f"the spec allows {bad[0]!r}, which the pact's regex {matcher.regex!r} rejects"
            return None
        if not any(k in schema for k in ("pattern", "format")):
            return Severity.LOW, (
                f"the pact requires regex {matcher.regex!r}; the spec documents any {describe(schema)} "
                "(no pattern, format or enum), so the provider may change the format without breaking its spec"
            )
        return None
    if matcher.kind in DATE_KINDS:
        if enum is None and not any(k in schema for k in ("pattern", "format")):
            return Severity.LOW, (
                f"the pact requires a {matcher.kind}; the spec documents {describe(schema)} without a format or pattern"
            )
        return None
    if matcher.kind == "include" and enum is not None and isinstance(matcher.value, str):
        bad = [v for v in enum if isinstance(v, str) and matcher.value not in v]
        if bad:
            return (
                Severity.MEDIUM,
                f"the spec allows {bad[0]!r}, which does not include {matcher.value!r} as the pact requires",
            )
    return None


def match_media(content_type: str, documented: Mapping[str, Any]) -> str | None:
    """The documented media type (key of `content`) a content type falls under, wildcards included."""
    media = content_type.split(";")[0].strip().lower()
    keys = {k.split(";")[0].strip().lower(): k for k in documented}
    if media in keys:
        return keys[media]
    major = media.split("/")[0]
    for candidate in (f"{major}/*", "*/*"):
        if candidate in keys:
            return keys[candidate]
    return None


def coerce(raw: str, schema: Mapping[str, Any]) -> Any:
    """A parameter's string value as the type its schema documents, so it can be validated."""
    types = allowed_types(schema) or set()
    if "integer" in types and re.fullmatch(r"[+-]?\d+", raw):
        return int(raw)
    if "number" in types:
        try:
            return float(raw) if not re.fullmatch(r"[+-]?\d+", raw) else int(raw)
        except ValueError:
            pass
    if "boolean" in types and raw in ("true", "false"):
        return raw == "true"
    if "null" in types and raw in ("", "null"):
        return None
    return raw


def _branches(schema: Any, depth: int = 0) -> Iterator[Mapping[str, Any]]:
    """The alternatives a schema offers: `anyOf`/`oneOf` members, each merged with the rest and `allOf`."""
    if not isinstance(schema, Mapping):
        yield {} if schema is not False else {"not": {}}
        return
    merged = _merge_all_of(schema)
    alternatives = merged.get("anyOf") or merged.get("oneOf")
    if not isinstance(alternatives, list) or not alternatives or depth > 4:
        yield merged
        return
    base = {k: v for k, v in merged.items() if k not in ("anyOf", "oneOf")}
    for alternative in alternatives:
        yield from _branches(_merge(base, alternative if isinstance(alternative, Mapping) else {}), depth + 1)


def _merge_all_of(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    members = schema.get("allOf")
    if not isinstance(members, list):
        return schema
    out: Mapping[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    for member in members:
        if isinstance(member, Mapping):
            out = _merge(out, _merge_all_of(member))
    return out


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if key == "properties" and isinstance(out.get(key), Mapping) and isinstance(value, Mapping):
            out[key] = {**out[key], **value}
        elif key == "required" and isinstance(out.get(key), list) and isinstance(value, list):
            out[key] = [*out[key], *(v for v in value if v not in out[key])]
        elif key == "additionalProperties" and key in out:
            out[key] = False if value is False or out[key] is False else value
        elif key == "type" and key in out:
            left = {out[key]} if isinstance(out[key], str) else set(out[key])
            right = {value} if isinstance(value, str) else set(value)
            both = left & right or left
            out[key] = sorted(both)[0] if len(both) == 1 else sorted(both)
        elif key in ("anyOf", "oneOf") and key in out:
            out["allOf"] = [*out.get("allOf", []), {key: value}]
        else:
            out[key] = value
    return out


def _status_key(status: int, responses: Mapping[Any, Any]) -> str | None:
    keys = {str(k).upper(): str(k) for k in responses}
    for candidate in (str(status), f"{str(status)[0]}XX"):
        if candidate in keys:
            return keys[candidate]
    return keys.get("DEFAULT")


def _template_regex(template: str) -> tuple[re.Pattern[str], int, int]:
    parts = re.split(r"(\{[^}/]+\})", template)
    regex, params, literal = "", 0, 0
    for part in parts:
        if part.startswith("{") and part.endswith("}"):
            name = re.sub(r"\W", "_", part[1:-1])
            regex += f"(?P<{name}>[^/]+)" if f"(?P<{name}>" not in regex else "[^/]+"
            params += 1
        else:
            regex += re.escape(part)
            literal += len(part)
    return re.compile(regex), params, literal


def _base_paths(document: Mapping[str, Any]) -> list[str]:
    paths = []
    base = document.get("basePath")
    if isinstance(base, str):
        paths.append(base)
    for server in document.get("servers") or []:
        if isinstance(server, Mapping) and isinstance(server.get("url"), str):
            paths.append(urlsplit(server["url"]).path)
    return sorted({p.rstrip("/") for p in paths if p.strip("/")}, key=len, reverse=True)


def _first_json(content: Mapping[str, Any]) -> str | None:
    return next((m for m in content if is_json_media(m)), next(iter(content), None))


def _is_array(schema: Mapping[str, Any]) -> bool:
    types = allowed_types(schema)
    return types is not None and types == {"array"}


def _article(kind: str) -> str:
    return ("an " if kind[0] in "aeiou" else "a ") + kind


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _matcher_text(matcher: Matcher) -> str:
    if matcher.regex:
        return f"{matcher.kind} {matcher.regex}"
    if matcher.format:
        return f"{matcher.kind} {matcher.format}"
    return matcher.kind
