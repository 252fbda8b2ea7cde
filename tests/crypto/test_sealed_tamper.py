"""Every kind of damage to a sealed bid raises its own error and releases no unauthenticated plaintext."""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Callable

import pytest

from crypto.errors import CryptoError
from crypto.sealed import (
    HeaderMismatchError,
    KeyCommitmentMismatchError,
    MalformedPackageError,
    NotAPackageError,
    PackageInfo,
    SegmentAuthenticationError,
    SignatureInvalidError,
    SignerMismatchError,
    TrailingDataError,
    TruncatedError,
    UnsupportedVersionError,
    inspect,
    open_body,
    open_form,
    sign_detached,
)
from crypto.sealed.header import MAGIC
from tests.fixtures.sealed import SEALED_AT, CounterRandom, data_key_of, party, seal_bytes

SEG = 1024
RECORD = 5 + SEG + 16
SEED = b"tamper"
KEY = data_key_of(SEED)
BODY = os.urandom(4 * SEG + 300)  # 5 body segments, the last one short


@pytest.fixture(scope="module")
def package() -> tuple[bytes, PackageInfo]:
    pkg, _ = seal_bytes(BODY, segment_size=SEG, rng=CounterRandom(SEED))
    return pkg, inspect(io.BytesIO(pkg))


def _segment_offset(info: PackageInfo, part: str, index: int) -> int:
    start = info.form_offset if part == "form" else info.body_offset
    return start + 4 + 32 + index * RECORD


def _flip(data: bytes, offset: int, bit: int = 0) -> bytes:
    out = bytearray(data)
    out[offset] ^= 1 << bit
    return bytes(out)


def _open_body(pkg: bytes, key: bytes = KEY) -> tuple[io.BytesIO, Callable[[], object]]:
    out = io.BytesIO()
    return out, lambda: open_body(io.BytesIO(pkg), key, out)


def _expect(error: type[CryptoError], code: str, call: Callable[[], object]) -> None:
    with pytest.raises(error) as err:
        call()
    assert type(err.value) is error, f"{type(err.value).__name__}: {err.value}"
    assert err.value.code == code


def test_intact_package_opens(package: tuple[bytes, PackageInfo]) -> None:
    pkg, _ = package
    out, call = _open_body(pkg)
    call()
    assert out.getvalue() == BODY


def test_flipped_bit_in_form(package: tuple[bytes, PackageInfo]) -> None:
    pkg, info = package
    bad = _flip(pkg, _segment_offset(info, "form", 0) + 5 + 20)
    _expect(SegmentAuthenticationError, "segment_authentication_failed", lambda: open_form(io.BytesIO(bad), KEY))
    _expect(SignatureInvalidError, "signature_invalid", lambda: inspect(io.BytesIO(bad)))
    out, call = _open_body(bad)
    _expect(SegmentAuthenticationError, "segment_authentication_failed", call)
    assert out.getvalue() == b""


@pytest.mark.parametrize("index", [0, 2, 4])
def test_flipped_bit_in_body(package: tuple[bytes, PackageInfo], index: int) -> None:
    pkg, info = package
    bad = _flip(pkg, _segment_offset(info, "body", index) + 5 + 7, bit=3)
    out, call = _open_body(bad)
    _expect(SegmentAuthenticationError, "segment_authentication_failed", call)
    # only the segments before the damaged one were released, all of them authenticated
    assert out.getvalue() == BODY[: index * SEG]
    _expect(SignatureInvalidError, "signature_invalid", lambda: inspect(io.BytesIO(bad)))
    assert open_form(io.BytesIO(bad), KEY).price_fen == 123456789  # the form part is independent


def test_flipped_tag_and_flag_and_length(package: tuple[bytes, PackageInfo]) -> None:
    pkg, info = package
    seg1 = _segment_offset(info, "body", 1)
    tag = _flip(pkg, seg1 + RECORD - 1)
    _expect(SegmentAuthenticationError, "segment_authentication_failed", _open_body(tag)[1])
    flag = _flip(pkg, seg1)  # non-final -> final: the nonce differs, so the tag fails
    out, call = _open_body(flag)
    with pytest.raises((SegmentAuthenticationError, MalformedPackageError)):
        call()
    assert out.getvalue() == BODY[:SEG]
    length = _flip(pkg, seg1 + 4)
    _expect(MalformedPackageError, "malformed_package", _open_body(length)[1])
    _expect(MalformedPackageError, "malformed_package", lambda: inspect(io.BytesIO(length)))


