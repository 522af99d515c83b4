"""Pact matching rules, normalised across spec versions, and which rule applies to a value in a body.

V2 writes `{"$.body.items[*].id": {"match": "integer"}}`; V3 and V4 write
`{"body": {"$.items[*].id": {"combine": "AND", "matchers": [{"match": "integer"}]}}}`. Both become a `Rules`:
body rules keyed by parsed path, header rules by lower-case name, query rules by name.

Rules are read as leniently as Pact's Rust core reads them (measured on pact_ffi 0.5.12): each key's form decides
how it is read, whatever version the file declares (pact-jvm wrote V3-style rules into V2 files); pact-jvm's
`{"date": "yyyy-MM-dd"}`, `{"time": ...}` and `{"timestamp": ...}` without `match` are date/time/datetime
matchers; `min`/`max` may be numeric strings; an unknown `combine` is AND; a regex that does not compile, or uses
Java's `\\Q...\\E` quoting, is kept with a note (the core keeps it too, and then fails the pact's own example). What
the core refuses is a `RuleError`: a matcher that is not an object or names no kind, a regex matcher without a
regex, a path that is not a pact path, a category that is not an object.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeAlias

ANY_KEY = "*"
ANY_INDEX = -1

Token: TypeAlias = str | int  # a key, an index, ANY_KEY or ANY_INDEX
Location: TypeAlias = tuple[str | int, ...]  # a concrete place in a body: keys and indices

# V2 names some matchers by their parameter only: {"regex": "..."} or {"min": 1}.
_IMPLIED = (("regex", "regex"), ("min", "type"), ("max", "type"))
_PATH_TOKEN = re.compile(
    r"\.(?P<key>[^.\[\]]+)|\[(?P<index>\d+|\*)\]|\['(?P<quoted>(?:[^'\\]|\\.)*)'\]|\[\"(?P<dquoted>[^\"]*)\"\]"
)


class RuleError(ValueError):
    """A matching rule that cannot be read; the message says why, the reader adds where."""


@dataclass(frozen=True, slots=True)
class Matcher:
    """One matcher: `kind` is pact's `match` value (`type`, `regex`, `integer`, `eachValue`...)."""

    kind: str
    regex: str | None = None  # as the pact writes it
    min: int | None = None
    max: int | None = None
    format: str | None = None
    value: Any = None
    rules: tuple[Matcher, ...] = ()  # eachKey / eachValue
    variants: tuple[Rules, ...] = ()  # arrayContains: the rules of each variant, relative to the item
    extra: Mapping[str, Any] = field(default_factory=dict)
    pattern: str | None = None  # `regex` as a Python pattern, None when it does not compile
    note: str | None = None  # why Pact's core will not match as the pact means: Java quoting, a broken regex

    def search(self, value: str) -> bool:
        """Whether the regex matches the whole value, as pact's regex matcher requires."""
        return self.pattern is not None and re.fullmatch(self.pattern, value) is not None


@dataclass(frozen=True, slots=True)
class MatcherGroup:
    matchers: tuple[Matcher, ...]
    combine: str = "AND"

    def kinds(self) -> set[str]:
        return {m.kind for m in self.matchers}

    def first(self, *kinds: str) -> Matcher | None:
        return next((m for m in self.matchers if m.kind in kinds), None)


@dataclass(frozen=True, slots=True)
class Rules:
    body: tuple[tuple[tuple[Token, ...], MatcherGroup], ...] = ()
    header: Mapping[str, MatcherGroup] = field(default_factory=dict)  # lower-case names
    query: Mapping[str, MatcherGroup] = field(default_factory=dict)
    path: MatcherGroup | None = None
    status: MatcherGroup | None = None

    def for_body(self, location: Location) -> tuple[MatcherGroup | None, bool]:
        """The rule that applies at `location` and whether it is inherited from an ancestor.

        Like pact, the rule whose path matches the most leading tokens wins (exact keys beat wildcards), so a
        `type` rule on an object governs its children unless they have their own rule.
        """
        best: tuple[int, int] | None = None
        chosen: MatcherGroup | None = None
        inherited = False
        for tokens, group in self.body:
            if len(tokens) > len(location):
                continue
            weight = _weight(tokens, location)
            if weight is None:
                continue
            score = (len(tokens), weight)
            if best is None or score > best:
                best, chosen, inherited = score, group, len(tokens) < len(location)
        return chosen, inherited

    def relative(self, prefix: Location) -> Rules:
        """The body rules below `prefix`, re-rooted there (for `arrayContains` variants and nested checks)."""
        body = []
        for tokens, group in self.body:
            if len(tokens) >= len(prefix) and _weight(tokens[: len(prefix)], prefix) is not None:
                body.append((tokens[len(prefix) :], group))
        return Rules(body=tuple(body))

    @property
    def empty(self) -> bool:
        return not (self.body or self.header or self.query or self.path or self.status)


