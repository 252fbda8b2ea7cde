"""The demo's past: sealed bids submitted before a lot's deadline, and the lot's opening, played
through the platform's own services with the clock moved back to when they happened.

Why the services and not the HTTP API: the platform's CA and TSA and the demo users' certificates
are made when the demo is loaded, so a server whose clock is set weeks back would refuse those
certificates as not yet valid. The submission services and the opening room therefore get the moved
time for what they decide (did the last byte arrive before the deadline? when did each event of the
opening happen?), while every certificate check, time-stamp and signature runs on the real clock:
receipts and the signed opening record carry the time they were really signed, and validate.

The opening is played with the room's own commands, as the host, the supervisor and the bidders
send them over the WebSocket, with fixed command ids: run again after an interrupted load it
continues from the session's state, and a command that was answered is not run twice.
"""

from __future__ import annotations

import asyncio
import base64
import io
import json
import os
import tarfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric import rsa
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from bidding.client.identity import Identity
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.clock import Clock, ManualClock
from bidding.core.errors import NotFound
from bidding.core.platform import Platform
from bidding.core.roles import Role as UserRole
from bidding.demo.identities import Cast
from bidding.identity.organisations import find_by_credit_code
from bidding.submission.bidder import finish_upload
from bidding.submission.opened_keys import OpenedKeys
from bidding.submission.service import (
    Uploader,
    own_bids,
    receive_chunk,
    start_upload,
)
from bidding.submission.states import BidStatus, UploadMode
from crypto.login import SignatureAlgorithm, certificate_fingerprint, sign_message
from crypto.sealed import seal, unwrap_data_key
from crypto.subject import parse_subject
from opening_room.commands import Resources
from opening_room.errors import RecordChanged
from opening_room.participants import Participant
from opening_room.room import OpeningRoom
from opening_room.states import Role, State

MIB: Final = 1024 * 1024
RECORD_WAIT: Final = 180.0  # seconds for the platform to render and sign the record PDF

STOP_REASON: Final = (
    "有效投标人不足三家，依据《招标投标法实施条例》第四十四条，本标段停止开标（流标），招标人将依法重新招标。"
)
OBJECTION: Final = "我单位因网络故障未能在解密时限内完成解密，请求延长解密时间。"
ANSWER: Final = (
    "经核查，平台运行正常，其他投标人均已按时解密；依据《电子招标投标办法》第三十一条，"
    "因投标人原因未能解密的视为撤销其投标文件，异议不成立。"
)


@dataclass(frozen=True)
class Party:
    """A demo user in the room: its identity and its organisation."""

    identity: Identity
    organization_id: uuid.UUID
    name: str

    @property
    def fingerprint(self) -> str:
        return certificate_fingerprint(self.identity.certificate)

    def actor(self) -> Actor:
        return Actor(id=f"cert:{self.fingerprint}")  # as a certificate login makes it

    def participant(self, role: Role) -> Participant:
        return Participant(role, self.actor(), self.organization_id, self.fingerprint, self.name)


@dataclass(frozen=True)
class Parties:
    host: Party
    supervisor: Party
    bidders: tuple[Party, ...]  # bidder1 … bidder5

    def bidder(self, number: int) -> Party:
        return self.bidders[number - 1]


async def parties_of(platform: Platform, cast: Cast) -> Parties:
    """The cast with the organisations their certificates name."""
    async with platform.sessions() as db:

        async def party(identity: Identity) -> Party:
            code = parse_subject(identity.certificate.subject).credit_code
            org = await find_by_credit_code(db, code)
            if org is None:
                raise NotFound(f"no organisation {code}", f"没有单位 {code}")
            return Party(identity, org.id, org.name)

        return Parties(
            await party(cast.host),
            await party(cast.supervisor),
            tuple([await party(b) for b in cast.bidders]),
        )


# ----------------------------------------------------------------------------- bids


def demo_body(bidder: str) -> bytes:
    """A bid's body as the sealing client makes it: a tar of the documents (a PDF bid letter of a few
    pages and the technical and commercial parts as text), which the committee reads file by file."""
    letter = io.BytesIO()
    pdf = canvas.Canvas(letter, pagesize=A4)
    for page in range(1, 4):
        pdf.drawString(72, 760, f"Bid letter (demo) - page {page}")
        pdf.drawString(72, 740, bidder[:90])
        pdf.showPage()
    pdf.save()
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data in (
            ("投标文件/投标函.pdf", letter.getvalue()),
            ("投标文件/技术标与商务标.txt", ("技术标与商务标（演示）\n" * 2000).encode()),
        ):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return out.getvalue()


