"""Benchmark apitest's load item against bare Locust, side by side against the same local servers.

    python bench/load.py [--seconds 10] [--users 10] [--rounds 5]

1. Throughput: requests/s of bare `locust --headless` and of apitest's `load[...]` item (run by pytest, with the
   same locustfile, users and spawn rate) against nginx on 127.0.0.1 serving a fixed "ok"; rounds alternate.
   Both figures are requests / run time. Target: apitest/bare >= 0.95.
2. Latency fidelity: the same pair against a server that answers every request after exactly 50 ms
   (asyncio, in a child process): reported p50 and p99 against the true 50 ms.

Needs nginx (`apt-get install nginx`); everything listens on 127.0.0.1 only and is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
    access_log off;
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


def bare_locust(url: str, locustfile: Path, users: int, seconds: int, out: Path) -> dict[str, float]:
    stats = out / "bare.json"
    command = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", str(users), "-r", str(users)]
    command += [
        "-t",
        f"{seconds}s",
        "-H",
        url,
        "--json-file",
        str(out / "bare"),
        "--only-summary",
        "--loglevel",
        "WARNING",
    ]
    subprocess.run(command, cwd=out, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=seconds + 60)
    (entry,) = [e for e in json.loads(stats.read_text()) if e["name"] == "GET /"]
    times = {int(k): v for k, v in entry["response_times"].items()}
    return {
        "requests": entry["num_requests"],
        "rps": entry["num_requests"] / seconds,
        "p50": _percentile(times, entry["num_requests"], 0.5),
        "p99": _percentile(times, entry["num_requests"], 0.99),
    }


def apitest_item(url: str, locustfile: Path, users: int, seconds: int, out: Path) -> dict[str, float]:
    suite = out / "suite"
    suite.mkdir(exist_ok=True)
    (suite / "apitest.toml").write_text(
        f'name = "bench"\nbase_url = "{url}"\n[fuzz]\nenabled = false\n[load]\nlocustfile = "{locustfile}"\n'
        f"[load.bench]\nshape = 'ramp'\nusers = {users}\nspawn_rate = {users}\nduration = {seconds}\n"
    )
    (suite / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    report = out / "report"
    command = [sys.executable, "-m", "pytest", str(suite), "-q", "-p", "no:locust", f"--apitest-report-dir={report}"]
    subprocess.run(command, cwd=suite, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=seconds + 120)
    (load,) = json.loads((report / "report.json").read_text())["load"]
    total = load["total"]
    return {"requests": total["requests"], "rps": total["rps"], "p50": total["p50_ms"], "p99": total["p99_ms"]}


def _percentile(times: dict[int, int], count: int, q: float) -> float:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from apitest.load.measurements import percentile

    return percentile(times, count, q)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--users", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--serve-delay", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_delay:
        serve_delay(args.serve_delay)
        return 0
    with tempfile.TemporaryDirectory(prefix="apitest-bench-load-") as tmp:
        root = Path(tmp)
        locustfile = root / "bench_user.py"
        locustfile.write_text(USER_CLASS)
        print(
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}; FastHttpUser, {args.users} users, no think time, {args.seconds} s a run\n"
        )
        print('1. Throughput against nginx (return 200 "ok") on 127.0.0.1')
        bare_rps: list[float] = []
        item_rps: list[float] = []
        pair = [("bare locust --headless", bare_locust, bare_rps), ("apitest load item", apitest_item, item_rps)]
        with nginx(root) as url:
            for round_ in range(1, args.rounds + 1):
                for name, run, into in pair if round_ % 2 else pair[::-1]:  # alternate who goes first
                    out = root / f"{name.split()[0]}-{round_}"
                    out.mkdir()
                    figures = run(url, locustfile, args.users, args.seconds, out)
                    into.append(figures["rps"])
                    print(
                        f"   round {round_}  {name:<24} {figures['requests']:>8,} requests  {figures['rps']:>8,.0f} req/s"
                    )
        ratio = statistics.median(item_rps) / statistics.median(bare_rps)
        paired = statistics.median(i / b for i, b in zip(item_rps, bare_rps, strict=True))
        print(f"   median of the rounds' apitest/bare ratios (each pair ran back to back): {paired:.3f}")
        print(
            f"   median: bare {statistics.median(bare_rps):,.0f} req/s, apitest {statistics.median(item_rps):,.0f} req/s, ratio {ratio:.3f} (target >= 0.95)\n"
        )
        print(f"2. Latency fidelity against a server answering after exactly {DELAY_S * 1000:.0f} ms")
        with delay_server() as url:
            for name, run in (("bare locust --headless", bare_locust), ("apitest load item", apitest_item)):
                out = root / f"delay-{name.split()[0]}"
                out.mkdir()
                figures = run(url, locustfile, args.users, args.seconds, out)
                print(
                    f"   {name:<24} p50 {figures['p50']:>5.0f} ms (+{figures['p50'] - DELAY_S * 1000:.0f})  "
                    f"p99 {figures['p99']:>5.0f} ms (+{figures['p99'] - DELAY_S * 1000:.0f})  {figures['rps']:,.0f} req/s"
                )
        print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (other processes on these CPUs skew every figure)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
