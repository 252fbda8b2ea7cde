"""Running the session: the extraction at the deadline (the clock's), the host's decisions and the
decryption window's clock, adjourning, the supervisor's remarks."""

from __future__ import annotations

from datetime import timedelta

from bidding.core.actor import Actor
from bidding.core.errors import InvalidInput
from bidding.deposits.status import release_at_extraction
from bidding.submission.service import extract_bids
from bidding.tendering.models import Lot, Project
from bidding.tendering.rules.projects import ProjectStatus
from opening_room import reads
from opening_room.commands.call import Answer, Call, Change
from opening_room.states import MIN_BIDS, BidOpeningStatus, State
from opening_room.tables import BidOpening, move_session

__all__ = [
    "adjourn",
    "continue_",
    "extend",
    "extract",
    "pause",
    "publish_bidders",
    "remark",
    "resume",
    "start_decryption",
    "stop",
]


async def extract(c: Change, lot: Lot, project: Project) -> None:
    """At the deadline every active bid is taken for the opening (办法 29); nothing is decrypted."""
    if project.status is ProjectStatus.CANCELLED:
        move_session(c.session, State.FAILED)
        c.emit("session.failed", {"reason": "terminated"})
        return
    # Only once every upload whose last byte came before the deadline is decided, and under the
    # lot's lock: each bid with a receipt is taken in the version its receipt names (办法 27, 29).
    rows = await extract_bids(c.db, lot.id, c.resources.clock)
    if rows is None:
        return  # still verifying such an upload: the next tick (≤ 1 s) tries again
    # Sign-ins before the deadline were known to each bidder alone: now they count.
    signed_in = await reads.early_sign_ins(c.db, lot.id)
    for order, (bid, _org) in enumerate(rows, start=1):
        if await c.db.get(BidOpening, bid.id) is None:
            c.db.add(
                BidOpening(
                    bid_id=bid.id,
                    lot_id=lot.id,
                    organization_id=bid.organization_id,
                    order_no=order,
                    status=BidOpeningStatus.PENDING,
                    attempts=0,
                    signed_in_at=signed_in.get(bid.organization_id),
                )
            )
    # The payer list, sealed until now (办法 21), goes to the opening with each bidder's deposit status.
    await release_at_extraction(
        c.db, lot, [bid.organization_id for bid, _org in rows], actor=Actor.system("opening"), now=c.now()
    )
    c.emit("bids.extracted", {"count": len(rows)})
    if len(rows) < MIN_BIDS:
        move_session(c.session, State.EXTRACTED)
        c.emit("decision.required", {"count": len(rows), "minimum": MIN_BIDS})
    else:
        await publish_bidders(c, lot)


async def publish_bidders(c: Change, lot: Lot) -> None:
    """The list of bidders, public from here on (with whether each signed in and its deposit)."""
    rows = await reads.bidders_in_order(c.db, lot.id)
    deposits = await reads.deposit_labels(c.db, lot)
    move_session(c.session, State.BIDDERS_PUBLISHED)
    bidders = [
        {
            "order": o.order_no,
            "name": org.name,
            "credit_code": org.credit_code,
            "deposit": deposits(org.id),
            "signed_in": o.signed_in_at is not None,
        }
        for o, org in rows
    ]
    c.emit("bidders.published", {"bidders": bidders})


async def continue_(c: Call) -> Answer:
    """Go on with fewer than three bids (条例 44): the host's reason, then the bidders are published."""
    reason = c.text("reason")
    c.emit("host.continued", {"reason": reason})
    await publish_bidders(c, c.lot)
    return Answer({"state": c.session.state})


async def stop(c: Call) -> Answer:
    """The opening fails (fewer than three bids, the host's decision)."""
    reason = c.text("reason")
    move_session(c.session, State.FAILED)
    c.emit("session.failed", {"reason": reason, "by": "host"})
    return Answer({"state": c.session.state})


async def start_decryption(c: Call) -> Answer:
    """Open the decryption window, as long as the lot says."""
    ends = c.now() + timedelta(minutes=c.lot.decrypt_window_minutes)
    move_session(c.session, State.DECRYPTING)
    c.session.decrypt_ends_at = ends
    c.emit("decryption.started", {"ends_at": ends.isoformat(), "minutes": c.lot.decrypt_window_minutes})
    return Answer({"ends_at": ends.isoformat()})


async def pause(c: Call) -> Answer:
    """Stop the window's clock, keeping what remains of it."""
    reason = c.text("reason")
    assert c.session.decrypt_ends_at is not None
    remaining = max(0, int((c.session.decrypt_ends_at - c.now()).total_seconds()))
    move_session(c.session, State.PAUSED)
    c.session.paused_remaining_s, c.session.decrypt_ends_at = remaining, None
    c.emit("decryption.paused", {"reason": reason, "remaining_s": remaining})
    return Answer({"remaining_s": remaining})


async def resume(c: Call) -> Answer:
    """Restart the window's clock with what remained of it."""
    ends = c.now() + timedelta(seconds=c.session.paused_remaining_s or 0)
    move_session(c.session, State.DECRYPTING)
    c.session.decrypt_ends_at, c.session.paused_remaining_s = ends, None
    c.emit("decryption.resumed", {"ends_at": ends.isoformat()})
    return Answer({"ends_at": ends.isoformat()})


async def extend(c: Call) -> Answer:
    """Lengthen the window by 1 to 120 minutes, running or paused."""
    reason = c.text("reason")
    minutes = c.args.get("minutes")
    if not isinstance(minutes, int) or isinstance(minutes, bool) or not 1 <= minutes <= 120:
        raise InvalidInput("`minutes` must be a whole number from 1 to 120", "`minutes` 须为 1 至 120 的整数")
    session = c.session
    if session.decrypt_ends_at is not None:
        session.decrypt_ends_at += timedelta(minutes=minutes)
    else:
        session.paused_remaining_s = (session.paused_remaining_s or 0) + minutes * 60
    data = {
        "minutes": minutes,
        "reason": reason,
        "ends_at": session.decrypt_ends_at.isoformat() if session.decrypt_ends_at else None,
    }
    c.emit("decryption.extended", data)
    return Answer(data)


async def adjourn(c: Call) -> Answer:
    """休会: the session ends here, with the host's reason."""
    reason = c.text("reason")
    move_session(c.session, State.ADJOURNED)
    c.emit("session.adjourned", {"reason": reason})
    return Answer({"state": c.session.state})


async def remark(c: Call) -> Answer:
    """A supervisor's remark, visible to all and kept in the record."""
    text = c.text("text")
    c.emit("supervisor.remark", {"by": c.who.name, "text": text})
    return Answer({"remarked": True})
