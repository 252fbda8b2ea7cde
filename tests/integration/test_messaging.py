"""Notices and answers over real protocols, on both profiles (docs/messaging.md).

The platform's own code end to end: a capability's call (``queue_message`` in a transaction, then
``dispatch``) → the in-process worker's delivery job → a local SMTP server (aiosmtpd) or the local fake
of Aliyun's SMS/voice API over HTTP, which checks every request's signature as the real one does →
the provider's pushes (replies, keypresses, reports) signed and POSTed to the platform's callbacks →
the handler registered for the notice's purpose. Nothing of ours is replaced: the test's reply
handler is one more capability, registered the way the composition root registers them.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import select, update

from bidding.audit.models import AuditEvent
from bidding.core.actor import Actor
from bidding.core.clock import ManualClock
from bidding.core.errors import Conflict
from bidding.messaging.channels import Attachment, ChannelKind, Notice, Text
from bidding.messaging.delivery import deliver, sweep
from bidding.messaging.models import Message, MessageReply
from bidding.messaging.replies import Answer
from bidding.messaging.service import QueuedMessage, dispatch, queue_message
from bidding.messaging.states import MessageStatus, ReplyOutcome
from tests.fixtures.errors import assert_error
from tests.fixtures.parties import logged_in_parties
from tests.fixtures.sms_provider import CALLBACK_SECRET, FakeAliyun
from tests.fixtures.smtp import SMTP_USER, SmtpServer

POLL = {"1": "accept", "2": "decline", "Y": "accept", "N": "decline", "接受": "accept", "拒绝": "decline"}


def new_mobile() -> str:
    """A fresh number per test: replies are matched by sender, and the session's database is shared."""
    return "139" + "".join(secrets.choice("0123456789") for _ in range(8))


def notice(channel: ChannelKind, recipient: str, **changes: Any) -> Notice:
    values: dict[str, Any] = {
        "channel": channel,
        "recipient": recipient,
        "purpose": "test.notice",
        "reference": f"test:{uuid.uuid4()}",
        "subject": Text("开标结果通知：南京某道路工程", "Opening result: a road in Nanjing"),
        "body": Text(
            "贵单位参与的项目已开标。\n请登录平台查看。", "The project you bid for was opened.\nLog in to see it."
        ),
        "params": {"project": "南京某道路工程", "code": "NJ-2026-001"},
    }
    values.update(changes)
    return Notice(**values)


async def queue(platform: Any, n: Notice, *, reply_within: timedelta | None = None, send: bool = True) -> QueuedMessage:
    """As a capability does: record the notice in its transaction, dispatch it after the commit."""
    async with platform.sessions() as session, session.begin():
        queued = await queue_message(session, platform, n, actor=Actor("test:messaging"), reply_within=reply_within)
    if send:
        await dispatch(platform, [queued])
    return queued


async def row(platform: Any, message_id: uuid.UUID) -> Message:
    async with platform.sessions() as session:
        message = await session.get(Message, message_id)
    assert message is not None
    return message


async def until(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 15) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not within {timeout} s: {what}")
        await asyncio.sleep(0.05)


async def settled(platform: Any, message_id: uuid.UUID, *statuses: MessageStatus) -> Message:
    """The message once it is in one of ``statuses`` (the worker runs beside the test)."""
    wanted = statuses or (MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED)

    async def done() -> bool:
        return (await row(platform, message_id)).status in wanted

    await until(done, f"message {message_id} in {[s.value for s in wanted]}")
    return await row(platform, message_id)


async def trail(platform: Any, message_id: uuid.UUID) -> list[AuditEvent]:
    async with platform.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.object_type == "message", AuditEvent.object_id == str(message_id))
                    .order_by(AuditEvent.id)
                )
            ).all()
        )


async def replies_to(platform: Any, message_id: uuid.UUID) -> list[MessageReply]:
    async with platform.sessions() as session:
        return list(
            (
                await session.scalars(
                    select(MessageReply).where(MessageReply.message_id == message_id).order_by(MessageReply.id)
                )
            ).all()
        )


