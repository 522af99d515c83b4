"""Fuzz throughput: apitest's fuzz items vs the plain schemathesis CLI, on the same work, in paired rounds.

    python bench/fuzz_throughput.py [--max-examples 25] [--seed 1] [--rounds 5] [--tables warm|cold]

Every run gets a working folder of its own (nothing either tool leaves, `.hypothesis/`, `.schemathesis/`, reports,
reaches a later run) and a fresh demo API (uvicorn in a child process on 127.0.0.1, counting the requests it
answers). Both tools get the same spec (fetched from the server), seed, budget, phases (all four), checks (all of
schemathesis's; apitest's follow-up checks, which send requests of their own, are left out, its observers stay),
header and database (none). `--tables`: warm (default) gives both tools Hypothesis's unicode tables already built
in a folder made once for the bench (the CLI through HYPOTHESIS_STORAGE_DIRECTORY, apitest through its cache
folder, APITEST_CACHE_DIR); cold gives neither, so both build them in their fresh folder.

Prints, per round, each side's wall time (the whole command, start-up included), cases and requests counted at the
server; then the median and spread of the per-round ratios apitest / CLI of wall time and of requests per second.
Also times collecting Stripe's spec (452 operations) once, against the 52 s of schemathesis's pytest route.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apitest.fuzz._followup import CHECKS as FOLLOW_UP_CHECKS  # noqa: E402
from apitest.target import ServedApp  # noqa: E402
from bench._paired import Side, machine, paired, ratios  # noqa: E402
from bench._targets import requests_answered  # noqa: E402
from tests.data import stripe_spec  # noqa: E402

BIN = Path(sys.executable).parent
HEADER = ("X-API-Key", "demo-key")


@dataclass(frozen=True)
class Run:
    wall_s: float
    cases: int
    requests: int  # answered by the server, counted there

    @property
    def rate(self) -> float:
        return self.requests / self.wall_s


@dataclass(frozen=True)
class Work:
    max_examples: int
    seed: int
    tables: Path | None  # a warm Hypothesis storage folder both tools read, or None: both build in their folder


def _spec(url: str, folder: Path) -> Path:
    from urllib.request import urlopen

    with urlopen(url + "/openapi.json", timeout=10) as response:
        path = folder / "openapi.json"
        path.write_bytes(response.read())
    return path


def cli_argv(spec: Path, url: str, work: Work, workers: int) -> list[str]:
    """`schemathesis run` with the same work apitest gets: spec, header, seed, budget, checks, phases, no database."""
    return [
        str(BIN / "schemathesis"), "run", spec.name, "--url", url, "-H", f"{HEADER[0]}: {HEADER[1]}",
        "--seed", str(work.seed), "--max-examples", str(work.max_examples), "--checks", "all",
        "--phases", "examples,coverage,fuzzing,stateful", "--generation-database", "none",
        "--workers", str(workers), "--no-color",
    ]  # fmt: skip


def apitest_argv(spec: Path, url: str, work: Work, folder: Path, extra: str = "") -> list[str]:
    """`apitest run` on a suite written into `folder` with the same work as `cli_argv` (`extra`: more [fuzz] lines)."""
    excluded = ", ".join(json.dumps(c) for c in sorted(FOLLOW_UP_CHECKS))
    (folder / "apitest.toml").write_text(
        f'spec = "{spec.name}"\nbase_url = "{url}"\n[auth.headers]\n{HEADER[0]} = "{HEADER[1]}"\n'
        f"[fuzz]\nmax_examples = {work.max_examples}\nseed = {work.seed}\nexclude_checks = [{excluded}]\n"
        "retry_after_pause = 0\n" + extra  # schemathesis does not wait out Retry-After: the same pace for both
    )
    argv = [str(BIN / "apitest"), "run", str(folder), "-q", "-p", "no:cacheprovider", "-p", "no:randomly"]
    return argv + ["--apitest-report-dir", str(folder / "out"), "--apitest-formats", "json"]


def run_cli(folder: Path, work: Work) -> Run:
    served = ServedApp("bench._targets:demo", ROOT, "bench", log=folder / "serve.log")
    try:
        spec = _spec(served.base_url, folder)
        argv = cli_argv(spec, served.base_url, work, workers=1)
        env = _env(work, folder)
        if work.tables is not None:
            env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(work.tables / "hypothesis")
        started = time.perf_counter()
        out = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, check=False, timeout=1800)
        wall = time.perf_counter() - started
        match = re.search(r"Test cases:\s*\n\s*(\d+) generated", out.stdout)
        if not match:
            raise SystemExit("could not read the case count from schemathesis:\n" + out.stdout[-2000:])
        return Run(wall, int(match.group(1)), requests_answered(served.base_url))
    finally:
        served.close()


def run_apitest(folder: Path, work: Work) -> Run:
    served = ServedApp("bench._targets:demo", ROOT, "bench", log=folder / "serve.log")
    try:
        argv = apitest_argv(_spec(served.base_url, folder), served.base_url, work, folder)
        started = time.perf_counter()
        subprocess.run(argv, cwd=folder, env=_env(work, folder), capture_output=True, check=False, timeout=1800)
        wall = time.perf_counter() - started
        report = json.loads((folder / "out" / "report.json").read_text())
        return Run(wall, int(report["summary"]["cases"]), requests_answered(served.base_url))
    finally:
        served.close()


def _env(work: Work, folder: Path) -> dict[str, str]:
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS_", "APITEST_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])  # this apitest
    # apitest's cache of generation tables: the bench's warm one, or one in this run's fresh folder (cold)
    env["APITEST_CACHE_DIR"] = str(work.tables if work.tables is not None else folder / "apitest-cache")
    return env


def warm_tables(folder: Path) -> None:
    """Build Hypothesis's unicode tables once, where both tools will read them (not timed)."""
    code = (
        "from hypothesis.configuration import set_hypothesis_home_dir; import sys\n"
        "set_hypothesis_home_dir(sys.argv[1])\n"
        "from hypothesis.internal import charmap\n"
        "charmap.charmap(); charmap.intervals_from_codec('utf-8')\n"
    )
    subprocess.run([sys.executable, "-c", code, str(folder / "hypothesis")], check=True, timeout=600)


