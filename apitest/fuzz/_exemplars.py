"""Where the follow-up checks start from: requests of positive data the API accepted (2xx) during the engine run,
per operation, with what it answered; and their variants with one field nudged."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ._sender import parse_json

if TYPE_CHECKING:
    from ._sender import Case

PER_OPERATION = 4  # exemplars kept per operation


@dataclass(slots=True)
class Exemplar:
    """A request the API accepted during the engine run, and what it answered."""

    case: Case
    status: int
    headers: dict[str, list[str]]
    body: Any  # parsed JSON, or None


@dataclass(slots=True)
class Exemplars:
    """Accepted requests of positive data, per operation label, as the engine run records them."""

    by_label: dict[str, list[Exemplar]] = field(default_factory=dict)

    def add(self, label: str, case: Case, status: int, headers: dict[str, list[str]], content: bytes) -> None:
        kept = self.by_label.setdefault(label, [])
        if len(kept) >= PER_OPERATION or not 200 <= status < 300 or not _positive(case):
            return
        kept.append(Exemplar(case, status, {k.lower(): list(v) for k, v in headers.items()}, parse_json(content)))

    def of(self, label: str | None) -> list[Exemplar]:
        return list(self.by_label.get(label, [])) if label else []


def variants(exemplar: Exemplar, *, mark: bool = False) -> list[Exemplar]:
    """The exemplar, then copies with one field nudged (an integer + 1, a string marked): minimal examples set
    fields to 0 or "0", where a counter that adds instead of sets, or a value leaked, would not show."""
    body = exemplar.case.body
    found = [] if mark else [exemplar]
    if not isinstance(body, dict):
        return [exemplar]
    for key, value in body.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and not mark:
            changed: Any = {**body, key: value + 1}
        elif isinstance(value, str):
            changed = {**body, key: (value + "-apitest-" + format(zlib.crc32(key.encode()) % 65536, "04x"))[:24]}
        else:
            continue
        found.append(with_body(exemplar, changed))
    return found or [exemplar]


def with_body(exemplar: Exemplar, body: Any) -> Exemplar:
    case = exemplar.case.operation.Case(
        path_parameters=dict(exemplar.case.path_parameters or {}),
        query=dict(exemplar.case.query or {}),
        headers=dict(exemplar.case.headers or {}),
        body=body,
        media_type=exemplar.case.media_type,
    )
    return Exemplar(case, exemplar.status, exemplar.headers, exemplar.body)


def _positive(case: Case) -> bool:
    mode = getattr(getattr(getattr(case, "meta", None), "generation", None), "mode", None)
    return mode is None or str(getattr(mode, "value", mode)).lower() == "positive"
