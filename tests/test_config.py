from __future__ import annotations

from pathlib import Path

import pytest

from apitest.config import load_suite
from apitest.errors import ConfigError


def write(tmp_path: Path, text: str, name: str = "apitest.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_and_relative_spec(tmp_path):
    suite = load_suite(write(tmp_path, 'spec = "openapi.yaml"\nbase_url = "http://127.0.0.1:8000/"\n'))
    assert suite.name == tmp_path.name
    assert suite.spec == str(tmp_path / "openapi.yaml")
    assert suite.base_url == "http://127.0.0.1:8000"
    assert suite.fuzz.phases == ("examples", "coverage", "fuzzing", "stateful")
    assert suite.fuzz.max_examples == 50


def test_pyproject_tool_table(tmp_path):
    suite = load_suite(write(tmp_path, '[tool.apitest]\nname = "svc"\nserve = "app:app"\n', "pyproject.toml"))
    assert (suite.name, suite.serve) == ("svc", "app:app")


def test_order_cli_then_env_then_file(tmp_path):
    path = write(tmp_path, 'serve = "a:b"\n[fuzz]\nmax_examples = 7\nseed = 3\n')
    assert load_suite(path, environ={}).fuzz.max_examples == 7
    assert load_suite(path, environ={"APITEST_MAX_EXAMPLES": "9"}).fuzz.max_examples == 9
    assert load_suite(path, {"apitest_max_examples": 11}, environ={"APITEST_MAX_EXAMPLES": "9"}).fuzz.max_examples == 11
    assert load_suite(path, environ={"APITEST_PHASES": "coverage, stateful"}).fuzz.phases == ("coverage", "stateful")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('serve = "a:b"\nbase_ulr = "x"\n', "unknown key 'base_ulr'. Did you mean 'base_url'?"),
        (
            'serve = "a:b"\n[fuzz]\nmax_examples = 0\n',
            "[fuzz]: max_examples = 0 is not valid; expected an integer >= 1",
        ),
        ('serve = "a:b"\n[fuzz]\nphases = ["fuzing"]\n', "phases = 'fuzing' is not valid"),
        ('serve = "a:b"\n[fuzz]\nmode = "neg"\n', "one of 'positive', 'negative', 'all'"),
        ('base_url = "localhost:80"\n', "expected an http:// or https:// URL"),
        ('serve = "nocolon"\n', "'module:attribute'"),
        ("name = 'x'\n", "a suite needs `spec`, `base_url` or `serve`"),
        ("serve = [", "not valid TOML"),
        (
            'serve = "a:b"\n[auth.headers]\nX-Key = "${APITEST_TEST_MISSING_VAR}"\n',
            "APITEST_TEST_MISSING_VAR is not set",
        ),
    ],
)
def test_errors_name_file_key_and_fix(tmp_path, text, message):
    with pytest.raises(ConfigError) as info:
        load_suite(write(tmp_path, text), environ={})
    assert message in str(info.value)
    assert str(tmp_path / "apitest.toml") in str(info.value)


def test_bad_env_override(tmp_path):
    with pytest.raises(ConfigError, match="APITEST_SEED='abc' is not valid for --apitest-seed"):
        load_suite(write(tmp_path, 'serve = "a:b"\n'), environ={"APITEST_SEED": "abc"})


def test_auth_env_expansion_and_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKEN_A", "aaa-111")
    path = write(
        tmp_path,
        'serve = "a:b"\n[auth.headers]\nAuthorization = "Bearer ${TOKEN_A}"\n'
        '[auth.secondary.headers]\nAuthorization = "Bearer ${TOKEN_B:-bbb-222}"\n',
    )
    auth = load_suite(path).auth
    assert auth.headers == {"Authorization": "Bearer aaa-111"}
    assert auth.secondary == {"Authorization": "Bearer bbb-222"}
    assert auth.secrets == ("Bearer aaa-111", "Bearer bbb-222")
