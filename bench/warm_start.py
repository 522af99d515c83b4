"""Warm start: how long a fuzz run in a brand-new working folder spends building generation caches.

    python bench/warm_start.py [--runs 3] [--max-examples 5]

Hypothesis builds its unicode tables (by category, and what UTF-8 encodes) and the constants of local source files
before it generates; apitest keeps them in `[run] cache_dir` (APITEST_CACHE_DIR) rather than the working folder.
Each run here is `apitest run` of the demo suite's fuzz items, in a folder of its own against a demo API of its own;
the first with an empty cache folder, the rest with the cache the first left. A child wraps Hypothesis's builders
(`charmap.charmap`, `charmap.intervals_from_codec`, `providers._get_local_constants`) with timers, outermost
calls only, and prints the seconds spent in them. Target (issue 14): under 1 s once the cache exists. Also says
whether anything appeared in the working folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from apitest.target import ServedApp  # noqa: E402
from bench._paired import machine  # noqa: E402


def child(folder: str, out: str) -> int:
    """In the child: time Hypothesis's cache builders around a whole `apitest run`."""
    from hypothesis.internal import charmap
    from hypothesis.internal.conjecture import providers

    spent = {"charmap": 0.0, "intervals_from_codec": 0.0, "local_constants": 0.0}
    depth = [0]

    def timed(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            depth[0] += 1
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    spent[name] += time.perf_counter() - started

        return wrapper

    charmap.charmap = timed("charmap", charmap.charmap)  # type: ignore[method-assign]
    charmap.intervals_from_codec = timed("intervals_from_codec", charmap.intervals_from_codec)  # type: ignore[method-assign]
    providers._get_local_constants = timed("local_constants", providers._get_local_constants)  # type: ignore[attr-defined]
    from apitest.cli import main

    status = main(["run", folder, "-q", "-p", "no:cacheprovider", "--apitest-formats", "json"])
    Path(out).write_text(json.dumps(spent))
    return status


def one_run(folder: Path, cache: Path, max_examples: int) -> tuple[float, dict[str, float], list[str]]:
    served = ServedApp("apitest.demo.app:app", ROOT, "bench", log=folder.parent / f"{folder.name}-serve.log")
    try:
        (folder / "apitest.toml").write_text(
            f'base_url = "{served.base_url}"\n[auth.headers]\nX-API-Key = "demo-key"\n'
            f"[fuzz]\nmax_examples = {max_examples}\nseed = 1\n"
        )
        spent = folder.parent / f"{folder.name}-spent.json"
        env = {k: v for k, v in os.environ.items() if not k.startswith(("HYPOTHESIS_", "APITEST_"))}
        env["APITEST_CACHE_DIR"] = str(cache)
        env["APITEST_REPORT_DIR"] = str(folder.parent / f"{folder.name}-report")
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
        started = time.perf_counter()
        argv = [sys.executable, __file__, "--child", str(folder), str(spent)]
        subprocess.run(argv, cwd=folder, env=env, capture_output=True, check=False, timeout=1800)
        wall = time.perf_counter() - started
        left = sorted(p.name for p in folder.iterdir() if p.name != "apitest.toml")
        return wall, json.loads(spent.read_text()), left
    finally:
        served.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--max-examples", type=int, default=5)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    print(machine("start"), flush=True)
    base = Path(tempfile.mkdtemp(prefix="apitest-bench-warm-"))
    try:
        cache = base / "cache"
        for n in range(1, args.runs + 1):
            folder = base / f"run{n}"
            folder.mkdir()
            wall, spent, left = one_run(folder, cache, args.max_examples)
            state = "empty cache" if n == 1 else "cache from run 1"
            parts = ", ".join(f"{k} {v:.2f} s" for k, v in spent.items())
            print(
                f"run {n} ({state}, brand-new working folder): building generation caches {sum(spent.values()):.2f} s "
                f"({parts}); whole run {wall:.1f} s; left in the working folder: {left or 'nothing'}",
                flush=True,
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(machine("end"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
