"""Fuzz throughput: apitest's fuzz items vs the plain schemathesis CLI, same spec, seed and budget, same server.

    python bench/fuzz_throughput.py [--max-examples 25] [--seed 1] [--rounds 3]

Serves the embedded demo API with uvicorn in its own process on 127.0.0.1 (a fresh one for every run), then runs,
in turn (alternating which goes first), `schemathesis run` and `apitest run` against it (all phases, all checks) and prints the cases per second of each
(wall time of the whole command: startup included on both sides) and their ratio. Also prints how long collecting
Stripe's spec (452 operations) takes, against the 52 s measured for schemathesis's pytest route (DESIGN.md).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from apitest.target import ServedApp

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]
STRIPE = ROOT.parent / "shared" / "specs" / "stripe.json"


@contextlib.contextmanager
def served_demo(folder: Path) -> Iterator[str]:
    """The demo API served the way a suite's `serve` does: uvicorn in a child process on a free 127.0.0.1 port."""
    served = ServedApp("apitest.demo.app:app", ROOT, "bench", log=folder / "serve.log")
    try:
        yield served.base_url
    finally:
        served.close()


def run_schemathesis(url: str, max_examples: int, seed: int) -> tuple[int, float]:
    argv = [
        str(BIN / "schemathesis"), "run", f"{url}/openapi.json", "-H", "X-API-Key: demo-key",
        "--seed", str(seed), "--max-examples", str(max_examples), "--checks", "all",
        "--phases", "examples,coverage,fuzzing,stateful",
    ]  # fmt: skip
    started = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True, check=False).stdout
    elapsed = time.perf_counter() - started
    match = re.search(r"Test cases:\s*\n\s*(\d+) generated", out)
    if not match:
        raise SystemExit("could not read the case count from schemathesis:\n" + out[-2000:])
    return int(match.group(1)), elapsed


def run_apitest(url: str, max_examples: int, seed: int, folder: Path) -> tuple[int, float]:
    (folder / "apitest.toml").write_text(
        f'spec = "{url}/openapi.json"\nbase_url = "{url}"\n[auth.headers]\nX-API-Key = "demo-key"\n'
        f"[fuzz]\nmax_examples = {max_examples}\nseed = {seed}\n"
    )
    started = time.perf_counter()
    subprocess.run(
        [
            str(BIN / "apitest"),
            "run",
            str(folder),
            "-q",
            "--apitest-report-dir",
            str(folder / "out"),
            "--apitest-formats",
            "json",
        ],
        capture_output=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    report = json.loads((folder / "out" / "report.json").read_text())
    return int(report["summary"]["cases"]), elapsed


def stripe_collection(folder: Path) -> float:
    (folder / "stripe").mkdir()
    shutil.copy(STRIPE, folder / "stripe" / "stripe.json")
    (folder / "stripe" / "apitest.toml").write_text('spec = "stripe.json"\nbase_url = "http://127.0.0.1:9"\n')
    started = time.perf_counter()
    out = subprocess.run(
        [str(BIN / "apitest"), "run", str(folder / "stripe"), "--collect-only", "-q"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    elapsed = time.perf_counter() - started
    if "453 tests collected" not in out:
        raise SystemExit("stripe collection failed:\n" + out[-2000:])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        st_rates: list[float] = []
        at_rates: list[float] = []
        for i in range(args.rounds):
            # A fresh server for every run, so neither side inherits the other's leftovers (the demo's store grows
            # as it is fuzzed), and the order alternates, so neither always runs on a warmer machine.
            def cli() -> tuple[int, float]:
                with served_demo(Path(tmp)) as url:
                    return run_schemathesis(url, args.max_examples, args.seed)

            def ours() -> tuple[int, float]:
                with served_demo(Path(tmp)) as url:
                    return run_apitest(url, args.max_examples, args.seed, Path(tmp))

            if i % 2:
                (at_cases, at_time), (st_cases, st_time) = ours(), cli()
            else:
                (st_cases, st_time), (at_cases, at_time) = cli(), ours()
            st_rates.append(st_cases / st_time)
            at_rates.append(at_cases / at_time)
            print(
                f"round {i + 1}: schemathesis CLI {st_cases} cases in {st_time:.2f} s = {st_rates[-1]:.1f} cases/s | "
                f"apitest {at_cases} cases in {at_time:.2f} s = {at_rates[-1]:.1f} cases/s",
                flush=True,
            )
        for name, pick in (("best", max), ("median", statistics.median)):
            st, at = pick(st_rates), pick(at_rates)
            print(
                f"{name} of {args.rounds}: schemathesis CLI {st:.1f} cases/s, apitest {at:.1f} cases/s, ratio {at / st:.2f}"
            )
        if STRIPE.exists():
            print(
                f"collecting Stripe's 452 operations: {stripe_collection(Path(tmp)):.2f} s (schemathesis pytest route: 52 s)"
            )


if __name__ == "__main__":
    main()
