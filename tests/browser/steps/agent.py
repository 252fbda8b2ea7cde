"""Browser steps of the tender agent's console (`/agent/projects…`), as plain functions.

Composable by any browser test: log in as a demo user by importing its PKCS#12 on `/login`, fill
and save the create-project form, upload tender documents, publish. Times are given as aware
datetimes and typed into the form as Beijing wall-clock time, so the steps work against a server
whose clock was moved (`clocked_server`): pass deadlines computed from ``server.now()``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal, Protocol

from playwright.sync_api import Page, expect

from tests.browser.steps.identity import demo_user, log_in

SHANGHAI = timezone(timedelta(hours=8))
FieldType = Literal["money", "integer", "text"]


class DemoServer(Protocol):
    """What the steps need of the `server` / `clocked_server` fixtures."""

    def demo_identities(self) -> list[dict[str, Any]]: ...


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label_zh: str
    label_en: str
    type: FieldType = "text"


@dataclass(frozen=True)
class LotSpec:
    code: str
    name: str
    estimate_yuan: str
    deposit_yuan: str
    deadline: datetime
    decrypt_minutes: int = 30
    objection_minutes: int = 15
    #: Extra opening-form fields; the price field is always there.
    fields: tuple[FieldSpec, ...] = ()


@dataclass(frozen=True)
class ProjectSpec:
    code: str
    name: str
    tenderer_credit_code: str
    lots: tuple[LotSpec, ...]
    category: Literal["works", "goods", "services"] = "works"
    region: str = ""


@dataclass(frozen=True)
class CreatedProject:
    project_id: str
    #: Lot code → lot id.
    lot_ids: dict[str, str] = field(default_factory=dict)


def login_as(page: Page, server: DemoServer, user: str = "agent", *, imported: bool = False) -> dict[str, Any]:
    """Log in as the demo user ``user``; ``imported=True`` when this browser profile already holds its key."""
    return log_in(page, demo_user(server, user), import_p12=not imported)


def beijing_local(moment: datetime) -> str:
    """An aware datetime as the value of a datetime-local input in Beijing time ("YYYY-MM-DDTHH:MM")."""
    if moment.tzinfo is None:
        raise ValueError("give an aware datetime")
    return moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")


def whole_minute_ahead(now: datetime, delta: timedelta) -> datetime:
    """``now + delta`` rounded up to the next whole minute (the form takes minutes)."""
    moment = now + delta
    return moment.replace(second=0, microsecond=0) + timedelta(minutes=1)


def fill_project_form(page: Page, spec: ProjectSpec) -> None:
    """On `/agent/projects/new` (already open, maybe prefilled): type the whole spec in."""
    page.get_by_test_id("project-code").fill(spec.code)
    page.get_by_test_id("project-name").fill(spec.name)
    page.get_by_test_id("project-category").select_option(spec.category)
    page.get_by_test_id("project-tenderer").fill(spec.tenderer_credit_code)
    page.get_by_test_id("project-region").fill(spec.region)
    lots = page.get_by_test_id("lot")
    while lots.count() < len(spec.lots):
        page.get_by_test_id("add-lot").click()
    while lots.count() > len(spec.lots):
        lots.last.get_by_test_id("lot-remove").click()
    for index, lot in enumerate(spec.lots):
        fill_lot(page, index, lot)


def fill_lot(page: Page, index: int, lot: LotSpec) -> None:
    box = page.get_by_test_id("lot").nth(index)
    box.get_by_test_id("lot-code").fill(lot.code)
    box.get_by_test_id("lot-name").fill(lot.name)
    box.get_by_test_id("lot-estimate").fill(lot.estimate_yuan)
    box.get_by_test_id("lot-deposit").fill(lot.deposit_yuan)
    box.get_by_test_id("lot-deadline").fill(beijing_local(lot.deadline))
    box.get_by_test_id("lot-decrypt").fill(str(lot.decrypt_minutes))
    box.get_by_test_id("lot-objection").fill(str(lot.objection_minutes))
    rows = box.get_by_test_id("field-row")
    # Keep the fixed price row, drop the others, then add the spec's fields.
    while rows.count() > 1:
        rows.last.get_by_test_id("field-remove").click()
    for f in lot.fields:
        box.get_by_test_id("field-add").click()
        row = rows.last
        row.get_by_test_id("field-key").fill(f.key)
        row.get_by_test_id("field-label-zh").fill(f.label_zh)
        row.get_by_test_id("field-label-en").fill(f.label_en)
        row.get_by_test_id("field-type").select_option(f.type)


def save_draft(page: Page, spec: ProjectSpec) -> CreatedProject:
    """Click save; wait for the project page; return its id and lot ids (from the page)."""
    page.get_by_test_id("create-submit").click()
    expect(page).to_have_url(re.compile(r"/agent/projects/[0-9a-f-]{36}$"))
    expect(page.get_by_test_id("agent-project-code")).to_have_text(spec.code)
    project_id = page.url.rstrip("/").rsplit("/", 1)[1]
    lots = page.get_by_test_id("agent-lot")
    expect(lots).to_have_count(len(spec.lots))
    lot_ids = {
        str(lots.nth(i).get_attribute("data-lot-code")): str(lots.nth(i).get_attribute("data-lot-id"))
        for i in range(lots.count())
    }
    return CreatedProject(project_id, lot_ids)


def create_project(page: Page, spec: ProjectSpec) -> CreatedProject:
    """Create a draft through `/agent/projects/new` (logged in as an agent)."""
    page.goto("/agent/projects/new")
    fill_project_form(page, spec)
    return save_draft(page, spec)


def make_pdf(path: Path, text: str = "Tender documents") -> Path:
    """A small valid one-page PDF (reportlab)."""
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, text)
    pdf.save()
    return path


def upload_document(page: Page, path: Path) -> int:
    """On the agent's project page: upload a new version; returns its version number."""
    before = page.get_by_test_id("document-row").count()
    page.get_by_test_id("document-file").set_input_files(str(path))
    page.get_by_test_id("document-upload").click()
    expect(page.get_by_test_id("document-uploaded")).to_be_visible()
    expect(page.get_by_test_id("document-row")).to_have_count(before + 1)
    return int(page.get_by_test_id("document-row").first.get_attribute("data-version") or 0)


def publish(page: Page, title: str | None = None, body: str = "详见招标文件。") -> None:
    """On the agent's project page (a draft with documents): publish it; waits for the tendering phase."""
    if title is not None:
        page.get_by_test_id("publish-title").fill(title)
    page.get_by_test_id("publish-body").fill(body)
    page.get_by_test_id("publish-submit").click()
    expect(page.get_by_test_id("agent-project-phase")).to_have_attribute(
        "data-phase", re.compile("published|tendering")
    )


def create_and_publish(page: Page, spec: ProjectSpec, pdf: Path) -> CreatedProject:
    """The whole way from an empty form to a published project with one document version."""
    created = create_project(page, spec)
    upload_document(page, pdf)
    publish(page)
    return created
