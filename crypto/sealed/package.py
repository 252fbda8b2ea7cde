"""Sealed-bid package writer and readers (``docs/sealed-bid-format.md``).

::

    package = header_block || form_part || body_part || trailer
    trailer = "SIGN" || uint32_be(len(sig)) || sig        sig: detached CMS SignedData over all
                                                            bytes before the trailer
    form plaintext = uint32_be(len(json)) || json || uint32_be(len(fsig)) || fsig
                                                            fsig: detached CMS SignedData over json

Verification order on every read: magic and version → header → (with a key) key commitment →
per part: binding tag → segments in order → trailer signature over the running SHA-256 → end of
stream. Nothing is decrypted before the key commitment has matched; no plaintext of a segment is
released before its tag verified. Body plaintext is streamed: when :func:`open_body` raises,
whatever it already wrote to ``out`` must be discarded (write to a temporary file, rename on
success).
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO, Final

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from crypto.errors import CryptoError, InvalidSubjectError
from crypto.sealed.envelope import EnvelopeInfo, build_envelope, cert_sha256, envelope_info
from crypto.sealed.errors import (
    InvalidFormError,
    MalformedPackageError,
    NotARecipientError,
    SignerMismatchError,
    TrailingDataError,
    TruncatedError,
)
from crypto.sealed.header import (
    DEFAULT_SEGMENT_SIZE,
    MAX_SEGMENT_SIZE,
    MIN_SEGMENT_SIZE,
    Header,
    Recipient,
    check_id,
    decode_header,
    encode_header,
    header_block,
    read_header_block,
)
from crypto.sealed.keys import (
    DATA_KEY_SIZE,
    SALT_SIZE,
    Randomness,
    SystemRandomness,
    check_commitment,
    key_commitment,
    part_keys,
)
from crypto.sealed.signature import SignerKey, VerifiedSignature, sign_detached, verify_detached
from crypto.sealed.stream import TRAILER_MAGIC, SegmentEncryptor, SegmentReader, Sink, Source, write_all
from crypto.subject import credit_code_from_identifier, validate_credit_code

MAX_FORM_SIZE: Final = 1024 * 1024
"""Largest opening form JSON accepted (bytes)."""
MAX_TRAILER_SIZE: Final = 1024 * 1024
MAX_FORM_PLAINTEXT: Final = MAX_FORM_SIZE + MAX_TRAILER_SIZE + 8


# -- results -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class SealResult:
    """What :func:`seal` / :meth:`PackageWriter.close` wrote."""

    header: Header
    digest: bytes
    """SHA-256 of every byte before the trailer: the content the bidder signed."""
    file_sha256: bytes
    """SHA-256 of the whole package file (what storage and receipts name)."""
    package_size: int
    form_size: int
    body_size: int
    body_offset: int
    body_segments: int


@dataclass(frozen=True)
class OpeningForm:
    """A decrypted opening form whose signature verified."""

    header: Header
    json_bytes: bytes
    data: dict[str, Any]
    signer_cert: x509.Certificate
    signing_time: datetime | None
    signature: bytes
    body_offset: int

    @property
    def price_fen(self) -> int:
        value = self.data["price_fen"]
        assert isinstance(value, int)
        return value


@dataclass(frozen=True)
class PackageInfo:
    """What :func:`inspect` finds without any key: layout, sizes, digests and the verified signature."""

    header: Header
    recipients: tuple[tuple[Recipient, EnvelopeInfo], ...]
    form_offset: int
    form_plaintext_size: int
    body_offset: int
    body_size: int
    body_segments: int
    trailer_offset: int
    package_size: int
    digest: bytes
    file_sha256: bytes
    signer_cert: x509.Certificate
    signing_time: datetime | None


@dataclass(frozen=True)
class BodyResult:
    """What :func:`open_body` wrote, after the body and the package signature verified."""

    header: Header
    form: OpeningForm
    body_size: int
    digest: bytes
    signer_cert: x509.Certificate


# -- the opening form ----------------------------------------------------------------------------


def validate_form(form: bytes) -> dict[str, Any]:
    """Check an opening form: a UTF-8 JSON object (≤ 1 MiB) with an integer ``price_fen`` ≥ 0."""
    if len(form) > MAX_FORM_SIZE:
        raise InvalidFormError(f"the opening form is larger than {MAX_FORM_SIZE} bytes")
    try:
        data = json.loads(form.decode("utf-8"), parse_float=_no_float)
    except UnicodeDecodeError:
        raise InvalidFormError("the opening form is not UTF-8") from None
    except json.JSONDecodeError as exc:
        raise InvalidFormError(f"the opening form is not valid JSON: {exc}") from None
    except ValueError as exc:
        raise InvalidFormError(str(exc)) from None
    if not isinstance(data, dict):
        raise InvalidFormError("the opening form must be a JSON object")
    price = data.get("price_fen")
    if type(price) is not int or price < 0:
        raise InvalidFormError("the opening form needs price_fen: a non-negative integer amount in fen (分)")
    return data


def _no_float(text: str) -> float:
    raise ValueError(f"the opening form must not contain decimal numbers ({text}); money is integer fen")


def _form_plaintext(form: bytes, signature: bytes) -> bytes:
    return struct.pack(">I", len(form)) + form + struct.pack(">I", len(signature)) + signature


def _split_form_plaintext(plaintext: bytes) -> tuple[bytes, bytes]:
    try:
        (n,) = struct.unpack_from(">I", plaintext, 0)
        form = plaintext[4 : 4 + n]
        (m,) = struct.unpack_from(">I", plaintext, 4 + n)
        signature = plaintext[8 + n : 8 + n + m]
    except struct.error:
        raise MalformedPackageError("the decrypted form part is not json and signature") from None
    if len(form) != n or len(signature) != m or 8 + n + m != len(plaintext):
        raise MalformedPackageError("the decrypted form part is not json and signature")
    return form, signature


# -- writer --------------------------------------------------------------------------------------


def _credit_code_of(cert: x509.Certificate) -> str:
    ids = cert.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_IDENTIFIER)
    if len(ids) != 1:
        raise InvalidSubjectError("the signer certificate carries no organizationIdentifier; pass bidder_credit_code")
    value = ids[0].value
    return credit_code_from_identifier(value if isinstance(value, str) else value.decode("utf-8"))


def _check_signer_key(key: object) -> None:
    if isinstance(key, rsa.RSAPrivateKey):
        if key.key_size < 2048:
            raise ValueError("RSA signer keys need at least 2048 bits")
    elif isinstance(key, ec.EllipticCurvePrivateKey):
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("EC signer keys must be on P-256")
    else:
        raise ValueError("the signer key must be RSA (>= 2048 bits) or EC P-256")


class PackageWriter:
    """Push-style sealer: the header and form are written on construction, then :meth:`write`
    (or :meth:`readfrom`) the body, then :meth:`close` for the final segment and the trailer.

    Memory stays at two segment buffers whatever the body size. Used with ``tarfile.open(fileobj=
    writer, mode="w|")`` it seals a tar stream as it is produced.
    """

    def __init__(
        self,
        out: BinaryIO,
        *,
        form: bytes,
        project_id: str,
        lot_id: str,
        recipients: list[x509.Certificate],
        signer_key: SignerKey,
        signer_cert: x509.Certificate,
        now: datetime,
        bidder_credit_code: str | None = None,
        segment_size: int = DEFAULT_SEGMENT_SIZE,
        rng: Randomness | None = None,
    ) -> None:
        validate_form(form)
        try:
            check_id(project_id, "project_id")
            check_id(lot_id, "lot_id")
            if bidder_credit_code is not None:
                validate_credit_code(bidder_credit_code)
        except CryptoError as exc:
            raise ValueError(exc.message) from None
        _check_signer_key(signer_key)
        if not recipients:
            raise ValueError("at least one recipient certificate is needed")
        if not MIN_SEGMENT_SIZE <= segment_size <= MAX_SEGMENT_SIZE:
            raise ValueError(f"segment_size must be in {MIN_SEGMENT_SIZE}..{MAX_SEGMENT_SIZE}")
        signer_public = signer_cert.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        key_public = signer_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        if signer_public != key_public:
            raise ValueError("the signer key does not belong to the signer certificate")
        rng = rng or SystemRandomness()
        self._key = signer_key
        self._cert = signer_cert
        self._now = now
        data_key = rng.token_bytes(DATA_KEY_SIZE)
        salt = rng.token_bytes(SALT_SIZE)
        entries: list[Recipient] = []
        for cert in recipients:
            fingerprint = cert_sha256(cert)
            if any(e.cert_sha256 == fingerprint for e in entries):
                continue
            entries.append(Recipient(cert_sha256=fingerprint, cms=build_envelope(data_key, cert, rng)))
        raw = encode_header(
            project_id=project_id,
            lot_id=lot_id,
            bidder_credit_code=bidder_credit_code or _credit_code_of(signer_cert),
            bidder_cert_sha256=cert_sha256(signer_cert),
            segment_size=segment_size,
            created_at=now,
            kdf_salt=salt,
            key_commitment=key_commitment(data_key, salt),
            recipients=entries,
        )
        self.header = decode_header(raw)
        self._sink = Sink(out)
        self._sink.write(header_block(raw))
        header_sha256 = self.header.sha256
        form_signature = sign_detached(hashlib.sha256(form).digest(), signer_key, signer_cert, now)
        form_part = SegmentEncryptor(self._sink, part_keys(data_key, salt, header_sha256, "form"), segment_size)
        form_part.write(_form_plaintext(form, form_signature))
        form_part.close()
        del form_part  # its segment buffers go before the body's are allocated
        self._form_size = len(form)
        self.body_offset = self._sink.offset
        self._body = SegmentEncryptor(self._sink, part_keys(data_key, salt, header_sha256, "body"), segment_size)
        del data_key
        self._result: SealResult | None = None

    def write(self, data: bytes | bytearray | memoryview) -> int:
        """Append body bytes (file-like ``write``)."""
        return self._body.write(data)

    def readfrom(self, body: BinaryIO) -> None:
        """Append everything ``body`` yields, reading straight into the segment buffers."""
        self._body.readfrom(body)

    def flush(self) -> None:
        """File-like no-op (segments are written as they fill)."""

    def close(self) -> SealResult:
        """Finish the body, sign the package digest and write the trailer. Idempotent."""
        if self._result is not None:
            return self._result
        self._body.close()
        digest = self._sink.hasher.digest()
        signature = sign_detached(digest, self._key, self._cert, self._now)
        # The trailer is outside the signed content but part of the file hash.
        trailer = TRAILER_MAGIC + struct.pack(">I", len(signature)) + signature
        file_hasher = self._sink.hasher.copy()
        file_hasher.update(trailer)
        self._sink.hashing = False
        self._sink.write(trailer)
        self._result = SealResult(
            header=self.header,
            digest=digest,
            file_sha256=file_hasher.digest(),
            package_size=self._sink.offset,
            form_size=self._form_size,
            body_size=self._body.plaintext_size,
            body_offset=self.body_offset,
            body_segments=self._body.segments,
        )
        return self._result


def seal(
    form: bytes,
    body: BinaryIO,
    out: BinaryIO,
    *,
    project_id: str,
    lot_id: str,
    recipients: list[x509.Certificate],
    signer_key: SignerKey,
    signer_cert: x509.Certificate,
    now: datetime,
    bidder_credit_code: str | None = None,
    segment_size: int = DEFAULT_SEGMENT_SIZE,
    rng: Randomness | None = None,
) -> SealResult:
    """Seal ``form`` (opening form JSON) and the ``body`` stream into ``out``; see :class:`PackageWriter`.

    ``rng`` replaces the system CSPRNG (data key, salt, CEKs, IVs, ephemeral EC keys, OAEP seeds):
    only for reproducible test vectors.
    """
    writer = PackageWriter(
        out,
        form=form,
        project_id=project_id,
        lot_id=lot_id,
        recipients=recipients,
        signer_key=signer_key,
        signer_cert=signer_cert,
        now=now,
        bidder_credit_code=bidder_credit_code,
        segment_size=segment_size,
        rng=rng,
    )
    writer.readfrom(body)
    return writer.close()


# -- readers -------------------------------------------------------------------------------------


def read_header(stream: BinaryIO) -> Header:
    """Read and validate the header block at the start of ``stream`` (left at the form part)."""
    return read_header_block(Source(stream))


def recipient_blob(header: Header, cert: x509.Certificate) -> bytes:
    """The CMS EnvelopedData blob for ``cert`` (what the opening room sends to that key holder)."""
    fingerprint = cert_sha256(cert)
    for recipient in header.recipients:
        if recipient.cert_sha256 == fingerprint:
            return recipient.cms
    raise NotARecipientError(f"certificate {fingerprint[:16]}… is not a recipient of this package")


def check_signer(header: Header, verified: VerifiedSignature, what: str) -> None:
    if cert_sha256(verified.signer_cert) != header.bidder_cert_sha256:
        raise SignerMismatchError(f"the {what} is signed with another certificate than the header's bidder certificate")


def _read_trailer(source: Source, header: Header) -> tuple[bytes, VerifiedSignature]:
    digest = source.hasher.digest()
    source.hashing = False
    magic = source.read_upto(4)
    if len(magic) < 4:
        raise TruncatedError("the package ends before its signature trailer")
    if magic != TRAILER_MAGIC:
        raise MalformedPackageError(f"expected the signature trailer at byte {source.offset - 4}")
    (length,) = struct.unpack(">I", source.read_exact(4, "the trailer length"))
    if not 0 < length <= MAX_TRAILER_SIZE:
        raise MalformedPackageError(f"trailer length {length} out of range")
    signature = source.read_exact(length, "the signature trailer")
    if source.read_upto(1):
        raise TrailingDataError(f"data follows the signature trailer at byte {source.offset - 1}")
    verified = verify_detached(signature, digest)
    check_signer(header, verified, "package")
    return digest, verified


class _FileHash:
    """SHA-256 of every byte read from a stream, for ``file_sha256``."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self.hasher = hashlib.sha256()

    def read(self, n: int = -1) -> bytes | None:
        data: bytes | None = self._stream.read(n)
        if data is not None:  # None: a non-blocking stream with nothing yet; the Source refuses it
            self.hasher.update(data)
        return data

    def readinto(self, view: memoryview) -> int | None:
        readinto = getattr(self._stream, "readinto", None)
        if readinto is None:
            data: bytes | None = self._stream.read(len(view))
            if data is None:
                return None
            view[: len(data)] = data
            n: int | None = len(data)
        else:
            n = readinto(view)
        if n:
            self.hasher.update(view[:n])
        return n


