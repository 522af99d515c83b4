"""An OpenAPI document (2.0, 3.0, 3.1) read as the cross-check needs it: operations with their parameters,
security requirements, request bodies and responses, every part named by its JSON pointer in the document.

`$ref`s to parameters, responses, request bodies, headers and security schemes are followed with `referencing`;
schemas stay pointers into `schema.Schemas`' converted document.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from ..spec import HTTP_METHODS
from .pointers import child
from .schema import Schemas

DOC = "urn:apitest:document"

# OpenAPI 3: "If in is "header" and the name field is "Accept", "Content-Type" or "Authorization", the parameter
# definition SHALL be ignored."
_IGNORED_HEADER_PARAMS = frozenset({"accept", "content-type", "authorization"})
_DEFAULT_STYLE = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    where: str  # path, query, header, cookie (3.x); also body, formData (2.0)
    required: bool
    at: str  # pointer of the parameter object
    schema_at: str  # pointer of its schema in the converted document
    style: str = ""  # 3.x serialisation (form, simple, deepObject...); 2.0: the collectionFormat
    explode: bool = False
    content: str | None = None  # a 3.x parameter described by `content`: its media type
    allow_empty: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return self.where, self.name.lower() if self.where == "header" else self.name


@dataclass(frozen=True, slots=True)
class SecurityScheme:
    name: str
    type: str  # apiKey, http, basic (2.0), oauth2, openIdConnect, mutualTLS
    at: str
    location: str = ""  # apiKey: header, query, cookie
    param: str = ""  # apiKey: the header, query or cookie name
    scheme: str = ""  # http: basic, bearer, digest...


@dataclass(frozen=True, slots=True)
class Body:
    """A documented request body: media types with the pointer of their schema (None: no schema given)."""

    content: dict[str, str | None]
    required: bool
    at: str
    declared: bool = True  # False: Swagger 2 with no `consumes` anywhere (the media type is not promised)


@dataclass(frozen=True, slots=True)
class DocumentedResponse:
    key: str  # "200", "2XX", "default"
    at: str
    content: dict[str, str | None]  # media type -> schema pointer (None: no schema given)
    headers: dict[str, tuple[str, Mapping[str, Any]]]  # lower-case name -> (pointer, header object)
    declared: bool = True  # False: Swagger 2 with no `produces` anywhere
    has_schema: bool = False  # Swagger 2: a schema is documented (the media types come from `produces`)


@dataclass(frozen=True, slots=True)
class Operation:
    method: str  # upper case
    template: str
    at: str
    parameters: dict[tuple[str, str], Parameter] = field(default_factory=dict)
    security: tuple[tuple[tuple[SecurityScheme, tuple[str, ...]], ...], ...] = ()  # alternatives of ANDs
    security_at: str = ""
    body: Body | None = None
    responses: dict[str, DocumentedResponse] = field(default_factory=dict)
    produces: tuple[str, ...] = ()  # every media type any response documents
    produces_declared: bool = True

    @property
    def label(self) -> str:
        return f"{self.method} {self.template}"

    def response(self, status: int) -> DocumentedResponse | None:
        """The response documented for `status`: its own code, its range (`4XX`), or `default`."""
        upper = {k.upper(): r for k, r in self.responses.items()}
        return upper.get(str(status)) or upper.get(f"{str(status)[0]}XX") or upper.get("DEFAULT")


class OpenAPI:
    """One normalised OpenAPI document."""

    def __init__(self, document: Mapping[str, Any], schemas: Schemas) -> None:
        self.document = document
        self.schemas = schemas
        self.swagger = schemas.swagger
        self._resolver = Registry().with_resource(DOC, DRAFT202012.create_resource(document)).resolver()
        self._operations: dict[tuple[str, str], Operation | None] = {}

    def resolve(self, node: Any, at: str) -> tuple[Any, str]:
        """An object and its pointer, following `$ref`s (a parameter, response, header...)."""
        seen = 0
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 50:
            ref = node["$ref"]
            if not ref.startswith("#"):
                return {}, at
            try:
                node = self._resolver.lookup(DOC + ref).contents
            except Unresolvable:
                return {}, at
            at = unquote(ref[1:])  # the fragment, percent-decoded, is the JSON pointer
            seen += 1
        return node, at

    def path_item(self, template: str) -> tuple[Mapping[str, Any], str]:
        paths = self.document.get("paths") or {}
        item, at = self.resolve(paths.get(template), child("/paths", template))
        return (item if isinstance(item, Mapping) else {}), at

    def methods(self, template: str) -> list[str]:
        item, _ = self.path_item(template)
        return [m.upper() for m in HTTP_METHODS if isinstance(item.get(m), Mapping)]

    def operation(self, method: str, template: str) -> Operation | None:
        key = (method, template)
        if key not in self._operations:
            self._operations[key] = self._build(method, template)
        return self._operations[key]

    def _build(self, method: str, template: str) -> Operation | None:
        item, item_at = self.path_item(template)
        raw = item.get(method.lower()) if method.lower() in HTTP_METHODS else None
        if not isinstance(raw, Mapping):
            return None
        at = child(item_at, method.lower())
        parameters: dict[tuple[str, str], Parameter] = {}
        for source, base in (
            (item.get("parameters"), child(item_at, "parameters")),
            (raw.get("parameters"), child(at, "parameters")),
        ):
            for i, entry in enumerate(source if isinstance(source, list) else []):
                parameter = self._parameter(entry, child(base, i))
                if parameter is not None:
                    parameters[parameter.key] = parameter  # the operation's own override the path item's
        security, security_at = self._security(raw, at)
        produces, produces_declared = self._produces(raw)
        responses = {
            str(code): self._response(str(code), value, child(at, "responses", str(code)), produces, produces_declared)
            for code, value in (raw.get("responses") or {}).items()
        }
        documented = [m for r in responses.values() for m in r.content]
        return Operation(
            method=method,
            template=template,
            at=at,
            parameters=parameters,
            security=security,
            security_at=security_at,
            body=self._body(raw, at, parameters),
            responses=responses,
            produces=tuple(produces) if self.swagger else tuple(dict.fromkeys(documented)),
            produces_declared=produces_declared if self.swagger else bool(documented),
        )

    def _parameter(self, entry: Any, at: str) -> Parameter | None:
        param, at = self.resolve(entry, at)
        if (
            not isinstance(param, Mapping)
            or not isinstance(param.get("name"), str)
            or not isinstance(param.get("in"), str)
        ):
            return None
        where, name = param["in"], param["name"]
        if not self.swagger and where == "header" and name.lower() in _IGNORED_HEADER_PARAMS:
            return None
        required = bool(param.get("required")) or where == "path"
        if self.swagger:
            schema_at = child(at, "schema") if where == "body" else at
            fmt = param.get("collectionFormat")
            return Parameter(
                name,
                where,
                required,
                at,
                schema_at,
                style=fmt if isinstance(fmt, str) else "csv",
                explode=fmt == "multi",
                allow_empty=bool(param.get("allowEmptyValue")),
            )
        content = param.get("content")
        media = next(iter(content), None) if isinstance(content, Mapping) else None
        style = str(param["style"]) if isinstance(param.get("style"), str) else _DEFAULT_STYLE.get(where, "simple")
        explode = param.get("explode")
        return Parameter(
            name,
            where,
            required,
            at,
            child(at, "content", media, "schema") if media is not None else child(at, "schema"),
            style=style,
            explode=bool(explode) if isinstance(explode, bool) else style == "form",
            content=media,
            allow_empty=bool(param.get("allowEmptyValue")),
        )

    def _security(
        self, raw: Mapping[str, Any], at: str
    ) -> tuple[tuple[tuple[tuple[SecurityScheme, tuple[str, ...]], ...], ...], str]:
        if isinstance(raw.get("security"), list):
            requirements, where = raw["security"], child(at, "security")
        elif isinstance(self.document.get("security"), list):
            requirements, where = self.document["security"], "/security"
        else:
            return (), ""
        schemes = self._schemes()
        alternatives = []
        for requirement in requirements:
            if not isinstance(requirement, Mapping):
                continue
            needed = tuple(
                (schemes[name], tuple(s for s in scopes if isinstance(s, str)) if isinstance(scopes, list) else ())
                for name, scopes in requirement.items()
                if name in schemes
            )
            alternatives.append(needed)
        return tuple(alternatives), where

    def _schemes(self) -> dict[str, SecurityScheme]:
        if self.swagger:
            raw, base = self.document.get("securityDefinitions"), "/securityDefinitions"
        else:
            components = self.document.get("components")
            raw = components.get("securitySchemes") if isinstance(components, Mapping) else None
            base = "/components/securitySchemes"
        found = {}
        for name, entry in (raw or {}).items() if isinstance(raw, Mapping) else ():
            scheme, at = self.resolve(entry, child(base, name))
            if not isinstance(scheme, Mapping) or not isinstance(scheme.get("type"), str):
                continue
            found[name] = SecurityScheme(
                name,
                scheme["type"],
                at,
                location=str(scheme.get("in") or ""),
                param=str(scheme.get("name") or ""),
                scheme=str(scheme.get("scheme") or "").lower(),
            )
        return found

    def _consumes(self, raw: Mapping[str, Any]) -> tuple[list[str], bool]:
        consumes = raw.get("consumes") if isinstance(raw.get("consumes"), list) else self.document.get("consumes")
        if isinstance(consumes, list) and consumes:
            return [str(m) for m in consumes], True
        return [], False

    def _produces(self, raw: Mapping[str, Any]) -> tuple[list[str], bool]:
        if not self.swagger:
            return [], True
        produces = raw.get("produces") if isinstance(raw.get("produces"), list) else self.document.get("produces")
        if isinstance(produces, list) and produces:
            return [str(m) for m in produces], True
        return [], False

    def _body(self, raw: Mapping[str, Any], at: str, parameters: Mapping[tuple[str, str], Parameter]) -> Body | None:
        if self.swagger:
            consumes, declared = self._consumes(raw)
            body = next((p for (w, _), p in parameters.items() if w == "body"), None)
            if body is not None:
                media = consumes or ["application/json"]
                return Body(dict.fromkeys(media, body.schema_at), body.required, body.at, declared)
            form = [p for (w, _), p in parameters.items() if w == "formData"]
            if form:
                media = consumes or ["application/x-www-form-urlencoded", "multipart/form-data"]
                return Body(dict.fromkeys(media), any(p.required for p in form), form[0].at, declared)
            return None
        request_body, body_at = self.resolve(raw.get("requestBody"), child(at, "requestBody"))
        if not isinstance(request_body, Mapping) or not request_body:
            return None
        content: Mapping[str, Any] = request_body["content"] if isinstance(request_body.get("content"), Mapping) else {}
        return Body(
            {
                str(m): child(body_at, "content", m, "schema") if isinstance(v, Mapping) and "schema" in v else None
                for m, v in content.items()
            },
            bool(request_body.get("required")),
            body_at,
        )

    def _response(self, code: str, value: Any, at: str, produces: list[str], declared: bool) -> DocumentedResponse:
        response, at = self.resolve(value, at)
        if not isinstance(response, Mapping):
            response = {}
        headers = {}
        for name, header in (response.get("headers") or {}).items():
            resolved, header_at = self.resolve(header, child(at, "headers", name))
            if isinstance(resolved, Mapping):
                headers[str(name).lower()] = (header_at, resolved)
        if self.swagger:
            has_schema = "schema" in response
            schema_at = child(at, "schema") if has_schema else None
            media = produces or (["application/json"] if has_schema else [])
            return DocumentedResponse(code, at, dict.fromkeys(media, schema_at), headers, declared, has_schema)
        content: Mapping[str, Any] = response["content"] if isinstance(response.get("content"), Mapping) else {}
        return DocumentedResponse(
            code,
            at,
            {
                str(m): child(at, "content", m, "schema") if isinstance(v, Mapping) and "schema" in v else None
                for m, v in content.items()
            },
            headers,
            True,
            bool(content),
        )
