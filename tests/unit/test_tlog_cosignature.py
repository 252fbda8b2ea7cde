"""C2SP tlog-cosignature v1 (crypto/tlog/cosignature.py): the signed message byte for byte as the spec
writes it, the timestamped signature layout read from the spec's and transparency-dev's examples, key IDs
with type 0x04, and cosignatures verified both on their own and as signed-note verifiers."""

from __future__ import annotations

import base64
import hashlib
import struct

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crypto.tlog.cosignature import (
    MAX_TIMESTAMP,
    Cosignature,
    CosignatureError,
    CosignatureSigner,
    CosignatureVerifier,
    cosignature_message,
)
from crypto.tlog.note import (
    ALG_COSIGNATURE_V1,
    ALG_ED25519,
    BadSignature,
    Ed25519Signer,
    Ed25519Verifier,
    Signature,
    UnverifiedNote,
    Verifier,
    add_signatures,
    key_id,
    open_note,
    sign_note,
)
from crypto.tlog.note import Signer as NoteSigner

# c2sp.org/tlog-cosignature: the example checkpoint, its witness line, and the message for time 1679315147
BODY = "example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
SPEC_WITNESS_LINE = (
    "— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZ"
    "qhf5nNo0xUe+mbIUBkBIfZ+qnA=="
)
SPEC_MESSAGE = (
    b"cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\n"
    b"CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n"
)
# transparency-dev/formats note/note_cosigv1_test.go
REMORA_VKEY = "remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2"
TD_COSIG_B64 = (
    "ZGhGuQAAAABm/qTPeyKXD+R2rzyQsxPiP8mXum7qq/iF0u4vanlqJyocWODBt97w9uL+8qT7S5gxEHWWOworDcFiEBYJXORmnFBOBA=="
)
TD_ED25519_B64 = "eQjRQm6eSKzFoiYalgwCPXu2y3ijtg68is9M46JKxuZB+dRfTmeQeDBoXnvxZx2ugnkyV+MUMLXpWs1hPb/W/4xkNQY="