@dataclass(frozen=True)
class Heard:
    message_id: uuid.UUID
    reference: str
    channel: ChannelKind
    choice: str
    content: str
    actor: str


@pytest.fixture
def answers(app: Litestar, mailbox: SmtpServer) -> Iterator[list[Heard]]:
    """A capability's reply handler for ``test.poll``, in the app's registry for the test: it keeps what
    it hears, refuses an answer to a closed poll, and thanks by e-mail who accepts a ``…:thanks`` poll."""
    heard: list[Heard] = []

    async def on_answer(answer: Answer) -> None:
        if answer.reference.endswith(":closed"):
            raise Conflict("the poll is closed", "投票已结束")
        heard.append(
            Heard(answer.message_id, answer.reference, answer.channel, answer.choice, answer.content, answer.actor.id)
        )
        if answer.reference.endswith(":thanks") and answer.choice == "accept":
            await answer.queue(notice(ChannelKind.EMAIL, "thanks@example.cn", subject=Text("感谢接受邀请")))

    previous = app.state.reply_handlers
    app.state.reply_handlers = previous.with_handler("test.poll", on_answer)
    yield heard
    app.state.reply_handlers = previous


# --------------------------------------------------------------------------- e-mail


async def test_an_email_is_delivered_over_smtp_with_its_headers(platform: Any, mailbox: SmtpServer) -> None:
    queued = await queue(platform, notice(ChannelKind.EMAIL, "Zhang.San@Example.CN"))
    (received,) = await mailbox.wait_for("Zhang.San@example.cn")
    message = await settled(platform, queued.id)
    assert message.status is MessageStatus.SENT and message.attempts == 1 and message.provider == "smtp"

    assert received.user == SMTP_USER  # AUTH (RFC 4954) with the URL's user and percent-decoded password
    assert received.mail_from == "noreply@ggzy.example.cn"
    mail = received.message
    assert mail["Subject"] == "开标结果通知：南京某道路工程 / Opening result: a road in Nanjing"
    assert mail["From"].addresses[0].display_name == "电子招投标平台"
    assert mail["To"] == "Zhang.San@example.cn"
    assert mail["Message-ID"] == message.provider_message_id == f"<{queued.id}@ggzy.example.cn>"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert received.data.split(b"\r\n\r\n", 1)[0].isascii()  # headers as RFC 2047 encoded words
    text = mail.get_body(("plain",)).get_content()
    assert "贵单位参与的项目已开标。" in text and "The project you bid for was opened." in text

    events = await trail(platform, queued.id)
    assert [e.action for e in events] == ["message.queued", "message.sent"]
    assert events[1].details["recipient"] == "Z***@example.cn"
    assert "Zhang.San" not in str([e.details for e in events])


async def test_an_email_carries_a_stored_pdf(platform: Any, mailbox: SmtpServer) -> None:
    pdf = b"%PDF-1.7\n% award notice\n%%EOF\n"
    key = f"test/messaging/{uuid.uuid4()}.pdf"

    async def chunks() -> AsyncIterator[bytes]:
        yield pdf

    await platform.store.put(key, chunks(), content_type="application/pdf")
    attachment = Attachment("中标通知书.pdf", "application/pdf", key)
    await queue(platform, notice(ChannelKind.EMAIL, "winner@example.cn", attachments=(attachment,)))
    (received,) = await mailbox.wait_for("winner@example.cn")
    (part,) = list(received.message.iter_attachments())
    assert part.get_filename() == "中标通知书.pdf" and part.get_content() == pdf


