"""The Internet message of a notice (RFC 5322, 2047, 2231, 3834) and the SMTP URL."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime
from email.header import decode_header, make_header
from pathlib import Path

import pytest

from bidding.messaging.channels import Attachment, ChannelKind, DeliveryFailed, Outbound, Text
from bidding.messaging.email import SmtpConfig, build_email

WHEN = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def outbound(**changes: object) -> Outbound:
    values: dict[str, object] = {
        "message_id": "6f9619ff-8b86-d011-b42d-00c04fc964ff",
        "out_id": "ab12cd34ef56",
        "channel": ChannelKind.EMAIL,
        "recipient": "zhang.san@example.cn",
        "purpose": "expert.invitation",
        "subject": Text("评标邀请：南京某项目", "Invitation to evaluate"),
        "body": Text("张三专家：\n请于30分钟内答复。", "Dear Zhang San,\nplease answer within 30 minutes."),
        "params": {},
        "answers": {},
        "attachments": (),
        "attempt": 1,
    }
    values.update(changes)
    return Outbound(**values)  # type: ignore[arg-type]


def test_headers_are_encoded_and_read_back() -> None:
    message = build_email(outbound(), "电子招投标平台 <noreply@ggzy.example.cn>", WHEN)
    raw = message.as_bytes(policy=email.policy.SMTP)
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.isascii(), "headers must be 7-bit (RFC 2047 encoded words)"
    assert b"=?utf-8?" in head
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert parsed["Subject"] == "评标邀请：南京某项目 / Invitation to evaluate"
    assert str(make_header(decode_header(str(parsed["From"])))) == "电子招投标平台 <noreply@ggzy.example.cn>"
    assert parsed["To"] == "zhang.san@example.cn"
    assert parsed["Message-ID"] == "<6f9619ff-8b86-d011-b42d-00c04fc964ff@ggzy.example.cn>"
    assert parsed["Auto-Submitted"] == "auto-generated"
    assert parsed["Date"] == "Fri, 02 Jan 2026 03:04:05 +0000"
    body = parsed.get_body(("plain",))
    assert body is not None and body.get_content_charset() == "utf-8"
    text = body.get_content()
    assert text.index("张三专家") < text.index("-- English --") < text.index("Dear Zhang San")


def test_the_message_id_is_the_same_on_every_attempt() -> None:
    first = build_email(outbound(attempt=1), "noreply@ggzy.example.cn", WHEN)
    third = build_email(outbound(attempt=3), "noreply@ggzy.example.cn", WHEN)
    assert first["Message-ID"] == third["Message-ID"]


def test_a_chinese_only_notice_has_no_english_part() -> None:
    message = build_email(outbound(subject=Text("中标通知书"), body=Text("贵公司中标。")), "noreply@x.cn", WHEN)
    assert message["Subject"] == "中标通知书"
    assert "English" not in message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_attachments_keep_their_chinese_file_names() -> None:
    pdf = b"%PDF-1.7\n%%EOF\n"
    message = build_email(
        outbound(attachments=(Attachment("中标通知书.pdf", "application/pdf", "k"),)),
        "noreply@x.cn",
        WHEN,
        [(Attachment("中标通知书.pdf", "application/pdf", "k"), pdf)],
    )
    parsed = email.message_from_bytes(message.as_bytes(policy=email.policy.SMTP), policy=email.policy.default)
    (part,) = list(parsed.iter_attachments())
    assert part.get_filename() == "中标通知书.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == pdf


def test_a_sender_without_a_domain_fails_for_good() -> None:
    with pytest.raises(DeliveryFailed) as failed:
        build_email(outbound(), "平台", WHEN)
    assert not failed.value.retryable


def test_smtp_urls() -> None:
    c = SmtpConfig.from_url("smtp://notices%40ggzy:p%40ss@mail.example.cn:587", starttls="require")
    assert (c.host, c.port, c.username, c.password, c.implicit_tls, c.starttls) == (
        "mail.example.cn",
        587,
        "notices@ggzy",
        "p@ss",
        False,
        "require",
    )
    s = SmtpConfig.from_url("smtps://mail.example.cn", starttls="require", ca_file=Path("/ca.pem"))
    assert (s.port, s.implicit_tls, s.starttls, s.username) == (465, True, "off", None)
    assert SmtpConfig.from_url("smtp://relay").port == 25
    with pytest.raises(ValueError):
        SmtpConfig.from_url("http://mail.example.cn")
