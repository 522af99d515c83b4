"""A pact body walked alongside its schema, matching rules and generators honoured.

What a response matcher asserts decides what the spec must promise:

* no matcher / `equality`: the example itself must be valid for the schema;
* `type` (and anything under a `type` rule): the example's JSON type must be allowed. An example the spec would
  refuse otherwise (outside an enum, an int32 overflow) is a warning: the matcher accepts what the provider sends;
* `integer`, `decimal`, `number`, `boolean`, `null`: the schema must allow that type; a matcher stricter than the
  schema (`integer` where the spec says `number`) is a warning;
* `regex`, `date`, `time`, `datetime`, `include`: the example must be valid, every `enum` value must satisfy the
  matcher, and a string the spec leaves unconstrained is a warning (the provider may change its format);
* each-like (`type` with `min`/`max`), `arrayContains`, `eachKey`/`eachValue`: items and values against `items` and
  `additionalProperties`; a `min` above `maxItems` (or `max` under `minItems`) can never be met.

A value a generator makes at verification (pact-python's `match.datetime()` writes a null example) is judged by
the generator's type, not by the placeholder. Requests are sent as written, so their examples must be valid.

A response field the pact expects that the schema does not document is a gap even when the schema allows
additional properties (nothing promises it); an undocumented request field is a warning (the provider may ignore
it). `writeOnly` fields are never sent in responses, `readOnly` ones need not be sent in requests. A
`discriminator` picks the branch the tag names (`mapping`, or the schema of that name) before anything is checked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ..results import Severity
from .gaps import REQUEST_VALUES, Gap, article, short
from .matching import Location, Matcher, Rules, format_location, matches
from .pactfile import Generator
from .schema import BASE, ORIGIN, Schemas, errors, json_type, origin, type_admits

DATE_KINDS = frozenset({"date", "time", "datetime", "timestamp"})
_OBJECT_KEYWORDS = ("minProperties", "maxProperties", "propertyNames", "dependentRequired", "not", "enum", "const")
_ARRAY_KEYWORDS = ("minItems", "maxItems", "uniqueItems", "contains", "not", "enum", "const")
_GENERATED_TYPES = {
    "RandomInt": "integer",
    "RandomDecimal": "number",
    "RandomBoolean": "boolean",
    "RandomString": "string",
    "RandomHexadecimal": "string",
    "Regex": "string",
    "Uuid": "string",
    "Date": "string",
    "Time": "string",
    "DateTime": "string",
    "MockServerURL": "string",
}
_MATCHER_TYPES = {"integer": "integer", "decimal": "number", "float": "number", "number": "number"}


class BodyWalk:
    """Walks one body; `gaps` holds what it found."""

    def __init__(
        self,
        schemas: Schemas,
        direction: str,
        rules: Rules,
        generators: Mapping[tuple[Any, ...], Generator],
        check: str,
        body_path: str,
    ) -> None:
        self.schemas = schemas
        self.direction = direction
        self.rules = rules
        self.generators = generators
        self.check_name = check
        self.body_path = body_path
        self.gaps: list[Gap] = []

    def check(self, body: Any, schema: Any) -> list[Gap]:
        self.walk(body, schema, ())
        return self.gaps

    def _child(self) -> BodyWalk:
        return BodyWalk(self.schemas, self.direction, self.rules, self.generators, self.check_name, self.body_path)

    # -- gaps ------------------------------------------------------------------------------------------------

    def add(
        self,
        location: Location,
        title: str,
        message: str,
        schema: Any,
        *,
        severity: Severity = Severity.MEDIUM,
        expected: Any = None,
        actual: Any = None,
    ) -> None:
        where = format_location(location)
        self.gaps.append(
            Gap(
                self.check_name,
                f"{where}: {title}",
                message,
                severity,
                where,
                expected,
                actual,
                pact_path=self.body_path + where[1:],
                spec_path=origin(schema),
                kind=REQUEST_VALUES if self.direction == "request" else "",
            )
        )

    @property
    def side(self) -> str:
        return "expects" if self.direction == "response" else "sends"

    def describe(self, schema: Any) -> str:
        return self.schemas.describe(schema, self.direction)

    def types(self, schema: Any) -> set[str] | None:
        return self.schemas.types(schema, self.direction)

    def resolve(self, schema: Any) -> Any:
        return self.schemas.resolve(schema, self.direction)

    # -- the walk --------------------------------------------------------------------------------------------

    def walk(self, value: Any, schema: Any, location: Location, dispatched: bool = False) -> None:
        schema = self.resolve(schema)
        if not isinstance(schema, Mapping):
            if schema is False:
                self.add(
                    location,
                    "the spec allows nothing here",
                    f"The spec allows no value at {format_location(location)}.",
                    {},
                )
            return
        group, inherited = self.rules.for_body(location)
        matchers: tuple[Matcher, ...] = ()
        combine = "AND"
        if group is not None:
            matchers = (Matcher("type"),) if inherited else group.matchers
            combine = group.combine
        if isinstance(value, dict) and not dispatched and "discriminator" in schema:
            chosen = self.discriminate(value, schema, location)
            if chosen is not None:
                self.walk(value, chosen, location, dispatched=True)
            return
        branches = self.branches(schema)
        if len(branches) == 1:
            self.node(value, branches[0], location, matchers, combine)
            return
        exclusive = self.direction == "request" and bool(schema.get("oneOf"))
        results: list[BodyWalk] = []
        for branch in branches:
            child = self._child()
            child.node(value, branch, location, matchers, combine)
            results.append(child)
            if not exclusive and not any(g.is_error for g in child.gaps):
                break
        clean = [c for c in results if not any(g.is_error for g in c.gaps)]
        if len(clean) > 1:
            self.add(
                location,
                "matches more than one oneOf alternative",
                f"At {format_location(location)} the pact sends {short(value)}, which is valid for more than one of "
                f"the spec's oneOf alternatives ({origin(schema)}); a provider that checks oneOf refuses it.",
                schema,
                expected="exactly one alternative",
                actual=f"{len(clean)} alternatives",
            )
            return
        chosen = clean[0] if clean else min(results, key=lambda c: len(c.gaps))
        self.gaps.extend(chosen.gaps)

    def node(
        self, value: Any, schema: Mapping[str, Any], location: Location, matchers: tuple[Matcher, ...], combine: str
    ) -> None:
        if isinstance(value, dict):
            self.object(value, schema, location, matchers)
        elif isinstance(value, list):
            self.array(value, schema, location, matchers)
        else:
            self.scalar(value, schema, location, matchers, combine)

    # -- compositions ----------------------------------------------------------------------------------------

    def branches(self, schema: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        """The alternatives a schema offers: `anyOf`/`oneOf` members, each merged with the rest and `allOf`."""
        key = ("branches", self.direction, id(schema))
        cached = self.schemas.memo.get(key)
        if cached is None:
            cached = (schema, list(self._branches(schema, 0)))
            self.schemas.memo[key] = cached
        branches: list[Mapping[str, Any]] = cached[1]
        return branches

    def _branches(self, schema: Any, depth: int) -> list[Mapping[str, Any]]:
        schema = self.resolve(schema)
        if not isinstance(schema, Mapping):
            return [{} if schema is not False else {"not": {}}]
        merged = self.merge_all_of(schema, 0)
        alternatives = merged.get("anyOf") or merged.get("oneOf")
        if not isinstance(alternatives, list) or not alternatives or depth > 4:
            return [merged]
        base = {k: v for k, v in merged.items() if k not in ("anyOf", "oneOf")}
        out: list[Mapping[str, Any]] = []
        for alternative in alternatives:
            resolved = self.resolve(alternative)
            out.extend(self._branches(_specialise(base, resolved if isinstance(resolved, Mapping) else {}), depth + 1))
        return out

    def merge_all_of(self, schema: Mapping[str, Any], depth: int) -> Mapping[str, Any]:
        members = schema.get("allOf")
        if not isinstance(members, list) or depth > 8:
            return schema
        out: Mapping[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        for member in members:
            resolved = self.resolve(member)
            if isinstance(resolved, Mapping):
                inner = self.merge_all_of(resolved, depth + 1)
                # a member's discriminator is its base type's: a subtype built on it is already chosen
                out = _merge(out, {k: v for k, v in inner.items() if k != "discriminator"})
        return out

    def discriminate(self, value: dict[str, Any], schema: Mapping[str, Any], location: Location) -> Any:
        """The schema a discriminator picks for `value`, or None after recording why none can be picked."""
        raw = schema["discriminator"]
        prop = raw.get("propertyName") if isinstance(raw, Mapping) else raw
        mapping: Mapping[str, Any] = (
            raw["mapping"] if isinstance(raw, Mapping) and isinstance(raw.get("mapping"), Mapping) else {}
        )
        if not isinstance(prop, str):
            return {k: v for k, v in schema.items() if k != "discriminator"}
        alternatives = schema.get("oneOf") or schema.get("anyOf")
        tag = value.get(prop)
        if not isinstance(tag, str):
            self.add(
                (*location, prop),
                f"no {prop!r} to tell which schema applies",
                f"The spec's discriminator ({origin(schema)}) picks the schema by {prop!r}; the pact {self.side} "
                f"{'no ' + repr(prop) if tag is None else short(tag)} at {format_location(location)}.",
                schema,
                expected=f"{prop!r}: a schema name",
                actual=short(tag) if prop in value else "missing",
            )
            return None
        target = mapping.get(tag)
        if isinstance(target, str) and not target.startswith("#") and "/" not in target:
            target = self._schema_ref(target)
        wanted = target if isinstance(target, str) else self._schema_ref(tag)
        absolute = BASE + self.direction + wanted if wanted.startswith("#") else wanted
        rest = {k: v for k, v in schema.items() if k not in ("oneOf", "anyOf", "discriminator")}
        if isinstance(alternatives, list):
            for alternative in alternatives:
                ref = alternative.get("$ref") if isinstance(alternative, Mapping) else None
                if ref == absolute:
                    return _specialise(rest, self.resolve(alternative))
            names = [a["$ref"].rsplit("/", 1)[-1] for a in alternatives if isinstance(a, Mapping) and "$ref" in a]
            self._unknown_tag(location, prop, tag, names, schema)
            return None
        chosen = self.resolve({"$ref": absolute})
        if isinstance(chosen, Mapping) and chosen:
            return chosen
        own = str(schema.get(ORIGIN, "")).rsplit("/", 1)[-1]
        if not mapping and tag == own:
            return rest
        self._unknown_tag(location, prop, tag, [], schema)
        return None

    def _schema_ref(self, name: str) -> str:
        return f"#/definitions/{name}" if self.schemas.swagger else f"#/components/schemas/{name}"

    def _unknown_tag(self, location: Location, prop: str, tag: str, names: list[str], schema: Any) -> None:
        listed = f" ({', '.join(names)})" if names else ""
        self.add(
            (*location, prop),
            f"{prop} {tag!r} names no schema the spec allows here",
            f"The pact {self.side} {prop} = {tag!r}, which names none of the schemas the spec's discriminator "
            f"chooses from{listed} ({origin(schema)}).",
            schema,
            expected=names or "a schema name",
            actual=tag,
        )

    # -- objects, arrays, scalars ----------------------------------------------------------------------------

    def object(
        self, value: dict[str, Any], schema: Mapping[str, Any], location: Location, matchers: tuple[Matcher, ...]
    ) -> None:
        if not type_admits(self.types(schema), "object"):
            self.type_gap(location, value, schema)
            return
        props: Mapping[str, Any] = schema["properties"] if isinstance(schema.get("properties"), Mapping) else {}
        patterns = schema["patternProperties"] if isinstance(schema.get("patternProperties"), Mapping) else {}
        additional = schema.get("additionalProperties")
        dynamic = any(m.kind in ("eachKey", "eachValue", "values") for m in matchers)
        for key, item in value.items():
            where = (*location, key)
            if key in props:
                prop = self.resolve(props[key])
                if self.direction == "response" and isinstance(prop, Mapping) and prop.get("writeOnly") is True:
                    self.add(
                        where,
                        f"field {key!r} is writeOnly",
                        f"The pact expects {format_location(where)} in the response; the spec marks it writeOnly "
                        f"({origin(prop)}), so the provider never sends it.",
                        prop,
                        expected="absent (writeOnly)",
                        actual=short(item),
                    )
                    continue
                self.walk(item, props[key], where)
                continue
            pattern = next((s for p, s in patterns.items() if re.search(p, key)), None)
            if pattern is not None:
                self.walk(item, pattern, where)
            elif isinstance(additional, Mapping):
                self.walk(item, additional, where)
            elif dynamic and additional is not False:
                continue
            elif self.direction == "response":
                self.add(
                    where,
                    f"field {key!r} is not documented",
                    f"The pact expects {format_location(where)}, which the spec's response schema ({origin(schema)}) "
                    "does not document, so the provider does not promise to send it.",
                    schema,
                    expected=sorted(props)[:30],
                    actual=key,
                )
            else:
                refused = additional is False
                self.add(
                    where,
                    f"field {key!r} is not documented",
                    f"The pact sends {format_location(where)}, which the spec's request schema ({origin(schema)}) "
                    + (
                        "does not allow (additionalProperties: false), so the provider refuses it."
                        if refused
                        else "does not define, so the provider may ignore it."
                    ),
                    schema,
                    severity=Severity.MEDIUM if refused else Severity.LOW,
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
                        f"The spec's request schema ({origin(schema)}) requires {format_location(where)}; the pact's "
                        "request does not send it.",
                        schema,
                        expected="present",
                        actual="missing",
                    )
        self.keywords(value, schema, location, _OBJECT_KEYWORDS)

    def array(
        self, value: list[Any], schema: Mapping[str, Any], location: Location, matchers: tuple[Matcher, ...]
    ) -> None:
        if not type_admits(self.types(schema), "array"):
            self.type_gap(location, value, schema)
            return
        items = schema.get("items", {})
        prefix: list[Any] = schema["prefixItems"] if isinstance(schema.get("prefixItems"), list) else []
        most, least = schema.get("maxItems"), schema.get("minItems")
        for matcher in matchers:
            if matcher.min is not None and isinstance(most, int) and matcher.min > most:
                self.add(
                    location,
                    f"the pact expects at least {matcher.min} items, the spec allows at most {most}",
                    f"At {format_location(location)} the pact's matcher needs at least {matcher.min} items; the spec "
                    f"({origin(schema)}) allows at most {most}, so no valid response satisfies it.",
                    schema,
                    expected=f"maxItems {most}",
                    actual=f"min {matcher.min}",
                )
            if matcher.max is not None and isinstance(least, int) and matcher.max < least:
                self.add(
                    location,
                    f"the pact allows at most {matcher.max} items, the spec sends at least {least}",
                    f"At {format_location(location)} the pact's matcher allows at most {matcher.max} items; the spec "
                    f"({origin(schema)}) promises at least {least}, so no valid response satisfies it.",
                    schema,
                    expected=f"minItems {least}",
                    actual=f"max {matcher.max}",
                )
        for i, item in enumerate(value):
            self.walk(item, prefix[i] if i < len(prefix) else items, (*location, i))
        if not matchers or self.direction == "request":
            self.keywords(value, schema, location, _ARRAY_KEYWORDS)

    def keywords(self, value: Any, schema: Mapping[str, Any], location: Location, keys: tuple[str, ...]) -> None:
        """The constraints on an object or array as a whole (minProperties, uniqueItems...)."""
        present = tuple(k for k in keys if k in schema)
        if not present:
            return
        key = ("keywords", id(schema), present)
        cached = self.schemas.memo.get(key)
        if cached is None:
            cached = (schema, {k: schema[k] for k in present})
            self.schemas.memo[key] = cached
        found = next(errors(self.schemas.validator(cached[1], self.direction), value), None)
        if found is not None:
            self.add(
                location,
                f"{found.validator} is not met",
                f"At {format_location(location)} the pact {self.side} {short(value)}; the spec ({origin(schema)}) "
                f"says {found.validator}: {found.message}.",
                schema,
                expected=f"{found.validator} {short(found.validator_value)}",
                actual=short(value),
            )

    def scalar(
        self, value: Any, schema: Mapping[str, Any], location: Location, matchers: tuple[Matcher, ...], combine: str
    ) -> None:
        generator = self.generator(location)
        if generator is not None:
            self.generated(generator, value, schema, location, matchers)
            return
        if self.direction == "request" or not matchers or all(m.kind == "equality" for m in matchers):
            self.valid(value, schema, location)
            return
        results = [self.matcher(m, value, schema, location) for m in matchers]
        if combine == "OR":
            if all(any(g.is_error for g in r) for r in results):  # none of the alternatives is promised
                self.gaps.extend(results[0])
            return
        for gaps in results:
            self.gaps.extend(gaps)

    def generator(self, location: Location) -> Generator | None:
        return next((g for tokens, g in self.generators.items() if matches(tokens, location)), None)

    def generated(
        self,
        generator: Generator,
        value: Any,
        schema: Mapping[str, Any],
        location: Location,
        matchers: tuple[Matcher, ...],
    ) -> None:
        """A value the generator makes at verification: its type (and a date's format) must be promised."""
        kind = _GENERATED_TYPES.get(generator.kind)
        if kind is None:
            return  # ProviderState and unknown generators: the value is not known before verification
        if not type_admits(self.types(schema), kind):
            self.add(
                location,
                f"the pact's {generator.kind} generator makes {article(kind)}, the spec documents {self.describe(schema)}",
                f"At {format_location(location)} the pact generates {article(kind)} ({generator.kind}); the spec "
                f"({origin(schema)}) documents {self.describe(schema)}.",
                schema,
                expected=self.describe(schema),
                actual=f"{generator.kind} generator",
            )
            return
        fmt = generator.format or next((m.format for m in matchers if m.format), None)
        if generator.kind in ("Date", "Time", "DateTime") and fmt:
            sample = java_date_sample(fmt)
            found = next(errors(self.schemas.validator(schema, self.direction), sample), None)
            if found is not None:
                self.add(
                    location,
                    f"the pact generates {fmt!r} values, the spec documents {self.describe(schema)}",
                    f"At {format_location(location)} the pact generates values like {sample!r} ({fmt!r}); the spec "
                    f"({origin(schema)}) documents {self.describe(schema)}: {found.message}.",
                    schema,
                    expected=self.describe(schema),
                    actual=fmt,
                )

    def valid(
        self,
        value: Any,
        schema: Mapping[str, Any],
        location: Location,
        severity: Severity = Severity.MEDIUM,
        why: str = "",
    ) -> bool:
        found = next(errors(self.schemas.validator(schema, self.direction), value), None)
        if found is None:
            return True
        self.add(
            location,
            f"{short(value)} is not valid for the spec",
            f"At {format_location(location)} the pact {self.side} {short(value)}; the spec ({origin(schema)}) documents "
            f"{self.describe(schema)}: {found.message}{why}.",
            schema,
            severity=severity,
            expected=self.describe(schema),
            actual=short(value),
        )
        return False

    def type_gap(self, location: Location, value: Any, schema: Mapping[str, Any], why: str = "") -> None:
        kind = json_type(value) if not isinstance(value, bytes) else "binary"
        self.add(
            location,
            f"the pact {self.side} {article(kind)}, the spec documents {self.describe(schema)}",
            f"At {format_location(location)} the pact {self.side} {short(value)} ({kind}{why}); the spec "
            f"({origin(schema)}) documents {self.describe(schema)}.",
            schema,
            expected=self.describe(schema),
            actual=short(value),
        )

    def matcher(self, matcher: Matcher, value: Any, schema: Mapping[str, Any], location: Location) -> list[Gap]:
        child = self._child()
        types = self.types(schema)
        kind = json_type(value)
        if matcher.kind in _MATCHER_TYPES or matcher.kind in ("boolean", "null"):
            need = _MATCHER_TYPES.get(matcher.kind, matcher.kind)
            if matcher.kind == "decimal" and types is not None and "number" not in types:
                promised = False
            else:
                promised = types is None or need in types or ({need} | types) >= {"number", "integer"}
            if not promised:
                child.add(
                    location,
                    f"the pact's {matcher.kind} matcher needs {need}, the spec documents {self.describe(schema)}",
                    f"At {format_location(location)} the pact matches by {matcher.kind}; the spec ({origin(schema)}) "
                    f"documents {self.describe(schema)}, so the provider's values fail the matcher.",
                    schema,
                    expected=self.describe(schema),
                    actual=f"{matcher.kind} matcher ({short(value)})",
                )
            elif matcher.kind == "integer" and types is not None and "integer" not in types:
                child.add(
                    location,
                    "the pact's integer matcher is stricter than the spec's number",
                    f"At {format_location(location)} the pact matches by integer; the spec ({origin(schema)}) "
                    "documents any number, so a valid fractional value would fail the consumer's matcher.",
                    schema,
                    severity=Severity.LOW,
                    expected=self.describe(schema),
                    actual="integer matcher",
                )
            else:
                child.valid(
                    value,
                    schema,
                    location,
                    Severity.LOW,
                    f" (the {matcher.kind} matcher accepts the provider's values)",
                )
        elif matcher.kind == "regex" or matcher.kind in DATE_KINDS or matcher.kind == "include":
            if not type_admits(types, kind):
                child.type_gap(location, value, schema, f", {matcher.kind} matcher")
            elif child.valid(value, schema, location):
                gap = string_matcher_gap(matcher, schema, self.resolve)
                if gap is not None:
                    severity, message = gap
                    child.add(
                        location,
                        message.split(";")[0],
                        f"At {format_location(location)}: {message} ({origin(schema)}).",
                        schema,
                        severity=severity,
                        expected=self.describe(schema),
                        actual=_matcher_text(matcher),
                    )
            if matcher.note is not None:
                child.add(
                    location,
                    f"the pact's regex {matcher.note.split(';')[0]}",
                    f"At {format_location(location)} the pact's regex {matcher.regex!r} {matcher.note}.",
                    schema,
                    severity=Severity.LOW,
                    expected="a regex Pact's core reads",
                    actual=matcher.regex,
                )
        elif not type_admits(types, kind):  # `type` and every structural or unknown matcher: the type is asserted
            child.type_gap(location, value, schema, f", {matcher.kind} matcher")
        else:
            child.valid(value, schema, location, Severity.LOW, f" (the {matcher.kind} matcher accepts any {kind})")
        return child.gaps


def string_matcher_gap(matcher: Matcher, schema: Mapping[str, Any], resolve: Any = None) -> tuple[Severity, str] | None:
    """Whether a regex/date/include matcher asks for more than the schema promises (checked loosely)."""
    enum = (
        schema.get("enum")
        if isinstance(schema.get("enum"), list)
        else ([schema["const"]] if "const" in schema else None)
    )
    if matcher.kind == "regex" and matcher.regex is not None:
        if enum is not None:
            bad = [v for v in enum if isinstance(v, str) and matcher.pattern is not None and not matcher.search(v)]
            if bad:
                return Severity.MEDIUM, f"the spec allows {bad[0]!r}, which the pact's regex {matcher.regex!r} rejects"
            return None
        if not any(k in schema for k in ("pattern", "format")):
            return Severity.LOW, (
                f"the pact requires regex {matcher.regex!r}; the spec documents any string (no pattern, format or "
                "enum), so the provider may change the format without breaking its spec"
            )
        return None
    if matcher.kind in DATE_KINDS:
        if enum is None and not any(k in schema for k in ("pattern", "format")):
            return Severity.LOW, (
                f"the pact requires a {matcher.kind}; the spec documents a string without a format or pattern, so "
                "the provider may change the format without breaking its spec"
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


def java_date_sample(fmt: str) -> str:
    """A value a Java date pattern (`yyyy-MM-dd'T'HH:mm:ssXXX`) formats, for checking it against a spec's format."""
    out, i = "", 0
    fields = {"y": "2024", "M": "03", "d": "01", "H": "17", "h": "05", "m": "05", "s": "09", "S": "123", "a": "PM"}
    while i < len(fmt):
        char = fmt[i]
        run = len(fmt[i:]) - len(fmt[i:].lstrip(char))
        if char == "'":
            end = fmt.find("'", i + 1)
            out += fmt[i + 1 : end if end > 0 else len(fmt)] or "'"
            i = (end if end > 0 else len(fmt)) + 1
            continue
        if char in ("X", "x"):
            out += "Z" if char == "X" and run == 1 else ("+00:00" if run >= 3 else "+0000")
        elif char == "Z":
            out += "+0000" if run < 4 else "+00:00"
        elif char == "y":
            out += "2024" if run != 2 else "24"
        elif char == "S":
            out += "123"[:run].ljust(run, "0")
        elif char in fields:
            out += fields[char]
        else:
            out += char * run
        i += run
    return out


def _merge(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for key, value in b.items():
        if key == ORIGIN and key in out:
            continue
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
            if "number" in left and "integer" in right or "number" in right and "integer" in left:
                both.add("integer")
            out[key] = sorted(both)[0] if len(both) == 1 else sorted(both)
        elif key in ("anyOf", "oneOf") and key in out:
            out["allOf"] = [*out.get("allOf", []), {key: value}]
        else:
            out[key] = value
    return out


def _specialise(base: Mapping[str, Any], alternative: Any) -> dict[str, Any]:
    """`base` narrowed by one of its alternatives; gaps then name the alternative's place in the spec."""
    merged = _merge(base, alternative if isinstance(alternative, Mapping) else {})
    if isinstance(alternative, Mapping) and ORIGIN in alternative:
        merged[ORIGIN] = alternative[ORIGIN]
    return merged


def _matcher_text(matcher: Matcher) -> str:
    if matcher.regex:
        return f"{matcher.kind} {matcher.regex}"
    if matcher.format:
        return f"{matcher.kind} {matcher.format}"
    return matcher.kind
