"""Objections at the opening (异议, 条例 44): raised by bidders after the 唱标, answered by the host on
the spot, visible to all; closing them fixes the record's content."""

from __future__ import annotations

from sqlalchemy import select

from bidding.core.errors import NotFound
from opening_room import record
from opening_room.commands.call import Answer, Call
from opening_room.effects import AfterCommit, RecordToSign
from opening_room.states import State
from opening_room.tables import OpeningEvent, move_session

__all__ = ["answer_objection", "close_objections", "raise_objection"]


async def raise_objection(c: Call) -> Answer:
    """A bidder's objection; its number is the number of its event."""
    text = c.text("text")
    c.emit("objection.raised", {"objection": c.session.last_seq + 1, "by": c.who.name, "text": text})
    return Answer({"objection": c.session.last_seq})


async def answer_objection(c: Call) -> Answer:
    """The host's answer to objection ``objection`` (the number of its event)."""
    text = c.text("text")
    number = c.number("objection")
    raised = await c.db.scalar(
        select(OpeningEvent).where(
            OpeningEvent.lot_id == c.lot.id, OpeningEvent.seq == number, OpeningEvent.name == "objection.raised"
        )
    )
    if raised is None:
        raise NotFound(f"no objection {number}", f"没有异议 {number}")
    c.emit("objection.answered", {"objection": number, "by": c.who.name, "text": text})
    return Answer({"answered": number})


async def close_objections(c: Call) -> Answer:
    """Fix the opening record's content (JSON, 办法 32); its PDF is rendered and signed right after the
    commit, outside the session lock, and announced with ``record.ready``; bidders then confirm it."""
    content = await record.build(c.db, c.session, c.lot, c.project)
    c.session.record_json = content
    move_session(c.session, State.SIGNING)
    sha256 = record.digest(content)
    c.emit("record.preparing", {"record_sha256": sha256})
    return Answer({"record_sha256": sha256}, AfterCommit(records=(RecordToSign(c.lot.id, content, sha256),)))
