"""The suite's `[contracts]` table."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .._table import Table


@dataclass(frozen=True, slots=True)
class ContractSettings:
    pacts: tuple[str, ...] = ()  # files, folders (absolute) and URLs
    provider: str | None = None
    states: str | None = None  # "module:function"
    verify: bool = True
    crosscheck: bool = True
    timeout_s: float = 60.0


def parse_contracts(t: Table, root: Path) -> ContractSettings:
    d = ContractSettings()
    pacts = tuple(p if p.startswith(("http://", "https://")) else str((root / p).resolve()) for p in t.str_list("pacts", []))
    settings = ContractSettings(
        pacts=pacts,
        provider=t.str("provider", None),
        states=t.str("states", None),
        verify=t.bool("verify", d.verify),
        crosscheck=t.bool("crosscheck", d.crosscheck),
        timeout_s=t.float("timeout", d.timeout_s, minimum=1.0),
    )
    t.done()
    return settings
