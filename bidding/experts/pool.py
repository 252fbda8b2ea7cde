"""The expert pool's use cases (专家库, issue 19; ``docs/experts.md``): the centre's administrator
registers, updates, suspends, reinstates and retires experts, records the organisations they must
never evaluate and the days they cannot serve, and issues the enrolment code with which an expert
obtains a platform certificate; the supervisor reads; the draw service reads the pool's facts.

Who may (RULES b8, "pool data is secret"): the administrator (:data:`WRITERS`) writes and reads,
the supervisor reads (:data:`READERS`); agents, tenderers, bidders and the public never see the pool.
An expert sees only their own record (:func:`my_record`). The controllers guard by role; the use
cases that write check again. Every write is an audit event in its own transaction, naming the
expert by id and registry number only: the audit trail is read by more people than the pool.

Two tiers, as identity's: functions over an ``AsyncSession`` and an :class:`~bidding.core.actor.Actor`
(:func:`write_expert`, :func:`pool_entries`, :func:`expert_for_certificate`), used inside someone
else's transaction (the import, the draw service), and use cases ``(platform, caller, …) -> view``
that own their transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any, Final

import msgspec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, func, or_, select
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import content_hash, record
from bidding.core.actor import Actor
from bidding.core.auth.caller import Caller
from bidding.core.clock import china_day
from bidding.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from bidding.core.fields import LABEL_PATTERN, LINE_PATTERN, NAME_PATTERN, Body, CreditCode, OrgName, PersonName
from bidding.core.pki.models import Certificate
from bidding.core.roles import Role
from bidding.experts.eligibility import Candidate, Unavailable
from bidding.experts.eligibility import ExpertStatus as EligibilityStatus
from bidding.experts.models import Expert, ExpertConflict, ExpertEnrolment, ExpertSpecialty, ExpertUnavailability
from bidding.experts.pool_rules import (
    ExpertFields,
    ExpertStatus,
    ExpertTitle,
    PoolRuleError,
    PoolRuleErrors,
    check_conflict_code,
    check_dates,
    check_day,
    check_text,
    id_number_digest,
    validate_expert,
)
from bidding.experts.specialties import MAX_PER_EXPERT, tree
from bidding.identity.issuance import code_digest, create_enrolment_code, get_organisation, revoke_certificate
from bidding.identity.kinds import OrgKind, OrgStatus
from bidding.identity.models import EnrolmentCode, Organization

if TYPE_CHECKING:
    from bidding.core.platform import Platform

__all__ = [
    "READERS",
    "WRITERS",
    "ConflictInput",
    "ConflictView",
    "ConflictsInput",
    "EnrolmentInput",
    "ExpertChanges",
    "ExpertEnrolmentView",
    "ExpertInvalid",
    "ExpertNotFound",
    "ExpertSelfView",
    "ExpertStateConflict",
    "ExpertSummary",
    "ExpertView",
    "NewExpert",
    "NotAnExpert",
    "PeriodInput",
    "PeriodView",
    "PoolEntry",
    "RetireInput",
    "SpecialtyView",
    "SuspendInput",
    "UnavailabilityInput",
    "candidates",
    "declare_conflicts",
    "expert_for_certificate",
    "expert_of",
    "get_expert",
    "id_number_key",
    "issue_enrolment_code",
    "list_experts",
    "my_record",
    "pool_entries",
    "register",
    "reinstate",
    "retire",
    "search",
    "set_my_unavailability",
    "set_unavailability",
    "status_on",
    "suspend",
    "update",
    "write_expert",
]

#: Who reads the pool: the centre's administrator and the supervisor (RULES b8). Not the auditor:
#: the audit trail records what changed, the pool's particulars are not the auditor's to read.
READERS: Final = (Role.ADMIN, Role.SUPERVISOR)
#: Who writes it: the administrator alone.
WRITERS: Final = (Role.ADMIN,)
#: How many unavailable periods and declared conflicts one expert keeps.
MAX_PERIODS: Final = 100
MAX_CONFLICTS: Final = 100
#: The HKDF label of the identity-number HMAC key (RFC 5869 "info"), apart from every other use of
#: the platform secret (``crypto/at_rest.py`` derives its keys the same way).
ID_KEY_INFO: Final = b"bidding-platform/expert-id-number/v1"


# ----------------------------------------------------------------------------- errors


class ExpertInvalid(InvalidInput):
    """A particular refused; ``details`` lists each field with its reason in both languages."""

    code = "expert_invalid"
    message_zh = "专家信息有误"
    message_en = "The expert's particulars are not valid"

    @classmethod
    def of(cls, errors: Sequence[PoolRuleError]) -> ExpertInvalid:
        return cls(
            "; ".join(f"{e.field}: {e.message_en}" for e in errors),
            "；".join(f"{e.field}：{e.message_zh}" for e in errors),
            details=[{"field": e.field, "message_zh": e.message_zh, "message_en": e.message_en} for e in errors],
        )


class ExpertNotFound(NotFound):
    code = "expert_not_found"
    message_zh = "专家不存在"
    message_en = "No such expert"


class ExpertExists(Conflict):
    code = "expert_exists"
    message_zh = "专家已在库中"
    message_en = "The expert is already in the pool"


class ExpertStateConflict(Conflict):
    code = "expert_state"
    message_zh = "专家当前状态不允许此操作"
    message_en = "The expert's status does not allow this"


class NotAnExpert(Forbidden):
    code = "not_an_expert"
    message_zh = "当前证书不属于库中的评标专家"
    message_en = "This certificate does not belong to an expert of the pool"


# ----------------------------------------------------------------------------- inputs

RegistryNo = Annotated[str, msgspec.Meta(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$(?!\n)")]
#: As typed, with ``+86``, spaces or dashes; ``pool_rules.check_mobile`` keeps the 11 digits.
MobileText = Annotated[str, msgspec.Meta(min_length=1, max_length=20, pattern=NAME_PATTERN)]
EmailText = Annotated[str, msgspec.Meta(max_length=254, pattern=LINE_PATTERN)]
SpecialtyCode = Annotated[str, msgspec.Meta(min_length=1, max_length=8, pattern=r"^[A-Za-z0-9]{1,8}$(?!\n)")]
RegionCode = Annotated[str, msgspec.Meta(min_length=6, max_length=6, pattern=r"^[0-9]{6}$(?!\n)")]
IdNumber = Annotated[str, msgspec.Meta(min_length=18, max_length=18, pattern=r"^[0-9]{17}[0-9Xx]$(?!\n)")]
Reason = Annotated[str, msgspec.Meta(min_length=1, max_length=500, pattern=LABEL_PATTERN)]
ShortReason = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=LABEL_PATTERN)]
TitleName = Annotated[str, msgspec.Meta(max_length=100, pattern=NAME_PATTERN)]


class ExpertChanges(Body, frozen=True, kw_only=True):
    """An expert's particulars (规定 11: ``years_experience`` ≥ 8 and an admitted ``title``)."""

    name: PersonName
    mobile: MobileText
    employer_credit_code: CreditCode
    employer_name: OrgName
    #: ``full_senior`` 正高级, ``deputy_senior`` 副高级, ``equivalent`` 同等专业水平 (规定 11).
    title: ExpertTitle
    years_experience: Annotated[int, msgspec.Meta(ge=0, le=100)]
    #: GB/T 2260 six-digit code of where the expert works.
    region_code: RegionCode
    #: Sub-specialty codes of the platform's tree, the primary one first.
    specialties: Annotated[list[SpecialtyCode], msgspec.Meta(min_length=1, max_length=MAX_PER_EXPERT)]
    email: EmailText | None = None
    title_name: TitleName | None = None
    #: The resident identity card number (GB 11643); kept only as a keyed hash and its last four
    #: characters. Left out on an update: the one on file stays.
    id_number: IdNumber | None = None

    def checked(self, registry_no: str) -> ExpertFields:
        try:
            return validate_expert(
                registry_no=registry_no,
                name=self.name,
                mobile=self.mobile,
                email=self.email,
                employer_credit_code=self.employer_credit_code,
                employer_name=self.employer_name,
                title=self.title,
                title_name=self.title_name,
                years_experience=self.years_experience,
                region_code=self.region_code,
                specialties=self.specialties,
                id_number=self.id_number,
            )
        except PoolRuleErrors as exc:
            raise ExpertInvalid.of(exc.errors) from None


