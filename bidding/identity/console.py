"""The administrator's console over identities (issue 25, docs/frontend-admin.md): registrations
listed and refused with a reason (the organisation told in-app and by e-mail), an organisation's
enrolment codes listed and re-issued, its users' certificates with their open sessions, the agents'
roster, suspension and reinstatement, and the settings that are safe to show.

Every change is an audit event in its own transaction (``organisation.refused``,
``enrolment_code.reissued``, ``organisation.suspended``, ``organisation.reinstated``; revocation is
:func:`bidding.identity.issuance.revoke_certificate`'s ``certificate.revoked``). Approval stays in
:mod:`bidding.identity.service`; both fill ``decided_at`` / ``decided_by``.
"""

from __future__ import annotations

import enum
import uuid
from dataclasses import dataclass, fields
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import String, Uuid, case, column, func, or_, select, table, update
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.auth.caller import Caller
from bidding.core.db.types import UTCDateTime
from bidding.core.errors import Conflict, DomainError, NotFound
from bidding.core.pki.models import Certificate
from bidding.core.roles import Role
from bidding.core.settings import PREFIX, Settings
from bidding.identity.contacts import tell_organisation
from bidding.identity.issuance import (
    create_enrolment_code,
    ensure_pending,
    get_organisation,
    revoke_certificate,
)
from bidding.identity.kinds import OrgKind, OrgStatus
from bidding.identity.models import EnrolmentCode, Organization
from bidding.identity.service import CertificateView, EnrolmentCodeView, OrganisationView, RevocationView, chain_pem
from bidding.messaging.channels import Text
from bidding.messaging.service import dispatch

if TYPE_CHECKING:
    from bidding.core.platform import Platform

#: Purpose of the notices telling an organisation of a decision on it (messaging's purposes).
PURPOSE_REFUSED: Final = "identity.registration_refused"
PURPOSE_SUSPENDED: Final = "identity.organisation_suspended"
PURPOSE_REINSTATED: Final = "identity.organisation_reinstated"

#: The settings the console shows with their values: an explicit allow-list, so a setting added
#: later is redacted until someone decides it is safe (secrets, credentials, URLs that may carry a
#: password, paths of the deployment are never on it).
SAFE_SETTINGS: Final = frozenset(
    {
        "host",
        "port",
        "web_workers",
        "public_base_url",
        "queue_prefix",
        "job_poll_delay",
        "urgent_poll_delay",
        "auto_migrate",
        "worker_in_process",
        "max_request_mib",
        "log_level",
        "log_format",
        "display_timezone",
        "ca_create",
        "ca_key_type",
        "pki_base_url",
        "outside_revocation",
        "session_minutes",
        "challenge_seconds",
        "bid_period_min_days",
        "clarification_min_days",
        "package_max_mib",
        "upload_chunk_mib",
        "upload_idle_hours",
        "project_max_lots",
        "schedule_max_days",
        "enrolment_code_days",
        "deposit_caps_yuan",
        "deposit_guarantee_option",
        "guarantee_fetch_revocation",
        "deposit_statement_max_mib",
        "deposit_demand_rates",
        "deposit_lending_rates",
        "deposit_holidays",
        "deposit_working_weekends",
        "smtp_starttls",
        "message_send_timeout_seconds",
        "message_max_attempts",
        "message_retry_seconds",
        "sms_provider",
        "sms_templates",
        "voice_provider",
        "voice_templates",
        "expert_draw_lead_hours",
        "expert_answer_minutes",
        "expert_max_draws",
        "expert_draw_period_days",
        "expert_seven_threshold_yuan",
        "evaluation_divergence_percent",
        "paused_crons",
        "ocds_prefix",
        "archive_retention_years",
        "supervision_leads",
        "supervision_order_reply_days",
        "log_origin",
        "log_checkpoint_interval_s",
    }
)

#: Projects, read for the agents' roster by table name (identity may not import tendering: it
#: builds on identity). In progress: published or under evaluation.
_projects = table(
    "projects",
    column("agent_id", Uuid()),
    column("status", String()),
    column("updated_at", UTCDateTime()),
)
_IN_PROGRESS: Final = ("published", "evaluation")


class ReasonRequired(DomainError):
    """A refusal or a suspension without a reason: the organisation is told the reason."""

    code = "reason_required"
    status = 422
    message_zh = "请填写原因"
    message_en = "A reason is required"


class WrongStatus(Conflict):
    code = "organisation_status"
    message_zh = "单位当前状态不允许此操作"
    message_en = "Not allowed in the organisation's current status"


class CertificateNotOfOrganisation(NotFound):
    code = "certificate_not_found"
    message_zh = "该单位无此证书"
    message_en = "The organisation holds no such certificate"


