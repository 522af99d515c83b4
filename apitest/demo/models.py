"""Request and response bodies. Requests are strict: JSON "5" is not an integer, unknown fields are rejected."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

MAX_LIMIT = 100
MAX_OFFSET = 10_000
MAX_QUANTITY = 10


def _integral(value: object) -> object:
    # JSON Schema counts 1965.0 as an integer, strict pydantic does not.
    return int(value) if isinstance(value, float) and value.is_integer() else value


# After the constraints, or pydantic cannot express them in JSON Schema.
INTEGRAL = BeforeValidator(_integral)
Title = Annotated[str, Field(min_length=1, max_length=200, examples=["Dune"])]
Author = Annotated[str, Field(min_length=1, max_length=100, examples=["Frank Herbert"])]
Isbn = Annotated[str, Field(pattern=r"^97[89][0-9]{10}$", examples=["9780441172719"])]
PriceCents = Annotated[int, Field(ge=0, le=1_000_000, examples=[1299]), INTEGRAL]
Year = Annotated[int, Field(ge=1450, le=2100, examples=[1965]), INTEGRAL]
Id = Annotated[int, Field(ge=1, examples=[1]), INTEGRAL]


class Identified(BaseModel):
    id: Id


class BookIn(BaseModel):
    model_config = ConfigDict(
        strict=True,
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "title": "Dune",
                    "author": "Frank Herbert",
                    "isbn": "9780441172719",
                    "price_cents": 1299,
                    "published_year": 1965,
                }
            ]
        },
    )

    title: Title
    author: Author
    isbn: Isbn
    price_cents: PriceCents
    published_year: Year


class Book(BookIn, Identified):  # this base order puts `id` first in the JSON
    model_config = ConfigDict(strict=False, extra="ignore", json_schema_extra=None)


class OrderIn(BaseModel):
    model_config = ConfigDict(
        strict=True, extra="forbid", json_schema_extra={"examples": [{"book_id": 1, "quantity": 2}]}
    )

    book_id: Id
    quantity: Annotated[int, Field(ge=1, le=MAX_QUANTITY, examples=[2]), INTEGRAL]


class Order(OrderIn, Identified):
    model_config = ConfigDict(strict=False, extra="ignore", json_schema_extra=None)

    total_cents: Annotated[int, Field(ge=0)]
    status: Literal["placed"]
    created_at: datetime


class Page(BaseModel):
    total: Annotated[int, Field(ge=0)]
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)]
    offset: Annotated[int, Field(ge=0, le=MAX_OFFSET)]


class BookPage(Page):
    items: list[Book]


class OrderPage(Page):
    items: list[Order]


class BookSales(BaseModel):
    book_id: Id
    title: Title
    units: Annotated[int, Field(ge=1)]


class Stats(BaseModel):
    books: Annotated[int, Field(ge=0)]
    orders: Annotated[int, Field(ge=0)]
    units_sold: Annotated[int, Field(ge=0)]
    revenue_cents: Annotated[int, Field(ge=0)]
    top_books: list[BookSales]


class Health(BaseModel):
    status: Literal["ok"]


class Problem(BaseModel):
    """An RFC 9457 problem detail; every error of the API carries exactly these members."""

    type: Annotated[str, Field(json_schema_extra={"format": "uri-reference"}, examples=["about:blank"])]
    title: Annotated[str, Field(examples=["Not Found"])]
    status: Annotated[int, Field(ge=400, le=599, examples=[404])]
    detail: Annotated[str, Field(examples=["No book with id 42."])]
    instance: Annotated[str, Field(examples=["/v1/books/42"])]
