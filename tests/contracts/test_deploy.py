"""`apitest contracts check`: every consumer's pacts against a candidate spec, as a release gate."""

from __future__ import annotations

import copy
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from apitest.cli import main
from apitest.contracts.deploy import main as check

from .builders import PACTS, SHOP_SPEC


@pytest.fixture
def pacts(tmp_path: Path) -> Path:
    """Two consumers of the shop: web (every interaction) and mobile (only the product page)."""
    folder = tmp_path / "pacts"
    folder.mkdir()
    web = json.loads((PACTS / "conforming-v3.json").read_text())
    (folder / "web-shop.json").write_text(json.dumps(web))
    mobile = copy.deepcopy(web)
    mobile["consumer"]["name"] = "mobile"
    mobile["interactions"] = mobile["interactions"][:1]
    (folder / "mobile-shop.json").write_text(json.dumps(mobile))
    return folder


def spec(tmp_path: Path, change: str = "") -> Path:
    """The shop's spec; `change="sku"` is a candidate release that drops Product.sku, which both consumers read."""
    document = copy.deepcopy(SHOP_SPEC)
    if change == "sku":
        del document["components"]["schemas"]["Product"]["properties"]["sku"]
    path = tmp_path / f"openapi{'-' + change if change else ''}.json"
    path.write_text(json.dumps(document))
    return path


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "apitest.cli", "contracts", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_spec_every_consumer_can_live_with_ships(tmp_path, pacts):
    result = run("--spec", str(spec(tmp_path)), "pacts", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "mobile → shop: all 1 interaction(s) hold" in result.stdout
    assert "web → shop: all 3 interaction(s) hold" in result.stdout
    assert result.stdout.rstrip().endswith("result: no interaction would break: this spec can ship.")


def test_a_spec_that_breaks_consumers_names_each_broken_interaction(tmp_path, pacts):
    result = run("--spec", str(spec(tmp_path, "sku")), "pacts", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    out = result.stdout
    assert "mobile → shop: 1 of 1 interaction(s) would break" in out
    assert "web → shop: 1 of 3 interaction(s) would break" in out
    assert "  BREAKS  a request for product 1 (GET /products/{id}) [pacts/web-shop.json]" in out
    assert (
        "          [medium] $.sku: field 'sku' is not documented "
        "($.interactions[0].response.body.sku #/components/schemas/Product)" in out
    )
    assert "  ok      a request for a page of products (GET /products) [pacts/web-shop.json]" in out
    assert out.rstrip().endswith("result: 2 interaction(s) of 2 consumer(s) would break: this spec cannot ship.")


def test_warnings_hold_unless_strict_and_providers_are_chosen(tmp_path, pacts):
    web = json.loads((pacts / "web-shop.json").read_text())
    web["interactions"][2]["request"]["query"]["sort"] = ["name"]  # undocumented: a warning
    (pacts / "web-shop.json").write_text(json.dumps(web))
    out = io.StringIO()
    assert check(["check", "--spec", str(spec(tmp_path)), str(pacts)], out, io.StringIO()) == 0
    assert "web → shop: all 3 interaction(s) hold (1 with warnings)" in out.getvalue()
    assert "  warning a request for a page of products" in out.getvalue()
    assert check(["check", "--spec", str(spec(tmp_path)), "--strict", str(pacts)], io.StringIO(), io.StringIO()) == 1
    assert check(["check", f"--spec={spec(tmp_path)}", "--provider", "shop", str(pacts)], out, io.StringIO()) == 0


def test_what_cannot_be_read_exits_4_and_says_what(tmp_path, pacts, capsys):
    result = run("--spec", "nope.yaml", "pacts", cwd=tmp_path)
    assert result.returncode == 4
    assert result.stderr.startswith("ERROR: apitest: nope.yaml") and "Traceback" not in result.stderr
    (pacts / "broken.json").write_text('{"interactions": [{"response": {"status": "200"}}]}')
    err = io.StringIO()
    assert check(["check", "--spec", str(spec(tmp_path)), str(pacts)], io.StringIO(), err) == 4
    assert "broken.json: $.interactions[0].response.status must be an HTTP status code" in err.getvalue()
    (pacts / "broken.json").unlink()
    assert main(["contracts", "check", "--spec", str(spec(tmp_path)), "--provider", "shopp", str(pacts)]) == 4
    assert main(["contracts", "check", "--spec"]) == 4
    assert main(["contracts", "chek"]) == 4
    assert capsys.readouterr().err.splitlines() == [
        "ERROR: apitest: --provider 'shopp' matches no pact; the pacts name 'shop'. Did you mean 'shop'?",
        "ERROR: apitest: --spec needs a value. See `apitest contracts --help`.",
        "ERROR: apitest: contracts takes the subcommand 'check', not 'chek'. Did you mean 'check'? See `apitest contracts --help`.",
    ]
