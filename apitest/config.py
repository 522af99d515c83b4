"""Suite settings: one target API and what to run against it.

A suite is a folder holding `apitest.toml` (or a `pyproject.toml` with `[tool.apitest]`). Every value resolves
in the order CLI option > `APITEST_*` environment variable > suite file > default; see `OVERRIDES`.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._table import Table
from .contracts.settings import ContractSettings, parse_contracts
from .errors import ConfigError
from .load.settings import LoadSettings, parse_load

SUITE_FILE = "apitest.toml"
STATELESS_PHASES = ("examples", "coverage", "fuzzing")  # run per operation
STATEFUL_PHASE = "stateful"  # runs over sequences of operations
PHASES = (*STATELESS_PHASES, STATEFUL_PHASE)
MODES = ("positive", "negative", "all")
REPORT_FORMATS = ("html", "json", "junit", "md")


@dataclass(frozen=True, slots=True)
class AuthSettings:
    """Static credentials sent with every request; `secondary` is a second user for cross-user checks."""

    headers: dict[str, str] = field(default_factory=dict)
    secondary: dict[str, str] = field(default_factory=dict)

    @property
    def secrets(self) -> tuple[str, ...]:
        return tuple(v for v in (*self.headers.values(), *self.secondary.values()) if v)


@dataclass(frozen=True, slots=True)
class FuzzSettings:
    enabled: bool = True
    phases: tuple[str, ...] = PHASES
    checks: tuple[str, ...] = ("all",)
    exclude_checks: tuple[str, ...] = ()
    max_examples: int = 50
    mode: str = "all"
    seed: int | None = None
    max_response_time: float | None = None
    slow_operation_ms: float = 1000.0
    workers: int = 1
    request_timeout: float = 10.0
    # Passed to schemathesis's config as is (its schemathesis.toml keys), for what apitest does not name.
    schemathesis: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Suite:
    name: str
    file: Path
    spec: str | None
    base_url: str | None
    serve: str | None = None
    serve_factory: bool = False
    auth: AuthSettings = field(default_factory=AuthSettings)
    fuzz: FuzzSettings = field(default_factory=FuzzSettings)
    contracts: ContractSettings = field(default_factory=ContractSettings)
    load: LoadSettings = field(default_factory=LoadSettings)

    @property
    def root(self) -> Path:
        return self.file.parent


@dataclass(frozen=True, slots=True)
class Override:
    """A setting that can also come from the command line and the environment."""

    name: str  # option --apitest-<name>, env APITEST_<NAME>
    section: str  # "" for the suite's top level, "fuzz" for [fuzz]
    key: str
    parse: Callable[[str], Any]
    help: str

    @property
    def option(self) -> str:
        return "--apitest-" + self.name

    @property
    def dest(self) -> str:
        return "apitest_" + self.name.replace("-", "_")

    @property
    def env(self) -> str:
        return "APITEST_" + self.name.replace("-", "_").upper()


def _csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(value)


OVERRIDES: tuple[Override, ...] = (
    Override("base-url", "", "base_url", str, "Base URL of the API under test (overrides every suite's)."),
    Override("spec", "", "spec", str, "OpenAPI document: a path or a URL (overrides every suite's)."),
    Override("serve", "", "serve", str, "ASGI app to serve on 127.0.0.1 for the run, as module:attribute."),
    Override("seed", "fuzz", "seed", int, "Seed for fuzz data generation, for reproducible runs."),
    Override("max-examples", "fuzz", "max_examples", int, "Fuzz cases per operation and phase."),
    Override("phases", "fuzz", "phases", _csv, "Fuzz phases, comma-separated: examples,coverage,fuzzing,stateful."),
    Override("checks", "fuzz", "checks", _csv, "Fuzz checks, comma-separated ('all' for every check)."),
    Override("mode", "fuzz", "mode", str, "Fuzz data: positive, negative or all."),
    Override("workers", "fuzz", "workers", int, "Concurrent schemathesis workers inside one fuzz item."),
    Override("max-response-time", "fuzz", "max_response_time", float, "Seconds a response may take (a check)."),
    Override("fuzz", "fuzz", "enabled", _bool, "Run fuzz items (true/false)."),
)


def find_suite_file(folder: Path) -> Path | None:
    """The suite file of a folder: `apitest.toml`, else a `pyproject.toml` with `[tool.apitest]`."""
    candidate = folder / SUITE_FILE
    if candidate.is_file():
        return candidate
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file() and "[tool.apitest" in pyproject.read_text(encoding="utf-8"):
        return pyproject
    return None


def read_suite_table(path: Path) -> dict[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax.") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror}).") from exc
    if path.name == "pyproject.toml":
        tool = data.get("tool", {}).get("apitest")
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}: no [tool.apitest] table; add one or use an apitest.toml.")
        return tool
    return data


def load_suite(
    path: Path,
    cli: Mapping[str, Any] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Suite:
    """Read, validate and resolve one suite file. `cli` maps Override.dest to values given on the command line."""
    path = path.resolve()
    raw = read_suite_table(path)
    where = str(path) if path.name == SUITE_FILE else f"{path} [tool.apitest]"
    raw = _apply_overrides(raw, cli or {}, os.environ if environ is None else environ)
    top = Table(raw, where)
    name = top.str("name", path.parent.name)
    spec = top.str("spec", None)
    base_url = top.str("base_url", None)
    serve = top.str("serve", None)
    serve_factory = top.bool("serve_factory", False)
    auth_table = top.table("auth")
    auth = AuthSettings(
        headers=auth_table.str_map("headers"), secondary=auth_table.table("secondary").str_map("headers")
    )
    auth_table.done()
    fuzz = _parse_fuzz(top.table("fuzz"))
    contracts = parse_contracts(top.table("contracts"), path.parent)
    load = parse_load(top.table("load"))
    top.done()
    if spec is not None and not _is_url(spec):
        spec = str((path.parent / spec).resolve())
    if base_url is not None:
        if not _is_url(base_url):
            raise ConfigError.bad_value("base_url", base_url, "an http:// or https:// URL", where)
        base_url = base_url.rstrip("/")
    if serve is not None and ":" not in serve:
        raise ConfigError.bad_value("serve", serve, "'module:attribute' naming an ASGI app", where)
    if spec is None and base_url is None and serve is None:
        raise ConfigError(f"{where}: a suite needs `spec`, `base_url` or `serve`; add at least one.")
    return Suite(
        name=name,
        file=path,
        spec=spec,
        base_url=base_url,
        serve=serve,
        serve_factory=serve_factory,
        auth=auth,
        fuzz=fuzz,
        contracts=contracts,
        load=load,
    )


def _parse_fuzz(t: Table) -> FuzzSettings:
    d = FuzzSettings()
    phases = t.str_list("phases", list(d.phases), choices=PHASES)
    settings = FuzzSettings(
        enabled=t.bool("enabled", d.enabled),
        phases=tuple(p for p in PHASES if p in phases),
        checks=tuple(t.str_list("checks", list(d.checks))),
        exclude_checks=tuple(t.str_list("exclude_checks", [])),
        max_examples=t.int("max_examples", d.max_examples, minimum=1),
        mode=t.choice("mode", MODES, d.mode),
        seed=t.int("seed", None),
        max_response_time=t.float("max_response_time", None),
        slow_operation_ms=t.float("slow_operation_ms", d.slow_operation_ms),
        workers=t.int("workers", d.workers, minimum=1, maximum=64),
        request_timeout=t.float("request_timeout", d.request_timeout, minimum=0.1),
        schemathesis=dict(t.table("schemathesis").data),
    )
    t.done()
    return settings


def _apply_overrides(raw: dict[str, Any], cli: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    merged = {k: (dict(v) if isinstance(v, dict) else v) for k, v in raw.items()}
    for o in OVERRIDES:
        value = cli.get(o.dest)
        if value is None and o.env in environ:
            try:
                value = o.parse(environ[o.env])
            except ValueError:
                raise ConfigError(
                    f"environment variable {o.env}={environ[o.env]!r} is not valid for {o.option}."
                ) from None
        if value is None:
            continue
        target = merged.setdefault(o.section, {}) if o.section else merged
        if not isinstance(target, dict):
            continue  # the file's own error for this section is raised while parsing
        target[o.key] = value
    return merged


def with_fuzz(suite: Suite, **changes: Any) -> Suite:
    return dataclasses.replace(suite, fuzz=dataclasses.replace(suite.fuzz, **changes))


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))
