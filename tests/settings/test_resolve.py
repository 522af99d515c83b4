from __future__ import annotations

from pathlib import Path

import pytest

from apitest.errors import ConfigError
from apitest.settings import SETTINGS, given, resolve_run, resolve_suite


def write(tmp_path: Path, text: str, name: str = "apitest.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_and_relative_spec(tmp_path):
    suite = resolve_suite(write(tmp_path, 'spec = "openapi.yaml"\nbase_url = "http://127.0.0.1:8000/"\n'))
    assert suite.name == tmp_path.name
    assert suite.spec == str(tmp_path / "openapi.yaml")
    assert suite.base_url == "http://127.0.0.1:8000"
    assert suite.fuzz.phases == ("examples", "coverage", "fuzzing", "stateful")
    assert suite.fuzz.max_examples == 50
    assert suite.origin("fuzz.max_examples").kind == "default"
    assert suite.origin("base_url").kind == "file"


def test_pyproject_tool_table(tmp_path):
    path = write(
        tmp_path, '[tool.apitest]\nname = "svc"\nserve = "app:app"\n[tool.apitest.fuzz]\nseed = 2\n', "pyproject.toml"
    )
    suite = resolve_suite(path)
    assert (suite.name, suite.serve, suite.fuzz.seed) == ("svc", "app:app", 2)
    with pytest.raises(ConfigError, match=r"pyproject.toml \[tool.apitest.fuzz\]: unknown key 'sed'"):
        resolve_suite(
            write(tmp_path, '[tool.apitest]\nserve = "a:b"\n[tool.apitest.fuzz]\nsed = 2\n', "pyproject.toml")
        )


def test_precedence_is_option_then_environment_then_ini_then_file(tmp_path):
    path = write(tmp_path, 'serve = "a:b"\n[fuzz]\nmax_examples = 7\nseed = 3\n')
    ini = tmp_path / "pytest.ini"

    def resolved(options=None, environ=None, ini_values=None):
        values = given(options or {}, environ or {}, ini_values or {}, cwd=tmp_path, inifile=ini)
        return resolve_suite(path, values)

    assert resolved().fuzz.max_examples == 7
    assert resolved(ini_values={"apitest_max_examples": "8"}).fuzz.max_examples == 8
    assert (
        resolved(environ={"APITEST_MAX_EXAMPLES": "9"}, ini_values={"apitest_max_examples": "8"}).fuzz.max_examples == 9
    )
    suite = resolved({"apitest_max_examples": "11"}, {"APITEST_MAX_EXAMPLES": "9"}, {"apitest_max_examples": "8"})
    assert suite.fuzz.max_examples == 11
    assert suite.origin("fuzz.max_examples").describe("max_examples") == "--apitest-max-examples"
    assert suite.fuzz.seed == 3 and suite.origin("fuzz.seed").kind == "file"
    assert resolved(environ={"APITEST_PHASES": "coverage, stateful"}).fuzz.phases == ("coverage", "stateful")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('serve = "a:b"\nbase_ulr = "x"\n', "unknown key 'base_ulr'. Did you mean 'base_url'?"),
        (
            'serve = "a:b"\n[fuzz]\nmax_examples = 0\n',
            "[fuzz]: max_examples = 0 is not valid; expected an integer >= 1",
        ),
        ('serve = "a:b"\n[fuzz]\nphases = ["fuzing"]\n', "phases = 'fuzing' is not valid; expected one of 'examples'"),
        ('serve = "a:b"\n[fuzz]\nmode = "neg"\n', "one of 'positive', 'negative', 'all'"),
        ('serve = "a:b"\n[fuzz]\nseed = "one"\n', "[fuzz]: seed = 'one' is not valid; expected an integer >= 0"),
        ('serve = "a:b"\nfuzz = 3\n', "fuzz = 3 is not valid; expected a table"),
        ('base_url = "localhost:80"\n', "expected an http:// or https:// URL"),
        ('serve = "nocolon"\n', "'module:attribute'"),
        ("name = 'x'\n", "a suite needs `spec`, `base_url` or `serve`"),
        ("serve = [", "not valid TOML"),
        (
            'serve = "a:b"\n[auth.headers]\nX-Key = "${APITEST_TEST_MISSING_VAR}"\n',
            "[auth] headers.X-Key: environment variable APITEST_TEST_MISSING_VAR is not set",
        ),
        ('serve = "a:b"\n[fuzz.schemathesis.generation]\nmax-examples = 5\n', "is apitest's [fuzz] max_examples"),
        ('serve = "a:b"\n[contracts]\ntimout = 3\n', "[contracts]: unknown key 'timout'. Did you mean 'timeout'?"),
    ],
)
def test_errors_name_file_key_and_fix(tmp_path, text, message):
    with pytest.raises(ConfigError) as info:
        resolve_suite(write(tmp_path, text), environ={})
    assert message in str(info.value)
    assert str(tmp_path / "apitest.toml") in str(info.value)


