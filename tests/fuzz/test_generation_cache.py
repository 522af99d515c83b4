"""Hypothesis's generation tables are built once per machine, in [run] cache_dir, never in the working folder."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import configuration

from apitest.fuzz._generation_cache import GenerationCache
from apitest.settings import given, resolve_run
from apitest.settings.run import default_cache_dir

APPS = Path(__file__).parents[1] / "apps"


def test_a_fuzz_run_builds_its_tables_in_the_cache_dir_and_leaves_the_working_folder_clean(pytester, tmp_path):
    # notes take text: generating it needs Hypothesis's unicode tables
    pytester.makepyfile(notes=(APPS / "notes.py").read_text())
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    (pytester.path / "apitest.toml").write_text('serve = "notes:app"\n[fuzz]\nmax_examples = 5\nseed = 1\n')
    cache = tmp_path / "cache"
    result = pytester.runpytest_subprocess(f"--apitest-cache-dir={cache}")
    assert result.ret == 0, result.stdout.str()
    assert not (pytester.path / ".hypothesis").exists()
    assert list((cache / "hypothesis" / "unicode_data").glob("*/charmap.json.gz"))
    # the next run, in another brand-new folder, reads them: nothing lands there either
    again = pytester.mkdir("again")
    (again / "apitest.toml").write_text((pytester.path / "apitest.toml").read_text())
    (again / "notes.py").write_text((pytester.path / "notes.py").read_text())
    (again / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    result = pytester.runpytest_subprocess(str(again), f"--apitest-cache-dir={cache}", "--rootdir", str(again))
    assert result.ret == 0, result.stdout.str()
    assert not (again / ".hypothesis").exists() and not (pytester.path / ".hypothesis").exists()


@pytest.fixture
def hypothesis_home():
    saved = getattr(configuration, "__hypothesis_home_directory")
    yield
    configuration.set_hypothesis_home_dir(saved)


def test_the_storage_is_ours_only_while_runs_are_under_way(tmp_path, monkeypatch, hypothesis_home):
    monkeypatch.delenv("HYPOTHESIS_STORAGE_DIRECTORY", raising=False)
    configuration.set_hypothesis_home_dir(None)
    cache = GenerationCache()
    cache.directory = tmp_path
    cache.start()
    cache.start()  # runs nest: the last one to end puts Hypothesis's own setting back
    assert configuration.storage_directory("x").path == tmp_path / "hypothesis" / "x"
    cache.end()
    assert configuration.storage_directory("x").path == tmp_path / "hypothesis" / "x"
    cache.end()
    assert configuration.storage_directory("x").path == Path.cwd() / ".hypothesis" / "x"


def test_a_storage_the_user_chose_is_left_alone(tmp_path, monkeypatch, hypothesis_home):
    cache = GenerationCache()
    cache.directory = tmp_path / "ours"
    configuration.set_hypothesis_home_dir(tmp_path / "theirs")
    with cache:
        assert configuration.storage_directory("x").path == tmp_path / "theirs" / "x"
    configuration.set_hypothesis_home_dir(None)
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path / "env"))
    with cache:
        assert configuration.storage_directory("x").path == tmp_path / "env" / "x"


def test_the_cache_dir_follows_xdg_and_can_be_set(tmp_path):
    assert default_cache_dir({"XDG_CACHE_HOME": "/var/c", "HOME": "/home/u"}) == Path("/var/c/apitest")
    assert default_cache_dir({"HOME": "/home/u"}) == Path("/home/u/.cache/apitest")
    assert default_cache_dir({"XDG_CACHE_HOME": "relative", "HOME": "/home/u"}) == Path("/home/u/.cache/apitest")
    run, _ = resolve_run(given({}, {"APITEST_CACHE_DIR": "c"}, {}, cwd=tmp_path), tmp_path)
    assert run.cache_dir == str(tmp_path / "c")
    run, _ = resolve_run(given({}, {}, {}, cwd=tmp_path), tmp_path)
    assert run.cache_dir is not None and Path(run.cache_dir).is_absolute()
    assert not Path(run.cache_dir).is_relative_to(tmp_path)  # never the working folder