class NewExpert(ExpertChanges, frozen=True, kw_only=True):
    """A new expert: the particulars and the pool's number for them (专家编号)."""

    registry_no: RegistryNo


class SuspendInput(Body, frozen=True):
    #: Why (e.g. 26号令 penalties: absent without notice, a complaint upheld).
    reason: Reason
    #: The suspension's last day (inclusive), in China; the expert is drawn again the day after.
    until: date


class RetireInput(Body, frozen=True):
    reason: Reason


class ConflictInput(Body, frozen=True):
    """An organisation the expert must never evaluate (规定 12, 198号 §16)."""

    credit_code: CreditCode
    reason: Reason
    organisation_name: OrgName | None = None
    #: When the expert declared it (default: today).
    declared_on: date | None = None


class ConflictsInput(Body, frozen=True):
    conflicts: Annotated[list[ConflictInput], msgspec.Meta(min_length=1, max_length=MAX_CONFLICTS)]


class PeriodInput(Body, frozen=True):
    """Whole days, both ends included."""

    starts_on: date
    ends_on: date
    reason: ShortReason | None = None


class UnavailabilityInput(Body, frozen=True):
    """The expert's unavailable periods: the list replaces the one on file."""

    periods: Annotated[list[PeriodInput], msgspec.Meta(max_length=MAX_PERIODS)]


class EnrolmentInput(Body, frozen=True):
    """Which trading centre the expert's certificate is issued under (default: the caller's own, or
    the one approved trading centre)."""

    organization_id: uuid.UUID | None = None


# ----------------------------------------------------------------------------- views


@dataclass(frozen=True)
class SpecialtyView:
    code: str
    name_zh: str
    name_en: str
    primary: bool


@dataclass(frozen=True)
class PeriodView:
    starts_on: date
    ends_on: date
    reason: str | None


@dataclass(frozen=True)
class ConflictView:
    credit_code: str
    organisation_name: str | None
    reason: str
    declared_on: date


@dataclass(frozen=True)
class ExpertSummary:
    """One line of the pool's list."""

    id: uuid.UUID
    registry_no: str
    name: str
    employer_name: str
    title: str
    years_experience: int
    region_code: str
    #: As of today: a suspension whose last day has passed reads ``active``.
    status: str
    suspended_until: date | None
    specialties: list[str]


@dataclass(frozen=True)
class ExpertView:
    """An expert's whole record, for the administrator and the supervisor."""

    id: uuid.UUID
    registry_no: str
    name: str
    id_number_last4: str | None
    mobile: str
    email: str | None
    employer_credit_code: str
    employer_name: str
    title: str
    title_name: str | None
    years_experience: int
    region_code: str
    status: str
    suspended_reason: str | None
    suspended_until: date | None
    retired_reason: str | None
    retired_at: datetime | None
    specialties: list[SpecialtyView]
    conflicts: list[ConflictView]
    unavailability: list[PeriodView]
    #: Valid (unrevoked, unexpired) certificates that log in as this expert.
    certificates: int
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ExpertSelfView:
    """What an expert sees of their own record once logged in."""

    id: uuid.UUID
    registry_no: str
    name: str
    status: str
    suspended_until: date | None
    specialties: list[SpecialtyView]
    unavailability: list[PeriodView]


