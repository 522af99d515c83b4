"""Run-wide settings: one report for the whole run, whichever suites it holds (option, environment, ini)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from annotated_types import Ge, Le, MinLen

from .fields import setting

REPORT_FORMATS = ("html", "json", "junit", "md")
GATES = ("all", "new")

Format = Literal["html", "json", "junit", "md"]


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    """$XDG_CACHE_HOME/apitest, else ~/.cache/apitest (the XDG base directory rules: a relative value is ignored)."""
    xdg = environ.get("XDG_CACHE_HOME", "")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else Path(environ.get("HOME") or Path.home()) / ".cache"
    return base / "apitest"


def percent(text: str) -> float:
    """'10%' -> 0.1 and '0.1' -> 0.1; ValueError for a bare number above 1, which is ambiguous (5%, or 500%?)."""
    text = text.strip()
    number = float(text.removesuffix("%")) / (100 if text.endswith("%") else 1)
    if not text.endswith("%") and number > 1:
        raise ValueError(text)
    return number


@dataclass(frozen=True, slots=True)
class RunSettings:
    __pydantic_config__ = {"extra": "forbid"}

    report_dir: Annotated[str, MinLen(1)] = setting(
        "apitest-report", "Folder for report.html, report.json, summary.md and junit.xml.", path=True
    )
    formats: tuple[Format, ...] = setting(REPORT_FORMATS, "Report formats to write: html, json, junit, md.")
    baseline: Annotated[str, MinLen(1)] | None = setting(
        None,
        "An earlier run's report.json: findings are classified new, fixed or persisting, load metrics compared.",
        path=True,
    )
    gate: Literal["all", "new"] = setting(
        "all", "What fails the run: 'all' findings, or only 'new' findings and load regressions vs the baseline."
    )
    cache_dir: Annotated[str, MinLen(1)] | None = setting(
        None,
        "Folder for what fuzzing builds once per machine and reuses (Hypothesis's unicode tables and source "
        "constants); by default $XDG_CACHE_HOME/apitest, else ~/.cache/apitest. Never the working folder; examples "
        "of earlier runs are not kept there (see [fuzz] database).",
        path=True,
    )
    tolerance: Annotated[float, Ge(0), Le(10)] = setting(
        0.10,
        "How much worse p95, p99, error rate and rps of a load profile may get vs the baseline: 10% or 0.1.",
        expected="a percentage such as 10% (or a fraction such as 0.1)",
        parse=percent,
    )
