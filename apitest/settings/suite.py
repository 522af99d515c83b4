"""A suite: one target API and what to run against it (`apitest.toml`, or `[tool.apitest]` in a pyproject.toml)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from annotated_types import MinLen

from .contracts import ContractSettings
from .fields import declared, setting
from .fuzz import FuzzSettings
from .load import LoadSettings
from .origins import Origin

SUITE_FILE = "apitest.toml"


@dataclass(frozen=True, slots=True)
class Credentials:
    __pydantic_config__ = {"extra": "forbid"}

    headers: dict[str, str] = setting(
        {},
        "The second user's headers; ${VAR} and ${VAR:-default} read the environment.",
        file_only=True,
        expand_env=True,
        secret=True,
    )


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """Credentials sent with every request; `secondary` is a second user, for cross-user checks."""

    __pydantic_config__ = {"extra": "forbid"}

    headers: dict[str, str] = setting(
        {},
        "Headers sent with every request (a credential); ${VAR} and ${VAR:-default} read the environment.",
        file_only=True,
        expand_env=True,
        secret=True,
    )
    secondary: Credentials = setting(Credentials(), "A second user's credentials, for cross-user checks.")

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (*self.headers.values(), *self.secondary.headers.values()) if v)


@dataclass(frozen=True, slots=True)
class Suite:
    """A resolved suite: every value in place, each with where it came from (`origins`, by dotted key)."""

    __pydantic_config__ = {"extra": "forbid"}

    name: Annotated[str, MinLen(1)] = setting("", "The suite's name in reports (default: its folder's name).")
    spec: Annotated[str, MinLen(1)] | None = setting(
        None,
        "The OpenAPI document: a path (relative to the suite file) or a URL (default: BASE_URL/openapi.json).",
        path=True,
    )
    base_url: Annotated[str, MinLen(1)] | None = setting(
        None, "Base URL of the API under test.", expected="an http:// or https:// URL"
    )
    ref_root: Annotated[str, MinLen(1)] | None = setting(
        None,
        "Folder the spec's file $refs may read from, relative to the suite file (default: the spec's own folder).",
        path=True,
    )
    serve: Annotated[str, MinLen(1)] | None = setting(
        None,
        "An ASGI app to serve on 127.0.0.1 for the run, as module:attribute.",
        expected="'module:attribute' naming an ASGI app",
    )
    serve_factory: bool = setting(False, "`serve` names a factory that returns the app.")
    auth: AuthSettings = setting(AuthSettings(), "Credentials.")
    fuzz: FuzzSettings = setting(FuzzSettings(), "Fuzzing.")
    contracts: ContractSettings = setting(ContractSettings(), "Contracts.")
    load: LoadSettings = setting(LoadSettings(), "Load.")
    file: Path = setting(Path(SUITE_FILE), "The suite file.", internal=True)
    origins: dict[str, Origin] = setting({}, "Where each value came from.", internal=True)

    @property
    def root(self) -> Path:
        return self.file.parent

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every credential this suite holds: the settings declared `secret` (auth headers, broker credentials) and
        a password written into a URL; the recorder masks each wherever it appears."""
        found: list[str] = []
        for declaration in declared(Suite):
            if declaration.meta.secret:
                value: Any = self
                for part in declaration.path:
                    value = getattr(value, part, None)
                if isinstance(value, str):
                    found.append(value)
                elif isinstance(value, dict):
                    found.extend(v for v in value.values() if isinstance(v, str))
        for url in (self.base_url, self.spec, *self.contracts.pacts):
            password = urlsplit(url).password if url and "@" in url else None
            if password:
                found.append(password)
        return tuple(v for v in found if v)

    def origin(self, dotted: str) -> Origin:
        return self.origins.get(dotted, Origin.default())

    def replace(self, **changes: object) -> Suite:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]
