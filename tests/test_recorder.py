"""The records folder breaking in the middle of a run (removed, a file in its place, disk full, made read-only): one
line naming the folder, the OS error and the fix, exit status 4, no traceback, and every item's result in the report.

The end-to-end tests are real `apitest run` processes (one process, xdist workers, forked fuzz children) whose suite
breaks the records folder from a conftest.py as soon as the first item has finished, in the process that ran it.
"""

from __future__ import annotations

import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

from apitest.recorder import Recorder, WriteFailure, read_records
from apitest.results import Finding, ItemResult, Outcome, Source

from .runs import TRACEBACK, Run, report_files

ITEMS = {"GET /items", "POST /items", "GET /items/{id}", "GET /slow", "stateful"}


def writes_through_permissions() -> bool:
    """Whether this process writes to a read-only file all the same: root does (CAP_DAC_OVERRIDE), unless it was
    dropped (`setpriv --bounding-set=-dac_override`, how this test runs for root)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "read-only"
        path.touch(mode=0o400)
        try:
            path.open("a").close()
        except PermissionError:
            return False
        return True


# How the folder is broken. Each fails for root too, but "read-only": root writes through any permission.
BREAK = textwrap.dedent("""
    import os
    import shutil
    from pathlib import Path

    HERE = Path(__file__).parent
    RECORDS = HERE / "apitest-report" / ".records"
    HOW = {how!r}


    def pytest_runtest_logfinish(nodeid, location):
        try:
            os.mkdir(HERE / "broken")  # once per run, by whichever process finishes an item first
        except FileExistsError:
            return
        if HOW == "a file in its place":  # writes fail with ENOTDIR
            shutil.rmtree(RECORDS)
            RECORDS.write_text("not a folder")
        elif HOW == "disk full":  # each process's records file now leads to /dev/full: ENOSPC
            for path in RECORDS.glob("records-*.jsonl"):
                path.unlink()
                path.symlink_to("/dev/full")
        elif HOW == "read-only":  # EACCES, for anyone but root
            for path in RECORDS.rglob("*"):
                path.chmod(0o500 if path.is_dir() else 0o400)
            RECORDS.chmod(0o500)


    def pytest_sessionfinish(session):
        # A records file left leading to /dev/full would be read as endless zeros by a merge that reads it: an apitest
        # without the fix ran out of memory. Gone before apitest's own (trylast) session end looks.
        for path in RECORDS.glob("records-*.jsonl") if RECORDS.is_dir() else ():
            if path.is_symlink():
                path.unlink()
                path.touch()
