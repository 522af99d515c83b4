"""The suite's `[contracts]` table: where the pacts are, how to verify them, and where consumer tests write them."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

from annotated_types import Ge, MinLen

from .fields import setting
from .origins import Origin

SPECIFICATIONS = ("V2", "V3", "V4")
DEFAULT_FOLDER = "pacts"


@dataclass(frozen=True, slots=True)
class ContractSettings:
    """Resolved `[contracts]` settings; paths are absolute.

    Example::

        [contracts]
        pacts = ["pacts", "https://broker.example/pacts/provider/bookstore/consumer/storefront/latest"]
        provider = "bookstore"
        states = "states:provider_state"
    """

    __pydantic_config__ = {"extra": "forbid"}

    pacts: tuple[Annotated[str, MinLen(1)], ...] = setting(
        (),
        "Pact files, folders of *.json pacts and URLs (a pact, or a Pact Broker's list); "
        "default: the suite's pacts/ folder when it exists.",
        path=True,
        option="pacts",
    )
    provider: Annotated[str, MinLen(1)] | None = setting(None, "Check only the pacts whose provider has this name.")
    states: Annotated[str, MinLen(1)] | None = setting(
        None,
        "Provider-state handler, module:function (or module:MAPPING), imported with the suite folder on sys.path.",
        expected="'module:function' naming a provider-state handler",
    )
    verify: bool = setting(True, "Verify each interaction against the running provider.")
    crosscheck: bool = setting(True, "Check each interaction against the provider's OpenAPI document.")
    strict: bool = setting(
        False,
        "Fail on warnings too: contract gaps that only weaken the contract (low severity) fail their item.",
        option="strict",
    )
    timeout: Annotated[float, Ge(0.5)] = setting(
        30.0, "Seconds one interaction's verification may take, provider states included."
    )
    request_timeout: Annotated[float, Ge(0.1)] = setting(10.0, "Seconds one request to the provider may take.")
    send_auth: bool = setting(True, "Replay interactions with the suite's [auth] headers instead of the pact's.")
    pact_dir: Annotated[str, MinLen(1)] | None = setting(
        None,
        "Where the `pact` fixture writes pacts; default: the first folder of `pacts`, else the suite's pacts/.",
        path=True,
        option="pact-dir",
    )
    specification: Literal["V2", "V3", "V4"] = setting("V4", "Pact specification the `pact` fixture writes.")
    broker_token: Annotated[str, MinLen(1)] | None = setting(
        None, "Bearer token for pact URLs on a Pact Broker.", expand_env=True, secret=True
    )
    broker_username: Annotated[str, MinLen(1)] | None = setting(
        None, "Basic-auth user for a Pact Broker.", expand_env=True, secret=True
    )
    broker_password: Annotated[str, MinLen(1)] | None = setting(
        None, "Basic-auth password for a Pact Broker.", expand_env=True, secret=True
    )

    @property
    def write_dir(self) -> str:
        """Where consumer tests write: `pact_dir`, resolved by `settings.resolve` (never None after it)."""
        assert self.pact_dir is not None
        return self.pact_dir


def finish(settings: ContractSettings, origin: Callable[[str], Origin], root: Path) -> ContractSettings:
    """Paths made absolute; `pacts` defaults to the suite's pacts/ folder, `pact_dir` to the first pacts folder."""
    if origin("contracts.pacts").kind == "default":
        listed: tuple[str, ...] = (str(root / DEFAULT_FOLDER),) if (root / DEFAULT_FOLDER).is_dir() else ()
    else:
        base = origin("contracts.pacts").base or root
        listed = tuple(p if _is_url(p) else str((base / p).resolve()) for p in settings.pacts)
    if settings.pact_dir is not None:
        pact_dir = str(((origin("contracts.pact_dir").base or root) / settings.pact_dir).resolve())
    else:
        folders = [p for p in listed if not _is_url(p) and not p.endswith(".json")]
        pact_dir = folders[0] if folders else str(root / DEFAULT_FOLDER)
    if settings.states is not None and ":" not in settings.states:
        raise origin("contracts.states").bad_value(
            "states", settings.states, "'module:function' naming a provider-state handler"
        )
    return dataclasses.replace(settings, pacts=listed, pact_dir=pact_dir)


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))
