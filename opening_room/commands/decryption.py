"""The bidders' part until the 唱标: signing in, decrypting their bids in their own clients (办法 30),
a platform fault declared by the host (办法 31), and the end of the window with the announcement."""

from __future__ import annotations

import base64
import binascii
import io
from datetime import timedelta
from typing import Any, Final

from sqlalchemy import select

from bidding.core.errors import Forbidden, InvalidInput, NotFound
from bidding.submission.extraction import OPEN_BID_BODY
from bidding.submission.models import Bid
from bidding.tendering.models import Lot
from bidding.tendering.rules.forms import FormError, check_values
from crypto.errors import CryptoError
from crypto.sealed import KeyCommitmentMismatchError, open_form_bytes, read_header
from opening_room import reads
from opening_room.commands.call import Answer, Call, Change, own_opening
from opening_room.effects import AfterCommit, Job
from opening_room.errors import CommandRefused
from opening_room.events import bidder_audience
from opening_room.states import BidOpeningOutcome, BidOpeningStatus, State
from opening_room.tables import BidOpening, OpeningSignIn, move_opening, move_session
from storage import ObjectStore

__all__ = [
    "MAX_ATTEMPTS",
    "close_decryption",
    "close_window",
    "decrypt",
    "get_envelope",
    "platform_fault",
    "sign_in",
]

MAX_ATTEMPTS: Final = 5
PREFIX_BYTES: Final = 2 * 1024 * 1024  # header + opening form of any package fit in this


async def sign_in(c: Call) -> Answer:
    """签到. Before the deadline a private fact, not an event; after it, a public ``bidder.signed_in``."""
    now = c.now()
    if c.session.state is State.WAITING:
        # Before the deadline, who is in the room would tell who bid (办法 21): no event, whose
        # number all would count; the bidder learns it from this answer and its welcome.
        assert c.who.organization_id is not None
        early = await c.db.get(OpeningSignIn, (c.lot.id, c.who.organization_id))
        if early is None:
            early = OpeningSignIn(lot_id=c.lot.id, organization_id=c.who.organization_id, signed_in_at=now)
            c.db.add(early)
        return Answer({"signed_in": True, "at": early.signed_in_at.isoformat()})
    opening = await c.db.scalar(
        select(BidOpening).where(BidOpening.lot_id == c.lot.id, BidOpening.organization_id == c.who.organization_id)
    )
    if opening is None:
        raise NotFound("you have no bid in this opening", "您在本次开标中没有投标")
    if opening.signed_in_at is None:
        opening.signed_in_at = now
        c.emit("bidder.signed_in", {"order": opening.order_no, "name": c.who.name})
    return Answer({"signed_in": True, "order": opening.order_no})


async def _package_prefix(store: ObjectStore, bid: Bid) -> bytes:
    parts: list[bytes] = []
    async for chunk in store.open(bid.object_key, length=min(bid.size, PREFIX_BYTES)):
        parts.append(chunk)
    return b"".join(parts)


async def get_envelope(c: Call) -> Answer:
    """The bidder's CMS recipient blob: it unwraps the data key with its own private key."""
    opening = await own_opening(c)
    bid = await c.db.get(Bid, opening.bid_id)
    assert bid is not None
    header = read_header(io.BytesIO(await _package_prefix(c.resources.store, bid)))
    blobs = [r.cms for r in header.recipients if r.cert_sha256 == c.who.fingerprint]
    if not blobs:
        raise Forbidden("your certificate is not a recipient of this package", "您的证书不是该投标文件的接收者")
    return Answer({"envelope": base64.b64encode(blobs[0]).decode(), "bid_sha256": bid.sha256})


