"""Supervision and audit pages: the demo supervisor finds a demo project on /audit, reads its audit
trail (texts for known actions, details, action filter, CSV export, English), validates signed PDFs
on the documents tab with the shared report component; bids stay out of the trail until the
deadline (moved clock); a bidder is refused; phone layout."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, Route, expect

from tests.browser.conftest import PHONE, ClockedServer, Server, Shots, assert_no_horizontal_scroll, new_context
from tests.browser.steps.audit import (
    VALIDATE_MS,
    open_project_trail,
    shown_actions,
    signed_pdf,
    validate_pdf_on_documents_tab,
)
from tests.browser.steps.identity import demo_user_with_role, log_in
from tests.browser.steps.room import create_opening

pytestmark = pytest.mark.slow

#: Created (and published) by `bidding serve --demo` with one lot "01"; its trail starts with project.created.
PROJECT = "NJ-2026-GC-0101"


@pytest.fixture(scope="module")
def pdf(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return signed_pdf(server, tmp_path_factory.mktemp("audit") / "signed.pdf")


def test_supervisor_reads_a_project_trail_and_validates_pdfs(
    page: Page, server: Server, shot: Shots, pdf: Path
) -> None:
    log_in(page, demo_user_with_role(server, "supervisor"))
    open_project_trail(page, PROJECT)
    # The demo created the project: its first event, with its text, the raw code and the system actor.
    assert shown_actions(page)[0] == "project.created"
    first = page.get_by_test_id("audit-event").first
    expect(first.get_by_test_id("audit-event-action")).to_have_text("创建项目")
    expect(first).to_contain_text("system:demo")
    assert (page.get_by_test_id("audit-live-01").get_attribute("href") or "").endswith("/live")
    shot("trail")

    # Details open and show what was recorded (the project's code).
    first.get_by_test_id("audit-event-toggle").click()
    expect(page.get_by_test_id("audit-event-json")).to_contain_text(PROJECT)
    expect(page.get_by_test_id("audit-event-details")).to_contain_text("project")
    shot("details")

    # Filter by an action the project does not have yet: nothing shown (and no error).
    page.get_by_test_id("audit-action-filter").select_option("bid.submitted")
    expect(page.get_by_test_id("audit-events-empty")).to_be_visible()
    page.get_by_test_id("audit-action-filter").select_option("project.")
    expect(page.get_by_test_id("audit-event").first).to_be_visible()
    assert set(shown_actions(page)) <= {"project.created", "project.published"}

    # CSV export of what is shown.
    with page.expect_download() as download_info:
        page.get_by_test_id("audit-export").click()
    download = download_info.value
    assert download.suggested_filename.startswith(f"audit-{PROJECT}-")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["action"] for r in rows] == shown_actions(page)
    assert rows[0]["action_text"] == "创建项目" and rows[0]["occurred_at_shanghai"].endswith("+08:00")

    # English texts for actions.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_test_id("audit-event").first.get_by_test_id("audit-event-action")).to_have_text(
        "Project created"
    )
    page.get_by_role("button", name="中文").click()

    # Documents tab: no opening record yet for the lot; a PDF dropped in is validated by the server.
    validate_pdf_on_documents_tab(page, pdf)
    expect(page.get_by_test_id("audit-record-01").get_by_test_id("audit-no-record")).to_be_visible()
    expect(page.get_by_test_id("verify-signature")).to_have_count(1)
    expect(page.get_by_test_id("verify-signature")).to_contain_text("audit test")
    expect(page.get_by_test_id("audit-report-of")).to_contain_text("signed.pdf")
    shot("validated-upload")


def test_opening_record_button_fetches_the_record_and_validates_it(
    page: Page, server: Server, shot: Shots, pdf: Path
) -> None:
    """The record button's path (fetch record.pdf, post it to /api/verify/pdf, show the report): the
    demo lot's record does not exist this early, so the record endpoints answer with a signed PDF."""
    log_in(page, demo_user_with_role(server, "auditor"))
    served: list[str] = []

    def record_json(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body="{}")

    def record_pdf(route: Route) -> None:
        served.append(route.request.url)
        route.fulfill(status=200, content_type="application/pdf", body=pdf.read_bytes())

    page.route("**/api/public/openings/*/record.json", record_json)
    page.route("**/api/public/openings/*/record.pdf", record_pdf)
    open_project_trail(page, PROJECT)
    page.get_by_test_id("audit-tab-documents").click()
    page.get_by_test_id("audit-record-01").get_by_test_id("audit-validate-record").click()
    expect(page.get_by_test_id("verify-verdict")).to_have_attribute("data-verdict", "TOTAL_PASSED", timeout=VALIDATE_MS)
    assert len(served) == 1 and served[0].endswith("/record.pdf")
    expect(page.get_by_test_id("audit-report-of")).to_contain_text("标段 01 开标记录")
    shot("validated-record")


