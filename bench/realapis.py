"""Real APIs: apitest against plain `schemathesis run` on five open-source servers (bench/realapis/README.md), same
spec, seed, budget, checks and headers, a fresh server on a free 127.0.0.1 port for every tool run, alternating which
tool goes first.

    python bench/realapis.py                                   # all five: seed 1, 25 examples, one round
    python bench/realapis.py --apis kinto prefect --rounds 3   # two of them, three rounds each
    python bench/realapis.py --venvs /elsewhere                # the venvs at /elsewhere/<api>/venv
    python bench/realapis.py --processes 2 --rounds 2          # apitest over two processes (docs/audit.md)

Each API runs from a venv of its own: `bench/realapis/<api>/install.sh` makes `bench/realapis/<api>/venv` (exact pins
in requirements.lock); an API without one is skipped, saying so. `bench/realapis/<api>/start.sh PORT` serves it with
fresh state in a temporary folder; the spec is fetched from the running server (fuzz.env's SPEC_PATH) before every
tool run. For each API and round it prints the (operation, check) failures of each tool, what schemathesis reported
that apitest did not (missing: must be empty, apitest adds, never subtracts), what apitest reported beyond it (extra,
its own checks apart: own), the cases and the wall time of each; the load average at the start and at the end.

As root, with `unshare` and `ip` at hand, the whole run happens in a new network namespace with only loopback
(`unshare -n`), so neither a server nor a fuzzer can reach anything but 127.0.0.1; otherwise it runs in the host's
network (the servers bind 127.0.0.1 only, and each start.sh turns telemetry off). The output says which.
Run from the repository's root with its venv's python; a copy kept outside the repository finds the checkout as the
working folder. Server logs and a results.json are kept under bench/realapis/runs/ (git-ignored), or --out.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
APIS_DIR = HERE / "realapis"
APIS = ("httpbin", "kinto", "jupyter-server", "chromadb", "prefect")
TOOLS = ("schemathesis", "apitest")
NETNS_MARK = "APITEST_REALAPIS_NETNS"  # set once the run has re-executed itself under `unshare -n`


def _checkout() -> Path:
    """The apitest checkout: this file's grandparent in the repository (bench/realapis.py), else the working folder."""
    for candidate in (HERE.parent, Path.cwd()):
        if (candidate / "tests" / "parity.py").is_file() and (candidate / "apitest").is_dir():
            return candidate.resolve()
    sys.exit(f"no apitest checkout (tests/parity.py) at {HERE.parent} or {Path.cwd()}: run from the repository's root")


ROOT = _checkout()
sys.path.insert(0, str(ROOT))
# The tools run as `python -m apitest` / `python -m schemathesis.cli` subprocesses: the same checkout as here.
os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])

import apitest  # noqa: E402
from bench._paired import machine  # noqa: E402
from tests.parity import Budget, Outcome, Pair, run_apitest, run_schemathesis  # noqa: E402


@dataclass(frozen=True)
class Api:
    name: str
    folder: Path  # start.sh and fuzz.env
    venv: Path
    base_path: str  # appended to http://127.0.0.1:PORT for the fuzzers
    ready_path: str  # answers 200 once the server is up
    spec_path: str  # the server's own spec
    headers: dict[str, str]


@dataclass(frozen=True)
class Run:
    outcome: Outcome | None  # None: the run failed, see error
    own: frozenset[Pair]
    error: str = ""


