"""Notes whose IDs only the API mints, for runs over several processes: a note's summary (another resource, so
another process) is found only with an ID from a POST's answer, and a miss takes a little while (so a process that
only reads is still drawing when the one that writes has answers). GET /_found lists the IDs GETs found, i.e.
requests that carried an ID a POST's answer gave."""

from __future__ import annotations

import asyncio
import uuid

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field


class NoteIn(BaseModel):
    text: str = Field(min_length=1, max_length=40)


class Note(NoteIn):
    id: uuid.UUID


class Summary(BaseModel):
    note_id: uuid.UUID
    length: int


def create_app() -> FastAPI:
    app = FastAPI(title="handoff", version="1.0")
    notes: dict[uuid.UUID, Note] = {}
    found: list[str] = []

    @app.post("/notes", status_code=201)
    def create(body: NoteIn) -> Note:
        note = Note(id=uuid.uuid4(), text=body.text)
        notes[note.id] = note
        return note

    @app.get("/summaries/{note_id}", responses={404: {"description": "no such note"}})
    async def summary(note_id: uuid.UUID) -> Summary:
        if note_id not in notes:
            await asyncio.sleep(0.05)
            raise HTTPException(404)
        found.append(str(note_id))
        return Summary(note_id=note_id, length=len(notes[note_id].text))

    @app.get("/_found", include_in_schema=False)
    def found_ids() -> list[str]:
        return found

    return app


app = create_app()
