"""The live fuzz bar: drawn on a real terminal (a pty) while the engine works, gone from the final screen."""

from __future__ import annotations

import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pyte

from apitest.fuzz.progress import render
from apitest.fuzz.status import RunStatus

ROOT = Path(__file__).parents[2]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def test_render_is_one_line_that_fits():
    text = render("bookstore", RunStatus("coverage", 5, 11, 4120, 1), 3.4, width=200)
    plain = ANSI.sub("", text)
    assert "\n" not in plain
    assert plain.startswith("fuzz bookstore ")
    assert plain.endswith("5/11 operations · coverage · 4,120 cases · 1 finding · 3 s")
    narrow = ANSI.sub("", render("bookstore", RunStatus("fuzzing", 11, 11, 9, 0), 0, width=50))
    assert len(narrow) <= 50 and narrow.endswith("…")


def run_in_terminal(argv: list[str], cwd: Path, columns: int = 110, rows: int = 50, expect: int = 0) -> bytes:
    """`argv`'s output in a pty of that size (known to the child only through the terminal, as in real life)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color"}
    for name in ("NO_COLOR", "COLUMNS", "LINES"):
        env.pop(name, None)
    proc = subprocess.Popen(argv, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env)
    os.close(slave)
    chunks = []
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(master)
    assert proc.wait(120) == expect, b"".join(chunks).decode(errors="replace")[-3000:]
    return b"".join(chunks)


def test_bar_is_drawn_while_fuzzing_and_leaves_pytest_output_as_it_was(tmp_path):
    (tmp_path / "apitest.toml").write_text('serve = "tests.apps.notes:app"\n[fuzz]\nmax_examples = 5\nseed = 1\n')
    argv = [sys.executable, "-m", "apitest", "run", str(tmp_path), "-p", "no:cacheprovider"]
    argv += ["--rootdir", str(tmp_path), "--apitest-formats", "json", "--apitest-report-dir", str(tmp_path / "out")]
    raw = run_in_terminal(argv, ROOT)
    drawn = ANSI.sub("", raw.decode())
    assert "fuzz " in drawn and " operations · examples · " in drawn and " operations · stateful · " in drawn
    screen = pyte.Screen(110, 50)
    pyte.ByteStream(screen).feed(raw)
    lines = [line.rstrip() for line in screen.display if line.strip()]
    assert not [line for line in lines if "operations ·" in line], lines
    # two operations, the stateful run and the follow-up checks
    assert any(re.fullmatch(r"\S*apitest\.toml \.{4} +\[100%\]", line) for line in lines), lines
    assert lines[-1].startswith("=") and "4 passed" in lines[-1]


def test_the_bar_uses_the_whole_width_of_a_wide_terminal(tmp_path):
    # a long suite name: at 80 columns the findings count and the elapsed time would be cut off
    suite = tmp_path / "a-suite-with-a-rather-long-name-for-its-folder"
    suite.mkdir()
    (suite / "apitest.toml").write_text('serve = "tests.apps.inventory:buggy"\n[fuzz]\nmax_examples = 5\nseed = 1\n')
    argv = [sys.executable, "-m", "apitest", "run", str(suite), "-p", "no:cacheprovider", "--rootdir", str(suite)]
    argv += ["--apitest-formats", "json", "--apitest-report-dir", str(tmp_path / "out")]
    drawn = ANSI.sub("", run_in_terminal(argv, ROOT, columns=160, expect=1).decode())
    bars = [line for line in re.split(r"[\r\n]", drawn) if " operations · " in line]
    assert bars, drawn[-2000:]
    assert all(len(bar) <= 160 for bar in bars)
    assert any(re.search(r"· [1-9]\d* findings? · \d+ s$", bar.rstrip()) for bar in bars), bars