def read_env(path: Path) -> dict[str, str]:
    """fuzz.env: `KEY="value"` lines (valid bash too), `#` comments."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            words = shlex.split(value)
            values[key.strip()] = words[0] if words else ""
    return values


def load_api(name: str, venvs: Path | None) -> Api:
    folder = APIS_DIR / name
    env = read_env(folder / "fuzz.env")
    headers: dict[str, str] = {}
    for key, value in env.items():
        if key.startswith("HEADER"):  # HEADER="Name: value"
            header, _, header_value = value.partition(":")
            headers[header.strip()] = header_value.strip()
    venv = (venvs / name / "venv") if venvs else folder / "venv"
    return Api(name, folder, venv, env["BASE_URL_PATH"], env["READY_PATH"], env["SPEC_PATH"], headers)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get(url: str, headers: dict[str, str], timeout: float) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout) as response:
        body: bytes = response.read()
        return body


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to start.sh (it stops its server and removes its temporary folder), then SIGKILL to its process group:
    whatever it left (jupyter's kernels, a server that ignored SIGTERM)."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # start_new_session: the group is start.sh's, and only its children's
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(10)


@contextlib.contextmanager
def served(api: Api, log: Path, ready_timeout: float) -> Iterator[str]:
    """`start.sh PORT` on a free port, until its READY_PATH answers 200; yields http://127.0.0.1:PORT."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}  # the server's own venv
    env["REALAPI_VENV"] = str(api.venv)
    scratch = Path(tempfile.mkdtemp(prefix=f"realapis-{api.name}-"))  # start.sh's state goes in here
    env["REALAPI_TMPDIR"] = str(scratch)
    with log.open("wb") as out:
        argv = ["bash", str(api.folder / "start.sh"), str(port)]
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env, start_new_session=True
        )
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + ready_timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"start.sh exited with {proc.returncode} before it was ready (log: {log})")
                try:
                    get(url + api.ready_path, api.headers, 2)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"not ready after {ready_timeout:.0f} s (log: {log})") from None
                    time.sleep(0.5)
            yield url
        finally:
            stopped = time.monotonic()
            stop(proc)
            # start.sh removes its state when the server stops in time; not when it had to be killed
            shutil.rmtree(scratch, ignore_errors=True)
            out.write(f"\n[bench/realapis.py] server stopped in {time.monotonic() - stopped:.1f} s\n".encode())


def fetch_spec(api: Api, url: str, folder: Path) -> Path:
    """The running server's own spec, as JSON (jupyter-server serves YAML)."""
    body = get(url + api.spec_path, api.headers, 30)
    if api.spec_path.endswith((".yaml", ".yml")):
        import yaml

        body = json.dumps(yaml.safe_load(body), indent=1).encode()
    path = folder / "spec.json"
    path.write_bytes(body)
    return path


def one_run(api: Api, tool: str, budget: Budget, folder: Path, args: argparse.Namespace) -> Run:
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with served(api, folder / "server.log", args.ready_timeout) as url:
            spec = fetch_spec(api, url, folder)
            if tool == "schemathesis":
                return Run(run_schemathesis(spec, url + api.base_path, budget, timeout=args.timeout), frozenset())
            outcome, own = run_apitest(spec, url + api.base_path, budget, timeout=args.timeout)
            return Run(outcome, own)
    except subprocess.TimeoutExpired:
        return Run(None, frozenset(), f"{tool} timed out after {args.timeout:.0f} s")
    except (OSError, RuntimeError, ValueError, KeyError) as exc:  # no server, no spec, no report
        return Run(None, frozenset(), f"{type(exc).__name__}: {exc}")


def network(allowed: bool) -> str:
    """Re-executes this run under `unshare -n` when it can (root, unshare and ip at hand); says where it runs."""
    if os.environ.get(NETNS_MARK) == "1":
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
        return "network: a loopback-only namespace (unshare -n)"
    host = "network: the host's (servers bind 127.0.0.1 only)"
    if not allowed:
        return f"{host}, --no-netns"
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("ip"):
        return f"{host}; unshare -n needs root, unshare and ip"
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True, timeout=10, check=False)
    if probe.returncode != 0:
        return f"{host}; unshare -n failed: {probe.stderr.decode(errors='replace').strip()}"
    sys.stdout.flush()
    argv = ["unshare", "-n", sys.executable, str(Path(__file__).resolve()), *sys.argv[1:]]
    os.execvpe("unshare", argv, {**os.environ, NETNS_MARK: "1"})