@dataclass(frozen=True)
class ExpertEnrolmentView:
    """A one-time enrolment code for an expert's certificate, and what its CSR must name."""

    expert_id: uuid.UUID
    enrolment_code: str
    role: str
    expires_at: datetime
    #: The subject the CSR must carry (``crypto.subject``): the trading centre's name and credit
    #: code, the expert's name as common name, the role ``expert``.
    organization_id: uuid.UUID
    organisation: str
    credit_code: str
    common_name: str


@dataclass(frozen=True)
class PoolEntry:
    """What the draw needs to know of one expert (RULES b3, b4; issue 19 "Recusal"): specialties,
    region, employer, declared conflicts, status and unavailable days. Names and contacts stay out:
    the draw works on ids, and the sealed list is the draw service's."""

    expert_id: uuid.UUID
    registry_no: str
    #: Sub-specialty codes, the primary one first.
    specialties: tuple[str, ...]
    region_code: str
    employer_credit_code: str
    #: Credit codes of the organisations the expert declared they must never evaluate.
    conflict_credit_codes: frozenset[str]
    #: ``active`` or ``suspended`` as stored (retired experts are never listed).
    status: ExpertStatus
    #: The suspension's last day (inclusive) while ``status`` is suspended; None otherwise.
    suspended_until: date | None
    #: Unavailable periods, both ends included, in order.
    unavailable: tuple[tuple[date, date], ...] = field(default=())

    def suspended_on(self, day: date) -> bool:
        return self.status is ExpertStatus.SUSPENDED and (self.suspended_until is None or day <= self.suspended_until)

    def unavailable_on(self, day: date) -> bool:
        return any(start <= day <= end for start, end in self.unavailable)

    def candidate(self, *, draws_in_period: int = 0) -> Candidate:
        """The same facts as the recusal rules take them (``bidding.experts.eligibility``); the draw
        service adds the count of draws it keeps."""
        return Candidate(
            expert_id=str(self.expert_id),
            specialties=frozenset(self.specialties),
            region=self.region_code,
            employer=self.employer_credit_code,
            conflicts=self.conflict_credit_codes,
            status=EligibilityStatus(self.status.value),
            suspended_until=self.suspended_until,
            # Penalties are not kept by the pool yet: a penalised expert is suspended or retired.
            past_penalty=False,
            unavailable=tuple(Unavailable(start, end) for start, end in self.unavailable),
            draws_in_period=draws_in_period,
        )


# ----------------------------------------------------------------------------- helpers


def id_number_key(platform_secret: str) -> bytes:
    """The key of the identity-number HMAC, derived from the platform secret (HKDF-SHA256, RFC 5869).

    Changing ``BIDDING_SECRET_KEY`` makes the stored digests unrecognisable: duplicates of numbers
    registered before are then no longer caught, and numbers must be entered again to be checked."""
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=ID_KEY_INFO).derive(platform_secret.encode())


def _key(platform: Platform) -> bytes:
    return id_number_key(platform.settings.resolved_secret("secret_key"))


def status_on(expert: Expert, day: date) -> ExpertStatus:
    """The expert's status on ``day``: a suspension whose last day is before ``day`` has lapsed."""
    if expert.status is ExpertStatus.SUSPENDED and expert.suspended_until is not None and expert.suspended_until < day:
        return ExpertStatus.ACTIVE
    return expert.status


def _invalid(field_name: str, message_en: str, message_zh: str) -> ExpertInvalid:
    return ExpertInvalid.of([PoolRuleError(field_name, message_en, message_zh)])


def _checked_day(value: date, field_name: str) -> date:
    try:
        return check_day(value, field_name)
    except PoolRuleError as exc:
        raise ExpertInvalid.of([exc]) from None


async def _find(db: AsyncSession, expert_id: uuid.UUID, *, lock: bool = False) -> Expert:
    query = select(Expert).where(Expert.id == expert_id)
    if lock:
        query = query.with_for_update()
    expert = await db.scalar(query)
    if expert is None:
        raise ExpertNotFound(f"expert {expert_id} is not in the pool", f"专家 {expert_id} 不在库中")
    return expert


async def _specialties(db: AsyncSession, expert_id: uuid.UUID) -> tuple[str, ...]:
    rows = (
        await db.execute(
            select(ExpertSpecialty.code, ExpertSpecialty.is_primary).where(ExpertSpecialty.expert_id == expert_id)
        )
    ).all()
    return tuple(code for code, _ in sorted(rows, key=lambda r: (not r[1], r[0])))


def _snapshot(expert: Expert, specialties: Sequence[str]) -> dict[str, Any]:
    """The record as the audit event's content hash covers it (the id number only as its HMAC)."""
    return {
        "id": str(expert.id),
        "registry_no": expert.registry_no,
        "name": expert.name,
        "id_number_hmac": expert.id_number_hmac,
        "mobile": expert.mobile,
        "email": expert.email,
        "employer_credit_code": expert.employer_credit_code,
        "employer_name": expert.employer_name,
        "title": expert.title.value,
        "title_name": expert.title_name,
        "years_experience": expert.years_experience,
        "region_code": expert.region_code,
        "status": expert.status.value,
        "suspended_reason": expert.suspended_reason,
        "suspended_until": expert.suspended_until,
        "retired_reason": expert.retired_reason,
        "specialties": list(specialties),
    }


def _audit(
    db: AsyncSession,
    actor: Actor,
    action: str,
    expert: Expert,
    specialties: Sequence[str],
    **details: Any,
) -> None:
    # Details name the expert by number and say what changed, never the particulars themselves:
    # the trail's readers (auditors) are more than the pool's (RULES b8).
    record(
        db,
        actor,
        action,
        object_type="expert",
        object_id=str(expert.id),
        content_sha256=content_hash(_snapshot(expert, specialties)),
        details={"registry_no": expert.registry_no, **details},
    )


# ----------------------------------------------------------------------------- writing (any transaction)


