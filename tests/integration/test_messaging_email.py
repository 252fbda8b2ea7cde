"""The e-mail channel against real SMTP servers (aiosmtpd on 127.0.0.1): STARTTLS (RFC 3207) under a
private CA named by ``BIDDING_SMTP_CA_FILE``, AUTH after it, and what the channel reports when the
server's TLS or its policy does not fit. No database: the channel alone, as the delivery job uses it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bidding.messaging.channels import ChannelKind, DeliveryFailed, Outbound, Text
from bidding.messaging.email import EmailChannel, SmtpConfig
from tests.fixtures.smtp import SMTP_USER, SmtpServer

SENDER = "电子招投标平台 <noreply@ggzy.example.cn>"


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SmtpServer]:
    server = SmtpServer(tls_dir=tmp_path_factory.mktemp("mail-tls")).start()
    yield server
    server.stop()


def outbound(recipient: str) -> Outbound:
    return Outbound(
        message_id="6f9619ff-8b86-d011-b42d-00c04fc964ff",
        out_id="ab12cd34ef56",
        channel=ChannelKind.EMAIL,
        recipient=recipient,
        purpose="test.notice",
        subject=Text("评标邀请", "Invitation"),
        body=Text("请答复。", "Please answer."),
        params={},
        answers={},
        attachments=(),
        attempt=1,
    )


def channel(server: SmtpServer, *, starttls: str, ca_file: Path | None) -> EmailChannel:
    async def no_objects(key: str) -> bytes:
        raise AssertionError("no attachment here")

    config = SmtpConfig.from_url(server.url, starttls=starttls, ca_file=ca_file, timeout=10)  # type: ignore[arg-type]
    return EmailChannel(config, SENDER, read_object=no_objects, now=lambda: datetime.now(UTC))


async def test_starttls_under_a_private_ca_then_auth(tls_server: SmtpServer) -> None:
    delivery = await channel(tls_server, starttls="require", ca_file=tls_server.ca_file).send(outbound("a@example.cn"))
    (received,) = tls_server.to("a@example.cn")
    assert received.tls and received.user == SMTP_USER
    assert delivery.provider_message_id == received.message["Message-ID"]


async def test_a_server_certificate_nobody_trusts_is_refused(tls_server: SmtpServer) -> None:
    with pytest.raises(DeliveryFailed, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        await channel(tls_server, starttls="require", ca_file=None).send(outbound("b@example.cn"))
    assert tls_server.to("b@example.cn") == []


async def test_no_tls_where_the_server_requires_it_is_a_permanent_refusal(tls_server: SmtpServer) -> None:
    with pytest.raises(DeliveryFailed) as failed:
        await channel(tls_server, starttls="off", ca_file=None).send(outbound("c@example.cn"))
    # aiosmtpd offers AUTH only after STARTTLS (auth_require_tls): the client finds none to use.
    assert not failed.value.retryable and "AUTH" in failed.value.reason


async def test_starttls_required_of_a_server_without_it_sends_nothing(smtp_server: SmtpServer) -> None:
    with pytest.raises(DeliveryFailed, match=r"STARTTLS|TLS") as failed:
        await channel(smtp_server, starttls="require", ca_file=None).send(outbound("d@example.cn"))
    assert not failed.value.retryable
    assert smtp_server.to("d@example.cn") == []