class SortKey(enum.StrEnum):
    CREATED_AT = "created_at"
    NAME = "name"
    STATUS = "status"
    KIND = "kind"
    DECIDED_AT = "decided_at"


class SortOrder(enum.StrEnum):
    ASC = "asc"
    DESC = "desc"


@dataclass(frozen=True)
class RegistrationView:
    organisation: OrganisationView
    decided_at: datetime | None
    decided_by: str | None
    decision_reason: str | None

    @classmethod
    def of(cls, org: Organization) -> RegistrationView:
        return cls(OrganisationView.of(org), org.decided_at, org.decided_by, org.decision_reason)


@dataclass(frozen=True)
class RegistrationPage:
    total: int
    offset: int
    limit: int
    items: list[RegistrationView]


@dataclass(frozen=True)
class CodeStateView:
    """An enrolment code as the console lists it: never the code itself (shown once, on issue)."""

    id: uuid.UUID
    role: str
    state: str  # issued | used | expired | withdrawn
    created_at: datetime
    created_by: str
    expires_at: datetime
    used_at: datetime | None


@dataclass(frozen=True)
class ReissueView:
    enrolment: EnrolmentCodeView
    withdrawn: int


@dataclass(frozen=True)
class UserCertificateView:
    serial: str
    fingerprint: str
    common_name: str
    role: str
    key_type: str
    not_before: datetime
    not_after: datetime
    issued_at: datetime
    status: str  # valid | expired | revoked
    revoked_at: datetime | None
    revocation_reason: str | None
    open_sessions: int


@dataclass(frozen=True)
class OrganisationDetailView:
    registration: RegistrationView
    certificates: list[UserCertificateView]
    codes: list[CodeStateView]
    open_sessions: int


@dataclass(frozen=True)
class AgentView:
    organisation: OrganisationView
    projects_total: int
    projects_in_progress: int
    last_activity: datetime | None


@dataclass(frozen=True)
class StatusChangeView:
    registration: RegistrationView
    sessions_closed: int


@dataclass(frozen=True)
class SettingView:
    name: str
    variable: str
    shown: bool
    value: str | None
    doc: str


def _reason(reason: str) -> str:
    text = reason.strip()
    if not text:
        raise ReasonRequired("reason: give the reason the organisation will be told", "reason：请填写告知单位的原因")
    return text


# ----------------------------------------------------------------------------- registrations


async def registrations(
    platform: Platform,
    *,
    status: OrgStatus | None,
    kind: OrgKind | None,
    text: str,
    sort: SortKey,
    order: SortOrder,
    offset: int,
    limit: int,
) -> RegistrationPage:
    """Registered organisations filtered by status, kind and a text in the name or credit code;
    one page of them, with the total the filters match."""
    where = []
    if status is not None:
        where.append(Organization.status == status)
    if kind is not None:
        where.append(Organization.kind == kind)
    if needle := text.strip():
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        like = f"%{escaped}%"
        where.append(or_(Organization.name.ilike(like, escape="\\"), Organization.credit_code.ilike(like, escape="\\")))
    key = getattr(Organization, sort.value)
    ordering = key.desc() if order is SortOrder.DESC else key.asc()
    async with platform.sessions() as db:
        total = int(await db.scalar(select(func.count()).select_from(Organization).where(*where)) or 0)
        rows = await db.scalars(
            select(Organization).where(*where).order_by(ordering, Organization.id).offset(offset).limit(limit)
        )
        return RegistrationPage(total, offset, limit, [RegistrationView.of(o) for o in rows.all()])


async def refuse(platform: Platform, caller: Caller, org_id: uuid.UUID, reason: str) -> RegistrationView:
    """Refuse a pending registration with a reason; the organisation is told in-app and by e-mail."""
    text = _reason(reason)
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        org = await get_organisation(db, org_id)
        ensure_pending(org)
        org.status = OrgStatus.REFUSED
        org.decided_at, org.decided_by, org.decision_reason = now, caller.actor.id, text
        record(
            db,
            caller.actor,
            "organisation.refused",
            object_type="organisation",
            object_id=str(org.id),
            details={"credit_code": org.credit_code, "reason": text},
        )
        queued = await tell_organisation(
            db,
            platform,
            caller.actor,
            org.id,
            purpose=PURPOSE_REFUSED,
            reference=f"organisation:{org.id}",
            subject=Text(f"【注册未通过】{org.name}", f"[Registration refused] {org.name}"),
            body=Text(
                f"贵单位（统一社会信用代码 {org.credit_code}）在平台的注册申请未通过审核。原因：{text}",
                f"The registration of your organisation (credit code {org.credit_code}) was refused. Reason: {text}",
            ),
            now=now,
        )
        view = RegistrationView.of(org)
    await dispatch(platform, queued)
    return view


# ----------------------------------------------------------------------------- enrolment codes


