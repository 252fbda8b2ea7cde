"""The tender agent's console in a real browser: log in with the demo agent's certificate, create a
project with two lots and their opening-form fields (client-side checks, then the server's own
refusals), a deadline too early for publication (`schedule_refused` naming the earliest time),
the draft edited to a later deadline (same project and lots), documents, publication, the public page and download, a clarification (and a
refused one), termination; a bidder is kept out; the create form on a phone."""

from __future__ import annotations

import re
import secrets
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import httpx
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, ClockedServer, Server, Shots, assert_no_horizontal_scroll, new_context
from tests.browser.steps.agent import (
    FieldSpec,
    LotSpec,
    ProjectSpec,
    beijing_local,
    create_and_publish,
    fill_lot,
    fill_project_form,
    login_as,
    make_pdf,
    publish,
    save_draft,
    upload_document,
    whole_minute_ahead,
)
from tests.browser.steps.identity import demo_user

EARLIEST = re.compile(r"最早可为 (\d{4}-\d\d-\d\dT[\d:.]+[+-]\d\d:\d\d)")


def _spec(server: Server, code: str, deadline: datetime) -> ProjectSpec:
    tenderer = demo_user(server, "tenderer")["credit_code"]
    return ProjectSpec(
        code=code,
        name=f"浏览器测试道路改造工程 {code}",
        tenderer_credit_code=tenderer,
        category="works",
        region="南京市",
        lots=(
            LotSpec(
                code="01",
                name="土建标段",
                estimate_yuan="1,234,567.89",
                deposit_yuan="24691.35",
                deadline=deadline,
                decrypt_minutes=20,
                objection_minutes=10,
                fields=(
                    FieldSpec("safety_fee", "安全文明施工费", "Safety fee", "money"),
                    FieldSpec("quality", "质量标准", "Quality standard", "text"),
                ),
            ),
            LotSpec(
                code="02",
                name="绿化标段",
                estimate_yuan="500000",
                deposit_yuan="10000",
                deadline=deadline + timedelta(hours=2),
            ),
        ),
    )