async def decrypt(c: Call) -> Answer:
    """Check the data key the bidder unwrapped, open the form, verify its signature, record it (办法 30).

    A wrong key is a failed attempt (at most :data:`MAX_ATTEMPTS`), not an error. With the right one
    the key is kept on the bid, encrypted, and the bid's body (any size, GBs) is opened afterwards by
    the ``open_bid_body`` job, which is told the bid's id alone: arq keeps a job's arguments in Redis
    for a day."""
    opening = await own_opening(c)
    if opening.status is BidOpeningStatus.DECRYPTED:
        return Answer({"status": BidOpeningStatus.DECRYPTED.value, "already": True})
    if opening.attempts >= MAX_ATTEMPTS:
        raise CommandRefused(f"no attempts left ({MAX_ATTEMPTS})", f"解密次数已用完（{MAX_ATTEMPTS} 次）")
    try:
        key = base64.b64decode(str(c.args.get("data_key", "")), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise InvalidInput(
            "`data_key` must be the 32-byte data key, base64", "`data_key` 须为 base64 编码的 32 字节数据密钥"
        )
    bid = await c.db.get(Bid, opening.bid_id)
    assert bid is not None
    opening.attempts += 1
    prefix = await _package_prefix(c.resources.store, bid)
    try:
        form = open_form_bytes(prefix, key)  # checks the key commitment before decrypting anything
        values = check_values(c.lot.form_fields, form.data)
    except KeyCommitmentMismatchError:
        return _failed_attempt(c, opening, "wrong_key", "the data key does not fit this package")
    except FormError as exc:
        return _failed_attempt(c, opening, "invalid_form", str(exc))
    except CryptoError as exc:
        return _failed_attempt(c, opening, exc.code, exc.message)
    move_opening(opening, BidOpeningStatus.DECRYPTED)
    opening.decrypted_at = c.now()
    opening.form, opening.price_fen = values, int(values["price_fen"])
    # Kept on the bid, encrypted, in this transaction: the worker reads it back by the bid's id.
    c.resources.opened_keys.keep(bid, key)
    c.emit("decryption.succeeded", {"order": opening.order_no, "name": c.who.name, "attempts": opening.attempts})
    c.emit(
        "decryption.form",
        {"order": opening.order_no, "form": values},
        audience=bidder_audience(c.who.organization_id),
    )
    body = Job(OPEN_BID_BODY, (str(bid.id),), job_id=f"open-body:{bid.id}")
    return Answer({"status": BidOpeningStatus.DECRYPTED.value, "form": values}, AfterCommit(jobs=(body,)))


def _failed_attempt(c: Call, opening: BidOpening, code: str, detail: str) -> Answer:
    opening.failure = f"{code}: {detail}"
    left = MAX_ATTEMPTS - opening.attempts
    c.emit(
        "decryption.failed",
        {"order": opening.order_no, "name": c.who.name, "attempts": opening.attempts, "left": left, "reason": code},
    )
    return Answer({"status": BidOpeningStatus.FAILED.value, "reason": code, "detail": detail, "attempts_left": left})


async def platform_fault(c: Call) -> Answer:
    """A bid that could not be decrypted through no fault of its bidder is deemed withdrawn (视为撤回,
    办法 31), with the remedy the tender documents define; the other bids continue."""
    order = c.number("order")
    reason, remedy = c.text("reason"), c.text("remedy")
    opening = await c.db.scalar(
        select(BidOpening).where(BidOpening.lot_id == c.lot.id, BidOpening.order_no == order).with_for_update()
    )
    if opening is None:
        raise NotFound(f"no bid number {order}", f"没有序号为 {order} 的投标")
    if opening.status is BidOpeningStatus.DECRYPTED:
        raise CommandRefused("this bid is already decrypted", "该投标已解密")
    move_opening(opening, BidOpeningStatus.FAILED)
    opening.outcome, opening.failure = BidOpeningOutcome.WITHDRAWN, f"platform: {reason}"
    c.emit("decryption.platform_fault", {"order": opening.order_no, "reason": reason, "remedy": remedy})
    return Answer({"order": opening.order_no, "outcome": BidOpeningOutcome.WITHDRAWN.value})


async def close_decryption(c: Call) -> Answer:
    """The host ends the window before its time: as when it runs out (:func:`close_window`)."""
    await close_window(c, c.lot)
    return Answer({"state": c.session.state})


async def close_window(c: Change, lot: Lot) -> None:
    """End the window; what is not decrypted failed through the bidder (视为撤销, 办法 31); then the 唱标
    (办法 30) and the objections open."""
    rows = await reads.bidders_in_order(c.db, lot.id)
    for opening, _ in rows:
        if opening.status is BidOpeningStatus.PENDING:
            move_opening(opening, BidOpeningStatus.FAILED)
            opening.outcome = opening.outcome or BidOpeningOutcome.REVOKED
            opening.failure = opening.failure or "not decrypted within the window"
    c.session.decrypt_ends_at = None
    results: list[dict[str, Any]] = [
        {"order": o.order_no, "name": org.name, "status": o.status, "outcome": o.outcome} for o, org in rows
    ]
    c.emit("decryption.closed", {"results": results})
    fields = [f for f in lot.form_fields if f["key"] != "price_fen"]
    deposits = await reads.deposit_labels(c.db, lot)
    announced = [
        {
            "order": o.order_no,
            "name": org.name,
            "credit_code": org.credit_code,
            "deposit": deposits(org.id),
            "status": o.status,
            "outcome": o.outcome,
            "price_fen": o.price_fen,
            "form": {f["key"]: (o.form or {}).get(f["key"]) for f in fields},
        }
        for o, org in rows
    ]
    move_session(c.session, State.ANNOUNCED)
    # 唱标 (办法 30): names, prices and the fields the tender names; from here on public.
    c.emit("announcement", {"bidders": announced, "fields": list(lot.form_fields)})
    move_session(c.session, State.OBJECTIONS)
    ends = c.now() + timedelta(minutes=lot.objection_window_minutes)
    c.emit("objections.opened", {"ends_at": ends.isoformat()})