async def write_expert(
    db: AsyncSession,
    actor: Actor,
    fields: ExpertFields,
    key: bytes,
    *,
    now: datetime,
    expert: Expert | None = None,
    details: dict[str, Any] | None = None,
) -> tuple[Expert, str]:
    """Register an expert (``expert`` None) or rewrite ``expert``'s particulars with ``fields``, in the
    caller's transaction; returns the row and ``registered``, ``updated`` or ``unchanged``.

    Refuses a registry number already in the pool for a new expert, an identity card number already
    registered for another expert (the same person twice), and changes to a retired expert."""
    digest = id_number_digest(fields.id_number, key) if fields.id_number else None
    if expert is None:
        taken = await db.scalar(select(Expert.id).where(Expert.registry_no == fields.registry_no))
        if taken is not None:
            raise ExpertExists(
                f"registry number {fields.registry_no} is already in the pool",
                f"专家编号 {fields.registry_no} 已在库中",
            )
    elif expert.status is ExpertStatus.RETIRED:
        raise ExpertStateConflict(
            f"expert {expert.registry_no} has retired from the pool; a retired record is not changed",
            f"专家 {expert.registry_no} 已退出专家库，记录不再修改",
        )
    if digest is not None:
        holder = await db.scalar(select(Expert.registry_no).where(Expert.id_number_hmac == digest))
        if holder is not None and (expert is None or holder != expert.registry_no):
            raise ExpertExists(
                f"this identity card number is already registered as expert {holder}",
                f"该身份证号码已登记为专家 {holder}",
                details=[{"field": "id_number", "registry_no": holder}],
            )
    values: dict[str, Any] = {
        "name": fields.name,
        "mobile": fields.mobile,
        "email": fields.email,
        "employer_credit_code": fields.employer_credit_code,
        "employer_name": fields.employer_name,
        "title": fields.title,
        "title_name": fields.title_name,
        "years_experience": fields.years_experience,
        "region_code": fields.region_code,
    }
    if digest is not None:
        values["id_number_hmac"] = digest
        values["id_number_last4"] = fields.id_number[-4:] if fields.id_number else None
    if expert is None:
        expert = Expert(
            id=uuid.uuid4(),
            registry_no=fields.registry_no,
            status=ExpertStatus.ACTIVE,
            created_at=now,
            created_by=actor.id,
            updated_at=now,
            updated_by=actor.id,
            **values,
        )
        db.add(expert)
        await db.flush()
        outcome, changed = "registered", sorted(values)
        before: tuple[str, ...] = ()
    else:
        changed = sorted(k for k, v in values.items() if getattr(expert, k) != v)
        before = await _specialties(db, expert.id)
        outcome = "updated"
    if before != fields.specialties:
        changed.append("specialties")
        await db.execute(delete(ExpertSpecialty).where(ExpertSpecialty.expert_id == expert.id))
        db.add_all(
            ExpertSpecialty(expert_id=expert.id, code=code, is_primary=i == 0)
            for i, code in enumerate(fields.specialties)
        )
    if outcome == "updated":
        if not changed:
            return expert, "unchanged"
        for name, value in values.items():
            setattr(expert, name, value)
        expert.updated_at, expert.updated_by = now, actor.id
    await db.flush()
    _audit(db, actor, f"expert.{outcome}", expert, fields.specialties, fields=changed, **(details or {}))
    return expert, outcome


# ----------------------------------------------------------------------------- reading (any transaction)


async def _views(db: AsyncSession, expert: Expert, today: date, now: datetime) -> ExpertView:
    specialties = await _specialty_views(db, expert.id)
    conflicts = (
        await db.scalars(
            select(ExpertConflict).where(ExpertConflict.expert_id == expert.id).order_by(ExpertConflict.credit_code)
        )
    ).all()
    periods = await _periods(db, expert.id)
    certificates = await db.scalar(
        select(func.count())
        .select_from(Certificate)
        .where(
            Certificate.id.in_(_certificate_ids(expert.id)),
            Certificate.revoked_at.is_(None),
            Certificate.not_after > now,
        )
    )
    status = status_on(expert, today)
    suspended = status is ExpertStatus.SUSPENDED
    return ExpertView(
        id=expert.id,
        registry_no=expert.registry_no,
        name=expert.name,
        id_number_last4=expert.id_number_last4,
        mobile=expert.mobile,
        email=expert.email,
        employer_credit_code=expert.employer_credit_code,
        employer_name=expert.employer_name,
        title=expert.title.value,
        title_name=expert.title_name,
        years_experience=expert.years_experience,
        region_code=expert.region_code,
        status=status.value,
        suspended_reason=expert.suspended_reason if suspended else None,
        suspended_until=expert.suspended_until if suspended else None,
        retired_reason=expert.retired_reason,
        retired_at=expert.retired_at,
        specialties=specialties,
        conflicts=[ConflictView(c.credit_code, c.organisation_name, c.reason, c.declared_on) for c in conflicts],
        unavailability=periods,
        certificates=int(certificates or 0),
        created_at=expert.created_at,
        updated_at=expert.updated_at,
    )


async def _specialty_views(db: AsyncSession, expert_id: uuid.UUID) -> list[SpecialtyView]:
    codes = await _specialties(db, expert_id)
    known = tree()
    out = []
    for i, code in enumerate(codes):
        node = known.get(code)
        out.append(SpecialtyView(code, node.name_zh if node else code, node.name_en if node else code, i == 0))
    return out


async def _periods(db: AsyncSession, expert_id: uuid.UUID) -> list[PeriodView]:
    rows = (
        await db.scalars(
            select(ExpertUnavailability)
            .where(ExpertUnavailability.expert_id == expert_id)
            .order_by(ExpertUnavailability.starts_on, ExpertUnavailability.id)
        )
    ).all()
    return [PeriodView(p.starts_on, p.ends_on, p.reason) for p in rows]


