"""A whole evaluation in real browsers after a real opening (issue 20's acceptance test).

`bidding serve --demo` plays the opening of NJ-2026-GC-0105 (a works lot: five bids, four
decrypted, the record signed and published) and publishes its criteria with the documents. Seven
experts registered for the test are enrolled (PKCS#12); the demo agent asks for a committee of five
with two backups for today and draws it at once. Then, each expert in a browser profile of their own:
they log in with their certificate, accept the invitation on /expert and enter the evaluation; four
sign the declaration, the fifth declares a conflict and is recused; the backup invited in their place
accepts, enters and declares in a sixth profile; the five elect a chair; every member judges every bid
on every checklist item (three fail the same bid on the qualification item, which the committee
therefore rejects); one member reads a bid's PDF (watermarked with their name) and asks the bidder a
question, which the bidder answers and signs in its workspace; every member enters and submits a
score sheet; the chair drafts the report; every member signs it in the browser by remote signing;
the final report validates in `pdfsig` and in the platform's validation. Screenshots of the steps
land in tests/browser/artifacts/test_a_whole_evaluation_in_the_browser/.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from bidding.client.identity import load_pkcs12_identity
from bidding.client.session import login
from tests.browser.conftest import Server, StepShots, mail_env, open_page, running_server
from tests.browser.steps.experts import demo_project, draw_now, enrol_expert, evaluation_today, register_experts
from tests.browser.steps.identity import demo_user, log_in
from tests.fixtures.smtp import SmtpServer

pytestmark = pytest.mark.slow

PROJECT = "NJ-2026-GC-0105"  # the demo's project in evaluation: its opening closed, four bids decrypted
SPECIALTY = "A0101"
REGION = "320831"  # none of the demo's experts lives there
SLOW_MS = 90_000  # the report is rendered and signed by the platform; each signature adds a version
ACT_MS = 20_000  # an action's answer on a loaded CI machine (two cores, the suite in parallel)


@pytest.fixture(scope="module")
def eval_server(frontend_dist: Path, tmp_path_factory: pytest.TempPathFactory, mailbox: SmtpServer) -> Iterator[Server]:
    env = mail_env(mailbox)
    with running_server(
        tmp_path_factory.mktemp("evaluation"), frontend_dist, env, ("--demo-opening-minutes", "0")
    ) as srv:
        yield srv


def accepting(page: Page) -> Page:
    """The page accepts the confirmations (submit, sign, recuse) as the member would."""
    page.on("dialog", lambda dialog: dialog.accept())
    return page


def api_headers(srv: Server, identity: dict[str, Any]) -> dict[str, str]:
    """A logged-in session of ``identity`` for reading what the test must know (ids, invitations)."""
    holder = load_pkcs12_identity(Path(identity["p12"]), identity["passphrase"].encode())

    async def go() -> dict[str, str]:
        async with httpx.AsyncClient(base_url=srv.base, timeout=30) as http:
            return (await login(http, holder, audience=srv.base)).headers

    with ThreadPoolExecutor(1) as pool:  # Playwright's sync API holds this thread's event loop
        return pool.submit(asyncio.run, go()).result()


def invited(srv: Server, identity: dict[str, Any]) -> str | None:
    """The seat of the expert's open invitation, if any."""
    with httpx.Client(base_url=srv.base, timeout=30, headers=api_headers(srv, identity)) as http:
        found = [i for i in http.get("/api/expert/invitations").json() if i["status"] == "invited"]
    return found[0]["seat_id"] if found else None


def enter(page: Page, identity: dict[str, Any], lot_id: str) -> None:
    """Log in, accept the invitation on /expert, and enter the lot's evaluation."""
    log_in(page, identity)
    page.goto("/expert")
    page.get_by_test_id("expert-invitation-accept").click()
    expect(page.get_by_test_id("expert-invitation")).to_have_attribute("data-status", "accepted", timeout=ACT_MS)
    page.get_by_test_id(f"enter-evaluation-{lot_id}").click()
    expect(page.get_by_test_id("evaluation-room")).to_be_visible(timeout=ACT_MS)
    expect(page.get_by_test_id("evaluation-my-status")).to_have_attribute("data-status", "signed_in", timeout=ACT_MS)


def wait_state(page: Page, state: str, timeout: float = 60_000) -> None:
    room = page.get_by_test_id("evaluation-room")
    if room.get_attribute("data-state") != state:
        page.get_by_test_id("evaluation-refresh").click()
    expect(room).to_have_attribute("data-state", state, timeout=timeout)


