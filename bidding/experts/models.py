"""Tables of the expert pool (专家库, issue 19; ``docs/experts.md``): the experts, their specialties,
the days they cannot serve, the organisations they must never evaluate, and the enrolment codes that
bind a platform certificate to an expert.

Pool data is confidential (RULES b8): only the centre's administrator writes it and the supervisor
reads it (``bidding/experts/controllers/pool.py``). Rules that must always hold are CHECK constraints
as well as service rules: 8 years or more and an admitted title level (规定 11), a suspension with its
reason and end date, an unavailable period that does not end before it starts.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column

from bidding.core.db.base import Base, utcnow
from bidding.core.db.types import BigIntPK, UTCDateTime, enum_type
from bidding.experts.pool_rules import MIN_YEARS, ExpertStatus, ExpertTitle

__all__ = ["Expert", "ExpertConflict", "ExpertEnrolment", "ExpertSpecialty", "ExpertUnavailability"]


class Expert(Base):
    """One evaluation expert in the pool."""

    __tablename__ = "experts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    #: The pool's number for the expert (专家编号): the stable key an import file names them by.
    registry_no: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    #: HMAC-SHA256 of the identity card number under a platform key (``pool_rules.id_number_digest``):
    #: recognises a number shown again (a second registration, the door of the evaluation room) and
    #: cannot be read back. The number itself is never stored.
    id_number_hmac: Mapped[str | None] = mapped_column(String(64), unique=True)
    #: Its last four characters, for people to compare with a card in front of them.
    id_number_last4: Mapped[str | None] = mapped_column(String(4))
    mobile: Mapped[str] = mapped_column(String(11))
    email: Mapped[str | None] = mapped_column(String(254))
    #: The employer, by its unified social credit code: recusal compares it with the parties' (条例 46).
    employer_credit_code: Mapped[str] = mapped_column(String(18))
    employer_name: Mapped[str] = mapped_column(String(200))
    title: Mapped[ExpertTitle] = mapped_column(enum_type(ExpertTitle, "expert_title", length=16))
    #: The title as written on the certificate of title (e.g. 高级工程师), for people.
    title_name: Mapped[str | None] = mapped_column(String(100))
    years_experience: Mapped[int] = mapped_column(Integer)
    #: GB/T 2260 code of where the expert works (draws may include or exclude regions).
    region_code: Mapped[str] = mapped_column(String(6))
    status: Mapped[ExpertStatus] = mapped_column(
        enum_type(ExpertStatus, "expert_status", length=16), default=ExpertStatus.ACTIVE
    )
    #: A suspension's reason and its last day (inclusive); the expert is drawn again after it.
    suspended_reason: Mapped[str | None] = mapped_column(Text)
    suspended_until: Mapped[date | None] = mapped_column(Date)
    retired_reason: Mapped[str | None] = mapped_column(Text)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint(f"years_experience >= {MIN_YEARS}", name="years_at_least_eight"),
        CheckConstraint(
            "status <> 'suspended' OR (suspended_reason IS NOT NULL AND suspended_until IS NOT NULL)",
            name="suspension_has_reason_and_end",
        ),
        CheckConstraint("status <> 'retired' OR retired_at IS NOT NULL", name="retirement_has_time"),
        Index(None, "status"),
        Index(None, "employer_credit_code"),
        Index(None, "region_code"),
    )


class ExpertSpecialty(Base):
    """A specialty (``bidding/experts/specialties.py``'s code) an expert is drawn for; one primary."""

    __tablename__ = "expert_specialties"

    expert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    is_primary: Mapped[bool] = mapped_column(Boolean, default=False)

    # The draw selects by specialty first.
    __table_args__ = (Index(None, "code"),)


class ExpertUnavailability(Base):
    """Days (both ends included) an expert cannot evaluate: the draw passes them over."""

    __tablename__ = "expert_unavailability"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    expert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="period_in_order"),
        Index(None, "expert_id", "starts_on"),
    )


class ExpertConflict(Base):
    """An organisation the expert must never evaluate, by credit code, as declared (规定 12, 198号 §16):
    a past employer within three years, a relative's company, a business interest."""

    __tablename__ = "expert_conflicts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True, autoincrement=True)
    expert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("experts.id", ondelete="CASCADE"))
    credit_code: Mapped[str] = mapped_column(String(18))
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    declared_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))

    __table_args__ = (UniqueConstraint("expert_id", "credit_code"), Index(None, "credit_code"))


class ExpertEnrolment(Base):
    """An enrolment code (identity's ``enrolment_codes``) issued for an expert: the certificate it is
    exchanged for (``enrolment_codes.certificate_id``) logs in as that expert. Kept here, not as a
    column of identity's table, so identity knows nothing of experts."""

    __tablename__ = "expert_enrolments"

    code_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("enrolment_codes.id"), primary_key=True)
    expert_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("experts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    __table_args__ = (Index(None, "expert_id"),)
