"""The suite's `[contracts]` table: where the pacts are, how to verify them, and where consumer tests write them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .._table import Table, expand_env
from ..errors import ConfigError

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

    pacts: tuple[str, ...] = ()  # files, folders (absolute) and URLs
    provider: str | None = None  # only pacts with this provider; None: every pact found
    states: str | None = None  # "module:function" or "module:MAPPING", imported with the suite folder on sys.path
    verify: bool = True
    crosscheck: bool = True
    timeout_s: float = 30.0  # the most one interaction's verification (states, request, matching) may take
    request_timeout_s: float = 10.0
    send_auth: bool = True  # replay with the suite's [auth] headers, overriding the pact's own values
    pact_dir: str | None = None  # where the `pact` fixture writes: `pact_dir`, else the first folder of `pacts`
    specification: str = "V4"  # what the `pact` fixture writes
    broker_token: str | None = None
    broker_username: str | None = None
    broker_password: str | None = None


def parse_contracts(t: Table, root: Path) -> ContractSettings:
    d = ContractSettings()
    listed = t.str_list("pacts", [])
    if not listed and t.raw("pacts") is None and (root / DEFAULT_FOLDER).is_dir():
        listed = [DEFAULT_FOLDER]  # the convention: a suite's pacts/ folder is read without being named
    pacts = tuple(p if _is_url(p) else str((root / p).resolve()) for p in listed)
    pact_dir = t.str("pact_dir", None)
    folders = [p for p in pacts if not _is_url(p) and not p.endswith(".json")]
    write_dir = (
        str((root / pact_dir).resolve())
        if pact_dir is not None
        else (folders[0] if folders else str(root / DEFAULT_FOLDER))
    )
    settings = ContractSettings(
        pacts=pacts,
        provider=t.str("provider", None),
        states=t.str("states", None),
        verify=t.bool("verify", d.verify),
        crosscheck=t.bool("crosscheck", d.crosscheck),
        timeout_s=t.float("timeout", d.timeout_s, minimum=0.5),
        request_timeout_s=t.float("request_timeout", d.request_timeout_s, minimum=0.1),
        send_auth=t.bool("send_auth", d.send_auth),
        pact_dir=write_dir,
        specification=t.choice("specification", SPECIFICATIONS, d.specification),
        broker_token=_secret(t, "broker_token"),
        broker_username=_secret(t, "broker_username"),
        broker_password=_secret(t, "broker_password"),
    )
    if settings.states is not None and ":" not in settings.states:
        raise ConfigError.bad_value(
            "states", settings.states, "'module:function' naming a provider-state handler", t.where
        )
    t.done()
    return settings


def _secret(t: Table, key: str) -> str | None:
    value = t.str(key, None)
    if value is None:
        return None
    return expand_env(value, f"{t.where} {key}") or None


def _is_url(value: str) -> bool:
    return value.startswith(("http://", "https://"))
