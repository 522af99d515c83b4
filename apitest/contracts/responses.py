"""The response side of an interaction: status, headers, Content-Type and body."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..results import Severity
from .bodies import DATE_KINDS, BodyWalk, string_matcher_gap
from .gaps import Gap, short
from .matching import MatcherGroup
from .media import is_json, match_media, pick_json
from .openapi import DocumentedResponse, Operation
from .pactfile import Response
from .parameters import coerce
from .pointers import child
from .schema import Schemas, errors

# Response headers HTTP itself defines: a pact that expects one the spec does not document only weakens the contract.
STANDARD_RESPONSE_HEADERS = frozenset(
    {
        "accept-patch", "accept-ranges", "age", "allow", "alt-svc", "cache-control", "content-disposition",
        "content-encoding", "content-language", "content-location", "content-range", "etag", "expires",
        "last-modified", "link", "location", "pragma", "retry-after", "set-cookie", "strict-transport-security",
        "vary", "www-authenticate", "x-content-type-options", "x-frame-options", "x-xss-protection",
        "content-security-policy", "referrer-policy", "cross-origin-resource-policy",
    }
)  # fmt: skip
# Set by the transport, never promised by an API.
TRANSPORT_HEADERS = frozenset(
    {"content-type", "content-length", "date", "connection", "transfer-encoding", "keep-alive", "server"}
)


class ResponseCheck:
    def __init__(self, operation: Operation, response: Response, schemas: Schemas, at: str, method: str) -> None:
        self.operation = operation
        self.response = response
        self.schemas = schemas
        self.at = at
        self.method = method
        self.gaps: list[Gap] = []

    @property
    def label(self) -> str:
        return self.operation.label

    def add(self, check: str, title: str, message: str, *, severity: Severity = Severity.MEDIUM, **fields: Any) -> None:
        self.gaps.append(Gap(check, title, message, severity, **fields))

    def run(self) -> list[Gap]:
        status = self.response.status
        documented = self.operation.response(status)
        if documented is None:
            listed = ", ".join(self.operation.responses) or "no"
            self.add(
                "crosscheck.undocumented_status",
                f"status {status} is not documented",
                f"{self.label} documents {listed} responses (#{child(self.operation.at, 'responses')}), not {status}; "
                "the pact expects a status the provider does not promise.",
                severity=Severity.HIGH,
                location="status",
                expected=list(self.operation.responses),
                actual=status,
                pact_path=f"{self.at}.response.status",
                spec_path="#" + child(self.operation.at, "responses"),
            )
            return self.gaps
        if documented.key.lower() == "default":
            self.add(
                "crosscheck.undocumented_status",
                f"status {status} is covered only by the default response",
                f"{self.label} documents {status} only through its `default` response (#{documented.at}); the pact "
                "relies on a status the spec does not name.",
                severity=Severity.LOW,
                location="status",
                expected=[k for k in self.operation.responses if k.lower() != "default"],
                actual=status,
                pact_path=f"{self.at}.response.status",
                spec_path="#" + documented.at,
            )
        self.headers(documented)
        self.body(documented)
        return self.gaps

    # -- headers ---------------------------------------------------------------------------------------------

    def headers(self, documented: DocumentedResponse) -> None:
        response = self.response
        for name, value in response.headers.items():
            lowered = name.lower()
            if lowered in TRANSPORT_HEADERS or lowered.startswith("access-control-"):
                continue
            where = f"{self.at}.response.headers.{name}"
            found = documented.headers.get(lowered)
            if found is None:
                standard = lowered in STANDARD_RESPONSE_HEADERS
                self.add(
                    "crosscheck.response_header",
                    f"the pact expects header {name!r}, the spec does not document it",
                    f"{self.label} documents {', '.join(sorted(documented.headers)) or 'no headers'} for "
                    f"{documented.key} (#{documented.at}); the pact expects {name!r}, which the provider does not "
                    "promise to send.",
                    severity=Severity.LOW if standard else Severity.MEDIUM,
                    location=f"header {name}",
                    expected=sorted(documented.headers),
                    actual=name,
                    pact_path=where,
                    spec_path=f"#{documented.at}",
                )
                continue
            header_at, header = found
            if not self.schemas.swagger and not header.get("required"):
                self.add(
                    "crosscheck.response_header",
                    f"the pact expects header {name!r}, which the spec documents as optional",
                    f"{self.label} may leave {name!r} out of its {documented.key} response (#{header_at} is not "
                    "`required: true`); the pact expects it.",
                    severity=Severity.LOW,
                    location=f"header {name}",
                    expected="optional",
                    actual="expected",
                    pact_path=where,
                    spec_path="#" + header_at,
                )
            schema_at = header_at if self.schemas.swagger else _header_schema_at(header, header_at)
            schema = self.schemas.resolve(self.schemas.at(schema_at, "response"), "response")
            group = response.rules.header.get(lowered)
            kinds = group.kinds() if group else set()
            if not kinds or kinds & ({"equality", "regex"} | DATE_KINDS):
                parsed = self._header_value(value, schema)
                problem = next(errors(self.schemas.validator(schema, "response"), parsed), None)
                if problem is not None:
                    documented_as = self.schemas.describe(schema, "response")
                    self.add(
                        "crosscheck.response_header",
                        f"header {name!r} = {value!r} is not valid for the spec",
                        f"The pact expects {name}: {value}; the spec documents {documented_as} (#{schema_at}): "
                        f"{problem.message}.",
                        location=f"header {name}",
                        expected=documented_as,
                        actual=value,
                        pact_path=where,
                        spec_path="#" + schema_at,
                    )
            if group is not None:
                self._string_matchers(group, schema, name, where, "#" + schema_at)

    def _header_value(self, value: str, schema: Any) -> Any:
        types = self.schemas.types(schema, "response")
        if types == {"array"}:
            items = self.schemas.resolve(schema.get("items", {}) if isinstance(schema, Mapping) else {}, "response")
            fmt = schema.get("collectionFormat") if isinstance(schema, Mapping) else None
            delimiter = {"ssv": " ", "tsv": "\t", "pipes": "|"}.get(str(fmt), ",")
            return [coerce(v.strip(), self.schemas.types(items, "response")) for v in value.split(delimiter)]
        return coerce(value, types)

    def _string_matchers(self, group: MatcherGroup, schema: Any, name: str, where: str, spec_path: str) -> None:
        if not isinstance(schema, Mapping):
            return
        for matcher in group.matchers:
            gap = string_matcher_gap(matcher, schema)
            if gap is not None:
                severity, message = gap
                self.add(
                    "crosscheck.response_header",
                    f"header {name}: {message.split(';')[0]}",
                    f"For the header {name!r}: {message} ({spec_path}).",
                    severity=severity,
                    location=f"header {name}",
                    expected=self.schemas.describe(schema, "response"),
                    actual=matcher.regex or matcher.kind,
                    pact_path=where,
                    spec_path=spec_path,
                )

    # -- body ------------------------------------------------------------------------------------------------

    def body(self, documented: DocumentedResponse) -> None:
        response = self.response
        sent = response.has_body and response.body != ""
        declared = response.content_type
        body_path = response.body_path or f"{self.at}.response.body"
        content = documented.content
        where = "#" + documented.at
        if declared:
            if not documented.declared and content:
                self.add(
                    "crosscheck.content_type",
                    f"response content type {declared!r} is not promised",
                    f"The pact expects Content-Type: {declared}; {self.label} declares no `produces` (#{self.operation.at}), "
                    "so no media type is promised.",
                    severity=Severity.LOW,
                    location="response Content-Type",
                    expected=[],
                    actual=declared,
                    pact_path=f"{self.at}.response.headers.Content-Type",
                    spec_path="#" + self.operation.at,
                )
            elif content and match_media(declared, content) is None:
                self.add(
                    "crosscheck.content_type",
                    f"response content type {declared!r} is not documented",
                    f"The pact expects Content-Type: {declared}; {self.label} documents only {', '.join(content)} for "
                    f"{documented.key} ({where}).",
                    location="response Content-Type",
                    expected=list(content),
                    actual=declared,
                    pact_path=f"{self.at}.response.headers.Content-Type",
                    spec_path=where,
                )
                return
        if not sent:
            return
        if not content or (self.schemas.swagger and not documented.has_schema):
            self.add(
                "crosscheck.response_body",
                f"the pact expects a body for {documented.key}, the spec documents none",
                f"{self.label} documents no body for {documented.key} ({where}); the pact expects "
                f"{short(response.body)}.",
                location="response body",
                expected="no body",
                actual=short(response.body),
                pact_path=body_path,
                spec_path=where,
            )
            return
        media = match_media(declared, content) if declared else pick_json(content)
        if media is None:
            return
        schema_at = content[media]
        if schema_at is None:
            self.add(
                "crosscheck.response_body",
                f"the spec documents no schema for the {media} body",
                f"{self.label} documents {media} content for {documented.key} without a schema ({where}); nothing in "
                f"the body the pact expects ({short(response.body)}) is promised.",
                location="response body",
                expected="a schema",
                actual=short(response.body),
                pact_path=body_path,
                spec_path=where,
            )
            return
        if isinstance(response.body, bytes) or not (
            is_json(media) or is_json(declared) or isinstance(response.body, dict | list)
        ):
            return  # only JSON bodies are checked against schemas
        schema = self.schemas.at(schema_at, "response")
        walk = BodyWalk(
            self.schemas, "response", response.rules, response.generators, "crosscheck.response_schema", body_path
        )
        self.gaps.extend(walk.check(response.body, schema))


def _header_schema_at(header: Mapping[str, Any], at: str) -> str:
    content = header.get("content")
    if "schema" not in header and isinstance(content, Mapping) and content:
        return child(at, "content", next(iter(content)), "schema")
    return child(at, "schema")
