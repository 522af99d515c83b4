"""The suite's `[fuzz]` table: how schemathesis generates and checks cases."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from annotated_types import Ge, Le, MinLen

from .fields import setting
from .origins import Origin

STATELESS_PHASES = ("examples", "coverage", "fuzzing")  # run per operation
STATEFUL_PHASE = "stateful"  # runs over sequences of operations
PHASES = (*STATELESS_PHASES, STATEFUL_PHASE)
MODES = ("positive", "negative", "all")

Phase = Literal["examples", "coverage", "fuzzing", "stateful"]
Mode = Literal["positive", "negative", "all"]


@dataclass(frozen=True, slots=True)
class FuzzSettings:
    __pydantic_config__ = {"extra": "forbid"}

    enabled: bool = setting(True, "Run the fuzz items of suites.", option="fuzz")
    phases: tuple[Phase, ...] = setting(PHASES, "Fuzz phases to run: examples, coverage, fuzzing, stateful.")
    checks: tuple[Annotated[str, MinLen(1)], ...] = setting(
        ("all",), "Checks to run: 'all', or check names (schemathesis's and apitest's)."
    )
    exclude_checks: tuple[Annotated[str, MinLen(1)], ...] = setting((), "Checks to leave out.")
    max_examples: Annotated[int, Ge(1), Le(1_000_000)] = setting(50, "Cases per operation and phase.")
    mode: Mode = setting("all", "Data to generate: positive (valid), negative (invalid) or all.")
    seed: Annotated[int, Ge(0)] | None = setting(None, "Seed for data generation: the same seed sends the same cases.")
    max_response_time: Annotated[float, Ge(0.001)] | None = setting(
        None, "Seconds a response may take before it is a finding (max_response_time check)."
    )
    slow_operation_ms: Annotated[float, Ge(1)] | None = setting(
        None,
        "An operation whose p95 response time is over this many ms is a slow_operation finding (off unless set: "
        "how slow is too slow is yours to say).",
    )
    workers: Annotated[int, Ge(1), Le(64)] = setting(1, "Concurrent schemathesis workers of a suite's fuzz run.")
    processes: Annotated[int, Ge(1), Le(64)] = setting(
        1,
        "Processes a suite's fuzz run is spread over: its operations in pieces by resource, which N forked "
        "processes share out as each finishes one, sharing captured values; the stateful phase and follow-ups run "
        "after them, with what they learned (Linux and macOS; ignored inside an xdist worker).",
    )
    request_timeout: Annotated[float, Ge(0.1)] = setting(
        10.0,
        "Seconds one fuzz request may take, from sending it to the last byte of the response (first byte included); "
        "a response not complete by then is a finding.",
    )
    connect_timeout: Annotated[float, Ge(0.1)] = setting(
        5.0, "Seconds to wait for a connection to the API; none by then is a response_limit finding."
    )
    first_byte_timeout: Annotated[float, Ge(0.1)] | None = setting(
        None,
        "Seconds to wait for the first byte of a response (its status line) before it is a response_limit finding; "
        "unset: request_timeout.",
    )
    max_response_size: Annotated[int, Ge(1024)] = setting(
        10 * 1024 * 1024,
        "Bytes of a response body apitest reads (10 MiB); a larger body (declared or sent) is a response_limit "
        "finding, and apitest stops reading it.",
    )
    max_duration: Annotated[float, Ge(1)] = setting(
        3600.0,
        "Seconds a suite's fuzz run (the engine's phases) may take in all; it then stops, and operations it had not "
        "been through are item errors naming this setting.",
    )
    retry_after_pause: Annotated[float, Ge(0), Le(60)] = setting(
        2.0,
        "After a 429/503 with Retry-After, wait that long (at most this many seconds) before the next request, "
        "rather than hammer an API that asked to be left alone; 0: never wait.",
    )
    database: Annotated[str, MinLen(1)] = setting(
        "none",
        "Hypothesis's example database: 'none' (every run starts afresh, so the seed alone decides the cases), "
        "or a folder, relative to the suite file, whose failing examples later runs replay first.",
        path=True,
    )
    cache: bool = setting(
        False,
        "Let schemathesis replay requests cached by earlier runs (in the suite's .schemathesis/) while probing; "
        "off, so that nothing of an earlier run changes what this one sends.",
    )
    schemathesis: dict[str, Any] = setting(
        {},
        "Passed to schemathesis's config as is (its schemathesis.toml keys), for what apitest does not name; "
        "a key apitest names (such as generation.max-examples) is an error here.",
        file_only=True,
    )


# schemathesis config keys (and key prefixes) that apitest names itself: in [fuzz.schemathesis] they would fight the
# named setting, and the command line could no longer override them.
_NAMED = {
    "base-url": "base_url",
    "headers": "[auth.headers]",
    "workers": "[fuzz] workers",
    "request-timeout": "[fuzz] request_timeout",
    "seed": "[fuzz] seed",
    "generation.max-examples": "[fuzz] max_examples",
    "generation.mode": "[fuzz] mode",
    "phases": "[fuzz] phases",
    "checks.max_response_time": "[fuzz] max_response_time",
    "generation.database": "[fuzz] database",
    "cache": "[fuzz] cache",
}


def check_passthrough(settings: FuzzSettings, origin: Origin) -> None:
    """[fuzz.schemathesis] passes what apitest does not name; a key apitest names belongs to apitest's setting."""
    for dotted in _flatten(settings.schemathesis):
        named = next((v for k, v in _NAMED.items() if dotted == k or dotted.startswith(k + ".")), None)
        if named is None and dotted.startswith("checks.") and dotted.endswith(".enabled"):
            named = "[fuzz] checks and exclude_checks"
        if named is not None:
            raise origin.error(
                f"schemathesis.{dotted} is apitest's {named}; set it there (the command line can then override it)."
            )


def _flatten(table: dict[str, Any], prefix: str = "") -> list[str]:
    keys: list[str] = []
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            keys.extend(_flatten(value, dotted + "."))
        else:
            keys.append(dotted)
    return keys
