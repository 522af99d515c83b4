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
    documents = load_pacts(chosen, "apitest.toml")
    assert [d.specification for d in documents] == ["V2", "V3", "V4", "V2", "V3", "V4", "V2"]
    assert load_pacts(settings(tmp_path, pacts=["contracts"], provider="someone-else"), "apitest.toml") == []


def test_a_missing_source_is_a_config_error_unless_it_is_where_pacts_get_written(tmp_path):
    with pytest.raises(ConfigError, match=r"apitest.toml \[contracts\]: pacts entry '.*nope.json' does not exist"):
        load_pacts(settings(tmp_path, pacts=["nope.json"]), "apitest.toml")
    assert load_pacts(settings(tmp_path, pacts=["not-yet"]), "apitest.toml") == []


def test_an_unreachable_pact_url_is_a_pact_file_error(tmp_path):
    with pytest.raises(
        PactFileError, match=r"http://127.0.0.1:9/pacts/x: cannot fetch the pact \(ConnectionRefusedError"
    ):
        load_pacts(settings(tmp_path, pacts=["http://user:pw@127.0.0.1:9/pacts/x"], request_timeout=1), "apitest.toml")