""")
REASONS = {
    "a file in its place": ("Not a directory", "Leave it in place while apitest runs"),
    "disk full": ("No space left on device", "Free space on its disk"),
    "read-only": ("Permission denied", "Make it writable"),
}


def broken_suite(folder: Path, how: str, fuzz: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "apitest.toml").write_text(
        'serve = "tests.apps.counted:app"\n[fuzz]\nmax_examples = 5\nseed = 3\nchecks = ["not_a_server_error"]\n' + fuzz
    )
    (folder / "conftest.py").write_text(BREAK.format(how=how))
    return folder


def assert_one_line_and_every_result(run: Run, how: str) -> None:
    assert run.wait() == 4, run.output[-3000:]
    output = run.output
    assert (run.folder / "broken").is_dir(), "the conftest broke the records folder"
    assert not TRACEBACK.search(output), output[-3000:]
    about = [line for line in output.splitlines() if "records folder" in line]
    assert len(about) == 1, output[-3000:]
    records = run.folder / "apitest-report" / ".records"
    reason, fix = REASONS[how]
    assert about[0].startswith(f"ERROR: apitest: records folder {records}: "), about
    assert reason in about[0] and fix in about[0] and "--apitest-report-dir" in about[0], about
    report = run.report()
    assert report["meta"]["exit_status"] == 4
    # every item, before and after the folder broke, with the result it earned: none failed because of the records
    assert {i["name"]: i["outcome"] for i in report["items"]} == dict.fromkeys(ITEMS, "passed"), report["items"]
    assert [e["message"] for e in report["errors"]] == [about[0].removeprefix("ERROR: apitest: ")]
    for name, text in report_files(run.folder).items():
        assert not TRACEBACK.search(text), name


@pytest.mark.parametrize("how", ["a file in its place", "disk full"])
def test_a_records_folder_broken_during_a_run_is_one_line_exit_4_and_a_full_report(tmp_path, how):
    with Run(broken_suite(tmp_path, how)) as run:
        assert_one_line_and_every_result(run, how)


# root writes through permissions: then the run goes without that privilege (util-linux's setpriv, in Debian's base)
WITHOUT_OVERRIDE = ["setpriv", "--bounding-set=-dac_override,-dac_read_search"] if writes_through_permissions() else []


@pytest.mark.skipif(
    bool(WITHOUT_OVERRIDE) and shutil.which("setpriv") is None, reason="root writes through permissions, no setpriv"
)
def test_a_records_folder_made_read_only_during_a_run(tmp_path):
    with Run(broken_suite(tmp_path, "read-only"), prefix=WITHOUT_OVERRIDE) as run:
        assert_one_line_and_every_result(run, "read-only")


@pytest.mark.parametrize("how", ["a file in its place", "disk full"])
def test_xdist_workers_hand_over_the_records_they_could_not_write(tmp_path, how):
    with Run(broken_suite(tmp_path, how), "-n", "2") as run:
        assert_one_line_and_every_result(run, how)


def test_forked_fuzz_children_hand_back_their_results_without_the_records_folder(tmp_path):
    with Run(broken_suite(tmp_path, "a file in its place", "processes = 2\n")) as run:
        assert_one_line_and_every_result(run, "a file in its place")


# --- the recorder alone ----------------------------------------------------------------------------------------------


def item(name: str) -> ItemResult:
    return ItemResult(nodeid=name, source=Source.FUZZ, suite="s", name=name, outcome=Outcome.PASSED, duration_s=0.1)


def test_a_recorder_that_cannot_write_keeps_every_record_and_says_why_once(tmp_path):
    folder = tmp_path / "records"
    recorder = Recorder(folder, "main")
    recorder.record(item("a"))
    assert recorder.check() is None
    (folder / "records-main.jsonl").unlink()
    folder.rmdir()
    folder.write_text("a file in its place")
    recorder.record(item("b"))  # no exception
    recorder.record(Finding(Source.FUZZ, "not_a_server_error", "GET /b", "Server error"))
    assert recorder.check() == WriteFailure("Not a directory", 20)
    assert len(recorder.lines()) == 3
    assert read_records(tmp_path / "elsewhere", {"main": recorder.lines()}) == [
        item("a"),
        item("b"),
        Finding(Source.FUZZ, "not_a_server_error", "GET /b", "Server error"),
    ]


def test_a_records_file_removed_after_the_last_write_is_noticed_and_nothing_is_lost(tmp_path):
    recorder = Recorder(tmp_path, "gw0")
    recorder.record(item("a"))
    recorder.path.unlink()
    failure = recorder.check()
    assert failure is not None and failure.errno is None and "removed" in failure.reason
    assert read_records(tmp_path, {"gw0": recorder.lines()}) == [item("a")]


def test_a_folder_removed_is_not_made_again_behind_the_recorders_back(tmp_path):
    folder = tmp_path / "records"
    recorder = Recorder(folder, "main")
    recorder.record(item("a"))
    (folder / "records-main.jsonl").unlink()
    folder.rmdir()
    recorder.record(item("b"))
    assert not folder.exists()
    assert recorder.check() == WriteFailure("No such file or directory", 2)


def test_read_records_takes_a_handed_over_process_instead_of_its_file(tmp_path):
    other, mine = Recorder(tmp_path, "gw1"), Recorder(tmp_path, "gw0")
    other.record(item("x"))
    mine.record(item("y"))
    mine.path.write_text("")  # its file lost what it held
    assert sorted(r.nodeid for r in read_records(tmp_path, {"gw0": mine.lines()})) == ["x", "y"]  # type: ignore[union-attr]
