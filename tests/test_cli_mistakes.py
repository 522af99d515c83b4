"""Command-line mistakes get what suite-file mistakes get: one line naming the option and the fix, exit 4, once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
SUITE = 'serve = "tests.apps.inventory:app"\n[load.x]\nusers = 2\nduration = 1\n'

CASES = [
    # (arguments, environment, whether a suite is there, what the one line says)
    (["run", "--apitest-sed", "1"], {}, True, "unknown option --apitest-sed. Did you mean '--apitest-seed'?"),
    (["run", "--apitest-seed", "abc"], {}, True, "--apitest-seed 'abc' is not valid; expected an integer >= 0."),
    (["run", "--apitest-report-dir"], {}, True, "--apitest-report-dir needs a value (PATH)"),
    (["run", "--apitest-seed", "--apitest-fuzz", "false"], {}, True, "--apitest-seed needs a value (N)"),
    (["run", "--apitest-phases", "fuzz"], {}, True, "--apitest-phases 'fuzz' is not valid; expected one of 'examples'"),
    (["run", "--apitest-mode", "neg"], {}, True, "--apitest-mode 'neg' is not valid; expected one of 'positive'"),
    (
        ["run", "--apitest-formats", "html,pdf"],
        {},
        True,
        "--apitest-formats 'pdf' is not valid; expected one of 'html'",
    ),
    (["run", "--apitest-gate", "some"], {}, True, "--apitest-gate 'some' is not valid; expected one of 'all', 'new'."),
    (["run", "--apitest-tolerance", "5"], {}, True, "--apitest-tolerance '5' is not valid; expected a percentage"),
    (["run", "--apitest-baseline", "gone.json"], {}, True, "--apitest-baseline: ", "does not exist"),
    (
        ["run", "--apitest-max-examples", "0"],
        {},
        True,
        "--apitest-max-examples '0' is not valid; expected an integer >= 1",
    ),
    (["run", "--apitest-fuzz", "maybe"], {}, True, "--apitest-fuzz 'maybe' is not valid; expected true or false."),
    (["run", "--apitest-base-url", "localhost:8000"], {}, True, "--apitest-base-url 'localhost:8000' is not valid"),
    (
        ["run", "--apitest-serve", "nocolon"],
        {},
        True,
        "--apitest-serve 'nocolon' is not valid; expected 'module:attribute'",
    ),
    (["run", "--apitest-load-users", "5000"], {}, True, "--apitest-load-users: users = 5000 is over 1000"),
    (["run"], {"APITEST_SEED": "x"}, True, "environment variable APITEST_SEED='x' is not valid"),
    (["run"], {}, False, "no suite found in", "A suite is a folder with an apitest.toml"),
    (["runn"], {}, True, "unknown command 'runn'. Did you mean 'run'?"),
    (["schema", "--wat"], {}, True, "schema takes only --suite"),
    (["report", "--diff", "a.json"], {}, True, "--diff: expected 2 arguments"),
    (
        ["demo"],
        {"APITEST_TEST_HIDE_FASTAPI": "1"},
        True,
        "apitest demo needs the demo's dependencies (FastAPI): pip install 'apitest[demo]'",
    ),
]

# The demo case hides FastAPI as if it were not installed.
RUNNER = (
    "import os, sys\n"
    "if os.environ.get('APITEST_TEST_HIDE_FASTAPI'): sys.modules['fastapi'] = None\n"
    "from apitest.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


@pytest.mark.parametrize("case", CASES, ids=[" ".join(c[0]) + (" " + " ".join(c[1]) if c[1] else "") for c in CASES])
def test_a_command_line_mistake_is_one_line_exit_4_printed_once(tmp_path, case):
    args, environ, with_suite, *expected = case
    if with_suite:
        (tmp_path / "apitest.toml").write_text(SUITE)
    env = {k: v for k, v in os.environ.items() if not k.startswith("APITEST_")}
    env.update(environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, *args], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    output = result.stdout + result.stderr
    assert result.returncode == 4, output
    assert "Traceback" not in output
    errors = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(errors) == 1, output
    assert errors[0].startswith("ERROR: apitest"), output
    for part in expected:
        assert part in errors[0], output
        assert output.count(part) == 1, output