def _code_state(code: EnrolmentCode, now: datetime) -> str:
    if code.used_at is not None:
        return "used"
    if code.revoked:
        return "withdrawn"
    return "expired" if now >= code.expires_at else "issued"


async def _codes(db: AsyncSession, org_id: uuid.UUID, now: datetime) -> list[CodeStateView]:
    rows = await db.scalars(
        select(EnrolmentCode)
        .where(EnrolmentCode.organization_id == org_id)
        .order_by(EnrolmentCode.created_at.desc(), EnrolmentCode.id)
    )
    return [
        CodeStateView(c.id, c.role, _code_state(c, now), c.created_at, c.created_by, c.expires_at, c.used_at)
        for c in rows.all()
    ]


async def enrolment_codes(platform: Platform, org_id: uuid.UUID) -> list[CodeStateView]:
    """An organisation's enrolment codes, newest first: their state, never the code."""
    async with platform.sessions() as db:
        await get_organisation(db, org_id)
        return await _codes(db, org_id, platform.clock.now())


async def reissue_code(platform: Platform, caller: Caller, org_id: uuid.UUID, role: Role) -> ReissueView:
    """A new one-time code for ``role``; the organisation's earlier unused codes for that role are
    withdrawn (they no longer enrol anyone)."""
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        org = await get_organisation(db, org_id)
        withdrawn = await db.execute(
            update(EnrolmentCode)
            .where(
                EnrolmentCode.organization_id == org.id,
                EnrolmentCode.role == role.value,
                EnrolmentCode.used_at.is_(None),
                EnrolmentCode.revoked.is_(False),
            )
            .values(revoked=True)
        )
        count = int(withdrawn.rowcount)  # type: ignore[attr-defined]
        code = await create_enrolment_code(
            db, caller.actor, org, role.value, now=now, days=platform.settings.enrolment_code_days
        )
        record(
            db,
            caller.actor,
            "enrolment_code.reissued",
            object_type="organisation",
            object_id=str(org.id),
            details={"role": role.value, "withdrawn": count},
        )
    return ReissueView(EnrolmentCodeView.of(org_id, code), count)


# ----------------------------------------------------------------------------- users and certificates


async def _certificates(platform: Platform, db: AsyncSession, org_id: uuid.UUID) -> list[UserCertificateView]:
    now = platform.clock.now()
    rows = (
        await db.scalars(
            select(Certificate)
            .where(Certificate.organization_id == org_id)
            .order_by(Certificate.issued_at.desc(), Certificate.id)
        )
    ).all()
    views = []
    for c in rows:
        status = "revoked" if c.revoked_at is not None else ("expired" if now >= c.not_after else "valid")
        sessions = 0 if c.revoked_at is not None else await platform.session_store.count_for_certificate(c.fingerprint)
        views.append(
            UserCertificateView(
                c.serial_hex,
                c.fingerprint,
                c.common_name,
                c.role,
                c.key_type,
                c.not_before,
                c.not_after,
                c.issued_at,
                status,
                c.revoked_at,
                c.revocation_reason,
                sessions,
            )
        )
    return views


async def organisation_detail(platform: Platform, org_id: uuid.UUID) -> OrganisationDetailView:
    """An organisation with its users' certificates (and open sessions of each) and its codes."""
    async with platform.sessions() as db:
        org = await get_organisation(db, org_id)
        certs = await _certificates(platform, db, org_id)
        codes = await _codes(db, org_id, platform.clock.now())
        return OrganisationDetailView(RegistrationView.of(org), certs, codes, sum(c.open_sessions for c in certs))


async def revoke_of_organisation(
    platform: Platform, caller: Caller, org_id: uuid.UUID, serial: str, reason: str
) -> RevocationView:
    """Revoke one of the organisation's certificates (RFC 5280 §5.3.1 reason) and end its sessions;
    a certificate of another organisation is not found here."""
    key = serial.strip().lower().removeprefix("0x")
    async with platform.sessions() as db, db.begin():
        await get_organisation(db, org_id)
        column_ = Certificate.fingerprint if len(key) == 64 else Certificate.serial_hex
        owner = await db.scalar(select(Certificate.organization_id).where(column_ == key))
        if owner != org_id:
            raise CertificateNotOfOrganisation(
                f"organisation {org_id} holds no certificate {serial!r}", f"单位 {org_id} 无证书 {serial!r}"
            )
        cert = await revoke_certificate(db, caller.actor, key, reason, now=platform.clock.now())
    closed = await platform.session_store.close_for_certificate(cert.fingerprint)
    return RevocationView(CertificateView.of(cert, chain_pem(platform.keys)), closed)


# ----------------------------------------------------------------------------- agents, suspension


