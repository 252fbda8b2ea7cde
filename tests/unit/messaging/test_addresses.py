"""Recipients' addresses as stored and compared, and as shown (masked)."""

from __future__ import annotations

import pytest

from bidding.messaging.addresses import AddressError, mask, normalise, normalise_phone
from bidding.messaging.channels import ChannelKind


@pytest.mark.parametrize(
    "raw", ["13800138000", "+86 138 0013 8000", "0086-138-0013-8000", "8613800138000", " 138 (0013) 8000 "]
)
def test_a_mobile_number_is_written_one_way(raw: str) -> None:
    assert normalise_phone(raw) == "13800138000"


@pytest.mark.parametrize(
    "raw", ["", "1380013800", "23800138000", "12800138000", "+1 415 555 0100", "138001380001", "１３８００１３８０００"]
)
def test_anything_but_a_mainland_mobile_is_refused(raw: str) -> None:
    with pytest.raises(AddressError):
        normalise_phone(raw)


def test_email_addresses_keep_their_local_part_and_lower_their_domain() -> None:
    assert normalise(ChannelKind.EMAIL, " Zhang.San+bid@Example.CN ") == "Zhang.San+bid@example.cn"
    for bad in (
        "zhang",
        "zhang@",
        "@example.cn",
        "a b@example.cn",
        "a@example",
        "a@-x.cn",
        "a@" + "x" * 250 + ".cn",
        "张三@example.cn",
    ):
        with pytest.raises(AddressError):
            normalise(ChannelKind.EMAIL, bad)


def test_in_app_inboxes_are_an_organisation_or_a_certificate() -> None:
    org = "org:6F9619FF-8B86-D011-B42D-00C04FC964FF"
    assert normalise(ChannelKind.IN_APP, org) == "org:6f9619ff-8b86-d011-b42d-00c04fc964ff"
    fingerprint = "cert:" + "AB" * 32
    assert normalise(ChannelKind.IN_APP, fingerprint) == fingerprint.lower()
    for bad in ("org:nope", "cert:1234", "13800138000", "user:1"):
        with pytest.raises(AddressError):
            normalise(ChannelKind.IN_APP, bad)


def test_masks_show_no_contact_detail() -> None:
    assert mask(ChannelKind.SMS, "13800138000") == "138****8000"
    assert mask(ChannelKind.VOICE, "13800138000") == "138****8000"
    assert mask(ChannelKind.EMAIL, "zhang.san@example.cn") == "z***@example.cn"
    assert (
        mask(ChannelKind.IN_APP, "org:6f9619ff-8b86-d011-b42d-00c04fc964ff")
        == "org:6f9619ff-8b86-d011-b42d-00c04fc964ff"
    )