def matches(tokens: Sequence[Token], location: Location) -> bool:
    """Whether a rule's (or generator's) path names exactly this place in a body, wildcards included."""
    return len(tokens) == len(location) and _weight(tokens, location) is not None


def _weight(tokens: Sequence[Token], location: Location) -> int | None:
    weight = 0
    for token, actual in zip(tokens, location, strict=False):
        if isinstance(token, int) and token == ANY_INDEX:
            if not isinstance(actual, int):
                return None
            weight += 1
        elif token == ANY_KEY:  # pact lets `.*` match array items too
            weight += 1
        elif token == actual and type(token) is type(actual):
            weight += 2
        else:
            return None
    return weight


def parse_path(path: str) -> tuple[Token, ...]:
    """`$.items[*].id` -> ("items", ANY_INDEX, "id"); raises RuleError for what is not a pact path."""
    if not path.startswith("$"):
        # V3/V4 header and query rules sometimes carry a bare name; a bare body key means "$.key".
        path = "$." + path if path else "$"
    tokens: list[Token] = []
    pos = 1
    while pos < len(path):
        match = _PATH_TOKEN.match(path, pos)
        if match is None:
            raise RuleError(f"{path!r} is not a matching-rule path (at character {pos})")
        if match["key"] is not None:
            tokens.append(ANY_KEY if match["key"] == "*" else match["key"])
        elif match["index"] is not None:
            tokens.append(ANY_INDEX if match["index"] == "*" else int(match["index"]))
        elif match["quoted"] is not None:
            tokens.append(match["quoted"].replace("\\'", "'"))
        else:
            tokens.append(match["dquoted"])
        pos = match.end()
    return tuple(tokens)


def format_location(location: Sequence[Token]) -> str:
    """("items", 0, "id") -> "$.items[0].id"."""
    out = "$"
    for token in location:
        if isinstance(token, int):
            out += "[*]" if token == ANY_INDEX else f"[{token}]"
        elif token == ANY_KEY:
            out += ".*"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", token):
            out += "." + token
        else:
            out += "['" + token.replace("'", "\\'") + "']"
    return out


# pact-jvm writes date/time matchers by their format alone; Pact's core names them so.
_IMPLIED_FORMATS = (("date", "date"), ("time", "time"), ("timestamp", "datetime"))
_ALIASES = {"timestamp": "datetime"}
_JAVA_QUOTE = re.compile(r"\\Q(.*?)(?:\\E|$)", re.DOTALL)


def parse_matcher(raw: Any) -> Matcher:
    if not isinstance(raw, Mapping):
        raise RuleError(f"a matcher must be an object, not {_kind(raw)}")
    kind = raw.get("match")
    fmt = raw.get("format")
    if kind is None:
        implied = next(((key, k) for key, k in _IMPLIED_FORMATS if isinstance(raw.get(key), str)), None)
        if implied is not None:
            kind, fmt = implied[1], raw[implied[0]]
        else:
            kind = next((k for key, k in _IMPLIED if key in raw), None)
    if not isinstance(kind, str):
        raise RuleError("a matcher needs a string 'match' (or a V2 'regex'/'min'/'max', or pact-jvm's 'date'/'time')")
    kind = _ALIASES.get(kind, kind)
    if kind in ("date", "time", "datetime") and not isinstance(fmt, str):
        fmt = next((raw[k] for k in ("date", "time", "timestamp") if isinstance(raw.get(k), str)), None)
    regex = raw.get("regex")
    if kind == "regex" and regex is None:
        raise RuleError("a regex matcher needs a 'regex'")
    if regex is not None and not isinstance(regex, str):
        regex = str(regex)  # the core reads a number as its text
    pattern, note = _python_pattern(regex) if regex is not None else (None, None)
    bounds = {key: _count(raw.get(key)) for key in ("min", "max")}
    rules: tuple[Matcher, ...] = ()
    if kind in ("eachKey", "eachValue"):
        nested = raw.get("rules") or []
        if not isinstance(nested, list):
            raise RuleError("'rules' of eachKey/eachValue must be a list")
        rules = tuple(parse_matcher(r) for r in nested)
    variants: tuple[Rules, ...] = ()
    if kind == "arrayContains":
        raw_variants = raw.get("variants") or []
        if not isinstance(raw_variants, list):
            raise RuleError("'variants' of arrayContains must be a list")
        variants = tuple(_variant(v) for v in raw_variants)
    known = {"match", "regex", "min", "max", "format", "date", "time", "timestamp", "value", "rules", "variants"}
    return Matcher(
        kind=kind,
        regex=regex,
        min=bounds["min"],
        max=bounds["max"],
        format=fmt if isinstance(fmt, str) else None,
        value=raw.get("value"),
        rules=rules,
        variants=variants,
        extra={k: v for k, v in raw.items() if k not in known},
        pattern=pattern,
        note=note,
    )


