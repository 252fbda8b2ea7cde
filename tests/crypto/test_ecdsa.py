from __future__ import annotations

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from crypto.ecdsa import der_readings, raw_to_der, verify_ecdsa

KEY = ec.generate_private_key(ec.SECP256R1())


def _raw(der: bytes) -> bytes:
    r, s = decode_dss_signature(der)
    return r.to_bytes(32, "big") + s.to_bytes(32, "big")


def test_der_and_raw_both_verify_and_come_back_as_der() -> None:
    der = KEY.sign(b"m", ec.ECDSA(hashes.SHA256()))
    assert verify_ecdsa(KEY.public_key(), der, b"m") == der
    assert verify_ecdsa(KEY.public_key(), _raw(der), b"m") == der
    assert raw_to_der(_raw(der)) == der


def test_a_raw_signature_starting_like_der_is_read_both_ways() -> None:
    for i in range(5000):
        message = str(i).encode()
        der = KEY.sign(message, ec.ECDSA(hashes.SHA256()))
        raw = _raw(der)
        if raw[0] == 0x30:
            assert der_readings(raw, KEY.public_key())[0] == der
            assert verify_ecdsa(KEY.public_key(), raw, message) == der
            return
    pytest.fail("no raw signature starting with 0x30 in 5000")


@pytest.mark.parametrize("signature", [b"", b"\x30\x00", b"\x00" * 63, b"\x01" * 64, b"\x30" * 70])
def test_wrong_or_malformed_signatures_do_not_verify(signature: bytes) -> None:
    with pytest.raises(InvalidSignature):
        verify_ecdsa(KEY.public_key(), signature, b"m")


def test_another_message_does_not_verify() -> None:
    der = KEY.sign(b"m", ec.ECDSA(hashes.SHA256()))
    for signature in (der, _raw(der)):
        with pytest.raises(InvalidSignature):
            verify_ecdsa(KEY.public_key(), signature, b"other")
