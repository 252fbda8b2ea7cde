"""The expert pool's pages (/experts, /expert; issue 19) in a real browser against `bidding serve --demo`:
the centre's administrator (the demo's ``admin``) opens 专家库 from the header, registers an expert —
a bad form refused in the page with nothing sent, a registry number already in the pool refused by
the server with its code, then registered — suspends one with a reason and a last day, declares a
conflict and unavailable days, retires another after confirming, imports a CSV whose bad row is
named in the report and then a good one (again: nothing changes), issues an enrolment code and
copies it; the expert enrols with it in a browser of their own and sees their record on /expert. A
supervisor reads the pool without a button or a form; a bidder, an expert and the public are
refused; English; phone width. Also pins the page's copies of the server's enums and rules."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, Request, expect

from tests.browser.conftest import (
    PHONE,
    Server,
    StepShots,
    assert_no_horizontal_scroll,
    open_page,
    running_server,
)
from tests.browser.steps.identity import demo_user, log_in
from tests.fixtures.parties import new_code

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHINA = timedelta(hours=8)


@pytest.fixture(scope="module")
def pool_server(frontend_dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A demo server of this module's own (its pool starts empty), no live opening."""
    with running_server(tmp_path_factory.mktemp("experts"), frontend_dist, {}, ("--demo-opening-minutes", "0")) as srv:
        yield srv


@pytest.fixture
def people(browser: Browser, pool_server: Server) -> Iterator[list[BrowserContext]]:
    contexts: list[BrowserContext] = []
    yield contexts
    for ctx in contexts:
        ctx.close()


def beijing_today() -> datetime:
    return datetime.now(UTC) + CHINA


def particulars(registry_no: str, name: str, **changes: Any) -> dict[str, Any]:
    """A valid expert's particulars as the API takes them."""
    return {
        "registry_no": registry_no,
        "name": name,
        "mobile": "139" + "".join(secrets.choice("0123456789") for _ in range(8)),
        "employer_credit_code": new_code(),
        "employer_name": "南京市建筑设计研究院有限公司",
        "title": "deputy_senior",
        "title_name": "高级工程师",
        "years_experience": 15,
        "region_code": "320102",
        "specialties": ["A0101"],
        **changes,
    }


def seed(srv: Server, registry_no: str, name: str, **changes: Any) -> dict[str, Any]:
    """An expert registered through the API (the operator's token stands for the administrator)."""
    with srv.admin() as admin:
        r = admin.post("/api/experts", json=particulars(registry_no, name, **changes))
        assert r.status_code == 201, r.text
        return dict(r.json())


def fill_expert(page: Page, values: dict[str, str]) -> None:
    form = page.get_by_test_id("expert-form-new")
    for field, value in values.items():
        if field == "title":
            form.get_by_test_id("expert-form-title").select_option(value)
        else:
            form.get_by_test_id(f"expert-form-{field}").fill(value)


def add_specialty(page: Page, code: str) -> None:
    page.get_by_test_id("specialty-select").select_option(code)
    page.get_by_test_id("specialty-add").click()


def pool_row(page: Page, registry_no: str) -> Locator:
    """The list's row of one expert, found by searching for its number: the list shows 50 at a time
    by registry number, and the demo's own 48 (DEMO-E…) come first."""
    page.get_by_test_id("experts-filter-q").fill(registry_no)
    page.get_by_test_id("experts-filter-submit").click()
    return page.locator(f"[data-testid=expert-row][data-registry='{registry_no}']")