def private(label: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(hashlib.sha256(label.encode()).digest())


def witness() -> CosignatureSigner:
    return CosignatureSigner("witness.example.com/w1", private("witness"))


def raw_public(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def test_message_is_the_spec_example_byte_for_byte() -> None:
    assert cosignature_message(BODY, 1679315147) == SPEC_MESSAGE
    assert cosignature_message(BODY + "ext\n", 0) == b"cosignature/v1\ntime 0\n" + BODY.encode() + b"ext\n"


def test_spec_example_line_has_the_timestamped_layout() -> None:
    """The spec's witness line: 4-byte key id, u64 big-endian time 1679315147, 64-byte Ed25519 signature."""
    cosig = Cosignature.from_signature(Signature.from_line(SPEC_WITNESS_LINE))
    assert cosig.name == "witness.example.com/w1"
    assert cosig.key_id == bytes.fromhex("8d66cf3f")
    assert cosig.timestamp == 1679315147
    assert len(cosig.signature) == 64
    assert cosig.to_signature().line() == SPEC_WITNESS_LINE + "\n"


def test_transparency_dev_timestamp_vector() -> None:
    raw = base64.b64decode(TD_COSIG_B64)
    cosig = Cosignature.from_signature(Signature("w", raw[:4], raw[4:]))
    assert cosig.timestamp == 1727964367
    plain = base64.b64decode(TD_ED25519_B64)  # a plain Ed25519 note signature: no timestamp
    with pytest.raises(CosignatureError):
        Cosignature.from_signature(Signature("w", plain[:4], plain[4:]))


def test_key_id_uses_type_0x04() -> None:
    key = private("witness")
    signer = CosignatureSigner("witness.example.com/w1", key)
    by_hand = hashlib.sha256(b"witness.example.com/w1\n\x04" + raw_public(key)).digest()[:4]
    assert signer.key_id == by_hand == key_id("witness.example.com/w1", ALG_COSIGNATURE_V1, raw_public(key))
    assert signer.key_id != Ed25519Signer("witness.example.com/w1", key).key_id
    assert key_id("witness.example.com/w1", ALG_ED25519, raw_public(key)) != by_hand


def test_real_witness_vkey_parses_and_round_trips() -> None:
    verifier = CosignatureVerifier.from_vkey(REMORA_VKEY)
    assert verifier.name == "remora.n621.de"
    assert verifier.key_id == bytes.fromhex("da77ade7")
    assert verifier.vkey == REMORA_VKEY


@pytest.mark.parametrize(
    "vkey",
    [
        "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",  # type 0x01, not a witness key
        "bananas.sigstore.dev+12344556",
        "rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!",
        "rekor.sigstore.dev+12345678+AwEB",
        REMORA_VKEY.replace("da77ade7", "da77ade8"),
        REMORA_VKEY.replace("remora", "Remora"),
        REMORA_VKEY[:-1],
    ],
)
def test_bad_witness_vkeys_are_refused(vkey: str) -> None:
    with pytest.raises(CosignatureError):
        CosignatureVerifier.from_vkey(vkey)


def test_cosign_and_verify_by_hand() -> None:
    """The signature checks with a bare Ed25519 verify over the message written out here."""
    key = private("witness")
    sig = witness().cosign(BODY, 1679315147)
    assert sig.key_id == witness().key_id
    assert sig.signature[:8] == struct.pack(">Q", 1679315147)
    key.public_key().verify(sig.signature[8:], SPEC_MESSAGE)  # raises if the message differed


@pytest.mark.parametrize("timestamp", [0, 1, 1679315147, 2**32, MAX_TIMESTAMP])
def test_timestamp_round_trips(timestamp: int) -> None:
    sig = witness().cosign(BODY, timestamp)
    cosig = witness().verifier.verify_cosignature(BODY, sig)
    assert cosig.timestamp == timestamp
    assert Cosignature.from_signature(Signature.from_line(sig.line()[:-1])) == cosig


@pytest.mark.parametrize("timestamp", [-1, MAX_TIMESTAMP + 1, 2**64])
def test_out_of_range_timestamps_are_refused(timestamp: int) -> None:
    with pytest.raises(CosignatureError):
        witness().cosign(BODY, timestamp)


def test_a_timestamp_above_2_63_in_a_signature_is_refused() -> None:
    sig = witness().cosign(BODY, 5)
    high = Signature(sig.name, sig.key_id, struct.pack(">Q", 2**63) + sig.signature[8:])
    with pytest.raises(CosignatureError):
        Cosignature.from_signature(high)
    assert not witness().verifier.verify(BODY.encode(), high.signature)


def test_tampering_fails() -> None:
    sig = witness().cosign(BODY, 1000)
    verifier = witness().verifier
    assert verifier.verify(BODY.encode(), sig.signature)
    later = struct.pack(">Q", 1001) + sig.signature[8:]
    assert not verifier.verify(BODY.encode(), later)
    assert not verifier.verify(BODY.replace("20852163", "20852164").encode(), sig.signature)
    for i in range(len(sig.signature)):
        flipped = bytearray(sig.signature)
        flipped[i] ^= 0x01
        assert not verifier.verify(BODY.encode(), bytes(flipped))
    with pytest.raises(CosignatureError):
        verifier.verify_cosignature(BODY.replace("20852163", "20852164"), sig)
    with pytest.raises(CosignatureError):
        CosignatureSigner("witness.example.com/w2", private("w2")).verifier.verify_cosignature(BODY, sig)


def test_signature_covers_extension_lines() -> None:
    """transparency-dev TestSigCoversExtensionLines, and the spec: extension lines MUST be in the message."""
    sig = witness().cosign(BODY + "Extendo\n", 7)
    assert witness().verifier.verify((BODY + "Extendo\n").encode(), sig.signature)
    assert not witness().verifier.verify((BODY + "Extend@\n").encode(), sig.signature)
    assert not witness().verifier.verify(BODY.encode(), sig.signature)


def test_cosigning_needs_a_checkpoint_body() -> None:
    for body in ("one line\n", "a\nb\n", BODY[:-1]):
        with pytest.raises(CosignatureError):
            witness().cosign(body, 1)


def test_cosignature_in_a_note_opens_with_log_and_witness_keys() -> None:
    log = Ed25519Signer("example.com/behind-the-sofa", private("log"))
    cosigned = add_signatures(sign_note(BODY, [log]), [witness().cosign(BODY, 1679315147)])
    note, verified = open_note(cosigned, [log.verifier, witness().verifier])
    assert [s.name for s in verified] == ["example.com/behind-the-sofa", "witness.example.com/w1"]
    assert note.encode() == cosigned
    # the witness alone can open it too; a plain Ed25519 verifier of the witness key cannot
    open_note(cosigned, [witness().verifier])
    plain = Ed25519Verifier("witness.example.com/w1", private("witness").public_key())
    with pytest.raises(UnverifiedNote):
        open_note(cosigned.replace(parse_log_line(cosigned), ""), [plain])
    # a known witness whose cosignature is for another time refuses the note
    forged = cosigned.replace(
        witness().cosign(BODY, 1679315147).line(),
        Signature(
            witness().name, witness().key_id, struct.pack(">Q", 1) + witness().cosign(BODY, 2).signature[8:]
        ).line(),
    )
    with pytest.raises(BadSignature):
        open_note(forged, [log.verifier, witness().verifier])


def parse_log_line(note: str) -> str:
    return next(line + "\n" for line in note.split("\n") if line.startswith("— example.com/"))


def test_private_key_string_round_trips() -> None:
    signer = witness()
    text = signer.private_key_string()
    assert text.startswith("PRIVATE+KEY+witness.example.com/w1+" + signer.key_id.hex() + "+B")  # 0x04 → "B..."
    again = CosignatureSigner.from_private_key_string(text)
    assert again.vkey == signer.vkey
    assert again.cosign(BODY, 9) == signer.cosign(BODY, 9)
    for bad in (text.replace("PRIVATE", "PUBLIC"), text[:-2], text.replace(signer.key_id.hex(), "00000000")):
        with pytest.raises(CosignatureError):
            CosignatureSigner.from_private_key_string(bad)
    with pytest.raises(CosignatureError):  # a plain Ed25519 note key is not a witness key
        CosignatureSigner.from_private_key_string(Ed25519Signer.generate("w").private_key_string())


def test_witness_keys_plug_into_the_note_protocols() -> None:
    assert isinstance(witness().verifier, Verifier)
    assert isinstance(Ed25519Signer.generate("log").verifier, Verifier)
    assert isinstance(Ed25519Signer.generate("log"), NoteSigner)
