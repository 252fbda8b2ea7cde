"""Published tender documents: the public list, and downloads (free, no registration needed).

A logged-in organisation's download is remembered so it can be told of clarifications; the record
is never shown to anyone but that organisation, and its audit event stays embargoed until every
lot of the project is past its deadline (办法 21).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bidding.audit.trail import record
from bidding.core.actor import Actor
from bidding.core.errors import NotFound
from bidding.tendering.models import DocumentDownload, Project, TenderDocument
from bidding.tendering.rules.projects import ProjectStatus


@dataclass(frozen=True)
class Download:
    """A stored file as it is handed out: its name, type, bytes and (when known) size and SHA-256."""

    filename: str
    content_type: str
    chunks: AsyncIterator[bytes]
    size: int | None = None
    sha256: str | None = None


@dataclass(frozen=True)
class PublicDocument:
    id: uuid.UUID
    project_id: uuid.UUID
    version: int
    filename: str
    content_type: str
    size: int
    sha256: str
    published_at: datetime


def _public(d: TenderDocument) -> PublicDocument:
    assert d.published_at is not None
    return PublicDocument(d.id, d.project_id, d.version, d.filename, d.content_type, d.size, d.sha256, d.published_at)


async def published_documents(session: AsyncSession, project_id: uuid.UUID) -> list[PublicDocument]:
    rows = await session.scalars(
        select(TenderDocument)
        .join(Project, TenderDocument.project_id == Project.id)
        .where(
            TenderDocument.project_id == project_id,
            TenderDocument.published_at.is_not(None),
            Project.status != ProjectStatus.DRAFT,
        )
        .order_by(TenderDocument.version)
    )
    return [_public(d) for d in rows.all()]


async def published_document(session: AsyncSession, document_id: uuid.UUID) -> TenderDocument:
    document = await session.scalar(
        select(TenderDocument)
        .join(Project, TenderDocument.project_id == Project.id)
        .where(
            TenderDocument.id == document_id,
            TenderDocument.published_at.is_not(None),
            Project.status != ProjectStatus.DRAFT,
        )
    )
    if document is None:
        raise NotFound(f"no published document {document_id}", f"没有已发布的文件 {document_id}")
    return document


async def record_download(
    session: AsyncSession, actor: Actor, organization_id: uuid.UUID | None, document: TenderDocument, now: datetime
) -> None:
    """Audit every download (anonymous ones too); remember a logged-in organisation's for notices."""
    if organization_id is not None:
        session.add(
            DocumentDownload(
                document_id=document.id,
                project_id=document.project_id,
                organization_id=organization_id,
                downloaded_at=now,
            )
        )
    record(
        session,
        actor,
        "tender_document.downloaded",
        object_type="project",
        object_id=str(document.project_id),
        content_sha256=document.sha256,
        details={
            "document": str(document.id),
            "version": document.version,
            "organisation": str(organization_id) if organization_id else None,
        },
        embargo_project_id=document.project_id,
    )
