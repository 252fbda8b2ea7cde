"""E-mail: a notice built as an Internet message and handed to the centre's SMTP server.

* **The message** (:func:`build_email`): RFC 5322 headers with the standard library's
  ``email.message.EmailMessage`` (default policy: non-ASCII display names and subjects become RFC 2047
  encoded words, ``=?utf-8?b?…?=``), a ``text/plain; charset="utf-8"`` body in Chinese with the
  English below it, attachments with RFC 2231 file names, ``Auto-Submitted: auto-generated``
  (RFC 3834 §5: an automatic notice, so auto-responders stay quiet) and a ``Message-ID`` made from
  the message's id — the same on every attempt, so that a receiver may drop a duplicate after an
  attempt whose outcome was lost. The Message-ID is what the delivery log records.
* **The transfer** (:class:`EmailChannel`): SMTP (RFC 5321) with aiosmtplib, to the server of
  ``BIDDING_SMTP_URL`` — ``smtp://user:password@host:port`` (port 25 by default; STARTTLS, RFC 3207, as
  ``BIDDING_SMTP_STARTTLS`` says) or ``smtps://…`` (TLS from the first byte, RFC 8314 §3.3, port 465),
  AUTH (RFC 4954) when the URL names a user. A 4xx reply or a lost connection may pass on a later
  attempt; a 5xx reply (a refused recipient, a refused sender) will not (RFC 5321 §4.2.1), nor will a
  server without the STARTTLS or AUTH the settings ask for.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Final, Literal
from urllib.parse import unquote, urlsplit

import aiosmtplib

from bidding.messaging.channels import Attachment, ChannelKind, Delivery, DeliveryFailed, Outbound

__all__ = ["MAX_ATTACHMENTS_BYTES", "EmailChannel", "SmtpConfig", "StartTls", "build_email", "subject_line"]

StartTls = Literal["require", "auto", "off"]
#: Injected, so the channel needs neither the platform nor its store: the bytes of an object.
ObjectReader = Callable[[str], Awaitable[bytes]]
Now = Callable[[], datetime]

#: Attachments of one e-mail together (before base64): common servers refuse messages above 20–25 MB.
MAX_ATTACHMENTS_BYTES: Final = 20 * 1024 * 1024


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to submit: parsed from ``BIDDING_SMTP_URL`` and its companion settings."""

    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: StartTls
    ca_file: Path | None
    timeout: float

    @classmethod
    def from_url(
        cls, url: str, *, starttls: StartTls = "require", ca_file: Path | None = None, timeout: float = 30
    ) -> SmtpConfig:
        """``smtp://user:pass@host:587`` or ``smtps://host``; a user name and password are
        percent-decoded (a ``@`` in a password is written ``%40``)."""
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("expected smtp://[user:password@]host[:port] or smtps://…")
        implicit = parts.scheme == "smtps"
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if implicit else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=implicit,
            starttls="off" if implicit else starttls,
            ca_file=ca_file,
            timeout=timeout,
        )

    def tls_context(self) -> ssl.SSLContext:
        """The system's trust store, plus ``ca_file`` when the centre's server has a private CA."""
        context = ssl.create_default_context()
        if self.ca_file is not None:
            context.load_verify_locations(cafile=str(self.ca_file))
        return context


def subject_line(message: Outbound) -> str:
    """Chinese first, then the English when there is one."""
    return f"{message.subject.zh} / {message.subject.en}" if message.subject.en else message.subject.zh


def build_email(
    message: Outbound, sender: str, date: datetime, attachments: Sequence[tuple[Attachment, bytes]] = ()
) -> EmailMessage:
    """The Internet message of ``message`` from ``sender`` (``平台名称 <noreply@example.cn>``)."""
    name, address = parseaddr(sender)
    local, at, domain = address.rpartition("@")
    if not (local and at and domain):
        raise DeliveryFailed(f"the sender {sender!r} names no domain", retryable=False)
    email = EmailMessage()
    email["From"] = Address(display_name=name, addr_spec=address)
    email["To"] = message.recipient
    email["Subject"] = subject_line(message)
    email["Date"] = format_datetime(date)
    email["Message-ID"] = f"<{message.message_id}@{domain}>"
    email["Auto-Submitted"] = "auto-generated"
    text = message.body.zh.rstrip() + "\n"
    if message.body.en:
        text += "\n-- English --\n\n" + message.body.en.rstrip() + "\n"
    email.set_content(text, charset="utf-8")
    for attachment, data in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        email.add_attachment(data, maintype=maintype, subtype=subtype or "octet-stream", filename=attachment.filename)
    return email


class EmailChannel:
    """Submit over SMTP; attachments are read from the object store first."""

    kind = ChannelKind.EMAIL

    def __init__(self, config: SmtpConfig, sender: str, *, read_object: ObjectReader, now: Now) -> None:
        self.config = config
        self.sender = sender
        self._read = read_object
        self._now = now

    async def send(self, message: Outbound) -> Delivery:
        files = []
        total = 0
        for attachment in message.attachments:
            data = await self._read(attachment.key)
            total += len(data)
            if total > MAX_ATTACHMENTS_BYTES:
                raise DeliveryFailed("the attachments exceed 20 MiB", retryable=False)
            files.append((attachment, data))
        email = build_email(message, self.sender, self._now(), files)
        c = self.config
        try:
            await aiosmtplib.send(
                email,
                hostname=c.host,
                port=c.port,
                username=c.username,
                password=c.password,
                use_tls=c.implicit_tls,
                start_tls={"require": True, "auto": None, "off": False}[c.starttls],
                tls_context=c.tls_context() if c.implicit_tls or c.starttls != "off" else None,
                timeout=c.timeout,
            )
        except aiosmtplib.SMTPResponseException as exc:
            # RFC 5321 §4.2.1: 4yz is a transient negative completion, 5yz a permanent one.
            raise DeliveryFailed(
                f"SMTP {exc.code} {exc.message}"[:300], retryable=exc.code < 500, provider_code=str(exc.code)
            ) from exc
        except (
            aiosmtplib.SMTPConnectError,
            aiosmtplib.SMTPServerDisconnected,
            aiosmtplib.SMTPTimeoutError,
            OSError,  # refused connections, TLS handshakes (a certificate may be replaced meanwhile)
        ) as exc:
            raise DeliveryFailed(f"SMTP: {type(exc).__name__}: {exc}"[:300], retryable=True) from exc
        except aiosmtplib.SMTPException as exc:
            # The server lacks what the settings ask for (STARTTLS, AUTH): no attempt will differ.
            raise DeliveryFailed(f"SMTP: {exc}"[:300], retryable=False) from exc
        return Delivery(provider="smtp", provider_message_id=str(email["Message-ID"]))