def test_administrator_manages_the_pool_and_the_expert_logs_in(
    browser: Browser,
    pool_server: Server,
    people: list[BrowserContext],
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    srv = pool_server
    shots = StepShots(request.node.name)
    errors: list[str] = []
    tag = secrets.token_hex(2).upper()
    taken = f"JS-{tag}-0001"
    seed(srv, taken, "周立新")
    seed(srv, f"JS-{tag}-0009", "吴海燕", specialties=["B0101"])

    # The administrator opens the pool from the header: the list, the buttons, no read-only notice.
    page = open_page(browser, srv, people, errors, permissions=["clipboard-read", "clipboard-write"])
    log_in(page, demo_user(srv, "admin"))
    page.get_by_test_id("nav-experts").click()
    expect(page).to_have_url(re.compile(r"/experts$"))
    expect(page.get_by_role("heading", name="专家库")).to_be_visible()
    expect(page.get_by_test_id("experts-read-only")).to_have_count(0)
    expect(pool_row(page, taken)).to_contain_text("周立新")
    shots.take(page, "pool")

    # A bad form is refused in the page, every problem at once, and nothing is sent.
    posted: list[str] = []

    def on_request(r: Request) -> None:
        if r.method == "POST" and r.url.rstrip("/").endswith("/api/experts"):
            posted.append(r.url)

    page.on("request", on_request)
    page.get_by_test_id("experts-new").click()
    expect(page).to_have_url(re.compile(r"/experts/new$"))
    expect(page.get_by_test_id("specialty-select")).to_be_visible()
    fill_expert(
        page,
        {
            "registry_no": taken,
            "name": "陈思远",
            "mobile": "12345",
            "employer_name": "东南大学",
            "employer_credit_code": "12320000466006770X",
            "years_experience": "5",
            "region_code": "990000",
        },
    )
    page.get_by_test_id("expert-form-submit").click()
    issues = page.get_by_test_id("expert-form-issues")
    expect(issues).to_contain_text("从业年限不足 8 年")
    expect(issues).to_contain_text("不是有效的手机号码")
    expect(issues).to_contain_text("不是有效的行政区划代码")
    expect(issues).to_contain_text("请选择职称级别")
    expect(issues).to_contain_text("请至少选择一个评标专业")
    expect(page.get_by_test_id("expert-form-error-years_experience")).to_be_visible()
    shots.take(page, "register-refused-in-page")
    assert posted == []

    # Fixed, but under a registry number already in the pool: the server refuses it, with its code.
    employer = new_code()
    fill_expert(
        page,
        {
            "mobile": "+86 139-1234-5678",
            "employer_credit_code": employer,
            "years_experience": "12",
            "region_code": "320102",
            "title": "full_senior",
            "title_name": "教授",
            "email": "chen.sy@Example.CN",
        },
    )
    add_specialty(page, "B0101")
    add_specialty(page, "A0101")
    page.get_by_test_id("specialty-primary-A0101").click()
    expect(page.get_by_test_id("specialty-chosen").locator("li").first).to_have_attribute("data-code", "A0101")
    page.get_by_test_id("expert-form-submit").click()
    server = page.get_by_test_id("expert-form-server")
    expect(server).to_contain_text("expert_exists")
    expect(server).to_contain_text(f"专家编号 {taken} 已在库中")
    expect(page.get_by_test_id("expert-form-issues")).to_have_count(0)
    assert len(posted) == 1
    shots.take(page, "register-refused-by-server")

    # A number of its own: registered, the record shown.
    number = f"JS-{tag}-0002"
    fill_expert(page, {"registry_no": number.lower()})
    page.get_by_test_id("expert-form-submit").click()
    expect(page.get_by_test_id("expert-registered")).to_contain_text(number)
    expect(page).to_have_url(re.compile(r"/experts/[0-9a-f-]{36}\?registered=1$"))
    expect(page.get_by_test_id("expert-name")).to_have_text("陈思远")
    expect(page.get_by_test_id("expert-mobile")).to_have_text("13912345678")
    expect(page.get_by_test_id("expert-title")).to_contain_text("正高级 · 教授")
    expect(page.get_by_test_id("expert-specialties").locator("li").first).to_contain_text("A0101 房屋建筑工程")
    expect(page.get_by_test_id("expert-specialties").locator("li").first).to_contain_text("主专业")
    detail_url = page.url.split("?")[0]

    # Suspension: reason and last day are both mandatory; then suspended until that day.
    page.get_by_test_id("expert-suspend").click()
    page.get_by_test_id("expert-suspend-submit").click()
    expect(page.get_by_test_id("expert-suspend-error-reason")).to_have_text("请填写原因")
    expect(page.get_by_test_id("expert-suspend-error-until")).to_have_text("请选择暂停截止日")
    until = (beijing_today() + timedelta(days=30)).date().isoformat()
    page.get_by_test_id("expert-suspend-reason").fill("无正当理由拒不参加评标（26号令第二十九条）")
    page.get_by_test_id("expert-suspend-until").fill(until)
    page.get_by_test_id("expert-suspend-submit").click()
    expect(page.get_by_test_id("expert-status-notice")).to_have_text(f"已暂停至 {until}。")
    card = page.get_by_test_id("expert-status-card")
    expect(card.get_by_test_id("expert-status")).to_have_attribute("data-status", "suspended")
    expect(card.get_by_test_id("expert-suspended-until")).to_have_text(until)
    expect(page.get_by_test_id("expert-reinstate")).to_be_visible()
    shots.take(page, "suspended")

    # A declared conflict: a bad credit code refused in the page, then added.
    conflict = new_code()
    page.get_by_test_id("expert-conflict-add").click()
    page.get_by_test_id("expert-conflict-code").fill("123")
    page.get_by_test_id("expert-conflict-submit").click()
    expect(page.get_by_test_id("expert-conflict-error-code")).to_contain_text("不是有效的统一社会信用代码")
    expect(page.get_by_test_id("expert-conflict-error-reason")).to_have_text("请填写原因")
    page.get_by_test_id("expert-conflict-code").fill(conflict)
    page.get_by_test_id("expert-conflict-name").fill("南京某某建设集团有限公司")
    page.get_by_test_id("expert-conflict-reason").fill("三年内曾任职")
    page.get_by_test_id("expert-conflict-submit").click()
    expect(page.get_by_test_id("expert-conflict-notice")).to_be_visible()
    expect(page.locator(f"[data-testid=expert-conflict-row][data-code='{conflict}']")).to_contain_text("三年内曾任职")

    # Unavailable days: a period ending before it starts is refused in the page, then saved.
    start = (beijing_today() + timedelta(days=60)).date()
    page.get_by_test_id("expert-periods-edit").click()
    page.get_by_test_id("expert-periods-start").fill((start + timedelta(days=2)).isoformat())
    page.get_by_test_id("expert-periods-end").fill(start.isoformat())
    page.get_by_test_id("expert-periods-save").click()
    expect(page.get_by_test_id("expert-periods-error")).to_have_text("结束日期早于开始日期")
    page.get_by_test_id("expert-periods-end").fill((start + timedelta(days=4)).isoformat())
    page.get_by_test_id("expert-periods-reason").fill("出国学术交流")
    page.get_by_test_id("expert-periods-save").click()
    expect(page.get_by_test_id("expert-periods-saved")).to_be_visible()
    expect(page.get_by_test_id("expert-periods-item")).to_contain_text(
        f"{start + timedelta(days=2)} 至 {start + timedelta(days=4)}"
    )
    shots.take(page, "conflict-and-days")

    # The enrolment code: shown once, copied by the button.
    page.get_by_test_id("expert-enrol-issue").click()
    issued = page.get_by_test_id("expert-enrol-issued")
    expect(issued).to_be_visible()
    code = page.get_by_test_id("expert-enrol-code").inner_text().strip()
    assert len(code) >= 8, code
    expect(page.get_by_test_id("expert-enrol-common-name")).to_have_text("陈思远")
    page.get_by_test_id("expert-enrol-copy").click()
    expect(page.get_by_test_id("expert-enrol-copy")).to_have_text("已复制")
    assert page.evaluate("navigator.clipboard.readText()") == code
    enrol_href = page.get_by_test_id("expert-enrol-link").get_attribute("href")
    assert enrol_href and enrol_href.startswith("/enrol?"), enrol_href
    shots.take(page, "enrolment-code")
    page.reload()
    expect(page.get_by_test_id("expert-enrol-issued")).to_have_count(0)

    # The expert makes a certificate with the code in a browser of their own and sees their record.
    expert = open_page(browser, srv, people, errors)
    expert.goto(enrol_href)
    expert.locator("input[name=enrolment_code]").fill(code)
    expert.locator("input[name=common_name]").fill("陈思远")
    expert.locator("select[name=role]").select_option("expert")
    expert.get_by_test_id("enrol-submit").click()
    expect(expert.get_by_test_id("enrol-done")).to_be_visible(timeout=60_000)
    expert.get_by_test_id("enrol-go-login").click()
    expert.get_by_test_id("identity").first.get_by_test_id("identity-login").click()
    expect(expert.get_by_test_id("header-user-name")).to_have_text("陈思远")
    expect(expert.get_by_test_id("nav-experts")).to_have_count(0)
    expert.get_by_test_id("nav-expert").click()
    expect(expert.get_by_test_id("expert-me-registry")).to_have_text(number)
    expect(expert.get_by_test_id("expert-me-record").get_by_test_id("expert-status")).to_have_attribute(
        "data-status", "suspended"
    )
    expect(expert.get_by_test_id("expert-me-periods-item")).to_contain_text("出国学术交流")
    expect(expert.get_by_test_id("expert-invitations-empty")).to_contain_text("暂无评标邀请")
    own = (beijing_today() + timedelta(days=90)).date().isoformat()
    expert.get_by_test_id("expert-me-periods-edit").click()
    expert.get_by_test_id("expert-me-periods-add").click()
    expert.get_by_test_id("expert-me-periods-start").nth(1).fill(own)
    expert.get_by_test_id("expert-me-periods-end").nth(1).fill(own)
    expert.get_by_test_id("expert-me-periods-save").click()
    expect(expert.get_by_test_id("expert-me-periods-saved")).to_be_visible()
    expect(expert.get_by_test_id("expert-me-periods-item")).to_have_count(2)
    shots.take(expert, "expert-own-page")
    expert.goto("/experts")
    expect(expert.get_by_test_id("experts-refused")).to_contain_text("评标专家")
    page.reload()
    expect(page.get_by_test_id("expert-certificates")).to_contain_text("1")
    expect(page.get_by_test_id("expert-periods-item")).to_have_count(2)

    # Retiring the other expert asks for confirmation first; then the record is read only.
    page.goto("/experts")
    pool_row(page, taken).get_by_test_id("expert-link").click()
    page.get_by_test_id("expert-retire").click()
    page.get_by_test_id("expert-retire-reason").fill("本人申请退出专家库")
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.get_by_test_id("expert-retire-submit").click()
    expect(page.get_by_test_id("expert-retire-form")).to_be_visible()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_test_id("expert-retire-submit").click()
    expect(page.get_by_test_id("expert-status-notice")).to_have_text("已退出专家库。")
    expect(page.get_by_test_id("expert-retired-reason")).to_have_text("本人申请退出专家库")
    for button in ("expert-edit", "expert-suspend", "expert-conflict-add", "expert-periods-edit", "expert-enrol"):
        expect(page.get_by_test_id(button)).to_have_count(0)

    # The import: a file with a bad row is refused whole and the row named; then a good file, twice.
    page.goto("/experts")
    page.get_by_test_id("experts-import-link").click()
    header = "专家编号,姓名,手机号码,工作单位统一社会信用代码,工作单位,职称级别,职称名称,从业年限,地区代码,评标专业"
    first, second = f"IMP-{tag}-001", f"IMP-{tag}-002"
    rows = [
        f"{first},刘振华,13800000001,{new_code()},江苏省交通规划设计院,正高级,研究员,20,320100,A0101;B0101",
        f"{second},孙梦琪,13800000002,{new_code()},南京工业大学,副高级,副教授,5,320106,B0101",
    ]
    bad = tmp_path / "experts-bad.csv"
    bad.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    page.get_by_test_id("experts-import-file").set_input_files(str(bad))
    page.get_by_test_id("experts-import-submit").click()
    refused = page.get_by_test_id("experts-import-refused")
    expect(refused).to_contain_text("pool_import_refused")
    row = page.locator("[data-testid=experts-import-error][data-row='3']")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(second)
    expect(row).to_contain_text("从业年限")
    expect(row).to_contain_text("满 8 年")
    shots.take(page, "import-refused")
    good = tmp_path / "experts.csv"
    good.write_text("\n".join([header, rows[0], rows[1].replace(",5,", ",9,")]) + "\n", encoding="utf-8")
    page.get_by_test_id("experts-import-file").set_input_files(str(good))
    page.get_by_test_id("experts-import-submit").click()
    result = page.get_by_test_id("experts-import-result")
    expect(result.get_by_test_id("experts-import-registered")).to_have_text("2")
    expect(result.get_by_test_id("experts-import-list")).to_contain_text(first)
    expect(page.get_by_test_id("experts-import-refused")).to_have_count(0)
    shots.take(page, "imported")
    page.get_by_test_id("experts-import-file").set_input_files(str(good))
    page.get_by_test_id("experts-import-submit").click()
    expect(result.get_by_test_id("experts-import-unchanged")).to_have_text("2")
    expect(result.get_by_test_id("experts-import-registered")).to_have_text("0")

    # Search: by specialty (a group takes its sub-specialties) and status, kept in the URL.
    page.goto("/experts")
    page.get_by_test_id("experts-filter-specialty").select_option("B01")
    page.get_by_test_id("experts-filter-submit").click()
    expect(page).to_have_url(re.compile(r"specialty=B01"))
    listed = page.get_by_test_id("expert-row")
    expect(listed.filter(has_text=first)).to_have_count(1)
    expect(listed.filter(has_text=taken)).to_have_count(0)
    page.get_by_test_id("experts-filter-specialty").select_option("")
    page.get_by_test_id("experts-filter-status").select_option("suspended")
    page.get_by_test_id("experts-filter-submit").click()
    expect(page).to_have_url(re.compile(r"status=suspended"))
    expect(listed).to_have_count(1)
    expect(listed.first).to_have_attribute("data-registry", number)
    page.reload()
    expect(listed).to_have_count(1)
    page.get_by_test_id("experts-filter-region").fill("3")
    page.get_by_test_id("experts-filter-submit").click()
    expect(page.get_by_test_id("experts-filter-region-error")).to_be_visible()

    # English: the same list and record.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", name="Expert pool")).to_be_visible()
    expect(listed.first.get_by_test_id("expert-status")).to_contain_text("Suspended")
    page.goto(detail_url)
    expect(page.get_by_test_id("expert-status-card")).to_contain_text("Reason for the suspension")
    expect(page.get_by_test_id("expert-title")).to_contain_text("Full senior title")
    shots.take(page, "english")
    assert not errors, errors


def test_supervisor_reads_without_buttons_others_are_refused_and_it_fits_a_phone(
    browser: Browser, pool_server: Server, people: list[BrowserContext], request: pytest.FixtureRequest
) -> None:
    srv = pool_server
    shots = StepShots(request.node.name)
    errors: list[str] = []
    tag = secrets.token_hex(2).upper()
    record = seed(srv, f"SV-{tag}-0001", "郑国栋", specialties=["A0101", "B0101"])

    # The supervisor: the list and the record, read only.
    page = open_page(browser, srv, people, errors)
    log_in(page, demo_user(srv, "supervisor"))
    page.get_by_test_id("nav-experts").click()
    expect(page.get_by_test_id("experts-read-only")).to_be_visible()
    expect(page.get_by_test_id("experts-new")).to_have_count(0)
    expect(page.get_by_test_id("experts-import-link")).to_have_count(0)
    pool_row(page, f"SV-{tag}-0001").get_by_test_id("expert-link").click()
    expect(page.get_by_test_id("expert-name")).to_have_text("郑国栋")
    expect(page.get_by_test_id("expert-particulars")).to_contain_text(record["employer_name"])
    for hidden in (
        "expert-edit",
        "expert-suspend",
        "expert-reinstate",
        "expert-retire",
        "expert-conflict-add",
        "expert-periods-edit",
        "expert-enrol",
    ):
        expect(page.get_by_test_id(hidden)).to_have_count(0)
    expect(page.locator("form")).to_have_count(0)
    shots.take(page, "supervisor-record")
    page.goto("/experts/new")
    expect(page.get_by_test_id("experts-writers-only")).to_be_visible()
    page.goto("/experts/import")
    expect(page.get_by_test_id("experts-writers-only")).to_be_visible()
    page.goto("/expert")
    expect(page.get_by_test_id("expert-me-refused")).to_be_visible()

    # A bidder: no link, and the pool is refused (nothing asked of the server).
    bidder = open_page(browser, srv, people, errors)
    log_in(bidder, demo_user(srv, "bidder1"))
    expect(bidder.get_by_test_id("nav-experts")).to_have_count(0)
    asked: list[str] = []
    bidder.on("request", lambda r: asked.append(r.url) if "/api/experts" in r.url else None)
    bidder.goto("/experts")
    expect(bidder.get_by_test_id("experts-refused")).to_contain_text("投标人")
    expect(bidder.get_by_test_id("experts-refused")).to_contain_text("保密")
    bidder.goto(f"/experts/{record['id']}")
    expect(bidder.get_by_test_id("experts-refused")).to_be_visible()
    assert asked == [], asked
    bidder.get_by_role("button", name="English").click()
    expect(bidder.get_by_test_id("experts-refused")).to_contain_text("confidential")
    shots.take(bidder, "bidder-refused")

    # The public: log in first.
    anonymous = open_page(browser, srv, people, errors)
    anonymous.goto("/experts")
    expect(anonymous.get_by_test_id("experts-login-needed")).to_be_visible()
    expect(anonymous.get_by_test_id("nav-experts")).to_have_count(0)

    # On a phone every page fits the width: the supervisor's list and record, the administrator's forms.
    small = open_page(browser, srv, people, errors, viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(small, demo_user(srv, "supervisor"))
    small.goto("/experts")
    expect(small.get_by_test_id("expert-row").first).to_be_visible()
    assert_no_horizontal_scroll(small)
    small.goto(f"/experts/{record['id']}")
    expect(small.get_by_test_id("expert-name")).to_be_visible()
    assert_no_horizontal_scroll(small)
    admin = open_page(browser, srv, people, errors, viewport=PHONE, is_mobile=True, has_touch=True)
    log_in(admin, demo_user(srv, "admin"))
    admin.goto("/experts/new")
    expect(admin.get_by_test_id("specialty-select")).to_be_visible()
    add_specialty(admin, "A0101")
    admin.get_by_test_id("expert-form-submit").click()
    expect(admin.get_by_test_id("expert-form-issues")).to_be_visible()
    assert_no_horizontal_scroll(admin)
    shots.take(admin, "phone-register")
    admin.goto(f"/experts/{record['id']}")
    admin.get_by_test_id("expert-suspend").click()
    admin.get_by_test_id("expert-conflict-add").click()
    admin.get_by_test_id("expert-periods-edit").click()
    admin.get_by_test_id("expert-enrol-issue").click()
    expect(admin.get_by_test_id("expert-enrol-code")).to_be_visible()
    assert_no_horizontal_scroll(admin)
    shots.take(admin, "phone-record")
    admin.goto("/experts/import")
    expect(admin.get_by_test_id("experts-import-columns")).to_be_visible()
    assert_no_horizontal_scroll(admin)
    assert not errors, errors


def test_the_pages_know_the_servers_enums_and_rules() -> None:
    """The web app's copies of the pool's statuses, title levels, import columns and rules are the server's."""
    from bidding.experts import pool, pool_import, pool_rules, specialties
    from bidding.experts.pool_rules import ExpertStatus, ExpertTitle

    frontend = ROOT / "frontend" / "src"
    api = (frontend / "api" / "experts.ts").read_text("utf-8")
    rules = (frontend / "views" / "experts" / "experts.ts").read_text("utf-8")

    def listed(source: str, name: str) -> list[str]:
        found = re.search(rf"export const {name}(?:: [^=]+)? = \[([^\]]*)\]", source)
        assert found is not None, name
        return re.findall(r"'([^']+)'", found.group(1))

    def number(source: str, name: str) -> int:
        found = re.search(rf"export const {name} = ([0-9 *]+)\n", source)
        assert found is not None, name
        return int(eval(found.group(1)))  # a product of integer literals only

    assert listed(api, "EXPERT_STATUSES") == [s.value for s in ExpertStatus]
    assert listed(api, "EXPERT_TITLES") == [t.value for t in ExpertTitle]
    assert listed(api, "IMPORT_OUTCOMES") == ["registered", "updated", "unchanged"]
    assert re.search(rf"export const XLSX_TYPE = '{re.escape(pool_import.XLSX_TYPE)}'", api)
    assert number(api, "IMPORT_MAX_BYTES") == pool_import.MAX_BYTES
    assert listed(rules, "POOL_READERS") == [r.value for r in pool.READERS]
    assert listed(rules, "POOL_WRITERS") == [r.value for r in pool.WRITERS]
    assert sorted(listed(rules, "PROVINCES")) == sorted(pool_rules.PROVINCES)
    assert number(rules, "MIN_YEARS") == pool_rules.MIN_YEARS
    assert number(rules, "MAX_YEARS") == pool_rules.MAX_YEARS
    assert number(rules, "MAX_SPECIALTIES") == specialties.MAX_PER_EXPERT
    assert number(rules, "MAX_PERIODS") == pool.MAX_PERIODS
    assert re.search(rf"export const FIRST_DAY = '{pool_rules.FIRST_DAY.isoformat()}'", rules)
    assert re.search(rf"export const LAST_DAY = '{pool_rules.LAST_DAY.isoformat()}'", rules)

    # The import's columns: every field in the server's order, its first (Chinese) and last (English)
    # names, and which are required.
    columns = re.findall(
        r"\{ field: '(\w+)', zh: '([^']+)', en: '(\w+)', required: (true|false) \}",
        rules.split("export const IMPORT_COLUMNS", 1)[1],
    )
    assert [(f, zh, en, req == "true") for f, zh, en, req in columns] == [
        (field, names[0], names[-1], field in pool_import.REQUIRED) for field, names in pool_import.COLUMNS.items()
    ]
