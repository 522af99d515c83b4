"""Imports point down the layers, and the sides do not import each other (ARCHITECTURE.md, "Layers")."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).parents[1] / "apitest"

# Lower numbers are lower layers. A module may import its own package's modules, lower layers, and (at the top only)
# its own layer. Everything under a side's package belongs to that side.
LAYERS: dict[str, int] = {
    "apitest.errors": 0,
    "apitest.results": 1,
    "apitest.settings": 1,
    "apitest.fetch": 1,
    "apitest.refs": 1,
    "apitest.redact": 1,
    "apitest.children": 1,
    "apitest.signals": 1,
    "apitest.parsing": 1,
    "apitest.references": 1,
    "apitest.correlation": 0,
    "apitest": 2,  # the package's __init__: errors, results, the version
    "apitest.recorder": 2,
    "apitest.credentials": 2,
    "apitest.spec": 2,
    "apitest.target": 2,
    "apitest.baseline": 2,
    "apitest.runtime": 3,
    "apitest.session": 3,
    "apitest.tally": 3,
    "apitest.stash": 4,
    "apitest.items": 5,
    "apitest.fuzz": 6,
    "apitest.contracts": 6,
    "apitest.load": 6,
    "apitest.report": 6,
    "apitest.options": 7,
    "apitest.plugin": 7,
    "apitest.cli": 7,
    "apitest.__main__": 7,
    "apitest.demo": 8,  # the embedded demo API: an example of a user's service, free to use the public API
}
TOP = 7


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def owner(module: str) -> str:
    """The LAYERS key a module belongs to (its longest prefix)."""
    candidates = [key for key in LAYERS if module == key or module.startswith(key + ".")]
    return max(candidates, key=len)


def imports(path: Path) -> set[str]:
    """Every apitest module `path` imports, at module level or inside functions, TYPE_CHECKING blocks included."""
    module = module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "apitest")
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            if target.split(".")[0] != "apitest":
                continue
            for alias in node.names:  # `from . import x` imports the module x when there is one
                candidate = f"{target}.{alias.name}"
                found.add(candidate if _is_module(candidate) else target)
    return found


def _is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def violations() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        module = module_name(path)
        mine = owner(module)
        for target in sorted(imports(path)):
            theirs = owner(target)
            if theirs == mine:
                continue
            if mine == "apitest.settings" and theirs != "apitest.errors":
                found.append(f"{module} -> {target}: settings import nothing of apitest's but errors")
            elif LAYERS[theirs] > LAYERS[mine] or (LAYERS[theirs] == LAYERS[mine] and LAYERS[mine] < TOP):
                found.append(f"{module} (layer {LAYERS[mine]}) -> {target} (layer {LAYERS[theirs]})")
    return found


def test_imports_point_down_the_layers_and_never_across_sides():
    assert violations() == []


def test_the_walk_sees_relative_lazy_and_type_only_imports():
    assert owner("apitest.fuzz._engine") == "apitest.fuzz" and owner("apitest") == "apitest"
    found = imports(PACKAGE / "load" / "items.py")
    assert {"apitest.items", "apitest.runtime", "apitest.load.traffic"} <= found
    assert "apitest.fuzz.status" in imports(PACKAGE / "fuzz" / "_engine.py")


def loaded_after(code: str, cwd: Path) -> set[str]:
    """Top-level packages in sys.modules after running `code` in a fresh interpreter."""
    script = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", script], cwd=cwd, capture_output=True, text=True, timeout=120, check=True
    )
    return set(out.stdout.strip().splitlines()[-1].split())


HEAVY = (
    "schemathesis",
    "hypothesis",
    "pact",
    "locust",
    "gevent",
    "jsonschema",
    "httpx",
    "requests",
    "pydantic",
    "rich",
)


def test_importing_the_plugin_loads_no_engine_validator_or_http_client(tmp_path):
    loaded = loaded_after("import apitest.plugin", tmp_path)
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_collecting_a_suite_with_pacts_loads_no_engine_validator_or_http_client(tmp_path):
    import json
    import shutil

    from apitest.demo.app import create_app

    shutil.copytree(PACKAGE / "demo" / "suite" / "pacts", tmp_path / "pacts")
    (tmp_path / "openapi.json").write_text(json.dumps(create_app().openapi()))
    (tmp_path / "apitest.toml").write_text(
        'spec = "openapi.json"\nbase_url = "http://127.0.0.1:9"\n[contracts]\nprovider = "bookstore"\n'
        "[load.x]\nusers = 1\nduration = 2\n"
    )
    code = (
        "from apitest.cli import main\nassert main(['run', '.', '--collect-only', '-q', '-p', 'no:cacheprovider']) == 0"
    )
    loaded = loaded_after(code, tmp_path)
    assert "apitest.contracts.items" in loaded and "apitest.load.items" in loaded and "apitest.fuzz.items" in loaded
    heavy = {m.split(".")[0] for m in loaded if m.split(".")[0] in HEAVY}
    assert heavy <= {"pydantic"}, heavy  # pydantic checks the suite's settings; nothing else heavy
    assert "http.server" not in loaded
