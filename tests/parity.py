"""Runs plain `schemathesis run` and apitest on the same spec, seed, budget, checks and a fresh target each, and
reads what each reported as (operation, check) pairs. Used by tests/fuzz/test_parity.py and bench/bugfinding.py."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from apitest.fuzz import _engine, deadlines

# `python -m schemathesis.cli`, not the venv's `bin/schemathesis` launcher: Hypothesis draws literals from local
# modules, and the launcher script is one (apitest/fuzz/determinism.py); the module alone draws as apitest does.
SCHEMATHESIS = (sys.executable, "-m", "schemathesis.cli")
OWN_CHECKS = (
    *_engine.OWN_CHECKS,
    _engine.CONNECTION_DROPPED,
    deadlines.CHECK,
)  # apitest's, which schemathesis does not have

Pair = tuple[str, str]  # (operation, check)


@dataclass(frozen=True)
class Budget:
    seed: int
    max_examples: int
    headers: Mapping[str, str] = field(default_factory=dict)
    max_response_time: float | None = None
    # A second user's headers: apitest's [auth.secondary.headers]; schemathesis gets both users as [auth.wfc] peers.
    secondary: Mapping[str, str] = field(default_factory=dict)
    request_timeout: float = 10.0
    processes: int = 1  # apitest's [fuzz] processes; schemathesis always runs one worker


@dataclass(frozen=True)
class Outcome:
    failures: frozenset[Pair]
    cases: int
    wall_s: float


def run_schemathesis(spec: Path, base_url: str, budget: Budget, timeout: float = 900) -> Outcome:
    """`schemathesis run` in a fresh working folder (no example database or cache of earlier runs)."""
    work = Path(tempfile.mkdtemp(prefix="parity-st-"))
    try:
        shutil.copy(spec, work / spec.name)
        events = work / "events.ndjson"
        argv = [*SCHEMATHESIS, "run", spec.name, "--url", base_url, "--seed", str(budget.seed)]
        argv += ["--max-examples", str(budget.max_examples), "--checks", "all", "--generation-database", "none"]
        argv += ["--request-timeout", str(budget.request_timeout), "--no-color", "--workers", "1"]
        argv += ["--report", "ndjson", "--report-ndjson-path", str(events)]
        if budget.secondary:
            users = [
                {"name": name, "fixedHeaders": [{"name": k, "value": v} for k, v in headers.items()]}
                for name, headers in (("primary", budget.headers), ("secondary", budget.secondary))
            ]
            (work / "users.json").write_text(json.dumps({"auth": users}))
            wfc = '[auth.wfc]\npath = "users.json"\nuser = "primary"\npeers = ["primary", "secondary"]\n'
            (work / "schemathesis.toml").write_text(wfc)
        else:
            for name, value in budget.headers.items():
                argv += ["-H", f"{name}: {value}"]
        if budget.max_response_time is not None:
            argv += ["--max-response-time", str(budget.max_response_time)]
        started = time.perf_counter()
        subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=timeout, check=False)
        wall = time.perf_counter() - started
        failures: set[Pair] = set()
        cases = 0
        for line in events.read_text().splitlines():
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if not finished:
                continue
            recorder = finished["recorder"]
            cases += len(recorder.get("interactions") or {})
            for checks in (recorder.get("checks") or {}).values():
                for check in checks:
                    if check.get("status") == "failure":
                        failure = (check.get("failure_info") or {}).get("failure") or {}
                        failures.add((failure.get("operation") or recorder["label"], check["name"]))
        return Outcome(frozenset(failures), cases, wall)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_apitest(spec: Path, base_url: str, budget: Budget, timeout: float = 900) -> tuple[Outcome, frozenset[Pair]]:
    """`apitest run` of a suite naming the same spec, seed, budget and headers, in a fresh working folder.

    Returns the engine's checks' failures and, apart, apitest's own checks' findings.
    """
    work = Path(tempfile.mkdtemp(prefix="parity-apitest-"))
    try:
        shutil.copy(spec, work / spec.name)
        toml = [f'spec = "{spec.name}"', f'base_url = "{base_url}"']
        if budget.headers:
            toml.append("[auth.headers]")
            toml += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in budget.headers.items()]
        if budget.secondary:
            toml.append("[auth.secondary.headers]")
            toml += [f"{json.dumps(k)} = {json.dumps(v)}" for k, v in budget.secondary.items()]
        toml += ["[fuzz]", f"seed = {budget.seed}", f"max_examples = {budget.max_examples}"]
        toml.append(f"request_timeout = {budget.request_timeout}")
        toml.append("retry_after_pause = 0")  # schemathesis does not wait out Retry-After: the same pace for both
        if budget.processes > 1:
            toml.append(f"processes = {budget.processes}")
        if budget.max_response_time is not None:
            toml.append(f"max_response_time = {budget.max_response_time}")
        (work / "apitest.toml").write_text("\n".join(toml) + "\n")
        argv = [sys.executable, "-m", "apitest", "run", str(work), "-q", "-p", "no:cacheprovider"]
        argv += ["--apitest-report-dir", str(work / "report"), "--apitest-formats", "json"]
        started = time.perf_counter()
        subprocess.run(argv, cwd=work, capture_output=True, text=True, timeout=timeout, check=False)
        wall = time.perf_counter() - started
        report = json.loads((work / "report" / "report.json").read_text())
        found = {(f["operation"], f["check"]) for f in report["findings"] if f["source"] == "fuzz"}
        own = frozenset(p for p in found if p[1] in OWN_CHECKS)
        return Outcome(frozenset(found - own), report["summary"]["cases"], wall), own
    finally:
        shutil.rmtree(work, ignore_errors=True)
