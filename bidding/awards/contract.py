"""The signed contract (法 46; RULES c14; ``docs/awards.md`` §The contract): the tenderer or its agent
uploads it while the award is ``awarded``; the platform checks it against the award and then, in one
transaction, stores it, moves the award to ``contracted`` and records the deposits' contract-signed
refund trigger (条例 57; 政采条例 33), which decides every refund of the lot's deposits.

The checks (each refusal 422 with its own code):

* a real PDF (``contract_not_pdf``: no ``%PDF-`` header, unreadable, or locked by a password) with a
  text layer (``contract_no_text``: a scan without text cannot be checked);
* it names the winner — its name as bid or as registered, or its credit code
  (``contract_winner_missing``) — and the awarded price in yuan or in 人民币大写
  (``contract_price_missing``): :mod:`bidding.awards.contract_text`;
* ``signed_on`` is neither after today (China) nor before the award notice's day
  (``contract_date_invalid``).

What was found is kept with the contract (``award_contracts.checks``): the forms of the price found,
whether the name or the code named the winner, the pages read, and its signatures if it carries any
(each validated as ``/api/verify/pdf`` does; listed, never required: contracts are often signed on
paper and scanned to PDF with a text layer).

**30 days** (法 46): a contract signed after :func:`bidding.awards.rules.contract_due` is still
accepted — the law's limit binds the parties, and the platform must keep the contract whatever its
date — but it is flagged late (``checks.late``) and audited as ``award.contract_late``.

The PDF (≤ 50 MiB) is read outside any transaction (the text, the signatures), stored under
``awards/{award}/contract/{sha256}.pdf`` for 15 years, and only then is the award locked: if its winner
changed meanwhile (the winner withdrew, 条例 55) the upload is refused (409
``contract_winner_changed``) and checked again on the next try.

Reading (:func:`contract_of`, :func:`contract_pdf`): the project's tenderer and agent, the supervisor
and the auditor, and the winner; nobody else (403 ``award_forbidden``).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Final

import anyio
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.awards.access import AwardForbidden, AwardSeat, gate
from bidding.awards.contract_text import PdfTextError, normalise, pdf_text, price_forms, price_found, winner_found
from bidding.awards.lifecycle import audit, set_state
from bidding.awards.models import Award, AwardContract
from bidding.awards.rules import contract_due
from bidding.awards.states import AwardRole, AwardState
from bidding.core.auth.caller import Caller
from bidding.core.clock import china_day
from bidding.core.errors import Conflict, InvalidInput, NotFound
from bidding.deposits.refund_models import DepositRefund
from bidding.deposits.refunds import contract_signed, policy_of
from bidding.identity.models import Organization
from bidding.tendering.locks import lock_lot
from bidding.verification.service import validation_report
from crypto.pdf.errors import PdfError
from opening_room import record as stored

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "CONTRACT_KEY",
    "MAX_CONTRACT_BYTES",
    "ContractDateInvalid",
    "ContractNoText",
    "ContractNotFound",
    "ContractNotPdf",
    "ContractPriceMissing",
    "ContractView",
    "ContractWinnerChanged",
    "ContractWinnerMissing",
    "Terms",
    "contract_of",
    "contract_pdf",
    "notice_day",
    "terms_of",
    "upload_contract",
]

#: The largest contract accepted (a scanned contract with a text layer runs to tens of MiB).
MAX_CONTRACT_BYTES: Final = 50 * 1024 * 1024
#: Where the contract is kept (15 years, as the other records of the award).
CONTRACT_KEY: Final = "awards/{award}/contract/{sha256}.pdf"


class ContractNotPdf(InvalidInput):
    code = "contract_not_pdf"
    status = 422
    message_zh = "合同须为可读取的 PDF 文件（不能加密）"
    message_en = "The contract must be a readable PDF (not password-protected)"


class ContractNoText(InvalidInput):
    code = "contract_no_text"
    status = 422
    message_zh = "合同 PDF 没有文字层（扫描件须带可检索文字），无法核对中标人和中标价"
    message_en = "The contract PDF has no text (a scan needs a text layer): the winner and price cannot be checked"


class ContractWinnerMissing(InvalidInput):
    code = "contract_winner_missing"
    status = 422
    message_zh = "合同未载明中标人（名称或统一社会信用代码）"
    message_en = "The contract does not name the winner (name or credit code)"


class ContractPriceMissing(InvalidInput):
    code = "contract_price_missing"
    status = 422
    message_zh = "合同未载明中标价"
    message_en = "The contract does not state the awarded price"


class ContractDateInvalid(InvalidInput):
    code = "contract_date_invalid"
    status = 422
    message_zh = "签订日期无效（不能晚于今天，不能早于中标通知书发出之日）"
    message_en = "Invalid signing date (not after today, not before the award notice's day)"


class ContractWinnerChanged(Conflict):
    code = "contract_winner_changed"
    message_zh = "上传期间中标人已变更，请重新上传"
    message_en = "The winner changed while the contract was being checked: upload it again"


class ContractNotFound(NotFound):
    code = "award_contract_not_found"
    message_zh = "尚未上传合同"
    message_en = "No contract has been uploaded for this award"


@dataclass(frozen=True)
class Terms:
    """What the contract must match: the winner and its price, and the award notice's day."""

    winner_bid_id: str
    winner_org_id: str
    names: tuple[str, ...]
    credit_code: str | None
    price_fen: int
    notice_on: date
    due_on: date