def test_flipped_bit_in_header(package: tuple[bytes, PackageInfo]) -> None:
    pkg, info = package
    raw = info.header.raw
    start = len(MAGIC) + 4
    # project id FZ-2026-0001 -> FZ-2026-0000: still a valid header, but not the sealed one
    pos = start + raw.index(b"FZ-2026-0001") + len("FZ-2026-000")
    bad = _flip(pkg, pos)
    _expect(HeaderMismatchError, "header_mismatch", lambda: open_form(io.BytesIO(bad), KEY))
    out, call = _open_body(bad)
    _expect(HeaderMismatchError, "header_mismatch", call)
    assert out.getvalue() == b""
    _expect(SignatureInvalidError, "signature_invalid", lambda: inspect(io.BytesIO(bad)))
    # a bit of JSON syntax
    syntax = _flip(pkg, start, bit=1)
    _expect(MalformedPackageError, "malformed_package", lambda: inspect(io.BytesIO(syntax)))
    # the key commitment itself
    commitment = start + raw.index(b'"key_commitment":"') + len('"key_commitment":"') + 2
    changed = bytearray(pkg)
    changed[commitment] = ord("A") if pkg[commitment] != ord("A") else ord("B")
    _expect(KeyCommitmentMismatchError, "key_commitment_mismatch", lambda: open_form(io.BytesIO(bytes(changed)), KEY))


def test_magic_and_version() -> None:
    _expect(NotAPackageError, "not_a_package", lambda: inspect(io.BytesIO(b"%PDF-1.7 hello")))
    _expect(NotAPackageError, "not_a_package", lambda: inspect(io.BytesIO(b"")))
    _expect(UnsupportedVersionError, "unsupported_version", lambda: inspect(io.BytesIO(b"BIDSEAL2" + bytes(100))))


def test_unsupported_header_version(package: tuple[bytes, PackageInfo]) -> None:
    pkg, info = package
    raw = info.header.raw.replace(b'"version":1', b'"version":2')
    bad = MAGIC + struct.pack(">I", len(raw)) + raw + pkg[info.form_offset :]
    _expect(UnsupportedVersionError, "unsupported_version", lambda: inspect(io.BytesIO(bad)))


def test_flipped_bit_in_signature(package: tuple[bytes, PackageInfo]) -> None:
    pkg, info = package
    for offset in (len(pkg) - 5, info.trailer_offset + 8 + 40, info.trailer_offset + 8):
        bad = _flip(pkg, offset)
        _expect(SignatureInvalidError, "signature_invalid", lambda bad=bad: inspect(io.BytesIO(bad)))
        _out, call = _open_body(bad)
        _expect(SignatureInvalidError, "signature_invalid", call)


def test_tampered_trailer(package: tuple[bytes, PackageInfo]) -> None:
    pkg, info = package
    signed = pkg[: info.trailer_offset]

    def with_signature(signature: bytes) -> bytes:
        return signed + b"SIGN" + struct.pack(">I", len(signature)) + signature

    mallory = party("rsa2048", "bidder", 7)
    resigned = with_signature(sign_detached(info.digest, mallory.key, mallory.cert, SEALED_AT))  # type: ignore[arg-type]
    _expect(SignerMismatchError, "signer_mismatch", lambda: inspect(io.BytesIO(resigned)))
    bidder = party("ec-p256")
    other_digest = with_signature(sign_detached(bytes(32), bidder.key, bidder.cert, SEALED_AT))  # type: ignore[arg-type]
    _expect(SignatureInvalidError, "signature_invalid", lambda: inspect(io.BytesIO(other_digest)))
    bad_magic = signed + b"SIGX" + pkg[info.trailer_offset + 4 :]
    _expect(MalformedPackageError, "malformed_package", lambda: inspect(io.BytesIO(bad_magic)))
    _expect(TrailingDataError, "trailing_data", lambda: inspect(io.BytesIO(pkg + b"\x00")))
    _expect(TrailingDataError, "trailing_data", _open_body(pkg + b"junk")[1])


def test_truncated(package: tuple[bytes, PackageInfo]) -> None:
    pkg, info = package
    last = _segment_offset(info, "body", 4)
    dropped_last = pkg[:last] + pkg[info.trailer_offset :]
    out, call = _open_body(dropped_last)
    _expect(TruncatedError, "truncated", call)
    assert out.getvalue() == BODY[: 4 * SEG]  # authenticated segments only; the caller discards them
    _expect(TruncatedError, "truncated", lambda: inspect(io.BytesIO(dropped_last)))
    for cut in (last + 100, last + 3, info.trailer_offset, info.trailer_offset + 20, info.body_offset + 10, 20, 9):
        _expect(TruncatedError, "truncated", lambda cut=cut: inspect(io.BytesIO(pkg[:cut])))
    out, call = _open_body(pkg[: _segment_offset(info, "body", 2) + 500])
    _expect(TruncatedError, "truncated", call)
    assert out.getvalue() == BODY[: 2 * SEG]
    # the form alone needs only the bytes up to the body
    assert open_form(io.BytesIO(pkg[: info.body_offset]), KEY).price_fen == 123456789
    _expect(TruncatedError, "truncated", lambda: open_form(io.BytesIO(pkg[: info.body_offset - 1]), KEY))