def test_agent_creates_publishes_clarifies_and_terminates(
    page: Page, shot: Shots, server: Server, tmp_path: Path
) -> None:
    login_as(page, server, "agent")
    page.get_by_test_id("nav-agent").click()
    expect(page).to_have_url(f"{server.base}/agent/projects")
    expect(page.get_by_role("heading", name="项目管理")).to_be_visible()
    shot("projects-list")

    # 1. Client-side checks: nothing is sent for an empty form or a deposit above 2 %.
    page.get_by_test_id("agent-new-project").click()
    expect(page).to_have_url(f"{server.base}/agent/projects/new")
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url) if r.method == "POST" and "/api/agent/" in r.url else None)
    page.get_by_test_id("create-submit").click()
    issues = page.get_by_test_id("create-issues")
    expect(issues).to_contain_text("必填")
    expect(issues).to_contain_text("统一社会信用代码无效")
    shot("client-checks-empty")

    code = f"BT-{secrets.token_hex(3).upper()}"
    too_early = whole_minute_ahead(datetime.now(UTC), timedelta(days=10))
    spec = _spec(server, code, too_early)
    fill_project_form(page, spec)
    first_lot = page.get_by_test_id("lot").first
    expect(first_lot.get_by_test_id("lot-deposit-limit")).to_contain_text("¥24,691.35")
    expect(first_lot.get_by_test_id("lot-money-preview")).to_contain_text("123456789")
    expect(first_lot.get_by_test_id("lot-deadline-iso")).to_contain_text("+08:00")
    first_lot.get_by_test_id("lot-deposit").fill("24691.36")
    page.get_by_test_id("create-submit").click()
    expect(first_lot.get_by_test_id("lot-deposit-error")).to_contain_text("2%（最多 2469135 分）")
    first_lot.get_by_test_id("lot-deposit").fill("24691.35")
    # A field key the server would refuse is caught here too.
    first_lot.get_by_test_id("field-row").nth(1).get_by_test_id("field-key").fill("Safety Fee")
    page.get_by_test_id("create-submit").click()
    expect(first_lot.get_by_test_id("fields-issues")).to_contain_text("第 2 行")
    first_lot.get_by_test_id("field-row").nth(1).get_by_test_id("field-key").fill("safety_fee")
    # The price row stays: it cannot be removed and its type is fixed.
    price_row = first_lot.get_by_test_id("field-row").first
    expect(price_row.get_by_test_id("field-key")).to_have_value("price_fen")
    expect(price_row.get_by_test_id("field-remove")).to_have_count(0)
    expect(price_row.get_by_test_id("field-type")).to_be_disabled()
    assert requests == [], requests

    # 2. The server's own refusal, shown as it answers: a bidder's credit code is no tenderer.
    page.get_by_test_id("project-tenderer").fill(demo_user(server, "bidder1")["credit_code"])
    page.get_by_test_id("create-submit").click()
    expect(page.get_by_test_id("create-error")).to_contain_text("不是本平台已审核的招标人")
    shot("server-refuses-tenderer")
    page.get_by_test_id("project-tenderer").fill(spec.tenderer_credit_code)
    expect(page.get_by_test_id("create-error")).to_have_count(0)  # the refusal was about the old value
    shot("create-form-filled")

    # 3. The draft with a deadline only 10 days ahead: created, but publication is refused.
    draft = save_draft(page, spec)
    assert set(draft.lot_ids) == {"01", "02"}
    lot_one = page.get_by_test_id("agent-lot").filter(has_text="土建标段")
    for key in ("price_fen", "safety_fee", "quality"):
        expect(lot_one.locator(f'[data-key="{key}"]')).to_have_count(1)
    expect(page.get_by_test_id("agent-lot").filter(has_text="绿化标段").locator("[data-key]")).to_have_count(1)
    expect(lot_one.get_by_test_id("agent-lot-host")).to_have_attribute("href", f"/openings/{draft.lot_ids['01']}/host")
    expect(lot_one.get_by_test_id("agent-lot-live")).to_have_attribute("href", f"/openings/{draft.lot_ids['01']}/live")
    pdf = make_pdf(tmp_path / "招标文件.pdf", "Tender documents for the browser test")
    assert upload_document(page, pdf) == 1
    expect(page.get_by_test_id("document-pending")).to_have_count(1)
    shot("draft-with-document")

    page.get_by_test_id("publish-body").fill("详见招标文件。")
    page.get_by_test_id("publish-submit").click()
    refusal = page.get_by_test_id("publish-error")
    expect(refusal).to_contain_text("schedule_refused")
    expect(refusal).to_contain_text("最早可为")
    match = EARLIEST.search(refusal.inner_text())
    assert match, refusal.inner_text()
    earliest = datetime.fromisoformat(match.group(1))
    assert abs(earliest - (datetime.now(UTC) + timedelta(days=20))) < timedelta(minutes=5), earliest
    # …and shown again in Beijing time, which is what the agent types into the form.
    beijing = earliest.astimezone(timezone(timedelta(hours=8))).strftime("%Y/%m/%d %H:%M")
    expect(page.get_by_test_id("publish-earliest")).to_contain_text(beijing)
    expect(page.get_by_test_id("agent-project-phase")).to_have_attribute("data-phase", "draft")
    shot("publish-refused-schedule")

    # 4. Fix it: edit the draft (same project, same lots), deadlines 21 days ahead; the PDF stays.
    page.get_by_test_id("publish-edit").click()
    expect(page).to_have_url(re.compile(rf"/agent/projects/{draft.project_id}/edit$"))
    expect(page.get_by_test_id("project-code")).to_have_value(code)
    expect(page.get_by_test_id("project-tenderer")).to_have_value(spec.tenderer_credit_code)
    expect(page.get_by_test_id("lot")).to_have_count(2)
    expect(page.get_by_test_id("lot").first.get_by_test_id("field-row")).to_have_count(3)
    deadline = whole_minute_ahead(datetime.now(UTC), timedelta(days=21))
    fixed = replace(_spec(server, code, deadline), name=f"{spec.name}（修订）")
    expect(page.get_by_test_id("project-name")).to_have_value(spec.name)
    page.get_by_test_id("project-name").fill(fixed.name)
    for index, lot in enumerate(fixed.lots):
        fill_lot(page, index, lot)
    created = save_draft(page, fixed)
    assert created == draft, "editing keeps the project and its lots"
    expect(page.get_by_test_id("agent-project-name")).to_have_text(fixed.name)
    expect(page.get_by_test_id("document-row")).to_have_count(1)
    publish(page, body="本项目已具备招标条件，现进行公开招标。")
    expect(page.get_by_test_id("publish-done")).to_have_count(0)  # the publish card is gone after publication
    expect(page.get_by_test_id("document-download")).to_have_count(1)
    expect(page.get_by_test_id("announcement-row").filter(has_text="招标公告")).to_have_count(1)
    shot("published")

    # 5. The document downloads, byte for byte, from the agent page and without any login.
    with page.expect_download() as download_info:
        page.get_by_test_id("document-download").click()
    downloaded = Path(download_info.value.path())
    assert downloaded.read_bytes() == pdf.read_bytes()
    href = page.get_by_test_id("document-download").get_attribute("href") or ""
    anonymous = httpx.get(f"{server.base}{href}", timeout=30)
    assert anonymous.status_code == 200 and anonymous.content == pdf.read_bytes()

    # The public project page shows the published project.
    page.get_by_test_id("agent-public-link").click()
    expect(page).to_have_url(f"{server.base}/projects/{created.project_id}")
    expect(page.get_by_role("heading", name=fixed.name, exact=True)).to_be_visible()
    expect(page.get_by_text("土建标段", exact=True).first).to_be_visible()
    shot("public-project-page")
    page.go_back()

    # 6. A clarification that would move a deadline earlier is refused; a plain one is published.
    clarify = page.get_by_test_id("agent-clarify")
    clarify.get_by_test_id("clarify-title").fill("关于工程量清单的澄清")
    clarify.get_by_test_id("clarify-body").fill("第 3 章工程量清单第 12 项数量更正为 120 立方米。")
    earlier = deadline - timedelta(days=2)
    clarify.locator('[data-testid="clarify-deadline"][data-lot="01"]').fill(beijing_local(earlier))
    clarify.get_by_test_id("clarify-submit").click()
    expect(page.get_by_test_id("clarify-error")).to_contain_text("不能提前")
    shot("clarification-refused")
    clarify.locator('[data-testid="clarify-deadline"][data-lot="01"]').fill("")
    clarify.get_by_test_id("clarify-submit").click()
    expect(page.get_by_test_id("clarify-done")).to_contain_text("关于工程量清单的澄清")
    rows = page.get_by_test_id("announcement-row")
    expect(rows.filter(has_text="关于工程量清单的澄清")).to_have_attribute("data-kind", "clarification")
    public = httpx.get(f"{server.base}/api/public/announcements", params={"project_id": created.project_id}).json()
    assert {a["kind"] for a in public["items"]} == {"tender", "clarification"}
    shot("clarification-published")

    # English texts.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Clarification / amendment")).to_be_visible()
    shot("project-english")
    page.get_by_role("button", name="中文").click()

    # 7. Termination asks first; dismissing does nothing, confirming ends the project.
    terminate = page.get_by_test_id("agent-terminate")
    terminate.get_by_test_id("terminate-body").fill("因规划调整，本项目终止招标。")
    page.once("dialog", lambda dialog: dialog.dismiss())
    terminate.get_by_test_id("terminate-submit").click()
    expect(page.get_by_test_id("agent-project-phase")).to_have_attribute("data-phase", "tendering")
    page.once("dialog", lambda dialog: dialog.accept())
    terminate.get_by_test_id("terminate-submit").click()
    expect(page.get_by_test_id("agent-project-phase")).to_have_attribute("data-phase", "cancelled")
    expect(page.get_by_test_id("announcement-row").filter(has_text="终止公告")).to_have_count(1)
    expect(page.get_by_test_id("agent-terminate")).to_have_count(0)
    shot("terminated")

    # The list shows the project with its phase; a published project is no longer editable.
    page.goto("/agent/projects")
    expect(page.locator(f'[data-project-id="{created.project_id}"]')).to_contain_text("已终止")
    shot("projects-list-after")
    page.goto(f"/agent/projects/{created.project_id}")
    expect(page.get_by_test_id("agent-project-code")).to_have_text(code)
    expect(page.get_by_test_id("project-edit")).to_have_count(0)
    page.goto(f"/agent/projects/{created.project_id}/edit")
    expect(page.get_by_test_id("edit-not-draft")).to_be_visible()
    page.get_by_test_id("create-submit").click()
    expect(page.get_by_test_id("create-error")).to_contain_text("wrong_phase")


