"""The administrator's console in a real browser (issue 25): an organisation registers on /register,
the centre's administrator (logged in with the demo admin's certificate in a second browser profile)
approves it in /admin and hands over the one-time code, the organisation's user enrols and logs in,
the administrator revokes the certificate on the organisation's page and the user's session ends
(the next page load shows the user logged out). A refusal needs its reason. Every console page is
photographed at desktop and phone width (tests/browser/artifacts/), with no sideways scroll on a
phone.
"""

from __future__ import annotations

import re
import secrets

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.conftest import DESKTOP, PHONE, Server, Shots, assert_no_horizontal_scroll, open_page
from tests.browser.steps.identity import demo_user_with_role, log_in
from tests.fixtures.parties import new_code as new_credit_code

pytestmark = pytest.mark.slow


def register(page: Page, name: str, code: str) -> str:
    page.goto("/register")
    page.locator("input[name=name]").fill(name)
    page.locator("input[name=credit_code]").fill(code)
    page.locator("select[name=kind]").select_option("bidder")
    page.locator("input[name=contact_name]").fill("周敏")
    page.locator("input[name=contact_phone]").fill("13900000000")
    page.get_by_test_id("register-submit").click()
    expect(page.get_by_test_id("register-done")).to_contain_text("待审核")
    return page.get_by_test_id("register-org-id").inner_text().strip()


def find(admin: Page, code: str) -> None:
    """Show the registrations matching ``code`` (any status)."""
    admin.locator("input[data-testid=admin-filter-q], [data-testid=admin-filter-q] input").fill(code)
    admin.get_by_test_id("admin-filter-status").click()
    admin.get_by_role("option", name="全部").click()
    admin.get_by_test_id("admin-filter-apply").click()
    expect(admin.get_by_test_id(f"admin-status-{code}")).to_be_visible()


def test_register_approve_enrol_login_and_revoke_from_the_console(
    page: Page, browser: Browser, server: Server, shot: Shots, contexts: list[BrowserContext]
) -> None:
    admin = page
    errors: list[str] = []
    user = open_page(browser, server, contexts, errors)
    name = f"控制台测试工程有限公司{secrets.token_hex(2)}"
    code = new_credit_code()

    # 1. The organisation registers on the public form.
    register(user, name, code)

    # 2. The administrator logs in (the demo admin's certificate) and approves it in the console.
    log_in(admin, demo_user_with_role(server, "admin"))
    admin.get_by_test_id("nav-admin").click()
    expect(admin).to_have_url(re.compile(r"/admin"))
    expect(admin.get_by_test_id(f"admin-status-{code}")).to_have_text("待审核")
    shot("registrations")
    admin.get_by_test_id(f"admin-approve-{code}").click()
    dialog = admin.get_by_test_id("admin-code-dialog")
    enrolment = admin.get_by_test_id("admin-enrolment-code")
    expect(enrolment).to_have_text(re.compile(r"^[0-9A-F]{8}(-[0-9A-F]{8}){3}$"))
    expect(dialog).to_contain_text("只显示这一次")
    handed = enrolment.inner_text().strip()
    shot("approved-code-dialog")
    admin.get_by_test_id("admin-code-close").click()
    expect(dialog).to_be_hidden()
    find(admin, code)
    expect(admin.get_by_test_id(f"admin-status-{code}")).to_have_text("已通过")

    # 3. The user enrols with the code handed over (key made in the browser) and logs in.
    user.get_by_role("link", name="已有办理码？申领证书").click()
    user.locator("input[name=enrolment_code]").fill(handed)
    user.locator("input[name=common_name]").fill("周敏")
    user.locator("select[name=role]").select_option("bidder")
    user.get_by_test_id("enrol-submit").click()
    expect(user.get_by_test_id("enrol-done")).to_contain_text("证书已签发")
    user.get_by_test_id("enrol-go-login").click()
    user.get_by_test_id("identity").filter(has_text=name).get_by_test_id("identity-login").click()
    expect(user.get_by_test_id("header-user-org")).to_have_text(name)

    # 4. The administrator sees the certificate with its open session, and revokes it.
    admin.get_by_test_id(f"admin-org-link-{code}").click()
    expect(admin.get_by_test_id("admin-organisation")).to_contain_text(name)
    expect(admin.get_by_test_id("admin-org-sessions")).to_have_text("1")
    serial = admin.get_by_test_id("admin-certificates").locator("code").first.inner_text().strip()
    expect(admin.get_by_test_id(f"admin-cert-sessions-{serial}")).to_have_text("1")
    shot("organisation")
    admin.get_by_test_id(f"admin-revoke-{serial}").click()
    revoke = admin.get_by_test_id("admin-revoke-dialog")
    expect(revoke).to_contain_text(serial)
    admin.get_by_test_id("admin-revoke-reason").click()
    admin.get_by_role("option", name="已被替代").click()
    shot("revoke-dialog")
    admin.get_by_test_id("admin-revoke-submit").click()
    expect(admin.get_by_test_id("admin-notice")).to_have_text("证书已吊销，结束了 1 个会话。")
    expect(admin.get_by_test_id(f"admin-cert-status-{serial}")).to_have_text("已吊销")
    expect(admin.get_by_test_id("admin-org-sessions")).to_have_text("0")
    expect(revoke).to_be_hidden()
    shot("revoked")

    # 5. The user's session has ended: the next page load shows them logged out.
    user.reload()
    expect(user.get_by_test_id("nav-login")).to_be_visible()
    expect(user.get_by_test_id("header-user")).to_have_count(0)
    assert not errors, errors


