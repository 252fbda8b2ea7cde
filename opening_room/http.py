"""Public HTTP views of an opening: its state, its public events (for clients without WebSocket) and
the opening record (JSON and the signed PDF)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Stream

from bidding.audit import Actor
from bidding.errors import NotFound
from bidding.fields import QUERY_INT32_CURSOR
from bidding.http.openapi import wire
from opening_room.service import OpeningRoom, Participant
from opening_room.states import Role
from storage.signing import content_disposition


def _room(request: Request[Any, Any, Any]) -> OpeningRoom:
    room: OpeningRoom = request.app.state.opening_room
    return room


class OpeningController(Controller):
    path = "/api/public/openings"
    tags = ["public"]

    @get("/{lot_id:uuid}", summary="State of an opening (what a viewer's welcome message carries)")
    async def state(self, request: Request[Any, Any, Any], lot_id: FromPath[uuid.UUID]) -> dict[str, Any]:
        return await _room(request).snapshot(lot_id)

    @get("/{lot_id:uuid}/events", summary="Public events after `since`, in order")
    async def events(
        self,
        request: Request[Any, Any, Any],
        lot_id: FromPath[uuid.UUID],
        since: Annotated[int, QUERY_INT32_CURSOR] = 0,
    ) -> list[dict[str, Any]]:
        room = _room(request)
        await room.tick(lot_id)
        public = Participant(role=Role.PUBLIC, actor=Actor(id="public"))
        return [e.message() for e in await room.events_since(lot_id, since, public)]

    @get("/{lot_id:uuid}/record.json", summary="The opening record (开标记录) as JSON")
    async def record_json(self, request: Request[Any, Any, Any], lot_id: FromPath[uuid.UUID]) -> dict[str, Any]:
        record, _ = await _room(request).record(lot_id)
        return record

    @get(
        "/{lot_id:uuid}/record.pdf",
        opt=wire(response=["application/pdf"]),
        summary="The opening record, signed by the platform and the bidders",
    )
    async def record_pdf(self, request: Request[Any, Any, Any], lot_id: FromPath[uuid.UUID]) -> Stream:
        room = _room(request)
        _, key = await room.record(lot_id)
        if key is None:
            raise NotFound("the record PDF is not ready", "开标记录 PDF 尚未生成")
        headers = {"Content-Disposition": content_disposition("开标记录.pdf")}
        return Stream(room.open_object(key), media_type="application/pdf", headers=headers)
