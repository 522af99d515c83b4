"""Benchmark apitest's load item against bare Locust, side by side, in paired rounds on fresh servers.

    python bench/load.py [--seconds 10] [--users 10] [--rounds 5]

1. Throughput: bare `locust --headless` and `apitest run` of a suite with one `[load.NAME]` profile (same
   locustfile, FastHttpUser, users, spawn rate and duration) against nginx on 127.0.0.1 serving a fixed "ok". Every
   run has a working folder and an nginx of its own, whose access log (one `$msec` line per request) is what both
   sides are measured by: requests answered, over the time from the first to the last of them. The order
   alternates; the figure is the median (and spread) of the per-round ratios apitest / bare. Target: >= 0.95.
2. Latency fidelity: the same pair against a server that answers every request after exactly 50 ms
   (asyncio, in a child process), in paired rounds too: each tool's reported p50 and p99 against the true 50 ms.

Needs nginx (`apt-get install nginx`); everything listens on 127.0.0.1 only and is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._paired import Round, Side, machine, paired, ratios  # noqa: E402

BIN = Path(sys.executable).parent

DELAY_S = 0.05
USER_CLASS = """\
from locust import FastHttpUser, constant, task


class Bench(FastHttpUser):
    wait_time = constant(0)

    @task
    def hit(self):
        self.client.get("/", name="GET /")
"""
NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    log_format stamp '$msec $http_user_agent';
    access_log {root}/access.log stamp;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_listening(port: int, process: subprocess.Popen[bytes], what: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"{what} exited with status {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"{what} did not listen on 127.0.0.1:{port}")


@contextmanager
def running(command: list[str], port: int, what: str) -> Iterator[str]:
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, process, what)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def nginx(root: Path) -> Iterator[str]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(binary).exists():
        raise SystemExit("nginx is not installed: apt-get install -y nginx")
    port = free_port()
    conf = root / "nginx.conf"
    conf.write_text(NGINX_CONF.format(root=root, port=port))
    with running([binary, "-c", str(conf), "-p", str(root)], port, "nginx") as url:
        yield url


@contextmanager
def delay_server() -> Iterator[str]:
    port = free_port()
    with running([sys.executable, __file__, "--serve-delay", str(port)], port, "the 50 ms server") as url:
        yield url


def serve_delay(port: int) -> None:
    """A keep-alive HTTP/1.1 server that answers every request after exactly DELAY_S."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.lower().split(b"\r\n")
                        if line.startswith(b"content-length:")
                    ),
                    0,
                )
                if length:
                    await reader.readexactly(length)
                await asyncio.sleep(DELAY_S)
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\ncontent-type: text/plain\r\n\r\nok\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    async def main() -> None:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
        for sock in server.sockets:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


@dataclass(frozen=True)
class Served:
    """What the server saw of one run: requests answered, from the first to the last."""

    requests: int
    window_s: float

    @property
    def rps(self) -> float:
        return self.requests / self.window_s if self.window_s > 0 else 0.0


def served_by_nginx(root: Path) -> Served:
    """FastHttpUser's requests only (geventhttpclient's user agent): apitest's own reachability checks are not load."""
    lines = (line.split(" ", 1) for line in (root / "access.log").read_text().splitlines())
    stamps = [float(stamp) for stamp, agent in lines if "gevent-http-client" in agent]
    return Served(len(stamps), (max(stamps) - min(stamps)) if len(stamps) > 1 else 0.0)


@dataclass(frozen=True)
class Figures:
    requests: int  # as the tool counted them
    p50: float
    p99: float
    served: Served | None = None


def bare_locust(url: str, locustfile: Path, users: int, seconds: int, out: Path) -> Figures:
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", str(users), "-r", str(users)]
    command += ["-t", f"{seconds}s", "-H", url, "--json-file", str(out / "bare"), "--only-summary"]
    command += ["--loglevel", "WARNING"]
    subprocess.run(command, cwd=out, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=seconds + 60)
    (entry,) = [e for e in json.loads((out / "bare.json").read_text()) if e["name"] == "GET /"]
    times = {int(k): v for k, v in entry["response_times"].items()}
    count = entry["num_requests"]
    return Figures(count, _percentile(times, count, 0.5), _percentile(times, count, 0.99))