def inspect(stream: BinaryIO) -> PackageInfo:
    """Verify a package without any key, streaming: layout, header, recipients' envelopes parse,
    every segment record, and the bidder's signature over the package digest.

    This is what the server runs on upload. Raises the specific :mod:`crypto.sealed.errors` class.
    """
    counted = _FileHash(stream)
    source = Source(counted)  # type: ignore[arg-type]
    header = read_header_block(source)
    recipients = tuple((r, envelope_info(r.cms)) for r in header.recipients)
    form_offset = source.offset
    form = SegmentReader(source, "form", header.segment_size, None)
    form.drain()
    if form.plaintext_size > MAX_FORM_PLAINTEXT:
        raise MalformedPackageError("the form part is larger than the format allows")
    body = SegmentReader(source, "body", header.segment_size, None)
    body.drain()
    trailer_offset = source.offset
    digest, verified = _read_trailer(source, header)
    return PackageInfo(
        header=header,
        recipients=recipients,
        form_offset=form_offset,
        form_plaintext_size=form.plaintext_size,
        body_offset=body.start_offset,
        body_size=body.plaintext_size,
        body_segments=body.segment_count,
        trailer_offset=trailer_offset,
        package_size=source.offset,
        digest=digest,
        file_sha256=counted.hasher.digest(),
        signer_cert=verified.signer_cert,
        signing_time=verified.signing_time,
    )


