"""The award pages (issue 21) in real browsers, from the candidate publicity to the notices.

`bidding serve --demo` with a clock the test moves: the demo project NJ-2026-GC-0105 is in
evaluation (its opening closed, four bids decrypted). Its evaluation is carried to a final report
over the API (:mod:`tests.browser.steps.awards`); the server's own award watch (every minute at :29)
opens the lot's award and publishes the candidate publicity (条例 54). Then, in browsers:

* anyone, not logged in, reads the publicity on the project page (candidates in rank order with the
  price in words, the period, how to object), at desktop and phone width;
* the second candidate logs in with its certificate and raises an objection in its workspace, with
  a PDF attached, signed with its login key in the browser: the award is suspended;
* the agent answers it on the project's award page: the publicity runs on;
* the clock passes the publicity's close; the watch closes it (awaiting_choice); the tenderer
  chooses rank 1 (条例 55) and the agent sends the notices (法 45);
* the bidder sees its notice in its workspace and downloads the PDF, signed by the platform
  (valid in /api/verify/pdf); the project page shows the result.

Screenshots of the steps: tests/browser/artifacts/test_award_pages_in_the_browser/.
"""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from tests.browser.conftest import DESKTOP, PHONE, ClockedServer, StepShots, assert_no_horizontal_scroll, open_page
from tests.browser.steps.awards import final_report, public_award, wait_public
from tests.browser.steps.experts import demo_project
from tests.browser.steps.identity import demo_user, log_in

pytestmark = pytest.mark.slow

ACT_MS = 30_000  # an action's answer on a loaded machine (signing a PDF, a statement)


def accepting(page: Page) -> Page:
    """The page accepts the confirmations (object, answer, choose, send) as the person would."""
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def evidence_pdf() -> bytes:
    """The objection's attachment: a real one-page PDF."""
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.drawString(72, 760, "Objection evidence: the first candidate's project manager certificate")
    pdf.showPage()
    pdf.save()
    return out.getvalue()


