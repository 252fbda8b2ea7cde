"""Recipients' addresses: checked and written one way when a message is queued, and masked wherever
they are shown (a contact detail is personal data: the delivery log and the audit trail show
``138****8000`` and ``z***@example.com``, never the whole).

Pure functions, tested with worked examples (``tests/unit/messaging/test_addresses.py``).
"""

from __future__ import annotations

import re
import uuid
from typing import Final

from bidding.messaging.channels import ChannelKind

__all__ = ["AddressError", "mask", "normalise", "normalise_phone"]

# RFC 5321 §4.1.2 Mailbox with a dot-atom local part (RFC 5322 §3.2.3) and a domain of LDH labels;
# §4.5.3.1: local part ≤ 64 octets, a path ≤ 256 octets (an address ≤ 254 characters).
_EMAIL: Final = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$"
)
# Mainland mobile numbers: 11 digits from 13x to 19x (the MIIT numbering plan); a prefix +86, 0086
# or 86 is the country code (Aliyun's PhoneNumbers accepts the same forms and means the same number).
_MOBILE: Final = re.compile(r"^1[3-9][0-9]{9}$")
_COUNTRY: Final = re.compile(r"^(\+86|0086|86)(?=1[3-9][0-9]{9}$)")
_SEPARATORS: Final = re.compile(r"[\s()-]")
_CERT: Final = re.compile(r"^cert:[0-9a-f]{64}$")


class AddressError(ValueError):
    """The address is not one the channel can deliver to."""


def normalise_phone(raw: str) -> str:
    """``+86 138-0013-8000`` → ``13800138000``; :class:`AddressError` for anything but a mainland mobile."""
    digits = _COUNTRY.sub("", _SEPARATORS.sub("", raw.strip()))
    if not _MOBILE.match(digits):
        raise AddressError("expected a mainland China mobile number of 11 digits (1[3-9]…)")
    return digits


def normalise(channel: ChannelKind, raw: str) -> str:
    """The address as stored and compared: a mobile's 11 digits, an e-mail with its domain in lower
    case, an in-app inbox as ``org:<uuid>`` (an organisation) or ``cert:<sha256>`` (one person's
    certificate, the actor id of its login)."""
    value = raw.strip()
    if channel in (ChannelKind.SMS, ChannelKind.VOICE):
        return normalise_phone(value)
    if channel is ChannelKind.EMAIL:
        if len(value) > 254 or not _EMAIL.match(value) or len(value.rsplit("@", 1)[0]) > 64:
            raise AddressError("expected an e-mail address local@domain (RFC 5321)")
        local, domain = value.rsplit("@", 1)
        return f"{local}@{domain.lower()}"
    if value.startswith("org:"):
        try:
            return f"org:{uuid.UUID(value.removeprefix('org:'))}"
        except ValueError:
            raise AddressError("expected org:<organisation uuid>") from None
    if _CERT.match(value.lower()):
        return value.lower()
    raise AddressError("expected org:<organisation uuid> or cert:<certificate SHA-256 fingerprint>")


def mask(channel: ChannelKind, address: str) -> str:
    """The address as the delivery log and the audit trail show it.

    >>> mask(ChannelKind.SMS, "13800138000"), mask(ChannelKind.EMAIL, "zhang.san@example.com")
    ('138****8000', 'z***@example.com')
    """
    if channel in (ChannelKind.SMS, ChannelKind.VOICE):
        return f"{address[:3]}****{address[-4:]}" if len(address) >= 8 else "****"
    if channel is ChannelKind.EMAIL:
        local, _, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}" if local else "***"
    return address  # an organisation's or a certificate's id: no contact detail