def test_other_roles_are_kept_out(browser: Browser, server: Server) -> None:
    ctx = new_context(browser, server)
    page = ctx.new_page()
    shots = Shots(page, "test_other_roles_are_kept_out")
    try:
        # Not logged in: asked to log in.
        page.goto("/agent/projects/new")
        expect(page.get_by_test_id("agent-gate-login")).to_be_visible()
        expect(page.get_by_test_id("create-form")).to_have_count(0)
        shots("not-logged-in")

        # A bidder: refused by the page, and by the API if it asked anyway.
        login_as(page, server, "bidder1")
        expect(page.get_by_test_id("nav-agent")).to_have_count(0)
        page.goto("/agent/projects/new")
        expect(page.get_by_test_id("agent-gate-role")).to_contain_text("投标人")
        expect(page.get_by_test_id("create-form")).to_have_count(0)
        shots("bidder-refused")
        status = page.evaluate(
            """async () => {
                const token = JSON.parse(sessionStorage.getItem('bidding.session')).token
                const r = await fetch('/api/agent/projects/', { headers: { Authorization: `Bearer ${token}` } })
                return r.status
            }"""
        )
        assert status == 403
    finally:
        ctx.close()


def test_create_form_on_a_phone(browser: Browser, server: Server) -> None:
    ctx = new_context(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    page = ctx.new_page()
    shots = Shots(page, "test_create_form_on_a_phone", full_page=False)
    try:
        login_as(page, server, "agent")
        page.goto("/agent/projects/new")
        spec = _spec(server, "PHONE-1", whole_minute_ahead(datetime.now(UTC), timedelta(days=21)))
        fill_project_form(page, spec)
        expect(page.get_by_test_id("lot")).to_have_count(2)
        assert_no_horizontal_scroll(page)
        shots("create-form-phone-top")
        page.get_by_test_id("lot").first.get_by_test_id("lot-fields").scroll_into_view_if_needed()
        shots("create-form-phone-fields")
        page.get_by_test_id("create-submit").scroll_into_view_if_needed()
        shots("create-form-phone-submit")
        page.goto("/agent/projects")
        assert_no_horizontal_scroll(page)
        shots("projects-phone")
    finally:
        ctx.close()


def test_steps_on_a_clocked_server(browser: Browser, clocked_server: ClockedServer, tmp_path: Path) -> None:
    """The reusable steps against a server whose clock moves: a lot 21 days ahead with a 5-minute
    decryption window is published; 10 days later a clarification must move the deadline (15 days);
    after the deadline the console shows the opening phase and offers no more document uploads,
    clarifications or termination, only the way to host the opening."""
    ctx = new_context(browser, clocked_server)
    page = ctx.new_page()
    shots = Shots(page, "test_steps_on_a_clocked_server")
    try:
        login_as(page, clocked_server, "agent")
        deadline = whole_minute_ahead(clocked_server.now(), timedelta(days=21))
        spec = ProjectSpec(
            code=f"CLK-{secrets.token_hex(3).upper()}",
            name="时钟测试项目",
            tenderer_credit_code=demo_user(clocked_server, "tenderer")["credit_code"],
            lots=(LotSpec("01", "唯一标段", "1000000", "20000", deadline, decrypt_minutes=5, objection_minutes=5),),
        )
        created = create_and_publish(page, spec, make_pdf(tmp_path / "docs.pdf"))
        assert list(created.lot_ids) == ["01"]
        expect(page.get_by_test_id("agent-project-phase")).to_have_attribute("data-phase", "tendering")
        expect(page.get_by_test_id("agent-lot-deadline")).to_have_text(
            deadline.astimezone(timezone(timedelta(hours=8))).strftime("%Y/%m/%d %H:%M")
        )
        shots("published")

        # Ten days later a clarification that leaves the deadline 11 days away is refused (第二十三条:
        # 15 days), naming the earliest deadline in Beijing time; moving the deadline makes it pass.
        clocked_server.advance(10 * 86400)
        login_as(page, clocked_server, "agent", imported=True)  # the 60-minute session expired with the jump
        page.goto(f"/agent/projects/{created.project_id}")
        clarify = page.get_by_test_id("agent-clarify")
        clarify.get_by_test_id("clarify-title").fill("关于工期的澄清")
        expect(clarify.get_by_test_id("clarify-submit")).to_be_disabled()  # the text is required too
        clarify.get_by_test_id("clarify-body").fill("工期调整为 180 日历天。")
        clarify.get_by_test_id("clarify-submit").click()
        expect(page.get_by_test_id("clarify-error")).to_contain_text("schedule_refused")
        expect(page.get_by_test_id("clarify-earliest")).to_be_visible()
        shots("clarification-schedule-refused")
        deadline = whole_minute_ahead(clocked_server.now(), timedelta(days=16))
        clarify.locator('[data-testid="clarify-deadline"][data-lot="01"]').fill(beijing_local(deadline))
        clarify.get_by_test_id("clarify-submit").click()
        expect(page.get_by_test_id("clarify-done")).to_be_visible()
        expect(page.get_by_test_id("agent-lot-deadline")).to_have_text(
            deadline.astimezone(timezone(timedelta(hours=8))).strftime("%Y/%m/%d %H:%M")
        )
        shots("clarification-moved-deadline")

        clocked_server.advance((deadline - clocked_server.now()).total_seconds() + 60)
        # The session (60 min by default) expired with the jump: log in again with the stored key.
        login_as(page, clocked_server, "agent", imported=True)
        page.goto(f"/agent/projects/{created.project_id}")
        expect(page.get_by_test_id("agent-project-phase")).to_have_attribute("data-phase", "opening")
        expect(page.get_by_test_id("document-file")).to_have_count(0)
        expect(page.get_by_test_id("agent-clarify")).to_have_count(0)
        expect(page.get_by_test_id("agent-terminate")).to_have_count(0)
        page.get_by_test_id("agent-lot-host").click()
        expect(page).to_have_url(f"{clocked_server.base}/openings/{created.lot_ids['01']}/host")
        shots("host-console")
    finally:
        ctx.close()