def test_a_whole_evaluation_in_the_browser(
    browser: Browser,
    eval_server: Server,
    contexts: list[BrowserContext],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    srv = eval_server
    shots = StepShots(request.node.name)
    errors: list[str] = []

    # Seven experts of the test's own region, enrolled; a committee of five with two backups, today.
    experts = register_experts(srv, "EV", 7, region=REGION, specialty=SPECIALTY)
    identities = []
    for i, e in enumerate(experts):
        folder = tmp_path / f"expert{i}"
        folder.mkdir()
        identities.append(enrol_expert(srv, e, folder) | {"name": e["name"]})
    project = demo_project(srv, PROJECT)
    lot_id = httpx.get(f"{srv.base}/api/public/projects/{project['id']}", timeout=30).json()["lots"][0]["id"]
    drawn = draw_now(
        srv,
        {
            "project_id": project["id"],
            "lot_ids": [lot_id],
            "evaluation_at": evaluation_today().isoformat(),
            "place": "南京市公共资源交易中心第2评标室",
            "size": 5,
            "seats": {SPECIALTY: 5},
            "backups": {SPECIALTY: 2},
            "regions_included": [REGION],
        },
    )
    assert drawn["status"] == "inviting", drawn
    seated = [x for x in identities if invited(srv, x)]
    reserve = [x for x in identities if x not in seated]
    assert len(seated) == 5 and len(reserve) == 2

    # The five log in with their certificates, accept on /expert and enter the evaluation.
    pages = []
    for identity in seated:
        page = accepting(open_page(browser, srv, contexts, errors))
        enter(page, identity, lot_id)
        pages.append(page)
    ev = pages[0].url.rstrip("/").split("/")[-1]
    shots.take(pages[0], "entered")

    # Four sign the declaration; the fifth declares a conflict and is recused.
    for page in pages[:4]:
        page.get_by_test_id("declare-no-conflict").click()
        expect(page.get_by_test_id("evaluation-my-status")).to_have_attribute("data-status", "sitting", timeout=ACT_MS)
    leaving = pages[4]
    leaving.get_by_test_id("declare-conflict-open").click()
    leaving.get_by_test_id("conflict-text").fill("本人近三年曾在投标人处任职，申请回避。")
    leaving.get_by_test_id("declare-conflict").click()
    expect(leaving.get_by_test_id("evaluation-recused")).to_be_visible(timeout=ACT_MS)
    shots.take(leaving, "recused")

    # The next backup is invited in their place: accepts, enters and declares in a profile of their own.
    backup = next(x for x in reserve if invited(srv, x))
    page = accepting(open_page(browser, srv, contexts, errors))
    enter(page, backup, lot_id)
    page.get_by_test_id("declare-no-conflict").click()
    expect(page.get_by_test_id("evaluation-my-status")).to_have_attribute("data-status", "sitting", timeout=ACT_MS)
    committee = [*pages[:4], page]
    members = [*seated[:4], backup]

    # The five elect the first as chair: the committee is complete, the preliminary review opens.
    with httpx.Client(base_url=srv.base, timeout=30, headers=api_headers(srv, members[0])) as http:
        room = http.get(f"/api/evaluations/{ev}").json()
    chair_id = room["me"]["member_id"]
    for page in committee:
        page.get_by_test_id("evaluation-refresh").click()
        page.get_by_test_id(f"vote-{chair_id}").click()
    for page in committee:
        wait_state(page, "preliminary")
    chair = committee[0]
    expect(chair.get_by_test_id("evaluation-room")).to_have_attribute("data-chair", "true", timeout=ACT_MS)
    assert sorted(m["status"] for m in chair_room(srv, members[0], ev)["members"]) == ["recused"] + ["sitting"] * 5

    bids = {b["bidder_name"]: b["bid_id"] for b in room["bids"]}
    assert len(bids) == 4, bids
    rejected = bids[demo_user(srv, "bidder4")["organisation"]]
    asked = bids[demo_user(srv, "bidder1")["organisation"]]
    items = room["criteria"]["checklist"]

    # A member reads a bid: the files of its body, the PDF shown with the member's name as watermark.
    reader = committee[1]
    reader.get_by_test_id(f"bid-files-{asked}").click()
    expect(reader.get_by_test_id(f"bid-files-list-{asked}")).to_be_visible(timeout=ACT_MS)
    reader.get_by_test_id(f"file-{asked}-0").click()
    expect(reader.get_by_test_id("file-viewer")).to_be_visible(timeout=ACT_MS)
    expect(reader.get_by_test_id("watermark").first).to_contain_text(members[1]["name"], timeout=ACT_MS)
    shots.take(reader, "bid-pdf-watermarked")
    reader.get_by_test_id("file-viewer-close").click()

    # The preliminary review: three members fail bidder 4's bid on the qualification item.
    for n, page in enumerate(committee):
        for bid_id in bids.values():
            for i in range(len(items)):
                fail = bid_id == rejected and i == 1 and n < 3
                page.get_by_test_id(f"judge-{bid_id}-{i}-{'fail' if fail else 'pass'}").click()
                if fail:
                    page.get_by_test_id(f"judge-reason-{bid_id}-{i}").fill("未提供有效的施工总承包资质证书。")
        page.get_by_test_id("submit-judgements").click()
        # Submitted; the last one's submission concludes the review and the room moves on.
        detailed = page.locator("[data-testid=evaluation-room][data-state=detailed]")
        expect(page.get_by_test_id("checklist-submitted").or_(detailed)).to_be_visible(timeout=ACT_MS)
    shots.take(chair, "preliminary-submitted")
    for page in committee:
        wait_state(page, "detailed")
    expect(chair.get_by_test_id(f"bid-review-{rejected}")).to_contain_text("否决", timeout=ACT_MS)

    # A member asks bidder 1 in writing; the bidder answers and signs in its workspace.
    asker = committee[2]
    asker.get_by_test_id("clarify-bid").select_option(asked)
    asker.get_by_test_id("clarify-question").fill("请说明贵方投标文件中主要施工机械设备的来源（自有或租赁）。")
    asker.get_by_test_id("ask-clarification").click()
    expect(asker.locator("[data-testid^=clarification-][data-status=open]")).to_have_count(1, timeout=ACT_MS)
    bidder = accepting(open_page(browser, srv, contexts, errors))
    log_in(bidder, demo_user(srv, "bidder1"))
    bidder.goto("/workspace")
    item = bidder.get_by_test_id("clar-item")
    expect(item).to_have_count(1, timeout=ACT_MS)
    expect(item.get_by_test_id("clar-question")).to_contain_text("主要施工机械设备", timeout=ACT_MS)
    item.get_by_test_id("clar-answer-input").fill("主要施工机械均为我公司自有设备，清单见投标文件第六章。")
    item.get_by_test_id("clar-sign").click()
    expect(bidder.get_by_test_id("clar-signed")).to_be_visible(timeout=ACT_MS)
    shots.take(bidder, "clarification-answered")
    asker.get_by_test_id("clarifications-refresh").click()
    expect(asker.locator("[data-testid^=clarification-][data-status=answered]")).to_have_count(1, timeout=ACT_MS)

    # The detailed review: each member scores the three bids that passed, on their own.
    scored = [b for b in bids.values() if b != rejected]
    subjective = [i for i, s in enumerate(room["criteria"]["scoring_items"]) if s["scorer"] == "each_expert"]
    for n, page in enumerate(committee):
        page.get_by_test_id("evaluation-refresh").click()
        for k, bid_id in enumerate(scored):
            for i in subjective:
                page.get_by_test_id(f"score-{bid_id}-{i}").fill(str(20 - k - (n % 3)))
        page.get_by_test_id("submit-sheet").click()
        expect(page.get_by_test_id("sheet-submitted")).to_be_visible(timeout=ACT_MS)
    shots.take(chair, "sheets-submitted")

    # The chair drafts the report; every member signs it in the browser.
    chair.get_by_test_id("evaluation-refresh").click()
    chair.get_by_test_id("draft-report").click()
    wait_state(chair, "reporting", SLOW_MS)
    for page in committee:
        wait_state(page, "reporting")
        page.get_by_test_id("sign-report").click()
        # Signed; the last signature makes the report final.
        expect(page.get_by_test_id("report-signed").or_(page.get_by_test_id("report-final"))).to_be_visible(
            timeout=SLOW_MS
        )
    for page in committee:
        wait_state(page, "final", SLOW_MS)
    expect(chair.get_by_test_id("report-final")).to_be_visible(timeout=ACT_MS)
    shots.take(chair, "report-final")

    # The final report: the platform's signature and the five members', valid in pdfsig and here.
    supervisor = api_headers(srv, demo_user(srv, "supervisor"))
    with httpx.Client(base_url=srv.base, timeout=60, headers=supervisor) as http:
        pdf = http.get(f"/api/evaluations/{ev}/report.pdf")
        assert pdf.status_code == 200, pdf.text
        verdict = http.post("/api/verify/pdf", content=pdf.content, headers={"Content-Type": "application/pdf"}).json()
        status = http.get(f"/api/evaluations/{ev}/report").json()
    assert verdict["verdict"] == "TOTAL_PASSED", verdict
    assert [s["kind"] for s in verdict["signatures"]].count("signature") == 6
    assert sorted(s["outcome"] for s in status["signatures"]) == ["signed"] * 5
    if shutil.which("pdfsig"):
        path = tmp_path / "report.pdf"
        path.write_bytes(pdf.content)
        out = subprocess.run(["pdfsig", "-nocert", str(path)], capture_output=True, text=True, check=False).stdout
        assert out.count("Signature is Valid.") == 6, out
    assert not errors, errors


def chair_room(srv: Server, identity: dict[str, Any], ev: str) -> dict[str, Any]:
    with httpx.Client(base_url=srv.base, timeout=30, headers=api_headers(srv, identity)) as http:
        room: dict[str, Any] = http.get(f"/api/evaluations/{ev}").json()
    return room
