"""Why a follow-up check did not run where it applies, said on the follow-up item: one note per check and reason.

A check applies to an operation of the kind it judges, where the spec makes the promise it tests (a DELETE of an
item for `use_after_delete`, a PUT or DELETE for `idempotency`, a GET documenting 304 for `conditional_request`:
docs/checks.md). Where it applies but cannot be made (no resource alive, no request of the engine's accepted to start
from, no GET to read a write back...), the check raises `Skip` with the reason. `Skips` keeps the first reason per
check and operation, drops it where the check ran on that operation after all (two ways lead into some checks), and
writes one note per check and reason naming the operations, so that a 200-operation API gets a few lines, not
hundreds. Notes are not findings: they change no item's outcome and no exit status.
"""

from __future__ import annotations

from collections.abc import Sequence

SHOWN = 5  # operations a note names; the others it counts

NO_READER = "the spec documents no GET of the item to read it back"
UNDESCRIBED = "the spec describes no body for the item's GET, so there is nothing to compare"
NO_EXEMPLAR = "no request to it was accepted (2xx) during the engine run, to start from"
NOTHING_WRITTEN = "the write the API accepted sent no field the item's GET describes, so there is nothing to read back"
NO_ETAG = "the item's GET answered without an ETag"
NO_404 = "no GET of the item documents 404 or 410"
NO_JSON_ANSWER = "no answer of it during the engine run held JSON to look for in an error"


class Skip(Exception):
    """Nothing to judge here. With a reason, the check applies but could not be made, and a note says why; without,
    it does not apply (the spec makes no such promise, or the check is off)."""

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or "does not apply")
        self.reason = reason


class Skips:
    """Where each check ran, and why it could not where it did not."""

    def __init__(self) -> None:
        self._ran: set[tuple[str, str]] = set()
        self._why: dict[tuple[str, str], str] = {}

    def ran(self, check: str, operation: str) -> None:
        self._ran.add((check, operation))

    def has_run(self, check: str, operation: str) -> bool:
        return (check, operation) in self._ran

    def skipped(self, check: str, operation: str, reason: str) -> None:
        self._why.setdefault((check, operation), reason)

    def notes(self) -> list[str]:
        groups: dict[tuple[str, str], list[str]] = {}
        for (check, operation), reason in self._why.items():
            if (check, operation) not in self._ran:
                groups.setdefault((check, reason), []).append(operation)
        return [note(check, reason, operations) for (check, reason), operations in groups.items()]


def note(check: str, reason: str, operations: Sequence[str]) -> str:
    """`read_after_write on PUT /a/{id}: skipped, <reason>`, or for several operations
    `idempotency: skipped on 12 operations, <reason>: PUT /a/{id}, ... and 7 more`."""
    if len(operations) == 1:
        return f"{check} on {operations[0]}: skipped, {reason}"
    named = ", ".join(operations[:SHOWN])
    if len(operations) > SHOWN:
        named += f" and {len(operations) - SHOWN} more"
    return f"{check}: skipped on {len(operations)} operations, {reason}: {named}"
