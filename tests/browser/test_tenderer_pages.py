"""The tenderer's pages (招标人, issue 25; docs/frontend-tenderer.md) in a real browser: the demo
tenderer registers a project (the form's own checks first: nothing is sent), appoints the demo
agent by its credit code; the agent creates the project from the registration on its own page,
gives the lot a deadline, uploads the documents and is refused publication
(``documents_not_approved``) until the tenderer, on its project page, has seen the current version
(its SHA-256, the download) and approved it; then publication succeeds and the tenderer sees the
project tendering. Each new page at desktop and phone width, with no sideways scroll on the phone,
and in English."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE, People, Server, Shots, StepShots, assert_no_horizontal_scroll, new_context
from tests.browser.steps.agent import (
    LotSpec,
    ProjectSpec,
    fill_project_form,
    login_as,
    make_pdf,
    publish,
    save_draft,
    upload_document,
    whole_minute_ahead,
)
from tests.browser.steps.identity import demo_user
from tests.browser.steps.tenderer import (
    RegistrationSpec,
    appoint,
    approve_documents,
    open_project,
    open_projects,
    register_project,
    registration_row,
    take_up,
)


def test_a_tenderer_registers_appoints_and_approves_before_publication(
    page: Page, shot: Shots, browser: Browser, server: Server, tmp_path: Path
) -> None:
    tag = secrets.token_hex(3).upper()
    spec = RegistrationSpec(
        name=f"城东小学教学楼新建工程 {tag}",
        approval_number=f"宁发改投资〔2026〕{tag}号",
        funding_source="财政资金",
        estimate_yuan="3,800,000.00",
        note="拟于本年第三季度开工。",
    )
    agent_code = demo_user(server, "agent")["credit_code"]

    # 1. The tenderer's page; the form's own checks send nothing.
    login_as(page, server, "tenderer")
    open_projects(page)
    expect(page.get_by_role("heading", name="招标人项目")).to_be_visible()
    shot("projects")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method != "GET" and "/api/tenderer/" in r.url else None)
    page.get_by_test_id("tenderer-register").click()
    page.get_by_test_id("tenderer-form-estimate").fill("0")
    page.get_by_test_id("tenderer-form-save").click()
    form = page.get_by_test_id("tenderer-registration-form")
    expect(form).to_contain_text("必填")
    expect(form).to_contain_text("请输入大于 0 的金额")
    shot("registration-form-checks")
    assert posts == [], posts
    page.get_by_test_id("tenderer-form-cancel").click()

    # 2. Registered and appointed.
    register_project(page, spec)
    expect(registration_row(page, spec.name)).to_contain_text("¥3,800,000.00")
    shot("registered")
    row = registration_row(page, spec.name)
    row.locator("[data-testid^='tenderer-appoint-']").click()
    page.get_by_test_id("tenderer-appoint-code").fill(demo_user(server, "bidder1")["credit_code"])
    page.get_by_test_id("tenderer-appoint-submit").click()
    expect(page.get_by_test_id("tenderer-appoint-error")).to_contain_text("不是本平台已审核的代理机构")
    shot("appoint-refused")
    page.get_by_test_id("tenderer-appoint-cancel").click()
    appoint(page, spec.name, agent_code)
    shot("appointed")

    # 3. The agent creates the project from it, gives the lot its deadline and uploads the documents.
    with People(browser, server) as people:
        agent = people.page()
        agent_shots = StepShots(f"{shot.folder.name}-agent")
        login_as(agent, server, "agent")
        agent.goto("/agent/projects")
        expect(agent.get_by_test_id("agent-appointment").filter(has_text=spec.name)).to_be_visible()
        agent_shots.take(agent, "appointments")
        code = f"RG-{tag}"
        project_id = take_up(agent, spec.name, code)
        deadline = whole_minute_ahead(datetime.now(UTC), timedelta(days=25))
        draft = ProjectSpec(
            code=code,
            name=spec.name,
            tenderer_credit_code=demo_user(server, "tenderer")["credit_code"],
            category="works",
            region="江苏省南京市",
            lots=(LotSpec(code="01", name="教学楼", estimate_yuan="3800000", deposit_yuan="20000", deadline=deadline),),
        )
        agent.goto(f"/agent/projects/{project_id}/edit")
        expect(agent.get_by_test_id("project-name")).to_have_value(spec.name)
        fill_project_form(agent, draft)
        save_draft(agent, draft)
        pdf = make_pdf(tmp_path / "招标文件.pdf", f"Tender documents {tag}")
        assert upload_document(agent, pdf) == 1
        agent.get_by_test_id("publish-body").fill("详见招标文件。")
        agent.get_by_test_id("publish-submit").click()
        expect(agent.get_by_test_id("publish-error")).to_contain_text("documents_not_approved")
        expect(agent.get_by_test_id("publish-error")).to_contain_text("招标人尚未确认")
        agent_shots.take(agent, "publish-refused")

        # 4. The tenderer sees the current version, downloads it, approves it.
        page.goto("/tenderer/projects?tab=projects")
        expect(page.get_by_test_id(f"tenderer-approval-{code}")).to_have_text("待确认")
        shot("projects-tab")
        page.get_by_test_id(f"tenderer-project-link-{code}").click()
        expect(page.get_by_test_id("tenderer-project-name")).to_have_text(spec.name)
        expect(page.get_by_test_id("tenderer-project-phase")).to_have_text("草稿")
        expect(page.get_by_test_id("tenderer-documents-file")).to_have_text("招标文件.pdf")
        digest = hashlib.sha256(pdf.read_bytes()).hexdigest()
        expect(page.get_by_test_id("tenderer-documents-sha256")).to_have_text(digest)
        with page.expect_download() as download:
            page.get_by_test_id("tenderer-documents-download").click()
        saved = download.value.path()
        assert hashlib.sha256(Path(saved).read_bytes()).hexdigest() == digest
        shot("documents-to-approve")
        approve_documents(page, 1)
        shot("documents-approved")

        # 5. Now publication succeeds; the tenderer sees the project tendering.
        publish(agent)
        agent_shots.take(agent, "published")
        people.assert_no_page_errors()
    open_project(page, project_id)
    expect(page.get_by_test_id("tenderer-project-phase")).to_have_text("投标中")
    expect(page.get_by_test_id("tenderer-lots")).to_contain_text("01")
    shot("tendering")
    page.goto("/tenderer/projects")
    expect(registration_row(page, spec.name)).to_contain_text("已创建项目")


def test_the_tenderers_pages_fit_a_phone(browser: Browser, server: Server) -> None:
    ctx = new_context(browser, server, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        shots = Shots(page, "test_the_tenderers_pages_fit_a_phone")
        login_as(page, server, "tenderer")
        open_projects(page)
        tag = secrets.token_hex(3).upper()
        spec = RegistrationSpec(f"手机登记测试项目 {tag}", f"苏发改〔2026〕{tag}号", "国有企业自有资金", "120000")
        register_project(page, spec)
        assert_no_horizontal_scroll(page)
        shots("projects")
        page.get_by_test_id("tenderer-register").click()
        expect(page.get_by_test_id("tenderer-form-name")).to_be_visible()
        assert_no_horizontal_scroll(page)
        shots("registration-form")
        page.get_by_test_id("tenderer-form-cancel").click()
        row = registration_row(page, spec.name)
        row.locator("[data-testid^='tenderer-appoint-']").click()
        expect(page.get_by_test_id("tenderer-appoint-code")).to_be_visible()
        assert_no_horizontal_scroll(page)
        shots("appoint-dialog")
        page.get_by_test_id("tenderer-appoint-cancel").click()
        page.goto("/tenderer/projects?tab=projects")
        expect(page.get_by_test_id("tenderer-projects-table")).to_be_visible()
        assert_no_horizontal_scroll(page)
        shots("projects-tab")
        links = page.locator("[data-testid^='tenderer-project-link-']")
        expect(links.first).to_be_visible()
        links.first.click()
        expect(page.get_by_test_id("tenderer-project-name")).to_be_visible()
        expect(page.get_by_test_id("tenderer-documents-state")).to_be_visible()
        assert_no_horizontal_scroll(page)
        shots("project")
        # English.
        page.get_by_role("button", name="English").click()
        expect(page.get_by_role("heading", name="Tender documents approval")).to_be_visible()
        page.goto("/tenderer/projects")
        expect(page.get_by_role("heading", name="The tenderer's projects")).to_be_visible()
        expect(page.get_by_test_id("tenderer-register")).to_have_text("Register a project")
        assert_no_horizontal_scroll(page)
        shots("projects-english")
        page.get_by_role("button", name="中文").click()
        assert not errors, errors
    finally:
        ctx.close()
