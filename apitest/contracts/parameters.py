"""Path, query, header and cookie parameters: read from the pact's request the way the spec serialises them
(OpenAPI 3 `style`/`explode`, Swagger 2 `collectionFormat`, `content` parameters), then checked against their
schemas. Credentials an apiKey scheme documents are parameters too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from ..results import Severity
from .gaps import REQUEST_VALUES, Gap, short
from .openapi import Operation, Parameter
from .pactfile import Request
from .pointers import child
from .schema import Schemas, errors
from .security import cookies, credential_names

# Request headers any client may send without an API documenting them.
STANDARD_REQUEST_HEADERS = frozenset(
    {
        "accept", "accept-charset", "accept-encoding", "accept-language", "authorization", "cache-control",
        "connection", "content-encoding", "content-language", "content-length", "content-type", "cookie", "date",
        "dnt", "expect", "forwarded", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range",
        "if-unmodified-since", "keep-alive", "max-forwards", "origin", "pragma", "prefer", "proxy-authorization",
        "range", "referer", "te", "trailer", "transfer-encoding", "upgrade", "user-agent", "via", "warning",
        "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-requested-with", "traceparent", "tracestate",
    }
)  # fmt: skip
_DELIMITERS = {"csv": ",", "ssv": " ", "tsv": "\t", "pipes": "|", "spaceDelimited": " ", "pipeDelimited": "|"}


@dataclass(slots=True)
class _Read:
    """A parameter's value as the request carries it: the deserialised value and the text it came from."""

    value: Any
    text: Any
    problem: str | None = None  # the request carries it in a form the spec's serialisation does not allow


