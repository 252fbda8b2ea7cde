"""Collusion signals shown to the committee and the supervisor (issue 20 "Collusion signals", issue 24
"Collusion report"; 条例 40; ``docs/evaluation.md`` §Collusion signals): what the platform already
knows of each bid of the lot, gathered into :class:`bidding.collusion.signals.BidFacts` for the
pure rules of :func:`bidding.collusion.signals.signals` (the one rules module: evaluation reads
supervision's rules, never the other way).

Where each fact comes from:

* **upload IPs** — the client addresses of the audit events of the bid's upload (``bid_upload.started``
  and ``bid.submitted`` of the uploads that became this bid), read from the audit trail once the
  deadline released them (办法 21: never from the sealed events);
* **decryption IPs** — the client addresses of the opening room's ``opening.decrypt`` events whose
  command decrypted the bid (the room's command record says so), by the certificate of the bid's
  organisation;
* **signing certificate** — the fingerprint (SHA-256) of the certificate that signed the sealed package;
* **key** — SHA-256 of that certificate's SubjectPublicKeyInfo (DER), from the certificate the platform
  issued (``Certificate.der``): two certificates of one key across bidders is the ``same_key`` signal;
* **payer accounts** — the accounts the deposit payments matched to this bidder for this lot came
  from (credits, not reversals, of the bank statements);
* **documents** — the metadata of the PDF, DOCX and XLSX files of the bid's decrypted body (author,
  last editor, application, template, file id), read when the body was extracted after the opening
  and kept on the bid (``bids.document_metadata``, :mod:`bidding.submission.document_metadata`);
* **price** — the price announced at the opening (唱标);
* **withdrawals** — ``Bid.withdrawn_at`` of the lot's withdrawn bids (撤回, 办法 27; not under
  evaluation, so listed with their bidder's name and no opening order): withdrawals of two bidders
  within five minutes are the ``simultaneous_withdrawals`` signal (条例 39 (三)). A withdrawn bid
  brings its withdrawal, certificate and key only.

Not collected by the platform, so never signalled here: legal representatives and machine ids (MAC,
CPU, disk, dongle).

Addresses in the centre's hall (the setting ``hall_networks``, CIDRs; none by default) are exempt.
A signal is a suspicion for the committee to weigh, **never a rejection**; reading it records nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from hashlib import sha256
from typing import TYPE_CHECKING, Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.models import AuditEvent
from bidding.collusion.signals import BidFacts, Sighting, Signal, signals
from bidding.core.auth.caller import Caller
from bidding.core.pki.models import Certificate
from bidding.core.roles import Role
from bidding.deposits.entries import Direction
from bidding.deposits.models import BankEntry
from bidding.evaluation.access import bids_of, evaluation, member_gate, supervisor_gate
from bidding.evaluation.models import Evaluation, EvaluationBid
from bidding.identity.models import Organization
from bidding.operations.audit_trail import release_due
from bidding.submission.document_metadata import from_json
from bidding.submission.models import Bid, BidUpload
from opening_room.tables import OpeningCommand

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "DECRYPT_ACTION",
    "NOTE_EN",
    "NOTE_ZH",
    "UPLOAD_ACTIONS",
    "SignalItem",
    "SignalsView",
    "bid_facts",
    "collusion_signals",
    "hall_networks",
    "lot_facts",
    "lot_signals",
]

#: The audit actions of a bid's upload that carry the uploader's address (bidding/submission/service.py).
UPLOAD_ACTIONS: Final = ("bid_upload.started", "bid.submitted")
#: The opening room's audit action of a decryption command (opening_room/room.py: ``opening.<command>``).
DECRYPT_ACTION: Final = "opening.decrypt"
NOTE_ZH: Final = "以下为系统提示的疑似串通投标迹象（条例40），仅供评标委员会参考，不构成否决投标的依据。"
NOTE_EN: Final = (
    "Signals of possible collusion (条例 40) for the committee to weigh; a signal never rejects a bid by itself."
)


@dataclass(frozen=True)
class SignalBid:
    """A bid of a signal: ``order_no`` is its opening order, ``None`` for a withdrawn bid."""

    bid_id: uuid.UUID
    order_no: int | None
    bidder_name: str


@dataclass(frozen=True)
class SignalItem:
    """One signal: ``blocking`` only for 条例 34 (a ground for the committee to decide, never a
    rejection by itself); ``at`` the latest moment in the evidence."""

    rule: str
    article: str
    bids: list[SignalBid]
    evidence: dict[str, Any]
    at: datetime | None
    blocking: bool
    summary_zh: str
    summary_en: str


@dataclass(frozen=True)
class SignalsView:
    """``GET /api/evaluations/{id}/signals``."""

    evaluation_id: uuid.UUID
    note_zh: str
    note_en: str
    signals: list[SignalItem]


def hall_networks(platform: Platform) -> tuple[str, ...]:
    """The centre's hall networks (CIDRs) exempt from the IP rules (``BIDDING_HALL_NETWORKS``)."""
    return platform.settings.hall_networks


