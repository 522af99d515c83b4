"""Bug finding: apitest against plain `schemathesis run`, same spec, seed, budget, checks and headers, on a fresh
target for every run, alternating which tool goes first.

    python bench/bugfinding.py                              # the buggy demo: 10, 25, 100 examples x seeds 1, 2, 3
    python bench/bugfinding.py --budgets 25 --seeds 1       # one round
    python bench/bugfinding.py --httpbin /path/to/venv/bin/python   # also httpbin, a real open-source API

For each run it prints the (operation, check) failures of each tool: what schemathesis reported that apitest did
not (must be empty: apitest adds, never subtracts), what apitest reported beyond it (its own checks apart), the
demo's planted bugs each caught (apitest/demo/bugs.py) and the wall time of each. httpbin is not installed with
apitest; put it in a venv of its own (`python3 -m venv /tmp/httpbin && /tmp/httpbin/bin/pip install
'httpbin[mainapp]==0.10.4' gunicorn`) and pass that venv's python. It is served on 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apitest.demo.bugs import PLANTED_BUGS  # noqa: E402
from apitest.target import ServedApp  # noqa: E402
from tests.parity import Budget, Outcome, Pair, run_apitest, run_schemathesis  # noqa: E402

DEMO_HEADERS = {"X-API-Key": "demo-key"}
DEMO_SECONDARY = {"X-API-Key": "demo-key-2"}  # the demo's second user: both tools get both


@dataclass(frozen=True)
class Target:
    name: str
    serve: Callable[[Path], contextlib.AbstractContextManager[str]]  # -> base URL
    spec: Callable[[str, Path], Path]  # base URL, folder -> spec file
    headers: dict[str, str]
    max_response_time: float | None = None
    secondary: dict[str, str] | None = None


@contextlib.contextmanager
def demo_served(folder: Path) -> Iterator[str]:
    served = ServedApp("apitest.demo.app:buggy_app", ROOT, "bench", log=folder / "demo.log")
    try:
        yield served.base_url
    finally:
        served.close()


def demo_spec(base_url: str, folder: Path) -> Path:
    path = folder / "demo.json"
    with urllib.request.urlopen(base_url + "/openapi.json", timeout=10) as response:
        path.write_bytes(response.read())
    return path


def httpbin(python: str) -> Target:
    @contextlib.contextmanager
    def served(folder: Path) -> Iterator[str]:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        log = (folder / "httpbin.log").open("wb")
        argv = [python, "-m", "gunicorn", "-b", f"127.0.0.1:{port}", "--workers", "1", "--worker-class", "gthread"]
        argv += ["--threads", "16", "--timeout", "30", "--graceful-timeout", "2", "--no-control-socket", "httpbin:app"]
        proc = subprocess.Popen(argv, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    urllib.request.urlopen(url + "/get", timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            yield url
        finally:
            proc.terminate()
            proc.wait(10)
            log.close()

    def spec(base_url: str, folder: Path) -> Path:
        path = folder / "httpbin.json"
        with urllib.request.urlopen(base_url + "/spec.json", timeout=10) as response:
            path.write_bytes(response.read())
        return path

    return Target("httpbin", served, spec, {})


def planted(found: frozenset[Pair]) -> int:
    return sum(any((bug.operation, check) in found for check in bug.checks) for bug in PLANTED_BUGS)


def one_run(target: Target, budget: Budget, tool: str) -> tuple[Outcome, frozenset[Pair]]:
    with tempfile.TemporaryDirectory(prefix="bugfinding-") as tmp:
        folder = Path(tmp)
        with target.serve(folder) as base_url:
            spec = target.spec(base_url, folder)
            if tool == "schemathesis":
                return run_schemathesis(spec, base_url, budget), frozenset()
            return run_apitest(spec, base_url, budget)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--budgets", type=int, nargs="+", default=[10, 25, 100])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--httpbin", metavar="PYTHON", help="the python of a venv with httpbin and gunicorn")
    parser.add_argument("--no-demo", action="store_true")
    args = parser.parse_args()
    demo = Target("demo", demo_served, demo_spec, DEMO_HEADERS, max_response_time=0.5, secondary=DEMO_SECONDARY)
    targets = [] if args.no_demo else [demo]
    if args.httpbin:
        targets.append(httpbin(args.httpbin))
    print(
        f"{'target':8} {'ex':>4} {'seed':>4}  {'st':>4} {'api':>4} {'missing':>7} {'extra':>5} {'own':>4}"
        f"  {'planted st/api':>14}  {'wall st/api s':>14}"
    )
    rounds = 0
    for target in targets:
        for n in args.budgets:
            for seed in args.seeds:
                budget = Budget(seed, n, target.headers, target.max_response_time, secondary=target.secondary or {})
                order = ("schemathesis", "apitest") if rounds % 2 == 0 else ("apitest", "schemathesis")
                rounds += 1
                results = {tool: one_run(target, budget, tool) for tool in order}
                st, _ = results["schemathesis"]
                api, own = results["apitest"]
                missing = st.failures - api.failures
                extra = api.failures - st.failures
                hits = f"{planted(st.failures)}/{planted(api.failures | own)}" if target.name == "demo" else "-"
                print(
                    f"{target.name:8} {n:>4} {seed:>4}  {len(st.failures):>4} {len(api.failures):>4} {len(missing):>7}"
                    f" {len(extra):>5} {len(own):>4}  {hits:>14}  {st.wall_s:>6.1f}/{api.wall_s:<6.1f}",
                    flush=True,
                )
                for pair in sorted(missing):
                    print(f"    missing: {pair[0]} {pair[1]}")
                for pair in sorted(extra):
                    print(f"    extra:   {pair[0]} {pair[1]}")
                for pair in sorted(own):
                    print(f"    own:     {pair[0]} {pair[1]}")
    print(json.dumps({"rounds": rounds}))


if __name__ == "__main__":
    main()