def _python_pattern(regex: str) -> tuple[str | None, str | None]:
    """The regex as Python reads it, and a note when Pact's core will not read it as the pact's author meant."""
    note = None
    if "\\Q" in regex:
        # Java's literal quoting: pact-jvm understands it, Pact's Rust core does not (it fails the pact's own example).
        regex = _JAVA_QUOTE.sub(lambda m: re.escape(m.group(1)), regex)
        note = "uses Java's \\Q...\\E quoting, which Pact's Rust core does not understand (verification fails)"
    try:
        re.compile(regex)
    except re.error as exc:
        return None, f"does not compile ({exc}); Pact's verifier cannot match with it"
    return regex, note


def _count(value: Any) -> int | None:
    """A matcher's `min`/`max`: the core reads numbers and numeric strings, and ignores anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    return None


def _variant(raw: Any) -> Rules:
    if not isinstance(raw, Mapping):
        raise RuleError("an arrayContains variant must be an object")
    rules = raw.get("rules") or {}
    if not isinstance(rules, Mapping):
        raise RuleError("'rules' of an arrayContains variant must be an object")
    return Rules(body=tuple((parse_path(p), parse_group(g)) for p, g in rules.items()))


def parse_group(raw: Any) -> MatcherGroup:
    """A V3/V4 `{"combine": ..., "matchers": [...]}`, or a V2 single matcher."""
    if isinstance(raw, Mapping) and "matchers" in raw:
        matchers = raw["matchers"] if isinstance(raw["matchers"], list) else []
        combine = raw.get("combine", "AND")
        return MatcherGroup(tuple(parse_matcher(m) for m in matchers), "OR" if combine == "OR" else "AND")
    return MatcherGroup((parse_matcher(raw),))


def parse_rules(raw: Mapping[str, Any]) -> Rules:
    """Rules in either form, key by key: `$.body...` keys are V2's, category keys (`body`, `header`...) V3's."""
    v2 = {k: v for k, v in raw.items() if k.startswith("$")}
    v3 = {k: v for k, v in raw.items() if not k.startswith("$")}
    if not v2:
        return parse_v3(v3)
    if not v3:
        return parse_v2(v2)
    a, b = parse_v2(v2), parse_v3(v3)
    return Rules(
        body=(*a.body, *b.body),
        header={**a.header, **b.header},
        query={**a.query, **b.query},
        path=b.path or a.path,
        status=b.status,
    )


def parse_v2(raw: Mapping[str, Any]) -> Rules:
    """V2 rules: one flat object keyed by `$.body...`, `$.headers...`, `$.query...`, `$.path`."""
    body, header, query = [], {}, {}
    path_group: MatcherGroup | None = None
    for key, value in raw.items():
        tokens = parse_path(key)
        if not tokens or not isinstance(tokens[0], str):
            raise RuleError(f"{key!r} does not start with $.body, $.headers, $.query or $.path")
        head, rest = tokens[0], tokens[1:]
        group = parse_group(value)
        if head == "body":
            body.append((rest, group))
        elif head in ("headers", "header") and rest and isinstance(rest[0], str):
            header[rest[0].lower()] = group
        elif head == "query" and rest and isinstance(rest[0], str):
            query[rest[0]] = group
        elif head == "path":
            path_group = group
        else:
            raise RuleError(f"{key!r} does not start with $.body, $.headers, $.query or $.path")
    return Rules(body=tuple(body), header=header, query=query, path=path_group)


def parse_v3(raw: Mapping[str, Any]) -> Rules:
    """V3/V4 rules: categories `body`, `header`, `query`, `path`, `status` (and V4's `metadata`, ignored)."""
    body, header, query = [], {}, {}
    path_group = status_group = None
    for category, value in raw.items():
        if category == "path":
            path_group = parse_group(value) if value else None
            continue
        if category == "status":
            status_group = _status_group(value)
            continue
        if not isinstance(value, Mapping):
            raise RuleError(f"category {category!r} must be an object")
        for key, group in value.items():
            if category == "body":
                body.append((parse_path(key), parse_group(group)))
            elif category in ("header", "headers"):
                header[_bare(key).lower()] = parse_group(group)
            elif category == "query":
                query[_bare(key)] = parse_group(group)
    return Rules(body=tuple(body), header=header, query=query, path=path_group, status=status_group)


def _status_group(value: Any) -> MatcherGroup | None:
    if not value:
        return None
    if isinstance(value, Mapping) and "matchers" not in value and "" in value:
        value = value[""]
    return parse_group(value)


def _bare(key: str) -> str:
    """A header/query rule key: `X-H`, `$['X-H']` or `$.X-H`."""
    if key.startswith("$"):
        tokens = parse_path(key)
        if tokens and isinstance(tokens[0], str):
            return tokens[0]
    return key


def _kind(value: Any) -> str:
    return type(value).__name__