async def agents(platform: Platform, *, status: OrgStatus | None, limit: int) -> list[AgentView]:
    """Agent organisations (代理机构) with the projects they run (total, in progress) and their last
    activity (the latest change to one of their projects)."""
    query = select(Organization).where(Organization.kind == OrgKind.AGENT)
    if status is not None:
        query = query.where(Organization.status == status)
    async with platform.sessions() as db:
        orgs = (await db.scalars(query.order_by(Organization.name, Organization.id).limit(limit))).all()
        ids = [o.id for o in orgs]
        stats: dict[uuid.UUID, tuple[int, int, datetime | None]] = {}
        if ids:
            in_progress = func.sum(case((_projects.c.status.in_(_IN_PROGRESS), 1), else_=0))
            rows = await db.execute(
                select(_projects.c.agent_id, func.count(), in_progress, func.max(_projects.c.updated_at))
                .where(_projects.c.agent_id.in_(ids))
                .group_by(_projects.c.agent_id)
            )
            stats = {r[0]: (int(r[1]), int(r[2] or 0), r[3]) for r in rows.all()}
    return [AgentView(OrganisationView.of(o), *stats.get(o.id, (0, 0, None))) for o in orgs]


async def _close_sessions(platform: Platform, org_id: uuid.UUID) -> int:
    async with platform.sessions() as db:
        prints = (
            await db.scalars(
                select(Certificate.fingerprint).where(
                    Certificate.organization_id == org_id, Certificate.revoked_at.is_(None)
                )
            )
        ).all()
    return sum([await platform.session_store.close_for_certificate(f) for f in prints])


async def suspend(platform: Platform, caller: Caller, org_id: uuid.UUID, reason: str) -> StatusChangeView:
    """Suspend an approved organisation: its users can no longer log in (login admits approved
    organisations only) and their open sessions end; the organisation is told why."""
    return await _change(platform, caller, org_id, reason, OrgStatus.APPROVED, OrgStatus.SUSPENDED)


async def reinstate(platform: Platform, caller: Caller, org_id: uuid.UUID, reason: str) -> StatusChangeView:
    """Reinstate a suspended organisation: its users may log in again."""
    return await _change(platform, caller, org_id, reason, OrgStatus.SUSPENDED, OrgStatus.APPROVED)


async def _change(
    platform: Platform, caller: Caller, org_id: uuid.UUID, reason: str, before: OrgStatus, after: OrgStatus
) -> StatusChangeView:
    text = _reason(reason)
    now = platform.clock.now()
    suspended = after is OrgStatus.SUSPENDED
    async with platform.sessions() as db, db.begin():
        org = await get_organisation(db, org_id)
        if org.status is not before:
            raise WrongStatus(
                f"organisation {org.credit_code} is {org.status.value}; only a {before.value} one can be "
                f"{'suspended' if suspended else 'reinstated'}",
                f"单位 {org.credit_code} 当前为 {org.status.value}，仅 {before.value} 状态可"
                f"{'暂停' if suspended else '恢复'}",
            )
        org.status = after
        record(
            db,
            caller.actor,
            "organisation.suspended" if suspended else "organisation.reinstated",
            object_type="organisation",
            object_id=str(org.id),
            details={"credit_code": org.credit_code, "reason": text},
        )
        subject = (
            Text(f"【账户暂停】{org.name}", f"[Suspended] {org.name}")
            if suspended
            else Text(f"【账户恢复】{org.name}", f"[Reinstated] {org.name}")
        )
        body = (
            Text(
                f"贵单位在平台的账户已被暂停，暂不能登录。原因：{text}",
                f"Your organisation is suspended. Reason: {text}",
            )
            if suspended
            else Text(f"贵单位在平台的账户已恢复。说明：{text}", f"Your organisation is reinstated. Note: {text}")
        )
        queued = await tell_organisation(
            db,
            platform,
            caller.actor,
            org.id,
            purpose=PURPOSE_SUSPENDED if suspended else PURPOSE_REINSTATED,
            reference=f"organisation:{org.id}",
            subject=subject,
            body=body,
            now=now,
        )
        view = RegistrationView.of(org)
    await dispatch(platform, queued)
    closed = await _close_sessions(platform, org_id) if suspended else 0
    return StatusChangeView(view, closed)


# ----------------------------------------------------------------------------- settings


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(":".join(str(p) for p in v) if isinstance(v, tuple) else str(v) for v in value)
    return "" if value is None else str(value)


def safe_settings(settings: Settings) -> list[SettingView]:
    """Every setting; the value only of those on :data:`SAFE_SETTINGS` (never a secret)."""
    views = []
    for f in fields(settings):
        shown = f.name in SAFE_SETTINGS and not f.metadata.get("secret", False)
        views.append(
            SettingView(
                f.name,
                f"{PREFIX}{f.name.upper()}",
                shown,
                _shown(getattr(settings, f.name)) if shown else None,
                str(f.metadata.get("doc", "")),
            )
        )
    return views