def stripe_collection(folder: Path) -> float:
    stripe_spec(folder)  # tests/data: inside the repository
    (folder / "apitest.toml").write_text('spec = "stripe.json"\nbase_url = "http://127.0.0.1:9"\n')
    started = time.perf_counter()
    out = subprocess.run(
        [str(BIN / "apitest"), "run", str(folder), "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    elapsed = time.perf_counter() - started
    if not re.search(r"^45\d tests collected", out, re.M):  # 452 operations, stateful (and follow-up)
        raise SystemExit("stripe collection failed:\n" + out[-2000:])
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tables", choices=("warm", "cold"), default="warm")
    args = parser.parse_args()
    print(machine("start"), flush=True)
    with tempfile.TemporaryDirectory(prefix="apitest-bench-tables-") as tables:
        work = Work(args.max_examples, args.seed, Path(tables) if args.tables == "warm" else None)
        if work.tables is not None:
            warm_tables(work.tables)
        print(
            f"demo API, seed {args.seed}, max_examples {args.max_examples}, all phases, tables {args.tables}, "
            f"{args.rounds} paired rounds",
            flush=True,
        )
        sides = [
            Side("schemathesis CLI", lambda folder: run_cli(folder, work)),
            Side("apitest", lambda folder: run_apitest(folder, work)),
        ]
        done = []
        for r in paired(sides, args.rounds):
            done.append(r)
            line = "; ".join(
                f"{name} {run.wall_s:.2f} s, {run.cases} cases, {run.requests} requests ({run.rate:.1f}/s)"
                for name in r.order
                for run in [r.results[name]]
            )
            print(f"round {r.number} ({' then '.join(r.order)}): {line}", flush=True)
    wall = ratios(done, lambda run: run.wall_s, "apitest", "schemathesis CLI")
    rate = ratios(done, lambda run: run.rate, "apitest", "schemathesis CLI")
    print(f"wall time, apitest / CLI, per round: {wall.describe()}")
    print(f"requests per second, apitest / CLI, per round: {rate.describe()}")
    with tempfile.TemporaryDirectory(prefix="apitest-bench-stripe-") as folder:
        seconds = stripe_collection(Path(folder))
    print(f"collecting Stripe's 452 operations: {seconds:.2f} s (schemathesis pytest route: 52 s)")
    print(machine("end"))


if __name__ == "__main__":
    main()
