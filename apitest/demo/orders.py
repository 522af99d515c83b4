"""/v1/orders: private to the user who placed them; other users' orders do not exist for you (404, not 403)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, PlainTextResponse, Response

from .bugs import BugKey
from .dependencies import Demo, DemoDep, User
from .etags import tagged_json
from .models import Order, OrderIn, OrderPage
from .openapi import LOCATION, NOT_MODIFIED, TAGGED, errors, link
from .params import IfNoneMatch, Limit, Offset, OrderId, window
from .problems import ProblemError
from .store import QuotaExceededError

router = APIRouter(prefix="/v1/orders", tags=["orders"])

SORTS = ("created_at", "-created_at")
# The enum is checked in list_orders(), not by FastAPI, so that the buggy app can skip the check.
Sort = Annotated[
    str, Query(description="Order by creation time, newest first with `-`.", json_schema_extra={"enum": SORTS})
]


@router.post(
    "",
    operation_id="createOrder",
    summary="Order a book",
    status_code=201,
    response_model=Order,
    responses={
        201: {
            "headers": {"Location": LOCATION},
            "links": {"GetOrder": link("getOrder", "order_id"), "DeleteOrder": link("cancelOrder", "order_id")},
        },
        **errors(400, 401, 404, 409, 422),
    },
)
def create_order(body: OrderIn, user: User, demo: DemoDep) -> Response:
    book = demo.store.books.get(body.book_id)
    if book is None:
        raise ProblemError(404, f"No book with id {body.book_id}.")
    try:
        order = demo.store.add_order(user, body, book.value.price_cents)
    except QuotaExceededError as exc:
        raise ProblemError(409, f"Order quota reached: {exc}", kind="quota-exceeded") from exc
    status = 200 if BugKey.ORDER_CREATED_WITH_200 in demo.bugs else 201
    content = order.model_dump(mode="json")
    return JSONResponse(content, status_code=status, headers={"Location": f"{router.prefix}/{order.id}"})


@router.get(
    "",
    operation_id="listOrders",
    summary="List your orders",
    response_model=OrderPage,
    responses=errors(401, 422),
)
def list_orders(
    user: User, demo: DemoDep, limit: Limit = 20, offset: Offset = 0, sort: Sort = "-created_at"
) -> OrderPage:
    if sort not in SORTS and BugKey.UNKNOWN_SORT_ACCEPTED not in demo.bugs:
        raise ProblemError(422, f"query.sort: Input should be one of {', '.join(SORTS)}.", kind="validation-error")
    orders = demo.store.orders.values(owner=user)
    if sort != "created_at":
        orders.reverse()
    return OrderPage(items=window(orders, limit, offset), total=len(orders), limit=limit, offset=offset)


@router.get(
    "/{order_id}",
    operation_id="getOrder",
    summary="Get one of your orders",
    response_model=Order,
    responses={200: TAGGED, 304: NOT_MODIFIED, **errors(401, 404, 422)},
)
def get_order(order_id: OrderId, user: User, demo: DemoDep, if_none_match: IfNoneMatch = None) -> Response:
    order = _find(demo, order_id, user)
    if order is None:
        if BugKey.PLAIN_TEXT_NOT_FOUND in demo.bugs:
            return PlainTextResponse("order not found", status_code=404)
        raise _not_found(order_id)
    if BugKey.CONDITIONAL_GET_IGNORED in demo.bugs:
        if_none_match = None  # planted: the ETag is sent, but never honoured
    return tagged_json(order.model_dump(mode="json"), if_none_match=if_none_match)


@router.delete(
    "/{order_id}",
    operation_id="cancelOrder",
    summary="Cancel one of your orders",
    status_code=204,
    response_class=Response,
    responses={
        204: {"links": {"GetCancelledOrder": link("getOrder", "order_id", "$request.path.order_id")}},
        **errors(401, 404, 422),
    },
)
def cancel_order(order_id: OrderId, user: User, demo: DemoDep) -> None:
    if BugKey.CANCEL_TWICE_CRASHES in demo.bugs and order_id in demo.cancelled:
        raise RuntimeError(f"order {order_id} has no line items left to refund")  # planted: a 500, not a 404
    row = demo.store.orders.get(order_id)
    mine = row is not None and (row.owner == user or BugKey.ANY_USER_CANCELS in demo.bugs)  # planted: anyone's
    if not mine or not demo.store.orders.delete(order_id):
        raise _not_found(order_id)
    demo.cancelled.add(order_id)


def _find(demo: Demo, order_id: int, user: str) -> Order | None:
    row = demo.store.orders.get(order_id)
    return row.value if row is not None and row.owner == user else None


def _not_found(order_id: int) -> ProblemError:
    return ProblemError(404, f"You have no order with id {order_id}.")
