"""The request side of an interaction: parameters, credentials, Accept, Content-Type and body."""

from __future__ import annotations

from ..results import Severity
from .bodies import BodyWalk
from .gaps import ACCEPT, CONTENT_TYPE, REQUEST_VALUES, Gap, short
from .media import acceptable, is_json, match_media, pick_json
from .openapi import Operation
from .pactfile import Request
from .parameters import ParameterCheck
from .routes import RouteMatch
from .schema import Schemas
from .security import check as security_gaps


class RequestCheck:
    def __init__(self, operation: Operation, request: Request, route: RouteMatch, schemas: Schemas, at: str) -> None:
        self.operation = operation
        self.request = request
        self.route = route
        self.schemas = schemas
        self.at = at  # "$.interactions[3]"
        self.gaps: list[Gap] = []

    @property
    def label(self) -> str:
        return self.operation.label

    def run(self) -> list[Gap]:
        self.gaps.extend(ParameterCheck(self.operation, self.request, self.route.values, self.schemas, self.at).run())
        self.gaps.extend(security_gaps(self.operation, self.request, self.at))
        self.accept()
        self.body()
        return self.gaps

    def add(
        self, check: str, title: str, message: str, *, severity: Severity = Severity.MEDIUM, **fields: object
    ) -> None:
        self.gaps.append(Gap(check, title, message, severity, **fields))  # type: ignore[arg-type]

    def accept(self) -> None:
        header = self.request.header("accept")
        if not header:
            return
        produced = self.operation.produces
        where = f"#{self.operation.at}/responses"
        if not produced or not self.operation.produces_declared:
            self.add(
                "crosscheck.accept",
                "the spec documents no response media type for Accept",
                f"The pact sends Accept: {header}; {self.label} documents no media type for its responses "
                f"({'no produces' if self.schemas.swagger else 'no response content'}), so none is promised.",
                severity=Severity.LOW,
                location="request Accept",
                expected=list(produced),
                actual=header,
                pact_path=f"{self.at}.request.headers.Accept",
                spec_path=where,
                kind=ACCEPT,
            )
            return
        if not acceptable(header, produced):
            self.add(
                "crosscheck.accept",
                f"Accept {header!r} matches nothing {self.label} produces",
                f"The pact sends Accept: {header}; {self.label} produces only {', '.join(produced)} ({where}), so the "
                "provider may answer 406 Not Acceptable.",
                location="request Accept",
                expected=list(produced),
                actual=header,
                pact_path=f"{self.at}.request.headers.Accept",
                spec_path=where,
                kind=ACCEPT,
            )

    def body(self) -> None:
        request, documented = self.request, self.operation.body
        sent = request.has_body and request.body != ""
        content_type = request.content_type
        body_path = request.body_path or f"{self.at}.request.body"
        if documented is None:
            if sent or content_type:
                what = "a request body" if sent else f"Content-Type: {content_type}"
                self.add(
                    "crosscheck.request_body",
                    f"the pact sends {what}, the spec documents no request body",
                    f"The pact sends {what}; {self.label} documents no request body (#{self.operation.at}), so the "
                    "provider may ignore it.",
                    severity=Severity.LOW,
                    location="request body",
                    expected="no body",
                    actual=short(request.body) if sent else content_type,
                    pact_path=body_path if sent else f"{self.at}.request.headers.Content-Type",
                    spec_path="#" + self.operation.at,
                )
            return
        where = "#" + documented.at
        if not sent:
            if documented.required:
                self.add(
                    "crosscheck.request_body",
                    "the documented request body is required but the pact sends none",
                    f"{self.label} requires a request body ({', '.join(documented.content) or 'any'}; {where}); the "
                    "pact's request has none.",
                    location="request body",
                    expected=list(documented.content),
                    actual="no body",
                    pact_path=body_path,
                    spec_path=where,
                    kind=REQUEST_VALUES,
                )
            elif content_type and documented.declared and match_media(content_type, documented.content) is None:
                self.content_type_gap(content_type, list(documented.content), where)
            return
        if content_type is None:
            media = (
                pick_json(documented.content) if isinstance(request.body, dict | list) or request.body is None else None
            )
            media = media or (next(iter(documented.content), None) if len(documented.content) == 1 else None)
            if documented.declared:
                self.add(
                    "crosscheck.content_type",
                    "the pact sends a body without a Content-Type",
                    f"The pact's request has a body but no Content-Type; {self.label} consumes "
                    f"{', '.join(documented.content)} ({where}), and a provider may refuse a body it cannot type.",
                    severity=Severity.LOW,
                    location="request Content-Type",
                    expected=list(documented.content),
                    actual="none",
                    pact_path=f"{self.at}.request.headers",
                    spec_path=where,
                    kind=CONTENT_TYPE,
                )
        elif not documented.declared:
            media = pick_json(documented.content)
            self.add(
                "crosscheck.content_type",
                f"request content type {content_type!r} is not promised",
                f"The pact sends Content-Type: {content_type}; {self.label} declares no `consumes` ({where}), so no "
                "media type is promised.",
                severity=Severity.LOW,
                location="request Content-Type",
                expected=[],
                actual=content_type,
                pact_path=f"{self.at}.request.headers.Content-Type",
                spec_path=where,
                kind=CONTENT_TYPE,
            )
        else:
            media = match_media(content_type, documented.content)
            if media is None:
                self.content_type_gap(content_type, list(documented.content), where)
                return
        if media is None:
            return
        schema_at = documented.content.get(media)
        if schema_at is None:
            return  # no schema documented: the provider takes any body of that type
        if not (is_json(media) or is_json(content_type)) and not isinstance(request.body, dict | list):
            return  # only JSON bodies are checked against schemas
        if isinstance(request.body, bytes):
            return  # a binary body: nothing a JSON schema describes
        schema = self.schemas.at(schema_at, "request")
        walk = BodyWalk(
            self.schemas, "request", request.rules, request.generators, "crosscheck.request_body", body_path
        )
        self.gaps.extend(walk.check(request.body, schema))

    def content_type_gap(self, content_type: str, documented: list[str], where: str) -> None:
        self.add(
            "crosscheck.content_type",
            f"request content type {content_type!r} is not documented",
            f"The pact sends Content-Type: {content_type}; {self.label} consumes only {', '.join(documented)} "
            f"({where}), so the provider may answer 415 Unsupported Media Type.",
            location="request Content-Type",
            expected=documented,
            actual=content_type,
            pact_path=f"{self.at}.request.headers.Content-Type",
            spec_path=where,
            kind=CONTENT_TYPE,
        )
