"""/v1/books: a public catalogue; a book can be changed only by the user who added it."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, Response

from .bugs import BugKey
from .dependencies import USERS, ApiKey, BookCreator, Demo, DemoDep, User, current_user, unauthorized
from .etags import if_match, tagged_json
from .models import MAX_OFFSET, Book, BookIn, BookPage
from .openapi import LOCATION, NOT_MODIFIED, TAGGED, errors, link
from .params import BookId, IfMatch, IfNoneMatch, Limit, Offset, window
from .problems import ProblemError
from .store import CATALOGUE, QuotaExceededError, Row

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/v1/books", tags=["books"])

_LINKS = {
    "GetBook": link("getBook", "book_id"),
    "PutBook": link("replaceBook", "book_id"),
    "DeleteBook": link("deleteBook", "book_id"),
}


@router.get(
    "",
    operation_id="listBooks",
    summary="List the catalogue, newest first",
    response_model=BookPage,
    dependencies=[Depends(current_user)],
    responses=errors(401, 422),
)
def list_books(demo: DemoDep, limit: Limit = 20, offset: Offset = 0) -> BookPage:
    books = demo.store.books.values()[::-1]
    if BugKey.SERVER_ERROR_ON_MAX_OFFSET in demo.bugs:
        # Planted: divides by the headroom left below MAX_OFFSET, which is zero at the documented maximum.
        logger.debug("deep pagination: %d pages of headroom", (len(books) - offset) // (MAX_OFFSET - offset))
    return BookPage(items=window(books, limit, offset), total=len(books), limit=limit, offset=offset)


@router.post(
    "",
    operation_id="createBook",
    summary="Add a book",
    status_code=201,
    response_model=Book,
    responses={201: {"headers": {"Location": LOCATION}, "links": _LINKS}, **errors(400, 401, 409, 422)},
)
def create_book(body: BookIn, owner: BookCreator, demo: DemoDep) -> Response:
    try:
        book = demo.store.add_book(owner, body)
    except QuotaExceededError as exc:
        raise ProblemError(409, f"Book quota reached: {exc}", kind="quota-exceeded") from exc
    return JSONResponse(book.model_dump(), status_code=201, headers={"Location": f"{router.prefix}/{book.id}"})


@router.get(
    "/{book_id}",
    operation_id="getBook",
    summary="Get a book",
    response_model=Book,
    responses={200: TAGGED, 304: NOT_MODIFIED, **errors(401, 404, 422)},
)
def get_book(book_id: BookId, api_key: ApiKey, demo: DemoDep, if_none_match: IfNoneMatch = None) -> Response:
    if USERS.get(api_key or "") is None:
        known = demo.store.books.get(book_id)
        if BugKey.UNAUTHORIZED_NAMES_THE_BOOK in demo.bugs and known is not None:
            # planted: a "helpful" error that shows what it refuses to show
            raise unauthorized(api_key, f"Sign in to read {known.value.title!r} by {known.value.author}.")
        raise unauthorized(api_key)
    row = _find(demo, book_id)
    content = row.value.model_dump()
    if BugKey.PRICE_AS_STRING in demo.bugs and row.owner == CATALOGUE:
        content["price_cents"] = str(content["price_cents"])  # planted: as if read from a legacy text column
    return tagged_json(content, if_none_match=if_none_match)


@router.put(
    "/{book_id}",
    operation_id="replaceBook",
    summary="Replace a book you added",
    response_model=Book,
    responses={200: TAGGED, **errors(400, 401, 403, 404, 412, 422)},
)
def replace_book(book_id: BookId, body: BookIn, user: User, demo: DemoDep, if_match_header: IfMatch = None) -> Response:
    row = _find(demo, book_id)
    _owned(row, user)
    if not if_match(if_match_header, row.value.model_dump()) and BugKey.STALE_IF_MATCH_APPLIED not in demo.bugs:
        raise ProblemError(412, f"Book {book_id} changed since the ETag you sent; read it again.")
    book = Book(id=book_id, **body.model_dump())
    stored = book
    if BugKey.LOST_PRICE_CHANGE in demo.bugs:
        stored = book.model_copy(update={"price_cents": row.value.price_cents})  # planted: "needs approval", dropped
    if not demo.store.books.replace(book_id, stored):
        raise _not_found(book_id)
    return tagged_json(book.model_dump(), etag=BugKey.MISSING_ETAG_ON_UPDATE not in demo.bugs)


@router.delete(
    "/{book_id}",
    operation_id="deleteBook",
    summary="Delete a book you added",
    status_code=204,
    response_class=Response,
    # The link says where the book was, so that fuzzers check it is gone (404) after the DELETE.
    responses={
        204: {"links": {"GetDeletedBook": link("getBook", "book_id", "$request.path.book_id")}},
        **errors(401, 403, 404, 422),
    },
)
def delete_book(book_id: BookId, user: User, demo: DemoDep) -> None:
    _owned(_find(demo, book_id), user)
    if BugKey.DELETED_BOOK_STILL_READABLE in demo.bugs:
        return
    if not demo.store.books.delete(book_id):
        raise _not_found(book_id)


def _find(demo: Demo, book_id: int) -> Row[Book]:
    row = demo.store.books.get(book_id)
    if row is None:
        raise _not_found(book_id)
    return row


def _owned(row: Row[Book], user: str) -> None:
    if row.owner != user:
        raise ProblemError(403, f"Book {row.value.id} belongs to someone else.", kind="not-owner")


def _not_found(book_id: int) -> ProblemError:
    return ProblemError(404, f"No book with id {book_id}.")
