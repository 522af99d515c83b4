"""Private records and payments, following REST practice (`good`) or breaking each practice the follow-up checks
judge (`bad`): one flag per broken practice, all on in `bad` but `cross_user_read`, which `leaky` has alone.

Users: `X-Key: k1` (alice) and `X-Key: k2` (bob). A record belongs to whoever made it: others get 404.
"""

from __future__ import annotations

import hashlib
import re
import threading
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Path, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

USERS = {"k1": "alice", "k2": "bob"}
FLAGS = frozenset(
    {
        "lost_update",  # PUT answers the new name but keeps the old one
        "restock",  # PUT adds `count` to what is stored instead of setting it (not idempotent)
        "ignore_if_none_match",  # a GET with the current ETag still answers 200 with the body
        "ignore_if_match",  # a PUT with a stale If-Match is applied
        "resurrect",  # DELETE answers 204 and keeps the record
        "leak_401",  # a GET without credentials answers 401 with the record's name in the error
        "cross_user_write",  # another user may PUT and DELETE a record they cannot read
        "key_ignored",  # a POST /payments repeated with the same Idempotency-Key pays twice
        "cross_user_read",  # another user may read any record
    }
)
# Not broken practices, but ways of being that the follow-up checks have to cope with:
# "put_creates": records are made by PUT to an id of the client's choice (201), as Kinto's buckets; the spec
#   documents no POST /records.
# "unique_names": a name once taken stays taken, even after its record is deleted: creating another record with it
#   answers 409 (as bucket names in some object stores).
# "numeric_etags": ETags are digits between double quotes, and an If-Match of another form is refused with 400
#   before anything else (as Kinto's: 'If-Match should be integer between double quotes').
# "memo_patch": the one write the spec documents is a PATCH of a `memo` the read never shows (a write-only field,
#   as a password); its PUT is left out of the spec.
# "no_creation": the spec documents no way to make a record (no POST /records), so no record ever exists.
# "gone_403", "undocumented_404", "undescribed": see the variants at the end.
SECURITY = [{"key": []}]
# A suite serving one of the apps below (`app`), as both users, with a small seeded budget: the tests' suite.
SUITE = """serve = "records:{app}"
[auth.headers]
X-Key = "k1"
[auth.secondary.headers]
X-Key = "k2"
[fuzz]
max_examples = 10
seed = 1
"""
Key = Annotated[str | None, Header(alias="X-Key")]
RecordId = Annotated[int, Path(ge=1)]


class RecordIn(BaseModel):
    name: str = Field(min_length=1, max_length=30)
    count: int = Field(ge=0, le=1000)


class Record(RecordIn):
    id: int
    # Kept by the server (it counts the PUTs), so readOnly: the same PUT twice leaves it different, rightly.
    writes: int = Field(0, ge=0, json_schema_extra={"readOnly": True})


class MemoIn(BaseModel):
    memo: str = Field(min_length=1, max_length=30)


class PaymentIn(BaseModel):
    amount: int = Field(ge=1, le=10_000)


class Payment(PaymentIn):
    id: int


