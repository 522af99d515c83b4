"""An API that echoes what it receives, credentials included, in its error bodies, its headers and its log."""

from __future__ import annotations

import sys

from fastapi import FastAPI, Header, HTTPException, Query, Request
from fastapi.responses import JSONResponse

app = FastAPI(title="echo", version="1.0")


@app.get("/things/{thing_id}", responses={404: {"description": "no such thing"}})
def thing(
    thing_id: int,
    request: Request,
    authorization: str = Header(""),
    access_token: str = Query("", description="a second place the client may put its token"),
) -> JSONResponse:
    print(f"GET /things/{thing_id} with {authorization} {access_token}", file=sys.stderr)  # a log that leaks
    if access_token or thing_id % 2:
        # an undocumented 500 whose body and headers hand the credentials back
        return JSONResponse(
            {"error": "boom", "you sent": authorization, "query": str(request.url), "author": "Ann"},
            status_code=500,
            headers={"X-Echo": authorization, "WWW-Authenticate": f"Bearer realm={authorization}"},
        )
    if thing_id < -10:
        raise HTTPException(404, f"no thing for {authorization}")
    return JSONResponse({"id": thing_id, "author": "Ann"})