@dataclass(frozen=True)
class ContractView:
    """The contract as its readers see it (GET /api/awards/{id}/contract)."""

    award_id: uuid.UUID
    state: str
    filename: str
    content_type: str
    size: int
    sha256: str
    signed_on: date
    price_fen: int
    winner: str
    winner_organization_id: str
    contract_due_on: date
    late: bool
    checks: dict[str, Any]
    uploaded_at: datetime
    uploaded_by: str
    pdf_url: str


_NOT_PDF_ZH: Final = {"not_a_pdf": "文件不是 PDF", "encrypted": "PDF 设有打开密码", "malformed": "PDF 无法读取"}


def notice_day(a: Award) -> date:
    """The award notice's day in China (the notices' batch; before it, the choice or the report)."""
    return china_day(a.notices_sent_at or a.chosen_at or a.report_final_at)


async def terms_of(session: AsyncSession, a: Award) -> Terms:
    """The winner, its price and the notice's day, as the award holds them now."""
    if a.winner_bid_id is None or a.winner_org_id is None:
        raise Conflict("the award has no winner", "定标尚无中标人")
    bid = str(a.winner_bid_id)
    row = next((c for c in a.candidates if c.get("bid_id") == bid), None) or next(
        (r for r in a.ranking if r.get("bid_id") == bid), {}
    )
    org = await session.get(Organization, a.winner_org_id)
    names = tuple(dict.fromkeys(n for n in (row.get("bidder"), org.name if org else None) if n))
    price = row.get("price_fen")
    if price is None:
        raise Conflict("the winning bid has no price", "中标投标无报价")
    notice = notice_day(a)
    return Terms(
        winner_bid_id=bid,
        winner_org_id=str(a.winner_org_id),
        names=names,
        credit_code=row.get("credit_code") or (org.credit_code if org else None),
        price_fen=int(price),
        notice_on=notice,
        due_on=a.contract_due_on or contract_due(notice),
    )


def _check_day(signed_on: date, terms: Terms, today: date) -> None:
    if signed_on > today or signed_on < terms.notice_on:
        raise ContractDateInvalid(
            f"{signed_on} is after today ({today}) or before the award notice's day ({terms.notice_on})",
            f"{signed_on} 晚于今天（{today}）或早于中标通知书发出之日（{terms.notice_on}）",
            details=[
                {
                    "signed_on": signed_on.isoformat(),
                    "today": today.isoformat(),
                    "notice_on": terms.notice_on.isoformat(),
                }
            ],
        )