def check_key(header: Header, data_key: bytes) -> None:
    """Check ``data_key`` against the header's key commitment (raises ``key_commitment_mismatch``)."""
    check_commitment(data_key, header.kdf_salt, header.key_commitment)


def _open_form_part(source: Source, header: Header, data_key: bytes) -> OpeningForm:
    keys = part_keys(data_key, header.kdf_salt, header.sha256, "form")
    reader = SegmentReader(source, "form", header.segment_size, keys)
    plaintext = bytearray()
    for segment in reader.segments():
        if len(plaintext) + len(segment) > MAX_FORM_PLAINTEXT:
            raise MalformedPackageError("the form part is larger than the format allows")
        plaintext += segment
    form, signature = _split_form_plaintext(bytes(plaintext))
    verified = verify_detached(signature, hashlib.sha256(form).digest())
    check_signer(header, verified, "opening form")
    try:
        data = validate_form(form)
    except InvalidFormError as exc:
        raise MalformedPackageError(f"the signed opening form is invalid: {exc.message}") from None
    return OpeningForm(
        header=header,
        json_bytes=form,
        data=data,
        signer_cert=verified.signer_cert,
        signing_time=verified.signing_time,
        signature=signature,
        body_offset=source.offset,
    )


def open_form(stream: BinaryIO, data_key: bytes) -> OpeningForm:
    """Decrypt and verify the opening form, reading only the header and the form part.

    ``stream`` may hold just the first bytes of the package (up to :attr:`OpeningForm.body_offset`);
    the body and the trailer are not read. Checks, in order: header, key commitment, form binding
    tag, form segments, the bidder's form signature and that its signer is the header's bidder
    certificate.
    """
    source = Source(stream)
    header = read_header_block(source)
    check_key(header, data_key)
    return _open_form_part(source, header, data_key)


