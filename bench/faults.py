"""Each faulty target through `apitest run`, in a fresh folder: the time the faulty requests held the API against
their deadline, the run's wall time and its peak memory.

    python bench/faults.py                       # apitest's default limits (request_timeout 10 s, 10 MiB)
    python bench/faults.py --request-timeout 2   # quicker

The API is tests/apps/faulty.py on 127.0.0.1 (a thread of this process); each run is a child process whose peak
resident memory comes from os.wait4. "held" is the longest any request of the fault kept the API busy, measured at the
API (until apitest hung up); apitest must let go by the deadline: the whole exchange is `request_timeout`.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.apps.faulty import FaultyServer, spec  # noqa: E402

FAULTS = {
    "endless": "chunked body that never ends",
    "trickle": "a byte every 0.5 s, forever",
    "stall": "headers, then nothing",
    "slow-start": "headers after 30 s",
    "big": "50 MB body",
    "reset": "connection reset, unanswered",
    "invalid-json": "a body that is not JSON",
    "invalid-utf8": "JSON that is not UTF-8",
    "wrong-length": "Content-Length 500, 12 bytes sent",
    "redirect-loop": "302 to itself",
    "redirect-off": "302 to another host",
}


def run_one(fault: str, server: FaultyServer, request_timeout: float | None) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"apitest-fault-{fault}-") as tmp:
        folder = Path(tmp)
        (folder / "openapi.json").write_text(json.dumps(spec((fault,))))
        limits = f"request_timeout = {request_timeout}\n" if request_timeout is not None else ""
        (folder / "apitest.toml").write_text(
            f'spec = "openapi.json"\nbase_url = "{server.url}"\n'
            f'[fuzz]\nmax_examples = 5\nseed = 1\nphases = ["examples", "fuzzing"]\n{limits}'
        )
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTEST_ADDOPTS": "-p no:cacheprovider -p no:randomly"}
        started = time.monotonic()
        with (folder / "output.txt").open("wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "apitest", "run", str(folder)], cwd=folder, env=env, stdout=out, stderr=out
            )
            # a run is killed if it takes 5 minutes: a bench must end too
            status, maxrss = _wait(process, timeout=300)
        took = time.monotonic() - started
        report = json.loads((folder / "apitest-report" / "report.json").read_text())
        findings = [f for f in report["findings"] if f["operation"] == f"GET /{fault}"]
        what = ", ".join(
            sorted(
                {f"{f['check']}" + (f"({f['details']['limit']})" if "limit" in f["details"] else "") for f in findings}
            )
        )
        return {"exit": status, "took": took, "maxrss_mb": maxrss / 1024, "found": what or "-"}


def _wait(process: subprocess.Popen[bytes], timeout: float) -> tuple[int, int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return process.returncode, usage.ru_maxrss
        time.sleep(0.05)
    process.kill()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = -9
    return -9, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--request-timeout", type=float, default=None, help="[fuzz] request_timeout (default: 10)")
    parser.add_argument("faults", nargs="*", metavar="FAULT", help=f"some of: {', '.join(FAULTS)} (default: all)")
    args = parser.parse_args()
    unknown = [f for f in args.faults if f not in FAULTS]
    if unknown:
        parser.error(f"unknown fault {unknown[0]!r}: choose from {', '.join(FAULTS)}")
    deadline = args.request_timeout or 10.0
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; request_timeout {deadline:g} s")
    print(
        f"{'fault':<14} {'what the API does':<34} {'held max':>8} {'deadline':>8} {'run':>7} {'exit':>4} {'peak MB':>7}  finding"
    )
    worst = 0.0
    for fault in args.faults or FAULTS:
        with FaultyServer() as server:
            row = run_one(fault, server, args.request_timeout)
            time.sleep(0.2)  # the API notices a hang-up within 0.05 s while it waits, at its next write otherwise
            held = max(server.held.get(fault, [0.0]))
        worst = max(worst, held / deadline)
        print(
            f"{fault:<14} {FAULTS[fault]:<34} {held:>7.2f}s {deadline:>7.1f}s {row['took']:>6.1f}s {row['exit']:>4} "
            f"{row['maxrss_mb']:>7.0f}  {row['found']}"
        )
    print(f"longest request held / deadline: {worst:.2f}")


if __name__ == "__main__":
    main()