def create_app(flags: frozenset[str] = frozenset()) -> FastAPI:
    app = FastAPI(title="records", version="1.0")
    lock = threading.Lock()
    records: dict[int, tuple[str, Record]] = {}
    payments: dict[int, tuple[str, Payment]] = {}
    keys: dict[str, tuple[str, Payment]] = {}
    counter = [0]
    memos: dict[int, str] = {}
    taken: set[str] = set()  # every name a record was made with (unique_names)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            from fastapi.openapi.utils import get_openapi

            doc = get_openapi(title=app.title, version=app.version, routes=app.routes)
            doc.setdefault("components", {})["securitySchemes"] = {
                "key": {"type": "apiKey", "in": "header", "name": "X-Key"}
            }
            doc["security"] = SECURITY
            if "undocumented_404" in flags:  # the spec never says a read of a missing record answers 404
                doc["paths"]["/records/{record_id}"]["get"]["responses"].pop("404", None)
            if "put_creates" in flags:  # the one way to make a record is PUT
                doc["paths"].pop("/records")
            if "memo_patch" in flags:  # no PUT in the spec: PATCH of a memo is the one write
                doc["paths"]["/records/{record_id}"].pop("put")
            if "no_creation" in flags:
                doc["paths"].pop("/records")
            if "undescribed" in flags:  # the spec says nothing of what a read of a record holds
                for response in doc["paths"]["/records/{record_id}"]["get"]["responses"].values():
                    response.pop("content", None)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    def user(key: str | None) -> str:
        if key not in USERS:
            raise HTTPException(401, "a valid X-Key is required")
        return USERS[key or ""]

    def next_id() -> int:
        counter[0] += 1
        return counter[0]

    def etag(record: Record) -> str:
        digest = hashlib.sha256(record.model_dump_json().encode()).hexdigest()[:16]
        return '"' + (str(int(digest, 16)) if "numeric_etags" in flags else digest) + '"'

    def own(record_id: int, who: str, *, write: bool = False) -> Record:
        found = records.get(record_id)
        shared = "cross_user_write" in flags if write else "cross_user_read" in flags
        if found is None or (found[0] != who and not shared):
            raise HTTPException(404, "no such record")
        return found[1]

    @app.post(
        "/records",
        status_code=201,
        response_model=Record,
        responses={201: {"headers": {"Location": {"schema": {"type": "string"}}}}, 401: {}, 409: {}},
    )
    def create(body: RecordIn, x_key: Key = None) -> JSONResponse:
        who = user(x_key)
        with lock:
            return made(Record(id=next_id(), **body.model_dump()), who)

    def made(record: Record, who: str) -> JSONResponse:
        if "unique_names" in flags:
            if record.name in taken:
                return JSONResponse({"detail": f"the name {record.name!r} is taken"}, 409)
            taken.add(record.name)
        records[record.id] = (who, record)
        return JSONResponse(record.model_dump(), 201, headers={"Location": f"/records/{record.id}"})

    @app.get(
        "/records/{record_id}",
        response_model=Record,
        responses={
            200: {"headers": {"ETag": {"schema": {"type": "string"}}}},
            304: {"description": "not modified"},
            401: {},
            404: {},
        },
    )
    def read(
        record_id: RecordId,
        request: Request,
        x_key: Key = None,
        if_none_match: Annotated[str | None, Header()] = None,
    ) -> Response:
        if x_key not in USERS and "leak_401" in flags and record_id in records:
            detail = f"a valid X-Key is required to read {records[record_id][1].name!r}"
            return JSONResponse({"detail": detail}, 401)
        record = own(record_id, user(x_key))
        tag = etag(record)
        if if_none_match == tag and "ignore_if_none_match" not in flags:
            return Response(status_code=304, headers={"ETag": tag})
        return JSONResponse(record.model_dump(), headers={"ETag": tag})

    @app.put(
        "/records/{record_id}",
        response_model=Record,
        responses={
            200: {"headers": {"ETag": {"schema": {"type": "string"}}}},
            **({201: {"headers": {"Location": {"schema": {"type": "string"}}}}} if "put_creates" in flags else {}),
            401: {},
            404: {},
            409: {},
            412: {},
        },
    )
    def replace(
        record_id: RecordId,
        body: RecordIn,
        x_key: Key = None,
        if_match: Annotated[str | None, Header()] = None,
    ) -> JSONResponse:
        who = user(x_key)
        if if_match is not None and "numeric_etags" in flags and not re.fullmatch(r'"[0-9]+"', if_match):
            raise HTTPException(400, "If-Match should be integer between double quotes")
        with lock:
            if "put_creates" in flags and record_id not in records and if_match is None:
                return made(Record(id=record_id, **body.model_dump()), who)
            current = own(record_id, who, write=True)
            if if_match is not None and if_match != etag(current) and "ignore_if_match" not in flags:
                raise HTTPException(412, "the record changed since")
            answer = Record(id=record_id, writes=current.writes + 1, **body.model_dump())
            stored = answer.model_copy()
            if "lost_update" in flags:
                stored.name = current.name
            if "restock" in flags:
                stored.count = current.count + body.count
            records[record_id] = (records[record_id][0], stored)
        shown = answer if "lost_update" in flags else stored
        return JSONResponse(shown.model_dump(), headers={"ETag": etag(stored)})

    if "memo_patch" in flags:

        @app.patch("/records/{record_id}", status_code=204, responses={401: {}, 404: {}})
        def annotate(record_id: RecordId, body: MemoIn, x_key: Key = None) -> Response:
            who = user(x_key)
            with lock:
                own(record_id, who, write=True)
                memos[record_id] = body.memo  # kept, never shown by a read
            return Response(status_code=204)

    @app.delete("/records/{record_id}", status_code=204, responses={401: {}, 404: {}})
    def delete(record_id: RecordId, x_key: Key = None) -> Response:
        who = user(x_key)
        with lock:
            if "gone_403" in flags and record_id not in records:
                raise HTTPException(403, "not yours")  # as Kinto: a record that is gone is one you may not see
            own(record_id, who, write=True)
            if "resurrect" not in flags:
                del records[record_id]
        return Response(status_code=204)

    @app.post(
        "/payments",
        status_code=201,
        response_model=Payment,
        responses={201: {"headers": {"Location": {"schema": {"type": "string"}}}}, 401: {}, 422: {}},
    )
    def pay(
        body: PaymentIn,
        x_key: Key = None,
        idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
    ) -> JSONResponse:
        who = user(x_key)
        with lock:
            if idempotency_key and idempotency_key in keys and "key_ignored" not in flags:
                owner, earlier = keys[idempotency_key]
                if owner != who or earlier.amount != body.amount:
                    return JSONResponse({"detail": "key reused with another request"}, 422)
                return JSONResponse(earlier.model_dump(), 201, headers={"Location": f"/payments/{earlier.id}"})
            payment = Payment(id=next_id(), **body.model_dump())
            payments[payment.id] = (who, payment)
            if idempotency_key:
                keys[idempotency_key] = (who, payment)
        return JSONResponse(payment.model_dump(), 201, headers={"Location": f"/payments/{payment.id}"})

    @app.post("/_wipe", include_in_schema=False)
    def wipe() -> Response:  # what a stateful phase that deletes all it made leaves: nothing (names stay taken)
        with lock:
            records.clear()
            payments.clear()
            keys.clear()
        return Response(status_code=204)

    @app.get("/payments/{payment_id}", response_model=Payment, responses={401: {}, 404: {}})
    def payment(payment_id: Annotated[int, Path(ge=1)], x_key: Key = None) -> JSONResponse:
        who = user(x_key)
        if payment_id not in payments or payments[payment_id][0] != who:
            raise HTTPException(404, "no such payment")
        return JSONResponse(payments[payment_id][1].model_dump())

    return app


good = create_app()
bad = create_app(
    FLAGS - {"cross_user_read"}
)  # a readable record is shared: cross-user writes are judged on private ones
leaky = create_app(frozenset({"cross_user_read"}))
bad_undescribed = create_app((FLAGS - {"cross_user_read"}) | {"undescribed"})
bad_undocumented_404 = create_app((FLAGS - {"cross_user_read"}) | {"undocumented_404"})
good_gone_403 = create_app(frozenset({"gone_403"}))
bad_put_created = create_app(frozenset({"put_creates", "lost_update", "restock"}))
good_unique_names = create_app(frozenset({"unique_names"}))
bad_numeric_etags = create_app(frozenset({"numeric_etags", "ignore_if_match"}))
good_numeric_etags = create_app(frozenset({"numeric_etags"}))
good_memo_patch = create_app(frozenset({"memo_patch"}))
good_no_creation = create_app(frozenset({"no_creation"}))
