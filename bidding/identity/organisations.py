"""Registering organisations, identified by their unified social credit code."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.errors import Conflict, InvalidInput
from bidding.identity.credit_code import CreditCodeError, normalise_credit_code
from bidding.identity.kinds import OrgKind, OrgStatus
from bidding.identity.models import Organization
from bidding.messaging.addresses import AddressError, normalise
from bidding.messaging.channels import ChannelKind


async def register_organisation(
    session: AsyncSession,
    actor: Actor,
    *,
    name: str,
    credit_code: str,
    kind: OrgKind,
    status: OrgStatus = OrgStatus.PENDING,
    contact_name: str | None = None,
    contact_phone: str | None = None,
    contact_email: str | None = None,
) -> Organization:
    try:
        code = normalise_credit_code(credit_code)
    except CreditCodeError as exc:
        raise InvalidInput(
            f"credit code {credit_code!r} {exc}", f"统一社会信用代码 {credit_code!r} 无效：{exc}"
        ) from exc
    if not name.strip():
        raise InvalidInput("the organisation name is empty", "单位名称为空")
    if contact_email is not None:  # where its award and result notices are e-mailed (issue 21)
        try:
            contact_email = normalise(ChannelKind.EMAIL, contact_email)
        except AddressError as exc:
            raise InvalidInput(f"contact_email: {exc}", f"联系邮箱无效：{exc}") from None
    if await session.scalar(select(Organization.id).where(Organization.credit_code == code)) is not None:
        raise Conflict(
            f"an organisation with credit code {code} is already registered", f"统一社会信用代码 {code} 已登记"
        )
    org = Organization(
        name=name.strip(),
        credit_code=code,
        kind=kind,
        status=status,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
    )
    session.add(org)
    await session.flush()
    record(
        session,
        actor,
        "organisation.registered",
        object_type="organisation",
        object_id=str(org.id),
        details={"credit_code": code, "kind": kind.value, "status": status.value},
    )
    return org


async def find_by_credit_code(session: AsyncSession, credit_code: str) -> Organization | None:
    result: Organization | None = await session.scalar(
        select(Organization).where(Organization.credit_code == credit_code.strip().upper())
    )
    return result
