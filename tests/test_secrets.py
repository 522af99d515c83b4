"""Credentials in URLs never reach an output: a password in `base_url` (`user:password@`) and secret-looking query
parameters (in a configured URL or one the API hands back) are masked in the terminal, every report file and every
curl line, while the requests themselves carry them. A real `apitest run` against a real API on 127.0.0.1."""

from __future__ import annotations

import base64
import json

from .apps.faulty import FaultyServer, spec
from .runs import TRACEBACK, Run, report_files

PASSWORD = "pw-S3CRET-1"
TOKEN = "at-S3CRET-2"


def test_credentials_in_urls_are_masked_in_every_output(tmp_path):
    with FaultyServer() as api:
        api.redirect_off_to(f"http://0.0.0.0:1/elsewhere?access_token={TOKEN}&page=2")
        host = api.url.split("//", 1)[1]
        (tmp_path / "openapi.json").write_text(json.dumps(spec(("ok", "invalid-json", "redirect-off"))))
        (tmp_path / "apitest.toml").write_text(
            f'spec = "openapi.json"\nbase_url = "http://alice:{PASSWORD}@{host}"\n'
            '[fuzz]\nmax_examples = 3\nseed = 1\nphases = ["examples", "fuzzing"]\n'
        )
        with Run(tmp_path) as run:
            status = run.wait(timeout=120)
        sent = set(api.authorization)
    assert status == 1, run.output[-3000:]
    # the password was used: every request carried it as basic auth
    assert sent == {"Basic " + base64.b64encode(f"alice:{PASSWORD}".encode()).decode()}, sent
    outputs = {"terminal": run.output, **report_files(tmp_path)}
    assert {"apitest-report/report.json", "apitest-report/report.html", "apitest-report/junit.xml"} <= set(outputs)
    for name, text in outputs.items():
        assert PASSWORD not in text and TOKEN not in text, name
        assert not TRACEBACK.search(text), name
    report = run.report()
    findings = {f["operation"]: f for f in report["findings"]}
    assert "alice:[REDACTED]@" in findings["GET /invalid-json"]["exchange"]["url"]
    assert findings["GET /invalid-json"]["curl"]
    location = findings["GET /redirect-off"]["exchange"]["response_headers"]["location"]
    assert location == "http://0.0.0.0:1/elsewhere?access_token=[REDACTED]&page=2"
