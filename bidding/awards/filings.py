"""A bidder's signed filing against an award — an objection (异议, 条例 54) or a complaint (投诉, 条例 60):
its text and the digests of its attachments, handed out as a statement the bidder signs with its
certificate key (:mod:`bidding.evaluation.statements`), then checked against the login certificate
when it is filed. One path for both, so that what is signed, checked and kept is the same."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards import attachments
from bidding.awards.attachments import AttachmentView
from bidding.core.auth.caller import Caller
from bidding.core.errors import DomainError, InvalidInput
from bidding.evaluation.statements import SignatureInvalid, statement, verify_statement

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = ["SignedFiling", "hand_out", "statement_text", "verify"]


def statement_text(text: str, files: list[AttachmentView]) -> str:
    """What the bidder signs: its words and the list of its files' digests."""
    return text.strip() + attachments.listing(files)


def _object(award_id: uuid.UUID) -> str:
    return f"award:{award_id}"


async def hand_out(
    platform: Platform, caller: Caller, award_id: uuid.UUID, kind: str, text: str, digests: list[str], now: datetime
) -> dict[str, Any]:
    """The statement to sign for a filing of ``kind`` (the caller has passed the gate)."""
    files = await attachments.resolve(platform.store, award_id, digests)
    return statement(kind, statement_text(text, files), _object(award_id), caller, now).to_dict()


@dataclass(frozen=True)
class SignedFiling:
    """A verified filing: the signed statement as kept and the attachments it names."""

    signed: dict[str, Any]
    files: list[AttachmentView]


async def verify(
    session: AsyncSession,
    platform: Platform,
    caller: Caller,
    award_id: uuid.UUID,
    kind: str,
    data: Any,
    now: datetime,
    *,
    signature_error: type[DomainError],
    statement_error: type[DomainError],
) -> SignedFiling:
    """Check ``data`` (text, attachments, statement, signature, algorithm) as a filing of ``kind`` and
    keep its attachments under retention. A bad signature raises ``signature_error``, a statement that
    is not the one handed out (other text, files, object or signer) ``statement_error``."""
    files = await attachments.resolve(platform.store, award_id, data.attachments)
    try:
        signed = await verify_statement(
            session,
            caller,
            data.statement,
            data.signature,
            data.algorithm,
            kind=kind,
            obj=_object(award_id),
            now=now,
            text=statement_text(data.text, files),
        )
    except SignatureInvalid as exc:
        raise signature_error(exc.detail_en, exc.detail_zh) from None
    except InvalidInput as exc:
        raise statement_error(exc.detail_en, exc.detail_zh) from None
    await attachments.retain(platform.store, award_id, files, now)
    return SignedFiling(signed, files)