async def _upload_ips(
    session: AsyncSession, lot_id: uuid.UUID, bids: Sequence[EvaluationBid]
) -> dict[uuid.UUID, list[tuple[str, datetime]]]:
    uploads = (
        await session.execute(
            select(BidUpload.id, BidUpload.bid_id).where(
                BidUpload.bid_id.in_([b.bid_id for b in bids]), BidUpload.lot_id == lot_id
            )
        )
    ).all()
    bid_of_upload = {str(upload_id): bid_id for upload_id, bid_id in uploads}
    events = (
        await session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "lot",
                AuditEvent.object_id == str(lot_id),
                AuditEvent.action.in_(UPLOAD_ACTIONS),
                AuditEvent.client_address.is_not(None),
            )
        )
    ).all()
    found: dict[uuid.UUID, list[tuple[str, datetime]]] = defaultdict(list)
    for event in events:
        bid_id = bid_of_upload.get(str((event.details or {}).get("upload", "")))
        if bid_id is not None and event.client_address:
            found[bid_id].append((event.client_address, event.occurred_at))
    return found


async def _decryption_ips(
    session: AsyncSession, lot_id: uuid.UUID, bids: Sequence[EvaluationBid]
) -> dict[uuid.UUID, list[tuple[str, datetime]]]:
    decrypted = {
        (actor, command_id)
        for actor, command_id, result in (
            await session.execute(
                select(OpeningCommand.actor, OpeningCommand.command_id, OpeningCommand.result).where(
                    OpeningCommand.lot_id == lot_id, OpeningCommand.name == "decrypt"
                )
            )
        ).all()
        if (result or {}).get("status") == "decrypted"
    }
    events = (
        await session.scalars(
            select(AuditEvent).where(
                AuditEvent.object_type == "lot",
                AuditEvent.object_id == str(lot_id),
                AuditEvent.action == DECRYPT_ACTION,
                AuditEvent.client_address.is_not(None),
            )
        )
    ).all()
    fingerprints = {e.actor.removeprefix("cert:") for e in events if e.actor.startswith("cert:")}
    organisation_of: dict[str, uuid.UUID] = {}
    if fingerprints:
        rows = await session.execute(
            select(Certificate.fingerprint, Certificate.organization_id).where(
                Certificate.fingerprint.in_(fingerprints)
            )
        )
        organisation_of = {fingerprint: organisation for fingerprint, organisation in rows.all()}
    bid_of_organisation = {b.organization_id: b.bid_id for b in bids}
    found: dict[uuid.UUID, list[tuple[str, datetime]]] = defaultdict(list)
    for event in events:
        if (event.actor, str((event.details or {}).get("command", ""))) not in decrypted:
            continue
        organisation = organisation_of.get(event.actor.removeprefix("cert:"))
        bid_id = bid_of_organisation.get(organisation) if organisation is not None else None
        if bid_id is not None and event.client_address:
            found[bid_id].append((event.client_address, event.occurred_at))
    return found


async def _payer_accounts(
    session: AsyncSession, lot_id: uuid.UUID, bids: Sequence[EvaluationBid]
) -> dict[uuid.UUID, set[str]]:
    rows = (
        await session.execute(
            select(BankEntry.organization_id, BankEntry.counterparty_account).where(
                BankEntry.lot_id == lot_id,
                BankEntry.organization_id.in_([b.organization_id for b in bids]),
                BankEntry.direction == Direction.CREDIT,
                BankEntry.reversal.is_(False),
                BankEntry.counterparty_account.is_not(None),
            )
        )
    ).all()
    bid_of_organisation = {b.organization_id: b.bid_id for b in bids}
    found: dict[uuid.UUID, set[str]] = defaultdict(set)
    for organisation, account in rows:
        bid_id = bid_of_organisation.get(organisation) if organisation is not None else None
        if bid_id is not None and account:
            found[bid_id].add(account)
    return found


def key_sha256(der: bytes) -> str | None:
    """SHA-256 (hex) of a certificate's SubjectPublicKeyInfo (DER); ``None`` if the DER is no certificate."""
    try:
        public_key = x509.load_der_x509_certificate(der).public_key()
    except ValueError:
        return None
    spki = public_key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return sha256(spki).hexdigest()


async def _keys(session: AsyncSession, fingerprints: set[str]) -> dict[str, str]:
    """The key hash of each certificate the platform issued, by its fingerprint."""
    if not fingerprints:
        return {}
    rows = await session.execute(
        select(Certificate.fingerprint, Certificate.der).where(Certificate.fingerprint.in_(fingerprints))
    )
    found = {fingerprint: key_sha256(der) for fingerprint, der in rows.all()}
    return {fingerprint: key for fingerprint, key in found.items() if key is not None}


def _sightings(seen: list[tuple[str, datetime]]) -> tuple[Sighting, ...]:
    return tuple(Sighting(ip, at) for ip, at in sorted(seen, key=lambda entry: (entry[1], entry[0])))