def seal_package(
    identity: Identity, project_id: uuid.UUID, lot_id: uuid.UUID, form: dict[str, Any], *, now: datetime
) -> bytes:
    """A sealed package for a lot, encrypted to and signed by the bidder's own certificate."""
    out = io.BytesIO()
    seal(
        json.dumps(form, ensure_ascii=False).encode(),
        io.BytesIO(demo_body(identity.certificate.subject.rfc4514_string())),
        out,
        project_id=str(project_id),
        lot_id=str(lot_id),
        recipients=[identity.certificate],
        signer_key=identity.key,
        signer_cert=identity.certificate,
        now=now,
    )
    return out.getvalue()


async def submit_bid(
    platform: Platform,
    bidder: Party,
    project_id: uuid.UUID,
    lot_id: uuid.UUID,
    form: dict[str, Any],
    *,
    at: datetime,
) -> bool:
    """Seal ``form`` as ``bidder`` and submit it as if its last byte arrived at ``at`` (before the
    deadline), with its signed receipts, as the bidder API does. False if the bidder has a bid for
    the lot already: nothing is submitted twice."""
    async with platform.sessions() as db:
        if await own_bids(db, bidder.organization_id, lot_id):
            return False
    package = seal_package(bidder.identity, project_id, lot_id, form, now=at)
    caller = Caller(bidder.actor().id, frozenset({UserRole.BIDDER}), bidder.organization_id, bidder.fingerprint)
    uploader = Uploader.of(caller)
    settings = platform.settings
    async with platform.sessions() as db, db.begin():
        upload = await start_upload(
            db,
            uploader,
            lot_id,
            size=len(package),
            mode=UploadMode.CHUNKED,
            chunk_size=max(len(package), settings.upload_chunk_mib * MIB),  # one chunk
            max_size=settings.package_max_mib * MIB,
            now=at,
        )
        upload_id = upload.id
    async with platform.sessions() as db, db.begin():
        await receive_chunk(db, platform.store, uploader, upload_id, 0, package, at)
    # Verified, stored, recorded with its receipts and cleaned up as the bidder API does it.
    await finish_upload(platform, caller, upload_id)
    return True


# ----------------------------------------------------------------------------- the opening


@dataclass(frozen=True)
class Script:
    """How the demo plays one lot's opening; bidders by their demo number (1–5)."""

    decrypt: tuple[int, ...] | None = None  # who decrypts (None: every bidder); the others' bids are revoked (办法 31)
    wrong_key_first: tuple[int, ...] = ()  # who first sends a wrong key (a failed attempt)
    objection_by: int | None = None  # raises an objection after the 唱标, answered by the host
    sign: tuple[int, ...] | None = None  # who confirms the record (None: everyone who decrypted)
    continue_below_three: bool = False  # with fewer than 3 bids the host continues; else it stops (流标)


def room_for(platform: Platform, clock: Clock) -> OpeningRoom:
    """The opening room on ``clock``, as the platform's but without the live fan-out (nobody watches a
    past opening live) and without opening the bodies."""
    resources = Resources(
        store=platform.store, clock=clock, documents=platform.documents, opened_keys=OpenedKeys.for_platform(platform)
    )
    return OpeningRoom(platform.sessions, resources)


def _algorithm(identity: Identity) -> SignatureAlgorithm:
    return "rsa-pkcs1-sha256" if isinstance(identity.key, rsa.RSAPrivateKey) else "ecdsa-p256-sha256"


