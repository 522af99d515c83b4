from __future__ import annotations

import subprocess
import sys
import types

import apitest


def test_all_is_sorted_and_public():
    public = sorted(
        name
        for name, value in vars(apitest).items()
        if not name.startswith("_")
        and not isinstance(value, types.ModuleType)
        and name not in {"annotations", "version", "PackageNotFoundError"}
    )
    assert apitest.__all__ == sorted(apitest.__all__)
    assert sorted(set(apitest.__all__) - {"__version__"}) == public


def test_importing_apitest_and_the_plugin_imports_no_engine():
    code = (
        "import sys, apitest, apitest.plugin, apitest.cli; "
        "print(sorted(m for m in ('schemathesis', 'pact', 'locust', 'gevent') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
