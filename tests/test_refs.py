from __future__ import annotations

import sys

import pytest

from apitest.errors import TargetError
from apitest.refs import import_ref


def test_imports_from_the_suite_folder_and_restores_sys_path(tmp_path):
    (tmp_path / "svc_for_refs.py").write_text("app = object()\n")
    before = list(sys.path)
    app = import_ref("svc_for_refs:app", tmp_path, "apitest.toml: serve", TargetError)
    assert app is sys.modules["svc_for_refs"].app
    assert sys.path == before


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        (
            "no_such_module_here:app",
            "apitest.toml: serve = 'no_such_module_here:app': cannot import 'no_such_module_here'",
        ),
        ("svc_for_refs2:nope", "module 'svc_for_refs2' has no attribute 'nope'"),
    ],
)
def test_errors_name_the_setting(tmp_path, ref, message):
    (tmp_path / "svc_for_refs2.py").write_text("app = 1\n")
    with pytest.raises(TargetError, match=message.replace("(", r"\(").replace(")", r"\)")):
        import_ref(ref, tmp_path, "apitest.toml: serve", TargetError)