async def play_opening(
    platform: Platform, lot_id: uuid.UUID, parties: Parties, script: Script, *, deadline: datetime | None
) -> State:
    """Play the opening of ``lot_id`` from wherever its session stands; return the state it ends in.

    With ``deadline`` (the lot's, in the past) every step happens a few minutes after it on a moved
    clock, as on the day; without it, now, on the platform's clock (a lot whose opening is overdue).
    """
    manual = ManualClock(deadline) if deadline is not None else None
    clock: Clock = manual if manual is not None else platform.clock
    room = room_for(platform, clock)

    def at(minutes: float) -> None:
        if manual is not None and deadline is not None:
            manual.set(deadline + timedelta(minutes=minutes))

    async def command(who: Party, role: Role, name: str, key: str, **args: Any) -> dict[str, Any]:
        return await room.command(who.participant(role), lot_id, f"demo-{key}", name, args)

    async def state() -> State:
        return State((await room.snapshot(lot_id))["state"])  # the snapshot ticks: extraction, window end

    bid_by = []
    async with platform.sessions() as db:
        for number, bidder in enumerate(parties.bidders, start=1):
            if any(b.status is BidStatus.ACTIVE for b in await own_bids(db, bidder.organization_id, lot_id)):
                bid_by.append(number)
    decrypting = [n for n in (script.decrypt or bid_by) if n in bid_by]
    host, supervisor = parties.host, parties.supervisor

    at(-30)
    current = await state()
    if current is State.WAITING and manual is not None:
        for i, number in enumerate(bid_by):  # signed in before the deadline: seen by nobody else yet
            at(-20 + i)
            await command(parties.bidder(number), Role.BIDDER, "sign_in", f"sign-in-{number}")
        at(0)
        current = await state()
    if current is State.EXTRACTED:
        at(1)
        if script.continue_below_three and bid_by:
            reason = "投标人不足三家，主持人经请示招标人决定继续开标。"
            await command(host, Role.HOST, "continue", "continue", reason=reason)
        else:
            await command(host, Role.HOST, "stop", "stop", reason=STOP_REASON)
        current = await state()
    if current is State.BIDDERS_PUBLISHED:
        at(2)
        await command(supervisor, Role.SUPERVISOR, "remark", "remark-start", text="监督人员已在线，开标程序开始。")
        at(3)
        await command(host, Role.HOST, "start_decryption", "start-decryption")
        current = await state()
    if current in (State.DECRYPTING, State.PAUSED):
        for i, number in enumerate(decrypting):
            at(4 + i)
            bidder = parties.bidder(number)
            if number in script.wrong_key_first:
                wrong = base64.b64encode(os.urandom(32)).decode()
                await command(bidder, Role.BIDDER, "decrypt", f"decrypt-wrong-{number}", data_key=wrong)
            envelope = await command(bidder, Role.BIDDER, "get_envelope", f"envelope-{number}")
            key = unwrap_data_key(
                base64.b64decode(envelope["envelope"]), bidder.identity.key, bidder.identity.certificate
            )
            await command(bidder, Role.BIDDER, "decrypt", f"decrypt-{number}", data_key=base64.b64encode(key).decode())
        at(10)
        if await state() in (State.DECRYPTING, State.PAUSED):
            await command(host, Role.HOST, "close_decryption", "close-decryption")
        current = await state()
    if current in (State.ANNOUNCED, State.OBJECTIONS):
        if script.objection_by is not None and script.objection_by in bid_by:
            at(11)
            raised = await command(
                parties.bidder(script.objection_by), Role.BIDDER, "raise_objection", "objection", text=OBJECTION
            )
            at(12)
            await command(host, Role.HOST, "answer_objection", "answer", objection=raised["objection"], text=ANSWER)
        at(13)
        await command(supervisor, Role.SUPERVISOR, "remark", "remark-end", text="开标过程符合规定，监督人员无异议。")
        at(14)
        await command(host, Role.HOST, "close_objections", "close-objections")
        current = await state()
    if current is State.SIGNING:
        await _wait_for_record(room, lot_id)
        signers = [n for n in (script.sign or decrypting) if n in decrypting]
        for i, number in enumerate(signers):
            at(16 + i)
            await _confirm_record(room, lot_id, parties.bidder(number), number)
        at(16 + len(signers) + 2)
        await command(host, Role.HOST, "close", "close")
        current = await state()
    return current


async def _wait_for_record(room: OpeningRoom, lot_id: uuid.UUID) -> None:
    """The platform renders and signs the record PDF right after close_objections, on its own task."""
    loop = asyncio.get_running_loop()
    end = loop.time() + RECORD_WAIT
    while (await room.record(lot_id))[1] is None:
        if loop.time() > end:
            raise TimeoutError(f"the opening record of lot {lot_id} was not signed within {RECORD_WAIT} s")
        await asyncio.sleep(0.1)


async def _confirm_record(room: OpeningRoom, lot_id: uuid.UUID, bidder: Party, number: int) -> None:
    """A bidder confirms the record with its own key (remote signing): prepare, sign here, send."""
    who = bidder.participant(Role.BIDDER)
    for attempt in range(1, 4):
        suffix = f"{number}-{attempt}"
        request = await room.command(who, lot_id, f"demo-prepare-{suffix}", "prepare_record_signature", {})
        signature = sign_message(
            bidder.identity.key, base64.b64decode(request["to_be_signed"]), _algorithm(bidder.identity)
        )
        try:
            await room.command(
                who, lot_id, f"demo-sign-{suffix}", "sign_record", {"signature": base64.b64encode(signature).decode()}
            )
            return
        except RecordChanged:  # signed by another meanwhile (an interrupted earlier load): prepare again
            continue
    raise RuntimeError(f"bidder {number} could not confirm the record of lot {lot_id}")
