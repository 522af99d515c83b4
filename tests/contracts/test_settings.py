from __future__ import annotations

import pytest

from apitest.contracts.sources import load_pacts
from apitest.errors import ConfigError
from apitest.settings import ContractSettings

from .builders import settings


def test_defaults_read_the_suites_pacts_folder(tmp_path):
    assert settings(tmp_path) == ContractSettings(pact_dir=str(tmp_path / "pacts"))
    (tmp_path / "pacts").mkdir()
    found = settings(tmp_path)
    assert found.pacts == (str(tmp_path / "pacts"),) and found.pact_dir == str(tmp_path / "pacts")
    assert load_pacts(found, "apitest.toml").documents == []


def test_settings_are_validated(tmp_path, monkeypatch):
    with pytest.raises(ConfigError, match="states = 'no_colon' is not valid; expected 'module:function'"):
        settings(tmp_path, states="no_colon")
    with pytest.raises(ConfigError, match="unknown key 'timout'. Did you mean 'timeout'?"):
        settings(tmp_path, timout=3)
    with pytest.raises(ConfigError, match="specification = 'V5' is not valid"):
        settings(tmp_path, specification="V5")
    monkeypatch.setenv("TOKEN", "t0k")
    assert settings(tmp_path, broker_token="${TOKEN}").broker_token == "t0k"
    assert settings(tmp_path, pacts=["http://127.0.0.1:1/p"]).pacts == ("http://127.0.0.1:1/p",)
    assert settings(tmp_path).strict is False and settings(tmp_path, strict=True).strict is True