async def test_a_transient_smtp_refusal_is_retried_and_a_permanent_one_fails_at_once(
    platform: Any, mailbox: SmtpServer
) -> None:
    mailbox.refuse_next("451 4.3.0 Mail server temporarily rejected message")
    queued = await queue(platform, notice(ChannelKind.EMAIL, "retry@example.cn"))
    await mailbox.wait_for("retry@example.cn")
    message = await settled(platform, queued.id, MessageStatus.SENT)
    assert message.attempts == 2 and message.last_error is None
    actions = [e.action for e in await trail(platform, queued.id)]
    assert actions == ["message.queued", "message.retry", "message.sent"]

    mailbox.refuse_next("550 5.1.1 User unknown")
    queued = await queue(platform, notice(ChannelKind.EMAIL, "nobody@example.cn"))
    message = await settled(platform, queued.id, MessageStatus.FAILED)
    assert message.attempts == 1 and "550" in (message.last_error or "")
    failed = (await trail(platform, queued.id))[-1]
    assert failed.action == "message.failed" and failed.details["retryable"] is False


# --------------------------------------------------------------------------- SMS and voice


async def test_an_sms_goes_through_the_provider_and_its_report_marks_it_delivered(
    client: httpx.AsyncClient, platform: Any, provider: FakeAliyun
) -> None:
    mobile = new_mobile()
    queued = await queue(platform, notice(ChannelKind.SMS, f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}"))
    message = await settled(platform, queued.id)
    assert message.status is MessageStatus.SENT, message.last_error
    assert provider.refused == []  # the fake checked the RPC signature, key, time and nonce
    (sms,) = provider.sms_to(mobile)
    assert (sms.template, sms.sign_name, sms.out_id) == ("SMS_100001", "电子招投标平台", message.out_id)
    assert sms.params == {"project": "南京某道路工程", "code": "NJ-2026-001"}
    assert message.provider == "aliyun" and message.provider_message_id == sms.biz_id

    pushed = await provider.report_sms(client, sms, delivered=True)
    assert pushed.status_code == 200, pushed.text
    assert pushed.json()["code"] == 0 and pushed.json()["reports"] == 1
    delivered = await row(platform, queued.id)
    assert delivered.status is MessageStatus.DELIVERED and delivered.delivered_at is not None
    assert [e.action for e in await trail(platform, queued.id)][-1] == "message.delivered"
    # The same report again changes nothing.
    assert (await provider.report_sms(client, sms, delivered=False)).json()["reports"] == 0
    assert (await row(platform, queued.id)).status is MessageStatus.DELIVERED


async def test_a_provider_failure_is_retried_with_backoff_then_succeeds(platform: Any, provider: FakeAliyun) -> None:
    provider.fail_next((500, "isp.SYSTEM_ERROR"), (200, "isv.BUSINESS_LIMIT_CONTROL"))
    mobile = new_mobile()
    queued = await queue(platform, notice(ChannelKind.SMS, mobile))
    message = await settled(platform, queued.id, MessageStatus.SENT)
    assert message.attempts == 3 and len(provider.sms_to(mobile)) == 1
    events = await trail(platform, queued.id)
    assert [e.action for e in events] == ["message.queued", "message.retry", "message.retry", "message.sent"]
    assert events[1].details["code"] == "isp.SYSTEM_ERROR" and events[2].details["code"] == "isv.BUSINESS_LIMIT_CONTROL"
    # Backoff: the second wait (0.4 s) is twice the first (0.2 s, BIDDING_MESSAGE_RETRY_SECONDS).
    first, second = (e.details["next_attempt_at"] for e in events[1:3])
    assert first < second


async def test_attempts_stop_at_the_limit_and_a_permanent_refusal_is_not_retried(
    platform: Any, provider: FakeAliyun
) -> None:
    provider.fail_next(*[(503, "ServiceUnavailable")] * 3)  # BIDDING_MESSAGE_MAX_ATTEMPTS=3 in the tests
    queued = await queue(platform, notice(ChannelKind.SMS, new_mobile()))
    message = await settled(platform, queued.id, MessageStatus.FAILED)
    assert message.attempts == 3 and "ServiceUnavailable" in (message.last_error or "")

    # No template configured for the purpose: refused before the provider is asked.
    queued = await queue(platform, notice(ChannelKind.SMS, new_mobile(), purpose="test.unconfigured"))
    message = await settled(platform, queued.id, MessageStatus.FAILED)
    assert message.attempts == 1 and "no SMS template" in (message.last_error or "")


async def test_a_rerun_or_duplicated_job_sends_once(platform: Any, provider: FakeAliyun) -> None:
    mobile = new_mobile()
    queued = await queue(platform, notice(ChannelKind.SMS, mobile), send=False)
    # Two deliveries of the same job at once (arq delivers at least once), then a third after them.
    outcomes = await asyncio.gather(deliver(platform, queued.id), deliver(platform, queued.id))
    assert sorted(o["outcome"] for o in outcomes)[0] in ("claimed_by_another", "not_queued:sending", "not_queued:sent")
    assert "sent" in {o["outcome"] for o in outcomes}
    again = await deliver(platform, queued.id)
    assert again["outcome"] == "not_queued:sent"
    # And the job enqueued the ordinary way finds it sent too.
    await dispatch(platform, [queued])
    await asyncio.sleep(0.5)
    assert len(provider.sms_to(mobile)) == 1
    assert (await row(platform, queued.id)).attempts == 1
    assert [e.action for e in await trail(platform, queued.id)].count("message.sent") == 1


async def test_the_sweep_sends_what_no_job_took_and_takes_back_a_dead_attempt(
    platform: Any, provider: FakeAliyun, clock: ManualClock
) -> None:
    mobile = new_mobile()
    lost = await queue(platform, notice(ChannelKind.SMS, mobile), send=False)  # the process died before dispatch
    stuck = await queue(platform, notice(ChannelKind.SMS, new_mobile()), send=False)
    async with platform.sessions() as session, session.begin():  # a worker died mid-attempt
        await session.execute(
            update(Message)
            .where(Message.id == stuck.id)
            .values(status=MessageStatus.SENDING, attempts=1, claimed_at=clock.now())
        )
    clock.advance(timedelta(minutes=11))
    found = await sweep(platform)
    assert found["taken_back"] >= 1 and found["enqueued"] >= 1
    assert (await settled(platform, lost.id)).status is MessageStatus.SENT
    assert len(provider.sms_to(mobile)) == 1
    resumed = await settled(platform, stuck.id)
    assert resumed.status is MessageStatus.SENT and resumed.attempts == 2
    retry = [e for e in await trail(platform, stuck.id) if e.action == "message.retry"]
    assert "interrupted" in retry[0].details["error"]


# --------------------------------------------------------------------------- answers


async def test_an_sms_reply_reaches_the_registered_handler(
    client: httpx.AsyncClient,
    platform: Any,
    provider: FakeAliyun,
    mailbox: SmtpServer,
    answers: list[Heard],
    clock: ManualClock,
) -> None:
    mobile = new_mobile()
    older = await queue(
        platform, notice(ChannelKind.SMS, mobile, purpose="test.poll", answers=POLL), reply_within=timedelta(minutes=30)
    )
    await settled(platform, older.id)
    clock.advance(timedelta(seconds=1))
    newest = await queue(
        platform,
        notice(ChannelKind.SMS, mobile, purpose="test.poll", reference=f"poll:{uuid.uuid4()}:thanks", answers=POLL),
        reply_within=timedelta(minutes=30),
    )
    await settled(platform, newest.id)

    # Not an answer: kept as unrecognised, the question stays open.
    assert (await provider.reply_sms(client, mobile, "什么意思？")).json()["replies"] == 1
    # A full-width "１" with a word after it means accept; it answers the newest open message to that number.
    pushed = await provider.reply_sms(client, mobile, "１ 好的", sequence_id=987654321)
    assert pushed.status_code == 200 and pushed.json() == {
        "code": 0,
        "msg": "成功",
        "reports": 0,
        "replies": 1,
        "duplicates": 0,
    }
    (heard,) = answers
    assert (heard.message_id, heard.channel, heard.choice, heard.content) == (
        newest.id,
        ChannelKind.SMS,
        "accept",
        "１ 好的",
    )
    answered = await row(platform, newest.id)
    assert answered.answer == "accept" and answered.answered_at is not None
    assert answered.status is MessageStatus.DELIVERED  # an answer proves it arrived
    # The handler's follow-up was dispatched after the reply's commit.
    await mailbox.wait_for("thanks@example.cn")

    # The provider pushes the same message again (a lost acknowledgement): nothing new.
    again = await provider.reply_sms(client, mobile, "１ 好的", sequence_id=987654321)
    assert again.json()["duplicates"] == 1 and len(answers) == 1
    # The next reply answers the older question, still open.
    await provider.reply_sms(client, mobile, "N")
    assert [(h.message_id, h.choice) for h in answers[1:]] == [(older.id, "decline")]
    # Nothing is open any more: a further reply is kept as late (on the newest that asked), reaching no one.
    await provider.reply_sms(client, mobile, "1")
    assert len(answers) == 2
    outcomes = [r.outcome for r in await replies_to(platform, newest.id)]
    assert outcomes == [ReplyOutcome.UNRECOGNISED, ReplyOutcome.DISPATCHED, ReplyOutcome.LATE]
    assert [r.outcome for r in await replies_to(platform, older.id)] == [ReplyOutcome.DISPATCHED]
    reply_events = [e for e in await trail(platform, newest.id) if e.action == "message.reply"]
    assert [e.details["outcome"] for e in reply_events] == ["unrecognised", "dispatched", "late"]
    assert mobile not in str([e.details for e in reply_events])

    # From a number nobody asked: kept as unmatched.
    assert (await provider.reply_sms(client, new_mobile(), "1")).json()["replies"] == 1
    async with platform.sessions() as session:
        last = await session.scalar(select(MessageReply).order_by(MessageReply.id.desc()).limit(1))
    assert last is not None and last.outcome is ReplyOutcome.UNMATCHED and last.message_id is None


async def test_a_voice_keypress_reaches_the_registered_handler(
    client: httpx.AsyncClient, platform: Any, provider: FakeAliyun, answers: list[Heard]
) -> None:
    mobile = new_mobile()
    queued = await queue(
        platform,
        notice(ChannelKind.VOICE, mobile, purpose="test.poll", params={"name": "张三"}, answers=POLL),
        reply_within=timedelta(minutes=30),
    )
    message = await settled(platform, queued.id)
    assert message.status is MessageStatus.SENT, message.last_error
    (call,) = provider.calls_to(mobile)
    assert (call.action, call.template, call.out_id, call.params) == (
        "IvrCall",
        "TTS_200001",
        message.out_id,
        {"name": "张三"},
    )
    assert call.menu == [("1", "TTS_200002"), ("2", None)]  # the keys of the answers; 接受/Y are no keys

    pushed = await provider.press_keys(client, call, "2")
    assert pushed.status_code == 200 and pushed.json()["reports"] == 1 and pushed.json()["replies"] == 1
    (heard,) = answers
    assert (heard.message_id, heard.channel, heard.choice) == (queued.id, ChannelKind.VOICE, "decline")
    assert heard.actor == "system:messaging-callback"
    answered = await row(platform, queued.id)
    assert (answered.status, answered.answer) == (MessageStatus.DELIVERED, "decline")


async def test_a_late_or_refused_answer_is_kept_and_leaves_no_effect(
    client: httpx.AsyncClient, platform: Any, provider: FakeAliyun, answers: list[Heard], clock: ManualClock
) -> None:
    mobile = new_mobile()
    queued = await queue(
        platform, notice(ChannelKind.SMS, mobile, purpose="test.poll", answers=POLL), reply_within=timedelta(minutes=10)
    )
    await settled(platform, queued.id)
    clock.advance(timedelta(minutes=10, seconds=1))
    await provider.reply_sms(client, mobile, "1", at=clock.now())
    assert answers == []
    assert [(r.outcome, r.detail) for r in await replies_to(platform, queued.id)] == [
        (ReplyOutcome.LATE, "the answer window had closed")
    ]

    closed = await queue(
        platform,
        notice(ChannelKind.SMS, mobile, purpose="test.poll", reference="poll:closed", answers=POLL),
        reply_within=timedelta(minutes=10),
    )
    await settled(platform, closed.id)
    await provider.reply_sms(client, mobile, "接受", at=clock.now())
    assert answers == []
    (refused,) = await replies_to(platform, closed.id)
    assert (refused.outcome, refused.choice, refused.detail) == (ReplyOutcome.REFUSED, "accept", "conflict")
    assert (await row(platform, closed.id)).answered_at is None  # the handler's refusal left it open


async def test_an_in_app_notice_is_read_and_answered_by_its_organisation_only(
    client: httpx.AsyncClient, platform: Any, admin_headers: dict[str, str], answers: list[Heard]
) -> None:
    p = await logged_in_parties(client, admin_headers, ("bidder", "bidder"), ("agent", "agent"))
    queued = await queue(
        platform,
        notice(ChannelKind.IN_APP, f"org:{p['users']['bidder'].org_id}", purpose="test.poll", answers=POLL),
        reply_within=timedelta(hours=1),
    )
    message = await settled(platform, queued.id, MessageStatus.DELIVERED)
    assert message.provider == "in_app"

    inbox = (await client.get("/api/me/messages", headers=p["bidder"])).json()
    assert [item["id"] for item in inbox] == [str(queued.id)]
    assert inbox[0]["subject_zh"] == "开标结果通知：南京某道路工程" and inbox[0]["answers"] == POLL
    assert (await client.get("/api/me/messages", headers=p["agent"])).json() == []
    assert_error(
        await client.post(f"/api/me/messages/{queued.id}/answer", json={"answer": "1"}, headers=p["agent"]),
        404,
        "message_not_found",
    )
    assert_error(await client.get("/api/me/messages", headers=admin_headers), 403, "organisation_required")

    answered = await client.post(f"/api/me/messages/{queued.id}/answer", json={"answer": "接受"}, headers=p["bidder"])
    assert answered.status_code == 200 and answered.json() == {
        "outcome": "dispatched",
        "choice": "accept",
        "detail": None,
    }
    (heard,) = answers
    assert heard.channel is ChannelKind.IN_APP and heard.actor.startswith("cert:")
    again = await client.post(f"/api/me/messages/{queued.id}/answer", json={"answer": "2"}, headers=p["bidder"])
    assert again.json()["outcome"] == "late"


# --------------------------------------------------------------------------- who may call


@pytest.mark.parametrize(
    "signature",
    [
        None,  # no header
        "t=1700000000",  # no v1
        "wrong-secret",  # signed with another secret
        "stale",  # signed ten minutes ago
        "other-body",  # signed for another body
    ],
)
async def test_a_forged_callback_is_refused(
    client: httpx.AsyncClient, platform: Any, provider: FakeAliyun, signature: str | None
) -> None:
    items = [{"phone_number": new_mobile(), "send_time": "2026-01-01 00:00:00", "content": "1", "sequence_id": 5}]
    if signature is None:
        resp = await client.post("/api/messaging/callbacks/sms-replies", json=items)
    elif signature == "wrong-secret":
        resp = await provider.push(client, "sms-replies", items, secret="w" * 40)
    elif signature == "stale":
        resp = await provider.push(client, "sms-replies", items, at=platform.clock.now() - timedelta(minutes=10))
    elif signature == "other-body":
        t = int(platform.clock.now().timestamp())
        mac = hmac.new(CALLBACK_SECRET.encode(), f"{t}.".encode() + b'[{"content": "2"}]', hashlib.sha256).hexdigest()
        resp = await provider.push(client, "sms-replies", items, signature=f"t={t},v1={mac}")
    else:
        resp = await provider.push(client, "sms-replies", items, signature=signature)
    assert_error(resp, 401, "callback_unauthenticated")
    async with platform.sessions() as session:
        assert await session.scalar(select(MessageReply).where(MessageReply.sender == items[0]["phone_number"])) is None


async def test_an_authentic_push_in_another_format_is_a_400(client: httpx.AsyncClient, provider: FakeAliyun) -> None:
    resp = await provider.push(client, "voice-reports", [{"hello": "world"}])
    assert_error(resp, 400, "callback_invalid")
    resp = await provider.push(client, "sms-replies", [{"sequence_id": 1, "content": "1", "phone_number": "12345"}])
    assert_error(resp, 400, "callback_invalid")


async def test_a_push_of_a_kind_we_do_not_take_is_a_400_naming_the_path(
    client: httpx.AsyncClient, provider: FakeAliyun
) -> None:
    resp = await provider.push(client, "fax-reports", [{"content": "1"}])
    assert_error(resp, 400, "validation_failed")
    assert [(d["key"], d["source"]) for d in resp.json()["error"]["details"]] == [("kind", "path")]


@pytest.mark.parametrize("before", ["0.5", "2026-12-01T09:00:00", "1999-12-31T23:59:59+08:00"])
async def test_the_delivery_logs_page_cursor_is_a_time_with_its_offset(
    client: httpx.AsyncClient, admin_headers: dict[str, str], before: str
) -> None:
    resp = await client.get("/api/admin/messages", params={"before": before}, headers=admin_headers)
    assert_error(resp, 400, "invalid_input")
    assert resp.json()["error"]["details"][0]["key"] == "before"


async def test_the_delivery_log_is_the_administrators_and_auditors_only(
    client: httpx.AsyncClient, platform: Any, admin_headers: dict[str, str], provider: FakeAliyun
) -> None:
    mobile = new_mobile()
    reference = f"log:{uuid.uuid4()}"
    queued = await queue(platform, notice(ChannelKind.SMS, mobile, reference=reference))
    await settled(platform, queued.id)
    p = await logged_in_parties(
        client,
        admin_headers,
        ("auditor", "trading_centre", "auditor"),
        ("bidder", "bidder"),
        ("agent", "agent"),
        ("supervisor", "supervisor"),
    )
    for reader in (admin_headers, p["auditor"]):
        listed = await client.get("/api/admin/messages", params={"reference": reference}, headers=reader)
        assert listed.status_code == 200, listed.text
        (entry,) = listed.json()
        assert entry["recipient"] == f"{mobile[:3]}****{mobile[-4:]}" and entry["status"] == "sent"
        assert mobile not in listed.text and "body" not in entry
        detail = await client.get(f"/api/admin/messages/{queued.id}", headers=reader)
        assert detail.status_code == 200 and detail.json()["message"]["id"] == str(queued.id)
        assert (await client.get("/api/admin/message-replies", headers=reader)).status_code == 200
    for path in ("/api/admin/messages", f"/api/admin/messages/{queued.id}", "/api/admin/message-replies"):
        for name in ("bidder", "agent", "supervisor"):
            assert_error(await client.get(path, headers=p[name]), 403, "forbidden")
        assert_error(await client.get(path), 401, "not_authenticated")
    assert_error(
        await client.get(f"/api/admin/messages/{uuid.uuid4()}", headers=admin_headers), 404, "message_not_found"
    )
    assert_error(
        await client.get("/api/admin/messages", params={"status": "lost"}, headers=admin_headers),
        400,
        "validation_failed",
    )


async def test_control_characters_in_a_reply_are_dropped_not_a_500(
    client: httpx.AsyncClient, platform: Any, provider: FakeAliyun, admin_headers: dict[str, str]
) -> None:
    sender = new_mobile()
    pushed = await provider.reply_sms(client, sender, "1\u0000\u001b[31m好\u0085")
    assert pushed.status_code == 200, pushed.text
    async with platform.sessions() as session:
        kept = await session.scalar(select(MessageReply).where(MessageReply.sender == sender))
    assert kept is not None and kept.content == "1[31m好"
    p = await logged_in_parties(client, admin_headers, ("bidder", "bidder"))
    refused = await client.post(
        f"/api/me/messages/{uuid.uuid4()}/answer", json={"answer": "1\u0000"}, headers=p["bidder"]
    )
    assert_error(refused, 400, "validation_failed")