async def bid_facts(
    session: AsyncSession, ev: Evaluation, bids: Sequence[EvaluationBid] | None = None
) -> list[BidFacts]:
    """The facts of every bid under evaluation (rejected ones too: a signal concerns the lot), then of
    the lot's withdrawn bids, keyed by the bid's and its organisation's ids as strings; ``bids`` the
    evaluation's bids when the caller has read them already."""
    return await lot_facts(session, ev.lot_id, await bids_of(session, ev) if bids is None else bids)


async def lot_facts(session: AsyncSession, lot_id: uuid.UUID, bids: Sequence[EvaluationBid]) -> list[BidFacts]:
    """The facts of ``bids`` of lot ``lot_id`` (an evaluation's, or the bids decrypted at its opening
    as the evaluation would take them, unsaved), then of the lot's withdrawn bids."""
    evaluated = {b.bid_id for b in bids}
    withdrawn = [
        (bid, name)
        for bid, name in (
            await session.execute(
                select(Bid, Organization.name)
                .join(Organization, Organization.id == Bid.organization_id)
                .where(Bid.lot_id == lot_id, Bid.withdrawn_at.is_not(None))
            )
        ).all()
        if bid.id not in evaluated
    ]
    if not bids and not withdrawn:
        return []
    rows = (
        await session.execute(
            select(Bid.id, Bid.signer_fingerprint, Bid.document_metadata).where(Bid.id.in_(evaluated))
        )
    ).all()
    signers = {bid_id: fingerprint for bid_id, fingerprint, _ in rows if fingerprint}
    documents = {bid_id: from_json(stored) for bid_id, _, stored in rows}
    keys = await _keys(session, {*signers.values(), *(bid.signer_fingerprint for bid, _ in withdrawn)})
    uploads = await _upload_ips(session, lot_id, bids) if bids else {}
    decryptions = await _decryption_ips(session, lot_id, bids) if bids else {}
    payers = await _payer_accounts(session, lot_id, bids) if bids else {}
    under_evaluation = [
        BidFacts(
            bid_id=str(b.bid_id),
            bidder_id=str(b.organization_id),
            bidder_name=b.bidder_name,
            upload_ips=_sightings(uploads.get(b.bid_id, [])),
            decryption_ips=_sightings(decryptions.get(b.bid_id, [])),
            signing_cert_sha256=signers.get(b.bid_id),
            sealing_key_sha256=keys.get(signers.get(b.bid_id, "")),
            payer_accounts=tuple(sorted(payers.get(b.bid_id, set()))),
            documents=documents.get(b.bid_id, ()),
            price_fen=b.price_fen,
        )
        for b in bids
    ]
    return [
        *under_evaluation,
        *(
            BidFacts(
                bid_id=str(bid.id),
                bidder_id=str(bid.organization_id),
                bidder_name=name,
                signing_cert_sha256=bid.signer_fingerprint or None,
                sealing_key_sha256=keys.get(bid.signer_fingerprint),
                withdrawn_at=bid.withdrawn_at,
            )
            for bid, name in sorted(withdrawn, key=lambda entry: str(entry[0].id))
        ),
    ]


def lot_signals(platform: Platform, facts: Sequence[BidFacts]) -> list[Signal]:
    """The signals among ``facts``, with the centre's hall exempt, as of now."""
    return signals(facts, hall_networks=hall_networks(platform), now=platform.clock.now())


async def _gate(session: AsyncSession, platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> None:
    if caller.has(Role.SUPERVISOR):
        supervisor_gate(caller, await evaluation(session, evaluation_id), "supervise")
    else:
        await member_gate(session, platform, caller, evaluation_id, "read_body")


async def collusion_signals(platform: Platform, caller: Caller, evaluation_id: uuid.UUID) -> SignalsView:
    """``GET /api/evaluations/{id}/signals``: every collusion signal among the lot's bids with its rule,
    article, bidders, evidence and time — for a member of the committee while bodies may be read, and
    for the supervisor. Signals never reject; nothing is recorded for reading them."""
    async with platform.sessions() as session:
        await _gate(session, platform, caller, evaluation_id)
    # The upload events named a bidder before the deadline (办法 21): sealed until it passed, and
    # released into the trail by their first reader since, as every reader of the trail does.
    await release_due(platform.sessions, platform.clock.now())
    async with platform.sessions() as session:
        ev = await evaluation(session, evaluation_id)
        bids = await bids_of(session, ev)
        orders = {str(b.bid_id): b.order_no for b in bids}
        facts = await bid_facts(session, ev, bids)
        names = {fact.bid_id: fact.bidder_name for fact in facts}
        found = lot_signals(platform, facts)
        return SignalsView(
            evaluation_id=ev.id,
            note_zh=NOTE_ZH,
            note_en=NOTE_EN,
            signals=[
                SignalItem(
                    rule=s.rule.value,
                    article=s.article,
                    bids=[SignalBid(uuid.UUID(b), orders.get(b), names[b]) for b in s.bid_ids],
                    evidence=s.evidence,
                    at=s.at,
                    blocking=s.blocking,
                    summary_zh=s.summary_zh,
                    summary_en=s.summary_en,
                )
                for s in found
            ],
        )
