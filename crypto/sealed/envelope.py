"""The digital envelope (数字信封): the data key wrapped for one certificate in CMS EnvelopedData.

Profile (RFC 5652 §6), one EnvelopedData per recipient, DER, in a ContentInfo:

* content: the 32-byte data key, ``id-data``, encrypted with AES-256-CBC (RFC 3565 §2.2, random
  IV as parameters, PKCS#7 padding, RFC 5652 §6.3) under a fresh 256-bit content-encryption
  key (CEK). ``openssl cms -decrypt`` therefore prints exactly the data key.
* RSA certificate: KeyTransRecipientInfo v0 (RFC 5652 §6.2.1), rid = issuerAndSerialNumber,
  RSAES-OAEP (RFC 8017 §7.1) with RSAES-OAEP-params of RFC 4055 §4.1: SHA-256, MGF1-SHA-256,
  empty label. EnvelopedData version 0.
* EC P-256 certificate: KeyAgreeRecipientInfo v3 (RFC 5652 §6.2.2), ephemeral-static ECDH
  (RFC 5753 §3.1.1), originator = originatorKey (id-ecPublicKey, parameters absent, uncompressed
  point), no ukm, keyEncryptionAlgorithm dhSinglePass-stdDH-sha256kdf-scheme (1.3.132.1.11.1)
  whose parameter is the key-wrap algorithm id-aes256-wrap (RFC 3565 §2.3.2, parameters absent);
  KEK = ANSI X9.63 KDF with SHA-256 over Z and the DER ECC-CMS-SharedInfo (RFC 5753 §7.2,
  suppPubInfo = 256 as uint32_be); CEK wrapped with AES Key Wrap (RFC 3394). EnvelopedData
  version 2.

All of it maps onto WebCrypto: RSA-OAEP, ECDH deriveBits + SHA-256 digest (the X9.63 KDF is one
SHA-256 call for 32 bytes), AES-KW and AES-CBC.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Final

from asn1crypto import algos, cms, core, keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives import hashes, keywrap, padding, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric import padding as asym_padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.x963kdf import X963KDF

from crypto.sealed.errors import MalformedEnvelopeError, NotARecipientError, UnsupportedRecipientError
from crypto.sealed.keys import DATA_KEY_SIZE, Randomness, SystemRandomness

ECDH_SHA256_KDF_OID: Final = "1.3.132.1.11.1"  # dhSinglePass-stdDH-sha256kdf-scheme (SEC 1 / RFC 5753 §7.1.4)
MIN_RSA_BITS: Final = 2048
MAX_ENVELOPE_SIZE: Final = 64 * 1024


class EccCmsSharedInfo(core.Sequence):  # type: ignore[misc]
    """ECC-CMS-SharedInfo (RFC 5753 §7.2)."""

    _fields = [
        ("key_info", cms.KeyEncryptionAlgorithm),
        ("entity_u_info", core.OctetString, {"explicit": 0, "optional": True}),
        ("supp_pub_info", core.OctetString, {"explicit": 2}),
    ]


@dataclass(frozen=True)
class EnvelopeInfo:
    """What a recipient blob says about its recipient, readable without any key."""

    kind: str  # "rsa-oaep" | "ecdh-p256"
    issuer: str
    serial_number: int


def cert_sha256(cert: x509.Certificate) -> str:
    """Lowercase hex SHA-256 of the certificate's DER encoding (its fingerprint)."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _issuer_and_serial(cert: x509.Certificate) -> cms.IssuerAndSerialNumber:
    parsed = asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))
    return cms.IssuerAndSerialNumber({"issuer": parsed.issuer, "serial_number": parsed.serial_number})


def _oaep_params() -> algos.RSAESOAEPParams:
    sha256 = {"algorithm": "sha256", "parameters": core.Null()}
    return algos.RSAESOAEPParams(
        {"hash_algorithm": sha256, "mask_gen_algorithm": {"algorithm": "mgf1", "parameters": sha256}}
    )


