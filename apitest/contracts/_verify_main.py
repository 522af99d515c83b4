"""`python -m apitest.contracts._verify_main`: verify interactions of one pact, one at a time, for the parent.

The parent (apitest.contracts.verification) sends a job as JSON on stdin and reads one JSON event per line on
stdout: `start` and `result` per interaction, or `fatal`. The verifier's own console output goes to stderr.
It runs in a child process so that a verification that hangs (a state handler or a provider that never
answers) can be stopped at its deadline: a thread inside pact's Rust core cannot be.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, TextIO


def main() -> int:
    protocol = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8")
    os.dup2(2, 1)  # pact prints its report to stdout: keep it off the protocol channel
    job = json.loads(sys.stdin.read())
    try:
        from . import _pact
    except ImportError as exc:
        _emit(protocol, {"event": "fatal", "error": f"pact-python cannot be imported ({exc})"})
        return 2
    data = json.loads(Path(job["pact_file"]).read_text(encoding="utf-8"))
    interactions = data["interactions"]
    folder = Path(tempfile.mkdtemp(prefix="apitest-verify-"))
    try:
        for index in job["indices"]:
            _emit(protocol, {"event": "start", "index": index})
            single = folder / f"{index}.json"
            single.write_text(json.dumps({**data, "interactions": [interactions[index]]}), encoding="utf-8")
            started = time.perf_counter()
            result = _pact.verify_interaction(
                provider=job["provider"],
                base_url=job["base_url"],
                pact_file=single,
                state_url=f"{job['state_url']}{index}" if job.get("state_url") else None,
                headers=job.get("headers") or {},
                request_timeout_s=float(job.get("request_timeout_s") or 10.0),
            )
            _emit(
                protocol,
                {"event": "result", "index": index, "elapsed_s": round(time.perf_counter() - started, 4), **result},
            )
    except BrokenPipeError:
        return 1  # the parent is gone
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


def _emit(channel: TextIO, event: dict[str, Any]) -> None:
    channel.write(json.dumps(event) + "\n")
    channel.flush()


if __name__ == "__main__":
    sys.exit(main())
