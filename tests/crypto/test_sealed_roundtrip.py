"""Sealed-bid packages: seal, inspect without a key, unwrap, open the form, open the body."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile

import pytest

from crypto.sealed import (
    InvalidFormError,
    PackageWriter,
    UnsupportedRecipientError,
    cert_sha256,
    inspect,
    locate_body,
    open_body,
    open_form,
    open_form_bytes,
    read_header,
    recipient_blob,
    seal,
    unwrap_data_key,
    validate_form,
)
from crypto.sealed.header import MAGIC
from tests.fixtures.sealed import FORM, SEALED_AT, CounterRandom, data_key_of, party, seal_bytes


@pytest.mark.parametrize("signer_type", ["rsa2048", "rsa3072", "ec-p256"])
@pytest.mark.parametrize("recipient_type", ["rsa2048", "rsa3072", "ec-p256"])
def test_round_trip(signer_type: str, recipient_type: str) -> None:
    signer = party(signer_type)
    recipient = party(recipient_type, "centre")
    body = os.urandom(3 * 1024 + 100)
    pkg, result = seal_bytes(body, signer=signer, recipients=[recipient], segment_size=1024)
    assert pkg.startswith(MAGIC)
    assert result.package_size == len(pkg)
    assert result.file_sha256 == hashlib.sha256(pkg).digest()
    assert result.body_size == len(body) and result.body_segments == 4 and result.form_size == len(FORM)

    info = inspect(io.BytesIO(pkg))
    assert info.digest == result.digest
    assert info.file_sha256 == result.file_sha256
    assert info.body_size == len(body) and info.body_segments == 4 and info.body_offset == result.body_offset
    assert info.package_size == len(pkg)
    assert info.signer_cert == signer.cert
    assert info.signing_time == SEALED_AT
    assert info.header.bidder_credit_code == "91350100M000100Y43"
    assert info.header.bidder_cert_sha256 == cert_sha256(signer.cert)
    assert info.recipients[0][1].kind == ("ecdh-p256" if recipient_type == "ec-p256" else "rsa-oaep")

    data_key = unwrap_data_key(recipient_blob(info.header, recipient.cert), recipient.key, recipient.cert)
    form = open_form(io.BytesIO(pkg), data_key)
    assert form.json_bytes == FORM
    assert form.price_fen == 123456789
    assert form.data["bidder"] == "福州示例"
    assert form.signer_cert == signer.cert
    assert form.body_offset == result.body_offset

    out = io.BytesIO()
    opened = open_body(io.BytesIO(pkg), data_key, out)
    assert out.getvalue() == body
    assert opened.body_size == len(body) and opened.digest == result.digest and opened.signer_cert == signer.cert
    assert opened.form.json_bytes == FORM


@pytest.mark.parametrize(
    ("size", "segments"),
    [(0, 1), (1, 1), (1024, 1), (2048, 2), (2049, 3), (10 * 1024, 10)],
    ids=["empty", "one-byte", "exactly-one", "exact-multiple", "multiple-plus-one", "ten"],
)
def test_body_sizes(size: int, segments: int) -> None:
    body = os.urandom(size)
    seed = b"sizes"
    pkg, result = seal_bytes(body, segment_size=1024, rng=CounterRandom(seed))
    assert result.body_segments == segments
    info = inspect(io.BytesIO(pkg))
    assert (info.body_size, info.body_segments) == (size, segments)
    out = io.BytesIO()
    open_body(io.BytesIO(pkg), data_key_of(seed), out)
    assert out.getvalue() == body


def test_multi_segment_default_size() -> None:
    body = os.urandom(3 * 1024 * 1024 + 17)
    pkg, result = seal_bytes(body, segment_size=1024 * 1024, rng=CounterRandom(b"big"))
    assert result.body_segments == 4
    out = io.BytesIO()
    open_body(io.BytesIO(pkg), data_key_of(b"big"), out)
    assert out.getvalue() == body


def test_form_from_first_bytes_only_and_body_offset() -> None:
    pkg, result = seal_bytes(os.urandom(5000), rng=CounterRandom(b"prefix"))
    header, offset = locate_body(io.BytesIO(pkg))
    assert offset == result.body_offset
    assert header.raw == result.header.raw
    form = open_form_bytes(pkg[:offset], data_key_of(b"prefix"))
    assert form.json_bytes == FORM
    assert read_header(io.BytesIO(pkg[:200_000])).sha256 == result.header.sha256


def test_push_writer_with_streaming_tar(tmp_path: object) -> None:
    signer = party("rsa2048")
    recipient = party("ec-p256", "centre")
    files = {"技术标.pdf": os.urandom(5000), "商务标.pdf": os.urandom(70)}
    out = io.BytesIO()
    writer = PackageWriter(
        out,
        form=FORM,
        project_id="FZ-2026-0001",
        lot_id="01",
        recipients=[recipient.cert],
        signer_key=signer.key,  # type: ignore[arg-type]
        signer_cert=signer.cert,
        now=SEALED_AT,
        segment_size=1024,
    )
    with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:  # type: ignore[call-overload]
        for name, data in files.items():
            entry = tarfile.TarInfo(name)
            entry.size = len(data)
            tar.addfile(entry, io.BytesIO(data))
    result = writer.close()
    assert writer.close() is result
    pkg = out.getvalue()
    key = unwrap_data_key(recipient_blob(result.header, recipient.cert), recipient.key)
    body = io.BytesIO()
    open_body(io.BytesIO(pkg), key, body)
    body.seek(0)
    with tarfile.open(fileobj=body, mode="r|") as tar:
        got = {m.name: tar.extractfile(m).read() for m in tar}  # type: ignore[union-attr]
    assert got == files


def test_duplicate_recipients_are_listed_once_and_several_recipients_work() -> None:
    a, b = party("rsa2048", "centre"), party("ec-p256", "centre")
    _pkg, result = seal_bytes(b"x", recipients=[a, b, a])
    assert [r.cert_sha256 for r in result.header.recipients] == [cert_sha256(a.cert), cert_sha256(b.cert)]
    keys = {unwrap_data_key(recipient_blob(result.header, p.cert), p.key) for p in (a, b)}
    assert len(keys) == 1


@pytest.mark.parametrize(
    "form",
    [
        b"not json",
        b"[1,2]",
        b'{"price":1}',
        b'{"price_fen":-1}',
        b'{"price_fen":1.5}',
        b'{"price_fen":"100"}',
        b'{"price_fen":true}',
        b'{"price_fen":1,"rate":0.5}',
        b"\xff\xfe",
    ],
)
def test_invalid_forms_are_refused(form: bytes) -> None:
    with pytest.raises(InvalidFormError) as err:
        validate_form(form)
    assert err.value.code == "invalid_form"
    with pytest.raises(InvalidFormError):
        seal_bytes(b"", form=form)


def test_valid_form_and_chinese_ids() -> None:
    assert validate_form(json.dumps({"price_fen": 0, "工期": "180天"}).encode()) == {"price_fen": 0, "工期": "180天"}
    pkg, _result = seal_bytes(b"", project_id="闽榕招〔2026〕1号", lot_id="第一标段", rng=CounterRandom(b"cn"))
    assert inspect(io.BytesIO(pkg)).header.project_id == "闽榕招〔2026〕1号"
    assert open_form(io.BytesIO(pkg), data_key_of(b"cn")).header.lot_id == "第一标段"


def test_seal_refuses_bad_arguments() -> None:
    signer = party("ec-p256")
    other = party("rsa2048")
    kwargs = {
        "project_id": "P",
        "lot_id": "L",
        "recipients": [party("rsa2048", "centre").cert],
        "signer_key": signer.key,
        "signer_cert": signer.cert,
        "now": SEALED_AT,
    }
    with pytest.raises(ValueError, match="signer key"):
        seal(FORM, io.BytesIO(b""), io.BytesIO(), **{**kwargs, "signer_key": other.key})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="recipient"):
        seal(FORM, io.BytesIO(b""), io.BytesIO(), **{**kwargs, "recipients": []})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="project_id"):
        seal(FORM, io.BytesIO(b""), io.BytesIO(), **{**kwargs, "project_id": ""})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="check character"):
        seal(FORM, io.BytesIO(b""), io.BytesIO(), **{**kwargs, "bidder_credit_code": "91350100M000100Y44"})  # type: ignore[arg-type]
    from cryptography.hazmat.primitives.asymmetric import ed25519

    with pytest.raises(ValueError, match="signer key"):
        seal(FORM, io.BytesIO(b""), io.BytesIO(), **{**kwargs, "signer_key": ed25519.Ed25519PrivateKey.generate()})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="segment_size"):
        seal(FORM, io.BytesIO(b""), io.BytesIO(), **{**kwargs, "segment_size": 10})  # type: ignore[arg-type]


def test_unsupported_recipient_key() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    from crypto.sealed.envelope import build_envelope

    p384 = ec.generate_private_key(ec.SECP384R1())
    cert = party("ec-p256", "centre").cert
    # A certificate object whose key is P-384: re-sign the recipient certificate's content with a P-384 key.
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    builder = (
        x509.CertificateBuilder()
        .subject_name(cert.subject)
        .issuer_name(cert.issuer)
        .public_key(p384.public_key())
        .serial_number(5)
        .not_valid_before(cert.not_valid_before_utc)
        .not_valid_after(cert.not_valid_after_utc)
    )
    odd = builder.sign(p384, hashes.SHA256())
    with pytest.raises(UnsupportedRecipientError) as err:
        build_envelope(os.urandom(32), odd)
    assert err.value.code == "unsupported_recipient"


def test_non_blocking_source_is_not_taken_for_the_end() -> None:
    class Stalling(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int | None:  # type: ignore[override]
            return None

    with pytest.raises(BlockingIOError):
        seal(
            FORM,
            Stalling(),
            io.BytesIO(),
            project_id="P",
            lot_id="L",
            recipients=[party("rsa2048", "centre").cert],
            signer_key=party("ec-p256").key,  # type: ignore[arg-type]
            signer_cert=party("ec-p256").cert,
            now=SEALED_AT,
        )
    with pytest.raises(BlockingIOError):
        inspect(Stalling())  # type: ignore[arg-type]


def test_partial_writes_of_raw_streams_are_completed() -> None:
    class Dribble(io.RawIOBase):
        """Takes at most 1000 bytes per write, like a raw pipe may."""

        def __init__(self) -> None:
            self.data = bytearray()

        def writable(self) -> bool:
            return True

        def write(self, b: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
            chunk = bytes(b[:1000])
            self.data += chunk
            return len(chunk)

    body = os.urandom(5000)
    sealed_out = Dribble()
    signer, recipient = party("ec-p256"), party("ec-p256", "centre")
    seal(
        FORM,
        io.BytesIO(body),
        sealed_out,  # type: ignore[arg-type]
        project_id="P",
        lot_id="L",
        recipients=[recipient.cert],
        signer_key=signer.key,  # type: ignore[arg-type]
        signer_cert=signer.cert,
        now=SEALED_AT,
        segment_size=4096,
        rng=CounterRandom(b"dribble"),
    )
    plain = Dribble()
    open_body(io.BytesIO(bytes(sealed_out.data)), data_key_of(b"dribble"), plain)  # type: ignore[arg-type]
    assert bytes(plain.data) == body