def _mgf1_sha256(seed: bytes, length: int) -> bytes:
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def _oaep_encrypt_with_seed(public_key: rsa.RSAPublicKey, message: bytes, seed: bytes) -> bytes:
    """RSAES-OAEP-ENCRYPT (RFC 8017 §7.1.1) with a given seed: only for reproducible test vectors."""
    numbers = public_key.public_numbers()
    k = (public_key.key_size + 7) // 8
    h_len = 32
    l_hash = hashlib.sha256(b"").digest()
    ps = b"\x00" * (k - len(message) - 2 * h_len - 2)
    db = l_hash + ps + b"\x01" + message
    masked_db = bytes(a ^ b for a, b in zip(db, _mgf1_sha256(seed, k - h_len - 1), strict=True))
    masked_seed = bytes(a ^ b for a, b in zip(seed, _mgf1_sha256(masked_db, h_len), strict=True))
    em = int.from_bytes(b"\x00" + masked_seed + masked_db, "big")
    return pow(em, numbers.e, numbers.n).to_bytes(k, "big")


def _ec_private_from_random(rng: Randomness) -> ec.EllipticCurvePrivateKey:
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    while True:
        d = int.from_bytes(rng.token_bytes(32), "big")
        if 1 <= d < order:
            return ec.derive_private_key(d, ec.SECP256R1())


def _shared_info(wrap: cms.KeyEncryptionAlgorithm, ukm: bytes | None) -> bytes:
    fields: dict[str, Any] = {"key_info": wrap, "supp_pub_info": (256).to_bytes(4, "big")}
    if ukm is not None:
        fields["entity_u_info"] = ukm
    return bytes(EccCmsSharedInfo(fields).dump())


def _kek(shared_secret: bytes, wrap: cms.KeyEncryptionAlgorithm, ukm: bytes | None) -> bytes:
    return X963KDF(algorithm=hashes.SHA256(), length=32, sharedinfo=_shared_info(wrap, ukm)).derive(shared_secret)


