"""A notice's own fields, the backoff between attempts, the IVR menu."""

from __future__ import annotations

from datetime import timedelta

from bidding.messaging.channels import Attachment, ChannelKind, Notice, Text
from bidding.messaging.delivery import retry_delay
from bidding.messaging.voice import menu_of


def notice(**changes: object) -> Notice:
    values: dict[str, object] = {
        "channel": ChannelKind.SMS,
        "recipient": "13800138000",
        "purpose": "expert.invitation",
        "reference": "draw:6f9619ff-8b86-d011-b42d-00c04fc964ff:seat:3",
        "subject": Text("评标邀请"),
        "body": Text("请答复 1 接受，2 拒绝"),
    }
    values.update(changes)
    return Notice(**values)  # type: ignore[arg-type]


def test_a_good_notice_has_no_problem() -> None:
    assert notice().problems() == []
    assert notice(answers={"1": "accept", "接受": "accept"}).problems() == []


def test_each_bad_field_is_named() -> None:
    assert "purpose" in notice(purpose="Expert Invitation").problems()[0]
    assert "purpose" in notice(purpose="a" * 65).problems()[0]
    assert "reference" in notice(reference="has space").problems()[0]
    assert "reference" in notice(reference="").problems()[0]
    assert "Chinese" in notice(subject=Text(" ", "Invitation")).problems()[0]
    assert "answer" in notice(answers={"": "accept"}).problems()[0]
    assert "attachments" in notice(attachments=(Attachment("a.pdf", "application/pdf", "k"),)).problems()[0]
    assert (
        notice(channel=ChannelKind.EMAIL, attachments=(Attachment("a.pdf", "application/pdf", "k"),)).problems() == []
    )
    assert "e-mail cannot be answered" in notice(channel=ChannelKind.EMAIL, answers={"1": "accept"}).problems()[0]


def test_backoff_doubles_up_to_an_hour() -> None:
    assert [retry_delay(n, 30) for n in (1, 2, 3)] == [
        timedelta(seconds=30),
        timedelta(seconds=60),
        timedelta(seconds=120),
    ]
    assert retry_delay(20, 30) == timedelta(hours=1)
    assert retry_delay(1, 0.05) == timedelta(seconds=0.05)


def test_the_ivr_menu_has_the_telephone_keys_only() -> None:
    answers = {"1": "accept", "2": "decline", "Y": "accept", "#": "repeat", "12": "accept"}
    assert menu_of("p", answers, {"p.decline": "TTS_3"}) == [("#", None), ("1", None), ("2", "TTS_3")]