def _certificate_ids(expert_id: uuid.UUID) -> Any:
    """The certificates the expert's enrolment codes were exchanged for (a subquery)."""
    return (
        select(EnrolmentCode.certificate_id)
        .join(ExpertEnrolment, ExpertEnrolment.code_id == EnrolmentCode.id)
        .where(ExpertEnrolment.expert_id == expert_id, EnrolmentCode.certificate_id.is_not(None))
        .scalar_subquery()
    )


async def pool_entries(db: AsyncSession, *, specialties: Collection[str] | None = None) -> list[PoolEntry]:
    """The pool's facts for the draw (RULES b3, b4): every expert not retired — suspended ones
    included, so the draw can record why they were passed over — holding a specialty that one of
    ``specialties`` covers (:func:`bidding.experts.specialties.covers`: ``A01`` takes ``A0102``), or
    every one when None; ordered by expert id. Read in the caller's transaction."""
    query = select(Expert).where(Expert.status != ExpertStatus.RETIRED).order_by(Expert.id)
    if specialties is not None:
        wanted = sorted({c.strip().upper() for c in specialties})
        if not wanted:
            return []
        query = query.where(
            Expert.id.in_(
                select(ExpertSpecialty.expert_id).where(or_(*(ExpertSpecialty.code.startswith(c) for c in wanted)))
            )
        )
    experts = (await db.scalars(query)).all()
    if not experts:
        return []
    ids = [e.id for e in experts]
    codes: dict[uuid.UUID, list[tuple[bool, str]]] = {}
    conflicts: dict[uuid.UUID, set[str]] = {}
    periods: dict[uuid.UUID, list[tuple[date, date]]] = {}
    # In slices: a bound parameter list has limits (SQLite 32,766, asyncpg 32,767).
    for start in range(0, len(ids), 5000):
        part = ids[start : start + 5000]
        for expert_id, code, primary in await db.execute(
            select(ExpertSpecialty.expert_id, ExpertSpecialty.code, ExpertSpecialty.is_primary).where(
                ExpertSpecialty.expert_id.in_(part)
            )
        ):
            codes.setdefault(expert_id, []).append((not primary, code))
        for expert_id, credit_code in await db.execute(
            select(ExpertConflict.expert_id, ExpertConflict.credit_code).where(ExpertConflict.expert_id.in_(part))
        ):
            conflicts.setdefault(expert_id, set()).add(credit_code)
        for expert_id, starts_on, ends_on in await db.execute(
            select(ExpertUnavailability.expert_id, ExpertUnavailability.starts_on, ExpertUnavailability.ends_on).where(
                ExpertUnavailability.expert_id.in_(part)
            )
        ):
            periods.setdefault(expert_id, []).append((starts_on, ends_on))
    return [
        PoolEntry(
            expert_id=e.id,
            registry_no=e.registry_no,
            specialties=tuple(code for _, code in sorted(codes.get(e.id, []))),
            region_code=e.region_code,
            employer_credit_code=e.employer_credit_code,
            conflict_credit_codes=frozenset(conflicts.get(e.id, ())),
            status=e.status,
            suspended_until=e.suspended_until if e.status is ExpertStatus.SUSPENDED else None,
            unavailable=tuple(sorted(periods.get(e.id, []))),
        )
        for e in experts
    ]


async def candidates(
    db: AsyncSession,
    *,
    specialties: Collection[str] | None = None,
    draws_in_period: Mapping[uuid.UUID, int] | None = None,
) -> list[Candidate]:
    """:func:`pool_entries` as :class:`bidding.experts.eligibility.Candidate` values, ready for
    ``eligibility.split_pool``; ``draws_in_period`` is the draw service's count per expert."""
    counts = draws_in_period or {}
    return [
        e.candidate(draws_in_period=counts.get(e.expert_id, 0)) for e in await pool_entries(db, specialties=specialties)
    ]


async def expert_for_certificate(db: AsyncSession, fingerprint: str) -> uuid.UUID | None:
    """The expert a platform certificate logs in as: the one whose enrolment code it was issued for
    (``expert_enrolments`` → ``enrolment_codes.certificate_id``); None for any other certificate."""
    found: uuid.UUID | None = await db.scalar(
        select(ExpertEnrolment.expert_id)
        .join(EnrolmentCode, EnrolmentCode.id == ExpertEnrolment.code_id)
        .join(Certificate, Certificate.id == EnrolmentCode.certificate_id)
        .where(Certificate.fingerprint == fingerprint, Certificate.revoked_at.is_(None))
    )
    return found


# ----------------------------------------------------------------------------- the administrator


def _writer(caller: Caller) -> None:
    if not caller.has(*WRITERS):
        raise Forbidden("only the centre's administrator changes the expert pool", "仅交易中心管理员可维护专家库")


def _reader(caller: Caller) -> None:
    if not caller.has(*READERS):
        raise Forbidden(
            "the expert pool is confidential: the administrator and the supervisor read it",
            "专家库信息保密，仅管理员和监督人员可查看",
        )


async def register(platform: Platform, caller: Caller, data: NewExpert) -> ExpertView:
    """Register an expert in the pool (规定 11: 8+ years, a senior title or equivalent)."""
    _writer(caller)
    fields = data.checked(data.registry_no)
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        expert, _ = await write_expert(db, caller.actor, fields, _key(platform), now=now)
        return await _views(db, expert, china_day(now), now)


async def update(platform: Platform, caller: Caller, expert_id: uuid.UUID, data: ExpertChanges) -> ExpertView:
    """Rewrite an expert's particulars (the registry number and status stay)."""
    _writer(caller)
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        expert = await _find(db, expert_id, lock=True)
        fields = data.checked(expert.registry_no)
        await write_expert(db, caller.actor, fields, _key(platform), now=now, expert=expert)
        return await _views(db, expert, china_day(now), now)