def build_envelope(data_key: bytes, cert: x509.Certificate, rng: Randomness | None = None) -> bytes:
    """Wrap ``data_key`` for ``cert`` in a DER ContentInfo(EnvelopedData) as profiled above."""
    if len(data_key) != DATA_KEY_SIZE:
        raise ValueError("the data key must be 32 bytes")
    rng = rng or SystemRandomness()
    public_key = cert.public_key()
    cek = rng.token_bytes(32)
    iv = rng.token_bytes(16)
    rid = _issuer_and_serial(cert)
    recipient: cms.RecipientInfo
    if isinstance(public_key, rsa.RSAPublicKey):
        if public_key.key_size < MIN_RSA_BITS:
            raise UnsupportedRecipientError(f"RSA recipient keys need at least {MIN_RSA_BITS} bits")
        if isinstance(rng, SystemRandomness):
            oaep = asym_padding.OAEP(mgf=asym_padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
            encrypted_key = public_key.encrypt(cek, oaep)
        else:
            encrypted_key = _oaep_encrypt_with_seed(public_key, cek, rng.token_bytes(32))
        recipient = cms.RecipientInfo(
            name="ktri",
            value=cms.KeyTransRecipientInfo(
                {
                    "version": "v0",
                    "rid": cms.RecipientIdentifier(name="issuer_and_serial_number", value=rid),
                    "key_encryption_algorithm": {"algorithm": "rsaes_oaep", "parameters": _oaep_params()},
                    "encrypted_key": encrypted_key,
                }
            ),
        )
        version = "v0"
    elif isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(public_key.curve, ec.SECP256R1):
        ephemeral = _ec_private_from_random(rng)
        shared = ephemeral.exchange(ec.ECDH(), public_key)
        wrap = cms.KeyEncryptionAlgorithm({"algorithm": "aes256_wrap"})
        encrypted_key = keywrap.aes_key_wrap(_kek(shared, wrap, None), cek)
        point = ephemeral.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        originator = keys.PublicKeyInfo({"algorithm": {"algorithm": "ec"}, "public_key": point})
        recipient = cms.RecipientInfo(
            name="kari",
            value=cms.KeyAgreeRecipientInfo(
                {
                    "version": "v3",
                    "originator": cms.OriginatorIdentifierOrKey(name="originator_key", value=originator),
                    "key_encryption_algorithm": {
                        "algorithm": ECDH_SHA256_KDF_OID,
                        "parameters": core.Any.load(wrap.dump()),
                    },
                    "recipient_encrypted_keys": [
                        {
                            "rid": cms.KeyAgreementRecipientIdentifier(name="issuer_and_serial_number", value=rid),
                            "encrypted_key": encrypted_key,
                        }
                    ],
                }
            ),
        )
        version = "v2"
    else:
        raise UnsupportedRecipientError("recipient certificates must hold an RSA (>= 2048 bits) or EC P-256 key")
    padder = padding.PKCS7(128).padder()
    padded = padder.update(data_key) + padder.finalize()
    encryptor = Cipher(algorithms.AES(cek), modes.CBC(iv)).encryptor()
    content = encryptor.update(padded) + encryptor.finalize()
    enveloped = cms.EnvelopedData(
        {
            "version": version,
            "recipient_infos": [recipient],
            "encrypted_content_info": {
                "content_type": "data",
                "content_encryption_algorithm": {"algorithm": "aes256_cbc", "parameters": iv},
                "encrypted_content": content,
            },
        }
    )
    return bytes(cms.ContentInfo({"content_type": "enveloped_data", "content": enveloped}).dump())


def _parse(blob: bytes) -> tuple[cms.EnvelopedData, cms.RecipientInfo]:
    if len(blob) > MAX_ENVELOPE_SIZE:
        raise MalformedEnvelopeError("recipient envelope too large")
    try:
        info = cms.ContentInfo.load(blob, strict=True)
        if info["content_type"].native != "enveloped_data":
            raise MalformedEnvelopeError("the recipient blob is not a CMS EnvelopedData")
        enveloped = info["content"]
        recipients = enveloped["recipient_infos"]
        if len(recipients) != 1:
            raise MalformedEnvelopeError("a recipient blob must hold exactly one RecipientInfo")
        recipient = recipients[0]
        info.native  # noqa: B018 - forces a full parse so errors surface here, not on a later access
    except MalformedEnvelopeError:
        raise
    except Exception:  # asn1crypto raises many types (ValueError, TypeError, AttributeError …) on bad DER
        raise MalformedEnvelopeError("the recipient blob is not valid DER CMS") from None
    return enveloped, recipient


def _rid_text(rid: cms.IssuerAndSerialNumber) -> tuple[str, int]:
    return rid["issuer"].human_friendly, int(rid["serial_number"].native)


def envelope_info(blob: bytes) -> EnvelopeInfo:
    """Describe the recipient of a blob (key transport or agreement, issuer, serial) without a key."""
    _, recipient = _parse(blob)
    if recipient.name == "ktri":
        rid = recipient.chosen["rid"]
        if rid.name != "issuer_and_serial_number":
            raise MalformedEnvelopeError("only issuerAndSerialNumber recipient identifiers are used")
        issuer, serial = _rid_text(rid.chosen)
        return EnvelopeInfo("rsa-oaep", issuer, serial)
    if recipient.name == "kari":
        keys_ = recipient.chosen["recipient_encrypted_keys"]
        if len(keys_) != 1 or keys_[0]["rid"].name != "issuer_and_serial_number":
            raise MalformedEnvelopeError("a key agreement envelope must hold one issuerAndSerialNumber recipient")
        issuer, serial = _rid_text(keys_[0]["rid"].chosen)
        return EnvelopeInfo("ecdh-p256", issuer, serial)
    raise MalformedEnvelopeError(f"recipient type {recipient.name} is not used by this format")


def _check_rid(rid: cms.IssuerAndSerialNumber, cert: x509.Certificate | None) -> None:
    if cert is None:
        return
    mine = _issuer_and_serial(cert)
    if rid["issuer"].dump() != mine["issuer"].dump() or rid["serial_number"].native != mine["serial_number"].native:
        raise NotARecipientError("this envelope is addressed to another certificate")


def _unwrap_ktri(ktri: cms.KeyTransRecipientInfo, private_key: object) -> bytes:
    alg = ktri["key_encryption_algorithm"]
    if alg["algorithm"].native != "rsaes_oaep":
        raise MalformedEnvelopeError("RSA envelopes must use RSAES-OAEP")
    params = alg["parameters"].native or {}
    hash_name = (params.get("hash_algorithm") or {}).get("algorithm")
    mgf = params.get("mask_gen_algorithm") or {}
    mgf_hash = (mgf.get("parameters") or {}).get("algorithm")
    source = params.get("p_source_algorithm") or {}
    if hash_name != "sha256" or mgf.get("algorithm") != "mgf1" or mgf_hash != "sha256" or source.get("parameters"):
        raise MalformedEnvelopeError("RSAES-OAEP parameters must be SHA-256, MGF1-SHA-256 and an empty label")
    if not isinstance(private_key, rsa.RSAPrivateKey):
        raise NotARecipientError("this envelope is for an RSA key; the private key given is not RSA")
    oaep = asym_padding.OAEP(mgf=asym_padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    try:
        return private_key.decrypt(ktri["encrypted_key"].native, oaep)
    except ValueError:
        raise NotARecipientError("the private key does not open this envelope") from None


def _unwrap_kari(kari: cms.KeyAgreeRecipientInfo, private_key: object, cert: x509.Certificate | None) -> bytes:
    alg = kari["key_encryption_algorithm"]
    if alg["algorithm"].dotted != ECDH_SHA256_KDF_OID:
        raise MalformedEnvelopeError("EC envelopes must use dhSinglePass-stdDH-sha256kdf-scheme")
    try:
        wrap = cms.KeyEncryptionAlgorithm.load(alg["parameters"].dump())
    except ValueError:
        raise MalformedEnvelopeError("the key agreement parameters are not a key-wrap algorithm") from None
    if wrap["algorithm"].native != "aes256_wrap":
        raise MalformedEnvelopeError("EC envelopes must wrap with id-aes256-wrap")
    originator = kari["originator"]
    if originator.name != "originator_key":
        raise MalformedEnvelopeError("the originator must be an ephemeral originatorKey (RFC 5753 §3.1.1)")
    encrypted = kari["recipient_encrypted_keys"]
    if len(encrypted) != 1 or encrypted[0]["rid"].name != "issuer_and_serial_number":
        raise MalformedEnvelopeError("a key agreement envelope must hold one issuerAndSerialNumber recipient")
    _check_rid(encrypted[0]["rid"].chosen, cert)
    if not isinstance(private_key, ec.EllipticCurvePrivateKey) or not isinstance(private_key.curve, ec.SECP256R1):
        raise NotARecipientError("this envelope is for an EC P-256 key; the private key given is not one")
    try:
        peer = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), originator.chosen["public_key"].native)
    except ValueError:
        raise MalformedEnvelopeError("the originator key is not a P-256 point") from None
    ukm_value = kari["ukm"]
    ukm = ukm_value.native if ukm_value.native is not None else None
    kek = _kek(private_key.exchange(ec.ECDH(), peer), wrap, ukm)
    try:
        return keywrap.aes_key_unwrap(kek, encrypted[0]["encrypted_key"].native)
    except (keywrap.InvalidUnwrap, InvalidKey, ValueError):
        raise NotARecipientError("the private key does not open this envelope") from None