def pairs(found: frozenset[Pair]) -> list[list[str]]:
    return [list(pair) for pair in sorted(found)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--apis", nargs="+", choices=APIS, default=list(APIS))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--examples", type=int, default=25, help="max examples per operation")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument(
        "--processes", type=int, default=1, help="apitest's [fuzz] processes (its findings then differ: docs/audit.md)"
    )
    parser.add_argument("--request-timeout", type=float, default=5.0, help="seconds, both tools")
    parser.add_argument("--timeout", type=float, default=900, help="seconds for one tool's run")
    parser.add_argument("--ready-timeout", type=float, default=180, help="seconds for a server to answer")
    parser.add_argument("--venvs", type=Path, help="a folder holding <api>/venv (default: bench/realapis)")
    parser.add_argument("--out", type=Path, help="server logs and results.json (default: bench/realapis/runs/TIME)")
    parser.add_argument("--no-netns", action="store_true", help="do not run under unshare -n, even as root")
    args = parser.parse_args()
    if args.rounds < 1:
        parser.error("--rounds must be at least 1")
    where = network(not args.no_netns)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # the servers are stopped on the way out
    out: Path = args.out or APIS_DIR / "runs" / time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    print(f"apitest {Path(apitest.__file__).parent}, schemathesis {metadata.version('schemathesis')}, {where}")
    print(
        f"seed {args.seed}, {args.examples} examples, {args.rounds} round(s), apitest processes {args.processes}, logs in {out}"
    )
    print(machine("start"), flush=True)
    print(
        f"{'api':15} {'rnd':>3} {'first':12} {'st':>4} {'api':>4} {'missing':>7} {'extra':>5} {'own':>4}"
        f"  {'cases st/api':>13}  {'wall st/api s':>13}",
        flush=True,
    )
    results: list[dict[str, Any]] = []
    runs = 0
    try:
        for name in args.apis:
            api = load_api(name, args.venvs)
            if not (api.venv / "bin").is_dir():
                hint = f"bench/realapis/{name}/install.sh" if args.venvs is None else f"--venvs: no {api.venv}"
                print(f"{name:15} skipped: no venv at {api.venv}: run {hint}", flush=True)
                results.append({"api": name, "skipped": f"no venv at {api.venv}"})
                continue
            budget = Budget(
                args.seed, args.examples, api.headers, request_timeout=args.request_timeout, processes=args.processes
            )
            for number in range(1, args.rounds + 1):
                order = TOOLS if runs % 2 == 0 else TOOLS[::-1]
                runs += 1
                done = {tool: one_run(api, tool, budget, out / name / f"round{number}-{tool}", args) for tool in order}
                st, at = done["schemathesis"], done["apitest"]
                row: dict[str, Any] = {"api": name, "round": number, "order": list(order)}
                if st.outcome is None or at.outcome is None:
                    errors = {tool: run.error for tool, run in done.items() if run.error}
                    print(f"{name:15} {number:>3} {order[0]:12} failed: {errors}", flush=True)
                    results.append({**row, "errors": errors})
                    continue
                missing = st.outcome.failures - at.outcome.failures
                extra = at.outcome.failures - st.outcome.failures
                print(
                    f"{name:15} {number:>3} {order[0]:12} {len(st.outcome.failures):>4} {len(at.outcome.failures):>4}"
                    f" {len(missing):>7} {len(extra):>5} {len(at.own):>4}"
                    f"  {st.outcome.cases:>6}/{at.outcome.cases:<6}  {st.outcome.wall_s:>6.1f}/{at.outcome.wall_s:<6.1f}",
                    flush=True,
                )
                for label, found in (("missing", missing), ("extra", extra), ("own", at.own)):
                    for operation, check in sorted(found):
                        print(f"    {label + ':':8} {operation} {check}", flush=True)
                results.append(
                    {
                        **row,
                        **{f"{tool}_pairs": pairs(run.outcome.failures) for tool, run in done.items() if run.outcome},
                        "missing": pairs(missing),
                        "extra": pairs(extra),
                        "own": pairs(at.own),
                        "cases": {tool: run.outcome.cases for tool, run in done.items() if run.outcome},
                        "wall_s": {tool: round(run.outcome.wall_s, 1) for tool, run in done.items() if run.outcome},
                    }
                )
    except KeyboardInterrupt:
        print("interrupted: the servers were stopped", flush=True)
        raise SystemExit(130) from None
    finally:
        (out / "results.json").write_text(json.dumps(results, indent=1) + "\n")
        print(machine("end"), flush=True)
    failed = sum("errors" in r for r in results)
    print(json.dumps({"runs": runs, "failed": failed, "results": str(out / "results.json")}))
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
