"""Objects named in suite files as `module:attribute` (a served app, a provider-state handler)."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

from .errors import ApitestError


def import_ref(ref: str, root: Path, setting: str, error: type[ApitestError]) -> Any:
    """The object `ref` names, imported with the suite folder `root` first on sys.path.

    `setting` says where the reference came from ("suites/x/apitest.toml [contracts]: states"); a module that
    does not import or lacks the attribute is an `error` naming it.
    """
    module_name, _, attr = ref.partition(":")
    added = str(root) not in sys.path
    if added:
        sys.path.insert(0, str(root))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise error(f"{setting} = {ref!r}: cannot import {module_name!r} ({exc}); check the module path.") from exc
    finally:
        if added:
            sys.path.remove(str(root))
    try:
        return getattr(module, attr)
    except AttributeError:
        raise error(f"{setting} = {ref!r}: module {module_name!r} has no attribute {attr!r}.") from None