def test_a_file_that_is_not_utf8_is_one_line(tmp_path):
    (tmp_path / "apitest.toml").write_text('serve = "a:b"\n', encoding="utf-16")
    with pytest.raises(ConfigError, match="not UTF-8 text; save the file as UTF-8"):
        resolve_suite(tmp_path / "apitest.toml")


@pytest.mark.parametrize(
    ("options", "environ", "ini", "message"),
    [
        ({"apitest_seed": "abc"}, {}, {}, "--apitest-seed 'abc' is not valid; expected an integer >= 0."),
        ({}, {"APITEST_SEED": "abc"}, {}, "environment variable APITEST_SEED='abc' is not valid"),
        ({}, {}, {"apitest_seed": "abc"}, "pytest.ini: apitest_seed = 'abc' is not valid"),
        ({"apitest_phases": "fuzz"}, {}, {}, "--apitest-phases 'fuzz' is not valid; expected one of 'examples'"),
        ({"apitest_gate": "changed"}, {}, {}, "--apitest-gate 'changed' is not valid; expected one of 'all', 'new'"),
        ({"apitest_tolerance": "5"}, {}, {}, "expected a percentage such as 10%"),
        ({"apitest_load_users": "0"}, {}, {}, "--apitest-load-users '0' is not valid; expected an integer >= 1"),
    ],
)
def test_a_bad_given_value_names_where_it_came_from(tmp_path, options, environ, ini, message):
    with pytest.raises(ConfigError) as info:
        given(options, environ, ini, cwd=tmp_path, inifile=tmp_path / "pytest.ini")
    assert message in str(info.value)
    assert "apitest.toml" not in str(info.value)


def test_a_rule_broken_by_a_given_value_names_the_option(tmp_path):
    path = write(tmp_path, 'serve = "a:b"\n[load.x]\nusers = 2\n')
    values = given({"apitest_load_users": "5000"}, {}, {}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="^--apitest-load-users: users = 5000 is over 1000"):
        resolve_suite(path, values)
    values = given({"apitest_base_url": "ftp://x"}, {}, {}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="^--apitest-base-url 'ftp://x' is not valid; expected an http"):
        resolve_suite(path, values)


def test_given_paths_are_relative_to_where_they_were_given(tmp_path):
    (tmp_path / "suite").mkdir()
    path = write(tmp_path / "suite", 'spec = "openapi.json"\nbase_url = "http://127.0.0.1:1"\n')
    assert resolve_suite(path).spec == str(tmp_path / "suite" / "openapi.json")
    values = given({"apitest_spec": "other.json"}, {}, {}, cwd=tmp_path)
    assert resolve_suite(path, values).spec == str(tmp_path / "other.json")


def test_run_settings(tmp_path):
    run, origins = resolve_run(
        given({"apitest_tolerance": "25%"}, {"APITEST_FORMATS": "json,md"}, {}, cwd=tmp_path), tmp_path
    )
    assert (run.tolerance, run.formats, run.gate) == (0.25, ("json", "md"), "all")
    assert run.report_dir == str(tmp_path / "apitest-report")
    assert origins["tolerance"].kind == "option" and origins["formats"].kind == "env"


