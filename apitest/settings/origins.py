"""Where a setting's value came from, so that an error can name the very place to fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from ..errors import ConfigError

Kind = Literal["option", "env", "ini", "file", "default"]


@dataclass(frozen=True, slots=True)
class Origin:
    """`kind` and `where`: ("option", "--apitest-seed"), ("env", "APITEST_SEED"), ("ini", "/x/pytest.ini"),
    ("file", "/x/apitest.toml [fuzz]"), ("default", ""). `base` is the folder relative paths are resolved from."""

    kind: Kind
    where: str = ""
    base: Path | None = None
    name: str = ""  # the ini key, for an ini value

    @classmethod
    def default(cls) -> Origin:
        return cls("default")

    def describe(self, key: str) -> str:
        """How a user would name the value: `--apitest-seed`, `APITEST_SEED`, `apitest.toml [fuzz] seed`."""
        if self.kind in ("option", "env"):
            return self.where
        if self.kind == "ini":
            return f"{self.where}: {self.name or key}"
        if self.kind == "file":
            return f"{self.where} {key}"
        return self.where or f"the default {key}"

    def error(self, problem: str) -> ConfigError:
        """A `problem` with a value written here (the problem names the key), as one line naming the place."""
        if self.kind == "env":
            return ConfigError(f"environment variable {self.where}: {problem}")
        if self.kind == "ini":
            return ConfigError(f"{self.where}: {self.name}: {problem}")
        return ConfigError(f"{self.where}: {problem}" if self.where else problem)

    def bad_value(self, key: str, value: object, expected: str) -> ConfigError:
        if self.kind == "option":
            return ConfigError(f"{self.where} {_show(value)} is not valid; expected {expected}.")
        if self.kind == "env":
            return ConfigError(f"environment variable {self.where}={_show(value)} is not valid; expected {expected}.")
        if self.kind == "ini":
            return ConfigError(f"{self.where}: {self.name or key} = {_show(value)} is not valid; expected {expected}.")
        if self.kind == "file":
            return ConfigError.bad_value(key, value, expected, self.where)
        return ConfigError(f"{key} = {value!r} is not valid; expected {expected}.")


def _show(value: object) -> str:
    return repr(value) if isinstance(value, str) else repr(value)
