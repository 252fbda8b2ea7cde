"""The expert draw's pages (issue 19) in a real browser against `bidding serve --demo` with an SMTP
server of the test's own: the demo agent opens 评标专家抽取 from the opened demo project (NJ-2026-FW-0104,
its opening record made), a bad committee (6 members) is refused in the page with nothing sent, a
good one (5 experts of a specialty from a region of five experts registered for the test) is
accepted, drawn at once and followed by its counts only — no name; a second request for the lot
shows the server's refusal with its code. The experts answer by the link of their e-mail on
/expert-invitations/:token without logging in (one on a phone, one in English; an answered link
says so). The supervisor opens the draw from the header: the exclusions with their reasons, the
seats by pseudonym, the verification; finalises; DRAW.json and how to verify it are shown; the
agent then sees the committee's names. The logged-in expert's own /expert (another opened project,
NJ-2026-GC-0105, its own specialty and region): one of five experts enrolled through the API logs in
with its certificate, sees the invitation (place, time, specialty; not the project), accepts it in
the app; the others accept by their links; on the day (the evaluation ~20 minutes ahead, still
today in China) the assignment is under evaluations with no other member named until the expert
signs in, which shows the five names; English; a phone; after a reload the names are asked for
again. Also pins the page's copies of the server's enums."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Request, expect

from tests.browser.conftest import (
    PHONE,
    Server,
    StepShots,
    assert_no_horizontal_scroll,
    mail_env,
    open_page,
    running_server,
)
from tests.browser.steps.experts import (
    CHINA,
    PROJECT,
    REGION,
    SPECIALTY,
    demo_project,
    draw_now,
    enrol_expert,
    evaluation_today,
    register_experts,
)
from tests.browser.steps.identity import demo_user, log_in
from tests.fixtures.smtp import SmtpServer

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
# The expert's own page (/expert) is tested on another opened project, specialty and region.
OWN_PROJECT = "NJ-2026-GC-0105"  # the demo's project in evaluation: opening record made, no draw
OWN_SPECIALTY = "C0202"
OWN_REGION = "320826"  # none of the demo's experts, nor the other test's, lives there
LINK = re.compile(r"https?://\S+?/expert-invitations/([A-Za-z0-9_-]{43})")


@pytest.fixture(scope="module")
def draw_server(frontend_dist: Path, tmp_path_factory: pytest.TempPathFactory, mailbox: SmtpServer) -> Iterator[Server]:
    env = mail_env(mailbox)
    with running_server(tmp_path_factory.mktemp("draws"), frontend_dist, env, ("--demo-opening-minutes", "0")) as srv:
        yield srv


def tokens(mailbox: SmtpServer, emails: list[str], timeout: float = 90) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while True:
        found: dict[str, str] = {}
        for address in emails:
            for mail in mailbox.to(address):
                body = mail.message.get_body(preferencelist=("plain",))
                match = LINK.search(body.get_content() if body is not None else "")
                if match:
                    found[address] = match.group(1)
        if len(found) == len(emails) or time.monotonic() > deadline:
            assert len(found) == len(emails), f"links for {sorted(found)} of {emails}"
            return found
        time.sleep(0.5)


def test_request_draw_answer_supervise(
    browser: Browser,
    draw_server: Server,
    mailbox: SmtpServer,
    contexts: list[BrowserContext],
    request: pytest.FixtureRequest,
) -> None:
    srv = draw_server
    shots = StepShots(request.node.name)
    errors: list[str] = []
    tag = secrets.token_hex(2).upper()
    experts = register_experts(srv, tag, 5)
    project = demo_project(srv)

    # The agent opens the draw page from the project.
    agent = open_page(browser, srv, contexts, errors)
    log_in(agent, demo_user(srv, "agent"))
    agent.goto(f"/agent/projects/{project['id']}")
    agent.get_by_test_id("agent-expert-draws").click()
    expect(agent).to_have_url(re.compile(rf"/agent/projects/{project['id']}/experts$"))
    expect(agent.get_by_test_id("draws-project")).to_contain_text(PROJECT)
    agent.get_by_test_id("draw-request-toggle").click()

    posted: list[str] = []

    def on_request(r: Request) -> None:
        if r.method == "POST" and "/api/expert-draws" in r.url:
            posted.append(r.url)

    agent.on("request", on_request)
    soon = (datetime.now(UTC) + timedelta(hours=8, minutes=20)).strftime("%Y-%m-%dT%H:%M")  # Beijing local
    form = agent.get_by_test_id("draw-request-form")
    expect(form.get_by_test_id("draw-lot")).to_be_checked()  # the one lot
    form.get_by_test_id("draw-evaluation-at").fill(soon)
    form.get_by_test_id("draw-place").fill("南京市公共资源交易中心第3评标室")
    form.get_by_test_id("draw-size").fill("6")
    form.get_by_test_id("draw-specialty-select").select_option(SPECIALTY)
    form.get_by_test_id("draw-specialty-add").click()
    line = form.locator(f"[data-testid=draw-specialty-line][data-code={SPECIALTY}]")
    line.get_by_test_id("draw-specialty-seats").fill("6")
    line.get_by_test_id("draw-specialty-backups").fill("0")
    form.get_by_test_id("draw-regions-included").fill(REGION)
    form.get_by_test_id("draw-request-submit").click()
    issues = form.get_by_test_id("draw-issues")
    expect(issues).to_contain_text("评标委员会成员人数应为单数")
    expect(issues.locator("[data-key='draws.problem.committee_size_even']")).to_have_count(1)
    assert posted == []
    shots.take(agent, "refused-in-page")

    # Fixed: 5 members, 5 seats — accepted by the server; drawn at once (the lead time allows).
    form.get_by_test_id("draw-size").fill("5")
    line.get_by_test_id("draw-specialty-seats").fill("5")
    form.get_by_test_id("draw-request-submit").click()
    expect(agent.get_by_test_id("draw-request-sent")).to_be_visible()
    card = agent.get_by_test_id("draw-card").first
    expect(card).to_have_attribute("data-status", "requested")
    expect(card.get_by_test_id("draw-cancel")).to_be_visible()
    card.get_by_test_id("draw-draw-now").click()
    expect(card).to_have_attribute("data-status", "inviting")
    counts = card.get_by_test_id("draw-counts")
    expect(counts).to_contain_text("已确认 0/5")
    expect(counts).to_have_attribute("data-pending", "5")
    expect(card.get_by_test_id("draw-live")).to_be_visible()
    expect(card.get_by_test_id("draw-draw-now")).to_have_count(0)
    expect(card.get_by_test_id("draw-committee-sealed")).to_be_visible()
    text = agent.locator("main").inner_text()
    assert not any(e["name"] in text or e["registry_no"] in text for e in experts)
    shots.take(agent, "inviting-counts-only")

    # A second request for the same lot: the server's refusal with its code.
    agent.get_by_test_id("draw-request-toggle").click()
    form.get_by_test_id("draw-evaluation-at").fill(soon)
    form.get_by_test_id("draw-place").fill("第4评标室")
    form.get_by_test_id("draw-specialty-select").select_option(SPECIALTY)
    form.get_by_test_id("draw-specialty-add").click()
    form.locator("[data-testid=draw-specialty-line]").get_by_test_id("draw-specialty-seats").fill("5")
    form.get_by_test_id("draw-request-submit").click()
    refused = form.get_by_test_id("draw-request-refused")
    expect(refused).to_contain_text("expert_draw_refused")
    agent.get_by_test_id("draw-request-toggle").click()

    # The experts answer by their e-mail's link, without logging in.
    links = tokens(mailbox, [e["email"] for e in experts])
    phone = open_page(browser, srv, contexts, errors, viewport=PHONE, is_mobile=True, has_touch=True)
    first = links[experts[0]["email"]]
    phone.goto(f"/expert-invitations/{first}")
    answer = phone.get_by_test_id("invitation-answer")
    expect(answer).to_have_attribute("data-state", "open")
    expect(answer.get_by_test_id("invitation-place")).to_contain_text("第3评标室")
    assert PROJECT not in phone.locator("main").inner_text()  # the project is not named
    assert_no_horizontal_scroll(phone)
    shots.take(phone, "answer-page-phone")
    phone.get_by_test_id("invitation-accept").click()
    expect(phone.get_by_test_id("invitation-answered-now")).to_contain_text("已接受")
    phone.reload()
    expect(phone.get_by_test_id("invitation-already")).to_contain_text("您已接受")
    expect(phone.get_by_test_id("invitation-accept")).to_have_count(0)
    phone.goto("/expert-invitations/" + "x" * 43)
    expect(phone.get_by_test_id("invitation-not-found")).to_be_visible()

    english = open_page(browser, srv, contexts, errors)
    english.goto(f"/expert-invitations/{links[experts[1]['email']]}")
    english.get_by_role("button", name="English").click()
    expect(english.get_by_test_id("invitation-answer")).to_contain_text("Answer by")
    english.get_by_test_id("invitation-accept").click()
    expect(english.get_by_test_id("invitation-answered-now")).to_contain_text("Accepted")
    shots.take(english, "answer-page-english")
    for e in experts[2:]:
        english.goto(f"/expert-invitations/{links[e['email']]}")
        english.get_by_test_id("invitation-accept").click()
        expect(english.get_by_test_id("invitation-answered-now")).to_be_visible()

    # The agent's page follows by itself: seated 5/5, complete.
    expect(card).to_have_attribute("data-status", "complete", timeout=30_000)
    expect(counts).to_contain_text("已确认 5/5")
    agent.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(agent)
    shots.take(agent, "complete-phone")

    # The supervisor: from the header to the draw; exclusions with reasons, seats by pseudonym, verified.
    sup = open_page(browser, srv, contexts, errors)
    log_in(sup, demo_user(srv, "supervisor"))
    sup.get_by_test_id("nav-expert-draws").click()
    expect(sup).to_have_url(re.compile(r"/supervision/expert-draws$"))
    draw_id = card.get_attribute("data-draw-id")
    sup.locator(f"[data-testid=supervision-draw-row][data-draw-id='{draw_id}']").get_by_test_id(
        "supervision-draw-open"
    ).click()
    expect(sup.get_by_test_id("supervision-verified")).to_have_attribute("data-verified", "true")
    expect(sup.get_by_test_id("supervision-pool-commitment")).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    outside = sup.locator("[data-testid=supervision-exclusion][data-reasons~=region_not_included]")
    expect(outside.first).to_contain_text("不在指定地区")
    shown = sup.locator("[data-testid=supervision-exclusion] .reason").all_inner_texts()
    assert shown and not any(re.fullmatch(r"[a-z_]+", r) for r in shown), shown  # every reason translated
    expect(sup.get_by_test_id("supervision-seat")).to_have_count(5)
    sup_text = sup.locator("main").inner_text()
    assert not any(e["name"] in sup_text for e in experts)  # seats by pseudonym
    shots.take(sup, "supervisor-detail")
    sup.once("dialog", lambda d: d.accept())
    sup.get_by_test_id("supervision-finalise").click()
    expect(sup.get_by_test_id("supervision-finalised")).to_be_visible()
    expect(sup.get_by_test_id("supervision-verify-how")).to_contain_text("bidding experts verify DRAW.json")
    with sup.expect_download() as download:
        sup.get_by_test_id("supervision-download").first.click()
    record = Path(download.value.path()).read_text()
    assert '"algorithm": "bidding-draw-v1"' in record or '"algorithm":"bidding-draw-v1"' in record
    sup.get_by_role("button", name="English").click()
    expect(sup.get_by_test_id("supervision-exclusions")).to_contain_text("Not in the regions asked for")
    sup.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(sup)
    shots.take(sup, "supervisor-final-english-phone")

    # Final: the agent may now read the names (条例 46).
    agent.get_by_test_id("draw-list-refresh").click()
    expect(card).to_have_attribute("data-status", "final")
    card.get_by_test_id("draw-committee-show").click()
    members = card.get_by_test_id("draw-committee-members")
    for e in experts:
        expect(members).to_contain_text(e["name"])
    shots.take(agent, "final-committee")
    assert not errors, errors


def test_the_expert_accepts_in_the_app_and_signs_in(
    browser: Browser,
    draw_server: Server,
    mailbox: SmtpServer,
    contexts: list[BrowserContext],
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> None:
    """The logged-in expert's /expert: the invitation (when, where, specialty; not the project),
    accepted in the app; on the day the assignment under evaluations, then sign-in shows the committee."""
    srv = draw_server
    shots = StepShots(request.node.name)
    errors: list[str] = []
    tag = secrets.token_hex(2).upper()
    experts = register_experts(srv, tag, 5, region=OWN_REGION, specialty=OWN_SPECIALTY)
    me, others = experts[0], experts[1:]
    identity = enrol_expert(srv, me, tmp_path)

    # The agent asks for a committee of the five, for the evaluation later today, and draws at once.
    project = demo_project(srv, OWN_PROJECT)
    lots = httpx.get(f"{srv.base}/api/public/projects/{project['id']}", timeout=30).json()["lots"]
    body = {
        "project_id": project["id"],
        "lot_ids": [lots[0]["id"]],
        "evaluation_at": evaluation_today().isoformat(),
        "place": "南京市公共资源交易中心第5评标室",
        "size": 5,
        "seats": {OWN_SPECIALTY: 5},
        "regions_included": [OWN_REGION],
    }
    drawn = draw_now(srv, body)
    assert drawn["status"] == "inviting", drawn

    # The expert logs in and opens /expert: the invitation, without the project; nothing to sign in to.
    page = open_page(browser, srv, contexts, errors)
    log_in(page, identity)
    page.goto("/expert")
    expect(page.get_by_test_id("expert-me-name")).to_have_text(me["name"])
    invitation = page.get_by_test_id("expert-invitation")
    expect(invitation).to_have_count(1)
    expect(invitation).to_have_attribute("data-status", "invited")
    expect(invitation.get_by_test_id("invitation-place")).to_have_text("南京市公共资源交易中心第5评标室")
    expect(invitation.get_by_test_id("invitation-specialty")).to_contain_text(f"{OWN_SPECIALTY} 运行维护服务")
    expect(invitation.get_by_test_id("invitation-time")).to_contain_text(
        (datetime.fromisoformat(body["evaluation_at"]) + CHINA).strftime("%H:%M")
    )
    expect(invitation.get_by_test_id("invitation-status")).to_have_text("待答复")
    expect(page.get_by_test_id("expert-evaluations-empty")).to_be_visible()
    text = page.locator("main").inner_text()
    assert OWN_PROJECT not in text and project["name"] not in text  # the project is not named yet
    shots.take(page, "invitation")

    # Accepted in the app: the assignment of today appears under evaluations, with the project.
    page.get_by_test_id("expert-invitation-accept").click()
    expect(invitation).to_have_attribute("data-status", "accepted")
    expect(invitation.get_by_test_id("invitation-status")).to_have_text("已接受")
    expect(invitation.get_by_test_id("expert-invitation-accept")).to_have_count(0)
    evaluation = page.get_by_test_id("expert-evaluation")
    expect(evaluation).to_have_count(1)
    expect(evaluation.get_by_test_id("expert-evaluation-project")).to_contain_text(OWN_PROJECT)

    # The other four accept by their e-mail's link.
    links = tokens(mailbox, [e["email"] for e in others])
    with httpx.Client(base_url=srv.base, timeout=30) as http:
        for e in others:
            r = http.post(f"/api/expert-invitations/{links[e['email']]}/answer", json={"answer": "accept"})
            assert r.status_code == 200, r.text

    # Before sign-in the page names nobody else of the committee.
    page.reload()
    expect(evaluation.get_by_test_id("expert-evaluation-sign-in")).to_be_visible()
    expect(evaluation.get_by_test_id("expert-evaluation-committee")).to_have_count(0)
    text = page.locator("main").inner_text()
    assert not any(e["name"] in text or e["registry_no"] in text for e in others), text
    shots.take(page, "before-sign-in")

    # Signed in: the committee's names, all five.
    evaluation.get_by_test_id("expert-evaluation-sign-in").click()
    expect(evaluation.get_by_test_id("expert-evaluation-signed-in")).to_contain_text("签到")
    expect(evaluation.get_by_test_id("expert-evaluation-sign-in")).to_have_count(0)
    members = evaluation.get_by_test_id("expert-evaluation-member")
    expect(members).to_have_count(5)
    committee = evaluation.get_by_test_id("expert-evaluation-committee")
    for e in experts:
        expect(committee).to_contain_text(e["name"])
    shots.take(page, "signed-in-committee")

    # In English, and on a phone without sideways scrolling.
    page.get_by_role("button", name="English").click()
    expect(page.get_by_test_id("expert-evaluations")).to_contain_text("Evaluations today")
    expect(evaluation.get_by_test_id("expert-evaluation-signed-in")).to_contain_text("Signed in at")
    expect(invitation.get_by_test_id("invitation-status")).to_have_text("Accepted")
    expect(committee).to_contain_text("The committee")
    page.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(page)
    shots.take(page, "signed-in-english-phone")

    # Another visit: signed in already (no second sign-in button); the names again on asking.
    page.reload()
    expect(evaluation.get_by_test_id("expert-evaluation-signed-in")).to_be_visible()
    expect(evaluation.get_by_test_id("expert-evaluation-sign-in")).to_have_count(0)
    expect(members).to_have_count(0)
    evaluation.get_by_test_id("expert-evaluation-show-committee").click()
    expect(members).to_have_count(5)
    expect(evaluation.get_by_test_id("expert-evaluation-show-committee")).to_have_count(0)
    assert not errors, errors


def test_the_pages_know_the_servers_enums() -> None:
    """The web app's copies of the draw's states, commands, seat values, exclusions and problems."""
    from bidding.experts.committee import (
        DEFAULT_MIN_SIZE_7_THRESHOLD_FEN,
        MAX_BACKUPS_PER_SPECIALTY,
        MAX_COMMITTEE_SIZE,
        MAX_SPECIALTIES,
        CommitteeProblem,
    )
    from bidding.experts.draw_states import COMMANDS, DRAW_FINAL, DrawRole, DrawStatus, SeatKind, SeatStatus
    from bidding.experts.eligibility import Exclusion

    api = (ROOT / "frontend" / "src" / "api" / "draws.ts").read_text("utf-8")
    rules = (ROOT / "frontend" / "src" / "views" / "draws" / "draws.ts").read_text("utf-8")

    def listed(name: str) -> list[str]:
        found = re.search(rf"export const {name} = \[([^\]]*)\]", api)
        assert found is not None, name
        return re.findall(r"'([a-z_]+)'", found.group(1))

    assert listed("DRAW_STATUSES") == [s.value for s in DrawStatus]
    assert set(listed("DRAW_FINAL")) == {s.value for s in DRAW_FINAL}
    assert listed("SEAT_STATUSES") == [s.value for s in SeatStatus]
    assert listed("SEAT_KINDS") == [k.value for k in SeatKind]
    assert listed("EXCLUSION_REASONS") == [e.value for e in Exclusion]
    assert listed("COMMITTEE_PROBLEMS") == [p.value for p in CommitteeProblem]
    table = re.search(r"export const DRAW_COMMANDS = \{(.*?)\} as const", api, re.S)
    assert table is not None
    page = {
        m.group(1): re.findall(r"'([a-z_]+)'", m.group(2)) for m in re.finditer(r"(\w+): \[([^\]]*)\]", table.group(1))
    }
    for command, states in page.items():
        roles, allowed_states = COMMANDS[command]
        assert DrawRole.REQUESTER in roles or DrawRole.SUPERVISOR in roles, command
        assert set(states) == {s.value for s in allowed_states}, command

    def const(name: str) -> int:
        found = re.search(rf"export const {name} = ([0-9_]+)", rules)
        assert found is not None, name
        return int(found.group(1).replace("_", ""))

    assert const("MAX_COMMITTEE_SIZE") == MAX_COMMITTEE_SIZE
    assert const("MAX_BACKUPS_PER_SPECIALTY") == MAX_BACKUPS_PER_SPECIALTY
    assert const("MAX_SPECIALTIES") == MAX_SPECIALTIES
    assert const("SEVEN_THRESHOLD_FEN") == DEFAULT_MIN_SIZE_7_THRESHOLD_FEN
