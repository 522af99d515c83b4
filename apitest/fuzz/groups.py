"""Operation groups: how a suite's operations are shared out among pytest-xdist workers (`apitest run -n N`).

Each group is one engine run in one worker process (see _pool.py for what the runs share across processes); the
stateful and follow-up items form a group of their own that starts once every operation group is done. A resource's
operations stay together (`POST /books`, `GET /books/{id}`, ... by the first path segment that is not a prefix
such as /api or /v1), always: the engine's cross-operation learning is strongest between them, and a resource cut
in two has one process delete what the other is working on (Kinto, whose every path is under /buckets, cut in four
gave 55 and 62 findings in two runs with the same seed; whole, 35 in each of four runs). Resources are dealt out
whole, largest first, to the group with the fewest operations, so an API that is one resource gets one group.
Every worker computes the same groups from the same spec, so the collections xdist compares agree.

Forked children (`[fuzz] processes = N`, _forked.py) take `operation_pieces` instead: small resources merged, handed
out as each child finishes one, which xdist's fixed groups cannot be.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Sequence

AFTER = "after"  # the group of the stateful and follow-up items


_PREFIX = re.compile(r"^(api|rest|v\d+(\.\d+)*)$", re.IGNORECASE)  # /api/v1/books: the resource is "books"


def resource_of(path: str) -> str:
    segments = [s for s in path.split("/") if s and not s.startswith("{")]
    return next((s for s in segments if not _PREFIX.match(s)), segments[-1] if segments else "")


def _by_resource(labels: Sequence[str]) -> dict[str, list[str]]:
    """`labels` ("METHOD /path") by resource, in the spec's order, each once."""
    clusters: dict[str, list[str]] = {}
    for label in dict.fromkeys(labels):
        clusters.setdefault(resource_of(label.split(" ", 1)[1]), []).append(label)
    return clusters


def operation_groups(labels: Sequence[str], count: int) -> list[list[str]]:
    """`labels` ("METHOD /path") in at most `count` groups, in the spec's order within each group."""
    if count < 1:
        raise ValueError("at least one group")
    labels = list(dict.fromkeys(labels))
    clusters = _by_resource(labels)
    groups: list[list[str]] = [[] for _ in range(min(count, len(clusters)) or 1)]
    for cluster in sorted(clusters.values(), key=len, reverse=True):  # stable: ties keep the spec's order
        min(groups, key=len).extend(cluster)
    order = {label: i for i, label in enumerate(labels)}
    return [sorted(g, key=order.__getitem__) for g in groups if g]


PIECES_PER_PROCESS = 2  # forked runs: pieces handed out per process, so an early finisher takes more


def operation_pieces(labels: Sequence[str], processes: int) -> list[list[str]]:
    """`labels` in pieces for `processes` forked children that each take the next piece when done with one
    (_forked.py): what an operation costs cannot be told from the spec (on the demo, one query parameter costs
    ten times a path parameter), so the load is balanced by handing work out as it goes, not by guessing.

    A piece is one engine run. Pieces hold about len(labels) / (PIECES_PER_PROCESS * processes) operations: small
    resources merged, so there are few engine runs and the last piece is short; a resource larger than that is one
    piece of its own, never cut (see above). Largest first, ties in the spec's order.
    """
    if processes < 1:
        raise ValueError("at least one process")
    labels = list(dict.fromkeys(labels))
    size = max(math.ceil(len(labels) / (PIECES_PER_PROCESS * processes)), 1)
    pieces: list[list[str]] = []
    current: list[str] = []
    for cluster in _by_resource(labels).values():
        if current and len(current) + len(cluster) > size:
            pieces.append(current)
            current = []
        current = current + cluster
    if current:
        pieces.append(current)
    return sorted(pieces, key=len, reverse=True)


_SUFFIX = re.compile(r"@apitest-fuzz-[0-9a-f]{8}-\w+$")


def ungrouped(nodeid: str) -> str:
    """`nodeid` without the "@group" suffix xdist's loadgroup adds to the node ids it schedules by."""
    return _SUFFIX.sub("", nodeid)


def group_name(suite_file: str, group: str) -> str:
    """The xdist_group name of a suite's group: unique per suite file, stable across workers."""
    digest = hashlib.sha1(suite_file.encode()).hexdigest()[:8]
    return f"apitest-fuzz-{digest}-{group}"
