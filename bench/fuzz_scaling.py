"""Fuzzing over several processes: apitest with 1/2/4 processes vs the schemathesis CLI's --workers 1/2/4, paired.

    python bench/fuzz_scaling.py [--rounds 3] [--targets demo,generated] [--processes 1,2,4] [--ways forked,xdist]
                                 [--max-examples 25] [--generated-max-examples 10] [--seed 1]

apitest spreads a suite's operations over N processes two ways: `[fuzz] processes = N` (children forked from the
run, "apitest processes N") and `apitest run -n N` (pytest-xdist workers, "apitest -n N").

Targets: the demo API, and a generated API of 200 operations (bench/_targets.py, 50 resources x create, read,
replace, delete). Every run gets a working folder of its own and a fresh target (uvicorn in a child process on
127.0.0.1 counting the requests it answers), through bench/_paired.py: rotating order, the median and spread of
per-round ratios, load average at start and end. Both tools get the same work, as in fuzz_throughput.py: the same
spec file (fetched from the server), seed, budget, all four phases, all of schemathesis's checks (apitest's
follow-up checks, which send requests of their own, left out), header, no example database, and Hypothesis's unicode
tables already built in a folder made once for the bench. apitest with 1 process is `apitest run` without -n.

Prints, per run, the wall time of the whole command (start-up included), the requests counted at the server and the
findings (apitest: its report's findings, as operation and check; the CLI: its count of unique failures); whether
each apitest -n N run found the same (operation, check) pairs as apitest in one process in the same round; then the
per-round ratios. Target (issue 14): with 2 processes on 2 cores, apitest at most 0.65x its single-process time and
less than the CLI with 2 workers, with the same findings as one process.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apitest.target import ServedApp  # noqa: E402
from bench._paired import Round, Side, machine, paired, ratios  # noqa: E402
from bench._targets import requests_answered  # noqa: E402
from bench.fuzz_throughput import Work, _env, _spec, apitest_argv, cli_argv, warm_tables  # noqa: E402

BIN = Path(sys.executable).parent
TARGETS = {"demo": "bench._targets:demo", "generated": "bench._targets:generated"}


@dataclass(frozen=True)
class Run:
    wall_s: float
    requests: int  # answered by the server, counted there
    findings: int
    pairs: frozenset[tuple[str, str]] = field(default=frozenset())  # apitest: (operation, check) of each finding


def run_cli(folder: Path, app: str, work: Work, workers: int) -> Run:
    served = ServedApp(app, ROOT, "bench", log=folder / "serve.log")
    try:
        spec = _spec(served.base_url, folder)
        argv = cli_argv(spec, served.base_url, work, workers)
        env = _env(work, folder)
        if work.tables is not None:
            env["HYPOTHESIS_STORAGE_DIRECTORY"] = str(work.tables / "hypothesis")
        started = time.perf_counter()
        out = subprocess.run(argv, cwd=folder, env=env, capture_output=True, text=True, check=False, timeout=3600)
        wall = time.perf_counter() - started
        if "Test cases:" not in out.stdout:
            raise SystemExit("schemathesis did not finish:\n" + out.stdout[-2000:] + out.stderr[-2000:])
        match = re.search(r"found (\d+) unique failures?", out.stdout)
        return Run(wall, requests_answered(served.base_url), int(match.group(1)) if match else 0)
    finally:
        served.close()


def run_apitest(folder: Path, app: str, work: Work, processes: int, way: str = "xdist") -> Run:
    served = ServedApp(app, ROOT, "bench", log=folder / "serve.log")
    try:
        extra = f"processes = {processes}\n" if way == "forked" and processes > 1 else ""
        argv = apitest_argv(_spec(served.base_url, folder), served.base_url, work, folder, extra)
        if way == "xdist" and processes > 1:
            argv += ["-n", str(processes)]
        started = time.perf_counter()
        out = subprocess.run(argv, cwd=folder, env=_env(work, folder), capture_output=True, text=True, timeout=3600)
        wall = time.perf_counter() - started
        report_file = folder / "out" / "report.json"
        if not report_file.exists():
            raise SystemExit("apitest wrote no report:\n" + out.stdout[-2000:] + out.stderr[-2000:])
        report = json.loads(report_file.read_text())
        if report["meta"].get("complete") is False or report["errors"]:
            raise SystemExit(f"apitest -n {processes} did not complete: {report['errors']}\n" + out.stdout[-2000:])
        pairs = frozenset((f["operation"] or "", f["check"]) for f in report["findings"])
        return Run(wall, requests_answered(served.base_url), len(report["findings"]), pairs)
    finally:
        served.close()


def bench(target: str, work: Work, processes: list[int], ways: list[str], rounds: int) -> None:
    app = TARGETS[target]
    sides: list[Side[Run]] = []
    for n in processes:
        if n == 1:
            sides.append(Side("apitest 1", lambda folder: run_apitest(folder, app, work, 1)))
        for way in ways if n > 1 else ():
            name = f"apitest processes {n}" if way == "forked" else f"apitest -n {n}"
            sides.append(Side(name, lambda folder, n=n, way=way: run_apitest(folder, app, work, n, way)))  # type: ignore[misc]
        sides.append(Side(f"CLI --workers {n}", lambda folder, n=n: run_cli(folder, app, work, n)))  # type: ignore[misc]
    print(f"\n{target}: seed {work.seed}, max_examples {work.max_examples}, {rounds} paired rounds", flush=True)
    print(machine("start"), flush=True)
    done: list[Round[Run]] = []
    for r in paired(sides, rounds):
        done.append(r)
        one = r.results.get("apitest 1")
        print(f"round {r.number}, in the order {', '.join(r.order)}:", flush=True)
        for side in sides:
            run = r.results[side.name]
            same = ""
            if one is not None and side.name.startswith("apitest") and side.name != "apitest 1":
                if run.pairs == one.pairs:
                    same = ", same findings as 1 process"
                else:
                    same = f", findings differ from 1 process: only here {sorted(run.pairs - one.pairs)}, "
                    same += f"only in 1 process {sorted(one.pairs - run.pairs)}"
            print(
                f"  {side.name:<21} {run.wall_s:7.2f} s  {run.requests:6d} requests  {run.findings:3d} findings{same}",
                flush=True,
            )
    print(f"{target}: per-round ratios of wall time")
    names = [side.name for side in sides]
    for n in processes:
        cli = f"CLI --workers {n}"
        mine = ["apitest 1"] if n == 1 else [m for m in names if m.startswith("apitest") and m.endswith(f" {n}")]
        for name in mine:
            if n > 1 and "apitest 1" in names:
                print(f"  {name} / apitest 1: {ratios(done, lambda run: run.wall_s, name, 'apitest 1').describe()}")
            print(f"  {name} / {cli}: {ratios(done, lambda run: run.wall_s, name, cli).describe()}")
        if n > 1 and "CLI --workers 1" in names:
            print(
                f"  {cli} / CLI --workers 1: {ratios(done, lambda run: run.wall_s, cli, 'CLI --workers 1').describe()}"
            )
    print(machine("end"), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--targets", default="demo,generated")
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--ways", default="forked,xdist", help="forked ([fuzz] processes), xdist (-n), or both")
    parser.add_argument("--max-examples", type=int, default=25)
    parser.add_argument("--generated-max-examples", type=int, default=10)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    processes = [int(p) for p in args.processes.split(",")]
    with tempfile.TemporaryDirectory(prefix="apitest-bench-tables-") as tables:
        warm_tables(Path(tables))
        for target in args.targets.split(","):
            budget = args.generated_max_examples if target == "generated" else args.max_examples
            bench(target, Work(budget, args.seed, Path(tables)), processes, args.ways.split(","), args.rounds)


if __name__ == "__main__":
    main()
