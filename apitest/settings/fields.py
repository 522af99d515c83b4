"""How a setting is declared, once: a dataclass field whose metadata says how users set it.

Every user-facing setting is a field of one of the settings dataclasses (`Suite` and the tables below it, and
`RunSettings`), declared with `setting()`. From those declarations come the suite file's keys and its JSON Schema,
the `--apitest-*` options, the `apitest_*` ini keys, the `APITEST_*` environment variables, `--help` and the
README's settings table. `SETTINGS` lists them all (see `settings/__init__.py`).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

META_KEY = "apitest"

Scope = Literal["suite", "run"]


@dataclass(frozen=True, slots=True)
class Meta:
    """What a declaration says beyond its name, type and default."""

    help: str
    option: str | None = None  # the --apitest-<option> / APITEST_<OPTION> / apitest_<option> stem, if not derived
    file_only: bool = False  # a table or map: only a suite file can set it
    expected: str | None = None  # how to describe the accepted values when the type says it badly
    expand_env: bool = False  # `${VAR}` and `${VAR:-default}` are replaced from the environment
    path: bool = False  # a path relative to where the value was written (the suite's folder), or a URL
    secret: bool = False  # a credential: masked in every output
    internal: bool = False  # filled by apitest, not a user setting
    parse: Callable[[str], Any] | None = None  # text given outside a suite file -> value (default: as is)


def setting(default: Any, help: str, **meta: Any) -> Any:
    """A declared setting: `max_examples: Annotated[int, Ge(1)] = setting(50, "Cases per operation and phase.")`."""
    metadata = {META_KEY: Meta(help, **meta)}
    if isinstance(default, dict | list):
        factory = type(default)
        copy = dict(default) if isinstance(default, dict) else list(default)
        return dataclasses.field(default_factory=lambda: factory(copy), metadata=metadata)
    if dataclasses.is_dataclass(default):
        return dataclasses.field(default_factory=lambda: default, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclass(frozen=True, slots=True)
class Setting:
    """One declared setting, as users meet it: `[fuzz] max_examples`, `--apitest-max-examples`, ..."""

    section: str  # "" for the suite's top level, "fuzz", "auth.secondary", "load.*" (every load profile); run: ""
    key: str
    type: Any
    default: Any
    meta: Meta
    owner: type  # the dataclass that declares it
    scope: Scope = "suite"

    @property
    def stem(self) -> str:
        if self.meta.option is not None:
            return self.meta.option
        section = self.section.replace(".*", "")
        if self.scope == "run" or section in ("", "fuzz"):
            return self.key.replace("_", "-")
        return f"{section}-{self.key}".replace("_", "-").replace(".", "-")

    @property
    def path(self) -> tuple[str, ...]:
        """Where the value sits in a resolved Suite: ("fuzz", "seed"); load profile keys: ("load", "*", "users")."""
        return (*[p for p in self.section.split(".") if p], self.key)

    @property
    def dotted(self) -> str:
        return ".".join(self.path)

    @property
    def option(self) -> str | None:
        return None if self.meta.file_only else "--apitest-" + self.stem

    @property
    def dest(self) -> str:
        return "apitest_" + self.stem.replace("-", "_")

    @property
    def env(self) -> str | None:
        return None if self.meta.file_only else "APITEST_" + self.stem.replace("-", "_").upper()

    @property
    def ini(self) -> str | None:
        return None if self.meta.file_only else self.dest

    @property
    def suite_key(self) -> str | None:
        """How the suite file writes it: `seed` in `[fuzz]` is "[fuzz] seed"; None for a run-wide setting."""
        if self.scope == "run":
            return None
        table = self.section.replace(".*", ".NAME")
        return f"[{table}] {self.key}" if table else self.key

    @property
    def is_list(self) -> bool:
        return _origin(self.type) in (list, tuple)

    def expected(self) -> str:
        """The accepted values, in words: "an integer >= 1", "one of 'positive', 'negative', 'all'"."""
        return self.meta.expected or describe(self.type)


def declared(cls: type, section: str = "", scope: Scope = "suite") -> Iterator[Setting]:
    """Every setting of a settings dataclass and the tables below it, depth first, in declaration order."""
    hints = typing.get_type_hints(cls, include_extras=True)
    for f in dataclasses.fields(cls):
        meta = f.metadata.get(META_KEY)
        if not isinstance(meta, Meta) or meta.internal:
            continue
        tp = hints[f.name]
        base = _strip(tp)
        where = f"{section}.{f.name}" if section else f.name
        if isinstance(base, type) and dataclasses.is_dataclass(base):
            yield from declared(base, where, scope)
        elif _origin(base) is dict and _is_dataclass(typing.get_args(base)[1]):
            yield from declared(typing.get_args(base)[1], f"{section}.*", scope)  # [load.NAME]: named by the user
        else:
            default = f.default if f.default_factory is dataclasses.MISSING else f.default_factory()
            yield Setting(section, f.name, tp, default, meta, cls, scope)


def field_meta(cls: type, name: str) -> Meta:
    for f in dataclasses.fields(cls):
        if f.name == name:
            meta = f.metadata.get(META_KEY)
            if isinstance(meta, Meta):
                return meta
    raise KeyError(name)


def _is_dataclass(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp)


def _origin(tp: Any) -> Any:
    return typing.get_origin(_strip(tp))


def _strip(tp: Any) -> Any:
    """`Annotated[X, ...]` -> X, and `X | None` -> X."""
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def bounds(tp: Any) -> dict[str, Any]:
    """The annotated_types constraints of `Annotated[...]` (ge, le, gt, lt, min_length), however deep in Optional."""
    found: dict[str, Any] = {}
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            base, *extras = typing.get_args(tp)
            for extra in extras:
                for name in ("ge", "le", "gt", "lt", "min_length", "max_length"):
                    if hasattr(extra, name):
                        found[name] = getattr(extra, name)
            tp = base
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return found
            tp = args[0]
        else:
            return found


def describe(tp: Any) -> str:
    """Accepted values of a type, in words, for error messages and --help."""
    limits = bounds(tp)
    base = _strip(tp)
    origin = typing.get_origin(base)
    if origin is Literal:
        return "one of " + ", ".join(repr(v) for v in typing.get_args(base))
    if origin in (list, tuple):
        item = typing.get_args(base)[0]
        if typing.get_origin(item) is Literal:
            return "a list of " + ", ".join(repr(v) for v in typing.get_args(item))
        return "a list of strings" if _strip(item) is str else "a list"
    if origin is dict:
        return "a table of strings" if typing.get_args(base)[1] is str else "a table"
    if base is bool:
        return "true or false"
    words = {int: "an integer", float: "a number", str: "a non-empty string"}.get(base)
    if words is None:
        return "a valid value"
    parts = [words]
    for name, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
        if name in limits:
            parts.append(f"{sign} {limits[name]:g}" if isinstance(limits[name], float) else f"{sign} {limits[name]}")
    return parts[0] + (" " + " and ".join(parts[1:]) if len(parts) > 1 else "")