class ParameterCheck:
    def __init__(
        self,
        operation: Operation,
        request: Request,
        path_values: Mapping[str, str],
        schemas: Schemas,
        interaction_path: str,
    ) -> None:
        self.operation = operation
        self.request = request
        self.path_values = path_values
        self.schemas = schemas
        self.at = f"{interaction_path}.request"
        self.cookies = cookies(request)
        self.gaps: list[Gap] = []

    def run(self) -> list[Gap]:
        credentials = credential_names(self.operation)
        consumed: set[str] = set()
        for parameter in self.operation.parameters.values():
            if parameter.where not in ("path", "query", "header", "cookie"):
                continue
            schema = self.schemas.at(parameter.schema_at, "request")
            read = self.read(parameter, schema, consumed)
            if read is None:
                if parameter.required and parameter.key not in credentials:
                    self.missing(parameter)
                continue
            if read.problem is not None:
                self.invalid(parameter, read, read.problem)
                continue
            found = next(errors(self.schemas.validator(schema, "request"), read.value), None)
            if found is not None:
                self.invalid(parameter, read, found.message)
        documented = {n for (w, n) in self.operation.parameters if w == "query"} | consumed
        for name in self.request.query:
            if name not in documented and ("query", name) not in credentials:
                self.stray_query(name)
        documented_headers = {n for (w, n) in self.operation.parameters if w == "header"}
        for name in self.request.headers:
            lowered = name.lower()
            if (
                lowered in STANDARD_REQUEST_HEADERS
                or lowered in documented_headers
                or ("header", lowered) in credentials
            ):
                continue
            self.stray_header(name)
        return self.gaps

    # -- reading ---------------------------------------------------------------------------------------------

    def read(self, parameter: Parameter, schema: Any, consumed: set[str]) -> _Read | None:
        resolved = self.schemas.resolve(schema, "request")
        kind = _kind(self.schemas.types(resolved, "request"))
        if parameter.where == "path":
            raw = self.path_values.get(parameter.name)
            return None if raw is None else self._path(parameter, raw, resolved, kind)
        if parameter.where == "header":
            text = self.request.header(parameter.name)
            return None if text is None else self._simple(parameter, text.strip(), resolved, kind)
        if parameter.where == "cookie":
            text = self.cookies.get(parameter.name)
            return None if text is None else self._simple(parameter, text, resolved, kind)
        return self._query(parameter, resolved, kind, consumed)

    def _query(self, parameter: Parameter, schema: Any, kind: str, consumed: set[str]) -> _Read | None:
        query = self.request.query
        if parameter.content is not None:
            values = query.get(parameter.name)
            return None if values is None else self._content(values[0])
        if kind == "object" and parameter.style == "deepObject":
            prefix = parameter.name + "["
            names = [n for n in query if n.startswith(prefix) and n.endswith("]")]
            consumed.update(names)
            if not names:
                return None
            found = {n[len(prefix) : -1]: query[n][0] for n in names}
            return _Read(self._object(found, schema), {n: query[n][0] for n in names})
        if kind == "object" and parameter.explode and not self.schemas.swagger:
            props = schema.get("properties") if isinstance(schema, Mapping) else None
            names = [n for n in query if isinstance(props, Mapping) and n in props]
            if isinstance(schema, Mapping) and schema.get("additionalProperties") not in (None, False):
                names = [n for n in query if ("query", n) not in self.operation.parameters]
            consumed.update(names)
            if not names:
                return None
            return _Read(self._object({n: query[n][0] for n in names}, schema), {n: query[n] for n in names})
        values = query.get(parameter.name)
        if values is None:
            return None
        if kind == "array":
            repeated = (
                parameter.style == "multi" if self.schemas.swagger else parameter.explode and parameter.style == "form"
            )
            if repeated:
                return _Read(self._items(values, schema), values if len(values) > 1 else values[0])
            if len(values) > 1:
                return _Read(
                    None,
                    values,
                    f"the pact repeats ?{parameter.name}=, but the spec serialises the array as one value "
                    f"({parameter.style}: {_DELIMITERS.get(parameter.style, ',').join(['1', '2'])!r})",
                )
            return _Read(self._items(self._split(values[0], parameter), schema), values[0])
        if kind == "object":
            return _Read(self._object(self._pairs(values[0].split(",")), schema), values[0])
        if len(values) > 1:
            return _Read(
                None, values, f"the pact sends ?{parameter.name}= {len(values)} times; the spec documents one value"
            )
        return _Read(self._scalar(values[0], schema, parameter), values[0])

    def _path(self, parameter: Parameter, raw: str, schema: Any, kind: str) -> _Read:
        text = raw
        if not self.schemas.swagger and parameter.style == "label":
            text = text[1:] if text.startswith(".") else text
            if kind == "array" and parameter.explode:
                return _Read(self._items([unquote(p) for p in text.split(".")], schema), unquote(raw))
        elif not self.schemas.swagger and parameter.style == "matrix":
            prefix = f";{parameter.name}="
            if kind == "array" and parameter.explode:
                parts = [p[len(parameter.name) + 1 :] for p in text.split(";")[1:]]
                return _Read(self._items([unquote(p) for p in parts], schema), unquote(raw))
            text = text[len(prefix) :] if text.startswith(prefix) else text
        if kind == "array":
            return _Read(self._items([unquote(p) for p in self._split(text, parameter)], schema), unquote(raw))
        if kind == "object":
            return _Read(self._object(self._object_parts(text, parameter), schema), unquote(raw))
        return _Read(self._scalar(unquote(text), schema, parameter), unquote(raw))

    def _simple(self, parameter: Parameter, text: str, schema: Any, kind: str) -> _Read:
        if parameter.content is not None:
            return self._content(text)
        if kind == "array":
            return _Read(self._items([p.strip() for p in self._split(text, parameter)], schema), text)
        if kind == "object":
            return _Read(self._object(self._object_parts(text, parameter), schema), text)
        return _Read(self._scalar(text, schema, parameter), text)

    def _content(self, text: str) -> _Read:
        try:
            return _Read(json.loads(text), text)
        except ValueError:
            return _Read(None, text, "the spec describes it as JSON (`content`), and the value is not JSON")

    def _split(self, text: str, parameter: Parameter) -> list[str]:
        return text.split(_DELIMITERS.get(parameter.style, ","))

    def _object_parts(self, text: str, parameter: Parameter) -> dict[str, str]:
        if parameter.explode:
            pairs = (p.split("=", 1) for p in text.split(",") if p)
            return {unquote(k): unquote(v[0] if v else "") for k, *v in pairs}
        return self._pairs([unquote(p) for p in text.split(",")])

    @staticmethod
    def _pairs(parts: list[str]) -> dict[str, str]:
        return {parts[i]: parts[i + 1] for i in range(0, len(parts) - 1, 2)}

    # -- coercion: text as the type the schema documents -----------------------------------------------------

    def _items(self, values: list[str], schema: Any) -> list[Any]:
        items = self.schemas.resolve(schema.get("items", {}) if isinstance(schema, Mapping) else {}, "request")
        return [coerce(v, self.schemas.types(items, "request")) for v in values]

    def _object(self, values: Mapping[str, str], schema: Any) -> dict[str, Any]:
        props = schema.get("properties") if isinstance(schema, Mapping) else None
        out = {}
        for key, text in values.items():
            sub = props.get(key) if isinstance(props, Mapping) else None
            out[key] = coerce(text, self.schemas.types(sub, "request") if sub is not None else None)
        return out

    def _scalar(self, text: str, schema: Any, parameter: Parameter) -> Any:
        if text == "" and parameter.allow_empty:
            return None if "null" in (self.schemas.types(schema, "request") or set()) else ""
        return coerce(text, self.schemas.types(schema, "request"))

    # -- gaps ------------------------------------------------------------------------------------------------

    def missing(self, parameter: Parameter) -> None:
        self.gaps.append(
            Gap(
                "crosscheck.request_parameters",
                f"required {parameter.where} parameter {parameter.name!r} is missing",
                f"{self.operation.label} requires the {parameter.where} parameter {parameter.name!r} "
                f"(#{parameter.at}); the pact's request does not send it: add it to the consumer's request.",
                location=f"{parameter.where} {parameter.name}",
                expected="present",
                actual="missing",
                pact_path=self._pact_path(parameter),
                spec_path="#" + parameter.at,
                kind=REQUEST_VALUES,
            )
        )

    def invalid(self, parameter: Parameter, read: _Read, problem: str) -> None:
        documented = self.schemas.describe(self.schemas.at(parameter.schema_at, "request"), "request")
        shown = read.text if isinstance(read.text, str) else short(read.text)
        self.gaps.append(
            Gap(
                "crosscheck.request_parameters",
                f"{parameter.where} parameter {parameter.name!r} = {shown!r} is not valid",
                f"The pact sends the {parameter.where} parameter {parameter.name!r} as {shown!r}; the spec documents "
                f"{documented} (#{parameter.schema_at}): {problem}.",
                location=f"{parameter.where} {parameter.name}",
                expected=documented,
                actual=read.text,
                pact_path=self._pact_path(parameter),
                spec_path="#" + parameter.schema_at,
                kind=REQUEST_VALUES,
            )
        )

    def stray_query(self, name: str) -> None:
        documented = sorted(n for (w, n) in self.operation.parameters if w == "query")
        self.gaps.append(
            Gap(
                "crosscheck.request_parameters",
                f"undocumented query parameter {name!r}",
                f"The pact sends ?{name}=..., which {self.operation.label} does not document "
                f"({', '.join(documented) or 'no query parameters'}); the provider may ignore it.",
                Severity.LOW,
                location=f"query {name}",
                expected=documented,
                actual=name,
                pact_path=f"{self.at}.query.{name}",
                spec_path="#" + child(self.operation.at, "parameters"),
            )
        )

    def stray_header(self, name: str) -> None:
        documented = sorted(n for (w, n) in self.operation.parameters if w == "header")
        self.gaps.append(
            Gap(
                "crosscheck.request_parameters",
                f"undocumented request header {name!r}",
                f"The pact sends the header {name!r}, which {self.operation.label} does not document "
                f"({', '.join(documented) or 'no header parameters'}); the provider may ignore it.",
                Severity.LOW,
                location=f"header {name}",
                expected=documented,
                actual=name,
                pact_path=f"{self.at}.headers.{name}",
                spec_path="#" + child(self.operation.at, "parameters"),
            )
        )

    def _pact_path(self, parameter: Parameter) -> str:
        if parameter.where == "path":
            return f"{self.at}.path"
        if parameter.where == "cookie":
            return f"{self.at}.headers.Cookie"
        part = "query" if parameter.where == "query" else "headers"
        return f"{self.at}.{part}.{parameter.name}"


def coerce(raw: str, types: set[str] | None) -> Any:
    """A parameter's text as the type its schema documents, so that it can be validated."""
    types = types or set()
    if "integer" in types and re.fullmatch(r"[+-]?\d+", raw):
        return int(raw)
    if "number" in types and re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", raw):
        return float(raw) if not re.fullmatch(r"[+-]?\d+", raw) else int(raw)
    if "boolean" in types and raw in ("true", "false"):
        return raw == "true"
    if "null" in types and raw in ("", "null"):
        return None
    return raw


def _kind(types: set[str] | None) -> str:
    if types == {"array"}:
        return "array"
    if types == {"object"}:
        return "object"
    return "scalar"
