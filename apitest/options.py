"""The declared settings as pytest options and ini keys, their help, and checks of the command line itself.

Each setting of `apitest.settings.SETTINGS` that is not a table is an option `--apitest-*`, an ini key
`apitest_*` and a variable `APITEST_*` (see `Setting`); here they are registered with pytest, grouped by the
suite table they belong to, and read back as `Given` values for `settings.resolve`.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from .errors import ConfigError, did_you_mean
from .settings import SETTINGS, Given, Setting, given
from .settings.fields import _strip

GROUPS = {
    "run": ("apitest", "apitest: the run and its report"),
    "": ("apitest-suite", "apitest: the target of every suite (its top-level keys)"),
    "fuzz": ("apitest-fuzz", "apitest: fuzzing, every suite's [fuzz]"),
    "contracts": ("apitest-contracts", "apitest: contracts, every suite's [contracts]"),
    "load": ("apitest-load", "apitest: load, every suite's [load] (profile keys apply to every [load.NAME])"),
}


def group_of(s: Setting) -> str:
    return "run" if s.scope == "run" else s.section.split(".")[0]


def help_text(s: Setting) -> str:
    """The option's help: what it does, its default, its variable and its suite key."""
    parts = [s.meta.help.rstrip(".") + "."]
    if s.default not in (None, (), "", {}) and "default" not in s.meta.help:
        parts.append(f"Default: {_show_default(s.default)}.")
    where = f"Env {s.env}"
    if s.suite_key is not None:
        where += f"; suite: {s.suite_key}"
    parts.append(where + ".")
    return " ".join(parts)


def _show_default(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def metavar(s: Setting) -> str:
    base = _strip(s.type)
    origin = typing.get_origin(base)
    if origin is Literal:
        return "{" + ",".join(str(v) for v in typing.get_args(base)) + "}"
    if s.is_list:
        return "A,B"
    if base is bool:
        return "{true,false}"
    if base is int:
        return "N"
    if base is float or s.meta.parse is not None:
        return "N" if s.key in ("tolerance",) or "rate" in s.key else "SECONDS"
    if s.key in ("base_url",):
        return "URL"
    if s.meta.path:
        return "PATH"
    return "TEXT"


def add_options(parser: Any) -> None:
    """Register every option and ini key, grouped; help strings are %-escaped (argparse formats them)."""
    groups = {name: parser.getgroup(group, description) for name, (group, description) in GROUPS.items()}
    for s in SETTINGS:
        if s.option is None or s.ini is None:
            continue
        text = help_text(s)
        groups[group_of(s)].addoption(
            s.option, dest=s.dest, default=None, metavar=metavar(s), help=text.replace("%", "%%")
        )
        parser.addini(s.ini, text, default="")


def read_given(
    options: Any, environ: Mapping[str, str], getini: Any, *, cwd: Path, inifile: Path | None
) -> dict[str, Given]:
    """What the run was given as options, APITEST_* variables and apitest_* ini keys, each value checked."""
    values = {s.dest: getattr(options, s.dest, None) for s in SETTINGS if s.option is not None}
    ini = {s.ini: str(getini(s.ini) or "") for s in SETTINGS if s.ini is not None}
    return given(values, environ, ini, cwd=cwd, inifile=inifile)


def check_command_line(args: Sequence[str]) -> None:
    """An unknown `--apitest-*` option, or one without its value, as one line with the fix (argparse's own
    messages name neither the accepted values nor the option meant)."""
    known = {s.option: s for s in SETTINGS if s.option is not None}
    for i, arg in enumerate(args):
        if arg == "--":
            return
        if not arg.startswith("--apitest-"):
            continue
        name, has_value, _ = arg.partition("=")
        if name not in known:
            hint = did_you_mean(name, known) or " See `apitest run --help` for the options."
            raise ConfigError(f"unknown option {name}.{hint}")
        if has_value:
            continue
        following = args[i + 1] if i + 1 < len(args) else None
        if following is None or (following.startswith("-") and not _is_number(following)):
            s = known[name]
            raise ConfigError(f"{name} needs a value ({metavar(s)}): {s.meta.help}")


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def usage() -> str:
    """The options, grouped, for `apitest run --help`."""
    lines: list[str] = []
    for name, (_, description) in GROUPS.items():
        members = [s for s in SETTINGS if s.option is not None and group_of(s) == name]
        if not members:
            continue
        lines += ["", f"{description}:"]
        for s in members:
            lines.append(f"  {s.option} {metavar(s)}")
            lines.append(f"      {help_text(s)}")
    file_only = [s for s in SETTINGS if s.option is None]
    if file_only:
        lines += ["", "apitest: set only in a suite file (tables):"]
        lines += [f"  {s.suite_key}: {s.meta.help}" for s in file_only]
    return "\n".join(lines)


def markdown_table() -> str:
    """The README's settings table: every setting, how to set it, its default and what it does."""
    rows = [
        "| suite file | option | environment | default | what it sets |",
        "|---|---|---|---|---|",
    ]
    for s in SETTINGS:
        key = f"`{s.suite_key}`" if s.suite_key else "(run-wide: ini `" + str(s.ini) + "`)"
        option = f"`{s.option}`" if s.option else "—"
        env = f"`{s.env}`" if s.env else "—"
        default = _show_default(s.default) if s.default not in (None, (), "", {}) else ""
        text = s.meta.help.replace("|", "\\|")
        rows.append(f"| {key} | {option} | {env} | {f'`{default}`' if default else ''} | {text} |")
    return "\n".join(rows)