async def suspend(platform: Platform, caller: Caller, expert_id: uuid.UUID, data: SuspendInput) -> ExpertView:
    """Suspend an expert until a day (inclusive) with a reason; suspending again replaces both."""
    _writer(caller)
    now = platform.clock.now()
    today = china_day(now)
    until = _checked_day(data.until, "until")
    if until < today:
        raise _invalid(
            "until",
            f"the suspension's last day {until} is before today ({today})",
            f"暂停截止日 {until} 早于今天（{today}）",
        )
    try:
        reason = check_text(data.reason, "reason", max_length=500)
    except PoolRuleError as exc:
        raise ExpertInvalid.of([exc]) from None
    async with platform.sessions() as db, db.begin():
        expert = await _find(db, expert_id, lock=True)
        if expert.status is ExpertStatus.RETIRED:
            raise ExpertStateConflict(
                f"expert {expert.registry_no} has retired from the pool", f"专家 {expert.registry_no} 已退出专家库"
            )
        expert.status, expert.suspended_reason, expert.suspended_until = ExpertStatus.SUSPENDED, reason, until
        expert.updated_at, expert.updated_by = now, caller.actor.id
        await db.flush()
        _audit(db, caller.actor, "expert.suspended", expert, await _specialties(db, expert.id), until=until.isoformat())
        return await _views(db, expert, today, now)


async def reinstate(platform: Platform, caller: Caller, expert_id: uuid.UUID) -> ExpertView:
    """End a suspension before its last day (or tidy a lapsed one): the expert is active again."""
    _writer(caller)
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        expert = await _find(db, expert_id, lock=True)
        if expert.status is not ExpertStatus.SUSPENDED:
            raise ExpertStateConflict(
                f"expert {expert.registry_no} is {expert.status.value}, not suspended",
                f"专家 {expert.registry_no} 当前非暂停状态（{expert.status.value}）",
            )
        expert.status, expert.suspended_reason, expert.suspended_until = ExpertStatus.ACTIVE, None, None
        expert.updated_at, expert.updated_by = now, caller.actor.id
        await db.flush()
        _audit(db, caller.actor, "expert.reinstated", expert, await _specialties(db, expert.id))
        return await _views(db, expert, china_day(now), now)


async def retire(platform: Platform, caller: Caller, expert_id: uuid.UUID, data: RetireInput) -> ExpertView:
    """Retire an expert from the pool for good: never drawn again, their certificates revoked
    (RFC 5280 ``privilege_withdrawn``) with every session they opened, unused enrolment codes void."""
    _writer(caller)
    now = platform.clock.now()
    try:
        reason = check_text(data.reason, "reason", max_length=500)
    except PoolRuleError as exc:
        raise ExpertInvalid.of([exc]) from None
    async with platform.sessions() as db, db.begin():
        expert = await _find(db, expert_id, lock=True)
        if expert.status is ExpertStatus.RETIRED:
            raise ExpertStateConflict(
                f"expert {expert.registry_no} has already retired", f"专家 {expert.registry_no} 已退出专家库"
            )
        expert.status, expert.retired_reason, expert.retired_at = ExpertStatus.RETIRED, reason, now
        expert.suspended_reason = expert.suspended_until = None
        expert.updated_at, expert.updated_by = now, caller.actor.id
        await db.flush()
        fingerprints = list(
            (
                await db.scalars(
                    select(Certificate.fingerprint).where(
                        Certificate.id.in_(_certificate_ids(expert.id)), Certificate.revoked_at.is_(None)
                    )
                )
            ).all()
        )
        for fingerprint in fingerprints:
            await revoke_certificate(db, caller.actor, fingerprint, "privilege_withdrawn", now=now)
        await db.execute(
            sql_update(EnrolmentCode)
            .where(
                EnrolmentCode.id.in_(select(ExpertEnrolment.code_id).where(ExpertEnrolment.expert_id == expert.id)),
                EnrolmentCode.used_at.is_(None),
            )
            .values(revoked=True)
        )
        _audit(
            db,
            caller.actor,
            "expert.retired",
            expert,
            await _specialties(db, expert.id),
            certificates_revoked=len(fingerprints),
        )
        view = await _views(db, expert, china_day(now), now)
    for fingerprint in fingerprints:
        await platform.session_store.close_for_certificate(fingerprint)
    return view


async def declare_conflicts(
    platform: Platform, caller: Caller, expert_id: uuid.UUID, data: ConflictsInput
) -> ExpertView:
    """Record organisations the expert must never evaluate (规定 12, 198号 §16). A credit code already
    declared keeps its first declaration; the list only grows."""
    _writer(caller)
    now = platform.clock.now()
    today = china_day(now)
    errors: list[PoolRuleError] = []
    wanted: dict[str, tuple[str | None, str, date]] = {}
    for i, item in enumerate(data.conflicts):
        try:
            code = check_conflict_code(item.credit_code)
            reason = check_text(item.reason, "reason", max_length=500) or ""
            name = check_text(item.organisation_name, "organisation_name", max_length=200, required=False)
            declared = check_day(item.declared_on or today, "declared_on")
            if declared > today:
                raise PoolRuleError(
                    "declared_on", f"{declared} is after today ({today})", f"申报日期 {declared} 晚于今天"
                )
        except PoolRuleError as exc:
            errors.append(PoolRuleError(f"conflicts[{i}].{exc.field}", exc.message_en, exc.message_zh))
            continue
        wanted.setdefault(code, (name, reason, declared))
    if errors:
        raise ExpertInvalid.of(errors)
    async with platform.sessions() as db, db.begin():
        expert = await _find(db, expert_id, lock=True)
        if expert.status is ExpertStatus.RETIRED:
            raise ExpertStateConflict(
                f"expert {expert.registry_no} has retired from the pool", f"专家 {expert.registry_no} 已退出专家库"
            )
        known = set(
            (await db.scalars(select(ExpertConflict.credit_code).where(ExpertConflict.expert_id == expert.id))).all()
        )
        added = sorted(set(wanted) - known)
        db.add_all(
            ExpertConflict(
                expert_id=expert.id,
                credit_code=code,
                organisation_name=wanted[code][0],
                reason=wanted[code][1],
                declared_on=wanted[code][2],
                created_at=now,
                created_by=caller.actor.id,
            )
            for code in added
        )
        await db.flush()
        # The credit codes are organisations, not the expert's particulars: the supervisor checking a
        # recusal later needs them in the trail.
        record(
            db,
            caller.actor,
            "expert.conflicts_declared",
            object_type="expert",
            object_id=str(expert.id),
            content_sha256=content_hash({"expert": str(expert.id), "added": added}),
            details={
                "registry_no": expert.registry_no,
                "added": added,
                "already_declared": sorted(set(wanted) & known),
            },
        )
        return await _views(db, expert, today, now)