def unwrap_data_key(blob: bytes, private_key: object, cert: x509.Certificate | None = None) -> bytes:
    """Open a recipient blob with the recipient's private key and return the 32-byte data key.

    With ``cert``, first check that the blob is addressed to that certificate (issuer and serial).
    Raises :class:`NotARecipientError` when the key does not open it, and
    :class:`MalformedEnvelopeError` when the blob is outside the profile.
    """
    enveloped, recipient = _parse(blob)
    if recipient.name == "ktri":
        ktri = recipient.chosen
        if ktri["rid"].name != "issuer_and_serial_number":
            raise MalformedEnvelopeError("only issuerAndSerialNumber recipient identifiers are used")
        _check_rid(ktri["rid"].chosen, cert)
        cek = _unwrap_ktri(ktri, private_key)
    elif recipient.name == "kari":
        cek = _unwrap_kari(recipient.chosen, private_key, cert)
    else:
        raise MalformedEnvelopeError(f"recipient type {recipient.name} is not used by this format")
    eci = enveloped["encrypted_content_info"]
    cea = eci["content_encryption_algorithm"]
    if cea["algorithm"].native != "aes256_cbc" or len(cek) != 32:
        raise MalformedEnvelopeError("the content must be encrypted with AES-256-CBC")
    iv = cea["parameters"].native
    content = eci["encrypted_content"].native
    if not isinstance(iv, bytes) or len(iv) != 16 or not isinstance(content, bytes) or len(content) != 48:
        raise MalformedEnvelopeError("the encrypted content must be a 32-byte key in AES-256-CBC (48 bytes)")
    decryptor = Cipher(algorithms.AES(cek), modes.CBC(iv)).decryptor()
    padded = decryptor.update(content) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        data_key = unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise NotARecipientError("the envelope content does not decrypt (wrong key)") from None
    if len(data_key) != DATA_KEY_SIZE:
        raise MalformedEnvelopeError("the envelope does not hold a 32-byte data key")
    return data_key
