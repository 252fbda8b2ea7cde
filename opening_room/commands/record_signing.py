"""The record's signatures (办法 32): the platform's PDF ready, each bidder's confirmation with its own
key by remote signing (prepare, sign in the client, embed), and closing with the record published."""

from __future__ import annotations

import base64
import binascii
import json
import uuid

from cryptography import x509
from sqlalchemy import select

from bidding.core.errors import Forbidden, InvalidInput
from bidding.core.pki.models import Certificate
from bidding.documents.opening_record import confirmation_field
from bidding.tendering.announcements import announce
from bidding.tendering.models import Project
from bidding.tendering.rules.announcements import AnnouncementKind
from crypto.pdf.errors import PdfError
from opening_room import record
from opening_room.commands.call import Answer, Call, Change, own_opening
from opening_room.effects import RecordToSign
from opening_room.errors import CommandRefused, RecordChanged
from opening_room.states import State
from opening_room.tables import move_session
from storage import ObjectNotFound

__all__ = ["close", "prepare_record_signature", "ready", "sign_record"]


def ready(c: Change, issued: RecordToSign, key: str) -> None:
    """The platform's signed PDF (version 1, at ``key``) exists: ``record.ready``, once."""
    if c.session.record_pdf_key is not None:
        return
    c.session.record_pdf_key = key
    signers = [b["order"] for b in issued.record["bidders"]]
    c.emit("record.ready", {"record_sha256": issued.digest, "pdf": record.pdf_url(issued.lot_id), "signers": signers})


def _pending_key(lot_id: uuid.UUID, c: Call) -> str:
    return record.PENDING_KEY.format(lot=lot_id, org=c.who.organization_id)


async def prepare_record_signature(c: Call) -> Answer:
    """First half of a bidder's confirmation (remote signing): what its key must sign."""
    opening = await own_opening(c)
    certificate = await c.db.scalar(select(Certificate).where(Certificate.fingerprint == c.who.fingerprint))
    if certificate is None:
        raise Forbidden(
            "only certificates issued by this platform can sign the record here",
            "仅本平台签发的证书可在此签署开标记录",
        )
    if c.session.record_pdf_key is None:
        raise CommandRefused("the record PDF is being prepared: wait for record.ready", "开标记录正在生成，请等待")
    store, clock = c.resources.store, c.resources.clock
    request = await c.resources.documents.prepare_user_signature(
        await record.read(store, c.session.record_pdf_key),
        x509.load_der_x509_certificate(certificate.der),
        field_name=confirmation_field(opening.order_no),
        reason="投标人确认开标记录 / bidder confirms the opening record",
    )
    pending = {"base": c.session.record_pdf_key, "state": base64.b64encode(request.state).decode()}
    await record.put(store, clock, _pending_key(c.lot.id, c), json.dumps(pending).encode(), retain=False)
    return Answer(
        {
            "to_be_signed": base64.b64encode(request.to_be_signed).decode(),
            "algorithm": request.algorithm,
            "field": confirmation_field(opening.order_no),
        }
    )


async def sign_record(c: Call) -> Answer:
    """Second half: embed the bidder's signature (and a platform timestamp) into the record."""
    opening = await own_opening(c)
    store = c.resources.store
    try:
        signature = base64.b64decode(str(c.args.get("signature", "")), validate=True)
        pending = json.loads(await record.read(store, _pending_key(c.lot.id, c)))
    except (binascii.Error, ValueError):
        raise InvalidInput("`signature` must be base64", "`signature` 须为 base64") from None
    except ObjectNotFound:
        raise CommandRefused("prepare the signature first", "请先获取待签数据") from None
    if pending["base"] != c.session.record_pdf_key:
        raise RecordChanged(
            "the record was signed by someone else meanwhile: prepare again",
            "开标记录已被他人签署更新，请重新获取待签数据",
        )
    try:
        signed = await c.resources.documents.finish_user_signature(base64.b64decode(pending["state"]), signature)
    except PdfError as exc:
        raise InvalidInput(f"{exc.code}: {exc.message}", f"{exc.code}：{exc.message}") from None
    assert c.session.record_pdf_key is not None
    version = record.version_of(c.session.record_pdf_key) + 1
    key = record.RECORD_KEY.format(lot=c.lot.id, version=version)
    await record.put(store, c.resources.clock, key, signed)
    c.session.record_pdf_key = key
    c.emit("record.signed", {"order": opening.order_no, "name": c.who.name})
    return Answer({"signed": True, "version": version})


async def close(c: Call) -> Answer:
    """Close and publish the record as an announcement (办法 32)."""
    session, lot, project = c.session, c.lot, c.project
    if session.record_pdf_key is None:
        # The signed PDF is made right after close_objections commits; publishing before it exists
        # would announce a record.pdf that answers 404 (and record.ready after session.closed).
        raise CommandRefused(
            "the opening record is still being signed: close once record.ready has arrived",
            "开标记录正在签章，请在记录生成（record.ready）后再结束开标",
        )
    content = session.record_json or await record.build(c.db, session, lot, project)
    proj = await c.db.get(Project, project.id)
    assert proj is not None
    announcement = await announce(
        c.db,
        c.who.actor,
        proj,
        AnnouncementKind.OPENING_RECORD,
        title=f"{project.name} {lot.code} 标段开标记录",
        body=record.announcement_body(content, lot.id),
        now=c.now(),
        details={
            "lot": str(lot.id),
            "record_sha256": record.digest(content),
            "record_pdf": record.pdf_url(lot.id),
            "record_json": record.json_url(lot.id),
        },
    )
    move_session(session, State.CLOSED)
    c.emit("session.closed", {"announcement": str(announcement.id)})
    return Answer({"announcement": str(announcement.id)})
