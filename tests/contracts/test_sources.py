from __future__ import annotations

import shutil

import pytest

from apitest.contracts.sources import load_pacts
from apitest.errors import ConfigError, PactFileError

from .builders import PACTS, settings


def test_files_folders_and_provider_filter(tmp_path):
    shutil.copytree(PACTS, tmp_path / "contracts")
    chosen = settings(tmp_path, pacts=["contracts", "contracts/drifted-v2.json"], pact_dir="out")
    assert chosen.pact_dir == str(tmp_path / "out")
    found = load_pacts(chosen, "apitest.toml")
    assert [d.specification for d in found.documents] == ["V2", "V3", "V4", "V2", "V3", "V4", "V2"]
    other = load_pacts(settings(tmp_path, pacts=["contracts"], provider="someone-else"), "apitest.toml")
    assert other.documents == [] and other.others == ["shop"] and len(other.providers) == 6


def test_an_unreadable_pact_is_reported_and_the_others_are_still_read(tmp_path):
    shutil.copytree(PACTS, tmp_path / "contracts")
    (tmp_path / "contracts" / "broken.json").write_text(
        '{"consumer": {"name": "web"}, "interactions": [{"response": {"status": "200"}}]}'
    )
    (tmp_path / "contracts" / "half.json").write_text('{"consumer": ')
    found = load_pacts(settings(tmp_path, pacts=["contracts"]), "apitest.toml")
    assert len(found.documents) == 6
    assert [(u.source.rsplit("/", 1)[-1], str(u.error).split(": ", 1)[1]) for u in found.unreadable] == [
        ("broken.json", '$.interactions[0].response.status must be an HTTP status code, not "200".'),
        ("half.json", "not valid JSON (line 1, column 14: Expecting value)."),
    ]


def test_a_missing_source_is_a_config_error_unless_it_is_where_pacts_get_written(tmp_path):
    with pytest.raises(ConfigError, match=r"apitest.toml \[contracts\]: pacts entry '.*nope.json' does not exist"):
        load_pacts(settings(tmp_path, pacts=["nope.json"]), "apitest.toml")
    assert load_pacts(settings(tmp_path, pacts=["not-yet"]), "apitest.toml").documents == []


def test_an_unreachable_pact_url_is_a_pact_file_error(tmp_path):
    found = load_pacts(
        settings(tmp_path, pacts=["http://user:pw@127.0.0.1:9/pacts/x"], request_timeout=1), "apitest.toml"
    )
    (unreadable,) = found.unreadable
    assert unreadable.source == "http://127.0.0.1:9/pacts/x"
    assert isinstance(unreadable.error, PactFileError)
    assert str(unreadable.error).startswith("http://127.0.0.1:9/pacts/x: cannot fetch the pact (ConnectionRefusedError")
