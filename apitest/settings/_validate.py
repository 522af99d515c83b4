"""Type checking of settings with pydantic, imported only when a suite or a given value is checked.

pydantic validates the settings dataclasses as they are declared (types, `annotated_types` bounds, `Literal`
choices), converts text given on the command line, in the environment or an ini file ("5", "true", "0.5"), and
builds the frozen dataclasses. Its first error becomes one line naming where the bad value came from.
"""

from __future__ import annotations

import dataclasses
import functools
import typing
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from .fields import META_KEY, Meta, _strip, describe
from .origins import Origin

T = TypeVar("T")
OriginOf = Callable[[tuple[str, ...]], Origin]


@functools.cache
def _adapter(cls: type) -> Any:
    from pydantic import TypeAdapter

    return TypeAdapter(cls)


def validate(cls: type[T], data: Mapping[str, Any], origin_of: OriginOf) -> T:
    """`cls` built from `data`; a bad value is a ConfigError naming `origin_of(path)`, the place it was written."""
    from pydantic import ValidationError

    try:
        return typing.cast(T, _adapter(typing.cast(type, cls)).validate_python(dict(data)))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        path, tp, meta, rest = locate(cls, tuple(first["loc"]))
        key = path[-1] if path else ".".join(str(p) for p in first["loc"])
        if rest and isinstance(rest[0], str) and typing.get_origin(_strip(tp)) is dict:
            key = f"{key}.{rest[0]}"
        error = origin_of(path).bad_value(key, first.get("input"), expected_words(tp, meta, rest))
    raise error


def locate(cls: type, loc: tuple[str | int, ...]) -> tuple[tuple[str, ...], Any, Meta | None, tuple[str | int, ...]]:
    """For a pydantic error location: the path of the setting, its declared type and meta, and the rest of `loc`.

    `("load", "profiles", "spike", "users")` -> `(("load", "profiles", "spike", "users"), int, meta, ())`;
    `("fuzz", "phases", 0)` -> `(("fuzz", "phases"), tuple[Phase, ...], meta, (0,))`.
    """
    path: list[str] = []
    current: Any = cls
    rest = list(loc)
    meta: Any = None
    while rest:
        base = _strip(current)
        head = rest[0]
        if not (isinstance(base, type) and dataclasses.is_dataclass(base) and isinstance(head, str)):
            break
        fields = {f.name: f for f in dataclasses.fields(base)}
        if head not in fields:
            break
        current = typing.get_type_hints(base, include_extras=True)[head]
        meta = fields[head].metadata.get(META_KEY)
        path.append(head)
        rest.pop(0)
        inner = _strip(current)
        if typing.get_origin(inner) is dict and rest:
            value_type = typing.get_args(inner)[1]
            if isinstance(value_type, type) and dataclasses.is_dataclass(value_type):
                path.append(str(rest.pop(0)))
                current = value_type
    return tuple(path), current, meta if isinstance(meta, Meta) else None, tuple(rest)


def expected_words(tp: Any, meta: Meta | None, rest: tuple[str | int, ...]) -> str:
    """The accepted values of the setting (or of one item of a list setting, when the error is about an item)."""
    if meta is not None and meta.expected:
        return meta.expected
    base = _strip(tp)
    origin = typing.get_origin(base)
    if rest and isinstance(rest[0], int) and origin in (list, tuple):
        return describe(typing.get_args(base)[0])
    if rest and isinstance(rest[0], str) and origin is dict:
        return describe(typing.get_args(base)[1])
    if isinstance(base, type) and dataclasses.is_dataclass(base):
        return "a table"
    return describe(tp)


def json_schema(cls: type) -> dict[str, Any]:
    """pydantic's JSON Schema of a settings dataclass (descriptions are added by `settings.schema`)."""
    schema: dict[str, Any] = _adapter(cls).json_schema()
    return schema