def test_a_refusal_needs_its_reason_and_every_page_fits_a_phone(page: Page, server: Server, shot: Shots) -> None:
    admin = page
    name = f"拒绝流程测试有限公司{secrets.token_hex(2)}"
    code = new_credit_code()
    register(admin, name, code)
    log_in(admin, demo_user_with_role(server, "admin"))
    admin.goto("/admin")
    admin.get_by_test_id(f"admin-refuse-{code}").click()
    dialog = admin.get_by_test_id("admin-refuse-dialog")
    admin.get_by_test_id("admin-refuse-dialog-submit").click()
    expect(dialog).to_contain_text("请填写原因")
    shot("refuse-reason-required")
    reason = "textarea[data-testid=admin-refuse-dialog-reason], [data-testid=admin-refuse-dialog-reason] textarea"
    admin.locator(reason).fill("营业执照与统一社会信用代码不符")
    admin.get_by_test_id("admin-refuse-dialog-submit").click()
    expect(admin.get_by_test_id("admin-notice")).to_contain_text("已不予通过")
    find(admin, code)
    expect(admin.get_by_test_id(f"admin-status-{code}")).to_have_text("未通过")
    expect(admin.get_by_test_id("admin-registrations-table")).to_contain_text("营业执照与统一社会信用代码不符")

    # Every tab and the organisation page, at desktop and phone width; nothing scrolls sideways on a phone.
    pages = [
        ("registrations", "/admin?tab=registrations", "admin-registrations-table"),
        ("agents", "/admin?tab=agents", "admin-agents-table"),
        ("trust", "/admin?tab=trust", "admin-trust-table"),
        ("settings", "/admin?tab=settings", "admin-settings-table"),
        ("experts", "/admin?tab=experts", "admin-experts-link"),
    ]
    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        admin.set_viewport_size({"width": viewport["width"], "height": viewport["height"]})
        for label, url, ready in pages:
            admin.goto(url)
            expect(admin.get_by_test_id(ready)).to_be_visible()
            if label == "agents":
                expect(admin.get_by_test_id(ready)).to_contain_text("招标代理")  # the demo's agent
            if label == "trust":
                expect(admin.get_by_test_id(ready)).to_contain_text("平台 CA")
            if label == "settings":
                expect(admin.get_by_test_id("admin-setting-redacted-admin_token")).to_have_text("不予显示")
                assert "browser-test-admin-token" not in admin.content()
            shot(f"{label}-{width}")
            if viewport is PHONE:
                assert_no_horizontal_scroll(admin)
        admin.goto("/admin")
        find(admin, code)
        admin.get_by_test_id(f"admin-org-link-{code}").click()
        expect(admin.get_by_test_id("admin-org-status")).to_have_text("未通过")
        shot(f"organisation-{width}")
        if viewport is PHONE:
            assert_no_horizontal_scroll(admin)
    # The link to the expert pool opens it.
    admin.goto("/admin?tab=experts")
    admin.get_by_test_id("admin-experts-link").click()
    expect(admin).to_have_url(re.compile(r"/experts$"))