def test_a_bidder_is_refused(page: Page, server: Server, shot: Shots) -> None:
    log_in(page, demo_user_with_role(server, "bidder"))
    expect(page.get_by_test_id("nav-audit")).to_have_count(0)
    page.goto("/audit")
    expect(page.get_by_test_id("audit-refused")).to_contain_text("投标人")
    expect(page.get_by_test_id("audit-search")).to_have_count(0)
    shot("refused")
    # The API refuses it too (the page does not rely on hiding).
    token = page.evaluate("JSON.parse(sessionStorage.getItem('bidding.session')).token")
    with server.admin() as client:
        refused = client.get("/api/admin/audit-events", headers={"Authorization": f"Bearer {token}"})
    assert refused.status_code == 403 and refused.json()["error"]["code"]


def test_anonymous_is_asked_to_log_in(page: Page) -> None:
    page.goto("/audit")
    expect(page.get_by_test_id("audit-login-needed")).to_be_visible()


def test_trail_fits_a_phone(phone_context: BrowserContext, server: Server, pdf: Path) -> None:
    page = phone_context.new_page()
    shots = Shots(page, "test_audit_trail_fits_a_phone")
    assert page.viewport_size == PHONE
    log_in(page, demo_user_with_role(server, "supervisor"))
    page.goto("/audit")
    shots("projects")
    assert_no_horizontal_scroll(page)
    page.get_by_test_id("audit-search").fill(PROJECT)
    page.get_by_test_id("audit-search-submit").click()
    page.get_by_test_id(f"audit-project-{PROJECT}").click()
    expect(page.get_by_test_id("audit-event").first).to_be_visible()
    page.get_by_test_id("audit-event").first.get_by_test_id("audit-event-toggle").click()
    expect(page.get_by_test_id("audit-event-json")).to_be_visible()
    assert_no_horizontal_scroll(page)
    shots("trail")
    validate_pdf_on_documents_tab(page, pdf)
    assert_no_horizontal_scroll(page)
    shots("validated")


def test_bids_appear_in_the_trail_only_after_the_deadline(browser: Browser, clocked_server: ClockedServer) -> None:
    """办法 21 in the browser: two demo bidders upload before the deadline; the supervisor sees the
    project's other events but no upload or bid until the server's clock passes the deadline."""
    opening = create_opening(clocked_server, bidders=2, minutes=5)
    ctx = new_context(browser, clocked_server)
    try:
        page = ctx.new_page()
        shots = Shots(page, "test_bids_appear_in_the_trail_only_after_the_deadline")
        log_in(page, demo_user_with_role(clocked_server, "supervisor"))
        page.goto(f"/audit/projects/{opening.project_id}")
        expect(page.get_by_test_id("audit-event").first).to_be_visible()
        before = shown_actions(page)
        assert "project.created" in before
        assert not [a for a in before if a.startswith(("bid.", "bid_upload."))], before
        shots("before-deadline")

        clocked_server.advance(6 * 60)
        page.reload()
        expect(page.locator('[data-testid="audit-event"][data-action="bid.submitted"]')).to_have_count(2)
        expect(page.locator('[data-testid="audit-event"][data-action="bid_upload.started"]')).to_have_count(2)
        expect(page.get_by_test_id("audit-event-action").filter(has_text="递交投标文件")).to_have_count(2)
        page.get_by_test_id("audit-action-filter").select_option("bid.")
        expect(page.get_by_test_id("audit-event")).to_have_count(2)
        assert set(shown_actions(page)) == {"bid.submitted"}
        shots("after-deadline")
    finally:
        ctx.close()
