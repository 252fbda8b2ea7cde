"""Organisations' basic accounts (基本存款账户): registered by the organisation's own users, shown to
the centre's administrator, every change audited.

Where 条例 26 applies (projects that must be tendered), a deposit paid by transfer counts only if it
comes from the bidder's basic account (RULES a4, acceptance check 2); the matching compares the
payer account of each credit with the account registered here (:func:`basic_account_of`).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Final

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import content_hash, record
from bidding.core.auth.caller import Caller
from bidding.core.errors import InvalidInput, NotFound
from bidding.core.fields import LABEL_PATTERN, Body, OrgName
from bidding.deposits.participation_models import BasicAccount
from bidding.identity.kinds import OrgKind
from bidding.identity.models import Organization

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "ACCOUNT_NUMBER_PATTERN",
    "BasicAccountInput",
    "BasicAccountNameMismatch",
    "BasicAccountView",
    "basic_account_of",
    "list_basic_accounts",
    "my_basic_account",
    "normalise_account_number",
    "organisation_basic_account",
    "register_basic_account",
]

#: 8 to 32 digits, optionally grouped by single spaces or hyphens as people copy them from a bank's
#: form (Chinese account numbers run from about 12 to 25 digits).
ACCOUNT_NUMBER_PATTERN: Final = r"^(?:[0-9][ -]?){7,31}[0-9]$"
_SEPARATORS: Final = re.compile(r"[ -]")
#: The most accounts one listing returns.
MAX_LISTED: Final = 500


class BasicAccountInput(Body, frozen=True):
    """What an organisation registers as its basic account."""

    #: 开户银行, e.g. 中国工商银行南京城南支行.
    bank_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=LABEL_PATTERN)]
    #: 账号: 8 to 32 digits; spaces or hyphens between digits are dropped.
    account_number: Annotated[
        str,
        msgspec.Meta(pattern=ACCOUNT_NUMBER_PATTERN, max_length=63, description="8 to 32 digits, optionally grouped"),
    ]
    #: 账户名称: the organisation's registered name, exactly.
    account_name: OrgName


class BasicAccountNameMismatch(InvalidInput):
    """The account's name is not the organisation's (《人民币银行结算账户管理办法》: a unit's account
    bears its name)."""

    code = "basic_account_name_mismatch"
    message_zh = "基本账户的账户名称须与本单位登记名称一致"
    message_en = "The basic account's name must be the organisation's registered name"


class BasicAccountBlank(InvalidInput):
    code = "basic_account_invalid"
    message_zh = "基本账户信息有误"
    message_en = "Invalid basic account"


@dataclass(frozen=True)
class BasicAccountView:
    organization_id: uuid.UUID
    organization_name: str
    credit_code: str
    bank_name: str
    account_number: str
    account_name: str
    registered_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, account: BasicAccount, org: Organization) -> BasicAccountView:
        return cls(
            account.organization_id,
            org.name,
            org.credit_code,
            account.bank_name,
            account.account_number,
            account.account_name,
            account.registered_at,
            account.updated_at,
        )


def normalise_account_number(value: str) -> str:
    """The digits of an account number as the bank prints them (separators dropped)."""
    return _SEPARATORS.sub("", value.strip())


def masked(number: str) -> str:
    """``6222…5678``: enough to recognise an account in the audit trail, not to copy it."""
    return f"{number[:4]}…{number[-4:]}" if len(number) > 8 else "…" + number[-4:]


async def basic_account_of(session: AsyncSession, organization_id: uuid.UUID) -> str | None:
    """The registered basic account number of an organisation, or None."""
    return await session.scalar(
        select(BasicAccount.account_number).where(BasicAccount.organization_id == organization_id)
    )


async def register_basic_account(platform: Platform, caller: Caller, data: BasicAccountInput) -> BasicAccountView:
    """Register or change the caller's organisation's basic account (audited, old and new masked)."""
    org_id = caller.organisation()
    number = normalise_account_number(data.account_number)
    if not data.bank_name.strip() or not 8 <= len(number) <= 32 or not number.isdigit():
        raise BasicAccountBlank(
            "the bank's name is required and the account number has 8 to 32 digits",
            "须填写开户银行，账号须为 8 至 32 位数字",
            details=[{"key": "account_number"}],
        )
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        org = await db.get(Organization, org_id)
        if org is None:
            raise NotFound("your organisation is not registered", "您的单位未登记")
        if data.account_name.strip() != org.name.strip():
            raise BasicAccountNameMismatch(
                f"the account is in the name of {data.account_name!r}, the organisation is {org.name!r}",
                f"账户名称为「{data.account_name}」，本单位登记名称为「{org.name}」",
                details=[{"key": "account_name", "expected": org.name}],
            )
        account = await db.get(BasicAccount, org_id, with_for_update=True)
        before = None if account is None else masked(account.account_number)
        if account is None:
            account = BasicAccount(organization_id=org_id, registered_at=now)
            db.add(account)
        account.bank_name, account.account_number = data.bank_name.strip(), number
        account.account_name, account.updated_at, account.updated_by = org.name, now, caller.actor_id
        await db.flush()
        record(
            db,
            caller.actor,
            "deposit.basic_account.registered" if before is None else "deposit.basic_account.changed",
            object_type="organization",
            object_id=str(org_id),
            content_sha256=content_hash({"bank": account.bank_name, "number": number, "name": org.name}),
            details={"bank": account.bank_name, "account": masked(number), "previous": before},
        )
        return BasicAccountView.of(account, org)


async def my_basic_account(platform: Platform, caller: Caller) -> BasicAccountView:
    """The caller's organisation's basic account (404 until registered)."""
    return await organisation_basic_account(platform, caller.organisation())


async def organisation_basic_account(platform: Platform, organization_id: uuid.UUID) -> BasicAccountView:
    """One organisation's basic account (the administrator's view; 404 until registered)."""
    async with platform.sessions() as db:
        row = (
            await db.execute(
                select(BasicAccount, Organization)
                .join(Organization, Organization.id == BasicAccount.organization_id)
                .where(BasicAccount.organization_id == organization_id)
            )
        ).first()
    if row is None:
        raise NotFound("no basic account registered", "尚未登记基本账户")
    return BasicAccountView.of(row[0], row[1])


async def list_basic_accounts(
    platform: Platform, *, kind: OrgKind | None = OrgKind.BIDDER, limit: int = 100
) -> list[BasicAccountView]:
    """Registered basic accounts, latest change first (the centre's administrator)."""
    query = (
        select(BasicAccount, Organization)
        .join(Organization, Organization.id == BasicAccount.organization_id)
        .order_by(BasicAccount.updated_at.desc(), Organization.name)
        .limit(min(limit, MAX_LISTED))
    )
    if kind is not None:
        query = query.where(Organization.kind == kind)
    async with platform.sessions() as db:
        rows = (await db.execute(query)).all()
    return [BasicAccountView.of(account, org) for account, org in rows]