def apitest_run(url: str, locustfile: Path, users: int, seconds: int, out: Path) -> Figures:
    """`apitest run` of a suite holding one load profile, as a user runs it."""
    suite = out / "suite"
    suite.mkdir()
    (suite / "apitest.toml").write_text(
        f'name = "bench"\nbase_url = "{url}"\n[fuzz]\nenabled = false\n[load]\nlocustfile = "{locustfile}"\n'
        f"[load.bench]\nshape = 'ramp'\nusers = {users}\nspawn_rate = {users}\nduration = {seconds}\n"
    )
    report = out / "report"
    command = [str(BIN / "apitest"), "run", str(suite), "-q", "-p", "no:cacheprovider"]
    command += ["--apitest-report-dir", str(report), "--apitest-formats", "json"]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    subprocess.run(
        command, cwd=out, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=seconds + 120
    )
    (load,) = json.loads((report / "report.json").read_text())["load"]
    total = load["total"]
    return Figures(total["requests"], total["p50_ms"], total["p99_ms"])


Runner = Callable[[str, Path, int, int, Path], Figures]


def _percentile(times: dict[int, int], count: int, q: float) -> float:
    from apitest.load.measurements import percentile

    return percentile(times, count, q)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--latency-rounds", type=int, default=2)
    parser.add_argument("--serve-delay", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_delay:
        serve_delay(args.serve_delay)
        return 0
    print(machine("start"))
    print(f"FastHttpUser, {args.users} users, no think time, {args.seconds} s a run\n")
    with tempfile.TemporaryDirectory(prefix="apitest-bench-load-") as tmp:
        locustfile = Path(tmp) / "bench_user.py"
        locustfile.write_text(USER_CLASS)

        def against_nginx(run: Runner) -> Callable[[Path], Figures]:
            def side(folder: Path) -> Figures:
                with nginx(folder) as url:  # a fresh server, and its log, for this run alone
                    figures = run(url, locustfile, args.users, args.seconds, folder)
                return Figures(figures.requests, figures.p50, figures.p99, served_by_nginx(folder))

            return side

        print('1. Throughput against nginx (return 200 "ok") on 127.0.0.1, counted in its access log')
        sides = [Side("bare locust", against_nginx(bare_locust)), Side("apitest run", against_nginx(apitest_run))]
        done: list[Round[Figures]] = []
        for r in paired(sides, args.rounds):
            done.append(r)
            for name in r.order:
                f = r.results[name]
                assert f.served is not None
                print(
                    f"   round {r.number}  {name:<12} served {f.served.requests:>8,} requests in "
                    f"{f.served.window_s:6.2f} s = {f.served.rps:>8,.0f} req/s (the tool counted {f.requests:,})"
                )
        rps = ratios(done, lambda f: f.served.rps if f.served else 0.0, "apitest run", "bare locust")
        print(f"   requests/s at the server, apitest / bare, per round: {rps.describe()} (target >= 0.95)\n")

        print(f"2. Latency fidelity against a server answering after exactly {DELAY_S * 1000:.0f} ms")

        def against_delay(run: Runner) -> Callable[[Path], Figures]:
            def side(folder: Path) -> Figures:
                with delay_server() as url:
                    return run(url, locustfile, args.users, args.seconds, folder)

            return side

        latency = [Side("bare locust", against_delay(bare_locust)), Side("apitest run", against_delay(apitest_run))]
        for r in paired(latency, args.latency_rounds):
            for name in r.order:
                f = r.results[name]
                print(
                    f"   round {r.number}  {name:<12} p50 {f.p50:>5.0f} ms (+{f.p50 - DELAY_S * 1000:.0f})  "
                    f"p99 {f.p99:>5.0f} ms (+{f.p99 - DELAY_S * 1000:.0f})"
                )
    print("\n" + machine("end"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
