"""The one place settings are resolved: command line > environment > ini > suite file > default.

`given()` reads what the run was given outside suite files (options, `APITEST_*` variables, `apitest_*` ini keys),
once, and checks each value at once, so a bad option fails before anything runs. `resolve_run()` turns those into
the run-wide `RunSettings`; `resolve_suite()` reads one suite file, lays the given values over it and returns the
`Suite` with every value in place and `Suite.origins` saying where each came from.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from . import contracts as contracts_rules, fuzz as fuzz_rules, load as load_rules
from ._validate import validate
from .fields import META_KEY, Meta, Setting, _strip
from .load import LoadProfile, LoadSettings
from .origins import Origin
from .run import RunSettings, default_cache_dir
from .suite import SUITE_FILE, Suite

_ENV_REF = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::-(?P<default>[^}]*))?\}")


@dataclass(frozen=True, slots=True)
class Given:
    """A value given outside suite files."""

    setting: Setting
    value: Any
    origin: Origin


def given(
    options: Mapping[str, Any],
    environ: Mapping[str, str],
    ini: Mapping[str, str],
    *,
    cwd: Path,
    inifile: Path | None = None,
) -> dict[str, Given]:
    """Every setting given as an option (by `Setting.dest`), variable or ini key, by `Setting.dotted`; each checked."""
    from . import SETTINGS

    found: dict[str, Given] = {}
    for s in SETTINGS:
        if s.option is None or s.env is None or s.ini is None:
            continue
        if options.get(s.dest) is not None:
            text, origin = options[s.dest], Origin("option", s.option, cwd)
        elif environ.get(s.env, "") != "":
            text, origin = environ[s.env], Origin("env", s.env, cwd)
        elif ini.get(s.ini, "") != "":
            where = str(inifile) if inifile is not None else "ini file"
            text, origin = ini[s.ini], Origin("ini", where, inifile.parent if inifile is not None else cwd, s.ini)
        else:
            continue
        try:
            value = _from_text(s, str(text))
        except ValueError:
            raise origin.bad_value(s.key, text, s.expected()) from None
        validate(s.owner, {s.key: value}, _always(origin))
        found[s.dotted] = Given(s, value, origin)
    return found


def _always(origin: Origin) -> Callable[[tuple[str, ...]], Origin]:
    return lambda _path: origin


def _from_text(s: Setting, text: str) -> Any:
    if s.meta.parse is not None:
        return s.meta.parse(text)
    if s.is_list:
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def resolve_run(given: Mapping[str, Given], cwd: Path) -> tuple[RunSettings, dict[str, Origin]]:
    """The run-wide settings and where each came from."""
    data: dict[str, Any] = {}
    origins: dict[str, Origin] = {}
    for g in given.values():
        if g.setting.scope == "run":
            data[g.setting.key] = g.value
            origins[g.setting.key] = g.origin
    run = validate(RunSettings, data, lambda path: origins.get(".".join(path), Origin.default()))

    def absolute(key: str, value: str) -> str:
        base = origins[key].base if key in origins else None
        return str(((base or cwd) / value).resolve())

    run = dataclasses.replace(
        run,
        report_dir=absolute("report_dir", run.report_dir),
        baseline=absolute("baseline", run.baseline) if run.baseline is not None else None,
        cache_dir=absolute("cache_dir", run.cache_dir)
        if run.cache_dir is not None
        else str(default_cache_dir(os.environ)),
    )
    return run, origins


def find_suite_file(folder: Path) -> Path | None:
    """The suite file of a folder: `apitest.toml`, else a `pyproject.toml` with `[tool.apitest]`."""
    candidate = folder / SUITE_FILE
    if candidate.is_file():
        return candidate
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        try:
            if "[tool.apitest" in pyproject.read_text(encoding="utf-8", errors="replace"):
                return pyproject
        except OSError:
            return None
    return None


def read_suite_table(path: Path) -> dict[str, Any]:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text; save the file as UTF-8.") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror}).") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc}); fix the syntax.") from exc
    if path.name == "pyproject.toml":
        tool = data.get("tool", {}).get("apitest")
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}: no [tool.apitest] table; add one or use an apitest.toml.")
        return tool
    return data


def resolve_suite(
    path: Path, given: Mapping[str, Given] | None = None, environ: Mapping[str, str] | None = None
) -> Suite:
    """Read, check and resolve one suite file, with the values `given` outside it laid over it."""
    path = path.resolve()
    return resolve_table(read_suite_table(path), path, given, environ)


def resolve_table(
    table: Mapping[str, Any],
    path: Path,
    given: Mapping[str, Given] | None = None,
    environ: Mapping[str, str] | None = None,
) -> Suite:
    """`resolve_suite` for a suite table already read from `path`."""
    environ = os.environ if environ is None else environ
    reader = _SuiteReader(path, environ)
    data = reader.read(table)
    origins = reader.origins
    for g in (given or {}).values():
        if g.setting.scope != "suite":
            continue
        if g.setting.section == "load.*":
            for name in data.get("load", {}).get("profiles", {}):
                data["load"]["profiles"][name][g.setting.key] = g.value
                origins[f"load.profiles.{name}.{g.setting.key}"] = g.origin
            continue
        target = data
        for part in g.setting.path[:-1]:
            target = target.setdefault(part, {})
        target[g.setting.key] = g.value
        origins[g.setting.dotted] = g.origin

    suite = validate(Suite, data, lambda p: origins.get(".".join(p), Origin.default()))
    suite = dataclasses.replace(suite, file=path, origins=origins)
    return _finish(suite)


class _SuiteReader:
    """Reads a suite file's tables against the declarations: unknown keys, tables where values belong, `${VAR}`s."""

    def __init__(self, path: Path, environ: Mapping[str, str]) -> None:
        self.path = path
        self.environ = environ
        self.origins: dict[str, Origin] = {}
        self._prefix = "tool.apitest." if path.name == "pyproject.toml" else ""

    def where(self, section: tuple[str, ...]) -> str:
        if not section:
            return f"{self.path} [tool.apitest]" if self._prefix else str(self.path)
        return f"{self.path} [{self._prefix}{'.'.join(section)}]"

    def origin(self, section: tuple[str, ...]) -> Origin:
        return Origin("file", self.where(section), self.path.parent)

    def read(self, table: Mapping[str, Any]) -> dict[str, Any]:
        return self._table(Suite, table, ())

    def _table(self, cls: type, table: Mapping[str, Any], section: tuple[str, ...]) -> dict[str, Any]:
        if cls is LoadSettings:
            return self._load(table, section)
        fields = _user_fields(cls)
        out: dict[str, Any] = {}
        for key, value in table.items():
            if key not in fields:
                raise ConfigError.unknown_key(key, fields, self.where(section))
            out[key] = self._value(fields[key], key, value, section)
        return out

    def _value(self, f: tuple[Any, Meta], key: str, value: Any, section: tuple[str, ...]) -> Any:
        tp, meta = f
        base = _strip(tp)
        if isinstance(base, type) and dataclasses.is_dataclass(base):
            if not isinstance(value, dict):
                raise ConfigError.bad_value(key, value, "a table", self.where(section))
            return self._table(base, value, (*section, key))
        self.origins[".".join((*section, key))] = self.origin(section)
        if meta.expand_env:
            return self._expand(value, key, section)
        return value

    def _load(self, table: Mapping[str, Any], section: tuple[str, ...]) -> dict[str, Any]:
        """`[load]`: its own keys, defaults for every profile (any profile key), and `[load.NAME]` profiles."""
        own = _user_fields(LoadSettings)
        own.pop("profiles")
        profile_keys = _user_fields(LoadProfile)
        out: dict[str, Any] = {}
        defaults: dict[str, Any] = {}
        names: list[str] = []
        for key, value in table.items():
            if key in own:
                out[key] = self._value(own[key], key, value, section)
            elif isinstance(value, dict) and key != "slo":
                names.append(key)  # a [load.NAME] table, even one named like a profile key ([load.ramp])
            elif key in profile_keys:
                defaults[key] = value
            else:
                raise ConfigError.unknown_key(key, [*own, *profile_keys], self.where(section))
        profiles: dict[str, Any] = {}
        for name in names:
            where = (*section, name)
            values: dict[str, Any] = {}
            for key, value in defaults.items():
                values[key] = value
                self.origins[f"load.profiles.{name}.{key}"] = self.origin(section)
            for key, value in table[name].items():
                if key not in profile_keys:
                    raise ConfigError.unknown_key(key, profile_keys, self.where(where))
                if key == "slo" and isinstance(value, dict) and isinstance(values.get("slo"), dict):
                    value = _merge_gates(values["slo"], value)
                values[key] = value
                self.origins[f"load.profiles.{name}.{key}"] = self.origin(where)
            profiles[name] = {"name": name, **values}
        out["profiles"] = profiles
        return out

    def _expand(self, value: Any, key: str, section: tuple[str, ...]) -> Any:
        if isinstance(value, str):
            return expand_env(value, f"{self.where(section)} {key}", self.environ)
        if isinstance(value, dict):
            return {
                k: expand_env(v, f"{self.where(section)} {key}.{k}", self.environ) if isinstance(v, str) else v
                for k, v in value.items()
            }
        return value