def test_auth_env_expansion_and_secrets(tmp_path, monkeypatch):
    monkeypatch.setenv("TOKEN_A", "aaa-111")
    path = write(
        tmp_path,
        'serve = "a:b"\n[auth.headers]\nAuthorization = "Bearer ${TOKEN_A}"\n'
        '[auth.secondary.headers]\nAuthorization = "Bearer ${TOKEN_B:-bbb-222}"\n',
    )
    auth = resolve_suite(path).auth
    assert auth.headers == {"Authorization": "Bearer aaa-111"}
    assert auth.secondary.headers == {"Authorization": "Bearer bbb-222"}
    assert auth.secrets == ("Bearer aaa-111", "Bearer bbb-222")


def test_every_setting_has_a_suite_key_option_variable_and_ini_key_or_is_a_table():
    names = [s.dotted for s in SETTINGS]
    assert len(names) == len(set(names))
    options = [s.option for s in SETTINGS if s.option]
    assert len(options) == len(set(options))
    for s in SETTINGS:
        assert s.meta.help.strip(), s.dotted
        if s.meta.file_only:
            assert s.suite_key is not None and s.option is None and s.env is None, s.dotted
        else:
            assert s.option == "--apitest-" + s.stem and s.env and s.ini, s.dotted
            assert s.suite_key is not None or s.scope == "run", s.dotted


# One setting of each kind: the value each place gives, and the text that place shows for a bad value.
KINDS = [
    ("fuzz.max_examples", "7", 7, "0"),  # integer with bounds
    ("fuzz.request_timeout", "2.5", 2.5, "-1"),  # number
    ("fuzz.enabled", "false", False, "maybe"),  # true/false
    ("fuzz.phases", "coverage,stateful", ("coverage", "stateful"), "coverage,fuzz"),  # list of choices
    ("fuzz.mode", "negative", "negative", "neg"),  # one choice
    ("contracts.provider", "shop", "shop", ""),  # string
    ("load.*.users", "3", 3, "0"),  # a key of every load profile
]


@pytest.mark.parametrize(("dotted", "text", "value", "bad"), KINDS, ids=[k[0] for k in KINDS])
def test_each_kind_of_setting_resolves_in_order_and_names_the_source_of_a_bad_value(tmp_path, dotted, text, value, bad):
    setting = next(s for s in SETTINGS if s.dotted == dotted)
    path = write(tmp_path, 'serve = "a:b"\n[load.p]\nduration = 5\n')

    def read(suite):
        target = suite.load.profiles["p"] if dotted.startswith("load.*") else suite
        for part in setting.path if not dotted.startswith("load.*") else setting.path[2:]:
            target = getattr(target, part)
        return target

    for places in ({"options": {setting.dest: text}}, {"environ": {setting.env: text}}, {"ini": {setting.ini: text}}):
        values = given(places.get("options", {}), places.get("environ", {}), places.get("ini", {}), cwd=tmp_path)
        assert read(resolve_suite(path, values)) == value
    # an option beats the environment, which beats an ini key
    values = given({setting.dest: text}, {setting.env: bad}, {setting.ini: bad}, cwd=tmp_path)
    assert read(resolve_suite(path, values)) == value
    if bad:
        for places, shown in (
            ({"options": {setting.dest: bad}}, setting.option),
            ({"environ": {setting.env: bad}}, f"environment variable {setting.env}"),
            ({"ini": {setting.ini: bad}}, f"pytest.ini: {setting.ini}"),
        ):
            with pytest.raises(ConfigError) as info:
                values = given(
                    places.get("options", {}),
                    places.get("environ", {}),
                    places.get("ini", {}),
                    cwd=tmp_path,
                    inifile=tmp_path / "pytest.ini",
                )
                resolve_suite(path, values)
            assert str(info.value).startswith(shown if "pytest.ini" not in shown else str(tmp_path)), info.value
            assert shown in str(info.value)
