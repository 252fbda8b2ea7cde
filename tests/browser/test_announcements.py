"""The public announcements (公告) in a real browser: search by a word of a project's name, filter by
kind, the query kept in the URL (reload, back), one notice in full with its content digest and
links, the project page with its announcements and tender documents, a download compared with the
SHA-256 the page shows (anonymous: plain link; logged in: fetched with the token and recorded for
the organisation), English, a phone screen, and an unknown announcement.

The demo agent first publishes a project of its own in its console (tender announcement + one PDF)
and posts a clarification, named with a word of its own, so the demo's notices stay out of its searches.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, Server, Shots, StepShots, assert_no_horizontal_scroll, new_context
from tests.browser.steps.agent import (
    SHANGHAI,
    LotSpec,
    ProjectSpec,
    create_and_publish,
    login_as,
    make_pdf,
    whole_minute_ahead,
)
from tests.browser.steps.identity import demo_user, log_in

HEX64 = re.compile(r"^[0-9a-f]{64}$")


def _publish_project_with_clarification(page: Page, server: Server, tmp_path: Path, word: str) -> tuple[str, Path]:
    """As the demo agent: a published project named with ``word`` (tender announcement, one PDF),
    then a clarification. Returns the project id and the PDF."""
    login_as(page, server, "agent")
    deadline = whole_minute_ahead(datetime.now(UTC), timedelta(days=21))
    spec = ProjectSpec(
        code=f"ANN-{secrets.token_hex(3).upper()}",
        name=f"{word}亮化工程",
        tenderer_credit_code=demo_user(server, "tenderer")["credit_code"],
        region="南京市",
        lots=(LotSpec(code="01", name="亮化施工", estimate_yuan="880000", deposit_yuan="17600", deadline=deadline),),
    )
    pdf = make_pdf(tmp_path / "tender.pdf", f"Tender documents {word}")
    created = create_and_publish(page, spec, pdf)
    clarify = page.get_by_test_id("agent-clarify")
    clarify.get_by_test_id("clarify-title").fill(f"{word}亮化工程招标文件澄清")
    clarify.get_by_test_id("clarify-body").fill("第二章投标人须知前附表第 5 项更正为：工期 180 日历天。")
    clarify.get_by_test_id("clarify-submit").click()
    expect(page.get_by_test_id("clarify-done")).to_be_visible()
    return created.project_id, pdf


@dataclass(frozen=True)
class Published:
    word: str
    project_id: str
    pdf: Path
    #: kind → the announcement as the public API gives it.
    by_kind: dict[str, dict[str, Any]]


@pytest.fixture(scope="module")
def published(browser: Browser, server: Server, tmp_path_factory: pytest.TempPathFactory) -> Published:
    """One project published by the demo agent for this module's tests, with its two notices."""
    word = f"滨江绿道{secrets.token_hex(2).upper()}"
    ctx = new_context(browser, server)
    try:
        project_id, pdf = _publish_project_with_clarification(
            ctx.new_page(), server, tmp_path_factory.mktemp("announcements"), word
        )
    finally:
        ctx.close()
    api = httpx.get(f"{server.base}/api/public/announcements", params={"project_id": project_id}, timeout=30).json()
    by_kind = {a["kind"]: a for a in api["items"]}
    assert set(by_kind) == {"tender", "clarification"}
    return Published(word, project_id, pdf, by_kind)


def _format_bytes(size: int) -> str:
    """`formatBytes` of frontend/src/utils/files.ts, for the sizes of a small test PDF."""
    if size < 1024:
        return f"{size} B"
    value = Decimal(size) / 1024  # exact; JavaScript's toFixed rounds a tie up
    places = Decimal("0.1") if value < 10 else Decimal("1")
    return f"{value.quantize(places, rounding=ROUND_HALF_UP)} KiB"


def _query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlparse(page.url).query)


