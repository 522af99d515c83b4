"""JSON and YAML read within bounds: a hostile or broken document is refused with a message, never hangs the run.

Three limits, each with its own message (`LimitError`):

* size: at most `MAX_BYTES` of text (a spec that large is a mistake; a spec server that never stops is one too);
* nesting: at most `MAX_DEPTH` levels, checked without recursion, so that nothing downstream (schemathesis copies the
  document, our walkers recurse) meets Python's recursion limit; a document nested past what the parsers themselves
  can read is refused too;
* YAML aliases: an anchor used many times costs nothing to parse (PyYAML shares the node), but every reader after
  that walks it once per use. A 526-byte "billion laughs" document expands to 10^9 values. The values the aliases
  add on top of the document's own are counted (once per distinct node, so the count is cheap) and bounded by
  `MAX_ALIAS_EXPANSION`.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_BYTES = 50 * 1024 * 1024
MAX_DEPTH = 200
MAX_ALIAS_EXPANSION = 1_000_000


class LimitError(ValueError):
    """A document over one of the limits; the message names the limit."""


def check_size(size: int) -> None:
    if size > MAX_BYTES:
        raise LimitError(
            f"{size / 1024 / 1024:.1f} MB is over the {MAX_BYTES // 1024 // 1024} MB apitest reads; is it the right file?"
        )


def parse_json(text: str) -> Any:
    """JSON text as data; ValueError for bad JSON (with `lineno`), LimitError past a limit."""
    check_size(len(text))
    try:
        data = json.loads(text)
    except RecursionError:
        raise _too_deep(None) from None
    check_shape(data)
    return data


def parse_yaml(text: str, loader: Any) -> Any:
    """YAML text as data with `loader` (a SafeLoader subclass); yaml.YAMLError for bad YAML, LimitError past a limit."""
    import yaml

    check_size(len(text))
    try:
        data = yaml.load(text, Loader=loader)
    except RecursionError:
        raise _too_deep(None) from None
    check_shape(data)
    return data


def check_shape(data: Any) -> None:
    """Nesting depth and the values YAML aliases add, without recursion and visiting each distinct node once."""
    # Depth first over distinct containers; a container's expanded size (1 + its children's) is known once its
    # children's are, when its "done" entry comes off the stack. `on_path` holds the ancestors of the node at hand.
    sizes: dict[int, int] = {}
    own = 0  # the values of the document itself, each distinct container once
    stack: list[tuple[Any, bool, str]] = [(data, False, "#")] if isinstance(data, dict | list) else []
    on_path: set[int] = set()
    while stack:
        node, done, where = stack.pop()
        key = id(node)
        children = list(node.values()) if isinstance(node, dict) else node
        if done:
            sizes[key] = 1 + sum(sizes.get(id(c), 1) for c in children)
            on_path.discard(key)
            continue
        if key in sizes or key in on_path:
            continue  # an alias of a node already counted (or a recursive one, which safe YAML cannot build)
        if len(on_path) >= MAX_DEPTH:
            raise _too_deep(where)
        on_path.add(key)
        stack.append((node, True, where))
        own += 1
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for k, child in items:
            if isinstance(child, dict | list):
                stack.append((child, False, f"{where}/{_escape(str(k))}"))
            else:
                own += 1
    if not isinstance(data, dict | list):
        return
    expanded = sizes[id(data)]
    if expanded - own > MAX_ALIAS_EXPANSION:
        raise LimitError(
            f"its YAML aliases expand it to {expanded:,} values, over {MAX_ALIAS_EXPANSION:,} more than it holds; "
            "apitest refuses it (an alias bomb?): write the repeated parts out, or use $ref."
        )


def _too_deep(where: str | None) -> LimitError:
    at = f" at {where if len(where) <= 120 else where[:100] + '...' + where[-17:]}" if where else ""
    return LimitError(f"nested more than {MAX_DEPTH} levels deep{at}; apitest reads at most {MAX_DEPTH}.")


_POINTER_SPECIAL = re.compile(r"[~/]")


def _escape(part: str) -> str:
    return _POINTER_SPECIAL.sub(lambda m: "~0" if m[0] == "~" else "~1", part)
