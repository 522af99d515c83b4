"""When a follow-up finding fails, as data: each finding records the rule that found it (`details["fails_if"]`),
and `apitest replay` judges the replayed requests by that same rule.

A rule is a small JSON object over the finding's steps (its requests in order; -1 is the last):

* `{"answered": ["2xx", 412], "step": -1}`: that step's status is one of these (a class such as "2xx", or exact);
* `{"not_answered": ["2xx", 404, 410], "step": -1}`: it is none of these;
* `{"differs": [a, b], "from": "answer" | "request", "ignore": [...]}`: fields of step a's answer (or of the body it
  sent) that step b's answer shows with other values (resources.differences: volatile fields, and the spec's
  readOnly ones named in "ignore", left out; with "only", just the fields it names: those the spec describes);
* `{"class_differs": [a, b]}`: the two steps' statuses are of different classes (2xx against 4xx...);
* `{"status_differs": [a, b]}`: the two steps' statuses differ;
* `{"created_differs": [a, b]}`: the two steps made different resources (their Location, else their body's id);
* `{"contains": ["value", ...], "step": -1}`: that step's body holds one of these values;
* `{"any": [rule, ...]}`: one of the rules holds.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..results import Exchange
from . import resources

Rule = dict[str, Any]


def answered(*statuses: str | int, step: int = -1) -> Rule:
    return {"answered": list(statuses), "step": step}


def not_answered(*statuses: str | int, step: int = -1) -> Rule:
    return {"not_answered": list(statuses), "step": step}


def differs(
    expected: int,
    actual: int,
    *,
    source: str = "answer",
    ignore: Collection[str] = (),
    only: Collection[str] | None = None,
) -> Rule:
    rule: Rule = {"differs": [expected, actual], "from": source, "ignore": sorted(ignore)}
    if only is not None:
        rule["only"] = sorted(only)
    return rule


def class_differs(first: int, second: int) -> Rule:
    return {"class_differs": [first, second]}


def status_differs(first: int, second: int) -> Rule:
    return {"status_differs": [first, second]}


def created_differs(first: int, second: int) -> Rule:
    return {"created_differs": [first, second]}


def contains(values: Sequence[str], step: int = -1) -> Rule:
    return {"contains": list(values), "step": step}


def any_of(*rules: Rule) -> Rule:
    return {"any": list(rules)}


@dataclass(frozen=True, slots=True)
class Step:
    """What a rule looks at in one request and its answer."""

    status: int | None
    headers: Mapping[str, str]  # names in lower case
    text: str
    request_text: str

    @property
    def body(self) -> Any:
        return _json(self.text)

    @property
    def request_body(self) -> Any:
        return _json(self.request_text)

    @classmethod
    def of(cls, exchange: Exchange) -> Step:
        return cls(
            exchange.status,
            {k.lower(): v for k, v in exchange.response_headers.items()},
            exchange.response_body or "",
            exchange.request_body or "",
        )


def holds(rule: Rule, steps: Sequence[Step]) -> bool:
    """Whether `rule` holds over `steps`: whether the finding it belongs to shows in them."""
    if "any" in rule:
        return any(holds(inner, steps) for inner in rule["any"])
    if "answered" in rule:
        return _matches(steps[rule["step"]].status, rule["answered"])
    if "not_answered" in rule:
        status = steps[rule["step"]].status
        return status is not None and not _matches(status, rule["not_answered"])
    if "differs" in rule:
        first, second = (steps[i] for i in rule["differs"])
        stated = first.request_body if rule.get("from") == "request" else first.body
        return bool(resources.differences(stated, second.body, rule.get("ignore", ()), rule.get("only")))
    if "class_differs" in rule:
        first, second = (steps[i] for i in rule["class_differs"])
        return (first.status or 0) // 100 != (second.status or 0) // 100
    if "status_differs" in rule:
        first, second = (steps[i] for i in rule["status_differs"])
        return bool(first.status != second.status)
    if "created_differs" in rule:
        made = [_made(steps[i]) for i in rule["created_differs"]]
        return None not in made and made[0] != made[1]
    if "contains" in rule:
        text = steps[rule["step"]].text
        return any(value in text for value in rule["contains"])
    raise ValueError(f"unknown rule {rule!r}")


def _matches(status: int | None, patterns: Sequence[str | int]) -> bool:
    if status is None:
        return False
    for pattern in patterns:
        if isinstance(pattern, int) and status == pattern:
            return True
        if isinstance(pattern, str) and pattern.endswith("xx") and str(status)[0] == pattern[0]:
            return True
    return False


def _made(step: Step) -> str | None:
    location = step.headers.get("location")
    if location:
        return location
    body = step.body
    value = body.get("id") if isinstance(body, dict) else None
    return None if value is None else str(value)


def _json(text: str) -> Any:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


__all__ = [
    "Rule",
    "Step",
    "answered",
    "any_of",
    "class_differs",
    "contains",
    "created_differs",
    "differs",
    "holds",
    "not_answered",
    "status_differs",
]
