"""report.json: the RunResult as JSON, valid against schema.json."""

from __future__ import annotations

import json

from ..results import RunResult


def render_json(result: RunResult) -> str:
    return json.dumps(result.to_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"