def open_form_bytes(prefix: bytes, data_key: bytes) -> OpeningForm:
    """:func:`open_form` on the first bytes of a package (e.g. a ranged read of the stored object)."""
    return open_form(io.BytesIO(prefix), data_key)


def locate_body(stream: BinaryIO) -> tuple[Header, int]:
    """Return the header and the byte offset of the body part, reading only the header and form records."""
    source = Source(stream)
    header = read_header_block(source)
    form = SegmentReader(source, "form", header.segment_size, None)
    form.drain()
    return header, source.offset


def open_body(stream: BinaryIO, data_key: bytes, out: BinaryIO) -> BodyResult:
    """Decrypt the body of a whole package to ``out``, then verify the package signature.

    The opening form is decrypted and verified on the way (it precedes the body) and returned in
    :attr:`BodyResult.form`.

    Plaintext is written segment by segment as each one authenticates: if this raises, whatever
    was written to ``out`` is incomplete or unverified and **must be discarded**.
    """
    source = Source(stream)
    header = read_header_block(source)
    check_key(header, data_key)
    form = _open_form_part(source, header, data_key)
    keys = part_keys(data_key, header.kdf_salt, header.sha256, "body")
    reader = SegmentReader(source, "body", header.segment_size, keys)
    write = out.write
    for segment in reader.segments():
        write_all(write, segment)
    digest, verified = _read_trailer(source, header)
    return BodyResult(
        header=header, form=form, body_size=reader.plaintext_size, digest=digest, signer_cert=verified.signer_cert
    )