def _merge_gates(defaults: Mapping[str, Any], own: Mapping[str, Any]) -> dict[str, Any]:
    """A profile's `slo` over `[load.slo]`: gate by gate, endpoint tables merged too."""
    merged = dict(defaults)
    for key, value in own.items():
        before = merged.get(key)
        merged[key] = {**before, **value} if isinstance(before, dict) and isinstance(value, dict) else value
    return merged


def _user_fields(cls: type) -> dict[str, tuple[Any, Meta]]:
    """The fields of a settings dataclass a suite file may set, with their types and declarations."""
    hints = typing.get_type_hints(cls, include_extras=True)
    found: dict[str, tuple[Any, Meta]] = {}
    for f in dataclasses.fields(cls):
        meta = f.metadata.get(META_KEY)
        if isinstance(meta, Meta) and not meta.internal:
            found[f.name] = (hints[f.name], meta)
    return found


def expand_env(value: str, where: str, environ: Mapping[str, str] | None = None) -> str:
    """Replace `${NAME}` and `${NAME:-default}` with environment values; a missing one is an error."""
    env = os.environ if environ is None else environ

    def repl(match: re.Match[str]) -> str:
        name, default = match["name"], match["default"]
        if name in env:
            return env[name]
        if default is not None:
            return default
        raise ConfigError(f"{where}: environment variable {name} is not set; export it or write ${{{name}:-default}}.")

    return _ENV_REF.sub(repl, value)


