"""Media types: a Content-Type against the documented ones, and an Accept header against what is produced."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


def essence(media_type: str) -> str:
    """`Application/JSON; charset=utf-8` -> `application/json`."""
    return media_type.split(";")[0].strip().lower()


def is_json(media_type: str | None) -> bool:
    if media_type is None:
        return False
    media = essence(media_type)
    return media == "application/json" or media.endswith("+json")


def covers(documented: str, actual: str) -> bool:
    """Whether a documented media type (or range: `*/*`, `image/*`) covers an actual one."""
    doc, act = essence(documented), essence(actual)
    if doc in (act, "*/*"):
        return True
    major, _, minor = doc.partition("/")
    return minor == "*" and act.split("/")[0] == major


def match_media(content_type: str, documented: Iterable[str]) -> str | None:
    """The documented media type a content type falls under: the exact one first, then ranges."""
    listed = list(documented)
    exact = next((m for m in listed if essence(m) == essence(content_type)), None)
    return exact or next((m for m in listed if covers(m, content_type)), None)


def pick_json(documented: Iterable[str]) -> str | None:
    """For a body sent without a Content-Type: the only documented type, else the first JSON one."""
    listed = list(documented)
    if len(listed) == 1:
        return listed[0]
    return next((m for m in listed if is_json(m)), next((m for m in listed if covers(m, "application/json")), None))


@dataclass(frozen=True, slots=True)
class MediaRange:
    media: str
    q: float


def parse_accept(header: str) -> list[MediaRange]:
    ranges = []
    for part in header.split(","):
        if not part.strip():
            continue
        media, *params = (p.strip() for p in part.split(";"))
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 1.0
        ranges.append(MediaRange(media.lower(), q))
    return ranges


def acceptable(header: str, produced: Iterable[str]) -> bool:
    """Whether any produced media type is acceptable to an Accept header (a range with q=0 refuses it)."""
    ranges = parse_accept(header)
    if not ranges:
        return True
    for media in produced:
        fitting = [r for r in ranges if covers(r.media, media) or covers(media, r.media)]
        # The most specific range decides (RFC 9110 12.5.1): `application/json;q=0` refuses JSON even beside `*/*`.
        if fitting and max(fitting, key=lambda r: _specificity(r.media)).q > 0:
            return True
    return False


def _specificity(media: str) -> int:
    major, _, minor = media.partition("/")
    return (major != "*") + (minor != "*")
