"""The push-style PackageVerifier agrees with inspect() on intact and damaged packages, whatever the chunking."""

from __future__ import annotations

import io
import os

import pytest

from crypto.errors import CryptoError
from crypto.sealed import PackageInfo, PackageVerifier, TrailingDataError, inspect
from tests.fixtures.sealed import CounterRandom, party, seal_bytes

PKG, _ = seal_bytes(
    os.urandom(3 * 64 + 10), segment_size=64, rng=CounterRandom(b"verifier"), recipients=[party("ec-p256", "centre")]
)
INFO = inspect(io.BytesIO(PKG))


def _feed(data: bytes, chunk: int) -> PackageInfo:
    verifier = PackageVerifier()
    for i in range(0, len(data), chunk):
        verifier.update(data[i : i + chunk])
    return verifier.finish()


def _outcome(call: object) -> str:
    try:
        call()  # type: ignore[operator]
    except CryptoError as exc:
        return exc.code
    return "ok"


@pytest.mark.parametrize("chunk", [1, 5, 64, 1000, 1 << 20])
def test_same_info_as_inspect(chunk: int) -> None:
    assert _feed(PKG, chunk) == INFO


def test_every_truncation_point_gives_the_same_error() -> None:
    for cut in range(0, len(PKG), 3):
        data = PKG[:cut]
        expected = _outcome(lambda data=data: inspect(io.BytesIO(data)))
        assert expected != "ok"
        assert _outcome(lambda data=data: _feed(data, 17)) == expected, cut


def test_bit_flips_give_the_same_error() -> None:
    for pos in range(0, len(PKG), 7):
        damaged = bytearray(PKG)
        damaged[pos] ^= 0x10
        data = bytes(damaged)
        expected = _outcome(lambda data=data: inspect(io.BytesIO(data)))
        assert expected != "ok", pos
        assert _outcome(lambda data=data: _feed(data, 33)) == expected, pos


def test_trailing_data_is_refused_on_arrival() -> None:
    verifier = PackageVerifier()
    verifier.update(PKG)
    with pytest.raises(TrailingDataError):
        verifier.update(b"\x00")


def test_not_a_package_is_refused_on_the_first_byte() -> None:
    verifier = PackageVerifier()
    with pytest.raises(CryptoError) as err:
        verifier.update(b"%")
    assert err.value.code == "not_a_package"