def test_reordered_and_duplicated_segments(package: tuple[bytes, PackageInfo]) -> None:
    pkg, info = package
    s1, s2 = _segment_offset(info, "body", 1), _segment_offset(info, "body", 2)
    swapped = pkg[:s1] + pkg[s2 : s2 + RECORD] + pkg[s1:s2] + pkg[s2 + RECORD :]
    out, call = _open_body(swapped)
    _expect(SegmentAuthenticationError, "segment_authentication_failed", call)
    assert out.getvalue() == BODY[:SEG]
    _expect(SignatureInvalidError, "signature_invalid", lambda: inspect(io.BytesIO(swapped)))
    duplicated = pkg[:s2] + pkg[s1:s2] + pkg[s2:]
    _expect(SegmentAuthenticationError, "segment_authentication_failed", _open_body(duplicated)[1])
    # the final segment moved to the front
    last = _segment_offset(info, "body", 4)
    moved = pkg[: info.body_offset + 36] + pkg[last : info.trailer_offset] + pkg[info.body_offset + 36 : last]
    moved += pkg[info.trailer_offset :]
    with pytest.raises((SegmentAuthenticationError, MalformedPackageError)):
        open_body(io.BytesIO(moved), KEY, io.BytesIO())


def test_parts_swapped(package: tuple[bytes, PackageInfo]) -> None:
    pkg, info = package
    # body records placed in the form part: their magic is checked first
    form_part = pkg[info.form_offset : info.body_offset]
    body_part = pkg[info.body_offset : info.trailer_offset]
    swapped = pkg[: info.form_offset] + b"FORM" + body_part[4:] + b"BODY" + form_part[4:] + pkg[info.trailer_offset :]
    _expect(HeaderMismatchError, "header_mismatch", lambda: open_form(io.BytesIO(swapped), KEY))


def test_wrong_key(package: tuple[bytes, PackageInfo]) -> None:
    pkg, _ = package
    wrong = data_key_of(b"someone else")
    _expect(KeyCommitmentMismatchError, "key_commitment_mismatch", lambda: open_form(io.BytesIO(pkg), wrong))
    out, call = _open_body(pkg, wrong)
    _expect(KeyCommitmentMismatchError, "key_commitment_mismatch", call)
    assert out.getvalue() == b""
    _expect(KeyCommitmentMismatchError, "key_commitment_mismatch", lambda: open_form(io.BytesIO(pkg), b"short"))


def test_swapped_header() -> None:
    # same data key and salt (same RNG), different project: only the header differs
    a, _ = seal_bytes(BODY, segment_size=SEG, rng=CounterRandom(SEED), project_id="FZ-2026-0001")
    b, _ = seal_bytes(BODY, segment_size=SEG, rng=CounterRandom(SEED), project_id="FZ-2026-0002-B")
    info_a, info_b = inspect(io.BytesIO(a)), inspect(io.BytesIO(b))
    swapped = b[: info_b.form_offset] + a[info_a.form_offset :]
    _expect(HeaderMismatchError, "header_mismatch", lambda: open_form(io.BytesIO(swapped), KEY))
    out, call = _open_body(swapped)
    _expect(HeaderMismatchError, "header_mismatch", call)
    assert out.getvalue() == b""
    # a header from a package with another key: the key commitment catches it first
    c, _ = seal_bytes(BODY, segment_size=SEG, rng=CounterRandom(b"other"))
    info_c = inspect(io.BytesIO(c))
    foreign = c[: info_c.form_offset] + a[info_a.form_offset :]
    _expect(KeyCommitmentMismatchError, "key_commitment_mismatch", lambda: open_form(io.BytesIO(foreign), KEY))
    _expect(HeaderMismatchError, "header_mismatch", lambda: open_form(io.BytesIO(foreign), data_key_of(b"other")))
    _expect(SignatureInvalidError, "signature_invalid", lambda: inspect(io.BytesIO(foreign)))


def test_errors_are_distinct_crypto_errors() -> None:
    from crypto.sealed import errors

    classes = [c for c in vars(errors).values() if isinstance(c, type) and issubclass(c, CryptoError)]
    codes = [c.code for c in classes]
    assert len(codes) == len(set(codes)) >= 15


def test_any_flipped_bit_is_a_crypto_error_for_every_reader() -> None:
    small, _ = seal_bytes(os.urandom(150), segment_size=64, rng=CounterRandom(SEED))
    info = inspect(io.BytesIO(small))
    for pos in range(0, len(small), 5):
        damaged = bytearray(small)
        damaged[pos] ^= 0x04
        data = bytes(damaged)
        with pytest.raises(CryptoError):
            inspect(io.BytesIO(data))
        out = io.BytesIO()
        with pytest.raises(CryptoError):
            open_body(io.BytesIO(data), KEY, out)
        # whole authenticated segments only (the full body when only the trailer is damaged)
        assert len(out.getvalue()) % 64 == 0 or pos >= info.trailer_offset
        if pos < info.body_offset:
            with pytest.raises(CryptoError):
                open_form(io.BytesIO(data), KEY)