def _checked_periods(data: UnavailabilityInput) -> list[tuple[date, date, str | None]]:
    errors: list[PoolRuleError] = []
    out = []
    for i, period in enumerate(data.periods):
        try:
            start = check_day(period.starts_on, "starts_on")
            end = check_day(period.ends_on, "ends_on")
            check_dates(start, end)
            reason = check_text(period.reason, "reason", max_length=200, required=False)
        except PoolRuleError as exc:
            errors.append(PoolRuleError(f"periods[{i}].{exc.field}", exc.message_en, exc.message_zh))
            continue
        out.append((start, end, reason))
    if errors:
        raise ExpertInvalid.of(errors)
    return sorted(out, key=lambda p: (p[0], p[1]))


async def _replace_periods(
    db: AsyncSession, actor: Actor, expert: Expert, periods: list[tuple[date, date, str | None]], now: datetime
) -> None:
    if expert.status is ExpertStatus.RETIRED:
        raise ExpertStateConflict(
            f"expert {expert.registry_no} has retired from the pool", f"专家 {expert.registry_no} 已退出专家库"
        )
    await db.execute(delete(ExpertUnavailability).where(ExpertUnavailability.expert_id == expert.id))
    db.add_all(
        ExpertUnavailability(expert_id=expert.id, starts_on=s, ends_on=e, reason=r, created_at=now, created_by=actor.id)
        for s, e, r in periods
    )
    await db.flush()
    record(
        db,
        actor,
        "expert.unavailability_set",
        object_type="expert",
        object_id=str(expert.id),
        content_sha256=content_hash({"expert": str(expert.id), "periods": [[s, e] for s, e, _ in periods]}),
        details={"registry_no": expert.registry_no, "periods": len(periods)},
    )


async def set_unavailability(
    platform: Platform, caller: Caller, expert_id: uuid.UUID, data: UnavailabilityInput
) -> ExpertView:
    """Replace the days an expert cannot serve (the draw passes over them)."""
    _writer(caller)
    periods = _checked_periods(data)
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        expert = await _find(db, expert_id, lock=True)
        await _replace_periods(db, caller.actor, expert, periods, now)
        return await _views(db, expert, china_day(now), now)


async def get_expert(platform: Platform, caller: Caller, expert_id: uuid.UUID) -> ExpertView:
    """One expert's whole record (administrator, supervisor)."""
    _reader(caller)
    now = platform.clock.now()
    async with platform.sessions() as db:
        return await _views(db, await _find(db, expert_id), china_day(now), now)


