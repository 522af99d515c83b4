"""Books on shelves: a resource below another (/shelves/{shelf_id}/books/{book_id}), whose every request must name
its shelf. Its DELETE of a book answers 204 and removes nothing (a planted use-after-delete); every request the API
saw on a book is kept (GET /_seen, left out of its spec), so a test can tell which shelf each named.

`app` has two shelves for good (1 and 2). `removable` starts with none: shelves are made (POST /shelves), read and
deleted (with their books) like any resource, and POST /_wipe (left out of its spec) deletes every one, as a stateful
phase that ends by deleting what it made leaves them."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field


class BookIn(BaseModel):
    title: str = Field(min_length=1, max_length=40)


class Book(BookIn):
    id: int


class ShelfIn(BaseModel):
    name: str = Field(min_length=1, max_length=40)


class Shelf(ShelfIn):
    id: int


def create_app(removable: bool = False) -> FastAPI:
    app = FastAPI(title="shelves", version="1.0")
    shelves: dict[int, dict[int, Book]] = {} if removable else {1: {}, 2: {}}
    names: dict[int, str] = {}
    counter = [0]
    seen: list[str] = []

    def shelf(shelf_id: int) -> dict[int, Book]:
        if shelf_id not in shelves:
            raise HTTPException(404, "no such shelf")
        return shelves[shelf_id]

    if removable:

        @app.post(
            "/shelves",
            status_code=201,
            response_model=Shelf,
            responses={201: {"headers": {"Location": {"schema": {"type": "string"}}}}},
        )
        def make(body: ShelfIn) -> JSONResponse:
            counter[0] += 1
            shelves[counter[0]], names[counter[0]] = {}, body.name
            made = Shelf(id=counter[0], name=body.name)
            return JSONResponse(made.model_dump(), 201, headers={"Location": f"/shelves/{made.id}"})

        @app.get("/shelves/{shelf_id}", response_model=Shelf, responses={404: {}})
        def look(shelf_id: int) -> Shelf:
            shelf(shelf_id)
            return Shelf(id=shelf_id, name=names[shelf_id])

        @app.delete("/shelves/{shelf_id}", status_code=204, responses={404: {}})
        def take_down(shelf_id: int) -> Response:
            shelf(shelf_id)
            del shelves[shelf_id], names[shelf_id]
            return Response(status_code=204)

        @app.post("/_wipe", include_in_schema=False)
        def wipe() -> Response:
            shelves.clear()
            names.clear()
            return Response(status_code=204)

    @app.post("/shelves/{shelf_id}/books", status_code=201, response_model=Book, responses={404: {}})
    def add(shelf_id: int, body: BookIn) -> Book:
        books = shelf(shelf_id)
        book = Book(id=len(books) + 1, **body.model_dump())
        books[book.id] = book
        return book

    @app.get("/shelves/{shelf_id}/books/{book_id}", response_model=Book, responses={404: {}})
    def read(shelf_id: int, book_id: int) -> Book:
        seen.append(f"GET {shelf_id}/{book_id}")
        book = shelf(shelf_id).get(book_id)
        if book is None:
            raise HTTPException(404, "no such book")
        return book

    @app.delete("/shelves/{shelf_id}/books/{book_id}", status_code=204, responses={404: {}})
    def remove(shelf_id: int, book_id: int) -> Response:
        seen.append(f"DELETE {shelf_id}/{book_id}")
        if book_id not in shelf(shelf_id):
            raise HTTPException(404, "no such book")
        return Response(status_code=204)  # the book stays

    @app.get("/_seen", include_in_schema=False)
    def _seen() -> Any:
        return seen

    return app


app = create_app()
removable = create_app(removable=True)