def _check_text(text: str, terms: Terms) -> dict[str, Any]:
    """The findings (see the module doc), or the refusal naming what is missing."""
    if not normalise(text):
        raise ContractNoText()
    named = [winner_found(text, name, terms.credit_code) for name in terms.names] or [
        winner_found(text, "", terms.credit_code)
    ]
    by_name = any(n["name"] for n in named)
    by_code = any(n["credit_code"] for n in named)
    if not (by_name or by_code):
        raise ContractWinnerMissing(
            f"looked for {' or '.join(terms.names)} or credit code {terms.credit_code}",
            f"未找到 {' 或 '.join(terms.names)}，也未找到统一社会信用代码 {terms.credit_code}",
            details=[{"names": list(terms.names), "credit_code": terms.credit_code}],
        )
    prices = price_found(text, terms.price_fen)
    if not prices:
        forms = price_forms(terms.price_fen)
        raise ContractPriceMissing(
            f"looked for the awarded price as {', '.join(forms)}",
            f"未找到中标价（{'、'.join(forms)}）",
            details=[{"price_fen": terms.price_fen, "looked_for": forms}],
        )
    return {"winner": {"name": by_name, "credit_code": by_code}, "price": prices}


async def _signatures(platform: Platform, data: bytes, terms: Terms) -> dict[str, Any]:
    """The PDF's signatures, validated as ``/api/verify/pdf`` does: listed with the check, not required."""
    try:
        report = await validation_report(platform, data)
    except PdfError as exc:  # pypdf read it, pyHanko does not: no signatures can be listed
        return {"verdict": "UNREADABLE", "reason": exc.code, "signatures": []}
    items = []
    for s in report["signatures"]:
        signer = s.get("signer") or {}
        items.append(
            {
                "field": s["field_name"],
                "kind": s["kind"],
                "indication": s["indication"],
                "signer": signer.get("organisation") or signer.get("common_name"),
                "credit_code": signer.get("credit_code"),
                "by_winner": bool(terms.credit_code) and signer.get("credit_code") == terms.credit_code,
                "signing_time": s.get("signing_time"),
            }
        )
    return {"verdict": report["verdict"], "signatures": items}


def _view(a: Award, row: AwardContract, terms_names: str) -> ContractView:
    checks = row.checks
    return ContractView(
        award_id=a.id,
        state=a.state.value,
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        sha256=row.sha256,
        signed_on=row.signed_on,
        price_fen=row.price_fen,
        winner=terms_names,
        winner_organization_id=str(a.winner_org_id),
        contract_due_on=date.fromisoformat(checks["due_on"]),
        late=bool(checks.get("late")),
        checks=checks,
        uploaded_at=row.uploaded_at,
        uploaded_by=row.uploaded_by,
        pdf_url=f"/api/awards/{a.id}/contract.pdf",
    )