def is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))


def _finish(suite: Suite) -> Suite:
    """What the types cannot say: paths, defaults that depend on other settings, rules across settings."""
    origin = suite.origin
    changes: dict[str, Any] = {}
    if not suite.name:
        changes["name"] = suite.root.name
    if suite.spec is not None and not is_url(suite.spec):
        changes["spec"] = str(((origin("spec").base or suite.root) / suite.spec).resolve())
    if suite.base_url is not None:
        if not is_url(suite.base_url):
            raise origin("base_url").bad_value("base_url", suite.base_url, "an http:// or https:// URL")
        changes["base_url"] = suite.base_url.rstrip("/")
    if suite.serve is not None and ":" not in suite.serve:
        raise origin("serve").bad_value("serve", suite.serve, "'module:attribute' naming an ASGI app")
    if suite.spec is None and suite.base_url is None and suite.serve is None:
        raise ConfigError(f"{suite.file}: a suite needs `spec`, `base_url` or `serve`; add at least one.")
    fuzz_rules.check_passthrough(suite.fuzz, origin("fuzz.schemathesis"))
    if suite.fuzz.database.lower() not in ("none", ":memory:"):
        folder = (origin("fuzz.database").base or suite.root) / suite.fuzz.database
        changes["fuzz"] = dataclasses.replace(suite.fuzz, database=str(folder.resolve()))
    changes["contracts"] = contracts_rules.finish(suite.contracts, origin, suite.root)
    changes["load"] = load_rules.finish(suite.load, origin)
    return dataclasses.replace(suite, **changes)
