"""Security requirements: does the pact's request carry the credentials the operation requires?

An operation's `security` (or the document's) lists alternatives; each needs all of its schemes. A scheme is met by
what the request carries: an apiKey's header, query parameter or cookie; an `Authorization` header with the
scheme's name for HTTP schemes (`Basic ...`, `Bearer ...`); any `Authorization` header for OAuth 2 and OpenID
Connect, whose scopes a pact cannot show. Mutual TLS is outside what a pact records, so it counts as met.
"""

from __future__ import annotations

from collections.abc import Iterable
from http.cookies import CookieError, SimpleCookie

from .gaps import SECURITY, Gap
from .openapi import Operation, SecurityScheme
from .pactfile import Request


def cookies(request: Request) -> dict[str, str]:
    header = request.header("cookie")
    if not header:
        return {}
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        pairs = (part.split("=", 1) for part in header.split(";") if "=" in part)
        return {k.strip(): v.strip() for k, v in pairs}
    return {k: m.value for k, m in jar.items()}


def credential_names(operation: Operation) -> set[tuple[str, str]]:
    """The (in, name) of every apiKey the operation accepts: they are documented parameters, not strays."""
    return {
        (scheme.location, scheme.param.lower() if scheme.location == "header" else scheme.param)
        for alternative in operation.security
        for scheme, _ in alternative
        if scheme.type == "apiKey"
    }


def check(operation: Operation, request: Request, interaction_path: str) -> list[Gap]:
    if not operation.security or any(not alternative for alternative in operation.security):
        return []  # no requirement, or an empty one ({}): credentials are optional
    missing_per_alternative = [
        [scheme for scheme, _ in alternative if not _met(scheme, request)] for alternative in operation.security
    ]
    if any(not missing for missing in missing_per_alternative):
        return []
    options = " or ".join(_describe(alternative) for alternative in _alternatives(operation))
    first = missing_per_alternative[0]
    sent = request.header("authorization")
    wrong_scheme = next((s for s in first if s.type in ("http", "basic")), None)
    if wrong_scheme is not None and sent:
        actual = f"Authorization: {sent.split(' ')[0]} ..."
        problem = f"the pact's request sends {actual!r}, which is not {_describe([wrong_scheme])}"
    else:
        actual = "no credentials"
        problem = f"the pact's request does not send {_describe(first)}"
    return [
        Gap(
            "crosscheck.security",
            f"{operation.label} requires {options}",
            f"{operation.label} requires {options} (#{operation.security_at}); {problem}, so the provider "
            "would refuse it: add the credentials to the consumer's request (a matcher can stand for the token).",
            location="security",
            expected=options,
            actual=actual,
            pact_path=f"{interaction_path}.request.headers",
            spec_path="#" + operation.security_at,
            kind=SECURITY,
        )
    ]


def _alternatives(operation: Operation) -> Iterable[list[SecurityScheme]]:
    return ([scheme for scheme, _ in alternative] for alternative in operation.security)


def _met(scheme: SecurityScheme, request: Request) -> bool:
    if scheme.type == "apiKey":
        if scheme.location == "header":
            return request.header(scheme.param) is not None
        if scheme.location == "query":
            return scheme.param in request.query
        if scheme.location == "cookie":
            return scheme.param in cookies(request)
        return True
    authorization = (request.header("authorization") or "").strip()
    if scheme.type == "basic" or (scheme.type == "http" and scheme.scheme):
        wanted = "basic" if scheme.type == "basic" else scheme.scheme
        return authorization.lower().startswith(wanted + " ") or authorization.lower() == wanted
    if scheme.type in ("oauth2", "openIdConnect", "http"):
        return bool(authorization)
    return True  # mutualTLS and unknown types: nothing a pact can show


def _describe(schemes: list[SecurityScheme]) -> str:
    parts = []
    for scheme in schemes:
        if scheme.type == "apiKey":
            parts.append(f"the {scheme.location} {scheme.param!r} ({scheme.name})")
        elif scheme.type == "basic" or (scheme.type == "http" and scheme.scheme == "basic"):
            parts.append("basic auth (Authorization: Basic ...)")
        elif scheme.type == "http" and scheme.scheme:
            parts.append(f"{scheme.scheme} auth (Authorization: {scheme.scheme.capitalize()} ...)")
        else:
            parts.append(f"an {scheme.type} token (Authorization) for {scheme.name!r}")
    return " and ".join(parts) or "credentials"
