"""The only module that imports pact-python: a consumer's Pact, writing it, and verifying one interaction.

Imported lazily: by the `pact` fixture when a consumer test asks for it, and by the verifier subprocess
(`apitest.contracts._verify_main`). Never by the plugin at import time.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

# pact-python reports anonymous usage over the internet unless told not to; apitest talks to loopback only.
os.environ.setdefault("PACT_DO_NOT_TRACK", "true")

from pact import Pact, Verifier  # after the environment is set

__all__ = ["ConsumerPact", "core_reads", "descriptions", "verify_interaction", "write_pact"]

_SPECIFICATIONS = {1: "V1", 2: "V1.1", 3: "V2", 4: "V3", 5: "V4"}


class ConsumerPact(Pact):
    """pact-python's `Pact`, serving its mock server on 127.0.0.1 unless told otherwise."""

    served = 0

    def serve(self, addr: str = "127.0.0.1", *args: Any, **kwargs: Any) -> Any:  # the parent's signature
        self.served += 1
        return super().serve(addr, *args, **kwargs)


def new_pact(consumer: str, provider: str, specification: str) -> ConsumerPact:
    return ConsumerPact(consumer, provider).with_specification(specification)


def write_pact(pact: Pact, directory: Path) -> None:
    """Merge the pact's interactions into `directory`'s pact file for this consumer and provider."""
    directory.mkdir(parents=True, exist_ok=True)
    pact.write_file(directory, overwrite=False)


def descriptions(pact: Pact) -> list[str]:
    return [str(i.description) for i in pact.interactions("HTTP")]


def verify_interaction(
    *,
    provider: str,
    base_url: str,
    pact_file: Path,
    state_url: str | None,
    headers: dict[str, str],
    request_timeout_s: float,
) -> dict[str, Any]:
    """Verify the one interaction of `pact_file` against the provider; pact's JSON results and text output."""
    url = urlsplit(base_url)
    verifier = Verifier(provider, host=url.hostname or "127.0.0.1")
    verifier.add_transport(url=base_url)
    verifier.add_source(str(pact_file))
    if state_url is not None:
        verifier.state_handler(state_url, teardown=True, body=True)
    for name, value in headers.items():
        verifier.add_custom_header(name, value)
    verifier.set_request_timeout(max(1, int(request_timeout_s * 1000)))
    verifier.set_coloured_output(enabled=False)
    try:
        verifier.verify()
    except RuntimeError:
        pass  # a failed verification: the details are in `results`
    return {"results": verifier.results, "output": verifier.output(strip_ansi=True)}


def core_reads(text: str) -> str | None:
    """The specification version Pact's Rust core reads a pact file's text as, or None when it refuses the file.

    pact-python 4.2 wraps the core's model parser (`pactffi_parse_pact_json`) only with NotImplementedError, so
    the cffi library it ships is called directly. Only the parsed model is freed: freeing interaction iterators
    crashes pact_ffi 0.5.12.
    """
    from pact_ffi import ffi, lib

    model = lib.pactffi_parse_pact_json(text.encode("utf-8"))
    if model == ffi.NULL:
        return None
    try:
        return _SPECIFICATIONS.get(int(lib.pactffi_pact_spec_version(model)), "unknown")
    finally:
        lib.pactffi_pact_model_delete(model)
