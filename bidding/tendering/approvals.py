"""The tenderer's approval of the tender documents before publication (招标文件经招标人确认后发出).

The rule, applied by :func:`bidding.tendering.service.publish`: a project the agent created from a
tenderer's registration (:class:`~bidding.tendering.models.ProjectRegistration`) is published only
when the tenderer approved the *current* documents version — the newest one uploaded. A version
uploaded after the approval is current then and needs its own (``documents_not_approved``, 409).

A project an agent created directly, naming the tenderer by credit code (the flow before
registrations, still used by the demo and most tests), has no registration and keeps publishing as
before: the tenderer did not ask to confirm its documents on the platform.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.core.errors import Conflict
from bidding.tendering.models import ProjectRegistration, TenderDocument, TenderDocumentApproval
from bidding.tendering.rules.registrations import DocumentDecision

#: What :func:`approval_state` says of a project's documents.
NOT_REQUIRED: Final = "not_required"  # no registration: the agent's own project
NO_DOCUMENTS: Final = "no_documents"
PENDING: Final = "pending"  # the current version has no decision yet


class DocumentsNotApproved(Conflict):
    code = "documents_not_approved"
    message_zh = "招标人尚未确认当前版本的招标文件，不能发布"
    message_en = "The tenderer has not approved the current version of the tender documents"


@dataclass(frozen=True)
class ApprovalState:
    """The current documents version and the tenderer's latest decision on it (none unless registered)."""

    state: str  # NOT_REQUIRED, NO_DOCUMENTS, PENDING, or a DocumentDecision value
    document: TenderDocument | None
    decision: TenderDocumentApproval | None


async def registration_of(session: AsyncSession, project_id: uuid.UUID) -> ProjectRegistration | None:
    """The registration a project was created from, if any."""
    return await session.scalar(select(ProjectRegistration).where(ProjectRegistration.project_id == project_id))


async def current_document(session: AsyncSession, project_id: uuid.UUID) -> TenderDocument | None:
    """The newest version of the project's tender documents."""
    return await session.scalar(
        select(TenderDocument)
        .where(TenderDocument.project_id == project_id)
        .order_by(TenderDocument.version.desc())
        .limit(1)
    )


async def latest_decision(session: AsyncSession, document_id: uuid.UUID) -> TenderDocumentApproval | None:
    return await session.scalar(
        select(TenderDocumentApproval)
        .where(TenderDocumentApproval.document_id == document_id)
        .order_by(TenderDocumentApproval.id.desc())
        .limit(1)
    )


async def approval_state(
    session: AsyncSession, project_id: uuid.UUID, *, registered: bool | None = None
) -> ApprovalState:
    """Where the approval of the project's documents stands (``registered``: known already)."""
    if registered is None:
        registered = await registration_of(session, project_id) is not None
    document = await current_document(session, project_id)
    if not registered:
        return ApprovalState(NOT_REQUIRED, document, None)
    if document is None:
        return ApprovalState(NO_DOCUMENTS, None, None)
    decision = await latest_decision(session, document.id)
    return ApprovalState(decision.decision.value if decision else PENDING, document, decision)


async def require_approval(session: AsyncSession, project_id: uuid.UUID) -> None:
    """Refuse publication while a registered project's current documents are not approved."""
    found = await approval_state(session, project_id)
    if found.state in {NOT_REQUIRED, NO_DOCUMENTS, DocumentDecision.APPROVED.value}:
        return  # no documents at all is publish's own refusal
    assert found.document is not None
    version = found.document.version
    returned = found.state == DocumentDecision.RETURNED.value
    raise DocumentsNotApproved(
        f"version {version} of the tender documents is {found.state.replace('_', ' ')}: the tenderer approves it first",
        f"招标文件第 {version} 版{'已被招标人退回' if returned else '尚待招标人确认'}",
        details=[{"key": "documents", "version": version, "state": found.state}],
    )