async def upload_contract(
    platform: Platform,
    caller: Caller,
    award_id: uuid.UUID,
    *,
    signed_on: date,
    filename: str,
    content_type: str,
    data: bytes,
) -> ContractView:
    """The tenderer or agent uploads the signed contract (法 46; see the module doc)."""
    now = platform.clock.now()
    async with platform.sessions() as s:
        seat = await gate(s, caller, award_id, "upload_contract")
        terms = await terms_of(s, seat.award)
    _check_day(signed_on, terms, china_day(now))
    if len(data) > MAX_CONTRACT_BYTES:
        raise ContractNotPdf(f"the file is larger than {MAX_CONTRACT_BYTES} bytes", "文件超过 50 MiB")
    try:
        read = await anyio.to_thread.run_sync(pdf_text, data)
    except PdfTextError as exc:
        raise ContractNotPdf(str(exc), _NOT_PDF_ZH.get(exc.reason), details=[{"reason": exc.reason}]) from None
    found = _check_text(read.text, terms)
    signatures = await _signatures(platform, data, terms)
    sha = hashlib.sha256(data).hexdigest()
    key = CONTRACT_KEY.format(award=award_id, sha256=sha)
    if not await platform.store.exists(key):  # the same file again: kept once (retained, not rewritten)
        await stored.put(platform.store, platform.clock, key, data)
    late = signed_on > terms.due_on
    checks: dict[str, Any] = {
        **found,
        "names": list(terms.names),
        "credit_code": terms.credit_code,
        "notice_on": terms.notice_on.isoformat(),
        "due_on": terms.due_on.isoformat(),
        "late": late,
        "days_late": (signed_on - terms.due_on).days if late else 0,
        "pages": read.pages,
        "pages_read": read.pages_read,
        "signatures": signatures,
    }
    async with platform.sessions() as s, s.begin():
        seat = await gate(s, caller, award_id, "upload_contract", for_update=True)
        a = seat.award
        if await terms_of(s, a) != terms:
            raise ContractWinnerChanged()
        lot = await lock_lot(s, a.lot_id)
        assert lot is not None
        event, _, released = await contract_signed(
            s,
            caller.actor,
            lot,
            signed_on,
            policy_of(platform.settings),
            now=now,
            government_procurement=a.government_procurement,
        )
        refunds = await s.scalar(select(func.count(DepositRefund.id)).where(DepositRefund.trigger_id == event.id))
        checks["refunds"] = {
            "trigger": event.id,
            "working_days": event.working_days,
            "refunds": int(refunds or 0),
            "guarantees_released": released,
        }
        row = AwardContract(
            award_id=a.id,
            filename=filename,
            content_type=content_type or "application/pdf",
            size=len(data),
            sha256=sha,
            object_key=key,
            signed_on=signed_on,
            price_fen=terms.price_fen,
            checks=checks,
            uploaded_at=now,
            uploaded_by=caller.actor.id,
        )
        s.add(row)
        a.contracted_at = now
        set_state(s, caller.actor, a, AwardState.CONTRACTED, now, contract=sha, signed_on=signed_on.isoformat())
        audit(
            s,
            caller.actor,
            a,
            "contract_uploaded",
            sha256=sha,
            size=len(data),
            signed_on=signed_on.isoformat(),
            price_fen=terms.price_fen,
            winner=terms.winner_org_id,
            late=late,
            refund_trigger=event.id,
        )
        if late:
            audit(
                s,
                caller.actor,
                a,
                "contract_late",
                signed_on=signed_on.isoformat(),
                due_on=terms.due_on.isoformat(),
                days_late=checks["days_late"],
                article="法46",
            )
        await s.flush()
        return _view(a, row, " / ".join(terms.names))


async def _reader(session: AsyncSession, caller: Caller, award_id: uuid.UUID) -> tuple[AwardSeat, AwardContract]:
    """The seat of a contract's reader (project, supervisor, auditor, the winner) and the contract."""
    seat = await gate(session, caller, award_id, "view_announcements")
    winner = seat.role is AwardRole.BIDDER and caller.organization_id == seat.award.winner_org_id
    if seat.role not in (AwardRole.TENDERER, AwardRole.AGENT, AwardRole.SUPERVISOR) and not winner:
        raise AwardForbidden(
            "the contract is for the project, the supervisor and the winner", "合同仅限项目、监督部门和中标人查阅"
        )
    row = await session.scalar(select(AwardContract).where(AwardContract.award_id == award_id))
    if row is None:
        raise ContractNotFound()
    return seat, row


async def contract_of(platform: Platform, caller: Caller, award_id: uuid.UUID) -> ContractView:
    """The contract's record and checks."""
    async with platform.sessions() as s:
        seat, row = await _reader(s, caller, award_id)
        return _view(seat.award, row, " / ".join(row.checks.get("names", [])))


async def contract_pdf(platform: Platform, caller: Caller, award_id: uuid.UUID) -> tuple[bytes, str]:
    """The contract PDF as uploaded, and its file name."""
    async with platform.sessions() as s:
        _, row = await _reader(s, caller, award_id)
    return await stored.read(platform.store, row.object_key), row.filename
