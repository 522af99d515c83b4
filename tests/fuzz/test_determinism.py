"""The cases of a fuzz run depend on its seed, settings, spec and the API's answers, not on what else the process
has imported (apitest/fuzz/determinism.py)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).parents[2]

# Runs one engine run against a recording server and prints a digest of every request it received. argv[1]: "yes"
# to import, first, a module of our own full of literals, as a suite's conftest or any local module would be.
SCRIPT = textwrap.dedent(
    """
    import hashlib, http.server, json, sys, threading, tempfile
    from pathlib import Path

    if sys.argv[1] == "yes":
        import lots_of_literals  # noqa: F401
    from apitest.fuzz import _engine
    from apitest.settings import resolve_suite

    seen = []

    class Recording(http.server.BaseHTTPRequestHandler):
        def _answer(self):
            length = int(self.headers.get("Content-Length") or 0)
            seen.append((self.command, self.path, self.rfile.read(length).decode("utf-8", "replace")))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        do_GET = do_POST = _answer

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base_url = f"http://127.0.0.1:{server.server_address[1]}"
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
    body = {"type": "object", "properties": {"name": {"type": "string"}, "n": {"type": "integer"}}}
    doc = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/things": {
                "get": {"parameters": [{"name": "q", "in": "query", "schema": {"type": "string"}}], "responses": ok},
                "post": {"requestBody": {"content": {"application/json": {"schema": body}}}, "responses": ok},
            }
        },
    }
    folder = Path(tempfile.mkdtemp())
    (folder / "apitest.toml").write_text(f'base_url = "{base_url}"\\n[fuzz]\\nmax_examples = 30\\nseed = 3\\n')
    schema = _engine.build_schema(doc, resolve_suite(folder / "apitest.toml"), base_url, ("fuzzing",))
    run = _engine.SuiteRun(schema, ["GET /things", "POST /things"], stateful=False)
    run.result("GET /things"), run.result("POST /things")
    print(len(seen), hashlib.sha256(json.dumps(sorted(seen)).encode()).hexdigest()[:16])
    """
)
LITERALS = (
    "WORDS = " + repr([f"apitest-literal-{i}" for i in range(300)]) + "\nNUMBERS = " + repr(list(range(7000, 7300)))
)


def run(folder: Path, import_more: bool) -> str:
    env = {"PYTHONPATH": f"{folder}{':'}{ROOT}", "PATH": "/usr/bin:/bin", "HOME": str(folder)}
    result = subprocess.run(
        [sys.executable, str(folder / "engine_run.py"), "yes" if import_more else "no"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=folder,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip()


def test_an_unrelated_local_module_does_not_change_the_cases(tmp_path):
    (tmp_path / "engine_run.py").write_text(SCRIPT)
    (tmp_path / "lots_of_literals.py").write_text(LITERALS)
    plain, with_more = run(tmp_path, False), run(tmp_path, True)
    assert plain == with_more
    assert int(plain.split()[0]) > 20  # the engine did send its cases
