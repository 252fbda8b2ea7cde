"""Collusion signals shown to the committee and the supervisor (issue 20 "Collusion signals"; 条例 40;
``docs/evaluation.md`` §Signals shown to the committee): what the platform already knows of each bid
of the lot, gathered into :class:`bidding.evaluation.signals.BidFacts` for the pure rules of
:func:`bidding.evaluation.signals.signals`.

Where each fact comes from:

* **upload IPs** — the client addresses of the audit events of the bid's upload (``bid_upload.started``
  and ``bid.submitted`` of the uploads that became this bid), read from the audit trail once the
  deadline released them (办法 21: never from the sealed events);
* **decryption IPs** — the client addresses of the opening room's ``opening.decrypt`` events whose
  command decrypted the bid (the room's command record says so), by the certificate of the bid's
  organisation;
* **signing certificate** — the fingerprint of the certificate that signed the sealed package;
* **payer accounts** — the accounts the deposit payments matched to this bidder for this lot came
  from (credits, not reversals, of the bank statements);
* **price** — the price announced at the opening (唱标).

Addresses in the centre's hall (the setting ``hall_networks``, CIDRs; none by default) are exempt.
A signal is a suspicion for the committee to weigh, **never a rejection**; reading it records nothing.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.models import AuditEvent
from bidding.core.auth.caller import Caller
from bidding.core.pki.models import Certificate
from bidding.core.roles import Role
from bidding.deposits.entries import Direction
from bidding.deposits.models import BankEntry
from bidding.evaluation.access import bids_of, evaluation, member_gate, supervisor_gate
from bidding.evaluation.models import Evaluation, EvaluationBid
from bidding.evaluation.signals import BidFacts, signals
from bidding.operations.audit_trail import release_due
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
    bid_id: uuid.UUID
    order_no: int
    bidder_name: str


@dataclass(frozen=True)
class SignalItem:
    rule: str
    article: str
    bids: list[SignalBid]
    evidence: dict[str, Any]
    at: datetime | None


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
    session: AsyncSession, lot_id: uuid.UUID, bids: list[EvaluationBid]
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
    session: AsyncSession, lot_id: uuid.UUID, bids: list[EvaluationBid]
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
    session: AsyncSession, lot_id: uuid.UUID, bids: list[EvaluationBid]
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


async def bid_facts(session: AsyncSession, ev: Evaluation) -> list[BidFacts]:
    """The facts of every bid under evaluation (rejected ones too: a signal concerns the lot), keyed by
    the bid's and its organisation's ids as strings."""
    bids = await bids_of(session, ev)
    if not bids:
        return []
    rows = await session.execute(select(Bid.id, Bid.signer_fingerprint).where(Bid.id.in_([b.bid_id for b in bids])))
    signers = {bid_id: fingerprint for bid_id, fingerprint in rows.all()}
    uploads = await _upload_ips(session, ev.lot_id, bids)
    decryptions = await _decryption_ips(session, ev.lot_id, bids)
    payers = await _payer_accounts(session, ev.lot_id, bids)
    return [
        BidFacts(
            bid=str(b.bid_id),
            organization=str(b.organization_id),
            upload_ips=tuple(sorted(uploads.get(b.bid_id, []), key=lambda entry: (entry[1], entry[0]))),
            decryption_ips=tuple(sorted(decryptions.get(b.bid_id, []), key=lambda entry: (entry[1], entry[0]))),
            signer_fingerprints=(signers[b.bid_id],) if signers.get(b.bid_id) else (),
            payer_accounts=tuple(sorted(payers.get(b.bid_id, set()))),
            price_fen=b.price_fen,
        )
        for b in bids
    ]


def _named(evidence: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    """The evidence with each bid's bidder name beside its organisation's id."""
    bids = evidence.get("bids")
    if not isinstance(bids, dict):
        return evidence
    return {
        **evidence,
        "bids": {
            bid: {**entry, "bidder_name": names.get(bid, "")} if isinstance(entry, dict) else entry
            for bid, entry in bids.items()
        },
    }


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
        by_id = {str(b.bid_id): b for b in bids}
        names = {key: b.bidder_name for key, b in by_id.items()}
        found = signals(await bid_facts(session, ev), hall_networks(platform))
        return SignalsView(
            evaluation_id=ev.id,
            note_zh=NOTE_ZH,
            note_en=NOTE_EN,
            signals=[
                SignalItem(
                    rule=s.rule.value,
                    article=s.article,
                    bids=[SignalBid(by_id[b].bid_id, by_id[b].order_no, by_id[b].bidder_name) for b in s.bids],
                    evidence=_named(s.evidence, names),
                    at=s.at,
                )
                for s in found
            ],
        )