async def list_experts(
    platform: Platform,
    caller: Caller,
    *,
    q: str | None = None,
    specialty: str | None = None,
    status: ExpertStatus | None = None,
    region: str | None = None,
    employer_credit_code: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[ExpertSummary]:
    """The pool for the administrator and the supervisor (:func:`search`)."""
    _reader(caller)
    async with platform.sessions() as db:
        return await search(
            db,
            today=china_day(platform.clock.now()),
            q=q,
            specialty=specialty,
            status=status,
            region=region,
            employer_credit_code=employer_credit_code,
            after=after,
            limit=limit,
        )


async def search(
    db: AsyncSession,
    *,
    today: date,
    q: str | None = None,
    specialty: str | None = None,
    status: ExpertStatus | None = None,
    region: str | None = None,
    employer_credit_code: str | None = None,
    after: str | None = None,
    limit: int = 100,
) -> list[ExpertSummary]:
    """The pool, by registry number (page on with ``after``, the last number seen): a name or number
    containing ``q``, a specialty under ``specialty`` (a group takes its sub-specialties), a status as
    of ``today``, a region code starting with ``region``, an employer."""
    query = select(Expert).order_by(Expert.registry_no).limit(limit)
    if q:
        like = "%" + q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(
            or_(Expert.name.like(like, escape="\\"), Expert.registry_no.like(like.upper(), escape="\\"))
        )
    if specialty:
        code = specialty.strip().upper()
        if code not in tree():
            raise _invalid("specialty", f"unknown specialty code {code!r}", f"未知评标专业代码“{code}”")
        query = query.where(
            Expert.id.in_(select(ExpertSpecialty.expert_id).where(ExpertSpecialty.code.startswith(code)))
        )
    if status is ExpertStatus.ACTIVE:
        query = query.where(
            or_(
                Expert.status == ExpertStatus.ACTIVE,
                (Expert.status == ExpertStatus.SUSPENDED) & (Expert.suspended_until < today),
            )
        )
    elif status is ExpertStatus.SUSPENDED:
        query = query.where(Expert.status == ExpertStatus.SUSPENDED, Expert.suspended_until >= today)
    elif status is ExpertStatus.RETIRED:
        query = query.where(Expert.status == ExpertStatus.RETIRED)
    if region:
        query = query.where(Expert.region_code.startswith(region.strip()))
    if employer_credit_code:
        query = query.where(Expert.employer_credit_code == employer_credit_code.strip().upper())
    if after:
        query = query.where(Expert.registry_no > after.strip().upper())
    experts = (await db.scalars(query)).all()
    codes: dict[uuid.UUID, list[tuple[bool, str]]] = {}
    if experts:
        for expert_id, code, primary in await db.execute(
            select(ExpertSpecialty.expert_id, ExpertSpecialty.code, ExpertSpecialty.is_primary).where(
                ExpertSpecialty.expert_id.in_([e.id for e in experts])
            )
        ):
            codes.setdefault(expert_id, []).append((not primary, code))
    out = []
    for e in experts:
        current = status_on(e, today)
        out.append(
            ExpertSummary(
                id=e.id,
                registry_no=e.registry_no,
                name=e.name,
                employer_name=e.employer_name,
                title=e.title.value,
                years_experience=e.years_experience,
                region_code=e.region_code,
                status=current.value,
                suspended_until=e.suspended_until if current is ExpertStatus.SUSPENDED else None,
                specialties=[c for _, c in sorted(codes.get(e.id, []))],
            )
        )
    return out


async def _centre(db: AsyncSession, caller: Caller, organization_id: uuid.UUID | None) -> Organization:
    """The trading centre an expert's certificate is issued under: the one named, else the caller's
    own, else the only approved trading centre on the platform."""
    org_id = organization_id or caller.organization_id
    if org_id is not None:
        org = await get_organisation(db, org_id)
        if org.kind is not OrgKind.TRADING_CENTRE:
            raise _invalid(
                "organization_id",
                f"{org.name} is a {org.kind.value}; experts hold certificates of the trading centre",
                f"{org.name} 不是交易中心；评标专家的证书由交易中心办理",
            )
        return org
    centres = (
        await db.scalars(
            select(Organization)
            .where(Organization.kind == OrgKind.TRADING_CENTRE, Organization.status == OrgStatus.APPROVED)
            .limit(2)
        )
    ).all()
    if len(centres) != 1:
        raise Conflict(
            "name the trading centre (organization_id): "
            + ("none is approved yet" if not centres else "more than one is approved"),
            "请指定交易中心（organization_id）："
            + ("尚无已审核的交易中心" if not centres else "已审核的交易中心不止一个"),
        )
    return centres[0]


async def issue_enrolment_code(
    platform: Platform, caller: Caller, expert_id: uuid.UUID, data: EnrolmentInput
) -> ExpertEnrolmentView:
    """A one-time enrolment code for an expert's platform certificate (role ``expert``, under the
    trading centre: ``bidding.core.roles``). The certificate the code is exchanged for
    (``POST /api/enrolment/certificates``) logs in as this expert (:func:`expert_of`)."""
    _writer(caller)
    now = platform.clock.now()
    async with platform.sessions() as db, db.begin():
        expert = await _find(db, expert_id, lock=True)
        if expert.status is ExpertStatus.RETIRED:
            raise ExpertStateConflict(
                f"expert {expert.registry_no} has retired from the pool", f"专家 {expert.registry_no} 已退出专家库"
            )
        centre = await _centre(db, caller, data.organization_id)
        issued = await create_enrolment_code(
            db, caller.actor, centre, Role.EXPERT.value, now=now, days=platform.settings.enrolment_code_days
        )
        code_id = await db.scalar(select(EnrolmentCode.id).where(EnrolmentCode.code_sha256 == code_digest(issued.code)))
        assert code_id is not None  # written just above, in this transaction
        db.add(ExpertEnrolment(code_id=code_id, expert_id=expert.id, created_at=now))
        await db.flush()
        _audit(
            db,
            caller.actor,
            "expert.enrolment_code_created",
            expert,
            await _specialties(db, expert.id),
            code_id=str(code_id),
            organisation=centre.credit_code,
            expires_at=issued.expires_at.isoformat(),
        )
        return ExpertEnrolmentView(
            expert_id=expert.id,
            enrolment_code=issued.code,
            role=issued.role.value,
            expires_at=issued.expires_at,
            organization_id=centre.id,
            organisation=centre.name,
            credit_code=centre.credit_code,
            common_name=expert.name,
        )


# ----------------------------------------------------------------------------- the expert


async def expert_of(platform: Platform, caller: Caller) -> uuid.UUID:
    """The expert a logged-in caller is: a certificate of role ``expert`` issued for an expert's
    enrolment code, not revoked; :class:`NotAnExpert` (403) for anyone else."""
    if not caller.has(Role.EXPERT) or caller.fingerprint is None:
        raise NotAnExpert("log in with an expert's certificate", "请使用评标专家证书登录")
    async with platform.sessions() as db:
        expert_id = await expert_for_certificate(db, caller.fingerprint)
    if expert_id is None:
        raise NotAnExpert()
    return expert_id


async def my_record(platform: Platform, caller: Caller) -> ExpertSelfView:
    """The logged-in expert's own record: specialties, status, unavailable days."""
    expert_id = await expert_of(platform, caller)
    now = platform.clock.now()
    async with platform.sessions() as db:
        expert = await _find(db, expert_id)
        status = status_on(expert, china_day(now))
        return ExpertSelfView(
            id=expert.id,
            registry_no=expert.registry_no,
            name=expert.name,
            status=status.value,
            suspended_until=expert.suspended_until if status is ExpertStatus.SUSPENDED else None,
            specialties=await _specialty_views(db, expert.id),
            unavailability=await _periods(db, expert.id),
        )


async def set_my_unavailability(platform: Platform, caller: Caller, data: UnavailabilityInput) -> ExpertSelfView:
    """The logged-in expert declares the days they cannot serve (replacing the list on file)."""
    expert_id = await expert_of(platform, caller)
    periods = _checked_periods(data)
    async with platform.sessions() as db, db.begin():
        expert = await _find(db, expert_id, lock=True)
        await _replace_periods(db, caller.actor, expert, periods, platform.clock.now())
    return await my_record(platform, caller)