def test_award_pages_in_the_browser(
    browser: Browser,
    clocked_server: ClockedServer,
    contexts: list[BrowserContext],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    srv = clocked_server
    shots = StepShots(request.node.name)
    errors: list[str] = []

    # The evaluation to its final report, over the API; the watch opens and publishes the award.
    done = final_report(srv, tmp_path)
    project, lot = done["project"], done["lot"]
    view = wait_public(srv, lot["id"], lambda v: v["state"] == "publicity" and v["publicity"] is not None)
    award_id = view["award_id"]
    candidates = sorted(view["candidates"], key=lambda c: c["rank"])
    assert [c["rank"] for c in candidates] == [1, 2, 3], candidates
    assert {c["bidder"] for c in candidates} <= set(done["bids"]), (candidates, done["bids"])

    # Anyone reads the publicity on the project page, at desktop and phone width.
    for size, extra in (("desktop", {}), ("phone", {"viewport": PHONE, "is_mobile": True, "has_touch": True})):
        public = open_page(browser, srv, contexts, errors, **extra)
        public.goto(f"/projects/{project['id']}")
        lot_award = public.get_by_test_id("public-lot-award")
        expect(lot_award).to_have_attribute("data-lot-id", lot["id"], timeout=ACT_MS)
        rows = lot_award.get_by_test_id("candidate")
        expect(rows).to_have_count(3)
        for row, c in zip(rows.all(), candidates, strict=True):
            expect(row).to_have_attribute("data-rank", str(c["rank"]))
            expect(row).to_contain_text(c["bidder"])
            expect(row).to_contain_text(c["price_uppercase"])
        expect(lot_award.get_by_test_id("public-open")).to_be_visible()
        expect(lot_award.get_by_test_id("public-how-to-object")).to_contain_text(
            view["publicity"]["how_to_object_zh"][:10]
        )
        expect(lot_award).to_contain_text(view["publicity"]["number"])
        lot_award.scroll_into_view_if_needed()
        shots.take(public, f"public-publicity-{size}")
        if size == "phone":
            assert_no_horizontal_scroll(public)

    # The publicity PDF the page links to, signed by the platform.
    href = lot_award.get_by_test_id("public-publicity-pdf").get_attribute("href")
    assert href, "no link to the publicity PDF"
    publicity_pdf = httpx.get(httpx.URL(srv.base).join(href), timeout=60)
    assert publicity_pdf.status_code == 200 and publicity_pdf.content.startswith(b"%PDF-"), publicity_pdf.text[:200]
    assert verify_pdf(srv, publicity_pdf.content)["verdict"] == "TOTAL_PASSED"

    # The second candidate (a demo bidder that decrypted its bid) objects in its workspace: text, a
    # PDF attached, signed with its login key in the browser.
    objector = next(
        u for u in srv.demo_identities() if u["role"] == "bidder" and u["organisation"] == candidates[1]["bidder"]
    )
    bidder = accepting(open_page(browser, srv, contexts, errors))
    log_in(bidder, objector)
    bidder.goto("/workspace/awards")
    row = bidder.locator(f"[data-testid=bidder-award-row][data-award-id='{award_id}']")
    expect(row).to_be_visible(timeout=ACT_MS)
    row.get_by_test_id("bidder-award-open").click()
    expect(bidder).to_have_url(f"{srv.base}/workspace/awards/{award_id}")
    expect(bidder.get_by_test_id("bidder-publicity").get_by_test_id("candidate")).to_have_count(3, timeout=ACT_MS)
    objection_text = "第一中标候选人项目经理的注册建造师证书有效期已届满，请核实其资格。"
    form = bidder.get_by_test_id("objection-form")
    form.get_by_test_id("objection-text-input").fill(objection_text)
    form.get_by_test_id("attachments-file").set_input_files(
        {"name": "证书查询截图.pdf", "mimeType": "application/pdf", "buffer": evidence_pdf()}
    )
    expect(form.get_by_test_id("attachment")).to_contain_text("证书查询截图.pdf", timeout=ACT_MS)
    form.get_by_test_id("objection-submit").click()
    expect(form.get_by_test_id("objection-done")).to_be_visible(timeout=ACT_MS)
    mine = bidder.get_by_test_id("objections-panel").get_by_test_id("objection")
    expect(mine).to_have_count(1, timeout=ACT_MS)
    expect(mine.get_by_test_id("objection-text")).to_have_text(objection_text)
    expect(mine.get_by_test_id("attachment-list")).to_contain_text("证书查询截图.pdf")
    shots.take(bidder, "bidder-objection-signed")
    at_phone_width(bidder, shots, "bidder-objection-signed-phone")
    assert public_award(srv, lot["id"])["state"] == "suspended"  # type: ignore[index]

    # The agent answers it on the project's award page; the publicity runs on.
    agent = accepting(open_page(browser, srv, contexts, errors))
    log_in(agent, demo_user(srv, "agent"))
    agent.goto(f"/awards/{award_id}")
    expect(agent.get_by_test_id("award-state").first).to_have_attribute("data-state", "suspended", timeout=ACT_MS)
    objection = agent.get_by_test_id("objections-panel").get_by_test_id("objection")
    expect(objection).to_have_attribute("data-answered", "false", timeout=ACT_MS)
    expect(objection.get_by_test_id("objection-text")).to_have_text(objection_text)
    answer = "经核实，该项目经理注册证书在投标截止日有效，延续注册已于开标前办理完毕，异议不成立。"
    objection.get_by_test_id("objection-answer-text").fill(answer)
    objection.get_by_test_id("objection-answer-send").click()
    expect(objection).to_have_attribute("data-answered", "true", timeout=ACT_MS)
    expect(objection.get_by_test_id("objection-answer")).to_have_text(answer)
    shots.take(agent, "agent-objection-answered")
    reopened = public_award(srv, lot["id"])
    assert reopened is not None and reopened["state"] == "publicity", reopened

    # The bidder reads the answer in its workspace.
    bidder.reload()
    expect(bidder.get_by_test_id("objection-answer")).to_have_text(answer, timeout=ACT_MS)

    # The clock passes the publicity's close; the watch moves the award to the choice.
    closes_at = datetime.fromisoformat(reopened["publicity"]["closes_at"])
    srv.advance((closes_at - srv.now()).total_seconds() + 60)
    wait_public(srv, lot["id"], lambda v: v["state"] == "awaiting_choice")

    # The tenderer chooses rank 1 (条例 55).
    tenderer = accepting(open_page(browser, srv, contexts, errors))
    log_in(tenderer, demo_user(srv, "tenderer"))
    tenderer.goto(f"/awards/{award_id}")
    choice = tenderer.get_by_test_id("choice-form")
    expect(choice).to_be_visible(timeout=ACT_MS)
    choice.get_by_test_id("choice-rank").select_option("1")
    choice.get_by_test_id("choice-submit").click()
    expect(tenderer.get_by_test_id("award-chosen-rank")).to_contain_text(candidates[0]["bidder"], timeout=ACT_MS)
    shots.take(tenderer, "tenderer-chose-rank-1")

    # The agent (its session expired with the clock's jump) sends the notices in one batch.
    log_in(agent, demo_user(srv, "agent"), import_p12=False)
    agent.goto(f"/awards/{award_id}")
    agent.get_by_test_id("notices-send").click()
    expect(agent.get_by_test_id("award-state").first).to_have_attribute("data-state", "awarded", timeout=ACT_MS)
    notices = agent.get_by_test_id("notices").get_by_test_id("notice")
    expect(notices).to_have_count(len(done["bids"]), timeout=ACT_MS)
    expect(agent.locator("[data-testid=notice][data-kind=award]")).to_have_count(1)
    shots.take(agent, "agent-notices-sent")
    at_phone_width(agent, shots, "agent-notices-sent-phone")

    # The bidder sees its notice in its workspace and downloads the platform-signed PDF.
    log_in(bidder, objector, import_p12=False)
    bidder.goto("/workspace/awards")
    notice = bidder.get_by_test_id("my-notice")
    expect(notice).to_have_count(1, timeout=ACT_MS)
    expect(notice).to_have_attribute("data-kind", "result")  # not the winner: the result notice
    expect(notice).to_have_class(re.compile(r"\bunread\b"))
    shots.take(bidder, "bidder-notice")
    with bidder.expect_download() as downloading:
        notice.get_by_test_id("my-notice-pdf").click()
    expect(notice).not_to_have_class(re.compile(r"\bunread\b"), timeout=ACT_MS)  # downloading marks it read
    pdf = Path(downloading.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF-"), pdf[:20]
    verdict = verify_pdf(srv, pdf)
    assert verdict["verdict"] == "TOTAL_PASSED", verdict

    # The project page shows the result; the project (one lot, awarded) is 已定标.
    assert demo_project(srv, project["code"])["phase"] == "awarded"
    public = open_page(browser, srv, contexts, errors)
    public.goto(f"/projects/{project['id']}")
    expect(public.get_by_test_id("public-winner")).to_contain_text(candidates[0]["bidder"], timeout=ACT_MS)
    public.get_by_test_id("public-lot-award").scroll_into_view_if_needed()
    shots.take(public, "public-result")
    assert not errors, errors


def at_phone_width(page: Page, shots: StepShots, step: str) -> None:
    """The same page at a phone's width: a screenshot, and nothing scrolls sideways."""
    page.set_viewport_size(PHONE)
    try:
        shots.take(page, step)
        assert_no_horizontal_scroll(page)
    finally:
        page.set_viewport_size(DESKTOP)


def verify_pdf(srv: ClockedServer, pdf: bytes) -> dict[str, Any]:
    r = httpx.post(f"{srv.base}/api/verify/pdf", content=pdf, headers={"Content-Type": "application/pdf"}, timeout=120)
    assert r.status_code == 200, r.text
    verdict: dict[str, Any] = r.json()
    return verdict
