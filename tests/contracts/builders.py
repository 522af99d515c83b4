"""Pact and spec material for the contract tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from apitest.contracts.pactfile import Interaction, parse_pact
from apitest.settings import ContractSettings, resolve_table

HERE = Path(__file__).parent
PACTS = HERE / "pacts"
SHOP_SPEC: dict[str, Any] = json.loads((HERE / "specs" / "shop.json").read_text())


def v3_interaction(request: dict[str, Any], response: dict[str, Any], **extra: Any) -> Interaction:
    """One V3 interaction from its JSON parts, read the way a pact file is."""
    doc = {
        "consumer": {"name": "web"},
        "provider": {"name": "shop"},
        "interactions": [
            {"description": extra.pop("description", "it"), "request": request, "response": response, **extra}
        ],
        "metadata": {"pactSpecification": {"version": "3.0.0"}},
    }
    return parse_pact(doc, "test.json").interactions[0]


def body_rules(rules: dict[str, dict[str, Any] | list[dict[str, Any]]]) -> dict[str, Any]:
    """V3 body matching rules from {"$.id": {"match": "integer"}}."""
    return {
        "body": {
            path: {"combine": "AND", "matchers": matcher if isinstance(matcher, list) else [matcher]}
            for path, matcher in rules.items()
        }
    }


def settings(root: Path, **table: Any) -> ContractSettings:
    """A suite's [contracts] settings from keyword table entries."""
    return resolve_table({"serve": "app:app", "contracts": table}, root / "apitest.toml").contracts
