"""Objections to the candidates (异议; 条例 54; RULES c11, acceptance check 4; RULES d4): a bidder of the
lot objects during the publicity with a signed statement naming its attachments' digests; the award is
suspended until the tenderer or the agent answers (the answer reaches the objector); the last answer
resumes the publicity, or the choice once the publicity is over; an answer late is marked red once.
Wrong parties and bad inputs are refused with their codes."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bidding.audit.models import AuditEvent
from bidding.awards.attachments import MAX_ATTACHMENT_BYTES
from bidding.awards.models import Award, AwardObjection
from bidding.awards.objections import mark_overdue
from bidding.awards.publicity import close_due, publish_due
from bidding.awards.states import AwardState
from bidding.core.clock import ManualClock
from bidding.identity.models import Organization
from bidding.messaging.channels import ChannelKind
from bidding.messaging.models import Message
from tests.fixtures.awards import Awarding, award_in, log_in_again
from tests.fixtures.errors import assert_error
from tests.fixtures.evaluation import sign_statement
from tests.fixtures.parties import logged_in

# The same SQL on both profiles: run on PostgreSQL; test_awards_e2e takes a whole project through
# SQLite (tests/conftest.py, one_profile).
pytestmark = pytest.mark.one_profile("production")

EVIDENCE = b"%PDF-1.4\n% evidence of the objection\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


async def _award(platform: Any, award_id: str) -> Award:
    async with platform.sessions() as s:
        a = await s.get(Award, uuid.UUID(award_id))
        assert a is not None
        return a


async def _upload(
    client: httpx.AsyncClient, w: Awarding, headers: dict[str, str], data: bytes, name: str
) -> httpx.Response:
    return await client.put(
        f"/api/awards/{w.award_id}/attachments", params={"filename": name}, content=data, headers=headers
    )


async def _object(
    client: httpx.AsyncClient, w: Awarding, i: int, text: str, attachments: list[str] | None = None
) -> httpx.Response:
    body = {"text": text, "attachments": attachments or []}
    handed = await client.post(f"/api/awards/{w.award_id}/objections/statement", json=body, headers=w.bidder(i))
    assert handed.status_code == 200, handed.text
    signed = sign_statement(w.c.bidders[i][0], handed.json())
    return await client.post(f"/api/awards/{w.award_id}/objections", json=body | signed, headers=w.bidder(i))


async def test_an_objection_suspends_the_answer_resumes_and_a_late_answer_turns_red_once(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    w = await award_in(client, admin_headers, clock, live, platform)
    url = f"/api/awards/{w.award_id}/objections"
    # before the publicity nothing can be objected to
    early = await client.post(f"{url}/statement", json={"text": "异议"}, headers=w.bidder(1))
    assert_error(early, 409, "award_state")
    await publish_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked

    uploaded = await _upload(client, w, w.bidder(1), EVIDENCE, "证明材料.pdf")
    assert uploaded.status_code == 201, uploaded.text
    evidence = uploaded.json()
    assert evidence["content_type"] == "application/pdf"
    assert evidence["size"] == len(EVIDENCE)

    # wrong parties: a bidder not in the lot, an expert, the tenderer, the public
    _, outsider = await logged_in(client, admin_headers, "bidder")
    body = {"text": "第一名业绩造假", "attachments": [evidence["sha256"]]}
    assert_error(await client.post(f"{url}/statement", json=body, headers=outsider.headers), 403, "award_forbidden")
    assert_error(await client.post(f"{url}/statement", json=body, headers=w.c.members[0].headers), 403, "forbidden")
    assert_error(await client.post(f"{url}/statement", json=body, headers=w.p["tenderer"]), 403, "forbidden")
    assert (await client.post(f"{url}/statement", json=body)).status_code == 401
    assert_error(await _upload(client, w, outsider.headers, EVIDENCE, "x.pdf"), 403, "award_forbidden")

    raised = await _object(client, w, 1, "第一名业绩造假", [evidence["sha256"]])
    assert raised.status_code == 201, raised.text
    objection = raised.json()
    assert objection["attachments"] == [evidence]
    assert objection["answer"] is None
    assert objection["overdue"] is False
    a = await _award(platform, w.award_id)
    assert a.state is AwardState.SUSPENDED
    public = (await client.get(f"/api/public/awards/lots/{w.c.lot['id']}")).json()
    assert public["publicity"]["suspended"] is True
    assert "第一名业绩造假" not in str(public)  # the objection's text is not public

    # who reads: the project and the supervisor all, a bidder its own, nobody else
    for headers in (w.p["tenderer"], w.p["agent"], w.p["supervisor"], w.bidder(1)):
        listed = await client.get(url, headers=headers)
        assert listed.status_code == 200, listed.text
        assert [o["id"] for o in listed.json()] == [objection["id"]]
    assert (await client.get(url, headers=w.bidder(2))).json() == []
    assert_error(await client.get(url, headers=outsider.headers), 403, "award_forbidden")
    assert_error(await client.get(url, headers=w.c.members[0].headers), 403, "forbidden")
    assert (await client.get(url)).status_code == 401

    # a suspended award takes no closing, even after its 3 days
    assert a.publicity_closes_at is not None
    await close_due(platform, a.publicity_closes_at + timedelta(days=1))
    assert (await _award(platform, w.award_id)).state is AwardState.SUSPENDED

    # the answer: not by a bidder; by the agent; the award resumes; the objector is told
    answer_url = f"{url}/{objection['id']}/answer"
    assert_error(await client.post(answer_url, json={"answer": "x"}, headers=w.bidder(1)), 403, "forbidden")
    assert_error(
        await client.post(f"{url}/{uuid.uuid4()}/answer", json={"answer": "经核实"}, headers=w.p["agent"]),
        404,
        "objection_not_found",
    )
    # the objector gave an e-mail address: the answer goes there too
    async with platform.sessions() as s, s.begin():
        org = await s.get(Organization, uuid.UUID(objection["organization_id"]))
        assert org is not None
        org.contact_email = "objector@example.cn"
    answered = await client.post(answer_url, json={"answer": "经核实，业绩真实有效。"}, headers=w.p["agent"])
    assert answered.status_code == 200, answered.text
    assert answered.json()["answer"] == "经核实，业绩真实有效。"
    assert (await _award(platform, w.award_id)).state is AwardState.PUBLICITY
    again = await client.post(answer_url, json={"answer": "再次答复"}, headers=w.p["tenderer"])
    assert_error(again, 409, "award_state")  # nothing is suspended any more
    inbox = (await client.get("/api/me/messages", headers=w.bidder(1))).json()
    told = [m for m in inbox if m["purpose"] == "award.objection"]
    assert len(told) == 1
    assert "经核实，业绩真实有效。" in told[0]["body_zh"]
    async with platform.sessions() as s:
        mailed = (
            await s.scalars(
                select(Message).where(
                    Message.channel == ChannelKind.EMAIL, Message.reference == f"award-objection:{objection['id']}"
                )
            )
        ).all()
    assert [m.recipient for m in mailed] == ["objector@example.cn"]
    assert "经核实，业绩真实有效。" in mailed[0].body_zh
    assert not [
        m
        for m in (await client.get("/api/me/messages", headers=w.bidder(2))).json()
        if m["purpose"] == "award.objection"
    ]

    # a second objection, left unanswered: red once at its due time, not a second before
    second = await _object(client, w, 2, "第二名报价低于成本")
    assert second.status_code == 201, second.text
    assert (await _award(platform, w.award_id)).state is AwardState.SUSPENDED
    async with platform.sessions() as s:
        row = await s.get(AwardObjection, uuid.UUID(second.json()["id"]))
        assert row is not None
        answer_due_at = row.answer_due_at

    async def overdue_at() -> Any:
        async with platform.sessions() as s:
            return await s.scalar(
                select(AwardObjection.overdue_at).where(AwardObjection.id == uuid.UUID(second.json()["id"]))
            )

    await mark_overdue(platform, answer_due_at - timedelta(seconds=1))
    assert await overdue_at() is None
    clock.set(answer_due_at)
    await mark_overdue(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    assert await overdue_at() == answer_due_at
    await mark_overdue(platform, clock.now() + timedelta(hours=1))
    assert await overdue_at() == answer_due_at  # once
    async with platform.sessions() as s:
        red = await s.scalar(
            select(func.count()).where(
                AuditEvent.object_id == w.award_id, AuditEvent.action == "award.objection_overdue"
            )
        )
    assert red == 1
    await log_in_again(client, w.c)
    listed = (await client.get(url, headers=w.p["supervisor"])).json()
    overdue = {o["id"]: (o["overdue"], o["overdue_at"] is not None) for o in listed}
    assert overdue == {objection["id"]: (False, False), second.json()["id"]: (True, True)}

    # the publicity is over by now: the last answer moves the award to the choice
    late = await client.post(
        f"{url}/{second.json()['id']}/answer", json={"answer": "报价经核算不低于成本。"}, headers=w.p["tenderer"]
    )
    assert late.status_code == 200, late.text
    assert (await _award(platform, w.award_id)).state is AwardState.AWAITING_CHOICE


async def test_bad_objections_and_attachments_are_refused(
    client: httpx.AsyncClient, admin_headers: dict[str, str], clock: ManualClock, live: str, platform: Any
) -> None:
    w = await award_in(client, admin_headers, clock, live, platform)
    await publish_due(
        platform, clock.now()
    )  # the steps are global and the in-process cron runs them too: the state is checked
    url = f"/api/awards/{w.award_id}/objections"

    # attachments: oversize, not an allowed kind, empty; an OFD is a ZIP named .ofd
    too_big = await _upload(client, w, w.bidder(0), b"%PDF-" + b"0" * MAX_ATTACHMENT_BYTES, "big.pdf")
    assert too_big.status_code == 413, too_big.text
    assert_error(await _upload(client, w, w.bidder(0), b"<html>not a pdf</html>", "x.pdf"), 415, "attachment_type")
    assert (await _upload(client, w, w.bidder(0), b"", "x.pdf")).status_code == 400
    packed = io.BytesIO()
    with zipfile.ZipFile(packed, "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD/>")
    ofd = await _upload(client, w, w.bidder(0), packed.getvalue(), "证明.ofd")
    assert ofd.status_code == 201, ofd.text
    assert ofd.json()["content_type"] == "application/ofd"
    digest = ofd.json()["sha256"]

    # the statement: empty text, an unknown or repeated digest, too many
    for text in ("", "   "):
        refused = await client.post(f"{url}/statement", json={"text": text}, headers=w.bidder(0))
        assert refused.status_code == 400, refused.text
    unknown = {"text": "异议", "attachments": ["0" * 64]}
    assert_error(await client.post(f"{url}/statement", json=unknown, headers=w.bidder(0)), 422, "attachment_unknown")
    twice = {"text": "异议", "attachments": [digest, digest]}
    assert_error(await client.post(f"{url}/statement", json=twice, headers=w.bidder(0)), 422, "attachment_repeated")
    many = {"text": "异议", "attachments": [f"{n:064x}" for n in range(11)]}
    assert (await client.post(f"{url}/statement", json=many, headers=w.bidder(0))).status_code == 400

    body = {"text": "第三名资格不符", "attachments": [digest]}
    handed = (await client.post(f"{url}/statement", json=body, headers=w.bidder(0))).json()
    assert digest in handed["text"]
    # unsigned (a signature of nothing), forged (another bidder's key), the text changed after signing
    junk = {"statement": handed, "signature": "A" * 88, "algorithm": "ecdsa-p256-sha256"}
    assert_error(await client.post(url, json=body | junk, headers=w.bidder(0)), 422, "objection_signature_invalid")
    forged = sign_statement(w.c.bidders[1][0], handed)
    assert_error(await client.post(url, json=body | forged, headers=w.bidder(0)), 422, "objection_signature_invalid")
    signed = sign_statement(w.c.bidders[0][0], handed)
    changed = body | {"text": "第三名资格不符，另有其他问题"}
    assert_error(await client.post(url, json=changed | signed, headers=w.bidder(0)), 422, "objection_statement_invalid")
    without = body | {"attachments": []}
    assert_error(await client.post(url, json=without | signed, headers=w.bidder(0)), 422, "objection_statement_invalid")
    # another bidder posting the first one's signed statement
    assert_error(await client.post(url, json=body | signed, headers=w.bidder(1)), 403, "forbidden")
    async with platform.sessions() as s:
        kept = select(func.count()).where(AwardObjection.award_id == uuid.UUID(w.award_id))
        assert await s.scalar(kept) == 0
    assert (await _award(platform, w.award_id)).state is AwardState.PUBLICITY

    # at the close instant, before the watch closes it: outside the publicity
    a = await _award(platform, w.award_id)
    assert a.publicity_closes_at is not None
    clock.set(a.publicity_closes_at)
    await log_in_again(client, w.c)
    late = await client.post(f"{url}/statement", json={"text": "迟到的异议"}, headers=w.bidder(0))
    assert_error(late, 422, "objection_outside_publicity")
