"""Parameters shared by several operations, and the pagination they drive."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, TypeVar

from fastapi import Header, Path, Query

from .models import MAX_LIMIT, MAX_OFFSET

T = TypeVar("T")

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Page size.", examples=[20])]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.", examples=[0])]
BookId = Annotated[int, Path(ge=1, description="A book's id; the catalogue holds 1-3.", examples=[1])]
OrderId = Annotated[int, Path(ge=1, description="An order's id; each key has placed one.", examples=[1])]
IfNoneMatch = Annotated[
    str | None,
    Header(alias="If-None-Match", description="ETag(s) the client holds; a match answers 304 Not Modified."),
]
IfMatch = Annotated[
    str | None,
    Header(alias="If-Match", description="The ETag the client last saw; if the book has changed since, 412."),
]


def window(items: Sequence[T], limit: int, offset: int) -> list[T]:
    return list(items[offset : offset + limit])