def test_search_filter_open_project_and_download(browser: Browser, server: Server, published: Published) -> None:
    word, project_id, pdf, by_kind = published.word, published.project_id, published.pdf, published.by_kind

    ctx = new_context(browser, server)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    shot = Shots(page, "test_announcements")
    try:
        # 1. From the header to the list, anonymous.
        page.goto("/")
        page.get_by_test_id("nav-announcements").click()
        expect(page).to_have_url(f"{server.base}/announcements")
        expect(page.get_by_role("heading", name="公告", exact=True)).to_be_visible()
        expect(page.get_by_test_id("ann-row").first).to_be_visible()
        expect(page).to_have_title(re.compile("^公告 · "))
        shot("list")

        # 2. Search by a word of the project's name: both its notices, newest first.
        page.get_by_test_id("ann-q").fill(word)
        page.get_by_test_id("ann-submit").click()
        expect(page).to_have_url(re.compile(r"/announcements\?q="))
        assert _query(page) == {"q": [word]}
        rows = page.get_by_test_id("ann-row")
        expect(rows).to_have_count(2)
        expect(rows.nth(0)).to_have_attribute("data-kind", "clarification")
        expect(rows.nth(1)).to_have_attribute("data-kind", "tender")
        expect(rows.nth(1).get_by_test_id("ann-kind")).to_have_text("招标公告")
        expect(rows.nth(0).get_by_test_id("ann-kind")).to_have_text("澄清")
        expect(page.get_by_test_id("ann-total")).to_contain_text("共 2 条公告")
        for i in range(2):
            expect(rows.nth(i).get_by_test_id("ann-project")).to_contain_text(f"{word}亮化工程")
            expect(rows.nth(i).get_by_test_id("ann-project")).to_have_attribute("href", f"/projects/{project_id}")
            # Published just now, shown in Beijing time (zh-CN: YYYY/MM/DD HH:MM).
            expect(rows.nth(i).get_by_test_id("ann-time")).to_have_text(re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d$"))
        beijing = datetime.fromisoformat(by_kind["tender"]["published_at"]).astimezone(SHANGHAI)
        expect(rows.nth(1).get_by_test_id("ann-time")).to_have_text(beijing.strftime("%Y/%m/%d %H:%M"))
        shot("searched")

        # 3. Filter by kind: only the clarification; the query is in the URL and survives a reload.
        page.get_by_test_id("ann-kind-filter").select_option("clarification")
        expect(page).to_have_url(re.compile(r"kind=clarification"))
        assert _query(page) == {"q": [word], "kind": ["clarification"]}
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-kind", "clarification")
        page.reload()
        expect(page.get_by_test_id("ann-q")).to_have_value(word)
        expect(page.get_by_test_id("ann-kind-filter")).to_have_value("clarification")
        expect(rows).to_have_count(1)
        shot("filtered-clarification")
        # A kind with nothing for this word: a clear empty state.
        page.get_by_test_id("ann-kind-filter").select_option("award")
        expect(page.get_by_test_id("ann-empty")).to_contain_text("没有找到符合条件的公告")
        expect(rows).to_have_count(0)
        page.get_by_test_id("ann-kind-filter").select_option("tender")
        expect(rows).to_have_count(1)
        expect(rows.first).to_have_attribute("data-kind", "tender")

        # 4. Open the tender announcement: text, digest, details with the document link.
        tender = by_kind["tender"]
        rows.first.get_by_test_id("ann-open").click()
        expect(page).to_have_url(f"{server.base}/announcements/{tender['id']}")
        expect(page.get_by_test_id("ann-detail-title")).to_have_text(tender["title"])
        expect(page.get_by_test_id("ann-detail-body")).to_have_text(tender["body"])
        expect(page.get_by_test_id("ann-detail")).to_have_attribute("data-kind", "tender")
        sha = page.get_by_test_id("ann-detail-sha256")
        expect(sha).to_have_text(tender["content_sha256"])
        assert HEX64.match(sha.inner_text().strip())
        doc_link = page.get_by_test_id("ann-detail-document").get_by_role("link")
        expect(doc_link).to_contain_text("第 1 版")
        expect(doc_link).to_contain_text("tender.pdf")
        details = page.get_by_test_id("ann-details")
        expect(details.locator('[data-key="deadlines"]')).to_contain_text("标段 01：")
        expect(details.locator('[data-key="documents_available_at"]')).to_be_visible()
        shot("tender-announcement")
        # Back to the search it came from.
        page.get_by_test_id("ann-back").click()
        expect(page).to_have_url(re.compile(r"/announcements\?"))
        assert _query(page) == {"q": [word], "kind": ["tender"]}
        expect(rows).to_have_count(1)

        # 5. The clarification's text, from its own address.
        clar = by_kind["clarification"]
        page.goto(f"/announcements/{clar['id']}")
        expect(page.get_by_test_id("ann-detail-body")).to_have_text(clar["body"])
        expect(page.get_by_test_id("ann-detail-sha256")).to_have_text(clar["content_sha256"])
        shot("clarification")

        # 6. To the project: its notices (newest first) and its tender documents.
        page.get_by_test_id("ann-detail-project").click()
        expect(page).to_have_url(f"{server.base}/projects/{project_id}")
        notices = page.get_by_test_id("project-announcements").get_by_test_id("ann-row")
        expect(notices).to_have_count(2)
        expect(notices.nth(0)).to_have_attribute("data-kind", "clarification")
        expect(notices.nth(1)).to_have_attribute("data-kind", "tender")
        expect(page.get_by_test_id("project-announcements").get_by_test_id("ann-project")).to_have_count(0)
        docs = page.get_by_test_id("pub-doc-row")
        expect(docs).to_have_count(1)
        expect(docs.first).to_have_attribute("data-version", "1")
        expect(docs.first).to_contain_text("tender.pdf")
        shown_sha = docs.first.get_by_test_id("pub-doc-sha256").inner_text().strip()
        assert HEX64.match(shown_sha)
        expect(docs.first.get_by_test_id("pub-doc-size")).to_have_text(_format_bytes(pdf.stat().st_size))
        shot("project-page")

        # 7. Download without logging in: the file's SHA-256 is the one on the page.
        with page.expect_download() as info:
            docs.first.get_by_test_id("pub-doc-download").click()
        downloaded = Path(info.value.path())
        assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == shown_sha
        assert downloaded.read_bytes() == pdf.read_bytes()
        assert info.value.suggested_filename == "tender.pdf"

        # 8. English.
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", name="Tender documents")).to_be_visible()
        expect(page.get_by_test_id("project-announcements")).to_contain_text("Announcements")
        expect(notices.nth(0).get_by_test_id("ann-kind")).to_have_text("Clarification")
        expect(notices.nth(1).get_by_test_id("ann-kind")).to_have_text("Tender announcement")
        expect(page.get_by_test_id("nav-announcements")).to_have_text("Announcements")
        shot("project-page-en")
        page.get_by_test_id("nav-announcements").click()
        expect(page.get_by_role("heading", name="Announcements", exact=True)).to_be_visible()
        page.get_by_test_id("ann-q").fill(word)
        page.get_by_test_id("ann-submit").click()
        expect(page.get_by_test_id("ann-total")).to_have_text("2 announcements")
        shot("list-en")
        page.goto(f"/announcements/{uuid.uuid4()}")
        expect(page.get_by_test_id("ann-not-found")).to_contain_text("does not exist")
        shot("not-found-en")

        # 9. An unknown announcement, or an address that is not one: a clear not-found state.
        page.get_by_role("button", name="中文").click()
        page.goto(f"/announcements/{uuid.uuid4()}")
        expect(page.get_by_test_id("ann-not-found")).to_contain_text("公告不存在或尚未公开")
        expect(page.get_by_test_id("ann-detail")).to_have_count(0)
        shot("not-found")
        page.goto("/announcements/not-an-id")
        expect(page.get_by_test_id("ann-not-found")).to_be_visible()
        page.get_by_test_id("ann-back").click()
        expect(page).to_have_url(f"{server.base}/announcements")
    finally:
        ctx.close()
    assert not errors, f"uncaught errors in the page: {errors}"


def test_logged_in_download_is_recorded(browser: Browser, server: Server, published: Published) -> None:
    """A logged-in bidder's download from the public project page goes with its session token, so the
    platform remembers it for the organisation (to tell it of clarifications)."""
    project_id, pdf = published.project_id, published.pdf
    ctx = new_context(browser, server)
    page = ctx.new_page()
    try:
        log_in(page, demo_user(server, "bidder2"))
        page.goto(f"/projects/{project_id}")
        row = page.get_by_test_id("pub-doc-row").first
        with page.expect_download() as info:
            row.get_by_test_id("pub-doc-download").click()
        data = Path(info.value.path()).read_bytes()
        assert data == pdf.read_bytes()
        assert hashlib.sha256(data).hexdigest() == row.get_by_test_id("pub-doc-sha256").inner_text().strip()
        downloads = page.evaluate(
            """async () => {
                const token = JSON.parse(sessionStorage.getItem('bidding.session')).token
                const r = await fetch('/api/me/downloads', { headers: { Authorization: `Bearer ${token}` } })
                return await r.text()
            }"""
        )
        mine = [d for d in json.loads(downloads) if d["project_id"] == project_id]
        assert [d["filename"] for d in mine] == ["tender.pdf"], mine
    finally:
        ctx.close()


def test_phone_layout(browser: Browser, server: Server, published: Published) -> None:
    """375 px wide: the list with its filters, one notice and a project page fit without sideways scrolling."""
    ctx = new_context(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    shots = StepShots("test_announcements_phone", full_page=True)
    tender = published.by_kind["tender"]
    try:
        page.goto("/announcements")
        expect(page.get_by_test_id("ann-row").first).to_be_visible()
        assert_no_horizontal_scroll(page)
        shots.take(page, "list")
        page.goto(f"/announcements?q={published.word}&kind=tender")
        expect(page.get_by_test_id("ann-row")).to_have_count(1)
        assert_no_horizontal_scroll(page)
        shots.take(page, "searched")
        page.goto(f"/announcements/{tender['id']}")
        expect(page.get_by_test_id("ann-detail-sha256")).to_be_visible()
        assert_no_horizontal_scroll(page)
        shots.take(page, "announcement")
        page.goto(f"/projects/{published.project_id}")
        expect(page.get_by_test_id("pub-doc-row").first).to_be_visible()
        expect(page.get_by_test_id("project-announcements").get_by_test_id("ann-row").first).to_be_visible()
        assert_no_horizontal_scroll(page)
        shots.take(page, "project")
    finally:
        ctx.close()
