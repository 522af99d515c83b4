"""Typed reading of one TOML table, with errors that name the file, the key and the fix."""

from __future__ import annotations

import builtins
import os
import re
from collections.abc import Iterator, Mapping
from typing import Any, TypeVar

from .errors import ConfigError

T = TypeVar("T")
_ENV_REF = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


class Table:
    """A TOML table being read: `where` is e.g. "suites/demo/apitest.toml [fuzz]".

    Read every key through the getters, then call `done()`: any key left over is unknown, and the error
    suggests the closest known key.
    """

    def __init__(self, data: Mapping[builtins.str, Any], where: builtins.str) -> None:
        self.data = dict(data)
        self.where = where
        self._known: set[builtins.str] = set()

    def _get(self, key: builtins.str) -> Any:
        self._known.add(key)
        return self.data.get(key)

    def _fail(self, key: builtins.str, value: object, expected: builtins.str) -> ConfigError:
        return ConfigError.bad_value(key, value, expected, self.where)

    def str(self, key: builtins.str, default: T) -> builtins.str | T:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, builtins.str) or not value:
            raise self._fail(key, value, "a non-empty string")
        return value

    def bool(self, key: builtins.str, default: builtins.bool) -> builtins.bool:
        value = self._get(key)
        if value is None:
            return default
        if not isinstance(value, builtins.bool):
            raise self._fail(key, value, "true or false")
        return value

    def int(
        self, key: builtins.str, default: T, *, minimum: builtins.int = 0, maximum: builtins.int | None = None
    ) -> builtins.int | T:
        value = self._get(key)
        if value is None:
            return default
        if (
            isinstance(value, builtins.bool)
            or not isinstance(value, builtins.int)
            or value < minimum
            or (maximum is not None and value > maximum)
        ):
            bound = f"an integer >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
            raise self._fail(key, value, bound)
        return value

    def float(
        self, key: builtins.str, default: T, *, minimum: builtins.float = 0.0, maximum: builtins.float | None = None
    ) -> builtins.float | T:
        value = self._get(key)
        if value is None:
            return default
        if (
            isinstance(value, builtins.bool)
            or not isinstance(value, builtins.int | builtins.float)
            or value < minimum
            or (maximum is not None and value > maximum)
        ):
            bound = f"a number >= {minimum}" + (f" and <= {maximum}" if maximum is not None else "")
            raise self._fail(key, value, bound)
        return float(value)

    def choice(self, key: builtins.str, choices: tuple[builtins.str, ...], default: builtins.str) -> builtins.str:
        value = self._get(key)
        if value is None:
            return default
        if value not in choices:
            raise self._fail(key, value, "one of " + ", ".join(repr(c) for c in choices))
        return str(value)

    def str_list(
        self, key: builtins.str, default: list[builtins.str], *, choices: tuple[builtins.str, ...] | None = None
    ) -> list[builtins.str]:
        value = self._get(key)
        if value is None:
            return list(default)
        if isinstance(value, builtins.str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, builtins.str) for v in value):
            raise self._fail(key, value, "a list of strings")
        if choices is not None:
            for v in value:
                if v not in choices:
                    raise self._fail(key, v, "one of " + ", ".join(repr(c) for c in choices))
        return list(value)

    def str_map(self, key: builtins.str) -> dict[builtins.str, builtins.str]:
        """A table of strings with `${ENV}` / `${ENV:-default}` expanded from the environment."""
        value = self._get(key)
        if value is None:
            return {}
        if not isinstance(value, dict) or not all(isinstance(v, builtins.str) for v in value.values()):
            raise self._fail(key, value, "a table of strings")
        return {k: expand_env(v, f"{self.where} {key}.{k}") for k, v in value.items()}

    def table(self, key: builtins.str) -> Table:
        value = self._get(key)
        if value is None:
            value = {}
        if not isinstance(value, dict):
            raise self._fail(key, value, "a table")
        return Table(value, f"{self.where.split(' [')[0]} [{self._path(key)}]")

    def raw(self, key: builtins.str) -> Any:
        return self._get(key)

    def subtables(self) -> Iterator[tuple[builtins.str, Table]]:
        """Every key of this table, each required to be a table itself (e.g. `[load.spike]`)."""
        for key in list(self.data):
            yield key, self.table(key)

    def _path(self, key: builtins.str) -> builtins.str:
        if " [" in self.where:
            return self.where.split(" [", 1)[1].rstrip("]") + "." + key
        return key

    def done(self) -> None:
        for key in self.data:
            if key not in self._known:
                raise ConfigError.unknown_key(key, self._known, self.where)


def expand_env(value: str, where: str) -> str:
    """Replace `${NAME}` and `${NAME:-default}` with environment values; a missing one is an error."""

    def repl(match: re.Match[str]) -> str:
        name, default = match["name"], match["default"]
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{where}: environment variable {name} is not set; export it or write ${{{name}:-default}}.")

    return _ENV_REF.sub(repl, value)
